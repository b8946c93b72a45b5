"""Per-post enrichment, incremental: language, sentiment and embeddings, stored once per post.

`enrich(store, ...)` annotates the posts that lack an annotation or whose annotation was made
by another model than the one asked for, in batches, committing as it goes (an interrupted
run keeps most of what it did); a second run over unchanged data finds nothing to do. Results live
in `post_language`, `post_sentiment` and `post_embedding`, keyed by (platform, post_id) so a
purge removes them with the post, each row naming the model that made it.

Posts without text (only media, say) get no rows. Context posts (seen only as references)
are annotated too, so that replies and quotes can be compared with what they answer.

`annotated_posts(store)` joins posts with their language and sentiment (a DuckDB relation:
`.to_arrow_table()`, `.df()`, or more SQL); `load_embeddings(store, model)` returns the stored
vectors as a matrix. Text and URL helpers for every analysis are in `voxpop.enrich.text` and
`voxpop.enrich.urls`; the enrichers themselves in `language`, `sentiment` and `embeddings`.
The heavy ones (fastText, VADER, torch) are imported only when used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import duckdb
import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from voxpop.enrich._workers import Workers, compute
from voxpop.store import Store

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from voxpop.enrich.embeddings import Embedder
    from voxpop.enrich.sentiment import SentimentModel

__all__ = [
    "BATCH_SIZE",
    "EnrichReport",
    "ProgressCallback",
    "StepReport",
    "annotated_posts",
    "enrich",
    "has_text",
    "load_embeddings",
    "model_text",
    "pending_counts",
]

BATCH_SIZE = 10_000
# Annotations are committed in groups of at least this many rows (or every minute).
_COMMIT_ROWS = 250_000
# Below this many pending posts, starting worker processes costs more than it saves.
_PARALLEL_FROM = 50_000

ProgressCallback = Callable[[str, int, int], None]
"""Called as (step, posts done, posts to do) after each batch; step is "language",
"sentiment" or "embedding"."""


def has_text(column: str) -> str:
    """SQL true when `column` holds a character other than white space (as Python's strip()
    sees it). A regex: DuckDB's trim() and length() cost ~5x more over 1M posts."""
    return rf"({column} IS NOT NULL AND regexp_matches({column}, '[^\s\p{{Z}}]'))"


_HAS_TEXT = has_text("p.text")


class StepReport(msgspec.Struct, kw_only=True):
    """What one enricher did in a run."""

    step: str
    model: str
    posts: int = 0  # posts annotated (rows written)
    unique_texts: int = 0  # distinct texts the model actually ran on
    seconds: float = 0.0

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


class EnrichReport(msgspec.Struct, kw_only=True):
    steps: list[StepReport] = []
    seconds: float = 0.0

    @property
    def posts_annotated(self) -> int:
        """Rows written by all steps; 0 when there was nothing to do."""
        return sum(step.posts for step in self.steps)

    def summary(self) -> dict[str, object]:
        return {
            "seconds": round(self.seconds, 3),
            "posts_annotated": self.posts_annotated,
            "steps": [
                {
                    "step": s.step,
                    "model": s.model,
                    "posts": s.posts,
                    "unique_texts": s.unique_texts,
                    "seconds": round(s.seconds, 3),
                    "posts_per_second": round(s.posts_per_second),
                }
                for s in self.steps
            ],
        }


def _pending_sql(table: str, *, with_language: bool = False) -> str:
    """Posts with text and no row in `table` made by the model given as the parameter.

    `stale` marks posts whose row was made by another model (to be replaced). Ordered by text
    without a retweet prefix, so copies of one text (reposts, campaigns, share buttons) fall in
    the same batch, where each distinct text is computed once.
    """
    select = "p.platform, p.post_id, p.text"
    join = ""
    if with_language:
        select += ", l.lang"
        join = "LEFT JOIN post_language l ON l.platform = p.platform AND l.post_id = p.post_id"
    if table == "post_embedding":
        # Keyed by model too: other models' vectors stay beside the new ones.
        return f"""
            SELECT {select}, false AS stale FROM posts p {join}
            WHERE {_HAS_TEXT} AND NOT EXISTS (
                SELECT 1 FROM post_embedding t
                WHERE t.platform = p.platform AND t.post_id = p.post_id AND t.model = ?)
            ORDER BY regexp_replace(p.text, '^RT @[^ :]+: ', '')
        """
    return f"""
        SELECT {select}, t.model IS NOT NULL AS stale FROM posts p {join}
        LEFT JOIN {table} t ON t.platform = p.platform AND t.post_id = p.post_id
        WHERE {_HAS_TEXT} AND t.model IS DISTINCT FROM ?
        ORDER BY regexp_replace(p.text, '^RT @[^ :]+: ', '')
    """


