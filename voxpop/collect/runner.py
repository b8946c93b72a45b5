"""Run every configured collector until stopped: `voxpop collect --config collect.toml`.

Collectors are asyncio tasks sharing one User-Agent and one writer thread (feeds keep a small
connection pool per host, the others share one client). A collector that fails keeps retrying
with back-off; it never stops the others. Sources without credentials (YouTube, Reddit) are
skipped with a message saying what to set. With `[intake] port = N`, `voxpop collect` also
serves the intake endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import uvicorn

from voxpop.collect.apis import RedditCollector, YouTubeCollector
from voxpop.collect.config import CollectConfig, IntakeConfig
from voxpop.collect.feeds import FeedCollector
from voxpop.collect.http import Robots, new_client
from voxpop.collect.intake import intake_app
from voxpop.collect.jetstream import JetstreamCollector
from voxpop.collect.mastodon import MastodonCollector
from voxpop.collect.writer import Writer, sleep_or_stop
from voxpop.errors import ConfigError
from voxpop.store import Store

__all__ = ["collect", "run_collectors"]

Notice = Callable[[str], None]

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


async def collect(
    writer: Writer,
    config: CollectConfig,
    *,
    stop: asyncio.Event | None = None,
    stop_after: float | None = None,
    pseudonymize_key: bytes | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    notice: Notice = _stderr,
    serve_intake: bool = False,
) -> None:
    """Collect from every source in `config` until `stop` is set or `stop_after` seconds pass.

    Every write goes through `writer`, which the caller owns: `voxpop serve` passes the writer
    its other writes use, so the collectors share the database's one writer thread. Posts are
    pseudonymised when `pseudonymize_key` is given, and `config.pseudonymize` demands one. With
    `serve_intake` (what `voxpop collect` does) the intake endpoint listens on the `[intake]`
    port; `voxpop serve` leaves it off and mounts `intake_app` behind its own authentication.
    """
    if config.pseudonymize and pseudonymize_key is None:
        raise ConfigError("collect.toml sets pseudonymize = true: set VOXPOP_KEY to the key")
    stop = stop or asyncio.Event()
    client = new_client(config.user_agent, transport=transport)
    common: dict[str, Any] = {"collection": config.collection, "pseudonymize_key": pseudonymize_key}
    runs: list[Coroutine[Any, Any, None]] = []
    if config.feeds is not None:
        robots = Robots(client, config.user_agent)
        feeds = FeedCollector(
            config.feeds,
            writer,
            robots,
            user_agent=config.user_agent,
            transport=transport,
            **common,
        )
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
    if serve_intake and config.intake is not None and config.intake.port is not None:
        runs.append(_serve_intake(writer, config.intake, stop, notice, **common))
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


async def _serve_intake(
    writer: Writer,
    intake: IntakeConfig,
    stop: asyncio.Event,
    notice: Notice,
    *,
    collection: str | None,
    pseudonymize_key: bytes | None,
) -> None:
    """The intake endpoint on intake.host:intake.port until `stop` is set."""
    token = intake.token()
    if token is None and intake.host not in _LOOPBACK:
        raise ConfigError(
            f"intake.host = {intake.host!r} reaches beyond this machine: set intake.token_env "
            "to a variable holding a bearer token, or serve on 127.0.0.1"
        )
    app = intake_app(
        writer,
        token=token,
        max_bytes=intake.max_bytes,
        collection=collection,
        pseudonymize_key=pseudonymize_key,
    )
    # Bound here, so that a port in use is an error that says so (uvicorn would exit).
    family = socket.AF_INET6 if ":" in intake.host else socket.AF_INET
    sock = socket.socket(family)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((intake.host, intake.port or 0))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"intake: cannot listen on {intake.host}:{intake.port}: {exc}") from exc
    host, port = sock.getsockname()[:2]
    notice(f"intake: POST http://{host}:{port}/NAME")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait((serving, stopped), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        server.should_exit = True
        await serving
        sock.close()


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
        with Writer(store) as writer:
            await collect(
                writer,
                config,
                stop=stop,
                stop_after=stop_after,
                pseudonymize_key=pseudonymize_key,
                notice=notice,
                serve_intake=True,
            )

    asyncio.run(main())
