"""gpuad.jit.maxflow: the maximum flow equals the minimum cut found by trying every subset of
nodes, the returned source side is a minimum cut, and the flow is a flow."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from gpuad.jit.maxflow import FlowGraph, min_cut


def _cut_value(edges, side):
    return sum(c for u, v, c in edges if u in side and v not in side)


def _brute_force(n, edges, s, t):
    best = math.inf
    others = [k for k in range(n) if k not in (s, t)]
    for r in range(len(others) + 1):
        for extra in itertools.combinations(others, r):
            best = min(best, _cut_value(edges, {s, *extra}))
    return best


def _random_graph(rng, n, p, inf_share):
    edges = []
    for u in range(n):
        for v in range(n):
            if u != v and rng.random() < p:
                c = math.inf if rng.random() < inf_share else float(rng.integers(0, 10))
                edges.append((u, v, c))
    return edges


@pytest.mark.parametrize("seed", range(40))
def test_max_flow_equals_brute_force_min_cut(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 8))
    edges = _random_graph(rng, n, float(rng.uniform(0.2, 0.7)), 0.15 if seed % 2 else 0.0)
    s, t = 0, n - 1
    want = _brute_force(n, edges, s, t)
    g = FlowGraph(n)
    ids = [g.add_edge(u, v, c) for u, v, c in edges]
    value = g.max_flow(s, t)
    assert value == want, (edges, value, want)
    side = g.source_side(s)
    assert s in side and t not in side or value == math.inf
    if value < math.inf:
        assert _cut_value(edges, side) == want
        # the flow respects capacities and is conserved at every inner node
        net = [0.0] * n
        for e, (u, v, c) in zip(ids, edges, strict=True):
            f = g.cap[e ^ 1]  # flow sent along e = residual capacity of its reverse
            assert -1e-9 <= f <= c + 1e-9
            net[u] -= f
            net[v] += f
        assert all(abs(net[k]) < 1e-9 for k in range(n) if k not in (s, t))
        assert abs(net[t] - value) < 1e-9


def test_known_graphs():
    # two disjoint paths with bottlenecks 2 and 3, a cross edge that adds 1
    edges = [(0, 1, 3.0), (0, 2, 2.0), (1, 3, 2.0), (2, 3, 3.0), (1, 2, 1.0)]
    value, side = min_cut(4, edges, 0, 3)
    assert value == 5.0 and _cut_value(edges, side) == 5.0
    # no path: zero flow, the source side is what the source reaches
    assert min_cut(3, [(0, 1, 4.0), (2, 1, 1.0)], 0, 2) == (0.0, {0, 1})
    # a path of uncuttable edges: infinite flow
    assert min_cut(3, [(0, 1, math.inf), (1, 2, math.inf)], 0, 2)[0] == math.inf
    # uncuttable edges force the cut elsewhere
    value, side = min_cut(4, [(0, 1, math.inf), (1, 2, 1.0), (1, 3, 7.0), (2, 3, math.inf)],
                          0, 3)
    assert value == 8.0 and side == {0, 1}


def test_fractional_capacities_and_errors():
    value, side = min_cut(3, [(0, 1, 0.25), (0, 2, 0.5), (1, 2, 1.5)], 0, 2)
    assert value == 0.75 and side == {0}
    g = FlowGraph(2)
    with pytest.raises(ValueError, match="negative"):
        g.add_edge(0, 1, -1.0)
    with pytest.raises(ValueError, match="same node"):
        g.max_flow(1, 1)
