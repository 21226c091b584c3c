"""Embeddings with torch's arguments: ``embedding`` and ``Embedding`` with ``padding_idx``,
``max_norm``, ``norm_type`` and ``scale_grad_by_freq``, ``Embedding.from_pretrained``, and
``embedding_bag``/``EmbeddingBag`` (sums, means or maxima of bags of rows, with ``offsets``,
``per_sample_weights``, ``include_last_offset`` and ``padding_idx``).

A lookup is a gather (its adjoint scatter-adds). The gradient rules of torch's arguments are
made of constants around it: the ``padding_idx`` row is looked up as a constant (no gradient),
``scale_grad_by_freq`` multiplies only the derivative (``r + (r - stop_gradient(r)) * s``, the
value untouched), and ``max_norm`` rescales the looked-up rows of the table in place, off the
tape, before the lookup (the table's version is bumped, as torch's ``embedding_renorm_``).
``sparse=True`` is accepted; the gradient is dense, with the same values.

Example::

    import gpuad.nn as nn
    emb = nn.Embedding(10, 4, padding_idx=0)
    bag = nn.EmbeddingBag(10, 4, mode="max")
    y = bag(gnp.asarray([1, 2, 4, 5, 4]), offsets=gnp.asarray([0, 2]))  # (2, 4)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _value_checks as _vc
from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .._raw import _xp, data
from .._state import no_grad
from ..host import device_get
from ..tensor import Tensor
from . import init
from . import modules as _m

__all__ = ["embedding", "embedding_bag", "Embedding", "EmbeddingBag"]

Array = Any


def _indices(op: str, indices: Any, n: int) -> Any:
    """``indices`` as an integer array (a Tensor inside vmap), checked to lie in ``[0, n)``."""
    idx = gnp.asarray(data(indices))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {idx.dtype}")
    raw = data(idx)
    if isinstance(raw, Tensor):
        raw = raw._data
    if raw.size:
        _vc.run(
            _vc.Check(
                f"{op}_indices",
                lambda xp, i: (i < 0) | (i >= n),
                lambda count, first: IndexError(
                    f"{op}: indices must lie in [0, {n}) for a table of {n} rows; "
                    f"got {count} outside it, the first being {first}"
                ),
                values=lambda xp, i: i,
            ),
            idx,
        )
    return idx


def _padding_idx(op: str, padding_idx: int | None, n: int) -> int | None:
    """torch's ``padding_idx`` in ``[-n, n)``, made non-negative."""
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise ValueError(
            f"{op}: padding_idx must lie in [-{n}, {n}) for a table of {n} rows, got {padding_idx}"
        )
    return padding_idx + n if padding_idx < 0 else padding_idx


def _table(op: str, weight: Array) -> int:
    s = tuple(_r.shape(weight))
    if len(s) != 2:
        raise ValueError(f"{op}: weight must be a 2-d table (rows, dim), got shape {s}")
    return s[0]


def _host_only(op: str, what: str, idx: Any) -> Any:
    raw = data(idx)
    if isinstance(raw, Tensor):
        raise NotImplementedError(
            f"{op}: {what} needs the indices' values and is not supported inside vmap or "
            f"gpuad.jit; call it outside, or leave {what} out"
        )
    return raw


def _renorm(op: str, weight: Array, idx: Any, max_norm: float, norm_type: float) -> None:
    """torch's ``embedding_renorm_``: each row named by ``idx`` whose ``norm_type``-norm exceeds
    ``max_norm`` is scaled by ``max_norm / (norm + 1e-7)``, in place and off the tape."""
    raw = _host_only(op, "max_norm", idx)
    if _vc.tracing():  # the write would run once, when traced, and not when replayed
        raise NotImplementedError(
            f"{op}: max_norm rewrites rows of the table in place and is not supported inside "
            f"gpuad.jit; renormalise outside the compiled function, or leave max_norm out"
        )
    if raw.size == 0:
        return
    xp = _xp(raw)
    rows = xp.unique(raw.ravel())
    w = weight._data if isinstance(weight, Tensor) else weight
    sel = w[rows]
    if norm_type == math.inf:
        norms = xp.abs(sel).max(axis=1)
    elif norm_type == -math.inf:
        norms = xp.abs(sel).min(axis=1)
    elif norm_type == 0:
        norms = (sel != 0).sum(axis=1).astype(sel.dtype)
    else:
        norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(sel.dtype)
    new = sel * scale[:, None]
    if isinstance(weight, Tensor):
        with no_grad():
            weight[rows] = new
    else:
        w[rows] = new


def _scaled_by_freq(op: str, rows: Array, idx: Any, at: Any, n: int) -> Array:
    """``rows`` (the rows named by ``at``, by default ``idx``) whose derivative is divided by
    how often each row's index occurs in ``idx``."""
    raw = _host_only(op, "scale_grad_by_freq", idx)
    xp = _xp(raw)
    counts = xp.bincount(raw.ravel().astype(np.int64), minlength=n)
    inv = (1.0 / counts[raw if at is None else at].clip(1)).astype(data(rows).dtype)[..., None]
    fixed = stop_gradient(rows)
    return fixed + (rows - fixed) * inv


