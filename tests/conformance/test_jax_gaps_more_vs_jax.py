"""JAX as the reference where gpuad used to raise: vmap of ``lexsort`` / ``isin`` (plain, with
in_axes, under jit), ``linear_transpose`` closing over a vmapped value, and forward mode through
a ``custom_vjp`` whose output does not reach the result (and JAX's refusal when it does)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from tests.conftest import to_numpy

R = np.random.default_rng(11)
A = R.integers(0, 3, size=(5, 7)).astype(np.float64)
B = R.normal(size=(5, 7))
C = R.integers(0, 2, size=7).astype(np.float64)


@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax")
    x64 = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", x64)


def _same(ours, theirs, **kw):
    np.testing.assert_allclose(to_numpy(ours), np.asarray(theirs), **kw)


def test_vmap_lexsort_isin_as_jax(backend, jax):
    jnp = jax.numpy
    cases = [
        (lambda np_, a, b: np_.lexsort((b, a)), (A, B), 0),
        (lambda np_, b: np_.lexsort((b, C)), (B,), 0),
        (lambda np_, a: np_.lexsort((C, a)), (A.T,), 1),
        (lambda np_, a, b: np_.lexsort((b, a)), (A, B.T), (0, 1)),
        (lambda np_, b: np_.lexsort(b), (B,), 0),
        (lambda np_, k: np_.lexsort(k), (np.stack([B, A]),), 2),
        (lambda np_, a: np_.isin(a, np.array([0.0, 2.0])), (A,), 0),
        (lambda np_, a, t: np_.isin(a, t, invert=True), (A, A[:, :3]), 0),
        (lambda np_, t: np_.isin(C, t), (A[:, :3].T,), 1),
        (lambda np_, a, t: np_.isin(a, t), (A.T, B[0, :4]), (1, None)),
    ]
    for f, args, axes in cases:
        want = jax.vmap(lambda *a, f=f: f(jnp, *a), in_axes=axes)(*args)
        ours = ad.vmap(lambda *a, f=f: f(gnp, *a), in_axes=axes)
        _same(ours(*args), want)
        _same(ad.jit(ours)(*args), want)


def test_linear_transpose_in_vmap_as_jax(backend, jax):
    jnp = jax.numpy
    cs, cts = R.normal(size=4), R.normal(size=(4, 3))

    def per(np_, lt, c, t):
        return lt(lambda x: c * x[::-1] + np_.sum(x) * c ** 2, np.zeros(3))(t)[0]

    want = jax.vmap(lambda c, t: per(jnp, jax.linear_transpose, c, t))(cs, cts)
    ours = ad.vmap(lambda c, t: per(gnp, ad.linear_transpose, c, t))
    _same(ours(cs, cts), want, rtol=1e-12)
    _same(ad.jit(ours)(cs, cts), want, rtol=1e-12)
    ct = cts[0]
    want = jax.vmap(lambda c: jax.linear_transpose(lambda x: c * x, np.zeros(3))(ct)[0])(cs)
    got = ad.vmap(lambda c: ad.linear_transpose(lambda x: c * x, np.zeros(3))(ct)[0])(cs)
    _same(got, want, rtol=1e-12)


def _custom(cv):
    def fwd(x):
        return cv_f(x), x

    cv_f = cv(lambda x: x ** 3)
    cv_f.defvjp(fwd, lambda x, g: (3 * x ** 2 * g,))
    return cv_f


def _h(np_, f):
    def h(x):
        y = f(x)
        z = y * 3.0 + np_.sin(x)  # never reaches the result
        del z
        return np_.sin(x) * np_.cos(x) + np_.sum(np_.zeros_like(y))
    return h


def test_forward_mode_through_unused_custom_vjp_as_jax(backend, jax):
    # JAX succeeds where it traces first (jit, linearize: the dead custom_vjp call is dropped);
    # its eager jvp and its jacfwd raise at the call. gpuad succeeds in all.
    hj, ho = _h(jax.numpy, _custom(jax.custom_vjp)), _h(gnp, _custom(ad.custom_vjp))
    x, v = R.normal(size=3), R.normal(size=3)
    jvp_j = jax.jit(lambda x, v: jax.jvp(hj, (x,), (v,)))
    yj, tj = jvp_j(x, v)
    yo, to = ad.jvp(ho, (x,), (v,))
    _same(yo, yj, rtol=1e-12)
    _same(to, tj, rtol=1e-12)
    _same(ad.linearize(ho, x)[1](v), jax.linearize(hj, x)[1](v), rtol=1e-12)
    # (JAX's jacfwd, a vmap of jvp, raises here in every form: its columns one by one)
    jac = np.stack([np.asarray(jvp_j(x, e)[1]) for e in np.eye(3)], axis=-1)
    _same(ad.jacfwd(ho)(x), jac, rtol=1e-12)
    _same(ad.jit(ad.jacfwd(ho))(x), jac, rtol=1e-12)


def test_forward_mode_through_used_custom_vjp_refused_as_jax(backend, jax):
    fj, fo = _custom(jax.custom_vjp), _custom(ad.custom_vjp)
    x = R.normal(size=3)
    with pytest.raises(TypeError, match="forward-mode"):
        jax.jit(jax.jacfwd(lambda x: fj(x) * 2.0))(x)
    with pytest.raises(ad.GradError, match="custom_vjp <lambda>: forward mode"):
        ad.jacfwd(lambda x: fo(x) * 2.0)(x)
    with pytest.raises(ad.GradError, match="custom_vjp <lambda>: forward mode"):
        ad.jit(ad.jacfwd(lambda x: fo(x) * 2.0))(x)
