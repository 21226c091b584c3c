"""RMSprop, plain or centered, with momentum and L2 weight decay (``torch.optim.RMSprop``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .optimizer import Hyper, Optimizer, check_range, coupled_gradient, implementation_options


class RMSprop(Optimizer):
    """RMSprop, the rule of ``torch.optim.RMSprop``: ``g = -g`` with ``maximize``;
    ``g += wd p``; ``sq = alpha sq + (1 - alpha) g^2``; ``avg = sqrt(sq) + eps``, or with
    ``centered`` ``ga = alpha ga + (1 - alpha) g`` and ``avg = sqrt(sq - ga^2) + eps``; with
    momentum ``b = mu b + g / avg`` (``b`` starts at zero) and ``p -= lr b``, else
    ``p -= lr g / avg``. ``foreach``/``capturable`` are accepted and change nothing.

    Example: ``opt = RMSprop(model.parameters(), lr=1e-2, alpha=0.99)``
    """

    alpha = Hyper()
    eps = Hyper()
    weight_decay = Hyper()
    momentum = Hyper()
    centered = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"t", "square_avg", "momentum_buffer", "grad_avg"})
    state_required = frozenset({"t", "square_avg"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        implementation_options("RMSprop", foreach, None, capturable, differentiable)
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered, "maximize": maximize})

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("RMSprop", "eps", group["eps"], 0.0)
        check_range("RMSprop", "momentum", group["momentum"], 0.0)
        check_range("RMSprop", "weight_decay", group["weight_decay"], 0.0)
        check_range("RMSprop", "alpha", group["alpha"], 0.0)

    def _missing(self, st: dict[str, Any], group: dict) -> tuple | None:
        zeros = "opt.state[{i}]['square_avg'] * 0"
        if group["momentum"] > 0 and "momentum_buffer" not in st:
            return ("momentum", "momentum_buffer", "momentum_buffer", zeros)
        if group["centered"] and "grad_avg" not in st:
            return ("centered", "grad_avg", "grad_avg", zeros)
        return None

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "square_avg" not in st:
            st["t"], st["square_avg"] = 0, xp.zeros_like(p)
        if group["momentum"] > 0 and "momentum_buffer" not in st:
            st["momentum_buffer"] = xp.zeros_like(p)
        if group["centered"] and "grad_avg" not in st:
            st["grad_avg"] = xp.zeros_like(p)

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        a = group["alpha"]
        return {"lr": group["lr"], "alpha": a, "1-alpha": 1.0 - a, "eps": group["eps"],
                "wd": group["weight_decay"], "mu": group["momentum"]}

    def _flags(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["weight_decay"] != 0, group["momentum"] > 0,
                bool(group["centered"]))

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any],
               group: dict) -> None:
        g = coupled_gradient(g, p, s, group)
        sq = st["square_avg"]
        sq *= s["alpha"]
        sq += s["1-alpha"] * (g * g)
        if group["centered"]:
            ga = st["grad_avg"]
            ga *= s["alpha"]
            ga += s["1-alpha"] * g
            avg = xp.sqrt(sq - ga * ga)
        else:
            avg = xp.sqrt(sq)
        avg += s["eps"]
        if group["momentum"] > 0:
            buf = st["momentum_buffer"]
            buf *= s["mu"]
            buf += g / avg
            p -= s["lr"] * buf
        else:
            p -= s["lr"] * (g / avg)
