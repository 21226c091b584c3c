"""``torch.linalg.lstsq``: batched least squares with torch's drivers and results, re-exported
by :mod:`gpuad.linalg`.

The solution is the minimum-norm one, ``pinv(A) @ B`` with singular values below
``rcond * max(s)`` cut (torch's ``gelsd``/``gelss``/``gelsy`` give it too; ``gels`` assumes full
rank and agrees there), differentiable in ``A`` and ``B`` where the rank is locally constant.
What the other results hold follows torch's table for each driver. Example::

    import gpuad.linalg as LA
    x, residuals, rank, s = LA.lstsq(A, B, driver="gelsd")    # A: (..., m, n), B: (..., m, k)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as _np

from . import _value_checks
from . import rules as _r
from .linalg_rules import _conj, _re
from .linalg_rules import pinv_ as _pinv
from .numpy import linalg as _nla

__all__ = ["lstsq"]

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


class LstsqResult(NamedTuple):
    solution: Any
    residuals: Any
    rank: Any
    singular_values: Any


LstsqResult.__name__ = LstsqResult.__qualname__ = "lstsq"  # torch's name in reprs


def _empty(like, dtype):
    xp = _r._xp(_r.data(like))
    return _nla._like(like, xp.empty((0,), dtype=dtype))


def lstsq(A, B, rcond: float | None = None, *, driver: str | None = None) -> LstsqResult:
    """``(solution, residuals, rank, singular_values)`` of ``min ||A X - B||`` as
    ``torch.linalg.lstsq``: ``A`` ``(..., m, n)``, ``B`` ``(..., m, k)`` (or ``(..., m)``,
    one dim less than ``A``: vectors), batch dims broadcast. ``rank`` (int64) for every driver
    but ``gels``; ``singular_values`` for ``gelsd``/``gelss``; ``residuals`` (squared norms,
    ``(..., k)``) when ``m > n``, every matrix has full rank and the driver is not ``gelsy``;
    the others are empty, as torch's. ``rcond`` (default ``eps * max(m, n)``) cuts singular
    values relative to the largest. The default driver is ``gelsy`` (torch's on the CPU).

    Example: ``x = gpuad.linalg.lstsq(A, B).solution``
    """
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"lstsq: parameter `driver` should be one of {_DRIVERS}; got "
                           f"{driver!r}")
    A = _nla._float_input(_nla._arr(A))
    B = _nla._float_input(_nla._arr(B))
    sa, sb = _r.shape(A), _r.shape(B)
    if len(sa) < 2 or len(sb) < 1:
        raise RuntimeError(f"lstsq: A must have at least 2 dimensions and B at least 1; got "
                           f"shapes {sa} and {sb}")
    vec = len(sb) == len(sa) - 1
    if vec:
        B = _r.reshape(B, sb + (1,))
    m, n = sa[-2:]
    if _r.shape(B)[-2] != m:
        raise RuntimeError(f"lstsq: A of shape {sa} and B of shape {sb} are incompatible (A "
                           f"has {m} rows, B {_r.shape(B)[-2]})")
    dt = _np.result_type(_r.data(A).dtype, _r.data(B).dtype)
    if _r.data(A).dtype != dt:
        A = _r.astype(A, dt)
    real = _np.empty(0, dt).real.dtype
    if rcond is None:
        rcond = float(_np.finfo(dt).eps) * max(m, n)
    s = _nla.svd(A, compute_uv=False)
    xp = _r._xp(_r.data(s))
    k = min(m, n)
    rank = _nla._on_stacks(
        lambda d: xp.sum(d > rcond * d[..., :1], axis=-1).astype(_np.int64) if k
        else xp.zeros(d.shape[:-1], dtype=_np.int64), s)
    x = _r.matmul(_pinv(A, rcond=rcond), B)
    want_residuals = m > n and driver != "gelsy"
    if want_residuals:  # (under gpuad.jit the residuals' shape is held as the trace's)
        ranks = rank._data if _nla._batched(rank) else _r.data(rank)  # (vmap: every example)
        want_residuals = bool(xp.all(ranks == n))
        _value_checks.keep_branch("lstsq: every matrix of full rank (the residuals' shape)",
                                  want_residuals, lambda xp, r: xp.all(r == n), ranks)
    if want_residuals:
        res = B - _r.matmul(A, x)
        sq = res * _conj(res) if dt.kind == "c" else res * res
        residuals = _r.sum(_re(sq), _r.ndim(sq) - 2)  # (..., k); (..., 1) for vectors, as torch
    else:
        residuals = _empty(x, real)
    if vec:
        x = _r.reshape(x, _r.shape(x)[:-1])
    return LstsqResult(
        x, residuals,
        rank if driver != "gels" else _empty(x, _np.int64),
        s if driver in ("gelsd", "gelss") else _empty(x, real))
