"""gpuad.optim inside compiled training steps, as PyTorch's optimizer tests exercise
torch.optim (test/optim/test_optim.py and the OptimizerInfo configurations of
torch/testing/_internal/common_optimizers.py): every optimizer and configuration, with two
parameter groups, run eagerly and as one ``gpuad.jit`` step (forward, backward, ``opt.step()``)
and compared with a NumPy transcription of torch's update rules and, where torch is installed,
with torch.optim itself; then what changes between compiled calls: a group's learning rate and
other hyperparameters (read from the next replay), branches (traced again), a loaded
``state_dict`` and an added group; and what a compiled function may not do to its optimizer.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optim
from gpuad.jit import TracerError

R = np.random.default_rng(11)
W0 = R.normal(size=3)
B0 = R.normal(size=2)
XS = [(R.normal(size=3), R.normal(size=2)) for _ in range(8)]


def _xp():
    return ad.get_backend().xp


def _loss(w, b, x1, x2, lib):
    return ((w * x1 - 1.0) ** 2).sum() + lib.sin(w).sum() + (b * b * x2).sum()


def _grads(w, b, x1, x2):
    return 2 * x1 * (w * x1 - 1.0) + np.cos(w), 2 * b * x2


# ---- torch's update rules in NumPy (one parameter, one step; ``st`` is the state dict) -----

def _ref_update(name, h, st, p, g):
    g = -g if h.get("maximize") else g
    wd = h.get("weight_decay", 0.0)
    if name == "SGD":
        g = g + wd * p
        if h["momentum"]:
            buf = st.get("buf")
            buf = g.copy() if buf is None else h["momentum"] * buf + (1 - h["dampening"]) * g
            st["buf"] = buf
            g = g + h["momentum"] * buf if h["nesterov"] else buf
        return p - h["lr"] * g
    st["t"] = t = st.get("t", 0) + 1
    if name in ("Adam", "AdamW"):
        b1, b2 = h["betas"]
        if name == "AdamW":
            p = p * (1 - h["lr"] * wd)
        else:
            g = g + wd * p
        st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
        st["v"] = v = b2 * st.get("v", 0.0) + (1 - b2) * g * g
        if h["amsgrad"]:
            st["vmax"] = v = np.maximum(st.get("vmax", 0.0), v)
        denom = np.sqrt(v) / math.sqrt(1 - b2 ** t) + h["eps"]
        return p - h["lr"] / (1 - b1 ** t) * st["m"] / denom
    g = g + wd * p
    if name == "RMSprop":
        a = h["alpha"]
        st["sq"] = a * st.get("sq", 0.0) + (1 - a) * g * g
        if h["centered"]:
            st["ga"] = a * st.get("ga", 0.0) + (1 - a) * g
            avg = np.sqrt(st["sq"] - st["ga"] ** 2) + h["eps"]
        else:
            avg = np.sqrt(st["sq"]) + h["eps"]
        if h["momentum"] > 0:
            st["buf"] = h["momentum"] * st.get("buf", 0.0) + g / avg
            return p - h["lr"] * st["buf"]
        return p - h["lr"] * g / avg
    assert name == "Adagrad"
    st["sum"] = st.get("sum", h["initial_accumulator_value"]) + g * g
    clr = h["lr"] / (1 + (t - 1) * h["lr_decay"])
    return p - clr * g / (np.sqrt(st["sum"]) + h["eps"])


DEFAULTS = {
    "SGD": {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0,
            "nesterov": False, "maximize": False},
    "Adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0,
             "amsgrad": False, "maximize": False},
    "RMSprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
                "centered": False, "maximize": False},
    "Adagrad": {"lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0,
                "initial_accumulator_value": 0.0, "eps": 1e-10, "maximize": False},
}
DEFAULTS["AdamW"] = dict(DEFAULTS["Adam"], weight_decay=1e-2)

# (optimizer, keywords for every group, keywords of the second group)
CONFIGS = [
    ("SGD", {"lr": 0.05}, {}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}, {"lr": 0.02}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, {}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3}, {"weight_decay": 0.2}),
    ("SGD", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}, {"momentum": 0.7}),
    ("Adam", {"lr": 0.05}, {"lr": 0.1}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-3}, {}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}, {"weight_decay": 0.0}),
    ("Adam", {"lr": 0.01, "maximize": True}, {"amsgrad": True}),
    ("AdamW", {"lr": 0.05}, {"weight_decay": 0.3}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "maximize": True}, {}),
    ("RMSprop", {}, {"lr": 0.05}),
    ("RMSprop", {"weight_decay": 0.1, "alpha": 0.9}, {}),
    ("RMSprop", {"centered": True}, {"momentum": 0.5}),
    ("RMSprop", {"momentum": 0.9, "maximize": True}, {"centered": True}),
    ("RMSprop", {"centered": True, "momentum": 0.3, "weight_decay": 0.1, "maximize": True}, {}),
    ("Adagrad", {"lr": 0.1}, {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.5, "weight_decay": 0.1}, {"lr": 0.2}),
    ("Adagrad", {"initial_accumulator_value": 0.3, "maximize": True}, {"lr_decay": 0.1}),
    ("Adagrad", {"eps": 1e-3}, {"weight_decay": 0.2}),
]


def _ids(c):
    return f"{c[0]}-{c[1]}-{c[2]}".replace(" ", "")


class _Run:
    """Training runs in one step function: for each ``(optimizer, keywords, keywords of the
    second group)``, parameters ``w`` (group 0) and ``b`` (group 1) and an optimizer; the step
    function (eager, or one compiled program for them all) trains them all."""

    def __init__(self, specs, compiled, groups=True):
        xp = _xp()
        self.members = []
        for name, kw, kw1 in specs:
            w = ad.tensor(xp.asarray(W0.copy()), requires_grad=True)
            b = ad.tensor(xp.asarray(B0.copy()), requires_grad=True)
            ps = {True: [{"params": [w]}, {"params": [b], **kw1}], False: [w, b],
                  "w": [w]}[groups]
            self.members.append((w, b, getattr(optim, name)(ps, **kw)))
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

    @property
    def opt(self):
        return self.members[0][2]

    @property
    def w(self):
        return self.members[0][0]

    @property
    def b(self):
        return self.members[0][1]

    def __call__(self, k):
        xp = _xp()
        return self.f(xp.asarray(XS[k][0]), xp.asarray(XS[k][1]))

    def params(self, i=0):
        w, b, _ = self.members[i]
        return to_numpy(w), to_numpy(b)

    def misses(self):
        return self.f.cache_info()["misses"]


class _Ref:
    """The same run in NumPy (and in torch when ``torch`` is given)."""

    def __init__(self, name, kw, kw1, torch=None):
        self.name = name
        self.h = [dict(DEFAULTS[name], **kw), dict(DEFAULTS[name], **{**kw, **kw1})]
        self.p = [W0.copy(), B0.copy()]
        self.st = [{}, {}]
        self.torch = torch
        if torch is not None:
            self.tp = [torch.tensor(W0.copy(), requires_grad=True),
                       torch.tensor(B0.copy(), requires_grad=True)]
            self.topt = getattr(torch.optim, name)(
                [{"params": [self.tp[0]]}, {"params": [self.tp[1]], **kw1}], **kw)

    def set(self, group, key, value):
        self.h[group][key] = value
        if self.torch is not None:
            self.topt.param_groups[group][key] = value

    def __call__(self, k):
        gs = _grads(*self.p, *XS[k])
        self.p = [_ref_update(self.name, h, st, p, g)
                  for h, st, p, g in zip(self.h, self.st, self.p, gs, strict=True)]
        if self.torch is not None:
            self.topt.zero_grad()
            x1, x2 = (self.torch.tensor(x) for x in XS[k])
            _loss(*self.tp, x1, x2, self.torch).backward()
            self.topt.step()

    def check(self, got, what=""):
        for a, b in zip(got, self.p, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{what} NumPy")
        if self.torch is not None:
            for a, t in zip(got, self.tp, strict=True):
                np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-10, atol=1e-12,
                                           err_msg=f"{what} torch")


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


@pytest.mark.parametrize("name", list(DEFAULTS))
def test_groups_eager_and_compiled_match_torch(backend, name):
    """Every configuration of one optimizer, trained by one compiled step."""
    specs = [c for c in CONFIGS if c[0] == name]
    eager, comp = _Run(specs, False), _Run(specs, True)
    torch = _torch_or_none()
    refs = [_Ref(*c, torch) for c in specs]
    for k in range(5):
        eager(k)
        comp(k)
        for ref in refs:
            ref(k)
    for i, ref in enumerate(refs):
        ref.check(eager.params(i), str(specs[i]))
    _same(eager, comp)  # the compiled step is the eager one, operation for operation
    assert all(m[2].step_count == 5 for m in comp.members)
    # one trace (SGD with momentum makes its buffer at the first step: traced apart)
    assert comp.misses() == (2 if name == "SGD" else 1)
    if backend == "cupy":  # the whole step, updates included, is one CUDA graph per call
        (entry,) = comp.f.cache_info()["entries"]
        assert entry["graph"] == "captured" and entry["launches"] >= 2, entry


# ---- what changes between compiled calls -----------------------------------------------------

# (optimizer, keywords, [(call, group, key, value)] of scalar changes, then one of branches)
CHANGES = [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1},
     [(2, 1, "lr", 0.01), (3, 0, "momentum", 0.5), (3, 1, "weight_decay", 0.3),
      (4, 0, "lr", 0.02)], (5, 0, "nesterov", True)),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1},
     [(2, 1, "lr", 0.2), (3, 0, "betas", (0.5, 0.7)), (3, 1, "weight_decay", 0.4),
      (4, 0, "eps", 1e-2)], (5, 1, "weight_decay", 0.0)),
    ("AdamW", {"lr": 0.05},
     [(2, 0, "lr", 0.2), (3, 1, "betas", (0.6, 0.8)), (4, 0, "weight_decay", 0.5)],
     (5, 1, "weight_decay", 0.0)),
    ("RMSprop", {"momentum": 0.5, "weight_decay": 0.1},
     [(2, 1, "lr", 0.05), (3, 0, "alpha", 0.5), (3, 1, "momentum", 0.9),
      (4, 0, "eps", 1e-3)], (5, 0, "maximize", True)),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1},
     [(2, 1, "lr", 0.3), (3, 0, "lr_decay", 0.7), (4, 1, "eps", 1e-2)],
     (5, 0, "maximize", True)),
]


def test_hyperparameters_changed_between_compiled_calls(backend):
    """A schedule: numbers changed between calls (a group's lr, betas, momentum, weight
    decay, ...) reach the next replay without tracing again; a changed branch traces again;
    both as torch and as the eager step do."""
    specs = [(name, kw, {}) for name, kw, _, _ in CHANGES]
    eager, comp = _Run(specs, False), _Run(specs, True)
    torch = _torch_or_none()
    refs = [_Ref(*c, torch) for c in specs]
    misses = []
    for k in range(7):
        for i, (_, _, scalars, branch) in enumerate(CHANGES):
            for call, group, key, value in scalars + [branch]:
                if call == k:
                    eager.members[i][2].param_groups[group][key] = value
                    comp.members[i][2].param_groups[group][key] = value
                    refs[i].set(group, key, value)
        eager(k)
        comp(k)
        for ref in refs:
            ref(k)
        _same(eager, comp)
        misses.append(comp.misses())
    for i, ref in enumerate(refs):
        ref.check(eager.params(i), CHANGES[i][0])
    assert misses[1:5] == [2, 2, 2, 2]  # numbers only (SGD's first step was traced apart)
    assert misses[5:] == [3, 3]  # the branches: traced again, once


def test_opt_lr_attribute_is_every_groups_lr(backend):
    spec = [("Adam", {"lr": 0.05}, {})]
    r, e = _Run(spec, True), _Run(spec, False)
    r(0)
    e(0)
    r.opt.lr = e.opt.lr = 0.2  # sets it in both groups, seen by the next replay
    assert [g["lr"] for g in r.opt.param_groups] == [0.2, 0.2]
    r(1)
    e(1)
    _same(r, e)
    assert r.misses() == 1
    r.opt.param_groups[1]["lr"] = 0.3
    with pytest.raises(ValueError, match=r"groups differ.*param_groups\[i\]\['lr'\]"):
        _ = r.opt.lr
    ref = _Ref("Adam", {"lr": 0.05}, {})
    ref(0)
    ref.set(0, "lr", 0.2)
    ref.set(1, "lr", 0.2)
    ref(1)
    ref.check(e.params())


def _checkpoint(run):
    return [(m[2].state_dict(), [p.copy() for p in run.params(i)])
            for i, m in enumerate(run.members)]


def _restore(run, ckpt):
    xp = _xp()
    for (w, b, opt), (sd, ps) in zip(run.members, ckpt, strict=True):
        opt.load_state_dict(sd)
        with ad.no_grad():
            w.data[...] = xp.asarray(ps[0])
            b.data[...] = xp.asarray(ps[1])


RESUME = [("SGD", {"lr": 0.05, "momentum": 0.9}, {"lr": 0.03}),
          ("Adam", {"lr": 0.05, "amsgrad": True}, {"lr": 0.03}),
          ("AdamW", {"lr": 0.05}, {"betas": (0.5, 0.6)}),
          ("RMSprop", {"centered": True, "momentum": 0.5}, {"lr": 0.03}),
          ("Adagrad", {"lr": 0.1, "lr_decay": 0.2}, {"lr": 0.03})]


def test_state_dict_loaded_between_compiled_calls_is_honoured(backend):
    """Checkpoint at call 3, train on, load the checkpoint into the same compiled step: the
    next calls repeat the calls after the checkpoint (the program reads the loaded state, not
    the buffers it was recorded with), bit for bit, and equal fresh optimizers resumed from
    the checkpoint in another compiled step, and torch."""
    run = _Run(RESUME, True)
    for k in range(3):
        run(k)
    ckpt = _checkpoint(run)
    after = []
    for k in range(3, 6):
        run(k)
        after.append([run.params(i) for i in range(len(RESUME))])
    _restore(run, ckpt)
    assert all(m[2].step_count == 3 for m in run.members)
    for k in range(3, 6):
        run(k)
        for i in range(len(RESUME)):
            for a, b in zip(run.params(i), after[k - 3][i], strict=True):
                np.testing.assert_array_equal(a, b, err_msg=str(RESUME[i]))
    fresh = _Run(RESUME, True)
    _restore(fresh, ckpt)
    for k in range(3, 6):
        fresh(k)
    _same(fresh, run)
    torch = _torch_or_none()
    for i, spec in enumerate(RESUME):
        ref = _Ref(*spec, torch)
        for k in range(6):
            ref(k)
        ref.check(run.params(i), str(spec))


def test_state_dict_is_a_snapshot_and_restores_hyperparameters(backend):
    run = _Run([("Adam", {"lr": 0.05}, {"weight_decay": 0.1})], True)
    run(0)
    run(1)
    sd = run.opt.state_dict()
    m = to_numpy(sd["state"][0]["m"]).copy()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["params"] == [1]
    assert sd["state"][1]["t"] == 2 and sd["step_count"] == 2
    run.opt.param_groups[0]["lr"] = 0.5
    run(2)
    np.testing.assert_array_equal(to_numpy(sd["state"][0]["m"]), m)  # not the live buffer
    run.opt.load_state_dict(sd)
    assert run.opt.param_groups[0]["lr"] == 0.05
    assert run.opt.param_groups[1]["weight_decay"] == 0.1
    assert run.opt.state[0]["t"] == 2 and run.opt.step_count == 2
    np.testing.assert_array_equal(to_numpy(run.opt.state[0]["m"]), m)
    assert run.opt.state[0]["m"] is not sd["state"][0]["m"]  # loaded by copy


def test_param_group_added_after_compiling_traces_again(backend):
    """``b`` is trained from call 3 on, in a group of its own; the compiled step sees it."""
    spec = [("Adam", {"lr": 0.05}, {})]
    runs = [_Run(spec, compiled, groups="w") for compiled in (False, True)]
    ref = _Ref("Adam", {"lr": 0.05}, {"lr": 0.1, "amsgrad": True})
    for k in range(6):
        if k == 3:
            before = runs[1].f.cache_info()["retraces"]
            for r in runs:
                r.opt.add_param_group({"params": r.b, "lr": 0.1, "amsgrad": True})
        for r in runs:
            r(k)
        if k < 3:
            ref.p[0] = _ref_update("Adam", ref.h[0], ref.st[0], ref.p[0],
                                   _grads(*ref.p, *XS[k])[0])
        else:
            ref(k)
        _same(runs[0], runs[1])
    ref.check(runs[1].params())
    # (b.grad, accumulated while b was not optimised, had traced again at call 1)
    assert runs[1].f.cache_info()["retraces"] == before + 1


def test_group_params_changed_in_place_are_followed(backend):
    runs = [_Run([("SGD", {"lr": 0.1, "momentum": 0.9}, {})], c) for c in (False, True)]
    for k in range(5):
        if k == 2:  # b moves to group 0 (its momentum buffer with it), group 1 is emptied
            for r in runs:
                r.opt.param_groups[0]["params"].append(r.b)
                r.opt.param_groups[1]["params"].clear()
                r.opt.param_groups[0]["lr"] = 0.05
        if k == 3:  # w moves to group 1, after b: the flat order changes
            for r in runs:
                r.opt.param_groups[0]["params"].remove(r.w)
                r.opt.param_groups[1]["params"].append(r.w)
        for r in runs:
            r(k)
        _same(runs[0], runs[1])
    assert [len(g["params"]) for g in runs[1].opt.param_groups] == [1, 1]
    assert runs[1].opt.params[0] is runs[1].b and "momentum" in runs[1].opt.state[1]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_set_to_none_false_compiled(backend, set_to_none):
    torch = _torch_or_none()
    runs = []
    for compiled in (False, True):
        r = _Run([("SGD", {"lr": 0.05, "momentum": 0.9}, {})], compiled)

        def step(x1, x2, r=r):
            r.opt.zero_grad(set_to_none=set_to_none)
            _loss(r.w, r.b, x1, x2, gnp).backward()
            r.opt.step()
        r.f = ad.jit(step) if compiled else step
        runs.append(r)
    grads = []
    for k in range(5):
        for r in runs:
            r(k)
        _same(*runs)
        grads.append(runs[1].w.grad)
    np.testing.assert_array_equal(to_numpy(runs[0].w.grad), to_numpy(runs[1].w.grad))
    if not set_to_none:  # zeroed in place: the same .grad Tensor throughout, as in torch
        assert grads[-1] is grads[-2] and runs[0].w.grad is not None
    ref = _Ref("SGD", {"lr": 0.05, "momentum": 0.9}, {}, torch)
    for k in range(5):
        ref(k)
    ref.check(runs[1].params())


def test_a_grad_not_zeroed_accumulates_compiled(backend):
    """Without zero_grad the gradients add up across calls, compiled as eagerly (the check
    above can fail: zeros that were not written each call would show here)."""
    runs = []
    for compiled in (False, True):
        r = _Run([("SGD", {"lr": 0.05}, {})], compiled)

        def step(x1, x2, r=r):
            _loss(r.w, r.b, x1, x2, gnp).backward()
            r.opt.step()
        r.f = ad.jit(step) if compiled else step
        runs.append(r)
    for k in range(4):
        for r in runs:
            r(k)
    _same(*runs)
    z = _Run([("SGD", {"lr": 0.05}, {})], False)
    for k in range(4):
        z(k)
    assert not np.array_equal(z.params()[0], runs[0].params()[0])


@pytest.mark.parametrize("what", ["group", "lr", "load", "add", "state_dict"])
def test_changing_the_optimizer_inside_a_compiled_step_raises(backend, what):
    r = _Run([("Adam", {"lr": 0.05}, {})], True)
    sd = r.opt.state_dict()
    extra = ad.tensor(_xp().asarray(np.ones(2)), requires_grad=True)
    act = {"group": lambda: r.opt.param_groups[0].__setitem__("lr", 0.1),
           "lr": lambda: setattr(r.opt, "lr", 0.1),
           "load": lambda: r.opt.load_state_dict(sd),
           "add": lambda: r.opt.add_param_group({"params": [extra]}),
           "state_dict": lambda: r.opt.state_dict()}[what]

    def step(x1, x2):
        act()
        r.opt.zero_grad()
        _loss(r.w, r.b, x1, x2, gnp).backward()
        r.opt.step()
    with pytest.raises(TracerError, match="inside a compiled function"):
        ad.jit(step)(*(_xp().asarray(x) for x in XS[0]))
    np.testing.assert_array_equal(to_numpy(r.w), W0)


def test_zero_grad_set_to_none_false_zeroes_a_grad_set_between_calls(backend):
    """A ``.grad`` the user replaces between compiled calls is the one zeroed (and kept)."""
    runs = []
    for compiled in (False, True):
        r = _Run([("SGD", {"lr": 0.05}, {})], compiled)

        def step(x1, x2, r=r):
            r.opt.zero_grad(set_to_none=False)
            _loss(r.w, r.b, x1, x2, gnp).backward()
            r.opt.step()
        r.f = ad.jit(step) if compiled else step
        runs.append(r)
    for k in range(5):
        if k == 3:
            for r in runs:
                r.w.grad = ad.tensor(_xp().asarray(np.full(3, 7.0)))
        held = [r.w.grad for r in runs]
        for r in runs:
            r(k)
        _same(*runs)
        if k >= 3:
            assert runs[0].w.grad is held[0] and runs[1].w.grad is held[1]


class _OwnRule(optim.Optimizer):
    """An optimizer of the older interface: ``Optimizer(params, lr)`` and one ``_update``."""

    def __init__(self, params, lr):
        super().__init__(params, lr)

    def _update(self, xp, p, g, st):
        p -= self.lr * g * g


def test_an_own_update_follows_added_groups_compiled(backend):
    runs = []
    for compiled in (False, True):
        r = _Run([("SGD", {"lr": 0.05}, {})], compiled, groups="w")
        w, b, _ = r.members[0]
        r.members[0] = (w, b, _OwnRule([w], 0.05))
        runs.append(r)
    for k in range(5):
        if k == 2:
            for r in runs:
                r.opt.add_param_group({"params": [r.b]})
                r.opt.lr = 0.1
        for r in runs:
            r(k)
        _same(*runs)
    assert not np.array_equal(runs[1].params()[1], B0)
