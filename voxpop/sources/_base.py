"""What a reader is, what it yields, and the helpers readers share.

A reader is a pure function from a byte stream to items: canonical `Post`s, `Delete` events,
`DeadLetter`s for records it cannot read (with the reason and the raw text) and `Skipped`
counts for records that hold no post by design (likes, profiles, account events). It does no
I/O policy: opening, decompression, batching and storing belong to `voxpop.ingest`.

The shared pieces, one way each: records are split by `split_json` (every JSON format, with
`iter_json_records` and `read_typed_json` on top of it) and `iter_csv_rows` / `map_csv_rows`;
JSON is decoded by `decode_json` and dead letters' raw text encoded by `encode_json`; HTML is
reduced to text by `html_to_text`; per-record failures are `RECORD_ERRORS`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from html import unescape
from typing import IO, Any, NamedTuple, TypeVar

import msgspec

from voxpop.schema import Kind, Post

__all__ = [
    "NULL_TEXTS",
    "RECORD_ERRORS",
    "DeadLetter",
    "Delete",
    "HtmlText",
    "Item",
    "Parsed",
    "Reader",
    "Sample",
    "Skipped",
    "as_id",
    "convert_each",
    "csv_line",
    "dead",
    "decode_json",
    "decode_record",
    "decode_text",
    "encode_json",
    "get_path",
    "head_value",
    "html_to_text",
    "int64",
    "int64_or_none",
    "is_json_lines",
    "iter_csv_rows",
    "iter_json_records",
    "json_lines",
    "map_csv_rows",
    "parse_time",
    "peek",
    "raw_json",
    "read_typed_json",
    "read_typed_records",
    "set_relation",
    "split_json",
    "split_list",
    "str_or_none",
    "unescape_amp_lt_gt",
]

MAX_RAW = 65_536  # raw text kept per dead letter; enough to diagnose, bounded for hostile input

# What mapping one record may raise, so that it becomes a dead letter and the rest of the input
# is still read: lookups and types that do not match, values that do not parse (ValueError
# includes msgspec's DecodeError and UnicodeDecodeError), out-of-range numbers and epoch
# timestamps (OverflowError, OSError), msgspec conversions, and values nested too deeply to
# walk (RecursionError).
RECORD_ERRORS = (
    RecursionError,
    LookupError,
    TypeError,
    ValueError,
    AttributeError,
    OverflowError,
    OSError,
    msgspec.MsgspecError,
)


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
    """A dead letter, its raw text decoded (undecodable bytes replaced) and cut to MAX_RAW."""
    if isinstance(raw, bytes):
        raw = raw[: MAX_RAW * 4].decode("utf-8", errors="replace")
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
    # For formats whose JSON lines are records on their own: reads numbered lines (`json_lines`)
    # of any part of such an input (`is_json_lines`), so that ingest can read the parts of a
    # large file in parallel. None where records span lines.
    read_lines: Callable[[Iterable[tuple[int, bytes]]], Iterator[Item]] | None = None


_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(data: bytes) -> str:
    """Bytes to text: UTF-8 (BOM dropped); UTF-16 when it has a BOM; undecodable bytes replaced."""
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


# -- streams ------------------------------------------------------------------------------------


def peek(stream: IO[bytes], size: int = 4096) -> tuple[bytes, IO[bytes]]:
    """The first bytes of a stream with BOM and leading blanks dropped, and the whole stream.

    Lets a reader choose between layouts (CSV or JSON, JSON or Redis frames) without a seekable
    input.
    """
    head = stream.read(size)
    return head.removeprefix(_UTF8_BOM).lstrip(), _prefixed(head, stream)


def _prefixed(head: bytes, stream: IO[bytes]) -> IO[bytes]:
    """A stream that yields `head` (bytes already read from `stream`), then the rest of it."""
    return io.BufferedReader(_Prefixed(head, stream))


class _Prefixed(io.RawIOBase):
    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self._prefix = prefix
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            count = min(len(view), len(self._prefix))
            view[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def _utf8_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of a stream as UTF-8: a byte-order mark dropped, UTF-16 (by its BOM, as
    Windows PowerShell writes redirected output) transcoded."""
    first = stream.readline()
    if first.startswith(_UTF16_BOMS):
        text = io.TextIOWrapper(_prefixed(first, stream), encoding="utf-16", errors="replace")
        return (line.encode("utf-8") for line in text)
    return itertools.chain((first.removeprefix(_UTF8_BOM),) if first else (), stream)


