"""The REST API, `/api/v1/...`: each dashboard view's JSON twin, exports, and admin actions.

Reads run in FastAPI's thread pool, each on its own cursor (`Server.reader`); slow views come
from the generation cache (`Server.cache`). Writes are jobs for the server's one writer and
admin writes leave an audit entry in the same job. Every SQL value is a parameter.
"""

from __future__ import annotations

import html
import io
import secrets
from collections.abc import Callable, Hashable, Iterator
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

import msgspec
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field

from voxpop.alerts import acknowledge, parse_rules
from voxpop.analyze.narratives import (
    EMERGE_SIZE,
    NarrativeDetail,
    NarrativeError,
    NarrativeSummary,
    list_narratives,
    narrative_detail,
)
from voxpop.analyze.query import compile_query
from voxpop.analyze.surges import discover_surges, surge_events
from voxpop.analyze.trends import parse_interval
from voxpop.collect.state import collect_status
from voxpop.errors import ConfigError
from voxpop.schema import METRIC_NAMES, POST_SCHEMA
from voxpop.store import Store
from voxpop.web.app import API_PREFIX, Server
from voxpop.web.security import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    Principal,
    active_tokens,
    audit_entries,
    create_token,
    csrf_cookie,
    hash_token,
    list_tokens,
    record_audit,
    revoke_token,
    session_cookie,
    tokens_equal,
)
from voxpop.web.views import (
    alerts_page,
    breakdown,
    cluster_graph,
    cluster_list,
    cluster_network,
    decode_cursor,
    encode_cursor,
    overview,
    search_page,
    trend_series,
    volume,
)

__all__ = ["login_router", "router", "warm_views"]

# Declared for the OpenAPI document (and its "Authorize" button); `Authenticate` enforces it.
_bearer = HTTPBearer(auto_error=False, description="An API token: `voxpop tokens create`.")
router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(_bearer)])
login_router = APIRouter(include_in_schema=False)

SURGE_WINDOW = timedelta(days=3)  # the background surge scan covers the latest 3 days of data


class MsgspecResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return msgspec.json.encode(content)


def _server(request: Request) -> Server:
    server: Server = request.app.state.voxpop
    return server


def _reader(request: Request) -> Iterator[Store]:
    with _server(request).reader() as store:
        yield store


def _principal(request: Request) -> Principal:
    principal: Principal | None = request.state.principal
    if principal is None:  # only public paths get here without one, and they don't ask
        raise HTTPException(401, "authentication required")
    return principal


def _admin(request: Request) -> Principal:
    principal = _principal(request)
    if principal.role != "admin":
        raise HTTPException(403, "this needs an admin token")
    return principal


ServerDep = Annotated[Server, Depends(_server)]
ReaderDep = Annotated[Store, Depends(_reader)]
ViewerDep = Annotated[Principal, Depends(_principal)]
AdminDep = Annotated[Principal, Depends(_admin)]
Cursor = Annotated[str | None, Query(max_length=512, description="`next_cursor` of a page.")]
Interval = Annotated[str, Query(max_length=16, description="Bucket: 15m, 1h, 1d, ...")]
Limit = Annotated[int, Query(ge=1, le=1000)]
AlertId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]  # BIGINT in the store
QueryText = Annotated[
    str, Query(max_length=2000, description="The query language (docs/query.md).")
]


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _json(value: Any) -> MsgspecResponse:
    return MsgspecResponse(value)


# -- views --------------------------------------------------------------------------------


def warm_views(server: Server) -> None:
    """Start computing the views a dashboard opens with, so its first visit does not wait:
    the overview, surges, and the narratives list with the details of its first page (a
    narrative's detail joins its posts six ways, ~0.5-1 s on 1M posts)."""
    server.cache.warm(("breakdown",), breakdown)
    server.cache.warm(("volume", "1h"), lambda store: volume(store, "1h"))
    server.cache.warm(("surges",), _surges)

    def narratives_then_details(store: Store) -> list[NarrativeSummary]:
        found = _narratives(store, None, EMERGE_SIZE)
        for summary in found[:_FIRST_PAGE]:
            key, compute = _narrative_view(summary.narrative_id, timedelta(hours=1))
            server.cache.warm(key, compute)
        return found

    server.cache.warm(_narratives_key(None, EMERGE_SIZE), narratives_then_details)


