"""Forward kernels of torch.special's orthogonal polynomials, on backend arrays.

Each family obeys a three-term recurrence ``p[m+1] = (lin(m, x) p[m] - c(m) p[m-1]) / d(m)``
whose factor ``lin`` is linear in x with slope ``slope(m)``; differentiating it j times gives
``p[m+1]^(j) = (lin p[m]^(j) + j slope p[m]^(j-1) - c p[m-1]^(j)) / d``, so one loop yields the
k-th x-derivative of any degree exactly, at every x. The values (k = 0) follow torch's kernels
(aten/src/ATen/native/Math.h) where they leave the recurrence: the degree is ``n`` truncated
toward zero (0 for a negative, infinite or NaN one), a negative degree gives 0, the Chebyshev
families use their trigonometric forms inside (-1, 1) above a small degree and their closed
values at the ends, ``laguerre_polynomial_l(0, n)`` is 1, and the Hermite polynomials of degree
above 512 (128 in float32) are NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as _np


@dataclass(frozen=True)
class Family:
    """One polynomial family: ``p[0] = 1``, ``p[1] = first(x)`` (slope ``first_slope``), and
    the recurrence above; ``trig`` is the degree above which torch switches to the
    trigonometric form (Chebyshev families only), ``shifted`` whether the argument is 2x - 1."""

    first: Callable
    first_slope: float
    lin: Callable
    slope: Callable
    c: Callable
    d: Callable
    trig: int | None = None
    shifted: bool = False


def _y(x):
    return x + x - 1.0


def _cheb(first, first_slope, trig, shifted=False):
    if shifted:
        return Family(first, first_slope, lambda m, x: _y(x) + _y(x), lambda m: 4.0,
                      lambda m: 1.0, lambda m: 1.0, trig, True)
    return Family(first, first_slope, lambda m, x: x + x, lambda m: 2.0, lambda m: 1.0,
                  lambda m: 1.0, trig)


FAMILIES = {
    "chebyshev_polynomial_t": _cheb(lambda x: x, 1.0, 6),
    "chebyshev_polynomial_u": _cheb(lambda x: x + x, 2.0, 8),
    "chebyshev_polynomial_v": _cheb(lambda x: x + x - 1.0, 2.0, 8),
    "chebyshev_polynomial_w": _cheb(lambda x: x + x + 1.0, 2.0, 8),
    "shifted_chebyshev_polynomial_t": _cheb(_y, 2.0, 6, True),
    "shifted_chebyshev_polynomial_u": _cheb(lambda x: _y(x) + _y(x), 4.0, 6, True),
    "shifted_chebyshev_polynomial_v": _cheb(lambda x: _y(x) + _y(x) - 1.0, 4.0, 6, True),
    "shifted_chebyshev_polynomial_w": _cheb(lambda x: _y(x) + _y(x) + 1.0, 4.0, 4, True),
    "hermite_polynomial_h": Family(lambda x: x + x, 2.0, lambda m, x: x + x, lambda m: 2.0,
                                   lambda m: 2.0 * m, lambda m: 1.0),
    "hermite_polynomial_he": Family(lambda x: x, 1.0, lambda m, x: x, lambda m: 1.0,
                                    lambda m: float(m), lambda m: 1.0),
    "laguerre_polynomial_l": Family(lambda x: 1.0 - x, -1.0, lambda m, x: 2.0 * m + (1.0 - x),
                                    lambda m: -1.0, lambda m: float(m), lambda m: m + 1.0),
    "legendre_polynomial_p": Family(lambda x: x, 1.0, lambda m, x: (2.0 * m + 1.0) * x,
                                    lambda m: 2.0 * m + 1.0, lambda m: float(m),
                                    lambda m: m + 1.0),
}
HERMITE_MAX_DEGREE = {_np.dtype(_np.float32): 128}  # torch's limits; 512 for the others
_INT64_LIMIT = 2.0 ** 63


def result_dtype(x, n, op: str = "orthopoly"):
    """NumPy's promotion of ``x`` and ``n``, made floating (float64 for integers)."""
    dt = _np.result_type(*(v.dtype if hasattr(v, "dtype") else v for v in (x, n)))
    if dt.kind == "c":
        raise TypeError(f"{op}: x and n must be real (torch's orthogonal polynomials take no "
                        f"complex values), got {dt}; pass the real part, gnp.real(x)")
    return dt if dt.kind == "f" else _np.dtype(_np.float64)


def degree(xp, n):
    """``n`` as torch reads it: truncated toward zero to int64; NaN, infinite or out of range
    values become -1 (torch's cast gives the most negative int64 there)."""
    if n.dtype.kind in "biu":
        return n.astype(_np.int64)
    ok = xp.isfinite(n) & (abs(n) < _INT64_LIMIT)
    return xp.trunc(xp.where(ok, n, -1.0)).astype(_np.int64)


