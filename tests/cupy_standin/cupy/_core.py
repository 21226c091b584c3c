"""The stand-in's array type: a NumPy array in a wrapper that behaves as CuPy's does.

What CuPy does and the wrapper copies, because gpuad's CuPy path depends on it:
- ``type(a) is cupy.ndarray`` for every result, and it is not a ``numpy.ndarray``;
- reductions and integer indexing give 0-d arrays, never NumPy scalars;
- no implicit conversion to NumPy (``numpy.asarray(a)`` raises ``TypeError``; ``.get()``,
  ``cupy.asnumpy`` and ``float()``/``int()``/``bool()``/``.item()`` are the explicit ways);
- NumPy arrays are refused as operands of arithmetic, ufuncs and most functions
  (``TypeError: Unsupported type``); ``cupy.asarray`` copies them ("to the device");
- NumPy ufuncs and functions called on stand-in arrays dispatch to the stand-in
  (``__array_ufunc__``/``__array_function__``), as they dispatch to CuPy;
- under ``cupyx.allow_synchronize(False)`` every device-to-host transfer raises;
- arrays have no read-only flag (``flags`` holds only the contiguity and ``owndata``): a write
  into a broadcast view, which NumPy marks read-only, goes to the memory it shares.
"""

from __future__ import annotations

import contextlib
import threading

import numpy

from . import _capture, _memory, _refusals

_BAD_KINDS = "OUSV"


class DeviceSynchronized(RuntimeError):
    """A device-to-host synchronisation happened inside ``cupyx.allow_synchronize(False)``."""


class _SyncState(threading.local):
    allowed = True


_sync = _SyncState()


@contextlib.contextmanager
def allow_synchronize(allow: bool):
    old = _sync.allowed
    _sync.allowed = bool(allow)
    try:
        yield
    finally:
        _sync.allowed = old


def _synchronizes(what: str) -> None:
    if _capture.capturing():
        raise RuntimeError(f"cupy stand-in: {what} synchronises the device with the host while "
                           "a stream is capturing")
    if not _sync.allowed:
        raise DeviceSynchronized(f"cupy stand-in: {what} synchronises the device with the host "
                                 "inside cupyx.allow_synchronize(False)")


def _check_dtype(a: numpy.ndarray) -> numpy.ndarray:
    if a.dtype.kind in _BAD_KINDS:
        raise TypeError(f"cupy stand-in: CuPy has no arrays of dtype {a.dtype}")
    return a


def wrap(r):
    """NumPy results as stand-in arrays: arrays (sharing memory), scalars as 0-d arrays,
    containers element by element; anything else unchanged."""
    if isinstance(r, numpy.ndarray):
        return ndarray._from(r)
    if isinstance(r, numpy.generic):
        return ndarray._from(numpy.asarray(r))
    if isinstance(r, tuple):
        items = [wrap(x) for x in r]
        return type(r)(*items) if hasattr(r, "_fields") else type(r)(items)
    if isinstance(r, list):
        return [wrap(x) for x in r]
    return r


def _unsupported(x):
    return TypeError(f"Unsupported type {type(x)}")


def unwrap(x, strict: bool = True):
    """Stand-in arrays as their NumPy arrays, inside lists and tuples too. ``strict``: a NumPy
    array raises ``TypeError`` as CuPy's kernels do."""
    if type(x) is ndarray:
        return x._a
    if isinstance(x, numpy.ndarray):
        if strict:
            raise _unsupported(x)
        return x
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(unwrap(v, strict) for v in x)
    return x


def unwrap_kwargs(kwargs: dict, strict: bool = True) -> dict:
    return {k: unwrap(v, strict) for k, v in kwargs.items()}


class Exported:
    """What a stand-in array's ``__dlpack__`` hands the stand-in's ``from_dlpack`` (in place of
    a DLPack capsule): its NumPy array."""

    def __init__(self, array):
        self.array = array


DLPACK_STREAM = object()  # the stream the stand-in's from_dlpack passes to __dlpack__


