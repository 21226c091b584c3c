"""PyTorch's out-of-place writes on Tensor: ``select_scatter``, ``slice_scatter``,
``diagonal_scatter``, ``diag_embed``, ``diagflat``, ``index_put``, ``masked_scatter``, ``put``,
``index_reduce``.

Each is a functional ``x.at[...]`` update (or a ``where``), so the gradient reaches both the
tensor (zero where it was overwritten) and the values written; the in-place forms
(``index_put_``, ``masked_scatter_``, ``put_``) write the result back as ``x[...] = v`` does.
Example: ``y = x.select_scatter(row, 0, 2)``, ``x.index_put((i, j), v, accumulate=True)``
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from . import _links
from . import _value_checks as _vc
from ._torch_args import _axis, _int, _kind, _pick, _xp
from ._torch_indexing import _fits, _same_dtype
from .tensor import Tensor

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")


def _shape_of(name: str, src, want: tuple) -> None:
    got = tuple(getattr(src, "shape", ()))
    if got != want:
        raise ValueError(f"Tensor.{name}: src has shape {got}, the part it replaces {want}")


def select_scatter(self, src, dim: int, index: int) -> Tensor:
    """A copy of ``self`` with ``self.select(dim, index)`` replaced by ``src``.
    Example: ``x.select_scatter(gnp.zeros(3), 0, 1)``"""
    d = _axis("select_scatter", dim, self.ndim)
    n = self.shape[d]
    if not -n <= index < n:
        raise IndexError(f"Tensor.select_scatter: index {index} is out of range for dim {dim} "
                         f"of length {n}")
    at = (slice(None),) * d + (int(index) % n,)
    _shape_of("select_scatter", src, self.shape[:d] + self.shape[d + 1:])
    return self.at[at].set(src)


def slice_scatter(self, src, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """A copy of ``self`` with ``self[..., start:end:step, ...]`` (along ``dim``) replaced by
    ``src``. Example: ``x.slice_scatter(v, dim=1, start=0, end=4, step=2)``"""
    d = _axis("slice_scatter", dim, self.ndim)
    if step <= 0:
        raise ValueError(f"Tensor.slice_scatter: step must be positive, got {step}")
    at = (slice(None),) * d + (slice(start, end, step),)
    n = len(range(*slice(start, end, step).indices(self.shape[d])))
    _shape_of("slice_scatter", src, self.shape[:d] + (n,) + self.shape[d + 1:])
    return self.at[at].set(src)


def _diagonal_index(n1: int, n2: int, offset: int):
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    k = _np.arange(length)
    return k - min(offset, 0), k + max(offset, 0)


def diagonal_scatter(self, src, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``self`` with ``self.diagonal(offset, dim1, dim2)`` replaced by ``src``
    (the diagonal its last dim, as ``diagonal`` gives it).
    Example: ``m.diagonal_scatter(gnp.ones(3))``"""
    d1, d2 = _axis("diagonal_scatter", dim1, self.ndim), _axis("diagonal_scatter", dim2, self.ndim)
    if d1 == d2:
        raise ValueError(f"Tensor.diagonal_scatter: dim1 and dim2 are both {d1}")
    i, j = _diagonal_index(self.shape[d1], self.shape[d2], int(offset))
    moved = _R.moveaxis(self, (d1, d2), (-2, -1))
    _shape_of("diagonal_scatter", src, moved.shape[:-2] + (len(i),))
    xp = _xp(self)
    r = moved.at[..., xp.asarray(i), xp.asarray(j)].set(src)
    return _R.moveaxis(r, (-2, -1), (d1, d2))


