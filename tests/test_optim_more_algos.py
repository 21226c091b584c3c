"""gpuad.optim's Adamax, NAdam, RAdam, Rprop, ASGD and LBFGS, and the CyclicLR and
CosineAnnealingWarmRestarts schedulers: against NumPy transcriptions of torch's rules and
against torch.optim itself (float64, several steps, two parameter groups, a 0-d parameter, a
rate changed between steps), eagerly and inside one ``gpuad.jit`` training step (compiled ==
eager, bit for bit, one trace); state_dict round trips; hyperparameter errors as torch's.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optim
from gpuad.jit import TracerError
from gpuad.optim import lr_scheduler as S

R = np.random.default_rng(5)
W0 = R.normal(size=3)
B0 = np.array(0.7)  # a 0-d parameter
XS = [(R.normal(size=3), np.array(R.normal())) for _ in range(8)]


def _xp():
    return ad.get_backend().xp


def _loss(w, b, x1, x2, lib):
    return ((w * x1 - 1.0) ** 2).sum() + lib.sin(w).sum() + b * b * x2 + lib.cos(b)


def _grads(w, b, x1, x2):
    return 2 * x1 * (w * x1 - 1.0) + np.cos(w), 2 * b * x2 - np.sin(b)


@pytest.fixture
def torch64():
    """torch with float64 as its default dtype: its optimizers keep step counts and numbers
    such as NAdam's ``mu_product`` and ASGD's ``eta`` in tensors of that dtype."""
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


# ---- torch's rules in NumPy (one parameter, one step; ``st`` is its state) ------------------


def _mu(b1, psi, t):
    return b1 * (1.0 - 0.5 * 0.96 ** (t * psi))


def _ref_update(name, h, st, p, g):
    g = -g if h["maximize"] else g
    lr, wd = h["lr"], h.get("weight_decay", 0.0)
    t = st["t"] = st.get("t", 0) + 1
    if name == "Rprop":
        (em, ep), (lo, hi) = h["etas"], h["step_sizes"]
        prev = st.get("prev", np.zeros_like(p))
        size = st.get("size", np.full_like(p, lr))
        prod = g * prev
        size = np.clip(size * np.where(prod > 0, ep, np.where(prod < 0, em, 1.0)), lo, hi)
        g = np.where(prod < 0, 0.0, g)
        st["prev"], st["size"] = g, size
        return p - np.sign(g) * size
    if name == "ASGD":
        eta, mu = st.get("eta", lr), st.get("mu", 1.0)
        g = g + wd * p
        p = p * (1 - h["lambd"] * eta) - eta * g
        ax = st.get("ax", np.zeros_like(p))
        st["ax"] = p.copy() if mu == 1 else ax + (p - ax) * mu
        st["eta"] = lr / (1 + h["lambd"] * lr * t) ** h["alpha"]
        st["mu"] = 1 / max(1, t - h["t0"])
        return p
    b1, b2 = h["betas"]
    if wd and h.get("decoupled_weight_decay"):
        p = p * (1 - lr * wd)
    else:
        g = g + wd * p
    m = st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
    if name == "Adamax":
        st["u"] = np.maximum(b2 * st.get("u", 0.0), np.abs(g) + h["eps"])
        return p - lr / (1 - b1**t) * m / st["u"]
    v = st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
    if name == "NAdam":
        mu, mu1 = _mu(b1, h["momentum_decay"], t), _mu(b1, h["momentum_decay"], t + 1)
        prod = st["prod"] = st.get("prod", 1.0) * mu
        d = np.sqrt(v / (1 - b2**t)) + h["eps"]
        return p - lr * (1 - mu) / (1 - prod) * g / d - lr * mu1 / (1 - prod * mu1) * m / d
    assert name == "RAdam"
    rho_inf = 2 / (1 - b2) - 1
    rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
    step = lr * m / (1 - b1**t)
    if rho > 5:
        r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
        step = step * r * math.sqrt(1 - b2**t) / (np.sqrt(v) + h["eps"])
    return p - step


DEFAULTS = {
    "Adamax": {
        "lr": 2e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "maximize": False,
    },
    "NAdam": {
        "lr": 2e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum_decay": 4e-3,
        "decoupled_weight_decay": False,
        "maximize": False,
    },
    "RAdam": {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "decoupled_weight_decay": False,
        "maximize": False,
    },
    "Rprop": {"lr": 1e-2, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50), "maximize": False},
    "ASGD": {
        "lr": 1e-2,
        "lambd": 1e-4,
        "alpha": 0.75,
        "t0": 1e6,
        "weight_decay": 0.0,
        "maximize": False,
    },
}

# (optimizer, keywords of both groups, keywords of the second group); RAdam with betas[1] = 0.8
# takes its rectified step from step 7 on, ASGD with t0 = 3 averages from step 6 on
CONFIGS = [
    ("Adamax", {"lr": 0.1}, {"lr": 0.05}),
    (
        "Adamax",
        {"lr": 0.1, "betas": (0.5, 0.8), "weight_decay": 0.1, "maximize": True},
        {"eps": 0.1},
    ),
    ("NAdam", {"lr": 0.1}, {"betas": (0.6, 0.7)}),
    (
        "NAdam",
        {"lr": 0.1, "weight_decay": 0.1, "momentum_decay": 0.3},
        {"decoupled_weight_decay": True, "maximize": True},
    ),
    ("RAdam", {"lr": 0.1, "betas": (0.9, 0.8)}, {"weight_decay": 0.1}),
    (
        "RAdam",
        {"lr": 0.1, "betas": (0.9, 0.8), "weight_decay": 0.2, "decoupled_weight_decay": True},
        {"maximize": True, "eps": 1e-3},
    ),
    ("Rprop", {"lr": 0.1}, {}),
    ("Rprop", {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (0.01, 0.2)}, {"maximize": True}),
    ("ASGD", {"lr": 0.1, "t0": 3, "lambd": 0.1, "alpha": 0.5}, {"weight_decay": 0.1}),
    ("ASGD", {"lr": 0.2, "weight_decay": 0.1, "maximize": True}, {"lambd": 0.5}),
]
NAMES = list(DEFAULTS)


class _Run:
    """Parameters ``w`` (group 0) and ``b`` (group 1, 0-d) for each configuration, trained by
    one step function, eager or compiled."""

    def __init__(self, specs, compiled):
        xp = _xp()
        self.members = []
        for name, kw, kw1 in specs:
            w = ad.tensor(xp.asarray(W0.copy()), requires_grad=True)
            b = ad.tensor(xp.asarray(B0.copy()), requires_grad=True)
            groups = [{"params": [w]}, {"params": [b], **kw1}]
            self.members.append((w, b, getattr(optim, name)(groups, **kw)))
        members = self.members

        def step(x1, x2):
            for _, _, opt in members:
                opt.zero_grad()
            loss = sum(_loss(w, b, x1, x2, gnp) for w, b, _ in members)
            loss.backward()
            for _, _, opt in members:
                opt.step()
            return loss

        self.f = ad.jit(step) if compiled else step

    def __call__(self, k):
        xp = _xp()
        return self.f(*(xp.asarray(x) for x in XS[k]))

    def params(self, i):
        w, b, _ = self.members[i]
        return to_numpy(w).copy(), to_numpy(b).copy()  # (to_numpy may be the live buffer)


class _Ref:
    """The same training in NumPy, and in torch when given."""

    def __init__(self, name, kw, kw1, torch=None):
        self.name = name
        self.h = [dict(DEFAULTS[name], **kw), dict(DEFAULTS[name], **{**kw, **kw1})]
        self.p = [W0.copy(), B0.copy()]
        self.st = [{}, {}]
        self.torch = torch
        if torch is not None:
            self.tp = [
                torch.tensor(W0.copy(), requires_grad=True),
                torch.tensor(B0.copy(), requires_grad=True),
            ]
            self.topt = getattr(torch.optim, name)(
                [{"params": [self.tp[0]]}, {"params": [self.tp[1]], **kw1}], **kw
            )

    def set_lr(self, group, value):
        self.h[group]["lr"] = value
        if self.torch is not None:
            self.topt.param_groups[group]["lr"] = value

    def __call__(self, k):
        gs = _grads(*self.p, *XS[k])
        self.p = [
            _ref_update(self.name, h, st, p, g)
            for h, st, p, g in zip(self.h, self.st, self.p, gs, strict=True)
        ]
        if self.torch is not None:
            self.topt.zero_grad()
            _loss(*self.tp, *(self.torch.tensor(x) for x in XS[k]), self.torch).backward()
            self.topt.step()

    def check(self, got, what):
        for a, b in zip(got, self.p, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13, err_msg=f"{what} NumPy")
        if self.torch is not None:
            for a, t in zip(got, self.tp, strict=True):
                np.testing.assert_allclose(
                    a, t.detach().numpy(), rtol=1e-12, atol=1e-13, err_msg=f"{what} torch"
                )


def _torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _same(r1, r2):
    for i in range(len(r1.members)):
        for a, b in zip(r1.params(i), r2.params(i), strict=True):
            np.testing.assert_array_equal(a, b)


def test_eager_and_compiled_match_numpy_and_torch(backend):
    """Every configuration, trained by one step function for 8 steps, the second group's
    rate halved after step 4 (read by the next replay): eager == compiled bit for bit, one
    trace, and both equal torch's rule in NumPy and torch.optim itself."""
    eager, comp = _Run(CONFIGS, False), _Run(CONFIGS, True)
    torch = _torch_or_none()
    old = torch.get_default_dtype() if torch is not None else None
    try:
        if torch is not None:
            torch.set_default_dtype(torch.float64)
        refs = [_Ref(*c, torch) for c in CONFIGS]
        for k in range(8):
            if k == 4:
                for r in (eager, comp):
                    for _, _, opt in r.members:
                        opt.param_groups[1]["lr"] *= 0.5
                for ref in refs:
                    ref.set_lr(1, 0.5 * ref.h[1]["lr"])
            eager(k)
            comp(k)
            for ref in refs:
                ref(k)
    finally:
        if torch is not None:
            torch.set_default_dtype(old)
    for i, ref in enumerate(refs):
        ref.check(eager.params(i), str(CONFIGS[i]))
    _same(eager, comp)
    assert comp.f.cache_info()["misses"] == 1
    if backend == "cupy":  # every update is a kernel of the one CUDA graph of the step
        (entry,) = comp.f.cache_info()["entries"]
        assert entry["graph"] == "captured", entry
    for (_, _, opt), ref, spec in zip(comp.members, refs, CONFIGS, strict=True):
        assert opt.state[1]["t"] == 8
        if spec[0] == "ASGD":  # the running average and the numbers of the next step
            np.testing.assert_allclose(
                to_numpy(opt.state[0]["ax"]), ref.st[0]["ax"], rtol=1e-12, atol=1e-13
            )
            assert opt.state[1]["mu"] == ref.st[1]["mu"]
            assert opt.state[1]["eta"] == pytest.approx(ref.st[1]["eta"], rel=1e-14)
        if spec[0] == "NAdam":
            assert opt.state[0]["mu_product"] == pytest.approx(ref.st[0]["prod"], rel=1e-14)


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "Rprop", "ASGD"])
def test_complex_parameter_matches_torch(torch64, name):
    """A complex parameter is updated as its real and imaginary parts, as torch does."""
    torch = torch64
    z0, c = np.array([0.5 + 0.3j, -1.0 + 2.0j]), np.array([1.0 - 0.5j, 0.3 + 0.2j])
    z = ad.tensor(z0.copy(), requires_grad=True)
    tz = torch.tensor(z0.copy(), requires_grad=True)
    opt, topt = getattr(optim, name)([z], lr=0.1), getattr(torch.optim, name)([tz], lr=0.1)
    for _ in range(5):
        opt.zero_grad()
        (gnp.abs(z * c - 1.0) ** 2).sum().backward()
        opt.step()
        topt.zero_grad()
        ((tz * torch.tensor(c) - 1.0).abs() ** 2).sum().backward()
        topt.step()
    np.testing.assert_allclose(z.numpy(), tz.detach().numpy(), rtol=1e-12, atol=1e-13)


