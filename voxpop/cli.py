"""The `voxpop` command: thin shells over the library. Each command parses, calls, prints.

Every command that reports takes `--json` and then prints exactly one JSON document on stdout;
progress and warnings go to stderr.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import msgspec
import pyarrow as pa
import pyarrow.csv as pacsv
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from voxpop.config import Settings
from voxpop.errors import ConfigError, VoxpopError
from voxpop.ingest import ingest as ingest_files
from voxpop.sources import READERS
from voxpop.store import Store

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


class VoxpopGroup(click.Group):
    """Turns voxpop's own errors into a one-line message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VoxpopError as exc:
            raise click.ClickException(str(exc)) from exc


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(func)


def print_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


def settings(ctx: click.Context) -> Settings:
    value = ctx.find_object(Settings)
    assert value is not None
    return value


@contextmanager
def open_store(ctx: click.Context, *, read_only: bool = False) -> Iterator[Store]:
    with Store(settings(ctx).db, read_only=read_only) as store:
        yield store


def print_table(title: str, rows: Mapping[str, Any]) -> None:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key, value in rows.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    stdout.print(table)


@click.group(cls=VoxpopGroup)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: $VOXPOP_DB, `db` in voxpop.toml, or ./voxpop.duckdb).",
)
@click.version_option(package_name="voxpop")
@click.pass_context
def cli(ctx: click.Context, db: Path | None) -> None:
    """voxpop: a public-opinion observatory over public posts and news."""
    ctx.obj = Settings(db=db) if db else Settings()


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "format_name", help="Read every file as this format (see `formats`).")
@click.option("--collection", help="A name for what these files are, stored with each post.")
@click.option(
    "--map",
    "column_map",
    help="Generic CSV/JSONL column map, e.g. text=body,author_id=user,created_at=ts.",
)
@click.option(
    "--pseudonymize",
    is_flag=True,
    help="Replace author ids and handles by keyed hashes (key from VOXPOP_KEY).",
)
@json_option
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    format_name: str | None,
    collection: str | None,
    column_map: str | None,
    pseudonymize: bool,
    as_json: bool,
) -> None:
    """Read files or directories of posts into the database.

    Formats are recognised by content; gzip, zstd and bz2 files are read transparently.
    Re-ingesting a file adds nothing; unreadable records go to dead letters.
    """
    key = settings(ctx).pseudonymize_key() if pseudonymize else None
    mapping = parse_column_map(column_map) if column_map else None
    with open_store(ctx) as store, ingest_progress() as progress:
        report = ingest_files(
            store,
            paths,
            format=format_name,
            column_map=mapping,
            collection=collection,
            pseudonymize_key=key,
            progress=progress,
        )
    for error in report.errors:
        stderr.print(f"[yellow]skipped[/] {error.error}")
    if as_json:
        print_json({"summary": report.summary(), "runs": report.runs, "errors": report.errors})
    else:
        table = Table(title="Ingested", title_justify="left")
        for column in ("file", "format", "posts", "context", "new", "dead letters", "skipped"):
            table.add_column(column, justify="left" if column in ("file", "format") else "right")
        for run in report.runs:
            skipped = ", ".join(f"{k} {v:,}" for k, v in sorted(run.skipped.items()))
            table.add_row(
                run.file,
                run.format,
                f"{run.posts_read:,}",
                f"{run.context_read:,}",
                f"{run.posts_new:,}",
                f"{run.dead_letters:,}",
                skipped or "",
            )
        stdout.print(table)
        summary = report.summary()
        stdout.print(
            f"{summary['posts_read']:,} posts, {summary['context_read']:,} context posts, "
            f"{summary['posts_new']:,} new, {summary['dead_letters']:,} dead letters "
            f"in {summary['seconds']} s ({summary['posts_per_second']:,} posts/s)"
        )
        for run in report.runs:
            if run.posts_read == 0 and run.context_read == 0 and run.skipped:
                what = ", ".join(sorted(run.skipped))
                stderr.print(f"[yellow]note[/] {run.file} holds no posts (only: {what})")
    if report.errors and not report.runs:
        ctx.exit(1)


