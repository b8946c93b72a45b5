"""Setting a simulation up: accounts, link pools, the background plan and the planted events.

Everything here is sized by the number of accounts and planted events, never by the number of
posts, except the background plan: a matrix of post counts per (component, minute), drawn in
one multinomial so that the total is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from voxpop.simulate._phrases import BANKS, CAMPAIGN_TAGS, EMOJI, NARRATIVES, Bank, pick
from voxpop.simulate._truth import (
    Behaviour,
    CampaignTruth,
    NarrativeTruth,
    OrganicTruth,
    SurgeTruth,
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

LANGS: tuple[str, ...] = (
    "en", "es", "fr", "de", "pt", "ar", "zh", "ja", "ru", "tr", "hi", "fa", "id", "ug", "bo",
)  # fmt: skip
LANG_INDEX = {lang: i for i, lang in enumerate(LANGS)}

# Share of background posts per language (before the narrative and surge components).
LANG_SHARE: dict[str, float] = {
    "en": 0.28, "es": 0.10, "fr": 0.045, "de": 0.035, "pt": 0.07, "ar": 0.07, "zh": 0.03,
    "ja": 0.08, "ru": 0.045, "tr": 0.05, "hi": 0.05, "fa": 0.03, "id": 0.05, "ug": 0.012,
    "bo": 0.012,
}  # fmt: skip


class Region(NamedTuple):
    name: str
    tz: float  # UTC offset in hours: drives the daily rhythm of its accounts
    share: float  # of accounts
    langs: tuple[tuple[str, float], ...]  # the first is the region's main language


REGIONS: tuple[Region, ...] = (
    Region("us-east", -5, 0.12, (("en", 0.9), ("es", 0.1))),
    Region("us-west", -8, 0.05, (("en", 0.85), ("es", 0.15))),
    Region("mexico", -6, 0.05, (("es", 1.0),)),
    Region("argentina", -3, 0.04, (("es", 1.0),)),
    Region("brazil", -3, 0.08, (("pt", 1.0),)),
    Region("uk", 0, 0.06, (("en", 1.0),)),
    Region("spain", 1, 0.04, (("es", 1.0),)),
    Region("france", 1, 0.05, (("fr", 1.0),)),
    Region("germany", 1, 0.04, (("de", 1.0),)),
    Region("nigeria", 1, 0.02, (("en", 1.0),)),
    Region("egypt", 2, 0.03, (("ar", 1.0),)),
    Region("gulf", 3, 0.05, (("ar", 1.0),)),
    Region("russia", 3, 0.05, (("ru", 1.0),)),
    Region("turkey", 3, 0.05, (("tr", 1.0),)),
    Region("iran", 3.5, 0.03, (("fa", 1.0),)),
    Region("india", 5.5, 0.07, (("hi", 0.7), ("en", 0.3))),
    Region("xinjiang", 6, 0.012, (("ug", 0.85), ("zh", 0.15))),
    Region("tibet", 6, 0.012, (("bo", 0.85), ("zh", 0.15))),
    Region("indonesia", 7, 0.06, (("id", 1.0),)),
    Region("china", 8, 0.035, (("zh", 1.0),)),
    Region("philippines", 8, 0.02, (("en", 1.0),)),
    Region("japan", 9, 0.07, (("ja", 1.0),)),
)

# Relative posting rate by local hour: a night trough, a late-evening peak.
DIURNAL: tuple[float, ...] = (
    0.45, 0.28, 0.18, 0.13, 0.12, 0.16, 0.30, 0.55, 0.78, 0.90, 0.95, 1.00,
    1.05, 1.00, 0.95, 0.95, 1.00, 1.05, 1.12, 1.25, 1.35, 1.30, 1.05, 0.70,
)  # fmt: skip

POST, REPOST, REPLY, QUOTE = 0, 1, 2, 3
KIND_NAMES: tuple[str, ...] = ("post", "repost", "reply", "quote")

# Background component types and their (post, repost, reply, quote) mix.
CHATTER, NARRATIVE, SURGE, BASELINE = 0, 1, 2, 3
KIND_MIX: dict[int, tuple[float, float, float, float]] = {
    CHATTER: (0.50, 0.30, 0.15, 0.05),
    NARRATIVE: (0.45, 0.38, 0.11, 0.06),
    SURGE: (0.50, 0.40, 0.05, 0.05),
    BASELINE: (0.70, 0.20, 0.05, 0.05),
}

TWITTER_EPOCH_MS = 1288834974657

OUTLETS: dict[str, tuple[str, ...]] = {
    "en": ("dailyherald.example", "worldwire.example", "www.metropost.example"),
    "es": ("www.elnoticiero.example", "diariosur.example"),
    "fr": ("www.lequotidien.example", "infoplus.example"),
    "de": ("www.tagesblatt.example", "nachrichten24.example"),
    "pt": ("folhadodia.example", "www.jornalnacional.example"),
    "ar": ("alakhbar.example", "www.alyawm.example"),
    "zh": ("xinwen.example",),
    "ja": ("www.asahi-news.example", "nippon-times.example"),
    "ru": ("novosti24.example", "www.gazeta-dnya.example"),
    "tr": ("gundem.example", "www.haberturk-gazete.example"),
    "hi": ("samachar.example", "www.bharat-times.example"),
    "fa": ("khabar.example",),
    "id": ("kabarkini.example", "www.detiknews.example"),
}
SECTIONS = ("world", "politics", "business", "sport", "science", "culture", "local", "tech")
SLUGS = (
    "port-strike-talks", "heat-record", "cup-final-report", "central-bank-rates",
    "coral-reef-discovery", "cycle-lanes-plan", "election-results", "glacier-lake-warning",
    "bank-queues", "vaccine-rollout", "transport-chaos", "housing-prices", "tech-layoffs",
    "film-festival", "marathon-results", "water-shortage", "school-reform", "new-metro-line",
)  # fmt: skip
SMALL_SITES = (
    "myblog.example", "petitsite.example", "kleinesblog.example", "tiendaonline.example",
    "photos.example", "recipes-at-home.example", "forum.example", "lojinha.example",
    "podcast.example", "garden-diary.example", "retro-games.example", "hikingnotes.example",
    "medium.example", "substack.example", "sites.example", "portfolio.example",
)  # fmt: skip
SHORTENERS = ("bit.ly", "ow.ly", "buff.ly", "tinyurl.com", "is.gd")
CAMPAIGN_DOMAINS = (
    "patriot-dispatch.example", "truthwire-daily.example", "the-real-story.example",
    "freedom-herald.example", "insider-leaks.example", "citizen-watch.example",
    "open-eyes-news.example", "redpill-report.example",
)  # fmt: skip
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def b62(rng: np.random.Generator, length: int) -> str:
    return "".join(_B62[i] for i in rng.integers(0, 62, size=length))


@dataclass(frozen=True)
class Accounts:
    """Every simulated account, by index; ids are numeric strings like Twitter's."""

    ids: list[str]
    handles: list[str]
    names: list[str]
    region: I64
    lang: I64
    activity: F64  # relative posting rate: heavy-tailed
    popularity: F64  # drives followers and how often the account is reposted
    followers: I64
    following: I64
    statuses: I64


