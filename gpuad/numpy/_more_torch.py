"""torch's functions without a Tensor method that NumPy lacks, or takes other arguments for:
``combinations``, ``bucketize``, and ``searchsorted``, which is NumPy's for NumPy's arguments
and torch's for torch's (``right=``, ``out_int32=``, a stack of sorted rows).

``combinations`` gathers the entries (differentiable); ``bucketize`` and ``searchsorted``
return integer indices (constants, computed on the values). Example::

    gnp.combinations(x, r=2)                       # torch.combinations(x, 2)
    gnp.bucketize(x, edges, right=True)            # torch.bucketize(x, edges, right=True)
    gnp.searchsorted(rows, v, right=True)          # rows (..., M), v (..., N)
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as _np

from .. import rules as _r
from ..tensor import Tensor
from . import _more_math
from ._more_ints import _vals

__all__ = ["bucketize", "combinations", "searchsorted"]

_numpy_searchsorted = _more_math.searchsorted


def combinations(input: Any, r: int = 2, with_replacement: bool = False) -> Any:
    """The length-``r`` combinations of the entries of the 1-D ``input``, one a row (in
    ``itertools.combinations`` order; ``with_replacement``: ``combinations_with_replacement``),
    as ``torch.combinations``; differentiable.

    Example: ``gnp.combinations(gnp.asarray([1.0, 2.0, 3.0]), r=2)`` has rows (1, 2), (1, 3),
    (2, 3)"""
    from . import asarray, reshape, take

    x = input if isinstance(input, Tensor) or hasattr(input, "shape") else asarray(input)
    if _r.ndim(x) != 1:
        raise ValueError(f"combinations: expect a 1-D input, but got shape {_r.shape(x)}")
    r = int(r)
    if r < 0:
        raise ValueError(f"combinations: r must be non-negative; got {r}")
    n = _r.shape(x)[0]
    if r == 0:
        return reshape(take(x, _np.zeros(0, dtype=_np.intp)), (0,))
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = _np.array(list(pick(range(n), r)), dtype=_np.intp).reshape(-1, r)
    return take(x, idx)


def _side(name: str, side: str | None, right: bool | None) -> str:
    if side is not None and side not in ("left", "right"):
        raise ValueError(f"{name}: side must be 'left' or 'right'; got {side!r}")
    if side is not None and right is not None and bool(right) != (side == "right"):
        raise ValueError(f"{name}: side={side!r} and right={right} disagree; pass one of them")
    if side is not None:
        return side
    return "right" if right else "left"


def _search(name: str, seq: Any, values: Any, side: str, sorter: Any, out_int32: bool):
    """torch's search on the values: each row of ``seq`` (``(..., M)``, or one ``(M,)`` row
    for every value) against the same row of ``values``; one step of the program while
    ``gpuad.jit`` traces."""
    from .. import _value_checks as _vc
    from .. import transforms

    seq, values, sorter = (_vals(a, name) for a in (seq, values, sorter))
    # the namespace of a device array among the arguments, else the active backend's (host
    # arrays and lists are moved onto it)
    found = [_r._xp(a) for a in (values, seq, sorter) if hasattr(a, "shape")]
    xp = next((x for x in found if x is not _np), _r._xp(None))
    seq = xp.asarray(seq)
    scalar = not hasattr(values, "shape") or getattr(values, "ndim", 1) == 0
    v = xp.asarray(values)
    if seq.ndim == 0:
        raise ValueError(f"{name}: the sorted sequence must have at least one dimension")
    if scalar and seq.ndim != 1:
        raise ValueError(f"{name}: a scalar value needs a 1-D sorted sequence; got shape "
                         f"{tuple(seq.shape)}")
    if seq.ndim > 1 and tuple(seq.shape[:-1]) != tuple(v.shape[:-1]):
        raise ValueError(f"{name}: the sorted sequence must be 1-D or share all but its last "
                         f"dimension with the values; got shapes {tuple(seq.shape)} and "
                         f"{tuple(v.shape)}")
    arrays = [seq, v]
    if sorter is not None:
        sorter = xp.asarray(sorter)
        if tuple(sorter.shape) != tuple(seq.shape):
            raise ValueError(f"{name}: sorter must have the sorted sequence's shape "
                             f"{tuple(seq.shape)}; got {tuple(sorter.shape)}")
        arrays.append(sorter)
    dtype = _np.int32 if out_int32 else _np.int64

    def search(seq, v, sorter=None):
        if sorter is not None:
            seq = xp.take_along_axis(seq, sorter.astype(_np.intp), axis=-1)
        if seq.ndim == 1:
            return xp.asarray(xp.searchsorted(seq, v, side=side)).astype(dtype)
        rows = seq.reshape(-1, seq.shape[-1])
        vals = v.reshape(-1, v.shape[-1])
        out = xp.zeros(vals.shape, dtype=dtype)
        for i in range(rows.shape[0]):
            out[i] = xp.searchsorted(rows[i], vals[i], side=side)
        return out.reshape(v.shape)

    out = _vc.computed(name, search, *arrays)
    # a backend array, as eagerly; while jit traces a Tensor, so that what is done with it
    # next is recorded too
    return transforms._result(Tensor(out))


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False,
              right: bool = False) -> Any:
    """The bucket of each value of ``input`` among the increasing 1-D ``boundaries``, as
    ``torch.bucketize``: ``i`` with ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``:
    ``boundaries[i-1] <= x < boundaries[i]``); int64 (``out_int32``: int32), no derivative.
    NumPy's ``digitize(x, bins, right)`` reads ``right`` the other way round.

    Example: ``gnp.bucketize(x, gnp.asarray([0.0, 1.0, 2.0]))``"""
    b = boundaries
    if getattr(b, "ndim", 1) != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D; got shape "
                         f"{tuple(getattr(b, 'shape', ()))}")
    return _search("bucketize", b, input, "right" if right else "left", None, out_int32)


def _on_backend(x: Any) -> Any:
    """A host NumPy array on the active backend (CuPy refuses to mix them), as ``gnp.add``
    takes one; anything else as it is."""
    from ..backends import get_backend

    if isinstance(x, _np.ndarray) and get_backend().xp is not _np:
        return get_backend().asarray(x)
    return x


def searchsorted(a: Any, v: Any, side: str | None = None, sorter: Any = None, *,
                 right: bool | None = None, out_int32: bool = False) -> Any:
    """Where the values ``v`` go in the sorted ``a`` to keep it sorted: ``numpy.searchsorted``
    for NumPy's arguments, ``torch.searchsorted(sorted_sequence, input, out_int32=, right=,
    side=, sorter=)`` for torch's, where ``a`` may be a stack of sorted rows ``(..., M)``
    searched row by row with ``v`` of shape ``(..., N)``. Integer indices, no derivative.

    Example: ``gnp.searchsorted(gnp.asarray([[1.0, 3.0], [2.0, 4.0]]), v, right=True)``"""
    if right is None and not out_int32 and getattr(a, "ndim", 1) == 1:
        a, v, sorter = (_on_backend(x) for x in (a, v, sorter))
        kw = {} if sorter is None else {"sorter": sorter}
        return _numpy_searchsorted(a, v, side=side or "left", **kw)
    return _search("searchsorted", a, v, _side("searchsorted", side, right), sorter, out_int32)
