"""YouTube Data API v3 responses: videos, search results, comment threads and comments.

Input is what the API returns, saved as is: one response page (`{"kind":
"youtube#videoListResponse", "items": [...]}`), an array of pages, JSON lines of pages, or bare
items. Records are the items, numbered from 1 across the file (a JSON line that cannot be
decoded keeps its line number).

- `youtube#video` (videos.list) is a `post`: text is the title and the description, the author
  the channel, metrics from `statistics` (likes, comments as replies, views). Video tags are
  keywords the uploader chose, not hashtags, so they are left out.
- `youtube#searchResult` for a video is the same post from the snippet alone (no statistics;
  the API HTML-escapes search titles and descriptions, so they are unescaped). Channel and
  playlist results are skipped.
- `youtube#commentThread`: the top-level comment is a `comment` on the video (`parent_id` the
  video id, `parent_author_id` the video's channel); the replies included with it are `reply`s
  to the top-level comment. `youtube#comment` (comments.list) is a `reply` when it has a
  `parentId`, else a `comment` on its video.
- Channels, playlists, playlist items, activities, subscriptions and other resources hold no
  post of their own and are skipped, counted by resource name.

`urls` are the http(s) links written in the text: the API gives no link entities, and the
video's own address is the post itself, not a link it shares. Comment text is `textOriginal`
when present, else `textDisplay` with its HTML stripped. `conversation_id` is the video id.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from typing import IO, Any, Literal

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
    html_to_text,
    int64,
    iter_json_records,
    parse_time,
)

__all__ = ["READER", "read", "sniff"]

_PREFIX = "youtube#"
_LINK_END = ".,;:!?)]}>'\"”’»"


def sniff(sample: Sample) -> bool:
    first = sample.first_json
    if isinstance(first, list) and first:
        first = first[0]
    if isinstance(first, Mapping):
        kind = first.get("kind")
        return isinstance(kind, str) and kind.startswith(_PREFIX)
    # A large pretty-printed page does not fit in the sample; its kind tags give it away.
    text = sample.text.lstrip()
    return text[:1] in ("{", "[") and f'"{_PREFIX}' in text and '"kind"' in text


def read(stream: IO[bytes]) -> Iterator[Item]:
    number = 0
    for value in iter_json_records(stream):
        if isinstance(value, DeadLetter):
            yield value
            continue
        line, document = value
        if not isinstance(document, Mapping):
            yield dead(line, "not a YouTube API object", encode_json(document))
            continue
        if "error" in document and "items" not in document:
            yield dead(line, f"API error response: {document['error']}", encode_json(document))
            continue
        items = document.get("items")
        if not isinstance(items, list):
            items = [document]
        for item in items:
            number += 1
            try:
                yield from _item(item, number)
            except RECORD_ERRORS as exc:
                yield dead(number, f"unreadable YouTube item: {exc!r}", encode_json(item))


def _item(item: Mapping[str, Any], number: int) -> Iterator[Item]:
    kind = item.get("kind")
    if not isinstance(kind, str) or not kind.startswith(_PREFIX):
        raise ValueError(f"not a YouTube resource (kind {kind!r})")
    resource = kind.removeprefix(_PREFIX)
    if resource == "video":
        yield _video(_id(item, "id"), item["snippet"], item.get("statistics"), number, False)
    elif resource == "searchResult":
        found_kind = (_str(item, "id", "kind") or "").removeprefix(_PREFIX)
        if found_kind == "video":
            yield _video(_id(item, "id", "videoId"), item["snippet"], None, number, True)
        else:
            yield Skipped(_noun(found_kind or "search result"), number)
    elif resource == "commentThread":
        yield from _thread(item, number)
    elif resource == "comment":
        video = _str(item, "snippet", "videoId")
        parent = _str(item, "snippet", "parentId")
        if parent:
            yield _comment(item, number, "reply", parent, None, video)
        else:
            yield _comment(item, number, "comment", video, None, video)
    else:
        yield Skipped(_noun(resource), number)


def _video(
    video_id: str,
    snippet: Mapping[str, Any],
    statistics: Mapping[str, Any] | None,
    number: int,
    escaped: bool,
) -> Post:
    title = _str(snippet, "title") or ""
    description = _str(snippet, "description") or ""
    if escaped:
        title, description = html.unescape(title), html.unescape(description)
    text = "\n\n".join(part for part in (title, description) if part) or None
    metrics = None
    if statistics:
        metrics = Metrics(
            likes=_count(statistics.get("likeCount")),
            replies=_count(statistics.get("commentCount")),
            views=_count(statistics.get("viewCount")),
        )
    return Post(
        platform="youtube",
        post_id=video_id,
        author_id=_str(snippet, "channelId"),
        author_name=_str(snippet, "channelTitle"),
        created_at=parse_time(_str(snippet, "publishedAt")),
        text=text,
        source_lang=_str(snippet, "defaultLanguage") or _str(snippet, "defaultAudioLanguage"),
        kind="post",
        conversation_id=video_id,
        urls=_links(description),
        metrics=metrics,
        record=number,
    )


def _thread(item: Mapping[str, Any], number: int) -> Iterator[Post]:
    snippet = item["snippet"]
    video = _str(snippet, "videoId")
    # The thread's channel is the video's channel when the thread is about a video.
    video_owner = _str(snippet, "channelId") if video else None
    replies = snippet.get("totalReplyCount")
    first = _comment(
        snippet["topLevelComment"], number, "comment", video, video_owner, video, replies
    )
    yield first
    for reply in get_path(item, "replies", "comments") or ():
        parent = _str(reply, "snippet", "parentId") or first.post_id
        parent_author = first.author_id if parent == first.post_id else None
        yield _comment(reply, number, "reply", parent, parent_author, video)


def _comment(
    comment: Mapping[str, Any],
    number: int,
    kind: Literal["comment", "reply"],
    parent_id: str | None,
    parent_author_id: str | None,
    video: str | None,
    replies: object = None,
) -> Post:
    snippet = comment["snippet"]
    text = _str(snippet, "textOriginal")
    if text is None and (display := _str(snippet, "textDisplay")) is not None:
        text = html_to_text(display).text
    name = _str(snippet, "authorDisplayName")
    return Post(
        platform="youtube",
        post_id=_id(comment, "id"),
        author_id=_str(snippet, "authorChannelId", "value"),
        # Display names became "@handle"s in 2023; older ones are free-form names.
        author_handle=name[1:] if name and name.startswith("@") else None,
        author_name=name,
        created_at=parse_time(_str(snippet, "publishedAt")),
        text=text,
        kind=kind,
        parent_id=parent_id,
        parent_author_id=parent_author_id,
        conversation_id=video or _str(snippet, "videoId"),
        urls=_links(text or ""),
        metrics=Metrics(likes=_count(snippet.get("likeCount")), replies=_count(replies)),
        record=number,
    )


def _str(record: Mapping[str, Any], *path: str) -> str | None:
    """A text field; None when absent or empty; a dead letter when it is not text."""
    value = get_path(record, *path)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{'.'.join(path)} is not text: {value!r}")
    return value


def _id(record: Mapping[str, Any], *path: str) -> str:
    value = _str(record, *path)
    if value is None:
        raise ValueError(f"no {'.'.join(path)}")
    return value


def _noun(resource: str) -> str:
    """ "playlistItem" -> "playlist item"."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in resource)


def _count(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return int64(int(value))
    raise ValueError(f"not a count: {value!r}")


def _links(text: str) -> list[str]:
    if "http" not in text:
        return []
    links: list[str] = []
    for token in text.split():
        start = token.find("http")
        if start < 0:
            continue
        url = token[start:].rstrip(_LINK_END)
        if url.startswith(("http://", "https://")) and len(url) > 8 and url not in links:
            links.append(url)
    return links


READER = Reader(
    "youtube",
    "YouTube Data API v3 responses: videos, search results, comment threads, comments",
    sniff,
    read,
)
