"""Actions: one row per (behaviour, shared item, account, post, time), the input of every kernel.

Accounts and items are integer-encoded here, once: every join and grouping downstream works on
32-bit ids instead of strings (a normalised text or a URL as a join key costs its length at
every step), and `Actions` keeps the dictionaries to name them again in the output. Account ids
follow the sorted account strings, so `account_1 < account_2` orders ids and names alike.

Each co-action behaviour is a way two posts can share an item:

- "co-repost": reposts of the same post (item: the reposted post's id);
- "co-reply": replies (and comments) to the same post;
- "co-quote": quotes of the same post;
- "co-link": the same page, by `voxpop.enrich.urls.url_key` (canonical URL without scheme
  and "www.", tracking parameters dropped), in posts that are not reposts;
- "co-hashtag": the same hashtag, case-folded, in posts that are not reposts;
- "co-text": the same text after `voxpop.enrich.text.normalize_text`, in posts that are not
  reposts (a post whose normalised text is empty, only a link say, shares nothing);
- "co-similar": near-duplicate text: MinHash (vectorised numpy) over
  `voxpop.enrich.text.shingles` of the normalised text, banded LSH; posts whose signatures
  agree on a whole band are joined, and each connected group of posts becomes one item.
  Identical texts are near-duplicates too.

Reposts carry no URLs, hashtags or text of their own here, as in coordination-network-toolkit
(a plain rebroadcast always duplicates its original). Context posts (seen only as references)
and posts without author or time are left out. Text is normalised, shingled and hashed once
per distinct text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from voxpop.enrich.text import normalize_text, shingles
from voxpop.enrich.urls import url_key_array

__all__ = [
    "ACTION_SCHEMA",
    "BEHAVIOURS",
    "Actions",
    "Behaviour",
    "actions",
]

Behaviour = Literal[
    "co-repost", "co-reply", "co-quote", "co-link", "co-hashtag", "co-text", "co-similar"
]
BEHAVIOURS: tuple[str, ...] = get_args(Behaviour)

ACTION_SCHEMA = pa.schema(
    [
        pa.field("behaviour", pa.int8()),  # index into BEHAVIOURS
        pa.field("item", pa.int32()),  # row of Actions.items
        pa.field("account", pa.int32()),  # position in Actions.accounts
        pa.field("post", pa.uint64()),  # hash of (platform, post_id): counts distinct posts
        pa.field("t", pa.float64()),  # Unix epoch seconds
    ]
)


@dataclass(frozen=True, slots=True)
class Actions:
    """Integer-encoded actions and the dictionaries that name their ids."""

    table: pa.Table  # ACTION_SCHEMA
    items: pa.Table  # row i names item i: behaviour, item (the shared post, URL key, text...)
    accounts: pa.Array  # sorted account ids as strings; position = account id


# The posts every behaviour reads: collected posts with an author and a time. Posts are told
# apart by a 64-bit hash of their key: only distinct-post counts need them, and two of 10^7
# posts share a hash with probability ~3e-6.
_BASE = """
    SELECT author_id AS account, hash(platform, post_id) AS post,
           epoch_us(created_at) / 1e6 AS t, kind, parent_id, urls, hashtags, text
    FROM posts
    WHERE NOT context AND author_id IS NOT NULL AND created_at IS NOT NULL
"""

_PARENT_KINDS = {
    "co-repost": "('repost')",
    "co-reply": "('reply', 'comment')",
    "co-quote": "('quote')",
}

# MinHash LSH: 16 bands of 4 rows over 64 permutations put two texts in one bucket with
# probability 1 - (1 - J^4)^16: 0.999 at Jaccard 0.8, 0.65 at 0.5. Bucket mates are then
# linked only when their signatures agree on at least SIMILARITY of the permutations (the
# estimated Jaccard), so that chains of loosely similar chatter do not merge into one item.
_PERMUTATIONS = 64
_BANDS = 16
_SHINGLE = 2
_SEED = 1
SIMILARITY = 0.7
_TEXT_CHUNK = 100_000  # distinct texts normalised and signed at a time


def actions(con: duckdb.DuckDBPyConnection, posts: str, behaviours: Sequence[str]) -> Actions:
    """The actions of `behaviours` over the table or view named `posts` (POST_SCHEMA columns)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW _coord_base AS {_BASE.replace('posts', posts)}")
    parts: list[tuple[str, pa.Table]] = []  # (behaviour, table of item, account, post, t)
    for behaviour in behaviours:
        if behaviour in _PARENT_KINDS:
            parts.append(
                (
                    behaviour,
                    con.sql(
                        f"""SELECT parent_id AS item, account, post, t FROM _coord_base
                        WHERE kind IN {_PARENT_KINDS[behaviour]} AND parent_id IS NOT NULL"""
                    ).to_arrow_table(),
                )
            )
        elif behaviour == "co-link":
            parts.append((behaviour, _links(con)))
        elif behaviour == "co-hashtag":
            parts.append(
                (
                    behaviour,
                    con.sql(
                        """SELECT DISTINCT lower(h) AS item, account, post, t
                        FROM (SELECT unnest(hashtags) AS h, account, post, t
                              FROM _coord_base WHERE kind <> 'repost')
                        WHERE h IS NOT NULL AND h <> ''"""
                    ).to_arrow_table(),
                )
            )
    text_behaviours = [b for b in behaviours if b in ("co-text", "co-similar")]
    if text_behaviours:
        parts.extend(_texts(con, text_behaviours))
    con.execute("DROP VIEW _coord_base")
    return _encode(parts)


