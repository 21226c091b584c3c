"""``jax.lax``'s elementwise operations with lax's typing, over ``gpuad.numpy``.

lax does not promote: the operands of a binary operation have one dtype, and their shapes are
equal up to size-1 dimensions of the same rank (a 0-d operand broadcasts). A Python number is
weakly typed: it takes the other operand's dtype when it is of the same kind (a float with a
float array), and is refused otherwise, as lax refuses ``lax.add(x_float, 1)``. Each op also
refuses the dtypes lax refuses (``lax.sin`` of an int, ``lax.add`` of bools). Gradients come
from ``gpuad.numpy``'s rules; where lax's derivative convention differs (``abs`` at 0,
``clamp`` at its bounds) the op follows lax.

Example: ``lax.div(x, y)`` on integers rounds toward zero; ``lax.rem`` is C's ``fmod``.
"""

from __future__ import annotations

import enum
from operator import index as _operator_index
from typing import Any

import numpy as _np

from . import numpy as gnp
from ._lax_misc import check_accuracy as _check_accuracy
from ._raw import data as _data
from ._raw import shape as _shape
from .prims.core import prim as _prim

_PY = {bool: "b", int: "i", float: "f", complex: "c"}
_KIND_NAMES = {
    "b": "bool",
    "i": "signed integer",
    "u": "unsigned integer",
    "f": "floating",
    "c": "complex",
}


def _special(name: str):
    """``gpuad.scipy.special.<name>``, loaded on first use (SciPy is optional), its result in
    the operands' dtype as lax's (SciPy widens float16 to float64 or float32)."""

    def call(*args):
        from .scipy import special

        out = getattr(special, name)(*args)
        dts = [d for d in map(_dtype, args) if d is not None]
        if dts and _dtype(out) != dts[-1]:
            out = gnp.astype(out, dts[-1])
        return out

    call.__name__ = name
    return call


class RoundingMethod(enum.IntEnum):
    """How ``round`` breaks ties: ``AWAY_FROM_ZERO`` (lax's default) or ``TO_NEAREST_EVEN``."""

    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


# ---- typing ----------------------------------------------------------------------------------


def _weak_kind(x) -> str | None:
    return _PY.get(type(x))


def _dtype(x):
    """The dtype of an operand; None for a Python number (weakly typed)."""
    if type(x) in _PY:
        return None
    dt = getattr(x, "dtype", None)
    if dt is None:
        raise TypeError(
            f"lax operands must be arrays, Tensors or Python numbers, got {type(x).__name__}"
        )
    return _np.dtype(dt)


def _kind(x) -> str:
    dt = _dtype(x)
    return _weak_kind(x) if dt is None else dt.kind


def _fmt(x) -> str:
    dt = _dtype(x)
    name = f"Python {type(x).__name__}" if dt is None else str(dt)
    return f"{name}{list(_shape(x))}"


def _check_kind(op: str, x, kinds: str, pos: int | None = None) -> None:
    k = _kind(x)
    if k not in kinds:
        where = "" if pos is None else f" at position {pos}"
        ok = ", ".join(_KIND_NAMES[c] for c in kinds)
        raise TypeError(
            f"lax.{op} does not accept dtype {_fmt(x)}{where}; it takes {ok} "
            f"operands (convert with lax.convert_element_type)"
        )


def _same_dtype(op: str, *xs) -> None:
    """lax's dtype rule: one dtype; a Python number adopts an array's dtype of its kind."""
    typed = [x for x in xs if _dtype(x) is not None]
    ref = typed[0] if typed else xs[0]
    for x in xs:
        if x is ref:
            continue
        if _dtype(x) is None or _dtype(ref) is None:
            wk = _weak_kind(x) or _weak_kind(ref)
            other = ref if _dtype(x) is None else x
            ok = _kind(other) == wk or (wk == "i" and _kind(other) == "u")
        else:
            ok = _dtype(x) == _dtype(ref)
        if not ok:
            raise TypeError(
                f"lax.{op} requires arguments of the same dtype, got "
                f"{', '.join(_fmt(a) for a in xs)} (lax does not promote: convert "
                f"with lax.convert_element_type, or use gpuad.numpy, which "
                f"promotes)"
            )


