"""Generic tables of posts: CSV with a header row, JSON lines, or a JSON array of objects.

Columns are found by name through a column map: for each canonical field, the source columns
that may hold it, first match wins, compared without regard to case (`FIELDS` lists the
defaults: "id"/"post_id"/"message_id"/"tweetid" are the post id, "text"/"body"/"message"/
"content" the text, and so on). `with_map({"text": "body", "author_id": "user"})` — the CLI's
`--map text=body,author_id=user` — puts the named columns in place of the defaults for those
fields; in JSON a mapped name may be a dotted path into nested objects ("user.id").

Values: `post_id` is required (a record without one is a dead letter). `created_at` may be ISO
8601, epoch seconds, US "M/D/YYYY H:MM:SS" (as fivethirtyeight's tweet tables), Twitter's
"Wed Oct 10 20:19:24 +0000 2018" or RFC 2822; naive times are UTC; anything else is a dead
letter. List columns (urls, hashtags, mentions) may be JSON arrays, Python list reprs
("['a', 'b']") or space- or comma-separated text; "#" and "@" are dropped from hashtags and
mentions. `platform` defaults to "generic". `kind` accepts the canonical kinds and common
synonyms (tweet, retweet, reblog, share, ...); a record with a parent and no kind is a reply.
`author_id` falls back to the handle when a table has only user names. Nothing is extracted
from the text: columns only.

The CSV is matched by header once per file; a column named in `with_map` that the header lacks
is reported as a dead letter numbered 0. JSON records are matched one by one (keys may vary).
A JSON array is read whole; JSON lines are streamed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any

from voxpop.errors import ConfigError
from voxpop.schema import METRIC_NAMES, Kind, Metrics, Post
from voxpop.sources._base import (
    NULL_TEXTS,
    RECORD_ERRORS,
    DeadLetter,
    Item,
    Reader,
    Sample,
    csv_line,
    dead,
    encode_json,
    get_path,
    int64,
    iter_csv_rows,
    iter_json_records,
    parse_time,
    peek,
    set_relation,
    split_list,
)

__all__ = ["FIELDS", "READER", "TimeParser", "read", "sniff", "with_map"]

# Canonical field -> the source columns that hold it by default, in order of preference.
FIELDS: dict[str, tuple[str, ...]] = {
    "post_id": ("post_id", "id", "message_id", "tweet_id", "tweetid", "status_id", "id_str"),
    "text": ("text", "full_text", "body", "message", "content", "tweet_text", "tweet"),
    "created_at": (
        "created_at", "date", "timestamp", "time", "published", "published_at", "datetime",
        "created", "posted_at",
    ),
    "author_id": ("author_id", "user_id", "userid", "author", "user", "account_id"),
    "author_handle": ("author_handle", "username", "screen_name", "handle", "user_screen_name"),
    "author_name": ("author_name", "name", "display_name", "user_name"),
    "source_lang": ("source_lang", "lang", "language"),
    "kind": ("kind",),
    "parent_id": ("parent_id", "in_reply_to_id", "in_reply_to_status_id"),
    "parent_author_id": ("parent_author_id", "in_reply_to_user_id"),
    "conversation_id": ("conversation_id", "thread_id"),
    "urls": ("urls", "url", "links", "link"),
    "hashtags": ("hashtags",),
    "mentions": ("mentions", "user_mentions"),
    "platform": ("platform",),
    "likes": ("likes", "like_count", "favorite_count"),
    "reposts": ("reposts", "retweets", "retweet_count", "repost_count", "shares", "share_count"),
    "replies": ("replies", "reply_count", "comment_count"),
    "quotes": ("quotes", "quote_count"),
    "views": ("views", "view_count", "impression_count"),
}  # fmt: skip

_KINDS: dict[str, Kind] = {
    "post": "post", "tweet": "post", "status": "post", "original": "post",
    "repost": "repost", "retweet": "repost", "retweeted": "repost", "reblog": "repost",
    "share": "repost", "reply": "reply", "replied_to": "reply", "quote": "quote",
    "quoted": "quote", "comment": "comment", "article": "article",
}  # fmt: skip

_LIST_FIELDS = ("urls", "hashtags", "mentions")
_CACHE_LIMIT = 256

Accessor = str | tuple[str, ...]  # a column name, or a path into nested JSON objects
Resolved = dict[str, Accessor]


def _us_time(text: str) -> datetime:
    """US "M/D/YYYY[ H:MM[:SS]]" (two-digit years as strptime's %y), faster than strptime."""
    date, _, clock = text.partition(" ")
    month, day, year = date.split("/")
    if len(year) == 2:
        year = ("19" if int(year) >= 69 else "20") + year
    elif len(year) != 4:
        raise ValueError(f"not a US date: {text!r}")
    hms = [int(part) for part in clock.split(":")] if clock else []
    if len(hms) not in (0, 2, 3):
        raise ValueError(f"not a US time: {text!r}")
    hms += [0] * (3 - len(hms))
    return datetime(int(year), int(month), int(day), hms[0], hms[1], hms[2], tzinfo=UTC)


class TimeParser:
    """Timestamps in the formats tables use, trying first the one that worked last."""

    def __init__(self) -> None:
        self._parsers: list[Callable[[str], datetime | None]] = [
            parse_time,
            _us_time,
            lambda text: datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y"),
            lambda text: datetime.strptime(text, "%Y-%m-%d %H:%M:%S %Z"),
            parsedate_to_datetime,
        ]

    def __call__(self, value: object) -> datetime | None:
        if value is None or isinstance(value, (int, float)):
            return parse_time(value)
        text = str(value).strip()
        if text.lower() in NULL_TEXTS:
            return None
        for index, parser in enumerate(self._parsers):
            try:
                moment = parser(text)
            except (ValueError, TypeError, IndexError, OverflowError):
                continue
            if moment is None:
                continue
            if index:
                self._parsers.insert(0, self._parsers.pop(index))
            if moment.tzinfo is None:
                return moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
        raise ValueError(f"unreadable time {text!r}")


class _Mapper:
    """Finds each canonical field's column among a record's keys."""

    def __init__(self, candidates: Mapping[str, tuple[str, ...]], explicit: Iterable[str]):
        self.candidates = dict(candidates)
        self.explicit = frozenset(explicit)
        self._cache: dict[tuple[str, ...], Resolved] = {}

    def resolve(self, keys: Iterable[str]) -> Resolved:
        key_tuple = tuple(keys)
        found = self._cache.get(key_tuple)
        if found is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            found = self._cache[key_tuple] = self._resolve(key_tuple)
        return found

    def _resolve(self, keys: tuple[str, ...]) -> Resolved:
        present = set(keys)
        lowered = {key.lower(): key for key in reversed(keys)}
        resolved: Resolved = {}
        for field, columns in self.candidates.items():
            for column in columns:
                if column in present:
                    resolved[field] = column
                elif column.lower() in lowered:
                    resolved[field] = lowered[column.lower()]
                elif "." in column and column.split(".", 1)[0] in present:
                    resolved[field] = tuple(column.split("."))
                else:
                    continue
                break
        return resolved

    def missing(self, keys: Iterable[str]) -> list[str]:
        """Explicitly mapped fields whose column is not among `keys`."""
        resolved = self.resolve(keys)
        return [field for field in sorted(self.explicit) if field not in resolved]


def _scalar(field: str, accessor: Accessor, value: Any) -> str | None:
    if isinstance(value, (dict, list)):
        column = accessor if isinstance(accessor, str) else ".".join(accessor)
        raise ValueError(
            f"column {column!r} holds a JSON {'object' if isinstance(value, dict) else 'array'}, "
            f"not a value for {field}; map a field inside it, e.g. --map {field}={column}.id"
        )
    text = str(value).strip()
    return text or None


def _flat_list(field: str, value: object) -> bool:
    return (
        field in _LIST_FIELDS
        and isinstance(value, list)
        and not any(isinstance(element, (dict, list)) for element in value)
    )


def _count(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int64(value)
    if isinstance(value, float):
        return int64(int(value))
    if not isinstance(value, str):
        raise ValueError(f"not a count: {value!r}")
    text = str(value).strip().replace(",", "").replace("_", "")
    if text.lower() in NULL_TEXTS:
        return None
    return int64(int(float(text)) if "." in text or "e" in text.lower() else int(text))


_NOT_SCALAR = frozenset({*_LIST_FIELDS, *METRIC_NAMES, "created_at"})


def _post(
    record: Mapping[str, Any],
    resolved: Resolved,
    explicit: frozenset[str],
    number: int,
    times: TimeParser,
) -> Post:
    values: dict[str, Any] = {}
    for field, accessor in resolved.items():
        value = record.get(accessor) if isinstance(accessor, str) else get_path(record, *accessor)
        if value is None or value == "":
            continue
        # A default column name that holds an object ("user": {...}, "urls": [{...}]) is not
        # the field: it is left empty rather than failing every record. Named columns must fit.
        if (
            isinstance(value, (dict, list))
            and field not in explicit
            and not _flat_list(field, value)
        ):
            continue
        values[field] = value
    scalars: dict[str, str] = {}
    for field, value in values.items():
        if field in _NOT_SCALAR:
            continue
        text = value.strip() if isinstance(value, str) else _scalar(field, resolved[field], value)
        if text:
            scalars[field] = text
    post_id = scalars.get("post_id")
    if post_id is None:
        column = resolved.get("post_id")
        if column is None:
            raise ValueError(
                f"no post id column (looked for {', '.join(FIELDS['post_id'])}); "
                "name one with --map post_id=COLUMN"
            )
        raise ValueError(f"empty post id in column {column!r}")
    parent_id = scalars.get("parent_id")
    kind_text = scalars.get("kind")
    if kind_text is None:
        kind: Kind = "reply" if parent_id else "post"
    else:
        found = _KINDS.get(kind_text.lower())
        if found is None:
            raise ValueError(f"unknown kind {kind_text!r}; expected one of {', '.join(_KINDS)}")
        kind = found
    handle = scalars.get("author_handle")
    if handle is not None:
        handle = handle.lstrip("@") or None
    metrics = None
    if not values.keys().isdisjoint(METRIC_NAMES):
        metrics = Metrics(**{name: _count(values.get(name)) for name in METRIC_NAMES})
    text = values.get("text")
    post = Post(
        platform=scalars["platform"].lower() if "platform" in scalars else "generic",
        post_id=post_id,
        author_id=scalars.get("author_id") or handle,
        author_handle=handle,
        author_name=scalars.get("author_name"),
        created_at=times(values["created_at"]) if "created_at" in values else None,
        text=None if text is None else str(text),
        source_lang=scalars.get("source_lang"),
        conversation_id=scalars.get("conversation_id"),
        urls=split_list(values["urls"]) if "urls" in values else [],
        hashtags=_names(values["hashtags"], "#") if "hashtags" in values else [],
        mentions=_names(values["mentions"], "@") if "mentions" in values else [],
        metrics=metrics,
        record=number,
    )
    return set_relation(post, kind, parent_id, scalars.get("parent_author_id"))


def _names(value: object, sigil: str) -> list[str]:
    return [stripped for name in split_list(value) if (stripped := name.lstrip(sigil))]


def _read(mapper: _Mapper, stream: IO[bytes]) -> Iterator[Item]:
    head, stream = peek(stream)
    if head[:1] in (b"{", b"["):
        yield from _read_json(mapper, iter_json_records(stream))
    else:
        yield from _read_csv(mapper, stream)


def _read_csv(mapper: _Mapper, stream: IO[bytes]) -> Iterator[Item]:
    times = TimeParser()
    resolved: Resolved | None = None
    for row in iter_csv_rows(stream):
        if isinstance(row, DeadLetter):
            yield row
            continue
        number, cells = row
        if resolved is None:
            resolved = mapper.resolve(cells)
            for field in mapper.missing(cells):
                columns = " or ".join(repr(c) for c in mapper.candidates[field])
                header = ", ".join(cells)
                yield dead(0, f"no column {columns} for {field}; the header has: {header}", "")
        try:
            yield _post(cells, resolved, mapper.explicit, number, times)
        except RECORD_ERRORS as exc:
            yield dead(number, str(exc), csv_line(cells.values()))


def _read_json(mapper: _Mapper, records: Iterator[tuple[int, Any] | DeadLetter]) -> Iterator[Item]:
    times = TimeParser()
    for value in records:
        if isinstance(value, DeadLetter):
            yield value
            continue
        number, record = value
        if not isinstance(record, Mapping):
            yield dead(number, "not a JSON object", encode_json(record))
            continue
        try:
            yield _post(record, mapper.resolve(record), mapper.explicit, number, times)
        except RECORD_ERRORS as exc:
            yield dead(number, str(exc), encode_json(record))


def _has_core_columns(keys: Iterable[str]) -> bool:
    lowered = {key.lower() for key in keys}
    return not lowered.isdisjoint(FIELDS["post_id"]) and not lowered.isdisjoint(FIELDS["text"])


def sniff(sample: Sample) -> bool:
    header = sample.csv_header
    if header is not None:
        return _has_core_columns(header)
    first = sample.first_json
    if isinstance(first, list) and first:
        first = first[0]
    return isinstance(first, Mapping) and _has_core_columns(first)


_DEFAULT = _Mapper(FIELDS, ())


def read(stream: IO[bytes]) -> Iterator[Item]:
    return _read(_DEFAULT, stream)


def with_map(column_map: Mapping[str, str]) -> Reader:
    """The generic reader with some fields read from named columns instead of the defaults.

    `column_map` maps canonical field to source column, e.g. {"text": "body"}. Raises
    ConfigError for a field name voxpop does not know, or an empty column name.
    """
    unknown = sorted(set(column_map) - set(FIELDS))
    if unknown:
        raise ConfigError(
            f"unknown field(s) in the column map: {', '.join(unknown)}; "
            f"valid fields: {', '.join(FIELDS)}"
        )
    empty = sorted(field for field, column in column_map.items() if not column.strip())
    if empty:
        raise ConfigError(f"no column named for {', '.join(empty)} in the column map")
    candidates = {**FIELDS, **{field: (column.strip(),) for field, column in column_map.items()}}
    mapper = _Mapper(candidates, column_map)
    described = ", ".join(f"{field}={column}" for field, column in column_map.items())
    return Reader(
        "generic",
        f"generic CSV / JSON lines with columns {described}",
        sniff,
        lambda stream: _read(mapper, stream),
    )


READER = Reader(
    "generic",
    "generic CSV, JSON lines or JSON array of posts, columns found by name (see --map)",
    sniff,
    read,
)