def _imported(x):
    """An object exporting ``__cuda_array_interface__`` (a gpuad Tensor, say) as the NumPy
    view of its memory, as CuPy imports it; anything else unchanged."""
    if type(x) is not ndarray and hasattr(x, "__cuda_array_interface__"):
        from ._namespace import _from_interface

        return _from_interface(x)
    return x


def unwrap_index(index):
    """An index for ``__getitem__``/``__setitem__``/scatters: CuPy accepts NumPy arrays and
    CUDA-array-interface objects there."""
    if isinstance(index, tuple):
        index = tuple(_imported(p) for p in index)
    else:
        index = _imported(index)
    return unwrap(index, strict=False)


_MUTATORS = {"fill", "sort", "partition", "put", "setfield", "resize", "at"}
_WRITING = {numpy.copyto, numpy.put, numpy.place, numpy.putmask, numpy.fill_diagonal,
            numpy.put_along_axis}


def _mutates(fn) -> bool:
    """Whether ``fn`` writes into an argument (or its bound array) without ``out=``."""
    if fn in _WRITING:
        return True
    owner = getattr(fn, "__self__", None)
    return isinstance(owner, (numpy.ndarray, numpy.ufunc)) and \
        getattr(fn, "__name__", "") in _MUTATORS


def _call(fn, args, kwargs, strict=True):
    out = kwargs.get("out")
    if _capture.capturing():
        ua, ukw = unwrap(args, strict), unwrap_kwargs(kwargs, strict)
        if out is not None or _mutates(fn):
            _capture.write(fn, ua, ukw)
            return out
        r = fn(*ua, **ukw)
        r = _capture.fresh(fn, ua, ukw, r)
        return wrap(r)
    r = fn(*unwrap(args, strict), **unwrap_kwargs(kwargs, strict))
    if type(out) is ndarray:
        return out
    if isinstance(out, tuple) and out and all(type(o) is ndarray for o in out):
        return out
    if not _memory.idle():  # (a new result in the allocator's memory)
        r = _capture.fresh(fn, unwrap(args, strict), unwrap_kwargs(kwargs, strict), r)
    return wrap(r)


def delegate(fn, name: str | None = None, strict: bool = True):
    """A stand-in function calling ``fn`` on unwrapped arguments and wrapping its result."""

    def f(*args, **kwargs):
        return _call(fn, args, kwargs, strict)

    f.__name__ = f.__qualname__ = name or getattr(fn, "__name__", "f")
    f.__doc__ = f"cupy stand-in for {getattr(fn, '__module__', '')}.{f.__name__}"
    f.__wrapped_numpy__ = fn
    return f


class _Flags:
    def __init__(self, a: numpy.ndarray) -> None:
        self.c_contiguous = a.flags.c_contiguous
        self.f_contiguous = a.flags.f_contiguous
        self.owndata = a.flags.owndata

    def __getitem__(self, key: str) -> bool:
        return {"C_CONTIGUOUS": self.c_contiguous, "F_CONTIGUOUS": self.f_contiguous,
                "OWNDATA": self.owndata}[key]


class MemoryPointer:
    def __init__(self, a: numpy.ndarray) -> None:
        self.ptr = a.__array_interface__["data"][0]
        self.device_id = 0
        _memory.register(a)  # the address names this memory while it lives
        self.mem = _memory.root(a)  # what every array over this memory refers to


def _writable(a: numpy.ndarray) -> numpy.ndarray:
    """``a`` as a destination of a write: CuPy has no read-only arrays (a broadcast view is
    written through, into the memory it shares), so the NumPy view is made writeable."""
    if not a.flags.writeable:
        a.flags.writeable = True  # ValueError where the memory itself is read-only
    return a


