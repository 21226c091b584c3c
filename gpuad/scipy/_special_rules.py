"""Primitives behind ``gpuad.scipy.special``: one ``prim`` line per function.

Forwards call ``scipy.special`` on the NumPy backend and ``cupyx.scipy.special`` on the CuPy
backend. Every derivative is written with differentiable primitives (most often other special
functions: ``gamma' = gamma * digamma``, ``digamma' = polygamma(1, .)``, ...), so derivatives of
any order work in both modes. Arguments without a closed-form derivative (integer orders, the
shape parameters of the incomplete gamma and beta functions) raise
:class:`~gpuad.rules.MissingRuleError` when a derivative is requested for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as _np

from .. import _value_checks as _vc
from .._raw import _xp
from ..rules import MissingRuleError, cos, data, exp, log, log1p, prim, sign, sin, where
from ..tensor import Tensor

SQRT_PI = math.sqrt(math.pi)
SQRT_2PI = math.sqrt(2 * math.pi)
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)

_FOUND: dict[tuple[bool, str], Callable] = {}


def _module(xp, name: str):
    """(``scipy.special`` or ``cupyx.scipy.special``, its name) for the backend ``xp``."""
    if xp is _np:
        import scipy.special as mod

        return mod, "scipy.special"
    try:
        import cupyx.scipy.special as mod  # type: ignore[import-not-found]
    except ImportError as e:  # pragma: no cover - needs CuPy
        raise NotImplementedError(
            f"{name}: cupyx.scipy.special could not be imported ({e}); run it on the numpy "
            f"backend (gpuad.use_backend('numpy'))") from e
    return mod, "cupyx.scipy.special"


def has_function(xp, name: str) -> bool:
    """Whether the backend's special-function module (``xp``'s) has ``name``."""
    return (xp is _np, name) in _FOUND or getattr(_module(xp, name)[0], name, None) is not None


def scipy_function(xp, name: str, *alternatives: str) -> Callable:
    """``scipy.special.<name>`` for the NumPy backend, ``cupyx.scipy.special.<name>`` for CuPy
    (the first of ``name, *alternatives`` that exists); a clear error where there is none."""
    key = (xp is _np, name)
    fn = _FOUND.get(key)
    if fn is not None:
        return fn
    mod, where_ = _module(xp, name)
    for n in (name, *alternatives):
        fn = getattr(mod, n, None)
        if fn is not None:
            _FOUND[key] = fn
            return fn
    raise NotImplementedError(
        f"{name}: {where_} has no {name!r} in this version, so it cannot run on this backend; "
        f"run it on the numpy backend (gpuad.use_backend('numpy')) or upgrade "
        f"{where_.split('.')[0]}")


# cupyx.scipy.special functions that are Python code rather than ufuncs take arrays only
# (polygamma(1, x) compares n == 0 and hands the Python bool to cupy.where)
_ARRAYS_ONLY = frozenset({"polygamma"})


def _as_arrays(xp, args: tuple) -> tuple:
    """``args`` with Python and NumPy scalars made 0-d arrays of the backend (filled on the
    device: no host-to-device copy, which a capturing stream would refuse)."""
    return tuple(a if isinstance(a, xp.ndarray) else xp.asarray(a) if isinstance(a, _np.ndarray)
                 else xp.full((), a, dtype=_np.asarray(a).dtype) for a in args)


def _fwd(name: str, *alternatives: str) -> Callable:
    arrays_only = name in _ARRAYS_ONLY

    def fwd(xp, *args):
        if arrays_only and xp is not _np:
            args = _as_arrays(xp, args)
        return scipy_function(xp, name, *alternatives)(*args)

    fwd.__name__ = name
    return fwd


def no_derivative(op: str, arg: str, why: str) -> Callable:
    """A vjp/jvp formula for an argument that has no derivative: it raises, naming both."""

    def formula(g, ans, *args, **params):
        raise MissingRuleError(
            f"{op}: cannot differentiate with respect to {arg} ({why}); pass {arg} as a "
            f"constant (a plain array, or x.detach() of a Tensor x)")

    return formula


def _elementwise(name: str, vjp: list, *alternatives: str) -> Callable:
    return prim(name, _fwd(name, *alternatives), vjp=vjp, jvp="vjp", guard=True)


def _safe_den(x, y):
    """``y``, but 1 where ``x`` is 0 and ``y`` is 0 or nan: ``x / _safe_den(x, y)`` is 0
    wherever ``x`` is 0, and its derivative in ``x`` stays ``1 / y`` where ``y`` is a number."""
    yd = data(y)
    return where((data(x) == 0) & ((yd == 0) | (yd != yd)), 1, y)


# ---- gamma family --------------------------------------------------------------------------

def _polygamma_dx(g, ans, n, x):
    return g * polygamma(n + 1, x)


polygamma = _elementwise("polygamma", [no_derivative("polygamma", "n", "an integer order"),
                                       _polygamma_dx])
digamma = _elementwise("digamma", [lambda g, ans, x: g * polygamma(1, x)], "psi")
gamma = _elementwise("gamma", [lambda g, ans, x: g * ans * digamma(x)])
_gammaln_fwd = _fwd("gammaln")


def _gammaln_denormal_safe(xp, x):
    """SciPy's and CuPy's gammaln give inf at denormal ``x``, where ``1/x`` overflows; there
    ``log|gamma(x)| = -log|x|`` to the last bit (the next term, ``-euler_gamma * x``, is far
    below the rounding of ``-log|x|``). At -inf the result is +inf, as C's lgamma, torch's
    and JAX's (SciPy gives -inf)."""
    out = _gammaln_fwd(xp, x)
    ax = xp.abs(xp.asarray(x))
    if ax.dtype.kind != "f":
        return out
    with _np.errstate(divide="ignore"):
        tiny = (ax > 0) & (ax < _np.finfo(ax.dtype).tiny)
        out = xp.where(tiny, -xp.log(xp.where(tiny, ax, 1)), out).astype(out.dtype)
    return xp.where(xp.isneginf(x), xp.inf, out)  # SciPy's -inf at -inf; C's lgamma: +inf


