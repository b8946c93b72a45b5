"""Ingest: files in, posts stored. The one path every input takes into the database.

For each file: pick the reader (by content, or as named), stream its items, and load posts in
Arrow batches; dead letters, deletions and skipped records are kept and counted; the run is
recorded. A file that cannot be read is reported and the others still go in. Live collectors
and pushed payloads come in through `ingest_items`, which shares the batching and flush code.

Large uncompressed JSON-lines files of a format that reads lines on their own (twarc2 output)
are read in parts by worker processes, one per core, which send back Arrow tables; this
process stays the only writer. What is stored -- posts with their record numbers, dead
letters, deletions, the run's counts of what was read -- is what a one-pass read stores.
"""

from __future__ import annotations

import gc
import io
import itertools
import os
import pickle
import signal
import subprocess
import sys
import time
import traceback
import zlib
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
import zstandard
from msgspec.structs import replace

from voxpop.errors import FormatError, VoxpopError
from voxpop.privacy import pseudonymize
from voxpop.schema import POST_SCHEMA, Post, posts_to_table
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
from voxpop.sources._base import is_json_lines, json_lines
from voxpop.store import IngestRun, Store

__all__ = [
    "BATCH_SIZE",
    "FileError",
    "IngestError",
    "IngestReport",
    "ItemBatch",
    "ingest",
    "ingest_items",
]

BATCH_SIZE = 50_000
WRITE_ROWS = 200_000
# Uncompressed JSON lines from this size are read in parts by worker processes (see `_Workers`):
# starting them (about a second of CPU each, importing voxpop) is worth it from ~100 MiB.
PARALLEL_BYTES = 128 << 20
PART_BYTES = 8 << 20

ProgressCallback = Callable[[str, int, int, int], None]
"""Called as (file, bytes read, file size, posts read so far) while a file is ingested."""


class IngestError(VoxpopError):
    """Reading a file in parts failed in a worker process."""


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
    workers = _Workers()
    try:
        with _row_groups_kept(store):
            for path in expand_paths(paths):
                try:
                    reader = fixed or detect(path)
                except FormatError as exc:
                    report.errors.append(FileError(file=str(path), error=str(exc)))
                    continue
                run = _ingest_file(
                    store, path, reader, collection, pseudonymize_key, progress, workers
                )
                report.runs.append(run)
    finally:
        workers.close()
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _row_groups_kept(store: Store) -> Iterator[None]:
    """Row groups are not merged at checkpoints while files are loaded, and the load ends with
    a checkpoint of its own.

    Every bulk write leaves a partly filled row group behind; merging those at a checkpoint
    (DuckDB's vacuum) rewrote every row loaded: 2-3 CPU-s per 1M posts, and the file grew by
    the copies, for no gain in size.
    """
    con = store.con
    row = con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall()[0]
    con.execute("SET max_vacuum_tasks = 0")
    try:
        yield
        con.execute("CHECKPOINT")
    finally:
        con.execute(f"SET max_vacuum_tasks = {int(row[0])}")


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
    workers: _Workers,
) -> IngestRun:
    file = str(path)
    run = store.start_run(file, reader.name, collection)
    size = path.stat().st_size
    loader = _Loader(store, run, collection, key, background=True)
    with path.open("rb") as raw, decompress(raw) as stream:

        def flushed(done: int) -> None:
            if progress:
                progress(file, done, size, run.posts_read + run.context_read)

        if size >= PARALLEL_BYTES and _in_parts(reader, raw, stream) and workers.count > 1:
            loader.load_parts(workers.read(path, reader, collection, key), after_flush=flushed)
        else:
            items = _guarded(reader.read(stream), loader.batch)
            loader.load(items, after_flush=lambda: flushed(raw.tell()))
        flushed(size)
    store.finish_run(run)
    return run


def _in_parts(reader: Reader, raw: IO[bytes], stream: IO[bytes]) -> bool:
    """Whether a file can be read in parts: JSON lines, uncompressed, of a format that reads
    lines on their own. Leaves the file at its start."""
    if reader.read_lines is None or stream is not raw:
        return False
    try:
        return is_json_lines(raw, limit=PART_BYTES)
    finally:
        raw.seek(0)


