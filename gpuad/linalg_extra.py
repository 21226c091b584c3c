"""LU factorisations and structured matrices with SciPy's (and jax.scipy.linalg's) conventions.

``lu``, ``lu_factor``, ``lu_solve``, ``block_diag``, ``toeplitz``, ``hankel``, ``circulant``,
``polar`` and ``expm_frechet``, re-exported by :mod:`gpuad.scipy.linalg`. The pivots of an LU
factorisation are chosen on the values (partial pivoting, as LAPACK's ``getrf``) and are
constants; the factors are differentiable through the primitive ``lu_nopivot`` (the LU
factorisation of the already permuted rows), whose vjp and jvp are written with triangular
solves, so derivatives of any order follow. Example::

    import gpuad.scipy.linalg as gsl
    p, l, u = gsl.lu(a)                  # a = p @ l @ u
    x = gsl.lu_solve(gsl.lu_factor(a), b)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from . import rules as _r
from .linalg_rules import _H, _T, solve_tri_
from .numpy import linalg as _nla
from .rules import matmul, prim

__all__ = [
    "block_diag",
    "circulant",
    "expm_frechet",
    "hankel",
    "lu",
    "lu_factor",
    "lu_solve",
    "polar",
    "toeplitz",
]


def _gnp():
    from . import numpy as gnp

    return gnp


# ---- LU on raw arrays --------------------------------------------------------------------------


def _eliminate(xp, a, pivot: bool):
    """``(packed LU, LAPACK pivots)`` of a stack of ``m x n`` matrices: Gaussian elimination
    with partial pivoting (or none) over the first ``min(m, n)`` columns. A zero pivot leaves
    its column, as LAPACK's ``getrf`` does; complex pivots are chosen on ``|re| + |im|``, as
    there."""
    a = a.astype(_np.result_type(a.dtype, _np.float32), copy=True)
    lead, (m, n) = a.shape[:-2], a.shape[-2:]
    count = math.prod(lead)  # (not -1: ambiguous for empty matrices)
    a = a.reshape((count, m, n))
    rows = xp.arange(count)
    k_max = min(m, n)
    piv = xp.zeros((count, k_max), dtype=xp.int32)
    for k in range(k_max):
        if pivot:
            col = a[:, k:, k]
            size = xp.abs(col.real) + xp.abs(col.imag) if col.dtype.kind == "c" else xp.abs(col)
            p = k + xp.argmax(size, axis=-1)  # LAPACK's i?amax: |re| + |im| for complex
            piv[:, k] = p
            top = a[rows, k].copy()
            a[rows, k] = a[rows, p]
            a[rows, p] = top
        else:
            piv[:, k] = k
        d = a[:, k, k]
        a[:, k + 1 :, k] /= xp.where(d == 0, 1, d)[:, None]
        a[:, k + 1 :, k + 1 :] -= a[:, k + 1 :, k, None] * a[:, k, None, k + 1 :]
    return a.reshape(lead + (m, n)), piv.reshape(lead + (k_max,))


def _perm_from_piv(xp, piv, m: int | None = None):
    """The row order ``perm`` (``a[perm] = l @ u``, ``m`` rows; by default as many as there
    are pivots) that LAPACK's swaps ``piv`` make."""
    lead, k = piv.shape[:-1], piv.shape[-1]
    m = k if m is None else m
    piv = piv.reshape((math.prod(lead), k))
    rows = xp.arange(piv.shape[0])
    perm = xp.broadcast_to(xp.arange(m), (piv.shape[0], m)).copy()
    for j in range(k):
        p = piv[:, j]
        top = perm[rows, j].copy()
        perm[rows, j] = perm[rows, p]
        perm[rows, p] = top
    return perm.reshape(lead + (m,))


def _lu_fwd(xp, a):
    return _eliminate(xp, a, pivot=False)[0]


def _tril(x, k):
    return _gnp().tril(x, k)


def _triu(x, k=0):
    return _gnp().triu(x, k)


def _unit_lower(x):
    """``L`` of a packed ``m x n`` factorisation: ``m x min(m, n)``, unit diagonal."""
    d = _r.data(x)
    m, n = _r.shape(x)[-2:]
    if n > m:
        x = _r.getitem(x, (Ellipsis, slice(None), slice(0, m)))
    return _tril(x, -1) + _r._xp(d).eye(m, min(m, n), dtype=d.dtype)


