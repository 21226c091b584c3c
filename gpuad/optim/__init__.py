"""Gradient-descent optimisers: SGD (with momentum), Adam, AdamW, as in ``torch.optim``.

``step()`` reads each parameter's ``.grad`` and updates ``p.data`` in place on the device
(backend in-place operations under ``gpuad.no_grad()``; nothing is recorded on the tape). Each
update bumps the parameter's version, so a backward through a graph recorded before the step
(``loss = f(w); opt.step(); loss.backward()``) raises ``GradError`` instead of silently using
the new weights where the old ones were saved.

One parameter's update is split in three, so that ``gpuad.jit`` can record it as array steps
and replay it (as part of one CUDA graph on the GPU) with the values that change per call kept
out of the recorded kernels: ``_tick(st)`` advances the per-parameter counters (Adam's step
count), ``_scalars(st)`` gives every number the update uses (learning rate, bias corrections,
betas, ...) as Python floats, and ``_apply(xp, p, g, st, s)`` does the array work, taking each
such number from ``s`` (a compiled step passes 0-d device arrays there, refreshed before each
replay). ``_flags()`` names the branches ``_apply`` takes (a compiled step traces again when
they change). A subclass that overrides only ``_update`` still works, inside ``jit`` too (as
one opaque step, without a CUDA graph).

Example::

    opt = gpuad.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in batches:
        opt.zero_grad()
        loss = nn.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .._state import no_grad
from ..backends import get_backend
from ..tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]


class Optimizer:
    """Base class: holds the parameters and per-parameter state; subclasses define ``_update``.

    Example: ``opt.zero_grad(); loss.backward(); opt.step()``
    """

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        from ..nn.modules import Parameter

        for i, p in enumerate(self.params):
            # a frozen nn.Parameter (requires_grad=False) is accepted and skipped while it has
            # no gradient, as model.parameters() lists it
            if not isinstance(p, Tensor) or not (p.requires_grad or isinstance(p, Parameter)):
                raise TypeError(f"{type(self).__name__}: parameter {i} is not a Tensor that "
                                f"requires grad (got {type(p).__name__})")
            if not p.is_leaf:
                raise TypeError(f"{type(self).__name__}: parameter {i} is the result of a "
                                f"recorded op, not a leaf; optimise the leaf it was computed "
                                f"from (or pass x.detach().requires_grad_())")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if id(p) in seen:  # it would be updated twice per step
                raise ValueError(f"{type(self).__name__}: parameter {i} appears more than once "
                                 f"in the parameter list; pass each parameter once")
            seen.add(id(p))
        if lr < 0:
            raise ValueError(f"{type(self).__name__}: learning rate must be >= 0, got {lr}")
        self.lr = lr
        self.state: list[dict[str, Any]] = [{} for _ in self.params]
        self.step_count = 0

    def zero_grad(self) -> None:
        """Drop every parameter's accumulated gradient (``p.grad = None``)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient."""
        self.step_count += 1
        xp = get_backend().xp
        with no_grad():
            for p, st in zip(self.params, self.state, strict=True):
                if p.grad is None:
                    continue
                g = p.grad.data if isinstance(p.grad, Tensor) else p.grad
                self._update(xp, *_real_views(type(self).__name__, p.data, xp.asarray(g)), st)
                p._ver[0] += 1  # the write is in place: steps that saved p are now stale
                p._seen = p._ver[0]

    def _update(self, xp: Any, p: Any, g: Any, st: dict[str, Any]) -> None:
        """One parameter's update, eagerly: state made on first use, counters advanced, then
        the array work with this step's numbers."""
        self._init_state(xp, p, st)
        self._tick(st)
        self._apply(xp, p, g, st, self._scalars(st))

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any]) -> None:
        """Create the per-parameter state arrays that do not depend on a gradient."""

    def _tick(self, st: dict[str, Any]) -> None:
        """Advance the per-parameter counters (once per step, before ``_scalars``)."""

    def _scalars(self, st: dict[str, Any]) -> dict[str, float]:
        """Every number ``_apply`` uses this step (hyperparameters, bias corrections)."""
        raise NotImplementedError

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any]) -> None:
        """The array work of one parameter's update, numbers taken from ``s``."""
        raise NotImplementedError

    def _flags(self) -> tuple:
        """The branches ``_apply`` takes, as a hashable value."""
        return ()


