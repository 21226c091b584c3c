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
    slots = [s for s in engine.Node.__slots__ if s not in ("seq", "hooks")]  # hooks: only set
    # on nodes that have some (Tensor.register_hook)
    _same(n, ref, slots)
    assert isinstance(n.seq, int) and n.seq < ref.seq


def _np_grad(t):
    return np.array(t.grad.numpy(), copy=True)


def test_grad_never_aliases_the_cotangent_or_another_grad(backend):
    x = ad.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = ad.tensor(np.array([4.0, 5.0, 6.0]), requires_grad=True)
    c = ad.get_backend().xp.asarray(np.array([0.5, -1.0, 2.0]))
    (x + y).backward(gradient=c)  # both adjoints are the cotangent itself
    gx, gy = x.grad.data, y.grad.data
    assert gx is not gy and gx is not c and gy is not c
    gx[...] = 7.0
    np.testing.assert_array_equal(y.grad.numpy(), [0.5, -1.0, 2.0])
    np.testing.assert_array_equal(ad.get_backend().to_host(c), [0.5, -1.0, 2.0])


def test_fresh_contributions_accumulate_exactly(backend):
    x0 = np.array([0.5, -1.5, 2.0])
    x = ad.tensor(x0, requires_grad=True)
    w = ad.tensor(np.array([3.0, 0.25, -2.0]), requires_grad=True)
    (gnp.sum(x * w) + gnp.sum(x * x) + gnp.sum(x + x * 3.0)).backward()
    np.testing.assert_array_equal(_np_grad(x), np.array([3.0, 0.25, -2.0]) + 2 * x0 + 4.0)
    np.testing.assert_array_equal(_np_grad(w), x0)
    gx = _np_grad(x)
    (gnp.sum(x * w)).backward()  # accumulates into the existing .grad
    np.testing.assert_array_equal(_np_grad(x), gx + np.array([3.0, 0.25, -2.0]))


def test_saved_values_survive_owned_accumulation(backend):
    # x's adjoint is accumulated in place; w's values (saved by x * w) must stay untouched,
    # so a second backward through the retained graph gives the same gradient
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = ad.tensor(np.array([3.0, 4.0]), requires_grad=True)
    loss = gnp.sum(x * w) + gnp.sum(x * x)
    loss.backward(retain_graph=True)
    first = _np_grad(x)
    x.grad = None
    loss.backward()
    np.testing.assert_array_equal(_np_grad(x), first)
    np.testing.assert_array_equal(w.numpy(), [3.0, 4.0])
