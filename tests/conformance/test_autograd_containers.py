"""HIPS autograd's container suites (``tests/test_dict.py``, ``test_list.py``,
``test_tuple.py``) on gpuad: gradients with respect to dicts, lists and tuples of arrays
(pytrees), gradients of gradients taken through them, functions returning containers, slicing
of Python lists, and a tuple rebuilt inside a nested ``grad``.

autograd wraps containers in boxes (``autograd.dict``, ``autograd.tuple``, its own
``isinstance``); gpuad passes the user's containers through unchanged, holding Tensors, so
Python's own ``dict``, ``tuple`` and ``isinstance`` are used here.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _np(a):
    if isinstance(a, ad.Tensor):
        a = a.data
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _inputs(kind):
    rs = np.random.RandomState(0)
    leaves = [rs.randn(5, 6), rs.randn(4, 3), rs.randn(2, 4)]
    if kind == "dict":
        return dict(zip(["item_1", "item_2", "item_X"], leaves, strict=True)), \
            ["item_1", "item_2", "item_X"]
    return (leaves if kind == "list" else tuple(leaves)), [0, 1, 2]


KINDS = ["dict", "list", "tuple"]


@pytest.mark.parametrize("kind", KINDS)
def test_getter(backend, kind):
    c, (k1, k2, kx) = _inputs(kind)

    def fun(c):
        return gnp.sum(c[k1]) + gnp.sum(c[k2]) + gnp.sum(c[k2])

    g = ad.grad(fun)(c)
    assert type(g) is type(c)
    np.testing.assert_array_equal(_np(g[k1]), np.ones((5, 6)))
    np.testing.assert_array_equal(_np(g[k2]), 2 * np.ones((4, 3)))
    np.testing.assert_array_equal(_np(g[kx]), np.zeros((2, 4)))


@pytest.mark.parametrize("kind", KINDS)
def test_grads(backend, kind):
    c, (k1, k2, _) = _inputs(kind)

    def fun(c):
        return gnp.sum(gnp.sin(c[k1])) + gnp.sum(gnp.cos(c[k2]))

    def d_fun(c):
        g = ad.grad(fun)(c)
        return gnp.sum(g[k1]) + gnp.sum(gnp.sin(g[k1])) + gnp.sum(gnp.sin(g[k2]))

    check_grads(fun, (c,), order=2)
    check_grads(d_fun, (c,), order=2)
    g = ad.grad(d_fun)(c)  # against the closed form: d/dx [cos x + sin(cos x)], d/dy sin(-sin y)
    np.testing.assert_allclose(_np(g[k1]), -np.sin(c[k1]) - np.cos(np.cos(c[k1])) *
                               np.sin(c[k1]), rtol=1e-12)
    np.testing.assert_allclose(_np(g[k2]), -np.cos(-np.sin(c[k2])) * np.cos(c[k2]),
                               rtol=1e-12)


def _loop_fun(d):
    A = 0.0
    B = 0.0
    for i, (_, v) in enumerate(sorted(d.items(), key=operator.itemgetter(0))):
        A = A + gnp.sum(gnp.sin(v)) * (i + 1.0)
        B = B + gnp.sum(gnp.cos(v))
    for v in d.values():
        A = A + gnp.sum(gnp.sin(v))
    for k in sorted(d.keys()):
        A = A + gnp.sum(gnp.cos(d[k]))
    return A + B


def _iter_fun(d):
    A = 0.0
    B = 0.0
    for i, k in enumerate(sorted(d)):
        A = A + gnp.sum(gnp.sin(d[k])) * (i + 1.0)
        B = B + gnp.sum(gnp.cos(d[k]))
    return A + B


@pytest.mark.parametrize("fun", [_iter_fun, _loop_fun], ids=["iter", "items_values_keys"])
def test_dict_iteration(backend, fun):
    d, _ = _inputs("dict")

    def d_fun(d):
        g = ad.grad(fun)(d)
        return gnp.sum(g["item_1"]) + gnp.sum(gnp.sin(g["item_1"])) + \
            gnp.sum(gnp.sin(g["item_2"]))

    check_grads(fun, (d,), order=2)
    check_grads(d_fun, (d,), order=1)
    g = ad.grad(fun)(d)
    extra = 1.0 if fun is _loop_fun else 0.0
    for i, k in enumerate(sorted(d)):
        x = d[k]
        expected = (i + 1.0 + extra) * np.cos(x) - (1.0 + extra) * np.sin(x)
        np.testing.assert_allclose(_np(g[k]), expected, rtol=1e-12)


@pytest.mark.parametrize("d", [{"item_1": 3.0}, {"item_2": 4.0}, {}])
def test_dict_get(backend, d):
    def fun(d, x):
        return d.get("item_1", x) ** 2

    check_grads(fun, (d, 2.0), order=2)
    gd, gx = ad.grad(fun, argnums=(0, 1))(d, 2.0)
    assert sorted(gd) == sorted(d)
    if "item_1" in d:
        np.testing.assert_allclose(_np(gd["item_1"]), 6.0)
        np.testing.assert_allclose(_np(gx), 0.0)
    else:
        np.testing.assert_allclose(_np(gx), 4.0)
        for v in gd.values():
            np.testing.assert_allclose(_np(v), 0.0)


def test_make_dict(backend):
    """A function returning a dict: its vjp and jvp follow the dict's structure."""
    def fun(x):
        return dict([("a", x)], b=x * x)

    check_grads(fun, (1.5,), order=2)
    _, back = ad.vjp(fun, 1.5)
    np.testing.assert_allclose(_np(back({"a": 1.0, "b": 2.0})[0]), 1.0 + 2.0 * 3.0)
    out, t = ad.jvp(fun, (1.5,), (1.0,))
    assert sorted(out) == ["a", "b"]
    np.testing.assert_allclose(_np(t["b"]), 3.0)
    check_grads(lambda x: dict({"a": x}), (1.0,), order=2, modes=("rev",))
    assert dict() == {} and dict(()) == {} and dict({}) == {}


