"""The one thread that writes the database, for async collectors and the intake endpoint, and
the writes they share.

DuckDB allows one writer, and its calls block; collectors await jobs run one at a time on this
thread, so the event loop keeps receiving while a batch is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import msgspec

from voxpop.collect.state import SourceState, save_states
from voxpop.ingest import ingest_items
from voxpop.sources import Item, Reader
from voxpop.store import IngestRun, Store

__all__ = ["Writer", "save_failure", "save_state", "sleep_or_stop", "store_pages"]

T = TypeVar("T")


class Writer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voxpop-writer")

    async def run(self, job: Callable[[Store], T]) -> T:
        """Run `job(store)` on the writer thread, after the jobs submitted before it."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, job, self.store)

    def close(self) -> None:
        """Wait for the jobs submitted so far, then stop the thread."""
        self._thread.shutdown(wait=True)

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep, waking early when `stop` is set; True when it is."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()


async def store_pages(
    writer: Writer,
    state: SourceState,
    reader: Reader,
    pages: list[bytes],
    *,
    collection: str | None,
    key: bytes | None,
    cursor: str | None = None,
) -> IngestRun:
    """Store whole responses (API pages, pushed payloads) with the source's cursor.

    Records are numbered on from the source's counter, so every dead letter keeps its place.
    """

    def job(store: Store) -> IngestRun:
        def numbered() -> Iterator[Item]:
            offset = state.records
            for page in pages:
                last = 0
                for item in reader.read(io.BytesIO(page)):
                    last = max(last, item.record)
                    yield msgspec.structs.replace(item, record=offset + item.record)
                offset += last

        def checkpoint(run: IngestRun) -> None:
            state.counted(run)
            if cursor is not None:
                state.cursor = cursor
            save_states(store, [state])

        return ingest_items(
            store,
            state.track(numbered()),
            source=state.source,
            format=reader.name,
            collection=collection,
            pseudonymize_key=key,
            checkpoint=checkpoint,
        )

    return await writer.run(job)


async def save_failure(writer: Writer, state: SourceState, error: str) -> None:
    """Record a failed attempt in the source's row."""
    state.failed(error)
    await writer.run(lambda store: save_state(store, state))


def save_state(store: Store, state: SourceState) -> None:
    """Write one source's row in a transaction of its own (nothing stored with it)."""
    with store.transaction():
        save_states(store, [state])
