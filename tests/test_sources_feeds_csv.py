"""Readers for feeds and tables: RSS/Atom, YouTube, CrowdTangle, coordination-network-toolkit
CSV, and generic CSV / JSON lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import fixture_path, read_all, read_bytes
from voxpop.errors import ConfigError, FormatError
from voxpop.schema import Kind, Metrics, Post, posts_to_table
from voxpop.sources import cnt, crowdtangle, detect, generic, rss, youtube
from voxpop.sources._base import (
    Sample,
    html_to_text,
    split_list,
)


def sample(data: bytes) -> Sample:
    return Sample(data, complete=True)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def csv_blob(header: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[bytes, list[int]]:
    """A CSV file and, for each data row, the byte offset where its content ends."""
    chunks: list[bytes] = []
    ends: list[int] = []
    size = 0
    for index, row in enumerate([header, *rows]):
        text = io.StringIO()
        csv.writer(text).writerow(row)
        line = text.getvalue().encode("utf-8")
        chunks.append(line)
        if index:
            ends.append(size + len(line) - 2)  # before the CRLF
        size += len(line)
    return b"".join(chunks), ends


# -- RSS / Atom -----------------------------------------------------------------------------

RSS_COUNTS: dict[str, tuple[int, int]] = {
    "feedparser__encoding__bozo_bogus_encoding.xml": (0, 0),
    "feedparser__encoding__bozo_double-encoded-html.xml": (1, 0),
    "feedparser__encoding__bozo_encoding_mismatch_crash.xml": (1, 0),
    "feedparser__encoding__bozo_linenoise.xml": (1, 0),
    "feedparser__encoding__demoronize-1.xml": (1, 0),
    "feedparser__encoding__utf-16le-bom.xml": (0, 0),
    "feedparser__illformed__aaa_illformed.xml": (0, 1),
    "feedparser__illformed__always_strip_doctype.xml": (0, 0),
    "feedparser__illformed__chardet__eucjp.xml": (1, 0),
    "feedparser__illformed__chardet__euckr.xml": (1, 0),
    "feedparser__illformed__chardet__gb2312.xml": (1, 0),
    "feedparser__illformed__chardet__shiftjis.xml": (1, 0),
    "feedparser__illformed__chardet__tis620.xml": (1, 0),
    "feedparser__illformed__chardet__windows1255.xml": (1, 0),
    "feedparser__illformed__geo__georss_point_no_coords.xml": (0, 1),
    "feedparser__illformed__geo__georss_polygon_insufficient_coords.xml": (0, 1),
    "feedparser__illformed__geo__gml_point.xml": (0, 1),
    "feedparser__illformed__http_high_bit_date.xml": (0, 0),
    "feedparser__illformed__rdf_channel_empty_textinput.xml": (1, 0),
    "feedparser__illformed__rss_empty_document.xml": (0, 1),
    "feedparser__illformed__rss_item_link_corrupted_ampersands.xml": (1, 0),
    "feedparser__illformed__undeclared_namespace.xml": (0, 1),
    "feedparser__wellformed__sanitize__large_atom_feed_that_needs_css_sanitisation.xml": (15, 0),
    "feedrs__atom_example_reddit.xml": (1, 0),
    "feedrs__atom_mediarss_newscred_1.xml": (1, 0),
    "feedrs__atom_mediarss_reddit_1.xml": (25, 0),
    "feedrs__rss_1.0_debian.xml": (1, 0),
    "feedrs__rss_1.0_iso8859.xml": (1, 0),
    "feedrs__rss_2.0_bbc.xml": (1, 0),
    "feedrs__rss_2.0_ch9.xml": (1, 0),
    "feedrs__rss_2.0_cloudflare.xml": (1, 0),
    "feedrs__rss_2.0_encoding_1.xml": (1, 0),
    "feedrs__rss_2.0_heated.xml": (1, 0),
    "feedrs__rss_2.0_ilmessaggero.xml": (1, 0),
    "feedrs__rss_2.0_invalid_1.xml": (0, 1),
    "feedrs__rss_2.0_reddit.xml": (1, 0),
    "feedrs__rss_2.0_rps.xml": (1, 0),
    "feedrs__rss_2.0_wirecutter.xml": (1, 0),
    "rssparser__craigslist.rss": (25, 0),
    "rssparser__encoding.rss": (40, 0),
    "rssparser__feedburner.atom": (25, 0),
    "rssparser__heraldsun.rss": (2, 0),
    "rssparser__incomplete-fields.atom": (0, 1),
    "rssparser__instant-article.rss": (1, 0),
    "rssparser__many-links.rss": (25, 0),
    "rssparser__missing-fields.atom": (1, 0),
    "rssparser__narro.rss": (1, 0),
    "rssparser__reddit-atom.rss": (24, 0),
    "rssparser__reddit-home.rss": (24, 0),
    "rssparser__reddit.rss": (24, 0),
}

# A document of nothing but a comment is no feed: detection refuses it.
RSS_UNDETECTED = {"feedparser__illformed__rss_empty_document.xml"}


def test_rss_table_covers_every_fixture() -> None:
    folder = fixture_path("rss_atom")
    assert {p.name for p in folder.iterdir()} == set(RSS_COUNTS)


@pytest.mark.parametrize("name", sorted(RSS_COUNTS))
def test_rss_fixture_counts(name: str) -> None:
    path = fixture_path(f"rss_atom/{name}")
    if name in RSS_UNDETECTED:
        with pytest.raises(FormatError):
            detect(path)
    else:
        assert detect(path).name == "rss"
    result = read_all(rss.READER, path)
    assert (len(result.collected), len(result.dead)) == RSS_COUNTS[name]
    assert not result.context and not result.deletes and not result.skipped
    assert all(p.platform == "rss" and p.kind == "article" for p in result.posts)
    assert [p.record for p in result.posts] == sorted({p.record for p in result.posts})


def test_rss_bbc_podcast_item() -> None:
    (post,) = read_all(rss.READER, fixture_path("rss_atom/feedrs__rss_2.0_bbc.xml")).posts
    assert post.post_id == "urn:bbc:podcast:m000sjxt"
    assert post.author_id == "http://www.bbc.co.uk/programmes/b006qykl"
    assert post.author_handle == "In Our Time"
    assert post.author_name == "BBC Radio 4"
    assert post.created_at == utc(2021, 2, 25, 10, 15)
    assert post.text == "Marcus Aurelius\n\nMelvyn Bragg and guests discuss..."
    assert post.source_lang == "en"
    assert post.urls[0] == "http://www.bbc.co.uk/programmes/m000sjxt"
    assert post.urls[1].endswith("/vpid/p097wt5b.mp3")  # the enclosure
    assert post.record == 1


def test_rss_atom_entry_author_and_category() -> None:
    (post,) = read_all(rss.READER, fixture_path("rss_atom/feedrs__atom_example_reddit.xml")).posts
    assert post.post_id == "t3_glvkc5"
    assert post.author_id == "https://www.reddit.com/r/rust/"
    assert post.author_handle == "The Rust Programming Language"
    assert post.author_name == "/u/llogiq"
    assert post.hashtags == ["rust"]
    assert post.created_at == utc(2020, 5, 18, 5, 44, 47)
    assert post.text is not None
    assert post.text.startswith("Hey Rustaceans! Got an easy question? Ask here (21/2020)!\n\n")
    assert "<p>" not in post.text and "Mystified about strings?" in post.text


def test_rss_html_title_and_entities_become_text() -> None:
    posts = read_all(rss.READER, fixture_path("rss_atom/rssparser__craigslist.rss")).posts
    assert posts[0].post_id == "http://sfbay.craigslist.org/eby/apa/6186664607.html"
    assert posts[0].text is not None
    assert posts[0].text.startswith(
        "Bright, Spacious Beautiful Victorian (oakland north / temescal) $4300 3bd 1930ft2\n\n"
    )
    assert posts[0].source_lang == "en-us"
    assert posts[0].created_at == utc(2017, 6, 21, 17, 33, 10)


def test_rss_localised_date_and_feed_language() -> None:
    path = fixture_path("rss_atom/feedrs__rss_2.0_ilmessaggero.xml")
    (post,) = read_all(rss.READER, path).posts
    # "mer, 16 nov 2022 00:38:15 +0100": feedparser gives up on the Italian weekday.
    assert post.created_at == utc(2022, 11, 15, 23, 38, 15)
    assert post.source_lang == "IT-it"
    assert post.hashtags == ["Mondo"]


def test_rss_rss092_without_dates() -> None:
    posts = read_all(rss.READER, fixture_path("rss_atom/rssparser__heraldsun.rss")).posts
    assert [p.post_id for p in posts] == [
        "http://www.oreilly.com/example/001.html",
        "http://www.oreilly.com/example/002.html",
    ]
    assert posts[0].created_at is None
    assert posts[0].urls == [
        "http://www.oreilly.com/example/001.html",
        "http://www.oreilly.com/001.mp3",
    ]
    assert posts[0].hashtags == ["Business/Industries/Publishing/Publishers/Nonfiction/"]


def test_rss_bozo_feed_keeps_recovered_entries() -> None:
    path = fixture_path("rss_atom/feedparser__encoding__bozo_double-encoded-html.xml")
    (post,) = read_all(rss.READER, path).posts
    assert post.text == "\u2026"
    assert post.post_id.startswith("sha1:")  # no guid, no link: a hash of its content


def test_rss_unrecoverable_document_is_one_dead_letter() -> None:
    path = fixture_path("rss_atom/feedrs__rss_2.0_invalid_1.xml")
    (letter,) = read_all(rss.READER, path).dead
    assert letter.record == 0
    assert "no element found" in letter.reason
    assert letter.raw.startswith('<?xml version="1.0" encoding="UTF-8" ?>')


def test_rss_atom_id_is_not_a_url() -> None:
    path = fixture_path("rss_atom/rssparser__missing-fields.atom")
    (post,) = read_all(rss.READER, path).posts
    assert post.post_id == "tag:github.com,2008:Repository/11167738/v3.9.0"
    assert post.urls == [] and post.text is None


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<?xml-stylesheet href="style.xsl"?>
<!-- a comment before the root -->
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <title>Le blog</title>
  <link href="https://blog.example/"/>
  <id>urn:blog</id>
  <entry>
    <title type="html">Un &lt;b&gt;titre&lt;/b&gt;</title>
    <link href="https://blog.example/1"/>
    <link rel="related" href="https://other.example/x"/>
    <id>urn:blog:1</id>
    <updated>2024-03-01T12:00:00+02:00</updated>
    <summary type="html">&lt;p&gt;Premier&lt;/p&gt;
      &lt;p&gt;Second&lt;br/&gt;ligne&lt;/p&gt;</summary>
    <category term="#politique"/>
  </entry>
  <entry>
    <title>Sans lien</title>
    <published>2024-03-02T00:00:00Z</published>
  </entry>
</feed>
"""


