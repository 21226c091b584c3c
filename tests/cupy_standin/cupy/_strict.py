"""Where CuPy refuses what NumPy accepts: Python scalars, lists and foreign objects given to
functions that take CuPy arrays only, and the dtypes its kernels have no loop for.

What the stand-in copies here, with CuPy's own messages:
- ``cupy.array``/``asarray`` of a list or tuple: a (nested) sequence holding only arrays of
  one type (all CuPy or all NumPy) and one shape is stacked; anything else (arrays mixed with
  Python numbers, say) goes through ``numpy.array``, where a CuPy array refuses the implicit
  conversion (``TypeError: Implicit conversion to a NumPy array is not allowed``);
- ``cupy.broadcast_to``, ``cupy.dot``/``ndarray.dot`` and ``cupy.matmul`` take CuPy arrays
  only (``TypeError: Argument 'array' has incorrect type (expected
  cupy._core.core._ndarray_base, got float)``);
- ``cupy.concatenate``/``stack`` join CuPy arrays only (``TypeError: Only cupy arrays can be
  concatenated``), of one or more dimensions for ``concatenate``;
- ``cupy.clip``/``ndarray.clip`` is a ufunc: lists are ``Unsupported type``, and it has no
  complex loop (``TypeError: Wrong type (...) of arguments for cupy_clip``).
"""

from __future__ import annotations

import numpy

from . import _core

_BASE = "cupy._core.core._ndarray_base"


def incorrect_type(arg: str, x) -> TypeError:
    return TypeError(f"Argument '{arg}' has incorrect type (expected {_BASE}, got "
                     f"{type(x).__name__})")


def require_array(arg: str, x) -> None:
    """CuPy's Cython signatures typed ``_ndarray_base``: anything else is a TypeError."""
    if type(x) is not _core.ndarray:
        raise incorrect_type(arg, x)


def concat_info(obj):
    """CuPy's ``_compute_concat_info_impl``: ``(shape, type, dtype)`` of a nested sequence
    holding only arrays of one type and shape (stacked by ``cupy.array``), else None."""
    if type(obj) is _core.ndarray or isinstance(obj, numpy.ndarray):
        return obj.shape, type(obj), obj.dtype
    if not isinstance(obj, (list, tuple)) or not obj:
        return None
    first = concat_info(obj[0])
    if first is None:
        return None
    shape, kind, dtype = first
    for e in obj[1:]:
        info = concat_info(e)
        if info is None or info[0] != shape or info[1] is not kind:
            return None
        dtype = numpy.promote_types(dtype, info[2])
    return (len(obj),) + shape, kind, dtype


def broadcast_to(array, shape):
    require_array("array", array)
    return _core.wrap(numpy.broadcast_to(array._a, shape))


_SCALARS = (numpy.generic, int, float, complex, bool)


def _ufunc_operand(x):
    """An operand of a CuPy ufunc (``_preprocess_args``): arrays, scalars and exporters of
    ``__cuda_array_interface__``; lists and NumPy arrays are ``Unsupported type``."""
    if x is None or type(x) is _core.ndarray or isinstance(x, _SCALARS):
        return x
    if isinstance(x, numpy.ndarray) or not hasattr(x, "__cuda_array_interface__"):
        raise _core._unsupported(x)
    return _core.wrap(_core._imported(x))


def clip(a, a_min=None, a_max=None, out=None, **kwargs):
    if type(a) is not _core.ndarray:
        raise AttributeError(f"'{type(a).__name__}' object has no attribute 'clip'")
    ops = [_ufunc_operand(x) for x in (a, a_min, a_max)]
    dtypes = tuple(getattr(x, "dtype", None) or numpy.asarray(x).dtype for x in ops
                   if x is not None)
    if any(d.kind == "c" for d in dtypes):
        raise TypeError(f"Wrong type ({dtypes}) of arguments for cupy_clip")
    return _core._call(numpy.clip, tuple(ops), dict(kwargs, out=_ufunc_operand(out))
                       if out is not None else kwargs)  # out= imported as CuPy's kernels do


def dot_checked(dot):
    """``cupy.dot``: ``a.dot(b)``, both CuPy arrays."""
    def f(a, b, out=None):
        if type(a) is not _core.ndarray:
            raise AttributeError(f"'{type(a).__name__}' object has no attribute 'dot'")
        require_array("b", b)
        return dot(a, b) if out is None else dot(a, b, out=out)

    f.__name__ = f.__qualname__ = "dot"
    f.__wrapped_numpy__ = numpy.dot
    return f


def matmul_checked(matmul):
    """``cupy.matmul``: CuPy's gufunc calls ``_core.matmul(a, b)``, typed on both arrays."""
    def f(a, b, out=None, **kwargs):
        require_array("a", a)
        require_array("b", b)
        return matmul(a, b, **kwargs) if out is None else matmul(a, b, out=out, **kwargs)

    f.__name__ = f.__qualname__ = "matmul"
    f.__wrapped_numpy__ = numpy.matmul
    return f


def _joinable(tup):
    """CuPy's ``concatenate_method``: CuPy arrays (or imported exporters) of one or more
    dimensions only."""
    arrays = []
    for x in tup:
        if type(x) is not _core.ndarray and not isinstance(x, (numpy.ndarray, *_SCALARS)) \
                and hasattr(x, "__cuda_array_interface__"):
            x = _core.wrap(_core._imported(x))
        if type(x) is not _core.ndarray:
            raise TypeError("Only cupy arrays can be concatenated")
        arrays.append(x)
    return arrays


def concatenate_checked(concatenate):
    def f(tup, axis=0, out=None, **kwargs):
        arrays = _joinable(tup)
        if any(a.ndim == 0 for a in arrays) and axis is not None:
            raise TypeError("zero-dimensional arrays cannot be concatenated")
        return concatenate(arrays, axis, out=out, **kwargs) if out is not None \
            else concatenate(arrays, axis, **kwargs)

    f.__name__ = f.__qualname__ = "concatenate"
    f.__wrapped_numpy__ = numpy.concatenate
    return f


def stack_checked(stack):
    """``cupy.stack``: ``concatenate`` of ``expand_dims`` of each, CuPy arrays only."""
    def f(tup, axis=0, out=None, **kwargs):
        arrays = _joinable(tup)
        return stack(arrays, axis, out=out, **kwargs) if out is not None \
            else stack(arrays, axis, **kwargs)

    f.__name__ = f.__qualname__ = "stack"
    f.__wrapped_numpy__ = numpy.stack
    return f
