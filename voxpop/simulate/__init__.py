"""The simulator: synthetic Twitter-like traffic with planted, documented truth.

`simulate(posts=..., accounts=..., seed=...)` returns a `Simulation`: iterating it yields lists
of canonical `Post`s in time order (chunks of about 20,000, so ten million posts stream in
bounded memory), and `.truth` holds what was planted. `write_simulation(out_dir, ...)` writes
`posts.jsonl` (twarc2 output: one API v2 search page per line) or `posts.csv` (the
coordination-network-toolkit layout), `truth.json` and `truth_posts.parquet`. The same seed gives
the same output, byte for byte. From 200,000 posts on a machine with two or more CPUs,
`write_simulation` generates in a second interpreter while it writes (the files are the same);
posts=5_000 is test-sized, 50_000 a demo, 1-10 million a benchmark (about 1 GB of twarc2 JSON
per million posts). At least 2,000 posts and 100 accounts; accounts default to posts / 20.

What is simulated
-----------------
- Accounts in 22 regions, each with a timezone and a language mix: en, es, fr, de, pt, ar, zh,
  ja, ru, tr, hi, fa, id, Uyghur (ug, Arabic script) and Tibetan (bo). Activity is lognormal
  (a few accounts post a lot, most rarely), popularity (followers) is correlated with it;
  posting follows a daily rhythm in each account's local time. Account ids, post ids (snowflakes:
  time in the high bits), handles and display names look like Twitter's.
- Background chatter in the account's language, written from phrase banks (natural sentences,
  slot-filled), with hashtags, mentions of popular accounts, and links: popular news articles
  and videos (Zipf: a few shared by thousands), rare links (one post each), some pasted with
  tracking parameters (utm_*, fbclid), through shorteners (bit.ly...) or as youtu.be. Text holds
  t.co links, `urls` the expanded ones, as the API gives them.
- Reposts (text "RT @author: ..." cut to 140 characters like the v2 API), replies (text starting
  with "@author", same conversation_id as the post replied to) and quotes. Their parents are
  recent posts of the same topic and language, drawn by author popularity and recency.
- `source_lang` is the language the text was written in (a repost's is its original's): the
  truth for language detection. The twarc2 `lang` field carries it.

Planted truth (truth.json)
--------------------------
Times are ISO 8601 UTC; account and post ids are strings as in the posts.

- `seed`, `posts`, `accounts`, `start`, `end`, `days`, `platform` ("twitter"), `version` (1),
  `kinds` (posts per kind), `languages` (posts per source_lang), `active_accounts`.
- `campaigns`: coordinated campaigns (4 to 8, more with more accounts; 10 to 60 members each).
  Each: `id` ("campaign-N"), `behaviours`: one or two of
  "co-repost" (members repost the same posts, `target_post_ids`, of the `amplified_accounts`,
  who are not members: those posts carry no campaign label), "co-link" (members post the same
  rare links, `urls` in canonical form, pasted with varying tracking parameters, scheme or www)
  and "near-duplicate" (members post copies of one message with small edits: an interjection,
  emoji, punctuation, hashtag order; in one or two `languages`); `speed` ("fast": lags of
  seconds to about a minute after the action's start; "slow": minutes to 30 minutes, still far
  tighter than organic behaviour), `lag_seconds` (the range lags are drawn from), `start`,
  `end`, `members`, `narrative` (the story they push), `hashtags`, `actions`, `posts` (posts by
  members as members; members also post ordinary content, which is not labelled).
- `organic`: look-alikes that must not be flagged. `type` "viral_burst": one post
  (`seed_post_id` by `seed_account_id`) reposted, quoted or replied to by hundreds to thousands
  of ordinary `accounts` (fewer in small runs) over hours, lags lognormal with a long tail;
  "fan_community": fans (`accounts`) repost most posts (`star_post_ids`) of one star
  (`star_account_id`) with lags of minutes to hours; "share_button": many unrelated `accounts`
  post the identical headline `text` with the same `url` over hours (each tweet's t.co link
  differs, as on Twitter).
- `surges`: hashtag surges. Each: `id` ("surge-N"), `hashtag`, `narrative`, `languages`,
  `onset` (breaking news: the rate leaves a low baseline and climbs linearly), `peak` (5 to
  60 minutes later), `end` (decayed to about 1% of the peak),
  `posts` (labelled posts: the excess over the baseline, including reposts of them),
  `baseline_posts` (posts carrying the hashtag at the baseline rate over the whole period),
  `hourly` (labelled posts per hour since `start`).
- `narratives`: stories told in several languages with varied wording ("port-strike",
  "vaccine-microchip", "election-fraud", "heatwave", "glacier-flood", "bank-freeze",
  "cup-final"). Each: `id`, `title`, `languages`, `hashtags`, `shape` of its volume curve
  ("steady", "rising", "episodic"), `surges` (ids of its surges), `posts`, `hourly`.
  Posts outside every narrative are everyday chatter: their narrative label is null.

truth_posts.parquet has one row per post: `post_id`, `campaign`, `narrative`, `surge`,
`organic` (ids as above, or null). A repost carries its original's narrative and surge; a
campaign or organic label marks the posts that make up that group's behaviour (a seed, a star
post, a share, a member's repost), not everything its accounts ever post.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from voxpop.schema import Post
from voxpop.simulate._engine import LABEL_SCHEMA, Chunk, Tally, generate, label_table, new_tally
from voxpop.simulate._output import write_twarc
from voxpop.simulate._truth import (
    CampaignTruth,
    NarrativeTruth,
    OrganicTruth,
    SurgeTruth,
    Truth,
)
from voxpop.simulate._world import (
    KIND_NAMES,
    LANGS,
    ROLE_STAR,
    ROLE_TARGET,
    Accounts,
    World,
    build_world,
)
from voxpop.sources.cnt import write_cnt_csv

__all__ = [
    "DEFAULT_START",
    "LABEL_SCHEMA",
    "CampaignTruth",
    "Chunk",
    "NarrativeTruth",
    "OrganicTruth",
    "Simulation",
    "SurgeTruth",
    "Truth",
    "simulate",
    "write_simulation",
]

DEFAULT_START = datetime(2026, 3, 2, tzinfo=UTC)
MIN_POSTS = 2_000
BACKGROUND_MIN_POSTS = 200_000  # below this, starting a second interpreter costs more than it saves
MIN_ACCOUNTS = 100


class Simulation:
    """A simulated collection: iterate it for chunks of posts; `truth` completes as you do.

    Iterating again regenerates the same posts from the seed.
    """

    def __init__(self, *, posts: int, accounts: int, seed: int, days: float, start: datetime):
        if posts < MIN_POSTS:
            raise ValueError(f"posts must be at least {MIN_POSTS}, got {posts}")
        if not MIN_ACCOUNTS <= accounts <= posts:
            raise ValueError(f"accounts must be between {MIN_ACCOUNTS} and posts, got {accounts}")
        if days <= 0:
            raise ValueError(f"days must be positive, got {days}")
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.posts = posts
        self.seed = seed
        self.days = days
        self.world: World = build_world(
            posts=posts, accounts=accounts, seed=seed, days=days, start=start.astimezone(UTC)
        )
        w = self.world
        self.truth = Truth(
            seed=seed,
            posts=posts,
            accounts=accounts,
            start=w.start,
            end=w.start + timedelta(seconds=w.span),
            days=days,
            campaigns=w.campaigns,
            organic=w.organic,
            surges=w.surges,
            narratives=w.narratives,
        )

    @property
    def accounts(self) -> Accounts:
        return self.world.accounts

    def chunks(self, *, background: bool = False) -> Generator[Chunk, None, None]:
        """Chunks with their per-post label codes and the posts they reference.

        `background=True` generates in a child process, so that the caller's work on each
        chunk (writing it) runs on another core; the chunks are the same.
        """
        tally = new_tally(self.world)
        if background:
            # Imported here: the child runs that module with `python -m`, and importing it from
            # the package first would make Python warn about the module being imported twice.
            from voxpop.simulate._parallel import background_chunks

            w = self.world
            yield from background_chunks(
                posts=self.posts,
                accounts=len(w.accounts.ids),
                seed=self.seed,
                days=self.days,
                start=w.start,
                tally=tally,
            )
        else:
            yield from generate(self.world, self.seed, tally)
        self._complete(tally)

    def labels(self, chunk: Chunk) -> pa.Table:
        """The chunk's rows of truth_posts.parquet: post_id and its labels (null for none)."""
        return label_table(chunk, self.world)

    def __iter__(self) -> Iterator[list[Post]]:
        for chunk in self.chunks():
            yield chunk.posts

    def _complete(self, tally: Tally) -> None:
        truth = self.truth
        for c, campaign in enumerate(truth.campaigns):
            campaign.posts = int(tally.campaigns[c])
            campaign.target_post_ids = tally.role_ids.get((ROLE_TARGET, c), [])
        for g, group in enumerate(truth.organic):
            group.posts = int(tally.organic[g])
            if group.type == "viral_burst":
                group.seed_post_id = tally.seed_ids.get(g)
            elif group.type == "fan_community":
                group.star_post_ids = tally.role_ids.get((ROLE_STAR, g), [])
        for s, surge in enumerate(truth.surges):
            surge.posts = int(tally.surges[s])
            surge.baseline_posts = int(tally.baseline[s])
            surge.hourly = tally.surge_hourly[s].tolist()
        for n, narrative in enumerate(truth.narratives):
            narrative.posts = int(tally.narratives[n])
            narrative.hourly = tally.narrative_hourly[n].tolist()
        truth.kinds = {name: int(x) for name, x in zip(KIND_NAMES, tally.kinds, strict=True)}
        truth.languages = {code: int(x) for code, x in zip(LANGS, tally.langs, strict=True) if x}
        truth.active_accounts = int((tally.authors > 0).sum())


def simulate(
    *,
    posts: int,
    accounts: int | None = None,
    seed: int,
    days: float = 7.0,
    start: datetime = DEFAULT_START,
) -> Simulation:
    """A deterministic simulated collection of `posts` posts by `accounts` (default posts/20)."""
    return Simulation(
        posts=posts,
        accounts=accounts if accounts is not None else max(MIN_ACCOUNTS, posts // 20),
        seed=seed,
        days=days,
        start=start,
    )


def write_simulation(
    out_dir: Path,
    *,
    posts: int,
    accounts: int | None = None,
    seed: int,
    days: float = 7.0,
    format: Literal["twitter-v2", "csv"] = "twitter-v2",
    progress: Callable[[int], None] | None = None,
    start: datetime = DEFAULT_START,
) -> dict[str, Any]:
    """Write a simulation to `out_dir`: posts, truth.json and truth_posts.parquet.

    `progress` is called with the number of posts written so far after every chunk.
    Returns a summary: counts, the files written with their sizes, and the seconds taken.
    """
    if format not in ("twitter-v2", "csv"):
        raise ValueError(f"unknown format {format!r}: expected 'twitter-v2' or 'csv'")
    began = time.perf_counter()
    sim = simulate(posts=posts, accounts=accounts, seed=seed, days=days, start=start)
    out_dir.mkdir(parents=True, exist_ok=True)
    labels_path = out_dir / "truth_posts.parquet"
    truth_path = out_dir / "truth.json"
    posts_path = out_dir / ("posts.jsonl" if format == "twitter-v2" else "posts.csv")
    written = 0
    # Generating and writing cost about the same: on two cores, generate in a child process.
    background = posts >= BACKGROUND_MIN_POSTS and (os.cpu_count() or 1) >= 2

    def labelled(chunks: Iterator[Chunk], labels: pq.ParquetWriter) -> Iterator[Chunk]:
        nonlocal written
        for chunk in chunks:
            labels.write_table(sim.labels(chunk))
            yield chunk
            written += len(chunk.posts)
            if progress is not None:
                progress(written)

    # Writing builds millions of acyclic containers: full collections would only rescan the
    # live posts again and again. Automatic collection is off until the files are written.
    enabled = gc.isenabled()
    gc.disable()
    try:
        with pq.ParquetWriter(labels_path, LABEL_SCHEMA, compression="zstd") as labels:
            if format == "twitter-v2":
                with posts_path.open("wb") as out:
                    pages = write_twarc(
                        sim.chunks(background=background),
                        sim.accounts,
                        out,
                        page_size=500 if posts >= 100_000 else 100,
                        end=sim.truth.end,
                    )
                    for _ in labelled(pages, labels):
                        pass
            else:
                with posts_path.open("w", newline="", encoding="utf-8") as text_out:
                    chunks = labelled(sim.chunks(background=background), labels)
                    write_cnt_csv(
                        (p for chunk in chunks for p in chunk.posts),
                        text_out,
                    )
    finally:
        if enabled:
            gc.enable()
    truth_path.write_bytes(msgspec.json.format(msgspec.json.encode(sim.truth), indent=2))
    files = {"posts": posts_path, "truth": truth_path, "labels": labels_path}
    return {
        "posts": written,
        "accounts": len(sim.accounts.ids),
        "seed": seed,
        "format": format,
        "campaigns": len(sim.truth.campaigns),
        "organic": len(sim.truth.organic),
        "surges": len(sim.truth.surges),
        "narratives": len(sim.truth.narratives),
        "files": {name: str(path) for name, path in files.items()},
        "bytes": {name: path.stat().st_size for name, path in files.items()},
        "seconds": round(time.perf_counter() - began, 3),
    }
