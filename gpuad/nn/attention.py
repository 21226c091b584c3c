"""Scaled dot-product attention, as ``torch.nn.functional.scaled_dot_product_attention``.

A query row whose keys are all masked out attends to nothing: its output (and its attention
weights) are zero, as torch's, not NaN.

Example::

    import gpuad.nn.functional as F
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._raw import _xp, data
from .functional import dropout

__all__ = ["scaled_dot_product_attention"]

Array = Any


def _attend(
    scores: Array, value: Array, dropout_p: float, training: bool = True
) -> tuple[Array, Array]:
    """softmax over the last axis of ``scores`` (rows of only ``-inf`` give zeros), dropout,
    then ``@ value``; returns the output and the weights used (dropped out)."""
    raw = data(scores)
    top = gnp.max(raw, axis=-1, keepdims=True)
    # the shift is a constant (softmax does not depend on it), finite on dead rows
    top = gnp.where(gnp.isfinite(top), top, 0.0)
    e = gnp.exp(scores - top)
    total = gnp.sum(e, axis=-1, keepdims=True)
    w = e / gnp.where(data(total) == 0, 1.0, total)
    wd = dropout(w, dropout_p, training) if dropout_p else w
    return gnp.matmul(wd, value), wd


def _additive(op: str, mask: Any, dt: Any, allowed_when: bool) -> Any:
    """A boolean mask as 0 / -inf (``allowed_when`` marks the allowed entries), a float mask
    as it is."""
    m = mask if hasattr(mask, "dtype") else np.asarray(mask)
    kind = m.dtype.kind
    if kind == "b":
        xp = _xp(data(m))
        ok = m if allowed_when else gnp.logical_not(m)
        return gnp.where(ok, xp.asarray(0.0, dtype=dt), xp.asarray(-math.inf, dtype=dt))
    if kind in "fc":
        return m
    raise TypeError(f"{op}: a mask must be boolean or floating, got dtype {m.dtype}")


def scaled_dot_product_attention(
    query: Array,
    key: Array,
    value: Array,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Array:
    """``softmax(query @ key^T * scale + mask) @ value`` over the last two axes, as torch:
    ``query`` (..., L, E), ``key`` (..., S, E), ``value`` (..., S, Ev); ``scale`` defaults
    to ``1 / sqrt(E)``. ``attn_mask`` broadcasts to (..., L, S): boolean (True: may attend)
    or floating (added). ``is_causal``: position ``i`` attends to keys ``j <= i``.
    ``dropout_p`` drops attention weights (always, as torch's function does; pass 0 in
    evaluation). ``enable_gqa``: fewer key/value heads (axis -3) than query heads, each
    shared by a group of query heads.

    Example: ``out = scaled_dot_product_attention(q, k, v, attn_mask=keep)``
    """
    op = "scaled_dot_product_attention"
    qs, ks, vs = (tuple(_r.shape(a)) for a in (query, key, value))
    if min(len(qs), len(ks), len(vs)) < 2 or qs[-1] != ks[-1] or ks[-2] != vs[-2]:
        raise ValueError(
            f"{op}: expected query (..., L, E), key (..., S, E) and value "
            f"(..., S, Ev), got {qs}, {ks} and {vs}"
        )
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"{op}: dropout_p must lie in [0, 1), got {dropout_p}")
    if enable_gqa and len(qs) >= 3 and qs[-3] != ks[-3]:
        if qs[-3] % ks[-3] or ks[-3] != vs[-3]:
            raise ValueError(
                f"{op}: with enable_gqa the query heads {qs[-3]} must be a "
                f"multiple of the key and value heads {ks[-3]}, {vs[-3]}"
            )
        rep = qs[-3] // ks[-3]
        key, value = gnp.repeat(key, rep, axis=-3), gnp.repeat(value, rep, axis=-3)
    dt = gnp.result_type(query, key)
    s = gnp.matmul(query, gnp.swapaxes(key, -1, -2)) * (
        1.0 / math.sqrt(qs[-1]) if scale is None else scale
    )
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: pass either attn_mask or is_causal, not both")
        xp = _xp(data(s))
        attn_mask = xp.asarray(np.tril(np.ones((qs[-2], ks[-2]), bool)))
    if attn_mask is not None:
        s = s + _additive(op, attn_mask, dt, True)
    out = _attend(s, value, dropout_p)[0]
    if not dropout_p and len(qs) == 4 and vs[-1] == qs[-1]:
        out = _in_query_order(out, query)
    return out


def _in_query_order(out: Array, query: Array) -> Array:
    """``out`` laid out in memory with its batch, head and length axes in the order of the
    query's strides, as torch's fused CPU kernel writes it: the tutorial's
    ``q = x.view(B, L, H, E).transpose(1, 2)`` then gives an output whose
    ``.transpose(1, 2).view(B, L, H * E)`` needs no copy (a contiguous one would raise)."""
    if getattr(query, "_bat", None) is not None:
        return out
    st = getattr(data(query), "strides", None)
    if st is None or len(st) != 4:
        return out
    order = sorted(range(3), key=lambda i: -st[i])
    if order == [0, 1, 2]:
        return out
    inv = [order.index(i) for i in range(3)]
    moved = gnp.transpose(out, (*order, 3)).contiguous()
    return gnp.transpose(moved, (*inv, 3))