def test_state_dict_round_trip(backend):
    """Checkpoint after 3 steps, train on, load the checkpoint back into the same optimizers
    and into fresh ones trained by a compiled step: both repeat the steps after the
    checkpoint bit for bit (the state's numbers, NAdam's ``mu_product`` and ASGD's ``eta``
    and ``mu``, included)."""
    specs = [CONFIGS[i] for i in (3, 7, 8)]  # NAdam, Rprop, ASGD
    run = _Run(specs, False)
    for k in range(3):
        run(k)
    ckpt = [(opt.state_dict(), run.params(i)) for i, (_, _, opt) in enumerate(run.members)]
    after = []
    for k in range(3, 6):
        run(k)
        after.append([run.params(i) for i in range(len(specs))])
    comp = _Run(specs, True)
    xp = _xp()
    for r in (run, comp):
        for (w, b, opt), (sd, (pw, pb)) in zip(r.members, ckpt, strict=True):
            opt.load_state_dict(sd)
            with ad.no_grad():
                w.data[...] = xp.asarray(pw)
                b.data[...] = xp.asarray(pb)
        for k in range(3, 6):
            r(k)
            for i in range(len(specs)):
                for a, b in zip(r.params(i), after[k - 3][i], strict=True):
                    np.testing.assert_array_equal(a, b, err_msg=str(specs[i]))
    nadam = comp.members[0][2]
    assert nadam.state_dict()["state"][0]["t"] == 6 and nadam.step_count == 6
    assert sorted(nadam.state_dict()["state"][0]) == ["exp_avg", "exp_avg_sq", "mu_product", "t"]


