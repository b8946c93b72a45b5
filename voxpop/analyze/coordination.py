"""Coordination detection: accounts that act in lockstep, separated from organic crowds.

`detect_coordination(source)` reads posts (a `Store` or an Arrow table of `POST_SCHEMA`) and
returns a `CoordinationResult`: clusters of accounts with their evidence, the edge and node
tables, and the items left out for being too crowded. Method and references:
docs/coordination.md. In short:

1. Actions per behaviour (`coordination_actions`): repost, reply or quote of the same post,
   the same canonical link, hashtag, normalised text or near-duplicate text.
2. Pairs (`coordination_pairs`): two accounts acting on the same item within `window` seconds,
   found by a self-join partitioned by item and time bucket (bounded by `max_group`), one
   slice of accounts at a time, each slice reduced to per-pair aggregates before the next.
3. Beyond chance: for each pair with at least `min_weight` synchronised posts, a binomial test
   of k synchronised posts out of the n posts on items both acted on at any time, against the
   behaviour's base rate p0 (how often two posts of different accounts on the same item fall
   within the window, pooled over all items) compounded over the partner's posts on the
   item. Fans of a star share many posts but are rarely in sync; a viral burst puts strangers
   in sync once; an account posting all day is near anyone by chance. p-values are corrected
   for every pair in sync at least once (Benjamini-Hochberg); edges with q <= `fdr` are kept.
4. Clusters: kept edges of every behaviour are summed into one graph, each synchronised item
   weighted by its rarity (ln(accounts in the behaviour / accounts acting on the item)), and
   partitioned with Leiden (graspologic-native). Clusters of `min_accounts` or more are
   reported with their behaviours, score, expected false discovery rate, lag statistics and
   top evidence.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import graspologic_native as gn
import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from scipy.special import bdtrc

from voxpop.analyze.coordination_actions import BEHAVIOURS, Behaviour, actions
from voxpop.analyze.coordination_pairs import bucket_actions, drop_pairs, match_slice, slices
from voxpop.enrich import ProgressCallback
from voxpop.errors import ConfigError
from voxpop.store import Store

__all__ = [
    "BEHAVIOURS",
    "DEFAULT_TYPES",
    "Behaviour",
    "Cluster",
    "CoordinationResult",
    "Evidence",
    "Sync",
    "cluster_id",
    "detect_coordination",
    "toolkit_edges",
]

# co-hashtag is off by default: a hashtag is a shared topic by design, weak evidence alone.
DEFAULT_TYPES: tuple[str, ...] = tuple(b for b in BEHAVIOURS if b != "co-hashtag")
# Campaigns acting within minutes of each other are still far tighter than organic crowds
# (lags of tens of minutes to hours); 60 s, the toolkit's habit, misses the slower ones.
DEFAULT_WINDOW = 300.0
_SEED = 42
# Pairs tested per batch: the batch's sums per pair are held in memory until it ends.
_PAIRS_PER_BATCH = 4_000_000
# DuckDB's memory while detecting, whatever the database's own setting: the phases work in
# slices and batches that fit, and DuckDB keeps what it was allowed (80% of RAM by default)
# instead of handing it back.
DUCKDB_MEMORY = "2GB"


class Evidence(msgspec.Struct, kw_only=True):
    """One shared item: how many of the cluster's accounts acted on it in sync, and when."""

    behaviour: str
    item: str
    accounts: int
    first_at: datetime
    last_at: datetime
    median_lag_seconds: float


class Sync(msgspec.Struct, kw_only=True):
    """Lags between the cluster's accounts on their synchronised items, in seconds."""

    median: float
    p90: float
    within_10s: float  # share of synchronised pairs acting within 10 seconds of each other


class Cluster(msgspec.Struct, kw_only=True):
    id: str
    accounts: list[str]
    behaviours: list[str]  # by the number of edges holding the cluster together, most first
    score: float  # rarity-weighted synchronised items per account
    fdr: float  # expected share of false discoveries among the cluster's edges (mean q)
    edges: int
    sync: Sync
    evidence: list[Evidence]


