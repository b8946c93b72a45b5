"""The REST API of `voxpop serve`: in-process (Starlette's TestClient) and under a real uvicorn
on 127.0.0.1, over a real database of simulated posts with a stored coordination run."""

from __future__ import annotations

import io
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import networkx as nx
import pyarrow.parquet as pq
import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import fixture_path
from voxpop.alerts import evaluate, parse_rules
from voxpop.analyze.coordination import detect_coordination
from voxpop.analyze.coordination_store import save_clusters
from voxpop.analyze.narratives import assign_narratives
from voxpop.analyze.query import search
from voxpop.cli import cli
from voxpop.collect.config import CollectConfig
from voxpop.ingest import ingest
from voxpop.simulate import write_simulation
from voxpop.store import Store
from voxpop.web import api, create_app
from voxpop.web.security import CSRF_COOKIE, SECURITY_HEADERS, create_token

API = "/api/v1"
ADMIN_ONLY = [
    ("POST", f"{API}/purge", {"posts": [{"platform": "twitter", "post_id": "1"}]}),
    ("GET", f"{API}/rules", None),
    ("PUT", f"{API}/rules", {"text": "x"}),
    ("GET", f"{API}/collectors", None),
    ("POST", f"{API}/collectors/start", None),
    ("GET", f"{API}/tokens", None),
    ("POST", f"{API}/tokens", {"name": "x", "role": "admin"}),
    ("DELETE", f"{API}/tokens/x", None),
    ("GET", f"{API}/audit", None),
]
RULES = """
[[rule]]
name = "busy hour"
condition = "volume"
above = 1
window = "1h"
cooldown = "0m"
"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of 3,000 simulated posts with alerts and one stored coordination run."""
    root = tmp_path_factory.mktemp("web")
    write_simulation(root / "sim", posts=3000, accounts=150, seed=3, days=2.0)
    path = root / "seed.duckdb"
    with Store(path) as store:
        ingest(store, [root / "sim" / "posts.jsonl"], collection="sim")
        last = store.con.execute("SELECT max(created_at) FROM posts").fetchall()[0][0]
        evaluate(store, parse_rules(RULES), now=last, deliver=False)
        save_clusters(store, detect_coordination(store))
        assign_narratives(store)
    return path


@pytest.fixture
def db(seeded: Path, tmp_path: Path) -> Path:
    path = tmp_path / "voxpop.duckdb"
    shutil.copy(seeded, path)
    return path


class Tokens:
    def __init__(self, path: Path) -> None:
        with Store(path) as store:
            self.admin = create_token(store, "ada", "admin")
            self.viewer = create_token(store, "vic", "viewer")

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens(db: Path) -> Tokens:
    return Tokens(db)


@pytest.fixture
def client(db: Path, tokens: Tokens, tmp_path: Path) -> Iterator[TestClient]:
    with Store(db) as store:
        app = create_app(store, rules_path=tmp_path / "rules.toml", warm=False)
        with TestClient(app) as test_client:
            yield test_client


def test_unauthenticated_requests_are_refused(client: TestClient) -> None:
    response = client.get(f"{API}/overview")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.get(f"{API}/overview", headers=Tokens.bearer("vxp_wrong")).status_code == 401
    # Pages send browsers to the login form instead.
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
def test_admin_endpoints_refuse_anonymous_and_viewers(
    client: TestClient, tokens: Tokens, method: str, path: str, body: object
) -> None:
    anonymous = client.request(method, path, json=body)
    assert anonymous.status_code == 401
    viewer = client.request(method, path, json=body, headers=Tokens.bearer(tokens.viewer))
    assert viewer.status_code == 403, viewer.text
    assert "admin" in viewer.json()["detail"]


