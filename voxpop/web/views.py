"""What each dashboard view shows, as msgspec structs: the API returns them as JSON, the pages
render the same data. Every function reads through the `Store` it is given (a per-request
cursor in the server) and only reads.

Times are UTC datetimes and each document says so (`timezone: "UTC"`). Lists that can be long
are paged with opaque cursors: base64url of the sort key of the last row sent, so a page is
a keyset query and stays fast however deep it goes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec

from voxpop.alerts import Alert
from voxpop.analyze.coordination import Cluster
from voxpop.analyze.coordination_store import stored_cluster, stored_clusters
from voxpop.analyze.query import _LANG, compile_query
from voxpop.analyze.trends import Grouping, parse_interval, trends
from voxpop.errors import ConfigError
from voxpop.store import Store

__all__ = [
    "MAX_BUCKETS",
    "AlertsPage",
    "Breakdown",
    "ClusterGraph",
    "ClusterList",
    "GraphEdge",
    "GraphNode",
    "Overview",
    "PostRow",
    "SearchPage",
    "Totals",
    "TrendPoint",
    "Trends",
    "VolumePoint",
    "alerts_page",
    "breakdown",
    "cluster_graph",
    "cluster_list",
    "cluster_network",
    "decode_cursor",
    "encode_cursor",
    "overview",
    "search_page",
    "trend_series",
    "volume",
]

TIMEZONE = "UTC"
MAX_BUCKETS = 20_000  # a curve longer than this is a mistake of interval, not a chart


class InvalidCursor(ConfigError):
    """A pagination cursor that this server did not hand out."""


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str, types: Any) -> Any:
    """The sort key inside a cursor, checked against `types` (a tuple type)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=types)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise InvalidCursor(
            "cursor is not one this server gave out; start again without it"
        ) from exc


def _buckets(store: Store, step: timedelta) -> None:
    rows = store.con.execute(
        "SELECT epoch(max(created_at)) - epoch(min(created_at)) FROM posts WHERE NOT context"
    ).fetchall()
    span = rows[0][0] if rows and rows[0][0] is not None else 0.0
    if span / step.total_seconds() > MAX_BUCKETS:
        raise ConfigError(
            f"interval {step} makes more than {MAX_BUCKETS:,} buckets over the data; use a "
            "longer interval"
        )


# -- overview -----------------------------------------------------------------------------


class Totals(msgspec.Struct, kw_only=True):
    posts: int
    accounts: int
    first: datetime | None
    last: datetime | None


class VolumePoint(msgspec.Struct, kw_only=True):
    bucket: datetime
    posts: int


class Overview(msgspec.Struct, kw_only=True):
    timezone: str
    interval: str
    totals: Totals
    volume: list[VolumePoint]
    languages: list[dict[str, Any]]
    platforms: list[dict[str, Any]]
    collections: list[dict[str, Any]]


class Breakdown(msgspec.Struct, kw_only=True):
    """The part of the overview that does not depend on the interval."""

    totals: Totals
    languages: list[dict[str, Any]]
    platforms: list[dict[str, Any]]
    collections: list[dict[str, Any]]


def breakdown(store: Store) -> Breakdown:
    """Totals, and counts by language (from enrichment, else the source's own tag; "und" when
    neither), platform and collection, of collected posts."""
    con = store.con
    total = con.execute(
        """SELECT count(*), count(DISTINCT author_id), min(created_at), max(created_at)
        FROM posts WHERE NOT context"""
    ).fetchall()[0]
    languages = con.execute(
        f"""SELECT coalesce({_LANG}, 'und') AS lang, count(*) AS n
        FROM posts WHERE NOT posts.context GROUP BY 1 ORDER BY n DESC, 1"""
    ).fetchall()

    def by(column: str, unknown: str) -> list[tuple[str, int]]:
        rows = con.execute(
            f"""SELECT coalesce({column}, ?) AS k, count(*) AS n FROM posts WHERE NOT context
            GROUP BY k ORDER BY n DESC, k""",
            [unknown],
        ).fetchall()
        return [(str(k), int(n)) for k, n in rows]

    return Breakdown(
        totals=Totals(posts=total[0], accounts=total[1], first=total[2], last=total[3]),
        languages=[{"lang": k, "posts": n} for k, n in languages],
        platforms=[{"platform": k, "posts": n} for k, n in by("platform", "(unknown)")],
        collections=[{"collection": k, "posts": n} for k, n in by("collection", "(none)")],
    )


def volume(store: Store, interval: str = "1h") -> list[VolumePoint]:
    """Collected posts per time bucket (UTC), empty buckets left out."""
    step = parse_interval(interval)
    _buckets(store, step)
    rows = store.con.execute(
        """SELECT time_bucket(?, created_at) AS bucket, count(*) FROM posts
        WHERE NOT context AND created_at IS NOT NULL GROUP BY bucket ORDER BY bucket""",
        [step],
    ).fetchall()
    return [VolumePoint(bucket=b, posts=n) for b, n in rows]