class CoordinationResult(msgspec.Struct, kw_only=True):
    clusters: list[Cluster]
    edges: pa.Table  # one row per (behaviour, account pair) in sync at least once
    nodes: pa.Table  # accounts on kept edges: cluster, degree, behaviours
    capped: pa.Table  # items with a time bucket holding more than max_group actions
    settings: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The `--json` document: clusters, capped items, settings and counts."""
        return {
            "clusters": msgspec.to_builtins(self.clusters),
            "capped_items": [
                {
                    **row,
                    "first_at": row["first_at"].isoformat(),
                    "last_at": row["last_at"].isoformat(),
                }
                for row in self.capped.to_pylist()
            ],
            "settings": self.settings,
            "counts": {
                "clusters": len(self.clusters),
                "accounts": sum(len(c.accounts) for c in self.clusters),
                "edges_tested": self.edges.num_rows,
                "edges_kept": int(np.sum(self.edges["kept"].to_numpy(zero_copy_only=False))),
            },
        }

    def write(self, path: Path) -> list[Path]:
        """Export by extension: .gexf or .graphml (Gephi), .parquet or .csv (edges, and nodes
        next to them as NAME.nodes.EXT). Returns the files written."""
        suffix = path.suffix.lower()
        if suffix in (".gexf", ".graphml"):
            import networkx as nx

            graph = self.graph()
            if suffix == ".gexf":
                nx.write_gexf(graph, path)
            else:
                nx.write_graphml(graph, path)
            return [path]
        if suffix in (".parquet", ".csv"):
            nodes_path = path.with_name(f"{path.stem}.nodes{suffix}")
            for table, target in ((self.edges, path), (self.nodes, nodes_path)):
                if suffix == ".parquet":
                    pq.write_table(table, target, compression="zstd")
                else:
                    flat = table.drop_columns(
                        [f.name for f in table.schema if pa.types.is_list(f.type)]
                    )
                    pacsv.write_csv(flat, target)
            return [path, nodes_path]
        raise ConfigError(
            f"cannot export coordination to {path.name!r}: use .gexf, .graphml, .parquet or .csv"
        )

    def graph(self) -> Any:
        """The kept edges as an undirected networkx graph, behaviours summed per pair."""
        import networkx as nx

        graph = nx.Graph()
        for row in self.nodes.to_pylist():
            graph.add_node(
                row["account"],
                cluster=row["cluster"] or "",
                behaviours=" ".join(row["behaviours"]),
            )
        kept = self.edges.filter(self.edges["kept"])
        for row in kept.select(
            ["account_1", "account_2", "behaviour", "weight", "items"]
        ).to_pylist():
            a, b = row["account_1"], row["account_2"]
            if graph.has_edge(a, b):
                data = graph[a][b]
                data["weight"] += row["weight"]
                data["items"] += row["items"]
                data["behaviours"] += " " + row["behaviour"]
            else:
                graph.add_edge(
                    a, b, weight=row["weight"], items=row["items"], behaviours=row["behaviour"]
                )
        return graph


def detect_coordination(
    source: Store | pa.Table,
    *,
    types: Sequence[str] = DEFAULT_TYPES,
    window: float | Mapping[str, float] = DEFAULT_WINDOW,
    min_weight: int = 2,
    fdr: float = 0.01,
    max_group: int = 1000,
    min_accounts: int = 3,
    evidence: int = 5,
    progress: ProgressCallback | None = None,
) -> CoordinationResult:
    """Find clusters of accounts that act in sync more often than chance allows.

    `types`: behaviours to look at (see `BEHAVIOURS`). `window`: seconds within which two
    actions count as synchronised, one for all behaviours or one per behaviour.
    `min_weight`: synchronised items an edge needs before it is tested. `fdr`: the false
    discovery rate at which edges are kept. `max_group`: actions per item and time bucket
    beyond which the item contributes no pairs (reported in `capped`). `min_accounts`:
    smallest cluster reported. `evidence`: top items listed per cluster. `progress(step,
    done, total)` is told of the long steps: texts normalised and signed, slices of pairs,
    batches of tests.
    """
    unknown = sorted(set(types) - set(BEHAVIOURS))
    if unknown or not types:
        raise ConfigError(
            f"unknown coordination types {unknown or '(none given)'}: choose from "
            + ", ".join(BEHAVIOURS)
        )
    windows = {b: float(window[b] if isinstance(window, Mapping) else window) for b in types}
    if any(w <= 0 for w in windows.values()):
        raise ConfigError("the window must be a positive number of seconds")
    settings: dict[str, Any] = {
        "types": list(types),
        "window": windows,
        "min_weight": min_weight,
        "fdr": fdr,
        "max_group": max_group,
        "min_accounts": min_accounts,
    }
    con, posts = _connect(source)
    memory_limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    try:
        acts = actions(con, posts, types, progress)
        # The dictionaries that name integer ids again in the output.
        con.register(
            "_coord_item_names",
            acts.items.append_column("id", pa.array(range(acts.items.num_rows), pa.int32())),
        )
        con.register(
            "_coord_account_names",
            pa.table(
                {
                    "id": pa.array(range(len(acts.accounts)), pa.int32()),
                    "name": acts.accounts,
                }
            ),
        )
        capped_ids = bucket_actions(
            con, {BEHAVIOURS.index(b): w for b, w in windows.items()}, max_group=max_group
        )
        capped = _named_items(con, capped_ids)
        edges = _edges(
            con, capped_ids, acts.accounts, min_weight=min_weight, fdr=fdr, progress=progress
        )
        clusters, nodes = _clusters(con, edges, min_accounts=min_accounts, top=evidence)
    finally:
        drop_pairs(con)
        for name in ("_coord_actions", "_coord_pairs", "_coord_edge_ids"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
        for name in ("_coord_item_names", "_coord_account_names"):
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)
        con.execute(f"SET memory_limit = '{memory_limit}'")
        if isinstance(source, pa.Table):
            con.close()
    return CoordinationResult(
        clusters=clusters, edges=edges, nodes=nodes, capped=capped, settings=settings
    )


def toolkit_edges(
    edges: pa.Table, behaviour: str, min_weight: int = 1
) -> dict[tuple[str, str], int]:
    """coordination-network-toolkit's directed edges (loops left out) from our edge table.

    The toolkit's weight of user_1 -> user_2 is the number of user_1's messages matched by a
    message of user_2 within the window: `posts_1` of our undirected row, `posts_2` reversed.
    """
    out: dict[tuple[str, str], int] = {}
    rows = edges.filter(pa.compute.equal(edges["behaviour"], behaviour))
    for row in rows.select(["account_1", "account_2", "posts_1", "posts_2"]).to_pylist():
        if row["posts_1"] >= min_weight:
            out[(row["account_1"], row["account_2"])] = row["posts_1"]
        if row["posts_2"] >= min_weight:
            out[(row["account_2"], row["account_1"])] = row["posts_2"]
    return out


def cluster_id(accounts: Sequence[str]) -> str:
    """A cluster's id, derived from its member set: a rerun that finds the same accounts gives
    the same id, so stored clusters and the alerts on them (`new_cluster`) do not repeat."""
    digest = hashlib.sha256("\n".join(sorted(accounts)).encode()).hexdigest()
    return f"c-{digest[:16]}"


def _connect(source: Store | pa.Table) -> tuple[duckdb.DuckDBPyConnection, str]:
    if isinstance(source, Store):
        return source.con, "posts"
    con = duckdb.connect()
    con.register("_coord_posts", source)
    return con, "_coord_posts"


def _named_items(con: duckdb.DuckDBPyConnection, capped: pa.Table) -> pa.Table:
    con.register("_coord_capped", capped)
    try:
        return con.sql(
            """
            SELECT n.behaviour, n.item, c.actions, c.accounts, c.first_at, c.last_at
            FROM _coord_capped c JOIN _coord_item_names n ON n.id = c.item
            ORDER BY c.actions DESC, n.item
            """
        ).to_arrow_table()
    finally:
        con.unregister("_coord_capped")


def _edges(
    con: duckdb.DuckDBPyConnection,
    capped: pa.Table,
    accounts: pa.Array,
    *,
    min_weight: int,
    fdr: float,
    progress: ProgressCallback | None,
) -> pa.Table:
    """Edges with their tests. Keeps the integer-keyed edges in `_coord_edge_ids` and the
    closest match per shared item of listed edges in `_coord_pairs` for `_clusters`; returns
    the edges named.

    Most pairs are in sync once (strangers in a viral burst): they count as tests that failed
    but are not listed, unless one side has `min_weight` posts in sync in the behaviour (the
    toolkit's minimum edge weight) or the pair is tested on its posts over all behaviours.
    Counting them all exactly would cost most of the time on large data and list millions of
    edges nobody reads.
    """
    con.register("_coord_capped_ids", capped)
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _coord_held AS
            SELECT behaviour, item, account, count(*) AS posts FROM _coord_actions GROUP BY ALL;
            CREATE OR REPLACE TEMP TABLE _coord_items AS
            SELECT behaviour, item, count(*) AS accounts, sum(posts) AS actions
            FROM _coord_held GROUP BY ALL;
            CREATE OR REPLACE TEMP TABLE _coord_behaviours AS
            SELECT behaviour, ln(count(DISTINCT account)) AS ln_accounts
            FROM _coord_held GROUP BY ALL;
            CREATE OR REPLACE TEMP TABLE _coord_synced (behaviour TINYINT, n BIGINT);
            CREATE OR REPLACE TEMP TABLE _coord_tested (
                account_1 INTEGER, account_2 INTEGER, k_1 DOUBLE, k_2 DOUBLE
            );
            CREATE OR REPLACE TEMP TABLE _coord_pairs (
                behaviour TINYINT, account_1 INTEGER, account_2 INTEGER, item INTEGER,
                lag DOUBLE, t_1 DOUBLE, t_2 DOUBLE
            );
            CREATE OR REPLACE TEMP TABLE _coord_edges (
                behaviour TINYINT, account_1 INTEGER, account_2 INTEGER, items BIGINT,
                weight DOUBLE, median_lag DOUBLE, posts_1 BIGINT, posts_2 BIGINT
            )
            """
        )
        # Every pair in sync at least once is a test (see `_bh`), listed or not.
        in_sync = 0
        count = slices(con)
        for slice_ in range(count):
            match_slice(con, slice_, count)
            in_sync += _reduce_slice(con, int(min_weight))
            if progress:
                progress("pairs", slice_ + 1, count)
        drop_pairs(con)
        for name in _SLICE_TABLES:
            con.execute(f"DROP TABLE {name}")
        # p0: how often two posts of different accounts on the same item are in sync, pooled
        # over the behaviour's items: matching post pairs over all such pairs. Capped items
        # are left out of both counts, as their crowded buckets were never paired.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _coord_rates AS
            WITH synced AS (SELECT behaviour, sum(n) AS n FROM _coord_synced GROUP BY ALL),
            possible AS (
                SELECT behaviour, sum((actions * actions - squares) / 2) AS pairs
                FROM (SELECT behaviour, item, sum(posts) AS actions,
                             sum(posts * posts) AS squares
                      FROM _coord_held ANTI JOIN _coord_capped_ids USING (behaviour, item)
                      GROUP BY ALL)
                GROUP BY ALL
            )
            SELECT behaviour,
                   least(1.0, coalesce(s.n, 0) / greatest(coalesce(p.pairs, 0), 1)) AS p0
            FROM _coord_behaviours LEFT JOIN possible p USING (behaviour)
            LEFT JOIN synced s USING (behaviour)
            """
        )
        # The test is per account pair and per side, over all behaviours: of the n posts of
        # one account on items the other also acted on (at any time), k were in sync with
        # the other. A post is in sync with one of the other's m posts on its item with
        # probability 1 - (1 - p0)^m: an account that posts on an item all day is near
        # anyone's post on it by chance.
        # A pair is as significant as its weaker side: a hyperactive account is in sync with
        # anyone's few posts by chance, but not the other way round.
        # Each held item with what the test needs of it, keyed by one integer (account, item):
        # item ids are unique across behaviours.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _coord_probe AS
            SELECT h.account, (h.account::BIGINT << 32) | h.item::BIGINT AS key, h.posts,
                   pow(1 - r.p0, h.posts) AS apart
            FROM _coord_held h JOIN _coord_rates r USING (behaviour)
            -- An item only one account holds is common to no pair.
            SEMI JOIN (SELECT behaviour, item FROM _coord_items WHERE accounts > 1)
            USING (behaviour, item);
            CREATE OR REPLACE TEMP TABLE _coord_counts AS
            SELECT account, count(*) AS items FROM _coord_probe GROUP BY ALL;
            CREATE OR REPLACE TEMP TABLE _coord_sides (
                account_1 INTEGER, account_2 INTEGER, n_1 DOUBLE, k_1 DOUBLE, e_1 DOUBLE,
                n_2 DOUBLE, k_2 DOUBLE, e_2 DOUBLE
            )
            """
        )
        # Posts are counted per behaviour here (n can only be larger than the posts at
        # stake: conservative), in batches of pairs. The rows of common items stream through
        # the joins into the sums; each batch builds the hash table of `_coord_probe` again,
        # so batches are few.
        tested = con.execute("SELECT count(*) FROM _coord_tested").fetchall()[0][0]
        batches = max(1, math.ceil(tested / _PAIRS_PER_BATCH))
        for batch in range(batches):
            con.execute(
                f"""
                INSERT INTO _coord_sides
                WITH tested AS (
                    SELECT CASE WHEN c1.items <= c2.items THEN t.account_1
                                ELSE t.account_2 END AS x,
                           CASE WHEN c1.items <= c2.items THEN t.account_2
                                ELSE t.account_1 END AS y
                    FROM _coord_tested t
                    JOIN _coord_counts c1 ON c1.account = t.account_1
                    JOIN _coord_counts c2 ON c2.account = t.account_2
                    WHERE hash(t.account_1, t.account_2) % {batches} = {batch}
                ),
                -- Items both hold, found by walking the items of the account that holds
                -- fewer (x) and probing the other's (y): work per pair is the smaller count.
                -- `apart` is (1 - p0)^posts: the chance that none of one side's posts on the
                -- item is in sync with a given post of the other.
                sums AS (
                    SELECT t.x, t.y, sum(s.posts) AS n_x, sum(s.posts * (1 - o.apart)) AS e_x,
                           sum(o.posts) AS n_y, sum(o.posts * (1 - s.apart)) AS e_y
                    FROM tested t
                    JOIN _coord_probe s ON s.account = t.x
                    JOIN _coord_probe o ON o.key = (t.y::BIGINT << 32) | (s.key & 4294967295)
                    GROUP BY t.x, t.y
                )
                SELECT t.account_1, t.account_2,
                       CASE WHEN s.x = t.account_1 THEN n_x ELSE n_y END, t.k_1,
                       CASE WHEN s.x = t.account_1 THEN e_x ELSE e_y END,
                       CASE WHEN s.x = t.account_1 THEN n_y ELSE n_x END, t.k_2,
                       CASE WHEN s.x = t.account_1 THEN e_y ELSE e_x END
                FROM sums s JOIN _coord_tested t
                  ON t.account_1 = least(s.x, s.y) AND t.account_2 = greatest(s.x, s.y)
                """
            )
            if progress:
                progress("tests", batch + 1, batches)
        sides = con.sql("SELECT * FROM _coord_sides ORDER BY account_1, account_2").to_arrow_table()
        # The number in sync is a sum of Bernoulli trials with unequal rates; a binomial with
        # their mean rate has a tail at least as heavy above the mean (Hoeffding 1956), so its
        # p-value is a conservative one. `bdtrc` is the binomial's survival function (P(X > k))
        # without importing scipy.stats, which takes most of a second.
        side_p = [
            bdtrc(
                sides[f"k_{i}"].to_numpy().astype(np.int64) - 1,
                sides[f"n_{i}"].to_numpy().astype(np.int64),
                np.clip(
                    sides[f"e_{i}"].to_numpy() / np.maximum(sides[f"n_{i}"].to_numpy(), 1),
                    1e-12,
                    1.0,
                ),
            )
            for i in (1, 2)
        ]
        p = np.maximum(side_p[0], side_p[1])
        q = _bh(p, in_sync)
        con.register(
            "_coord_tests",
            pa.table(
                {
                    "account_1": sides["account_1"],
                    "account_2": sides["account_2"],
                    "p_value": pa.array(p),
                    "q_value": pa.array(q),
                }
            ),
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _coord_edge_ids AS
            SELECT e.behaviour, e.account_1, e.account_2, e.posts_1, e.posts_2, e.items,
                   e.weight, e.median_lag,
                   coalesce(t.p_value, 1.0) AS p_value, coalesce(t.q_value, 1.0) AS q_value,
                   coalesce(t.q_value <= {float(fdr)}, false) AS kept
            FROM _coord_edges e
            LEFT JOIN _coord_tests t USING (account_1, account_2)
            """
        )
        con.unregister("_coord_tests")
        # Named through dictionaries rather than strings: millions of edges on large data,
        # each naming two accounts. Account ids follow the sorted names, so ordering by id
        # orders by name.
        by_name = sorted(range(len(BEHAVIOURS)), key=BEHAVIOURS.__getitem__)
        ids = con.sql(
            f"""
            SELECT * FROM _coord_edge_ids
            ORDER BY list_position({by_name}, behaviour), account_1, account_2
            """
        ).to_arrow_table()
        return (
            ids.drop_columns(["behaviour", "account_1", "account_2"])
            .add_column(0, "behaviour", _named(ids["behaviour"], pa.array(BEHAVIOURS)))
            .add_column(1, "account_1", _named(ids["account_1"], accounts))
            .add_column(2, "account_2", _named(ids["account_2"], accounts))
        )
    finally:
        for table_name in (
            "_coord_held",
            "_coord_items",
            "_coord_behaviours",
            "_coord_synced",
            "_coord_tested",
            "_coord_edges",
            "_coord_rates",
            "_coord_probe",
            "_coord_counts",
            "_coord_sides",
            *_SLICE_TABLES,
        ):
            con.execute(f"DROP TABLE IF EXISTS {table_name}")
        con.unregister("_coord_capped_ids")


# The per-slice tables of `_reduce_slice`, replaced at every slice.
_SLICE_TABLES = (
    "_coord_pair_rows",
    "_coord_candidates",
    "_coord_rows",
    "_coord_slice_tested",
    "_coord_listed",
    "_coord_slice_pairs",
)


def _reduce_slice(con: duckdb.DuckDBPyConnection, min_weight: int) -> int:
    """Reduce the matches of one slice of pairs (`_coord_matches`) to what the tests and the
    edges need, appended to `_coord_synced`, `_coord_tested`, `_coord_pairs` and `_coord_edges`;
    returns the number of pairs in sync at least once."""
    con.execute(
        f"""
        -- Match rows per pair: an upper bound on the posts in sync on each side, so pairs
        -- below min_weight (most: strangers in sync once) go no further.
        CREATE OR REPLACE TEMP TABLE _coord_pair_rows AS
        SELECT account_1, account_2, count(*) AS n FROM _coord_matches GROUP BY ALL;
        INSERT INTO _coord_synced
        SELECT behaviour, count(*) FROM _coord_matches
        ANTI JOIN _coord_capped_ids USING (behaviour, item) GROUP BY ALL;
        CREATE OR REPLACE TEMP TABLE _coord_candidates AS
        SELECT * FROM _coord_matches
        SEMI JOIN (SELECT account_1, account_2 FROM _coord_pair_rows WHERE n >= {min_weight})
        USING (account_1, account_2);
        CREATE OR REPLACE TEMP TABLE _coord_rows AS
        SELECT behaviour, account_1, account_2, count(*) AS n FROM _coord_candidates GROUP BY ALL;
        -- k: posts of each side in sync with the other, over all behaviours (a post counts
        -- once however many behaviours it matches in: a headline with its link).
        CREATE OR REPLACE TEMP TABLE _coord_slice_tested AS
        SELECT account_1, account_2, count(DISTINCT post_1)::DOUBLE AS k_1,
               count(DISTINCT post_2)::DOUBLE AS k_2
        FROM _coord_candidates
        GROUP BY ALL HAVING least(k_1, k_2) >= {min_weight};
        INSERT INTO _coord_tested SELECT * FROM _coord_slice_tested;
        CREATE OR REPLACE TEMP TABLE _coord_listed AS
        SELECT behaviour, account_1, account_2 FROM _coord_rows WHERE n >= {min_weight}
        UNION
        SELECT r.behaviour, r.account_1, r.account_2
        FROM _coord_rows r SEMI JOIN _coord_slice_tested USING (account_1, account_2);
        -- The closest match per shared item of listed pairs: their lags and evidence.
        CREATE OR REPLACE TEMP TABLE _coord_slice_pairs AS
        SELECT behaviour, account_1, account_2, item, min(lag) AS lag,
               arg_min(t_1, lag) AS t_1, arg_min(t_2, lag) AS t_2
        FROM _coord_candidates SEMI JOIN _coord_listed USING (behaviour, account_1, account_2)
        GROUP BY ALL;
        INSERT INTO _coord_pairs SELECT * FROM _coord_slice_pairs;
        INSERT INTO _coord_edges
        WITH posts AS (
            SELECT behaviour, account_1, account_2, count(DISTINCT post_1) AS posts_1,
                   count(DISTINCT post_2) AS posts_2
            FROM _coord_candidates SEMI JOIN _coord_listed USING (behaviour, account_1, account_2)
            GROUP BY ALL
        ),
        items AS (
            SELECT p.behaviour, p.account_1, p.account_2, count(*) AS items,
                   sum(b.ln_accounts - ln(i.accounts)) AS weight, median(p.lag) AS median_lag
            FROM _coord_slice_pairs p JOIN _coord_items i USING (behaviour, item)
            JOIN _coord_behaviours b USING (behaviour)
            GROUP BY ALL
        )
        SELECT behaviour, account_1, account_2, items, weight, median_lag, posts_1, posts_2
        FROM items JOIN posts USING (behaviour, account_1, account_2)
        """
    )
    return int(con.execute("SELECT count(*) FROM _coord_pair_rows").fetchall()[0][0])


def _named(ids: pa.ChunkedArray, names: pa.Array) -> pa.DictionaryArray:
    """Integer ids as a dictionary array over their names."""
    return pa.DictionaryArray.from_arrays(ids.combine_chunks().cast(pa.int32()), names)


def _bh(p: np.ndarray, m: int) -> np.ndarray:
    """Benjamini-Hochberg q-values over m tests: every pair in sync at least once counts, as
    pairs below `min_weight` were tested implicitly and failed."""
    q = np.ones(len(p))
    if len(p) == 0:
        return q
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, len(p) + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return q


def _clusters(
    con: duckdb.DuckDBPyConnection,
    edges: pa.Table,
    *,
    min_accounts: int,
    top: int,
) -> tuple[list[Cluster], pa.Table]:
    kept = edges.filter(edges["kept"])
    combined: dict[tuple[str, str], float] = {}
    for a, b, w in zip(
        kept["account_1"].to_pylist(),
        kept["account_2"].to_pylist(),
        kept["weight"].to_pylist(),
        strict=True,
    ):
        combined[(a, b)] = combined.get((a, b), 0.0) + max(w, 1e-6)
    membership: dict[str, int] = {}
    if combined:
        _, membership = gn.leiden(
            [(a, b, w) for (a, b), w in combined.items()], seed=_SEED, trials=3
        )
    sizes: dict[int, int] = {}
    for community in membership.values():
        sizes[community] = sizes.get(community, 0) + 1
    members_of: dict[int, list[str]] = {}
    for account, community in membership.items():
        if sizes[community] >= min_accounts:
            members_of.setdefault(community, []).append(account)
    names = {c: cluster_id(members) for c, members in members_of.items()}
    accounts = [a for a in membership if membership[a] in names]
    assignment = pa.table(
        {
            "account": pa.array(accounts, pa.string()),
            "cluster": pa.array([names[membership[a]] for a in accounts], pa.string()),
        }
    )
    con.register("_coord_assign_names", assignment)
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _coord_assign AS
            SELECT n.id AS account, a.cluster
            FROM _coord_assign_names a JOIN _coord_account_names n ON n.name = a.account;
            CREATE OR REPLACE TEMP TABLE _coord_kept AS
            SELECT * FROM _coord_edge_ids WHERE kept
            """
        )
        internal = """
            SELECT x.cluster, e.* FROM _coord_kept e
            JOIN _coord_assign x ON x.account = e.account_1
            JOIN _coord_assign y ON y.account = e.account_2 AND y.cluster = x.cluster
        """
        summary = con.sql(
            f"""
            SELECT cluster, count(*) AS edges, sum(weight) AS weight, avg(q_value) AS fdr,
                   histogram(behaviour) AS behaviours
            FROM ({internal}) GROUP BY cluster
            """
        ).fetchall()
        sync = con.sql(
            f"""
            SELECT e.cluster, median(p.lag), quantile_cont(p.lag, 0.9), avg((p.lag <= 10)::INT)
            FROM ({internal}) e JOIN _coord_pairs p USING (behaviour, account_1, account_2)
            GROUP BY e.cluster
            """
        ).fetchall()
        items = con.sql(
            f"""
            WITH hits AS (
                SELECT e.cluster, p.behaviour, p.item, p.account_1, p.account_2, p.lag,
                       least(p.t_1, p.t_2) AS t0, greatest(p.t_1, p.t_2) AS t1
                FROM ({internal}) e JOIN _coord_pairs p USING (behaviour, account_1, account_2)
            ),
            grouped AS (
                SELECT h.cluster, n.behaviour, n.item,
                       len(list_distinct(list(h.account_1) || list(h.account_2))) AS accounts,
                       to_timestamp(min(h.t0)) AS first_at, to_timestamp(max(h.t1)) AS last_at,
                       median(h.lag) AS median_lag
                FROM hits h JOIN _coord_item_names n ON n.id = h.item
                GROUP BY h.cluster, n.behaviour, n.item
            ),
            ranked AS (
                SELECT *, row_number() OVER (PARTITION BY cluster
                                             ORDER BY accounts DESC, first_at, item) AS r
                FROM grouped
            )
            SELECT cluster, behaviour, item, accounts, first_at, last_at, median_lag
            FROM ranked WHERE r <= {int(top)} ORDER BY cluster, r
            """
        ).fetchall()
        nodes = con.sql(
            """
            SELECT n.name AS account, any_value(a.cluster) AS cluster,
                   count(DISTINCT k.other) AS degree, sum(k.weight) AS weight,
                   list(DISTINCT k.behaviour ORDER BY k.behaviour) AS behaviours
            FROM (SELECT account_1 AS account, account_2 AS other, weight, behaviour
                  FROM _coord_kept
                  UNION ALL
                  SELECT account_2, account_1, weight, behaviour FROM _coord_kept) k
            JOIN _coord_account_names n ON n.id = k.account
            LEFT JOIN _coord_assign a USING (account)
            GROUP BY n.name ORDER BY n.name
            """
        ).to_arrow_table()
    finally:
        con.unregister("_coord_assign_names")
        for name in ("_coord_assign", "_coord_kept"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    # Behaviours are indices into BEHAVIOURS until here.
    nodes = nodes.set_column(
        nodes.schema.get_field_index("behaviours"),
        "behaviours",
        pa.array(
            [[BEHAVIOURS[b] for b in row] for row in nodes["behaviours"].to_pylist()],
            pa.list_(pa.string()),
        ),
    )
    by_cluster: dict[str, list[str]] = {}
    for account, cluster in zip(accounts, assignment["cluster"].to_pylist(), strict=True):
        by_cluster.setdefault(cluster, []).append(account)
    syncs = {row[0]: Sync(median=row[1], p90=row[2], within_10s=row[3]) for row in sync}
    evidence: dict[str, list[Evidence]] = {}
    for cluster, behaviour, item, n, first_at, last_at, lag in items:
        evidence.setdefault(cluster, []).append(
            Evidence(
                behaviour=behaviour,
                item=item,
                accounts=n,
                first_at=first_at,
                last_at=last_at,
                median_lag_seconds=lag,
            )
        )
    clusters = []
    for cluster, n_edges, weight, mean_q, histogram in summary:
        members = sorted(by_cluster[cluster])
        clusters.append(
            Cluster(
                id=cluster,
                accounts=members,
                behaviours=[
                    BEHAVIOURS[b] for b in sorted(histogram, key=lambda b: (-histogram[b], b))
                ],
                score=round(weight / len(members), 3),
                fdr=float(mean_q),
                edges=n_edges,
                sync=syncs[cluster],
                evidence=evidence.get(cluster, []),
            )
        )
    clusters.sort(key=lambda c: (-len(c.accounts), c.id))
    return clusters, nodes
