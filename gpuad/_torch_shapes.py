"""PyTorch's shape and matrix methods on Tensor: ``view``, ``expand``, ``permute``,
``unsqueeze``, ``flatten(1)``, ``transpose(0, 2)``, ``chunk``, ``split``, ``mm``, ``bmm``, ...

``view`` shares memory or raises as torch does; ``transpose(0, 1)`` of a 2-D tensor, identity
in NumPy and a swap in torch, raises. Example: ``x.view(2, -1).permute(1, 0)``
"""

from __future__ import annotations

import builtins as _b
import math
import sys
from typing import Any

import numpy as _np

from . import _links
from ._torch_args import _NO, _as_tensor, _axis, _int, _shape_args
from .tensor import Tensor

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")


# ---- shapes -----------------------------------------------------------------------------
def _check_viewable(t: Tensor, shape: tuple) -> None:
    """Raise as torch's ``view`` does when the new shape needs a copy of the data (a
    ``reshape`` would copy, so writes through the result would not reach ``t``)."""
    if t._bat is not None:
        return
    data = t._data
    if _b.any(st < 0 for st in data.strides):
        return  # reversed (x.flip(0)): a copy in torch, whose own view writes no further
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


def _new_view(self, r):
    """``r``, or a new view of ``self`` where the op changed nothing and returned ``self``:
    torch's is a Tensor of its own, so a hook or ``retain_grad`` on it sees only the gradient
    of its own uses (on ``self`` it saw every use of ``self``)."""
    if r is self and self.requires_grad:
        return self[...]
    return r


def _view_as_ndarray(self, cls, f) -> None:
    """Raise for ``t.view(numpy.ma.MaskedArray)``, as NumPy's Python functions (``numpy.ma``'s)
    ask of their argument: naming the function called and what to use instead."""
    from . import _numpy_protocol as _P

    if _P._in_numpy(f):
        via = _P._numpy_caller(f)
        if via is not None:
            raise TypeError(via(self))
    raise TypeError(
        f"Tensor.view({cls.__module__}.{cls.__qualname__}): a Tensor cannot become a NumPy "
        f"array (sub)class; gpuad.numpy functions take the Tensor itself, and "
        f"t.numpy().view(cls) makes a constant host copy")


def view(self, *shape) -> Tensor:
    """torch's ``view``: the same data in another shape; raises where that needs a copy.

    Example: ``x.view(2, -1)``
    """
    if len(shape) == 1 and isinstance(shape[0], type) and issubclass(shape[0], _np.ndarray):
        f = sys._getframe(1)
        while f.f_back is not None and f.f_globals.get("__name__", "").startswith("gpuad."):
            f = f.f_back  # (wrappers such as autocast's, which every method has once used)
        _view_as_ndarray(self, shape[0], f)
    if len(shape) == 1 and not isinstance(shape[0], tuple | list | int | _np.integer):
        raise TypeError(
            f"Tensor.view({shape[0]!r}): reinterpreting the bytes as another dtype "
            f"is not supported; use .astype(dtype) for a conversion"
        )
    shape = _shape_args("view", shape)
    if shape.count(-1) > 1:  # (before the view check, whose message would blame the strides)
        raise ValueError(f"Tensor.view{shape}: only one dim can be -1")
    _check_viewable(self, shape)
    return _new_view(self, self.reshape(shape))


def view_as(self, other) -> Tensor:
    """``self.view(other.shape)``. Example: ``g.view_as(x)``"""
    return view(self, tuple(other.shape))


def reshape_as(self, other) -> Tensor:
    """``self.reshape(other.shape)``. Example: ``g.reshape_as(x)``"""
    return _new_view(self, self.reshape(tuple(other.shape)))


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
    return _new_view(self, _R.broadcast_to(self, target))


def expand_as(self, other) -> Tensor:
    """``self.expand(other.shape)``. Example: ``b.expand_as(x)``"""
    return _new_view(self, _R.broadcast_to(self, tuple(other.shape)))


