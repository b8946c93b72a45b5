"""Ingest end to end on real DuckDB files, through the library and the CLI."""

from __future__ import annotations

import bz2
import gzip
import importlib
import io
import itertools
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
import zstandard
from click.testing import CliRunner

from voxpop.cli import cli
from voxpop.ingest import _part_bounds, ingest
from voxpop.schema import POST_SCHEMA
from voxpop.simulate import write_simulation
from voxpop.sources._base import is_json_lines
from voxpop.store import Store

# The module, not the function `voxpop.ingest` that the package exports under the same name.
ingest_module = importlib.import_module("voxpop.ingest")


def tweet(i: int, author: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(1000 + i),
        "text": f"post number {i} #tag{i % 3} https://t.co/x{i}",
        "author_id": author,
        "created_at": f"2026-03-02T10:{i % 60:02d}:00.000Z",
        "lang": "en",
        "conversation_id": str(1000 + i),
        "entities": {
            "hashtags": [{"start": 15, "end": 20, "tag": f"tag{i % 3}"}],
            "urls": [{"url": f"https://t.co/x{i}", "expanded_url": f"https://news.example/{i}"}],
        },
        "public_metrics": {
            "retweet_count": i,
            "reply_count": 0,
            "like_count": 2 * i,
            "quote_count": 0,
        },
        **extra,
    }


USERS = [
    {"id": "11", "username": "alice", "name": "Alice"},
    {"id": "12", "username": "bob", "name": "Bob"},
]


def page(tweets: list[dict[str, Any]], referenced: list[dict[str, Any]] = ()) -> str:  # type: ignore[assignment]
    return json.dumps(
        {
            "data": tweets,
            "includes": {"users": USERS, "tweets": list(referenced)},
            "meta": {"result_count": len(tweets)},
            "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.14.0"},
        }
    )


def write_pages(path: Path, pages: list[str]) -> Path:
    path.write_text("\n".join(pages) + "\n")
    return path


@pytest.fixture
def pages_file(tmp_path: Path) -> Path:
    original = tweet(99, "12")
    repost = tweet(
        5,
        "11",
        referenced_tweets=[{"type": "retweeted", "id": original["id"]}],
        text="RT @bob: post number 99",
    )
    first = [tweet(i, "11" if i % 2 else "12") for i in range(5)] + [repost]
    second = [tweet(i, "12") for i in range(10, 14)]
    return write_pages(tmp_path / "pages.jsonl", [page(first, [original]), page(second)])


def counts(store: Store) -> tuple[int, int, int]:
    stats = store.stats()
    return stats["posts"], stats["context_posts"], stats["dead_letters"]


def test_ingest_and_reingest(tmp_path: Path, pages_file: Path) -> None:
    with Store(tmp_path / "db.duckdb") as store:
        report = ingest(store, [pages_file], collection="test")
        (run,) = report.runs
        assert (run.format, run.posts_read, run.context_read, run.posts_new) == (
            "twitter-v2",
            10,
            1,
            11,
        )
        assert counts(store) == (10, 1, 0)
        again = ingest(store, [pages_file])
        assert again.runs[0].posts_new == 0
        assert counts(store) == (10, 1, 0)
        runs = store.ingest_runs().to_pylist()
        assert [r["posts_new"] for r in runs] == [11, 0]
        assert runs[0]["collection"] == "test" and runs[0]["finished_at"] is not None
        repost = store.con.execute(
            "SELECT kind, parent_id, author_handle, origin.record FROM posts WHERE post_id = '1005'"
        ).fetchall()
        assert repost == [("repost", "1099", "alice", 1)]


