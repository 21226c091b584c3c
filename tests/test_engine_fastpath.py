"""The engine's shortcuts make the same objects as the constructors they stand for."""

from __future__ import annotations

import numpy as np

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import engine
from gpuad.tensor import Tensor, _constant, _of_step


def _state(obj, slots):
    return {s: getattr(obj, s, "<unset>") for s in slots if s != "__weakref__"}


def _same(a, b, slots):
    sa, sb = _state(a, slots), _state(b, slots)
    assert sa.keys() == sb.keys()
    for k in sa:
        x, y = sa[k], sb[k]
        assert x is y or (type(x) is type(y) and x == y), (k, x, y)


def test_tensor_shortcuts_match_the_constructor():
    a = np.arange(3.0)
    node = object()
    ver = [0]
    _same(_of_step(a, node, ver), Tensor(a, _node=node, _ver=ver), Tensor.__slots__)
    _same(_constant(a), Tensor(a), Tensor.__slots__)


def test_recorded_node_matches_the_constructor(backend):
    x = ad.tensor(np.array([0.5, 1.5]), requires_grad=True)
    y = gnp.sin(x)
    n = y._node
    ref = engine.Node(n.rule, n.edges, n.saved, n.params, n.shape, n.dtype, n.rebuild, n.tan)
    slots = [s for s in engine.Node.__slots__ if s != "seq"]
    _same(n, ref, slots)
    assert isinstance(n.seq, int) and n.seq < ref.seq
