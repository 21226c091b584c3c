"""Cyclic schedules as in ``torch.optim.lr_scheduler``: :class:`CyclicLR` and
:class:`CosineAnnealingWarmRestarts` (exported from :mod:`gpuad.optim.lr_scheduler`)."""

from __future__ import annotations

import copy
import math
import types
from collections.abc import Callable, Sequence
from typing import Any

from .lr_scheduler import (
    _TRANSIENT,
    LRScheduler,
    _check_optimizer,
    _copy,
    _lrs,
    _per_group,
    _set_lrs,
)
from .optimizer import Optimizer

_MODES = ("triangular", "triangular2", "exp_range")


class CyclicLR(LRScheduler):
    """The cyclical learning rate policy (Smith): the rate goes from ``base_lr`` up to
    ``max_lr`` over ``step_size_up`` steps and back over ``step_size_down`` (default: the
    same), the height of each cycle scaled by ``mode``: ``"triangular"`` (constant),
    ``"triangular2"`` (halved each cycle) or ``"exp_range"`` (``gamma ** step``), or by
    ``scale_fn`` of the cycle number or step (``scale_mode``). With ``cycle_momentum`` the
    momentum (SGD's and RMSprop's ``momentum``, or ``betas[0]``) moves the opposite way between
    ``max_momentum`` and ``base_momentum``. Step it after every batch. As torch, it sets
    each group's ``lr`` to ``base_lr`` when made.

    Example: ``CyclicLR(opt, base_lr=1e-3, max_lr=1e-2, step_size_up=200)``
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | Sequence[float],
        max_lr: float | Sequence[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.8,
        max_momentum: float | Sequence[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        who = "CyclicLR"
        _check_optimizer(who, optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group(who, "base_lr", optimizer, base_lr)
        if last_epoch == -1:  # a Tensor base_lr is copied: the rate is written in place
            _set_lrs(who, optimizer.param_groups, [_copy(v) for v in base_lrs])
        self.max_lrs = _per_group(who, "max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        if not up > 0 or not down >= 0:
            raise ValueError(
                f"{who}: step_size_up must be positive and step_size_down not negative, "
                f"got {step_size_up!r} and {step_size_down!r}"
            )
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in _MODES and scale_fn is None:
            raise ValueError(f"{who}: mode must be one of {_MODES} or scale_fn given, got {mode!r}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(
                f"{who}: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}"
            )
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_mode()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            d = optimizer.defaults
            if "momentum" not in d and "betas" not in d:
                raise ValueError(
                    f"{who}: cycle_momentum needs an optimizer with momentum or betas "
                    f"({type(optimizer).__name__} has neither); pass cycle_momentum=False"
                )
            self.use_beta1 = "betas" in d
            self.base_momentums = _per_group(who, "base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group(who, "max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for m, b, g in zip(
                    self.max_momentums, self.base_momentums, optimizer.param_groups, strict=True
                ):
                    self._set_momentum(g, m)
                    g["max_momentum"] = m
                    g["base_momentum"] = b
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_mode(self) -> None:
        if self._scale_fn_custom is None:  # the built-in modes fix their own scale mode
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x: float) -> float:
        """The height factor of cycle (or step) ``x``. Example: ``sched.scale_fn(2)``"""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def _set_momentum(self, group: dict, value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        e = self.last_epoch
        cycle = math.floor(1 + e / self.total_size)
        x = 1.0 + e / self.total_size - cycle
        if x <= self.step_ratio:
            frac = x / self.step_ratio
        else:
            frac = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else e)
        lrs = [
            lo + (hi - lo) * frac * scale
            for lo, hi in zip(self.base_lrs, self.max_lrs, strict=True)
        ]
        if self.cycle_momentum:
            for lo, hi, g in zip(
                self.base_momentums, self.max_momentums, self.optimizer.param_groups, strict=True
            ):
                self._set_momentum(g, hi - (hi - lo) * frac * scale)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """As the base class's; a ``scale_fn`` that is a plain function or lambda is saved as
        None, a callable object as its attributes (as torch)."""
        out = {
            k: copy.deepcopy(v)
            for k, v in vars(self).items()
            if k not in ("optimizer", "_scale_fn_custom") and k not in _TRANSIENT
        }
        fn = self._scale_fn_custom
        out["_scale_fn_custom"] = (
            None if fn is None or isinstance(fn, types.FunctionType) else dict(vars(fn))
        )
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        attrs = state.pop("_scale_fn_custom", None)
        super().load_state_dict(state)
        if attrs is not None and self._scale_fn_custom is not None:
            vars(self._scale_fn_custom).update(attrs)
        self._init_scale_mode()


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter):
    ``lr = eta_min + (initial_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2``, where ``T_cur``
    counts the epochs since the last restart and the period ``T_i`` starts at ``T_0`` and is
    multiplied by ``T_mult`` at each restart. ``step(epoch)`` takes a fractional epoch
    (``epoch + i / iters`` after each batch) and may jump; without it, one epoch.

    Example: ``CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2, eta_min=1e-5)``
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        who = "CosineAnnealingWarmRestarts"
        if not isinstance(T_0, int) or isinstance(T_0, bool) or T_0 <= 0:
            raise ValueError(f"{who}: T_0 must be a positive integer, got {T_0!r}")
        if not isinstance(T_mult, int) or isinstance(T_mult, bool) or T_mult < 1:
            raise ValueError(f"{who}: T_mult must be an integer >= 1, got {T_mult!r}")
        if not isinstance(eta_min, float | int):
            raise ValueError(f"{who}: eta_min must be a number, got {type(eta_min).__name__}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        lo = self.eta_min
        c = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [lo + (base - lo) * c / 2 for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (a fractional one: within a restart
        period). Example: ``sched.step(epoch + i / iters)``"""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be >= 0, got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:  # the restart n before epoch: T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**n
        else:
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._in_step = True
        try:
            values = self.get_lr()
        finally:
            del self._in_step
        _set_lrs(type(self).__name__, self.optimizer.param_groups, values)
        self._last_lr = _lrs(self.optimizer)
