"""Coordination detection: parity with coordination-network-toolkit, quality on simulator truth,
bounded pairs on skewed data, exports."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import msgspec
import pyarrow as pa
import pytest

from tests.conftest import fixture_path
from voxpop.analyze.coordination import detect_coordination, toolkit_edges
from voxpop.analyze.coordination_actions import actions
from voxpop.schema import Post, posts_to_table
from voxpop.simulate import simulate
from voxpop.sources import cnt, open_input

_TOOLKIT = {
    "co-repost": ("compute_co_retweet_parallel", "co_retweet_network"),
    "co-reply": ("compute_co_reply_network", "co_reply_network"),
    "co-link": ("compute_co_link_network", "co_link_network"),
    "co-text": ("compute_co_tweet_network", "co_tweet_network"),
}


def _read_cnt(path: Path) -> pa.Table:
    with open_input(path) as stream:
        return posts_to_table([p for p in cnt.READER.read(stream) if isinstance(p, Post)])


def _toolkit(
    csv: Path, db: Path, behaviour: str, window: int, min_weight: int
) -> dict[tuple[str, str], int]:
    toolkit = pytest.importorskip("coordination_network_toolkit.compute_networks")
    from coordination_network_toolkit.preprocess import preprocess_csv_files

    if not db.exists():
        preprocess_csv_files(str(db), [str(csv)])
        # The toolkit reads an empty urls cell as one empty URL shared by every such message.
        with sqlite3.connect(db) as con:
            con.execute("DELETE FROM message_url WHERE url = ''")
    function, table = _TOOLKIT[behaviour]
    getattr(toolkit, function)(str(db), window, n_threads=1, min_edge_weight=min_weight)
    with sqlite3.connect(db) as con:
        rows = con.execute(f"SELECT user_1, user_2, weight FROM {table} WHERE user_1 != user_2")
        return {(a, b): w for a, b, w in rows}


@pytest.mark.parametrize("behaviour", ["co-repost", "co-reply", "co-link"])
@pytest.mark.parametrize("window,min_weight", [(60, 1), (600, 2)])
def test_parity_with_toolkit_on_its_sample(
    tmp_path: Path, behaviour: str, window: int, min_weight: int
) -> None:
    sample = fixture_path("generic_csv/qut_cnt_sample_data.csv")
    posts = _read_cnt(sample)
    # The sample writes urls as a Python list repr, which the toolkit splits on spaces into
    # fragments such as "['http://example.com/4',"; give it the documented space-delimited
    # layout of the same posts.
    csv = tmp_path / "sample.csv"
    with open_input(sample) as stream, csv.open("w", newline="", encoding="utf-8") as out:
        cnt.write_cnt_csv((p for p in cnt.READER.read(stream) if isinstance(p, Post)), out)
    ours = detect_coordination(
        posts, types=[behaviour], window=window, min_weight=min_weight, max_group=10**9
    )
    expected = _toolkit(csv, tmp_path / "cnt.db", behaviour, window, min_weight)
    assert expected or min_weight > 1  # the sample has few repeated co-replies
    assert toolkit_edges(ours.edges, behaviour, min_weight) == expected


def test_finds_planted_campaigns_not_organic_crowds() -> None:
    for seed in (1, 2):
        sim = simulate(posts=20_000, seed=seed)
        table = pa.concat_tables(posts_to_table(chunk) for chunk in sim)
        result = detect_coordination(table)
        truth = {m for c in sim.truth.campaigns for m in c.members}
        found = {a for c in result.clusters for a in c.accounts}
        hits = len(found & truth)
        f1 = 2 * hits / (len(found) + len(truth))
        assert f1 >= 0.95, (seed, len(found), len(truth), hits)


def test_crowded_items_are_capped_and_reported(tmp_path: Path) -> None:
    from datetime import timedelta

    start = datetime(2026, 1, 1, tzinfo=UTC)
    posts = [
        Post(
            platform="x",
            post_id=f"p{i}",
            author_id=f"a{i}",
            kind="repost",
            parent_id="viral",
            created_at=start + timedelta(seconds=i % 30),
        )
        for i in range(3000)
    ]
    result = detect_coordination(posts_to_table(posts), types=["co-repost"], max_group=100)
    assert result.edges.num_rows == 0
    capped = result.to_json()["capped_items"]
    assert [(c["item"], c["accounts"]) for c in capped] == [("viral", 3000)]


def test_exports(tmp_path: Path) -> None:
    sim = simulate(posts=20_000, seed=3)
    table = pa.concat_tables(posts_to_table(chunk) for chunk in sim)
    result = detect_coordination(table)
    assert result.clusters
    doc = msgspec.json.decode(msgspec.json.encode(result.to_json()))
    first = doc["clusters"][0]
    assert {"id", "accounts", "behaviours", "score", "evidence", "fdr", "sync"} <= first.keys()
    assert first["evidence"][0]["first_at"]
    import networkx as nx

    for name in ("c.gexf", "c.graphml", "e.parquet", "e.csv"):
        written = result.write(tmp_path / name)
        assert all(p.stat().st_size > 0 for p in written)
    graph = nx.read_graphml(tmp_path / "c.graphml")
    assert graph.number_of_nodes() == result.nodes.num_rows


@pytest.mark.parametrize("behaviour", ["co-repost", "co-reply"])
def test_parity_with_toolkit_on_simulated_posts(tmp_path: Path, behaviour: str) -> None:
    # co-link is left out here: simulated links carry tracking parameters and shorteners that
    # voxpop canonicalises and the toolkit compares raw (docs/coordination.md).
    posts = [p for chunk in simulate(posts=5_000, seed=4) for p in chunk]
    csv = tmp_path / "sim.csv"
    with csv.open("w", newline="", encoding="utf-8") as out:
        cnt.write_cnt_csv(posts, out)
    ours = detect_coordination(
        _read_cnt(csv), types=[behaviour], window=60, min_weight=1, max_group=10**9
    )
    expected = _toolkit(csv, tmp_path / "cnt.db", behaviour, 60, 1)
    assert expected
    assert toolkit_edges(ours.edges, behaviour, 1) == expected


def test_near_duplicate_texts_share_one_item_in_any_script() -> None:
    texts = {
        "en1": "Breaking: the dam at Xinji has failed, evacuate now https://t.co/abc",
        "en2": "RT @news: BREAKING the dam at Xinji has failed, evacuate now!!",
        "en3": "breaking: the dam at xinji has FAILED evacuate now #alert @mayor",
        "zh1": "新吉水坝已经决堤请立即撤离所有居民",
        "zh2": "新吉水坝已经决堤，请立即撤离所有居民！",
        "other": "I like turtles and long walks by the sea",
        "link": "https://example.com/only-a-link",
    }
    posts = [
        Post(
            platform="x",
            post_id=key,
            author_id=f"a-{key}",
            kind="post",
            text=text,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for key, text in texts.items()
    ]
    con = duckdb.connect()
    con.register("posts_in", posts_to_table(posts))
    acts = actions(con, "posts_in", ["co-text", "co-similar"])
    names = acts.accounts.to_pylist()
    items: dict[str, dict[str, int]] = {"co-text": {}, "co-similar": {}}
    behaviours = acts.items["behaviour"].to_pylist()
    for row in con.sql("SELECT item, account FROM _coord_actions").to_arrow_table().to_pylist():
        items[behaviours[row["item"]]][names[row["account"]].removeprefix("a-")] = row["item"]
    similar = items["co-similar"]
    assert similar["en1"] == similar["en2"] == similar["en3"]
    assert similar["zh1"] == similar["zh2"] != similar["en1"]
    assert similar["other"] not in (similar["en1"], similar["zh1"])
    assert "link" not in similar and "link" not in items["co-text"]
    # co-text: the same text after normalisation only.
    assert items["co-text"]["en1"] != items["co-text"]["en2"]
    zh1 = acts.items["item"][items["co-text"]["zh1"]].as_py()
    assert zh1 == "新吉水坝已经决堤请立即撤离所有居民"


def test_text_work_in_worker_processes_gives_the_same_clusters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import voxpop.analyze.coordination_actions as actions_module

    sim = simulate(posts=20_000, seed=4)
    table = pa.concat_tables(posts_to_table(chunk) for chunk in sim)
    results = []
    # One chunk runs in this process; many chunks go to worker processes, in turns.
    monkeypatch.setattr(actions_module, "_WORKERS_FROM", 0)
    for chunk in (10**9, 700):
        monkeypatch.setattr(actions_module, "_TEXT_CHUNK", chunk)
        result = detect_coordination(table, types=["co-text", "co-similar"])
        # Sums in DuckDB run in parallel, so floats may differ in their last bits.
        edges = [
            {k: round(v, 9) if isinstance(v, float) else v for k, v in row.items()}
            for row in result.edges.to_pylist()
        ]
        results.append(([c.accounts for c in result.clusters], edges))
    assert results[0][0]
    assert results[0] == results[1]
