"""Trends over a real store: counts per bucket, gaps filled, groups, sentiment, plots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from voxpop.analyze.trends import parse_interval, plot_trends, trends
from voxpop.errors import ConfigError
from voxpop.schema import Post, posts_to_table
from voxpop.store import Store

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)


def make_store(path: Path) -> Store:
    posts = [
        Post(
            platform="twitter",
            post_id=str(i),
            author_id=f"a{i % 3}",
            created_at=T0 + timedelta(minutes=10 * i),
            text=f"port strike day {i}",
            source_lang="en" if i % 2 else "fr",
            kind="repost" if i % 4 == 0 else "post",
        )
        for i in range(6)
    ]
    posts.append(
        Post(
            platform="twitter",
            post_id="late",
            author_id="b",
            created_at=T0 + timedelta(hours=3),
            text="port strike over",
            source_lang="en",
        )
    )
    store = Store(path)
    store.upsert_posts(posts_to_table(posts))
    store.con.execute(
        "INSERT INTO post_sentiment VALUES ('twitter', '1', 0.5, 'pos', 't'), "
        "('twitter', '3', -0.1, 'neg', 't')"
    )
    return store


def test_trends_counts_and_fills_gaps(tmp_path: Path) -> None:
    with make_store(tmp_path / "t.duckdb") as store:
        table = trends(store, ["strike", "nothing"], interval="1h")
        rows = table.to_pylist()
        strike = [r for r in rows if r["query"] == "strike"]
        assert [r["bucket"].hour for r in strike] == [10, 11, 12, 13]
        assert [r["posts"] for r in strike] == [6, 0, 0, 1]
        assert strike[0]["authors"] == 3 and strike[0]["reposts"] == 2
        assert strike[0]["sentiment"] == pytest.approx(0.2)
        assert strike[1]["sentiment"] is None
        assert [r["posts"] for r in rows if r["query"] == "nothing"] == [0, 0, 0, 0]


def test_trends_by_language(tmp_path: Path) -> None:
    with make_store(tmp_path / "t.duckdb") as store:
        table = trends(store, ["strike"], interval="1d", by="lang")
        assert table.column_names[2] == "lang"
        assert {r["lang"]: r["posts"] for r in table.to_pylist()} == {"en": 4, "fr": 3}


def test_interval_parsing() -> None:
    assert parse_interval("15m") == timedelta(minutes=15)
    assert parse_interval("1d") == timedelta(days=1)
    with pytest.raises(ConfigError):
        parse_interval("soon")


@pytest.mark.parametrize("name", ["plot.png", "plot.svg"])
def test_plot(tmp_path: Path, name: str) -> None:
    with make_store(tmp_path / "t.duckdb") as store:
        table = trends(store, ["strike"], interval="15m", by="lang")
    plot_trends(table, tmp_path / name)
    assert (tmp_path / name).stat().st_size > 1000
