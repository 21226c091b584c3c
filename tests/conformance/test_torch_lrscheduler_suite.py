"""PyTorch's scheduler tests (test/optim/test_lrscheduler.py), ported as programs run in both
libraries: each case below is one function of a library namespace ``L`` (gpuad's or torch's
optimizers, ``lr_scheduler`` and ``swa_utils``) that builds the same parameter groups (the
test's two groups, the second with a Tensor ``lr``), steps the same schedulers the same number
of times, and records every rate (with its kind, float or Tensor), every momentum or
``betas[0]``, ``get_last_lr()``, ``last_epoch``, the warnings given (classified: the
deprecated ``step(epoch)``, ``scheduler.step()`` before ``optimizer.step()``, ``get_lr()``
called directly) and the errors raised (their kind; gpuad's message must name the problem).
The two records must be equal, numbers to rounding (a float32 Tensor rate to float32's).

Cases gpuad deliberately does not follow are in ``DIFFERENCES`` with the reason, and checked
to behave as documented.
"""

from __future__ import annotations

import copy
import gc
import math
import pickle
import re
import types
import warnings
import weakref

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.optim import lr_scheduler as TS  # noqa: E402
from torch.optim import swa_utils as TSWA  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.optim as goptim  # noqa: E402
from gpuad.optim import lr_scheduler as GS  # noqa: E402
from gpuad.optim import swa_utils as GSWA  # noqa: E402


class _Lib:
    """One library's names, with the test's ``setUp`` optimizer."""

    def __init__(self, name):
        self.name = name
        self.is_torch = name == "torch"
        self.optim = torch.optim if self.is_torch else goptim
        self.S = TS if self.is_torch else GS
        self.swa = TSWA if self.is_torch else GSWA
        self.Tensor = torch.Tensor if self.is_torch else ad.Tensor

    def tensor(self, v):
        """A 0-d float32 tensor, as ``torch.tensor(0.5)``."""
        if self.is_torch:
            return torch.tensor(v, dtype=torch.float32)
        return ad.tensor(ad.get_backend().xp.asarray(v, dtype=np.float32))

    def param(self, values):
        values = np.asarray(values, dtype=np.float64)
        if self.is_torch:
            return torch.nn.Parameter(torch.tensor(values))
        return ad.tensor(ad.get_backend().xp.asarray(values), requires_grad=True)

    def opt(self, kind="SGD", lr1=None, **kw):
        """The test's ``self.opt``: two groups, the second with ``lr=tensor(0.5)``."""
        lr1 = self.tensor(0.5) if lr1 is None else lr1
        return getattr(self.optim, kind)(
            [{"params": [self.param([0.5, -1.0])]},
             {"params": [self.param([2.0]), self.param([0.25, 1.5])], "lr": lr1}],
            lr=0.05, **kw)

    def single(self, kind="SGD", lr=0.1, **kw):
        return getattr(self.optim, kind)([self.param([1.0, 2.0])], lr=lr, **kw)

    def mul_(self, t, f):
        if self.is_torch:
            t.mul_(f)
        else:
            with ad.no_grad():
                t[...] = t * f


_TAGS = [("epoch", re.compile(r"epoch parameter", re.I)),
         ("order", re.compile(r"before `optimizer\.step\(\)`")),
         ("get_lr", re.compile(r"get_last_lr\(\)"))]


class _Rec:
    """What a case records: numbers, kinds, warnings and errors, in order."""

    def __init__(self, L):
        self.L = L
        self.items = []

    def __call__(self, *values):
        self.items.append(values)

    def lrs(self, opt, momentum=False):
        row = []
        for g in opt.param_groups:
            lr = g["lr"]
            row.append(("T" if isinstance(lr, self.L.Tensor) else "f", float(lr)))
            if momentum:
                if "betas" in g:
                    row.append(("b1", float(g["betas"][0])))
                elif "momentum" in g:
                    row.append(("m", float(g["momentum"])))
        self.items.append(("lrs", row))

    def last(self, sched):
        self.items.append(("last", [("T" if isinstance(v, self.L.Tensor) else "f", float(v))
                                    for v in sched.get_last_lr()]))

    def err(self, fn, *args, **kw):
        try:
            fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - the kind is compared
            self.items.append(("error", type(e).__name__))
            self.messages.append(str(e))
        else:
            self.items.append(("error", None))

    messages: list


def _run(case, lib):
    L = _Lib(lib)
    R = _Rec(L)
    R.messages = []
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        case(L, R)
    tags = []
    for w in ws:
        msg = str(w.message)
        tag = next((t for t, rx in _TAGS if rx.search(msg)), None)
        if tag is not None:
            tags.append(tag)
    return R.items, tags, R.messages


def _same(a, b, path="", tol=1e-12):
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        assert len(a) == len(b), f"{path}: lengths {len(a)} != {len(b)}: {a} vs {b}"
        if len(a) == 2 and a[0] == "T":  # a float32 Tensor rate
            tol = max(tol, 2e-7)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]", tol)
    elif isinstance(a, float | int) and not isinstance(a, bool) and isinstance(
            b, float | int) and not isinstance(b, bool):
        assert math.isclose(a, b, rel_tol=tol, abs_tol=1e-15) or (
            math.isnan(a) and math.isnan(b)), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


# ---- helpers of the torch test, as programs ------------------------------------------------

def _test(R, opt, scheds, epochs):
    """torch's ``_test``: the rates before each step (no ``optimizer.step()``)."""
    scheds = scheds if isinstance(scheds, list) else [scheds]
    for _ in range(epochs):
        R.lrs(opt)
        for s in scheds:
            s.step()


def _test_with_epoch(R, opt, scheds, epochs):
    scheds = scheds if isinstance(scheds, list) else [scheds]
    for e in range(epochs):
        opt.step()
        for s in scheds:
            s.step(e)
        R.lrs(opt)


def _test_get_last_lr(R, opt, scheds, epochs):
    scheds = scheds if isinstance(scheds, list) else [scheds]
    for _ in range(epochs):
        for s in scheds:
            R.last(s)
        opt.step()
        for s in scheds:
            s.step()


def _cycle(R, opt, sched, n):
    for _ in range(n):
        R.lrs(opt, momentum=True)
        opt.step()
        sched.step()


def _plateau(R, opt, scheds, metrics, epochs):
    scheds = scheds if isinstance(scheds, list) else [scheds]
    for e in range(epochs):
        opt.step()
        for s in scheds:
            if type(s).__name__ == "ReduceLROnPlateau":
                s.step(metrics[e])
            else:
                s.step()
        R.lrs(opt)


def _state(R, sched, skip=()):
    """The scheduler's attributes that both libraries keep, as numbers."""
    names = ["last_epoch", "base_lrs", "_step_count", "T_cur", "T_i", "T_0", "T_mult",
             "eta_min", "gamma", "step_size", "total_iters", "factor", "start_factor",
             "end_factor", "power", "T_max", "best", "num_bad_epochs", "cooldown_counter",
             "min_lrs", "patience", "cooldown", "eps", "threshold", "anneal_epochs",
             "total_steps", "max_lrs", "total_size", "step_ratio"]
    for n in names:
        if n in skip or not hasattr(sched, n):
            continue
        v = getattr(sched, n)
        if isinstance(v, list):
            v = [float(x) for x in v]
        elif v is not None and not isinstance(v, str):
            v = float(v)
        R(n, v)


# ---- old and new calling orders (warnings) ---------------------------------------------------

def _old_pattern(L, R, resume, with_arg=False):
    opt = L.opt()
    if resume:
        for g in opt.param_groups:
            g["initial_lr"] = 0.01
    s = L.S.StepLR(opt, gamma=0.1, step_size=3, last_epoch=10 if resume else -1)
    R.lrs(opt)
    for _ in range(35):
        s.step()
        opt.step()
    R.lrs(opt)


@case
def old_pattern_warning(L, R):
    _old_pattern(L, R, False)


@case
def old_pattern_warning_resuming(L, R):
    _old_pattern(L, R, True)


@case
def new_pattern_no_warning(L, R):
    opt = L.opt()
    s = L.S.StepLR(opt, gamma=0.1, step_size=3)
    for _ in range(35):
        opt.step()
        s.step()
    R.lrs(opt)


@case
def getlr_with_an_epoch_argument_raises(L, R):
    class MultiStep(L.S.LRScheduler):
        def __init__(self, optimizer, gamma, milestones, last_epoch=-1):
            self.init_lr = [g["lr"] for g in optimizer.param_groups]
            self.gamma, self.milestones = gamma, milestones
            super().__init__(optimizer, last_epoch)

        def get_lr(self, step):
            return self.init_lr

    R.err(MultiStep, L.single(), gamma=1, milestones=[10, 20])


@case
def resume_without_initial_lr_raises(L, R):
    R.err(L.S.StepLR, L.single(), step_size=3, gamma=0.1, last_epoch=1)


