"""PyTorch's reductions on Tensor: ``x.sum(dim=1, keepdim=True)``, ``x.max(dim=0)``, ...

NumPy's positional meaning stays (``x.max(1)`` is the values, ``x.std(0)`` has ``ddof=0``);
torch's is taken when the call cannot be NumPy's: a ``dim=``/``keepdim=``/``unbiased=``
keyword, or a bool where NumPy takes a dtype or an ``out`` array (``x.sum(1, True)``).
Example: ``values, indices = x.max(dim=1)``
"""

from __future__ import annotations

import builtins as _b  # (this module defines sum, max, min, all, any)
from collections import namedtuple
from typing import Any

import numpy as _np

from . import _links
from . import numpy as gnp
from . import rules as _r
from ._torch_args import _NO, _axis, _dims_of, _dtype, _once, _torch_dim
from .tensor import Tensor, _full

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")

# torch.return_types: named pairs of values and indices
_max = namedtuple("max", ["values", "indices"])
_min = namedtuple("min", ["values", "indices"])


# (each keeps the NumPy method's fast path as its first line). A bool where NumPy takes a
# dtype or an ``out`` array is torch's positional keepdim (``x.sum(1, True)``) or unbiased
# (``x.std(1, False)``): NumPy refuses those values.
def _torch_reduce(name: str, axis, dtype, keepdims, kw, ndim: int) -> tuple:
    """``(axis, dtype, keepdims)`` of ``sum``/``mean``/``prod`` called as torch's."""
    if dtype.__class__ is bool:
        _once(kw, "keepdim", dtype, name)
        dtype = None
    axis, keepdims = _torch_dim(name, axis, keepdims, kw, ndim)
    return axis, None if dtype is None else _dtype(dtype), keepdims


def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kw):  # noqa: A001
    if dtype is None and out is None and not kw:
        return _R.sum(self, axis, keepdims=keepdims)
    if dtype.__class__ is bool or "dim" in kw or "keepdim" in kw:
        axis, dtype, keepdims = _torch_reduce("sum", axis, dtype, keepdims, kw, self.ndim)
    return _full("sum")(self, axis, dtype, out, keepdims, **kw)


def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    if dtype is None and out is None and not kw:
        return _R.mean(self, axis, keepdims=keepdims)
    if dtype.__class__ is bool or "dim" in kw or "keepdim" in kw:
        axis, dtype, keepdims = _torch_reduce("mean", axis, dtype, keepdims, kw, self.ndim)
    return _full("mean")(self, axis, dtype, out, keepdims, **kw)


def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    if dtype is None and out is None and not kw:
        return _R.prod(self, axis, keepdims=keepdims)
    if dtype.__class__ is bool or "dim" in kw or "keepdim" in kw:
        axis, dtype, keepdims = _torch_reduce("prod", axis, dtype, keepdims, kw, self.ndim)
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
    if correction is None:  # torch's default, as if not given
        correction = _NO
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
    axis, keepdims = _torch_dim(name, axis, keepdims, kw, self.ndim)
    return _full(name)(self, axis, None if dtype is None else _dtype(dtype), out, ddof, keepdims)


def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    if axis.__class__ is bool:  # torch's x.var(unbiased); NumPy refuses a bool axis
        _once(kw, "unbiased", axis, "var")
        return _torch_var("var", self, None, dtype, out, ddof, keepdims, kw)
    if dtype is None and out is None and not kw:
        return _R.var(self, axis, ddof=ddof, keepdims=keepdims)
    if dtype.__class__ is bool or out.__class__ is bool or _b.any(k in kw for k in _TORCH_VAR):
        return _torch_var("var", self, axis, dtype, out, ddof, keepdims, kw)
    return _full("var")(self, axis, dtype, out, ddof, keepdims, **kw)


def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kw):
    if axis.__class__ is bool:  # torch's x.std(unbiased); NumPy refuses a bool axis
        _once(kw, "unbiased", axis, "std")
        return _torch_var("std", self, None, dtype, out, ddof, keepdims, kw)
    if dtype is None and out is None and not kw:
        return _R.std(self, axis, ddof=ddof, keepdims=keepdims)
    if dtype.__class__ is bool or out.__class__ is bool or _b.any(k in kw for k in _TORCH_VAR):
        return _torch_var("std", self, axis, dtype, out, ddof, keepdims, kw)
    return _full("std")(self, axis, dtype, out, ddof, keepdims, **kw)


