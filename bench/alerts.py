"""Arrival-to-alert delay while ingesting at a steady rate (target: p95 under 2 s at 5k posts/s).

    python -m bench.alerts [--rate 5000] [--seconds 60] [--rules 10] [--poll 0.25]

One thread loads simulated posts into the store at `--rate` posts per second (batches every
0.1 s, each post stamped with the wall-clock time as `created_at`); another thread runs the
alert `Watcher` on its own connection to the same database, polling every `--poll` seconds.
The rules are volume rules on different queries with one-minute windows, so each fires once a
minute. Reported: each alert's delay (fired_at minus the ingest time of the newest post it
counted) and, for every evaluation pass, the delay from the newest arrival to the pass's end.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rich.console import Console
from rich.table import Table

from voxpop.alerts import Watcher, parse_rules
from voxpop.schema import posts_to_table
from voxpop.simulate import simulate
from voxpop.store import Store

QUERIES = [
    "strike OR #PortStrikeNow",
    "heatwave",
    "#CupFinal2026",
    "vaccine",
    "bank*",
    "flood",
    "election OR fraud",
    "port",
    "glacier*",
    "lang:es",
    "lang:ar",
    "domain:youtube.com",
]


def rules_toml(n: int) -> str:
    return "".join(
        f"[[rule]]\nname = \"r{i}\"\nquery = '{QUERIES[i % len(QUERIES)]}'\n"
        'condition = "volume"\nabove = 0\nwindow = "1m"\ncooldown = "0m"\n'
        for i in range(n)
    )


def feed(
    db: Path, posts: pa.Table, rate: int, seconds: float, done: threading.Event
) -> tuple[int, float]:
    """Load `rate` posts per second for `seconds`; returns the count and the seconds it took.

    Every 0.1 s it stores the posts due by then: when a store was slow, the next batch is
    larger, so the rate holds on average (as a collector with a backlog behaves). Batches are
    slices of a prepared Arrow table whose `created_at` and `post_id` columns are replaced
    (vectorised), so that making a batch costs little next to storing it.
    """
    sent = 0
    index = posts.schema.get_field_index
    with Store(db) as store:
        began = time.monotonic()
        while (elapsed := time.monotonic() - began) < seconds:
            due = min(int(elapsed * rate) - sent, posts.num_rows // 2)
            if due < rate // 10:
                time.sleep(max(0.0, (sent + rate // 10) / rate - elapsed))
                continue
            chunk = posts.slice(sent % (posts.num_rows - due), due)
            stamp = pa.array([datetime.now(UTC)] * due, chunk.column("created_at").type)
            ids = pc.binary_join_element_wise(
                chunk.column("post_id"), pa.array([str(sent)] * due, pa.string()), "-"
            )
            chunk = chunk.set_column(index("created_at"), "created_at", stamp)
            chunk = chunk.set_column(index("post_id"), "post_id", ids)
            store.upsert_posts(chunk)
            sent += due
        elapsed = time.monotonic() - began
    done.set()
    return sent, elapsed


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    p50, p95 = np.percentile(values, [50, 95])
    return f"{p50:.2f} / {p95:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rules", type=int, default=10)
    parser.add_argument("--poll", type=float, default=0.25)
    args = parser.parse_args()
    posts = pa.concat_tables(
        posts_to_table([p for p in chunk if not p.context])
        for chunk in simulate(posts=50_000, seed=1)
    )
    rules = parse_rules(rules_toml(args.rules))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "alerts.duckdb"
        Store(db).close()  # migrate once, before the two threads open it
        done = threading.Event()
        result: dict[str, tuple[int, float]] = {}
        feeder = threading.Thread(
            target=lambda: result.update(fed=feed(db, posts, args.rate, args.seconds, done))
        )
        alert_delays: list[float] = []
        pass_delays: list[float] = []
        with Store(db) as store:
            watcher = Watcher(store, rules, deliver=False)
            feeder.start()
            while not done.is_set():
                began = time.monotonic()
                for alert in watcher.check():
                    if alert.delay_seconds is not None:
                        alert_delays.append(alert.delay_seconds)
                if watcher.seen is not None:
                    pass_delays.append((datetime.now(UTC) - watcher.seen).total_seconds())
                done.wait(max(0.0, args.poll - (time.monotonic() - began)))
            feeder.join()
    sent, elapsed = result["fed"]
    table = Table(title="Arrival-to-alert delay (seconds)", title_justify="left")
    for column in ("measure", "samples", "p50 / p95", "target p95"):
        table.add_column(column, justify="right")
    table.add_row("alert delay", str(len(alert_delays)), percentiles(alert_delays), "< 2")
    table.add_row("evaluation pass", str(len(pass_delays)), percentiles(pass_delays), "< 2")
    console = Console()
    console.print(table)
    load = os.getloadavg()[0]
    console.print(
        f"ingested {sent:,} posts at {sent / elapsed:,.0f}/s (asked {args.rate:,}/s), "
        f"{args.rules} rules, poll {args.poll}s, load average {load:.1f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
