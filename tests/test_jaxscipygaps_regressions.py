"""Regressions found by porting JAX's SciPy tests (tests/conformance/test_jax_scipy_gaps.py)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.special as gs
import gpuad.scipy.stats as gst


def _h(t):
    t = t.data if isinstance(t, ad.Tensor) else t
    return np.asarray(t.get() if hasattr(t, "get") else t)


@pytest.mark.parametrize("dist", ["logistic", "expon", "gumbel_l", "gumbel_r", "cauchy", "laplace"])
def test_float32_logpdf_with_default_scale_stays_float32(backend, dist):
    # the default scale=1 went through gnp.log(1), a float64 array that promoted the result
    x = ad.tensor(np.array([0.25, 0.5, 2.0], np.float32))
    for method in ("logpdf", "pdf"):
        assert _h(getattr(getattr(gst, dist), method)(x)).dtype == np.float32, (dist, method)


def test_float32_truncnorm_and_uniform_logpdf_stay_float32(backend):
    x = ad.tensor(np.array([0.25, 0.5], np.float32))
    a, b = np.float32(-1), np.float32(1)
    assert _h(gst.truncnorm.logpdf(x, a, b)).dtype == np.float32
    assert _h(gst.uniform.logpdf(x)).dtype == np.float32


def test_bernoulli_ppf_keeps_float32(backend):
    # the 0.0/1.0 of the result were float64 whatever q and p were (JAX keeps float32)
    q = ad.tensor(np.array([0.2, 0.9], np.float32))
    out = gst.bernoulli.ppf(q, 0.3)
    assert _h(out).dtype == np.float32
    np.testing.assert_array_equal(_h(out), [0.0, 1.0])
    assert _h(gst.bernoulli.ppf(np.array([0.2, 0.9]), 0.3)).dtype == np.float64


@pytest.mark.parametrize("name", ["boxcox", "boxcox1p"])
def test_boxcox_float32_derivative_in_x_does_not_underflow(backend, name):
    # d/dx = base**(lmbda - 1) was computed as base**lmbda / base: 0 in float32 at
    # base = 1e-25, lmbda = 2 (and digits lost where base**lmbda is subnormal)
    base = np.array([1e-25, 1e-20, 1e-15], np.float32)
    x = base if name == "boxcox" else base - np.float32(1)
    if name == "boxcox1p":
        base = 1 + x  # exact for x in [-1, -0.5]
    lam = np.full(3, 2.0, np.float32)
    f = getattr(gs, name)
    g = ad.grad(lambda u: gnp.sum(f(u, ad.tensor(lam))))(ad.tensor(x))
    assert _h(g).dtype == np.float32
    np.testing.assert_allclose(_h(g), base.astype(np.float64), rtol=1e-5)
    v = f(ad.tensor(x), ad.tensor(lam))
    np.testing.assert_allclose(_h(v), -0.5, rtol=1e-6)


def test_exprel_and_inverse_boxcox_exist_with_exact_slopes(backend):
    # scipy.special's exprel, inv_boxcox and inv_boxcox1p were absent (AttributeError)
    from gpuad.testing import check_grads

    x = np.array([-3.0, -0.05, 0.0, 0.09, 0.5, 2.0])
    want = np.where(x == 0, 1.0, np.expm1(x) / np.where(x == 0, 1.0, x))
    np.testing.assert_allclose(_h(gs.exprel(x)), want, rtol=1e-14)
    # the slope at 0 is 1/2 (the quotient's would be 0/0), at an overflowed value inf
    assert float(ad.grad(gs.exprel)(0.0)) == 0.5
    with np.errstate(over="ignore"):
        assert np.isposinf(float(ad.grad(gs.exprel)(800.0)))
    check_grads(gs.exprel, (np.array([0.0, 0.05, 0.3, 2.0]),), order=2)
    y, lam = np.array([0.3, 1.0, 2.0]), np.array([0.0, 0.02, 0.7])
    ref = np.where(lam == 0, np.exp(y), (1 + lam * y) ** (1 / np.where(lam == 0, 1.0, lam)))
    np.testing.assert_allclose(_h(gs.inv_boxcox(y, lam)), ref, rtol=1e-14)
    np.testing.assert_allclose(_h(gs.inv_boxcox1p(y, lam)), ref - 1, rtol=1e-13)
    # d/dlmbda exp(log1p(l y) / l) at l = 0 is -exp(y) y^2 / 2 (the quotient has no digits)
    np.testing.assert_allclose(float(ad.grad(gs.inv_boxcox, 1)(2.0, 0.0)), -np.exp(2.0) * 2.0,
                               rtol=1e-14)
    check_grads(gs.inv_boxcox, (y, lam), order=2)
    check_grads(gs.inv_boxcox1p, (np.array([0.3, 1e-3, 2.0]), np.array([0.0, 0.02, -0.2])),
                order=2)
    # the inverse undoes boxcox
    xs = np.array([0.5, 1.5, 4.0])
    np.testing.assert_allclose(_h(gs.inv_boxcox(gs.boxcox(xs, 0.5), 0.5)), xs, rtol=1e-14)