def test_rss_in_memory_atom() -> None:
    first, second = read_bytes(rss.READER, ATOM).posts
    assert first.post_id == "urn:blog:1"
    assert first.author_id == "https://blog.example/"
    assert first.author_name == "Le blog"
    assert first.text == "Un titre\n\nPremier\n\nSecond\nligne"
    assert first.urls == ["https://blog.example/1", "https://other.example/x"]
    assert first.hashtags == ["politique"]
    assert first.created_at == utc(2024, 3, 1, 10)
    assert first.source_lang == "fr"
    # No id, no link: a stable hash, the same on every read.
    assert second.post_id.startswith("sha1:")
    assert second.post_id == read_bytes(rss.READER, ATOM).posts[1].post_id
    assert second.record == 2


def test_rss_valid_feed_without_items_yields_nothing() -> None:
    empty = b'<rss version="2.0"><channel><title>t</title></channel></rss>'
    result = read_bytes(rss.READER, empty)
    assert not result.posts and not result.dead


@pytest.mark.parametrize(
    "text",
    [b"http://example.com/feed.xml", b"/etc/hostname", b"file:///etc/hostname"],
)
def test_rss_never_fetches_or_opens_what_the_input_names(text: bytes) -> None:
    result = read_bytes(rss.READER, text)
    assert not result.posts
    assert len(result.dead) == 1 and result.dead[0].raw == text.decode()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xef\xbb\xbf  <?xml version='1.0'?>\n<rss version='2.0'>", True),
        (b"<!-- c --><!DOCTYPE rss><rdf:RDF xmlns:rdf='x'>", True),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'>", True),
        ("<?xml version='1.0' encoding='utf-16'?><rss>".encode("utf-16"), True),
        (b"<!DOCTYPE html><html><body>not a feed</body></html>", False),
        (b'<?xml version="1.0"?><svg/>', False),
        (b'{"kind": "rss"}', False),
        (b"<!-- never closed", False),
    ],
)
def test_rss_sniff(head: bytes, expected: bool) -> None:
    assert rss.sniff(sample(head)) is expected


def test_rss_html_to_text() -> None:
    html = (
        "<p>a <b>b</b>\n c</p><p>d &amp; e<br>f</p><ul><li>x</li><li>y</li></ul><script>z</script>"
    )
    assert html_to_text(html).text == "a b c\n\nd & e\nf\n\nx\ny"
    assert html_to_text("  plain text  ").text == "plain text"


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(ATOM)))
def test_rss_truncated_feed_never_raises(cut: int) -> None:
    result = read_bytes(rss.READER, ATOM[:cut])
    assert len(result.posts) <= 2
    assert all(p.post_id for p in result.posts)


# -- YouTube --------------------------------------------------------------------------------