def test_state_dict_of_another_optimizer_raises(backend):
    w = ad.tensor(_xp().asarray(W0.copy()), requires_grad=True)
    a, b = optim.Adamax([w]), optim.Rprop([w])
    _loss(w, 1.0, *XS[0], gnp).backward()
    a.step()
    with pytest.raises(ValueError, match="Rprop"):
        b.load_state_dict(a.state_dict())


# (optimizer, keywords, the name the ValueError gives)
BAD = [
    ("Adamax", {"lr": -0.1}, "learning rate"),
    ("Adamax", {"betas": (1.0, 0.9)}, r"betas\[0\]"),
    ("Adamax", {"eps": -1.0}, "eps"),
    ("NAdam", {"betas": (0.9, -0.1)}, r"betas\[1\]"),
    ("NAdam", {"momentum_decay": -1.0}, "momentum_decay"),
    ("NAdam", {"weight_decay": -1.0}, "weight_decay"),
    ("RAdam", {"betas": (0.9, 1.5)}, r"betas\[1\]"),
    ("RAdam", {"weight_decay": -0.5}, "weight_decay"),
    ("Rprop", {"etas": (1.5, 1.2)}, "etas"),
    ("Rprop", {"etas": (0.5, 0.9)}, "etas"),
    ("ASGD", {"weight_decay": -1.0}, "weight_decay"),
    ("ASGD", {"lr": -1.0}, "learning rate"),
]


