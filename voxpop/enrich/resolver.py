"""Optional shortener resolution: follow the redirects of bit.ly, t.co & co, with a cache.

Off by default: it is the one enrichment that goes on the network. `resolve_urls(store)`
takes the distinct URLs of the stored posts that point at a known shortener
(`voxpop.enrich.urls.is_shortener`) and are not in the cache yet, follows each one's
redirects and records the result in `url_resolution` (url, resolved, status, error,
resolved_at), keyed by the canonical URL, so every URL is asked about once, ever.

How it asks:

- one hop at a time (HEAD; GET when the server refuses HEAD), reading the Location header,
  never a body, and stopping at the first URL that is not a shortener: the destination site
  itself is never contacted;
- at most `max_redirects` hops; a `timeout` per request;
- a per-host rate limit (`per_host_interval` seconds between requests to one host), with up
  to `concurrency` hosts asked in parallel;
- failures (timeouts, refused connections, 4xx/5xx answers, redirect loops) are cached with
  their error, so they are not retried unless `retry_errors=True`.

`resolved` is the canonical form (`canonical_url`) of the first non-shortener URL reached, or
NULL when resolution failed. `resolved_url_map(store)` returns the cache as a dict, and
`url_resolutions(store)` as a DuckDB relation to join in SQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urljoin

import duckdb
import httpx
import msgspec
import pyarrow as pa

from voxpop.enrich.urls import canonical_url, is_shortener, url_domain
from voxpop.store import Store

__all__ = [
    "Resolution",
    "ResolveReport",
    "UrlResolver",
    "resolve_urls",
    "resolved_url_map",
    "url_resolutions",
]

USER_AGENT = "voxpop-url-resolver/0.1 (+https://github.com/voxpop)"


class Resolution(msgspec.Struct, frozen=True):
    url: str
    resolved: str | None
    status: int | None
    error: str | None


class ResolveReport(msgspec.Struct, kw_only=True):
    candidates: int = 0  # distinct shortener URLs in the posts
    cached: int = 0  # already in the cache, not asked again
    resolved: int = 0  # asked now and resolved
    failed: int = 0  # asked now and failed (cached with the error)
    seconds: float = 0.0


class _HostLimiter:
    """At most one request per `interval` seconds to each host, across threads."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


class UrlResolver:
    """Follows shortener redirects (see the module docstring); usable without a store."""

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        per_host_interval: float = 1.0,
        max_redirects: int = 5,
        concurrency: int = 8,
        client: httpx.Client | None = None,
    ) -> None:
        self.max_redirects = max_redirects
        self.concurrency = max(1, concurrency)
        self._limiter = _HostLimiter(per_host_interval)
        self._client = client or httpx.Client(
            timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )
        self._owns_client = client is None

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> UrlResolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _hop(self, url: str) -> tuple[int, str | None]:
        """One request: the status and the redirect target, if any."""
        self._limiter.wait(url_domain(url))
        client = self._client
        response = client.head(url)
        if response.status_code in (400, 403, 404, 405, 501):
            # Some shorteners refuse HEAD; a streamed GET reads the headers only.
            self._limiter.wait(url_domain(url))
            with client.stream("GET", url) as streamed:
                response = streamed
        location = response.headers.get("location")
        if response.is_redirect and location:
            return int(response.status_code), urljoin(url, location)
        return int(response.status_code), None

    def resolve(self, url: str) -> Resolution:
        """Follow one URL's shortener redirects. Never raises for network trouble."""
        key = canonical_url(url)
        current = key
        seen = {current}
        status: int | None = None
        try:
            for _ in range(self.max_redirects + 1):
                status, target = self._hop(current)
                if target is None:
                    if status >= 400:
                        return Resolution(key, None, status, f"HTTP {status}")
                    return Resolution(key, canonical_url(current), status, None)
                current = canonical_url(target)
                if current in seen:
                    return Resolution(key, None, status, "redirect loop")
                seen.add(current)
                if not is_shortener(current):
                    return Resolution(key, current, status, None)
            return Resolution(key, None, status, f"more than {self.max_redirects} redirects")
        except httpx.HTTPError as exc:
            return Resolution(key, None, status, f"{type(exc).__name__}: {exc}")

    def resolve_many(
        self, urls: Iterable[str], progress: Callable[[int, int], None] | None = None
    ) -> list[Resolution]:
        """Resolve URLs, different hosts in parallel; results in input order."""
        todo = list(urls)
        results: list[Resolution] = []
        with ThreadPoolExecutor(self.concurrency) as pool:
            for done, result in enumerate(pool.map(self.resolve, todo), start=1):
                results.append(result)
                if progress:
                    progress(done, len(todo))
        return results


