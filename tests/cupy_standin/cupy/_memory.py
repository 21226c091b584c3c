"""Device memory in the stand-in as CuPy's allocator hands it out.

CuPy allocates every array through the current allocator (``cupy.cuda.alloc``: the default
memory pool's ``malloc``, or the function given to ``cupy.cuda.using_allocator``), which returns
a ``MemoryPointer`` whose ``mem`` is the memory object; an array holds its MemoryPointer in
``data``, a view shares it (or makes one of its own over the same ``mem``) and holds the array
it views as ``base``. The memory goes back to the pool when nothing refers to ``mem``.

The stand-in copies what gpuad relies on:

- ``MemoryPool.malloc(size)`` returns a MemoryPointer over a fresh host block (its ``mem`` is
  the block: a NumPy ``uint8`` array of ``size`` rounded up to 512 bytes, as CuPy rounds);
- inside ``using_allocator(f)``, ``ndarray(shape, dtype)`` and every new result (see
  ``_capture.fresh``) are placed in a block ``f`` returns, so an allocator that returns the
  same block twice gets two arrays over the same memory, as on a GPU;
- ``a.data.mem`` is the NumPy array that owns ``a``'s memory (the block, for an array placed in
  one): every stand-in array over that memory, view or not, holds a reference to it.

Outside an allocator's context NumPy allocates, as before.

Device addresses in the stand-in: ``a.data.ptr`` is the address of the array's NumPy
memory, and a registry of the live buffers whose addresses were handed out turns an address
back into that memory, as a device pointer names device memory. ``cupy.ndarray(shape, dtype,
memptr=..., strides=...)`` and the fake cuBLAS (``_cublas_c``) read and write through it; an
address no live buffer holds is an error, as an illegal address is on a device.
"""

from __future__ import annotations

import contextlib
import threading
import weakref

import numpy

_UNIT = 512  # CuPy's pool rounds sizes up to this


class _Local(threading.local):
    allocator = None


_local = _Local()


def malloc(size: int):
    """A MemoryPointer over a new block of at least ``size`` bytes."""
    from ._core import MemoryPointer

    n = -(-int(size) // _UNIT) * _UNIT
    return MemoryPointer(numpy.zeros(n, numpy.uint8))


@contextlib.contextmanager
def using_allocator(allocator=None):
    """``cupy.cuda.using_allocator``: allocations in this thread go to ``allocator``."""
    old = _local.allocator
    _local.allocator = allocator if allocator is not None else malloc
    try:
        yield
    finally:
        _local.allocator = old


def root(a: numpy.ndarray) -> numpy.ndarray:
    """The NumPy array that owns ``a``'s memory (``a`` itself when it owns it)."""
    while isinstance(a.base, numpy.ndarray):
        a = a.base
    return a


def new(shape, dtype, order: str = "C") -> numpy.ndarray | None:
    """An uninitialised array in a block from the current allocator, or None outside
    ``using_allocator`` (NumPy allocates then)."""
    alloc = _local.allocator
    if alloc is None:
        return None
    dtype = numpy.dtype(dtype)
    if dtype.hasobject or dtype.kind in "OUSV":
        return None  # (refused by the caller, as CuPy refuses such dtypes)
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (int(shape),)
    n = dtype.itemsize
    for d in shape:
        n *= int(d)
    block = alloc(n).mem
    return block[:n].view(dtype).reshape(shape, order=order)


def idle() -> bool:
    """Whether no allocator is in use in this thread (NumPy allocates)."""
    return _local.allocator is None


def rehome(result, made: list, written: bool = False):
    """``result`` (an operation's new array, or a tuple or list of them) with each array of
    ``made`` that owns its C-contiguous memory, and shares it with no other, moved into a block
    from the current allocator (its content kept where ``written``, the operation having run;
    else, while capturing, a float one holds NaN, as memory no kernel has written yet);
    unchanged outside ``using_allocator``."""
    if _local.allocator is None or not made:
        return result
    homes: dict[int, numpy.ndarray] = {}
    for r in made:
        if not (r.flags.owndata and r.flags.c_contiguous) or any(
                o is not r and numpy.may_share_memory(o, r) for o in made):
            continue
        h = new(r.shape, r.dtype)
        if h is None:
            continue
        if h.dtype.kind in "fc" and not written:
            h[...] = numpy.nan
        else:
            h[...] = r
        homes[id(r)] = h
    return _swap(result, homes)


def _swap(x, homes: dict):
    if isinstance(x, numpy.ndarray):
        return homes.get(id(x), x)
    if type(x) is tuple:
        return tuple(_swap(v, homes) for v in x)
    if type(x) is list:
        return [_swap(v, homes) for v in x]
    return x


_live: dict[int, tuple] = {}  # id(owner) -> (weak reference, first address, end address)


def register(a: numpy.ndarray) -> None:
    """Keep the buffer under ``a`` findable by address while it lives."""
    o = root(a)
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
