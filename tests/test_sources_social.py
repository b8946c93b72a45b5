"""Readers for Mastodon, Bluesky Jetstream, Reddit and Telegram: real samples and edge cases."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ReadResult, fixture_path, read_all, read_bytes
from voxpop.schema import Metrics, Post, posts_to_table
from voxpop.sources import Sample, detect
from voxpop.sources._base import Delete, Reader, html_to_text
from voxpop.sources.bluesky import READER as BLUESKY
from voxpop.sources.mastodon import READER as MASTODON
from voxpop.sources.reddit import READER as REDDIT
from voxpop.sources.telegram import READER as TELEGRAM

READERS = {r.name: r for r in (MASTODON, BLUESKY, REDDIT, TELEGRAM)}


def case(path: str, reader: str, collected: int, *, deletes: int = 0, **skipped: int) -> Any:
    """A fixture, the reader that must detect it, and what it must yield: `collected` posts,
    `deletes`, `skipped` records by kind, and never a context post or a dead letter."""
    return pytest.param(path, reader, collected, deletes, skipped, id=path)


FIXTURES = [
    case("mastodon/mastodonpy__home_timeline_13.json", "mastodon", 9, non_public=4),
    case("mastodon/mastodonpy__mastodon_social_account_23972.json", "mastodon", 0, account=1),
    case(
        "mastodon/mastodonpy__mastodon_social_notifications_40.json",
        "mastodon",
        0,
        notification=39,
        non_public=1,
    ),
    case("mastodon/mastodonpy__mastodon_social_search_v2.json", "mastodon", 2, account=18, tag=1),
    case("mastodon/mastodonpy__mastodon_social_status_context.json", "mastodon", 0, non_public=2),
    case("mastodon/mastodonpy__mastodon_social_trends_tags.json", "mastodon", 0, tag=10),
    case("mastodon/mastodonpy__public_timeline_anonymous_8.json", "mastodon", 8),
    case(
        "mastodon/mastodonpy__status_110446183735368325_history.json", "mastodon", 0, status_edit=2
    ),
    case(
        "mastodon/mastodonpy__status_110446223051565765_history.json", "mastodon", 0, status_edit=2
    ),
    case("mastodon/mastodonpy__tag_timeline_page1.json", "mastodon", 10),
    case("mastodon/mastodonpy__tag_timeline_page2.json", "mastodon", 10),
    case("mastodon/swinub__status_botsin_space.json", "mastodon", 1),
    case("mastodon_streaming/flodgatt__redis_input_001.resp", "mastodon", 1),
    case("mastodon_streaming/flodgatt__redis_input_002.resp", "mastodon", 1),
    case("mastodon_streaming/flodgatt__redis_input_003.resp", "mastodon", 1),
    case("mastodon_streaming/flodgatt__redis_input_004.resp", "mastodon", 0, deletes=1),
    case("mastodon_streaming/flodgatt__redis_msg_event_001.json", "mastodon", 1),
    case("mastodon_streaming/flodgatt__redis_msg_event_002.json", "mastodon", 1),
    case("mastodon_streaming/flodgatt__redis_msg_event_003.json", "mastodon", 1),
    case("mastodon_streaming/flodgatt__redis_msg_event_004.json", "mastodon", 0, deletes=1),
    case("mastodon_streaming/swinub__websocket_stream_update_event.json", "mastodon", 1),
    case(
        "bluesky/microcosm-rs__jetstream_events_from_tests.jsonl",
        "bluesky-jetstream",
        1,
        like=2,
        profile=1,
        account=3,
    ),
    case("reddit/graw__inbox.json", "reddit", 1, message=4),
    case("reddit/graw__more.json", "reddit", 50, more=11),
    case("reddit/graw__subreddit.json", "reddit", 27),
    case("reddit/graw__user.json", "reddit", 25),
    case("telegram/affiliate__Deals_js_messages_array.json", "telegram", 232),
    case("telegram/affiliate__Input_js_messages_array.json", "telegram", 601),
    case("telegram/chatanalytics__DM_2A_7M.json", "telegram", 0, service=2, non_public=6),
    case("telegram/chatanalytics__MultiChat_2C_6M.json", "telegram", 0, service=1, non_public=5),
]


def read_fixture(relative: str, reader: Reader) -> ReadResult:
    return read_all(reader, fixture_path(relative))


def by_id(result: ReadResult) -> dict[str, Post]:
    return {post.post_id: post for post in result.posts}


@pytest.mark.parametrize(("relative", "name", "collected", "deletes", "skipped"), FIXTURES)
def test_fixture_detected_and_counted(
    relative: str, name: str, collected: int, deletes: int, skipped: dict[str, int]
) -> None:
    path = fixture_path(relative)
    assert detect(path).name == name
    result = read_all(READERS[name], path)
    assert len(result.collected) == collected
    assert result.context == []
    assert len(result.deletes) == deletes
    assert result.dead == []
    assert result.skipped == Counter(skipped)
    # Every post must survive the trip into Arrow: types are what the schema says.
    assert posts_to_table(result.posts).num_rows == len(result.posts)


# --- Mastodon: real samples ---------------------------------------------------------------


def test_mastodon_home_timeline_fields() -> None:
    result = read_fixture("mastodon/mastodonpy__home_timeline_13.json", MASTODON)
    first = result.posts[0]
    assert first.platform == "mastodon"
    assert first.post_id == (
        "http://localhost:3000/ap/users/117020565966271181/statuses/117020593473214477"
    )
    assert first.author_id == "http://localhost:3000/@mastodonpy_test"
    assert first.author_handle == "mastodonpy_test"
    assert first.author_name == "John Lennon"
    assert first.created_at == datetime(2026, 8, 1, 13, 55, 51, 777000, tzinfo=UTC)
    assert first.text == "Toot!"
    assert first.source_lang == "en"
    assert first.kind == "post"
    assert first.metrics == Metrics(likes=0, reposts=0, replies=0, quotes=0)
    assert first.record == 1
    # direct and private statuses never become posts
    assert all("117020592129111851" not in post.post_id for post in result.posts)


def test_mastodon_search_reply_fields() -> None:
    result = read_fixture("mastodon/mastodonpy__mastodon_social_search_v2.json", MASTODON)
    greg = result.posts[0]
    assert greg.post_id == "https://icosahedron.website/users/greg/statuses/116388148912635764"
    assert greg.author_handle == "greg@icosahedron.website"
    assert greg.kind == "reply"
    # The parent is not in the file: the instance-local id is all there is.
    assert greg.parent_id == "116387888508422624"
    assert greg.parent_author_id == "https://merveilles.town/@cancel"
    assert greg.mentions == ["cancel@merveilles.town", "halcy@icosahedron.website"]
    assert greg.urls == ["https://www.youtube.com/watch?v=MWCSw_cNxKc"]
    assert greg.text is not None
    assert greg.text.startswith("@cancel @halcy not only is this the classic hip-hop")
    assert greg.text.endswith("Come On My Selector https://www.youtube.com/watch?v=MWCSw_cNxKc")
    assert result.posts[1].metrics == Metrics(likes=4, reposts=1, replies=0, quotes=0)


def test_mastodon_tag_timeline_hashtags() -> None:
    result = read_fixture("mastodon/mastodonpy__tag_timeline_page1.json", MASTODON)
    assert [post.record for post in result.posts] == list(range(1, 11))
    assert result.posts[0].text == (
        "Toot number 29! #fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp"
    )
    assert result.posts[0].hashtags == ["fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp"]


def test_mastodon_websocket_frame_with_double_encoded_payload() -> None:
    result = read_fixture("mastodon_streaming/swinub__websocket_stream_update_event.json", MASTODON)
    (post,) = result.posts
    assert post.post_id == "https://mastodon.social/users/thomasotto/statuses/110066038263943268"
    assert post.source_lang == "de"
    assert post.hashtags == ["chatgpt", "ai"]  # Mastodon's normalised tag names
    assert post.urls == [
        "https://www.newyorker.com/tech/annals-of-technology/chatgpt-is-a-blurry-jpeg-of-the-web"
    ]
    assert post.text is not None
    # the shortened link text is restored in full, hashtag links keep their text
    assert "https://www.newyorker.com/tech/annals-of-technology/chatgpt-is" in post.text
    assert post.text.endswith("#ChatGPT #AI")


def test_mastodon_redis_frames() -> None:
    update = read_fixture("mastodon_streaming/flodgatt__redis_input_001.resp", MASTODON)
    (post,) = update.posts
    assert post.post_id == "https://mastodon.host/users/federationbot/statuses/102775346916917099"
    assert post.author_handle == "federationbot@mastodon.host"
    assert post.created_at == datetime(2019, 9, 11, 18, 42, 19, tzinfo=UTC)
    assert post.text == "Trending tags:\n#neverforget\n#4styles\n#newpipe\n#uber\n#mercredifiction"
    assert post.urls == []  # hashtag links are not URLs
    deleted = read_fixture("mastodon_streaming/flodgatt__redis_input_004.resp", MASTODON)
    assert deleted.deletes == [Delete("mastodon", "104061222412800865", 1)]


def test_mastodon_same_event_as_json_and_as_resp() -> None:
    as_json = read_fixture("mastodon_streaming/flodgatt__redis_msg_event_002.json", MASTODON)
    as_resp = read_fixture("mastodon_streaming/flodgatt__redis_input_002.resp", MASTODON)
    assert as_json.posts == as_resp.posts
    post = as_json.posts[0]
    assert post.text is not None
    assert post.text.startswith(
        "**Far-right governor defies Rome, lifts Venice lockdown early**\n\n"
    )
    assert post.hashtags == ["news", "bot"]


# --- Mastodon: edge cases -----------------------------------------------------------------

ACCOUNT = {
    "id": "1",
    "acct": "alice",
    "username": "alice",
    "display_name": "Alice",
    "url": "https://a.example/@alice",
}
REMOTE = {
    "id": "2",
    "acct": "bob@b.example",
    "username": "bob",
    "display_name": "",
    "url": "https://b.example/@bob",
}


def status(local_id: str, **fields: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": local_id,
        "uri": f"https://a.example/users/alice/statuses/{local_id}",
        "created_at": "2024-05-01T12:00:00.000Z",
        "visibility": "public",
        "language": "en",
        "content": f"<p>status {local_id}</p>",
        "account": ACCOUNT,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": None,
        "mentions": [],
        "tags": [],
        "favourites_count": 1,
        "reblogs_count": 2,
        "replies_count": 3,
    }
    value.update(fields)
    return value


def mastodon(value: Any) -> ReadResult:
    return read_bytes(MASTODON, json.dumps(value).encode())


def test_mastodon_boost_emits_the_boosted_status_as_context() -> None:
    boosted = status("10", account=REMOTE, uri="https://b.example/users/bob/statuses/99")
    result = mastodon(status("11", content="", reblog=boosted))
    assert [post.context for post in result.posts] == [True, False]
    original, boost = result.posts
    assert original.post_id == "https://b.example/users/bob/statuses/99"
    assert original.author_id == "https://b.example/@bob"
    assert original.author_name is None  # empty display name
    assert boost.kind == "repost"
    assert boost.text is None
    assert boost.parent_id == original.post_id
    assert boost.parent_author_id == "https://b.example/@bob"


def test_mastodon_reply_resolves_to_a_parent_later_in_the_document() -> None:
    reply = status(
        "21",
        in_reply_to_id="20",
        in_reply_to_account_id="2",
        mentions=[{"id": "2", "acct": "bob@b.example", "url": "https://b.example/@bob"}],
    )
    parent = status("20")
    self_reply = status("22", in_reply_to_id="404", in_reply_to_account_id="1")
    result = mastodon([reply, parent, self_reply])
    posts = result.posts
    assert posts[0].kind == "reply"
    assert posts[0].parent_id == parent["uri"]
    assert posts[0].parent_author_id == "https://b.example/@bob"
    assert posts[2].parent_id == "404"  # not in the input: the local id stays
    assert posts[2].parent_author_id == "https://a.example/@alice"


def test_mastodon_quotes() -> None:
    quoted = status("30", account=REMOTE, uri="https://b.example/users/bob/statuses/30")
    full = status("31", quote={"state": "accepted", "quoted_status": quoted})
    shallow = status("32", quote={"state": "accepted", "quoted_status_id": "30"})
    revoked = status("33", quote={"state": "revoked", "quoted_status": None})
    result = mastodon([full, shallow, revoked])
    context, quoting, shallow_quote, plain = result.posts
    assert context.context and context.post_id == quoted["uri"]
    assert (quoting.kind, quoting.parent_id) == ("quote", quoted["uri"])
    assert quoting.parent_author_id == "https://b.example/@bob"
    assert (shallow_quote.kind, shallow_quote.parent_id) == ("quote", quoted["uri"])
    assert plain.kind == "post"


def test_mastodon_visibility_and_odd_objects() -> None:
    result = mastodon(
        [
            status("40", visibility="private"),
            status("41", visibility="direct"),
            status("42", visibility="unlisted"),
            {"id": "5", "type": "follow", "account": ACCOUNT, "status": None},
            {"id": "6", "type": "mention", "account": ACCOUNT, "status": status("43")},
            {"id": "7", "unread": True, "accounts": [ACCOUNT], "last_status": status("44")},
            {"error": "Record not found"},
            "just a string",
            status("45", account=None),
            status("46", created_at="yesterday"),
            {"name": "tag", "url": "https://a.example/tags/tag", "history": []},
        ]
    )
    assert [post.post_id.rsplit("/", 1)[-1] for post in result.posts] == ["42", "43"]
    assert result.skipped == Counter(
        {"non_public": 2, "notification": 1, "conversation": 1, "tag": 1}
    )
    assert [letter.record for letter in result.dead] == [7, 8, 9, 10]
    assert result.dead[0].reason == "API error: Record not found"
    assert '"id":"46"' in result.dead[3].raw


def test_mastodon_html_to_text() -> None:
    html = (
        '<p>Hello <span class="h-card"><a href="https://x.example/@bob" class="u-url mention">'
        "@<span>bob</span></a></span> &amp; all<br>second line<br />third</p>"
        '<p>see <a href="https://news.example/a?b=1&amp;c=2" rel="nofollow">'
        '<span class="invisible">https://</span><span class="ellipsis">news.example/a</span>'
        '<span class="invisible">?b=1&amp;c=2</span></a> '
        '<a href="https://x.example/tags/Tag" class="mention hashtag" rel="tag">#<span>Tag</span>'
        "</a></p>"
    )
    text, urls = html_to_text(html)
    assert text == (
        "Hello @bob & all\nsecond line\nthird\n\nsee https://news.example/a?b=1&c=2 #Tag"
    )
    assert urls == ["https://news.example/a?b=1&c=2"]
    assert html_to_text("plain words") == ("plain words", [])


def test_mastodon_spoiler_card_and_tags() -> None:
    card = {"url": "https://card.example/page", "title": "A page"}
    result = mastodon(
        status(
            "50",
            spoiler_text="politics",
            card=card,
            tags=[{"name": "vote", "url": "https://a.example/tags/vote"}],
            mentions=[{"id": "2", "acct": "bob@b.example", "url": "https://b.example/@bob"}],
        )
    )
    (post,) = result.posts
    assert post.text == "politics\n\nstatus 50"
    assert post.urls == ["https://card.example/page"]
    assert post.hashtags == ["vote"]
    assert post.mentions == ["bob@b.example"]


def stream_line(event: str, payload: Any, *, encode: bool = True) -> str:
    body = json.dumps(payload) if encode and not isinstance(payload, str) else payload
    return json.dumps({"stream": ["public"], "event": event, "payload": body})


def test_mastodon_streaming_json_lines() -> None:
    lines = [
        stream_line("update", status("60")),
        stream_line("status.update", status("61", content="<p>edited</p>")),
        stream_line("notification", {"id": "9", "type": "favourite", "account": ACCOUNT}),
        stream_line("filters_changed", None, encode=False),
        stream_line("delete", "60"),
        stream_line("delete", "12345"),
        '{"event": "update", "payload": "{not json"}',
        '{"event": "update", "payl',
    ]
    result = read_bytes(MASTODON, ("\n".join(lines) + "\n").encode())
    assert [post.post_id.rsplit("/", 1)[-1] for post in result.posts] == ["60", "61"]
    assert result.posts[1].text == "edited"
    assert result.skipped == Counter({"notification": 1, "filters_changed": 1})
    # the first delete names a status seen earlier in the stream: its URI
    assert result.deletes == [
        Delete("mastodon", "https://a.example/users/alice/statuses/60", 5),
        Delete("mastodon", "12345", 6),
    ]
    assert [letter.record for letter in result.dead] == [7, 8]
    assert result.dead[1].reason.startswith("invalid JSON")


def resp_frame(payload: bytes, *, end: bytes = b"\r\n", declared: int | None = None) -> bytes:
    size = len(payload) if declared is None else declared
    parts = [b"*3", b"$7", b"message", b"$15", b"timeline:public", b"$%d" % size, payload]
    return end.join(parts) + end


def resp_update(local_id: str, declared_change: int | None = None) -> bytes:
    payload = json.dumps({"event": "update", "payload": status(local_id)}).encode()
    if declared_change is None:
        return resp_frame(payload)
    return resp_frame(payload, declared=len(payload) + declared_change)


def test_mastodon_resp_frames_with_damage() -> None:
    subscribe = b"*3\r\n$9\r\nsubscribe\r\n$15\r\ntimeline:public\r\n:1\r\n"
    data = (
        subscribe
        + resp_update("70")
        + b"garbage line\r\n"
        + resp_update("71", declared_change=-2)
        + resp_update("72", declared_change=+500)  # swallows the start of the next frame
        + resp_update("73")
        + resp_frame(b"{not json")
        + resp_update("74")[:-40]
    )
    result = read_bytes(MASTODON, data)
    assert [post.post_id.rsplit("/", 1)[-1] for post in result.posts] == ["70", "73"]
    assert result.skipped == Counter({"subscription": 1})
    misread = "broken RESP frame: bulk string does not end where its length says"
    assert [(letter.record, letter.reason) for letter in result.dead] == [
        (3, "not a Redis RESP frame"),
        (4, misread),
        (5, misread),
        (7, "invalid JSON payload: JSON is malformed: object keys must be strings (byte 1)"),
        (8, "broken RESP frame: input ends inside a bulk string"),
    ]
    assert result.dead[0].raw == "garbage line\r\n"


def test_mastodon_resp_with_lf_line_ends() -> None:
    data = resp_frame(json.dumps({"event": "delete", "payload": "1"}).encode(), end=b"\n")
    assert read_bytes(MASTODON, data).deletes == [Delete("mastodon", "1", 1)]


def test_mastodon_sniff_is_specific() -> None:
    def sniff(value: Any) -> bool:
        return MASTODON.sniff(Sample(json.dumps(value).encode(), complete=True))

    assert sniff([status("1")])
    assert sniff({"event": "update", "payload": "{}"})
    assert not sniff({"event": "click", "payload": "{}"})
    assert not sniff({"id": "1", "text": "a tweet", "user": {"screen_name": "x"}})
    assert not sniff([])


@settings(max_examples=60, deadline=None)
@given(count=st.integers(1, 6), data=st.data())
def test_mastodon_streaming_truncation_and_corruption(count: int, data: st.DataObject) -> None:
    lines = {
        str(100 + n): stream_line("update", status(str(100 + n))).encode() for n in range(count)
    }
    assert_line_damage_is_contained(MASTODON, lines, data, post_id_suffix)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(1, 5), data=st.data())
def test_mastodon_resp_truncation_and_corruption(count: int, data: st.DataObject) -> None:
    frames = {str(200 + n): resp_update(str(200 + n)) for n in range(count)}
    assert_damage_is_contained(MASTODON, frames, b"", data, post_id_suffix)


def post_id_suffix(post: Post) -> str:
    return post.post_id.rsplit("/", 1)[-1]


# --- Damage to record-oriented input, shared by the line- and frame-based formats ----------


def corrupt(blob: bytes, at: int, data: st.DataObject) -> bytes:
    # Neither a line break (it would split a record in two) nor "[" (a first line starting with
    # one may read as a damaged JSON array).
    byte = data.draw(st.integers(0, 255).filter(lambda b: b not in (0x0A, 0x5B)))
    return blob[:at] + bytes([byte]) + blob[at + 1 :]


def assert_line_damage_is_contained(
    reader: Reader, lines: dict[str, bytes], data: st.DataObject, key: Callable[[Post], str]
) -> None:
    assert_damage_is_contained(
        reader, {k: line + b"\n" for k, line in lines.items()}, b"\n", data, key
    )


def assert_damage_is_contained(
    reader: Reader,
    records: dict[str, bytes],
    separator: bytes,
    data: st.DataObject,
    key: Callable[[Post], str],
) -> None:
    """Truncating the input anywhere, or corrupting one byte of a record, never raises and
    loses no record before or after the damage (a record cut short may still be read whole).

    `records` maps the id each record's post gets to the record's bytes; `separator` ends each
    record and is not part of its content.
    """
    ids = list(records)
    blob = b"".join(records.values())
    assert {key(post) for post in read_bytes(reader, blob).posts} == set(ids)
    ends: list[int] = []
    for record in records.values():
        ends.append((ends[-1] if ends else 0) + len(record))
    cut = data.draw(st.integers(0, len(blob)), label="cut")
    whole = {ids[n] for n, end in enumerate(ends) if end - len(separator) <= cut}
    read = {key(post) for post in read_bytes(reader, blob[:cut]).posts}
    assert whole <= read <= set(ids)
    at = data.draw(st.integers(0, len(blob) - 1), label="corrupted byte")
    damaged = next(n for n, end in enumerate(ends) if at < end)
    if blob[at : at + 1] == b"\n":
        return  # a line break is structure: damaging it merges two records
    read = {key(post) for post in read_bytes(reader, corrupt(blob, at, data)).posts}
    assert set(ids) - {ids[damaged]} <= read


# --- Bluesky Jetstream ---------------------------------------------------------------------

DID = "did:plc:alice"
OTHER = "did:plc:bob"


def jetstream(collection: str, rkey: str, record: Any, *, operation: str = "create") -> str:
    commit: dict[str, Any] = {"rev": "r", "operation": operation, "collection": collection}
    commit["rkey"] = rkey
    if record is not None:
        commit["record"] = record
    event = {"did": DID, "time_us": 1_736_448_492_661_668, "kind": "commit", "commit": commit}
    return json.dumps(event)


def bsky_post(text: str, **fields: Any) -> dict[str, Any]:
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2025-01-09T18:48:10.412Z"}
    record.update(fields)
    return record


def bluesky(*lines: str) -> ReadResult:
    return read_bytes(BLUESKY, ("\n".join(lines) + "\n").encode())


def test_bluesky_fixture_fields() -> None:
    result = read_fixture("bluesky/microcosm-rs__jetstream_events_from_tests.jsonl", BLUESKY)
    (post,) = result.posts
    assert post.platform == "bluesky"
    assert post.post_id == "at://did:plc:ai3dzf35cth7s3st7n7jsd7r/app.bsky.feed.post/3llrdsglqdc2s"
    assert post.author_id == "did:plc:ai3dzf35cth7s3st7n7jsd7r"
    assert post.created_at == datetime(2025, 4, 1, 16, 58, 6, 154000, tzinfo=UTC)
    assert post.text == "I wish apirl 1st would stop existing lol"
    assert post.source_lang == "en"
    assert post.kind == "post"
    assert post.record == 1


def test_bluesky_facets_reply_quote_and_repost() -> None:
    parent = f"at://{OTHER}/app.bsky.feed.post/p1"
    root = f"at://{OTHER}/app.bsky.feed.post/r1"
    facets = [
        {
            "index": {"byteStart": 0, "byteEnd": 4},
            "features": [
                {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a"},
            ],
        },
        {
            "index": {"byteStart": 5, "byteEnd": 9},
            "features": [
                {"$type": "app.bsky.richtext.facet#tag", "tag": "vote"},
                {"$type": "app.bsky.richtext.facet#mention", "did": OTHER},
            ],
        },
    ]
    reply = bsky_post(
        "reply",
        langs=["pt", "en"],
        facets=facets,
        tags=["extra"],
        reply={"parent": {"uri": parent, "cid": "c"}, "root": {"uri": root, "cid": "c"}},
    )
    quote = bsky_post(
        "quote",
        embed={
            "$type": "app.bsky.embed.recordWithMedia",
            "record": {"record": {"uri": parent, "cid": "c"}},
            "media": {"$type": "app.bsky.embed.external", "external": {"uri": "https://x.org"}},
        },
    )
    feed_embed = bsky_post(
        "a feed",
        embed={
            "$type": "app.bsky.embed.record",
            "record": {"uri": f"at://{OTHER}/app.bsky.feed.generator/f"},
        },
    )
    repost = {
        "$type": "app.bsky.feed.repost",
        "subject": {"uri": parent, "cid": "c"},
        "createdAt": "2025-01-09T19:00:00Z",
    }
    result = bluesky(
        jetstream("app.bsky.feed.post", "a", reply),
        jetstream("app.bsky.feed.post", "b", quote),
        jetstream("app.bsky.feed.post", "c", feed_embed),
        jetstream("app.bsky.feed.repost", "d", repost),
    )
    first, second, third, fourth = result.posts
    assert (first.kind, first.parent_id, first.parent_author_id) == ("reply", parent, OTHER)
    assert first.conversation_id == root
    assert first.source_lang == "pt"
    assert first.urls == ["https://example.com/a"]
    assert first.hashtags == ["extra", "vote"]
    assert first.mentions == [OTHER]
    assert (second.kind, second.parent_id) == ("quote", parent)
    assert second.urls == ["https://x.org"]
    assert (third.kind, third.parent_id) == ("post", None)
    assert fourth.post_id == f"at://{DID}/app.bsky.feed.repost/d"
    assert (fourth.kind, fourth.parent_id, fourth.text) == ("repost", parent, None)
    assert fourth.created_at == datetime(2025, 1, 9, 19, 0, tzinfo=UTC)


def test_bluesky_deletes_skips_and_damage() -> None:
    result = bluesky(
        jetstream("app.bsky.feed.post", "a", None, operation="delete"),
        jetstream("app.bsky.feed.repost", "b", None, operation="delete"),
        jetstream("app.bsky.feed.like", "c", None, operation="delete"),
        jetstream("app.bsky.graph.follow", "d", {"subject": OTHER}),
        jetstream("com.example.thing", "e", {}),
        json.dumps({"did": DID, "time_us": 1, "kind": "identity", "identity": {"handle": "a"}}),
        json.dumps(
            {
                "did": DID,
                "time_us": 1,
                "type": "com",
                "commit": {
                    "type": "c",
                    "collection": "app.bsky.feed.post",
                    "rkey": "old",
                    "record": bsky_post("early jetstream"),
                },
            }
        ),
        jetstream("app.bsky.feed.post", "f", bsky_post("bad clock", createdAt="not a date")),
        jetstream("app.bsky.feed.post", "g", {"text": 42}),
        jetstream("app.bsky.feed.post", "h", None),
        '{"did": "did:plc:x", "time_us": 1, "kind": "comm',
        "[1, 2]",
    )
    assert result.deletes == [
        Delete("bluesky", f"at://{DID}/app.bsky.feed.post/a", 1),
        Delete("bluesky", f"at://{DID}/app.bsky.feed.repost/b", 2),
    ]
    assert result.skipped == Counter(
        {"like": 1, "follow": 1, "com.example.thing": 1, "identity": 1}
    )
    early, clock = result.posts
    assert early.post_id == f"at://{DID}/app.bsky.feed.post/old"
    assert early.text == "early jetstream"
    assert clock.created_at == datetime.fromtimestamp(1_736_448_492.661668, tz=UTC)
    assert [letter.record for letter in result.dead] == [9, 10, 11, 12]
    assert result.dead[0].reason.startswith("unreadable app.bsky.feed.post record")


def test_bluesky_sniff() -> None:
    line = jetstream("app.bsky.feed.post", "a", bsky_post("x")).encode()
    assert BLUESKY.sniff(Sample(line, complete=True))
    assert not BLUESKY.sniff(Sample(b'{"did": "x", "kind": "commit"}', complete=True))


@settings(max_examples=80, deadline=None)
@given(count=st.integers(1, 6), data=st.data())
def test_bluesky_truncation_and_corruption(count: int, data: st.DataObject) -> None:
    lines = {
        f"at://{DID}/app.bsky.feed.post/k{n}": jetstream(
            "app.bsky.feed.post", f"k{n}", bsky_post(f"post {n}")
        ).encode()
        for n in range(count)
    }
    assert_line_damage_is_contained(BLUESKY, lines, data, lambda post: post.post_id)


# --- Reddit -------------------------------------------------------------------------------


def test_reddit_submission_fields() -> None:
    result = read_fixture("reddit/graw__subreddit.json", REDDIT)
    posts = by_id(result)
    link = posts["t3_58o5ub"]
    assert link.platform == "reddit"
    assert link.author_id == link.author_handle == "kalak55"
    assert link.created_at == datetime(2016, 10, 21, 16, 33, 40, tzinfo=UTC)
    assert link.text == "Comodo used broken OCR to issue certificates to the wrong organizations"
    assert link.urls == ["https://bugzilla.mozilla.org/show_bug.cgi?id=1311713"]
    assert link.kind == "post"
    assert link.conversation_id == "t3_58o5ub"
    assert link.metrics == Metrics(likes=307, replies=28)
    self_post = posts["t3_552rz1"]
    assert self_post.text is not None
    assert self_post.text.startswith("/r/netsec's Q4 2016 Information Security Hiring Thread\n\n")
    assert "##### Rules & Guidelines" in self_post.text  # &amp; unescaped
    assert all("reddit.com/r/netsec/comments" not in url for url in self_post.urls)


def test_reddit_comment_fields() -> None:
    user = by_id(read_fixture("reddit/graw__user.json", REDDIT))
    comment = user["t1_d930yil"]
    assert comment.kind == "comment"
    assert comment.text == "Dream Corp* haha"
    assert comment.parent_id == comment.conversation_id == "t3_58t7g0"
    assert comment.parent_author_id == "chaz024"
    assert (
        user["t3_58t9kn"]
        .urls[0]
        .startswith(
            "https://i.reddituploads.com/d2c2b73dd9f24c8b9001c6a7304d63fa?fit=max&h=1536&w=1536"
        )
    )
    more = by_id(read_fixture("reddit/graw__more.json", REDDIT))
    nested = more["t1_fvao4pt"]
    assert nested.parent_id == "t1_fva3fnb"
    assert nested.conversation_id == "t3_hbo4a7"
    assert nested.text is not None and nested.text.startswith(">Americans dislike")
    inbox = read_fixture("reddit/graw__inbox.json", REDDIT)
    (reply,) = inbox.posts
    assert (reply.post_id, reply.conversation_id, reply.metrics) == (
        "t1_cwup4dd",
        "t3_3rrz9n",
        None,
    )


def test_reddit_thread_page_crosspost_and_damage() -> None:
    reply = {
        "kind": "t1",
        "data": {
            "name": "t1_c2",
            "id": "c2",
            "body": "deeper",
            "author": "[deleted]",
            "parent_id": "t1_c1",
            "link_id": "t3_s1",
            "created_utc": 1600000100,
            "replies": "",
        },
    }
    comment = {
        "kind": "t1",
        "data": {
            "name": "t1_c1",
            "id": "c1",
            "body": "see https://a.example/x). and [b](https://b.example/y)",
            "author": "ann",
            "parent_id": "t3_s1",
            "link_id": "t3_s1",
            "created_utc": 1600000050,
            "score": 5,
            "replies": {
                "kind": "Listing",
                "data": {"children": [reply, {"kind": "more", "data": {"children": ["c3"]}}]},
            },
        },
    }
    source = {
        "name": "t3_s0",
        "id": "s0",
        "title": "original",
        "author": "orig",
        "created_utc": 1500000000,
        "is_self": False,
        "url": "https://c.example/",
    }
    submission = {
        "kind": "t3",
        "data": {
            "name": "t3_s1",
            "id": "s1",
            "title": "crossposted",
            "selftext": "",
            "author": "sam",
            "created_utc": 1600000000,
            "is_self": False,
            "url": "/r/x/comments/s0/",
            "crosspost_parent": "t3_s0",
            "crosspost_parent_list": [source],
            "num_crossposts": 0,
            "ups": 3,
            "num_comments": 2,
        },
    }
    page = [
        {"kind": "Listing", "data": {"children": [submission]}},
        {
            "kind": "Listing",
            "data": {"children": [comment, {"kind": "t1", "data": {"body": "no id"}}]},
        },
    ]
    result = read_bytes(REDDIT, json.dumps(page).encode())
    posts = by_id(result)
    assert [p.post_id for p in result.posts] == ["t3_s0", "t3_s1", "t1_c1", "t1_c2"]
    assert posts["t3_s0"].context
    crosspost = posts["t3_s1"]
    assert (crosspost.kind, crosspost.parent_id, crosspost.parent_author_id) == (
        "repost",
        "t3_s0",
        "orig",
    )
    assert crosspost.metrics == Metrics(likes=3, reposts=0, replies=2)
    assert posts["t1_c1"].urls == ["https://a.example/x", "https://b.example/y"]
    assert posts["t1_c1"].metrics == Metrics(likes=5)
    assert posts["t1_c2"].author_id is None and posts["t1_c2"].parent_id == "t1_c1"
    assert result.skipped == Counter({"more": 1})
    assert [letter.record for letter in result.dead] == [2]
    assert result.dead[0].reason.startswith("unreadable comment")


def test_reddit_api_error_and_sniff() -> None:
    error = {"json": {"errors": [["RATELIMIT", "try again", "ratelimit"]]}}
    result = read_bytes(REDDIT, json.dumps(error).encode())
    assert result.dead[0].reason.startswith("API error")
    assert not REDDIT.sniff(Sample(b'{"kind": "youtube#video", "data": {}}', complete=True))
    pushshift = json.dumps(pushshift_comment(1)).encode()
    assert REDDIT.sniff(Sample(pushshift, complete=True))


def pushshift_comment(n: int) -> dict[str, Any]:
    return {
        "id": f"c{n}",
        "body": f"comment {n} &gt; quoted",
        "author": "ann",
        "subreddit": "x",
        "link_id": "t3_s1",
        "parent_id": "t3_s1",
        "created_utc": str(1600000000 + n),
        "score": n,
    }


def pushshift_submission(n: int) -> dict[str, Any]:
    return {
        "id": f"s{n}",
        "title": f"title {n}",
        "selftext": "body",
        "author": "sam",
        "subreddit": "x",
        "created_utc": 1600000000 + n,
        "is_self": True,
        "url": "https://www.reddit.com/r/x/",
        "num_comments": 4,
    }


def test_reddit_pushshift_lines() -> None:
    lines = [json.dumps(pushshift_submission(1)), json.dumps(pushshift_comment(2)), "{}", '{"id": ']
    result = read_bytes(REDDIT, ("\n".join(lines) + "\n").encode())
    submission, comment = result.posts
    assert (submission.post_id, submission.text, submission.urls) == (
        "t3_s1",
        "title 1\n\nbody",
        [],
    )
    assert submission.metrics == Metrics(replies=4)
    assert (comment.post_id, comment.text, comment.record) == ("t1_c2", "comment 2 > quoted", 2)
    assert comment.created_at == datetime.fromtimestamp(1600000002, tz=UTC)
    assert [letter.record for letter in result.dead] == [3, 4]


@settings(max_examples=80, deadline=None)
@given(count=st.integers(1, 6), data=st.data())
def test_reddit_pushshift_truncation_and_corruption(count: int, data: st.DataObject) -> None:
    lines = {}
    for n in range(count):
        record = pushshift_comment(n) if n % 2 else pushshift_submission(n)
        lines[("t1_c" if n % 2 else "t3_s") + str(n)] = json.dumps(record).encode()
    assert_line_damage_is_contained(REDDIT, lines, data, lambda post: post.post_id)


# --- Telegram -----------------------------------------------------------------------------


def test_telegram_channel_messages() -> None:
    result = read_fixture("telegram/affiliate__Deals_js_messages_array.json", TELEGRAM)
    first = result.posts[0]
    assert first.platform == "telegram"
    assert first.post_id == "1812438160/560"  # the channel from `from_id`, the message id
    assert first.author_id == "channel1812438160"
    assert first.author_name == "All1App All"
    assert first.author_handle is None
    # date_unixtime, not the exporting computer's local `date` (19:51:08 in India)
    assert first.created_at == datetime(2022, 11, 30, 14, 21, 8, tzinfo=UTC)
    assert first.urls == ["https://amzn.to/3gLkBJX"]
    assert first.hashtags == ["Sports"]
    assert first.text is not None
    assert first.text.startswith("Offer 🚀 🚀Lifelong LLFCN18 Steel Exercise Air Bike @ ₹ 4299")
    assert "Fitness &amp; Outdoors" in first.text  # the channel's literal entity stays
    assert first.text.endswith("Exercise Machines")
    assert first.kind == "post"
    big = read_fixture("telegram/affiliate__Input_js_messages_array.json", TELEGRAM)
    assert sum(len(post.urls) for post in big.posts) == 615
    assert sum(len(post.mentions) for post in big.posts) == 138
    assert by_id(big)["1858370886/2144"].mentions == ["2699"]


def chat(kind: str, messages: list[Any], chat_id: int = 555) -> dict[str, Any]:
    return {"name": "A chat", "type": kind, "id": chat_id, "messages": messages}


def message(message_id: int, text: Any = "hello", **fields: Any) -> dict[str, Any]:
    value = {
        "id": message_id,
        "type": "message",
        "date": "2023-01-02T10:00:00",
        "date_unixtime": str(1672653600 + message_id),
        "from": "Alice",
        "from_id": "user300",
        "text": text,
    }
    value.update(fields)
    return value


def test_telegram_public_group_messages() -> None:
    entities = [
        "read ",
        {"type": "text_link", "text": "this", "href": "https://t.example/a"},
        " ",
        {"type": "mention", "text": "@bob"},
        {"type": "mention_name", "text": "Carol", "user_id": 42},
        " ",
        {"type": "hashtag", "text": "#news"},
        {"type": "bold", "text": "!"},
    ]
    messages = [
        message(1, entities),
        message(2, "answer", reply_to_message_id=1),
        message(3, "shared", forwarded_from="Some Channel", forwarded_from_id="channel9"),
        message(4, "", photo="photos/1.jpg"),
        message(5, "no unixtime", date_unixtime=None),
        {
            "id": 6,
            "type": "service",
            "date": "2023-01-02T10:00:00",
            "action": "pin_message",
            "text": "",
        },
        message(7, [{"type": "link"}]),
        "not a message",
        message(9, "x", type="mystery"),
        message(10, "other chat", reply_to_message_id=5, reply_to_peer_id="channel777"),
    ]
    result = read_bytes(TELEGRAM, json.dumps(chat("public_supergroup", messages)).encode())
    posts = by_id(result)
    assert list(posts) == ["555/1", "555/2", "555/3", "555/4", "555/5", "555/10"]
    first = posts["555/1"]
    assert first.text == "read this @bobCarol #news!"
    assert (first.urls, first.mentions, first.hashtags) == (
        ["https://t.example/a"],
        ["bob"],
        ["news"],
    )
    assert first.created_at == datetime.fromtimestamp(1672653601, tz=UTC)
    assert (posts["555/2"].kind, posts["555/2"].parent_id) == ("reply", "555/1")
    forward = posts["555/3"]
    assert (forward.kind, forward.parent_id, forward.parent_author_id) == (
        "repost",
        None,
        "channel9",
    )
    assert posts["555/4"].text is None
    assert posts["555/5"].created_at == datetime(2023, 1, 2, 10, 0, tzinfo=UTC)
    assert posts["555/10"].parent_id == "777/5"
    assert result.skipped == Counter({"service": 1})
    assert [letter.record for letter in result.dead] == [7, 8, 9]


def test_telegram_private_chats_are_not_stored() -> None:
    export = {
        "chats": {
            "list": [chat("private_group", [message(1)]), chat("public_channel", [message(2)], 556)]
        },
        "left_chats": {"list": [chat("private_channel", [message(3)], 557)]},
    }
    result = read_bytes(TELEGRAM, json.dumps(export).encode())
    assert [post.post_id for post in result.posts] == ["556/2"]
    assert result.skipped == Counter({"non_public": 2})
    assert [post.record for post in result.posts] == [2]


def test_telegram_not_an_export() -> None:
    result = read_bytes(TELEGRAM, b'{"about": "nothing here"}')
    assert [letter.reason for letter in result.dead] == [
        "not a Telegram export: no chat or messages"
    ]
    assert read_bytes(TELEGRAM, b"  ").posts == []
    assert not TELEGRAM.sniff(Sample(b'[{"type": "message", "id": 1}]', complete=True))


@settings(max_examples=80, deadline=None)
@given(count=st.integers(1, 5), shape=st.sampled_from(["array", "chat", "export"]), data=st.data())
def test_telegram_truncated_export_keeps_whole_messages(
    count: int, shape: str, data: st.DataObject
) -> None:
    # Text that looks like structure, to check the cut is found by JSON's rules; `end` comes
    # last, so a message is whole once the brace after it is in.
    text = ["x ", {"type": "hashtag", "text": "#t"}, ' {["\\']
    messages = [message(n, text, end=f"m{n}") for n in range(1, count + 1)]
    value: Any = messages
    if shape == "chat":
        value = chat("public_channel", messages)
    elif shape == "export":
        value = {"about": "x", "chats": {"about": "y", "list": [chat("public_channel", messages)]}}
    blob = json.dumps(value, indent=1, ensure_ascii=False).encode()
    cut = data.draw(st.integers(0, len(blob)))
    result = read_bytes(TELEGRAM, blob[:cut])
    ends = [blob.index(b"}", blob.index(b'"end": "m%d"' % n)) + 1 for n in range(1, count + 1)]
    prefix = "" if shape == "array" else "555/"  # a bare array of a user's messages: no chat
    whole = [f"{prefix}{n}" for n, end in enumerate(ends, start=1) if end <= cut]
    assert [post.post_id for post in result.posts][: len(whole)] == whole
    assert len(result.posts) <= count
    assert len(result.dead) <= 1


# --- Across formats -----------------------------------------------------------------------


def test_escaped_lone_surrogates_are_replaced() -> None:
    """json lets "\\ud800" through and Arrow cannot encode it: documents are cleaned."""
    broken = status("90", content="<p>cut \\ud83d</p>")
    data = json.dumps([broken]).replace("\\\\ud83d", "\\ud83d").encode()
    (post,) = read_bytes(MASTODON, data).posts
    assert post.text == "cut ?"
    channel = json.dumps([message(1, "emoji \\ud83d", from_id="channel7")])
    (post,) = read_bytes(TELEGRAM, channel.replace("\\\\ud83d", "\\ud83d").encode()).posts
    assert post.text == "emoji ?"
    assert posts_to_table([post]).num_rows == 1


def test_large_documents_are_recognised_from_their_head() -> None:
    """A document larger than the sample has no `first_json`: the text decides."""
    documents = {
        "mastodon": [status(str(n)) for n in range(300)],
        "reddit": {
            "kind": "Listing",
            "data": {
                "children": [{"kind": "t3", "data": pushshift_submission(n)} for n in range(400)]
            },
        },
        "telegram": chat("public_channel", [message(n) for n in range(600)]),
    }
    for name, document in documents.items():
        head = json.dumps(document, indent=1).encode()
        assert len(head) > 65_536
        sample = Sample(head[:65_536], complete=False)
        assert sample.first_json is None
        assert [reader.name for reader in READERS.values() if reader.sniff(sample)] == [name]


def test_reddit_unreadable_replies_keep_their_comment() -> None:
    comment = pushshift_comment(1) | {"replies": {"kind": "Listing", "data": None}}
    result = read_bytes(REDDIT, json.dumps({"kind": "t1", "data": comment}).encode())
    assert [post.post_id for post in result.posts] == ["t1_c1"]
    assert result.dead[0].reason.startswith("unreadable replies")
