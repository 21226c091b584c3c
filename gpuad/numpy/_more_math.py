"""Elementwise NumPy functions beyond the core table: fmin/fmax, logaddexp2, copysign, fmod,
modf, frexp/ldexp, divmod, fabs, float_power, nan_to_num, degrees/radians.

Each is a primitive with its own rule, or a composition of differentiable primitives.
"""

from __future__ import annotations

import numpy as _np

from .. import _raw
from .. import _value_checks as _vc
from .. import rules as _r
from ..rules import LN2, data, prim
from ..tensor import Tensor

# ---- two-argument ufuncs with masks ---------------------------------------------------------


def _nan_pick(a, b, first: bool, larger: bool):
    """1 where ``fmax``/``fmin`` returns ``a`` (the NaN-ignoring choice), 1/2 on ties, else 0."""
    a, b = data(a), data(b)  # inside vmap batched Tensors: the mask is built from gnp ops
    xp = _r._xp(a if hasattr(a, "dtype") else b)
    a = a if isinstance(a, Tensor) else xp.asarray(a)
    b = b if isinstance(b, Tensor) else xp.asarray(b)
    na, nb = _r.isnan(a), _r.isnan(b)
    wins = _r.greater(a, b) if larger else _r.less(a, b)
    # both NaN: the result (NaN) is credited to the first argument
    wins = _r.logical_or(wins, nb if first else _r.logical_and(nb, _r.logical_not(na)))
    return _r._const(wins + 0.5 * _r.equal(a, b), a if a.dtype.kind in "fc" else b)


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

# d/dx = 2**x / (2**x + 2**y) = sigmoid((x - y) ln 2), as logaddexp's: exp((x - ans) ln 2)
# is inf - inf = NaN at x = inf (where the derivative is 1) and carries the rounding of ans
logaddexp2 = prim("logaddexp2", lambda xp, x, y: xp.logaddexp2(x, y),
                  vjp=[lambda g, ans, x, y: g * _r.sigmoid((x - y) * LN2),
                       lambda g, ans, x, y: g * _r.sigmoid((y - x) * LN2)], jvp="vjp",
                  guard=True)


def _exp2_complex_fwd(xp, x):
    if xp is _np:
        return _np.exp2(x)
    # NumPy's: exp of z ln 2 scaled part by part (a complex product with ln 2 + 0j would make
    # inf * 0 = NaN parts)
    w = xp.empty_like(x)
    w.real[...] = x.real * LN2
    w.imag[...] = x.imag * LN2
    return xp.exp(w)


# 2**z of complex z as NumPy's exp2 computes it (power(2, z) differs where a part is infinite)
exp2_complex = prim("exp2_complex", _exp2_complex_fwd, vjp=[lambda g, ans, x: g * ans * LN2],
                    cplx="holo",
                    jvp="vjp", guard=True)


def _same_sign(x, y):
    """+1 where ``x`` and ``y`` have the same sign bit, else -1, and 0 where ``x`` is +-0
    (``|x|``'s slope there, as ``abs``; the sign bit of -0 gave -1). A product of copysigns
    and a comparison, so that it batches inside vmap."""
    x, y = data(x), data(y)
    xp = _r._xp(x if hasattr(x, "dtype") else y)
    like = x if isinstance(x, Tensor) else xp.asarray(x)
    return _r._const(copysign(1.0, x) * copysign(1.0, y) * (x != 0), like)


def _zero_adjoint(g):
    return _r._xp(g).zeros(_r.shape(g), dtype=data(g).dtype)


copysign = prim("copysign", lambda xp, x, y: xp.copysign(x, y),
                vjp=[lambda g, ans, x, y: g * _same_sign(x, y),
                     lambda g, ans, x, y: _zero_adjoint(g)], jvp="vjp")
copysign.__doc__ = """``|x|`` with the sign of ``y``; piecewise constant (zero derivative) in ``y``,
and in ``x`` of slope 0 at ``x = +-0`` (as ``abs``).

Example: ``gnp.copysign(x, -1.0)``"""


def _at_zero(x, like):
    m = _r.equal(data(x), 0)
    return _r._const(m if isinstance(m, Tensor) else _r._xp(like).asarray(m), data(like))


