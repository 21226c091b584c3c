"""Arrays from Tensors and containers of Tensors (``array``, ``asarray``) and evenly spaced
samples with Tensor endpoints (``linspace``, ``logspace``, ``geomspace``), all recorded."""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import _numpy_protocol as _p
from .. import _value_checks as _vc
from .. import rules as _r
from ..backends import get_backend
from ..tensor import Tensor, refuse_untracked_cast
from . import _xp_fallbacks as _fb


def _check_device(device: Any, op: str) -> None:
    """NumPy 2's ``device=`` of the creation functions: None, ``"cpu"`` (NumPy's one device)
    or the active backend's own device are taken (the array is made on the backend's device,
    as every gpuad array); any other device raises, naming it."""
    if device is None or device == "cpu":
        return
    xp = get_backend().xp
    here = getattr(xp.empty(0), "device", "cpu")
    if device is here or str(device) == str(here) or (
            getattr(here, "id", None) is not None and getattr(device, "id", None) == here.id):
        return  # (CuPy's Device: the same id)
    raise ValueError(f"{op}: device={device!r} is not supported: gpuad makes its arrays on the "
                     f"active backend's device ({here}); pass device=None or \"cpu\"")


def array(obj: Any, dtype: Any = None, copy: bool | None = True, order: str = "K",
          subok: bool = False, ndmin: int = 0):
    """``numpy.array``: a Tensor, or a list/tuple holding Tensors, gives a recorded Tensor (a
    copy, a stack); anything else a backend array (NumPy or CuPy). ``ndmin`` prepends
    length-one axes.

    Example: ``gnp.array([s, 2 * s, 3.0])`` is differentiable in ``s``.
    """
    r = _array(obj, dtype, copy)
    nd = _r.ndim(r)
    if ndmin > nd:
        r = _r.reshape(r, (1,) * (ndmin - nd) + tuple(_r.shape(r)))
    return r


def _array(obj: Any, dtype: Any, copy: bool | None):
    if isinstance(obj, Tensor):
        if copy is False:
            if dtype is not None and _np.dtype(dtype) != obj.dtype:
                raise ValueError(
                    f"array: copy=False but converting a Tensor of dtype {obj.dtype} to {dtype} "
                    f"needs a copy"
                )
            return obj
        if dtype is not None and _np.dtype(dtype) != obj.dtype:
            refuse_untracked_cast(obj, dtype)
            return _r.astype(obj, dtype)
        return _r.copy(obj) if copy else obj
    if copy is False and obj.__class__ in _p._CONTAINERS:  # a list is always copied
        raise ValueError(f"array: copy=False, but a {type(obj).__name__} cannot become an "
                         f"array without a copy (use copy=None or True)")
    if obj.__class__ in _p._CONTAINERS and _p.holds_tensor(obj):
        t = _p.stack_tree(obj)
        if dtype is None or _np.dtype(dtype) == t.dtype:
            return t
        refuse_untracked_cast(t, dtype)
        return _r.astype(t, dtype)
    be = get_backend()
    if obj.__class__ in _p._CONTAINERS:
        return be.asarray(obj, dtype)  # device arrays in a list: stacked on the device
    return be.xp.array(obj, dtype=dtype, copy=copy)


def asarray(obj: Any, dtype: Any = None, order: str | None = None, *, device: Any = None,
            copy: bool | None = None):
    """``numpy.asarray``: a Tensor is returned as it is (kept on the tape; cast if ``dtype``
    differs), a list/tuple holding Tensors gives their recorded stack, anything else a backend
    array without a copy where possible. ``copy=True`` always copies (``gnp.array``);
    ``copy=False`` raises ValueError where a copy cannot be avoided, as NumPy's.

    Example: ``gnp.sum(gnp.asarray(v) * v)`` has gradient ``2 v``.
    """
    if order not in (None, "K", "A", "C", "F"):
        raise ValueError(f"asarray: order must be one of 'K', 'A', 'C', 'F', got {order!r}")
    _check_device(device, "asarray")
    if copy:
        return array(obj, dtype=dtype, copy=True)
    if copy is False:
        _no_copy_possible(obj, dtype)
    if isinstance(obj, Tensor):
        if dtype is not None and _np.dtype(dtype) != obj.dtype:
            refuse_untracked_cast(obj, dtype)
            return _r.astype(obj, dtype)
        if obj.__class__ is not Tensor:  # a traced Python float (gpuad.jit.weak): an array
            return getattr(obj, "as_array", _same)(obj)
        return obj
    if obj.__class__ in _p._CONTAINERS and _p.holds_tensor(obj):
        return array(obj, dtype=dtype)
    return get_backend().asarray(obj, dtype=dtype)


