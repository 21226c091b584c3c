"""The Transformer layers of ``torch.nn``: ``TransformerEncoderLayer``,
``TransformerDecoderLayer``, ``TransformerEncoder``, ``TransformerDecoder`` and
``Transformer``, built from ``MultiheadAttention``, ``Linear``, ``LayerNorm`` and ``Dropout``.

Parameters carry torch's names (``layers.0.self_attn.in_proj_weight``, ``linear1.weight``,
``norm1.weight``, ``encoder.norm.bias``, ...), so a torch ``state_dict`` loads by name; the
stacks hold deep copies of the layer they are given, as torch's. Masks are torch's: ``*_mask``
(L, S) or (N * nhead, L, S), ``*_key_padding_mask`` (N, S); boolean (True: not allowed) or
floating (added). ``*is_causal`` is a hint, as in torch: the mask must be passed too.
``dtype`` (float64 by default) sets the weights' dtype; ``device`` is accepted for torch's
signature, the weights live on the active backend.

Example::

    import gpuad.nn as nn
    model = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
                           dim_feedforward=32, batch_first=True)
    mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
    out = model(src, tgt, tgt_mask=mask)  # src (N, S, 16), tgt (N, T, 16) -> (N, T, 16)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from . import functional as F
from .attention_layers import MultiheadAttention
from .containers import ModuleList
from .init_inplace import xavier_uniform_
from .modules import Dropout, LayerNorm, Linear, Module

__all__ = [
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerDecoder",
    "Transformer",
]

Array = Any


def _activation(op: str, activation: str | Callable) -> Callable:
    if isinstance(activation, str):
        fns = {"relu": F.relu, "gelu": F.gelu}
        if activation not in fns:
            raise ValueError(f"{op}: activation should be 'relu' or 'gelu', not {activation!r}")
        return fns[activation]
    if not callable(activation):
        raise TypeError(
            f"{op}: activation must be 'relu', 'gelu' or a callable, got "
            f"{type(activation).__name__}"
        )
    return activation


def _norm(d_model: int, eps: float, bias: bool, dtype: Any) -> LayerNorm:
    return LayerNorm(d_model, eps=eps, bias=bias, dtype=dtype)


def _check_hint(op: str, is_causal: Any, mask: Any, flag: str, name: str) -> None:
    if is_causal and mask is None:
        raise ValueError(
            f"{op}: {flag}=True is a hint that {name} is causal; pass {name} too "
            f"(e.g. nn.Transformer.generate_square_subsequent_mask(L))"
        )


def _dtype(dtype: Any) -> Any:
    return float if dtype is None else dtype


class _Layer(Module):
    """What the encoder and decoder layers share: attention, the feed-forward block, the
    norms and dropouts."""

    def _init_common(
        self,
        op: str,
        d_model: int,
        nhead: int,
        dim_feedforward: int,
        dropout: float,
        activation: str | Callable,
        layer_norm_eps: float,
        batch_first: bool,
        norm_first: bool,
        bias: bool,
        dtype: Any,
        n_norms: int,
    ) -> None:
        dt = _dtype(dtype)
        mha = (d_model, nhead, dropout, bias)
        self.self_attn = MultiheadAttention(*mha, batch_first=batch_first, dtype=dt)
        if n_norms == 3:  # the decoder's attention over memory
            self.multihead_attn = MultiheadAttention(*mha, batch_first=batch_first, dtype=dt)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dt)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dt)
        self.norm_first = norm_first
        for i in range(1, n_norms + 1):
            setattr(self, f"norm{i}", _norm(d_model, layer_norm_eps, bias, dt))
        for i in range(1, n_norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(op, activation)
        self.batch_first = batch_first

    def _sa_block(self, x: Array, mask: Any, key_padding_mask: Any, is_causal: bool) -> Array:
        y = self.self_attn(
            x,
            x,
            x,
            attn_mask=mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout1(y)

    def _ff_block(self, x: Array, out_dropout: Dropout) -> Array:
        y = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return out_dropout(y)


class TransformerEncoderLayer(_Layer):
    """Self-attention and a feed-forward block, each with a residual connection and
    LayerNorm, as ``torch.nn.TransformerEncoderLayer``.

    ``forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``: ``src``
    (S, N, E), (N, S, E) with ``batch_first``, or unbatched (S, E). ``norm_first`` normalises
    before each block (pre-norm) instead of after the residual sum. ``activation``: "relu",
    "gelu" or a callable (a Module becomes a submodule). Dropout acts while training.

    Example: ``y = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)(x, src_mask=mask)``
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        self._init_common(
            "TransformerEncoderLayer",
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
            dtype,
            2,
        )

    def forward(
        self,
        src: Array,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Array:
        _check_hint("TransformerEncoderLayer", is_causal, src_mask, "is_causal", "src_mask")
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_Layer):
    """Self-attention, attention over ``memory`` (``multihead_attn``) and a feed-forward
    block, each with a residual connection and LayerNorm, as
    ``torch.nn.TransformerDecoderLayer``.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False)``: ``tgt``
    (T, N, E) and ``memory`` (S, N, E) ((N, ., E) with ``batch_first``; unbatched (T, E)).

    Example: ``y = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0)(tgt, memory)``
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        self._init_common(
            "TransformerDecoderLayer",
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
            dtype,
            3,
        )

    def _mha_block(self, x: Array, mem: Array, mask: Any, kpm: Any, is_causal: bool) -> Array:
        y = self.multihead_attn(
            x,
            mem,
            mem,
            attn_mask=mask,
            key_padding_mask=kpm,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return self.dropout2(y)

    def forward(
        self,
        tgt: Array,
        memory: Array,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Array:
        op = "TransformerDecoderLayer"
        _check_hint(op, tgt_is_causal, tgt_mask, "tgt_is_causal", "tgt_mask")
        _check_hint(op, memory_is_causal, memory_mask, "memory_is_causal", "memory_mask")
        x, tk, mk = tgt, tgt_key_padding_mask, memory_key_padding_mask
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tk, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, mk, memory_is_causal)
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._sa_block(x, tgt_mask, tk, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, mk, memory_is_causal))
        return self.norm3(x + self._ff_block(x, self.dropout3))


def _clones(op: str, layer: Module, num_layers: int) -> ModuleList:
    if not isinstance(layer, Module):
        raise TypeError(f"{op}: the layer to stack must be a Module, got {type(layer).__name__}")
    if num_layers < 0:
        raise ValueError(f"{op}: num_layers must be >= 0, got {num_layers}")
    return ModuleList(copy.deepcopy(layer) for _ in range(num_layers))


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` (``layers.0``, ``layers.1``, ...)
    applied in turn, then ``norm`` if given, as ``torch.nn.TransformerEncoder``.

    ``forward(src, mask=None, src_key_padding_mask=None, is_causal=None)``.
    ``enable_nested_tensor`` and ``mask_check`` are accepted and change nothing: padded
    positions of the output hold their computed values (torch's nested-tensor path, taken
    in inference without autograd, writes zeros there).

    Example: ``enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3)``
    """

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        self.layers = _clones("TransformerEncoder", encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(
        self,
        src: Array,
        mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool | None = None,
    ) -> Array:
        _check_hint("TransformerEncoder", is_causal, mask, "is_causal", "mask")
        x = src
        for layer in self.layers:
            x = layer(
                x,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=bool(is_causal),
            )
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` applied in turn to ``tgt``, each
    attending to ``memory``, then ``norm`` if given, as ``torch.nn.TransformerDecoder``.

    ``forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)``.

    Example: ``dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 3)``
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        self.layers = _clones("TransformerDecoder", decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Array,
        memory: Array,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Array:
        x = tgt
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """An encoder-decoder Transformer, as ``torch.nn.Transformer``: ``encoder`` and
    ``decoder`` stacks, each ending in a LayerNorm (``encoder.norm``, ``decoder.norm``);
    every weight matrix is initialised ``xavier_uniform_`` (draws from
    ``gpuad.numpy.random``).

    ``forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False)``: ``src`` (S, N, E),
    ``tgt`` (T, N, E) ((N, ., E) with ``batch_first``); returns (T, N, E).

    Example::

        model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
                               num_decoder_layers=1, dim_feedforward=16)
        out = model(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(5))
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        args = (dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first)
        dt = _dtype(dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, *args, bias=bias, dtype=dt)
            norm = _norm(d_model, layer_norm_eps, bias, dt)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, *args, bias=bias, dtype=dt)
            norm = _norm(d_model, layer_norm_eps, bias, dt)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        for p in self.parameters():
            if len(p.shape) > 1:
                xavier_uniform_(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(
        self,
        src: Array,
        tgt: Array,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Array:
        ss, ts = tuple(_r.shape(src)), tuple(_r.shape(tgt))
        axis = 0 if self.batch_first else 1
        if len(ss) == 3 and len(ts) == 3 and ss[axis] != ts[axis]:
            raise ValueError(
                f"Transformer: src {ss} and tgt {ts} must have the same batch size (axis "
                f"{axis}{' with batch_first' if self.batch_first else ''})"
            )
        if ss[-1] != self.d_model or ts[-1] != self.d_model:
            raise ValueError(
                f"Transformer: the feature number of src {ss} and tgt {ts} must equal "
                f"d_model={self.d_model}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Array:
        """A float (sz, sz) mask: ``-inf`` above the diagonal (the future), 0 elsewhere.

        Example: ``nn.Transformer.generate_square_subsequent_mask(4)``
        """
        return gnp.triu(gnp.full((sz, sz), -math.inf, dtype=_dtype(dtype)), 1)
