"""Turning a `World` into posts, a few simulated minutes at a time.

Each step draws its background posts from the plan (component, minute, author by activity,
kind), merges in the planted events that fall in it, sorts by time, gives every post a
snowflake id (time in the high bits, so ids sort like times), and builds the `Post`s. Reposts,
replies and quotes of background posts pick their parent from a pool of recent originals of the
same topic and language, weighted by the author's popularity and by recency, so reposts
concentrate on popular accounts and fresh posts. The pool keeps a popularity-weighted sample of
the last 24 hours (an unbiased thinning: a post kept with probability p counts 1/p times), so
memory stays bounded whatever the number of posts.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from voxpop.schema import Metrics, Post
from voxpop.simulate._phrases import BANKS, EMOJI, NARRATIVES
from voxpop.simulate._world import (
    BASELINE,
    F64,
    I64,
    KIND_MIX,
    KIND_NAMES,
    LANGS,
    POST,
    REPLY,
    REPOST,
    ROLE_SEED,
    ROLE_STAR,
    ROLE_TARGET,
    SHORTENERS,
    SMALL_SITES,
    TWITTER_EPOCH_MS,
    World,
)

__all__ = ["LABEL_SCHEMA", "Chunk", "Tally", "generate", "label_table", "new_tally"]

CHUNK_POSTS = 20_000
POOL_WINDOW = 24 * 3600.0
POOL_TARGET = 30_000  # originals kept as candidate parents, over the whole window
RECENCY = 2 * 3600.0  # e-folding time of a post's chance to be reposted

LABEL_SCHEMA = pa.schema(
    [
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("campaign", pa.dictionary(pa.int32(), pa.string())),
        pa.field("narrative", pa.dictionary(pa.int32(), pa.string())),
        pa.field("surge", pa.dictionary(pa.int32(), pa.string())),
        pa.field("organic", pa.dictionary(pa.int32(), pa.string())),
    ]
)

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _code_table(rng: np.random.Generator, width: int) -> tuple[str, ...]:
    digits = rng.integers(0, 62, size=(4096, width)).tolist()
    return tuple("".join(_B62[d] for d in row) for row in digits)


_TABLE_RNG = np.random.default_rng(20260302)
_TCO = (_code_table(_TABLE_RNG, 4), _code_table(_TABLE_RNG, 3), _code_table(_TABLE_RNG, 3))
_MASK = (1 << 61) - 1


def _token(pid: int, salt: int) -> int:
    return ((pid * 0x9E3779B97F4A7C15) ^ (salt * 0xC2B2AE3D27D4EB4F)) & _MASK


def tco(pid: int, salt: int) -> str:
    """A t.co link for the `salt`-th URL of post `pid`: different in every post, like t.co."""
    h = _token(pid, salt) >> 5
    return "https://t.co/" + _TCO[0][h & 4095] + _TCO[1][(h >> 12) & 4095] + _TCO[2][h >> 49]


@dataclass
class Chunk:
    """A run of posts in time order, their truth labels, and the posts they reference."""

    posts: list[Post]
    codes: npt.NDArray[np.int32]  # (4, posts): campaign, narrative, surge, organic; -1 for none
    referenced: dict[str, Post]


def label_table(chunk: Chunk, world: World) -> pa.Table:
    """The chunk's rows of truth_posts.parquet."""
    names = (
        [c.id for c in world.campaigns],
        [n.id for n in NARRATIVES],
        [s.id for s in world.surges],
        [o.id for o in world.organic],
    )
    return pa.Table.from_arrays(
        [
            pa.array([p.post_id for p in chunk.posts], pa.string()),
            *(_dictionary(codes, labels) for codes, labels in zip(chunk.codes, names, strict=True)),
        ],
        schema=LABEL_SCHEMA,
    )


@dataclass
class Tally:
    """Counts gathered while generating, to complete the truth."""

    campaigns: I64
    organic: I64
    surges: I64
    baseline: I64
    narratives: I64
    narrative_hourly: I64
    surge_hourly: I64
    kinds: I64
    langs: I64
    authors: I64
    role_ids: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    seed_ids: dict[int, str] = field(default_factory=dict)