def _same_shape(op: str, *xs) -> tuple:
    """lax's shape rule: equal ranks with equal or size-1 dimensions; a 0-d operand broadcasts."""
    shapes = [_shape(x) for x in xs]
    ranked = [s for s in shapes if s != ()]
    if not ranked:
        return ()
    nd = len(ranked[0])
    if any(len(s) != nd for s in ranked):
        raise TypeError(
            f"lax.{op}: arrays must have the same number of dimensions, got "
            f"{', '.join(_fmt(x) for x in xs)} (lax does not broadcast ranks: use "
            f"lax.broadcast_in_dim or lax.expand_dims)"
        )
    out = []
    for dims in zip(*ranked, strict=True):
        big = {d for d in dims if d != 1}
        if len(big) > 1:
            raise TypeError(
                f"lax.{op} got incompatible shapes for broadcasting: "
                f"{', '.join(_fmt(x) for x in xs)}"
            )
        out.append(big.pop() if big else 1)
    return tuple(out)


def _binary(op: str, x, y, kinds: str = "biufc"):
    _check_kind(op, x, kinds, 0)
    _check_kind(op, y, kinds, 1)
    _same_dtype(op, x, y)
    _same_shape(op, x, y)


def _unary(op: str, x, kinds: str) -> None:
    _check_kind(op, x, kinds)


_ACCURACY = {"exp", "exp2", "log", "log1p", "expm1", "tanh", "sin", "cos", "tan", "sqrt", "cbrt"}


def _make_unary(op: str, fn, kinds: str, doc: str):
    if op in _ACCURACY:

        def f(x, *, accuracy=None):
            _check_accuracy(op, accuracy)
            _unary(op, x, kinds)
            return fn(x)
    else:

        def f(x):
            _unary(op, x, kinds)
            return fn(x)

    f.__name__ = f.__qualname__ = op
    f.__doc__ = doc
    return f


def _make_binary(op: str, fn, kinds: str, doc: str):
    def f(x, y):
        _binary(op, x, y, kinds)
        return fn(x, y)

    f.__name__ = f.__qualname__ = op
    f.__doc__ = doc
    return f


# ---- elementwise: arithmetic -----------------------------------------------------------------

_NUM, _REAL, _FLOAT, _INEXACT, _INT, _BITS = "iufc", "iuf", "f", "fc", "iu", "biu"
_ANY = "biufc"


def _common_int_dtype(x, y):
    return _dtype(x) or _dtype(y) or _np.dtype(_np.int64)


def _int_div_parts(x, y, dt):
    """(quotient rounded toward zero, divisor-is-zero mask, safe divisor) for integers."""
    xd = gnp.asarray(_data(x), dtype=dt)
    yd = gnp.asarray(_data(y), dtype=dt)
    zero = gnp.equal(yd, 0)
    ys = gnp.where(zero, gnp.ones_like(yd), yd)
    q = gnp.floor_divide(xd, ys)
    if dt.kind == "i":
        inexact = gnp.not_equal(gnp.multiply(q, ys), xd)
        away = gnp.not_equal(gnp.less(xd, 0), gnp.less(ys, 0))
        q = gnp.where(gnp.logical_and(inexact, away), gnp.add(q, gnp.ones_like(q)), q)
    return xd, q, zero, ys


def div(x: Any, y: Any) -> Any:
    """``x / y``; integers round toward zero (C's division), and ``n / 0`` is -1 (all bits
    set for unsigned types), as XLA computes it.

    Example: ``lax.div(np.array([-7, 7]), np.array([2, 2]))`` -> ``[-3, 3]``
    """
    _binary("div", x, y, _NUM)
    if _kind(x) in "fc" or _kind(y) in "fc":
        return gnp.divide(x, y)
    dt = _common_int_dtype(x, y)
    _, q, zero, _ = _int_div_parts(x, y, dt)
    fill = -1 if dt.kind == "i" else _np.iinfo(dt).max
    return gnp.where(zero, gnp.full_like(q, fill), q)


def rem(x: Any, y: Any) -> Any:
    """The remainder of ``div``: C's ``fmod`` (the sign of ``x``); ``n rem 0`` is ``n``.

    Example: ``lax.rem(-7.0, 2.0)`` -> ``-1.0``
    """
    _binary("rem", x, y, _REAL)
    if _kind(x) == "f" or _kind(y) == "f":
        return gnp.fmod(x, y)
    xd, q, zero, ys = _int_div_parts(x, y, _common_int_dtype(x, y))
    return gnp.where(zero, xd, gnp.subtract(xd, gnp.multiply(q, ys)))


