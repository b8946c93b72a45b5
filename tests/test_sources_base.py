"""The helpers readers share: record splitting, JSON decoding, HTML to text, CSV rows, values."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voxpop.schema import Post, posts_to_table
from voxpop.sources._base import (
    DeadLetter,
    Item,
    Parsed,
    Skipped,
    as_id,
    dead,
    decode_json,
    encode_json,
    head_value,
    html_to_text,
    int64,
    int64_or_none,
    iter_json_records,
    map_csv_rows,
    peek,
    raw_json,
    read_typed_json,
    set_relation,
    split_json,
    str_or_none,
    unescape_amp_lt_gt,
)


def records(data: bytes) -> list[tuple[int, Any] | DeadLetter]:
    return list(iter_json_records(io.BytesIO(data)))


def values(data: bytes) -> list[tuple[int, Any]]:
    return [r for r in records(data) if not isinstance(r, DeadLetter)]


def letters(data: bytes) -> list[int]:
    return [r.record for r in records(data) if isinstance(r, DeadLetter)]


def jsonl(*values: Any) -> bytes:
    return b"".join(json.dumps(v).encode() + b"\n" for v in values)


# -- split_json: lines and documents ----------------------------------------------------------


def test_json_lines_come_raw_with_their_line_numbers() -> None:
    data = b"\xef\xbb\xbf" + b'{"a": 1}\n\n  \n{"a": 2}\r\n[3, 4]\nnot json\n{"a": 5'
    split = list(split_json(io.BytesIO(data)))
    assert split == [
        (1, b'{"a": 1}\n'),
        (4, b'{"a": 2}\r\n'),
        (5, b"[3, 4]\n"),
        (6, b"not json\n"),
        (7, b'{"a": 5'),
    ]
    assert values(data) == [(1, {"a": 1}), (4, {"a": 2}), (5, [3, 4])]
    assert letters(data) == [6, 7]


def test_documents_come_decoded() -> None:
    page = {"data": [{"id": "1"}, {"id": "2"}], "meta": {}}
    assert list(split_json(io.BytesIO(json.dumps(page, indent=2).encode()))) == [(1, Parsed(page))]
    array = [{"id": str(n)} for n in range(3)]
    for text in (json.dumps(array, indent=1), json.dumps(array), "\n\n" + json.dumps(array)):
        assert values(text.encode()) == [(1, array[0]), (2, array[1]), (3, array[2])]
    assert records(b"") == records(b" \n\n") == []


def test_a_one_line_array_followed_by_lines_is_json_lines() -> None:
    data = b"[1, 2]\n\n[3]\n{}\n"
    assert values(data) == [(1, [1, 2]), (3, [3]), (4, {})]


def test_values_written_one_after_another_are_read() -> None:
    data = b"".join(json.dumps({"id": n, "tags": ["a"]}, indent=2).encode() + b"\n" for n in (1, 2))
    assert values(data) == [(1, {"id": 1, "tags": ["a"]}), (2, {"id": 2, "tags": ["a"]})]


def test_a_damaged_array_keeps_the_elements_around_the_damage() -> None:
    array = [{"id": n, "nested": [{"x": n}]} for n in range(1, 6)]
    text = json.dumps(array, indent=2)
    third = text.index('"id": 3')
    damaged = (text[:third] + "\x00" + text[third + 1 :]).encode()
    assert [v["id"] for _, v in values(damaged)] == [1, 2, 4, 5]
    assert [number for number, _ in values(damaged)] == [1, 2, 4, 5]
    assert letters(damaged) == [3]
    (letter,) = [r for r in records(damaged) if isinstance(r, DeadLetter)]
    assert letter.reason.startswith("invalid JSON in array")
    assert '"nested"' in letter.raw and '"id": 4' not in letter.raw
    # One line: what precedes the damage is kept, the rest is one dead letter.
    compact = json.dumps(array).replace('"id": 3', '"id": 3x').encode()
    assert [v["id"] for _, v in values(compact)] == [1, 2]
    assert letters(compact) == [3]
    # Cut short: the elements before the cut.
    assert [v["id"] for _, v in values(text[: text.index('"id": 4')].encode())] == [1, 2, 3]


def test_text_after_an_array_is_a_dead_letter() -> None:
    assert values(b'[\n{"a": 1}\n]\ntrailing words') == [(1, {"a": 1})]
    (letter,) = [r for r in records(b'[\n{"a": 1}\n]\nx') if isinstance(r, DeadLetter)]
    assert (letter.record, letter.raw) == (2, "]\nx")
    assert letter.reason.startswith("invalid JSON in array: text after the end of the array")


def test_json_lines_whose_first_line_is_damaged_are_still_json_lines() -> None:
    lines = jsonl(*({"id": n, "text": "hello"} for n in range(1, 5)))
    for damaged in (b"[" + lines[1:], lines[:10] + b"\n" + lines[lines.index(b"\n") + 1 :]):
        assert [v["id"] for _, v in values(damaged)] == [2, 3, 4]
        assert letters(damaged) == [1]
    # A lone object cut short is one damaged record, numbered by its line.
    assert letters(b'\n{"id": 1, "te') == [2]


def test_json_lines_are_read_in_bounded_memory() -> None:
    line = json.dumps({"id": 1, "text": "x" * 1000}).encode() + b"\n"
    for head in (line, b'{"id": 0, "te\n'):  # a whole first line, and a damaged one
        stream = io.BytesIO(head + line * 8_000)  # about 8 MB
        split = split_json(stream)
        first = next(r for r in split if not isinstance(r, DeadLetter))
        assert first[0] in (1, 2)
        assert stream.tell() < 2_000_000


def test_a_pretty_printed_document_with_a_key_on_its_first_line_is_a_document() -> None:
    text = '{"data": [\n  {"id": "1"},\n  {"id": "2"}\n],\n"meta": {}}'
    assert values(text.encode()) == [(1, {"data": [{"id": "1"}, {"id": "2"}], "meta": {}})]
    many = '[{"id": 0},\n' + "".join(f'{{"id": {n}}},\n' for n in range(1, 40_000)) + '{"id": 1}]'
    assert len(values(many.encode())) == 40_001


# -- decoding: invalid UTF-8, lone surrogates, NaN, UTF-16 ----------------------------------------


def test_decode_json_is_lenient_where_msgspec_refuses() -> None:
    assert decode_json(b'{"a": "x\xffy"}') == {"a": "x\ufffdy"}
    assert decode_json(b'{"a": "cut \\ud83d", "\\udc00": ["\\ud83d\\ude00"]}') == {
        "a": "cut ?",
        "?": ["\U0001f600"],
    }
    assert decode_json(b"[NaN, 1e400]")[1] == float("inf")
    assert decode_json(b"\xef\xbb\xbf[1]") == [1]
    assert decode_json("[1]".encode("utf-16")) == [1]
    with pytest.raises(msgspec.DecodeError, match="truncated"):
        decode_json(b'{"a": ')
    with pytest.raises(ValueError):
        decode_json(b"[" * 100_000)


def test_no_lone_surrogate_reaches_a_post() -> None:
    line = b'{"text": "emoji \\ud83d", "bad": "\xff"}\n'
    cases = [line * 2, b"[" + line.rstrip() + b"]", b"[\n" + line.rstrip() + b",\n{x\n]"]
    for data in cases:
        found = values(data)
        assert found and all(v["text"] == "emoji ?" and v["bad"] == "\ufffd" for _, v in found)
        posts = [Post(platform="p", post_id=str(n), text=v["text"]) for n, v in found]
        assert posts_to_table(posts).num_rows == len(posts)


def test_utf16_input_is_transcoded() -> None:
    data = ('{"a": "é"}\n{"a": 2}\n').encode("utf-16")
    assert values(data) == [(1, {"a": "é"}), (2, {"a": 2})]
    document = json.dumps([{"a": "é"}], indent=1).encode("utf-16")
    assert values(document) == [(1, {"a": "é"})]


def test_encode_json_never_raises() -> None:
    assert encode_json({"a": [1, None]}) == b'{"a":[1,null]}'
    assert b"?" in encode_json(["\ud83d"])
    assert encode_json({"when": object()}).startswith(b'{"when": "<object')


# -- read_typed_json ---------------------------------------------------------------------------


class _Thing(msgspec.Struct):
    id: str
    size: int = 0


def _things(data: bytes, *, arrays: bool = True) -> list[Item]:
    def items(thing: _Thing, number: int, source: bytes | dict[str, Any]) -> list[Item]:
        return [Post(platform="t", post_id=thing.id, record=number, text=str(thing.size))]

    def salvage(
        number: int, obj: dict[str, Any], error: msgspec.ValidationError
    ) -> tuple[_Thing, dict[str, Any], list[DeadLetter]] | DeadLetter:
        if "id" not in obj:
            return dead(number, f"no thing: {error}", encode_json(obj))
        return _Thing(str(obj["id"])), obj, [dead(number, "size", encode_json(obj))]

    decoder = msgspec.json.Decoder(_Thing)
    return list(read_typed_json(io.BytesIO(data), decoder, items, salvage, arrays=arrays))


def test_read_typed_json_fast_and_slow_paths() -> None:
    data = jsonl({"id": "a", "size": 1}, {"id": "b", "size": "big"}, [{"id": "c"}, 7], {})
    data += b'{"id": "d\\ud83d"}\n{"id": '
    found = _things(data)
    posts = [(i.post_id, i.record) for i in found if isinstance(i, Post)]
    assert posts == [("a", 1), ("b", 2), ("c", 3), ("d?", 5)]
    assert [(i.record, i.reason.split(":")[0]) for i in found if isinstance(i, DeadLetter)] == [
        (2, "size"),
        (3, "not a JSON object"),
        (4, "no thing"),
        (6, "invalid JSON"),
    ]
    document = json.dumps([{"id": "x"}, {"id": "y", "size": 2}], indent=2).encode()
    assert [(i.post_id, i.record) for i in _things(document) if isinstance(i, Post)] == [
        ("x", 1),
        ("y", 2),
    ]
    one = [i for i in _things(b'{"id": "a"}\n[1, 2]\n', arrays=False) if isinstance(i, DeadLetter)]
    assert [(i.record, i.reason) for i in one] == [(2, "not a JSON object")]


def test_raw_json_and_head_value() -> None:
    line = b'{"data": [{"id": "1"}, {"id": "2"}]}\r\n'
    assert raw_json(line) == line.rstrip()
    assert json.loads(raw_json(line, "data", 1)) == {"id": "2"}
    assert json.loads(raw_json(line, "data", 5)) == json.loads(line)
    assert raw_json(b"{cut", "data") == b"{cut"
    assert json.loads(raw_json({"a": [1]}, "a", 0)) == 1
    head = '{"meta": 1, "data": [ {"id": "1", "text": "a"}, {"id": "2", "te'
    assert head_value(head, "data") == {"id": "1", "text": "a"}
    assert head_value('  [{"id": 1}, {"id', None) == {"id": 1}
    assert head_value('{"data": {"id": "9"}}', "data") == {"id": "9"}
    assert head_value('{"data": [{"id": "1", "te', "data") is None
    assert head_value('{"other": 1}', "data") is None


# -- HTML to text ------------------------------------------------------------------------------


def test_html_to_text_blocks_entities_links_and_hidden_parts() -> None:
    html = (
        "<!-- a comment with <p> inside --><h1>Title</h1><div>one<br/>two</div>"
        '<p>a &amp;amp; b&#10;c <a href="https://x.example/?a=1&amp;b=2">link</a> '
        '<a class="mention u-url" href="https://m.example/@u">@u</a></p>'
        "<script>var a = 1 < 2;</script><style>p {}</style><p/>x &lt;3 < y"
    )
    text, links = html_to_text(html)
    assert text == "Title\n\none\ntwo\n\na &amp; b c link @u\n\nx <3 < y"
    assert links == ["https://x.example/?a=1&b=2"]
    assert html_to_text("  just text  ") == ("just text", [])
    assert html_to_text("a &amp;\n b") == ("a & b", [])


class _Reference(HTMLParser):
    """The reference behaviour: Python's HTMLParser, with the same tag rules."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.hidden += 1
        elif tag in ("p", "h1", "h2", "blockquote", "pre", "table", "ul", "ol", "hr"):
            self.parts.append("\n\n")
        elif tag in ("br", "div", "li", "tr", "section"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in ("p", "h1", "h2", "blockquote", "pre", "table", "ul", "ol", "hr"):
            self.parts.append("\n\n")
        elif tag in ("div", "section"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data.replace("\n", " "))


def _reference_text(html: str) -> str:
    if "<" not in html and "&" not in html:
        return html.strip()
    parser = _Reference()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


TAGS = ["p", "br", "div", "li", "ul", "a", "b", "span", "h1", "pre", "script", "section", "TD"]
html_text = st.text(alphabet=st.sampled_from(list("ab &;#1\n\t\xa0é")), max_size=8).map(
    lambda t: t.replace("&", "&amp;") if "&#" in t else t
)
html_tag = st.builds(
    lambda name, close, attr, selfclose: (
        f"</{name}>" if close else f"<{name}{attr}{' /' if selfclose else ''}>"
    ),
    st.sampled_from(TAGS),
    st.booleans(),
    st.sampled_from(["", ' class="x"', " href='h&amp;i'", ' data-a="1 2"']),
    st.booleans(),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(html_tag | html_text | st.just("&amp;") | st.just("&lt;"), max_size=12))
def test_html_to_text_matches_htmlparser_on_sanitised_html(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert html_to_text(html).text == _reference_text(html)


# -- streams, CSV and values -------------------------------------------------------------------


def test_peek_gives_the_head_and_the_whole_stream() -> None:
    head, stream = peek(io.BytesIO(b"\xef\xbb\xbf \n{x}" + b"y" * 10_000), size=8)
    assert head == b"{x}"
    assert stream.read() == b"\xef\xbb\xbf \n{x}" + b"y" * 10_000


def test_map_csv_rows_turns_failures_into_dead_letters() -> None:
    data = b'id,text\n1,a\n,"b, with a comma"\n3,c\n'

    def to_item(number: int, cells: Any) -> Post | Skipped:
        if cells["id"] == "3":
            return Skipped("user", number)
        return Post(platform="c", post_id=as_id(cells["id"]), record=number)

    found = list(map_csv_rows(io.BytesIO(data), to_item, reason="unreadable row: "))
    assert found[0] == Post(platform="c", post_id="1", record=1)
    assert found[1] == DeadLetter(2, "unreadable row: not an id: ''", ',"b, with a comma"')
    assert found[2] == Skipped("user", 3)


def test_small_value_helpers() -> None:
    assert (as_id("x"), as_id(12)) == ("x", "12")
    for bad in ("", True, 1.5, None):
        with pytest.raises(TypeError):
            as_id(bad)
    assert (str_or_none("a"), str_or_none(""), str_or_none(3)) == ("a", None, None)
    assert int64(2**63 - 1) == 2**63 - 1
    with pytest.raises(ValueError):
        int64(2**63)
    assert [int64_or_none(v) for v in (5, 2**63, -(2**63), True, "5", None)] == [
        5,
        None,
        -(2**63),
        None,
        None,
        None,
    ]
    assert unescape_amp_lt_gt("a &amp;lt; &lt;b&gt; &quot;") == "a &lt; <b> &quot;"
    post = set_relation(Post(platform="p", post_id="1"), "reply", "0", None, context=True)
    assert (post.kind, post.parent_id, post.parent_author_id, post.context) == (
        "reply",
        "0",
        None,
        True,
    )
    assert set_relation(Post(platform="p", post_id="1"), "post") == Post(platform="p", post_id="1")


# -- damage never raises and never loses the records around it ----------------------------------


@settings(max_examples=80, deadline=None)
@given(
    count=st.integers(2, 6),
    indent=st.sampled_from([None, 1, 2, 4]),
    data=st.data(),
)
def test_a_damaged_array_element_loses_only_itself(
    count: int, indent: int | None, data: st.DataObject
) -> None:
    array = [{"id": n, "text": "a, {b}: [c]", "tags": [{"t": n}]} for n in range(count)]
    text = json.dumps(array, indent=indent)
    # Where each element starts (its "{"), and where the array ends.
    bounds = [text.rfind("{", 0, text.index(f'"id": {n},')) for n in range(count)]
    bounds.append(len(text) - 1)
    damaged = data.draw(st.integers(0, count - 1), label="element")
    at = data.draw(st.integers(bounds[damaged], bounds[damaged + 1] - 1), label="byte")
    if text[at] in "\n ":
        return
    byte = data.draw(st.sampled_from(["\x00", "x", "{", "}", "[", "]", '"', ",", "\\"]))
    found = values((text[:at] + byte + text[at + 1 :]).encode())
    # A "[" in place of the comma after an element opens an array that takes in the rest.
    elements = [x for _, v in found for x in (v if isinstance(v, list) else [v])]
    read = {x.get("id") for x in elements if isinstance(x, dict)}
    kept = set(range(damaged)) if indent is None else set(range(count)) - {damaged}
    assert kept <= read
