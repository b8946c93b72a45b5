"""Text normalisation and tokenisation for matching (voxpop.enrich.text)."""

from __future__ import annotations

import itertools
import re
import sys
import unicodedata

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voxpop.enrich.text import (
    _SEPARATORS,
    UNSEGMENTED_RUN,
    normalize_prepass_sql,
    normalize_text,
    normalize_texts,
    token_hashes,
    tokens,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RT @someone: Hello World", "hello world"),
        ("rt @someone Hello", "hello"),
        ("RT @a: RT @b_2: nested retweet", "nested retweet"),
        ("RT @alice@mastodon.social: salut", "salut"),
        ("Not RT @x: kept", "not rt : kept"),
        ("Read this https://t.co/AbC123 now", "read this now"),
        ("see www.Example.com/page and HTTP://X.ORG", "see and"),
        ("photo pic.twitter.com/xyz123", "photo"),
        ("hi @bob and @carol_1!", "hi and !"),
        ("hi @bob@fosstodon.org", "hi"),
        ("mail me: someone@example.com", "mail me: someone@example.com"),
        ("Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ", "fullwidth abc"),
        ("Straße ﬁnal", "strasse final"),
        ("  many\n\tspaces\u3000here  ", "many spaces here"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("#Hashtag and emoji 🎉", "#hashtag and emoji 🎉"),
        ("ΣΊΣΥΦΟΣ", "σίσυφοσ"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_text(text: str | None, expected: str) -> None:
    assert normalize_text(text) == expected


def test_normalize_keeps_persian_zero_width_non_joiner() -> None:
    assert normalize_text("می\u200cخواهم") == "می\u200cخواهم"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World! It's 2024.", ["hello", "world", "it", "s", "2024"]),
        ("RT @x: the same https://a.b/c", ["the", "same"]),
        # Combining marks stay inside words: Hindi vowel signs, Arabic harakat.
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),
        ("مَرْحَبًا بالعالم", ["مَرْحَبًا", "بالعالم"]),
        ("ئۇيغۇرچە تېكىست", ["ئۇيغۇرچە", "تېكىست"]),
        ("Привет, мир", ["привет", "мир"]),
        ("한국어 문장입니다", ["한국어", "문장입니다"]),
        # Unsegmented scripts: overlapping character bigrams.
        ("我爱北京", ["我爱", "爱北", "北京"]),
        ("東京へ", ["東京", "京へ"]),
        ("中", ["中"]),
        ("abc中文def", ["abc", "中文", "def"]),
        ("ภาษา", ["ภา", "าษ", "ษา"]),
        # Tibetan: split on tsheg and shad.
        ("བོད་ཡིག་ནི། སྐད", ["བོད", "ཡིག", "ནི", "སྐད"]),
        ("🎉🎉 !!!", []),
        ("", []),
        (None, []),
    ],
)
def test_tokens(text: str | None, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_tokens_of_normalized_text_skip_normalisation() -> None:
    assert tokens("ABC def", normalized=True) == ["ABC", "def"]
    assert tokens(normalize_text("ABC def"), normalized=True) == ["abc", "def"]


@settings(max_examples=300)
@given(st.text())
def test_normalize_is_idempotent_and_total(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "  " not in once


_POSTISH = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(["RT", "@user", "@a@b.org", "https://x.y/z", "www.q.com", "#tag", " "]),
        st.sampled_from(["中文", "བོད་ཡིག", "ภาษา", "हिन्दी", "ئۇيغۇر", "ﬁ", "\u200b", "ＡＢ"]),
    ),
    max_size=12,
).map(" ".join)


@settings(max_examples=300)
@given(_POSTISH)
def test_tokens_are_stable_under_normalisation(text: str) -> None:
    words = tokens(text)
    assert tokens(normalize_text(text)) == words
    assert all(words)
    assert all(" " not in w for w in words)


# Reference implementations, copied from the per-text code that preceded the batch functions:
# the specification the batch functions must meet for every input.
_REF_RT_PREFIX = re.compile(r"^(?:\s*rt\s*@\w+(?:@[\w-]+(?:\.[\w-]+)+)?\s*:?)+", re.IGNORECASE)
_REF_URL = re.compile(
    r"(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\.|[pP][iI][cC]\.[tT][wW][iI][tT][tT][eE][rR]\.[cC][oO][mM]/)\S*"
)
_REF_MENTION = re.compile(r"@(?<![\w@]@)\w+(?:@[\w-]+(?:\.[\w-]+)+)?")
_REF_INVISIBLE_CHARS = "\u200b\u2060\ufeff\u00ad"
_REF_INVISIBLE = dict.fromkeys(map(ord, _REF_INVISIBLE_CHARS))
_REF_WORD = re.compile(
    "[\\w"
    + "".join(
        re.escape(chr(cp)) for cp in range(0x10000) if unicodedata.category(chr(cp))[0] == "M"
    )
    + "]+"
)


