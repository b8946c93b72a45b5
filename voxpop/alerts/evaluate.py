"""Evaluating rules: each rule's condition over its window, new alerts stored and delivered.

Windows are over `created_at` and end at `now` (the wall clock unless given). An alert is
stored once: its `dedup_key` names the rule and what it is about (the window, the series and the
surge's start, the cluster's id), so re-evaluating finds it already there; a rule that fired less
than its `cooldown` ago stays quiet (`narrative_surge`: per narrative). `arrived_at` is when
the newest post that the condition counted was ingested: `delay_seconds` from it to `fired_at`
is the arrival-to-alert delay.

`new_cluster` and `new_narrative` read the tables the coordination and narrative analyses write
(`coordination_clusters(cluster_id, created_at)`, `narratives(narrative_id, created_at)`), and
`narrative_surge` reads `post_narrative(platform, post_id, narrative_id)`; before those
analyses have run such rules find nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pyarrow as pa

from voxpop.alerts.rules import Delivery, Rule, RuleSet
from voxpop.analyze.query import _LANG, compile_query
from voxpop.analyze.surges import Surge, SurgeDetector
from voxpop.errors import ConfigError
from voxpop.store import Store

__all__ = [
    "Alert",
    "CountWindow",
    "WindowCounts",
    "acknowledge",
    "evaluate",
    "list_alerts",
    "sql_counts",
]

# Tables written by other analyses, and their id column, for the rules that watch them.
_WATCHED_TABLES = {
    "new_cluster": ("coordination_clusters", "cluster_id"),
    "new_narrative": ("narratives", "narrative_id"),
}


class Alert(msgspec.Struct, kw_only=True):
    rule: str
    condition: str
    severity: str
    dedup_key: str
    fired_at: datetime
    message: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    value: float | None = None
    threshold: float | None = None
    details: dict[str, Any] = {}
    arrived_at: datetime | None = None
    delay_seconds: float | None = None
    deliveries: list[dict[str, Any]] = []
    alert_id: int | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None


def _where(rule: Rule) -> tuple[str, list[Any]]:
    return compile_query(rule.query or "")


WindowCounts = tuple[int, int, datetime | None]
"""Matching posts in a window, how many of them are in the rule's language, newest arrival."""
CountWindow = Callable[[Rule, datetime, datetime], WindowCounts]


def sql_counts(store: Store) -> CountWindow:
    """Window counts straight from the posts table (what `evaluate` uses by default)."""

    def counts(rule: Rule, start: datetime, end: datetime) -> WindowCounts:
        where, params = _where(rule)
        in_lang = f"count(*) FILTER (WHERE {_LANG} = ?)" if rule.lang else "0"
        rows = store.con.execute(
            f"""
            SELECT count(*), {in_lang}, max(posts.ingested_at) FROM posts
            WHERE NOT posts.context AND posts.created_at >= ? AND posts.created_at < ?
                AND {where}
            """,
            [*([rule.lang.lower()] if rule.lang else []), start, end, *params],
        ).fetchall()
        n, lang_n, arrived = rows[0]
        return int(n), int(lang_n), arrived

    return counts


def _sentiment(
    store: Store, rule: Rule, start: datetime, end: datetime
) -> tuple[float | None, int, datetime | None]:
    """Mean sentiment score of the matching posts, how many are scored, newest arrival."""
    where, params = _where(rule)
    rows = store.con.execute(
        f"""
        SELECT avg(s.score), count(s.score), max(posts.ingested_at)
        FROM posts JOIN post_sentiment s
            ON s.platform = posts.platform AND s.post_id = posts.post_id
        WHERE NOT posts.context AND posts.created_at >= ? AND posts.created_at < ? AND {where}
        """,
        [start, end, *params],
    ).fetchall()
    mean, scored, arrived = rows[0]
    return mean, int(scored), arrived


