"""Ingest throughput and peak memory: voxpop vs coordination-network-toolkit's preprocess.

    python -m bench.ingest [--posts 1000000] [--seed 1] [--workdir /tmp/voxpop-bench]

Simulates the same posts twice (twarc2 JSON lines for voxpop, the toolkit's CSV layout for the
toolkit), then times each tool loading them into its own database, each in a fresh child
process so that peak RSS is its own. voxpop reads a large file in parts in worker processes:
its peak RSS is its own peak plus each worker's, and its CPU time is theirs together. The load
average is printed with the figures, since the machine may be shared. Needs the bench extra:
pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path
from typing import Literal

from bench._measure import Measurement, measure, print_table
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
    load_before = os.getloadavg()
    voxpop_usage, toolkit_usage = args.workdir / "voxpop_usage.json", args.workdir / "toolkit.json"
    voxpop = measure(
        "voxpop ingest (twarc2 JSONL -> DuckDB)",
        "from pathlib import Path; import voxpop\n"
        f"with voxpop.Store({str(voxpop_db)!r}) as s:\n"
        f"    r = voxpop.ingest(s, [Path({str(jsonl)!r})])\n"
        "    print(r.summary())\n" + _write_usage(voxpop_usage),
        args.posts,
    )
    toolkit = measure(
        "coordination-network-toolkit preprocess (CSV -> SQLite)",
        "from coordination_network_toolkit.preprocess import preprocess_csv_files\n"
        f"preprocess_csv_files({str(toolkit_db)!r}, [{str(csv)!r}])\n"
        + _write_usage(toolkit_usage),
        args.posts,
    )
    load_after = os.getloadavg()
    ours, theirs = json.loads(voxpop_usage.read_text()), json.loads(toolkit_usage.read_text())
    # voxpop's workers (one per core it may use) are its children; the toolkit has none.
    workers = len(os.sched_getaffinity(0))
    voxpop_mb = ours["own_mb"] + workers * ours["children_mb"]
    voxpop = Measurement(voxpop.name, voxpop.items, voxpop.seconds, voxpop_mb)
    print_table(f"Ingest of {args.posts:,} simulated posts (seed {args.seed})", [toolkit, voxpop])
    toolkit_cpu = theirs["cpu"] + theirs["children_cpu"]
    voxpop_cpu = ours["cpu"] + ours["children_cpu"]
    print(f"toolkit CPU time {toolkit_cpu:.1f} s: {args.posts / toolkit_cpu:,.0f} posts/CPU-s")
    print(
        f"voxpop CPU time {voxpop_cpu:.1f} s ({ours['cpu']:.1f} s writer, "
        f"{ours['children_cpu']:.1f} s in {workers} workers): "
        f"{args.posts / voxpop_cpu:,.0f} posts/CPU-s "
        f"({toolkit_cpu / voxpop_cpu:.2f}x the toolkit's); peak RSS {ours['own_mb']:,.0f} MB "
        f"+ {workers} x {ours['children_mb']:,.0f} MB"
    )
    print("load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*load_before))
    print("load average (1, 5, 15 min) after:  {:.2f} {:.2f} {:.2f}".format(*load_after))


def _write_usage(out: Path) -> str:
    """Code for the end of a measured step: its CPU time and peak RSS, and its children's, as
    JSON in `out`. CPU time is what a shared machine's load distorts least."""
    return (
        "import json, resource; from pathlib import Path\n"
        "own, children = (resource.getrusage(w) for w in "
        "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
        f"Path({str(out)!r}).write_text(json.dumps({{"
        "'cpu': own.ru_utime + own.ru_stime, 'own_mb': own.ru_maxrss / 1024, "
        "'children_cpu': children.ru_utime + children.ru_stime, "
        "'children_mb': children.ru_maxrss / 1024}))\n"
    )


if __name__ == "__main__":
    main()
