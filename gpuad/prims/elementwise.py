"""Elementwise primitives: arithmetic, powers, exp and log, trigonometric and hyperbolic
functions, clip, where, relu, sigmoid, erf, casts."""

from __future__ import annotations

import math

import numpy as _np

from .._raw import _xp, data, shape
from .core import broadcasting, prim

# ---- elementwise -------------------------------------------------------------------------------

add = prim("add", lambda xp, x, y: xp.add(x, y),
           vjp=[lambda g, ans, x, y: g, lambda g, ans, x, y: g], jvp="vjp")
subtract = prim("subtract", lambda xp, x, y: xp.subtract(x, y),
                vjp=[lambda g, ans, x, y: g, lambda g, ans, x, y: -g], jvp="vjp")
multiply = prim("multiply", lambda xp, x, y: xp.multiply(x, y),
                vjp=[lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x],
                jvp="vjp", guard=True)
divide = prim("divide", lambda xp, x, y: xp.true_divide(x, y),
              vjp=[lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * x / (y * y)],
              jvp="vjp", guard=True)
negative = prim("negative", lambda xp, x: xp.negative(x), vjp=[lambda g, ans, x: -g], jvp="vjp")


def _log_base(x):
    return log(where(data(x) == 0, 1, x))


def _pow_dx(x, y):
    """d(x**y)/dx = y * x**(y-1), exactly 0 where x == y == 0 (0 * inf there). Only that
    point is masked: at y == 0 and x != 0 the formula is 0 already, and its own derivative in
    y (1/x, the mixed second derivative) must survive."""
    if isinstance(y, int | float) and y != 0:
        return y * x ** (y - 1)
    return where((data(y) == 0) & (data(x) == 0), 0, y * x ** (y - 1))


power = prim("power", lambda xp, x, y: xp.power(x, y),
             vjp=[lambda g, ans, x, y: g * _pow_dx(x, y),
                  lambda g, ans, x, y: g * ans * _log_base(x)],
             jvp="vjp", guard=True)
square = prim("square", lambda xp, x: xp.square(x), vjp=[lambda g, ans, x: g * 2 * x],
              jvp="vjp", guard=True)
sqrt = prim("sqrt", lambda xp, x: xp.sqrt(x), vjp=[lambda g, ans, x: g / (2 * ans)],
            jvp="vjp", guard=True)
reciprocal = prim("reciprocal", lambda xp, x: xp.reciprocal(x),
                  vjp=[lambda g, ans, x: -g * ans * ans], jvp="vjp", guard=True)
exp = prim("exp", lambda xp, x: xp.exp(x), vjp=[lambda g, ans, x: g * ans], jvp="vjp",
           guard=True)
expm1 = prim("expm1", lambda xp, x: xp.expm1(x), vjp=[lambda g, ans, x: g * (ans + 1)],
             jvp="vjp", guard=True)
log = prim("log", lambda xp, x: xp.log(x), vjp=[lambda g, ans, x: g / x], jvp="vjp", guard=True)
log1p = prim("log1p", lambda xp, x: xp.log1p(x), vjp=[lambda g, ans, x: g / (1 + x)],
             jvp="vjp", guard=True)
log2 = prim("log2", lambda xp, x: xp.log2(x), vjp=[lambda g, ans, x: g / (x * LN2)],
            jvp="vjp", guard=True)
log10 = prim("log10", lambda xp, x: xp.log10(x), vjp=[lambda g, ans, x: g / (x * LN10)],
             jvp="vjp", guard=True)
sin = prim("sin", lambda xp, x: xp.sin(x), vjp=[lambda g, ans, x: g * cos(x)], jvp="vjp",
           guard=True)
cos = prim("cos", lambda xp, x: xp.cos(x), vjp=[lambda g, ans, x: -g * sin(x)], jvp="vjp",
           guard=True)
tan = prim("tan", lambda xp, x: xp.tan(x), vjp=[lambda g, ans, x: g * (1 + ans * ans)],
           jvp="vjp", guard=True)
arcsin = prim("arcsin", lambda xp, x: xp.arcsin(x),
              vjp=[lambda g, ans, x: g / sqrt(1 - x * x)], jvp="vjp", guard=True)
arccos = prim("arccos", lambda xp, x: xp.arccos(x),
              vjp=[lambda g, ans, x: -g / sqrt(1 - x * x)], jvp="vjp", guard=True)
arctan = prim("arctan", lambda xp, x: xp.arctan(x), vjp=[lambda g, ans, x: g / (1 + x * x)],
              jvp="vjp", guard=True)
sinh = prim("sinh", lambda xp, x: xp.sinh(x), vjp=[lambda g, ans, x: g * cosh(x)], jvp="vjp",
            guard=True)
cosh = prim("cosh", lambda xp, x: xp.cosh(x), vjp=[lambda g, ans, x: g * sinh(x)], jvp="vjp",
            guard=True)
tanh = prim("tanh", lambda xp, x: xp.tanh(x), vjp=[lambda g, ans, x: g * (1 - ans * ans)],
            jvp="vjp", guard=True)
arcsinh = prim("arcsinh", lambda xp, x: xp.arcsinh(x),
               vjp=[lambda g, ans, x: g / sqrt(x * x + 1)], jvp="vjp", guard=True)
arccosh = prim("arccosh", lambda xp, x: xp.arccosh(x),
               vjp=[lambda g, ans, x: g / sqrt(x * x - 1)], jvp="vjp", guard=True)
arctanh = prim("arctanh", lambda xp, x: xp.arctanh(x), vjp=[lambda g, ans, x: g / (1 - x * x)],
               jvp="vjp", guard=True)