# ---- the rate after step(2) repeated ---------------------------------------------------------

CONSTANT_EPOCH = {
    "StepLR": lambda S, o: S.StepLR(o, 2),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.9),
    "ConstantLR": lambda S, o: S.ConstantLR(o),
    "LinearLR": lambda S, o: S.LinearLR(o),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, power=0.9),
}


def _constant_epoch(make):
    def run(L, R):
        opt = L.opt()
        s = make(L.S, opt)
        for _ in range(10):
            opt.step()
            s.step(2)
            R.lrs(opt)
            R.last(s)
    return run


for _n, _m in CONSTANT_EPOCH.items():
    CASES[f"constant_for_constant_epoch_{_n}"] = _constant_epoch(_m)


# ---- _test: rates over epochs ----------------------------------------------------------------

def _lambda_groups(L, opt):
    opt.param_groups[0]["lr"] = 0.05
    opt.param_groups[1]["lr"] = 0.4


SCHEDULES = {
    "step_lr": (10, lambda L, o: L.S.StepLR(o, gamma=0.1, step_size=3)),
    "multi_step_lr": (10, lambda L, o: L.S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9])),
    "constantlr": (10, lambda L, o: L.S.ConstantLR(o, factor=1.0 / 2, total_iters=5)),
    "linearlr": (10, lambda L, o: L.S.LinearLR(o, start_factor=0.5, total_iters=4)),
    "linearlr_end": (10, lambda L, o: L.S.LinearLR(o, start_factor=0.25, end_factor=0.6,
                                                   total_iters=4)),
    "exp_lr": (10, lambda L, o: L.S.ExponentialLR(o, gamma=0.9)),
    "poly_lr": (10, lambda L, o: L.S.PolynomialLR(o, power=0.9, total_iters=5)),
    "cos_anneal_lr": (10, lambda L, o: L.S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10)),
    "sequentiallr1": (19, lambda L, o: L.S.SequentialLR(
        o, [L.S.ExponentialLR(o, gamma=0.8), L.S.StepLR(o, gamma=0.1, step_size=4)], [3])),
    "sequentiallr2": (13, lambda L, o: L.S.SequentialLR(
        o, [L.S.ConstantLR(o, factor=0.1, total_iters=3), L.S.ExponentialLR(o, gamma=0.9)],
        [3])),
    "sequentiallr3": (12, lambda L, o: L.S.SequentialLR(
        o, [L.S.ConstantLR(o, factor=0.1, total_iters=3), L.S.ExponentialLR(o, gamma=0.8),
            L.S.StepLR(o, gamma=0.1, step_size=2)], [3, 6])),
    "sequentiallr5_chained": (10, lambda L, o: L.S.SequentialLR(
        o, [L.S.ChainedScheduler([L.S.LinearLR(o, start_factor=0.1, total_iters=5),
                                  L.S.ConstantLR(o, factor=0.1, total_iters=5)]),
            L.S.ConstantLR(o, factor=0.5, total_iters=5)], [5])),
    "chained_lr1": (10, lambda L, o: L.S.ChainedScheduler(
        [L.S.StepLR(o, gamma=0.1, step_size=3)])),
    "chained_lr2": (10, lambda L, o: L.S.ChainedScheduler(
        [L.S.LinearLR(o, start_factor=0.4, total_iters=3)])),
    "chained_lr3": (10, lambda L, o: L.S.ChainedScheduler(
        [L.S.LinearLR(o, start_factor=0.4, total_iters=3),
         L.S.MultiStepLR(o, milestones=[4, 8, 10], gamma=0.1)])),
    "chained_lr4": (9, lambda L, o: L.S.ChainedScheduler(
        [L.S.ExponentialLR(o, gamma=0.9), L.S.ConstantLR(o, factor=0.2, total_iters=4),
         L.S.StepLR(o, gamma=0.1, step_size=3)])),
    "chained_lr5": (10, lambda L, o: L.S.ChainedScheduler(
        [L.S.PolynomialLR(o, power=0.9, total_iters=5), L.S.ConstantLR(o, factor=0.1)])),
    "compound_step_multistep": (10, lambda L, o: [
        L.S.StepLR(o, gamma=0.1, step_size=3), L.S.MultiStepLR(o, gamma=0.1,
                                                              milestones=[2, 5, 9])]),
    "compound_step_exp": (10, lambda L, o: [
        L.S.StepLR(o, gamma=0.1, step_size=3), L.S.ExponentialLR(o, gamma=0.9)]),
    "compound_exp_multistep": (10, lambda L, o: [
        L.S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]), L.S.ExponentialLR(o, gamma=0.9)]),
    "compound_exp_linear": (10, lambda L, o: [
        L.S.LinearLR(o, start_factor=0.4, end_factor=0.9, total_iters=4),
        L.S.ExponentialLR(o, gamma=0.9)]),
    "compound_step_constant": (10, lambda L, o: [
        L.S.StepLR(o, gamma=0.1, step_size=3), L.S.ConstantLR(o, factor=0.4, total_iters=4)]),
    "compound_linear_multistep": (10, lambda L, o: [
        L.S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
        L.S.LinearLR(o, start_factor=0.4, total_iters=4)]),
    "compound_cos_step": (10, lambda L, o: [
        L.S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10),
        L.S.StepLR(o, gamma=0.1, step_size=3)]),
    "compound_cos_multistep": (10, lambda L, o: [
        L.S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10),
        L.S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9])]),
    "compound_cos_linear": (10, lambda L, o: [
        L.S.LinearLR(o, start_factor=0.4, total_iters=4),
        L.S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10)]),
    "compound_cos_exp": (10, lambda L, o: [
        L.S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10), L.S.ExponentialLR(o, gamma=0.1)]),
    "lambda_lr": (10, lambda L, o: (_lambda_groups(L, o), L.S.LambdaLR(
        o, lr_lambda=[lambda x1: 0.9 ** x1, lambda x2: 0.8 ** x2]))[1]),
    "multiplicative_lr": (10, lambda L, o: (_lambda_groups(L, o), L.S.MultiplicativeLR(
        o, lr_lambda=[lambda x1: 0.9, lambda x2: 0.8]))[1]),
    "warm_restarts_Tmult1": (100, lambda L, o: L.S.CosineAnnealingWarmRestarts(
        o, T_0=10, T_mult=1, eta_min=1e-10)),
    "warm_restarts_Tmult2": (100, lambda L, o: L.S.CosineAnnealingWarmRestarts(
        o, T_0=10, T_mult=2, eta_min=1e-10)),
    "warm_restarts_Tmult4": (100, lambda L, o: L.S.CosineAnnealingWarmRestarts(
        o, T_0=10, T_mult=4, eta_min=1e-10)),
    "cyclic_after_cosine": (12, lambda L, o: [
        L.S.CosineAnnealingLR(o, T_max=4, eta_min=0.1),
        L.S.CyclicLR(o, base_lr=0.1, max_lr=0.3, step_size_up=1, step_size_down=3,
                     cycle_momentum=False)]),
    # beyond the torch test: restarts, edges and limits of each rule
    "cos_anneal_restarts": (20, lambda L, o: L.S.CosineAnnealingLR(o, T_max=3, eta_min=0.01)),
    "cos_anneal_eta_above": (9, lambda L, o: L.S.CosineAnnealingLR(o, T_max=2, eta_min=0.7)),
    "cos_anneal_T_max_1": (6, lambda L, o: L.S.CosineAnnealingLR(o, T_max=1)),
    "poly_past_total": (9, lambda L, o: L.S.PolynomialLR(o, total_iters=3, power=2.5)),
    "linear_to_zero": (7, lambda L, o: L.S.LinearLR(o, start_factor=1.0, end_factor=0.0,
                                                    total_iters=3)),
    "constant_zero_iters": (4, lambda L, o: L.S.ConstantLR(o, factor=0.5, total_iters=0)),
    "step_size_1": (6, lambda L, o: L.S.StepLR(o, step_size=1, gamma=0.5)),
    "multistep_repeated": (8, lambda L, o: L.S.MultiStepLR(o, [1, 3, 3, 3, 6], gamma=0.5)),
    "sequential_three_milestones": (12, lambda L, o: L.S.SequentialLR(
        o, [L.S.LinearLR(o, 0.2, total_iters=2), L.S.StepLR(o, 2, 0.5),
            L.S.PolynomialLR(o, 3), L.S.ConstantLR(o, 0.3, 2)], [2, 5, 8])),
    "chained_with_sequential": (10, lambda L, o: L.S.ChainedScheduler(
        [L.S.SequentialLR(o, [L.S.ConstantLR(o, 0.5, 2), L.S.ExponentialLR(o, 0.8)], [3]),
         L.S.StepLR(o, 4, 0.1)])),
    "warm_restarts_eta": (25, lambda L, o: L.S.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.02)),
}
ONECYCLE_EDGES = {
    "tiny": dict(max_lr=0.3, total_steps=2),
    "three": dict(max_lr=0.3, total_steps=3, three_phase=True),
    "pct_0": dict(max_lr=0.3, total_steps=6, pct_start=0.0),
    "pct_1": dict(max_lr=0.3, total_steps=6, pct_start=1.0),
    "three_pct_half": dict(max_lr=0.3, total_steps=8, pct_start=0.5, three_phase=True),
}


