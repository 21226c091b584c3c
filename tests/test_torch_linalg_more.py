"""torch's LDL^T (ldl_factor, ldl_factor_ex, ldl_solve), Householder QR (geqrf, ormqr),
randomised low-rank SVD (svd_lowrank, pca_lowrank), combinations, bucketize and torch-style
searchsorted: values against NumPy-built references, derivatives against float64 central
differences, errors for bad shapes. (torch itself: tests/conformance/test_torch_opinfo.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.linalg as LA
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _rng(seed=0):
    return np.random.default_rng(seed)


def _indefinite(n=4, seed=0):
    """A symmetric indefinite matrix whose zero diagonal forces 2x2 pivots."""
    a = _rng(seed).standard_normal((n, n))
    a = a + a.T
    np.fill_diagonal(a, 0.0)
    return a


def _unpack(LD, piv):
    """``A`` rebuilt from LAPACK sytrf's lower ``(LD, pivots)`` (a reference in NumPy)."""
    n = LD.shape[0]
    # A = L D L^T with L = P1 L1 P2 L2 ...: rebuilt from D outwards
    blocks = []
    k = 0
    while k < n:
        s = 1 if piv[k] > 0 else 2
        blocks.append((k, s))
        k += s
    M = np.zeros((n, n))
    for k, s in blocks:
        M[k:k + s, k:k + s] = np.tril(LD[k:k + s, k:k + s]) + np.tril(LD[k:k + s, k:k + s], -1).T
    for k, s in reversed(blocks):
        L = np.eye(n)
        L[k + s:, k:k + s] = LD[k + s:, k:k + s]
        M = L @ M @ L.T
        p = piv[k] - 1 if s == 1 else -piv[k] - 1
        swap = k if s == 1 else k + 1
        P = np.eye(n)
        P[[swap, p]] = P[[p, swap]]
        M = P @ M @ P.T
    return M


def test_ldl_factor_rebuilds_the_matrix_and_solves(backend):
    a = _indefinite(5)
    LD, piv = LA.ldl_factor(gnp.asarray(a))
    LD, piv = to_numpy(LD), to_numpy(piv)
    assert piv.dtype == np.int32 and (piv < 0).any()  # 2x2 blocks were taken
    np.testing.assert_allclose(_unpack(LD, piv), a, atol=1e-12)
    assert not np.triu(LD, 1).any()
    b = _rng(1).standard_normal((5, 3))
    x = LA.ldl_solve(gnp.asarray(LD), gnp.asarray(piv), gnp.asarray(b))
    np.testing.assert_allclose(to_numpy(x), np.linalg.solve(a, b), atol=1e-12)
    # a stack, B broadcast; info is zero
    stack = np.stack([a, _indefinite(5, 3)])
    LD2, piv2, info = LA.ldl_factor_ex(gnp.asarray(stack))
    assert to_numpy(info).tolist() == [0, 0]
    x2 = LA.ldl_solve(LD2, piv2, gnp.asarray(b))
    np.testing.assert_allclose(to_numpy(x2), np.linalg.solve(stack, b), atol=1e-12)


def test_ldl_gradients_match_finite_differences(backend):
    a = _indefinite(4, 2)
    check_grads(lambda A: LA.ldl_factor(A)[0], (a,), order=1)
    LD, piv = LA.ldl_factor(gnp.asarray(a))
    b = _rng(3).standard_normal((4, 2))
    check_grads(lambda L, B: LA.ldl_solve(L, piv, B), (to_numpy(LD), b), order=1)
    # the solution as a function of A through both steps: A^-1 B
    x = ad.tensor(a, requires_grad=True)
    (g,) = ad.autograd.grad(LA.ldl_solve(*LA.ldl_factor(x), ad.tensor(b)).sum(), x)
    inv = np.linalg.inv(a)
    full = -inv.T @ np.ones((4, 2)) @ (inv @ b).T  # d/dA of sum(A^-1 B), A read whole
    np.testing.assert_allclose(to_numpy(g), np.tril(full + full.T - np.diag(np.diag(full))),
                               atol=1e-10)


def test_ldl_errors_name_the_op_and_shapes(backend):
    a = gnp.asarray(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"ldl_factor.*\(3, 4\)"):
        LA.ldl_factor(a)
    with pytest.raises(np.linalg.LinAlgError, match="ldl_factor: the matrix is singular"):
        LA.ldl_factor(gnp.asarray(np.zeros((3, 3))))
    LD, piv, info = LA.ldl_factor_ex(gnp.asarray(np.zeros((3, 3))))
    assert int(to_numpy(info)) == 1
    LD, piv = LA.ldl_factor(gnp.asarray(np.eye(3)))
    with pytest.raises(ValueError, match=r"ldl_solve: B must be \(\.\.\., n, k\).*\(4, 1\)"):
        LA.ldl_solve(LD, piv, gnp.asarray(np.ones((4, 1))))
    with pytest.raises(ValueError, match="ldl_solve: pivots must have shape"):
        LA.ldl_solve(LD, piv[:2], gnp.asarray(np.ones((3, 1))))
    with pytest.raises(NotImplementedError, match="ldl_factor: complex"):
        LA.ldl_factor(gnp.asarray(np.eye(2) * 1j))


