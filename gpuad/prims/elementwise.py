"""Elementwise primitives: arithmetic, powers, exp and log, trigonometric and hyperbolic
functions, clip, where, relu, sigmoid, erf, casts."""

from __future__ import annotations

import math

import numpy as _np

from .._raw import _xp, data
from .._raw import shape as _shape
from .core import broadcasting, prim
from .expr import bind, ew

# ---- elementwise -------------------------------------------------------------------------------

# ``exprs=ew(forward, adjoint of each input)``: one-line expressions (gpuad/prims/expr.py)
# from which the vjp/jvp formulas and the fused CUDA kernels (kernels/*.cu) are made. An
# adjoint that reads more than ``g`` gets a kernel ``out (+)= adjoint``; a forward given (not
# None) gets a forward kernel for large arrays.
add = prim("add", lambda xp, x, y: xp.add(x, y), exprs=ew("x + y", "g", "g"))
subtract = prim("subtract", lambda xp, x, y: xp.subtract(x, y), exprs=ew("x - y", "g", "-g"))
multiply = prim("multiply", lambda xp, x, y: xp.multiply(x, y), guard=True,
                exprs=ew("x * y", "g * y", "g * x"))
# -(g / y) * (x / y), not -g * x / (y * y): y * y under- or overflows long before the quotients
divide = prim("divide", lambda xp, x, y: xp.true_divide(x, y), guard=True,
              exprs=ew("x / y", "g / y", "-(g / y) * (x / y)"))
negative = prim("negative", lambda xp, x: xp.negative(x), vjp=[lambda g, ans, x: -g], jvp="vjp")


def _log_base(x):
    return log(where(data(x) == 0, 1, x))


def _pow_dx(x, y):
    """d(x**y)/dx = y * x**(y-1), exactly 0 where y == 0 and x**(y-1) is not finite (x zero,
    NaN or so small that 1/x overflows: 0 * inf there, while x**0 is 1 all along). Only those
    points are masked: at y == 0 elsewhere the formula is 0 already, and its own derivative in
    y (1/x, the mixed second derivative) must survive."""
    if isinstance(y, int | float) and y != 0:
        return y * x ** (y - 1)
    xd, yd = data(x), data(y)
    if not hasattr(xd, "dtype"):
        xd = _np.float64(xd) if isinstance(xd, int | float) else xd
    with _np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inv = 1 / xd
        blowup = ~((inv - inv) == 0)  # comparisons alone: it batches inside vmap
    return where((yd == 0) & blowup, 0, y * x ** (y - 1))


power = prim("power", lambda xp, x, y: xp.power(x, y),
             vjp=[lambda g, ans, x, y: g * _pow_dx(x, y),
                  lambda g, ans, x, y: g * ans * _log_base(x)],
             jvp="vjp", guard=True)
square = prim("square", lambda xp, x: xp.square(x), guard=True,
              exprs=ew("x * x", "g * 2 * x"))
sqrt = prim("sqrt", lambda xp, x: xp.sqrt(x), guard=True,
            exprs=ew("sqrt(x)", "g / (2 * ans)"))
# d/dx x**(1/3) = 1 / (3 cbrt(x)**2): inf at +-0 (sign(x) * |x|**(1/3) gave 0 there)
cbrt = prim("cbrt", lambda xp, x: xp.cbrt(x), vjp=[lambda g, ans, x: g / (3 * (ans * ans))],
            jvp="vjp", guard=True)
reciprocal = prim("reciprocal", lambda xp, x: xp.reciprocal(x), guard=True,
                  exprs=ew(None, "-g * (ans * ans)"))
exp = prim("exp", lambda xp, x: xp.exp(x), guard=True,
           exprs=ew("exp(x)", "g * ans"))
# exp(x), not ans + 1: below about -30, ans + 1 keeps no correct digit (expm1(-37) + 1 is
# 1.1e-16 where exp(-37) is 8.5e-17)
expm1 = prim("expm1", lambda xp, x: xp.expm1(x), guard=True,
             exprs=ew(None, "g * exp(x)"))
# Outside the domain (x < 0 for log: the value is NaN) the slope is NaN too, not the finite
# 1/x the formula gives there: ``g * sqrt(x)`` is that NaN (x < 0), linear in g. Complex
# values keep 1/x (gpuad/complex_rules.py).
log = prim("log", lambda xp, x: xp.log(x), guard=True,
           exprs=ew("log(x)", "g / x if x >= 0 else g * sqrt(x)"))