def _check(store: Store, rule: Rule, now: datetime, counts: CountWindow) -> list[Alert]:
    start = now - rule.window
    base: dict[str, Any] = {
        "rule": rule.name,
        "condition": rule.condition,
        "severity": rule.severity,
        "fired_at": now,
        "window_start": start,
        "window_end": now,
    }
    if rule.condition in _WATCHED_TABLES:
        return _new_rows(store, rule, now, base)
    if rule.condition == "surge":
        return _surge(store, rule, now, base)
    if rule.condition == "narrative_surge":
        return _narrative_surge(store, rule, now, base)
    # One alert per rule and window: the window is identified by its end, floored to the window.
    slot = int(now.timestamp() // rule.window.total_seconds())
    key = f"{rule.name}|{rule.condition}|{slot}"
    subject = rule.query or "all posts"
    if rule.condition == "sentiment_shift":
        return _sentiment_shift(store, rule, now, base, key)
    n, in_lang, arrived = counts(rule, start, now)
    if rule.condition == "volume":
        assert rule.above is not None
        if n <= rule.above:
            return []
        message = f"{n} posts for {subject} in the last {rule.window} (above {rule.above:g})"
        return [
            Alert(
                **base,
                dedup_key=key,
                message=message,
                value=n,
                threshold=rule.above,
                arrived_at=arrived,
                details={"posts": n},
            )
        ]
    assert rule.condition == "language_share" and rule.share is not None
    if n < 5 or in_lang / n < rule.share:
        return []
    share = in_lang / n
    message = f"{share:.0%} of {n} posts for {subject} are in {rule.lang} (≥ {rule.share:.0%})"
    return [
        Alert(
            **base,
            dedup_key=key,
            message=message,
            value=share,
            threshold=rule.share,
            arrived_at=arrived,
            details={"posts": n, "in_language": in_lang},
        )
    ]


def _sentiment_shift(
    store: Store, rule: Rule, now: datetime, base: dict[str, Any], key: str
) -> list[Alert]:
    assert rule.delta is not None
    start = now - rule.window
    after, scored, arrived = _sentiment(store, rule, start, now)
    before, scored_before, _ = _sentiment(store, rule, start - rule.window, start)
    if after is None or before is None or min(scored, scored_before) < 5:
        return []
    shift = float(after) - float(before)
    if abs(shift) < rule.delta:
        return []
    subject = rule.query or "all posts"
    message = (
        f"mean sentiment for {subject} moved {shift:+.2f} "
        f"(from {before:.2f} to {after:.2f}) over {rule.window}"
    )
    details = {"before": before, "after": after, "scored": scored, "scored_before": scored_before}
    return [
        Alert(
            **base,
            dedup_key=key,
            message=message,
            value=shift,
            threshold=rule.delta,
            arrived_at=arrived,
            details=details,
        )
    ]


def _table_exists(store: Store, table: str) -> bool:
    rows = store.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
    ).fetchall()
    return bool(rows[0][0])


SeriesRows = list[tuple[datetime, str, int, datetime | None]]
"""Per bucket and series key: the count, and the newest arrival among the counted posts."""


def _detect(
    store: Store, rule: Rule, now: datetime, series: SeriesRows, kind: str
) -> list[tuple[Surge, datetime | None]]:
    """Run the surge detector over the closed buckets of the rule's lookback: each series'
    count per bucket against all posts of the bucket; the surges still going that alarmed
    within the rule's window, each with the newest arrival of its series."""
    start = now - rule.lookback
    bounds = store.con.execute(
        "SELECT time_bucket(?, ?::TIMESTAMPTZ), time_bucket(?, ?::TIMESTAMPTZ)",
        [rule.interval, start, rule.interval, now],
    ).fetchall()
    first, current = bounds[0]
    # The bucket `now` falls in is still filling: judging it would compare part of a bucket
    # with a whole bucket's expectation, so only closed buckets are read.
    totals = dict(
        store.con.execute(
            """SELECT time_bucket(?, created_at), count(*) FROM posts
            WHERE NOT context AND created_at >= ? AND created_at < ? GROUP BY ALL""",
            [rule.interval, first, current],
        ).fetchall()
    )
    counts: dict[datetime, dict[str, int]] = {}
    arrived: dict[str, datetime] = {}
    for bucket, key, n, newest in series:
        counts.setdefault(bucket, {})[key] = n
        if newest is not None and (key not in arrived or newest > arrived[key]):
            arrived[key] = newest
    detector = SurgeDetector(
        interval=rule.interval,
        alpha=rule.alpha,
        min_count=rule.min_count,
        warmup=min(rule.lookback / 4, timedelta(hours=12)),
        kind=kind,
    )
    bucket = first
    while bucket < current:
        detector.update(bucket, counts.get(bucket, {}), float(totals.get(bucket, 0)))
        bucket += rule.interval
    return [
        (surge, arrived.get(surge.key))
        for surge in detector.close()
        if surge.end is None and surge.detected_at >= now - rule.window
    ]


