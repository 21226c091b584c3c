"""The functions of ``jax.scipy.special`` that SciPy-named gpuad lacked: loggamma, factorial,
comb, boxcox, boxcox1p, bernoulli, bessel_jn (compositions of existing primitives), and dawsn,
sici, fresnel, owens_t, hyp2f1 (one primitive each, SciPy's forward, derivatives from other
primitives). Values and semantics are JAX's. Also SciPy's exprel, inv_boxcox, inv_boxcox1p
(compositions, SciPy's values)."""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from .. import numpy as gnp
from ..rules import cos, data, erf, exp, prim, sin, where
from ._special_rules import (
    ASYMPTOTIC_X,
    SQRT_2PI,
    _fwd,
    _tail,
    gammaln,
    jn,
    no_derivative,
    scipy_function,
)


def _raw(v: Any) -> Any:
    return gnp.asarray(data(v))


def loggamma(x: Any) -> Any:
    """``log Gamma(x)`` for real ``x > 0``, nan elsewhere (``jax.scipy.special.loggamma`` of
    real arguments); d/dx = digamma(x). Example: ``sps.loggamma(3.5)``"""
    ok = _raw(x) > 0
    return gnp.where(ok, gammaln(gnp.where(ok, x, 1.0)), gnp.nan)


def factorial(n: Any, exact: bool = False) -> Any:
    """``Gamma(n + 1)``, 0 for ``n < 0``; ``exact=True`` raises ``NotImplementedError`` (as
    JAX). Example: ``sps.factorial(4.0)``"""
    if exact:
        raise NotImplementedError("factorial with exact=True")
    neg = _raw(n) < 0
    return gnp.where(neg, 0.0, gnp.exp(gammaln(gnp.where(neg, 0.0, n) + 1)))


def comb(N: Any, k: Any, *, repetition: bool = False) -> Any:
    """The binomial coefficient ``N! / (k! (N-k)!)`` by log-gamma (real ``N``, ``k``), 0 outside
    ``0 <= k <= N``; with ``repetition`` ``comb(N + k - 1, k)`` and 1 at ``k = 0``.
    Example: ``sps.comb(10.0, 3.0)``"""
    if repetition:
        one = (_raw(k) == 0) & (_raw(N) >= 0)
        return gnp.where(one, 1.0, comb(N + k - 1, k))
    ok = (_raw(k) <= _raw(N)) & (_raw(N) >= 0) & (_raw(k) >= 0)
    n_, k_ = gnp.where(ok, N, 0.0), gnp.where(ok, k, 0.0)
    return gnp.where(ok, gnp.exp(gammaln(n_ + 1) - gammaln(k_ + 1) - gammaln(n_ + 1 - k_)), 0.0)


# exprel(t) = expm1(t) / t = sum_k t^k / (k + 1)! for |t| < 0.1 (eleven terms reach round-off)
_EXPREL = [1 / math.factorial(k + 1) for k in range(12)]


def _boxcox(logx: Any, lmbda: Any, base: Any) -> Any:
    """``expm1(lmbda logx) / lmbda`` with ``logx = log(base)``; where ``|lmbda logx| < 0.1``
    (lmbda = 0 included) as ``logx * exprel(lmbda logx)`` by its power series, so that the
    derivative in lmbda, which the quotient would give as a difference of nearly equal numbers,
    keeps its digits (and is ``logx^2 / 2`` at lmbda = 0); where ``lmbda logx > 700`` as
    ``exp(lmbda logx - log|lmbda|)``, finite where the quotient is; where ``lmbda logx < -1``
    as ``(base**lmbda - 1) / lmbda`` (no cancellation there), whose derivative in ``base``,
    ``base**(lmbda - 1)``, does not underflow where ``base**lmbda`` does (the chain through
    ``log`` would give ``base**lmbda / base``: 0 in float32 at ``base = 1e-25, lmbda = 2``)."""
    ld, td = _raw(logx), _raw(lmbda) * _raw(logx)
    small = abs(td) < 0.1
    lam_s, log_s = gnp.where(small, lmbda, 0.0), gnp.where(small, logx, 0.0)
    t = lam_s * log_s
    series = _EXPREL[-1]
    for c in reversed(_EXPREL[:-1]):
        series = series * t + c
    huge = td > 700  # e^t overflows where e^t / lmbda may not: exp(t - log|lmbda|)
    lam_b, log_b = gnp.where(small, 1.0, lmbda), gnp.where(small | huge, 0.0, logx)
    lam_h, log_h = gnp.where(huge, lmbda, 1.0), gnp.where(huge, logx, 0.0)
    far = gnp.sign(lam_h) * gnp.exp(lam_h * log_h - gnp.log(abs(lam_h))) - 1 / lam_h
    low = td < -1
    lam_p, base_p = gnp.where(low, lmbda, 1.0), gnp.where(low, base, 1.0)
    mid = gnp.where(low, (gnp.power(base_p, lam_p) - 1) / lam_p,
                    gnp.expm1(lam_b * gnp.where(low, 0.0, log_b)) / lam_b)
    out = gnp.where(small, log_s * series, gnp.where(huge, far, mid))
    return gnp.where((_raw(lmbda) == 0) & gnp.isinf(ld), logx, out)  # log(0), log(inf)


