"""Stream capture in the stand-in: what runs while a stream captures is recorded, as a CUDA
graph records kernels, and a launch replays the record.

A real capture runs nothing: each kernel is recorded with its arguments, arrays by address
and scalars by value, and ``graph.launch()`` runs them all again on whatever the memory holds
then. The stand-in copies that closely enough for code that bakes a host value into a kernel
to give visibly wrong results on a launch:

- an operation that makes a new array runs (its shape and dtype are needed) and is recorded;
  its result is then filled with garbage (NaN for floats), as memory a kernel has not yet
  written would hold; a view runs and is not recorded (it is no kernel);
- an operation that writes an existing array (``out=``, ``a += b``, ``a[i] = v``, ``fill``,
  scatters, Numba kernels) is recorded and does not run, so capturing changes no array;
- a launch runs the record in order: new results are copied into the arrays made while
  capturing, writes write again. Python scalars are the values seen while capturing; arrays
  are read as they are at the launch.

What CuPy refuses while a stream captures is refused too: host synchronisation (``.get()``,
``float()``, ...), copies from host memory, and cuBLAS, cuSOLVER and cuRAND calls
(``NotImplementedError``, CuPy's "calling cuBLAS API during stream capture is currently
unsupported").
"""

from __future__ import annotations

import numpy

from . import _memory

_log: list | None = None  # the record of the capture in progress


def capturing() -> bool:
    return _log is not None


def begin() -> None:
    global _log
    _log = []


def end() -> list:
    global _log
    log, _log = _log, None
    return log or []


def refuse(library: str) -> None:
    """Raise as CuPy does for a library call on a capturing stream."""
    if _log is not None:
        raise NotImplementedError(f"calling {library} API during stream capture is currently "
                                  f"unsupported")


def _arrays(obj, out: list) -> None:
    if isinstance(obj, numpy.ndarray):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _arrays(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _arrays(o, out)


def _garbage(a: numpy.ndarray) -> None:
    if a.dtype.kind in "fc" and a.flags.writeable and a.flags.owndata:  # never a view
        a[...] = numpy.nan


def _arrayed(r):
    """NumPy scalars as 0-d arrays (the memory the stand-in's result will wrap)."""
    if isinstance(r, numpy.generic):
        return numpy.asarray(r)
    if type(r) is tuple:
        return tuple(_arrayed(x) for x in r)
    if type(r) is list:
        return [_arrayed(x) for x in r]
    return r


def fresh(fn, args: tuple, kwargs: dict, result):
    """``result = fn(*args, **kwargs)`` has run on unwrapped arrays while capturing: record
    it unless it is a view of an argument. Returns the result to wrap (scalars made 0-d
    arrays, so the launch writes the memory the caller holds)."""
    if _log is None and _memory.idle():
        return result
    result = _arrayed(result)
    outs: list = []
    _arrays(result, outs)
    ins: list = []
    _arrays((args, kwargs, getattr(fn, "__self__", None)), ins)  # a method's own array too
    made = [r for r in outs if not any(numpy.may_share_memory(r, a) for a in ins)]
    if not made:
        return result
    # (into the blocks of the allocator in use, if any, as CuPy allocates every new array)
    result = _memory.rehome(result, made, written=_log is None)
    if _log is None:
        return result
    _log.append(("fresh", fn, args, kwargs, result))
    for r in made:
        _garbage(r)
    return result


def write(fn, args: tuple, kwargs: dict) -> bool:
    """Record a write while capturing (it does not run): True if recorded."""
    if _log is None:
        return False
    _log.append(("write", fn, args, kwargs, None))
    return True


def replay(log: list) -> None:
    """Run a record again (a graph launch)."""
    for kind, fn, args, kwargs, result in log:
        r = fn(*args, **kwargs)
        if kind == "fresh":
            _assign(result, r)


def _assign(dst, src) -> None:
    if isinstance(dst, numpy.ndarray):
        if not dst.flags.writeable:  # a broadcast view: CuPy writes through it
            dst.flags.writeable = True
        dst[...] = src
    elif isinstance(dst, (list, tuple)):
        for d, s in zip(dst, src, strict=True):
            _assign(d, s)
