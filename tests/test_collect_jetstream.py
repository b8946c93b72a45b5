"""Jetstream collection from a real WebSocket server on 127.0.0.1 replaying real events,
including dropped connections, malformed events, resume by cursor and a SIGKILLed collector."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve

from tests.conftest import fixture_path
from voxpop.collect import CollectConfig, Writer, collect, collect_status
from voxpop.collect.config import JetstreamConfig
from voxpop.store import Store

BASE_TIME = 1_743_500_000_000_000


def jetstream_events(posts: int) -> list[bytes]:
    """`posts` post events made from the real post event in the fixture, with the fixture's
    other real events (likes, profile, account) between them, all in time order."""
    lines = fixture_path("bluesky/microcosm-rs__jetstream_events_from_tests.jsonl").read_bytes()
    events = [json.loads(line) for line in lines.splitlines() if line.strip()]
    template = next(e for e in events if e.get("commit", {}).get("collection", "").endswith("post"))
    others = [e for e in events if e is not template]
    out: list[bytes] = []
    for i in range(posts):
        event = json.loads(json.dumps(template))
        event["commit"]["rkey"] = f"k{i:07d}"
        event["commit"]["record"]["text"] = f"port strike day {i}"
        out.append(json.dumps(event).encode())
        if i % 10 == 0:
            out.append(json.dumps(others[i // 10 % len(others)]).encode())
    stamped = []
    for n, line in enumerate(out):
        event = json.loads(line)
        event["time_us"] = BASE_TIME + n * 1000
        stamped.append(json.dumps(event).encode())
    return stamped


def post_ids(events: list[bytes]) -> set[str]:
    ids = set()
    for line in events:
        event = json.loads(line)
        commit = event.get("commit") or {}
        if commit.get("collection") == "app.bsky.feed.post" and commit.get("operation") == "create":
            ids.add(f"at://{event['did']}/app.bsky.feed.post/{commit['rkey']}")
    return ids


class JetstreamServer:
    """Replays events from the cursor a client asks for; can drop connections mid-stream."""

    def __init__(
        self, events: list[bytes], *, drop_after: int = 0, pace: float = 0.0, trickle_after: int = 0
    ) -> None:
        self.events = events
        self.drop_after = drop_after  # abort the first connection after this many events
        self.pace = pace  # seconds between groups of 50 events
        self.trickle_after = trickle_after  # then the first connection sends 20 events a second
        self.cursors: list[int | None] = []
        self.sent = 0
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    def times(self) -> list[int]:
        return [json.loads(e)["time_us"] for e in self.events]

    async def handler(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path if connection.request else "").query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        self.cursors.append(cursor)
        wanted = set(query.get("wantedCollections", []))
        start = 0
        if cursor is not None:
            start = next((i for i, t in enumerate(self.times()) if t >= cursor), len(self.events))
        for n, event in enumerate(self.events[start:], start=1):
            collection = json.loads(event).get("commit", {}).get("collection")
            if wanted and collection is not None and collection not in wanted:
                continue
            await connection.send(event.decode())
            self.sent += 1
            if self.drop_after and len(self.cursors) == 1 and n == self.drop_after:
                assert connection.transport is not None
                connection.transport.abort()  # a dropped connection, no close frame
                return
            if self.trickle_after and len(self.cursors) == 1 and n >= self.trickle_after:
                await asyncio.sleep(0.05)
            elif self.pace and n % 50 == 0:
                await asyncio.sleep(self.pace)
        await connection.close()  # all sent: the client comes back with its cursor

    @contextmanager
    def running(self) -> Iterator[str]:
        def main() -> None:
            async def run() -> None:
                self._stop = asyncio.Event()
                async with serve(self.handler, "127.0.0.1", 0) as server:
                    port = next(iter(server.sockets)).getsockname()[1]
                    self.url = f"ws://127.0.0.1:{port}/subscribe"
                    self._loop = asyncio.get_running_loop()
                    self._ready.set()
                    await self._stop.wait()

            asyncio.run(run())

        thread = threading.Thread(target=main, daemon=True)
        thread.start()
        self._ready.wait(5)
        try:
            yield self.url
        finally:
            assert self._loop is not None and self._stop is not None
            self._loop.call_soon_threadsafe(self._stop.set)
            thread.join(5)

    def resumed_at_end(self) -> bool:
        """True once a client reconnected with the last event's cursor: all of it is stored."""
        return self.events != [] and self.cursors[-1:] == [self.times()[-1]]