class _Pool:
    """Recent originals of one (topic, language) and their running weight sum, to draw parents.

    A post's weight is its popularity times exp(t / RECENCY): relative to any later moment, that
    is its popularity discounted by age, so the running sum never needs recomputing and a draw
    is a binary search. Weights are stored relative to exp(`ref`), moved when they would overflow.
    """

    __slots__ = ("cum", "lo", "n", "posts", "ref", "t")

    def __init__(self) -> None:
        self.t = np.empty(64)
        self.cum = np.empty(64)
        self.posts: list[Post] = []
        self.lo = 0
        self.n = 0
        self.ref: float | None = None

    def add(self, t: F64, lw: F64, posts: list[Post]) -> None:
        k = len(posts)
        top = float(lw.max())
        if self.ref is None:
            self.ref = top
        elif top - self.ref > 500.0:
            self.cum[: self.n] *= math.exp(self.ref - top)
            self.ref = top
        if self.n + k > len(self.t):
            if self.lo > 0:  # drop what fell out of the window before growing
                base = self.cum[self.lo - 1]
                self.t[: self.n - self.lo] = self.t[self.lo : self.n]
                self.cum[: self.n - self.lo] = self.cum[self.lo : self.n] - base
                del self.posts[: self.lo]
                self.n -= self.lo
                self.lo = 0
            size = len(self.t)
            while self.n + k > size:
                size *= 2
            if size != len(self.t):
                self.t = np.resize(self.t, size)
                self.cum = np.resize(self.cum, size)
        last = self.cum[self.n - 1] if self.n else 0.0
        self.t[self.n : self.n + k] = t
        self.cum[self.n : self.n + k] = last + np.cumsum(np.exp(lw - self.ref))
        self.posts.extend(posts)
        self.n += k

    def draw(self, k: int, rng: np.random.Generator, oldest: float) -> list[Post]:
        lo, n = self.lo, self.n
        lo += int(np.searchsorted(self.t[lo:n], oldest))
        self.lo = lo
        if lo >= n:
            return []
        base = self.cum[lo - 1] if lo else 0.0
        u = base + rng.random(k) * (self.cum[n - 1] - base)
        idx = np.minimum(np.searchsorted(self.cum[lo:n], u, side="right") + lo, n - 1)
        posts = self.posts
        return [posts[i] for i in idx.tolist()]


def _dictionary(codes: npt.NDArray[np.int32], names: list[str]) -> pa.DictionaryArray:
    indices = pa.array(np.where(codes < 0, 0, codes).astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(names, pa.string()))


class _Composer:
    """Text, hashtags, URLs and mentions of an original post, from a few random integers."""

    def __init__(self, world: World) -> None:
        self.handles = world.accounts.handles
        self.narr_tags = [
            {code: n.tags.get(code, n.tags["*"]) for code in LANGS} for n in NARRATIVES
        ]
        self.popular = world.popular_urls
        self.variants: list[tuple[str, ...]] = []
        rng = np.random.default_rng(7)
        for url in world.popular_urls:
            if "youtube.com/watch?v=" in url:
                vid = url.rsplit("=", 1)[1]
                self.variants.append(
                    (url, f"https://youtu.be/{vid}", f"https://m.youtube.com/watch?v={vid}")
                )
            else:
                short = "".join(_B62[d] for d in rng.integers(0, 62, 7))
                host = SHORTENERS[int(rng.integers(len(SHORTENERS)))]
                self.variants.append(
                    (
                        url,
                        url + "?utm_source=twitter&utm_medium=social",
                        f"https://{host}/{short}",
                    )
                )

    def link(self, pid: int, r: int, pop: int) -> str:
        """A popular link as people paste it (tracking tails, shorteners) or a rare one."""
        x = r % 100
        if x < 42:
            site = SMALL_SITES[(r >> 7) % len(SMALL_SITES)]
            return f"https://{site}/p/{pid:x}"
        variants = self.variants[pop]
        y = (r >> 7) % 100
        if y < 14:
            return variants[1]
        if y < 22:
            return variants[2]
        if y < 27 and len(variants[0]) < 60 and "?" not in variants[0]:
            return f"{variants[0]}?fbclid=IwAR{_token(pid, 9):x}"
        return variants[0]

    def original(
        self,
        code: str,
        narrative: int,
        tag: str | None,
        kind: int,
        pid: int,
        r: list[int],
        mention: int,
        url_p: int,
        pop: int,
    ) -> tuple[str, list[str], list[str], list[str]]:
        bank = BANKS[code]
        r0, r1, r2, r3 = r
        sep = bank.sep
        if narrative >= 0 or kind == POST:
            groups = NARRATIVES[narrative].texts[code] if narrative >= 0 else bank.chatter
            count = len(groups)
            first = r0 % count
            group = groups[first]
            body = group[(r0 >> 12) % len(group)]
            if kind == POST and (r1 & 1023) < 358 and count > 1:  # a second, different sentence
                group = groups[(first + 1 + (r1 >> 10) % (count - 1)) % count]
                body = body + sep + group[(r1 >> 16) % len(group)]
        else:
            flat = bank.reply if kind == REPLY else bank.quote
            body = flat[r0 % len(flat)]
        deco = r2 & 1023
        if deco < 80:
            body = bank.opener[(r2 >> 10) % len(bank.opener)] + sep + body
        elif deco < 180 and kind != REPLY:
            body = body + sep + bank.closer[(r2 >> 10) % len(bank.closer)]
        if (r2 >> 20) & 1023 < 200:
            body = body + " " + EMOJI[(r1 >> 25) % len(EMOJI)]
        parts = [body]
        mentions: list[str] = []
        if mention >= 0:
            handle = self.handles[mention]
            parts.append("@" + handle)
            mentions.append(handle)
        hashtags: list[str] = []
        if tag is not None:
            hashtags.append(tag)
        if narrative >= 0 and (r3 & 1023) < 460:
            ntag = self.narr_tags[narrative][code]
            if ntag not in hashtags:
                hashtags.append(ntag)
        if (r3 >> 10) & 1023 < 150:
            gtag = bank.tags[(r3 >> 20) % len(bank.tags)]
            if gtag not in hashtags:
                hashtags.append(gtag)
        for h in hashtags:
            parts.append("#" + h)
        urls: list[str] = []
        if url_p:
            urls.append(self.link(pid, r1 >> 3, pop))
            parts.append(tco(pid, 0))
        return " ".join(parts), hashtags, urls, mentions


