"""torch's ``scatter_reduce`` on Tensor: ``sum``, ``prod``, ``mean``, ``amax``, ``amin`` of
``src`` scattered along a dim into ``self`` (``include_self`` or not), with torch's values and
gradients.

``sum``, ``prod`` and ``mean`` are compositions of ``x.at[...]`` updates, differentiated as
those are (the product rule through every factor, so zeros need no special case). ``amax`` and
``amin`` split the gradient of each result evenly among the elements equal to it that took
part, as torch does; their derivative is a ``custom_jvp`` rule (linear in the tangents, so
reverse mode transposes it), which ``vmap``, ``jit`` and higher orders run as any other.

Example::

    out = x.scatter_reduce(0, idx, src, reduce="amax", include_self=False)
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from . import _links
from ._at import at as _at
from ._torch_args import _axis, _pick, _xp
from ._torch_indexing import _fit, _index
from .tensor import Tensor

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _grids(self, dim, index, src):
    """The index of every target of torch's scatter along ``dim`` (``index`` there, its own
    position in the other dims), and ``src`` cut to the index's shape."""
    d = _axis("scatter_reduce", dim, self.ndim)
    index = _index("scatter_reduce", self, index, d)
    if index.ndim != self.ndim:
        raise ValueError(
            f"Tensor.scatter_reduce: index of shape {tuple(index.shape)} must have as many "
            f"dims as the tensor (shape {self.shape})"
        )
    if getattr(src, "ndim", None) != self.ndim:
        raise ValueError(
            f"Tensor.scatter_reduce: src must be a tensor with as many dims as self "
            f"(shape {self.shape}), got {getattr(src, 'shape', type(src).__name__)}"
        )
    src = _fit(src, tuple(index.shape), -1, "scatter_reduce", "src")
    xp = _xp(self)
    n = index.ndim
    grids = tuple(
        index if i == d else xp.arange(s).reshape((-1,) + (1,) * (n - 1 - i))
        for i, s in enumerate(index.shape)
    )
    return grids, src


def scatter_reduce(self, dim: int, index, src, reduce: str, *, include_self: bool = True):
    """torch's ``scatter_reduce``: ``self`` with the entries of ``src`` combined by ``reduce``
    (``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``) into the targets ``index``
    along ``dim``; ``include_self=False`` leaves the targets' own values out. Targets no
    entry reaches keep ``self``'s value. Example: ``x.scatter_reduce(0, idx, v, "amax")``"""
    if reduce not in _REDUCES:
        raise ValueError(
            f"Tensor.scatter_reduce: reduce must be one of {', '.join(_REDUCES)}, got {reduce!r}"
        )
    if not isinstance(src, Tensor):
        src = _R.asarray(src)
    if src.dtype != self.dtype:
        raise TypeError(
            f"Tensor.scatter_reduce: src (dtype {src.dtype}) must have self's dtype "
            f"({self.dtype}), as in torch"
        )
    if reduce == "mean" and self.dtype.kind == "b":
        raise TypeError("Tensor.scatter_reduce: reduce='mean' does not take booleans (torch "
                        "refuses them too); cast the tensor and src to an integer or float dtype")
    if reduce in ("amax", "amin") and self.dtype.kind == "c":
        raise TypeError(f"Tensor.scatter_reduce: reduce={reduce!r} does not take complex values "
                        f"(dtype {self.dtype}; torch refuses them too): complex numbers have no "
                        f"order")
    _axis("scatter_reduce", dim, self.ndim)
    index = _pick(self, index)
    if index.dtype.kind in "iu" and index.size == 0:  # torch: nothing is written
        return self.copy()
    if self.ndim == 0 and index.ndim == 1 and src.ndim <= 1:  # torch: its 1-d one-entry form
        one = scatter_reduce(_R.reshape(self, (1,)), dim, index, _R.reshape(src, (-1,)),
                             reduce, include_self=include_self)
        return _R.reshape(one, ())
    grids, src = _grids(self, dim, index, src)
    if 0 in tuple(src.shape):
        return self.copy()
    if reduce in ("amax", "amin"):
        return _extreme(reduce, include_self, grids, self, src)
    base = self
    if not include_self:
        base = _at(self)[grids].set(1 if reduce == "prod" else 0)
    ref = _at(base)[grids]
    if reduce == "prod":
        return ref.multiply(src)
    total = ref.add(src)
    if reduce == "sum":
        return total
    count = _count(self, grids, src, include_self)
    if self.dtype.kind in "iub":
        return _R.floor_divide(total, count)
    return total / count


def _count(self, grids, src, include_self):
    """How many values each target averages (itself included or not), at least 1, in the
    tensor's dtype (so an integer mean keeps it, as torch's)."""
    xp = _xp(self)
    dt = self.dtype
    start = xp.ones if include_self else xp.zeros
    n = _at(start(tuple(self.shape), dtype=dt))[grids].add(xp.ones(tuple(src.shape), dt))
    return _R.maximum(n, 1)


def _extremes(op, include_self, grids, self, src):
    """The values of amax/amin (no derivative: see _extreme)."""
    if not include_self:
        dt = self.dtype
        if dt.kind == "f":
            fill = -_np.inf if op == "amax" else _np.inf
        elif dt.kind == "b":
            fill = op != "amax"
        else:
            info = _np.iinfo(dt)
            fill = info.min if op == "amax" else info.max
        self = _at(self)[grids].set(fill)
    ref = _at(self)[grids]
    return ref.max(src) if op == "amax" else ref.min(src)


def _extreme(op, include_self, grids, self, src):
    from .custom import custom_jvp

    fn = custom_jvp(lambda s, v: _extremes(op, include_self, grids, s, v))

    @fn.defjvp
    def _rule(primals, tangents):
        s, v = primals
        ts, tv = tangents
        out = fn(s, v)
        took = _at(_R.zeros_like(out, dtype=bool))[grids].set(True)
        at_self = (s == out) if include_self else (s == out) & ~took
        at_src = v == out[grids]
        dt = out.dtype
        count = _at(at_self.astype(dt))[grids].add(at_src.astype(dt))
        # A result no element equals is NaN (a NaN took part): its derivative is NaN for every
        # element that took part, as in torch and gpuad's amax/amin reductions. The weights
        # multiply the tangents so that reverse mode (the transpose) keeps the NaN.
        undefined = count == 0
        share = _R.where(undefined, _np.nan, 1 / _R.maximum(count, 1)).astype(dt)
        self_part = at_self | undefined if include_self else at_self | (undefined & ~took)
        w_self = _R.where(self_part, share, 0).astype(dt)
        w_src = _R.where(at_src | undefined[grids], share[grids], 0).astype(dt)
        t = _at(ts * w_self)[grids].add(tv * w_src)
        return out, t

    return fn(self, src)
