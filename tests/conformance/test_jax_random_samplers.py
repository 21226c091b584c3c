"""The derivative of gamma samples in their shape parameter (gpuad._gamma_grad), against a
high-precision reference (mpmath) and against JAX's own gradients of its gamma, beta and
dirichlet samplers at the same sample values.

gpuad's draws are not JAX's bits, so the comparisons feed JAX's samples to gpuad's formula:
a gamma sample's derivative depends only on (a, x), and JAX's beta and dirichlet normalise
its ``loggamma`` draws of the same keys (``split(key)`` for beta), which are public.

XLA compiles each of JAX's gamma samplers and their gradients for seconds of CPU: the default
run compares ``jax.lax.random_gamma_grad`` alone; GPUAD_JAX_RANDOM_ALL=1 also compares the
gradients of JAX's gamma, loggamma, beta and dirichlet draws (about 15 s more).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from scipy.special import gammaincinv

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import random as jr
from gpuad._gamma_grad import dlogx_da
from tests.conftest import to_numpy

A = np.array([0.05, 0.1, 0.3, 0.7, 1.0, 1.5, 3.0, 7.0, 15.0, 50.0])
RUN_ALL = os.environ.get("GPUAD_JAX_RANDOM_ALL") == "1"
ALL_ONLY = pytest.mark.skipif(
    not RUN_ALL, reason="XLA compiles JAX's samplers for seconds: set GPUAD_JAX_RANDOM_ALL=1"
)
FAST_COMPILE = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}
QUANTILES = np.array([1e-6, 1e-3, 0.05, 0.3, 0.5, 0.7, 0.95, 0.999, 1 - 1e-7])


def _grid():
    a, q = (v.ravel() for v in np.meshgrid(A, QUANTILES))
    x = gammaincinv(a, q)
    keep = x > 0  # (a = 0.05 at q = 1e-6 underflows)
    return a[keep], x[keep]


def _scattered():
    """Random (a, x) with a log-uniform in [0.01, 100], and points at the switch between the
    series and the continued fraction (log x = digamma(a + 1)), where each is at its slowest;
    (0.3, 0.9077...) once made the continued fraction wobble at its last digit for ever."""
    from scipy.special import digamma

    r = np.random.default_rng(1)
    a = np.exp(r.uniform(np.log(0.01), np.log(100), 40))
    x = gammaincinv(a, r.uniform(0, 1, 40))
    a2 = np.exp(r.uniform(np.log(0.01), np.log(100), 20))
    x2 = np.exp(digamma(a2 + 1)) * r.uniform(0.98, 1.02, 20)
    a, x = np.r_[a, a2, 0.3], np.r_[x, x2, 0.90767471]
    keep = x > 1e-300
    return a[keep], x[keep]


def test_gamma_shape_derivative_against_mpmath():
    """dx/da = -(dP/da) / p at x = the q-quantile of Gamma(a), a in [0.05, 50], q in
    [1e-6, 1 - 1e-7], and at scattered points: relative error below 1e-12 against mpmath at
    30 digits."""
    mp = pytest.importorskip("mpmath")
    a, x = (np.r_[u, v] for u, v in zip(_grid(), _scattered(), strict=True))
    got = x * dlogx_da(a, np.log(x))
    with mp.workdps(30):
        ref = []
        for ai, xi in zip(a, x, strict=True):
            am, xm = mp.mpf(ai), mp.mpf(xi)
            dp = mp.diff(lambda s, xm=xm: mp.gammainc(s, 0, xm, regularized=True), am)
            p = mp.exp((am - 1) * mp.log(xm) - xm - mp.loggamma(am))
            ref.append(float(-dp / p))
    ref = np.array(ref)
    err = np.abs(got - ref) / np.abs(ref)
    assert err.max() < 1e-12, (a[err.argmax()], x[err.argmax()], err.max())
    # far tails: a sample that underflows keeps its log-derivative, x = 0 gives dx/da = 0
    with mp.workdps(30):
        a0, lx = mp.mpf("0.001"), mp.mpf(-700)
        dp = mp.diff(lambda s: mp.gammainc(s, 0, mp.exp(lx), regularized=True), a0)
        ref_log = -dp / mp.exp((a0 - 1) * lx - mp.exp(lx) - mp.loggamma(a0) + lx)
    np.testing.assert_allclose(dlogx_da(0.001, -700.0), float(ref_log), rtol=1e-12)


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def test_gamma_shape_derivative_against_jax():
    """gpuad's formula equals ``jax.lax.random_gamma_grad`` on the quantile grid."""
    jax = _jax()
    a, x = _grid()
    mine = x * dlogx_da(a, np.log(x))
    fn = jax.jit(jax.lax.random_gamma_grad)
    try:  # XLA's cheaper compilation halves the test's time; the numbers are the same
        fn = fn.lower(a, x).compile(compiler_options=FAST_COMPILE)
    except Exception:  # a JAX without these options
        pass
    theirs = np.asarray(fn(a, x))
    np.testing.assert_allclose(mine, theirs, rtol=1e-12)