heaviside = prim("heaviside", lambda xp, x1, x2: xp.heaviside(x1, x2),
                 vjp=[lambda g, ans, x1, x2: _zero_adjoint(g),
                      lambda g, ans, x1, x2: g * _at_zero(x1, g)], jvp="vjp")
heaviside.__doc__ = """The step function: 0 for ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 for
``x1 > 0``; piecewise constant (zero derivative) in ``x1``, derivative 1 in ``x2`` where
``x1 == 0``.

Example: ``gnp.heaviside(x, 0.5)``"""


def _fmod_quotient(ans, x, y):
    """The integer quotient trunc(x / y) consistent with NumPy's own fmod result."""
    return _r.rint(_r.divide(_r.subtract(data(x), data(ans)), data(y)))


fmod = prim("fmod", lambda xp, x, y: xp.fmod(x, y),
            vjp=[lambda g, ans, x, y: g, lambda g, ans, x, y: -g * _fmod_quotient(ans, x, y)],
            jvp="vjp", guard=True)
fmod.__doc__ = """C-style remainder ``x - trunc(x / y) * y``: derivative 1 in ``x`` and
``-trunc(x / y)`` in ``y``. Example: ``gnp.fmod(x, 1.5)``"""

_modf_frac = prim("modf", lambda xp, x: xp.modf(x)[0], vjp=[lambda g, ans, x: g], jvp="vjp")


def modf(x, /):
    """``(fractional part, integral part)`` with the sign of ``x``; the fractional part has
    derivative 1, the integral part is piecewise constant. Example: ``f, i = gnp.modf(x)``"""
    x = ufunc_float(x)  # NumPy's loops are floating: an integer or boolean array gives floats
    return _modf_frac(x), _r.trunc(x)


def divmod(x1, x2, /):
    """``(floor_divide(x1, x2), mod(x1, x2))``; the remainder is differentiable.

    Example: ``q, r = gnp.divmod(x, 1.5)``
    """
    return _r.floor_divide(x1, x2), _r.mod(x1, x2)


def _pow2(e, like):
    """``2**e`` in ``like``'s dtype (a constant; batched inside vmap when ``e`` is)."""
    xp = _r._xp(like)
    d = data(like)
    one = xp.ones(_r.shape(d), dtype=d.dtype)
    # inside vmap (and while gpuad.jit traces) ``e`` is a Tensor: the ldexp primitive takes it
    return _ldexp(one, e) if isinstance(e, Tensor) else xp.ldexp(one, e)


_frexp_e = prim("frexp_exponent", lambda xp, x: xp.frexp(x)[1], nondiff=True)
_frexp_m = prim("frexp", lambda xp, x: xp.frexp(x)[0],
                vjp=[lambda g, ans, x: g * _pow2(-_frexp_e(data(x)), x)], jvp="vjp")


def frexp(x, /):
    """``(mantissa, exponent)`` with ``x = mantissa * 2**exponent``; the mantissa has derivative
    ``2**-exponent``, the exponent is an integer array. Example: ``m, e = gnp.frexp(x)``"""
    return _frexp_m(x), _frexp_e(_raw.data(x))


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
    return _r.abs(ufunc_float(x))


def real_ufunc_float(x, name: str):
    """:func:`ufunc_float` of ``x`` for a ufunc NumPy defines for real values only: complex
    input raises NumPy's TypeError naming ``name``."""
    dt = getattr(data(x), "dtype", None)
    if (dt is not None and dt.kind == "c") or isinstance(x, complex):
        raise TypeError(f"{name}: complex input is not supported (numpy.{name} has no complex "
                        f"loop); convert with gnp.real or gnp.abs first")
    return ufunc_float(x)


