"""JAX's linear-algebra gradient tests (``tests/linalg_test.py``: NumpyLinalgTest and
ScipyLinalgTest), ported to gpuad.

The functions, shapes (a sample, kept small), input distributions (``jtu.rand_default``: normal
with scale 3; symmetric and positive definite inputs built as JAX builds them), orders and
tolerances of JAX's ``check_grads`` calls, through ``gpuad.numpy.linalg`` and
``gpuad.scipy.linalg``. Where JAX symmetrizes its input (eigh, cholesky) gpuad reads one
triangle, as NumPy does (docs/semantics.md, "Which triangle"); ``check_grads`` compares a
function with its own finite differences, so both are checked as they are defined. Functions
of eigen- and singular vectors are checked through sign-invariant quantities.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from _jax_random import rand_default
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.linalg as gsl
from gpuad.numpy import linalg as gla
from gpuad.testing import check_grads


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _t(x):
    return np.swapaxes(x, -1, -2)


def _well_conditioned(rng, shape):
    """JAX draws inverse/solve inputs with rand_default; a shift keeps finite differences of
    the inverse accurate."""
    a = rand_default(rng, shape)
    return a + 3.0 * shape[-1] * np.eye(shape[-1])


# ---- det, slogdet -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (4, 4), (2, 5, 5)])
def test_det_grad(backend, shape):
    a = rand_default(_rng("det", shape), shape)
    check_grads(gla.det, (a,), order=2, atol=1e-1, rtol=1e-1)
    # no NaNs at a zero matrix (first order; a zero block of a batch)
    z = np.zeros_like(a)
    if len(shape) == 2 and shape[0] >= 2:
        check_grads(gla.det, (z,), order=1, atol=1e-1, rtol=1e-1)
    elif len(shape) == 3:
        a2 = a.copy()
        a2[0] = 0
        check_grads(gla.det, (a2,), order=1, atol=1e-1, rtol=1e-1)


def test_det_grad_issue6121(backend):
    f = lambda x: gnp.sum(gla.det(x))  # noqa: E731
    x = np.ones((16, 1, 1))
    np.testing.assert_allclose(to_numpy(ad.grad(f)(x)), np.ones((16, 1, 1)))
    check_grads(f, (x,), order=2, atol=1e-1, rtol=1e-1)


def test_det_grad_of_singular_matrix_corank1(backend):
    a = np.array([[50.0, -30.0, 45.0], [-30.0, 90.0, -81.0], [45.0, -81.0, 81.0]])
    assert abs(np.linalg.det(a)) < 1e-8 * np.abs(a).max() ** 3
    check_grads(gla.det, (a,), order=1, atol=1e-1, rtol=1e-1)
    # the gradient is the cofactor matrix (adjugate transposed)
    cof = np.array([[np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) * (-1) ** (i + j)
                     for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(to_numpy(ad.grad(gla.det)(a)), cof, atol=1e-8)


def test_det_grad_of_singular_matrix_corank2(backend):
    b = np.array([[36.0, -42.0, 18.0], [-42.0, 49.0, -21.0], [18.0, -21.0, 9.0]])
    np.testing.assert_allclose(to_numpy(ad.grad(gla.det)(b)), np.zeros((3, 3)), atol=1e-9)
    check_grads(gla.det, (b,), order=1, atol=1e-1, rtol=1e-1, eps=1e-1)


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (5, 5), (2, 7, 7)])
def test_slogdet_grad(backend, shape):
    a = rand_default(_rng("slogdet", shape), shape)
    check_grads(gla.slogdet, (a,), order=2, atol=1e-1, rtol=1e-1)


def test_slogdet_of_singular_matrix_grad_raises(backend):
    """JAX returns inf/nan there; gpuad's slogdet gradient at a singular matrix raises
    (docs/semantics.md, "Linear algebra at degenerate inputs")."""
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(ad.GradError):
        ad.grad(lambda a: gla.slogdet(a)[1])(a)


# ---- eigh, eigvalsh ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (5, 5), (2, 6, 6)])
@pytest.mark.parametrize("lower", [True, False])
def test_eigh_grad(backend, shape, lower):
    """JAX's testEighGrad checks eigh with symmetrize_input=True; gpuad reads one triangle.
    Eigenvectors enter through v * v (their sign is LAPACK's choice)."""
    rng = _rng("eigh", shape, lower)
    a = rand_default(rng, shape)
    a = (a + _t(a)) / 2
    uplo = "L" if lower else "U"

    def f(a):
        w, v = gla.eigh(a, UPLO=uplo)
        return w, v * v

    check_grads(f, (a,), order=2, rtol=1e-1, atol=1e-1)
    check_grads(lambda a: gla.eigvalsh(a, UPLO=uplo), (a,), order=2, rtol=1e-1, atol=1e-1)


def test_eigh_grad_symmetric_direction(backend):
    """Along a symmetric perturbation gpuad's (one-triangle) derivative equals JAX's
    (symmetrized) one: dw = diag(V^T dA V)."""
    rng = _rng("eigh-sym")
    a = rand_default(rng, (5, 5))
    a = (a + a.T) / 2
    da = rand_default(rng, (5, 5))
    da = (da + da.T) / 2
    (w, v), (dw, _) = ad.jvp(gla.eigh, (a,), (da,))
    v = to_numpy(v)
    np.testing.assert_allclose(to_numpy(dw), np.diag(v.T @ da @ v), atol=1e-10)


@pytest.mark.parametrize("lower", [True, False])
def test_eigh_grad_vector_complex(backend, lower):
    """JAX's testEighGradVectorComplex: eigh of a Hermitian matrix, perturbed along a Hermitian
    direction. The tangents must predict the perturbed eigenvalues and eigenpairs to first
    order, for complex input (docs/semantics.md, "Complex numbers") as for real input."""
    rng = _rng("eighc", lower)
    n, eps = 4, 1e-4
    uplo = "L" if lower else "U"
    f = lambda a: gla.eigh(a, UPLO=uplo)  # noqa: E731
    for cplx in (True, False):
        a = rand_default(rng, (n, n)) + (1j * rand_default(rng, (n, n)) if cplx else 0)
        a = (a + a.conj().T) / 2
        da = eps * (rand_default(rng, (n, n)) + (1j * rand_default(rng, (n, n)) if cplx else 0))
        da = (da + da.conj().T) / 2
        (w, v), (dw, dv) = ad.jvp(f, (a,), (da,))
        w, v, dw, dv = (to_numpy(t) for t in (w, v, dw, dv))
        new_a = a + da
        new_w = np.linalg.eigvalsh(new_a)
        np.testing.assert_allclose(w + dw, new_w, atol=1e-6)
        vv = v + dv
        resid = np.linalg.norm(new_w * vv - new_a @ vv, axis=0) / np.linalg.norm(new_w * vv,
                                                                                  axis=0)
        assert resid.max() < 1e-2


def test_eig_grad_real_spectrum(backend):
    """JAX's testEigvalsGrad/testEigGrad, on a real matrix with a real, distinct spectrum:
    eigenvalues (sorted) to order 2, eigenvectors through the scale- and sign-invariant
    v * v / sum(v * v)."""
    rng = _rng("eig")
    v = rand_default(rng, (4, 4)) / 3 + 3 * np.eye(4)
    a = v @ np.diag([1.0, 2.0, -3.0, 4.5]) @ np.linalg.inv(v)
    check_grads(lambda a: gnp.sort(gla.eigvals(a)), (a,), order=2, rtol=1e-3, atol=1e-3)

    def f(a):
        w, vv = gla.eig(a)
        return w, vv * vv / gnp.sum(vv * vv, axis=0)

    check_grads(f, (a,), order=1, rtol=1e-3, atol=1e-3)


def test_eig_grad_complex_spectrum(backend):
    """JAX differentiates eig of matrices with complex eigenvalues; so does gpuad: |w| of a
    rotation-like matrix against finite differences, to second order."""
    a = np.array([[0.0, -1.0], [1.0, 0.0]]) + 0.1 * np.eye(2) + 0.05 * np.array(
        [[0.3, 0.1], [-0.2, 0.4]])
    check_grads(lambda a: gnp.sort(gnp.abs(gla.eigvals(a))), (a,), order=2, rtol=1e-4,
                atol=1e-6)
    check_grads(lambda a: gnp.sum(gnp.real(gla.eigvals(a)) ** 2), (a,), order=2, rtol=1e-4,
                atol=1e-6)


# ---- svd --------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 2), (4, 3), (3, 5), (2, 4, 4)])
def test_svd_grad(backend, shape):
    a = rand_default(_rng("svd", shape), shape)
    check_grads(lambda a: gla.svd(a, compute_uv=False), (a,), order=2, rtol=1e-1,
                atol=1e-1)

    def uv(a):  # reduced factors through sign-invariant products
        u, s, vh = gla.svd(a, full_matrices=False)
        return s, u @ vh, (u * u), (vh * vh)

    check_grads(uv, (a,), order=2, rtol=1e-1, atol=1e-1)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5)])