def parse_column_map(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in text.split(","):
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ConfigError(f"--map: {pair!r} is not FIELD=COLUMN (e.g. text=body)")
        mapping[field.strip()] = column.strip()
    return mapping


@contextmanager
def ingest_progress() -> Iterator[Callable[[str, int, int, int], None]]:
    """A Rich progress bar (on stderr, terminals only): bytes read and posts/s per file."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[posts]:,} posts"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, disable=not stderr.is_terminal) as bar:
        tasks: dict[str, TaskID] = {}

        def update(file: str, done: int, total: int, posts: int) -> None:
            if file not in tasks:
                tasks[file] = bar.add_task(Path(file).name, total=total, posts=0, rate="")
            task = tasks[file]
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f"{posts / elapsed:,.0f} posts/s" if elapsed else ""
            bar.update(task, completed=done, posts=posts, rate=rate)

        yield update


@contextmanager
def step_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar (on stderr, terminals only) per step of a long job: done of total."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(
        *columns, TimeElapsedColumn(), console=stderr, disable=not stderr.is_terminal
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield update


@cli.command()
@json_option
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of posts, context posts and dead letters, by platform, kind, language, collection."""
    with open_store(ctx, read_only=True) as store:
        result = store.stats()
    if as_json:
        print_json(result)
        return
    scalars = {k: v for k, v in result.items() if not isinstance(v, dict)}
    print_table("voxpop", scalars)
    for key, counts in result.items():
        if isinstance(counts, dict) and counts:
            print_table(key.replace("_", " "), dict(list(counts.items())[:20]))


@cli.command()
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["parquet", "csv", "jsonl"]),
    default="parquet",
    show_default=True,
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--include-context", is_flag=True, help="Also export posts seen only as references.")
@json_option
@click.pass_context
def export(
    ctx: click.Context, format_name: str, out: Path, include_context: bool, as_json: bool
) -> None:
    """Write the posts to Parquet, CSV or JSON lines."""
    with open_store(ctx, read_only=True) as store:
        rows = store.export(out, format_name, include_context=include_context)  # type: ignore[arg-type]
    if as_json:
        print_json({"file": str(out), "format": format_name, "rows": rows})
    else:
        stdout.print(f"wrote {rows:,} posts to {out}")


