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

For many texts at once, `normalize_texts` (element-wise `normalize_text`) works on strings
that each join a chunk of texts, so that regexes, Unicode normalisation and string methods
run in C once per chunk instead of once per text from Python (about twice as fast on the
hundreds of thousands of texts of coordination detection); `normalize_text` is
`normalize_texts` of a single text. `token_hashes` hashes the `tokens` of many texts without
making a string of any: numpy applies the same word rule to their code points, each classed
once by the regexes `tokens` uses (three to four times as fast as splitting and hashing).
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

__all__ = [
    "normalize_prepass_sql",
    "normalize_text",
    "normalize_texts",
    "token_hashes",
    "tokens",
]

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
# The same runs spelled to open with a character class: the regex engine then skips to the
# next candidate with its first-character test instead of trying a match at every position
# (a pattern that opens with a group or a repeat gets the slow path).
_UNSEGMENTED_SPAN = re.compile(f"[{_UNSEGMENTED}][{_UNSEGMENTED}]*")


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
_WORD_CHARS = f"\\w{_marks()}"
_WORD = re.compile(f"[{_WORD_CHARS}]+")
# For splitting text into words with str.split(): a bytes.translate table that turns ASCII
# characters other than word characters into spaces and keeps every other byte (UTF-8 codes
# characters beyond ASCII as bytes above 0x7F only), and runs of non-word characters beyond
# ASCII (emoji, CJK punctuation...), spelled to open with a class like _UNSEGMENTED_SPAN.
_ASCII_GAPS = bytes(b if b > 0x7F or _WORD.fullmatch(chr(b)) else 0x20 for b in range(256))
_OTHER_GAPS = re.compile(f"[^{_WORD_CHARS}\\x00-\\x7f][^{_WORD_CHARS}\\x00-\\x7f]*")

# "RT @user:" at the start, possibly repeated ("RT @a: RT @b: ..."); Mastodon-style
# "@user@instance" handles included.
_RT_BODY = r"\s*rt\s*@\w+(?:@[\w-]+(?:\.[\w-]+)+)?\s*:?"
_RT_PREFIX = re.compile(f"^(?:{_RT_BODY})+", re.IGNORECASE)
# How URLs start, in lower case: the literal part, then the regex that completes it.
_URL_STARTS = (("http", "s?://"), ("www.", ""), ("pic.twitter.com/", ""))


def _any_case(source: str) -> str:
    """A regex with each lower-case ASCII letter of `source` turned into a class of both cases.

    Spelled-out case classes instead of IGNORECASE: a third faster in CPython's engine.
    """
    return "".join(f"[{c}{c.upper()}]" if "a" <= c <= "z" else c for c in source)


# Any URL start in either case, as one alternation (for `_URL` and the DuckDB prepass).
_URL_START = "|".join(_any_case(re.escape(lit) + rest) for lit, rest in _URL_STARTS)
_URL = re.compile(f"(?:{_URL_START})\\S*")
# The "@" comes first so the engine can jump between "@"s; the lookbehind then rejects an "@"
# preceded by a word character or another "@", so e-mail addresses are not mentions.
_MENTION = re.compile(r"@(?<![\w@]@)\w+(?:@[\w-]+(?:\.[\w-]+)+)?")
# Invisible characters that NFKC keeps: zero-width space, word joiner, BOM, soft hyphen. The
# zero-width (non-)joiners stay: they change the spelling of Persian and Indic words.
_INVISIBLE_CHARS = "\u200b\u2060\ufeff\u00ad"
# Whitespace as `str.split()` sees it, other than the space itself (none lies above U+3000).
_SPACES = tuple(c for c in map(chr, range(0x3001)) if c.isspace() and c != " ")
_ASCII_SPACES = tuple(c for c in _SPACES if c.isascii())
# Two spaces or more. Spelled with two literal spaces so that the engine searches for the
# pair; " +" would try a match at every single space.
_SPACE_RUN = re.compile("   *")

# Texts are joined with a separator that occurs in none of them: the first of these control
# characters that is absent. None is whitespace (for `\s` or str.split()), a word character or
# punctuation a pattern looks for; none is what NFKC or case folding makes of another
# character, and none composes with a neighbour under NFKC. So no pattern, normalisation or
# whitespace rule crosses a separator, and each treats it as it treats the start or end of a
# text.
_SEPARATORS = tuple(
    c for c in map(chr, range(0xA0)) if unicodedata.category(c) == "Cc" and not c.isspace()
)
# Texts per joined string: enough that the work per chunk is negligible, few enough to keep
# the copies of a joined string small (250 to 2000 time the same).
_CHUNK = 1000