def pow(x: Any, y: Any) -> Any:  # noqa: A001  (lax's name)
    """``x ** y`` for a floating or complex ``x``; ``y`` has ``x``'s dtype or is an integer.

    Example: ``lax.pow(x, 3.0)``
    """
    _check_kind("pow", x, _INEXACT, 0)
    _check_kind("pow", y, "iu" + _INEXACT, 1)
    if _kind(y) not in "iu":
        _same_dtype("pow", x, y)
    _same_shape("pow", x, y)
    if _kind(y) in "iu" and _dtype(y) is not None and _dtype(x) is not None:
        y = gnp.astype(_data(y), _dtype(x))
    return gnp.power(x, y)


def integer_pow(x: Any, y: int) -> Any:
    """``x ** y`` for a Python int ``y`` (negative allowed for inexact ``x``).

    Example: ``lax.integer_pow(x, 3)``
    """
    _unary("integer_pow", x, _NUM)
    if isinstance(y, bool) or not isinstance(y, int | _np.integer):
        raise TypeError(f"lax.integer_pow: the exponent must be a Python int, got {y!r}")
    if y == 0:
        return gnp.ones_like(x)
    if y < 0 and _kind(x) in "iu":
        raise TypeError(
            f"lax.integer_pow: a negative exponent ({y}) needs a floating operand, got {_fmt(x)}"
        )
    return gnp.power(x, int(y))


def square(x: Any) -> Any:
    """``x * x``. Example: ``lax.square(x)``"""
    _unary("square", x, _NUM)
    return gnp.multiply(x, x)


def abs(x: Any) -> Any:  # noqa: A001
    """``|x|`` (the modulus for complex ``x``). As in lax the derivative at 0 is 1.

    Example: ``lax.abs(x)``
    """
    _unary("abs", x, _NUM)
    if _kind(x) != "f":
        return gnp.abs(x)
    return gnp.where(gnp.greater_equal(_data(x), 0), x, gnp.negative(x)) + 0.0


def sign(x: Any) -> Any:
    """-1, 0 or 1 by the sign of ``x`` (``x / |x|`` for complex). Example: ``lax.sign(x)``"""
    _unary("sign", x, _NUM)
    return gnp.sign(x)


def _minmax(op: str, fn):
    def f(x, y):
        _binary(op, x, y, _ANY)
        return fn(x, y)

    f.__name__ = f.__qualname__ = op
    f.__doc__ = (
        f"The elementwise {op}imum; NaN propagates and a tie sends half the "
        f"gradient to each operand, as in lax. Example: ``lax.{op}(x, 0.0)``"
    )
    return f


max = _minmax("max", gnp.maximum)  # noqa: A001
min = _minmax("min", gnp.minimum)  # noqa: A001


def clamp(min: Any, x: Any, max: Any) -> Any:  # noqa: A002
    """``x`` clipped to ``[min, max]`` (lax's argument order: the bounds around ``x``). The
    bounds are scalars or of ``x``'s shape and dtype. The derivative is lax's: ``x`` gets the
    gradient strictly inside the bounds, a bound where it is strictly active. With crossed
    bounds (``min > max``) the value is ``max``, and ``max`` gets the gradient (JAX: nothing).

    Example: ``lax.clamp(0.0, x, 1.0)``
    """
    for i, b in ((0, min), (2, max)):
        _check_kind("clamp", b, "iuf", i)
        bs = _shape(b)
        if bs != () and bs != _shape(x):
            which = "min" if i == 0 else "max"
            raise TypeError(
                f"lax.clamp requires {which}.shape == operand.shape or "
                f"{which}.shape == (), got {which}.shape={bs}, operand.shape="
                f"{_shape(x)}"
            )
    _check_kind("clamp", x, "iuf", 1)
    _same_dtype("clamp", min, x, max)
    xd, lo, hi = _data(x), _data(min), _data(max)
    value = gnp.minimum(gnp.maximum(xd, lo), hi)
    inside = gnp.logical_and(gnp.greater(xd, lo), gnp.less(xd, hi))
    out = gnp.where(gnp.less(hi, gnp.maximum(xd, lo)), max, value)
    out = gnp.where(gnp.logical_and(gnp.greater(lo, xd), gnp.less(lo, hi)), min, out)
    return gnp.where(inside, x, out)


