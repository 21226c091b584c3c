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

Example::

    x = gpuad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    v, i = x.max(dim=1)                          # torch's (values, indices)
    y = x.unsqueeze(0).clamp(min=1.0).sum(dim=-1, keepdim=True)
"""

from __future__ import annotations

import builtins as _b  # (this module defines sum, max, min, all, any)
import math
from collections import namedtuple
from typing import Any

import numpy as _np

from . import _links
from . import numpy as gnp
from . import rules as _r
from ._softmax import log_softmax as _log_softmax
from ._softmax import softmax as _softmax
from ._state import seq as _seq
from .backends import backend_of_type
from .engine import assign_inplace
from .tensor import Tensor, _full

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")

_NO: Any = object()  # an argument not given

# torch.return_types: named pairs of values and indices
_max = namedtuple("max", ["values", "indices"])
_min = namedtuple("min", ["values", "indices"])
_sort = namedtuple("sort", ["values", "indices"])
_topk = namedtuple("topk", ["values", "indices"])


# ---- helpers ----------------------------------------------------------------------------
def _dims(dim: Any) -> Any:
    """torch's ``dim`` as NumPy's ``axis``: a list becomes a tuple, and an empty one (torch:
    every dimension) becomes None."""
    if isinstance(dim, list | tuple):
        return tuple(dim) or None
    return dim


def _torch_dim(name: str, axis: Any, keepdims: Any, kw: dict) -> tuple:
    """``(axis, keepdims)`` of a reduction called with torch's ``dim=``/``keepdim=``."""
    dim = kw.pop("dim", _NO)
    if dim is _NO:
        dim = axis
    elif axis is not None:
        raise TypeError(
            f"Tensor.{name}: the axis was given twice, positionally ({axis!r}) and as dim={dim!r}"
        )
    keepdim = kw.pop("keepdim", keepdims)
    if kw:
        raise TypeError(
            f"Tensor.{name} with torch's dim=/keepdim= got unexpected keyword "
            f"arguments {sorted(kw)}"
        )
    return _dims(dim), bool(keepdim)


def _shape_args(name: str, args: tuple) -> tuple:
    """torch's ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` as one tuple of ints."""
    if len(args) == 1 and isinstance(args[0], tuple | list):
        args = tuple(args[0])
    for a in args:
        if not isinstance(a, int | _np.integer):
            raise TypeError(f"Tensor.{name} takes integer sizes or dims, got {a!r}")
    return tuple(int(a) for a in args)


def _axis(name: str, dim: int, ndim: int) -> int:
    """``dim`` in ``[0, ndim)``, or an IndexError naming the method."""
    d = int(dim)
    if not -_b.max(ndim, 1) <= d < _b.max(ndim, 1):
        raise IndexError(
            f"Tensor.{name}: dim {dim} is out of range for a tensor of {ndim} dimensions"
        )
    return d % _b.max(ndim, 1)


def _xp(t: Tensor) -> Any:
    return backend_of_type(type(t._data)).xp


def _kind(x: Any) -> str:
    """The dtype kind of an array or a Python number."""
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return dt.kind
    return "b" if isinstance(x, bool) else "i" if isinstance(x, int) else "f"


# ---- reductions: NumPy's positional meaning, torch's with dim=/keepdim= ----------------------
# (each keeps the NumPy method's fast path as its first line). A bool where NumPy takes a
# dtype or an ``out`` array is torch's positional keepdim (``x.sum(1, True)``) or unbiased
# (``x.std(1, False)``): NumPy refuses those values.
def _torch_reduce(name: str, axis, dtype, keepdims, kw) -> tuple:
    """``(axis, dtype, keepdims)`` of ``sum``/``mean``/``prod`` called as torch's."""
    if dtype.__class__ is bool:
        _once(kw, "keepdim", dtype, name)
        dtype = None
    axis, keepdims = _torch_dim(name, axis, keepdims, kw)
    return axis, None if dtype is None else _dtype(dtype), keepdims


def _once(kw: dict, key: str, value, name: str) -> None:
    if key in kw:
        raise TypeError(f"Tensor.{name}: {key} was given twice, by position and by name")
    kw[key] = value


def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kw):  # noqa: A001
    if dtype is None and out is None and not kw:
        return _R.sum(self, axis, keepdims=keepdims)
    if dtype.__class__ is bool or "dim" in kw or "keepdim" in kw:
        axis, dtype, keepdims = _torch_reduce("sum", axis, dtype, keepdims, kw)
    return _full("sum")(self, axis, dtype, out, keepdims, **kw)


def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    if dtype is None and out is None and not kw:
        return _R.mean(self, axis, keepdims=keepdims)
    if dtype.__class__ is bool or "dim" in kw or "keepdim" in kw:
        axis, dtype, keepdims = _torch_reduce("mean", axis, dtype, keepdims, kw)
    return _full("mean")(self, axis, dtype, out, keepdims, **kw)


def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    if dtype is None and out is None and not kw:
        return _R.prod(self, axis, keepdims=keepdims)
    if dtype.__class__ is bool or "dim" in kw or "keepdim" in kw:
        axis, dtype, keepdims = _torch_reduce("prod", axis, dtype, keepdims, kw)
    return _full("prod")(self, axis, dtype, out, keepdims, **kw)


def _extreme(name: str, self, axis, out, keepdims, kw):
    """``max``/``min`` past the fast path: torch's ``x.max(other)`` (elementwise),
    ``x.max(dim=d)`` (values and indices), else NumPy's."""
    if axis.__class__ is Tensor and out is None and not kw:
        return (_R.maximum if name == "max" else _R.minimum)(self, axis)
    if out.__class__ is bool:  # x.max(1, True)
        _once(kw, "keepdim", out, name)
        out = None
    if "dim" in kw or "keepdim" in kw:
        dim, keepdim = _torch_dim(name, axis, keepdims, kw)
        if dim is None:
            return _R.max(self) if name == "max" else _R.min(self)
        return _values_indices(name, self, dim, keepdim)
    return _full(name)(self, axis, out, keepdims, **kw)


