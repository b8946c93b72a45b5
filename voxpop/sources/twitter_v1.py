"""Twitter API v1.1 statuses (and the older v1 ones), however they were saved.

Shapes: a single status object; an array of them (timelines); search responses
(`{"statuses": [...], "search_metadata": ...}`); premium/enterprise search pages
(`{"results": [...], "requestParameters": ...}`); JSON lines of statuses (twarc 1, streaming
API), where stream notices ride along: `{"delete": {"status": ...}}` becomes a `Delete`,
`limit`, `scrub_geo`, `status_withheld`, `disconnect`, `warning`, `event`... are skipped under
their own name. The records are the top-level JSON values: lines, array elements, or the one
document, and every status of a search page gets its page's record number.

Error bodies (`{"errors": [{"code", "message"}]}`, `{"error": "..."}`) are skipped as "error":
they are well-formed answers that hold no post, not records that failed to read. A search
response with no statuses (or the legacy Search API's bare metadata) is skipped as "search".

Text is the full text wherever the source has it: `extended_tweet.full_text` (compat mode,
streaming), then `full_text` (extended mode), then `text`; entities follow the same choice.
The `&`, `<` and `>` Twitter HTML-escapes in text are turned back into characters.
python-twitter's `AsDict()` output, which moves the entity lists onto the status itself, is
read too. Retweets keep their own ("RT @x: ...", often truncated) text; the `retweeted_status`
and `quoted_status` embedded in a status become context posts. The kind is repost (with a
`retweeted_status`), else reply (`in_reply_to_status_id`), else quote (`quoted_status_id`).
Very old statuses may lack `id_str` and `entities` (the numeric `id` is used) and carry
`retweet_count: null` or the string "100+" (read as unknown).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any

import msgspec

from voxpop.schema import Kind, Metrics, Post
from voxpop.sources._base import (
    RECORD_ERRORS,
    DeadLetter,
    Delete,
    Item,
    Reader,
    Sample,
    Skipped,
    convert_each,
    dead,
    decode_json,
    encode_json,
    head_value,
    parse_time,
    raw_json,
    read_typed_json,
    set_relation,
    unescape_amp_lt_gt,
)

__all__ = ["READER", "parse_created_at", "read", "sniff"]

PLATFORM = "twitter"
_EMPTY_RAW = msgspec.Raw()


class _User(msgspec.Struct, gc=False):
    id: int | str | None = None
    id_str: str | None = None
    screen_name: str | None = None
    name: str | None = None


class _Url(msgspec.Struct, gc=False):
    url: str | None = None
    expanded_url: str | None = None


class _Hashtag(msgspec.Struct, gc=False):
    text: str | None = None


class _Mention(msgspec.Struct, gc=False):
    screen_name: str | None = None


class _Entities(msgspec.Struct, gc=False):
    urls: list[_Url] = []
    hashtags: list[_Hashtag] = []
    user_mentions: list[_Mention] = []


class _Extended(msgspec.Struct, gc=False):
    full_text: str | None = None
    entities: _Entities | None = None


class _Status(msgspec.Struct, gc=False):
    id: int | str | None = None
    id_str: str | None = None
    created_at: str | None = None
    text: str | None = None
    full_text: str | None = None
    extended_tweet: _Extended | None = None
    user: _User | None = None
    lang: str | None = None
    in_reply_to_status_id: int | str | None = None
    in_reply_to_status_id_str: str | None = None
    in_reply_to_user_id: int | str | None = None
    in_reply_to_user_id_str: str | None = None
    quoted_status_id: int | str | None = None
    quoted_status_id_str: str | None = None
    retweeted_status: _Status | None = None
    quoted_status: _Status | None = None
    entities: _Entities | None = None
    # python-twitter's AsDict() moves the entity lists here.
    urls: list[_Url] = []
    hashtags: list[_Hashtag] = []
    user_mentions: list[_Mention] = []
    favorite_count: int | str | None = None
    retweet_count: int | str | None = None
    reply_count: int | str | None = None
    quote_count: int | str | None = None


class _Record(_Status, gc=False):
    """A top-level value: a status, a search page, an error body or a stream notice."""

    statuses: list[_Status] | None = None
    results: list[_Status] | None = None
    errors: msgspec.Raw = _EMPTY_RAW
    error: msgspec.Raw = _EMPTY_RAW


_record_decoder = msgspec.json.Decoder(_Record)

# Stream messages that hold no post, skipped under their own name.
_NOTICES = frozenset(
    {
        "limit",
        "scrub_geo",
        "status_withheld",
        "user_withheld",
        "disconnect",
        "warning",
        "event",
        "friends",
        "friends_str",
        "direct_message",
        "control",
        "for_user",
    }
)


def read(stream: IO[bytes]) -> Iterator[Item]:
    return read_typed_json(stream, _record_decoder, _record_items, _convert_pieces)


def _convert_pieces(
    number: int, obj: dict[str, Any], error: msgspec.ValidationError
) -> tuple[_Record, dict[str, Any], list[DeadLetter]] | DeadLetter:
    """Convert a search page whose whole did not fit the types: each status on its own.

    Returns the page, the page less the statuses that did not convert (so that positions in
    it still match), and a dead letter for each of those.
    """
    key = "statuses" if "statuses" in obj else "results"
    items = obj.get(key)
    if not isinstance(items, list):
        return dead(number, f"unreadable status: {error}", encode_json(obj))
    try:
        record = msgspec.convert({k: v for k, v in obj.items() if k != key}, _Record)
    except msgspec.ValidationError as exc:
        return dead(number, f"unreadable record: {exc}", encode_json(obj))
    dead_letters: list[DeadLetter] = []
    statuses, kept = convert_each(number, items, _Status, key, dead_letters)
    setattr(record, key, statuses)
    return record, obj | {key: kept}, dead_letters


def _record_items(record: _Record, number: int, source: bytes | dict[str, Any]) -> Iterator[Item]:
    if record.text is not None or record.full_text is not None:
        yield from _status_items(record, number, source, "", 0)
        return
    key = "statuses" if record.statuses is not None else "results"
    statuses = record.statuses if record.statuses is not None else record.results
    if statuses is not None:
        if not statuses:
            yield Skipped("search", number)
        for index, status in enumerate(statuses):
            yield from _status_items(status, number, source, key, index)
    elif len(record.errors) or len(record.error):
        yield Skipped("error", number)
    else:
        yield _other(number, source)


def _other(number: int, source: bytes | dict[str, Any]) -> Item:
    """Records that are not statuses: stream notices and search metadata, or unknown."""
    if isinstance(source, dict):
        obj = source
    else:
        try:
            obj = decode_json(source)
        except ValueError as exc:
            return dead(number, f"invalid JSON: {exc}", source.rstrip(b"\r\n"))
    delete = obj.get("delete")
    status = delete.get("status") if isinstance(delete, dict) else None
    if isinstance(status, dict):
        post_id = status.get("id_str") or status.get("id")
        if isinstance(post_id, str | int) and not isinstance(post_id, bool):
            return Delete(PLATFORM, str(post_id), number)
    for key in obj:
        if key in _NOTICES:
            return Skipped(key, number)
    if "search_metadata" in obj or ("completed_in" in obj and "query" in obj):
        return Skipped("search", number)
    return dead(number, "not a Twitter API v1.1 record", encode_json(obj))


def _status_items(
    status: _Status, number: int, source: bytes | dict[str, Any], key: str, index: int
) -> Iterator[Item]:
    post_id = _id(status.id_str, status.id)
    if post_id is None:
        yield dead(number, "status without id", _raw(source, key, index))
        return
    try:
        posts = [_post(status, post_id, number, False)]
        seen = {post_id}
        embedded = [status.retweeted_status, status.quoted_status]
        while embedded:
            inner = embedded.pop(0)
            if inner is None:
                continue
            inner_id = _id(inner.id_str, inner.id)
            if inner_id is not None and inner_id not in seen:
                seen.add(inner_id)
                posts.append(_post(inner, inner_id, number, True))
                embedded += [inner.retweeted_status, inner.quoted_status]
    except RECORD_ERRORS as exc:
        yield dead(number, f"unreadable status: {exc}", _raw(source, key, index))
        return
    yield from posts


def _post(status: _Status, post_id: str, record: int, context: bool) -> Post:
    kind: Kind = "post"
    parent_id = parent_author_id = None
    retweeted = status.retweeted_status
    if retweeted is not None:
        kind = "repost"
        parent_id = _id(retweeted.id_str, retweeted.id)
        parent_author_id = _user_id(retweeted.user)
    else:
        replied = _id(status.in_reply_to_status_id_str, status.in_reply_to_status_id)
        if replied is not None:
            kind, parent_id = "reply", replied
            parent_author_id = _id(status.in_reply_to_user_id_str, status.in_reply_to_user_id)
        else:
            quoted = status.quoted_status
            parent_id = _id(status.quoted_status_id_str, status.quoted_status_id)
            if parent_id is None and quoted is not None:
                parent_id = _id(quoted.id_str, quoted.id)
            if parent_id is not None:
                kind = "quote"
                parent_author_id = _user_id(quoted.user) if quoted is not None else None
    extended = status.extended_tweet
    text = status.text if status.full_text is None else status.full_text
    entities = status.entities
    if extended is not None:
        if extended.full_text is not None:
            text = extended.full_text
        if extended.entities is not None:
            entities = extended.entities
    if entities is not None:
        urls, hashtags, mentions = entities.urls, entities.hashtags, entities.user_mentions
    else:
        urls, hashtags, mentions = status.urls, status.hashtags, status.user_mentions
    user = status.user
    likes, reposts = _count(status.favorite_count), _count(status.retweet_count)
    replies, quotes = _count(status.reply_count), _count(status.quote_count)
    known = likes is not None or reposts is not None or replies is not None or quotes is not None
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=_user_id(user),
        author_handle=user.screen_name if user is not None else None,
        author_name=user.name if user is not None else None,
        created_at=parse_created_at(status.created_at),
        text=unescape_amp_lt_gt(text) if text is not None else None,
        source_lang=status.lang,
        urls=[u for x in urls if (u := x.expanded_url or x.url)],
        hashtags=[h.text for h in hashtags if h.text],
        mentions=[m.screen_name for m in mentions if m.screen_name],
        metrics=Metrics(likes, reposts, replies, quotes, None) if known else None,
        record=record,
    )
    if kind == "post" and not context:
        return post
    return set_relation(post, kind, parent_id, parent_author_id, context=context)


def _id(id_str: str | None, id: int | str | None) -> str | None:
    if id_str:
        return id_str
    return None if id is None or id == "" else str(id)


def _user_id(user: _User | None) -> str | None:
    return None if user is None else _id(user.id_str, user.id)


def _count(value: int | str | None) -> int | None:
    """A count; the strings old statuses used ("100+") are a lower bound, so unknown."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}


