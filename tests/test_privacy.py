"""Pseudonymisation: keyed, consistent, irreversible without the key."""

from __future__ import annotations

import pytest

from voxpop.errors import ConfigError
from voxpop.privacy import pseudonym, pseudonymize
from voxpop.schema import Post, posts_to_table

KEY = b"a long random secret used only in tests"


def table_of(*posts: Post):  # type: ignore[no-untyped-def]
    return posts_to_table(list(posts))


def test_same_key_same_pseudonyms_across_batches() -> None:
    a = Post(
        platform="twitter",
        post_id="1",
        author_id="42",
        author_handle="Alice",
        author_name="Alice A.",
        mentions=["bob"],
    )
    b = Post(
        platform="twitter",
        post_id="2",
        author_id="43",
        author_handle="bob",
        parent_author_id="42",
        mentions=["ALICE", "carol"],
        kind="reply",
    )
    first = pseudonymize(table_of(a), KEY).to_pylist()[0]
    second = pseudonymize(table_of(b), KEY).to_pylist()[0]
    assert first["author_id"] == second["parent_author_id"] != "42"
    # Handles are case-folded: @ALICE in one post names the author Alice of another.
    assert second["mentions"][0] == first["author_handle"]
    assert first["mentions"] == [second["author_handle"]]
    assert first["author_name"] is None
    assert "alice" not in str(first).lower()


def test_ids_and_handles_hash_in_separate_domains() -> None:
    assert pseudonym(KEY, "bob", domain="id") != pseudonym(KEY, "bob", domain="handle")


def test_other_key_other_pseudonyms() -> None:
    post = Post(platform="twitter", post_id="1", author_id="42")
    one = pseudonymize(table_of(post), KEY).to_pylist()[0]["author_id"]
    two = pseudonymize(table_of(post), b"another key").to_pylist()[0]["author_id"]
    assert one != two
    assert len(one) == 20


def test_nulls_and_sliced_lists_survive() -> None:
    posts = [
        Post(
            platform="x",
            post_id=str(i),
            author_id=None if i % 2 else str(i),
            mentions=[f"m{i}", f"n{i}"] if i % 3 else [],
        )
        for i in range(10)
    ]
    table = posts_to_table(posts).slice(3, 5)
    out = pseudonymize(table, KEY).to_pylist()
    assert [r["author_id"] is None for r in out] == [bool(i % 2) for i in range(3, 8)]
    assert [len(r["mentions"]) for r in out] == [2 if i % 3 else 0 for i in range(3, 8)]
    assert out[1]["mentions"] == [
        pseudonym(KEY, "m4", domain="handle"),
        pseudonym(KEY, "n4", domain="handle"),
    ]


def test_empty_key_refused() -> None:
    with pytest.raises(ConfigError, match="VOXPOP_KEY"):
        pseudonymize(table_of(Post(platform="x", post_id="1")), b"")
