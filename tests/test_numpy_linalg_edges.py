"""numpy.linalg at its edges, as NumPy: norms and cond of empty and zero matrices, lstsq's
result dtypes and its error on inf, trace's accumulation dtype, and NumPy's kinds of error for
bad arguments (LinAlgError, AxisError, ValueError). Each case once on arrays and once on a
Tensor being differentiated (whose gradient, where there is one, is checked too)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.linalg as gsl
from gpuad.testing import check_grads

L = gnp.linalg
INF = np.inf


def _both(a):
    xp = ad.get_backend().xp
    return xp.asarray(a), ad.tensor(xp.asarray(a), requires_grad=True)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (2, 0, 3)])
def test_norms_of_empty_arrays(backend, shape):
    """The largest of no values is 0 (inf, 1 and 2 norms); a negative p-norm of no values is
    inf (the sum of no terms is 0, and 0 ** (1/p) = inf); the smallest of nothing raises."""
    z = np.zeros(shape)
    for x in _both(z):
        for axis in (-1, -2):
            for ord in (INF, -1, -2, 1, 2, 0.5):
                with np.errstate(divide="ignore"):
                    want = np.linalg.vector_norm(z, ord=ord, axis=axis)
                got = to_numpy(L.vector_norm(x, ord=ord, axis=axis))
                assert got.shape == want.shape
                np.testing.assert_array_equal(got, want)
        for ord in (2, 1, INF, "nuc", "fro"):
            try:
                want = np.linalg.norm(z, ord, axis=(-2, -1))
            except ValueError:
                with pytest.raises(ValueError):
                    L.norm(x, ord, axis=(-2, -1))
                continue
            np.testing.assert_array_equal(to_numpy(L.norm(x, ord, axis=(-2, -1))), want)
        with pytest.raises(ValueError):
            L.vector_norm(x, ord=-INF)
    # over two axes of a stack of no matrices: one norm per (no) matrix, not a reshape error
    for x in _both(np.zeros((0, 2, 3))):
        assert L.vector_norm(x, ord=-INF, axis=(-2, -1)).shape == (0,)


def test_decompositions_of_stacks_of_empty_matrices(backend):
    """Device paths that loop over the matrices of a stack reshape it to (count, m, n)."""
    xp = ad.get_backend().xp
    for mode in ("reduced", "complete"):
        q, r = L.qr(xp.zeros((2, 0, 0)), mode)
        assert q.shape == r.shape == (2, 0, 0)
    assert L.qr(xp.zeros((2, 0, 0)), "r").shape == (2, 0, 0)
    assert gsl.expm(xp.zeros((2, 0, 0))).shape == (2, 0, 0)


def test_cond_of_empty_and_zero_matrices(backend):
    xp = ad.get_backend().xp
    for x in _both(np.zeros((0, 0))):
        with pytest.raises(np.linalg.LinAlgError, match="empty"):
            L.cond(x)
    a = np.stack([np.zeros((2, 2)), np.diag([2.0, 1.0])])
    for p in (None, 2, -2):
        np.testing.assert_array_equal(to_numpy(L.cond(xp.asarray(a), p)), np.linalg.cond(a, p))


def test_lstsq_dtypes_and_non_finite_input(backend):
    xp = ad.get_backend().xp
    a32 = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], np.float32)
    b64 = np.array([1.0, 2.0, 3.0])
    x, res, rank, s = L.lstsq(xp.asarray(a32), xp.asarray(b64))
    xw, resw, rankw, sw = np.linalg.lstsq(a32, b64)
    assert type(rank) is type(rankw) and rank == rankw  # LAPACK's int32
    for g, w in ((x, xw), (res, resw), (s, sw)):
        assert to_numpy(g).dtype == w.dtype
        np.testing.assert_allclose(to_numpy(g), w, rtol=1e-6)
    bad = np.array([[1.0, INF], [0.0, 1.0]])
    for a in _both(bad):
        with pytest.raises(np.linalg.LinAlgError, match="did not converge"):
            L.lstsq(a, xp.ones(2))


def test_trace_sums_in_the_dtype_asked_for(backend):
    a = np.diag(np.array([1e8, 1.0, -1e8], np.float32))
    for x in _both(a):
        got = L.trace(x, dtype=np.float64)
        assert to_numpy(got).dtype == np.float64 and float(to_numpy(got)) == 1.0


def test_numpys_kinds_of_error(backend):
    xp = ad.get_backend().xp
    for a in _both(np.ones(3)):
        with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
            L.solve(a, xp.ones(3))
        with pytest.raises(np.exceptions.AxisError):
            L.matrix_norm(a)
    for a in _both(np.ones((2, 2, 2))):
        with pytest.raises(np.exceptions.AxisError):
            L.norm(a, axis=5)
    with pytest.raises(ValueError, match="not both"):
        L.matrix_rank(xp.eye(2), tol=1.0, rtol=0.5)


def test_gradients_through_the_edges(backend):
    """The lstsq cast to the common dtype and a matrix 1-norm with an empty companion stack
    still differentiate (float64 central differences)."""
    xp = ad.get_backend().xp
    a = xp.asarray(np.random.default_rng(0).standard_normal((4, 2)))
    b = xp.asarray(np.random.default_rng(1).standard_normal(4).astype(np.float32))
    check_grads(lambda a: L.lstsq(a, b)[0], (a,), order=1, modes=("rev",))
    check_grads(lambda a: L.norm(a, INF, axis=(-2, -1)) + L.vector_norm(a[:0], ord=INF), (a,),
                order=1, modes=("rev",))
