"""The query language: parsing, errors with positions, compiled SQL run on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voxpop.analyze.query import (
    And,
    Field,
    Hashtag,
    Mention,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    compile_query,
    fold,
    parse,
    search,
)
from voxpop.schema import Post, posts_to_table
from voxpop.store import Store

T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)

POSTS = [
    Post(
        platform="twitter",
        post_id="1",
        author_handle="Dock_Worker",
        created_at=T0,
        text="The PORT strike goes on, #PortStrike",
        hashtags=["PortStrike"],
        source_lang="en",
        urls=["https://news.example.com/a?utm_source=x"],
    ),
    Post(
        platform="twitter",
        post_id="2",
        created_at=T0,
        text="Grève au port: les dockers...",
        source_lang="fr",
        kind="repost",
        mentions=["Dock_Worker"],
        urls=["http://example.org/b"],
    ),
    Post(
        platform="mastodon",
        post_id="3",
        created_at=datetime(2026, 3, 4, tzinfo=UTC),
        text="港口罢工进入第三天",
        source_lang="zh",
    ),
    Post(
        platform="twitter",
        post_id="4",
        created_at=T0,
        text="strikes and strikers everywhere",
        source_lang="en",
        urls=["https://www.youtube.com/watch?v=abc"],
    ),
    Post(
        platform="twitter",
        post_id="5",
        created_at=T0,
        text="portrait of a port-strike",
        source_lang="es",
    ),
]


@pytest.fixture(params=["folded per query", "folded in the store"])
def store(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """The same posts with text_folded empty (queries fold) and filled: results must agree."""
    with Store(tmp_path / "q.duckdb") as s:
        s.upsert_posts(posts_to_table(POSTS, collection="Docks"))
        # Detected language overrides the source's for post 5 (as enrichment writes it).
        s.con.execute("UPDATE posts SET detected_lang = 'en' WHERE post_id = '5'")
        if request.param == "folded in the store":
            assert s.fold_texts() == len(POSTS)
            assert s.fold_texts() == 0  # only posts that lack it
        yield s


def ids(store: Store, query: str) -> list[str]:
    return sorted(search(store, query, limit=None).column("post_id").to_pylist())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("port", ["1", "2", "5"]),  # whole words, case-insensitive; "portrait" is not "port"
        ("grEVE", ["2"]),  # accent-insensitive
        ("strike*", ["1", "4", "5"]),
        ('"port strike"', ["1", "5"]),  # punctuation between the words does not matter
        ("#portstrike", ["1"]),
        ("@dock_worker", ["2"]),
        ("罢工", ["3"]),  # CJK: substring
        ("port OR 罢工", ["1", "2", "3", "5"]),
        ("port -lang:fr", ["1", "5"]),
        ("portrait AND NOT kind:repost", ["5"]),
        ("(strike* OR grève) platform:twitter", ["1", "2", "4", "5"]),
        ("lang:en", ["1", "4", "5"]),  # detected language wins over source_lang
        ("domain:example.com", ["1"]),  # subdomains included, example.org not
        ("domain:youtube.com", ["4"]),
        ("url:example.org/b", ["2"]),
        ("author:dock_worker", ["1"]),
        ("collection:docks", ["1", "2", "3", "4", "5"]),
        ("since:2026-03-03", ["3"]),
        ("until:2026-03-02", ["1", "2", "4", "5"]),
        ('"no such phrase"', []),
        ("https://news.example.com", []),  # a link typed as a term is text, not a field
    ],
)
def test_search(store: Store, query: str, expected: list[str]) -> None:
    assert ids(store, query) == expected


def test_search_limit_and_columns(store: Store) -> None:
    table = search(store, "strike*", limit=2)
    assert table.num_rows == 2
    assert {"post_id", "text", "lang", "created_at"} <= set(table.column_names)


def test_ast() -> None:
    assert parse('a "b c" OR NOT #d @e lang:en') == Or(
        (
            And((Term("a"), Term("b c", phrase=True))),
            And((Not(Hashtag("d")), Mention("e"), Field("lang", "en"))),
        )
    )
    assert parse("x*") == Term("x", prefix=True)
    assert parse('collection:"port strike"') == Field("collection", "port strike")


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("(a OR b", 7),
        ("a AND", 5),
        ('x "abc', 2),
        ("lnag:en", 0),
        ("a*b", 0),
        (")", 0),
        ("since:soon", 0),
        ("", 0),
        ("#", 0),
        ("a ) b", 2),
    ],
)
def test_errors_point_at_the_position(query: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    assert info.value.position == position
    assert "position" in str(info.value)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(QuerySyntaxError):
        parse("(" * 10_000 + "a" + ")" * 10_000)
    with pytest.raises(QuerySyntaxError):
        parse("NOT " * 10_000 + "a")


SAMPLES = ["Çafé", "İstanbul", "ÀÉÎÕÜ", "Straße", "हिन्दी", "مُحَمَّد", "東京タワー", "ǅemal", "Ωμέγα"]


def test_fold_agrees_with_duckdb() -> None:
    con = duckdb.connect()
    for text in SAMPLES:
        assert con.execute("SELECT strip_accents(lower(?))", [text]).fetchall()[0][0] == fold(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_parsing_never_crashes(text: str) -> None:
    try:
        node = parse(text)
    except QuerySyntaxError:
        return
    sql, params = compile_query(node)
    assert sql.count("?") == len(params)


# Queries from the grammar, with terms full of quotes, semicolons and SQL: the compiled SQL
# must hold none of it (it has no string literal at all) and must run.
_NASTY = st.text(alphabet="ab'\";-–ζ東é% _\\)(", min_size=1, max_size=8)
_atoms = st.one_of(
    _NASTY.map(lambda t: '"' + t.replace('"', "") + '"'),
    st.text(alphabet="abcζé東'%;\\", min_size=1, max_size=6).map(lambda t: t),
    st.text(alphabet="abcζ'%;", min_size=1, max_size=6).map(lambda t: "#" + t),
    st.text(alphabet="abc'%;", min_size=1, max_size=6).map(lambda t: "@" + t),
    st.sampled_from(["lang", "platform", "kind", "author", "collection", "url"]).flatmap(
        lambda f: _NASTY.map(lambda t: f'{f}:"{t.replace(chr(34), "")}"')
    ),
)
_queries = st.recursive(
    _atoms,
    lambda inner: st.tuples(inner, st.sampled_from([" AND ", " OR ", " ", " -"]), inner).map(
        lambda t: f"({t[0]}{t[1]}{t[2]})"
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store(tmp_path_factory.mktemp("q") / "q.duckdb") as s:
        s.upsert_posts(posts_to_table(POSTS))
        yield s


@settings(max_examples=60, deadline=None)
@given(_queries)
def test_user_text_only_as_parameters(shared_store: Store, query: str) -> None:
    try:
        sql, params = compile_query(query)
    except QuerySyntaxError:
        return
    assert "'" not in sql and '"' not in sql and ";" not in sql and "ζ" not in sql
    assert sql.count("?") == len(params)
    shared_store.con.execute(f"SELECT count(*) FROM posts WHERE {sql}", params).fetchall()


def test_blank_query_selects_every_post(store: Store) -> None:
    assert compile_query("  ") == ("TRUE", [])
    assert ids(store, "") == ["1", "2", "3", "4", "5"]


def test_posts_added_after_folding_are_still_found(tmp_path: Path) -> None:
    with Store(tmp_path / "q.duckdb") as s:
        s.upsert_posts(posts_to_table(POSTS[:2]))
        s.fold_texts()
        assert s.texts_folded()
        s.upsert_posts(posts_to_table(POSTS[2:]))
        assert not s.texts_folded()
        assert ids(s, "port") == ["1", "2", "5"]
