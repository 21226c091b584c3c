"""Ports of PyTorch's scheduler, optimizer-checkpoint and pooling tests (test/optim/
test_lrscheduler.py, test/optim/test_optim.py, test/nn/test_pooling.py): gpuad.optim.lr_scheduler
against torch.optim.lr_scheduler (the same rates to rounding, on two parameter groups, several
epochs, and the parameters they train), schedules inside a compiled training step,
``load_state_dict`` of optimizers and schedulers, and strided, padded, overlapping pooling.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.jit import TracerError
from gpuad.nn import functional as F
from gpuad.optim import lr_scheduler as S
from gpuad.testing import check_grads

W0 = np.array([0.5, -1.0, 2.0])
B0 = np.array([1.5, -0.25])
LRS = (0.05, 0.1)


def _xp():
    return ad.get_backend().xp


class _Harness:
    """Two parameters in two groups (lr 0.05 and 0.1) of an optimizer of gpuad or torch, a
    quadratic loss, and one epoch = forward, backward, ``opt.step()``."""

    def __init__(self, lib, opt_name="SGD", **kw):
        self.lib = lib
        if lib == "gpuad":
            xp = _xp()
            self.ps = [ad.tensor(xp.asarray(W0.copy()), requires_grad=True),
                       ad.tensor(xp.asarray(B0.copy()), requires_grad=True)]
            mod = optim
        else:
            torch = pytest.importorskip("torch")
            self.ps = [torch.tensor(W0.copy(), requires_grad=True),
                       torch.tensor(B0.copy(), requires_grad=True)]
            mod = torch.optim
        self.opt = getattr(mod, opt_name)(
            [{"params": [self.ps[0]], "lr": LRS[0]}, {"params": [self.ps[1]], "lr": LRS[1]}],
            **kw)

    def epoch(self, k):
        self.opt.zero_grad()
        w, b = self.ps
        loss = ((w * (k + 1.0) - 1.0) ** 2).sum() + (b * b * 0.5).sum() + (w[0] * b[1])
        loss.backward()
        self.opt.step()
        return loss.item()

    def params(self):
        return [to_numpy(p) if self.lib == "gpuad" else p.detach().numpy() for p in self.ps]


def _mods():
    torch = pytest.importorskip("torch")
    return S, torch.optim.lr_scheduler


# (name, optimizer and keywords, a function (scheduler module, optimizer) -> scheduler)
SCHEDULES = [
    ("StepLR", ("SGD", {}), lambda m, o: m.StepLR(o, step_size=3, gamma=0.5)),
    ("MultiStepLR", ("SGD", {}), lambda m, o: m.MultiStepLR(o, [2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", ("SGD", {}), lambda m, o: m.ExponentialLR(o, gamma=0.9)),
    ("CosineAnnealingLR", ("SGD", {"momentum": 0.9}),
     lambda m, o: m.CosineAnnealingLR(o, T_max=4, eta_min=0.001)),
    ("LambdaLR", ("SGD", {}),
     lambda m, o: m.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1.0 / (e + 1)])),
    ("MultiplicativeLR", ("Adam", {}), lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9)),
    ("LinearLR", ("SGD", {}),
     lambda m, o: m.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=6)),
    ("ConstantLR", ("SGD", {}), lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=4)),
    ("PolynomialLR", ("SGD", {}), lambda m, o: m.PolynomialLR(o, total_iters=7, power=2.0)),
    ("SequentialLR", ("SGD", {}), lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=3), m.ExponentialLR(o, gamma=0.8),
            m.CosineAnnealingLR(o, T_max=3)], milestones=[3, 7])),
    ("ChainedScheduler", ("SGD", {}), lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9)])),
    ("OneCycleLR-SGD", ("SGD", {"momentum": 0.9}),
     lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=13, pct_start=0.4)),
    ("OneCycleLR-Adam-3phase-linear", ("Adam", {}), lambda m, o: m.OneCycleLR(
        o, max_lr=0.3, epochs=3, steps_per_epoch=4, three_phase=True,
        anneal_strategy="linear", final_div_factor=100.0)),
    ("OneCycleLR-no-momentum", ("RMSprop", {}),
     lambda m, o: m.OneCycleLR(o, max_lr=0.2, total_steps=12, cycle_momentum=False)),
]


def _close(a, b, what):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=what)


@pytest.mark.parametrize("name,opt,make", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_matches_torch(backend, name, opt, make):
    """Rates, momentum and trained parameters of 12 epochs equal torch's."""
    gm, tm = _mods()
    g, t = _Harness("gpuad", opt[0], **opt[1]), _Harness("torch", opt[0], **opt[1])
    gs, ts = make(gm, g.opt), make(tm, t.opt)
    _close(gs.get_last_lr(), ts.get_last_lr(), f"{name} at start")
    for k in range(12):
        _close(g.epoch(k), t.epoch(k), f"{name} loss {k}")
        gs.step()
        ts.step()
        _close(gs.get_last_lr(), ts.get_last_lr(), f"{name} epoch {k}")
        assert [gr["lr"] for gr in g.opt.param_groups] == gs.get_last_lr()
        for key in ("momentum", "betas"):
            if key in t.opt.param_groups[0]:
                _close([gr[key] for gr in g.opt.param_groups],
                       [gr[key] for gr in t.opt.param_groups], f"{name} {key} {k}")
    assert getattr(gs, "last_epoch", None) == getattr(ts, "last_epoch", None)
    for a, b in zip(g.params(), t.params(), strict=True):
        _close(a, b, f"{name} parameters")