@pytest.mark.parametrize("name,kw,what", BAD)
def test_bad_hyperparameters_raise_as_torch(name, kw, what):
    w = ad.tensor(W0.copy(), requires_grad=True)
    with pytest.raises(ValueError, match=what):
        getattr(optim, name)([w], **kw)
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)


def test_implementation_switches_are_accepted(backend):
    w = ad.tensor(_xp().asarray(W0.copy()), requires_grad=True)
    for name in NAMES:
        getattr(optim, name)([w], foreach=True, capturable=True)
        with pytest.raises(NotImplementedError, match="differentiable"):
            getattr(optim, name)([w], differentiable=True)


# ---- LBFGS -------------------------------------------------------------------------------------

A = R.normal(size=(6, 4))
V0 = R.normal(size=4)


def _lbfgs_loss(v, b, lib, a):
    r = a @ v + b - 1.0
    return (r**2).sum() + 0.5 * (v**4).sum() + lib.cos(b)


LBFGS_CONFIGS = [
    {"lr": 1, "max_iter": 5, "history_size": 3},
    {"lr": 0.5, "max_iter": 7, "history_size": 2, "line_search_fn": "strong_wolfe"},
    {"lr": 1, "line_search_fn": "strong_wolfe"},
    {"lr": 0.3, "max_iter": 3, "max_eval": 4},
    {"tolerance_grad": 0.5, "tolerance_change": 1e-3, "line_search_fn": "strong_wolfe"},
]