def test_svd_full_matrices_projector_grad(backend, shape):
    """full_matrices=True: the extra columns enter through their projector (docs/semantics.md)."""
    a = rand_default(_rng("svdfull", shape), shape)
    k = min(shape)

    def f(a):
        u, s, vh = gla.svd(a, full_matrices=True)
        return u[:, k:] @ u[:, k:].T if shape[0] > k else vh[k:].T @ vh[k:]

    check_grads(f, (a,), order=1, modes=("rev",), rtol=1e-1, atol=1e-1)


# ---- qr ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 3), (5, 3), (2, 4, 3)])
def test_qr_grad(backend, shape):
    """JAX's testQrGrad (reduced mode, m >= n): Q and R are unique for R with a positive
    diagonal; gpuad follows LAPACK's signs, so the check goes through Q * Q, R * R and Q @ R."""
    a = rand_default(_rng("qr", shape), shape)

    def f(a):
        q, r = gla.qr(a)
        return q * q, r * r, gnp.matmul(q, r), q[..., :, :1] * r[..., :1, :1]

    check_grads(f, (a,), order=2, atol=3e-2, rtol=3e-2)


def test_qr_wide_grad(backend):
    a = rand_default(_rng("qrwide"), (3, 5))

    def f(a):
        q, r = gla.qr(a)
        return gnp.matmul(q, r), q[:, :1] * r[:1, :]

    check_grads(f, (a,), order=1, atol=3e-2, rtol=3e-2)


