"""Every real-world fixture, ingested into a real DuckDB file: exact counts per file.

Columns: format detected, collected posts, context posts, dead letters, deletes, and the records
skipped by design (files that hold no posts say so here instead of failing).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from voxpop.ingest import ingest
from voxpop.store import Store

Expected = tuple[str, int, int, int, int, dict[str, int]]

EXPECTED: dict[str, Expected] = {
    "bluesky/microcosm-rs__jetstream_events_from_tests.jsonl": (
        "bluesky-jetstream",
        1,
        0,
        0,
        0,
        {"account": 3, "like": 2, "profile": 1},
    ),
    "crowdtangle/willdoliver__2021-07-05-22-49-20-BRT-search-csv-export.csv": (
        "crowdtangle",
        10,
        0,
        0,
        0,
        {},
    ),
    "crowdtangle/willdoliver__links-api-response-example.json": ("crowdtangle", 1, 0, 0, 0, {}),
    "generic_csv/fivethirtyeight__trump-twitter_realDonaldTrump_poll_tweets.csv": (
        "generic",
        448,
        0,
        0,
        0,
        {},
    ),
    "generic_csv/qut_cnt_coretweet_test_input.csv": ("cnt-csv", 15, 0, 0, 0, {}),
    "generic_csv/qut_cnt_sample_data.csv": ("cnt-csv", 100, 0, 0, 0, {}),
    "io_archive/twitterfrequenter__ira_style_tweets_2rows.csv": (
        "twitter-io-archive",
        2,
        0,
        0,
        0,
        {},
    ),
    "io_archive/twitterfrequenter__ira_style_users_2rows.csv": (
        "twitter-io-archive",
        0,
        0,
        0,
        0,
        {"user": 2},
    ),
    "mastodon/mastodonpy__home_timeline_13.json": ("mastodon", 9, 0, 0, 0, {"non_public": 4}),
    "mastodon/mastodonpy__mastodon_social_account_23972.json": (
        "mastodon",
        0,
        0,
        0,
        0,
        {"account": 1},
    ),
    "mastodon/mastodonpy__mastodon_social_notifications_40.json": (
        "mastodon",
        0,
        0,
        0,
        0,
        {"non_public": 1, "notification": 39},
    ),
    "mastodon/mastodonpy__mastodon_social_search_v2.json": (
        "mastodon",
        2,
        0,
        0,
        0,
        {"account": 18, "tag": 1},
    ),
    "mastodon/mastodonpy__mastodon_social_status_context.json": (
        "mastodon",
        0,
        0,
        0,
        0,
        {"non_public": 2},
    ),
    "mastodon/mastodonpy__mastodon_social_trends_tags.json": ("mastodon", 0, 0, 0, 0, {"tag": 10}),
    "mastodon/mastodonpy__public_timeline_anonymous_8.json": ("mastodon", 8, 0, 0, 0, {}),
    "mastodon/mastodonpy__status_110446183735368325_history.json": (
        "mastodon",
        0,
        0,
        0,
        0,
        {"status_edit": 2},
    ),
    "mastodon/mastodonpy__status_110446223051565765_history.json": (
        "mastodon",
        0,
        0,
        0,
        0,
        {"status_edit": 2},
    ),
    "mastodon/mastodonpy__tag_timeline_page1.json": ("mastodon", 10, 0, 0, 0, {}),
    "mastodon/mastodonpy__tag_timeline_page2.json": ("mastodon", 10, 0, 0, 0, {}),
    "mastodon/swinub__status_botsin_space.json": ("mastodon", 1, 0, 0, 0, {}),
    "mastodon_streaming/flodgatt__redis_input_001.resp": ("mastodon", 1, 0, 0, 0, {}),
    "mastodon_streaming/flodgatt__redis_input_002.resp": ("mastodon", 1, 0, 0, 0, {}),
    "mastodon_streaming/flodgatt__redis_input_003.resp": ("mastodon", 1, 0, 0, 0, {}),
    "mastodon_streaming/flodgatt__redis_input_004.resp": ("mastodon", 0, 0, 0, 1, {}),
    "mastodon_streaming/flodgatt__redis_msg_event_001.json": ("mastodon", 1, 0, 0, 0, {}),
    "mastodon_streaming/flodgatt__redis_msg_event_002.json": ("mastodon", 1, 0, 0, 0, {}),
    "mastodon_streaming/flodgatt__redis_msg_event_003.json": ("mastodon", 1, 0, 0, 0, {}),
    "mastodon_streaming/flodgatt__redis_msg_event_004.json": ("mastodon", 0, 0, 0, 1, {}),
    "mastodon_streaming/swinub__websocket_stream_update_event.json": ("mastodon", 1, 0, 0, 0, {}),
    "reddit/graw__inbox.json": ("reddit", 1, 0, 0, 0, {"message": 4}),
    "reddit/graw__more.json": ("reddit", 50, 0, 0, 0, {"more": 11}),
    "reddit/graw__subreddit.json": ("reddit", 27, 0, 0, 0, {}),
    "reddit/graw__user.json": ("reddit", 25, 0, 0, 0, {}),
    "rss_atom/feedparser__encoding__bozo_bogus_encoding.xml": ("rss", 0, 0, 0, 0, {}),
    "rss_atom/feedparser__encoding__bozo_double-encoded-html.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__encoding__bozo_encoding_mismatch_crash.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__encoding__bozo_linenoise.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__encoding__demoronize-1.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__encoding__utf-16le-bom.xml": ("rss", 0, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__aaa_illformed.xml": ("rss", 0, 0, 1, 0, {}),
    "rss_atom/feedparser__illformed__always_strip_doctype.xml": ("rss", 0, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__chardet__eucjp.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__chardet__euckr.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__chardet__gb2312.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__chardet__shiftjis.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__chardet__tis620.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__chardet__windows1255.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__geo__georss_point_no_coords.xml": ("rss", 0, 0, 1, 0, {}),
    "rss_atom/feedparser__illformed__geo__georss_polygon_insufficient_coords.xml": (
        "rss",
        0,
        0,
        1,
        0,
        {},
    ),
    "rss_atom/feedparser__illformed__geo__gml_point.xml": ("rss", 0, 0, 1, 0, {}),
    "rss_atom/feedparser__illformed__http_high_bit_date.xml": ("rss", 0, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__rdf_channel_empty_textinput.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedparser__illformed__rss_item_link_corrupted_ampersands.xml": (
        "rss",
        1,
        0,
        0,
        0,
        {},
    ),
    "rss_atom/feedparser__illformed__undeclared_namespace.xml": ("rss", 0, 0, 1, 0, {}),
    "rss_atom/feedparser__wellformed__sanitize__large_atom_feed_that_needs_css_sanitisation.xml": (
        "rss",
        15,
        0,
        0,
        0,
        {},
    ),
    "rss_atom/feedrs__atom_example_reddit.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__atom_mediarss_newscred_1.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__atom_mediarss_reddit_1.xml": ("rss", 25, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_1.0_debian.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_1.0_iso8859.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_2.0_bbc.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_2.0_ch9.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_2.0_cloudflare.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_2.0_encoding_1.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_2.0_heated.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_2.0_ilmessaggero.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_2.0_invalid_1.xml": ("rss", 0, 0, 1, 0, {}),
    "rss_atom/feedrs__rss_2.0_reddit.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_2.0_rps.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/feedrs__rss_2.0_wirecutter.xml": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/rssparser__craigslist.rss": ("rss", 25, 0, 0, 0, {}),
    "rss_atom/rssparser__encoding.rss": ("rss", 40, 0, 0, 0, {}),
    "rss_atom/rssparser__feedburner.atom": ("rss", 25, 0, 0, 0, {}),
    "rss_atom/rssparser__heraldsun.rss": ("rss", 2, 0, 0, 0, {}),
    "rss_atom/rssparser__incomplete-fields.atom": ("rss", 0, 0, 1, 0, {}),
    "rss_atom/rssparser__instant-article.rss": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/rssparser__many-links.rss": ("rss", 25, 0, 0, 0, {}),
    "rss_atom/rssparser__missing-fields.atom": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/rssparser__narro.rss": ("rss", 1, 0, 0, 0, {}),
    "rss_atom/rssparser__reddit-atom.rss": ("rss", 24, 0, 0, 0, {}),
    "rss_atom/rssparser__reddit-home.rss": ("rss", 24, 0, 0, 0, {}),
    "rss_atom/rssparser__reddit.rss": ("rss", 24, 0, 0, 0, {}),
    "telegram/affiliate__Deals_js_messages_array.json": ("telegram", 232, 0, 0, 0, {}),
    "telegram/affiliate__Input_js_messages_array.json": ("telegram", 601, 0, 0, 0, {}),
    "telegram/chatanalytics__DM_2A_7M.json": (
        "telegram",
        0,
        0,
        0,
        0,
        {"non_public": 6, "service": 2},
    ),
    "telegram/chatanalytics__MultiChat_2C_6M.json": (
        "telegram",
        0,
        0,
        0,
        0,
        {"non_public": 5, "service": 1},
    ),
    "twitter_v1/pythontwitter__3.2__extended_tweet_in_compat_mode.json": (
        "twitter-v1",
        1,
        0,
        0,
        0,
        {},
    ),
    "twitter_v1/pythontwitter__3.2__extended_tweet_in_extended_mode.json": (
        "twitter-v1",
        1,
        0,
        0,
        0,
        {},
    ),
    "twitter_v1/pythontwitter__get_home_timeline.json": ("twitter-v1", 20, 15, 0, 0, {}),
    "twitter_v1/pythontwitter__get_mentions.json": ("twitter-v1", 19, 2, 0, 0, {}),
    "twitter_v1/pythontwitter__get_retweets.json": ("twitter-v1", 14, 14, 0, 0, {}),
    "twitter_v1/pythontwitter__get_search_geocode.json": ("twitter-v1", 15, 1, 0, 0, {}),
    "twitter_v1/pythontwitter__get_status_promoted_video_tweet.json": (
        "twitter-v1",
        1,
        0,
        0,
        0,
        {},
    ),
    "twitter_v1/pythontwitter__get_status_with_place.json": ("twitter-v1", 1, 1, 0, 0, {}),
    "twitter_v1/pythontwitter__models__status_quoted_tweet.json": ("twitter-v1", 1, 1, 0, 0, {}),
    "twitter_v1/pythontwitter__public_timeline_error.json": (
        "twitter-v1",
        0,
        0,
        0,
        0,
        {"error": 1},
    ),
    "twitter_v1/pythontwitter__streaming__streaming_extended_tweet.json": (
        "twitter-v1",
        1,
        0,
        0,
        0,
        {},
    ),
    "twitter_v1/twitterruby__premium_search_from.json": ("twitter-v1", 58, 16, 0, 0, {}),
    "twitter_v1/twitterruby__premium_search_point_radius.json": ("twitter-v1", 100, 13, 0, 0, {}),
    "twitter_v1/twitterruby__premium_search_url.json": ("twitter-v1", 4, 0, 0, 0, {}),
    "twitter_v1/twitterruby__retweet.json": ("twitter-v1", 1, 1, 0, 0, {}),
    "twitter_v1/twitterruby__retweets.json": ("twitter-v1", 1, 1, 0, 0, {}),
    "twitter_v1/twitterruby__search2.json": ("twitter-v1", 3, 0, 0, 0, {}),
    "twitter_v1/twitterruby__search_malformed.json": ("twitter-v1", 0, 0, 0, 0, {"search": 1}),
    "twitter_v1/twitterruby__status.json": ("twitter-v1", 1, 0, 0, 0, {}),
    "twitter_v1/twitterruby__statuses.json": ("twitter-v1", 20, 6, 0, 0, {}),
    "twitter_v1/twitterruby__track_streaming.json": ("twitter-v1", 2, 0, 0, 0, {}),
    "twitter_v1/twitterruby__user_timeline.json": ("twitter-v1", 1, 0, 0, 0, {}),
    "twitter_v2/cashtags.jsonl": ("twitter-v2", 1, 0, 0, 0, {}),
    "twitter_v2/cotweet.jsonl": ("twitter-v2", 1, 0, 0, 0, {}),
    "twitter_v2/counts.jsonl": ("twitter-v2", 0, 0, 0, 0, {"count": 169}),
    "twitter_v2/edited.jsonl": ("twitter-v2", 1, 1, 0, 0, {}),
    "twitter_v2/edited_after.jsonl": ("twitter-v2", 1, 1, 0, 0, {}),
    "twitter_v2/edited_before.jsonl": ("twitter-v2", 1, 1, 0, 0, {}),
    "twitter_v2/flat.jsonl": ("twitter-v2", 100, 86, 0, 0, {}),
    "twitter_v2/lists.jsonl": ("twitter-v2", 0, 0, 0, 0, {"list": 6}),
    "twitter_v2/many_urls.jsonl": ("twitter-v2", 1, 1, 0, 0, {}),
    "twitter_v2/media_policy_violation_off.jsonl": ("twitter-v2", 100, 61, 0, 0, {}),
    "twitter_v2/media_tweet.jsonl": ("twitter-v2", 1, 0, 0, 0, {}),
    "twitter_v2/mentions_tweet.jsonl": ("twitter-v2", 1, 1, 0, 0, {}),
    "twitter_v2/streaming_output_with_error.jsonl": ("twitter-v2", 7, 4, 1, 0, {}),
    "twitter_v2/tweets_compliance.jsonl": ("twitter-v2", 0, 0, 0, 2, {}),
    "twitter_v2/two_tweets.jsonl": ("twitter-v2", 1, 1, 0, 0, {}),
    "twitter_v2/users.jsonl": ("twitter-v2", 0, 0, 0, 0, {"user": 96}),
    "twitter_v2/users_compliance.jsonl": ("twitter-v2", 0, 0, 0, 0, {"user": 2}),
    "twitter_v2/verified_type.jsonl": ("twitter-v2", 1, 0, 0, 0, {}),
    "youtube/activities__activities_by_channel_p1.json": ("youtube", 0, 0, 0, 0, {"activity": 10}),
    "youtube/activities__activities_by_channel_p2.json": ("youtube", 0, 0, 0, 0, {"activity": 3}),
    "youtube/channels__info.json": ("youtube", 0, 0, 0, 0, {"channel": 1}),
    "youtube/channels__info_multiple.json": ("youtube", 0, 0, 0, 0, {"channel": 2}),
    "youtube/comment_threads__comment_thread_single.json": ("youtube", 1, 0, 0, 0, {}),
    "youtube/comment_threads__comment_threads_all_to_me.json": ("youtube", 4, 0, 0, 0, {}),
    "youtube/comment_threads__comment_threads_by_channel.json": ("youtube", 2, 0, 0, 0, {}),
    "youtube/comment_threads__comment_threads_by_video_paged_1.json": ("youtube", 5, 0, 0, 0, {}),
    "youtube/comment_threads__comment_threads_multi.json": ("youtube", 2, 0, 0, 0, {}),
    "youtube/comment_threads__comment_threads_with_search.json": ("youtube", 1, 0, 0, 0, {}),
    "youtube/comments__comments_by_parent_paged_1.json": ("youtube", 2, 0, 0, 0, {}),
    "youtube/comments__comments_by_parent_paged_2.json": ("youtube", 1, 0, 0, 0, {}),
    "youtube/comments__comments_multi.json": ("youtube", 2, 0, 0, 0, {}),
    "youtube/comments__comments_single.json": ("youtube", 1, 0, 0, 0, {}),
    "youtube/playlist_items__playlist_items_filter_video.json": (
        "youtube",
        0,
        0,
        0,
        0,
        {"playlist item": 1},
    ),
    "youtube/playlist_items__playlist_items_multi.json": (
        "youtube",
        0,
        0,
        0,
        0,
        {"playlist item": 2},
    ),
    "youtube/playlist_items__playlist_items_paged_1.json": (
        "youtube",
        0,
        0,
        0,
        0,
        {"playlist item": 10},
    ),
    "youtube/playlist_items__playlist_items_paged_2.json": (
        "youtube",
        0,
        0,
        0,
        0,
        {"playlist item": 3},
    ),
    "youtube/playlist_items__playlist_items_single.json": (
        "youtube",
        0,
        0,
        0,
        0,
        {"playlist item": 1},
    ),
    "youtube/search__search_by_developer.json": ("youtube", 5, 0, 0, 0, {}),
    "youtube/search__search_by_event.json": ("youtube", 25, 0, 0, 0, {}),
    "youtube/search__search_by_keywords_p1.json": ("youtube", 25, 0, 0, 0, {}),
    "youtube/search__search_by_location.json": ("youtube", 5, 0, 0, 0, {}),
    "youtube/search__search_by_related_video.json": ("youtube", 5, 0, 0, 0, {}),
    "youtube/search__search_channels.json": ("youtube", 0, 0, 0, 0, {"channel": 5}),
    "youtube/search__search_videos_by_channel.json": ("youtube", 5, 0, 0, 0, {}),
    "youtube/videos__videos_chart_paged_1.json": ("youtube", 5, 0, 0, 0, {}),
    "youtube/videos__videos_info_multi.json": ("youtube", 2, 0, 0, 0, {}),
    "youtube/videos__videos_info_single.json": ("youtube", 1, 0, 0, 0, {}),
    "youtube/videos__videos_myrating_paged_1.json": ("youtube", 2, 0, 0, 0, {}),
    "youtube/videos__videos_myrating_paged_2.json": ("youtube", 1, 0, 0, 0, {}),
}

# Files no reader claims, each with the reason given.
UNREADABLE = {
    "README.md": "no reader recognises",
    "rss_atom/feedparser__illformed__rss_empty_document.xml": "no reader recognises",
    "twitter_v2/empty.json": "the file is empty",
}


@pytest.fixture(scope="module")
def fixture_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, Expected], dict[str, str], Store]:
    if not FIXTURES.exists():
        pytest.skip(f"real-world fixtures not found at {FIXTURES} (see shared/README.md)")
    store = Store(tmp_path_factory.mktemp("fixtures") / "fixtures.duckdb")
    report = ingest(store, [FIXTURES])
    runs = {
        str(Path(run.file).relative_to(FIXTURES)): (
            run.format,
            run.posts_read,
            run.context_read,
            run.dead_letters,
            run.deletes,
            dict(sorted(run.skipped.items())),
        )
        for run in report.runs
    }
    errors = {str(Path(e.file).relative_to(FIXTURES)): e.error for e in report.errors}
    return runs, errors, store


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_counts(
    name: str, fixture_runs: tuple[dict[str, Expected], dict[str, str], Store]
) -> None:
    runs, _, _ = fixture_runs
    assert runs[name] == EXPECTED[name]


def test_every_fixture_is_accounted_for(
    fixture_runs: tuple[dict[str, Expected], dict[str, str], Store],
) -> None:
    runs, errors, _ = fixture_runs
    assert set(runs) == set(EXPECTED)
    assert set(errors) == set(UNREADABLE)
    for name, reason in UNREADABLE.items():
        assert reason in errors[name]


def test_store_totals_match_the_runs(
    fixture_runs: tuple[dict[str, Expected], dict[str, str], Store],
) -> None:
    _, _, store = fixture_runs
    stats = store.stats()
    dead = sum(e[3] for e in EXPECTED.values())
    assert stats["dead_letters"] == dead
    # The store holds each post once: files that repeat posts (pages 1 and 2 of a timeline,
    # edited versions) add nothing the second time.
    distinct = store.con.execute("SELECT count(DISTINCT (platform, post_id)) FROM posts").fetchall()
    assert stats["posts"] + stats["context_posts"] == distinct[0][0]
    assert stats["posts"] <= sum(e[1] for e in EXPECTED.values())
    # Every dead letter keeps its position and raw text.
    rows = store.dead_letters().to_pylist()
    assert all(r["file"] and r["reason"] for r in rows)
    assert {Path(r["file"]).parent.name for r in rows} == {"rss_atom", "twitter_v2"}
