"""The Tensor: a backend array plus what reverse and forward mode need to know about it."""

from __future__ import annotations

import sys
from numbers import Number as _Number
from typing import Any

import numpy as _np

from . import _links, _state
from . import _value_checks as _vc
from ._torch_size import Size as _Size

_R: Any = None  # the op namespace (gpuad.numpy's functions), a late-bound link
_prims: Any = None  # gpuad.rules (the primitives themselves), a late-bound link
_P: Any = None  # gpuad._numpy_protocol, a late-bound link
_apply1: Any = None  # gpuad.engine.apply1, a late-bound link
_apply2: Any = None  # gpuad.engine.apply2, a late-bound link
_links.need("ops", globals(), "_R")
_links.need("rules", globals(), "_prims")
_links.need("protocol", globals(), "_P")
_links.need("apply1", globals(), "_apply1")
_links.need("apply2", globals(), "_apply2")


class BatchedValueError(TypeError):
    """A value batched by vmap was converted to one array, number or truth value."""


class CastingError(TypeError, RuntimeError):
    """An in-place op whose result would need a wider dtype than the tensor's (``ints += 1.5``,
    ``reals *= 1j``): NumPy raises a TypeError there, PyTorch a RuntimeError; this is both."""


def _bitwise(op: str, *xs):
    """``~``, ``&``, ``|``, ``^``, ``<<`` and ``>>`` as NumPy computes them: logical for
    booleans, bitwise for integers (no derivative either way); other operands raise."""
    kinds = []
    for x in xs:
        dt = getattr(x, "dtype", None)
        kinds.append(dt.kind if dt is not None else "b" if isinstance(x, bool) else
                     "i" if isinstance(x, int) else "?")
    if all(k == "b" for k in kinds) and op in "~&|^":
        fn = {"~": _R.logical_not, "&": _R.logical_and, "|": _R.logical_or,
              "^": _R.logical_xor}[op]
        return fn(*xs)
    if all(k in "biu" for k in kinds):
        from . import numpy as gnp

        return {"~": gnp.invert, "&": gnp.bitwise_and, "|": gnp.bitwise_or,
                "^": gnp.bitwise_xor, "<<": gnp.left_shift, ">>": gnp.right_shift}[op](*xs)
    types = ", ".join(str(getattr(y, "dtype", type(y).__name__)) for y in xs)
    raise TypeError(
        f"Tensor {op}: NumPy's bitwise {op} takes booleans and integers only; got {types}. "
        f"Compare first ((x > 0) {op} ...) or use gnp.logical_and/or/not")


def _full(name: str):
    """``gpuad.numpy``'s function ``name``, with NumPy's whole signature (``dtype``, ``out``,
    ``initial``, ``where``) for the Tensor methods called with more than axis and keepdims."""
    from . import numpy as gnp

    return getattr(gnp, name)


def _batched_data_error():
    raise BatchedValueError(
        "inside gpuad.vmap a value differs from example to example, so it has no single array, "
        "Python number or truth value; keep the computation in gpuad.numpy operations (use "
        "gnp.where instead of if/else on values), or move the conversion outside vmap. A "
        "write into a NumPy array (out[i] = v, out from gnp.zeros) is such a conversion: "
        "write out = gnp.index_update(out, i, v) instead"
    )


def _as_data(data: Any, requires_grad: Any) -> Any:
    """``Tensor(data)`` of a Python number or list: a backend array of it. An int is refused:
    ``torch.Tensor(16, 7)`` (an uninitialised tensor of that shape) and ``torch.Tensor(3)``
    mean sizes, which gpuad would read as a value (and ``7`` as ``requires_grad``)."""
    if isinstance(data, int) and not isinstance(data, bool):
        sizes = ", ".join(map(str, (data,) if isinstance(requires_grad, bool) else
                                   (data, requires_grad)))
        raise TypeError(
            f"gpuad.Tensor({sizes}): gpuad.Tensor(data, requires_grad) wraps an array and "
            f"takes no sizes; for torch's uninitialised Tensor(*sizes) write "
            f"gpuad.tensor(gnp.empty(sizes)) (or gnp.zeros), for a tensor holding the integer "
            f"gpuad.tensor({data})")
    from .backends import get_backend

    return get_backend().xp.asarray(data)


def refuse_untracked_cast(x: Any, dtype: Any) -> None:
    """Raise for a cast of a recorded Tensor to a dtype that is no NumPy number, boolean or
    complex (ml_dtypes' ``bfloat16``, ``float8_*``, ``int4``, as ``jnp.bfloat16``): gpuad
    differentiates float16/32/64 and complex64/128 only, so the cast would silently end the
    derivative (JAX differentiates ``x.astype(jnp.bfloat16)``)."""
    dt = _np.dtype(dtype)
    if dt.kind != "V" or not isinstance(x, Tensor):  # ml_dtypes' types are kind "V"
        return
    if (x.requires_grad or x._tan) and _P.recording(x):
        raise TypeError(
            f"astype: a cast of a Tensor that is being differentiated to {dt} would silently "
            f"drop its derivative: gpuad differentiates float16, float32, float64, complex64 "
            f"and complex128 only. Cast to float16 or float32 instead (x.astype(gnp.float16)), "
            f"or cast gpuad.stop_gradient(x) where a constant is meant")