def cumsum(self, axis=None, dtype=None, out=None, *, dim=_NO):
    if dim is not _NO:
        return _torch_cum("cumsum", self, axis, dtype, out, dim)
    if dtype is None and out is None:
        return _R.cumsum(self, axis)
    return _full("cumsum")(self, axis, dtype, out)


def cumprod(self, axis=None, dtype=None, out=None, *, dim=_NO):
    if dim is not _NO:
        return _torch_cum("cumprod", self, axis, dtype, out, dim)
    if dtype is None and out is None:
        return _R.cumprod(self, axis)
    return _full("cumprod")(self, axis, dtype, out)


def _cum_dim(name: str, axis, dim):
    if axis is not None:
        raise TypeError(f"Tensor.{name}: the axis was given twice ({axis!r} and dim={dim!r})")
    return dim


def _torch_cum(name: str, self, axis, dtype, out, dim):
    """``cumsum``/``cumprod`` with torch's ``dim=``; of a 0-d tensor a 0-d result, as torch
    (NumPy's ``axis=0`` there gives one element in one dim)."""
    dim = _cum_dim(name, axis, dim)
    if self.ndim == 0:
        _axis(name, dim, 0)
        r = _full(name)(_R.reshape(self, (1,)), 0, dtype)
        r = _R.reshape(r, ())
        if out is None:
            return r
        out[...] = r
        return out
    return _full(name)(self, dim, dtype, out)


def _arg_extreme(name: str, self, axis, out, keepdims, dim, keepdim):
    fn = _R.argmax if name == "argmax" else _R.argmin
    if out.__class__ is bool:  # x.argmax(1, True)
        keepdim, out = out, None
    if dim is not _NO or keepdim is not _NO:
        kw = {k: v for k, v in (("dim", dim), ("keepdim", keepdim)) if v is not _NO}
        axis, keepdims = _torch_dim(name, axis, keepdims, kw, self.ndim)
    r = fn(self, axis=axis)  # (a keyword: a prim's positional arguments are its inputs)
    if keepdims and self.ndim:  # a 0-d tensor's kept dim 0 is no dim at all (torch)
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
        axis, keepdims = _torch_dim(name, axis, keepdims, kw, self.ndim)
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
    return _R.max(self, _dims_of("amax", dim, self.ndim), keepdims=keepdim)


def amin(self, dim=(), keepdim: bool = False) -> Tensor:
    """torch's ``amin``. Example: ``x.amin(dim=-1)``"""
    return _R.min(self, _dims_of("amin", dim, self.ndim), keepdims=keepdim)


def logsumexp(self, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x), dim))``, stable. Example: ``x.logsumexp(dim=1)``"""
    return _r.logsumexp(self, axis=_dims_of("logsumexp", dim, self.ndim), keepdims=keepdim)


def nansum(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum treating NaN as zero. Example: ``x.nansum(dim=0)``"""
    return gnp.nansum(self, _dims_of("nansum", dim, self.ndim), dtype=dtype, keepdims=keepdim)


def nanmean(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of the non-NaN entries. Example: ``x.nanmean(dim=0)``"""
    return gnp.nanmean(self, _dims_of("nanmean", dim, self.ndim), dtype=dtype,
                       keepdims=keepdim)


def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None):
    """torch's ``Tensor.norm``: a vector ``p``-norm of the flattened tensor (``dim=None``) or
    over ``dim`` (an int or a tuple, the dims taken together as one vector); ``"fro"`` is the
    2-norm, ``"nuc"`` the nuclear norm over two dims.

    Example: ``x.norm()``, ``x.norm(1, dim=0)``, ``x.norm(dim=(0, 1), keepdim=True)``
    """
    x = self if dtype is None else _R.astype(self, dtype)
    dim = _dims_of("norm", dim, x.ndim)
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
