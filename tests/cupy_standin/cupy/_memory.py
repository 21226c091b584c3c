"""Device addresses in the stand-in: ``a.data.ptr`` is the address of the array's NumPy
memory, and a registry of the live buffers whose addresses were handed out turns an address
back into that memory, as a device pointer names device memory. ``cupy.ndarray(shape, dtype,
memptr=..., strides=...)`` and the fake cuBLAS (``_cublas_c``) read and write through it; an
address no live buffer holds is an error, as an illegal address is on a device."""

from __future__ import annotations

import weakref

import numpy

_live: dict[int, tuple] = {}  # id(owner) -> (weak reference, first address, end address)


def _owner(a: numpy.ndarray) -> numpy.ndarray:
    while isinstance(a.base, numpy.ndarray):
        a = a.base
    return a


def register(a: numpy.ndarray) -> None:
    """Keep the buffer under ``a`` findable by address while it lives."""
    o = _owner(a)
    key = id(o)
    if key in _live and _live[key][0]() is o or not (o.flags.c_contiguous or
                                                     o.flags.f_contiguous):
        return
    start = o.__array_interface__["data"][0]

    def gone(ref, key=key):
        if _live.get(key, (None,))[0] is ref:
            del _live[key]
    _live[key] = (weakref.ref(o, gone), start, start + o.nbytes)


def view(ptr: int, dtype, shape: tuple, strides: tuple | None = None) -> numpy.ndarray:
    """The NumPy array at address ``ptr`` (byte strides ``strides``, C order if None) over
    the live buffer that holds all of it."""
    dtype = numpy.dtype(dtype)
    shape = tuple(int(d) for d in shape)
    if strides is None:
        strides = tuple(int(numpy.prod(shape[i + 1:], dtype=int)) * dtype.itemsize
                        for i in range(len(shape)))
    if any(s < 0 for d, s in zip(shape, strides, strict=True) if d > 1):
        raise ValueError("cupy stand-in: negative strides over an address are not supported")
    extent = 0 if 0 in shape else dtype.itemsize + sum(
        (d - 1) * s for d, s in zip(shape, strides, strict=True) if d > 1)
    for ref, start, end in list(_live.values()):
        o = ref()
        if o is not None and start <= ptr and ptr + extent <= end:
            return numpy.ndarray(shape, dtype, buffer=o, offset=ptr - start, strides=strides)
    raise ValueError(f"cupy stand-in: illegal address: no live device memory holds the "
                     f"{extent} bytes at {ptr:#x}")
