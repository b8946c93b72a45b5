"""Ingest: files in, posts stored. The one path every input takes into the database.

For each file: pick the reader (by content, or as named), stream its items, and load posts in
Arrow batches; dead letters, deletions and skipped records are kept and counted; the run is
recorded. A file that cannot be read is reported and the others still go in.
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
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
    Reader,
    Skipped,
    decompress,
    detect,
    expand_paths,
    generic,
    get_reader,
)
from voxpop.store import IngestRun, Store

__all__ = ["BATCH_SIZE", "FileError", "IngestReport", "ingest"]

BATCH_SIZE = 50_000

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
    posts: list[Post] = []
    dead: list[DeadLetter] = []
    deletes: list[Delete] = []
    skipped: Counter[str] = Counter()
    last_record = -1

    def flush() -> None:
        table = _posts_table(posts, file, collection, dead)
        if key is not None:
            table = pseudonymize(table, key)
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
        posts.clear()
        dead.clear()
        deletes.clear()

    with path.open("rb") as raw, decompress(raw) as stream:
        try:
            for item in reader.read(stream):
                if item.record != last_record:
                    run.records_read += 1
                    last_record = item.record
                if isinstance(item, Post):
                    posts.append(item)
                    if item.context:
                        run.context_read += 1
                    else:
                        run.posts_read += 1
                    if len(posts) >= BATCH_SIZE:
                        flush()
                        if progress:
                            progress(file, raw.tell(), size, run.posts_read + run.context_read)
                elif isinstance(item, DeadLetter):
                    dead.append(item)
                elif isinstance(item, Delete):
                    deletes.append(item)
                elif isinstance(item, Skipped):
                    skipped[item.what] += 1
        except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
            # A damaged compressed stream or a read error: keep what was read before it.
            dead.append(
                DeadLetter(record=last_record + 1, reason=f"unreadable input: {exc}", raw="")
            )
        flush()
        if progress:
            progress(file, size, size, run.posts_read + run.context_read)
    run.skipped = dict(skipped)
    store.finish_run(run)
    return run