def _allocate(total: int, shares: F64, minimum: int) -> I64:
    """Split `total` into integer parts close to `shares`, each at least `minimum`."""
    counts = np.maximum(np.floor(shares / shares.sum() * total).astype(np.int64), minimum)
    order = np.argsort(-shares)
    i = 0
    while counts.sum() != total:
        j = order[i % len(order)]
        if counts.sum() < total:
            counts[j] += 1
        elif counts[j] > minimum:
            counts[j] -= 1
        i += 1
    return np.asarray(counts, dtype=np.int64)


def make_accounts(n: int, rng: np.random.Generator) -> Accounts:
    shares = np.array([r.share for r in REGIONS])
    region = np.repeat(np.arange(len(REGIONS)), _allocate(n, shares, 2))
    lang = np.empty(n, dtype=np.int64)
    for r, reg in enumerate(REGIONS):
        idx = np.flatnonzero(region == r)
        codes = np.array([LANG_INDEX[code] for code, _ in reg.langs])
        p = np.array([share for _, share in reg.langs])
        lang[idx] = rng.choice(codes, size=len(idx), p=p / p.sum())
        lang[idx[0]] = codes[0]  # every region's main language has at least one account
    perm = rng.permutation(n)
    region, lang = region[perm], lang[perm]
    activity = rng.lognormal(0.0, 1.7, n)
    popularity = np.exp(0.5 * np.log(activity) + rng.normal(0.0, 1.5, n))
    followers = (40 * popularity).astype(np.int64) + rng.integers(0, 30, n)
    following = rng.integers(20, 2000, n)
    statuses = (activity * 800).astype(np.int64) + rng.integers(10, 200, n)

    # A third of the accounts are old (small ids), the rest have snowflake ids of 2013-2025.
    old = rng.random(n) < 0.3
    created_ms = rng.integers(1_360_000_000_000, 1_764_000_000_000, n)
    snow = ((created_ms - TWITTER_EPOCH_MS) << 22) | rng.integers(0, 1 << 22, n)
    ids = np.where(old, rng.integers(1_000_000, 3_000_000_000, n), snow)
    while True:
        _, first_seen = np.unique(ids, return_index=True)
        dup = np.setdiff1d(np.arange(n), first_seen)
        if len(dup) == 0:
            break
        ids[dup] = rng.integers(3_000_000_000, 4_000_000_000, len(dup))

    picks = rng.integers(0, 1 << 30, size=(n, 4)).tolist()
    handles: list[str] = []
    names: list[str] = []
    seen: set[str] = set()
    for i in range(n):
        code = LANGS[lang[i]]
        bank = BANKS[code]
        r = picks[i]
        f, fn = bank.first[r[0] % len(bank.first)]
        last, ln = bank.last[r[1] % len(bank.last)]
        pattern = r[2] % 6
        if pattern == 0:
            h = f + last
        elif pattern == 1:
            h = f + "_" + last
        elif pattern == 2:
            h = f + str(r[3] % 1000)
        elif pattern == 3:
            h = last + "_" + f[0]
        elif pattern == 4:
            h = f[0] + last + str(r[3] % 100)
        else:
            h = f.capitalize() + last.capitalize()
        h = h[:15]
        k = r[3] % 97
        while h.lower() in seen:
            k += 1
            suffix = str(k)
            h = h[: 15 - len(suffix)] + suffix
        seen.add(h.lower())
        handles.append(h)
        if code in ("zh", "ja"):
            names.append(ln + fn)
        elif code == "bo":
            names.append(fn + "་" + ln)
        else:
            names.append(fn + " " + ln)
    return Accounts(
        ids=[str(x) for x in ids.tolist()],
        handles=handles,
        names=names,
        region=region,
        lang=lang,
        activity=activity,
        popularity=popularity,
        followers=followers,
        following=following,
        statuses=statuses,
    )


