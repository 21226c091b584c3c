"""``lax.reduce`` with several operands (argmax pairs, a running log-sum-exp) or a computation
that is no monoid, and ``lax.reduce_precision``, on every backend: against NumPy and the
NumPy backend, central differences, ``jit`` and ``vmap``. Comparisons with JAX are in
tests/conformance/test_jax_lax_reduce_precision.py."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.testing import check_grads

RNG = np.random.default_rng(13)
X = RNG.normal(size=(3, 7, 2))
X[1, 4] = X[1, 1]  # ties along axis 1: the lower index wins


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def pick(a, b):
    take = lax.gt(a[0], b[0]) | (lax.eq(a[0], b[0]) & lax.lt(a[1], b[1]))
    return lax.select(take, a[0], b[0]), lax.select(take, a[1], b[1])


def argmax_pair(x, axis):
    idx = lax.broadcasted_iota(np.int32, x.shape, axis)
    return lax.reduce((x, idx), (-np.inf, np.int32(0)), pick, (axis,))


def logsumexp_pair(x, w):
    def comb(a, b):
        m = lax.max(a[0], b[0])
        return m, a[1] * lax.exp(a[0] - m) + b[1] * lax.exp(b[0] - m)

    return lax.reduce((x, w), (-np.inf, 0.0), comb, (1,))


def test_argmax_pairs_are_numpys_argmax(backend):
    x = xp_(X)
    for axis in (0, 1, 2):
        vals, idx = argmax_pair(x, axis)
        assert to_numpy(idx).dtype == np.int32
        np.testing.assert_array_equal(to_numpy(idx), X.argmax(axis))
        np.testing.assert_array_equal(to_numpy(vals), X.max(axis))

    def both(a, b):
        return [lax.max(a[0], b[0]), a[1] + b[1]]

    out = lax.reduce([x, x * 2.0], [-np.inf, 0.0], both, (0, 1, 2))
    assert isinstance(out, list) and float(to_numpy(out[0])) == X.max()
    assert float(to_numpy(out[1])) == pytest.approx(2 * X.sum(), rel=1e-13)


def test_logsumexp_pair_values_and_gradients(backend):
    w = RNG.uniform(0.5, 2.0, size=X.shape)
    m, s = logsumexp_pair(xp_(X), xp_(w))
    want = np.log((w * np.exp(X)).sum(1))
    np.testing.assert_allclose(to_numpy(m) + np.log(to_numpy(s)), want, rtol=1e-13)

    def f(x, w):
        m, s = logsumexp_pair(x, w)
        return m + gnp.log(s)

    if backend == "numpy":
        check_grads(f, [X, w], order=2)
    got = ad.grad(lambda x, w: gnp.sum(f(x, w)), (0, 1))(xp_(X), xp_(w))
    soft = w * np.exp(X) / (w * np.exp(X)).sum(1, keepdims=True)
    np.testing.assert_allclose(to_numpy(got[0]), soft, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(got[1]), soft / w, rtol=1e-12)


def test_argmax_gradient_reaches_the_chosen_element(backend):
    g = ad.grad(lambda x: gnp.sum(argmax_pair(x, 1)[0] * 3.0))(xp_(X))
    want = np.zeros_like(X)
    np.put_along_axis(want, X.argmax(1)[:, None], 3.0, 1)
    np.testing.assert_array_equal(to_numpy(g), want)  # ties: the lower index only


def test_non_monoid_empty_axes_jit_and_vmap(backend):
    def lae(a, b):
        return lax.max(a, b) + lax.log1p(lax.exp(-lax.abs(a - b)))

    x = xp_(X)
    got = lax.reduce(x, -np.inf, lae, (1,))
    np.testing.assert_allclose(to_numpy(got), np.logaddexp.reduce(X, 1), rtol=1e-13)
    empty = lax.reduce((x[:, :0], x[:, :0]), (1.5, 2.5), lambda a, b: (a[0], b[1]), (1,))
    np.testing.assert_array_equal(to_numpy(empty[0]), np.full((3, 2), 1.5))
    jitted = ad.jit(lambda v: argmax_pair(v, 1))
    for v in (X, -X):
        np.testing.assert_array_equal(to_numpy(jitted(xp_(v))[1]), v.argmax(1))
    mapped = ad.vmap(lambda v: argmax_pair(v, 0)[1])(x)
    np.testing.assert_array_equal(to_numpy(mapped), X.argmax(1))


def test_reduce_errors_name_the_problem(backend):
    x = xp_(X)
    with pytest.raises(ValueError, match="structure"):
        lax.reduce((x, x), (0.0, 0.0), lambda a, b: a[0] + b[0], (0,))
    with pytest.raises(ValueError, match="structure"):
        lax.reduce((x, x), [0.0, 0.0], lambda a, b: a, (0,))
    with pytest.raises(ValueError, match="one shape"):
        lax.reduce((x, x[0]), (0.0, 0.0), lambda a, b: a, (0,))
    with pytest.raises(TypeError, match="same dtype"):
        lax.reduce((x, x), (0.0, np.int32(0)), lambda a, b: a, (0,))


def test_reduce_precision_is_numpys_rounding_in_range(backend):
    x = np.concatenate([RNG.normal(size=500) * 10.0 ** RNG.integers(-4, 4, 500), [7e4, -7e4]])
    x = x[np.abs(x) >= np.finfo(np.float16).tiny]  # below it XLA flushes to zero, NumPy not
    half = to_numpy(lax.reduce_precision(xp_(x), 5, 10))
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(half, x.astype(np.float16).astype(np.float64))
    single = to_numpy(lax.reduce_precision(xp_(x), 8, 23))
    np.testing.assert_array_equal(single, x.astype(np.float32).astype(np.float64))
    odd = np.array([1.2345, 1e-30, -1e-30, np.nan, -np.inf, 2.5 * 2.0**15])
    got = to_numpy(lax.reduce_precision(xp_(odd), 5, 2))
    np.testing.assert_array_equal(got, [1.25, 0.0, -0.0, np.nan, -np.inf, np.inf])
    assert np.signbit(got[2])
    single = lax.reduce_precision(xp_(odd.astype(np.float32)), 5, 2)
    assert to_numpy(single).dtype == np.float32


def test_reduce_precision_derivative_rounds_the_cotangent(backend):
    x = xp_(np.array([0.3, -1.7, 2.0]))
    c = np.array([1.2345, 3.3, 1e6])
    g = ad.grad(lambda v: gnp.sum(lax.reduce_precision(v, 5, 2) * xp_(c)))(x)
    np.testing.assert_array_equal(to_numpy(g), [1.25, 3.5, np.inf])
    t = ad.jvp(lambda v: lax.reduce_precision(v, 5, 2), (x,), (xp_(c),))[1]
    np.testing.assert_array_equal(to_numpy(t), [1.25, 3.5, np.inf])
    if backend == "numpy":
        check_grads(lambda v: lax.reduce_precision(v, 11, 52) * v, [np.array([0.3, -1.7])], order=2)
    jitted = ad.jit(lambda v: lax.reduce_precision(v, 8, 7))
    np.testing.assert_array_equal(to_numpy(jitted(x)), to_numpy(lax.reduce_precision(x, 8, 7)))
    batched = ad.vmap(lambda v: lax.reduce_precision(v, 5, 2))(xp_(np.full((2, 3), 1.2345)))
    np.testing.assert_array_equal(to_numpy(batched), np.full((2, 3), 1.25))
