"""NumPy's stride tricks on Tensors: ``sliding_window_view`` as a recorded gather (the adjoint
adds the windows' gradients where they overlap), and ``as_strided``, which gpuad refuses."""

from __future__ import annotations

import operator as _operator

import numpy as _np

from ..backends import get_backend
from ..prims._helpers import one_axis
from ..tensor import Tensor


def _windows(x, axes: tuple, window: tuple):
    """Every window of ``x``: a gather per (axis, size) pair, the window's dim moved last."""
    from . import moveaxis, take

    for ax, w in zip(axes, window, strict=True):
        n = x.shape[ax]
        idx = (_np.arange(n - w + 1)[:, None] + _np.arange(w)[None, :]).astype(_np.int64)
        x = moveaxis(take(x, idx, axis=ax), ax + 1, -1)
    return x


def sliding_window_view(x, window_shape, axis=None, *, subok: bool = False,
                        writeable: bool = False):
    """NumPy's ``sliding_window_view``: every window of ``window_shape`` over ``axis`` (all
    axes when None; an axis may repeat), the window's dims last. On a Tensor the result is a
    recorded gather whose adjoint sums the gradients of overlapping windows; it refuses
    writes, as NumPy's read-only view, and reads ``x`` again after ``x`` is written in place.

    Example: ``gnp.sliding_window_view(x, 3)`` (shape ``(n - 2, 3)`` for a 1-d ``x``)"""
    window = (tuple(_operator.index(w) for w in window_shape)
              if _np.iterable(window_shape) else (_operator.index(window_shape),))
    if any(w < 0 for w in window):
        raise ValueError("sliding_window_view: `window_shape` cannot contain negative values, "
                         f"got {window}")
    if not isinstance(x, Tensor):
        from .._numpy_protocol import as_array_arg

        x = as_array_arg(x)
        own = getattr(getattr(getattr(get_backend().xp, "lib", None), "stride_tricks", None),
                      "sliding_window_view", None)
        if not isinstance(x, Tensor) and own is not None:  # the backend's own view
            return own(get_backend().xp.asarray(x), window, axis, subok=subok,
                       writeable=writeable)
        if not isinstance(x, Tensor):
            x = get_backend().xp.asarray(x)
    nd = x.ndim
    if axis is None:
        axes = tuple(range(nd))
        if len(window) != nd:
            raise ValueError(f"sliding_window_view: since axis is None, window_shape must have "
                             f"one entry per dimension of x (shape {x.shape}), got {window}")
    else:
        given = (axis,) if isinstance(axis, int | _np.integer) else tuple(axis)
        axes = tuple(one_axis(a, nd, "sliding_window_view") for a in given)
        if len(window) != len(axes):
            raise ValueError(f"sliding_window_view: window_shape {window} and axis {axis} must "
                             f"have the same length")
    trimmed = list(x.shape)
    for ax, w in zip(axes, window, strict=True):
        if trimmed[ax] < w:
            raise ValueError(f"sliding_window_view: window shape {window} cannot be larger than "
                             f"the input array's shape {x.shape} (along axis {ax})")
        trimmed[ax] -= w - 1
    if writeable:
        raise NotImplementedError(
            "sliding_window_view(writeable=True): NumPy's writeable view aliases each element "
            "of x in several windows, and writes through it change x; gpuad's windows are a "
            "recorded copy, so such writes could not reach x. Write into x itself, or into a "
            "copy of the windows (gnp.copy(sliding_window_view(x, ...)))")

    def redo(src):
        return _windows(src, axes, window)

    from .._readonly import mark
    from ..tensor import ReadOnlyCopy

    r = redo(x)
    if not isinstance(r, Tensor):
        return r
    if r.__class__ is Tensor:
        ReadOnlyCopy.attach(r, "sliding_window_view (a copy of its windows)", x, redo)
    return mark(r, "windows of sliding_window_view",
                "NumPy's windows are a read-only view (writeable=False) and gpuad's a copy; "
                "write into x itself, or into gnp.copy(windows)")


def as_strided(x, shape=None, strides=None, subok: bool = False, writeable: bool = True):
    """Refused on Tensors: a view with arbitrary strides reads (and writes) memory by byte
    offsets, which a recorded program cannot follow; backend arrays get the backend's own."""
    if isinstance(x, Tensor):
        raise NotImplementedError(
            f"numpy.lib.stride_tricks.as_strided on a Tensor of shape {x.shape}: a view with "
            f"arbitrary byte strides (elements aliased, or read past the array) is not "
            f"something gpuad can record exactly. Use gnp.lib.stride_tricks.sliding_window_view "
            f"(overlapping windows; the adjoint sums the overlaps), gnp.broadcast_to (zero "
            f"strides), or slicing/reshape/transpose for other views")
    return get_backend().xp.lib.stride_tricks.as_strided(x, shape, strides, subok=subok,
                                                  writeable=writeable)


# (x is converted here; window_shape is sizes, never an array)
sliding_window_view._takes_containers = as_strided._takes_containers = True
__all__ = ["sliding_window_view"]
