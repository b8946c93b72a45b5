"""Surge detection: a synthetic series with a daily rhythm, and discovery on simulator truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.surges import evaluate_seed
from voxpop.analyze.surges import discover_surges, surge_events, surges_in_series
from voxpop.schema import Post, posts_to_table
from voxpop.store import Store

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def rhythm_series(seed: int, days: int = 4) -> tuple[list[datetime], list[int], list[float]]:
    """10-minute buckets: totals follow a strong daily cycle; the series is 2% of them, with
    negative-binomial noise (heavy tails)."""
    rng = np.random.default_rng(seed)
    n = days * 144
    hours = np.arange(n) / 6
    totals = 400 * (1.05 + np.sin(2 * np.pi * hours / 24))
    mean = 0.02 * totals
    counts = rng.negative_binomial(5, 5 / (5 + mean))
    buckets = [T0 + timedelta(minutes=10 * i) for i in range(n)]
    return buckets, counts.tolist(), totals.tolist()


def test_no_alarm_on_daily_rhythm_and_heavy_tails() -> None:
    for seed in range(3):
        buckets, counts, totals = rhythm_series(seed)
        assert surges_in_series(counts, buckets, totals=totals) == []
        # Without the totals the detector has only the series' own level to go by; it must
        # still not alarm more than rarely.
        assert len(surges_in_series(counts, buckets)) <= 1


def test_step_detected_quickly() -> None:
    buckets, counts, totals = rhythm_series(7)
    onset = 3 * 144 + 30
    for i in range(onset, onset + 24):
        counts[i] += 80
    found = surges_in_series(counts, buckets, totals=totals)
    assert len(found) == 1
    surge = found[0]
    assert surge.start == buckets[onset]
    assert surge.detected_at - buckets[onset] <= timedelta(minutes=30)
    assert surge.end is not None and surge.magnitude > 3 and surge.significance > 7


def test_slow_ramp_caught_before_its_peak_and_started_where_it_shows() -> None:
    # A quadratic rise over two hours on a heavy-tailed series: the early excess must not be
    # learned as burstiness (which would widen the tail it is tested against, so that the
    # alarm never came). Its first three buckets add 1, 3 and 8 posts to buckets that vary
    # by about 5: the start is where the excess shows, not before the ramp and at most
    # 40 minutes into it.
    for seed in range(3):
        buckets, counts, totals = rhythm_series(seed)
        onset = 3 * 144 + 20
        for k in range(24):
            counts[onset + k] += round(120 * min(k / 12, 1) ** 2)
        [surge] = surges_in_series(counts, buckets, totals=totals)
        assert surge.detected_at - buckets[onset] <= timedelta(hours=2)
        assert -timedelta(minutes=30) <= surge.start - buckets[onset] <= timedelta(minutes=40)


def test_burst_starts_at_the_burst_when_the_level_ran_a_little_high() -> None:
    # Two hours at a quarter above the baseline (a common word whose baseline runs a little
    # low), then one bucket of a campaign's copies: the surge starts at the burst. A CUSUM
    # with a fixed allowance of half a Poisson deviation dated such surges hours early.
    for seed in range(3):
        buckets, counts, totals = rhythm_series(seed)
        burst = 3 * 144 + 40
        for k in range(burst - 12, burst):
            counts[k] += round(0.25 * 0.02 * totals[k])
        counts[burst] += 160
        [surge] = surges_in_series(counts, buckets, totals=totals)
        assert surge.start == buckets[burst]
        assert surge.detected_at == buckets[burst + 1]


def test_discovery_on_simulation(tmp_path: Path) -> None:
    # Small and fast: 30k posts over 4 days, a surge of about 360 posts: every planted surge
    # alarms within 30 minutes of its onset, and nothing false, even by the strict count.
    # bench/surges.py measures the same at 200k and 1M posts over several seeds.
    result = evaluate_seed(1, 30_000, 4.0, tmp_path / "sim.duckdb")
    for planted in result["planted"]:
        assert planted["detected"], planted
        assert planted["delay_min"] <= 30, planted
    assert result["false_per_day"] < 1, result["verdicts"]
    assert result["strict_false_per_day"] < 1, result["verdicts"]


def test_discovery_groups_keys_of_one_event(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    words = [f"word{i}" for i in range(200)]
    posts = [
        Post(
            platform="twitter",
            post_id=f"b{i}",
            source_lang="en",
            created_at=T0 + timedelta(seconds=int(s)),
            text=" ".join(rng.choice(words, 6)),
        )
        for i, s in enumerate(np.sort(rng.uniform(0, 36 * 3600, 20_000)))
    ]
    burst = T0 + timedelta(hours=30)
    posts += [
        Post(
            platform="twitter",
            post_id=f"s{i}",
            source_lang="en",
            hashtags=["DamBreak"],
            created_at=burst + timedelta(seconds=20 * i),
            urls=["https://news.example.org/dam"],
            text=f"the dam upstream has failed, evacuate now #DamBreak {words[i % 200]}",
        )
        for i in range(60)
    ]
    with Store(tmp_path / "d.duckdb") as store:
        store.upsert_posts(posts_to_table(posts))
        found = discover_surges(store)
    events = surge_events(found)
    [event] = [e for e in events if "#dambreak" in e.keys]
    assert {"#dambreak", "term:dam", "term:evacuate", "domain:news.example.org"} <= set(event.keys)
    assert burst <= event.start and event.detected_at <= burst + timedelta(minutes=30)
    # Background chatter of 20,000 posts over 36 hours raises nothing else.
    assert [e.event for e in events] == [event.event]
