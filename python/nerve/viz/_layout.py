"""A layered (Sugiyama-style) drawing of a directed acyclic graph, top to bottom, for
plot_model: ranks by longest path from the sources, dummy points on edges that skip ranks (so
a skip connection bends around the boxes between instead of crossing them), the order within each
rank from barycenter sweeps that keep the ordering with the fewest crossings, and x positions
pulled towards the boxes each box connects to, within the order and without overlap."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field


@dataclass
class Layout:
    width: float
    height: float
    boxes: list  # per node: (left, top, width, height)
    edges: list  # per edge: [(x, y), ...] from the source's bottom to the target's top
    ranks: list = field(default_factory=list)  # per node: its rank (0 = top row)


def _ranks(n: int, edges: list) -> list:
    """Longest-path rank of each node, visiting nodes in a stable topological order (a node
    only on a cycle keeps the rank its other inputs give it)."""
    succ = [[] for _ in range(n)]
    indegree = [0] * n
    for s, t in edges:
        succ[s].append(t)
        indegree[t] += 1
    heap = [i for i in range(n) if indegree[i] == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        i = heapq.heappop(heap)
        order.append(i)
        for j in succ[i]:
            indegree[j] -= 1
            if indegree[j] == 0:
                heapq.heappush(heap, j)
    order += [i for i in range(n) if i not in set(order)]
    position = {v: k for k, v in enumerate(order)}
    rank = [0] * n
    for i in order:
        for j in succ[i]:
            if position[j] > position[i]:
                rank[j] = max(rank[j], rank[i] + 1)
    return rank


def _crossings(rows: list, down: dict) -> int:
    """Segment crossings between each pair of adjacent rows."""
    total = 0
    for r in range(len(rows) - 1):
        place = {v: k for k, v in enumerate(rows[r + 1])}
        segments = [(a, place[b]) for a, v in enumerate(rows[r]) for b in down[v]]
        for i, (a1, b1) in enumerate(segments):
            for a2, b2 in segments[i + 1 :]:
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total


def _order_rows(rows: list, up: dict, down: dict, sweeps: int = 8) -> list:
    def sweep(rows, neighbours, rng):
        rows = [list(r) for r in rows]
        for r in rng:
            ref = rows[r - 1] if neighbours is up else rows[r + 1]
            place = {v: k for k, v in enumerate(ref)}

            def barycenter(item, neighbours=neighbours, place=place):
                k, v = item
                linked = [place[u] for u in neighbours[v] if u in place]
                return sum(linked) / len(linked) if linked else k

            rows[r] = [v for _, v in sorted(enumerate(rows[r]), key=barycenter)]
        return rows

    best, best_crossings = rows, _crossings(rows, down)
    for _ in range(sweeps):
        rows = sweep(rows, up, range(1, len(rows)))
        rows = sweep(rows, down, range(len(rows) - 2, -1, -1))
        crossings = _crossings(rows, down)
        if crossings < best_crossings:
            best, best_crossings = rows, crossings
    return best


def _place_row(row: list, width: dict, desired: dict, x: dict, gap: float) -> None:
    """x centres for one row in its order, each as near its desired centre as the boxes'
    widths and the gap allow: the mean of a pass pushing right and a pass pushing left (both
    keep the boxes apart, so their mean does too), then shifted to the mean desired place."""
    if not row:
        return
    want = [desired.get(v, x[v]) for v in row]
    left, right = [], [0.0] * len(row)
    for k, v in enumerate(row):
        lo = left[-1] + (width[row[k - 1]] + width[v]) / 2 + gap if k else -float("inf")
        left.append(max(want[k], lo))
    for k in range(len(row) - 1, -1, -1):
        v = row[k]
        hi = right[k + 1] - (width[row[k + 1]] + width[v]) / 2 - gap if k + 1 < len(row) else None
        right[k] = want[k] if hi is None else min(want[k], hi)
    placed = [(a + b) / 2 for a, b in zip(left, right)]
    shift = sum(w - p for w, p in zip(want, placed)) / len(row)
    for v, p in zip(row, placed):
        x[v] = p + shift


def layered_layout(
    sizes: list, edges: list, hgap: float = 28, vgap: float = 44, margin: float = 16
) -> Layout:
    """sizes: (width, height) per node; edges: (source, target) index pairs."""
    n = len(sizes)
    edges = [(s, t) for s, t in edges if s != t]
    rank = _ranks(n, edges)
    width = {i: float(sizes[i][0]) for i in range(n)}
    height = {i: float(sizes[i][1]) for i in range(n)}
    node_rank = dict(enumerate(rank))
    chains = []  # per edge: [source, dummy..., target]
    up, down = {i: [] for i in range(n)}, {i: [] for i in range(n)}
    next_id = n
    for s, t in edges:
        chain = [s]
        lo, hi = (rank[s], rank[t]) if rank[t] > rank[s] else (rank[t], rank[s])
        for r in range(lo + 1, hi):  # a backward edge (only on a cycle) also gets dummies
            width[next_id], height[next_id], node_rank[next_id] = 6.0, 0.0, r
            up[next_id], down[next_id] = [], []
            chain.append(next_id)
            next_id += 1
        chain.append(t)
        if rank[t] < rank[s]:
            chain = [s] + chain[1:-1][::-1] + [t]
        for a, b in zip(chain, chain[1:]):
            top, bottom = (a, b) if node_rank[a] < node_rank[b] else (b, a)
            if node_rank[a] != node_rank[b]:
                down[top].append(bottom)
                up[bottom].append(top)
        chains.append(chain)

    n_ranks = max(node_rank.values(), default=-1) + 1
    rows = [[] for _ in range(n_ranks)]
    for v in sorted(node_rank):  # real nodes in their given order, then dummies
        rows[node_rank[v]].append(v)
    rows = _order_rows(rows, up, down)

    x = {}
    for row in rows:  # packed side by side, centred on 0
        total = sum(width[v] for v in row) + hgap * (len(row) - 1)
        cursor = -total / 2
        for v in row:
            x[v] = cursor + width[v] / 2
            cursor += width[v] + hgap

    def pull(rng, neighbours):
        for r in rng:
            desired = {
                v: sum(x[u] for u in neighbours[v]) / len(neighbours[v])
                for v in rows[r]
                if neighbours[v]
            }
            _place_row(rows[r], width, desired, x, hgap)

    for _ in range(3):
        pull(range(1, n_ranks), up)
        pull(range(n_ranks - 2, -1, -1), down)
    pull(range(1, n_ranks), up)

    row_height = [max([height[v] for v in row] + [0.0]) for row in rows]
    row_top, y = [], margin
    for h in row_height:
        row_top.append(y)
        y += h + vgap
    left_most = min((x[v] - width[v] / 2 for v in x), default=0.0)
    right_most = max((x[v] + width[v] / 2 for v in x), default=0.0)
    dx = margin - left_most
    boxes = [
        (x[i] + dx - width[i] / 2, row_top[node_rank[i]], width[i], height[i]) for i in range(n)
    ]

    def attach(node, others, side):
        """Points along the bottom (side=1) or top (side=0) of a box, one per edge, in the
        left-to-right order of the far ends, so converging edges do not cross at the box."""
        left, top, w, h = boxes[node]
        ordered = sorted(others, key=lambda k: x[others[k]])
        m = len(ordered)
        return {
            k: (left + w * (j + 1) / (m + 1), top + (h if side else 0.0))
            for j, k in enumerate(ordered)
        }

    outgoing, incoming = {}, {}
    for k, chain in enumerate(chains):
        outgoing.setdefault(chain[0], {})[k] = chain[1]
        incoming.setdefault(chain[-1], {})[k] = chain[-2]
    starts, ends = {}, {}
    for node, others in outgoing.items():
        starts.update(attach(node, others, 1))
    for node, others in incoming.items():
        ends.update(attach(node, others, 0))
    polylines = []
    for k, chain in enumerate(chains):
        points = [starts[k]]
        downward = node_rank[chain[-1]] > node_rank[chain[0]]
        for d in chain[1:-1]:
            top = row_top[node_rank[d]]
            band = [top, top + row_height[node_rank[d]]]
            for yy in band if downward else band[::-1]:
                points.append((x[d] + dx, yy))
        points.append(ends[k])
        polylines.append(points)
    return Layout(
        width=right_most - left_most + 2 * margin,
        height=y - vgap + margin,
        boxes=boxes,
        edges=polylines,
        ranks=list(rank),
    )
