"""The pair kernel: accounts acting on the same item within a time window.

Actions are partitioned by (item, time bucket of one window; item ids are unique across
behaviours): two actions can only be within a window of each other if their buckets are equal
or adjacent, so the self-join is an equality join on one integer `cell` = (item, bucket)
against the three neighbouring cells, and the work per partition is bounded by its size. A
partition holding more than `max_group` actions (one URL posted by 100,000 accounts in a
minute) contributes no pairs: it would make max_group^2 of them, and an item that popular is
no evidence of coordination anyway. Capped partitions are returned so that the output can say
what was left out.

The matching post pairs are made one slice of accounts at a time (`match_slice`): every match
of a pair (account_1 < account_2) has the same account_1, so a slice by account_1 holds all
the evidence of its pairs, and the caller reduces each slice to per-pair aggregates before the
next. Memory then follows the largest slice, not the tens of millions of post pairs that 10M
posts make.

Pairs are undirected (account_1 < account_2) and keep both directed counts of
coordination-network-toolkit: `post_1` is a post of account_1 with a match by account_2 within
the window (counted distinct, the toolkit's weight of account_1 -> account_2), `post_2` the
reverse.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import duckdb
import pyarrow as pa

__all__ = ["bucket_actions", "drop_pairs", "match_slice", "slices"]

# Matching post pairs made per slice: ~40 bytes each in DuckDB, with the aggregates over them.
_MATCHES_PER_SLICE = 8_000_000


def bucket_actions(
    con: duckdb.DuckDBPyConnection, windows: Mapping[int, float], *, max_group: int
) -> pa.Table:
    """Bucket the table `_coord_actions` (`ACTION_SCHEMA`, integer ids; `windows` by behaviour
    index) into the temporary table `_coord_kept`, leaving out crowded partitions; returns
    those (behaviour, item ids, counts, times). Drop what it leaves with `drop_pairs`."""
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
            FROM _coord_actions a JOIN _coord_windows w USING (behaviour)
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
            CREATE OR REPLACE TEMP TABLE _coord_kept AS
            SELECT behaviour, item, account, post, t, win, group_size,
                   (item::BIGINT << 32) + bucket AS cell
            FROM _coord_bucketed WHERE group_size <= {int(max_group)}
            """
        )
        return capped
    finally:
        con.execute("DROP TABLE IF EXISTS _coord_bucketed")
        con.unregister("_coord_windows")


def slices(con: duckdb.DuckDBPyConnection) -> int:
    """How many account slices keep each slice near `_MATCHES_PER_SLICE` matching pairs.

    The sum of squared partition sizes bounds the pairs a partition makes with itself; pairs
    with the neighbouring buckets add about as many again, most of which fall outside the
    window."""
    squares = con.execute("SELECT coalesce(sum(group_size), 0) FROM _coord_kept").fetchall()[0][0]
    return max(1, math.ceil(int(squares) / _MATCHES_PER_SLICE))


def match_slice(con: duckdb.DuckDBPyConnection, slice_: int, of: int) -> None:
    """`_coord_matches`: one row per pair of matching posts (behaviour, item, account_1,
    account_2, post_1, post_2, t_1, t_2, lag) for the pairs whose account_1 is in slice
    `slice_` of `of` (by account id modulo `of`)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _coord_matches AS
        WITH shifted AS (
            SELECT k.behaviour, k.item, k.account, k.post, k.t, k.win, k.cell + d.d AS probe
            FROM _coord_kept k, (VALUES (-1), (0), (1)) d(d)
            WHERE k.account % {int(of)} = {int(slice_)}
        )
        SELECT a.behaviour, a.item, a.account AS account_1, b.account AS account_2,
               a.post AS post_1, b.post AS post_2, a.t AS t_1, b.t AS t_2,
               abs(b.t - a.t) AS lag
        FROM shifted a JOIN _coord_kept b ON a.probe = b.cell
        WHERE a.account < b.account AND abs(b.t - a.t) <= a.win
        """
    )


def drop_pairs(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary tables of this module."""
    for name in ("_coord_kept", "_coord_matches"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