def ufunc_float(x):
    """``x`` as the floating type NumPy's float-only ufunc loops use for it: a bool or integer
    array as float16 (bool, int8, uint8), float32 (int16, uint16) or float64; anything else
    unchanged. Example: ``gnp.deg2rad(ufunc_float(mask))`` is float16 as in NumPy."""
    dt = getattr(data(x), "dtype", None)
    if dt is None and isinstance(x, int):  # a Python bool or int: NumPy's bool or int64
        dt = _np.dtype(bool if isinstance(x, bool) else _np.int64)
    if dt is None or dt.kind not in "biu":
        return x
    to = _np.promote_types(dt, _np.float16)
    return _r.astype(x, to) if isinstance(x, Tensor) else _r._xp(x).asarray(data(x), dtype=to)


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
    derivative), the others pass through. ``copy=False`` writes the result into a float
    ``x`` (a Tensor: a recorded write) and returns ``x``, as NumPy.
    Example: ``gnp.nan_to_num(x)``"""
    r = _nan_to_num(x, copy, nan, posinf, neginf)
    if not copy and isinstance(x, Tensor) and r is not x:
        from ..engine import assign_inplace

        assign_inplace(x, r, None)  # (NumPy's in-place fill, recorded with versions)
        return x
    return r


def _nan_to_num(x, copy, nan, posinf, neginf):
    d = _raw.data(x)
    xp = _r._xp(d)
    if any(isinstance(v, Tensor) for v in (nan, posinf, neginf)):
        return _nan_to_num_recorded(x, nan, posinf, neginf)
    if not isinstance(x, Tensor):
        r = xp.nan_to_num(d, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
        # copy=False: the array itself, filled (whatever object the backend hands back)
        return d if not copy and getattr(r, "shape", None) == getattr(d, "shape", ()) and \
            r.__class__ is d.__class__ else r
    if d.dtype.kind not in "fc":
        return x
    if d.dtype.kind == "c":  # NumPy's: the real and imaginary parts separately
        from . import imag, real

        def part(p):
            return _nan_to_num(p, True, nan, posinf, neginf)

        return part(real(x)) + 1j * part(imag(x))
    if isinstance(d, Tensor):  # batched by vmap: entrywise, so on the whole batch at once
        repl = Tensor(xp.nan_to_num(d._data, copy=True, nan=nan, posinf=posinf,
                                    neginf=neginf), _bat=d._bat)
    else:
        repl = xp.nan_to_num(d, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    return _r.where(_r.isfinite(d), x, repl)


def _nan_to_num_recorded(x, nan, posinf, neginf):
    """nan_to_num with Tensor fill values: each replaced entry is its fill value, recorded, so
    the gradient reaches ``nan``, ``posinf`` and ``neginf`` (each cast to ``x``'s precision)."""
    from . import asarray, imag, isnan, isneginf, isposinf, real, where

    x = asarray(x)
    dt = _np.dtype(_raw.data(x).dtype)
    if dt.kind not in "fc":
        return x
    for v in (nan, posinf, neginf):
        if isinstance(v, Tensor) and _np.dtype(_raw.data(v).dtype).kind == "c":
            raise TypeError(f"nan_to_num: the fill values must be real (NumPy fills the real "
                            f"and imaginary parts apart), got {_raw.data(v).dtype}")
    if dt.kind == "c":  # NumPy's: the real and imaginary parts separately
        return (_nan_to_num_recorded(real(x), nan, posinf, neginf)
                + 1j * _nan_to_num_recorded(imag(x), nan, posinf, neginf))
    big = _np.finfo(dt).max

    def fill(v, default):
        v = default if v is None else v
        if isinstance(v, Tensor) and _np.dtype(_raw.data(v).dtype) != dt:
            return _r.astype(v, dt)
        return v if isinstance(v, Tensor) else _np.asarray(v, dtype=dt)

    d = _raw.data(x)
    r = where(isnan(d), fill(nan, 0.0), x)
    r = where(isposinf(d), fill(posinf, big), r)
    return where(isneginf(d), fill(neginf, -big), r)


# ---- integer, boolean and piecewise-constant functions (no derivative by nature) -------------


def _out_same_kind(out, r, what: str) -> None:
    """NumPy's ufunc rule for ``out=``: no float result into an integer array."""
    from .._numpy_protocol import _check_out

    _check_out(out, r, what, "same_kind")


def around(a, decimals: int = 0, out=None):
    """Round to ``decimals`` (piecewise constant: zero derivative). Example: ``gnp.around(x)``"""
    r = _r.round(a, decimals=decimals)
    if out is not None:
        _out_same_kind(out, r, "around")
        out[...] = _raw.data(r)
        return out
    return r


def round(a, decimals: int = 0, out=None):  # noqa: A001  (NumPy's name)
    """``numpy.round``: ``around`` (``out=`` too). Example: ``gnp.round(x, 2)``"""
    return around(a, decimals, out)


def fix(x, out=None):
    """Round towards zero (piecewise constant). Example: ``gnp.fix(x)``"""
    r = _r.trunc(x)
    if out is not None:
        _out_same_kind(out, r, "fix")
        out[...] = _raw.data(r)
        return out
    return r


def _batched_any(args, kwargs) -> bool:
    return any(isinstance(a, Tensor) and a._bat is not None
               for a in (*args, *kwargs.values()))


_ENTRYWISE = ("isneginf", "isposinf", "signbit", "iscomplex", "isreal")
_BY_DTYPE = ("iscomplexobj", "isrealobj", "result_type")


def _on_batched(name: str, args, kwargs):
    """A value-free function on values batched by vmap: an entrywise one on the whole batch,
    one that reads only dtypes on the arrays, count_nonzero and searchsorted by primitives;
    the others' results have a shape or a truth value that depends on the data."""
    xp = _r._xp(next(a for a in args if isinstance(a, Tensor)))
    if name in _ENTRYWISE and len(args) == 1 and not kwargs:
        (a,) = args
        # a step of the program while gpuad.jit traces (see _FIXED_SHAPE)
        return Tensor(_vc.computed(name, getattr(xp, name), a._data), _bat=a._bat)
    if name in _BY_DTYPE:
        return getattr(xp, name)(*[a._data if isinstance(a, Tensor) else a for a in args],
                                 **kwargs)
    if name == "count_nonzero" and len(args) == 1 and set(kwargs) <= {"axis", "keepdims"}:
        return _r.sum(_r.astype(_r.not_equal(args[0], 0), _np.int64), **kwargs)
    if name == "searchsorted" and len(args) == 2 and set(kwargs) <= {"side"}:
        a, v = args
        if len(_r.shape(a)) != 1:
            raise ValueError("searchsorted: a must be one-dimensional")
        below = _r.less_equal if kwargs.get("side", "left") == "right" else _r.less
        col = _r.reshape(a, (_r.shape(a)[0],) + (1,) * len(_r.shape(v)))
        return _r.sum(_r.astype(below(col, v), _np.int64), axis=0)
    raise TypeError(
        f"{name} inside gpuad.vmap: its result would have a shape or truth value that depends "
        f"on each example's data, so the examples' results cannot be stacked; compute it "
        f"outside vmap, or use fixed-shape operations (gnp.where, gnp.sum of a mask)")


#: value-free functions whose result's shape follows from the arguments' shapes: while
#: ``gpuad.jit`` traces they are steps of the program (``numpy.signbit`` is a ufunc and
#: ``count_nonzero`` returns a NumPy scalar, neither of which the tracer sees: the traced
#: call's result would be replayed as a constant)
_FIXED_SHAPE = frozenset(_ENTRYWISE) | {"count_nonzero", "searchsorted"}


def _tensor_out(name: str, args, kwargs):
    """``(out, args, kwargs)`` without it where a Tensor is given as ``out`` (``isneginf(x, t)``,
    ``signbit(x, out=(t,))``), else None."""
    o = kwargs.get("out")
    if o.__class__ is tuple and len(o) == 1:
        o = o[0]
    if isinstance(o, Tensor):
        return o, args, {k: v for k, v in kwargs.items() if k != "out"}
    if name in _ENTRYWISE and len(args) == 2 and isinstance(args[1], Tensor):
        return args[1], args[:1], kwargs
    return None


def _on_data(name: str, doc: str):
    def fn(*args, **kwargs):
        o = _tensor_out(name, args, kwargs)
        if o is not None:  # written by a recorded write, not through its buffer
            o[0][...] = fn(*o[1], **o[2])
            return o[0]
        if _batched_any(args, kwargs):
            return _on_batched(name, args, kwargs)
        args = [_raw.data(a) for a in args]
        kwargs = {k: _raw.data(v) for k, v in kwargs.items()}
        xp = _r._xp(next((a for a in args if hasattr(a, "dtype")), None))
        if name in _FIXED_SHAPE:
            pos = [k for k, a in enumerate(args) if hasattr(a, "dtype") and hasattr(a, "shape")]

            def call(*arrays):
                full = list(args)
                for k, a in zip(pos, arrays, strict=True):
                    full[k] = a
                return getattr(xp, name)(*full, **kwargs)

            out = _vc.computed(name, call, *[args[k] for k in pos])
            # a backend array, as eagerly; while jit traces a Tensor, so that operators on
            # it (``signbit(x) & 1``) are recorded too
            from .. import transforms

            return transforms._result(Tensor(out)) if hasattr(out, "dtype") else out
        return getattr(xp, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``numpy.{name}`` on the data ({doc}; not differentiated). " \
                 f"Example: ``gnp.{name}(x)``"
    return fn


_INT_BOOL = {
    "argwhere": "integer valued", "flatnonzero": "integer valued",
    "count_nonzero": "integer valued", "searchsorted": "integer valued",
    "isneginf": "boolean valued", "isposinf": "boolean valued", "signbit": "boolean valued",
    "iscomplexobj": "boolean valued", "iscomplex": "boolean valued", "isreal": "boolean valued",
    "isrealobj": "boolean valued", "isscalar": "boolean valued", "result_type": "a dtype",
}
for _name, _doc in _INT_BOOL.items():
    globals()[_name] = _on_data(_name, _doc)


def _python_bool(name: str, a, b, **kw) -> bool:
    """NumPy's ``name(a, b, **kw)`` as a Python bool on every backend (CuPy answers a 0-d
    array): its value is read into Python, which ``gpuad.jit`` refuses for traced values."""
    if _batched_any((a, b), {}):
        return _on_batched(name, (a, b), kw)  # (raises: a truth value per example)
    _vc.host_read(f"{name}() (a Python bool: its value)", a, b)
    a, b = _raw.data(a), _raw.data(b)
    xp = _r._xp(a if hasattr(a, "dtype") else b)
    return True if getattr(xp, name)(a, b, **kw) else False


def array_equal(a1, a2, equal_nan: bool = False) -> bool:
    """Whether ``a1`` and ``a2`` have the same shape and elements, NaNs equal with
    ``equal_nan`` (boolean valued: not differentiated). Example: ``gnp.array_equal(x, y)``"""
    return _python_bool("array_equal", a1, a2, **({"equal_nan": True} if equal_nan else {}))


def array_equiv(a1, a2) -> bool:
    """Whether ``a1`` and ``a2`` broadcast to each other with equal elements (boolean valued:
    not differentiated). Example: ``gnp.array_equiv(x, y)``"""
    return _python_bool("array_equiv", a1, a2)


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
    d = _raw.data(a)
    if d.dtype.kind != "c":
        return a
    if tol > 1:
        tol = _np.finfo(d.dtype).eps * tol
    xp = _r._xp(d)
    if isinstance(d, Tensor):  # batched by vmap: every example must agree on the dtype
        close = xp.abs(d._data.imag) < tol
        axes = tuple(range(len(d._bat), close.ndim))
        per = xp.all(close, axis=axes) if axes else close
        if bool(xp.all(per)):
            return real(a)
        if not bool(xp.any(per)):
            return a
        raise TypeError("real_if_close inside gpuad.vmap: some examples are close to real and "
                        "others not, so their results would have different dtypes; take "
                        "gnp.real explicitly, or keep the complex values")
    close = bool(xp.all(xp.abs(d.imag) < tol))
    # the dtype of the result follows the values: a compiled program holds one
    _vc.keep_branch("real_if_close: values close to real (the result's dtype)", close,
                    lambda xp, v: xp.all(xp.abs(v.imag) < tol), d)
    return real(a) if close else a


__all__ = ["fmax", "fmin", "logaddexp2", "copysign", "heaviside", "fmod", "modf", "divmod",
           "frexp", "ldexp", "fabs", "float_power", "nan_to_num", "around", "round", "fix",
           "real_if_close", "array_equal", "array_equiv", *_INT_BOOL]

# abstract evaluation of the entrywise primitives declared here (broadcast shape, NumPy dtype)
for _op in (fmax, fmin, copysign, heaviside, _modf_frac, _frexp_m, _ldexp):
    _r.broadcasting(_op.rule)
del _op