def test_geqrf_and_ormqr_values(backend):
    a = _rng(4).standard_normal((2, 5, 3))
    h, tau = (to_numpy(v) for v in LA.geqrf(gnp.asarray(a)))
    assert tau.shape == (2, 3)
    q = to_numpy(LA.householder_product(gnp.asarray(h), gnp.asarray(tau)))
    np.testing.assert_allclose(q @ np.triu(h[..., :3, :]), a, atol=1e-12)  # A = Q R
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(3), (2, 3, 3)),
                               atol=1e-12)
    c = _rng(5).standard_normal((2, 5, 2))
    qc = to_numpy(LA.ormqr(gnp.asarray(h), gnp.asarray(tau), gnp.asarray(c)))
    back = LA.ormqr(gnp.asarray(h), gnp.asarray(tau), gnp.asarray(qc), transpose=True)
    np.testing.assert_allclose(to_numpy(back), c, atol=1e-12)  # Q^T Q C = C
    # Q's first columns are householder_product's: (Q^T Q C)[:3] = q^T (Q C)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ qc, c[..., :3, :], atol=1e-12)
    right = LA.ormqr(gnp.asarray(h), gnp.asarray(tau), gnp.asarray(np.swapaxes(c, -1, -2)),
                     left=False, transpose=True)
    np.testing.assert_allclose(to_numpy(right), np.swapaxes(qc, -1, -2), atol=1e-12)
    t = ad.tensor(a)
    np.testing.assert_array_equal(to_numpy(t.geqrf()[0]), h)
    np.testing.assert_array_equal(
        to_numpy(ad.tensor(h).ormqr(ad.tensor(tau), ad.tensor(c))), qc)


def test_geqrf_and_ormqr_gradients(backend):
    a = _rng(7).standard_normal((4, 3))
    check_grads(LA.geqrf, (a,), order=1)
    h, tau = (to_numpy(v) for v in LA.geqrf(gnp.asarray(a)))
    c = _rng(8).standard_normal((4, 2))
    for left, tr in ((True, False), (False, True)):
        cc = c if left else c.T
        check_grads(lambda H, T, C: LA.ormqr(H, T, C, left=left, transpose=tr),
                    (h, tau, cc), order=1)


def test_geqrf_ormqr_errors(backend):
    with pytest.raises(ValueError, match=r"geqrf: A must have at least 2 dimensions.*\(3,\)"):
        LA.geqrf(gnp.asarray(np.ones(3)))
    h, tau = LA.geqrf(gnp.asarray(np.eye(4, 3) + 1.0))
    with pytest.raises(ValueError, match=r"ormqr: other.shape\[-2\] must equal input.shape"):
        LA.ormqr(h, tau, gnp.asarray(np.ones((3, 2))))
    with pytest.raises(ValueError, match="ormqr: tau.shape.* at most min"):
        LA.ormqr(h, gnp.asarray(np.ones(4)), gnp.asarray(np.ones((4, 2))))


def test_svd_lowrank_is_exact_at_full_rank_q(backend):
    rng = _rng(9)
    a = rng.standard_normal((5, 2)) @ rng.standard_normal((2, 4))  # rank 2
    u, s, v = (to_numpy(x) for x in LA.svd_lowrank(gnp.asarray(a), q=2))
    np.testing.assert_allclose((u * s) @ v.T, a, atol=1e-12)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False)[:2], atol=1e-12)
    centred = a - a.mean(0)
    u, s, v = (to_numpy(x) for x in LA.pca_lowrank(gnp.asarray(a), q=2))
    np.testing.assert_allclose((u * s) @ v.T, centred, atol=1e-12)

    def part(x, y):  # the draw-free part: U V^T and S of a rank-2 matrix
        gnp.random.seed(0)
        u, s, v = LA.svd_lowrank(x @ y.T, q=2)
        return u @ v.T, s

    check_grads(part, (rng.standard_normal((4, 2)), rng.standard_normal((3, 2))), order=1,
                modes=("rev",))
    with pytest.raises(ValueError, match=r"pca_lowrank: q \(= 5\) must not exceed"):
        LA.pca_lowrank(gnp.asarray(a), q=5)