def _upper(x):
    """``U`` of a packed ``m x n`` factorisation: ``min(m, n) x n``."""
    m, n = _r.shape(x)[-2:]
    if m > n:
        x = _r.getitem(x, (Ellipsis, slice(0, n), slice(None)))
    return _triu(x)


def _lu_vjp_square(g, ans):
    # a = L U; with F = L^-1 dA U^-1: dL = L tril(F, -1), dU = triu(F) U
    lo, up = _unit_lower(ans), _triu(ans)
    gm = _tril(matmul(_T(lo), _tril(g, -1)), -1) + _triu(matmul(_triu(g), _T(up)))
    y = _T(solve_tri_(ans, _T(gm), lower=False, trans=0, unit=False))  # gm U^-T
    return solve_tri_(ans, y, lower=True, trans=1, unit=True)  # L^-T gm U^-T


def _lu_jvp_square(t, ans):
    z = solve_tri_(ans, t, lower=True, trans=0, unit=True)  # L^-1 dA
    f = _T(solve_tri_(ans, _T(z), lower=False, trans=1, unit=False))  # L^-1 dA U^-1
    return matmul(_unit_lower(ans), _tril(f, -1)) + matmul(_triu(f), _triu(ans))


def _split(x, k: int, axis: int):
    first = [Ellipsis, slice(None), slice(None)]
    last = list(first)
    first[axis], last[axis] = slice(0, k), slice(k, None)
    return _r.getitem(x, tuple(first)), _r.getitem(x, tuple(last))


def _singular_pivot(fn):
    """The derivative rule ``fn`` with a singular ``U`` reported as LU's, not the solve's
    (``a`` is not read: the rules need only the factors, and so only they are saved)."""

    def rule(t, ans, a):
        try:
            return fn(t, ans, None)
        except _np.linalg.LinAlgError as e:
            raise _np.linalg.LinAlgError(
                f"lu: the factors of the {_r.shape(ans)} matrix have no derivative: U has a zero "
                f"pivot (the matrix is singular or rank-deficient: {e}); differentiate away from "
                f"singular matrices, or use lstsq/pinv for rank-deficient ones") from None

    return rule


def _lu_vjp(g, ans, a):
    # tall (m > n): a = [L1; L2] U, the square factorisation of the top rows and
    # dL2 = (dA2 - L2 dU) U^-1; wide (m < n): a = L [U1 U2], dU2 = L^-1 (dA2 - dL U2)
    gnp = _gnp()
    m, n = _r.shape(ans)[-2:]
    if m == n:
        return _lu_vjp_square(g, ans)
    if m > n:
        f, l2 = _split(ans, n, -2)
        g1, g2 = _split(g, n, -2)
        ga2 = _T(solve_tri_(f, _T(g2), lower=False, trans=0, unit=False))  # g2 U^-T
        g1 = g1 - _triu(matmul(_T(l2), ga2))
        return gnp.concatenate([_lu_vjp_square(g1, f), ga2], axis=-2)
    f, u2 = _split(ans, m, -1)
    g1, g2 = _split(g, m, -1)
    ga2 = solve_tri_(f, g2, lower=True, trans=1, unit=True)  # L^-T g2
    g1 = g1 - _tril(matmul(ga2, _T(u2)), -1)
    return gnp.concatenate([_lu_vjp_square(g1, f), ga2], axis=-1)


def _lu_jvp(t, ans, a):
    gnp = _gnp()
    m, n = _r.shape(ans)[-2:]
    if m == n:
        return _lu_jvp_square(t, ans)
    if m > n:
        f, l2 = _split(ans, n, -2)
        t1, t2 = _split(t, n, -2)
        d1 = _lu_jvp_square(t1, f)
        rhs = t2 - matmul(l2, _triu(d1))  # dA2 - L2 dU, then times U^-1
        dl2 = _T(solve_tri_(f, _T(rhs), lower=False, trans=1, unit=False))
        return gnp.concatenate([d1, dl2], axis=-2)
    f, u2 = _split(ans, m, -1)
    t1, t2 = _split(t, m, -1)
    d1 = _lu_jvp_square(t1, f)
    du2 = solve_tri_(f, t2 - matmul(_tril(d1, -1), u2), lower=True, trans=0, unit=True)
    return gnp.concatenate([d1, du2], axis=-1)


