"""Complex LU factorisations and Cholesky solves: derivatives (both modes, second order)
against complex128 central differences on both backends, and values against SciPy/NumPy
(tests/conformance/test_complex_lu_cho.py compares JAX and torch)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl

import gpuad as ad
import gpuad.linalg as LA
import gpuad.scipy.linalg as gsl
from gpuad.testing import check_grads
from tests.conftest import to_numpy


def _c(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _shuffled(rng, n=3):
    """Diagonally dominant with rows (2, 0, 1): pivoting swaps rows, the same ones at every
    finite-difference step."""
    a = _c(rng, n, n) + 4 * np.eye(n)
    return a[[1, 2, 0]]


def test_lu_values_and_pivots_match_scipy(backend):
    xp = ad.get_backend().xp
    a = _c(np.random.default_rng(0), 4, 4)
    a[:, 0] = [0.1, 1 + 1j, 1.45, 0.2]  # |z| would pick row 2, LAPACK's |re| + |im| row 1
    lu_, piv = gsl.lu_factor(xp.asarray(a))
    slu, spiv = sl.lu_factor(a)
    np.testing.assert_array_equal(to_numpy(piv), spiv)
    np.testing.assert_allclose(to_numpy(lu_), slu, rtol=1e-12, atol=1e-14)
    for got, want in zip(gsl.lu(xp.asarray(a)), sl.lu(a), strict=True):
        assert to_numpy(got).dtype == want.dtype
        np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-14)
    b = _c(np.random.default_rng(1), 4, 2)
    for trans in (0, 1, 2):
        np.testing.assert_allclose(to_numpy(gsl.lu_solve((lu_, piv), xp.asarray(b), trans)),
                                   sl.lu_solve((slu, spiv), b, trans), rtol=1e-10)


@pytest.mark.parametrize("trans", [0, 2])
def test_lu_solve_derivatives(backend, trans):
    rng = np.random.default_rng(trans)
    check_grads(lambda a, b: gsl.lu_solve(gsl.lu_factor(a), b, trans=trans),
                (_shuffled(rng), _c(rng, 3, 2)), order=1)


def test_lu_and_torch_style_lu_solve_derivatives(backend):
    rng = np.random.default_rng(5)
    a, b = _shuffled(rng), _c(rng, 2, 3)
    check_grads(lambda m: gsl.lu_factor(m)[0], (a,), order=2, modes=("rev",))
    check_grads(lambda m, y: LA.lu_solve(*LA.lu_factor(m), y, left=False, adjoint=True),
                (a, b), order=1)


@pytest.mark.parametrize("lower", [True, False])
def test_cho_solve_derivatives_and_values(backend, lower):
    xp = ad.get_backend().xp
    rng = np.random.default_rng(7)
    m = _c(rng, 3, 3)
    h = m @ m.conj().T + 3 * np.eye(3)
    b = _c(rng, 3, 2)
    c, _ = sl.cho_factor(h, lower=lower)
    c = np.tril(c) if lower else np.triu(c)
    np.testing.assert_allclose(to_numpy(gsl.cho_solve((xp.asarray(c), lower), xp.asarray(b))),
                               np.linalg.solve(h, b), rtol=1e-10)
    check_grads(lambda f, y: gsl.cho_solve((f, lower), y), (c, b), order=2 if lower else 1)
    np.testing.assert_allclose(
        to_numpy(gsl.solve_triangular(xp.asarray(c), xp.asarray(b), trans="C", lower=lower)),
        np.linalg.solve(c.conj().T, b), rtol=1e-10)


def test_cholesky_ex_info_of_complex_hermitian_matrices(backend):
    """``info`` is the order of the first leading minor that is not positive definite (it was
    read from a complex symmetric, not Hermitian, matrix before)."""
    xp = ad.get_backend().xp
    rng = np.random.default_rng(8)
    for shift in (1.0, -1.5, -3.0):
        m = _c(rng, 4, 4)
        h = m @ m.conj().T + shift * np.eye(4)
        minors = [np.linalg.eigvalsh(h[:k, :k]).min() > 0 for k in range(1, 5)]
        want = 0 if all(minors) else minors.index(False) + 1
        if want == 0:
            assert int(to_numpy(LA.cholesky_ex(xp.asarray(h)).info)) == 0
        else:
            with pytest.raises(np.linalg.LinAlgError, match=f"info = {want}"):
                LA.cholesky_ex(xp.asarray(h))
