"""The intake endpoint under uvicorn, and the YouTube and Reddit collectors against local API
servers replaying real responses; skipped with a message when no credentials are set."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.conftest import fixture_path
from tests.test_collect_feeds import serve
from voxpop.collect import CollectConfig, Writer, collect, collect_status, intake_app
from voxpop.collect.config import IntakeConfig, RedditConfig, YouTubeConfig
from voxpop.errors import ConfigError
from voxpop.store import Store


def test_intake_stores_pushed_payloads(tmp_path: Path) -> None:
    timeline = fixture_path("mastodon/mastodonpy__public_timeline_anonymous_8.json").read_bytes()
    jetstream = fixture_path("bluesky/microcosm-rs__jetstream_events_from_tests.jsonl")
    with Store(tmp_path / "db.duckdb") as store:
        writer = Writer(store)
        with serve(intake_app(writer, token="s3cret")) as base:
            auth = {"Authorization": "Bearer s3cret"}
            denied = httpx.post(f"{base}/tool", content=timeline)
            first = httpx.post(f"{base}/tool", content=timeline, headers=auth).json()
            again = httpx.post(f"{base}/tool", content=timeline, headers=auth).json()
            bsky = httpx.post(f"{base}/bsky", content=jetstream.read_bytes(), headers=auth)
            unknown = httpx.post(f"{base}/x", content=b"\x00\x01", headers=auth)
        writer.close()
        status = collect_status(store)
    assert denied.status_code == 401 and unknown.status_code == 415
    assert first["format"] == "mastodon" and first["posts_new"] == 8
    assert again["posts_new"] == 0 and again["posts_read"] == 8
    assert bsky.json()["format"] == "bluesky-jetstream" and bsky.json()["posts_new"] == 1
    assert status["intake:tool"].posts_new == 8 and status["intake:tool"].posts_read == 16


def test_youtube_and_reddit_collect_with_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    search = fixture_path("youtube/search__search_by_keywords_p1.json").read_bytes()
    videos = fixture_path("youtube/videos__videos_info_multi.json").read_bytes()
    threads = fixture_path("youtube/comment_threads__comment_threads_by_video_paged_1.json")
    listing = fixture_path("reddit/graw__subreddit.json").read_bytes()
    seen: list[str] = []

    async def api(request: Request) -> Response:
        seen.append(request.url.path)
        path = request.url.path
        if path == "/yt/search":
            assert request.query_params["key"] == "yt-key"
            return Response(search, media_type="application/json")
        if path == "/yt/videos":
            return Response(videos, media_type="application/json")
        if path == "/yt/commentThreads":
            return Response(threads.read_bytes(), media_type="application/json")
        if path == "/token":
            return JSONResponse({"access_token": "tok", "expires_in": 3600})
        assert request.headers["authorization"] == "bearer tok"
        return Response(listing, media_type="application/json")

    app = Starlette(routes=[Route("/{p:path}", api, methods=["GET", "POST"])])
    monkeypatch.setenv("YT_KEY", "yt-key")
    monkeypatch.setenv("R_ID", "id")
    monkeypatch.setenv("R_SECRET", "secret")
    with serve(app) as base, Store(tmp_path / "db.duckdb") as store, Writer(store) as writer:
        config = CollectConfig(
            youtube=YouTubeConfig(
                api_key_env="YT_KEY", base_url=f"{base}/yt", queries=["strike"], daily_quota=110
            ),
            reddit=RedditConfig(
                client_id_env="R_ID",
                client_secret_env="R_SECRET",
                auth_url=f"{base}/token",
                base_url=f"{base}/reddit",
                subreddits=["golang"],
                comments=False,
            ),
        )
        asyncio.run(collect(writer, config, stop_after=1.5))
        platforms = dict(
            store.con.execute("SELECT platform, count(*) FROM posts GROUP BY 1").fetchall()
        )
        status = collect_status(store)
    assert platforms["youtube"] > 0 and platforms["reddit"] > 0
    assert status["youtube:search:strike"].posts_new > 0
    assert status["reddit:/r/golang/new"].posts_new == platforms["reddit"]
    # 110 units allow one search (100) and a few 1-unit calls: the quota is counted and kept.
    assert status["youtube:quota"].cursor is not None
    assert status["youtube:quota"].cursor.endswith(
        f"={100 + seen.count('/yt/videos') + seen.count('/yt/commentThreads')}"
    )


def test_api_collectors_without_credentials_are_skipped_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("YOUTUBE_API_KEY", raising=False)
    monkeypatch.delenv("REDDIT_CLIENT_ID", raising=False)
    notices: list[str] = []
    config = CollectConfig(youtube=YouTubeConfig(queries=["x"]), reddit=RedditConfig())
    with Store(tmp_path / "db.duckdb") as store, Writer(store) as writer:
        asyncio.run(collect(writer, config, stop_after=0.1, notice=notices.append))
    assert any("YOUTUBE_API_KEY" in n for n in notices)
    assert any("REDDIT_CLIENT_ID" in n for n in notices)


def test_collect_serves_the_intake_endpoint_when_given_a_port(tmp_path: Path) -> None:
    timeline = fixture_path("mastodon/mastodonpy__public_timeline_anonymous_8.json").read_bytes()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = CollectConfig(collection="pushed", intake=IntakeConfig(port=port))
    notices: list[str] = []

    async def main(writer: Writer) -> httpx.Response:
        stop = asyncio.Event()
        collecting = collect(writer, config, stop=stop, notice=notices.append, serve_intake=True)
        task = asyncio.create_task(collecting)
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    answer = await client.post(f"http://127.0.0.1:{port}/tool", content=timeline)
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.02)
        stop.set()
        await task
        return answer

    with Store(tmp_path / "db.duckdb") as store, Writer(store) as writer:
        answer = asyncio.run(main(writer))
        stored = store.con.execute("SELECT count(*), any_value(collection) FROM posts").fetchall()
    assert answer.status_code == 200 and answer.json()["posts_new"] == 8
    assert stored == [(8, "pushed")]
    assert notices == [f"intake: POST http://127.0.0.1:{port}/NAME"]


def test_intake_beyond_loopback_needs_a_token(tmp_path: Path) -> None:
    config = CollectConfig(intake=IntakeConfig(host="0.0.0.0", port=0))
    with (
        Store(tmp_path / "db.duckdb") as store,
        Writer(store) as writer,
        pytest.raises(ConfigError, match="token_env"),
    ):
        asyncio.run(collect(writer, config, stop_after=1.0, serve_intake=True))
