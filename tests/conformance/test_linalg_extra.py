"""LU factorisations, structured matrices, polar and expm_frechet (gpuad.scipy.linalg) and
torch.linalg's conventions (gpuad.linalg): values against SciPy and torch, derivatives against
float64 central differences and against jax.scipy.linalg and torch's autograd."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.linalg as LA
import gpuad.scipy.linalg as gsl
from gpuad.testing import check_grads

sl = pytest.importorskip("scipy.linalg")

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 4))
B = RNG.standard_normal((4, 2))
STACK = RNG.standard_normal((2, 3, 3))


def _close(x, y, tol=1e-12):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol)


def test_lu_values_match_scipy():
    lu, piv = gsl.lu_factor(A)
    ref_lu, ref_piv = sl.lu_factor(A)
    _close(lu, ref_lu)
    assert piv.dtype == ref_piv.dtype and (piv == ref_piv).all()
    for trans in (0, 1, 2):
        _close(gsl.lu_solve((lu, piv), B, trans=trans), sl.lu_solve((ref_lu, ref_piv), B, trans))
    _close(gsl.lu_solve((lu, piv), B[:, 0]), np.linalg.solve(A, B[:, 0]))
    for kw in ({}, {"permute_l": True}, {"p_indices": True}):
        for x, y in zip(gsl.lu(A, **kw), sl.lu(A, **kw), strict=True):
            _close(x, y)
    for x, m in zip(gsl.lu_factor(STACK)[0], STACK, strict=True):  # stacked
        _close(x, sl.lu_factor(m)[0])


def test_lu_derivatives_central_differences():
    a = A[:3, :3]
    check_grads(lambda a: gsl.lu_factor(a)[0], (a,), order=2, modes=("fwd", "rev"))
    check_grads(
        lambda a, b: gsl.lu_solve(gsl.lu_factor(a), b, trans=1),
        (a, B[:3]),
        order=1,
        modes=("fwd", "rev"),
    )
    check_grads(lambda a: gsl.lu(a, permute_l=True)[0], (a,), order=1, modes=("rev",))
    check_grads(lambda s: gsl.lu_factor(s)[0], (STACK,), order=1, modes=("rev",))


def test_lu_gradient_matches_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jsl = pytest.importorskip("jax.scipy.linalg")
    w = RNG.standard_normal((2, 4, 4))

    def loss(lib, a):
        p, l, u = lib.lu(a)
        x = lib.lu_solve(lib.lu_factor(a), B)
        return (l * w[0]).sum() + (u * w[1]).sum() + (x**2).sum()

    want = jax.jit(jax.grad(lambda a: loss(jsl, a)))(A)  # one compilation
    _close(ad.grad(lambda a: loss(gsl, a))(A), want, 1e-10)
    _close(gsl.lu_factor(A)[1], jsl.lu_factor(A)[1])


def test_lu_under_vmap_and_errors():
    got = ad.vmap(lambda m, v: gsl.lu_solve(gsl.lu_factor(m), v))(STACK, B[:2, :1].repeat(3, 1))
    _close(got, np.linalg.solve(STACK, B[:2, :1].repeat(3, 1)[..., None])[..., 0])
    wide = RNG.standard_normal((2, 3))  # rectangular as SciPy's (tests/test_lu_rectangular.py)
    for x, y in zip(gsl.lu_factor(wide), sl.lu_factor(wide), strict=True):
        _close(x, y)
    p, lo, up = gsl.lu(A + 1j)  # complex: tests/conformance/test_complex_lu_cho.py
    _close(np.asarray(p) @ lo @ up, A + 1j)
    with pytest.raises(ValueError, match="lu_solve: shapes"):
        gsl.lu_solve(gsl.lu_factor(A), np.ones(3))


def test_structured_matrices_match_scipy_and_differentiate():
    c, r = RNG.standard_normal(3), RNG.standard_normal(4)
    _close(gsl.toeplitz(c, r), sl.toeplitz(c, r))
    _close(gsl.toeplitz(c), sl.toeplitz(c))
    _close(gsl.hankel(c, r), sl.hankel(c, r))
    _close(gsl.hankel(c), sl.hankel(c))
    _close(gsl.circulant(c), sl.circulant(c))
    _close(gsl.block_diag(A[:2, :3], c, 2.0), sl.block_diag(A[:2, :3], c, 2.0))
    assert gsl.block_diag().shape == sl.block_diag().shape
    check_grads(lambda c, r: gsl.toeplitz(c, r) * gsl.hankel(c, r), (c, r), order=1, modes=("rev",))
    check_grads(
        lambda a, c: gsl.block_diag(a, gsl.circulant(c)), (A[:2, :3], c), order=1, modes=("rev",)
    )


def test_polar_and_expm_frechet():
    for side, a in (("right", A[:, :3]), ("left", A[:3])):
        for x, y in zip(gsl.polar(a, side), sl.polar(a, side), strict=True):
            _close(x, y)
    e = RNG.standard_normal((3, 3))
    a = 0.5 * A[:3, :3]
    for x, y in zip(gsl.expm_frechet(a, e), sl.expm_frechet(a, e), strict=True):
        _close(x, y, 1e-10)
    check_grads(
        lambda a: gsl.polar(a)[0] + gsl.polar(a, "left")[1],
        (A[:3, :3],),
        order=1,
        modes=("fwd", "rev"),
    )
    check_grads(
        lambda a, e: gsl.expm_frechet(a, e, compute_expm=False), (a, e), order=1, modes=("rev",)
    )


# ---- torch.linalg's conventions ---------------------------------------------------------------


def test_torch_lu_and_solves_match_torch():
    torch = pytest.importorskip("torch")
    t = torch.tensor
    lu, piv = LA.lu_factor(STACK)
    tlu, tpiv = torch.linalg.lu_factor(t(STACK))
    _close(lu, tlu.numpy())
    assert piv.dtype == np.int32 and (piv == tpiv.numpy()).all()
    b = RNG.standard_normal((2, 3, 2))
    for left in (True, False):
        bb = b if left else np.swapaxes(b, -1, -2)
        for adjoint in (True, False):
            _close(
                LA.lu_solve(lu, piv, bb, left=left, adjoint=adjoint),
                torch.linalg.lu_solve(tlu, tpiv, t(bb), left=left, adjoint=adjoint).numpy(),
            )
        for upper in (True, False):
            _close(
                LA.solve_triangular(STACK, bb, upper=upper, left=left, unitriangular=upper),
                torch.linalg.solve_triangular(
                    t(STACK), t(bb), upper=upper, left=left, unitriangular=upper
                ).numpy(),
            )
        _close(
            LA.solve_ex(STACK, bb, left=left)[0],
            torch.linalg.solve_ex(t(STACK), t(bb), left=left)[0].numpy(),
        )
    for x, y in zip(LA.lu(STACK), torch.linalg.lu(t(STACK)), strict=True):
        _close(x, y.numpy())
    p, low, up = LA.lu(STACK, pivot=False)
    _close(low @ up, STACK)
    _close(LA.matrix_exp(STACK), torch.linalg.matrix_exp(t(STACK)).numpy())
    x = RNG.standard_normal((2, 3))
    _close(LA.vander(x, N=4), torch.linalg.vander(t(x), N=4).numpy())


def test_torch_lu_gradients_match_torch():
    torch = pytest.importorskip("torch")
    w_np = RNG.standard_normal((3, 3, 3))
    b = RNG.standard_normal((3, 3, 2))

    def loss(lib, a, b):
        w = w_np if lib is ad else torch.tensor(w_np)
        p, low, up = lib.linalg.lu(a)
        lu, piv = lib.linalg.lu_factor(a)
        x = lib.linalg.lu_solve(lu, piv, b, adjoint=True)
        y = lib.linalg.solve_triangular(a, b, upper=False, left=True)
        return (low * w[0]).sum() + (up * w[1]).sum() + (x * x).sum() + (y * b).sum()

    a0 = STACK[0]
    ga, gb = ad.grad(lambda a, b: loss(ad, a, b), argnums=(0, 1))(a0, b[0])
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a0, b[0]))
    loss(torch, ta, tb).backward()
    _close(ga, ta.grad.numpy(), 1e-10)
    _close(gb, tb.grad.numpy(), 1e-10)


def test_torch_ex_functions_report_info():
    torch = pytest.importorskip("torch")
    spd = STACK @ np.swapaxes(STACK, -1, -2) + np.eye(3)
    low, info = LA.cholesky_ex(spd)
    _close(low, torch.linalg.cholesky_ex(torch.tensor(spd)).L.numpy())
    assert (info == 0).all()
    inv, info = LA.inv_ex(STACK)
    _close(inv, np.linalg.inv(STACK))
    check_grads(
        lambda a: LA.inv_ex(a)[0] + LA.cholesky_ex(a @ a.T + np.eye(3))[0],
        (A[:3, :3],),
        order=1,
        modes=("rev",),
    )
    bad = spd.copy()
    bad[1, 2, 2] = -5.0
    with pytest.raises(np.linalg.LinAlgError, match=r"cholesky_ex: .*\[0, 3\]"):
        LA.cholesky_ex(bad)
    sing = STACK.copy()
    sing[0, :, 1] = 0.0
    assert torch.linalg.inv_ex(torch.tensor(sing)).info.tolist() == [2, 0]
    with pytest.raises(np.linalg.LinAlgError, match=r"inv_ex: .*\[2, 0\]"):
        LA.inv_ex(sing)


def test_householder_product_matches_torch():
    torch = pytest.importorskip("torch")
    a, tau, w = (
        RNG.standard_normal((2, 4, 3)),
        RNG.standard_normal((2, 2)),
        RNG.standard_normal((2, 4, 3)),
    )
    ta, tt = (torch.tensor(v, requires_grad=True) for v in (a, tau))
    want = torch.linalg.householder_product(ta, tt)
    (want * torch.tensor(w)).sum().backward()
    _close(LA.householder_product(a, tau), want.detach().numpy())
    ga, gt = ad.grad(lambda a, t: (LA.householder_product(a, t) * w).sum(), argnums=(0, 1))(a, tau)
    _close(ga, ta.grad.numpy(), 1e-10)
    _close(gt, tt.grad.numpy(), 1e-10)
    assert ad.linalg is LA  # gpuad.linalg is reached as an attribute too, as torch.linalg
    with pytest.raises(ValueError, match="householder_product: need A"):
        LA.householder_product(a[:, :2], tau[:, :1].repeat(3, 1))
