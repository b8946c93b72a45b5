"""CrowdTangle exports: the dashboard's CSV downloads and the API's post objects (JSON).

CSV (Facebook and Instagram "search"/"list" downloads): columns are matched by name. Quirks:
a UTF-8 byte-order mark; cells spanning lines (page descriptions); "Post Created" carries the
dashboard's time-zone abbreviation ("2021-07-05 18:02:45 BRT"), mapped to a UTC offset (a time
with no zone is taken as UTC; an unknown zone is a dead letter); counts may carry "." or ","
thousands separators ("407.137"); "N/A", "-" and "" mean unknown. There is no post-id column:
the post's URL gives it — "<page id>_<post number>", as the API's `platformId` spells it, for
the usual `/<page id>/posts/<n>` and `/groups/<id>/permalink/<n>` URLs, else the URL itself.
Platform: "instagram" for instagram.com URLs, else "facebook".

JSON: one post object (as the /links and /posts endpoints list them), a response
`{"result": {"posts": [...]}}`, an array of posts, or JSON lines of either. Platform is the
post's `platform` lowercased; `post_id` is `platformId` (else CrowdTangle's own `id`); the
author is the `account` (its platform id, else CrowdTangle's account id; its handle; its
name); `date` is UTC; links are `expandedLinks[].expanded` (else `link`); metrics from
`statistics.actual`. Posts are numbered from 1 across the file.

Text, both layouts: the post's message; a post without one (a bare link share, an Instagram
photo) gets the shared link's title and description instead, so it still has searchable text.
Metrics: likes are "Like" reactions only (love/wow/... are not likes), reposts are shares,
replies are comments, views are video views (CrowdTangle reports 0 for posts that are not
videos, read as unknown).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import IO, Any

from voxpop.schema import Metrics, Post
from voxpop.sources._base import (
    RECORD_ERRORS,
    DeadLetter,
    Item,
    Reader,
    Sample,
    Skipped,
    dead,
    encode_json,
    get_path,
    int64,
    iter_json_records,
    map_csv_rows,
    parse_time,
    peek,
)

__all__ = ["READER", "read", "sniff"]

_CSV_COLUMNS = ("Post Created", "Type", "URL")
_UNKNOWN = frozenset({"", "N/A", "-", "n/a", "NA", "null"})

# Abbreviations CrowdTangle's dashboard writes after "Post Created", as hours from UTC. The
# ambiguous ones take their usual meaning in CrowdTangle's markets: IST India, CST US Central.
_ZONES: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "IST": 5.5,
    "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "TRT": 3, "EAT": 3, "WAT": 1,
    "SAST": 2, "CAT": 2, "GST": 4, "PKT": 5, "ICT": 7, "WIB": 7, "SGT": 8, "HKT": 8,
    "PHT": 8, "CST": -6, "CDT": -5, "EST": -5, "EDT": -4, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "AST": -4, "ADT": -3,
    "NST": -3.5, "NDT": -2.5, "BRT": -3, "BRST": -2, "ART": -3, "CLT": -4, "CLST": -3,
    "COT": -5, "PET": -5, "VET": -4, "JST": 9, "KST": 9, "AWST": 8, "ACST": 9.5,
    "ACDT": 10.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}  # fmt: skip


def sniff(sample: Sample) -> bool:
    if sample.has_columns(*_CSV_COLUMNS):
        header = sample.csv_header or []
        return "Total Interactions" in header or "Likes" in header
    first = sample.first_json
    if isinstance(first, list) and first:
        first = first[0]
    if isinstance(first, Mapping):
        posts = get_path(first, "result", "posts")
        if isinstance(posts, list):
            return not posts or _is_post(posts[0])
        return _is_post(first)
    # Pretty-printed responses too large for the sample: the API's own key names.
    text = sample.text.lstrip()
    return text[:1] in ("{", "[") and '"platformId"' in text and '"postUrl"' in text


def _is_post(value: object) -> bool:
    return isinstance(value, Mapping) and "platformId" in value and "postUrl" in value


def read(stream: IO[bytes]) -> Iterator[Item]:
    head, stream = peek(stream)
    if head[:1] in (b"{", b"["):
        yield from _read_json(stream)
    else:
        yield from map_csv_rows(stream, _csv_post)


# -- CSV ------------------------------------------------------------------------------------


def _csv_post(number: int, cells: Mapping[str, str]) -> Post:
    url = cells.get("URL", "").strip()
    if not url:
        raise ValueError("row has no post URL, the only post identifier in a CrowdTangle CSV")
    page_id = _cell(cells, "Facebook Id")
    handle = _cell(cells, "User Name")
    link = _cell(cells, "Final Link") or _cell(cells, "Link")
    message = _cell(cells, "Message")
    text = message or _join(
        _cell(cells, "Link Text") or _cell(cells, "Title"), _cell(cells, "Description")
    )
    return Post(
        platform="instagram" if "instagram.com/" in url else "facebook",
        post_id=_post_id_from_url(url),
        author_id=page_id or handle,
        author_handle=handle,
        author_name=_cell(cells, "Page Name") or _cell(cells, "Account"),
        created_at=_csv_time(cells.get("Post Created", "")),
        text=text,
        kind="post",
        urls=[link] if link else [],
        metrics=Metrics(
            likes=_number(cells.get("Likes")),
            reposts=_number(cells.get("Shares")),
            replies=_number(cells.get("Comments")),
            views=_number(cells.get("Post Views", cells.get("Views"))) or None,
        ),
        record=number,
    )


def _cell(cells: Mapping[str, str], column: str) -> str | None:
    value = cells.get(column)
    if value is None:
        return None
    value = value.strip()
    return None if value in _UNKNOWN else value


def _post_id_from_url(url: str) -> str:
    parts = url.split("?", 1)[0].rstrip("/").split("/")
    # [..., "www.facebook.com", page, "posts", n] or [..., "groups", group, "permalink", n]
    if len(parts) >= 4 and parts[-2] in ("posts", "permalink") and parts[-1].isdigit():
        owner = parts[-3]
        if owner.isdigit():
            return f"{owner}_{parts[-1]}"
    return url


def _csv_time(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    stamp, _, zone = value.rpartition(" ")
    if not stamp or zone[:1].isdigit():
        return parse_time(value)
    moment = datetime.fromisoformat(stamp)
    if zone[:1] in "+-":
        offset = _numeric_offset(zone)
    elif zone.upper() in _ZONES:
        offset = timedelta(hours=_ZONES[zone.upper()])
    else:
        raise ValueError(f"unknown time zone {zone!r} in Post Created {value!r}")
    return moment.replace(tzinfo=timezone(offset)).astimezone(UTC)


def _numeric_offset(zone: str) -> timedelta:
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    if not digits.isdigit() or len(digits) not in (1, 2, 4):
        raise ValueError(f"unknown time zone {zone!r}")
    hours = int(digits[:2]) if len(digits) > 2 else int(digits)
    minutes = int(digits[2:]) if len(digits) == 4 else 0
    return sign * timedelta(hours=hours, minutes=minutes)


def _number(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if value in _UNKNOWN:
        return None
    # Counts are whole numbers, so "." and "," can only be thousands separators.
    return int64(int(value.replace(".", "").replace(",", "").replace(" ", "")))


def _join(*parts: str | None) -> str | None:
    return "\n\n".join(part for part in parts if part) or None


# -- JSON -----------------------------------------------------------------------------------


def _read_json(stream: IO[bytes]) -> Iterator[Item]:
    number = 0
    for value in iter_json_records(stream):
        if isinstance(value, DeadLetter):
            yield value
            continue
        line, document = value
        if isinstance(document, list):
            posts: list[Any] = document
        elif isinstance(document, Mapping) and "result" in document:
            posts = get_path(document, "result", "posts")
            if not isinstance(posts, list):
                yield Skipped("response", line)
                continue
        else:
            posts = [document]
        for post in posts:
            number += 1
            try:
                yield _json_post(post, number)
            except RECORD_ERRORS as exc:
                yield dead(number, f"unreadable CrowdTangle post: {exc}", encode_json(post))


def _json_post(post: Mapping[str, Any], number: int) -> Post:
    post_id = _text(post.get("platformId") or post.get("id"))
    if not post_id:
        raise ValueError("not a CrowdTangle post: no platformId or id")
    account = post.get("account") or {}
    links = [
        expanded
        for link in post.get("expandedLinks") or ()
        if (expanded := _text(link.get("expanded") or link.get("original")))
    ]
    link = _text(post.get("link"))
    if not links and link:
        links = [link]
    actual = get_path(post, "statistics", "actual") or {}
    language = _text(post.get("languageCode"))
    return Post(
        platform=(_text(post.get("platform") or account.get("platform")) or "facebook").lower(),
        post_id=post_id,
        author_id=_text(account.get("platformId") or account.get("id")),
        author_handle=_text(account.get("handle")),
        author_name=_text(account.get("name")),
        created_at=parse_time(_text(post.get("date"))),
        text=_text(post.get("message"))
        or _join(_text(post.get("title")), _text(post.get("description"))),
        source_lang=language if language and language != "und" else None,
        kind="post",
        urls=links,
        metrics=Metrics(
            likes=_count(actual.get("likeCount")),
            reposts=_count(actual.get("shareCount")),
            replies=_count(actual.get("commentCount")),
        )
        if actual
        else None,
        record=number,
    )


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # numeric ids
    raise ValueError(f"not text: {value!r}")


def _count(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"not a count: {value!r}")
    return int64(int(value))


READER = Reader(
    "crowdtangle",
    "CrowdTangle CSV exports (Facebook, Instagram) and API post objects (JSON)",
    sniff,
    read,
)