YOUTUBE_COUNTS: dict[str, tuple[int, int, dict[str, int]]] = {
    "activities__activities_by_channel_p1.json": (0, 0, {"activity": 10}),
    "activities__activities_by_channel_p2.json": (0, 0, {"activity": 3}),
    "channels__info.json": (0, 0, {"channel": 1}),
    "channels__info_multiple.json": (0, 0, {"channel": 2}),
    "comment_threads__comment_thread_single.json": (1, 0, {}),
    "comment_threads__comment_threads_all_to_me.json": (4, 0, {}),
    "comment_threads__comment_threads_by_channel.json": (2, 0, {}),
    "comment_threads__comment_threads_by_video_paged_1.json": (5, 0, {}),
    "comment_threads__comment_threads_multi.json": (2, 0, {}),
    "comment_threads__comment_threads_with_search.json": (1, 0, {}),
    "comments__comments_by_parent_paged_1.json": (2, 0, {}),
    "comments__comments_by_parent_paged_2.json": (1, 0, {}),
    "comments__comments_multi.json": (2, 0, {}),
    "comments__comments_single.json": (1, 0, {}),
    "playlist_items__playlist_items_filter_video.json": (0, 0, {"playlist item": 1}),
    "playlist_items__playlist_items_multi.json": (0, 0, {"playlist item": 2}),
    "playlist_items__playlist_items_paged_1.json": (0, 0, {"playlist item": 10}),
    "playlist_items__playlist_items_paged_2.json": (0, 0, {"playlist item": 3}),
    "playlist_items__playlist_items_single.json": (0, 0, {"playlist item": 1}),
    "search__search_by_developer.json": (5, 0, {}),
    "search__search_by_event.json": (25, 0, {}),
    "search__search_by_keywords_p1.json": (25, 0, {}),
    "search__search_by_location.json": (5, 0, {}),
    "search__search_by_related_video.json": (5, 0, {}),
    "search__search_channels.json": (0, 0, {"channel": 5}),
    "search__search_videos_by_channel.json": (5, 0, {}),
    "videos__videos_chart_paged_1.json": (5, 0, {}),
    "videos__videos_info_multi.json": (2, 0, {}),
    "videos__videos_info_single.json": (1, 0, {}),
    "videos__videos_myrating_paged_1.json": (2, 0, {}),
    "videos__videos_myrating_paged_2.json": (1, 0, {}),
}


def test_youtube_table_covers_every_fixture() -> None:
    folder = fixture_path("youtube")
    assert {p.name for p in folder.iterdir()} == set(YOUTUBE_COUNTS)


@pytest.mark.parametrize("name", sorted(YOUTUBE_COUNTS))
def test_youtube_fixture_counts(name: str) -> None:
    path = fixture_path(f"youtube/{name}")
    assert detect(path).name == "youtube"
    result = read_all(youtube.READER, path)
    posts, dead_letters, skipped = YOUTUBE_COUNTS[name]
    assert (len(result.collected), len(result.dead), dict(result.skipped)) == (
        posts,
        dead_letters,
        skipped,
    )
    assert not result.context and not result.deletes
    assert all(p.platform == "youtube" for p in result.posts)


def test_youtube_video() -> None:
    path = fixture_path("youtube/videos__videos_info_single.json")
    (post,) = read_all(youtube.READER, path).posts
    assert post.post_id == "D-lhorsDlUQ"
    assert post.kind == "post"
    assert post.author_id == "UC_x5XG1OV2P6uZZ5FSM9Ttw"
    assert post.author_name == "Google Developers"
    assert post.created_at == utc(2019, 3, 21, 20, 37, 49)
    assert post.source_lang == "en"
    assert post.text is not None
    assert post.text.startswith("What are Actions on Google (Assistant on Air)\n\nIn the first")
    assert post.urls == [
        "http://bit.ly/2YabdS5",
        "https://goo.gle/2X0nBqG",
        "https://bit.ly/googledevs",
    ]
    assert post.hashtags == []  # video tags are keywords, not hashtags
    assert post.conversation_id == "D-lhorsDlUQ"


def test_youtube_search_result_is_unescaped() -> None:
    path = fixture_path("youtube/search__search_by_keywords_p1.json")
    posts = read_all(youtube.READER, path).posts
    assert posts[1].post_id == "i2hewkFijuY"
    assert posts[1].author_name == "Koa Rothman"
    assert posts[1].text is not None
    assert posts[1].text.startswith("SURFING PERFECT PIPE & BACKDOOR || SUNRISE SHACK!")
    assert posts[1].metrics is None
    assert [p.record for p in posts] == list(range(1, 26))


def test_youtube_comment_thread() -> None:
    path = fixture_path("youtube/comment_threads__comment_threads_all_to_me.json")
    post = read_all(youtube.READER, path).posts[1]
    assert post.post_id == "Ugw5zYU6n9pmIgAZWvN4AaABAg"
    assert post.kind == "comment"
    assert post.parent_id == "JE8xdDp5B8Q"
    assert post.parent_author_id == "UCa-vrCLQHviTOVnEKDOdetQ"
    assert post.conversation_id == "JE8xdDp5B8Q"
    assert post.author_id == "UCNvMBmCASzTNNX8lW3JRMbw"
    assert post.author_name == "kun liu"
    assert post.text == "This is so beautiful !"
    assert post.created_at == utc(2019, 12, 1, 3, 36, 10)
    assert post.metrics == Metrics(likes=1, replies=0)


def test_youtube_comment_replies() -> None:
    path = fixture_path("youtube/comments__comments_by_parent_paged_1.json")
    first, second = read_all(youtube.READER, path).posts
    assert first.post_id == "Ugw5zYU6n9pmIgAZWvN4AaABAg.91zT3cYb5B291za6voUoRh"
    assert first.kind == second.kind == "reply"
    assert first.parent_id == "Ugw5zYU6n9pmIgAZWvN4AaABAg"
    assert first.text == "this is the third reply!"


def _video(video_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "youtube#video",
        "id": video_id,
        "snippet": {
            "publishedAt": "2024-01-02T03:04:05Z",
            "channelId": "UC1",
            "channelTitle": "Chan",
            "title": "T",
            "description": "see (https://example.org/a).",
            "defaultAudioLanguage": "pt-BR",
        },
        **extra,
    }