def test_copies_of_a_post_in_one_file_keep_the_first_collected_one(tmp_path: Path) -> None:
    shared, only_referenced = tweet(50, "11"), tweet(60, "12")
    pages = [
        page([tweet(1, "11")], [shared | {"text": "first reference"}, only_referenced]),
        page([tweet(2, "12")], [shared | {"text": "second reference"}]),
        page([shared | {"text": "collected"}]),
        page([shared | {"text": "collected again"}], [only_referenced | {"text": "later"}]),
    ]
    path = write_pages(tmp_path / "copies.jsonl", pages)
    with Store(tmp_path / "db.duckdb") as store:
        (run,) = ingest(store, [path]).runs
        rows = store.con.execute(
            "SELECT post_id, text, context, origin.record FROM posts ORDER BY post_id"
        ).fetchall()
    assert (run.posts_new, run.posts_upgraded) == (4, 0)
    assert rows == [
        ("1001", "post number 1 #tag1 https://t.co/x1", False, 1),
        ("1002", "post number 2 #tag2 https://t.co/x2", False, 2),
        ("1050", "collected", False, 3),
        ("1060", "post number 60 #tag0 https://t.co/x60", True, 1),
    ]


def test_ingest_leaves_the_vacuum_setting_as_it_found_it(tmp_path: Path, pages_file: Path) -> None:
    setting = "SELECT current_setting('max_vacuum_tasks')"
    with Store(tmp_path / "db.duckdb") as store:
        store.con.execute("SET max_vacuum_tasks = 7")
        ingest(store, [pages_file])
        assert store.con.execute(setting).fetchall() == [(7,)]


def test_truncated_last_line_is_a_dead_letter(tmp_path: Path, pages_file: Path) -> None:
    text = pages_file.read_text()
    cut = write_pages(tmp_path / "cut.jsonl", [text.rstrip("\n")[:-40]])
    with Store(tmp_path / "db.duckdb") as store:
        ingest(store, [cut])
        assert counts(store) == (6, 1, 1)
        (dead,) = store.dead_letters().to_pylist()
        assert dead["record"] == 2 and "JSON" in dead["reason"]
        assert dead["raw"].startswith('{"data"')


@pytest.mark.parametrize(
    "compress",
    [gzip.compress, bz2.compress, lambda b: zstandard.ZstdCompressor().compress(b)],
    ids=["gzip", "bz2", "zstd"],
)
def test_compressed_files_and_directories(tmp_path: Path, pages_file: Path, compress: Any) -> None:
    folder = tmp_path / "in" / "nested"
    folder.mkdir(parents=True)
    (folder / "data.bin").write_bytes(compress(pages_file.read_bytes()))
    (folder / ".hidden.jsonl").write_bytes(pages_file.read_bytes())
    with Store(tmp_path / "db.duckdb") as store:
        report = ingest(store, [tmp_path / "in"])
        assert [r.format for r in report.runs] == ["twitter-v2"]
        assert counts(store) == (10, 1, 0)