def parse_created_at(value: str | None) -> datetime | None:
    """v1.1 `created_at` ("Wed Oct 10 20:19:24 +0000 2018") as aware UTC; ISO 8601 and RFC 2822
    (the legacy Search API's "Sun, 24 Oct 2010 03:46:25 +0000") are accepted too.

    Raises ValueError for anything else.
    """
    if value is None:
        return None
    parts = value.split()
    if len(parts) == 6 and parts[4] == "+0000" and parts[1] in _MONTHS:
        hour, minute, second = parts[3].split(":")
        return datetime(
            int(parts[5]),
            _MONTHS[parts[1]],
            int(parts[2]),
            int(hour),
            int(minute),
            int(second),
            tzinfo=UTC,
        )
    if len(parts) >= 5 and parts[0].endswith(","):
        parsed = parsedate_to_datetime(value)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if len(parts) == 6:
        return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    return parse_time(value)


def _raw(source: bytes | dict[str, Any], key: str, index: int) -> bytes:
    """The raw text of a record, or of the status at `key[index]` in a search page."""
    return raw_json(source, key, index) if key else raw_json(source)


# -- recognising ------------------------------------------------------------------------------


def sniff(sample: Sample) -> bool:
    first = sample.first_json
    if first is None:
        first = _head_value(sample.text)
    if isinstance(first, list):
        first = first[0] if first else None
    return isinstance(first, dict) and _is_v1_record(first)


