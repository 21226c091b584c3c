"""Rectangular (m x n) LU factorisations: values and pivots against SciPy, derivatives of the
packed factors in both modes (second order too) against central differences, real and
complex, on both backends (tests/conformance/test_torch_linalg_gaps3.py compares torch)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import gpuad as ad
import gpuad.linalg as LA
import gpuad.scipy.linalg as gsl
from gpuad.testing import check_grads
from tests.conftest import to_numpy


def _draw(rng, shape, cplx):
    a = rng.standard_normal(shape)
    return a + 1j * rng.standard_normal(shape) if cplx else a


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 4, 2)])
@pytest.mark.parametrize("cplx", [False, True])
def test_values_and_pivots_match_scipy(backend, shape, cplx):
    xp = ad.get_backend().xp
    a = _draw(np.random.default_rng(0), shape, cplx)
    packed, piv = gsl.lu_factor(xp.asarray(a))
    spacked, spiv = sl.lu_factor(a) if a.ndim == 2 else (None, None)
    if spacked is not None:
        np.testing.assert_allclose(to_numpy(packed), spacked, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(to_numpy(piv), spiv)
    for kw in ({}, {"permute_l": True}, {"p_indices": True}):
        for got, want in zip(gsl.lu(xp.asarray(a), **kw), sl.lu(a, **kw), strict=True):
            got = to_numpy(got)
            assert got.shape == want.shape and got.dtype == want.dtype, (kw, got.dtype)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    p, lo, up = LA.lu(xp.asarray(a))  # torch's (P, L, U): the same factors
    np.testing.assert_allclose(to_numpy(p) @ to_numpy(lo) @ to_numpy(up), a, atol=1e-12)
    p2, lo2, up2 = LA.lu_unpack(*LA.lu_factor(xp.asarray(a)))
    np.testing.assert_allclose(to_numpy(lo2), to_numpy(lo))
    np.testing.assert_allclose(to_numpy(up2), to_numpy(up))


@pytest.mark.parametrize("shape", [(4, 3), (3, 5)])
@pytest.mark.parametrize("cplx", [False, True])
def test_packed_factors_derivatives(backend, shape, cplx):
    a = _draw(np.random.default_rng(1), shape, cplx)
    check_grads(lambda m: gsl.lu_factor(m)[0], (a,), order=2)


def test_unpivoted_torch_lu_derivatives(backend):
    a = _draw(np.random.default_rng(2), (2, 3, 4), False) + np.eye(3, 4)
    check_grads(lambda m: LA.lu(m, pivot=False)[1:], (a,), order=1)
    _, piv = LA.lu_factor(a, pivot=False)
    np.testing.assert_array_equal(to_numpy(piv), [[1, 2, 3]] * 2)


def test_derivative_at_a_zero_pivot_names_lu(backend):
    xp = ad.get_backend().xp
    a = xp.asarray(np.array([[0.0, 0, 1], [0, 0, 2], [1, 1, 1], [2, 2, 2]]))
    lu_, _ = gsl.lu_factor(a)  # LAPACK's factors: the zero pivot leaves its column
    np.testing.assert_allclose(to_numpy(lu_), sl.lu_factor(to_numpy(a))[0])
    with pytest.raises(np.linalg.LinAlgError, match=r"lu: the factors of the \(4, 3\) matrix"):
        ad.grad(lambda m: ad.numpy.sum(gsl.lu_factor(m)[0]))(a)
