"""Maximum flow and minimum s-t cut on small directed graphs (Dinic's algorithm).

Used by :mod:`gpuad.jit.remat` to choose which values a fused group saves. Capacities are
non-negative numbers, ``math.inf`` for an edge that may never be cut.

Example::

    g = FlowGraph(4)
    g.add_edge(0, 1, 3.0); g.add_edge(0, 2, 2.0)
    g.add_edge(1, 3, 2.0); g.add_edge(2, 3, 3.0); g.add_edge(1, 2, 1.0)
    g.max_flow(0, 3)        # 5.0
    g.source_side(0)        # {0, 1} or another side of a cut of capacity 5
"""

from __future__ import annotations

import math
from collections import deque


class FlowGraph:
    """A directed graph on nodes ``0 .. n-1`` with edge capacities, and its residual graph
    once :meth:`max_flow` has run."""

    def __init__(self, n: int, eps: float = 1e-9):
        self.n = n
        self.eps = eps  # residual capacities at or below eps count as saturated
        self.adj: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[float] = []  # residual capacity; edge e's reverse is e ^ 1

    def add_edge(self, u: int, v: int, cap: float) -> int:
        """Add the edge ``u -> v`` of capacity ``cap``; returns its index."""
        if cap < 0 or math.isnan(cap):
            raise ValueError(f"FlowGraph.add_edge: capacity {cap} of {u} -> {v} is negative")
        e = len(self.to)
        self.to += [v, u]
        self.cap += [float(cap), 0.0]
        self.adj[u].append(e)
        self.adj[v].append(e + 1)
        return e

    def _levels(self, s: int, t: int) -> list[int] | None:
        level = [-1] * self.n
        level[s] = 0
        q = deque([s])
        while q:
            u = q.popleft()
            for e in self.adj[u]:
                v = self.to[e]
                if level[v] < 0 and self.cap[e] > self.eps:
                    level[v] = level[u] + 1
                    q.append(v)
        return level if level[t] >= 0 else None

    def _augment(self, s: int, t: int, level: list[int], it: list[int]) -> float:
        """One augmenting path along increasing levels (an iterative depth-first search);
        returns the flow pushed, 0 when none is left in this level graph."""
        path: list[int] = []  # edges from s
        u = s
        while True:
            if u == t:
                f = min(self.cap[e] for e in path)
                if f == math.inf:
                    return math.inf
                for e in path:
                    self.cap[e] -= f
                    self.cap[e ^ 1] += f
                return f
            adj = self.adj[u]
            while it[u] < len(adj):
                e = adj[it[u]]
                v = self.to[e]
                if self.cap[e] > self.eps and level[v] == level[u] + 1:
                    path.append(e)
                    u = v
                    break
                it[u] += 1
            else:  # dead end: never enter u again in this phase, step back
                if not path:
                    return 0.0
                level[u] = -1
                e = path.pop()
                u = self.to[e ^ 1]
                it[u] += 1

    def max_flow(self, s: int, t: int) -> float:
        """The value of a maximum flow from ``s`` to ``t`` (``math.inf`` when a path of
        uncuttable edges joins them); the residual capacities are left for
        :meth:`source_side`."""
        if s == t:
            raise ValueError("FlowGraph.max_flow: source and sink are the same node")
        total = 0.0
        while True:
            level = self._levels(s, t)
            if level is None:
                return total
            it = [0] * self.n
            while True:
                f = self._augment(s, t, level, it)
                if f == math.inf:
                    return math.inf
                if f <= self.eps:
                    break
                total += f

    def source_side(self, s: int) -> set[int]:
        """The nodes reachable from ``s`` in the residual graph: after :meth:`max_flow`, the
        source side of a minimum cut (the smallest one)."""
        seen = {s}
        stack = [s]
        while stack:
            u = stack.pop()
            for e in self.adj[u]:
                v = self.to[e]
                if v not in seen and self.cap[e] > self.eps:
                    seen.add(v)
                    stack.append(v)
        return seen


def min_cut(n: int, edges, s: int, t: int) -> tuple[float, set[int]]:
    """``(capacity, source side)`` of a minimum ``s``-``t`` cut of the graph on nodes
    ``0 .. n-1`` with ``edges`` ``[(u, v, capacity), ...]``.

    Example: ``min_cut(3, [(0, 1, 2.0), (1, 2, 1.0)], 0, 2) == (1.0, {0, 1})``
    """
    g = FlowGraph(n)
    for u, v, c in edges:
        g.add_edge(u, v, c)
    value = g.max_flow(s, t)
    return value, g.source_side(s)
