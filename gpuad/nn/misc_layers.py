"""Smaller pieces of ``torch.nn`` with torch's arguments: ``rms_norm``/``RMSNorm``,
``Unflatten``, ``Softmax2d``, ``channel_shuffle``/``ChannelShuffle``, ``pdist``,
``local_response_norm``/``LocalResponseNorm``, ``CrossMapLRN2d``, ``gumbel_softmax``,
``lp_pool1d/2d/3d`` and ``LPPool1d/2d/3d``, ``max_unpool1d/2d/3d`` and ``MaxUnpool1d/2d/3d``,
``multilabel_margin_loss``/``MultiLabelMarginLoss`` and
``triplet_margin_with_distance_loss``/``TripletMarginWithDistanceLoss``.

All are compositions of gpuad primitives, differentiable to any order; where torch's backward
picks a gradient at a kink (``pdist`` at a zero distance, ``max_unpool`` with repeated
indices) the composition picks the same.

Example::

    import gpuad.nn as nn
    y = nn.RMSNorm(16)(h)
    z = nn.functional.gumbel_softmax(logits, tau=0.5, hard=True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _value_checks as _vc
from .. import numpy as gnp
from .. import rules as _r
from .._at import at
from .._numpy_protocol import stop_gradient
from .._raw import _xp, data
from . import init
from .activations import softmax
from .distances import lp_of_differences
from .losses import _check_reduction, _Loss
from .modules import Module, Parameter

__all__ = [
    "rms_norm", "RMSNorm", "Unflatten", "Softmax2d", "channel_shuffle", "ChannelShuffle",
    "pdist", "local_response_norm", "LocalResponseNorm", "CrossMapLRN2d", "gumbel_softmax",
    "lp_pool1d",
    "lp_pool2d", "lp_pool3d", "LPPool1d", "LPPool2d", "LPPool3d", "max_unpool1d",
    "max_unpool2d", "max_unpool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
    "multilabel_margin_loss", "MultiLabelMarginLoss", "triplet_margin_with_distance_loss",
    "TripletMarginWithDistanceLoss",
]  # fmt: skip

Array = Any


def _reduce(loss: Array, reduction: str) -> Array:
    _check_reduction(reduction)
    if reduction == "mean":
        return gnp.mean(loss)
    return gnp.sum(loss) if reduction == "sum" else loss


def _shape_tuple(v: int | tuple[int, ...]) -> tuple[int, ...]:
    return (int(v),) if isinstance(v, int | np.integer) else tuple(int(u) for u in v)


# ---- normalisation ----------------------------------------------------------------------------


def rms_norm(
    input: Array,
    normalized_shape: int | tuple[int, ...],
    weight: Array | None = None,
    eps: float | None = None,
) -> Array:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape`` dims, as
    ``torch.nn.functional.rms_norm`` (``eps=None``: the machine epsilon of x's dtype).

    Example: ``F.rms_norm(h, (16,), gamma)``
    """
    ns = _shape_tuple(normalized_shape)
    s = tuple(_r.shape(input))
    if len(ns) == 0 or s[len(s) - len(ns) :] != ns or len(ns) > len(s):
        raise ValueError(
            f"rms_norm: normalized_shape {ns} must be the trailing dims of the input, got shape {s}"
        )
    if weight is not None and tuple(_r.shape(weight)) != ns:
        raise ValueError(f"rms_norm: weight must have shape {ns}, got {tuple(_r.shape(weight))}")
    if eps is None:
        eps = float(np.finfo(data(input).dtype).eps)
    axes = tuple(range(-len(ns), 0))
    y = input / gnp.sqrt(gnp.mean(input * input, axis=axes, keepdims=True) + eps)
    return y if weight is None else y * weight


