"""Adamax, Adam with an infinity norm (``torch.optim.Adamax``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .optimizer import Hyper, Optimizer, check_range, coupled_gradient, implementation_options


def check_betas(who: str, betas: Any) -> None:
    """``betas`` is a pair of numbers in [0, 1) (``ValueError`` naming the bad one)."""
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ValueError(f"{who}: betas must be a pair (beta1, beta2), got {betas!r}")
    check_range(who, "betas[0]", betas[0], 0.0, 1.0)
    check_range(who, "betas[1]", betas[1], 0.0, 1.0)


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, section 7), the rule of ``torch.optim.Adamax``: ``g = -g`` with
    ``maximize``; ``g += wd p``; ``m = b1 m + (1 - b1) g``;
    ``u = max(b2 u, |g| + eps)``; ``p -= lr / (1 - b1^t) * m / u``.
    ``foreach``/``capturable`` are accepted and change nothing.

    Example: ``opt = Adamax(model.parameters(), lr=2e-3)``
    """

    betas = Hyper()
    eps = Hyper()
    weight_decay = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"t", "exp_avg", "exp_inf"})
    state_required = state_keys

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        implementation_options("Adamax", foreach, None, capturable, differentiable)
        super().__init__(
            params,
            {
                "lr": lr,
                "betas": tuple(betas),
                "eps": eps,
                "weight_decay": weight_decay,
                "maximize": maximize,
            },
        )

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("Adamax", "eps", group["eps"], 0.0)
        check_betas("Adamax", group["betas"])
        check_range("Adamax", "weight_decay", group["weight_decay"], 0.0)

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "exp_avg" not in st:
            st["t"], st["exp_avg"], st["exp_inf"] = 0, xp.zeros_like(p), xp.zeros_like(p)

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        b1, b2 = group["betas"]
        return {
            "b1": b1,
            "1-b1": 1.0 - b1,
            "b2": b2,
            "eps": group["eps"],
            "wd": group["weight_decay"],
            "clr": group["lr"] / (1.0 - b1 ** st["t"]),
        }

    def _flags(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["weight_decay"] != 0)

    def _apply(
        self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any], group: dict
    ) -> None:
        g = coupled_gradient(g, p, s, group)
        m, u = st["exp_avg"], st["exp_inf"]
        m *= s["b1"]
        m += s["1-b1"] * g
        u *= s["b2"]
        xp.maximum(u, xp.abs(g) + s["eps"], out=u)
        p -= s["clr"] * (m / u)
