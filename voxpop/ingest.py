"""Ingest: files in, posts stored. The one path every input takes into the database.

For each file: pick the reader (by content, or as named), stream its items, and load posts in
Arrow batches; dead letters, deletions and skipped records are kept and counted; the run is
recorded. A file that cannot be read is reported and the others still go in. Live collectors
and pushed payloads come in through `ingest_items`, which shares the batching and flush code.
"""

from __future__ import annotations

import gc
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pyarrow as pa
import zstandard

from voxpop.errors import FormatError
from voxpop.privacy import pseudonymize
from voxpop.schema import Post, posts_to_table
from voxpop.sources import (
    DeadLetter,
    Delete,
    Item,
    Reader,
    Skipped,
    decompress,
    detect,
    expand_paths,
    generic,
    get_reader,
)
from voxpop.store import IngestRun, Store

__all__ = ["BATCH_SIZE", "FileError", "IngestReport", "ingest", "ingest_items"]

BATCH_SIZE = 50_000
WRITE_ROWS = 200_000

ProgressCallback = Callable[[str, int, int, int], None]
"""Called as (file, bytes read, file size, posts read so far) while a file is ingested."""


class FileError(msgspec.Struct, frozen=True):
    file: str
    error: str


class IngestReport(msgspec.Struct, kw_only=True):
    runs: list[IngestRun] = []
    errors: list[FileError] = []
    seconds: float = 0.0

    def total(self, field: str) -> int:
        return sum(int(getattr(run, field)) for run in self.runs)

    def summary(self) -> dict[str, int | float]:
        fields = ("posts_read", "context_read", "posts_new", "posts_upgraded")
        totals: dict[str, int | float] = {f: self.total(f) for f in fields}
        totals |= {f: self.total(f) for f in ("deletes", "dead_letters")}
        totals["files"] = len(self.runs)
        totals["files_failed"] = len(self.errors)
        totals["seconds"] = round(self.seconds, 3)
        rate = self.total("posts_read") + self.total("context_read")
        totals["posts_per_second"] = round(rate / self.seconds) if self.seconds else 0
        return totals


