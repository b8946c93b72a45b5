"""Coordination detection vs coordination-network-toolkit: quality on truth, speed, memory.

    python -m bench.coordination --posts 100000 --seeds 1 2 3 [--similar]

For each seed: simulate posts in the toolkit's CSV layout, then in child processes (wall time
and peak RSS each) voxpop (ingest into a fresh DuckDB store + detect_coordination with
defaults) and the toolkit (preprocess + co_retweet, co_tweet, co_link, and co_similar_tweet
with --similar, all at its defaults: 60 s window, min weight 1). Account-level precision,
recall and F1 against truth.json campaigns: voxpop's flagged accounts are its clusters'; the
toolkit's are every account on a non-loop edge of any network it computed.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench._measure import Measurement, measure, print_table
from voxpop.simulate import write_simulation

_OURS = """
import json
from pathlib import Path
from voxpop.analyze.coordination import detect_coordination
from voxpop.ingest import ingest
from voxpop.store import Store
with Store({db!r}) as store:
    ingest(store, [Path({csv!r})])
    result = detect_coordination(store)
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


def run(
    posts: int, seed: int, similar: bool, work: Path
) -> tuple[list[Measurement], list[tuple[str, float, float, float, int]]]:
    sim = work / f"sim-{seed}"
    write_simulation(sim, posts=posts, seed=seed, format="csv")
    csv = str(sim / "posts.csv")
    truth_doc = json.loads((sim / "truth.json").read_text())
    truth = {m for c in truth_doc["campaigns"] for m in c["members"]}
    flagged = work / f"ours-{seed}.json"
    ours = measure(
        "voxpop ingest + detect (all behaviours)",
        _OURS.format(db=str(work / f"v-{seed}.duckdb"), csv=csv, out=str(flagged)),
        posts,
    )
    rows = [ours]
    db = str(work / f"cnt-{seed}.db")
    rows.append(measure("toolkit preprocess", _PREPROCESS.format(db=db, csv=csv), posts))
    networks = [n for n in _NETWORKS if similar or n != "co_similar_tweet"]
    for name in networks:
        rows.append(
            measure(f"toolkit {name}", _TOOLKIT.format(function=_NETWORKS[name], db=db), posts)
        )
    toolkit_total = Measurement(
        "toolkit total",
        posts,
        sum(r.seconds for r in rows[1:]),
        max(r.peak_rss_mb for r in rows[1:]),
    )
    rows.append(toolkit_total)
    found_ours = set(json.loads(flagged.read_text()))
    with sqlite3.connect(db) as con:
        found_toolkit = {
            account
            for name in networks
            for pair in con.execute(
                f"SELECT user_1, user_2 FROM {name}_network WHERE user_1 != user_2"
            )
            for account in pair
        }
    quality = [
        ("voxpop (defaults)", *_scores(found_ours, truth), len(found_ours)),
        ("toolkit (defaults, union)", *_scores(found_toolkit, truth), len(found_toolkit)),
    ]
    return rows, quality


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument(
        "--similar", action="store_true", help="also run the toolkit's co_similar_tweet (slow)"
    )
    args = parser.parse_args()
    console = Console()
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            rows, quality = run(args.posts, seed, args.similar, Path(tmp))
        print_table(f"coordination, {args.posts:,} simulated posts, seed {seed}", rows)
        ours, total = rows[0], rows[-1]
        console.print(
            f"voxpop total is {total.seconds / ours.seconds:.1f}x faster than the toolkit total"
        )
        table = Table(title=f"account-level quality vs truth, seed {seed}", title_justify="left")
        for column in ("tool", "precision", "recall", "F1", "flagged"):
            table.add_column(column, justify="left" if column == "tool" else "right")
        for name, p, r, f1, n in quality:
            table.add_row(name, f"{p:.3f}", f"{r:.3f}", f"{f1:.3f}", f"{n:,}")
        console.print(table)


if __name__ == "__main__":
    main()
