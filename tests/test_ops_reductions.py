"""Reductions: sum, mean, prod, max, min, var, std, cumsum, cumprod, logsumexp over int and
tuple axes with keepdims; values vs NumPy, gradients (first and second order, fwd and rev), 0-d,
empty and non-contiguous inputs; exact gradients with zeros, ties split evenly."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy
from op_harness import check_op

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads, numerical_grad


def _rng(seed=0):
    return np.random.default_rng(seed)



def _np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis) if axis is not None else r.reshape(())


def _logsumexp(m, x, axis=None, keepdims=False):
    if m is np:
        return _np_logsumexp(x, axis, keepdims)
    return gnp.logsumexp(x, axis=axis, keepdims=keepdims)


REDUCTIONS = [
    ("sum", lambda m, x, **k: m.sum(x, **k)),
    ("mean", lambda m, x, **k: m.mean(x, **k)),
    ("prod", lambda m, x, **k: m.prod(x, **k)),
    ("max", lambda m, x, **k: m.max(x, **k)),
    ("min", lambda m, x, **k: m.min(x, **k)),
    ("var", lambda m, x, **k: m.var(x, **k)),
    ("var_ddof1", lambda m, x, **k: m.var(x, ddof=1, **k)),
    ("std", lambda m, x, **k: m.std(x, **k)),
    ("logsumexp", _logsumexp),
]
AXES = [None, 0, 1, -1, (0, 2), (0, 1, 2), ()]
RED_IDS = [r[0] for r in REDUCTIONS]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name,fn", REDUCTIONS, ids=RED_IDS)
def test_reduction(backend, name, fn, axis, keepdims):
    if axis == () and name in ("std",):
        pytest.skip("std over no axes is sqrt(0): not differentiable")
    if axis == () and name == "var_ddof1":
        pytest.skip("ddof=1 over no axes divides by zero")
    x = _rng().uniform(0.5, 1.5, (2, 3, 2))
    check_op(lambda m, x: fn(m, x, axis=axis, keepdims=keepdims), [x])


@pytest.mark.parametrize("layout", ["strided", "transposed"])
@pytest.mark.parametrize("name,fn", REDUCTIONS, ids=RED_IDS)
def test_reduction_noncontiguous(backend, name, fn, layout):
    x = _rng(1).uniform(0.5, 1.5, (3, 4))
    check_op(lambda m, x: fn(m, x, axis=1), [x], layout=layout)
    check_op(lambda m, x: fn(m, x), [x], layout=layout)


@pytest.mark.parametrize("name,fn", [r for r in REDUCTIONS if r[0] not in ("var_ddof1", "std")],
                         ids=[n for n in RED_IDS if n not in ("var_ddof1", "std")])
def test_reduction_0d(backend, name, fn):
    check_op(lambda m, x: fn(m, x), [np.array(0.7)])


@pytest.mark.parametrize("name,fn", [r for r in REDUCTIONS if r[0] in ("sum", "prod")])
@pytest.mark.parametrize("shape,axis", [((0,), None), ((2, 0), 1), ((2, 0), 0), ((0, 3), (0, 1))],
                         ids=str)
def test_reduction_empty(backend, name, fn, shape, axis):
    x = np.zeros(shape)
    np.testing.assert_array_equal(to_numpy(fn(gnp, gnp.asarray(x), axis=axis)),
                                  fn(np, x, axis=axis))
    g = ad.grad(lambda x: gnp.sum(fn(gnp, x, axis=axis)))(gnp.asarray(x))
    assert to_numpy(g).shape == shape


CUMULATIVE = [("cumsum", lambda m, x, **k: m.cumsum(x, **k)),
              ("cumprod", lambda m, x, **k: m.cumprod(x, **k))]


@pytest.mark.parametrize("layout", ["contig", "strided", "transposed"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1], ids=str)
@pytest.mark.parametrize("name,fn", CUMULATIVE, ids=["cumsum", "cumprod"])
def test_cumulative(backend, name, fn, axis, layout):
    x = _rng(2).uniform(0.5, 1.5, (2, 3))
    check_op(lambda m, x: fn(m, x, axis=axis), [x], layout=layout)


@pytest.mark.parametrize("name,fn", CUMULATIVE, ids=["cumsum", "cumprod"])
def test_cumulative_0d_and_empty(backend, name, fn):
    check_op(lambda m, x: fn(m, x), [np.array(0.7)])
    for shape, axis in [((0,), None), ((0,), 0), ((2, 0), 1), ((0, 2), 1)]:
        x = np.zeros(shape)
        np.testing.assert_array_equal(to_numpy(fn(gnp, gnp.asarray(x), axis=axis)),
                                      fn(np, x, axis=axis))
        g = ad.grad(lambda x, axis=axis: gnp.sum(fn(gnp, x, axis=axis)))(gnp.asarray(x))
        assert to_numpy(g).shape == shape


# ---- exact gradients at zeros and ties --------------------------------------------------------


def _grad(f, x):
    return to_numpy(ad.grad(f)(gnp.asarray(np.asarray(x, dtype=float))))


def test_prod_with_zero_exact(backend):
    np.testing.assert_array_equal(_grad(gnp.prod, [2.0, 0.0, 3.0]), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(_grad(gnp.prod, [0.0, 5.0, 0.0]), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)], ids=str)
def test_prod_with_zeros_axes(backend, axis):
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.5, -2.0, 0.5]])
    w = _rng(3).standard_normal(np.shape(np.prod(x, axis=axis)))

    def f(x):
        return gnp.sum(gnp.prod(x, axis=axis) * w)

    np.testing.assert_allclose(_grad(f, x), numerical_grad(f, x), atol=1e-8)
    check_grads(lambda x: gnp.prod(x, axis=axis), [gnp.asarray(x)], order=2)


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 3.0, 0.0], [1.0, 2.0, 0.0, 0.0]],
                         ids=str)
def test_cumprod_with_zeros_exact(backend, x):
    x = np.array(x)
    w = np.array([1.0, -2.0, 0.5, 3.0])

    def f(x):
        return gnp.sum(gnp.cumprod(x) * w)

    expected = np.array([np.sum(w * np.cumprod(np.where(np.arange(4) == i, 1.0, x))
                                * (np.arange(4) >= i)) for i in range(4)])
    np.testing.assert_allclose(_grad(f, x), expected, atol=1e-12)
    check_grads(lambda x: gnp.cumprod(x), [gnp.asarray(x)], order=2)


def test_cumprod_with_zeros_2d(backend):
    x = np.array([[2.0, 0.0, 3.0], [0.0, 1.5, 2.0]])
    for axis in (0, 1):
        check_grads(lambda x, axis=axis: gnp.cumprod(x, axis=axis), [gnp.asarray(x)], order=2)


@pytest.mark.parametrize("op", ["max", "min"])
def test_extreme_ties_split(backend, op):
    f = getattr(gnp, op)
    x = [1.0, 3.0, 3.0] if op == "max" else [3.0, 1.0, 1.0]
    np.testing.assert_array_equal(_grad(f, x), [0.0, 0.5, 0.5])
    x2 = np.array([[1.0, 1.0, 0.0], [2.0, 5.0, 2.0]])
    if op == "min":
        x2 = -x2
    g = _grad(lambda x: gnp.sum(f(x, axis=1) * np.array([1.0, 2.0])), x2)
    np.testing.assert_array_equal(g, [[0.5, 0.5, 0.0], [0.0, 2.0, 0.0]])
    g = ad.jvp(lambda x: f(x, axis=1), (gnp.asarray(x2),), (gnp.ones_like(gnp.asarray(x2)),))[1]
    np.testing.assert_array_equal(to_numpy(g), [1.0, 1.0])


def test_logsumexp_stable(backend):
    x = np.array([1000.0, 1000.0, -np.inf])
    np.testing.assert_allclose(to_numpy(gnp.logsumexp(gnp.asarray(x))), 1000.0 + np.log(2.0))
    np.testing.assert_allclose(_grad(gnp.logsumexp, x), [0.5, 0.5, 0.0])



def test_logsumexp_of_a_row_with_one_finite_entry_does_not_warn(backend):
    """A causal mask's first row, [x, -inf, ...]: the terms below the maximum sum to 0, and
    the forward took log(0) of it in a discarded branch, a RuntimeWarning on every masked
    softmax (an error under -W error)."""
    import warnings

    from gpuad.nn import functional as F

    x = np.array([[1.5, -np.inf, -np.inf], [-np.inf, -np.inf, -np.inf], [0.0, 0.0, -40.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = to_numpy(gnp.logsumexp(gnp.asarray(x), axis=1))
        p = to_numpy(F.softmax(ad.tensor(gnp.asarray(x[:1])), dim=-1))
    np.testing.assert_array_equal(got[:2], [1.5, -np.inf])
    np.testing.assert_allclose(got[2], np.log(2.0) + np.log1p(np.exp(-40.0) / 2), rtol=1e-15)
    np.testing.assert_array_equal(p, [[1.0, 0.0, 0.0]])

def test_mean_of_python_numbers_and_lists_as_in_numpy():
    for v in (3, 2.5, True, [1, 2, 4], [[1.5], [2.0]], [True, False]):
        got = np.asarray(to_numpy(gnp.mean(v)))
        assert got.dtype == np.mean(v).dtype, v
        np.testing.assert_array_equal(got, np.mean(v))


def test_mean_of_an_empty_slice_is_nan_as_in_numpy(backend):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for shape, axis in (((0,), None), ((2, 0), 1), ((0, 3), 0)):
            a = np.zeros(shape)
            got = to_numpy(gnp.mean(ad.get_backend().asarray(a), axis=axis))
            np.testing.assert_array_equal(got, np.mean(a, axis=axis))
