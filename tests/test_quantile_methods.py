"""NumPy's discontinuous quantile methods (inverted_cdf, averaged_inverted_cdf,
closest_observation) and weighted ``inverted_cdf`` quantiles: values, dtypes and shapes as
NumPy's own, errors as NumPy's, and gradients that go to the order statistic chosen (float64
central differences at points without ties)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

DISCRETE = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation"]
R = np.random.default_rng(7)
A = np.round(R.standard_normal((3, 4, 5)), 1)
AN = A.copy()
AN[0, 1, :] = np.nan
AN[1, :, 2] = np.nan
W = R.integers(0, 4, size=A.shape).astype(np.float64)


def _xp():
    return ad.get_backend().xp


def _same(got, want):
    got, want = to_numpy(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype,
                                                                 got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


def _both(fn, a, q, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = getattr(np, fn)(a, q, **kw)
        got = getattr(gnp, fn)(_xp().asarray(a), q, **kw)
    _same(got, want)


@pytest.mark.parametrize("method", DISCRETE)
def test_discrete_methods_equal_numpy(backend, method):
    """Before, these methods raised NotImplementedError."""
    qs = [0, 1.0, 0.5, [0.0, 0.1, 0.25, 0.4, 0.5, 0.75, 0.9, 1.0], np.float32(0.3)]
    for q in qs:
        for axis, kd in [(None, False), (2, True), ((0, 2), False)]:
            _both("quantile", A, q, axis=axis, method=method, keepdims=kd)
            _both("nanquantile", AN, q, axis=axis, method=method, keepdims=kd)
        _both("percentile", (A * 10).astype(np.int64), np.asarray(q) * 100, axis=1,
              method=method)
    _both("quantile", np.array([1.0, np.inf]), 1.0, method=method)  # inf - inf of the lerp


def test_weighted_inverted_cdf_equals_numpy(backend):
    """Weights of a's shape or of a's shape along axis (in that order), zero weights first or
    last, NaN data: NumPy's values. Before, weights= raised NotImplementedError."""
    kw = {"method": "inverted_cdf"}
    for q in [0.0, 0.3, 1.0, [0.0, 0.2, 0.5, 0.77, 1.0]]:
        _both("quantile", A, q, weights=W, **kw)
        _both("quantile", A, q, axis=1, weights=W, keepdims=True, **kw)
        _both("quantile", A, q, axis=(2, 0), weights=W[:, 0].T, **kw)
        _both("percentile", (A * 10).astype(np.int64), np.asarray(q) * 100, axis=2,
              weights=W[0, 0], **kw)
        _both("nanquantile", AN, q, axis=(0, 2), weights=W, **kw)
        _both("nanpercentile", AN, np.asarray(q) * 100, weights=W, **kw)
        _both("quantile", AN, q, axis=2, weights=W, **kw)  # NaN where a NaN takes part
    _both("quantile", np.array([3.0, 1, 2]), [0.0, 1.0], weights=[0.0, 1, 0], **kw)
    _both("quantile", np.array([1.0, 2, 3]), np.float32(0.4), weights=[1e-50, 0.4, 0.6],
          **kw)