# -- JSON -------------------------------------------------------------------------------------

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()
_json_decoder = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\r\n]*")
_BLANKS = re.compile(r"[ \t]*")
_SEPARATORS = re.compile(r"[ \t\r\n,]*")
# Input read ahead, at most, to tell JSON lines with a damaged first line from a document.
_PROBE_BYTES = 1 << 20


def decode_json(data: bytes | str) -> Any:
    """A JSON value decoded generically: by msgspec, and leniently where msgspec refuses.

    Invalid UTF-8 is replaced (U+FFFD); escaped lone surrogates ("\\ud83d" cut from its pair),
    which msgspec refuses and the store cannot encode, become "?"; NaN and Infinity, which
    Python's json module writes, are read. Raises msgspec.DecodeError (a ValueError) for input
    that is not JSON.
    """
    if isinstance(data, bytes) and data.startswith((_UTF8_BOM, *_UTF16_BOMS)):
        data = decode_text(data)
    try:
        try:
            return _decoder.decode(data)
        except UnicodeDecodeError:
            data = decode_text(data) if isinstance(data, bytes) else data
            return _decoder.decode(data)
    except msgspec.DecodeError as exc:
        error = exc
    except RecursionError:
        raise msgspec.DecodeError("JSON is nested too deeply") from None
    try:
        return _without_surrogates(json.loads(data))
    except (ValueError, RecursionError):
        raise error from None


def _without_surrogates(value: Any) -> Any:
    """A value from Python's json module with lone surrogates in its strings replaced by "?"."""
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", errors="replace").decode("utf-8")
        return value
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def encode_json(value: Any) -> bytes:
    """A decoded value as compact JSON, for the raw text of a dead letter; never raises."""
    try:
        return _encoder.encode(value)
    except (TypeError, ValueError, OverflowError):  # not JSON data, or a lone surrogate
        text = json.dumps(value, default=str, ensure_ascii=False)
        return text.encode("utf-8", errors="replace")


class Parsed(msgspec.Struct, frozen=True, gc=False):
    """A record that comes decoded already: an element (or the whole) of a document read whole."""

    value: Any


def split_json(stream: IO[bytes]) -> Iterator[tuple[int, bytes | Parsed] | DeadLetter]:
    """The records of JSON lines or of one JSON document, numbered from 1.

    JSON lines stream: each non-blank line comes as its raw bytes with its line number, so that
    a reader may decode it with typed structs (`read_typed_json`) or generically
    (`iter_json_records`), and input of any size is read in bounded memory. A line that is not
    JSON is the reader's to turn into a dead letter; a line holding an array is one record.

    A document -- printed over several lines, or a lone array on one line -- is read whole and
    its records come decoded (`Parsed`): the elements of a top-level array, numbered from 1, or
    the document itself as record 1. A damaged document keeps every value that can be read on
    its own: the array's elements before the damage and, where the elements start lines of
    their own, after it (values written one after another, as `jq .` prints JSON lines, are
    read the same way); each damaged stretch is one dead letter.

    A first line that is not JSON on its own is either the start of a document or a damaged
    first line of JSON lines: at most the first MiB is read to tell them apart, by whether its
    lines hold whole objects (JSON lines do, pretty printers never print one on a line) or end
    in commas (pretty printers do, JSON lines never).
    """
    # Not a generator itself: JSON lines, the common case, come straight from _json_lines.
    lines = _utf8_lines(stream)
    number = 0
    blank: list[bytes] = []
    for line in lines:
        number += 1
        if not line.isspace():
            break
        blank.append(line)
    else:
        return iter(())
    first = line.strip()
    if first in (b"{", b"["):  # how pretty printers open a document
        return _document(b"".join(itertools.chain(blank, (line,), lines)), maybe_lines=False)
    try:
        value = decode_json(first)
    except ValueError:
        return _undecided(number, blank, line, lines)
    if isinstance(value, list):
        # One line holding an array: the whole document, unless more lines follow.
        ahead = 0
        for following in lines:
            ahead += 1
            if not following.isspace():
                break
        else:
            return _records(value)
        head = ((number, line), (number + ahead, following))
        return itertools.chain(head, json_lines(lines, number + ahead))
    return itertools.chain(((number, line),), json_lines(lines, number))


