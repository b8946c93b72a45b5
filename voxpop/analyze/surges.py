"""Surges: a streaming detector for count series, and discovery of surging hashtags, terms, domains.

The detector (`SurgeDetector`) reads, bucket after bucket, the counts of many series at once
(hashtags, terms, a query's posts) and the total volume of the bucket. Why this model (the
choices are argued in docs/surges.md):

- **Daily rhythm** comes from the total volume: a series' expected count is its recent *share*
  of all posts times this bucket's total, so night and day, weekdays and growth of the
  collection move the baseline without a seasonal model per series (most terms are too sparse
  to learn their own). Discovery makes the total that of the key's languages, each weighted
  by how much the key is used in it. The share is an exponentially weighted average
  (half-life `halflife`) with a small prior, so a never-seen series expects about one post
  per half-life.
- **Heavy tails**: counts are tested against a negative binomial whose dispersion is learned per
  series (a moment estimate, updated outside surges), not a Poisson, so a series that is bursty
  by nature needs a bigger excess to alarm. Discovery counts each original once, in the bucket
  it was first seen, and a repost stands for its original: a cascade of reposts of one post is
  one voice, not a surge of a term.
- **Slow rises**: the test runs on the sums of the last 1, 2, 3, 4 and 6 buckets (5 to 30
  minutes at the default 5-minute buckets), a scan over where the rise began; a slow onset
  that no single bucket makes significant is caught by a sum. The surge's `start` is where the
  excess began: the maximum-likelihood change point, the start of the stretch of recent
  buckets that most likely left the baseline.

A surge alarms when the tail probability P(X >= x) is below `alpha` (with many series, at most
`family_alpha`, split equally between the kinds of key and then among each kind's series) and
at least `min_count` posts are in the window. It
lasts while the last three buckets stay above twice the baseline, and the baseline is frozen
meanwhile (so a long surge does not become normal). Its `peak` is the bucket with the most
posts; `magnitude` is the peak over the baseline; and `significance` is -log10 of the smallest
tail probability seen.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec
import numpy as np
import numpy.typing as npt
from scipy.stats import nbinom

from voxpop.analyze.query import _LANG
from voxpop.analyze.trends import parse_interval
from voxpop.enrich.text import tokens
from voxpop.enrich.urls import url_domain
from voxpop.store import Store

__all__ = [
    "KINDS",
    "Surge",
    "SurgeDetector",
    "SurgeEvent",
    "discover_surges",
    "surge_events",
    "surges_in_series",
]

SurgeKind = Literal["hashtag", "term", "domain", "series"]
KINDS: tuple[SurgeKind, ...] = ("hashtag", "term", "domain")
F64 = npt.NDArray[np.float64]
# Test windows, in buckets: lengths from one bucket to half an hour (at 5-minute buckets), so
# that a rise is tested over the stretch it has been rising, whenever it began. Longer windows
# caught nothing earlier on slow (quadratic) ramps and added false alarms.
_WINDOWS = (1, 2, 3, 4, 6)
_HISTORY = 24  # buckets kept per series: the longest window, and room to find a slow start
_SUSPECT = 1e-3  # a series whose tail is below this: its dispersion is not learned from
_PRIOR_WEIGHT = 10.0  # weight of the prior dispersion, in buckets at a mean of one post
_MINOR_LANGUAGE = 0.05  # a language with a smaller share of a key's posts is not followed
_SHARE_STEP = 0.05  # language shares are rounded to this, so that alike keys share a mixture


class Surge(msgspec.Struct, kw_only=True):
    """One surge of one series. Times are bucket starts (UTC); `end` is None while it lasts."""

    key: str
    kind: str
    start: datetime
    detected_at: datetime  # end of the bucket whose counts raised the alarm
    peak: datetime
    end: datetime | None
    peak_count: int
    expected_at_peak: float
    magnitude: float  # peak count over the expected count at the peak
    excess: float  # posts above the baseline over the whole surge
    posts: int  # posts over the whole surge
    significance: float  # -log10 of the smallest tail probability
    # Discovery: the key of the most significant surge of the same event (keys that surged
    # together in the same posts: a hashtag and the words of the message it came with).
    event: str = ""


class SurgeDetector:
    """Streaming detector for many count series at once: feed it one bucket at a time.

    `update(bucket_start, counts, total)` takes the bucket's counts per series key and the
    total volume of the bucket (all posts; `None` for a series on its own, which is then
    compared with its own recent level). It returns the surges that alarmed in this bucket;
    `active` and `finished` hold the others.
    """

    def __init__(
        self,
        *,
        interval: timedelta = timedelta(minutes=5),
        halflife: timedelta = timedelta(hours=12),
        alpha: float = 1e-7,
        family_alpha: float | None = None,
        min_count: int = 8,
        warmup: timedelta = timedelta(hours=12),
        kind: str = "series",
        prior_dispersion: float = 0.5,
        family: Callable[[str], str] | None = None,
    ) -> None:
        self.interval = interval
        self.alpha = alpha
        self.family_alpha = family_alpha
        self.min_count = min_count
        self.kind = kind
        self.decay = 0.5 ** (interval / halflife)
        self.warmup_buckets = int(warmup / interval)
        self.prior_dispersion = prior_dispersion
        self.buckets_seen = 0
        self.index: dict[str, int] = {}
        self.keys: list[str] = []
        size = 16
        self.share_x = np.zeros(size)  # decayed sum of the series' counts
        self.disp_num = np.zeros(size)  # decayed sums of the dispersion's moment estimate
        self.disp_den = np.zeros(size)
        self.dispersion = np.full(size, prior_dispersion)
        self.share_e = np.zeros(size)  # decayed sum of the series' exposures (totals)
        self.group_of = np.zeros(size, dtype=np.int64)  # index into the bucket's totals
        self.groups: dict[str, int] = {"": 0}
        self.family = family
        self.families: dict[str, int] = {}
        self.family_of = np.zeros(size, dtype=np.int64)
        self.recent_x = np.zeros((size, _HISTORY))  # last buckets' counts, newest last
        self.recent_mu = np.zeros((size, _HISTORY))
        self.active: dict[str, Surge] = {}
        self.finished: list[Surge] = []
        self.last_finished: dict[str, Surge] = {}
        self._times: list[datetime] = []

    def _grow(self, keys: Iterable[str], groups: Mapping[str, str]) -> None:
        new = [key for key in keys if key not in self.index]
        for key in new:
            self.index[key] = len(self.keys)
            self.keys.append(key)
        for name in groups.values():
            self.groups.setdefault(name, len(self.groups))
        if new:
            self._resize()
        for key in new:
            self.group_of[self.index[key]] = self.groups[groups.get(key, "")]
            name = self.family(key) if self.family else ""
            self.family_of[self.index[key]] = self.families.setdefault(name, len(self.families))

    def _resize(self) -> None:
        n = len(self.keys)
        if n > len(self.share_x):
            size = max(n, 2 * len(self.share_x))
            extra = size - len(self.share_x)
            self.share_x = np.concatenate([self.share_x, np.zeros(extra)])
            self.dispersion = np.concatenate(
                [self.dispersion, np.full(extra, self.prior_dispersion)]
            )
            self.disp_num = np.concatenate([self.disp_num, np.zeros(extra)])
            self.disp_den = np.concatenate([self.disp_den, np.zeros(extra)])
            self.share_e = np.concatenate([self.share_e, np.zeros(extra)])
            self.group_of = np.concatenate([self.group_of, np.zeros(extra, dtype=np.int64)])
            self.family_of = np.concatenate([self.family_of, np.zeros(extra, dtype=np.int64)])
            pad = np.zeros((extra, _HISTORY))
            self.recent_x = np.concatenate([self.recent_x, pad])
            self.recent_mu = np.concatenate([self.recent_mu, pad])

    def update(
        self,
        bucket: datetime,
        counts: Mapping[str, int],
        total: float | Mapping[str, float] | None,
        groups: Mapping[str, str] | None = None,
    ) -> list[Surge]:
        """One bucket: counts per key, and the bucket's total (or totals per group).

        With `groups` (key -> group, such as a language) and totals per group, a key's
        expectation follows the volume of its group: a Spanish word is expected to rise when
        Spanish speakers wake up. Keys without a group follow the "" total (or the sum).
        """
        self._grow(counts, groups or {})
        n = len(self.keys)
        x = np.zeros(len(self.share_x))
        for key, count in counts.items():
            x[self.index[key]] = count
        if total is None:
            by_group = np.ones(len(self.groups))
        elif isinstance(total, Mapping):
            by_group = np.ones(len(self.groups))
            for name, value in total.items():
                if name in self.groups:
                    by_group[self.groups[name]] = max(float(value), 1.0)
            by_group[0] = max(float(total.get("", sum(total.values()))), 1.0)
        else:
            by_group = np.full(len(self.groups), max(float(total), 1.0))
        exposure = by_group[self.group_of]
        # A new key starts from a prior of one post per half-life's worth of its exposure,
        # decayed like the data, so that it is not infinitely surprising and soon forgotten.
        fresh = self.share_e == 0
        fresh[n:] = False
        self.share_x[fresh] = 1.0
        self.share_e[fresh] = exposure[fresh] / (1 - self.decay)
        fresh = self.share_e == 0
        self.buckets_seen += 1
        self._times.append(bucket)
        if len(self._times) > _HISTORY:
            self._times.pop(0)
        # Expected share: decayed counts over decayed exposures.
        rate = np.divide(self.share_x, self.share_e, out=np.zeros_like(self.share_x), where=~fresh)
        mu = np.maximum(rate * exposure, 1e-3)
        self.recent_x = np.roll(self.recent_x, -1, axis=1)
        self.recent_mu = np.roll(self.recent_mu, -1, axis=1)
        self.recent_x[:, -1] = x
        self.recent_mu[:, -1] = mu

        alarms: list[Surge] = []
        in_surge = np.zeros(len(self.share_x), dtype=bool)
        suspect = np.zeros(len(self.share_x), dtype=bool)
        for key in list(self.active):
            in_surge[self.index[key]] = True
            self._continue(
                self.active[key], bucket, float(x[self.index[key]]), float(mu[self.index[key]])
            )
        if self.buckets_seen > self.warmup_buckets:
            best_p = self._tail(n)
            suspect[:n] = best_p < _SUSPECT
            candidates = np.nonzero((best_p < self._alphas(n)) & ~in_surge[:n])[0]
            for i in candidates:
                surge = self._open(int(i), bucket, float(best_p[i]))
                if surge is not None:
                    alarms.append(surge)
                in_surge[i] = True
        # A surge must not become the new normal: its buckets teach nothing. The dispersion
        # is also not learned from a bucket where the series is already unusual (tail below
        # _SUSPECT) but not yet significant: learning a growing excess as burstiness would
        # widen the tail it is tested against, and the alarm would never come. The share is
        # learned from those buckets (it was not, at first): leaving out every bucket that
        # runs high, and none that runs low, set common words' baselines 5-15% low, so that
        # any campaign that used the word made it "surge". After the warm-up, counts are cut
        # at 4 standard deviations (plus one post) before they are learned, so a surge's
        # first buckets barely move the baseline.
        quiet = ~in_surge & ~suspect
        learned, tame = x, x
        if self.buckets_seen > self.warmup_buckets:
            cap = mu + 4 * np.sqrt(mu + self.dispersion * mu**2)
            learned, tame = np.minimum(x, cap + 1), np.minimum(x, cap)
        # Dispersion by moments, as a ratio of decayed sums: sum((x-mu)^2 - x) / sum(mu^2),
        # shrunk towards the prior by a fixed weight (10 buckets at a mean of 1): weighting by
        # mu^2 keeps near-empty buckets from ruling it, and for a sparse series, whose
        # dispersion the data cannot pin down, the prior stays in charge.
        self.disp_num = self.decay * self.disp_num + np.where(quiet, (tame - mu) ** 2 - tame, 0)
        self.disp_den = self.decay * self.disp_den + np.where(quiet, mu**2, 0.0)
        self.dispersion = np.clip(
            (self.disp_num + _PRIOR_WEIGHT * self.prior_dispersion)
            / (self.disp_den + _PRIOR_WEIGHT),
            0.01,
            10.0,
        )
        self.share_x = self.decay * self.share_x + np.where(in_surge, mu, learned)
        self.share_e = self.decay * self.share_e + exposure
        return alarms

    def _alphas(self, n: int) -> F64:
        """Per series, the tail probability that alarms.

        With many series tested at once, the chance that *some* series alarms by luck grows
        with their number: `family_alpha` bounds it (Bonferroni) per bucket. The budget is
        split equally between the families (kinds of key), then among each family's series:
        tens of thousands of terms do not drown the few hundred hashtags' sensitivity.
        """
        alphas = np.full(n, self.alpha)
        if self.family_alpha is not None:
            sizes = np.bincount(self.family_of[:n], minlength=len(self.families) or 1)
            share = self.family_alpha / max(int(np.count_nonzero(sizes)), 1)
            alphas = np.minimum(alphas, share / np.maximum(sizes[self.family_of[:n]], 1))
        return alphas

    def _tail(self, n: int) -> F64:
        """Per series, the smallest tail probability over the windows."""
        best_p = np.ones(n)
        filled = min(self.buckets_seen, max(_WINDOWS))
        for w in _WINDOWS:
            if w > filled:
                break
            xs = self.recent_x[:n, -w:].sum(axis=1)
            mus = self.recent_mu[:n, -w:].sum(axis=1)
            eligible = xs >= self.min_count
            if not eligible.any():
                continue
            # A sum of w independent NB(r, p) counts is NB(w·r, p).
            size = w / self.dispersion[:n][eligible]
            mean = mus[eligible]
            p = np.ones(n)
            p[eligible] = nbinom.sf(xs[eligible] - 1, size, size / (size + mean))
            np.minimum(best_p, p, out=best_p)
        return best_p

    def _open(self, i: int, bucket: datetime, p: float) -> Surge | None:
        """A new surge for series i, or None when it is the last one resuming."""
        xs, mus = self.recent_x[i], self.recent_mu[i]
        times = self._times
        offset = len(xs) - len(times)  # slots before the first bucket ever seen are empty
        # The start of the excess: the recent stretch of buckets, ending now, that is most
        # likely to have left the baseline, i.e. whose log-likelihood ratio for "the level
        # rose to its observed mean" against "the baseline held" is largest (the maximum
        # likelihood change point). A stretch of slightly-high buckets long before the burst
        # adds more expectation than evidence, so it is not taken for the start, as it was by
        # a CUSUM with a fixed allowance when a common word's baseline ran a little low.
        observed = np.cumsum(xs[offset:][::-1])  # observed[k]: posts in the last k + 1 buckets
        expected = np.cumsum(mus[offset:][::-1])
        ratio = np.maximum(observed, 1e-9) / expected
        evidence = np.where(ratio > 1, observed * np.log(ratio) - (observed - expected), 0.0)
        first = len(xs) - 1 - int(np.argmax(evidence))
        peak_j = first + int(np.argmax(xs[first:]))
        last = self.last_finished.get(self.keys[i])
        if last is not None and last.end is not None and times[first - offset] <= last.end:
            # It began before the last surge of this series ended: that surge goes on.
            self.finished.remove(last)
            del self.last_finished[last.key]
            last.end = None
            last.significance = max(last.significance, _significance(p))
            self.active[last.key] = last
            self._continue(last, bucket, float(xs[-1]), float(mus[-1]))
            return None
        surge = Surge(
            key=self.keys[i],
            kind=self.kind,
            start=times[first - offset],
            detected_at=bucket + self.interval,
            peak=times[peak_j - offset],
            end=None,
            peak_count=int(xs[peak_j]),
            expected_at_peak=float(mus[peak_j]),
            magnitude=float(xs[peak_j] / mus[peak_j]),
            excess=float((xs[first:] - mus[first:]).sum()),
            posts=int(xs[first:].sum()),
            significance=_significance(p),
            event=self.keys[i],
        )
        self.active[surge.key] = surge
        return surge

    def _continue(self, surge: Surge, bucket: datetime, x: float, mu: float) -> None:
        if bucket + self.interval == surge.detected_at:
            return  # the alarm bucket is already counted
        surge.posts += int(x)
        surge.excess += x - mu
        if x > surge.peak_count:
            surge.peak, surge.peak_count, surge.expected_at_peak = bucket, int(x), mu
            surge.magnitude = x / mu
        i = self.index[surge.key]
        window = self.recent_x[i, -3:].sum()
        if window <= 2 * self.recent_mu[i, -3:].sum():
            surge.end = bucket + self.interval
            self.finished.append(self.active.pop(surge.key))
            self.last_finished[surge.key] = surge

    def close(self) -> list[Surge]:
        """Every surge seen, finished or not, in order of start."""
        return sorted([*self.finished, *self.active.values()], key=lambda s: (s.start, s.key))


class SurgeEvent(msgspec.Struct, kw_only=True):
    """Surges that happened together (see `Surge.event`), led by the most significant one."""

    event: str
    start: datetime
    detected_at: datetime
    peak: datetime
    end: datetime | None
    magnitude: float
    significance: float
    keys: list[str]  # every surging key of the event, most significant first
    surges: list[Surge]


def surge_events(found: Sequence[Surge]) -> list[SurgeEvent]:
    """Group discovered surges by event, in order of first alarm: what `voxpop surges` shows."""
    groups: dict[str, list[Surge]] = defaultdict(list)
    for surge in found:
        groups[surge.event or surge.key].append(surge)
    events = []
    for name, members in groups.items():
        members.sort(key=lambda s: (-s.significance, s.key))
        lead = next((s for s in members if s.key == name), members[0])
        ends = [s.end for s in members]
        events.append(
            SurgeEvent(
                event=name,
                start=min(s.start for s in members),
                detected_at=min(s.detected_at for s in members),
                peak=lead.peak,
                end=None if None in ends else max(e for e in ends if e is not None),
                magnitude=lead.magnitude,
                significance=lead.significance,
                keys=list(dict.fromkeys(s.key for s in members)),
                surges=members,
            )
        )
    return sorted(events, key=lambda e: (e.detected_at, e.event))


def _significance(p: float) -> float:
    return round(-math.log10(p), 2) if p > 0 else 300.0


def surges_in_series(
    counts: Sequence[int],
    buckets: Sequence[datetime],
    *,
    totals: Sequence[float] | None = None,
    key: str = "series",
    alpha: float = 1e-7,
    min_count: int = 8,
    halflife: timedelta = timedelta(hours=12),
    warmup: timedelta = timedelta(hours=12),
) -> list[Surge]:
    """Run the detector over one count series (a `trends` column, say); returns its surges.

    `totals` is the volume of all posts per bucket (the exposure); without it the series is
    compared with its own recent level, which then has to carry any daily rhythm itself.
    """
    interval = buckets[1] - buckets[0] if len(buckets) > 1 else timedelta(hours=1)
    detector = SurgeDetector(
        interval=interval, alpha=alpha, min_count=min_count, halflife=halflife, warmup=warmup
    )
    for j, (bucket, count) in enumerate(zip(buckets, counts, strict=True)):
        detector.update(bucket, {key: int(count)}, None if totals is None else totals[j])
    return detector.close()


def _keys(text: str | None, hashtags: list[str] | None, urls: list[str] | None) -> set[str]:
    keys = {"#" + h.casefold() for h in hashtags or ()}
    keys.update("term:" + t for t in tokens(text) if len(t) > 1 and not t.isdigit())
    keys.update("domain:" + d for u in urls or () if (d := url_domain(u)))
    return keys


def discover_surges(
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    interval: str | timedelta = "5m",
    kinds: Sequence[str] = KINDS,
    alpha: float = 1e-7,
    family_alpha: float = 1e-4,
    min_count: int = 8,
    halflife: timedelta = timedelta(hours=12),
    warmup: timedelta = timedelta(hours=12),
    prior_dispersion: float = 0.5,
) -> list[Surge]:
    """Surging hashtags ("#tag"), terms ("term:word") and domains ("domain:host"), no query.

    The posts are bucketed and fed to a `SurgeDetector` in time order, so the result is what a
    live detector would have said; surges that alarmed in [since, until) are returned. The
    detector reads `warmup` more before `since`, so that its baselines are formed by then.
    Counts collapse reposts into their original: each original counts once, in the bucket it
    was first seen, however often and however long it is reposted.
    """
    step = parse_interval(interval) if isinstance(interval, str) else interval
    bounds = [since - warmup if since else None, until]
    window = """NOT context AND created_at IS NOT NULL
          AND created_at >= coalesce(?, '-infinity'::TIMESTAMPTZ)
          AND created_at < coalesce(?, 'infinity'::TIMESTAMPTZ)"""
    # One row per original (a repost stands for its original), in the bucket where it was
    # first seen: the reposts of one post, however long its cascade runs, are one voice.
    rows = store.con.execute(
        f"""
        SELECT time_bucket(?, min(created_at)) AS bucket, any_value({_LANG}) AS lang,
               coalesce(CASE WHEN kind = 'repost' THEN parent_id END, post_id) AS root,
               any_value(text) FILTER (WHERE kind <> 'repost') AS text,
               any_value(text) AS any_text, any_value(hashtags) AS hashtags,
               any_value(urls) AS urls
        FROM posts WHERE {window}
        GROUP BY root ORDER BY bucket
        """,
        [step, *bounds],
    ).fetchall()
    # The exposure is counted as the keys are: originals, each in the bucket where it was
    # first seen, per language. (All posts, reposts included, made every key of a language
    # "expected" to rise whenever a cascade or a co-repost campaign ran in it.)
    totals: dict[datetime, Counter[str]] = defaultdict(Counter)
    by_bucket: dict[datetime, Counter[str]] = defaultdict(Counter)
    key_langs: dict[str, Counter[str]] = defaultdict(Counter)
    wanted = tuple("#" if k == "hashtag" else f"{k}:" for k in kinds)
    for bucket, lang, _root, text, any_text, hashtags, urls in rows:
        totals[bucket][""] += 1
        totals[bucket][lang or "?"] += 1
        for key in _keys(text if text is not None else any_text, hashtags, urls):
            if key.startswith(wanted):
                by_bucket[bucket][key] += 1
                key_langs[key][lang or "?"] += 1
    if not totals:
        return []
    # A key follows the volume of the languages it is used in, each in the measure it is used
    # in it (see _language_mixes): "me" (English, Spanish, French, Portuguese) rises with
    # the Americas' evening, not with the whole world's volume.
    groups, mixes = _language_mixes(key_langs, totals)
    names = list(mixes)
    langs = sorted({lang for mix in mixes.values() for lang in mix})
    weights = np.array([[mixes[name].get(lang, 0.0) for lang in langs] for name in names])
    for by_lang in totals.values():
        if names:
            mixed = weights @ np.array([float(by_lang[lang]) for lang in langs])
            by_lang.update(dict(zip(names, mixed.tolist(), strict=True)))
    detector = SurgeDetector(
        interval=step,
        halflife=halflife,
        alpha=alpha,
        family_alpha=family_alpha,
        min_count=min_count,
        warmup=warmup,
        prior_dispersion=prior_dispersion,
        family=lambda key: "hashtag" if key.startswith("#") else key.split(":", 1)[0],
    )
    first, last = min(totals), max(totals)
    bucket = first
    while bucket <= last:
        detector.update(bucket, by_bucket.get(bucket, Counter()), totals[bucket], groups)
        bucket += step
    found = [s for s in detector.close() if since is None or s.detected_at > since]
    for surge in found:
        surge.kind = "hashtag" if surge.key.startswith("#") else surge.key.split(":", 1)[0]
    _group_events(found, rows, step)
    return found


def _language_mixes(
    key_langs: Mapping[str, Counter[str]], totals: Mapping[datetime, Counter[str]]
) -> tuple[dict[str, str], dict[str, dict[str, float]]]:
    """Per key, the mixture of language volumes its expectation follows: (key -> mixture
    name, mixture name -> weight per language).

    A key's posts in a language are a fixed fraction of that language's posts, so its
    expected count is the sum over its languages of that fraction times the language's
    volume: the weight of language l is proportional to the key's share of posts in l over
    l's share of all posts. Languages holding under 5% of a key's posts are left out, and
    the shares are rounded to 5% so that keys used alike share one mixture. A key used in
    one language follows that language's volume ("en"); without any posts, the total ("").
    """
    volume: Counter[str] = Counter()
    for by_lang in totals.values():
        volume.update(by_lang)
    everything = volume.pop("", 0)
    groups: dict[str, str] = {}
    mixes: dict[str, dict[str, float]] = {}
    for key, langs in key_langs.items():
        used = {lang: n for lang, n in langs.items() if n >= _MINOR_LANGUAGE * langs.total()}
        part = sum(used.values())
        shares = {lang: round(n / part / _SHARE_STEP) * _SHARE_STEP for lang, n in used.items()}
        shares = {lang: share for lang, share in sorted(shares.items()) if share > 0}
        if not shares:
            continue
        if len(shares) == 1:
            groups[key] = next(iter(shares))
            continue
        name = "+".join(f"{lang}:{share:.2f}" for lang, share in shares.items())
        if name not in mixes:
            rate = {
                lang: share * everything / max(volume[lang], 1) for lang, share in shares.items()
            }
            norm = sum(rate.values())
            mixes[name] = {lang: r / norm for lang, r in rate.items()}
        groups[key] = name
    return groups, mixes


def _group_events(found: list[Surge], rows: list[tuple[Any, ...]], step: timedelta) -> None:
    """Set each surge's `event`: surges that start and alarm within a bucket of each other
    and share at least half of their posts (Jaccard of the originals carrying the keys, from
    start to peak) are one event, named after its most significant key."""
    by_key: dict[str, list[int]] = defaultdict(list)
    needed: set[datetime] = set()
    for n, surge in enumerate(found):
        by_key[surge.key].append(n)
        bucket = surge.start
        while bucket <= surge.peak:
            needed.add(bucket)
            bucket += step
    roots: list[set[str]] = [set() for _ in found]
    for bucket, _lang, root, text, any_text, hashtags, urls in rows:
        if bucket not in needed:
            continue
        for key in _keys(text if text is not None else any_text, hashtags, urls) & by_key.keys():
            for n in by_key[key]:
                if found[n].start <= bucket <= found[n].peak:
                    roots[n].add(root)
    parent = list(range(len(found)))

    def head(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    by_start: dict[datetime, list[int]] = defaultdict(list)
    for n, surge in enumerate(found):
        by_start[surge.start].append(n)
    for n, surge in enumerate(found):
        near = [*by_start.get(surge.start, []), *by_start.get(surge.start + step, [])]
        for m in near:
            if m <= n or abs(found[m].detected_at - surge.detected_at) > step:
                continue
            union = len(roots[n] | roots[m])
            if union and 2 * len(roots[n] & roots[m]) >= union:
                parent[head(m)] = head(n)
    members: dict[int, list[int]] = defaultdict(list)
    for n in range(len(found)):
        members[head(n)].append(n)
    for group in members.values():
        # Named after the most significant member; a hashtag wins a tie (it is what people
        # search for), then the shorter key.
        best = max(
            group,
            key=lambda n: (found[n].significance, found[n].kind == "hashtag", -len(found[n].key)),
        )
        for n in group:
            found[n].event = found[best].key
