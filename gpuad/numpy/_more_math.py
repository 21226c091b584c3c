"""Elementwise NumPy functions beyond the core table: fmin/fmax, logaddexp2, copysign, fmod,
modf, frexp/ldexp, divmod, fabs, float_power, nan_to_num, degrees/radians.

Each is a primitive with its own rule, or a composition of differentiable primitives.
"""

from __future__ import annotations

import numpy as _np

from .. import rules as _r
from ..rules import LN2, data, exp, prim
from ..tensor import Tensor

# ---- two-argument ufuncs with masks ---------------------------------------------------------


def _nan_pick(a, b, first: bool, larger: bool):
    """1 where ``fmax``/``fmin`` returns ``a`` (the NaN-ignoring choice), 1/2 on ties, else 0."""
    a, b = data(a), data(b)
    xp = _r._xp(a if hasattr(a, "dtype") else b)
    a, b = xp.asarray(a), xp.asarray(b)
    na, nb = xp.isnan(a), xp.isnan(b)
    wins = (a > b) if larger else (a < b)
    # both NaN: the result (NaN) is credited to the first argument
    wins = wins | (nb if first else (nb & ~na))
    return _r._const(wins + 0.5 * (a == b), a if a.dtype.kind in "fc" else b)


fmax = prim("fmax", lambda xp, x, y: xp.fmax(x, y),
            vjp=[lambda g, ans, x, y: g * _nan_pick(x, y, True, True),
                 lambda g, ans, x, y: g * _nan_pick(y, x, False, True)], jvp="vjp")
fmax.__doc__ = """Elementwise maximum ignoring NaN (``numpy.fmax``); ties share the adjoint.

Example: ``gnp.fmax(x, 0.0)``"""
fmin = prim("fmin", lambda xp, x, y: xp.fmin(x, y),
            vjp=[lambda g, ans, x, y: g * _nan_pick(x, y, True, False),
                 lambda g, ans, x, y: g * _nan_pick(y, x, False, False)], jvp="vjp")
fmin.__doc__ = """Elementwise minimum ignoring NaN (``numpy.fmin``); ties share the adjoint.

Example: ``gnp.fmin(x, 1.0)``"""

logaddexp2 = prim("logaddexp2", lambda xp, x, y: xp.logaddexp2(x, y),
                  vjp=[lambda g, ans, x, y: g * exp((x - ans) * LN2),
                       lambda g, ans, x, y: g * exp((y - ans) * LN2)], jvp="vjp", guard=True)


def _same_sign(x, y):
    x, y = data(x), data(y)
    xp = _r._xp(x if hasattr(x, "dtype") else y)
    return _r._const(1.0 - 2.0 * (xp.signbit(x) != xp.signbit(y)), xp.asarray(x))


def _zero_adjoint(g):
    return _r._xp(g).zeros(_r.shape(g), dtype=data(g).dtype)


copysign = prim("copysign", lambda xp, x, y: xp.copysign(x, y),
                vjp=[lambda g, ans, x, y: g * _same_sign(x, y),
                     lambda g, ans, x, y: _zero_adjoint(g)], jvp="vjp")
copysign.__doc__ = """``|x|`` with the sign of ``y``; piecewise constant (zero derivative) in ``y``.

Example: ``gnp.copysign(x, -1.0)``"""


def _at_zero(x, like):
    x = data(x)
    return _r._const(_r._xp(like).asarray(x == 0), data(like))


heaviside = prim("heaviside", lambda xp, x1, x2: xp.heaviside(x1, x2),
                 vjp=[lambda g, ans, x1, x2: _zero_adjoint(g),
                      lambda g, ans, x1, x2: g * _at_zero(x1, g)], jvp="vjp")
heaviside.__doc__ = """The step function: 0 for ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 for
``x1 > 0``; piecewise constant (zero derivative) in ``x1``, derivative 1 in ``x2`` where
``x1 == 0``.

Example: ``gnp.heaviside(x, 0.5)``"""


