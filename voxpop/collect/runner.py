"""Run every configured collector until stopped: `voxpop collect --config collect.toml`.

Collectors are asyncio tasks sharing one HTTP client (one User-Agent, one connection pool) and
one writer thread. A collector that fails keeps retrying with back-off; it never stops the
others. Sources without credentials (YouTube, Reddit) are skipped with a message saying what
to set.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from voxpop.collect.apis import RedditCollector, YouTubeCollector
from voxpop.collect.config import CollectConfig
from voxpop.collect.feeds import FeedCollector
from voxpop.collect.http import Robots, new_client
from voxpop.collect.jetstream import JetstreamCollector
from voxpop.collect.mastodon import MastodonCollector
from voxpop.collect.writer import Writer, sleep_or_stop
from voxpop.errors import ConfigError
from voxpop.store import Store

__all__ = ["collect", "run_collectors"]

Notice = Callable[[str], None]


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


async def collect(
    store: Store,
    config: CollectConfig,
    *,
    stop: asyncio.Event | None = None,
    stop_after: float | None = None,
    pseudonymize_key: bytes | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    notice: Notice = _stderr,
) -> None:
    """Collect from every source in `config` until `stop` is set or `stop_after` seconds pass."""
    if config.pseudonymize and pseudonymize_key is None:
        raise ConfigError("collect.toml sets pseudonymize = true: set VOXPOP_KEY to the key")
    stop = stop or asyncio.Event()
    writer = Writer(store)
    client = new_client(config.user_agent, transport=transport)
    key = pseudonymize_key if config.pseudonymize else None
    common: dict[str, Any] = {"collection": config.collection, "pseudonymize_key": key}
    runs: list[Coroutine[Any, Any, None]] = []
    if config.feeds is not None:
        robots = Robots(client, config.user_agent)
        feeds = FeedCollector(config.feeds, writer, client, robots, **common)
        runs.append(feeds.run(stop))
    for jet in config.jetstream:
        runs.append(
            JetstreamCollector(jet, writer, user_agent=config.user_agent, **common).run(stop)
        )
    for instance in config.mastodon:
        collector = MastodonCollector(
            instance, writer, client, user_agent=config.user_agent, **common
        )
        runs.append(collector.run(stop))
    if config.youtube is not None:
        if config.youtube.api_key() is None:
            notice(
                f"youtube: skipped: no API key; set {config.youtube.api_key_env} to your "
                "YouTube Data API v3 key"
            )
        else:
            runs.append(YouTubeCollector(config.youtube, writer, client, **common).run(stop))
    if config.reddit is not None:
        if config.reddit.credentials() is None:
            notice(
                f"reddit: skipped: no credentials; set {config.reddit.client_id_env} and "
                f"{config.reddit.client_secret_env} to your Reddit app's id and secret"
            )
        else:
            runs.append(RedditCollector(config.reddit, writer, client, **common).run(stop))
    if not runs:
        notice("collect: nothing to collect; add sources to collect.toml")
    tasks = [asyncio.create_task(run) for run in runs]
    try:
        if stop_after is not None:
            await sleep_or_stop(stop, stop_after)
            stop.set()
        await asyncio.gather(*tasks)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.aclose()
        writer.close()


def run_collectors(
    store: Store,
    config: CollectConfig,
    *,
    stop_after: float | None = None,
    pseudonymize_key: bytes | None = None,
    notice: Notice = _stderr,
) -> None:
    """Blocking `collect`; Ctrl-C or SIGTERM stops it cleanly (buffers stored, cursors saved)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        await collect(
            store,
            config,
            stop=stop,
            stop_after=stop_after,
            pseudonymize_key=pseudonymize_key,
            notice=notice,
        )

    asyncio.run(main())