def test_weighted_nanquantile_along_axis(backend):
    """Weights along an axis with NaN data: the quantile of each slice's non-NaN values
    (NumPy 2.4's own loop indexes such weights wrongly and raises IndexError; its answer for
    the same weights spelled out at a's full shape)."""
    w = W[0, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = np.nanquantile(AN, [0.3, 0.8], axis=2, weights=np.broadcast_to(w, AN.shape),
                              method="inverted_cdf")
    _same(gnp.nanquantile(_xp().asarray(AN), [0.3, 0.8], axis=2, weights=w,
                          method="inverted_cdf"), want)


def test_weights_errors(backend):
    a = _xp().asarray(A)
    with pytest.raises(ValueError, match="only method 'inverted_cdf' supports weights"):
        gnp.quantile(a, 0.5, weights=W)
    with pytest.raises(ValueError, match="non-negative"):
        gnp.nanquantile(a, 0.5, weights=-W, method="inverted_cdf")
    with pytest.raises(TypeError, match="axis must be specified"):
        gnp.quantile(a, 0.5, weights=W[0, 0], method="inverted_cdf")
    with pytest.raises(ValueError, match="shape of weights"):
        gnp.quantile(a, 0.5, axis=1, weights=W[0, 0], method="inverted_cdf")
    with pytest.raises(ValueError, match="all zero"):
        gnp.percentile(a, 50, axis=2, weights=np.zeros(5), method="inverted_cdf")
    with pytest.raises(ValueError, match="NaN, inf"):
        gnp.quantile(a, 0.5, weights=np.where(W == 0, np.inf, W), method="inverted_cdf")
    with pytest.raises(ValueError, match="'foo' is not a valid method"):
        gnp.quantile(a, 0.5, method="foo")
    with pytest.raises(ValueError, match="scalar or 1d"):  # (NumPy's; q of 3 dims was read)
        gnp.quantile(a, np.full((1, 1, 2), 0.5))
    for q in (np.nan, [0.5, np.nan]):  # NumPy's ValueError (before: NaN positions, an
        with pytest.raises(ValueError, match=r"range \[0, 1\]"):  # IndexError at best)
            gnp.quantile(a, q, method="lower")
        with pytest.raises(ValueError, match=r"range \[0, 1\]"):
            gnp.nanpercentile(a, np.asarray(q) * 100)
    # all-NaN slices have no weights to check: NaN, as NumPy
    _both("nanquantile", np.array([[np.nan, np.nan], [1.0, 2]]), 0.5, axis=1,
          weights=np.array([[1.0, 1], [0, 1]]), method="inverted_cdf")


X = R.permutation(24).reshape(4, 6) / 7.0 - 1.0  # distinct values: no ties


@pytest.mark.parametrize("method", DISCRETE)
def test_discrete_method_gradients(backend, method):
    q = np.array([0.1, 0.5, 0.83])
    check_grads(lambda a: gnp.quantile(a, q, axis=1, method=method), (X,), order=1)
    check_grads(lambda a: gnp.nanquantile(a * np.array([1, np.nan, 1, 1, 1, 1]), q,
                                          axis=(0, 1), method=method), (X,), order=1)


def test_weighted_gradient_goes_to_the_chosen_value(backend):
    w = np.array([0.5, 2.0, 0.0, 1.0, 3.0, 1.5])
    check_grads(lambda a: gnp.quantile(a, [0.2, 0.6], axis=1, weights=w,
                                       method="inverted_cdf"), (X,), order=1)
    t = ad.tensor(_xp().asarray(X[0]), requires_grad=True)
    gnp.quantile(t, 0.5, weights=w, method="inverted_cdf").backward()
    want = np.zeros(6)
    want[np.flatnonzero(X[0] == np.quantile(X[0], 0.5, weights=w, method="inverted_cdf"))] = 1
    np.testing.assert_array_equal(to_numpy(t.grad), want)


def test_weighted_out_and_jit(backend):
    """out= of the data's dtype, and a compiled call that sees each call's weights."""
    out = _xp().zeros((2, 4))
    r = gnp.quantile(_xp().asarray(A[0]), [0.3, 0.9], axis=1, weights=W[0],
                     method="inverted_cdf", out=out)
    assert r is out
    _same(out, np.quantile(A[0], [0.3, 0.9], axis=1, weights=W[0], method="inverted_cdf"))
    f = ad.jit(lambda a, w: gnp.quantile(a, 0.4, weights=w, method="inverted_cdf"))
    for w in (W[0, 0], W[1, 2], W[2, 3]):
        _same(f(_xp().asarray(A[0, 0]), _xp().asarray(w)),
              np.quantile(A[0, 0], 0.4, weights=w, method="inverted_cdf"))


def test_out_casting_follows_how_numpy_writes(backend):
    """NumPy writes a picked value (lower, inverted_cdf, weights, linear at integer q) into
    out= as take does, cast as written, and an interpolated one through a ufunc (same_kind:
    no float into an integer out); gpuad refused every float result into an integer out."""
    a = np.arange(5.0) + 0.5
    for fn, q, kw in [("quantile", 0.3, {"method": "lower"}),
                      ("percentile", [30, 90], {"method": "closest_observation"}),
                      ("quantile", 0.3, {"method": "inverted_cdf", "weights": np.ones(5)}),
                      ("quantile", [0, 1], {})]:
        want = np.zeros(np.shape(q), np.int8)
        getattr(np, fn)(a, q, out=want, **kw)
        out = _xp().zeros(np.shape(q), np.int8)
        assert getattr(gnp, fn)(_xp().asarray(a), q, out=out, **kw) is out
        _same(out, want)
    for fn, q, kw in [("quantile", 0.3, {}), ("percentile", 100, {}),
                      ("quantile", 1, {"method": "midpoint"})]:
        with pytest.raises(TypeError, match="same_kind"):
            getattr(gnp, fn)(_xp().asarray(a), q, out=_xp().zeros((), np.int8), **kw)