_gammaln_denormal_safe.__name__ = "gammaln"
gammaln = prim("gammaln", _gammaln_denormal_safe, vjp=[lambda g, ans, x: g * digamma(x)],
               jvp="vjp", guard=True)


def _rgamma_dx(g, ans, x):
    """-rgamma(x) digamma(x), which is 0 * nan at the poles of gamma (x = 0, -1, -2, ...);
    there the reflection ``1/gamma(x) = sin(pi x) gamma(1 - x) / pi`` gives the derivative
    ``gamma(1 - x) (cos(pi x) - sin(pi x) digamma(1 - x) / pi)`` (``(-1)^n n!`` at ``-n``),
    each branch fed only its own arguments so that no nan reaches a higher derivative."""
    xd = data(x)
    pole = (xd <= 0) & (xd % 1 == 0)
    xp_ = where(pole, x, 0.5)
    reflected = gamma(1 - xp_) * (cos(math.pi * xp_)
                                  - sin(math.pi * xp_) * digamma(1 - xp_) / math.pi)
    return g * where(pole, reflected, -ans * digamma(where(pole, 0.5, x)))


rgamma = _elementwise("rgamma", [_rgamma_dx])
gammasgn = prim("gammasgn", _fwd("gammasgn"), nondiff=True, guard=True)


def _gamma_density(a, x):
    """``x**(a-1) exp(-x) / Gamma(a)``: the x-derivative of the regularised gammainc."""
    return exp(xlogy(a - 1, x) - x - gammaln(a))


def _host(a) -> _np.ndarray:
    return _np.asarray(a.get() if hasattr(a, "get") else a)


