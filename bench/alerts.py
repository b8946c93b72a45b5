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
from rich.console import Console
from rich.table import Table

from voxpop.alerts import Watcher, parse_rules
from voxpop.schema import Post, posts_to_table
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


def feed(db: Path, posts: list[Post], rate: int, seconds: float, done: threading.Event) -> int:
    batch = max(1, rate // 10)
    sent = 0
    with Store(db) as store:
        began = time.monotonic()
        while time.monotonic() - began < seconds:
            now = datetime.now(UTC)
            chunk = [
                Post(
                    **{f: getattr(p, f) for f in p.__struct_fields__}
                    | {"created_at": now, "post_id": f"{p.post_id}-{sent}"}
                )
                for p in posts[sent % len(posts) : sent % len(posts) + batch]
            ]
            store.upsert_posts(posts_to_table(chunk))
            sent += len(chunk)
            pause = began + sent / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    done.set()
    return sent


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
    posts = [p for chunk in simulate(posts=100_000, seed=1) for p in chunk]
    rules = parse_rules(rules_toml(args.rules))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "alerts.duckdb"
        Store(db).close()  # migrate once, before the two threads open it
        done = threading.Event()
        result: dict[str, int] = {}
        feeder = threading.Thread(
            target=lambda: result.update(sent=feed(db, posts, args.rate, args.seconds, done))
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
    achieved = result["sent"] / args.seconds
    table = Table(title="Arrival-to-alert delay (seconds)", title_justify="left")
    for column in ("measure", "samples", "p50 / p95", "target p95"):
        table.add_column(column, justify="right")
    table.add_row("alert delay", str(len(alert_delays)), percentiles(alert_delays), "< 2")
    table.add_row("evaluation pass", str(len(pass_delays)), percentiles(pass_delays), "< 2")
    console = Console()
    console.print(table)
    load = os.getloadavg()[0]
    console.print(
        f"ingested {result['sent']:,} posts at {achieved:,.0f}/s (asked {args.rate:,}/s), "
        f"{args.rules} rules, poll {args.poll}s, load average {load:.1f} on {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