def _count_pending(store: Store, table: str, model: str) -> int:
    rows = store.con.execute(f"SELECT count(*) FROM ({_pending_sql(table)})", [model]).fetchall()
    return int(rows[0][0]) if rows else 0


def _write(store: Store, table: str, parts: list[pa.Table], stale: pa.Table) -> None:
    """Store annotations in one transaction, first deleting the `stale` (platform, post_id)
    rows they replace.

    Delete-then-insert rather than INSERT ... ON CONFLICT: rows to replace are rare (a change
    of model), and DuckDB's upsert is several times slower on list columns (embeddings).
    """
    rows = pa.concat_tables(parts)
    columns = ", ".join(rows.column_names)
    store.con.register("_enriched", rows)
    store.con.register("_stale", stale)
    try:
        with store.transaction():
            if stale.num_rows:
                store.con.execute(
                    f"""DELETE FROM {table} t USING _stale s
                    WHERE t.platform = s.platform AND t.post_id = s.post_id"""
                )
            store.con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _enriched")
            if table == "post_language":
                # Queries read the language from posts (see the migration that added it).
                store.con.execute(
                    """UPDATE posts SET detected_lang = lower(e.lang) FROM _enriched e
                    WHERE posts.platform = e.platform AND posts.post_id = e.post_id"""
                )
    finally:
        store.con.unregister("_enriched")
        store.con.unregister("_stale")


def model_text(text: str) -> str:
    """The text a model reads for a post: without a retweet's "RT @user: " prefix.

    A retweet then shares its computation with its original (and the other retweets), and the
    models see what was said rather than who said it. Only the exact prefix is removed; the
    enrichers' own cleaning (`text_for_language`, `text_for_sentiment`, `normalize_text`)
    handles the rest.
    """
    if text.startswith("RT @"):
        head, sep, rest = text.partition(": ")
        if sep and " " not in head[3:]:
            return rest
    return text


def _unique(texts: Sequence[str | None]) -> tuple[list[str], list[int]]:
    """Distinct model texts and, per input, the index of its text among them (-1 for None)."""
    position: dict[str, int] = {}
    index = [-1 if t is None else position.setdefault(model_text(t), len(position)) for t in texts]
    return list(position), index


def _pick(values: Sequence[object], index: Sequence[int]) -> list[object]:
    return [None if i < 0 else values[i] for i in index]


def _keys(batch: pa.Table, model: str) -> dict[str, pa.Array | pa.ChunkedArray]:
    return {
        "platform": batch.column("platform"),
        "post_id": batch.column("post_id"),
        "model": pa.array([model] * batch.num_rows, pa.string()),
    }