def permute(self, *dims, **kw) -> Tensor:
    """torch's ``permute``: NumPy's ``transpose(dims)``. Example: ``x.permute(2, 0, 1)``,
    ``x.permute(dims=(2, 0, 1))``"""
    if kw:
        if dims or set(kw) != {"dims"}:
            raise TypeError(f"Tensor.permute takes dims, by position or as dims=, got {dims} "
                            f"and keywords {sorted(kw)}")
        dims = (kw["dims"],)
    dims = _shape_args("permute", dims)
    if len(dims) != self.ndim:
        raise ValueError(f"Tensor.permute: {len(dims)} dims {dims} for a tensor of "
                         f"{self.ndim} dims (shape {self.shape}); name each dim once")
    return _new_view(self, _R.transpose(self, tuple(_axis("permute", d, self.ndim)
                                                    for d in dims)))


def unsqueeze(self, dim: int) -> Tensor:
    """A new length-1 dim at ``dim``. Example: ``x.unsqueeze(0)``"""
    if not isinstance(dim, int | _np.integer) or isinstance(dim, bool):
        raise TypeError(f"Tensor.unsqueeze takes one int dim (as torch), got {dim!r}; "
                        f"gnp.expand_dims(x, axes) inserts several")
    return _R.expand_dims(self, int(dim))


def squeeze(self, axis=None, *, dim=_NO):
    if self.ndim == 0 and axis is not None and dim is _NO:  # NumPy refuses; torch's no-op
        for d in axis if isinstance(axis, tuple | list) else (axis,):
            _axis("squeeze", d, 0)
        return _R.reshape(self, ())
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
    named = [_axis("squeeze", d, self.ndim) for d in dims]
    if len(set(named)) != len(named):  # torch: "dim 1 appears multiple times in the list"
        from .prims._helpers import repeated_axis

        raise ValueError(f"Tensor.squeeze: {repeated_axis(dims, named)}")
    ones = tuple(d for d in named if self.ndim and self.shape[d] == 1)
    return _R.squeeze(self, ones) if ones else _new_view(self, self)


def _flat_copy(self, flat):
    """NumPy's ``x.flatten()``: a copy, marked because torch's is a view (its in-place methods
    on it raise, and so does reading it after ``x`` has been written in place)."""
    from .tensor import TorchViewCopy

    r = _R.copy(flat)
    if r.__class__ is Tensor:
        r._elem = TorchViewCopy("x.flatten()", "write into x.flatten(0) or x.view(-1), which "
                                "are views", self)
    return r


