"""``numpy.polynomial.polyutils`` on Tensors: series checks and trimming, domain maps.

Trimming (``trimseq``, ``trimcoef``, ``as_series`` with ``trim=True``) drops coefficients by
their values, so it reads them: under ``gpuad.jit`` it raises ``TracerError``. Coefficients
exactly 0 of a Tensor being recorded are kept (with ``tol=0``): the derivative of the
polynomial with respect to such a coefficient is not 0, and dropping it would lose it. The
polynomial is the same; the coefficient array is longer than NumPy's.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from ... import rules as _r
from ...tensor import Tensor
from .._more_array import _host

__all__ = ["as_series", "trimseq", "trimcoef", "getdomain", "mapdomain", "mapparms",
           "RankWarning", "format_float"]

RankWarning = _np.exceptions.RankWarning
format_float = _np.polynomial.polyutils.format_float


def _arr(a):
    """``a`` as a Tensor or backend array (lists holding Tensors stacked, recorded)."""
    if isinstance(a, Tensor):
        return a
    if isinstance(a, list | tuple) and any(isinstance(e, Tensor) for e in _flat(a)):
        from ..._numpy_protocol import as_array_arg

        return as_array_arg(list(a))
    if hasattr(a, "shape") and hasattr(a, "dtype") and not isinstance(a, _np.generic):
        return a
    return _r._xp(None).asarray(_np.asarray(a))


def _flat(a):
    for e in a:
        if isinstance(e, list | tuple):
            yield from _flat(e)
        else:
            yield e


def _dtype(a) -> _np.dtype:
    return _np.dtype(_r.data(a).dtype)


def _float(a):
    """Integer and boolean coefficients as float64, as NumPy's series functions make them."""
    return _r.astype(a, _np.float64) if _dtype(a).kind in "biu" else a


def _ndmin1(a):
    a = _arr(a)
    return _r.reshape(a, (1,)) if _r.ndim(a) == 0 else a


def _last_nonzero(a, what: str, tol: float = 0.0) -> int:
    """Index of the last coefficient with ``|c| > tol`` (-1 if none), read from the values."""
    v = _np.asarray(_host(a, what))
    nz = _np.nonzero(_np.abs(v) > tol if tol else v != 0)[0]
    return int(nz[-1]) if nz.size else -1


def _recorded(a) -> bool:
    from ..._numpy_protocol import recording

    return isinstance(a, Tensor) and recording(a)


def trimseq(seq):
    """``seq`` without its trailing zero coefficients (at least one kept; a Tensor being
    recorded keeps them, see the module's note). Example: ``pu.trimseq(c)``"""
    seq = _arr(seq)
    n = _r.shape(seq)[0] if _r.ndim(seq) else 0
    if n == 0 or _recorded(seq):
        return seq
    last = _last_nonzero(seq, "polyutils.trimseq: which trailing coefficients are zero (a shape "
                              "that depends on the values)")
    return seq if last == n - 1 else _r.getitem(seq, slice(0, max(last, 0) + 1))


def as_series(alist, trim: bool = True) -> list:
    """The arrays of ``alist`` as 1-d float (or complex) series of one common dtype, trailing
    zeros trimmed with ``trim``. Example: ``[c1, c2] = pu.as_series([c1, c2])``"""
    arrays = [_ndmin1(a) for a in alist]
    for a in arrays:
        if _r.shape(a)[0] == 0 or 0 in _r.shape(a):
            raise ValueError("as_series: Coefficient array is empty")
    for a in arrays:
        if _r.ndim(a) != 1:
            raise ValueError(f"as_series: Coefficient array is not 1-d (shape {_r.shape(a)})")
    if trim:
        arrays = [trimseq(a) for a in arrays]
    kinds = [_dtype(a) for a in arrays]
    if any(k.kind not in "biufc" for k in kinds):
        raise TypeError(f"as_series: coefficients of dtype {kinds} are not numbers gpuad can "
                        f"differentiate")
    dt = _np.result_type(*[_np.float64 if k.kind in "biu" else k for k in kinds])
    return [a if _dtype(a) == dt else _r.astype(a, dt) for a in arrays]


def trimcoef(c, tol: float = 0):
    """``c`` without its trailing coefficients of magnitude at most ``tol`` (a zero if none is
    left). Example: ``pu.trimcoef(c, 1e-10)``"""
    if tol < 0:
        raise ValueError("trimcoef: tol must be non-negative")
    [c] = as_series([c])
    if tol == 0 and _recorded(c):
        return c
    last = _last_nonzero(c, "polyutils.trimcoef: which coefficients are small (a shape that "
                            "depends on the values)", tol)
    if last < 0:
        return _r.getitem(c, slice(0, 1)) * 0
    return _r.getitem(c, slice(0, last + 1))


def getdomain(x):
    """The smallest interval (a 2-array) holding the points ``x`` (a box in the complex plane
    for complex points); differentiable. Example: ``pu.getdomain(x)``"""
    from ... import numpy as gnp

    [x] = as_series([x], trim=False)
    if _dtype(x).kind == "c":
        re, im = gnp.real(x), gnp.imag(x)
        lo = gnp.min(re) + 1j * gnp.min(im)
        hi = gnp.max(re) + 1j * gnp.max(im)
        return gnp.stack([lo, hi])
    return gnp.stack([gnp.min(x), gnp.max(x)])


def mapparms(old, new) -> tuple[Any, Any]:
    """``(off, scl)`` of the linear map taking the interval ``old`` to ``new``.
    Example: ``off, scl = pu.mapparms([0, 1], [-1, 1])``"""
    old, new = _arr(old), _arr(new)
    o0, o1 = _r.getitem(old, 0), _r.getitem(old, 1)
    n0, n1 = _r.getitem(new, 0), _r.getitem(new, 1)
    oldlen = o1 - o0
    return (o1 * n0 - o0 * n1) / oldlen, (n1 - n0) / oldlen


def mapdomain(x, old, new):
    """``x`` mapped by the linear map taking ``old`` to ``new``; differentiable in all three.
    Example: ``pu.mapdomain(x, [0, 1], [-1, 1])``"""
    if not isinstance(x, int | float | complex) and not isinstance(x, _np.generic):
        x = _arr(x)
    off, scl = mapparms(old, new)
    return off + scl * x
