"""PyTorch's reductions on Tensor: ``x.sum(dim=1, keepdim=True)``, ``x.max(dim=0)``, ...

NumPy's positional meaning stays (``x.max(1)`` is the values, ``x.std(0)`` has ``ddof=0``);
torch's is taken when the call cannot be NumPy's: a ``dim=``/``keepdim=``/``unbiased=``
keyword, or a bool where NumPy takes a dtype or an ``out`` array (``x.sum(1, True)``).
Example: ``values, indices = x.max(dim=1)``
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
from ._torch_args import (
    _NO,
    _axis,
    _dims_of,
    _dtype,
    _once,
    _torch_dim,
    _whole,
    _zero_index,
)
from .tensor import Tensor, _full

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")

# torch.return_types: named pairs of values and indices
_max = namedtuple("max", ["values", "indices"])
_min = namedtuple("min", ["values", "indices"])


# (each keeps the NumPy method's fast path as its first line). A bool where NumPy takes a
# dtype or an ``out`` array is torch's positional keepdim (``x.sum(1, True)``) or unbiased
# (``x.std(1, False)``): NumPy refuses those values.
def _torch_reduce(name: str, axis, dtype, keepdims, kw, ndim: int, src=None) -> tuple:
    """``(axis, dtype, keepdims)`` of ``sum``/``mean``/``prod`` called as torch's (an
    unsigned ``src`` dtype sums into int64, torch's, where NumPy's is uint64)."""
    if dtype.__class__ is bool:
        _once(kw, "keepdim", dtype, name)
        dtype = None
    axis, keepdims = _torch_dim(name, axis, keepdims, kw, ndim)
    if dtype is None and src is not None and src.kind == "u" and name != "mean":
        return axis, _np.dtype(_np.int64), keepdims
    return axis, None if dtype is None else _dtype(dtype), keepdims


def _np_dtype(dtype):
    """``dtype`` for NumPy's reductions: a torch dtype (``torch.float64``) as NumPy's, and
    torch's bfloat16 refused naming what to use."""
    return dtype if dtype is None else _dtype(dtype)


def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kw):  # noqa: A001
    if dtype is None and out is None and not kw:
        return _R.sum(self, axis, keepdims=keepdims)
    if dtype.__class__ is bool or "dim" in kw or "keepdim" in kw:
        axis, dtype, keepdims = _torch_reduce("sum", axis, dtype, keepdims, kw, self.ndim,
                                                 self.dtype)
    return _full("sum")(self, axis, _np_dtype(dtype), out, keepdims, **kw)


def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    if dtype is None and out is None and not kw:
        return _R.mean(self, axis, keepdims=keepdims)
    if dtype.__class__ is bool or "dim" in kw or "keepdim" in kw:
        axis, dtype, keepdims = _torch_reduce("mean", axis, dtype, keepdims, kw, self.ndim)
    return _full("mean")(self, axis, _np_dtype(dtype), out, keepdims, **kw)


def prod(self, axis=None, dtype=None, out=None, keepdims=False, **kw):
    if dtype is None and out is None and not kw:
        return _R.prod(self, axis, keepdims=keepdims)
    if dtype.__class__ is bool or "dim" in kw or "keepdim" in kw:
        axis, dtype, keepdims = _torch_reduce("prod", axis, dtype, keepdims, kw, self.ndim,
                                                 self.dtype)
    return _full("prod")(self, axis, _np_dtype(dtype), out, keepdims, **kw)


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
        return (_max if name == "max" else _min)(x, _zero_index(x))
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
    return _full("cumsum")(self, axis, _np_dtype(dtype), out)


def cumprod(self, axis=None, dtype=None, out=None, *, dim=_NO):
    if dim is not _NO:
        return _torch_cum("cumprod", self, axis, dtype, out, dim)
    if dtype is None and out is None:
        return _R.cumprod(self, axis)
    return _full("cumprod")(self, axis, _np_dtype(dtype), out)