def test_youtube_in_memory_statistics_replies_and_skips() -> None:
    thread = {
        "kind": "youtube#commentThread",
        "id": "C1",
        "snippet": {
            "videoId": "V1",
            "channelId": "UC1",
            "totalReplyCount": 1,
            "topLevelComment": {
                "kind": "youtube#comment",
                "id": "C1",
                "snippet": {
                    "authorDisplayName": "@alice",
                    "authorChannelId": {"value": "UCa"},
                    "textDisplay": "hi<br>there",
                    "likeCount": 3,
                    "publishedAt": "2024-01-03T00:00:00Z",
                },
            },
        },
        "replies": {
            "comments": [
                {
                    "kind": "youtube#comment",
                    "id": "C1.R1",
                    "snippet": {
                        "authorDisplayName": "Bob",
                        "authorChannelId": {"value": "UCb"},
                        "textOriginal": "yes",
                        "parentId": "C1",
                        "likeCount": 0,
                        "publishedAt": "2024-01-03T01:00:00Z",
                    },
                }
            ]
        },
    }
    pages = [
        {
            "kind": "youtube#videoListResponse",
            "items": [
                _video("V1", statistics={"viewCount": "10", "likeCount": "2", "commentCount": "1"})
            ],
        },
        {"kind": "youtube#commentThreadListResponse", "items": [thread]},
        {
            "kind": "youtube#searchListResponse",
            "items": [{"kind": "youtube#searchResult", "id": {"kind": "youtube#playlist"}}],
        },
        {"kind": "youtube#videoListResponse", "items": [{"kind": "youtube#video"}, {"id": 1}]},
        {"error": {"code": 403, "message": "quotaExceeded"}},
    ]
    data = b"\n".join(json.dumps(p).encode() for p in pages) + b'\n{"kind": "youtube#vid'
    result = read_bytes(youtube.READER, data)
    video, top, reply = result.posts
    assert video.metrics == Metrics(likes=2, replies=1, views=10)
    assert video.source_lang == "pt-BR"
    assert video.urls == ["https://example.org/a"]
    assert top.kind == "comment" and top.parent_id == "V1" and top.parent_author_id == "UC1"
    assert top.text == "hi\nthere"
    assert top.author_handle == "alice"
    assert top.metrics == Metrics(likes=3, replies=1)
    assert reply.kind == "reply" and reply.parent_id == "C1" and reply.parent_author_id == "UCa"
    assert reply.conversation_id == "V1"
    assert (top.record, reply.record) == (2, 2)
    assert result.skipped == {"playlist": 1}
    reasons = [(d.record, d.reason.split(":")[0]) for d in result.dead]
    assert reasons == [
        (4, "unreadable YouTube item"),
        (5, "unreadable YouTube item"),
        (5, "API error response"),
        (6, "invalid JSON"),
    ]


def test_youtube_sniff_large_page_by_kind_tags() -> None:
    page = b'{\n  "kind": "youtube#videoListResponse",\n  "items": [' + b" " * 70_000
    assert youtube.sniff(Sample(page[:65_536], complete=False))
    assert not youtube.sniff(sample(b'{"kind": "t3", "data": {}}'))


# -- CrowdTangle ----------------------------------------------------------------------------

CT_CSV = "crowdtangle/willdoliver__2021-07-05-22-49-20-BRT-search-csv-export.csv"
CT_JSON = "crowdtangle/willdoliver__links-api-response-example.json"


def test_crowdtangle_fixtures_detected_and_counted() -> None:
    for name, posts in ((CT_CSV, 10), (CT_JSON, 1)):
        path = fixture_path(name)
        assert detect(path).name == "crowdtangle"
        result = read_all(crowdtangle.READER, path)
        assert len(result.collected) == posts
        assert not result.context and not result.dead and not result.deletes
        assert not result.skipped


def test_crowdtangle_csv_row() -> None:
    posts = read_all(crowdtangle.READER, fixture_path(CT_CSV)).posts
    first = posts[0]
    assert first.platform == "facebook"
    assert first.post_id == "100050295107499_345428873810280"
    assert first.author_id == "100050295107499"
    assert first.author_handle == "neymarjr"
    assert first.author_name == "Neymar Jr."
    assert first.created_at == utc(2021, 7, 5, 21, 2, 45)  # 18:02:45 BRT
    assert first.text == "Que Deus nos abençoe e nos proteja 💙💚🙌🏼"
    assert first.urls == [
        "https://www.facebook.com/photo.php?fbid=345428847143616&set=a.264410868578748&type=3"
    ]
    assert first.metrics == Metrics(likes=270729, reposts=4259, replies=24506, views=None)
    video = posts[2]
    assert video.author_name == "Jair Messias Bolsonaro"
    assert video.metrics is not None and video.metrics.views == 461836
    assert [p.record for p in posts] == list(range(1, 11))


def test_crowdtangle_api_post() -> None:
    (post,) = read_all(crowdtangle.READER, fixture_path(CT_JSON)).posts
    assert post.platform == "facebook"
    assert post.post_id == "1584793948440088_2468424023410405"
    assert post.author_id == "1584793948440088"
    assert post.author_name == "Grupos Do Whatsapp"
    assert post.created_at == utc(2020, 1, 21, 16, 58, 43)
    assert post.text is not None
    assert post.text.startswith('New York Times faz editorial sobre "escolha triste do Brasil"')
    assert post.urls == [
        "https://noticias.uol.com.br/politica/eleicoes/2018/noticias/2018/10/21/"
        "editorial-new-york-times-bolsonaro-escolha-triste-do-brasil.htm"
        "?fbclid=IwAR20emMG5F_1-9fjptR3NncL7C4_UoqtBVfwFkk6wvl0Rxev44XGNxqJpSo"
    ]
    assert post.metrics == Metrics(likes=0, reposts=0, replies=3)
    assert post.source_lang is None  # "und"


def _ct_post(platform_id: str, platform: str = "Instagram") -> dict[str, Any]:
    return {
        "platformId": platform_id,
        "platform": platform,
        "date": "2022-05-01 10:00:00",
        "message": "hello",
        "postUrl": f"https://www.instagram.com/p/{platform_id}/",
        "languageCode": "pt",
        "account": {"id": 7, "handle": "acc", "name": "Account", "platformId": "99"},
        "statistics": {"actual": {"favoriteCount": 5, "likeCount": 4, "commentCount": 1}},
    }


def test_crowdtangle_api_wrapper_list_and_bad_posts() -> None:
    wrapper = {"status": 200, "result": {"posts": [_ct_post("A"), {"message": "no id"}]}}
    data = json.dumps(wrapper).encode() + b"\n" + json.dumps([_ct_post("B")]).encode()
    result = read_bytes(crowdtangle.READER, json.dumps(wrapper).encode())
    (post,) = result.posts
    assert post.platform == "instagram" and post.post_id == "A" and post.source_lang == "pt"
    assert post.author_id == "99" and post.author_handle == "acc"
    assert post.metrics == Metrics(likes=4, replies=1, reposts=None)
    assert [(d.record, "no platformId" in d.reason) for d in result.dead] == [(2, True)]
    listed = read_bytes(crowdtangle.READER, json.dumps([_ct_post("B"), _ct_post("C")]).encode())
    assert [(p.post_id, p.record) for p in listed.posts] == [("B", 1), ("C", 2)]
    lines = read_bytes(crowdtangle.READER, data)  # JSON lines: a response, then an array
    assert [p.post_id for p in lines.posts] == ["A", "B"] and len(lines.dead) == 1
    accounts = read_bytes(crowdtangle.READER, b'{"status": 200, "result": {"accounts": []}}')
    assert accounts.skipped == {"response": 1} and not accounts.posts


CT_HEADER = (
    "Page Name",
    "User Name",
    "Facebook Id",
    "Post Created",
    "Type",
    "Total Interactions",
    "Likes",
    "Comments",
    "Shares",
    "Post Views",
    "URL",
    "Link",
    "Final Link",
    "Message",
)