def test_overview_counts_and_security_headers(client: TestClient, tokens: Tokens, db: Path) -> None:
    response = client.get(f"{API}/overview?interval=6h", headers=Tokens.bearer(tokens.viewer))
    assert response.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["timezone"] == "UTC" and body["interval"] == "6h"
    totals = body["totals"]
    assert totals["posts"] == 3000
    assert totals["first"].endswith("Z") and totals["first"] <= totals["last"]
    assert sum(p["posts"] for p in body["volume"]) == 3000
    assert sum(p["posts"] for p in body["languages"]) == 3000
    assert body["platforms"] == [{"platform": "twitter", "posts": 3000}]
    assert body["collections"] == [{"collection": "sim", "posts": 3000}]
    starts = [datetime.fromisoformat(p["bucket"]) for p in body["volume"]]
    assert all(b.hour % 6 == 0 and b.minute == 0 for b in starts)
    bad = client.get(f"{API}/overview?interval=fortnight", headers=Tokens.bearer(tokens.viewer))
    assert bad.status_code == 400 and "interval" in bad.json()["detail"]


def test_search_pages_through_every_match_in_order(
    client: TestClient, tokens: Tokens, db: Path
) -> None:
    with client.app.state.voxpop.reader() as store:  # type: ignore[attr-defined]
        expected = search(store, "port OR strike", limit=None).column("post_id").to_pylist()
    assert len(expected) > 10
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"q": "port OR strike", "limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{API}/search", params=params, headers=Tokens.bearer(tokens.viewer))
        assert page.status_code == 200
        body = page.json()
        assert body["timezone"] == "UTC" and body["query"] == "port OR strike"
        seen += [p["post_id"] for p in body["posts"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    first = body["posts"][0]
    assert set(first) >= {"platform", "post_id", "created_at", "author_handle", "lang", "kind"}
    forged = client.get(
        f"{API}/search", params={"cursor": "bm9wZQ"}, headers=Tokens.bearer(tokens.viewer)
    )
    assert forged.status_code == 400
    broken = client.get(
        f"{API}/search", params={"q": '"unclosed'}, headers=Tokens.bearer(tokens.viewer)
    )
    assert broken.status_code == 400 and "position" in broken.json()["detail"]


def test_trends_by_language(client: TestClient, tokens: Tokens) -> None:
    response = client.get(
        f"{API}/trends",
        params={"q": "strike", "interval": "1d", "by": "lang"},
        headers=Tokens.bearer(tokens.viewer),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "UTC" and body["by"] == "lang"
    assert body["series"] and all("group" in point for point in body["series"])
    assert sum(p["posts"] for p in body["series"]) > 0
    # Without a query: every post, so at least as many as those matching "strike".
    everything = client.get(
        f"{API}/trends", params={"interval": "1d"}, headers=Tokens.bearer(tokens.viewer)
    ).json()
    assert sum(p["posts"] for p in everything["series"]) > sum(p["posts"] for p in body["series"])


def test_alerts_ack_and_audit(client: TestClient, tokens: Tokens) -> None:
    viewer = Tokens.bearer(tokens.viewer)
    listed = client.get(f"{API}/alerts?limit=1", headers=viewer).json()
    assert listed["timezone"] == "UTC" and len(listed["alerts"]) == 1
    alert_id = listed["alerts"][0]["alert_id"]
    acked = client.post(f"{API}/alerts/{alert_id}/ack", headers=viewer)
    assert acked.status_code == 200 and acked.json()["acknowledged"] is True
    assert acked.json()["acknowledged_by"] == "vic" and acked.json()["acknowledged_at"]
    again = client.post(f"{API}/alerts/{alert_id}/ack", headers=viewer).json()
    assert (
        again["acknowledged"] is False
        and again["acknowledged_at"] == acked.json()["acknowledged_at"]
    )
    done = client.get(f"{API}/alerts?acknowledged=true", headers=viewer).json()["alerts"]
    assert [a["alert_id"] for a in done] == [alert_id]
    assert done[0]["acknowledged_by"] == "vic"
    assert client.post(f"{API}/alerts/999999/ack", headers=viewer).status_code == 404
    audit = client.get(f"{API}/audit", headers=Tokens.bearer(tokens.admin)).json()["entries"]
    assert audit[0]["action"] == "alert.ack" and audit[0]["actor"] == "vic"


def test_admin_purge_removes_posts_from_every_view(client: TestClient, tokens: Tokens) -> None:
    admin = Tokens.bearer(tokens.admin)
    page = client.get(f"{API}/search?q=strike&limit=2", headers=admin).json()["posts"]
    keys = [{"platform": p["platform"], "post_id": p["post_id"]} for p in page]
    before = client.get(f"{API}/overview", headers=admin).json()["totals"]["posts"]
    purged = client.post(f"{API}/purge", json={"posts": keys, "reason": "test"}, headers=admin)
    assert purged.json() == {"requested": 2, "removed": 2}
    after = client.get(f"{API}/search?q=strike&limit=2", headers=admin).json()["posts"]
    assert not {p["post_id"] for p in after} & {k["post_id"] for k in keys}
    assert client.get(f"{API}/overview", headers=admin).json()["totals"]["posts"] == before - 2
    entry = client.get(f"{API}/audit", headers=admin).json()["entries"][0]
    assert entry["action"] == "purge" and entry["details"]["removed"] == 2


def test_rules_are_checked_before_they_are_written(
    client: TestClient, tokens: Tokens, tmp_path: Path
) -> None:
    admin = Tokens.bearer(tokens.admin)
    refused = client.put(f"{API}/rules", json={"text": "[[rule]]\nname='x'\n"}, headers=admin)
    assert refused.status_code == 400 and "condition" in refused.json()["detail"]
    assert not (tmp_path / "rules.toml").exists()
    assert client.put(f"{API}/rules", json={"text": RULES}, headers=admin).status_code == 200
    got = client.get(f"{API}/rules", headers=admin).json()
    assert got["text"] == RULES and got["rules"][0]["name"] == "busy hour"


def test_tokens_made_through_the_api_work_and_revoke(client: TestClient, tokens: Tokens) -> None:
    admin = Tokens.bearer(tokens.admin)
    made = client.post(f"{API}/tokens", json={"name": "bot", "role": "viewer"}, headers=admin)
    token = made.json()["token"]
    assert client.get(f"{API}/overview", headers=Tokens.bearer(token)).status_code == 200
    listed = client.get(f"{API}/tokens", headers=admin).json()["tokens"]
    assert {"ada", "bot", "vic"} == {t["name"] for t in listed}
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert client.delete(f"{API}/tokens/bot", headers=admin).status_code == 200
    assert client.get(f"{API}/overview", headers=Tokens.bearer(token)).status_code == 401


def test_browser_session_with_csrf_double_submit(client: TestClient, tokens: Tokens) -> None:
    form = client.get("/login")
    csrf = client.cookies[CSRF_COOKIE]
    assert f'value="{csrf}"' in form.text
    wrong = client.post("/login", data={"token": tokens.viewer, "csrf": "forged"})
    assert wrong.status_code == 403
    login = client.post(
        "/login", data={"token": tokens.viewer, "csrf": csrf}, follow_redirects=False
    )
    assert login.status_code == 303
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get(f"{API}/overview").status_code == 200  # the session cookie now
    alert_id = client.get(f"{API}/alerts").json()["alerts"][0]["alert_id"]
    assert client.post(f"{API}/alerts/{alert_id}/ack").status_code == 403
    ok = client.post(f"{API}/alerts/{alert_id}/ack", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert client.post("/logout", follow_redirects=False).status_code == 403
    out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get(f"{API}/overview").status_code == 401


def test_request_bodies_over_the_limit_are_refused(client: TestClient, tokens: Tokens) -> None:
    big = {"posts": [{"platform": "twitter", "post_id": str(i)} for i in range(60_000)]}
    response = client.post(f"{API}/purge", json=big, headers=Tokens.bearer(tokens.admin))
    assert response.status_code == 413


def test_exports_stream_every_matching_post(
    client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "EXPORT_BATCH_ROWS", 7)  # several batches, row groups, chunks
    viewer = Tokens.bearer(tokens.viewer)
    with client.app.state.voxpop.reader() as store:  # type: ignore[attr-defined]
        expected = search(store, "strike", limit=None).num_rows
    parquet = client.get(f"{API}/export?q=strike&format=parquet", headers=viewer)
    exported = pq.ParquetFile(io.BytesIO(parquet.content))
    assert exported.metadata.num_rows == expected and exported.num_row_groups > 1
    assert exported.read().column("text").to_pylist() == [
        r["text"] for r in client.get(f"{API}/export?q=strike&format=json", headers=viewer).json()
    ]
    rows = client.get(f"{API}/export?q=strike&format=json", headers=viewer).json()
    assert len(rows) == expected and {"text", "created_at", "likes"} <= set(rows[0])
    csv = client.get(f"{API}/export?q=strike&format=csv", headers=viewer)
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) >= expected + 1


def test_clusters_come_from_the_stored_run(client: TestClient, tokens: Tokens) -> None:
    viewer = Tokens.bearer(tokens.viewer)
    clusters = client.get(f"{API}/coordination/clusters", headers=viewer).json()["clusters"]
    assert clusters, "the simulation plants campaigns"
    cluster_id = clusters[0]["id"]
    detail = client.get(f"{API}/coordination/clusters/{cluster_id}", headers=viewer).json()
    assert detail["cluster"]["id"] == cluster_id
    assert {n["id"] for n in detail["nodes"]} == set(detail["cluster"]["accounts"])
    assert detail["edges"] and {"source", "target", "behaviour", "weight"} <= set(
        detail["edges"][0]
    )
    gexf = client.get(f"{API}/coordination/clusters/{cluster_id}.gexf", headers=viewer)
    graph = nx.read_gexf(io.BytesIO(gexf.content))
    assert graph.number_of_nodes() == len(detail["nodes"])
    graphml = client.get(f"{API}/coordination/clusters/{cluster_id}?format=graphml", headers=viewer)
    assert graphml.headers["content-type"].startswith("application/graphml+xml")
    assert nx.read_graphml(io.BytesIO(graphml.content)).number_of_edges() == graph.number_of_edges()
    missing = client.get(f"{API}/coordination/clusters/c-none", headers=viewer)
    assert missing.status_code == 404


def test_narratives_list_pages_and_detail(client: TestClient, tokens: Tokens) -> None:
    viewer = Tokens.bearer(tokens.viewer)
    whole = client.get(f"{API}/narratives?limit=1000", headers=viewer).json()
    assert whole["timezone"] == "UTC" and len(whole["narratives"]) >= 2
    ids: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{API}/narratives", params=params, headers=viewer).json()
        ids += [n["narrative_id"] for n in page["narratives"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids == [n["narrative_id"] for n in whole["narratives"]]
    detail = client.get(f"{API}/narratives/{ids[0]}?interval=6h", headers=viewer).json()
    assert detail["timezone"] == "UTC" and detail["interval"] == "6h"
    assert detail["summary"]["narrative_id"] == ids[0]
    assert sum(p["posts"] for p in detail["timeline"]) == detail["summary"]["size"]
    assert client.get(f"{API}/narratives/n-none", headers=viewer).status_code == 404


def test_docs_page_needs_no_internet(client: TestClient, tokens: Tokens) -> None:
    viewer = Tokens.bearer(tokens.viewer)
    page = client.get(f"{API}/docs", headers=viewer)
    assert "http" not in page.text  # every asset from this server
    for src in ("swagger-ui-bundle.js", "swagger-ui.css", "init.js"):
        assert client.get(f"{API}/docs/{src}", headers=viewer).status_code == 200
    spec = client.get(f"{API}/openapi.json", headers=viewer).json()
    assert f"{API}/overview" in spec["paths"]


def test_serve_refuses_a_public_address_without_tokens(db: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db), "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "voxpop tokens create" in result.output


def test_tokens_cli_stores_only_hashes(db: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["--db", str(db), "tokens", "create", "cli", "--role", "admin"])
    token = made.stdout.strip()
    assert made.exit_code == 0 and token.startswith("vxp_")
    with Store(db, read_only=True) as store:
        stored = store.con.execute("SELECT * FROM api_tokens").fetchall()
    assert token not in repr(stored)
    listed = runner.invoke(cli, ["--db", str(db), "tokens", "list", "--json"])
    assert "cli" in listed.stdout and token not in listed.stdout
    assert runner.invoke(cli, ["--db", str(db), "tokens", "revoke", "cli"]).exit_code == 0


# -- a real server ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live(db: Path) -> Iterator[tuple[str, Store]]:
    """The app under uvicorn on 127.0.0.1, with no token: loopback clients are the local admin."""
    with Store(db) as store:
        app: FastAPI = create_app(store, warm=False)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}", store
        finally:
            server.should_exit = True
            thread.join(10)


def test_real_server_serves_loopback_as_local_admin(live: tuple[str, Store]) -> None:
    base, _ = live
    with httpx.Client(base_url=base) as http:
        overview = http.get(f"{API}/overview")
        assert overview.status_code == 200 and overview.json()["totals"]["posts"] == 3000
        csrf = http.cookies[CSRF_COOKIE]
        # A cross-site form post carries no X-CSRF-Token: refused even for the local admin.
        alert_id = http.get(f"{API}/alerts").json()["alerts"][0]["alert_id"]
        assert http.post(f"{API}/alerts/{alert_id}/ack").status_code == 403
        acked = http.post(f"{API}/alerts/{alert_id}/ack", headers={"X-CSRF-Token": csrf})
        assert acked.status_code == 200
        # DNS rebinding: a page of another site resolved to 127.0.0.1 is not the local user.
        rebound = http.get(f"{API}/overview", headers={"Host": "evil.example"})
        assert rebound.status_code == 401


def test_real_server_intake_writes_through_the_single_writer(live: tuple[str, Store]) -> None:
    base, _ = live
    body = fixture_path("mastodon/mastodonpy__home_timeline_13.json").read_bytes()
    with httpx.Client(base_url=base, timeout=30) as http:
        before = http.get(f"{API}/overview").json()["totals"]["posts"]
        csrf = http.cookies[CSRF_COOKIE]
        stored = http.post(f"{API}/intake/home", content=body, headers={"X-CSRF-Token": csrf})
        assert stored.status_code == 200, stored.text
        assert stored.json()["format"] == "mastodon" and stored.json()["posts_new"] > 0
        # The write bumped the data generation: the cached overview is served once more while
        # the background recomputes it, then the new posts are counted.
        expected = before + stored.json()["posts_new"]
        deadline = time.monotonic() + 20
        while http.get(f"{API}/overview").json()["totals"]["posts"] != expected:
            assert time.monotonic() < deadline, "the overview never caught up with the write"
            time.sleep(0.05)


@pytest.fixture
def feed_url() -> Iterator[str]:
    """A feed on 127.0.0.1 (robots.txt: none, so everything may be fetched)."""
    body = fixture_path("rss_atom/rssparser__craigslist.rss").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/feed.rss"
            self.send_response(200 if found else 404)
            self.send_header("content-type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(body if found else b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.rss"
    finally:
        server.shutdown()


def test_collectors_run_in_the_server_and_admins_stop_them(
    db: Path, tokens: Tokens, feed_url: str
) -> None:
    config = CollectConfig.model_validate({"feeds": {"urls": [feed_url], "interval": 3600}})
    admin = Tokens.bearer(tokens.admin)
    with Store(db) as store, TestClient(create_app(store, collect_config=config, warm=False)) as c:
        deadline = time.monotonic() + 30
        while True:
            status = c.get(f"{API}/collectors", headers=admin).json()
            if status["sources"].get(feed_url, {}).get("posts_new"):
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        assert status["configured"] and status["running"]
        stopped = c.post(f"{API}/collectors/stop", headers=admin).json()
        assert stopped == {"running": False, "changed": True}
        entry = c.get(f"{API}/audit", headers=admin).json()["entries"][0]
        assert entry["action"] == "collectors.stop" and entry["actor"] == "ada"


def test_rules_are_evaluated_as_posts_arrive(db: Path, tokens: Tokens, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES.replace("busy hour", "live volume").replace("above = 1", "above = 2"))
    now = datetime.now(UTC).isoformat()
    body = "\n".join(
        json.dumps({"id": f"live-{i}", "text": "port strike", "created_at": now, "author_id": i})
        for i in range(5)
    )
    admin = Tokens.bearer(tokens.admin)
    with Store(db) as store, TestClient(create_app(store, rules_path=rules, warm=False)) as c:
        pushed = c.post(f"{API}/intake/live?format=generic", content=body, headers=admin)
        assert pushed.json()["posts_new"] == 5
        deadline = time.monotonic() + 30
        while True:
            fired = c.get(f"{API}/alerts?acknowledged=false", headers=admin).json()["alerts"]
            if any(a["rule"] == "live volume" for a in fired):
                break
            assert time.monotonic() < deadline, "the server never evaluated the rules"
            time.sleep(0.2)
