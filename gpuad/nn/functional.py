"""Stateless neural-network functions: activations, losses, layers with explicit weights.

Every function takes Tensors or backend arrays and is differentiable to any order (built from
gpuad primitives only), so it runs unchanged on the NumPy and the CuPy backend.

Example::

    import gpuad.nn.functional as F
    loss = F.cross_entropy(F.linear(x, w, b), labels)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _value_checks as _vc
from .. import numpy as gnp
from .. import rules as _r
from .._raw import (
    _xp,
    data,  # named data: gpuad.jit redirects it here while tracing
)
from .._softmax import log_softmax, logsumexp, softmax, softplus
from .._softmax import softplus as _softplus_plain  # no threshold: exact for large logits
from ..tensor import Tensor
from ._real_inputs import real_input as _real_input
from .conv import (  # noqa: F401  (convolutions of 1-3 dims and their transposes)
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from .inplace_write import inplace_arg  # inplace=True: the result written into the input

__all__ = [
    "relu", "leaky_relu", "gelu", "silu", "tanh", "sigmoid", "softplus", "softmax",
    "log_softmax", "logsumexp", "linear", "dropout", "embedding", "layer_norm", "conv2d",
    "max_pool2d", "avg_pool2d", "flatten", "mse_loss", "cross_entropy",
    "binary_cross_entropy_with_logits", "nll_loss", "smooth_l1_loss",
]

Array = Any  # a Tensor or a backend array


def _raw(x: Array) -> Any:
    """The constant behind ``x`` (inside ``vmap``, a batched constant; while ``gpuad.jit``
    traces, a traced value stays a Tensor so that masks built from it are recorded)."""
    return data(x)


def _reduce(x: Array, reduction: str) -> Array:
    if reduction == "mean":
        return gnp.mean(x)
    if reduction == "sum":
        return gnp.sum(x)
    if reduction == "none":
        return x
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


# ---- activations ------------------------------------------------------------------------------

def relu(x: Array, inplace: bool = False) -> Array:
    """``max(x, 0)``; the derivative at 0 is taken to be 0. ``inplace=True`` writes the result
    into ``x`` (recorded, as ``relu_``) and returns ``x``. Example: ``relu(x @ w)``"""
    _real_input("relu", x)
    if inplace:
        return inplace_arg("relu", _r.relu, x)
    return _r.relu(x)


def leaky_relu(x: Array, negative_slope: float = 0.01, inplace: bool = False) -> Array:
    """``x`` where ``x > 0``, else ``negative_slope * x``. Example: ``leaky_relu(x, 0.2)``"""
    if inplace:
        return inplace_arg("leaky_relu", leaky_relu, x, negative_slope)
    return gnp.where(_real_input("leaky_relu", x) > 0, x, x * negative_slope)


def gelu(x: Array) -> Array:
    """Exact GELU, ``x * Phi(x) = x/2 * (1 + erf(x / sqrt 2))``. Example: ``gelu(x)``"""
    return 0.5 * x * (1.0 + _r.erf(x * (1.0 / math.sqrt(2.0))))


def sigmoid(x: Array) -> Array:
    """Logistic sigmoid, stable for large ``|x|`` (``1 / (1 + exp(-z))`` for complex values,
    as torch). Example: ``sigmoid(x)``"""
    if isinstance(x, complex) or getattr(data(x), "dtype", np.dtype(float)).kind == "c":
        return _r.reciprocal(1 + _r.exp(-x))
    return _r.sigmoid(x)


def silu(x: Array, inplace: bool = False) -> Array:
    """SiLU / swish, ``x * sigmoid(x)``. Example: ``silu(x)``"""
    if inplace:
        return inplace_arg("silu", silu, x)
    return x * sigmoid(x)  # (complex values too, as torch)


def tanh(x: Array) -> Array:
    """Hyperbolic tangent. Example: ``tanh(x)``"""
    return gnp.tanh(x)


# ---- layers with explicit weights -----------------------------------------------------------

def linear(x: Array, weight: Array, bias: Array | None = None) -> Array:
    """``x @ weight.T + bias`` with ``weight`` of shape (out, in), as ``torch.nn.functional``.

    Example: ``y = linear(x, w, b)``
    """
    y = gnp.matmul(x, gnp.transpose(weight))
    return y if bias is None else y + bias


def dropout(x: Array, p: float = 0.5, training: bool = True, inplace: bool = False) -> Array:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``;
    ``inplace=True`` writes the result into ``x`` (recorded) and returns ``x``.

    The mask is drawn from ``gpuad.numpy.random``, so ``gpuad.checkpoint`` replays exactly the
    same mask when it recomputes a block. Example: ``h = dropout(h, 0.1, training=True)``
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if inplace:
        return inplace_arg("dropout", dropout, x, p, training)
    if p == 1.0:
        return x * 0.0
    keep = gnp.random.random(_r.shape(x)) >= p
    return x * (keep.astype(_raw(x).dtype) * (1.0 / (1.0 - p)))


def embedding(indices: Any, weight: Array) -> Array:
    """Rows of ``weight`` picked by integer ``indices`` (any shape); the adjoint scatter-adds.

    An index outside ``[0, rows)`` (``-1`` included) raises ``IndexError``, as in torch.

    Example: ``vecs = embedding(token_ids, table)`` has shape ``token_ids.shape + (dim,)``.
    """
    idx = gnp.asarray(_raw(indices))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    raw, n = _raw(idx), _r.shape(weight)[0]
    if isinstance(raw, Tensor):  # batched by vmap: every example's indices, checked at once
        raw = raw._data
    if raw.size:  # -1 is not the last row; checked on every call of a compiled function
        _vc.run(_vc.Check("embedding_indices", lambda xp, i: (i < 0) | (i >= n),
                          lambda count, first: IndexError(
                              f"embedding: indices must lie in [0, {n}) for a table of {n} "
                              f"rows; got {count} outside it, the first being {first}"),
                          values=lambda xp, i: i), idx)
    return gnp.getitem(weight, idx)


def layer_norm(x: Array, normalized_shape: tuple[int, ...], weight: Array | None = None,
               bias: Array | None = None, eps: float = 1e-5) -> Array:
    """Normalise over the trailing ``normalized_shape`` dims, then scale and shift.

    Example: ``layer_norm(x, (3,), gamma, beta)``
    """
    if getattr(x, "dtype", None) == np.float16 and any(
            getattr(p, "dtype", None) == np.float32 for p in (weight, bias)):
        # torch normalises float16 by float32 parameters in float32 and returns float16
        return layer_norm(x.astype(np.float32), normalized_shape, weight, bias,
                          eps).astype(np.float16)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    xs = tuple(getattr(x, "shape", ()))
    if not ns:
        raise ValueError("layer_norm: normalized_shape must have at least one dim, got ()")
    if len(xs) < len(ns) or xs[len(xs) - len(ns):] != ns:
        raise ValueError(
            f"layer_norm: the input's trailing dims {xs} do not end in normalized_shape {ns}"
        )
    axes = tuple(range(-len(ns), 0))
    mu = gnp.mean(x, axis=axes, keepdims=True)
    d = x - mu
    var = gnp.mean(d * d, axis=axes, keepdims=True)
    y = d / gnp.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def _pair(v: int | tuple[int, int], op: str, name: str) -> tuple[int, int]:
    """An int or one or two ints as two, as torch reads a 2-d window's sizes."""
    if isinstance(v, int):
        return (v, v)
    t = tuple(int(u) for u in v)
    if len(t) == 1:
        return (t[0], t[0])
    if len(t) != 2:
        raise ValueError(f"{op}: {name} must be an int or two ints, got {v!r}")
    return t


