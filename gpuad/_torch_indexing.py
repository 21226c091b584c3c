"""PyTorch's indexing along a dim on Tensor: ``gather``, ``scatter``, ``index_select``,
``index_add``, ``index_copy``, ``index_fill``, ``sort``, ``argsort``, ``topk``.

Writes are functional ``x.at[...]`` updates (the in-place forms ``scatter_`` and so on write
the result back). Example: ``x.gather(1, idx)``, ``v, i = x.topk(2)``
"""

from __future__ import annotations

import builtins as _b
from collections import namedtuple
from typing import Any

import numpy as _np

from . import _links
from . import _value_checks as _vc
from ._torch_args import _NO, _axis, _check_fill, _pick, _whole, _xp, _zero_index
from ._torch_reductions import _cum_dim
from .tensor import Tensor

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")

_sort = namedtuple("sort", ["values", "indices"])
_topk = namedtuple("topk", ["values", "indices"])


# ---- indexing along a dim -------------------------------------------------------------------
def _index(name: str, self, index, d: int, wrap: bool = False):
    """``index`` as an integer array or Tensor, every entry in ``[0, n)`` for the length ``n``
    of dim ``d``, as torch requires (NumPy would read -1 as the last entry, and CuPy wraps
    any index): checked on every call, also of a compiled function. ``wrap`` allows
    ``[-n, n)`` instead."""
    index = _pick(self, index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"Tensor.{name}: the index must hold integers, got dtype {index.dtype}")
    n = self.shape[d] if self.ndim else 1
    lo = -n if wrap else 0
    raw = index._data if isinstance(index, Tensor) else index  # vmap: every example's
    if raw.size:
        _vc.run(
            _vc.Check(
                f"{name}_index",
                lambda xp, i: (i < lo) | (i >= n),
                lambda count, first: IndexError(
                    f"Tensor.{name}: index {first} is out of range for dim {d} of length {n} "
                    f"(shape {self.shape}); {count} entries lie outside [{lo}, {n})"
                ),
                values=lambda xp, i: i,
            ),
            index,
        )
    return index