def is_json_lines(stream: IO[bytes], limit: int) -> bool:
    """Whether `split_json` reads this input as JSON lines, each non-blank line a record numbered
    by its line, so that any run of whole lines can be read on its own with `json_lines`.

    Reads up to the first non-blank line, if it is shorter than `limit` bytes. False where
    `split_json` reads a document, a BOM, or a first line that is damaged or an array (inputs
    it reads differently), and for a longer first line (most likely a whole document).
    """
    while True:
        line = stream.readline(limit)
        if not line or (len(line) == limit and not line.endswith(b"\n")):
            return False
        if not line.isspace():
            break
    first = line.strip()
    if line.startswith((_UTF8_BOM, *_UTF16_BOMS)) or first in (b"{", b"["):
        return False
    try:
        return not isinstance(decode_json(first), list)
    except ValueError:
        return False


def _undecided(
    number: int, blank: list[bytes], line: bytes, lines: Iterator[bytes]
) -> Iterator[tuple[int, bytes | Parsed] | DeadLetter]:
    """The records of input whose first line (`line`, number `number`, after `blank` lines) is
    not JSON on its own: a document, or JSON lines whose first line is damaged."""
    buffered = [line]
    size = len(line)
    for more in lines:
        buffered.append(more)
        size += len(more)
        if size > _PROBE_BYTES:
            break
    else:
        if not line.lstrip().startswith(b"[") and all(m.isspace() for m in buffered[1:]):
            yield number, line  # one line, not an array: one damaged record
        else:
            yield from _document(b"".join(blank + buffered), maybe_lines=True)
        return
    if _looks_like_lines(buffered):
        yield from json_lines(itertools.chain(buffered, lines), number - 1)
    else:
        yield from _document(b"".join(itertools.chain(blank, buffered, lines)), maybe_lines=True)


