"""Input formats: one module per format, chosen by sniffing content, never file names.

`READERS` is the detection order: specific formats before general ones. `detect` returns the
first reader whose `sniff` accepts the input's head; `open_input` undoes gzip, zstd and bz2 by
their magic bytes; `expand_paths` walks directories.
"""

from __future__ import annotations

import bz2
import gzip
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, cast

import zstandard

from voxpop.errors import FormatError
from voxpop.sources import (
    bluesky,
    cnt,
    crowdtangle,
    generic,
    io_archive,
    mastodon,
    reddit,
    rss,
    telegram,
    twitter_v1,
    twitter_v2,
    youtube,
)
from voxpop.sources._base import DeadLetter, Delete, Item, Reader, Sample, Skipped

__all__ = [
    "READERS",
    "DeadLetter",
    "Delete",
    "Item",
    "Reader",
    "Sample",
    "Skipped",
    "decompress",
    "detect",
    "expand_paths",
    "get_reader",
    "open_input",
]

READERS: tuple[Reader, ...] = (
    twitter_v2.READER,
    twitter_v1.READER,
    io_archive.READER,
    mastodon.READER,
    bluesky.READER,
    reddit.READER,
    youtube.READER,
    telegram.READER,
    crowdtangle.READER,
    cnt.READER,
    rss.READER,
    generic.READER,
)

SAMPLE_BYTES = 65_536


def get_reader(name: str) -> Reader:
    for reader in READERS:
        if reader.name == name:
            return reader
    known = ", ".join(r.name for r in READERS)
    raise FormatError(f"unknown format {name!r}; known formats: {known} (see `voxpop formats`)")


def open_input(path: Path) -> IO[bytes]:
    """Open a file for reading, decompressing gzip, zstd or bz2 transparently (by magic bytes).

    Closing the stream closes the file.
    """
    with path.open("rb") as probe:
        magic = probe.read(4)
    if magic[:2] == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if magic[:3] == b"BZh":
        return bz2.open(path, "rb")
    return decompress(path.open("rb"))


def decompress(raw: IO[bytes]) -> IO[bytes]:
    """Wrap a seekable binary file in the decompressor its magic bytes call for, if any.

    The caller keeps `raw` (to follow its position for progress) and closes it.
    """
    magic = raw.read(4)
    raw.seek(0)
    stream: IO[bytes] = raw
    if magic[:2] == b"\x1f\x8b":
        stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
    elif magic == b"\x28\xb5\x2f\xfd":
        stream = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, closefd=False))
    elif magic[:3] == b"BZh":
        stream = bz2.BZ2File(raw, mode="rb")
    return stream


def read_sample(path: Path) -> Sample:
    with open_input(path) as stream:
        head = stream.read(SAMPLE_BYTES + 1)
    return Sample(head[:SAMPLE_BYTES], complete=len(head) <= SAMPLE_BYTES)


def detect(path: Path) -> Reader:
    """The reader for a file, by its content."""
    sample = read_sample(path)
    if not sample.text.strip():
        raise FormatError(f"{path}: the file is empty")
    for reader in READERS:
        if reader.sniff(sample):
            return reader
    raise FormatError(
        f"{path}: no reader recognises this content; name one with --format "
        "(see `voxpop formats`), or map CSV/JSONL columns with --map"
    )


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the files under directories (sorted; hidden files left out)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if child.is_file() and not any(p.startswith(".") for p in relative.parts):
                    yield child
        elif path.exists():
            yield path
        else:
            raise FormatError(f"{path}: no such file or directory")