_nfkc = functools.partial(unicodedata.normalize, "NFKC")


def normalize_prepass_sql(column: str) -> str:
    """A DuckDB expression: the text in `column` without the parts of two common shapes that
    `normalize_text` drops anyway, such that `normalize_text` of it equals that of the text.

    Replies open with a handle and tweets end with a link of their own, so raw texts that
    differ only there can be normalised once (on 1M simulated posts, 217k distinct texts
    instead of 297k). It runs in DuckDB over every post; what it leaves is normalised in
    Python. Only cases in which the removal provably changes nothing else are taken:

    - a leading "@handle " of ASCII word characters followed by a printable ASCII character
      other than "r": the handle is a mention however the text goes on, and neither the text
      nor what is left can open with an RT prefix;
    - a trailing URL of printable ASCII characters after a space: a URL up to the end of the
      text, in whatever text precedes it.
    """
    trailing_url = f"regexp_replace({column}, ' (?:{_URL_START})[!-~]*$', ' ')"
    return f"regexp_replace({trailing_url}, '^@[A-Za-z0-9_]+ ([!-QS-qs-~])', ' \\1')"


def normalize_text(text: str | None) -> str:
    """Text reduced for matching: RT prefix, mentions and URLs removed, NFKC, case-folded.

    Whitespace is collapsed to single spaces and trimmed. None becomes "". Idempotent.
    """
    return normalize_texts([text])[0]


def normalize_texts(texts: Sequence[str | None]) -> list[str]:
    """`normalize_text` of each text, computed on joined chunks of texts.

    The result is element-wise identical to `[normalize_text(t) for t in texts]`, in about
    half the time on a large batch.
    """
    # Typed as strings at once: str.isascii refuses a None, which then becomes "".
    batch = cast("list[str]", list(texts))
    try:
        is_ascii = list(map(str.isascii, batch))
    except TypeError:
        batch = [text or "" for text in batch]
        is_ascii = list(map(str.isascii, batch))
    # ASCII text is already NFKC and needs no invisible-character removal or case folding. It
    # also keeps a joined string at one byte a character: a single emoji would make CPython
    # store the whole chunk at four, and every pass over it slower. So ASCII and other texts
    # are done apart.
    if all(is_ascii):
        return _clean_chunks(batch)
    if not any(is_ascii):
        return _clean_chunks(list(map(_nfkc, batch)))
    # The ASCII pass keeps every position, with the other texts blanked (str * False is ""),
    # so that their results drop into place afterwards.
    out = _clean_chunks(list(map(operator.mul, batch, is_ascii)))
    other = list(map(operator.not_, is_ascii))
    cleaned = _clean_chunks(list(map(_nfkc, itertools.compress(batch, other))))
    for i, text in zip(itertools.compress(range(len(batch)), other), cleaned, strict=True):
        out[i] = text
    return out


def _clean_chunks(texts: list[str]) -> list[str]:
    """`_clean` over successive chunks of NFKC texts."""
    out: list[str] = []
    for start in range(0, len(texts), _CHUNK):
        out += _clean(texts[start : start + _CHUNK])
    return out


def _joined(texts: list[str]) -> tuple[str, str] | None:
    """The texts in one string, each opened and closed by a separator found in none of them.

    Returns the string and the separator: "" for a single text, which needs none, and None
    if every candidate separator occurs somewhere in the texts.
    """
    if len(texts) == 1:
        return texts[0], ""
    for sep in _SEPARATORS:
        joined = f"{sep}{sep.join(texts)}{sep}"
        if joined.count(sep) == len(texts) + 1:
            return joined, sep
    return None


@functools.cache
def _joined_patterns(sep: str) -> tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    """The RT-prefix pattern and the URL patterns for texts joined by `sep` ("" for one text).

    The RT prefix is anchored at the separator that opens each text; URLs end at whitespace or
    at the separator. One URL pattern per kind of start, each opening with a literal (the text
    is in lower case by then), so that the engine searches for the literal instead of trying
    a match at every position. Removing URLs one kind after the other takes away the same
    characters as one pattern for all: a URL runs to the next whitespace whatever its start,
    and no two starts can overlap, so no removal breaks up or makes a later start. Only the
    number of spaces left can differ, and whitespace is collapsed at the end.
    """
    anchor = re.escape(sep) if sep else "^"
    rest = f"[^\\s{re.escape(sep)}]*"
    urls = tuple(
        (literal, re.compile(re.escape(literal) + tail + rest)) for literal, tail in _URL_STARTS
    )
    return re.compile(f"{anchor}(?:{_RT_BODY})+", re.IGNORECASE), urls