def _lbfgs(kw):
    xp = _xp()
    v = ad.tensor(xp.asarray(V0.copy()), requires_grad=True)
    b = ad.tensor(xp.asarray(B0.copy()), requires_grad=True)
    opt = optim.LBFGS([v, b], **kw)
    a = xp.asarray(A)

    def closure():
        opt.zero_grad()
        loss = _lbfgs_loss(v, b, gnp, a)
        loss.backward()
        return loss

    return v, b, opt, closure


@pytest.mark.parametrize("kw", LBFGS_CONFIGS, ids=lambda kw: ",".join(kw))
def test_lbfgs_matches_torch(torch64, kw):
    torch = torch64
    v, b, opt, closure = _lbfgs(kw)
    tv = torch.tensor(V0.copy(), requires_grad=True)
    tb = torch.tensor(B0.copy(), requires_grad=True)
    topt = torch.optim.LBFGS([tv, tb], **kw)

    def tclosure():
        topt.zero_grad()
        loss = _lbfgs_loss(tv, tb, torch, torch.tensor(A))
        loss.backward()
        return loss

    for _ in range(3):
        got, want = opt.step(closure), topt.step(tclosure)
        assert abs(float(got) - want.item()) <= 1e-12 * abs(want.item())
        np.testing.assert_allclose(v.numpy(), tv.detach().numpy(), rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(b.numpy(), tb.detach().numpy(), rtol=1e-11, atol=1e-12)
        ts = topt.state[tv]
        assert opt.state[0]["func_evals"] == ts["func_evals"]
        assert opt.state[0]["n_iter"] == ts["n_iter"]


def test_lbfgs_state_dict_round_trip_and_checks(backend):
    kw = LBFGS_CONFIGS[1]
    v, b, opt, closure = _lbfgs(kw)
    opt.step(closure)
    sd = opt.state_dict()
    saved = (to_numpy(v).copy(), to_numpy(b).copy())
    opt.step(closure)
    want = (to_numpy(v).copy(), to_numpy(b).copy())
    assert sd["state"][0]["n_iter"] < opt.state[0]["n_iter"]  # a snapshot, not the live lists
    v2, b2, opt2, closure2 = _lbfgs(kw)
    opt2.load_state_dict(sd)
    with ad.no_grad():
        v2.data[...] = _xp().asarray(saved[0])
        b2.data[...] = _xp().asarray(saved[1])
    opt2.step(closure2)
    for a, w in zip((to_numpy(v2), to_numpy(b2)), want, strict=True):
        np.testing.assert_array_equal(a, w)
    # the direction has moved the loss down from its start
    assert float(closure()) < float(_lbfgs(kw)[3]())
    with pytest.raises(ValueError, match="parameter groups"):
        opt.add_param_group({"params": [ad.tensor(np.ones(2), requires_grad=True)]})
    with pytest.raises(ValueError, match="line_search_fn"):
        optim.LBFGS([v], line_search_fn="armijo")
    with pytest.raises(ValueError, match="history_size"):
        optim.LBFGS([v], history_size=0)
    with pytest.raises(TypeError, match="closure"):
        opt.step()


def test_lbfgs_inside_jit_raises_and_a_compiled_closure_works(backend):
    v, b, opt, closure = _lbfgs(LBFGS_CONFIGS[0])

    @ad.jit
    def whole():
        return opt.step(closure)

    with pytest.raises(TracerError, match="LBFGS.step.*host"):
        whole()
    np.testing.assert_array_equal(to_numpy(v), V0)
    v2, b2, opt2, closure2 = _lbfgs(LBFGS_CONFIGS[0])
    compiled = ad.jit(closure)
    for _ in range(2):
        opt.step(compiled)
        opt2.step(closure2)
    np.testing.assert_array_equal(to_numpy(v), to_numpy(v2))
    np.testing.assert_array_equal(to_numpy(b), to_numpy(b2))


# ---- schedulers ----------------------------------------------------------------------------


def _sched_pair(torch, opt_name, okw, make):
    w = ad.tensor(np.ones(2), requires_grad=True)
    b = ad.tensor(np.ones(1), requires_grad=True)
    opt = getattr(optim, opt_name)([{"params": [w]}, {"params": [b], "lr": 0.2}], **okw)
    tw, tb = torch.ones(2, requires_grad=True), torch.ones(1, requires_grad=True)
    topt = getattr(torch.optim, opt_name)([{"params": [tw]}, {"params": [tb], "lr": 0.2}], **okw)
    return opt, topt, make(S, opt), make(torch.optim.lr_scheduler, topt)


SCHEDULES = [
    (
        "SGD",
        {"lr": 0.1, "momentum": 0.9},
        lambda M, o: M.CyclicLR(o, 0.01, [0.1, 0.3], step_size_up=3, step_size_down=5),
    ),
    (
        "SGD",
        {"lr": 0.1, "momentum": 0.9},
        lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="triangular2"),
    ),
    (
        "NAdam",
        {"lr": 0.1},
        lambda M, o: M.CyclicLR(
            o,
            [0.01, 0.02],
            0.1,
            step_size_up=4,
            mode="exp_range",
            gamma=0.9,
            base_momentum=0.7,
            max_momentum=0.95,
        ),
    ),
    (
        "RMSprop",
        {"lr": 0.1, "momentum": 0.5},
        lambda M, o: M.CyclicLR(
            o, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 1 / (x + 1), scale_mode="iterations"
        ),
    ),
    (
        "Adamax",
        {"lr": 0.1},
        lambda M, o: M.CyclicLR(o, 0.01, 0.1, step_size_up=3, cycle_momentum=False),
    ),
    (
        "SGD",
        {"lr": 0.1},
        lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    ),
    ("SGD", {"lr": 0.1}, lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=4)),
]
EPOCHS = [0.5, 1.25, 2.0, 3.7, 9.1, 10, 10.5, 22.25, 3.0, 0.0, 40.5, 7.0]