def _retweet(parent: Post) -> tuple[str, list[str], list[str], list[str]]:
    """The v2 API's retweet text: "RT @author: " + the original, cut to 140 characters."""
    handle = parent.author_handle or ""
    text = "RT @" + handle + ": " + (parent.text or "")
    if len(text) <= 140:
        return text, list(parent.hashtags), list(parent.urls), [handle, *parent.mentions]
    cut = text.rfind(" ", 0, 139)
    if cut < len(handle) + 30:  # unspaced scripts: cut at the character, not inside a link
        cut = 139
        space = text.rfind(" ", 0, cut)
        if text.startswith(("#", "@", "http"), space + 1):
            cut = space
    text = text[:cut].rstrip() + "…"
    tokens = set(text.split())
    hashtags = [h for h in parent.hashtags if "#" + h in tokens]
    mentions = [handle, *(m for m in parent.mentions if "@" + m in tokens)]
    return text, hashtags, list(parent.urls[: text.count("https://t.co/")]), mentions


def generate(world: World, seed: int, tally: Tally) -> Iterator[Chunk]:
    """Every post of the world in time order, in chunks of about `CHUNK_POSTS`.

    Generating makes millions of containers and no cyclic garbage: the cyclic collector would
    only rescan the growing set of live posts, which doubles the run time. It is off while the
    generator runs and back as it was whenever control returns to the caller.
    """
    inner = _generate(world, seed, tally)
    enabled = gc.isenabled()
    while True:
        gc.disable()
        try:
            chunk = next(inner, None)
        finally:
            if enabled:
                gc.enable()
        if chunk is None:
            return
        yield chunk


