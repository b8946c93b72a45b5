"""The DuckDB store: posts, dead letters, ingest runs, deletions.

One process owns the writer (DuckDB allows one writing process per file); others open the file
read-only or read Parquet exports. Posts arrive as Arrow tables and are loaded in bulk:
(platform, post_id) is the primary key, so re-ingesting adds nothing, and a post first seen
only as a reference (context) is upgraded when it is later collected. Deleted posts leave a
tombstone so that a later ingest of an old file cannot bring them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import duckdb
import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voxpop.errors import StoreError
from voxpop.schema import METRIC_NAMES, POST_SCHEMA
from voxpop.sources import DeadLetter

__all__ = ["ExportFormat", "IngestRun", "Store", "UpsertResult"]

ExportFormat = Literal["parquet", "csv", "jsonl"]

_POST_COLUMNS = tuple(POST_SCHEMA.names)
# Posts whose text has no folded copy yet (`Store.fold_texts`).
_UNFOLDED = "text_folded IS NULL AND text IS NOT NULL"

# Each entry upgrades the database by one version; never edit a released one, append.
_MIGRATIONS: tuple[str, ...] = (
    f"""
    CREATE TABLE posts (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        author_id VARCHAR,
        author_handle VARCHAR,
        author_name VARCHAR,
        created_at TIMESTAMPTZ,
        text VARCHAR,
        source_lang VARCHAR,
        kind VARCHAR NOT NULL,
        parent_id VARCHAR,
        parent_author_id VARCHAR,
        conversation_id VARCHAR,
        urls VARCHAR[],
        hashtags VARCHAR[],
        mentions VARCHAR[],
        metrics STRUCT({", ".join(f"{m} BIGINT" for m in METRIC_NAMES)}),
        collection VARCHAR,
        context BOOLEAN NOT NULL,
        origin STRUCT(file VARCHAR, record BIGINT),
        ingested_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    );
    CREATE SEQUENCE ingest_run_ids;
    CREATE TABLE ingest_runs (
        run_id BIGINT PRIMARY KEY DEFAULT nextval('ingest_run_ids'),
        file VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        collection VARCHAR,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        records_read BIGINT,
        posts_read BIGINT,
        context_read BIGINT,
        posts_new BIGINT,
        posts_upgraded BIGINT,
        deletes BIGINT,
        dead_letters BIGINT,
        skipped JSON
    );
    CREATE TABLE dead_letters (
        file VARCHAR NOT NULL,
        record BIGINT NOT NULL,
        reason VARCHAR NOT NULL,
        raw VARCHAR,
        run_id BIGINT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (file, record, reason)
    );
    CREATE TABLE deleted_posts (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        deleted_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        reason VARCHAR,
        PRIMARY KEY (platform, post_id)
    );
    """,
    # Enrichment: per-post annotations, keyed by (platform, post_id) so purge reaches them; each
    # row names the model that made it, so a change of model is recomputed.
    """
    CREATE TABLE post_language (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        lang VARCHAR,
        confidence FLOAT,
        model VARCHAR NOT NULL,
        PRIMARY KEY (platform, post_id)
    );
    CREATE TABLE post_sentiment (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        score FLOAT,
        label VARCHAR,
        model VARCHAR NOT NULL,
        PRIMARY KEY (platform, post_id)
    );
    CREATE TABLE post_embedding (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        vector FLOAT[] NOT NULL,
        PRIMARY KEY (platform, post_id, model)
    );
    CREATE TABLE url_resolution (
        url VARCHAR PRIMARY KEY,
        resolved VARCHAR,
        status INTEGER,
        error VARCHAR,
        resolved_at TIMESTAMPTZ NOT NULL
    );
    """,
    # Live collection (voxpop.collect): one row per source (a feed, a stream, a timeline) with
    # its resume cursor, HTTP validators, health and counters; written in the same transaction
    # as the posts it covers.
    """
    CREATE TABLE collector_state (
        source VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        cursor VARCHAR,
        etag VARCHAR,
        last_modified VARCHAR,
        last_attempt TIMESTAMPTZ,
        last_success TIMESTAMPTZ,
        last_post_at TIMESTAMPTZ,
        next_poll TIMESTAMPTZ,
        errors BIGINT NOT NULL DEFAULT 0,
        errors_total BIGINT NOT NULL DEFAULT 0,
        last_error VARCHAR,
        last_error_at TIMESTAMPTZ,
        records BIGINT NOT NULL DEFAULT 0,
        posts BIGINT NOT NULL DEFAULT 0,
        posts_new BIGINT NOT NULL DEFAULT 0,
        deletes BIGINT NOT NULL DEFAULT 0,
        dead_letters BIGINT NOT NULL DEFAULT 0,
        updated_at TIMESTAMPTZ
    );
    """,
    # Alerts (voxpop.alerts): one row per alert a rule fired; `dedup_key` makes re-evaluating
    # the same window a no-op, and acknowledgement is kept with the alert.
    """
    CREATE SEQUENCE alert_ids;
    CREATE TABLE alerts (
        alert_id BIGINT PRIMARY KEY DEFAULT nextval('alert_ids'),
        rule VARCHAR NOT NULL,
        condition VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        dedup_key VARCHAR NOT NULL UNIQUE,
        fired_at TIMESTAMPTZ NOT NULL,
        window_start TIMESTAMPTZ,
        window_end TIMESTAMPTZ,
        value DOUBLE,
        threshold DOUBLE,
        message VARCHAR NOT NULL,
        details JSON,
        arrived_at TIMESTAMPTZ,
        delay_seconds DOUBLE,
        deliveries JSON,
        acknowledged_at TIMESTAMPTZ,
        acknowledged_by VARCHAR
    );
    """,
    # Coordination (voxpop.analyze.coordination_store): every `voxpop coordination` run, its
    # clusters, and each cluster's member nodes and internal edges. cluster_id derives from the
    # member set and created_at is when the run was stored: the new_cluster alert reads both.
    """
    CREATE TABLE coordination_runs (
        run_id VARCHAR PRIMARY KEY,
        created_at TIMESTAMPTZ NOT NULL,
        settings JSON,
        counts JSON,
        capped_items JSON
    );
    CREATE TABLE coordination_clusters (
        run_id VARCHAR NOT NULL,
        cluster_id VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        first_seen_at TIMESTAMPTZ NOT NULL,
        rank INTEGER NOT NULL,
        accounts VARCHAR[] NOT NULL,
        behaviours VARCHAR[] NOT NULL,
        score DOUBLE,
        fdr DOUBLE,
        edges BIGINT,
        median_lag DOUBLE,
        p90_lag DOUBLE,
        within_10s DOUBLE,
        evidence JSON,
        PRIMARY KEY (run_id, cluster_id)
    );
    CREATE TABLE coordination_nodes (
        run_id VARCHAR NOT NULL,
        cluster_id VARCHAR NOT NULL,
        account VARCHAR NOT NULL,
        degree BIGINT,
        weight DOUBLE,
        behaviours VARCHAR[]
    );
    CREATE TABLE coordination_edges (
        run_id VARCHAR NOT NULL,
        cluster_id VARCHAR NOT NULL,
        behaviour VARCHAR NOT NULL,
        account_1 VARCHAR NOT NULL,
        account_2 VARCHAR NOT NULL,
        posts_1 BIGINT,
        posts_2 BIGINT,
        items BIGINT,
        weight DOUBLE,
        median_lag DOUBLE,
        p_value DOUBLE,
        q_value DOUBLE
    );
    """,
    # Web API (voxpop.web.security): API tokens, stored only as SHA-256 hashes with their role,
    # and the audit log of admin actions taken through the API.
    """
    CREATE TABLE api_tokens (
        name VARCHAR PRIMARY KEY,
        role VARCHAR NOT NULL,
        token_hash VARCHAR NOT NULL UNIQUE,
        created_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ
    );
    CREATE SEQUENCE audit_ids;
    CREATE TABLE audit_log (
        audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
        logged_at TIMESTAMPTZ NOT NULL,
        actor VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        target VARCHAR,
        details JSON,
        client VARCHAR
    );
    """,
    # Live collection, Mastodon (voxpop.collect.mastodon): each stored status's local id per
    # instance, so a delete event (which names only the local id) reaches the stored URI after
    # a restart; keyed by post, so a purge removes the row with the post.
    """
    CREATE TABLE mastodon_ids (
        instance VARCHAR NOT NULL,
        local_id VARCHAR NOT NULL,
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        PRIMARY KEY (instance, local_id)
    );
    """,
    # Narratives (voxpop.analyze.narratives): one row per narrative ever started (`created_at`
    # set when it reaches the emerging size: the new_narrative alert reads it) and each post's
    # narrative, keyed by post so a purge reaches it; the narrative_surge rule counts posts
    # per narrative through post_narrative joined to posts.
    """
    CREATE TABLE narratives (
        narrative_id VARCHAR PRIMARY KEY,
        number BIGINT NOT NULL,
        created_at TIMESTAMPTZ,
        size BIGINT NOT NULL,
        embedded BIGINT NOT NULL,
        first_seen TIMESTAMPTZ,
        last_seen TIMESTAMPTZ,
        active BOOLEAN NOT NULL,
        centroid FLOAT[],
        model VARCHAR NOT NULL,
        embedder VARCHAR NOT NULL,
        merged_into VARCHAR,
        updated_at TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE post_narrative (
        platform VARCHAR NOT NULL,
        post_id VARCHAR NOT NULL,
        narrative_id VARCHAR NOT NULL,
        similarity FLOAT,
        via VARCHAR NOT NULL,
        PRIMARY KEY (platform, post_id)
    );
    """,
    # The text as the query language matches it (lower case, accents stripped), kept so that a
    # search over 1M posts scans a column instead of folding 1M texts (~3 CPU-s) every time.
    # Filled by `Store.fold_texts()` outside ingest, which stays lean; null until then, and
    # queries fold those rows on the fly.
    """
    ALTER TABLE posts ADD COLUMN text_folded VARCHAR;
    """,
    # The detected language (post_language.lang, lower-cased) copied onto the post, so that
    # `lang:` filters and by-language counts read a column instead of joining post_language
    # (1-2 s per query on 1M posts). Written with post_language by enrichment.
    """
    ALTER TABLE posts ADD COLUMN detected_lang VARCHAR;
    UPDATE posts SET detected_lang = lower(l.lang) FROM post_language l
    WHERE l.platform = posts.platform AND l.post_id = posts.post_id AND l.lang IS NOT NULL;
    """,
)


class UpsertResult(msgspec.Struct, frozen=True):
    new: int
    upgraded: int


class IngestRun(msgspec.Struct, kw_only=True):
    """What one file's ingest did; recorded in `ingest_runs` and returned to callers."""

    file: str
    format: str
    collection: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    records_read: int = 0
    posts_read: int = 0
    context_read: int = 0
    posts_new: int = 0
    posts_upgraded: int = 0
    deletes: int = 0
    dead_letters: int = 0
    skipped: dict[str, int] = {}
    run_id: int | None = None


class Store:
    """A voxpop database file. Use as a context manager, or call `close()`."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such database; ingest something first")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open the database: {exc}") from exc
        self.read_only = read_only
        # Times come back in UTC whatever the machine's zone, as stored.
        self.con.execute("SET TimeZone = 'UTC'")
        # DuckDB draws its own progress bar on stderr for long queries; ours is enough.
        self.con.execute("SET enable_progress_bar = false")
        if not read_only:
            self._migrate()
        elif self.version() < len(_MIGRATIONS):
            raise StoreError(
                f"{self.path}: database is older than this voxpop; open it once to write"
            )

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- schema -----------------------------------------------------------------------------

    def version(self) -> int:
        exists = self._row("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'voxpop_meta'")
        if not exists or not exists[0]:
            return 0
        row = self._row("SELECT max(version) FROM voxpop_meta")
        return int(row[0]) if row and row[0] is not None else 0

    def _migrate(self) -> None:
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS voxpop_meta (version INTEGER, applied_at TIMESTAMPTZ)"
        )
        current = self.version()
        if current > len(_MIGRATIONS):
            raise StoreError(
                f"{self.path}: written by a newer voxpop (schema {current}); upgrade voxpop"
            )
        for version, sql in enumerate(_MIGRATIONS[current:], start=current + 1):
            with self.transaction():
                self.con.execute(sql)
                self.con.execute("INSERT INTO voxpop_meta VALUES (?, current_timestamp)", [version])

    def transaction(self) -> _Transaction:
        return _Transaction(self.con)

    # -- writing ----------------------------------------------------------------------------

    def upsert_posts(self, batch: pa.Table) -> UpsertResult:
        """Load a batch of posts: new ones inserted, context posts upgraded, the rest ignored.

        Within the batch a collected copy wins over a context copy, then the first copy wins;
        tombstoned posts are dropped.
        (platform, post_id) is kept unique here rather than by a primary-key index: maintaining
        that index made bulk loads 2-3x slower, and one join of the batch against the table's
        two key columns finds the same duplicates. Batches of more than ~123k rows (a DuckDB row
        group) are written straight to the file instead of through the write-ahead log.
        """
        if batch.num_rows == 0:
            return UpsertResult(new=0, upgraded=0)
        con = self.con
        rows = batch.num_rows
        # The copy that wins has the lowest rank: collected before context, then by position.
        # Arrow's hash aggregation finds it without a round trip through DuckDB, and a filter
        # (which keeps order, chunk by chunk) is several times cheaper than a take.
        position = pa.array(np.arange(rows, dtype=np.int64))
        rank = pc.add(pc.multiply(pc.cast(batch["context"], pa.int64()), rows), position)
        keys = pa.table({"platform": batch["platform"], "post_id": batch["post_id"], "rank": rank})
        first = keys.group_by(["platform", "post_id"], use_threads=False).aggregate(
            [("rank", "min")]
        )
        if first.num_rows < rows:
            keep = np.zeros(rows, dtype=bool)
            keep[first.column("rank_min").to_numpy() % rows] = True
            batch = batch.filter(pa.array(keep))
        con.register("_incoming", batch)
        try:
            # Keys already stored; those stored only as context and now collected are replaced.
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE _stored AS
                SELECT p.platform, p.post_id, p.context AND NOT b.context AS upgrade
                FROM posts p JOIN _incoming b USING (platform, post_id)
                """
            )
            upgraded = self._count("_stored", "upgrade")
            if upgraded:
                con.execute(
                    """
                    DELETE FROM posts USING _stored s
                    WHERE s.upgrade AND posts.platform = s.platform AND posts.post_id = s.post_id
                    """
                )
            columns = ", ".join(_POST_COLUMNS)
            inserted = self._row(
                f"""
                INSERT INTO posts ({columns}) SELECT {columns} FROM _incoming
                ANTI JOIN deleted_posts USING (platform, post_id)
                ANTI JOIN (SELECT platform, post_id FROM _stored WHERE NOT upgrade)
                USING (platform, post_id)
                """
            )
            if upgraded:
                # The replaced rows' detected language, which enrichment will not write again.
                con.execute(
                    """
                    UPDATE posts SET detected_lang = lower(l.lang)
                    FROM _stored s JOIN post_language l USING (platform, post_id)
                    WHERE s.upgrade AND posts.platform = s.platform AND posts.post_id = s.post_id
                    """
                )
        finally:
            con.unregister("_incoming")
            con.execute("DROP TABLE IF EXISTS _stored")
        count = int(inserted[0]) if inserted else 0
        return UpsertResult(new=count - upgraded, upgraded=upgraded)

    def fold_texts(self) -> int:
        """Fill `text_folded` for posts that lack it (see the migration); returns how many."""
        row = self._row(
            f"UPDATE posts SET text_folded = strip_accents(lower(text)) WHERE {_UNFOLDED}"
        )
        return int(row[0]) if row else 0

    def texts_folded(self) -> bool:
        """Whether every post with text has `text_folded` (a check of ~1 ms on 1M posts)."""
        row = self._row(f"SELECT count(*) FROM posts WHERE {_UNFOLDED}")
        return not row or row[0] == 0

    def add_dead_letters(
        self, file: str, dead: Sequence[DeadLetter], run_id: int | None = None
    ) -> None:
        if not dead:
            return
        table = pa.table(
            {
                "file": pa.array([file] * len(dead), pa.string()),
                "record": pa.array([d.record for d in dead], pa.int64()),
                "reason": pa.array([d.reason for d in dead], pa.string()),
                "raw": pa.array([d.raw for d in dead], pa.string()),
                "run_id": pa.array([run_id] * len(dead), pa.int64()),
            }
        )
        self.con.register("_dead", table)
        try:
            self.con.execute(
                """
                INSERT INTO dead_letters (file, record, reason, raw, run_id)
                SELECT DISTINCT ON (file, record, reason) * FROM _dead
                ON CONFLICT DO NOTHING
                """
            )
        finally:
            self.con.unregister("_dead")

    def purge(self, keys: Iterable[tuple[str, str]], reason: str) -> int:
        """Remove posts and every row derived from them, and remember the deletion.

        `keys` are (platform, post_id) pairs. Derived rows are those of any table keyed by
        (platform, post_id), so analyses that store per-post results are purged too.
        Returns the number of posts removed.
        """
        pairs = list(dict.fromkeys(keys))
        if not pairs:
            return 0
        table = pa.table(
            {
                "platform": pa.array([p for p, _ in pairs], pa.string()),
                "post_id": pa.array([i for _, i in pairs], pa.string()),
            }
        )
        con = self.con
        con.register("_purge", table)
        try:
            before = self._count("posts")
            for name in self._post_keyed_tables():
                self.con.execute(
                    f"""DELETE FROM "{name}" t USING _purge k
                    WHERE t.platform = k.platform AND t.post_id = k.post_id"""
                )
            self.con.execute(
                """
                INSERT INTO deleted_posts (platform, post_id, reason)
                SELECT DISTINCT platform, post_id, ? FROM _purge ON CONFLICT DO NOTHING
                """,
                [reason],
            )
            return before - self._count("posts")
        finally:
            con.unregister("_purge")

    def _post_keyed_tables(self) -> list[str]:
        rows = self.con.execute(
            """
            SELECT c.table_name FROM duckdb_columns() c
            JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
            WHERE c.schema_name = 'main' AND NOT t.temporary
              AND c.column_name IN ('platform', 'post_id') AND c.table_name <> 'deleted_posts'
            GROUP BY c.table_name HAVING count(*) = 2 ORDER BY c.table_name
            """
        ).fetchall()
        return [r[0] for r in rows]

    def start_run(self, file: str, format: str, collection: str | None) -> IngestRun:
        run = IngestRun(
            file=file, format=format, collection=collection, started_at=datetime.now(UTC)
        )
        row = self._row(
            "INSERT INTO ingest_runs (file, format, collection, started_at) VALUES (?, ?, ?, ?) "
            "RETURNING run_id",
            [file, format, collection, run.started_at],
        )
        assert row is not None
        run.run_id = int(row[0])
        return run

    def finish_run(self, run: IngestRun) -> None:
        run.finished_at = datetime.now(UTC)
        self.con.execute(
            """
            UPDATE ingest_runs SET finished_at = ?, records_read = ?, posts_read = ?,
                context_read = ?, posts_new = ?, posts_upgraded = ?, deletes = ?,
                dead_letters = ?, skipped = ?
            WHERE run_id = ?
            """,
            [
                run.finished_at,
                run.records_read,
                run.posts_read,
                run.context_read,
                run.posts_new,
                run.posts_upgraded,
                run.deletes,
                run.dead_letters,
                json.dumps(run.skipped),
                run.run_id,
            ],
        )

    # -- reading ----------------------------------------------------------------------------

    def _row(self, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
        """The first row of a query, reading the result to its end as DuckDB requires."""
        rows = self.con.execute(sql, params).fetchall()
        return rows[0] if rows else None

    def _count(self, table: str, where: str = "TRUE") -> int:
        row = self._row(f"SELECT count(*) FROM {table} WHERE {where}")
        return int(row[0]) if row else 0

    def posts(self, *, include_context: bool = False) -> duckdb.DuckDBPyRelation:
        """The posts as a DuckDB relation (`.to_arrow_table()`, `.df()`, or more SQL on top)."""
        relation = self.con.table("posts")
        return relation if include_context else relation.filter("NOT context")

    def stats(self) -> dict[str, Any]:
        """Counts for `voxpop stats`: collected posts only, unless a key says otherwise."""

        def breakdown(column: str) -> dict[str, int]:
            rows = self.con.execute(
                f"""SELECT coalesce({column}, '(unknown)') AS k, count(*) AS n FROM posts
                WHERE NOT context GROUP BY k ORDER BY n DESC, k"""
            ).fetchall()
            return {str(k): int(n) for k, n in rows}

        span = self._row("SELECT min(created_at), max(created_at) FROM posts WHERE NOT context")
        first, last = span if span else (None, None)
        return {
            "database": str(self.path),
            "posts": self._count("posts", "NOT context"),
            "context_posts": self._count("posts", "context"),
            "dead_letters": self._count("dead_letters"),
            "deleted_posts": self._count("deleted_posts"),
            "ingest_runs": self._count("ingest_runs"),
            "first_post_at": first.isoformat() if first else None,
            "last_post_at": last.isoformat() if last else None,
            "by_platform": breakdown("platform"),
            "by_kind": breakdown("kind"),
            "by_source_lang": breakdown("source_lang"),
            "by_collection": breakdown("collection"),
        }

    def dead_letters(self, limit: int | None = None) -> pa.Table:
        query = "SELECT file, record, reason, raw, run_id, created_at FROM dead_letters"
        query += " ORDER BY file, record"
        if limit is not None:
            return self.con.sql(query + " LIMIT ?", params=[limit]).to_arrow_table()
        return self.con.sql(query).to_arrow_table()

    def ingest_runs(self) -> pa.Table:
        return self.con.sql("SELECT * FROM ingest_runs ORDER BY run_id").to_arrow_table()

    def export(self, out: Path, format: ExportFormat, *, include_context: bool = False) -> int:
        """Write the posts to Parquet, CSV or JSON lines; returns the number of rows written.

        Parquet and JSON lines keep lists and structs; CSV flattens metrics and origin into
        columns and writes lists as JSON arrays, so any CSV reader gets one value per cell.
        """
        where = "TRUE" if include_context else "NOT context"
        if format == "csv":
            lists = ("urls", "hashtags", "mentions")
            select = ", ".join(
                f"to_json({c}) AS {c}" if c in lists else c
                for c in _POST_COLUMNS
                if c not in ("metrics", "origin")
            )
            select += ", " + ", ".join(f"metrics.{m} AS {m}" for m in METRIC_NAMES)
            select += ", origin.file AS origin_file, origin.record AS origin_record"
        else:
            select = ", ".join(_POST_COLUMNS)
        query = f"SELECT {select} FROM posts WHERE {where} ORDER BY created_at, platform, post_id"
        options = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER", "jsonl": "FORMAT json"}
        literal = "'" + str(out).replace("'", "''") + "'"
        count = self._count("posts", where)
        self.con.execute(f"COPY ({query}) TO {literal} ({options[format]})")
        return count


class _Transaction:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")
