"""torch.special's orthogonal polynomials and airy_ai in gpuad.scipy.special: values against
scipy.special's (and the identities linking the Chebyshev kinds), torch's conventions for the
degree, derivatives in x against float64 central differences (first and second order, both
modes), and the error for a derivative in the degree. Values and derivatives against torch and
mpmath: tests/conformance/test_torch_special_polys.py."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as ss
from conftest import to_numpy

import gpuad as ad
import gpuad.scipy.special as sps
from gpuad.scipy import _airy
from gpuad.testing import check_grads

POLYS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
         "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
         "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
         "laguerre_polynomial_l", "legendre_polynomial_p"]


def _u(n, y):
    return np.where(n < 0, 0.0, ss.eval_chebyu(np.maximum(n, 0), y))


# each polynomial from SciPy: directly, or through V_n = U_n - U_{n-1}, W_n = U_n + U_{n-1}
REF = {
    "chebyshev_polynomial_t": lambda n, x: ss.eval_chebyt(n, x),
    "chebyshev_polynomial_u": lambda n, x: ss.eval_chebyu(n, x),
    "chebyshev_polynomial_v": lambda n, x: _u(n, x) - _u(n - 1, x),
    "chebyshev_polynomial_w": lambda n, x: _u(n, x) + _u(n - 1, x),
    "shifted_chebyshev_polynomial_t": lambda n, x: ss.eval_sh_chebyt(n, x),
    "shifted_chebyshev_polynomial_u": lambda n, x: ss.eval_sh_chebyu(n, x),
    "shifted_chebyshev_polynomial_v": lambda n, x: _u(n, 2 * x - 1) - _u(n - 1, 2 * x - 1),
    "shifted_chebyshev_polynomial_w": lambda n, x: _u(n, 2 * x - 1) + _u(n - 1, 2 * x - 1),
    "hermite_polynomial_h": lambda n, x: ss.eval_hermite(n, x),
    "hermite_polynomial_he": lambda n, x: ss.eval_hermitenorm(n, x),
    "laguerre_polynomial_l": lambda n, x: ss.eval_laguerre(n, x),
    "legendre_polynomial_p": lambda n, x: ss.eval_legendre(n, x),
}

X = np.array([-2.5, -1.0, -0.999, -0.6, 0.0, 0.2, 0.5, 0.97, 1.0, 1.3])
N = np.arange(0, 15)


@pytest.mark.parametrize("kind", POLYS)
def test_values_match_scipy(backend, kind):
    x, n = np.meshgrid(X, N)
    ours = to_numpy(getattr(sps, kind)(x, n))
    ref = REF[kind](n, x)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, ref, rtol=1e-11, atol=1e-11 * np.abs(ref).max())


@pytest.mark.parametrize("kind", POLYS)
def test_degree_as_torch_reads_it(backend, kind):
    """Truncated toward zero; negative, NaN and infinite degrees give 0; integer n too."""
    f = getattr(sps, kind)
    x = np.array([0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3])
    n = np.array([2.9, -0.5, -1.0, -7.0, np.nan, np.inf, -np.inf])
    out = to_numpy(f(x, n))
    np.testing.assert_allclose(out[:2], [REF[kind](2, 0.3), 1.0], rtol=1e-14)
    np.testing.assert_array_equal(out[2:], 0.0)
    np.testing.assert_allclose(to_numpy(f(x[:3], np.array([2, 0, 5]))),
                               [REF[kind](k, 0.3) for k in (2, 0, 5)], rtol=1e-13)


def test_hermite_above_degree_512_is_nan_as_torch(backend):
    out = to_numpy(sps.hermite_polynomial_he(np.array([0.5, 0.5]), np.array([40.0, 513.0])))
    np.testing.assert_allclose(out[0], ss.eval_hermitenorm(40, 0.5), rtol=1e-12)
    assert np.isnan(out[1])
    single = to_numpy(sps.hermite_polynomial_h(np.full(2, 0.1, np.float32),
                                               np.array([20, 129], np.float32)))
    assert single.dtype == np.float32 and np.isnan(single[1])
    np.testing.assert_allclose(single[0], ss.eval_hermite(20, np.float32(0.1)), rtol=1e-5)


@pytest.mark.parametrize("kind", POLYS)
def test_derivatives_in_x_match_finite_differences(backend, kind):
    """Mixed degrees (negative, small, above the trigonometric switch) at x inside and outside
    (-1, 1) and (for the shifted ones) (0, 1)."""
    n = np.array([-2.0, 0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 9.0, 12.0])
    x = np.array([0.31, -0.72, 0.93, 1.4, -1.2, 0.05, 0.64, -0.38, 0.81])
    check_grads(lambda u: getattr(sps, kind)(u, n), (x,), order=2, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["chebyshev_polynomial_t", "legendre_polynomial_p",
                                  "shifted_chebyshev_polynomial_w", "laguerre_polynomial_l"])
def test_derivative_at_the_ends_and_third_order(backend, kind):
    """At x = +-1 (0 and 1 for the shifted) and x = 0 torch's values are closed forms: the
    derivative is still the polynomial's, checked to the third order."""
    x = np.array([-1.0, 1.0, 0.0, 0.5])
    check_grads(lambda u: getattr(sps, kind)(u, 10.0), (x,), order=3, rtol=1e-5, atol=1e-5)