def _onecycle_edge(kw):
    def run(L, R):
        opt = L.opt(momentum=0.9)
        try:
            s = L.S.OneCycleLR(opt, **kw)
        except Exception as e:  # noqa: BLE001 - the kind is compared
            R("error", type(e).__name__)
            return
        for _ in range(kw["total_steps"] + 1):
            R.lrs(opt, momentum=True)
            opt.step()
            R.err(s.step)
    return run


for _n, _kw in ONECYCLE_EDGES.items():
    CASES[f"onecycle_edge_{_n}"] = _onecycle_edge(_kw)


@case
def constantlr_factor_limits(L, R):
    R.err(L.S.ConstantLR, L.opt(), factor=1.5)
    R.err(L.S.ConstantLR, L.opt(), factor=-0.1)
    opt = L.opt()
    s = L.S.ConstantLR(opt, factor=0.0, total_iters=2)
    for _ in range(4):
        opt.step()
        R.err(s.step)
        R.lrs(opt)


def _schedule(epochs, make):
    def run(L, R):
        opt = L.opt()
        s = make(L, opt)
        _test(R, opt, s, epochs)
        for one in (s if isinstance(s, list) else [s]):
            R.last(one)
            R("last_epoch", getattr(one, "last_epoch", None))
    return run


def _schedule_tensor_lr(epochs, make):
    """The same with a float64 Tensor ``lr`` in every group (torch ``fill_``s it)."""
    def run(L, R):
        lr = L.tensor(0.05)
        lr = lr.double() if L.is_torch else ad.tensor(lr.numpy().astype(np.float64))
        opt = L.opt(lr1=lr)
        s = make(L, opt)
        for _ in range(epochs):
            opt.step()
            for one in (s if isinstance(s, list) else [s]):
                one.step()
            R.lrs(opt)
        R("initial", [float(g["initial_lr"]) for g in opt.param_groups])
    return run


def _schedule_get_last_lr(epochs, make):
    def run(L, R):
        opt = L.opt()
        _test_get_last_lr(R, opt, make(L, opt), epochs)
    return run


for _n, (_e, _m) in SCHEDULES.items():
    CASES[f"schedule_{_n}"] = _schedule(_e, _m)
    CASES[f"get_last_lr_{_n}"] = _schedule_get_last_lr(_e, _m)
    if not _n.startswith(("lambda", "multiplicative", "cyclic")):
        CASES[f"tensor_lr_{_n}"] = _schedule_tensor_lr(_e, _m)

WITH_EPOCH = {
    "multi_step_lr": lambda S, o: S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
    "constantlr": lambda S, o: S.ConstantLR(o, factor=1.0 / 2, total_iters=5),
    "linearlr": lambda S, o: S.LinearLR(o, start_factor=0.5, total_iters=4),
}
CLOSED = {
    "step_lr": lambda S, o: S.StepLR(o, gamma=0.1, step_size=3),
    "linearlr": lambda S, o: S.LinearLR(o, start_factor=1.0 / 3, end_factor=0.7,
                                        total_iters=4),
    "constantlr": lambda S, o: S.ConstantLR(o, factor=1.0 / 3, total_iters=4),
    "multi_step_lr": lambda S, o: S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
    "exp_lr": lambda S, o: S.ExponentialLR(o, gamma=0.9),
    "poly_lr": lambda S, o: S.PolynomialLR(o, power=0.9),
    "cos_anneal_lr": lambda S, o: S.CosineAnnealingLR(o, T_max=5, eta_min=1e-10),
}


def _with_epoch(make):
    def run(L, R):
        opt = L.opt()
        _test_with_epoch(R, opt, make(L.S, opt), 10)
    return run


def _closed_form(make):
    """torch's ``_test_against_closed_form``: ``step(epoch)`` then the recursion, each on a
    fresh optimizer, 20 epochs; and a jump back and forth."""
    def run(L, R):
        opt = L.opt()
        s = make(L.S, opt)
        for e in range(20):
            opt.step()
            s.step(e)
            R.lrs(opt)
        for e in (3, 17, 0, 5, 25):
            s.step(e)
            R.lrs(opt)
        opt = L.opt()
        s = make(L.S, opt)
        for _ in range(20):
            opt.step()
            s.step()
            R.lrs(opt)
    return run


for _n, _m in WITH_EPOCH.items():
    CASES[f"with_epoch_{_n}"] = _with_epoch(_m)
for _n, _m in CLOSED.items():
    CASES[f"closed_form_{_n}"] = _closed_form(_m)


@case
def cos_anneal_lr_continue(L, R):
    opt = L.opt()
    s = L.S.CosineAnnealingLR(opt, T_max=5, eta_min=0.1)
    opt.step()
    s.step()
    R.last(s)
    s2 = L.S.CosineAnnealingLR(opt, T_max=5, eta_min=0.1, last_epoch=0)
    R.last(s2)


@case
def linearlr_start_factor_limits(L, R):
    R.err(L.S.LinearLR, L.opt(), start_factor=0.0, total_iters=4)
    R.err(L.S.LinearLR, L.opt(), start_factor=1.1, total_iters=4)


@case
def sequentiallr_keeps_the_initial_lr(L, R):
    opt = L.single(lr=0.1)
    s = L.S.SequentialLR(opt, [L.S.ConstantLR(opt, factor=1), L.S.ConstantLR(opt, factor=0.1)],
                         milestones=[10])
    R.lrs(opt)
    R.last(s)


@case
def sequentiallr_tensor_lr_not_aliased(L, R):
    lr = L.tensor(2.0)
    opt = L.optim.SGD([L.param([1.0]), L.param([2.0, 3.0])], lr=lr)
    s = L.S.SequentialLR(opt, [L.S.LinearLR(opt, 0.1, 0.8, total_iters=4),
                               L.S.LinearLR(opt, 0.8, 0.1, total_iters=4)], milestones=[4])
    _test(R, opt, s, 8)


@case
def sequentiallr_no_warnings(L, R):
    opt = L.opt()
    s = L.S.SequentialLR(opt, [L.S.LinearLR(opt, start_factor=0.5, end_factor=0.1,
                                            total_iters=5), L.S.ExponentialLR(opt, gamma=0.9)],
                         milestones=[5])
    for _ in range(10):
        opt.step()
        s.step()
        R.lrs(opt)


@case
def chained_get_last_lr_before_step(L, R):
    opt = L.opt()
    ss = [L.S.LinearLR(opt, start_factor=0.4, total_iters=3),
          L.S.MultiStepLR(opt, milestones=[4, 8, 10], gamma=0.1)]
    c = L.S.ChainedScheduler(ss)
    R.last(c)
    R.last(ss[-1])
    for _ in range(5):
        opt.step()
        c.step()
        R.last(c)
        R.last(ss[-1])


