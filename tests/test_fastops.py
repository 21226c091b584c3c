"""The inline recordings of gpuad/_fastops.py (``t[i]``, ``t[a:b]``, ``t.reshape``, a whole
``gnp.sum``, ``gnp.dot``) against the general path they stand for: the same value, step,
gradient, version behaviour and error text."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import _fastops
from gpuad.engine import Node
from gpuad.numpy import _more_names, _more_sig
from gpuad.tensor import Tensor


def _host(x):
    return np.asarray(x.numpy() if isinstance(x, Tensor) else ad.get_backend().to_host(x))


@pytest.fixture
def general(monkeypatch):
    """A function that runs ``f`` with every inline recording turned off (as when a rule's
    NumPy form is replaced): the general path."""
    def run(f, *args):
        with pytest.MonkeyPatch.context() as m:
            for mod, name in ((_fastops, "GETITEM_NP"), (_fastops, "RESHAPE_NP"),
                              (_more_sig, "_SUM_NP"), (_more_names, "_MATMUL_NP")):
                m.setattr(mod, name, object())
            return f(*args)
    return run


def _outcome(f, *inputs):
    """What ``f(*fresh leaves)`` gives: its value, its step and the leaves' gradients of
    ``sum(f(...) * w)``, or the error's type and text."""
    xs = [ad.tensor(a, requires_grad=True) for a in inputs]
    try:
        y = f(*xs)
    except Exception as e:  # noqa: BLE001  (the text is what is compared)
        return type(e), str(e)
    w = np.linspace(1.0, 2.0, int(np.prod(y.shape))).reshape(y.shape)
    n = y._node
    if n is None or n.rule is None:  # no step: an input itself
        return _host(y), _host(y).dtype, [y is x for x in xs], []
    step = (n.rule.name, n.params, n.shape, n.dtype, n.tan, n.rebuild, n.where, n.bat, n.bats,
            [None if s is None else tuple(_describe(v, xs, y) for v in s) for s in n.saved],
            [_describe(e, xs, y) for e in n.edges],
            y._base is not None, [y._ver is x._ver for x in xs], y._seen,
            None if y._view is None else [(r.name, p) for r, p in y._view])
    gnp.sum(y * w).backward()
    return _host(y), _host(y).dtype, step, [None if x.grad is None else _host(x.grad)
                                             for x in xs]


def _describe(v, xs, y):
    """A saved entry told by what it is: which input's data, version counter or node."""
    for i, x in enumerate(xs):
        if v is x._data or v is x._ver or (v is x._node and v is not None):
            return ("input", i, "data" if v is x._data else "ver" if v is x._ver else "node")
    if v is y._data or v is y._ver:
        return ("output", "data" if v is y._data else "ver")
    if isinstance(v, Node):  # an earlier step's node
        return ("step", v.name, v.shape)
    return repr(v)


def _same(a, b):
    if isinstance(a[0], type):  # an error
        assert a == b
        return
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1] and a[2] == b[2]
    for ga, gb in zip(a[3], b[3], strict=True):
        np.testing.assert_array_equal(ga, gb)


V = np.linspace(0.5, 5.0, 10)
M = np.arange(12.0).reshape(3, 4) / 7.0

CASES = [  # (f, inputs)
    (lambda t: t[3], [V]), (lambda t: t[-1], [V]), (lambda t: t[10], [V]),
    (lambda t: t[-11], [V]), (lambda t: t[2:7], [V]), (lambda t: t[::-3], [V]),
    (lambda t: t[::0], [V]), (lambda t: t[True], [V]), (lambda t: t[np.int64(4)], [V]),
    (lambda t: t[1], [M]), (lambda t: t[-2], [M]), (lambda t: t[1:], [M]),
    (lambda t: t[1:3][1], [M]), (lambda t: t.T[2], [M]), (lambda t: t[0], [M.astype(np.float32)]),
    (lambda t: t[1], [np.float64(2.0)]),
    (lambda t: t.reshape(2, 5), [V]), (lambda t: t.reshape((5, 2)), [V]),
    (lambda t: t.reshape([2, -1]), [V]), (lambda t: t.reshape(-1, 5), [V]),
    (lambda t: t.reshape(np.int64(10)), [V]), (lambda t: t.reshape(10), [V]),
    (lambda t: t.reshape(3, 4), [V]), (lambda t: t.reshape(-1, 3), [V]),
    (lambda t: t.reshape(2.0, 5), [V]), (lambda t: t.reshape(-2, -5), [V]),
    (lambda t: t.reshape(4, 3), [M]), (lambda t: t.T.reshape(12), [M]),
    (lambda t: t.T.reshape(2, 2, 3), [M]), (lambda t: t[1:].reshape(-1), [M]),
    (lambda t: t.reshape(-1, 0), [np.zeros(0)]), (lambda t: t.reshape(0, 5), [np.zeros(0)]),
    (lambda t: gnp.sum(t), [V]), (lambda t: gnp.sum(t), [M]),
    (lambda t: gnp.sum(t, keepdims=True), [M]), (lambda t: gnp.sum(t, keepdims=1), [M]),
    (lambda t: gnp.sum(t), [M.astype(np.float32)]), (lambda t: gnp.sum(t), [np.zeros(0)]),
    (lambda t: gnp.sum(t[1:]), [M]),
    (lambda t, u: gnp.dot(t, u), [V, V[::-1].copy()]), (lambda t, u: gnp.dot(t, u), [V, M]),
    (lambda t, u: gnp.dot(t, u), [M, V[:4]]), (lambda t, u: gnp.dot(t, u), [M, M.T.copy()]),
    (lambda t, u: gnp.dot(t, u), [M.T, M]), (lambda t, u: gnp.dot(t, u), [V, V[:3]]),
    (lambda t, u: gnp.dot(t, u), [M.astype(np.float32), V[:4]]),
    (lambda t: gnp.dot(t, t), [V]),
]


