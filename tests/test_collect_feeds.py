"""Feed collection against a real HTTP server on 127.0.0.1 replaying real feeds."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import uvicorn
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from tests.conftest import fixture_path, read_all
from voxpop.cli import cli
from voxpop.collect import CollectConfig, Writer, collect, collect_status
from voxpop.collect.config import FeedsConfig
from voxpop.sources import rss
from voxpop.store import Store

USER_AGENT = "voxpop/0.1 (+https://github.com/voxpop/voxpop)"


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app under uvicorn on a free 127.0.0.1 port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


class FeedFarm:
    """Feeds with ETag behaviour and the failures a real farm shows."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.requests: list[tuple[str, float, dict[str, str]]] = []
        self.app = Starlette(
            routes=[
                Route("/robots.txt", self.robots),
                Route("/{path:path}", self.feed),
            ]
        )

    def count(self, path: str) -> int:
        return sum(1 for p, _, _ in self.requests if p == path)

    async def robots(self, request: Request) -> Response:
        return PlainTextResponse("User-agent: *\nDisallow: /private/\n")

    async def feed(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        self.requests.append((path, time.monotonic(), dict(request.headers)))
        seen = self.count(path)
        if path == "/flaky.xml" and seen == 1:
            return Response("upstream broke", status_code=502)
        if path == "/limited.xml" and seen == 1:
            return Response("slow down", status_code=429, headers={"Retry-After": "1"})
        if path == "/broken.xml":
            return Response(b"<rss><channel><item><title>cut", media_type="application/rss+xml")
        if request.headers.get("if-none-match") == '"v1"':
            return Response(status_code=304)
        return Response(self.body, media_type="application/rss+xml", headers={"ETag": '"v1"'})


def test_feeds_conditional_get_robots_backoff_and_retry_after(tmp_path: Path) -> None:
    fixture = fixture_path("rss_atom/feedrs__rss_2.0_bbc.xml")
    expected = {p.post_id for p in read_all(rss.READER, fixture).posts}
    farm = FeedFarm(fixture.read_bytes())
    with serve(farm.app) as base, Store(tmp_path / "db.duckdb") as store, Writer(store) as writer:
        urls = [f"{base}{p}" for p in ("/ok.xml", "/flaky.xml", "/limited.xml", "/broken.xml")]
        urls.append(f"{base}/private/feed.xml")
        feeds = FeedsConfig(
            urls=urls, interval=0.3, retry_base=0.3, per_host_concurrency=4, per_host_interval=0
        )
        asyncio.run(collect(writer, CollectConfig(feeds=feeds), stop_after=2.5))
        stored = {
            row[0]: row[1]
            for row in store.con.execute(
                "SELECT post_id, origin.file FROM posts WHERE platform = 'rss'"
            ).fetchall()
        }
        status = collect_status(store)
        dead = store.dead_letters().to_pylist()

    # The same entries from three feed URLs are one set of posts (the key is the entry id).
    assert set(stored) == expected
    assert farm.count("/private/feed.xml") == 0
    assert "robots.txt" in (status[urls[4]].last_error or "")
    # Conditional GET: later polls of a feed send its ETag and get 304s.
    ok = [h for p, _, h in farm.requests if p == "/ok.xml"]
    assert len(ok) >= 3 and all(h["user-agent"] == USER_AGENT for h in ok)
    assert "if-none-match" not in ok[0] and ok[1]["if-none-match"] == '"v1"'
    # A 502 backs off and recovers; a 429 waits at least its Retry-After.
    assert status[urls[1]].errors_total == 1 and status[urls[1]].errors == 0
    assert status[urls[1]].last_success is not None
    limited = [t for p, t, _ in farm.requests if p == "/limited.xml"]
    assert len(limited) >= 2 and limited[1] - limited[0] >= 0.95
    # A malformed feed is a dead letter and an error on the feed's health.
    assert status[urls[3]].errors >= 1 and status[urls[3]].last_success is None
    assert any(d["file"] == urls[3] for d in dead)
    assert sum(s.posts_new for s in status.values()) == len(expected)


def test_feeds_keep_per_host_concurrency_and_spacing(tmp_path: Path) -> None:
    body = fixture_path("rss_atom/feedrs__rss_2.0_bbc.xml").read_bytes()
    starts: list[float] = []
    in_flight = [0, 0]  # now, most at once

    async def feed(request: Request) -> Response:
        starts.append(time.monotonic())
        in_flight[0] += 1
        in_flight[1] = max(in_flight)
        await asyncio.sleep(0.3)
        in_flight[0] -= 1
        return Response(body, media_type="application/rss+xml")

    app = Starlette(routes=[Route("/{n}.xml", feed)])
    with serve(app) as base, Store(tmp_path / "db.duckdb") as store, Writer(store) as writer:
        urls = [f"{base}/{n}.xml" for n in range(8)]
        feeds = FeedsConfig(urls=urls, interval=60, per_host_concurrency=2, per_host_interval=0.1)

        async def main() -> int:
            stop = asyncio.Event()
            task = asyncio.create_task(collect(writer, CollectConfig(feeds=feeds), stop=stop))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                # Read through the writer: it owns the connection while collectors run.
                status = await writer.run(collect_status)
                if (polled := sum(s.last_success is not None for s in status.values())) == 8:
                    break
                await asyncio.sleep(0.1)
            stop.set()
            await task
            return polled

        polled = asyncio.run(main())
    assert polled == len(starts) == 8
    assert in_flight[1] == 2
    # The client spaces the starts 0.1 s apart; the server sees them with some jitter, while
    # without spacing two requests would arrive within a few milliseconds.
    gaps = [b - a for a, b in pairwise(starts)]
    assert min(gaps) >= 0.05


def test_collect_command_and_status_json(tmp_path: Path) -> None:
    fixture = fixture_path("rss_atom/feedrs__rss_2.0_bbc.xml")
    farm = FeedFarm(fixture.read_bytes())
    db = str(tmp_path / "db.duckdb")
    with serve(farm.app) as base:
        config = tmp_path / "collect.toml"
        config.write_text(f'collection = "cli"\n[feeds]\nurls = ["{base}/ok.xml"]\n')
        ran = CliRunner().invoke(
            cli, ["--db", db, "collect", "--config", str(config), "--stop-after", "1"]
        )
    assert ran.exit_code == 0, ran.output
    shown = CliRunner().invoke(cli, ["--db", db, "collect", "status", "--json"])
    assert shown.exit_code == 0, shown.output
    status = json.loads(shown.stdout)
    expected = len(read_all(rss.READER, fixture).posts)
    assert status[f"{base}/ok.xml"]["posts_new"] == expected
    assert status[f"{base}/ok.xml"]["kind"] == "feed" and status[f"{base}/ok.xml"]["errors"] == 0
    with Store(db, read_only=True) as store:
        assert store.con.execute("SELECT DISTINCT collection FROM posts").fetchall() == [("cli",)]
