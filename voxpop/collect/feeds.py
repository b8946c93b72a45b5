"""RSS/Atom feeds: thousands polled on a schedule, politely.

Each feed is polled every `interval` seconds with a conditional GET (`If-None-Match`,
`If-Modified-Since`); a 304 costs the server nothing and stores nothing. robots.txt is honoured
per host. Errors back off exponentially per feed (capped at `max_backoff`), a 429 or 503 with
`Retry-After` pauses the host, and every outcome lands in the feed's `collector_state` row.

Polls store in groups: whatever feeds finished while the previous group was being written go
into the database together, their entries in one upsert and every feed's row (validators,
health, counters) in the same transaction. One small upsert per feed cost ~30 ms, which held a
2,000-feed first poll to ~700 feeds/minute. A group that fails is stored again feed by feed, so
one bad feed costs only itself. Each host has its own small connection pool (see `HostClients`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections import Counter
from datetime import UTC, datetime

import httpx
import msgspec
import pyarrow as pa

from voxpop.collect.config import FeedsConfig
from voxpop.collect.http import HostClients, HostLimiter, Robots, backoff, retry_after
from voxpop.collect.state import SourceState, load_states, save_states
from voxpop.collect.writer import Writer, save_state, sleep_or_stop
from voxpop.ingest import ItemBatch, ingest_items
from voxpop.sources import DeadLetter, Item, rss
from voxpop.store import IngestRun, Store

__all__ = ["FeedCollector"]

KIND = "feed"
GROUP_FEEDS = 500  # feeds stored in one transaction at most: bounds a group's memory


class _Outcome(msgspec.Struct):
    """One poll's result waiting to be stored: the feed's row, and its entries after a 200."""

    state: SourceState
    items: list[Item] | None = None
    etag: str | None = None
    last_modified: str | None = None


class FeedCollector:
    def __init__(
        self,
        config: FeedsConfig,
        writer: Writer,
        robots: Robots,
        *,
        user_agent: str,
        transport: httpx.AsyncBaseTransport | None = None,
        collection: str | None = None,
        pseudonymize_key: bytes | None = None,
    ) -> None:
        self.config = config
        self.writer = writer
        self.robots = robots
        self.user_agent = user_agent
        self.transport = transport
        self.collection = collection
        self.key = pseudonymize_key
        self.limiter = HostLimiter(config.per_host_concurrency, config.per_host_interval)
        self.polls = 0  # feeds polled and stored in this process, whatever the outcome
        self._pending: list[tuple[_Outcome, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._closing = False

    async def run(self, stop: asyncio.Event) -> None:
        urls = self.config.all_urls()
        known = await self.writer.run(lambda store: load_states(store, KIND))
        states = [known.get(url) or SourceState(source=url, kind=KIND) for url in urls]
        slots = asyncio.Semaphore(self.config.concurrency)
        running: dict[str, asyncio.Task[None]] = {}
        clients = HostClients(
            self.user_agent,
            connections=self.config.per_host_concurrency,
            timeout=self.config.timeout,
            transport=self.transport,
        )
        storing = asyncio.create_task(self._store_loop())
        try:
            while not stop.is_set():
                now = datetime.now(UTC)
                wake = self.config.interval
                for state in states:
                    if state.source in running:
                        continue
                    due = state.next_poll
                    if due is None or due <= now:
                        poll = self._poll(state, slots, clients)
                        running[state.source] = asyncio.create_task(poll)
                    else:
                        wake = min(wake, (due - now).total_seconds())
                # While polls run, look again soon: a finished poll sets its feed's next time.
                await sleep_or_stop(stop, max(0.05, min(wake, 0.5) if running else wake))
                running = {source: task for source, task in running.items() if not task.done()}
        finally:
            for task in running.values():
                task.cancel()
            await asyncio.gather(*running.values(), return_exceptions=True)
            # Polls that finished are stored before returning; cancelled ones are polled again.
            self._closing = True
            self._wake.set()
            await storing
            await clients.aclose()

    async def _poll(
        self, state: SourceState, slots: asyncio.Semaphore, clients: HostClients
    ) -> None:
        async with slots:
            try:
                outcome = await self._fetch(state, clients.get(state.source))
            except Exception as exc:  # one broken feed or server must not stop the others
                outcome = self._failed(state, f"{type(exc).__name__}: {exc}")
        await self._stored(outcome)
        self.polls += 1

    async def _fetch(self, state: SourceState, client: httpx.AsyncClient) -> _Outcome:
        url = state.source
        if not await self.robots.allowed(url):
            state.failed("robots.txt disallows this feed for voxpop; not fetched")
            state.poll_in(self.config.max_backoff)
            return _Outcome(state)
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        async with (
            self.limiter.slot(url),
            client.stream("GET", url, headers=headers) as response,
        ):
            # Every answer is read to its end, even an empty 304: a response left unread
            # closes its connection, and each later poll of the host would open a new one.
            body = await _read_limited(response, self.config.max_bytes)
        if response.status_code == 304:
            state.succeeded()
            state.poll_in(self.config.interval)
            return _Outcome(state)
        if response.status_code == 200:
            # Parsing is pure Python: off the event loop, and off the writer so that it
            # overlaps the previous group's write (DuckDB releases the GIL).
            items = await asyncio.to_thread(lambda: list(rss.read(io.BytesIO(body))))
            etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
            return _Outcome(state, items, etag, modified)
        if response.status_code in (429, 503):
            wait = retry_after(response)
            if wait is not None:
                self.limiter.pause(url, wait)
            return self._failed(state, f"HTTP {response.status_code}", wait)
        return self._failed(state, f"HTTP {response.status_code} {response.reason_phrase}")

    def _failed(self, state: SourceState, error: str, wait: float | None = None) -> _Outcome:
        state.failed(error)
        delay = backoff(state.errors, self.config.retry_base, self.config.max_backoff)
        state.poll_in(max(delay, wait or 0.0))
        return _Outcome(state)

    # -- storing ----------------------------------------------------------------------------

    async def _stored(self, outcome: _Outcome) -> None:
        """Queue the outcome for the next group and wait until it is in the database."""
        done = asyncio.get_running_loop().create_future()
        self._pending.append((outcome, done))
        self._wake.set()
        await done

    async def _store_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                group = self._pending[:GROUP_FEEDS]
                del self._pending[:GROUP_FEEDS]
                outcomes = [outcome for outcome, _ in group]
                try:
                    await self._store_group(outcomes)
                finally:
                    for _, done in group:
                        if not done.done():
                            done.set_result(None)
            if self._closing:
                return

    async def _store_group(self, outcomes: list[_Outcome]) -> None:
        # The job works on copies: a rolled-back group must leave the feeds as they were.
        copies = [msgspec.structs.replace(o, state=_copy(o.state)) for o in outcomes]
        try:
            await self.writer.run(lambda store: self._write_group(store, copies))
        except Exception:  # stored again one by one, below
            for outcome in outcomes:
                await self._store_alone(outcome)
            return
        for outcome, copy in zip(outcomes, copies, strict=True):
            _assign(outcome.state, copy.state)

    def _write_group(self, store: Store, outcomes: list[_Outcome]) -> None:
        """Every outcome in one transaction: entries in one upsert, rows with them."""
        tables: list[pa.Table] = []
        runs: dict[str, IngestRun] = {}
        dead: dict[str, list[DeadLetter]] = {}
        for outcome in outcomes:
            if outcome.items is None:
                continue
            url = outcome.state.source
            run = runs[url] = IngestRun(
                file=url,
                format=rss.READER.name,
                collection=self.collection,
                started_at=datetime.now(UTC),
            )
            batch = ItemBatch(run, self.collection, self.key)
            batch.add(outcome.state.track(outcome.items))
            table, dead[url], _ = batch.take()  # feeds have no delete events
            tables.append(table)
        with store.transaction():
            if tables:
                batch = pa.concat_tables(tables)
                new = _new_by_file(store, batch)
                store.upsert_posts(batch)
                for url, letters in dead.items():
                    store.add_dead_letters(url, letters)
                for url, run in runs.items():
                    run.posts_new = new[url]
                    run.dead_letters = len(dead[url])
                    run.finished_at = datetime.now(UTC)
            for outcome in outcomes:
                if outcome.items is not None:
                    self._checkpoint(outcome, runs[outcome.state.source])
            save_states(store, [o.state for o in outcomes])

    def _checkpoint(self, outcome: _Outcome, run: IngestRun) -> None:
        state = outcome.state
        if run.posts_read == 0 and run.dead_letters:
            state.failed("unreadable feed (see voxpop dead-letters)")
            state.poll_in(backoff(state.errors, self.config.retry_base, self.config.max_backoff))
        else:
            state.counted(run)
            state.poll_in(self.config.interval)
        state.etag, state.last_modified = outcome.etag, outcome.last_modified

    async def _store_alone(self, outcome: _Outcome) -> None:
        """One feed through the shared ingest path (which dead-letters entries that do not fit
        the schema); a feed that still cannot be stored is marked failed."""
        state = outcome.state
        items = outcome.items

        def job(store: Store) -> None:
            if items is None:
                save_state(store, state)
                return

            def checkpoint(run: IngestRun) -> None:
                self._checkpoint(outcome, run)
                save_states(store, [state])

            ingest_items(
                store,
                state.track(items),
                source=state.source,
                format=rss.READER.name,
                collection=self.collection,
                pseudonymize_key=self.key,
                checkpoint=checkpoint,
            )

        try:
            await self.writer.run(job)
        except Exception as exc:  # the feed's health says what went wrong
            # In memory first: the feed backs off even if its row cannot be written either.
            self._failed(state, f"not stored: {type(exc).__name__}: {exc}")
            with contextlib.suppress(Exception):  # the database refuses writes: nothing to add
                await self.writer.run(lambda store: save_state(store, state))


def _new_by_file(store: Store, batch: pa.Table) -> Counter[str]:
    """Posts of the batch the store does not hold yet, by feed: what each feed collected.

    A post in several feeds of the group counts for the first of them only, so the counts add
    up to what the upsert inserts.
    """
    keys = batch.select(["platform", "post_id"]).append_column(
        "file", batch.column("origin").combine_chunks().field("file")
    )
    keys = keys.append_column("i", pa.array(range(batch.num_rows), pa.int64()))
    store.con.register("_feed_keys", keys)
    try:
        rows = store.con.execute(
            """
            SELECT file, count(*) FROM (
                SELECT file FROM _feed_keys
                ANTI JOIN posts USING (platform, post_id)
                ANTI JOIN deleted_posts USING (platform, post_id)
                QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY i) = 1
            ) GROUP BY file
            """
        ).fetchall()
    finally:
        store.con.unregister("_feed_keys")
    return Counter({str(file): int(n) for file, n in rows})


def _copy(state: SourceState) -> SourceState:
    return msgspec.structs.replace(state)


def _assign(state: SourceState, source: SourceState) -> None:
    for field in SourceState.__struct_fields__:
        setattr(state, field, getattr(source, field))


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise httpx.DecodingError(f"feed larger than {limit} bytes; not read")
        chunks.append(chunk)
    return b"".join(chunks)
