"""PyTorch's Tensor methods on gpuad's Tensor, each composed of differentiable gpuad.numpy ops.

A Tensor follows NumPy's ``ndarray``; this module adds the methods a PyTorch program calls
(``x.sum(dim=1, keepdim=True)``, ``x.view(2, -1)``, ``x.unsqueeze(0)``, ``x.clamp(min=0)``,
``x.masked_fill(m, 0)``, ``x.add_(y, alpha=2)``, ...). Every method is a short composition of
recorded ops, so gradients, forward mode, ``vmap``, ``jit`` and both backends work as they do
for the ops themselves. In-place methods (``add_``, ``zero_``, ``copy_``, ...) write through the
same recorded path as ``x[...] = v`` and ``x += v``: versions are bumped and a step that saved the
old values refuses to backward.

Where a PyTorch name already has NumPy's meaning on a Tensor, NumPy's stays, and PyTorch's is
taken only when the call cannot be NumPy's: a ``dim=``/``keepdim=`` keyword (NumPy has
neither), ``x.flatten(1)``, ``x.transpose(0, 2)`` on a 3-D tensor, ``x.max(other_tensor)``.
Calls that mean different things in the two and would differ silently either raise
(``x.sort()``, ``x.transpose(0, 1)`` on a 2-D tensor, ``x.view`` where torch refuses to view)
or are listed in docs/porting.md (``x.max(1)``, ``x.std(0)``, ``x.repeat(2)``).

The methods live in gpuad/_torch_reductions.py, _torch_shapes.py, _torch_indexing.py,
_torch_statistics.py, _torch_scatters.py, _torch_more_shapes.py, _torch_numeric.py,
_torch_linalg_methods.py and here (elementwise ops, conversions, in-place forms); they are
attached to Tensor at import.

Example::

    x = gpuad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    v, i = x.max(dim=1)                          # torch's (values, indices)
    y = x.unsqueeze(0).clamp(min=1.0).sum(dim=-1, keepdim=True)
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from . import _links, _torch_indexing, _torch_reductions, _torch_scatter_reduce, _torch_shapes
from . import _value_checks as _vc
from . import rules as _r
from ._softmax import log_softmax as _log_softmax
from ._softmax import softmax as _softmax
from ._state import seq as _seq
from ._torch_args import _axis, _check_fill, _dtype, _kind, _shape_args, _xp
from .backends import backend_of_type
from .engine import assign_inplace
from .tensor import CastingError, Tensor

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")


# ---- elementwise --------------------------------------------------------------------------
def clamp(self, min=None, max=None) -> Tensor:  # noqa: A002
    """torch's ``clamp``: NumPy's ``clip`` (either bound may be None or a tensor).
    Example: ``x.clamp(min=0)``"""
    if min is None and max is None:
        raise ValueError("Tensor.clamp: give min=, max= or both")
    return _R.clip(self, min, max)


def clamp_min(self, min) -> Tensor:  # noqa: A002
    """``clamp(min=min)``. Example: ``x.clamp_min(1e-6)``"""
    return _R.clip(self, min, None)


def clamp_max(self, max) -> Tensor:  # noqa: A002
    """``clamp(max=max)``. Example: ``x.clamp_max(1.0)``"""
    return _R.clip(self, None, max)


def pow(self, exponent) -> Tensor:  # noqa: A001
    """``self ** exponent`` (a bool tensor to an int power is int64, as torch's and
    ``np.power``'s; NumPy's ``b ** 2`` squares into int8). Example: ``x.pow(3)``"""
    if self.dtype.kind == "b" and exponent.__class__ is int:
        return _R.power(self, exponent)
    return self**exponent


def square(self) -> Tensor:
    """``self * self``; a bool tensor gives int64, as torch's. Example: ``x.square()``"""
    return _R.power(self, 2) if self.dtype.kind == "b" else _R.square(self)


def rsqrt(self) -> Tensor:
    """``1 / sqrt(x)``. Example: ``v.rsqrt()``"""
    return _R.reciprocal(_R.sqrt(self))


def relu(self) -> Tensor:
    """``max(x, 0)``; the derivative at 0 is 0, as in torch. Example: ``x.relu()``"""
    if self.dtype.kind == "c":
        from .nn._real_inputs import real_input

        real_input("Tensor.relu", self)
    return _r.relu(self)


def sigmoid(self) -> Tensor:
    """The logistic sigmoid (``1 / (1 + exp(-z))`` for complex values, as torch).
    Example: ``x.sigmoid()``"""
    if self.dtype.kind == "c":
        return _R.reciprocal(1 + _R.exp(-self))
    return _r.sigmoid(self)


def _along_0d(fn, name: str, x, dim):
    """``fn(x, dim)``; on a 0-d tensor (dims 0 and -1, as torch) that of its one-entry form."""
    if x.ndim:
        return fn(x, dim)
    _axis(name, dim, 0)
    return _R.reshape(fn(_R.reshape(x, (1,)), 0), ())


def _cast_first(x, dtype):
    """``x`` in ``dtype`` (a NumPy or torch dtype) when one is given, as torch's ``dtype=``."""
    from ._torch_args import _dtype

    return x if dtype is None else _R.astype(x, _dtype(dtype))


def softmax(self, dim: int, dtype=None) -> Tensor:
    """Softmax along ``dim``. Example: ``logits.softmax(dim=-1)``"""
    return _along_0d(_softmax, "softmax", _cast_first(self, dtype), dim)


def log_softmax(self, dim: int, dtype=None) -> Tensor:
    """Log-softmax along ``dim``. Example: ``logits.log_softmax(dim=-1)``"""
    return _along_0d(_log_softmax, "log_softmax", _cast_first(self, dtype), dim)


def frac(self) -> Tensor:
    """``x - trunc(x)`` (derivative 1). Example: ``x.frac()``"""
    return self - _R.trunc(self)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _number_kind(x) -> str:
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return dt.kind
    return "b" if isinstance(x, bool) else "i" if isinstance(x, int) else \
        "c" if isinstance(x, complex) else "f" if isinstance(x, float) else "?"


def _alpha(name: str, a, b, alpha, what: str = "alpha"):
    """``alpha`` checked as torch checks it against the category of ``a`` and ``b``'s result
    (a bool for bool results only, a float for float or complex results, a complex number for
    complex results), so ``alpha * other`` never widens the result silently; a NumPy scalar
    is taken as the Python number (weak, as torch's), an int for a bool result as a bool."""
    if alpha.__class__ is int and alpha == 1:
        return alpha
    if isinstance(alpha, _np.generic):
        alpha = alpha.item()
    ka = _number_kind(alpha)
    if ka not in _CATEGORY:
        return alpha
    res = max(_CATEGORY.get(_number_kind(a), 2), _CATEGORY.get(_number_kind(b), 2))
    if ka == "b" and res != 0:
        raise CastingError(f"Tensor.{name}: a boolean {what} is only taken for boolean results; "
                           f"pass {what}=1 or {what}=0")
    if ka in "fc" and res <= 1:
        raise CastingError(f"Tensor.{name}: {what}={alpha!r} is a floating point number, but the "
                           f"inputs are integer or boolean tensors (torch refuses it too); "
                           f"convert them first (.double())")
    if ka == "c" and res < 3:
        raise CastingError(f"Tensor.{name}: {what}={alpha!r} is a complex number, but the inputs "
                           f"are not complex (torch refuses it too); convert them first "
                           f"(.cdouble())")
    return bool(alpha) if res == 0 else alpha