def _gammainc_da_fwd(xp, a, x):
    """``dP/da`` of the regularised lower incomplete gamma function ``P(a, x)``, as
    ``jax.lax.igamma_grad_a``: ``-(d log q / da) * q * p(a, x)`` where ``q`` is the quantile
    ``x`` and ``d log q/da`` the sample derivative of :mod:`gpuad._gamma_grad` (sums of terms
    of one sign, nothing cancels). Computed on the host in float64: 0 at ``x = 0``, ``x = inf``
    and where ``x^a e^-x / Gamma(a)`` underflows; nan for ``x < 0``, ``a <= 0`` or nan."""
    from scipy.special import gammaln as _gammaln

    from .. import _gamma_grad

    dt = _np.result_type(getattr(a, "dtype", _np.float64), getattr(x, "dtype", _np.float64))
    dt = dt if dt.kind == "f" else _np.dtype(_np.float64)
    ah, xh = _np.broadcast_arrays(_host(a).astype(_np.float64), _host(x).astype(_np.float64))
    out = _np.zeros(ah.shape)
    bad = ~((ah > 0) & (xh >= 0))  # nan too
    with _np.errstate(all="ignore"):
        logx = _np.log(xh)
        log_mass = ah * logx - xh - _gammaln(ah)  # log(x p(a, x))
        live = ~bad & (xh > 0) & (xh < _np.inf) & (log_mass >= -_np.log(_np.finfo(dt).max))
        if live.any():
            d = _gamma_grad.dlogx_da(ah[live], logx[live])
            out[live] = -d * _np.exp(log_mass[live])
    out[bad] = _np.nan
    return xp.asarray(out.astype(dt))


def _gammainc_da_dx(g, ans, a, x):
    """d/dx of dP/da = d/da of the density: ``p(a, x) (log x - digamma(a))``."""
    return g * _gamma_density(a, x) * (log(x) - digamma(a))


_SECOND_A = ("the second derivative in the shape parameter is not provided (nor by JAX): "
             "differentiate once in a")
_gammainc_da = prim("igamma_grad_a", _gammainc_da_fwd,
                    vjp=[no_derivative("gammainc", "a (twice)", _SECOND_A), _gammainc_da_dx],
                    jvp="vjp", guard=True)


def gammainc_grad_a(a: Any, x: Any) -> Any:
    """``d gammainc(a, x) / da`` (``jax.lax.igamma_grad_a``): differentiable once more in
    ``x``; a derivative in ``a`` raises. Example: ``gammainc_grad_a(2.0, 1.5)``"""
    return _gammainc_da(a, x)


gammainc = _elementwise("gammainc", [lambda g, ans, a, x: g * _gammainc_da(a, x),
                                     lambda g, ans, a, x: g * _gamma_density(a, x)])
gammaincc = _elementwise("gammaincc", [lambda g, ans, a, x: -g * _gammainc_da(a, x),
                                       lambda g, ans, a, x: -g * _gamma_density(a, x)])


def _inv_da(g, ans, a, p):
    """d/da of the x solving ``gammainc(a, x) = p`` (or ``gammaincc``: the same), by the
    implicit function theorem: ``-(dP/da) / (dP/dx)``; once, as ``gammainc`` in ``a``."""
    return -g * _gammainc_da(a, ans) / _gamma_density(a, ans)


# the quantiles of the gamma family (the inverses in x): derivatives by the implicit function
# theorem, written with ``ans`` so that they are differentiable again in p
gammaincinv = _elementwise("gammaincinv", [_inv_da,
                                           lambda g, ans, a, p: g / _gamma_density(a, ans)])
gammainccinv = _elementwise("gammainccinv", [_inv_da,
                                             lambda g, ans, a, p: -g / _gamma_density(a, ans)])

# ---- beta family ---------------------------------------------------------------------------

def _psi_diff(x, y):
    """``digamma(x) - digamma(x + y)``, keeping its relative digits where ``x`` and ``x + y``
    are large (the two digammas agree there to many digits): the asymptotic series
    ``psi(z) = log z - 1/(2z) - 1/(12 z^2) + O(z^-4)``, whose next terms are below round-off
    from ``z = 1e4`` on, differenced term by term."""
    xd, sd = data(x), data(x + y)
    large = (xd >= 1e4) & (sd >= 1e4)
    direct = digamma(x) - digamma(x + y)
    u = where(large, x, 1e4)  # the series only sees large arguments (its branch is masked)
    v = where(large, y, 0.0)
    w = u + v
    series = -log1p(v / u) - v / (2 * u * w) - v * (u + w) / (12 * (u * w) ** 2)
    return where(large, series, direct)


beta = _elementwise("beta", [lambda g, ans, a, b: g * ans * _psi_diff(a, b),
                             lambda g, ans, a, b: g * ans * _psi_diff(b, a)])
