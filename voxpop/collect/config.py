"""`collect.toml`: which sources to collect from, and how politely.

Every section is optional; a source is collected when its section is present. Credentials are
never written in the file: a `*_env` setting names the environment variable that holds them.

```toml
collection = "port-strike"        # tag every collected post (optional)
pseudonymize = false              # keyed hashes for accounts (key from VOXPOP_KEY)

[feeds]
urls = ["https://example.org/feed.xml"]
url_file = "feeds.txt"            # one URL a line, # comments
interval = 900                    # seconds between polls of one feed
per_host_concurrency = 2
per_host_interval = 1.0           # seconds between requests to one host

[[jetstream]]
url = "wss://jetstream2.us-east.bsky.network/subscribe"
collections = ["app.bsky.feed.post", "app.bsky.feed.repost"]
keywords = ["port strike"]        # keep posts that contain all the words of one keyword

[[mastodon]]
instance = "https://mastodon.social"
timelines = ["public", "public:local", "tag:climate", "list:42"]
stream = true
access_token_env = "MASTODON_TOKEN"

[youtube]
api_key_env = "YOUTUBE_API_KEY"
queries = ["port strike"]

[reddit]
client_id_env = "REDDIT_CLIENT_ID"
client_secret_env = "REDDIT_CLIENT_SECRET"
subreddits = ["worldnews"]

[intake]                          # POST /NAME with data other tools push
port = 8765                       # on 127.0.0.1 unless host is set (then a token is required)
token_env = "VOXPOP_INTAKE_TOKEN"
```
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from voxpop.errors import ConfigError

__all__ = [
    "CollectConfig",
    "FeedsConfig",
    "IntakeConfig",
    "JetstreamConfig",
    "MastodonConfig",
    "RedditConfig",
    "YouTubeConfig",
    "load_config",
]

Seconds = Annotated[float, Field(ge=0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedsConfig(_Section):
    urls: list[str] = []
    url_file: Path | None = None
    interval: Seconds = 900.0
    concurrency: Annotated[int, Field(ge=1)] = 64
    per_host_concurrency: Annotated[int, Field(ge=1)] = 2
    per_host_interval: Seconds = 1.0
    timeout: Seconds = 30.0
    retry_base: Seconds = 60.0  # first retry of a failing feed; doubled on each failure
    max_backoff: Seconds = 86_400.0
    max_bytes: Annotated[int, Field(ge=1)] = 20_000_000

    def all_urls(self) -> list[str]:
        urls = list(self.urls)
        if self.url_file is not None:
            try:
                lines = self.url_file.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ConfigError(f"feeds.url_file: cannot read {self.url_file}: {exc}") from exc
            urls += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"feeds: {url!r} is not an http(s) URL")
        return list(dict.fromkeys(urls))


class JetstreamConfig(_Section):
    url: str = "wss://jetstream2.us-east.bsky.network/subscribe"
    collections: list[str] = ["app.bsky.feed.post", "app.bsky.feed.repost"]
    dids: list[str] = []
    keywords: list[str] = []
    batch_size: Annotated[int, Field(ge=1)] = 5_000
    flush_seconds: Annotated[float, Field(gt=0)] = 1.0
    # Jetstream advises replaying a little before the last cursor for gapless playback; the
    # overlap costs nothing because the store ignores posts it already has.
    rewind_seconds: Seconds = 2.0
    max_backoff: Seconds = 300.0


class MastodonConfig(_Section):
    instance: str
    timelines: list[str] = ["public"]
    stream: bool = False
    access_token_env: str | None = None
    interval: Seconds = 60.0
    limit: Annotated[int, Field(ge=1, le=40)] = 40
    max_pages: Annotated[int, Field(ge=1)] = 10
    flush_seconds: Annotated[float, Field(gt=0)] = 1.0
    retry_base: Seconds = 5.0  # first retry after an error; doubled on each failure
    max_backoff: Seconds = 900.0

    @field_validator("instance")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("instance must be an http(s) URL, e.g. https://mastodon.social")
        return value.rstrip("/")

    @field_validator("timelines")
    @classmethod
    def _timelines(cls, value: list[str]) -> list[str]:
        for name in value:
            kind, _, arg = name.partition(":")
            if kind == "public" and arg in ("", "local", "remote"):
                continue
            if kind in ("tag", "list") and arg:
                continue
            raise ValueError(
                f"unknown timeline {name!r}: use public, public:local, public:remote, "
                "tag:NAME or list:ID"
            )
        return value

    def token(self) -> str | None:
        return _secret(self.access_token_env)


class YouTubeConfig(_Section):
    api_key_env: str = "YOUTUBE_API_KEY"
    base_url: str = "https://www.googleapis.com/youtube/v3"
    queries: list[str] = []
    videos: list[str] = []
    comments: bool = True
    max_comment_pages: Annotated[int, Field(ge=0)] = 1
    interval: Seconds = 3_600.0
    daily_quota: Annotated[int, Field(ge=1)] = 10_000

    def api_key(self) -> str | None:
        return _secret(self.api_key_env)


class RedditConfig(_Section):
    client_id_env: str = "REDDIT_CLIENT_ID"
    client_secret_env: str = "REDDIT_CLIENT_SECRET"
    auth_url: str = "https://www.reddit.com/api/v1/access_token"
    base_url: str = "https://oauth.reddit.com"
    subreddits: list[str] = []
    comments: bool = True
    interval: Seconds = 300.0

    def credentials(self) -> tuple[str, str] | None:
        client_id, secret = _secret(self.client_id_env), _secret(self.client_secret_env)
        return (client_id, secret) if client_id and secret else None


class IntakeConfig(_Section):
    token_env: str | None = None
    max_bytes: Annotated[int, Field(ge=1)] = 50_000_000
    # `voxpop collect` serves the endpoint on host:port when a port is given; `voxpop serve`
    # mounts it in its own app instead.
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] | None = None

    def token(self) -> str | None:
        return _secret(self.token_env)


class CollectConfig(_Section):
    collection: str | None = None
    pseudonymize: bool = False
    user_agent: str = "voxpop/0.1 (+https://github.com/voxpop/voxpop)"
    feeds: FeedsConfig | None = None
    jetstream: list[JetstreamConfig] = []
    mastodon: list[MastodonConfig] = []
    youtube: YouTubeConfig | None = None
    reddit: RedditConfig | None = None
    intake: IntakeConfig | None = None


def _secret(env: str | None) -> str | None:
    return (os.environ.get(env) or None) if env else None


def load_config(path: Path) -> CollectConfig:
    """Read and check a `collect.toml`; relative `url_file`s are taken from its folder."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the collect config: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    feeds = data.get("feeds")
    if isinstance(feeds, dict) and isinstance(feeds.get("url_file"), str):
        feeds["url_file"] = str(path.parent / feeds["url_file"])
    try:
        return CollectConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from exc
