"""Sentiment: VADER, label mapping, and a real transformers model built and saved locally."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voxpop.enrich.sentiment import (
    VaderSentiment,
    label_values,
    load_sentiment_model,
    text_for_sentiment,
)
from voxpop.errors import ConfigError

os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RT @bob: I LOVE this!!! https://t.co/x", "I LOVE this!!! http"),
        ("@alice you are wrong 😡", "@user you are wrong 😡"),
        ("  spaced\n\nout  ", "spaced out"),
        ("", ""),
        (None, ""),
    ],
)
def test_text_for_sentiment(text: str | None, expected: str) -> None:
    assert text_for_sentiment(text) == expected


def test_text_for_sentiment_reads_the_beginning_of_long_texts() -> None:
    assert len(text_for_sentiment("word " * 2000)) == 2000


def test_vader() -> None:
    model = load_sentiment_model(None)
    assert isinstance(model, VaderSentiment)
    assert model.name == "vader"
    assert model.languages == frozenset({"en"})
    scores, labels = model.score(
        ["I love this, it is wonderful!", "This is terrible and I hate it.", "The bus is at 5."]
    )
    assert labels == ["pos", "neg", "neu"]
    assert scores[0] is not None and scores[0] > 0.5
    assert scores[1] is not None and scores[1] < -0.5
    assert scores[2] == 0.0
    assert all(s is not None and -1 <= s <= 1 for s in scores)
    assert load_sentiment_model("VADER").name == "vader"


@pytest.mark.parametrize(
    ("labels", "values"),
    [
        (["negative", "neutral", "positive"], [-1.0, 0.0, 1.0]),
        (["NEG", "POS"], [-1.0, 1.0]),
        (["Positive", "Negative"], [1.0, -1.0]),
        (["1 star", "2 stars", "3 stars", "4 stars", "5 stars"], [-1.0, -0.5, 0.0, 0.5, 1.0]),
        (
            ["Very Negative", "Negative", "Neutral", "Positive", "Very Positive"],
            [-1.0, -0.5, 0.0, 0.5, 1.0],
        ),
        (["LABEL_0", "LABEL_1", "LABEL_2"], [-1.0, 0.0, 1.0]),
        (["LABEL_0", "LABEL_1"], [-1.0, 1.0]),
    ],
)
def test_label_values(labels: list[str], values: list[float]) -> None:
    assert label_values(dict(enumerate(labels))) == values


@pytest.mark.parametrize(
    "labels",
    [["joy", "anger", "sadness"], ["neutral"], ["LABEL_0", "LABEL_1", "LABEL_2", "LABEL_3"]],
)
def test_label_values_refuses_labels_without_polarity(labels: list[str]) -> None:
    with pytest.raises(ConfigError):
        label_values(dict(enumerate(labels)))


VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "i", "love", "hate", "this", "it", "is",
    "great", "awful", "the", "movie", "was", "good", "bad", "!", ".", "@", "user", "http",
]  # fmt: skip


def build_tiny_model(directory: Path, labels: list[str]) -> Path:
    """A 2-layer BERT with a 32-wide hidden state and a 23-word vocabulary, saved to disk."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = transformers.BertTokenizer(vocab={word: i for i, word in enumerate(VOCAB)})
    config = transformers.BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(0)
    model = transformers.AutoModelForSequenceClassification.from_config(config)
    # A few steps of training on four sentences, so that its scores mean something: "love"
    # and "great" towards the last class, "hate" and "awful" towards the first.
    examples = [
        ("i love this movie", len(labels) - 1),
        ("it is great !", len(labels) - 1),
        ("i hate this movie", 0),
        ("it is awful .", 0),
    ]
    batch = tokenizer([t for t, _ in examples], padding=True, return_tensors="pt")
    target = torch.tensor([y for _, y in examples])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(60):
        optimizer.zero_grad()
        model(**batch, labels=target).loss.backward()
        optimizer.step()
    model.eval()
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(
        tmp_path_factory.mktemp("tiny") / "model", ["negative", "neutral", "positive"]
    )


def test_transformers_model_loaded_from_a_local_path(tiny_model: Path) -> None:
    model = load_sentiment_model(str(tiny_model))
    assert model.name == f"hf:{tiny_model}"
    assert model.languages is None
    texts = ["i love this movie", "i hate this movie", "the movie was", "", "unknown words"]
    scores, labels = model.score(texts)
    assert len(scores) == len(labels) == len(texts)
    assert all(s is not None and -1.0 <= s <= 1.0 for s in scores)
    assert labels[:2] == ["pos", "neg"]
    assert set(labels) <= {"pos", "neu", "neg"}
    # The same text scores the same alone or in a batch of different lengths.
    alone, _ = model.score(["i hate this movie"])
    assert alone[0] == pytest.approx(scores[1], abs=1e-5)
    assert load_sentiment_model(f"hf:{tiny_model}").name == model.name


def test_transformers_batches_and_star_labels(tmp_path: Path) -> None:
    path = build_tiny_model(
        tmp_path / "stars", ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    )
    from voxpop.enrich.sentiment import TransformersSentiment

    model = TransformersSentiment(str(path), batch_size=2)
    scores, labels = model.score(["i love this movie"] * 5 + ["i hate this movie"])
    assert len({round(s or 0.0, 5) for s in scores[:5]}) == 1
    assert all(s is not None and -1.0 <= s <= 1.0 for s in scores)
    # Five stars for love, one for hate: the expected value maps them to the two ends.
    assert labels == ["pos"] * 5 + ["neg"]
    assert (scores[0] or 0.0) > 0.5 > -0.5 > (scores[5] or 0.0)


def test_unknown_model_fails_clearly(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    with pytest.raises(ConfigError, match="cannot load the sentiment model"):
        load_sentiment_model(str(tmp_path / "no-such-model"))
    with pytest.raises(ConfigError, match="cannot load"):
        load_sentiment_model("nobody/no-such-model-anywhere")
    with pytest.raises(ConfigError):
        load_sentiment_model("hf:")


def test_emotion_model_is_refused(tmp_path: Path) -> None:
    path = build_tiny_model(tmp_path / "emotions", ["joy", "anger"])
    with pytest.raises(ConfigError, match="negative or positive"):
        load_sentiment_model(str(path))