# ---- cholesky, inv, solve, pinv, matrix_power, lstsq ------------------------------------------

@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 5, 5)])
def test_cholesky_grad(backend, shape):
    rng = _rng("chol", shape)
    f_shape = shape[:-1] + (2 * shape[-1],)
    x = rand_default(rng, f_shape)
    a = x @ _t(x)
    check_grads(gla.cholesky, (a,), order=2, atol=1e-3, rtol=1e-3)
    # JAX's cholesky symmetrizes; along a symmetric direction both give the same derivative
    d = rand_default(rng, shape)
    d = d + _t(d)
    _, t = ad.jvp(gla.cholesky, (a,), (d,))
    eps = 1e-6
    fd = (np.linalg.cholesky(a + eps * d) - np.linalg.cholesky(a - eps * d)) / (2 * eps)
    np.testing.assert_allclose(to_numpy(t), fd, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_cholesky_upper_grad(backend, dtype):
    """testCholesky's ``upper=True`` (NumPy 2's keyword): the upper factor, real and complex."""
    rng = _rng("chol-upper", np.dtype(dtype).name)
    x = rand_default(rng, (4, 8))
    if dtype == np.complex128:
        x = x + 1j * rand_default(rng, (4, 8))
    a = x @ x.conj().T
    np.testing.assert_allclose(to_numpy(gla.cholesky(a, upper=True)),
                               np.linalg.cholesky(a).conj().T, atol=1e-10)
    check_grads(lambda a: gla.cholesky(a, upper=True), (a,), order=2, atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 5, 5)])
def test_inv_grad(backend, shape):
    a = _well_conditioned(_rng("inv", shape), shape)
    check_grads(gla.inv, (a,), order=2, atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("lhs,rhs", [((1, 1), (1, 1)), ((4, 4), (4,)), ((8, 8), (8, 4)),
                                     ((2, 5, 5), (2, 5, 3))])
def test_solve_grad(backend, lhs, rhs):
    rng = _rng("solve", lhs, rhs)
    a = _well_conditioned(rng, lhs)
    b = rand_default(rng, rhs)
    check_grads(gla.solve, (a, b), order=2, atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (2, 5, 5), (7, 5), (5, 7)])
def test_pinv_grad(backend, shape):
    a = rand_default(_rng("pinv", shape), shape)
    check_grads(gla.pinv, (a,), order=2, rtol=1e-2, atol=2e-2)