def _values_indices(name: str, x, dim, keepdim):
    """torch's ``x.max(dim)``: the first extreme's index, and its value taken at that index
    (so the gradient goes to it alone, as in torch)."""
    if isinstance(dim, tuple):
        raise TypeError(
            f"Tensor.{name}(dim=...) takes one dim (torch's values and indices); "
            f"for several use x.a{name}(dim={dim}) (values only)"
        )
    if x.ndim == 0:
        _axis(name, dim, 0)
        return (_max if name == "max" else _min)(x, _R.zeros_like(x, dtype=_np.int64))
    dim = _axis(name, dim, x.ndim)
    idx = (_R.argmax if name == "max" else _R.argmin)(x, axis=dim)
    kept = _R.expand_dims(idx, dim)
    vals = _R.take_along_axis(x, kept, dim)
    if keepdim:
        idx = kept
    else:
        vals = _R.squeeze(vals, dim)
    return (_max if name == "max" else _min)(vals, idx)


def max(self, axis=None, out=None, keepdims=False, **kw):  # noqa: A001
    if out is None and not kw and axis.__class__ is not Tensor:
        return _R.max(self, axis, keepdims=keepdims)
    return _extreme("max", self, axis, out, keepdims, kw)


def min(self, axis=None, out=None, keepdims=False, **kw):  # noqa: A001
    if out is None and not kw and axis.__class__ is not Tensor:
        return _R.min(self, axis, keepdims=keepdims)
    return _extreme("min", self, axis, out, keepdims, kw)


_TORCH_VAR = ("dim", "keepdim", "unbiased")


def _torch_var(name: str, self, axis, dtype, out, ddof, keepdims, kw):
    """``var``/``std`` with torch's keywords: ``correction`` 1 unless ``unbiased=False`` or
    ``correction=`` says otherwise."""
    if dtype.__class__ is bool:  # x.std(1, False): torch's (dim, unbiased, keepdim)
        _once(kw, "unbiased", dtype, name)
        dtype = None
    if out.__class__ is bool:
        _once(kw, "keepdim", out, name)
        out = None
    unbiased = kw.pop("unbiased", _NO)
    correction = kw.pop("correction", _NO)
    if ddof != 0:
        raise TypeError(
            f"Tensor.{name}: give NumPy's ddof= or torch's dim=/unbiased=/correction=, not both"
        )
    if unbiased is not _NO and correction is not _NO:
        raise TypeError(f"Tensor.{name}: give unbiased= or correction=, not both")
    ddof = (
        1
        if correction is _NO and unbiased is _NO
        else (int(bool(unbiased)) if correction is _NO else correction)
    )
    axis, keepdims = _torch_dim(name, axis, keepdims, kw)
    return _full(name)(self, axis, None if dtype is None else _dtype(dtype), out, ddof, keepdims)


def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    if dtype is None and out is None and not kw:
        return _R.var(self, axis, ddof=ddof, keepdims=keepdims)
    if dtype.__class__ is bool or out.__class__ is bool or _b.any(k in kw for k in _TORCH_VAR):
        return _torch_var("var", self, axis, dtype, out, ddof, keepdims, kw)
    return _full("var")(self, axis, dtype, out, ddof, keepdims, **kw)


def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    if dtype is None and out is None and not kw:
        return _R.std(self, axis, ddof=ddof, keepdims=keepdims)
    if dtype.__class__ is bool or out.__class__ is bool or _b.any(k in kw for k in _TORCH_VAR):
        return _torch_var("std", self, axis, dtype, out, ddof, keepdims, kw)
    return _full("std")(self, axis, dtype, out, ddof, keepdims, **kw)


def cumsum(self, axis=None, dtype=None, out=None, *, dim=_NO):
    if dim is not _NO:
        axis = _cum_dim("cumsum", axis, dim)
    if dtype is None and out is None:
        return _R.cumsum(self, axis)
    return _full("cumsum")(self, axis, dtype, out)


def cumprod(self, axis=None, dtype=None, out=None, *, dim=_NO):
    if dim is not _NO:
        axis = _cum_dim("cumprod", axis, dim)
    if dtype is None and out is None:
        return _R.cumprod(self, axis)
    return _full("cumprod")(self, axis, dtype, out)


def _cum_dim(name: str, axis, dim):
    if axis is not None:
        raise TypeError(f"Tensor.{name}: the axis was given twice ({axis!r} and dim={dim!r})")
    return dim


def _arg_extreme(name: str, self, axis, out, keepdims, dim, keepdim):
    fn = _R.argmax if name == "argmax" else _R.argmin
    if out.__class__ is bool:  # x.argmax(1, True)
        keepdim, out = out, None
    if dim is not _NO or keepdim is not _NO:
        kw = {k: v for k, v in (("dim", dim), ("keepdim", keepdim)) if v is not _NO}
        axis, keepdims = _torch_dim(name, axis, keepdims, kw)
    r = fn(self, axis=axis)  # (a keyword: a prim's positional arguments are its inputs)
    if keepdims:
        r = _R.reshape(r, (1,) * self.ndim) if axis is None else _R.expand_dims(r, axis)
    if out is None:
        return r
    out[...] = r
    return out


def argmax(self, axis=None, out=None, *, keepdims=False, dim=_NO, keepdim=_NO):
    return _arg_extreme("argmax", self, axis, out, keepdims, dim, keepdim)


def argmin(self, axis=None, out=None, *, keepdims=False, dim=_NO, keepdim=_NO):
    return _arg_extreme("argmin", self, axis, out, keepdims, dim, keepdim)


