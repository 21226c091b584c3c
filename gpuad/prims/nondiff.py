"""Primitives that are not differentiable: integer or boolean valued, or piecewise constant."""

from __future__ import annotations

from collections.abc import Callable

from .._raw import data
from .core import prim

# ---- non-differentiable (integer/boolean valued or piecewise constant) ---------------------------


def _nd(name: str, fn: Callable) -> Callable:
    return prim(name, fn, nondiff=True)


sign = _nd("sign", lambda xp, x: xp.sign(x))
floor = _nd("floor", lambda xp, x: xp.floor(x))
ceil = _nd("ceil", lambda xp, x: xp.ceil(x))
rint = _nd("rint", lambda xp, x: xp.rint(x))
trunc = _nd("trunc", lambda xp, x: xp.trunc(x))


def _round(xp, x, decimals=0):
    """NumPy's round, but where ``x * 10**decimals`` overflows or is already a whole number
    the value is ``x`` itself (NumPy's gave NaN for ``round(0.5, 400)``, inf for
    ``round(1e10, 300)``)."""
    if not hasattr(x, "dtype"):  # a Python number: NumPy's scalar result
        return _round(xp, xp.asarray(x), decimals)[()]
    kind = x.dtype.kind
    if decimals <= 0 or kind not in "fc":
        return xp.round(x, decimals)
    if kind == "c":
        r = xp.empty_like(x)
        r.real, r.imag = _round(xp, x.real, decimals), _round(xp, x.imag, decimals)
        return r
    with xp.errstate(over="ignore", invalid="ignore"):
        r = xp.round(x, decimals)
    bits = xp.finfo(x.dtype).nmant + 1
    with xp.errstate(over="ignore", invalid="ignore"):
        scaled = x * x.dtype.type(10.0) ** decimals
        exact = ~(xp.abs(scaled) < 2.0 ** bits)  # overflowed, NaN, or no fraction left
    return xp.where(exact, x, r)


round = _nd("round", _round)
floor_divide = _nd("floor_divide", lambda xp, x, y: xp.floor_divide(x, y))


def _mod_quotient(ans, x, y):
    """floor(x / y) as NumPy's floor_divide gives it, NaN where the value is NaN (y = 0, x
    infinite): floor_divide's +-inf or NaN there made the slope infinite or finite."""
    from .elementwise import where

    a = data(ans)
    return where(not_equal(a, a), a, floor_divide(data(x), data(y)))


# x - y * floor(x / y): derivative 1 in x and -floor(x / y) in y (the quotient is piecewise
# constant), the quotient consistent with the value NumPy computed
mod = prim("mod", lambda xp, x, y: xp.mod(x, y),
           vjp=[lambda g, ans, x, y: g,
                lambda g, ans, x, y: -g * _mod_quotient(ans, x, y)], jvp="vjp", guard=True)
remainder = mod
less = _nd("less", lambda xp, x, y: xp.less(x, y))
less_equal = _nd("less_equal", lambda xp, x, y: xp.less_equal(x, y))
greater = _nd("greater", lambda xp, x, y: xp.greater(x, y))
greater_equal = _nd("greater_equal", lambda xp, x, y: xp.greater_equal(x, y))
equal = _nd("equal", lambda xp, x, y: xp.equal(x, y))
not_equal = _nd("not_equal", lambda xp, x, y: xp.not_equal(x, y))
logical_not = _nd("logical_not", lambda xp, x: xp.logical_not(x))
logical_and = _nd("logical_and", lambda xp, x, y: xp.logical_and(x, y))
logical_or = _nd("logical_or", lambda xp, x, y: xp.logical_or(x, y))
logical_xor = _nd("logical_xor", lambda xp, x, y: xp.logical_xor(x, y))
isnan = _nd("isnan", lambda xp, x: xp.isnan(x))
isinf = _nd("isinf", lambda xp, x: xp.isinf(x))
isfinite = _nd("isfinite", lambda xp, x: xp.isfinite(x))
argmax = _nd("argmax", lambda xp, x, axis=None: xp.argmax(x, axis=axis))
argmin = _nd("argmin", lambda xp, x, axis=None: xp.argmin(x, axis=axis))
argsort = _nd("argsort", lambda xp, x, axis=-1, kind=None: xp.argsort(x, axis=axis, kind=kind)
               if kind is not None else xp.argsort(x, axis=axis))
any = _nd("any", lambda xp, x, axis=None, keepdims=False: xp.any(x, axis=axis, keepdims=keepdims))
all = _nd("all", lambda xp, x, axis=None, keepdims=False: xp.all(x, axis=axis, keepdims=keepdims))
