"""Run a step in a child process and measure its wall time and peak memory (RSS)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from voxpop.schema import posts_to_table
from voxpop.simulate import simulate
from voxpop.store import Store


@dataclass
class Measurement:
    name: str
    items: int
    seconds: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


def measure(name: str, code: str, items: int) -> Measurement:
    """Run `code` in a fresh Python; the child's own peak RSS is read with wait4."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code])
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed with status {os.waitstatus_to_exitcode(status)}")
    return Measurement(name, items, seconds, usage.ru_maxrss / 1024)


def print_table(title: str, rows: list[Measurement], unit: str = "posts") -> None:
    """One row per tool, with the speed ratio against the first row."""
    table = Table(title=title, title_justify="left")
    for column in ("tool", unit, "seconds", f"{unit}/s", "peak RSS MB", "speed vs first"):
        table.add_column(column, justify="left" if column == "tool" else "right")
    base = rows[0].rate
    for row in rows:
        ratio = row.rate / base if base else 0.0
        table.add_row(
            row.name,
            f"{row.items:,}",
            f"{row.seconds:.1f}",
            f"{row.rate:,.0f}",
            f"{row.peak_rss_mb:,.0f}",
            f"{ratio:.2f}x",
        )
    Console().print(table)


def simulated_store(workdir: Path, name: str, posts: int, seed: int) -> Path:
    """A database of `posts` simulated posts, built once in `workdir` (emptied first) and reused
    while the posts and seed are the same."""
    db = workdir / f"{name}.duckdb"
    marker = workdir / f"{name}-done.json"
    want = {"posts": posts, "seed": seed}
    if db.exists() and marker.exists() and json.loads(marker.read_text()) == want:
        return db
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    started = time.perf_counter()
    with Store(db) as store:
        for chunk in simulate(posts=posts, seed=seed):
            store.upsert_posts(posts_to_table(chunk, file="simulated", collection="bench"))
        store.con.execute("CHECKPOINT")
    marker.write_text(json.dumps(want))
    print(f"simulated {posts:,} posts into {db} in {time.perf_counter() - started:.0f} s")
    return db
