"""Streaming first-story detection: the core of narrative assignment, over vectors only.

`NarrativeStream` follows Petrović, Osborne & Lavrenko (2010), "Streaming first story detection
with application to Twitter": each post is compared with a bounded set of earlier posts found
by random-hyperplane locality-sensitive hashing; it joins the narrative of its nearest
neighbour when their cosine similarity reaches `threshold`, and starts a new narrative
otherwise. Candidates are the `probes` most recent posts that share the post's bucket in each
of `tables` hash tables, among the last `buffer` posts: the work per post is constant, and
memory is bounded by the buffer, not by the corpus.

Batches are processed with numpy, and give exactly what one-post-at-a-time processing gives:
a post sees the same candidates (earlier posts of its own batch included, posts older than the
buffer window excluded) and consolidation runs at the same post counts. The partition before
consolidation is a forest (each post points at the neighbour it joined); `add` returns each
post's tree number, which no later merge changes.

Consolidation, every `consolidate_every` posts and when asked: narratives with no post left in
the buffer are retired (their centroids kept, up to `max_retired`, so a story that comes back
after a pause rejoins its narrative); two narratives are merged, the older absorbing the newer
(connected components of such pairs), when their centroids (both of at least `min_merge`
posts) have a cosine similarity of `merge_threshold` or more, or when at least `bridge_min`
posts, and `bridge_share` of the smaller narrative, were close enough to join both (posts that
tell two parts of one story). `resolve` maps tree numbers to current narrative numbers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["NarrativeStream", "StreamParams"]

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

# Candidate pairs compared at once: bounds the (pairs, dim) temporaries.
_GATHER_PAIRS = 32_768


class StreamParams:
    """Tuning of the stream; the defaults are the ones measured in bench/narratives.py."""

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        merge_threshold: float = 0.6,
        buffer: int = 20_000,
        tables: int = 8,
        bits: int = 12,
        probes: int = 3,
        consolidate_every: int = 20_000,
        min_merge: int = 3,
        bridge_min: int = 3,
        bridge_share: float = 0.02,
        max_retired: int = 5_000,
        seed: int = 20100601,
    ) -> None:
        if not 0.0 < threshold <= 1.0 or not 0.0 < merge_threshold <= 1.0:
            raise ValueError("thresholds are cosine similarities in (0, 1]")
        if buffer < 1 or tables < 1 or not 1 <= bits <= 62 or probes < 1:
            raise ValueError("buffer, tables, bits (1..62) and probes must be positive")
        self.threshold = threshold
        self.merge_threshold = merge_threshold
        self.buffer = buffer
        self.tables = tables
        self.bits = bits
        self.probes = probes
        self.consolidate_every = consolidate_every
        self.min_merge = min_merge
        self.bridge_min = bridge_min
        self.bridge_share = bridge_share
        self.max_retired = max_retired
        self.seed = seed


class NarrativeStream:
    """Assigns vectors, in order, to narratives; see the module docstring."""

    def __init__(self, dim: int, params: StreamParams | None = None, *, next_number: int = 0):
        self.dim = dim
        self.params = p = params or StreamParams()
        rng = np.random.default_rng(p.seed)
        # One (dim, bits) block of hyperplanes per table, side by side.
        self._planes = rng.standard_normal((dim, p.tables * p.bits)).astype(np.float32)
        self._weights = (np.int64(1) << np.arange(p.bits, dtype=np.int64)).astype(np.int64)
        self.total = 0  # posts seen, ever: the sequence number of the next post
        self.next_number = next_number
        b = p.buffer
        self._vec = np.zeros((b, dim), np.float32)
        self._codes = np.zeros((b, p.tables), np.int64)
        self._tree = np.full(b, -1, np.int64)
        self._seq = np.full(b, -(1 << 62), np.int64)
        # Narrative number -> the number it was merged into (followed to the end by `find`).
        self.merged: dict[int, int] = {}
        # Active narratives: number -> [vector sum, posts]; retired ones: number -> same.
        self.active: dict[int, tuple[F32, int]] = {}
        self.retired: OrderedDict[int, tuple[F32, int]] = OrderedDict()
        # (narrative, narrative) -> posts close to both; see `_count_bridges`.
        self.bridges: dict[tuple[int, int], int] = {}

    # -- identity ------------------------------------------------------------------------------

    def find(self, number: int) -> int:
        root = number
        while root in self.merged:
            root = self.merged[root]
        while number != root:  # path compression
            self.merged[number], number = root, self.merged[number]
        return root

    def resolve(self, numbers: I64) -> I64:
        """Current narrative numbers of tree (or older narrative) numbers."""
        if not self.merged or numbers.size == 0:
            return numbers.copy()
        unique, inverse = np.unique(numbers, return_inverse=True)
        return np.array([self.find(int(n)) for n in unique], np.int64)[inverse]

    # -- restoring state -----------------------------------------------------------------------

    def restore(
        self,
        vectors: F32,
        numbers: I64,
        narratives: Iterable[tuple[int, F32, int, bool]],
        *,
        total: int,
    ) -> None:
        """Load a saved state: the buffer's vectors and narrative numbers (oldest first), and
        per narrative (number, centroid, posts, active). `total`: posts seen before."""
        p = self.params
        keep = min(len(vectors), p.buffer)
        self.total = total - keep
        if keep:
            self._push(vectors[-keep:], self._hash(vectors[-keep:]), numbers[-keep:])
        self.total = total
        for number, centroid, posts, active in narratives:
            target = self.active if active else self.retired
            target[number] = (centroid.astype(np.float32) * posts, posts)
        while len(self.retired) > p.max_retired:
            self.retired.popitem(last=False)

    # -- assignment ----------------------------------------------------------------------------

    def add(self, vectors: F32) -> tuple[I64, npt.NDArray[np.float32]]:
        """Assign posts in order; returns their tree numbers and the similarity to the
        neighbour each joined (0 where it started a narrative)."""
        vectors = np.ascontiguousarray(vectors, np.float32)
        trees: list[I64] = []
        sims: list[F32] = []
        start, every = 0, self.params.consolidate_every
        while start < len(vectors):
            room = every - self.total % every if every > 0 else len(vectors)
            stop = min(len(vectors), start + room)
            tree, sim = self._add_chunk(vectors[start:stop])
            trees.append(tree)
            sims.append(sim)
            start = stop
            if every > 0 and self.total % every == 0:
                self.consolidate()
        if not trees:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(trees), np.concatenate(sims)

    def _hash(self, vectors: F32) -> I64:
        p = self.params
        bits = (vectors @ self._planes > 0).reshape(len(vectors), p.tables, p.bits)
        codes: I64 = bits.astype(np.int64) @ self._weights
        return codes

    def _candidates(self, codes: I64, seq: I64) -> I64:
        """Per new post, indices (buffer slots, then B + batch position) of its candidates."""
        p = self.params
        m, b = len(codes), p.buffer
        valid_slots = np.flatnonzero(self._seq >= self.total - b)
        out = np.full((m, p.tables * p.probes), -1, np.int64)
        all_index = np.concatenate([valid_slots, b + np.arange(m)])
        all_seq = np.concatenate([self._seq[valid_slots], seq])
        n_old = len(valid_slots)
        for t in range(p.tables):
            keys = np.concatenate([self._codes[valid_slots, t], codes[:, t]])
            order = np.lexsort((all_seq, keys))
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            pos = rank[n_old:]
            sorted_keys = keys[order]
            sorted_seq = all_seq[order]
            for k in range(1, p.probes + 1):
                q = pos - k
                ok = q >= 0
                q = np.where(ok, q, 0)
                ok &= sorted_keys[q] == codes[:, t]
                # Outside the window of the post itself: gone from a one-by-one buffer.
                ok &= sorted_seq[q] >= seq - b
                out[:, t * p.probes + k - 1] = np.where(ok, all_index[order[q]], -1)
        return out

    def _add_chunk(self, x: F32) -> tuple[I64, F32]:
        p = self.params
        m, b = len(x), p.buffer
        codes = self._hash(x)
        seq = self.total + np.arange(m, dtype=np.int64)
        cand = self._candidates(codes, seq)
        # Each distinct candidate once: near-copies share buckets in most tables, and empty
        # slots are common, so comparing only these pairs saves most of the work.
        cand = np.sort(cand, axis=1)
        cand[:, 1:][cand[:, 1:] == cand[:, :-1]] = -1
        sim = np.full(cand.shape, -np.inf, np.float32)
        rows, cols = np.nonzero(cand >= 0)
        others = cand[rows, cols]
        in_batch = others >= b
        for lo in range(0, len(rows), _GATHER_PAIRS):
            r, o = rows[lo : lo + _GATHER_PAIRS], others[lo : lo + _GATHER_PAIRS]
            inside = in_batch[lo : lo + _GATHER_PAIRS]
            vectors = np.empty((len(r), self.dim), np.float32)
            vectors[inside] = x[o[inside] - b]
            vectors[~inside] = self._vec[o[~inside]]
            sim[r, cols[lo : lo + _GATHER_PAIRS]] = np.einsum("pd,pd->p", x[r], vectors)
        # The most similar candidate; among equals (copies), the most recent, which is the
        # same post whether the batch is one post or many.
        top = sim.max(axis=1)
        cand_seq = np.where(cand >= b, seq[np.maximum(cand - b, 0)], self._seq[cand % b])
        j = np.argmax(np.where((sim == top[:, None]) & (cand >= 0), cand_seq, -1), axis=1)
        joined = top >= p.threshold
        best = np.where(joined, cand[np.arange(m), j], -1)
        best_sim = np.where(joined, top, 0.0).astype(np.float32)
        # Tree numbers: a new tree per post that joined nobody (numbered in order), the
        # neighbour's tree otherwise; neighbours in this batch are resolved by pointer jumping.
        starts = best < 0
        tree = np.full(m, -1, np.int64)
        tree[starts] = self.next_number + np.arange(int(starts.sum()), dtype=np.int64)
        self.next_number += int(starts.sum())
        in_buffer = (best >= 0) & (best < b)
        tree[in_buffer] = self._tree[best[in_buffer]]
        pointer = np.where(best >= b, best - b, np.arange(m))
        while True:
            jumped = pointer[pointer]
            if np.array_equal(jumped, pointer):
                break
            pointer = jumped
        tree = tree[pointer]
        own = self.resolve(tree)
        self._count_bridges(own, cand, sim, tree)
        self._push(x, codes, tree)
        self._account(x, own)
        return tree, best_sim

    def _count_bridges(self, own: I64, cand: I64, sim: F32, tree: I64) -> None:
        """Count posts close enough to join two narratives: theirs and another one.

        A post that tells two parts of a story (two sentences, two framings) is close to both;
        many such posts between two narratives are evidence that they are one.
        """
        b = self.params.buffer
        close = sim >= self.params.threshold
        rows, cols = np.nonzero(close)
        if rows.size == 0:
            return
        c = cand[rows, cols]
        other = self.resolve(np.where(c >= b, tree[np.maximum(c - b, 0)], self._tree[c % b]))
        mine = own[rows]
        keep = other != mine
        if not keep.any():
            return
        low = np.minimum(mine, other)[keep]
        high = np.maximum(mine, other)[keep]
        # Each post counts once per pair of narratives, however many neighbours it has there.
        triples = np.unique(np.stack([rows[keep], low, high], axis=1), axis=0)
        pairs, counts = np.unique(triples[:, 1:], axis=0, return_counts=True)
        for (a, z), n in zip(pairs.tolist(), counts.tolist(), strict=True):
            self.bridges[(a, z)] = self.bridges.get((a, z), 0) + n

    def _push(self, x: F32, codes: I64, tree: I64) -> None:
        b = self.params.buffer
        if len(x) > b:
            x, codes, tree = x[-b:], codes[-b:], tree[-b:]
            self.total += len(tree) - b
        slots = (self.total + np.arange(len(x))) % b
        self._vec[slots] = x
        self._codes[slots] = codes
        self._tree[slots] = tree
        self._seq[slots] = self.total + np.arange(len(x))
        self.total += len(x)

    def _account(self, x: F32, numbers: I64) -> None:
        """Add vectors to their narratives' sums (a narrative retired earlier comes back)."""
        order = np.argsort(numbers, kind="stable")
        unique, starts = np.unique(numbers[order], return_index=True)
        sums = np.add.reduceat(x[order], starts, axis=0)
        counts = np.diff(np.append(starts, len(order)))
        for number, total, count in zip(unique.tolist(), sums, counts.tolist(), strict=True):
            have = self.active.get(number) or self.retired.pop(number, None)
            if have is None:
                self.active[number] = (total, count)
            else:
                self.active[number] = (have[0] + total, have[1] + count)

    # -- consolidation -------------------------------------------------------------------------

    def consolidate(self) -> dict[int, int]:
        """Retire narratives gone from the buffer, merge those that drifted together.

        Returns the merges made (number -> number it joined)."""
        p = self.params
        live = self._seq >= self.total - p.buffer
        present = set(np.unique(self.resolve(self._tree[live])).tolist())
        for number in [n for n in self.active if n not in present]:
            total, count = self.active.pop(number)
            if count >= p.min_merge:
                self.retired[number] = (total, count)
        while len(self.retired) > p.max_retired:
            self.retired.popitem(last=False)
        pool = {**self.retired, **self.active}
        numbers = list(pool)
        index = {n: i for i, n in enumerate(numbers)}
        close_r, close_c = self._centroid_edges(numbers, pool)
        bridge_r, bridge_c = self._bridge_edges(index, pool)
        edges_r = np.concatenate([close_r, bridge_r])
        edges_c = np.concatenate([close_c, bridge_c])
        if edges_r.size == 0:
            self._prune_bridges()
            return {}
        graph = coo_matrix(
            (np.ones(edges_r.size), (edges_r, edges_c)), shape=(len(numbers), len(numbers))
        )
        _, component = connected_components(graph, directed=False)
        groups: dict[int, list[int]] = {}
        for number, comp in zip(numbers, component.tolist(), strict=True):
            groups.setdefault(comp, []).append(number)
        merges: dict[int, int] = {}
        for members in groups.values():
            if len(members) < 2:
                continue
            root = min(members)  # the oldest narrative keeps its number
            total, count = pool[root]
            for other in members:
                if other == root:
                    continue
                merges[other] = root
                self.merged[other] = root
                o_total, o_count = pool[other]
                total, count = total + o_total, count + o_count
                self.active.pop(other, None)
                self.retired.pop(other, None)
            self.retired.pop(root, None)
            self.active[root] = (total, count)
        self._prune_bridges()
        return merges

    def _centroid_edges(
        self, numbers: list[int], pool: dict[int, tuple[F32, int]]
    ) -> tuple[I64, I64]:
        """Pairs (indices into `numbers`) of narratives of `min_merge` posts or more whose
        centroids are `merge_threshold` close; at least one of each pair is active (retired
        pairs were compared while they were active)."""
        p = self.params
        eligible = [i for i, n in enumerate(numbers) if pool[n][1] >= p.min_merge]
        empty = np.zeros(0, np.int64)
        if len(eligible) < 2:
            return empty, empty
        # Active ones first (`pool` lists retired, then active).
        eligible.sort(key=lambda i: numbers[i] not in self.active)
        n_active = sum(1 for i in eligible if numbers[i] in self.active)
        centroids = np.stack([pool[numbers[i]][0] for i in eligible])
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        where = np.asarray(eligible, np.int64)
        rows, cols = [empty], [empty]
        for lo in range(0, n_active, 2048):
            block = centroids[lo : lo + 2048] @ centroids.T
            r, c = np.nonzero(block >= p.merge_threshold)
            keep = c > r + lo
            rows.append(where[r[keep] + lo])
            cols.append(where[c[keep]])
        return np.concatenate(rows), np.concatenate(cols)

    def _bridge_edges(
        self, index: dict[int, int], pool: dict[int, tuple[F32, int]]
    ) -> tuple[I64, I64]:
        """Pairs of narratives with enough posts close to both (see `_count_bridges`)."""
        p = self.params
        rows: list[int] = []
        cols: list[int] = []
        for (a, z), n in self.bridges.items():
            ra, rz = self.find(a), self.find(z)
            if ra == rz or ra not in index or rz not in index or n < p.bridge_min:
                continue
            if n >= p.bridge_share * min(pool[ra][1], pool[rz][1]):
                rows.append(index[ra])
                cols.append(index[rz])
        return np.asarray(rows, np.int64), np.asarray(cols, np.int64)

    def _prune_bridges(self) -> None:
        """Keep counts between active narratives only, under their current numbers."""
        counts: dict[tuple[int, int], int] = {}
        for (a, z), n in self.bridges.items():
            ra, rz = self.find(a), self.find(z)
            if ra != rz and ra in self.active and rz in self.active:
                key = (min(ra, rz), max(ra, rz))
                counts[key] = counts.get(key, 0) + n
        self.bridges = counts
