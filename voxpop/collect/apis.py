"""YouTube Data API v3 and Reddit API, with the user's own credentials.

Both are skipped (by the runner, with a message) when no credentials are set. Responses are
stored as the readers in `voxpop.sources.youtube` and `voxpop.sources.reddit` map them.

YouTube: for each query, `search.list` for videos published since the last poll (100 quota
units), `videos.list` for their statistics (1 unit per 50), and `commentThreads.list` for their
comments (1 unit a page). Units spent are counted per Pacific day (when Google resets the
quota) and a call that would pass `daily_quota` waits for the next day; a 403 `quotaExceeded`
does the same. Reddit: app-only OAuth (client credentials); `/r/NAME/new` and
`/r/NAME/comments` each poll, honouring `X-Ratelimit-Remaining` and `X-Ratelimit-Reset`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import msgspec

from voxpop.collect.config import RedditConfig, YouTubeConfig
from voxpop.collect.http import backoff, retry_after
from voxpop.collect.state import SourceState, load_states, save_states
from voxpop.collect.writer import Writer, save_failure, sleep_or_stop, store_pages
from voxpop.errors import VoxpopError
from voxpop.sources import reddit, youtube
from voxpop.store import Store

__all__ = ["RedditCollector", "YouTubeCollector"]

_PACIFIC = ZoneInfo("America/Los_Angeles")
_COSTS = {"search": 100, "videos": 1, "commentThreads": 1}


class QuotaExhausted(VoxpopError):
    """The day's API quota is spent; collection resumes the next day."""


class YouTubeCollector:
    def __init__(
        self,
        config: YouTubeConfig,
        writer: Writer,
        client: httpx.AsyncClient,
        *,
        collection: str | None = None,
        pseudonymize_key: bytes | None = None,
    ) -> None:
        self.config = config
        self.writer = writer
        self.client = client
        self.collection = collection
        self.key = pseudonymize_key
        self.api_key = config.api_key() or ""
        self.quota = SourceState(source="youtube:quota", kind="youtube-quota")

    async def run(self, stop: asyncio.Event) -> None:
        known = await self.writer.run(lambda store: load_states(store, None))
        self.quota = known.get(self.quota.source, self.quota)
        sources = [f"youtube:search:{q}" for q in self.config.queries]
        sources += [f"youtube:video:{v}" for v in self.config.videos]
        states = [known.get(s) or SourceState(source=s, kind="youtube") for s in sources]
        while not stop.is_set():
            delay = self.config.interval
            for state in states:
                try:
                    await self._poll(state)
                except QuotaExhausted as exc:
                    await save_failure(self.writer, state, str(exc))
                    delay = max(delay, _seconds_to_pacific_midnight())
                    break
                except (httpx.HTTPError, ValueError, msgspec.DecodeError) as exc:
                    await save_failure(self.writer, state, f"{type(exc).__name__}: {exc}")
            await sleep_or_stop(stop, delay)

    def _spend(self, method: str) -> None:
        day = datetime.now(_PACIFIC).date().isoformat()
        spent_day, _, spent = (self.quota.cursor or "").partition("=")
        used = int(spent) if spent_day == day and spent else 0
        if used + _COSTS[method] > self.config.daily_quota:
            raise QuotaExhausted(
                f"YouTube quota for {day} spent ({used} of {self.config.daily_quota} units); "
                "resuming tomorrow (Pacific time)"
            )
        self.quota.cursor = f"{day}={used + _COSTS[method]}"

    async def _call(self, method: str, params: dict[str, str]) -> bytes:
        self._spend(method)
        response = await self.client.get(
            f"{self.config.base_url}/{method}", params={**params, "key": self.api_key}
        )
        if response.status_code == 403 and b"quotaExceeded" in response.content:
            raise QuotaExhausted("YouTube says the quota is exceeded; resuming tomorrow")
        response.raise_for_status()
        return response.content

    async def _poll(self, state: SourceState) -> None:
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        pages: list[bytes] = []
        try:
            await self._fetch(state, pages)
        except QuotaExhausted:
            # Keep what the spent units bought; the cursor stays, so the rest comes later.
            await self._store(state, pages, None)
            raise
        await self._store(state, pages, started)

    async def _fetch(self, state: SourceState, pages: list[bytes]) -> None:
        _, kind, value = state.source.split(":", 2)
        if kind == "search":
            params = {"part": "snippet", "q": value, "type": "video", "order": "date"}
            params["maxResults"] = "50"
            if state.cursor:
                params["publishedAfter"] = state.cursor
            found = await self._call("search", params)
            pages.append(found)
            ids = [
                i["id"]["videoId"]
                for i in msgspec.json.decode(found).get("items", [])
                if isinstance(i.get("id"), dict) and i["id"].get("videoId")
            ]
        else:
            ids = [value]
        if ids:
            params = {"part": "snippet,statistics", "id": ",".join(ids[:50])}
            pages.append(await self._call("videos", params))
        if self.config.comments:
            for video in ids:
                token = ""
                for _ in range(self.config.max_comment_pages):
                    params = {"part": "snippet,replies", "videoId": video, "maxResults": "100"}
                    if token:
                        params["pageToken"] = token
                    page = await self._call("commentThreads", params)
                    pages.append(page)
                    token = msgspec.json.decode(page).get("nextPageToken") or ""
                    if not token:
                        break

    async def _store(self, state: SourceState, pages: list[bytes], cursor: str | None) -> None:
        await store_pages(
            self.writer,
            state,
            youtube.READER,
            pages,
            collection=self.collection,
            key=self.key,
            cursor=cursor,
        )
        quota = self.quota

        def save_quota(store: Store) -> None:
            with store.transaction():
                save_states(store, [quota])

        await self.writer.run(save_quota)