def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with the last dim of ``self`` on their ``offset`` diagonal, in dims ``dim1``
    and ``dim2`` of the result (zeros elsewhere). Example: ``v.diag_embed()`` (batch of diags)
    """
    nd = self.ndim + 1
    d1, d2 = _axis("diag_embed", dim1, nd), _axis("diag_embed", dim2, nd)
    if d1 == d2:
        raise ValueError(f"Tensor.diag_embed: dim1 and dim2 are both {d1}")
    offset = _int("diag_embed", "offset", offset)
    n = (self.shape[-1] if self.ndim else 1) + abs(offset)
    rest = list(self.shape[:-1])
    shape = []
    for k in range(nd):
        shape.append(n if k in (d1, d2) else rest.pop(0))
    zeros = Tensor(_xp(self).zeros(tuple(shape), self.dtype))
    src = _R.reshape(self, (1,)) if self.ndim == 0 else self
    return diagonal_scatter(zeros, src, offset, d1, d2)


def diagflat(self, offset: int = 0) -> Tensor:
    """A matrix with the flattened tensor on its ``offset`` diagonal (NumPy's ``diagflat``).
    Example: ``v.diagflat(1)``"""
    return _R.diagflat(self, _int("diagflat", "offset", offset))


def _index_entry(self, i, d: int, name: str = "index_put"):
    """One entry of ``index_put``'s indices: a boolean mask, or integers in ``[-n, n)``."""
    if i is None:
        return slice(None)
    i = _pick(self, i)
    if i.dtype.kind == "b":
        return i
    if i.dtype.kind not in "iu":
        raise TypeError(f"Tensor.{name}: indices must hold integers or booleans, got "
                        f"{i.dtype}")
    n = self.shape[d]
    if i.size:
        _vc.run(_vc.Check(
            f"{name}_index", lambda xp, v: (v < -n) | (v >= n),
            lambda count, first: IndexError(
                f"Tensor.{name}: index {first} is out of range for dim {d} of length {n} "
                f"(shape {self.shape}); {count} entries lie outside [{-n}, {n})"),
            values=lambda xp, v: v), i)
    return i


def index_put(self, indices, values, accumulate: bool = False) -> Tensor:
    """torch's ``index_put``: ``self[indices] = values`` (``+=`` with ``accumulate=True``,
    repeated indices adding up) on a copy. Example: ``x.index_put((rows, cols), v)``"""
    if not isinstance(indices, tuple | list):
        raise TypeError(f"Tensor.index_put: indices must be a tuple of tensors, got "
                        f"{type(indices).__name__}")
    if not indices:  # torch raises too; x.at[()] would write the whole tensor
        raise IndexError(f"Tensor.index_put: at least one index must be given (tensor of "
                         f"shape {self.shape})")
    _same_dtype("index_put", self, values, "values")
    at, d = [], 0
    for i in indices:
        at.append(_index_entry(self, i, d))
        d += getattr(at[-1], "ndim", 1) if _kind(at[-1]) == "b" else 1
    ref = self.at[tuple(at)]
    return ref.add(values) if accumulate else ref.set(values)


def masked_scatter(self, mask, source) -> Tensor:
    """torch's ``masked_scatter``: where ``mask`` (broadcast with ``self``) is true, the
    entries of ``source`` in row-major order, elsewhere ``self``.
    Example: ``x.masked_scatter(x > 0, src)``"""
    if _kind(mask) != "b":
        raise TypeError(f"Tensor.masked_scatter: the mask must be boolean, got dtype "
                        f"{getattr(mask, 'dtype', type(mask).__name__)}")
    _same_dtype("masked_scatter", self, source, "source")
    m = mask.detach()._data if isinstance(mask, Tensor) else _xp(self).asarray(mask)
    try:
        shp = _np.broadcast_shapes(self.shape, m.shape)
    except ValueError:
        raise ValueError(f"Tensor.masked_scatter: the mask of shape {m.shape} does not "
                         f"broadcast with the tensor of shape {self.shape}") from None
    for t in (self, mask, source):
        if isinstance(t, Tensor) and t._bat is not None:
            raise NotImplementedError(
                "Tensor.masked_scatter under vmap: the positions are computed on the raw mask "
                "outside gpuad's recorded ops; call it on each example instead")
    xp = _xp(self)
    size = int(_np.prod(getattr(source, "shape", ())))
    _vc.run(_vc.Check(
        "masked_scatter_source", lambda xp, a: xp.count_nonzero(xp.broadcast_to(a, shp)) > size,
        lambda count, first: ValueError(
            f"Tensor.masked_scatter: the mask selects more entries than the source of shape "
            f"{tuple(source.shape)} holds ({size})")), m)

    def positions(a):  # where each true place reads the source: its rank among them
        return xp.maximum(xp.cumsum(xp.broadcast_to(a, shp).ravel()) - 1, 0).reshape(shp)

    pos = Tensor(_vc.computed("masked_scatter_positions", positions, m))
    picked = _R.take(_R.reshape(source, (-1,)), pos) if size else (
        Tensor(xp.zeros(shp, self.dtype)))
    return _R.where(_R.broadcast_to(Tensor(m), shp), picked, self)


def put(self, index, source, accumulate: bool = False) -> Tensor:
    """torch's ``put``: ``source`` written at the flat (row-major) positions ``index`` of a
    copy (``+=`` with ``accumulate=True``); positions in ``[-numel, numel)``. A new tensor,
    unlike NumPy's in-place ``ndarray.put``. Example: ``x.put(idx, v, accumulate=True)``"""
    index = _pick(self, index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"Tensor.put: the index must hold integers, got {index.dtype}")
    _same_dtype("put", self, source, "source")
    if tuple(index.shape) != tuple(getattr(source, "shape", ())) and (
            index.size != getattr(source, "size", 1)):
        raise ValueError(f"Tensor.put: index of shape {tuple(index.shape)} and source of "
                         f"shape {tuple(getattr(source, 'shape', ()))} differ in size")
    flat = _R.reshape(self, (-1,))
    i = _index_entry(flat, _R.reshape(index, (-1,)), 0, "put")
    ref = flat.at[i]
    src = _R.reshape(source, (-1,))
    return _R.reshape(ref.add(src) if accumulate else ref.set(src), self.shape)


def index_reduce(self, dim: int, index, source, reduce: str, *, include_self: bool = True):
    """torch's ``index_reduce``: slice ``i`` of ``source`` along ``dim`` combined into slice
    ``index[i]`` of a copy of ``self`` by ``reduce`` (``"prod"``, ``"mean"``, ``"amax"``,
    ``"amin"``), as ``scatter_reduce`` with the index spread over the other dims.
    Example: ``x.index_reduce(0, idx, src, "amax")``"""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise ValueError(f"Tensor.index_reduce: reduce must be 'prod', 'mean', 'amax' or "
                         f"'amin', got {reduce!r}")
    index = _pick(self, index)
    if index.ndim > 1 or index.dtype.kind not in "iu":
        raise TypeError(f"Tensor.index_reduce: the index must be a 0-d or 1-d tensor of "
                        f"integers, got {index.dtype} of shape {tuple(index.shape)}")
    nd = max(self.ndim, 1)
    d = _axis("index_reduce", dim, nd)
    src_shape = tuple(getattr(source, "shape", ())) or (1,) * nd
    if self.ndim:  # torch does not broadcast the source (a 0-d tensor takes one entry)
        _fits("index_reduce", self, d, index, source)
    if len(src_shape) != nd or index.size != src_shape[d]:
        raise ValueError(f"Tensor.index_reduce: source of shape {src_shape} does not fit "
                         f"an index of {index.size} entries along dim {dim} of {self.shape}")
    x = _R.reshape(self, (1,)) if self.ndim == 0 else self
    src = _R.reshape(source, src_shape)
    spread = _R.reshape(index, tuple(-1 if k == d else 1 for k in range(nd)))
    r = x.scatter_reduce(d, _R.broadcast_to(spread, src_shape), src, reduce,
                         include_self=include_self)
    return _R.reshape(r, ()) if self.ndim == 0 else r


METHODS = {n: globals()[n] for n in """
    select_scatter slice_scatter diagonal_scatter diag_embed diagflat index_put masked_scatter
    put index_reduce
""".split()}
IN_PLACE = ("index_put", "masked_scatter", "put", "index_reduce")