class Event(NamedTuple):
    """A planted post: its time, author and content are fixed when the world is set up."""

    t: float  # seconds since the start
    author: int
    kind: int
    parent: int  # index of the parent event; -1 for none
    lang: int
    narrative: int  # -1: none
    campaign: int  # -1: not a campaign member's post
    organic: int  # -1: not part of an organic look-alike
    body: str | None  # None: composed like a background post of `narrative` in `lang`
    url: str | None
    tags: tuple[str, ...]
    reposts: int  # retweet_count to report; -1 to draw it like any post
    role: int  # ROLE_* below: whose truth record lists this post's id
    role_group: int


ROLE_NONE, ROLE_TARGET, ROLE_SEED, ROLE_STAR = 0, 1, 2, 3


@dataclass
class Background:
    """The background plan: per (component, minute) post counts and what each component is."""

    ctype: I64
    topic: I64  # pool key part: 0 chatter, then one per narrative, surge and baseline
    narrative: I64
    surge: I64
    lang: I64
    group: I64
    tag: list[str | None]  # hashtag every post of the component carries
    counts: I64  # (components, minutes)


@dataclass
class World:
    start: datetime
    span: float  # seconds
    minutes: int
    posts: int
    accounts: Accounts
    group_cum: F64  # per group g, g + the normalised cumulative activity of its members
    group_members: I64
    background: Background
    events: list[Event]
    campaigns: list[CampaignTruth]
    organic: list[OrganicTruth]
    surges: list[SurgeTruth]
    narratives: list[NarrativeTruth]
    popular_urls: list[str]
    popular_cum: F64
    mention_cum: F64  # cumulative popularity of accounts, for whom posts mention


def _diurnal(minutes: int, start: datetime, tz: float) -> F64:
    hours = np.arange(25, dtype=np.float64)
    per_minute = np.interp(np.arange(1440) / 60.0, hours, np.array((*DIURNAL, DIURNAL[0])))
    offset = start.hour * 60 + start.minute + round(tz * 60)
    return np.asarray(per_minute[(np.arange(minutes) + offset) % 1440], dtype=np.float64)


def _clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


_PATTERNS: tuple[tuple[tuple[Behaviour, ...], str], ...] = (
    (("co-repost",), "fast"),
    (("co-link",), "slow"),
    (("near-duplicate",), "fast"),
    (("co-repost", "near-duplicate"), "slow"),
    (("co-link", "co-repost"), "fast"),
    (("near-duplicate",), "slow"),
    (("co-repost",), "slow"),
    (("co-link", "near-duplicate"), "fast"),
)
_LAGS: dict[str, tuple[float, float, float, float]] = {
    # lo, hi, median, sigma (seconds): fast is bot-like, slow is a scheduled team
    "fast": (2.0, 75.0, 15.0, 0.7),
    "slow": (45.0, 1800.0, 300.0, 0.8),
}