def _log1p(xp, x):
    """log1p; for complex z = a + ib near 0, Re = log1p(a (2 + a) + b b) / 2 and Im =
    atan2(b, 1 + a): NumPy's and CuPy's complex log1p take log(1 + z), which loses the digits
    of a small z (log1p(1e-10+0j) came out 1.0000000827e-10, log1p(1e-8j) had real part 0,
    not 5e-17)."""
    if getattr(x, "dtype", None) is None or x.dtype.kind != "c":
        return xp.log1p(x)
    a, b = x.real, x.imag
    with _np.errstate(all="ignore"):
        near = xp.abs(x) < 0.5
        small = xp.empty_like(x)  # set by parts: re + 1j * im would turn im = -0.0 into +0.0
        small.real = 0.5 * xp.log1p(a * (2 + a) + b * b)
        small.imag = xp.arctan2(b, 1 + a)
    return xp.where(near, small, xp.log1p(x))


log1p = prim("log1p", _log1p, guard=True,
             exprs=ew(None, "g / (1 + x) if x >= -1 else g * sqrt(x)"))
log2 = prim("log2", lambda xp, x: xp.log2(x), guard=True,
            exprs=ew(None, "g / (x * LN2) if x >= 0 else g * sqrt(x)"))
log10 = prim("log10", lambda xp, x: xp.log10(x), guard=True,
             exprs=ew(None, "g / (x * LN10) if x >= 0 else g * sqrt(x)"))
sin = prim("sin", lambda xp, x: xp.sin(x), guard=True,
           exprs=ew("sin(x)", "g * cos(x)"))
cos = prim("cos", lambda xp, x: xp.cos(x), guard=True,
           exprs=ew("cos(x)", "-g * sin(x)"))
tan = prim("tan", lambda xp, x: xp.tan(x), guard=True,
           exprs=ew(None, "g * (1 + ans * ans)"))
arcsin = prim("arcsin", lambda xp, x: xp.arcsin(x), guard=True,
              exprs=ew(None, "g / sqrt(1 - x * x)"))
arccos = prim("arccos", lambda xp, x: xp.arccos(x), guard=True,
              exprs=ew(None, "-g / sqrt(1 - x * x)"))
arctan = prim("arctan", lambda xp, x: xp.arctan(x), guard=True,
              exprs=ew(None, "g / (1 + x * x)"))
sinh = prim("sinh", lambda xp, x: xp.sinh(x), guard=True,
            exprs=ew(None, "g * cosh(x)"))
cosh = prim("cosh", lambda xp, x: xp.cosh(x), guard=True,
            exprs=ew(None, "g * sinh(x)"))
tanh = prim("tanh", lambda xp, x: xp.tanh(x), guard=True,
            exprs=ew("tanh(x)", "g * (1 - ans * ans)"))
arcsinh = prim("arcsinh", lambda xp, x: xp.arcsinh(x), guard=True,
               exprs=ew(None, "g / sqrt(x * x + 1)"))
# NaN below 1, as the value (1/sqrt(x * x - 1) was finite at x <= -1, and 0 at 1e308 where
# x * x overflowed)
arccosh = prim("arccosh", lambda xp, x: xp.arccosh(x), guard=True,
               exprs=ew(None, "g / (sqrt(x - 1) * sqrt(x + 1))"))
# NaN for |x| > 1, as the value (1/(1 - x * x) was finite there): sqrt of the negative 1 - x*x
arctanh = prim("arctanh", lambda xp, x: xp.arctanh(x), guard=True,
               exprs=ew(None, "g / (1 - x * x) if x * x <= 1 else g * sqrt(1 - x * x)"))
abs = prim("abs", lambda xp, x: xp.abs(x), exprs=ew(None, "g * sign(x)"))
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


def _share(g, a, b):
    """g's share for ``a`` in max(a, b): all of it where a > b, half where they tie, and
    exactly 0 where a < b, selected (not multiplied), so an infinite or NaN g reaching the
    other argument stays there (torch's and JAX's select)."""
    w = _tie(a, b)
    return where(_const(data(w) > 0, w), g * w, 0)


maximum = prim("maximum", lambda xp, x, y: xp.maximum(x, y),
               vjp=[lambda g, ans, x, y: _share(g, x, y), lambda g, ans, x, y: _share(g, y, x)],
               jvp="vjp")
