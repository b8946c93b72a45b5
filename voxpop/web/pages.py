"""The dashboard's HTML pages and its built front-end bundle.

Each page is a static shell (``templates/``) that loads one ES module from ``/static/``; the
module fetches the page's JSON twin from ``/api/v1`` and draws it. No data is rendered into the
HTML on the server, so the shells hold nothing user-supplied, and the pages work under a CSP
without inline scripts or styles. The bundle is built from ``frontend/`` by ``make frontend``
(npm + esbuild) into ``static/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["STATIC_DIR", "mount_static", "pages_router"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

pages_router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@cache
def _page(name: str, title: str, nav: str) -> str:
    base = Template((TEMPLATES_DIR / "base.html").read_text(encoding="utf-8"))
    main = (TEMPLATES_DIR / f"{name}.html").read_text(encoding="utf-8")
    return base.substitute(title=title, nav=nav, script=name, main=main)


def _response(name: str, title: str, nav: str) -> HTMLResponse:
    # A missing bundle would give a page of empty panels; say what to run instead.
    if not (STATIC_DIR / f"{name}.js").is_file():
        return HTMLResponse(
            f"The dashboard is not built: {STATIC_DIR / (name + '.js')} is missing. "
            "Run `make frontend` (npm ci and the esbuild bundle) and reload.",
            status_code=503,
            media_type="text/plain",
        )
    return HTMLResponse(_page(name, title, nav))


@pages_router.get("/")
def overview() -> HTMLResponse:
    return _response("overview", "Overview", "overview")


@pages_router.get("/search")
def search() -> HTMLResponse:
    return _response("search", "Search", "search")


@pages_router.get("/narratives")
def narratives() -> HTMLResponse:
    return _response("narratives", "Narratives", "narratives")


@pages_router.get("/narratives/{narrative_id}")
def narrative(narrative_id: str) -> HTMLResponse:
    return _response("narrative", "Narrative", "narratives")


@pages_router.get("/alerts")
def alerts() -> HTMLResponse:
    return _response("alerts", "Alerts", "alerts")


@pages_router.get("/coordination")
def clusters() -> HTMLResponse:
    return _response("clusters", "Coordination", "coordination")


@pages_router.get("/coordination/{cluster_id}")
def cluster(cluster_id: str) -> HTMLResponse:
    return _response("cluster", "Coordinated cluster", "coordination")


def mount_static(app: FastAPI) -> None:
    """Serve the built bundle at /static/; without it the pages answer 503 saying what to run."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