def _round(x: Any, rounding_method: int = RoundingMethod.AWAY_FROM_ZERO) -> Any:
    _unary("round", x, _FLOAT)
    method = int(rounding_method)
    if method == RoundingMethod.TO_NEAREST_EVEN:
        return gnp.rint(x)
    if method != RoundingMethod.AWAY_FROM_ZERO:
        raise ValueError(
            f"lax.round: rounding_method must be 0 (AWAY_FROM_ZERO) or 1 "
            f"(TO_NEAREST_EVEN), got {rounding_method!r}"
        )
    t = gnp.trunc(x)
    xd, td = _data(x), _data(t)
    tie_or_more = gnp.greater_equal(gnp.abs(gnp.subtract(xd, td)), 0.5)
    return gnp.where(tie_or_more, t + gnp.sign(xd), t)


def round(x: Any, rounding_method: int = RoundingMethod.AWAY_FROM_ZERO) -> Any:  # noqa: A001
    """``x`` rounded to an integral value, ties away from zero (lax's default) or to even
    (``rounding_method=RoundingMethod.TO_NEAREST_EVEN``, or 1). Its derivative is 0.

    Example: ``lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)``
    """
    return _round(x, rounding_method)


def _reduce_precision_fwd(
    xp, x, exponent_bits: int | None = None, mantissa_bits: int | None = None
):
    """XLA's ReducePrecision on the bits: round the mantissa to nearest even, then send
    exponents out of the smaller range to signed infinity or zero; NaN passes unchanged.
    A format not given is the dtype's own."""
    dt = _np.dtype(x.dtype)
    info = _np.finfo(dt)
    nexp, nmant, nbits = info.nexp, info.nmant, 8 * dt.itemsize
    exponent_bits = nexp if exponent_bits is None else exponent_bits
    mantissa_bits = nmant if mantissa_bits is None else mantissa_bits
    ut = _np.dtype(f"uint{nbits}")
    u = ut.type
    b = xp.ascontiguousarray(x).view(ut)
    if mantissa_bits < nmant:
        shift = nmant - mantissa_bits
        last = 1 << shift
        odd = (b & u(last)) >> u(shift)
        keep = u(((1 << nbits) - 1) ^ (last - 1))
        b = (b + odd + u((last >> 1) - 1)) & keep
    if exponent_bits < nexp:
        exp_mask = u(((1 << nexp) - 1) << nmant)
        bias, small_bias = (1 << (nexp - 1)) - 1, (1 << (exponent_bits - 1)) - 1
        e = b & exp_mask
        signed_zero = b & u(1 << (nbits - 1))
        b = xp.where(e > u((bias + small_bias) << nmant), signed_zero | exp_mask, b)
        b = xp.where(e <= u((bias - small_bias) << nmant), signed_zero, b)
    out = b.view(dt)
    return xp.where(xp.isnan(x), x, out).reshape(x.shape)


# linear in x, as in lax: the cotangent and the tangent are rounded the same way
_reduce_precision_p = _prim(
    "reduce_precision",
    _reduce_precision_fwd,
    vjp=[
        lambda g, ans, x, exponent_bits, mantissa_bits: _reduce_precision_p(
            g, exponent_bits=exponent_bits, mantissa_bits=mantissa_bits
        )
    ],
    jvp="vjp",
    guard=True,
)


def reduce_precision(operand: Any, exponent_bits: int, mantissa_bits: int) -> Any:
    """``operand`` rounded to a float format with ``exponent_bits`` and ``mantissa_bits``,
    kept in its dtype (bit for bit as XLA: mantissa rounded to nearest even, values beyond
    the range to signed infinity, below the smallest normal to signed zero, NaN kept). Linear,
    as in lax: its derivative rounds the tangent (or cotangent) the same way.

    Example: ``lax.reduce_precision(x, exponent_bits=8, mantissa_bits=7)`` rounds to bfloat16
    """
    try:
        e, m = _operator_index(exponent_bits), _operator_index(mantissa_bits)
    except TypeError:
        raise TypeError(
            f"lax.reduce_precision: exponent_bits and mantissa_bits must be integers, got "
            f"{exponent_bits!r} and {mantissa_bits!r}"
        ) from None
    if e < 1:
        raise ValueError(f"lax.reduce_precision: exponent_bits must be positive; got {e}")
    if m < 0:
        raise ValueError(f"lax.reduce_precision: mantissa_bits must be non-negative; got {m}")
    if type(operand) in _PY:
        operand = gnp.asarray(operand)
    _unary("reduce_precision", operand, _FLOAT)
    return _reduce_precision_p(operand, exponent_bits=e, mantissa_bits=m)