def _logical(name: str, self, axis, out, keepdims, dim, keepdim):
    if out.__class__ is bool:  # x.all(1, True)
        keepdim, out = out, None
    if dim is not _NO or keepdim is not _NO:
        kw = {k: v for k, v in (("dim", dim), ("keepdim", keepdim)) if v is not _NO}
        axis, keepdims = _torch_dim(name, axis, keepdims, kw)
    r = getattr(_R, name)(self, axis=axis, keepdims=keepdims)
    if out is None:
        return r
    out[...] = r
    return out


def all(self, axis=None, out=None, keepdims=False, *, dim=_NO, keepdim=_NO):  # noqa: A001
    return _logical("all", self, axis, out, keepdims, dim, keepdim)


def any(self, axis=None, out=None, keepdims=False, *, dim=_NO, keepdim=_NO):  # noqa: A001
    return _logical("any", self, axis, out, keepdims, dim, keepdim)


def amax(self, dim=(), keepdim: bool = False) -> Tensor:
    """torch's ``amax``: the largest values over ``dim`` (all by default); ties share the
    gradient equally. Example: ``x.amax(dim=-1)``"""
    return _R.max(self, _dims(dim), keepdims=keepdim)


def amin(self, dim=(), keepdim: bool = False) -> Tensor:
    """torch's ``amin``. Example: ``x.amin(dim=-1)``"""
    return _R.min(self, _dims(dim), keepdims=keepdim)


def logsumexp(self, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x), dim))``, stable. Example: ``x.logsumexp(dim=1)``"""
    return _r.logsumexp(self, axis=_dims(dim), keepdims=keepdim)


def nansum(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum treating NaN as zero. Example: ``x.nansum(dim=0)``"""
    return gnp.nansum(self, _dims(dim), dtype=dtype, keepdims=keepdim)


