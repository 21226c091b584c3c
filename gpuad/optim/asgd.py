"""ASGD, averaged stochastic gradient descent (``torch.optim.ASGD``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .optimizer import (
    Hyper,
    Optimizer,
    check_range,
    coupled_gradient,
    implementation_options,
    number,
)


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky), the rule of ``torch.optim.ASGD``: ``g = -g`` with
    ``maximize``; ``g += wd p``; ``p *= 1 - lambd eta``; ``p -= eta g``;
    ``ax += mu (p - ax)`` (the average, ``opt.state[i]["ax"]``). After step ``t``,
    ``eta = lr / (1 + lambd lr t)^alpha`` and ``mu = 1 / max(1, t - t0)`` with that step's
    hyperparameters (numbers in the state; the first step uses ``eta = lr``, ``mu = 1``).
    ``foreach``/``capturable`` are accepted and change nothing.

    Example: ``opt = ASGD(model.parameters(), lr=1e-2, t0=100)``
    """

    lambd = Hyper()
    alpha = Hyper()
    t0 = Hyper()
    weight_decay = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"t", "eta", "mu", "ax"})
    state_required = state_keys

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        implementation_options("ASGD", foreach, None, capturable, differentiable)
        super().__init__(
            params,
            {
                "lr": lr,
                "lambd": lambd,
                "alpha": alpha,
                "t0": t0,
                "weight_decay": weight_decay,
                "maximize": maximize,
            },
        )

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("ASGD", "weight_decay", group["weight_decay"], 0.0)

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "ax" not in st:
            st["t"], st["eta"], st["mu"] = 0, float(number(group["lr"])), 1.0
            st["ax"] = xp.zeros_like(p)

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        eta, mu = st["eta"], st["mu"]
        return {
            "wd": group["weight_decay"],
            "eta": eta,
            "decay": 1.0 - group["lambd"] * eta,
            "mu": mu,
            "1-mu": 1.0 - mu,
        }

    def _after_step(self, st: dict[str, Any], group: dict) -> None:
        lr, t = float(group["lr"]), st["t"]  # (a Tensor lr: the state keeps numbers)
        st["eta"] = lr / (1.0 + group["lambd"] * lr * t) ** group["alpha"]
        st["mu"] = 1.0 / max(1.0, t - group["t0"])

    def _flags(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["weight_decay"] != 0)

    def _apply(
        self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any], group: dict
    ) -> None:
        g = coupled_gradient(g, p, s, group)
        p *= s["decay"]
        p -= s["eta"] * g
        ax = st["ax"]
        # ax + mu (p - ax), written so that mu = 1 (every step before t0) gives p exactly
        ax *= s["1-mu"]
        ax += s["mu"] * p