@pytest.mark.parametrize("k", range(len(CASES)))
def test_inline_steps_match_the_general_path(backend, general, k):
    f, inputs = CASES[k]
    _same(_outcome(f, *inputs), general(_outcome, f, *inputs))


def test_only_one_input_requires_grad_and_none_does(backend, general):
    a, b = ad.tensor(V, requires_grad=True), ad.tensor(V * 2.0)
    for f in (lambda: gnp.dot(a, b), lambda: gnp.dot(b, a), lambda: gnp.dot(b, b),
              lambda: b[2], lambda: b.reshape(5, 2), lambda: gnp.sum(b)):
        fast, slow = f(), general(f)
        assert fast.requires_grad == slow.requires_grad
        np.testing.assert_array_equal(_host(fast), _host(slow))
        if fast.requires_grad:
            assert [e is None for e in fast._node.edges] == \
                [e is None for e in slow._node.edges]
            gnp.sum(fast).backward()
            ga = _host(a.grad)
            a.grad = None
            gnp.sum(slow).backward()
            np.testing.assert_array_equal(ga, _host(a.grad))
            a.grad = None


def test_a_write_after_the_step_stops_backward_as_before(backend, general):
    def run():
        x = ad.tensor(M, requires_grad=True) * 1.0
        y = [x[1], x.reshape(4, 3), gnp.sum(x), gnp.dot(x, x.T)]
        with ad.no_grad():
            x[0, 0] = 5.0
        out = []
        for v in y:
            try:
                gnp.sum(v * v).backward(retain_graph=True)
                out.append(None)
            except ad.GradError as e:
                out.append(str(e))
        return out, [_host(v) for v in y]

    fast, slow = run(), general(run)
    assert fast[0] == slow[0] and fast[0][3] is not None
    for a, b in zip(fast[1], slow[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_steps_are_made_as_the_engine_makes_them(backend):
    x = ad.tensor(M, requires_grad=True)
    for y in (x[1], x.reshape(12), gnp.sum(x), gnp.dot(x, x.T)):
        n = y._node
        ref = Node(n.rule, n.edges, n.saved, n.params, n.shape, n.dtype, n.rebuild, n.tan)
        for s in Node.__slots__:
            if s not in ("seq", "__weakref__", "hooks"):  # hooks: set by register_hook only
                a, b = getattr(n, s), getattr(ref, s)
                assert a is b or (type(a) is type(b) and a == b), s


def test_shared_parameters_are_never_those_of_another_call(backend):
    _fastops.GETITEM_PARAMS.clear()  # (not full: nothing is dropped between the calls below)
    x = ad.tensor(V, requires_grad=True)
    y, z = x[3], x[4]
    assert y._node.params["index"] == (3,) and z._node.params["index"] == (4,)
    if ad.get_backend().name == "numpy":  # (the inline steps are the NumPy backend's)
        assert x[3]._node.params is y._node.params  # shared with an equal call
    w = ad.tensor(M, requires_grad=True)
    assert w[1]._node.params["shape"] == (3, 4) and y._node.params["shape"] == (10,)
    r = x.reshape(2, 5)
    assert w.reshape(2, 6)._node.params == {"newshape": (2, 6), "oldshape": (3, 4)}
    assert r._node.params == {"newshape": (2, 5), "oldshape": (10,)}


def test_no_grad_and_tracing_take_the_general_path(backend):
    x = ad.tensor(V, requires_grad=True)
    with ad.no_grad():
        for y in (x[3], x.reshape(2, 5), gnp.sum(x), gnp.dot(x, x)):
            assert not y.requires_grad and y._node is None
    f = ad.jit(ad.grad(lambda t: gnp.dot(t[1:4], t[2:5]) + gnp.sum(t.reshape(2, 5)[1])))
    g = ad.grad(lambda t: gnp.dot(t[1:4], t[2:5]) + gnp.sum(t.reshape(2, 5)[1]))
    np.testing.assert_allclose(_host(f(V)), _host(g(V)))
    np.testing.assert_allclose(_host(f(V + 1.0)), _host(g(V + 1.0)))


def test_a_full_parameter_cache_starts_again(backend, monkeypatch):
    monkeypatch.setattr(_fastops, "_CACHE_MAX", 2)
    monkeypatch.setattr(_fastops, "GETITEM_PARAMS", {})
    x = ad.tensor(V, requires_grad=True)
    ys = [x[i] for i in range(5)]
    assert len(_fastops.GETITEM_PARAMS) <= 2
    assert [y._node.params["index"] for y in ys] == [(i,) for i in range(5)]
    gnp.sum(gnp.stack(ys) * np.arange(5.0)).backward()
    np.testing.assert_array_equal(_host(x.grad), np.r_[np.arange(5.0), np.zeros(5)])
