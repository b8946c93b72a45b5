"""The dashboard in a real browser: Debian's Chromium, driven by Playwright, against a real
uvicorn on 127.0.0.1 serving `create_app` over a small simulated, ingested, enriched database
with stored coordination clusters and alerts.

Every page must load with data and draw it (Vega marks, the sigma.js canvas), under the
server's strict CSP and with no console error, and the browser runs in New York time so that
"times in UTC" is checked rather than assumed. Screenshots go to test-artifacts/.

These tests never skip: without /usr/bin/chromium they fail, saying how to install it.
"""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from voxpop.alerts.evaluate import evaluate
from voxpop.alerts.rules import parse_rules
from voxpop.analyze.coordination import detect_coordination
from voxpop.analyze.coordination_store import save_clusters
from voxpop.analyze.narratives import assign_narratives, list_narratives
from voxpop.enrich import enrich
from voxpop.ingest import ingest
from voxpop.simulate import write_simulation
from voxpop.store import Store
from voxpop.web.app import create_app
from voxpop.web.pages import STATIC_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
RULES = """
[[rule]]
name = "busy hour"
condition = "volume"
above = 5
window = "1h"
severity = "warning"

[[rule]]
name = "new coordinated cluster"
condition = "new_cluster"
severity = "critical"
"""


@dataclass(frozen=True)
class Dashboard:
    url: str
    posts: int
    first_post: datetime
    clusters: list[tuple[str, int]]  # id and accounts, in the order the API lists them
    alerts: int
    hashtags: list[str]  # two hashtags that some posts carry, to search for
    narrative: tuple[str, str, int]  # id, label and size of the biggest narrative


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 simulated posts over two days, through the same steps as `make demo`."""
    root = tmp_path_factory.mktemp("dashboard")
    write_simulation(root / "sim", posts=3000, accounts=150, seed=3, days=2)
    path = root / "voxpop.duckdb"
    with Store(path) as store:
        ingest(store, [root / "sim" / "posts.jsonl"], collection="browser-test")
        enrich(store, language=True, sentiment=True, workers=1)
        save_clusters(store, detect_coordination(store))
        assign_narratives(store)
        last = store.con.execute("SELECT max(created_at) FROM posts").fetchall()[0][0]
        for hours in (18, 12, 6, 0):  # a few alerts, oldest first, as if `watch` had run
            evaluate(store, parse_rules(RULES), now=last - timedelta(hours=hours), deliver=False)
    return path


@pytest.fixture(scope="module")
def dashboard(database: Path) -> Iterator[Dashboard]:
    if not (STATIC_DIR / "overview.js").is_file():
        pytest.fail(f"the dashboard bundle is not built in {STATIC_DIR}: run `make frontend`")
    with Store(database, read_only=True) as store:
        posts, first = store.con.execute(
            "SELECT count(*), min(created_at) FROM posts WHERE NOT context"
        ).fetchall()[0]
        clusters = store.con.execute(
            """SELECT cluster_id, len(accounts) FROM coordination_clusters
            WHERE run_id = (SELECT max(run_id) FROM coordination_runs) ORDER BY rank"""
        ).fetchall()
        alerts = store.con.execute("SELECT count(*) FROM alerts").fetchall()[0][0]
        narratives = [(n.narrative_id, n.label, n.size) for n in list_narratives(store, limit=1)]
        hashtags = store.con.execute(
            """SELECT tag FROM (SELECT unnest(hashtags) AS tag FROM posts WHERE NOT context)
            GROUP BY tag ORDER BY count(*) DESC, tag LIMIT 2"""
        ).fetchall()
    assert clusters and alerts and narratives, "the simulation plants campaigns and stories"
    store = Store(database)
    app = create_app(store)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield Dashboard(
        url=f"http://127.0.0.1:{port}",
        posts=posts,
        first_post=first,
        clusters=clusters,
        alerts=alerts,
        hashtags=[tag for (tag,) in hashtags],
        narrative=narratives[0],
    )
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(`make chromium`, which runs `apt-get install -y chromium`)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in New York time that collects console errors, failed requests and uncaught
    exceptions (a CSP violation is a console error); the test fails if there are any."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, timezone_id="America/New_York"
    )
    page = context.new_page()
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    yield page
    context.close()
    assert problems == []


def visit(page: Page, dashboard: Dashboard, path: str) -> None:
    """Open a page under the server's CSP and wait until its script has drawn its data."""
    response = page.goto(dashboard.url + path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe" not in csp
    settled(page)


def settled(page: Page) -> None:
    """Wait until the page's script has finished loading (body[data-ready]) and succeeded."""
    body = page.wait_for_selector("body[data-ready=true], body[data-ready=error]")
    assert body is not None
    status = page.locator("#status").inner_text()
    assert body.get_attribute("data-ready") == "true", f"{page.url}: {status}"


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"dashboard-{name}.png", full_page=True)


