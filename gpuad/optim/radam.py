"""RAdam, Adam with a rectified adaptive rate (``torch.optim.RAdam``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .adamax import check_betas
from .nadam import decayed_gradient
from .optimizer import Hyper, Optimizer, check_range, implementation_options


class RAdam(Optimizer):
    """RAdam (Liu et al.), the rule of ``torch.optim.RAdam``: ``g = -g`` with ``maximize``;
    ``weight_decay`` adds ``wd * p`` to the gradient, or with
    ``decoupled_weight_decay=True`` scales ``p *= 1 - lr * wd`` first; ``m``, ``v`` as
    Adam's; with ``rho_inf = 2 / (1 - b2) - 1`` and
    ``rho_t = rho_inf - 2 t b2^t / (1 - b2^t)``, while ``rho_t <= 5`` the step is
    ``p -= lr m / (1 - b1^t)`` (momentum only), after it
    ``p -= lr m / (1 - b1^t) * r_t sqrt(1 - b2^t) / (sqrt(v) + eps)`` with torch's
    rectification ``r_t``. Which of the two a step takes depends on ``t`` and ``betas`` only,
    so a compiled step follows it without tracing again. ``foreach``/``capturable`` are
    accepted and change nothing.

    Example: ``opt = RAdam(model.parameters(), lr=1e-3)``
    """

    betas = Hyper()
    eps = Hyper()
    weight_decay = Hyper()
    decoupled_weight_decay = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"t", "exp_avg", "exp_avg_sq"})
    state_required = state_keys

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        implementation_options("RAdam", foreach, None, capturable, differentiable)
        super().__init__(
            params,
            {
                "lr": lr,
                "betas": tuple(betas),
                "eps": eps,
                "weight_decay": weight_decay,
                "decoupled_weight_decay": decoupled_weight_decay,
                "maximize": maximize,
            },
        )

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("RAdam", "eps", group["eps"], 0.0)
        check_betas("RAdam", group["betas"])
        check_range("RAdam", "weight_decay", group["weight_decay"], 0.0)

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "exp_avg" not in st:
            st["t"], st["exp_avg"], st["exp_avg_sq"] = 0, xp.zeros_like(p), xp.zeros_like(p)

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        b1, b2 = group["betas"]
        lr, wd, t = group["lr"], group["weight_decay"], st["t"]
        bc1, bc2 = 1.0 - b1**t, 1.0 - b2**t
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        rho_t = rho_inf - 2.0 * t * b2**t / bc2
        # the update is p -= plain * m + adaptive * m / (sqrt(v) + eps + fill): one of the two
        # terms is zero; ``fill`` keeps the unused division away from 0 / 0
        if rho_t > 5.0:
            rect = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            plain, adaptive, fill = 0.0, lr / bc1 * rect * math.sqrt(bc2), 0.0
        else:
            plain, adaptive, fill = lr / bc1, 0.0, 1.0
        return {
            "b1": b1,
            "1-b1": 1.0 - b1,
            "b2": b2,
            "1-b2": 1.0 - b2,
            "wd": wd,
            "decay": 1.0 - lr * wd,
            "eps": group["eps"],
            "plain": plain,
            "adaptive": adaptive,
            "fill": fill,
        }

    def _flags(self, group: dict) -> tuple:
        return (
            bool(group["maximize"]),
            group["weight_decay"] != 0,
            bool(group["decoupled_weight_decay"]),
        )

    def _apply(
        self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any], group: dict
    ) -> None:
        g = decayed_gradient(g, p, s, group)
        m, v = st["exp_avg"], st["exp_avg_sq"]
        m *= s["b1"]
        m += s["1-b1"] * g
        v *= s["b2"]
        v += s["1-b2"] * (g * g)
        denom = xp.sqrt(v)
        denom += s["eps"]
        denom += s["fill"]
        p -= s["plain"] * m + s["adaptive"] * (m / denom)
