"""The `voxpop serve` application: one process owns the DuckDB file.

- **One writer.** Every write (alert acks, purges, tokens, audit entries, intake pushes,
  collectors) runs on one thread, in order (`voxpop.collect.writer.Writer`), on the store's
  own connection.
- **Readers never wait for it.** Each request reads through its own DuckDB cursor (a separate
  connection to the same database, so MVCC gives it a consistent snapshot) in FastAPI's
  thread pool.
- **Slow analyses are cached by data generation.** The writer counts the jobs it has run; a
  cached view computed at an older generation is still served while a background thread
  recomputes it (stale-while-revalidate), so a dashboard never waits on a 1M-post scan after
  the first time. A purge empties the cache: deleted posts must not linger in a view.
  Surge discovery is only ever computed in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from voxpop.alerts import Alert, Watcher, load_rules
from voxpop.collect.config import CollectConfig
from voxpop.collect.intake import intake_app
from voxpop.collect.writer import Writer, sleep_or_stop
from voxpop.errors import ConfigError, VoxpopError
from voxpop.store import Store
from voxpop.web.security import (
    Authenticate,
    BodyLimit,
    Gate,
    SecurityHeaders,
    active_tokens,
    is_loopback,
)

__all__ = ["Server", "create_app", "serve"]

T = TypeVar("T")

API_PREFIX = "/api/v1"
INTAKE_PREFIX = f"{API_PREFIX}/intake"


class ReadStore(Store):
    """A `Store` reading through its own cursor of a served store: what one request uses."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self.read_only = True
        self.con = con
        self.con.execute("SET TimeZone = 'UTC'")


class ServerWriter(Writer):
    """The single writer, counting the jobs it has run: the data's generation."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.generation = 0

    async def run(self, job: Callable[[Store], T], *, changes: bool = True) -> T:
        """`changes=False` for jobs that leave the posts as they were (an alert check).

        The texts of posts a job added are folded in the same turn (`Store.fold_texts`, a few
        ms for a page of posts), so that searches keep reading `text_folded` alone.
        """

        def then_fold(store: Store) -> T:
            result = job(store)
            store.fold_texts()
            return result

        try:
            return await super().run(then_fold if changes else job)
        finally:
            if changes:
                self.generation += 1


class _Entry:
    __slots__ = ("generation", "refreshing", "value")

    def __init__(self, value: Any, generation: int) -> None:
        self.value = value
        self.generation = generation
        self.refreshing = False


class ViewCache:
    """Computed views by key, served stale while one background thread brings them up to date."""

    def __init__(self, server: Server, size: int = 256) -> None:
        self.server = server
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._pending: dict[Hashable, Future[Any]] = {}
        self._epoch = 0
        self._refresher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voxpop-refresh")

    def _compute(self, key: Hashable, compute: Callable[[Store], Any]) -> Any:
        generation = self.server.writer.generation
        epoch = self._epoch
        with self.server.reader() as store:
            value = compute(store)
        with self._lock:
            self._pending.pop(key, None)
            if epoch != self._epoch:  # cleared meanwhile: the value may show purged posts
                return value
            self._entries[key] = _Entry(value, generation)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def _schedule(self, key: Hashable, compute: Callable[[Store], Any]) -> Future[Any]:
        """One computation per key at a time (the caller holds the lock)."""
        pending = self._pending.get(key)
        if pending is None:
            pending = self._refresher.submit(self._compute, key, compute)
            self._pending[key] = pending
        return pending

    def _cached(self, key: Hashable, compute: Callable[[Store], Any]) -> _Entry | None:
        """The entry for `key`, a refresh scheduled when it is stale (the caller holds the lock)."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            if entry.generation != self.server.writer.generation:
                self._schedule(key, compute)
        return entry

    def get(self, key: Hashable, compute: Callable[[Store], T]) -> T:
        """The cached value (a stale one triggers a refresh), or computed now when absent."""
        with self._lock:
            entry = self._cached(key, compute)
            if entry is not None:
                value: T = entry.value
                return value
            pending = self._pending.get(key)
        if pending is not None:
            result: T = pending.result()
            return result
        computed: T = self._compute(key, compute)
        return computed

    def peek(self, key: Hashable, compute: Callable[[Store], T]) -> T | None:
        """The cached value, or None while the background computes it: for views too slow to
        compute in a request."""
        with self._lock:
            entry = self._cached(key, compute)
            if entry is None:
                self._schedule(key, compute)
                return None
            value: T = entry.value
            return value

    def warm(self, key: Hashable, compute: Callable[[Store], Any]) -> None:
        with self._lock:
            self._schedule(key, compute)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._epoch += 1

    def close(self) -> None:
        self._refresher.shutdown(wait=False, cancel_futures=True)


