"""More of PyTorch's shape and product methods on Tensor: ``split_with_sizes``,
``unsafe_split``, ``unsafe_chunk``, ``hsplit``, ``vsplit``, ``dsplit``, ``narrow_copy``,
``sum_to_size``, ``broadcast_to``, ``renorm``, ``kron``, ``inner``, ``vdot``, ``mH``, ``H``,
``conj_physical``, ``resolve_conj``, ``resolve_neg``.

Compositions of ``gpuad.numpy`` ops, differentiable as those are. Example:
``a, b = x.split_with_sizes([2, 3], dim=1)``, ``g.sum_to_size(1, 4)``
"""

from __future__ import annotations

from typing import Any

from . import _links, _torch_shapes
from ._torch_args import _axis, _shape_args
from .tensor import Tensor

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")


def split_with_sizes(self, split_sizes, dim: int = 0) -> tuple:
    """Pieces of the listed sizes along ``dim`` (torch's ``split`` with a list).
    Example: ``a, b = x.split_with_sizes([1, 4])``"""
    return _torch_shapes.split(self, list(split_sizes), dim)


def unsafe_split(self, split_size, dim: int = 0) -> tuple:
    """torch's ``unsafe_split``: ``split`` (the pieces here are checked views, as ``split``'s).
    Example: ``x.unsafe_split(2)``"""
    return _torch_shapes.split(self, split_size, dim)


def unsafe_chunk(self, chunks: int, dim: int = 0) -> tuple:
    """torch's ``unsafe_chunk``: ``chunk``. Example: ``x.unsafe_chunk(3, dim=1)``"""
    return _torch_shapes.chunk(self, chunks, dim)


def _split_at(name: str, self, d: int, sections, least: int | None = None) -> tuple:
    least = d + 1 if least is None else least
    if self.ndim < least:
        raise ValueError(f"Tensor.{name} needs a tensor of at least {least} dims, got shape "
                         f"{self.shape}")
    if isinstance(sections, int) and self.shape[d] % sections:
        raise ValueError(f"Tensor.{name}: dim {d} of length {self.shape[d]} does not split "
                         f"into {sections} equal parts")
    return tuple(_R.array_split(self, sections if isinstance(sections, int) else
                                list(sections), axis=d))


def hsplit(self, sections) -> tuple:
    """Split along dim 1 (dim 0 of a 1-D tensor) into ``sections`` equal parts or at the
    given indices. Example: ``l, r = x.hsplit(2)``"""
    return _split_at("hsplit", self, 0 if self.ndim == 1 else 1, sections)


def vsplit(self, sections) -> tuple:
    """Split along dim 0. Example: ``top, bottom = x.vsplit([3])``"""
    return _split_at("vsplit", self, 0, sections, least=2)  # as torch's and NumPy's


def dsplit(self, sections) -> tuple:
    """Split along dim 2. Example: ``x.dsplit(2)``"""
    return _split_at("dsplit", self, 2, sections)


def narrow_copy(self, dim: int, start: int, length: int) -> Tensor:
    """``narrow``, copied (writes into it leave ``self`` alone). Example: ``x.narrow_copy(0, 1, 2)``
    """
    return _R.copy(_torch_shapes.narrow(self, dim, start, length))


def sum_to_size(self, *size) -> Tensor:
    """The sum of ``self`` down to ``size``, a shape ``self`` broadcasts from (the sum a
    broadcast's gradient needs); ``self`` itself for its own size, as torch's.
    Example: ``g.sum_to_size(1, 3)``"""
    size = _shape_args("sum_to_size", size)
    lead = self.ndim - len(size)
    ok = lead >= 0 and all(s in (1, t) for s, t in zip(size, self.shape[lead:], strict=True))
    if not ok:
        raise ValueError(f"Tensor.sum_to_size: shape {self.shape} does not broadcast from "
                         f"{size}")
    r = _R.sum(self, axis=tuple(range(lead))) if lead else self
    keep = tuple(i for i, s in enumerate(size) if s == 1 and r.shape[i] != 1)
    return _R.sum(r, axis=keep, keepdims=True) if keep else r  # self for its own size, as torch


def broadcast_to(self, *size) -> Tensor:
    """``self`` broadcast to ``size`` (-1 keeps a dim), a read-only view as NumPy's.
    Example: ``b.broadcast_to(4, 3)``"""
    size = _shape_args("broadcast_to", size)
    lead = len(size) - self.ndim
    if lead < 0:
        raise ValueError(f"Tensor.broadcast_to: shape {self.shape} has more dims than {size}")
    shp = tuple(self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(size))
    return _R.broadcast_to(self, shp)


