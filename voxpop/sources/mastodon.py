"""Mastodon: REST API responses, streaming events and flodgatt's Redis pub/sub frames.

Accepted inputs, as JSON documents, JSON arrays or JSON lines:

- Status objects, alone or in arrays (timelines, `/api/v1/trends/statuses`);
- notifications: the status a notification embeds is a post; a notification without one (a
  follow, or a mention whose status was deleted) is `Skipped("notification")`;
- `/api/v2/search` (and grouped notifications): `statuses` are posts, each account is
  `Skipped("account")`, each hashtag `Skipped("tag")`;
- status context `{ancestors, descendants}`: all are posts;
- StatusEdit history arrays: `Skipped("status_edit")`. A StatusEdit is an earlier version of a
  status, with no id or URI of its own: storing versions as posts would count one status several
  times, and the current version arrives as the status itself;
- Account objects and trending tags/links: `Skipped("account")`, `Skipped("tag")`,
  `Skipped("link")`; conversations (direct messages): `Skipped("conversation")`;
- streaming events `{"event": "update", "payload": ...}`, with or without `stream`, the payload
  being the Status as a JSON *string* (the WebSocket API encodes it twice) or as an object
  (flodgatt's Redis messages); `status.update` (an edit) is the status again, `notification`
  as above, other events are skipped by name. `delete` events carry a bare status id and
  become `Delete`s;
- raw Redis RESP pub/sub frames as flodgatt reads them (`*3`, `$7 message`, `$N channel`,
  `$N payload`), CRLF or LF line ends, the payload being a streaming event.

voxpop stores public posts only: statuses with visibility `private` or `direct` are
`Skipped("non_public")`; `public`, `unlisted` and Akkoma's `local` (readable without login) are
kept, and so are statuses that do not say (public streams).

Ids. A status `id` is local to the server that served it (the same status has another id on
every server), so `post_id` is the status `uri`, its global ActivityPub id; the `id` is used
only when there is no `uri`. Replies and deletes name their target by local id: the reader maps
it to the target's `uri` when the same input holds the target status (a document is scanned
first; a stream remembers the statuses it has seen recently), and otherwise keeps the local id,
which then matches no `post_id`. A boost's `parent_id` is always the boosted status's `uri`, and
the boosted status is emitted as a context post. `author_id` is the account's profile URL
(global), `author_handle` its `acct` (`name` for local accounts, `name@host` for remote ones).
`parent_author_id` of a reply is found among the status's own account and mentions.

Text: the HTML `content` reduced to text, paragraphs separated by a blank line, `<br>` as a
line break, white space collapsed as a browser shows it, Mastodon's shortened link text restored
in full; a content warning (`spoiler_text`) comes first, followed by a blank line. URLs are the
links in the content other than mention and hashtag links, plus the preview card's URL. Hashtags
are the tags' names as Mastodon normalises them (lower case), mentions the mentioned accounts'
`acct`. Quotes are Mastodon 4.4's `quote` (an accepted quote, embedded or by id) or a status
embedded as `quote` (Fedibird, Akkoma); the quoted status is emitted as a context post. A status
that is both a reply and a quote is a reply.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

from voxpop.schema import Kind, Metrics, Post
from voxpop.sources._base import (
    MAX_RAW,
    RECORD_ERRORS,
    DeadLetter,
    Delete,
    Item,
    Parsed,
    Reader,
    Sample,
    Skipped,
    as_id,
    dead,
    decode_json,
    decode_record,
    encode_json,
    html_to_text,
    int64_or_none,
    parse_time,
    peek,
    set_relation,
    split_json,
    str_or_none,
)

__all__ = ["READER", "live_reader", "read", "sniff"]

PLATFORM = "mastodon"

_PUBLIC = frozenset({"public", "unlisted", "local"})
_STATUS_EVENTS = frozenset({"update", "status.update"})
_EVENTS = frozenset(
    {
        "update",
        "status.update",
        "delete",
        "notification",
        "conversation",
        "filters_changed",
        "announcement",
        "announcement.reaction",
        "announcement.delete",
        "encrypted_message",
        "notifications_merged",
    }
)
# Statuses remembered per stream to resolve replies and deletes: recent ones are what later
# events refer to, and the bound keeps a long stream's memory flat.
_REMEMBERED = 200_000
_MAX_BULK = 64 * 1024 * 1024
_MAX_ELEMENTS = 64  # pub/sub frames have 3 or 4
_NO_METRICS = Metrics()


def sniff(sample: Sample) -> bool:
    if _looks_resp(sample.text):
        return True
    value = sample.first_json
    if value is None:
        # A large document does not fit in the sample: look for an account's `acct` beside
        # a status's `content`, a pair no other supported format has.
        text = sample.text.lstrip()
        return text[:1] in ("[", "{") and '"acct"' in text and '"content"' in text
    return _is_mastodon(value)


def _looks_resp(text: str) -> bool:
    lines = text.lstrip().split("\n", 3)
    return (
        len(lines) == 4
        and lines[0].startswith("*")
        and lines[0][1:].strip().isdigit()
        and lines[1].startswith("$")
        and lines[2].strip() in ("message", "pmessage", "subscribe", "psubscribe")
        and '"event"' in text
    )


def _is_mastodon(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and _is_mastodon(value[0])
    if not isinstance(value, dict):
        return False
    account = value.get("account")
    if isinstance(account, dict) and "acct" in account:
        return "content" in value or "type" in value
    if "event" in value and "payload" in value:
        event = value["event"]
        return isinstance(event, str) and event in _EVENTS
    if "ancestors" in value and "descendants" in value:
        return True
    if "statuses" in value and "accounts" in value:
        return _is_mastodon(value["statuses"]) or _is_mastodon(value["accounts"])
    if "acct" in value and "username" in value:
        return True
    history = value.get("history")
    return (
        isinstance(history, list)
        and bool(history)
        and isinstance(history[0], dict)
        and "uses" in history[0]
        and "accounts" in history[0]
    )


def read(stream: IO[bytes]) -> Iterator[Item]:
    state = _State()
    head, source = peek(stream)
    first, _, rest = head.partition(b"\n")
    # Either line tells RESP from JSON, so a frame damaged at its very start is still RESP.
    if first.startswith(b"*") or rest.lstrip().startswith((b"*", b"$")):
        for record in _resp_records(source):
            if isinstance(record, (DeadLetter, Skipped)):
                yield record
            else:
                yield from state.items(*record)
        return
    records = split_json(source)
    for record in records:
        if not isinstance(record, DeadLetter) and isinstance(record[1], Parsed):
            yield from _document(state, [decode_record(r) for r in (record, *records)])
            return
        found = decode_record(record)
        if isinstance(found, DeadLetter):
            yield found
        else:
            yield from state.items(*found)


def _document(state: _State, records: list[tuple[int, Any] | DeadLetter]) -> Iterator[Item]:
    """The items of a document's records, which are in memory already: learning its statuses'
    ids first lets replies in newest-first timelines resolve to parents that come later in it.
    """
    for record in records:
        if not isinstance(record, DeadLetter):
            for status in _statuses_in(record[1]):
                state.remember(status)
    for record in records:
        if isinstance(record, DeadLetter):
            yield record
        else:
            yield from state.items(*record)


def live_reader() -> Callable[[int, Any], list[Item]]:
    """A reader for records that arrive one at a time (streaming events, polled statuses).

    It maps one decoded record, numbered by the caller, to its items, and remembers the
    statuses it has seen, so that later replies and deletes resolve to their URIs.
    """
    return _State().items


def _statuses_in(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        for element in value:
            yield from _statuses_in(element)
    elif isinstance(value, dict):
        if "content" in value and "account" in value:
            yield value
        else:
            for key in ("status", "statuses", "ancestors", "descendants", "payload"):
                yield from _statuses_in(value.get(key))


class _State:
    """What one input has taught the reader: local status ids and the URIs they stand for."""

    def __init__(self) -> None:
        self._uris: dict[str, str] = {}

    def remember(self, status: Mapping[str, Any]) -> None:
        local, uri = status.get("id"), status.get("uri")
        if isinstance(local, str) and isinstance(uri, str) and local not in self._uris:
            if len(self._uris) >= _REMEMBERED:
                del self._uris[next(iter(self._uris))]
            self._uris[local] = uri
        for nested in (status.get("reblog"), _quoted(status)[0]):
            if isinstance(nested, dict):
                self.remember(nested)

    def resolve(self, local: object) -> str:
        key = as_id(local)
        return self._uris.get(key, key)

    def items(self, number: int, value: Any) -> list[Item]:
        """Everything one record holds; a record that cannot be read is one dead letter."""
        try:
            return self._value(number, value)
        except RECORD_ERRORS as exc:
            return [dead(number, f"unreadable record: {exc!r}", encode_json(value))]

    def _value(self, number: int, value: Any) -> list[Item]:
        if isinstance(value, list):
            return [item for element in value for item in self._value(number, element)]
        if not isinstance(value, dict):
            return [dead(number, "not a Mastodon object", encode_json(value))]
        if "event" in value and "payload" in value:
            return self._event(number, value)
        if "ancestors" in value or "descendants" in value:
            found = [*(value.get("ancestors") or ()), *(value.get("descendants") or ())]
            return self._statuses(number, found)
        if "last_status" in value:
            return [Skipped("conversation", number)]
        if "statuses" in value or "accounts" in value or "hashtags" in value:
            items = self._statuses(number, value.get("statuses") or ())
            items += [Skipped("account", number) for _ in value.get("accounts") or ()]
            items += [Skipped("tag", number) for _ in value.get("hashtags") or ()]
            return items
        account = value.get("account")
        if "content" in value and isinstance(account, dict):
            if "id" not in value and "uri" not in value:
                return [Skipped("status_edit", number)]
            return self._statuses(number, [value])
        if isinstance(account, dict) and "type" in value:
            status = value.get("status")
            if isinstance(status, dict):
                return self._statuses(number, [status])
            return [Skipped("notification", number)]
        if "acct" in value and "username" in value:
            return [Skipped("account", number)]
        if isinstance(value.get("history"), list):
            return [Skipped("tag" if "name" in value else "link", number)]
        if "error" in value:
            return [dead(number, f"API error: {value['error']}", encode_json(value))]
        return [dead(number, "not a Mastodon status, notification or event", encode_json(value))]

    def _event(self, number: int, event: Mapping[str, Any]) -> list[Item]:
        name, payload = event["event"], event["payload"]
        if name == "delete":
            return [Delete(PLATFORM, self.resolve(payload), number)]
        if name not in _STATUS_EVENTS and name != "notification":
            return [Skipped(str(name), number)]
        if isinstance(payload, (str, bytes)):
            payload = decode_json(payload)
        if not isinstance(payload, dict):
            return [dead(number, f"{name} event without an object payload", encode_json(event))]
        if name == "notification":
            return self._value(number, payload)
        return self._statuses(number, [payload])

    def _statuses(self, number: int, statuses: Iterable[Any]) -> list[Item]:
        items: list[Item] = []
        for status in statuses:
            try:
                self.remember(status)
                items += self._status(number, status, context=False)
            except RECORD_ERRORS as exc:
                items.append(dead(number, f"unreadable status: {exc!r}", encode_json(status)))
        return items

    def _status(self, number: int, status: Mapping[str, Any], *, context: bool) -> list[Item]:
        visibility = status.get("visibility")
        if visibility is not None and visibility not in _PUBLIC:
            return [Skipped("non_public", number)]
        account = status["account"]
        items: list[Item] = []
        kind: Kind = "post"
        parent_id = parent_author_id = None
        reblog = status.get("reblog")
        quoted, quoted_id = _quoted(status)
        if isinstance(quoted, dict):
            items += self._status(number, quoted, context=True)
        if isinstance(reblog, dict):
            items += self._status(number, reblog, context=True)
            kind, parent_id = "repost", _status_id(reblog)
            parent_author_id = _author_id(reblog["account"])
        elif status.get("in_reply_to_id") is not None:
            kind, parent_id = "reply", self.resolve(status["in_reply_to_id"])
            parent_author_id = _reply_author(status, account)
        elif isinstance(quoted, dict):
            kind, parent_id = "quote", _status_id(quoted)
            parent_author_id = _author_id(quoted["account"])
        elif quoted_id is not None:
            kind, parent_id = "quote", self.resolve(quoted_id)
        text, urls = html_to_text(status.get("content") or "")
        spoiler = str_or_none(status.get("spoiler_text"))
        if spoiler:
            text = f"{spoiler}\n\n{text}" if text else spoiler
        card = status.get("card")
        card_url = str_or_none(card.get("url")) if isinstance(card, dict) else None
        if card_url and card_url not in urls:
            urls.append(card_url)
        post = Post(
            platform=PLATFORM,
            post_id=_status_id(status),
            author_id=_author_id(account),
            author_handle=str_or_none(account.get("acct")),
            author_name=str_or_none(account.get("display_name")),
            created_at=parse_time(status.get("created_at")),
            text=text or None,
            source_lang=str_or_none(status.get("language")),
            urls=urls,
            hashtags=_names(status.get("tags"), "name"),
            mentions=_names(status.get("mentions"), "acct"),
            metrics=_metrics(status),
            record=number,
        )
        items.append(set_relation(post, kind, parent_id, parent_author_id, context=context))
        return items


def _quoted(status: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, object]:
    """The status a status quotes, and its id: Mastodon 4.4 `quote` ({state, quoted_status} or
    a shallow {state, quoted_status_id}), or a status embedded as `quote` (Fedibird, Akkoma)."""
    quote = status.get("quote")
    if not isinstance(quote, dict):
        return None, None
    if "content" in quote:
        return quote, quote.get("id")
    if quote.get("state", "accepted") != "accepted":
        return None, None
    quoted = quote.get("quoted_status")
    if isinstance(quoted, dict):
        return quoted, quoted.get("id")
    return None, quote.get("quoted_status_id")


def _status_id(status: Mapping[str, Any]) -> str:
    uri = status.get("uri")
    return uri if isinstance(uri, str) and uri else as_id(status["id"])


def _author_id(account: Mapping[str, Any]) -> str | None:
    url, uri, acct = account.get("url"), account.get("uri"), account.get("acct")
    return str_or_none(url) or str_or_none(uri) or str_or_none(acct)


def _reply_author(status: Mapping[str, Any], account: Mapping[str, Any]) -> str | None:
    target = status.get("in_reply_to_account_id")
    if target is None:
        return None
    if target == account.get("id"):
        return _author_id(account)
    for mention in status.get("mentions") or ():
        if mention.get("id") == target:
            return _author_id(mention)
    return None


def _names(entries: Any, key: str) -> list[str]:
    return [entry[key] for entry in entries or () if isinstance(entry.get(key), str)]


def _metrics(status: Mapping[str, Any]) -> Metrics | None:
    metrics = Metrics(
        likes=int64_or_none(status.get("favourites_count")),
        reposts=int64_or_none(status.get("reblogs_count")),
        replies=int64_or_none(status.get("replies_count")),
        quotes=int64_or_none(status.get("quotes_count")),
    )
    return None if metrics == _NO_METRICS else metrics


class _RespBroken(Exception):
    """A RESP frame that does not follow the protocol."""


class _RespStream:
    """Lines and counted bytes from a stream, with room to push bytes back after a bad frame."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._buffer = io.BytesIO()
        self._stream = stream

    def push_back(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data + self._buffer.read())

    def readline(self) -> bytes:
        line = self._buffer.readline()
        if line.endswith(b"\n"):
            return line
        return line + self._stream.readline()

    def read(self, size: int) -> bytes:
        data = self._buffer.read(size)
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data


