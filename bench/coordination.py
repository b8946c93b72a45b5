"""Coordination detection vs coordination-network-toolkit: quality on truth, speed, memory.

    python -m bench.coordination --posts 100000 --seeds 1 2 3 [--similar] [--window 60]
    python -m bench.coordination --data /tmp/sim10m --no-toolkit     # an existing simulation

For each seed: simulate posts in the toolkit's CSV layout (or read `--data`: posts.csv and
truth.json), then in child processes (wall time and peak RSS each) voxpop's ingest into a fresh
DuckDB store, `detect_coordination` with defaults on it, and co-similar alone; and the toolkit
(preprocess + co_retweet, co_tweet, co_link, and co_similar_tweet with --similar, all at its
defaults: 60 s window, min weight 1). Account-level precision, recall and F1 against
truth.json campaigns: voxpop's flagged accounts are its clusters'; the toolkit's are every
account on a non-loop edge of any network it computed. The load average is printed before and
after: the figures are wall-clock times on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench._measure import Measurement, measure, print_table
from voxpop.simulate import write_simulation

_INGEST = """
from pathlib import Path
from voxpop.ingest import ingest
from voxpop.store import Store
with Store({db!r}) as store:
    ingest(store, [Path({csv!r})])
"""

_DETECT = """
import json
from pathlib import Path
from voxpop.analyze.coordination import detect_coordination
from voxpop.store import Store
with Store({db!r}, read_only=True) as store:
    result = detect_coordination(store, **{options!r})
Path({out!r}).write_text(json.dumps(sorted({{a for c in result.clusters for a in c.accounts}})))
"""

_TOOLKIT = """
from coordination_network_toolkit import compute_networks as cn
cn.{function}({db!r}, 60, n_threads=2, min_edge_weight=1)
"""

_PREPROCESS = """
from coordination_network_toolkit.preprocess import preprocess_csv_files
preprocess_csv_files({db!r}, [{csv!r}])
"""

_NETWORKS = {
    "co_retweet": "compute_co_retweet_parallel",
    "co_tweet": "compute_co_tweet_network",
    "co_link": "compute_co_link_network",
    "co_similar_tweet": "compute_co_similar_tweet",
}


def _scores(found: set[str], truth: set[str]) -> tuple[float, float, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run(
    sim: Path, posts: int, options: dict[str, object], toolkit: bool, similar: bool, work: Path
) -> tuple[list[Measurement], list[tuple[str, float, float, float, int]], list[str]]:
    csv = str(sim / "posts.csv")
    truth_doc = json.loads((sim / "truth.json").read_text())
    truth = {m for c in truth_doc["campaigns"] for m in c["members"]}
    db = str(work / "v.duckdb")
    flagged = work / "ours.json"
    ingest = measure("voxpop ingest", _INGEST.format(db=db, csv=csv), posts)
    detect = measure(
        "voxpop detect (all behaviours)",
        _DETECT.format(db=db, options=options, out=str(flagged)),
        posts,
    )
    total = Measurement(
        "voxpop total",
        posts,
        ingest.seconds + detect.seconds,
        max(ingest.peak_rss_mb, detect.peak_rss_mb),
    )
    co_similar = measure(
        "voxpop co-similar alone",
        _DETECT.format(
            db=db, options={**options, "types": ["co-similar"]}, out=str(work / "similar.json")
        ),
        posts,
    )
    rows = [total, ingest, detect, co_similar]
    found_ours = set(json.loads(flagged.read_text()))
    quality = [("voxpop (defaults)", *_scores(found_ours, truth), len(found_ours))]
    notes: list[str] = []
    if not toolkit:
        return rows, quality, notes
    cnt = str(work / "cnt.db")
    theirs = [measure("toolkit preprocess", _PREPROCESS.format(db=cnt, csv=csv), posts)]
    networks = [n for n in _NETWORKS if similar or n != "co_similar_tweet"]
    for name in networks:
        theirs.append(
            measure(f"toolkit {name}", _TOOLKIT.format(function=_NETWORKS[name], db=cnt), posts)
        )
    toolkit_total = Measurement(
        "toolkit total",
        posts,
        sum(r.seconds for r in theirs),
        max(r.peak_rss_mb for r in theirs),
    )
    rows += [*theirs, toolkit_total]
    notes.append(
        f"voxpop total is {toolkit_total.seconds / total.seconds:.1f}x faster than the toolkit "
        "total (ingest/preprocess included)"
    )
    if similar:
        notes.append(
            f"voxpop co-similar is {theirs[-1].seconds / co_similar.seconds:.1f}x faster than "
            "the toolkit's co_similar_tweet (ours includes reading the posts, normalising, "
            "MinHash, pairs, tests and clusters)"
        )
    with sqlite3.connect(cnt) as con:
        found_toolkit = {
            account
            for name in networks
            for pair in con.execute(
                f"SELECT user_1, user_2 FROM {name}_network WHERE user_1 != user_2"
            )
            for account in pair
        }
    quality.append(
        ("toolkit (defaults, union)", *_scores(found_toolkit, truth), len(found_toolkit))
    )
    return rows, quality, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--data", type=Path, help="an existing simulation folder (csv format)")
    parser.add_argument(
        "--similar", action="store_true", help="also run the toolkit's co_similar_tweet (slow)"
    )
    parser.add_argument("--no-toolkit", action="store_true", help="measure voxpop only")
    parser.add_argument("--window", type=float, help="voxpop's window [default: its default]")
    args = parser.parse_args()
    options: dict[str, object] = {} if args.window is None else {"window": args.window}
    console = Console()
    runs = [(args.data, None)] if args.data else [(None, seed) for seed in args.seeds]
    for data, seed in runs:
        console.print(f"load average before: {_load()}")
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            if data is None:
                data = work / "sim"
                write_simulation(data, posts=args.posts, seed=seed or 0, format="csv")
            posts = json.loads((data / "truth.json").read_text())["posts"]
            rows, quality, notes = run(
                data, posts, options, not args.no_toolkit, args.similar, work
            )
        label = f"seed {seed}" if seed is not None else str(data)
        print_table(f"coordination, {posts:,} simulated posts, {label}", rows)
        for note in notes:
            console.print(note)
        console.print(f"load average after: {_load()}")
        table = Table(title=f"account-level quality vs truth, {label}", title_justify="left")
        for column in ("tool", "precision", "recall", "F1", "flagged"):
            table.add_column(column, justify="left" if column == "tool" else "right")
        for name, p, r, f1, n in quality:
            table.add_row(name, f"{p:.3f}", f"{r:.3f}", f"{f1:.3f}", f"{n:,}")
        console.print(table)


if __name__ == "__main__":
    main()
