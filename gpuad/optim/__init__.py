"""Gradient-descent optimisers: SGD (with momentum), Adam, AdamW, as in ``torch.optim``.

``step()`` reads each parameter's ``.grad`` and updates ``p.data`` in place on the device
(backend in-place operations under ``gpuad.no_grad()``; nothing is recorded on the tape). Each
update bumps the parameter's version, so a backward through a graph recorded before the step
(``loss = f(w); opt.step(); loss.backward()``) raises ``GradError`` instead of silently using
the new weights where the old ones were saved.

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
                self._update(xp, p.data, xp.asarray(g, dtype=p.data.dtype), st)
                p._ver[0] += 1  # the write is in place: steps that saved p are now stale
                p._seen = p._ver[0]

    def _update(self, xp: Any, p: Any, g: Any, st: dict[str, Any]) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov and L2 weight decay.

    Same rule as ``torch.optim.SGD`` (no dampening): ``g += wd p; b = mu b + g;
    p -= lr (g + mu b if nesterov else b)``.

    Example: ``opt = SGD(model.parameters(), lr=0.1, momentum=0.9)``
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, momentum: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(params, lr)
        self.momentum, self.weight_decay, self.nesterov = momentum, weight_decay, nesterov

    def _update(self, xp: Any, p: Any, g: Any, st: dict[str, Any]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            buf = st.get("momentum")
            if buf is None:
                buf = st["momentum"] = xp.array(g, copy=True)
            else:
                buf *= self.momentum
                buf += g
            g = g + self.momentum * buf if self.nesterov else buf
        p -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction; ``weight_decay`` adds ``wd * p`` to the
    gradient (L2, as ``torch.optim.Adam``).

    Example: ``opt = Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))``
    """

    decoupled = False

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay

    def _update(self, xp: Any, p: Any, g: Any, st: dict[str, Any]) -> None:
        b1, b2 = self.betas
        if self.weight_decay:
            if self.decoupled:
                p *= 1.0 - self.lr * self.weight_decay
            else:
                g = g + self.weight_decay * p
        if "m" not in st:
            st["m"], st["v"], st["t"] = xp.zeros_like(p), xp.zeros_like(p), 0
        m, v = st["m"], st["v"]
        st["t"] += 1
        t = st["t"]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        step = self.lr / (1.0 - b1 ** t)
        denom = xp.sqrt(v)
        denom /= math.sqrt(1.0 - b2 ** t)
        denom += self.eps
        p -= step * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * wd`` before the
    Adam step, as ``torch.optim.AdamW``.

    Example: ``opt = AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)``
    """

    decoupled = True

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)