def add(self, other, *, alpha=1) -> Tensor:
    """``self + alpha * other``. Example: ``x.add(y, alpha=-0.1)``"""
    alpha = _alpha("add", self, other, alpha)
    return self + (other if alpha == 1 else alpha * other)


def sub(self, other, *, alpha=1) -> Tensor:
    """``self - alpha * other``. Example: ``x.sub(y)``"""
    alpha = _alpha("sub", self, other, alpha)
    return self - (other if alpha == 1 else alpha * other)


def rsub(self, other, *, alpha=1) -> Tensor:
    """``other - alpha * self``. Example: ``x.rsub(1.0)``"""
    alpha = _alpha("rsub", self, other, alpha)
    return other - (self if alpha == 1 else alpha * self)


def mul(self, other) -> Tensor:
    """``self * other``. Example: ``x.mul(2)``"""
    return self * other


def div(self, other, *, rounding_mode=None) -> Tensor:
    """``self / other``; ``rounding_mode="floor"`` or ``"trunc"`` rounds the quotient (no
    derivative: the result is piecewise constant). Example: ``x.div(y, rounding_mode="floor")``
    """
    if rounding_mode is None:
        return self / other
    if rounding_mode == "floor":
        return _R.floor_divide(self, other)
    if rounding_mode == "trunc":
        if _kind(self) in "biu" and _kind(other) in "biu":
            q = _R.floor_divide(self, other)
            inexact = _R.not_equal(_R.mod(self, other), 0)
            signs = _R.not_equal(_R.less(self, 0), _R.less(other, 0))
            return q + _R.astype(_R.logical_and(inexact, signs), q.dtype)
        return _R.trunc(self / other)
    raise ValueError(
        f"Tensor.div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
    )


def lerp(self, end, weight) -> Tensor:
    """``self + weight * (end - self)``, rounded as torch's: from ``end`` (``end - (1 -
    weight) * (end - self)``) where ``|weight| >= 0.5``, so ``weight = 1`` gives ``end``
    exactly; an infinite difference takes the first form (the limit, where torch's second
    gives NaN). Example: ``a.lerp(b, 0.25)``"""
    if isinstance(weight, float):
        dt = _float_dtype(self, end)  # the result's: float32 with a float64 end is float64
        if dt is not None and dt.kind == "f":
            weight = dt.type(weight)  # rounded first, as torch's kernel takes it
    diff = end - self
    small = _R.logical_or(_R.less(_R.abs(weight), 0.5), _R.isinf(diff))
    return _R.where(small, self + weight * diff, end - (1 - weight) * diff)


def addcmul(self, tensor1, tensor2, *, value=1) -> Tensor:
    """``self + value * tensor1 * tensor2``. Example: ``x.addcmul(a, b, value=0.5)``"""
    return self + (tensor1 * tensor2 if value == 1 else value * tensor1 * tensor2)


def addcdiv(self, tensor1, tensor2, *, value=1) -> Tensor:
    """``self + value * tensor1 / tensor2``. Example: ``p.addcdiv(m, v.sqrt() + eps)``"""
    return self + (tensor1 / tensor2 if value == 1 else value * tensor1 / tensor2)