def nanmean(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of the non-NaN entries. Example: ``x.nanmean(dim=0)``"""
    return gnp.nanmean(self, _dims(dim), dtype=dtype, keepdims=keepdim)


def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None):
    """torch's ``Tensor.norm``: a vector ``p``-norm of the flattened tensor (``dim=None``) or
    over ``dim`` (an int or a tuple, the dims taken together as one vector); ``"fro"`` is the
    2-norm, ``"nuc"`` the nuclear norm over two dims.

    Example: ``x.norm()``, ``x.norm(1, dim=0)``, ``x.norm(dim=(0, 1), keepdim=True)``
    """
    x = self if dtype is None else _R.astype(self, dtype)
    dim = _dims(dim)
    if p == "nuc":
        return gnp.linalg.norm(x, "nuc", axis=(0, 1) if dim is None else dim, keepdims=keepdim)
    if p == "fro":
        p = 2
    elif isinstance(p, str):
        raise ValueError(f"Tensor.norm: p={p!r} is not a norm; use a number, 'fro' or 'nuc'")
    if dim is None:
        dim = tuple(range(x.ndim))
    if isinstance(dim, int):
        return gnp.linalg.norm(x, p, axis=dim, keepdims=keepdim)
    dims = tuple(_axis("norm", d, x.ndim) for d in dim)
    rest = [d for d in range(x.ndim) if d not in dims]
    moved = _R.transpose(x, rest + list(dims))
    flat = _R.reshape(moved, tuple(x.shape[d] for d in rest) + (-1,))
    r = gnp.linalg.norm(flat, p, axis=-1)
    if keepdim:
        r = _R.reshape(r, tuple(1 if d in dims else x.shape[d] for d in range(x.ndim)))
    return r


def dist(self, other, p: Any = 2) -> Tensor:
    """The ``p``-norm of ``self - other``. Example: ``x.dist(y)``"""
    return norm(self - other, p)


# ---- shapes -----------------------------------------------------------------------------
def _check_viewable(t: Tensor, shape: tuple) -> None:
    """Raise as torch's ``view`` does when the new shape needs a copy of the data (a
    ``reshape`` would copy, so writes through the result would not reach ``t``)."""
    if t._bat is not None:
        return
    data = t._data
    probe = _np.lib.stride_tricks.as_strided(
        _np.zeros(1, data.dtype), shape=data.shape, strides=data.strides
    )
    try:
        _np.reshape(probe, shape, copy=False)  # the strides only: no element is read
    except ValueError:
        n = math.prod(data.shape)
        known = math.prod(s for s in shape if s != -1)
        fits = n == known if -1 not in shape else (known and n % known == 0)
        if fits:
            raise RuntimeError(
                f"Tensor.view: a tensor of shape {t.shape} with strides {data.strides} (not "
                f"contiguous) cannot be viewed as shape {shape} without a copy, as in torch; "
                f"use .reshape(...) (a copy here) or .contiguous().view(...)"
            ) from None


def view(self, *shape) -> Tensor:
    """torch's ``view``: the same data in another shape; raises where that needs a copy.

    Example: ``x.view(2, -1)``
    """
    if len(shape) == 1 and not isinstance(shape[0], tuple | list | int | _np.integer):
        raise TypeError(
            f"Tensor.view({shape[0]!r}): reinterpreting the bytes as another dtype "
            f"is not supported; use .astype(dtype) for a conversion"
        )
    shape = _shape_args("view", shape)
    _check_viewable(self, shape)
    return self.reshape(shape)


def view_as(self, other) -> Tensor:
    """``self.view(other.shape)``. Example: ``g.view_as(x)``"""
    return view(self, tuple(other.shape))


def reshape_as(self, other) -> Tensor:
    """``self.reshape(other.shape)``. Example: ``g.reshape_as(x)``"""
    return self.reshape(tuple(other.shape))


def expand(self, *sizes) -> Tensor:
    """torch's ``expand``: broadcast to ``sizes`` (-1 keeps a dim; new dims go in front).

    Example: ``x.expand(4, -1)``
    """
    sizes = _shape_args("expand", sizes)
    new = len(sizes) - self.ndim
    if new < 0:
        raise ValueError(
            f"Tensor.expand: {len(sizes)} sizes for a tensor of "
            f"{self.ndim} dimensions (shape {self.shape}); give at least as many"
        )
    if _b.any(s == -1 for s in sizes[:new]):
        raise ValueError(f"Tensor.expand{sizes}: -1 is not allowed for a new leading dim")
    target = tuple(self.shape[i - new] if s == -1 and i >= new else s for i, s in enumerate(sizes))
    return _R.broadcast_to(self, target)


def expand_as(self, other) -> Tensor:
    """``self.expand(other.shape)``. Example: ``b.expand_as(x)``"""
    return _R.broadcast_to(self, tuple(other.shape))


def permute(self, *dims) -> Tensor:
    """torch's ``permute``: NumPy's ``transpose(dims)``. Example: ``x.permute(2, 0, 1)``"""
    return _R.transpose(self, _shape_args("permute", dims))


def unsqueeze(self, dim: int) -> Tensor:
    """A new length-1 dim at ``dim``. Example: ``x.unsqueeze(0)``"""
    return _R.expand_dims(self, dim)


def squeeze(self, axis=None, *, dim=_NO):
    if dim is _NO:
        try:
            return _R.squeeze(self, axis)
        except ValueError as e:
            raise ValueError(
                f"{e} (NumPy's squeeze(axis) refuses a length other than 1; "
                f"torch's squeeze(dim=...) leaves such a dim as it is)"
            ) from None
    if axis is not None:
        raise TypeError(f"Tensor.squeeze: the axis was given twice ({axis!r} and dim={dim!r})")
    if dim is None:
        return _R.squeeze(self)
    dims = dim if isinstance(dim, tuple | list) else (dim,)
    ones = tuple(
        d
        for d in (_axis("squeeze", d, self.ndim) for d in dims)
        if self.ndim and self.shape[d] == 1
    )
    return _R.squeeze(self, ones) if ones else self


def flatten(self, start_dim=_NO, end_dim=_NO, order=None):
    """NumPy's ``x.flatten()`` / ``x.flatten('F')`` (a copy), or torch's
    ``x.flatten(start_dim, end_dim)`` when a dim is given (a view where one is possible).

    Example: ``x.flatten(1)``
    """
    if isinstance(start_dim, str) or order is not None:
        return _R.copy(_R.ravel(self, start_dim if isinstance(start_dim, str) else order))
    if start_dim is _NO and end_dim is _NO:
        return _R.copy(_R.ravel(self))
    start_dim = 0 if start_dim is _NO else start_dim
    end_dim = -1 if end_dim is _NO else end_dim
    n = self.ndim
    if n == 0:
        return self.reshape(1)
    a, b = _axis("flatten", start_dim, n), _axis("flatten", end_dim, n)
    if a > b:
        raise ValueError(f"Tensor.flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shp = self.shape
    return self.reshape(shp[:a] + (-1 if 0 not in shp else 0,) + shp[b + 1 :])


def unflatten(self, dim: int, sizes) -> Tensor:
    """Split ``dim`` into ``sizes``. Example: ``x.unflatten(1, (2, 3))``"""
    d = _axis("unflatten", dim, self.ndim)
    return self.reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1 :])


def transpose(self, *axes):
    if len(axes) == 2 and axes[0].__class__ is int and axes[1].__class__ is int:
        n = self.ndim
        if n != 2:  # NumPy would refuse two axes here: torch's swap of two dims
            return _R.swapaxes(self, axes[0], axes[1])
        a, b = _axis("transpose", axes[0], 2), _axis("transpose", axes[1], 2)
        if a == b:
            return _R.swapaxes(self, a, b)
        if a == 0:
            raise ValueError(
                f"Tensor.transpose{axes} on a 2-D tensor is ambiguous: NumPy reads it as the "
                f"identity permutation, torch as swapping the two dims; write x.T or "
                f"x.swapaxes(0, 1) (torch's), or x.transpose((0, 1)) (NumPy's)"
            )
    if len(axes) == 1 and isinstance(axes[0], tuple | list):
        axes = tuple(axes[0])
    return _R.transpose(self, axes or None)


def t(self) -> Tensor:
    """torch's ``t``: the transpose of a tensor of at most 2 dims. Example: ``w.t()``"""
    if self.ndim > 2:
        raise ValueError(
            f"Tensor.t() takes a tensor of at most 2 dims, got shape {self.shape}; "
            f"use x.transpose(a, b) or x.mT"
        )
    return _R.transpose(self) if self.ndim == 2 else self


def repeat(self, repeats, axis=None, *more):
    if more or (
        axis is not None
        and isinstance(axis, int)
        and not (-self.ndim <= axis < self.ndim if self.ndim else axis in (0, -1))
    ):
        sizes = (repeats, axis, *more)
        raise TypeError(
            f"Tensor.repeat{sizes}: Tensor.repeat is NumPy's (each element repeated along an "
            f"axis); torch's x.repeat{sizes} (the tensor tiled) is x.tile({sizes})"
        )
    return _R.repeat(self, repeats, axis)


def tile(self, *dims) -> Tensor:
    """torch's ``tile`` (and ``repeat``): the tensor tiled ``dims`` times.
    Example: ``x.tile(2, 1)``"""
    return _R.tile(self, _shape_args("tile", dims))


def _pick(x, index):
    """An index given as a Tensor, an array or a Python sequence, as a backend array or Tensor
    (integers, no derivative)."""
    if isinstance(index, Tensor):
        return index
    return _xp(x).asarray(index)