def _resp_records(stream: IO[bytes]) -> Iterator[tuple[int, Any] | DeadLetter | Skipped]:
    """Redis pub/sub frames as (frame number, decoded payload); other frames as skips."""
    source = _RespStream(stream)
    number = 0
    while line := source.readline():
        if not line.strip():
            continue
        number += 1
        if not line.lstrip().startswith(b"*"):
            raw = line + _skip_to_frame(source)
            yield dead(number, "not a Redis RESP frame", raw)
            continue
        consumed: list[bytes] = []
        try:
            elements = _resp_frame(line, source, consumed)
        except _RespBroken as exc:
            taken = b"".join(consumed)
            # A wrong length can swallow the frames after it: give them back from the first
            # line that starts a frame (JSON payloads hold no raw line breaks).
            restart = taken.find(b"\n*")
            if restart >= 0:
                source.push_back(taken[restart + 1 :])
                taken = taken[: restart + 1]
            else:
                taken += _skip_to_frame(source)
            yield dead(number, f"broken RESP frame: {exc}", line + taken)
            continue
        kind = elements[0] if elements and isinstance(elements[0], bytes) else b""
        if kind.lower() not in (b"message", b"pmessage"):
            yield Skipped("subscription", number)
            continue
        payload = elements[-1]
        if not isinstance(payload, bytes):
            yield dead(number, "RESP message without a payload", line + b"".join(consumed))
            continue
        try:
            yield number, decode_json(payload)
        except ValueError as exc:
            yield dead(number, f"invalid JSON payload: {exc}", payload)


