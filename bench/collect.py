"""Live collection throughput: Jetstream posts/s and feeds polled per minute, on loopback.

    python -m bench.collect [--events 100000] [--feeds 2000] [--hosts 100]

Jetstream: a WebSocket server in a child process replays `--events` Jetstream events (made
from the real post event in ../shared/fixtures, with its likes and account events between
them) as fast as the collector takes them; the collector stores them live (batches of 5,000,
cursor in the same transaction). Feeds: a farm of `--feeds` feeds on `--hosts` loopback
addresses (127.0.0.1, 127.0.0.2, ...) in a child process, each feed a real fixture with an
ETag; the collector polls every feed once with the default politeness (2 requests at a time
and 1 s between requests per host, so 20 feeds a host take at least 19 s), then again (all 304
Not Modified). A feed counts as polled once its outcome is stored. Targets from the issue:
5,000 posts/s and 2,000 feeds/minute. The farm server shares the machine with the collector.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from rich.console import Console
from rich.table import Table

from voxpop.collect.config import FeedsConfig, JetstreamConfig
from voxpop.collect.feeds import FeedCollector
from voxpop.collect.http import Robots, new_client
from voxpop.collect.jetstream import JetstreamCollector
from voxpop.collect.writer import Writer
from voxpop.store import Store

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
USER_AGENT = "voxpop/0.1 (+https://github.com/voxpop/voxpop)"
FEED_FILES = ("feedrs__rss_2.0_bbc.xml", "feedrs__rss_2.0_heated.xml", "rssparser__narro.rss")

_JETSTREAM_SERVER = """
import asyncio, sys
from websockets.asyncio.server import serve
events = open(sys.argv[1], "rb").read().split(b"\\n")
async def handler(connection):
    for event in events:
        await connection.send(event.decode())
    await connection.close()
async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[2]), compression=None):
        await asyncio.Future()
asyncio.run(main())
"""

_FEED_FARM = """
import socket, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
bodies = [open(p, "rb").read() for p in sys.argv[3:]]
async def feed(request):
    n = int(request.path_params["n"])
    etag = f'"{n}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304)
    return Response(bodies[n % len(bodies)], media_type="application/rss+xml",
                    headers={"ETag": etag})
async def robots(request):
    return Response("User-agent: *\\nDisallow: /private/\\n", media_type="text/plain")
app = Starlette(routes=[Route("/robots.txt", robots), Route("/feed/{n:int}.xml", feed)])
sockets = []
for host in range(1, int(sys.argv[2]) + 1):
    s = socket.socket()
    s.bind((f"127.0.0.{host}", int(sys.argv[1])))
    sockets.append(s)
uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off")).run(sockets=sockets)
"""


def jetstream_events(count: int) -> list[bytes]:
    path = FIXTURES / "bluesky" / "microcosm-rs__jetstream_events_from_tests.jsonl"
    events = [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    template = next(e for e in events if e.get("commit", {}).get("collection", "").endswith("post"))
    others = [e for e in events if e is not template]
    out = []
    base = 1_743_500_000_000_000
    for n in range(count):
        if n % 5 == 4:  # a fifth of the firehose are likes, profiles and account events
            event = dict(others[n % len(others)])
        else:
            event = json.loads(json.dumps(template))
            event["commit"]["rkey"] = f"k{n:09d}"
            event["commit"]["record"]["text"] = f"port strike update number {n} #strike"
        event["time_us"] = base + n
        out.append(json.dumps(event, separators=(",", ":")).encode())
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int) -> None:
    import socket

    for _ in range(500):
        with socket.socket() as s:
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.02)
    raise SystemExit(f"server on {host}:{port} did not start")


class Timing(NamedTuple):
    wall: float
    cpu: float  # this process's CPU seconds, all threads (the servers run in other processes)


def bench_jetstream(workdir: Path, count: int) -> tuple[int, Timing]:
    events = jetstream_events(count)
    posts = sum(1 for n in range(count) if n % 5 != 4)
    data = workdir / "events.jsonl"
    data.write_bytes(b"\n".join(events))
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", _JETSTREAM_SERVER, str(data), str(port)])
    try:
        wait_for_port("127.0.0.1", port)
        last = str(json.loads(events[-1])["time_us"])
        with Store(workdir / "jetstream.duckdb") as store, Writer(store) as writer:
            config = JetstreamConfig(url=f"ws://127.0.0.1:{port}/subscribe", rewind_seconds=0)
            collector = JetstreamCollector(config, writer, user_agent=USER_AGENT)

            async def main() -> Timing:
                stop = asyncio.Event()
                started, cpu = time.perf_counter(), time.process_time()
                task = asyncio.create_task(collector.run(stop))
                while collector.state.cursor != last:
                    await asyncio.sleep(0.01)
                timing = Timing(time.perf_counter() - started, time.process_time() - cpu)
                stop.set()
                await task
                return timing

            seconds = asyncio.run(main())
            stored = store.con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
        if stored != posts:
            raise SystemExit(f"jetstream: stored {stored} posts, expected {posts}")
        return posts, seconds
    finally:
        server.terminate()
        server.wait()


def bench_feeds(workdir: Path, feeds: int, hosts: int) -> list[tuple[str, int, Timing]]:
    port = free_port()
    bodies = [str(FIXTURES / "rss_atom" / name) for name in FEED_FILES]
    farm = subprocess.Popen([sys.executable, "-c", _FEED_FARM, str(port), str(hosts), *bodies])
    results = []
    try:
        wait_for_port(f"127.0.0.{hosts}", port)
        urls = [f"http://127.0.0.{n % hosts + 1}:{port}/feed/{n}.xml" for n in range(feeds)]
        config = FeedsConfig(urls=urls, interval=3600)
        with Store(workdir / "feeds.duckdb") as store:
            for name in ("first poll (200, parsed, stored)", "second poll (304 Not Modified)"):
                store.con.execute("UPDATE collector_state SET next_poll = NULL")

                async def main(writer: Writer) -> Timing:
                    client = new_client(USER_AGENT)
                    robots = Robots(client, USER_AGENT)
                    collector = FeedCollector(config, writer, robots, user_agent=USER_AGENT)
                    stop = asyncio.Event()
                    started, cpu = time.perf_counter(), time.process_time()
                    task = asyncio.create_task(collector.run(stop))
                    while collector.polls < feeds:
                        await asyncio.sleep(0.05)
                    timing = Timing(time.perf_counter() - started, time.process_time() - cpu)
                    stop.set()
                    await task
                    await client.aclose()
                    return timing

                with Writer(store) as writer:
                    results.append((name, feeds, asyncio.run(main(writer))))
            failed = store.con.execute(
                "SELECT count(*) FROM collector_state WHERE errors > 0"
            ).fetchall()[0][0]
        if failed:
            raise SystemExit(f"feeds: {failed} feeds failed")
        return results
    finally:
        farm.terminate()
        farm.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--feeds", type=int, default=2_000)
    parser.add_argument("--hosts", type=int, default=100)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        posts, jet = bench_jetstream(Path(tmp), args.events)
        feed_runs = bench_feeds(Path(tmp), args.feeds, args.hosts)
    title = f"voxpop collect (load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end)"
    table = Table(title=title, title_justify="left")
    columns = ("measure", "items", "seconds", "CPU s", "rate", "per CPU", "target", "vs target")
    for column in columns:
        table.add_column(column, justify="left" if column == "measure" else "right")
    rate = posts / jet.wall
    table.add_row(
        "Jetstream replay, posts stored live",
        f"{posts:,}",
        f"{jet.wall:.1f}",
        f"{jet.cpu:.1f}",
        f"{rate:,.0f} posts/s",
        f"{posts / jet.cpu:,.0f} posts/s",
        "5,000 posts/s",
        f"{rate / 5000:.2f}x",
    )
    for name, count, took in feed_runs:
        per_minute = count / took.wall * 60
        table.add_row(
            f"feed farm, {name}",
            f"{count:,}",
            f"{took.wall:.1f}",
            f"{took.cpu:.1f}",
            f"{per_minute:,.0f} feeds/min",
            f"{count / took.cpu * 60:,.0f} feeds/min",
            "2,000 feeds/min",
            f"{per_minute / 2000:.2f}x",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
