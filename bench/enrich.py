"""Enrichment throughput per enricher, and language accuracy, on simulated posts.

    python -m bench.enrich [--posts 1000000] [--seed 1] [--workdir /tmp/voxpop-bench-enrich]
                           [--st-sample 2000] [--st-model all-MiniLM-L6-v2] [--no-st]

Simulates the posts straight into a DuckDB store (kept in the workdir for later runs with the
same size and seed), then times each enricher through `voxpop.enrich.enrich` as a user runs
it: reading the pending posts, cleaning, predicting, writing the annotations. Targets on the
2-core reference machine: language >= 25k posts/s, hashing embeddings >= 25k posts/s, VADER
>= 10k posts/s. "unique texts" is how many distinct texts the model ran on (copies and
reposts of one text are computed once). "CPU s" is the CPU time of the run, this process
and its worker processes together; posts/(CPU s/cores) is the rate the run would reach with
every core to itself: the machine is shared, and the load average before and after is
printed with the results so that a slow wall-clock figure can be told from a slow enricher.

sentence-transformers is timed on a sample of texts (embedding them in memory, after one
warm-up batch), on CPU and, when torch sees one, on the GPU. Language accuracy per language
compares the detected language with the simulator's `source_lang`, the language each text
was written in.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench._measure import simulated_store
from voxpop.enrich import StepReport, enrich
from voxpop.store import Store

TARGETS = {"language": 25_000.0, "embedding": 25_000.0, "sentiment": 10_000.0}


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the enrichment workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_enrichers(db: Path) -> list[tuple[StepReport, float]]:
    """Each enricher's report and the CPU seconds its run took (all processes)."""
    steps: list[tuple[StepReport, float]] = []
    with Store(db) as store:
        for table in ("post_language", "post_sentiment", "post_embedding"):
            store.con.execute(f"DELETE FROM {table}")
        store.con.execute("CHECKPOINT")
        runs = (
            {"language": True},
            {"language": False, "sentiment": True},
            {"language": False, "embed": "hashing"},
        )
        for options in runs:
            cpu = _cpu_seconds()
            report = enrich(store, **options)
            cpu = _cpu_seconds() - cpu
            steps += [(step, cpu) for step in report.steps if step.posts]
        # A second run over unchanged data must find nothing to do.
        again = enrich(store, language=True, sentiment=True, embed="hashing")
        assert again.posts_annotated == 0, again.summary()
    return steps


def language_accuracy(db: Path) -> list[tuple[str, int, float, float]]:
    """(language, posts, accuracy, share with no language) per source language."""
    with Store(db, read_only=True) as store:
        rows = store.con.execute(
            """
            SELECT p.source_lang, count(*), avg(CASE WHEN l.lang = p.source_lang THEN 1 ELSE 0
                END), avg(CASE WHEN l.lang IS NULL THEN 1 ELSE 0 END)
            FROM posts p JOIN post_language l USING (platform, post_id)
            WHERE p.source_lang IS NOT NULL GROUP BY 1 ORDER BY 2 DESC
            """
        ).fetchall()
    return [(str(r[0]), int(r[1]), float(r[2]), float(r[3])) for r in rows]


def sentence_transformers_rate(model: str, sample: int, db: Path) -> list[tuple[str, float]]:
    """Texts per second of a sentence-transformers model, per device available."""
    try:
        import torch

        from voxpop.enrich.embeddings import SentenceTransformerEmbedder
    except ImportError:
        return []
    with Store(db, read_only=True) as store:
        rows = store.con.execute(
            "SELECT text FROM posts WHERE text IS NOT NULL ORDER BY post_id LIMIT ?", [sample]
        ).fetchall()
    texts = [str(r[0]) for r in rows]
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rates = []
    for device in devices:
        embedder = SentenceTransformerEmbedder(model, device=device)
        embedder.embed(texts[:64])
        started = time.perf_counter()
        embedder.embed(texts)
        rates.append((device, len(texts) / (time.perf_counter() - started)))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/voxpop-bench-enrich"))
    parser.add_argument("--st-sample", type=int, default=2000)
    parser.add_argument("--st-model", default="all-MiniLM-L6-v2")
    parser.add_argument("--no-st", action="store_true", help="skip sentence-transformers")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    db = simulated_store(args.workdir, "enrich", args.posts, args.seed)
    load_before = os.getloadavg()[0]
    steps = run_enrichers(db)
    console = Console(width=150)
    cores = os.cpu_count() or 1

    table = Table(
        title=f"Enrichment of {args.posts:,} simulated posts (seed {args.seed}, {cores} cores; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)",
        title_justify="left",
    )
    columns = ("enricher", "model", "posts", "unique texts", "seconds", "posts/s", "CPU s")
    for column in (*columns, "posts/(CPU s/cores)"):
        table.add_column(column, justify="left" if column in ("enricher", "model") else "right")
    table.add_column("target")
    for step, cpu in steps:
        target = TARGETS[step.step]
        verdict = "ok" if step.posts_per_second >= target else "MISSED"
        table.add_row(
            step.step,
            step.model,
            f"{step.posts:,}",
            f"{step.unique_texts:,}",
            f"{step.seconds:.1f}",
            f"{step.posts_per_second:,.0f}",
            f"{cpu:.1f}",
            f"{step.posts / (cpu / cores):,.0f}" if cpu else "",
            f">= {target:,.0f}: {verdict}",
        )
    if not args.no_st:
        for device, rate in sentence_transformers_rate(args.st_model, args.st_sample, db):
            table.add_row(
                "embedding",
                f"sentence-transformers:{args.st_model} ({device}, {args.st_sample:,} texts)",
                f"{args.st_sample:,}",
                f"{args.st_sample:,}",
                f"{args.st_sample / rate:.1f}",
                f"{rate:,.0f}",
                "",
                "",
                "reported",
            )
    console.print(table)

    accuracy = Table(
        title="Language detection vs the simulator's source_lang", title_justify="left"
    )
    for column in ("language", "posts", "accuracy", "no language"):
        accuracy.add_column(column, justify="left" if column == "language" else "right")
    total = correct = 0
    for lang, count, share, missing in language_accuracy(db):
        accuracy.add_row(lang, f"{count:,}", f"{share:.1%}", f"{missing:.1%}")
        total += count
        correct += round(share * count)
    if total:
        accuracy.add_row("all", f"{total:,}", f"{correct / total:.1%}", "")
    console.print(accuracy)


if __name__ == "__main__":
    main()
