"""Adadelta with L2 weight decay (``torch.optim.Adadelta``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .optimizer import Hyper, Optimizer, check_range, coupled_gradient, implementation_options


class Adadelta(Optimizer):
    """Adadelta, the rule of ``torch.optim.Adadelta``: ``g = -g`` with ``maximize``;
    ``g += wd p``; ``sq = rho sq + (1 - rho) g^2``;
    ``d = sqrt(acc + eps) / sqrt(sq + eps) * g``; ``acc = rho acc + (1 - rho) d^2``;
    ``p -= lr d`` (``sq`` and ``acc`` start at zero). ``foreach``/``capturable`` are accepted
    and change nothing.

    Example: ``opt = Adadelta(model.parameters(), lr=1.0)`` (pytorch/examples' mnist)
    """

    rho = Hyper()
    eps = Hyper()
    weight_decay = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"t", "square_avg", "acc_delta"})
    state_required = frozenset({"t", "square_avg", "acc_delta"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1.0,
                 rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0,
                 foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        implementation_options("Adadelta", foreach, None, capturable, differentiable)
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize})

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {group['rho']}")
        check_range("Adadelta", "eps", group["eps"], 0.0)
        check_range("Adadelta", "weight_decay", group["weight_decay"], 0.0)

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "square_avg" not in st:
            st["t"], st["square_avg"], st["acc_delta"] = 0, xp.zeros_like(p), xp.zeros_like(p)

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        r = group["rho"]
        return {"lr": group["lr"], "rho": r, "1-rho": 1.0 - r, "eps": group["eps"],
                "wd": group["weight_decay"]}

    def _flags(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["weight_decay"] != 0)

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any],
               group: dict) -> None:
        g = coupled_gradient(g, p, s, group)
        sq, acc = st["square_avg"], st["acc_delta"]
        sq *= s["rho"]
        sq += s["1-rho"] * (g * g)
        delta = xp.sqrt(acc + s["eps"]) / xp.sqrt(sq + s["eps"]) * g
        acc *= s["rho"]
        acc += s["1-rho"] * (delta * delta)
        p -= s["lr"] * delta
