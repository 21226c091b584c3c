"""gpuad.lax.linalg (jax.lax.linalg's names): values against NumPy/SciPy, derivatives against
central differences, on both backends (tests/conformance/test_jax_lax_linalg_suite.py compares
JAX itself)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sl
import scipy.linalg.lapack as lapack

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.engine import GradError
from gpuad.lax import linalg as gll
from gpuad.testing import check_grads
from tests.conftest import to_numpy


def test_importable_as_a_submodule():
    import gpuad.lax.linalg as mod

    assert mod is gll and ad.lax.linalg is gll


def test_lu_of_rectangular_batches(backend):
    xp = ad.get_backend().xp
    a = np.random.default_rng(0).standard_normal((2, 4, 3))
    lu, piv, perm = gll.lu(xp.asarray(a))
    assert to_numpy(piv).dtype == np.int32 and to_numpy(perm).dtype == np.int32
    assert to_numpy(perm).shape == (2, 4) and to_numpy(piv).shape == (2, 3)
    for k in range(2):
        slu, spiv = sl.lu_factor(a[k])
        np.testing.assert_allclose(to_numpy(lu)[k], slu, atol=1e-13)
        np.testing.assert_array_equal(to_numpy(piv)[k], spiv)
        np.testing.assert_array_equal(
            to_numpy(gll.lu_pivots_to_permutation(piv[k], 4)), to_numpy(perm)[k])
    with pytest.raises(ValueError, match="permutation_size"):
        gll.lu_pivots_to_permutation(piv, 2)
    lo = np.tril(to_numpy(lu), -1) + np.eye(4, 3)
    np.testing.assert_allclose(lo @ np.triu(to_numpy(lu)[:, :3]),
                               np.take_along_axis(a, to_numpy(perm)[..., None], 1), atol=1e-12)


@pytest.mark.parametrize("left_side", [False, True])
def test_triangular_solve_flags(backend, left_side):
    r = np.random.default_rng(1)
    a = r.standard_normal((3, 3)) + 1j * r.standard_normal((3, 3)) + 3 * np.eye(3)
    b = r.standard_normal((3, 2) if left_side else (2, 3)) + 0j
    for lower, tr, cj, unit in ((True, False, False, False), (False, True, True, True)):
        m = np.tril(a) if lower else np.triu(a)
        if unit:
            m = m - np.diag(np.diag(m)) + np.eye(3)
        op = np.conj(m) if cj else m
        op = op.T if tr else op
        want = np.linalg.solve(op, b) if left_side else np.linalg.solve(op.T, b.T).T
        got = gll.triangular_solve(a, b, left_side=left_side, lower=lower, transpose_a=tr,
                                   conjugate_a=cj, unit_diagonal=unit)
        np.testing.assert_allclose(to_numpy(got), want, atol=1e-12)
    check_grads(lambda a, b: gll.triangular_solve(a, b, left_side=left_side, lower=False,
                                                  transpose_a=True, conjugate_a=True),
                (a, b), order=1)


def test_tridiagonal_solve(backend):
    r = np.random.default_rng(2)
    dl, d, du = r.standard_normal((3, 4)), r.standard_normal((3, 4)) + 4, r.standard_normal((3, 4))
    b = r.standard_normal((3, 4, 2))
    xp = ad.get_backend().xp
    got = to_numpy(gll.tridiagonal_solve(*(xp.asarray(v) for v in (dl, d, du, b))))
    for k in range(3):
        m = np.diag(d[k]) + np.diag(du[k, :-1], 1) + np.diag(dl[k, 1:], -1)
        np.testing.assert_allclose(got[k], np.linalg.solve(m, b[k]), atol=1e-12)
    check_grads(gll.tridiagonal_solve, (dl, d, du, b), order=1)


def test_cholesky_eigh_symmetrize_and_subsets(backend):
    r = np.random.default_rng(3)
    x = r.standard_normal((3, 3))
    a = x @ x.T + 3 * np.eye(3) + 0.2 * r.standard_normal((3, 3))
    sym = (a + a.T) / 2
    xp = ad.get_backend().xp
    np.testing.assert_allclose(to_numpy(gll.cholesky(xp.asarray(a))), np.linalg.cholesky(sym),
                               atol=1e-12)
    v, w = gll.eigh(xp.asarray(a), subset_by_index=(1, 3))
    np.testing.assert_allclose(to_numpy(w), np.linalg.eigvalsh(sym)[1:], atol=1e-12)
    assert to_numpy(v).shape == (3, 2)
    check_grads(gll.cholesky, (a,), order=1)
    check_grads(lambda m: gll.eigh(m)[1], (a,), order=1)
    with pytest.raises(np.linalg.LinAlgError):
        gll.cholesky(-xp.eye(2))


def test_eig_left_vectors(backend):
    a = np.random.default_rng(4).standard_normal((4, 4))
    w, vl, vr = (to_numpy(t) for t in gll.eig(ad.get_backend().xp.asarray(a)))
    assert w.dtype == vl.dtype == vr.dtype == np.complex128
    np.testing.assert_allclose(np.conj(vl).T @ a, w[:, None] * np.conj(vl).T, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(vl, axis=0), 1, atol=1e-12)


def test_qr_pivoting_svd(backend):
    a = np.random.default_rng(5).standard_normal((3, 5))
    xp = ad.get_backend().xp
    q, r, p = (to_numpy(t) for t in gll.qr(xp.asarray(a), pivoting=True))
    _, _, sp = sl.qr(a, pivoting=True)
    np.testing.assert_array_equal(p, sp)
    np.testing.assert_allclose(q @ r, a[:, p], atol=1e-12)
    check_grads(lambda m: gll.qr(m, pivoting=True)[:2], (a,), order=1)
    s = gll.svd(xp.asarray(a), full_matrices=False, compute_uv=False, subset_by_index=(0, 2))
    np.testing.assert_allclose(to_numpy(s), np.linalg.svd(a, compute_uv=False)[:2])


def test_host_factorisations_refuse_derivatives(backend):
    a = np.random.default_rng(6).standard_normal((4, 4))
    h = a + a.T
    c, d, e, tau, _ = lapack.dsytrd(h, lower=1)
    xp = ad.get_backend().xp
    for got, want in zip(gll.tridiagonal(xp.asarray(h)), (c, d, e, tau), strict=True):
        np.testing.assert_allclose(to_numpy(got), want, atol=1e-12)
    hh, taus = gll.hessenberg(xp.asarray(a))
    assert to_numpy(taus).shape == (3,)
    with pytest.raises(GradError, match="lax.linalg.tridiagonal"):
        ad.grad(lambda m: gnp.sum(gll.tridiagonal(m)[1]))(xp.asarray(h))
    with pytest.raises(GradError, match="lax.linalg.hessenberg"):
        ad.grad(lambda m: gnp.sum(gll.hessenberg(m)[0]))(xp.asarray(a))
