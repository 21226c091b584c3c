"""gpuad.scipy.linalg's matrix functions (logm, fractional_matrix_power, signm, cosm ... tanhm,
expm_cond, khatri_rao) and the fixes found porting SciPy's linalg tests
(tests/conformance/test_scipy_linalg_suite.py): solve reads only the structure ``assume_a``
names, ``'pos'`` refuses a matrix that is not positive definite, complex symmetric solves,
generalised complex eigh with ``type`` 2 and 3 and subsets, lstsq's scalar residue, batched
toeplitz/circulant, complex sqrtm derivatives. Checked against identities and hand-derived
values, derivatives against float64 central differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.linalg as gl
from gpuad.engine import GradError
from gpuad.testing import check_grads

R = np.random.default_rng(4)
A = 0.3 * R.standard_normal((3, 3)) + 2.0 * np.eye(3)  # eigenvalues near 2: all functions fine
S = 0.4 * R.standard_normal((3, 3))


def dev(a):
    return ad.get_backend().xp.asarray(a)


def close(got, want, tol=1e-10):
    got = to_numpy(got)
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def eig_fn(a, f):
    """f(a) = V f(D) V^-1 (``a`` diagonalisable): the reference for primary functions."""
    w, v = np.linalg.eig(a)
    return (v * f(w)) @ np.linalg.inv(v)


@pytest.mark.parametrize("name,f,mat", [
    ("logm", np.log, A), ("cosm", np.cos, S), ("sinm", np.sin, S), ("tanm", np.tan, S),
    ("coshm", np.cosh, S), ("sinhm", np.sinh, S), ("tanhm", np.tanh, S),
    ("signm", np.sign, A - 2.0 * np.eye(3) + np.diag([0.5, -0.7, 0.9])),
])
def test_matrix_functions_values_and_derivatives(backend, name, f, mat):
    fn = getattr(gl, name)
    want = eig_fn(mat, f)
    if name == "signm":  # sign of a complex eigenvalue is sign(re)
        w, v = np.linalg.eig(mat)
        want = (v * np.sign(w.real)) @ np.linalg.inv(v)
    close(fn(dev(mat)), want.real, 1e-9)
    assert to_numpy(fn(dev(mat))).dtype == np.float64  # real matrix, real result (SciPy's)
    check_grads(fn, (mat,), order=1)


def test_fractional_matrix_power(backend):
    close(gl.fractional_matrix_power(dev(A), 0.5), eig_fn(A, np.sqrt).real, 1e-9)
    close(gl.fractional_matrix_power(dev(A), -1.5), eig_fn(A, lambda w: w ** -1.5).real, 1e-9)
    close(gl.fractional_matrix_power(dev(A), -2), np.linalg.matrix_power(np.linalg.inv(A), 2))
    check_grads(lambda a: gl.fractional_matrix_power(a, 0.3), (A,), order=2)
    # a complex-conjugate pair of eigenvalues: the exact power is real, so is the result
    rot = np.array([[2.0, -0.5, 0.0], [0.5, 2.0, 0.0], [0.0, 0.0, 1.0]])
    assert to_numpy(gl.fractional_matrix_power(dev(rot), 0.7)).dtype == np.float64
    with pytest.raises(TypeError, match="fractional_matrix_power: t must be a Python number"):
        gl.fractional_matrix_power(A, ad.tensor(np.array(0.5), requires_grad=True))


def test_logm_derivatives_to_second_order_and_complex(backend):
    check_grads(gl.logm, (A,), order=2)
    check_grads(gl.logm, (A + 0.3j * S,), order=1)
    # expm(logm(a)) == a
    close(gl.expm(gl.logm(dev(A))), A, 1e-12)
    # a negative eigenvalue: a complex logarithm, differentiated as a complex matrix
    neg = np.diag([-1.0, 2.0])
    assert to_numpy(gl.logm(dev(neg))).dtype.kind == "c"
    with pytest.raises(GradError, match="logm: the result for this real matrix is complex"):
        ad.grad(lambda a: gnp.sum(gnp.abs(gl.logm(a))))(dev(neg))
    g = ad.grad(lambda a: gnp.sum(gnp.real(gl.logm(a))))(dev(neg.astype(complex)))
    # at a diagonal matrix Dlog[E]_ij = E_ij (log wi - log wj) / (wi - wj) (1 / wi on the
    # diagonal); off it Re((i pi - log 2) / (-3)) = log(2) / 3 (the real part: any convention)
    off = np.log(2.0) / 3.0
    close(gnp.real(g), np.array([[-1.0, off], [off, 0.5]]))


def test_sqrtm_complex_input_is_differentiable(backend):
    if backend == "cupy":
        pytest.skip("CuPy has no matrix square root (sqrtm raises there)")
    # was refused ("the square root of this matrix is complex") for any complex input
    c = A + 0.3j * S
    check_grads(gl.sqrtm, (c,), order=1)
    x = to_numpy(gl.sqrtm(dev(c)))
    np.testing.assert_allclose(x @ x, c, atol=1e-12)


def test_expm_cond_and_khatri_rao(backend):
    # a scalar: K = exp(a), kappa = exp(a) |a| / exp(a) = |a|
    close(gl.expm_cond(dev(np.array([[-0.7]]))), 0.7)
    # a normal matrix: ||K||_2 = max over eigenvalue pairs of |(e^wi - e^wj)/(wi - wj)|
    d = np.diag([0.3, -0.4])
    k = max(np.exp(0.3), np.exp(-0.4), (np.exp(0.3) - np.exp(-0.4)) / 0.7)
    ex = np.diag(np.exp([0.3, -0.4]))
    close(gl.expm_cond(dev(d)), k * np.linalg.norm(d) / np.linalg.norm(ex))
    check_grads(gl.expm_cond, (S[:2, :2],), order=1)
    a, b = R.standard_normal((2, 3)), R.standard_normal((4, 3))
    close(gl.khatri_rao(dev(a), dev(b)), np.stack([np.kron(a[:, j], b[:, j]) for j in range(3)], 1))
    with pytest.raises(ValueError, match="khatri_rao: the number of columns"):
        gl.khatri_rao(a, b[:, :2])


def test_solve_reads_only_the_named_structure(backend):
    a = R.standard_normal((4, 4)) + 4.0 * np.eye(4)
    b = R.standard_normal((4, 2))
    # 'diagonal' reads the diagonal only (the general solve of the whole matrix was returned)
    close(gl.solve(dev(a), dev(b), assume_a="diagonal"), b / np.diag(a)[:, None])
    tri = np.triu(np.tril(a, 1), -1)
    close(gl.solve(dev(a), dev(b), assume_a="tridiagonal"), np.linalg.solve(tri, b))
    check_grads(lambda x: gl.solve(x, b, assume_a="tridiagonal"), (a,), order=1)
    # 'pos' is a Cholesky solve: a symmetric indefinite matrix raises, as SciPy's
    with pytest.raises(np.linalg.LinAlgError):
        gl.solve(dev(np.diag([1.0, -1.0])), dev(np.ones(2)), assume_a="pos")
    # complex symmetric (a = a^T, no conjugate), from the upper triangle
    c = a + 1j * R.standard_normal((4, 4))
    sym = np.triu(c) + np.triu(c, 1).T
    close(gl.solve(dev(c), dev(b), assume_a="sym"), np.linalg.solve(sym, b))
    check_grads(lambda x: gl.solve(x, b, assume_a="sym"), (c,), order=1)


@pytest.mark.parametrize("kind", [1, 2, 3])
def test_generalised_eigh_types_and_complex(backend, kind):
    m = R.standard_normal((3, 3)) + 1j * R.standard_normal((3, 3))
    a = m + m.conj().T
    n = R.standard_normal((3, 3)) + 1j * R.standard_normal((3, 3))
    b = n @ n.conj().T + 3 * np.eye(3)
    w, v = gl.eigh(dev(a), dev(b), type=kind)
    w, v = to_numpy(w), to_numpy(v)
    lhs = {1: a @ v, 2: a @ b @ v, 3: b @ a @ v}[kind]
    rhs = (b @ v if kind == 1 else v) * w
    np.testing.assert_allclose(lhs, rhs, atol=1e-10)
    gram = v.conj().T @ (np.linalg.inv(b) if kind == 3 else b) @ v
    np.testing.assert_allclose(gram, np.eye(3), atol=1e-10)
    check_grads(lambda x, y: gl.eigh(x, y, type=kind, eigvals_only=True), (a.real, b.real),
                order=1)


def test_eigh_subsets(backend):
    a = np.diag([3.0, 1.0, 2.0, 5.0])
    close(gl.eigh(dev(a), subset_by_index=[1, 2], eigvals_only=True), [2.0, 3.0])
    close(gl.eigh(dev(a), subset_by_value=[1.5, 3.0], eigvals_only=True), [2.0, 3.0])
    with pytest.raises(ValueError, match="eigh: requested eigenvalue indices"):
        gl.eigh(a, subset_by_index=[2, 5])


def test_lstsq_vector_residue_is_a_scalar(backend):
    a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([1.0, 1.0, 0.0])
    x, res, rank, _ = gl.lstsq(dev(a), dev(b))
    # normal equations [[2, 1], [1, 2]] x = [1, 1]: x = [1/3, 1/3], b - a x = [2, 2, -2] / 3
    close(x, [1 / 3, 1 / 3])
    assert to_numpy(res).shape == ()
    close(res, 4 / 3)
    assert rank == 2 and isinstance(rank, int)


def test_toeplitz_and_circulant_batch_leading_axes(backend):
    c = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    r = np.array([0.0, 7.0])
    t = to_numpy(gl.toeplitz(dev(c), dev(r)))
    assert t.shape == (2, 3, 2)
    np.testing.assert_array_equal(t[1], [[4.0, 7.0], [5.0, 4.0], [6.0, 5.0]])
    circ = to_numpy(gl.circulant(dev(c)))
    np.testing.assert_array_equal(circ[0], [[1.0, 3.0, 2.0], [2.0, 1.0, 3.0], [3.0, 2.0, 1.0]])


def test_new_scipy_names(backend):
    p = np.array([[4.0, 1.0, 0.0], [1.0, 4.0, 1.0], [0.0, 1.0, 4.0]])
    ab = np.array([[0.0, 1.0, 1.0], [4.0, 4.0, 4.0]])
    b = np.array([1.0, 2.0, 3.0])
    close(gl.solveh_banded(dev(ab), dev(b)), np.linalg.solve(p, b))
    close(gl.solveh_banded(dev(np.array([[4.0, 4, 4], [1, 1, 0]])), dev(b), lower=True),
          np.linalg.solve(p, b))
    u = np.linalg.cholesky(p).T
    close(gl.cholesky_banded(dev(ab)), np.array([[0.0, u[0, 1], u[1, 2]], np.diag(u)]))
    x = R.standard_normal((3, 4))
    r, q = gl.rq(dev(x))
    r, q = to_numpy(r), to_numpy(q)
    np.testing.assert_allclose(r @ q, x, atol=1e-12)
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-12)
    assert np.allclose(np.tril(r[:, 1:], -1), 0)
    a = 0.3 * R.standard_normal((3, 3))
    q3 = R.standard_normal((3, 3))
    xd = to_numpy(gl.solve_discrete_lyapunov(dev(a), dev(q3)))
    np.testing.assert_allclose(a @ xd @ a.T - xd + q3, 0, atol=1e-12)
    xc = to_numpy(gl.solve_continuous_lyapunov(dev(A), dev(q3)))
    np.testing.assert_allclose(A @ xc + xc @ A.T, q3, atol=1e-12)
    close(gl.pinvh(dev(np.diag([2.0, 0.0]))), np.diag([0.5, 0.0]))
    close(gl.diagsvd(dev(np.array([1.0, 2.0])), 2, 3), [[1.0, 0, 0], [0, 2.0, 0]])
    with pytest.raises(AttributeError, match="scipy.linalg.ldl"):
        gl.ldl  # noqa: B018


def test_signm_at_a_zero_eigenvalue(backend):
    # sign(0) = 0 (SciPy's convention): was a singular solve through sqrtm(A^2); a similarity
    # keeps it: V diag(1, 0, -1) V^-1
    v = np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.2, 0.0, 1.0]])
    a = v @ np.diag([2.0, 0.0, -3.0]) @ np.linalg.inv(v)
    close(gl.signm(dev(a)), v @ np.diag([1.0, 0.0, -1.0]) @ np.linalg.inv(v), 1e-8)
    from gpuad.linalg_rules import DegenerateError

    with pytest.raises(DegenerateError, match="signm: the matrix has an eigenvalue on the "
                                              "imaginary axis"):
        ad.grad(lambda x: gnp.sum(gl.signm(x)))(dev(a))
    check_grads(gl.signm, (a + np.eye(3) * 0.5,), order=2)


def test_qr_with_column_pivoting(backend):
    # was NotImplementedError; LAPACK's geqp3 pivots: a[:, p] = q r, |r_kk| non-increasing
    a = np.array([[1.0, 10.0, 0.1], [2.0, 0.0, 0.2], [0.0, 5.0, 0.3], [1.0, 1.0, 0.0]])
    q, r, p = gl.qr(dev(a), mode="economic", pivoting=True)
    q, r, p = to_numpy(q), to_numpy(r), to_numpy(p)
    assert p[0] == 1  # the column of largest norm first
    np.testing.assert_allclose(q @ r, a[:, p], atol=1e-12)
    assert np.all(np.diff(np.abs(np.diag(r))) <= 1e-12)
    check_grads(lambda x: gl.qr(x, mode="r", pivoting=True)[0], (a,), order=1)


def test_subspace_angles_and_solve_circulant(backend):
    t = 0.3
    a = np.array([[1.0], [0.0], [0.0]])
    b = np.array([[np.cos(t)], [np.sin(t)], [0.0]])
    close(gl.subspace_angles(dev(a), dev(b)), [t])  # the angle between two lines
    check_grads(lambda x: gl.subspace_angles(a, x), (b,), order=1)
    c = np.array([3.0, 1.0, 0.5])
    y = np.array([1.0, 2.0, 3.0])
    x = to_numpy(gl.solve_circulant(dev(c), dev(y)))
    circ = np.array([[3.0, 0.5, 1.0], [1.0, 3.0, 0.5], [0.5, 1.0, 3.0]])
    np.testing.assert_allclose(circ @ x, y, atol=1e-12)
    # all-ones: eigenvalues (4, 0, 0, 0): singular, or the minimum-norm solution ones / 4
    with pytest.raises(np.linalg.LinAlgError, match="solve_circulant"):
        gl.solve_circulant(dev(np.ones(4)), dev(np.ones(4)))
    close(gl.solve_circulant(dev(np.ones(4)), dev(np.ones(4)), singular="lstsq"), np.full(4, 0.25))
