"""Actions: one row per (behaviour, shared item, account, post, time), the input of every kernel.

Each co-action behaviour is a way two posts can share an item:

- "co-repost": reposts of the same post (item: the reposted post's id);
- "co-reply": replies (and comments) to the same post;
- "co-quote": quotes of the same post;
- "co-link": the same page, by `voxpop.enrich.urls.url_key` (canonical URL without scheme
  and "www.", tracking parameters dropped), in posts that are not reposts;
- "co-hashtag": the same hashtag, case-folded, in posts that are not reposts;
- "co-text": the same text after `voxpop.enrich.text.normalize_text`, in posts that are not
  reposts (a post whose normalised text is empty, only a link say, shares nothing);
- "co-similar": near-duplicate text: MinHash (rensa) over `voxpop.enrich.text.shingles` of the
  normalised text, banded LSH; posts whose signatures agree on a whole band are joined, and
  each connected group of posts becomes one item. Identical texts are near-duplicates too.

Reposts carry no URLs, hashtags or text of their own here, as in coordination-network-toolkit
(a plain rebroadcast always duplicates its original). Context posts (seen only as references)
and posts without author or time are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rensa import RMinHash
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from voxpop.enrich.text import normalize_text, shingles
from voxpop.enrich.urls import url_key_array

__all__ = [
    "ACTION_SCHEMA",
    "BEHAVIOURS",
    "Behaviour",
    "actions",
]

Behaviour = Literal[
    "co-repost", "co-reply", "co-quote", "co-link", "co-hashtag", "co-text", "co-similar"
]
BEHAVIOURS: tuple[str, ...] = get_args(Behaviour)

ACTION_SCHEMA = pa.schema(
    [
        pa.field("behaviour", pa.string()),
        pa.field("item", pa.string()),
        pa.field("account", pa.string()),
        pa.field("post_id", pa.string()),
        pa.field("t", pa.float64()),  # Unix epoch seconds
    ]
)

# The posts every behaviour reads: collected posts with an author and a time.
_BASE = """
    SELECT author_id AS account, post_id, epoch_us(created_at) / 1e6 AS t,
           kind, parent_id, urls, hashtags, text
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