def json_lines(lines: Iterable[bytes], number: int = 0) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines after line `number`, numbered on from it: the records of JSON lines
    (see `is_json_lines`)."""
    for line in lines:
        number += 1
        # isspace() stops at the first visible byte; strip() would copy the whole line.
        if not line.isspace():
            yield number, line


def _records(value: Any) -> Iterator[tuple[int, Parsed]]:
    if isinstance(value, list):
        for number, element in enumerate(value, start=1):
            yield number, Parsed(element)
    else:
        yield 1, Parsed(value)


def _document(
    data: bytes, *, maybe_lines: bool
) -> Iterator[tuple[int, bytes | Parsed] | DeadLetter]:
    """The records of a document read whole; `maybe_lines` where, if it does not decode, it
    may be JSON lines whose first line is damaged."""
    try:
        value = decode_json(data)
    except ValueError:
        if maybe_lines and _looks_like_lines(io.BytesIO(data)):
            yield from json_lines(iter(io.BytesIO(data)), 0)
        else:
            yield from _salvage(decode_text(data))
        return
    yield from _records(value)


def _looks_like_lines(lines: Iterable[bytes]) -> bool:
    """Whether lines that make no JSON document are JSON lines, some damaged, rather than a
    damaged document: more of them hold a whole non-empty object or array than end in a comma."""
    whole = commas = 0
    for line in lines:
        line = line.strip()
        if line.endswith(b","):
            commas += 1
        elif len(line) > 2 and line[:1] + line[-1:] in (b"{}", b"[]"):
            with contextlib.suppress(ValueError, RecursionError):
                whole += bool(_decoder.decode(line))
    return whole > commas


def _salvage(text: str) -> Iterator[tuple[int, Parsed] | DeadLetter]:
    """The values of a damaged document, each decoded on its own: the elements of a top-level
    array, or values written one after another.

    Reading goes on after a damaged value from the next line that starts a value where values
    start (for an array, the least indented lines that start an object), that holds it whole
    and is followed by what may follow it. Strings cannot hold raw line breaks, so no damage
    can hide where a line starts; values printed on one line leave no place to go on from.
    """
    end = len(text)
    position = _skip(_SPACE, text)
    in_array = text.startswith("[", position)
    if in_array:
        position += 1
    what = "invalid JSON in array" if in_array else "invalid JSON"
    # What may follow a whole value on its line: a separator, the array's end, or (a comma left
    # out) the next value. Anything else is damage that happened to leave a value whole.
    follows = ",]{[\r\n" if in_array else "{[\r\n"
    starts: str | None = None  # how the lines that start values begin, once there is damage
    number = 0
    while True:
        position = _skip(_SEPARATORS, text, position)
        if position >= end:
            return
        number += 1
        try:
            if in_array and text[position] == "]":
                if _skip(_SPACE, text, position + 1) >= end:
                    return
                raise ValueError(f"text after the end of the array (char {position})")
            value, after = _json_decoder.raw_decode(text, position)
            after = _skip(_BLANKS, text, after)
            if after < end and text[after] not in follows:
                raise ValueError(f"unexpected {text[after]!r} after a value (char {after})")
            value = _without_surrogates(value)
        except (ValueError, RecursionError) as exc:
            if starts is None:
                starts = "\n" + (_element_indent(text) if in_array else "") + "{"
            resume = _resume_at(text, position, starts, follows)
            yield dead(number, f"{what}: {exc}", text[position : min(resume, position + MAX_RAW)])
            position = resume
            continue
        yield number, Parsed(value)
        position = after


_OBJECT_LINE = re.compile(r"\n([ \t]*)\{")


def _element_indent(text: str) -> str:
    """The indentation of an array's elements: that of its least indented lines that start an
    object (an element's own objects are indented further)."""
    return min((m.group(1) for m in _OBJECT_LINE.finditer(text)), key=len, default="")


def _resume_at(text: str, start: int, starts: str, follows: str) -> int:
    """The first place after `start` where a line begins with `starts` and the value it starts
    is whole and followed by one of `follows` (or the end); else the end of the text."""
    position = start
    while (found := text.find(starts, position)) >= 0:
        position = found + len(starts) - 1
        try:
            _, after = _json_decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            position += 1
            continue
        after = _skip(_BLANKS, text, after)
        if after >= len(text) or text[after] in follows:
            return position
        position += 1
    return len(text)


def _skip(pattern: re.Pattern[str], text: str, position: int = 0) -> int:
    """Where the run of `pattern` (white space, separators) at `position` ends."""
    match = pattern.match(text, position)
    return match.end() if match else position


def iter_json_records(stream: IO[bytes]) -> Iterator[tuple[int, Any] | DeadLetter]:
    """The records of JSON lines or of a JSON document (see `split_json`), decoded generically
    (see `decode_record`)."""
    for record in split_json(stream):
        # Most records are lines of plain JSON: msgspec alone decodes them. type() tests, not
        # isinstance(), which is several times slower against msgspec Structs, per line.
        if type(record) is tuple and type(record[1]) is bytes:
            try:
                value = _decoder.decode(record[1])
            except (ValueError, RecursionError):
                pass
            else:
                yield record[0], value
                continue
        yield decode_record(record)


def decode_record(record: tuple[int, bytes | Parsed] | DeadLetter) -> tuple[int, Any] | DeadLetter:
    """A record of `split_json` as (number, value), decoded with `decode_json`; a line that is
    not JSON is a dead letter."""
    if isinstance(record, DeadLetter):
        return record
    number, raw = record
    if isinstance(raw, Parsed):
        return number, raw.value
    try:
        return number, decode_json(raw)
    except ValueError as exc:
        return dead(number, f"invalid JSON: {exc}", raw.rstrip(b"\r\n"))


T = TypeVar("T")
Salvaged = tuple[T, dict[str, Any], list[DeadLetter]]


def read_typed_json(
    stream: IO[bytes],
    decoder: msgspec.json.Decoder[T],
    items: Callable[[T, int, bytes | dict[str, Any]], Iterable[Item]],
    salvage: Callable[[int, dict[str, Any], msgspec.ValidationError], Salvaged[T] | DeadLetter],
    *,
    arrays: bool = True,
) -> Iterator[Item]:
    """The items of JSON records decoded straight into a reader's typed structs: the fast path.

    Each line (see `split_json`) is decoded with `decoder` and handed to `items` with its number
    and raw bytes (for dead letters). Records that come decoded generically -- the elements of a
    document read whole, lines whose values do not fit the types, lines only `decode_json`
    reads -- are converted object by object and handed to `items` with the decoded object in
    place of the raw bytes. An object that does not convert goes to `salvage`, which returns
    what it could convert, the object less the parts it could not (so that positions in it
    still match) and a dead letter for each of those; or one dead letter for the whole.

    With `arrays`, a record holding an array holds records (as timelines saved a page per line
    do), each a dead letter if it is not an object; without, it is one record, and no object.
    """
    yield from read_typed_records(split_json(stream), decoder, items, salvage, arrays=arrays)


def read_typed_records(
    records: Iterable[tuple[int, bytes | Parsed] | DeadLetter],
    decoder: msgspec.json.Decoder[T],
    items: Callable[[T, int, bytes | dict[str, Any]], Iterable[Item]],
    salvage: Callable[[int, dict[str, Any], msgspec.ValidationError], Salvaged[T] | DeadLetter],
    *,
    arrays: bool = True,
) -> Iterator[Item]:
    """`read_typed_json` over records already split: those of `split_json`, or numbered JSON
    lines of a part of a file (a reader's `read_lines`)."""
    type_ = decoder.type

    def converted(number: int, value: Any) -> Iterator[Item]:
        for obj in value if arrays and isinstance(value, list) else (value,):
            if not isinstance(obj, dict):
                yield dead(number, "not a JSON object", encode_json(obj))
                continue
            try:
                typed = msgspec.convert(obj, type_)
            except msgspec.ValidationError as exc:
                salvaged = salvage(number, obj, exc)
                if isinstance(salvaged, DeadLetter):
                    yield salvaged
                    continue
                typed, obj, dead_letters = salvaged
                yield from dead_letters
            yield from items(typed, number, obj)

    for record in records:
        if isinstance(record, DeadLetter):
            yield record
            continue
        number, raw = record
        if isinstance(raw, Parsed):
            yield from converted(number, raw.value)
            continue
        try:
            value = decoder.decode(raw)
        except (ValueError, RecursionError):  # not JSON, not of the types, not UTF-8, too deep
            try:
                loose = decode_json(raw)
            except ValueError as exc:
                yield dead(number, f"invalid JSON: {exc}", raw.rstrip(b"\r\n"))
                continue
            yield from converted(number, loose)
            continue
        yield from items(value, number, raw)


def convert_each(
    number: int, items: list[Any], type_: type[T], where: str, dead_letters: list[DeadLetter]
) -> tuple[list[T], list[Any]]:
    """The items that convert to `type_`, and the same items as they were; a dead letter,
    "where[index]: error", appended to `dead_letters` for each that does not. For the `salvage`
    of `read_typed_json`, which converts a record's parts one by one."""
    converted: list[T] = []
    kept: list[Any] = []
    for index, item in enumerate(items):
        try:
            converted.append(msgspec.convert(item, type_))
        except msgspec.ValidationError as exc:
            dead_letters.append(dead(number, f"{where}[{index}]: {exc}", encode_json(item)))
        else:
            kept.append(item)
    return converted, kept


def raw_json(source: bytes | Mapping[str, Any], *path: str | int) -> bytes:
    """The raw text of a record -- a JSON line as read, or a decoded record encoded again -- or
    of the part of it at `path` (keys and indexes); the whole record where the path leads
    nowhere."""
    record: Any = source
    if isinstance(source, bytes):
        if not path:
            return source.rstrip(b"\r\n")
        try:
            record = decode_json(source)
        except ValueError:
            return source.rstrip(b"\r\n")
    part = record
    for step in path:
        try:
            part = part[step]
        except (LookupError, TypeError):
            return encode_json(record)
    return encode_json(part)


def head_value(text: str, key: str | None = None) -> Any:
    """The first record in the head of a JSON document too long for a sample to hold: the first
    element of a top-level array or, given `key`, the value of the first `"key":` (its first
    element when that is an array). None when there is none, or it is cut off."""
    position = _skip(_SPACE, text)
    if key is None:
        if not text.startswith("[", position):
            return None
        position += 1
    else:
        at = text.find(f'"{key}"', position)
        if at < 0:
            return None
        position = _skip(_SPACE, text, at + len(key) + 2)
        if not text.startswith(":", position):
            return None
        position = _skip(_SPACE, text, position + 1)
        if text.startswith("[", position):
            position += 1
    try:
        value, _ = _json_decoder.raw_decode(text, _skip(_SPACE, text, position))
    except ValueError:
        return None
    return value


# -- CSV --------------------------------------------------------------------------------------


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
            yield dead(number, f"row has {len(cells)} cells, header has {width}", csv_line(cells))
            continue
        yield number, dict(zip(header, cells, strict=True))


def map_csv_rows(
    stream: IO[bytes],
    to_item: Callable[[int, Mapping[str, str]], Item],
    *,
    reason: str = "",
) -> Iterator[Item]:
    """The items of CSV rows (see `iter_csv_rows`) mapped one at a time by `to_item`.

    A row it fails on (RECORD_ERRORS) is a dead letter whose reason is `reason` and the error,
    and the rest of the file is still read.
    """
    for row in iter_csv_rows(stream):
        if isinstance(row, DeadLetter):
            yield row
            continue
        number, cells = row
        try:
            yield to_item(number, cells)
        except RECORD_ERRORS as exc:
            yield dead(number, f"{reason}{exc}", csv_line(cells.values()))


def csv_line(cells: Iterable[str]) -> str:
    """Cells as one CSV line, quoted where they need it: the raw text of a row."""
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue().rstrip("\r\n")


# -- values -----------------------------------------------------------------------------------


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


def as_id(value: object) -> str:
    """An id as text: sources give ids as non-empty strings or as integers; anything else
    (booleans included) is a TypeError."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"not an id: {value!r}")


def str_or_none(value: object) -> str | None:
    """`value` when it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


_INT64_LIMIT = 2**63
# Cell texts that mean "no value", compared in lower case.
NULL_TEXTS = frozenset({"", "n/a", "na", "-", "null", "none", "nan"})
_URL_STARTS = ("http://", "https://", "www.")


def int64(value: int) -> int:
    """A count as the store keeps it (64-bit); a ValueError for anything larger."""
    if not -_INT64_LIMIT <= value < _INT64_LIMIT:
        raise ValueError(f"count out of range: {value}")
    return value


def int64_or_none(value: object) -> int | None:
    """An integer that fits the store's 64-bit counts, or None for anything else (absent,
    text, booleans, out of range)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if -_INT64_LIMIT <= value < _INT64_LIMIT else None


def split_list(value: object, *, commas: bool = True) -> list[str]:
    """A list cell: JSON array, Python list repr, or space-separated (and, by default,
    comma-separated) text."""
    if value is None:
        return []
    if isinstance(value, list):
        items: list[str] = []
        for element in value:
            if isinstance(element, (dict, list)):
                raise ValueError(f"list holds an object, not a value: {element!r}")
            if element is not None and str(element).strip():
                items.append(str(element).strip())
        return items
    text = str(value).strip()
    if not text or text.lower() in NULL_TEXTS:
        return []
    if text[0] == "[" and text[-1] == "]":
        try:
            return split_list(decode_json(text))
        except ValueError:
            return _bracketed(text[1:-1])
    if not commas:
        return text.split()
    return [part for token in text.split() for part in _split_commas(token)]


def _bracketed(inner: str) -> list[str]:
    """Items of a Python list repr: quoted strings, or bare words between commas."""
    items: list[str] = []
    position, size = 0, len(inner)
    while position < size:
        char = inner[position]
        if char in " ,\t\r\n":
            position += 1
            continue
        if char in "'\"":
            end = inner.find(char, position + 1)
            end = size if end < 0 else end
            items.append(inner[position + 1 : end])
        else:
            end = inner.find(",", position)
            end = size if end < 0 else end
            items.append(inner[position:end].strip())
        position = end + 1
    return [item for item in items if item]


def _split_commas(token: str) -> list[str]:
    """Comma-separated items; a comma inside a URL (not followed by a new URL) stays."""
    if "," not in token:
        return [token]
    parts: list[str] = []
    for part in token.split(","):
        if (
            parts
            and part
            and parts[-1].startswith(_URL_STARTS)
            and not part.startswith(_URL_STARTS)
        ):
            parts[-1] += "," + part
        elif part:
            parts.append(part)
    return parts


def unescape_amp_lt_gt(text: str) -> str:
    """Text with `&lt;`, `&gt;` and `&amp;` turned back into characters: Twitter and Reddit
    HTML-escape exactly these three, so other `&...;` sequences are what the author typed."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def set_relation(
    post: Post,
    kind: Kind,
    parent_id: str | None = None,
    parent_author_id: str | None = None,
    *,
    context: bool = False,
) -> Post:
    """`post` with its kind, parent and context flag set (each only where it differs from the
    default). Post() takes over twice as long with more than 15 keywords (msgspec 0.22), so
    readers set these fields, which most posts leave at their defaults, afterwards."""
    if kind != "post":
        post.kind = kind
    if parent_id is not None:
        post.parent_id = parent_id
    if parent_author_id is not None:
        post.parent_author_id = parent_author_id
    if context:
        post.context = True
    return post


