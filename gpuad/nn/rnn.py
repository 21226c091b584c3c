"""Recurrent layers as torch's: ``RNN``, ``LSTM``, ``GRU`` (``num_layers``, ``batch_first``,
``bidirectional``, ``dropout`` between layers, initial states, LSTM's ``proj_size``, packed
sequences) and the single steps ``RNNCell``, ``LSTMCell``, ``GRUCell``. Parameter names
(``weight_ih_l0``, ``weight_hh_l0_reverse``, ``bias_ih_l1``, ``weight_hr_l0``, ...), shapes
and gate orders (LSTM: input, forget, cell, output; GRU: reset, update, new) are torch's, so a
torch ``state_dict`` loads.

The time loop is a Python loop of differentiable steps, with the input projections of all
steps of a layer done in one matmul. A ``PackedSequence`` input (``gpuad.nn.utils.rnn``) runs
the first ``batch_sizes[t]`` sequences at step ``t``: each sequence's final state is the one
after its own last step, and the reverse direction starts at each sequence's own end.

Example::

    import gpuad.nn as nn
    lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
    out, (h, c) = lstm(x)  # x (N, L, 8): out (N, L, 16), h and c (2, N, 16)
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from . import functional as F
from . import init
from .modules import Module, Parameter
from .rnn_utils import PackedSequence

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
    gi: Array,
    state: tuple[Array, Array],
    w_hh: Array,
    b_hh: Array | None,
    w_hr: Array | None = None,
) -> tuple[Array, Array]:
    h, c = state
    g = gi + _matT(h, w_hh)
    if b_hh is not None:
        g = g + b_hh
    i, f, gg, o = _gates(g, 4, _r.shape(c)[-1])
    c2 = F.sigmoid(f) * c + F.sigmoid(i) * gnp.tanh(gg)
    h2 = F.sigmoid(o) * gnp.tanh(c2)
    return (h2 if w_hr is None else _matT(h2, w_hr)), c2


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
        device: Any = None,
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
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
        dtype: Any = float,
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
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
        dtype: Any = float,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Array, hx: Array | None = None) -> Array:
        gi, (h,), unbatched = self._prepare(input, hx, 1)
        h = _gru_step(gi, h, self.weight_hh, self.bias_hh)
        return gnp.squeeze(h, 0) if unbatched else h


# ---- sequence layers --------------------------------------------------------------------------


def _rows(a: Array, start: int, stop: int) -> Array:
    return gnp.getitem(a, slice(start, stop))


def _scan(
    step: Any, g_at: Any, init: tuple[Array, ...], sizes: list[int], reverse: bool
) -> tuple[list[Array], tuple[Array, ...]]:
    """One direction of one layer: ``state = step(g_at(t), state)`` over the time steps, where
    the first ``sizes[t]`` sequences (the longest first, as a PackedSequence orders them) take
    part in step ``t``. ``init`` holds every sequence's initial state. Returns each step's
    output and each sequence's state after its own last step: the forward direction leaves a
    sequence when it ends, the reverse one takes it up at its own end."""
    n = len(sizes)
    hs: list[Array] = [None] * n  # type: ignore[list-item]
    if reverse:
        b = sizes[-1]
        state = init if b == _r.shape(init[0])[0] else tuple(_rows(s, 0, b) for s in init)
        for t in range(n - 1, -1, -1):
            if sizes[t] > b:
                state = tuple(
                    gnp.concatenate([s, _rows(s0, b, sizes[t])], axis=0)
                    for s, s0 in zip(state, init, strict=True)
                )
                b = sizes[t]
            state = step(g_at(t), state)
            hs[t] = state[0]
        return hs, state
    done: list[tuple[Array, ...]] = []  # the states of the sequences that ended, by step
    state, b = init, _r.shape(init[0])[0]
    for t in range(n):
        if sizes[t] < b:
            done.append(tuple(_rows(s, sizes[t], b) for s in state))
            state = tuple(_rows(s, 0, sizes[t]) for s in state)
            b = sizes[t]
        state = step(g_at(t), state)
        hs[t] = state[0]
    if done:  # the shortest sequences (the last rows) ended first
        state = tuple(
            gnp.concatenate([s, *parts[::-1]], axis=0)
            for s, parts in zip(state, zip(*done, strict=True), strict=True)
        )
    return hs, state


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
        proj_size: int = 0,
    ) -> None:
        name = type(self).__name__
        for what, v in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(v, int | np.integer) or isinstance(v, bool):
                raise TypeError(f"{name}: {what} should be an int, got {type(v).__name__}")
        if input_size < 1:
            raise ValueError(f"{name}: input_size must be positive, got {input_size}")
        for what, v in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(v, bool | np.bool_):  # a string such as "False" is truthy
                raise TypeError(f"{name}: {what} should be a bool, got {type(v).__name__}")
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be a positive int, got {num_layers!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must lie in [0, 1], got {dropout}")
        if hidden_size < 1:
            raise ValueError(f"{name}: hidden_size must be positive, got {hidden_size}")
        if not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError(
                f"{name}: proj_size should be a positive integer or zero to disable "
                f"projections, got {proj_size!r}"
            )
        if proj_size >= hidden_size:
            raise ValueError(
                f"{name}: proj_size has to be smaller than hidden_size, got proj_size="
                f"{proj_size} and hidden_size={hidden_size}"
            )
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        g = _GATES[mode] * hidden_size
        h_out = proj_size or hidden_size
        d = 2 if bidirectional else 1
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else h_out * d
            for sfx in ("", "_reverse")[:d]:
                setattr(self, f"weight_ih_l{layer}{sfx}", _uniform((g, n_in), hidden_size, dtype))
                setattr(self, f"weight_hh_l{layer}{sfx}", _uniform((g, h_out), hidden_size, dtype))
                if bias:
                    setattr(self, f"bias_ih_l{layer}{sfx}", _uniform((g,), hidden_size, dtype))
                    setattr(self, f"bias_hh_l{layer}{sfx}", _uniform((g,), hidden_size, dtype))
                if proj_size:
                    shape = (proj_size, hidden_size)
                    setattr(self, f"weight_hr_l{layer}{sfx}", _uniform(shape, hidden_size, dtype))

    @property
    def _flat_weights_names(self) -> list[str]:
        """The weights' names in torch's order (``weight_ih_l0``, ``weight_hh_l0``, ...), as
        torch's internal list that initialisation code loops over."""
        return [n for n, _ in self.named_parameters()]

    def flatten_parameters(self) -> None:
        """torch's request to lay the weights out in one cuDNN buffer; gpuad's layers read
        each weight as it is, so there is nothing to do (the values are unchanged either way).
        Example: ``self.encoder.flatten_parameters()`` in a ``forward``"""

    def _step(self, layer: int, sfx: str) -> Any:
        """The step function of one layer and direction: (gate inputs, states) -> states."""
        def get(name: str) -> Any:  # through a parametrization's property, if any
            return getattr(self, name, None)

        w_hh, b_hh = get(f"weight_hh_l{layer}{sfx}"), get(f"bias_hh_l{layer}{sfx}")
        if self.mode == "LSTM":
            w_hr = get(f"weight_hr_l{layer}{sfx}")
            return lambda g, st: _lstm_step(g, st, w_hh, b_hh, w_hr)
        if self.mode == "GRU":
            return lambda g, st: (_gru_step(g, st[0], w_hh, b_hh),)
        act = _act(self.mode)
        return lambda g, st: (_rnn_step(act, g, st[0], w_hh, b_hh),)

    def _run(
        self, x: Array, hx: list[list[Array]], sizes: list[int] | None = None
    ) -> tuple[Array, list[list[Array]]]:
        """``x`` (L, N, in), or packed data (T, in) with its batch sizes ``sizes``, and the
        initial states (one list per state kind, each layer*D arrays (N, *)) -> the output in
        the layout of ``x`` with D*H features, and the final states in that of ``hx``."""
        d = 2 if self.bidirectional else 1
        if sizes is None:
            sizes = [_r.shape(hx[0][0])[0]] * _r.shape(x)[0]
            g_at, join = gnp.getitem, lambda hs: gnp.stack(hs, axis=0)
        else:
            starts = list(itertools.accumulate(sizes, initial=0))
            join = lambda hs: gnp.concatenate(hs, axis=0)

            def g_at(gi: Array, t: int) -> Array:
                return _rows(gi, starts[t], starts[t + 1])

        finals: list[list[Array]] = [[] for _ in hx]
        for layer in range(self.num_layers):
            outs = []
            for k, sfx in enumerate(("", "_reverse")[:d]):
                gi = _matT(x, getattr(self, f"weight_ih_l{layer}{sfx}"))  # every step at once
                b_ih = getattr(self, f"bias_ih_l{layer}{sfx}", None)
                if b_ih is not None:
                    gi = gi + b_ih
                init = tuple(s[layer * d + k] for s in hx)
                hs, state = _scan(
                    self._step(layer, sfx), lambda t: g_at(gi, t), init, sizes, bool(k)
                )
                outs.append(join(hs))
                for f, s in zip(finals, state, strict=True):
                    f.append(s)
            x = outs[0] if d == 1 else gnp.concatenate(outs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, finals

    def _initial_states(
        self, hx: Any, n: int, x: Array, n_states: int, unbatched: bool, shown: str
    ) -> list[list[Array]]:
        """``hx`` checked against the batch size ``n`` (zeros where None), split by layer."""
        name = type(self).__name__
        d = 2 if self.bidirectional else 1
        sizes = [self.proj_size or self.hidden_size, self.hidden_size][:n_states]
        wants = [(self.num_layers * d, n, h) for h in sizes]
        if hx is None:
            dt = gnp.result_type(x, self.weight_ih_l0)
            states = [gnp.zeros(w, dtype=dt) for w in wants]
        else:
            states = list(hx) if n_states > 1 else [hx]
            if len(states) != n_states:
                raise ValueError(f"{name}: hx must be a tuple (h_0, c_0), got {len(states)} arrays")
            states = [gnp.expand_dims(h, 1) if unbatched else h for h in states]
            for i, (h, want) in enumerate(zip(states, wants, strict=True)):
                if tuple(_r.shape(h)) != want:
                    which = ("h_0", "c_0")[i] if n_states > 1 else "the initial state"
                    got = tuple(_r.shape(h))
                    if unbatched:
                        want, got = want[:1] + want[2:], got[:1] + got[2:]
                    raise ValueError(
                        f"{name}: {which} must have shape {want} "
                        f"(num_layers * num_directions, [N,] "
                        f"{'proj_size' if i == 0 and self.proj_size else 'hidden_size'}) "
                        f"for {shown}, got {got}"
                    )
        return [
            [gnp.getitem(h, i) for i in range(w[0])] for h, w in zip(states, wants, strict=True)
        ]

    def _forward(self, input: Array, hx: Any, n_states: int) -> tuple[Any, Any]:
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx, n_states)
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
        per_layer = self._initial_states(hx, n, x, n_states, unbatched, f"an input of shape {s}")
        out, finals = self._run(x, per_layer)
        finals = [gnp.stack(f, axis=0) for f in finals]
        if unbatched:
            out = gnp.squeeze(out, 1)
            finals = [gnp.squeeze(f, 1) for f in finals]
        elif self.batch_first:
            out = gnp.swapaxes(out, 0, 1)
        return out, (tuple(finals) if n_states > 1 else finals[0])

    def _forward_packed(
        self, input: PackedSequence, hx: Any, n_states: int
    ) -> tuple[PackedSequence, Any]:
        """As torch: the states follow the sequences' sorted order inside, hx and the final
        states are in the batch's own order outside."""
        name = type(self).__name__
        data, batch_sizes, sorted_indices, unsorted_indices = input
        s = tuple(_r.shape(data))
        if len(s) != 2 or s[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected a PackedSequence with data (T, {self.input_size}), got data "
                f"of shape {s}"
            )
        sizes = [int(b) for b in batch_sizes]
        if s[0] != sum(sizes):
            raise ValueError(
                f"{name}: the PackedSequence's data has {s[0]} rows but its batch_sizes "
                f"{sizes} count {sum(sizes)} steps"
            )
        n = sizes[0]
        if hx is not None and sorted_indices is not None:
            hx = (
                tuple(gnp.take(h, sorted_indices, axis=1) for h in hx)
                if n_states > 1
                else gnp.take(hx, sorted_indices, axis=1)
            )
        shown = f"a PackedSequence of batch size {n}"
        per_layer = self._initial_states(hx, n, data, n_states, False, shown)
        out, finals = self._run(data, per_layer, sizes)
        finals = [gnp.stack(f, axis=0) for f in finals]
        if unsorted_indices is not None:
            finals = [gnp.take(f, unsorted_indices, axis=1) for f in finals]
        packed = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        return packed, (tuple(finals) if n_states > 1 else finals[0])

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
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
    ``batch_first``, or (L, in), or a PackedSequence (then ``output`` is one too); ``h_0``
    (num_layers * directions, N, hidden) defaults to zeros; returns ``(output, h_n)``.

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

    def forward(self, input: Array | PackedSequence, hx: Array | None = None) -> tuple[Any, Array]:
        return self._forward(input, hx, 1)


class LSTM(_RNNBase):
    """LSTM over a sequence, as ``torch.nn.LSTM``: returns ``(output, (h_n, c_n))``;
    ``hx = (h_0, c_0)`` defaults to zeros. ``proj_size=p`` projects each ``h`` to ``p``
    features with ``weight_hr_l{k}`` (p, hidden_size): ``output`` and ``h_n`` have ``p``
    features, ``c_n`` keeps ``hidden_size``. A PackedSequence input gives a PackedSequence
    output.

    Example: ``out, (h, c) = nn.LSTM(3, 5, batch_first=True, proj_size=2)(x)``
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
            proj_size,
        )

    def forward(
        self, input: Array | PackedSequence, hx: tuple[Array, Array] | None = None
    ) -> tuple[Any, tuple[Array, Array]]:
        return self._forward(input, hx, 2)


class GRU(_RNNBase):
    """GRU over a sequence (or a PackedSequence), as ``torch.nn.GRU``: returns
    ``(output, h_n)``.

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

    def forward(self, input: Array | PackedSequence, hx: Array | None = None) -> tuple[Any, Array]:
        return self._forward(input, hx, 1)