def _same(obj):
    return obj


def _no_copy_possible(obj: Any, dtype: Any) -> None:
    """asarray(copy=False): NumPy's ValueError where the result could not share ``obj``."""
    if isinstance(obj, Tensor):
        need = dtype is not None and _np.dtype(dtype) != obj.dtype
    else:
        xp = get_backend().xp
        if isinstance(obj, xp.ndarray):
            need = dtype is not None and _np.dtype(dtype) != obj.dtype
        elif xp is _np:
            try:
                _np.asarray(obj, dtype=dtype, copy=False)
                need = False
            except ValueError:
                need = True
        else:  # host data to a device array is always a copy
            need = True
    if need:
        raise ValueError(f"asarray: copy=False, but a {type(obj).__name__} cannot become an "
                         f"array of dtype {dtype} without a copy (use copy=None or True)")


def _batched(*vals) -> bool:
    return any(isinstance(v, Tensor) and v._bat is not None for v in vals)


def _tracked(*vals) -> bool:
    return any(isinstance(v, Tensor) for v in vals)


def _to_arg(v):
    return _p.as_array_arg(v)


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = None, axis: int = 0):
    """``numpy.linspace``; differentiable in ``start`` and ``stop`` when they are Tensors
    (then a Tensor; otherwise a backend array as NumPy's).

    Example: ``gnp.sum(gnp.linspace(s, 2 * s, 5))`` has derivative 7.5 in ``s``.
    """
    start, stop = _to_arg(start), _to_arg(stop)
    if not _tracked(start, stop) and not _batched(start, stop):
        xp = get_backend().xp
        return xp.linspace(_r.data(start), _r.data(stop), num, endpoint=endpoint,
                           retstep=retstep, dtype=dtype, axis=axis)
    num = int(num)
    if num < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative")
    div = (num - 1) if endpoint else num
    like = start if isinstance(start, Tensor) else stop
    xp = _r._xp(like)
    # NumPy's type: result_type(start, stop, float(num)), Python numbers weak
    fdt = _np.result_type(*(getattr(_r.data(v), "dtype", v) for v in (start, stop)),
                          float(num))
    bshape = _np.broadcast_shapes(_r.shape(start), _r.shape(stop))
    steps = xp.arange(num, dtype=fdt).reshape((num,) + (1,) * len(bshape))
    # NumPy's start * 1.0: integer and bool end points as float64 before the difference
    start, stop = (_r.astype(v, _np.float64) if isinstance(v, Tensor) and v.dtype.kind in "iub"
                   else v for v in (start, stop))
    delta = stop - start
    if div > 0:
        step = delta / div
        y = steps * step + start  # NumPy's formula, so the values agree to the last bit
        if endpoint and num > 1:  # the last sample is exactly ``stop``, as NumPy makes it
            last = xp.zeros(steps.shape, dtype=bool)
            last[-1] = True
            y = _r.where(last, _r.broadcast_to(stop, (1,) + bshape) if bshape else stop, y)
    else:
        y = steps * delta + start
        step = _np.nan
    y = _r.broadcast_to(y, (num,) + bshape) if _r.shape(y) != (num,) + bshape else y
    if axis != 0:
        from . import moveaxis

        y = moveaxis(y, 0, axis)
    if dtype is not None and _np.dtype(dtype) != _r.data(y).dtype:
        if _np.dtype(dtype).kind in "iu":
            y = _r.floor(y)
        y = _r.astype(y, dtype)
    return (y, step) if retstep else y


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10.0, dtype: Any = None,
             axis: int = 0):
    """``numpy.logspace``: ``base ** linspace(start, stop)``; differentiable in ``start``,
    ``stop`` and ``base`` when they are Tensors.

    Example: ``gnp.logspace(0.0, s, 4)``
    """
    start, stop, base = _to_arg(start), _to_arg(stop), _to_arg(base)
    if not _tracked(start, stop, base):
        return get_backend().xp.logspace(_r.data(start), _r.data(stop), num, endpoint=endpoint,
                                         base=_r.data(base), dtype=dtype, axis=axis)
    nd = max(_r.ndim(base), _r.ndim(start), _r.ndim(stop))
    if _r.ndim(base):  # NumPy's: start and stop get base's leading axes first (ndmin)
        start, stop = (_r.reshape(v, (1,) * (nd - _r.ndim(v)) + tuple(_r.shape(v)))
                       if isinstance(v, Tensor) else
                       _np.reshape(v, (1,) * (nd - _np.ndim(v)) + _np.shape(v))
                       for v in (start, stop))
    y = linspace(start, stop, num, endpoint=endpoint, axis=axis)
    if _r.ndim(base):
        from . import expand_dims

        base = expand_dims(base, axis)
    want = _np.result_type(getattr(_r.data(base), "dtype", base), _r.data(y).dtype)
    y = _r.power(base, y)
    if dtype is None and _r.data(y).dtype != want:  # a Python base is weak, as in NumPy
        y = _r.astype(y, want)
    if dtype is not None and _np.dtype(dtype) != _r.data(y).dtype:
        y = _r.astype(y, dtype)
    return y


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0):
    """``numpy.geomspace`` (a geometric progression from ``start`` to ``stop``, both of one
    sign); differentiable in real ``start`` and ``stop`` when they are Tensors.

    Example: ``gnp.geomspace(s, 8 * s, 4)``
    """
    start, stop = _to_arg(start), _to_arg(stop)
    bat = _batched(start, stop)
    if not _tracked(start, stop) and not bat:
        xp = get_backend().xp
        if _fb.lacks(xp, "geomspace"):  # CuPy: NumPy's steps from its log10, linspace, power
            return _fb.geomspace(xp, _r.data(start), _r.data(stop), num, endpoint, dtype, axis)
        return xp.geomspace(_r.data(start), _r.data(stop), num, endpoint=endpoint, dtype=dtype,
                            axis=axis)
    s0, s1 = _r.data(start), _r.data(stop)
    if _np.iscomplexobj(s0) or _np.iscomplexobj(s1):
        raise TypeError("geomspace: complex endpoints are not differentiated; pass real ones")
    # NumPy's type: result_type(start, stop, float(num), float64): float32 ends give float64
    dt = _np.result_type(*(getattr(s, "dtype", s) for s in (s0, s1)), float(num), _np.float64)
    start, stop = (_r.astype(v, dt) if isinstance(v, Tensor) and v.dtype != dt else v
                   for v in (start, stop))
    s0, s1 = _r.data(start), _r.data(stop)
    xp = _r._xp(start if isinstance(start, Tensor) else stop)
    if bat:  # vmap: the checks see every example at once; the sign is a batched constant
        s0, s1 = (s if isinstance(s, Tensor) else xp.asarray(s) for s in (s0, s1))
        sign = _r.sign(s0)
        whole = [v._data if isinstance(v, Tensor) else v
                 for v in (s0, s1, _r.not_equal(sign, _r.sign(s1)))]
        # (value checks: steps of the program under jit, checked on every call; start and
        # stop may differ in rank, their batch axis first: each is tested on its own)
        _vc.fail_if("geomspace_zero", lambda xp, a, b: xp.any(a == 0) | xp.any(b == 0),
                    lambda: ValueError(
            "geomspace: geometric sequence cannot include zero"), whole[0], whole[1])
        _vc.fail_if("geomspace_sign", lambda xp, c: c, lambda: ValueError(
            "geomspace: start and stop must have the same sign to be differentiated (NumPy "
            "would return complex values)"), whole[2])
    else:  # checked on every call of a compiled function
        _vc.fail_if("geomspace_zero", lambda xp, a, b: (a == 0) | (b == 0), lambda: ValueError(
            "geomspace: geometric sequence cannot include zero"), s0, s1)
        _vc.fail_if("geomspace_sign", lambda xp, a, b: _sign(xp, a) != _sign(xp, b),
                    lambda: ValueError("geomspace: start and stop must have the same sign to "
                                       "be differentiated (NumPy would return complex values)"),
                    s0, s1)
        sign = _sign(xp, s0)
    a, b = start * sign, stop * sign
    y = _r.exp(linspace(_r.log(a), _r.log(b), num, endpoint=endpoint, axis=0))
    num = int(num)
    if num > 0:  # the ends are exactly start and stop, as NumPy makes them
        bshape = _np.broadcast_shapes(_r.shape(a), _r.shape(b))
        ends = xp.zeros((num,) + (1,) * len(bshape), dtype=bool)
        ends[0] = True
        y = _r.where(ends, _r.broadcast_to(a, (1,) + bshape) if bshape else a, y)
        if endpoint and num > 1:
            ends = xp.zeros((num,) + (1,) * len(bshape), dtype=bool)
            ends[-1] = True
            y = _r.where(ends, _r.broadcast_to(b, (1,) + bshape) if bshape else b, y)
    y = y * sign
    if axis != 0:
        from . import moveaxis

        y = moveaxis(y, 0, axis)
    if dtype is not None and _np.dtype(dtype) != _r.data(y).dtype:
        y = _r.astype(y, dtype)
    return y