class Tensor:
    """A differentiable array.

    ``data`` is the backend array (NumPy or CuPy); ``grad`` is filled by ``backward()``.

    Example::

        x = gpuad.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        x.grad  # Tensor([2., 4.])
    """

    __slots__ = (
        "_data", "requires_grad", "grad", "_node", "_ver", "_seen", "_tan", "_base", "_view",
        "_bat", "name", "_elem", "__weakref__",
    )
    __array_priority__ = 1000.0

    def __init__(self, data: Any, requires_grad: bool = False, *, _node: Any = None,
                 _tan: dict | None = None, _ver: list | None = None, _base: Any = None,
                 _bat: tuple | None = None):
        # _of_step and _constant (below the class) make the engine's results without this
        # call: keep the three in step (tests/test_engine_fastpath.py compares them)
        if not hasattr(data, "shape") or isinstance(data, _np.generic):
            # (a NumPy scalar has a shape but is no array: jit would read it as a number and
            # replay the traced value; the engine's results are arrays too)
            data = _as_data(data, requires_grad)
        self._data = data
        # vmap levels this value is batched over (outer first): the data's leading axes
        self._bat = _bat
        self.grad: Tensor | None = None
        self._node = _node
        self._ver = _ver if _ver is not None else [0]
        self._seen = self._ver[0]
        self._tan = _tan
        self._base = _base
        self._view = None  # a view: its (rule, params) steps from _base; see engine._refresh_view
        self.name: str | None = None
        self._elem = None  # a mark: a copy where torch's result is a view (TorchViewCopy), ...
        if _node is not None:
            self.requires_grad = True  # produced by a recorded step: float by construction
        else:
            self.requires_grad = False
            if requires_grad:
                self.requires_grad_(True)

    @property
    def data(self) -> Any:
        """The backend array. Assigning it (``t.data = a``, ``t.data -= lr * g``) bumps the
        version, so steps that saved the old values refuse to backward; a write into the array
        itself (``t.data[...] = a``) cannot be seen: write ``with no_grad(): t[...] = a``."""
        if self._bat is not None:
            _batched_data_error()
        if self._elem is not None:
            refuse_stale(self)
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if isinstance(value, Tensor):
            value = value.data  # torch's t.data = other: other's values (its memory)
        if not (hasattr(value, "shape") and hasattr(value, "dtype")):
            raise TypeError(f"Tensor.data must be a backend array, got {type(value).__name__}; "
                            f"wrap values with xp.asarray(...)")
        if isinstance(value, _np.generic):
            value = _as_data(value, False)  # a 0-d array, as in the constructor
        if self.requires_grad and value.dtype.kind not in "fc":
            raise RuntimeError(
                f"Tensor.data: data set to a tensor that requires gradients must be floating "
                f"point or complex dtype, got {value.dtype} (as torch); call "
                f"t.requires_grad_(False) first, or convert the values to a float dtype")
        old = self._data
        self._data = value
        ver = self._ver
        ver[0] += 1
        self._seen = ver[0]
        node = self._node
        if node is not None and node.rule is None and (
                value.shape != old.shape or value.dtype != old.dtype):
            self._node = None  # a leaf's accumulation point has its shape: new graphs, new one

    # ---- autograd state -------------------------------------------------------------
    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Mark this tensor as a leaf whose gradient ``backward`` accumulates."""
        if not flag and not self.is_leaf:
            from .engine import GradError

            raise GradError(
                "requires_grad_(False) on the result of a recorded op would silently cut it "
                "from the inputs it was computed from; use t.detach() for a value that does "
                "not require grad"
            )
        if flag:
            kind = getattr(getattr(self._data, "dtype", None), "kind", "f")
            if kind not in "fc":
                raise TypeError(
                    f"only floating-point tensors can require grad; got dtype {self._data.dtype} "
                    f"(integer and boolean arrays are not differentiable)"
                )
        self.requires_grad = flag
        return self

    @property
    def _version(self) -> int:
        """How many in-place writes this buffer has had (shared by views and ``detach()``)."""
        return self._ver[0]

    @property
    def is_leaf(self) -> bool:
        if self._base is not None and self._seen != self._ver[0]:
            _current(self)
        return self._node is None or self._node.rule is None

    @property
    def grad_fn(self) -> Any:
        """The tape step that produced this tensor (None for leaves). A view whose base was
        written since it was made takes the base's new history first, as torch regenerates
        a view's ``grad_fn`` on access."""
        return None if self.is_leaf else self._node

    def detach(self) -> Tensor:
        """A tensor sharing the data, cut from the tape and from forward-mode tangents."""
        r = Tensor(self._data, _ver=self._ver, _base=self._base, _bat=self._bat)
        if self._elem is not None:
            r._elem = self._elem  # (x[i].detach() is still a copy of x's element)
        return r

    def detach_(self) -> Tensor:
        """Cut this tensor from the tape in place (it becomes a leaf that does not require
        grad), as ``torch.Tensor.detach_``; a view refuses, as in torch: use ``detach()``.
        ``detach()``'s result shares memory without being a view (no chain of view steps),
        and may be detached in place again, as in torch."""
        if self._base is not None and self._view is not None:
            raise RuntimeError(
                f"detach_(): this tensor (shape {self.shape}) is a view of another and shares "
                f"its memory and history; a view cannot be detached in place (torch refuses "
                f"too): use t = t.detach()")
        self._node = None
        self._tan = None
        self.requires_grad = False
        return self

    def register_hook(self, fn: Any) -> Any:
        """Call ``fn(grad)`` when backward computes this tensor's gradient; a returned Tensor
        replaces it. Returns a handle with ``.remove()``.

        Example: ``h = y.register_hook(lambda g: g.clip(-1, 1))``
        """
        from .tensor_hooks import register_hook

        return register_hook(self, fn)

    def register_post_accumulate_grad_hook(self, fn: Any) -> Any:
        """Call ``fn(self)`` after each backward that accumulates into ``self.grad`` (a leaf
        only); returns a handle with ``.remove()``.

        Example: ``w.register_post_accumulate_grad_hook(lambda p: p.grad.__imul__(0.5))``
        """
        from .tensor_hooks import register_post_accumulate_grad_hook

        return register_post_accumulate_grad_hook(self, fn)

    def retain_grad(self) -> None:
        """Have backward fill ``.grad`` of this non-leaf tensor too (a no-op on a leaf)."""
        from .tensor_hooks import retain_grad

        retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """True after ``retain_grad()`` on a non-leaf."""
        from .tensor_hooks import retains_grad

        return retains_grad(self)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        Example: ``loss.backward()``
        """
        from .engine import backward

        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                 inputs=inputs)

    def zero_grad(self) -> None:
        self.grad = None

    # ---- array protocol ---------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape (inside ``vmap``: one example's, without the batch axes)."""
        if self._bat is not None:
            return tuple(self._data.shape[len(self._bat):])
        return tuple(self._data.shape)

    @property
    def dtype(self) -> Any:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        if self._bat is not None:
            return self._data.ndim - len(self._bat)
        return self._data.ndim

    @property
    def size(self) -> int:
        """The number of elements (inside ``vmap``: one example's), an int that is also
        torch's ``size()``/``size(dim)`` (gpuad/_torch_size.py). Example: ``x.size(0)``"""
        return _Size(self.shape)

    @property
    def device(self) -> Any:
        """The backend array's device: ``"cpu"`` on the NumPy backend, a ``cupy.cuda.Device``
        on the CuPy backend. Example: ``x.device``"""
        return getattr(self._data, "device", "cpu")

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor lives on the GPU (the CuPy backend). Example: ``x.is_cuda``"""
        return hasattr(self._data, "__cuda_array_interface__")

    @property
    def nbytes(self) -> int:
        if self._bat is None:
            return int(self._data.nbytes)
        return self.size * self._data.dtype.itemsize

    @property
    def T(self) -> Tensor:
        return _R.transpose(self)

    @property
    def mT(self) -> Tensor:
        if self._data.ndim < 2:  # torch's: a 0-d tensor is its own, a vector has no matrix
            if self._data.ndim == 0:
                return _R.reshape(self, ())
            raise ValueError("Tensor.mT is for matrices or batches of matrices, got a 1-D "
                             "tensor; use x.T or x itself for a vector")
        return _R.swapaxes(self, -1, -2)

    def numpy(self) -> _np.ndarray:
        """A host (NumPy) copy of the data."""
        from .backends import backend_of_type

        be = backend_of_type(type(self.data))
        out = be.to_host(self.data) if be is not None else _np.asarray(self.data)
        if _vc.pending:  # a compiled step's value checks, readable now (gpuad.jit)
            _vc.poll()
        return out

    def item(self, *args) -> Any:
        """The value as a Python number (a constant); ``item(i)`` / ``item(i, j)`` pick one
        element as NumPy's ``ndarray.item`` does."""
        return self.numpy().item(*args)

    @property
    def itemsize(self) -> int:
        return int(_np.dtype(self.dtype).itemsize)

    def __contains__(self, value) -> bool:
        # NumPy's and torch's: ``(t == value).any()``, a host read
        return bool((self == value).any())

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def tobytes(self, order: str = "C") -> bytes:
        """The raw bytes of the value, as NumPy's ``ndarray.tobytes`` (a constant)."""
        return self.numpy().tobytes(order)

    def __array__(self, dtype: Any = None, copy: Any = None) -> _np.ndarray:
        if self._bat is not None:
            _batched_data_error()
        if (self.requires_grad or self._tan) and (dtype is None or
                                                   _np.dtype(dtype).kind not in "biu"):
            # a recorded tensor never becomes a constant silently; an integer or boolean
            # conversion (numpy.int64(t)) is piecewise constant and drops no derivative
            _P.refuse_array(self)
        if not isinstance(self.data, _np.ndarray | _np.generic):
            raise TypeError(
                "implicit conversion of a GPU tensor to a NumPy array is not allowed; "
                "use .numpy() for an explicit host copy"
            )
        a = _np.asarray(self.data)
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a  # numpy.array(t) asks for a copy: never alias t

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _P.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _P.array_function(func, types, args, kwargs)

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        if (self.requires_grad or self._tan) and _P.recording(self):
            _P.refuse_conversion(self, "an export through DLPack (numpy.from_dlpack, "
                                       "cupy.from_dlpack, torch.from_dlpack)")
        return self.data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self) -> Any:
        return self.data.__dlpack_device__()

    @property
    def __cuda_array_interface__(self) -> dict:
        if self._bat is not None:
            if _P._writing_into_array():
                _batched_data_error()
            raise AttributeError("a value batched by gpuad.vmap exports no memory to CuPy")
        if self.requires_grad or self._tan:
            _P.refuse_device_array(self)  # a write into a CuPy array raises; CuPy ops defer
        if _P.in_binary_operator():
            # cupy_array @ t: CuPy defers to Tensor.__array_ufunc__ (a Tensor, as with NumPy)
            raise AttributeError("a Tensor exports no memory to a CuPy operator; the "
                                 "operation is gpuad's")
        if _P.exports_to() == "kernel":
            # CuPy's kernels could write into it unseen (cupy.sin(a, out=t)); numpy.sin(a,
            # out=t) and numpy.matmul(a, t) defer to Tensor.__array_ufunc__ and are recorded
            raise AttributeError("a Tensor exports its memory to explicit conversions only "
                                 "(cupy.asarray(t)); CuPy's functions do not take Tensors")
        try:
            return self.data.__cuda_array_interface__
        except AttributeError:
            raise AttributeError(
                "__cuda_array_interface__ is only defined for tensors on the cupy backend"
            ) from None

    @property
    def flags(self) -> Any:
        # missing, as before, but saying why where CuPy's copyto asks for it
        f = sys._getframe(1)
        if _P._in_numpy(f):  # numpy.isfortran(t), numpy.require(t, requirements="C")
            public, name = _P._outer_numpy(f)
            raise AttributeError(
                f"'Tensor' object has no attribute 'flags': {public or 'numpy'}.{name} reads "
                f"the memory layout of a NumPy array, which a Tensor does not expose; call "
                f"it on t.numpy() (a host copy)")
        raise AttributeError(
            "'Tensor' object has no attribute 'flags': a Tensor is not a CuPy array, and a "
            "CuPy function that writes into its argument (cupy.copyto(t, src)) would write "
            "unseen by the Tensor's version; write gnp.copyto(t, src), numpy.copyto(t, src) "
            "or t[...] = src, which are recorded")

    def __len__(self) -> int:
        shp = self.shape
        if not shp:
            raise TypeError("len() of a 0-d tensor")
        return shp[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d tensor")
        return self._rows()

    def _rows(self):
        for i in range(self.shape[0]):
            yield self[i]

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        if self.requires_grad or self._tan:
            _P.check_scalar_write(self)  # float(t) detaches; out[i] = t into an ndarray raises
        out = float(self._one("float"))
        if _vc.pending:  # a compiled step's value checks, readable now (gpuad.jit)
            _vc.poll()
        return out

    def __complex__(self) -> complex:
        if self.requires_grad or self._tan:
            _P.check_scalar_write(self)  # complex(t) detaches; cmath.exp(t) raises
        out = complex(self._one("complex"))
        if _vc.pending:
            _vc.poll()
        return out

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d Tensor formats as its number (an explicit conversion, as
        ``float(loss)``); other shapes take only the empty spec, as ``str(t)``."""
        if not spec:
            return str(self)
        if self.shape:
            raise TypeError(f"unsupported format string {spec!r} for a Tensor of shape "
                            f"{self.shape}; format its elements or t.tolist()")
        return format(self.item(), spec)

    def __int__(self) -> int:
        return int(self._one("int"))

    def _one(self, what: str) -> Any:
        """The data of a one-element Tensor as a 0-d array: ``int(t)`` and ``float(t)`` take
        any one-element Tensor, as torch's (``int(y.argmax(dim=1).reshape(1))``), where NumPy
        2 takes only 0-d arrays."""
        d = self.data
        if d.ndim == 0:
            return d
        if d.size != 1:
            raise TypeError(f"{what}() of a Tensor of shape {tuple(d.shape)}: only one-element "
                            f"tensors can be converted to Python scalars")
        return d.reshape(())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu":  # as NumPy: a float 0.5 is no size or index
            raise TypeError(f"only integer Tensors can be used as an index or a size (this one "
                            f"has dtype {self._data.dtype}), as in NumPy; convert with int(t)")
        return int(self.data)

    def __repr__(self) -> str:
        if self._bat is not None:
            return (f"BatchedTensor(shape={self.shape}, dtype={self.dtype}, "
                    f"vmap levels={self._bat})")
        extra = []
        try:
            if self._elem is not None:
                refuse_stale(self)
        except RuntimeError:  # shown, marked, rather than an error inside a debugger
            extra.append("stale: a copy torch reads as a view, its source written since")
        from .backends import backend_of_type

        be = backend_of_type(type(self._data))
        host = be.to_host(self._data) if be is not None else _np.asarray(self._data)
        body = repr(host).replace("array(", "Tensor(", 1)
        if self._node is not None and self._node.rule is not None:
            extra.append(f"grad_fn={self._node.rule.name}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        live = [k for k in self._tan if k in _state.jvp_levels] if self._tan else ()
        if live:  # (those of a finished jvp or a closed dual_level are gone)
            extra.append("tangent levels=" + ",".join(map(str, sorted(live))))
        return body[:-1] + (", " + ", ".join(extra) if extra else "") + ")"

    __hash__ = object.__hash__

    # ---- operators --------------------------------------------------------------------
    # arithmetic applies the primitives (gpuad.numpy's add etc. are them plus an ``out=``)
    def __add__(self, o):
        try:
            return _apply2(_prims.add.rule, self, o)
        except TypeError:
            return _defer(o)
    def __radd__(self, o):
        try:
            return _apply2(_prims.add.rule, o, self)
        except TypeError:
            return _defer(o)
    def __sub__(self, o):
        try:
            return _apply2(_prims.subtract.rule, self, o)
        except TypeError:
            return _defer(o)
    def __rsub__(self, o):
        try:
            return _apply2(_prims.subtract.rule, o, self)
        except TypeError:
            return _defer(o)
    def __mul__(self, o):
        try:
            return _apply2(_prims.multiply.rule, self, o)
        except TypeError:
            return _defer(o)
    def __rmul__(self, o):
        try:
            return _apply2(_prims.multiply.rule, o, self)
        except TypeError:
            return _defer(o)
    def __truediv__(self, o):
        try:
            return _apply2(_prims.divide.rule, self, o)
        except TypeError:
            return _defer(o)
    def __rtruediv__(self, o):
        try:
            return _apply2(_prims.divide.rule, o, self)
        except TypeError:
            return _defer(o)
    def __pow__(self, o):
        try:
            if _squares(self, o):
                return _R.square(self)
            return _apply2(_prims.power.rule, self, o)
        except TypeError:
            return _defer(o)

    def __rpow__(self, o):
        try:
            return _apply2(_prims.power.rule, o, self)
        except TypeError:
            return _defer(o)
    def __matmul__(self, o):
        if _foreign(o):  # (checked first: matmul would refuse its shape with a ValueError)
            return NotImplemented
        try:
            return _R.matmul(self, o)
        except TypeError:
            return _defer(o)
    def __rmatmul__(self, o):
        if _foreign(o):
            return NotImplemented
        try:
            return _R.matmul(o, self)
        except TypeError:
            return _defer(o)
    def __neg__(self): return _R.negative(self)
    def __pos__(self):
        if self.dtype == _np.bool_:  # NumPy's and torch's + refuse booleans too
            raise TypeError("unary +: boolean Tensors are not supported (as in NumPy and "
                            "torch); convert first, e.g. x.astype(int)")
        return self
    def __abs__(self): return _R.abs(self)
    def __round__(self, ndigits=None): return _R.round(self, ndigits or 0)
    def __floordiv__(self, o):
        try:
            return _R.floor_divide(self, o)
        except TypeError:
            return _defer(o)
    def __rfloordiv__(self, o):
        try:
            return _R.floor_divide(o, self)
        except TypeError:
            return _defer(o)
    def __mod__(self, o):
        try:
            return _R.mod(self, o)
        except TypeError:
            return _defer(o)
    def __rmod__(self, o):
        try:
            return _R.mod(o, self)
        except TypeError:
            return _defer(o)
    def __divmod__(self, o):
        try:
            return _R.floor_divide(self, o), _R.mod(self, o)
        except TypeError:
            return _defer(o)
    def __rdivmod__(self, o):
        try:
            return _R.floor_divide(o, self), _R.mod(o, self)
        except TypeError:
            return _defer(o)
    def __lt__(self, o):
        try:
            return _R.less(self, o)
        except TypeError:
            return _defer(o)
    def __le__(self, o):
        try:
            return _R.less_equal(self, o)
        except TypeError:
            return _defer(o)
    def __gt__(self, o):
        try:
            return _R.greater(self, o)
        except TypeError:
            return _defer(o)
    def __ge__(self, o):
        try:
            return _R.greater_equal(self, o)
        except TypeError:
            return _defer(o)
    def __eq__(self, o):  # type: ignore[override]
        try:
            return _R.equal(self, o)
        except TypeError:
            return _defer(o)
    def __ne__(self, o):  # type: ignore[override]
        try:
            return _R.not_equal(self, o)
        except TypeError:
            return _defer(o)
    def __invert__(self): return _bitwise("~", self)
    def __and__(self, o):
        try:
            return _bitwise("&", self, o)
        except TypeError:
            return _defer(o)
    def __or__(self, o):
        try:
            return _bitwise("|", self, o)
        except TypeError:
            return _defer(o)
    def __rand__(self, o):
        try:
            return _bitwise("&", o, self)
        except TypeError:
            return _defer(o)
    def __ror__(self, o):
        try:
            return _bitwise("|", o, self)
        except TypeError:
            return _defer(o)
    def __xor__(self, o):
        try:
            return _bitwise("^", self, o)
        except TypeError:
            return _defer(o)
    def __rxor__(self, o):
        try:
            return _bitwise("^", o, self)
        except TypeError:
            return _defer(o)
    def __lshift__(self, o):
        try:
            return _bitwise("<<", self, o)
        except TypeError:
            return _defer(o)
    def __rlshift__(self, o):
        try:
            return _bitwise("<<", o, self)
        except TypeError:
            return _defer(o)
    def __rshift__(self, o):
        try:
            return _bitwise(">>", self, o)
        except TypeError:
            return _defer(o)
    def __rrshift__(self, o):
        try:
            return _bitwise(">>", o, self)
        except TypeError:
            return _defer(o)

    # replaced by gpuad._fastops.tensor_getitem (the same, int and slice steps recorded inline)
    def __getitem__(self, index):
        c = index.__class__
        if (c is int or c is slice) and self._bat is None:  # (indexing.getitem's common case)
            r = _apply1(_prims.getitem_.rule, self, {"index": (index,),
                                                     "shape": self._data.shape,
                                                     "basic": True})
        else:
            r = _R.getitem(self, index, checked=True)
        return mark_element(r, index, self)

    @property
    def at(self):
        """JAX's functional updates: ``x.at[i].set(v)``, ``.add(v)``, ``.get()``, ... return a
        new array and leave ``x`` as it is (gpuad/_at.py)."""
        from ._at import AtIndexer

        return AtIndexer(self)

    def __setitem__(self, index, value) -> None:
        from .engine import assign_inplace

        if copied_element(self):
            refuse_element_write("t[...] = v" if index is Ellipsis else f"t[{index!r}] = v")

        if index.__class__ is bool or getattr(getattr(index, "dtype", None), "kind",
                                              "") == "b" and not getattr(index, "shape", (0,)):
            from .prims.indexing import drop_leading_ones

            value = drop_leading_ones(value, self.ndim + 1)  # x[True] = v: torch's, NumPy's
        # (None,): x[None] = v is an index (a new axis), not assign_inplace's whole-tensor write
        assign_inplace(self, value, (None,) if index is None else index)

    def __delitem__(self, index) -> None:
        raise TypeError(f"del t[{index!r}]: a Tensor's elements cannot be deleted (shape "
                        f"{self.shape}); gnp.delete(t, index, axis) returns a copy without them")

    def __iadd__(self, o): return _inplace(self, _R.add, o)
    def __isub__(self, o): return _inplace(self, _R.subtract, o)
    def __imul__(self, o): return _inplace(self, _R.multiply, o)
    def __itruediv__(self, o): return _inplace(self, _R.divide, o)
    def __ipow__(self, o): return _inplace(self, _power_op, o)
    # without these Python would rebind ``t`` to ``t % o`` and leave the array ``t`` holds
    # unchanged (an argument of jit or fuse, a view): NumPy writes into it
    def __ifloordiv__(self, o): return _inplace(self, _R.floor_divide, o)
    def __imod__(self, o): return _inplace(self, _R.mod, o)
    def __iand__(self, o): return _inplace(self, _BITWISE_OPS["&"], o)
    def __ior__(self, o): return _inplace(self, _BITWISE_OPS["|"], o)
    def __ixor__(self, o): return _inplace(self, _BITWISE_OPS["^"], o)
    def __ilshift__(self, o): return _inplace(self, _BITWISE_OPS["<<"], o)
    def __irshift__(self, o): return _inplace(self, _BITWISE_OPS[">>"], o)
    def __imatmul__(self, o): return _inplace(self, _matmul_same_shape, o)

    # ---- methods mirroring ndarray ------------------------------------------------------
    # ndarray's positional order (axis, dtype, out, keepdims): CuPy's functions call methods so.
    # The reductions (sum, mean, prod, max, min, var, std, cumsum, cumprod, argmax, argmin,
    # all, any), squeeze, flatten, transpose, repeat and argsort are in gpuad/_torch_methods.py:
    # NumPy's path first, and torch's dim=/keepdim= where the call can only be torch's
    def dot(self, b, out=None):
        return _R.dot(self, b) if out is None else _R.dot(self, b, out=out)
    def clip(self, min=None, max=None, out=None, **kw):  # ndarray.clip's; a_min/a_max work
        if out is not None:
            kw["out"] = out
        return _R.clip(self, kw.pop("a_min", min), kw.pop("a_max", max), **kw)
    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        """ndarray.astype: ``casting`` is checked as NumPy checks it; ``copy=False`` returns
        this Tensor where it has ``dtype`` already; ``order`` is accepted (no layouts)."""
        if order not in ("K", "A", "C", "F", None):
            raise ValueError(f"astype: order must be one of 'K', 'A', 'C', 'F', not {order!r}")
        if casting != "unsafe" and not _np.can_cast(self.dtype, dtype, casting):
            raise TypeError(f"astype: cannot cast a Tensor of dtype {self.dtype} (shape "
                            f"{self.shape}) to {_np.dtype(dtype)} according to the rule "
                            f"{casting!r}")
        if not copy and self.dtype == _np.dtype(dtype):
            return self
        refuse_untracked_cast(self, dtype)
        return _R.astype(self, dtype)
    def ravel(self, order="C"): return _R.ravel(self, order)
    def round(self, decimals=0, out=None):
        return _R.round(self, decimals) if out is None else _R.round(self, decimals, out=out)
    def take(self, indices, axis=None, out=None, mode="raise"):
        if out is None and mode == "raise":
            return _R.take(self, indices, axis)
        from .numpy import take
        return take(self, indices, axis, out, mode)
    def nonzero(self): return _R.nonzero(self)
    def compress(self, condition, axis=None, out=None):
        return _R.compress(condition, self, axis, out=out)
    def argpartition(self, kth, axis=-1, kind="introselect", order=None):
        return _R.argpartition(self, kth, axis, kind, order)
    def partition(self, kth, axis=-1, kind="introselect", order=None):
        """NumPy's in-place partition (a recorded write); ``gnp.partition`` makes a copy."""
        self[...] = _R.partition(self, kth, axis, kind, order)
    def choose(self, choices, out=None, mode="raise"):
        return _R.choose(self, choices, out=out, mode=mode)
    def searchsorted(self, v, side="left", sorter=None):
        return _R.searchsorted(self, v, side, sorter)
    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        if dtype is None and out is None:
            return _R.trace(self, offset, axis1, axis2)
        from .numpy import trace
        return trace(self, offset, axis1, axis2, dtype, out)
    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _R.diagonal(self, offset, axis1, axis2)

    # replaced by gpuad._fastops.tensor_reshape (the same, the step recorded inline)
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return _prims.reshape(self, shape)  # gnp.reshape's C order, without its other options


    def swapaxes(self, a, b): return _R.swapaxes(self, a, b)

    @property
    def real(self) -> Tensor: return _R.real(self)

    @real.setter
    def real(self, value) -> None:  # ndarray's ``a.real = v``: a write through the view
        _R.real(self)[...] = value

    @property
    def imag(self) -> Tensor: return _R.imag(self)

    @imag.setter
    def imag(self, value) -> None:
        if self._data.dtype.kind != "c":
            raise TypeError(f"Tensor.imag = value: the tensor (dtype {self._data.dtype}) does "
                            f"not have an imaginary part to set, as in NumPy; make it complex "
                            f"first (z = t.astype(complex))")
        _R.imag(self)[...] = value

    def conj(self) -> Tensor: return _conj_method(self)
    def conjugate(self) -> Tensor: return _conj_method(self)

    def copy(self, order: str = "C") -> Tensor:
        from .numpy._more_names import check_order
        check_order(order, "copy")
        return _R.copy(self)

    def __deepcopy__(self, memo: dict) -> Tensor:
        """``copy.deepcopy``: a value with a recorded history (or tangents) is copied by the
        recorded ``copy``, so derivatives flow through the copy to the original's inputs (a
        copy of the tape itself would lead them to copies of those inputs, which nobody
        reads); a leaf becomes a new leaf with copied data, ``requires_grad`` and ``.grad``.

        Example: ``z = copy.deepcopy(x * 3.0)`` then ``grad`` of ``sum(z)`` at x is 3.
        """
        if (self._node is not None and self._node.rule is not None) or self._tan:
            from ._state import _grad_mode

            with _grad_mode(True):
                new = self.copy()
            memo[id(self)] = new
            return new
        import copy as _copy

        new = _new(type(self))  # a Parameter stays a Parameter
        memo[id(self)] = new
        for slot in Tensor.__slots__:
            if slot != "__weakref__" and hasattr(self, slot):
                setattr(new, slot, _copy.deepcopy(getattr(self, slot), memo))
        if hasattr(self, "__dict__"):
            new.__dict__.update(_copy.deepcopy(self.__dict__, memo))
        new._node = None  # its own leaf node, made when first used (the original's feeds it)
        new._elem = None  # an independent array: no copy torch views, never stale
        return new

    def __reduce_ex__(self, protocol: int) -> tuple:
        """``pickle`` (torch's rule): the value, ``requires_grad`` and ``name``, as a new leaf
        (the history and ``.grad`` are not pickled). A value batched by ``vmap``, carrying
        jvp tangents or requiring grad inside ``gpuad.grad``/``vjp`` raises (torch.func's and
        JAX's refuse them), and so does a value traced by ``gpuad.jit`` (as JAX's)."""
        if self._bat is not None:
            raise TypeError(
                "pickle: a Tensor batched by gpuad.vmap cannot be pickled (it exists only "
                "inside the vmapped function); return it from the function first")
        if self._tan:
            # the copy would be a constant: the tangents of the value would be lost silently
            what = "copied by copy.copy" if _called_by_copy() else "pickled"
            raise TypeError(
                f"a Tensor carrying forward-mode tangents (inside gpuad.jvp or gpuad.linearize) "
                f"cannot be {what}: the copy would have none. Use gnp.copy(t) for a copy "
                f"that keeps them, or t.detach() for the value alone")
        if self.requires_grad and getattr(_state.local, "tr_depth", 0):
            # inside gpuad.grad/vjp the copy would be a constant: no gradient through it
            what = "copied by copy.copy" if _called_by_copy() else "pickled"
            raise TypeError(
                f"a Tensor that requires grad cannot be {what} inside gpuad.grad, "
                f"value_and_grad or vjp: the copy would be a constant, and the gradient "
                f"through it would be lost (JAX's tracers refuse too). Use gnp.copy(t) for a "
                f"copy that is differentiated, or t.detach() for the value alone")
        state = getattr(self, "__dict__", None) or None
        return (_unpickle, (type(self), self._data, bool(self.requires_grad), self.name, state))

    def __delattr__(self, name: str) -> None:
        # ``del t.grad`` clears the gradient, as torch; the value and the flags stay
        if name == "grad":
            self.grad = None
            return
        if name in Tensor.__slots__ or name == "data":
            raise AttributeError(
                f"Tensor.{name} cannot be deleted (only del t.grad, which sets it to None)")
        object.__delattr__(self, name)


_new = object.__new__


def _current(t: Tensor) -> None:
    from .engine import current

    current(t)


def _called_by_copy() -> bool:
    """Whether ``__reduce_ex__`` runs for ``copy.copy``/``copy.deepcopy`` (not ``pickle``): the
    first caller outside gpuad is the copy module."""
    f = sys._getframe(1)
    while f is not None and (f.f_globals.get("__name__") or "").startswith("gpuad."):
        f = f.f_back
    return f is not None and f.f_globals.get("__name__") == "copy"


def _unpickle(cls: type, data: Any, requires_grad: bool, name: str | None,
              state: dict | None) -> Tensor:
    t = _new(cls)
    Tensor.__init__(t, data, requires_grad=requires_grad)
    t.name = name
    if state:
        t.__dict__.update(state)
    return t


_ARRAY_PROTOCOLS = ("__array__", "__array_interface__", "__cuda_array_interface__",
                    "__dlpack__", "__array_ufunc__")


def _foreign(o) -> bool:
    """An operand of a user's class gpuad has no conversion for: not a Tensor, array or
    number, no array protocol, and not a Python builtin (a dict, set, str or None keeps
    gpuad's own TypeError, as JAX's operators raise)."""
    if isinstance(o, (Tensor, _np.ndarray, _np.generic, _Number, list, tuple)):
        return False
    c = type(o)
    return c.__module__ != "builtins" and not any(hasattr(c, a) for a in _ARRAY_PROTOCOLS)


def _defer(o):
    """NotImplemented, so Python calls the operand's reflected method (``t + other`` runs
    ``other.__radd__(t)``; ``t == other`` falls back to identity), for an operand whose type
    sets ``__array_ufunc__ = None`` (NumPy's NEP 13) or that gpuad cannot convert at all
    (torch's rule for a user's class: its ``__radd__`` handles ``t + obj``; without one Python
    raises its own TypeError). Called while a TypeError is handled: any other operand
    re-raises it."""
    if getattr(type(o), "__array_ufunc__", 0) is None or _foreign(o):
        return NotImplemented
    raise  # noqa: PLE0704  (the TypeError being handled)


def _of_step(data: Any, node: Any, ver: list) -> Tensor:
    """``Tensor(data, _node=node, _ver=ver)``: the result of a recorded step."""
    t = _new(Tensor)
    t._data = data
    t._bat = None
    t.grad = None
    t._node = node
    t._ver = ver
    t._seen = ver[0]
    t._tan = None
    t._base = None
    t._view = None
    t.name = None
    t._elem = None
    t.requires_grad = True
    return t


def _constant(data: Any) -> Tensor:
    """``Tensor(data)``: a value that does not require grad."""
    t = _new(Tensor)
    t._data = data
    t._bat = None
    t.grad = None
    t._node = None
    t._ver = [0]
    t._seen = 0
    t._tan = None
    t._base = None
    t._view = None
    t.name = None
    t._elem = None
    t.requires_grad = False
    return t


def _int_scalar_index(i) -> bool:
    """An index torch reads as an integer (a view) where NumPy may copy: a NumPy integer or
    a 0-d integer array or Tensor."""
    if isinstance(i, _np.integer):
        return True
    d = i._data if i.__class__ is Tensor and i._bat is None else i
    return getattr(d, "ndim", None) == 0 and getattr(d, "dtype", None) is not None \
        and _np.dtype(d.dtype).kind in "iu"


def mark_element(r, index, src: Tensor | None = None):
    """``r = src[index]``, marked when it is a copy where torch's is a view: one element taken
    by integer indices, or any result of a 0-d integer array or Tensor index (NumPy's
    advanced indexing). Writes into it are refused (:func:`refuse_element_write`), and so is
    reading it once ``src`` has been written in place (:func:`refuse_stale`)."""
    if r.__class__ is not Tensor or r._base is not None or r._bat is not None:
        return r
    c = index.__class__
    if r._data.ndim == 0 and (c is int or c is tuple and all(i.__class__ is int for i in index)):
        r._elem = ElementCopy(src)
    elif c is not int and c is not slice:
        parts = index if c is tuple else (index,)
        basic = (int, slice, type(None), type(Ellipsis))
        scalar = [_int_scalar_index(i) for i in parts]
        if any(scalar) and all(
                s or i.__class__ in basic for i, s in zip(parts, scalar, strict=True)):
            r._elem = ElementCopy(src)
    return r


class TorchViewCopy:
    """The ``_elem`` mark of a copy where torch's result is a view (``z.conj()``,
    ``x.flatten()``): NumPy's writes into it stay (``c[0] = v``, ``c += v``), torch's in-place
    methods raise, and so does any use of it once the tensor it was copied from has been
    written in place (``src``, that tensor's version counter, no longer reads ``at``): NumPy
    would read the old values there, torch the new ones."""

    __slots__ = ("what", "advice", "src", "at", "up")

    def __init__(self, what: str, advice: str, src: Tensor | None = None):
        self.what, self.advice = what, advice
        self.src = None if src is None else src._ver  # (shared by src's views)
        self.at = None if src is None else src._ver[0]
        self.up = _mark_of(src)  # src's own mark: a copy of a copy goes stale with it

    def __reduce__(self):  # a pickled or deep-copied Tensor is an independent array: no mark
        return type(None), ()


class ReadOnlyCopy(TorchViewCopy):
    """The mark of a copy ``r = redo(src)`` that refuses writes (``_readonly.mark``) where
    torch's result is a view (``z.mH``, overlapping ``x.unfold``): read after a write to
    ``src``, it is computed again from ``src`` (values and history), so it reads what
    torch's view reads. Example: ``ReadOnlyCopy.attach(r, "Tensor.mH", src, redo)``."""

    __slots__ = ("source", "owner", "redo")

    @classmethod
    def attach(cls, r: Tensor, what: str, src: Tensor, redo: Any) -> Tensor:
        """Mark ``r`` (just made by ``redo(src)``, no views yet); returns ``r``."""
        import weakref

        m = cls(what, "", src)
        m.source, m.owner, m.redo = src, weakref.ref(r), redo
        r._elem = m
        return r

    def refresh(self) -> None:
        """Recompute the copy from its source, into its own buffer (its views see the new
        values), and bump its version: steps that saved the old values refuse to backward,
        as torch's do after a write to a view's base."""
        from . import engine
        from ._state import enable_grad

        r = self.owner()
        if r is not None and engine._trace is not None and _jit_active():
            raise RuntimeError(
                f"{self.what} read inside gpuad.jit after the tensor it was taken from was "
                f"written in place: gpuad's result is a copy (torch's a view) that is computed "
                f"again on such a read, which a compiled function cannot replay. Take it again "
                f"after the write")
        self.at = self.src[0]
        if r is None:
            return
        with enable_grad():
            new = self.redo(self.source)
        r._data[...] = new._data
        r._ver[0] += 1
        engine._set_history(r, new)


class ElementCopy(TorchViewCopy):
    """The mark of ``x[i]``'s one-element copy (NumPy's scalar, torch's 0-d view)."""

    __slots__ = ()
    what = "x[i] with integer indices (or a 0-d integer index)"  # (shared, never set)
    advice = "write into x itself (x[i] = v)"

    def __init__(self, src: Tensor | None = None):  # (made on every x[i]: kept short)
        if src is None:
            self.src = self.at = self.up = None
        else:
            v = self.src = src._ver
            self.at = v[0]
            self.up = None if src._elem is None else _mark_of(src)


def _mark_of(t: Tensor | None) -> TorchViewCopy | None:
    """``t``'s :class:`TorchViewCopy` mark (of any kind), or None."""
    if t is None:
        return None
    m = t._elem
    if m is None and t._base is not None:
        m = t._base._elem
    return m if isinstance(m, TorchViewCopy) else None


def refuse_stale(t: Tensor) -> None:
    """Raise when ``t`` (or the base it is a view of) is a :class:`TorchViewCopy` whose source
    has been written in place since the copy was made, directly or through a copy it was
    itself taken from (a :class:`ReadOnlyCopy` is computed again instead); return otherwise.
    Example: ``y = x.flatten(); x.add_(1); y.sum()`` raises here, where torch's view would
    read ``x``'s new values and NumPy's copy the old ones."""
    m = t._elem
    if m.__class__ is not str and m.up is None and (m.src is None or m.src[0] == m.at):
        return  # the common case: a copy whose source is as it was
    for u in (t, t._base):
        m = None if u is None else u._elem
        if m is None or m.__class__ is str or not _stale(m):
            continue
        if m.__class__ is ReadOnlyCopy:
            m.refresh()
            continue
        raise RuntimeError(
            f"reading a tensor of shape {t.shape} made by {m.what}: a copy in gpuad but a "
            f"view in torch, and the tensor it was copied from has been written in place "
            f"since, so torch would read the new values where this copy holds the old ones. "
            f"To keep the old values, copy explicitly when taking it (.clone() or .copy()); "
            f"to read the new ones, take it again after the write")


def _stale(m: TorchViewCopy) -> bool:
    up = m.up
    if up is not None and _stale(up):
        if up.__class__ is not ReadOnlyCopy:
            return True  # a copy of a stale copy
        up.refresh()  # (bumps the version m.src reads)
    return m.src is not None and m.src[0] != m.at


def _conj_method(t: Tensor) -> Tensor:
    if t.dtype == bool:  # ndarray.conj() keeps bool (the ufunc np.conj makes int8)
        return t
    r = _R.conj(t)
    if r is not t and r.__class__ is Tensor and r._base is None:
        r._elem = TorchViewCopy("z.conj()", "write into z itself (z[i] = v.conj())", t)
    return r


def torch_view_copy(t: Tensor) -> TorchViewCopy | None:
    """The :class:`TorchViewCopy` mark (not an element's) of ``t`` or of its base, if any."""
    for u in (t, t._base):
        m = None if u is None else u._elem
        if m.__class__ is TorchViewCopy:
            return m
    return None


def copied_element(t: Tensor) -> bool:
    """Whether ``t`` is, or is a view of, a copy marked by :func:`mark_element`."""
    return t._elem.__class__ is ElementCopy or (
        t._base is not None and t._base._elem.__class__ is ElementCopy)


def refuse_element_write(what: str) -> None:
    """Raise for a write into a 0-d Tensor made by ``x[i]`` with integer indices: NumPy's
    ``x[i]`` is a copy (a scalar), PyTorch's a view, so the write would reach ``x`` in one and
    not in the other. ``y = x[i]; y += v`` keeps NumPy's meaning (``y`` alone changes)."""
    raise RuntimeError(
        f"{what}: this tensor is a copy of one element made by x[i] with integer indices "
        f"(NumPy's scalar), or a copy made by a NumPy integer or 0-d integer array or Tensor "
        f"index (NumPy's advanced indexing); in PyTorch it is a view, so the write would not "
        f"reach x. Write into x itself (x[i] = v, x[i] += v) or take a view with Python ints "
        f"and Ellipsis, x[i, ...] (i = int(i)), and write into that")


def _inplace(t: Tensor, op, other) -> Tensor:
    from ._state import seq
    from .engine import assign_inplace

    since = next(seq)  # the steps ``op`` records belong to this write
    try:
        r = op(t, other)
    except TypeError:
        # an operand gpuad cannot convert: Python then tries ``t = t op other``, which gives
        # the operand's reflected method its turn (torch's rule) or raises Python's TypeError
        return _defer(other)
    dt = getattr(r, "dtype", None)
    if dt is not None and dt != t._data.dtype and not _np.can_cast(dt, t._data.dtype,
                                                                   "same_kind"):
        # NumPy's ``a += b`` keeps a's dtype under the rule "same_kind": complex into real
        # (the imaginary part would be dropped) or float into integer raises
        raise CastingError(
            f"Tensor {op.__name__} in place: cannot cast the result from {dt} to the "
            f"tensor's dtype {t._data.dtype} with casting rule 'same_kind', as in NumPy; "
            f"write t = t {_SYMBOL.get(op.__name__, 'op')} other for a new Tensor, or convert "
            f"explicitly (gnp.real(...), .astype(...))")
    rs = tuple(getattr(r, "shape", ()))
    if rs != tuple(t.shape):
        # NumPy's ``a += b`` needs the result to have a's shape; a write of it (which may
        # drop leading ones: a 0-d ``a`` would take a (1,) result) is not enough
        raise ValueError(
            f"Tensor {op.__name__} in place: non-broadcastable output operand with shape "
            f"{tuple(t.shape)} doesn't match the broadcast shape {rs}, as in NumPy; write "
            f"t = t {_SYMBOL.get(op.__name__, 'op')} other for a new Tensor")
    assign_inplace(t, r, None, since)
    return t


def _squares(t, o) -> bool:
    """Whether ``t ** o`` is ``square(t)``, as NumPy's and CuPy's ``**`` make it (on a GPU
    CuPy's power kernel, powf(x, 2), rounds differently from its square kernel, x * x)."""
    if o.__class__ is int and o == 2 and t.dtype.kind == "b":
        return True  # NumPy's bool ** 2 is square's int8 (power's is int64)
    return (o.__class__ is int or o.__class__ is float) and o == 2 and t.dtype.kind in "fc"


def _power_op(t, o):
    return _R.square(t) if _squares(t, o) else _R.power(t, o)


_power_op.__name__ = "power"

def _bitwise_op(symbol: str, name: str):
    def op(t, o):
        return _bitwise(symbol, t, o)
    op.__name__ = name
    return op


_BITWISE_OPS = {s: _bitwise_op(s, n) for s, n in (
    ("&", "bitwise_and"), ("|", "bitwise_or"), ("^", "bitwise_xor"), ("<<", "left_shift"),
    (">>", "right_shift"))}


def _matmul_same_shape(t, o):
    """``t @= o``: NumPy computes ``t @ o`` and writes it into ``t`` only where it has ``t``'s
    shape (``o`` square in its last two axes), never broadcasting it into ``t``."""
    r = _R.matmul(t, o)
    if tuple(r.shape) != tuple(t.shape):
        raise ValueError(
            f"t @= o: the product of shapes {tuple(t.shape)} and {tuple(getattr(o, 'shape', ()))}"
            f" has shape {tuple(r.shape)}, not t's; as in NumPy, write t = t @ o for a new "
            f"Tensor")
    return r


_matmul_same_shape.__name__ = "matmul"

_SYMBOL = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "true_divide": "/",
           "power": "**", "floor_divide": "//", "mod": "%", "remainder": "%",
           "bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^", "left_shift": "<<",
           "right_shift": ">>", "matmul": "@"}


def _jit_active() -> bool:
    from .jit import trace as _jt

    return _jt.active() is not None