def _is_v1_record(obj: dict[str, Any]) -> bool:
    if _is_status(obj):
        return True
    for key in ("statuses", "results"):
        items = obj.get(key)
        if isinstance(items, list) and items and isinstance(items[0], dict):
            return _is_status(items[0])
    if "statuses" in obj and "search_metadata" in obj:
        return True
    if "completed_in" in obj and "refresh_url" in obj:
        return True
    errors = obj.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return "code" in errors[0] and "message" in errors[0]
    if isinstance(obj.get("error"), str) and set(obj) <= {"error", "request"}:
        return True
    delete = obj.get("delete")
    if isinstance(delete, dict) and isinstance(delete.get("status"), dict):
        return True
    return len(obj) == 1 and isinstance(obj.get("limit"), dict) and "track" in obj["limit"]


def _is_status(obj: dict[str, Any]) -> bool:
    user = obj.get("user")
    return (
        ("id_str" in obj or isinstance(obj.get("id"), int))
        and ("text" in obj or "full_text" in obj)
        and isinstance(user, dict)
        and "screen_name" in user
    )


def _head_value(text: str) -> Any:
    """The first status of a document too long for the sample to hold: an array's first
    element, or the first of a search page's `statuses` / `results`."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        return head_value(stripped)
    if not stripped.startswith("{"):
        return None
    for key in ("statuses", "results"):
        value = head_value(stripped, key)
        if value is not None:
            return {key: [value]}
    return None


READER = Reader(
    "twitter-v1",
    "Twitter API v1.1 statuses: objects, arrays, search and premium search pages, stream lines",
    sniff,
    read,
)