@pytest.mark.parametrize("mode,threshold_mode,kw", [
    ("min", "rel", {"patience": 1, "factor": 0.5}),
    ("max", "abs", {"patience": 0, "threshold": 0.1, "cooldown": 2, "min_lr": [0.01, 0.03]}),
    ("min", "abs", {"patience": 2, "factor": 0.2, "eps": 0.05}),
])
def test_reduce_lr_on_plateau_matches_torch(backend, mode, threshold_mode, kw):
    gm, tm = _mods()
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.95, 0.95, 0.89, 0.9, 1.2, 0.5, 0.5, 0.5, 0.51, 0.49, 0.49, 0.6]
    g, t = _Harness("gpuad"), _Harness("torch")
    gs = gm.ReduceLROnPlateau(g.opt, mode, threshold_mode=threshold_mode, **kw)
    ts = tm.ReduceLROnPlateau(t.opt, mode, threshold_mode=threshold_mode, **kw)
    for k, v in enumerate(metrics):
        g.epoch(k)
        t.epoch(k)
        metric = ad.tensor(_xp().asarray(v)) if k % 2 else v  # a 0-d Tensor is a metric too
        gs.step(metric)
        ts.step(torch.tensor(v, dtype=torch.float64))
        _close(gs.get_last_lr(), ts.get_last_lr(), f"epoch {k}")
        assert (gs.num_bad_epochs, gs.cooldown_counter, gs.best) == \
            (ts.num_bad_epochs, ts.cooldown_counter, ts.best)


CLOSED = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
          "ConstantLR", "PolynomialLR"]


@pytest.mark.parametrize("name", CLOSED)
def test_step_with_epoch_is_the_closed_form(name):
    """The deprecated ``step(epoch)`` jumps with the closed form and warns (torch's
    ``test_closed_form_*``); the recursion meets the closed form where nothing else changes
    the rate."""
    make = next(m for n, _, m in SCHEDULES if n == name)
    rec, jump = _Harness("gpuad", "SGD"), _Harness("gpuad", "SGD")
    rs, js = make(S, rec.opt), make(S, jump.opt)
    for k in range(1, 10):
        rec.opt.step()
        jump.opt.step()
        rs.step()
        with pytest.warns(UserWarning, match="deprecated"):
            js.step(k)
        np.testing.assert_allclose(js.get_last_lr(), rs.get_last_lr(), rtol=1e-12,
                                   err_msg=f"{name} epoch {k}")
    try:
        torch = __import__("torch")
    except ImportError:
        return
    t = _Harness("torch", "SGD")
    ts = make(torch.optim.lr_scheduler, t.opt)
    for k in (4, 2, 9, 0):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts.step(k)
            js.step(k)
        _close(js.get_last_lr(), ts.get_last_lr(), f"{name} jump to {k}")