def _generate(world: World, seed: int, tally: Tally) -> Iterator[Chunk]:
    acc = world.accounts
    bg = world.background
    events = world.events
    ev_t = np.array([e.t for e in events], dtype=np.float64)
    composer = _Composer(world)
    ids = acc.ids
    handles = acc.handles
    names = acc.names
    popularity = acc.popularity
    followers = acc.followers
    start_ms = int(world.start.timestamp() * 1000)
    start_s = start_ms // 1000
    from_timestamp = datetime.fromtimestamp
    hours = tally.narrative_hourly.shape[1]
    n_narr = len(NARRATIVES)
    n_surges = len(world.surges)
    mix = np.zeros((4, 3))
    for component_type, probs in KIND_MIX.items():
        mix[component_type] = np.cumsum(probs)[:3]
    url_prob = np.array([0.12, 0.25, 0.2, 0.2])  # by component type
    n_campaigns = len(world.campaigns)
    n_organic = len(world.organic)

    pools: dict[int, _Pool] = {}
    event_posts: dict[int, Post] = {}  # planted posts that planted children point to
    last_child: dict[int, int] = {}
    for index, e in enumerate(events):
        if e.parent >= 0:
            last_child[e.parent] = index
    bodyless = np.array([e.body is None for e in events] + [True], dtype=bool)
    second_cache: dict[int, datetime] = {}

    out_posts: list[Post] = []
    out_codes: list[npt.NDArray[np.int32]] = []
    out_refs: dict[str, Post] = {}

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    # Steps of about 100 posts or more, 10 to 60 minutes: short enough for reposts to follow
    # their originals closely, long enough that per-step work stays small for small runs.
    step = int(min(60, max(10, round(world.minutes * 100 / max(1, world.posts)))))
    for m0 in range(0, world.minutes, step):
        m1 = min(world.minutes, m0 + step)
        t_lo, t_hi = m0 * 60.0, m1 * 60.0

        # Background posts of the step.
        block = bg.counts[:, m0:m1]
        comp_idx, minute = np.nonzero(block)
        reps = block[comp_idx, minute]
        comp = np.repeat(comp_idx, reps)
        n_bg = len(comp)
        t_bg = (np.repeat(minute, reps) + m0 + rng.random(n_bg)) * 60.0
        pos = np.searchsorted(world.group_cum, bg.group[comp] + rng.random(n_bg), side="right")
        author_bg = world.group_members[np.minimum(pos, len(world.group_members) - 1)]
        ctype = bg.ctype[comp]
        kind_bg = (rng.random(n_bg)[:, None] > mix[ctype]).sum(axis=1)
        lang_bg = bg.lang[comp]
        parents_bg: list[Post | None] = [None] * n_bg
        needs = np.flatnonzero(kind_bg != POST)
        if len(needs):
            keys = bg.topic[comp[needs]] * 64 + lang_bg[needs]
            for key in np.unique(keys).tolist():
                rows = needs[keys == key]
                pool = pools.get(key)
                drawn = pool.draw(len(rows), rng, t_lo - POOL_WINDOW) if pool is not None else []
                if not drawn:
                    kind_bg[rows] = POST  # nothing to repost yet: say something instead
                    continue
                for row, drawn_parent in zip(rows.tolist(), drawn, strict=True):
                    parents_bg[row] = drawn_parent

        # Planted posts of the step.
        e_lo, e_hi = np.searchsorted(ev_t, [t_lo, t_hi]).tolist()
        step_events = events[e_lo:e_hi]
        n_ev = len(step_events)
        n = n_bg + n_ev
        if n == 0:
            continue
        t = np.concatenate([t_bg, ev_t[e_lo:e_hi]])
        author = np.concatenate([author_bg, np.array([e.author for e in step_events], np.int64)])
        kind = np.concatenate([kind_bg, np.array([e.kind for e in step_events], np.int64)])
        lang = np.concatenate([lang_bg, np.array([e.lang for e in step_events], np.int64)])
        narr = np.concatenate(
            [bg.narrative[comp], np.array([e.narrative for e in step_events], np.int64)]
        )
        surge = np.concatenate([bg.surge[comp], np.full(n_ev, -1, np.int64)])
        campaign = np.concatenate(
            [np.full(n_bg, -1, np.int64), np.array([e.campaign for e in step_events], np.int64)]
        )
        organic = np.concatenate(
            [np.full(n_bg, -1, np.int64), np.array([e.organic for e in step_events], np.int64)]
        )
        source = np.concatenate([comp, -1 - np.arange(e_lo, e_hi, dtype=np.int64)])
        topic = np.concatenate(
            [bg.topic[comp], np.array([1 + e.narrative for e in step_events], np.int64)]
        )
        url_p = np.concatenate([url_prob[ctype], np.full(n_ev, 0.2)])

        order = np.argsort(t, kind="stable")
        t, url_p = t[order], url_p[order]
        author, kind, lang, narr, surge, campaign, organic, source, topic = (
            column[order]
            for column in (author, kind, lang, narr, surge, campaign, organic, source, topic)
        )
        parents = [parents_bg[i] if i < n_bg else None for i in order.tolist()]

        ms = start_ms + np.floor(t * 1000.0).astype(np.int64)
        first = np.r_[True, ms[1:] != ms[:-1]]
        run_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        pid_arr = (
            ((ms - TWITTER_EPOCH_MS) << 22)
            | (rng.integers(0, 1024, n) << 12)
            | (np.arange(n) - run_start)
        )
        pids = pid_arr.tolist()
        pid_strs = [str(x) for x in pids]
        seconds = np.floor(t).astype(np.int64).tolist()

        # Per-post random draws, vectorised; the loop below only indexes.
        rand = rng.integers(0, 1 << 31, size=(n, 4)).tolist()
        has_url = (rng.random(n) < url_p) & (kind != REPOST) & (kind != REPLY)
        has_url_l = has_url.tolist()
        pop_l = np.searchsorted(world.popular_cum, rng.random(n)).tolist()
        mention = np.searchsorted(world.mention_cum, rng.random(n))
        mention = np.where((rng.random(n) < 0.06) & (kind != REPLY), mention, -1)
        mention_l = np.minimum(mention, len(ids) - 1).tolist()
        fol = followers[author].astype(np.float64)
        likes = np.floor(rng.lognormal(np.log(0.3 + 0.02 * fol), 1.3))
        reposts = np.floor(likes * rng.uniform(0.05, 0.4, n))
        replies = np.floor(likes * rng.uniform(0.02, 0.2, n))
        quotes = np.floor(reposts * rng.uniform(0.0, 0.2, n))
        views = np.floor((fol + 50.0) * rng.uniform(0.2, 3.0, n) + likes * 20.0)
        metric_rows = np.stack([likes, reposts, replies, quotes, views], axis=1)
        metric_l = metric_rows.astype(np.int64).tolist()

        author_l = author.tolist()
        kind_l = kind.tolist()
        lang_l = lang.tolist()
        narr_l = narr.tolist()
        source_l = source.tolist()
        posts: list[Post] = []
        refs: dict[str, Post] = {}
        for j in range(n):
            pid = pids[j]
            pid_s = pid_strs[j]
            a = author_l[j]
            k = kind_l[j]
            src = source_l[j]
            ev = events[-1 - src] if src < 0 else None
            sec = seconds[j]
            created = second_cache.get(sec)
            if created is None:
                if len(second_cache) > 4096:
                    second_cache.clear()
                created = from_timestamp(start_s + sec, UTC)
                second_cache[sec] = created
            parent = parents[j]
            if ev is not None and ev.parent >= 0:
                parent = event_posts[ev.parent]
            code = LANGS[lang_l[j]]
            if k == REPOST:
                assert parent is not None
                text, hashtags, urls, mentions = _retweet(parent)
                pm = parent.metrics
                metrics = Metrics(0, pm.reposts if pm else 0, 0, 0, 0)
                post = Post(
                    platform="twitter",
                    post_id=pid_s,
                    author_id=ids[a],
                    author_handle=handles[a],
                    author_name=names[a],
                    created_at=created,
                    text=text,
                    source_lang=parent.source_lang,
                    kind="repost",
                    parent_id=parent.post_id,
                    parent_author_id=parent.author_id,
                    conversation_id=pid_s,
                    urls=urls,
                    hashtags=hashtags,
                    mentions=mentions,
                    metrics=metrics,
                )
                refs[parent.post_id] = parent
            else:
                m = metric_l[j]
                if ev is not None and ev.body is not None:
                    parts = [ev.body]
                    hashtags = list(ev.tags)
                    parts.extend("#" + h for h in hashtags)
                    urls = []
                    if ev.url is not None:
                        urls.append(ev.url)
                        parts.append(tco(pid, 0))
                    text = " ".join(parts)
                    mentions = []
                else:
                    tag = bg.tag[src] if src >= 0 else None
                    text, hashtags, urls, mentions = composer.original(
                        code,
                        narr_l[j],
                        tag,
                        k,
                        pid,
                        rand[j],
                        mention_l[j],
                        has_url_l[j],
                        pop_l[j],
                    )
                if ev is not None and ev.reposts >= 0:
                    m[1] = ev.reposts
                    m[0] = max(m[0], 3 * ev.reposts)
                    m[4] = max(m[4], 40 * ev.reposts)
                conversation = pid_s
                parent_id = parent_author = None
                if parent is not None:
                    parent_id = parent.post_id
                    parent_author = parent.author_id
                    refs[parent_id] = parent
                    if k == REPLY:
                        handle = parent.author_handle or ""
                        text = "@" + handle + " " + text
                        mentions.insert(0, handle)
                        conversation = parent.conversation_id or parent_id
                post = Post(
                    platform="twitter",
                    post_id=pid_s,
                    author_id=ids[a],
                    author_handle=handles[a],
                    author_name=names[a],
                    created_at=created,
                    text=text,
                    source_lang=code,
                    kind=KIND_NAMES[k],
                    parent_id=parent_id,
                    parent_author_id=parent_author,
                    conversation_id=conversation,
                    urls=urls,
                    hashtags=hashtags,
                    mentions=mentions,
                    metrics=Metrics(m[0], m[1], m[2], m[3], m[4]),
                )
            if ev is not None:
                index = -1 - src
                if index in last_child:
                    event_posts[index] = post
                if ev.role in (ROLE_TARGET, ROLE_STAR):
                    tally.role_ids.setdefault((ev.role, ev.role_group), []).append(pid_s)
                elif ev.role == ROLE_SEED:
                    tally.seed_ids[ev.role_group] = pid_s
            posts.append(post)

        # Admit this step's originals to the parent pools (background and planted seeds).
        # Campaign copies and share-button posts stay out: only their own groups repost them.
        admit = (kind != REPOST) & ((source >= 0) | bodyless[np.where(source < 0, -1 - source, -1)])
        cand = np.flatnonzero(admit)
        if len(cand):
            v = popularity[author[cand]] * rng.lognormal(0.0, 1.0, len(cand))
            v = np.where(kind[cand] == REPLY, 0.3 * v, v)
            budget = POOL_TARGET * step * 60.0 / POOL_WINDOW
            keep_p = np.minimum(1.0, v * (budget / v.sum()))
            kept = rng.random(len(cand)) < keep_p
            cand, v, keep_p = cand[kept], v[kept], keep_p[kept]
            lw = np.log(v / keep_p) + t[cand] / RECENCY
            keys = topic[cand] * 64 + lang[cand]
            for key in np.unique(keys).tolist():
                sel = keys == key
                rows = cand[sel]
                pool = pools.get(key)
                if pool is None:
                    pool = pools[key] = _Pool()
                pool.add(t[rows], lw[sel], [posts[i] for i in rows.tolist()])
        for index in [i for i in event_posts if last_child[i] < e_hi]:
            del event_posts[index]  # every child has been built

        # Truth tallies and labels.
        hour = np.minimum((t // 3600.0).astype(np.int64), hours - 1)
        has_narr = narr >= 0
        tally.narratives += np.bincount(narr[has_narr], minlength=n_narr)
        tally.narrative_hourly += np.bincount(
            narr[has_narr] * hours + hour[has_narr], minlength=n_narr * hours
        ).reshape(n_narr, hours)
        has_surge = surge >= 0
        if n_surges:
            tally.surges += np.bincount(surge[has_surge], minlength=n_surges)
            tally.surge_hourly += np.bincount(
                surge[has_surge] * hours + hour[has_surge], minlength=n_surges * hours
            ).reshape(n_surges, hours)
            base = source >= 0
            base[base] = bg.ctype[source[base]] == BASELINE
            tally.baseline += np.bincount(topic[base] - (1 + n_narr + n_surges), minlength=n_surges)
        tally.campaigns += np.bincount(campaign[campaign >= 0], minlength=n_campaigns)
        tally.organic += np.bincount(organic[organic >= 0], minlength=n_organic)
        tally.kinds += np.bincount(kind, minlength=4)
        tally.langs += np.bincount(lang, minlength=len(LANGS))
        tally.authors += np.bincount(author, minlength=len(ids))
        out_posts.extend(posts)
        out_codes.append(np.stack([campaign, narr, surge, organic]).astype(np.int32))
        out_refs.update(refs)
        if len(out_posts) >= CHUNK_POSTS:
            yield Chunk(out_posts, np.concatenate(out_codes, axis=1), out_refs)
            out_posts, out_codes, out_refs = [], [], {}
    if out_posts:
        yield Chunk(out_posts, np.concatenate(out_codes, axis=1), out_refs)


def new_tally(world: World) -> Tally:
    hours = max(1, math.ceil(world.span / 3600.0))
    n_surges = len(world.surges)
    return Tally(
        campaigns=np.zeros(len(world.campaigns), np.int64),
        organic=np.zeros(len(world.organic), np.int64),
        surges=np.zeros(n_surges, np.int64),
        baseline=np.zeros(n_surges, np.int64),
        narratives=np.zeros(len(NARRATIVES), np.int64),
        narrative_hourly=np.zeros((len(NARRATIVES), hours), np.int64),
        surge_hourly=np.zeros((n_surges, hours), np.int64),
        kinds=np.zeros(4, np.int64),
        langs=np.zeros(len(LANGS), np.int64),
        authors=np.zeros(len(world.accounts.ids), np.int64),
    )