def _weakly(x: Any, other: Any) -> tuple[Any, Any]:
    """``x`` and ``other`` with a Python number among them made an array of the other's float
    dtype (a Python number does not promote a float32 argument, as in SciPy)."""
    def dt(v):
        d = getattr(data(v), "dtype", None)
        return d if d is not None and d.kind == "f" else None

    if isinstance(x, int | float) and dt(other) is not None:
        x = gnp.asarray(x, dtype=dt(other))
    if isinstance(other, int | float) and dt(x) is not None:
        other = gnp.asarray(other, dtype=dt(x))
    return x, other


def boxcox(x: Any, lmbda: Any) -> Any:
    """The Box-Cox transform ``(x**lmbda - 1) / lmbda``, ``log x`` at ``lmbda = 0``.
    Example: ``sps.boxcox(x, 0.5)``"""
    x, lmbda = _weakly(x, lmbda)
    return _boxcox(gnp.log(x), lmbda, x)


def boxcox1p(x: Any, lmbda: Any) -> Any:
    """``boxcox(1 + x, lmbda)``, accurate for small ``x``. Example: ``sps.boxcox1p(x, 0.5)``"""
    x, lmbda = _weakly(x, lmbda)
    return _boxcox(gnp.log1p(x), lmbda, 1 + x)


# log1p(t) / t = sum_k (-t)^k / (k + 1) for |t| < 0.1 (sixteen terms reach round-off)
_LOG1PREL = [(-1) ** k / (k + 1) for k in range(16)]


def _series(t: Any, coeffs: list[float]) -> Any:
    out = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        out = out * t + c
    return out


def exprel(x: Any) -> Any:
    """``expm1(x) / x``, 1 at ``x = 0`` (``scipy.special.exprel``; inf beyond ``x = 709.78``
    where ``expm1`` overflows, as SciPy's). A power series where ``|x| < 0.1`` keeps every
    derivative exact through 0 (``exprel'(0) = 1/2``). Example: ``sps.exprel(x)``"""
    xd = _raw(x)
    small = abs(xd) < 0.1
    big = xd > 709.79  # exp overflows: inf, with an infinite slope (inf / inf would be nan)
    xs, xb = gnp.where(small, x, 0.0), gnp.where(small | big, 1.0, x)
    return gnp.where(small, _series(xs, _EXPREL),
                     gnp.where(big, gnp.exp(gnp.where(big, x, 0.0)), gnp.expm1(xb) / xb))


