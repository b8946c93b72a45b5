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
- "co-similar": near-duplicate text: MinHash (vectorised numpy) over the two-token shingles
  of the normalised text's `voxpop.enrich.text.tokens` (words, or character bigrams in CJK and
  other unsegmented scripts), banded LSH; posts whose signatures agree on a whole band and on
  `SIMILARITY` of all permutations are joined, and each connected group of posts becomes one
  item. Identical texts are near-duplicates too.

Reposts carry no URLs, hashtags or text of their own here, as in coordination-network-toolkit
(a plain rebroadcast always duplicates its original). Context posts (seen only as references)
and posts without author or time are left out. Text is normalised, shingled and hashed once
per distinct text.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from voxpop.enrich import ProgressCallback
from voxpop.enrich._workers import Workers
from voxpop.enrich.text import normalize_prepass_sql, token_hashes
from voxpop.enrich.urls import url_key_array

__all__ = [
    "ACTION_SCHEMA",
    "BEHAVIOURS",
    "Actions",
    "Behaviour",
    "actions",
    "text_signatures",
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
    """The dictionaries that name the integer ids of the actions in `_coord_actions`."""

    items: pa.Table  # row i names item i: behaviour, item (the shared post, URL key, text...)
    accounts: pa.Array  # sorted account ids as strings; position = account id


# The posts every behaviour reads: collected posts with an author and a time.
_READ = "NOT p.context AND p.author_id IS NOT NULL AND p.created_at IS NOT NULL"
# Accounts get their integer ids in DuckDB, so that no string per action reaches Python. Posts
# are told apart by a 64-bit hash of their key: only distinct-post counts need them, and two
# of 10^7 posts share a hash with probability ~3e-6.
_BASE = f"""
    CREATE OR REPLACE TEMP TABLE _coord_accounts AS
    SELECT name, (row_number() OVER (ORDER BY name) - 1)::INTEGER AS id
    FROM (SELECT DISTINCT p.author_id AS name FROM {{posts}} p WHERE {_READ});
    CREATE OR REPLACE TEMP VIEW _coord_base AS
    SELECT a.id AS account, hash(p.platform, p.post_id) AS post,
           epoch_us(p.created_at) / 1e6 AS t, p.kind, p.parent_id, p.urls, p.hashtags, p.text
    FROM {{posts}} p JOIN _coord_accounts a ON a.name = p.author_id
    WHERE {_READ}
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
_SEED = 1
SIMILARITY = 0.7
_TEXT_CHUNK = 50_000  # distinct texts normalised or signed per task of a worker
_SHINGLES_PER_BLOCK = 32_768  # 256 KB of hashes: within the L2 cache of a core
_PAIRS_PER_CHECK = 50_000  # candidate pairs whose signatures are compared at once (2 x 12.8 MB)
# Distinct texts from which worker processes do the text work. Measured on 2 cores: co-similar
# on 1M posts (297k texts) took 5.1 s with the text work in this process and 5.6 s with workers
# (medians of five runs); the text step on 10M posts (2.26M texts) 23.2 s and 20.6 s.
_WORKERS_FROM = 1_000_000


def actions(
    con: duckdb.DuckDBPyConnection,
    posts: str,
    behaviours: Sequence[str],
    progress: ProgressCallback | None = None,
) -> Actions:
    """The actions of `behaviours` over the table or view named `posts` (POST_SCHEMA columns),
    written to the temporary table `_coord_actions` (`ACTION_SCHEMA`): they stay in DuckDB,
    within its memory limit, for the kernels that follow. `progress(step, done, total)` is
    told of the text chunks normalised and signed."""
    con.execute(_BASE.format(posts=posts))
    # (behaviour, table of item, account, post, t, and the names of integer items or None
    # when the items are the names themselves)
    parts: list[tuple[str, pa.Table, pa.Array | None]] = []
    for behaviour in behaviours:
        if behaviour in _PARENT_KINDS:
            table = con.sql(
                f"""SELECT parent_id AS item, account, post, t FROM _coord_base
                WHERE kind IN {_PARENT_KINDS[behaviour]} AND parent_id IS NOT NULL"""
            ).to_arrow_table()
            parts.append((behaviour, table, None))
        elif behaviour == "co-link":
            parts.append((behaviour, _links(con), None))
        elif behaviour == "co-hashtag":
            table = con.sql(
                """SELECT DISTINCT lower(h) AS item, account, post, t
                FROM (SELECT unnest(hashtags) AS h, account, post, t
                      FROM _coord_base WHERE kind <> 'repost')
                WHERE h IS NOT NULL AND h <> ''"""
            ).to_arrow_table()
            parts.append((behaviour, table, None))
    text_behaviours = [b for b in behaviours if b in ("co-text", "co-similar")]
    if text_behaviours:
        parts.extend(_texts(con, text_behaviours, progress))
    accounts = con.sql("SELECT name FROM _coord_accounts ORDER BY id").to_arrow_table()["name"]
    con.execute("DROP VIEW _coord_base; DROP TABLE _coord_accounts")
    return _encode(con, parts, accounts.combine_chunks())


def _encode(
    con: duckdb.DuckDBPyConnection,
    parts: Sequence[tuple[str, pa.Table, pa.Array | None]],
    accounts: pa.Array,
) -> Actions:
    """The table `_coord_actions`, with item ids offset per behaviour so that they are unique,
    and the dictionaries."""
    con.register("_coord_part", ACTION_SCHEMA.empty_table())
    con.execute("CREATE OR REPLACE TEMP TABLE _coord_actions AS SELECT * FROM _coord_part")
    con.unregister("_coord_part")
    item_tables: list[pa.Table] = []
    offset = 0
    for behaviour, part, names in parts:
        if names is None:
            encoded = pc.dictionary_encode(part["item"]).combine_chunks()
            ids, names = encoded.indices, encoded.dictionary
        else:
            ids = part["item"]
        con.register(
            "_coord_part",
            pa.table(
                {
                    "behaviour": pa.array(
                        np.full(part.num_rows, BEHAVIOURS.index(behaviour), np.int8)
                    ),
                    "item": pc.add(ids.cast(pa.int32()), pa.scalar(offset, pa.int32())),
                    "account": part["account"],
                    "post": part["post"],
                    "t": part["t"],
                },
                schema=ACTION_SCHEMA,
            ),
        )
        con.execute("INSERT INTO _coord_actions SELECT * FROM _coord_part")
        con.unregister("_coord_part")
        item_tables.append(
            pa.table(
                {
                    "behaviour": pa.array([behaviour] * len(names), pa.string()),
                    "item": names.cast(pa.string()),
                }
            )
        )
        offset += len(names)
    return Actions(
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


def _texts(
    con: duckdb.DuckDBPyConnection, behaviours: Sequence[str], progress: ProgressCallback | None
) -> list[tuple[str, pa.Table, pa.Array]]:
    """co-text and co-similar actions, with integer items: the distinct normalised texts, and
    the near-duplicate groups of those texts named "s" + a number.

    Work is per distinct text, in chunks, and only the texts travel to Python: copies,
    retweeted headlines and campaigns repeat texts, and 10M posts hold ~2.3M distinct ones.
    Normalised texts are numbered in sorted order, so that items and group numbers repeat
    across runs whatever order DuckDB returns the raw texts in.
    """
    # Each distinct raw text with its posts, which get the text's items back at the end. The
    # prepass first trims reply handles and trailing links, which make most raw texts differ.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _coord_raw AS
        SELECT {normalize_prepass_sql("text")} AS text, list(account) AS accounts,
               list(post) AS posts, list(t) AS times
        FROM _coord_base WHERE kind <> 'repost' AND text <> '' GROUP BY ALL
        """
    )
    count = con.execute("SELECT count(*) FROM _coord_raw").fetchall()[0][0]
    # Raw texts are numbered by their rowid in `_coord_raw`.
    raw_chunks = (
        con.sql(
            "SELECT text FROM _coord_raw WHERE rowid >= $1 AND rowid < $2 ORDER BY rowid",
            params=[start, start + _TEXT_CHUNK],
        )
        .to_arrow_table()["text"]
        .to_pylist()
        for start in range(0, count, _TEXT_CHUNK)
    )
    seen: dict[str, int] = {}  # normalised text -> number in order of first sight
    first_seen = np.empty(count, np.int32)
    done = 0
    # Normalising and tokenising are pure Python: on many texts, worker processes use every
    # core. On fewer, starting them (half a second each, to import numpy, pyarrow and
    # DuckDB) and moving the texts cost more than they save.
    processes = (os.cpu_count() or 1) if count >= _WORKERS_FROM else 1
    with Workers(processes) as pool:
        for chunk in pool.map("normalize", 0, raw_chunks):
            first_seen[done : done + len(chunk)] = [seen.setdefault(t, len(seen)) for t in chunk]
            done += len(chunk)
            if progress:
                progress("normalise texts", done, count)
        # The distinct normalised texts, sorted, are the co-text items.
        texts = pa.array(seen, pa.string())
        del seen
        order = pc.sort_indices(texts).to_numpy()
        texts = texts.take(order)
        rank = np.empty(len(order), np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        text_item = rank[first_seen]
        signatures = _signatures(texts, pool, progress) if "co-similar" in behaviours else None
    # A text normalised to nothing (only a link, say) shares nothing.
    empty = np.asarray(pc.equal(texts, "").to_numpy(zero_copy_only=False), bool)
    columns: dict[str, pa.Array] = {
        "raw": pa.array(np.arange(count, dtype=np.int64)),
        "text_item": pa.array(text_item, mask=empty[text_item]),
    }
    out_names: dict[str, pa.Array] = {"co-text": texts}
    if signatures is not None:
        groups = _similar_groups(signatures)[text_item]
        columns["similar_item"] = pa.array(groups, mask=groups < 0)
        labels = pa.array(np.arange(max(int(groups.max(initial=-1)) + 1, 0))).cast(pa.string())
        out_names["co-similar"] = pc.binary_join_element_wise("s", labels, "")
    con.register("_coord_text_items", pa.table(columns))
    try:
        item_columns = ", ".join(f"m.{c}" for c in columns if c != "raw")
        rows = con.sql(
            f"""
            SELECT {item_columns}, unnest(r.accounts) AS account, unnest(r.posts) AS post,
                   unnest(r.times) AS t
            FROM (SELECT rowid AS raw, accounts, posts, times FROM _coord_raw) r
            JOIN _coord_text_items m USING (raw)
            """
        ).to_arrow_table()
    finally:
        con.unregister("_coord_text_items")
        con.execute("DROP TABLE _coord_raw")
    out: list[tuple[str, pa.Table, pa.Array]] = []
    for behaviour, column in (("co-text", "text_item"), ("co-similar", "similar_item")):
        if behaviour in behaviours:
            part = rows.filter(rows[column].is_valid())
            out.append(
                (
                    behaviour,
                    part.select([column, "account", "post", "t"]).rename_columns(
                        ["item", "account", "post", "t"]
                    ),
                    out_names[behaviour],
                )
            )
    return out


def _signatures(texts: pa.Array, pool: Workers, progress: ProgressCallback | None) -> np.ndarray:
    """MinHash signatures of normalised texts (a row of zeros for a text without tokens), a
    chunk per task of the worker processes."""
    signatures = np.zeros((len(texts), _PERMUTATIONS), np.uint32)
    chunks = (
        texts.slice(start, _TEXT_CHUNK).to_pylist() for start in range(0, len(texts), _TEXT_CHUNK)
    )
    start = 0
    for chunk in pool.map("minhash", 0, chunks):
        signatures[start : start + len(chunk)] = chunk
        start += len(chunk)
        if progress:
            progress("sign texts", start, len(texts))
    return signatures


# Multiply-shift hash functions, one per permutation: h(x) = (a * x + b) mod 2^64 >> 32 with
# odd a (Dietzfelbinger et al. 1997); fixed, so signatures repeat across runs.
_HASH_A, _HASH_B = np.random.default_rng(_SEED).integers(
    0, 2**64 - 1, size=(2, _PERMUTATIONS), dtype=np.uint64
) | np.array([[1], [0]], np.uint64)
# Mixes the hashes of a shingle's two tokens, in order ("a b" is not "b a").
_PAIR = np.uint64(0x9E3779B97F4A7C15)


def text_signatures(texts: list[str]) -> np.ndarray:
    """MinHash signatures over the two-token shingles of the normalised texts' tokens (a text
    of one token is one shingle; a row of zeros for a text without tokens).

    Vectorised: `token_hashes` gives each token 64 bits, a shingle's hash mixes its tokens',
    then each permutation is one numpy pass and one `minimum.reduceat` over a block of
    shingles small enough to stay in the CPU cache across all the permutations (twice as fast
    as passes over every shingle). A task of the worker processes (`Workers`).
    """
    hashes, offsets = token_hashes(texts)
    n = len(texts)
    signatures = np.zeros((n, _PERMUTATIONS), np.uint32)
    if not len(hashes):
        return signatures
    lengths = np.diff(offsets)
    owner = np.repeat(np.arange(n), lengths)
    # A token starts a shingle unless it is the last of its text; a text of one token is a
    # shingle of one token.
    last = np.zeros(len(hashes), bool)
    last[offsets[1:][lengths > 0] - 1] = True
    single = lengths[owner] == 1
    keep = ~last | single
    following = np.append(hashes[1:], np.uint64(0))
    flat = np.where(single, hashes, hashes * _PAIR + following)[keep]
    nonempty = np.flatnonzero(lengths > 0)
    starts = np.searchsorted(owner[keep], nonempty)
    # Blocks of whole texts, each opening at the first text to start past a multiple of
    # _SHINGLES_PER_BLOCK shingles.
    bounds = np.unique(np.searchsorted(starts, np.arange(0, len(flat), _SHINGLES_PER_BLOCK)))
    bounds = np.append(bounds, len(starts))
    minima = np.empty((_PERMUTATIONS, len(starts)), np.uint64)
    for first, stop in itertools.pairwise(bounds.tolist()):
        low = starts[first]
        block = flat[low : starts[stop] if stop < len(starts) else len(flat)]
        values = np.empty_like(block)
        for p in range(_PERMUTATIONS):
            np.multiply(block, _HASH_A[p], out=values)
            np.add(values, _HASH_B[p], out=values)
            minima[p, first:stop] = np.minimum.reduceat(values, starts[first:stop] - low)
    # The shift is monotone, so the shifted minimum is the minimum of the shifted values.
    minima >>= np.uint64(32)
    signatures[nonempty] = minima.T
    return signatures


def _similar_groups(signatures: np.ndarray) -> np.ndarray:
    """A near-duplicate group number per signature, -1 for a text without tokens."""
    n = len(signatures)
    if n == 0:
        return np.zeros(0, np.int64)
    # Rows whose band agrees are linked to the first row with that band: a star per bucket
    # links a bucket of k rows with k - 1 edges, never k^2. A band is keyed by a 64-bit mix
    # of its values; two bands that collide are still checked on the whole signature below.
    rows_per_band = _PERMUTATIONS // _BANDS
    keys = np.zeros((n, _BANDS), np.uint64)
    for column in range(rows_per_band):  # the column-th value of every band at once
        keys = keys * _PAIR + signatures[:, column::rows_per_band]
    heads = np.empty((n, _BANDS), np.int64)  # each row's bucket head in each band
    for band in range(_BANDS):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        # With a stable sort, the first row of each run is the bucket's first row.
        heads[order, band] = np.repeat(order[starts], np.diff(np.r_[starts, n]))
    # A row usually has the same head in many bands: check each (row, head) once.
    heads.sort(axis=1)
    rows = np.arange(n)[:, None]
    fresh = heads != rows
    fresh[:, 1:] &= heads[:, 1:] != heads[:, :-1]
    src = np.broadcast_to(rows, heads.shape)[fresh]
    dst = heads[fresh]
    similar = np.zeros(len(src), bool)
    least = math.ceil(SIMILARITY * _PERMUTATIONS)  # permutations that must agree
    for begin in range(0, len(src), _PAIRS_PER_CHECK):
        block = slice(begin, begin + _PAIRS_PER_CHECK)
        agree = np.count_nonzero(signatures[src[block]] == signatures[dst[block]], axis=1)
        similar[block] = agree >= least
    src, dst = src[similar], dst[similar]
    graph = coo_matrix((np.ones(len(src), np.int8), (src, dst)), shape=(n, n))
    labels: np.ndarray = connected_components(graph, directed=False)[1]
    labels[~signatures.any(axis=1)] = -1
    return labels
