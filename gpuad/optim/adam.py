"""Adam and AdamW (``torch.optim.Adam``, ``torch.optim.AdamW``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .optimizer import Hyper, Optimizer, check_range, implementation_options


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, the rule of ``torch.optim.Adam``:
    ``weight_decay`` adds ``wd * p`` to the gradient (L2), or with
    ``decoupled_weight_decay=True`` scales ``p *= 1 - lr * wd`` first (AdamW); ``amsgrad``
    divides by the running maximum of the second moment; ``maximize`` ascends.
    ``foreach``/``fused``/``capturable`` are accepted and change nothing.

    Example: ``opt = Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))``
    """

    betas = Hyper()
    eps = Hyper()
    weight_decay = Hyper()
    amsgrad = Hyper()
    maximize = Hyper()
    decoupled_weight_decay = Hyper()
    state_keys = frozenset({"m", "v", "t", "vmax"})
    state_required = frozenset({"m", "v", "t"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        implementation_options(type(self).__name__, foreach, fused, capturable, differentiable)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    @property
    def decoupled(self) -> bool:
        """Whether weight decay is decoupled (AdamW), in every group."""
        return self.decoupled_weight_decay

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        who = type(self).__name__
        b = group["betas"]
        if not isinstance(b, tuple | list) or len(b) != 2:
            raise ValueError(f"{who}: betas must be a pair (beta1, beta2), got {b!r}")
        check_range(who, "betas[0]", b[0], 0.0, 1.0)
        check_range(who, "betas[1]", b[1], 0.0, 1.0)
        check_range(who, "eps", group["eps"], 0.0)
        check_range(who, "weight_decay", group["weight_decay"], 0.0)

    def _missing(self, st: dict[str, Any], group: dict) -> tuple | None:
        if group["amsgrad"] and "vmax" not in st:
            return ("amsgrad", "vmax", "max_exp_avg_sq", "opt.state[{i}]['v'].copy()")
        return None

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "m" not in st:
            st["m"], st["v"], st["t"] = xp.zeros_like(p), xp.zeros_like(p), 0
        if group["amsgrad"] and "vmax" not in st:
            st["vmax"] = xp.zeros_like(p)

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        b1, b2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        t = st["t"]
        return {"b1": b1, "1-b1": 1.0 - b1, "b2": b2, "1-b2": 1.0 - b2,
                "wd": wd, "decay": 1.0 - lr * wd,
                "step": lr / (1.0 - b1 ** t), "bc2": math.sqrt(1.0 - b2 ** t),
                "eps": group["eps"]}

    def _flags(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["weight_decay"] != 0,
                bool(group["decoupled_weight_decay"]), bool(group["amsgrad"]))

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any],
               group: dict) -> None:
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            if group["decoupled_weight_decay"]:
                p *= s["decay"]
            else:
                g = g + s["wd"] * p
        m, v = st["m"], st["v"]
        m *= s["b1"]
        m += s["1-b1"] * g
        v *= s["b2"]
        v += s["1-b2"] * (g * g)
        if group["amsgrad"]:
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

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