def _guarded(items: Iterator[Item], batch: ItemBatch) -> Iterator[Item]:
    """The items of a file; a damaged compressed stream or a read error ends them with a dead
    letter, keeping what was read before it."""
    try:
        yield from items
    except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
        batch.broken = True
        yield DeadLetter(record=batch.last_record + 1, reason=f"unreadable input: {exc}", raw="")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while batches are held: hundreds of thousands of young
    posts make the collector rescan them again and again (more than half the parse time), and
    posts form no cycles."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class ItemBatch:
    """What has been read and not yet written: posts as Arrow tables (converted every
    `BATCH_SIZE` posts), dead letters and deletes. The counts go to `run`."""

    def __init__(self, run: IngestRun, collection: str | None, key: bytes | None) -> None:
        self.run = run
        self.collection = collection
        self.key = key
        self.last_record = -1
        self.broken = False  # the input ended in a read error
        self.posts: list[Post] = []
        self.tables: list[pa.Table] = []
        self.rows = 0
        self.dead: list[DeadLetter] = []
        self.deletes: list[Delete] = []

    def add(self, items: Iterable[Item], full: Callable[[], None] | None = None) -> None:
        """Sort items in; `full` is called whenever `WRITE_ROWS` posts are held as Arrow."""
        run = self.run
        posts, dead, deletes = self.posts, self.dead, self.deletes
        skipped: Counter[str] = Counter(run.skipped)
        last_record = self.last_record
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
                    if full is not None and self.rows >= WRITE_ROWS:
                        full()
            elif isinstance(item, DeadLetter):
                dead.append(item)
            elif isinstance(item, Delete):
                deletes.append(item)
            elif isinstance(item, Skipped):
                skipped[item.what] += 1
        run.skipped = dict(skipped)

    def convert(self) -> None:
        if not self.posts:
            return
        table = _posts_table(self.posts, self.run.file, self.collection, self.dead)
        if self.key is not None:
            table = pseudonymize(table, self.key)
        self.tables.append(table)
        self.rows += table.num_rows
        self.posts.clear()

    def take(self) -> tuple[pa.Table, list[DeadLetter], list[Delete]]:
        """Everything held, emptied out."""
        self.convert()
        table = pa.concat_tables(self.tables) if self.tables else POST_SCHEMA.empty_table()
        taken = table, list(self.dead), list(self.deletes)
        self.tables.clear()
        self.rows = 0
        self.dead.clear()
        self.deletes.clear()
        return taken


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
        self.batch = ItemBatch(run, collection, key)
        self.executor = ThreadPoolExecutor(max_workers=1) if background else None
        self.inflight: Future[None] | None = None

    def load(
        self,
        items: Iterable[Item],
        *,
        after_flush: Callable[[], None] | None = None,
        checkpoint: Callable[[IngestRun], None] | None = None,
    ) -> None:
        def full() -> None:
            self.flush()
            if after_flush:
                after_flush()

        try:
            with _gc_paused():
                self.batch.add(items, full)
                self.flush(checkpoint)
        finally:
            self.close()

    def load_parts(
        self,
        parts: Generator[_Part, None, None],
        *,
        after_flush: Callable[[int], None] | None = None,
    ) -> None:
        """Load the parts of a file read by workers, in file order: their lines, numbered from
        1 in each part, are numbered on from the parts before."""
        batch, run = self.batch, self.run
        lines = 0
        try:
            for part in parts:
                batch.tables.append(_renumbered(part.table, lines))
                batch.rows += part.table.num_rows
                batch.dead += [replace(d, record=d.record + lines) for d in part.dead]
                batch.deletes += [replace(d, record=d.record + lines) for d in part.deletes]
                batch.last_record = part.last_record + lines
                run.records_read += part.records
                run.posts_read += part.posts
                run.context_read += part.context
                run.skipped = dict(Counter(run.skipped) + part.skipped)
                lines += part.lines
                if part.broken:
                    break
                if batch.rows >= WRITE_ROWS:
                    self.flush()
                    if after_flush:
                        after_flush(part.end)
            self.flush()
        finally:
            parts.close()
            self.close()

    def flush(self, checkpoint: Callable[[IngestRun], None] | None = None) -> None:
        """Write what has been read so far (after the previous write has finished)."""
        table, dead, deletes = self.batch.take()
        self.wait()
        if self.executor is None:
            self.write(table, dead, deletes, checkpoint)
        else:
            self.inflight = self.executor.submit(self.write, table, dead, deletes, checkpoint)

    def wait(self) -> None:
        if self.inflight is not None:
            inflight, self.inflight = self.inflight, None
            inflight.result()

    def close(self) -> None:
        self.wait()
        if self.executor is not None:
            self.executor.shutdown()

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


def _renumbered(table: pa.Table, lines: int) -> pa.Table:
    """Posts of a part with their record numbers moved on by the `lines` before the part."""
    if not lines or not table.num_rows:
        return table
    index = table.schema.get_field_index("origin")
    origin = table.column(index).combine_chunks()
    assert isinstance(origin, pa.StructArray)
    file, record = origin.flatten()  # children as the parent sees them (offset, length)
    moved = pa.StructArray.from_arrays([file, pc.add(record, lines)], fields=list(origin.type))
    return table.set_column(index, table.schema.field(index), moved)


# -- reading large files in parts ---------------------------------------------------------------