betaln = _elementwise("betaln", [lambda g, ans, a, b: g * _psi_diff(a, b),
                                 lambda g, ans, a, b: g * _psi_diff(b, a)])


def _beta_density(a, b, x):
    """``x**(a-1) (1-x)**(b-1) / B(a, b)``: the x-derivative of the regularised betainc."""
    return exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - betaln(a, b))


_AB_NO_RULE = "its derivative in the shape parameters has no closed form"
betainc = _elementwise("betainc", [no_derivative("betainc", "a", _AB_NO_RULE),
                                   no_derivative("betainc", "b", _AB_NO_RULE),
                                   lambda g, ans, a, b, x: g * _beta_density(a, b, x)])
betaincc = _elementwise("betaincc", [no_derivative("betaincc", "a", _AB_NO_RULE),
                                     no_derivative("betaincc", "b", _AB_NO_RULE),
                                     lambda g, ans, a, b, x: -g * _beta_density(a, b, x)])
betaincinv = _elementwise("betaincinv", [no_derivative("betaincinv", "a", _AB_NO_RULE),
                                         no_derivative("betaincinv", "b", _AB_NO_RULE),
                                         lambda g, ans, a, b, p: g / _beta_density(a, b, ans)])

# ---- logarithms times something ------------------------------------------------------------

xlogy = _elementwise("xlogy", [lambda g, ans, x, y: g * log(y),
                               lambda g, ans, x, y: g * x / _safe_den(x, y)])
xlog1py = _elementwise("xlog1py", [lambda g, ans, x, y: g * log1p(y),
                                   lambda g, ans, x, y: g * x / _safe_den(x, 1 + y)])
entr = _elementwise("entr", [lambda g, ans, x: -g * (log(x) + 1)])

# ---- error function and the normal distribution ---------------------------------------------

# 1 - erf: holomorphic like erf, so complex arguments differentiate through it
erfc = prim("erfc", _fwd("erfc"), vjp=[lambda g, ans, x: g * (-2 / SQRT_PI) * exp(-(x * x))],
            jvp="vjp", guard=True, cplx="holo")
# sum_{k=1}^{15} (2k-1)!! u^k, with alternating signs for erfcx: the asymptotic series of
# erfcx'(x) (2/sqrt(pi) times it) and of 1 - 2 x dawsn(x) in u = 1/(2 x^2), which reach
# round-off for |x| >= ASYMPTOTIC_X, where the closed forms lose digits to cancellation
ASYMPTOTIC_X = 10.0
_DOUBLE_FACTORIALS = [float(math.prod(range(1, 2 * k, 2))) for k in range(1, 16)]


def _tail(x, alternating: bool):
    """``sum_k (+-1)^k (2k-1)!! / (2 x^2)^k`` for k = 1..15, by Horner's rule."""
    u = 1 / (2 * (x * x))
    s = 0.0
    for k in range(len(_DOUBLE_FACTORIALS), 0, -1):
        c = _DOUBLE_FACTORIALS[k - 1] * (-1.0 if alternating and k % 2 else 1.0)
        s = (s + c) * u
    return s


def _erfcx_dx(g, ans, x):
    """``2 x erfcx(x) - 2/sqrt(pi)``; for large x, where both terms are near 2/sqrt(pi) and
    their difference ~ -1/(sqrt(pi) x^2) would lose all digits, its asymptotic series."""
    far = data(x) >= ASYMPTOTIC_X
    near = 2 * where(far, 0.0, x) * ans - 2 / SQRT_PI
    return g * where(far, (2 / SQRT_PI) * _tail(where(far, x, ASYMPTOTIC_X), True), near)


erfcx = _elementwise("erfcx", [_erfcx_dx])
erfinv = _elementwise("erfinv", [lambda g, ans, x: g * (SQRT_PI / 2) * exp(ans * ans)])
erfcinv = _elementwise("erfcinv", [lambda g, ans, x: g * (-SQRT_PI / 2) * exp(ans * ans)])
ndtr = _elementwise("ndtr", [lambda g, ans, x: g * exp(-0.5 * (x * x) - HALF_LOG_2PI)])