def _recurrence(xp, fam: Family, x, n, k: int, need):
    """The k-th x-derivative of p[n] where ``need`` (zeros elsewhere): one pass of the
    differentiated recurrence up to the largest degree needed."""
    one = xp.ones_like(x)
    zero = xp.zeros_like(x)
    prev = [one] + [zero] * k
    cur = [fam.first(x) + zero, fam.first_slope * one] + [zero] * (k - 1)
    cur = cur[:k + 1]
    out = xp.where(n == 0, prev[k], xp.where(n == 1, cur[k], zero))
    top = int(xp.max(xp.where(need, n, 0))) if n.size else 0
    for m in range(1, top):
        lin, s, c, d = fam.lin(m, x), fam.slope(m), fam.c(m), fam.d(m)
        nxt = []
        for j in range(k + 1):
            v = lin * cur[j] - c * prev[j] if j == 0 else (
                lin * cur[j] + (j * s) * cur[j - 1] - c * prev[j])
            nxt.append(v if d == 1.0 else v / d)
        prev, cur = cur, nxt
        out = xp.where(n == m + 1, cur[k], out)
    return out


def _chebyshev_closed(xp, kind: str, y, n):
    """torch's trigonometric forms (inside (-1, 1)) and end values (at +-1) of the
    Chebyshev families in ``y`` (x, or 2x - 1 for the shifted ones)."""
    even = n % 2 == 0
    sgn = xp.where(even, 1.0, -1.0)
    nf = n.astype(y.dtype)
    inside = abs(y) < 1
    th = xp.arccos(xp.where(inside, y, 0.0))
    letter = kind[-1]
    if letter == "t":
        trig = xp.cos(nf * th)
        end = xp.where(y > 0, 1.0, sgn)
    elif letter == "u":
        s = xp.sin(th)
        trig = xp.where(s != 0, xp.sin((nf + 1) * th) / xp.where(s != 0, s, 1.0),
                        (nf + 1) * xp.cos((nf + 1) * th) / xp.where(y != 0, y, 1.0))
        end = xp.where(y > 0, nf + 1, sgn * (nf + 1))
    elif letter == "v":
        h = xp.sin(th / 2)
        trig = xp.where(h != 1, xp.cos((nf + 0.5) * th) / xp.where(h != 1, xp.cos(th / 2), 1.0),
                        sgn * (2 * nf + 1))
        end = xp.where(y > 0, 1.0, sgn * (2 * nf + 1))
    else:
        h = xp.cos(th / 2)
        at_one = 2 * nf + 1 if kind == "chebyshev_polynomial_w" else sgn
        trig = xp.where(h != 1, xp.sin((nf + 0.5) * th) / xp.where(h != 1, xp.sin(th / 2), 1.0),
                        xp.where(y > 0, at_one, sgn))
        end = xp.where(y > 0, 2 * nf + 1, sgn)
    return trig, end


def evaluate(xp, kind: str, x, n, k: int = 0):
    """The k-th x-derivative of the polynomial ``kind`` of degree ``n`` at ``x`` (broadcast),
    with torch's values for k = 0 (overflow gives inf or NaN silently, as in torch)."""
    with _np.errstate(all="ignore"):
        return _evaluate(xp, kind, x, n, k)


def _evaluate(xp, kind: str, x, n, k: int):
    fam = FAMILIES[kind]
    dtype = result_dtype(x, n, kind)
    x = xp.asarray(x, dtype=dtype)
    n = degree(xp, xp.asarray(n))
    x, n = xp.broadcast_arrays(x, n)
    zero = xp.zeros(x.shape, dtype=dtype)
    if k == 0 and fam.trig is not None:
        y = _y(x) if fam.shifted else x
        trig, end = _chebyshev_closed(xp, kind, y, n)
        use_trig = (n > fam.trig) & (abs(y) < 1)
        use_end = abs(y) == 1
        out = _recurrence(xp, fam, x, n, k, (n >= 2) & ~use_trig & ~use_end)
        out = xp.where(use_trig, trig, xp.where(use_end, end, out))
    elif k == 0 and kind == "laguerre_polynomial_l":
        out = xp.where(x == 0, 1.0, _recurrence(xp, fam, x, n, k, (n >= 2) & (x != 0)))
    elif kind.startswith("hermite"):
        top = HERMITE_MAX_DEGREE.get(_np.dtype(dtype), 512)
        out = _recurrence(xp, fam, x, n, k, (n >= 2) & (n <= top))
        out = xp.where(n > top, xp.nan, out)
    else:
        out = _recurrence(xp, fam, x, n, k, n >= 2)
    return xp.where(n < 0, zero, out).astype(dtype, copy=False)