def _fmod_quotient(ans, x, y):
    """The integer quotient trunc(x / y) consistent with NumPy's own fmod result."""
    xp = _r._xp(ans)
    return xp.rint((data(x) - data(ans)) / data(y))


fmod = prim("fmod", lambda xp, x, y: xp.fmod(x, y),
            vjp=[lambda g, ans, x, y: g, lambda g, ans, x, y: -g * _fmod_quotient(ans, x, y)],
            jvp="vjp", guard=True)
fmod.__doc__ = """C-style remainder ``x - trunc(x / y) * y``: derivative 1 in ``x`` and
``-trunc(x / y)`` in ``y``. Example: ``gnp.fmod(x, 1.5)``"""

_modf_frac = prim("modf", lambda xp, x: xp.modf(x)[0], vjp=[lambda g, ans, x: g], jvp="vjp")


def modf(x, /):
    """``(fractional part, integral part)`` with the sign of ``x``; the fractional part has
    derivative 1, the integral part is piecewise constant. Example: ``f, i = gnp.modf(x)``"""
    return _modf_frac(x), _r.trunc(x)


def divmod(x1, x2, /):
    """``(floor_divide(x1, x2), mod(x1, x2))``; the remainder is differentiable.

    Example: ``q, r = gnp.divmod(x, 1.5)``
    """
    return _r.floor_divide(x1, x2), _r.mod(x1, x2)


def _pow2(e, like):
    xp = _r._xp(like)
    d = data(like)
    return xp.ldexp(xp.ones(d.shape, dtype=d.dtype), e)


_frexp_m = prim("frexp", lambda xp, x: xp.frexp(x)[0],
                vjp=[lambda g, ans, x: g * _pow2(-_r._xp(x).frexp(data(x))[1], x)], jvp="vjp")


def frexp(x, /):
    """``(mantissa, exponent)`` with ``x = mantissa * 2**exponent``; the mantissa has derivative
    ``2**-exponent``, the exponent is an integer array. Example: ``m, e = gnp.frexp(x)``"""
    xd = data(x)
    return _frexp_m(x), _r._xp(xd).frexp(xd)[1]


_ldexp = prim("ldexp", lambda xp, x, i: xp.ldexp(x, i),
              vjp=[lambda g, ans, x, i: g * _pow2(data(i), ans), None],
              jvp=[lambda t, ans, x, i: t * _pow2(data(i), ans), None])


def ldexp(x1, x2, /):
    """``x1 * 2**x2`` for integer ``x2``; differentiable in ``x1``. Example: ``gnp.ldexp(x, 3)``"""
    return _ldexp(x1, x2)


def fabs(x, /):
    """Absolute value of real input as floats (``numpy.fabs``; complex input is a TypeError).

    Example: ``gnp.fabs(x)``
    """
    kind = getattr(data(x), "dtype", None)
    kind = kind.kind if kind is not None else ("c" if isinstance(x, complex) else "f")
    if kind == "c":
        raise TypeError("fabs: complex input is not supported (as numpy.fabs); use gnp.abs")
    if kind in "biu":
        x = _r.astype(x, "float64") if isinstance(x, Tensor) else _r._xp(x).asarray(
            data(x), dtype="float64")
    return _r.abs(x)


def _as_float64(a):
    d = data(a)
    kind = getattr(getattr(d, "dtype", None), "kind", None)
    if kind is None:
        return complex(d) if isinstance(d, complex) else float(d)
    dt = "complex128" if kind == "c" else "float64"
    if d.dtype == dt:
        return a
    return _r.astype(a, dt) if isinstance(a, Tensor) else d.astype(dt)


def float_power(x1, x2, /):
    """``x1 ** x2`` computed in float64 (complex128 for complex input), as
    ``numpy.float_power``. Example: ``gnp.float_power(x, 0.5)``"""
    return _r.power(_as_float64(x1), _as_float64(x2))