@dataclass
class _Part:
    """What a worker read from one part of a file; record numbers count from its first line."""

    end: int  # byte offset where the part ends
    lines: int
    table: pa.Table
    dead: list[DeadLetter]
    deletes: list[Delete]
    skipped: Counter[str]
    records: int
    posts: int
    context: int
    last_record: int
    broken: bool


class _Workers:
    """Processes that read parts of large JSON-lines files, started when first needed.

    Parsing and mapping posts is Python work bound to one core; parts of a file are read in
    parallel by `count` processes while this process stays the single writer of the database.
    The workers are fresh interpreters (not forks: DuckDB's threads are running here, and not
    multiprocessing's, which would run the caller's script again in each) that take jobs and
    send back parts over pipes, in order, so that part i is always worker i % count's next.
    At most two parts per worker are read ahead, so memory stays bounded whatever the file size.
    """

    def __init__(self) -> None:
        # The cores this process may run on (Linux), else all of them.
        cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        self.count = len(cores) if cores is not None else os.cpu_count() or 1
        self.processes: list[subprocess.Popen[bytes]] = []

    def read(
        self, path: Path, reader: Reader, collection: str | None, key: bytes | None
    ) -> Generator[_Part, None, None]:
        if not self.processes:
            self.start()
        processes = self.processes
        bounds = enumerate(_part_bounds(path))
        sent = received = 0

        def send(parts: int) -> None:
            nonlocal sent
            for index, (start, end) in itertools.islice(bounds, parts):
                stdin = processes[index % self.count].stdin
                assert stdin is not None
                pickle.dump((reader.name, path, start, end, collection, key), stdin)
                stdin.flush()
                sent += 1

        try:
            send(2 * self.count)
            while received < sent:
                part = self.receive(processes[received % self.count], path)
                received += 1
                send(1)
                yield part
        finally:
            if received < sent:  # stopped early: parts still under way would come out of turn
                self.close()

    def start(self) -> None:
        for _ in range(self.count):
            process = subprocess.Popen(
                [sys.executable, "-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            assert process.stdin is not None
            pickle.dump(sys.path, process.stdin)
            self.processes.append(process)

    def receive(self, process: subprocess.Popen[bytes], path: Path) -> _Part:
        assert process.stdout is not None
        try:
            part = pickle.load(process.stdout)
        except EOFError:
            self.close()
            raise IngestError(f"{path}: a worker reading the file stopped; try again") from None
        if isinstance(part, str):
            self.close()
            raise IngestError(f"{path}: a worker failed reading the file:\n{part}")
        assert isinstance(part, _Part)
        return part

    def close(self) -> None:
        for process in self.processes:
            assert process.stdin is not None
            with suppress(BrokenPipeError):  # a worker that has died already
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


# What a worker runs: it takes the caller's import path, then parts to read until its input ends.
_WORKER = (
    "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
    "from voxpop.ingest import _serve_parts; _serve_parts()"
)


def _serve_parts() -> None:
    """A worker's loop: read the parts asked for on stdin, send each back on stdout (or the
    traceback of what went wrong)."""
    jobs, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but parts may reach the pipe
    # Ctrl-C is the caller's to handle: it closes the pipes, which ends this loop quietly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            job = pickle.load(jobs)
        except EOFError:
            return
        result: _Part | str
        try:
            result = _read_part(*job)
        except Exception:
            result = traceback.format_exc()
        try:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        except BrokenPipeError:
            return


def _part_bounds(path: Path) -> Iterator[tuple[int, int]]:
    """Byte ranges of about `PART_BYTES`, each ending after a newline (or at the end)."""
    with path.open("rb") as file:
        size = file.seek(0, io.SEEK_END)
        start = 0
        while start < size:
            file.seek(min(start + PART_BYTES, size))
            end = file.tell() + len(file.readline()) if file.tell() < size else size
            yield start, end
            start = end


def _read_part(
    format: str, path: Path, start: int, end: int, collection: str | None, key: bytes | None
) -> _Part:
    """Read one part of a file in a worker: its posts as one Arrow table, and the rest."""
    reader = get_reader(format)
    assert reader.read_lines is not None
    run = IngestRun(file=str(path), format=format, started_at=datetime.now(UTC))
    batch = ItemBatch(run, collection, key)
    data = b""
    with _gc_paused():
        try:
            with path.open("rb") as file:
                file.seek(start)
                data = file.read(end - start)
        except OSError as exc:
            batch.broken = True
            batch.add([DeadLetter(record=1, reason=f"unreadable input: {exc}", raw="")])
        else:
            batch.add(_guarded(reader.read_lines(json_lines(io.BytesIO(data))), batch))
        table, dead, deletes = batch.take()
    return _Part(
        end=end,
        lines=data.count(b"\n"),
        table=table,
        dead=dead,
        deletes=deletes,
        skipped=Counter(run.skipped),
        records=run.records_read,
        posts=run.posts_read,
        context=run.context_read,
        last_record=batch.last_record,
        broken=batch.broken,
    )