class RMSNorm(Module):
    """Root-mean-square normalisation of the trailing dims with a learnable scale (ones).

    Example: ``nn.RMSNorm([4, 8], eps=1e-6)(x)``
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = float,
    ) -> None:
        self.normalized_shape, self.eps = _shape_tuple(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        self.weight = (
            Parameter(init.ones(self.normalized_shape, dtype)) if elementwise_affine else None
        )

    def forward(self, input: Array) -> Array:
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


def local_response_norm(
    input: Array, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Array:
    """``x / (k + alpha * mean of x**2 over `size` neighbouring channels) ** beta``, the
    window zero-padded, as ``torch.nn.functional.local_response_norm``; input (N, C, *).

    Example: ``F.local_response_norm(x, 5)``
    """
    s = tuple(_r.shape(input))
    if len(s) < 3:
        raise ValueError(
            f"local_response_norm: expected an input (N, C, *) of 3 or more dims, got shape {s}"
        )
    if size < 1:
        raise ValueError(f"local_response_norm: size must be >= 1, got {size}")
    c = s[1]
    sq = gnp.pad(input * input, ((0, 0), (size // 2, (size - 1) // 2)) + ((0, 0),) * (len(s) - 2))
    total = None
    for j in range(size):
        part = gnp.getitem(sq, (slice(None), slice(j, j + c)))
        total = part if total is None else total + part
    return input / (total / size * alpha + k) ** beta


class LocalResponseNorm(Module):
    """:func:`local_response_norm` as a module. Example: ``nn.LocalResponseNorm(2)(x)``"""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Array) -> Array:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """Lua Torch's cross-channel LRN on (N, C, H, W): ``x / (k + alpha / size * s) ** beta``
    with ``s`` the sum of ``x**2`` over channels ``c - h .. c + h`` (none beyond the ends),
    ``h = (size - 1) // 2``, as ``torch.nn.CrossMapLRN2d`` defines it. For an odd ``size`` it is
    ``LocalResponseNorm(size, alpha, beta, k)``. Torch's Python port computes this where every
    channel's window reaches channel 0 (C at most ``h + 1``); beyond that its forward also adds
    channel 0 into the sums of channels ``h + 1`` and later. Its backward shifts the window by
    one channel (so it is not the gradient of its forward even for small C); gpuad
    differentiates the definition.

    Example: ``nn.CrossMapLRN2d(5, alpha=1e-4, beta=0.75, k=2)(x)``
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1):
        if size < 1:
            raise ValueError(f"CrossMapLRN2d: size must be >= 1, got {size}")
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Array) -> Array:
        s = tuple(_r.shape(input))
        if len(s) != 4:
            raise ValueError(f"CrossMapLRN2d: expected a 4-d input (N, C, H, W), got shape {s}")
        h, c = (self.size - 1) // 2, s[1]
        sq = gnp.pad(input * input, ((0, 0), (h, h), (0, 0), (0, 0)))
        total = None
        for j in range(2 * h + 1):
            part = gnp.getitem(sq, (slice(None), slice(j, j + c)))
            total = part if total is None else total + part
        return input / (total * (self.alpha / self.size) + self.k) ** self.beta

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


