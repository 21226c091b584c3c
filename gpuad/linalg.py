"""``torch.linalg``'s names with torch's conventions, where they differ from NumPy's.

``lu_factor`` (1-based ``pivots``), ``lu_solve``, ``lu`` (``P, L, U``), ``lu_unpack``
(torch's top-level function), ``solve_triangular``
(keyword-only ``upper``, ``left``, ``unitriangular``), ``matrix_exp``, ``inv_ex``,
``cholesky_ex``, ``solve_ex`` (with an ``info`` result), ``lstsq`` (torch's drivers and
results, batched; gpuad/linalg_lstsq.py), ``vander`` (increasing powers) and
``householder_product``, ``ldl_factor``, ``ldl_factor_ex``, ``ldl_solve``
(gpuad/linalg_ldl.py), ``geqrf``, ``ormqr``, ``svd_lowrank`` and ``pca_lowrank`` (torch
functions outside ``torch.linalg``; gpuad/linalg_householder.py), next to the functions
whose meaning is NumPy's too (``inv``, ``det``, ``slogdet``, ``cholesky``, ``eigh``,
``eigvalsh``, ``svd``, ``svdvals``, ``qr``, ``matrix_power``, ``multi_dot``). The pivots
are constants chosen on the values; everything else is differentiable. Example::

    import gpuad.linalg as LA
    LU, pivots = LA.lu_factor(A)
    X = LA.lu_solve(LU, pivots, B)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as _np

from . import linalg_extra as _lx
from . import rules as _r
from .linalg_householder import geqrf, ormqr, pca_lowrank, svd_lowrank  # noqa: F401
from .linalg_ldl import ldl_factor, ldl_factor_ex, ldl_solve  # noqa: F401
from .linalg_lstsq import lstsq  # noqa: F401
from .linalg_rules import _H, _T, solve_tri_
from .numpy import linalg as _nla
from .numpy.linalg import (  # noqa: F401
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    matrix_power,
    multi_dot,
    qr,
    slogdet,
    svd,
    svdvals,
)
from .tensor import Tensor

__all__ = [
    "cholesky",
    "cholesky_ex",
    "det",
    "eigh",
    "eigvalsh",
    "geqrf",
    "householder_product",
    "inv",
    "inv_ex",
    "ldl_factor",
    "ldl_factor_ex",
    "ldl_solve",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "lstsq",
    "lu_unpack",
    "matrix_exp",
    "matrix_power",
    "multi_dot",
    "ormqr",
    "pca_lowrank",
    "qr",
    "slogdet",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svd_lowrank",
    "svdvals",
    "vander",
]


class LUFactor(NamedTuple):
    LU: Any
    pivots: Any


class LUFactorEx(NamedTuple):
    LU: Any
    pivots: Any
    info: Any


class LU(NamedTuple):
    P: Any
    L: Any
    U: Any


class InvEx(NamedTuple):
    inverse: Any
    info: Any


class CholeskyEx(NamedTuple):
    L: Any
    info: Any


class SolveEx(NamedTuple):
    result: Any
    info: Any


def _gnp():
    from . import numpy as gnp

    return gnp


def _factor(A, pivot: bool, name: str):
    A = _nla._float_input(_nla._arr(A))
    _lx._matrix(A, name)
    if pivot:
        packed, piv, perm = _lx._factor(A, name)
        return packed, _nla._on_stacks(lambda p: p + 1, piv), perm
    packed = _lx._lu_nopivot(A)
    m, n = _r.shape(A)[-2:]
    piv = _nla._on_stacks(
        lambda d: (
            _r._xp(d).broadcast_to(_r._xp(d).arange(1, min(m, n) + 1, dtype=_np.int32),
                                   d.shape[:-2] + (min(m, n),)).copy()
        ),
        A,
    )
    perm = _nla._on_stacks(
        lambda d: _r._xp(d).broadcast_to(_r._xp(d).arange(m), d.shape[:-2] + (m,)).copy(), A)
    return packed, piv, perm


def lu_factor(A, *, pivot: bool = True) -> LUFactor:
    """``(LU, pivots)`` as ``torch.linalg.lu_factor``: ``L`` (unit diagonal) and ``U`` packed,
    and 1-based row swaps ``pivots`` (int32). ``pivot=False`` factors without row exchanges.

    Example: ``LU, pivots = gpuad.linalg.lu_factor(A)``
    """
    packed, piv, _ = _factor(A, pivot, "lu_factor")
    return LUFactor(packed, piv)


def lu_factor_ex(A, *, pivot: bool = True, check_errors: bool = False) -> LUFactorEx:
    """``(LU, pivots, info)`` as ``torch.linalg.lu_factor_ex``: :func:`lu_factor` and ``info``,
    0 where ``U`` has no zero on its diagonal, else the 1-based index of the first zero (a
    singular matrix; ``check_errors=True`` raises for it).
    Example: ``LU, pivots, info = gpuad.linalg.lu_factor_ex(A)``"""
    packed, piv, _ = _factor(A, pivot, "lu_factor_ex")
    info = _nla._on_stacks(lambda d: _first_zero(d.diagonal(axis1=-2, axis2=-1)), packed)
    if check_errors:
        _raise_if(info, "lu_factor_ex", "the matrix is singular")
    return LUFactorEx(packed, piv, info)


def lu(A, *, pivot: bool = True) -> LU:
    """``(P, L, U)`` with ``A = P @ L @ U``, as ``torch.linalg.lu``. Example:
    ``P, L, U = gpuad.linalg.lu(A)``"""
    packed, _, perm = _factor(A, pivot, "lu")
    p = _lx._perm_matrix(perm, _r.data(packed).dtype)
    return LU(p, _lx._unit_lower(packed), _lx._upper(packed))


def lu_unpack(LU_data, LU_pivots, unpack_data: bool = True, unpack_pivots: bool = True) -> LU:
    """``(P, L, U)`` with ``A = P @ L @ U`` from ``lu_factor(A)``'s ``(LU, pivots)``, as
    ``torch.lu_unpack`` (a torch function outside ``torch.linalg``); ``m x n`` too. ``L`` and
    ``U`` are differentiable in ``LU_data``; a part not unpacked is an empty tensor, as torch's.
    Example: ``P, L, U = gpuad.linalg.lu_unpack(*gpuad.linalg.lu_factor(A))``"""
    packed = _nla._float_input(_nla._arr(LU_data))
    _lx._matrix(packed, "lu_unpack")
    dt = _r.data(packed).dtype
    empty = _nla._like(packed, _r.data(packed)[..., :0, :0].reshape(0))
    p = empty
    if unpack_pivots:
        perm = _lx._order(_nla._on_stacks(lambda q: q - 1, _nla._arr(LU_pivots)),
                          _r.shape(packed)[-2])
        p = _lx._perm_matrix(perm, dt)
    if not unpack_data:
        return LU(p, empty, empty)
    return LU(p, _lx._unit_lower(packed), _lx._upper(packed))


def lu_solve(LU, pivots, B, *, left: bool = True, adjoint: bool = False):
    """Solve ``A X = B`` (``left=False``: ``X A = B``; ``adjoint``: with ``A^H``) given
    ``lu_factor(A)``, as ``torch.linalg.lu_solve``. Example: ``X = lu_solve(LU, pivots, B)``"""
    if _r.ndim(B) < 2:
        raise ValueError(
            f"lu_solve: B must have at least 2 dimensions (..., n, k); got shape {_r.shape(B)}"
        )
    piv0 = _nla._on_stacks(lambda p: p - 1, _nla._arr(pivots))
    if left:
        return _lx.lu_solve((LU, piv0), B, trans=2 if adjoint else 0)
    if adjoint:  # X A^H = B  <=>  A X^H = B^H
        return _H(_lx.lu_solve((LU, piv0), _H(B), trans=0))
    # X A = B  <=>  A^T X^T = B^T
    return _T(_lx.lu_solve((LU, piv0), _T(B), trans=1))


def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False):
    """Solve ``A X = B`` (``left=False``: ``X A = B``) reading the ``upper`` (or lower) triangle
    of ``A``, as ``torch.linalg.solve_triangular``. Example:
    ``X = gpuad.linalg.solve_triangular(L, B, upper=False)``"""
    A, B = _nla._float_input(_nla._arr(A)), _nla._float_input(_nla._arr(B))
    if _r.ndim(A) < 2 or _r.ndim(B) < 2:
        raise ValueError(
            f"solve_triangular: A and B must have at least 2 dimensions; got "
            f"shapes {_r.shape(A)} and {_r.shape(B)}"
        )
    _lx._square(A, "solve_triangular")
    if left:
        return solve_tri_(A, B, lower=not upper, trans=0, unit=bool(unitriangular))
    return _T(solve_tri_(A, _T(B), lower=not upper, trans=1, unit=bool(unitriangular)))


def matrix_exp(A):
    """The matrix exponential, as ``torch.linalg.matrix_exp``. Example: ``matrix_exp(A)``"""
    from .scipy.linalg import expm

    return expm(A)


def _first_zero(d):
    """torch's ``info``: 1 + the index of the first zero in the last axis of ``d``, or 0."""
    xp = _r._xp(d)
    bad = (d == 0) | ~xp.isfinite(d)
    if bad.shape[-1] == 0:  # an empty matrix: nothing failed
        return xp.zeros(bad.shape[:-1], dtype=xp.int32)
    return xp.where(bad.any(axis=-1), bad.argmax(axis=-1) + 1, 0).astype(xp.int32)