def _sign(xp, v):
    return xp.sign(v) if hasattr(v, "shape") else _np.sign(v)


# ---- bytes, strings and files (constants: no derivative flows through them) ----------------


def frombuffer(buffer: Any, dtype: Any = float, count: int = -1, offset: int = 0) -> Any:
    """``numpy.frombuffer`` as a backend array (copied to the device under CuPy).

    Example: ``gnp.frombuffer(b"\\x01\\x02", dtype="uint8")``"""
    return get_backend().asarray(_np.frombuffer(buffer, dtype=dtype, count=count,
                                                offset=offset))


def fromstring(string: str, dtype: Any = float, count: int = -1, *, sep: str) -> Any:
    """``numpy.fromstring`` (text with ``sep``) as a backend array.

    Example: ``gnp.fromstring("1,2,3", sep=",", dtype=int)``"""
    return get_backend().asarray(_np.fromstring(string, dtype=dtype, count=count, sep=sep))


def save(file: Any, arr: Any, allow_pickle: bool = True) -> None:
    """``numpy.save`` of an array or Tensor's value (the value only: the tape is not saved).

    Example: ``gnp.save("w.npy", w)``"""
    _np.save(file, _host(arr), allow_pickle=allow_pickle)


def load(file: Any, *args: Any, **kwargs: Any) -> Any:
    """``numpy.load`` of a ``.npy`` file as a backend array (``.npz`` archives as NumPy's
    mapping of host arrays). Example: ``w = gnp.load("w.npy")``"""
    r = _np.load(file, *args, **kwargs)
    return get_backend().asarray(r) if isinstance(r, _np.ndarray) and r.dtype != object else r


def _host(arr: Any) -> Any:
    if isinstance(arr, Tensor):
        if arr._bat is not None:
            raise TypeError("save: the argument is batched by gpuad.vmap; save outside vmap")
        return arr.numpy()
    xp = get_backend().xp
    return xp.asnumpy(arr) if xp is not _np and isinstance(arr, xp.ndarray) else arr