@router.get("/overview", summary="Totals, volume over time, languages, platforms, collections")
def get_overview(server: ServerDep, _: ViewerDep, interval: Interval = "1h") -> Response:
    points = server.cache.get(("volume", interval), lambda store: volume(store, interval))
    return _json(overview(server.cache.get(("breakdown",), breakdown), points, interval))


@router.get("/search", summary="Posts matching a query, newest first")
def get_search(
    server: ServerDep,
    _: ViewerDep,
    q: QueryText = "",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    key = ("search", q, limit, cursor)
    return _json(
        server.cache.get(key, lambda store: search_page(store, q, limit=limit, cursor=cursor))
    )


@router.get("/trends", summary="Posts, authors, reposts and sentiment per bucket for a query")
def get_trends(
    server: ServerDep,
    _: ViewerDep,
    q: Annotated[str, Query(max_length=2000, description="A query; empty for all posts.")] = "",
    interval: Interval = "1h",
    by: Literal["lang", "platform", "kind"] | None = None,
) -> Response:
    key = ("trends", q, interval, by)
    return _json(
        server.cache.get(key, lambda store: trend_series(store, q, interval=interval, by=by))
    )


class Surges(msgspec.Struct, kw_only=True):
    timezone: str
    status: Literal["ready", "computing"]
    window_start: datetime | None
    surges: list[Any]


def _surges(store: Store) -> tuple[datetime | None, list[Any]]:
    rows = store.con.execute("SELECT max(created_at) FROM posts WHERE NOT context").fetchall()
    latest: datetime | None = rows[0][0] if rows else None
    if latest is None:
        return None, []
    start = latest - SURGE_WINDOW
    return start, surge_events(discover_surges(store, since=start))


@router.get("/surges", summary="Surging hashtags, terms and domains (computed in the background)")
def get_surges(
    server: ServerDep,
    _: ViewerDep,
    since: Annotated[
        datetime | None, Query(description="Only surges detected since (UTC).")
    ] = None,
) -> Response:
    found = server.cache.peek(("surges",), _surges)
    if found is None:
        return _json(Surges(timezone="UTC", status="computing", window_start=None, surges=[]))
    start, events = found
    if since is not None:
        moment = since if since.tzinfo else since.replace(tzinfo=UTC)
        events = [e for e in events if e.detected_at >= moment]
    return _json(Surges(timezone="UTC", status="ready", window_start=start, surges=events))


class Narratives(msgspec.Struct, kw_only=True):
    timezone: str
    narratives: list[NarrativeSummary]
    next_cursor: str | None


_FIRST_PAGE = 20  # narratives per page by default, as the dashboard asks


def _narratives_key(since: datetime | None, min_size: int) -> Hashable:
    return ("narratives", since, min_size)


def _narratives(store: Store, since: datetime | None, min_size: int) -> list[NarrativeSummary]:
    return list_narratives(store, since=since, min_size=min_size, limit=None)


def _narrative_view(
    narrative_id: str, step: timedelta
) -> tuple[Hashable, Callable[[Store], NarrativeDetail]]:
    """The cache key and computation of one narrative's detail."""
    return ("narrative", narrative_id, step), lambda store: narrative_detail(
        store, narrative_id, interval=step
    )


@router.get("/narratives", summary="Narratives, biggest first")
def get_narratives(
    server: ServerDep,
    _: ViewerDep,
    since: Annotated[datetime | None, Query(description="Only those active since (UTC).")] = None,
    min_size: Annotated[int, Query(ge=1, le=1_000_000)] = EMERGE_SIZE,
    limit: Limit = _FIRST_PAGE,
    cursor: Cursor = None,
) -> Response:
    offset = decode_cursor(cursor, tuple[int])[0] if cursor else 0
    moment = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    # The list ranks by size, not by a stable key: pages are slices of one cached list.
    found = server.cache.get(
        _narratives_key(moment, min_size), lambda store: _narratives(store, moment, min_size)
    )
    page = found[offset : offset + limit]
    more = len(found) > offset + limit
    return _json(
        Narratives(
            timezone="UTC",
            narratives=page,
            next_cursor=encode_cursor([offset + limit]) if more else None,
        )
    )


@router.get("/narratives/{narrative_id}", summary="One narrative: timeline, posts, sources")
def get_narrative(
    server: ServerDep,
    _: ViewerDep,
    narrative_id: Annotated[str, PathParam(max_length=200)],
    interval: Interval = "1h",
) -> Response:
    try:
        detail = server.cache.get(*_narrative_view(narrative_id, parse_interval(interval)))
    except NarrativeError as exc:
        raise HTTPException(404, str(exc)) from exc
    return _json({"timezone": "UTC", **msgspec.structs.asdict(detail), "interval": interval})


@router.get("/coordination/clusters", summary="Coordinated clusters of the latest stored run")
def get_clusters(server: ServerDep, _: ViewerDep) -> Response:
    return _json(server.cache.get(("clusters",), cluster_list))


NetworkFormat = Literal["gexf", "graphml"]
_NETWORK_TYPES: dict[NetworkFormat, str] = {
    "gexf": "application/gexf+xml",
    "graphml": "application/graphml+xml",
}


@router.get(
    "/coordination/clusters/{cluster_id}",
    summary="One cluster: evidence and network (`.gexf`/`.graphml` suffix or ?format= for Gephi)",
)
def get_cluster(
    server: ServerDep,
    _: ViewerDep,
    cluster_id: Annotated[str, PathParam(max_length=200)],
    format: Literal["json", "gexf", "graphml"] = "json",
) -> Response:
    for suffix in _NETWORK_TYPES:
        if cluster_id.endswith(f".{suffix}"):
            cluster_id, format = cluster_id.removesuffix(f".{suffix}"), suffix
    graph = server.cache.get(("cluster", cluster_id), lambda s: cluster_graph(s, cluster_id))
    if graph is None:
        raise HTTPException(404, f"no stored cluster {cluster_id!r}; run `voxpop coordination`")
    if format != "json":
        return Response(
            cluster_network(graph, format),
            media_type=_NETWORK_TYPES[format],
            headers={"content-disposition": f'attachment; filename="{cluster_id}.{format}"'},
        )
    return _json(graph)


@router.get("/alerts", summary="Stored alerts, newest first")
def get_alerts(
    store: ReaderDep,
    _: ViewerDep,
    acknowledged: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    return _json(alerts_page(store, acknowledged=acknowledged, limit=limit, cursor=cursor))


@router.post("/alerts/{alert_id}/ack", summary="Acknowledge an alert (any signed-in role)")
async def post_ack(
    request: Request, server: ServerDep, principal: ViewerDep, alert_id: AlertId
) -> Response:
    def job(store: Store) -> dict[str, Any]:
        with store.transaction():
            done = acknowledge(store, [alert_id], by=principal.name)
            record_audit(
                store, principal, "alert.ack", target=str(alert_id), client=_client(request)
            )
        at, by = store.con.execute(
            "SELECT acknowledged_at, acknowledged_by FROM alerts WHERE alert_id = ?", [alert_id]
        ).fetchall()[0]
        # `acknowledged` is false when someone had already acknowledged it: theirs is shown.
        return {
            "alert_id": alert_id,
            "acknowledged": bool(done),
            "acknowledged_at": at,
            "acknowledged_by": by,
        }

    try:
        return _json(await server.writer.run(job))
    except ConfigError as exc:
        raise HTTPException(404, str(exc)) from exc


# -- exports ------------------------------------------------------------------------------

_LIST_COLUMNS = ("urls", "hashtags", "mentions")


def _export_sql(q: str, format: str) -> tuple[str, list[Any]]:
    where, params = compile_query(q)
    columns = [c for c in POST_SCHEMA.names if c not in ("metrics", "origin")]
    if format == "csv":
        # One value per cell: lists as JSON arrays, metrics and origin as their own columns.
        select = [
            f"to_json(posts.{c}) AS {c}" if c in _LIST_COLUMNS else f"posts.{c}" for c in columns
        ]
    else:
        select = [f"posts.{c}" for c in columns]
    select += [f"posts.metrics.{m} AS {m}" for m in METRIC_NAMES]
    sql = f"""SELECT {", ".join(select)} FROM posts WHERE NOT posts.context AND {where}
        ORDER BY posts.created_at, posts.platform, posts.post_id"""
    return sql, params


EXPORT_BATCH_ROWS = 50_000


def _batches(server: Server, sql: str, params: list[Any]) -> Iterator[pa.RecordBatch]:
    with server.reader() as store:
        relation = store.con.sql(sql, params=params)
        reader: pa.RecordBatchReader = relation.to_arrow_reader(EXPORT_BATCH_ROWS)
        yield from reader


class _Chunks(io.RawIOBase):
    """A write-only sink handing out what was written so far; `tell` counts every byte ever
    written, as the Parquet writer needs for the offsets in its footer."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[bytes] = []
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.written

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _stream(server: Server, sql: str, params: list[Any], format: str) -> Iterator[bytes]:
    if format == "csv":
        first = True
        for batch in _batches(server, sql, params):
            sink = io.BytesIO()
            options = pacsv.WriteOptions(include_header=first)
            pacsv.write_csv(pa.Table.from_batches([batch]), sink, write_options=options)
            first = False
            yield sink.getvalue()
        if first:  # no match: the header alone
            with server.reader() as store:
                empty = store.con.sql(f"SELECT * FROM ({sql}) LIMIT 0", params=params)
                sink = io.BytesIO()
                pacsv.write_csv(empty.to_arrow_table(), sink)
            yield sink.getvalue()
    elif format == "json":
        yield b"["
        sep = b""
        for batch in _batches(server, sql, params):
            for row in batch.to_pylist():
                yield sep + msgspec.json.encode(row)
                sep = b",\n"
        yield b"]\n"
    else:
        # One row group per batch, sent as soon as it is written; the footer comes last.
        chunks = _Chunks()
        writer: pq.ParquetWriter | None = None
        for batch in _batches(server, sql, params):
            if writer is None:
                writer = pq.ParquetWriter(pa.PythonFile(chunks, mode="w"), batch.schema)
            writer.write_batch(batch)
            yield chunks.take()
        if writer is None:
            with server.reader() as store:  # no match: an empty file with the columns
                empty = store.con.sql(f"SELECT * FROM ({sql}) LIMIT 0", params=params)
                pq.write_table(empty.to_arrow_table(), pa.PythonFile(chunks, mode="w"))
        else:
            writer.close()
        yield chunks.take()


_MEDIA = {
    "csv": "text/csv",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


@router.get("/export", summary="Posts matching a query as CSV, JSON or Parquet (streamed)")
def get_export(
    server: ServerDep,
    _: ViewerDep,
    q: QueryText = "",
    format: Literal["csv", "json", "parquet"] = "csv",
) -> StreamingResponse:
    sql, params = _export_sql(q, format)
    # Compile errors surface now, as a 400, not midway through a streamed body.
    with server.reader() as store:
        store.con.execute(f"SELECT * FROM ({sql}) LIMIT 0", params).fetchall()
    return StreamingResponse(
        _stream(server, sql, params, format),
        media_type=_MEDIA[format],
        headers={"content-disposition": f'attachment; filename="voxpop-posts.{format}"'},
    )


# -- admin --------------------------------------------------------------------------------


class PostKey(BaseModel):
    platform: str = Field(min_length=1, max_length=100)
    post_id: str = Field(min_length=1, max_length=400)


class PurgeRequest(BaseModel):
    posts: list[PostKey] = Field(min_length=1, max_length=100_000)
    reason: str = Field(default="api purge", max_length=200)


@router.post("/purge", summary="Remove posts and everything derived from them (admin)")
async def post_purge(
    request: Request, server: ServerDep, principal: AdminDep, body: PurgeRequest
) -> Response:
    keys = [(p.platform, p.post_id) for p in body.posts]

    def job(store: Store) -> int:
        with store.transaction():
            removed = store.purge(keys, reason=body.reason)
            record_audit(
                store,
                principal,
                "purge",
                details={"requested": len(keys), "removed": removed, "reason": body.reason},
                client=_client(request),
            )
        return removed

    removed = await server.writer.run(job)
    server.cache.clear()  # no view may keep showing a deleted post
    return _json({"requested": len(keys), "removed": removed})


class RulesDocument(msgspec.Struct, kw_only=True):
    path: str | None
    text: str | None
    rules: list[Any]
    deliveries: list[str]


def _rules_path(server: Server) -> Path:
    if server.rules_path is None:
        raise HTTPException(404, "no rules file: start the server with `voxpop serve --rules FILE`")
    return server.rules_path


@router.get("/rules", summary="The alert rules file and the rules it defines (admin)")
def get_rules(server: ServerDep, _: AdminDep) -> Response:
    path = _rules_path(server)
    text = path.read_text(encoding="utf-8") if path.exists() else None
    parsed = parse_rules(text) if text else None
    return _json(
        RulesDocument(
            path=str(path),
            text=text,
            rules=list(parsed.rules) if parsed else [],
            deliveries=sorted(parsed.deliveries) if parsed else [],
        )
    )


class RulesUpdate(BaseModel):
    text: str = Field(min_length=1, max_length=200_000, description="The whole TOML file.")


@router.put("/rules", summary="Replace the alert rules file, after checking it (admin)")
async def put_rules(
    request: Request, server: ServerDep, principal: AdminDep, body: RulesUpdate
) -> Response:
    path = _rules_path(server)
    parsed = parse_rules(body.text)  # a bad file is refused (400) before anything is written
    partial = path.with_name(path.name + ".partial")
    partial.write_text(body.text, encoding="utf-8")
    partial.replace(path)

    def job(store: Store) -> None:
        names = [r.name for r in parsed.rules]
        record_audit(
            store,
            principal,
            "rules.put",
            target=str(path),
            details={"rules": names},
            client=_client(request),
        )

    await server.writer.run(job)
    return _json({"path": str(path), "rules": len(parsed.rules)})


class CollectorsDocument(msgspec.Struct, kw_only=True):
    configured: bool
    running: bool
    error: str | None
    sources: dict[str, Any]


@router.get("/collectors", summary="Collector status per source (admin)")
def get_collectors(server: ServerDep, store: ReaderDep, _: AdminDep) -> Response:
    collectors = server.collectors
    return _json(
        CollectorsDocument(
            configured=collectors is not None,
            running=collectors is not None and collectors.running,
            error=collectors.error if collectors else None,
            sources=collect_status(store),
        )
    )


@router.post("/collectors/{action}", summary="Start or stop the collectors (admin)")
async def post_collectors(
    request: Request,
    server: ServerDep,
    principal: AdminDep,
    action: Literal["start", "stop"],
) -> Response:
    collectors = server.collectors
    if collectors is None:
        raise HTTPException(
            409, "no collectors configured: start the server with `--collect collect.toml`"
        )
    changed = collectors.start() if action == "start" else await collectors.stop()

    def job(store: Store) -> None:
        record_audit(
            store,
            principal,
            f"collectors.{action}",
            details={"changed": changed},
            client=_client(request),
        )

    await server.writer.run(job)
    return _json({"running": collectors.running, "changed": changed})


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["viewer", "admin"] = "viewer"


@router.get("/tokens", summary="API tokens: names and roles, never the tokens (admin)")
def get_tokens(store: ReaderDep, _: AdminDep) -> Response:
    return _json({"tokens": list_tokens(store)})


@router.post("/tokens", summary="Create a token; the answer is the only time it is shown (admin)")
async def post_token(
    request: Request, server: ServerDep, principal: AdminDep, body: TokenRequest
) -> Response:
    def job(store: Store) -> str:
        with store.transaction():
            token = create_token(store, body.name, body.role)
            record_audit(
                store,
                principal,
                "token.create",
                target=body.name,
                details={"role": body.role},
                client=_client(request),
            )
        server.gate.tokens = active_tokens(store)
        return token

    token = await server.writer.run(job)
    return _json({"name": body.name, "role": body.role, "token": token})


@router.delete("/tokens/{name}", summary="Revoke a token and end its sessions (admin)")
async def delete_token(
    request: Request, server: ServerDep, principal: AdminDep, name: str
) -> Response:
    def job(store: Store) -> bool:
        with store.transaction():
            revoked = revoke_token(store, name)
            if revoked:
                record_audit(store, principal, "token.revoke", target=name, client=_client(request))
        server.gate.tokens = active_tokens(store)
        return revoked

    if not await server.writer.run(job):
        raise HTTPException(404, f"no active token named {name!r}")
    server.gate.sessions.drop_name(name)
    return _json({"name": name, "revoked": True})


@router.get("/audit", summary="Audit log of admin actions, newest first (admin)")
def get_audit(store: ReaderDep, _: AdminDep, limit: Limit = 100, cursor: Cursor = None) -> Response:
    before = decode_cursor(cursor, tuple[int])[0] if cursor else None
    entries = audit_entries(store, before=before, limit=limit + 1)
    more = len(entries) > limit
    entries = entries[:limit]
    next_cursor = encode_cursor([entries[-1].audit_id]) if more else None
    return _json({"timezone": "UTC", "entries": entries, "next_cursor": next_cursor})


# -- docs page ----------------------------------------------------------------------------

_DOCS_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>voxpop API</title>
<link rel="stylesheet" href="{API_PREFIX}/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{API_PREFIX}/docs/swagger-ui-bundle.js"></script>
<script src="{API_PREFIX}/docs/init.js"></script></body></html>
"""
# No inline script (the CSP forbids it): the page loads this. Swagger UI's own requests from the
# browser carry the session cookie, so unsafe ones repeat the CSRF cookie in the header.
_DOCS_INIT = f"""window.ui = SwaggerUIBundle({{
  url: "{API_PREFIX}/openapi.json",
  dom_id: "#swagger-ui",
  requestInterceptor: function (request) {{
    var match = document.cookie.match(/(?:^|; ){CSRF_COOKIE}=([^;]*)/);
    if (match) request.headers["{CSRF_HEADER}"] = match[1];
    return request;
  }}
}});
"""


@router.get("/docs", include_in_schema=False)
def docs_page() -> HTMLResponse:
    """Swagger UI from the fastapi-offline wheel: no CDN, works without the internet."""
    return HTMLResponse(_DOCS_PAGE)


@router.get("/docs/{asset}", include_in_schema=False)
def docs_asset(asset: Literal["swagger-ui.css", "swagger-ui-bundle.js", "init.js"]) -> Response:
    if asset == "init.js":
        return Response(_DOCS_INIT, media_type="text/javascript")
    media = "text/css" if asset.endswith(".css") else "text/javascript"
    # Swagger UI's files ship in the fastapi-offline wheel (no CDN, no pasted copy).
    return Response(
        (files("fastapi_offline") / "static" / asset).read_bytes(),
        media_type=media,
        headers={"cache-control": "public, max-age=86400"},
    )


# -- browser sessions ---------------------------------------------------------------------

_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>voxpop: sign in</title></head>
<body><main><h1>voxpop</h1>
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{csrf}">
<label>API token
<input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>
<p>{message}</p></main></body></html>
"""


def _form(body: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


@login_router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = HTMLResponse(_LOGIN_PAGE.format(csrf=html.escape(csrf), message=""))
    if CSRF_COOKIE not in request.cookies:
        response.headers.append("set-cookie", csrf_cookie(csrf, request.url.scheme == "https"))
    return response


@login_router.post("/login")
async def login(request: Request) -> Response:
    """A form post (token, csrf) from /login, or JSON {"token": ...} with X-CSRF-Token."""
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            fields = msgspec.json.decode(body, type=dict[str, str])
        except msgspec.DecodeError as exc:
            raise HTTPException(400, 'send {"token": "..."}') from exc
    else:
        fields = _form(body)
    _check_csrf(request, fields)
    server = _server(request)
    principal = server.gate.tokens.get(hash_token(fields.get("token", "").strip()))
    if principal is None:
        raise HTTPException(401, "that token is not valid")
    session = server.gate.sessions.create(principal)
    response = Response(status_code=303, headers={"location": "/"})
    secure = request.url.scheme == "https"
    response.headers.append(
        "set-cookie", session_cookie(session, secure, int(server.gate.sessions.lifetime))
    )
    return response


def _check_csrf(request: Request, fields: dict[str, str]) -> None:
    given = fields.get("csrf") or request.headers.get(CSRF_HEADER, "")
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not (expected and given and tokens_equal(given, expected)):
        raise HTTPException(403, "CSRF check failed: load /login and submit its form")


@login_router.post("/logout")
async def logout(request: Request) -> Response:
    _check_csrf(request, _form(await request.body()))
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        _server(request).gate.sessions.drop(session)
    response = Response(status_code=303, headers={"location": "/login"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