def _store(store: Store, results: list[Resolution]) -> None:
    if not results:
        return
    now = datetime.now(UTC)
    table = pa.table(
        {
            "url": pa.array([r.url for r in results], pa.string()),
            "resolved": pa.array([r.resolved for r in results], pa.string()),
            "status": pa.array([r.status for r in results], pa.int32()),
            "error": pa.array([r.error for r in results], pa.string()),
            "resolved_at": pa.array([now] * len(results), pa.timestamp("us", tz="UTC")),
        }
    )
    store.con.register("_resolutions", table)
    try:
        with store.transaction():
            store.con.execute(
                """
                INSERT INTO url_resolution SELECT DISTINCT ON (url) * FROM _resolutions
                ON CONFLICT (url) DO UPDATE SET resolved = excluded.resolved,
                    status = excluded.status, error = excluded.error,
                    resolved_at = excluded.resolved_at
                """
            )
    finally:
        store.con.unregister("_resolutions")


def resolve_urls(
    store: Store,
    *,
    retry_errors: bool = False,
    limit: int | None = None,
    resolver: UrlResolver | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ResolveReport:
    """Resolve the shortener URLs of the stored posts that are not cached yet.

    `limit` caps how many are asked in this run; `resolver` sets timeout, rate and
    concurrency (default: `UrlResolver()`). Results are committed every 100 URLs.
    """
    started = time.perf_counter()
    report = ResolveReport()
    rows = store.con.execute(
        "SELECT DISTINCT u FROM (SELECT unnest(urls) AS u FROM posts) WHERE u IS NOT NULL"
    ).fetchall()
    candidates = sorted({canonical_url(r[0]) for r in rows if is_shortener(r[0])})
    report.candidates = len(candidates)
    # With retry_errors, only successful resolutions count as cached.
    where = " WHERE error IS NULL" if retry_errors else ""
    cached = {
        str(r[0]) for r in store.con.execute(f"SELECT url FROM url_resolution{where}").fetchall()
    }
    todo = [u for u in candidates if u not in cached]
    report.cached = len(candidates) - len(todo)
    if limit is not None:
        todo = todo[:limit]
    own = resolver is None
    active = resolver or UrlResolver()
    try:
        for start in range(0, len(todo), 100):
            results = active.resolve_many(todo[start : start + 100])
            _store(store, results)
            report.resolved += sum(r.resolved is not None for r in results)
            report.failed += sum(r.resolved is None for r in results)
            if progress:
                progress(min(start + 100, len(todo)), len(todo))
    finally:
        if own:
            active.close()
    report.seconds = time.perf_counter() - started
    return report


def url_resolutions(store: Store) -> duckdb.DuckDBPyRelation:
    """The resolution cache: url (canonical), resolved, status, error, resolved_at."""
    return store.con.sql("SELECT * FROM url_resolution")


def resolved_url_map(store: Store) -> dict[str, str]:
    """Canonical shortener URL -> canonical resolved URL, for the URLs that resolved."""
    rows = store.con.execute(
        "SELECT url, resolved FROM url_resolution WHERE resolved IS NOT NULL"
    ).fetchall()
    return {str(u): str(r) for u, r in rows}