def _log_ndtr_dx(g, ans, x):
    """``pdf(x) / ndtr(x)``: for x < 0 as ``sqrt(2/pi) / erfcx(-x/sqrt(2))`` (the Gaussian
    factors cancel exactly; ``exp(-x^2/2 - log ndtr(x))`` would take the difference of two
    numbers of size x^2/2), for x >= 0 as that exponential (no cancellation there)."""
    neg = data(x) < 0
    lower = math.sqrt(2 / math.pi) / erfcx(where(neg, x, -1.0) * (-1 / math.sqrt(2)))
    xu, au = where(neg, 0.0, x), where(neg, 0.0, ans)
    return g * where(neg, lower, exp(-0.5 * (xu * xu) - HALF_LOG_2PI - au))


log_ndtr = _elementwise("log_ndtr", [_log_ndtr_dx])
ndtri = _elementwise("ndtri", [lambda g, ans, x: g * SQRT_2PI * exp(0.5 * (ans * ans))])



def _t_density(df, z):
    """The standard t density at ``z``: the z-derivative of stdtr."""
    return exp(gammaln(0.5 * (df + 1)) - gammaln(0.5 * df) - 0.5 * log(df * math.pi)
               - 0.5 * (df + 1) * log1p(z * z / df))


# Without cupyx.scipy.special.stdtr (CuPy 14 has none) the CDF comes from betainc, as
# P(T <= -|t|) = betainc(df/2, 1/2, df/(df+t^2))/2 = (1 - betainc(1/2, df/2, t^2/(df+t^2)))/2,
# each form where its argument is accurate and nothing cancels. Its relative error grows like
# df * eps (betainc takes x but not 1 - x): within a few times SciPy's for df <= STDTR_DF_MAX,
# and larger df is refused with an error.
STDTR_DF_MAX = 1000.0


def _stdtr_by_betainc(xp, df, t):
    if not isinstance(df, xp.ndarray) and not isinstance(t, xp.ndarray):
        df, t = _as_arrays(xp, (df, t))
    betainc = scipy_function(xp, "betainc")
    t2 = t * t
    iz = betainc(0.5, 0.5 * df, t2 / (df + t2))
    lower = xp.where((t2 < df) & (iz <= 0.5), 0.5 - 0.5 * iz,  # P(T <= -|t|)
                     0.5 * betainc(0.5 * df, 0.5, df / (df + t2)))
    p = xp.where(t < 0, lower, 1 - lower)
    p = xp.where(xp.isinf(df), scipy_function(xp, "ndtr")(t), p)
    return xp.where(df > 0, p, xp.nan)


def _stdtr_fwd(xp, df, t):
    if xp is _np or has_function(xp, "stdtr"):
        return scipy_function(xp, "stdtr")(df, t)
    return _stdtr_by_betainc(xp, df, t)


_stdtr = prim("stdtr", _stdtr_fwd,
              vjp=[no_derivative("stdtr", "df", "its derivative in df has no closed form"),
                   lambda g, ans, df, t: g * _t_density(df, t)], jvp="vjp", guard=True)


def _stdtrit_fwd(xp, df, p):
    """The t quantile: ``stdtrit`` where the backend has it, else (CuPy 14) from betaincinv:
    with ``r = P(|T| > |t|) = 2 min(p, 1 - p)``, ``t^2 = df (1 - x) / x`` for
    ``x = I^-1_r(df/2, 1/2)`` where ``r <= 1/2``, and ``t^2 = df y / (1 - y)`` for
    ``y = I^-1_{1-r}(1/2, df/2)`` nearer the centre (where ``1 - x`` would lose its digits)."""
    if has_function(xp, "stdtrit"):
        return scipy_function(xp, "stdtrit")(df, p)
    inv = scipy_function(xp, "betaincinv")
    df, p = xp.asarray(df), xp.asarray(p)
    dt = xp.result_type(df.dtype, p.dtype, xp.float32)
    df, p = df.astype(dt), p.astype(dt)
    r = 2 * xp.minimum(p, 1 - p)
    tail = r <= 0.5
    with _np.errstate(divide="ignore", invalid="ignore"):
        x = inv(0.5 * df, 0.5, xp.where(tail, r, 0.5))
        y = inv(0.5, 0.5 * df, xp.where(tail, 0.5, 1 - r))
        t2 = xp.where(tail, df * (1 - x) / x, df * y / (1 - y))
    return (xp.where(p < 0.5, -1.0, 1.0) * xp.sqrt(t2)).astype(dt)


