"""Twitter API v2 JSON, in the shapes collectors write it, recognised line by line.

- twarc2 pages: one API response per line, `{"data": [...], "includes": {"users", "tweets",
  ...}, "meta": ..., "__twarc": ...}`. Every tweet of a page gets the page's line number.
  Authors come from `includes.users` by `author_id`; `includes.tweets` (retweeted, quoted and
  replied-to tweets, and since 2022 the page's own tweets again) become context posts, less
  those already in the page's `data`.
- twarc2 flattened lines (`twarc2 flatten`, `--flatten`): one tweet per line with `author`
  and the referenced tweets (`referenced_tweets[]`, each with its own `author`) inlined.
- filtered/sample stream lines: like a page, but `data` is a single tweet and
  `matching_rules` rides along.
- pretty-printed API responses saved as one JSON document (an object or an array of them).

Records that hold no posts by design are counted as `Skipped`: user objects ("user"),
`/2/tweets/counts` buckets ("count"), list objects ("list"), result pages with no data
("page"), the pinned tweets that user pages carry in `includes.tweets` (not counted: they are
referenced by no post), and stream lines that carry only `errors` ("error": the stream telling
about itself — disconnects, rule problems — which is well formed and lost no post, so it is
no dead letter). `errors` next to `data` (missing referenced tweets, pinned tweets) are
ignored.

Compliance output: batch compliance jobs write `{"id", "action", "created_at", "reason"}`
lines for tweets and for users alike. A tweet's `created_at` is the time its snowflake id
encodes (to the millisecond), which is how tweet lines are told from user lines: a line whose
id is not a snowflake of its `created_at`, and was created after snowflakes began, names a
user and is skipped ("user"). Users created since 2013 also have snowflake ids and so become
deletes too, which is harmless: no post has a user's id. `action: "delete"` lines become
`Delete`s; other actions (scrub_geo) are skipped ("compliance"). Compliance-stream events
(`{"data": {"delete": {"tweet": {"id": ...}}}}`) become `Delete`s as well; the stream's
other events (withheld, drop, user_suspend...) are skipped ("compliance").

Mapping: the kind follows `referenced_tweets`, retweeted before replied_to before quoted (a
reply that quotes is threaded as the reply it is); `parent_author_id` is
`in_reply_to_user_id` for replies and the referenced tweet's author where the page includes
it. URLs are `entities.urls[].expanded_url` (the t.co target as Twitter expanded it;
`unwound_url`, the end of any redirect chain, is only on some payloads, so it is not used to
keep URLs comparable across tweets). Text is Twitter's with the `&`, `<` and `>` it
HTML-escapes turned back into characters. Cashtags (`entities.cashtags`) are not hashtags
and are left out. Retweet text is otherwise kept as Twitter gives it:
"RT @x: ..." and often truncated; the full text is on the retweeted tweet, a context post.

This is the hot path: lines are decoded straight into typed msgspec structs that name only
the fields read. A line whose values do not fit those types is decoded again generically and
converted tweet by tweet, so one bad tweet becomes a dead letter and its neighbours are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any

import msgspec

from voxpop.schema import Kind, Metrics, Post
from voxpop.sources._base import (
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
    raw_json,
    read_typed_json,
    read_typed_records,
    set_relation,
    unescape_amp_lt_gt,
)

__all__ = ["READER", "read", "read_lines", "sniff"]

PLATFORM = "twitter"

# Twitter's snowflake ids carry milliseconds since this epoch in their top 41 bits; tweets
# made before it (2010-11-04) have small sequential ids.
_SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
_EMPTY_RAW = msgspec.Raw()


class _User(msgspec.Struct, gc=False):
    id: str | None = None
    username: str | None = None
    name: str | None = None


class _Url(msgspec.Struct, gc=False):
    expanded_url: str | None = None


class _Hashtag(msgspec.Struct, gc=False):
    tag: str | None = None


class _Mention(msgspec.Struct, gc=False):
    username: str | None = None


class _Entities(msgspec.Struct, gc=False):
    urls: list[_Url] = []
    hashtags: list[_Hashtag] = []
    mentions: list[_Mention] = []


class _PublicMetrics(msgspec.Struct, gc=False):
    like_count: int | None = None
    retweet_count: int | None = None
    reply_count: int | None = None
    quote_count: int | None = None
    impression_count: int | None = None


class _Tweet(msgspec.Struct, gc=False):
    id: str | None = None
    text: str | None = None
    created_at: datetime | None = None
    author_id: str | None = None
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    lang: str | None = None
    entities: _Entities | None = None
    public_metrics: _PublicMetrics | None = None
    # Pages hold {type, id} stubs here; flattened lines hold whole tweets with a `type`.
    referenced_tweets: list[_Tweet] = []
    type: str | None = None
    author: _User | None = None
    # What the other objects a page's `data` may hold carry instead of `text`.
    username: str | None = None
    tweet_count: int | None = None
    name: str | None = None


_NO_USER = _User()
_NO_ENTITIES = _Entities()


class _Includes(msgspec.Struct, gc=False):
    users: list[_User] = []
    tweets: list[_Tweet] = []


class _Line(_Tweet, gc=False):
    """Any line: a page or stream line (`data`), a flattened tweet, or a compliance record."""

    data: list[_Tweet] | _Tweet | None = None
    includes: _Includes | None = None
    errors: msgspec.Raw = _EMPTY_RAW
    meta: msgspec.Raw = _EMPTY_RAW
    action: str | None = None


_line_decoder = msgspec.json.Decoder(_Line)


def read(stream: IO[bytes]) -> Iterator[Item]:
    return read_typed_json(stream, _line_decoder, _line_items, _convert_pieces)


def read_lines(lines: Iterable[tuple[int, bytes]]) -> Iterator[Item]:
    return read_typed_records(lines, _line_decoder, _line_items, _convert_pieces)


def _convert_pieces(
    number: int, obj: dict[str, Any], error: msgspec.ValidationError
) -> tuple[_Line, dict[str, Any], list[DeadLetter]] | DeadLetter:
    """Convert a record whose whole did not fit the types: each tweet on its own.

    Returns the record, the record less what did not convert (so that positions in it still
    match), and a dead letter for each tweet that did not convert.
    """
    rest = {k: v for k, v in obj.items() if k not in ("data", "includes")}
    try:
        line = msgspec.convert(rest, _Line)
    except msgspec.ValidationError as exc:
        return dead(number, f"unreadable record: {exc}", encode_json(obj))
    dead_letters: list[DeadLetter] = []
    kept = dict(obj)
    data = obj.get("data")
    if data is not None:
        items = data if isinstance(data, list) else [data]
        line.data, kept["data"] = convert_each(number, items, _Tweet, "data", dead_letters)
    includes = obj.get("includes")
    if isinstance(includes, dict):
        tweets = includes.get("tweets")
        users = includes.get("users")
        kept["includes"] = dict(includes)
        line.includes = _Includes()
        if isinstance(tweets, list):
            line.includes.tweets, kept["includes"]["tweets"] = convert_each(
                number, tweets, _Tweet, "includes.tweets", dead_letters
            )
        if isinstance(users, list):
            # A user that does not convert only costs its tweets their author's names.
            line.includes.users, _ = convert_each(number, users, _User, "", [])
    return line, kept, dead_letters


def _line_items(line: _Line, number: int, source: bytes | dict[str, Any]) -> Iterator[Item]:
    data = line.data
    if data is not None:
        yield from _page(line, [data] if isinstance(data, _Tweet) else data, number, source)
    elif line.action is not None:
        yield _compliance(line, number, source)
    elif line.text is not None:
        yield from _flattened(line, number, source)
    elif len(line.errors):
        yield Skipped("error", number)
    elif len(line.meta):
        yield Skipped("page", number)
    else:
        yield dead(number, "not a Twitter API v2 record", raw_json(source))


def _page(
    line: _Line, data: list[_Tweet], number: int, source: bytes | dict[str, Any]
) -> Iterator[Item]:
    includes = line.includes
    users = {u.id: u for u in includes.users} if includes is not None else {}
    included = includes.tweets if includes is not None else []
    by_id = {t.id: t for t in included}
    seen: set[str] = set()
    # A stream line's `data` is one tweet, a page's a list of them.
    single = isinstance(line.data, _Tweet)
    for index, tweet in enumerate(data):
        if tweet.text is None:
            yield _other_item(tweet, number, source, single, index)
        elif tweet.id is None:
            yield dead(number, "tweet without id", _data_raw(source, single, index))
        else:
            seen.add(tweet.id)
            yield _post(tweet, tweet.id, users, by_id, number, False)
    if not seen:
        if not data:
            yield Skipped("page", number)
        return
    for index, tweet in enumerate(included):
        if tweet.id is None or tweet.text is None:
            raw = raw_json(source, "includes", "tweets", index)
            yield dead(number, "included tweet without id or text", raw)
        elif tweet.id not in seen:
            seen.add(tweet.id)
            yield _post(tweet, tweet.id, users, by_id, number, True)


def _data_raw(source: bytes | dict[str, Any], single: bool, index: int) -> bytes:
    return raw_json(source, "data") if single else raw_json(source, "data", index)


def _other_item(
    tweet: _Tweet, number: int, source: bytes | dict[str, Any], single: bool, index: int
) -> Item:
    if tweet.username is not None:
        return Skipped("user", number)
    if tweet.tweet_count is not None:
        return Skipped("count", number)
    if tweet.name is not None:
        return Skipped("list", number)
    raw = _data_raw(source, single, index)
    try:
        event = _compliance_event(decode_json(raw), number)
    except ValueError:
        event = None
    return event if event is not None else dead(number, "data item is not a tweet", raw)


def _compliance_event(item: Any, number: int) -> Item | None:
    """A compliance-stream event, `{"delete": {"tweet": {"id": ...}, "event_at": ...}}`."""
    if not isinstance(item, dict) or len(item) != 1:
        return None
    ((event, body),) = item.items()
    if not isinstance(body, dict):
        return None
    tweet = body.get("tweet")
    if event == "delete" and isinstance(tweet, dict) and isinstance(tweet.get("id"), str):
        return Delete(PLATFORM, tweet["id"], number)
    if "tweet" in body or "user" in body:
        return Skipped("compliance", number)
    return None


def _compliance(line: _Line, number: int, source: bytes | dict[str, Any]) -> Item:
    if line.id is None:
        return dead(number, "compliance record without id", raw_json(source))
    if line.action != "delete":
        return Skipped("compliance", number)
    if _names_a_user(line.id, line.created_at):
        return Skipped("user", number)
    return Delete(PLATFORM, line.id, number)


def _names_a_user(id: str, created_at: datetime | None) -> bool:
    if created_at is None or not id.isdigit():
        return False
    created_ms = created_at.timestamp() * 1000
    if created_ms < _SNOWFLAKE_EPOCH_MS:
        return False
    return abs((int(id) >> 22) + _SNOWFLAKE_EPOCH_MS - created_ms) > 1000


def _flattened(line: _Line, number: int, source: bytes | dict[str, Any]) -> Iterator[Item]:
    if line.id is None:
        yield dead(number, "tweet without id", raw_json(source))
        return
    yield _post(line, line.id, {}, {}, number, False)
    seen = {line.id}
    for ref in line.referenced_tweets:
        if ref.id is not None and ref.text is not None and ref.id not in seen:
            seen.add(ref.id)
            yield _post(ref, ref.id, {}, {}, number, True)


def _post(
    tweet: _Tweet,
    post_id: str,
    users: dict[str | None, _User],
    by_id: dict[str | None, _Tweet],
    record: int,
    context: bool,
) -> Post:
    kind: Kind = "post"
    parent_id = parent_author_id = None
    if tweet.referenced_tweets:
        kind, ref = _parent(tweet.referenced_tweets)
        if ref is not None:
            parent_id = ref.id
            if kind == "reply":
                parent_author_id = tweet.in_reply_to_user_id
            if parent_author_id is None:
                parent_author_id = ref.author_id
                if parent_author_id is None and parent_id in by_id:
                    parent_author_id = by_id[parent_id].author_id
    author = tweet.author or users.get(tweet.author_id) or _NO_USER
    entities = tweet.entities or _NO_ENTITIES
    metrics = tweet.public_metrics
    text = tweet.text
    if text is not None and "&" in text:
        text = unescape_amp_lt_gt(text)
    created_at = tweet.created_at
    if created_at is not None and created_at.tzinfo is not UTC:
        created_at = (
            created_at.replace(tzinfo=UTC)
            if created_at.tzinfo is None
            else created_at.astimezone(UTC)
        )
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=tweet.author_id or author.id,
        author_handle=author.username,
        author_name=author.name,
        created_at=created_at,
        text=text,
        source_lang=tweet.lang,
        conversation_id=tweet.conversation_id,
        urls=[u.expanded_url for u in entities.urls if u.expanded_url] if entities.urls else [],
        hashtags=[h.tag for h in entities.hashtags if h.tag] if entities.hashtags else [],
        mentions=[m.username for m in entities.mentions if m.username] if entities.mentions else [],
        metrics=Metrics(
            metrics.like_count,
            metrics.retweet_count,
            metrics.reply_count,
            metrics.quote_count,
            metrics.impression_count,
        )
        if metrics is not None
        else None,
        record=record,
    )
    if kind == "post" and not context:
        return post
    return set_relation(post, kind, parent_id, parent_author_id, context=context)


def _parent(refs: list[_Tweet]) -> tuple[Kind, _Tweet | None]:
    kind: Kind = "post"
    chosen: _Tweet | None = None
    for ref in refs:
        if ref.type == "retweeted":
            return "repost", ref
        if ref.type == "replied_to":
            kind, chosen = "reply", ref
        elif ref.type == "quoted" and chosen is None:
            kind, chosen = "quote", ref
    return kind, chosen


# -- recognising ------------------------------------------------------------------------------


def sniff(sample: Sample) -> bool:
    first = sample.first_json
    if first is None:
        first = _head_page(sample.text)
    return isinstance(first, dict) and _is_v2_record(first)


_V2_TWEET_KEYS = (
    "author_id",
    "edit_history_tweet_ids",
    "conversation_id",
    "public_metrics",
    "referenced_tweets",
    "__twarc",
)
_COMPLIANCE_KEYS = frozenset({"id", "action", "created_at", "reason", "redacted_at"})


def _is_v2_record(obj: dict[str, Any]) -> bool:
    if "__twarc" in obj:
        return True
    data = obj.get("data")
    if data is not None:
        item = data[0] if isinstance(data, list) and data else data
        return isinstance(item, dict) and (
            _is_v2_tweet(item)
            or _is_v2_user(item)
            or ("tweet_count" in item and "start" in item)
            or _compliance_event(item, 0) is not None
        )
    if _is_v2_tweet(obj):
        return True
    if "action" in obj and isinstance(obj.get("id"), str) and set(obj) <= _COMPLIANCE_KEYS:
        return True
    errors = obj.get("errors")
    return (
        set(obj) == {"errors"}
        and isinstance(errors, list)
        and bool(errors)
        and isinstance(errors[0], dict)
        and "title" in errors[0]
        and "code" not in errors[0]
    )


def _is_v2_tweet(item: dict[str, Any]) -> bool:
    return (
        isinstance(item.get("id"), str)
        and "text" in item
        and "user" not in item
        and "id_str" not in item
        and any(key in item for key in _V2_TWEET_KEYS)
    )


def _is_v2_user(item: dict[str, Any]) -> bool:
    return isinstance(item.get("id"), str) and "username" in item and "name" in item


def _head_page(text: str) -> dict[str, Any] | None:
    """`{"data": <first item>}` from the head of a page too long for the sample to hold."""
    if not text.lstrip().startswith("{"):
        return None
    item = head_value(text, "data")
    return None if item is None else {"data": item}


READER = Reader(
    "twitter-v2",
    "Twitter API v2 JSON: twarc2 pages and flattened lines, stream lines, compliance output",
    sniff,
    read,
    read_lines,
)
