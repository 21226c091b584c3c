"""Regressions found by porting JAX's ``tests/linalg_test.py`` (tests/conformance/
test_jax_linalg_gaps.py)."""

from __future__ import annotations

import numpy as np

import gpuad.scipy.linalg as gsl
from gpuad.testing import check_grads


def _host(a):
    a = getattr(a, "data", a)
    return np.asarray(a.get() if hasattr(a, "get") else a)


def test_eigh_tridiagonal_complex_hermitian():
    """A complex off-diagonal (JAX's Hermitian tridiagonal case) raised 'e must be real'; the
    eigenpairs of diag(d) + diag(e, 1) + diag(conj(e), -1) now come back, differentiable, and
    the (ignored) imaginary part of a complex diagonal is not read."""
    d = np.array([1.0, -2.0, 0.5, 3.0])
    e = np.array([1 + 1j, 2 - 0.5j, -0.3j])
    full = np.diag(d) + np.diag(e, 1) + np.diag(np.conj(e), -1)
    w, v = (_host(x) for x in gsl.eigh_tridiagonal(d, e))
    np.testing.assert_allclose(w, np.linalg.eigvalsh(full), rtol=1e-12)
    np.testing.assert_allclose(full @ v, v * w, atol=1e-12)
    assert w.dtype == np.float64 and v.dtype == np.complex128
    w2 = _host(gsl.eigh_tridiagonal(d + 5j, e, eigvals_only=True))
    np.testing.assert_allclose(w2, w, rtol=1e-12)
    check_grads(lambda a, b: gsl.eigh_tridiagonal(a, b, eigvals_only=True), (d, e), order=2)