def _hyper(opt):
    return [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]


@pytest.mark.parametrize("i", range(len(SCHEDULES)))
def test_cyclic_schedules_match_torch(i):
    torch = pytest.importorskip("torch")
    opt, topt, s, ts = _sched_pair(torch, *SCHEDULES[i])
    assert _hyper(opt) == _hyper(topt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(20):
            opt.step()
            topt.step()
            s.step()
            ts.step()
            assert _hyper(opt) == _hyper(topt)
            assert s.get_last_lr() == ts.get_last_lr() and s.last_epoch == ts.last_epoch


@pytest.mark.parametrize("T_mult", [1, 2])
def test_warm_restarts_fractional_epochs_match_torch(T_mult):
    torch = pytest.importorskip("torch")
    make = lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=T_mult, eta_min=0.01)
    opt, topt, s, ts = _sched_pair(torch, "SGD", {"lr": 0.1}, make)
    for e in EPOCHS:
        s.step(e)
        ts.step(e)
        assert s.get_last_lr() == ts.get_last_lr()
        assert (s.T_cur, s.T_i, s.last_epoch) == (ts.T_cur, ts.T_i, ts.last_epoch)
    s.step()
    ts.step()
    assert s.get_last_lr() == ts.get_last_lr()


def test_cyclic_schedules_by_hand():
    w = ad.tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([w], lr=1.0, momentum=0.9)
    s = S.CyclicLR(opt, 0.01, 0.1, step_size_up=2, base_momentum=0.8, max_momentum=0.9)
    lrs, moms = [opt.lr], [opt.momentum]
    for _ in range(4):
        opt.step()
        s.step()
        lrs.append(opt.lr)
        moms.append(opt.momentum)
    mid = 0.01 + 0.09 / 2
    np.testing.assert_allclose(lrs, [0.01, mid, 0.1, mid, 0.01], rtol=1e-15)
    np.testing.assert_allclose(moms, [0.9, 0.85, 0.8, 0.85, 0.9], rtol=1e-15)
    opt2 = optim.SGD([w], lr=0.1)
    c = S.CosineAnnealingWarmRestarts(opt2, T_0=2, T_mult=2, eta_min=0.0)
    got = [opt2.lr]
    for _ in range(6):
        opt2.step()
        c.step()
        got.append(opt2.lr)
    # periods 2, 4: restarts at epochs 2 and 6
    want = [
        0.05 * (1 + math.cos(math.pi * tc / ti))
        for tc, ti in [(0, 2), (1, 2), (0, 4), (1, 4), (2, 4), (3, 4), (0, 8)]
    ]
    np.testing.assert_allclose(got, want, rtol=1e-15)
    c.step(4.5)  # fractional: T_cur = 2.5 of T_i = 4
    assert opt2.lr == pytest.approx(0.05 * (1 + math.cos(math.pi * 2.5 / 4)), rel=1e-15)
    assert c.last_epoch == 4