def _lu_info(A):
    def info(d):
        packed = _lx._eliminate(_r._xp(d), d, pivot=True)[0]
        return _first_zero(packed.diagonal(axis1=-2, axis2=-1))

    return _nla._on_stacks(info, _nla._float_input(_nla._arr(A)))


def _raise_if(info, name: str, what: str):
    # inside vmap: the whole batch's codes (an example without a result raises for all)
    d = info._data if isinstance(info, Tensor) and info._bat is not None else _r.data(info)
    if bool((d != 0).any()):
        raise _nla.LinAlgError(
            f"{name}: {what} (info = {d.tolist()}), and gpuad has no result to return for it "
            f"(torch's would be unusable); check the matrix before the call, or regularise it"
        )


def inv_ex(A, *, check_errors: bool = False) -> InvEx:
    """``(inverse, info)`` as ``torch.linalg.inv_ex``: ``info`` 0 where ``A`` is invertible, else
    the 1-based index of the first zero pivot. A singular ``A`` raises (there is no inverse to
    return). Example: ``Ainv, info = inv_ex(A)``"""
    info = _lu_info(A)
    _raise_if(info, "inv_ex", "the matrix is singular")
    return InvEx(inv(_nla._float_input(_nla._arr(A))), info)


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False) -> SolveEx:
    """``(X, info)`` with ``A X = B`` (``left=False``: ``X A = B``), as ``torch.linalg.solve_ex``;
    a singular ``A`` raises. ``B`` of shape ``(..., n)`` is a vector when ``A`` is one matrix
    or the batch shapes match, as torch reads it. Example: ``X, info = solve_ex(A, B)``"""
    A, B = _nla._float_input(_nla._arr(A)), _nla._float_input(_nla._arr(B))
    _lx._square(A, "solve_ex")
    info = _lu_info(A)
    _raise_if(info, "solve_ex", "the matrix is singular")
    vec = _r.ndim(B) == 1 or _r.shape(B) == _r.shape(A)[:-1]
    if vec:
        B = _gnp().expand_dims(B, -1)
    if left:
        X = _r.solve(A, B)
    else:
        if vec:
            raise ValueError("solve_ex: left=False needs B of shape (..., k, n)")
        X = _T(_r.solve(_T(A), _T(B)))
    return SolveEx(X[..., 0] if vec else X, info)


