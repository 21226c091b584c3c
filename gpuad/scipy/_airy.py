"""Ai(x) and Ai'(x) from array operations alone, for backends whose special-function module
has no ``airy`` (CuPy's).

Where ``|x| >= 9`` the asymptotic expansions (DLMF 9.7.5-9.7.10) in ``zeta = 2/3 |x|^(3/2)``
(at least 18, so their terms fall to round-off before they diverge). Inside, the Airy equation
``y'' = x y`` is integrated from the asymptotic values at ``x = 9 sign(x)`` to x in nine Taylor
steps, whose coefficients follow ``(k+1)(k+2) a[k+2] = x0 a[k] + a[k-1]``: towards 0 the
solution being followed is the dominant one (x > 0) or oscillates (x < 0), so the integration
is stable and keeps about 1e-14 relative accuracy.
"""

from __future__ import annotations

import math

import numpy as _np

EDGE = 9.0
STEPS = 9
TAYLOR_TERMS = 32  # |h| <= 1, |x0| <= 9: the terms fall like 3^k / k!
ASYMPTOTIC_TERMS = 28  # at zeta >= 18 the terms reach 5e-17 relative


def _coefficients(n: int) -> tuple[list[float], list[float]]:
    """u_k and v_k of the asymptotic expansions (DLMF 9.7.2)."""
    u, v = [1.0], [1.0]
    for k in range(1, n):
        u.append(u[-1] * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k))
        v.append(-u[-1] * (6 * k + 1) / (6 * k - 1))
    return u, v


_U, _V = _coefficients(ASYMPTOTIC_TERMS)
_INV_SQRT_PI = 1 / math.sqrt(math.pi)


def _series(coeffs, w, start: int, step: int):
    """``sum_j (-1)^j coeffs[start + step j] w^(start + step j)``, by Horner's rule in w^step."""
    ks = list(range(start, len(coeffs), step))
    s = 0.0
    ws = w ** step
    for j, k in reversed(list(enumerate(ks))):
        s = s * ws + (-1) ** j * coeffs[k]
    return s * w ** start


def _asymptotic(xp, x):
    """(Ai, Ai') by the asymptotic expansions, for |x| >= EDGE (any values elsewhere)."""
    z = abs(x)
    z = xp.where(z >= EDGE, z, EDGE)
    root4 = xp.sqrt(xp.sqrt(z))
    zeta = (2.0 / 3.0) * z * xp.sqrt(z)
    w = 1.0 / zeta
    # x > 0: decaying exponential times sum (-1)^k u_k / zeta^k
    e = xp.exp(-zeta) * (0.5 * _INV_SQRT_PI)
    ai_pos = e / root4 * _series(_U, w, 0, 1)
    aip_pos = -e * root4 * _series(_V, w, 0, 1)
    # x < 0: the even and odd parts with cos/sin of zeta - pi/4
    c, s = xp.cos(zeta - math.pi / 4), xp.sin(zeta - math.pi / 4)
    ue, uo = _series(_U, w, 0, 2), _series(_U, w, 1, 2)
    ve, vo = _series(_V, w, 0, 2), _series(_V, w, 1, 2)
    ai_neg = _INV_SQRT_PI / root4 * (c * ue + s * uo)
    aip_neg = _INV_SQRT_PI * root4 * (s * ve - c * vo)
    neg = x < 0
    return xp.where(neg, ai_neg, ai_pos), xp.where(neg, aip_neg, aip_pos)


def _taylor_step(x0, h, y, dy):
    """(y, y') at x0 + h from (y, y') at x0 for y'' = x y (scaled coefficients b_k = a_k h^k)."""
    b_prev2, b_prev = y, dy * h  # b_0, b_1
    b_before = 0.0  # b_{-1}
    val = y + b_prev
    der = b_prev
    h2, h3 = x0 * h * h, h * h * h
    for k in range(0, TAYLOR_TERMS - 2):  # b_{k+2} from b_k and b_{k-1}
        b_next = (h2 * b_prev2 + h3 * b_before) / ((k + 1) * (k + 2))
        val = val + b_next
        der = der + (k + 2) * b_next
        b_before, b_prev2, b_prev = b_prev2, b_prev, b_next
    return val, der / h


def airy(xp, x):
    """``(Ai(x), Ai'(x))`` on the backend ``xp`` (x real, float64 or float32 kept)."""
    x = xp.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else _np.dtype(_np.float64)
    x = x.astype(_np.float64)
    with _np.errstate(all="ignore"):
        ai_far, aip_far = _asymptotic(xp, x)
        inside = abs(x) < EDGE
        start = xp.where(x < 0, -EDGE, EDGE)
        ends = _asymptotic(xp, xp.asarray([-EDGE, EDGE]))  # (Ai, Ai') at -9 and 9
        y, dy = (xp.where(x < 0, e[0], e[1]) for e in ends)
        h = xp.where(inside, (x - start) / STEPS, 1.0)
        x0 = start
        for _ in range(STEPS):
            y, dy = _taylor_step(x0, h, y, dy)
            x0 = x0 + h
        nan = xp.isnan(x)
        ai = xp.where(nan, x, xp.where(inside, y, ai_far))
        aip = xp.where(nan, x, xp.where(inside, dy, aip_far))
    return ai.astype(dtype, copy=False), aip.astype(dtype, copy=False)