def test_closed_forms_by_hand():
    """The textbook formulas (no peer needed)."""
    h = _Harness("gpuad")
    s = S.StepLR(h.opt, step_size=2, gamma=0.1)
    cos = _Harness("gpuad")
    c = S.CosineAnnealingLR(cos.opt, T_max=5, eta_min=0.01)
    for e in range(1, 12):
        h.opt.step()
        s.step()
        cos.opt.step()
        c.step()
        want = [lr * 0.1 ** (e // 2) for lr in LRS]
        np.testing.assert_allclose(s.get_last_lr(), want, rtol=1e-13)
        want = [0.01 + (lr - 0.01) * (1 + math.cos(math.pi * e / 5)) / 2 for lr in LRS]
        np.testing.assert_allclose(c.get_last_lr(), want, rtol=1e-12)
    assert [g["initial_lr"] for g in h.opt.param_groups] == list(LRS) == s.base_lrs


def test_state_dict_resumes_the_schedule(backend):
    """torch's ``_check_scheduler_state_dict``: a scheduler loaded from another's state goes
    on as it would have; LambdaLR saves a callable object's attributes, not a function."""

    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, e):
            return self.rate ** e

    a, b = _Harness("gpuad"), _Harness("gpuad")
    sa = S.SequentialLR(a.opt, [S.ConstantLR(a.opt, 0.5, 2), S.CosineAnnealingLR(a.opt, 4)],
                        [2])
    la = S.LambdaLR(a.opt, [Decay(0.9), lambda e: 1.0])
    for k in range(4):
        a.epoch(k)
        sa.step()
    sb = S.SequentialLR(b.opt, [S.ConstantLR(b.opt, 0.3, 5), S.CosineAnnealingLR(b.opt, 4)],
                        [2])
    lb = S.LambdaLR(b.opt, [Decay(0.5), lambda e: 1.0])
    state = la.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.9}, None]
    lb.load_state_dict(state)
    assert lb.lr_lambdas[0].rate == 0.9
    sb.load_state_dict(sa.state_dict())
    b.opt.load_state_dict(a.opt.state_dict())
    for k in range(4, 9):
        for h, s in ((a, sa), (b, sb)):
            h.epoch(k)
            s.step()
        assert sa.get_last_lr() == sb.get_last_lr()
    with pytest.raises(ValueError, match="does not have"):
        S.StepLR(b.opt, 2).load_state_dict(sa.state_dict())


def test_warnings_as_torch():
    h = _Harness("gpuad")
    s = S.ExponentialLR(h.opt, 0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        s.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        s.get_lr()
    h2 = _Harness("gpuad")
    s2 = S.ExponentialLR(h2.opt, 0.5)
    h2.opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.step()


def test_bad_arguments_raise():
    h = _Harness("gpuad")
    with pytest.raises(TypeError, match="not a gpuad.optim Optimizer"):
        S.StepLR(object(), 2)
    with pytest.raises(ValueError, match="2 lr_lambdas"):
        S.LambdaLR(h.opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="step_size"):
        S.StepLR(h.opt, 0)
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_Harness("gpuad").opt, 2, last_epoch=3)
    with pytest.raises(ValueError, match="momentum or betas"):
        S.OneCycleLR(_Harness("gpuad", "Adagrad").opt, 0.1, total_steps=4)
    one = S.OneCycleLR(h.opt, 0.1, total_steps=2, cycle_momentum=False)
    h.opt.step()
    one.step()
    one.step()
    with pytest.raises(ValueError, match="total_steps=2"):
        one.step()
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        S.SequentialLR(h.opt, [S.ReduceLROnPlateau(h.opt), S.StepLR(h.opt, 2)], [1])
    other = _Harness("gpuad")
    with pytest.raises(ValueError, match="another optimizer"):
        S.ChainedScheduler([S.StepLR(h.opt, 2), S.StepLR(other.opt, 2)])