def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False) -> CholeskyEx:
    """``(L, info)`` as ``torch.linalg.cholesky_ex``, reading the lower triangle: ``info`` 0 where
    ``A`` is positive definite, else the order of the first leading minor that is not; such an
    ``A`` raises. Example: ``L, info = cholesky_ex(A)``"""
    A = _nla._float_input(_nla._arr(A))
    _lx._square(A, "cholesky_ex")

    def info(d):
        xp = _r._xp(d)
        low = xp.tril(d)
        sym = low + xp.conj(xp.swapaxes(xp.tril(d, -1), -1, -2))  # Hermitian for complex
        pivots = _lx._eliminate(xp, sym, pivot=False)[0].diagonal(axis1=-2, axis2=-1).real
        return _first_zero(xp.where(pivots > 0, pivots, 0))

    code = _nla._on_stacks(info, A)
    _raise_if(code, "cholesky_ex", "the matrix is not positive definite")
    return CholeskyEx(cholesky(A, upper=upper), code)


def vander(x, *, N: int | None = None):
    """The Vandermonde matrix ``x[..., None] ** arange(N)`` (increasing powers), as
    ``torch.linalg.vander``, by repeated multiplication. Example: ``vander(x, N=3)``"""
    gnp = _gnp()
    x = _nla._arr(x)
    if _r.ndim(x) < 1:
        raise ValueError("vander: x must have at least one dimension")
    n = _r.shape(x)[-1]
    N = n if N is None else int(N)
    if N < 1:
        raise ValueError(f"vander: N must be greater than 1; got {N}")
    ones = gnp.ones_like(gnp.expand_dims(x, -1))
    if N == 1:
        return ones
    reps = gnp.broadcast_to(gnp.expand_dims(x, -1), _r.shape(x) + (N - 1,))
    return gnp.concatenate([ones, gnp.cumprod(reps, axis=-1)], axis=-1)