def actions(con: duckdb.DuckDBPyConnection, posts: str, behaviours: Sequence[str]) -> pa.Table:
    """The actions of `behaviours` over the table or view named `posts` (POST_SCHEMA columns)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW _coord_base AS {_BASE.replace('posts', posts)}")
    parts: list[pa.Table] = []
    for behaviour in behaviours:
        if behaviour in _PARENT_KINDS:
            parts.append(
                _sql(
                    con,
                    f"""SELECT '{behaviour}' AS behaviour, parent_id AS item, account, post_id, t
                        FROM _coord_base
                        WHERE kind IN {_PARENT_KINDS[behaviour]} AND parent_id IS NOT NULL""",
                )
            )
        elif behaviour == "co-link":
            parts.append(_links(con))
        elif behaviour == "co-hashtag":
            parts.append(
                _sql(
                    con,
                    """SELECT DISTINCT 'co-hashtag' AS behaviour, lower(h) AS item, account,
                              post_id, t
                       FROM (SELECT unnest(hashtags) AS h, account, post_id, t
                             FROM _coord_base WHERE kind <> 'repost')
                       WHERE h IS NOT NULL AND h <> ''""",
                )
            )
    text_behaviours = [b for b in behaviours if b in ("co-text", "co-similar")]
    if text_behaviours:
        parts.extend(_texts(con, text_behaviours))
    con.execute("DROP VIEW _coord_base")
    if not parts:
        return ACTION_SCHEMA.empty_table()
    return pa.concat_tables(parts)


def _sql(con: duckdb.DuckDBPyConnection, query: str) -> pa.Table:
    return con.sql(query).to_arrow_table().cast(ACTION_SCHEMA)


def _links(con: duckdb.DuckDBPyConnection) -> pa.Table:
    shared = con.sql(
        """SELECT unnest(urls) AS url, account, post_id, t
           FROM _coord_base WHERE kind <> 'repost'"""
    ).to_arrow_table()
    # Canonicalise each distinct URL once: the popular ones recur thousands of times.
    distinct = pc.unique(shared["url"].drop_null())
    keys = pa.table({"url": distinct, "key": url_key_array(distinct)})
    con.register("_coord_url_keys", keys)
    con.register("_coord_links", shared)
    try:
        return _sql(
            con,
            """SELECT DISTINCT 'co-link' AS behaviour, k.key AS item, l.account, l.post_id, l.t
               FROM _coord_links l JOIN _coord_url_keys k USING (url)
               WHERE k.key <> ''""",
        )
    finally:
        con.unregister("_coord_url_keys")
        con.unregister("_coord_links")


def _texts(con: duckdb.DuckDBPyConnection, behaviours: Sequence[str]) -> list[pa.Table]:
    rows = con.sql(
        "SELECT account, post_id, t, text FROM _coord_base WHERE kind <> 'repost' AND text <> ''"
    ).to_arrow_table()
    normalized = [normalize_text(text) for text in rows["text"].to_pylist()]
    keep = np.flatnonzero(np.fromiter((bool(s) for s in normalized), bool, len(normalized)))
    kept = rows.take(pa.array(keep)).drop_columns(["text"])
    texts = [normalized[i] for i in keep]
    out: list[pa.Table] = []
    if "co-text" in behaviours:
        out.append(_with_items(kept, "co-text", pa.array(texts, pa.string())))
    if "co-similar" in behaviours:
        similar = _with_items(kept, "co-similar", _similar_groups(texts))
        out.append(similar.filter(similar["item"].is_valid()))
    return out


def _with_items(rows: pa.Table, behaviour: str, items: pa.Array) -> pa.Table:
    return pa.table(
        {
            "behaviour": pa.array([behaviour] * len(rows), pa.string()),
            "item": items,
            "account": rows["account"],
            "post_id": rows["post_id"],
            "t": rows["t"],
        },
        schema=ACTION_SCHEMA,
    )


def _similar_groups(texts: Sequence[str]) -> pa.Array:
    """A near-duplicate group label per text ("s" + a component number), None for none."""
    n = len(texts)
    if n == 0:
        return pa.array([], pa.string())
    # Identical texts share one signature: hash each distinct text once.
    distinct: dict[str, int] = {}
    index = np.fromiter((distinct.setdefault(s, len(distinct)) for s in texts), np.int64, n)
    sets = [list(shingles(text, _SHINGLE, normalized=True)) for text in distinct]
    matrix = RMinHash.digest_matrix_from_token_sets(sets, _PERMUTATIONS, _SEED)
    signatures = np.array(matrix.to_rows(), np.uint32).reshape(len(distinct), _PERMUTATIONS)
    # Rows whose band agrees are linked to the first row with that band: a star per bucket
    # links a bucket of k rows with k - 1 edges, never k^2.
    rows_per_band = _PERMUTATIONS // _BANDS
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for band in range(_BANDS):
        block = np.ascontiguousarray(
            signatures[:, band * rows_per_band : (band + 1) * rows_per_band]
        )
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows_per_band))).ravel()
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        mates = np.flatnonzero(first[inverse] != np.arange(len(keys)))
        heads = first[inverse][mates]
        agree = (signatures[mates] == signatures[heads]).mean(axis=1)
        similar = agree >= SIMILARITY
        sources.append(mates[similar])
        targets.append(heads[similar])
    m = len(distinct)
    src = np.concatenate(sources)
    graph = coo_matrix((np.ones(len(src), np.int8), (src, np.concatenate(targets))), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    names = np.char.add("s", labels.astype(str)).astype(object)
    # A text without tokens (only emoji, say) has the signature of the empty set: it would
    # match every other such text, so it belongs to no group.
    names[np.fromiter((not s for s in sets), bool, m)] = None
    return pa.array(names[index], pa.string())