def _cum_dim(name: str, axis, dim):
    if axis is not None:
        raise TypeError(f"Tensor.{name}: the axis was given twice ({axis!r} and dim={dim!r})")
    return dim


def _torch_cum(name: str, self, axis, dtype, out, dim):
    """``cumsum``/``cumprod`` with torch's ``dim=``; of a 0-d tensor a 0-d result, as torch
    (NumPy's ``axis=0`` there gives one element in one dim)."""
    dim = _cum_dim(name, axis, dim)
    dtype = None if dtype is None else _dtype(dtype)  # (a torch dtype too)
    if dtype is None and self.dtype.kind == "u" and self.dtype.itemsize < 8:
        dtype = _np.dtype(_np.int64)  # torch's, where NumPy's is uint64
    if dtype is None and out is None and self.dtype == _np.float16:
        # torch accumulates half in float32 (NumPy's float16 running sum drifts by percents)
        return _R.astype(_torch_cum(name, self, None, _np.float32, None, dim), _np.float16)
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
    if isinstance(dim, tuple | list) and not dim and axis is None:
        # torch's any/all over no dims reduce nothing (sum and the others take every dim)
        r = self != 0
    else:
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
    if dtype is None and self.dtype.kind == "u":
        dtype = _np.int64  # torch's, where NumPy's is uint64
    return gnp.nansum(self, _dims_of("nansum", dim, self.ndim),
                      dtype=None if dtype is None else _dtype(dtype), keepdims=keepdim)


def nanmean(self, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of the non-NaN entries. Example: ``x.nanmean(dim=0)``"""
    return gnp.nanmean(self, _dims_of("nanmean", dim, self.ndim),
                       dtype=None if dtype is None else _dtype(dtype), keepdims=keepdim)


def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None):
    """torch's ``Tensor.norm``: a vector ``p``-norm of the flattened tensor (``dim=None``) or
    over ``dim`` (an int or a tuple, the dims taken together as one vector); ``"fro"`` is the
    2-norm, ``"nuc"`` the nuclear norm over two dims.

    Example: ``x.norm()``, ``x.norm(1, dim=0)``, ``x.norm(dim=(0, 1), keepdim=True)``
    """
    if dtype is None and self.dtype == _np.float16:  # torch accumulates half in float32
        return _R.astype(norm(self, p, dim, keepdim, _np.float32), _np.float16)
    x = self if dtype is None else _R.astype(self, _dtype(dtype))
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
    if len(set(dims)) < len(dims):
        raise ValueError(f"Tensor.norm: dim={tuple(dim)} names a dim more than once (shape "
                         f"{x.shape}); name each dim once")
    rest = [d for d in range(x.ndim) if d not in dims]
    moved = _R.transpose(x, rest + list(dims))
    # the reduced length spelled out: -1 is ambiguous when a kept dim has length 0
    flat = _R.reshape(moved, tuple(x.shape[d] for d in rest)
                      + (math.prod(x.shape[d] for d in dims),))
    r = gnp.linalg.norm(flat, p, axis=-1)
    if keepdim:
        r = _R.reshape(r, tuple(1 if d in dims else x.shape[d] for d in range(x.ndim)))
    return r


def dist(self, other, p: Any = 2) -> Tensor:
    """The ``p``-norm of ``self - other``. Example: ``x.dist(y)``"""
    return norm(self - other, p)


# ---- running extremes, order statistics -----------------------------------------------------
_cummax = namedtuple("cummax", ["values", "indices"])
_cummin = namedtuple("cummin", ["values", "indices"])
_kthvalue = namedtuple("kthvalue", ["values", "indices"])
_median = namedtuple("median", ["values", "indices"])
_nanmedian = namedtuple("nanmedian", ["values", "indices"])
_aminmax = namedtuple("aminmax", ["min", "max"])


def _at(d: int, start, stop) -> tuple:
    return (slice(None),) * d + (slice(start, stop),)


def _scan(x, d: int, f):
    """The inclusive prefix scan of the associative ``f`` along ``d``, in ``log2(n)`` steps of
    whole-tensor ops (each step combines every entry with the one ``s`` places before it)."""
    n, s = x.shape[d], 1
    while s < n:
        x = _R.concatenate([x[_at(d, 0, s)], f(x[_at(d, s, n)], x[_at(d, 0, n - s)])], axis=d)
        s *= 2
    return x


def _positions(x, d: int):
    """``0, 1, ..., n-1`` along dim ``d``, shaped to broadcast against ``x``."""
    shape = [1] * x.ndim
    shape[d] = x.shape[d]
    return _R.reshape(_R.arange(x.shape[d], dtype=_np.int64), tuple(shape))


def _real_only(name: str, x) -> None:
    if x.dtype.kind == "c":
        raise TypeError(f"Tensor.{name}: complex tensors (dtype {x.dtype}, shape {x.shape}) "
                        f"have no order, as in torch; use x.real or abs(x)")


def _cum_extreme(name: str, self, dim):
    _real_only(name, self)
    if self.ndim == 0:
        _axis(name, dim, 0)
        return _cummax(self, _zero_index(self)) if name == "cummax" else \
            _cummin(self, _zero_index(self))
    d = _axis(name, dim, self.ndim)
    x = self.detach()
    run = _scan(x, d, _R.maximum if name == "cummax" else _R.minimum)  # NaN propagates
    # the index of the running extreme is the last position holding it (torch), or the
    # last NaN once one was seen
    cand = (x == run) | _R.isnan(x) if x.dtype.kind in "fc" else x == run
    pos = _R.where(cand, _positions(x, d), 0)
    idx = _scan(pos, d, _R.maximum)
    if not isinstance(idx, Tensor):  # (ops on constants give arrays; torch gives a tensor)
        idx = Tensor(idx)
    vals = _R.take_along_axis(self, idx, d)
    return (_cummax if name == "cummax" else _cummin)(vals, idx)


def cummax(self, dim: int):
    """torch's ``cummax``: the running maximum along ``dim`` and where it is (the last index
    among equal values; NaN propagates); the gradient goes to that entry.
    Example: ``v, i = x.cummax(dim=0)``"""
    return _cum_extreme("cummax", self, dim)


def cummin(self, dim: int):
    """torch's ``cummin`` (as :func:`cummax`). Example: ``v, i = x.cummin(dim=0)``"""
    return _cum_extreme("cummin", self, dim)