def test_cyclic_schedules_state_dict_and_errors():
    w = ad.tensor(np.ones(2), requires_grad=True)
    opt = optim.RAdam([w], lr=0.1)
    s = S.CyclicLR(opt, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.8)
    for _ in range(4):
        opt.step()
        s.step()
    sd = s.state_dict()
    assert sd["_scale_fn_custom"] is None
    # epoch 4 of a 6-step cycle: 2/3 of the way down from the peak, scaled by gamma^4
    assert opt.betas[0] == pytest.approx(0.9 - 0.1 * (2 / 3) * 0.8**4, rel=1e-14)
    assert opt.lr == pytest.approx(0.01 + 0.09 * (2 / 3) * 0.8**4, rel=1e-14)
    s2 = S.CyclicLR(optim.RAdam([w], lr=0.1), 0.5, 1.0, step_size_up=7)
    s2.load_state_dict(sd)
    assert s2.mode == "exp_range" and s2.scale_mode == "iterations" and s2.last_epoch == 4
    c = S.CosineAnnealingWarmRestarts(optim.SGD([w], lr=0.1), T_0=3, T_mult=2)
    c.step(7.5)
    c2 = S.CosineAnnealingWarmRestarts(optim.SGD([w], lr=0.1), T_0=5)
    c2.load_state_dict(c.state_dict())
    assert (c2.T_cur, c2.T_i, c2.T_0) == (c.T_cur, c.T_i, 3)
    with pytest.raises(ValueError, match="mode"):
        S.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")
    with pytest.raises(ValueError, match="cycle_momentum"):
        S.CyclicLR(optim.Rprop([w]), 0.01, 0.1)
    with pytest.raises(ValueError, match="base_lr"):
        S.CyclicLR(optim.SGD([{"params": [w]}], momentum=0.9), [0.1, 0.2], 1.0)
    with pytest.raises(ValueError, match="step_size_up"):
        S.CyclicLR(opt, 0.01, 0.1, step_size_up=0)
    for kw, what in [
        ({"T_0": 0}, "T_0"),
        ({"T_0": 2.5}, "T_0"),
        ({"T_0": 2, "T_mult": 0}, "T_mult"),
        ({"T_0": 2, "eta_min": "0"}, "eta_min"),
    ]:
        with pytest.raises(ValueError, match=what):
            S.CosineAnnealingWarmRestarts(opt, **kw)
    with pytest.raises(ValueError, match="epoch"):
        c.step(-1)