def _reference_normalize(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    if any(c in text for c in _REF_INVISIBLE_CHARS):
        text = text.translate(_REF_INVISIBLE)
    if text.lstrip()[:2].lower() == "rt":
        text = _REF_RT_PREFIX.sub(" ", text, count=1)
    if "://" in text or "www." in (lower := text.lower()) or "pic.twitter.com/" in lower:
        text = _REF_URL.sub(" ", text)
    if "@" in text:
        text = _REF_MENTION.sub(" ", text)
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


def _reference_split(text: str) -> list[str]:
    out: list[str] = []
    for word in _REF_WORD.findall(text):
        if word.isascii() or not UNSEGMENTED_RUN.search(word):
            out.append(word)
            continue
        for i, part in enumerate(UNSEGMENTED_RUN.split(word)):
            if not part:
                continue
            if i % 2 == 0 or len(part) == 1:
                out.append(part)
            else:
                out.extend(part[j : j + 2] for j in range(len(part) - 1))
    return out


# Fragments that exercise every rule and every boundary between texts in a joined batch:
# RT prefixes, URLs, mentions and e-mail addresses, combining marks that would compose with
# the end of the previous text, scripts with their own tokenisation, invisible and full-width
# characters, characters that case-fold or normalise to more than one, all kinds of
# whitespace (Python counts \x1c-\x1f as whitespace), and the control characters batches are
# joined with.
_FRAGMENT_LIST = (
    "RT|rt @x:|RT @a@b.org :| RT @b_2:|Rt@c|@|@user|@a@b.c|@@x|a@b.com|https://a.b/c|"
    "HTTP://X.ORG|http|://|www.|WWW.q.com|pic.twitter.com/x|PIC.Twitter.COM/|"
    "\u0301|\u0308|e|E|W\u030a|中文|東京へ|々|ภาษา|๏|\u0e33|བོད་ཡིག།|مَرْحَبًا|ئۇيغۇر|हिन्दी|가|\u1161|"
    "\u200b|\u2060|\ufeff|\u00ad|\u200c|ＡＢ|ß|ẞ|İ|ﬁ|Σ|ΐ|ǅ|¨|"
    "\x1c|\x1d|\x1e|\x1f|\u2028|\x85|\xa0|\u3000|\u1680|\t|\n| |  |:|-|.|#tag|🎉|"
    "\x00|\x01|\x7f|\U00020000|\ud800|x1"
)
_FRAGMENTS = st.sampled_from(_FRAGMENT_LIST.split("|"))
_TEXT = st.lists(
    st.one_of(
        _FRAGMENTS,
        st.text(max_size=4),
        st.text(st.characters(exclude_categories=()), max_size=3),
    ),
    max_size=10,
).map("".join)
_BATCH = st.lists(st.one_of(st.none(), st.just(""), _TEXT), max_size=8)


@settings(max_examples=500)
@given(_BATCH)
def test_normalize_texts_meets_the_reference(batch: list[str | None]) -> None:
    expected = [_reference_normalize(text) for text in batch]
    assert normalize_texts(batch) == expected
    assert [normalize_text(text) for text in batch] == expected


@settings(max_examples=200)
@given(_BATCH, _BATCH)
def test_normalize_texts_is_independent_of_neighbours(
    a: list[str | None], b: list[str | None]
) -> None:
    assert normalize_texts(a + b) == normalize_texts(a) + normalize_texts(b)


# Texts shaped for the prepass: a handle or not, then anything, then a link or not. DuckDB
# holds UTF-8, so no lone surrogates.
_HEAD = st.sampled_from(["", "@user ", "@a_1 ", "@x  ", "@Rt ", "@u\t", "@www ", "@http "])
_TAIL = st.sampled_from(
    ["", " https://t.co/AbC", " HTTP://x.y/@z", " www.q.com", " pic.twitter.com/"]
)
_PREPASS_TEXT = (
    st.tuples(_HEAD, _TEXT, _TAIL)
    .map("".join)
    .filter(lambda text: not any("\ud800" <= c <= "\udfff" for c in text))
)


@settings(max_examples=500)
@given(st.lists(_PREPASS_TEXT, min_size=1, max_size=8))
def test_normalize_prepass_changes_no_normalised_text(batch: list[str]) -> None:
    with duckdb.connect() as con:
        con.register("texts", pa.table({"text": pa.array(batch, pa.string())}))
        trimmed = con.sql(f"SELECT {normalize_prepass_sql('text')} FROM texts").fetchall()
    assert normalize_texts([row[0] for row in trimmed]) == normalize_texts(batch)


def test_normalize_prepass_trims_handles_and_links() -> None:
    texts = [
        "@ana Hello there https://t.co/AbC",
        "@ana RT @b: kept, as RT @b would be an RT prefix without @ana",
        "@ana rt kept",
        "mail someone@example.com www.example.org",
        "a link https://t.co/x then more",
    ]
    with duckdb.connect() as con:
        con.register("texts", pa.table({"text": texts}))
        trimmed = [
            r[0] for r in con.sql(f"SELECT {normalize_prepass_sql('text')} FROM texts").fetchall()
        ]
    assert trimmed == [" Hello there ", texts[1], texts[2], "mail someone@example.com ", texts[4]]


def _check_runs(batch: list[str], expected: list[list[str]]) -> None:
    """token_hashes of the batch hash the expected tokens: one hash per token, in order, the
    same for equal tokens and different for different ones."""
    hashes, offsets = token_hashes(batch)
    assert hashes.dtype == np.uint64
    assert offsets.dtype == np.int64
    assert offsets.shape == (len(batch) + 1,)
    assert offsets[0] == 0
    assert offsets[-1] == len(hashes)
    assert np.diff(offsets).tolist() == [len(words) for words in expected]
    hash_of: dict[str, int] = {}
    for word, hashed in zip(itertools.chain.from_iterable(expected), hashes.tolist(), strict=True):
        assert hash_of.setdefault(word, hashed) == hashed
    assert len(set(hash_of.values())) == len(hash_of)


@settings(max_examples=500)
@given(st.lists(_TEXT, max_size=8))
def test_token_hashes_meet_the_reference(batch: list[str]) -> None:
    # Any text, normalised or not: token_hashes is the word rule alone.
    _check_runs(batch, [_reference_split(text) for text in batch])
    _check_runs(batch, [tokens(text, normalized=True) for text in batch])
    normalized = normalize_texts(batch)
    _check_runs(normalized, [tokens(text) for text in batch])


@settings(max_examples=200)
@given(st.lists(_TEXT, max_size=6), st.lists(_TEXT, max_size=6))
def test_token_hashes_are_independent_of_neighbours(a: list[str], b: list[str]) -> None:
    together = token_hashes(a + b)[0]
    assert together.tolist() == token_hashes(a)[0].tolist() + token_hashes(b)[0].tolist()


def test_token_hashes_tell_tokens_apart() -> None:
    # Tokens that differ in one character, in order or in length, and bigrams of every script.
    words = ["ab", "ba", "abc", "ab_", "a", "b", "aa", "aaa", "中文", "文中", "ภา", "a\u0301"]
    hashes, _ = token_hashes([" ".join(words)])
    assert len(set(hashes.tolist())) == len(words)
    assert token_hashes(["ab ab"])[0][0] == token_hashes(["x ab"])[0][1]


def test_batches_of_several_chunks() -> None:
    # Past the chunk size, with ASCII and other texts interleaved.
    samples = [
        "RT @a: Hello https://t.co/x @b!",
        "Ｆｕｌｌ ｗｉｄｔｈ 我爱北京 @c",
        "",
        "  plain text  ",
        "mail me: someone@example.com 🎉",
        "\u0301starts with a mark",
        "ภาษาไทย www.x.th",
    ]
    batch = [f"{samples[i % len(samples)]} {i % 5}" for i in range(2500)]
    normalized = normalize_texts(batch)
    assert normalized == [_reference_normalize(text) for text in batch]
    _check_runs(normalized, [_reference_split(text) for text in normalized])


def test_batches_holding_every_separator() -> None:
    # Texts that hold every control character a batch can be joined with: normalize_texts
    # then does them one at a time.
    controls = "".join(map(chr, range(0xA0)))
    batch = [f"RT @x: {controls} https://a.b/c @y", "Hello\u0301 World", controls, None]
    assert normalize_texts(batch) == [_reference_normalize(text) for text in batch]
    texts = [text or "" for text in batch]
    _check_runs(texts, [_reference_split(text) for text in texts])


def test_batch_assumptions_about_unicode() -> None:
    # The batch code replaces the whitespace it finds below U+3001, and joins texts with
    # control characters that no step of normalisation touches or treats as whitespace.
    assert not any(chr(c).isspace() for c in range(0x3001, sys.maxunicode + 1))
    for sep in _SEPARATORS:
        assert not sep.isspace()
        assert not re.match(r"[\w\s]", sep)
        assert unicodedata.normalize("NFKC", sep) == sep == sep.casefold()
        assert unicodedata.combining(sep) == 0
        assert unicodedata.decomposition(sep) == ""


def test_empty_batches() -> None:
    assert normalize_texts([]) == []
    hashes, offsets = token_hashes([])
    assert hashes.tolist() == []
    assert offsets.tolist() == [0]