# complex matrices: the factorisation is holomorphic, and so the real formulas hold
_lu_nopivot = prim("lu_nopivot", _lu_fwd, vjp=[_singular_pivot(_lu_vjp)],
                   jvp=[_singular_pivot(_lu_jvp)], cplx="holo")


def _square(a, name: str):
    s = _r.shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(
            f"{name}: expected square matrices (..., n, n); got shape {s}"
        )


def _matrix(a, name: str):
    s = _r.shape(a)
    if len(s) < 2:
        raise ValueError(f"{name}: expected matrices (..., m, n); got shape {s}")


def _real(a, name: str):
    if _r.data(a).dtype.kind == "c":
        raise NotImplementedError(f"{name}: complex matrices are not supported yet")


def _pivots(a):
    """LAPACK's 0-based pivots of ``a`` (constants: chosen on the values)."""
    return _nla._on_stacks(lambda d: _eliminate(_r._xp(d), d, pivot=True)[1], a)


def _rows(x, perm):
    """``x`` with its rows (axis -2, or the only axis of a vector) in the order ``perm``."""
    gnp = _gnp()
    if _r.ndim(x) == 1:
        return gnp.take(x, perm)
    shp = _np.broadcast_shapes(_r.shape(x)[:-2], _r.shape(perm)[:-1]) + _r.shape(x)[-2:]
    idx = gnp.broadcast_to(gnp.expand_dims(perm, -1), shp)
    return gnp.take_along_axis(gnp.broadcast_to(x, shp), idx, axis=-2)


def _order(piv, m: int | None = None):
    """The row order of ``m`` rows (by default as many as pivots) that the swaps ``piv`` make."""
    return _nla._on_stacks(lambda p: _perm_from_piv(_r._xp(p), p, m), _nla._arr(piv))


def _factor(a, name: str):
    """``(packed LU, 0-based pivots, row order)`` of ``m x n`` matrices (stacked too)."""
    a = _nla._float_input(_nla._arr(a))
    _matrix(a, name)
    piv = _pivots(a)
    perm = _order(piv, _r.shape(a)[-2])
    return _lu_nopivot(_rows(a, perm)), piv, perm


def lu_factor(a, overwrite_a: bool = False, check_finite: bool = True):
    """``(lu, piv)``: ``l`` (unit diagonal, below) and ``u`` packed in one matrix, and LAPACK's
    0-based row swaps ``piv`` (row ``i`` swapped with ``piv[i]``), as ``scipy.linalg.lu_factor``.
    ``lu`` is differentiable; the pivots are constants. ``m x n`` matrices (``min(m, n)``
    pivots), stacked too.

    Example: ``x = lu_solve(lu_factor(a), b)``
    """
    packed, piv, _ = _factor(a, "lu_factor")
    return packed, piv


def lu_solve(lu_and_piv, b, trans: int = 0, overwrite_b: bool = False, check_finite: bool = True):
    """Solve ``a x = b`` (``trans`` 1: ``a^T x = b``, 2: ``a^H x = b``) given
    ``lu_factor(a)``, differentiable in ``lu`` and ``b``. Example:
    ``x = lu_solve(lu_factor(a), b)``"""
    packed, piv = lu_and_piv
    packed, b = _nla._arr(packed), _nla._float_input(_nla._arr(b))
    _square(packed, "lu_solve")
    n = _r.shape(packed)[-1]
    bs = _r.shape(b)
    if not bs or bs[0 if len(bs) == 1 else -2] != n:
        raise ValueError(f"lu_solve: shapes of lu {_r.shape(packed)} and b {bs} are incompatible")
    if trans not in (0, 1, 2):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2; got {trans!r}")
    perm = _order(piv)
    if trans == 0:  # l u x = b[perm]
        y = solve_tri_(packed, _rows(b, perm), lower=True, trans=0, unit=True)
        return solve_tri_(packed, y, lower=False, trans=0, unit=False)
    if trans == 2 and _r.data(packed).dtype.kind == "c":  # a^H = (conj a)^T
        from .complex_rules import conj

        packed = conj(packed)
    y = solve_tri_(packed, b, lower=False, trans=1, unit=False)  # u^T l^T x[perm] = b
    y = solve_tri_(packed, y, lower=True, trans=1, unit=True)
    inverse = _nla._on_stacks(lambda p: _r._xp(p).argsort(p, axis=-1), perm)
    return _rows(y, inverse)


