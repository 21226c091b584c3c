"""Gradient-based optimisers as in ``torch.optim``: SGD, Adam, AdamW, RMSprop, Adagrad,
Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD, LBFGS, Adafactor and Muon; learning-rate
schedulers in :mod:`gpuad.optim.lr_scheduler`; weight averaging (SWA, EMA) in
:mod:`gpuad.optim.swa_utils`. (``SparseAdam`` is not provided: gpuad's
gradients are dense; see ``gpuad.optim.SparseAdam``'s error.)

``step()`` reads each parameter's ``.grad`` and updates ``p.data`` in place on the device
(backend in-place operations under ``gpuad.no_grad()``; nothing is recorded on the tape). Each
update bumps the parameter's version, so a backward through a graph recorded before the step
(``loss = f(w); opt.step(); loss.backward()``) raises ``GradError`` instead of silently using
the new weights where the old ones were saved.

As in torch, an optimizer holds **parameter groups** (``opt.param_groups``, dicts of
``"params"`` and every hyperparameter, read at every step): ``Adam([{"params": body},
{"params": head, "lr": 1e-2}], lr=1e-3)``, ``opt.add_param_group(...)``, and
``opt.param_groups[0]["lr"] = ...`` for a schedule. ``opt.lr`` (and each other
hyperparameter: ``opt.betas``, ``opt.momentum``, ...) reads the value every group shares and
sets it in every group. ``opt.params`` lists all parameters, group after group, ``opt.state``
holds one dict per parameter in that order, ``opt.step_count`` counts the steps.
``state_dict()``/``load_state_dict()`` checkpoint and restore all of it (``state_dict`` returns
copies); ``zero_grad(set_to_none=False)`` writes zeros into the gradients instead of dropping
them. torch's ``foreach``/``fused``/``capturable`` switches are accepted and change nothing;
``differentiable=True`` raises.

A branch turned on or off between steps behaves as in torch: SGD's momentum turned on starts
its buffer from the gradient, a buffer kept from an earlier period (``amsgrad``, ``centered``
or momentum turned off and on again) is used as it was left, and a buffer torch would look up
and not find (Adam's ``amsgrad``, RMSprop's ``centered`` or momentum turned on after a
parameter's first step, where torch raises ``KeyError``) raises
:class:`MissingStateError` before anything is updated, saying how to give the state a buffer
to continue from (it never starts at zeros silently).

One parameter's update is split in parts, so that ``gpuad.jit`` can record it as array steps
and replay it (as part of one CUDA graph on the GPU) with the values that change per call kept
out of the recorded kernels: ``_init_state(xp, p, st, group)`` makes the state arrays that do
not depend on a gradient, ``_tick(st)`` advances the per-parameter counters (Adam's step
count), ``_scalars(st, group)`` gives every number the update uses (learning rate, bias
corrections, betas, ...) as Python floats, and ``_apply(xp, p, g, st, s, group)`` does the
array work, taking each such number from ``s`` (a compiled step passes 0-d device arrays
there, refreshed before each replay) and its branches from ``group``. ``_flags(group)`` names
the branches ``_apply`` takes (a compiled step traces again when they change). ``_after_step(st,
group)`` advances the numbers of the state that depend on the step's hyperparameters (NAdam's
momentum product, ASGD's ``eta`` and ``mu``), after ``_scalars``. So a
hyperparameter changed between calls of a compiled step (``opt.lr``, a group's ``"lr"``,
``betas``, ``weight_decay``, ``momentum``) is used by the next replay, a changed branch
(``nesterov``, ``amsgrad``, a weight decay set to or from zero), a loaded state or an added group
traces again, and changing a group, adding one or loading a state *inside* the compiled
function raises (a replay would not repeat it). A subclass that overrides only
``_update(xp, p, g, st)`` still works, inside ``jit`` too (as one opaque step, without a CUDA
graph).

Example::

    opt = gpuad.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(10):
        opt.param_groups[0]["lr"] = 1e-3 * 0.9 ** epoch
        for x, y in batches:
            opt.zero_grad()
            loss = nn.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
    ckpt = opt.state_dict()
"""

from __future__ import annotations

from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .muon import Muon
from .nadam import NAdam
from .optimizer import MissingStateError, Optimizer, ParamGroup
from .optimizer import _real_views as _real_views  # used by gpuad.jit
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "ParamGroup", "MissingStateError", "SGD", "Adam", "AdamW", "RMSprop",
           "Adagrad", "Adadelta", "lr_scheduler", "swa_utils"]
# torch.optim's other algorithms
__all__ += ["Adamax", "NAdam", "RAdam", "Rprop", "ASGD", "LBFGS", "Adafactor", "Muon"]


def __getattr__(name: str):
    if name == "SparseAdam":
        raise AttributeError(
            "gpuad.optim has no SparseAdam: torch's SparseAdam takes only sparse gradients "
            "(nn.Embedding(sparse=True)) and updates only the rows they hold, and gpuad's "
            "gradients are dense (an Embedding's sparse=True gives the same values densely). "
            "Use gpuad.optim.Adam (or AdamW): its update equals SparseAdam's while every row "
            "has a gradient at every step; a row left out of a step keeps its moments and "
            "value under SparseAdam, while Adam decays its moments and keeps moving it")
    raise AttributeError(f"module 'gpuad.optim' has no attribute {name!r}")
