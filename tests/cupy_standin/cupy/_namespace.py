"""The stand-in's functions: NumPy's, called on unwrapped arrays, with results wrapped."""

from __future__ import annotations

import numpy

from . import _capture, _core, _operands, _refusals, _strict
from ._core import _refuse_blas, delegate, ndarray, unwrap, wrap

_cache: dict[tuple[str, str], object] = {}

# functions that take NumPy arrays ("host to device") instead of refusing them
_HOST_INPUT = {"asarray", "array", "asanyarray"}
# what CuPy computes with cuBLAS (floating point) or cuSOLVER: refused while a stream captures
_BLAS = {"matmul", "dot", "vdot", "inner", "tensordot", "einsum"}


# functions that refuse what NumPy's accept (see _strict)
_STRICT = {"broadcast_to": lambda f: _strict.broadcast_to, "clip": lambda f: _strict.clip,
           "dot": _strict.dot_checked, "matmul": _strict.matmul_checked,
           "concatenate": _strict.concatenate_checked, "stack": _strict.stack_checked,
           "copyto": lambda f: _operands.copyto(f)}


def function(module, modname: str, name: str):
    """The stand-in for ``module.name`` (a NumPy function), made once; None if not a function."""
    key = (modname, name)
    f = _cache.get(key)
    if f is None:
        fn = getattr(module, name, None)
        if fn is None or isinstance(fn, type) or not callable(fn):
            return None
        f = delegate(fn, name)
        if modname == "cupy.linalg" and callable(f):
            f = _refusing(f, "cuSOLVER", always=True)
        elif modname == "cupy" and name in _BLAS:
            f = _refusing(f, "cuBLAS")
        elif modname == "cupy" and name in ("sum", "prod"):
            f = _method_call(f, name)
        if modname == "cupy" and name in _LIKE:
            f = _like_of_an_array(f)
        elif modname == "cupy" and name in _BOOL_0D:
            f = _zero_d_result(f)
        if modname == "cupy":
            f = _refusals.restricted(name, f)
            f = _STRICT.get(name, lambda g: g)(f)
        elif modname == "cupy.linalg":
            f = _refusals.linalg(name, f)
        f = _cache[key] = f
    return f


def _method_call(f, name: str):
    """CuPy's ``sum``/``prod`` call the argument's method with NumPy's positional order
    ``(axis, dtype, out, keepdims)`` (no ``__array_function__`` dispatch)."""
    def g(a, axis=None, dtype=None, out=None, keepdims=False):
        if isinstance(a, ndarray):
            return f(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)
        return getattr(a, name)(axis, dtype, out, keepdims)

    g.__name__ = g.__qualname__ = name
    g.__wrapped_numpy__ = f.__wrapped_numpy__
    return g


# CuPy's ``*_like`` read the prototype's dtype, flags and shape: a Python number has none
_LIKE = {"empty_like", "zeros_like", "ones_like", "full_like"}
# CuPy's answers to these are 0-d boolean arrays on the device, not Python bools
_BOOL_0D = {"allclose", "array_equal", "array_equiv"}


def _like_of_an_array(f):
    def g(a, *args, **kwargs):
        for attr in ("dtype", "flags"):
            if not hasattr(a, attr):
                raise AttributeError(f"'{type(a).__name__}' object has no attribute '{attr}'")
        return f(a, *args, **kwargs)

    g.__name__ = g.__qualname__ = f.__name__
    g.__wrapped_numpy__ = f.__wrapped_numpy__
    return g


def _zero_d_result(f):
    def g(*args, **kwargs):
        r = f(*args, **kwargs)
        return wrap(numpy.asarray(r)) if isinstance(r, (bool, numpy.bool_)) else r

    g.__name__ = g.__qualname__ = f.__name__
    g.__wrapped_numpy__ = f.__wrapped_numpy__
    return g


def _refusing(f, library: str, always: bool = False):
    def g(*args, **kwargs):
        if _capture.capturing():
            if always:
                _capture.refuse(library)
            _refuse_blas(*unwrap(args, strict=False))
        return f(*args, **kwargs)

    g.__name__ = g.__qualname__ = f.__name__
    g.__doc__ = f.__doc__
    g.__wrapped_numpy__ = f.__wrapped_numpy__
    return g


def lookup(func):
    """The stand-in function ``numpy.<mod>.<name>`` dispatches to (``__array_function__``)."""
    import importlib

    mod = getattr(func, "__module__", "") or ""
    name = func.__name__
    sub = mod.split(".")[1] if mod.startswith("numpy.") else ""
    target = {"linalg": "cupy.linalg", "fft": "cupy.fft"}.get(sub, "cupy")
    m = importlib.import_module(target)
    return getattr(m, name, None)