def _binop(ufunc, reflected=False):
    def op(self, other):
        if isinstance(other, numpy.ndarray):
            raise _unsupported(other)
        if not isinstance(other, (ndarray, numpy.generic, int, float, complex, bool)):
            if getattr(other, "__array_ufunc__", None) is None:
                return NotImplemented
            # CuPy 14 defers (NotImplemented) only where ``__array_ufunc__ = None``; otherwise
            # it calls ``numpy.<ufunc>(x, y)``, whose dispatch offers the operation to CuPy's
            # own __array_ufunc__ first
            return ufunc(*((other, self) if reflected else (self, other)))
        if type(other) is not ndarray and ufunc is not numpy.matmul:
            return _scalar_operand(ufunc, self, other, reflected)
        o = unwrap(other)
        if ufunc is numpy.matmul and _capture.capturing():
            _refuse_blas(self._a, o)
        args = (o, self._a) if reflected else (self._a, o)
        r = ufunc(*args)
        r = _capture.fresh(ufunc, args, {}, r)
        return wrap(r)

    return op


def _scalar_operand(ufunc, a, scalar, reflected):
    """``a <op> scalar`` as CuPy computes it: ``numpy.<ufunc>(a, scalar)``, which CuPy's
    ``__array_ufunc__`` hands to the ufunc of that name it looks up on the ``cupy`` module
    (so whatever replaced that attribute sees the call)."""
    import cupy

    args = (scalar, a) if reflected else (a, scalar)
    return getattr(cupy, ufunc.__name__)(*args)


def _operand(x):
    """An operand of a CuPy kernel as CuPy's ``_preprocess_arg`` takes it: arrays, scalars,
    and objects exporting ``__cuda_array_interface__`` (imported as views of their memory);
    anything else is ``TypeError: Unsupported type``."""
    if type(x) is ndarray or isinstance(x, (numpy.generic, int, float, complex, bool)):
        return x
    if hasattr(x, "__cuda_array_interface__"):
        return _imported(x)
    raise _unsupported(x)


def _inplace(ufunc):
    def op(self, other):
        if isinstance(other, numpy.ndarray):
            raise _unsupported(other)
        o = unwrap(_operand(other), strict=False)  # CuPy's a -= b: its own ufunc, no NumPy
        if not _capture.write(ufunc, (self._a, o), {"out": _writable(self._a)}):
            ufunc(self._a, o, out=_writable(self._a))
        return self

    return op


def _unop(ufunc):
    def op(self):
        r = ufunc(self._a)
        r = _capture.fresh(ufunc, (self._a,), {}, r)
        return wrap(r)

    return op


