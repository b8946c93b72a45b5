"""Twitter's information-operations archive: the CSV files of the hashed public releases.

A release has a tweets file (one row per tweet: tweetid, userid, user_screen_name,
user_display_name, tweet_text, tweet_language, tweet_time, in_reply_to_tweetid/userid,
quoted_tweet_tweetid, is_retweet, retweet_userid/tweetid, the four counts, hashtags, urls,
user_mentions, ...) and a users file (one row per account, no tweets), whose rows are skipped
as "user". Columns are read by name: releases differ in order (2018's has
in_reply_to_tweetid before in_reply_to_userid, later copies the other way round).

Quirks: accounts with fewer than 5,000 followers have their userid, screen name and display
name replaced by the same SHA-256 hash; `tweet_time` is "YYYY-MM-DD HH:MM" in UTC;
`is_retweet` is "true"/"false" (or "True"/"False"); the list cells are bracketed and unquoted,
"[tag1, tag2]", "[http://...]", and may be an empty string instead of "[]". `user_mentions`
names the mentioned accounts by user id only, so `mentions` holds those ids. Counts written
by pandas as floats ("3.0") are read as integers. Text is as Twitter stored it, with the `&`,
`<` and `>` it HTML-escaped turned back into characters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO

from voxpop.schema import Kind, Metrics, Post
from voxpop.sources._base import (
    Item,
    Reader,
    Sample,
    Skipped,
    map_csv_rows,
    parse_time,
    set_relation,
    unescape_amp_lt_gt,
)

__all__ = ["READER", "read", "sniff"]

PLATFORM = "twitter"
_TWEET_COLUMNS = ("tweetid", "userid", "tweet_text", "tweet_time")
_USER_COLUMNS = ("userid", "user_screen_name", "account_creation_date", "account_language")
_TRUE = frozenset({"true", "1", "yes", "t"})


def sniff(sample: Sample) -> bool:
    if sample.has_columns(*_TWEET_COLUMNS):
        return True
    return sample.has_columns(*_USER_COLUMNS) and not sample.has_columns("tweetid")


def read(stream: IO[bytes]) -> Iterator[Item]:
    return map_csv_rows(stream, _item, reason="unreadable row: ")


def _item(number: int, cells: Mapping[str, str]) -> Post | Skipped:
    if "tweetid" not in cells:
        return Skipped("user", number)
    post_id = cells["tweetid"].strip()
    if not post_id:
        raise ValueError("no tweetid")
    kind: Kind = "post"
    parent_id = parent_author_id = None
    if cells.get("is_retweet", "").strip().lower() in _TRUE:
        kind = "repost"
        parent_id = _cell(cells, "retweet_tweetid")
        parent_author_id = _cell(cells, "retweet_userid")
    elif parent_id := _cell(cells, "in_reply_to_tweetid"):
        kind = "reply"
        parent_author_id = _cell(cells, "in_reply_to_userid")
    elif parent_id := _cell(cells, "quoted_tweet_tweetid"):
        kind = "quote"
    text = cells.get("tweet_text")
    counts = [
        _count(cells, name)
        for name in ("like_count", "retweet_count", "reply_count", "quote_count")
    ]
    post = Post(
        platform=PLATFORM,
        post_id=post_id,
        author_id=_cell(cells, "userid"),
        author_handle=_cell(cells, "user_screen_name"),
        author_name=_cell(cells, "user_display_name"),
        created_at=parse_time(cells.get("tweet_time", "").strip()),
        text=unescape_amp_lt_gt(text) if text is not None else None,
        source_lang=_cell(cells, "tweet_language"),
        urls=_list(cells.get("urls")),
        hashtags=[tag.lstrip("#") for tag in _list(cells.get("hashtags"))],
        mentions=[name.lstrip("@") for name in _list(cells.get("user_mentions"))],
        metrics=Metrics(*counts) if any(c is not None for c in counts) else None,
        record=number,
    )
    return set_relation(post, kind, parent_id, parent_author_id)


def _cell(cells: Mapping[str, str], name: str) -> str | None:
    value = cells.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _count(cells: Mapping[str, str], name: str) -> int | None:
    value = (cells.get(name) or "").strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    try:
        return int(float(value))
    except ValueError:
        return None


def _list(cell: str | None) -> list[str]:
    """`[a, b]` (or `['a', 'b']`, or an empty cell) as a list of strings."""
    if not cell:
        return []
    inner = cell.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    if not inner.strip():
        return []
    # Items are joined with ", "; a bare "," may also occur inside a URL.
    parts = inner.split(", ") if ", " in inner else inner.split(",")
    return [item for part in parts if (item := part.strip().strip("'\"").strip())]


READER = Reader(
    "twitter-io-archive",
    "Twitter information-operations archive CSV (hashed release): tweets and users files",
    sniff,
    read,
)
