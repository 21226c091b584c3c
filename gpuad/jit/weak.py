"""Python ``float`` and ``complex`` arguments of a jitted function as traced values.

A non-static Python float argument (a learning rate, a time step) is an input of the program,
not part of its signature: one trace serves every value. While tracing, the function receives
it as a :class:`WeakScalar`, a 0-d Tensor (float64, or complex128) that keeps the promotion of
a Python number: combined with an array by any operation it is first cast to the dtype NumPy
would cast the number to (``x_float32 * lr`` stays float32 and computes exactly what the eager
call computes), and Python's operators between it and other Python numbers give another
WeakScalar computed in float64 as Python computes them (``1 - lr``, ``dt / 2``, ``dt ** 2``;
a division by zero raises ``ZeroDivisionError`` on every replay, as eagerly). A function
(``gnp.exp(lr)``) gives what it gives a Python number: a float64 array.

What cannot be traced so falls back to the value in the signature, for that function (the
behaviour of other Python numbers, which stay static): Python control flow or a conversion on
the value (``if lr > 0``, ``int(T / dt)``, ``math.exp(dt)``), ``x ** p`` with a traced
exponent (NumPy squares for ``p == 2``), complex division or powers (Python's algorithms), or
a result that differs from eager's. The fallback retraces at once when the failed trace had
not changed any state (gradients, parameters, written arrays); else it raises, asking for a
static argument.

Example::

    step = gpuad.jit(lambda x, lr: x - lr * gnp.cos(x))
    step(x, 0.1); step(x, 0.05)      # one trace; float32 x stays float32
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as _np

from .. import _value_checks as _vc
from ..tensor import Tensor
from .trace import TracerError


class Fallback(TracerError):
    """A traced Python number is used in a way a program cannot replay for other values."""


class WeakScalar(Tensor):
    """A Python float or complex argument inside a traced function (see the module
    docstring); ``_py`` is the traced call's value."""

    __slots__ = ("_py",)

    def astype(self, dtype):  # as NumPy: a new array (never this weakly typed value)
        return _strong(self).astype(dtype)

    def as_array(self) -> Tensor:
        """``gnp.asarray(lr)``: a float64 (complex128) array, as eagerly."""
        return _strong(self)

    def __pos__(self):
        return self

    def __neg__(self):
        return _weak_unary(self, operator.neg)

    def __abs__(self):
        return _weak_unary(self, abs)


def make(t: Tensor, py: Any) -> WeakScalar:
    """A WeakScalar over ``t``'s array (the same traced variable), holding Python value ``py``."""
    w = WeakScalar.__new__(WeakScalar)
    for slot in Tensor.__slots__:
        if slot != "__weakref__" and hasattr(t, slot):
            object.__setattr__(w, slot, getattr(t, slot))
    w._py = py
    return w


def _strong(w: WeakScalar) -> Tensor:
    """A plain Tensor over ``w``'s array: a float64 (complex128) 0-d value."""
    return Tensor(w._data, _ver=w._ver)


_NUMBERS = (int, float, complex, bool)


def _value(v):
    return v._py if type(v) is WeakScalar else v


def _host(arr):
    from . import trace

    tr = trace.active()
    if tr is not None:
        tr.paused += 1
    try:
        return arr.item() if hasattr(arr, "item") else arr
    finally:
        if tr is not None:
            tr.paused -= 1


def _same(a, b) -> bool:
    """Whether ``a`` and ``b`` are the same number, bit for bit (NaNs alike, zeros' signs)."""
    if type(a) is not type(b) and not (isinstance(a, float) and isinstance(b, float)):
        return False
    pa, pb = complex(a), complex(b)
    return all(
        _np.float64(x).tobytes() == _np.float64(y).tobytes()
        for x, y in ((pa.real, pb.real), (pa.imag, pb.imag))
    )


def _finish(res: Tensor, py) -> WeakScalar:
    got = _host(res._data)
    want = complex(py) if isinstance(py, complex) else float(py)
    if not _same(complex(got) if isinstance(py, complex) else float(got), want):
        raise Fallback(
            "jit: an operation on a traced Python number gave another value than Python's"
        )
    return make(res, py)


def _weak_unary(w: WeakScalar, pyop):
    return _finish(pyop(_strong(w)), pyop(w._py))


def _zero(xp, d):
    return d == 0


def _pow_bad(xp, a, b, r):
    """Where Python's ``a ** b`` raises or gives a complex number, and NumPy's does not (an
    operand may be a Python number: no array is made of it, which a CUDA graph would refuse)."""

    def finite(v):
        return xp.isfinite(v) if hasattr(v, "dtype") else math.isfinite(v)

    def floor(v):
        return xp.floor(v) if hasattr(v, "dtype") else math.floor(v)

    fin = finite(a) & finite(b)
    return ((a == 0) & (b < 0)) | ((a < 0) & (b != floor(b)) & fin) | (~xp.isfinite(r) & fin)


