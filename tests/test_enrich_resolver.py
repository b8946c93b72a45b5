"""Shortener resolution against a real redirecting HTTP server on 127.0.0.1."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from voxpop.enrich import resolver as resolver_module
from voxpop.enrich.resolver import UrlResolver, resolve_urls, resolved_url_map, url_resolutions
from voxpop.enrich.urls import url_domain
from voxpop.schema import Post, posts_to_table
from voxpop.store import Store


class _Server:
    """Answers per path: /r/N redirects to /r/N-1, /r/0 to an external page; see `_routes`."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, float]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                server.requests.append((self.command, self.path, time.monotonic()))
                status, location = server.route(self.path, self.command)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = _answer
            do_GET = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def route(self, path: str, method: str) -> tuple[int, str | None]:
        if path.startswith("/hop/"):
            n = int(path.rsplit("/", 1)[1])
            if n == 0:
                return 301, "https://news.example.org/story?utm_source=tw&id=7#top"
            return 302, f"/hop/{n - 1}"
        if path == "/loop":
            return 301, "/loop"
        if path == "/nohead":
            if method == "HEAD":
                return 405, None
            return 301, "https://example.com/landing"
        if path == "/gone":
            return 404, None
        if path == "/relative":
            return 301, "/hop/0"
        return 200, None

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    srv = _Server()
    # The test server stands in for a shortener: 127.0.0.1 counts as one here.
    monkeypatch.setattr(
        resolver_module,
        "is_shortener",
        lambda url: url_domain(url) == "127.0.0.1",
    )
    yield srv
    srv.close()


def _resolver(**options: float) -> UrlResolver:
    return UrlResolver(timeout=options.get("timeout", 2.0), per_host_interval=0.0)


def test_follows_redirect_chain_and_stops_at_first_non_shortener(server: _Server) -> None:
    with _resolver() as r:
        result = r.resolve(f"{server.base}/hop/2")
    assert result.resolved == "https://news.example.org/story?id=7"
    assert result.status == 301
    assert result.error is None
    # Three hops on the test server; the destination site itself is never asked.
    assert [p for _, p, _ in server.requests] == ["/hop/2", "/hop/1", "/hop/0"]
    assert all(m == "HEAD" for m, _, _ in server.requests)


def test_relative_location_and_get_fallback(server: _Server) -> None:
    with _resolver() as r:
        assert r.resolve(f"{server.base}/relative").resolved == (
            "https://news.example.org/story?id=7"
        )
        no_head = r.resolve(f"{server.base}/nohead")
    assert no_head.resolved == "https://example.com/landing"
    assert ("GET", "/nohead") in [(m, p) for m, p, _ in server.requests]


def test_failures_are_reported_not_raised(server: _Server) -> None:
    with UrlResolver(per_host_interval=0.0, max_redirects=3, timeout=1.0) as r:
        assert r.resolve(f"{server.base}/loop").error == "redirect loop"
        assert r.resolve(f"{server.base}/hop/10").error == "more than 3 redirects"
        gone = r.resolve(f"{server.base}/gone")
        assert (gone.resolved, gone.status, gone.error) == (None, 404, "HTTP 404")
        # Nothing listens on port 9 of 127.0.0.1 (discard): connection refused.
        refused = r.resolve("http://127.0.0.1:9/x")
    assert refused.resolved is None
    assert refused.error is not None and "Connect" in refused.error
    # A page that does not redirect resolves to itself.
    with _resolver() as r:
        assert r.resolve(f"{server.base}/plain").resolved == f"{server.base}/plain"


def test_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    # A server that accepts connections and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    port = silent.getsockname()[1]
    monkeypatch.setattr(resolver_module, "is_shortener", lambda url: True)
    try:
        started = time.monotonic()
        with UrlResolver(timeout=0.3, per_host_interval=0.0) as r:
            result = r.resolve(f"http://127.0.0.1:{port}/slow")
        assert time.monotonic() - started < 5
        assert result.resolved is None and result.error and "Timeout" in result.error
    finally:
        silent.close()


def test_per_host_rate_limit(server: _Server) -> None:
    with UrlResolver(per_host_interval=0.2, concurrency=4) as r:
        results = r.resolve_many([f"{server.base}/plain{i}" for i in range(4)])
    assert all(res.error is None for res in results)
    times = sorted(t for _, _, t in server.requests)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.18


def test_resolve_urls_caches_in_the_store(server: _Server, tmp_path: Path) -> None:
    urls = [f"{server.base}/hop/1", f"{server.base}/gone", "https://example.com/not-short"]
    posts = [
        Post(platform="twitter", post_id=str(i), text="x", urls=[url]) for i, url in enumerate(urls)
    ]
    posts.append(Post(platform="twitter", post_id="9", text="dup", urls=[urls[0]]))
    with Store(tmp_path / "db.duckdb") as store:
        store.upsert_posts(posts_to_table(posts))
        first = resolve_urls(store, resolver=_resolver())
        assert (first.candidates, first.cached, first.resolved, first.failed) == (2, 0, 1, 1)
        asked = len(server.requests)
        again = resolve_urls(store, resolver=_resolver())
        assert (again.cached, again.resolved, again.failed) == (2, 0, 0)
        assert len(server.requests) == asked
        retried = resolve_urls(store, resolver=_resolver(), retry_errors=True)
        assert (retried.cached, retried.failed) == (1, 1)
        assert resolved_url_map(store) == {urls[0]: "https://news.example.org/story?id=7"}
        rows = url_resolutions(store).order("url").fetchall()
        assert [(r[0], r[2], r[3]) for r in rows] == [
            (urls[1], 404, "HTTP 404"),
            (urls[0], 301, None),
        ]
