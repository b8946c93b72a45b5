"""Text normalisation and tokenisation for matching: the one place every analysis uses.

`normalize_text` makes two posts that say the same thing compare equal: it drops what varies
between copies of a message (a leading "RT @user:", @mentions, URLs, zero-width characters),
applies Unicode NFKC (full-width forms, ligatures, compatibility characters), case-folds and
collapses whitespace. Hashtags and emoji are kept: they are part of what was said.

`tokens` splits normalised text into matching units that work across scripts:

- words (runs of letters, digits and combining marks) in scripts that put spaces between
  words: Latin, Cyrillic, Arabic (Uyghur, Persian...), Devanagari, Hangul and the rest;
- overlapping character bigrams for runs of Han, kana, Thai, Lao, Khmer and Myanmar, which do
  not mark word boundaries (a run of one character is a token by itself);
- syllables for Tibetan, split on the tsheg (་) and shad (།) as well as spaces.

Combining marks are word characters here: Python's `\\w` alone would cut Hindi or vocalised
Arabic words apart at every vowel sign.

`shingles` turns the tokens into overlapping n-token shingles for MinHash-style similarity.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_text", "shingles", "tokens"]

# Scripts written without spaces between words: tokenised as character bigrams.
_UNSEGMENTED = (
    "\u0e01-\u0e5b"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff\u19e0-\u19ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals, Kangxi radicals
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u303b"  # CJK iteration and number marks
    "\u3040-\u30ff\u31f0-\u31ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "\uaa60-\uaa7f\ua9e0-\ua9ff"  # Myanmar extensions
    "\U00020000-\U0003134f"  # Han extensions B-G
)
UNSEGMENTED_RUN = re.compile(f"([{_UNSEGMENTED}]+)")


def _marks() -> str:
    """Combining marks (Unicode category M) of the BMP, as a character-class body.

    Computed from the running Python's Unicode database (a few milliseconds) so that it agrees
    with its `\\w`. Marks beyond the BMP (historic scripts) are left out: a class reaching past
    U+FFFF makes the regex engine test ranges one by one, three times slower on every post.
    """
    ranges: list[tuple[int, int]] = []
    for cp in range(0x10000):
        if unicodedata.category(chr(cp))[0] == "M":
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


# Letters, digits, underscore and combining marks. Tibetan needs nothing more: its tsheg and
# shad are punctuation, so syllables come out as words.
_WORD = re.compile(f"[\\w{_marks()}]+")

# "RT @user:" at the start, possibly repeated ("RT @a: RT @b: ..."); Mastodon-style
# "@user@instance" handles included.
_RT_PREFIX = re.compile(r"^(?:\s*rt\s*@\w+(?:@[\w-]+(?:\.[\w-]+)+)?\s*:?)+", re.IGNORECASE)
# Spelled-out case classes instead of IGNORECASE: a third faster in CPython's engine.
_URL = re.compile(
    r"(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\.|[pP][iI][cC]\.[tT][wW][iI][tT][tT][eE][rR]\.[cC][oO][mM]/)\S*"
)
# The "@" comes first so the engine can jump between "@"s; the lookbehind then rejects an "@"
# preceded by a word character or another "@", so e-mail addresses are not mentions.
_MENTION = re.compile(r"@(?<![\w@]@)\w+(?:@[\w-]+(?:\.[\w-]+)+)?")
# Invisible characters that NFKC keeps: zero-width space, word joiner, BOM, soft hyphen. The
# zero-width (non-)joiners stay: they change the spelling of Persian and Indic words.
_INVISIBLE_CHARS = "\u200b\u2060\ufeff\u00ad"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS))


def normalize_text(text: str | None) -> str:
    """Text reduced for matching: RT prefix, mentions and URLs removed, NFKC, case-folded.

    Whitespace is collapsed to single spaces and trimmed. None becomes "". Idempotent.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    # The checks before each substitution skip the regex on the many posts that need none.
    if any(c in text for c in _INVISIBLE_CHARS):
        text = text.translate(_INVISIBLE)
    if text.lstrip()[:2].lower() == "rt":
        text = _RT_PREFIX.sub(" ", text, count=1)
    if "://" in text or "www." in (lower := text.lower()) or "pic.twitter.com/" in lower:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    # Case folding can leave text that is not NFKC any more (and the reverse), so NFKC again.
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


def _split(text: str) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text):
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


def tokens(text: str | None, *, normalized: bool = False) -> list[str]:
    """Matching tokens of a text: words, CJK/Thai/... character bigrams, Tibetan syllables.

    The text is normalised with `normalize_text` first unless `normalized` says it already is.
    Punctuation, symbols and emoji are not tokens.
    """
    return _split(text if normalized and text else normalize_text(text))


def shingles(text: str | None, n: int = 3, *, normalized: bool = False) -> set[str]:
    """The set of overlapping n-token shingles (tokens joined by a space).

    A text of fewer than n tokens (but at least one) is one shingle, so short posts can still
    be compared; a text without tokens has none.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    words = tokens(text, normalized=normalized)
    if len(words) <= n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}