def test_derivative_of_t_is_n_times_u(backend):
    x = np.linspace(-1.5, 1.5, 13)
    g = ad.grad(lambda u: sps.chebyshev_polynomial_t(u, 11).sum())(x)
    np.testing.assert_allclose(to_numpy(g), 11 * ss.eval_chebyu(10, x), rtol=1e-11)


def test_scalar_and_broadcast_arguments(backend):
    out = sps.legendre_polynomial_p(0.5, np.array([[0.0], [2.0]]) + np.zeros(3))
    np.testing.assert_allclose(to_numpy(out), [[1.0] * 3, [-0.125] * 3])
    t = ad.tensor(np.array([0.1, 0.2]), requires_grad=True)
    sps.hermite_polynomial_h(t, 3).sum().backward()
    np.testing.assert_allclose(to_numpy(t.grad), 24 * np.array([0.1, 0.2]) ** 2 - 12)


def test_degree_derivative_raises_and_complex_is_refused(backend):
    with pytest.raises(ad.MissingRuleError, match="chebyshev_polynomial_u: cannot differentiate "
                                                  "with respect to n"):
        ad.grad(lambda n: sps.chebyshev_polynomial_u(0.3, n))(3.0)
    with pytest.raises(TypeError, match="laguerre_polynomial_l: x and n must be real"):
        sps.laguerre_polynomial_l(np.array([1 + 1j]), 2)


def test_airy_ai_values_and_derivatives(backend):
    x = np.array([-6.3, -2.0, -0.4, 0.0, 0.7, 3.1])
    tol = 1e-14 if backend == "numpy" else 1e-12  # CuPy: gpuad/scipy/_airy.py
    np.testing.assert_allclose(to_numpy(sps.airy_ai(x)), ss.airy(x)[0], rtol=tol)
    g = ad.grad(lambda u: sps.airy_ai(u).sum())(x)
    np.testing.assert_allclose(to_numpy(g), ss.airy(x)[1], rtol=tol)
    check_grads(sps.airy_ai, (x,), order=3 if backend == "numpy" else 1, rtol=1e-5, atol=1e-6)


def test_airy_without_scipy_matches_scipy():
    """The Airy functions from array operations (for CuPy, whose cupyx has no airy): relative
    to Ai, Ai' where x > 0 (they decay), to their envelopes |x|^(-1/4), |x|^(1/4) where x < 0."""
    x = np.concatenate([np.linspace(-40, 40, 4001), [0.0, -9.0, 9.0, 104.0, np.nan]])
    ai, aip = _airy.airy(np, x)
    want_ai, want_aip = ss.airy(x)[:2]
    scale = np.where(x > 0, np.abs(want_ai), (1 + np.abs(x)) ** -0.25) + 1e-280
    scale_p = np.where(x > 0, np.abs(want_aip), (1 + np.abs(x)) ** 0.25) + 1e-280
    assert np.all((np.abs(ai - want_ai) <= 3e-13 * scale)[:-1])
    assert np.all((np.abs(aip - want_aip) <= 3e-13 * scale_p)[:-1])
    assert np.isnan(ai[-1]) and np.isnan(aip[-1])
    assert _airy.airy(np, np.float32(1.5))[0].dtype == np.float32
