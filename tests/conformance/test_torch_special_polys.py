"""torch.special's orthogonal polynomials and airy_ai in gpuad.scipy.special: values against
torch over a grid of x (the ends of the intervals, |x| > 1, 0) and degrees (negative,
fractional, past torch's switch to trigonometric forms, large), and derivatives in x (first and
second order; torch does not differentiate these) against mpmath's."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
mpmath = pytest.importorskip("mpmath")

import gpuad as ad  # noqa: E402
import gpuad.scipy.special as sps  # noqa: E402

POLYS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
         "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
         "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
         "laguerre_polynomial_l", "legendre_polynomial_p"]

XS = np.concatenate([np.linspace(-3, 3, 61), [-1.0, 1.0, 0.0, 0.5, 1e-300, np.inf, -np.inf,
                                              1 - 1e-16, -1 + 1e-16, 2.5, -7.3, 40.0]])
NS = np.array([-5, -1, -0.5, 0, 0.7, 1, 1.9, 2, 3, 5, 6, 7, 8, 9, 10, 15, 30, 100, 511, 512,
               513, 1000, np.inf, -np.inf, np.nan, 1e300, -1e300])


@pytest.mark.parametrize("kind", POLYS)
def test_values_match_torch(kind):
    x, n = np.meshgrid(XS, NS)
    want = getattr(torch.special, kind)(torch.from_numpy(x), torch.from_numpy(n)).numpy()
    got = np.asarray(getattr(sps, kind)(x, n))
    fin = np.isfinite(want)
    np.testing.assert_array_equal(np.isfinite(got), fin)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-11,
                               atol=1e-11 * np.maximum(1, np.abs(want[fin])).max())


def _mp_poly(kind, n, x):
    """The polynomial as mpmath defines it (V and W through U: V_n = U_n - U_{n-1},
    W_n = U_n + U_{n-1}); ``zeroprec`` lets mpmath return the exact zeros of its
    hypergeometric sums."""
    y = 2 * x - 1 if kind.startswith("shifted") else x
    letter = kind[-1]
    z = {"zeroprec": 400}
    if kind.startswith("hermite"):
        return (mpmath.hermite(n, x, **z) if letter == "h"
                else mpmath.hermite(n, x / mpmath.sqrt(2), **z) / mpmath.mpf(2) ** (n / 2))
    if kind.startswith("laguerre"):
        return mpmath.laguerre(n, 0, x, **z)
    if kind.startswith("legendre"):
        return mpmath.legendre(n, x, **z)
    if letter == "t":
        return mpmath.chebyt(n, y, **z)
    um = mpmath.chebyu(n - 1, y, **z) if n > 0 else 0
    return {"u": mpmath.chebyu(n, y, **z), "v": mpmath.chebyu(n, y, **z) - um,
            "w": mpmath.chebyu(n, y, **z) + um}[letter]


@pytest.mark.parametrize("kind", POLYS)
def test_derivatives_match_mpmath(kind):
    mpmath.mp.dps = 40
    x = np.array([-1.7, -1.0, -0.83, -0.2, 0.0, 0.31, 0.5, 0.9, 1.0, 2.2])
    for n in (0, 1, 2, 3, 7, 9, 12, 25):
        g1 = np.asarray(ad.grad(lambda u, n=n: getattr(sps, kind)(u, n).sum())(x))
        g2 = np.asarray(ad.grad(lambda u, n=n: ad.grad(
            lambda v: getattr(sps, kind)(v, n).sum())(u).sum())(x))
        for d, got in ((1, g1), (2, g2)):
            want = np.array([float(mpmath.diff(lambda t: _mp_poly(kind, n, t), mpmath.mpf(v), d))
                             for v in x])
            np.testing.assert_allclose(got, want, rtol=1e-10,
                                       atol=1e-11 * max(1.0, np.abs(want).max()),
                                       err_msg=f"{kind} n={n} order {d}")


def test_airy_ai_values_and_derivatives_match_mpmath():
    mpmath.mp.dps = 30
    x = np.array([-8.3, -5.0, -2.2, -0.4, 0.0, 0.6, 2.09, 2.2, 5.0, 7.3])
    ai = np.asarray(sps.airy_ai(x))
    g1 = np.asarray(ad.grad(lambda u: sps.airy_ai(u).sum())(x))
    g2 = np.asarray(ad.grad(lambda u: ad.grad(lambda v: sps.airy_ai(v).sum())(u).sum())(x))
    for d, got in ((0, ai), (1, g1), (2, g2)):
        want = np.array([float(mpmath.airyai(v, derivative=d)) for v in x])
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15, err_msg=f"order {d}")
    # torch's own values are off by up to 3e-6 (near x = -2.09, where its method changes)
    np.testing.assert_allclose(torch.special.airy_ai(torch.from_numpy(x)).numpy(), ai,
                               atol=5e-6)


@pytest.mark.parametrize("kind", POLYS)
def test_float32_values_match_torch(kind):
    """In float32 both compute in float32 (the same recurrences and closed forms)."""
    x, n = np.meshgrid(np.linspace(-1.5, 1.5, 31, dtype=np.float32),
                       np.arange(-2, 14, dtype=np.float32))
    want = getattr(torch.special, kind)(torch.from_numpy(x), torch.from_numpy(n)).numpy()
    got = np.asarray(getattr(sps, kind)(x, n))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())