def renorm(self, p, dim: int, maxnorm) -> Tensor:
    """Each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to it (by
    ``maxnorm / (norm + 1e-7)``, as torch). Example: ``w.renorm(2, 0, 1.0)``"""
    if self.ndim == 0:
        raise ValueError("Tensor.renorm needs a tensor of at least one dim")
    if float(p) <= 0:
        raise ValueError(f"Tensor.renorm: p must be positive, got {p}")
    d = _axis("renorm", dim, self.ndim)
    rest = tuple(i for i in range(self.ndim) if i != d)
    norm = _R.linalg.vector_norm(self, ord=float(p), axis=rest, keepdims=True)
    nd = norm.detach()
    over = nd > maxnorm
    factor = _R.where(over, maxnorm / (_R.where(over, norm, 1.0) + 1e-7), 1.0)
    return self * _R.astype(factor, self.dtype)


def kron(self, other) -> Tensor:
    """Kronecker product (NumPy's). Example: ``a.kron(b)``"""
    return _R.kron(self, other)


def inner(self, other) -> Tensor:
    """Sum of products over the last dims (NumPy's ``inner``). Example: ``a.inner(b)``"""
    return _R.inner(self, other)


def vdot(self, other) -> Tensor:
    """``sum(conj(self) * other)`` of two 1-D tensors. Example: ``u.vdot(v)``"""
    if self.ndim != 1 or getattr(other, "ndim", 0) != 1:
        raise ValueError(f"Tensor.vdot takes two 1-D tensors, got shapes {self.shape} and "
                         f"{tuple(getattr(other, 'shape', ()))}")
    return _R.vdot(self, other)


def conj_physical(self) -> Tensor:
    """The complex conjugate (a new tensor; a real tensor's own values).
    Example: ``z.conj_physical()``"""
    return _R.conj(self) if self.dtype.kind == "c" else _R.copy(self)


def resolve_conj(self) -> Tensor:
    """``self``: gpuad has no lazy conjugate bit, so there is nothing to resolve."""
    return self


def resolve_neg(self) -> Tensor:
    """``self``: gpuad has no lazy negation bit, so there is nothing to resolve."""
    return self


def _conj_copy(t: Tensor, name: str) -> Tensor:
    """The conjugate of ``t``, a copy that refuses writes: torch's ``H``/``mH`` of a complex
    tensor is a view, so a write into gpuad's copy would silently miss the tensor."""
    from ._readonly import mark
    from .tensor import ReadOnlyCopy

    r = _R.conj(t)
    ReadOnlyCopy.attach(r, f"Tensor.{name}", t, _R.conj)  # read after a write to t: redone
    return mark(r, f"conjugate copy of Tensor.{name}",
                f"gpuad's {name} of a complex tensor is a copy (torch's is a view), so a write "
                f"into it would not reach the tensor; write into the tensor through "
                f".{'mT' if name == 'mH' else 'T'} with conjugated values, or into "
                f"x.{name}.clone()")


def _mh(self) -> Tensor:
    """The conjugate transpose of the last two dims (torch's ``mH``; a copy that refuses
    writes for a complex tensor, a view otherwise). Example: ``a.mH``"""
    t = self.mT
    return _conj_copy(t, "mH") if self.dtype.kind == "c" else t


def _h(self) -> Tensor:
    """The conjugate transpose of a matrix (torch's ``H``; a 0-d or 1-D tensor as ``T``).
    Example: ``a.H``"""
    if self.ndim > 2:
        raise ValueError(f"Tensor.H is for tensors of at most 2 dims, got shape {self.shape}; "
                         f"use .mH for a batch of matrices")
    t = self.T
    return _conj_copy(t, "H") if self.dtype.kind == "c" else t


def adjoint(self) -> Tensor:
    """torch's ``adjoint()``: ``mH``, the conjugate transpose of the last two dims (a 0-d
    tensor is its own). Example: ``a.adjoint()``"""
    if self.ndim == 1:
        raise ValueError("Tensor.adjoint() is for matrices or batches of matrices, got a 1-D "
                         "tensor; use x.conj() for a vector")
    return _mh(self)