def overview(parts: Breakdown, points: list[VolumePoint], interval: str) -> Overview:
    """The overview view from its two parts, which are computed and cached apart (`breakdown`
    once, `volume` per interval)."""
    return Overview(
        timezone=TIMEZONE,
        interval=interval,
        totals=parts.totals,
        volume=points,
        languages=parts.languages,
        platforms=parts.platforms,
        collections=parts.collections,
    )


# -- search -------------------------------------------------------------------------------


class PostRow(msgspec.Struct, kw_only=True):
    platform: str
    post_id: str
    created_at: datetime | None
    author_handle: str | None
    lang: str | None
    kind: str
    text: str | None
    url: str | None  # the first link in the post


class SearchPage(msgspec.Struct, kw_only=True):
    query: str
    timezone: str
    posts: list[PostRow]
    next_cursor: str | None


_PostKey = tuple[datetime | None, str, str]


def search_page(
    store: Store, query: str = "", *, limit: int = 50, cursor: str | None = None
) -> SearchPage:
    """Collected posts matching `query` (every post when it is blank), newest first.

    The newest matches are looked for in the most recent time window first, doubling it until
    the page is full: DuckDB skips the row groups outside a window by their min/max, so a
    common term costs a slice of the table instead of a scan of every post's text.
    """
    where, params = compile_query(query, folded=store.texts_folded())
    after, after_params = "TRUE", []
    upper: datetime | None = None
    in_nulls = False
    if cursor:
        created, platform, post_id = decode_cursor(cursor, _PostKey)
        # The rows after the cursor in (created_at DESC NULLS LAST, platform, post_id) order.
        tie = "(posts.platform, posts.post_id) > (?, ?)"
        if created is None:
            after, after_params = f"(posts.created_at IS NULL AND {tie})", [platform, post_id]
            in_nulls = True
        else:
            after = f"(posts.created_at < ? OR (posts.created_at = ? AND {tie}))"
            after_params = [created, created, platform, post_id]
            upper = created
    span = store.con.execute(
        "SELECT min(created_at), max(created_at) FROM posts WHERE NOT context"
    ).fetchall()[0]
    first, last = span
    rows: list[tuple[Any, ...]] = []

    def fetch(window: str, window_params: list[Any], *, cursor_applies: bool = True) -> None:
        condition, condition_params = (after, after_params) if cursor_applies else ("TRUE", [])
        found = store.con.execute(
            f"""SELECT posts.platform, posts.post_id, posts.created_at, posts.author_handle,
                {_LANG}, posts.kind, posts.text, posts.urls[1]
            FROM posts WHERE NOT posts.context AND {where} AND {condition} AND {window}
            ORDER BY posts.created_at DESC NULLS LAST, posts.platform, posts.post_id
            LIMIT ?""",
            [*params, *condition_params, *window_params, limit + 1 - len(rows)],
        ).fetchall()
        rows.extend(found)

    if not in_nulls and first is not None:
        top = (upper or last) + timedelta(microseconds=1)
        width = max((top - first) / 64, timedelta(minutes=1))
        high = top
        while len(rows) <= limit and high > first:
            low = max(high - width, first)
            fetch("posts.created_at >= ? AND posts.created_at < ?", [low, high])
            high, width = low, width * 2
    if len(rows) <= limit:
        # Posts without a time come last; a cursor still among dated posts passes them all.
        fetch("posts.created_at IS NULL", [], cursor_applies=in_nulls)
    posts = [
        PostRow(
            platform=r[0],
            post_id=r[1],
            created_at=r[2],
            author_handle=r[3],
            lang=r[4],
            kind=r[5],
            text=r[6],
            url=r[7],
        )
        for r in rows[:limit]
    ]
    last_row = posts[-1] if len(rows) > limit else None
    next_cursor = (
        encode_cursor([last_row.created_at, last_row.platform, last_row.post_id])
        if last_row
        else None
    )
    return SearchPage(query=query, timezone=TIMEZONE, posts=posts, next_cursor=next_cursor)


# -- trends -------------------------------------------------------------------------------


class TrendPoint(msgspec.Struct, kw_only=True, omit_defaults=True):
    bucket: datetime
    posts: int
    authors: int
    reposts: int
    sentiment: float | None
    group: str | None = None


class Trends(msgspec.Struct, kw_only=True):
    query: str
    timezone: str
    interval: str
    by: str | None
    series: list[TrendPoint]


