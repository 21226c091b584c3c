"""``MultiheadAttention`` as ``torch.nn.MultiheadAttention``: the same parameters
(``in_proj_weight`` (3E, E) holding the query, key and value projections in that order, or
``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when ``kdim``/``vdim`` differ,
``in_proj_bias``, ``out_proj.weight``/``out_proj.bias``, ``bias_k``/``bias_v``), so a torch
``state_dict`` loads, and the same masks and outputs.

Example::

    import gpuad.nn as nn
    mha = nn.MultiheadAttention(16, 4, batch_first=True)
    out, weights = mha(x, x, x, key_padding_mask=pad)  # x (N, L, 16), pad (N, L) bool
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from . import init
from .attention import _additive, _attend
from .modules import Linear, Module, Parameter

__all__ = ["MultiheadAttention"]

Array = Any


def _proj(x: Array, w: Array, b: Array | None) -> Array:
    y = gnp.matmul(x, gnp.transpose(w))
    return y if b is None else y + b


class MultiheadAttention(Module):
    """Multi-head attention, as ``torch.nn.MultiheadAttention``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)``: inputs (L, N, E) ((N, L, E) with
    ``batch_first``) or unbatched (L, E); ``key_padding_mask`` (N, S), True (or -inf) where
    a key is padding; ``attn_mask`` (L, S) or (N * num_heads, L, S), True where attention is
    *not* allowed, or floating (added); ``is_causal`` is only a hint and needs ``attn_mask``,
    as torch. Returns ``(output, weights)``, the weights (N, L, S) averaged over heads, or
    (N, num_heads, L, S), or None without ``need_weights``. A query whose keys are all masked
    gets zero weights and output (torch's weights are NaN there). Dropout (``dropout``)
    applies to the weights while training.

    Example: ``out, w = nn.MultiheadAttention(8, 2)(q, k, v, need_weights=False)``
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = float,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim={embed_dim} must be a positive "
                f"multiple of num_heads={num_heads}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MultiheadAttention: dropout must lie in [0, 1), got {dropout}")
        e = embed_dim
        self.embed_dim, self.num_heads, self.dropout = e, num_heads, float(dropout)
        self.kdim = e if kdim is None else kdim
        self.vdim = e if vdim is None else vdim
        self.head_dim, self.batch_first = e // num_heads, batch_first
        self.add_zero_attn = add_zero_attn
        self._qkv_same_embed_dim = self.kdim == e and self.vdim == e
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(init.xavier_uniform((3 * e, e), dtype=dtype))
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.in_proj_weight = None
            self.q_proj_weight = Parameter(init.xavier_uniform((e, e), dtype=dtype))
            self.k_proj_weight = Parameter(init.xavier_uniform((e, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(init.xavier_uniform((e, self.vdim), dtype=dtype))
        self.in_proj_bias = Parameter(init.zeros((3 * e,), dtype)) if bias else None
        self.out_proj = Linear(e, e, bias=bias, dtype=dtype)
        if bias:
            self.out_proj.bias = Parameter(init.zeros((e,), dtype))
        if add_bias_kv:
            std = math.sqrt(2.0 / (1 + e))  # xavier_normal of a (1, 1, E) tensor
            self.bias_k = Parameter(init.normal((1, 1, e), std=std, dtype=dtype))
            self.bias_v = Parameter(init.normal((1, 1, e), std=std, dtype=dtype))
        else:
            self.bias_k = self.bias_v = None

    def _weights(self) -> tuple[Array, Array, Array]:
        if self.in_proj_weight is not None:
            e = self.embed_dim
            w = self.in_proj_weight
            return tuple(gnp.getitem(w, slice(i * e, (i + 1) * e)) for i in range(3))
        return self.q_proj_weight, self.k_proj_weight, self.v_proj_weight

    def forward(
        self,
        query: Array,
        key: Array,
        value: Array,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Array, Array | None]:
        name = "MultiheadAttention"
        if is_causal and attn_mask is None:
            raise ValueError(
                f"{name}: is_causal is a hint that attn_mask is causal; pass the "
                f"mask too (e.g. a bool (L, S) mask, True above the diagonal)"
            )
        qs = tuple(_r.shape(query))
        unbatched = len(qs) == 2
        if len(qs) not in (2, 3):
            raise ValueError(
                f"{name}: expected a query (L, N, E), (N, L, E) with batch_first, "
                f"or (L, E); got shape {qs}"
            )
        ks, vs = tuple(_r.shape(key)), tuple(_r.shape(value))
        if len(ks) != len(qs) or len(vs) != len(qs):
            raise ValueError(
                f"{name}: for a {len(qs)}-d query of shape {qs}, key and value must be "
                f"{len(qs)}-d too, got shapes {ks} and {vs}"
            )
        if unbatched:
            query, key, value = (gnp.expand_dims(a, 1) for a in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = gnp.expand_dims(gnp.asarray(key_padding_mask), 0)
        elif self.batch_first:
            query, key, value = (gnp.swapaxes(a, 0, 1) for a in (query, key, value))
        (tgt, n, e), (src, n2, kd), (src2, n3, vd) = (
            tuple(_r.shape(a)) for a in (query, key, value)
        )
        if (
            (e, kd, vd) != (self.embed_dim, self.kdim, self.vdim)
            or n != n2
            or n != n3
            or src != src2
        ):
            raise ValueError(
                f"{name}: query, key and value of shapes {qs}, "
                f"{tuple(_r.shape(key))}, {tuple(_r.shape(value))} do not fit "
                f"embed_dim={self.embed_dim}, kdim={self.kdim}, vdim={self.vdim}"
            )
        h, hd = self.num_heads, self.head_dim
        wq, wk, wv = self._weights()
        b = self.in_proj_bias
        bq, bk, bv = (
            (None,) * 3
            if b is None
            else (gnp.getitem(b, slice(i * e, (i + 1) * e)) for i in range(3))
        )
        q, k, v = _proj(query, wq, bq), _proj(key, wk, bk), _proj(value, wv, bv)
        dt = gnp.result_type(q, k)
        masks = []  # additive masks, each broadcasting to (N, H, L, S)
        if attn_mask is not None:
            am = _additive(name, attn_mask, dt, False)
            s_am = tuple(_r.shape(am))
            if s_am == (tgt, src):
                masks.append(am)
            elif s_am == (n * h, tgt, src):
                masks.append(gnp.reshape(am, (n, h, tgt, src)))
            else:
                raise ValueError(
                    f"{name}: attn_mask must have shape {(tgt, src)} or "
                    f"{(n * h, tgt, src)}, got {s_am}"
                )
        if key_padding_mask is not None:
            kp = _additive(name, key_padding_mask, dt, False)
            if tuple(_r.shape(kp)) != (n, src):
                raise ValueError(
                    f"{name}: key_padding_mask must have shape {(n, src)}, got "
                    f"{tuple(_r.shape(kp))}"
                )
            masks.append(gnp.reshape(kp, (n, 1, 1, src)))
        if self.bias_k is not None:
            k = gnp.concatenate([k, gnp.broadcast_to(self.bias_k, (1, n, e))], axis=0)
            v = gnp.concatenate([v, gnp.broadcast_to(self.bias_v, (1, n, e))], axis=0)
            masks = [gnp.pad(m, ((0, 0),) * (len(_r.shape(m)) - 1) + ((0, 1),)) for m in masks]
            src += 1
        # (T, N, E) -> (N, H, T, hd)
        q, k, v = (
            gnp.transpose(gnp.reshape(a, (_r.shape(a)[0], n, h, hd)), (1, 2, 0, 3))
            for a in (q, k, v)
        )
        if self.add_zero_attn:
            z = gnp.zeros((n, h, 1, hd), dtype=dt)
            k, v = gnp.concatenate([k, z], axis=2), gnp.concatenate([v, z], axis=2)
            masks = [gnp.pad(m, ((0, 0),) * (len(_r.shape(m)) - 1) + ((0, 1),)) for m in masks]
        s = gnp.matmul(q * (1.0 / math.sqrt(hd)), gnp.swapaxes(k, -1, -2))  # (N, H, L, S)
        for m in masks:
            s = s + m
        out, w = _attend(s, v, self.dropout, self.training)
        out = gnp.reshape(gnp.transpose(out, (2, 0, 1, 3)), (tgt, n, e))
        out = self.out_proj(out)
        if unbatched:
            out = gnp.squeeze(out, 1)
        elif self.batch_first:
            out = gnp.swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            w = gnp.mean(w, axis=1)
        return out, (gnp.squeeze(w, 0) if unbatched else w)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
