"""voxpop: a public-opinion observatory over public posts and news.

The library is the product; the `voxpop` command and the web app are thin shells over it.
"""

from voxpop.errors import ConfigError, FormatError, StoreError, VoxpopError
from voxpop.ingest import IngestReport, ingest
from voxpop.schema import POST_SCHEMA, Metrics, Post, posts_to_table
from voxpop.store import Store

__all__ = [
    "POST_SCHEMA",
    "ConfigError",
    "FormatError",
    "IngestReport",
    "Metrics",
    "Post",
    "Store",
    "StoreError",
    "VoxpopError",
    "ingest",
    "posts_to_table",
]
