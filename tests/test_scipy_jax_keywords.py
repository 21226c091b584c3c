"""gpuad.scipy where jax.scipy's keywords and edge points meet it: logsumexp's ``where`` and
empty or negative sums, softmax of a slice holding +inf, spence's derivative at 1, the logsf
of beta/gamma/chi2, expm's keywords. Values against hand-computed ones, derivatives against
finite differences (tests/conformance/test_jax_scipy_kwargs_fuzz.py compares with JAX)."""

from __future__ import annotations

import numpy as np
import pytest
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.scipy.linalg as gsl
import gpuad.scipy.special as sps
import gpuad.scipy.stats as gst
from gpuad.testing import check_grads


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def test_logsumexp_where(backend):
    a = dev(np.array([[1.0, 2.0, 5.0], [3.0, 4.0, -1.0]]))
    w = dev(np.array([[True, True, False], [False, False, False]]))
    out = host(sps.logsumexp(a, axis=1, where=w))
    np.testing.assert_allclose(out, [np.log(np.e + np.e ** 2), -np.inf])
    val, sgn = sps.logsumexp(a, axis=1, where=w, return_sign=True, b=dev(np.full(3, -1.0)))
    np.testing.assert_allclose(host(val), [np.log(np.e + np.e ** 2), -np.inf])
    np.testing.assert_array_equal(host(sgn), [-1.0, 0.0])
    g = host(ad.grad(lambda x: sps.logsumexp(x, axis=1, where=w).sum())(a))
    p = np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()
    np.testing.assert_allclose(g, [[p[0], p[1], 0.0], [0.0, 0.0, 0.0]], atol=1e-15)
    # a masked-out inf does not leak into the value or the gradient
    x = dev(np.array([np.inf, 0.5, 1.5]))
    m = dev(np.array([False, True, True]))
    assert np.isfinite(host(sps.logsumexp(x, where=m)))
    check_grads(lambda v: sps.logsumexp(v, axis=0, where=dev(np.array([True, False, True]))),
                (dev(np.array([0.3, -1.0, 2.0])),), order=2)
    with pytest.raises(TypeError, match="logsumexp: where must be a boolean"):
        sps.logsumexp(a, where=dev(np.ones((2, 3))))


def test_logsumexp_empty_and_negative_sums(backend):
    """Weights all 0: -inf whatever a is, so derivative 0 (was nan). A negative sum without
    return_sign: nan, derivative 0 (was the derivative of log|sum|)."""
    a = dev(np.array([[3.0, 1.0], [0.5, 2.0], [1.0, 2.0]]))
    b = dev(np.array([[0.0, 0.0], [-1.0, 0.1], [1.0, 2.0]]))
    out = host(sps.logsumexp(a, axis=1, b=b))
    assert out[0] == -np.inf and np.isnan(out[1])
    np.testing.assert_allclose(out[2], np.log(np.e + 2 * np.e ** 2))
    g = host(ad.grad(lambda x: sps.logsumexp(x, axis=1, b=b).sum())(a))
    np.testing.assert_array_equal(g[:2], 0.0)
    np.testing.assert_allclose(g[2], np.array([np.e, 2 * np.e ** 2]) / (np.e + 2 * np.e ** 2))
    gb = host(ad.grad(lambda w: sps.logsumexp(a, axis=1, b=w).sum())(b))
    np.testing.assert_array_equal(gb[:2], 0.0)


def test_softmax_of_a_slice_holding_inf_is_nan(backend):
    """SciPy and JAX shift by the maximum: a slice holding +inf is nan throughout (was 0 beside
    the nan); other slices are untouched."""
    x = dev(np.array([[np.inf, 1.0, 0.5], [0.0, 1.0, 2.0]]))
    out = host(sps.softmax(x, axis=1))
    assert np.isnan(out[0]).all()
    e = np.exp([0.0, 1.0, 2.0])
    np.testing.assert_allclose(out[1], e / e.sum())
    check_grads(lambda v: sps.softmax(v, axis=-1), (dev(np.array([[0.2, -1.0, 3.0]])),),
                order=2)


def test_spence_derivative_at_one(backend):
    """spence'(z) = log(z)/(1 - z) is -1 at z = 1 (was 0/0 = nan); the second derivative there
    is 1/2; the series near 1 agrees with finite differences."""
    if backend == "cupy" and cupy_lacks("spence"):
        with pytest.raises(NotImplementedError, match="spence"):
            sps.spence(dev(np.array([1.0])))
        return
    z = dev(np.array([1.0, 1.0 - 3e-3, 1.0 + 5e-3, 0.5, 2.0]))
    g = host(ad.grad(lambda v: sps.spence(v).sum())(z))
    zh = host(z)
    want = np.where(zh == 1, -1.0, np.log(zh) / np.where(zh == 1, 1.0, 1 - zh))
    np.testing.assert_allclose(g, want, rtol=1e-14)
    g2 = host(ad.grad(lambda v: ad.grad(lambda u: sps.spence(u).sum())(v).sum())(
        dev(np.array([1.0]))))
    np.testing.assert_allclose(g2, [0.5], rtol=1e-14)
    check_grads(sps.spence, (dev(np.array([0.999, 1.0, 1.004, 0.3])),), order=2)


def test_logsf(backend):
    """logsf of beta, gamma and chi2 against closed forms: beta(1, 1) sf = 1 - y,
    gamma(1) sf = exp(-y), chi2(2) sf = exp(-y/2), with loc and scale."""
    x = dev(np.array([0.2, 0.7, 1.3]))
    loc, scale = 0.1, 2.0
    y = (host(x) - loc) / scale
    np.testing.assert_allclose(host(gst.gamma.logsf(x, 1.0, loc, scale)), -y, rtol=1e-13)
    np.testing.assert_allclose(host(gst.chi2.logsf(x, 2.0, loc, scale)), -y / 2, rtol=1e-13)
    check_grads(lambda v, s: gst.gamma.logsf(v, 1.7, loc=0.1, scale=s),
                (x, dev(np.array(1.5))), order=1)
    if backend == "cupy" and cupy_lacks("betaincc"):
        with pytest.raises(NotImplementedError, match="betaincc"):
            gst.beta.logsf(x, 1.0, 1.0)
        return
    np.testing.assert_allclose(host(gst.beta.logsf(x, 1.0, 1.0, loc, scale)), np.log1p(-y),
                               rtol=1e-13)
    check_grads(lambda v: gst.beta.logsf(v, 2.0, 3.0), (dev(np.array([0.2, 0.6])),), order=1)


def test_expm_accepts_jax_keywords(backend):
    a = dev(np.array([[0.0, 1.0], [0.0, 0.0]]))
    for kw in ({"upper_triangular": True}, {"max_squarings": 8}):
        np.testing.assert_allclose(host(gsl.expm(a, **kw)), [[1.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="expm: max_squarings"):
        gsl.expm(a, max_squarings=-1)
