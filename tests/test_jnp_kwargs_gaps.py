"""Calls that gpuad.numpy once refused where NumPy and jax.numpy compute (found by
tests/conformance/test_jax_numpy_kwargs_fuzz.py), checked against NumPy's values and float64
central differences, so they run without JAX."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conftest import to_numpy

R = np.random.default_rng(11)
X2 = R.standard_normal((3, 2))


@pytest.mark.parametrize("mode, kw", [("linear_ramp", {}),
                                      ("linear_ramp", {"end_values": ((0.5, -1.0), (2.0, 0.0))}),
                                      ("reflect", {"reflect_type": "odd"}),
                                      ("symmetric", {"reflect_type": "odd"})])
def test_pad_linear_ramp_and_odd_reflections(backend, mode, kw):
    pw = ((1, 5), (2, 0))  # wider than the axis: NumPy reflects repeatedly
    np.testing.assert_allclose(to_numpy(gnp.pad(X2, pw, mode, **kw)),
                               np.pad(X2, pw, mode, **kw), rtol=1e-13, atol=1e-13)
    xi = np.arange(6).reshape(3, 2) * 3
    got = to_numpy(gnp.pad(gnp.asarray(xi), pw, mode, **kw))
    assert got.dtype == xi.dtype
    np.testing.assert_array_equal(got, np.pad(xi, pw, mode, **kw))
    check_grads(lambda x: gnp.pad(x, pw, mode, **kw), (X2,), order=1)
    kw = {k: 1.5 for k in kw} if mode == "linear_ramp" else kw
    vm = ad.vmap(lambda x: gnp.pad(x, 2, mode, **kw))(gnp.asarray(X2))
    np.testing.assert_allclose(to_numpy(vm), [np.pad(r, 2, mode, **kw) for r in X2],
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("fn", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_complex_convolve_and_correlate(backend, fn, mode):
    # correlate conjugates its second sequence, also when it is the longer one
    a = R.standard_normal(4) + 1j * R.standard_normal(4)
    v = R.standard_normal(2) + 1j * R.standard_normal(2)
    f, nf = getattr(gnp, fn), getattr(np, fn)
    for x, y in ((a, v), (v, a), (a, v.real), (a.real, v)):
        np.testing.assert_allclose(to_numpy(f(x, y, mode)), nf(x, y, mode), rtol=1e-13)
    check_grads(lambda x, y: f(x, y, mode), (a, v), order=1)
    check_grads(lambda x, y: f(x, y, mode), (v, a.real), order=1)


@pytest.mark.parametrize("fn", ["quantile", "percentile", "nanquantile", "nanpercentile"])
@pytest.mark.parametrize("method", ["linear", "hazen", "nearest"])
def test_quantile_differentiates_q(backend, fn, method):
    # linear (and the continuous methods) are the slope between the neighbouring order
    # statistics; q = 1 takes the slope from below, the end of q's domain
    x = R.standard_normal((2, 5))
    x[0, 3] = np.nan if fn.startswith("nan") else x[0, 3]
    scale = 100.0 if "percentile" in fn else 1.0
    q = np.array([0.13, 0.62, 1.0]) * scale
    f = getattr(gnp, fn)
    w = gnp.asarray(W)
    got = to_numpy(ad.grad(lambda q: gnp.sum(f(x, q, axis=1, method=method) * w))(q))
    fd = np.zeros(3)
    for i in range(3):
        h = np.zeros(3)
        h[i] = 1e-6 * scale
        up, dn = np.minimum(q + h, scale), q - h
        fd[i] = (np.sum(getattr(np, fn)(x, up, axis=1, method=method) * W)
                 - np.sum(getattr(np, fn)(x, dn, axis=1, method=method) * W)) / (up - dn)[i]
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)
    if method == "linear":
        check_grads(lambda x, q: f(x, q, axis=1), (x[1:], q[:2]), order=1)


W = R.standard_normal((3, 2))


def test_vmap_of_integer_helpers(backend):
    # each example as NumPy computes it alone (these raised TypeError inside vmap)
    x = np.array([[0.5, np.nan, 3.0, -1.0], [2.0, 2.5, 0.0, 1.0]])
    b = np.array([[0.0, 1.0, 2.0], [3.0, 2.0, 0.0]])
    for right in (False, True):
        got = ad.vmap(lambda u, v: gnp.digitize(u, v, right=right))(x, b)
        np.testing.assert_array_equal(
            to_numpy(got), [np.digitize(u, v, right=right) for u, v in zip(x, b, strict=True)])
    with pytest.raises(ValueError, match="monotonically"):
        ad.vmap(lambda v: gnp.digitize(x[0], v))(np.array([[0.0, 1.0, 0.0], [1.0, 2.0, 3.0]]))
    idx = np.array([[0, 5, 7], [3, 11, 2]])
    got = ad.vmap(lambda i: gnp.unravel_index(i, (3, 4), order="F"))(gnp.asarray(idx))
    for k, i in enumerate(idx):
        for g, w in zip(got, np.unravel_index(i, (3, 4), order="F"), strict=True):
            np.testing.assert_array_equal(to_numpy(g)[k], w)
    rows, cols = np.array([[0, 2, 5], [1, 1, -1]]), np.array([1, 3, 0])
    got = ad.vmap(lambda r: gnp.ravel_multi_index((r, gnp.asarray(cols)), (3, 4),
                                                  mode="clip"))(gnp.asarray(rows))
    np.testing.assert_array_equal(
        to_numpy(got), [np.ravel_multi_index((r, cols), (3, 4), mode="clip") for r in rows])
    np.testing.assert_array_equal(to_numpy(ad.vmap(gnp.spacing)(x)), np.spacing(x))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_complex_cov_corrcoef_nan_to_num(backend):
    # cov conjugates the second factor; corrcoef divides by the real standard deviations and
    # clips both parts; nan_to_num treats the parts separately (all raised before)
    z = R.standard_normal((2, 4)) + 1j * R.standard_normal((2, 4))
    aw = np.array([0.5, 1.0, 2.0, 1.5])
    for fn, kw in (("cov", {}), ("cov", {"aweights": aw, "ddof": 0}), ("corrcoef", {})):
        f = getattr(gnp, fn)
        np.testing.assert_allclose(to_numpy(f(z, **kw)), getattr(np, fn)(z, **kw), rtol=1e-12)
        check_grads(lambda z: f(z, **kw), (z,), order=1)
    check_grads(lambda z, y: gnp.cov(z, y), (z[:1], z[1:].real), order=1)
    w = np.array([complex(np.nan, 1), complex(2, np.inf), complex(-np.inf, np.nan), 0.5 - 2j])
    for kw in ({}, {"nan": 1.5, "posinf": 9.0, "neginf": -7.0}):
        got = gnp.nan_to_num(ad.tensor(w), **kw)
        np.testing.assert_array_equal(to_numpy(got), np.nan_to_num(w, **kw))
    fin = np.array([1.0 + 1j, complex(2, np.inf), 0.5 - 2j])
    g = ad.grad(lambda v: gnp.sum(gnp.real(gnp.nan_to_num(v) * np.array([1j, 2.0, 3.0]))))(fin)
    # d/dx and d/dy of the finite parts pass through (as dL/dx + i dL/dy); the infinite
    # imaginary part of the second entry is a constant
    np.testing.assert_array_equal(to_numpy(g), [-1j, 2.0, 3.0])


@pytest.mark.parametrize("fn", ["quantile", "nanpercentile"])
def test_vmap_of_quantile_over_q(backend, fn):
    x = R.standard_normal((2, 5))
    scale = 100.0 if "percentile" in fn else 1.0
    qs = np.array([[0.1, 0.9], [0.5, 0.25], [1.0, 0.0]]) * scale
    got = ad.vmap(lambda q: getattr(gnp, fn)(x, q, axis=1, keepdims=True))(gnp.asarray(qs))
    np.testing.assert_allclose(
        to_numpy(got), [getattr(np, fn)(x, q, axis=1, keepdims=True) for q in qs], rtol=1e-13)
