"""Coordination results kept in the store: runs, clusters, and each cluster's nodes and edges.

`save_clusters` writes one run of `detect_coordination`; `stored_clusters` reads the latest
run's clusters back, `stored_cluster` one cluster with its network (the dashboard's network
view). Cluster ids derive from the member set (`coordination.cluster_id`), so a rerun that
finds the same accounts stores the same id again, and the `new_cluster` alert rule, which reads
`coordination_clusters(cluster_id, created_at)`, does not fire twice for it. Every run is kept:
`first_seen_at` says when a cluster id was first stored.

Only what a cluster needs is stored: its accounts, its internal kept edges and its members as
nodes; the full edge table (every pair tested) is an export (`CoordinationResult.write`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pyarrow as pa

from voxpop.analyze.coordination import Cluster, CoordinationResult, Evidence, Sync
from voxpop.store import Store

__all__ = ["save_clusters", "stored_cluster", "stored_clusters"]

_CLUSTER_COLUMNS = """cluster_id, accounts, behaviours, score, fdr, edges, median_lag, p90_lag,
    within_10s, evidence"""


def save_clusters(store: Store, result: CoordinationResult) -> str:
    """Store one run's clusters, with their member nodes and internal edges; returns the run id.

    `created_at` of every row is the wall-clock time of this call.
    """
    created = datetime.now(UTC)
    run_id = f"{created:%Y%m%dT%H%M%S%fZ}"
    clusters = pa.table(
        {
            "cluster_id": pa.array([c.id for c in result.clusters], pa.string()),
            "rank": pa.array(range(1, len(result.clusters) + 1), pa.int32()),
            "accounts": pa.array([c.accounts for c in result.clusters], pa.list_(pa.string())),
            "behaviours": pa.array([c.behaviours for c in result.clusters], pa.list_(pa.string())),
            "score": pa.array([c.score for c in result.clusters], pa.float64()),
            "fdr": pa.array([c.fdr for c in result.clusters], pa.float64()),
            "edges": pa.array([c.edges for c in result.clusters], pa.int64()),
            "median_lag": pa.array([c.sync.median for c in result.clusters], pa.float64()),
            "p90_lag": pa.array([c.sync.p90 for c in result.clusters], pa.float64()),
            "within_10s": pa.array([c.sync.within_10s for c in result.clusters], pa.float64()),
            "evidence": pa.array(
                [msgspec.json.encode(c.evidence).decode() for c in result.clusters], pa.string()
            ),
        }
    )
    summary = result.to_json()
    con = store.con
    con.register("_coord_save_clusters", clusters)
    con.register("_coord_save_nodes", result.nodes)
    con.register("_coord_save_edges", result.edges)
    try:
        with store.transaction():
            con.execute(
                "INSERT INTO coordination_runs VALUES (?, ?, ?, ?, ?)",
                [
                    run_id,
                    created,
                    msgspec.json.encode(summary["settings"]).decode(),
                    msgspec.json.encode(summary["counts"]).decode(),
                    msgspec.json.encode(summary["capped_items"]).decode(),
                ],
            )
            con.execute(
                """
                INSERT INTO coordination_clusters
                SELECT ? AS run_id, c.cluster_id, ? AS created_at,
                       coalesce(s.first_seen_at, ?) AS first_seen_at, c.* EXCLUDE (cluster_id)
                FROM _coord_save_clusters c
                LEFT JOIN (SELECT cluster_id, min(created_at) AS first_seen_at
                           FROM coordination_clusters GROUP BY ALL) s USING (cluster_id)
                """,
                [run_id, created, created],
            )
            con.execute(
                """
                INSERT INTO coordination_nodes
                SELECT ?, cluster, account, degree, weight, behaviours
                FROM _coord_save_nodes WHERE cluster IS NOT NULL
                """,
                [run_id],
            )
            con.execute(
                """
                INSERT INTO coordination_edges
                SELECT ?, x.cluster, e.behaviour, e.account_1, e.account_2, e.posts_1,
                       e.posts_2, e.items, e.weight, e.median_lag, e.p_value, e.q_value
                FROM _coord_save_edges e
                JOIN _coord_save_nodes x ON x.account = e.account_1
                JOIN _coord_save_nodes y ON y.account = e.account_2 AND y.cluster = x.cluster
                WHERE e.kept
                """,
                [run_id],
            )
    finally:
        for name in ("_coord_save_clusters", "_coord_save_nodes", "_coord_save_edges"):
            con.unregister(name)
    return run_id


def stored_clusters(store: Store, *, limit: int | None = None) -> list[Cluster]:
    """The clusters of the latest stored run, largest first; [] when none was stored."""
    query = f"""
        SELECT {_CLUSTER_COLUMNS} FROM coordination_clusters
        WHERE run_id = (SELECT max(run_id) FROM coordination_runs)
        ORDER BY rank
    """
    if limit is not None:
        rows = store.con.execute(query + " LIMIT ?", [limit]).fetchall()
    else:
        rows = store.con.execute(query).fetchall()
    return [_cluster(row) for row in rows]


def stored_cluster(store: Store, cluster_id: str) -> tuple[Cluster, pa.Table, pa.Table] | None:
    """One cluster of the latest run that found it, with its nodes (account, degree, weight,
    behaviours) and internal edges (one row per behaviour and account pair); None if unknown."""
    rows = store.con.execute(
        f"""
        SELECT run_id, {_CLUSTER_COLUMNS} FROM coordination_clusters
        WHERE cluster_id = ? ORDER BY run_id DESC LIMIT 1
        """,
        [cluster_id],
    ).fetchall()
    if not rows:
        return None
    run_id, *values = rows[0]
    key = [run_id, cluster_id]
    nodes = store.con.sql(
        """
        SELECT account, degree, weight, behaviours FROM coordination_nodes
        WHERE run_id = $1 AND cluster_id = $2 ORDER BY account
        """,
        params=key,
    ).to_arrow_table()
    edges = store.con.sql(
        """
        SELECT * EXCLUDE (run_id, cluster_id) FROM coordination_edges
        WHERE run_id = $1 AND cluster_id = $2 ORDER BY behaviour, account_1, account_2
        """,
        params=key,
    ).to_arrow_table()
    return _cluster(tuple(values)), nodes, edges


def _cluster(row: tuple[Any, ...]) -> Cluster:
    ident, accounts, behaviours, score, fdr, edges, median, p90, within, evidence = row
    return Cluster(
        id=str(ident),
        accounts=list(accounts),
        behaviours=list(behaviours),
        score=float(score),
        fdr=float(fdr),
        edges=int(edges),
        sync=Sync(median=float(median), p90=float(p90), within_10s=float(within)),
        evidence=msgspec.json.decode(str(evidence), type=list[Evidence]),
    )
