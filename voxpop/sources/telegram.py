"""Telegram: Telegram Desktop JSON exports (`result.json`).

Three shapes: a single chat `{"name", "type", "id", "messages": [...]}`; a full-account export
`{"chats": {"list": [chat, ...]}, "left_chats": {"list": [...]}, ...}`; and a bare array of
message objects cut out of an export. Messages of `type` "message" are posts; "service"
messages (joins, calls, pins) are `Skipped("service")`.

voxpop stores public posts only: messages of chats whose type is not `public_channel` or
`public_supergroup` (personal chats, private groups and channels, saved messages) are
`Skipped("non_public")`. A bare array does not say which chat it comes from: its messages are
kept.

Ids. Message ids count per chat, so `post_id` is `{chat id}/{message id}`. In a bare array the
chat is unknown; a message a channel posted names the channel in `from_id` ("channel123"), whose
number is the chat id an export would give; other messages of a bare array keep the bare message
id. `author_id` is `from_id` ("user123", "channel123"), `author_name` is `from`; exports carry no
usernames. `created_at` is `date_unixtime` when present (exports since 2022); otherwise `date`,
which is the exporting computer's local time without a zone and is taken as UTC.

Text: `text_entities` (or `text`, a string or a list of strings and entity objects) joined as
plain text, trimmed at either end but otherwise as the export gives it (some channels post
literal HTML entities such as "&amp;"; they stay). Entities give `urls` (links and `text_link`
targets), `hashtags` and `mentions`. A message with `reply_to_message_id` is a reply to that
message in the same chat (or in `reply_to_peer_id`'s chat). A forwarded message
(`forwarded_from`) is a repost: exports do not say which message was forwarded, so its
`parent_id` is empty; `parent_author_id` is `forwarded_from_id` where the export has it. A
forwarded reply is a repost.

A damaged or truncated export keeps every message before the damage, and the rest becomes one
dead letter. Escaped lone surrogates ("\\ud83d" cut from its pair), which the store cannot
encode, become "?".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from voxpop.schema import Kind, Post
from voxpop.sources._base import (
    RECORD_ERRORS,
    Item,
    Reader,
    Sample,
    Skipped,
    as_id,
    dead,
    decode_json,
    decode_text,
    encode_json,
    parse_time,
    str_or_none,
)

__all__ = ["READER", "read", "sniff"]

PLATFORM = "telegram"

_PUBLIC = frozenset({"public_channel", "public_supergroup"})
_CHAT_TYPES = _PUBLIC | {
    "personal_chat",
    "bot_chat",
    "private_group",
    "private_supergroup",
    "private_channel",
    "saved_messages",
}
_PEER_PREFIXES = ("channel", "chat", "user")
# Where a message object ends, as the stack of open brackets after its closing brace: a bare
# array, a single-chat export, a chat of a full export, a message in one.
_BOUNDARIES = frozenset({("[",), ("{", "["), ("{", "{", "["), ("{", "{", "[", "{", "[")})
_STRUCTURE = re.compile(r'[\[\]{}"\\]')


def sniff(sample: Sample) -> bool:
    value = sample.first_json
    if value is None:
        # An export too large for the sample: Telegram Desktop's own field names.
        text = sample.text.lstrip()
        return text[:1] in ("[", "{") and (
            '"text_entities"' in text or ('"from_id"' in text and '"type": "message"' in text)
        )
    if isinstance(value, list):
        return bool(value) and _is_message(value[0])
    if not isinstance(value, dict):
        return False
    chats = value.get("chats")
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return True
    messages = value.get("messages")
    return isinstance(messages, list) and (
        _chat_type(value) in _CHAT_TYPES or (bool(messages) and _is_message(messages[0]))
    )


def _is_message(value: object) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") in ("message", "service")
        and "id" in value
        and ("date" in value or "date_unixtime" in value)
        and "text" in value
    )


def read(stream: IO[bytes]) -> Iterator[Item]:
    data = stream.read()
    if not data.strip():
        return
    damage = rest = ""
    try:
        value = decode_json(data)
    except ValueError:
        text = decode_text(data).strip()
        at, error = _damage(text)
        salvaged = _salvage(text, at)
        if salvaged is None:
            yield dead(1, f"invalid JSON: {error}", text)
            return
        value, end = salvaged
        damage, rest = f"export damaged or truncated after this point: {error}", text[end:]
    number = 0
    for chat, messages in _chats(value):
        chat_key = _chat_key(chat)
        # A bare array does not say its chat; a chat that does not say its type is not public.
        public = chat is None or _chat_type(chat) in _PUBLIC
        for message in messages:
            number += 1
            try:
                yield _message(number, message, chat_key, public)
            except RECORD_ERRORS as exc:
                yield dead(number, f"unreadable message: {exc!r}", encode_json(message))
    if number == 0 and not _is_export(value):
        yield dead(1, "not a Telegram export: no chat or messages", decode_text(data).strip())
    if damage:
        yield dead(number + 1, damage, rest)


def _is_export(value: Any) -> bool:
    return isinstance(value, list) or (
        isinstance(value, dict) and ("messages" in value or "chats" in value)
    )


def _chats(value: Any) -> Iterator[tuple[Mapping[str, Any] | None, list[Any]]]:
    """(chat or None, its messages) for each chat an export holds."""
    if isinstance(value, list):
        yield None, value
        return
    if not isinstance(value, dict):
        return
    messages = value.get("messages")
    if isinstance(messages, list):
        yield value, messages
    for section in ("chats", "left_chats"):
        chats = value.get(section)
        listed = chats.get("list") if isinstance(chats, dict) else None
        for chat in listed if isinstance(listed, list) else ():
            if isinstance(chat, dict) and isinstance(chat.get("messages"), list):
                yield chat, chat["messages"]


def _chat_type(chat: Mapping[str, Any]) -> str | None:
    kind = chat.get("type")
    return kind if isinstance(kind, str) else None


def _chat_key(chat: Mapping[str, Any] | None) -> str | None:
    if chat is None:
        return None
    key = chat.get("id")
    return str(key) if isinstance(key, (int, str)) and not isinstance(key, bool) else None


def _message(number: int, message: Mapping[str, Any], chat_key: str | None, public: bool) -> Item:
    kind_of = message["type"]
    if kind_of == "service":
        return Skipped("service", number)
    if kind_of != "message":
        return dead(number, f"unknown message type {kind_of!r}", encode_json(message))
    if not public:
        return Skipped("non_public", number)
    author_id = _peer(message.get("from_id"))
    if chat_key is None and author_id is not None and author_id.startswith("channel"):
        chat_key = author_id.removeprefix("channel")
    message_id = as_id(message["id"])
    text, urls, hashtags, mentions = _text(message)
    kind: Kind = "post"
    parent_id = parent_author_id = None
    reply_to = message.get("reply_to_message_id")
    if "forwarded_from" in message:
        kind, parent_author_id = "repost", _peer(message.get("forwarded_from_id"))
    elif reply_to is not None:
        peer = _peer(message.get("reply_to_peer_id"))
        reply_chat = _peer_number(peer) if peer is not None else chat_key
        kind, parent_id = "reply", _post_id(reply_chat, as_id(reply_to))
    unixtime = message.get("date_unixtime")
    return Post(
        platform=PLATFORM,
        post_id=_post_id(chat_key, message_id),
        author_id=author_id,
        author_name=str_or_none(message.get("from")),
        created_at=parse_time(unixtime if unixtime is not None else message.get("date")),
        text=text.strip() or None,
        kind=kind,
        parent_id=parent_id,
        parent_author_id=parent_author_id,
        urls=urls,
        hashtags=hashtags,
        mentions=mentions,
        record=number,
    )


def _post_id(chat_key: str | None, message_id: str) -> str:
    return f"{chat_key}/{message_id}" if chat_key is not None else message_id


def _peer(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None


def _peer_number(peer: str) -> str:
    for prefix in _PEER_PREFIXES:
        if peer.startswith(prefix):
            return peer.removeprefix(prefix)
    return peer


def _text(message: Mapping[str, Any]) -> tuple[str, list[str], list[str], list[str]]:
    """Plain text, URLs, hashtags and mentions of a message's text parts."""
    parts = message.get("text_entities")
    if not isinstance(parts, list):
        parts = message.get("text")
    if isinstance(parts, str) or parts is None:
        return parts or "", [], [], []
    if not isinstance(parts, list):
        raise TypeError(f"text is {parts!r}")
    pieces: list[str] = []
    urls: list[str] = []
    hashtags: list[str] = []
    mentions: list[str] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        text = part["text"]
        if not isinstance(text, str):
            raise TypeError(f"entity text {text!r}")
        pieces.append(text)
        entity = part.get("type")
        if entity == "link":
            urls.append(text)
        elif entity == "text_link" and isinstance(part.get("href"), str):
            urls.append(part["href"])
        elif entity == "hashtag":
            hashtags.append(text.removeprefix("#"))
        elif entity == "mention":
            mentions.append(text.removeprefix("@"))
    return "".join(pieces), urls, hashtags, mentions


def _damage(text: str) -> tuple[int, str]:
    """Where and how the export is damaged, as Python's json module finds it (msgspec says how,
    not where)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.pos, str(exc)
    except RecursionError:
        pass
    return 0, "nested too deeply"


def _salvage(text: str, limit: int) -> tuple[Any, int] | None:
    """The export up to the last whole message before `limit`, and where that cut is."""
    stack: list[str] = []
    best: tuple[int, list[str]] | None = None
    in_string = False
    escaped = -1
    for match in _STRUCTURE.finditer(text, 0, limit):
        at = match.start()
        if at == escaped:
            continue
        char = text[at]
        if in_string:
            if char == "\\":
                escaped = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif stack:
            stack.pop()
            if char == "}" and tuple(stack) in _BOUNDARIES:
                best = (at + 1, stack.copy())
    if best is None:
        return None
    end, still_open = best
    closing = "".join("]" if bracket == "[" else "}" for bracket in reversed(still_open))
    try:
        return decode_json(text[:end] + closing), end
    except ValueError:
        return None


READER = Reader("telegram", "Telegram Desktop chat exports (result.json)", sniff, read)