def test_unrecognised_file_is_reported_and_the_rest_ingested(
    tmp_path: Path, pages_file: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    pages_file.rename(folder / "pages.jsonl")
    (folder / "notes.txt").write_text("just some notes\nnothing here\n")
    runner = CliRunner()
    db = str(tmp_path / "db.duckdb")
    result = runner.invoke(cli, ["--db", db, "ingest", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["summary"]["posts_read"] == 10
    assert [e["file"] for e in document["errors"]] == [str(folder / "notes.txt")]
    assert "no reader recognises" in document["errors"][0]["error"]


def run_json(args: list[str], **env: str) -> Any:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_json_documents(tmp_path: Path, pages_file: Path) -> None:
    db = str(tmp_path / "db.duckdb")
    ingested = run_json(["--db", db, "ingest", str(pages_file), "--json"])
    assert ingested["summary"]["posts_new"] == 11
    stats = run_json(["--db", db, "stats", "--json"])
    assert (stats["posts"], stats["context_posts"]) == (10, 1)
    assert stats["by_kind"] == {"post": 9, "repost": 1}
    assert stats["by_platform"] == {"twitter": 10}
    assert stats["first_post_at"].startswith("2026-03-02T10:00")
    out = tmp_path / "posts.parquet"
    assert run_json(["--db", db, "export", "--out", str(out), "--json"])["rows"] == 10
    formats = run_json(["formats", "--json"])["formats"]
    assert formats[0]["name"] == "twitter-v2" and len(formats) >= 12
    assert run_json(["--db", db, "dead-letters", "--json"]) == {"dead_letters": []}


def test_db_from_environment(tmp_path: Path, pages_file: Path) -> None:
    db = tmp_path / "env.duckdb"
    run_json(["ingest", str(pages_file), "--json"], VOXPOP_DB=str(db))
    assert db.exists()
    assert run_json(["stats", "--json"], VOXPOP_DB=str(db))["posts"] == 10


def test_pseudonymize_consistent_across_files_and_runs(tmp_path: Path) -> None:
    a = write_pages(tmp_path / "a.jsonl", [page([tweet(1, "11")])])
    b = write_pages(tmp_path / "b.jsonl", [page([tweet(2, "11"), tweet(3, "12")])])
    db = str(tmp_path / "db.duckdb")
    key = {"VOXPOP_KEY": "test key that is long enough"}
    run_json(["--db", db, "ingest", str(a), "--pseudonymize", "--json"], **key)
    run_json(["--db", db, "ingest", str(b), "--pseudonymize", "--json"], **key)
    with Store(db, read_only=True) as store:
        rows = store.con.execute(
            "SELECT post_id, author_id, author_handle, author_name FROM posts ORDER BY post_id"
        ).fetchall()
    assert rows[0][1] == rows[1][1] != rows[2][1]
    assert rows[0][2] == rows[1][2]
    assert all(r[1] not in ("11", "12") and r[2] not in ("alice", "bob") for r in rows)
    assert all(r[3] is None for r in rows)
    refused = CliRunner().invoke(cli, ["--db", db, "ingest", str(a), "--pseudonymize"])
    assert refused.exit_code == 1 and "VOXPOP_KEY" in refused.output


def test_purge_from_ids_file(tmp_path: Path, pages_file: Path) -> None:
    db = str(tmp_path / "db.duckdb")
    run_json(["--db", db, "ingest", str(pages_file), "--json"])
    ids = tmp_path / "ids.txt"
    ids.write_text("1000\ntwitter\t1001\n\n4040\n")
    purged = run_json(["--db", db, "purge", "--ids", str(ids), "--platform", "twitter", "--json"])
    assert purged == {"requested": 3, "removed": 2}
    run_json(["--db", db, "ingest", str(pages_file), "--json"])
    assert run_json(["--db", db, "stats", "--json"])["posts"] == 8
    no_platform = CliRunner().invoke(cli, ["--db", db, "purge", "--ids", str(ids)])
    assert no_platform.exit_code == 1 and "names no platform" in no_platform.output


def test_post_with_values_outside_the_schema_is_a_dead_letter(tmp_path: Path) -> None:
    huge = tweet(1, "11")
    huge["public_metrics"]["like_count"] = 2**70
    path = write_pages(tmp_path / "huge.jsonl", [page([tweet(0, "11")]), page([huge])])
    with Store(tmp_path / "db.duckdb") as store:
        (run,) = ingest(store, [path]).runs
        assert (run.posts_new, run.dead_letters) == (1, 1)
        assert store.stats()["posts"] == 1


def test_truncated_gzip_keeps_what_precedes_the_damage(tmp_path: Path) -> None:
    pages = [page([tweet(i, "11")]) for i in range(200)]
    data = gzip.compress(("\n".join(pages) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 3 // 4])
    with Store(tmp_path / "db.duckdb") as store:
        (run,) = ingest(store, [path]).runs
        assert 50 < run.posts_new < 200
        reasons = [d["reason"] for d in store.dead_letters().to_pylist()]
        assert any(r.startswith("unreadable input") for r in reasons)


@pytest.fixture(scope="module")
def mixed_lines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Simulated twarc2 pages with every kind of line a reader treats apart mixed in."""
    tmp_path = tmp_path_factory.mktemp("mixed")
    write_simulation(tmp_path / "sim", posts=2000, accounts=100, seed=3)
    pages = (tmp_path / "sim" / "posts.jsonl").read_text().splitlines()
    huge = tweet(1, "11")
    huge["public_metrics"]["like_count"] = 2**70
    odd = [
        "",  # blank lines are not records, but still count in line numbers
        page([tweet(2, "11"), huge]),
        '{"data": [{"id": "7", "text": "cut',  # damaged
        json.dumps({"id": "1000", "action": "delete", "created_at": "2009-03-02T10:00:00.000Z"}),
        json.dumps({"data": [{"id": "11", "username": "alice", "name": "Alice"}]}),
        "  \t",
        page([tweet(3, "12")], [tweet(3, "12"), tweet(4, "11")]),
    ]
    lines = [line for pair in itertools.zip_longest(pages, odd, fillvalue=None) for line in pair]
    text = "\n".join(line for line in lines if line is not None)
    path = tmp_path / "mixed.jsonl"
    path.write_text(text + "\n" + page([tweet(5, "11")])[:-30])  # and a truncated last line
    return path


def ingested(
    db: Path, path: Path, key: bytes | None, progress: list[int] | None = None
) -> dict[str, Any]:
    with Store(db) as store:
        (run,) = ingest(
            store,
            [path],
            pseudonymize_key=key,
            collection="port-strike",
            progress=None if progress is None else lambda _, done, *__: progress.append(done),
        ).runs
        columns = ", ".join(POST_SCHEMA.names)
        posts = store.con.execute(f"SELECT {columns} FROM posts ORDER BY post_id").fetchall()
        dead = store.con.execute(
            "SELECT file, record, reason, raw FROM dead_letters ORDER BY record, reason"
        ).fetchall()
        deleted = store.con.execute("SELECT platform, post_id FROM deleted_posts").fetchall()
    counts = msgspec.structs.asdict(run)
    for varying in ("started_at", "finished_at"):
        del counts[varying]
    return {"posts": posts, "dead": dead, "deleted": deleted, "run": counts}


@pytest.mark.parametrize("key", [None, b"a key for pseudonyms"], ids=["plain", "pseudonymized"])
def test_file_read_in_parts_gives_what_one_pass_gives(
    tmp_path: Path, mixed_lines: Path, key: bytes | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = mixed_lines
    whole = ingested(tmp_path / "whole.duckdb", path, key)
    assert whole["run"]["dead_letters"] == 3 and whole["deleted"] == [("twitter", "1000")]
    assert whole["run"]["skipped"] == {"user": 1}
    monkeypatch.setattr(ingest_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(ingest_module, "PART_BYTES", path.stat().st_size // 7)
    monkeypatch.setattr(ingest_module, "WRITE_ROWS", 1)
    progress: list[int] = []
    assert ingested(tmp_path / "parts.duckdb", path, key, progress) == whole
    # Read in parts, and written after each: progress is reported at each part's end, a line's.
    data = path.read_bytes()
    assert len(progress) >= 7
    assert all(data[done - 1 : done] == b"\n" or done == len(data) for done in progress)


def test_part_bounds_cover_the_file_and_end_at_line_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"".join(b"x" * (i % 37) + b"\n" for i in range(500)) + b"no newline")
    monkeypatch.setattr(ingest_module, "PART_BYTES", 100)
    bounds = list(_part_bounds(path))
    data = path.read_bytes()
    assert bounds[0][0] == 0 and bounds[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    assert all(data[end - 1 : end] == b"\n" for _, end in bounds[:-1])
    assert all(end - start >= 100 for start, end in bounds[:-1])


@pytest.mark.parametrize(
    ("head", "lines"),
    [
        (
            b'\n  \n{"data": []}\n{"data": [',
            True,
        ),  # the first line decides; later damage is a record's
        (b'{\n  "data": []\n}\n', False),  # a pretty-printed document
        (b'[{"data": []}, {"data": []}]\n', False),  # an array on one line
        (b'\xef\xbb\xbf{"data": []}\n', False),  # a BOM: left to the reader
        (b'{"data": [\n', False),  # a damaged first line
        (b'{"data": ["' + b"x" * 200 + b'"]}\n', False),  # a first line too long to probe
        (b"\n\n", False),
    ],
)
def test_what_can_be_read_in_parts(head: bytes, lines: bool) -> None:
    assert is_json_lines(io.BytesIO(head), limit=100) is lines
