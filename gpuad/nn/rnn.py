"""Recurrent layers as torch's: ``RNN``, ``LSTM``, ``GRU`` (``num_layers``, ``batch_first``,
``bidirectional``, ``dropout`` between layers, initial states) and the single steps
``RNNCell``, ``LSTMCell``, ``GRUCell``. Parameter names (``weight_ih_l0``,
``weight_hh_l0_reverse``, ``bias_ih_l1``, ...), shapes and gate orders (LSTM: input, forget,
cell, output; GRU: reset, update, new) are torch's, so a torch ``state_dict`` loads.

The time loop is a Python loop of differentiable steps, with the input projections of all
steps of a layer done in one matmul.

Example::

    import gpuad.nn as nn
    lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
    out, (h, c) = lstm(x)  # x (N, L, 8): out (N, L, 16), h and c (2, N, 16)
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .. import rules as _r
from . import functional as F
from . import init
from .modules import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]

Array = Any


def _matT(x: Array, w: Array) -> Array:
    return gnp.matmul(x, gnp.transpose(w))


def _gates(g: Array, k: int, h: int) -> list[Array]:
    return [gnp.getitem(g, (Ellipsis, slice(i * h, (i + 1) * h))) for i in range(k)]


def _rnn_step(act: Any, gi: Array, h: Array, w_hh: Array, b_hh: Array | None) -> Array:
    gh = _matT(h, w_hh)
    if b_hh is not None:
        gh = gh + b_hh
    return act(gi + gh)


def _lstm_step(
    gi: Array, state: tuple[Array, Array], w_hh: Array, b_hh: Array | None
) -> tuple[Array, Array]:
    h, c = state
    g = gi + _matT(h, w_hh)
    if b_hh is not None:
        g = g + b_hh
    i, f, gg, o = _gates(g, 4, _r.shape(h)[-1])
    c2 = F.sigmoid(f) * c + F.sigmoid(i) * gnp.tanh(gg)
    return F.sigmoid(o) * gnp.tanh(c2), c2


def _gru_step(gi: Array, h: Array, w_hh: Array, b_hh: Array | None) -> Array:
    gh = _matT(h, w_hh)
    if b_hh is not None:
        gh = gh + b_hh
    n_h = _r.shape(h)[-1]
    ir, iz, in_ = _gates(gi, 3, n_h)
    hr, hz, hn = _gates(gh, 3, n_h)
    r = F.sigmoid(ir + hr)
    z = F.sigmoid(iz + hz)
    n = gnp.tanh(in_ + r * hn)
    return n + z * (h - n)  # (1 - z) * n + z * h


_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _act(mode: str) -> Any:
    return F.relu if mode == "RNN_RELU" else gnp.tanh


def _mode(nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


def _uniform(shape: tuple[int, ...], hidden: int, dtype: Any) -> Parameter:
    b = 1.0 / math.sqrt(hidden) if hidden > 0 else 0.0
    return Parameter(init.uniform(shape, -b, b, dtype))


# ---- cells ------------------------------------------------------------------------------------


class _Cell(Module):
    _mode = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, dtype: Any) -> None:
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = _GATES[self._mode] * hidden_size
        self.weight_ih = _uniform((g, input_size), hidden_size, dtype)
        self.weight_hh = _uniform((g, hidden_size), hidden_size, dtype)
        self.bias_ih = _uniform((g,), hidden_size, dtype) if bias else None
        self.bias_hh = _uniform((g,), hidden_size, dtype) if bias else None

    def _prepare(self, x: Array, hx: Any, n_states: int) -> tuple[Array, Any, bool]:
        name = type(self).__name__
        s = tuple(_r.shape(x))
        if len(s) not in (1, 2) or s[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected an input (N, {self.input_size}) or "
                f"({self.input_size},), got shape {s}"
            )
        unbatched = len(s) == 1
        if unbatched:
            x = gnp.expand_dims(x, 0)
        n = _r.shape(x)[0]
        want = (n, self.hidden_size)
        if hx is None:
            zero = gnp.zeros(want, dtype=gnp.result_type(x, self.weight_ih))
            states = [zero] * n_states
        else:
            states = list(hx) if n_states > 1 else [hx]
            if len(states) != n_states:
                raise ValueError(f"{name}: hx must be a tuple (h, c), got {len(states)} arrays")
            states = [gnp.expand_dims(h, 0) if unbatched else h for h in states]
            for h in states:
                if tuple(_r.shape(h)) != want:
                    raise ValueError(
                        f"{name}: a hidden state must have shape "
                        f"{want[1:] if unbatched else want}, got "
                        f"{tuple(_r.shape(h))[unbatched:]}"
                    )
        gi = _matT(x, self.weight_ih)
        if self.bias_ih is not None:
            gi = gi + self.bias_ih
        return gi, states, unbatched

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class RNNCell(_Cell):
    """One Elman RNN step, ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu), as
    ``torch.nn.RNNCell``; ``hx`` defaults to zeros.

    Example: ``h = nn.RNNCell(3, 5)(x, h)``
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = float,
    ) -> None:
        self._mode = _mode(nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Array, hx: Array | None = None) -> Array:
        gi, (h,), unbatched = self._prepare(input, hx, 1)
        h = _rnn_step(_act(self._mode), gi, h, self.weight_hh, self.bias_hh)
        return gnp.squeeze(h, 0) if unbatched else h