def _ct_row(page: int, post: int, created: str = "2021-07-05 18:02:45 EDT") -> list[str]:
    url = f"https://www.facebook.com/{page}/posts/{post}"
    return ["Page", "page", str(page), created, "Link", "1.234", "1.000", "N/A", "-", "0", url,
            "https://t.co/x", "https://example.org/full", f"message {post}"]  # fmt: skip


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("2021-07-05 18:02:45 EDT", utc(2021, 7, 5, 22, 2, 45)),
        ("2021-07-05 18:02:45 CEST", utc(2021, 7, 5, 16, 2, 45)),
        ("2021-07-05 18:02:45 IST", utc(2021, 7, 5, 12, 32, 45)),
        ("2021-07-05 18:02:45 -0300", utc(2021, 7, 5, 21, 2, 45)),
        ("2021-07-05 18:02:45 +05:30", utc(2021, 7, 5, 12, 32, 45)),
        ("2021-07-05 18:02:45", utc(2021, 7, 5, 18, 2, 45)),
    ],
)
def test_crowdtangle_csv_time_zones(created: str, expected: datetime) -> None:
    data, _ = csv_blob(CT_HEADER, [_ct_row(1, 2, created)])
    (post,) = read_bytes(crowdtangle.READER, data).posts
    assert post.created_at == expected
    assert post.urls == ["https://example.org/full"]  # Final Link, expanded
    assert post.metrics == Metrics(likes=1000, replies=None, reposts=None, views=None)


def test_crowdtangle_csv_unknown_zone_and_missing_url_are_dead_letters() -> None:
    bad_zone = _ct_row(1, 2, "2021-07-05 18:02:45 XYZT")
    no_url = _ct_row(1, 3)
    no_url[CT_HEADER.index("URL")] = ""
    instagram = _ct_row(1, 4)
    instagram[CT_HEADER.index("URL")] = "https://www.instagram.com/p/CQ1/"
    data, _ = csv_blob(CT_HEADER, [bad_zone, no_url, instagram])
    result = read_bytes(crowdtangle.READER, data)
    assert [(d.record, d.reason.split(" ")[0]) for d in result.dead] == [(1, "unknown"), (2, "row")]
    (post,) = result.posts
    assert (post.platform, post.post_id) == ("instagram", "https://www.instagram.com/p/CQ1/")


def test_crowdtangle_sniff_does_not_claim_plain_tables() -> None:
    assert not crowdtangle.sniff(sample(b"id,text,created_at\n1,a,2020-01-01\n"))
    assert crowdtangle.sniff(sample(",".join(CT_HEADER).encode() + b"\n"))


ids_st = st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=12, unique=True)
garbage_st = st.text(
    alphabet=st.characters(exclude_characters='"\r\n', exclude_categories=["Cs"]),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(ids=ids_st, data=st.data())
def test_crowdtangle_csv_truncation_keeps_complete_rows(
    ids: list[int], data: st.DataObject
) -> None:
    blob, ends = csv_blob(CT_HEADER, [_ct_row(7, i) for i in ids])
    cut = data.draw(st.integers(min_value=0, max_value=len(blob)))
    read_ids = {p.post_id for p in read_bytes(crowdtangle.READER, blob[:cut]).posts}
    complete = {f"7_{i}" for i, end in zip(ids, ends, strict=True) if end <= cut}
    assert complete <= read_ids <= {f"7_{i}" for i in ids}


@settings(max_examples=60, deadline=None)
@given(ids=ids_st, garbage=garbage_st, data=st.data())
def test_crowdtangle_csv_corrupt_row_loses_nothing_else(
    ids: list[int], garbage: str, data: st.DataObject
) -> None:
    damaged = data.draw(st.integers(min_value=0, max_value=len(ids) - 1))
    blob, _ = csv_blob(CT_HEADER, [_ct_row(7, i) for i in ids])
    lines = blob.split(b"\r\n")
    lines[damaged + 1] = garbage.encode("utf-8")
    result = read_bytes(crowdtangle.READER, b"\r\n".join(lines))
    others = {f"7_{i}" for n, i in enumerate(ids) if n != damaged}
    assert others <= {p.post_id for p in result.posts}


# -- coordination-network-toolkit CSV --------------------------------------------------------

CNT_SAMPLE = "generic_csv/qut_cnt_sample_data.csv"
CNT_CORETWEET = "generic_csv/qut_cnt_coretweet_test_input.csv"


def test_cnt_sample_data() -> None:
    path = fixture_path(CNT_SAMPLE)
    assert detect(path).name == "cnt-csv"
    result = read_all(cnt.READER, path)
    assert len(result.collected) == 100
    assert not result.context and not result.dead and not result.deletes and not result.skipped
    posts = {p.post_id: p for p in result.posts}
    assert sum(p.kind == "repost" for p in result.posts) == 27
    assert sum(p.kind == "reply" for p in result.posts) == 15
    first = posts["1"]
    assert (first.platform, first.author_id, first.author_handle) == ("cnt", "4", "user_4")
    assert first.kind == "post" and first.text == "mango reindeer apple"
    assert first.created_at == datetime.fromtimestamp(1606451170.518101, tz=UTC)
    assert first.urls == ["http://example.com/2"]
    assert posts["2"].kind == "repost" and posts["2"].parent_id == "1"
    assert posts["2"].urls == ["http://example.com/4", "http://example.com/6"]
    assert posts["12"].kind == "reply" and posts["12"].parent_id == "10"
    assert posts["5"].urls == []


def test_cnt_coretweet_input_with_bom_and_crlf() -> None:
    path = fixture_path(CNT_CORETWEET)
    assert detect(path).name == "cnt-csv"
    result = read_all(cnt.READER, path)
    assert len(result.collected) == 15 and not result.dead
    first = result.posts[0]
    assert first.post_id == "0" and first.author_id == "uid0"
    assert first.kind == "repost" and first.parent_id == "rtid0"
    assert first.created_at == utc(1970, 1, 1)
    assert first.text == "Example tweet from uid0" and first.urls == []


def test_cnt_bad_rows_are_dead_letters() -> None:
    data = (
        b"message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"
        b"1,u,n,,,ok,10,a.com b.com\n"
        b",u,n,,,no id,10,\n"
        b"3,u,n,,,bad time,yesterday,\n"
        b"4,u,n,,,too,many,cells,here\n"
        b"5,u,n,,7,reply,11.5,\n"
    )
    result = read_bytes(cnt.READER, data)
    assert [(p.post_id, p.kind, p.parent_id) for p in result.posts] == [
        ("1", "post", None),
        ("5", "reply", "7"),
    ]
    assert result.posts[0].urls == ["a.com", "b.com"]
    assert [d.record for d in result.dead] == [2, 3, 4]
    assert "timestamp" in result.dead[1].reason


def _cnt_row(i: int) -> list[str]:
    reply_to = str(i - 1) if i % 2 else ""
    urls = f"http://e.com/{i} http://f.com/{i}"
    return [str(i), f"u{i % 3}", f"user{i % 3}", "", reply_to, f'text, "{i}"', f"{i}.25", urls]


@settings(max_examples=80, deadline=None)
@given(ids=ids_st, data=st.data())
def test_cnt_truncation_keeps_complete_rows(ids: list[int], data: st.DataObject) -> None:
    blob, ends = csv_blob(cnt.COLUMNS, [_cnt_row(i) for i in ids])
    cut = data.draw(st.integers(min_value=0, max_value=len(blob)))
    read_ids = {p.post_id for p in read_bytes(cnt.READER, blob[:cut]).posts}
    complete = {str(i) for i, end in zip(ids, ends, strict=True) if end <= cut}
    assert complete <= read_ids <= {str(i) for i in ids}


@settings(max_examples=60, deadline=None)
@given(ids=ids_st, garbage=garbage_st, data=st.data())
def test_cnt_corrupt_row_loses_nothing_else(
    ids: list[int], garbage: str, data: st.DataObject
) -> None:
    damaged = data.draw(st.integers(min_value=0, max_value=len(ids) - 1))
    blob, _ = csv_blob(cnt.COLUMNS, [_cnt_row(i) for i in ids])
    lines = blob.split(b"\r\n")
    lines[damaged + 1] = garbage.encode("utf-8")
    result = read_bytes(cnt.READER, b"\r\n".join(lines))
    others = {str(i) for n, i in enumerate(ids) if n != damaged}
    assert others <= {p.post_id for p in result.posts}


token_st = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=12)
url_st = st.builds(
    lambda path: f"https://example.org/{path}",
    st.text(alphabet="abcXYZ019/.,?=&%#_-", max_size=20),
)