def _surge_alert(
    rule: Rule, base: dict[str, Any], surge: Surge, arrived: datetime | None, subject: str
) -> Alert:
    message = (
        f"surge in {subject} since {surge.start:%Y-%m-%d %H:%M} UTC: "
        f"{surge.peak_count} posts in {rule.interval} vs {surge.expected_at_peak:.1f} expected"
    )
    return Alert(
        **base | {"window_start": surge.start},
        dedup_key=f"{rule.name}|{rule.condition}|{surge.key}|{surge.start.isoformat()}",
        message=message,
        value=surge.magnitude,
        threshold=rule.alpha,
        arrived_at=arrived,
        details=msgspec.to_builtins(surge),
    )


def _surge(store: Store, rule: Rule, now: datetime, base: dict[str, Any]) -> list[Alert]:
    where, params = _where(rule)
    subject = rule.query or "all posts"
    series: SeriesRows = store.con.execute(
        f"""
        SELECT time_bucket(?, posts.created_at), ?, count(*), max(posts.ingested_at)
        FROM posts WHERE NOT posts.context AND posts.created_at >= ?
            AND posts.created_at < ? AND {where}
        GROUP BY 1
        """,
        [rule.interval, subject, now - rule.lookback - rule.interval, now, *params],
    ).fetchall()
    return [
        _surge_alert(rule, base, surge, arrived, subject)
        for surge, arrived in _detect(store, rule, now, series, "series")
    ]


def _narrative_surge(store: Store, rule: Rule, now: datetime, base: dict[str, Any]) -> list[Alert]:
    """A surge of posts in any narrative (table post_narrative), each narrative its own series
    with its own cooldown: two stories surging at once are two alerts."""
    if not _table_exists(store, "post_narrative"):
        return []
    where, params = _where(rule)
    series: SeriesRows = store.con.execute(
        f"""
        SELECT time_bucket(?, posts.created_at), n.narrative_id::VARCHAR,
            count(DISTINCT posts.post_id), max(posts.ingested_at)
        FROM posts JOIN post_narrative n
            ON n.platform = posts.platform AND n.post_id = posts.post_id
        WHERE NOT posts.context AND posts.created_at >= ? AND posts.created_at < ? AND {where}
        GROUP BY 1, 2
        """,
        [rule.interval, now - rule.lookback - rule.interval, now, *params],
    ).fetchall()
    quiet = {
        narrative
        for narrative, fired in store.con.execute(
            """SELECT details->>'key', max(fired_at) FROM alerts WHERE rule = ? GROUP BY 1""",
            [rule.name],
        ).fetchall()
        if now - fired < rule.cooldown
    }
    alerts = []
    for surge, arrived in _detect(store, rule, now, series, "narrative"):
        if surge.key in quiet:
            continue
        alert = _surge_alert(rule, base, surge, arrived, f"narrative {surge.key}")
        alert.details["narrative_id"] = surge.key
        alerts.append(alert)
    return alerts


def _new_rows(store: Store, rule: Rule, now: datetime, base: dict[str, Any]) -> list[Alert]:
    """Ids first stored within the window. The coordination analysis stores a cluster again
    with every run that finds it: its first row is when it was new."""
    table, id_column = _WATCHED_TABLES[rule.condition]
    if not _table_exists(store, table):
        return []
    rows = store.con.execute(
        f"""SELECT {id_column}, min(created_at) AS first FROM {table} GROUP BY 1
        HAVING first > ? AND first <= ? ORDER BY first, 1""",
        [now - rule.window, now],
    ).fetchall()
    what = "coordinated cluster" if rule.condition == "new_cluster" else "narrative"
    return [
        Alert(
            **base,
            dedup_key=f"{rule.name}|{rule.condition}|{ident}",
            message=f"new {what} {ident}",
            arrived_at=created,
            details={id_column: str(ident)},
        )
        for ident, created in rows
    ]


def _last_fired(store: Store, rule: str) -> datetime | None:
    rows = store.con.execute("SELECT max(fired_at) FROM alerts WHERE rule = ?", [rule]).fetchall()
    value: datetime | None = rows[0][0]
    return value