def nextafter(x1: Any, x2: Any) -> Any:
    """The next representable value after ``x1`` toward ``x2``. Example: ``lax.nextafter(x, y)``"""
    _binary("nextafter", x1, x2, _FLOAT)
    return gnp.nextafter(x1, x2)


def complex(x: Any, y: Any) -> Any:  # noqa: A001
    """``x + 1j * y`` from two real arrays of one dtype. Example: ``lax.complex(re, im)``"""
    _binary("complex", x, y, _FLOAT)
    cdt = _np.result_type(_dtype(x) or _dtype(y) or _np.float64, _np.complex64)
    from .complex_rules import make_complex

    real_dt = _np.finfo(cdt).dtype
    return make_complex(
        gnp.astype(x, real_dt) if _dtype(x) is not None else x,
        gnp.astype(y, real_dt) if _dtype(y) is not None else y,
    )


def _real_or_imag(op: str, fn):
    def f(x):
        _unary(op, x, "c")
        return fn(x)

    f.__name__ = f.__qualname__ = op
    f.__doc__ = f"The {op} part of a complex array. Example: ``lax.{op}(z)``"
    return f


real = _real_or_imag("real", gnp.real)
imag = _real_or_imag("imag", gnp.imag)


def conj(x: Any) -> Any:
    """The complex conjugate (complex for a real ``x``, as in lax). Example: ``lax.conj(z)``"""
    _unary("conj", x, _INEXACT)
    if _kind(x) == "f":
        cdt = _np.result_type(_dtype(x) or _np.float64, _np.complex64)
        x = gnp.astype(x, cdt) if _dtype(x) is not None else gnp.asarray(x, dtype=cdt)
    return gnp.conj(x)


def logistic(x: Any, *, accuracy: Any = None) -> Any:
    """``1 / (1 + exp(-x))``, also for complex ``x``. Example: ``lax.logistic(x)``"""
    _check_accuracy("logistic", accuracy)
    _unary("logistic", x, _INEXACT)
    if _kind(x) == "c":
        return gnp.reciprocal(1.0 + gnp.exp(gnp.negative(x)))
    return _special("expit")(x)


def rsqrt(x: Any, *, accuracy: Any = None) -> Any:
    """``1 / sqrt(x)``. Example: ``lax.rsqrt(x)``"""
    _check_accuracy("rsqrt", accuracy)
    _unary("rsqrt", x, _INEXACT)
    return gnp.reciprocal(gnp.sqrt(x))


def reciprocal(x: Any) -> Any:
    """``1 / x`` of a floating or complex operand (lax refuses integers).

    Example: ``lax.reciprocal(x)``
    """
    _unary("reciprocal", x, _INEXACT)
    return gnp.reciprocal(x)


def is_finite(x: Any) -> Any:
    """True where ``x`` is neither infinite nor NaN. Example: ``lax.is_finite(x)``"""
    _unary("is_finite", x, _FLOAT)
    return gnp.isfinite(_data(x))


def clz(x: Any) -> Any:
    """The number of leading zero bits of each integer, in ``x``'s dtype (its bit width for
    0). Example: ``lax.clz(np.int32(1))`` -> ``31``"""
    _unary("clz", x, _INT)
    xd = _data(x)
    dt = _dtype(x) or _np.dtype(_np.int64)
    bits = 8 * dt.itemsize
    u = gnp.astype(xd, _np.dtype(f"u{dt.itemsize}"))
    n = gnp.zeros_like(u)
    s = bits // 2
    while s >= 1:  # binary search: are the top s bits of what is left all zero?
        top_zero = gnp.equal(gnp.right_shift(u, bits - s), 0)
        n = gnp.where(top_zero, gnp.add(n, s), n)
        u = gnp.where(top_zero, gnp.left_shift(u, s), u)
        s //= 2
    n = gnp.add(n, gnp.astype(gnp.equal(gnp.right_shift(u, bits - 1), 0), n.dtype))
    return gnp.astype(n, dt)


