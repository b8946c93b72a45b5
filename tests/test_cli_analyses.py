"""The analysis commands end to end: simulate, ingest, analyse, all through the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from voxpop.alerts import evaluate, parse_rules
from voxpop.cli import cli
from voxpop.store import Store


def run_json(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def simulated_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("sim")
    summary = run_json("simulate", "--posts", "20000", "--seed", "4", "--out", str(folder))
    assert summary["posts"] == 20000
    db = str(folder / "sim.duckdb")
    ingested = run_json("--db", db, "ingest", str(folder / "posts.jsonl"))
    assert ingested["summary"]["posts_new"] == 20000
    return db, folder


def test_coordination_command(simulated_db: tuple[str, Path], tmp_path: Path) -> None:
    db, folder = simulated_db
    out = tmp_path / "network.gexf"
    result = run_json("--db", db, "coordination", "--out", str(out))
    truth = json.loads((folder / "truth.json").read_text())
    planted = {a for c in truth["campaigns"] for a in c["members"]}
    flagged = {a for c in result["clusters"] for a in c["accounts"]}
    assert result["clusters"] and set(result["clusters"][0]) >= {
        "id",
        "accounts",
        "behaviours",
        "score",
        "evidence",
    }
    assert len(flagged & planted) / len(flagged) > 0.9
    assert len(flagged & planted) / len(planted) > 0.9
    assert result["files"] == [str(out)] and out.read_text().startswith("<?xml")


def test_enrich_command_is_incremental(simulated_db: tuple[str, Path]) -> None:
    db, _ = simulated_db
    first = run_json("--db", db, "enrich", "--sentiment", "--embed", "hashing")
    assert {s["step"]: s["posts"] for s in first["steps"]} == {
        "language": 20000,
        "sentiment": 20000,
        "embedding": 20000,
    }
    again = run_json("--db", db, "enrich", "--sentiment", "--embed", "hashing")
    assert again["posts_annotated"] == 0


def test_search_trends_and_surges_commands(simulated_db: tuple[str, Path], tmp_path: Path) -> None:
    db, folder = simulated_db
    truth = json.loads((folder / "truth.json").read_text())
    tag = truth["surges"][0]["hashtag"]
    found = run_json("--db", db, "search", f"#{tag}", "--limit", "5")
    assert len(found) == 5 and all(tag.lower() in [h.lower() for h in p["hashtags"]] for p in found)
    csv = CliRunner().invoke(cli, ["--db", db, "search", f"#{tag}", "--limit", "2", "--csv"])
    assert csv.exit_code == 0 and csv.stdout.splitlines()[0].startswith('"platform","post_id"')
    plot = tmp_path / "trend.svg"
    curve = run_json("--db", db, "trends", f"#{tag}", "--interval", "1d", "--plot", str(plot))
    # Planted posts include reposts whose text, cut to 140 characters, may lose the tag.
    assert sum(row["posts"] for row in curve) >= 0.9 * truth["surges"][0]["posts"]
    assert plot.read_text().lstrip().startswith("<?xml")
    events = run_json("--db", db, "surges")["surges"]
    assert any(f"#{tag}".lower() in [k.lower() for k in e["keys"]] for e in events)
    bad = CliRunner().invoke(cli, ["--db", db, "search", '"unclosed'])
    assert bad.exit_code == 1 and "position" in bad.output


def test_alerts_list_and_ack(simulated_db: tuple[str, Path], tmp_path: Path) -> None:
    db, _ = simulated_db
    rules = parse_rules(
        """
        [[rule]]
        name = "any volume"
        condition = "volume"
        above = 10
        window = "30d"
        """
    )
    with Store(db) as store:
        fired = evaluate(store, rules, now=datetime(2026, 3, 9, tzinfo=UTC))
    assert len(fired) == 1
    listed = run_json("--db", db, "alerts", "--unacknowledged")["alerts"]
    assert [a["rule"] for a in listed] == ["any volume"]
    alert_id = str(listed[0]["alert_id"])
    assert run_json("--db", db, "alerts", "ack", alert_id, "--by", "tester") == {"acknowledged": 1}
    assert run_json("--db", db, "alerts", "--unacknowledged")["alerts"] == []
