"""Fractional max pooling (Graham, 2014), as torch's ``fractional_max_pool2d/3d`` and
``FractionalMaxPool2d/3d``: windows of a fixed size whose starts advance by a fractional
stride ``alpha = (in - k) / (out - 1)``, placed by one random number ``u`` in [0, 1) per
example, channel and axis: window ``i`` starts at ``floor((i + u) * alpha) - floor(u * alpha)``
and the last at ``in - k``.

``_random_samples`` (N, C, nd) fixes ``u`` (torch's argument, which makes the pooling
deterministic); without it the numbers are drawn from ``gpuad.numpy.random``. Axis ``j`` of
the samples places the windows along spatial axis ``nd - 1 - j`` in 2-d (the width first) and
along axis ``j`` in 3-d, as torch's kernels do. The maximum of each window is its first
largest entry (a NaN wins); ``return_indices`` gives its flat index within the plane.

Example::

    y = F.fractional_max_pool2d(x, 2, output_ratio=0.5)
    y, idx = nn.FractionalMaxPool2d(3, output_size=(4, 4), return_indices=True)(x)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._raw import _xp, data
from .modules import Module

Array = Any


def _tuple(v: Any, nd: int, what: str, op: str) -> tuple:
    t = tuple(v) if isinstance(v, tuple | list) else (v,) * nd
    if len(t) != nd:
        raise ValueError(f"{op}: {what} must be one value or {nd}, got {v!r}")
    return t


def _starts(u: np.ndarray, size: int, out: int, k: int) -> np.ndarray:
    """Window starts (..., out) along one axis for the samples ``u`` (...)."""
    s = np.empty(u.shape + (out,), dtype=np.int64)
    if out > 1:
        alpha = (size - k) / (out - 1)
        i = np.arange(out - 1, dtype=np.float64)
        s[..., :-1] = (np.floor((i + u[..., None]) * alpha)
                       - np.floor(u[..., None] * alpha)).astype(np.int64)
    if out > 0:
        s[..., -1] = size - k
    return s


def _fractional_max_pool(nd: int, input: Array, kernel_size: Any, output_size: Any,
                         output_ratio: Any, return_indices: bool, samples: Any) -> Any:
    op = f"fractional_max_pool{nd}d"
    shape = tuple(_r.shape(input))
    if len(shape) not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expected an input of {nd + 1} or {nd + 2} dims, got {shape}")
    unbatched = len(shape) == nd + 1
    x = gnp.expand_dims(input, 0) if unbatched else input
    n, c, space = (*tuple(_r.shape(x))[:2], tuple(_r.shape(x))[2:])
    k = _tuple(kernel_size, nd, "kernel_size", op)
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op}: pass output_size or output_ratio")
    if output_size is None:
        ratio = _tuple(output_ratio, nd, "output_ratio", op)
        out = tuple(int(s * r) for s, r in zip(space, ratio, strict=True))
    else:
        out = _tuple(output_size, nd, "output_size", op)
    if c == 0 or 0 in space:
        raise ValueError(
            f"{op}: expected an input with non-zero channels and spatial sizes (the batch may "
            f"be empty), got shape {shape}")
    for s, o, kk in zip(space, out, k, strict=True):
        # an output size of 0 gives an empty result, as torch's
        if kk < 1 or o < 0 or o + kk - 1 > s:
            raise ValueError(
                f"{op}: output size {out} with kernel {k} does not fit the input's spatial "
                f"size {space} (each output + kernel - 1 must be at most the input size)")
    if samples is None:
        u = np.asarray(_host(gnp.random.random((n, c, nd))), dtype=np.float64)
    else:
        u = np.asarray(_host(data(samples)), dtype=np.float64)
        if u.ndim != 3 or u.shape[0] < n or u.shape[1:] != (c, nd):
            raise ValueError(f"{op}: _random_samples must have shape {(n, c, nd)} for an "
                             f"input of shape {shape}, got {u.shape}")
        u = u[:n]  # torch reads the first rows of a longer one
    axis_of = [nd - 1 - j for j in range(nd)] if nd == 2 else list(range(nd))
    starts = [None] * nd
    for j, ax in enumerate(axis_of):
        starts[ax] = _starts(u[..., j], space[ax], out[ax], k[ax])  # (n, c, out[ax])
    # flat index within the plane of every (output position, window offset)
    strides = [math.prod(space[d + 1:]) for d in range(nd)]
    flat = np.zeros((n, c) + out + k, dtype=np.int64)
    for d in range(nd):
        pos = starts[d][..., :, None] + np.arange(k[d])  # (n, c, out[d], k[d])
        view = [n, c] + [1] * (2 * nd)
        view[2 + d], view[2 + nd + d] = out[d], k[d]
        flat = flat + (pos * strides[d]).reshape(view)
    p, kk = math.prod(out), math.prod(k)
    xp = _xp(data(x))
    flat = xp.asarray(flat.reshape(n, c, p * kk))
    planes = gnp.reshape(x, (n, c, math.prod(space)))  # (no -1: the batch may be empty)
    vals = gnp.reshape(gnp.take_along_axis(planes, flat, 2), (n, c, p, kk))
    # the window's largest value, or its last NaN (torch's pick); gnp ops, so vmap batches them
    nan = gnp.isnan(vals)
    last_nan = (kk - 1) - gnp.argmax(gnp.flip(nan, -1), axis=-1)
    pick = gnp.expand_dims(
        gnp.where(gnp.any(nan, axis=-1), last_nan, gnp.argmax(vals, axis=-1)), -1)
    y = gnp.reshape(gnp.take_along_axis(vals, pick, -1), (n, c) + out)
    if unbatched:
        y = gnp.squeeze(y, 0)
    if not return_indices:
        return y
    idx = gnp.reshape(gnp.take_along_axis(gnp.reshape(flat, (n, c, p, kk)), pick, -1),
                      (n, c) + out)
    idx = data(idx)
    return y, (idx[0] if unbatched else idx)


def _host(a: Any) -> Any:
    return a.get() if hasattr(a, "get") else a


def fractional_max_pool2d(input: Array, kernel_size: Any, output_size: Any = None,
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None) -> Any:
    """Fractional max pooling over the last two axes of (N, C, H, W) or (C, H, W) ``input``.
    Example: ``F.fractional_max_pool2d(x, 2, output_ratio=0.5)``"""
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool3d(input: Array, kernel_size: Any, output_size: Any = None,
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None) -> Any:
    """Fractional max pooling over the last three axes of (N, C, D, H, W) or (C, D, H, W).
    Example: ``F.fractional_max_pool3d(x, 2, output_size=(3, 3, 3))``"""
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


class _FractionalMaxPool(Module):
    _nd = 2

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Any = None) -> None:
        name, nd = type(self).__name__, self._nd
        if (output_size is None) == (output_ratio is None):
            raise ValueError(f"{name}: pass exactly one of output_size and output_ratio")
        if output_ratio is not None and not all(
                0 < r < 1 for r in _tuple(output_ratio, nd, "output_ratio", name)):
            raise ValueError(f"{name}: output_ratio must lie in (0, 1), got {output_ratio}")
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size", name)
        self.output_size = None if output_size is None else \
            _tuple(output_size, nd, "output_size", name)
        self.output_ratio = None if output_ratio is None else \
            _tuple(output_ratio, nd, "output_ratio", name)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)  # in state_dict, as torch's

    def forward(self, input: Array) -> Any:
        return _fractional_max_pool(self._nd, input, self.kernel_size, self.output_size,
                                    self.output_ratio, self.return_indices,
                                    self._random_samples)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, output_size={self.output_size}, "
                f"output_ratio={self.output_ratio}")


class FractionalMaxPool2d(_FractionalMaxPool):
    """``fractional_max_pool2d`` as a module.
    Example: ``nn.FractionalMaxPool2d(2, output_ratio=0.5)``"""

    _nd = 2


class FractionalMaxPool3d(_FractionalMaxPool):
    """``fractional_max_pool3d`` as a module.
    Example: ``nn.FractionalMaxPool3d(2, output_size=3)``"""

    _nd = 3