class ndarray:  # noqa: N801  (CuPy's name)
    """A stand-in CuPy array: a NumPy array held in ``_a`` (the "device memory")."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100.0
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        if memptr is not None:  # an array over memory an address names, as CuPy's
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            self._a = _check_dtype(_memory.view(memptr.ptr, dtype, shape, strides))
            return
        a = _memory.new(shape, dtype, order)  # (from the allocator in use, if any)
        self._a = _check_dtype(numpy.ndarray(shape, dtype=dtype, order=order) if a is None
                               else a)

    @classmethod
    def _from(cls, a: numpy.ndarray) -> ndarray:
        obj = object.__new__(cls)
        obj._a = _check_dtype(a)
        return obj

    # --- attributes ------------------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: _Flags(self._a))
    data = property(lambda self: MemoryPointer(self._a))
    T = property(lambda self: wrap(self._a.T))
    mT = property(lambda self: wrap(numpy.swapaxes(self._a, -1, -2)))
    base = property(lambda self: None if self._a.base is None else wrap(self._a.base))

    @property
    def real(self):
        return wrap(self._a.real)

    @real.setter
    def real(self, v):
        if not _capture.write(_set_real, (self._a, unwrap(v)), {}):
            self._a.real = unwrap(v)

    @property
    def imag(self):
        return wrap(self._a.imag)

    @imag.setter
    def imag(self, v):
        if not _capture.write(_set_imag, (self._a, unwrap(v)), {}):
            self._a.imag = unwrap(v)

    @property
    def device(self):
        from .cuda import Device

        return Device(0)

    @property
    def __cuda_array_interface__(self) -> dict:
        # the stand-in's "device memory" is host memory: the pointer is a host address
        a = self._a
        return {"shape": a.shape, "typestr": a.dtype.str, "version": 3,
                "data": (a.__array_interface__["data"][0], False),
                "strides": None if a.flags.c_contiguous else a.strides}

    def __dlpack_device__(self):
        return (2, 0)  # kDLCUDA, device 0

    def __dlpack__(self, *args, **kwargs):
        if kwargs.get("stream") is DLPACK_STREAM:  # the stand-in's own from_dlpack
            return Exported(self._a)
        raise BufferError("cupy stand-in: its arrays cannot be exported through DLPack "
                          "(they claim to live on a CUDA device but are host memory)")

    # --- explicit transfers (they synchronise) ---------------------------------------------
    def get(self, stream=None, order="C", out=None, blocking=True):
        if blocking or out is None or _capture.capturing():  # an asynchronous copy needs out=
            _synchronizes("ndarray.get()")
        if out is not None:
            out[...] = self._a
            return out
        return numpy.array(self._a, order=order, copy=True)

    def set(self, arr, stream=None):
        if _capture.capturing():
            raise RuntimeError("cupy stand-in: a copy from host memory while a stream is "
                               "capturing (pageable memory cannot be captured)")
        _writable(self._a)[...] = numpy.asarray(arr)

    def item(self, *args):
        _synchronizes("ndarray.item()")
        return self._a.item(*args)

    def tolist(self):
        _synchronizes("ndarray.tolist()")
        return self._a.tolist()

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def _scalar(self, what, conv):
        _synchronizes(what)
        if self._a.size != 1:
            raise TypeError(f"only size-1 arrays can be converted to Python scalars ({what})")
        return conv(self._a.reshape(()))

    def __float__(self):
        return self._scalar("float()", float)

    def __int__(self):
        return self._scalar("int()", int)

    def __complex__(self):
        return self._scalar("complex()", complex)

    def __bool__(self):
        if self._a.size != 1:
            raise ValueError("The truth value of an array with more than one element is "
                             "ambiguous. Use a.any() or a.all()")
        return self._scalar("bool()", bool)

    # no __index__: CuPy leaves it out on purpose (it would copy to the host implicitly), so
    # range(a), a Python list or NumPy array indexed or sliced with ``a`` raise TypeError

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        for i in range(len(self._a)):
            yield wrap(self._a[i])

    def __repr__(self):
        _synchronizes("repr()")
        return repr(self._a)

    def __str__(self):
        _synchronizes("str()")
        return str(self._a)

    def __format__(self, spec):
        _synchronizes("format()")
        return format(self._a.item() if self._a.ndim == 0 else self._a, spec)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return wrap(self._a.copy())

    def __reduce__(self):
        return (_rebuild, (self._a.copy(),))

    # --- methods ---------------------------------------------------------------------------
    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        r = self._a.astype(dtype, order=order, copy=copy)
        r = _capture.fresh(_astype, (self._a, dtype, order), {}, r)
        return wrap(r)

    def copy(self, order="C"):
        r = self._a.copy(order=order)
        r = _capture.fresh(numpy.copy, (self._a,), {"order": order}, r)
        return wrap(r)

    def __getattr__(self, name):
        attr = getattr(numpy.ndarray, name, None)
        if attr is None or name.startswith("_") or not callable(attr):
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")
        return delegate(getattr(self._a, name), name)

    def __getitem__(self, index):
        idx = unwrap_index(index)
        if _is_mask_index(idx):
            _synchronizes("boolean-mask indexing")
        r = _getitem(self._a, idx)
        # the wrap of out-of-range indices runs inside the recorded operation, as it does
        # inside CuPy's kernel: an index computed on the device is not known while capturing
        r = _capture.fresh(_getitem, (self._a, idx), {}, r)
        return wrap(r)

    def fill(self, value):
        v = _operand(value)  # as CuPy: other objects are imported or refused, never float()ed
        if isinstance(v, numpy.ndarray):
            v = v[()] if v.ndim == 0 else wrap(v)
        return delegate(self._a.fill, "fill")(v)

    def __setitem__(self, index, value):
        idx = unwrap_index(index)
        value = unwrap(_imported(value), strict=False)  # CuPy imports such values as arrays
        if not _capture.write(_setitem, (self._a, idx, value), {}):
            _setitem(self._a, idx, value)


    # --- NumPy dispatch --------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == "__call__":
            # CuPy defers (NotImplemented) to operands it cannot import: neither its arrays,
            # NumPy arrays, scalars nor exporters of __cuda_array_interface__
            for x in inputs + tuple(kwargs.get("out", ())):
                if type(x) is not ndarray and not isinstance(
                        x, (numpy.ndarray, numpy.generic, int, float, complex, bool)) \
                        and not hasattr(x, "__cuda_array_interface__"):
                    return NotImplemented
            inputs = _ufunc_inputs(ufunc, inputs)
            kwargs = _imported_out(kwargs)
        _refusals.ufunc_call(ufunc, method, kwargs)
        return _call(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from . import _namespace, _operands

        if not _operands.handles(types):
            return NotImplemented  # CuPy defers to other array types (a gpuad Tensor)

        impl = _namespace.lookup(func)
        if impl is None:
            return NotImplemented
        return impl(*args, **kwargs)

    def clip(self, min=None, max=None, out=None, **kwargs):  # noqa: A002  (NumPy's names)
        from . import _strict

        return _strict.clip(self, min, max, out=out, **kwargs)

    def dot(self, b, out=None):
        from . import _namespace

        return _namespace.function(numpy, "cupy", "dot")(self, b, out=out)

    # --- operators -------------------------------------------------------------------------
    __add__, __radd__ = _binop(numpy.add), _binop(numpy.add, True)
    __sub__, __rsub__ = _binop(numpy.subtract), _binop(numpy.subtract, True)
    __mul__, __rmul__ = _binop(numpy.multiply), _binop(numpy.multiply, True)
    __truediv__, __rtruediv__ = _binop(numpy.true_divide), _binop(numpy.true_divide, True)
    __floordiv__, __rfloordiv__ = _binop(numpy.floor_divide), _binop(numpy.floor_divide, True)
    __mod__, __rmod__ = _binop(numpy.remainder), _binop(numpy.remainder, True)
    __pow__, __rpow__ = _binop(numpy.power), _binop(numpy.power, True)
    __matmul__, __rmatmul__ = _binop(numpy.matmul), _binop(numpy.matmul, True)
    __and__, __rand__ = _binop(numpy.bitwise_and), _binop(numpy.bitwise_and, True)
    __or__, __ror__ = _binop(numpy.bitwise_or), _binop(numpy.bitwise_or, True)
    __xor__, __rxor__ = _binop(numpy.bitwise_xor), _binop(numpy.bitwise_xor, True)
    __lshift__, __rlshift__ = _binop(numpy.left_shift), _binop(numpy.left_shift, True)
    __rshift__, __rrshift__ = _binop(numpy.right_shift), _binop(numpy.right_shift, True)
    __eq__ = _binop(numpy.equal)
    __ne__ = _binop(numpy.not_equal)
    __lt__ = _binop(numpy.less)
    __le__ = _binop(numpy.less_equal)
    __gt__ = _binop(numpy.greater)
    __ge__ = _binop(numpy.greater_equal)
    __iadd__ = _inplace(numpy.add)
    __isub__ = _inplace(numpy.subtract)
    __imul__ = _inplace(numpy.multiply)
    __itruediv__ = _inplace(numpy.true_divide)
    __ifloordiv__ = _inplace(numpy.floor_divide)
    __imod__ = _inplace(numpy.remainder)
    __ipow__ = _inplace(numpy.power)
    __iand__ = _inplace(numpy.bitwise_and)
    __ior__ = _inplace(numpy.bitwise_or)
    __ixor__ = _inplace(numpy.bitwise_xor)
    __neg__ = _unop(numpy.negative)
    __pos__ = _unop(numpy.positive)
    __abs__ = _unop(numpy.absolute)
    __invert__ = _unop(numpy.invert)

    def __divmod__(self, other):
        r = numpy.divmod(self._a, unwrap(other))
        r = _capture.fresh(numpy.divmod, (self._a, unwrap(other)), {}, r)
        return wrap(r)

    def __imatmul__(self, other):
        if _capture.capturing():
            _refuse_blas(self._a, unwrap(other))
        _writable(self._a)[...] = numpy.matmul(self._a, unwrap(other))
        return self


ndarray.__module__ = "cupy"


def _ufunc_inputs(ufunc, inputs):
    """The inputs of a ufunc called through CuPy's ``__array_ufunc__``: exporters of
    ``__cuda_array_interface__`` imported as arrays (as CuPy's kernels import them), except
    for ``matmul``, whose ``_core.matmul`` takes CuPy arrays only."""
    out = []
    for i, x in enumerate(inputs):
        if type(x) is not ndarray and not isinstance(
                x, (numpy.ndarray, numpy.generic, int, float, complex, bool)):
            if ufunc is numpy.matmul:
                raise TypeError(f"Argument '{'ab'[min(i, 1)]}' has incorrect type (expected "
                                f"cupy._core.core._ndarray_base, got {type(x).__name__})")
            x = wrap(_imported(x))
        out.append(x)
    return tuple(out)


def _setitem(a, idx, value):
    a = _writable(a)
    idx = _wrap_integer_arrays(a.shape, idx)
    if not _has_integer_array(idx):
        a[idx] = value
        return
    # with repeated positions a GPU keeps any one of the writes, not NumPy's last one:
    # the stand-in keeps the first, so code that relies on the order shows up
    pos = numpy.arange(a.size).reshape(a.shape)[idx]
    vals = numpy.broadcast_to(numpy.asarray(value, dtype=a.dtype), pos.shape)
    where = numpy.unravel_index(pos.reshape(-1)[::-1], a.shape)
    a[where] = vals.reshape(-1)[::-1]


def _getitem(a, idx):
    return a[_wrap_integer_arrays(a.shape, idx)]


def _astype(a, dtype, order):
    return a.astype(dtype, order=order)


def _set_real(a, v):
    a.real = v


def _set_imag(a, v):
    a.imag = v


def _refuse_blas(*arrays) -> None:
    """CuPy multiplies floating-point matrices with cuBLAS, which it refuses while a stream
    captures."""
    if any(isinstance(a, numpy.ndarray) and a.dtype.kind in "fc" for a in arrays):
        _capture.refuse("cuBLAS")


def _rebuild(a):
    return ndarray._from(a)


def _has_integer_array(idx) -> bool:
    parts = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(p, (numpy.ndarray, list)) and numpy.asarray(p).dtype.kind in "iu"
               for p in parts)


def _wrap_integer_arrays(shape, idx):
    """CuPy's integer-array indexing wraps out-of-bounds indices around (``mode='wrap'``)
    instead of raising IndexError; so does the stand-in's."""
    parts = idx if isinstance(idx, tuple) else (idx,)
    if not any(isinstance(p, numpy.ndarray) and p.dtype.kind in "iu" for p in parts):
        return idx
    if any(p is Ellipsis or p is None or (isinstance(p, numpy.ndarray) and p.dtype == bool)
           for p in parts):
        return idx  # positions are harder to pair with axes here; NumPy's checks apply
    # in int64: an axis longer than a narrow index type can count (int8 labels, 200 classes)
    # (asarray: NumPy's mod makes a 0-d index a scalar, a basic index giving a view; a 0-d
    # integer array is an advanced index, a gather, in CuPy as in NumPy)
    out = tuple(numpy.asarray(numpy.mod(p.astype(numpy.int64), shape[ax]))
                if isinstance(p, numpy.ndarray) and p.dtype.kind in "iu"
                and ax < len(shape) and shape[ax] else p for ax, p in enumerate(parts))
    return out if isinstance(idx, tuple) else out[0]


def _is_mask_index(idx) -> bool:
    parts = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(p, numpy.ndarray) and p.dtype == bool for p in parts)


def _imported_out(kwargs: dict) -> dict:
    """CuPy's ufunc call takes its one ``out=`` array unpacked, and an object exporting
    ``__cuda_array_interface__`` there as a view of its memory, which it writes into."""
    out = kwargs.get("out")
    if isinstance(out, tuple) and len(out) == 1:
        o = out[0]
        if type(o) is not ndarray and hasattr(o, "__cuda_array_interface__"):
            o = wrap(_imported(o))
        kwargs = {**kwargs, "out": o}
    return kwargs