def _clean(texts: list[str]) -> list[str]:
    """The rest of `normalize_text` for NFKC texts, done on one string that joins them.

    Each step is the per-text step on the joined string: no pattern can match across a
    separator, and a separator looks like the start or end of a text to each of them (see
    `_SEPARATORS`). Deviations that change nothing in the end: the RT prefix is replaced by
    nothing rather than a space (the space would be trimmed, and "@" after it is a mention
    either way), URLs go in one pass per kind (see `_joined_patterns`), and ASCII letters are
    lowered before the patterns, which treat both cases alike, rather than with the case
    folding after them.
    """
    joined_sep = _joined(texts)
    if joined_sep is None:  # every separator occurs: a text at a time
        return [cleaned for text in texts for cleaned in _clean([text])]
    joined, sep = joined_sep
    is_ascii = joined.isascii()
    if is_ascii:
        joined = joined.lower()  # all of case folding for ASCII
    else:
        for char in _INVISIBLE_CHARS:
            if char in joined:
                joined = joined.replace(char, "")
        # bytes.lower() changes ASCII letters only; UTF-8 keeps every other byte above 0x7F.
        joined = joined.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")
    rt_prefix, urls = _joined_patterns(sep)
    joined = rt_prefix.sub(sep, joined)
    for literal, url in urls:
        if literal in joined:
            joined = url.sub(" ", joined)
    if "@" in joined:
        joined = _MENTION.sub(" ", joined)
    spaces = _ASCII_SPACES
    if not is_ascii:
        # Case folding can leave text that is not NFKC any more (and the reverse), so NFKC
        # again. Text by text: on a joined string NFKC's quick check gives up at the first
        # character that might compose and normalises everything the slow way.
        folded = joined.casefold()
        joined = sep.join(map(_nfkc, folded.split(sep))) if sep else _nfkc(folded)
        spaces = _SPACES
    for char in spaces:
        if char in joined:
            joined = joined.replace(char, " ")
    if "  " in joined:
        joined = _SPACE_RUN.sub(" ", joined)
    return list(map(str.strip, joined.split(sep)[1:-1] if sep else [joined]))


def _bigrams(run: re.Match[str]) -> str:
    """A run of unsegmented-script characters as its tokens, separated and surrounded by spaces.

    Its words (the run can hold non-word characters such as Thai ๏ or CJK radicals, which
    split it as they split words) become their overlapping bigrams, or stay whole if of one
    character.
    """
    grams: list[str] = []
    for word in _WORD.findall(run.group()):
        if len(word) == 1:
            grams.append(word)
        else:
            grams += map(operator.add, word[:-1], word[1:])
    return f" {' '.join(grams)} "


def _spaced_non_ascii(text: str) -> str:
    """`text` with unsegmented runs as `_bigrams` and non-word characters beyond ASCII as spaces.

    The bigrams then come out as words, and so do the letters on either side of a run within
    a word ("abc中文def"). With `_spaced_ascii` after it, only tokens and spaces are left and
    `str.split()` gives the tokens: much faster than finding words with a regex, which pays
    for a match per word. The second regex matches only between words where a non-ASCII
    character separates them.
    """
    return _OTHER_GAPS.sub(" ", _UNSEGMENTED_SPAN.sub(_bigrams, text))


def _spaced_ascii(text: str) -> str:
    """`text` with the ASCII characters that are not word characters turned into spaces."""
    # Through bytes: str.translate looks each distinct character up in its table on every call,
    # bytes.translate indexes 256 bytes.
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_GAPS).decode("ascii")
    coded = text.encode("utf-8", "surrogatepass").translate(_ASCII_GAPS)
    return coded.decode("utf-8", "surrogatepass")


def _split(text: str) -> list[str]:
    """The tokens of a normalised text; `token_hashes` hashes those of many."""
    if not text.isascii():
        text = _spaced_non_ascii(text)
    return _spaced_ascii(text).split()


# Tokens are hashed as polynomials over their code points modulo 2^64, then mixed
# (MurmurHash3's 64-bit finaliser) so that every bit of the hash depends on every character.
_HASH_BASE = 0x100000001B3
_HASH_BASE_INVERSE = pow(_HASH_BASE, -1, 2**64)
_MIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_GAP, _SEGMENTED, _UNSEGMENTED_WORD = 0, 1, 2


