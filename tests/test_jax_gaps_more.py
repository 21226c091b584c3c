"""Where gpuad raised and JAX works: vmap of ``gnp.lexsort`` / ``gnp.isin``, ``linear_transpose``
of a function closing over a value batched by an enclosing vmap, and forward mode through a
``custom_vjp`` function whose output does not reach the result (JAX: under jit or linearize),
each against NumPy references or central differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(7)
A = R.integers(0, 3, size=(4, 6)).astype(np.float64)  # ties, so the second key matters
B = R.normal(size=(4, 6))
C = R.integers(0, 2, size=6).astype(np.float64)


def _loop(f, *args):
    return np.stack([np.asarray(f(*(a[i] for a in args))) for i in range(len(args[0]))])


@pytest.mark.parametrize("jit", [False, True])
def test_vmap_lexsort(backend, jit):
    wrap = (lambda g: ad.jit(g)) if jit else (lambda g: g)
    ref = _loop(lambda a, b: np.lexsort((b, a)), A, B)
    got = wrap(ad.vmap(lambda a, b: gnp.lexsort((b, a))))(A, B)
    np.testing.assert_array_equal(to_numpy(got), ref)
    # one key not batched
    got = wrap(ad.vmap(lambda b: gnp.lexsort((b, C))))(B)
    np.testing.assert_array_equal(to_numpy(got), _loop(lambda b: np.lexsort((b, C)), B))
    got = ad.vmap(lambda a: gnp.lexsort((C, a)), in_axes=1)(A.T)
    np.testing.assert_array_equal(to_numpy(got), _loop(lambda a: np.lexsort((C, a)), A))
    # keys stacked in one array batched along its last axis; 2-D keys along axis 0
    got = ad.vmap(gnp.lexsort, in_axes=2)(np.stack([B, A]).transpose(0, 2, 1))
    np.testing.assert_array_equal(to_numpy(got), ref)
    got = ad.vmap(gnp.lexsort)(B)  # a 1-D array: 0-d keys, index 0 as NumPy's
    np.testing.assert_array_equal(to_numpy(got), _loop(np.lexsort, B))
    a3, b3 = A.reshape(2, 2, 6), B.reshape(2, 2, 6)
    got = ad.vmap(lambda a, b: gnp.lexsort((b, a), axis=0))(a3, b3)
    np.testing.assert_array_equal(to_numpy(got), _loop(lambda a, b: np.lexsort((b, a), axis=0),
                                                       a3, b3))


@pytest.mark.parametrize("jit", [False, True])
def test_vmap_isin(backend, jit):
    wrap = (lambda g: ad.jit(g)) if jit else (lambda g: g)
    tests = np.array([0.0, 2.0])
    got = wrap(ad.vmap(lambda a: gnp.isin(a, tests)))(A)
    np.testing.assert_array_equal(to_numpy(got), np.isin(A, tests))
    got = wrap(ad.vmap(lambda a, t: gnp.isin(a, t, invert=True)))(A, A[:, :2])
    np.testing.assert_array_equal(to_numpy(got),
                                  _loop(lambda a, t: np.isin(a, t, invert=True), A, A[:, :2]))
    got = ad.vmap(lambda t: gnp.isin(C, t), in_axes=1)(A[:, :3].T)
    np.testing.assert_array_equal(to_numpy(got), _loop(lambda t: np.isin(C, t), A[:, :3]))
    t2 = A[:, :4].reshape(4, 2, 2)  # a 2-D test array per example
    got = ad.vmap(lambda a, t: gnp.isin(a, t))(A, t2)
    np.testing.assert_array_equal(to_numpy(got), _loop(np.isin, A, t2))


def test_linear_transpose_closing_over_vmapped_value(backend):
    cs, ct = np.array([1.0, -2.0, 3.5]), np.array([1.0, 2.0, 4.0])
    cts = R.normal(size=(3, 3))

    def per(c, t):
        return ad.linear_transpose(lambda x: c * x[::-1] + gnp.sum(x), np.zeros(3))(t)[0]

    ref = np.stack([cs[i] * cts[i][::-1] + cts[i].sum() for i in range(3)])
    np.testing.assert_allclose(to_numpy(ad.vmap(per)(cs, cts)), ref, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(ad.jit(ad.vmap(per))(cs, cts)), ref, rtol=1e-12)
    got = ad.vmap(lambda c: ad.linear_transpose(lambda x: c * x, np.zeros(3))(ct)[0])(cs)
    np.testing.assert_allclose(to_numpy(got), cs[:, None] * ct, rtol=1e-12)
    # still refused when not linear
    with pytest.raises(ad.NonLinearError, match="multiply"):
        ad.vmap(lambda c: ad.linear_transpose(lambda x: c * x * x, np.zeros(3))(ct))(cs)


def _softplus():
    f = ad.custom_vjp(lambda x: gnp.log1p(gnp.exp(x)))
    f.defvjp(lambda x: (f(x), x), lambda x, g: (g / (1.0 + gnp.exp(-x)),))
    return f


def _unused(f):
    def h(x):
        y = f(x)
        z = y * 3.0 + gnp.sin(x)  # computed, never used
        del z
        return gnp.sin(x) * 2.0 + gnp.sum(gnp.zeros_like(y)) + (y > 0.5)
    return h


def test_forward_mode_through_unused_custom_vjp(backend):
    h = _unused(_softplus())
    x, v = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])
    eps = 1e-6
    fd = (to_numpy(h(x + eps * v)) - to_numpy(h(x - eps * v))) / (2 * eps)
    y, t = ad.jvp(h, (x,), (v,))
    np.testing.assert_allclose(to_numpy(y), to_numpy(h(x)), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(t), fd, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(to_numpy(ad.linearize(h, x)[1](v)), fd, rtol=1e-7, atol=1e-9)
    jac = np.diag(2 * np.cos(x))
    np.testing.assert_allclose(to_numpy(ad.jacfwd(h)(x)), jac, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(ad.jit(ad.jacfwd(h))(x)), jac, rtol=1e-12)
    # the custom_vjp's own reverse rule is untouched
    g = to_numpy(ad.grad(lambda x: gnp.sum(_softplus()(x)))(x))
    np.testing.assert_allclose(g, 1 / (1 + np.exp(-x)), rtol=1e-12)


def test_forward_mode_through_used_custom_vjp_raises(backend):
    f = _softplus()
    x, v = np.array([0.3, -1.2]), np.ones(2)
    used = lambda x: f(x)[0] * 2.0 + x  # noqa: E731
    for run in (lambda: ad.jvp(used, (x,), (v,)), lambda: ad.jacfwd(used)(x),
                lambda: ad.linearize(used, x)[1](v), lambda: ad.jit(ad.jacfwd(used))(x),
                lambda: ad.jvp(f, (x,), (v,))):
        with pytest.raises(ad.GradError, match="custom_vjp <lambda>: forward mode"):
            run()
    # forward over reverse would lose the residuals' tangents: refused, not a wrong zero
    with pytest.raises(ad.GradError, match="custom_vjp <lambda>: forward mode"):
        ad.jacfwd(ad.grad(lambda x: gnp.sum(f(x))))(x)