def _pool_dim(op: str, n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """The number of windows along one dim, by torch's rule (with ``ceil_mode`` a last,
    partial window that starts inside the input or its left padding)."""
    span = d * (k - 1) + 1
    out = (n + 2 * p - span + ((s - 1) if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pool_windows(op: str, x: Array, kernel_size, stride, padding, dilation, ceil_mode: bool,
                  fill: float) -> tuple[Array, tuple, bool]:
    """``x`` (..., H, W) as its windows (..., Ho, Wo, kh*kw), a window's elements in row-major
    order, the padding (and, with ``ceil_mode``, what a last window reaches past it) filled
    with ``fill``; the geometry ``(kh, kw, sh, sw, ph, pw, dh, dw, h, w, ho, wo)``; and
    whether any window reaches the padding."""
    kh, kw = _pair(kernel_size, op, "kernel_size")
    sh, sw = (kh, kw) if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _pair(stride, op, "stride")
    ph, pw = _pair(padding, op, "padding")
    dh, dw = _pair(dilation, op, "dilation")
    shape = tuple(_r.shape(x))
    if len(shape) < 3:
        raise ValueError(f"{op}: expected an input (C, H, W) or (N, C, H, W), got shape {shape}")
    h, w = shape[-2:]
    for name, vals, low in (("kernel_size", (kh, kw), 1), ("stride", (sh, sw), 1),
                            ("dilation", (dh, dw), 1), ("padding", (ph, pw), 0)):
        if min(vals) < low:
            raise ValueError(f"{op}: {name} must be >= {low}, got {vals}")
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"{op}: padding {(ph, pw)} must be at most half the kernel size "
                         f"{(kh, kw)}")
    ho = _pool_dim(op, h, kh, sh, ph, dh, ceil_mode)
    wo = _pool_dim(op, w, kw, sw, pw, dw, ceil_mode)
    if ho <= 0 or wo <= 0:
        raise ValueError(f"{op}: the kernel {(kh, kw)} (dilation {(dh, dw)}) does not fit the "
                         f"input of shape {shape} padded by {(ph, pw)}: the output would be "
                         f"{(ho, wo)}")
    # the right/bottom padding a last window reaches (beyond `padding` only with ceil_mode)
    rh = max(0, (ho - 1) * sh + dh * (kh - 1) + 1 - h - ph)
    rw = max(0, (wo - 1) * sw + dw * (kw - 1) + 1 - w - pw)
    padded = bool(ph or pw or rh or rw)
    if padded:
        lead = ((0, 0),) * (len(shape) - 2)
        x = gnp.pad(x, lead + ((ph, rh), (pw, rw)), constant_values=fill)
    cols = [gnp.getitem(x, (Ellipsis, slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
                            slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)))
            for i in range(kh) for j in range(kw)]
    win = gnp.stack(cols, axis=-1) if len(cols) > 1 else gnp.expand_dims(cols[0], -1)
    return win, (kh, kw, sh, sw, ph, pw, dh, dw, h, w, ho, wo), padded


def _in_input(xp: Any, g: tuple) -> Any:
    """(Ho, Wo, kh*kw) booleans: which window elements lie in the input (not the padding)."""
    kh, kw, sh, sw, ph, pw, dh, dw, h, w, ho, wo = g
    rows = (xp.arange(ho) * sh - ph)[:, None] + xp.arange(kh) * dh  # (Ho, kh)
    cols = (xp.arange(wo) * sw - pw)[:, None] + xp.arange(kw) * dw  # (Wo, kw)
    rin, cin = (rows >= 0) & (rows < h), (cols >= 0) & (cols < w)
    return (rin[:, None, :, None] & cin[None, :, None, :]).reshape(ho, wo, kh * kw)


def max_pool2d(x: Array, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0,
               dilation: int | tuple[int, int] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Array | tuple[Array, Any]:
    """Max over (kh, kw) windows moved by ``stride`` (default: the window) over the input
    padded by ``padding`` (at most half the window), with ``dilation`` and ``ceil_mode``, as
    ``torch.nn.functional.max_pool2d``; input (C, H, W) or (N, C, H, W). Windows may
    overlap. The adjoint of each output goes to the first largest element of its window (in
    row-major order, as torch; to the last NaN of a window holding NaNs), accumulated where
    windows overlap. ``return_indices=True`` also returns, for each output, the flat index
    ``row * W + col`` of that element in its (H, W) plane (an integer array).

    Example: ``max_pool2d(x, 3, stride=2, padding=1)``
    """
    xd = _raw(x)
    kind = xd.dtype.kind
    if kind not in "fiu":
        raise TypeError(f"max_pool2d: expected a real input, got dtype {xd.dtype}")
    fill = -math.inf if kind == "f" else int(gnp.iinfo(xd.dtype).min)
    win, g, padded = _pool_windows("max_pool2d", x, kernel_size, stride, padding, dilation,
                                   ceil_mode, fill)
    v = _raw(win)
    k = g[0] * g[1]
    xp = _xp(xd)
    if padded:  # an element of the input wins a tie with the padding
        inside = _in_input(xp, g)
        top = gnp.max(gnp.where(inside, v, fill), axis=-1, keepdims=True)
        idx = gnp.argmax(gnp.logical_and(v == top, inside), axis=-1)
    else:
        idx = gnp.argmax(v, axis=-1)  # the first largest (or the first NaN)
    if kind == "f":  # torch takes the last NaN of a window
        nan = gnp.isnan(v)
        last = (k - 1) - gnp.argmax(gnp.getitem(nan, (Ellipsis, slice(None, None, -1))), axis=-1)
        idx = gnp.where(gnp.any(nan, axis=-1), last, idx)
    y = gnp._take_along_axis_in_range(win, gnp.expand_dims(idx, -1), -1)  # an argmax
    y = gnp.reshape(y, _r.shape(y)[:-1])
    if not return_indices:
        return y
    kh, kw, sh, sw, ph, pw, dh, dw, h, w, ho, wo = g
    i, j = idx // kw, idx % kw
    rows = (xp.arange(ho) * sh - ph)[:, None] + i * dh
    cols = (xp.arange(wo) * sw - pw)[None, :] + j * dw
    return y, gnp.asarray(rows * w + cols).astype(xp.int64)


def avg_pool2d(x: Array, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Array:
    """Mean over (kh, kw) windows moved by ``stride`` (default: the window) over the input
    zero-padded by ``padding`` (at most half the window), as ``torch.nn.functional.
    avg_pool2d``: the sum of a window divided by ``divisor_override``, else by its size
    (``count_include_pad``, the padding counted; with ``ceil_mode`` a last window is cut at
    the padded input's edge) or by the number of input elements it covers. Input (C, H, W) or
    (N, C, H, W); windows may overlap.

    Example: ``avg_pool2d(x, 3, stride=1, padding=1)``
    """
    if divisor_override is not None and (isinstance(divisor_override, bool)
                                         or divisor_override == 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a nonzero number, got "
                         f"{divisor_override!r}")
    xd = _raw(x)
    if xd.dtype.kind != "f":
        raise TypeError(f"avg_pool2d: expected a floating input, got dtype {xd.dtype}")
    win, g, _ = _pool_windows("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode, 0.0)
    total = gnp.sum(win, axis=-1)
    if divisor_override is not None:
        return total / divisor_override
    kh, kw, sh, sw, ph, pw, _, _, h, w, ho, wo = g
    sizes = []
    for n, k, s, p, o in ((h, kh, sh, ph, ho), (w, kw, sw, pw, wo)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        sizes.append(end - start if count_include_pad
                     else np.minimum(end, n) - np.maximum(start, 0))
    div = np.outer(sizes[0], sizes[1]).astype(xd.dtype)
    if (div == kh * kw).all():
        return total / float(kh * kw)
    return total / _xp(xd).asarray(div)


def flatten(x: Array, start_dim: int = 1, end_dim: int = -1) -> Array:
    """Merge the dims ``start_dim`` to ``end_dim`` (both included, negative counted from the
    end), as ``torch.flatten``. Example: ``flatten(images)`` is (N, C*H*W);
    ``flatten(y, 0, 1)`` maps (N, 1) to (N,)."""
    s = tuple(_r.shape(x))
    if not s:
        return gnp.reshape(x, (1,))
    lo = start_dim + len(s) if start_dim < 0 else start_dim
    hi = end_dim + len(s) if end_dim < 0 else end_dim
    if not 0 <= lo <= hi < len(s):
        raise ValueError(f"flatten: start_dim={start_dim} and end_dim={end_dim} do not name "
                         f"dims start <= end of an array of shape {s}")
    return gnp.reshape(x, s[:lo] + (math.prod(s[lo:hi + 1]),) + s[hi + 1:])


# ---- losses -----------------------------------------------------------------------------------

def _same_shape(op: str, input: Array, target: Array) -> None:
    """Losses compare element by element: a (4, 1) prediction against a (4,) target would
    broadcast to (4, 4) and give a plausible but wrong loss, so shapes must match exactly."""
    a, b = _r.shape(input), _r.shape(target)
    if a != b:
        raise ValueError(
            f"{op}: input has shape {a} but target has shape {b}; they must be equal (no "
            f"broadcasting). Reshape one of them, e.g. target.reshape({a}) or "
            f"input.reshape({b})"
        )


def _like_input(other: Any, input: Array, floats: bool = False) -> Any:
    """torch's promotion of a loss's target or weight with its float ``input``: an integer or
    boolean one takes the input's dtype (float32 scores with int64 targets give a float32
    loss, where NumPy's promotion gives float64); with ``floats``, a float one of another
    dtype too (the losses whose torch kernels keep the input's dtype).

    Example: ``target = _like_input(target, input)``
    """
    dt, idt = getattr(other, "dtype", None), getattr(input, "dtype", None)
    if dt is None or idt is None or np.dtype(idt).kind not in "fc" or dt == idt:
        return other
    if np.dtype(dt).kind in "biu" or (floats and np.dtype(dt).kind == "f"):
        return other.astype(idt)
    return other


def mse_loss(input: Array, target: Array, reduction: str = "mean") -> Array:
    """Mean squared error; ``input`` and ``target`` must have the same shape.

    Example: ``mse_loss(pred, y)``
    """
    _same_shape("mse_loss", input, target)
    target = _like_input(target, input)
    d = input - target
    return _reduce(d * d, reduction)


def cross_entropy(logits: Array, labels: Any, reduction: Any = "mean", *,
                  weight: Array | None = None, ignore_index: int = -100,
                  label_smoothing: float = 0.0) -> Array:
    """Softmax cross-entropy, as ``torch.nn.functional.cross_entropy``: ``logits`` (N, C),
    (N, C, d1, ...) or (C,), against integer ``labels`` (N,), (N, d1, ...) or () in
    ``[0, C)``, or against class probabilities of the logits' shape (float ``labels``).

    - ``weight`` (C,): a weight per class; a weighted mean divides by the sum of the weights
      of the targets that count.
    - ``ignore_index`` (-100, as torch): labels equal to it contribute nothing and are left
      out of the mean (all ignored: the mean is NaN, as torch's); not allowed with
      probabilities.
    - ``label_smoothing`` in [0, 1]: the target is ``(1 - e) * onehot + e / C``.
    - The third positional argument is ``reduction`` ("mean", "sum", "none"); an array
      there is taken as torch's positional ``weight``.

    With integer labels and no weight or smoothing, the logits take one fused primitive
    (``logsumexp(logits) - logits[label]`` per row, adjoint ``softmax - onehot``; on the GPU
    single Numba kernels); ignored rows are then set to zero. A label outside ``[0, C)``
    other than ``ignore_index`` (``-1`` included) raises ``IndexError``; the check is one
    reduction, and on the GPU reading its answer waits for the queued work (in a
    ``gpuad.jit`` CUDA graph it is read after the launch: docs/jit.md, "Value checks").

    Example: ``loss = cross_entropy(model(x), y, label_smoothing=0.1)``
    """
    reduction, weight = _reduction_or_weight("cross_entropy", reduction, weight)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must lie in [0, 1], got "
                         f"{label_smoothing}")
    lab = gnp.asarray(_raw(labels))
    s = _r.shape(logits)
    if len(s) == 0:
        raise ValueError("cross_entropy: logits must have a class axis; got a 0-d array")
    if lab.dtype.kind == "f" and _r.shape(lab) == s:
        if ignore_index >= 0:
            raise ValueError("cross_entropy: ignore_index is not supported for probability "
                             "targets (float labels), as in torch")
        return _xent_probs(logits, labels, weight, reduction, label_smoothing)
    if lab.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels must be integers (class indices), or floats "
                        f"of the logits' shape {s} (probabilities); got dtype {lab.dtype} and "
                        f"shape {_r.shape(lab)}")
    unbatched = len(s) == 1
    if unbatched:
        logits, lab, s = gnp.reshape(logits, (1,) + s), gnp.reshape(lab, (1,)), (1,) + s
    if _r.shape(lab) != s[:1] + s[2:]:
        raise ValueError(f"cross_entropy: expected labels of shape {s[:1] + s[2:]} for logits "
                         f"{s} (or probabilities of shape {s}), got {_r.shape(lab)}")
    if weight is not None or label_smoothing:
        _check_labels("cross_entropy", lab, s[1], ignore_index)
        keep = _raw(lab) != ignore_index
        if not (type(keep) is np.ndarray and not _vc.tracing() and keep.all()):
            # ignored rows read zeros (a row of -inf logits would make their gradient NaN)
            logits = gnp.where(gnp.expand_dims(keep, 1), logits, 0.0)
        out = _nll(log_softmax(logits, axis=1), lab, weight, ignore_index, reduction,
                   label_smoothing)
        return gnp.reshape(out, ()) if unbatched and reduction == "none" else out
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    c = s[1]
    if len(s) > 2:  # the class axis last, one row per position
        logits, lab = gnp.reshape(gnp.moveaxis(logits, 1, -1), (-1, c)), gnp.reshape(lab, (-1,))
    # the fused step on every row (an ignored one reads class 0), ignored rows then zeroed:
    # no branch on the labels' values, so no host read and nothing for gpuad.jit to keep
    keep = _raw(lab) != ignore_index
    if type(keep) is np.ndarray and not _vc.tracing() and keep.all():
        # host labels, none ignored: the fused step alone (reading them here waits for nothing)
        out = _r.softmax_cross_entropy(logits, lab)
        if reduction == "none":
            return gnp.reshape(out, s[:1] + s[2:] if not unbatched else ())
        return _reduce(out, reduction)
    # ignored rows read zeros, not their logits: a row of -inf (a masked one) would otherwise
    # put 0 * NaN = NaN into its logits' gradient, which no gradient should reach
    logits = gnp.where(gnp.expand_dims(keep, -1), logits, 0.0)
    out = gnp.where(keep, _r.softmax_cross_entropy(logits, gnp.where(keep, lab, 0)), 0.0)
    if reduction == "none":
        return gnp.reshape(out, s[:1] + s[2:] if not unbatched else ())
    total = gnp.sum(out)
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: NaN, as torch
        return total / gnp.sum(keep).astype(gnp.result_type(out))


def _reduction_or_weight(op: str, reduction: Any, weight: Any) -> tuple[str, Any]:
    """torch's third positional argument is ``weight``; gpuad's is ``reduction``."""
    if isinstance(reduction, str):
        return reduction, weight
    if hasattr(reduction, "shape") and weight is None:
        return "mean", reduction
    raise TypeError(f"{op}: the third argument is reduction ('mean', 'sum' or 'none') or, as "
                    f"torch's positional order has it, weight (an array); got "
                    f"{type(reduction).__name__}. Pass weight= and reduction= by keyword")


def _check_labels(op: str, lab: Any, k: int, ignore_index: int) -> None:
    raw = _raw(lab)
    if isinstance(raw, Tensor):  # batched by vmap: every example's labels, checked at once
        raw = raw._data
    if raw.size:  # -1 is not the last class; checked on every call of a compiled function
        _vc.run(_vc.Check(f"{op}_labels",
                          lambda xp, i: ((i < 0) | (i >= k)) & (i != ignore_index),
                          lambda count, first: IndexError(
                              f"{op}: labels must lie in [0, {k}) for {k} classes (or equal "
                              f"ignore_index={ignore_index}); got {count} outside it, the "
                              f"first being {first}"),
                          values=lambda xp, i: i), lab)


def _class_weight(op: str, weight: Any, c: int, ndim: int, like: Array) -> Any:
    """``weight`` (C,) checked, in the dtype of the scores ``like`` (torch computes in it and
    refuses a weight of another dtype), and shaped to broadcast along axis 1 of an ``ndim``
    array."""
    w = weight if isinstance(weight, Tensor) else gnp.asarray(weight)
    w = _like_input(w, like, floats=True)
    if _r.shape(w) != (c,):
        raise ValueError(f"{op}: weight must have shape ({c},), one per class, got "
                         f"{_r.shape(w)}")
    return gnp.reshape(w, (c,) + (1,) * (ndim - 2))


def _nll(logp: Array, lab: Any, weight: Any, ignore_index: int, reduction: str,
         smoothing: float = 0.0, op: str = "cross_entropy") -> Array:
    """torch's weighted, masked negative log-likelihood of (N, C, ...) log-probabilities
    (with ``smoothing``: its label-smoothed cross-entropy), reduced."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    s = _r.shape(logp)
    c = s[1]
    keep = _raw(lab) != ignore_index  # a constant mask (inside vmap: a batched one)
    safe = gnp.where(keep, lab, 0)
    # the labels were checked against the classes before (nll_loss, cross_entropy)
    picked = gnp.squeeze(gnp._take_along_axis_in_range(logp, gnp.expand_dims(safe, 1), 1),
                         1)
    dt = gnp.result_type(logp)
    if weight is None:
        wt = gnp.asarray(keep).astype(dt)
        loss = gnp.where(keep, -picked, 0.0)
    else:
        wb = _class_weight(op, weight, c, len(s), logp)
        wt = gnp.where(keep, gnp._take_in_range(gnp.reshape(wb, (c,)), safe), 0.0)
        loss = gnp.where(keep, -picked * wt, 0.0)
    if smoothing:
        smooth = -gnp.sum(logp if weight is None else logp * wb, axis=1)
        smooth = gnp.where(keep, smooth, 0.0)
    if reduction == "none":
        return loss if not smoothing else (1 - smoothing) * loss + (smoothing / c) * smooth
    total = gnp.sum(loss)
    if smoothing:
        total = (1 - smoothing) * total + (smoothing / c) * gnp.sum(smooth)
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / gnp.sum(wt)  # all ignored (or zero weight): NaN, as torch


def _xent_probs(logits: Array, probs: Array, weight: Any, reduction: str,
                smoothing: float) -> Array:
    """Cross-entropy against class probabilities (torch's float targets)."""
    s = _r.shape(logits)
    if _r.shape(probs) != s:
        raise ValueError(f"cross_entropy: probability targets must have the logits' shape "
                         f"{s}, got {_r.shape(probs)}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    axis = 0 if len(s) == 1 else 1
    c = s[axis]
    if smoothing:
        probs = probs * (1 - smoothing) + smoothing / c
    prod = log_softmax(logits, axis=axis) * probs
    if weight is not None:
        prod = prod * (_class_weight("cross_entropy", weight, c, len(s), logits) if axis else
                       gnp.reshape(_class_weight("cross_entropy", weight, c, 2, logits), (c,)))
    if reduction == "none":
        return -gnp.sum(prod, axis=axis)
    total = -gnp.sum(prod)
    if reduction == "sum":
        return total
    return total / (math.prod(s) // c if c else 0)


def binary_cross_entropy_with_logits(logits: Array, targets: Array, reduction: Any = "mean",
                                     *, weight: Array | None = None,
                                     pos_weight: Array | None = None) -> Array:
    """``-w [p y log sigmoid(z) + (1-y) log(1 - sigmoid(z))]`` as
    ``(1 - y) z + (1 + (p - 1) y) softplus(-z)`` (stable), torch's, with ``weight`` ``w``
    broadcasting to the loss and ``pos_weight`` ``p`` to the last axis (both 1 when left out).
    ``logits`` and ``targets`` must have the same shape; an array as the third positional
    argument is torch's ``weight``. The mean is over every element, weighted or not.

    Example: ``binary_cross_entropy_with_logits(z, y, weight=mask, reduction="none")``
    """
    reduction, weight = _reduction_or_weight("binary_cross_entropy_with_logits", reduction,
                                             weight)
    _same_shape("binary_cross_entropy_with_logits", logits, targets)
    targets = _like_input(targets, logits)
    weight, pos_weight = (_like_input(w, logits, floats=True) for w in (weight, pos_weight))
    if pos_weight is None:
        loss = _softplus_plain(logits) - logits * targets
    else:
        loss = (1 - targets) * logits + (1 + (pos_weight - 1) * targets) * _softplus_plain(
            -logits)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def nll_loss(log_probs: Array, labels: Any, reduction: Any = "mean", *,
             weight: Array | None = None, ignore_index: int = -100) -> Array:
    """Negative log-likelihood of (N, C), (N, C, d1, ...) or (C,) ``log_probs`` (e.g.
    ``log_softmax(z, axis=1)``) at integer ``labels`` (N,), (N, d1, ...) or () in [0, C):
    ``-weight[label] * log_probs[n, label]``, as ``torch.nn.functional.nll_loss``. Labels
    equal to ``ignore_index`` (-100) count for nothing; the mean divides by the summed weight
    of the others (NaN when none is left, as torch). Another label outside ``[0, C)``
    (``-1`` included) raises ``IndexError``. An array as the third positional argument is
    torch's ``weight``.

    Example: ``loss = nll_loss(log_softmax(model(x), axis=1), y)``
    """
    reduction, weight = _reduction_or_weight("nll_loss", reduction, weight)
    lab = gnp.asarray(_raw(labels))
    if lab.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: labels must be integers, got dtype {lab.dtype}")
    s = _r.shape(log_probs)
    unbatched = len(s) == 1
    if unbatched:
        log_probs, lab, s = gnp.reshape(log_probs, (1,) + s), gnp.reshape(lab, (1,)), (1,) + s
    if len(s) < 2 or _r.shape(lab) != s[:1] + s[2:]:
        raise ValueError(f"nll_loss: expected log_probs (N, C, ...) and labels (N, ...), got "
                         f"{s} and {_r.shape(lab)}")
    _check_labels("nll_loss", lab, s[1], ignore_index)
    out = _nll(log_probs, lab, weight, ignore_index, reduction, op="nll_loss")
    return gnp.reshape(out, ()) if unbatched and reduction == "none" else out


def smooth_l1_loss(input: Array, target: Array, reduction: str = "mean",
                   beta: float = 1.0) -> Array:
    """Huber-like loss of ``torch.nn.functional.smooth_l1_loss``: ``0.5 d**2 / beta`` where
    ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input - target``; ``beta = 0`` is the L1
    loss); ``input`` and ``target`` must have the same shape.

    Example: ``smooth_l1_loss(fc(x), y)``
    """
    _same_shape("smooth_l1_loss", input, target)
    target = _like_input(target, input)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = input - target
    ad_ = gnp.abs(d)
    if beta == 0:
        return _reduce(ad_, reduction)
    return _reduce(gnp.where(_raw(ad_) < beta, 0.5 * d * d / beta, ad_ - 0.5 * beta), reduction)


# pooling over 1 and 3 dims and adaptive pooling; normalisation; attention
from .pooling import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool3d,
    max_pool1d,
    max_pool3d,
)

__all__ += [
    "conv1d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool1d", "max_pool3d", "avg_pool1d", "avg_pool3d", "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d",
]
from .normalization import batch_norm, group_norm, instance_norm  # noqa: E402

__all__ += ["batch_norm", "group_norm", "instance_norm"]
from .attention import scaled_dot_product_attention  # noqa: E402

__all__ += ["scaled_dot_product_attention"]
# isort: split
# more of torch.nn.functional: activations (with torch's dim=, beta/threshold, approximate=
# arguments), losses, padding and shuffles, distances, dropout variants
from .activations import (  # noqa: E402, F401
    celu,
    elu,
    gelu,  # noqa: F811 (approximate=)
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    log_softmax,  # noqa: F811 (dim=, dtype=)
    logsigmoid,
    mish,
    prelu,
    relu6,
    rrelu,
    selu,
    softmax,  # noqa: F811 (dim=, dtype=)
    softmin,
    softplus,  # noqa: F811 (beta, threshold)
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)
from .bilinear import bilinear  # noqa: E402, F401
from .ctc import ctc_loss  # noqa: E402, F401
from .dropouts import (  # noqa: E402, F401
    alpha_dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from .fractional_pooling import (  # noqa: E402, F401
    fractional_max_pool2d,
    fractional_max_pool3d,
)
from .layout import one_hot, pad, pixel_shuffle, pixel_unshuffle  # noqa: E402, F401
from .linear_losses import linear_cross_entropy  # noqa: E402, F401
from .losses import (  # noqa: E402, F401
    binary_cross_entropy,
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from .similarity import cosine_similarity, normalize, pairwise_distance  # noqa: E402, F401

__all__ += [
    "celu", "elu", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh", "logsigmoid",
    "mish", "prelu", "relu6", "rrelu", "selu", "softmin", "softshrink", "softsign", "tanhshrink",
    "threshold", "bilinear", "alpha_dropout", "dropout1d", "dropout2d", "dropout3d",
    "feature_alpha_dropout", "one_hot", "pad", "pixel_shuffle", "pixel_unshuffle",
    "binary_cross_entropy", "cosine_embedding_loss", "gaussian_nll_loss",
    "hinge_embedding_loss", "huber_loss", "kl_div", "l1_loss", "margin_ranking_loss",
    "multi_margin_loss", "multilabel_soft_margin_loss", "poisson_nll_loss",
    "soft_margin_loss", "triplet_margin_loss", "cosine_similarity", "normalize",
    "pairwise_distance", "linear_cross_entropy", "fractional_max_pool2d",
    "fractional_max_pool3d", "ctc_loss",
]
# isort: split
# more of torch.nn.functional: embeddings with torch's arguments and embedding bags,
# resampling, fold/unfold, rms_norm, smaller layers and losses, in-place activations
from .distances import cdist  # noqa: E402, F401
from .embeddings import embedding, embedding_bag  # noqa: E402, F401, F811
from .fold import fold, unfold  # noqa: E402, F401
from .inplace_activations import (  # noqa: E402, F401
    celu_,
    elu_,
    hardtanh_,
    leaky_relu_,
    relu_,
    rrelu_,
    selu_,
    threshold_,
)
from .misc_layers import (  # noqa: E402, F401
    channel_shuffle,
    gumbel_softmax,
    local_response_norm,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
    multilabel_margin_loss,
    pdist,
    rms_norm,
    triplet_margin_with_distance_loss,
)
from .resample import (  # noqa: E402, F401
    affine_grid,
    grid_sample,
    interpolate,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)

__all__ += [
    "cdist", "embedding_bag", "affine_grid", "grid_sample", "fold", "unfold", "interpolate",
    "upsample", "upsample_bilinear", "upsample_nearest", "celu_", "elu_", "hardtanh_",
    "leaky_relu_", "relu_", "rrelu_", "selu_", "threshold_", "channel_shuffle", "gumbel_softmax",
    "local_response_norm", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d",
    "max_unpool2d", "max_unpool3d", "multilabel_margin_loss", "pdist", "rms_norm",
    "triplet_margin_with_distance_loss",
]
