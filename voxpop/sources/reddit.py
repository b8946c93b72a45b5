"""Reddit: API listings, /api/morechildren responses and Pushshift dumps.

- API listings `{"kind": "Listing", "data": {"children": [{"kind", "data"}...]}}` (subreddit,
  user, inbox, search pages), arrays of them (a `/comments/{id}` page is [submission listing,
  comment listing]), and comments' nested `replies` listings;
- `/api/morechildren`: `{"json": {"errors": [], "data": {"things": [...]}}}`;
- Pushshift / Arctic Shift NDJSON (`RS_*`/`RC_*` dumps, usually zstd): one bare submission or
  comment per line, without the kind wrapper. A submission has a `title`, a comment a `body`.
  Dumps are read line by line, never held whole.

Things: `t3` submissions are posts, `t1` comments are comments. Private messages (`t4`), "more"
stubs, accounts (`t2`), subreddits (`t5`) and awards (`t6`) are skipped by those names.

Mapping: `post_id` is the fullname (`t3_xxx`, `t1_xxx`), which is what `parent_id` and `link_id`
use, so threads resolve. A submission's text is its title, then a blank line and its self-text;
its `urls` are the link it submits (not for self posts) and URLs in its self-text; its
`conversation_id` is itself. A comment's `parent_id` is the comment or submission it answers and
its `conversation_id` the submission (`link_id`). A crosspost is a repost of its source
submission (`crosspost_parent`), which the listing embeds and which is emitted as a context post.
Reddit escapes `&`, `<` and `>` in titles and bodies as HTML entities; they are unescaped.
`author_id` and `author_handle` are the username (usernames never change; `author_fullname` is
missing from older data); "[deleted]" authors are left empty. `created_at` is `created_utc`
(`created` is shifted by the server's time zone). Metrics: `ups` (or `score`) as likes,
`num_comments` as replies, `num_crossposts` as reposts. Subreddits have no field of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from voxpop.schema import Kind, Metrics, Post
from voxpop.sources._base import (
    RECORD_ERRORS,
    DeadLetter,
    Item,
    Reader,
    Sample,
    Skipped,
    as_id,
    dead,
    encode_json,
    int64_or_none,
    iter_json_records,
    parse_time,
    str_or_none,
    unescape_amp_lt_gt,
)

__all__ = ["READER", "read", "sniff"]

PLATFORM = "reddit"

_SKIPPED_KINDS = {"t2": "user", "t4": "message", "t5": "subreddit", "t6": "award", "more": "more"}
_DELETED = frozenset({"[deleted]", "[removed]", ""})
# Markdown links end at a closing parenthesis or bracket; bare URLs at white space.
_URL = re.compile(r"https?://[^\s)\]>\"']+")
_URL_TRAILING = ".,;:!?*"


def sniff(sample: Sample) -> bool:
    value = sample.first_json
    if value is None:
        # A listing or a dump line too long for the sample: look at how it starts.
        head = "".join(sample.text[:4096].split())
        return '"subreddit' in sample.text and any(
            marker in head for marker in ('"kind":"Listing"', '"kind":"t1"', '"kind":"t3"')
        )
    if isinstance(value, list):
        return bool(value) and isinstance(value[0], dict) and _is_reddit(value[0])
    return isinstance(value, dict) and _is_reddit(value)


def _is_reddit(value: Mapping[str, Any]) -> bool:
    data = value.get("data")
    if value.get("kind") == "Listing":
        return isinstance(data, dict) and "children" in data
    if value.get("kind") in ("t1", "t3", "t4"):
        return isinstance(data, dict)
    things = _things(value)
    if things is not None:
        return True
    if "subreddit" not in value or "created_utc" not in value:
        return False
    return ("body" in value and "link_id" in value) or ("title" in value and "selftext" in value)


def _things(value: Mapping[str, Any]) -> list[Any] | None:
    """The things of a /api/morechildren response, or None for other objects."""
    inner = value.get("json")
    if not isinstance(inner, dict):
        return None
    data = inner.get("data")
    things = data.get("things") if isinstance(data, dict) else None
    return things if isinstance(things, list) else None


def read(stream: IO[bytes]) -> Iterator[Item]:
    for record in iter_json_records(stream):
        if isinstance(record, DeadLetter):
            yield record
            continue
        number, value = record
        try:
            items = _value(number, value)
        except RECORD_ERRORS as exc:
            items = [dead(number, f"unreadable record: {exc!r}", encode_json(value))]
        yield from items


def _value(number: int, value: Any) -> list[Item]:
    if isinstance(value, list):
        return [item for element in value for item in _value(number, element)]
    if not isinstance(value, dict):
        return [dead(number, "not a Reddit listing or thing", encode_json(value))]
    kind = value.get("kind")
    if kind == "Listing":
        return [item for child in value["data"]["children"] for item in _thing(number, child)]
    if kind is not None and isinstance(value.get("data"), dict):
        return _thing(number, value)
    things = _things(value)
    if things is not None:
        return [item for thing in things for item in _thing(number, thing)]
    if "json" in value:
        errors = value["json"].get("errors")
        return [dead(number, f"API error: {errors}", encode_json(value))]
    if "body" in value:
        return _safe(number, value, comment=True)
    if "title" in value:
        return _safe(number, value, comment=False)
    return [dead(number, "not a Reddit listing, submission or comment", encode_json(value))]


def _thing(number: int, thing: Any) -> list[Item]:
    """One `{"kind", "data"}` thing of a listing; a dead letter when it is not one."""
    kind = thing.get("kind") if isinstance(thing, dict) else None
    if kind == "t1":
        return _safe(number, thing["data"], comment=True)
    if kind == "t3":
        return _safe(number, thing["data"], comment=False)
    if kind == "Listing":
        return _value(number, thing)
    if not isinstance(kind, str):
        return [dead(number, "a thing without a kind", encode_json(thing))]
    return [Skipped(_SKIPPED_KINDS.get(kind, kind), number)]


def _safe(number: int, data: Mapping[str, Any], *, comment: bool) -> list[Item]:
    """One submission or comment (with its nested replies); a dead letter when unreadable."""
    try:
        return _comment(number, data) if comment else _submission(number, data, context=False)
    except RECORD_ERRORS as exc:
        what = "comment" if comment else "submission"
        return [dead(number, f"unreadable {what}: {exc!r}", encode_json(data))]


def _submission(number: int, data: Mapping[str, Any], *, context: bool) -> list[Item]:
    items: list[Item] = []
    post_id = _fullname(data, "t3_")
    title = _text(data.get("title"))
    selftext = _text(data.get("selftext"))
    text = f"{title}\n\n{selftext}" if selftext else title
    urls: list[str] = []
    link = str_or_none(data.get("url"))
    if link and not data.get("is_self"):
        urls.append(unescape_amp_lt_gt(link))
    _add_urls(urls, selftext)
    parent_id = str_or_none(data.get("crosspost_parent"))
    parents = data.get("crosspost_parent_list") or []
    for parent in parents:
        items += _submission(number, parent, context=True)
    metrics = _metrics(
        likes=_likes(data),
        reposts=_count(data.get("num_crossposts")),
        replies=_count(data.get("num_comments")),
    )
    post = _post(
        number,
        data,
        post_id,
        text,
        urls,
        metrics,
        kind="repost" if parent_id else "post",
        parent_id=parent_id,
        parent_author_id=_author(parents[0]) if parent_id and parents else None,
        conversation_id=post_id,
        context=context,
    )
    items.append(post)
    return items


def _comment(number: int, data: Mapping[str, Any]) -> list[Item]:
    post_id = _fullname(data, "t1_")
    text = _text(data.get("body"))
    parent_id = str_or_none(data.get("parent_id"))
    link_id = str_or_none(data.get("link_id"))
    if link_id is None and parent_id is not None and parent_id.startswith("t3_"):
        link_id = parent_id
    parent_author = None
    if parent_id is not None and parent_id == link_id:
        parent_author = _username(data.get("link_author"))
    urls: list[str] = []
    _add_urls(urls, text)
    post = _post(
        number,
        data,
        post_id,
        text,
        urls,
        _metrics(likes=_likes(data)),
        kind="comment",
        parent_id=parent_id,
        parent_author_id=parent_author,
        conversation_id=link_id,
    )
    items: list[Item] = [post]
    replies = data.get("replies")
    if isinstance(replies, dict):
        try:
            items += _value(number, replies)
        except RECORD_ERRORS as exc:  # the comment itself was read: only its replies are lost
            items.append(dead(number, f"unreadable replies: {exc!r}", encode_json(replies)))
    return items


def _post(
    number: int,
    data: Mapping[str, Any],
    post_id: str,
    text: str,
    urls: list[str],
    metrics: Metrics | None,
    *,
    kind: Kind,
    parent_id: str | None,
    parent_author_id: str | None,
    conversation_id: str | None,
    context: bool = False,
) -> Post:
    """A submission's or a comment's post: the author and time are read the same way."""
    author = _author(data)
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=author,
        author_handle=author,
        created_at=parse_time(data.get("created_utc")),
        text=text or None,
        kind=kind,
        parent_id=parent_id,
        parent_author_id=parent_author_id,
        conversation_id=conversation_id,
        urls=urls,
        metrics=metrics,
        context=context,
        record=number,
    )


def _fullname(data: Mapping[str, Any], prefix: str) -> str:
    name = data.get("name")
    if isinstance(name, str) and name.startswith(prefix):
        return name
    return prefix + as_id(data["id"])


def _author(data: Mapping[str, Any]) -> str | None:
    return _username(data.get("author"))


def _username(value: object) -> str | None:
    return value if isinstance(value, str) and value not in _DELETED else None


def _likes(data: Mapping[str, Any]) -> int | None:
    ups = _count(data.get("ups"))
    return ups if ups is not None else _count(data.get("score"))


def _metrics(
    *, likes: int | None, reposts: int | None = None, replies: int | None = None
) -> Metrics | None:
    if likes is None and reposts is None and replies is None:
        return None
    return Metrics(likes=likes, reposts=reposts, replies=replies)


def _add_urls(urls: list[str], text: str) -> None:
    if "http" not in text:
        return
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILING)
        if url not in urls:
            urls.append(url)


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"text is {value!r}")
    return unescape_amp_lt_gt(value)


def _count(value: object) -> int | None:
    # Pushshift has floats for some counts
    if isinstance(value, float) and value.is_integer():
        return int64_or_none(int(value))
    return int64_or_none(value)


READER = Reader(
    "reddit", "Reddit API listings, morechildren responses, Pushshift dumps", sniff, read
)