def _user_scheduler(L, closed):
    class Halving(L.S.LRScheduler):
        """A user's scheduler: halve every 2 epochs; a closed form under torch's name."""

        def __init__(self, optimizer, last_epoch=-1):
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            if self.last_epoch == 0 or self.last_epoch % 2:
                return [g["lr"] for g in self.optimizer.param_groups]
            return [g["lr"] * 0.5 for g in self.optimizer.param_groups]

    if closed:
        Halving._get_closed_form_lr = lambda self: [b * 0.5 ** (self.last_epoch // 2)
                                                    for b in self.base_lrs]
    return Halving


def _user_case(closed):
    def run(L, R):
        opt = L.opt()
        s = _user_scheduler(L, closed)(opt)
        for _ in range(5):
            opt.step()
            s.step()
            R.lrs(opt)
        for e in (9, 2, 7):
            s.step(e)
            R.lrs(opt)
            R.last(s)
    return run


CASES["user_scheduler"] = _user_case(False)
CASES["user_scheduler_closed_form"] = _user_case(True)


@case
def reduce_lr_on_plateau_one_element_tensor_lr(L, R):
    """torch's test_reduce_lr_tensor.py: a shape-(1,) Tensor lr stays a Tensor."""
    opt = L.optim.SGD([{"params": [L.param([1.0])], "lr": L.tensor(0.1).reshape(1)},
                       {"params": [L.param([1.0])], "lr": 0.2}])
    s = L.S.ReduceLROnPlateau(opt, factor=0.5, patience=0, min_lr=0.001)
    for _ in range(3):
        s.step(1.0)
        R.lrs(opt)


# ---- ReduceLROnPlateau ------------------------------------------------------------------------

def _half(opt):
    for g in opt.param_groups:
        g["lr"] = 0.5


PLATEAU = {
    "1": (10, [10 - i * 0.0167 for i in range(20)],
          dict(threshold_mode="abs", mode="min", threshold=0.01, patience=5, cooldown=5)),
    "2": (22, [10 - i * 0.0165 for i in range(22)],
          dict(patience=5, cooldown=0, threshold_mode="abs", mode="min", threshold=0.1)),
    "3": (22, [-0.8] * 2 + [-0.234] * 20,
          dict(mode="max", patience=5, cooldown=5, threshold_mode="abs")),
    "4": (20, [1.5 * (1.025 ** i) for i in range(20)],
          dict(mode="max", patience=3, threshold_mode="rel", threshold=0.1)),
    "5": (20, [1.5 * (1.005 ** i) for i in range(20)],
          dict(mode="max", threshold_mode="rel", threshold=0.1, patience=5, cooldown=5)),
    "6": (20, [1.5 * (0.85 ** i) for i in range(20)],
          dict(mode="min", threshold_mode="rel", threshold=0.1)),
    "7": (20, [1] * 7 + [0.6] + [0.5] * 12,
          dict(mode="min", threshold_mode="rel", threshold=0.1, patience=5, cooldown=5)),
    "8_min_lr_list": (20, [1.5 * (1.005 ** i) for i in range(20)],
                      dict(mode="max", threshold_mode="rel", min_lr=[0.4, 0.3], threshold=0.1,
                           patience=5, cooldown=5)),
    "eps": (20, [1.0] * 20, dict(patience=0, factor=0.5, min_lr=0.4, eps=0.05)),
}
COMPOUND_PLATEAU = {
    "1": ("1", lambda S, o: S.StepLR(o, gamma=0.1, step_size=3)),
    "2": ("2", lambda S, o: S.MultiStepLR(o, gamma=0.1, milestones=[3, 8, 12])),
    "3": ("3", lambda S, o: S.ExponentialLR(o, gamma=0.1)),
    "4": ("4", lambda S, o: S.CosineAnnealingLR(o, 10, 1e-10)),
    "5": ("2", lambda S, o: S.LinearLR(o, start_factor=0.4, total_iters=4)),
}


def _plateau_case(epochs, metrics, kw, other=None):
    def run(L, R):
        opt = L.opt()
        _half(opt)
        s = L.S.ReduceLROnPlateau(opt, **kw)
        scheds = [s] if other is None else [s, other(L.S, opt)]
        _plateau(R, opt, scheds, metrics, epochs)
        R.last(s)
        _state(R, s)
    return run


for _n, (_e, _mt, _kw) in PLATEAU.items():
    CASES[f"reduce_lr_on_plateau{_n}"] = _plateau_case(_e, _mt, _kw)
for _n, (_p, _o) in COMPOUND_PLATEAU.items():
    _e, _mt, _kw = PLATEAU[_p]
    CASES[f"compound_reduce_lr_on_plateau{_n}"] = _plateau_case(_e, _mt, _kw, _o)


@case
def reduce_lr_on_plateau_tensor_metric_and_lr(L, R):
    opt = L.opt()
    s = L.S.ReduceLROnPlateau(opt, mode="min", patience=0)
    R.last(s)
    for v in (1.0, 2.0, 2.0, 0.5, 3.0):
        opt.step()
        s.step(L.tensor(v))
        R.lrs(opt)  # the Tensor lr stays a Tensor


@case
def reduce_lr_on_plateau_with_epoch(L, R):
    opt = L.opt()
    s = L.S.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1)
    for e, v in zip((3, 4, 4, 10, 2, 5, 6), (1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5), strict=True):
        opt.step()
        s.step(v, e)
        R.lrs(opt)
        R("last_epoch", s.last_epoch, s.num_bad_epochs, s.cooldown_counter)


@case
def reduce_lr_on_plateau_nan_and_inf_metrics(L, R):
    for mode in ("min", "max"):
        opt = L.opt()
        s = L.S.ReduceLROnPlateau(opt, mode=mode, patience=1, factor=0.5)
        for v in (1.0, float("nan"), float("nan"), float("inf"), -float("inf"), 2.0, 2.0, 2.0):
            opt.step()
            s.step(v)
            R.lrs(opt)
            R("best", s.best, s.num_bad_epochs)


@case
def reduce_lr_on_plateau_state_dict(L, R):
    opt = L.opt()
    s = L.S.ReduceLROnPlateau(opt, mode="min", factor=0.1, patience=2)
    for score in [1.0, 2.0, 3.0, 4.0, 3.0, 4.0, 5.0, 3.0, 2.0, 1.0]:
        s.step(score)
    c = L.S.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=10)
    c.load_state_dict(s.state_dict())
    _state(R, c)
    R("mode", c.mode, c.threshold_mode)
    for score in [0.5, 0.6, 0.7, 0.8]:
        c.step(score)
        R.lrs(opt)


def _add_group_plateau(min_lr):
    def run(L, R):
        opt = L.opt()
        _half(opt)
        s = L.S.ReduceLROnPlateau(opt, mode="min", threshold_mode="rel", threshold=0.1,
                                  patience=5, cooldown=5,
                                  min_lr=0 if min_lr == "scalar" else [1e-5, 1e-4])
        metrics = [1] * 7 + [0.6] + [0.5] * 12
        for e in range(20):
            if e == 8:
                opt.add_param_group({"params": [L.param([1.0, 2.0, 3.0])], "lr": 0.05})
                if min_lr == "list":
                    s.min_lrs.append(1e-6)
            opt.step()
            s.step(metrics[e])
            R.lrs(opt)
    return run


CASES["add_param_group_reduce_lr_on_plateau_scalar"] = _add_group_plateau("scalar")
CASES["add_param_group_reduce_lr_on_plateau_list"] = _add_group_plateau("list")


@case
def add_param_group_errors_reduce_lr_on_plateau(L, R):
    opt = L.opt()
    s = L.S.ReduceLROnPlateau(opt, mode="min", threshold_mode="rel", threshold=1e-5,
                              patience=0, cooldown=0, min_lr=[1e-5, 1e-4])
    opt.add_param_group({"params": [L.param([1.0, 2.0])], "lr": 0.05})
    opt.step()
    s.step(1)
    opt.step()
    R.err(s.step, 1.3)
    R.lrs(opt)


@case
def reduce_lr_on_plateau_bad_arguments(L, R):
    R.err(L.S.ReduceLROnPlateau, L.opt(), factor=1.0)
    R.err(L.S.ReduceLROnPlateau, L.opt(), mode="middle")
    R.err(L.S.ReduceLROnPlateau, L.opt(), threshold_mode="ratio")
    R.err(L.S.ReduceLROnPlateau, L.opt(), min_lr=[0.1, 0.2, 0.3])


# ---- CyclicLR and OneCycleLR (momentum cycling) ------------------------------------------------

CYCLIC = {
    "triangular_one_lr": (11, dict(base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=True,
                                   base_momentum=1, max_momentum=5, mode="triangular")),
    "triangular_one_lr_no_momentum": (11, dict(base_lr=1, max_lr=5, step_size_up=4,
                                               cycle_momentum=False, mode="triangular")),
    "triangular2_one_lr": (22, dict(base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=True,
                                    base_momentum=1, max_momentum=5, mode="triangular2")),
    "exp_range_one_lr": (13, dict(base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=True,
                                  base_momentum=1, max_momentum=5, mode="exp_range",
                                  gamma=0.9)),
    "triangular": (11, dict(base_lr=[1, 2], max_lr=[5, 6], step_size_up=4,
                            cycle_momentum=True, base_momentum=[1, 2], max_momentum=[5, 6],
                            mode="triangular")),
    "triangular2": (22, dict(base_lr=[1, 3], max_lr=[5, 7], step_size_up=4,
                             cycle_momentum=True, base_momentum=[1, 3], max_momentum=[5, 7],
                             mode="triangular2")),
    "exp_range": (13, dict(base_lr=[1, 5], max_lr=[5, 12], step_size_up=4,
                           cycle_momentum=True, base_momentum=[1, 5], max_momentum=[5, 12],
                           mode="exp_range", gamma=0.9)),
    "triangular_up_down": (11, dict(base_lr=1, max_lr=5, step_size_up=4, step_size_down=6,
                                    cycle_momentum=True, base_momentum=1, max_momentum=5,
                                    mode="triangular")),
    "triangular2_up_down": (24, dict(base_lr=[1, 3], max_lr=[5, 7], step_size_up=2,
                                     step_size_down=6, cycle_momentum=True,
                                     base_momentum=[1, 3], max_momentum=[5, 7],
                                     mode="triangular2")),
    "exp_range_up_down": (13, dict(base_lr=1, max_lr=5, step_size_up=2, step_size_down=6,
                                   cycle_momentum=True, base_momentum=1, max_momentum=5,
                                   mode="exp_range", gamma=0.9)),
    "scale_fn_iterations": (13, dict(base_lr=1, max_lr=5, step_size_up=3, cycle_momentum=True,
                                     scale_fn=lambda x: 1 / (1 + 0.1 * x),
                                     scale_mode="iterations")),
}


