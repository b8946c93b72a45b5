"""What a reader is, what it yields, and the record-splitting helpers readers share.

A reader is a pure function from a byte stream to items: canonical `Post`s, `Delete` events,
`DeadLetter`s for records it cannot read (with the reason and the raw text) and `Skipped`
counts for records that hold no post by design (likes, profiles, account events). It does no
I/O policy: opening, decompression, batching and storing belong to `voxpop.ingest`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import IO, Any

import msgspec

from voxpop.schema import Post

__all__ = [
    "DeadLetter",
    "Delete",
    "Item",
    "Reader",
    "Sample",
    "Skipped",
    "decode_text",
    "iter_csv_rows",
    "iter_json_lines",
    "iter_json_values",
    "parse_time",
]

MAX_RAW = 65_536  # raw text kept per dead letter; enough to diagnose, bounded for hostile input


class DeadLetter(msgspec.Struct, frozen=True):
    """A record that could not be read: its position, why, and its raw text."""

    record: int
    reason: str
    raw: str


class Delete(msgspec.Struct, frozen=True):
    """The source says this post was deleted: it must be removed everywhere."""

    platform: str
    post_id: str
    record: int


class Skipped(msgspec.Struct, frozen=True):
    """A record that holds no post by design (a like, a profile update), counted by `what`."""

    what: str
    record: int


Item = Post | Delete | DeadLetter | Skipped


def dead(record: int, reason: str, raw: str | bytes) -> DeadLetter:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    return DeadLetter(record=record, reason=reason, raw=raw[:MAX_RAW])


class Sample:
    """The head of an input, decoded, for readers to recognise their format by content."""

    def __init__(self, head: bytes, complete: bool) -> None:
        self.head_bytes = head
        self.complete = complete  # True when `head` is the whole input
        self.text = decode_text(head)

    @cached_property
    def first_line(self) -> str:
        return self.text.lstrip().split("\n", 1)[0].strip()

    @cached_property
    def first_json(self) -> Any:
        """The first JSON value: the first line of JSON lines, or the whole (small) document.

        None when the head is not JSON, or is one large document that does not fit in it.
        """
        stripped = self.text.strip()
        if not stripped or stripped[0] not in "[{":
            return None
        try:
            return json.loads(self.first_line)
        except ValueError:
            pass
        if self.complete:
            try:
                return json.loads(stripped)
            except ValueError:
                return None
        return None

    @cached_property
    def csv_header(self) -> list[str] | None:
        """Column names when the head looks like a CSV file with a header row."""
        stripped = self.text.lstrip()
        if not stripped or stripped[0] in "[{<":
            return None
        try:
            header = next(csv.reader(io.StringIO(stripped)))
        except (csv.Error, StopIteration):
            return None
        names = [h.strip() for h in header]
        return names if len(names) >= 2 and all(names) else None

    def has_columns(self, *names: str) -> bool:
        header = self.csv_header
        return header is not None and set(names) <= set(header)


@dataclass(frozen=True)
class Reader:
    """A named format: how to recognise it and how to read it."""

    name: str
    description: str
    sniff: Callable[[Sample], bool]
    read: Callable[[IO[bytes]], Iterator[Item]]


def decode_text(data: bytes) -> str:
    """Bytes to text: UTF-8 (BOM dropped); UTF-16 when it has a BOM; undecodable bytes replaced."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


_json_decoder = msgspec.json.Decoder()


def iter_json_lines(stream: IO[bytes]) -> Iterator[tuple[int, Any] | DeadLetter]:
    """JSON lines as (line number, value); unreadable lines as dead letters. Blank lines skipped.

    A truncated last line is an ordinary unreadable line: a dead letter, never a crash.
    """
    for number, line in enumerate(stream, start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        try:
            yield number, _json_decoder.decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            # msgspec reports invalid UTF-8 inside a string as a UnicodeDecodeError.
            yield dead(number, f"invalid JSON: {exc}", line.rstrip(b"\r\n"))


def iter_json_values(stream: IO[bytes]) -> Iterator[tuple[int, Any] | DeadLetter]:
    """The records of a JSON document or of JSON lines, numbered from 1.

    A top-level array yields its elements; an object or JSON lines yield each value. A damaged
    array keeps the elements before the damage and sends the rest to one dead letter.
    """
    data = stream.read()
    text = decode_text(data).strip()
    if not text:
        return
    try:
        value = json.loads(text)
    except ValueError:
        if text[0] == "[":
            yield from _salvage_array(text)
        else:
            yield from iter_json_lines(io.BytesIO(text.encode("utf-8")))
        return
    if isinstance(value, list):
        yield from enumerate(value, start=1)
    else:
        yield 1, value


def _salvage_array(text: str) -> Iterator[tuple[int, Any] | DeadLetter]:
    decoder = json.JSONDecoder()
    position, number = 1, 0
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return
        number += 1
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError as exc:
            yield dead(number, f"invalid JSON in array: {exc}", text[position:])
            return
        yield number, value


def iter_csv_rows(
    stream: IO[bytes],
) -> Iterator[tuple[int, dict[str, str]] | DeadLetter]:
    """CSV rows as (row number, {column: value}), data rows numbered from 1 after the header.

    Rows with more cells than the header, or cut short, are dead letters; quoted cells may span
    lines. The header is matched by name, so column order never matters.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        yield dead(0, f"unreadable CSV header: {exc}", "")
        return
    width = len(header)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield dead(number, f"unreadable CSV row: {exc}", "")
            continue
        if not cells or cells == [""]:
            number -= 1
            continue
        if len(cells) != width:
            raw = ",".join(cells)
            yield dead(number, f"row has {len(cells)} cells, header has {width}", raw)
            continue
        yield number, dict(zip(header, cells, strict=True))


def parse_time(value: object) -> datetime | None:
    """A timestamp to an aware UTC datetime: ISO 8601 strings, or epoch seconds (int/float/str).

    Naive times are taken as UTC. Raises ValueError for anything else.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and _is_number(value)):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"timestamp out of range: {value!r}") from exc
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    raise ValueError(f"not a timestamp: {value!r}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def get_path(record: Mapping[str, Any], *keys: str) -> Any:
    """record[k1][k2]... or None where any step is missing or not a mapping."""
    value: Any = record
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value