def trend_series(
    store: Store,
    query: str,
    *,
    interval: str = "1h",
    by: Grouping | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Trends:
    """`voxpop.analyze.trends.trends` for one query, as the trends view's document."""
    _buckets(store, parse_interval(interval))
    table = trends(store, [query], interval=interval, by=by, since=since, until=until)
    series = [
        TrendPoint(
            bucket=row["bucket"],
            posts=row["posts"],
            authors=row["authors"],
            reposts=row["reposts"],
            sentiment=row["sentiment"],
            group=row[by] if by else None,
        )
        for row in table.to_pylist()
    ]
    return Trends(query=query, timezone=TIMEZONE, interval=interval, by=by, series=series)


# -- alerts -------------------------------------------------------------------------------


class AlertsPage(msgspec.Struct, kw_only=True):
    timezone: str
    alerts: list[Alert]
    next_cursor: str | None


def alerts_page(
    store: Store,
    *,
    acknowledged: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> AlertsPage:
    """Stored alerts, newest first; `acknowledged` True/False keeps only those/the others."""
    conditions = ["TRUE"]
    params: list[Any] = []
    if acknowledged is not None:
        conditions.append(f"acknowledged_at IS {'NOT ' if acknowledged else ''}NULL")
    if cursor:
        fired, alert_id = decode_cursor(cursor, tuple[datetime, int])
        conditions.append("(fired_at < ? OR (fired_at = ? AND alert_id < ?))")
        params += [fired, fired, alert_id]
    table = store.con.sql(
        f"""SELECT * FROM alerts WHERE {" AND ".join(conditions)}
        ORDER BY fired_at DESC, alert_id DESC LIMIT ?""",
        params=[*params, limit + 1],
    ).to_arrow_table()
    alerts = []
    for row in table.to_pylist()[:limit]:
        row["details"] = msgspec.json.decode(row["details"]) if row["details"] else {}
        row["deliveries"] = msgspec.json.decode(row["deliveries"]) if row["deliveries"] else []
        alerts.append(msgspec.convert(row, Alert))
    last = alerts[-1] if table.num_rows > limit else None
    next_cursor = encode_cursor([last.fired_at, last.alert_id]) if last else None
    return AlertsPage(timezone=TIMEZONE, alerts=alerts, next_cursor=next_cursor)


# -- coordination -------------------------------------------------------------------------


class ClusterList(msgspec.Struct, kw_only=True):
    timezone: str
    clusters: list[Cluster]


class GraphNode(msgspec.Struct, kw_only=True):
    id: str
    label: str
    cluster: str
    degree: int


class GraphEdge(msgspec.Struct, kw_only=True):
    source: str
    target: str
    behaviour: str
    weight: float


class ClusterGraph(msgspec.Struct, kw_only=True):
    timezone: str
    cluster: Cluster
    nodes: list[GraphNode]
    edges: list[GraphEdge]


def cluster_list(store: Store) -> ClusterList:
    """The clusters of the latest stored `voxpop coordination` run, largest first. Detection
    takes minutes on large data, so the server only ever reads stored results."""
    return ClusterList(timezone=TIMEZONE, clusters=stored_clusters(store))


def cluster_graph(store: Store, cluster_id: str) -> ClusterGraph | None:
    """One stored cluster with its network: accounts as nodes (labelled with a handle they
    posted under, when known), one edge per behaviour and account pair."""
    found = stored_cluster(store, cluster_id)
    if found is None:
        return None
    cluster, nodes, edges = found
    accounts = nodes.column("account").to_pylist()
    handles = dict(
        store.con.execute(
            """SELECT author_id, any_value(author_handle) FROM posts
            WHERE author_id IN (SELECT unnest(?::VARCHAR[])) AND author_handle IS NOT NULL
            GROUP BY author_id""",
            [accounts],
        ).fetchall()
    )
    return ClusterGraph(
        timezone=TIMEZONE,
        cluster=cluster,
        nodes=[
            GraphNode(
                id=row["account"],
                label=handles.get(row["account"]) or row["account"],
                cluster=cluster.id,
                degree=int(row["degree"] or 0),
            )
            for row in nodes.to_pylist()
        ],
        edges=[
            GraphEdge(
                source=row["account_1"],
                target=row["account_2"],
                behaviour=row["behaviour"],
                weight=float(row["weight"] or 0.0),
            )
            for row in edges.to_pylist()
        ],
    )


def cluster_network(graph: ClusterGraph, format: Literal["gexf", "graphml"]) -> bytes:
    """The cluster's network as GEXF or GraphML for Gephi; behaviours of one pair summed into
    one edge."""
    import io

    import networkx as nx

    network = nx.Graph()
    for node in graph.nodes:
        network.add_node(node.id, label=node.label, cluster=node.cluster, degree=node.degree)
    for edge in graph.edges:
        if network.has_edge(edge.source, edge.target):
            data = network[edge.source][edge.target]
            data["weight"] += edge.weight
            data["behaviours"] += " " + edge.behaviour
        else:
            network.add_edge(
                edge.source, edge.target, weight=edge.weight, behaviours=edge.behaviour
            )
    sink = io.BytesIO()
    (nx.write_gexf if format == "gexf" else nx.write_graphml)(network, sink)
    return sink.getvalue()