def test_overview_shows_totals_and_draws_every_chart(page: Page, dashboard: Dashboard) -> None:
    visit(page, dashboard, "/")
    totals = page.locator("#totals")
    expect(totals).to_contain_text(f"{dashboard.posts:,}")
    # The browser is in New York; the first post is still shown at its UTC time.
    first = dashboard.first_post.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    expect(totals).to_contain_text(first)
    volume = page.locator("#volume-chart svg")
    expect(volume.locator(".mark-area path")).to_have_count(1)
    expect(volume.locator(".role-axis-title").first).to_contain_text("UTC")
    for chart in ("languages", "platforms", "collections"):
        bars = page.locator(f"#{chart}-chart svg .mark-rect path")
        rows = int(page.locator(f"#{chart}-chart").get_attribute("data-rows") or 0)
        assert rows > 0
        expect(bars).to_have_count(rows)
    expect(page.locator("#platforms-chart svg")).to_contain_text("twitter")
    expect(page.locator("#collections-chart svg")).to_contain_text("browser-test")
    # Surges are discovered in the server's background; the panel waits for them.
    surges = page.locator("#surges")
    expect(surges).to_have_attribute("data-status", "ready", timeout=30_000)
    # The simulation plants surges; each event links to its curve on the search page.
    links = surges.locator("tbody a")
    assert links.count() > 0
    assert all((link.get_attribute("href") or "").startswith("/search?q=") for link in links.all())
    # Switching the interval redraws the curve with other buckets.
    hourly = int(page.locator("#volume-chart").get_attribute("data-rows") or 0)
    page.select_option("#controls select[name=interval]", "6h")
    expect(page.locator("#volume-chart")).not_to_have_attribute("data-rows", str(hourly))
    screenshot(page, "overview")


def search(page: Page, query: str) -> None:
    """Type a query, press Enter, and wait for the curve and the posts of that query."""
    page.fill("#search-form input[name=q]", query)
    page.press("#search-form input[name=q]", "Enter")
    expect(page.locator("#search-chart")).to_have_attribute("data-query", query)
    settled(page)


def test_search_updates_curve_and_posts(page: Page, dashboard: Dashboard) -> None:
    visit(page, dashboard, "/search")
    chart = page.locator("#search-chart")
    # Without a query: the latest posts, and no curve yet.
    expect(page.locator("#search-results tbody tr")).to_have_count(50)
    expect(chart.locator("svg")).to_have_count(0)
    # The next page comes from the API's opaque cursor, appended below the first.
    page.click("#search-more")
    expect(page.locator("#search-results tbody tr")).to_have_count(100)
    curves = []
    for tag in dashboard.hashtags:
        search(page, f"#{tag}")
        # Three measures (posts, accounts, reposts), one line each.
        lines = chart.locator("svg .mark-line path")
        expect(lines).to_have_count(3)
        curves.append(lines.first.get_attribute("d"))
        assert parse_qs(urlsplit(page.url).query)["q"] == [f"#{tag}"]  # bookmarkable
        texts = page.locator("#search-results tbody td.text").all_inner_texts()
        assert texts and all(f"#{tag}".lower() in text.lower() for text in texts)
        screenshot(page, "search")
    assert curves[0] != curves[1]


