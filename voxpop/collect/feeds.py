"""RSS/Atom feeds: thousands polled on a schedule, politely.

Each feed is polled every `interval` seconds with a conditional GET (`If-None-Match`,
`If-Modified-Since`); a 304 costs the server nothing and stores nothing. robots.txt is honoured
per host. Errors back off exponentially per feed (capped at `max_backoff`), a 429 or 503 with
`Retry-After` pauses the host, and every outcome lands in the feed's `collector_state` row:
the entries and the new validators in one transaction.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

import httpx

from voxpop.collect.config import FeedsConfig
from voxpop.collect.http import HostLimiter, Robots, backoff, retry_after
from voxpop.collect.state import SourceState, load_states, save_states
from voxpop.collect.writer import Writer, sleep_or_stop
from voxpop.ingest import ingest_items
from voxpop.sources import rss
from voxpop.store import IngestRun, Store

__all__ = ["FeedCollector"]

KIND = "feed"


class FeedCollector:
    def __init__(
        self,
        config: FeedsConfig,
        writer: Writer,
        client: httpx.AsyncClient,
        robots: Robots,
        *,
        collection: str | None = None,
        pseudonymize_key: bytes | None = None,
    ) -> None:
        self.config = config
        self.writer = writer
        self.client = client
        self.robots = robots
        self.collection = collection
        self.key = pseudonymize_key
        self.limiter = HostLimiter(config.per_host_concurrency, config.per_host_interval)
        self.polls = 0  # feeds polled in this process, whatever the outcome

    async def run(self, stop: asyncio.Event) -> None:
        urls = self.config.all_urls()
        known = await self.writer.run(lambda store: load_states(store, KIND))
        states = [known.get(url) or SourceState(source=url, kind=KIND) for url in urls]
        slots = asyncio.Semaphore(self.config.concurrency)
        running: dict[str, asyncio.Task[None]] = {}
        while not stop.is_set():
            now = datetime.now(UTC)
            wake = self.config.interval
            for state in states:
                if state.source in running:
                    continue
                due = state.next_poll
                if due is None or due <= now:
                    running[state.source] = asyncio.create_task(self._poll(state, slots))
                else:
                    wake = min(wake, (due - now).total_seconds())
            # While polls run, look again soon: a finished poll sets its feed's next time.
            await sleep_or_stop(stop, max(0.05, min(wake, 0.5) if running else wake))
            running = {source: task for source, task in running.items() if not task.done()}
        for task in list(running.values()):
            task.cancel()
        await asyncio.gather(*running.values(), return_exceptions=True)

    async def _poll(self, state: SourceState, slots: asyncio.Semaphore) -> None:
        async with slots:
            try:
                await self._fetch(state)
            except Exception as exc:  # one broken feed or server must not stop the others
                await self._failed(state, f"{type(exc).__name__}: {exc}")
            finally:
                self.polls += 1

    async def _fetch(self, state: SourceState) -> None:
        url = state.source
        if not await self.robots.allowed(url):
            state.failed("robots.txt disallows this feed for voxpop; not fetched")
            state.poll_in(self.config.max_backoff)
            await self._save(state)
            return
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        body = b""
        async with (
            self.limiter.slot(url),
            self.client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 200:
                body = await _read_limited(response, self.config.max_bytes)
        if response.status_code == 304:
            state.succeeded()
            state.poll_in(self.config.interval)
            await self._save(state)
        elif response.status_code == 200:
            await self._store(state, response, body)
        elif response.status_code in (429, 503):
            wait = retry_after(response)
            if wait is not None:
                self.limiter.pause(url, wait)
            await self._failed(state, f"HTTP {response.status_code}", wait)
        else:
            await self._failed(state, f"HTTP {response.status_code} {response.reason_phrase}")

    async def _store(self, state: SourceState, response: httpx.Response, body: bytes) -> None:
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")

        def job(store: Store) -> None:
            def checkpoint(run: IngestRun) -> None:
                if run.posts_read == 0 and run.dead_letters:
                    state.failed("unreadable feed (see voxpop dead-letters)")
                    state.poll_in(
                        backoff(state.errors, self.config.retry_base, self.config.max_backoff)
                    )
                else:
                    state.counted(run)
                    state.poll_in(self.config.interval)
                state.etag, state.last_modified = etag, modified
                save_states(store, [state])

            ingest_items(
                store,
                state.track(rss.read(io.BytesIO(body))),
                source=state.source,
                format=rss.READER.name,
                collection=self.collection,
                pseudonymize_key=self.key,
                checkpoint=checkpoint,
            )

        await self.writer.run(job)

    async def _failed(self, state: SourceState, error: str, wait: float | None = None) -> None:
        state.failed(error)
        delay = backoff(state.errors, self.config.retry_base, self.config.max_backoff)
        state.poll_in(max(delay, wait or 0.0))
        await self._save(state)

    async def _save(self, state: SourceState) -> None:
        def job(store: Store) -> None:
            with store.transaction():
                save_states(store, [state])

        await self.writer.run(job)


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise httpx.DecodingError(f"feed larger than {limit} bytes; not read")
        chunks.append(chunk)
    return b"".join(chunks)