class Server:
    """What the app's routes share: the store, its writer, readers, the gate and the caches."""

    def __init__(
        self,
        store: Store,
        *,
        host: str,
        collect_config: CollectConfig | None,
        rules_path: Path | None,
        pseudonymize_key: bytes | None,
    ) -> None:
        self.store = store
        self.host = host
        self.collect_config = collect_config
        self.rules_path = rules_path
        self.pseudonymize_key = pseudonymize_key
        self.writer = ServerWriter(store)
        self._root = store.con.cursor()
        self._root_lock = threading.Lock()
        tokens = active_tokens(store)
        local = not tokens and is_loopback(host)
        if not tokens and not local:
            raise ConfigError(
                f"serving on {host} needs authentication: create a token first with "
                "`voxpop tokens create NAME --role admin`, or serve on 127.0.0.1"
            )
        self.gate = Gate(tokens, local=local, public=("/login", "/logout", "/favicon.ico"))
        self.cache = ViewCache(self)
        self.collectors: Collectors | None = None
        self.alert_watch: AlertWatch | None = None

    @contextlib.contextmanager
    def reader(self) -> Iterator[Store]:
        # Cursors are made from one root connection under a lock: the store's own connection
        # belongs to the writer thread.
        with self._root_lock:
            store = ReadStore(self.store.path, self._root.cursor())
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        self.cache.close()
        self.writer.close()
        self._root.close()


