"""Stochastic weight averaging as in ``torch.optim.swa_utils``: :class:`AveragedModel` (SWA
or EMA averages of a model's weights), :class:`SWALR` (anneal each group's rate to a constant
``swa_lr``) and :func:`update_bn` (recompute BatchNorm statistics for the averaged weights).

The averages are written in place outside the tape (``gpuad.no_grad``), as torch's are, and
each write bumps the tensor's version, so a graph recorded through the averaged model before
``update_parameters`` refuses a later ``backward`` instead of using the new weights. The
averaged model's forward is an ordinary differentiable forward of its own copy of the model.
``update_parameters`` and ``update_bn`` inside a function compiled by ``gpuad.jit`` raise (a
replay would not repeat the writes): call them between calls of the compiled step.

Example::

    swa_model = AveragedModel(model)
    swa_sched = SWALR(opt, swa_lr=0.05, anneal_epochs=5)
    for epoch in range(100):
        train_one_epoch(model, opt)
        if epoch >= 75:
            swa_model.update_parameters(model)
            swa_sched.step()
    update_bn(loader, swa_model)
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .. import numpy as gnp
from .._state import no_grad
from ..backends import get_backend
from ..nn.lazy import _LazyBatchNorm
from ..nn.modules import Module
from ..nn.normalization_layers import _BatchNorm
from ..tensor import Tensor
from .lerp import lerp, lerp_coefficient, lerp_small
from .lr_scheduler import LRScheduler, _copy, _per_group
from .optimizer import Optimizer, _tracing

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]

_Tensors = Sequence[Tensor]


def _check_decay(who: str, decay: float) -> None:
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"{who}: decay must be in [0, 1], got {decay!r}")


def _write(dst: Tensor, value: Any) -> None:
    """``dst[...] = value`` outside the tape, converted to ``dst``'s dtype (an integer buffer
    truncates, as torch's ``copy_``), bumping ``dst``'s version."""
    data = value.data if isinstance(value, Tensor) else value
    d = dst.data
    d[...] = get_backend().xp.asarray(data).astype(d.dtype, copy=False)
    dst._ver[0] += 1


def _is_inexact(t: Tensor) -> bool:
    return np.dtype(t.dtype).kind in "fc"


def _lerp_all(avgs: _Tensors, currents: _Tensors, w: float) -> None:
    """``avg.lerp_(cur, w)`` for every pair, with torch's rounding of ``lerp``."""
    c, small = lerp_coefficient(w), lerp_small(w)
    xp = get_backend().xp
    for a, m in zip(avgs, currents, strict=True):
        d = a.data
        lerp(xp, d, xp.asarray(m.data).astype(d.dtype, copy=False), c, small, out=d)
        a._ver[0] += 1


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[_Tensors, _Tensors, Any], None]:
    """An in-place exponential moving average over lists of tensors, for
    ``AveragedModel(multi_avg_fn=...)``: ``ema = decay ema + (1 - decay) current`` (torch's
    ``lerp`` with weight ``1 - decay``; integer buffers by the formula, truncated).

    Example: ``AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))``
    """
    _check_decay("get_ema_multi_avg_fn", decay)

    def ema_update(ema: _Tensors, current: _Tensors, num_averaged: Any) -> None:
        _tracing("an EMA update (get_ema_multi_avg_fn)")
        with no_grad():
            if _is_inexact(ema[0]):
                _lerp_all(ema, current, 1 - decay)
            else:
                for e, m in zip(ema, current, strict=True):
                    _write(e, e.data * decay + m.data * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[_Tensors, _Tensors, Any], None]:
    """An in-place running mean over lists of tensors, for ``AveragedModel(multi_avg_fn=...)``:
    ``avg += (current - avg) / (n + 1)`` after ``n`` models (torch's ``lerp`` with weight
    ``1 / (n + 1)``; integer buffers by the formula, truncated).

    Example: ``AveragedModel(model, multi_avg_fn=get_swa_multi_avg_fn())``
    """

    def swa_update(avg: _Tensors, current: _Tensors, num_averaged: Any) -> None:
        _tracing("an SWA update (get_swa_multi_avg_fn)")
        n = int(num_averaged)
        with no_grad():
            if _is_inexact(avg[0]):
                _lerp_all(avg, current, 1 / (n + 1))
            else:
                for a, m in zip(avg, current, strict=True):
                    _write(a, a.data + (m.data - a.data) / (n + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """An exponential moving average of one tensor, for ``AveragedModel(avg_fn=...)``:
    returns ``decay * ema + (1 - decay) * current``.

    Example: ``AveragedModel(model, avg_fn=get_ema_avg_fn(0.99))``
    """
    _check_decay("get_ema_avg_fn", decay)

    def ema_update(ema: Tensor, current: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema + (1 - decay) * current

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The running mean of one tensor, for ``AveragedModel(avg_fn=...)``: returns
    ``avg + (current - avg) / (n + 1)`` after ``n`` models.

    Example: ``AveragedModel(model, avg_fn=get_swa_avg_fn())``
    """

    def swa_update(avg: Tensor, current: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return avg + (current - avg) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and with ``use_buffers=True`` its buffers) hold a
    running average of the models passed to :meth:`update_parameters`: the first call copies
    them, later ones average with ``multi_avg_fn`` (in place, on lists), ``avg_fn`` (one tensor
    at a time, returning the new value) or, with neither, the equal-weight mean
    ``avg + (current - avg) / (n + 1)``. Without ``use_buffers`` the buffers (BatchNorm's
    statistics) are copied from the model at each update; :func:`update_bn` recomputes them
    for the averaged weights. ``n_averaged`` (a 0-d int64 buffer) counts the models.
    ``device`` must be the model's own (gpuad keeps a tensor on its backend).

    Example::

        ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))
        ...; opt.step(); ema.update_parameters(model)
        y = ema(x)   # differentiable in ema's own parameters
    """

    def __init__(self, model: Module,
                 device: Any = None,
                 avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
                 multi_avg_fn: Callable[[_Tensors, _Tensors, Any], None] | None = None,
                 use_buffers: bool = False) -> None:
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: give avg_fn or multi_avg_fn, not both")
        if not isinstance(model, Module):
            raise TypeError(f"AveragedModel: expected a gpuad.nn.Module, got "
                            f"{type(model).__name__}")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module.to(device)
        self.register_buffer("n_averaged", gnp.zeros((), dtype=np.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _pairs(self, model: Module) -> tuple[list[Tensor], list[Tensor]]:
        if self.use_buffers:
            mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.module.parameters()), list(model.parameters())
        if len(mine) != len(theirs):
            what = "parameters and buffers" if self.use_buffers else "parameters"
            raise ValueError(f"AveragedModel.update_parameters: the model has {len(theirs)} "
                             f"{what}, the averaged copy {len(mine)}: pass a model of the "
                             f"architecture the AveragedModel was made from")
        copied: list[tuple[Tensor, Tensor]] = []
        if not self.use_buffers:
            own, other = list(self.module.buffers()), list(model.buffers())
            if len(own) != len(other):
                raise ValueError(f"AveragedModel.update_parameters: the model has "
                                 f"{len(other)} buffers, the averaged copy {len(own)}: pass a "
                                 f"model of the architecture the AveragedModel was made from")
            copied = list(zip(own, other, strict=True))
        for i, (a, m) in enumerate([*zip(mine, theirs, strict=True), *copied]):
            if tuple(a.shape) != tuple(m.shape):
                raise ValueError(f"AveragedModel.update_parameters: tensor {i} has shape "
                                 f"{tuple(m.shape)} in the model, {tuple(a.shape)} in the "
                                 f"averaged copy")
        return mine, theirs

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s current weights in (the first call copies them).

        Example: ``opt.step(); swa_model.update_parameters(model)``
        """
        _tracing("AveragedModel.update_parameters()")
        mine, theirs = self._pairs(model)
        theirs = [m.detach() for m in theirs]
        n = int(self.n_averaged.data)
        with no_grad():
            if n == 0:
                for a, m in zip(mine, theirs, strict=True):
                    _write(a, m)
            elif self.avg_fn is not None:
                count = self.n_averaged.detach().clone()
                for a, m in zip(mine, theirs, strict=True):
                    _write(a, self.avg_fn(a.detach(), m, count))
            else:
                by_dtype: dict[Any, tuple[list[Tensor], list[Tensor]]] = {}
                for a, m in zip(mine, theirs, strict=True):
                    group = by_dtype.setdefault(np.dtype(a.dtype), ([], []))
                    group[0].append(a.detach())
                    group[1].append(m)
                for avgs, curs in by_dtype.values():
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(avgs, curs, self.n_averaged.detach().clone())
                    else:  # torch's per-tensor mean (its CPU path; on CUDA it lerps)
                        for a, m in zip(avgs, curs, strict=True):
                            _write(a, a.data + (m.data - a.data) / (n + 1))
            if not self.use_buffers:
                for b, mb in zip(self.module.buffers(), model.buffers(), strict=True):
                    _write(b, mb.detach())
            _write(self.n_averaged, n + 1)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of every BatchNorm layer of ``model`` over one pass
    of ``loader`` (batches, or tuples/lists whose first entry is the input), as a cumulative
    average (``momentum=None`` for the pass); momenta and the training mode are restored.

    Example: ``update_bn(train_batches, swa_model)``
    """
    _tracing("update_bn()")
    lazy = [type(m).__name__ for m in model.modules() if isinstance(m, _LazyBatchNorm)]
    if lazy:
        raise ValueError(f"update_bn: the model holds {lazy[0]} layers whose size is not known "
                         f"yet; run one batch through the model first, so that they become "
                         f"BatchNorm layers with statistics to recompute")
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    if not norms:
        return
    momenta = {}
    for m in norms:
        m.reset_running_stats()
        momenta[id(m)] = m.momentum
    was_training = model.training
    model.train()
    try:
        for m in norms:
            m.momentum = None
        with no_grad():
            for batch in loader:
                if isinstance(batch, list | tuple):
                    batch = batch[0]
                if device is not None and isinstance(batch, Tensor):
                    batch = batch.to(device)
                model(batch)
    finally:
        for m in norms:
            m.momentum = momenta[id(m)]
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's rate from its current value to ``swa_lr`` (one number, or one per
    group) over ``anneal_epochs`` epochs (0: at once) by ``anneal_strategy`` ``"cos"`` or
    ``"linear"``, then hold it: torch's recursion, so a rate set by another scheduler before
    the SWA phase is annealed from. Stores ``swa_lr`` in each group.

    Example: ``SWALR(opt, swa_lr=0.05, anneal_epochs=5, anneal_strategy="linear")``
    """

    def __init__(self, optimizer: Optimizer, swa_lr: float | Sequence[float],
                 anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        who = "SWALR"
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{who}: {type(optimizer).__name__} is not a gpuad.optim Optimizer")
        swa_lrs = _per_group(who, "swa_lr", optimizer, swa_lr)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{who}: anneal_strategy must be one of 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        if (not isinstance(anneal_epochs, int) or isinstance(anneal_epochs, bool)
                or anneal_epochs < 0):
            raise ValueError(f"{who}: anneal_epochs must be an integer >= 0, got "
                             f"{anneal_epochs!r}")
        for lr, g in zip(swa_lrs, optimizer.param_groups, strict=True):
            g["swa_lr"] = _copy(lr)
        self.anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t: float) -> float:
        return t if self.anneal_strategy == "linear" else (1 - math.cos(math.pi * t)) / 2

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self._anneal(max(0, min(1, (step - 1) / span)))
        alpha = self._anneal(max(0, min(1, step / span)))
        out = []
        for g in self.optimizer.param_groups:
            lr, swa = float(g["lr"]), float(g["swa_lr"])
            # the rate before annealing, recovered from the current one
            start = swa if prev_alpha == 1 else (lr - prev_alpha * swa) / (1 - prev_alpha)
            out.append(swa * alpha + start * (1 - alpha))
        return out
