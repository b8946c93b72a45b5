"""Trends: how much a query is talked about, bucket by bucket.

`trends` counts, per query, time bucket and optional group (language, platform or kind): posts,
unique authors, reposts and mean sentiment (from the `post_sentiment` enrichment; null where no
post of the bucket has a score). Buckets without a matching post are present with zero counts,
so a curve has no gaps and a surge detector can read it directly. `plot_trends` draws the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from voxpop.analyze.query import _LANG, compile_query
from voxpop.errors import ConfigError
from voxpop.store import Store

__all__ = ["GROUPINGS", "Grouping", "parse_interval", "plot_series", "plot_trends", "trends"]

Grouping = Literal["lang", "platform", "kind"]
GROUPINGS: tuple[str, ...] = ("lang", "platform", "kind")
_GROUP_SQL = {"lang": _LANG, "platform": "posts.platform", "kind": "posts.kind"}
_INTERVAL = re.compile(r"^\s*(\d+)\s*(m|min|h|d)\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days"}


def parse_interval(text: str, *, allow_zero: bool = False) -> timedelta:
    """A whole number of minutes, hours or days ("15m", "1h", "1d") as a timedelta."""
    match = _INTERVAL.match(text.lower())
    if not match or (int(match.group(1)) == 0 and not allow_zero):
        raise ConfigError(f"interval {text!r}: use a whole number with m, h or d, like 15m or 1h")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def trends(
    store: Store,
    queries: Sequence[str],
    *,
    interval: str | timedelta = "1h",
    by: Grouping | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pa.Table:
    """Per query, bucket (and group): posts, authors, reposts, sentiment. Collected posts only.

    Columns: query, bucket (start of the bucket, UTC), the `by` column when grouped, posts,
    authors (distinct author ids), reposts (posts of kind "repost"), sentiment (mean score).
    The buckets of every query span the same range: from the first to the last matching post of
    any query (or `since`/`until` when given), so curves of several queries line up.
    """
    step = parse_interval(interval) if isinstance(interval, str) else interval
    if by is not None and by not in _GROUP_SQL:
        raise ConfigError(f"by {by!r}: use one of {', '.join(GROUPINGS)}")
    group = _GROUP_SQL[by] if by else "NULL"
    parts: list[str] = []
    params: list[object] = []
    folded = store.texts_folded()
    for query in queries:
        where, where_params = compile_query(query, folded=folded)
        parts.append(
            f"""SELECT ? AS query, time_bucket(?, posts.created_at) AS bucket, {group} AS grp,
                posts.author_id, posts.kind, s.score
            FROM posts LEFT JOIN post_sentiment s
                ON s.platform = posts.platform AND s.post_id = posts.post_id
            WHERE NOT posts.context AND posts.created_at IS NOT NULL
                AND posts.created_at >= coalesce(?, '-infinity'::TIMESTAMPTZ)
                AND posts.created_at < coalesce(?, 'infinity'::TIMESTAMPTZ) AND {where}"""
        )
        params += [query, step, since, until, *where_params]
    if not parts:
        return _empty(by)
    matched = " UNION ALL ".join(parts)
    sql = f"""
        WITH matched AS ({matched}),
        span AS (
            SELECT coalesce(time_bucket(?, ?::TIMESTAMPTZ), min(bucket)) AS first,
                   coalesce(time_bucket(?, ?::TIMESTAMPTZ - INTERVAL 1 MICROSECOND), max(bucket))
                       AS last
            FROM matched),
        buckets AS (
            SELECT unnest(generate_series(first, last, ?)) AS bucket FROM span),
        keys AS (
            SELECT DISTINCT query, grp FROM matched
            UNION SELECT unnest(?::VARCHAR[]), NULL WHERE ? IS NULL),
        counts AS (
            SELECT query, bucket, grp, count(*) AS posts,
                   count(DISTINCT author_id) AS authors,
                   count(*) FILTER (WHERE kind = 'repost') AS reposts,
                   avg(score) AS sentiment
            FROM matched GROUP BY ALL)
        SELECT k.query, b.bucket, k.grp, coalesce(c.posts, 0) AS posts,
               coalesce(c.authors, 0) AS authors, coalesce(c.reposts, 0) AS reposts,
               c.sentiment
        FROM keys k CROSS JOIN buckets b
        LEFT JOIN counts c ON c.query = k.query AND c.bucket = b.bucket
            AND c.grp IS NOT DISTINCT FROM k.grp
        ORDER BY list_position(?::VARCHAR[], k.query), k.grp NULLS FIRST, b.bucket
    """
    names = list(dict.fromkeys(queries))
    params += [step, since, step, until, step, names, by, names]
    table = store.con.sql(sql, params=params).to_arrow_table()
    table = table.cast(_schema("grp")) if table.num_rows else _empty(None, "grp")
    if by is None:
        return table.drop_columns(["grp"])
    return table.rename_columns([by if name == "grp" else name for name in table.column_names])


def _schema(group: str | None) -> pa.Schema:
    fields = [pa.field("query", pa.string()), pa.field("bucket", pa.timestamp("us", tz="UTC"))]
    if group:
        fields.append(pa.field(group, pa.string()))
    fields += [
        pa.field("posts", pa.int64()),
        pa.field("authors", pa.int64()),
        pa.field("reposts", pa.int64()),
        pa.field("sentiment", pa.float64()),
    ]
    return pa.schema(fields)


def _empty(by: str | None, group: str | None = None) -> pa.Table:
    return _schema(group or by).empty_table()


def plot_trends(table: pa.Table, path: Path, *, metric: str = "posts") -> None:
    """Draw one line per query (and group) of a `trends` table; PNG or SVG by the suffix."""
    group = next((g for g in GROUPINGS if g in table.column_names), None)
    series: dict[str, tuple[list[Any], list[float]]] = {}
    for row in table.to_pylist():
        label = row["query"] if group is None else f"{row['query']} · {row[group]}"
        xs, ys = series.setdefault(label, ([], []))
        xs.append(row["bucket"])
        ys.append(float("nan") if row[metric] is None else float(row[metric]))
    plot_series(series, path, ylabel=metric)


def plot_series(
    series: Mapping[str, tuple[Sequence[Any], Sequence[float]]], path: Path, *, ylabel: str
) -> None:
    """Draw labelled lines over time (UTC), in the mapping's order; PNG or SVG by the suffix."""
    if path.suffix.lower() not in (".png", ".svg"):
        raise ConfigError(f"{path}: plots are written as .png or .svg; change the file name")
    import matplotlib

    matplotlib.use("Agg")  # no display: plots are files
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(10, 4.5))
    for label, (xs, ys) in series.items():
        axes.plot(xs, ys, label=label, linewidth=1.2)
    axes.set_ylabel(ylabel)
    axes.set_xlabel("time (UTC)")
    if series:
        axes.legend(loc="upper left", fontsize="small")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