class LSTMCell(_Cell):
    """One LSTM step, as ``torch.nn.LSTMCell``: gates in the order input, forget, cell,
    output; ``hx = (h, c)`` defaults to zeros; returns ``(h', c')``.

    Example: ``h, c = nn.LSTMCell(3, 5)(x, (h, c))``
    """

    _mode = "LSTM"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = float
    ) -> None:
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Array, hx: tuple[Array, Array] | None = None) -> tuple[Array, Array]:
        gi, state, unbatched = self._prepare(input, hx, 2)
        h, c = _lstm_step(gi, tuple(state), self.weight_hh, self.bias_hh)
        if unbatched:
            return gnp.squeeze(h, 0), gnp.squeeze(c, 0)
        return h, c


class GRUCell(_Cell):
    """One GRU step, as ``torch.nn.GRUCell``: gates reset, update, new, with
    ``n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))`` and ``h' = (1 - z) n + z h``.

    Example: ``h = nn.GRUCell(3, 5)(x, h)``
    """

    _mode = "GRU"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = float
    ) -> None:
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Array, hx: Array | None = None) -> Array:
        gi, (h,), unbatched = self._prepare(input, hx, 1)
        h = _gru_step(gi, h, self.weight_hh, self.bias_hh)
        return gnp.squeeze(h, 0) if unbatched else h


# ---- sequence layers --------------------------------------------------------------------------


