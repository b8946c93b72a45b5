"""Coordination results in the store: saved runs, stable cluster ids, read back for the API and
the new_cluster alert rule, on a real DuckDB file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa

from voxpop.alerts import evaluate, parse_rules
from voxpop.analyze.coordination import cluster_id, detect_coordination
from voxpop.analyze.coordination_store import save_clusters, stored_cluster, stored_clusters
from voxpop.schema import posts_to_table
from voxpop.simulate import simulate
from voxpop.store import Store


def _store(path: Path) -> Store:
    store = Store(path)
    sim = simulate(posts=5_000, seed=3)
    store.upsert_posts(pa.concat_tables(posts_to_table(chunk) for chunk in sim))
    return store


def test_clusters_saved_and_read_back(tmp_path: Path) -> None:
    with _store(tmp_path / "c.duckdb") as store:
        assert stored_clusters(store) == []
        assert stored_cluster(store, "c-unknown") is None
        result = detect_coordination(store)
        assert len(result.clusters) >= 2
        run_id = save_clusters(store, result)
        assert stored_clusters(store) == result.clusters
        assert stored_clusters(store, limit=1) == result.clusters[:1]
        first = result.clusters[0]
        assert first.id == cluster_id(first.accounts)
        found = stored_cluster(store, first.id)
        assert found is not None
        cluster, nodes, edges = found
        assert cluster == first
        assert sorted(nodes["account"].to_pylist()) == first.accounts
        # Internal edges only, as many as the cluster counts, between its members.
        assert edges.num_rows == first.edges
        members = set(first.accounts)
        assert set(edges["account_1"].to_pylist()) | set(edges["account_2"].to_pylist()) <= (
            members
        )
        runs = store.con.execute("SELECT run_id, settings FROM coordination_runs").fetchall()
        assert [r[0] for r in runs] == [run_id]


def test_rerun_keeps_ids_and_alerts_fire_once(tmp_path: Path) -> None:
    # No cooldown: only the stable ids keep the second evaluation quiet.
    rules = parse_rules(
        '[[rule]]\nname = "c"\ncondition = "new_cluster"\nwindow = "1d"\ncooldown = "0m"\n'
    )
    with _store(tmp_path / "c.duckdb") as store:
        first_run = save_clusters(store, detect_coordination(store))
        first = store.con.execute(
            "SELECT cluster_id, created_at FROM coordination_clusters ORDER BY cluster_id"
        ).fetchall()
        now = first[0][1] + timedelta(seconds=1)
        fired = evaluate(store, rules, now=now, deliver=False)
        assert sorted(a.details["cluster_id"] for a in fired) == [r[0] for r in first]
        second_run = save_clusters(store, detect_coordination(store))
        assert second_run > first_run
        rows = store.con.execute(
            """SELECT cluster_id, first_seen_at, created_at FROM coordination_clusters
               WHERE run_id = ? ORDER BY cluster_id""",
            [second_run],
        ).fetchall()
        assert [r[0] for r in rows] == [r[0] for r in first]
        assert all(r[1] == first[0][1] < r[2] for r in rows)
        later = rows[0][2] + timedelta(seconds=1)
        assert evaluate(store, rules, now=later, deliver=False) == []