def _inv_boxcox_inner(y: Any, lmbda: Any) -> Any:
    """``log1p(lmbda y) / lmbda`` (``y`` at ``lmbda = 0``); where ``|lmbda y| < 0.1`` as
    ``y * log1prel(lmbda y)`` by its series, so that the derivative in ``lmbda`` keeps its
    digits (and is ``-y^2 / 2`` at ``lmbda = 0``, where the quotient has none)."""
    ld, yd = _raw(lmbda), _raw(y)
    with _np.errstate(all="ignore"):
        t = ld * yd
    small = abs(t) < 0.1
    big = t > 1e15  # log1p(t) = log|lmbda| + log|y| + log1p(1/t): lmbda * y may overflow
    edge = (ld == 0) & ~gnp.isfinite(yd)  # exp(y) at lmbda = 0 (0 * inf is nan)
    ys, ls = gnp.where(small, y, 0.0), gnp.where(small, lmbda, 0.0)
    yb, lb = gnp.where(small | big | edge, 0.0, y), gnp.where(small | big | edge, 1.0, lmbda)
    yh, lh = gnp.where(big, y, 1.0), gnp.where(big, lmbda, 1.0)
    far = (gnp.log(abs(lh)) + gnp.log(abs(yh)) + gnp.log1p(1 / lh / yh)) / lh
    out = gnp.where(small, ys * _series(ls * ys, _LOG1PREL),
                    gnp.where(big, far, gnp.log1p(lb * yb) / lb))
    return gnp.where(edge, y, out)


def inv_boxcox(y: Any, lmbda: Any) -> Any:
    """The inverse of ``boxcox``: ``(1 + lmbda y) ** (1 / lmbda)``, ``exp(y)`` at
    ``lmbda = 0`` (``scipy.special.inv_boxcox``; nan where ``1 + lmbda y < 0``).
    Example: ``sps.inv_boxcox(sps.boxcox(x, 0.5), 0.5)``"""
    y, lmbda = _weakly(y, lmbda)
    return gnp.exp(_inv_boxcox_inner(y, lmbda))


def inv_boxcox1p(y: Any, lmbda: Any) -> Any:
    """The inverse of ``boxcox1p``: ``(1 + lmbda y) ** (1 / lmbda) - 1``, ``expm1(y)`` at
    ``lmbda = 0`` (``scipy.special.inv_boxcox1p``), accurate for small results.
    Example: ``sps.inv_boxcox1p(sps.boxcox1p(x, 0.5), 0.5)``"""
    y, lmbda = _weakly(y, lmbda)
    return gnp.expm1(_inv_boxcox_inner(y, lmbda))


def bernoulli(n: int) -> Any:
    """The Bernoulli numbers ``B_0 ... B_n`` (``B_1 = -1/2``) as a float64 array of the
    backend: exact to round-off (JAX's series is off by about 3e-6 at ``B_4``). Not
    differentiable (an integer argument). Example: ``sps.bernoulli(6)``"""
    import operator

    n = operator.index(n)
    if n < 0:
        raise ValueError("n must be a non-negative integer.")
    import scipy.special as _ss

    b = _np.asarray(_ss.bernoulli(n), dtype=_np.float64)[: n + 1]
    return gnp.asarray(b)


def bessel_jn(z: Any, *, v: int, n_iter: int = 50) -> Any:
    """``J_0(z) ... J_v(z)`` stacked on a new first axis (``jax.scipy.special.bessel_jn``;
    ``n_iter`` changes nothing: the values are SciPy's); differentiable in ``z``.
    Example: ``sps.bessel_jn(x, v=3)``"""
    import operator

    v = operator.index(v)
    if v < 0:
        raise ValueError(f"bessel_jn: v must be a non-negative integer, got {v}")
    return gnp.stack([jn(k, z) for k in range(v + 1)])


# ---- one primitive each --------------------------------------------------------------------



def _dawsn_dx(g, ans, x):
    """``1 - 2 x dawsn(x)``; for large |x|, where ``2 x dawsn(x)`` is near 1, its asymptotic
    series ``-sum_k (2k-1)!! / (2 x^2)^k`` (the difference would lose its digits)."""
    far = abs(data(x)) >= ASYMPTOTIC_X
    near = 1 - 2 * where(far, 0.0, x) * ans
    return g * where(far, -_tail(where(far, x, ASYMPTOTIC_X), False), near)


_dawsn = prim("dawsn", _fwd("dawsn"), vjp=[_dawsn_dx], jvp="vjp", guard=True)


def _part(name: str, k: int):
    def fwd(xp, x):
        return scipy_function(xp, name)(x)[k]

    fwd.__name__ = f"{name}_{k}"
    return fwd


def _si_dx(g, ans, x):
    return g * gnp.sinc(x / math.pi)