@st.composite
def cnt_posts(draw: st.DrawFn) -> list[Post]:
    ids = draw(st.lists(token_st, min_size=0, max_size=8, unique=True))
    posts = []
    for post_id in ids:
        kind: Kind = draw(st.sampled_from(["post", "repost", "reply"]))
        posts.append(
            Post(
                platform="twitter",
                post_id=post_id,
                author_id=draw(st.one_of(st.none(), token_st)),
                author_handle=draw(st.one_of(st.none(), token_st)),
                created_at=draw(
                    st.datetimes(
                        min_value=datetime(1900, 1, 1),
                        max_value=datetime(2100, 1, 1),
                        timezones=st.just(UTC),
                    )
                ),
                text=draw(st.one_of(st.none(), st.text(min_size=1, max_size=40))),
                kind=kind,
                parent_id=None if kind == "post" else draw(token_st),
                urls=draw(st.lists(url_st, max_size=3)),
            )
        )
    return posts


@settings(max_examples=80, deadline=None)
@given(posts=cnt_posts())
def test_cnt_writer_round_trip(posts: list[Post]) -> None:
    out = io.StringIO(newline="")
    assert cnt.write_cnt_csv(posts, out) == len(posts)
    data = out.getvalue().encode("utf-8")
    assert cnt.sniff(sample(data))
    result = read_bytes(cnt.READER, data)
    assert not result.dead
    fields = ("post_id", "author_id", "author_handle", "created_at", "text", "kind", "parent_id")
    assert [[getattr(p, f) for f in fields] + [p.urls] for p in result.posts] == [
        [getattr(p, f) for f in fields] + [p.urls] for p in posts
    ]
    assert all(p.platform == "cnt" for p in result.posts)


def test_cnt_writer_layout() -> None:
    posts = [
        Post(platform="x", post_id="1", author_id="u", author_handle="h",
             created_at=utc(2021, 1, 1, 0, 0, 0, 500), text="a, b\nc",
             urls=["http://a.com/x y", "http://b.com"]),
        Post(platform="x", post_id="2", kind="comment", parent_id="1", created_at=utc(2021, 1, 1)),
        Post(platform="x", post_id="3", kind="quote", parent_id="1", created_at=utc(2021, 1, 1)),
        Post(platform="x", post_id="4", text="no time"),
    ]  # fmt: skip
    out = io.StringIO(newline="")
    assert cnt.write_cnt_csv(posts, out) == 3
    assert out.getvalue().split("\r\n") == [
        "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls",
        '1,u,h,,,"a, b\nc",1609459200.000500,http://a.com/x%20y http://b.com',
        "2,,,,1,,1609459200,",
        "3,,,,,,1609459200,",
        "",
    ]


def test_cnt_writer_output_is_what_the_toolkit_reads(tmp_path: Path) -> None:
    import sqlite3

    preprocess = pytest.importorskip("coordination_network_toolkit.preprocess")
    posts = [
        Post(platform="x", post_id="1", author_id="u1", author_handle="a",
             created_at=utc(2021, 1, 1, 0, 0, 0, 123456), text='say "hi", ok', urls=["http://a.com"]),
        Post(platform="x", post_id="2", author_id="u2", author_handle="b", kind="repost",
             parent_id="1", created_at=utc(2021, 1, 1, 0, 0, 5), text="RT"),
        Post(platform="x", post_id="3", author_id="u3", kind="reply", parent_id="1",
             created_at=utc(2021, 1, 1, 0, 1)),
    ]  # fmt: skip
    csv_path = tmp_path / "messages.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as out:
        cnt.write_cnt_csv(posts, out)
    db_path = tmp_path / "cnt.db"
    preprocess.preprocess_csv_files(str(db_path), [str(csv_path)])
    db = sqlite3.connect(db_path)
    try:
        rows = list(
            db.execute(
                "select message_id, user_id, username, repost_id, reply_id, message, timestamp "
                "from edge order by message_id"
            )
        )
        urls = list(db.execute("select message_id, url from message_url order by message_id"))
    finally:
        db.close()
    assert rows == [
        ("1", "u1", "a", None, None, 'say "hi", ok', 1609459200.123456),
        ("2", "u2", "b", "1", None, "RT", 1609459205.0),
        ("3", "u3", "", None, "1", "", 1609459260.0),
    ]
    assert urls == [("1", "http://a.com"), ("3", "")]  # the toolkit's empty URL, see the writer


# -- generic --------------------------------------------------------------------------------

TRUMP = "generic_csv/fivethirtyeight__trump-twitter_realDonaldTrump_poll_tweets.csv"


def test_generic_fixture_files() -> None:
    path = fixture_path(TRUMP)
    assert detect(path).name == "generic"
    result = read_all(generic.READER, path)
    assert len(result.collected) == 448
    assert not result.context and not result.dead and not result.deletes and not result.skipped
    first, _, third = result.posts[:3]
    assert first.post_id == "765629939811020802"
    assert first.platform == "generic" and first.kind == "post"
    assert first.created_at == utc(2016, 8, 16, 19, 22, 57)
    assert first.text == "It's just a 2-point race, Clinton 38%, Trump 36%' https://t.co/EzDzJ4EzIN"
    assert (
        third.text == "Great new poll - thank you!\n#MakeAmericaGreatAgain https://t.co/mXovx0TLPC"
    )
    assert result.posts[-1].post_id == "627526914169806849"
    assert result.posts[-1].created_at == utc(2015, 8, 1, 17, 10, 49)
    assert result.posts[-1].record == 448
    # The toolkit's tables are recognised as theirs, ahead of the generic reader.
    for name in (CNT_SAMPLE, CNT_CORETWEET):
        assert detect(fixture_path(name)).name == "cnt-csv"