def _encode(parts: Sequence[tuple[str, pa.Table]]) -> Actions:
    """Integer ids for accounts (sorted names) and items (per behaviour, then offset)."""
    names = [pc.unique(part["account"]) for _, part in parts if part.num_rows]
    accounts = (
        pc.unique(pa.chunked_array(names, pa.string())).sort()
        if names
        else pa.array([], pa.string())
    )
    if isinstance(accounts, pa.ChunkedArray):
        accounts = accounts.combine_chunks()
    tables: list[pa.Table] = []
    item_tables: list[pa.Table] = []
    offset = 0
    for behaviour, part in parts:
        encoded = pc.dictionary_encode(part["item"]).combine_chunks()
        size = len(encoded.dictionary)
        tables.append(
            pa.table(
                {
                    "behaviour": pa.array(
                        np.full(part.num_rows, BEHAVIOURS.index(behaviour), np.int8)
                    ),
                    "item": pa.array(encoded.indices.to_numpy().astype(np.int32) + offset),
                    "account": pc.index_in(part["account"], value_set=accounts).cast(pa.int32()),
                    "post": part["post"],
                    "t": part["t"],
                },
                schema=ACTION_SCHEMA,
            )
        )
        item_tables.append(
            pa.table(
                {
                    "behaviour": pa.array([behaviour] * size, pa.string()),
                    "item": encoded.dictionary.cast(pa.string()),
                }
            )
        )
        offset += size
    return Actions(
        table=pa.concat_tables(tables) if tables else ACTION_SCHEMA.empty_table(),
        items=pa.concat_tables(item_tables)
        if item_tables
        else pa.table({"behaviour": pa.array([], pa.string()), "item": pa.array([], pa.string())}),
        accounts=accounts,
    )


def _links(con: duckdb.DuckDBPyConnection) -> pa.Table:
    shared = con.sql(
        """SELECT unnest(urls) AS url, account, post, t
           FROM _coord_base WHERE kind <> 'repost'"""
    ).to_arrow_table()
    # Canonicalise each distinct URL once: the popular ones recur thousands of times.
    distinct = pc.unique(shared["url"].drop_null())
    keys = pa.table({"url": distinct, "key": url_key_array(distinct)})
    con.register("_coord_url_keys", keys)
    con.register("_coord_links", shared)
    try:
        return con.sql(
            """SELECT DISTINCT k.key AS item, l.account, l.post, l.t
               FROM _coord_links l JOIN _coord_url_keys k USING (url)
               WHERE k.key <> ''"""
        ).to_arrow_table()
    finally:
        con.unregister("_coord_url_keys")
        con.unregister("_coord_links")


def _texts(con: duckdb.DuckDBPyConnection, behaviours: Sequence[str]) -> list[tuple[str, pa.Table]]:
    rows = con.sql(
        "SELECT account, post, t, text FROM _coord_base WHERE kind <> 'repost' AND text <> ''"
    ).to_arrow_table()
    # Work per distinct raw text: copies, retweeted headlines and campaigns repeat them. In
    # chunks, so that the Python strings and shingle sets of only one chunk are alive at once
    # (all 2.3M distinct texts of 10M posts, normalised and shingled at once, took ~3 GB).
    raw = pc.dictionary_encode(rows["text"]).combine_chunks()
    with_signatures = "co-similar" in behaviours
    normalized_parts: list[pa.Array] = []
    signature_parts: list[np.ndarray] = []
    for start in range(0, len(raw.dictionary), _TEXT_CHUNK):
        chunk = raw.dictionary.slice(start, _TEXT_CHUNK).to_pylist()
        normalized, chunk_signatures = _normalize_and_sign(
            con, chunk, with_signatures=with_signatures
        )
        normalized_parts.append(pa.array(normalized, pa.string()))
        if chunk_signatures is not None:
            signature_parts.append(chunk_signatures)
    empty = np.zeros((0, _PERMUTATIONS), np.uint32)
    signatures = np.concatenate([empty, *signature_parts]) if with_signatures else None
    per_post = pa.concat_arrays(normalized_parts or [pa.array([], pa.string())]).take(raw.indices)
    keep = pc.not_equal(per_post, "")
    kept = rows.drop_columns(["text"]).filter(keep)
    out: list[tuple[str, pa.Table]] = []
    if "co-text" in behaviours:
        out.append(("co-text", kept.append_column("item", per_post.filter(keep))))
    if signatures is not None:
        groups = _similar_groups(signatures).take(raw.indices).filter(keep)
        similar = kept.append_column("item", groups)
        out.append(("co-similar", similar.filter(similar["item"].is_valid())))
    return [(b, t.select(["item", "account", "post", "t"])) for b, t in out]


