"""Shared test fixtures: the real-world samples in ../shared/fixtures and reader helpers."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from voxpop.schema import Post
from voxpop.sources import open_input
from voxpop.sources._base import DeadLetter, Delete, Reader, Skipped

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


def fixture_path(relative: str) -> Path:
    """A file under ../shared/fixtures; the test is skipped, saying why, when it is absent."""
    path = FIXTURES / relative
    if not path.exists():
        pytest.skip(f"real-world fixtures not found at {FIXTURES} (see shared/README.md)")
    return path


@dataclass
class ReadResult:
    posts: list[Post] = field(default_factory=list)
    deletes: list[Delete] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def collected(self) -> list[Post]:
        return [p for p in self.posts if not p.context]

    @property
    def context(self) -> list[Post]:
        return [p for p in self.posts if p.context]


def read_stream(reader: Reader, stream: IO[bytes]) -> ReadResult:
    """Run a reader over a stream and sort what it yields."""
    result = ReadResult()
    for item in reader.read(stream):
        if isinstance(item, Post):
            result.posts.append(item)
        elif isinstance(item, Delete):
            result.deletes.append(item)
        elif isinstance(item, DeadLetter):
            result.dead.append(item)
        else:
            assert isinstance(item, Skipped), f"a reader yielded {item!r}"
            result.skipped[item.what] += 1
    return result


def read_all(reader: Reader, path: Path) -> ReadResult:
    """Run a reader over a file and sort what it yields."""
    with open_input(path) as stream:
        return read_stream(reader, stream)


def read_bytes(reader: Reader, data: bytes) -> ReadResult:
    """Run a reader over bytes in memory and sort what it yields."""
    return read_stream(reader, io.BytesIO(data))
