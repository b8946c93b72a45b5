"""Pseudonymisation at ingest: account ids and handles replaced by a keyed hash.

HMAC-SHA256 under the user's key (VOXPOP_KEY), so the same account gets the same pseudonym in
every file and run with that key, while nobody without the key can reverse it or confirm a
guess. Ids and handles are hashed in separate domains so a pseudonymous id never equals a
pseudonymous handle; handles are case-folded first because platforms treat them so, which keeps
an @mention equal to the author it names. Display names carry no analytic value here and are
dropped.
"""

from __future__ import annotations

import hashlib
import hmac

import pyarrow as pa
import pyarrow.compute as pc

from voxpop.errors import ConfigError

__all__ = ["pseudonym", "pseudonymize"]

_DIGEST_CHARS = 20  # 80 bits: collisions stay negligible at tens of millions of accounts

_ID_COLUMNS = ("author_id", "parent_author_id")


def pseudonym(key: bytes, value: str, *, domain: str) -> str:
    """The pseudonym of one id ("id") or handle ("handle")."""
    if domain == "handle":
        value = value.casefold()
    digest = hmac.new(key, f"{domain}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:_DIGEST_CHARS]


def _hash_array(values: pa.Array, key: bytes, domain: str) -> pa.Array:
    uniques = pc.unique(values).drop_null()
    mapped = pa.array([pseudonym(key, v, domain=domain) for v in uniques.to_pylist()], pa.string())
    return pc.take(mapped, pc.index_in(values, value_set=uniques))


def pseudonymize(table: pa.Table, key: bytes) -> pa.Table:
    """Replace author ids, handles and mentions by pseudonyms; drop display names."""
    if not key:
        raise ConfigError("pseudonymisation needs a key: set VOXPOP_KEY to a long random secret")
    for name in _ID_COLUMNS:
        column = table.column(name).combine_chunks()
        table = table.set_column(
            table.schema.get_field_index(name), name, _hash_array(column, key, "id")
        )
    handles = table.column("author_handle").combine_chunks()
    table = table.set_column(
        table.schema.get_field_index("author_handle"),
        "author_handle",
        _hash_array(handles, key, "handle"),
    )
    mentions = table.column("mentions").combine_chunks()
    assert isinstance(mentions, pa.ListArray)
    offsets = mentions.offsets  # of a sliced array these start where the slice does
    hashed = pa.ListArray.from_arrays(
        pc.subtract(offsets, offsets[0]),
        _hash_array(mentions.flatten(), key, "handle"),
        mask=mentions.is_null(),
    )
    table = table.set_column(table.schema.get_field_index("mentions"), "mentions", hashed)
    names = table.schema.get_field_index("author_name")
    return table.set_column(names, "author_name", pa.nulls(len(table), pa.string()))
