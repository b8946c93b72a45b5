"""Bluesky Jetstream over WebSocket, resumable from the last stored event.

Jetstream filters by collection (`wantedCollections`) and account (`wantedDids`) on the server;
`keywords` are matched here, on the normalised words of each post. Events are stored in
batches (`batch_size` events, or every `flush_seconds`); the batch's last `time_us` is the
cursor, written in the same transaction as its posts. On reconnect, and after a restart, the
stream resumes from that cursor (less `rewind_seconds`, replayed harmlessly), so no post is
lost or stored twice. Delete events remove posts everywhere (they leave tombstones even for
posts that were filtered out, so a later import cannot bring them back).

A post's origin is (`jetstream:URL`, the event's `time_us`).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import msgspec
import websockets
from websockets.asyncio.client import ClientConnection, connect

from voxpop.collect.config import JetstreamConfig
from voxpop.collect.http import backoff
from voxpop.collect.state import SourceState, load_states, save_states
from voxpop.collect.writer import Writer, save_failure, sleep_or_stop
from voxpop.enrich.text import tokens
from voxpop.ingest import ingest_items
from voxpop.schema import Post
from voxpop.sources import Item, bluesky
from voxpop.store import IngestRun, Store

__all__ = ["JetstreamCollector"]

KIND = "jetstream"


class _Time(msgspec.Struct):
    time_us: int | None = None


_times = msgspec.json.Decoder(_Time)


class JetstreamCollector:
    def __init__(
        self,
        config: JetstreamConfig,
        writer: Writer,
        *,
        user_agent: str,
        collection: str | None = None,
        pseudonymize_key: bytes | None = None,
    ) -> None:
        self.config = config
        self.writer = writer
        self.user_agent = user_agent
        self.collection = collection
        self.key = pseudonymize_key
        self.source = f"jetstream:{config.url}"
        self.keywords = [set(tokens(k)) for k in config.keywords if tokens(k)]
        self.state = SourceState(source=self.source, kind=KIND)
        self._buffer: list[bytes] = []
        self._flushing = asyncio.Lock()

    def url(self) -> str:
        params: list[tuple[str, str]] = [("wantedCollections", c) for c in self.config.collections]
        params += [("wantedDids", d) for d in self.config.dids]
        if self.state.cursor:
            rewind = int(self.config.rewind_seconds * 1_000_000)
            params.append(("cursor", str(max(0, int(self.state.cursor) - rewind))))
        return f"{self.config.url}?{urlencode(params)}" if params else self.config.url

    async def run(self, stop: asyncio.Event) -> None:
        known = await self.writer.run(lambda store: load_states(store, KIND))
        self.state = known.get(self.source, self.state)
        ticker = asyncio.create_task(self._tick(stop))
        try:
            while not stop.is_set():
                try:
                    async with connect(
                        self.url(), user_agent_header=self.user_agent, max_size=2**22
                    ) as socket:
                        await self._receive(socket, stop)
                except websockets.ConnectionClosedOK:
                    await self.flush()  # the server ended the stream: resume from the cursor
                    await sleep_or_stop(stop, 1.0)
                except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                    await self.flush()
                    await save_failure(self.writer, self.state, f"{type(exc).__name__}: {exc}")
                    delay = backoff(self.state.errors, 1.0, self.config.max_backoff)
                    await sleep_or_stop(stop, delay)
        finally:
            ticker.cancel()
            await self.flush()

    async def _receive(self, socket: ClientConnection, stop: asyncio.Event) -> None:
        """Buffer events until the connection ends or `stop` is set."""
        receiver = asyncio.create_task(self._buffer_events(socket))
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait((receiver, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if not receiver.done():
                receiver.cancel()
                await asyncio.gather(receiver, return_exceptions=True)
        if receiver.done() and not receiver.cancelled():
            receiver.result()  # raises what ended the connection

    async def _buffer_events(self, socket: ClientConnection) -> None:
        while True:
            message = await socket.recv(decode=False)
            self._buffer.append(message if isinstance(message, bytes) else message.encode())
            if len(self._buffer) >= self.config.batch_size:
                await self.flush()

    async def _tick(self, stop: asyncio.Event) -> None:
        while not await sleep_or_stop(stop, self.config.flush_seconds):
            await self.flush()

    async def flush(self) -> None:
        """Store the events received so far, with the cursor after them."""
        async with self._flushing:
            lines, self._buffer = self._buffer, []
            if lines:
                await self.writer.run(lambda store: self._store(store, lines))

    def _store(self, store: Store, lines: list[bytes]) -> None:
        state = self.state
        times = [_time_us(line) for line in lines]
        last = next((t for t in reversed(times) if t is not None), None)
        items = state.track(self._filtered(self._renumbered(lines, times)))

        def checkpoint(run: IngestRun) -> None:
            state.counted(run)
            if last is not None:
                state.cursor = str(last)
                moment = datetime.fromtimestamp(last / 1_000_000, tz=UTC)
                state.last_post_at = max(state.last_post_at or moment, moment)
            save_states(store, [state])

        ingest_items(
            store,
            items,
            source=self.source,
            format=bluesky.READER.name,
            collection=self.collection,
            pseudonymize_key=self.key,
            checkpoint=checkpoint,
        )

    def _renumbered(self, lines: list[bytes], times: list[int | None]) -> Iterator[Item]:
        """The batch's items, each numbered by its event's `time_us` rather than its line."""
        previous = int(self.state.cursor or 0)
        for i, when in enumerate(times):
            times[i] = previous = when if when is not None else previous
        for item in bluesky.read(io.BytesIO(b"\n".join(lines))):
            yield msgspec.structs.replace(item, record=times[item.record - 1] or 0)

    def _filtered(self, items: Iterable[Item]) -> Iterator[Item]:
        if not self.keywords:
            yield from items
            return
        for item in items:
            if type(item) is Post and not self._matches(item):
                continue
            yield item

    def _matches(self, post: Post) -> bool:
        words = set(tokens(post.text)) | {h.casefold() for h in post.hashtags}
        return any(keyword <= words for keyword in self.keywords)


def _time_us(line: bytes) -> int | None:
    try:
        return _times.decode(line).time_us
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