minimum = prim("minimum", lambda xp, x, y: xp.minimum(x, y),
               vjp=[lambda g, ans, x, y: _share(g, y, x), lambda g, ans, x, y: _share(g, x, y)],
               jvp="vjp")


def _inside(x, lo, hi):
    x = data(x)  # inside vmap a batched Tensor: the mask is built from comparisons alone
    m = None if lo is None else x >= data(lo)
    if hi is not None:
        m = x <= data(hi) if m is None else m & (x <= data(hi))
    return _const(_xp(x).ones(_shape(x), dtype=bool) if m is None else m, x)


def _below(x, lo, hi):
    """Where clip's result is ``lo``: x below it, and ``lo`` not above ``hi`` (NumPy's clip
    is ``minimum(maximum(x, lo), hi)``: where ``lo > hi`` the result is ``hi``)."""
    m = less(data(x), data(lo))
    return _const(m if hi is None else m & less_equal(data(lo), data(hi)), x)


def _above(x, lo, hi):
    """Where clip's result is ``hi``: x above it, or ``hi`` below ``lo``."""
    m = greater(data(x), data(hi))
    return _const(m if lo is None else m | less(data(hi), data(lo)), x)


def _clip_fwd(xp, x, lo, hi):
    if not hasattr(x, "shape") or isinstance(x, _np.generic):  # CuPy clips arrays only
        # (a NumPy scalar too); NumPy's result dtype
        x = xp.asarray(x, dtype=_np.result_type(*(getattr(a, "dtype", a) for a in (x, lo, hi))))
    if x.dtype.kind == "c" or any(getattr(b, "dtype", _np.dtype(type(b))).kind == "c"
                                  for b in (lo, hi) if b is not None):
        # CuPy's clip has no complex loop; NumPy's is minimum(maximum(x, lo), hi) in the
        # lexicographic order of complex numbers, as CuPy's maximum and minimum are
        x = x if lo is None else xp.maximum(x, lo)
        return x if hi is None else xp.minimum(x, hi)
    return xp.clip(x, lo, hi)


# the adjoint selects (not g * mask), so an infinite or NaN g where the value was clipped
# gives 0 to x (log(clip(x, tiny, None)) at x = 0), as torch's clamp_backward and JAX's select
clip = prim("clip", _clip_fwd,
            vjp=[lambda g, ans, x, lo, hi: where(_inside(x, lo, hi), g, 0),
                 lambda g, ans, x, lo, hi: where(_below(x, lo, hi), g, 0),
                 lambda g, ans, x, lo, hi: where(_above(x, lo, hi), g, 0)], jvp="vjp")

where = prim("where", lambda xp, c, x, y: xp.where(c if hasattr(c, "shape") else xp.asarray(c),
                                                  x, y),
             vjp=[None, lambda g, ans, c, x, y: where(c, g, 0),
                  lambda g, ans, c, x, y: where(c, 0, g)],
             jvp=[None, lambda t, ans, c, x, y: where(c, t, 0),
                  lambda t, ans, c, x, y: where(c, 0, t)])

# the forward is maximum(x, 0) exactly: NaN stays NaN (NaN <= 0 is false), -0.0 and -inf give
# +0.0; the adjoint is a choice, not g * mask, so an infinite or NaN g where ans is 0 gives 0
# (sqrt(relu(x)) at x <= 0), as torch's threshold_backward and JAX's select do
relu = prim("relu", lambda xp, x: xp.maximum(x, 0), exprs=ew("0 if x <= 0 else x",
                                                              "g if ans > 0 else 0"))
# the forward's exp never overflows (e^x / (1 + e^x) for x < 0): within a few ulps of the
# impl's, its values at NaN, infinities and signed zeros the impl's
sigmoid = prim("sigmoid", lambda xp, x: xp.exp(-xp.logaddexp(0, -x)), guard=True,
               exprs=ew("exp(x) / (1 + exp(x)) if x < 0 else 1 / (1 + exp(-x))",
                        "g * ans * (1 - ans)"))


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

astype = prim("astype", lambda xp, x, dtype: xp.asarray(x).astype(dtype),
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
from ._helpers import SQRT_PI, _const  # noqa: E402
from .nondiff import greater, less, less_equal, sign  # noqa: E402

bind({"exp": exp, "log": log, "sqrt": sqrt, "sin": sin, "cos": cos, "tanh": tanh, "sinh": sinh,
      "cosh": cosh, "erf": erf, "sigmoid": sigmoid, "sign": sign, "where": where})
