"""While tracing: the ways other libraries read a traced Tensor's memory as a raw array.

CuPy imports an operand through ``__cuda_array_interface__`` (its kernels, ``cupy.asarray``,
``a[i] = t``, ``a -= t``), and DLPack consumers (``cupy.from_dlpack``, ``numpy.from_dlpack``,
``torch.from_dlpack``) through ``__dlpack__``. A value computed that way from a traced Tensor is
computed outside the program: a replay would return the traced call's numbers as a constant.
While a trace runs, a Tensor whose value depends on the arguments therefore

- refuses ``__cuda_array_interface__`` with :class:`AttributeError` (CuPy then finds no such
  attribute and defers: ``cupy_array + t`` goes to the Tensor's operators and is recorded; a
  CuPy call that cannot defer fails instead of reading the memory), or with
  :class:`~gpuad.jit.trace.TracerError` when the caller is writing it into an array
  (``a[i] = t``, ``a -= t``), which has no recorded form;
- refuses ``__dlpack__`` with :class:`~gpuad.jit.trace.TracerError`.

``__array__`` and the Python conversions are refused in :mod:`gpuad.jit.hooks`.

Example::

    f = gpuad.jit(lambda t: cupy.from_dlpack(t) * 2)
    f(x)  # TracerError: ... use gpuad.numpy operations on the Tensor ...
"""

from __future__ import annotations

import linecache
import sys

from .. import _numpy_protocol as _P
from ..tensor import Tensor
from . import trace as _t


def _line() -> str:
    """'file:line in function: code' of the user's line: the first frame outside gpuad and
    the libraries that import arrays (CuPy, NumPy)."""
    f = sys._getframe(2)
    while f is not None and f.f_globals.get("__name__", "").partition(".")[0] in _LIBS:
        f = f.f_back
    if f is None:
        return "<unknown line>"
    line = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    return f"{f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}: {line}"


_LIBS = {"gpuad", "cupy", "cupyx", "numpy", "torch", "jax"}


def _traced(t: Tensor) -> bool:
    tr = _t.active()
    return tr is not None and tr.dyn(t._data)


def install(put) -> None:
    """Replace the two exporters on :class:`Tensor` through ``put(obj, name, new)`` (which
    notes what to restore when the trace ends)."""
    cai = Tensor.__dict__["__cuda_array_interface__"]

    def get_cai(self, _get=cai.fget):
        if _traced(self):
            if _P._writing_into_array():
                raise _t.TracerError(
                    f"jit: a traced value (shape {self.shape}, {self.dtype}) written into a "
                    f"CuPy array (a[i] = t, a -= t) at {_line()}: the write would copy "
                    f"its numbers outside the program, and a replay would write the traced "
                    f"call's numbers again. Make the array a Tensor (a = gpuad.tensor(a)), whose "
                    f"writes are recorded, or compute a new value (a = a - t)")
            raise AttributeError(
                "a traced Tensor does not export __cuda_array_interface__ while gpuad.jit "
                "traces (CuPy would compute from its memory outside the program); call "
                "gpuad.numpy functions on it")
        return _get(self)

    put(Tensor, "__cuda_array_interface__", property(get_cai, doc=cai.__doc__))
    dlpack = Tensor.__dict__["__dlpack__"]

    def traced_dlpack(self, *args, _orig=dlpack, **kwargs):
        if _traced(self):
            raise _t.TracerError(
                f"jit: export of a traced value (shape {self.shape}, {self.dtype}) through "
                f"DLPack (cupy.from_dlpack, numpy.from_dlpack, torch.from_dlpack) at "
                f"{_line()}: what the other library computes from its memory is not "
                f"recorded, and a replay would reuse the traced call's numbers as a constant. "
                f"Use gpuad.numpy operations on the Tensor, or call the other library outside "
                f"the jitted function")
        return _orig(self, *args, **kwargs)

    put(Tensor, "__dlpack__", traced_dlpack)
