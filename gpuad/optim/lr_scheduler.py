"""Learning-rate schedulers as in ``torch.optim.lr_scheduler``.

A scheduler writes ``group["lr"]`` of every parameter group of a :mod:`gpuad.optim` optimizer;
the optimizer reads it at each step, eager or compiled by ``gpuad.jit`` (a compiled training
step reads the new rate at its next replay without tracing again). Call ``scheduler.step()``
after ``opt.step()``, outside any compiled function: inside one it raises, as a replay would
not repeat it.

The rates follow torch's rules to the last bit: the same recursions (``step()``) and closed
forms (the deprecated ``step(epoch)``), the same ``initial_lr`` entry in each group,
``base_lrs``, ``last_epoch``, ``get_last_lr()`` and ``state_dict()``/``load_state_dict()``.

Example::

    opt = gpuad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = gpuad.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(opt)
        sched.step()
"""

from __future__ import annotations

import copy
import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .._state import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
    "LinearLR", "ExponentialLR", "SequentialLR", "CosineAnnealingLR", "PolynomialLR",
    "ChainedScheduler", "OneCycleLR", "ReduceLROnPlateau",
]

_EPOCH_WARNING = (
    "The epoch parameter in `scheduler.step()` is deprecated (as in torch): the rate is then "
    "computed in closed form where there is one. Call `scheduler.step()` without it")
_TRANSIENT = ("_in_step", "_is_initial")