stdtrit = prim("stdtrit", _stdtrit_fwd, vjp=[
    no_derivative("stdtrit", "df", "its derivative in df has no closed form"),
    lambda g, ans, df, p: g / _t_density(df, ans)], jvp="vjp", guard=True)


def _df_too_large() -> NotImplementedError:
    return NotImplementedError(
        f"stdtr: cupyx.scipy.special has no 'stdtr'; on CuPy it is computed from betainc, "
        f"exact to round-off for df <= {STDTR_DF_MAX:g} only, and df has larger finite values; "
        f"run it on the numpy backend (gpuad.use_backend('numpy'))")


def stdtr(df: Any, t: Any) -> Any:
    """``scipy.special.stdtr(df, t)``, Student's t CDF (see ``gpuad.scipy.special``)."""
    xp = next((_xp(a) for a in (df, t) if not isinstance(a, int | float)), _xp(None))
    if xp is not _np and not has_function(xp, "stdtr"):
        d = data(df)
        whole = d._data if isinstance(d, Tensor) else d  # inside vmap: every example at once
        if hasattr(whole, "shape"):
            _vc.fail_if("stdtr_df", lambda xp, w: (w > STDTR_DF_MAX) & xp.isfinite(w),
                        _df_too_large, whole)
        elif STDTR_DF_MAX < whole < math.inf:
            raise _df_too_large()
    return _stdtr(df, t)


stdtr.rule = _stdtr.rule  # type: ignore[attr-defined]  # the primitive it applies


# ---- Bessel functions (derivatives in the argument x; orders are constants) -----------------
# Each rule needs only functions of its own family, so it runs wherever the function does:
# cupyx.scipy.special has j0, j1, y0, y1, yn, i0, i1, i0e, i1e, k0, k1, k0e, k1e but none of
# jn, jv, yv, iv, ive, kv, kve.


def _series(u, coeffs):
    """``sum_k coeffs[k] * u**k`` by Horner's rule."""
    s = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        s = s * u + c
    return s


# f1(x) / x = sum_k (+-x^2/4)^k / (2 k! (k+1)!) for f1 = j1 (alternating) and f1 = i1; ten
# terms reach round-off for |x| < 1, where the quotient's derivatives would cancel
_BESSEL1_OVER_X = [1 / (2 * math.factorial(k) * math.factorial(k + 1)) for k in range(11)]


def _over_x(x, f, sign: float, scaled: bool = False):
    """``f(x) / x`` for a Bessel function of order 1 (``j1`` with sign -1, ``i1`` or ``i1e``
    (``scaled``) with sign +1), by its power series where ``|x| < 1`` (exact at 0, with its
    derivatives) and by the quotient elsewhere; each branch sees only its own arguments, so
    no inf or nan of the other reaches a derivative."""
    small = abs(data(x)) < 1
    xs = where(small, x, 0.0)
    xl = where(small, 1.0, x)
    near = _series(sign * 0.25 * (xs * xs), _BESSEL1_OVER_X)
    if scaled:
        near = near * exp(-abs(xs))
    return where(small, near, f(xl) / xl)


def _int_order(m, f, x):
    """``f(m, x)`` for integer orders ``m`` of either sign by ``f(-m, x) = (-1)^m f(m, x)``
    (J_n, Y_n): the function runs on orders >= 0 only (CUDA's ``yn`` and ``jn`` give nan
    below 0)."""
    md = data(m)
    if isinstance(md, int | float | _np.number):  # a number: the sign in Python
        return (-1.0 if md < 0 and md % 2 == 1 else 1.0) * f(abs(md), x)
    return where((md < 0) & (md % 2 == 1), -1.0, 1.0) * f(abs(md), x)


_ORDER = "the order is a constant here: no derivative in it is provided"
j0 = _elementwise("j0", [lambda g, ans, x: -g * j1(x)])
j1 = _elementwise("j1", [lambda g, ans, x: g * (j0(x) - _over_x(x, j1, -1.0))])
jv = _elementwise("jv", [no_derivative("jv", "v", _ORDER),
                         lambda g, ans, v, x: g * 0.5 * (jv(v - 1, x) - jv(v + 1, x))])
