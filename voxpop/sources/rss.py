"""RSS 0.9x, 1.0 (RDF), 2.0 and Atom feeds, parsed by feedparser.

Each entry becomes one `article`. The feed itself is the author: `author_id` is the feed's link
(or its id, or its title when it has no link), `author_handle` the feed's title, and
`author_name` the entry's own author when the entry names one, else the feed's title, so that
articles from one feed group together while a multi-author blog keeps its bylines.

`post_id` is the entry's id (Atom id, RSS guid), else its link, else a stable hash of the
feed, title, date and summary. `text` is the title and the summary (or the content when there
is no summary) as plain text, HTML stripped. `urls` are the entry's link, then every other
link it carries (enclosures, related, replies), once each. `hashtags` are the entry's category
terms. Dates are UTC; a date feedparser cannot read (localised weekday names, "mer, 16 nov
2022") is tried again as RFC 2822 and ISO 8601 before it is left empty.

Quirks: feeds are often ill-formed (undefined entities, wrong declared encodings, truncated
documents). feedparser flags these as "bozo" and recovers what it can: recovered entries are
kept. A document from which nothing could be recovered, and whose bozo error is a real parse
failure rather than an encoding notice, becomes one dead letter numbered 0 (the document);
a well-formed feed with no entries yields nothing. Entries are numbered from 1 in document
order. feedparser is handed the bytes as a stream, never a string, so it fetches nothing and
opens no file.
"""

from __future__ import annotations

import calendar
import hashlib
import io
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any

import feedparser

from voxpop.schema import Post
from voxpop.sources._base import (
    RECORD_ERRORS,
    Item,
    Reader,
    Sample,
    dead,
    encode_json,
    html_to_text,
)

__all__ = ["READER", "read", "sniff"]

_WEB_SCHEMES = ("http://", "https://")
_FEED_ROOTS = frozenset({"rss", "feed", "atom:feed", "rdf:rdf", "rdf"})


def sniff(sample: Sample) -> bool:
    """True when the first element, after prolog, comments and doctype, is a feed root."""
    text = sample.text.lstrip("\ufeff \t\r\n")
    position = 0
    while text.startswith("<", position):
        if text.startswith("<?", position):
            end = text.find("?>", position)
            skip = 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position)
            skip = 3
        elif text.startswith("<!", position):
            end = text.find(">", position)
            skip = 1
        else:
            name_end = position + 1
            while name_end < len(text) and text[name_end] not in " \t\r\n/>":
                name_end += 1
            return text[position + 1 : name_end].lower() in _FEED_ROOTS
        if end < 0:
            return False
        position = end + skip
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
    return False


def read(stream: IO[bytes]) -> Iterator[Item]:
    data = stream.read()
    try:
        # A stream, not bytes or a string: feedparser would try a string as a URL or a file.
        parsed = feedparser.parse(io.BytesIO(data))
    except Exception as exc:  # a third-party parser on hostile input: never let it stop a run
        yield dead(0, f"unreadable feed: feedparser failed: {exc!r}", data)
        return
    entries: list[Any] = parsed.get("entries") or []
    if not entries:
        problem = parsed.get("bozo_exception")
        if parsed.get("bozo") and not isinstance(problem, feedparser.ThingsNobodyCaresAboutButMe):
            yield dead(0, f"unreadable feed: {problem}", data)
        return
    feed: Mapping[str, Any] = parsed.get("feed") or {}
    feed_title = _plain(feed, "title") or None
    feed_id = feed.get("link") or feed.get("id") or feed_title
    feed_lang = feed.get("language") or None
    for number, entry in enumerate(entries, start=1):
        try:
            yield _entry_post(entry, number, feed_id, feed_title, feed_lang)
        except RECORD_ERRORS as exc:
            yield dead(number, f"unreadable feed entry: {exc}", encode_json(entry))


def _entry_post(
    entry: dict[str, Any],
    number: int,
    feed_id: str | None,
    feed_title: str | None,
    feed_lang: str | None,
) -> Post:
    title = _plain(entry, "title")
    summary = _plain(entry, "summary")
    if not summary and entry.get("content"):
        content = entry["content"][0]
        summary = _as_text(content.get("value") or "", content.get("type"))
    text = "\n\n".join(part for part in (title, summary) if part) or None
    created_at = _entry_time(entry)
    link = entry.get("link") or None
    post_id = entry.get("id") or link
    if not post_id:
        if not text:
            raise ValueError("the entry has no id, link, title or text")
        key = "\x1f".join((feed_id or "", title, str(created_at), summary))
        post_id = "sha1:" + hashlib.sha1(key.encode("utf-8")).hexdigest()
    urls: list[str] = []
    # An Atom entry's link may echo a non-web id ("tag:..."); only web links are shared URLs.
    for href in (link, *(other.get("href") for other in entry.get("links") or ())):
        if href and href.startswith(_WEB_SCHEMES) and href not in urls:
            urls.append(href)
    hashtags = [
        term for tag in entry.get("tags") or () if (term := (tag.get("term") or "").lstrip("#"))
    ]
    detail = entry.get("title_detail") or entry.get("summary_detail") or {}
    return Post(
        platform="rss",
        post_id=str(post_id),
        author_id=feed_id,
        author_handle=feed_title,
        author_name=(entry.get("author_detail") or {}).get("name")
        or entry.get("author")
        or feed_title,
        created_at=created_at,
        text=text,
        source_lang=detail.get("language") or entry.get("language") or feed_lang,
        kind="article",
        urls=urls,
        hashtags=hashtags,
        record=number,
    )


def _plain(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    if not value:
        return ""
    detail = record.get(f"{key}_detail") or {}
    return _as_text(value, detail.get("type"))


def _as_text(value: str, content_type: str | None) -> str:
    if content_type == "text/plain":
        return value.strip()
    return html_to_text(value).text


def _entry_time(entry: dict[str, Any]) -> datetime | None:
    for key in ("published", "updated", "created"):
        # dict.get: feedparser's own get() maps a missing "updated" to "published", warning.
        parsed = dict.get(entry, f"{key}_parsed")
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    for key in ("published", "updated", "created"):
        raw = dict.get(entry, key)
        if raw:
            return _loose_time(raw)
    return None


def _loose_time(raw: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


READER = Reader(
    "rss",
    "RSS 0.9x/1.0/2.0 and Atom feeds (one article per entry; the feed is the author)",
    sniff,
    read,
)