def embedding(
    input: Any,
    weight: Array,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Array:
    """Rows of ``weight`` picked by integer ``input`` (any shape), as
    ``torch.nn.functional.embedding``: the ``padding_idx`` row gets no gradient, ``max_norm``
    first renormalises the picked rows of ``weight`` in place (off the tape), and
    ``scale_grad_by_freq`` divides each row's gradient by its count in ``input``.

    Example: ``F.embedding(ids, table, padding_idx=0)`` has shape ``ids.shape + (dim,)``.
    """
    n = _table("embedding", weight)
    idx = _indices("embedding", input, n)
    pad = _padding_idx("embedding", padding_idx, n)
    if max_norm is not None:
        _renorm("embedding", weight, idx, max_norm, norm_type)
    rows = gnp.getitem(weight, idx)
    if scale_grad_by_freq:
        rows = _scaled_by_freq("embedding", rows, idx, None, n)
    if pad is not None:
        rows = gnp.where(gnp.expand_dims(data(idx) == pad, -1), stop_gradient(rows), rows)
    return rows


# ---- bags -------------------------------------------------------------------------------------

_MODES = ("sum", "mean", "max")


def _bags(op: str, idx: Any, offsets: Any, include_last_offset: bool) -> tuple[Any, Any, Any]:
    """The bags of ``idx`` as (B, L) positions into ``idx`` (flattened), a mask of the valid
    ones, and the (B, L) indices (0 where not valid); ``offsets`` is read on the host."""
    s = tuple(_r.shape(idx))
    xp = _xp(data(idx))
    if len(s) == 2:
        if offsets is not None:
            raise ValueError(
                f"{op}: offsets must be None for a 2-d input (one bag per row), "
                f"got input of shape {s}"
            )
        b, L = s
        pos = np.arange(b * L).reshape(b, L)
        valid = np.ones((b, L), bool)
    elif len(s) == 1:
        if offsets is None:
            raise ValueError(
                f"{op}: a 1-d input of shape {s} needs offsets (the start of each bag)"
            )
        off = np.asarray(device_get(offsets))
        if off.ndim != 1 or off.dtype.kind not in "iu":
            raise ValueError(
                f"{op}: offsets must be a 1-d integer array, got {off.dtype} of shape {off.shape}"
            )
        off = off.astype(np.int64)
        total = s[0]
        if off.size and off[0] != 0:
            raise ValueError(f"{op}: offsets[0] must be 0, got {int(off[0])}")
        if include_last_offset:
            if off.size == 0:
                raise ValueError(f"{op}: include_last_offset=True needs at least one offset")
            # as torch's kernels (CPU and CUDA): the last bag runs to the input's end, whatever
            # offsets[-1] says (the documented value is the input's length)
            starts, ends = off[:-1], np.append(off[1:-1], total)[: off.size - 1]
        else:
            starts, ends = off, np.append(off[1:], total)
        if np.any(ends < starts) or (off.size and off[-1] > total):
            raise ValueError(
                f"{op}: offsets must be non-decreasing and at most the input's "
                f"length {total}, got {off.tolist()}"
            )
        lens = ends - starts
        L = int(lens.max()) if lens.size else 0
        col = np.arange(L)
        valid = col[None, :] < lens[:, None]
        pos = np.where(valid, starts[:, None] + col[None, :], 0)
    else:
        raise ValueError(
            f"{op}: input must be 1-d (with offsets) or 2-d (one bag per row), got shape {s}"
        )
    pos, valid = xp.asarray(pos), xp.asarray(valid)
    flat = gnp.reshape(idx, (-1,))
    bag_idx = gnp.where(
        valid, gnp.getitem(flat, pos) if pos.size else gnp.zeros(pos.shape, flat.dtype), 0
    )
    return pos, valid, bag_idx


def embedding_bag(
    input: Any,
    weight: Array,
    offsets: Any = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Array = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Array:
    """The sum, mean or max of each bag of rows of ``weight``, as
    ``torch.nn.functional.embedding_bag``: bags are the rows of a 2-d ``input``, or the runs
    of a 1-d ``input`` that start at ``offsets``. ``per_sample_weights`` (``mode='sum'``)
    weigh each row; ``padding_idx`` entries are left out of their bag (an empty bag is 0);
    ``max`` passes each output's gradient to the first largest row of its bag. With
    ``include_last_offset`` the last bag runs to the end of ``input``, as in torch.

    Example: ``F.embedding_bag(ids, table, offsets, mode="sum")`` is (len(offsets), dim).
    """
    op = "embedding_bag"
    if mode not in _MODES:
        raise ValueError(f"{op}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    n = _table(op, weight)
    dim = _r.shape(weight)[1]
    idx = _indices(op, input, n)
    pad = _padding_idx(op, padding_idx, n)
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError(
                f"{op}: per_sample_weights are only supported with mode='sum', got mode={mode!r}"
            )
        if tuple(_r.shape(per_sample_weights)) != tuple(_r.shape(idx)):
            raise ValueError(
                f"{op}: per_sample_weights must have the input's shape "
                f"{tuple(_r.shape(idx))}, got {tuple(_r.shape(per_sample_weights))}"
            )
    if scale_grad_by_freq and mode == "max":
        raise ValueError(f"{op}: scale_grad_by_freq is not supported with mode='max'")
    if max_norm is not None:
        _renorm(op, weight, idx, max_norm, norm_type)
    pos, valid, bag_idx = _bags(op, idx, offsets, include_last_offset)
    if pad is not None:
        valid = valid & (data(bag_idx) != pad)
    b, L = pos.shape
    if L == 0:  # every bag empty: zeros that still depend on the table, as torch's
        return gnp.zeros((b, dim), data(weight).dtype) + gnp.sum(weight[:0], axis=0)
    rows = gnp.getitem(weight, bag_idx)  # (B, L, dim)
    if scale_grad_by_freq:
        rows = _scaled_by_freq(op, rows, idx, data(bag_idx), n)
    keep = valid[..., None]
    if mode == "max":
        dt = data(rows).dtype
        low = gnp.where(keep, data(rows), -math.inf if dt.kind == "f" else 0)
        first = gnp.argmax(low, axis=1)[:, None, :]  # the first largest, as torch
        top = gnp.take_along_axis(rows, first, 1)[:, 0, :]
        return gnp.where(gnp.any(valid, axis=1)[:, None], top, 0.0)
    if per_sample_weights is not None:
        w = gnp.reshape(per_sample_weights, (-1,))
        rows = rows * gnp.getitem(w, pos)[..., None]
    total = gnp.sum(gnp.where(keep, rows, 0.0), axis=1)
    if mode == "sum":
        return total
    count = gnp.sum(valid, axis=1).astype(data(rows).dtype)
    return total / gnp.maximum(count, 1.0)[:, None]


# ---- modules ----------------------------------------------------------------------------------


class Embedding(_m.Embedding):
    """A lookup table of ``num_embeddings`` vectors with torch's arguments (see
    :func:`embedding`); the ``padding_idx`` row starts at zero. Weights are N(0, 1).

    Example: ``nn.Embedding(10, 4, padding_idx=0)(gnp.asarray([[1, 0], [3, 9]]))`` is (2, 2, 4).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = float,
    ) -> None:
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_idx("Embedding", padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.weight = _weight_of(self, "Embedding", _weight, dtype)
        if _freeze:
            self.weight.requires_grad = False

    def forward(self, input: Any) -> Any:
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Array,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding holding a copy of the 2-d ``embeddings`` (not requiring grad when
        ``freeze``). Example: ``nn.Embedding.from_pretrained(vectors, freeze=False)``"""
        s = tuple(_r.shape(embeddings))
        if len(s) != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-d, got shape {s}")
        return cls(
            s[0],
            s[1],
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            _weight=_copy(embeddings),
            _freeze=freeze,
        )


class EmbeddingBag(_m.Module):
    """Sums, means or maxima of bags of embeddings, with torch's arguments (see
    :func:`embedding_bag`); the ``padding_idx`` row starts at zero. Weights are N(0, 1).

    Example: ``nn.EmbeddingBag(10, 3, mode="sum")(ids, offsets)`` is (len(offsets), 3).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Any = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = float,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.mode = max_norm, norm_type, mode
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = _padding_idx("EmbeddingBag", padding_idx, num_embeddings)
        self.weight = _weight_of(self, "EmbeddingBag", _weight, dtype)

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Array = None) -> Any:
        return embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Array,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An EmbeddingBag holding a copy of the 2-d ``embeddings`` (frozen when ``freeze``).
        Example: ``nn.EmbeddingBag.from_pretrained(vectors, mode="sum")``"""
        s = tuple(_r.shape(embeddings))
        if len(s) != 2:
            raise ValueError(f"EmbeddingBag.from_pretrained: embeddings must be 2-d, got shape {s}")
        m = cls(
            s[0],
            s[1],
            max_norm,
            norm_type,
            scale_grad_by_freq,
            mode,
            sparse,
            _copy(embeddings),
            include_last_offset,
            padding_idx,
        )
        m.weight.requires_grad = not freeze
        return m


def _copy(a: Array) -> Any:
    raw = a._data if isinstance(a, Tensor) else gnp.asarray(a)
    return raw.copy()


def _weight_of(m: Any, cls: str, _weight: Any, dtype: Any) -> _m.Parameter:
    num, dim = m.num_embeddings, m.embedding_dim
    if _weight is not None:
        if tuple(_r.shape(_weight)) != (num, dim):
            raise ValueError(
                f"{cls}: _weight must have shape {(num, dim)}, got {tuple(_r.shape(_weight))}"
            )
        return _m.Parameter(_weight)
    w = init.normal((num, dim), dtype=dtype)
    w = w._data if isinstance(w, Tensor) else w
    if m.padding_idx is not None:
        w[m.padding_idx] = 0
    return _m.Parameter(w)
