"""SGD with momentum, dampening, Nesterov momentum and L2 weight decay (``torch.optim.SGD``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .optimizer import Hyper, Optimizer, check_range, coupled_gradient, implementation_options


class SGD(Optimizer):
    """Stochastic gradient descent, the rule of ``torch.optim.SGD``: ``g = -g`` with
    ``maximize``; ``g += wd p``; with momentum ``b = g`` at the first step, then
    ``b = mu b + (1 - dampening) g``, and ``g = g + mu b`` (Nesterov) or ``g = b``;
    ``p -= lr g``. ``foreach``/``fused`` are accepted and change nothing.

    Example: ``opt = SGD(model.parameters(), lr=0.1, momentum=0.9)``
    """

    momentum = Hyper()
    dampening = Hyper()
    weight_decay = Hyper()
    nesterov = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"momentum"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False, *, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        implementation_options("SGD", foreach, fused, False, differentiable)
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov,
                                  "maximize": maximize})

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("SGD", "momentum", group["momentum"], 0.0)
        check_range("SGD", "weight_decay", group["weight_decay"], 0.0)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got "
                             f"momentum={group['momentum']}, dampening={group['dampening']}")

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        return {"lr": group["lr"], "wd": group["weight_decay"], "mu": group["momentum"],
                "damp": 1.0 - group["dampening"]}

    def _flags(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["weight_decay"] != 0, group["momentum"] != 0,
                group["dampening"] != 0, bool(group["nesterov"]))

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any],
               group: dict) -> None:
        g = coupled_gradient(g, p, s, group)
        if group["momentum"] != 0:
            buf = st.get("momentum")
            if buf is None:
                buf = st["momentum"] = xp.array(g, copy=True)
            else:
                buf *= s["mu"]
                buf += s["damp"] * g if group["dampening"] != 0 else g
            g = g + s["mu"] * buf if group["nesterov"] else buf
        p -= s["lr"] * g