def _normalize_and_sign(
    con: duckdb.DuckDBPyConnection, texts: list[str], *, with_signatures: bool
) -> tuple[list[str], np.ndarray | None]:
    """Normalised texts and, if asked, their MinHash signatures (a row of zeros for a text
    without tokens)."""
    normalized = [normalize_text(text) for text in texts]
    if not with_signatures:
        return normalized, None
    # Texts that differ only in links or mentions normalise alike: shingle each once.
    distinct: dict[str, int] = {}
    index = np.fromiter(
        (distinct.setdefault(text, len(distinct)) for text in normalized), np.int64, len(texts)
    )
    sets = [shingles(text, _SHINGLE, normalized=True) for text in distinct]
    return normalized, _minhash(con, sets)[index]


# Multiply-shift hash functions, one per permutation: h(x) = (a * x + b) mod 2^64 >> 32 with
# odd a (Dietzfelbinger et al. 1997); fixed, so signatures repeat across runs.
_HASH_A, _HASH_B = np.random.default_rng(_SEED).integers(
    0, 2**64 - 1, size=(2, _PERMUTATIONS), dtype=np.uint64
) | np.array([[1], [0]], np.uint64)


def _minhash(con: duckdb.DuckDBPyConnection, sets: Sequence[set[str]]) -> np.ndarray:
    """MinHash signatures of shingle sets, vectorised over all shingles at once: each shingle
    is hashed to 64 bits once (DuckDB's `hash`), then each permutation is one pass of numpy
    over the flat hashes and one `minimum.reduceat` per text."""
    lengths = np.fromiter(map(len, sets), np.int64, len(sets))
    signatures = np.zeros((len(sets), _PERMUTATIONS), np.uint32)
    if not lengths.any():
        return signatures
    con.register(
        "_coord_shingles",
        pa.table({"s": pa.array([s for shingle_set in sets for s in shingle_set], pa.string())}),
    )
    try:
        hashes = con.sql("SELECT hash(s) AS h FROM _coord_shingles").to_arrow_table()
    finally:
        con.unregister("_coord_shingles")
    flat = hashes["h"].to_numpy()
    nonempty = lengths > 0
    starts = (np.cumsum(lengths) - lengths)[nonempty]
    for p in range(_PERMUTATIONS):
        values = ((flat * _HASH_A[p] + _HASH_B[p]) >> np.uint64(32)).astype(np.uint32)
        signatures[nonempty, p] = np.minimum.reduceat(values, starts)
    return signatures


def _similar_groups(signatures: np.ndarray) -> pa.Array:
    """A near-duplicate group label per signature ("s" + a component number), None for none."""
    m = len(signatures)
    if m == 0:
        return pa.array([], pa.string())
    # Identical signatures (mostly identical texts) are one row here.
    rows = signatures.view(np.dtype((np.void, signatures.itemsize * _PERMUTATIONS))).ravel()
    _, first, index = np.unique(rows, return_index=True, return_inverse=True)
    unique = signatures[first]
    # Rows whose band agrees are linked to the first row with that band: a star per bucket
    # links a bucket of k rows with k - 1 edges, never k^2.
    rows_per_band = _PERMUTATIONS // _BANDS
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for band in range(_BANDS):
        block = np.ascontiguousarray(unique[:, band * rows_per_band : (band + 1) * rows_per_band])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows_per_band))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        mates = np.flatnonzero(first[inverse] != np.arange(len(keys)))
        heads = first[inverse][mates]
        agree = (unique[mates] == unique[heads]).mean(axis=1)
        similar = agree >= SIMILARITY
        sources.append(mates[similar])
        targets.append(heads[similar])
    n = len(unique)
    src = np.concatenate(sources)
    graph = coo_matrix((np.ones(len(src), np.int8), (src, np.concatenate(targets))), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    names = np.char.add("s", labels.astype(str)).astype(object)
    names[~unique.any(axis=1)] = None
    return pa.array(names[index], pa.string())
