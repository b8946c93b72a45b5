"""The incremental enrichment driver on real DuckDB files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import voxpop.enrich as enrich_module
from voxpop.enrich import annotated_posts, enrich, load_embeddings, model_text, pending_counts
from voxpop.enrich.language import MODEL_NAME
from voxpop.schema import Post, posts_to_table
from voxpop.simulate import simulate
from voxpop.store import Store

os.environ["HF_HUB_OFFLINE"] = "1"

EXTRA = [
    Post(platform="mastodon", post_id="m1", text="Bonjour à tous, quelle belle journée !"),
    Post(platform="mastodon", post_id="m2", text="I absolutely love this wonderful idea!"),
    Post(platform="mastodon", post_id="m3", text="😀🎉 https://t.co/x"),
    Post(platform="mastodon", post_id="m4", text=None),
    Post(platform="mastodon", post_id="m5", text="   "),
    Post(platform="mastodon", post_id="m6", text="I absolutely love this wonderful idea!"),
    Post(platform="mastodon", post_id="c1", text="This is terrible news.", context=True),
]


def _load(store: Store, posts: int = 2000, seed: int = 3) -> int:
    count = 0
    for chunk in simulate(posts=posts, seed=seed):
        store.upsert_posts(posts_to_table(chunk))
        count += len(chunk)
    store.upsert_posts(posts_to_table(EXTRA))
    return count + len(EXTRA)


# Posts whose detected_lang is not their post_language row's language, lower-cased.
_LANGUAGE_MISMATCHES = """
    SELECT count(*) FROM posts p LEFT JOIN post_language l USING (platform, post_id)
    WHERE p.detected_lang IS DISTINCT FROM lower(l.lang)"""


def _table(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return store.con.execute(sql).fetchall()


def test_enrich_annotates_once_and_second_run_does_no_work(tmp_path: Path) -> None:
    db = tmp_path / "voxpop.duckdb"
    calls: list[tuple[str, int, int]] = []
    with Store(db) as store:
        total = _load(store)
        with_text = total - 2  # m4 (no text) and m5 (blank) get no annotation
        report = enrich(store, sentiment=True, embed="hashing", progress=lambda *a: calls.append(a))
        by_step = {s.step: s for s in report.steps}
        assert {k: s.posts for k, s in by_step.items()} == {
            "language": with_text,
            "sentiment": with_text,
            "embedding": with_text,
        }
        assert by_step["language"].unique_texts < with_text  # copies computed once
        assert report.posts_annotated == 3 * with_text
        assert calls[-1] == ("embedding", with_text, with_text)
        assert {c[0] for c in calls} == {"language", "sentiment", "embedding"}
        assert _table(store, "SELECT count(*) FROM post_language")[0][0] == with_text
        assert _table(store, "SELECT DISTINCT model FROM post_language") == [(MODEL_NAME,)]
        assert _table(store, "SELECT DISTINCT model FROM post_embedding") == [("hashing-v1-256",)]
        # Each post carries its detected language, the column queries read.
        assert _table(store, _LANGUAGE_MISMATCHES) == [(0,)]
        assert _table(store, "SELECT count(detected_lang) FROM posts")[0][0] > 0
        # No letters: a row with no language, so it is not asked again.
        assert _table(store, "SELECT lang, confidence FROM post_language WHERE post_id = 'm3'") == [
            (None, None)
        ]
        # VADER scores English posts only; others get an empty row.
        rows = dict(
            (r[0], (r[1], r[2]))
            for r in _table(
                store,
                "SELECT post_id, label, score FROM post_sentiment WHERE platform = 'mastodon'",
            )
        )
        assert rows["m1"] == (None, None)
        assert rows["m2"][0] == "pos" and rows["m2"][1] > 0.5
        assert rows["c1"][0] == "neg"  # context posts are annotated too
        second = enrich(store, sentiment=True, embed="hashing")
        assert second.posts_annotated == 0
        assert [s.unique_texts for s in second.steps] == [0, 0, 0]
        assert pending_counts(store, embed="hashing-v1-256") == {
            "language": 0,
            "sentiment": 0,
            "embedding": 0,
        }
    # Reopened from disk: still nothing to do.
    with Store(db) as store:
        assert enrich(store, sentiment=True, embed="hashing").posts_annotated == 0


def test_only_new_posts_and_changed_models_are_processed(tmp_path: Path) -> None:
    with Store(tmp_path / "db.duckdb") as store:
        _load(store, posts=2000)
        first = enrich(store, embed="hashing")
        store.upsert_posts(
            posts_to_table(
                [
                    Post(platform="bluesky", post_id="b1", text="Neue Beiträge kommen später."),
                    Post(platform="bluesky", post_id="b2", text="新しい投稿です。"),
                ]
            )
        )
        # A row made by an older model is recomputed; the others are kept.
        store.con.execute(
            "UPDATE post_language SET model = 'old-model' WHERE platform = 'mastodon' "
            "AND post_id = 'm1'"
        )
        report = enrich(store, embed="hashing")
        assert [(s.step, s.posts) for s in report.steps] == [("language", 3), ("embedding", 2)]
        langs = {
            r[0]: r[1]
            for r in _table(
                store, "SELECT post_id, lang FROM post_language WHERE post_id IN ('b1', 'b2')"
            )
        }
        assert langs == {"b1": "de", "b2": "ja"}
        assert _table(store, "SELECT model FROM post_language WHERE post_id = 'm1'") == [
            (MODEL_NAME,)
        ]
        assert _table(store, _LANGUAGE_MISMATCHES) == [(0,)]
        # A second embedding model is stored beside the first, not instead of it.
        wide = enrich(store, language=False, embed="hashing:32")
        assert wide.steps[0].posts == first.steps[1].posts + 2
        assert _table(store, "SELECT count(DISTINCT model) FROM post_embedding")[0][0] == 2
        keys, matrix = load_embeddings(store, "hashing:32", include_context=True)
        assert matrix.shape == (keys.num_rows, 32)
        # Unit vectors, or zero for a text with no tokens (only emoji, say).
        norms = np.linalg.norm(matrix, axis=1)
        assert np.all(np.isclose(norms, 1.0, atol=1e-5) | (norms == 0.0))
        assert np.mean(norms > 0) > 0.95


def test_results_queryable_and_purged_with_the_post(tmp_path: Path) -> None:
    with Store(tmp_path / "db.duckdb") as store:
        _load(store, posts=2000)
        enrich(store, sentiment=True, embed="hashing")
        relation = annotated_posts(store).filter("platform = 'mastodon'").order("post_id")
        table = relation.to_arrow_table()
        assert {"lang", "lang_confidence", "sentiment", "sentiment_label"} <= set(
            table.column_names
        )
        # Collected posts only by default, with NULLs where there is no annotation.
        assert table.column("post_id").to_pylist() == ["m1", "m2", "m3", "m4", "m5", "m6"]
        assert table.column("lang").to_pylist() == ["fr", "en", None, None, None, "en"]
        with_context = annotated_posts(store, include_context=True).filter("post_id = 'c1'")
        assert with_context.fetchall()
        keys, matrix = load_embeddings(store)
        assert keys.column_names == ["platform", "post_id"]
        assert matrix.shape == (keys.num_rows, 256)
        assert store.purge([("mastodon", "m2")], reason="user request") == 1
        for table_name in ("post_language", "post_sentiment", "post_embedding"):
            assert not _table(store, f"SELECT 1 FROM {table_name} WHERE post_id = 'm2'")


def test_worker_processes_give_the_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    for workers in (1, 2):
        # Use the worker processes even for a small collection.
        monkeypatch.setattr(enrich_module, "_PARALLEL_FROM", 0 if workers > 1 else 10**9)
        with Store(tmp_path / f"w{workers}.duckdb") as store:
            _load(store, posts=2000)
            enrich(store, sentiment=True, embed="hashing", batch_size=500, workers=workers)
            results.append(
                (
                    _table(store, "SELECT * FROM post_language ORDER BY ALL"),
                    _table(store, "SELECT * FROM post_sentiment ORDER BY ALL"),
                    _table(store, "SELECT * FROM post_embedding ORDER BY ALL"),
                )
            )
    assert results[0] == results[1]


def test_sentiment_with_a_local_transformers_model(tmp_path: Path) -> None:
    from tests.test_enrich_sentiment import build_tiny_model

    path = build_tiny_model(tmp_path / "model", ["negative", "neutral", "positive"])
    with Store(tmp_path / "db.duckdb") as store:
        store.upsert_posts(posts_to_table(EXTRA))
        report = enrich(store, language=False, sentiment_model=str(path))
        assert [(s.step, s.posts) for s in report.steps] == [("sentiment", 5)]
        rows = _table(store, "SELECT DISTINCT model FROM post_sentiment")
        assert rows == [(f"hf:{path}",)]
        # Multilingual by assumption: every post with text is scored, none skipped.
        assert _table(store, "SELECT count(*) FROM post_sentiment WHERE score IS NULL") == [(0,)]
        assert enrich(store, language=False, sentiment_model=str(path)).posts_annotated == 0
        # Switching back to VADER recomputes every row (and needs languages first).
        back = enrich(store, language=False, sentiment=True)
        assert [(s.step, s.posts) for s in back.steps] == [("language", 5), ("sentiment", 5)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RT @someone: the original text", "the original text"),
        ("RT @someone: text: with a colon", "text: with a colon"),
        ("RT @a: RT @b: nested", "RT @b: nested"),
        ("RT @some one: not a handle", "RT @some one: not a handle"),
        ("RT @someone no colon: here", "RT @someone no colon: here"),
        ("rt @lower: kept", "rt @lower: kept"),
        ("plain", "plain"),
    ],
)
def test_model_text_drops_only_an_exact_retweet_prefix(text: str, expected: str) -> None:
    assert model_text(text) == expected


def test_retweets_share_their_original_computation(tmp_path: Path) -> None:
    text = "Les dockers bloquent le port depuis ce matin."
    posts = [Post(platform="twitter", post_id="1", text=text)] + [
        Post(platform="twitter", post_id=str(i), text=f"RT @user{i}: {text}") for i in range(2, 12)
    ]
    with Store(tmp_path / "db.duckdb") as store:
        store.upsert_posts(posts_to_table(posts))
        assert pending_counts(store)["language"] == 11
        report = enrich(store, embed="hashing")
        assert [(s.posts, s.unique_texts) for s in report.steps] == [(11, 1), (11, 1)]
        assert _table(store, "SELECT DISTINCT lang FROM post_language") == [("fr",)]
