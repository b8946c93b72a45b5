"""Bluesky: Jetstream JSON lines, the firehose as JSON, one event per line.

Each line is `{"did", "time_us", "kind", ...}`; `kind` is `commit`, `identity` or `account`
(early Jetstream releases used `type` "com"/"id"/"acc" and commit `type` "c"/"u"/"d"; both are
read). Commits carry `{operation, collection, rkey, record}`:

- `app.bsky.feed.post` create/update: a post. Its `post_id` is the record's `at://` URI,
  `at://{did}/{collection}/{rkey}`, which is what replies, quotes, reposts and deletes refer to.
  `reply.parent` makes it a reply (`conversation_id` is `reply.root`), an embedded record
  (`app.bsky.embed.record`, or `recordWithMedia`) pointing at a post makes it a quote; a reply
  that also quotes is a reply. `langs[0]` is `source_lang`. Facets give links (`urls`), tags
  (`hashtags`, with the record's own `tags`) and mentions, which Bluesky records as DIDs:
  `mentions` holds those DIDs, comparable with `author_id`. An external embed's URI is a URL.
- `app.bsky.feed.repost` create: a repost of `subject.uri`, with no text.
- delete of a post or a repost: a `Delete` of its URI.
- every other collection (likes, follows, profiles, blocks, lists...): `Skipped` by its record
  type (the last part of an `app.bsky` collection name, e.g. "like"; other collections by their
  full name); identity and account events: `Skipped("identity")`, `Skipped("account")`.

`author_id` is the DID; Jetstream does not carry handles or display names, so those stay empty.
`created_at` is the record's `createdAt` (the author's clock), or the relay's `time_us` when the
record has none or an unreadable one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

import msgspec

from voxpop.schema import Kind, Post
from voxpop.sources._base import (
    RECORD_ERRORS,
    DeadLetter,
    Delete,
    Item,
    Reader,
    Sample,
    Skipped,
    dead,
    encode_json,
    parse_time,
    raw_json,
    read_typed_json,
)

__all__ = ["READER", "read", "sniff"]

PLATFORM = "bluesky"
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"

_OPERATIONS = {"c": "create", "u": "update", "d": "delete"}
_KINDS = {"com": "commit", "id": "identity", "acc": "account"}
_LINK = "app.bsky.richtext.facet#link"
_MENTION = "app.bsky.richtext.facet#mention"
_TAG = "app.bsky.richtext.facet#tag"


class _Commit(msgspec.Struct):
    collection: str = ""
    rkey: str = ""
    operation: str | None = None
    type: str | None = None
    # Left encoded: most commits are likes and follows, whose records are never looked at.
    record: msgspec.Raw = msgspec.Raw()


class _Event(msgspec.Struct):
    did: str
    time_us: int | None = None
    kind: str | None = None
    type: str | None = None
    commit: _Commit | None = None


class _Ref(msgspec.Struct):
    uri: str | None = None


class _ReplyRef(msgspec.Struct):
    parent: _Ref | None = None
    root: _Ref | None = None


class _Feature(msgspec.Struct):
    type: str = msgspec.field(name="$type", default="")
    uri: str | None = None
    did: str | None = None
    tag: str | None = None


class _Facet(msgspec.Struct):
    features: list[_Feature] = []


class _EmbedRecord(msgspec.Struct):
    uri: str | None = None
    record: _Ref | None = None  # recordWithMedia nests the quoted record one level down


class _Media(msgspec.Struct):
    external: _Ref | None = None


class _Embed(msgspec.Struct):
    record: _EmbedRecord | None = None
    external: _Ref | None = None
    media: _Media | None = None


class _PostRecord(msgspec.Struct):
    text: str = ""
    created_at: str | None = msgspec.field(name="createdAt", default=None)
    langs: list[str] | None = None
    facets: list[_Facet] | None = None
    tags: list[str] | None = None
    reply: _ReplyRef | None = None
    embed: _Embed | None = None


class _RepostRecord(msgspec.Struct):
    subject: _Ref
    created_at: str | None = msgspec.field(name="createdAt", default=None)


_events = msgspec.json.Decoder(_Event)
_posts = msgspec.json.Decoder(_PostRecord)
_reposts = msgspec.json.Decoder(_RepostRecord)


def sniff(sample: Sample) -> bool:
    value = sample.first_json
    return (
        isinstance(value, dict)
        and isinstance(value.get("did"), str)
        and "time_us" in value
        and (value.get("kind") or value.get("type")) in ("commit", "identity", "account", "com")
    )


def read(stream: IO[bytes]) -> Iterator[Item]:
    return read_typed_json(stream, _events, _event_items, _decoded_again, arrays=False)


def _event_items(event: _Event, number: int, source: bytes | dict[str, Any]) -> list[Item]:
    try:
        return [_event(number, event)]
    except RECORD_ERRORS as exc:
        return [dead(number, f"unreadable {_collection(event)} record: {exc}", raw_json(source))]


def _decoded_again(
    number: int, obj: dict[str, Any], error: msgspec.ValidationError
) -> tuple[_Event, dict[str, Any], list[DeadLetter]] | DeadLetter:
    """An event that came decoded generically, decoded from JSON again: a commit's record is
    kept raw (msgspec.Raw), which only decoding JSON makes."""
    try:
        return _events.decode(encode_json(obj)), obj, []
    except ValueError:
        return dead(number, f"not a Jetstream event: {error}", encode_json(obj))


def _collection(event: _Event) -> str:
    return event.commit.collection if event.commit is not None else "event"


def _event(number: int, event: _Event) -> Item:
    kind = event.kind or _KINDS.get(event.type or "", event.type) or "event"
    commit = event.commit
    if kind != "commit" or commit is None:
        return Skipped(kind, number)
    collection = commit.collection
    operation = commit.operation or _OPERATIONS.get(commit.type or "")
    if collection not in (POST, REPOST):
        return Skipped(_record_type(collection), number)
    post_id = f"at://{event.did}/{collection}/{commit.rkey}"
    if operation == "delete":
        return Delete(PLATFORM, post_id, number)
    if operation not in ("create", "update"):
        return dead(number, f"unknown commit operation {operation!r}", str(operation))
    if collection == REPOST:
        repost = _reposts.decode(commit.record)
        return Post(
            platform=PLATFORM,
            post_id=post_id,
            author_id=event.did,
            created_at=_time(repost.created_at, event.time_us),
            kind="repost",
            parent_id=repost.subject.uri,
            parent_author_id=_did(repost.subject.uri),
            record=number,
        )
    return _post(number, event, post_id, _posts.decode(commit.record))


def _post(number: int, event: _Event, post_id: str, record: _PostRecord) -> Post:
    urls: list[str] = []
    hashtags: list[str] = list(record.tags or ())
    mentions: list[str] = []
    for facet in record.facets or ():
        for feature in facet.features:
            if feature.type == _LINK and feature.uri:
                urls.append(feature.uri)
            elif feature.type == _TAG and feature.tag:
                hashtags.append(feature.tag)
            elif feature.type == _MENTION and feature.did:
                mentions.append(feature.did)
    quoted = None
    embed = record.embed
    if embed is not None:
        if embed.record is not None:
            inner = embed.record.record
            quoted = embed.record.uri or (inner.uri if inner is not None else None)
        external = embed.external
        if external is None and embed.media is not None:
            external = embed.media.external
        if external is not None and external.uri and external.uri not in urls:
            urls.append(external.uri)
    if quoted is not None and f"/{POST}/" not in quoted:
        quoted = None  # an embedded feed, list or starter pack, not a post
    kind: Kind = "post"
    parent_id = conversation_id = None
    reply = record.reply
    if reply is not None and reply.parent is not None and reply.parent.uri:
        kind, parent_id = "reply", reply.parent.uri
        conversation_id = reply.root.uri if reply.root is not None else None
    elif quoted is not None:
        kind, parent_id = "quote", quoted
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=event.did,
        created_at=_time(record.created_at, event.time_us),
        text=record.text or None,
        source_lang=record.langs[0] if record.langs else None,
        kind=kind,
        parent_id=parent_id,
        parent_author_id=_did(parent_id),
        conversation_id=conversation_id,
        urls=urls,
        hashtags=hashtags,
        mentions=mentions,
        record=number,
    )


def _record_type(collection: str) -> str:
    if collection.startswith("app.bsky."):
        return collection.rsplit(".", 1)[-1]
    return collection or "commit"


def _did(uri: str | None) -> str | None:
    """The author of an `at://{did}/...` URI."""
    if not uri or not uri.startswith("at://"):
        return None
    return uri[5:].split("/", 1)[0] or None


def _time(created_at: str | None, time_us: int | None) -> datetime | None:
    try:
        parsed = parse_time(created_at)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None and time_us is not None:
        return datetime.fromtimestamp(time_us / 1_000_000, tz=UTC)
    return parsed


READER = Reader("bluesky-jetstream", "Bluesky Jetstream events (JSON lines)", sniff, read)