def test_combinations(backend):
    x = _rng(10).standard_normal(4)
    c = to_numpy(gnp.combinations(gnp.asarray(x), 2))
    np.testing.assert_array_equal(c, x[np.array([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3],
                                                 [2, 3]])])
    assert to_numpy(gnp.combinations(gnp.asarray(x), 3, with_replacement=True)).shape == (20, 3)
    assert to_numpy(gnp.combinations(gnp.asarray(x), 5)).shape == (0, 5)
    check_grads(lambda v: gnp.combinations(v, 2, with_replacement=True), (x,), order=2)
    with pytest.raises(ValueError, match=r"combinations: expect a 1-D input.*\(2, 2\)"):
        gnp.combinations(gnp.asarray(np.ones((2, 2))))


def test_bucketize_and_torch_searchsorted(backend):
    edges = np.array([1.0, 3.0, 5.0])
    x = np.array([[0.0, 1.0, 2.0], [3.0, 5.0, 6.0]])
    left = gnp.bucketize(gnp.asarray(x), gnp.asarray(edges))
    right = gnp.bucketize(gnp.asarray(x), gnp.asarray(edges), right=True, out_int32=True)
    np.testing.assert_array_equal(to_numpy(left), np.searchsorted(edges, x, side="left"))
    np.testing.assert_array_equal(to_numpy(right), np.searchsorted(edges, x, side="right"))
    assert to_numpy(left).dtype == np.int64 and to_numpy(right).dtype == np.int32
    rows = np.array([[1.0, 3.0, 5.0], [0.0, 2.0, 4.0]])
    got = gnp.searchsorted(gnp.asarray(rows), gnp.asarray(x), right=True)
    np.testing.assert_array_equal(to_numpy(got), [np.searchsorted(r, v, side="right")
                                                  for r, v in zip(rows, x, strict=True)])
    # NumPy's call keeps NumPy's meaning
    np.testing.assert_array_equal(to_numpy(gnp.searchsorted(gnp.asarray(edges), 3.0,
                                                            side="right")), 2)
    t = ad.tensor(x, requires_grad=True)
    assert not isinstance(gnp.bucketize(t, gnp.asarray(edges)), ad.Tensor)  # a constant
    f = ad.jit(lambda v: gnp.bucketize(v, edges, right=True))  # a step of the program
    f(np.array([0.0, 2.0]))
    np.testing.assert_array_equal(to_numpy(f(np.array([6.0, 3.0]))), [3, 2])
    with pytest.raises(ValueError, match=r"bucketize: boundaries must be 1-D.*\(1, 3\)"):
        gnp.bucketize(gnp.asarray(x), gnp.asarray(edges[None]))
    with pytest.raises(ValueError, match=r"searchsorted: the sorted sequence must be 1-D or "
                                         r"share.*\(2, 3\) and \(3, 2\)"):
        gnp.searchsorted(gnp.asarray(rows), gnp.asarray(x.T), right=False)
    with pytest.raises(ValueError, match="searchsorted: side='left' and right=True disagree"):
        gnp.searchsorted(gnp.asarray(edges), gnp.asarray(x), side="left", right=True)


def test_jit_replays_geqrf_choices_and_refuses_ldl_pivots(backend):
    b1 = _rng(11).standard_normal((3, 3))
    b2 = b1.copy()
    b2[1:, 0] = 0.0  # no reflector for the first column: tau 0, chosen again at replay
    f = ad.jit(lambda A: LA.geqrf(A))
    f(b1)
    for got, want in zip(f(b2), LA.geqrf(gnp.asarray(b2)), strict=True):
        np.testing.assert_allclose(to_numpy(got), to_numpy(want), atol=1e-14)
    assert float(to_numpy(f(b2)[1])[0]) == 0.0
    with pytest.raises(Exception, match="ldl_factor: the pivots"):
        ad.jit(lambda A: LA.ldl_factor(A)[0])(_indefinite(3))
    with pytest.raises(TypeError, match="ldl_factor inside gpuad.vmap"):
        ad.vmap(lambda A: LA.ldl_factor(A)[0])(np.stack([_indefinite(3), _indefinite(3, 1)]))


def test_householder_product_of_complex_reflectors(backend):
    """LAPACK's complex Householder form (scipy's qr(mode='raw'), zgeqrf): householder_product
    rebuilds the Q of the QR factorisation (H_i = I - tau_i v_i v_i^H); it refused complex
    matrices. Differentiable in both arguments."""
    sla = pytest.importorskip("scipy.linalg")
    r = _rng(6)
    a = r.standard_normal((5, 3)) + 1j * r.standard_normal((5, 3))
    (h, tau), _ = sla.qr(a, mode="raw")
    q = to_numpy(LA.householder_product(gnp.asarray(h), gnp.asarray(tau)))
    np.testing.assert_allclose(q @ np.triu(h[:3]), a, atol=1e-12)
    check_grads(LA.householder_product, (h, tau), order=1, modes=("rev",))
