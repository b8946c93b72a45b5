"""Worker processes for the CPU-bound enrichers (fastText, VADER, feature hashing) and for the
text work of coordination detection (normalisation, MinHash signatures).

None of them releases the GIL, so threads would not help; worker processes use every core.
They are plain child interpreters running `serve()`, fed over pipes, not a
multiprocessing pool: "fork" would copy the parent's DuckDB threads and locks into the child,
and "spawn" re-imports the caller's `__main__`, which breaks notebooks, `python -` and scripts
without a main guard. Each worker loads a model the first time a task names it and keeps it.

Protocol: the parent writes a task, (kind, argument, texts), as an 8-byte length and a pickle;
the worker answers the same way with ("ok", result) or ("error", message). In the parent a
thread per worker writes its tasks and another reads its answers, so neither side can block
the other on a full pipe. Results come back in task order. With one process, everything runs
in the caller with the same code.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import IO, Any

from voxpop.enrich.text import normalize_texts

__all__ = ["Workers", "compute", "serve"]

Task = tuple[str, int, list[str]]

_LOADED: dict[tuple[str, int], Any] = {}


def _load(kind: str, arg: int) -> Any:
    if kind == "language":
        from voxpop.enrich.language import LanguageDetector

        return LanguageDetector()
    if kind == "vader":
        from voxpop.enrich.sentiment import VaderSentiment

        return VaderSentiment()
    if kind == "hashing":
        from voxpop.enrich.embeddings import HashingEmbedder

        return HashingEmbedder(arg)
    raise ValueError(f"unknown enricher kind {kind!r}")


def compute(kind: str, arg: int, texts: list[str]) -> Any:
    """Run one enricher on texts: language -> (langs, confidences); vader -> (scores, labels)
    of the texts prepared for sentiment; hashing -> a float32 matrix; normalize ->
    `normalize_texts`; minhash -> the MinHash signatures of normalised texts
    (`voxpop.analyze.coordination_actions.text_signatures`)."""
    if kind == "normalize":
        return normalize_texts(texts)
    if kind == "minhash":
        from voxpop.analyze.coordination_actions import text_signatures

        return text_signatures(texts)
    worker = _LOADED.get((kind, arg))
    if worker is None:
        worker = _LOADED[(kind, arg)] = _load(kind, arg)
    if kind == "language":
        return worker.predict_many(texts)
    if kind == "vader":
        from voxpop.enrich.sentiment import text_for_sentiment

        return worker.score([text_for_sentiment(t) for t in texts])
    return worker.embed(texts)


def _send(stream: IO[bytes], message: object) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(payload).to_bytes(8, "little") + payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError
    size = int.from_bytes(header, "little")
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    return pickle.loads(payload)


class _Worker:
    """One child process, with a thread feeding it tasks and one collecting its answers, so
    that the caller never blocks on a pipe while it stores results."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from voxpop.enrich._workers import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.tasks: queue.Queue[Task | None] = queue.Queue()
        self.answers: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._feed, daemon=True),
            threading.Thread(target=self._collect, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _feed(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):  # a dead worker is reported by _collect
            while (task := self.tasks.get()) is not None:
                _send(stdin, task)
            stdin.close()

    def _collect(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            try:
                answer = _receive(stdout)
            except (EOFError, OSError, ValueError):
                self.answers.put(("died", f"enrichment worker {self.proc.pid} died"))
                return
            self.answers.put(answer)

    def answer(self) -> Any:
        status, value = self.answers.get()
        if status == "died":
            raise RuntimeError(value)
        if status != "ok":
            raise RuntimeError(f"enrichment worker failed: {value}")
        return value

    def stop(self, kill: bool) -> None:
        if kill:
            self.proc.kill()
        self.tasks.put(None)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class Workers:
    """Worker processes started on first use, or the calling process when `processes` is 1.
    As a context manager, they are stopped on leaving it, and killed if it raised.

    Each worker is kept `AHEAD` tasks ahead of the caller, so it computes while the caller
    stores what came back.
    """

    AHEAD = 3

    def __init__(self, processes: int) -> None:
        self.processes = max(1, processes)
        self._workers: list[_Worker] = []

    def map(self, kind: str, arg: int, chunks: Iterable[list[str]]) -> Iterator[Any]:
        """`compute(kind, arg, chunk)` for every chunk, in order, spread over the workers.

        Chunks are drawn from `chunks` only as workers need them, so a lazy iterable keeps
        just the chunks in flight in memory."""
        source = iter(chunks)
        first = list(itertools.islice(source, 2))
        if self.processes == 1 or len(first) < 2:
            for chunk in itertools.chain(first, source):
                yield compute(kind, arg, chunk)
            return
        if not self._workers:
            self._workers = [_Worker() for _ in range(self.processes)]
        # Answers come back in task order: each worker answers its tasks in turn, and
        # `pending` lists which worker has each task in flight, oldest first.
        pending: collections.deque[_Worker] = collections.deque()
        turns = itertools.cycle(self._workers)
        ahead = len(self._workers) * self.AHEAD
        for chunk in itertools.chain(first, source):
            if len(pending) == ahead:
                yield pending.popleft().answer()
            worker = next(turns)
            worker.tasks.put((kind, arg, chunk))
            pending.append(worker)
        while pending:
            yield pending.popleft().answer()

    def close(self, *, kill: bool = False) -> None:
        """Stop the workers: let them finish, or kill them (after an error in the caller)."""
        for worker in self._workers:
            worker.stop(kill)
        self._workers = []

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        self.close(kill=error is not None)


def serve() -> None:
    """A worker's loop: tasks from stdin, answers to the original stdout until stdin closes."""
    # Answers go to a private copy of stdout; anything a library prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    tasks = sys.stdin.buffer
    while True:
        try:
            kind, arg, texts = _receive(tasks)
        except EOFError:
            return
        try:
            answer: tuple[str, Any] = ("ok", compute(kind, arg, texts))
        except Exception as exc:  # reported to the parent, which raises
            answer = ("error", f"{type(exc).__name__}: {exc}")
        _send(out, answer)