def test_pinv_grad_issue2792(backend):
    """A rank-deficient family (rank 1 for every p) and the Jacobian of pinv at the identity."""
    def f(p):
        a = gnp.array([[0.0, 0.0], [-p, 1.0]]) * 1 / (1 + p ** 2)
        return gla.pinv(a)

    for jac in (ad.jacrev, ad.jacfwd):
        np.testing.assert_allclose(to_numpy(jac(f)(2.0)), [[0.0, -1.0], [0.0, 0.0]],
                                   atol=1e-12)
    expected = np.array([[[[-1.0, 0.0], [0.0, 0.0]], [[0.0, -1.0], [0.0, 0.0]]],
                         [[[0.0, 0.0], [-1.0, 0.0]], [[0.0, 0.0], [0.0, -1.0]]]])
    np.testing.assert_allclose(to_numpy(ad.jacobian(gla.pinv)(np.eye(2))), expected,
                               atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3)])
def test_pinv_hermitian_grad(backend, shape):
    a = rand_default(_rng("pinvh", shape), shape)
    a = (a + _t(a)) / 2
    check_grads(lambda a: gla.pinv(a, hermitian=True), (a,), order=1, rtol=6e-2, atol=1e-3)


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (4, 4), (2, 3, 3)])
@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power_grad(backend, shape, n):
    a = rand_default(_rng("mpow", shape, n), shape) / 3.0 + 2.0 * np.eye(shape[-1])
    check_grads(lambda a: gla.matrix_power(a, n), (a,), order=2, rtol=1e-1, atol=1e-1)


@pytest.mark.parametrize("shape", [(5, 3), (2, 6, 4)][:1])
def test_lstsq_grad(backend, shape):
    rng = _rng("lstsq", shape)
    a = rand_default(rng, shape)
    b = rand_default(rng, shape[:-1] + (2,))
    check_grads(lambda a, b: gla.lstsq(a, b, rcond=None)[0], (a, b), order=2, atol=1e-2,
                rtol=1e-2)


# ---- norm -------------------------------------------------------------------------------------

_VEC_ORDS = [None, 1, 2, 3, -1, -2, np.inf, -np.inf]
_MAT_ORDS = [None, "fro", 1, 2, -1, -2, np.inf, -np.inf, "nuc"]


@pytest.mark.parametrize("shape,axis", [((7,), None), ((4, 5), 0), ((6, 3), -1),
                                        ((10, 7, 3), (1,))])