def logcumsumexp(self, dim: int) -> Tensor:
    """``log(cumsum(exp(x), dim))`` without overflow or underflow (a scan of ``logaddexp``).
    Example: ``x.logcumsumexp(dim=-1)``"""
    if self.dtype.kind == "c":
        raise TypeError(f"Tensor.logcumsumexp: complex tensors (shape {self.shape}) are not "
                        f"supported here; compute with the real and imaginary parts")
    if self.ndim == 0:
        _axis("logcumsumexp", dim, 0)
        return self * 1
    d = _axis("logcumsumexp", dim, self.ndim)
    return _scan(self, d, _R.logaddexp) if self.shape[d] > 1 else self * 1  # a new tensor


def _sorted_pick(x, d: int, pos):
    """The values and indices at sorted position ``pos`` (an int or an index tensor with a
    kept dim ``d``) along ``d``: NaN sorts last, equal values keep their order."""
    order = _R.argsort(x.detach(), axis=d, stable=True)
    if isinstance(pos, int):
        idx = order[_at(d, pos, pos + 1)]
    else:
        idx = _R.take_along_axis(order, pos, d)
    return idx


def _finish(kind, x, idx, d: int, keepdim: bool):
    vals = _R.take_along_axis(x, idx, d)
    if not keepdim:
        vals, idx = _R.squeeze(vals, d), _R.squeeze(idx, d)
    return kind(vals, idx)


def _one_dim(name: str, x, dim):
    """``(x, d)``: a 0-d tensor as one entry along dim 0 (torch), an empty dim refused."""
    _real_only(name, x)
    if x.ndim == 0:
        _axis(name, dim, 0)
        return _R.reshape(x, (1,)), 0, True
    d = _axis(name, dim, x.ndim)
    if x.shape[d] == 0:
        raise IndexError(f"Tensor.{name}: dim {dim} of shape {x.shape} is empty; "
                         f"there is no entry to pick")
    return x, d, False


