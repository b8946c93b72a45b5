"""The planted truth of a simulation, as written to truth.json (schema: `voxpop.simulate`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

__all__ = [
    "Behaviour",
    "CampaignTruth",
    "NarrativeTruth",
    "OrganicTruth",
    "SurgeTruth",
    "Truth",
]

Behaviour = Literal["co-repost", "co-link", "near-duplicate"]


class CampaignTruth(msgspec.Struct, kw_only=True):
    id: str
    behaviours: list[Behaviour]
    speed: Literal["fast", "slow"]
    lag_seconds: tuple[float, float]  # the range member lags are drawn from
    start: datetime
    end: datetime
    members: list[str]
    amplified_accounts: list[str]  # authors of the posts the members co-repost
    narrative: str | None
    languages: list[str]
    hashtags: list[str]
    urls: list[str]  # canonical form of the rare links members co-share
    actions: int
    target_post_ids: list[str] = []
    posts: int = 0


class OrganicTruth(msgspec.Struct, kw_only=True):
    id: str
    type: Literal["viral_burst", "fan_community", "share_button"]
    accounts: list[str]  # reposters, fans or sharers (not the seed or the star)
    start: datetime
    end: datetime
    narrative: str | None = None
    seed_post_id: str | None = None  # viral_burst
    seed_account_id: str | None = None  # viral_burst: the seed's author
    star_account_id: str | None = None  # fan_community
    star_post_ids: list[str] = []  # fan_community
    url: str | None = None  # share_button: the shared article (as shared)
    text: str | None = None  # share_button: the headline every sharer posts
    posts: int = 0


class SurgeTruth(msgspec.Struct, kw_only=True):
    id: str
    hashtag: str
    narrative: str
    languages: list[str]
    onset: datetime
    peak: datetime
    end: datetime
    posts: int = 0  # posts labelled with this surge (its excess over the baseline)
    baseline_posts: int = 0  # posts carrying the hashtag outside the surge
    hourly: list[int] = []  # labelled posts per hour from the simulation start


class NarrativeTruth(msgspec.Struct, kw_only=True):
    id: str
    title: str
    languages: list[str]
    hashtags: list[str]
    shape: Literal["steady", "rising", "episodic"]
    surges: list[str] = []
    posts: int = 0
    hourly: list[int] = []


class Truth(msgspec.Struct, kw_only=True):
    version: int = 1
    generator: str = "voxpop.simulate"
    platform: str = "twitter"
    seed: int
    posts: int
    accounts: int
    start: datetime
    end: datetime
    days: float
    campaigns: list[CampaignTruth]
    organic: list[OrganicTruth]
    surges: list[SurgeTruth]
    narratives: list[NarrativeTruth]
    kinds: dict[str, int] = {}
    languages: dict[str, int] = {}
    active_accounts: int = 0