def _cyclic(n, kw, kind="SGD"):
    def run(L, R):
        opt = L.opt(kind, momentum=0.9) if kind == "SGD" else L.opt(kind)
        s = L.S.CyclicLR(opt, **kw)
        _cycle(R, opt, s, n)
        R("base_lrs", [float(v) for v in s.base_lrs])
    return run


for _n, (_c, _kw) in CYCLIC.items():
    CASES[f"cycle_lr_{_n}"] = _cyclic(_c, _kw)
CASES["cycle_lr_adam_no_momentum"] = _cyclic(11, dict(base_lr=1, max_lr=5, step_size_up=4,
                                                      cycle_momentum=False), "Adam")
CASES["cycle_lr_adam_beta1"] = _cyclic(11, dict(base_lr=1, max_lr=5, step_size_up=4,
                                                base_momentum=0.5, max_momentum=0.95), "Adam")


@case
def cycle_lr_bad_arguments(L, R):
    R.err(L.S.CyclicLR, L.opt(), base_lr=0, max_lr=0, mode="CATS")
    R.err(L.S.CyclicLR, L.optim.Rprop([L.param([1.0])]), base_lr=1, max_lr=5,
          cycle_momentum=True)
    R.err(L.S.CyclicLR, L.opt(), base_lr=[1, 2, 3], max_lr=5)


@case
def cycle_lr_state_dict(L, R):
    opt = L.opt("Adam")

    class ScaleFn:
        def __init__(self):
            self.x = 0.5

        def __call__(self, _):
            return self.x

    def scale_fn(_):
        return 0.5

    for fn in (None, scale_fn, ScaleFn()):
        kw = {} if fn is None else {"scale_fn": fn}
        s = L.S.CyclicLR(opt, base_lr=1, max_lr=5, cycle_momentum=False, **kw)
        st = s.state_dict()
        pickle.dumps(st)
        R("custom", st["_scale_fn_custom"])
    s = L.S.CyclicLR(opt, base_lr=1, max_lr=5, cycle_momentum=False, mode="triangular2")
    for _ in range(5):
        opt.step()
        s.step()
    r = L.S.CyclicLR(opt, base_lr=1, max_lr=5, cycle_momentum=False)
    r.load_state_dict(s.state_dict())
    R("mode", r.mode, r.scale_fn(3))
    for _ in range(4):
        opt.step()
        r.step()
        R.last(r)


ONECYCLE = {
    "linear_annealing": dict(max_lr=25, final_div_factor=2, base_momentum=1, max_momentum=22,
                             total_steps=10, anneal_strategy="linear"),
    "linear_three_phases": dict(max_lr=25, div_factor=25, base_momentum=1, max_momentum=22,
                                total_steps=10, anneal_strategy="linear", pct_start=0.4,
                                final_div_factor=4, three_phase=True),
    "cosine_annealing": dict(max_lr=25, final_div_factor=2, base_momentum=1, max_momentum=22,
                             total_steps=10),
    "cosine_three_phases_lists": dict(max_lr=[25, 5], base_momentum=[0.5, 0.6],
                                      max_momentum=[0.9, 0.95], epochs=3, steps_per_epoch=4,
                                      three_phase=True),
}


def _onecycle(kw, kind="SGD", n=10):
    def run(L, R):
        opt = L.opt(kind, momentum=0.9) if kind == "SGD" else L.opt(kind)
        s = L.S.OneCycleLR(opt, **kw)
        _cycle(R, opt, s, n)
        opt.step()
        R.err(s.step)  # past total_steps
    return run


for _n, _kw in ONECYCLE.items():
    CASES[f"onecycle_lr_{_n}"] = _onecycle(_kw, n=12 if "lists" in _n else 10)
CASES["onecycle_lr_with_adam"] = _onecycle(ONECYCLE["linear_annealing"], "Adam")


@case
def onecycle_lr_bad_arguments(L, R):
    R.err(L.S.OneCycleLR, L.opt(), max_lr=1e-3, total_steps=10, anneal_strategy="CATS")
    R.err(L.S.OneCycleLR, L.opt(), max_lr=1e-3, total_steps=10, pct_start=1.1)
    R.err(L.S.OneCycleLR, L.opt(), max_lr=1e-3)
    R.err(L.S.OneCycleLR, L.opt(), max_lr=1e-3, total_steps=0)
    R.err(L.S.OneCycleLR, L.opt(), max_lr=1e-3, epochs=-1, steps_per_epoch=4)
    R.err(L.S.OneCycleLR, L.optim.Rprop([L.param([1.0])]), max_lr=1e-3, total_steps=4)


@case
def onecycle_lr_state_dict_resumes(L, R):
    opt = L.opt(momentum=0.9)
    s = L.S.OneCycleLR(opt, max_lr=0.5, total_steps=12)
    for _ in range(5):
        opt.step()
        s.step()
    opt2 = L.opt(momentum=0.9)
    opt2.load_state_dict(opt.state_dict())
    s2 = L.S.OneCycleLR(opt2, max_lr=0.5, total_steps=12)
    s2.load_state_dict(s.state_dict())
    for _ in range(6):
        opt2.step()
        s2.step()
        R.lrs(opt2, momentum=True)


# ---- LambdaLR, MultiplicativeLR ---------------------------------------------------------------

@case
def multiplicative_lr_with_lr_lambda(L, R):
    R.err(L.S.MultiplicativeLR, L.opt(), 0.95)
    R.err(L.S.MultiplicativeLR, L.opt(), [0.95, 0.95])
    R.err(L.S.LambdaLR, L.opt(), [lambda e: 1.0])


class _LambdaObj:
    def __init__(self, value):
        self.value = value

    def __call__(self, epoch):
        return self.value * epoch


@case
def lambda_lr_state_dict(L, R):
    opt = L.opt()
    s = L.S.LambdaLR(opt, lr_lambda=lambda x: x)
    st = s.state_dict()
    R("fn", st["lr_lambdas"])
    c = L.S.LambdaLR(opt, lr_lambda=lambda x: x)
    c.load_state_dict(st)
    _state(R, c)
    s = L.S.LambdaLR(opt, lr_lambda=_LambdaObj(10))
    st = s.state_dict()
    R("obj", st["lr_lambdas"])
    c = L.S.LambdaLR(opt, lr_lambda=_LambdaObj(-1))
    c.load_state_dict(st)
    R("value", c.lr_lambdas[0].value)


# ---- CosineAnnealingWarmRestarts with epochs ----------------------------------------------------

def _warm_fractional(T_mult):
    def run(L, R):
        opt = L.opt()
        s = L.S.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=T_mult, eta_min=1e-10)
        for e in np.arange(0, 30, 0.1):
            s.step(round(float(e), 1))
            R.lrs(opt)
        R("T", float(s.T_cur), s.T_i, s.last_epoch)
    return run


def _warm_interleaved(T_mult, epochs):
    def run(L, R):
        opt = L.opt()
        s = L.S.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=T_mult, eta_min=1e-10)
        for e in epochs:
            s.step(e)
            R.lrs(opt)
            R("T", float(s.T_cur), s.T_i, s.last_epoch)
        for _ in range(12):  # and on without an epoch
            s.step()
            R.lrs(opt)
    return run


for _t in (1, 2, 4):
    CASES[f"warm_restarts_fractional_Tmult{_t}"] = _warm_fractional(_t)
for _t, _ep in ((1, [0, 1, 2, 3, 4, 5, 12, 27, 3, 4, 5, 6, 13]),
                (2, [0, 1, 2, 3, 4, 5, 25, 32, 33, 34, 80, 81, 3]),
                (3, [0, 0.1, 0.2, 0.3, 1.3, 2.3, 17.5, 18.5, 19.5, 29.5, 30.5, 31.5, 50])):
    CASES[f"warm_restarts_interleaved_Tmult{_t}"] = _warm_interleaved(_t, _ep)


@case
def warm_restarts_T_cur_reset(L, R):
    s = L.S.CosineAnnealingWarmRestarts(L.opt(), T_0=4)
    for e in (7, 8, 9):
        s.T_cur = e
        s.step()
        R("T_cur", float(s.T_cur), s.T_i)


@case
def warm_restarts_bad_arguments(L, R):
    R.err(L.S.CosineAnnealingWarmRestarts, L.opt(), T_0=0)
    R.err(L.S.CosineAnnealingWarmRestarts, L.opt(), T_0=2, T_mult=0)
    R.err(L.S.CosineAnnealingWarmRestarts, L.opt(), T_0=2.5)
    s = L.S.CosineAnnealingWarmRestarts(L.opt(), T_0=2)
    R.err(s.step, -1)


