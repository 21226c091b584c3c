"""Values and derivatives at IEEE special points (signed zeros, denormals, the largest finite
numbers, infinities, NaN) and at kinks, where an earlier rule gave a wrong answer. The expected
numbers are worked out by hand in each test; tests/conformance/test_special_points_vs_peers.py
sweeps every elementwise function against PyTorch and JAX at the same points."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.jax_nn as jnn
import gpuad.nn.functional as F
import gpuad.numpy as gnp
import gpuad.scipy.special as gs

DTYPES = [np.float64, np.float32]


def _den(dt):
    """A denormal: 1/x overflows."""
    return np.finfo(dt).tiny / 8


def _grad(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_numpy(ad.grad(lambda z: gnp.sum(f(z)))(ad.tensor(x)))


def _jvp(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = ad.tensor(np.ones_like(x))
        return to_numpy(ad.jvp(f, (ad.tensor(x),), (t,))[1])


def _val(f, *x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_numpy(f(*[ad.tensor(a) for a in x]))


@pytest.mark.parametrize("dt", DTYPES)
def test_pow_zero_exponent_has_zero_slope_everywhere(backend, dt):
    # x**0 is 1 for every x (NaN included); y * x**(y-1) is 0 * inf where 1/x overflows
    x = np.array([_den(dt), -_den(dt), np.nan, 0.0, -0.0, np.inf, 2.0], dtype=dt)
    zero = np.zeros_like(x)
    for f in (lambda z: z ** 0.0, lambda z: gnp.power(z, np.zeros_like(x)),
              lambda z: gnp.float_power(z, 0.0), lambda z: z.pow(0.0)):
        np.testing.assert_array_equal(_grad(f, x), zero)
        np.testing.assert_array_equal(_jvp(f, x), zero)


def test_pow_zero_exponent_keeps_mixed_second_derivative(backend):
    # d/dy d/dx x**y at y = 0 is 1/x; the mask at y == 0 must not cut it
    h = ad.grad(lambda y: ad.grad(lambda x: gnp.power(x, y))(ad.tensor(2.0)))(ad.tensor(0.0))
    assert float(to_numpy(h)) == 0.5
    # and the y-derivative at a denormal base with y == 0 is log(x), not NaN
    x = np.array([_den(np.float64)])
    dy = to_numpy(ad.jvp(lambda y: gnp.power(x, y), (ad.tensor(np.zeros(1)),),
                         (ad.tensor(np.ones(1)),))[1])
    np.testing.assert_allclose(dy, np.log(x), rtol=1e-12)


@pytest.mark.parametrize("dt", DTYPES)
def test_logaddexp2_slope_at_infinity(backend, dt):
    # d/dx log2(2**x + 2**y) = 1 at x = inf (finite y); exp((x - ans) ln 2) gave inf - inf
    x = np.array([np.inf, np.inf, 1.0, -np.inf, 3.0], dtype=dt)
    y = np.array([0.0, -5.0, np.inf, 0.0, 3.0], dtype=dt)
    gx, gy = (to_numpy(g) for g in ad.grad(lambda a, b: gnp.sum(gnp.logaddexp2(a, b)),
                                           argnums=(0, 1))(ad.tensor(x), ad.tensor(y)))
    np.testing.assert_array_equal(gx, np.array([1, 1, 0, 0, 0.5], dt))
    np.testing.assert_array_equal(gy, np.array([0, 0, 1, 1, 0.5], dt))


@pytest.mark.parametrize("dt", DTYPES)
def test_shrink_and_threshold_propagate_nan(backend, dt):
    # NaN is no number below the threshold: it passes through (torch's values and slopes)
    x = np.array([np.nan, 1.0, 0.5, -0.5, -1.0, 0.2], dtype=dt)
    nan = np.nan
    cases = [(F.softshrink, [nan, 0.5, 0, 0, -0.5, 0], [0, 1, 0, 0, 1, 0]),
             (F.hardshrink, [nan, 1, 0, 0, -1, 0], [0, 1, 0, 0, 1, 0]),
             (lambda z: F.threshold(z, 0.5, -1.0), [nan, 1, -1, -1, -1, -1], [1, 1, 0, 0, 0, 0])]
    for f, value, slope in cases:
        np.testing.assert_array_equal(_val(f, x), np.array(value, dt))
        np.testing.assert_array_equal(_grad(f, x), np.array(slope, dt))


def test_squareplus_at_huge_magnitudes(backend):
    # (x + sqrt(x^2 + 4)) / 2: about x above, about 1/|x| below; slope 1 and 0 at the ends.
    # x^2 overflowed: the value was inf at -1e300 and the slope 1/2 at both ends
    x = np.array([1e300, -1e300, 1e200, -1e200, 0.0, 3.0])
    v = _val(jnn.squareplus, x)
    np.testing.assert_allclose(v, [1e300, 1e-300, 1e200, 1e-200, 1.0, (3 + 13 ** 0.5) / 2],
                               rtol=1e-12)
    g = _grad(jnn.squareplus, x)
    np.testing.assert_allclose(g, [1, 0, 1, 0, 0.5, 0.5 * (1 + 3 / 13 ** 0.5)], rtol=1e-12,
                               atol=1e-300)
    np.testing.assert_allclose(_jvp(jnn.squareplus, x), g, rtol=1e-12, atol=1e-300)


def test_gammaln_at_denormals(backend):
    # log|gamma(x)| = -log|x| for |x| below the smallest normal (SciPy's kernel gives inf)
    x = np.array([2.5e-309, -2.5e-309, 5e-324])
    np.testing.assert_allclose(_val(gs.gammaln, x), -np.log(np.abs(x)), rtol=1e-15)
    np.testing.assert_allclose(_val(lambda t: t.lgamma(), x), -np.log(np.abs(x)), rtol=1e-15)
    assert np.isinf(_val(gs.gammaln, np.array([0.0, -0.0]))).all()


@pytest.mark.parametrize("dt", DTYPES)
def test_logsumexp_slopes_sum_to_one_at_huge_magnitudes(backend, dt):
    # the slopes are softmax(x): [1/2, 1/2, 0] however large the tied maxima. exp(x - ans)
    # gave [1, 1, 0] once ans had rounded log(2) away (float32: from 1e8; a row masked with
    # -1e9 is the common case)
    big = 1e8 if dt == np.float32 else 1e300
    x = np.array([[big, big, 0.0], [-1e9, -1e9, -1e9], [1.0, 1.0, 1.0]], dtype=dt)
    w = np.array([[0.5, 0.5, 0.0], [1 / 3] * 3, [1 / 3] * 3], dtype=dt)
    for f in (lambda z: gs.logsumexp(z, axis=1), lambda z: z.logsumexp(1),
              lambda z: jnn.logsumexp(z, axis=1)):
        np.testing.assert_allclose(_grad(f, x), w, rtol=1e-6)
        np.testing.assert_allclose(_jvp(f, x), [1.0, 1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(_grad(lambda z: gs.logsumexp(z), x[0]), w[0], rtol=1e-6)


def test_normalize_keeps_nan_norm(backend):
    # F.normalize divides by max(norm, eps); a NaN norm was taken for one below eps
    x = np.array([[np.nan, 0.0, 0.0], [0.0, 0.0, 0.0], [3.0, 0.0, 4.0]])
    v = _val(lambda z: F.normalize(z, dim=1), x)
    assert np.isnan(v[0]).all()
    np.testing.assert_array_equal(v[1:], [[0, 0, 0], [0.6, 0, 0.8]])


@pytest.mark.parametrize("dt", DTYPES)
def test_softmax_of_rows_far_from_zero(backend, dt):
    # a row of three equal values is 1/3 each (log -log 3) at any magnitude; x - logsumexp(x)
    # gave probabilities 1 (log-probabilities 0) once log 3 fell below the ulp of x: a float32
    # row masked with -1e9, or [1e8, 1e8, 0] giving [1, 1, 0]
    big = 1e8 if dt == np.float32 else 1e300
    x = np.array([[-1e9, -1e9, -1e9], [big, big, 0.0], [0.0, 0.0, 0.0]], dtype=dt)
    p = np.array([[1 / 3] * 3, [0.5, 0.5, 0.0], [1 / 3] * 3])
    fs = [lambda z: F.softmax(z, dim=1), lambda z: z.softmax(1), lambda z: gs.softmax(z, axis=1)]
    for f in fs:
        np.testing.assert_allclose(_val(f, x), p, rtol=1e-6)
    logs = [lambda z: F.log_softmax(z, dim=1), lambda z: z.log_softmax(1),
            lambda z: gs.log_softmax(z, axis=1)]
    with np.errstate(divide="ignore"):
        lp = np.log(p)
    lp[1, 2] = -big
    for f in logs:
        np.testing.assert_allclose(_val(f, x), lp, rtol=1e-6)
        # slope of sum(w * log_softmax): w - softmax * sum(w)
        w = np.arange(1, 10, dtype=dt).reshape(3, 3)
        g = to_numpy(ad.grad(lambda z, f=f: gnp.sum(f(z) * w))(ad.tensor(x)))
        np.testing.assert_allclose(g, w - p * w.sum(1, keepdims=True), rtol=1e-5, atol=1e-5)


def test_copysign_slope_at_signed_zero_is_abs_slope(backend):
    # d/dx copysign(x, y) = sign(x) sign(y), 0 at x = +-0 as abs'(0); the sign bit of -0 gave -1
    x = np.array([-0.0, 0.0, -0.0, 2.0, -2.0])
    y = np.array([1.0, -1.0, -0.0, -3.0, 3.0])
    g = to_numpy(ad.grad(lambda a: gnp.sum(gnp.copysign(a, y)))(ad.tensor(x)))
    np.testing.assert_array_equal(g, [0, 0, 0, -1, -1])


def test_jax_relu_at_nan(backend):
    # JAX's relu: NaN stays NaN, with slope 0 (gpuad's jax_nn follows JAX); it gave 1
    x = np.array([np.nan, 0.0, 1.0, -1.0])
    np.testing.assert_array_equal(_val(jnn.relu, x), [np.nan, 0, 1, 0])
    np.testing.assert_array_equal(_grad(jnn.relu, x), [0, 0, 1, 0])
    np.testing.assert_array_equal(_jvp(jnn.relu, x), [0, 0, 1, 0])


@pytest.mark.parametrize("dt", DTYPES)
def test_relu_blocks_infinite_and_nan_adjoints_where_it_is_flat(backend, dt):
    # relu's adjoint is a choice: where relu is 0 no adjoint passes, even an infinite one
    # (sqrt's slope at 0) or NaN; g * (ans > 0) gave NaN there, torch and JAX give 0
    x = np.array([-1.0, 0.0, 4.0], dtype=dt)
    np.testing.assert_array_equal(_grad(lambda z: gnp.sqrt(F.relu(z)), x), [0, 0, 0.25])
    np.testing.assert_array_equal(_grad(lambda z: F.relu(z) * np.nan, x), [0, 0, np.nan])
    jitted = ad.jit(ad.grad(lambda z: gnp.sum(gnp.sqrt(F.relu(z)))))
    np.testing.assert_array_equal(to_numpy(jitted(ad.tensor(x))), [0, 0, 0.25])


@pytest.mark.parametrize("dt", DTYPES)
def test_cbrt_slope_is_infinite_at_zero(backend, dt):
    # d/dx x**(1/3) = 1 / (3 cbrt(x)**2): inf at +-0 (no subgradient is invented, as sqrt);
    # sign(x) * |x|**(1/3) gave 0 there
    x = np.array([0.0, -0.0, 8.0, -8.0], dtype=dt)
    slope = np.array([np.inf, np.inf, 1 / 12, 1 / 12], dtype=dt)
    np.testing.assert_allclose(_grad(gnp.cbrt, x), slope, rtol=1e-6)
    np.testing.assert_allclose(_jvp(gnp.cbrt, x), slope, rtol=1e-6)
    h = ad.grad(lambda z: ad.grad(gnp.cbrt)(z))(ad.tensor(dt(8.0)))
    np.testing.assert_allclose(float(to_numpy(h)), -2 / 9 * 8 ** (-5 / 3), rtol=1e-6)


def test_gammaln_at_minus_infinity(backend):
    # lgamma(-inf) = +inf (C99, torch, JAX); SciPy's kernel gives -inf
    np.testing.assert_array_equal(_val(gs.gammaln, np.array([-np.inf, np.inf])), [np.inf] * 2)