def test_jetstream_collects_filters_resumes_and_survives_drops(tmp_path: Path) -> None:
    events = jetstream_events(300)
    commit = {"collection": "app.bsky.feed.post", "operation": "create", "rkey": "z"}
    commit["record"] = {"text": 5}  # type: ignore[assignment]  # text must be a string
    bad_event = {"did": "did:plc:x", "time_us": BASE_TIME + 10**9, "kind": "commit"}
    bad = json.dumps({**bad_event, "commit": commit}).encode()
    events.append(bad)
    expected = post_ids(events[:-1])
    server = JetstreamServer(events, drop_after=120)
    with server.running() as url, Store(tmp_path / "db.duckdb") as store, Writer(store) as writer:
        config = CollectConfig(
            jetstream=[JetstreamConfig(url=url, rewind_seconds=0, flush_seconds=0.1, batch_size=64)]
        )

        async def main() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(collect(writer, config, stop=stop))
            deadline = time.monotonic() + 20
            while not server.resumed_at_end() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            stop.set()
            await task

        asyncio.run(main())
        stored = {r[0] for r in store.con.execute("SELECT post_id FROM posts").fetchall()}
        origin = store.con.execute("SELECT min(origin.record) FROM posts").fetchall()[0][0]
        status = collect_status(store)[f"jetstream:{url}"]
        dead = store.dead_letters().to_pylist()
    assert server.resumed_at_end()
    assert stored == expected
    assert origin >= BASE_TIME  # origin.record is the event's time_us
    # The dropped first connection was resumed from a stored cursor, not from the start.
    assert server.cursors[0] is None and server.cursors[1] is not None
    assert status.errors_total >= 1 and status.cursor == str(server.times()[-1])
    assert status.posts_new == len(expected)
    assert [d["record"] for d in dead] == [BASE_TIME + 10**9]


def test_jetstream_keywords_keep_matching_posts_only(tmp_path: Path) -> None:
    events = jetstream_events(50)
    server = JetstreamServer(events)
    with server.running() as url, Store(tmp_path / "db.duckdb") as store, Writer(store) as writer:
        jet = JetstreamConfig(url=url, rewind_seconds=0, flush_seconds=0.1, keywords=["Day 7"])
        config = CollectConfig(jetstream=[jet])

        async def main() -> None:
            stop = asyncio.Event()
            task = asyncio.create_task(collect(writer, config, stop=stop))
            deadline = time.monotonic() + 10
            while not server.resumed_at_end() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            stop.set()
            await task

        asyncio.run(main())
        texts = [r[0] for r in store.con.execute("SELECT text FROM posts").fetchall()]
    assert texts == ["port strike day 7"]


_COLLECTOR = """
import sys
from pathlib import Path
from voxpop.collect import load_config, run_collectors
from voxpop.store import Store
with Store(sys.argv[1]) as store:
    run_collectors(store, load_config(Path(sys.argv[2])))
"""


def test_killed_collector_restarts_with_every_post_exactly_once(tmp_path: Path) -> None:
    events = jetstream_events(3000)
    expected = post_ids(events)
    # Half the events at full speed, then a trickle: the kill comes while events are still
    # arriving and some are buffered, but after the first batches had time to be stored even
    # on a loaded machine.
    server = JetstreamServer(events, pace=0.02, trickle_after=len(events) // 2)
    db = tmp_path / "db.duckdb"
    with server.running() as url:
        config = tmp_path / "collect.toml"
        config.write_text(
            f'[[jetstream]]\nurl = "{url}"\nrewind_seconds = 0\nflush_seconds = 0.1\n'
            "batch_size = 200\n"
        )
        command = [sys.executable, "-c", _COLLECTOR, str(db), str(config)]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        first = subprocess.Popen(command, env=env)
        deadline = time.monotonic() + 30
        while server.sent < len(events) // 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(2.0)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert server.sent < len(events), "the collector must be killed mid-stream"
        second = subprocess.Popen(command, env=env)
        deadline = time.monotonic() + 60
        while not server.resumed_at_end() and time.monotonic() < deadline:
            time.sleep(0.05)
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0
    with Store(db, read_only=True) as store:
        rows = store.con.execute("SELECT post_id FROM posts").fetchall()
        (status,) = collect_status(store).values()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)) and set(ids) == expected
    # The restarted collector resumed from the cursor stored before the kill.
    assert server.cursors[1] is not None and server.cursors[1] > BASE_TIME
    assert status.cursor == str(server.times()[-1])