def nan_to_num(self, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    """NaN and infinities replaced by numbers. Example: ``x.nan_to_num(posinf=1e9)``"""
    return _R.nan_to_num(self, nan=nan, posinf=posinf, neginf=neginf)


def allclose(
    self, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether ``|self - other| <= atol + rtol * |other|`` everywhere (a Python bool).
    Example: ``x.allclose(y)``"""
    a, b = _plain(self), _plain(other)
    _vc.host_read("Tensor.allclose() (a Python bool: its value)", a, b)  # (CuPy: a 0-d array)
    return bool(_xp(self).allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(
    self, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Elementwise closeness (boolean). Example: ``x.isclose(y)``"""
    a, b = _plain(self), _plain(other)
    return Tensor(_xp(self).isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(self, other) -> bool:
    """Whether both have the same shape and elements (a Python bool). Example: ``x.equal(y)``"""
    a, b = _plain(self), _plain(other)
    if a.shape != b.shape:
        return False
    _vc.host_read("Tensor.equal() (a Python bool: its value)", a, b)  # (CuPy: a 0-d array)
    return bool(_xp(self).array_equal(a, b))


def _plain(x):
    """The values of a Tensor (or array, or number) for a comparison without derivative."""
    if isinstance(x, Tensor):
        return x.detach()._data if x._bat is None else x.data  # (vmap raises clearly)
    return x


def masked_fill(self, mask, value) -> Tensor:
    """``value`` where ``mask`` is true, else ``self``; both broadcast together, as torch's
    out-of-place ``masked_fill``. Example: ``scores.masked_fill(~keep, -1e9)``"""
    m = mask if _kind(mask) == "b" else None
    if m is None:
        raise TypeError(
            f"Tensor.masked_fill: the mask must be boolean, got dtype "
            f"{getattr(mask, 'dtype', type(mask).__name__)}"
        )
    try:
        shp = _np.broadcast_shapes(self.shape, tuple(m.shape))
    except ValueError:
        raise ValueError(
            f"Tensor.masked_fill: the mask of shape {tuple(m.shape)} does not broadcast with "
            f"the tensor of shape {self.shape}") from None
    value = _check_fill("Tensor.masked_fill", value, self.dtype)
    r = _R.where(_R.broadcast_to(m, shp), value, self)
    return r if r.dtype == self.dtype else _R.astype(r, self.dtype)


def where(self, condition, y) -> Tensor:
    """torch's ``x.where(cond, y)``: ``self`` where ``condition``, else ``y``.
    Example: ``x.where(x > 0, 0.0)``"""
    if _kind(condition) != "b":  # (gnp.where keeps NumPy's truth of any dtype)
        raise TypeError(f"Tensor.where: the condition must be boolean, as in torch, got dtype "
                        f"{getattr(condition, 'dtype', type(condition).__name__)}; compare "
                        f"first (x.where(c != 0, y))")
    return _R.where(condition, self, y)


def masked_select(self, mask) -> Tensor:
    """The entries where ``mask`` is true, as a 1-D tensor (both broadcast).
    Example: ``x.masked_select(x > 0)``"""
    if _kind(mask) != "b":  # an integer mask would index by its values (NumPy's take)
        raise TypeError(
            f"Tensor.masked_select: the mask must be boolean, as in torch, got dtype "
            f"{getattr(mask, 'dtype', type(mask).__name__)}; compare first (m != 0)")
    shp = _np.broadcast_shapes(self.shape, tuple(getattr(mask, "shape", ())))
    return _R.broadcast_to(self, shp)[_R.broadcast_to(mask, shp)]


# ---- information, copies, conversions ----------------------------------------------------
def numel(self) -> int:
    """The number of elements (``x.size``). Example: ``x.numel()``"""
    return self.size


def dim(self) -> int:
    """The number of dims (``x.ndim``). Example: ``x.dim()``"""
    return self.ndim


def element_size(self) -> int:
    """Bytes per element. Example: ``x.element_size()``"""
    return self.dtype.itemsize


def is_floating_point(self) -> bool:
    return self.dtype.kind == "f"


def is_complex(self) -> bool:
    return self.dtype.kind == "c"


def is_signed(self) -> bool:
    """torch's: whether the dtype holds negative values (not unsigned or bool)."""
    return self.dtype.kind in "ifc"


def clone(self, *, memory_format=None) -> Tensor:
    """A copy, recorded (gradients flow through it). Example: ``y = x.clone()``"""
    return _R.copy(self)


def is_contiguous(self, memory_format=None) -> bool:
    """Whether the data is C-contiguous. Example: ``x.t().is_contiguous()``"""
    return bool(self._data.flags.c_contiguous)


def contiguous(self, memory_format=None) -> Tensor:
    """``self`` if C-contiguous, else a recorded contiguous copy. Example: ``x.t().contiguous()``"""
    if self._bat is None and self._data.flags.c_contiguous:
        return self
    return _R.reshape(_R.ravel(self), self.shape)  # ravel copies into C order


def _size_args(args: tuple) -> tuple:
    return _shape_args("new_*", args)


def _new(self, fill, size, dtype, requires_grad):
    xp = _xp(self)
    dt = self.dtype if dtype is None else _dtype(dtype)
    if fill is not None:
        fill = _check_fill("Tensor.new_full", fill, dt)
    bat = self._bat
    if bat is not None and not requires_grad:
        # inside vmap, batched as ``self`` is (as torch's batching rule makes it): a backward
        # written ``r = g.new_zeros(shape); r[idx] = g`` then takes one value per example
        size = tuple(self._data.shape[: len(bat)]) + tuple(size)
    else:
        bat = None
    data = xp.empty(size, dt) if fill is None else xp.full(size, fill, dt)
    return Tensor(data, requires_grad=requires_grad, _bat=bat)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros of ``size``, this tensor's dtype and backend (a constant unless
    ``requires_grad``). Example: ``x.new_zeros(2, 3)``"""
    return _new(self, 0, _size_args(size), dtype, requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Ones of ``size``. Example: ``x.new_ones(x.shape)``"""
    return _new(self, 1, _size_args(size), dtype, requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uninitialised values of ``size``. Example: ``x.new_empty(4)``"""
    return _new(self, None, _size_args(size), dtype, requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``fill_value`` everywhere. Example: ``x.new_full((2, 2), -1.0)``"""
    return _new(self, fill_value, _size_args((size,)), dtype, requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new constant tensor holding a copy of ``data``, in this tensor's dtype unless
    ``dtype`` is given. Example: ``x.new_tensor([1.0, 2.0])``"""
    if isinstance(data, Tensor):
        if data.requires_grad:
            raise TypeError(
                "Tensor.new_tensor(t): t requires grad, and a new tensor of its values would be "
                "a constant, cutting its gradient (torch's copies it detached, with a warning); "
                "use t.clone() (recorded), or t.detach() for a constant")
        data = data.detach()._data
    xp = _xp(self)
    dt = self.dtype if dtype is None else _dtype(dtype)
    return Tensor(xp.array(data, dtype=dt, copy=True), requires_grad=requires_grad)


def new(self, *args, dtype=None, device=None) -> Tensor:
    """torch's legacy constructor: ``x.new(2, 3)`` is ``x.new_empty(2, 3)``, ``x.new(data)`` (a
    list or an array) is ``x.new_tensor(data)``, ``x.new()`` an empty 1-D tensor. A tuple or a
    Tensor argument raises (torch reads a tuple as data but its ``torch.Size`` as a shape, and
    aliases a Tensor): say which with ``new_empty(shape)``, ``new_tensor(data)`` or ``t``.
    Example: ``grad_output.new(numpy_result)``"""
    if not args:
        return new_empty(self, 0, dtype=dtype)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return new_empty(self, *args, dtype=dtype)
    if len(args) == 1:
        a = args[0]
        if isinstance(a, Tensor):
            raise TypeError(
                "Tensor.new(t) with a Tensor t: torch returns t itself (an alias, when the "
                "dtypes match); write t, t.clone() (recorded) or x.new_tensor(t.detach())")
        if isinstance(a, tuple):
            raise TypeError(
                "Tensor.new(tuple) is ambiguous: torch reads a tuple as data but x.size() (a "
                "torch.Size) as a shape; write x.new_empty(shape) or x.new_tensor(data)")
        if isinstance(a, list) or getattr(a, "ndim", 0) >= 1:
            return new_tensor(self, a, dtype=dtype)
    raise TypeError(
        f"Tensor.new(): takes sizes (ints) or data (a list or an array), got "
        f"{', '.join(type(a).__name__ for a in args)}")


def _cast(dtype):
    def convert(self, memory_format=None) -> Tensor:  # a layout only: the values are the same
        return self if self.dtype == dtype else _R.astype(self, dtype)

    return convert


def _device_of(self) -> str:
    return "cpu" if backend_of_type(type(self._data)).name == "numpy" else "cuda"


def _device(self, device, what: str) -> None:
    """Refuse a move to another device: a Tensor stays on its backend's."""
    want = str(getattr(device, "type", device)).split(":")[0]
    have = _device_of(self)
    if want == "meta":
        raise RuntimeError(
            f"Tensor.{what}: gpuad has no meta device (tensors without data). A base "
            f"model for functional_call (torch.func's copy.deepcopy(model).to('meta')) needs "
            f"no move: functional_call replaces its parameters; drop the .to('meta')"
        )
    if want != have:
        raise RuntimeError(
            f"Tensor.{what}: this tensor lives on the {'numpy' if have == 'cpu' else 'cupy'} "
            f"backend ({have}); gpuad does not move recorded tensors between devices. Pick "
            f"the backend with gpuad.use_backend(...), or take a host copy with .numpy()"
        )


def _is_device(a) -> bool:
    if hasattr(a, "type") and a.__class__.__name__ == "device":
        return True
    return isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "meta", "mps")


def to(self, *args, **kw) -> Tensor:
    """torch's ``to``: ``to(dtype)``, ``to(other)`` (its dtype), ``to(device)`` (this
    tensor's device only), ``copy=True`` for a copy. Example: ``x.to(gnp.float32)``"""
    dtype = kw.pop("dtype", None)
    device = kw.pop("device", None)
    copy = kw.pop("copy", False)
    kw.pop("non_blocking", None)
    kw.pop("memory_format", None)
    if kw:
        raise TypeError(f"Tensor.to got unexpected keyword arguments {sorted(kw)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif _is_device(a):
            device = a
        elif isinstance(a, bool):  # to(dtype, non_blocking, copy)
            continue
        else:
            dtype = a
    if device is not None:
        _device(self, device, "to")
    r = self
    if dtype is not None and _dtype(dtype) != self.dtype:
        r = _R.astype(self, _dtype(dtype))
    elif copy:
        r = _R.copy(self)
    return r


def tensor_type(self, dtype=None, non_blocking: bool = False) -> Any:
    """torch's ``type``: ``x.type(dtype)`` is ``x.to(dtype)`` (a torch dtype, a NumPy one or
    its name); ``x.type()`` names the dtype (``"float64"``).
    Example: ``(y_hat.argmax(axis=1).type(y.dtype) == y)``"""
    if dtype is None:
        return str(self.dtype)
    if isinstance(dtype, type) and dtype.__name__.endswith("Tensor") and \
            dtype.__module__.startswith("torch"):  # x.type(torch.IntTensor), the class
        dtype = f"{dtype.__module__}.{dtype.__name__}"
    if isinstance(dtype, str) and dtype.endswith("Tensor"):  # x.type("torch.DoubleTensor")
        name = dtype.rsplit(".", 1)[-1][:-len("Tensor")]
        if name not in _TENSOR_TYPES:
            raise TypeError(f"Tensor.type: unknown tensor type {dtype!r}")
        _device(self, "cuda" if ".cuda." in dtype else "cpu", "type")
        dtype = _TENSOR_TYPES[name]
    return to(self, dtype)


def bfloat16(self, memory_format=None) -> Tensor:
    """torch's ``x.bfloat16()``: raises, as gpuad has no bfloat16 dtype (NumPy lacks it); use
    ``x.float()`` (float32) or ``x.half()`` (float16)."""
    from ._torch_args import _no_dtype

    _no_dtype("bfloat16")
    raise AssertionError  # (unreachable)


_TENSOR_TYPES = {
    "Double": "float64", "Float": "float32", "Half": "float16", "Long": "int64",
    "Int": "int32", "Short": "int16", "Char": "int8", "Byte": "uint8", "Bool": "bool",
}


def repeat_interleave(self, repeats, dim=None, *, output_size=None) -> Tensor:
    """torch's ``repeat_interleave``: each element ``repeats`` times along ``dim`` (the
    flattened tensor when None), NumPy's ``repeat``. Example: ``lens.repeat_interleave(3)``"""
    if isinstance(repeats, Tensor):
        repeats = repeats.detach()._data
    if dim is not None and _R.ndim(self) == 0:  # torch refuses it (NumPy's repeat takes it)
        raise IndexError(f"Tensor.repeat_interleave: dim={dim} of a 0-d tensor is out of "
                         f"range in torch; pass dim=None or reshape the tensor to (1,)")
    out = _R.repeat(self, repeats, axis=dim)
    if output_size is not None and _R.shape(out)[0 if dim is None else dim] != output_size:
        raise ValueError(f"Tensor.repeat_interleave: output_size={output_size} does not match "
                         f"the result's shape {_R.shape(out)}")
    return out


def type_as(self, other) -> Tensor:
    """This tensor in ``other``'s dtype. Example: ``mask.type_as(x)``"""
    return self if self.dtype == other.dtype else _R.astype(self, other.dtype)


def cpu(self) -> Tensor:
    """``self`` on the NumPy backend; a CuPy-backend tensor raises (use ``.numpy()``)."""
    _device(self, "cpu", "cpu()")
    return self


def cuda(self, device=None) -> Tensor:
    """``self`` on the CuPy backend; a NumPy-backend tensor raises."""
    _device(self, "cuda", "cuda()")
    return self


# ---- in place ----------------------------------------------------------------------------
def _writable(self, name: str) -> None:
    from .tensor import copied_element, refuse_element_write, torch_view_copy

    if copied_element(self):
        refuse_element_write(f"Tensor.{name}")
    m = torch_view_copy(self)
    if m is not None:
        raise RuntimeError(
            f"Tensor.{name}: this tensor is (a view of) {m.what}, a copy as in NumPy (a view "
            f"in torch), so the write would not reach the tensor it came from; {m.advice}, or "
            f"write into an explicit copy (.clone())")


def _write(self, fn, args, kw, name: str) -> Tensor:
    """``self[...] = fn(self, ...)``, recorded as ``x += v`` is: versions are bumped, values
    the step saved from ``self`` are kept, a leaf that requires grad refuses."""
    _writable(self, name)
    since = next(_seq)
    r = fn(self, *args, **kw)
    shp = tuple(getattr(r, "shape", ()))
    if shp != self.shape:
        raise RuntimeError(
            f"Tensor.{name}: the result has shape {shp}, the tensor "
            f"{self.shape}; an in-place op cannot change the shape"
        )
    dt = getattr(r, "dtype", None)
    if dt is not None and dt != self.dtype and not _np.can_cast(dt, self.dtype, "same_kind"):
        raise CastingError(
            f"Tensor.{name}: the result (dtype {dt}) cannot be cast to the "
            f"tensor's dtype {self.dtype}; use {name[:-1]}(...) for a new tensor"
        )
    assign_inplace(self, r, None, since)
    return self


def _in_place(name: str, fn):
    def method(self, *args, **kw) -> Tensor:
        return _write(self, fn, args, kw, name)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{name[:-1]}`` written into this tensor (recorded, versions bumped)."
    return method


def _draw(name: str, shape: tuple, generator) -> Any:
    if generator is not None:
        raise TypeError(f"Tensor.{name}: generator= is not taken; seed gpuad.numpy.random "
                        f"(gnp.random.seed(0))")
    from .numpy import random as _random

    return _random


def _continuous(self, name: str) -> None:
    """Refuse draws of a continuous distribution into an integer or bool tensor, as torch:
    NumPy's write would truncate them (``normal_()`` of int64 gave mostly zeros)."""
    if self.dtype.kind not in "fc":
        raise TypeError(f"Tensor.{name}: needs a floating point or complex tensor, got dtype "
                        f"{self.dtype} (the draws would be truncated); draw into a float tensor "
                        f"and convert explicitly")


def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with draws from N(mean, std^2) from ``gpuad.numpy.random``, in place (a
    versioned write: under ``no_grad`` for a leaf that requires grad, as in torch). A complex
    tensor takes real and imaginary parts from N(mean, std^2 / 2) each, as torch's.
    Example: ``with gpuad.no_grad(): net[0].weight.normal_(0, 0.01)``"""
    if not float(std) >= 0:
        raise ValueError(f"Tensor.normal_: std must be >= 0, got {std}")
    _writable(self, "normal_")
    _continuous(self, "normal_")
    r = _draw("normal_", self.shape, generator)
    if self.dtype.kind == "c":
        s = std / 2**0.5
        self[...] = r.normal(mean, s, self.shape) + 1j * r.normal(mean, s, self.shape)
    else:
        self[...] = r.normal(mean, std, self.shape)
    return self


def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fill with draws from U(a, b), in place (a complex tensor: real and imaginary parts
    each, as torch's). Example: ``w.uniform_(-0.1, 0.1)``"""
    if not float(a) <= float(b):  # NumPy would draw from (b, a] silently
        raise ValueError(f"Tensor.uniform_: expects a range [from, to) with from <= to, got "
                         f"from={a} > to={b}")
    _writable(self, "uniform_")
    _continuous(self, "uniform_")
    r = _draw("uniform_", self.shape, generator)
    if self.dtype.kind == "c":
        self[...] = r.uniform(a, b, self.shape) + 1j * r.uniform(a, b, self.shape)
    else:
        self[...] = r.uniform(a, b, self.shape)
    return self


def bernoulli_(self, p: float = 0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 draws that are 1 with probability ``p``, in place (a constant).
    Example: ``mask = x.new_empty(x.shape).bernoulli_(0.8)``"""
    if not 0 <= float(p) <= 1:
        raise ValueError(f"Tensor.bernoulli_: p must lie in [0, 1], got {p}")
    _writable(self, "bernoulli_")
    self[...] = _draw("bernoulli_", self.shape, generator).uniform(0, 1, self.shape) < p
    return self


def _real_draws(self, name: str) -> None:
    """torch's continuous fills other than normal_/uniform_ take real floating tensors only."""
    _writable(self, name)
    if self.dtype.kind != "f":
        raise TypeError(f"Tensor.{name}: needs a real floating point tensor, got dtype "
                        f"{self.dtype}, as torch's; draw into a float tensor and cast")


def exponential_(self, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with draws from the exponential distribution of rate ``lambd`` (> 0; inf gives
    zeros), in place, from ``gpuad.numpy.random`` (a constant). Example: ``t.exponential_(2.0)``"""
    if not float(lambd) > 0:
        raise ValueError(f"Tensor.exponential_: lambd must be > 0, got {lambd}")
    _real_draws(self, "exponential_")
    self[...] = _draw("exponential_", self.shape, generator).standard_exponential(
        self.shape) / float(lambd)
    return self


def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy draws (``median + sigma * standard_cauchy``, ``sigma`` > 0), in place
    (a constant). Example: ``t.cauchy_(0.0, 0.5)``"""
    if not float(sigma) > 0:
        raise ValueError(f"Tensor.cauchy_: sigma must be > 0, got {sigma}")
    _real_draws(self, "cauchy_")
    self[...] = median + sigma * _draw("cauchy_", self.shape, generator).standard_cauchy(
        self.shape)
    return self


def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with ``exp`` of N(mean, std^2) draws (``std`` > 0), in place (a constant).
    Example: ``t.log_normal_(0.0, 0.25)``"""
    if not float(std) > 0:
        raise ValueError(f"Tensor.log_normal_: std must be > 0, got {std}")
    _real_draws(self, "log_normal_")
    self[...] = _draw("log_normal_", self.shape, generator).lognormal(mean, std, self.shape)
    return self


def geometric_(self, p: float, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(``p``) trials up to the first success (1, 2, ...;
    ``0 < p < 1``), in place, integer tensors too (a constant). Example: ``t.geometric_(0.5)``"""
    if not 0 < float(p) < 1:
        raise ValueError(f"Tensor.geometric_: p must lie in (0, 1), got {p}")
    _writable(self, "geometric_")
    if self.dtype.kind not in "fiu":
        raise TypeError(f"Tensor.geometric_: needs a real tensor, got dtype {self.dtype}")
    self[...] = _draw("geometric_", self.shape, generator).geometric(p, self.shape)
    return self


def random_(self, *args, generator=None, **kw) -> Tensor:
    """Fill with integers drawn uniformly: ``random_(to)`` from ``[0, to)``,
    ``random_(from_, to)`` from ``[from_, to)`` (``to=None``: up to the dtype's largest
    integer), ``random_()`` from ``[0, 2**mantissa]`` for floats and ``[0, max]`` for
    integers, as torch's; bounds outside the dtype raise. A constant, from
    ``gpuad.numpy.random``. Example: ``t.random_(0, 10)``"""
    params = {"from": 0, "to": None}
    names = ["to"] if len(args) == 1 else ["from", "to"]
    if len(args) > 2:
        raise TypeError(f"Tensor.random_ takes at most 2 positional arguments, got {len(args)}")
    params.update(zip(names, args, strict=False))
    for k, v in kw.items():
        k = "from" if k in ("from_", "from") else k
        if k not in params:
            raise TypeError(f"Tensor.random_: unexpected keyword {k!r}")
        params[k] = v
    _writable(self, "random_")
    dt = self.dtype
    if dt.kind == "f":
        top = 2 ** (_np.finfo(dt).nmant + 1)  # the largest range of exact integers
        lo_ok, hi_ok = -top, top
    elif dt.kind in "iu":
        lo_ok, hi_ok = int(_np.iinfo(dt).min), int(_np.iinfo(dt).max)
        top = hi_ok
    elif dt.kind == "b":
        lo_ok, hi_ok, top = 0, 1, 1
    else:
        raise TypeError(f"Tensor.random_: not defined for dtype {dt}, as in torch")
    frm, to = int(params["from"]), params["to"]
    if to is None and not args and not kw:
        frm, to = 0, top + 1
    elif to is None:
        to = hi_ok + 1
    to = int(to)
    if frm >= to:
        raise ValueError(f"Tensor.random_ expects 'from' to be less than 'to', but got "
                         f"from={frm} >= to={to}")
    if not lo_ok <= frm <= hi_ok:
        raise ValueError(f"Tensor.random_: from={frm} is out of bounds for dtype {dt}")
    if not lo_ok <= to - 1 <= hi_ok:
        raise ValueError(f"Tensor.random_: to - 1 = {to - 1} is out of bounds for dtype {dt}")
    r = _draw("random_", self.shape, generator)
    # NumPy's randint takes bounds within int64 (high exclusive): the top integer of int64 and
    # uint64 ranges is left out
    lo, hi = max(frm, -(2**63)), min(to, 2**63 - 1)
    self[...] = r.randint(lo, hi, size=self.shape, dtype=_np.int64)
    return self


def multinomial(self, num_samples: int, replacement: bool = False, *,
                generator=None) -> Tensor:
    """Indices drawn from the categories of each row, with probabilities proportional to
    its weights (torch's ``multinomial``): int64, shape ``(num_samples,)`` or
    ``(rows, num_samples)``, from ``gpuad.numpy.random``; without ``replacement`` each
    category once at most (drawn in order, as by successive draws). A constant.
    Example: ``idx_next = probs.multinomial(num_samples=1)``"""
    from .tensor import Tensor

    name = "Tensor.multinomial"
    xp = _xp(self)
    p = self._data
    if p.ndim not in (1, 2) or p.dtype.kind != "f":
        raise RuntimeError(f"{name}: needs a 1-D or 2-D floating tensor of weights, got shape "
                           f"{tuple(p.shape)} and dtype {p.dtype}")
    num_samples = int(num_samples)
    rows = p.reshape(1, -1) if p.ndim == 1 else p
    n = rows.shape[-1]
    if num_samples <= 0 or (not replacement and num_samples > n):
        raise RuntimeError(f"{name}: cannot draw {num_samples} samples from {n} categories"
                           f"{'' if replacement else ' without replacement'}")
    w = _np.asarray(rows.get() if hasattr(rows, "get") else rows)
    if not _np.isfinite(w).all() or (w < 0).any():
        raise RuntimeError(f"{name}: the weights (shape {tuple(p.shape)}) must be finite and "
                           f"non-negative")
    nonzero = (w > 0).sum(axis=-1)
    if (nonzero == 0).any():
        raise RuntimeError(f"{name}: a row of the weights (shape {tuple(p.shape)}) sums to 0")
    if not replacement and (nonzero < num_samples).any():
        raise RuntimeError(f"{name}: {num_samples} samples without replacement, but a row has "
                           f"only {int(nonzero.min())} categories of nonzero weight")
    r = _draw("multinomial", (), generator)
    if replacement:
        c = xp.cumsum(rows, axis=-1)
        u = r.uniform(0, 1, (rows.shape[0], num_samples)) * c[:, -1:]
        idx = (c[:, None, :] <= u[:, :, None]).sum(axis=-1)
        last = n - 1 - xp.argmax(rows[:, ::-1] > 0, axis=-1)  # a draw rounded up to the total
        idx = xp.minimum(idx, last[:, None])
    else:  # the order of the exponential race E_i / w_i is that of successive draws
        keys = xp.where(rows > 0, r.standard_exponential(rows.shape) / xp.where(
            rows > 0, rows, 1), xp.inf)
        idx = xp.argsort(keys, axis=-1, kind="stable")[:, :num_samples]
    idx = idx.astype(_np.int64)
    return Tensor(idx[0] if p.ndim == 1 else idx)


def zero_(self) -> Tensor:
    """Set every entry to zero, in place. Example: ``x.grad.zero_()``"""
    _writable(self, "zero_")
    self[...] = 0
    return self


def fill_(self, value) -> Tensor:
    """Set every entry to ``value`` (a number or a 0-d tensor), in place."""
    _writable(self, "fill_")
    value = _check_fill("Tensor.fill_", value, self.dtype)
    self[...] = value
    return self


def copy_(self, src, non_blocking: bool = False) -> Tensor:
    """Write ``src`` (broadcast, converted to this dtype) into this tensor."""
    _writable(self, "copy_")
    self[...] = src
    return self


# the methods defined above, attached under their own names
_DEFINED = """
    sum mean prod max min var std cumsum cumprod argmax argmin all any amax amin logsumexp
    nansum nanmean norm dist view view_as reshape_as expand expand_as permute unsqueeze squeeze
    flatten unflatten transpose t repeat tile chunk split unbind flip roll narrow select movedim mm
    diagonal nonzero rot90 fliplr flipud positive count_nonzero addmm addmv addr baddbmm addbmm
    logit logdet square
    bmm mv matmul outer cross diag tril triu diff clamp clamp_min clamp_max pow rsqrt relu
    sigmoid softmax log_softmax frac add sub rsub mul div lerp addcmul addcdiv nan_to_num
    allclose isclose equal masked_fill where masked_select gather scatter scatter_add
    index_select index_add index_copy index_fill sort argsort topk numel dim element_size
    is_floating_point is_complex is_signed clone is_contiguous contiguous new_zeros new_ones
    new_empty new_full new_tensor new to repeat_interleave normal_ uniform_ bernoulli_ type_as cpu
    multinomial exponential_ cauchy_ log_normal_ geometric_ random_
    cuda zero_ fill_ copy_ cummax cummin logcumsumexp kthvalue median nanmedian aminmax
    take_along_dim tensor_split unfold bfloat16
""".split()
_SAME = {
    "type": "tensor_type", "moveaxis": "movedim", "ger": "outer", "nelement": "numel",
    "ndimension": "dim", "divide": "div",
}
# plain gpuad.numpy calls: torch's name, or "torch_name=numpy_name"
_UNARY = """
    exp exp2 expm1 log log2 log10 log1p sqrt abs sign reciprocal sin cos tan sinh cosh
    tanh arcsin arccos arctan arcsinh arccosh arctanh floor ceil trunc isnan isfinite isinf
    isposinf isneginf signbit logical_not neg=negative negative absolute=abs sgn=sign
    asin=arcsin acos=arccos atan=arctan asinh=arcsinh acosh=arccosh atanh=arctanh fix=trunc
    i0 sinc deg2rad rad2deg isreal angle
""".split()
# torch.special's functions that torch Tensors carry as methods (gpuad.scipy.special's)
_SPECIAL_UNARY = "erf erfc erfinv lgamma=gammaln digamma".split()
_SPECIAL_BINARY = ["xlogy"]
_BINARY = """
    maximum minimum fmax fmin fmod remainder hypot logaddexp copysign arctan2 atan2=arctan2
    logical_and logical_or logical_xor multiply subtract true_divide=divide
    floor_divide float_power eq=equal ne=not_equal lt=less le=less_equal gt=greater
    ge=greater_equal not_equal greater greater_equal less less_equal heaviside nextafter
    logaddexp2
""".split()
_CASTS = """
    float=float32 double=float64 half=float16 long=int64 int=int32 short=int16 char=int8
    byte=uint8 bool=bool cfloat=complex64 cdouble=complex128
""".split()
# in-place forms: torch's name_ for these out-of-place methods
_IN_PLACE = """
    add sub mul div pow clamp clamp_min clamp_max tril triu exp exp2 expm1 log log2 log10
    log1p sqrt rsqrt abs absolute neg negative sign sgn reciprocal square sin cos tan sinh cosh
    tanh asin acos atan arcsin arccos arctan sigmoid relu floor ceil trunc frac lerp addcmul
    addcdiv fmod remainder maximum minimum hypot atan2 arctan2 copysign nan_to_num masked_fill
    index_add index_copy index_fill scatter scatter_add multiply subtract divide true_divide
    floor_divide float_power logaddexp logaddexp2 xlogy nextafter heaviside logit erfinv lgamma
    digamma i0 sinc fix erf erfc deg2rad rad2deg logical_and logical_or logical_xor logical_not
    eq ne lt le gt ge asinh acosh atanh arcsinh arccosh arctanh addmm addmv addr baddbmm addbmm
    greater greater_equal less less_equal not_equal
""".split()


def _unary(fname: str):
    def method(self) -> Tensor:
        return getattr(_R, fname)(self)

    return method


def _binary(fname: str):
    def method(self, other) -> Tensor:
        return getattr(_R, fname)(self, other)

    return method


def _float_dtype(*xs):
    """NumPy's promotion of ``xs`` (Python numbers weak) when it is a float or complex dtype,
    else None: the dtype torch's elementwise functions keep (``x16.erf()`` is float16)."""
    try:
        dt = _np.result_type(*[x.dtype if hasattr(x, "dtype") else x for x in xs])
    except (TypeError, ValueError, OverflowError):
        return None
    return dt if dt.kind in "fc" else None


def _special(fname: str, binary: bool):
    def method(self, *other) -> Tensor:
        from .scipy import special

        if len(other) != int(binary):
            raise TypeError(f"Tensor.{fname} takes {int(binary)} argument(s), got {len(other)}")
        r = getattr(special, fname)(self, *other)
        # SciPy's loops widen float16 (and float32 with a Python number) to float64; torch's
        # methods keep the inputs' float dtype
        want = _float_dtype(self, *other)
        if want is not None and r.dtype != want and r.dtype.kind == want.kind:
            r = _R.astype(r, want)
        return r

    return method


def rot90(self, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by ``k`` quarter turns in the plane of ``dims``: a copy, as torch's (NumPy's
    is a view). Example: ``x.rot90(1, [0, 1])``"""
    from ._torch_args import _axis, _int

    dims = tuple(dims)
    if len(dims) != 2:
        raise ValueError(f"Tensor.rot90: expects 2 dims, got {dims}")
    if self.ndim < 2:
        raise ValueError(f"Tensor.rot90: expects a tensor of at least 2 dims, got shape "
                         f"{self.shape}")
    d0, d1 = (_axis("rot90", d, self.ndim) for d in dims)
    if d0 == d1:
        raise ValueError(f"Tensor.rot90: dims {dims} name one dim twice; give two different dims")
    return _R.copy(_R.rot90(self, _int("rot90", "k", k), dims))


def fliplr(self) -> Tensor:
    """Reverse the order along dim 1: a copy, as torch's. Example: ``x.fliplr()``"""
    return _R.copy(_R.fliplr(self))


def flipud(self) -> Tensor:
    """Reverse the order along dim 0: a copy, as torch's. Example: ``x.flipud()``"""
    return _R.copy(_R.flipud(self))


def positive(self) -> Tensor:
    """``self`` itself, as torch's ``positive`` (an alias: writes reach ``self``).
    Example: ``x.positive()``"""
    if self.dtype == _np.bool_:
        raise TypeError("Tensor.positive of a bool tensor is not supported, as in torch")
    return self


def count_nonzero(self, dim=None) -> Tensor:
    """The number of non-zero entries (over ``dim``). Example: ``m.count_nonzero(dim=0)``"""
    from ._torch_args import _as_tensor, _dims_of

    return _as_tensor(_R.count_nonzero(self, axis=_dims_of("count_nonzero", dim, self.ndim)))


def _scaled_sum(name: str, self, product, beta, alpha) -> Tensor:
    """torch's ``beta * self + alpha * product``; ``beta=0`` ignores ``self`` (NaN there too).
    ``beta`` and ``alpha`` are checked as ``add``'s ``alpha`` (a float one for integer tensors,
    a bool one for non-bool results, a complex one for real results raise, as torch's
    ``addr``), so neither widens the result silently."""
    beta = _alpha(name, self, product, beta, "beta")
    alpha = _alpha(name, self, product, alpha)
    r = product if alpha == 1 else alpha * product
    if beta == 0:
        return _R.broadcast_to(r, _np.broadcast_shapes(self.shape, r.shape))
    return (self if beta == 1 else beta * self) + r


def addmm(self, mat1, mat2, *, beta=1, alpha=1) -> Tensor:
    """``beta * self + alpha * (mat1 @ mat2)``. Example: ``b.addmm(x, w)``"""
    return _scaled_sum("addmm", self, _torch_shapes.mm(mat1, mat2), beta, alpha)


def addmv(self, mat, vec, *, beta=1, alpha=1) -> Tensor:
    """``beta * self + alpha * (mat @ vec)``. Example: ``b.addmv(A, v)``"""
    return _scaled_sum("addmv", self, _torch_shapes.mv(mat, vec), beta, alpha)


def addr(self, vec1, vec2, *, beta=1, alpha=1) -> Tensor:
    """``beta * self + alpha * outer(vec1, vec2)`` of two 1-D tensors. Example: ``m.addr(u, v)``
    """
    return _scaled_sum("addr", self, _torch_shapes.outer(vec1, vec2, "addr"), beta, alpha)


def baddbmm(self, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """``beta * self + alpha * bmm(batch1, batch2)``. Example: ``c.baddbmm(a, b)``"""
    return _scaled_sum("baddbmm", self, _torch_shapes.bmm(batch1, batch2), beta, alpha)


def addbmm(self, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """``beta * self + alpha * sum_i batch1[i] @ batch2[i]``. Example: ``c.addbmm(a, b)``"""
    return _scaled_sum("addbmm", self, _R.sum(_torch_shapes.bmm(batch1, batch2), axis=0), beta,
                       alpha)


def logit(self, eps=None) -> Tensor:
    """``log(x / (1 - x))``, ``x`` clamped to ``[eps, 1 - eps]`` first when ``eps`` is given
    (no gradient outside, as torch). Example: ``p.logit(eps=1e-6)``"""
    x = self
    if eps is not None:
        # torch's clamp: below eps first, then above 1 - eps; the entries moved are
        # constants (a derivative of 0 also where log(0) would make it 0 * inf)
        lo, hi = eps, 1 - eps
        x = _R.where(_R.less(self, lo), lo, _R.where(_R.greater(self, hi), hi, self))
    return _R.log(x) - _R.log1p(-x)


def logdet(self) -> Tensor:
    """``log(det(x))``: NaN where the determinant is negative, as torch. Example: ``a.logdet()``"""
    sign, logabs = _R.linalg.slogdet(self)
    with _np.errstate(divide="ignore", invalid="ignore"):  # log(-1): NaN, log(0): -inf
        return logabs + _xp(self).log(_r.data(sign))


def swapdims(self, dim0, dim1) -> Tensor:
    """torch's alias of ``transpose(dim0, dim1)``: the two dims swapped, a view.
    Example: ``x.swapdims(0, 2)``"""
    d0, d1 = _axis("swapdims", dim0, self.ndim), _axis("swapdims", dim1, self.ndim)
    return _R.swapaxes(self, d0, d1)


def fill_diagonal(self, fill_value, wrap: bool = False) -> Tensor:
    """A copy with ``fill_value`` on the main diagonal (all dims of equal length beyond 2-D;
    ``wrap`` continues a tall matrix's diagonal after every ``n + 1`` rows, as NumPy's).
    The in-place ``fill_diagonal_`` is torch's. Example: ``m.fill_diagonal_(0.0)``"""
    if isinstance(fill_value, Tensor) or not _np.isscalar(fill_value):
        raise TypeError(f"Tensor.fill_diagonal_: fill_value must be a number, got "
                        f"{type(fill_value).__name__}")
    sh = tuple(self.shape)
    if len(sh) < 2:
        raise RuntimeError(f"Tensor.fill_diagonal_: dimensions must be larger than 1, got "
                           f"shape {sh}")
    if len(sh) > 2 and len(set(sh)) != 1:
        raise RuntimeError(f"Tensor.fill_diagonal_: all dimensions of input must be of equal "
                           f"length, got shape {sh}")
    mask = _np.zeros(sh, dtype=bool)
    _np.fill_diagonal(mask, True, wrap=bool(wrap))
    value = _np.asarray(fill_value)
    if value.dtype.kind == "c" and self.dtype.kind != "c" or \
            self.dtype.kind in "iub" and not _np.isfinite(value):
        raise TypeError(f"Tensor.fill_diagonal_: {fill_value!r} cannot be written into a "
                        f"{self.dtype} tensor")
    value = value.astype(self.dtype)
    return _R.where(_xp(self).asarray(mask), value, self)


def resize_(self, *sizes) -> Tensor:
    """torch's ``resize_``: the tensor takes the shape ``sizes`` in place, keeping its first
    values in C order (new elements are zeros; torch leaves them uninitialised); the version
    is bumped unless the shape is unchanged. As in torch, a tensor that requires grad (or has
    a recorded history) refuses: use ``reshape`` or a new tensor there.
    Example: ``buf.resize_(2, 3)``"""
    shape = _shape_args("resize_", sizes)
    if self.requires_grad or self._node is not None or self._base is not None:
        raise RuntimeError(
            f"Tensor.resize_: cannot resize a tensor that requires grad, has a recorded history "
            f"or is a view (shape {self.shape}); use x.reshape(...) or a new tensor")
    if shape == tuple(self.shape):
        return self
    xp = _xp(self)
    new = xp.zeros(shape, self.dtype)
    n = min(int(_np.prod(shape, dtype=_np.int64)), self.size)
    new.reshape(-1)[:n] = self._data.reshape(-1)[:n]
    self.data = new
    return self


def resize_as_(self, other) -> Tensor:
    """torch's ``resize_as_``: ``resize_`` to ``other``'s shape.
    Example: ``buf.resize_as_(x)``"""
    return resize_(self, tuple(other.shape))


def _pairs(names: list) -> list:
    return [tuple(n.split("=")) if "=" in n else (n, n) for n in names]


_HERE = {**vars(_torch_reductions), **vars(_torch_shapes), **vars(_torch_indexing), **globals()}
_METHODS = {n: _HERE[n] for n in _DEFINED}
_METHODS.update({n: _HERE[f] for n, f in _SAME.items()})
_METHODS.update({n: _unary(f) for n, f in _pairs(_UNARY)})
_METHODS.update({n: _binary(f) for n, f in _pairs(_BINARY)})
_METHODS.update({n: _special(f, False) for n, f in _pairs(_SPECIAL_UNARY)})
_METHODS.update({n: _special(f, True) for n, f in _pairs(_SPECIAL_BINARY)})
_METHODS.update({n: _cast(_np.dtype(d)) for n, d in _pairs(_CASTS)})
_METHODS.update({n + "_": _in_place(n + "_", _METHODS[n]) for n in _IN_PLACE})
_METHODS["clip"] = Tensor.clip
_METHODS["clip_"] = _in_place("clip_", Tensor.clip)
_METHODS["round_"] = _in_place("round_", Tensor.round)
_METHODS["swapdims"] = swapdims
_METHODS["fill_diagonal_"] = _in_place("fill_diagonal_", fill_diagonal)
# torch-only names: the dim is torch's (a 0-d tensor stays 0-d), as cumsum(dim=)
_METHODS["cumsum_"] = _in_place(
    "cumsum_", lambda self, dim, dtype=None: _HERE["cumsum"](self, dtype=dtype, dim=dim))
_METHODS["cumprod_"] = _in_place(
    "cumprod_", lambda self, dim, dtype=None: _HERE["cumprod"](self, dtype=dtype, dim=dim))
_METHODS["resize_"] = resize_
_METHODS["resize_as_"] = resize_as_


def install() -> None:
    """Attach the methods to :class:`~gpuad.tensor.Tensor` (done when gpuad is imported)."""
    for name, fn in _METHODS.items():
        if fn.__name__ in ("method", "convert"):
            fn.__name__ = name
        fn.__qualname__ = f"Tensor.{name}"
        setattr(Tensor, name, fn)


install()

# torch's scatter_reduce (gpuad/_torch_scatter_reduce.py), out of place and in place
_SCATTER_REDUCE = {"scatter_reduce": _torch_scatter_reduce.scatter_reduce}
_SCATTER_REDUCE["scatter_reduce_"] = _in_place("scatter_reduce_", _SCATTER_REDUCE["scatter_reduce"])
for _name, _fn in _SCATTER_REDUCE.items():
    _fn.__qualname__ = f"Tensor.{_name}"
    setattr(Tensor, _name, _fn)

# more of torch's methods, each module's METHODS (gpuad/_torch_statistics.py, _torch_scatters.py,
# _torch_more_shapes.py, _torch_numeric.py, _torch_linalg_methods.py, _torch_spectral.py)
from . import (  # noqa: E402
    _torch_linalg_methods,
    _torch_more_shapes,
    _torch_numeric,
    _torch_scatters,
    _torch_spectral,
    _torch_statistics,
)

_MORE: dict = {}
for _module in (_torch_statistics, _torch_scatters, _torch_more_shapes, _torch_numeric,
                _torch_linalg_methods, _torch_spectral):
    _MORE.update(_module.METHODS)
_MORE.update({n + "_": _in_place(n + "_", _MORE[n])
              for n in (*_torch_scatters.IN_PLACE, *_torch_numeric.IN_PLACE, "renorm",
                        "conj_physical")})
for _name, _fn in _MORE.items():
    if _fn.__name__ == "method":
        _fn.__name__ = _name
    _fn.__qualname__ = f"Tensor.{_name}"
    setattr(Tensor, _name, _fn)
for _name, _fn in _torch_more_shapes.PROPERTIES.items():
    setattr(Tensor, _name, property(_fn, doc=_fn.__doc__))