def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False):
    """The ``k``-th smallest entry (1-based) along ``dim`` and its index; NaN counts as the
    largest. Example: ``v, i = x.kthvalue(2, dim=1)``"""
    k = _whole("kthvalue", "k", k)
    x, d, scalar = _one_dim("kthvalue", self, dim)
    if not 1 <= k <= x.shape[d]:
        raise IndexError(f"Tensor.kthvalue: k={k} is out of range for dim {dim} of length "
                         f"{x.shape[d]} (shape {self.shape}); give 1 <= k <= {x.shape[d]}")
    r = _finish(_kthvalue, x, _sorted_pick(x, d, k - 1), d,
                keepdim and not scalar)
    return _kthvalue(*(_R.reshape(t, ()) for t in r)) if scalar else r


def _evenly(x, v) -> Tensor:
    """``v`` (a value of ``x``) with its gradient shared evenly by the entries equal to it
    (the NaNs when it is NaN), as torch's reductions to one value."""
    xd, vd = x.detach(), v.detach()
    mask = (xd == vd) | (_R.isnan(xd) & _R.isnan(vd)) if x.dtype.kind in "fc" else xd == vd
    share = _R.sum(_R.where(mask, x - xd, 0)) / _R.sum(mask)
    return vd + _R.astype(share, x.dtype)


def _median_of(name: str, self, dim, keepdim: bool):
    skip_nan = name == "nanmedian"
    if dim is None:
        if self.size == 0 and self.dtype.kind == "f":  # torch: NaN
            return _R.sum(self) * _np.nan
        if self.size == 0:
            raise IndexError(f"Tensor.{name}() of an empty tensor (shape {self.shape}) has no "
                             f"median")
        flat = _R.reshape(self, (-1,))
        v = _median_of(name, flat, 0, False)[0]
        return _evenly(flat, v) if self.dtype.kind in "fc" else v  # (integers: no gradient)
    kind = _nanmedian if skip_nan else _median
    x, d, scalar = _one_dim(name, self, dim)
    nan = _R.isnan(x.detach()) if x.dtype.kind in "fc" else _R.zeros_like(x, dtype=bool)
    if skip_nan:
        count = _R.sum(~nan, axis=d, keepdims=True)
        idx = _sorted_pick(x, d, _R.maximum((count - 1) // 2, 0))
    else:
        idx = _sorted_pick(x, d, (x.shape[d] - 1) // 2)
        idx = _R.where(_R.any(nan, axis=d, keepdims=True),
                       _R.expand_dims(_R.argmax(nan, axis=d), d), idx)
    r = _finish(kind, x, idx, d, keepdim and not scalar)
    return kind(*(_R.reshape(t, ()) for t in r)) if scalar else r


def median(self, dim=None, keepdim: bool = False):
    """torch's ``median``: the lower of the two middle values (NaN if there is one). Without
    ``dim`` the value only (its gradient shared by equal entries); with ``dim`` the values
    and their indices (the gradient to that entry). Example: ``v, i = x.median(dim=1)``"""
    return _median_of("median", self, dim, keepdim)


def nanmedian(self, dim=None, keepdim: bool = False):
    """:func:`median` of the non-NaN entries (NaN where all are). Example: ``x.nanmedian()``"""
    return _median_of("nanmedian", self, dim, keepdim)


def aminmax(self, *, dim=None, keepdim: bool = False):
    """``(amin, amax)`` over ``dim`` (all dims by default); ties share the gradient equally.
    Example: ``lo, hi = x.aminmax(dim=0)``"""
    d = None if dim is None else _axis("aminmax", dim, _b.max(self.ndim, 1))
    if self.ndim == 0:
        d = None
    return _aminmax(_R.min(self, d, keepdims=keepdim), _R.max(self, d, keepdims=keepdim))
