"""Watching: evaluate the rules as posts arrive, and measure how long an alert took.

`Watcher.check()` is one pass. It reads the posts that arrived since the last pass (by
`ingested_at`), matches them against the query of each volume and language-share rule once, and
adds them to a running tally per second of `created_at`; those rules then read their windows
from the tally, so a pass costs in proportion to what arrived, not to the window. Sentiment,
cluster and new-narrative rules query the store (enrichment writes their data after ingest), and
surge and narrative-surge rules run when one of their buckets has closed (the detector decides
per bucket).

Call `check()` after each ingest batch (a hook in a collector), or let `watch` poll. DuckDB lets
one process write a database file, so the watcher runs in the process that ingests (another
thread is fine: open a second `Store` on the same path in that thread, which shares the
database).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from voxpop.alerts.evaluate import Alert, WindowCounts, evaluate
from voxpop.alerts.rules import Rule, RuleSet
from voxpop.analyze.query import _LANG, compile_query
from voxpop.store import Store

__all__ = ["Watcher", "watch"]

# A post's ingested_at is the start of the transaction that wrote it, which may commit after a
# pass has read past that time: each pass re-reads this much and skips the posts it has seen.
_OVERLAP = timedelta(seconds=2)
_TALLIED = ("volume", "language_share")


class Watcher:
    def __init__(self, store: Store, rules: RuleSet, *, deliver: bool = True) -> None:
        self.store = store
        self.rules = rules
        self.deliver = deliver
        tallied = [r for r in rules.rules if r.condition in _TALLIED]
        self.horizon = max((r.window for r in tallied), default=timedelta(0))
        # Per rule, per second of created_at: [matching posts, of them in the rule's language,
        # newest ingested_at as epoch seconds].
        self.tally: dict[str, dict[int, list[float]]] = {r.name: {} for r in tallied}
        latest = self._latest()
        self.seen: datetime | None = latest
        # The first pass reads the posts already in the tallied rules' windows.
        self.mark: datetime | None = latest - self.horizon if latest else None
        self.recent: set[tuple[str, str]] = set()
        self.next_surge: dict[str, datetime] = {}

    def _latest(self) -> datetime | None:
        rows = self.store.con.execute("SELECT max(ingested_at) FROM posts").fetchall()
        value: datetime | None = rows[0][0]
        return value

    def _read_new(self) -> pa.Table:
        since = self.mark - _OVERLAP if self.mark else datetime.min.replace(tzinfo=UTC)
        table = self.store.con.sql(
            "SELECT * EXCLUDE (metrics, origin) FROM posts "
            "WHERE ingested_at >= ? AND NOT context AND created_at IS NOT NULL",
            params=[since],
        ).to_arrow_table()
        if table.num_rows == 0:
            return table
        platforms = table.column("platform").to_pylist()
        ids = table.column("post_id").to_pylist()
        arrivals = table.column("ingested_at").to_pylist()
        keep = [(p, i) not in self.recent for p, i in zip(platforms, ids, strict=True)]
        self.mark = max(arrivals)
        cutoff = self.mark - _OVERLAP
        self.recent = {
            (p, i) for p, i, t in zip(platforms, ids, arrivals, strict=True) if t >= cutoff
        }
        return table.filter(pa.array(keep, pa.bool_()))

    def _add(self, rules: list[Rule], new: pa.Table) -> None:
        """Tally the new posts for every tallied rule in one scan of them."""
        columns: list[str] = []
        params: list[object] = []
        for rule in rules:
            where, where_params = compile_query(rule.query or "")
            columns.append(f"count(*) FILTER (WHERE {where})")
            params += where_params
            if rule.lang:
                columns.append(f"count(*) FILTER (WHERE {where} AND {_LANG} = ?)")
                params += [*where_params, rule.lang.lower()]
            else:
                columns.append("0")
            columns.append(f"epoch(max(posts.ingested_at) FILTER (WHERE {where}))")
            params += where_params
        con = self.store.con
        con.register("_watch_new", new)
        try:
            rows = con.execute(
                f"""SELECT epoch(posts.created_at)::BIGINT, {", ".join(columns)}
                FROM _watch_new AS posts GROUP BY 1""",
                params,
            ).fetchall()
        finally:
            con.unregister("_watch_new")
        for row in rows:
            second = int(row[0])
            for k, rule in enumerate(rules):
                n, lang_n, arrived = row[1 + 3 * k : 4 + 3 * k]
                if not n:
                    continue
                entry = self.tally[rule.name].setdefault(second, [0, 0, 0.0])
                entry[0] += n
                entry[1] += lang_n
                entry[2] = max(entry[2], float(arrived))

    def counts(self, rule: Rule, start: datetime, end: datetime) -> WindowCounts:
        """A tallied rule's window: matching posts, in its language, newest arrival."""
        lo, hi = start.timestamp(), end.timestamp()
        n = lang_n = 0
        arrived = 0.0
        for second, (count, in_lang, newest) in self.tally[rule.name].items():
            if lo <= second < hi:
                n += int(count)
                lang_n += int(in_lang)
                arrived = max(arrived, newest)
        return n, lang_n, datetime.fromtimestamp(arrived, UTC) if n else None

    def _due(self, now: datetime) -> list[Rule]:
        due = []
        for rule in self.rules.rules:
            if rule.condition in ("surge", "narrative_surge"):
                # The detector decides when a bucket closes: once per bucket is enough.
                if now < self.next_surge.get(rule.name, now):
                    continue
                step = rule.interval.total_seconds()
                bucket_end = (now.timestamp() // step + 1) * step
                self.next_surge[rule.name] = datetime.fromtimestamp(bucket_end, UTC)
            due.append(rule)
        return due

    def check(self, now: datetime | None = None) -> list[Alert]:
        """Evaluate the rules if posts arrived since the last check; the new alerts."""
        new = self._read_new()
        if new.num_rows == 0:
            return []
        self.seen = self.mark
        moment = now or datetime.now(UTC)
        tallied = [rule for rule in self.rules.rules if rule.name in self.tally]
        if tallied:
            self._add(tallied, new)
        horizon = (moment - self.horizon).timestamp() - 1
        for seconds in self.tally.values():
            for second in [s for s in seconds if s < horizon]:
                del seconds[second]
        due = RuleSet(rules=self._due(moment), deliveries=self.rules.deliveries)
        return evaluate(self.store, due, now=moment, deliver=self.deliver, counts=self.counts)


def watch(
    store: Store,
    rules: RuleSet,
    *,
    poll: float = 1.0,
    stop: threading.Event | None = None,
    on_alert: Callable[[Alert], None] | None = None,
    deliver: bool = True,
) -> None:
    """Check every `poll` seconds until `stop` is set (or forever); `on_alert` sees each alert."""
    watcher = Watcher(store, rules, deliver=deliver)
    event = stop or threading.Event()
    while not event.is_set():
        began = time.monotonic()
        for alert in watcher.check():
            if on_alert is not None:
                on_alert(alert)
        event.wait(max(0.0, poll - (time.monotonic() - began)))