class _Step:
    """One enricher as the driver runs it: which posts, what to compute, what to store."""

    def __init__(
        self,
        name: str,
        model: str,
        table: str,
        *,
        kind: str | None = None,
        arg: int = 0,
        languages: frozenset[str] | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.table = table
        # Enrichers the worker processes know (kind, arg); None: computed here by `compute`.
        self.kind = kind
        self.arg = arg
        self.languages = languages

    def texts(self, batch: pa.Table) -> list[str | None]:
        """The text to compute on per post; None where the post gets an empty annotation."""
        texts: list[str | None] = batch.column("text").to_pylist()
        if self.languages is None:
            return texts
        langs = batch.column("lang").to_pylist()
        allowed = self.languages
        return [t if lang in allowed else None for t, lang in zip(texts, langs, strict=True)]

    def compute(self, texts: list[str]) -> object:
        raise NotImplementedError

    def rows(self, batch: pa.Table, index: list[int], result: Any) -> pa.Table:
        raise NotImplementedError


class _LanguageStep(_Step):
    def rows(self, batch: pa.Table, index: list[int], result: Any) -> pa.Table:
        langs, confidences = result
        return pa.table(
            _keys(batch, self.model)
            | {
                "lang": pa.array(_pick(langs, index), pa.string()),
                "confidence": pa.array(_pick(confidences, index), pa.float32()),
            }
        )


class _SentimentStep(_Step):
    def __init__(self, model: SentimentModel, kind: str | None) -> None:
        super().__init__(
            "sentiment", model.name, "post_sentiment", kind=kind, languages=model.languages
        )
        self._model = model

    def compute(self, texts: list[str]) -> object:
        from voxpop.enrich.sentiment import text_for_sentiment

        return self._model.score([text_for_sentiment(t) for t in texts])

    def rows(self, batch: pa.Table, index: list[int], result: Any) -> pa.Table:
        scores, labels = result
        return pa.table(
            _keys(batch, self.model)
            | {
                "score": pa.array(_pick(scores, index), pa.float32()),
                "label": pa.array(_pick(labels, index), pa.string()),
            }
        )


class _EmbeddingStep(_Step):
    def __init__(self, embedder: Embedder, kind: str | None) -> None:
        super().__init__("embedding", embedder.name, "post_embedding", kind=kind, arg=embedder.dim)
        self._embedder = embedder

    def compute(self, texts: list[str]) -> object:
        return self._embedder.embed(texts)

    def rows(self, batch: pa.Table, index: list[int], result: Any) -> pa.Table:
        import numpy as np

        # Every post selected has text, so no index is -1 here. The list column is built on
        # the matrix's memory (offsets every `dim` values), without a copy.
        vectors = np.ascontiguousarray(result[np.asarray(index, dtype=np.int64)], np.float32)
        offsets = np.arange(0, vectors.size + 1, self.arg, dtype=np.int32)
        column = pa.ListArray.from_arrays(pa.array(offsets), pa.array(vectors.ravel()))
        return pa.table(_keys(batch, self.model) | {"vector": column})


def _run(
    store: Store,
    step: _Step,
    workers: Workers,
    batch_size: int,
    progress: ProgressCallback | None,
) -> StepReport:
    report = StepReport(step=step.name, model=step.model)
    started = time.perf_counter()
    sql = _pending_sql(step.table, with_language=step.languages is not None)
    pending = store.con.sql(sql, params=[step.model]).to_arrow_table()
    batches = [pending.slice(i, batch_size) for i in range(0, pending.num_rows, batch_size)]
    prepared = [_unique(step.texts(batch)) for batch in batches]
    chunks = [unique for unique, _ in prepared]
    if step.kind is not None and pending.num_rows >= _PARALLEL_FROM:
        results = workers.map(step.kind, step.arg, chunks)
    elif step.kind is not None:
        results = (compute(step.kind, step.arg, chunk) for chunk in chunks)
    else:
        results = (step.compute(chunk) for chunk in chunks)
    unsaved: list[pa.Table] = []
    saved_at = time.perf_counter()

    def save() -> None:
        rows = pa.concat_tables(unsaved)
        stale = pending.slice(saved, rows.num_rows).filter(pc.field("stale"))
        _write(store, step.table, unsaved, stale.select(["platform", "post_id"]))

    saved = 0
    for batch, (unique, index), result in zip(batches, prepared, results, strict=True):
        unsaved.append(step.rows(batch, index, result))
        report.posts += batch.num_rows
        report.unique_texts += len(unique)
        # Commit in large groups (each commit of a small batch costs a WAL flush), but at
        # least every minute, so an interrupted run keeps most of its work.
        now = time.perf_counter()
        if report.posts - saved >= _COMMIT_ROWS or now - saved_at > 60:
            save()
            unsaved, saved, saved_at = [], report.posts, now
        if progress:
            progress(step.name, report.posts, pending.num_rows)
    if unsaved:
        save()
    report.seconds = time.perf_counter() - started
    return report


def enrich(
    store: Store,
    *,
    language: bool = True,
    sentiment: bool = False,
    sentiment_model: str | SentimentModel | None = None,
    embed: str | Embedder | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> EnrichReport:
    """Annotate the posts that need it; see the module docstring.

    `sentiment_model`: None or "vader" (English only), "hf:NAME_OR_PATH" or a name/path of a
    Hugging Face sequence-classification model, or a loaded model; giving one implies
    `sentiment`. `embed`: "hashing", "hashing:DIM", "sentence-transformers:NAME_OR_PATH" or an
    embedder; None for no embeddings. Models are loaded before any work starts, so a bad name
    fails fast (ConfigError). A model restricted to some languages (VADER) needs the posts'
    languages, so language detection runs first for posts that lack one, whatever `language`
    says. `workers`: processes for fastText, VADER and hashing when there are many posts
    (default: one per core); 1 keeps all work in this process.
    """
    from voxpop.enrich.embeddings import HashingEmbedder, get_embedder
    from voxpop.enrich.language import MODEL_NAME
    from voxpop.enrich.sentiment import VaderSentiment, load_sentiment_model

    started = time.perf_counter()
    steps: list[_Step] = []
    model: SentimentModel | None = None
    if sentiment or sentiment_model is not None:
        if sentiment_model is None or isinstance(sentiment_model, str):
            model = load_sentiment_model(sentiment_model)
        else:
            model = sentiment_model
        language = language or model.languages is not None
    embedder = get_embedder(embed) if embed is not None else None
    if language:
        steps.append(_LanguageStep("language", MODEL_NAME, "post_language", kind="language"))
    if model is not None:
        steps.append(_SentimentStep(model, "vader" if type(model) is VaderSentiment else None))
    if embedder is not None:
        hashing = type(embedder) is HashingEmbedder
        steps.append(_EmbeddingStep(embedder, "hashing" if hashing else None))
    report = EnrichReport()
    # Not an annotation, but enrich is where post-ingest work runs: fill the search column.
    store.fold_texts()
    with Workers(workers if workers is not None else os.cpu_count() or 1) as pool:
        for step in steps:
            report.steps.append(_run(store, step, pool, batch_size, progress))
    report.seconds = time.perf_counter() - started
    return report


def pending_counts(
    store: Store,
    *,
    sentiment_model: str = "vader",
    embed: str | None = None,
) -> dict[str, int]:
    """How many posts each step would annotate, by model name, without loading any model.

    `sentiment_model` and `embed` are stored model names ("vader", "hf:NAME",
    "hashing-v1-256", "sentence-transformers:NAME").
    """
    from voxpop.enrich.language import MODEL_NAME

    counts = {"language": _count_pending(store, "post_language", MODEL_NAME)}
    counts["sentiment"] = _count_pending(store, "post_sentiment", sentiment_model)
    if embed is not None:
        counts["embedding"] = _count_pending(store, "post_embedding", embed)
    return counts


def annotated_posts(store: Store, *, include_context: bool = False) -> duckdb.DuckDBPyRelation:
    """Posts with `lang`, `lang_confidence`, `sentiment`, `sentiment_label` and the models.

    Annotation columns are NULL where a post has none. A DuckDB relation: `.to_arrow_table()`,
    `.df()`, `.filter(...)`, or SQL over it.
    """
    where = "" if include_context else "WHERE NOT p.context"
    return store.con.sql(
        f"""
        SELECT p.*,
            l.lang, l.confidence AS lang_confidence, l.model AS lang_model,
            s.score AS sentiment, s.label AS sentiment_label, s.model AS sentiment_model
        FROM posts p
        LEFT JOIN post_language l ON l.platform = p.platform AND l.post_id = p.post_id
        LEFT JOIN post_sentiment s ON s.platform = p.platform AND s.post_id = p.post_id
        {where}
        """
    )


def load_embeddings(
    store: Store, model: str | Embedder = "hashing", *, include_context: bool = False
) -> tuple[pa.Table, npt.NDArray[np.float32]]:
    """Stored vectors of one model: a (platform, post_id) table and the matching matrix.

    `model` is an embedder spec ("hashing", "sentence-transformers:NAME") or stored model
    name ("hashing-v1-256"); rows are in (platform, post_id) order.
    """
    import numpy as np

    name = model if isinstance(model, str) else model.name
    if isinstance(model, str) and (model == "hashing" or model.startswith("hashing:")):
        from voxpop.enrich.embeddings import get_embedder

        name = get_embedder(model).name
    context = "" if include_context else "AND NOT p.context"
    table = store.con.sql(
        f"""
        SELECT e.platform, e.post_id, e.vector FROM post_embedding e
        JOIN posts p ON p.platform = e.platform AND p.post_id = e.post_id
        WHERE e.model = ? {context}
        ORDER BY e.platform, e.post_id
        """,
        params=[name],
    ).to_arrow_table()
    vectors = table.column("vector").combine_chunks()
    if table.num_rows == 0:
        matrix = np.zeros((0, 0), dtype=np.float32)
    else:
        flat = vectors.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
        matrix = flat.reshape(table.num_rows, -1)
    return table.drop_columns(["vector"]), matrix