@cli.command("dead-letters")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@click.pass_context
def dead_letters(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Records that could not be read: file, record number, reason and raw text."""
    with open_store(ctx, read_only=True) as store:
        rows = store.dead_letters(limit).to_pylist()
    if as_json:
        print_json({"dead_letters": rows})
        return
    table = Table(title="Dead letters", title_justify="left")
    for column in ("file", "record", "reason", "raw"):
        table.add_column(column, overflow="fold")
    for row in rows:
        raw = (row["raw"] or "")[:80]
        table.add_row(row["file"], str(row["record"]), row["reason"], raw)
    stdout.print(table)


@cli.command()
@json_option
def formats(as_json: bool) -> None:
    """The input formats voxpop reads, in detection order."""
    rows = [{"name": r.name, "description": r.description} for r in READERS]
    if as_json:
        print_json({"formats": rows})
        return
    table = Table(title="Formats (detected by content, in this order)", title_justify="left")
    table.add_column("name", style="bold")
    table.add_column("description")
    for row in rows:
        table.add_row(row["name"], row["description"])
    stdout.print(table)


@cli.command()
@click.option(
    "--ids",
    "ids_file",
    required=True,
    type=click.File("r"),
    help="File of post ids, one per line, or PLATFORM<TAB>POST_ID; - for stdin.",
)
@click.option("--platform", help="The platform of ids given without one.")
@json_option
@click.pass_context
def purge(ctx: click.Context, ids_file: Any, platform: str | None, as_json: bool) -> None:
    """Remove posts and everything derived from them, and keep them out of later ingests."""
    keys: list[tuple[str, str]] = []
    for number, line in enumerate(ids_file, start=1):
        line = line.strip()
        if not line:
            continue
        if "\t" in line:
            plat, _, post_id = line.partition("\t")
            keys.append((plat.strip(), post_id.strip()))
        elif platform:
            keys.append((platform, line))
        else:
            raise ConfigError(
                f"--ids line {number}: {line!r} names no platform; use PLATFORM<TAB>ID "
                "or give --platform"
            )
    with open_store(ctx) as store, store.transaction():
        removed = store.purge(keys, reason="voxpop purge")
    if as_json:
        print_json({"requested": len(keys), "removed": removed})
    else:
        stdout.print(f"removed {removed:,} of {len(keys):,} requested posts")


@cli.command()
@click.option("--posts", type=int, default=50_000, show_default=True)
@click.option("--accounts", type=int, help="Number of accounts [default: posts/20].")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--days", type=float, default=7.0, show_default=True)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["twitter-v2", "csv"]),
    default="twitter-v2",
    show_default=True,
)
@json_option
def simulate(
    posts: int,
    accounts: int | None,
    seed: int,
    days: float,
    out: Path,
    format_name: str,
    as_json: bool,
) -> None:
    """Write simulated multilingual traffic with planted ground truth (truth.json)."""
    from voxpop.simulate import write_simulation

    with Progress(console=stderr, disable=not stderr.is_terminal) as bar:
        task = bar.add_task("simulating", total=posts)
        summary = write_simulation(
            out,
            posts=posts,
            accounts=accounts or max(posts // 20, 50),
            seed=seed,
            days=days,
            format=format_name,  # type: ignore[arg-type]
            progress=lambda written: bar.update(task, completed=written),
        )
    if as_json:
        print_json(summary)
    else:
        print_table(
            f"simulated into {out}",
            {k: v for k, v in summary.items() if not isinstance(v, (dict, list))},
        )


@cli.group(invoke_without_command=True)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Collectors to run (TOML; see docs/collect.md).",
)
@click.option("--stop-after", type=float, help="Stop after this many seconds.")
@click.option("--pseudonymize", is_flag=True, help="Keyed hashes for accounts (VOXPOP_KEY).")
@click.pass_context
def collect(
    ctx: click.Context, config_path: Path | None, stop_after: float | None, pseudonymize: bool
) -> None:
    """Collect live from feeds, Bluesky Jetstream, Mastodon, YouTube and Reddit.

    Runs until Ctrl-C (or --stop-after); cursors are stored with the posts they cover, so a
    restart resumes where it stopped without losing or duplicating posts.
    """
    if ctx.invoked_subcommand is not None:
        return
    if config_path is None:
        raise click.UsageError("give --config collect.toml, or a subcommand (status)")
    from voxpop.collect import load_config, run_collectors

    config = load_config(config_path)
    wants_key = pseudonymize or config.pseudonymize
    key = settings(ctx).pseudonymize_key() if wants_key else None
    with open_store(ctx) as store:
        run_collectors(
            store,
            config,
            stop_after=stop_after,
            pseudonymize_key=key,
            notice=lambda message: stderr.print(message, markup=False),
        )


@collect.command("status")
@json_option
@click.pass_context
def collect_status_command(ctx: click.Context, as_json: bool) -> None:
    """Per source: posts collected, lag, last success and last error."""
    from voxpop.collect import collect_status

    with open_store(ctx, read_only=True) as store:
        status = collect_status(store)
    if as_json:
        print_json(status)
        return
    table = Table(title="Collectors", title_justify="left")
    for column in ("source", "kind", "posts new", "lag s", "last success", "errors", "last error"):
        table.add_column(column, overflow="fold")
    for source, row in status.items():
        table.add_row(
            source,
            row.kind,
            f"{row.posts_new:,}",
            "" if row.lag_seconds is None else f"{row.lag_seconds:,.0f}",
            str(row.last_success or ""),
            str(row.errors),
            row.last_error or "",
        )
    stdout.print(table)


@cli.command()
@click.option(
    "--types",
    multiple=True,
    help="Behaviours to look at (repeat): co-repost, co-reply, co-quote, co-link, co-hashtag, "
    "co-text, co-similar [default: all but co-hashtag].",
)
@click.option(
    "--window",
    type=float,
    help="Seconds within which two actions count as synchronised [default: 300].",
)
@click.option("--min-weight", type=int, default=2, show_default=True, help="Shared items per edge.")
@click.option("--fdr", type=float, default=0.01, show_default=True, help="False discovery rate.")
@click.option(
    "--max-group",
    type=int,
    default=1000,
    show_default=True,
    help="Actions per item and time bucket above which an item adds no pairs (reported).",
)
@click.option("--min-accounts", type=int, default=3, show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Export: .gexf or .graphml (Gephi), .parquet or .csv (edges and nodes).",
)
@click.option(
    "--save/--no-save",
    default=True,
    show_default=True,
    help="Store the clusters in the database (for alerts and the dashboard).",
)
@json_option
@click.pass_context
def coordination(
    ctx: click.Context,
    types: tuple[str, ...],
    window: float | None,
    min_weight: int,
    fdr: float,
    max_group: int,
    min_accounts: int,
    out: Path | None,
    save: bool,
    as_json: bool,
) -> None:
    """Clusters of accounts that repost, link or post alike in sync beyond chance."""
    from voxpop.analyze.coordination import (
        DEFAULT_TYPES,
        DEFAULT_WINDOW,
        detect_coordination,
    )
    from voxpop.analyze.coordination_store import save_clusters

    run_id = None
    with open_store(ctx, read_only=not save) as store, step_progress() as progress:
        result = detect_coordination(
            store,
            types=types or DEFAULT_TYPES,
            window=DEFAULT_WINDOW if window is None else window,
            min_weight=min_weight,
            fdr=fdr,
            max_group=max_group,
            min_accounts=min_accounts,
            progress=progress,
        )
        if save:
            run_id = save_clusters(store, result)
    written = result.write(out) if out else []
    if as_json:
        print_json(result.to_json() | {"run_id": run_id, "files": [str(p) for p in written]})
        return
    table = Table(title="Coordinated clusters", title_justify="left")
    for column in ("id", "accounts", "behaviours", "score", "fdr", "median lag s"):
        table.add_column(column, justify="left" if column in ("id", "behaviours") else "right")
    for cluster in result.clusters:
        table.add_row(
            cluster.id,
            f"{len(cluster.accounts):,}",
            ", ".join(cluster.behaviours),
            f"{cluster.score:.2f}",
            f"{cluster.fdr:.2g}",
            f"{cluster.sync.median:.0f}",
        )
    stdout.print(table)
    if run_id:
        stdout.print(f"stored as run {run_id}")
    for path in written:
        stdout.print(f"wrote {path}")


@cli.command()
@click.option("--language/--no-language", default=True, show_default=True)
@click.option("--sentiment", is_flag=True, help="Score sentiment (VADER for English by default).")
@click.option(
    "--sentiment-model",
    help="A Hugging Face sequence-classification model, by name or local path (implies "
    "--sentiment); 'vader' for VADER.",
)
@click.option(
    "--embed",
    help="Embedder: hashing, hashing:DIM, or sentence-transformers:NAME_OR_PATH.",
)
@click.option("--workers", type=int, help="Worker processes [default: one per core].")
@json_option
@click.pass_context
def enrich(
    ctx: click.Context,
    language: bool,
    sentiment: bool,
    sentiment_model: str | None,
    embed: str | None,
    workers: int | None,
    as_json: bool,
) -> None:
    """Annotate posts with language, sentiment and embeddings, incrementally.

    Only posts that lack an annotation, or whose annotation came from another model, are
    processed: a second run on unchanged data does no work.
    """
    from voxpop.enrich import enrich as enrich_posts

    with open_store(ctx) as store, step_progress() as progress:
        report = enrich_posts(
            store,
            language=language,
            sentiment=sentiment or sentiment_model is not None,
            sentiment_model=sentiment_model,
            embed=embed,
            workers=workers,
            progress=progress,
        )
    summary = report.summary()
    if as_json:
        print_json(summary)
        return
    table = Table(title="Enriched", title_justify="left")
    for column in ("step", "model", "posts", "unique texts", "seconds", "posts/s"):
        table.add_column(column, justify="left" if column in ("step", "model") else "right")
    for step in report.steps:
        table.add_row(
            step.step,
            step.model,
            f"{step.posts:,}",
            f"{step.unique_texts:,}",
            f"{step.seconds:.1f}",
            f"{step.posts_per_second:,.0f}",
        )
    stdout.print(table)
    if not report.posts_annotated:
        stdout.print("nothing to do: every post already has these annotations")


def write_table_csv(table: pa.Table) -> None:
    """An Arrow table as CSV on stdout; list columns as JSON arrays, one value per cell."""
    columns = [
        pa.array([json.dumps(v) for v in col.to_pylist()], pa.string())
        if pa.types.is_list(col.type)
        else col
        for col in table.columns
    ]
    sink = io.BytesIO()
    pacsv.write_csv(pa.Table.from_arrays(columns, names=table.column_names), sink)
    sys.stdout.write(sink.getvalue().decode())


def since_option(func: F) -> F:
    func = click.option("--until", type=click.DateTime(), help="Up to this time (UTC, ISO 8601).")(
        func
    )
    return click.option("--since", type=click.DateTime(), help="From this time (UTC, ISO 8601).")(
        func
    )


def utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


@cli.command()
@click.argument("query")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.pass_context
def search(ctx: click.Context, query: str, limit: int, as_json: bool, as_csv: bool) -> None:
    """Posts matching a query: terms, "phrases", AND/OR/NOT, #tags, @mentions, fields.

    Fields: lang: platform: kind: author: domain: url: collection: since: until:
    (see docs/query.md).
    """
    from voxpop.analyze.query import search as search_posts

    with open_store(ctx, read_only=True) as store:
        table = search_posts(store, query, limit=limit)
    if as_json:
        print_json(table.to_pylist())
    elif as_csv:
        write_table_csv(table)
    else:
        view = Table(title=f"{table.num_rows:,} posts", title_justify="left")
        for column in ("created_at", "platform", "author_handle", "lang", "text"):
            view.add_column(column, overflow="fold")
        for row in table.to_pylist():
            view.add_row(
                str(row["created_at"]),
                row["platform"],
                row["author_handle"] or "",
                row["lang"] or "",
                (row["text"] or "")[:200],
            )
        stdout.print(view)


@cli.command()
@click.argument("queries", nargs=-1, required=True)
@click.option("--interval", default="1h", show_default=True, help="Bucket: 15m, 1h, 1d, ...")
@click.option("--by", type=click.Choice(["lang", "platform", "kind"]))
@since_option
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), help="FILE.png or .svg")
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.pass_context
def trends(
    ctx: click.Context,
    queries: tuple[str, ...],
    interval: str,
    by: str | None,
    since: datetime | None,
    until: datetime | None,
    plot: Path | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Posts, unique authors, reposts and mean sentiment per time bucket, per query (UTC)."""
    from voxpop.analyze.trends import plot_trends
    from voxpop.analyze.trends import trends as trend_table

    with open_store(ctx, read_only=True) as store:
        table = trend_table(
            store,
            list(queries),
            interval=interval,
            by=by,  # type: ignore[arg-type]
            since=utc(since),
            until=utc(until),
        )
    if plot:
        plot_trends(table, plot)
        stderr.print(f"wrote {plot}")
    if as_json:
        print_json(table.to_pylist())
    elif as_csv:
        write_table_csv(table)
    else:
        view = Table(title=f"Trends per {interval} (UTC)", title_justify="left")
        for name in table.column_names:
            view.add_column(name, justify="left" if name in ("query", "bucket", by) else "right")
        for row in table.to_pylist():
            view.add_row(*("" if v is None else str(v) for v in row.values()))
        stdout.print(view)


@cli.command()
@since_option
@click.option("--interval", default="5m", show_default=True, help="Bucket of the series.")
@json_option
@click.pass_context
def surges(
    ctx: click.Context,
    since: datetime | None,
    until: datetime | None,
    interval: str,
    as_json: bool,
) -> None:
    """Surging hashtags, terms and domains, found without a query (see docs/surges.md)."""
    from voxpop.analyze.surges import discover_surges, surge_events

    with open_store(ctx, read_only=True) as store:
        events = surge_events(
            discover_surges(store, since=utc(since), until=utc(until), interval=interval)
        )
    if as_json:
        print_json({"surges": events})
        return
    view = Table(title="Surges (UTC)", title_justify="left")
    for column in ("start", "detected", "peak", "end", "magnitude", "significance", "keys"):
        view.add_column(column, overflow="fold")
    for event in events:
        view.add_row(
            f"{event.start:%Y-%m-%d %H:%M}",
            f"{event.detected_at:%Y-%m-%d %H:%M}",
            f"{event.peak:%Y-%m-%d %H:%M}",
            f"{event.end:%Y-%m-%d %H:%M}" if event.end else "ongoing",
            f"{event.magnitude:.1f}x",
            f"{event.significance:.2g}",
            ", ".join(event.keys[:5]),
        )
    stdout.print(view)


@cli.group(invoke_without_command=True)
@click.option("--unacknowledged", is_flag=True, help="Only alerts nobody has acknowledged.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@click.pass_context
def alerts(ctx: click.Context, unacknowledged: bool, limit: int, as_json: bool) -> None:
    """Stored alerts, newest first; `voxpop alerts ack ID...` acknowledges them."""
    if ctx.invoked_subcommand is not None:
        return
    from voxpop.alerts import list_alerts

    with open_store(ctx, read_only=True) as store:
        rows = list_alerts(store, unacknowledged=unacknowledged, limit=limit)
    if as_json:
        print_json({"alerts": rows})
        return
    view = Table(title="Alerts", title_justify="left")
    for column in ("id", "fired (UTC)", "severity", "rule", "message"):
        view.add_column(column, overflow="fold")
    for alert in rows:
        view.add_row(
            str(alert.alert_id),
            f"{alert.fired_at:%Y-%m-%d %H:%M:%S}",
            alert.severity,
            alert.rule,
            alert.message,
        )
    stdout.print(view)


@alerts.command("ack")
@click.argument("alert_ids", nargs=-1, type=int, required=True)
@click.option("--by", help="Who acknowledges (recorded with the alert).")
@json_option
@click.pass_context
def alerts_ack(
    ctx: click.Context, alert_ids: tuple[int, ...], by: str | None, as_json: bool
) -> None:
    """Acknowledge alerts by id."""
    from voxpop.alerts import acknowledge

    with open_store(ctx) as store:
        count = acknowledge(store, list(alert_ids), by=by)
    if as_json:
        print_json({"acknowledged": count})
    else:
        stdout.print(f"acknowledged {count} alert(s)")


@cli.command()
@click.option(
    "--rules",
    "rules_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Alert rules (TOML; see docs/alerts.md).",
)
@click.option("--poll", type=float, default=1.0, show_default=True, help="Seconds between checks.")
@click.option("--no-deliver", is_flag=True, help="Store and print alerts without delivering.")
@click.pass_context
def watch(ctx: click.Context, rules_path: Path, poll: float, no_deliver: bool) -> None:
    """Evaluate alert rules as posts arrive; prints one JSON line per alert (Ctrl-C stops).

    DuckDB allows one writing process per file: run it where posts are ingested.
    """
    from voxpop.alerts import load_rules
    from voxpop.alerts import watch as watch_rules

    rules = load_rules(rules_path)
    with open_store(ctx) as store, contextlib.suppress(KeyboardInterrupt):
        watch_rules(store, rules, poll=poll, deliver=not no_deliver, on_alert=print_json)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8050, show_default=True)
@click.option(
    "--collect",
    "collect_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Run these collectors in the server (collect.toml; see docs/collect.md).",
)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Alert rules file that admins read and replace through the API.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    collect_path: Path | None,
    rules_path: Path | None,
) -> None:
    """Serve the dashboard and the REST API (/api/v1; docs at /api/v1/docs).

    The server owns the database: it is the one writer (acks, purges, collectors) while
    requests read in parallel. Anywhere but 127.0.0.1 it needs tokens (`voxpop tokens create`).
    """
    from voxpop.collect import load_config
    from voxpop.web import create_app, serve_app

    config = load_config(collect_path) if collect_path else None
    key = settings(ctx).pseudonymize_key() if config is not None and config.pseudonymize else None
    with open_store(ctx) as store:
        app = create_app(
            store, host=host, collect_config=config, rules_path=rules_path, pseudonymize_key=key
        )
        shown = f"[{host}]" if ":" in host else host
        stderr.print(f"voxpop: serving {store.path} at http://{shown}:{port}/ (Ctrl-C stops)")
        serve_app(app, host=host, port=port)


