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

import numpy as _np

from ..batching.rules_misc import batch_rule_for
from ..rules import MissingRuleError, data, exp, log, log1p, prim, sign, where

SQRT_PI = math.sqrt(math.pi)
SQRT_2PI = math.sqrt(2 * math.pi)
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)

_FOUND: dict[tuple[bool, str], Callable] = {}


def scipy_function(xp, name: str, *alternatives: str) -> Callable:
    """``scipy.special.<name>`` for the NumPy backend, ``cupyx.scipy.special.<name>`` for CuPy
    (the first of ``name, *alternatives`` that exists); a clear error where there is none."""
    key = (xp is _np, name)
    fn = _FOUND.get(key)
    if fn is not None:
        return fn
    if xp is _np:
        import scipy.special as mod

        where_ = "scipy.special"
    else:
        try:
            import cupyx.scipy.special as mod  # type: ignore[import-not-found]
        except ImportError as e:  # pragma: no cover - needs CuPy
            raise NotImplementedError(
                f"{name}: cupyx.scipy.special could not be imported ({e}); run it on the numpy "
                f"backend (gpuad.use_backend('numpy'))") from e
        where_ = "cupyx.scipy.special"
    for n in (name, *alternatives):
        fn = getattr(mod, n, None)
        if fn is not None:
            _FOUND[key] = fn
            return fn
    raise NotImplementedError(
        f"{name}: {where_} has no {name!r} in this version, so it cannot run on this backend; "
        f"run it on the numpy backend (gpuad.use_backend('numpy')) or upgrade "
        f"{where_.split('.')[0]}")


def _fwd(name: str, *alternatives: str) -> Callable:
    def fwd(xp, *args):
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
    """``y`` where ``x != 0``, else 1: ``x / _safe_den(x, y)`` is 0 wherever ``x`` is 0."""
    return where(data(x) == 0, 1, y)


# ---- gamma family --------------------------------------------------------------------------

def _polygamma_dx(g, ans, n, x):
    return g * polygamma(n + 1, x)


polygamma = _elementwise("polygamma", [no_derivative("polygamma", "n", "an integer order"),
                                       _polygamma_dx])
digamma = _elementwise("digamma", [lambda g, ans, x: g * polygamma(1, x)], "psi")
gamma = _elementwise("gamma", [lambda g, ans, x: g * ans * digamma(x)])
gammaln = _elementwise("gammaln", [lambda g, ans, x: g * digamma(x)])
rgamma = _elementwise("rgamma", [lambda g, ans, x: -g * ans * digamma(x)])
gammasgn = prim("gammasgn", _fwd("gammasgn"), nondiff=True)
batch_rule_for(gammasgn)


def _gamma_density(a, x):
    """``x**(a-1) exp(-x) / Gamma(a)``: the x-derivative of the regularised gammainc."""
    return exp(xlogy(a - 1, x) - x - gammaln(a))


_A_NO_RULE = "its derivative in the shape parameter has no closed form"
gammainc = _elementwise("gammainc", [no_derivative("gammainc", "a", _A_NO_RULE),
                                     lambda g, ans, a, x: g * _gamma_density(a, x)])
gammaincc = _elementwise("gammaincc", [no_derivative("gammaincc", "a", _A_NO_RULE),
                                       lambda g, ans, a, x: -g * _gamma_density(a, x)])

# ---- beta family ---------------------------------------------------------------------------

beta = _elementwise("beta", [lambda g, ans, a, b: g * ans * (digamma(a) - digamma(a + b)),
                             lambda g, ans, a, b: g * ans * (digamma(b) - digamma(a + b))])
betaln = _elementwise("betaln", [lambda g, ans, a, b: g * (digamma(a) - digamma(a + b)),
                                 lambda g, ans, a, b: g * (digamma(b) - digamma(a + b))])


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
erfcx = _elementwise("erfcx", [lambda g, ans, x: g * (2 * x * ans - 2 / SQRT_PI)])
erfinv = _elementwise("erfinv", [lambda g, ans, x: g * (SQRT_PI / 2) * exp(ans * ans)])
erfcinv = _elementwise("erfcinv", [lambda g, ans, x: g * (-SQRT_PI / 2) * exp(ans * ans)])
ndtr = _elementwise("ndtr", [lambda g, ans, x: g * exp(-0.5 * (x * x) - HALF_LOG_2PI)])
log_ndtr = _elementwise("log_ndtr",
                        [lambda g, ans, x: g * exp(-0.5 * (x * x) - HALF_LOG_2PI - ans)])
ndtri = _elementwise("ndtri", [lambda g, ans, x: g * SQRT_2PI * exp(0.5 * (ans * ans))])



