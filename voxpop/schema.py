"""The canonical post: every source maps into it, every analysis reads it.

`Post` is what readers build (a msgspec struct: cheap to create, typed); `POST_SCHEMA` is the
Arrow schema the store and the analyses see. `posts_to_table` turns a batch of posts into an
Arrow table column by column. Field-by-field documentation: docs/schema.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, get_args

import msgspec
import pyarrow as pa
from msgspec.structs import astuple

__all__ = [
    "KINDS",
    "METRIC_NAMES",
    "POST_SCHEMA",
    "Kind",
    "Metrics",
    "Post",
    "posts_to_table",
]

Kind = Literal["post", "repost", "reply", "quote", "comment", "article"]
KINDS: tuple[str, ...] = get_args(Kind)


class Metrics(msgspec.Struct, frozen=True):
    """Engagement counts as the source reported them at collection time; None when unknown."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None


METRIC_NAMES: tuple[str, ...] = Metrics.__struct_fields__


class Post(msgspec.Struct, kw_only=True):
    """One canonical post, as a reader produces it."""

    platform: str
    post_id: str
    author_id: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    created_at: datetime | None = None
    text: str | None = None
    source_lang: str | None = None
    kind: Kind = "post"
    parent_id: str | None = None
    parent_author_id: str | None = None
    conversation_id: str | None = None
    urls: list[str] = []
    hashtags: list[str] = []
    mentions: list[str] = []
    metrics: Metrics | None = None
    context: bool = False
    # Position of the record in its input (line, row or element number, 1-based); the file name
    # and the user's collection name are added for the whole batch by `posts_to_table`.
    record: int = 0


_METRICS_TYPE = pa.struct([pa.field(name, pa.int64()) for name in METRIC_NAMES])
_ORIGIN_TYPE = pa.struct([pa.field("file", pa.string()), pa.field("record", pa.int64())])

POST_SCHEMA = pa.schema(
    [
        pa.field("platform", pa.string(), nullable=False),
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("author_id", pa.string()),
        pa.field("author_handle", pa.string()),
        pa.field("author_name", pa.string()),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
        pa.field("text", pa.string()),
        pa.field("source_lang", pa.string()),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("parent_id", pa.string()),
        pa.field("parent_author_id", pa.string()),
        pa.field("conversation_id", pa.string()),
        pa.field("urls", pa.list_(pa.string())),
        pa.field("hashtags", pa.list_(pa.string())),
        pa.field("mentions", pa.list_(pa.string())),
        pa.field("metrics", _METRICS_TYPE),
        pa.field("collection", pa.string()),
        pa.field("context", pa.bool_(), nullable=False),
        pa.field("origin", _ORIGIN_TYPE),
    ]
)

_FIELD_INDEX = {name: i for i, name in enumerate(Post.__struct_fields__)}
_SCALAR_FIELDS = tuple(
    name for name in POST_SCHEMA.names if name not in ("metrics", "collection", "origin")
)


def _metrics_array(metrics: Sequence[Metrics | None]) -> pa.StructArray:
    mask = pa.array([m is None for m in metrics], pa.bool_())
    children = [
        pa.array([getattr(m, name, None) for m in metrics], pa.int64()) for name in METRIC_NAMES
    ]
    return pa.StructArray.from_arrays(children, fields=list(_METRICS_TYPE), mask=mask)


def _repeated(value: str | None, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def posts_to_table(
    posts: Sequence[Post], *, file: str | None = None, collection: str | None = None
) -> pa.Table:
    """Transpose posts into an Arrow table of `POST_SCHEMA`, column by column."""
    if not posts:
        return POST_SCHEMA.empty_table()
    n = len(posts)
    # One C-level pass turns the structs into columns; far cheaper than a getattr per value.
    fields = list(zip(*map(astuple, posts), strict=True))
    columns: list[pa.Array] = [
        pa.array(fields[_FIELD_INDEX[name]], POST_SCHEMA.field(name).type)
        for name in _SCALAR_FIELDS
    ]
    columns.insert(
        POST_SCHEMA.get_field_index("metrics"), _metrics_array(fields[_FIELD_INDEX["metrics"]])
    )
    columns.insert(POST_SCHEMA.get_field_index("collection"), _repeated(collection, n))
    columns.append(
        pa.StructArray.from_arrays(
            [
                _repeated(file, n),
                pa.array(fields[_FIELD_INDEX["record"]], pa.int64()),
            ],
            fields=list(_ORIGIN_TYPE),
        )
    )
    return pa.Table.from_arrays(columns, schema=POST_SCHEMA)
