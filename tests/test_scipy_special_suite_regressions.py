"""Points where gpuad.scipy.special and gpuad.scipy.stats were wrong against SciPy's own test
points (tests/conformance/test_scipy_special_suite.py): each case fails on the old code.
References are SciPy's values, exact identities or high-order central differences of
SciPy's functions, never numbers copied from gpuad."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special as ss
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.scipy.special as sps


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def grad1(f, x):
    """df/dx at each element of the float64 array ``x``."""
    return host(ad.grad(lambda v: f(v).sum())(dev(np.asarray(x, dtype=np.float64))))


def fd5(f, x, h):
    """The five-point central difference of the NumPy function ``f`` (error O(h^4))."""
    return (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h)


def test_rgamma_derivative_at_the_poles_of_gamma(backend):
    # d/dx 1/gamma(x) at x = -n is (-1)^n n!; the old rule gave 0 * digamma(-n) = nan
    n = np.arange(5)
    got = grad1(sps.rgamma, -n.astype(float))
    want = np.array([(-1.0) ** k * math.factorial(k) for k in n])
    np.testing.assert_allclose(got, want, rtol=1e-13)
    x = np.array([-2.0, 0.0, 1.5])
    h = 1e-3  # second derivative, at the poles too
    fd2 = (ss.rgamma(x + h) - 2 * ss.rgamma(x) + ss.rgamma(x - h)) / (h * h)
    np.testing.assert_allclose(grad1(lambda v: ad.grad(lambda u: sps.rgamma(u).sum())(v), x),
                               fd2, rtol=1e-5)


def test_erfcx_derivative_for_large_arguments(backend):
    # 2 x erfcx(x) - 2/sqrt(pi) cancelled: rel. error 2e-2 at 1e7, and 0 at 1e10
    x = np.array([10.0, 37.0, 1e3, 1e7, 1e10])
    np.testing.assert_allclose(grad1(sps.erfcx, x), fd5(ss.erfcx, x, x * 1e-3), rtol=1e-10)
    x = np.array([0.5, 9.99, 10.0, 12.0])  # on both sides of the switch, second order
    d2 = grad1(lambda v: ad.grad(lambda u: sps.erfcx(u).sum())(v), x)
    np.testing.assert_allclose(d2, 2 * ss.erfcx(x) + 2 * x * (2 * x * ss.erfcx(x)
                                                               - 2 / math.sqrt(math.pi)),
                               rtol=1e-9)


def test_log_ndtr_derivative_far_in_the_lower_tail(backend):
    # pdf/cdf lies in (-x, -x - 1/x) for x < 0 (Mills' ratio); the old rule took
    # exp(-x^2/2 - log ndtr(x)) and gave 1.78e8 at x = -1e8
    x = np.array([-1e8, -1e5, -40.0, -3.0])
    d = grad1(sps.log_ndtr, x)
    assert np.all(d >= -x * (1 - 1e-15)) and np.all(d <= (-x - 1 / x) * (1 + 1e-15)), d
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(grad1(sps.log_ndtr, x), fd5(ss.log_ndtr, x, 1e-3), rtol=1e-10)


def test_dawsn_derivative_for_large_arguments(backend):
    if backend == "cupy" and cupy_lacks("dawsn"):
        pytest.skip("the installed CuPy has no dawsn")
    # 1 - 2 x dawsn(x) cancelled: rel. error 2e-8 at 1e4, 2e-4 at 1e6
    x = np.array([-1e6, -10.0, 10.0, 31.0, 1e4, 1e6])
    np.testing.assert_allclose(grad1(sps.dawsn, x), fd5(ss.dawsn, x, np.abs(x) * 1e-3),
                               rtol=1e-10)


def test_boxcox_derivative_in_lambda_near_zero(backend):
    # the old rule differentiated log(x) at lmbda == 0 (0) and the quotient
    # expm1(lmbda L)/lmbda elsewhere (rel. error 3e-4 at lmbda = 1e-12)
    x = 3.0
    lam = np.array([0.0, 1e-12, -1e-6, 0.02, 0.5, -1.0])
    got = grad1(lambda v: sps.boxcox(x, v), lam)
    np.testing.assert_allclose(got, fd5(lambda v: ss.boxcox(x, v), lam, 1e-3), rtol=1e-8)
    np.testing.assert_allclose(got[0], math.log(x) ** 2 / 2, rtol=1e-15)
    got = grad1(lambda v: sps.boxcox1p(0.5, v), lam)
    np.testing.assert_allclose(got, fd5(lambda v: ss.boxcox1p(0.5, v), lam, 1e-3), rtol=1e-8)
    vals = host(sps.boxcox(dev(np.array([1e-5, 3.0, np.inf, 0.0])), 1e-13))
    np.testing.assert_allclose(vals, ss.boxcox([1e-5, 3.0, np.inf, 0.0], 1e-13), rtol=1e-14)


@pytest.mark.parametrize("fn", ["boxcox", "boxcox1p"])
def test_boxcox_keeps_float32(backend, fn):
    # a Python lmbda (or x) made the result float64 where SciPy's is float32
    x = np.array([0.5, 2.0], np.float32)
    for args in ((dev(x), 0.5), (1.5, dev(x))):
        out = host(getattr(sps, fn)(*args))
        want = getattr(ss, fn)(*[host(a) if not isinstance(a, float) else a for a in args])
        assert out.dtype == want.dtype == np.float32
        np.testing.assert_allclose(out, want, rtol=1e-6)
