"""Surge discovery against simulator truth, over several seeds.

    python -m bench.surges [--posts 200000] [--days 7] [--seeds 1 2 3]

For each seed: simulate, load the posts, run `discover_surges` as a live detector would, then
score it against truth.json: each planted hashtag surge is matched by the "#tag" surge that
alarmed between its onset and its end, giving the detection delay (alarm minus onset) and the
error of the reported start. Every other discovered surge is checked against the post labels
(truth_posts): it is *explained* when most posts carrying its key in its window belong to a
planted surge, narrative, campaign or organic event, and *false* otherwise (chatter noise).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from voxpop.analyze.surges import _keys, discover_surges
from voxpop.schema import posts_to_table
from voxpop.simulate import simulate
from voxpop.store import Store

_LABELS = ("surge", "campaign", "organic", "narrative")


def evaluate_seed(seed: int, posts: int, days: float, db: Path) -> dict[str, Any]:
    sim = simulate(posts=posts, seed=seed, days=days)
    labels: dict[str, str | None] = {}
    with Store(db) as store:
        for chunk in sim.chunks():
            store.upsert_posts(posts_to_table(chunk.posts))
            for row in sim.labels(chunk).to_pylist():
                labels[row["post_id"]] = next((k for k in _LABELS if row[k]), None)
        began = time.perf_counter()
        found = discover_surges(store)
        seconds = time.perf_counter() - began
        rows = store.con.execute(
            "SELECT post_id, created_at, text, hashtags, urls FROM posts WHERE NOT context"
        ).fetchall()
    index: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for post_id, created, text, hashtags, urls in rows:
        for key in _keys(text, hashtags, urls):
            index[key].append((created, post_id))
    planted = []
    for surge in sim.truth.surges:
        hits = [
            f
            for f in found
            if f.key == "#" + surge.hashtag.casefold() and surge.onset <= f.detected_at <= surge.end
        ]
        first = min(hits, key=lambda f: f.detected_at) if hits else None
        planted.append(
            {
                "hashtag": surge.hashtag,
                "detected": first is not None,
                "delay_min": (first.detected_at - surge.onset).total_seconds() / 60
                if first
                else None,
                "start_error_min": (first.start - surge.onset).total_seconds() / 60
                if first
                else None,
                "rise_min": (surge.peak - surge.onset).total_seconds() / 60,
            }
        )
    verdicts: Counter[str] = Counter()
    for f in found:
        end = f.end or f.start + timedelta(hours=1)
        carried = [labels.get(p) for t, p in index.get(f.key, []) if f.start <= t < end]
        counts = Counter(carried)
        labelled = sum(v for k, v in counts.items() if k)
        top = max((k for k in counts if k), key=lambda k: counts[k], default=None)
        # Explained: most of the key's posts in the window carry a planted label.
        verdicts[top if top and 2 * labelled >= len(carried) else "false"] += 1
    return {
        "seed": seed,
        "found": len(found),
        "planted": planted,
        "verdicts": dict(verdicts),
        "false_per_day": verdicts["false"] / days,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    table = Table(title=f"Surge discovery vs truth ({args.posts:,} posts, {args.days:g} days)")
    for column in (
        "seed",
        "planted surges",
        "detected",
        "delay min (each)",
        "start error min",
        "rise min",
        "false/day",
        "explained",
        "seconds",
    ):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            r = evaluate_seed(seed, args.posts, args.days, Path(tmp) / f"s{seed}.duckdb")
            p = r["planted"]
            table.add_row(
                str(seed),
                str(len(p)),
                str(sum(x["detected"] for x in p)),
                " ".join(f"{x['delay_min']:.0f}" if x["detected"] else "-" for x in p),
                " ".join(f"{x['start_error_min']:.0f}" if x["detected"] else "-" for x in p),
                " ".join(f"{x['rise_min']:.0f}" for x in p),
                f"{r['false_per_day']:.2f}",
                ", ".join(f"{k} {v}" for k, v in sorted(r["verdicts"].items()) if k != "false"),
                f"{r['seconds']:.1f}",
            )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
