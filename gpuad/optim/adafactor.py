"""Adafactor, factored second moments (``torch.optim.Adafactor``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .lerp import lerp_coefficient, lerp_small
from .optimizer import Hyper, Optimizer, check_range, implementation_options


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern), the rule of ``torch.optim.Adafactor``, step ``t`` of a
    parameter ``p`` with gradient ``g`` (``-g`` with ``maximize``):
    ``b = t ** beta2_decay``; ``rho = min(lr, 1 / sqrt(t))``;
    ``alpha = max(eps2, rms(p)) * rho`` (``rms`` of ``p`` before the decay);
    ``p *= 1 - lr * weight_decay``. A parameter of two or more dimensions keeps the row and
    column means of ``g^2`` over its last two axes, ``R = lerp(R, mean(g^2, -1), b)`` and
    ``C = lerp(C, mean(g^2, -2), b)`` (state ``row_var``, shape ``(..., m, 1)``, and
    ``col_var``, ``(..., 1, n)``), and ``V = R C / max(mean(R, -2), eps1)``; a vector or 0-d
    one keeps ``V = lerp(V, g^2, b)`` (``variance``). Then ``u = g / sqrt(max(V, eps1^2))``
    and ``p -= alpha / max(1, rms(u) / d) * u``. ``eps = (eps1, eps2)``; ``eps1=None`` is the
    machine epsilon of the dtype of the group's first parameter with a gradient (as torch).
    ``foreach`` is accepted and changes nothing. Complex parameters raise ``RuntimeError`` at
    the step (as torch); an empty parameter raises ``ValueError`` (torch divides by zero).

    Example: ``opt = Adafactor(model.parameters(), lr=1e-2, weight_decay=1e-2)``
    """

    beta2_decay = Hyper()
    eps = Hyper()
    d = Hyper()
    weight_decay = Hyper()
    maximize = Hyper()
    state_keys = frozenset({"t", "row_var", "col_var", "variance"})
    state_required = frozenset({"t"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float | Tensor = 1e-2,
                 beta2_decay: float = -0.8, eps: tuple[float | None, float] = (None, 1e-3),
                 d: float = 1.0, weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        implementation_options("Adafactor", foreach, None, False, False)
        super().__init__(params, {"lr": lr, "beta2_decay": beta2_decay, "eps": _pair(eps),
                                  "d": d, "weight_decay": weight_decay, "maximize": maximize})

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        who = "Adafactor"
        if not group["beta2_decay"] <= 0.0:
            raise ValueError(f"{who}: beta2_decay should be <= 0 but is: {group['beta2_decay']}"
                             f" (the second-moment weight of step t is t ** beta2_decay)")
        eps = group["eps"]
        if not isinstance(eps, tuple | list) or len(eps) != 2:
            raise ValueError(f"{who}: eps must be a pair (eps1 or None, eps2), got {eps!r}")
        if eps[0] is not None and not eps[0] >= 0.0:
            raise ValueError(f"{who}: epsilon1 should be >= 0 but is: {eps[0]} (eps[0])")
        if not eps[1] >= 0.0:
            raise ValueError(f"{who}: epsilon2 should be >= 0 but is: {eps[1]} (eps[1])")
        if not group["d"] >= 1.0:
            raise ValueError(f"{who}: Clipping threshold d should be >= 1 but is: {group['d']}")
        check_range(who, "weight_decay", group["weight_decay"], 0.0)
        for i, p in enumerate(group["params"]):
            if isinstance(p, Tensor) and p.data.size == 0:
                raise ValueError(f"{who}: parameter {i} of the group is empty (shape "
                                 f"{tuple(p.shape)}): its RMS divides by zero (torch raises "
                                 f"ZeroDivisionError at the step); leave it out")

    def _check_states(self) -> None:
        refuse_complex("Adafactor", self.param_groups)
        super()._check_states()

    def _state_shape(self, key: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        if key == "row_var":
            return shape[:-1] + (1,)
        if key == "col_var":
            return shape[:-2] + (1,) + shape[-1:]
        return shape

    def _load_entry(self, who: str, i: int, p: Tensor, entry: dict) -> dict[str, Any]:
        out = super()._load_entry(who, i, p, entry)
        if out:
            need = {"t", "row_var", "col_var"} if p.ndim > 1 else {"t", "variance"}
            if set(out) != need:
                raise ValueError(f"{who}: the state of parameter {i} (of shape "
                                 f"{tuple(p.shape)}) holds {sorted(out)}; Adafactor keeps "
                                 f"{sorted(need)} for it")
        return out

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "t" in st:
            return
        st["t"] = 0
        if p.ndim > 1:
            shape = tuple(p.shape)
            st["row_var"] = xp.zeros(shape[:-1] + (1,), p.dtype)
            st["col_var"] = xp.zeros(shape[:-2] + (1,) + shape[-1:], p.dtype)
        else:
            st["variance"] = xp.zeros_like(p)

    def _tick(self, st: dict[str, Any]) -> None:
        st["t"] += 1

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        t = float(st["t"])
        lr = group["lr"]
        w = t ** group["beta2_decay"]
        eps1, eps2 = group["eps"]
        out = {"small": 1.0 if lerp_small(w) else 0.0, "c": lerp_coefficient(w),
               "rho": min(lr, 1.0 / t ** 0.5), "eps2": eps2, "d": group["d"],
               "decay": 1.0 - lr * group["weight_decay"]}
        if eps1 is not None:
            out["eps1"], out["eps1sq"] = eps1, eps1 * eps1
        return out

    def _flags(self, group: dict) -> tuple:
        return (bool(group["maximize"]), group["weight_decay"] != 0, group["eps"][0] is None)

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any],
               group: dict) -> None:
        if group["maximize"]:
            g = -g
        if group["eps"][0] is None:
            eps1 = _machine_eps(group)
            eps1sq = eps1 * eps1
        else:
            eps1, eps1sq = s["eps1"], s["eps1sq"]
        root_n = math.sqrt(p.size)
        # torch takes the norms to the host as Python floats: float64 here, with the numbers
        # in the parameter's dtype (as a compiled step holds them)
        rms = _norm(xp, p).astype(np.float64) / root_n
        alpha = xp.maximum(in_dtype(s["eps2"], p), rms) * in_dtype(s["rho"], p)
        if group["weight_decay"] != 0:
            p *= s["decay"]
        if p.ndim > 1:
            row, col = st["row_var"], st["col_var"]
            _lerp_into(xp, row, _mean_square(xp, g, -1), s)
            _lerp_into(xp, col, _mean_square(xp, g, -2), s)
            v = row * col
            v /= xp.maximum(xp.mean(row, axis=-2, keepdims=True), eps1)
        else:
            var = st["variance"]
            _lerp_into(xp, var, g * g, s)
            v = var.copy()
        u = 1.0 / xp.sqrt(xp.maximum(v, eps1sq))
        u *= g
        clip = xp.maximum(1.0, _norm(xp, u).astype(np.float64) / (root_n * in_dtype(s["d"], p)))
        p += (-alpha / clip).astype(p.dtype) * u


def in_dtype(v: Any, a: Any) -> Any:
    """A number of ``s`` in the dtype of the array ``a``: eagerly a Python float, rounded
    as a compiled step's 0-d array of that dtype holds it."""
    return np.dtype(a.dtype).type(v) if isinstance(v, float | int) else v


def _pair(eps: Any) -> Any:
    return tuple(eps) if isinstance(eps, list) else eps


def refuse_complex(who: str, groups: list) -> None:
    """torch's ``RuntimeError`` for a complex parameter with a gradient, before any update."""
    i = 0
    for g in groups:
        for p in g["params"]:
            if p.grad is not None and p.data.dtype.kind == "c":
                raise RuntimeError(
                    f"{who} does not support complex parameters (parameter {i} is "
                    f"{p.data.dtype}, as in torch.optim.{who}); optimise its real and imaginary "
                    f"parts as two real parameters, or use Adam")
            i += 1


def _machine_eps(group: dict) -> float:
    """torch's ``eps1=None``: the machine epsilon of the dtype of the group's first parameter
    that has a gradient (torch sets it once per group and step)."""
    for p in group["params"]:
        if p.grad is not None:
            return float(np.finfo(p.data.dtype).eps)
    raise AssertionError("unreachable: a step of a parameter without a gradient")


def _norm(xp: Any, a: Any) -> Any:
    return xp.sqrt(xp.sum(a * a))


def _mean_square(xp: Any, g: Any, axis: int) -> Any:
    """torch's ``norm(g, dim=axis, keepdim=True).square_().div_(g.size(axis))``."""
    r = xp.sqrt(xp.sum(g * g, axis=axis, keepdims=True))
    r *= r
    r /= g.shape[axis]
    return r


def _lerp_into(xp: Any, var: Any, new: Any, s: dict[str, Any]) -> None:
    """``var.lerp_(new, w)`` with torch's rounding; which formula applies depends on the step
    count, so it is picked on the device (``s["small"]``) and a compiled step follows it."""
    d = new - var
    small = s["small"]
    if isinstance(small, float):  # eagerly: a Python number
        base = var if small else new
    else:
        base = xp.where(xp.greater(small, 0.5), var, new)
    xp.add(base, s["c"] * d, out=var)
