"""Muon, momentum orthogonalised by a Newton-Schulz iteration (``torch.optim.Muon``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .adafactor import in_dtype, refuse_complex
from .lerp import lerp, lerp_coefficient, lerp_small
from .optimizer import Hyper, Optimizer, check_range

#: torch's defaults (Keller Jordan's coefficients)
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
ADJUST_LR_FNS = (None, "original", "match_rms_adamw")


class Muon(Optimizer):
    """Muon (Jordan et al.), the rule of ``torch.optim.Muon``, for 2-D parameters only:
    ``B = lerp(B, g, 1 - momentum)`` (state ``momentum_buffer``); the update
    ``U = lerp(g, B, momentum)`` with ``nesterov``, else ``B``; ``O`` = ``ns_steps``
    Newton-Schulz iterations ``X = a X + (b G + c G G) X`` with ``G = X X^T``
    (``ns_coefficients = (a, b, c)``), from ``X = U / max(||U||_F, eps)`` (transposed when
    ``U`` has more rows than columns); ``p *= 1 - lr * weight_decay``;
    ``p -= lr * ratio * O`` with ``ratio = sqrt(max(1, rows / cols))`` (``adjust_lr_fn=None``
    or ``"original"``) or ``0.2 sqrt(max(rows, cols))`` (``"match_rms_adamw"``).

    As torch, the iteration runs in bfloat16: every value torch rounds to bfloat16 is rounded
    to it here (round to nearest even), each product is summed in float32, so the results are
    torch's; a sum whose float32 value lies within its last bits of a bfloat16 rounding
    boundary may round the other way where the two libraries add its terms in another order
    (torch's own CPU and GPU results differ there alike). A parameter that is not 2-D raises
    ``ValueError`` when it is given (torch checks the constructor's only, and raises at the
    step for a group added later); a complex one raises ``RuntimeError`` at the step.

    Example::

        hidden = [p for p in model.parameters() if p.ndim == 2]
        rest = [p for p in model.parameters() if p.ndim != 2]
        opts = [Muon(hidden, lr=0.02), AdamW(rest, lr=3e-4)]
    """

    weight_decay = Hyper()
    momentum = Hyper()
    nesterov = Hyper()
    ns_coefficients = Hyper()
    eps = Hyper()
    ns_steps = Hyper()
    adjust_lr_fn = Hyper()
    state_keys = frozenset({"momentum_buffer"})
    state_required = state_keys

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float | Tensor = 1e-3,
                 weight_decay: float = 0.1, momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = NS_COEFFICIENTS,
                 eps: float = 1e-7, ns_steps: int = 5, adjust_lr_fn: str | None = None
                 ) -> None:
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                                  "nesterov": nesterov, "ns_coefficients": ns_coefficients,
                                  "eps": eps, "ns_steps": ns_steps,
                                  "adjust_lr_fn": adjust_lr_fn})

    def _validate(self, group: dict) -> None:
        super()._validate(group)
        who = "Muon"
        check_range(who, "momentum", group["momentum"], 0.0)
        check_range(who, "weight_decay", group["weight_decay"], 0.0)
        fn = group["adjust_lr_fn"]
        if fn not in ADJUST_LR_FNS:
            raise ValueError(f"{who}: Adjust learning rate function {fn} is not supported "
                             f"(adjust_lr_fn must be None, 'original' or 'match_rms_adamw')")
        coef = group["ns_coefficients"]
        if not isinstance(coef, tuple | list) or len(coef) != 3:
            raise ValueError(f"{who}: ns_coefficients: Coefficients must be a tuple of exactly "
                             f"3 values (a, b, c), got {coef!r}")
        steps = group["ns_steps"]
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
            raise ValueError(f"{who}: ns_steps must be an integer >= 0, got {steps!r}")
        if steps >= 100:
            raise ValueError(f"{who}: ns_steps: Number of steps must be less than 100 for "
                             f"computational efficiency, got {steps}")
        for i, p in enumerate(group["params"]):
            if isinstance(p, Tensor) and p.ndim != 2:
                raise ValueError(
                    f"{who} only supports 2D parameters whereas we found a parameter with "
                    f"size: {tuple(p.shape)} (parameter {i} of the group); optimise biases, "
                    f"embeddings and other parameters that are not matrices with another "
                    f"optimizer (AdamW)")

    def _check_states(self) -> None:
        refuse_complex("Muon", self.param_groups)
        super()._check_states()

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        if "momentum_buffer" not in st:
            st["momentum_buffer"] = xp.zeros_like(p)

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        lr, mom = group["lr"], group["momentum"]
        a, b, c = group["ns_coefficients"]
        return {"lr": lr, "decay": 1.0 - lr * group["weight_decay"],
                "c_buf": lerp_coefficient(1.0 - mom), "c_nes": lerp_coefficient(mom),
                "a": a, "b": b, "c": c, "eps": group["eps"]}

    def _flags(self, group: dict) -> tuple:
        mom = group["momentum"]
        return (bool(group["nesterov"]), lerp_small(1.0 - mom), lerp_small(mom),
                group["weight_decay"] != 0, int(group["ns_steps"]), group["adjust_lr_fn"])

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any],
               group: dict) -> None:
        if p.ndim != 2:  # its data was replaced by an array of another shape
            raise ValueError(f"Muon.step: Param gradient must be a 2D matrix, got a parameter "
                             f"of shape {tuple(p.shape)}")
        mom = group["momentum"]
        buf = st["momentum_buffer"]
        lerp(xp, buf, g, s["c_buf"], lerp_small(1.0 - mom), out=buf)
        u = lerp(xp, g, buf, s["c_nes"], lerp_small(mom)) if group["nesterov"] else buf
        o = newton_schulz(xp, u, (s["a"], s["b"], s["c"]), int(group["ns_steps"]), s["eps"])
        ratio = _lr_ratio(group["adjust_lr_fn"], tuple(p.shape))
        if group["weight_decay"] != 0:  # torch multiplies by 1 - lr * wd = 1.0 otherwise
            p *= s["decay"]
        p -= (in_dtype(s["lr"], p) * ratio) * o.astype(p.dtype)


def _lr_ratio(fn: str | None, shape: tuple[int, int]) -> float:
    rows, cols = shape
    if fn is None or fn == "original":
        return math.sqrt(max(1, rows / cols))
    return 0.2 * math.sqrt(max(rows, cols))


def newton_schulz(xp: Any, u: Any, coefficients: tuple, steps: int, eps: Any) -> Any:
    """torch's ``_zeropower_via_newtonschulz`` of the matrix ``u``: float32 arrays holding
    its bfloat16 values (see :class:`Muon`). ``coefficients`` and ``eps`` are numbers or 0-d
    arrays.

    Example: ``o = newton_schulz(np, g, (3.4445, -4.775, 2.0315), 5, 1e-7)``
    """
    a, b, c = (_f32(v) for v in coefficients)
    x = bfloat16(xp, u.astype(np.float32))  # torch converts float64 -> float32 -> bfloat16
    tall = u.shape[0] > u.shape[1]
    if tall:
        x = xp.transpose(x)
    n = bfloat16(xp, xp.sqrt(xp.sum(x * x)))
    x = bfloat16(xp, x / bfloat16(xp, xp.maximum(n, _f32(eps))))
    for _ in range(steps):
        gram = bfloat16(xp, xp.matmul(x, xp.transpose(x)))
        update = _addmm(xp, gram, gram, gram, b, c)
        x = _addmm(xp, x, update, x, a, None)
    return xp.transpose(x) if tall else x


def _f32(v: Any) -> Any:
    return np.float32(v) if isinstance(v, float | int) else v.astype(np.float32)


def _addmm(xp: Any, base: Any, m1: Any, m2: Any, beta: Any, alpha: Any) -> Any:
    """torch's bfloat16 ``addmm(base, m1, m2, beta=beta, alpha=alpha)`` on the CPU: the
    product summed in float32, scaled by ``alpha`` in float32, then ``beta * base`` added
    with one rounding (a fused multiply-add: float64 holds the product exactly), rounded to
    bfloat16."""
    prod = xp.matmul(m1, m2)
    if alpha is not None:
        prod = prod * alpha
    fused = base.astype(np.float64) * beta.astype(np.float64) + prod.astype(np.float64)
    return bfloat16(xp, fused.astype(np.float32))


_LOW = np.uint32(0x7FFF)
_ONE = np.uint32(1)
_HIGH = np.uint32(0xFFFF0000)


def bfloat16(xp: Any, x: Any) -> Any:
    """The float32 array ``x`` rounded to bfloat16 (to nearest, ties to even, as torch's
    ``.bfloat16()``), held in float32; NaN stays NaN.

    Example: ``bfloat16(np, np.float32([1.01171875]))`` is ``[1.015625]`` (a tie: to even)
    """
    bits = x.view(np.uint32)
    odd = xp.bitwise_and(xp.right_shift(bits, 16), _ONE)
    rounded = xp.bitwise_and(bits + (odd + _LOW), _HIGH).view(np.float32)
    return xp.where(xp.isnan(x), x, rounded)