@pytest.mark.parametrize("kind", ["dict", "tuple"])
def test_isinstance(backend, kind):
    def fun(x):
        assert isinstance(x, dict if kind == "dict" else tuple)
        return x["x"] if kind == "dict" else x[0]

    arg = {"x": 1.0} if kind == "dict" else (1.0, 2.0, 3.0)
    fun(arg)
    g = ad.grad(fun)(arg)
    assert type(g) is type(arg)
    if kind == "dict":
        np.testing.assert_allclose(_np(g["x"]), 1.0)
    else:
        np.testing.assert_allclose([_np(v) for v in g], [1.0, 0.0, 0.0])


def test_list_slices(backend):
    def f(x):
        y = x[slice(None, -1, None)]
        return y[0]

    g = ad.grad(f)([1.0, 2.0, 3.0])
    assert isinstance(g, list) and len(g) == 3
    np.testing.assert_allclose([_np(v) for v in g], [1.0, 0.0, 0.0])

    def f2(x):
        y = x[1:3]
        return y[0]

    np.testing.assert_allclose([_np(v) for v in ad.grad(f2)([1.0, 2.0, 3.0])], [0.0, 1.0, 0.0])


def test_nested_list(backend):
    A = [[1.0], 2.0, 1.5]

    def fun(x):
        return x[1:][0]

    check_grads(fun, (A,), order=2)
    g = ad.grad(fun)(A)
    assert isinstance(g[0], list)
    np.testing.assert_allclose([_np(g[0][0]), _np(g[1]), _np(g[2])], [0.0, 1.0, 0.0])


def test_tuple_nested_higher_order(backend):
    def outer_fun(x):
        def inner_fun(y):
            return y[0] * y[1]

        return gnp.sum(gnp.sin(gnp.array(ad.grad(inner_fun)((x, x)))))

    # outer_fun(x) = 2 sin(x): the inner gradient is (x, x)
    np.testing.assert_allclose(_np(outer_fun(5.0)), 2 * np.sin(5.0), rtol=1e-13)
    check_grads(outer_fun, (5.0,), order=2)
    check_grads(ad.grad(outer_fun), (10.0,), order=2)
    check_grads(ad.grad(ad.grad(outer_fun)), (10.0,), order=1)
    np.testing.assert_allclose(_np(ad.grad(ad.grad(ad.grad(outer_fun)))(10.0)),
                               -2 * np.cos(10.0), rtol=1e-12)
