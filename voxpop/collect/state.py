"""Collector state in the database: one row per source, and `collect_status` over it.

A source is one thing polled or streamed: a feed URL, a Jetstream endpoint, a Mastodon
timeline, a YouTube query, a subreddit, an intake name. Its row holds the resume cursor, the
HTTP validators, health (last success, consecutive and total errors, last error, next poll)
and counters. Collectors write the row inside the transaction that stores the posts it covers,
so after a crash the cursor is never ahead of what was stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, get_args, get_type_hints

import msgspec
import pyarrow as pa

from voxpop.schema import Post
from voxpop.sources import Item
from voxpop.store import IngestRun, Store

__all__ = ["SourceState", "SourceStatus", "collect_status", "load_states", "save_states"]

_MAX_ERROR = 500  # characters of an error message kept


class SourceState(msgspec.Struct, kw_only=True):
    """The `collector_state` row of one source, as the collector holds it in memory."""

    source: str
    kind: str
    cursor: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_post_at: datetime | None = None
    next_poll: datetime | None = None
    errors: int = 0
    errors_total: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    records: int = 0
    posts: int = 0
    posts_new: int = 0
    deletes: int = 0
    dead_letters: int = 0
    updated_at: datetime | None = None

    def counted(self, run: IngestRun) -> None:
        """Add what one ingest stored, and mark the source healthy."""
        self.records += run.records_read
        self.posts += run.posts_read
        self.posts_new += run.posts_new
        self.deletes += run.deletes
        self.dead_letters += run.dead_letters
        self.succeeded()

    def succeeded(self) -> None:
        now = datetime.now(UTC)
        self.last_attempt = self.last_success = now
        self.errors = 0

    def failed(self, error: str) -> None:
        now = datetime.now(UTC)
        self.last_attempt = self.last_error_at = now
        self.errors += 1
        self.errors_total += 1
        self.last_error = error[:_MAX_ERROR]

    def poll_in(self, seconds: float) -> None:
        self.next_poll = datetime.now(UTC) + timedelta(seconds=seconds)

    def track(self, items: Iterable[Item]) -> Iterator[Item]:
        """Pass items through, keeping the newest collected post's time (for the lag)."""
        newest = self.last_post_at
        for item in items:
            if type(item) is Post and not item.context and item.created_at is not None:
                newest = item.created_at if newest is None else max(newest, item.created_at)
            yield item
        self.last_post_at = newest


_FIELDS = SourceState.__struct_fields__
_COLUMNS = ", ".join(_FIELDS)
_UPSERT = (
    f"INSERT INTO collector_state ({_COLUMNS}) SELECT {_COLUMNS} FROM _states "
    f"ON CONFLICT (source) DO UPDATE SET " + ", ".join(f"{f} = excluded.{f}" for f in _FIELDS[1:])
)


def _arrow_type(hint: Any) -> pa.DataType:
    kinds = set(get_args(hint)) or {hint}
    if datetime in kinds:
        return pa.timestamp("us", tz="UTC")
    return pa.int64() if int in kinds else pa.string()


# The rows go in as one Arrow table: `executemany` ran the upsert once per row, ~5 ms each,
# which made saving 2,000 feeds' rows cost more than polling them.
_STATE_SCHEMA = pa.schema(
    [(name, _arrow_type(hint)) for name, hint in get_type_hints(SourceState).items()]
)


def load_states(store: Store, kind: str | None = None) -> dict[str, SourceState]:
    query = f"SELECT {_COLUMNS} FROM collector_state"
    params: list[Any] = []
    if kind is not None:
        query += " WHERE kind = ?"
        params.append(kind)
    rows = store.con.execute(query, params).fetchall()
    states = (SourceState(**dict(zip(_FIELDS, row, strict=True))) for row in rows)
    return {state.source: state for state in states}


def save_states(store: Store, states: Iterable[SourceState]) -> None:
    """Write rows; call inside the transaction that stores what they cover."""
    now = datetime.now(UTC)
    rows = []
    for state in states:
        state.updated_at = now
        rows.append(msgspec.structs.asdict(state))
    if not rows:
        return
    store.con.register("_states", pa.Table.from_pylist(rows, schema=_STATE_SCHEMA))
    try:
        store.con.execute(_UPSERT)
    finally:
        store.con.unregister("_states")


class SourceStatus(msgspec.Struct, kw_only=True):
    """What `voxpop collect status` shows for one source."""

    kind: str
    posts_new: int  # posts stored for the first time: what this source collected
    posts_read: int  # posts read, counting replays after a reconnect or restart
    deletes: int
    dead_letters: int
    lag_seconds: float | None
    last_post_at: datetime | None
    last_success: datetime | None
    next_poll: datetime | None
    errors: int
    errors_total: int
    last_error: str | None
    last_error_at: datetime | None
    cursor: str | None


def collect_status(store: Store) -> dict[str, SourceStatus]:
    """Per source: posts collected, lag (now minus the newest post's time), health."""
    now = datetime.now(UTC)
    status: dict[str, SourceStatus] = {}
    for source, state in sorted(load_states(store).items()):
        lag = (now - state.last_post_at).total_seconds() if state.last_post_at else None
        status[source] = SourceStatus(
            kind=state.kind,
            posts_new=state.posts_new,
            posts_read=state.posts,
            deletes=state.deletes,
            dead_letters=state.dead_letters,
            lag_seconds=round(lag, 3) if lag is not None else None,
            last_post_at=state.last_post_at,
            last_success=state.last_success,
            next_poll=state.next_poll,
            errors=state.errors,
            errors_total=state.errors_total,
            last_error=state.last_error,
            last_error_at=state.last_error_at,
            cursor=state.cursor,
        )
    return status