def _real_views(who: str, p: Any, g: Any) -> tuple[Any, Any]:
    """``(p, g)`` checked against each other; a complex pair as real views of (re, im) pairs,
    so that each update treats the real and imaginary parts as two real parameters
    (``torch.view_as_real``, which torch's optimisers apply to complex parameters)."""
    if tuple(g.shape) != tuple(p.shape):
        raise ValueError(f"{who}.step: a gradient of shape {tuple(g.shape)} for a parameter of "
                         f"shape {tuple(p.shape)}; .grad must have the parameter's shape")
    if g.dtype.kind == "c" and p.dtype.kind != "c":
        raise TypeError(f"{who}.step: a complex gradient ({g.dtype}) for a real parameter "
                        f"({p.dtype}); its imaginary part would be dropped")
    if g.dtype != p.dtype:
        g = g.astype(p.dtype)
    if p.dtype.kind != "c":
        return p, g
    if not p.flags.c_contiguous:
        raise ValueError(f"{who}.step: a complex parameter must be C-contiguous (it is updated "
                         f"through a real view of its (re, im) pairs)")
    real = p.real.dtype
    return p.reshape(-1).view(real), g.reshape(-1).view(real)


def _check(who: str, name: str, value: float, low: float, high: float | None = None) -> None:
    if not (value >= low and (high is None or value < high)):
        span = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{who}: {name} must be {span}, got {value}")


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 weight
    decay, the rule of ``torch.optim.SGD``: ``g += wd p`` (``g = -g`` first with
    ``maximize``); ``b = g`` at the first step, then ``b = mu b + (1 - dampening) g``;
    ``p -= lr (g + mu b if nesterov else b)``.

    Example: ``opt = SGD(model.parameters(), lr=0.1, momentum=0.9)``
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False) -> None:
        super().__init__(params, lr)
        _check("SGD", "momentum", momentum, 0.0)
        _check("SGD", "weight_decay", weight_decay, 0.0)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got "
                             f"momentum={momentum}, dampening={dampening}")
        self.momentum, self.dampening = momentum, dampening
        self.weight_decay, self.nesterov, self.maximize = weight_decay, nesterov, maximize

    def _scalars(self, st: dict[str, Any]) -> dict[str, float]:
        return {"lr": self.lr, "wd": self.weight_decay, "mu": self.momentum,
                "damp": 1.0 - self.dampening}

    def _flags(self) -> tuple:
        return (self.maximize, bool(self.weight_decay), bool(self.momentum),
                bool(self.dampening), self.nesterov)

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any]) -> None:
        if self.maximize:
            g = -g
        if self.weight_decay:
            g = g + s["wd"] * p
        if self.momentum:
            buf = st.get("momentum")
            if buf is None:
                buf = st["momentum"] = xp.array(g, copy=True)
            else:
                buf *= s["mu"]
                buf += s["damp"] * g if self.dampening else g
            g = g + s["mu"] * buf if self.nesterov else buf
        p -= s["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction; ``weight_decay`` adds ``wd * p`` to the
    gradient (L2, as ``torch.optim.Adam``); ``amsgrad`` divides by the running maximum of the
    second moment; ``maximize`` ascends.

    Example: ``opt = Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))``
    """

    decoupled = False

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr)
        who = type(self).__name__
        _check(who, "betas[0]", betas[0], 0.0, 1.0)
        _check(who, "betas[1]", betas[1], 0.0, 1.0)
        _check(who, "eps", eps, 0.0)
        _check(who, "weight_decay", weight_decay, 0.0)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.amsgrad, self.maximize = amsgrad, maximize

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any]) -> None:
        if "m" not in st:
            st["m"], st["v"], st["t"] = xp.zeros_like(p), xp.zeros_like(p), 0
        if self.amsgrad and "vmax" not in st:
            st["vmax"] = xp.zeros_like(p)

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any]) -> dict[str, float]:
        b1, b2 = self.betas
        t = st["t"]
        return {"b1": b1, "1-b1": 1.0 - b1, "b2": b2, "1-b2": 1.0 - b2,
                "wd": self.weight_decay, "decay": 1.0 - self.lr * self.weight_decay,
                "step": self.lr / (1.0 - b1 ** t), "bc2": math.sqrt(1.0 - b2 ** t),
                "eps": self.eps}

    def _flags(self) -> tuple:
        return (self.maximize, bool(self.weight_decay), self.decoupled, self.amsgrad)

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any]) -> None:
        if self.maximize:
            g = -g
        if self.weight_decay:
            if self.decoupled:
                p *= s["decay"]
            else:
                g = g + s["wd"] * p
        m, v = st["m"], st["v"]
        m *= s["b1"]
        m += s["1-b1"] * g
        v *= s["b2"]
        v += s["1-b2"] * (g * g)
        if self.amsgrad:
            xp.maximum(st["vmax"], v, out=st["vmax"])
            v = st["vmax"]
        denom = xp.sqrt(v)
        denom /= s["bc2"]
        denom += s["eps"]
        p -= s["step"] * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * wd`` before the
    Adam step, as ``torch.optim.AdamW``.

    Example: ``opt = AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)``
    """

    decoupled = True

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
