"""Text normalisation and tokenisation for matching (voxpop.enrich.text)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voxpop.enrich.text import normalize_text, shingles, tokens


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


def test_shingles() -> None:
    assert shingles("the quick brown fox") == {"the quick brown", "quick brown fox"}
    assert shingles("two words") == {"two words"}
    assert shingles("a b c", n=1) == {"a", "b", "c"}
    assert shingles("🎉") == set()
    assert shingles("我爱北京", n=2) == {"我爱 爱北", "爱北 北京"}
    # Copies that differ only in what normalisation drops share every shingle.
    assert shingles("RT @x: Vote NOW https://t.co/1") == shingles("vote now! https://bit.ly/2")
    with pytest.raises(ValueError):
        shingles("x", n=0)


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