def test_narratives_list_and_detail(page: Page, dashboard: Dashboard) -> None:
    visit(page, dashboard, "/narratives")
    # Biggest first, linked to its detail page.
    links = page.locator("#narratives-list tbody a")
    narrative_id, label, size = dashboard.narrative
    expect(links.first).to_have_text(label)
    screenshot(page, "narratives")
    links.first.click()
    page.wait_for_url(f"**/narratives/{narrative_id}")
    settled(page)
    expect(page.locator("#narrative-title")).to_have_text(label)
    expect(page.locator("#narrative-summary")).to_contain_text(f"{size:,}")
    timeline = page.locator("#narrative-chart svg")
    expect(timeline.locator(".mark-area path")).to_have_count(1)
    expect(timeline.locator(".role-axis-title").first).to_contain_text("UTC")
    assert page.locator("#narrative-examples tbody tr").count() > 0
    screenshot(page, "narrative")


def test_alerts_inbox_acknowledges(page: Page, dashboard: Dashboard) -> None:
    visit(page, dashboard, "/alerts")
    rows = page.locator("#alerts-list tbody tr")
    expect(rows).to_have_count(dashboard.alerts)
    screenshot(page, "alerts")
    first = rows.first
    alert_id = first.get_attribute("data-alert-id")
    first.get_by_role("button", name="Acknowledge").click()
    expect(first.locator("td.status")).to_contain_text("Acknowledged")
    # The acknowledgement reached the database: it is now listed among the acknowledged.
    page.select_option("#alerts-form select[name=acknowledged]", "true")
    expect(page.locator(f'#alerts-list tr[data-alert-id="{alert_id}"]')).to_contain_text(
        "Acknowledged"
    )
    page.select_option("#alerts-form select[name=acknowledged]", "false")
    expect(rows).to_have_count(dashboard.alerts - 1)


def test_coordination_network_evidence_and_gephi(page: Page, dashboard: Dashboard) -> None:
    visit(page, dashboard, "/coordination")
    links = page.locator("#clusters-list tbody a")
    expect(links).to_have_count(len(dashboard.clusters))
    screenshot(page, "clusters")
    cluster_id, accounts = dashboard.clusters[0]
    links.first.click()
    page.wait_for_url(f"**/coordination/{cluster_id}")
    settled(page)
    network = page.locator("#network")
    expect(network).to_have_attribute("data-nodes", str(accounts))
    assert page.locator("#network canvas").count() >= 2  # sigma's WebGL layers and labels
    # The WebGL canvas really drew: the network's pixels are not one flat colour.
    low, high = Image.open(io.BytesIO(network.screenshot())).convert("L").getextrema()
    assert isinstance(low, int) and isinstance(high, int) and high - low > 100
    assert page.locator("#cluster-evidence tbody tr").count() > 0
    expect(page.locator("#cluster-facts")).to_contain_text(f"{accounts}")
    screenshot(page, "cluster")
    gephi = page.locator("#gephi-link")
    href = gephi.get_attribute("href") or ""
    assert href.endswith(f"/coordination/clusters/{cluster_id}.gexf")
    response = page.request.get(dashboard.url + href)
    assert response.ok and "<gexf" in response.text()
    assert len(re.findall(r"<node ", response.text())) == accounts


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search",
        "/narratives",
        "/narratives/n-1",
        "/alerts",
        "/coordination",
        "/coordination/c-1",
    ],
)
def test_page_shells_are_static_and_csp_clean(dashboard: Dashboard, path: str) -> None:
    """Each page is a shell with no inline script, style or handler, loading one bundled module
    that exists: the CSP would block anything else."""
    response = httpx.get(dashboard.url + path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html, re.IGNORECASE)
    (module,) = re.findall(r'<script type="module" src="(/static/[a-z]+\.js)">', html)
    for asset in (module, "/static/app.css"):
        assert httpx.get(dashboard.url + asset).status_code == 200