def population_count(x: Any) -> Any:
    """The number of set bits of each integer, in ``x``'s dtype.

    Example: ``lax.population_count(np.array([7]))`` -> ``[3]``
    """
    _unary("population_count", x, _INT)
    xd = _data(x)
    dt = _dtype(x) or _np.dtype(_np.int64)
    u = gnp.astype(xd, _np.dtype(f"u{dt.itemsize}"))
    count = gnp.zeros_like(u)
    for k in range(8 * dt.itemsize):
        count = gnp.add(count, gnp.bitwise_and(gnp.right_shift(u, k), 1))
    return gnp.astype(count, dt)


# ---- bitwise, shifts and comparisons -----------------------------------------------------------


def _bitwise(op: str, fn):
    def f(x, y):
        _binary(op, x, y, _BITS)
        return fn(_data(x), _data(y))

    f.__name__ = f.__qualname__ = op
    f.__doc__ = (
        f"Bitwise {op.rstrip('_')} of integers, logical of booleans. Example: ``lax.{op}(a, b)``"
    )
    return f


bitwise_and = _bitwise("bitwise_and", gnp.bitwise_and)
bitwise_or = _bitwise("bitwise_or", gnp.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", gnp.bitwise_xor)


def bitwise_not(x: Any) -> Any:
    """Bitwise not of integers, logical not of booleans. Example: ``lax.bitwise_not(mask)``"""
    _unary("bitwise_not", x, _BITS)
    return gnp.invert(_data(x))


def _shift(op: str, x, y):
    _binary(op, x, y, _INT)
    dt = _dtype(x) or _dtype(y) or _np.dtype(_np.int64)
    bits = 8 * dt.itemsize
    xd, yd = _data(x), _data(y)
    out_of_range = gnp.logical_or(gnp.less(yd, 0), gnp.greater_equal(yd, bits))
    n = gnp.where(out_of_range, 0, yd)
    if op == "shift_left":
        r = gnp.left_shift(xd, n)
        return gnp.astype(gnp.where(out_of_range, 0, r), dt)
    if op == "shift_right_arithmetic":
        r = gnp.right_shift(xd, gnp.where(out_of_range, bits - 1, yd))
        return gnp.astype(r, dt)
    u = _np.dtype(f"u{dt.itemsize}")
    r = gnp.right_shift(gnp.astype(xd, u), gnp.astype(n, u))
    return gnp.astype(gnp.where(out_of_range, 0, r), dt)


def shift_left(x: Any, y: Any) -> Any:
    """``x << y``; a shift by the bit width or more gives 0. Example: ``lax.shift_left(a, 2)``"""
    return _shift("shift_left", x, y)


def shift_right_arithmetic(x: Any, y: Any) -> Any:
    """``x >> y`` filling with the sign bit. Example: ``lax.shift_right_arithmetic(a, 1)``"""
    return _shift("shift_right_arithmetic", x, y)


def shift_right_logical(x: Any, y: Any) -> Any:
    """``x >> y`` filling with zeros (on the bits, for signed types too).

    Example: ``lax.shift_right_logical(np.int8(-8), np.int8(1))`` -> ``124``
    """
    return _shift("shift_right_logical", x, y)


def _compare(op: str, fn, kinds: str):
    def f(x, y):
        _binary(op, x, y, kinds)
        return fn(_data(x), _data(y))

    f.__name__ = f.__qualname__ = op
    f.__doc__ = f"Elementwise ``{op}``, a boolean array. Example: ``lax.{op}(a, b)``"
    return f


eq = _compare("eq", gnp.equal, _ANY)
ne = _compare("ne", gnp.not_equal, _ANY)
lt = _compare("lt", gnp.less, "biuf")
le = _compare("le", gnp.less_equal, "biuf")
gt = _compare("gt", gnp.greater, "biuf")
ge = _compare("ge", gnp.greater_equal, "biuf")


# ---- the table of plain elementwise ops --------------------------------------------------------

_UNARY = [  # (lax name, gpuad function, accepted kinds)
    ("neg", gnp.negative, _NUM),
    ("exp", gnp.exp, _INEXACT),
    ("exp2", gnp.exp2, _INEXACT),
    ("log", gnp.log, _INEXACT),
    ("log1p", gnp.log1p, _INEXACT),
    ("expm1", gnp.expm1, _INEXACT),
    ("sqrt", gnp.sqrt, _INEXACT),
    ("cbrt", gnp.cbrt, _FLOAT),
    ("tanh", gnp.tanh, _INEXACT),
    ("sin", gnp.sin, _INEXACT),
    ("cos", gnp.cos, _INEXACT),
    ("tan", gnp.tan, _INEXACT),
    ("asin", gnp.arcsin, _INEXACT),
    ("acos", gnp.arccos, _INEXACT),
    ("atan", gnp.arctan, _INEXACT),
    ("sinh", gnp.sinh, _INEXACT),
    ("cosh", gnp.cosh, _INEXACT),
    ("asinh", gnp.arcsinh, _INEXACT),
    ("acosh", gnp.arccosh, _INEXACT),
    ("atanh", gnp.arctanh, _INEXACT),
    ("floor", gnp.floor, _FLOAT),
    ("ceil", gnp.ceil, _FLOAT),
    ("erf", _special("erf"), _FLOAT),
    ("erfc", _special("erfc"), _FLOAT),
    ("erf_inv", _special("erfinv"), _FLOAT),
    ("lgamma", _special("gammaln"), _FLOAT),
    ("digamma", _special("digamma"), _FLOAT),
    ("bessel_i0e", _special("i0e"), _FLOAT),
    ("bessel_i1e", _special("i1e"), _FLOAT),
]

_BINARY = [
    ("add", gnp.add, _NUM),
    ("sub", gnp.subtract, _NUM),
    ("mul", gnp.multiply, _NUM),
    ("atan2", gnp.arctan2, _FLOAT),
    ("igamma", _special("gammainc"), _FLOAT),
    ("igammac", _special("gammaincc"), _FLOAT),
    ("zeta", _special("zeta"), _FLOAT),
]

for _name, _fn, _kinds in _UNARY:
    globals()[_name] = _make_unary(
        _name,
        _fn,
        _kinds,
        f"lax.{_name}: ``{getattr(_fn, '__name__', _name)}`` of an "
        f"operand of kinds '{_kinds}'. Example: ``lax.{_name}(x)``",
    )
for _name, _fn, _kinds in _BINARY:
    globals()[_name] = _make_binary(
        _name,
        _fn,
        _kinds,
        f"lax.{_name}: ``{getattr(_fn, '__name__', _name)}`` of two "
        f"operands of one dtype. Example: ``lax.{_name}(x, y)``",
    )


def polygamma(m: Any, x: Any) -> Any:
    """The ``m``-th derivative of ``digamma`` at ``x`` (``m`` of ``x``'s dtype, integral).

    Example: ``lax.polygamma(1.0, x)``
    """
    _binary("polygamma", m, x, _FLOAT)
    return _special("polygamma")(_data(m), x)


def betainc(a: Any, b: Any, x: Any) -> Any:
    """``I_x(a, b)`` (SciPy's ``betainc``); all three of one dtype.

    Example: ``lax.betainc(a, b, x)``
    """
    for i, v in enumerate((a, b, x)):
        _check_kind("betainc", v, _FLOAT, i)
    _same_dtype("betainc", a, b, x)
    _same_shape("betainc", a, b, x)
    return _special("betainc")(a, b, x)


def select_n(which: Any, *cases: Any) -> Any:
    """``cases[which]`` elementwise: ``which`` is boolean (two cases) or an integer array,
    scalar or of the cases' shape; the cases share one shape and dtype.

    Example: ``lax.select_n(x > 0, 0.01 * x, x)`` (leaky relu: case 1 where true)
    """
    if not cases:
        raise ValueError("lax.select_n needs at least one case")
    k = _kind(which)
    if k not in "biu":
        raise TypeError(f"lax.select_n: which must be boolean or an integer, got {_fmt(which)}")
    if k == "b" and len(cases) > 2:
        raise TypeError(f"lax.select_n: a boolean which selects between 2 cases, got {len(cases)}")
    for c in cases[1:]:
        if _shape(c) != _shape(cases[0]):
            raise TypeError(
                f"lax.select_n: all cases must have the same shape, got "
                f"{', '.join(_fmt(c) for c in cases)}"
            )
    _same_dtype("select_n", *cases)
    ws = _shape(which)
    if ws != () and ws != _shape(cases[0]):
        raise TypeError(
            f"lax.select_n: which must be a scalar or have the cases' shape "
            f"{_shape(cases[0])}, got {_fmt(which)}"
        )
    w = _data(which)
    if len(cases) == 1:
        return cases[0]
    if k == "b":
        return gnp.where(w, cases[1], cases[0])
    out = cases[0]
    for i, c in enumerate(cases[1:], start=1):
        out = gnp.where(gnp.equal(w, i), c, out)
    return out


# ---- conversions -------------------------------------------------------------------------------


def _float_to_int(xd, dt):
    """XLA's float-to-integer conversion: truncation, saturating at the range, NaN -> 0."""
    info = _np.iinfo(dt)
    t = gnp.trunc(xd)
    bad = gnp.isnan(xd)
    hi = gnp.greater_equal(t, float(2.0 ** (8 * dt.itemsize - (1 if dt.kind == "i" else 0))))
    lo = gnp.less(t, float(info.min) if dt.kind == "i" else 0.0)
    safe = gnp.astype(gnp.where(gnp.logical_or(bad, gnp.logical_or(hi, lo)), 0, t), dt)
    return gnp.astype(gnp.where(hi, info.max, gnp.where(lo, info.min, safe)), dt)


def convert_element_type(operand: Any, new_dtype: Any) -> Any:
    """``operand`` as ``new_dtype`` with lax's conversions: complex to real keeps the real
    part; floating to integer truncates, saturates at the type's range and maps NaN to 0
    (a constant: integers carry no derivative); to bool is ``x != 0``.

    Example: ``lax.convert_element_type(x, np.float32)``
    """
    dt = _np.dtype(new_dtype)
    src = _dtype(operand)
    if src is None:
        operand = gnp.asarray(operand)
        src = _np.dtype(operand.dtype)
    if src == dt:
        return operand
    x = operand
    if src.kind == "c" and dt.kind != "c":
        x = gnp.real(x)
        src = _np.dtype(_dtype(x))
    if dt.kind == "b":
        return gnp.not_equal(_data(x), 0)
    if dt.kind in "iu" and src.kind == "f":
        return _float_to_int(_data(x), dt)
    if dt.kind in "iu":
        return gnp.astype(_data(x), dt)
    return gnp.astype(x, dt)


def bitcast_convert_type(operand: Any, new_dtype: Any) -> Any:
    """The bits of ``operand`` read as ``new_dtype``: the same shape for an equal item size,
    a new last dimension for a smaller one, the last dimension (of the size ratio) consumed
    for a larger one. The result is a constant (no derivative flows through bits, as in lax).

    Example: ``lax.bitcast_convert_type(np.float32(1.0), np.int32)`` -> ``1065353216``
    """
    dt = _np.dtype(new_dtype)
    src = _dtype(operand)
    if src is None:
        raise TypeError("lax.bitcast_convert_type needs an array, not a Python number")
    if (src.kind in "bc" or dt.kind in "bc") and src != dt:
        raise TypeError(
            f"lax.bitcast_convert_type does not convert bool or complex values "
            f"unless the types match, got {src} to {dt}"
        )
    shp = _shape(operand)
    if dt.itemsize > src.itemsize:
        r = dt.itemsize // src.itemsize
        if not shp or shp[-1] != r:
            raise TypeError(
                f"lax.bitcast_convert_type from {src} to {dt} needs a last dimension "
                f"of size {r}, got shape {shp}"
            )
    return _bitcast_p(_data(operand), new_dtype=dt)


def _bitcast_fwd(xp, x, *, new_dtype):
    dt, shp = new_dtype, tuple(x.shape)
    if dt.itemsize == x.dtype.itemsize:  # (ascontiguousarray makes a 0-d array 1-d)
        return xp.ascontiguousarray(x).reshape(shp).view(dt).copy()
    if dt.itemsize < x.dtype.itemsize:
        r = x.dtype.itemsize // dt.itemsize
        return xp.ascontiguousarray(x).reshape(shp + (1,)).view(dt).reshape(shp + (r,))
    return xp.ascontiguousarray(x).view(dt).reshape(shp[:-1])


# acts on the last axis only, so vmap runs it on the whole batch (gpuad/batching/rules.py)
_bitcast_p = _prim("bitcast_convert_type", _bitcast_fwd, nondiff=True)


def _bitcast_batch(args, dims, params):
    (x,), (d,) = args, dims
    if d != 0:
        x = gnp.moveaxis(x, d, 0)
    return _bitcast_p(x, **params), 0


def _register_batching() -> None:
    from .batching import register

    register("bitcast_convert_type", _bitcast_batch)


_register_batching()