def _perm_matrix(perm, dtype):
    """``P`` with ``a = P @ a[perm]``: ``P[perm[i], i] = 1``."""

    def build(p):
        xp = _r._xp(p)
        n = p.shape[-1]
        return (p[..., None, :] == xp.arange(n)[:, None]).astype(dtype)

    return _nla._on_stacks(build, perm)


def lu(
    a,
    permute_l: bool = False,
    overwrite_a: bool = False,
    check_finite: bool = True,
    p_indices: bool = False,
):
    """``(p, l, u)`` with ``a = p @ l @ u`` (``l`` unit lower, ``u`` upper), as
    ``scipy.linalg.lu``; ``permute_l=True`` gives ``(p @ l, u)``, ``p_indices=True`` gives
    ``p`` as row indices (``a = l[p] @ u``). ``m x n`` matrices (``l`` is ``m x k``, ``u``
    ``k x n`` with ``k = min(m, n)``), stacked too.

    Example: ``p, l, u = lu(a)``
    """
    packed, _, perm = _factor(a, "lu")
    lo, up = _unit_lower(packed), _upper(packed)
    if p_indices or permute_l:
        inverse = _nla._on_stacks(lambda p: _r._xp(p).argsort(p, axis=-1).astype(_np.int32),
                                  perm)  # SciPy's p_indices are int32
        if permute_l:
            return _rows(lo, inverse), up
        return inverse, lo, up
    real = _np.empty(0, _r.data(packed).dtype).real.dtype  # SciPy's p is real for complex a
    return _perm_matrix(perm, real), lo, up


# ---- structured matrices ----------------------------------------------------------------------


def block_diag(*arrs):
    """The block-diagonal matrix of ``arrs`` (1-D arrays count as one row, scalars as 1x1), as
    ``scipy.linalg.block_diag``. Example: ``block_diag(a, b)``"""
    gnp = _gnp()
    if not arrs:
        return gnp.zeros((1, 0))
    mats = []
    for x in arrs:
        x = _nla._arr(x)
        if _r.ndim(x) > 2:
            raise ValueError(
                f"block_diag: arguments must have at most 2 dimensions; got shape {_r.shape(x)}"
            )
        mats.append(gnp.atleast_2d(x))
    dtype = _np.result_type(*(_r.data(m).dtype for m in mats))
    cols = [_r.shape(m)[1] for m in mats]
    total = sum(cols)
    rows, left = [], 0
    for m, c in zip(mats, cols, strict=True):
        r = _r.shape(m)[0]
        parts = [
            gnp.zeros((r, left), dtype=dtype),
            gnp.asarray(m, dtype=dtype),
            gnp.zeros((r, total - left - c), dtype=dtype),
        ]
        rows.append(gnp.concatenate(parts, axis=1))
        left += c
    return gnp.concatenate(rows, axis=0)


def _vector(x):
    return _gnp().ravel(_nla._arr(x))


def _batch_vector(x):
    """``x`` with at least one axis: the last holds the vector, the others are a batch."""
    x = _nla._arr(x)
    return _r.reshape(x, (1,)) if _r.ndim(x) == 0 else x