_ZERO_DIV = _vc.Check(
    "python_division",
    _zero,
    lambda count, first: ZeroDivisionError(
        "division by zero of a traced Python float argument (as Python raises)"
    ),
)
_POW = _vc.Check(
    "python_power",
    _pow_bad,
    lambda count, first: ValueError(
        "a ** b of a traced Python float argument: Python raises or gives a complex number for "
        "these values (0 ** negative, negative ** fraction, overflow), which the compiled "
        "function cannot follow; pass the argument as static (static_argnums)"
    ),
)

# name -> (Python operator, the Tensor operation, a check on (divisor) or (a, b, result),
#          complex operands allowed)
_OPS = {
    "add": (operator.add, Tensor.__add__, None, True),
    "sub": (operator.sub, Tensor.__sub__, None, True),
    "mul": (operator.mul, Tensor.__mul__, None, True),
    "truediv": (operator.truediv, Tensor.__truediv__, "div", False),
    "floordiv": (operator.floordiv, Tensor.__floordiv__, "div", False),
    "mod": (operator.mod, Tensor.__mod__, "div", False),
    "pow": (operator.pow, Tensor.__pow__, "pow", False),
}


def _operand(v):
    return _strong(v) if type(v) is WeakScalar else v


def _binary(name: str, swap: bool):
    pyop, top, check, cx_ok = _OPS[name]
    plain = getattr(Tensor, f"__{'r' if swap else ''}{name}__")

    def method(self, other):
        if type(other) is not WeakScalar and type(other) not in _NUMBERS:
            return plain(self, other)  # with an array: cast where the operation runs
        a, b = (other, self) if swap else (self, other)
        pa, pb = _value(a), _value(b)
        if not cx_ok and (isinstance(pa, complex) or isinstance(pb, complex)):
            raise Fallback(
                f"jit: {name} of a traced complex Python number (Python's own algorithm)"
            )
        py = pyop(pa, pb)  # eager's value, and eager's error (ZeroDivisionError)
        if type(py) not in (float, complex):
            raise Fallback(f"jit: {name} of a traced Python number gives a {type(py)}")
        ta, tb = _operand(a), _operand(b)
        if check == "div" and isinstance(tb, Tensor):  # (before the division, as Python)
            _vc.run(_ZERO_DIV, tb)
        if type(ta) is not Tensor:  # a number on the left: Tensor's reflected method
            res = getattr(Tensor, f"__r{name}__")(tb, ta)
        else:
            res = top(ta, tb)
        if check == "pow":
            _vc.run(_POW, ta, tb, res)
        return _finish(res, py)

    method.__name__ = f"__{'r' if swap else ''}{name}__"
    return method


for _name in _OPS:
    setattr(WeakScalar, f"__{_name}__", _binary(_name, False))
    setattr(WeakScalar, f"__r{_name}__", _binary(_name, True))
del _name


# ---- the engine's hook: a WeakScalar among an operation's arguments --------------------------


def _dtype_of(a):
    if isinstance(a, Tensor):
        return a._data.dtype
    return getattr(a, "dtype", None)


def cast_args(rule, args: tuple, params: dict):
    """``args`` and ``params`` of one operation with each WeakScalar replaced by its value
    cast (a recorded step) to the dtype NumPy casts a Python number to there: the promotion
    of the operation's arrays and numbers (float64 among numbers alone)."""
    found = False
    for a in args:
        if type(a) is WeakScalar:
            found = True
            break
    if not found and not any(type(p) is WeakScalar for p in params.values()):
        return args, params
    if rule.name == "power" and len(args) > 1 and type(args[1]) is WeakScalar:
        raise Fallback("jit: x ** p with a traced Python number p (eager squares for p == 2)")
    parts = []
    for a in (*args, *params.values()):
        if type(a) is WeakScalar:
            parts.append(a._py)
        elif type(a) in _NUMBERS:
            parts.append(a)
        else:
            dt = _dtype_of(a)
            if dt is not None:
                parts.append(dt)
    try:
        dt = _np.result_type(*parts)
    except (TypeError, ValueError) as e:
        raise Fallback(f"jit: a traced Python number in {rule.name}: {e}") from e
    args = tuple(_cast(a, dt) if type(a) is WeakScalar else a for a in args)
    if params:
        params = {k: _cast(v, dt) if type(v) is WeakScalar else v for k, v in params.items()}
    return args, params


def _cast(w: WeakScalar, dt) -> Tensor:
    t = _strong(w)
    if t._data.dtype == dt:
        return t
    from ..prims.elementwise import astype

    return astype(t, dt)


def python_numbers(result: Any) -> Any:
    """``result`` of a traced run returned as the call's own (the call ran eagerly) with its
    WeakScalar leaves back to the Python numbers the eager call returns."""
    from ..tree import tree_flatten, tree_unflatten

    leaves, tdef = tree_flatten(result)
    if not any(type(x) is WeakScalar for x in leaves):
        return result
    return tree_unflatten(tdef, [type(x._py)(x._data.item()) if type(x) is WeakScalar else x
                                 for x in leaves])