# ---- a schedule and a compiled training step ----------------------------------------------------

def test_schedule_reaches_a_compiled_step(backend):
    """The rate a scheduler sets between calls of a ``gpuad.jit`` training step is read at the
    next replay (not baked into the trace), without tracing again; stepping the scheduler
    inside the compiled function raises."""
    runs = []
    for compiled in (False, True):
        h = _Harness("gpuad", "SGD", momentum=0.5)
        sched = S.OneCycleLR(h.opt, max_lr=0.3, total_steps=8)

        def step(x, h=h):
            h.opt.zero_grad()
            w, b = h.ps
            loss = ((w * x - 1.0) ** 2).sum() + (b * b).sum()
            loss.backward()
            h.opt.step()
            return loss

        f = ad.jit(step) if compiled else step
        for k in range(8):
            f(_xp().asarray(np.full(3, k + 1.0)))
            sched.step()
        runs.append((h.params(), f))
    for a, b in zip(runs[0][0], runs[1][0], strict=True):
        np.testing.assert_array_equal(a, b)
    f = runs[1][1]
    assert f.cache_info()["misses"] == 2  # SGD's momentum buffer is made at the first step
    # and the reference: the same eight steps with the rates written by hand
    torch = pytest.importorskip("torch")
    t = _Harness("torch", "SGD", momentum=0.5)
    ts = torch.optim.lr_scheduler.OneCycleLR(t.opt, max_lr=0.3, total_steps=8)
    for k in range(8):
        t.opt.zero_grad()
        w, b = t.ps
        (((w * (k + 1.0) - 1.0) ** 2).sum() + (b * b).sum()).backward()
        t.opt.step()
        ts.step()
    for a, b in zip(runs[1][0], t.params(), strict=True):
        _close(a, b, "compiled OneCycleLR vs torch")


def test_scheduler_step_inside_a_compiled_function_raises(backend):
    h = _Harness("gpuad")
    sched = S.StepLR(h.opt, 1, gamma=0.5)

    @ad.jit
    def step(x):
        h.opt.zero_grad()
        (h.ps[0] * x).sum().backward()
        h.opt.step()
        sched.step()

    with pytest.raises(TracerError, match="param_groups"):
        step(_xp().asarray(np.ones(3)))


# ---- optimizer load_state_dict (torch's test_optim.py checks) -----------------------------------

@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_load_state_dict_restores_group_rates(backend, name):
    """A checkpoint taken mid-schedule restores every group's rate (and the scheduler's
    entries) into a fresh optimizer, which then trains as the original."""
    a = _Harness("gpuad", name)
    sa = S.ExponentialLR(a.opt, 0.7)
    for k in range(3):
        a.epoch(k)
        sa.step()
    ckpt = a.opt.state_dict()
    b = _Harness("gpuad", name)
    b.ps = [ad.tensor(_xp().asarray(p), requires_grad=True) for p in a.params()]
    b.opt = getattr(optim, name)([{"params": [b.ps[0]]}, {"params": [b.ps[1]]}], lr=1.0)
    b.opt.load_state_dict(ckpt)
    assert [g["lr"] for g in b.opt.param_groups] == sa.get_last_lr()
    assert [g["initial_lr"] for g in b.opt.param_groups] == list(LRS)
    sb = S.ExponentialLR(b.opt, 0.7, last_epoch=sa.last_epoch)
    for k in range(3, 6):
        a.epoch(k)
        b.epoch(k)
        sa.step()
        sb.step()
    assert sa.get_last_lr() == sb.get_last_lr()
    for x, y in zip(a.params(), b.params(), strict=True):
        np.testing.assert_array_equal(x, y)