# ---- SWALR ------------------------------------------------------------------------------------

def _swalr(swa_lr, anneal_epochs, strategy, before):
    def run(L, R):
        opt = L.opt()
        sched = (None if before is None else L.S.MultiplicativeLR(opt,
                                                                  lr_lambda=lambda e: 0.9))
        swa = L.swa.SWALR(opt, anneal_epochs=anneal_epochs, swa_lr=swa_lr,
                          anneal_strategy=strategy)
        for epoch in range(15):
            R.lrs(opt)
            if epoch >= 5:
                opt.step()
                swa.step()
                R.last(swa)
            elif sched is not None:
                opt.step()
                sched.step()
        R("swa_lr", [float(g["swa_lr"]) for g in opt.param_groups])
    return run


CASES["swalr_no_anneal"] = _swalr(0.01, 1, "cos", None)
CASES["swalr_zero_anneal_epochs"] = _swalr(0.01, 0, "cos", "mult")
CASES["swalr_cosine_after_multiplicative"] = _swalr(0.01, 5, "cos", "mult")
CASES["swalr_linear_after_multiplicative"] = _swalr([0.01, 0.02], 4, "linear", "mult")


@case
def swalr_hypers(L, R):
    R.err(L.swa.SWALR, L.opt(), anneal_strategy="exponential", swa_lr=1.0)
    R.err(L.swa.SWALR, L.opt(), anneal_epochs=-1, swa_lr=1.0)
    R.err(L.swa.SWALR, L.opt(), anneal_epochs=1.7, swa_lr=1.0)
    R.err(L.swa.SWALR, L.opt(), swa_lr=[1.0, 0.1, 0.01])


# ---- state_dict round trips --------------------------------------------------------------------

STATE = {
    "step_lr": (lambda S, W, o: S.StepLR(o, gamma=0.1, step_size=3),
                lambda S, W, o: S.StepLR(o, gamma=0.01 / 2, step_size=1)),
    "multi_step_lr": (lambda S, W, o: S.MultiStepLR(o, gamma=0.1, milestones=[2, 5, 9]),
                      lambda S, W, o: S.MultiStepLR(o, gamma=0.01, milestones=[1, 4, 6])),
    "exp_lr": (lambda S, W, o: S.ExponentialLR(o, gamma=0.1),
               lambda S, W, o: S.ExponentialLR(o, gamma=0.01)),
    "cosine": (lambda S, W, o: S.CosineAnnealingLR(o, T_max=10, eta_min=1e-10),
               lambda S, W, o: S.CosineAnnealingLR(o, T_max=5, eta_min=5e-11)),
    "warm_restarts": (lambda S, W, o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2),
                      lambda S, W, o: S.CosineAnnealingWarmRestarts(o, T_0=100)),
    "swalr": (lambda S, W, o: W.SWALR(o, anneal_epochs=3, swa_lr=0.5),
              lambda S, W, o: W.SWALR(o, anneal_epochs=10, anneal_strategy="linear",
                                      swa_lr=5.0)),
    "sequential": (lambda S, W, o: S.SequentialLR(o, [S.ConstantLR(o, 0.5, 3),
                                                      S.ExponentialLR(o, 0.9)], [4]),
                   lambda S, W, o: S.SequentialLR(o, [S.ConstantLR(o, 0.1, 1),
                                                      S.ExponentialLR(o, 0.5)], [7])),
    "chained": (lambda S, W, o: S.ChainedScheduler([S.LinearLR(o, 0.3, total_iters=12),
                                                    S.StepLR(o, 3, 0.5)]),
                lambda S, W, o: S.ChainedScheduler([S.LinearLR(o, 0.9, total_iters=2),
                                                    S.StepLR(o, 5, 0.1)])),
    "cyclic": (lambda S, W, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="exp_range",
                                          gamma=0.9, cycle_momentum=False),
               lambda S, W, o: S.CyclicLR(o, 0.02, 0.3, step_size_up=5, cycle_momentum=False)),
    "onecycle": (lambda S, W, o: S.OneCycleLR(o, 0.5, total_steps=20, cycle_momentum=False),
                 lambda S, W, o: S.OneCycleLR(o, 0.1, total_steps=30, cycle_momentum=False,
                                              anneal_strategy="linear")),
}


def _check_state(make, make2):
    def run(L, R):
        opt = L.opt()
        s = make(L.S, L.swa, opt)
        for _ in range(10):
            opt.step()
            s.step()
        c = make2(L.S, L.swa, opt)
        c.load_state_dict(s.state_dict())
        composite = type(c).__name__ in ("SequentialLR", "ChainedScheduler")
        _state(R, c, skip=("base_lrs", "_step_count") if composite else ())
        R.last(c)
        for _ in range(5):
            opt.step()
            c.step()
            R.lrs(opt)
    return run


for _n, (_a, _b) in STATE.items():
    CASES[f"state_dict_{_n}"] = _check_state(_a, _b)

ALL = {
    "LambdaLR": lambda S, W, o, **k: S.LambdaLR(o, lr_lambda=lambda e: e // 10 + 1, **k),
    "MultiplicativeLR": lambda S, W, o, **k: S.MultiplicativeLR(o, lambda e: 0.95, **k),
    "StepLR": lambda S, W, o, **k: S.StepLR(o, step_size=30, **k),
    "MultiStepLR": lambda S, W, o, **k: S.MultiStepLR(o, milestones=[30, 80], **k),
    "ConstantLR": lambda S, W, o, **k: S.ConstantLR(o, **k),
    "LinearLR": lambda S, W, o, **k: S.LinearLR(o, **k),
    "ExponentialLR": lambda S, W, o, **k: S.ExponentialLR(o, gamma=0.9, **k),
    "PolynomialLR": lambda S, W, o, **k: S.PolynomialLR(o, **k),
    "CosineAnnealingLR": lambda S, W, o, **k: S.CosineAnnealingLR(o, T_max=10, **k),
    "CosineAnnealingWarmRestarts": lambda S, W, o, **k: S.CosineAnnealingWarmRestarts(
        o, T_0=20, **k),
    "CyclicLR": lambda S, W, o, **k: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, **k),
    "OneCycleLR": lambda S, W, o, **k: S.OneCycleLR(o, max_lr=0.01, total_steps=10, **k),
    "SWALR": lambda S, W, o, **k: W.SWALR(o, swa_lr=0.01, **k),
}
COMPOSITE = {
    "ChainedScheduler": lambda S, W, o: S.ChainedScheduler([S.ConstantLR(o), S.ConstantLR(o)]),
    "SequentialLR": lambda S, W, o: S.SequentialLR(o, [S.ConstantLR(o), S.ConstantLR(o)],
                                                    milestones=[2]),
    "ReduceLROnPlateau": lambda S, W, o: S.ReduceLROnPlateau(o),
}


def _pickled_state(make):
    """torch's ``test_lr_scheduler_state_dict_load`` (pickle for ``torch.save``)."""
    def run(L, R):
        opt = L.opt("SGD", momentum=0.9)
        s = make(L.S, L.swa, opt)
        st = s.state_dict()
        back = pickle.loads(pickle.dumps(st))
        s2 = make(L.S, L.swa, opt)
        s2.load_state_dict(back)
        assert s2.state_dict().keys() == st.keys()
        R.last(s2)
        for _ in range(4):
            opt.step()
            if type(s2).__name__ == "ReduceLROnPlateau":
                s2.step(1.0)
            else:
                s2.step()
            R.lrs(opt, momentum=True)
    return run


def _checkpoint(make):
    """torch's ``test_lr_scheduler_checkpoint``: resume at ``last_epoch=0`` from an AdamW
    state."""
    def run(L, R):
        params = [L.param(np.linspace(-1, 1, 9).reshape(3, 3)), L.param([0.1, 0.2, 0.3])]
        opt = L.optim.AdamW(params)
        s = make(L.S, L.swa, opt)
        opt.step()
        s.step()
        opt2 = L.optim.AdamW(params)
        opt2.load_state_dict(opt.state_dict())
        s2 = make(L.S, L.swa, opt2, last_epoch=0)
        R.last(s2)
        R.lrs(opt)
        R.lrs(opt2, momentum=True)
    return run


def _constant_initial(make):
    """torch's ``test_constant_initial_lr``: a Tensor ``lr`` changed in place after the
    scheduler is made leaves ``initial_lr`` and ``base_lrs`` as they were."""
    def run(L, R):
        lr = L.tensor(0.1)
        opt = L.optim.SGD([L.param([1.0])], lr=lr)
        s = make(L.S, L.swa, opt)
        for i in range(2):
            opt.step()
            s.step(i)
            L.mul_(lr, 0.1)
            R("initial", float(opt.param_groups[0]["initial_lr"]),
              [float(b) for b in s.base_lrs])
            assert s.base_lrs[0] is not opt.param_groups[0]["initial_lr"]
        R.lrs(opt)
    return run