def _check_optimizer(who: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{who}: {type(optimizer).__name__} is not a gpuad.optim Optimizer")


def _per_group(who: str, name: str, optimizer: Optimizer, value: Any) -> list:
    """``value`` for each group: a list or tuple must have one entry per group. A Tensor is
    copied (as torch clones it), so writing into the caller's tensor later changes nothing."""
    n = len(optimizer.param_groups)
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ValueError(f"{who}: {name} has {len(value)} values, the optimizer "
                             f"{n} parameter groups; give one per group or a single number")
        return [_copy(v) for v in value]
    return [_copy(value) for _ in range(n)]


def _copy(value: Any) -> Any:
    """``value``, a Tensor copied (a rate kept aside must not follow later writes)."""
    return value.detach().clone() if isinstance(value, Tensor) else value


def _lrs(optimizer: Optimizer) -> list[float]:
    return [_copy(g["lr"]) for g in optimizer.param_groups]


def _set_lr(group: dict, value: Any) -> None:
    """``group["lr"] = value``; a Tensor rate is written in place (torch ``fill_``s it), so a
    user holding the tensor passed as ``lr=`` sees the schedule."""
    cur = group["lr"]
    if isinstance(cur, Tensor):
        with no_grad():
            cur.fill_(float(value))
    else:
        group["lr"] = value


def _shared_lr(who: str, groups: Sequence[dict], values: Sequence[Any] | None) -> None:
    """Raise where parameter groups share one Tensor ``lr`` (a Tensor given to the
    constructor is every group's default) and would get different rates (``values``; None:
    any write), which torch writes into the one tensor one after another, so that each group
    silently runs at the last group's rate."""
    first: dict[int, int] = {}
    for i, g in enumerate(groups):
        cur = g["lr"]
        if not isinstance(cur, Tensor):
            continue
        j = first.setdefault(id(cur), i)
        if j == i or (values is not None and float(values[i]) == float(values[j])):
            continue
        what = (f"rates {float(values[j])!r} and {float(values[i])!r}" if values is not None
                else "a reduction each")
        raise ValueError(
            f"{who}: parameter groups {j} and {i} share one Tensor lr, and the schedule gives "
            f"them {what}; torch writes them into that one tensor in turn, so every group "
            f"sharing it runs at the last rate. Give each group its own lr (a float, or its "
            f"own tensor: {{'params': ..., 'lr': torch_like_tensor.clone()}})")


def _set_lrs(who: str, groups: Sequence[dict], values: Sequence[Any]) -> None:
    """Each group's rate (see :func:`_set_lr`), after :func:`_shared_lr`'s check."""
    _shared_lr(who, groups, values)
    for g, lr in zip(groups, values, strict=True):
        _set_lr(g, lr)


class LRScheduler:
    """Base class: subclasses define :meth:`get_lr` (the rates of the next epoch, from the
    groups' current ``lr`` or from ``base_lrs``) and may define ``_closed_form_lr``.

    ``optimizer``: the optimizer whose groups' ``lr`` it sets; ``last_epoch``: the index of
    the last epoch (-1 starts a schedule and stores ``group["initial_lr"]``; a resumed one
    needs that entry). The constructor takes the first step (epoch 0).

    Example: ``sched = StepLR(opt, 10); ...; opt.step(); sched.step()``
    """

    _in_step = False
    _is_initial = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        who = type(self).__name__
        _check_optimizer(who, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for g in optimizer.param_groups:
                if "initial_lr" not in g:
                    g["initial_lr"] = _copy(g["lr"])
        else:
            for i, g in enumerate(optimizer.param_groups):
                if "initial_lr" not in g:
                    raise KeyError(
                        f"{who}: param_groups[{i}] has no 'initial_lr', needed to resume a "
                        f"schedule at last_epoch={last_epoch}: load the optimizer's "
                        f"state_dict saved with the schedule first, or start at last_epoch=-1")
        self.base_lrs: list[float] = [_copy(g["initial_lr"]) for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._opt_steps_at_start = optimizer.step_count
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            del self._is_initial

    def get_lr(self) -> list[float]:
        """The rates for ``last_epoch`` (called by :meth:`step`; use :meth:`get_last_lr` to
        read the current ones)."""
        raise NotImplementedError

    def _warn_outside_step(self) -> None:
        if not self._in_step:
            warnings.warn("To get the last learning rate computed by the scheduler, use "
                          "`get_last_lr()`", UserWarning, stacklevel=3)

    def get_last_lr(self) -> list[float]:
        """The rates the last :meth:`step` set, one per group. Example: ``sched.get_last_lr()``
        """
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set every group's ``lr``. ``epoch`` (deprecated, as in torch)
        jumps to that epoch, with the closed form where there is one.

        Example: ``opt.step(); sched.step()``
        """
        if self._step_count == 1 and self.optimizer.step_count == self._opt_steps_at_start:
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`: call them "
                "in the opposite order (`optimizer.step()` before `lr_scheduler.step()`), or "
                "the first value of the schedule is skipped", UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._in_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                # torch's name for it too: a subclass ported from torch defines that one
                closed = (getattr(self, "_closed_form_lr", None)
                          or getattr(self, "_get_closed_form_lr", None))
                values = closed() if closed is not None else self.get_lr()
        finally:
            del self._in_step
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise ValueError(f"{type(self).__name__}.step: {len(values)} rates for "
                             f"{len(groups)} parameter groups (a group added after the "
                             f"scheduler was made? make the scheduler again)")
        _set_lrs(type(self).__name__, groups, values)
        self._last_lr = _lrs(self.optimizer)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute but the optimizer (copies).

        Example: ``ckpt = {"opt": opt.state_dict(), "sched": sched.state_dict()}``
        """
        return {k: copy.deepcopy(v) for k, v in vars(self).items()
                if k != "optimizer" and k not in _TRANSIENT}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` of a scheduler of the same kind (an entry this one
        does not have raises). Example: ``sched.load_state_dict(ckpt["sched"])``"""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise TypeError(f"{who}: expected a dict from state_dict(), got "
                            f"{type(state_dict).__name__}")
        unknown = sorted(set(state_dict) - set(vars(self)) - set(_TRANSIENT))
        if unknown:
            raise ValueError(f"{who}: the state holds {unknown}, which a "
                             f"{type(self).__name__} does not have (saved by another kind of "
                             f"scheduler?)")
        vars(self).update({k: copy.deepcopy(v) for k, v in state_dict.items()
                           if k not in _TRANSIENT})


class _LambdaState(LRScheduler):
    """``state_dict`` of a scheduler with per-group functions: a plain function or lambda is
    not saved (None), a callable object's attributes are (as torch)."""

    lr_lambdas: list[Callable[[int], float]]

    def _set_lambdas(self, optimizer: Optimizer, lr_lambda: Any) -> None:
        who = type(self).__name__
        _check_optimizer(who, optimizer)
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"{who}: expected {len(optimizer.param_groups)} lr_lambdas "
                                 f"(one per parameter group), got {len(lr_lambda)}")
            fns = list(lr_lambda)
        else:
            fns = [lr_lambda] * len(optimizer.param_groups)
        for f in fns:
            if not callable(f):
                raise TypeError(f"{who}: lr_lambda should be a function, got "
                                f"{type(f).__name__}")
        self.lr_lambdas = fns

    def state_dict(self) -> dict[str, Any]:
        out = {k: copy.deepcopy(v) for k, v in vars(self).items()
               if k not in ("optimizer", "lr_lambdas") and k not in _TRANSIENT}
        out["lr_lambdas"] = [None if isinstance(f, types.FunctionType) else dict(vars(f))
                             for f in self.lr_lambdas]
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        if len(saved) != len(self.lr_lambdas):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state has "
                             f"{len(saved)} lr_lambdas, the scheduler {len(self.lr_lambdas)}")
        super().load_state_dict(state)
        for f, attrs in zip(self.lr_lambdas, saved, strict=True):
            if attrs is not None:
                vars(f).update(attrs)


class LambdaLR(_LambdaState):
    """``lr = initial_lr * lr_lambda(epoch)``, one function for all groups or one per group.

    Example: ``LambdaLR(opt, lambda epoch: 0.95 ** epoch)``
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self._set_lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs,
                                                             strict=True)]


class MultiplicativeLR(_LambdaState):
    """``lr *= lr_lambda(epoch)`` at each step after the first.

    Example: ``MultiplicativeLR(opt, lambda epoch: 0.95)``
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self._set_lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self._is_initial:
            return _lrs(self.optimizer)
        return [g["lr"] * f(self.last_epoch)
                for f, g in zip(self.lr_lambdas, self.optimizer.param_groups, strict=True)]


def _positive_int(who: str, name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{who}: {name} must be a positive integer, got {value!r}")


class StepLR(LRScheduler):
    """``lr *= gamma`` every ``step_size`` epochs (``initial_lr * gamma ** (epoch //
    step_size)`` when nothing else changes the rate).

    Example: ``StepLR(opt, step_size=30, gamma=0.1)``
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(step_size, float) and step_size.is_integer():
            step_size = int(step_size)  # the transformer tutorial's StepLR(opt, 1.0, ...)
        _positive_int("StepLR", "step_size", step_size)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """``lr *= gamma`` at each epoch in ``milestones`` (a milestone listed twice: ``gamma**2``).

    Example: ``MultiStepLR(opt, milestones=[30, 80], gamma=0.1)``
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self.last_epoch not in self.milestones:
            return _lrs(self.optimizer)
        k = self.milestones[self.last_epoch]
        return [g["lr"] * self.gamma ** k for g in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        ms = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(ms, self.last_epoch) for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """``lr * factor`` for the first ``total_iters`` epochs, then ``lr`` again.

    Example: ``ConstantLR(opt, factor=0.5, total_iters=4)``
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError(f"ConstantLR: factor must lie in [0, 1], got {factor}")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [g["lr"] * self.factor for g in groups]
        if self.last_epoch != self.total_iters:
            return _lrs(self.optimizer)
        return [g["lr"] * (1.0 / self.factor) for g in groups]

    def _closed_form_lr(self) -> list[float]:
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]


class LinearLR(LRScheduler):
    """The factor on ``lr`` goes linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` epochs, then stays.

    Example: ``LinearLR(opt, start_factor=0.1, total_iters=10)`` (a warm-up)
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(f"LinearLR: start_factor must lie in (0, 1], got {start_factor}")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f"LinearLR: end_factor must lie in [0, 1], got {end_factor}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [g["lr"] * self.start_factor for g in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _lrs(self.optimizer)
        d = self.end_factor - self.start_factor
        ratio = 1.0 + d / (self.total_iters * self.start_factor + (self.last_epoch - 1) * d)
        return [g["lr"] * ratio for g in groups]

    def _closed_form_lr(self) -> list[float]:
        d = self.end_factor - self.start_factor
        return [base * (self.start_factor + d * min(self.total_iters, self.last_epoch)
                        / self.total_iters) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """``lr *= gamma`` every epoch. Example: ``ExponentialLR(opt, gamma=0.95)``"""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self._is_initial:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """``initial_lr * (1 - epoch / total_iters) ** power`` until ``total_iters``, then 0.

    Example: ``PolynomialLR(opt, total_iters=10, power=2.0)``
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self._is_initial or self.last_epoch > self.total_iters:
            return _lrs(self.optimizer)
        e, n = self.last_epoch, self.total_iters
        decay = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [g["lr"] * decay for g in self.optimizer.param_groups]

    def _closed_form_lr(self) -> list[float]:
        return [base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters)
                ** self.power for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from ``initial_lr`` to ``eta_min`` over ``T_max`` epochs (and back up
    over the next ``T_max``), by torch's recursion, so that a rate changed from outside is
    followed. Example: ``CosineAnnealingLR(opt, T_max=50, eta_min=1e-5)``
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        groups = self.optimizer.param_groups
        e, t, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _lrs(self.optimizer)
        if self._step_count == 1 and e > 0:
            return [lo + (base - lo) * (1 + math.cos(e * math.pi / t)) / 2
                    for base in self.base_lrs]
        if (e - 1 - t) % (2 * t) == 0:
            return [g["lr"] + (base - lo) * (1 - math.cos(math.pi / t)) / 2
                    for base, g in zip(self.base_lrs, groups, strict=True)]
        return [(1 + math.cos(math.pi * e / t)) / (1 + math.cos(math.pi * (e - 1) / t))
                * (g["lr"] - lo) + lo for g in groups]

    def _closed_form_lr(self) -> list[float]:
        lo = self.eta_min
        return [lo + (base - lo) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


def _check_children(who: str, optimizer: Optimizer, schedulers: Sequence[Any]) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{who}: expects at least one scheduler, got none")
    for i, s in enumerate(schedulers):
        if not isinstance(s, LRScheduler):
            raise TypeError(f"{who}: scheduler {i} is a {type(s).__name__}, not a scheduler")
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f"{who}: scheduler {i} is a ReduceLROnPlateau, whose step() needs "
                             f"a metric; step it separately")
        if s.optimizer is not optimizer:
            raise ValueError(f"{who}: scheduler {i} ({type(s).__name__}) belongs to another "
                             f"optimizer; all must share one")


class _Composite(LRScheduler):
    """``state_dict`` of a scheduler made of others: theirs nested under ``_schedulers``."""

    _schedulers: list[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        out = {k: copy.deepcopy(v) for k, v in vars(self).items()
               if k not in ("optimizer", "_schedulers") and k not in _TRANSIENT}
        out["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("_schedulers", None)
        if saved is None or len(saved) != len(self._schedulers):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state holds "
                             f"{'no' if saved is None else len(saved)} schedulers, this one "
                             f"{len(self._schedulers)}")
        LRScheduler.load_state_dict(self, state)
        for s, sd in zip(self._schedulers, saved, strict=True):
            s.load_state_dict(sd)


class SequentialLR(_Composite):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` (restarted at its
    epoch 0) until ``milestones[1]``, and so on. The first may itself be a SequentialLR or a
    ChainedScheduler: it starts as it would on its own (a later one raises, as it cannot be
    restarted at a milestone). To resume, make it with ``last_epoch=-1`` and
    ``load_state_dict`` the saved state (a ``last_epoch`` other than -1 raises).

    Example: ``SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), CosineAnnealingLR(opt,
    95)], milestones=[5])``
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        _check_optimizer("SequentialLR", optimizer)
        _check_children("SequentialLR", optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expects one milestone fewer than schedulers, got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        if last_epoch != -1:
            raise ValueError(
                f"SequentialLR: last_epoch={last_epoch} is not supported: resuming this way "
                f"would restart at the first scheduler's epoch 0 (torch's rate there is wrong). "
                f"Make it with last_epoch=-1 and load_state_dict() the state saved with it")
        start = bisect_right(list(milestones), 0)
        for i, sched in enumerate(schedulers):
            if i != start and isinstance(sched, _Composite):
                raise NotImplementedError(
                    f"SequentialLR: scheduler {i} is a {type(sched).__name__}, which cannot be "
                    f"restarted at a milestone; only the first may be a composite (nest the "
                    f"later ones differently, e.g. a ChainedScheduler of SequentialLRs)")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = 0
        self.optimizer = optimizer
        self._step_count = 0
        self._opt_steps_at_start = optimizer.step_count
        for g in optimizer.param_groups:  # undo what the schedulers did when they were made
            _set_lr(g, _copy(g["initial_lr"]))
        self.base_lrs = [_copy(g["initial_lr"]) for g in optimizer.param_groups]
        self._undo(self)
        first = self._schedulers[start]
        _start(first)
        self._last_lr = first.get_last_lr()

    def _undo(self, s: Any) -> None:
        if isinstance(s, _Composite):
            for child in s._schedulers:
                self._undo(child)
        else:
            s.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            s._update_lr(0)
        else:
            s.step()
        self._last_lr = s.get_last_lr()


def _start(s: LRScheduler) -> None:
    """Take the first step of ``s`` (its construction's step undone, the groups' rates reset):
    a composite starts its children as each starts on its own, not by stepping them again."""
    if isinstance(s, SequentialLR):
        s.last_epoch = 0
        first = s._schedulers[bisect_right(s._milestones, 0)]
        _start(first)
        s._last_lr = first.get_last_lr()
    elif isinstance(s, ChainedScheduler):
        for child in s._schedulers:
            _start(child)
        s._last_lr = _lrs(s.optimizer)
    else:
        s._initial_step()


class ChainedScheduler(_Composite):
    """Step every scheduler in turn at each step (their factors multiply).

    Example: ``ChainedScheduler([ConstantLR(opt, 0.1, 2), ExponentialLR(opt, 0.9)])``
    """

    def __init__(self, schedulers: Sequence[LRScheduler],
                 optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler: expects at least one scheduler, got none")
        optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        _check_optimizer("ChainedScheduler", optimizer)
        _check_children("ChainedScheduler", optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = _lrs(optimizer)

    def step(self) -> None:  # type: ignore[override]
        for s in self._schedulers:
            s.step()
        self._last_lr = _lrs(self.optimizer)


class OneCycleLR(LRScheduler):
    """The 1cycle policy: the rate rises from ``max_lr / div_factor`` to ``max_lr`` over
    ``pct_start`` of ``total_steps`` (or ``epochs * steps_per_epoch``), then anneals to
    ``initial_lr / final_div_factor`` (``three_phase``: down to the start first), by cosine or
    linear annealing; with ``cycle_momentum`` the momentum (SGD's, RMSprop's ``momentum``,
    Adam's ``betas[0]``) moves the opposite way between ``max_momentum`` and
    ``base_momentum``. Step it after every batch; stepping past ``total_steps`` raises.

    Example: ``OneCycleLR(opt, max_lr=0.1, total_steps=1000)``
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.85,
                 max_momentum: float | Sequence[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        who = "OneCycleLR"
        _check_optimizer(who, optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            _positive_int(who, "total_steps", total_steps)
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _positive_int(who, "epochs", epochs)
            _positive_int(who, "steps_per_epoch", steps_per_epoch)
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"{who}: give total_steps, or epochs and steps_per_epoch")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"{who}: pct_start must be a float in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{who}: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        n = self.total_steps
        up = float(pct_start * n) - 1
        # (end step, start lr key, end lr key, start momentum key, end momentum key)
        if three_phase:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (float(2 * pct_start * n) - 2, "max_lr", "initial_lr",
                             "base_momentum", "max_momentum"),
                            (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._phases = [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        max_lrs = _per_group(who, "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for m, g in zip(max_lrs, optimizer.param_groups, strict=True):
                g["initial_lr"] = m / div_factor
                g["max_lr"] = m
                g["min_lr"] = g["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            d = optimizer.defaults
            if "momentum" not in d and "betas" not in d:
                raise ValueError(f"{who}: cycle_momentum needs an optimizer with momentum or "
                                 f"betas ({type(optimizer).__name__} has neither); pass "
                                 f"cycle_momentum=False")
            self.use_beta1 = "betas" in d
            maxs = _per_group(who, "max_momentum", optimizer, max_momentum)
            bases = _per_group(who, "base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for m, b, g in zip(maxs, bases, optimizer.param_groups, strict=True):
                    self._set_momentum(g, m)
                    g["max_momentum"] = m
                    g["base_momentum"] = b
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict, value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        k = self.last_epoch
        if k > self.total_steps:
            raise ValueError(f"OneCycleLR: stepped {k} times; the schedule has "
                             f"total_steps={self.total_steps}")
        lrs = []
        for g in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr0, lr1, m0, m1) in enumerate(self._phases):
                if k <= end or i == len(self._phases) - 1:
                    pct = (k - start) / (end - start)
                    lrs.append(self._anneal(g[lr0], g[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(g, self._anneal(g[m0], g[m1], pct))
                    break
                start = end
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rates by ``factor`` (not below ``min_lr``) when a metric has not improved
    for more than ``patience`` steps; ``threshold``/``threshold_mode`` say what counts as an
    improvement, ``cooldown`` waits that many steps after a reduction, and a reduction smaller
    than ``eps`` is skipped. ``step(metric)`` takes the metric (a number or a 0-d Tensor).

    Example: ``sched = ReduceLROnPlateau(opt, "min", patience=5); sched.step(val_loss)``
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | Sequence[float] = 0,
                 eps: float = 1e-8) -> None:
        who = "ReduceLROnPlateau"
        if factor >= 1.0:
            raise ValueError(f"{who}: factor must be < 1.0, got {factor}")
        _check_optimizer(who, optimizer)
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, list | tuple):
            self.default_min_lr = None
            self.min_lrs = _per_group(who, "min_lr", optimizer, min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _lrs(optimizer)
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` by the threshold."""
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel"
                        else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel"
                    else best + self.threshold)

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _lrs(self.optimizer)

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {len(groups)} "
                                   f"parameter groups, {len(self.min_lrs)} when the scheduler "
                                   f"was made (one min_lr each); set sched.min_lrs to match")
            self.min_lrs = [self.default_min_lr] * len(groups)
        news = []
        for g, lo in zip(groups, self.min_lrs, strict=True):
            old = float(g["lr"])
            new = max(old * self.factor, lo)
            news.append(new if old - new > self.eps else None)
        if any(n is not None for n in news):  # torch reduces a shared tensor once per group
            _shared_lr("ReduceLROnPlateau", groups, None)
        for g, new in zip(groups, news, strict=True):
            if new is not None:
                _set_lr(g, new)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


# the cyclic schedules live in their own module
from .lr_cyclic import CosineAnnealingWarmRestarts, CyclicLR  # noqa: E402

__all__ += ["CyclicLR", "CosineAnnealingWarmRestarts"]