# -- HTML -------------------------------------------------------------------------------------

# Tags that set a paragraph apart (a blank line), that start a line, and that end one too.
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "hr"}
)
_LINE_TAGS = frozenset({"br", "div", "li", "tr", "dt", "dd", "section", "article", "figure"})
_BOX_TAGS = frozenset({"div", "section", "article", "figure"})
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title"})
_TAG_NAME = re.compile(r"/?([a-zA-Z][^\s/>]*)")
_BLANK_LINES = re.compile(r"\n{3,}")


class HtmlText(NamedTuple):
    """HTML reduced to plain text, and the URLs its links point to."""

    text: str
    links: list[str]


def html_to_text(html: str) -> HtmlText:
    """HTML as plain text: tags dropped, entities decoded, block tags kept as line breaks
    (paragraphs, headings, lists and tables apart by a blank line), white space collapsed as a
    browser shows it, scripts and styles left out. `links` are the `<a href>` targets, once each,
    other than Mastodon's mention and hashtag links.

    Status and feed HTML is sanitised (tags well formed, attributes quoted), so splitting at
    "<" is enough, and several times faster than a general HTML parser; on every feed, Mastodon
    and YouTube sample it gives what Python's HTMLParser gives.
    """
    if "<" not in html:
        if "&" not in html:
            return HtmlText(html.strip(), [])
        return HtmlText(_collapse(_html_data(html.replace("\n", " "))), [])
    if "<!--" in html:
        html = _without_comments(html)
    # Line breaks in the source are spaces in HTML: the tags alone make lines.
    pieces = html.replace("\n", " ").split("<")
    parts = [_html_data(pieces[0]) if "&" in pieces[0] else pieces[0]]
    links: list[str] = []
    hidden = 0
    for piece in pieces[1:]:
        end = piece.find(">")
        tag = _TAG_NAME.match(piece) if end > 0 else None
        if tag is None:
            if end > 0 and piece[0] in "!?":  # a declaration or processing instruction
                text = piece[end + 1 :]
            elif end == 1 and piece[0] == "/":  # "</>" is dropped
                text = piece[2:]
            else:  # a "<" that starts no tag is text
                text = "<" + piece
            if not hidden:
                parts.append(_html_data(text) if "&" in text else text)
            continue
        name = tag.group(1).lower()
        closing = piece[0] == "/"
        if not closing:
            if name in _HIDDEN_TAGS:
                hidden += 1
            elif name in _PARAGRAPH_TAGS:
                parts.append("\n\n")
            elif name in _LINE_TAGS:
                parts.append("\n")
            elif name == "a":
                _add_link(piece[:end], links)
        if closing or piece[end - 1] == "/":  # an end tag, or "<p/>", which ends at once
            if name in _HIDDEN_TAGS:
                hidden = max(0, hidden - 1)
            elif name in _PARAGRAPH_TAGS:
                parts.append("\n\n")
            elif name in _BOX_TAGS:
                parts.append("\n")
        if not hidden:
            text = piece[end + 1 :]
            parts.append(_html_data(text) if "&" in text else text)
    return HtmlText(_collapse("".join(parts)), links)


def _html_data(text: str) -> str:
    # An entity may stand for a line break, which is a space like any other in the source.
    return unescape(text).replace("\n", " ")


def _collapse(text: str) -> str:
    text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    return (_BLANK_LINES.sub("\n\n", text) if "\n\n\n" in text else text).strip()


def _without_comments(html: str) -> str:
    kept: list[str] = []
    position = 0
    while (start := html.find("<!--", position)) >= 0:
        kept.append(html[position:start])
        end = html.find("-->", start + 4)
        position = len(html) if end < 0 else end + 3
    kept.append(html[position:])
    return "".join(kept)


def _add_link(tag: str, links: list[str]) -> None:
    href = _attribute(tag, "href")
    if href and href not in links:
        classes = (_attribute(tag, "class") or "").split()
        if "mention" not in classes and "hashtag" not in classes:
            links.append(href)


def _attribute(tag: str, name: str) -> str | None:
    for quote in ('"', "'"):
        start = tag.find(f" {name}={quote}")
        if start >= 0:
            start += len(name) + 3
            end = tag.find(quote, start)
            value = tag[start:end] if end >= 0 else tag[start:]
            return unescape(value) if "&" in value else value
    return None