def nan_to_num(x, copy: bool = True, nan: float = 0.0, posinf=None, neginf=None):
    """NaN and infinities replaced by finite numbers; the replaced entries are constants (zero
    derivative), the others pass through. Example: ``gnp.nan_to_num(x)``"""
    d = data(x)
    xp = _r._xp(d)
    if not isinstance(x, Tensor):
        return xp.nan_to_num(d, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
    if d.dtype.kind not in "fc":
        return x
    if d.dtype.kind == "c":
        raise TypeError("nan_to_num: complex Tensors are not supported; convert the real and "
                        "imaginary parts separately")
    repl = xp.nan_to_num(d, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    return _r.where(xp.isfinite(d), x, repl)


# ---- integer, boolean and piecewise-constant functions (no derivative by nature) -------------


def around(a, decimals: int = 0, out=None):
    """Round to ``decimals`` (piecewise constant: zero derivative). Example: ``gnp.around(x)``"""
    r = _r.round(a, decimals=decimals)
    if out is not None:
        out[...] = data(r)
        return out
    return r


def fix(x, out=None):
    """Round towards zero (piecewise constant). Example: ``gnp.fix(x)``"""
    r = _r.trunc(x)
    if out is not None:
        out[...] = data(r)
        return out
    return r


def _on_data(name: str, doc: str):
    def fn(*args, **kwargs):
        args = [data(a) for a in args]
        kwargs = {k: data(v) for k, v in kwargs.items()}
        xp = _r._xp(next((a for a in args if hasattr(a, "dtype")), None))
        return getattr(xp, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``numpy.{name}`` on the data ({doc}; not differentiated). " \
                 f"Example: ``gnp.{name}(x)``"
    return fn


_INT_BOOL = {
    "argwhere": "integer valued", "flatnonzero": "integer valued",
    "count_nonzero": "integer valued", "searchsorted": "integer valued",
    "isneginf": "boolean valued", "isposinf": "boolean valued", "signbit": "boolean valued",
    "array_equal": "boolean valued", "array_equiv": "boolean valued",
    "iscomplexobj": "boolean valued", "iscomplex": "boolean valued", "isreal": "boolean valued",
    "isrealobj": "boolean valued", "isscalar": "boolean valued", "result_type": "a dtype",
}
for _name, _doc in _INT_BOOL.items():
    globals()[_name] = _on_data(_name, _doc)


def isscalar(element) -> bool:
    """Whether ``element`` is a scalar (a 0-d Tensor is not, like a 0-d array).

    Example: ``gnp.isscalar(1.0)``
    """
    return not isinstance(element, Tensor) and _np.isscalar(element)


def result_type(*arrays_and_dtypes):
    """The dtype NumPy's promotion gives (Tensors by their dtype). Example:
    ``gnp.result_type(x, 1.0)``"""
    return _np.result_type(*[a if isinstance(a, type | _np.dtype | str) else
                             a.dtype if isinstance(a, Tensor) or hasattr(a, "dtype") else a
                             for a in arrays_and_dtypes])


def real_if_close(a, tol=100):
    """The real part when every imaginary part is below ``tol`` (in machine epsilons when
    ``tol > 1``), else ``a`` unchanged, as ``numpy.real_if_close``. The choice is made on the
    values; either way the result is differentiated (as ``real(a)`` or as ``a``).

    Example: ``gnp.real_if_close(x + 1e-20j)``
    """
    from ..complex_rules import real
    from . import asarray

    a = asarray(a)
    d = data(a)
    if d.dtype.kind != "c":
        return a
    if tol > 1:
        tol = _np.finfo(d.dtype).eps * tol
    xp = _r._xp(d)
    return real(a) if bool(xp.all(xp.abs(d.imag) < tol)) else a


__all__ = ["fmax", "fmin", "logaddexp2", "copysign", "heaviside", "fmod", "modf", "divmod",
           "frexp", "ldexp", "fabs", "float_power", "nan_to_num", "around", "fix",
           "real_if_close", *_INT_BOOL]

# abstract evaluation of the entrywise primitives declared here (broadcast shape, NumPy dtype)
for _op in (fmax, fmin, copysign, heaviside, _modf_frac, _frexp_m, _ldexp):
    _r.broadcasting(_op.rule)
del _op