# ---- shapes -----------------------------------------------------------------------------------


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1), as torch.

    Example: ``nn.Unflatten(1, (2, 3))`` maps (N, 6) to (N, 2, 3).
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        if not isinstance(unflattened_size, tuple | list):
            raise TypeError(
                f"Unflatten: unflattened_size must be a tuple or list of ints, got "
                f"{type(unflattened_size).__name__}"
            )
        for i, v in enumerate(unflattened_size):
            if not isinstance(v, int | np.integer) or isinstance(v, bool):
                raise TypeError(
                    f"Unflatten: unflattened_size must be tuple of ints, but found element "
                    f"of type {type(v).__name__} at pos {i}"
                )
        self.dim, self.unflattened_size = dim, tuple(int(v) for v in unflattened_size)

    def forward(self, input: Array) -> Array:
        s = tuple(_r.shape(input))
        d = self.dim + len(s) if self.dim < 0 else self.dim
        if not 0 <= d < len(s):
            raise ValueError(f"Unflatten: dim {self.dim} is out of range for shape {s}")
        u = self.unflattened_size
        known = math.prod(v for v in u if v != -1)
        if (-1 not in u and known != s[d]) or (-1 in u and (known == 0 or s[d] % known)):
            raise ValueError(
                f"Unflatten: dim {self.dim} of shape {s} (size {s[d]}) cannot be split into {u}"
            )
        return gnp.reshape(input, s[:d] + u + s[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W). Example: ``nn.Softmax2d()(x)``"""

    def forward(self, input: Array) -> Array:
        s = tuple(_r.shape(input))
        if len(s) not in (3, 4):
            raise ValueError(
                f"Softmax2d: expected an input (N, C, H, W) or (C, H, W), got shape {s}"
            )
        return softmax(input, -3)


def channel_shuffle(input: Array, groups: int) -> Array:
    """Interleave the channels of ``groups`` groups: (N, g*k, *) -> (N, k*g, *), as torch.

    Example: ``F.channel_shuffle(x, 2)`` reorders 4 channels to 0, 2, 1, 3.
    """
    s = tuple(_r.shape(input))
    if len(s) < 3:
        raise ValueError(
            f"channel_shuffle: expected an input (N, C, *) of 3 or more dims, got shape {s}"
        )
    if groups < 1 or s[1] % groups:
        raise ValueError(
            f"channel_shuffle: groups={groups} must be positive and divide the "
            f"{s[1]} channels of the input of shape {s}"
        )
    y = gnp.reshape(input, (s[0], groups, s[1] // groups) + s[2:])
    return gnp.reshape(gnp.swapaxes(y, 1, 2), s)


class ChannelShuffle(Module):
    """:func:`channel_shuffle` as a module. Example: ``nn.ChannelShuffle(2)(x)``"""

    def __init__(self, groups: int) -> None:
        self.groups = groups

    def forward(self, input: Array) -> Array:
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


# ---- distances --------------------------------------------------------------------------------


def pdist(input: Array, p: float = 2.0) -> Array:
    """The ``p``-norm distances between the rows of ``input`` (N, M), pairs (i < j) in
    row-major order, as ``torch.nn.functional.pdist``; a zero distance passes no gradient
    (torch's), ``p=inf`` passes it to every largest difference.

    Example: ``F.pdist(points)`` has N*(N-1)/2 entries.
    """
    s = tuple(_r.shape(input))
    if len(s) != 2:
        raise ValueError(f"pdist: expected a 2-d input (N, M), got shape {s}")
    if p < 0:
        raise ValueError(f"pdist: p must be >= 0, got {p}")
    i, j = np.triu_indices(s[0], 1)
    xp = _xp(data(input))
    diff = gnp.take(input, xp.asarray(i), axis=0) - gnp.take(input, xp.asarray(j), axis=0)
    return lp_of_differences(diff, p)


# ---- random -----------------------------------------------------------------------------------


def gumbel_softmax(
    logits: Array, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Array:
    """``softmax((logits + g) / tau)`` with Gumbel noise ``g = -log(Exp(1))`` drawn from
    ``gpuad.numpy.random``; ``hard=True`` returns the one-hot argmax with the soft sample's
    gradient (straight-through), as ``torch.nn.functional.gumbel_softmax``.

    Example: ``F.gumbel_softmax(logits, tau=0.5, hard=True)``
    """
    s = tuple(_r.shape(logits))
    noise = gnp.random.exponential(1.0, s).astype(data(logits).dtype)
    y = softmax((logits - gnp.log(noise)) / tau, dim)
    if not hard:
        return y
    soft = data(y)
    top = gnp.argmax(soft, axis=dim)
    axis = dim + len(s) if dim < 0 else dim
    onehot = (
        gnp.expand_dims(top, axis)
        == gnp.reshape(_xp(soft).arange(s[axis]), (-1,) + (1,) * (len(s) - axis - 1))
    ).astype(soft.dtype)
    return onehot - stop_gradient(y) + y


# ---- pooling ----------------------------------------------------------------------------------


def _lp_pool(
    nd: int, input: Array, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool
) -> Array:
    from . import pooling
    from .conv import _tuple
    from .functional import avg_pool2d

    op = f"lp_pool{nd}d"
    k = _tuple(op, "kernel_size", kernel_size, nd)
    empty = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    st = k if empty else _tuple(op, "stride", stride, nd)
    if min(k) < 1 or min(st) < 1:
        raise ValueError(f"{op}: kernel_size and stride must be >= 1, got {k} and {st}")
    pool = {1: pooling.avg_pool1d, 2: avg_pool2d, 3: pooling.avg_pool3d}[nd]
    out = pool(input**norm_type, k, stride, 0, ceil_mode)
    # torch's sign(out) * relu(|out|) is out with a zero derivative where out is 0, where
    # the root's derivative is infinite: the window's gradient is 0 there, not inf * 0
    zero = stop_gradient(out) == 0
    base = gnp.where(zero, 1.0, out * math.prod(k))
    return gnp.where(zero, 0.0, base ** (1.0 / norm_type))


def lp_pool1d(
    input: Array, norm_type: float, kernel_size: int, stride: Any = None, ceil_mode: bool = False
) -> Array:
    """``(sum over each window of x**p) ** (1/p)``, as torch. Example: ``F.lp_pool1d(x, 2, 3)``"""
    return _lp_pool(1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(
    input: Array, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Array:
    """2-d :func:`lp_pool1d`. Example: ``F.lp_pool2d(x, 2, (2, 3))``"""
    return _lp_pool(2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(
    input: Array, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Array:
    """3-d :func:`lp_pool1d`. Example: ``F.lp_pool3d(x, 1, 2)``"""
    return _lp_pool(3, input, norm_type, kernel_size, stride, ceil_mode)


def _lp_module(nd: int) -> type:
    fn = (lp_pool1d, lp_pool2d, lp_pool3d)[nd - 1]

    class LPPool(Module):
        def __init__(
            self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
        ) -> None:
            self.norm_type, self.kernel_size = norm_type, kernel_size
            self.stride, self.ceil_mode = stride, ceil_mode

        def forward(self, input: Array) -> Array:
            return fn(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

        def extra_repr(self) -> str:
            return (
                f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}"
            )

    LPPool.__name__ = LPPool.__qualname__ = f"LPPool{nd}d"
    LPPool.__doc__ = f"``lp_pool{nd}d`` as a module. Example: ``nn.LPPool{nd}d(2, 3)(x)``"
    return LPPool


LPPool1d, LPPool2d, LPPool3d = _lp_module(1), _lp_module(2), _lp_module(3)


def _max_unpool(
    nd: int,
    input: Array,
    indices: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_size: Any,
) -> Array:
    from .conv import _tuple

    op = f"max_unpool{nd}d"
    s = tuple(_r.shape(input))
    idx = gnp.asarray(data(indices))
    if len(s) not in (nd + 1, nd + 2) or tuple(_r.shape(idx)) != s:
        raise ValueError(
            f"{op}: expected an input (N, C, *{nd} dims) or (C, *{nd} dims) and "
            f"indices of the same shape, got {s} and {tuple(_r.shape(idx))}"
        )
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got dtype {idx.dtype}")
    k = _tuple(op, "kernel_size", kernel_size, nd)
    empty = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    st = k if empty else _tuple(op, "stride", stride, nd)
    if min(k) < 1 or min(st) < 1:
        raise ValueError(f"{op}: kernel_size and stride must be >= 1, got {k} and {st}")
    empty = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    st = k if empty else _tuple(op, "stride", stride, nd)
    p = _tuple(op, "padding", padding, nd)
    sp = s[-nd:]
    default = tuple((n - 1) * si - 2 * pi + ki for n, si, pi, ki in zip(sp, st, p, k, strict=True))
    if output_size is None:
        out = default
    else:
        out = tuple(int(v) for v in output_size)[-nd:]
        if len(tuple(output_size)) not in (nd, len(s)):
            raise ValueError(
                f"{op}: output_size must have {nd} or {len(s)} entries, got {tuple(output_size)}"
            )
        # torch's range: the sizes a pooling of this kernel and stride maps onto the input's
        if any(not (d - si < o < d + si) for o, d, si in zip(out, default, st, strict=True)):
            raise ValueError(
                f"{op}: output_size {out} is not one a pooling with kernel {k}, stride {st} "
                f"and padding {p} maps onto an input of spatial size {sp}: each must lie "
                f"strictly between {tuple(d - si for d, si in zip(default, st, strict=True))} "
                f"and {tuple(d + si for d, si in zip(default, st, strict=True))}")
    lead = s[:-nd]
    rows = math.prod(lead)
    flat_x = gnp.reshape(input, (rows, -1))
    flat_i = gnp.reshape(idx, (rows, -1))
    n_out = math.prod(out)
    if data(flat_i).size:
        _vc.run(
            _vc.Check(
                f"{op}_indices",
                lambda xp, i: (i < 0) | (i >= n_out),
                lambda count, first: IndexError(
                    f"{op}: indices must lie in [0, {n_out}) for an output of "
                    f"spatial size {out}; got {count} outside it, the first being "
                    f"{first}"
                ),
                values=lambda xp, i: i,
            ),
            flat_i,
        )
    # the value written is the last of repeated indices (torch's forward), and only it gets
    # the output's gradient at its index (torch's backward passes the overwritten ones one too)
    y = _unpool_put()(flat_x, flat_i, n_out)
    return gnp.reshape(y, lead + out)


_UNPOOL_PUT: list = []


def _unpool_put() -> Callable:
    """``put(x, i, n)``: each row of ``x`` (rows, m) written at its indices ``i`` into a zero
    (rows, n) array, the last of repeated indices kept (torch's forward); its tangent is
    ``x``'s tangent put the same way, so an overwritten element gets no gradient (torch's
    backward gives it its index's). As a rule of its own, not ``put + (added -
    stop_gradient(added))``, whose value was NaN wherever an infinite ``x`` was written."""
    if not _UNPOOL_PUT:
        from functools import partial

        from ..custom import custom_jvp

        def rows(i: Any) -> Any:
            return _xp(data(i)).arange(_r.shape(i)[0])[:, None]

        @partial(custom_jvp, nondiff_argnums=(2,))
        def put(x: Array, i: Any, n: int) -> Array:
            zeros = gnp.zeros((_r.shape(i)[0], n), data(x).dtype)
            return at(zeros)[rows(i), i].set(stop_gradient(x))

        @put.defjvp
        def _put_jvp(n: int, primals: tuple, tangents: tuple) -> tuple:
            (x, i), (t, _) = primals, tangents
            zeros = gnp.zeros((_r.shape(i)[0], n), data(t).dtype)
            return put(x, i, n), at(zeros)[rows(i), i].set(t)

        _UNPOOL_PUT.append(put)
    return _UNPOOL_PUT[0]


def max_unpool1d(
    input: Array,
    indices: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Array:
    """Place each value at its index (from ``max_pool1d(..., return_indices=True)``) in a zero
    output, as torch. Example: ``F.max_unpool1d(y, idx, 2)``"""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(
    input: Array,
    indices: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Array:
    """2-d :func:`max_unpool1d`; indices are flat in each (H, W) plane.
    Example: ``F.max_unpool2d(y, idx, 2)``"""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(
    input: Array,
    indices: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Array:
    """3-d :func:`max_unpool1d`. Example: ``F.max_unpool3d(y, idx, 2)``"""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


def _unpool_module(nd: int) -> type:
    fn = (max_unpool1d, max_unpool2d, max_unpool3d)[nd - 1]

    class MaxUnpool(Module):
        def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
            self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

        def forward(self, input: Array, indices: Any, output_size: Any = None) -> Array:
            return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

        def extra_repr(self) -> str:
            return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    MaxUnpool.__name__ = MaxUnpool.__qualname__ = f"MaxUnpool{nd}d"
    MaxUnpool.__doc__ = (
        f"``max_unpool{nd}d`` as a module. Example: ``nn.MaxUnpool{nd}d(2)(y, idx)``"
    )
    return MaxUnpool


MaxUnpool1d, MaxUnpool2d, MaxUnpool3d = _unpool_module(1), _unpool_module(2), _unpool_module(3)


# ---- losses -----------------------------------------------------------------------------------


def multilabel_margin_loss(
    input: Array, target: Any, size_average: Any = None, reduce: Any = None, reduction: str = "mean"
) -> Array:
    """``sum over target classes j and other classes i of max(0, 1 - (x[j] - x[i])) / C``;
    ``target`` (the shape of an input (N, C); C entries for an input (C,) or (), one class)
    lists class indices ended by -1, as ``torch.nn.functional.multilabel_margin_loss``.

    Example: ``F.multilabel_margin_loss(x, gnp.asarray([[3, 0, -1, 1]]))``
    """
    op = "multilabel_margin_loss"
    if size_average is not None or reduce is not None:
        raise TypeError(f"{op}: size_average and reduce are deprecated; pass reduction=")
    _check_reduction(reduction)
    s = tuple(_r.shape(input))
    t = gnp.asarray(data(target))
    ts = tuple(_r.shape(t))
    c = s[-1] if s else 1
    fits = ts == s if len(s) == 2 else len(ts) <= 1 and math.prod(ts) == c
    if len(s) > 2 or not fits:
        raise ValueError(
            f"{op}: expected an input (N, C) and a target of the same shape, or an input "
            f"(C,) or () (one class) and a target of C entries; got {s} and {ts}"
        )
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class indices, got dtype {t.dtype}")
    x = input if len(s) == 2 else gnp.reshape(input, (1, c))
    tr = gnp.reshape(data(t), _r.shape(x))  # (traced by gpuad.jit: masks are recorded)
    valid = gnp.cumprod(tr >= 0, axis=1) > 0  # the labels before the first -1
    if math.prod(s):
        _vc.run(
            _vc.Check(
                f"{op}_target",
                lambda xp, t: t >= c,
                lambda count, first: IndexError(
                    f"{op}: target labels must lie in [0, {c}) or be -1 (the end of "
                    f"a sample's list); got {count} at or above {c}, the first "
                    f"being {first}"
                ),
                values=lambda xp, t: t,
            ),
            tr,
        )
    lab = gnp.where(valid, tr, 0)
    classes = _xp(data(x)).arange(c)
    is_target = gnp.any((gnp.expand_dims(lab, 2) == classes) & gnp.expand_dims(valid, 2), axis=1)
    xy = gnp.take_along_axis(x, lab, 1)  # (N, C): x at each listed label
    margin = 1.0 - gnp.expand_dims(xy, 2) + gnp.expand_dims(x, 1)  # (N, label pos, class)
    use = gnp.expand_dims(valid, 2) & ~gnp.expand_dims(is_target, 1)
    hinge = gnp.where(use & (data(margin) > 0), margin, 0.0)
    loss = gnp.sum(hinge, axis=(1, 2)) / c
    return _reduce(loss if len(s) == 2 else loss[0], reduction)


class MultiLabelMarginLoss(_Loss):
    """:func:`multilabel_margin_loss` as a module. Example: ``nn.MultiLabelMarginLoss()``"""

    def forward(self, input: Array, target: Any) -> Array:
        return multilabel_margin_loss(input, target, reduction=self.reduction)


def triplet_margin_with_distance_loss(
    anchor: Array,
    positive: Array,
    negative: Array,
    *,
    distance_function: Callable | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Array:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with any distance (default
    ``pairwise_distance``); ``swap`` takes ``min(d(a, n), d(p, n))``, as torch.

    Example: ``F.triplet_margin_with_distance_loss(a, p, n, distance_function=cos_dist)``
    """
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: margin must be > 0, got {margin}")
    _check_reduction(reduction)
    if distance_function is None:
        from .similarity import pairwise_distance as distance_function
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = gnp.minimum(d_neg, distance_function(positive, negative))
    z = margin + d_pos - d_neg
    return _reduce(gnp.where(data(z) >= 0, z, 0.0), reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """:func:`triplet_margin_with_distance_loss` as a module.

    Example: ``nn.TripletMarginWithDistanceLoss(distance_function=F.pairwise_distance)``
    """

    def __init__(
        self,
        *,
        distance_function: Callable | None = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: margin must be > 0, got {margin}")
        self.distance_function, self.margin, self.swap = distance_function, margin, swap

    def forward(self, anchor: Array, positive: Array, negative: Array) -> Array:
        return triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=self.distance_function,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )
