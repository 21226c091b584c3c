"""PyTorch's statistics methods on Tensor: ``quantile``, ``nanquantile``, ``mode``, ``msort``,
``cov``, ``corrcoef``, ``histc``, ``histogram``, ``bincount``, ``argwhere``,
``nonzero_static``, ``unique``, ``unique_consecutive``.

Values are compositions of ``gpuad.numpy`` ops (differentiable where torch's are); counts,
indices and bins are constants, computed on the raw arrays: one recorded step under
``gpuad.jit`` (``_value_checks.computed``), or, where the result's shape depends on the values
(``unique``, ``argwhere``), a ``TracerError`` there; under ``vmap`` those raise.
Example: ``v, i = x.mode(dim=1)``, ``x.quantile(0.9, dim=0)``
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as _np

from . import _links
from . import _value_checks as _vc
from ._torch_args import _axis, _dims_of, _xp
from .tensor import Tensor

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")

_mode = namedtuple("mode", ["values", "indices"])
_histogram = namedtuple("histogram", ["hist", "bin_edges"])
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _raw(x):
    return x.detach()._data if isinstance(x, Tensor) else x


def _unbatched(name: str, *xs) -> None:
    """Refuse vmap: these methods compute on the raw values, one example at a time."""
    for x in xs:
        if isinstance(x, Tensor) and x._bat is not None:
            raise NotImplementedError(
                f"Tensor.{name} under vmap: it computes on the raw values outside gpuad's "
                f"recorded ops; call it on each example (a Python loop) instead")


def _values_read(name: str, *xs) -> None:
    """The result's shape depends on the values: refused while gpuad.jit traces."""
    _unbatched(name, *xs)
    _vc.host_read(f"Tensor.{name}() (a result whose shape depends on the values)",
                  *(x for x in xs if isinstance(x, Tensor)))


def _quantile(name: str, self, q, dim, keepdim: bool, interpolation: str):
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Tensor.{name}: interpolation must be one of {_INTERPOLATIONS}, "
                         f"got {interpolation!r}")
    if self.dtype.kind != "f":
        raise TypeError(f"Tensor.{name}: the tensor must hold floating-point numbers, got "
                        f"{self.dtype}")
    if isinstance(q, Tensor):
        if q.requires_grad or q._tan:
            raise NotImplementedError(f"Tensor.{name}: differentiating with respect to q is "
                                      f"not supported (nor in torch); pass q.detach()")
        _vc.host_read(f"Tensor.{name}: q", q)
    qs = _raw(q)
    qa = _np.asarray(qs.get() if hasattr(qs, "get") else qs, dtype=_np.float64)
    if qa.ndim > 1 or ((qa < 0) | (qa > 1)).any():
        raise ValueError(f"Tensor.{name}: q must be a number or a 1-D tensor of values in "
                         f"[0, 1], got {qa!r}")
    if self.size == 0:
        raise ValueError(f"Tensor.{name}: the tensor of shape {self.shape} is empty")
    qa = qa.astype(self.dtype)  # torch computes in the tensor's dtype (float32 stays float32)
    x, axis = self, _dims_of(name, dim, self.ndim)
    if dim is None:
        x, axis = _R.reshape(self, (-1,)), 0
        if keepdim:
            r = getattr(_R, name)(x, qa, axis=0, method=interpolation)
            return _R.reshape(r, qa.shape + (1,) * self.ndim)
    elif axis is None:  # a 0-d tensor: its one entry
        x, axis = _R.reshape(self, (1,)), 0
    r = getattr(_R, name)(x, qa, axis=axis, method=interpolation, keepdims=keepdim)
    if self.ndim == 0 and dim is not None:
        r = _R.reshape(r, qa.shape)
    return r


def quantile(self, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """torch's ``quantile``: the ``q``-quantiles (a number or a 1-D tensor, a leading dim of
    the result) along ``dim`` (the flattened tensor when None), NumPy's ``quantile`` with
    ``method=interpolation``; NaN where a NaN takes part. Example: ``x.quantile(0.5, dim=1)``
    """
    return _quantile("quantile", self, q, dim, keepdim, interpolation)


def nanquantile(self, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """:func:`quantile` of the non-NaN entries. Example: ``x.nanquantile([0.1, 0.9], dim=0)``"""
    return _quantile("nanquantile", self, q, dim, keepdim, interpolation)


def msort(self) -> Tensor:
    """``self`` sorted along dim 0 (torch's ``msort``). Example: ``x.msort()``"""
    if self.ndim == 0:
        return _R.copy(self)
    return _R.sort(self, axis=0)


def mode(self, dim: int = -1, keepdim: bool = False):
    """torch's ``mode``: the most frequent value along ``dim`` (the smallest among equally
    frequent ones) and the index of its last occurrence; the gradient goes to that entry.
    Example: ``v, i = x.mode(dim=1)``"""
    x = _R.reshape(self, (1,)) if self.ndim == 0 else self
    d = _axis("mode", dim, x.ndim)
    if x.shape[d] == 0:
        raise IndexError(f"Tensor.mode: dim {dim} of shape {self.shape} is empty")
    _unbatched("mode", self)
    idx = Tensor(_vc.computed("mode_index", lambda a: _mode_index(_xp(self), a, d), _raw(x)))
    vals = _R.take_along_axis(x, idx, d)
    if not keepdim or self.ndim == 0:
        vals, idx = _R.squeeze(vals, d), _R.squeeze(idx, d)
    if self.ndim == 0:
        vals, idx = _R.reshape(vals, ()), _R.reshape(idx, ())
    return _mode(vals, idx)


def _mode_index(xp, a, d: int):
    """The index (a kept dim ``d``) of the last occurrence of the smallest most frequent
    value along ``d`` of the raw array ``a``."""
    v = xp.moveaxis(a, d, -1)
    n = v.shape[-1]
    rows = v.reshape(-1, n)
    s = xp.sort(rows, axis=-1)
    start = xp.ones(s.shape, bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    run = xp.cumsum(start, axis=-1) - 1 + (xp.arange(rows.shape[0]) * n)[:, None]
    lengths = xp.bincount(run.ravel(), minlength=rows.size).reshape(rows.shape)
    count = xp.take_along_axis(lengths, run - run[:, :1], axis=-1)
    best = xp.take_along_axis(s, xp.argmax(count, axis=-1)[:, None], axis=-1)
    last = n - 1 - xp.argmax((rows == best)[:, ::-1], axis=-1)
    return xp.moveaxis(last.reshape(v.shape[:-1] + (1,)), -1, d).astype(_np.int64)


def cov(self, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """torch's ``cov``: rows are variables, columns observations (NumPy's ``cov`` with
    ``ddof=correction``). Example: ``x.cov(correction=0)``"""
    if self.ndim > 2:
        raise ValueError(f"Tensor.cov takes a tensor of at most 2 dims, got shape {self.shape}")
    if int(correction) != correction:
        raise TypeError(f"Tensor.cov: correction must be an integer, got {correction!r}")
    if fweights is not None and getattr(fweights, "dtype", _np.dtype(int)).kind not in "iu":
        raise TypeError(f"Tensor.cov: fweights must hold integers, got {fweights.dtype}")
    return _R.cov(self, ddof=int(correction), fweights=_raw(fweights), aweights=aweights,
                  dtype=_own_float(self))


def _own_float(t) -> Any:
    """torch's cov and corrcoef keep a float tensor's dtype (NumPy's work in float64)."""
    return t.dtype if _np.dtype(t.dtype).kind in "fc" else None


def corrcoef(self) -> Tensor:
    """torch's ``corrcoef`` (rows are variables), NumPy's. Example: ``x.corrcoef()``"""
    if self.ndim > 2:
        raise ValueError(f"Tensor.corrcoef takes a tensor of at most 2 dims, got shape "
                         f"{self.shape}")
    return _R.corrcoef(self, dtype=_own_float(self))


def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """torch's ``histc``: counts in ``bins`` equal bins over ``[min, max]`` (the data's range
    when both are 0), entries outside ignored; a constant of this dtype.
    Example: ``x.histc(bins=10, min=0, max=1)``"""
    if self.dtype.kind != "f":
        raise TypeError(f"Tensor.histc: the tensor must hold floating-point numbers, got "
                        f"{self.dtype}")
    if bins <= 0:
        raise ValueError(f"Tensor.histc: bins must be positive, got {bins}")
    if float(min) > float(max):
        raise ValueError(f"Tensor.histc: min {min} is larger than max {max}")
    _unbatched("histc", self)
    xp = _xp(self)
    return Tensor(_vc.computed("histc", lambda a: _histc(xp, a.ravel(), int(bins), float(min),
                                                         float(max)).astype(self.dtype),
                               _raw(self)))


def _histc(xp, a, bins: int, lo: float, hi: float):
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
        if not (_np.isfinite(lo) and _np.isfinite(hi)):  # NaN or inf: no range to split
            raise ValueError(f"Tensor.histc: the data's range [{lo}, {hi}] is not finite; "
                             f"give min= and max=")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    inside = a[(a >= lo) & (a <= hi)]
    if hi == lo:  # (a value too large for +-1 to widen: every entry is in the last bin)
        pos = xp.full(inside.shape, bins - 1, _np.int64)
    else:  # halved, so that hi - lo and x - lo stay finite for the widest float ranges;
        num, den = inside / 2 - lo / 2, hi / 2 - lo / 2  # torch's order, unless it overflows
        q = num * bins
        pos = xp.where(xp.isfinite(q), q / den, num / den * bins).astype(_np.int64)
    return xp.bincount(xp.clip(pos, 0, bins - 1), minlength=bins)


def bincount(self, weights=None, minlength: int = 0) -> Tensor:
    """torch's ``bincount`` of a 1-D tensor of non-negative integers (NumPy's; the weighted
    counts are differentiable in ``weights``, float32 for float32 weights, else float64, as
    torch). Example: ``labels.bincount(minlength=10)``"""
    if self.ndim != 1 or self.dtype.kind not in "iu":
        raise TypeError(f"Tensor.bincount takes a 1-D tensor of integers, got dtype "
                        f"{self.dtype} of shape {self.shape}")
    out = _R.bincount(self, weights, minlength=minlength)
    if getattr(weights, "dtype", None) == _np.float32:  # torch keeps float32 weights' dtype
        out = out.astype(_np.float32)                   # (NumPy's counts are float64)
    return out


def argwhere(self) -> Tensor:
    """The indices of the non-zero entries, one row each (torch's ``argwhere``, NumPy's).
    Example: ``x.argwhere()``"""
    _values_read("argwhere", self)
    return Tensor(_xp(self).argwhere(_raw(self)))


def nonzero_static(self, *, size: int, fill_value: int = -1) -> Tensor:
    """The first ``size`` rows of ``argwhere()``, padded with ``fill_value`` rows when there
    are fewer (a fixed shape ``(size, ndim)``). Example: ``m.nonzero_static(size=4)``"""
    if size < 0:
        raise ValueError(f"Tensor.nonzero_static: size must be non-negative, got {size}")
    _unbatched("nonzero_static", self)
    xp = _xp(self)

    def first(a):
        idx = xp.argwhere(a)[:size]
        out = xp.full((size, a.ndim), fill_value, _np.int64)
        out[:idx.shape[0]] = idx
        return out

    return Tensor(_vc.computed("nonzero_static", first, _raw(self)))


def histogram(self, bins=100, *, range=None, weight=None, density: bool = False):  # noqa: A002
    """torch's ``histogram``: ``(hist, bin_edges)``, NumPy's ``histogram`` (``bins`` a count
    or a tensor of edges, ``weight`` NumPy's ``weights``); constants.
    Example: ``h, edges = x.histogram(10, range=(0.0, 1.0))``"""
    if self.dtype.kind != "f":
        raise TypeError(f"Tensor.histogram: the tensor must hold floating-point numbers, got "
                        f"{self.dtype}")
    _unbatched("histogram", self, bins, weight)
    if isinstance(weight, Tensor) and (weight.requires_grad or weight._tan):
        raise NotImplementedError("Tensor.histogram: its counts are constants, not "
                                  "differentiable in weight (nor in torch); pass "
                                  "weight.detach(), or use bincount (differentiable in weights)")
    xp = _xp(self)

    def hist(a, b, w):
        h, e = xp.histogram(a.ravel(), b, range=range, density=density,
                            weights=None if w is None else w.ravel())
        return h.astype(self.dtype), e.astype(self.dtype)

    h, e = _vc.computed("histogram", hist, _raw(self), _raw(bins), _raw(weight))
    return _histogram(Tensor(h), Tensor(e))


def _along(self, dim):
    """``(xp, 2-D raw array, d)``: the entries along ``dim`` (all, flattened, when None) as
    rows, the other dims flattened into columns."""
    xp, a = _xp(self), _raw(self)
    if dim is None:
        return xp, a.reshape(-1, 1), None
    d = _axis("unique", dim, a.ndim)
    cols = int(_np.prod(a.shape[:d] + a.shape[d + 1:], dtype=_np.int64))
    return xp, xp.moveaxis(a, d, 0).reshape(a.shape[d], cols), d


def _rows_back(self, xp, rows, d):
    if d is None:
        return Tensor(rows.reshape(-1))
    shp = list(self.shape)
    shp[d] = rows.shape[0]
    moved = [shp[d]] + shp[:d] + shp[d + 1:]
    return Tensor(xp.moveaxis(rows.reshape(moved), 0, d))


def _finish(self, xp, rows, inverse, counts, d, return_inverse, return_counts, first=None):
    if first is not None and (self.requires_grad or self._tan):
        # the values are entries of self (the first of each run of equal ones): recorded, so
        # gradients reach them, as gnp.unique's (they were constants: a silent zero)
        from . import numpy as gnp

        out = [gnp.take(self, Tensor(first.astype(_np.int64)), axis=d)]
    else:
        out = [_rows_back(self, xp, rows, d)]
    if return_inverse:
        out.append(Tensor(inverse.reshape(self.shape if d is None else (-1,)).astype(_np.int64)))
    if return_counts:
        out.append(Tensor(counts.astype(_np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_entries(xp, a):
    """``(values, inverse, counts)`` of the 1-d ``a`` as torch's: sorted, NaN last and each
    NaN distinct (NaN != NaN), the NaNs in their order of appearance."""
    order = xp.argsort(a, kind="stable")
    s = a[order]
    start = xp.ones(s.shape[0], bool)
    start[1:] = s[1:] != s[:-1]
    group = xp.cumsum(start) - 1
    inv = xp.empty(a.shape[0], _np.int64)
    inv[order] = group
    first = xp.flatnonzero(start)
    cnt = xp.diff(xp.concatenate([first, xp.asarray([s.shape[0]])]))
    return s[first], inv, cnt, order[first]


def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim=None):
    """torch's ``unique``: the distinct entries (or slices along ``dim``) in increasing order,
    and optionally the inverse (where each entry went) and the counts; constants.
    Example: ``vals, inv = labels.unique(return_inverse=True)``"""
    _values_read("unique", self)
    xp, rows, d = _along(self, dim)
    if rows.shape[0] == 0:
        vals, inv, cnt = rows, xp.zeros(0, _np.int64), xp.zeros(0, _np.int64)
        first = xp.zeros(0, _np.int64)
    elif d is None:  # entries: the 1-d path (CuPy's axis path is far slower)
        vals, inv, cnt, first = _unique_entries(xp, rows.ravel())
        vals = vals[:, None]
    else:
        vals, first, inv, cnt = xp.unique(rows, return_index=True, return_inverse=True,
                                          return_counts=True, axis=0)
    return _finish(self, xp, vals, inv, cnt, d, return_inverse, return_counts, first)


def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False,
                       dim=None):
    """torch's ``unique_consecutive``: each run of equal entries (or slices along ``dim``)
    once, and optionally the inverse and the run lengths; constants.
    Example: ``x.unique_consecutive(return_counts=True)``"""
    _values_read("unique_consecutive", self)
    xp, rows, d = _along(self, dim)
    n = rows.shape[0]
    start = xp.ones(n, bool)
    if n > 1:
        start[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    inv = xp.cumsum(start) - 1
    first = xp.flatnonzero(start)
    cnt = xp.diff(xp.concatenate([first, xp.asarray([n])]))
    return _finish(self, xp, rows[first], inv, cnt, d, return_inverse, return_counts, first)


METHODS = {n: globals()[n] for n in """
    quantile nanquantile msort mode cov corrcoef histc histogram bincount argwhere nonzero_static
    unique unique_consecutive
""".split()}
