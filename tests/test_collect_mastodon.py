"""Mastodon REST timelines and streaming from a real server on 127.0.0.1 replaying real
payloads, with 5xx, 429 + Retry-After, a broken stream, a malformed message and a delete."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.conftest import fixture_path
from tests.test_collect_feeds import serve
from voxpop.collect import CollectConfig, Writer, collect, collect_status
from voxpop.collect.config import MastodonConfig
from voxpop.store import Store


class Instance:
    def __init__(self) -> None:
        path = fixture_path("mastodon/mastodonpy__public_timeline_anonymous_8.json")
        self.statuses = json.loads(path.read_bytes())  # newest first
        self.event = fixture_path(
            "mastodon_streaming/swinub__websocket_stream_update_event.json"
        ).read_text()
        self.requests: list[tuple[str, float, dict[str, str]]] = []
        self.streams = 0
        self.app = Starlette(
            routes=[
                Route("/api/v1/timelines/public", self.public),
                Route("/api/v1/timelines/tag/{tag}", self.tag),
                WebSocketRoute("/api/v1/streaming", self.stream),
            ]
        )

    async def public(self, request: Request) -> Response:
        self.requests.append(("public", time.monotonic(), dict(request.query_params)))
        # At first only the two oldest statuses exist; the rest are posted after that.
        visible = self.statuses if len(self.requests) > 1 else self.statuses[-2:]
        since = int(request.query_params.get("since_id", 0))
        below = int(request.query_params.get("max_id", 10**30))
        page = [s for s in visible if since < int(s["id"]) < below]
        page = page[: int(request.query_params["limit"])]
        headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299"}
        return JSONResponse(page, headers=headers)

    async def tag(self, request: Request) -> Response:
        self.requests.append(("tag", time.monotonic(), {}))
        seen = sum(1 for r in self.requests if r[0] == "tag")
        if seen == 1:
            return Response("maintenance", status_code=503)
        if seen == 2:
            return Response("too many", status_code=429, headers={"Retry-After": "1"})
        return JSONResponse([])

    async def stream(self, socket: WebSocket) -> None:
        await socket.accept()
        self.streams += 1
        if self.streams == 1:
            status_id = json.loads(json.loads(self.event)["payload"])["id"]
            await socket.send_text(self.event)
            await socket.send_text("{not json")
            await socket.send_text(json.dumps({"event": "delete", "payload": status_id}))
            await asyncio.sleep(0.3)
            await socket.close(code=1011)  # the server breaks the stream
            return
        try:
            while True:
                await socket.receive_text()
        except WebSocketDisconnect:
            return


def test_mastodon_timelines_stream_rate_limits_and_deletes(tmp_path: Path) -> None:
    instance = Instance()
    with (
        serve(instance.app) as base,
        Store(tmp_path / "db.duckdb") as store,
        Writer(store) as writer,
    ):
        mastodon = MastodonConfig(
            instance=base,
            timelines=["public", "tag:climate"],
            stream=True,
            interval=0.3,
            limit=3,
            flush_seconds=0.1,
            retry_base=0.2,
        )
        asyncio.run(collect(writer, CollectConfig(mastodon=[mastodon]), stop_after=3.0))
        posts = {r[0] for r in store.con.execute("SELECT post_id FROM posts").fetchall()}
        deleted = store.con.execute("SELECT post_id FROM deleted_posts").fetchall()
        dead = store.dead_letters().to_pylist()
        status = collect_status(store)
    public = status[f"mastodon:{base}/public"]
    tag = status[f"mastodon:{base}/tag:climate"]
    assert posts == {s["uri"] for s in instance.statuses}
    # The streamed status was stored, then its delete event removed it and left a tombstone.
    assert deleted == [("https://mastodon.social/users/thomasotto/statuses/110066038263943268",)]
    assert [d["reason"] for d in dead] == ["stream message is not JSON"]
    assert public.cursor == instance.statuses[0]["id"] and public.deletes == 1
    assert public.errors_total >= 1  # the broken stream
    # Later polls ask only for newer statuses, paging back with max_id when a page is full.
    later = [q for name, _, q in instance.requests if name == "public"][1:]
    assert later[0]["since_id"] == instance.statuses[-2]["id"] and "max_id" in later[1]
    assert tag.errors_total == 2 and tag.errors == 0
    tag_times = [t for name, t, _ in instance.requests if name == "tag"]
    assert tag_times[2] - tag_times[1] >= 0.95


class RestartedInstance:
    """Serves a timeline; then, to the restarted collector, streams a reply to one of its
    statuses and the delete of another."""

    def __init__(self) -> None:
        path = fixture_path("mastodon/mastodonpy__public_timeline_anonymous_8.json")
        self.statuses = json.loads(path.read_bytes())
        self.events: list[str] = []
        self.app = Starlette(
            routes=[
                Route("/api/v1/timelines/public", self.public),
                WebSocketRoute("/api/v1/streaming", self.stream),
            ]
        )

    async def public(self, request: Request) -> Response:
        since = int(request.query_params.get("since_id", 0))
        return JSONResponse([s for s in self.statuses if int(s["id"]) > since])

    async def stream(self, socket: WebSocket) -> None:
        await socket.accept()
        for event in self.events:
            await socket.send_text(event)
        try:
            while True:
                await socket.receive_text()
        except WebSocketDisconnect:
            return


def test_delete_after_restart_reaches_a_status_stored_by_an_earlier_run(tmp_path: Path) -> None:
    instance = RestartedInstance()
    target, parent = instance.statuses[3], instance.statuses[5]
    with (
        serve(instance.app) as base,
        Store(tmp_path / "db.duckdb") as store,
        Writer(store) as writer,
    ):
        polls = MastodonConfig(instance=base, interval=60)
        asyncio.run(collect(writer, CollectConfig(mastodon=[polls]), stop_after=2.0))
        assert store.con.execute(
            "SELECT count(*) FROM posts WHERE post_id = ?", [target["uri"]]
        ).fetchall() == [(1,)]
        # A new process knows nothing of these statuses; the events name only local ids.
        reply = {**parent, "id": "1", "uri": "https://x.example/statuses/1"}
        reply["in_reply_to_id"] = parent["id"]
        instance.events = [
            json.dumps({"event": "update", "payload": json.dumps(reply)}),
            json.dumps({"event": "delete", "payload": target["id"]}),
        ]
        streams = MastodonConfig(instance=base, stream=True, interval=60, flush_seconds=0.1)
        asyncio.run(collect(writer, CollectConfig(mastodon=[streams]), stop_after=2.0))
        posts = dict(store.con.execute("SELECT post_id, parent_id FROM posts").fetchall())
        deleted = store.con.execute("SELECT post_id FROM deleted_posts").fetchall()
        ids = store.con.execute("SELECT local_id FROM mastodon_ids").fetchall()
        status = collect_status(store)[f"mastodon:{base}/public"]
    uris = {s["uri"] for s in instance.statuses} - {target["uri"]}
    assert set(posts) == uris | {reply["uri"]}
    assert posts[reply["uri"]] == parent["uri"]
    assert deleted == [(target["uri"],)]
    assert status.deletes == 1
    # The id map forgets the deleted status with the post, and keeps the others.
    assert sorted(r[0] for r in ids) == sorted(
        [reply["id"], *(s["id"] for s in instance.statuses if s is not target)]
    )