class Collectors:
    """The collectors of `--collect collect.toml`, run in the server's event loop through the
    server's writer; admins start and stop them through the API."""

    def __init__(self, server: Server, config: CollectConfig) -> None:
        self.server = server
        self.config = config
        self.task: asyncio.Task[None] | None = None
        self.stop_event = asyncio.Event()
        self.error: str | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> bool:
        if self.running:
            return False
        from voxpop.collect.runner import collect

        self.stop_event = asyncio.Event()
        self.error = None
        key = self.server.pseudonymize_key if self.config.pseudonymize else None
        self.task = asyncio.create_task(
            collect(self.server.writer, self.config, stop=self.stop_event, pseudonymize_key=key)
        )
        self.task.add_done_callback(self._finished)
        return True

    def _finished(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.error = str(task.exception())

    async def stop(self) -> bool:
        if not self.running:
            return False
        self.stop_event.set()
        assert self.task is not None
        with contextlib.suppress(Exception):
            await self.task
        return True


class AlertWatch:
    """Evaluates the `--rules` file as posts arrive, on the writer thread (alerts are writes),
    and reloads the rules when the file changes (a PUT /api/v1/rules, or an edit)."""

    def __init__(self, server: Server, path: Path, poll: float = 5.0) -> None:
        self.server = server
        self.path = path
        self.poll = poll
        self.error: str | None = None
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        writer = self.server.writer
        watcher: Watcher | None = None
        loaded: float | None = None
        while not self.stop_event.is_set():
            changed = self.path.stat().st_mtime if self.path.exists() else None
            if changed != loaded:
                loaded, watcher = changed, None
                try:
                    rules = load_rules(self.path) if changed is not None else None
                    self.error = None
                except ConfigError as exc:
                    self.error, rules = str(exc), None
                if rules is not None:
                    watcher = await writer.run(partial(Watcher, rules=rules), changes=False)
            if watcher is not None:
                await writer.run(_check(watcher), changes=False)
            await sleep_or_stop(self.stop_event, self.poll)

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            with contextlib.suppress(Exception):
                await self.task


def _check(watcher: Watcher) -> Callable[[Store], list[Alert]]:
    def job(store: Store) -> list[Alert]:
        return watcher.check()

    return job


def create_app(
    store: Store,
    *,
    host: str = "127.0.0.1",
    collect_config: CollectConfig | None = None,
    rules_path: Path | None = None,
    pseudonymize_key: bytes | None = None,
    max_body_bytes: int = 1_000_000,
    warm: bool = True,
) -> FastAPI:
    """The web app over `store` (which it then owns for writing).

    `host` is where it will listen: anywhere but loopback needs tokens (`ConfigError` if none).
    `collect_config` adds collectors (started with the app) and the intake endpoint;
    `rules_path` is the alert rules file admins read and replace through the API.
    """
    from voxpop.web.api import login_router, router
    from voxpop.web.pages import mount_static, pages_router

    server = Server(
        store,
        host=host,
        collect_config=collect_config,
        rules_path=rules_path,
        pseudonymize_key=pseudonymize_key,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Posts ingested from the command line without `enrich` have no folded text yet.
        folding = asyncio.create_task(server.writer.run(Store.fold_texts, changes=False))
        if warm:
            from voxpop.web.api import warm_views

            warm_views(server)
        if collect_config is not None:
            server.collectors = Collectors(server, collect_config)
            server.collectors.start()
        if rules_path is not None:
            server.alert_watch = AlertWatch(server, rules_path)
            server.alert_watch.start()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await folding
            if server.collectors is not None:
                await server.collectors.stop()
            if server.alert_watch is not None:
                await server.alert_watch.stop()
            server.close()

    app = FastAPI(
        title="voxpop",
        summary="Aggregate public opinion and coordinated behaviour, over one DuckDB file.",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.voxpop = server

    @app.exception_handler(VoxpopError)
    async def voxpop_error(request: Request, exc: VoxpopError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(duckdb.ConversionException)
    async def conversion_error(request: Request, exc: duckdb.ConversionException) -> JSONResponse:
        # A value that parsed but does not fit a column (a forged cursor's huge number).
        return JSONResponse({"detail": f"a value is out of range: {exc}"}, status_code=400)

    app.include_router(router)
    app.include_router(login_router)
    app.include_router(pages_router)
    mount_static(app)
    intake = collect_config.intake if collect_config is not None else None
    intake_limit = intake.max_bytes if intake is not None else 50_000_000
    app.mount(
        INTAKE_PREFIX,
        _AdminOnly(
            intake_app(
                server.writer,
                max_bytes=intake_limit,
                collection=collect_config.collection if collect_config else None,
                pseudonymize_key=pseudonymize_key
                if collect_config is not None and collect_config.pseudonymize
                else None,
            )
        ),
    )
    # Outermost first: headers on every answer, refusals included; then size, then identity.
    app.add_middleware(Authenticate, gate=server.gate)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes, limits=[(INTAKE_PREFIX, intake_limit)])
    app.add_middleware(SecurityHeaders)
    return app


class _AdminOnly:
    """Pushing posts in is a write of data: the intake takes admin tokens only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("state", {}).get("principal")
        if scope["type"] == "http" and (principal is None or principal.role != "admin"):
            response = JSONResponse({"detail": "the intake needs an admin token"}, 403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def serve(app: FastAPI, *, host: str, port: int) -> None:
    """Run the app under uvicorn until Ctrl-C."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)