jn = _elementwise("jn", [no_derivative("jn", "n", _ORDER),
                         lambda g, ans, n, x: g * 0.5 * (_int_order(data(n) - 1, jn, x)
                                                         - _int_order(data(n) + 1, jn, x))],
                  "jv")
y0 = _elementwise("y0", [lambda g, ans, x: -g * y1(x)])
y1 = _elementwise("y1", [lambda g, ans, x: g * (y0(x) - ans / x)])
yv = _elementwise("yv", [no_derivative("yv", "v", _ORDER),
                         lambda g, ans, v, x: g * 0.5 * (yv(v - 1, x) - yv(v + 1, x))])
yn = _elementwise("yn", [no_derivative("yn", "n", _ORDER),
                         lambda g, ans, n, x: g * 0.5 * (_int_order(data(n) - 1, yn, x)
                                                         - _int_order(data(n) + 1, yn, x))])
i0 = _elementwise("i0", [lambda g, ans, x: g * i1(x)])
i1 = _elementwise("i1", [lambda g, ans, x: g * (i0(x) - _over_x(x, i1, 1.0))])
iv = _elementwise("iv", [no_derivative("iv", "v", _ORDER),
                         lambda g, ans, v, x: g * 0.5 * (iv(v - 1, x) + iv(v + 1, x))])
# exponentially scaled: ive(v, x) = iv(v, x) exp(-|x|)
i0e = _elementwise("i0e", [lambda g, ans, x: g * (i1e(x) - sign(x) * ans)])
i1e = _elementwise("i1e", [lambda g, ans, x: g * (i0e(x) - _over_x(x, i1e, 1.0, scaled=True)
                                                  - sign(x) * ans)])
ive = _elementwise("ive", [no_derivative("ive", "v", _ORDER),
                           lambda g, ans, v, x: g * (0.5 * (ive(v - 1, x) + ive(v + 1, x))
                                                     - sign(x) * ans)])


# modified Bessel functions of the second kind; kve(v, x) = kv(v, x) exp(x)
k0 = _elementwise("k0", [lambda g, ans, x: -g * k1(x)])
k1 = _elementwise("k1", [lambda g, ans, x: -g * (k0(x) + ans / x)])
kv = _elementwise("kv", [no_derivative("kv", "v", _ORDER),
                         lambda g, ans, v, x: -g * 0.5 * (kv(v - 1, x) + kv(v + 1, x))])
k0e = _elementwise("k0e", [lambda g, ans, x: g * (ans - k1e(x))])
k1e = _elementwise("k1e", [lambda g, ans, x: g * (ans - k0e(x) - ans / x)])
kve = _elementwise("kve", [no_derivative("kve", "v", _ORDER),
                           lambda g, ans, v, x: g * (ans - 0.5 * (kve(v - 1, x)
                                                                  + kve(v + 1, x)))])

# ---- exponential integrals, zeta, Pochhammer, dilogarithm, confluent hypergeometric ----------

exp1 = _elementwise("exp1", [lambda g, ans, x: -g * exp(-x) / x])
expi = _elementwise("expi", [lambda g, ans, x: g * exp(x) / x])


def _expn_dx(g, ans, n, x):
    """d/dx E_n(x) = -E_{n-1}(x) for n >= 1; E_0(x) = exp(-x)/x has d/dx = -E_0 (1 + 1/x)."""
    nd = data(n)
    if isinstance(nd, int | float) or _np.ndim(nd) == 0:
        return -g * (ans * (1 + 1 / x) if nd == 0 else expn(n - 1, x))
    zero = nd == 0
    return -g * where(zero, ans * (1 + 1 / x), expn(where(zero, 1, n) - 1, x))


expn = _elementwise("expn", [no_derivative("expn", "n", "an integer order"), _expn_dx])


