"""How CuPy (14.2) takes objects that are not its own arrays where it runs a kernel or writes.

What the stand-in copies here:
- ``kernel_args``: CuPy's ``_preprocess_arg`` (``cupy/_core/_kernel.pyx``), applied by its ufuncs
  to every input and to the ``out=`` arrays: a CuPy array is used as it is, an object exporting
  ``__cuda_array_interface__`` is imported as a view of its memory (so an ``out=`` of that kind
  is written through, whatever it is), Python and NumPy scalars are scalars, and anything else
  (NumPy arrays, lists) is ``TypeError: Unsupported type <class ...>``;
- ``copyto``: ``cupy/_manipulation/basic.py``, which reads ``dst.dtype`` and ``dst.size``, calls
  ``dst.fill`` for a Python scalar, checks ``dst.flags``/``src.flags`` before a memcpy, and
  otherwise runs its copy kernels with ``dst`` as their output;
- ``handles``: ``ndarray.__array_function__`` defers (``NotImplemented``) when an argument's type
  is neither a CuPy nor a NumPy array (``_HANDLED_TYPES`` in ``cupy/_core/core.pyx``).
"""

from __future__ import annotations

import numpy

from . import _core

_PY_SCALARS = (int, float, complex, bool)


def kernel_operand(x):
    """One operand of a CuPy kernel, as ``_preprocess_arg`` takes it."""
    if type(x) is _core.ndarray:
        return x
    if hasattr(x, "__cuda_array_interface__"):
        return _core.wrap(_core._imported(x))
    if type(x) in _PY_SCALARS or isinstance(x, numpy.generic):
        return x
    raise TypeError(f"Unsupported type {type(x)}")


def kernel_args(nin: int, args: tuple, kwargs: dict):
    """The inputs and outputs of a CuPy ufunc call, preprocessed as CuPy does before running
    anything (inputs first, then the outputs, ``None`` outputs left to be allocated)."""
    ins = tuple(kernel_operand(x) for x in args[:nin])
    outs = tuple(None if x is None else kernel_operand(x) for x in args[nin:])
    out = kwargs.get("out")
    if out is not None:
        kwargs = dict(kwargs)
        kwargs["out"] = (tuple(None if o is None else kernel_operand(o) for o in out)
                         if isinstance(out, tuple) else kernel_operand(out))
    return ins + outs, kwargs


def handles(types) -> bool:
    """Whether CuPy's ``__array_function__`` takes a call whose arguments have ``types``."""
    return all(issubclass(t, (_core.ndarray, numpy.ndarray)) for t in types)


def copyto(delegate):
    """``cupy.copyto`` as CuPy's Python function runs it: on a destination that is not a CuPy
    array it reads that object's attributes, and its kernels import (and write through) an
    exporter of ``__cuda_array_interface__``."""

    def copyto(dst, src, casting="same_kind", where=None):
        plain = (type(src) is _core.ndarray or type(src) in _PY_SCALARS
                 or isinstance(src, (numpy.generic, numpy.ndarray)))
        if type(dst) is _core.ndarray and plain and (where is None or type(where) is
                                                     _core.ndarray):
            if where is None:
                return delegate(dst, src, casting=casting)
            return delegate(dst, src, casting=casting, where=where)
        scalar = type(src) in _PY_SCALARS
        src_dtype = numpy.dtype(type(src)) if scalar else src.dtype
        if not numpy.can_cast(src_dtype, dst.dtype, casting):
            raise TypeError(f"Cannot cast {src_dtype} to {dst.dtype} in {casting} casting mode")
        if dst.size == 0:
            return None
        if scalar and where is None:
            dst.fill(src)
            return None
        kw = {"casting": "unsafe"}
        if where is None:
            if _can_memcpy(dst, src):
                mem = dst.data
                if not isinstance(mem, _core.MemoryPointer):
                    raise AttributeError(f"'{type(mem).__name__}' object has no attribute "
                                         f"'copy_from_async'")
        else:
            kw["where"] = kernel_operand(where)
        _core._call(numpy.copyto, (kernel_operand(dst), kernel_operand(src)), kw)
        return None

    copyto.__wrapped_numpy__ = numpy.copyto
    return copyto


def _can_memcpy(dst, src) -> bool:
    c = dst.flags.c_contiguous and src.flags.c_contiguous
    f = dst.flags.f_contiguous and src.flags.f_contiguous
    return (c or f) and dst.dtype == src.dtype and dst.size == src.size
