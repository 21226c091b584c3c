"""NAdam, Adam with Nesterov momentum (``torch.optim.NAdam``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .adamax import check_betas
from .optimizer import Hyper, Optimizer, check_range, implementation_options


def _mu(beta1: float, psi: float, t: int) -> float:
    """The momentum coefficient of step ``t`` (Dozat's schedule, as torch computes it)."""
    return beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))


class NAdam(Optimizer):
    """NAdam (Dozat), the rule of ``torch.optim.NAdam``: ``g = -g`` with ``maximize``;
    ``weight_decay`` adds ``wd * p`` to the gradient, or with
    ``decoupled_weight_decay=True`` scales ``p *= 1 - lr * wd`` first (NAdamW);
    ``mu_t = b1 (1 - 0.96^(t psi) / 2)`` with ``psi = momentum_decay``, ``P_t = mu_1 ... mu_t``;
    ``m``, ``v`` as Adam's; ``d = sqrt(v / (1 - b2^t)) + eps``;
    ``p -= lr (1 - mu_t) / (1 - P_t) * g / d + lr mu_{t+1} / (1 - P_t mu_{t+1}) * m / d``.
    The product ``P_t`` is a number in the state (``"mu_product"``), advanced with each
    step's ``betas`` and ``momentum_decay``. ``foreach``/``capturable`` are accepted and
    change nothing.

    Example: ``opt = NAdam(model.parameters(), lr=2e-3, momentum_decay=4e-3)``
    """

    betas = Hyper()
    eps = Hyper()
    weight_decay = Hyper()
    momentum_decay = Hyper()
    decoupled_weight_decay = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"t", "mu_product", "exp_avg", "exp_avg_sq"})
    state_required = state_keys

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        implementation_options("NAdam", foreach, None, capturable, differentiable)
        super().__init__(
            params,
            {
                "lr": lr,
                "betas": tuple(betas),
                "eps": eps,
                "weight_decay": weight_decay,
                "momentum_decay": momentum_decay,
                "decoupled_weight_decay": decoupled_weight_decay,
                "maximize": maximize,
            },
        )

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("NAdam", "eps", group["eps"], 0.0)
        check_betas("NAdam", group["betas"])
        check_range("NAdam", "weight_decay", group["weight_decay"], 0.0)
        check_range("NAdam", "momentum_decay", group["momentum_decay"], 0.0)

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "exp_avg" not in st:
            st["t"], st["mu_product"] = 0, 1.0
            st["exp_avg"], st["exp_avg_sq"] = xp.zeros_like(p), xp.zeros_like(p)

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        b1, b2 = group["betas"]
        lr, wd, psi, t = group["lr"], group["weight_decay"], group["momentum_decay"], st["t"]
        mu, mu_next = _mu(b1, psi, t), _mu(b1, psi, t + 1)
        prod = st["mu_product"] * mu
        return {
            "b1": b1,
            "1-b1": 1.0 - b1,
            "b2": b2,
            "1-b2": 1.0 - b2,
            "wd": wd,
            "decay": 1.0 - lr * wd,
            "bc2": 1.0 - b2**t,
            "eps": group["eps"],
            "cg": lr * (1.0 - mu) / (1.0 - prod),
            "cm": lr * mu_next / (1.0 - prod * mu_next),
        }

    def _after_step(self, st: dict[str, Any], group: dict) -> None:
        st["mu_product"] *= _mu(group["betas"][0], group["momentum_decay"], st["t"])

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
        denom = xp.sqrt(v / s["bc2"])
        denom += s["eps"]
        p -= s["cg"] * (g / denom)
        p -= s["cm"] * (m / denom)


def decayed_gradient(g: Any, p: Any, s: dict[str, Any], group: dict) -> Any:
    """``g`` negated with ``maximize``; with a weight decay, ``p *= s["decay"]`` (decoupled)
    or ``g + s["wd"] * p`` (L2), as Adam, NAdam and RAdam apply it."""
    if group["maximize"]:
        g = -g
    if group["weight_decay"] != 0:
        if group["decoupled_weight_decay"]:
            p *= s["decay"]
        else:
            g = g + s["wd"] * p
    return g
