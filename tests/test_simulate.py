"""The simulator: determinism, counts, order, the planted truth, and the twarc2 output's shape."""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pyarrow.parquet as pq
import pytest

from voxpop.schema import Post
from voxpop.simulate import Simulation, simulate, write_simulation

POSTS = 20_000
SEED = 11


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    write_simulation(out, posts=POSTS, seed=SEED)
    return out


@pytest.fixture(scope="module")
def pages(written: Path) -> list[dict[str, Any]]:
    with (written / "posts.jsonl").open("rb") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def tweets(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t for page in pages for t in page["data"]]


@pytest.fixture(scope="module")
def truth(written: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((written / "truth.json").read_text("utf-8"))
    return result


@pytest.fixture(scope="module")
def labels(written: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(written / "truth_posts.parquet").to_pylist()
    return rows


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(posts=POSTS, seed=SEED)


@pytest.fixture(scope="module")
def posts(sim: Simulation) -> list[Post]:
    return [p for chunk in sim for p in chunk]


def _when(post: Post) -> datetime:
    assert post.created_at is not None
    return post.created_at


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _by_label(labels: list[dict[str, Any]], column: str) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for row in labels:
        if row[column] is not None:
            groups[row[column]].add(row["post_id"])
    return groups


def _canonical(url: str) -> str:
    """Scheme, www and query dropped: enough to group the simulator's link variants."""
    bare = url.split("://", 1)[-1].removeprefix("www.")
    return bare.split("?", 1)[0].rstrip("/")


# -- determinism, counts, order ---------------------------------------------------------------


def _encoded(chunks: Iterator[list[Post]]) -> list[bytes]:
    return [msgspec.json.encode(chunk) for chunk in chunks]


def test_same_seed_same_posts_other_seed_other_posts() -> None:
    first = _encoded(iter(simulate(posts=5_000, seed=3)))
    assert first == _encoded(iter(simulate(posts=5_000, seed=3)))
    assert first != _encoded(iter(simulate(posts=5_000, seed=4)))


def test_reiterating_regenerates_the_same_posts() -> None:
    sim = simulate(posts=5_000, seed=5)
    assert _encoded(iter(sim)) == _encoded(iter(sim))


def test_written_files_are_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_simulation(tmp_path / name, posts=5_000, seed=9)
    for file in ("posts.jsonl", "truth.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    a = pq.read_table(tmp_path / "a" / "truth_posts.parquet")
    assert a.equals(pq.read_table(tmp_path / "b" / "truth_posts.parquet"))


def test_counts(
    posts: list[Post], tweets: list[dict[str, Any]], truth: dict[str, Any], labels: list[Any]
) -> None:
    assert len(posts) == len(tweets) == len(labels) == POSTS
    assert truth["posts"] == POSTS
    assert truth["accounts"] == POSTS // 20
    assert sum(truth["kinds"].values()) == POSTS
    assert sum(truth["languages"].values()) == POSTS
    assert Counter(p.kind for p in posts) == Counter(truth["kinds"])
    assert Counter(p.source_lang for p in posts) == Counter(truth["languages"])
    assert set(truth["kinds"]) == {"post", "repost", "reply", "quote"}
    assert truth["active_accounts"] == len({p.author_id for p in posts})


def test_time_order_and_ids(posts: list[Post]) -> None:
    times = [_when(p) for p in posts]
    assert times == sorted(times)
    ids = [int(p.post_id) for p in posts]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)  # snowflakes: time in the high bits
    start, end = datetime.fromisoformat("2026-03-02T00:00:00+00:00"), posts[-1].created_at
    assert times[0] is not None and times[0] >= start
    assert end is not None and (end - start).total_seconds() < 7 * 86400
    assert all(p.platform == "twitter" and p.author_id and p.author_id.isdigit() for p in posts)


def test_posts_match_the_written_file(posts: list[Post], tweets: list[dict[str, Any]]) -> None:
    assert [p.post_id for p in posts] == [t["id"] for t in tweets]
    assert [p.text for p in posts] == [t["text"] for t in tweets]


def test_too_small_or_inconsistent_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="posts"):
        simulate(posts=100, seed=1)
    with pytest.raises(ValueError, match="accounts"):
        simulate(posts=5_000, accounts=10, seed=1)
    with pytest.raises(ValueError, match="format"):
        write_simulation(Path("unused"), posts=5_000, seed=1, format="xml")  # type: ignore[arg-type]


# -- realism ----------------------------------------------------------------------------------


def test_activity_is_heavy_tailed(posts: list[Post], truth: dict[str, Any]) -> None:
    per_account = sorted(Counter(p.author_id for p in posts).values(), reverse=True)
    top = per_account[: truth["accounts"] // 100]
    assert sum(top) / POSTS > 0.08  # the top 1% of accounts post far more than 1%
    assert statistics.median(per_account) < POSTS / len(per_account) / 2


def test_reposts_concentrate_on_popular_accounts(posts: list[Post]) -> None:
    reposted = Counter(p.parent_author_id for p in posts if p.kind == "repost")
    top = sum(n for _, n in reposted.most_common(max(1, len(reposted) // 100)))
    assert top / sum(reposted.values()) > 0.1


def test_language_mix(posts: list[Post]) -> None:
    langs = Counter(p.source_lang for p in posts)
    expected = {"en", "es", "fr", "de", "pt", "ar", "zh", "ja", "ru", "tr", "hi", "fa", "id"}
    assert expected | {"ug", "bo"} <= set(langs)
    assert min(langs[code] for code in ("ug", "bo", "zh", "ar")) >= 50
    originals = [p for p in posts if p.kind == "post"]
    ug = [p.text or "" for p in originals if p.source_lang == "ug"]
    bo = [p.text or "" for p in originals if p.source_lang == "bo"]
    # Uyghur's own letters (not in Arabic or Persian), and the Tibetan block.
    assert all(any(ch in "ېۈۆڭۇئ" for ch in text) for text in ug)
    assert all(any("\u0f00" <= ch <= "\u0fff" for ch in text) for text in bo)
    zh = [p.text or "" for p in originals if p.source_lang == "zh"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in zh)


def test_texts_vary(posts: list[Post]) -> None:
    originals = [p.text for p in posts if p.kind == "post"]
    assert len(set(originals)) > 0.6 * len(originals)


def test_links_need_canonicalising(posts: list[Post]) -> None:
    urls = [u for p in posts for u in p.urls]
    assert any("utm_" in u for u in urls)
    assert any("fbclid=" in u for u in urls)
    assert any(
        u.split("/")[2] in {"bit.ly", "ow.ly", "buff.ly", "tinyurl.com", "is.gd"} for u in urls
    )
    shares = Counter(_canonical(u) for u in urls)
    assert shares.most_common(1)[0][1] >= 50  # popular articles
    assert sum(1 for n in shares.values() if n == 1) > 100  # and a long tail


def test_replies_share_their_conversation(posts: list[Post]) -> None:
    by_id = {p.post_id: p for p in posts}
    replies = [p for p in posts if p.kind == "reply"]
    assert replies
    for reply in replies:
        parent = by_id[reply.parent_id or ""]
        assert reply.conversation_id == parent.conversation_id
        assert reply.parent_author_id == parent.author_id
        assert (reply.text or "").startswith("@" + (parent.author_handle or ""))
    for repost in (p for p in posts if p.kind == "repost"):
        parent = by_id[repost.parent_id or ""]
        assert (repost.text or "").startswith(f"RT @{parent.author_handle}: ")
        assert repost.source_lang == parent.source_lang
        assert len(repost.text or "") <= 141


# -- the planted truth ------------------------------------------------------------------------


def test_campaigns_are_present(
    posts: list[Post], truth: dict[str, Any], labels: list[dict[str, Any]]
) -> None:
    by_id = {p.post_id: p for p in posts}
    labelled = _by_label(labels, "campaign")
    campaigns = truth["campaigns"]
    assert 4 <= len(campaigns) <= 8
    assert {b for c in campaigns for b in c["behaviours"]} == {
        "co-repost",
        "co-link",
        "near-duplicate",
    }
    assert {c["speed"] for c in campaigns} == {"fast", "slow"}
    assert any(len(c["behaviours"]) > 1 for c in campaigns)
    for c in campaigns:
        members = set(c["members"])
        assert 10 <= len(members) <= 60
        mine = [by_id[i] for i in labelled[c["id"]]]
        assert len(mine) == c["posts"] > 0
        assert {p.author_id for p in mine} == members  # every member acts
        if "co-repost" in c["behaviours"]:
            targets = set(c["target_post_ids"])
            assert targets and {p.parent_id for p in mine if p.kind == "repost"} <= targets
            assert {by_id[t].author_id for t in targets} <= set(c["amplified_accounts"])
        if "co-link" in c["behaviours"]:
            shared = {_canonical(u) for p in mine for u in p.urls}
            assert {_canonical(u) for u in c["urls"]} <= shared
            # the links are rare: nobody outside the campaign posts them
            others = (p for p in posts if p.post_id not in labelled[c["id"]])
            assert not {_canonical(u) for p in others for u in p.urls} & {
                _canonical(u) for u in c["urls"]
            }
        # members also post ordinary content
        assert any(p.author_id in members for p in posts if p.post_id not in labelled[c["id"]])


def test_near_duplicates_are_near(
    posts: list[Post], truth: dict[str, Any], labels: list[dict[str, Any]]
) -> None:
    by_id = {p.post_id: p for p in posts}
    labelled = _by_label(labels, "campaign")
    for c in truth["campaigns"]:
        if c["behaviours"] != ["near-duplicate"]:
            continue
        texts = [by_id[i].text or "" for i in labelled[c["id"]]]
        assert len(set(texts)) > len(texts) / 3  # edited copies, not one text
        words = Counter(w for t in texts for w in set(t.split()))
        assert words.most_common(1)[0][1] > len(texts) / 4  # but sharing most of their words


def test_organic_look_alikes_are_present(
    posts: list[Post], truth: dict[str, Any], labels: list[dict[str, Any]]
) -> None:
    by_id = {p.post_id: p for p in posts}
    labelled = _by_label(labels, "organic")
    types = Counter(o["type"] for o in truth["organic"])
    assert set(types) == {"viral_burst", "fan_community", "share_button"}
    for group in truth["organic"]:
        mine = [by_id[i] for i in labelled[group["id"]]]
        assert len(mine) == group["posts"] > 0
        authors = {p.author_id for p in mine}
        if group["type"] == "viral_burst":
            assert group["seed_post_id"] in labelled[group["id"]]
            assert authors == set(group["accounts"]) | {group["seed_account_id"]}
            assert len(group["accounts"]) >= 100
            assert all(p.parent_id == group["seed_post_id"] for p in mine if p.kind != "post")
        elif group["type"] == "fan_community":
            assert authors == set(group["accounts"]) | {group["star_account_id"]}
            stars = set(group["star_post_ids"])
            assert len(stars) >= 10
            assert all(p.parent_id in stars for p in mine if p.kind != "post")
        else:
            assert authors == set(group["accounts"])
            # identical text but for each tweet's own t.co link
            assert {(p.text or "").rsplit(" ", 1)[0] for p in mine} == {group["text"]}
            assert {u for p in mine for u in p.urls} == {group["url"]}
            spread = max(_when(p) for p in mine) - min(_when(p) for p in mine)
            assert spread.total_seconds() > 3600


def test_surges_jump_at_onset(
    posts: list[Post], truth: dict[str, Any], labels: list[dict[str, Any]]
) -> None:
    by_id = {p.post_id: p for p in posts}
    labelled = _by_label(labels, "surge")
    assert len(truth["surges"]) >= 3
    for surge in truth["surges"]:
        onset, peak, end = (_time(surge[k]) for k in ("onset", "peak", "end"))
        assert onset < peak < end
        mine = [by_id[i] for i in labelled[surge["id"]]]
        assert len(mine) == surge["posts"] == sum(surge["hourly"]) > 40
        assert all(onset <= _when(p) <= end for p in mine)
        tag = surge["hashtag"]
        assert all(tag in p.hashtags for p in mine if p.kind != "repost")
        before = [p for p in posts if tag in p.hashtags and _when(p) < onset]
        hours_before = (onset - _time(truth["start"])).total_seconds() / 3600
        rate_before = len(before) / max(hours_before, 1.0)
        rate_after = len(mine) / ((end - onset).total_seconds() / 3600)
        assert rate_after > 10 * max(rate_before, 0.1)
        # Breaking news: at its peak within the hour, and already busy in its first hour (a
        # rise from zero slope, as t², held almost nothing there: docs/surges.md).
        assert peak - onset <= timedelta(hours=1)
        hour = timedelta(hours=1)
        first_hour = sum(onset <= _when(p) < onset + hour for p in mine)
        after_peak = sum(peak <= _when(p) < peak + hour for p in mine)
        assert first_hour >= 0.2 * after_peak
        hourly = surge["hourly"]
        assert hourly.index(max(hourly)) == pytest.approx(
            (peak - _time(truth["start"])).total_seconds() / 3600, abs=4
        )


def test_narratives(posts: list[Post], truth: dict[str, Any], labels: list[dict[str, Any]]) -> None:
    by_id = {p.post_id: p for p in posts}
    labelled = _by_label(labels, "narrative")
    narratives = truth["narratives"]
    assert len(narratives) >= 6
    total = 0
    for narrative in narratives:
        mine = [by_id[i] for i in labelled[narrative["id"]]]
        assert len(mine) == narrative["posts"] == sum(narrative["hourly"]) > 0
        langs = {p.source_lang for p in mine}
        assert len(langs) >= 3 and langs <= set(narrative["languages"])
        total += len(mine)
    assert total < POSTS / 2  # most posts are chatter: no narrative
    assert any(n["surges"] for n in narratives)


def test_labels_follow_posts(
    posts: list[Post], truth: dict[str, Any], labels: list[dict[str, Any]]
) -> None:
    assert [row["post_id"] for row in labels] == [p.post_id for p in posts]
    members = {c["id"]: set(c["members"]) for c in truth["campaigns"]}
    surge_narrative = {s["id"]: s["narrative"] for s in truth["surges"]}
    label_of = {row["post_id"]: row for row in labels}
    for row, post in zip(labels, posts, strict=True):
        if row["campaign"] is not None:
            assert post.author_id in members[row["campaign"]]
        if row["surge"] is not None:
            assert row["narrative"] == surge_narrative[row["surge"]]
        if post.kind == "repost":  # a repost tells its original's story
            parent = label_of[post.parent_id or ""]
            assert (row["narrative"], row["surge"]) == (parent["narrative"], parent["surge"])


# -- coordination is tighter than organic behaviour -------------------------------------------


def _lags(
    tweets: list[dict[str, Any]], labels: list[dict[str, Any]], column: str, ids: set[str]
) -> list[float]:
    """Seconds from each labelled retweet's original to it, read from the written file."""
    when = {t["id"]: _time(t["created_at"]) for t in tweets}
    chosen = {row["post_id"] for row in labels if row[column] in ids}
    lags = []
    for t in tweets:
        refs = t.get("referenced_tweets") or []
        if t["id"] in chosen and refs and refs[0]["type"] == "retweeted":
            lags.append((when[t["id"]] - when[refs[0]["id"]]).total_seconds())
    return lags


def test_campaign_lags_are_tighter_than_organic(
    tweets: list[dict[str, Any]], truth: dict[str, Any], labels: list[dict[str, Any]]
) -> None:
    corepost = [c for c in truth["campaigns"] if "co-repost" in c["behaviours"]]
    fast = _lags(tweets, labels, "campaign", {c["id"] for c in corepost if c["speed"] == "fast"})
    slow = _lags(tweets, labels, "campaign", {c["id"] for c in corepost if c["speed"] == "slow"})
    organic = _lags(tweets, labels, "organic", {o["id"] for o in truth["organic"]})
    assert fast and slow and organic
    assert max(fast) <= 75
    assert max(slow) <= 1800
    assert statistics.median(fast) < statistics.median(slow) < statistics.median(organic) / 3
    assert statistics.quantiles(organic, n=10)[-1] > 3 * 3600  # organic: a long tail of hours


def test_co_links_cluster_tighter_than_share_buttons(
    tweets: list[dict[str, Any]], truth: dict[str, Any]
) -> None:
    times: dict[str, list[datetime]] = defaultdict(list)
    for t in tweets:
        for url in t.get("entities", {}).get("urls", []):
            times[_canonical(url["expanded_url"])].append(_time(t["created_at"]))

    def spread(url: str) -> float:
        return (max(times[url]) - min(times[url])).total_seconds()

    campaign_urls = [_canonical(u) for c in truth["campaigns"] for u in c["urls"]]
    shares = [_canonical(o["url"]) for o in truth["organic"] if o["type"] == "share_button"]
    assert campaign_urls and shares
    assert max(spread(u) for u in campaign_urls) <= 1800
    assert min(spread(u) for u in shares) > 3 * max(spread(u) for u in campaign_urls)


# -- output formats ---------------------------------------------------------------------------


def test_twarc_pages_have_the_api_shape(pages: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for number, page in enumerate(pages):
        assert set(page) == {"data", "includes", "meta", "__twarc"}
        assert 1 <= len(page["data"]) <= 500
        assert page["meta"]["result_count"] == len(page["data"])
        assert ("next_token" in page["meta"]) == (number < len(pages) - 1)
        assert page["__twarc"]["version"].startswith("2.")
        assert page["__twarc"]["url"].startswith("https://api.twitter.com/2/tweets/search/")
        in_page = {t["id"] for t in page["data"]}
        included = {t["id"] for t in page["includes"].get("tweets", [])}
        # Expansions list every referenced tweet, also those in the page's own data.
        referenced = {r["id"] for t in page["data"] for r in t.get("referenced_tweets", [])}
        assert referenced & in_page <= included
        users = {u["id"] for u in page["includes"]["users"]}
        for tweet in page["data"] + page["includes"].get("tweets", []):
            assert tweet["author_id"] in users
            assert tweet["created_at"].endswith(".000Z") and len(tweet["created_at"]) == 24
            assert set(tweet["public_metrics"]) == {
                "retweet_count",
                "reply_count",
                "like_count",
                "quote_count",
                "impression_count",
            }
            for ref in tweet.get("referenced_tweets", []):
                assert ref["type"] in {"retweeted", "replied_to", "quoted"}
                assert ref["id"] in in_page or ref["id"] in included or ref["id"] in seen
            if "in_reply_to_user_id" in tweet:
                assert tweet["in_reply_to_user_id"] in users
        seen |= in_page
    assert len(seen) == POSTS


def test_twarc_entities_point_into_the_text(tweets: list[dict[str, Any]]) -> None:
    checked = Counter[str]()
    for tweet in tweets:
        text = tweet["text"]
        entities = tweet.get("entities", {})
        for tag in entities.get("hashtags", []):
            assert text[tag["start"] : tag["end"]] == "#" + tag["tag"]
            checked["hashtags"] += 1
        for mention in entities.get("mentions", []):
            assert text[mention["start"] : mention["end"]] == "@" + mention["username"]
            assert mention["id"].isdigit()
            checked["mentions"] += 1
        for url in entities.get("urls", []):
            assert text[url["start"] : url["end"]] == url["url"]
            assert url["url"].startswith("https://t.co/") and len(url["url"]) == 23
            assert url["expanded_url"].startswith("http")
            checked["urls"] += 1
        if tweet.get("referenced_tweets", [{}])[0].get("type") == "retweeted":
            assert text.startswith("RT @")
    assert min(checked.values()) > 100


def test_csv_layout(tmp_path: Path) -> None:
    seen: list[int] = []
    summary = write_simulation(tmp_path, posts=5_000, seed=2, format="csv", progress=seen.append)
    assert summary["posts"] == 5_000 and seen[-1] == 5_000 and seen == sorted(seen)
    with (tmp_path / "posts.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5_000
    assert (
        sum(1 for r in rows if r["repost_id"])
        == json.loads((tmp_path / "truth.json").read_text("utf-8"))["kinds"]["repost"]
    )
    assert pq.read_table(tmp_path / "truth_posts.parquet").num_rows == 5_000


def test_background_generation_writes_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_simulation(tmp_path / "serial", posts=5_000, seed=12)
    monkeypatch.setattr("voxpop.simulate.BACKGROUND_MIN_POSTS", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    write_simulation(tmp_path / "background", posts=5_000, seed=12)
    for file in ("posts.jsonl", "truth.json"):
        serial = (tmp_path / "serial" / file).read_bytes()
        assert serial == (tmp_path / "background" / file).read_bytes()
    labels = pq.read_table(tmp_path / "serial" / "truth_posts.parquet")
    assert labels.equals(pq.read_table(tmp_path / "background" / "truth_posts.parquet"))


def test_stopping_early_stops_the_background_process() -> None:
    sim = simulate(posts=5_000, seed=13)
    chunks = sim.chunks(background=True)
    first = next(chunks)
    assert first.posts
    chunks.close()  # kills the child; must not hang or leave it running