def chunk(self, chunks: int, dim: int = 0) -> tuple:
    """torch's ``chunk``: pieces of ``ceil(n / chunks)`` along ``dim`` (possibly fewer).
    Example: ``a, b = x.chunk(2, dim=-1)``"""
    d = _axis("chunk", dim, self.ndim)
    n = self.shape[d]
    if chunks <= 0:
        raise ValueError(f"Tensor.chunk: chunks must be positive, got {chunks}")
    step = -(-n // chunks) if n else 1
    return tuple(_R.split(self, list(range(step, n, step)), axis=d)) if n else (self,)


def split(self, split_size_or_sections, dim: int = 0) -> tuple:
    """torch's ``split``: pieces of ``size`` along ``dim`` (the last may be shorter), or of
    the listed sizes. Example: ``a, b = x.split([2, 3], dim=1)``"""
    d = _axis("split", dim, self.ndim)
    n = self.shape[d]
    s = split_size_or_sections
    if isinstance(s, int | _np.integer):
        if s <= 0:
            raise ValueError(f"Tensor.split: split_size must be positive, got {s}")
        points = list(range(int(s), n, int(s)))
    else:
        sizes = [int(v) for v in s]
        if _b.sum(sizes) != n:
            raise ValueError(
                f"Tensor.split: sizes {sizes} do not add up to {n}, the length of dim {dim}"
            )
        points = list(_np.cumsum(sizes)[:-1])
    return tuple(_R.split(self, [int(p) for p in points], axis=d))


def unbind(self, dim: int = 0) -> tuple:
    """The slices along ``dim``. Example: ``rows = x.unbind(0)``"""
    return tuple(_R.unstack(self, axis=_axis("unbind", dim, self.ndim)))


def flip(self, *dims) -> Tensor:
    """Reverse the order along ``dims``. Example: ``x.flip(0)``, ``x.flip((0, 1))``"""
    return _R.flip(self, _shape_args("flip", dims))


def roll(self, shifts, dims=None) -> Tensor:
    """Rotate along ``dims`` (the flattened tensor when None). Example: ``x.roll(1, 0)``"""
    return _R.roll(self, shifts, dims)


def narrow(self, dim: int, start: int, length: int) -> Tensor:
    """``length`` entries from ``start`` along ``dim``, a view. Example: ``x.narrow(1, 0, 2)``"""
    d = _axis("narrow", dim, self.ndim)
    s = int(start) % self.shape[d] if start < 0 else int(start)
    if s + length > self.shape[d] or length < 0:
        raise IndexError(
            f"Tensor.narrow: start {start} + length {length} exceeds the length "
            f"{self.shape[d]} of dim {dim}"
        )
    return self[(slice(None),) * d + (slice(s, s + length),)]


def movedim(self, source, destination) -> Tensor:
    """NumPy's ``moveaxis``. Example: ``x.movedim(0, -1)``"""
    return _R.moveaxis(self, source, destination)


# ---- linear algebra ----------------------------------------------------------------------
def mm(self, mat2) -> Tensor:
    """Matrix product of two 2-D tensors. Example: ``a.mm(b)``"""
    if self.ndim != 2 or getattr(mat2, "ndim", 0) != 2:
        raise ValueError(
            f"Tensor.mm takes two 2-D tensors, got shapes {self.shape} and "
            f"{getattr(mat2, 'shape', ())}; use matmul for others"
        )
    return _R.matmul(self, mat2)


def bmm(self, mat2) -> Tensor:
    """Batched matrix product of two 3-D tensors. Example: ``a.bmm(b)``"""
    if self.ndim != 3 or getattr(mat2, "ndim", 0) != 3:
        raise ValueError(
            f"Tensor.bmm takes two 3-D tensors, got shapes {self.shape} and "
            f"{getattr(mat2, 'shape', ())}; use matmul for others"
        )
    return _R.matmul(self, mat2)


def mv(self, vec) -> Tensor:
    """Matrix-vector product. Example: ``a.mv(v)``"""
    if self.ndim != 2 or getattr(vec, "ndim", 0) != 1:
        raise ValueError(
            f"Tensor.mv takes a 2-D and a 1-D tensor, got shapes {self.shape} "
            f"and {getattr(vec, 'shape', ())}"
        )
    return _R.matmul(self, vec)


def matmul(self, other) -> Tensor:
    """``self @ other``. Example: ``a.matmul(b)``"""
    return _R.matmul(self, other)


def outer(self, vec2) -> Tensor:
    """Outer product of two 1-D tensors. Example: ``u.outer(v)``"""
    return _R.outer(self, vec2)


def cross(self, other, dim=None) -> Tensor:
    """Cross product along ``dim`` (None: the first dim of length 3, as torch.cross).
    Example: ``a.cross(b, dim=-1)``"""
    if dim is None:
        shp = _np.broadcast_shapes(self.shape, tuple(getattr(other, "shape", ())))
        dim = next((i for i, s in enumerate(shp) if s == 3), None)
        if dim is None:
            raise ValueError(f"Tensor.cross: no dim of length 3 in shape {shp}")
    return _R.cross(self, other, axis=dim)


def diag(self, diagonal: int = 0) -> Tensor:
    """A diagonal of a 2-D tensor, or a matrix with a 1-D tensor on a diagonal.
    Example: ``x.diag()``"""
    return _R.diag(self, diagonal)


def tril(self, diagonal: int = 0) -> Tensor:
    """Zero above ``diagonal`` (over the last two dims). Example: ``x.tril()``"""
    return _R.tril(self, diagonal)


def triu(self, diagonal: int = 0) -> Tensor:
    """Zero below ``diagonal`` (over the last two dims). Example: ``x.triu(1)``"""
    return _R.triu(self, diagonal)


def diff(self, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """``n``-th differences along ``dim``. Example: ``x.diff(dim=0)``"""
    kw = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    return _R.diff(self, n, dim, **kw)


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
    """``self ** exponent``. Example: ``x.pow(3)``"""
    return self**exponent


def rsqrt(self) -> Tensor:
    """``1 / sqrt(x)``. Example: ``v.rsqrt()``"""
    return _R.reciprocal(_R.sqrt(self))


def relu(self) -> Tensor:
    """``max(x, 0)``; the derivative at 0 is 0, as in torch. Example: ``x.relu()``"""
    return _r.relu(self)


def sigmoid(self) -> Tensor:
    """The logistic sigmoid. Example: ``x.sigmoid()``"""
    return _r.sigmoid(self)


def softmax(self, dim: int, dtype=None) -> Tensor:
    """Softmax along ``dim``. Example: ``logits.softmax(dim=-1)``"""
    return _softmax(self if dtype is None else _R.astype(self, dtype), dim)


def log_softmax(self, dim: int, dtype=None) -> Tensor:
    """Log-softmax along ``dim``. Example: ``logits.log_softmax(dim=-1)``"""
    return _log_softmax(self if dtype is None else _R.astype(self, dtype), dim)


def frac(self) -> Tensor:
    """``x - trunc(x)`` (derivative 1). Example: ``x.frac()``"""
    return self - _R.trunc(self)


def add(self, other, *, alpha=1) -> Tensor:
    """``self + alpha * other``. Example: ``x.add(y, alpha=-0.1)``"""
    return self + (other if alpha == 1 else alpha * other)


def sub(self, other, *, alpha=1) -> Tensor:
    """``self - alpha * other``. Example: ``x.sub(y)``"""
    return self - (other if alpha == 1 else alpha * other)


def rsub(self, other, *, alpha=1) -> Tensor:
    """``other - alpha * self``. Example: ``x.rsub(1.0)``"""
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
    """``self + weight * (end - self)``. Example: ``a.lerp(b, 0.25)``"""
    return self + weight * (end - self)


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
    return bool(a.shape == b.shape and _xp(self).array_equal(a, b))


def _plain(x):
    """The values of a Tensor (or array, or number) for a comparison without derivative."""
    if isinstance(x, Tensor):
        return x.detach()._data if x._bat is None else x.data  # (vmap raises clearly)
    return x


def masked_fill(self, mask, value) -> Tensor:
    """``value`` where ``mask`` is true (the mask broadcast to this shape), else ``self``.
    Example: ``scores.masked_fill(~keep, -1e9)``"""
    m = mask if _kind(mask) == "b" else None
    if m is None:
        raise TypeError(
            f"Tensor.masked_fill: the mask must be boolean, got dtype "
            f"{getattr(mask, 'dtype', type(mask).__name__)}"
        )
    m = _R.broadcast_to(m, self.shape)
    r = _R.where(m, value, self)
    return r if r.dtype == self.dtype else _R.astype(r, self.dtype)


def where(self, condition, y) -> Tensor:
    """torch's ``x.where(cond, y)``: ``self`` where ``condition``, else ``y``.
    Example: ``x.where(x > 0, 0.0)``"""
    return _R.where(condition, self, y)


def masked_select(self, mask) -> Tensor:
    """The entries where ``mask`` is true, as a 1-D tensor (both broadcast).
    Example: ``x.masked_select(x > 0)``"""
    shp = _np.broadcast_shapes(self.shape, tuple(getattr(mask, "shape", ())))
    return _R.broadcast_to(self, shp)[_R.broadcast_to(mask, shp)]


# ---- indexing along a dim -------------------------------------------------------------------
def gather(self, dim: int, index) -> Tensor:
    """``out[i][j] = self[i][index[i][j]]`` along ``dim`` (torch's gather; ``index`` may be
    smaller than ``self`` in the other dims). Example: ``x.gather(1, idx)``"""
    d = _axis("gather", dim, self.ndim)
    index = _pick(self, index)
    if index.ndim != self.ndim:
        raise ValueError(
            f"Tensor.gather: index of shape {tuple(index.shape)} must have as "
            f"many dims as the tensor (shape {self.shape})"
        )
    x = _fit(self, index.shape, d)
    return _R.take_along_axis(x, index, d)


def _fit(x, shape, d):
    """``x`` cut to ``shape`` in every dim but ``d`` (torch's scatter/gather sizes)."""
    if _b.all(s == n for i, (s, n) in enumerate(zip(shape, x.shape, strict=True)) if i != d):
        return x
    for i, (s, n) in enumerate(zip(shape, x.shape, strict=True)):
        if i != d and s > n:
            raise ValueError(
                f"gather/scatter: the index (shape {tuple(shape)}) is larger "
                f"than the tensor (shape {x.shape}) in dim {i}"
            )
    return x[tuple(slice(None) if i == d else slice(0, s) for i, s in enumerate(shape))]


def _scatter_at(self, dim, index):
    """``self.at[...]`` addressing the targets of torch's scatter: ``index`` along ``dim``,
    its own position in the other dims."""
    d = _axis("scatter", dim, self.ndim)
    index = _pick(self, index)
    if index.ndim != self.ndim:
        raise ValueError(
            f"Tensor.scatter: index of shape {tuple(index.shape)} must have as "
            f"many dims as the tensor (shape {self.shape})"
        )
    xp = _xp(self)
    n = index.ndim
    grids = tuple(
        index if i == d else xp.arange(s).reshape((-1,) + (1,) * (n - 1 - i))
        for i, s in enumerate(index.shape)
    )
    return self.at[grids], index.shape


def _source(src, shape):
    """torch's scatter source cut to the index's shape (a number stays a number)."""
    if isinstance(src, int | float | bool | complex) or getattr(src, "ndim", 0) == 0:
        return src
    return _fit(src, tuple(shape), -1)


def scatter(self, dim: int, index, src=_NO, *, value=_NO, reduce=None) -> Tensor:
    """torch's out-of-place ``scatter``: a copy with ``src`` (or ``value``) written at
    ``index`` along ``dim``; ``reduce="add"``/``"multiply"`` combines instead (repeats
    accumulate). Without ``reduce`` the last of repeated targets is kept (torch leaves it
    unspecified). Example: ``x.scatter(1, idx, 0.0)``"""
    src = value if src is _NO else src
    if src is _NO:
        raise TypeError("Tensor.scatter: give the source (src or value)")
    ref, shape = _scatter_at(self, dim, index)
    src = _source(src, shape)
    if reduce is None:
        return ref.set(src)
    if reduce == "add":
        return ref.add(src)
    if reduce == "multiply":
        return ref.multiply(src)
    raise ValueError(f"Tensor.scatter: reduce must be 'add' or 'multiply', got {reduce!r}")


def scatter_add(self, dim: int, index, src) -> Tensor:
    """torch's ``scatter_add``: ``src`` added at ``index`` along ``dim`` (repeats add up).
    Example: ``zeros.scatter_add(0, idx, w)``"""
    ref, shape = _scatter_at(self, dim, index)
    return ref.add(_source(src, shape))


def _along(self, dim, index):
    d = _axis("index", dim, self.ndim)
    index = _pick(self, index)
    if index.ndim != 1:
        index = _R.reshape(index, (-1,))
    return self.at[(slice(None),) * d + (index,)]


def index_select(self, dim: int, index) -> Tensor:
    """The entries ``index`` (1-D) along ``dim``. Example: ``x.index_select(0, rows)``"""
    index = _pick(self, index)
    return _R.take(
        self,
        _R.reshape(index, (-1,)) if index.ndim != 1 else index,
        axis=_axis("index_select", dim, self.ndim),
    )


def index_add(self, dim: int, index, source, *, alpha=1) -> Tensor:
    """``alpha * source`` added at ``index`` along ``dim`` (repeats add up).
    Example: ``acc.index_add(0, rows, vals)``"""
    return _along(self, dim, index).add(source if alpha == 1 else alpha * source)


def index_copy(self, dim: int, index, source) -> Tensor:
    """``source`` written at ``index`` along ``dim``. Example: ``x.index_copy(0, rows, v)``"""
    return _along(self, dim, index).set(source)


def index_fill(self, dim: int, index, value) -> Tensor:
    """``value`` written at ``index`` along ``dim``. Example: ``x.index_fill(1, cols, 0.0)``"""
    return _along(self, dim, index).set(value)


def _order(x, dim, descending, stable):
    """Indices sorting ``x`` along ``dim``; ``descending`` keeps equal values in their
    order (and NaNs first), as torch's stable descending sort."""
    if not descending:
        return _R.argsort(x, axis=dim, stable=True if stable else None)
    n = x.shape[dim] if x.ndim else 1
    rev = _R.argsort(_R.flip(x, dim), axis=dim, stable=True)
    return (n - 1) - _R.flip(rev, dim)


def sort(self, *args, dim=_NO, descending=_NO, stable: bool = False, **kw):
    """torch's ``sort`` (``dim=`` or ``descending=`` given): ``(values, indices)``.

    NumPy's ``ndarray.sort()`` sorts in place and returns None; without torch's keywords the
    call is ambiguous and raises. Example: ``v, i = x.sort(dim=-1, descending=True)``
    """
    if dim is _NO and descending is _NO:
        raise TypeError(
            "Tensor.sort() is ambiguous: NumPy's ndarray.sort sorts in place and returns None, "
            "torch's returns (values, indices). Write x.sort(dim=-1) (torch's), "
            "gnp.sort(x) (a sorted copy) or x[...] = gnp.sort(x) (NumPy's in-place sort)"
        )
    if args or kw:
        raise TypeError(
            f"Tensor.sort with torch's keywords takes dim=, descending= and "
            f"stable= only, got {args} {sorted(kw)}"
        )
    dim = -1 if dim is _NO else dim
    if self.ndim == 0:
        return _sort(self, _R.zeros_like(self, dtype=_np.int64))
    d = _axis("sort", dim, self.ndim)
    idx = _order(self, d, descending is not _NO and bool(descending), stable)
    return _sort(_R.take_along_axis(self, idx, d), idx)


def argsort(self, axis=-1, *, dim=_NO, descending: bool = False, stable: bool = False, **kw):
    if dim is _NO and not descending and not stable and not kw:
        return _R.argsort(self, axis=axis)
    if dim is not _NO:
        axis = _cum_dim("argsort", None if axis == -1 else axis, dim)
    if kw:
        return _R.argsort(self, axis=axis, **kw)
    return _order(self, _axis("argsort", axis, self.ndim), descending, stable)


def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) entries along ``dim`` and their indices, largest
    first. Example: ``v, i = scores.topk(5)``"""
    d = _axis("topk", dim, self.ndim)
    n = self.shape[d] if self.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"Tensor.topk: k={k} is out of range for a dim of length {n}")
    if self.ndim == 0:
        return _topk(self, _R.zeros_like(self, dtype=_np.int64))
    idx = _order(self, d, largest, True)
    idx = idx[(slice(None),) * d + (slice(0, k),)]
    return _topk(_R.take_along_axis(self, idx, d), idx)


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
    data = xp.empty(size, dt) if fill is None else xp.full(size, fill, dt)
    return Tensor(data, requires_grad=requires_grad)


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
        data = data.detach()._data
    xp = _xp(self)
    dt = self.dtype if dtype is None else _dtype(dtype)
    return Tensor(xp.array(data, dtype=dt, copy=True), requires_grad=requires_grad)


def _dtype(dtype) -> _np.dtype:
    """A NumPy dtype from one (or a type, a name, or a torch dtype such as torch.float32)."""
    s = str(dtype)
    if s.startswith("torch."):
        s = s[6:]
        s = {
            "half": "float16",
            "float": "float32",
            "double": "float64",
            "long": "int64",
            "int": "int32",
            "short": "int16",
            "cfloat": "complex64",
            "cdouble": "complex128",
        }.get(s, s)
        return _np.dtype(s)
    return _np.dtype(dtype)


def _cast(dtype):
    def convert(self) -> Tensor:
        return self if self.dtype == dtype else _R.astype(self, dtype)

    return convert


def _device_of(self) -> str:
    return "cpu" if backend_of_type(type(self._data)).name == "numpy" else "cuda"


def _device(self, device, what: str) -> None:
    """Refuse a move to another device: a Tensor stays on its backend's."""
    want = str(getattr(device, "type", device)).split(":")[0]
    have = _device_of(self)
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
def _write(self, fn, args, kw, name: str) -> Tensor:
    """``self[...] = fn(self, ...)``, recorded as ``x += v`` is: versions are bumped, values
    the step saved from ``self`` are kept, a leaf that requires grad refuses."""
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
        raise TypeError(
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


def zero_(self) -> Tensor:
    """Set every entry to zero, in place. Example: ``x.grad.zero_()``"""
    self[...] = 0
    return self


def fill_(self, value) -> Tensor:
    """Set every entry to ``value`` (a number or a 0-d tensor), in place."""
    self[...] = value
    return self


def copy_(self, src, non_blocking: bool = False) -> Tensor:
    """Write ``src`` (broadcast, converted to this dtype) into this tensor."""
    self[...] = src
    return self


# the methods defined above, attached under their own names
_DEFINED = """
    sum mean prod max min var std cumsum cumprod argmax argmin all any amax amin logsumexp
    nansum nanmean norm dist view view_as reshape_as expand expand_as permute unsqueeze squeeze
    flatten unflatten transpose t repeat tile chunk split unbind flip roll narrow movedim mm
    bmm mv matmul outer cross diag tril triu diff clamp clamp_min clamp_max pow rsqrt relu
    sigmoid softmax log_softmax frac add sub rsub mul div lerp addcmul addcdiv nan_to_num
    allclose isclose equal masked_fill where masked_select gather scatter scatter_add
    index_select index_add index_copy index_fill sort argsort topk numel dim element_size
    is_floating_point is_complex clone is_contiguous contiguous new_zeros new_ones new_empty
    new_full new_tensor to type_as cpu cuda zero_ fill_ copy_
""".split()
_SAME = {"moveaxis": "movedim", "ger": "outer", "nelement": "numel", "ndimension": "dim"}
# plain gpuad.numpy calls: torch's name, or "torch_name=numpy_name"
_UNARY = """
    exp exp2 expm1 log log2 log10 log1p sqrt abs sign reciprocal square sin cos tan sinh cosh
    tanh arcsin arccos arctan arcsinh arccosh arctanh floor ceil trunc isnan isfinite isinf
    isposinf isneginf signbit logical_not neg=negative negative absolute=abs sgn=sign
    asin=arcsin acos=arccos atan=arctan asinh=arcsinh acosh=arccosh atanh=arctanh fix=trunc
""".split()
_BINARY = """
    maximum minimum fmax fmin fmod remainder hypot logaddexp copysign arctan2 atan2=arctan2
    logical_and logical_or logical_xor multiply subtract divide true_divide=divide
    floor_divide float_power eq=equal ne=not_equal lt=less le=less_equal gt=greater
    ge=greater_equal not_equal greater greater_equal less less_equal
""".split()
_CASTS = """
    float=float32 double=float64 half=float16 long=int64 int=int32 short=int16 char=int8
    byte=uint8 bool=bool cfloat=complex64 cdouble=complex128
""".split()
# in-place forms: torch's name_ for these out-of-place methods
_IN_PLACE = """
    add sub mul div pow clamp clamp_min clamp_max exp exp2 expm1 log log2 log10 log1p sqrt
    rsqrt abs absolute neg negative sign sgn reciprocal square sin cos tan sinh cosh tanh asin
    acos atan arcsin arccos arctan sigmoid relu floor ceil trunc frac lerp addcmul addcdiv fmod
    remainder maximum minimum hypot atan2 arctan2 copysign nan_to_num masked_fill index_add
    index_copy index_fill scatter scatter_add multiply subtract divide true_divide floor_divide
    float_power logaddexp
""".split()


def _unary(fname: str):
    def method(self) -> Tensor:
        return getattr(_R, fname)(self)

    return method


def _binary(fname: str):
    def method(self, other) -> Tensor:
        return getattr(_R, fname)(self, other)

    return method


def _pairs(names: list) -> list:
    return [tuple(n.split("=")) if "=" in n else (n, n) for n in names]


_METHODS = {n: globals()[n] for n in _DEFINED}
_METHODS.update({n: globals()[f] for n, f in _SAME.items()})
_METHODS.update({n: _unary(f) for n, f in _pairs(_UNARY)})
_METHODS.update({n: _binary(f) for n, f in _pairs(_BINARY)})
_METHODS.update({n: _cast(_np.dtype(d)) for n, d in _pairs(_CASTS)})
_METHODS.update({n + "_": _in_place(n + "_", _METHODS[n]) for n in _IN_PLACE})
_METHODS["clip"] = Tensor.clip
_METHODS["clip_"] = _in_place("clip_", Tensor.clip)
_METHODS["round_"] = _in_place("round_", Tensor.round)


def install() -> None:
    """Attach the methods to :class:`~gpuad.tensor.Tensor` (done when gpuad is imported)."""
    for name, fn in _METHODS.items():
        if fn.__name__ in ("method", "convert"):
            fn.__name__ = name
        fn.__qualname__ = f"Tensor.{name}"
        setattr(Tensor, name, fn)


install()