def toeplitz(c, r=None):
    """The Toeplitz matrix with first column ``c`` and first row ``r`` (``r[0]`` is ignored;
    by default ``r = conj(c)``), as ``scipy.linalg.toeplitz``: leading axes of ``c`` and ``r``
    are a batch (broadcast together), as in SciPy 1.17 and JAX. Example: ``toeplitz([1., 2.])``
    """
    gnp = _gnp()
    c = _batch_vector(c)
    r = gnp.conj(c) if r is None else _batch_vector(r)
    m, n = _r.shape(c)[-1], _r.shape(r)[-1]
    try:
        lead = _np.broadcast_shapes(_r.shape(c)[:-1], _r.shape(r)[:-1])
    except ValueError as e:
        raise ValueError(f"toeplitz: the batch shapes of c {_r.shape(c)} and r {_r.shape(r)} "
                         f"do not broadcast") from e
    c = gnp.broadcast_to(c, lead + (m,))
    r = gnp.broadcast_to(r, lead + (n,))
    vals = gnp.concatenate([gnp.flip(c, -1), r[..., 1:]], axis=-1)
    idx = (m - 1) - _np.arange(m)[:, None] + _np.arange(n)[None, :]
    return gnp.take(vals, idx, axis=-1)


def hankel(c, r=None):
    """The Hankel matrix with first column ``c`` and last row ``r`` (``r[0]`` is ignored; by
    default zeros), as ``scipy.linalg.hankel``. Example: ``hankel([1., 2., 3.])``"""
    gnp = _gnp()
    c = _vector(c)
    r = gnp.zeros_like(c) if r is None else _vector(r)
    m, n = _r.shape(c)[0], _r.shape(r)[0]
    vals = gnp.concatenate([c, r[1:]])
    idx = _np.arange(m)[:, None] + _np.arange(n)[None, :]
    return gnp.take(vals, idx)


def circulant(c):
    """The circulant matrix with first column ``c``, as ``scipy.linalg.circulant``; leading
    axes of ``c`` are a batch (SciPy 1.17, JAX). Example: ``circulant([1., 2., 3.])``"""
    c = _batch_vector(c)
    n = _r.shape(c)[-1]
    idx = (_np.arange(n)[:, None] - _np.arange(n)[None, :]) % n
    return _gnp().take(c, idx, axis=-1)


# ---- functions of matrices --------------------------------------------------------------------


def polar(a, side: str = "right"):
    """``(u, p)``: ``a = u @ p`` (``side='right'``) or ``a = p @ u`` (``'left'``) with ``u``
    having orthonormal columns and ``p`` symmetric positive semi-definite, through the SVD, as
    ``scipy.linalg.polar``; complex matrices too (``u`` unitary, ``p`` Hermitian). Differentiable
    where the singular values are distinct.

    Example: ``u, p = polar(a)``
    """
    if side not in ("right", "left"):
        raise ValueError(f"polar: side must be 'right' or 'left'; got {side!r}")
    a = _nla._arr(a)
    if _r.ndim(a) != 2:
        raise ValueError(f"polar: a must be a 2-D array; got shape {_r.shape(a)}")
    a = _nla._float_input(a)
    w, s, vh = _nla.svd(a, full_matrices=False)  # u and p do not depend on the vectors' phases
    u = matmul(w, vh)
    if _r.data(s).dtype != _r.data(w).dtype:
        s = _r.astype(s, _r.data(w).dtype)
    if side == "right":
        p = matmul(_H(vh) * s, vh)
    else:
        p = matmul(w * s, _H(w))
    return u, p


def expm_frechet(A, E, method: Any = None, compute_expm: bool = True, check_finite: bool = True):
    """``(expm(A), L)`` with ``L`` the Frechet derivative of the matrix exponential at ``A`` in
    the direction ``E`` (``L`` alone with ``compute_expm=False``), read from
    ``expm([[A, E], [0, A]])``; differentiable in both. Example: ``x, l = expm_frechet(a, e)``
    """
    from .scipy.linalg import expm

    gnp = _gnp()
    A, E = _nla._float_input(_nla._arr(A)), _nla._float_input(_nla._arr(E))
    if _r.ndim(A) != 2 or _r.shape(A) != _r.shape(E) or _r.shape(A)[0] != _r.shape(A)[1]:
        raise ValueError(
            f"expm_frechet: A and E must be square matrices of the same shape; "
            f"got {_r.shape(A)} and {_r.shape(E)}"
        )
    n = _r.shape(A)[0]
    zero = gnp.zeros_like(A)
    big = expm(
        gnp.concatenate(
            [gnp.concatenate([A, E], axis=1), gnp.concatenate([zero, A], axis=1)], axis=0
        )
    )
    frechet = big[:n, n:]
    return (big[:n, :n], frechet) if compute_expm else frechet