def test_load_state_dict_refuses_mismatched_groups(backend):
    a = _Harness("gpuad")
    a.epoch(0)
    ckpt = a.opt.state_dict()
    xp = _xp()
    p, q, r = (ad.tensor(xp.ones(n), requires_grad=True) for n in (3, 2, 2))
    bad_sizes = optim.SGD([{"params": [p, q]}, {"params": [r]}], lr=0.1)
    with pytest.raises(ValueError, match="group 0 holds 1 parameters in the state, 2"):
        bad_sizes.load_state_dict(ckpt)
    assert [g["lr"] for g in bad_sizes.param_groups] == [0.1, 0.1]  # left as it was
    one_group = optim.SGD([p, q], lr=0.1)
    with pytest.raises(ValueError, match="2 parameter groups, the optimizer 1"):
        one_group.load_state_dict(ckpt)


# ---- pooling with a stride, padding, dilation and ceil_mode (torch's test_pooling.py) ----------

# (kernel_size, stride, padding, dilation, ceil_mode) on (2, 2, 6, 7) inputs
POOLS = [
    (2, None, 0, 1, False),  # the windows tile the input
    (3, 1, 1, 1, False),  # overlapping, padded ("same" size)
    (3, 2, 1, 1, False),
    (3, 2, 0, 1, True),  # a last window past the input's edge
    ((3, 2), (2, 3), (1, 1), 1, True),
    ((2, 3), 1, (1, 0), (2, 1), False),  # dilated (max only)
    (2, (1, 2), 0, 1, True),
]


def _distinct_image(rng, shape=(2, 2, 6, 7)):
    """Values far apart, so a small step never changes a window's maximum."""
    n = int(np.prod(shape))
    return rng.permutation(n).reshape(shape) * 0.1 + rng.uniform(-0.02, 0.02, shape)


def _torch_pool(kind, x, k, s, p, d, ceil, **kw):
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, requires_grad=True)
    tf = torch.nn.functional
    if kind == "max":
        y, idx = tf.max_pool2d(t, k, s, p, d, ceil, return_indices=True)
    else:
        y, idx = tf.avg_pool2d(t, k, s, p, ceil, **kw), None
    return t, y, idx


def _pool(kind, k, s, p, d, ceil, **kw):
    if kind == "max":
        return lambda x: F.max_pool2d(x, k, s, p, d, ceil)
    return lambda x: F.avg_pool2d(x, k, s, p, ceil, **kw)


@pytest.mark.parametrize("k,s,p,d,ceil", POOLS)
@pytest.mark.parametrize("kind,kw", [("max", {}), ("avg", {}),
                                     ("avg", {"count_include_pad": False}),
                                     ("avg", {"divisor_override": 3})])
def test_pool_matches_torch(backend, kind, kw, k, s, p, d, ceil):
    """Values and gradients (a random cotangent) equal torch's; max pool's indices too."""
    if kind == "avg" and d != 1:
        pytest.skip("avg_pool2d has no dilation (as torch)")
    rng = np.random.default_rng(5)
    x = _distinct_image(rng)
    t, ty, tidx = _torch_pool(kind, x, k, s, p, d, ceil, **kw)
    xt = ad.tensor(_xp().asarray(x), requires_grad=True)
    y = _pool(kind, k, s, p, d, ceil, **kw)(xt)
    assert tuple(y.shape) == tuple(ty.shape)
    _close(to_numpy(y), ty.detach().numpy(), "value")
    u = rng.standard_normal(tuple(ty.shape))
    (y * _xp().asarray(u)).sum().backward()
    ty.backward(__import__("torch").tensor(u))
    _close(to_numpy(xt.grad), t.grad.numpy(), "gradient")
    if kind == "max":
        _, idx = F.max_pool2d(_xp().asarray(x), k, s, p, d, ceil,
                                             return_indices=True)
        np.testing.assert_array_equal(to_numpy(idx), tidx.numpy())


@pytest.mark.parametrize("k,s,p,d,ceil", [POOLS[1], POOLS[3], POOLS[5]])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_grads_finite_differences(backend, kind, k, s, p, d, ceil):
    if kind == "avg" and d != 1:
        d = 1
    x = _distinct_image(np.random.default_rng(6), (1, 2, 5, 6))
    kw = {"count_include_pad": False} if kind == "avg" else {}
    check_grads(_pool(kind, k, s, p, d, ceil, **kw), (x,), order=2)