def test_generic_json_lines() -> None:
    lines = [
        {"id": 1, "text": "hello", "created_at": "Wed Oct 10 20:19:24 +0000 2018",
         "user": {"id": 5}, "screen_name": "@ann", "hashtags": ["#x", "y"],
         "urls": "['http://a.com', 'http://b.com']", "likes": "1,234", "lang": "en"},
        {"id": "2", "body": "b", "date": 1600000000, "kind": "retweet", "parent_id": 1,
         "platform": "Mastodon", "mentions": "@a, @b"},
        [1, 2],
        {"text": "no id"},
        {"id": 3, "text": "t", "created_at": "yesterday"},
        {"id": 4, "text": "t", "in_reply_to_status_id": "1",
         "timestamp": "2020-01-01T00:00:00+02:00"},
        {"id": 5, "text": "t", "kind": "shout"},
    ]  # fmt: skip
    data = b"\n".join(json.dumps(x).encode() for x in lines) + b'\n{"id": 6, "te'
    assert generic.sniff(sample(data))
    result = read_bytes(generic.READER, data)
    one, two, four = result.posts
    assert one.post_id == "1" and one.text == "hello"
    assert one.created_at == utc(2018, 10, 10, 20, 19, 24)
    assert one.author_id == "ann" and one.author_handle == "ann"  # "user" is an object: ignored
    assert one.hashtags == ["x", "y"]
    assert one.urls == ["http://a.com", "http://b.com"]
    assert one.metrics == Metrics(likes=1234)
    assert one.source_lang == "en"
    assert two.platform == "mastodon" and two.kind == "repost" and two.parent_id == "1"
    assert two.text == "b" and two.mentions == ["a", "b"]
    assert two.created_at == utc(2020, 9, 13, 12, 26, 40)
    assert four.kind == "reply" and four.parent_id == "1"
    assert four.created_at == utc(2019, 12, 31, 22)
    reasons = {d.record: d.reason for d in result.dead}
    assert sorted(reasons) == [3, 4, 5, 7, 8]
    assert reasons[3] == "not a JSON object"
    assert "--map post_id=" in reasons[4]
    assert reasons[5] == "unreadable time 'yesterday'"
    assert "unknown kind 'shout'" in reasons[7]
    assert reasons[8].startswith("invalid JSON")


def test_generic_json_array_and_column_map() -> None:
    records = [
        {"key": "a", "body": "x", "user": {"id": 5, "name": "N"}, "when": "2021-02-03"},
        {"key": "b", "body": "y", "user": {"id": 6}, "when": "2/3/2021 4:05"},
    ]
    reader = generic.with_map({"post_id": "key", "text": "body", "author_id": "user.id",
                               "author_name": "user.name", "created_at": "when"})  # fmt: skip
    a, b = read_bytes(reader, json.dumps(records).encode()).posts
    assert (a.post_id, a.text, a.author_id, a.author_name) == ("a", "x", "5", "N")
    assert a.created_at == utc(2021, 2, 3)
    assert (b.post_id, b.author_id, b.author_name, b.record) == ("b", "6", None, 2)
    assert b.created_at == utc(2021, 2, 3, 4, 5)
    # A named column that holds an object is an error, not a silent blank.
    (letter,) = read_bytes(
        generic.with_map({"author_id": "user"}), json.dumps(records[:1]).encode()
    ).dead
    assert "--map author_id=user.id" in letter.reason


def test_generic_csv_column_map_reports_missing_columns() -> None:
    data = b'ID,Body,User,Tags\n1,hello,u1,"a, #b"\n2,,u2,\n'
    result = read_bytes(generic.with_map({"text": "body", "author_id": "account"}), data)
    assert [(d.record, "'account' for author_id" in d.reason) for d in result.dead] == [(0, True)]
    first, second = result.posts
    assert (first.post_id, first.text, first.author_id) == ("1", "hello", None)
    assert second.text is None
    plain = read_bytes(
        generic.with_map({"text": "Body", "author_id": "User", "hashtags": "Tags"}), data
    )
    assert not plain.dead
    assert plain.posts[0].author_id == "u1" and plain.posts[0].hashtags == ["a", "b"]


def test_generic_with_map_rejects_unknown_fields() -> None:
    with pytest.raises(ConfigError, match="valid fields: post_id, text"):
        generic.with_map({"txt": "body"})
    with pytest.raises(ConfigError, match="no column named for text"):
        generic.with_map({"text": " "})


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('["a", "b"]', ["a", "b"]),
        ("['a', \"it's\"]", ["a", "it's"]),
        ("[a, b]", ["a", "b"]),
        ("[]", []),
        ("a b  c", ["a", "b", "c"]),
        ("a,b, c", ["a", "b", "c"]),
        ("http://x.com/a,b http://y.com", ["http://x.com/a,b", "http://y.com"]),
        ("http://x.com,http://y.com", ["http://x.com", "http://y.com"]),
        ("N/A", []),
        ("", []),
    ],
)
def test_generic_list_cells(cell: str, expected: list[str]) -> None:
    assert split_list(cell) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-02-03T04:05:06Z", utc(2021, 2, 3, 4, 5, 6)),
        ("1612325106", utc(2021, 2, 3, 4, 5, 6)),
        (1612325106.5, utc(2021, 2, 3, 4, 5, 6, 500000)),
        ("2/3/2021 4:05:06", utc(2021, 2, 3, 4, 5, 6)),
        ("2/3/21 4:05", utc(2021, 2, 3, 4, 5)),
        ("Wed, 03 Feb 2021 04:05:06 +0100", utc(2021, 2, 3, 3, 5, 6)),
        ("Wed Feb 03 04:05:06 +0000 2021", utc(2021, 2, 3, 4, 5, 6)),
        ("2021-02-03 04:05:06 UTC", utc(2021, 2, 3, 4, 5, 6)),
        ("", None),
    ],
)
def test_generic_time_formats(value: object, expected: datetime | None) -> None:
    assert generic.TimeParser()(value) == expected


def test_generic_sniff() -> None:
    assert generic.sniff(sample(b"tweetid,tweet_text,lang\n1,a,en\n"))
    assert generic.sniff(sample(b'{"post_id": "1", "content": "x"}\n'))
    assert generic.sniff(sample(b'[{"ID": 1, "Message": "x"}]'))
    assert not generic.sniff(sample(b"name,age\nann,3\n"))
    assert not generic.sniff(sample(b'{"id": 1, "score": 3}\n'))
    assert not generic.sniff(sample(b"just some text\n"))


GENERIC_HEADER = ("id", "created_at", "text")


def _generic_row(i: int) -> list[str]:
    return [str(i), f"{1 + i % 12}/{1 + i % 28}/2016 19:22:{i % 60:02d}", f'text {i}, "q"\nline']


