"""Polite HTTP: who we are, how often we ask one host, how we wait after errors, robots.txt.

Every request carries voxpop's User-Agent. A host gets at most `concurrency` requests at a time
and `interval` seconds between the starts of two requests; a 429 or 503 with `Retry-After`
pauses the whole host for that long. Errors back off exponentially per source.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.robotparser
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

__all__ = ["HostClients", "HostLimiter", "Robots", "backoff", "new_client", "retry_after"]

ROBOTS_TTL = 86_400.0  # seconds a robots.txt is trusted before it is fetched again
ROBOTS_RETRY = 600.0  # seconds before an unreachable robots.txt is tried again


def new_client(
    user_agent: str,
    *,
    timeout: float = 30.0,
    transport: httpx.AsyncBaseTransport | None = None,
    connections: int = 256,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers={"User-Agent": user_agent},
        timeout=timeout,
        follow_redirects=True,
        transport=transport,
        limits=httpx.Limits(
            max_connections=connections, max_keepalive_connections=min(64, connections)
        ),
        verify=verify,
    )


class HostClients:
    """One small HTTP client per host, for thousands of feeds on hundreds of hosts.

    httpcore looks through every pooled connection on each request (and compares each idle one
    with all the others), so one pool over hundreds of hosts spent more CPU choosing a
    connection than making the request; a pool per host holds at most `connections`. The hosts
    share one TLS context, whose CA bundle is read once. A given `transport` (tests) serves all.
    """

    def __init__(
        self,
        user_agent: str,
        *,
        connections: int,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.user_agent = user_agent
        self.connections = connections
        self.timeout = timeout
        self.transport = transport
        self._tls = httpx.create_ssl_context()
        self._clients: dict[str, httpx.AsyncClient] = {}

    def get(self, url: str) -> httpx.AsyncClient:
        host = host_of(url)
        client = self._clients.get(host)
        if client is None:
            client = self._clients[host] = new_client(
                self.user_agent,
                timeout=self.timeout,
                transport=self.transport,
                connections=self.connections,
                verify=self._tls,
            )
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class HostLimiter:
    """Per-host concurrency and spacing, and pauses a host asked for."""

    def __init__(self, concurrency: int, interval: float) -> None:
        self.concurrency = concurrency
        self.interval = interval
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        host = host_of(url)
        semaphore = self._slots.setdefault(host, asyncio.Semaphore(self.concurrency))
        async with semaphore:
            while (wait := self._next_start.get(host, 0.0) - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            self._next_start[host] = time.monotonic() + self.interval
            yield

    def pause(self, url: str, seconds: float) -> None:
        """No request to this host for `seconds` (it said so with Retry-After)."""
        host = host_of(url)
        until = time.monotonic() + seconds
        self._next_start[host] = max(self._next_start.get(host, 0.0), until)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait that the server asked for: `Retry-After` (seconds or a date), else a
    rate-limit reset header (Mastodon sends an ISO time, Reddit seconds)."""
    value = response.headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, (moment - datetime.now(UTC)).total_seconds())
    reset = response.headers.get("x-ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset))
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(reset.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return max(0.0, (moment - datetime.now(UTC)).total_seconds())
    return None


def backoff(errors: int, base: float, cap: float) -> float:
    """Seconds to wait after `errors` consecutive failures: base doubled each time, capped."""
    return float(min(cap, base * 2 ** max(0, errors - 1)))


class Robots:
    """robots.txt per host (RFC 9309): a 4xx means no rules; a 5xx or no answer, stay away."""

    def __init__(self, client: httpx.AsyncClient, user_agent: str) -> None:
        self.client = client
        self.agent = user_agent.split("/", 1)[0]
        self._rules: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str) -> bool:
        host = host_of(url)
        async with self._locks.setdefault(host, asyncio.Lock()):
            cached = self._rules.get(host)
            if cached is None or cached[0] < time.monotonic():
                rules = await self._fetch(host)
                # An unreachable robots.txt is asked again soon: the outage may be brief.
                ttl = ROBOTS_TTL if rules is not None else ROBOTS_RETRY
                cached = self._rules[host] = (time.monotonic() + ttl, rules)
        rules = cached[1]
        return rules is not None and rules.can_fetch(self.agent, url)

    async def _fetch(self, host: str) -> urllib.robotparser.RobotFileParser | None:
        parser = urllib.robotparser.RobotFileParser()
        try:
            response = await self.client.get(f"{host}/robots.txt")
        except httpx.HTTPError:
            return None
        if response.status_code >= 500:
            return None
        # No rules (a 4xx) allow everything.
        parser.parse(response.text.splitlines() if response.status_code < 400 else [])
        return parser