def as_strided(self, size, stride, storage_offset=None) -> Tensor:
    """torch's ``as_strided`` reads the tensor's storage, which gpuad's tensors do not expose:
    it raises, naming what to write instead."""
    raise NotImplementedError(
        f"Tensor.as_strided{(tuple(size), tuple(stride), storage_offset)}: gpuad's tensors "
        f"have no storage to reinterpret (shape {self.shape}); gather the entries instead: "
        f"x.reshape(-1)[offset + sum(i_k * stride_k)] with index arrays, or x.unfold(dim, "
        f"size, step) for sliding windows, x.expand(...) for stride 0")


def sparse_dim(self) -> int:
    """torch's ``sparse_dim()`` of a dense tensor: 0 (gpuad's tensors are dense)."""
    return 0


def dense_dim(self) -> int:
    """torch's ``dense_dim()`` of a dense tensor: every dim. Example: ``x.dense_dim()``"""
    return self.ndim


def swapdims_(self, dim0: int, dim1: int) -> Tensor:
    """torch's in-place ``swapdims_`` (``transpose_``), for a tensor outside any graph."""
    return _restride(self, "swapdims_", self.detach().swapaxes(dim0, dim1))


swapaxes_ = swapdims_


def _restride(self, name: str, r: Tensor) -> Tensor:
    """Give ``self`` the shape of ``r``, a view of its data: torch's shape-changing in-place
    methods. Only for a tensor outside any graph: a recorded value, a leaf that requires
    grad, a view, a dual or a batched value keeps its shape, and the call raises."""
    from . import _value_checks

    why = ("it requires grad" if self.requires_grad else
           "it is a view of another tensor" if self._base is not None or self._elem is not None
           else "it carries a forward-mode tangent" if self._tan is not None
           else "it is batched by vmap" if self._bat is not None
           else "gpuad.jit is tracing" if _value_checks.tracing() else None)
    if why is not None:
        raise RuntimeError(
            f"Tensor.{name}: changes the shape of this tensor {self.shape} in place, which "
            f"gpuad does only for a tensor outside any graph ({why}); write "
            f"t = t.{name[:-1]}(...), a view of the same data")
    self._data = r._data  # the same memory, the same values: no version bump
    return self


def unsqueeze_(self, dim: int) -> Tensor:
    """torch's in-place ``unsqueeze`` (a tensor outside any graph, such as integer targets).
    Example: ``target.unsqueeze_(-1)``"""
    return _restride(self, "unsqueeze_", self.detach().unsqueeze(dim))


def squeeze_(self, dim=None) -> Tensor:
    """torch's in-place ``squeeze`` (dims of another length than 1 stay), for a tensor
    outside any graph. Example: ``mask.squeeze_(1)``"""
    t = self.detach()
    return _restride(self, "squeeze_", t.squeeze() if dim is None else t.squeeze(dim=dim))


def transpose_(self, dim0: int, dim1: int) -> Tensor:
    """torch's in-place swap of two dims, for a tensor outside any graph.
    Example: ``x.transpose_(0, 1)``"""
    return _restride(self, "transpose_", self.detach().swapaxes(dim0, dim1))


def t_(self) -> Tensor:
    """torch's in-place ``t()`` of a tensor of at most 2 dims outside any graph."""
    if self.ndim > 2:
        raise ValueError(f"Tensor.t_: expects at most 2 dims, got shape {self.shape}")
    return _restride(self, "t_", self.detach().T)


METHODS = {n: globals()[n] for n in """
    split_with_sizes unsafe_split unsafe_chunk hsplit vsplit dsplit narrow_copy sum_to_size
    broadcast_to renorm kron inner vdot conj_physical resolve_conj resolve_neg
    unsqueeze_ squeeze_ transpose_ t_ adjoint sparse_dim dense_dim swapdims_ swapaxes_
    as_strided
""".split()}
def _no_pair(field: str):
    def get(self) -> Any:
        raise AttributeError(
            f"'Tensor' object has no attribute '{field}': a Tensor is not torch's (values, "
            f"indices) pair. x.max(1) and x.min(1) (one positional dim) are "
            f"NumPy's (the values only); write x.max(dim=1).{field} (also x.min(dim=...), "
            f"x.sort(dim=...), x.topk(k)) for torch's named pair")
    get.__name__ = field
    return get


PROPERTIES = {"mH": _mh, "H": _h, "values": _no_pair("values"), "indices": _no_pair("indices")}
