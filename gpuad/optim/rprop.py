"""Rprop, resilient backpropagation (``torch.optim.Rprop``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .optimizer import Hyper, Optimizer, implementation_options


class Rprop(Optimizer):
    """Rprop (Riedmiller & Braun), the rule of ``torch.optim.Rprop``: ``g = -g`` with
    ``maximize``; where ``g * prev > 0`` the element's step size is multiplied by
    ``etas[1]``, where ``< 0`` by ``etas[0]`` (and ``g`` is taken as 0 for this step), then
    clipped to ``step_sizes``; ``p -= sign(g) * step_size``; ``prev = g``. Step sizes start
    at the group's ``lr`` of the parameter's first step (the rate is not read after that).
    ``foreach``/``capturable`` are accepted and change nothing.

    Example: ``opt = Rprop(model.parameters(), lr=1e-2, etas=(0.5, 1.2))``
    """

    etas = Hyper()
    step_sizes = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"t", "prev", "step_size"})
    state_required = state_keys

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50.0),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        implementation_options("Rprop", foreach, None, capturable, differentiable)
        super().__init__(
            params,
            {"lr": lr, "etas": tuple(etas), "step_sizes": tuple(step_sizes), "maximize": maximize},
        )

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        for name in ("etas", "step_sizes"):
            v = group[name]
            if not isinstance(v, tuple | list) or len(v) != 2:
                raise ValueError(f"Rprop: {name} must be a pair, got {v!r}")
        minus, plus = group["etas"]
        if not 0.0 < minus < 1.0 < plus:
            raise ValueError(
                f"Rprop: etas must satisfy 0 < etas[0] < 1 < etas[1], got etas=({minus}, {plus})"
            )

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "prev" not in st:
            st["t"], st["prev"] = 0, xp.zeros_like(p)
            st["step_size"] = xp.full_like(p, group["lr"])

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        (minus, plus), (lo, hi) = group["etas"], group["step_sizes"]
        return {"minus": minus, "plus": plus, "lo": lo, "hi": hi}

    def _flags(self, group: dict) -> tuple:
        return (bool(group["maximize"]),)

    def _apply(
        self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any], group: dict
    ) -> None:
        if group["maximize"]:
            g = -g
        prev, size = st["prev"], st["step_size"]
        sign = xp.sign(g * prev)
        flip = xp.less(sign, 0)
        # etas[1] where the sign held, etas[0] where it flipped, 1 where either is 0 (and NaN
        # stays NaN, as in torch)
        size *= xp.where(xp.greater(sign, 0), s["plus"], xp.where(flip, s["minus"], sign + 1))
        xp.maximum(size, s["lo"], out=size)
        xp.minimum(size, s["hi"], out=size)
        g = xp.where(flip, 0.0, g)
        p -= xp.sign(g) * size
        xp.multiply(g, 1.0, out=prev)