def _from_interface(obj):
    """A NumPy view of an object exporting ``__cuda_array_interface__`` whose pointer is, as
    everywhere in the stand-in, a host address."""
    iface = dict(obj.__cuda_array_interface__)

    class _Host:
        __array_interface__ = {"shape": iface["shape"], "typestr": iface["typestr"],
                               "data": iface["data"], "strides": iface.get("strides"),
                               "version": 3}

    return numpy.asarray(_Host())


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0):
    if type(obj) is ndarray:
        r = numpy.array(obj._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin)
        if r is obj._a:
            return obj
        kw = {"dtype": dtype, "order": order, "ndmin": ndmin}
        r = _capture.fresh(numpy.array, (obj._a,), kw, r)
        return wrap(r)
    if _capture.capturing() and not hasattr(obj, "__cuda_array_interface__"):
        raise RuntimeError("cupy stand-in: a copy from host memory while a stream is "
                           "capturing (pageable memory cannot be captured)")
    if hasattr(obj, "__cuda_array_interface__"):
        host = _from_interface(obj)
        return wrap(numpy.array(host, dtype=dtype, copy=copy, order=order, ndmin=ndmin))
    info = _strict.concat_info(obj) if isinstance(obj, (list, tuple)) else None
    if info is not None:  # a sequence of arrays of one type and shape: stacked
        return wrap(numpy.array(unwrap(obj, strict=False), dtype=dtype or info[2], copy=True,
                                order=order, ndmin=ndmin))
    # host data is copied to the "device"; a CuPy array inside refuses (its __array__)
    return wrap(numpy.array(obj, dtype=dtype, copy=True, order=order, ndmin=ndmin))


def asarray(a, dtype=None, order=None, *, blocking=False):
    if type(a) is ndarray:
        if dtype is None or numpy.dtype(dtype) == a.dtype:
            if order in (None, "K", "A") or (order == "C" and a.flags.c_contiguous) or (
                    order == "F" and a.flags.f_contiguous):
                return a
        r = numpy.asarray(a._a, dtype=dtype, order=order)
        r = _capture.fresh(numpy.asarray, (a._a,), {"dtype": dtype, "order": order}, r)
        return wrap(r)
    return array(a, dtype=dtype, copy=False if hasattr(a, "__cuda_array_interface__") else True,
                 order=order or "K")


asanyarray = asarray


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if type(a) is ndarray:
        return a.get(order=order, out=out)
    if hasattr(a, "__cuda_array_interface__") and not hasattr(a, "__array_interface__"):
        return numpy.array(_from_interface(a), order=order, copy=True)
    r = numpy.asarray(a, order=order)
    if out is not None:
        out[...] = r
        return out
    return r


def from_dlpack(x):
    # as CuPy: the device from __dlpack_device__, then the memory from __dlpack__(stream=...)
    # (an exporter may refuse there); the stand-in's arrays hand over their NumPy array
    if type(x) is ndarray:
        return x
    dev = x.__dlpack_device__()[0] if hasattr(x, "__dlpack_device__") else None
    if dev == 2 and hasattr(x, "__dlpack__"):
        exported = x.__dlpack__(stream=_core.DLPACK_STREAM)
        if isinstance(exported, _core.Exported):
            return wrap(exported.array)
    if hasattr(x, "__cuda_array_interface__"):
        return wrap(_from_interface(x))
    raise RuntimeError(f"cupy stand-in: from_dlpack of an array on DLPack device {dev}: "
                       "CuPy imports device arrays only")


def get_array_module(*args):
    import cupy

    return cupy if any(type(a) is ndarray for a in args) else numpy


def ascontiguousarray(a, dtype=None):
    r = numpy.ascontiguousarray(unwrap(a), dtype=dtype)
    r = _capture.fresh(numpy.ascontiguousarray, (unwrap(a),), {"dtype": dtype}, r)
    return wrap(r)


def asfortranarray(a, dtype=None):
    r = numpy.asfortranarray(unwrap(a), dtype=dtype)
    r = _capture.fresh(numpy.asfortranarray, (unwrap(a),), {"dtype": dtype}, r)
    return wrap(r)


def isscalar(x):
    return numpy.isscalar(x)


def take(a, indices, axis=None, out=None):
    """CuPy's ``take`` has no ``mode``: out-of-bounds indices wrap around."""
    arr = unwrap(a)
    n = arr.size if axis is None else arr.shape[axis]
    idx = numpy.mod(unwrap(indices, strict=False), n) if n else unwrap(indices)
    if out is not None and _capture.write(numpy.take, (arr, idx),
                                          {"axis": axis, "out": unwrap(out)}):
        return out
    r = numpy.take(arr, idx, axis=axis, out=unwrap(out))
    if out is None:
        r = _capture.fresh(numpy.take, (arr, idx), {"axis": axis}, r)
    return out if out is not None else wrap(r)