def flatten(self, start_dim=_NO, end_dim=_NO, order=None):
    """NumPy's ``x.flatten()`` / ``x.flatten('F')`` (a copy), or torch's
    ``x.flatten(start_dim, end_dim)`` when a dim is given (a view where one is possible).

    Example: ``x.flatten(1)``
    """
    if isinstance(start_dim, str) or order is not None:
        return _flat_copy(self, _R.ravel(self, start_dim if isinstance(start_dim, str) else
                                         order))
    if start_dim is _NO and end_dim is _NO:
        return _flat_copy(self, _R.ravel(self))
    start_dim = 0 if start_dim is _NO else start_dim
    end_dim = -1 if end_dim is _NO else end_dim
    n = self.ndim
    a, b = _axis("flatten", start_dim, n), _axis("flatten", end_dim, n)
    if n == 0:  # torch's: dims 0 and -1 name the one "dim" of a 0-d tensor
        return self.reshape(1)
    if a > b:
        raise ValueError(f"Tensor.flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shp = self.shape
    return self.reshape(shp[:a] + (math.prod(shp[a : b + 1]),) + shp[b + 1 :])


def unflatten(self, dim: int, sizes) -> Tensor:
    """Split ``dim`` into ``sizes``. Example: ``x.unflatten(1, (2, 3))``"""
    d = _axis("unflatten", dim, self.ndim)
    sizes = tuple(_int("unflatten", "each size", v) for v in sizes)
    if not sizes:  # torch refuses; a length-1 dim would silently vanish
        raise ValueError("Tensor.unflatten: sizes must be non-empty (to drop a dim of length 1, "
                         "use squeeze(dim))")
    if -1 in sizes:  # inferred from this dim alone (NumPy's -1 is ambiguous for empty tensors)
        known = math.prod(v for v in sizes if v != -1)
        sizes = tuple(self.shape[d] // known if known and v == -1 else v for v in sizes)
    if math.prod(sizes) != self.shape[d]:
        raise ValueError(f"Tensor.unflatten: sizes {sizes} do not multiply to the length "
                         f"{self.shape[d]} of dim {dim}")
    return self.reshape(self.shape[:d] + sizes + self.shape[d + 1 :])


def transpose(self, *axes):
    if len(axes) == 2 and axes[0].__class__ is int and axes[1].__class__ is int:
        n = self.ndim
        if n == 0:  # torch's dims 0 and -1 of a 0-d tensor: nothing to swap
            _axis("transpose", axes[0], 0), _axis("transpose", axes[1], 0)
            return _R.reshape(self, ())
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
    elif len(axes) == 1 and axes[0] is None:  # NumPy's a.transpose(None): all axes reversed
        axes = ()
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
    if isinstance(repeats, tuple | list) and (axis is None or isinstance(axis, int)):
        n = int(_np.prod(self.shape)) if axis is None else self.shape[axis]
        if len(repeats) != n:  # NumPy's per-element counts cannot be meant: torch's tiling
            raise TypeError(
                f"Tensor.repeat({tuple(repeats)}): Tensor.repeat is NumPy's (each element "
                f"repeated, one count per element: {n} here); torch's x.repeat("
                f"{tuple(repeats)}) (the tensor tiled) is x.tile({tuple(repeats)})"
            )
    return _R.repeat(self, repeats, axis)


def tile(self, *dims) -> Tensor:
    """torch's ``tile`` (and ``repeat``): the tensor tiled ``dims`` times.
    Example: ``x.tile(2, 1)``"""
    if not dims:
        raise TypeError("Tensor.tile needs dims, as torch's (x.tile(()) is a copy)")
    return _R.tile(self, _shape_args("tile", dims))


def chunk(self, chunks: int, dim: int = 0) -> tuple:
    """torch's ``chunk``: pieces of ``ceil(n / chunks)`` along ``dim`` (possibly fewer).
    Example: ``a, b = x.chunk(2, dim=-1)``"""
    _at_least_1d("chunk", self)
    d = _axis("chunk", dim, self.ndim)
    n, chunks = self.shape[d], _int("chunk", "chunks", chunks)
    if chunks <= 0:
        raise ValueError(f"Tensor.chunk: chunks must be positive, got {chunks}")
    if not n:  # torch: `chunks` empty pieces
        return tuple(_R.split(self, [0] * (chunks - 1), axis=d))
    step = -(-n // chunks)
    return tuple(_R.split(self, list(range(step, n, step)), axis=d))


def split(self, split_size_or_sections=_NO, dim: int = 0, *, split_size=_NO) -> tuple:
    """torch's ``split``: pieces of ``size`` along ``dim`` (the last may be shorter), or of
    the listed sizes. Example: ``a, b = x.split([2, 3], dim=1)``"""
    s = _one_of("split", split_size_or_sections=split_size_or_sections, split_size=split_size)
    _at_least_1d("split", self)
    d = _axis("split", dim, self.ndim)
    n = self.shape[d]
    if not isinstance(s, tuple | list) and not hasattr(s, "__len__"):
        s = _int("split", "split_size", s)
    if isinstance(s, int | _np.integer):
        if s == 0 and n == 0:  # torch: the empty tensor, one piece
            return (self[(slice(None),) * d + (slice(0, 0),)],)
        if s <= 0:
            raise ValueError(f"Tensor.split: split_size must be positive, got {s}")
        points = list(range(int(s), n, int(s)))
    else:
        sizes = [_int("split", "each split size", v) for v in s]
        if _b.sum(sizes) != n:
            raise ValueError(
                f"Tensor.split: sizes {sizes} do not add up to {n}, the length of dim {dim}"
            )
        points = list(_np.cumsum(sizes)[:-1])
    return tuple(_R.split(self, [int(p) for p in points], axis=d))


def _at_least_1d(name: str, t: Tensor) -> None:
    if t.ndim == 0:
        raise IndexError(f"Tensor.{name}: expects a tensor of at least 1 dim, as torch; got a "
                         f"0-d tensor (reshape(1) it first)")


def unbind(self, dim: int = 0) -> tuple:
    """The slices along ``dim``, views (0-d ones too, as torch's).
    Example: ``rows = x.unbind(0)``"""
    d = _axis("unbind", dim, self.ndim)
    return tuple(self[(slice(None),) * d + (i, Ellipsis)] for i in range(self.shape[d]))


def flip(self, *dims, **kw) -> Tensor:
    """Reverse the order along ``dims``: a copy, as torch's (``gnp.flip`` is NumPy's view).
    Example: ``x.flip(0)``, ``x.flip(dims=(0, 1))``"""
    if kw:
        if dims or set(kw) != {"dims"}:
            raise TypeError(f"Tensor.flip takes dims, by position or as dims=, got {dims} and "
                            f"keywords {sorted(kw)}")
        dims = (kw["dims"],)
    if not dims:
        raise TypeError("Tensor.flip needs dims (torch's); x.flip(()) copies, "
                        "x.flip(tuple(range(x.ndim))) reverses every dim")
    dims = _shape_args("flip", dims)
    if self.ndim == 0:  # torch's: dims 0 and -1 of a 0-d tensor, a copy
        for d in dims:
            _axis("flip", d, 0)
        return _R.copy(self)
    return _R.copy(_R.flip(self, dims))


def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1, *, dim1=_NO, dim2=_NO):
    """The diagonal over two dims: NumPy's ``axis1``/``axis2`` or torch's ``dim1``/``dim2``
    (the same places). Example: ``x.diagonal(0, dim1=-2, dim2=-1)``"""
    axis1 = axis1 if dim1 is _NO else dim1
    axis2 = axis2 if dim2 is _NO else dim2
    if self.ndim >= 2 and _axis("diagonal", axis1, self.ndim) == _axis("diagonal", axis2,
                                                                        self.ndim):
        raise ValueError(f"Tensor.diagonal: dim1={axis1} and dim2={axis2} name one dim of "
                         f"shape {self.shape}; give two different dims")
    return _R.diagonal(self, _int("diagonal", "offset", offset), axis1, axis2)


def nonzero(self, *, as_tuple=_NO):
    """NumPy's tuple of index arrays (also torch's ``as_tuple=True``), or with
    ``as_tuple=False`` torch's (count, ndim) index tensor. Example: ``x.nonzero(as_tuple=False)``"""
    if as_tuple is _NO:
        return _R.nonzero(self)
    if as_tuple:  # torch's: Tensors (a 0-d one read as 1-d)
        return tuple(_as_tensor(i) for i in _R.nonzero(
            _R.reshape(self, (1,)) if self.ndim == 0 else self))
    return _as_tensor(_R.argwhere(self))  # a Tensor, as torch's (not a raw backend array)


def roll(self, shifts, dims=None) -> Tensor:
    """Rotate along ``dims`` (the flattened tensor when None), one shift per dim as torch
    (NumPy's ``roll`` also broadcasts one shift over several axes). Example: ``x.roll(1, 0)``"""
    many = isinstance(shifts, tuple | list)
    sh = [_int("roll", "shifts", v) for v in (shifts if many else [shifts])]
    if dims is None:
        if len(sh) != 1:
            raise ValueError(f"Tensor.roll: {len(sh)} shifts {tuple(sh)} without dims; give "
                             f"one dim per shift (dims=None rolls the flattened tensor by one "
                             f"shift)")
        return _R.roll(self, sh[0], None)
    ds = list(dims) if isinstance(dims, tuple | list) else [dims]
    if len(ds) != len(sh):
        raise ValueError(f"Tensor.roll: shifts {tuple(sh)} and dims {tuple(ds)} must have the "
                         f"same length, as in torch")
    if self.ndim == 0:
        raise IndexError(f"Tensor.roll: dims {tuple(ds)} given for a 0-d tensor, which has "
                         f"none; call roll(shifts) without dims")
    ds = [_axis("roll", d, self.ndim) for d in ds]
    return _R.roll(self, tuple(sh), tuple(ds))


def narrow(self, dim: int, start: int, length: int) -> Tensor:
    """``length`` entries from ``start`` along ``dim``, a view. Example: ``x.narrow(1, 0, 2)``"""
    _at_least_1d("narrow", self)
    d = _axis("narrow", dim, self.ndim)
    n = self.shape[d]
    start, length = _int("narrow", "start", start), _int("narrow", "length", length)
    if not -n <= start <= n:  # torch's range; a start below -n must not wrap around again
        raise IndexError(f"Tensor.narrow: start {start} is out of range [{-n}, {n}] for dim "
                         f"{dim} of length {n}")
    if length < 0:
        raise ValueError(f"Tensor.narrow: length must be non-negative, got {length}")
    s = start + n if start < 0 else start
    if s + length > n:
        raise IndexError(
            f"Tensor.narrow: start {start} + length {length} exceeds the length "
            f"{n} of dim {dim}"
        )
    return self[(slice(None),) * d + (slice(s, s + length),)]


def select(self, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (that dim removed), a view.
    Example: ``x.select(1, -1)``"""
    d = _axis("select", dim, self.ndim)
    n = self.shape[d]
    if not -n <= index < n:
        raise IndexError(f"Tensor.select: index {index} is out of range for dim {dim} of "
                         f"length {n}")
    # Ellipsis keeps a 0-d result a view (a bare element index is NumPy's scalar, a copy)
    return self[(slice(None),) * d + (_int("select", "index", index), Ellipsis)]


def movedim(self, source, destination) -> Tensor:
    """NumPy's ``moveaxis``. Example: ``x.movedim(0, -1)``"""
    if self.ndim == 0:  # torch's: dims 0 and -1 of a 0-d tensor (NumPy refuses them)
        for d in (*_dims_of(source), *_dims_of(destination)):
            _axis("movedim", d, 0)
        return _R.reshape(self, ())
    return _R.moveaxis(self, source, destination)


def _dims_of(d) -> tuple:
    return tuple(d) if isinstance(d, tuple | list) else (d,)


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


def outer(self, vec2, _name: str = "outer") -> Tensor:
    """Outer product of two 1-D tensors (others raise, as torch's; NumPy's ``outer``
    flattens them). Example: ``u.outer(v)``"""
    for v in (self, vec2):
        if getattr(v, "ndim", 0) != 1:
            raise ValueError(f"Tensor.{_name} takes two 1-D tensors, got shapes "
                             f"{tuple(getattr(self, 'shape', ()))} and "
                             f"{tuple(getattr(vec2, 'shape', ()))}; use gnp.outer to flatten")
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
    """A diagonal of a 2-D tensor (a copy, as torch's), or a matrix with a 1-D tensor on a
    diagonal. Example: ``x.diag()``"""
    return _R.diag(self, _int("diag", "diagonal", diagonal))


def tril(self, diagonal: int = 0) -> Tensor:
    """Zero above ``diagonal`` (over the last two dims). Example: ``x.tril()``"""
    _matrices("tril", self)
    return _R.tril(self, _int("tril", "diagonal", diagonal))


def triu(self, diagonal: int = 0) -> Tensor:
    """Zero below ``diagonal`` (over the last two dims). Example: ``x.triu(1)``"""
    _matrices("triu", self)
    return _R.triu(self, _int("triu", "diagonal", diagonal))


def _matrices(name: str, t: Tensor) -> None:
    """torch's ``tril``/``triu`` need matrices (NumPy's read a 1-D array as a row repeated
    into a square matrix)."""
    if t.ndim < 2:
        raise ValueError(f"Tensor.{name}: the tensor must have at least 2 dims, as in torch; "
                         f"got shape {t.shape} (gnp.{name} is NumPy's, which reads a 1-D "
                         f"array as a matrix of repeated rows)")


def diff(self, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """``n``-th differences along ``dim``. Example: ``x.diff(dim=0)``"""
    kw = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    return _R.diff(self, n, dim, **kw)


def _one_of(name: str, **given):
    """The one argument given among torch's alternative names for it."""
    got = {k: v for k, v in given.items() if v is not _NO}
    if len(got) != 1:
        raise TypeError(f"Tensor.{name} takes one of {', '.join(given)}; got "
                        f"{', '.join(got) or 'none'}")
    return next(iter(got.values()))


def tensor_split(self, indices_or_sections=_NO, dim: int = 0, *, sections=_NO, indices=_NO,
                 tensor_indices_or_sections=_NO) -> tuple:
    """torch's ``tensor_split``: ``n`` nearly equal parts (the first ``len % n`` one longer)
    or the parts between the given indices (Python's slice rules), as NumPy's
    ``array_split``. Example: ``a, b, c = x.tensor_split(3, dim=1)``"""
    cut = _one_of("tensor_split", indices_or_sections=indices_or_sections, sections=sections,
                  indices=indices, tensor_indices_or_sections=tensor_indices_or_sections)
    _at_least_1d("tensor_split", self)
    d = _axis("tensor_split", dim, self.ndim)
    n = self.shape[d]
    if isinstance(cut, Tensor) or hasattr(cut, "ndim"):
        if cut.dtype.kind not in "iu" or cut.ndim > 1:
            raise TypeError(f"Tensor.tensor_split: a tensor of sections or indices must be "
                            f"0-d or 1-d and hold integers, got {cut.dtype} of shape {cut.shape}")
        cut = int(cut) if cut.ndim == 0 else [int(i) for i in cut.tolist()]
    if not isinstance(cut, tuple | list):
        cut = _int("tensor_split", "the number of sections", cut)
    if isinstance(cut, int | _np.integer):
        if cut <= 0:
            raise ValueError(f"Tensor.tensor_split: {cut} sections; give at least one")
        size, extra = divmod(n, int(cut))
        ends = [size * i + _b.min(i, extra) for i in range(int(cut) + 1)]
        bounds = list(zip(ends[:-1], ends[1:], strict=True))
    else:
        cut = [_int("tensor_split", "each index", i) for i in cut]
        bounds = list(zip([0, *cut], [*cut, None], strict=True))
    return tuple(self[(slice(None),) * d + (slice(a, b),)] for a, b in bounds)


def unfold(self, dimension: int, size: int, step: int) -> Tensor:
    """torch's ``Tensor.unfold``: every window of ``size`` entries along ``dimension``,
    ``step`` apart, in a new last dim. Windows that do not overlap and tile a prefix of the
    dim (``step >= size``, ``count * step <= n``) are a view that writes go through, as
    torch's; others are a copy that refuses writes (torch refuses most writes into
    overlapping memory too) and is computed again when read after a write to ``self``, so it
    reads what torch's view reads.
    Example: ``x.unfold(0, 3, 1)`` (shape ``(n - 2, 3)`` for a 1-d ``x``)"""
    from ._readonly import mark
    from .tensor import ReadOnlyCopy

    x = _R.reshape(self, (1,)) if self.ndim == 0 else self
    d = _axis("unfold", dimension, x.ndim)
    n = x.shape[d]
    size, step = _int("unfold", "size", size), _int("unfold", "step", step)
    if step <= 0 or size < 0 or size > n:
        raise ValueError(f"Tensor.unfold: size={size}, step={step} for dim {dimension} of "
                         f"length {n} (shape {self.shape}); give 0 <= size <= {n} and step > 0")
    count = (n - size) // step + 1
    if step >= size and count * step <= n:  # slices of a split dim: views (basic indexing)
        pre = (slice(None),) * d
        r = x[pre + (slice(0, count * step),)]
        r = r.reshape(x.shape[:d] + (count, step) + x.shape[d + 1:])
        r = _R.moveaxis(r[pre + (slice(None), slice(0, size))], d + 1, -1)
        return r.reshape((size,)) if self.ndim == 0 else r

    def windows(src):
        y = _R.reshape(src, (1,)) if src.ndim == 0 else src
        idx = (_np.arange(count)[:, None] * step + _np.arange(size)[None, :]).astype(_np.int64)
        w = _R.moveaxis(_R.take(y, idx, axis=d), d + 1, -1)
        return _R.reshape(w, (size,)) if src.ndim == 0 else w

    r = windows(self)
    if r.__class__ is Tensor:
        if r._base is not None:  # its own buffer: a view of it (w[0]) must take its history
            r = r.copy()  # again from it after a refresh, not from the take below it
        ReadOnlyCopy.attach(r, "Tensor.unfold (a copy of its windows)", self, windows)
    return mark(r, "windows of Tensor.unfold", "windows that overlap (step < size) cannot be "
                "written one to one (torch refuses most such writes too), and gpuad's windows "
                "are a copy unless step >= size and count * step <= n; write into r = "
                "x.unfold(...).clone(), into x itself, or build the result functionally")