def test_max_pool_ties_go_to_the_first(backend):
    """Overlapping windows over equal values: each output's adjoint goes to the first
    largest element of its window (row-major), accumulated where windows share it; a
    window of NaNs gives its last NaN, and an input of -inf beats the padding, as torch."""
    x = np.array([[[[1.0, 1.0, 0.0, 2.0],
                    [1.0, 1.0, 2.0, 2.0],
                    [-np.inf, -np.inf, np.nan, 0.0],
                    [-np.inf, -np.inf, np.nan, 3.0]]]])
    xt = ad.tensor(_xp().asarray(x), requires_grad=True)
    y = F.max_pool2d(xt, 2, 1, 1)
    gnp.sum(y * _xp().asarray(np.arange(1.0, 26.0).reshape(1, 1, 5, 5))).backward()
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.max_pool2d(t, 2, 1, 1)
    (ty * torch.arange(1.0, 26.0, dtype=torch.float64).reshape(1, 1, 5, 5)).sum().backward()
    want = t.grad.numpy()
    np.testing.assert_array_equal(to_numpy(xt.grad), want)
    np.testing.assert_array_equal(to_numpy(y), ty.detach().numpy())


def test_max_pool_ties_by_hand(backend):
    """The same rule without a peer: a (1, 3) row of equal values pooled by overlapping
    (1, 2) windows gives the first element both adjoints of the windows it leads."""
    xt = ad.tensor(_xp().asarray(np.array([[[[5.0, 5.0, 5.0]]]])), requires_grad=True)
    y = F.max_pool2d(xt, (1, 2), 1)
    gnp.sum(y * _xp().asarray(np.array([[[[10.0, 1.0]]]]))).backward()
    np.testing.assert_array_equal(to_numpy(xt.grad), [[[[10.0, 1.0, 0.0]]]])


def test_pool_in_a_compiled_step_and_modules(backend):
    """A compiled function recomputes each window's argmax per call (values changed between
    calls move the adjoint), and the modules take torch's arguments."""
    pool = nn.MaxPool2d(3, stride=2, padding=1)
    avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

    def loss(x):
        return gnp.sum(pool(x) * 2.0) + gnp.sum(avg(x) ** 2)

    g = ad.jit(ad.grad(loss))
    idx = ad.jit(lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True)[1])
    rng = np.random.default_rng(8)
    for _ in range(2):
        x = _xp().asarray(_distinct_image(rng, (1, 1, 5, 5)))
        np.testing.assert_allclose(to_numpy(g(x)), to_numpy(ad.grad(loss)(x)), rtol=1e-13)
        np.testing.assert_array_equal(to_numpy(idx(x)),
                                      to_numpy(F.max_pool2d(x, 3, 2, 1, return_indices=True)[1]))
    assert "padding=1" in repr(pool)


def test_pool_bad_arguments_raise(backend):
    x = _xp().asarray(np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="at most half"):
        F.max_pool2d(x, 2, 1, 2)
    with pytest.raises(ValueError, match="does not fit"):
        F.avg_pool2d(x, 5)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        F.max_pool2d(x, 2, 0)
    with pytest.raises(ValueError, match=r"\(C, H, W\) or \(N, C, H, W\)"):
        F.max_pool2d(_xp().asarray(np.ones((4, 4))), 2)
    with pytest.raises(ValueError, match="divisor_override"):
        F.avg_pool2d(x, 2, divisor_override=0)


def test_pool_under_vmap(backend):
    """Per-example overlapping, padded pooling under vmap equals a loop (values and
    derivatives), the windows' argmax batched with them."""
    from vmap_loop import check_vmap

    imgs = _distinct_image(np.random.default_rng(9), (3, 1, 2, 5, 5))
    check_vmap(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (imgs,), 0)
    check_vmap(lambda x: F.avg_pool2d(x, 3, 1, 1, count_include_pad=False), (imgs,), 0)
