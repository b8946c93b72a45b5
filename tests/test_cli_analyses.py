"""The analysis commands end to end: simulate, ingest, analyse, all through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from voxpop.cli import cli


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