class _Planner:
    """Plants the coordinated campaigns and the organic look-alikes as `events`."""

    def __init__(
        self, posts: int, accounts: Accounts, rng: np.random.Generator, start: datetime, span: float
    ):
        self.P = posts
        self.A = len(accounts.ids)
        self.acc = accounts
        self.rng = rng
        self.world_start = start
        self.span = span
        self.events: list[Event] = []
        self.taken = np.zeros(self.A, dtype=bool)  # campaign members, seeds, stars, amplifiers
        self.by_popularity = np.argsort(-accounts.popularity)
        self.pop_rank = np.argsort(self.by_popularity)  # 0 = most popular
        present = set(accounts.lang.tolist())
        self.langs_of = [
            [LANG_INDEX[code] for code in n.texts if LANG_INDEX[code] in present]
            for n in NARRATIVES
        ]
        act_order = np.argsort(np.argsort(accounts.activity)) / max(self.A - 1, 1)
        self.act_quantile: F64 = act_order.astype(np.float64)

    # -- helpers -------------------------------------------------------------------------------

    def lognormal_lags(self, n: int, median: float, sigma: float, lo: float, hi: float) -> F64:
        lags = self.rng.lognormal(math.log(median), sigma, n)
        return np.clip(lags, lo, hi)

    def at(self, t: float) -> float:
        return _clip(t, 0.0, self.span - 1.0)

    def add(
        self,
        *,
        t: float,
        author: int,
        kind: int,
        lang: int,
        parent: int = -1,
        narrative: int = -1,
        campaign: int = -1,
        organic: int = -1,
        body: str | None = None,
        url: str | None = None,
        tags: tuple[str, ...] = (),
        reposts: int = -1,
        role: int = ROLE_NONE,
        role_group: int = -1,
    ) -> int:
        self.events.append(
            Event(
                t,
                author,
                kind,
                parent,
                lang,
                narrative,
                campaign,
                organic,
                body,
                url,
                tags,
                reposts,
                role,
                role_group,
            )
        )
        return len(self.events) - 1

    def popular(self, count: int, langs: set[int] | None = None) -> list[int]:
        """The most popular accounts not yet taken, preferring the given languages."""
        free = self.by_popularity[~self.taken[self.by_popularity]]
        want = max(count * 3, 5)
        if langs:
            preferred = free[np.isin(self.acc.lang[free], list(langs))]
            free = np.concatenate([preferred[:want], free])
        top = [int(x) for x in dict.fromkeys(free[: want * 2].tolist())][:want]
        picked = [int(x) for x in self.rng.choice(top, size=count, replace=False)]
        self.taken[picked] = True
        return picked

    def narrative_langs(self, n: int) -> list[int]:
        return self.langs_of[n]

    # -- coordinated campaigns -----------------------------------------------------------------

    def campaigns(self) -> list[CampaignTruth]:
        n_campaigns = int(_clip(round(2 + math.log2(self.A / 100)), 4, 8))
        order = self.rng.permutation(len(NARRATIVES))
        out: list[CampaignTruth] = []
        for c in range(n_campaigns):
            behaviours, speed = _PATTERNS[c]
            narrative = int(order[c % len(order)])
            langs = self.narrative_langs(narrative)
            sizes = np.array([np.count_nonzero(self.acc.lang == code) for code in langs])
            n_langs = 2 if (c == 5 and len(langs) > 1) else 1
            chosen = [
                int(x)
                for x in self.rng.choice(langs, size=n_langs, replace=False, p=sizes / sizes.sum())
            ]
            budget = self.P * 0.03 / n_campaigns  # posts by members acting as members
            out.append(self.campaign(c, behaviours, speed, narrative, chosen, budget))
        return out

    def campaign(
        self,
        c: int,
        behaviours: tuple[Behaviour, ...],
        speed: str,
        narrative: int,
        langs: list[int],
        budget: float,
    ) -> CampaignTruth:
        rng = self.rng
        size = int(_clip(round(self.A * rng.uniform(0.01, 0.025)), 10, 60))
        ok = ~self.taken & (self.pop_rank > self.A * 0.02)
        ok &= (self.act_quantile > 0.25) & (self.act_quantile < 0.97)
        candidates = np.flatnonzero(ok)
        preferred = candidates[np.isin(self.acc.lang[candidates], langs)]
        rest = candidates[~np.isin(self.acc.lang[candidates], langs)]
        pool = np.concatenate([rng.permutation(preferred), rng.permutation(rest)])
        members = [int(x) for x in pool[:size]]
        self.taken[members] = True
        amplified = (
            self.popular(int(rng.integers(1, 4)), set(langs)) if ("co-repost" in behaviours) else []
        )

        part = rng.uniform(0.6, 0.9)
        n_actions = int(_clip(round(budget / (size * part)), 8, 60))
        begin = rng.uniform(0.05, 0.45) * self.span
        finish = min(begin + rng.uniform(0.35, 0.5) * self.span, self.span * 0.97)
        times = np.sort(rng.uniform(begin, finish, n_actions))
        joins = rng.random((n_actions, size)) < part
        for a in range(n_actions):  # at least two members act together every time
            if joins[a].sum() < 2:
                joins[a, rng.choice(size, 2, replace=False)] = True
        for idle in np.flatnonzero(~joins.any(axis=0)):
            joins[rng.integers(n_actions), idle] = True

        lo, hi, median, sigma = _LAGS[speed]
        domain = CAMPAIGN_DOMAINS[c % len(CAMPAIGN_DOMAINS)]
        tag = CAMPAIGN_TAGS[c % len(CAMPAIGN_TAGS)]
        narr_tags = NARRATIVES[narrative].tags
        urls: list[str] = []
        member_lang = {
            m: (int(self.acc.lang[m]) if int(self.acc.lang[m]) in langs else langs[0])
            for m in members
        }
        for a in range(n_actions):
            behaviour = behaviours[a % len(behaviours)]
            t0 = float(times[a])
            acting = [members[j] for j in np.flatnonzero(joins[a])]
            lags = self.lognormal_lags(len(acting), median, sigma, lo, hi)
            if behaviour == "co-repost":
                author = amplified[a % len(amplified)]
                lang = int(self.acc.lang[author])
                target = self.add(
                    t=self.at(t0),
                    author=author,
                    kind=POST,
                    lang=lang if lang in self.narrative_langs(narrative) else langs[0],
                    narrative=narrative,
                    reposts=int(len(acting) * rng.uniform(1.3, 4.0)),
                    role=ROLE_TARGET,
                    role_group=c,
                )
                for m, lag in zip(acting, lags, strict=True):
                    self.add(
                        t=self.at(t0 + lag),
                        author=m,
                        kind=REPOST,
                        parent=target,
                        lang=self.events[target].lang,
                        narrative=narrative,
                        campaign=c,
                    )
            elif behaviour == "co-link":
                slug = NARRATIVES[narrative].id
                base = f"https://{domain}/2026/03/{slug}-{a + 1:03d}-{b62(rng, 5).lower()}"
                urls.append(base)
                for m, lag in zip(acting, lags, strict=True):
                    code = LANGS[member_lang[m]]
                    self.add(
                        t=self.at(t0 + lag),
                        author=m,
                        kind=POST,
                        lang=member_lang[m],
                        narrative=narrative,
                        campaign=c,
                        body=pick(NARRATIVES[narrative].texts[code], int(rng.integers(1 << 30))),
                        url=self.link_variant(base, tag),
                        tags=(tag,) if rng.random() < 0.3 else (),
                    )
            else:
                messages = {}
                for code_i in langs:
                    code = LANGS[code_i]
                    texts = NARRATIVES[narrative].texts[code]
                    picks = rng.choice(len(texts), size=min(2, len(texts)), replace=False)
                    messages[code_i] = BANKS[code].sep.join(
                        pick(texts[int(i) : int(i) + 1], int(rng.integers(1 << 30))) for i in picks
                    )
                for m, lag in zip(acting, lags, strict=True):
                    lang = member_lang[m]
                    ntag = narr_tags.get(LANGS[lang], narr_tags["*"])
                    tags = (tag, ntag) if rng.random() < 0.7 else (ntag, tag)
                    self.add(
                        t=self.at(t0 + lag),
                        author=m,
                        kind=POST,
                        lang=lang,
                        narrative=narrative,
                        campaign=c,
                        body=self.near_duplicate(messages[lang], BANKS[LANGS[lang]]),
                        tags=tags if rng.random() < 0.85 else tags[:1],
                    )
        start = self.world_start
        return CampaignTruth(
            id=f"campaign-{c + 1}",
            behaviours=list(behaviours),
            speed="fast" if speed == "fast" else "slow",
            lag_seconds=(lo, hi),
            start=start + timedelta(seconds=float(times[0])),
            end=start + timedelta(seconds=min(float(times[-1]) + hi, self.span)),
            members=[self.acc.ids[m] for m in members],
            amplified_accounts=[self.acc.ids[m] for m in amplified],
            narrative=NARRATIVES[narrative].id,
            languages=[LANGS[x] for x in langs],
            hashtags=[tag] if behaviours != ("co-repost",) else [],
            urls=urls,
            actions=n_actions,
        )

    def link_variant(self, base: str, tag: str) -> str:
        """The same link as different members paste it: tracking junk, scheme, www."""
        x = self.rng.random()
        if x < 0.5:
            return base
        if x < 0.7:
            return f"{base}?utm_source=twitter&utm_medium=social&utm_campaign={tag.lower()}"
        if x < 0.85:
            return f"{base}?fbclid=IwAR{b62(self.rng, 22)}"
        if x < 0.93:
            return "http://" + base.removeprefix("https://")
        return "https://www." + base.removeprefix("https://")

    def near_duplicate(self, message: str, bank: Bank) -> str:
        """A copy of a campaign message with small edits: an interjection, emoji, punctuation."""
        rng = self.rng
        text = message
        cjk = bank.sep == ""
        end_marks = ("。", "！") if cjk else (".", "!", "?", "।", "།", "؟")
        if rng.random() < 0.4 and text.endswith(end_marks):
            text = text[:-1] + str(rng.choice(["！", "！！", "…"] if cjk else ["!", "!!", "…", ""]))
        if rng.random() < 0.3:
            text = str(rng.choice(bank.interject)) + (bank.sep or "") + " " * (not cjk) + text
            text = text.replace("  ", " ")
        if rng.random() < 0.15 and not cjk and text[:1].isalpha():
            words = text.split(" ", 1)
            text = words[0].upper() + (" " + words[1] if len(words) > 1 else "")
        if rng.random() < 0.5:
            picks = rng.choice(len(EMOJI), size=int(rng.integers(1, 3)), replace=False)
            text = text + " " + "".join(EMOJI[int(i)] for i in picks)
        elif rng.random() < 0.3:
            text = "👉 " + text
        return text

    # -- organic look-alikes -------------------------------------------------------------------

    def viral(self, v: int, group: int) -> OrganicTruth:
        rng = self.rng
        seed_author = self.popular(1)[0]
        lang = int(self.acc.lang[seed_author])
        narratives = [n for n in range(len(NARRATIVES)) if lang in self.narrative_langs(n)]
        narrative = int(rng.choice(narratives)) if narratives and rng.random() < 0.5 else -1
        n = int(min(_clip(self.P * 0.01, 60, 3000), self.A * 0.5))
        others = np.flatnonzero(np.arange(self.A) != seed_author)
        reposters = [int(x) for x in rng.choice(others, size=n, replace=False)]
        t0 = rng.uniform(0.05, 0.7) * self.span
        seed = self.add(
            t=self.at(t0),
            author=seed_author,
            kind=POST,
            lang=lang,
            narrative=narrative,
            organic=group,
            reposts=int(n * rng.uniform(1.2, 2.5)),
            role=ROLE_SEED,
            role_group=group,
        )
        lags = self.lognormal_lags(n, rng.uniform(1200, 5400), 1.2, 5.0, 3 * 86400.0)
        kinds = rng.choice([REPOST, QUOTE, REPLY], size=n, p=[0.92, 0.05, 0.03])
        last = t0
        for a, lag, kind in zip(reposters, lags, kinds, strict=True):
            t = self.at(t0 + lag)
            last = max(last, t)
            self.add(
                t=t,
                author=a,
                kind=int(kind),
                parent=seed,
                lang=lang if kind == REPOST else int(self.acc.lang[a]),
                narrative=narrative if kind == REPOST else -1,
                organic=group,
            )
        return OrganicTruth(
            id=f"viral-{v + 1}",
            type="viral_burst",
            accounts=[self.acc.ids[a] for a in reposters],
            start=self.world_start + timedelta(seconds=self.at(t0)),
            end=self.world_start + timedelta(seconds=last),
            narrative=NARRATIVES[narrative].id if narrative >= 0 else None,
            seed_account_id=self.acc.ids[seed_author],
        )

    def fans(self, f: int, group: int) -> OrganicTruth:
        rng = self.rng
        star = self.popular(1)[0]
        n_fans = int(_clip(self.A * 0.04, 12, 150))
        free = np.flatnonzero(~self.taken)
        fans = [int(x) for x in rng.choice(free, size=min(n_fans, len(free)), replace=False)]
        n_posts = int(_clip(self.P * 0.02 / (len(fans) * 0.85), 10, 60))
        tz = REGIONS[int(self.acc.region[star])].tz
        times: list[float] = []
        while len(times) < n_posts:  # the star posts in its own waking hours
            t = rng.uniform(0.02, 0.9) * self.span
            hour = int(((t / 3600.0) + tz + self.world_start.hour) % 24)
            if rng.random() < DIURNAL[hour] / max(DIURNAL):
                times.append(t)
        times.sort()
        eagerness = rng.uniform(0.7, 0.97, len(fans))
        lang = int(self.acc.lang[star])
        last = times[0]
        for t0 in times:
            post = self.add(
                t=self.at(t0),
                author=star,
                kind=POST,
                lang=lang,
                organic=group,
                role=ROLE_STAR,
                role_group=group,
                reposts=int(len(fans) * rng.uniform(1.5, 6.0)),
            )
            acting = [fan for fan, p in zip(fans, eagerness, strict=True) if rng.random() < p]
            lags = self.lognormal_lags(len(acting), 2400.0, 1.0, 60.0, 2 * 86400.0)
            for fan, lag in zip(acting, lags, strict=True):
                t = self.at(t0 + lag)
                last = max(last, t)
                reply = rng.random() < 0.08
                self.add(
                    t=t,
                    author=fan,
                    kind=REPLY if reply else REPOST,
                    parent=post,
                    lang=int(self.acc.lang[fan]) if reply else lang,
                    organic=group,
                )
        return OrganicTruth(
            id=f"fans-{f + 1}",
            type="fan_community",
            accounts=[self.acc.ids[a] for a in fans],
            start=self.world_start + timedelta(seconds=times[0]),
            end=self.world_start + timedelta(seconds=last),
            star_account_id=self.acc.ids[star],
        )

    def share_button(self, s: int, group: int) -> OrganicTruth:
        rng = self.rng
        langs = [LANG_INDEX[c] for c in OUTLETS if BANKS[c].headline]
        sizes = np.array([np.count_nonzero(self.acc.lang == x) for x in langs], dtype=np.float64)
        lang = int(rng.choice(langs, p=sizes / sizes.sum()))
        code = LANGS[lang]
        bank = BANKS[code]
        headline = bank.headline[int(rng.integers(len(bank.headline)))]
        outlet = OUTLETS[code][int(rng.integers(len(OUTLETS[code])))]
        section = SECTIONS[int(rng.integers(len(SECTIONS)))]
        url = f"https://{outlet}/{section}/2026/03/{b62(rng, 8).lower()}"
        if rng.random() < 0.5:  # the outlet's share button adds its own tracking
            url += "?utm_source=twitter&utm_medium=social&utm_campaign=sharebutton"
        group_size = int(sizes[langs.index(lang)])
        n = int(min(_clip(self.P * 0.005, 25, 400), max(2, group_size // 2)))
        speakers = np.flatnonzero(self.acc.lang == lang)
        sharers = [int(x) for x in rng.choice(speakers, size=n, replace=False)]
        t0 = rng.uniform(0.05, 0.8) * self.span
        lags = self.lognormal_lags(n, 5400.0, 0.9, 30.0, 3 * 86400.0)
        last = t0
        for a, lag in zip(sharers, lags, strict=True):
            t = self.at(t0 + lag)
            last = max(last, t)
            self.add(t=t, author=a, kind=POST, lang=lang, organic=group, body=headline, url=url)
        return OrganicTruth(
            id=f"share-{s + 1}",
            type="share_button",
            accounts=[self.acc.ids[a] for a in sharers],
            start=self.world_start + timedelta(seconds=float(t0 + lags.min())),
            end=self.world_start + timedelta(seconds=last),
            url=url,
            text=headline,
        )


def _narrative_curve(shape: str, minutes: int, rng: np.random.Generator) -> F64:
    t = np.arange(minutes, dtype=np.float64)
    if shape == "steady":
        return np.ones(minutes)
    if shape == "rising":
        mid, width = rng.uniform(0.3, 0.7) * minutes, minutes / 20
        return 0.1 + 0.9 / (1.0 + np.exp(-(t - mid) / width))
    centre, width = rng.uniform(0.2, 0.8) * minutes, rng.uniform(0.5, 1.5) * 1440
    return np.asarray(0.15 + np.exp(-(((t - centre) / width) ** 2)), dtype=np.float64)


def _surge_curve(onset: float, peak: float, end: float, tau: float, minutes: int) -> F64:
    """Posts per minute of a breaking-news surge, relative to its peak: from nothing at `onset`
    a linear climb to the peak (the news spreading), then an exponential relaxation.

    The climb is linear, not quadratic: a rate that starts with zero slope (t²) holds almost
    no posts in its first half hour, so its `onset` would name a moment at which nothing
    observable happens (docs/surges.md, "What a planted surge is").
    """
    t = np.arange(minutes, dtype=np.float64) + 0.5
    rise = np.clip((t - onset) / max(peak - onset, 1.0), 0.0, 1.0)
    decay = np.exp(-np.maximum(t - peak, 0.0) / tau)
    curve = np.where(t < peak, rise, decay)
    curve[(t < onset) | (t > end)] = 0.0
    return np.asarray(curve, dtype=np.float64)


def build_world(*, posts: int, accounts: int, seed: int, days: float, start: datetime) -> World:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    acc = make_accounts(accounts, rng)
    span = days * 86400.0
    minutes = math.ceil(days * 1440)

    planner = _Planner(posts, acc, rng, start, span)
    campaigns = planner.campaigns()
    organic: list[OrganicTruth] = []
    for v in range(int(_clip(posts // 25000, 2, 12))):
        organic.append(planner.viral(v, len(organic)))
    for f in range(int(_clip(posts // 100000, 1, 4))):
        organic.append(planner.fans(f, len(organic)))
    for s in range(int(_clip(posts // 20000, 2, 20))):
        organic.append(planner.share_button(s, len(organic)))
    events = planner.events
    if len(events) > posts * 0.5:
        raise ValueError(
            f"{posts} posts are too few for the planted structure of {accounts} accounts "
            f"({len(events)} planted posts); use more posts or fewer accounts"
        )

    # Narratives and surges.
    shapes: tuple[Literal["steady", "rising", "episodic"], ...] = ("steady", "rising", "episodic")
    narratives = [
        NarrativeTruth(
            id=n.id,
            title=n.title,
            languages=[code for code in n.texts if LANG_INDEX[code] in set(acc.lang.tolist())],
            hashtags=sorted(set(n.tags.values())),
            shape=shapes[int(rng.integers(3))],
        )
        for n in NARRATIVES
    ]
    n_surges = int(_clip(2 + posts // 200_000, 3, 6))
    surge_narrative = [int(x) for x in rng.permutation(len(NARRATIVES))[:n_surges]]
    surge_volume = max(50.0, posts * 0.012)
    surges: list[SurgeTruth] = []
    surge_curves: list[F64] = []
    for s, n in enumerate(surge_narrative):
        onset = rng.uniform(0.15, 0.75) * minutes
        # Breaking news: at its peak 5 minutes to an hour after the event, log-uniformly (an
        # earthquake is everywhere in minutes; a statement or a leak spreads over the hour).
        # Slower, endogenous build-ups over hours or days are the "rising" narratives.
        peak = onset + math.exp(rng.uniform(math.log(5.0), math.log(60.0)))
        tau = rng.uniform(120, 480)
        end = min(peak + 4.6 * tau, minutes - 1.0)
        surge_curves.append(_surge_curve(onset, peak, end, tau, minutes))
        surges.append(
            SurgeTruth(
                id=f"surge-{s + 1}",
                hashtag=NARRATIVES[n].surge_tag,
                narrative=NARRATIVES[n].id,
                languages=narratives[n].languages,
                onset=start + timedelta(minutes=round(onset)),
                peak=start + timedelta(minutes=round(peak)),
                end=start + timedelta(minutes=round(end)),
            )
        )
        narratives[n].surges.append(f"surge-{s + 1}")

    group_keys, group_cum, group_members = _groups(acc)
    background = _plan_background(
        acc,
        rng,
        posts - len(events),
        minutes,
        start,
        group_keys,
        [n.shape for n in narratives],
        surge_narrative,
        surge_curves,
        surge_volume,
    )
    popular_urls, popular_cum = _popular_urls(posts, rng)
    mention_cum = np.cumsum(acc.popularity**1.2)
    return World(
        start=start,
        span=span,
        minutes=minutes,
        posts=posts,
        accounts=acc,
        group_cum=group_cum,
        group_members=group_members,
        background=background,
        events=_time_ordered(events),
        campaigns=campaigns,
        organic=organic,
        surges=surges,
        narratives=narratives,
        popular_urls=popular_urls,
        popular_cum=popular_cum / popular_cum[-1],
        mention_cum=mention_cum / mention_cum[-1],
    )


def _time_ordered(events: list[Event]) -> list[Event]:
    """Events sorted by time, parent indexes remapped; a parent always precedes its children."""
    order = sorted(range(len(events)), key=lambda i: (events[i].t, i))
    position = {old: new for new, old in enumerate(order)}
    return [
        events[i]._replace(parent=position[events[i].parent] if events[i].parent >= 0 else -1)
        for i in order
    ]


def _groups(acc: Accounts) -> tuple[dict[tuple[int, int], int], F64, I64]:
    """Accounts grouped by (region, language), for drawing authors by activity in one call.

    Group g's members sit in one run of `members`; `cum` holds g plus their normalised
    cumulative activity, so `searchsorted(cum, g + u)` draws a member of g for u in [0, 1).
    """
    key = acc.region * 64 + acc.lang
    order = np.argsort(key, kind="stable")
    uniq, starts = np.unique(key[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    cum = np.empty(len(order), dtype=np.float64)
    keys: dict[tuple[int, int], int] = {}
    for g, (k, a, b) in enumerate(zip(uniq.tolist(), starts.tolist(), ends.tolist(), strict=True)):
        keys[(k // 64, k % 64)] = g
        w = np.cumsum(acc.activity[order[a:b]])
        cum[a:b] = g + w / w[-1]
        cum[b - 1] = g + 1.0
    return keys, cum, order.astype(np.int64)


def _plan_background(
    acc: Accounts,
    rng: np.random.Generator,
    total: int,
    minutes: int,
    start: datetime,
    groups: dict[tuple[int, int], int],
    shapes: list[str],
    surge_narrative: list[int],
    surge_curves: list[F64],
    surge_volume: float,
) -> Background:
    mass: dict[tuple[int, int], float] = {}
    for (r, lang), _ in groups.items():
        sel = (acc.region == r) & (acc.lang == lang)
        mass[(r, lang)] = float(acc.activity[sel].sum())
    lang_mass: dict[int, float] = {}
    for (_, lang), m in mass.items():
        lang_mass[lang] = lang_mass.get(lang, 0.0) + m
    present = sorted(lang_mass)
    diurnal = {r: _diurnal(minutes, start, REGIONS[r].tz) for r in {r for r, _ in groups}}

    n_narr, n_surges = len(NARRATIVES), len(surge_narrative)
    per_surge = min(surge_volume, 0.25 * total / n_surges)
    per_baseline = 0.04 * per_surge
    narrative_total = 0.14 * total
    chatter_total = total - n_surges * (per_surge + per_baseline) - narrative_total

    ctype: list[int] = []
    topic: list[int] = []
    narrative: list[int] = []
    surge: list[int] = []
    lang_of: list[int] = []
    group: list[int] = []
    tag: list[str | None] = []
    rows: list[F64] = []

    def spread(
        kind: int, top: int, n: int, s: int, t: str | None, volume: dict[int, float], curve: F64
    ) -> None:
        """Split a language-level volume over the regions speaking it, by their activity."""
        for (r, lang), g in groups.items():
            if lang not in volume:
                continue
            w = volume[lang] * mass[(r, lang)] / lang_mass[lang]
            shaped = curve * diurnal[r] if kind != SURGE else curve * (0.5 + 0.5 * diurnal[r])
            rows.append(shaped * (w / shaped.sum()))
            ctype.append(kind)
            topic.append(top)
            narrative.append(n)
            surge.append(s)
            lang_of.append(lang)
            group.append(g)
            tag.append(t)

    shares = {lang: LANG_SHARE[LANGS[lang]] for lang in present}
    norm = sum(shares.values())
    flat = np.ones(minutes)
    spread(CHATTER, 0, -1, -1, None, {k: chatter_total * v / norm for k, v in shares.items()}, flat)

    def narrative_volume(n: int, volume: float) -> dict[int, float]:
        langs = [LANG_INDEX[c] for c in NARRATIVES[n].texts if LANG_INDEX[c] in lang_mass]
        w = {lang: LANG_SHARE[LANGS[lang]] ** 0.5 for lang in langs}
        total_w = sum(w.values())
        return {lang: volume * x / total_w for lang, x in w.items()}

    weights = rng.uniform(0.5, 1.5, n_narr)
    weights = weights / weights.sum() * narrative_total
    for n in range(n_narr):
        curve = _narrative_curve(shapes[n], minutes, rng)
        spread(NARRATIVE, 1 + n, n, -1, None, narrative_volume(n, float(weights[n])), curve)
    for s, n in enumerate(surge_narrative):
        surge_tag = NARRATIVES[n].surge_tag
        volume = narrative_volume(n, per_surge)
        spread(SURGE, 1 + n_narr + s, n, s, surge_tag, volume, surge_curves[s])
        volume = narrative_volume(n, per_baseline)
        spread(BASELINE, 1 + n_narr + n_surges + s, n, -1, surge_tag, volume, flat)

    expected = np.stack(rows)
    p = (expected / expected.sum()).ravel()
    counts = rng.multinomial(total, p).reshape(expected.shape)
    return Background(
        ctype=np.array(ctype, dtype=np.int64),
        topic=np.array(topic, dtype=np.int64),
        narrative=np.array(narrative, dtype=np.int64),
        surge=np.array(surge, dtype=np.int64),
        lang=np.array(lang_of, dtype=np.int64),
        group=np.array(group, dtype=np.int64),
        tag=tag,
        counts=counts.astype(np.int64),
    )


def _popular_urls(posts: int, rng: np.random.Generator) -> tuple[list[str], F64]:
    """News articles and videos everyone shares: Zipf-distributed popularity."""
    n = int(_clip(posts // 200, 50, 5000))
    outlet_langs = list(OUTLETS)
    p = np.array([LANG_SHARE[c] for c in outlet_langs])
    langs = rng.choice(len(outlet_langs), size=n, p=p / p.sum())
    urls: list[str] = []
    for k in range(n):
        if rng.random() < 0.08:
            urls.append(f"https://www.youtube.com/watch?v={b62(rng, 11)}")
            continue
        domains = OUTLETS[outlet_langs[int(langs[k])]]
        domain = domains[int(rng.integers(len(domains)))]
        section = SECTIONS[int(rng.integers(len(SECTIONS)))]
        slug = SLUGS[int(rng.integers(len(SLUGS)))]
        day = int(rng.integers(1, 29))
        urls.append(f"https://{domain}/{section}/2026/03/{day:02d}/{slug}-{k + 1}")
    weights = 1.0 / np.arange(1, n + 1) ** 1.05
    return urls, np.cumsum(weights)
