"""The Twitter readers: API v2 (twarc2), API v1.1, and the information-operations archive."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, fixture_path, read_all, read_bytes
from voxpop.errors import FormatError
from voxpop.sources import detect, io_archive, twitter_v1, twitter_v2
from voxpop.sources._base import Reader, Sample, Skipped
from voxpop.sources.twitter_v1 import parse_created_at


def jsonl(*records: Any) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


# -- every fixture: detected, and exact counts --------------------------------------------------

# file: (collected, context, deletes, dead letters, skipped)
V2_FIXTURES: dict[str, tuple[int, int, int, int, dict[str, int]]] = {
    "cashtags.jsonl": (1, 0, 0, 0, {}),
    "cotweet.jsonl": (1, 0, 0, 0, {}),
    "counts.jsonl": (0, 0, 0, 0, {"count": 169}),
    "edited.jsonl": (1, 1, 0, 0, {}),
    "edited_after.jsonl": (1, 1, 0, 0, {}),
    "edited_before.jsonl": (1, 1, 0, 0, {}),
    "flat.jsonl": (100, 86, 0, 0, {}),
    "lists.jsonl": (0, 0, 0, 0, {"list": 6}),
    "many_urls.jsonl": (1, 1, 0, 0, {}),
    "media_policy_violation_off.jsonl": (100, 61, 0, 0, {}),
    "media_tweet.jsonl": (1, 0, 0, 0, {}),
    "mentions_tweet.jsonl": (1, 1, 0, 0, {}),
    "streaming_output_with_error.jsonl": (7, 4, 0, 1, {}),
    "tweets_compliance.jsonl": (0, 0, 2, 0, {}),
    "two_tweets.jsonl": (1, 1, 0, 0, {}),
    "users.jsonl": (0, 0, 0, 0, {"user": 96}),
    "users_compliance.jsonl": (0, 0, 0, 0, {"user": 2}),
    "verified_type.jsonl": (1, 0, 0, 0, {}),
}

V1_FIXTURES: dict[str, tuple[int, int, int, int, dict[str, int]]] = {
    "pythontwitter__3.2__extended_tweet_in_compat_mode.json": (1, 0, 0, 0, {}),
    "pythontwitter__3.2__extended_tweet_in_extended_mode.json": (1, 0, 0, 0, {}),
    "pythontwitter__get_home_timeline.json": (20, 15, 0, 0, {}),
    "pythontwitter__get_mentions.json": (19, 2, 0, 0, {}),
    "pythontwitter__get_retweets.json": (14, 14, 0, 0, {}),
    "pythontwitter__get_search_geocode.json": (15, 1, 0, 0, {}),
    "pythontwitter__get_status_promoted_video_tweet.json": (1, 0, 0, 0, {}),
    "pythontwitter__get_status_with_place.json": (1, 1, 0, 0, {}),
    "pythontwitter__models__status_quoted_tweet.json": (1, 1, 0, 0, {}),
    "pythontwitter__public_timeline_error.json": (0, 0, 0, 0, {"error": 1}),
    "pythontwitter__streaming__streaming_extended_tweet.json": (1, 0, 0, 0, {}),
    "twitterruby__premium_search_from.json": (58, 16, 0, 0, {}),
    "twitterruby__premium_search_point_radius.json": (100, 13, 0, 0, {}),
    "twitterruby__premium_search_url.json": (4, 0, 0, 0, {}),
    "twitterruby__retweet.json": (1, 1, 0, 0, {}),
    "twitterruby__retweets.json": (1, 1, 0, 0, {}),
    "twitterruby__search2.json": (3, 0, 0, 0, {}),
    "twitterruby__search_malformed.json": (0, 0, 0, 0, {"search": 1}),
    "twitterruby__status.json": (1, 0, 0, 0, {}),
    "twitterruby__statuses.json": (20, 6, 0, 0, {}),
    "twitterruby__track_streaming.json": (2, 0, 0, 0, {}),
    "twitterruby__user_timeline.json": (1, 0, 0, 0, {}),
}

IO_FIXTURES: dict[str, tuple[int, int, int, int, dict[str, int]]] = {
    "twitterfrequenter__ira_style_tweets_2rows.csv": (2, 0, 0, 0, {}),
    "twitterfrequenter__ira_style_users_2rows.csv": (0, 0, 0, 0, {"user": 2}),
}

ALL_FIXTURES = (
    [("twitter_v2", name, twitter_v2.READER, counts) for name, counts in V2_FIXTURES.items()]
    + [("twitter_v1", name, twitter_v1.READER, counts) for name, counts in V1_FIXTURES.items()]
    + [("io_archive", name, io_archive.READER, counts) for name, counts in IO_FIXTURES.items()]
)


@pytest.mark.parametrize(
    ("folder", "name", "reader", "counts"),
    ALL_FIXTURES,
    ids=[f"{folder}/{name}" for folder, name, _, _ in ALL_FIXTURES],
)
def test_fixture_detected_and_counted(
    folder: str,
    name: str,
    reader: Reader,
    counts: tuple[int, int, int, int, dict[str, int]],
) -> None:
    path = fixture_path(f"{folder}/{name}")
    assert detect(path).name == reader.name
    result = read_all(reader, path)
    collected, context, deletes, dead, skipped = counts
    assert len(result.collected) == collected
    assert len(result.context) == context
    assert len(result.deletes) == deletes
    assert len(result.dead) == dead, [d.reason for d in result.dead]
    assert result.skipped == Counter(skipped)
    for post in result.posts:
        assert post.platform == "twitter"
        assert post.post_id
        assert post.created_at is None or post.created_at.tzinfo is UTC
        assert post.record >= 1


def test_fixture_folders_are_all_listed() -> None:
    listed = {
        "twitter_v2": set(V2_FIXTURES) | {"empty.json"},
        "twitter_v1": set(V1_FIXTURES),
        "io_archive": set(IO_FIXTURES),
    }
    for folder, names in listed.items():
        fixture_path(folder)
        assert {p.name for p in (FIXTURES / folder).iterdir()} == names


def test_sniffers_claim_no_other_format() -> None:
    fixture_path("twitter_v2")
    ours = {"twitter_v2": twitter_v2, "twitter_v1": twitter_v1, "io_archive": io_archive}
    for path in sorted(FIXTURES.glob("*/*")):
        data = path.read_bytes()[:65_536]
        sample = Sample(data, complete=path.stat().st_size <= 65_536)
        for folder, module in ours.items():
            if path.parent.name != folder and module.sniff(sample):
                pytest.fail(f"{module.READER.name} claims {path}")


def test_empty_file_is_not_detected_and_reads_nothing() -> None:
    path = fixture_path("twitter_v2/empty.json")
    with pytest.raises(FormatError):
        detect(path)
    assert list(twitter_v2.read(io.BytesIO(path.read_bytes()))) == []


# -- twitter v2: real values ----------------------------------------------------------------


def test_v2_page_repost_with_author_from_includes() -> None:
    result = read_all(twitter_v2.READER, fixture_path("twitter_v2/two_tweets.jsonl"))
    (post,) = result.collected
    assert post.post_id == "1394735776701816833"
    assert post.author_id == "1379899464345923590"
    assert post.author_handle == "LachiVeronica"
    assert post.author_name == "Veronica Lachi"
    assert post.created_at == datetime(2021, 5, 18, 19, 24, 56, tzinfo=UTC)
    assert post.text == "RT @bibaigna96: #POIUYTREWQ"
    assert (post.kind, post.parent_id) == ("repost", "1391677057810288641")
    assert post.parent_author_id == "1380086327023169540"  # from the included tweet
    assert post.hashtags == ["POIUYTREWQ"]
    assert post.mentions == ["bibaigna96"]
    assert post.source_lang == "und"
    assert post.record == 1
    (original,) = result.context
    assert original.post_id == "1391677057810288641"
    assert original.author_handle == "bibaigna96"
    assert original.text == "#POIUYTREWQ"
    assert original.kind == "post"


def test_v2_metrics_urls_and_views() -> None:
    (post,) = read_all(twitter_v2.READER, fixture_path("twitter_v2/verified_type.jsonl")).posts
    assert post.post_id == "1603823063690199040"
    assert post.author_handle == "TwitterDev"
    assert post.metrics is not None
    assert (post.metrics.likes, post.metrics.reposts) == (745, 104)
    assert (post.metrics.replies, post.metrics.quotes, post.metrics.views) == (37, 24, 139075)
    (urls_post, _) = read_all(twitter_v2.READER, fixture_path("twitter_v2/many_urls.jsonl")).posts
    assert urls_post.urls == [
        "https://uiadrian.gumroad.com/l/web-design-guide/?offer_code=twk0uc9f7"
    ]
    assert (urls_post.kind, urls_post.parent_id) == ("reply", "1610623087061471232")
    assert urls_post.parent_author_id == "1328271312628936705"
    assert urls_post.conversation_id == "1610623087061471232"


def test_v2_cashtags_are_not_hashtags() -> None:
    (post,) = read_all(twitter_v2.READER, fixture_path("twitter_v2/cashtags.jsonl")).posts
    assert post.hashtags == ["business", "NFT", "StockMarket", "option"]
    assert post.metrics is not None and post.metrics.views == 52


def test_v2_flattened_lines() -> None:
    result = read_all(twitter_v2.READER, fixture_path("twitter_v2/flat.jsonl"))
    assert Counter(p.kind for p in result.collected) == {
        "repost": 47,
        "reply": 31,
        "post": 14,
        "quote": 8,
    }
    reply = next(p for p in result.collected if p.post_id == "1380242586288328707")
    assert reply.record == 4
    assert reply.author_handle == "PDXPapaG"
    assert reply.author_name == "Kaz"
    assert (reply.parent_id, reply.parent_author_id) == (
        "1380229267770933248",
        "1142605723601264640",
    )
    assert reply.mentions == ["TalkToTheFoot", "JackPosobiec"]
    assert reply.conversation_id == "1380220754978086917"
    parent = next(p for p in result.context if p.post_id == "1380229267770933248")
    assert parent.author_handle == "TalkToTheFoot"
    assert parent.record == 4
    assert (parent.kind, parent.parent_id) == ("reply", "1380220754978086917")
    assert all(p.author_handle for p in result.posts)
    assert all(p.parent_author_id for p in result.collected if p.kind != "post")


def test_v2_stream_lines_and_truncated_last_line() -> None:
    result = read_all(
        twitter_v2.READER, fixture_path("twitter_v2/streaming_output_with_error.jsonl")
    )
    first = result.collected[0]
    assert (first.post_id, first.kind, first.parent_id) == (
        "1377650090978992134",
        "quote",
        "1377640162566496258",
    )
    assert first.author_handle == "blackheart_265"
    assert first.parent_author_id == "41783881"
    assert "https://twitter.com/Manie_DS/status/1377640162566496258" in first.urls
    reply = result.collected[1]
    assert (reply.post_id, reply.kind) == ("1377650093109743620", "reply")
    assert (reply.parent_id, reply.parent_author_id) == ("1377266697850257410", "601852746")
    assert [p.record for p in result.collected] == [1, 2, 3, 4, 5, 6, 7]
    (dead,) = result.dead
    assert dead.record == 8
    assert dead.reason.startswith("invalid JSON")
    assert dead.raw == '{"data": {"author_id": "1021159080151404544"'


def test_v2_compliance_deletes() -> None:
    result = read_all(twitter_v2.READER, fixture_path("twitter_v2/tweets_compliance.jsonl"))
    assert [(d.post_id, d.record) for d in result.deletes] == [
        ("1170025343920402432", 2),
        ("1170147183095664640", 3),
    ]
    assert all(d.platform == "twitter" for d in result.deletes)


def test_v2_edited_versions_are_both_posts() -> None:
    before = read_all(twitter_v2.READER, fixture_path("twitter_v2/edited_before.jsonl"))
    after = read_all(twitter_v2.READER, fixture_path("twitter_v2/edited_after.jsonl"))
    assert [p.post_id for p in before.collected] == ["1576994746135764992"]
    assert [p.post_id for p in before.context] == ["1576994789110992896"]
    assert [p.post_id for p in after.collected] == ["1576994789110992896"]
    assert [p.post_id for p in after.context] == ["1576994746135764992"]
    assert after.collected[0].text == "hey :) https://t.co/rnwEIoNuqd"
    assert after.collected[0].author_handle == "wongmjane"


@pytest.mark.parametrize(
    "name",
    ["users.jsonl", "counts.jsonl", "lists.jsonl", "users_compliance.jsonl"],
)
def test_v2_files_without_posts_yield_only_skipped(name: str) -> None:
    path = fixture_path(f"twitter_v2/{name}")
    with path.open("rb") as stream:
        items = list(twitter_v2.read(stream))
    assert items
    assert all(isinstance(item, Skipped) for item in items)


# -- twitter v2: edge cases in memory -------------------------------------------------------


def v2_tweet(id: str | None, text: str = "hello", **fields: Any) -> dict[str, Any]:
    tweet: dict[str, Any] = {
        "text": text,
        "author_id": "9",
        "created_at": "2022-01-02T03:04:05.000Z",
    }
    if id is not None:
        tweet["id"] = id
    return tweet | fields


def test_v2_malformed_tweets_in_a_page_are_dead_letters_and_the_rest_kept() -> None:
    page = {
        "data": [
            v2_tweet("1"),
            v2_tweet("2", public_metrics="lots"),
            v2_tweet(None),
            v2_tweet("4", created_at="yesterday"),
            v2_tweet("5"),
        ],
        "includes": {"users": [{"id": "9", "username": "nine", "name": "Nine"}]},
    }
    result = read_bytes(twitter_v2.READER, jsonl({"meta": {"result_count": 0}}, page))
    assert [p.post_id for p in result.posts] == ["1", "5"]
    assert all(p.author_handle == "nine" and p.record == 2 for p in result.posts)
    assert [d.record for d in result.dead] == [2, 2, 2]
    reasons = sorted(d.reason for d in result.dead)
    assert reasons[0].startswith("data[1]") and "public_metrics" in reasons[0]
    assert reasons[1].startswith("data[3]") and "created_at" in reasons[1]
    assert reasons[2] == "tweet without id"
    missing = next(d for d in result.dead if d.reason == "tweet without id")
    assert json.loads(missing.raw) == v2_tweet(None)
    assert result.skipped == {"page": 1}


def test_v2_error_lines_and_other_records() -> None:
    data = (
        jsonl(
            {"errors": [{"title": "operational-disconnect", "detail": "x", "type": "about:blank"}]},
            {"data": {"delete": {"tweet": {"id": "77", "author_id": "1"}, "event_at": "x"}}},
            {"data": {"user_suspend": {"user": {"id": "1"}, "event_at": "x"}}},
            {
                "id": "1170025343920402432",
                "action": "scrub_geo",
                "created_at": "2019-09-06T17:25:54Z",
            },
            {"id": "5", "action": "delete"},
            {"something": "else"},
            [v2_tweet("8", __twarc={}), 3],
        )
        + b"42\n\n"
    )
    result = read_bytes(twitter_v2.READER, data)
    assert result.skipped == {"error": 1, "compliance": 2}
    assert [(d.post_id, d.record) for d in result.deletes] == [("77", 2), ("5", 5)]
    assert [p.post_id for p in result.posts] == ["8"]
    assert [(d.record, d.reason) for d in result.dead] == [
        (6, "not a Twitter API v2 record"),
        (7, "not a JSON object"),
        (8, "not a JSON object"),
    ]


def test_v2_text_times_and_bom() -> None:
    tweet = v2_tweet("1", text="a &amp; b &lt;3", created_at="2022-01-02T05:04:05+02:00")
    result = read_bytes(twitter_v2.READER, b"\xef\xbb\xbf" + jsonl(tweet))
    (post,) = result.posts
    assert post.text == "a & b <3"
    assert post.created_at == datetime(2022, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert post.created_at.tzinfo is UTC


def test_v2_pretty_printed_document() -> None:
    page = {
        "data": [v2_tweet("1", referenced_tweets=[{"type": "quoted", "id": "2"}])],
        "includes": {"tweets": [v2_tweet("2", author_id="7")]},
    }
    result = read_bytes(twitter_v2.READER, json.dumps(page, indent=2).encode())
    assert [(p.post_id, p.kind, p.parent_author_id, p.context) for p in result.posts] == [
        ("1", "quote", "7", False),
        ("2", "post", None, True),
    ]
    both = read_bytes(twitter_v2.READER, json.dumps([page, page], indent=1).encode())
    assert [p.record for p in both.posts] == [1, 1, 2, 2]


def test_v2_reply_that_quotes_is_a_reply() -> None:
    refs = [{"type": "quoted", "id": "2"}, {"type": "replied_to", "id": "3"}]
    tweet = v2_tweet("1", referenced_tweets=refs, in_reply_to_user_id="33", __twarc={})
    (post,) = read_bytes(twitter_v2.READER, jsonl(tweet)).posts
    assert (post.kind, post.parent_id, post.parent_author_id) == ("reply", "3", "33")


def test_v2_sniffs_a_page_longer_than_the_sample() -> None:
    page = {"data": [v2_tweet(str(i), conversation_id=str(i)) for i in range(2000)]}
    head = json.dumps(page).encode()[:65_536]
    assert twitter_v2.sniff(Sample(head, complete=False))
    assert not twitter_v1.sniff(Sample(head, complete=False))


# -- twitter v1.1 ---------------------------------------------------------------------------


def test_v1_compat_and_extended_mode_give_the_same_tweet() -> None:
    (compat,) = read_all(
        twitter_v1.READER,
        fixture_path("twitter_v1/pythontwitter__3.2__extended_tweet_in_compat_mode.json"),
    ).posts
    (extended,) = read_all(
        twitter_v1.READER,
        fixture_path("twitter_v1/pythontwitter__3.2__extended_tweet_in_extended_mode.json"),
    ).posts
    assert compat.post_id == extended.post_id == "782737772490600448"
    assert compat.author_handle == extended.author_handle == "notinourselves"
    assert compat.created_at == extended.created_at == datetime(2016, 10, 3, 0, 23, 22, tzinfo=UTC)
    assert compat.text is not None and compat.text.endswith("pytho… https://t.co/et3OTOxWSa")
    assert extended.text is not None
    assert extended.text.endswith("python_twitter.egg-info/SOURCE https://t.co/JWSPztfoyt")


def test_v1_streaming_extended_tweet_uses_its_full_text_and_entities() -> None:
    (post,) = read_all(
        twitter_v1.READER,
        fixture_path("twitter_v1/pythontwitter__streaming__streaming_extended_tweet.json"),
    ).posts
    assert post.text is not None and "Multiverse" in post.text
    assert "&amp;" not in post.text
    assert post.urls[-1] == "http://hwswworld.com/index.php?route=product/category&path=13"
    assert post.metrics is not None
    assert (post.metrics.replies, post.metrics.quotes) == (0, 0)


def test_v1_retweet_and_its_original() -> None:
    result = read_all(twitter_v1.READER, fixture_path("twitter_v1/twitterruby__retweet.json"))
    (retweet,) = result.collected
    (original,) = result.context
    assert (retweet.post_id, retweet.author_handle) == ("28669546014", "sferik")
    assert (retweet.kind, retweet.parent_id, retweet.parent_author_id) == (
        "repost",
        "28561922516",
        "33423",
    )
    assert retweet.created_at == datetime(2010, 10, 25, 7, 39, 11, tzinfo=UTC)
    assert retweet.metrics is None  # retweet_count null, no favorite_count
    assert (original.post_id, original.author_handle, original.kind) == (
        "28561922516",
        "gruber",
        "post",
    )


def test_v1_quote_reply_and_old_numeric_ids() -> None:
    quote, quoted = read_all(
        twitter_v1.READER,
        fixture_path("twitter_v1/pythontwitter__models__status_quoted_tweet.json"),
    ).posts
    assert (quote.kind, quote.parent_id, quote.parent_author_id) == (
        "quote",
        "849412806835351552",
        "29040347",
    )
    assert (quoted.post_id, quoted.author_handle, quoted.context) == (
        "849412806835351552",
        "kylesethgray",
        True,
    )
    assert quoted.mentions == ["mastodonmusic"]
    (old,) = read_all(
        twitter_v1.READER, fixture_path("twitter_v1/twitterruby__user_timeline.json")
    ).posts
    assert (old.post_id, old.author_id, old.kind) == ("28416898759", "7505382", "reply")
    assert (old.parent_id, old.parent_author_id) == ("28416708070", "14565733")


def test_v1_python_twitter_asdict_entities() -> None:
    (post, _) = read_all(
        twitter_v1.READER, fixture_path("twitter_v1/pythontwitter__get_status_with_place.json")
    ).posts
    assert post.urls == ["https://twitter.com/iamodeal/status/1050848124036685824"]
    assert post.author_handle == "haleypaolini"


def test_v1_premium_search_and_array_records() -> None:
    result = read_all(
        twitter_v1.READER, fixture_path("twitter_v1/twitterruby__premium_search_from.json")
    )
    assert {p.record for p in result.posts} == {1}
    assert Counter(p.kind for p in result.collected)["repost"] == 11
    timeline = read_all(
        twitter_v1.READER, fixture_path("twitter_v1/pythontwitter__get_home_timeline.json")
    )
    assert [p.record for p in timeline.collected] == list(range(1, 21))
    assert sum(p.kind == "repost" for p in timeline.collected) == 14
    assert all(p.hashtags == [h.lstrip("#") for h in p.hashtags] for p in timeline.posts)


def test_v1_stream_notices_errors_and_bad_statuses() -> None:
    status = {
        "id_str": "10",
        "text": "hi &gt; there",
        "created_at": "Wed Oct 10 20:19:24 +0000 2018",
        "user": {"id_str": "1", "screen_name": "one", "name": "One"},
        "entities": {"hashtags": [{"text": "tag"}], "user_mentions": [{"screen_name": "two"}]},
        "retweet_count": "100+",
        "favorite_count": 3,
    }
    data = (
        jsonl(
            status,
            {"delete": {"status": {"id": 11, "id_str": "11", "user_id": 1}, "timestamp_ms": "1"}},
            {"limit": {"track": 5}},
            {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
            {
                "statuses": [
                    status | {"id_str": "12"},
                    status | {"created_at": "never"},
                    {"text": "x"},
                ]
            },
            {"results": []},
            {"user": {"id": 1}},
        )
        + b'{"id_str": "13", "text": "cut'
    )
    result = read_bytes(twitter_v1.READER, data)
    assert [p.post_id for p in result.posts] == ["10", "12"]
    first = result.posts[0]
    assert first.text == "hi > there"
    assert first.created_at == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    assert (first.author_id, first.author_handle, first.author_name) == ("1", "one", "One")
    assert (first.hashtags, first.mentions) == (["tag"], ["two"])
    assert first.metrics is not None
    assert (first.metrics.likes, first.metrics.reposts) == (3, None)
    assert [(d.post_id, d.record) for d in result.deletes] == [("11", 2)]
    assert result.skipped == {"limit": 1, "error": 1, "search": 1}
    assert [(d.record, d.reason.split(":")[0]) for d in result.dead] == [
        (5, "unreadable status"),
        (5, "status without id"),
        (7, "not a Twitter API v1.1 record"),
        (8, "invalid JSON"),
    ]
    assert json.loads(result.dead[1].raw) == {"text": "x"}


def test_v1_malformed_status_in_a_search_page_is_a_dead_letter() -> None:
    good = {"id_str": "1", "text": "a", "user": {"id_str": "2", "screen_name": "b"}}
    bad = good | {"id_str": "3", "user": "nobody"}
    page = {"statuses": [good, bad, good | {"id_str": ""}, good | {"id_str": "4"}]}
    result = read_bytes(twitter_v1.READER, json.dumps(page).encode())
    assert [p.post_id for p in result.posts] == ["1", "4"]
    assert [d.reason.split(":")[0] for d in result.dead] == ["statuses[1]", "status without id"]
    assert json.loads(result.dead[0].raw)["id_str"] == "3"
    assert json.loads(result.dead[1].raw)["id_str"] == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed Oct 10 20:19:24 +0000 2018", datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)),
        ("Wed Oct 10 22:19:24 +0200 2018", datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)),
        ("Sun, 24 Oct 2010 03:46:25 +0000", datetime(2010, 10, 24, 3, 46, 25, tzinfo=UTC)),
        ("2018-10-10T20:19:24.000Z", datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)),
        (None, None),
    ],
)
def test_v1_created_at_formats(value: str | None, expected: datetime | None) -> None:
    parsed = parse_created_at(value)
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is UTC


def test_v1_pretty_printed_array() -> None:
    statuses = [{"id": i, "text": str(i), "user": {"id": 5, "screen_name": "five"}} for i in (1, 2)]
    result = read_bytes(twitter_v1.READER, json.dumps(statuses, indent=2).encode())
    assert [(p.post_id, p.record, p.author_id) for p in result.posts] == [
        ("1", 1, "5"),
        ("2", 2, "5"),
    ]
    damaged = json.dumps(statuses, indent=2).encode()[:-30]
    result = read_bytes(twitter_v1.READER, damaged)
    assert [p.post_id for p in result.posts] == ["1"]
    assert len(result.dead) == 1


# -- information-operations archive ---------------------------------------------------------


def test_io_archive_tweets() -> None:
    first, second = read_all(
        io_archive.READER,
        fixture_path("io_archive/twitterfrequenter__ira_style_tweets_2rows.csv"),
    ).posts
    hashed = "249064136b1c5cb00a705316ab73dd9b53785748ab757f02df7e7a9876906139"
    assert (first.post_id, first.author_id, first.author_handle) == (
        "877919995476496385",
        hashed,
        hashed,
    )
    assert first.created_at == datetime(2017, 6, 22, 16, 3, tzinfo=UTC)
    assert (first.kind, first.parent_id, first.parent_author_id) == (
        "repost",
        "877917212119416832",
        "2572896396",
    )
    assert first.urls == ["http://ru-open.livejournal.com/374284.html"]
    assert first.mentions == ["2572896396"]
    assert first.hashtags == []
    assert first.source_lang == "ru"
    assert first.text is not None and '"Если бы не 27 миллионов русских' in first.text
    assert first.metrics is not None and first.metrics.likes == 0
    assert (second.post_id, second.kind, second.hashtags, second.record) == (
        "492388766930444288",
        "post",
        [],
        2,
    )
    assert second.text == "Серебром отколоколило http://t.co/Jaa4v4IFpM"


IO_HEADER = [
    "tweetid",
    "userid",
    "user_display_name",
    "user_screen_name",
    "tweet_language",
    "tweet_text",
    "tweet_time",
    "in_reply_to_userid",
    "in_reply_to_tweetid",
    "quoted_tweet_tweetid",
    "is_retweet",
    "retweet_userid",
    "retweet_tweetid",
    "quote_count",
    "reply_count",
    "like_count",
    "retweet_count",
    "hashtags",
    "urls",
    "user_mentions",
]


def io_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=IO_HEADER, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in IO_HEADER})
    return out.getvalue().encode()


def test_io_archive_kinds_lists_counts_and_bad_rows() -> None:
    base = {"userid": "u", "tweet_text": "x &amp; y", "tweet_time": "2019-01-02 03:04"}
    data = io_csv(
        [
            base | {"tweetid": "1", "in_reply_to_tweetid": "9", "in_reply_to_userid": "8"},
            base | {"tweetid": "2", "quoted_tweet_tweetid": "7", "like_count": "3.0"},
            base | {"tweetid": "3", "hashtags": "['#a', 'b']", "urls": "[http://x/1, http://y/2]"},
            base | {"tweetid": ""},
            base | {"tweetid": "5", "tweet_time": "soon"},
            base | {"tweetid": "6", "is_retweet": "True", "retweet_tweetid": "66"},
        ]
    )
    result = read_bytes(io_archive.READER, data)
    posts = {p.post_id: p for p in result.posts}
    assert (posts["1"].kind, posts["1"].parent_id, posts["1"].parent_author_id) == (
        "reply",
        "9",
        "8",
    )
    assert (posts["2"].kind, posts["2"].parent_id) == ("quote", "7")
    assert posts["2"].metrics is not None and posts["2"].metrics.likes == 3
    assert posts["1"].metrics is None
    assert posts["3"].hashtags == ["a", "b"]
    assert posts["3"].urls == ["http://x/1", "http://y/2"]
    assert (posts["6"].kind, posts["6"].parent_id, posts["6"].parent_author_id) == (
        "repost",
        "66",
        None,
    )
    assert posts["1"].text == "x & y"
    assert [d.record for d in result.dead] == [4, 5]
    assert result.dead[0].reason == "unreadable row: no tweetid"
    assert result.dead[0].raw.startswith(",u,")


# -- damage never raises and never loses the records around it -----------------------------

texts = st.text(max_size=40)
JUNK = st.sampled_from([b"{", b"}", b'"', b"[", b"x", b"\x00", b"\xff"])


def v2_lines(n: int, text: str) -> tuple[bytes, list[tuple[int, set[str]]]]:
    """n records alternating flattened tweets and pages; each line's end offset and its ids."""
    out = io.BytesIO()
    ends: list[tuple[int, set[str]]] = []
    for i in range(n):
        if i % 2:
            record: dict[str, Any] = v2_tweet(str(i), text, __twarc={})
            ids = {str(i)}
        else:
            record = {"data": [v2_tweet(f"{i}a", text), v2_tweet(f"{i}b", text)]}
            ids = {f"{i}a", f"{i}b"}
        out.write(json.dumps(record).encode() + b"\n")
        ends.append((out.tell(), ids))
    return out.getvalue(), ends


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 6), text=texts, cut=st.floats(0, 1))
def test_v2_truncation_keeps_every_whole_line(n: int, text: str, cut: float) -> None:
    data, ends = v2_lines(n, text)
    at = int(len(data) * cut)
    read_ids = {p.post_id for p in read_bytes(twitter_v2.READER, data[:at]).posts}
    whole = set().union(*(ids for end, ids in ends if end - 1 <= at))
    assert whole <= read_ids <= set().union(*(ids for _, ids in ends))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 6),
    text=texts,
    line=st.integers(0, 5),
    junk=JUNK,
    where=st.floats(0, 1),
)
def test_v2_a_damaged_line_loses_only_itself(
    n: int, text: str, line: int, junk: bytes, where: float
) -> None:
    data, ends = v2_lines(n, text)
    line %= n
    start = ends[line - 1][0] if line else 0
    end = ends[line][0] - 1  # the newline stays
    at = start + int((end - 1 - start) * where)
    damaged = data[:at] + junk + data[at + 1 :]
    result = read_bytes(twitter_v2.READER, damaged)
    others = set().union(*(ids for i, (_, ids) in enumerate(ends) if i != line))
    assert others <= {p.post_id for p in result.posts}