_si = prim("sici_si", _part("sici", 0), vjp=[_si_dx], jvp="vjp", guard=True)
_ci = prim("sici_ci", _part("sici", 1), vjp=[lambda g, ans, x: g * cos(x) / x], jvp="vjp",
           guard=True)


def sici(x: Any) -> tuple[Any, Any]:
    """The sine and cosine integrals ``(Si(x), Ci(x))``: ``Si`` odd, ``Ci(x) = Ci(|x|)`` for
    ``x < 0`` (JAX's real part; nan at ``-inf``); d/dx are ``sin x / x`` and ``cos x / x``.
    Example: ``si, ci = sps.sici(x)``"""
    si = _si(x)  # odd: SciPy's takes either sign (and Si'(0) = 1 stays exact)
    ci = gnp.where(gnp.isneginf(_raw(x)), gnp.nan, _ci(gnp.abs(x)))
    return si, ci


_HALF_PI = math.pi / 2
_fresnel_s = prim("fresnel_s", _part("fresnel", 0),
                  vjp=[lambda g, ans, x: g * sin(_HALF_PI * (x * x))], jvp="vjp", guard=True)
_fresnel_c = prim("fresnel_c", _part("fresnel", 1),
                  vjp=[lambda g, ans, x: g * cos(_HALF_PI * (x * x))], jvp="vjp", guard=True)


def fresnel(x: Any) -> tuple[Any, Any]:
    """The Fresnel integrals ``(S(x), C(x))`` of ``sin(pi t^2/2)`` and ``cos(pi t^2/2)`` from 0
    to ``x`` (the integrands are their derivatives). Example: ``s, c = sps.fresnel(x)``"""
    return _fresnel_s(x), _fresnel_c(x)


def _owens_t_dh(g, ans, h, a):
    return -g * exp(-0.5 * (h * h)) / SQRT_2PI * erf(a * h / math.sqrt(2.0)) / 2


def _owens_t_da(g, ans, h, a):
    s = 1 + a * a
    return g * exp(-0.5 * (h * h) * s) / (2 * math.pi * s)


_owens_t = prim("owens_t", _fwd("owens_t"), vjp=[_owens_t_dh, _owens_t_da], jvp="vjp",
               guard=True)

_HYP = "its derivatives in the parameters have no closed form"
_hyp2f1 = prim("hyp2f1", _fwd("hyp2f1"), vjp=[
    no_derivative("hyp2f1", "a", _HYP), no_derivative("hyp2f1", "b", _HYP),
    no_derivative("hyp2f1", "c", _HYP),
    lambda g, ans, a, b, c, x: g * a * b / c * _hyp2f1(a + 1, b + 1, c + 1, x)],
    jvp="vjp", guard=True)



def dawsn(x: Any) -> Any:
    """``scipy.special.dawsn(x)``: Dawson's integral ``exp(-x^2) int_0^x exp(t^2) dt``;
    d/dx = 1 - 2 x dawsn(x), any order. Example: ``sps.dawsn(0.5)``"""
    return _dawsn(x)


def owens_t(h: Any, a: Any) -> Any:
    """``scipy.special.owens_t(h, a)``: Owen's T function, differentiable in ``h`` and ``a``
    to any order. Example: ``sps.owens_t(0.4, 1.5)``"""
    return _owens_t(h, a)


def hyp2f1(a: Any, b: Any, c: Any, x: Any) -> Any:
    """``scipy.special.hyp2f1(a, b, c, x)``: the Gauss hypergeometric function; differentiable
    in ``x`` to any order (a derivative in ``a``, ``b`` or ``c`` raises ``MissingRuleError``:
    no closed form). Example: ``sps.hyp2f1(1.0, 1.5, 2.5, x)``"""
    return _hyp2f1(a, b, c, x)


dawsn.rule = _dawsn.rule  # type: ignore[attr-defined]
owens_t.rule = _owens_t.rule  # type: ignore[attr-defined]
hyp2f1.rule = _hyp2f1.rule  # type: ignore[attr-defined]

__all__ = ["bernoulli", "bessel_jn", "boxcox", "boxcox1p", "comb", "dawsn", "factorial",
           "fresnel", "hyp2f1", "loggamma", "owens_t", "sici"]