@pytest.mark.parametrize("ord", _VEC_ORDS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_vector_norm_grad(backend, shape, axis, ord, keepdims):
    a = rand_default(_rng("vnorm", shape, str(ord)), shape)
    check_grads(lambda a: gla.norm(a, ord=ord, axis=axis, keepdims=keepdims), (a,), order=2,
                rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("shape,axis", [((5, 8), None), ((3, 4, 5), (0, 2)),
                                        ((3, 4, 5), (2, 0))])
@pytest.mark.parametrize("ord", _MAT_ORDS)
def test_matrix_norm_grad(backend, shape, axis, ord):
    a = rand_default(_rng("mnorm", shape, str(ord), axis), shape)
    check_grads(lambda a: gla.norm(a, ord=ord, axis=axis), (a,), order=2, rtol=1e-3,
                atol=1e-3)


def test_norm_complex_grad(backend):
    """JAX's testNorm includes complex dtypes; norms are real functions of complex values,
    checked in gpuad's convention against their real parametrization."""
    rng = _rng("cnorm")
    z = rand_default(rng, (4, 3)) + 1j * rand_default(rng, (4, 3))
    for ord in (None, "fro", 1, np.inf, "nuc", 2):  # the last two through the complex SVD
        g = ad.grad(lambda z: gla.norm(z, ord=ord))(z)
        gx, gy = ad.grad(lambda x, y: gla.norm(x + 1j * y, ord=ord), (0, 1))(z.real, z.imag)
        np.testing.assert_allclose(to_numpy(g), to_numpy(gx) + 1j * to_numpy(gy),
                                   atol=1e-10)
    check_grads(lambda z: gla.norm(z), (z,), order=2)


# ---- scipy.linalg: expm, solve_triangular, cho_solve, lu ------------------------------------

@pytest.mark.parametrize("n", [1, 4, 5])
@pytest.mark.parametrize("target_norm", [1.0e-2, 2.0e-1, 9.0e-1, 2.0, 3.0])
def test_expm_grad(backend, n, target_norm):
    """JAX's testExpmGrad: inputs scaled to several 1-norms (the Pade branches), order 1."""
    a = 1e-3 * _rng("expm", n).standard_normal((n, n))
    a = a / np.linalg.norm(a, 1) * target_norm
    check_grads(gsl.expm, (a,), order=1, modes=("fwd", "rev"), atol=1e-3, rtol=1e-3)


def test_expm_grad_second_order(backend):
    a = _rng("expm2").standard_normal((3, 3)) / 2
    check_grads(gsl.expm, (a,), order=2, atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("trans", [0, 1])
@pytest.mark.parametrize("unit_diagonal", [False, True])
@pytest.mark.parametrize("a_shape,b_shape", [((4, 4), (4,)), ((4, 4), (4, 3)),
                                             ((2, 5, 5), (2, 5, 2))])
def test_solve_triangular_grad(backend, lower, trans, unit_diagonal, a_shape, b_shape):
    rng = _rng("trsv", lower, trans, unit_diagonal, a_shape)
    a = np.tril(rand_default(rng, a_shape) + 5 * np.eye(a_shape[-1]))
    a = a if lower else _t(a)
    b = rand_default(rng, b_shape)
    f = lambda a, b: gsl.solve_triangular(a, b, trans=trans, lower=lower,  # noqa: E731
                                          unit_diagonal=unit_diagonal)
    check_grads(f, (a, b), order=2, rtol=4e-2, atol=4e-2, eps=1e-3)


def test_cho_solve_grad(backend):
    rng = _rng("cho_solve")
    x = rand_default(rng, (4, 8))
    a = x @ x.T
    b = rand_default(rng, (4, 2))

    def f(a, b):
        return gsl.cho_solve(gsl.cho_factor(a, lower=True), b)

    check_grads(f, (a, b), order=2, rtol=1e-3, atol=1e-3)


def test_scipy_linalg_functions_compared_elsewhere():
    """JAX's ScipyLinalgTest also covers these; gpuad compares them with JAX in
    tests/conformance/test_linalg_extra.py (lu, lu_factor, lu_solve, polar, expm_frechet) and
    tests/conformance/test_jax_scipy_spectral_schur.py (schur, eigh_tridiagonal)."""
    for name in ("schur", "eigh_tridiagonal", "lu", "lu_factor", "lu_solve", "polar",
                 "expm_frechet"):
        assert callable(getattr(gsl, name)), name


# ---- complex dtypes (JAX's float_types + complex_types) -------------------------------------

def _cplx(rng, shape):
    return rand_default(rng, shape) + 1j * rand_default(rng, shape)


def test_complex_grads(backend):
    """JAX runs det, slogdet, inv, solve, cholesky, expm and solve_triangular on complex
    inputs too; gpuad's convention differs from JAX's by a conjugate, and check_grads compares
    the real inner product, which holds in gpuad's."""
    rng = _rng("complex")
    z = _cplx(rng, (3, 3)) / 3 + 2 * np.eye(3)
    b = _cplx(rng, (3, 2))
    h = z @ z.conj().T
    cases = [(gla.det, (z,)), (gla.slogdet, (z,)), (gla.inv, (z,)), (gla.solve, (z, b)),
             (gla.cholesky, (h,)), (gsl.expm, (z / 4,)),
             (lambda a: gla.matrix_power(a, -2), (z,)),
             (lambda a, b: gsl.solve_triangular(a, b, lower=True), (np.tril(z), b)),
             (lambda a, b: gsl.solve_triangular(a, b, trans=1), (np.triu(z), b))]
    for f, args in cases:
        check_grads(f, args, order=2, atol=1e-4, rtol=1e-4)


def test_complex_grads_missing(backend):
    """Complex cases JAX differentiates: qr, pinv, lstsq, the SVD and eigvalsh are
    differentiated (tests/conformance/test_complex_qr_pinv_lstsq.py compares qr, pinv and
    lstsq with JAX itself), and so are the triangular solve with trans='C' and cho_solve."""
    rng = _rng("complex-missing")
    z = _cplx(rng, (3, 3)) / 3 + 2 * np.eye(3)
    b = _cplx(rng, (3, 2))
    for f in (lambda a: gla.qr(a)[1], gla.pinv, lambda a: gla.lstsq(a, b)[0]):
        check_grads(f, (z,), order=1)
    check_grads(lambda a: gla.svd(a, compute_uv=False), (z,), order=1)
    check_grads(lambda a: gla.eigvalsh(a @ gnp.conj(a.T)), (z,), order=1)
    # (tests/conformance/test_complex_lu_cho.py compares these with JAX itself)
    check_grads(lambda a: gsl.solve_triangular(a, b, trans=2), (np.triu(z),), order=1)
    check_grads(lambda a: gsl.cho_solve(gsl.cho_factor(a), b), (z @ z.conj().T,), order=1)