def householder_product(A, tau):
    """The first ``n`` columns of ``H_1 ... H_k`` with ``H_i = I - tau_i v_i v_i^T`` and ``v_i``
    column ``i`` of ``A`` below the diagonal (1 on it), as ``torch.linalg.householder_product``
    (LAPACK's ``orgqr``); differentiable in ``A`` and ``tau``. Real or complex matrices
    (``H_i = I - tau_i v_i v_i^H``, ``ungqr``), stacked too.

    Example: ``Q = householder_product(A, tau)``
    """
    gnp = _gnp()
    from .transforms import _asarray

    # a NumPy array moves to the active backend: the constants below are made by A's array
    # module, which must be the one of tau (a batched Tensor under vmap while A is shared)
    A, tau = (_nla._float_input(_asarray(x, "householder_product") if isinstance(x, _np.ndarray)
                                else _nla._arr(x)) for x in (A, tau))
    dt = _np.result_type(_r.data(A).dtype, _r.data(tau).dtype)
    if dt.kind == "c":  # one complex dtype for both, as torch requires of its inputs
        A, tau = (x if _r.data(x).dtype == dt else _r.astype(x, dt) for x in (A, tau))
    m, n = _r.shape(A)[-2:]
    k = _r.shape(tau)[-1] if _r.ndim(tau) else 0
    if (_r.ndim(A) < 2 or _r.ndim(tau) < 1 or m < n or k > n
            or _r.shape(tau)[:-1] != _r.shape(A)[:-2]):
        raise ValueError(
            f"householder_product: need A of shape (..., m, n) with m >= n and tau "
            f"of shape (..., k) with k <= n; got {_r.shape(A)} and "
            f"{_r.shape(tau)}"
        )
    xp = _r._xp(_r.data(A))
    dt = _r.data(A).dtype
    q = xp.broadcast_to(xp.eye(m, n, dtype=dt), _r.shape(A)[:-2] + (m, n))
    if k == 0:  # no reflector: the identity's columns, a result of A and tau with a zero
        # gradient (a Tensor when either is one)
        return gnp.where(xp.ones((), dtype=bool), q, A + gnp.sum(tau, -1)[..., None, None])
    for i in range(k - 1, -1, -1):  # H_i (H_{i+1} ... Q0), applied from the last reflector
        below = (xp.arange(m) > i).astype(dt)
        v = A[..., :, i] * below + (xp.arange(m) == i).astype(dt)
        w = gnp.einsum("...m,...mn->...n", gnp.conj(v) if dt.kind == "c" else v, q)
        q = q - gnp.expand_dims(tau[..., i], (-1, -2)) * (v[..., :, None] * w[..., None, :])
    return q
