"""The pair kernel: accounts acting on the same item within a time window, as edges with evidence.

Actions are partitioned by (behaviour, item, time bucket of one window): two actions can only
be within a window of each other if their buckets are equal or adjacent, so the self-join is an
equality join on (behaviour, item, bucket) against the three neighbouring buckets, and the
work per partition is bounded by its size. A partition holding more than `max_group` actions
(one URL posted by 100,000 accounts in a minute) contributes no pairs: it would make
max_group^2 of them, and an item that popular is no evidence of coordination anyway. Capped
partitions are returned so that the output can say what was left out.

Edges are undirected (account_1 < account_2) and keep both directed counts of
coordination-network-toolkit: `posts_1` is the number of distinct posts of account_1 with a
match by account_2 within the window (the toolkit's weight of account_1 -> account_2), and
`posts_2` the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa

__all__ = ["closest_matches", "co_action_pairs", "drop_pairs"]


def co_action_pairs(
    con: duckdb.DuckDBPyConnection,
    actions: pa.Table,
    windows: Mapping[int, float],
    *,
    max_group: int,
) -> pa.Table:
    """Find synchronised pairs among `actions` (`ACTION_SCHEMA`, integer ids; `windows` by
    behaviour index); returns the capped partitions (behaviour, item ids, counts, times).

    Leaves a temporary table in `con` for the next steps (drop it with `drop_pairs`):
    `_coord_matches`, one row per pair of matching posts (behaviour, item, account_1,
    account_2, post_1, post_2, t_1, t_2, lag).
    """
    con.register("_coord_actions_in", actions)
    con.register(
        "_coord_windows",
        pa.table(
            {
                "behaviour": pa.array(list(windows), pa.int8()),
                "win": pa.array(list(windows.values()), pa.float64()),
            }
        ),
    )
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _coord_bucketed AS
            SELECT a.*, w.win, floor(a.t / w.win)::BIGINT AS bucket,
                   count(*) OVER (PARTITION BY a.behaviour, a.item,
                                  floor(a.t / w.win)::BIGINT) AS group_size
            FROM _coord_actions_in a JOIN _coord_windows w USING (behaviour)
            """
        )
        capped = con.sql(
            f"""
            SELECT behaviour, item, count(*) AS actions,
                   count(DISTINCT account) AS accounts,
                   to_timestamp(min(t)) AS first_at, to_timestamp(max(t)) AS last_at
            FROM _coord_bucketed WHERE group_size > {int(max_group)}
            GROUP BY behaviour, item ORDER BY actions DESC, item
            """
        ).to_arrow_table()
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _coord_matches AS
            WITH kept AS (
                SELECT behaviour, item, account, post, t, win, bucket
                FROM _coord_bucketed WHERE group_size <= {int(max_group)}
            ),
            shifted AS (
                SELECT k.*, k.bucket + d.d AS probe
                FROM kept k, (VALUES (-1), (0), (1)) d(d)
            )
            SELECT a.behaviour, a.item, a.account AS account_1, b.account AS account_2,
                   a.post AS post_1, b.post AS post_2, a.t AS t_1, b.t AS t_2,
                   abs(b.t - a.t) AS lag
            FROM shifted a JOIN kept b
              ON a.behaviour = b.behaviour AND a.item = b.item AND a.probe = b.bucket
            WHERE a.account < b.account AND abs(b.t - a.t) <= a.win
            """
        )
        return capped
    finally:
        con.execute("DROP TABLE IF EXISTS _coord_bucketed")
        con.unregister("_coord_actions_in")
        con.unregister("_coord_windows")


def closest_matches(con: duckdb.DuckDBPyConnection, pairs: str) -> None:
    """`_coord_pairs`: for the (behaviour, account_1, account_2) rows of the table `pairs`, one
    row per item they share with the smallest lag and the times t_1, t_2 of that closest match.

    Only for pairs worth listing: grouped over all 81M matches of 10M posts, it took ~20 s and
    ~2.7 GB of the peak, mostly for pairs that are then dropped.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _coord_pairs AS
        SELECT behaviour, account_1, account_2, item, min(lag) AS lag,
               arg_min(t_1, lag) AS t_1, arg_min(t_2, lag) AS t_2
        FROM _coord_matches SEMI JOIN {pairs} USING (behaviour, account_1, account_2)
        GROUP BY behaviour, account_1, account_2, item
        """
    )


def drop_pairs(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary tables `co_action_pairs` and `closest_matches` left."""
    con.execute("DROP TABLE IF EXISTS _coord_matches")
    con.execute("DROP TABLE IF EXISTS _coord_pairs")
