"""Mastodon: public, hashtag and list timelines over the REST API, and the streaming API.

Each timeline is one source. REST polls ask for statuses newer than the cursor (`since_id`, the
newest local status id stored), paging back with `max_id` when a page is full so that a busy
timeline leaves no gap; the first poll of a timeline takes one page and does not backfill. With
`stream = true` the timeline is also followed over the streaming API (WebSocket), which brings
posts within seconds and delete events; the REST poll fills what a dropped connection missed.

Rate limits are per instance: when `X-RateLimit-Remaining` runs out, or on a 429, no request is
made to the instance until `X-RateLimit-Reset` (or `Retry-After`). Streaming delete events
name a status by its local id, and so do replies (`in_reply_to_id`), while the stored `post_id`
is the status URI. The reader resolves ids it has seen in this process; for the others (a
delete or a reply after a restart, naming a status stored by an earlier run) the id is looked
up in `mastodon_ids`, which keeps each stored status's local id per instance and is written in
the transaction that stores the status. Its rows are keyed by post, so a purge removes them
with the post.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import msgspec
import pyarrow as pa
import websockets
from websockets.asyncio.client import connect

from voxpop.collect.config import MastodonConfig
from voxpop.collect.http import backoff, retry_after
from voxpop.collect.state import SourceState, load_states, save_states
from voxpop.collect.writer import Writer, save_failure, sleep_or_stop
from voxpop.ingest import ingest_items
from voxpop.schema import Post
from voxpop.sources import DeadLetter, Delete, Item, mastodon
from voxpop.store import IngestRun, Store

__all__ = ["MastodonCollector"]

KIND = "mastodon"
_MAX_RAW = 65_536  # characters of an unreadable message kept as its dead letter
_DEFAULT_PAUSE = 60.0  # seconds to wait on a 429 that does not say how long

_decoder = msgspec.json.Decoder()


def _id_key(status_id: str) -> tuple[int, str]:
    """Order of local ids: numeric on Mastodon, fixed-width sortable strings on Pleroma."""
    return len(status_id), status_id


class MastodonCollector:
    def __init__(
        self,
        config: MastodonConfig,
        writer: Writer,
        client: httpx.AsyncClient,
        *,
        user_agent: str,
        collection: str | None = None,
        pseudonymize_key: bytes | None = None,
    ) -> None:
        self.config = config
        self.writer = writer
        self.client = client
        self.user_agent = user_agent
        self.collection = collection
        self.key = pseudonymize_key
        self.token = config.token()
        # One reader per instance: statuses seen by polls or the stream resolve later deletes.
        self.read = mastodon.live_reader()
        self._paused_until = 0.0

    def source(self, timeline: str) -> str:
        return f"mastodon:{self.config.instance}/{timeline}"

    async def run(self, stop: asyncio.Event) -> None:
        known = await self.writer.run(lambda store: load_states(store, KIND))
        tasks = []
        for timeline in self.config.timelines:
            source = self.source(timeline)
            state = known.get(source) or SourceState(source=source, kind=KIND)
            tasks.append(asyncio.create_task(self._poll_loop(timeline, state, stop)))
            if self.config.stream:
                tasks.append(asyncio.create_task(self._stream_loop(timeline, state, stop)))
        await asyncio.gather(*tasks)

    # -- REST -------------------------------------------------------------------------------

    async def _poll_loop(self, timeline: str, state: SourceState, stop: asyncio.Event) -> None:
        while not stop.is_set():
            delay = self.config.interval
            try:
                await self._poll(timeline, state)
            except (httpx.HTTPError, ValueError, msgspec.DecodeError) as exc:
                await save_failure(self.writer, state, f"{type(exc).__name__}: {exc}")
                delay = backoff(state.errors, self.config.retry_base, self.config.max_backoff)
                delay = max(delay, self._paused_until - time.monotonic())
            await sleep_or_stop(stop, delay)

    def _endpoint(self, timeline: str) -> tuple[str, dict[str, str]]:
        kind, _, arg = timeline.partition(":")
        base = f"{self.config.instance}/api/v1/timelines"
        if kind == "tag":
            return f"{base}/tag/{quote(arg, safe='')}", {}
        if kind == "list":
            return f"{base}/list/{quote(arg, safe='')}", {}
        return f"{base}/public", ({arg: "true"} if arg else {})

    async def _poll(self, timeline: str, state: SourceState) -> None:
        url, params = self._endpoint(timeline)
        params["limit"] = str(self.config.limit)
        if state.cursor:
            params["since_id"] = state.cursor
        statuses: list[Any] = []
        for _ in range(self.config.max_pages):
            response = await self._get(url, params)
            page = _decoder.decode(response.content)
            if not isinstance(page, list):
                raise ValueError(f"{url} did not return a list of statuses")
            statuses += page
            if len(page) < self.config.limit or not state.cursor or not page:
                break
            params["max_id"] = str(page[-1]["id"])
        # Pages are newest first: oldest first lets replies resolve to parents seen before.
        statuses.reverse()
        await self._store(state, statuses)

    async def _get(self, url: str, params: dict[str, str]) -> httpx.Response:
        while (wait := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.client.get(url, params=params, headers=headers)
        remaining = response.headers.get("x-ratelimit-remaining")
        if response.status_code == 429 or (remaining is not None and remaining.strip() == "0"):
            pause = retry_after(response)
            self._paused_until = time.monotonic() + (_DEFAULT_PAUSE if pause is None else pause)
        response.raise_for_status()
        return response

    # -- streaming --------------------------------------------------------------------------

    def _stream_url(self, timeline: str) -> str:
        kind, _, arg = timeline.partition(":")
        params = {"stream": timeline}
        if kind == "tag":
            params = {"stream": "hashtag", "tag": arg}
        elif kind == "list":
            params = {"stream": "list", "list": arg}
        base = "ws" + self.config.instance.removeprefix("http")
        return f"{base}/api/v1/streaming?{urlencode(params)}"

    async def _stream_loop(self, timeline: str, state: SourceState, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        while not stop.is_set():
            buffer: list[Any] = []
            flusher = asyncio.create_task(self._flush_every(state, buffer, stop))
            try:
                async with connect(
                    self._stream_url(timeline),
                    user_agent_header=self.user_agent,
                    additional_headers=headers,
                ) as socket:
                    reading = asyncio.create_task(self._read_stream(socket, buffer))
                    stopped = asyncio.create_task(stop.wait())
                    await asyncio.wait((reading, stopped), return_when=asyncio.FIRST_COMPLETED)
                    stopped.cancel()
                    reading.cancel()
                    await asyncio.gather(reading, return_exceptions=True)
                    if not reading.cancelled() and reading.exception() is not None:
                        reading.result()
                    delay = 1.0
            except (OSError, websockets.WebSocketException, TimeoutError) as exc:
                await save_failure(self.writer, state, f"stream: {type(exc).__name__}: {exc}")
                delay = backoff(state.errors, self.config.retry_base, self.config.max_backoff)
            finally:
                flusher.cancel()
                await self._flush(state, buffer)
            await sleep_or_stop(stop, delay)

    async def _read_stream(self, socket: Any, buffer: list[Any]) -> None:
        async for message in socket:
            try:
                buffer.append(_decoder.decode(message))
            except msgspec.DecodeError:
                buffer.append(message if isinstance(message, str) else message.decode("utf-8"))

    async def _flush_every(
        self, state: SourceState, buffer: list[Any], stop: asyncio.Event
    ) -> None:
        while not await sleep_or_stop(stop, self.config.flush_seconds):
            await self._flush(state, buffer)

    async def _flush(self, state: SourceState, buffer: list[Any]) -> None:
        values = buffer[:]
        buffer.clear()
        if values:
            await self._store(state, values, streamed=True)

    # -- storing ----------------------------------------------------------------------------

    async def _store(
        self, state: SourceState, values: list[Any], *, streamed: bool = False
    ) -> None:
        newest = max(
            (i for v in values if (i := _status_id(v)) is not None), key=_id_key, default=None
        )

        def job(store: Store) -> None:
            first = state.records + 1
            items: list[Item] = []
            for number, value in enumerate(values, start=first):
                if isinstance(value, str):
                    reason = "stream message is not JSON"
                    items.append(DeadLetter(record=number, reason=reason, raw=value[:_MAX_RAW]))
                else:
                    items += self.read(number, value)
            items = self._resolve_ids(store, items)
            stored = {item.post_id for item in items if type(item) is Post}
            ids = {uri: local for local, uri in _local_ids(values) if uri in stored}

            def checkpoint(run: IngestRun) -> None:
                state.counted(run)
                if newest is not None and (
                    state.cursor is None or _id_key(newest) > _id_key(state.cursor)
                ):
                    state.cursor = newest
                save_states(store, [state])
                self._remember_ids(store, ids)

            ingest_items(
                store,
                state.track(items),
                source=state.source,
                format="mastodon-stream" if streamed else "mastodon",
                collection=self.collection,
                pseudonymize_key=self.key,
                checkpoint=checkpoint,
            )

        await self.writer.run(job)

    def _resolve_ids(self, store: Store, items: list[Item]) -> list[Item]:
        """Local ids the reader did not know, resolved to the stored URIs: the targets of
        deletes, and the parents of replies and quotes."""
        local = {item.post_id for item in items if type(item) is Delete}
        local |= {
            item.parent_id
            for item in items
            if type(item) is Post and item.kind in ("reply", "quote") and item.parent_id
        }
        if not local:
            return items
        rows = store.con.execute(
            "SELECT local_id, post_id FROM mastodon_ids WHERE instance = ? AND local_id IN "
            "(SELECT unnest(?::VARCHAR[]))",
            [self.config.instance, sorted(local)],
        ).fetchall()
        uris: dict[str, str] = dict(rows)
        if not uris:
            return items
        resolved: list[Item] = []
        for item in items:
            if type(item) is Delete and item.post_id in uris:
                item = msgspec.structs.replace(item, post_id=uris[item.post_id])
            elif type(item) is Post and item.parent_id in uris and item.kind != "repost":
                item = msgspec.structs.replace(item, parent_id=uris[item.parent_id])
            resolved.append(item)
        return resolved

    def _remember_ids(self, store: Store, ids: dict[str, str]) -> None:
        if not ids:
            return
        table = pa.table(
            {
                "instance": pa.array([self.config.instance] * len(ids), pa.string()),
                "local_id": pa.array(list(ids.values()), pa.string()),
                "platform": pa.array([mastodon.PLATFORM] * len(ids), pa.string()),
                "post_id": pa.array(list(ids), pa.string()),
            }
        )
        store.con.register("_mastodon_ids", table)
        try:
            store.con.execute(
                "INSERT INTO mastodon_ids SELECT * FROM _mastodon_ids ON CONFLICT DO NOTHING"
            )
        finally:
            store.con.unregister("_mastodon_ids")


def _local_ids(value: Any) -> Iterator[tuple[str, str]]:
    """(local id, URI) of every status in a page or streaming event, boosted and quoted ones
    included."""
    if isinstance(value, list):
        for element in value:
            yield from _local_ids(element)
        return
    if not isinstance(value, dict):
        return
    if "event" in value:
        payload = value.get("payload")
        if value.get("event") in ("update", "status.update", "notification") and isinstance(
            payload, (str, bytes)
        ):
            with contextlib.suppress(msgspec.DecodeError):
                yield from _local_ids(_decoder.decode(payload))
        elif isinstance(payload, dict):
            yield from _local_ids(payload)
        return
    local, uri = value.get("id"), value.get("uri")
    if isinstance(local, (str, int)) and not isinstance(local, bool) and isinstance(uri, str):
        yield str(local), uri
    for key in ("reblog", "quote", "quoted_status", "status", "ancestors", "descendants"):
        yield from _local_ids(value.get(key))


def _status_id(value: Any) -> str | None:
    """The local id of a status, or of the status a streaming update event carries."""
    if not isinstance(value, dict):
        return None
    if "event" in value:
        if value.get("event") not in ("update", "status.update"):
            return None
        payload = value.get("payload")
        if isinstance(payload, str):
            try:
                payload = _decoder.decode(payload)
            except msgspec.DecodeError:
                return None
        return _status_id(payload)
    status_id = value.get("id")
    if isinstance(status_id, int) and not isinstance(status_id, bool):
        return str(status_id)
    return status_id if isinstance(status_id, str) and status_id else None