def _t_density(df, z):
    """The standard t density at ``z``: the z-derivative of stdtr."""
    return exp(gammaln(0.5 * (df + 1)) - gammaln(0.5 * df) - 0.5 * log(df * math.pi)
               - 0.5 * (df + 1) * log1p(z * z / df))


stdtr = _elementwise("stdtr", [no_derivative("stdtr", "df", "its derivative in df has no closed "
                                                           "form"),
                               lambda g, ans, df, t: g * _t_density(df, t)])

# ---- Bessel functions (derivatives in the argument x; orders are constants) -----------------

_ORDER = "the order is a constant here: no derivative in it is provided"
j0 = _elementwise("j0", [lambda g, ans, x: -g * j1(x)])
j1 = _elementwise("j1", [lambda g, ans, x: g * 0.5 * (j0(x) - jv(2, x))])
jv = _elementwise("jv", [no_derivative("jv", "v", _ORDER),
                         lambda g, ans, v, x: g * 0.5 * (jv(v - 1, x) - jv(v + 1, x))])
jn = _elementwise("jn", [no_derivative("jn", "n", _ORDER),
                         lambda g, ans, n, x: g * 0.5 * (jv(n - 1, x) - jv(n + 1, x))], "jv")
y0 = _elementwise("y0", [lambda g, ans, x: -g * y1(x)])
y1 = _elementwise("y1", [lambda g, ans, x: g * 0.5 * (y0(x) - yv(2, x))])
yv = _elementwise("yv", [no_derivative("yv", "v", _ORDER),
                         lambda g, ans, v, x: g * 0.5 * (yv(v - 1, x) - yv(v + 1, x))])
yn = _elementwise("yn", [no_derivative("yn", "n", _ORDER),
                         lambda g, ans, n, x: g * 0.5 * (yv(n - 1, x) - yv(n + 1, x))])
i0 = _elementwise("i0", [lambda g, ans, x: g * i1(x)])
i1 = _elementwise("i1", [lambda g, ans, x: g * 0.5 * (i0(x) + iv(2, x))])
iv = _elementwise("iv", [no_derivative("iv", "v", _ORDER),
                         lambda g, ans, v, x: g * 0.5 * (iv(v - 1, x) + iv(v + 1, x))])
# exponentially scaled: ive(v, x) = iv(v, x) exp(-|x|)
i0e = _elementwise("i0e", [lambda g, ans, x: g * (i1e(x) - sign(x) * ans)])
i1e = _elementwise("i1e", [lambda g, ans, x: g * (0.5 * (i0e(x) + ive(2, x)) - sign(x) * ans)])
ive = _elementwise("ive", [no_derivative("ive", "v", _ORDER),
                           lambda g, ans, v, x: g * (0.5 * (ive(v - 1, x) + ive(v + 1, x))
                                                     - sign(x) * ans)])


# modified Bessel functions of the second kind; kve(v, x) = kv(v, x) exp(x)
k0 = _elementwise("k0", [lambda g, ans, x: -g * k1(x)])
k1 = _elementwise("k1", [lambda g, ans, x: -g * 0.5 * (k0(x) + kv(2, x))])
kv = _elementwise("kv", [no_derivative("kv", "v", _ORDER),
                         lambda g, ans, v, x: -g * 0.5 * (kv(v - 1, x) + kv(v + 1, x))])
k0e = _elementwise("k0e", [lambda g, ans, x: g * (ans - k1e(x))])
k1e = _elementwise("k1e", [lambda g, ans, x: g * (ans - 0.5 * (k0e(x) + kve(2, x)))])
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


def _zeta_fwd(xp, x, q):
    return scipy_function(xp, "zeta")(x, q)


zeta_ = prim("zeta", _zeta_fwd,
             vjp=[no_derivative("zeta", "x", "its derivative in x has no closed form"),
                  lambda g, ans, x, q: -g * x * zeta_(x + 1, q)], jvp="vjp", guard=True)
poch = _elementwise("poch", [lambda g, ans, z, m: g * ans * (digamma(z + m) - digamma(z)),
                             lambda g, ans, z, m: g * ans * digamma(z + m)])
spence = _elementwise("spence", [lambda g, ans, z: g * log(z) / (1 - z)])
hyp1f1 = _elementwise("hyp1f1", [
    no_derivative("hyp1f1", "a", "its derivative in a has no closed form"),
    no_derivative("hyp1f1", "b", "its derivative in b has no closed form"),
    lambda g, ans, a, b, x: g * a / b * hyp1f1(a + 1, b + 1, x)])

# ---- relative entropy ------------------------------------------------------------------------

rel_entr = _elementwise("rel_entr", [lambda g, ans, x, y: g * (log(x) - log(y) + 1),
                                     lambda g, ans, x, y: -g * x / y])
kl_div = _elementwise("kl_div", [lambda g, ans, x, y: g * (log(x) - log(y)),
                                 lambda g, ans, x, y: g * (1 - x / y)])
