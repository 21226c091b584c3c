"""Complex matrices through the holomorphic linear-algebra primitives (expm, sqrtm,
solve_triangular, solve_sylvester, det through the adjugate), against complex finite
differences; the decompositions without complex rules raise."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.linalg as sl
from gpuad.testing import check_grads


def _c(r, shape, scale=1.0):
    return scale * (r.standard_normal(shape) + 1j * r.standard_normal(shape))


@pytest.mark.parametrize("case", ["solve_triangular", "expm", "det", "solve_sylvester"])
def test_holomorphic_matrix_functions(backend, case):
    r = np.random.default_rng(0)
    m = _c(r, (3, 3), 0.3) + 2 * np.eye(3)
    b = _c(r, (3, 2))
    if case == "solve_triangular":
        check_grads(lambda a, y: sl.solve_triangular(a, y, lower=False), (np.triu(m), b))
    elif case == "expm":
        check_grads(sl.expm, (m - 2 * np.eye(3),))
    elif case == "det":
        check_grads(gnp.linalg.det, (m,))
    else:
        check_grads(lambda a, q: sl.solve_sylvester(a, a + 1.0, q), (m, _c(r, (3, 3))),
                    order=1)


@pytest.mark.parametrize("fn", [gnp.linalg.qr,
                                gnp.linalg.pinv])
def test_decompositions_without_complex_rules_raise(backend, fn):
    r = np.random.default_rng(1)
    m = _c(r, (3, 3))
    m = m + m.conj().T
    with pytest.raises((ad.MissingRuleError, TypeError, NotImplementedError)):
        ad.vjp(lambda a: ad.tree_flatten(fn(a))[0][0], m)


def test_hermitian_reads(backend):
    """One triangle of a complex matrix read as Hermitian (solve 'her'/'pos', pinv and svd with
    hermitian=True) agrees with SciPy/NumPy and differentiates; complex symmetric 'sym' and the
    generalised complex eigh raise."""
    import scipy.linalg as sp_linalg

    r = np.random.default_rng(2)
    m = _c(r, (4, 4))
    h = m @ m.conj().T + np.eye(4)
    b = _c(r, (4, 2))
    for kind in ("her", "pos"):
        xp = ad.get_backend().xp
        got = sl.solve(xp.asarray(np.tril(h)), xp.asarray(b), assume_a=kind, lower=True)
        got = got.get() if hasattr(got, "get") else got
        np.testing.assert_allclose(got, sp_linalg.solve(h, b), rtol=1e-10)
        check_grads(lambda a, y, k=kind: sl.solve(a, y, assume_a=k, lower=True),
                    (np.tril(h), b), order=1)
    check_grads(lambda a: gnp.linalg.svd(a, hermitian=True, compute_uv=False), (h,), order=1)
    with pytest.raises(NotImplementedError, match="complex symmetric"):
        sl.solve(h, b, assume_a="sym")
    with pytest.raises(NotImplementedError, match="real matrices only"):
        sl.eigh(h, h)
