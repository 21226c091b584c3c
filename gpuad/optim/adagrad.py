"""Adagrad with learning-rate decay and L2 weight decay (``torch.optim.Adagrad``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._raw import _xp
from ..tensor import Tensor
from .optimizer import (
    Hyper,
    Optimizer,
    _real_views,
    check_range,
    coupled_gradient,
    implementation_options,
)


class Adagrad(Optimizer):
    """Adagrad, the rule of ``torch.optim.Adagrad``: ``g = -g`` with ``maximize``;
    ``g += wd p``; ``sum += g^2``; ``p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps)``
    at step ``t``. Each parameter's ``sum`` starts at the constructor's
    ``initial_accumulator_value`` (a group with another value raises: torch ignores it), made
    by the constructor, or at the first step of a group added later (as torch does).
    ``foreach``/``fused`` are accepted and change nothing.

    Example: ``opt = Adagrad(model.parameters(), lr=1e-2)``
    """

    lr_decay = Hyper()
    weight_decay = Hyper()
    initial_accumulator_value = Hyper()
    eps = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"t", "sum"})
    state_required = frozenset({"t", "sum"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        implementation_options("Adagrad", foreach, fused, False, differentiable)
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "eps": eps, "maximize": maximize})
        self._built = True

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        check_range("Adagrad", "lr_decay", group["lr_decay"], 0.0)
        check_range("Adagrad", "weight_decay", group["weight_decay"], 0.0)
        check_range("Adagrad", "initial_accumulator_value",
                    group["initial_accumulator_value"], 0.0)
        check_range("Adagrad", "eps", group["eps"], 0.0)

    def add_param_group(self, param_group: dict) -> None:
        start = self.defaults["initial_accumulator_value"]
        value = param_group.get("initial_accumulator_value", start) \
            if isinstance(param_group, dict) else start
        if value != start:
            # torch starts every sum at the constructor's value and ignores the group's
            raise ValueError(
                f"Adagrad: a parameter group's initial_accumulator_value ({value}) differs "
                f"from the constructor's ({start}); torch.optim.Adagrad starts every "
                f"parameter's sum at the constructor's value, so a per-group value is not "
                f"provided. Use one optimizer per initial_accumulator_value")
        super().add_param_group(param_group)

    def _init_group(self, group: dict) -> None:
        if getattr(self, "_built", False):
            return  # a group added later: its sums are made at its first step, as in torch
        first = len(self.params) - len(group["params"])
        for p, st in zip(group["params"], self.state[first:], strict=True):
            pr, _ = _real_views("Adagrad", p.data, p.data)
            self._init_state(_xp(pr), pr, st, group)

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "sum" not in st:
            st["t"] = 0
            st["sum"] = xp.full_like(p, self.defaults["initial_accumulator_value"])

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        return {"wd": group["weight_decay"], "eps": group["eps"],
                "clr": group["lr"] / (1 + (st["t"] - 1) * group["lr_decay"])}

    def _flags(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["weight_decay"] != 0)

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any],
               group: dict) -> None:
        g = coupled_gradient(g, p, s, group)
        acc = st["sum"]
        acc += g * g
        std = xp.sqrt(acc)
        std += s["eps"]
        p -= s["clr"] * (g / std)