def v1_lines(n: int, text: str) -> tuple[bytes, list[tuple[int, str]]]:
    out = io.BytesIO()
    ends: list[tuple[int, str]] = []
    for i in range(n):
        status = {"id_str": str(i), "text": text, "user": {"id_str": "1", "screen_name": "a"}}
        out.write(json.dumps(status).encode() + b"\n")
        ends.append((out.tell(), str(i)))
    return out.getvalue(), ends


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 6), text=texts, cut=st.floats(0, 1))
def test_v1_truncation_keeps_every_whole_line(n: int, text: str, cut: float) -> None:
    data, ends = v1_lines(n, text)
    at = int(len(data) * cut)
    read_ids = {p.post_id for p in read_bytes(twitter_v1.READER, data[:at]).posts}
    assert {i for end, i in ends if end - 1 <= at} <= read_ids <= {i for _, i in ends}


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 6), text=texts, line=st.integers(0, 5), junk=JUNK, where=st.floats(0, 1))
def test_v1_a_damaged_line_loses_only_itself(
    n: int, text: str, line: int, junk: bytes, where: float
) -> None:
    data, ends = v1_lines(n, text)
    line %= n
    start = ends[line - 1][0] if line else 0
    end = ends[line][0] - 1  # the newline stays
    at = start + int((end - 1 - start) * where)
    damaged = data[:at] + junk + data[at + 1 :]
    read_ids = {p.post_id for p in read_bytes(twitter_v1.READER, damaged).posts}
    assert {i for j, (_, i) in enumerate(ends) if j != line} <= read_ids


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(texts, min_size=1, max_size=5), cut=st.floats(0, 1))
def test_io_archive_truncation_keeps_every_whole_row(texts: list[str], cut: float) -> None:
    rows = [
        {"tweetid": str(i), "userid": "u", "tweet_text": t, "tweet_time": "2019-01-02 03:04"}
        for i, t in enumerate(texts)
    ]
    data = io_csv(rows)
    assert {p.post_id for p in read_bytes(io_archive.READER, data).posts} == {
        r["tweetid"] for r in rows
    }
    at = int(len(data) * cut)
    whole = {r["tweetid"] for r in rows if len(io_csv(rows[: int(r["tweetid"]) + 1])) <= at}
    read_ids = {p.post_id for p in read_bytes(io_archive.READER, data[:at]).posts}
    assert whole <= read_ids <= {r["tweetid"] for r in rows}
