"""Narratives: quality against the simulator's planted narratives, side by side with BERTopic,
and throughput on a large store.

    python -m bench.narratives [--posts 20000] [--seeds 1 2 3] [--embedder hashing]
                               [--no-bertopic] [--throughput 1000000]
                               [--workdir /tmp/voxpop-bench-narratives]

Quality. Each seed's simulated posts are embedded once (`--embedder`: hashing, or
use-multilingual, or sentence-transformers:NAME); both methods get the same texts and the same
vectors. voxpop streams the originals in time order through `NarrativeStream` (reposts take
their parent's narrative, as `assign_narratives` does); BERTopic 0.17 runs
`fit_transform(docs, embeddings)` on every post with its defaults (UMAP, HDBSCAN, c-TF-IDF).
Times exclude embedding for both, and BERTopic is warmed up first (numba compiles UMAP and HDBSCAN
on first use). Scores are on the posts that carry a planted narrative
(truth_posts' `narrative`): adjusted mutual information (AMI) and pairwise precision, recall
and F1 (pairs of posts put together). Background chatter has no narrative and is left out of
both scores; "bg in narr" is the share of background posts whose cluster is mostly planted
narrative posts (chatter pulled into a story). BERTopic's outliers (topic -1) count as
singletons ("AMI -1 as topic": as one cluster instead).

Throughput. `--throughput N` simulates N posts into a DuckDB store (kept in the workdir) and
runs `assign_narratives` with the hashing embedder in a child process: posts/s, embedding and
assignment seconds, and the child's peak RSS. The machine is shared: the load average is
printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table
from sklearn.metrics import adjusted_mutual_info_score

from bench._measure import measure, simulated_store
from voxpop.analyze.narratives import SEMANTIC_PARAMS, _embed, get_narrative_embedder
from voxpop.analyze.narratives_stream import NarrativeStream
from voxpop.simulate import simulate
from voxpop.store import Store


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def pair_scores(predicted: npt.NDArray[Any], truth: npt.NDArray[Any]) -> tuple[float, float, float]:
    def pairs(counts: Counter[Any]) -> int:
        return sum(v * (v - 1) // 2 for v in counts.values())

    both = pairs(Counter(zip(predicted.tolist(), truth.tolist(), strict=True)))
    p = both / max(pairs(Counter(predicted.tolist())), 1)
    r = both / max(pairs(Counter(truth.tolist())), 1)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def background_in_narratives(predicted: npt.NDArray[Any], truth: npt.NDArray[Any]) -> float:
    majority: dict[Any, str] = {}
    for cluster in np.unique(predicted):
        majority[cluster] = Counter(truth[predicted == cluster].tolist()).most_common(1)[0][0]
    background = predicted[truth == ""]
    return (
        float(np.mean([majority[c] != "" for c in background.tolist()])) if len(background) else 0.0
    )


def score(
    name: str,
    seed: int,
    seconds: float,
    predicted: npt.NDArray[Any],
    truth: npt.NDArray[Any],
    extra: dict[str, Any],
) -> dict[str, Any]:
    planted = truth != ""
    p, r, f1 = pair_scores(predicted[planted], truth[planted])
    return {
        "method": name,
        "seed": seed,
        "seconds": seconds,
        "ami": adjusted_mutual_info_score(truth[planted], predicted[planted]),
        "precision": p,
        "recall": r,
        "f1": f1,
        "clusters": len(np.unique(predicted[planted])),
        "bg_in_narr": background_in_narratives(predicted, truth),
        **extra,
    }


def quality(posts: int, seed: int, embedder: str, bertopic: bool) -> list[dict[str, Any]]:
    sim = simulate(posts=posts, seed=seed)
    texts: list[str] = []
    labels: list[str] = []
    parents: list[int] = []
    index: dict[str, int] = {}
    for chunk in sim.chunks():
        truth = sim.labels(chunk).column("narrative").to_pylist()
        for post, label in zip(chunk.posts, truth, strict=True):
            index[post.post_id] = len(texts)
            texts.append(post.text or "")
            labels.append(label or "")
            parent = index.get(post.parent_id or "", -1) if post.kind == "repost" else -1
            parents.append(parent)
    truth_array = np.array(labels)
    model = get_narrative_embedder(embedder)
    started = time.perf_counter()
    vectors = _embed(model, texts)
    embed_seconds = time.perf_counter() - started
    inherit = np.array(parents)
    originals = np.flatnonzero(inherit < 0)
    started = time.perf_counter()
    stream = NarrativeStream(model.dim, None if embedder.startswith("hashing") else SEMANTIC_PARAMS)
    trees, _ = stream.add(vectors[originals])
    stream.consolidate()
    ours = np.full(len(texts), -1, np.int64)
    ours[originals] = stream.resolve(trees)
    for i in np.flatnonzero(inherit >= 0).tolist():  # parents come first
        ours[i] = ours[inherit[i]]
    seconds = time.perf_counter() - started
    rows = [score("voxpop", seed, seconds, ours, truth_array, {"embed_s": embed_seconds})]
    if bertopic:
        from bertopic import BERTopic

        docs = [t.removeprefix("RT ") for t in texts]
        started = time.perf_counter()
        topics, _ = BERTopic(calculate_probabilities=False).fit_transform(docs, vectors)
        seconds = time.perf_counter() - started
        topic = np.asarray(topics, np.int64)
        singletons = np.where(topic < 0, -1 - np.arange(len(topic)), topic)
        planted = truth_array != ""
        rows.append(
            score(
                "BERTopic",
                seed,
                seconds,
                singletons,
                truth_array,
                {
                    "outliers": float(np.mean(topic < 0)),
                    "ami_outliers_as_topic": adjusted_mutual_info_score(
                        truth_array[planted], topic[planted]
                    ),
                },
            )
        )
    return rows


def warm_up() -> None:
    """Fit BERTopic once on random vectors, untimed: UMAP and HDBSCAN compile with numba on
    first use (a minute or more), which is not what the comparison is about."""
    from bertopic import BERTopic

    rng = np.random.default_rng(0)
    docs = [f"warm up text number {i % 50}" for i in range(500)]
    BERTopic(calculate_probabilities=False).fit_transform(
        docs, rng.standard_normal((500, 16)).astype(np.float32)
    )


def print_quality(rows: list[dict[str, Any]], posts: int, embedder: str) -> None:
    table = Table(
        title=f"Narratives vs planted truth: {posts:,} posts per seed, {embedder} embeddings "
        f"(load {_load()})",
        title_justify="left",
    )
    columns = (
        "method",
        "seed",
        "AMI",
        "P",
        "R",
        "F1",
        "clusters",
        "bg in narr",
        "seconds",
        "speed vs BERTopic",
        "notes",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("method", "notes") else "right")
    bertopic_seconds = {r["seed"]: r["seconds"] for r in rows if r["method"] == "BERTopic"}
    for r in rows:
        base = bertopic_seconds.get(r["seed"])
        notes = (
            f"outliers {r['outliers']:.0%}, AMI -1 as topic {r['ami_outliers_as_topic']:.3f}"
            if "outliers" in r
            else f"embedding {r['embed_s']:.1f} s (not timed)"
        )
        table.add_row(
            r["method"],
            str(r["seed"]),
            f"{r['ami']:.3f}",
            f"{r['precision']:.3f}",
            f"{r['recall']:.3f}",
            f"{r['f1']:.3f}",
            str(r["clusters"]),
            f"{r['bg_in_narr']:.3f}",
            f"{r['seconds']:.2f}",
            f"{base / r['seconds']:.0f}x" if base else "",
            notes,
        )
    for method in ("voxpop", "BERTopic"):
        mine = [r for r in rows if r["method"] == method]
        if mine:
            table.add_row(
                f"{method} mean",
                "",
                f"{np.mean([r['ami'] for r in mine]):.3f}",
                f"{np.mean([r['precision'] for r in mine]):.3f}",
                f"{np.mean([r['recall'] for r in mine]):.3f}",
                f"{np.mean([r['f1'] for r in mine]):.3f}",
                "",
                "",
                f"{np.mean([r['seconds'] for r in mine]):.2f}",
                "",
                "",
            )
    Console(width=220).print(table)


def throughput(workdir: Path, posts: int, seed: int) -> None:
    db = simulated_store(workdir, f"narratives-{posts}-{seed}", posts, seed)
    out = workdir / "assign.json"
    with Store(db) as store:
        store.con.execute("DELETE FROM post_narrative")
        store.con.execute("DELETE FROM narratives")
        store.con.execute("CHECKPOINT")
    code = (
        "import msgspec, pathlib, resource\n"
        "from voxpop.store import Store\n"
        "from voxpop.analyze.narratives import assign_narratives\n"
        f"with Store({str(db)!r}) as s:\n"
        "    r = msgspec.to_builtins(assign_narratives(s))\n"
        "u = resource.getrusage(resource.RUSAGE_SELF)\n"
        "r['cpu_seconds'] = u.ru_utime + u.ru_stime\n"
        f"pathlib.Path({str(out)!r}).write_bytes(msgspec.json.encode(r))\n"
    )
    before = _load()
    m = measure("voxpop assign_narratives (hashing)", code, posts)
    result = json.loads(out.read_text())
    table = Table(
        title=f"Narrative assignment, {posts:,} simulated posts, hashing embedder "
        f"(load before {before}, after {_load()})",
        title_justify="left",
    )
    for column in ("what", "seconds", "posts/s", "note"):
        table.add_column(column, justify="left" if column in ("what", "note") else "right")
    n = result["posts"]
    table.add_row(
        "whole run (child wall clock)",
        f"{m.seconds:.1f}",
        f"{n / m.seconds:,.0f}",
        f"peak RSS {m.peak_rss_mb:,.0f} MB; includes start-up, SQL and writes",
    )
    table.add_row(
        "CPU time of the run",
        f"{result['cpu_seconds']:.1f}",
        f"{n / result['cpu_seconds']:,.0f}",
        "user + system, all threads",
    )
    table.add_row(
        "run, as measured inside",
        f"{result['seconds']:.1f}",
        f"{n / result['seconds']:,.0f}",
        f"{n:,} posts assigned",
    )
    table.add_row(
        "embedding (hashing)",
        f"{result['embed_seconds']:.1f}",
        f"{result['embedded'] / result['embed_seconds']:,.0f}",
        f"{result['embedded']:,} originals; {result['inherited']:,} reposts inherit",
    )
    table.add_row(
        "assignment (LSH stream)",
        f"{result['assign_seconds']:.1f}",
        f"{result['embedded'] / result['assign_seconds']:,.0f}",
        f"{result['started']:,} started, {result['merged']:,} merged",
    )
    both = result["embed_seconds"] + result["assign_seconds"]
    table.add_row(
        "embedding + assignment",
        f"{both:.1f}",
        f"{result['embedded'] / both:,.0f}",
        "per original embedded",
    )
    Console(width=220).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--embedder", default="hashing")
    parser.add_argument("--no-bertopic", action="store_true")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--throughput", type=int, default=0, help="posts (0: skip)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/voxpop-bench-narratives"))
    args = parser.parse_args()
    if not args.no_quality:
        if not args.no_bertopic:
            warm_up()
        rows: list[dict[str, Any]] = []
        for seed in args.seeds:
            rows += quality(args.posts, seed, args.embedder, not args.no_bertopic)
        print_quality(rows, args.posts, args.embedder)
        args.workdir.mkdir(parents=True, exist_ok=True)
        (args.workdir / f"quality-{args.embedder}.json").write_text(json.dumps(rows, indent=1))
    if args.throughput:
        throughput(args.workdir, args.throughput, args.seeds[0])


if __name__ == "__main__":
    main()
