"""Sentiment: VADER for English by default, or any Hugging Face sequence-classification model.

Every model gives a score in [-1, 1] (negative to positive) and a label, "neg", "neu" or
"pos", per text:

- `vader` (default): VADER's compound score; label by VADER's own thresholds (>= 0.05
  positive, <= -0.05 negative). VADER is an English lexicon, so it only scores posts whose
  language is English; others get no score (stored as NULL, so they are not retried).
- `hf:NAME_OR_PATH` (or just a name or path): a `transformers` sequence-classification model
  from the local Hugging Face cache or a directory, batched, on the GPU when torch sees one.
  Its labels are mapped to values in [-1, 1] (`label_values`: negative/neutral/positive by
  name, "1 star".."5 stars", or LABEL_0.. for 2 or 3 classes in negative..positive order);
  the score is the expected value under the model's probabilities, the label that of the most
  probable class. Such models are usually multilingual, so they score every post.

Texts are prepared as Twitter-trained models expect (`text_for_sentiment`): the leading
"RT @user:" is dropped, mentions become "@user" and links "http"; case, punctuation and emoji
are kept, since VADER and the models read them. Only the first `MAX_CHARS` characters count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from voxpop.enrich.text import _MENTION, _RT_PREFIX, _URL
from voxpop.errors import ConfigError

__all__ = [
    "SentimentModel",
    "TransformersSentiment",
    "VaderSentiment",
    "label_values",
    "load_sentiment_model",
    "quiet_transformers",
    "text_for_sentiment",
]

Scores = tuple[list[float | None], list[str | None]]

# Sentiment of a long article is read from its beginning: VADER's cost grows faster than the
# length, and transformer models truncate to a few hundred tokens anyway.
MAX_CHARS = 2000


class SentimentModel(Protocol):
    """What the enrichment driver needs from a sentiment model."""

    name: str
    # Languages the model can score; None for any language.
    languages: frozenset[str] | None

    def score(self, texts: Sequence[str]) -> Scores:
        """Scores in [-1, 1] and labels ("neg", "neu", "pos") for already prepared texts."""
        ...


def text_for_sentiment(text: str | None) -> str:
    """A post's text as sentiment models read it (see the module docstring)."""
    if not text:
        return ""
    if text.lstrip()[:2].lower() == "rt":
        text = _RT_PREFIX.sub(" ", text, count=1)
    if "://" in text or "www." in text:
        text = _URL.sub("http", text)
    if "@" in text:
        text = _MENTION.sub("@user", text)
    return " ".join(text[: MAX_CHARS * 2].split())[:MAX_CHARS]


def _label(value: float, neutral_band: float = 0.0) -> str:
    if value > neutral_band:
        return "pos"
    if value < -neutral_band:
        return "neg"
    return "neu"


class VaderSentiment:
    """VADER (Hutto & Gilbert 2014): a rule-based lexicon tuned on social media English."""

    name = "vader"
    languages: frozenset[str] | None = frozenset({"en"})

    def __init__(self) -> None:
        try:
            from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
                SentimentIntensityAnalyzer,
            )
        except ImportError as exc:
            raise ConfigError(
                "VADER sentiment needs the vaderSentiment package: pip install vaderSentiment"
            ) from exc
        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, texts: Sequence[str]) -> Scores:
        polarity = self._analyzer.polarity_scores
        scores: list[float | None] = []
        labels: list[str | None] = []
        for text in texts:
            compound = float(polarity(text)["compound"])
            scores.append(compound)
            labels.append(_label(compound, 0.05 - 1e-9))
        return scores, labels


_STARS = re.compile(r"^([1-9])\s*stars?$")


def label_values(id2label: Mapping[int, str]) -> list[float]:
    """The value in [-1, 1] of each class of a classifier, in class-id order.

    Raises ConfigError for labels that say nothing about polarity (an emotion model, say).
    """
    names = [str(id2label[i]).strip().lower() for i in range(len(id2label))]
    n = len(names)
    stars = [_STARS.match(name) for name in names]
    if n > 1 and all(stars):
        count = [int(m.group(1)) for m in stars if m]
        low, high = min(count), max(count)
        return [2 * (c - low) / (high - low) - 1 for c in count]
    graded = any(name.startswith(("very", "strongly")) for name in names)
    values: list[float] = []
    for name in names:
        strength = 1.0 if not graded or name.startswith(("very", "strongly")) else 0.5
        if "neg" in name:
            values.append(-strength)
        elif "pos" in name:
            values.append(strength)
        elif "neu" in name or name in ("mixed", "none", "objective"):
            values.append(0.0)
        else:
            break
    else:
        if any(v < 0 for v in values) and any(v > 0 for v in values):
            return values
    if all(re.fullmatch(r"label_\d+", name) for name in names) and n in (2, 3):
        return [-1.0, 1.0] if n == 2 else [-1.0, 0.0, 1.0]
    raise ConfigError(
        f"cannot tell which of the model's labels are negative or positive: {names}; "
        "use a model labelled negative/neutral/positive, N stars, or LABEL_0..2"
    )


class TransformersSentiment:
    """A Hugging Face sequence-classification model, batched, on GPU when available."""

    languages: frozenset[str] | None = None

    def __init__(
        self,
        name_or_path: str,
        *,
        batch_size: int = 64,
        max_length: int = 256,
        device: str | None = None,
    ) -> None:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise ConfigError(
                "Hugging Face sentiment models need torch and transformers: "
                "pip install 'voxpop[ml]'"
            ) from exc
        self.name = f"hf:{name_or_path}"
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            with quiet_transformers():
                self._tokenizer: Any = AutoTokenizer.from_pretrained(name_or_path)
                model: Any = AutoModelForSequenceClassification.from_pretrained(name_or_path)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot load the sentiment model {name_or_path!r}: {exc}. Give a local "
                "directory or the name of a model already in the Hugging Face cache."
            ) from exc
        self._model = model.to(self.device).eval()
        self._values = torch.tensor(
            label_values(model.config.id2label), dtype=torch.float32, device=self.device
        )

    def score(self, texts: Sequence[str]) -> Scores:
        import torch

        scores: list[float | None] = [None] * len(texts)
        labels: list[str | None] = [None] * len(texts)
        # Batches of similar lengths pad less.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                encoded = self._tokenizer(
                    [texts[i] for i in chunk],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
                probs = self._model(**encoded).logits.float().softmax(dim=-1)
                expected = (probs @ self._values).clamp(-1.0, 1.0).tolist()
                top = self._values[probs.argmax(dim=-1)].tolist()
                for i, value, best in zip(chunk, expected, top, strict=True):
                    scores[i] = float(value)
                    labels[i] = _label(best)
        return scores, labels


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """No "Loading weights" progress bars from transformers while a model loads."""
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def load_sentiment_model(spec: str | None = None) -> SentimentModel:
    """`None` or "vader" for VADER; "hf:NAME_OR_PATH" or a bare name/path for transformers."""
    if spec is None or spec.strip().lower() == "vader":
        return VaderSentiment()
    name = spec.removeprefix("hf:").strip()
    if not name:
        raise ConfigError("empty sentiment model name")
    return TransformersSentiment(name)