def gather(self, dim: int, index, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = self[i][index[i][j]]`` along ``dim`` (torch's gather; ``index`` may be
    smaller than ``self`` in the other dims). ``sparse_grad=True`` is taken and changes
    nothing: gpuad has no sparse tensors, the gradient is dense (torch's ``to_dense()``).
    Example: ``x.gather(1, idx)``"""
    d = _axis("gather", dim, self.ndim)
    index = _index("gather", self, index, d)
    if index.size == 0:  # torch: an empty result of the index's shape, whatever its dims
        return _R.reshape(_R.reshape(self, (-1,))[:0], tuple(index.shape))
    if self.ndim == 0 and index.ndim <= 1:  # torch: a 0-d tensor is one entry along dim 0
        return _R.reshape(gather(_R.reshape(self, (1,)), 0, _R.reshape(index, (-1,))),
                          index.shape)
    if index.ndim != self.ndim:
        raise ValueError(
            f"Tensor.gather: index of shape {tuple(index.shape)} must have as "
            f"many dims as the tensor (shape {self.shape})"
        )
    x = _fit(self, index.shape, d, "gather", "tensor")
    return _R.take_along_axis(x, index, d)


def _fit(x, shape, d, name="gather", what="tensor"):
    """``x`` cut to ``shape`` in every dim but ``d`` (torch's scatter/gather sizes)."""
    if _b.all(s == n for i, (s, n) in enumerate(zip(shape, x.shape, strict=True)) if i != d):
        return x
    for i, (s, n) in enumerate(zip(shape, x.shape, strict=True)):
        if i != d and s > n:
            raise ValueError(
                f"Tensor.{name}: the index (shape {tuple(shape)}) is larger "
                f"than the {what} (shape {x.shape}) in dim {i}"
            )
    return x[tuple(slice(None) if i == d else slice(0, s) for i, s in enumerate(shape))]


def _same_dtype(name: str, self, src, what: str = "src") -> None:
    """torch's writes take a source of the tensor's own dtype (Python numbers aside): a float
    source cast into an integer tensor would be truncated silently."""
    dt = getattr(src, "dtype", None)
    if dt is None or isinstance(src, _np.generic) or dt == self.dtype:
        return
    raise TypeError(
        f"Tensor.{name}: {what} (dtype {dt}) must have the tensor's dtype ({self.dtype}), as "
        f"in torch; cast it first, e.g. {what}.astype(x.dtype)"
    )


def _scalar_form(self, index, src):
    """torch reads a 0-d tensor with a 1-d index as its one-entry 1-d form: ``(self, index,
    src)`` in that form, or None when ``self`` is not 0-d or the index is not 1-d."""
    if self.ndim != 0 or getattr(index, "ndim", 0) != 1:
        return None
    if getattr(src, "ndim", 0) > 1:
        raise ValueError(f"Tensor.scatter of a 0-d tensor with a 1-d index takes a number or "
                         f"a 1-d source, got shape {tuple(src.shape)}")
    if isinstance(src, Tensor) and src.ndim == 0:
        src = _R.reshape(src, (1,))
    return _R.reshape(self, (1,)), index, src


def _scatter_at(self, dim, index):
    """``self.at[...]`` addressing the targets of torch's scatter: ``index`` along ``dim``,
    its own position in the other dims."""
    d = _axis("scatter", dim, self.ndim)
    index = _index("scatter", self, index, d)
    if index.ndim != self.ndim:
        raise ValueError(
            f"Tensor.scatter: index of shape {tuple(index.shape)} must have as "
            f"many dims as the tensor (shape {self.shape})"
        )
    for i, (k, n) in enumerate(zip(index.shape, self.shape, strict=True)):
        if i != d and k > n:
            raise ValueError(f"Tensor.scatter: the index (shape {tuple(index.shape)}) is larger "
                             f"than the tensor (shape {self.shape}) in dim {i}, as torch refuses")
    xp = _xp(self)
    n = index.ndim
    grids = tuple(
        index if i == d else xp.arange(s).reshape((-1,) + (1,) * (n - 1 - i))
        for i, s in enumerate(index.shape)
    )
    return self.at[grids], index.shape


def _scatter_index(name: str, self, dim, index):
    """The index of a scatter (dim and integers checked; the range is checked by
    ``_scatter_at``)."""
    _axis(name, dim, self.ndim)
    index = _pick(self, index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"Tensor.{name}: the index must hold integers, got dtype {index.dtype}")
    return index


def _source(src, shape, name="scatter"):
    """torch's scatter source cut to the index's shape (a number stays a number)."""
    if isinstance(src, int | float | bool | complex) or getattr(src, "ndim", 0) == 0:
        return src
    return _fit(src, tuple(shape), -1, name, "src")


def _tensor_source(name: str, self, src, index) -> None:
    """torch takes a tensor ``src`` of as many dims as the index, never a 0-d one broadcast
    (a number, or ``value=``, is written everywhere); a 0-d ``self`` reads as 1-d."""
    if getattr(src, "ndim", None) == 0 and not isinstance(src, _np.generic) and \
            index.ndim and self.ndim:
        raise ValueError(
            f"Tensor.{name}: src is a 0-d tensor and the index has {index.ndim} dims; torch "
            f"requires as many dims in both (\"Index tensor must have the same number of "
            f"dimensions as src tensor\"): pass a number, or src.expand(index.shape)")


def scatter(self, dim: int, index, src=_NO, *, value=_NO, reduce=None) -> Tensor:
    """torch's out-of-place ``scatter``: a copy with ``src`` (or ``value``) written at
    ``index`` along ``dim``; ``reduce="add"``/``"multiply"`` combines instead (repeats
    accumulate). Without ``reduce`` the last of repeated targets is kept (torch leaves it
    unspecified). Example: ``x.scatter(1, idx, 0.0)``"""
    tensor_src = src is not _NO
    src = value if src is _NO else src
    if src is _NO:
        raise TypeError("Tensor.scatter: give the source (src or value)")
    if reduce not in (None, "add", "multiply"):
        raise ValueError(f"Tensor.scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    _same_dtype("scatter", self, src)
    index = _scatter_index("scatter", self, dim, index)
    if index.size == 0:  # torch: nothing is written (the shapes are not checked)
        return self.copy()
    if tensor_src:
        _tensor_source("scatter", self, src, index)
    flat = _scalar_form(self, index, src)
    if flat is not None:
        return _R.reshape(scatter(flat[0], dim, flat[1], flat[2], reduce=reduce), ())
    ref, shape = _scatter_at(self, dim, index)
    src = _source(src, shape)
    if reduce is None:
        return ref.set(src)
    if reduce == "add":
        return ref.add(src)
    return ref.multiply(src)


def scatter_add(self, dim: int, index, src) -> Tensor:
    """torch's ``scatter_add``: ``src`` added at ``index`` along ``dim`` (repeats add up).
    Example: ``zeros.scatter_add(0, idx, w)``"""
    _same_dtype("scatter_add", self, src)
    index = _scatter_index("scatter_add", self, dim, index)
    if index.size == 0:
        return self.copy()
    _tensor_source("scatter_add", self, src, index)
    flat = _scalar_form(self, index, src)
    if flat is not None:
        return _R.reshape(scatter_add(flat[0], dim, flat[1], flat[2]), ())
    ref, shape = _scatter_at(self, dim, index)
    return ref.add(_source(src, shape, "scatter_add"))


def _vector(name: str, index) -> None:
    if index.ndim > 1:
        raise IndexError(f"Tensor.{name}: the index must be a 0-d or 1-d tensor (a vector), "
                         f"got shape {tuple(index.shape)}, as in torch; flatten it first")


def _along(name: str, self, dim, index, source=_NO, wrap: bool = False):
    """``self.at[...]`` at ``index`` (a vector) along ``dim``; ``source``, when given, must
    have the tensor's shape with ``dim`` as long as the index (torch does not broadcast it)."""
    d = _axis(name, dim, self.ndim)
    index = _index(name, self, index, d, wrap=wrap)
    _vector(name, index)
    if index.ndim != 1:
        index = _R.reshape(index, (-1,))
    if source is not _NO:
        _same_dtype(name, self, source, "source")
        _fits(name, self, d, index, source)
    return self.at[(slice(None),) * d + (index,)]


def _fits(name: str, self, d: int, index, source) -> None:
    """torch's rule for an ``index_*`` source: a tensor of ``self``'s shape with dim ``d`` as
    long as the index, or a 0-d one for one index into a tensor of at most one dim (0-d for
    ``index_add``)."""
    shp = tuple(getattr(source, "shape", ()))
    if not hasattr(source, "shape"):  # a Python number: written into every target
        return
    if shp == ():  # (torch's index_add takes it for a 0-d tensor only)
        if index.size == 1 and (self.ndim == 0 or self.ndim == 1 and name != "index_add"):
            return
    elif len(shp) == _b.max(self.ndim, 1) and shp[d] == index.size and _b.all(
            shp[i] == n for i, n in enumerate(self.shape) if i != d):
        return
    want = list(self.shape) or [1]
    want[d] = index.size
    raise ValueError(
        f"Tensor.{name}: source of shape {shp} does not fit: torch takes the tensor's shape "
        f"{self.shape} with dim {d} as long as the index, {tuple(want)} (it is not broadcast)"
    )


def index_select(self, dim: int, index) -> Tensor:
    """The entries ``index`` (1-D) along ``dim``. Example: ``x.index_select(0, rows)``"""
    d = _axis("index_select", dim, self.ndim)
    index = _index("index_select", self, index, d)
    _vector("index_select", index)
    if self.ndim == 0:  # torch: a 0-d tensor is one entry along dim 0, and stays 0-d
        _one_entry("index_select", index)
        return _R.reshape(_R.take(_R.reshape(self, (1,)), _R.reshape(index, (-1,)), axis=0), ())
    return _R.take(self, _R.reshape(index, (-1,)) if index.ndim != 1 else index, axis=d)


def _one_entry(name: str, index) -> None:
    if index.size != 1:
        raise IndexError(f"Tensor.{name} of a 0-d tensor takes one index, got shape "
                         f"{tuple(index.shape)}")


def _on_0d(name: str, self, dim, index, source):
    """torch's ``index_*`` of a 0-d tensor: the same on its one-entry 1-d form."""
    _axis(name, dim, 0)
    if _np.ndim(source) > 1 or (_np.ndim(source) == 1 and _np.shape(source)[0] != 1):
        raise ValueError(f"Tensor.{name} of a 0-d tensor takes a 0-d or one-entry source, "
                         f"got shape {_np.shape(source)}")
    one = _R.reshape(self, (1,))
    if _np.ndim(source) == 0 and not isinstance(source, int | float | bool | complex):
        source = _R.reshape(source, (1,))
    index = _R.reshape(_index(name, self, index, 0), (-1,))
    return one, index, source


def index_add(self, dim: int, index, source, *, alpha=1) -> Tensor:
    """``alpha * source`` added at ``index`` along ``dim`` (repeats add up).
    Example: ``acc.index_add(0, rows, vals)``"""
    alpha_dt = getattr(alpha, "dtype", None)
    alpha_dt = _np.asarray(alpha).dtype if alpha_dt is None else _np.dtype(alpha_dt)
    if self.dtype.kind in "iub" and alpha_dt.kind not in "iub":
        raise TypeError(f"Tensor.index_add: alpha={alpha!r} must be an integer for a tensor of "
                        f"dtype {self.dtype} (torch's add refuses it; its index_add truncates "
                        f"alpha, NumPy would truncate alpha * source)")
    if self.ndim == 0:
        one, index, source = _on_0d("index_add", self, dim, index, source)
        return _R.reshape(index_add(one, 0, index, source, alpha=alpha), ())
    ref = _along("index_add", self, dim, index, source)
    return ref.add(source if alpha == 1 else alpha * source)


def index_copy(self, dim: int, index, source) -> Tensor:
    """``source`` written at ``index`` along ``dim``. Example: ``x.index_copy(0, rows, v)``"""
    if self.ndim == 0:
        one, index, source = _on_0d("index_copy", self, dim, index, source)
        return _R.reshape(index_copy(one, 0, index, source), ())
    return _along("index_copy", self, dim, index, source).set(source)


def index_fill(self, dim: int, index, value) -> Tensor:
    """``value`` written at ``index`` along ``dim`` (``-n <= i < 0`` counts from the end, as in
    torch). Example: ``x.index_fill(1, cols, 0.0)``"""
    if getattr(value, "ndim", 0) != 0:
        raise ValueError(f"Tensor.index_fill: the value must be a number or a 0-d tensor, got "
                         f"shape {tuple(value.shape)}, as in torch")
    value = _check_fill("Tensor.index_fill", value, self.dtype)  # (1j into a real tensor)
    if self.ndim == 0:
        one, index, value = _on_0d("index_fill", self, dim, index, value)
        return _R.reshape(index_fill(one, 0, index, value), ())
    d = _axis("index_fill", dim, self.ndim)
    index = _index("index_fill", self, index, d, wrap=True)
    return _along("index_fill", self, d, _R.where(index < 0, index + self.shape[d], index)).set(
        value)


def _order(x, dim, descending, stable):
    """Indices sorting ``x`` along ``dim``, equal values in their order (and NaNs last, first
    when ``descending``) whatever ``stable`` says: torch leaves the order of ties open when
    ``stable=False``, and one order on every backend routes the gradient alike (NumPy's
    default quicksort is not stable, CuPy's sort is)."""
    if not descending:
        return _R.argsort(x, axis=dim, stable=True)
    n = x.shape[dim] if x.ndim else 1
    rev = _R.argsort(_R.flip(x, dim), axis=dim, stable=True)
    return (n - 1) - _R.flip(rev, dim)


def sort(self, *args, dim=_NO, descending=_NO, stable: bool = False, **kw):
    """torch's ``sort`` (``dim=`` or ``descending=`` given): ``(values, indices)``.

    NumPy's ``ndarray.sort()`` sorts in place and returns None; without torch's keywords the
    call is ambiguous and raises. Example: ``v, i = x.sort(dim=-1, descending=True)``
    """
    if len(args) == 2 and args[1].__class__ is bool and dim is _NO and descending is _NO:
        (dim, descending), args = args, ()  # torch's x.sort(dim, descending): NumPy's kind
    if dim is _NO and descending is _NO:  # is a string
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
    d = _axis("sort", dim, self.ndim)  # (0 and -1 on a 0-d tensor, as torch)
    if self.ndim == 0:
        return _sort(self, _zero_index(self))
    idx = _order(self, d, descending is not _NO and bool(descending), stable)
    return _sort(_R.take_along_axis(self, idx, d), idx)


def argsort(self, axis=-1, *args, dim=_NO, descending: bool = False, stable: bool = False,
            **kw):
    if args and args[0].__class__ is bool:  # torch's x.argsort(dim, descending): NumPy's kind
        if len(args) > 1 or dim is not _NO:  # is a string
            raise TypeError(f"Tensor.argsort: torch's positional (dim, descending) takes two, "
                            f"got {(axis, *args)} and dim={dim!r}")
        axis, dim, descending, args = None, axis, args[0], ()
    if args:
        kw.update(zip(("kind", "order"), args, strict=False))
    if dim is _NO and not descending and not stable and not kw:
        return _R.argsort(self, axis=axis)
    if dim is not _NO:
        axis = _cum_dim("argsort", None if axis == -1 else axis, dim)
    if kw:
        return _R.argsort(self, axis=axis, **kw)
    d = _axis("argsort", axis, self.ndim)
    if self.ndim == 0:  # torch's 0-d indices (NumPy's argsort gives shape (1,))
        return _zero_index(self)
    return _order(self, d, descending, stable)


def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) entries along ``dim`` and their indices, largest
    first. Example: ``v, i = scores.topk(5)``"""
    k = _whole("topk", "k", k)
    d = _axis("topk", dim, self.ndim)
    n = self.shape[d] if self.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"Tensor.topk: k={k} is out of range for a dim of length {n}")
    if self.ndim == 0:
        return _topk(self, _zero_index(self))
    idx = _order(self, d, largest, True)
    idx = idx[(slice(None),) * d + (slice(0, k),)]
    return _topk(_R.take_along_axis(self, idx, d), idx)


def take_along_dim(self, indices, dim=None) -> Tensor:
    """torch's ``take_along_dim``: NumPy's ``take_along_axis``, the flattened tensor when
    ``dim`` is None; the tensor and ``indices`` broadcast in the other dims, and an index
    ``-n <= i < 0`` counts from the end (as in torch; others raise).
    Example: ``x.take_along_dim(x.argmax(dim=1, keepdim=True), dim=1)``"""
    indices = _pick(self, indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"Tensor.take_along_dim: the indices must hold integers, got dtype "
                        f"{indices.dtype}")
    if dim is None:
        flat = _R.reshape(self, (-1,))
        return take_along_dim(flat, _R.reshape(indices, (-1,)), 0)
    if indices.ndim != self.ndim:
        raise ValueError(f"Tensor.take_along_dim: indices of shape {tuple(indices.shape)} must "
                         f"have as many dims as the tensor (shape {self.shape})")
    if self.ndim == 0:
        raise IndexError("Tensor.take_along_dim: a 0-d tensor has no dim to take along (torch "
                         "raises too); pass dim=None, or reshape it to 1-d first")
    d = _axis("take_along_dim", dim, self.ndim)
    indices = _index("take_along_dim", self, indices, d, wrap=True)
    indices = _R.where(indices < 0, indices + self.shape[d], indices)
    common = list(_np.broadcast_shapes(
        tuple(1 if i == d else s for i, s in enumerate(self.shape)),
        tuple(1 if i == d else s for i, s in enumerate(indices.shape))))
    x = _R.broadcast_to(self, tuple(common[:d] + [self.shape[d]] + common[d + 1:]))
    indices = _R.broadcast_to(indices, tuple(common[:d] + [indices.shape[d]] + common[d + 1:]))
    return _R.take_along_axis(x, indices, d)