def _store(store: Store, alert: Alert, elapsed: float) -> bool:
    """Insert the alert unless its dedup_key is already there; sets alert_id.

    The delay runs from the arrival of the newest post counted to now: `fired_at` (the time
    the evaluation was for) plus the `elapsed` seconds the evaluation has taken so far.
    """
    if alert.arrived_at is not None:
        alert.delay_seconds = (alert.fired_at - alert.arrived_at).total_seconds() + elapsed
    rows = store.con.execute(
        """
        INSERT INTO alerts (rule, condition, severity, dedup_key, fired_at, window_start,
            window_end, value, threshold, message, details, arrived_at, delay_seconds)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (dedup_key) DO NOTHING RETURNING alert_id
        """,
        [
            alert.rule,
            alert.condition,
            alert.severity,
            alert.dedup_key,
            alert.fired_at,
            alert.window_start,
            alert.window_end,
            alert.value,
            alert.threshold,
            alert.message,
            msgspec.json.encode(alert.details).decode(),
            alert.arrived_at,
            alert.delay_seconds,
        ],
    ).fetchall()
    if not rows:
        return False
    alert.alert_id = int(rows[0][0])
    return True


def evaluate(
    store: Store,
    rules: RuleSet,
    *,
    now: datetime | None = None,
    deliver: bool = True,
    counts: CountWindow | None = None,
) -> list[Alert]:
    """Check every rule once; new alerts are stored, delivered and returned.

    `counts` supplies the window counts of volume and language-share rules (default: a query
    over the posts table; the `Watcher` passes its running tally).
    """
    from voxpop.alerts.deliver import deliver as send  # deliver imports Alert from here

    began = time.monotonic()
    moment = now or datetime.now(UTC)
    window_counts = counts or sql_counts(store)
    fired: list[Alert] = []
    for rule in rules.rules:
        # narrative_surge keeps a cooldown per narrative (see _narrative_surge).
        per_rule = rule.condition != "narrative_surge"
        last = _last_fired(store, rule.name)
        if per_rule and last is not None and moment - last < rule.cooldown:
            continue
        for alert in _check(store, rule, moment, window_counts):
            if not _store(store, alert, time.monotonic() - began):
                continue
            fired.append(alert)
            if deliver:
                targets = [rules.deliveries[d] for d in rule.deliver if d in rules.deliveries]
                if not targets or "log" in rule.deliver:
                    targets.append(Delivery(name="log", type="log"))
                results = send(alert, targets)
                alert.deliveries = [msgspec.to_builtins(r) for r in results]
                store.con.execute(
                    "UPDATE alerts SET deliveries = ? WHERE alert_id = ?",
                    [msgspec.json.encode(alert.deliveries).decode(), alert.alert_id],
                )
            # A rule with a cooldown fires once per evaluation at most.
            if per_rule and rule.cooldown:
                break
    return fired


def list_alerts(
    store: Store, *, unacknowledged: bool = False, limit: int | None = 100
) -> list[Alert]:
    """Stored alerts, newest first."""
    sql = "SELECT * FROM alerts"
    if unacknowledged:
        sql += " WHERE acknowledged_at IS NULL"
    sql += " ORDER BY fired_at DESC, alert_id DESC"
    params: list[Any] = []
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    table: pa.Table = store.con.sql(sql, params=params).to_arrow_table()
    alerts = []
    for row in table.to_pylist():
        row["details"] = msgspec.json.decode(row["details"]) if row["details"] else {}
        row["deliveries"] = msgspec.json.decode(row["deliveries"]) if row["deliveries"] else []
        alerts.append(msgspec.convert(row, Alert))
    return alerts


def acknowledge(store: Store, alert_ids: Sequence[int], *, by: str | None = None) -> int:
    """Mark alerts as acknowledged; returns how many were not acknowledged before."""
    if not alert_ids:
        return 0
    known = store.con.execute(
        "SELECT alert_id FROM alerts WHERE alert_id IN (SELECT unnest(?::BIGINT[]))",
        [list(alert_ids)],
    ).fetchall()
    missing = set(alert_ids) - {r[0] for r in known}
    if missing:
        raise ConfigError(
            f"no alert with id {', '.join(map(str, sorted(missing)))}; see `voxpop alerts list`"
        )
    rows = store.con.execute(
        """UPDATE alerts SET acknowledged_at = current_timestamp, acknowledged_by = ?
        WHERE alert_id IN (SELECT unnest(?::BIGINT[])) AND acknowledged_at IS NULL
        RETURNING alert_id""",
        [by, list(alert_ids)],
    ).fetchall()
    return len(rows)