abs = prim("abs", lambda xp, x: xp.abs(x), vjp=[lambda g, ans, x: g * sign(x)], jvp="vjp")
absolute = abs
arctan2 = prim("arctan2", lambda xp, y, x: xp.arctan2(y, x),
               vjp=[lambda g, ans, y, x: g * x / (x * x + y * y),
                    lambda g, ans, y, x: -g * y / (x * x + y * y)], jvp="vjp", guard=True)
hypot = prim("hypot", lambda xp, x, y: xp.hypot(x, y),
             vjp=[lambda g, ans, x, y: g * x / ans, lambda g, ans, x, y: g * y / ans],
             jvp="vjp", guard=True)
# d/dx logaddexp = expit(x - y) exactly; exp(x - ans) would carry the rounding of ans (at
# x = y = 1000 in float32 it gave 0.49998 instead of 0.5)
logaddexp = prim("logaddexp", lambda xp, x, y: xp.logaddexp(x, y),
                 vjp=[lambda g, ans, x, y: g * sigmoid(x - y),
                      lambda g, ans, x, y: g * sigmoid(y - x)],
                 jvp="vjp", guard=True)


def _tie(a, b):
    """1 where a > b, 1/2 where they tie (the adjoint is split evenly), else 0."""
    a, b = data(a), data(b)
    return _const((a > b) + 0.5 * (a == b), a if hasattr(a, "dtype") else b)


maximum = prim("maximum", lambda xp, x, y: xp.maximum(x, y),
               vjp=[lambda g, ans, x, y: g * _tie(x, y), lambda g, ans, x, y: g * _tie(y, x)],
               jvp="vjp")
minimum = prim("minimum", lambda xp, x, y: xp.minimum(x, y),
               vjp=[lambda g, ans, x, y: g * _tie(y, x), lambda g, ans, x, y: g * _tie(x, y)],
               jvp="vjp")


def _inside(x, lo, hi):
    x = data(x)  # inside vmap, a batched constant: the comparisons are primitives
    m = None
    if lo is not None:
        m = greater_equal(x, data(lo))
    if hi is not None:
        m = less_equal(x, data(hi)) if m is None else logical_and(m, less_equal(x, data(hi)))
    return _const(_xp(x).ones(shape(x), dtype=bool) if m is None else m, x)


def _below(x, b):
    return _const(less(data(x), data(b)), x)


def _above(x, b):
    return _const(greater(data(x), data(b)), x)


def _clip_fwd(xp, x, lo, hi):
    if not hasattr(x, "shape"):  # CuPy clips arrays only; NumPy's result dtype
        x = xp.asarray(x, dtype=_np.result_type(*(getattr(a, "dtype", a) for a in (x, lo, hi))))
    return xp.clip(x, lo, hi)


clip = prim("clip", _clip_fwd,
            vjp=[lambda g, ans, x, lo, hi: g * _inside(x, lo, hi),
                 lambda g, ans, x, lo, hi: g * _below(x, lo),
                 lambda g, ans, x, lo, hi: g * _above(x, hi)], jvp="vjp")

where = prim("where", lambda xp, c, x, y: xp.where(c if hasattr(c, "shape") else xp.asarray(c),
                                                  x, y),
             vjp=[None, lambda g, ans, c, x, y: where(c, g, 0),
                  lambda g, ans, c, x, y: where(c, 0, g)],
             jvp=[None, lambda t, ans, c, x, y: where(c, t, 0),
                  lambda t, ans, c, x, y: where(c, 0, t)])

relu = prim("relu", lambda xp, x: xp.maximum(x, 0),
            vjp=[lambda g, ans, x: g * (data(ans) > 0)], jvp="vjp")  # a bool mask: one pass
sigmoid = prim("sigmoid", lambda xp, x: xp.exp(-xp.logaddexp(0, -x)),
               vjp=[lambda g, ans, x: g * ans * (1 - ans)], jvp="vjp", guard=True)


def _erf_fwd(xp, x):
    if xp is _np:
        try:
            from scipy.special import erf as _erf  # type: ignore[import-not-found]

            return _erf(x)
        except ImportError:
            return _np.vectorize(math.erf, otypes=[x.dtype])(x) if _np.ndim(x) else \
                _np.asarray(math.erf(float(x)), dtype=_np.asarray(x).dtype)
    from cupyx.scipy.special import erf as _cerf  # type: ignore[import-not-found]

    return _cerf(x)


erf = prim("erf", _erf_fwd, vjp=[lambda g, ans, x: g * (2 / SQRT_PI) * exp(-(x * x))],
           jvp="vjp", guard=True)

astype = prim("astype", lambda xp, x, dtype: x.astype(dtype),
              vjp=[lambda g, ans, x, dtype: g], jvp=[lambda t, ans, x, dtype: astype(t, dtype)])
copy = prim("copy", lambda xp, x: xp.array(x, copy=True), vjp=[lambda g, ans, x: g], jvp="vjp")
identity = prim("identity", lambda xp, x: x, vjp=[lambda g, ans, x: g], jvp="vjp", view=True)


# abstract evaluation for the entrywise ops declared without the zero guard (prim fills it
# for the guarded ones)
for _op in (add, subtract, negative, abs, maximum, minimum, clip, where, relu, astype, copy,
            identity):
    broadcasting(_op.rule)
del _op


# names of the other families, which the formulas call (imported last: the families
# use one another)
from ._helpers import LN2, LN10, SQRT_PI, _const  # noqa: E402
from .nondiff import greater, greater_equal, less, less_equal, logical_and, sign  # noqa: E402
