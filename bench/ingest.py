"""Ingest throughput and peak memory: voxpop vs coordination-network-toolkit's preprocess.

    python -m bench.ingest [--posts 1000000] [--seed 1] [--workdir /tmp/voxpop-bench]

Simulates the same posts twice (twarc2 JSON lines for voxpop, the toolkit's CSV layout for the
toolkit), then times each tool loading them into its own database, each in a fresh child
process so that peak RSS is its own. Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Literal

from bench._measure import measure, print_table
from voxpop.simulate import write_simulation


def simulate(workdir: Path, posts: int, seed: int) -> tuple[Path, Path]:
    jsonl, csv = workdir / "twarc2", workdir / "csv"
    layouts: tuple[tuple[Path, Literal["twitter-v2", "csv"]], ...] = (
        (jsonl, "twitter-v2"),
        (csv, "csv"),
    )
    for out, fmt in layouts:
        marker = out / "done.json"
        if marker.exists() and json.loads(marker.read_text()) == {"posts": posts, "seed": seed}:
            continue
        shutil.rmtree(out, ignore_errors=True)
        write_simulation(out, posts=posts, accounts=max(posts // 20, 50), seed=seed, format=fmt)
        marker.write_text(json.dumps({"posts": posts, "seed": seed}))
    return jsonl / "posts.jsonl", csv / "posts.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/voxpop-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    jsonl, csv = simulate(args.workdir, args.posts, args.seed)
    voxpop_db = args.workdir / "voxpop.duckdb"
    toolkit_db = args.workdir / "toolkit.db"
    for db in (voxpop_db, toolkit_db):
        db.unlink(missing_ok=True)
        Path(f"{db}.wal").unlink(missing_ok=True)
    voxpop = measure(
        "voxpop ingest (twarc2 JSONL -> DuckDB)",
        "from pathlib import Path; import voxpop\n"
        f"with voxpop.Store({str(voxpop_db)!r}) as s:\n"
        f"    r = voxpop.ingest(s, [Path({str(jsonl)!r})])\n"
        "    print(r.summary())",
        args.posts,
    )
    toolkit = measure(
        "coordination-network-toolkit preprocess (CSV -> SQLite)",
        "from coordination_network_toolkit.preprocess import preprocess_csv_files\n"
        f"preprocess_csv_files({str(toolkit_db)!r}, [{str(csv)!r}])",
        args.posts,
    )
    print_table(f"Ingest of {args.posts:,} simulated posts (seed {args.seed})", [toolkit, voxpop])


if __name__ == "__main__":
    main()
