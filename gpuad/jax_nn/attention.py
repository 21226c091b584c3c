"""``jax.nn.dot_product_attention`` in JAX's layout: query (B, T, N, H), key and value
(B, S, K, H), heads on axis 2, grouped-query attention when ``K`` divides ``N``.

As JAX's XLA implementation: a boolean ``mask`` (True: may attend), ``is_causal``,
``local_window_size`` and the sequence lengths set the excluded logits to a large negative
number (``-0.7`` times float32's largest), so a query row with no key left attends to all of
them evenly (not zeros, as torch's); a query row past ``query_seq_lengths`` outputs zeros.
Half-precision inputs take their logits and softmax in float32, the probabilities cast back
before they weight the values, as in JAX. One difference: JAX takes the softmax in float32 even
for float64 inputs, gpuad in float64.

Example::

    import gpuad.jax_nn as jnn
    out = jnn.dot_product_attention(q, k, v, is_causal=True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._numpy_protocol import stop_gradient
from .reductions import logsumexp, softmax

__all__ = ["dot_product_attention"]

Array = Any
_OP = "dot_product_attention"


def _to_4d(t: Array) -> Array:
    t = gnp.asarray(t)
    nd = len(_r.shape(t))
    return gnp.reshape(t, (1,) * (4 - nd) + _r.shape(t)) if nd < 4 else t


def _check(t: Array | None, name: str, shape: tuple[int, ...]) -> None:
    if t is None:
        return
    s = _r.shape(t)
    if len(s) != len(shape) or any(w != -1 and a != w for a, w in zip(s, shape, strict=True)):
        want = tuple("?" if w == -1 else w for w in shape)
        raise ValueError(f"{_OP}: {name} must have shape {want} (? any), got {s}")


def _large_negative(dtype: Any) -> float:
    top = min(float(np.finfo(dtype).max), float(np.finfo(np.float32).max))
    return -0.7 * top


def _allowed(
    b: int,
    t: int,
    s: int,
    mask: Array | None,
    is_causal: bool,
    window: tuple[int, int] | None,
    q_len: Array | None,
    kv_len: Array | None,
) -> Array | None:
    """The boolean (.., N or 1, T, S) of the logits that take part, or None for all."""
    keep = None

    def both(m):
        return m if keep is None else gnp.logical_and(keep, m)

    if mask is not None:
        keep = both(stop_gradient(mask))
    qi = gnp.arange(t)[:, None]
    ki = gnp.arange(s)[None, :]
    if is_causal:
        keep = both(qi >= ki)
    if window is not None:
        left, right = window
        keep = both(gnp.logical_and(qi <= ki + left, qi >= ki - right))
    if q_len is not None or kv_len is not None:
        pad = gnp.ones((b, 1, t, s), dtype=bool)
        if q_len is not None:
            pad = gnp.logical_and(pad, gnp.reshape(qi, (1, 1, t, 1)) < q_len[:, None, None, None])
        if kv_len is not None:
            pad = gnp.logical_and(pad, gnp.reshape(ki, (1, 1, 1, s)) < kv_len[:, None, None, None])
        keep = both(pad)
    return keep


def dot_product_attention(
    query: Array,
    key: Array,
    value: Array,
    bias: Array | None = None,
    mask: Array | None = None,
    *,
    scale: float | None = None,
    is_causal: bool = False,
    query_seq_lengths: Array | None = None,
    key_value_seq_lengths: Array | None = None,
    local_window_size: int | tuple[int, int] | None = None,
    implementation: str | None = None,
    return_residual: bool = False,
) -> Array | tuple[Array, Array]:
    """``softmax(q k^T * scale + bias, masked) v`` per head: query (B, T, N, H) or (T, N, H),
    key and value (B, S, K, H) or (S, K, H), ``N`` a multiple of ``K``. ``bias`` (float) and
    ``mask`` (bool, True: may attend) broadcast to (B, N, T, S) (fewer axes: leading ones
    added); ``scale`` defaults to ``1 / sqrt(H)``; ``is_causal``: query ``i`` sees keys
    ``j <= i``; ``local_window_size=(l, r)``: keys ``i - l <= j <= i + r``; integer
    ``query_seq_lengths`` and ``key_value_seq_lengths`` (B,) mark padding.
    ``return_residual=True`` also returns the logsumexp of the logits, (B, T, N), a constant.

    Example: ``out = jnn.dot_product_attention(q, k, v, mask=keep)``
    """
    if implementation not in (None, "xla"):
        raise NotImplementedError(
            f"{_OP}: implementation={implementation!r} is not available; gpuad has one "
            f"implementation (JAX's 'xla' one): pass implementation=None"
        )
    out_shape = _r.shape(query)
    q, k, v = _to_4d(query), _to_4d(key), _to_4d(value)
    b, s, kh, h = _r.shape(k)
    _check(v, "value (the key's shape)", (b, s, kh, h))
    _check(q, "query", (b, -1, -1, h))
    n, t = _r.shape(q)[2], _r.shape(q)[1]
    if kh == 0 or n % kh:
        raise ValueError(
            f"{_OP}: the number of query heads ({n}) must be a multiple of the number of "
            f"key and value heads ({kh})"
        )
    bias = None if bias is None else _to_4d(bias)
    mask = None if mask is None else _to_4d(mask)
    _check(bias, "bias", (-1,) * 4)
    _check(mask, "mask", (-1,) * 4)
    if mask is not None and np.dtype(mask.dtype) != np.bool_:
        raise TypeError(
            f"{_OP}: mask must be boolean (True: may attend), got dtype {mask.dtype}; "
            f"pass an additive float mask as bias"
        )
    lens = []
    for name, ln in (
        ("query_seq_lengths", query_seq_lengths),
        ("key_value_seq_lengths", key_value_seq_lengths),
    ):
        if ln is not None:
            ln = gnp.asarray(stop_gradient(ln))
            _check(ln, name, (b,))
            if np.dtype(ln.dtype).kind not in "iu":
                raise TypeError(f"{_OP}: {name} must be integers, got dtype {ln.dtype}")
        lens.append(ln)
    if isinstance(local_window_size, int):
        local_window_size = (local_window_size, local_window_size)
    if n != kh:  # query head i*G + g uses key and value head i
        k, v = gnp.repeat(k, n // kh, axis=2), gnp.repeat(v, n // kh, axis=2)
    scale = 1.0 / math.sqrt(h) if scale is None else scale
    half = np.dtype(k.dtype).kind == "f" and np.dtype(k.dtype).itemsize < 4
    if half:  # JAX's logits are at least float32
        q, k = q.astype(np.float32), k.astype(np.float32)
    logits = gnp.matmul(gnp.transpose(q, (0, 2, 1, 3)), gnp.transpose(k, (0, 2, 3, 1))) * scale
    if bias is not None:
        logits = logits + bias
    keep = _allowed(b, t, s, mask, is_causal, local_window_size, *lens)
    if keep is not None:
        logits = gnp.where(keep, logits, _large_negative(logits.dtype))
    probs = softmax(logits, axis=-1)
    if half:
        probs = probs.astype(v.dtype)
    out = gnp.transpose(gnp.matmul(probs, gnp.transpose(v, (0, 2, 1, 3))), (0, 2, 1, 3))
    if lens[0] is not None:
        rows = gnp.reshape(gnp.arange(t), (1, t, 1, 1)) < lens[0][:, None, None, None]
        out = out * rows.astype(out.dtype)
    out = gnp.reshape(out, out_shape)
    if not return_residual:
        return out
    lse = gnp.transpose(stop_gradient(logsumexp(logits, axis=-1)).astype(v.dtype), (0, 2, 1))
    return out, gnp.reshape(lse, out_shape[:-1])