@cli.group()
def tokens() -> None:
    """API tokens for `voxpop serve`: roles viewer (read, ack alerts) and admin (everything).

    Only a hash of each token is stored; run these while the server is stopped (or use the
    API's /api/v1/tokens as an admin).
    """


@tokens.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "admin"]), default="viewer", show_default=True)
@json_option
@click.pass_context
def tokens_create(ctx: click.Context, name: str, role: str, as_json: bool) -> None:
    """Create a token; it is printed once and cannot be shown again."""
    from voxpop.web.security import create_token

    with open_store(ctx) as store:
        token = create_token(store, name, role)
    if as_json:
        print_json({"name": name, "role": role, "token": token})
    else:
        stdout.print(token, markup=False, highlight=False)
        stderr.print(f"token {name!r} ({role}): keep it now, it is not shown again")


@tokens.command("list")
@json_option
@click.pass_context
def tokens_list(ctx: click.Context, as_json: bool) -> None:
    """Token names, roles and dates (never the tokens)."""
    from voxpop.web.security import list_tokens

    with open_store(ctx, read_only=True) as store:
        rows = list_tokens(store)
    if as_json:
        print_json({"tokens": rows})
        return
    table = Table(title="API tokens", title_justify="left")
    for column in ("name", "role", "created (UTC)", "revoked (UTC)"):
        table.add_column(column)
    for row in rows:
        revoked = f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else ""
        table.add_row(row.name, row.role, f"{row.created_at:%Y-%m-%d %H:%M}", revoked)
    stdout.print(table)


@tokens.command("revoke")
@click.argument("name")
@json_option
@click.pass_context
def tokens_revoke(ctx: click.Context, name: str, as_json: bool) -> None:
    """Revoke a token by name."""
    from voxpop.web.security import revoke_token

    with open_store(ctx) as store:
        revoked = revoke_token(store, name)
    if not revoked:
        raise ConfigError(f"no active token named {name!r}; see `voxpop tokens list`")
    if as_json:
        print_json({"name": name, "revoked": True})
    else:
        stdout.print(f"revoked {name}")


@cli.command()
@click.option("--since", type=click.DateTime(), help="Only narratives with posts since (UTC).")
@click.option("--min-size", type=int, default=5, show_default=True, help="Fewest posts listed.")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option(
    "--embedder",
    default="hashing",
    show_default=True,
    help="hashing, sentence-transformers:NAME or use-multilingual (same on every run).",
)
@click.option("--reset", is_flag=True, help="Forget all assignments first (to change embedder).")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), help="FILE.png or .svg")
@json_option
@click.pass_context
def narratives(
    ctx: click.Context,
    since: datetime | None,
    min_size: int,
    limit: int,
    embedder: str,
    reset: bool,
    plot: Path | None,
    as_json: bool,
) -> None:
    """Assign new posts to narratives (stories), then list the biggest (docs/narratives.md)."""
    from voxpop.analyze.narratives import assign_narratives, list_narratives, plot_narratives

    with open_store(ctx) as store:
        assigned = assign_narratives(store, embedder=embedder, reset=reset)
        found = list_narratives(store, since=utc(since), min_size=min_size, limit=limit)
        if plot:
            plot_narratives(store, found, plot)
            stderr.print(f"wrote {plot}")
    if as_json:
        print_json({"assigned": assigned, "narratives": found})
        return
    stderr.print(
        f"assigned {assigned.posts:,} posts ({assigned.inherited:,} reposts inherited) "
        f"in {assigned.seconds:.1f} s; {assigned.emerged:,} new narratives"
    )
    view = Table(title="Narratives", title_justify="left")
    for column in ("id", "posts", "first seen", "last seen", "growth", "languages", "keywords"):
        view.add_column(column, overflow="fold")
    for s in found:
        view.add_row(
            s.narrative_id,
            f"{s.size:,}",
            f"{s.first_seen:%Y-%m-%d %H:%M}" if s.first_seen else "",
            f"{s.last_seen:%Y-%m-%d %H:%M}" if s.last_seen else "",
            f"{s.growth:.2f}x" if s.growth is not None else "",
            ", ".join(list(s.languages)[:4]),
            ", ".join(s.keywords),
        )
    stdout.print(view)


@cli.command()
@click.argument("narrative_id")
@json_option
@click.pass_context
def narrative(ctx: click.Context, narrative_id: str, as_json: bool) -> None:
    """One narrative: summary, hourly volume, representative posts, top sources (counts)."""
    from voxpop.analyze.narratives import narrative_detail

    with open_store(ctx, read_only=True) as store:
        detail = narrative_detail(store, narrative_id)
    if as_json:
        print_json(detail)
        return
    s = detail.summary
    print_table(
        f"Narrative {s.narrative_id}: {s.label}",
        {
            "posts": s.size,
            "first seen": s.first_seen,
            "last seen": s.last_seen,
            "keywords": ", ".join(s.keywords),
            "languages": s.languages,
            "platforms": s.platforms,
            "top domains": s.top_domains,
            "growth (24 h)": "" if s.growth is None else f"{s.growth:.2f}x",
            "sentiment": "" if s.sentiment is None else f"{s.sentiment:.3f}",
            "top sources (posts)": detail.top_sources,
            "absorbed": ", ".join(detail.merged[:10]),
        },
    )
    for post in detail.representative_posts:
        when = f"{post.created_at:%Y-%m-%d %H:%M}" if post.created_at else "undated"
        stdout.print(f"[{when}] ({post.lang}) {post.text}")