def _seconds_to_pacific_midnight() -> float:
    now = datetime.now(_PACIFIC)
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return (tomorrow - now).total_seconds()


class RedditCollector:
    def __init__(
        self,
        config: RedditConfig,
        writer: Writer,
        client: httpx.AsyncClient,
        *,
        collection: str | None = None,
        pseudonymize_key: bytes | None = None,
    ) -> None:
        self.config = config
        self.writer = writer
        self.client = client
        self.collection = collection
        self.key = pseudonymize_key
        self._token: tuple[str, float] | None = None
        self._paused_until = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        known = await self.writer.run(lambda store: load_states(store, "reddit"))
        paths = [f"/r/{name}/new" for name in self.config.subreddits]
        if self.config.comments:
            paths += [f"/r/{name}/comments" for name in self.config.subreddits]
        states = {
            path: known.get(f"reddit:{path}") or SourceState(source=f"reddit:{path}", kind="reddit")
            for path in paths
        }
        while not stop.is_set():
            delay = self.config.interval
            for path, state in states.items():
                try:
                    page = await self._get(path, {"limit": "100", "raw_json": "1"})
                    await store_pages(
                        self.writer,
                        state,
                        reddit.READER,
                        [page],
                        collection=self.collection,
                        key=self.key,
                    )
                except (httpx.HTTPError, ValueError) as exc:
                    await save_failure(self.writer, state, f"{type(exc).__name__}: {exc}")
                    delay = min(delay, backoff(state.errors, 30.0, self.config.interval))
            await sleep_or_stop(stop, delay)

    async def _access_token(self) -> str:
        if self._token is not None and self._token[1] > time.monotonic():
            return self._token[0]
        credentials = self.config.credentials()
        if credentials is None:
            raise ValueError("no Reddit credentials")
        response = await self.client.post(
            self.config.auth_url, data={"grant_type": "client_credentials"}, auth=credentials
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        lifetime = float(body.get("expires_in", 3600)) - 60
        self._token = (str(body["access_token"]), time.monotonic() + lifetime)
        return self._token[0]

    async def _get(self, path: str, params: dict[str, str]) -> bytes:
        while (wait := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        token = await self._access_token()
        response = await self.client.get(
            f"{self.config.base_url}{path}",
            params=params,
            headers={"Authorization": f"bearer {token}"},
        )
        remaining = response.headers.get("x-ratelimit-remaining")
        exhausted = remaining is not None and _float(remaining) < 1
        if response.status_code == 429 or exhausted:
            pause = retry_after(response)
            self._paused_until = time.monotonic() + (60.0 if pause is None else pause)
        response.raise_for_status()
        return response.content


def _float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 1.0
