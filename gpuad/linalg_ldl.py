"""The LDL^T factorisation of symmetric indefinite matrices, as ``torch.linalg.ldl_factor``.

``ldl_factor``, ``ldl_factor_ex`` and ``ldl_solve`` with torch's (and LAPACK ``sytrf``'s)
layout: ``LD`` holds the unit lower factor below the diagonal and the block-diagonal ``D``
(1x1 and 2x2 blocks, Bunch-Kaufman pivoting) on the diagonal and the first subdiagonal;
``pivots`` are LAPACK's 1-based interchanges, negative (and repeated) for a 2x2 block. The
lower triangle of ``A`` is read.

The pivots are chosen on the values (constants). The factors are computed step by step with
differentiable operations, one step per block, so ``LD`` is differentiable in ``A`` (torch's
is not) and ``ldl_solve`` in ``LD`` and ``B``. Real matrices, stacked too. Example::

    LD, pivots = gpuad.linalg.ldl_factor(A)
    X = gpuad.linalg.ldl_solve(LD, pivots, B)
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as _np

from . import rules as _r
from .numpy import linalg as _nla
from .numpy._more_array import _host
from .tensor import Tensor

__all__ = ["ldl_factor", "ldl_factor_ex", "ldl_solve"]

_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0  # Bunch-Kaufman's threshold, as LAPACK's sytf2


class LDLFactor(NamedTuple):
    LD: Any
    pivots: Any


class LDLFactorEx(NamedTuple):
    LD: Any
    pivots: Any
    info: Any


def _gnp():
    from . import numpy as gnp

    return gnp


def _not_batched(name: str, *xs):
    if any(isinstance(x, Tensor) and x._bat is not None for x in xs):
        raise TypeError(f"{name} inside gpuad.vmap: its pivots are chosen on each matrix's "
                        f"values, one block at a time, which a batched Tensor does not hand "
                        f"out; call it outside vmap on the stacked matrices (it takes "
                        f"(..., n, n) batches)")


def _check(A, name: str, hermitian: bool):
    _not_batched(name, A)
    A = _nla._float_input(_nla._arr(A))
    s = _r.shape(A)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name}: A must be batches of square matrices (..., n, n); got shape {s}")
    if _r.data(A).dtype.kind == "c":
        raise NotImplementedError(f"{name}: complex matrices are not supported (hermitian="
                                  f"{hermitian}); factor a real symmetric matrix")
    return A


def _choose(S) -> tuple[int, int, bool]:
    """LAPACK ``sytf2``'s choice for the trailing symmetric matrix ``S`` (host values):
    ``(kstep, kp, zero)``: a 1x1 or 2x2 block, the row (of ``S``) swapped into its last
    position, and whether the column is zero (a singular ``D``)."""
    absakk = abs(S[0, 0])
    r = S.shape[0]
    if r > 1:
        imax = 1 + int(_np.argmax(_np.abs(S[1:, 0])))
        colmax = abs(S[imax, 0])
    else:
        imax, colmax = 0, 0.0
    if max(absakk, colmax) == 0 or _np.isnan(absakk):
        return 1, 0, True
    if absakk >= _ALPHA * colmax:
        return 1, 0, False
    row = _np.abs(S[imax])
    row[imax] = 0.0
    rowmax = row.max()
    if absakk >= _ALPHA * colmax * (colmax / rowmax):
        return 1, 0, False
    if abs(S[imax, imax]) >= _ALPHA * rowmax:
        return 1, imax, False
    return 2, imax, False


def _swap(S, i: int, j: int):
    """``S`` with rows and columns ``i`` and ``j`` exchanged (a recorded gather)."""
    if i == j:
        return S
    order = _np.arange(_r.shape(S)[0])
    order[i], order[j] = j, i
    gnp = _gnp()
    return gnp.take(gnp.take(S, order, axis=0), order, axis=1)


def _factor_one(A, name: str):
    """``(LD, pivots, info)`` of one real matrix (a Tensor or an array): LAPACK ``sytf2``
    (lower), the arithmetic recorded, the choices made on the values."""
    gnp = _gnp()
    n = _r.shape(A)[-1]
    dt = _r.data(A).dtype
    xp = _r._xp(_r.data(A))
    S = gnp.tril(A) + gnp.tril(A, -1).T  # the symmetric matrix of the lower triangle
    cols: list = []
    piv = _np.zeros(n, dtype=_np.int32)
    info = 0
    k = 0
    while k < n:
        kstep, kp, zero = _choose(_host(S, f"{name}: the pivots"))
        if zero and info == 0:
            info = k + 1
        kk = kstep - 1
        S = _swap(S, kk, kp) if kp != kk else S
        if kstep == 1:
            piv[k] = k + kp + 1
            d = S[0, 0]
            c = S[1:, 0]
            if zero:  # a zero column: nothing to eliminate (as LAPACK, no division)
                cols.append(gnp.concatenate([xp.zeros(k, dt), S[:, 0]]))
                S = S[1:, 1:]
            else:
                cols.append(gnp.concatenate([xp.zeros(k, dt), gnp.reshape(d, (1,)), c / d]))
                S = S[1:, 1:] - (c[:, None] * c[None, :]) / d
        else:
            piv[k] = piv[k + 1] = -(k + kp + 1)
            a00, a10, a11 = S[0, 0], S[1, 0], S[1, 1]
            C = S[2:, :2]
            # the rows of C D^-1 in LAPACK's arithmetic (sytf2's wk, wkp1)
            d11, d22 = a11 / a10, a00 / a10
            t = 1.0 / (d11 * d22 - 1.0)
            d21 = t / a10
            w0 = d21 * (d11 * C[:, 0] - C[:, 1])
            w1 = d21 * (d22 * C[:, 1] - C[:, 0])
            cols.append(gnp.concatenate([xp.zeros(k, dt), gnp.reshape(a00, (1,)),
                                         gnp.reshape(a10, (1,)), w0]))
            cols.append(gnp.concatenate([xp.zeros(k + 1, dt), gnp.reshape(a11, (1,)), w1]))
            S = S[2:, 2:] - (C[:, :1] * w0[None, :] + C[:, 1:] * w1[None, :])
        k += kstep
    LD = gnp.stack(cols, axis=-1) if cols else A
    return LD, piv, info


def _stacked(A, one):
    """``one`` applied to every matrix of the stack ``A``; its results stacked."""
    gnp = _gnp()
    lead = _r.shape(A)[:-2]
    n = _r.shape(A)[-1]
    count = math.prod(lead)
    flat = gnp.reshape(A, (count, n, n))
    outs = [one(flat[i]) for i in range(count)]
    return outs, lead


def _factor(A, name: str, hermitian: bool):
    A = _check(A, name, hermitian)
    gnp = _gnp()
    n = _r.shape(A)[-1]
    xp = _r._xp(_r.data(A))
    outs, lead = _stacked(A, lambda a: _factor_one(a, name))
    if not outs or n == 0:  # no matrix, or empty ones: A itself (a zero gradient)
        piv = xp.broadcast_to(xp.arange(1, n + 1, dtype=xp.int32), lead + (n,)).copy()
        return A + 0.0 * A, piv, xp.zeros(lead, dtype=xp.int32)
    LD = gnp.reshape(gnp.stack([o[0] for o in outs]), lead + (n, n))
    piv = xp.asarray(_np.stack([o[1] for o in outs]).reshape(lead + (n,)))
    info = xp.asarray(_np.array([o[2] for o in outs], dtype=_np.int32).reshape(lead))
    return LD, piv, info


def ldl_factor_ex(A, *, hermitian: bool = False, check_errors: bool = False) -> LDLFactorEx:
    """``(LD, pivots, info)`` as ``torch.linalg.ldl_factor_ex``: ``info`` is 0, or the 1-based
    index of the first zero diagonal block of ``D`` (``check_errors=True`` raises for it).

    Example: ``LD, pivots, info = gpuad.linalg.ldl_factor_ex(A)``
    """
    LD, piv, info = _factor(A, "ldl_factor_ex", hermitian)
    if check_errors and bool((_host_any(info) != 0).any()):
        raise _nla.LinAlgError(f"ldl_factor_ex: the matrix is singular: D has a zero block "
                               f"(info = {_host_any(info).tolist()})")
    return LDLFactorEx(LD, piv, info)


def _host_any(a):
    return _np.asarray(a.get() if hasattr(a, "get") else a)


def ldl_factor(A, *, hermitian: bool = False) -> LDLFactor:
    """``(LD, pivots)``: ``A = L D L^T`` with Bunch-Kaufman pivoting, in LAPACK ``sytrf``'s
    layout, as ``torch.linalg.ldl_factor``; reads the lower triangle of ``A``. ``LD`` is
    differentiable in ``A`` (the pivots are constants). A singular ``D`` raises
    (``ldl_factor_ex`` returns it with ``info``).

    Example: ``LD, pivots = gpuad.linalg.ldl_factor(A)``
    """
    LD, piv, info = _factor(A, "ldl_factor", hermitian)
    bad = _host_any(info)
    if (bad != 0).any():
        raise _nla.LinAlgError(f"ldl_factor: the matrix is singular: D has a zero block (info = "
                               f"{bad.tolist()}); use ldl_factor_ex for the factors anyway")
    return LDLFactor(LD, piv)


def _rows_swapped(B, i: int, j: int):
    if i == j:
        return B
    order = _np.arange(_r.shape(B)[0])
    order[i], order[j] = j, i
    return _gnp().take(B, order, axis=0)


def _set_rows(B, start: int, rows):
    """``B`` with rows ``start:start + len(rows)`` replaced (a recorded concatenation)."""
    stop = start + _r.shape(rows)[0]
    return _gnp().concatenate([B[:start], rows, B[stop:]], axis=0)


def _solve_one(LD, piv, B):
    """LAPACK ``sytrs`` (lower) for one matrix: ``A X = B`` from ``A``'s ``(LD, piv)``."""
    gnp = _gnp()
    n = _r.shape(LD)[-1]
    k = 0
    while k < n:  # L D Y = P B, one block at a time
        if piv[k] > 0:
            B = _rows_swapped(B, k, int(piv[k]) - 1)
            bk = B[k] / LD[k, k]
            rest = B[k + 1:] - LD[k + 1:, k][:, None] * B[k][None, :]
            B = gnp.concatenate([B[:k], bk[None, :], rest], axis=0)
            k += 1
        else:
            B = _rows_swapped(B, k + 1, -int(piv[k]) - 1)
            rest = B[k + 2:] - LD[k + 2:, k][:, None] * B[k][None, :] \
                - LD[k + 2:, k + 1][:, None] * B[k + 1][None, :]
            akm1k = LD[k + 1, k]
            akm1, ak = LD[k, k] / akm1k, LD[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            bkm1, bk = B[k] / akm1k, B[k + 1] / akm1k
            top = gnp.stack([(ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom])
            B = gnp.concatenate([B[:k], top, rest], axis=0)
            k += 2
    k = n - 1
    while k >= 0:  # L^T X = Y, from the last block
        if piv[k] > 0:
            if k < n - 1:
                B = _set_rows(B, k, (B[k] - LD[k + 1:, k] @ B[k + 1:])[None, :])
            B = _rows_swapped(B, k, int(piv[k]) - 1)
            k -= 1
        else:
            if k < n - 1:
                tail = B[k + 1:]
                B = _set_rows(B, k - 1, gnp.stack([B[k - 1] - LD[k + 1:, k - 1] @ tail,
                                                   B[k] - LD[k + 1:, k] @ tail]))
            B = _rows_swapped(B, k, -int(piv[k]) - 1)
            k -= 2
    return B


def ldl_solve(LD, pivots, B, *, hermitian: bool = False):
    """Solve ``A X = B`` given ``ldl_factor(A)``'s ``(LD, pivots)``, as
    ``torch.linalg.ldl_solve``; ``B`` is ``(..., n, k)``, its batch broadcast with ``LD``'s.
    Differentiable in ``B`` and ``LD`` (the entries the factorisation stores).

    Example: ``X = gpuad.linalg.ldl_solve(*gpuad.linalg.ldl_factor(A), B)``
    """
    gnp = _gnp()
    _not_batched("ldl_solve", B, pivots)
    LD = _check(LD, "ldl_solve", hermitian)
    B = _nla._float_input(_nla._arr(B))
    pv = _host(pivots, "ldl_solve: the pivots") if hasattr(pivots, "shape") else \
        _np.asarray(pivots)
    n = _r.shape(LD)[-1]
    if _r.ndim(B) < 2 or _r.shape(B)[-2] != n:
        raise ValueError(f"ldl_solve: B must be (..., n, k) with n = {n} rows, as LD "
                         f"{_r.shape(LD)}; got shape {_r.shape(B)}")
    if tuple(pv.shape) != tuple(_r.shape(LD)[:-1]):
        raise ValueError(f"ldl_solve: pivots must have shape {_r.shape(LD)[:-1]} (LD's without "
                         f"its last dim); got {tuple(pv.shape)}")
    if _r.data(B).dtype.kind == "c":
        raise NotImplementedError("ldl_solve: complex right-hand sides are not supported")
    if n and ((pv == 0) | (_np.abs(pv) > n)).any():
        raise ValueError(f"ldl_solve: pivots must be in [-n, -1] or [1, n] (n = {n})")
    lead = _np.broadcast_shapes(_r.shape(LD)[:-2], _r.shape(B)[:-2])
    k = _r.shape(B)[-1]
    LD = gnp.broadcast_to(LD, lead + (n, n))
    B = gnp.broadcast_to(B, lead + (n, k))
    pv = _np.broadcast_to(pv, lead + (n,))
    count = math.prod(lead)
    if count == 0 or n == 0 or k == 0:
        return B + 0.0 * gnp.sum(LD)
    Lf = gnp.reshape(LD, (count, n, n))
    Bf = gnp.reshape(B, (count, n, k))
    pf = pv.reshape(count, n)
    X = gnp.stack([_solve_one(Lf[i], pf[i], Bf[i]) for i in range(count)])
    return gnp.reshape(X, lead + (n, k))
