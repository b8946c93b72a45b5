"""Placeholder reader for telegram, replaced by its real implementation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from voxpop.sources._base import Item, Reader, Sample


def sniff(sample: Sample) -> bool:
    return False


def read(stream: IO[bytes]) -> Iterator[Item]:
    yield from ()


READER = Reader("telegram", "not yet implemented", sniff, read)