def ingest(
    store: Store,
    paths: Iterable[Path],
    *,
    format: str | None = None,
    column_map: Mapping[str, str] | None = None,
    collection: str | None = None,
    pseudonymize_key: bytes | None = None,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest files and directories into the store. Never raises for one unreadable file."""
    started = time.perf_counter()
    report = IngestReport()
    fixed: Reader | None = None
    if column_map:
        fixed = generic.with_map(column_map)
    elif format:
        fixed = get_reader(format)
    for path in expand_paths(paths):
        try:
            reader = fixed or detect(path)
        except FormatError as exc:
            report.errors.append(FileError(file=str(path), error=str(exc)))
            continue
        report.runs.append(
            _ingest_file(store, path, reader, collection, pseudonymize_key, progress)
        )
    report.seconds = time.perf_counter() - started
    return report


# What Arrow raises for a value that does not fit the schema (a lone surrogate in a string is a
# UnicodeEncodeError).
_UNFIT = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError, UnicodeEncodeError)


def _posts_table(
    posts: list[Post], file: str, collection: str | None, dead: list[DeadLetter]
) -> pa.Table:
    """The batch as Arrow; a post whose values do not fit the schema becomes a dead letter.

    Readers build posts from untrusted input, so a value of the wrong type (or a count beyond
    64 bits) must cost that one post, not the batch.
    """
    try:
        return posts_to_table(posts, file=file, collection=collection)
    except _UNFIT:
        pass
    good: list[Post] = []
    for post in posts:
        try:
            posts_to_table([post])
        except _UNFIT as exc:
            reason = f"invalid post: {exc}"
            dead.append(DeadLetter(record=post.record, reason=reason, raw=repr(post)))
        else:
            good.append(post)
    return posts_to_table(good, file=file, collection=collection)


def ingest_items(
    store: Store,
    items: Iterable[Item],
    *,
    source: str,
    format: str = "stream",
    collection: str | None = None,
    pseudonymize_key: bytes | None = None,
    checkpoint: Callable[[IngestRun], None] | None = None,
) -> IngestRun:
    """Ingest items that do not come from a file (a live collector's batch, a pushed payload).

    `source` stands in for the file name in `origin` and `dead_letters`. Nothing is recorded in
    `ingest_runs` (a collector keeps its own counters); the counts come back as an `IngestRun`.
    `checkpoint` is called with those counts inside the transaction that writes the last of the
    items, so a collector's cursor is stored with, and never ahead of, the posts it covers.
    """
    run = IngestRun(file=source, format=format, collection=collection, started_at=datetime.now(UTC))
    loader = _Loader(store, run, collection, pseudonymize_key)
    loader.load(items, checkpoint=checkpoint)
    run.finished_at = datetime.now(UTC)
    return run


def _ingest_file(
    store: Store,
    path: Path,
    reader: Reader,
    collection: str | None,
    key: bytes | None,
    progress: ProgressCallback | None,
) -> IngestRun:
    file = str(path)
    run = store.start_run(file, reader.name, collection)
    size = path.stat().st_size
    loader = _Loader(store, run, collection, key, background=True)
    with path.open("rb") as raw, decompress(raw) as stream:

        def flushed() -> None:
            if progress:
                progress(file, raw.tell(), size, run.posts_read + run.context_read)

        loader.load(_guarded(reader.read(stream), loader), after_flush=flushed)
        if progress:
            progress(file, size, size, run.posts_read + run.context_read)
    store.finish_run(run)
    return run


def _guarded(items: Iterator[Item], loader: _Loader) -> Iterator[Item]:
    """The items of a file; a damaged compressed stream or a read error ends them with a dead
    letter, keeping what was read before it."""
    try:
        yield from items
    except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
        record = loader.last_record + 1
        yield DeadLetter(record=record, reason=f"unreadable input: {exc}", raw="")


class _Loader:
    """Items into the store in Arrow batches: the flush path shared by files and streams.

    Posts are turned into Arrow tables every `BATCH_SIZE` posts and written every `WRITE_ROWS`
    rows: DuckDB writes a batch above one row group straight to the file, skipping the log.
    With `background`, each write runs in a second thread (DuckDB releases the GIL) while the
    next batch is parsed; writes stay in order, one at a time.
    """

    def __init__(
        self,
        store: Store,
        run: IngestRun,
        collection: str | None,
        key: bytes | None,
        *,
        background: bool = False,
    ) -> None:
        self.store = store
        self.run = run
        self.collection = collection
        self.key = key
        self.last_record = -1
        self.posts: list[Post] = []
        self.tables: list[pa.Table] = []
        self.rows = 0
        self.dead: list[DeadLetter] = []
        self.deletes: list[Delete] = []
        self.executor = ThreadPoolExecutor(max_workers=1) if background else None
        self.inflight: Future[None] | None = None

    def load(
        self,
        items: Iterable[Item],
        *,
        after_flush: Callable[[], None] | None = None,
        checkpoint: Callable[[IngestRun], None] | None = None,
    ) -> None:
        run = self.run
        posts, dead, deletes = self.posts, self.dead, self.deletes
        skipped: Counter[str] = Counter(run.skipped)
        last_record = self.last_record
        # Hundreds of thousands of young posts held at once make the cyclic garbage collector
        # rescan them again and again (more than half the parse time); posts form no cycles.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for item in items:
                if item.record != last_record:
                    run.records_read += 1
                    last_record = self.last_record = item.record
                if isinstance(item, Post):
                    posts.append(item)
                    if item.context:
                        run.context_read += 1
                    else:
                        run.posts_read += 1
                    if len(posts) >= BATCH_SIZE:
                        self.convert()
                        if self.rows >= WRITE_ROWS:
                            self.flush()
                            if after_flush:
                                after_flush()
                elif isinstance(item, DeadLetter):
                    dead.append(item)
                elif isinstance(item, Delete):
                    deletes.append(item)
                elif isinstance(item, Skipped):
                    skipped[item.what] += 1
            run.skipped = dict(skipped)
            self.flush(checkpoint)
        finally:
            if collecting:
                gc.enable()
            self.wait()
            if self.executor is not None:
                self.executor.shutdown()

    def convert(self) -> None:
        table = _posts_table(self.posts, self.run.file, self.collection, self.dead)
        if self.key is not None:
            table = pseudonymize(table, self.key)
        self.tables.append(table)
        self.rows += table.num_rows
        self.posts.clear()

    def flush(self, checkpoint: Callable[[IngestRun], None] | None = None) -> None:
        """Write what has been read so far (after the previous write has finished)."""
        self.convert()
        table = pa.concat_tables(self.tables)
        dead, deletes = list(self.dead), list(self.deletes)
        self.tables.clear()
        self.rows = 0
        self.dead.clear()
        self.deletes.clear()
        self.wait()
        if self.executor is None:
            self.write(table, dead, deletes, checkpoint)
        else:
            self.inflight = self.executor.submit(self.write, table, dead, deletes, checkpoint)

    def wait(self) -> None:
        if self.inflight is not None:
            inflight, self.inflight = self.inflight, None
            inflight.result()

    def write(
        self,
        table: pa.Table,
        dead: list[DeadLetter],
        deletes: list[Delete],
        checkpoint: Callable[[IngestRun], None] | None,
    ) -> None:
        store, run, file = self.store, self.run, self.run.file
        with store.transaction():
            result = store.upsert_posts(table)
            store.add_dead_letters(file, dead, run.run_id)
            if deletes:
                keys = ((d.platform, d.post_id) for d in deletes)
                store.purge(keys, reason=f"delete event in {file}")
            run.posts_new += result.new
            run.posts_upgraded += result.upgraded
            run.deletes += len(deletes)
            run.dead_letters += len(dead)
            if checkpoint is not None:
                checkpoint(run)