def _resp_frame(header: bytes, source: _RespStream, consumed: list[bytes]) -> list[bytes | None]:
    try:
        length = int(header.strip()[1:])
    except ValueError:
        raise _RespBroken(f"bad array header {header[:40]!r}") from None
    if length > _MAX_ELEMENTS:
        raise _RespBroken(f"array of {length} elements")
    elements: list[bytes | None] = []
    for _ in range(length):
        line = source.readline()
        consumed.append(line)
        if not line:
            raise _RespBroken("input ends inside the frame")
        tag = line[:1]
        if tag in (b":", b"+"):
            elements.append(line[1:].strip())
            continue
        if tag != b"$":
            raise _RespBroken(f"unexpected element {line[:40]!r}")
        try:
            size = int(line[1:])
        except ValueError:
            raise _RespBroken(f"bad bulk string header {line[:40]!r}") from None
        if size < 0:
            elements.append(None)
            continue
        if size > _MAX_BULK:
            raise _RespBroken(f"bulk string of {size} bytes")
        data = source.read(size)
        end = source.readline()
        consumed += (data, end)
        if len(data) < size:
            raise _RespBroken("input ends inside a bulk string")
        if end.strip():
            raise _RespBroken("bulk string does not end where its length says")
        elements.append(data)
    return elements


def _skip_to_frame(source: _RespStream) -> bytes:
    """Lines up to the next one that starts a frame (left unread), at most MAX_RAW of them kept."""
    skipped: list[bytes] = []
    kept = 0
    while line := source.readline():
        if line.lstrip().startswith(b"*"):
            source.push_back(line)
            break
        if kept < MAX_RAW:
            skipped.append(line)
            kept += len(line)
    return b"".join(skipped)


READER = Reader(
    "mastodon",
    "Mastodon API statuses, notifications, search, context; streaming events; Redis frames",
    sniff,
    read,
)