class _RNNBase(Module):
    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int,
        bias: bool,
        batch_first: bool,
        dropout: float,
        bidirectional: bool,
        dtype: Any,
    ) -> None:
        name = type(self).__name__
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be a positive int, got {num_layers!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must lie in [0, 1], got {dropout}")
        if hidden_size < 1:
            raise ValueError(f"{name}: hidden_size must be positive, got {hidden_size}")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        g = _GATES[mode] * hidden_size
        d = 2 if bidirectional else 1
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else hidden_size * d
            for sfx in ("", "_reverse")[:d]:
                setattr(self, f"weight_ih_l{layer}{sfx}", _uniform((g, n_in), hidden_size, dtype))
                setattr(
                    self, f"weight_hh_l{layer}{sfx}", _uniform((g, hidden_size), hidden_size, dtype)
                )
                if bias:
                    setattr(self, f"bias_ih_l{layer}{sfx}", _uniform((g,), hidden_size, dtype))
                    setattr(self, f"bias_hh_l{layer}{sfx}", _uniform((g,), hidden_size, dtype))

    def _weights(self, layer: int, sfx: str) -> tuple[Any, Any, Any, Any]:
        get = self.__dict__.get
        return (
            get(f"weight_ih_l{layer}{sfx}"),
            get(f"weight_hh_l{layer}{sfx}"),
            get(f"bias_ih_l{layer}{sfx}"),
            get(f"bias_hh_l{layer}{sfx}"),
        )

    def _run(self, x: Array, hx: Any) -> tuple[Array, list[list[Array]]]:
        """``x`` (L, N, in) and initial states (one list per state kind, each layer*D
        arrays (N, H)) -> output (L, N, D*H) and the final states, in that layout."""
        lstm = self.mode == "LSTM"
        act = _act(self.mode)
        d = 2 if self.bidirectional else 1
        length = _r.shape(x)[0]
        finals: list[list[Array]] = [[] for _ in hx]
        for layer in range(self.num_layers):
            outs = []
            for k, sfx in enumerate(("", "_reverse")[:d]):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, sfx)
                gi = _matT(x, w_ih)  # every step's input projection at once: (L, N, G*H)
                if b_ih is not None:
                    gi = gi + b_ih
                state = tuple(s[layer * d + k] for s in hx)
                steps = range(length - 1, -1, -1) if k else range(length)
                hs: list[Array] = [None] * length  # type: ignore[list-item]
                for t in steps:
                    g_t = gnp.getitem(gi, t)
                    if lstm:
                        state = _lstm_step(g_t, state, w_hh, b_hh)
                    elif self.mode == "GRU":
                        state = (_gru_step(g_t, state[0], w_hh, b_hh),)
                    else:
                        state = (_rnn_step(act, g_t, state[0], w_hh, b_hh),)
                    hs[t] = state[0]
                if length:
                    outs.append(gnp.stack(hs, axis=0))
                for f, s in zip(finals, state, strict=True):
                    f.append(s)
            x = outs[0] if d == 1 else gnp.concatenate(outs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, finals

    def _forward(self, input: Array, hx: Any, n_states: int) -> tuple[Array, Any]:
        name = type(self).__name__
        s = tuple(_r.shape(input))
        if len(s) not in (2, 3) or s[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected an input (L, N, {self.input_size}) (batch_first:"
                f" (N, L, {self.input_size})) or (L, {self.input_size}), got shape "
                f"{s}"
            )
        if s[1 if len(s) == 3 and self.batch_first else 0] == 0:
            raise ValueError(f"{name}: the sequence is empty (input shape {s})")
        unbatched = len(s) == 2
        x = (
            gnp.expand_dims(input, 1)
            if unbatched
            else (gnp.swapaxes(input, 0, 1) if self.batch_first else input)
        )
        n = _r.shape(x)[1]
        d = 2 if self.bidirectional else 1
        want = (self.num_layers * d, n, self.hidden_size)
        w = self.weight_ih_l0
        if hx is None:
            zero = gnp.zeros(want, dtype=gnp.result_type(x, w))
            states = [zero] * n_states
        else:
            states = list(hx) if n_states > 1 else [hx]
            if len(states) != n_states:
                raise ValueError(f"{name}: hx must be a tuple (h_0, c_0), got {len(states)} arrays")
            states = [gnp.expand_dims(h, 1) if unbatched else h for h in states]
            for h in states:
                if tuple(_r.shape(h)) != want:
                    shown = want[:1] + want[2:] if unbatched else want
                    raise ValueError(
                        f"{name}: initial states must have shape {shown} "
                        f"(num_layers * num_directions, [N,] hidden_size) for "
                        f"an input of shape {s}"
                    )
        per_layer = [[gnp.getitem(h, i) for i in range(want[0])] for h in states]
        out, finals = self._run(x, per_layer)
        finals = [gnp.stack(f, axis=0) for f in finals]
        if unbatched:
            out = gnp.squeeze(out, 1)
            finals = [gnp.squeeze(f, 1) for f in finals]
        elif self.batch_first:
            out = gnp.swapaxes(out, 0, 1)
        return out, (tuple(finals) if n_states > 1 else finals[0])

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_RNNBase):
    """Elman RNN over a sequence, as ``torch.nn.RNN``: input (L, N, in), (N, L, in) with
    ``batch_first``, or (L, in); ``h_0`` (num_layers * directions, N, hidden) defaults to
    zeros; returns ``(output, h_n)``.

    Example: ``out, h = nn.RNN(3, 5, num_layers=2, bidirectional=True)(x)``
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = float,
    ) -> None:
        self.nonlinearity = nonlinearity
        super().__init__(
            _mode(nonlinearity),
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
        )

    def forward(self, input: Array, hx: Array | None = None) -> tuple[Array, Array]:
        return self._forward(input, hx, 1)


class LSTM(_RNNBase):
    """LSTM over a sequence, as ``torch.nn.LSTM`` (no ``proj_size``): returns
    ``(output, (h_n, c_n))``; ``hx = (h_0, c_0)`` defaults to zeros.

    Example: ``out, (h, c) = nn.LSTM(3, 5, batch_first=True)(x)``
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        dtype: Any = float,
    ) -> None:
        if proj_size:
            raise NotImplementedError(
                "LSTM: proj_size is not supported; use proj_size=0 and a Linear layer on the output"
            )
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
        )

    def forward(
        self, input: Array, hx: tuple[Array, Array] | None = None
    ) -> tuple[Array, tuple[Array, Array]]:
        return self._forward(input, hx, 2)


class GRU(_RNNBase):
    """GRU over a sequence, as ``torch.nn.GRU``: returns ``(output, h_n)``.

    Example: ``out, h = nn.GRU(3, 5, num_layers=2, dropout=0.1)(x)``
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = float,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
        )

    def forward(self, input: Array, hx: Array | None = None) -> tuple[Array, Array]:
        return self._forward(input, hx, 1)
