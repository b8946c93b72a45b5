"""The DuckDB store on a real database file: idempotence, upgrades, purge, export."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from voxpop.errors import StoreError
from voxpop.schema import POST_SCHEMA, Metrics, Post, posts_to_table
from voxpop.sources import DeadLetter
from voxpop.store import _MIGRATIONS, Store

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def make_post(post_id: str, *, context: bool = False, text: str = "hello", **kw: object) -> Post:
    return Post(
        platform="twitter",
        post_id=post_id,
        author_id="a1",
        author_handle="alice",
        created_at=T0,
        text=text,
        context=context,
        record=int(post_id) if post_id.isdigit() else 1,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "test.duckdb")


def test_table_matches_schema() -> None:
    post = make_post("1", urls=["https://x.example/a"], metrics=Metrics(likes=3))
    table = posts_to_table([post, make_post("2")], file="f.jsonl", collection="c")
    assert table.schema == POST_SCHEMA
    row = table.to_pylist()[0]
    assert row["metrics"] == {
        "likes": 3,
        "reposts": None,
        "replies": None,
        "quotes": None,
        "views": None,
    }
    assert table.to_pylist()[1]["metrics"] is None
    assert row["origin"] == {"file": "f.jsonl", "record": 1}
    assert row["collection"] == "c"
    assert row["created_at"] == T0


def test_reingest_adds_nothing(store: Store) -> None:
    batch = posts_to_table([make_post(str(i)) for i in range(1, 101)], file="f")
    assert store.upsert_posts(batch).new == 100
    again = store.upsert_posts(batch)
    assert (again.new, again.upgraded) == (0, 0)
    assert store.stats()["posts"] == 100


def test_duplicates_within_a_batch_keep_the_collected_copy(store: Store) -> None:
    batch = posts_to_table([make_post("1", context=True, text="ref"), make_post("1", text="full")])
    assert store.upsert_posts(batch).new == 1
    row = store.posts().to_arrow_table().to_pylist()[0]
    assert (row["text"], row["context"]) == ("full", False)


def test_context_post_upgraded_when_collected(store: Store) -> None:
    store.upsert_posts(posts_to_table([make_post("7", context=True, text="partial")]))
    assert store.stats()["context_posts"] == 1
    result = store.upsert_posts(posts_to_table([make_post("7", text="complete")]))
    assert (result.new, result.upgraded) == (0, 1)
    stats = store.stats()
    assert (stats["posts"], stats["context_posts"]) == (1, 0)
    # A later context copy never downgrades the collected post.
    store.upsert_posts(posts_to_table([make_post("7", context=True, text="again")]))
    rows = store.posts().to_arrow_table().to_pylist()
    assert [(r["text"], r["context"]) for r in rows] == [("complete", False)]


def test_detected_language_survives_an_upgrade(store: Store) -> None:
    store.upsert_posts(posts_to_table([make_post("7", context=True, text="partiel")]))
    store.con.execute("INSERT INTO post_language VALUES ('twitter', '7', 'FR', 0.9, 'test')")
    store.con.execute("UPDATE posts SET detected_lang = 'fr'")
    store.upsert_posts(posts_to_table([make_post("7", text="complet")]))
    assert store.con.execute("SELECT text, detected_lang FROM posts").fetchall() == [
        ("complet", "fr")
    ]


def test_migration_copies_detected_languages_onto_posts(tmp_path: Path) -> None:
    # A database of the version before posts.detected_lang, with languages already detected.
    path = tmp_path / "old.duckdb"
    added = next(i for i, sql in enumerate(_MIGRATIONS) if "detected_lang" in sql)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE voxpop_meta (version INTEGER, applied_at TIMESTAMPTZ)")
    for version, sql in enumerate(_MIGRATIONS[:added], start=1):
        con.execute(sql)
        con.execute("INSERT INTO voxpop_meta VALUES (?, current_timestamp)", [version])
    con.register("incoming", posts_to_table([make_post("1"), make_post("2"), make_post("3")]))
    con.execute(f"INSERT INTO posts ({', '.join(POST_SCHEMA.names)}) SELECT * FROM incoming")
    con.execute(
        "INSERT INTO post_language VALUES ('twitter', '1', 'EN', 0.9, 'm'), "
        "('twitter', '2', NULL, 0.1, 'm')"
    )
    con.close()
    with Store(path) as store:
        rows = store.con.execute("SELECT post_id, detected_lang FROM posts ORDER BY 1").fetchall()
    assert rows == [("1", "en"), ("2", None), ("3", None)]


def test_purge_removes_derived_rows_and_blocks_reingest(store: Store) -> None:
    store.upsert_posts(posts_to_table([make_post("1"), make_post("2")]))
    store.con.execute(
        "CREATE TABLE post_languages (platform VARCHAR, post_id VARCHAR, lang VARCHAR)"
    )
    store.con.execute(
        "INSERT INTO post_languages VALUES ('twitter', '1', 'en'), ('twitter', '2', 'fr')"
    )
    with store.transaction():
        assert store.purge([("twitter", "1"), ("twitter", "404")], reason="test") == 1
    assert store.con.execute("SELECT post_id FROM post_languages").fetchall() == [("2",)]
    assert store.upsert_posts(posts_to_table([make_post("1")])).new == 0
    stats = store.stats()
    assert (stats["posts"], stats["deleted_posts"]) == (1, 2)


def test_dead_letters_are_kept_once(store: Store) -> None:
    dead = [DeadLetter(record=3, reason="invalid JSON", raw='{"id": ')]
    store.add_dead_letters("f.jsonl", dead)
    store.add_dead_letters("f.jsonl", dead)
    rows = store.dead_letters().to_pylist()
    assert [(r["file"], r["record"], r["raw"]) for r in rows] == [("f.jsonl", 3, '{"id": ')]


def test_database_persists_and_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "persist.duckdb"
    with Store(path) as store:
        store.upsert_posts(posts_to_table([make_post("1")]))
    with Store(path, read_only=True) as reader:
        assert reader.stats()["posts"] == 1
        assert reader.version() == len(_MIGRATIONS)
        with pytest.raises(duckdb.Error):
            reader.upsert_posts(posts_to_table([make_post("2")]))


def test_missing_database_read_only_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "absent.duckdb", read_only=True)


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    with Store(path) as store:
        store.con.execute("INSERT INTO voxpop_meta VALUES (99, current_timestamp)")
    with pytest.raises(StoreError, match="newer voxpop"):
        Store(path)


def test_exports(store: Store, tmp_path: Path) -> None:
    posts = [
        make_post("1", urls=["https://a.example/x"], hashtags=["tag"], metrics=Metrics(likes=2)),
        make_post("2"),
        make_post("3", context=True),
    ]
    store.upsert_posts(posts_to_table(posts, file="in.jsonl"))
    assert store.export(tmp_path / "p.parquet", "parquet") == 2
    table = pq.read_table(tmp_path / "p.parquet")
    assert table.num_rows == 2
    assert table.to_pylist()[0]["urls"] == ["https://a.example/x"]
    assert store.export(tmp_path / "all.parquet", "parquet", include_context=True) == 3
    assert store.export(tmp_path / "p.csv", "csv") == 2
    rows = pacsv.read_csv(tmp_path / "p.csv").to_pylist()
    first = next(r for r in rows if str(r["post_id"]) == "1")
    assert json.loads(first["urls"]) == ["https://a.example/x"]
    assert first["likes"] == 2
    assert first["origin_file"] == "in.jsonl"
    assert store.export(tmp_path / "p.jsonl", "jsonl") == 2
    lines = (tmp_path / "p.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["hashtags"] == ["tag"]