@settings(max_examples=80, deadline=None)
@given(ids=ids_st, data=st.data())
def test_generic_truncation_keeps_complete_rows(ids: list[int], data: st.DataObject) -> None:
    blob, ends = csv_blob(GENERIC_HEADER, [_generic_row(i) for i in ids])
    cut = data.draw(st.integers(min_value=0, max_value=len(blob)))
    read_ids = {p.post_id for p in read_bytes(generic.READER, blob[:cut]).posts}
    complete = {str(i) for i, end in zip(ids, ends, strict=True) if end <= cut}
    assert complete <= read_ids <= {str(i) for i in ids}


@settings(max_examples=60, deadline=None)
@given(ids=ids_st, garbage=garbage_st, data=st.data())
def test_generic_corrupt_row_loses_nothing_else(
    ids: list[int], garbage: str, data: st.DataObject
) -> None:
    damaged = data.draw(st.integers(min_value=0, max_value=len(ids) - 1))
    rows = [[str(i), "2020-01-01", f"text {i}"] for i in ids]
    blob, _ = csv_blob(GENERIC_HEADER, rows)
    lines = blob.split(b"\r\n")
    lines[damaged + 1] = garbage.encode("utf-8")
    result = read_bytes(generic.READER, b"\r\n".join(lines))
    others = {str(i) for n, i in enumerate(ids) if n != damaged}
    assert others <= {p.post_id for p in result.posts}


@settings(max_examples=60, deadline=None)
@given(ids=ids_st, data=st.data())
def test_generic_json_lines_truncation(ids: list[int], data: st.DataObject) -> None:
    lines = [json.dumps({"id": i, "text": f"t{i}"}).encode() for i in ids]
    blob = b"\n".join(lines)
    cut = data.draw(st.integers(min_value=0, max_value=len(blob)))
    result = read_bytes(generic.READER, blob[:cut])
    complete, offset = set(), 0
    for i, line in zip(ids, lines, strict=True):
        offset += len(line)
        if offset <= cut:
            complete.add(str(i))
        offset += 1
    assert complete <= {p.post_id for p in result.posts} <= {str(i) for i in ids}


# -- hostile JSON ---------------------------------------------------------------------------
# Records shaped like the real thing, with any JSON value in any field: a reader must turn
# each into a post whose fields have the store's types, or into a dead letter, never raise.


def leaves(*strings: str) -> st.SearchStrategy[Any]:
    return (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**20), max_value=10**20)
        | st.floats(allow_nan=False)
        | st.text(max_size=8)
        | st.sampled_from(strings)
        | st.lists(st.integers(), max_size=2)
        | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
    )


def shaped(
    fields: dict[str, st.SearchStrategy[Any]], leaf: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """A dict with any subset of `fields`, or sometimes any leaf value instead."""
    return st.fixed_dictionaries({}, optional=fields) | leaf


YT_LEAF = leaves("youtube#video", "youtube#comment", "2024-01-01T00:00:00Z", "12", "@x", "<b>")
YT_COMMENT = shaped(
    {
        "kind": st.just("youtube#comment") | YT_LEAF,
        "id": YT_LEAF,
        "snippet": shaped(
            {
                key: YT_LEAF
                for key in (
                    "authorDisplayName",
                    "textOriginal",
                    "textDisplay",
                    "parentId",
                    "videoId",
                    "likeCount",
                    "publishedAt",
                )
            }
            | {"authorChannelId": shaped({"value": YT_LEAF}, YT_LEAF)},
            YT_LEAF,
        ),
    },
    YT_LEAF,
)
YT_SNIPPET = shaped(
    {
        key: YT_LEAF
        for key in (
            "title",
            "description",
            "channelId",
            "channelTitle",
            "publishedAt",
            "defaultLanguage",
            "videoId",
            "totalReplyCount",
        )
    }
    | {"topLevelComment": YT_COMMENT},
    YT_LEAF,
)
YT_ITEM = st.one_of(
    YT_COMMENT,
    shaped(
        {
            "kind": st.sampled_from(["youtube#video", "youtube#commentThread"]) | YT_LEAF,
            "id": YT_LEAF,
            "snippet": YT_SNIPPET,
            "statistics": shaped({"likeCount": YT_LEAF, "viewCount": YT_LEAF}, YT_LEAF),
            "replies": shaped({"comments": st.lists(YT_COMMENT, max_size=2)}, YT_LEAF),
        },
        YT_LEAF,
    ),
    shaped(
        {
            "kind": st.just("youtube#searchResult"),
            "id": shaped({"kind": st.just("youtube#video") | YT_LEAF, "videoId": YT_LEAF}, YT_LEAF),
            "snippet": YT_SNIPPET,
        },
        YT_LEAF,
    ),
)


@settings(max_examples=100, deadline=None)
@given(items=st.lists(YT_ITEM, max_size=4), wrap=st.booleans())
def test_youtube_hostile_json_never_raises(items: list[Any], wrap: bool) -> None:
    document: Any = {"kind": "youtube#videoListResponse", "items": items} if wrap else items
    result = read_bytes(youtube.READER, json.dumps(document).encode())
    posts_to_table(result.posts)


CT_LEAF = leaves("Facebook", "2020-01-21 16:58:43", "und", "https://x.org", "12")
CT_POST = shaped(
    {
        key: CT_LEAF
        for key in (
            "platformId",
            "id",
            "platform",
            "date",
            "message",
            "title",
            "description",
            "link",
            "languageCode",
        )
    }
    | {
        "account": shaped({k: CT_LEAF for k in ("id", "platformId", "handle", "name")}, CT_LEAF),
        "statistics": shaped(
            {"actual": shaped({"likeCount": CT_LEAF, "shareCount": CT_LEAF}, CT_LEAF)}, CT_LEAF
        ),
        "expandedLinks": st.lists(shaped({"expanded": CT_LEAF}, CT_LEAF), max_size=2) | CT_LEAF,
    },
    CT_LEAF,
)


@settings(max_examples=100, deadline=None)
@given(posts=st.lists(CT_POST, max_size=4), wrap=st.booleans())
def test_crowdtangle_hostile_json_never_raises(posts: list[Any], wrap: bool) -> None:
    document: Any = {"status": 200, "result": {"posts": posts}} if wrap else posts
    result = read_bytes(crowdtangle.READER, json.dumps(document).encode())
    posts_to_table(result.posts)


GENERIC_LEAF = leaves("1/2/2020 3:04", "retweet", "[1, 2]", "['a', 'b']", "1e400", "N/A")
GENERIC_RECORD = shaped(
    {column: GENERIC_LEAF for columns in generic.FIELDS.values() for column in columns[:2]},
    GENERIC_LEAF,
)


@settings(max_examples=100, deadline=None)
@given(records=st.lists(GENERIC_RECORD, max_size=5))
def test_generic_hostile_json_lines_never_raise(records: list[Any]) -> None:
    data = b"\n".join(json.dumps(record).encode() for record in records)
    result = read_bytes(generic.READER, data)
    posts_to_table(result.posts)
