"""Latency of the main API endpoints of `voxpop serve` on a database of 1M simulated posts.

    python -m bench.api [--db PATH] [--posts N] [--repeat N]

The database is built once (simulate, ingest, enrich language and sentiment, coordination and
narratives, so that every endpoint has data to show) and reused. The
server runs as `voxpop serve` in its own process on 127.0.0.1 and is asked over HTTP, as a
dashboard would. Two figures per endpoint:

- **fresh**: each request asks something not asked before (another search term, another
  interval), so nothing is cached: the cost of the analysis itself;
- **repeat**: the same request again, as a dashboard reloading or a second analyst; answered
  from the view cache until the data changes.

The target is p95 < 300 ms. The machine's load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

TARGET_MS = 300.0
VOXPOP = str(Path(sys.executable).with_name("voxpop"))
TERMS = [
    "strike", "port", "union", "workers", "ship", "vaccine", "election", "water", "climate",
    "protest", "price", "police", "football", "music", "rain", "school", "bank", "train",
    "#PortStrike", "lang:fr", "lang:es", "kind:reply", "domain:example.org", "\"port strike\"",
]  # fmt: skip


def build(db: Path, posts: int) -> None:
    """Simulate, ingest, enrich and analyse once; later runs reuse the file."""
    voxpop = [VOXPOP]
    data = db.parent / "data"
    steps = [
        [*voxpop, "simulate", "--posts", str(posts), "--seed", "1", "--out", str(data)],
        [*voxpop, "--db", str(db), "ingest", str(data / "posts.jsonl"), "--collection", "bench"],
        [*voxpop, "--db", str(db), "enrich", "--sentiment"],
        [*voxpop, "--db", str(db), "coordination", "--json"],
        [*voxpop, "--db", str(db), "narratives", "--json"],
    ]
    for step in steps:
        subprocess.run(step, check=True, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def timed(http: httpx.Client, path: str, params: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    response = http.get(path, params=params)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/voxpop-bench-api/voxpop.duckdb"))
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        build(args.db, args.posts)
    port = free_port()
    server = subprocess.Popen(
        [VOXPOP, "--db", str(args.db), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows: list[tuple[str, str, list[float]]] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=600) as http:
            deadline = time.monotonic() + 120
            while True:
                try:
                    http.get("/alerts").raise_for_status()
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            started = time.perf_counter()
            while http.get("/surges").json()["status"] != "ready":
                time.sleep(0.5)
            # The server warms the narratives list and its first page of details: wait for
            # them, so that the timings below do not share the cores with that work.
            ids = [n["narrative_id"] for n in http.get("/narratives").json()["narratives"]]
            for narrative_id in ids:
                http.get(f"/narratives/{narrative_id}").raise_for_status()
            warm_seconds = time.perf_counter() - started

            def fresh(name: str, call: Callable[[str], float]) -> None:
                rows.append((name, "fresh", [call(term) for term in TERMS]))

            def repeat(name: str, path: str, params: dict[str, str] | None = None) -> None:
                timed(http, path, params)
                rows.append(
                    (name, "repeat", [timed(http, path, params) for _ in range(args.repeat)])
                )

            fresh("search ?q=", lambda t: timed(http, "/search", {"q": t, "limit": "50"}))
            fresh("trends ?q= 1h", lambda t: timed(http, "/trends", {"q": t, "interval": "1h"}))
            intervals = [f"{m}m" for m in range(31, 31 + len(TERMS))]
            rows.append(
                (
                    "overview ?interval=",
                    "fresh",
                    [timed(http, "/overview", {"interval": i}) for i in intervals],
                )
            )
            # Details, each asked for the first time (the server warms the first page of
            # narratives at the default interval; another interval is computed on request).
            rows.append(
                (
                    "narratives/{id}?interval=",
                    "fresh",
                    [
                        timed(http, f"/narratives/{i}", {"interval": interval})
                        for i, interval in zip(ids, intervals, strict=False)
                    ],
                )
            )
            rows.append(
                ("narratives/{id}", "warmed", [timed(http, f"/narratives/{i}") for i in ids])
            )
            clusters = http.get("/coordination/clusters").json()["clusters"]
            rows.append(
                (
                    "coordination/clusters/{id}",
                    "fresh",
                    [timed(http, f"/coordination/clusters/{c['id']}") for c in clusters[:24]],
                )
            )
            repeat("overview", "/overview")
            repeat("search ?q=strike", "/search", {"q": "strike"})
            repeat("trends ?q=strike", "/trends", {"q": "strike"})
            repeat("alerts", "/alerts")
            repeat("surges", "/surges")
            repeat("narratives", "/narratives")
            repeat("coordination/clusters", "/coordination/clusters")
    finally:
        server.terminate()
        server.wait(30)
    table = Table(title=f"API latency, {args.db} (ms; target p95 < {TARGET_MS:.0f})")
    for column in ("endpoint", "kind", "n", "p50", "p95", "max", "p95 vs target"):
        table.add_column(column, justify="left" if column in ("endpoint", "kind") else "right")
    for name, kind, times in rows:
        p95 = percentile(times, 0.95)
        table.add_row(
            name,
            kind,
            str(len(times)),
            f"{statistics.median(times):.0f}",
            f"{p95:.0f}",
            f"{max(times):.0f}",
            f"{p95 / TARGET_MS:.2f}x",
        )
    console = Console()
    console.print(table)
    console.print(
        f"surges, narratives and their details warmed in the background: {warm_seconds:.1f} s "
        "after start"
    )
    console.print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