@functools.cache
def _code_classes() -> npt.NDArray[np.uint8]:
    """For every code point: a gap, a word character, or a word character of an unsegmented
    script. Found by the very regexes `tokens` splits with, over a string of all code points
    (35 ms, once per process)."""
    everything = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    classes = np.zeros(0x110000, np.uint8)
    for match in _WORD.finditer(everything):
        classes[match.start() : match.end()] = _SEGMENTED
    for match in _UNSEGMENTED_SPAN.finditer(everything):
        run = classes[match.start() : match.end()]
        run[run == _SEGMENTED] = _UNSEGMENTED_WORD
    return classes


def token_hashes(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """64-bit hashes of the `tokens` of many already normalised texts, flattened, with where
    each text's are.

    Returns `(hashes, offsets)`: `hashes[offsets[i]:offsets[i + 1]]` hash
    `tokens(texts[i], normalized=True)`, and equal tokens hash alike in any batch; `offsets`
    has `len(texts) + 1` entries. No token becomes a Python string: the same word rule runs
    in numpy over the code points of a chunk of texts, each classed by `_code_classes`. A
    token is a run of word characters of one class, except that a run of two or more
    unsegmented-script characters gives its bigrams.
    """
    hashes: list[npt.NDArray[np.uint64]] = [np.zeros(0, np.uint64)]
    offsets = [np.zeros(1, np.int64)]
    done = 0
    for start in range(0, len(texts), _CHUNK):
        chunk = list(texts[start : start + _CHUNK])
        chunk_hashes, ends = _chunk_hashes(chunk)
        hashes.append(chunk_hashes)
        offsets.append(done + ends)
        done += len(chunk_hashes)
    return np.concatenate(hashes), np.concatenate(offsets)


def _chunk_hashes(texts: list[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The token hashes of a few texts and, for each text, how many tokens end with it."""
    joined = " ".join(texts)  # a space is a gap: no token spans two texts
    codes: npt.NDArray[np.unsignedinteger[Any]]
    if joined.isascii():
        codes = np.frombuffer(joined.encode("ascii"), np.uint8)
    else:
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
    text_ends = np.cumsum(np.fromiter(map(len, texts), np.int64, len(texts)) + 1) - 1
    classes = _code_classes()[codes]
    if not classes.any():
        return np.zeros(0, np.uint64), np.zeros(len(texts), np.int64)
    # Runs of one class of word characters.
    changes = np.flatnonzero(np.r_[True, classes[1:] != classes[:-1]])
    run_ends = np.append(changes[1:], len(codes))
    words = classes[changes] != _GAP
    run_starts, run_lengths = changes[words], (run_ends - changes)[words]
    bigrams = (classes[run_starts] == _UNSEGMENTED_WORD) & (run_lengths > 1)
    per_run = np.where(bigrams, run_lengths - 1, 1)
    # A run gives one token, or a bigram at each of its characters but the last.
    first_of_run = np.repeat(np.cumsum(per_run) - per_run, per_run)
    starts = np.repeat(run_starts, per_run) + np.arange(len(first_of_run)) - first_of_run
    lengths = np.repeat(np.where(bigrams, 2, run_lengths), per_run)
    # Hash of codes[a:b] = (prefix[b] - prefix[a]) * base^-a, with prefix[k] the sum of
    # (code + 1) * base^i for i < k: every token hashed at once, wherever it lies.
    powers = np.cumprod(np.full(len(codes) + 1, _HASH_BASE, np.uint64)) * np.uint64(
        _HASH_BASE_INVERSE
    )
    inverses = np.cumprod(np.full(len(codes), _HASH_BASE_INVERSE, np.uint64)) * np.uint64(
        _HASH_BASE
    )
    prefix = np.r_[np.uint64(0), np.cumsum((codes + np.uint64(1)) * powers[:-1])]
    hashed = (prefix[starts + lengths] - prefix[starts]) * inverses[starts]
    hashed ^= hashed >> np.uint64(33)
    hashed *= _MIX_1
    hashed ^= hashed >> np.uint64(33)
    hashed *= _MIX_2
    hashed ^= hashed >> np.uint64(33)
    return hashed, np.searchsorted(starts, text_ends).astype(np.int64)


def tokens(text: str | None, *, normalized: bool = False) -> list[str]:
    """Matching tokens of a text: words, CJK/Thai/... character bigrams, Tibetan syllables.

    The text is normalised with `normalize_text` first unless `normalized` says it already is.
    Punctuation, symbols and emoji are not tokens.
    """
    return _split(text if normalized and text else normalize_text(text))
