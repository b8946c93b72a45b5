"""The CSV layout of QUT's coordination-network-toolkit (its `preprocess --format csv`).

Eight columns with a header row: message_id, user_id, username, repost_id, reply_id, message,
timestamp, urls. The toolkit reads them by position and documents them as: repost_id is the
message this one verbatim reposts (retweet, reblog), reply_id the message it replies to (empty
for neither); timestamp is seconds, any epoch as long as it is consistent (read here as Unix
epoch seconds, UTC); urls is a space-delimited list (the toolkit splits on single spaces). The
toolkit's own example data writes urls as a Python list repr ("['http://a', 'http://b']"),
which is read here too; so are JSON arrays. voxpop reads the columns by name, so their order
does not matter.

The layout says nothing about where the messages came from, so `platform` is "cnt": the data
is often Twitter's, but a Mastodon or Telegram export in this layout is just as valid, and
guessing would mix ids from different platforms. Reposts win over replies when a row has both
(the toolkit treats such a row as a repost: it ignores a repost's URLs).

`write_cnt_csv` writes posts in exactly this layout so the toolkit (and this reader) can read
them back: the simulator and the benchmark feed both tools the same file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO

from voxpop.schema import Post
from voxpop.sources._base import Item, Reader, Sample, map_csv_rows, parse_time, split_list

__all__ = ["COLUMNS", "READER", "read", "sniff", "write_cnt_csv"]

COLUMNS = (
    "message_id",
    "user_id",
    "username",
    "repost_id",
    "reply_id",
    "message",
    "timestamp",
    "urls",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sniff(sample: Sample) -> bool:
    return sample.has_columns(*COLUMNS)


def read(stream: IO[bytes]) -> Iterator[Item]:
    return map_csv_rows(stream, _post)


def _post(number: int, cells: Mapping[str, str]) -> Post:
    message_id = cells["message_id"].strip()
    if not message_id:
        raise ValueError("empty message_id")
    repost_id = cells["repost_id"].strip()
    reply_id = cells["reply_id"].strip()
    timestamp = cells["timestamp"].strip()
    try:
        created_at = parse_time(timestamp)
    except ValueError:
        raise ValueError(f"timestamp is not epoch seconds: {timestamp!r}") from None
    return Post(
        platform="cnt",
        post_id=message_id,
        author_id=cells["user_id"].strip() or None,
        author_handle=cells["username"].strip() or None,
        created_at=created_at,
        text=cells["message"] or None,
        kind="repost" if repost_id else "reply" if reply_id else "post",
        parent_id=repost_id or reply_id or None,
        urls=split_list(cells["urls"], commas=False),
        record=number,
    )


def write_cnt_csv(posts: Iterable[Post], out: IO[str]) -> int:
    """Write posts in the toolkit's CSV layout; returns the number of rows written.

    `out` is a text stream opened with newline="" (csv ends rows in CRLF and quotes cells
    holding line breaks). Posts without a `created_at` are left out: the toolkit needs a
    timestamp for every message. Reposts fill repost_id, replies and comments reply_id (the
    toolkit's nearest notion); quotes and articles are original messages. Timestamps are exact
    decimal epoch seconds (microseconds kept). URLs are joined by single spaces, whitespace
    inside a URL percent-encoded. The toolkit splits the urls cell on spaces, so a message
    without URLs reaches it as one empty URL, and its co-link network links every such message:
    leave that URL out when comparing networks. It also reads the file with universal newlines,
    so a "\\r" inside a message reaches it as "\\n".
    """
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    written = 0
    for post in posts:
        if post.created_at is None:
            continue
        parent = post.parent_id or ""
        writer.writerow(
            (
                post.post_id,
                post.author_id or "",
                post.author_handle or "",
                parent if post.kind == "repost" else "",
                parent if post.kind in ("reply", "comment") else "",
                post.text or "",
                _epoch_seconds(post.created_at),
                " ".join("%20".join(url.split()) for url in post.urls if url.strip()),
            )
        )
        written += 1
    return written


def _epoch_seconds(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if micros % 1_000_000 == 0:
        return str(micros // 1_000_000)
    return str(Decimal(micros).scaleb(-6))


READER = Reader(
    "cnt-csv",
    "coordination-network-toolkit CSV (message_id,user_id,username,repost_id,reply_id,...)",
    sniff,
    read,
)