for _n, _m in ALL.items():
    CASES[f"state_dict_load_{_n}"] = _pickled_state(_m)
    CASES[f"checkpoint_{_n}"] = _checkpoint(_m)
    if _n not in ("CyclicLR", "OneCycleLR", "SWALR"):
        CASES[f"constant_initial_lr_{_n}"] = _constant_initial(_m)
for _n, _m in COMPOSITE.items():
    CASES[f"state_dict_load_{_n}"] = _pickled_state(_m)


def _epoch_jumps(make):
    """``step(epoch)`` (deprecated) on every scheduler, also those without a closed form
    (which apply their recursion at the given epoch), out of order."""
    def run(L, R):
        opt = L.opt("SGD", momentum=0.9)
        s = make(L.S, L.swa, opt)
        for e in (1, 2, 5, 3, 3, 0, 7):
            opt.step()
            s.step(e)
            R.lrs(opt, momentum=True)
            R.last(s)
            R("last_epoch", s.last_epoch)
    return run


def _resume(make):
    """A schedule resumed at ``last_epoch=5`` from the groups' ``initial_lr``."""
    def run(L, R):
        opt = L.opt("SGD", momentum=0.9)
        for g in opt.param_groups:
            g["initial_lr"] = 0.2
            g["lr"] = 0.15 if not isinstance(g["lr"], L.Tensor) else g["lr"]
        s = make(L.S, L.swa, opt, last_epoch=5)
        R.lrs(opt, momentum=True)
        for _ in range(6):
            opt.step()
            s.step()
            R.lrs(opt, momentum=True)
        R("last_epoch", s.last_epoch)
    return run


def _get_lr_direct(make):
    """``get_lr()`` called outside ``step()`` warns and returns the next rates."""
    def run(L, R):
        opt = L.opt("SGD", momentum=0.9)
        s = make(L.S, L.swa, opt)
        for _ in range(3):
            opt.step()
            s.step()
            # (torch returns a Tensor for a Tensor lr, gpuad a float: the values compare)
            R("get_lr", [("T" if isinstance(g["lr"], L.Tensor) else "f", float(v))
                         for g, v in zip(opt.param_groups, s.get_lr(), strict=True)])
            R.lrs(opt, momentum=True)
    return run


for _n, _m in ALL.items():
    CASES[f"epoch_jumps_{_n}"] = _epoch_jumps(_m)
    CASES[f"get_lr_direct_{_n}"] = _get_lr_direct(_m)
    if _n != "OneCycleLR":  # it needs its own group entries to resume
        CASES[f"resume_{_n}"] = _resume(_m)
CASES["resume_CyclicLR_momentum_lists"] = _resume(
    lambda S, W, o, **k: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3,
                                    base_momentum=[0.8, 0.7], max_momentum=0.95, **k))


@case
def resume_OneCycleLR_from_a_checkpoint(L, R):
    opt = L.opt(momentum=0.9)
    s = L.S.OneCycleLR(opt, max_lr=[0.3, 0.6], total_steps=15, three_phase=True)
    for _ in range(6):
        opt.step()
        s.step()
    opt2 = L.opt(momentum=0.9)
    opt2.load_state_dict(opt.state_dict())
    s2 = L.S.OneCycleLR(opt2, max_lr=[0.3, 0.6], total_steps=15, three_phase=True,
                        last_epoch=5)
    for _ in range(8):
        R.lrs(opt2, momentum=True)
        opt2.step()
        s2.step()


@case
def checkpoint_on_plateau(L, R):
    params = [L.param([0.1, 0.2, 0.3])]
    opt = L.optim.AdamW(params)
    s = L.S.ReduceLROnPlateau(opt, mode="min")
    opt.step()
    s.step(1)
    opt2 = L.optim.AdamW(params)
    opt2.load_state_dict(opt.state_dict())
    R.last(L.S.ReduceLROnPlateau(opt2, mode="min"))


@case
def constant_initial_params_cyclelr(L, R):
    lr, max_lr = L.tensor(0.1), L.tensor(0.2)
    bm, mm = L.tensor(0.8), L.tensor(0.9)
    opt = L.optim.SGD([L.param([1.0])], lr=lr, momentum=0.9)
    s = L.S.CyclicLR(opt, base_lr=lr, max_lr=max_lr, base_momentum=bm, max_momentum=mm)
    for i in range(2):
        for t in (lr, max_lr, bm, mm):
            L.mul_(t, 0.5)
        opt.step()
        s.step(i)
        g = opt.param_groups[0]
        R("groups", float(g["initial_lr"]), float(g["max_momentum"]), float(g["base_momentum"]),
          [float(b) for b in s.base_lrs], [float(b) for b in s.max_lrs])
        R.lrs(opt, momentum=True)


@case
def constant_initial_params_onecyclelr(L, R):
    lr, bm, mm = L.tensor(0.1), L.tensor(0.85), L.tensor(0.95)
    opt = L.optim.SGD([L.param([1.0])], lr=lr, momentum=0.9)
    s = L.S.OneCycleLR(opt, max_lr=lr, total_steps=10, base_momentum=bm, max_momentum=mm)
    for i in range(2):
        for t in (lr, bm, mm):
            L.mul_(t, 0.5)
        opt.step()
        s.step(i)
        g = opt.param_groups[0]
        R("groups", [float(g[k]) for k in ("initial_lr", "max_lr", "min_lr", "max_momentum",
                                            "base_momentum")])
        R.lrs(opt, momentum=True)


@case
def constant_initial_params_swalr(L, R):
    lr, swa_lr = L.tensor(0.1), L.tensor(0.05)
    opt = L.optim.SGD([L.param([1.0])], lr=lr)
    s = L.swa.SWALR(opt, swa_lr=swa_lr)
    for _ in range(2):
        L.mul_(lr, 0.5)
        L.mul_(swa_lr, 0.5)
        opt.step()
        s.step()
        g = opt.param_groups[0]
        R("groups", float(g["initial_lr"]), float(g["swa_lr"]), [float(b) for b in s.base_lrs])
        R.lrs(opt)


# ---- the comparison ----------------------------------------------------------------------------

# Where gpuad deliberately differs (checked below instead of compared):
DIFFERENCES = {
    "overridden optimizer.step": "torch wraps optimizer.step when a scheduler is made and "
    "warns when the method is replaced on the instance afterwards ('has been overridden'); "
    "gpuad's optimizer counts its own steps, so a replaced step that calls the original is "
    "still counted and there is nothing to warn about.",
    "no cyclic references": "checked on gpuad alone (CPython's collector, not a value).",
    "one Tensor lr shared by groups": "torch fills the one tensor with each group's rate in "
    "turn, so every group sharing it silently runs at the last group's rate (and "
    "ReduceLROnPlateau reduces it once per group); gpuad raises ValueError where the groups "
    "would get different rates.",
    "CyclicLR with a Tensor base_lr": "torch sets a float group lr to the (cloned) base_lr "
    "tensor itself and then fill_s it with every new rate, so base_lrs follows the rate and "
    "the cycle sticks at max_lr; gpuad gives the group its own copy, so the schedule is the "
    "one a float base_lr gives.",
    "SequentialLR around a composite": "torch's SequentialLR steps a SequentialLR or "
    "ChainedScheduler given as its first scheduler once more when made, so the wrapped "
    "schedule runs one epoch ahead (pytorch/pytorch#196243, silent) and warns about "
    "scheduler.step() before optimizer.step() the user never called; gpuad starts it as it "
    "starts on its own (the nested schedule equals the direct one). A composite as a later "
    "scheduler raises NotImplementedError at construction (torch: a bare "
    "NotImplementedError at the milestone).",
    "SequentialLR(last_epoch=N)": "torch restarts at the first scheduler's epoch 0 whatever N "
    "is (pytorch/pytorch#162591); gpuad raises ValueError pointing to load_state_dict.",
    "stricter arguments": "torch takes some values it later fails on or silently misuses "
    "(a float step_size or T_max, a non-float pct_start, a load_state_dict from another kind "
    "of scheduler); gpuad raises at once. See docs/porting.md.",
}