@ALL_ONLY
def test_gamma_draws_gradients_against_jax():
    """JAX's gradients of its own gamma and loggamma draws, at those draws."""
    jax = _jax()
    key = jax.random.key(0)
    draws = np.asarray(jax.random.gamma(key, A))
    grads = np.asarray(jax.grad(lambda a: jax.random.gamma(key, a).sum())(A))
    np.testing.assert_allclose(draws * dlogx_da(A, np.log(draws)), grads, rtol=1e-12)
    logs = np.asarray(jax.random.loggamma(key, A))
    log_grads = np.asarray(jax.grad(lambda a: jax.random.loggamma(key, a).sum())(A))
    np.testing.assert_allclose(dlogx_da(A, logs), log_grads, rtol=1e-10)


@ALL_ONLY
def test_beta_and_dirichlet_gradients_against_jax():
    """JAX's gradients of beta and dirichlet draws equal the chain through gpuad's gamma
    derivative at JAX's own loggamma draws; gpuad's beta and dirichlet are that same chain on
    gpuad's draws (checked on the draws' own values)."""
    jax = _jax()
    key = jax.random.key(1)
    a, b = np.array([0.2, 1.0, 4.0, 30.0]), np.array([0.5, 2.0, 0.1, 9.0])
    ka, kb = jax.random.split(key)
    la, lb = np.asarray(jax.random.loggamma(ka, a)), np.asarray(jax.random.loggamma(kb, b))
    x = np.asarray(jax.random.beta(key, a, b))
    np.testing.assert_allclose(x, 1 / (1 + np.exp(lb - la)), rtol=1e-12)
    ga, gb = jax.grad(lambda a, b: jax.random.beta(key, a, b).sum(), argnums=(0, 1))(a, b)
    s = 1 / (2 + 2 * np.cosh(la - lb))  # x (1 - x), without the cancellation where x ~ 1
    np.testing.assert_allclose(np.asarray(ga), s * dlogx_da(a, la), rtol=1e-9)
    np.testing.assert_allclose(np.asarray(gb), -s * dlogx_da(b, lb), rtol=1e-9)

    alpha = np.array([0.3, 1.0, 2.5])
    w = np.array([1.0, -2.0, 0.5])  # a direction: the plain sum of a dirichlet is constant
    logs = np.asarray(jax.random.loggamma(key, alpha, (2, 3)))
    d = np.asarray(jax.random.dirichlet(key, alpha, (2,)))
    np.testing.assert_allclose(d, np.exp(logs) / np.exp(logs).sum(-1, keepdims=True), rtol=1e-12)
    gj = jax.grad(lambda al: (jax.random.dirichlet(key, al, (2,)) @ w).sum())(alpha)
    # d(d_i)/d(log g_j) = d_i (delta_ij - d_j)
    dw = (d * (w - (d * w).sum(-1, keepdims=True))) * dlogx_da(alpha, logs)
    np.testing.assert_allclose(np.asarray(gj), dw.sum(0), rtol=1e-9)


def test_gpuad_beta_and_dirichlet_are_the_same_chain():
    """gpuad's beta and dirichlet gradients are the chain above through gpuad's own loggamma
    draws (the same keys as JAX uses: split(key) for beta, the key itself for dirichlet)."""
    k = jr.PRNGKey(2)
    a, b = np.array([0.2, 1.0, 4.0, 30.0]), np.array([0.5, 2.0, 0.1, 9.0])
    ka, kb = jr.split(k)
    la, lb = to_numpy(jr.loggamma(ka, a)), to_numpy(jr.loggamma(kb, b))
    x = to_numpy(jr.beta(k, a, b))
    np.testing.assert_allclose(x, 1 / (1 + np.exp(lb - la)), rtol=1e-12)
    ga, gb = ad.grad(lambda a, b: gnp.sum(jr.beta(k, a, b)), argnums=(0, 1))(a, b)
    s = 1 / (2 + 2 * np.cosh(la - lb))
    np.testing.assert_allclose(to_numpy(ga), s * dlogx_da(a, la), rtol=1e-10)
    np.testing.assert_allclose(to_numpy(gb), -s * dlogx_da(b, lb), rtol=1e-10)

    alpha, w = np.array([0.3, 1.0, 2.5]), np.array([1.0, -2.0, 0.5])
    logs = to_numpy(jr.loggamma(k, alpha, (2, 3)))
    d = to_numpy(jr.dirichlet(k, alpha, (2,)))
    g = ad.grad(lambda al: gnp.sum(jr.dirichlet(k, al, (2,)) @ w))(alpha)
    dw = (d * (w - (d * w).sum(-1, keepdims=True))) * dlogx_da(alpha, logs)
    np.testing.assert_allclose(to_numpy(g), dw.sum(0), rtol=1e-10)