def _zeta_fwd(xp, x, q, riemann=False):
    """Hurwitz's zeta(x, q); with ``riemann`` Riemann's zeta(x) (q is then 1 and unused),
    which differs from zeta(x, 1) below x = 1, where SciPy's Hurwitz function is nan.
    CuPy has no one-argument zeta: there it is ``1 + zetac(x)``."""
    if not riemann:
        return scipy_function(xp, "zeta")(x, q)
    out = (scipy_function(xp, "zeta")(x) if xp is _np
           else 1 + scipy_function(xp, "zetac")(x))
    shape = _np.broadcast_shapes(_np.shape(x), _np.shape(q))  # the shape q would give
    return out if _np.shape(out) == shape else xp.ascontiguousarray(xp.broadcast_to(out, shape))


zeta_ = prim("zeta", _zeta_fwd,
             vjp=[no_derivative("zeta", "x", "its derivative in x has no closed form"),
                  lambda g, ans, x, q, riemann=False: -g * x * zeta_(x + 1, q)], jvp="vjp",
             guard=True)
poch = _elementwise("poch", [lambda g, ans, z, m: g * ans * (digamma(z + m) - digamma(z)),
                             lambda g, ans, z, m: g * ans * digamma(z + m)])


def _spence_dz(g, ans, z):
    """spence'(z) = log(z) / (1 - z); near z = 1 (0/0 at 1 itself) by its power series in
    u = 1 - z, -(1 + u/2 + u^2/3 + ...), exact with its derivatives there."""
    u = 1 - z
    near = abs(data(u)) < 0.01
    un = where(near, u, 0.0)
    series = 0.0
    for k in range(9, 0, -1):
        series = 1.0 / k + un * series
    uf = where(near, 1.0, u)
    return g * where(near, -series, log(where(near, 1.0, z)) / uf)


spence = _elementwise("spence", [_spence_dz])
hyp1f1 = _elementwise("hyp1f1", [
    no_derivative("hyp1f1", "a", "its derivative in a has no closed form"),
    no_derivative("hyp1f1", "b", "its derivative in b has no closed form"),
    lambda g, ans, a, b, x: g * a / b * hyp1f1(a + 1, b + 1, x)])

# ---- relative entropy ------------------------------------------------------------------------

rel_entr = _elementwise("rel_entr", [lambda g, ans, x, y: g * (log(x) - log(y) + 1),
                                     lambda g, ans, x, y: -g * x / y])
kl_div = _elementwise("kl_div", [lambda g, ans, x, y: g * (log(x) - log(y)),
                                 lambda g, ans, x, y: g * (1 - x / y)])

# ---- torch.special's orthogonal polynomials and Airy function --------------------------------
# One primitive for every family: orthopoly(x, n, kind=, k=) is the k-th x-derivative of the
# polynomial ``kind`` of degree n (gpuad/scipy/_orthopoly.py), so its x-rule is the same
# primitive with k + 1, to any order; the degree n is an integer and has no derivative.


def _orthopoly_fwd(xp, x, n, kind, k):
    from . import _orthopoly

    return _orthopoly.evaluate(xp, kind, x, n, k)


def _no_degree_derivative(g, ans, x, n, kind, k):
    raise MissingRuleError(
        f"{kind}: cannot differentiate with respect to n (an integer degree); pass n as a "
        f"constant (a plain array, or n.detach() of a Tensor n)")


orthopoly = prim("orthopoly", _orthopoly_fwd,
                 vjp=[lambda g, ans, x, n, kind, k: g * orthopoly(x, n, kind=kind, k=k + 1),
                      _no_degree_derivative], jvp="vjp", guard=True)


def _airy_fwd(which: int) -> Callable:
    def fwd(xp, x):
        if xp is _np or has_function(xp, "airy"):
            return scipy_function(xp, "airy")(x)[which]
        from . import _airy  # CuPy has no airy: asymptotic expansions and Taylor steps

        return _airy.airy(xp, x)[which]

    return fwd


# Ai'' = x Ai: the two primitives differentiate each other to any order
airy_ai = prim("airy_ai", _airy_fwd(0),
               vjp=[lambda g, ans, x: g * airy_aip(x)], jvp="vjp", guard=True)
airy_aip = prim("airy_aip", _airy_fwd(1), vjp=[lambda g, ans, x: g * x * airy_ai(x)],
                jvp="vjp", guard=True)
