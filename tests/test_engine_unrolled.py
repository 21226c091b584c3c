"""engine.apply's unrolled one- and two-argument cases record the same step as its general
path, and Primitive.np_fn (the ufunc an op's forward only calls) stays in step with impl."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import engine
from gpuad.prims.core import RULES, Primitive, _direct_ufunc
from gpuad.tensor import Tensor


def _slot(s):
    """A saved slot with its arrays as values (the output is a fresh array per call)."""
    if s is None:
        return None
    return tuple(np.asarray(v).tolist() if isinstance(v, np.ndarray) else
                 (v[0] if type(v) is list else v) for v in s)


def _step(t):
    n = t._node
    return (n.rule.name, n.edges, [_slot(s) for s in n.saved], n.params, n.shape, n.dtype,
            n.tan, n.rebuild, t._data.tolist())


def _general(monkeypatch, f):
    # a trace hook sends every call down the general path
    monkeypatch.setattr(engine, "_trace", lambda *a: None)
    try:
        return f()
    finally:
        monkeypatch.setattr(engine, "_trace", None)


CASES = {
    "sin(x)": lambda x, y, c: gnp.sin(x),
    "x * y": lambda x, y, c: x * y,
    "x + 0.5": lambda x, y, c: x + 0.5,
    "2 * x": lambda x, y, c: 2 * x,
    "array / x": lambda x, y, c: np.array([1.0, 2.0]) / x,
    "x * const": lambda x, y, c: x * c,
    "const - x": lambda x, y, c: gnp.subtract(c, x),
    "power(x, 3)": lambda x, y, c: gnp.power(x, 3),
    "sum(x)": lambda x, y, c: gnp.sum(x),
    "x[1]": lambda x, y, c: x[1],
    "reshape": lambda x, y, c: x.reshape(2, 1),
    "dot": lambda x, y, c: gnp.dot(x, y),
}


@pytest.mark.parametrize("name", list(CASES))
def test_unrolled_records_the_general_step(monkeypatch, name):
    f = CASES[name]
    for fresh in (False, True):  # leaves whose node is made by this step, or made before
        x = ad.tensor(np.array([0.5, 1.5]), requires_grad=True)
        y = ad.tensor(np.array([2.0, -1.0]), requires_grad=True)
        c = ad.tensor(np.array([3.0, 4.0]))  # no grad
        if not fresh:
            gnp.sum(x * y).backward()
        fast = f(x, y, c)
        slow = _general(monkeypatch, lambda: f(x, y, c))  # noqa: B023
        assert isinstance(fast, Tensor) and fast.requires_grad
        assert _step(fast) == _step(slow)
        g = []
        for out in (fast, slow):
            x.grad = y.grad = None
            gnp.sum(out).backward()
            g.append((x.grad.numpy().tolist(), None if y.grad is None else y.grad.numpy().tolist()))
        assert g[0] == g[1]


def test_np_fn_gives_the_impls_result():
    rng = np.random.default_rng(0)
    found = 0
    for rule in RULES.values():
        if rule.np_fn is None:
            continue
        found += 1
        n = rule.impl.__code__.co_argcount - 1
        xs = [rng.uniform(0.2, 0.9, 4) for _ in range(n)]
        if rule.name == "ldexp":
            xs[1] = np.array([1, -2, 3, 0])
        if not any(t.startswith("d") for t in getattr(rule.np_fn, "types", ["d"])):
            xs = [rng.integers(1, 9, 4) for _ in range(n)]  # (integer-only: bitwise_and, gcd)
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(rule.np_fn(*xs), rule.impl(np, *xs), err_msg=rule.name)
    assert found >= 20  # sin, add, multiply, ...


def test_direct_ufunc_takes_only_the_plain_forms():
    k = 2.0
    assert _direct_ufunc(lambda xp, x: xp.sin(x)) is np.sin
    assert _direct_ufunc(lambda xp, a, b: xp.add(a, b)) is np.add
    assert _direct_ufunc(lambda xp, x: xp.sin(x) + 1) is None
    assert _direct_ufunc(lambda xp, x: xp.sum(x)) is None  # not a ufunc
    assert _direct_ufunc(lambda xp, x: xp.sin(k)) is None
    assert _direct_ufunc(lambda xp, x, y=1: xp.add(x, y)) is None
    assert _direct_ufunc(lambda xp, x: xp.sin(x * k)) is None
    assert _direct_ufunc(lambda xp, x, *, axis: xp.sin(x)) is None
    assert _direct_ufunc(lambda xp, *xs: xp.add(*xs)) is None
    assert _direct_ufunc(lambda xp, x: xp.not_a_numpy_name(x)) is None
    assert _direct_ufunc(np.sin) is None


def test_np_fn_follows_impl():
    p = Primitive("probe", impl=lambda xp, x: xp.sin(x))
    assert p.np_fn is np.sin
    p.impl = lambda xp, x: xp.cos(x)
    assert p.np_fn is np.cos
    real = p.impl
    p.impl = lambda xp, x: real(xp, x)  # e.g. a complex forward wrapped around it
    assert p.np_fn is None