# torch warns at construction for the extra step of DIFFERENCES['SequentialLR around a
# composite'] (the rates agree: the composite's first epoch is the same either way)
SPURIOUS_TORCH_WARNINGS = {"get_last_lr_sequentiallr5_chained",
                           "tensor_lr_sequentiallr5_chained"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_torch(name, backend):
    fn = CASES[name]
    t_items, t_tags, _ = _run(fn, "torch")
    g_items, g_tags, g_msgs = _run(fn, "gpuad")
    _same(g_items, t_items, name)
    if name in SPURIOUS_TORCH_WARNINGS:
        assert t_tags and "order" not in g_tags, (name, g_tags, t_tags)
    else:
        assert g_tags == t_tags, f"{name}: warnings {g_tags} (gpuad) != {t_tags} (torch)"
    for m in g_msgs:
        assert len(m) > 20, f"{name}: gpuad's error says too little: {m!r}"


def test_error_messages_name_the_problem():
    L = _Lib("gpuad")
    checks = [
        (lambda: L.S.StepLR(L.single(), 3, last_epoch=1), KeyError, "initial_lr"),
        (lambda: L.S.LinearLR(L.opt(), start_factor=0.0), ValueError, "start_factor"),
        (lambda: L.S.CyclicLR(L.opt(), 0, 0, mode="CATS"), ValueError, "mode"),
        (lambda: L.S.OneCycleLR(L.opt(), 1e-3, total_steps=10, pct_start=1.1), ValueError,
         "pct_start"),
        (lambda: L.S.OneCycleLR(L.opt(), 1e-3), ValueError, "total_steps"),
        (lambda: L.S.MultiplicativeLR(L.opt(), 0.95), TypeError, "lr_lambda"),
        (lambda: L.swa.SWALR(L.opt(), 1.0, anneal_strategy="exp"), ValueError,
         "anneal_strategy"),
        (lambda: L.swa.SWALR(L.opt(), 1.0, anneal_epochs=1.7), ValueError, "anneal_epochs"),
        (lambda: L.swa.SWALR(L.opt(), [1.0, 0.1, 0.01]), ValueError, "swa_lr"),
        (lambda: L.S.ReduceLROnPlateau(L.opt(), factor=2.0), ValueError, "factor"),
    ]
    for fn, kind, word in checks:
        with pytest.raises(kind, match=word):
            fn()


def test_overridden_step_is_still_counted():
    """DIFFERENCES['overridden optimizer.step']: no warning, and the order is still seen."""
    L = _Lib("gpuad")
    opt = L.opt()
    s = L.S.StepLR(opt, gamma=0.1, step_size=3)
    old = opt.step

    def new_step(o, *a, **k):
        return old(*a, **k)

    opt.step = types.MethodType(new_step, opt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            opt.step()
            s.step()
    opt2 = L.opt()
    s2 = L.S.StepLR(opt2, gamma=0.1, step_size=3)
    old2 = opt2.step
    opt2.step = types.MethodType(lambda o, *a, **k: old2(*a, **k), opt2)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        s2.step()
        opt2.step()


@case
def composite_step_takes_no_epoch(L, R):
    opt = L.opt()
    q = L.S.SequentialLR(opt, [L.S.ConstantLR(opt), L.S.ConstantLR(opt)], milestones=[2])
    R.err(q.step, 3)
    c = L.S.ChainedScheduler([L.S.ConstantLR(opt)])
    R.err(c.step, 3)


def test_shared_tensor_lr_raises():
    """DIFFERENCES['one Tensor lr shared by groups']: torch's silent result, gpuad's error."""
    def make(L):
        lr = L.tensor(0.5)
        opt = L.optim.SGD([{"params": [L.param([1.0])]}, {"params": [L.param([2.0])]}], lr=lr)
        return lr, opt

    lr, opt = make(_Lib("torch"))
    s = TS.LambdaLR(opt, [lambda e: 0.5 ** e, lambda e: 1.0])
    opt.step()
    s.step()
    assert [float(g["lr"]) for g in opt.param_groups] == [0.5, 0.5]  # group 0 wanted 0.25
    lr, opt = make(_Lib("gpuad"))
    sched = GS.LambdaLR(opt, [lambda e: 0.5 ** e, lambda e: 1.0])
    opt.step()
    with pytest.raises(ValueError, match="share one Tensor lr"):
        sched.step()
    lr, opt = make(_Lib("gpuad"))
    p = GS.ReduceLROnPlateau(opt, patience=0)
    p.step(1.0)
    with pytest.raises(ValueError, match="share one Tensor lr"):
        p.step(2.0)
    assert float(lr) == 0.5  # nothing was written


def test_cyclic_tensor_base_lr_is_not_aliased():
    """DIFFERENCES['CyclicLR with a Tensor base_lr']: torch's stuck cycle, gpuad's right one."""
    def rates(L, base_lr):
        opt = L.single(lr=0.1, momentum=0.9)
        s = L.S.CyclicLR(opt, base_lr=base_lr, max_lr=0.2, step_size_up=2)
        out = []
        for _ in range(6):
            opt.step()
            s.step()
            out.append(float(opt.param_groups[0]["lr"]))
        return out

    T, G = _Lib("torch"), _Lib("gpuad")
    want = rates(T, 0.1)
    np.testing.assert_allclose(rates(G, 0.1), want, rtol=1e-15)
    np.testing.assert_allclose(rates(G, G.tensor(0.1)), want, rtol=1e-7)
    assert rates(T, T.tensor(0.1))[2:] == pytest.approx([0.2] * 4)  # torch's aliasing


def _first_lrs(s, opt, n=6):
    out = []
    for _ in range(n):
        out.append(float(s.get_last_lr()[0]))
        opt.step()
        s.step()
    return out


NESTED = {
    "sequential": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.5, total_iters=2),
            S.ConstantLR(o, factor=0.2, total_iters=10)], milestones=[2]),
    "chained": lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=2), S.ExponentialLR(o, gamma=0.9)],
        optimizer=o),
    "sequential_of_cosine": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, 0.2, total_iters=3), S.CosineAnnealingLR(o, T_max=4)], [3]),
}


@pytest.mark.parametrize("kind", sorted(NESTED))
def test_sequentiallr_around_a_composite_is_transparent(kind):
    """DIFFERENCES['SequentialLR around a composite'] (torch's own later test,
    test_scheduler_nested_composite.py): wrapping changes nothing, and no warning."""
    make = NESTED[kind]
    T, G = _Lib("torch"), _Lib("gpuad")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_opt = T.single(lr=0.1)
        direct = _first_lrs(make(TS, t_opt), t_opt)
    g_opt = G.single(lr=0.1)
    np.testing.assert_allclose(_first_lrs(make(GS, g_opt), g_opt), direct, rtol=1e-13)
    g_opt = G.single(lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wrapped = GS.SequentialLR(g_opt, [make(GS, g_opt)], milestones=[])
        np.testing.assert_allclose(_first_lrs(wrapped, g_opt), direct, rtol=1e-13)
    # two levels with a milestone (torch's test_scheduler_nested_composite_state.py)
    g_opt = G.single(lr=0.1)
    outer = GS.SequentialLR(g_opt, [make(GS, g_opt), GS.ExponentialLR(g_opt, gamma=0.8)],
                            milestones=[4])
    assert outer.get_last_lr() == outer._schedulers[0].get_last_lr()
    got = _first_lrs(outer, g_opt)
    np.testing.assert_allclose(got[:4], direct[:4], rtol=1e-13)
    np.testing.assert_allclose(got[4:], [0.1, 0.08], rtol=1e-13)


def test_sequentiallr_refusals():
    """DIFFERENCES['SequentialLR(last_epoch=N)'] and a composite after a milestone."""
    G = _Lib("gpuad")
    opt = G.single(lr=1.0)
    for g in opt.param_groups:
        g["initial_lr"] = 1.0
    with pytest.raises(ValueError, match="load_state_dict"):
        GS.SequentialLR(opt, [GS.ConstantLR(opt, 0.1, 20), GS.ExponentialLR(opt, 0.9)], [3],
                        last_epoch=4)
    opt = G.single(lr=0.1)
    inner = GS.ChainedScheduler([GS.ConstantLR(opt, 0.5, 2)])
    with pytest.raises(NotImplementedError, match="scheduler 1 is a ChainedScheduler"):
        GS.SequentialLR(opt, [GS.ConstantLR(opt, 0.5, 2), inner], [2])
    T = _Lib("torch")  # torch fails later, at the milestone, with no message
    opt = T.single(lr=0.1)
    q = TS.SequentialLR(opt, [TS.ConstantLR(opt, 0.5, 2),
                              TS.ChainedScheduler([TS.ConstantLR(opt, 0.5, 2)])], [2])
    with pytest.raises(NotImplementedError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            opt.step()
            q.step()


def test_no_cyclic_references():
    L = _Lib("gpuad")

    def run():
        opt = L.single(lr=0.5)
        s = L.S.LambdaLR(opt, lambda e: 1.0)
        c = L.S.CyclicLR(L.single("Adam"), base_lr=1, max_lr=5, cycle_momentum=False)
        opt.step()
        s.step()
        return weakref.ref(s), weakref.ref(opt), weakref.ref(c)

    gc.disable()
    try:
        refs = run()
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_deepcopy_of_a_scheduled_optimizer():
    """``copy.deepcopy`` of an optimizer with a scheduler's entries keeps them apart."""
    L = _Lib("gpuad")
    opt = L.opt()
    L.S.ExponentialLR(opt, 0.5)
    c = copy.deepcopy(opt.param_groups)
    opt.step()
    assert float(c[1]["initial_lr"]) == 0.5
