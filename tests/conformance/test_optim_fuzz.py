"""Differential fuzzing of gpuad.optim against torch.optim (CPU, float64).

Random option combinations for every optimizer both libraries have, random parameter sets
(vectors, matrices, 0-d and complex parameters, parameters that get no gradient), one to three
parameter groups with their own options, a group added mid-training, ``zero_grad`` with
``set_to_none`` either way, a ``state_dict``/``load_state_dict`` round trip mid-training, and a
random learning-rate scheduler stepped before or after the optimizer. Each case runs the same
trajectory in both libraries and compares, at every step, the parameters, every state tensor
(torch's names; a complex parameter's state as its (re, im) pairs) and the learning rates.
``GPUAD_OPTIM_FUZZ_CASES`` raises the number of cases (default 40 optimizer and 40 scheduler
cases); the seed is fixed. (Fixed configurations: tests/conformance/test_torch_optim.py;
schedulers: tests/test_torch_optim_more.py.)
"""

from __future__ import annotations

import inspect
import math
import os
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import optim  # noqa: E402
from gpuad.optim import lr_scheduler as S  # noqa: E402

N = int(os.environ.get("GPUAD_OPTIM_FUZZ_CASES", "40"))
RTOL, ATOL = 1e-12, 1e-14

NAMES = ["SGD", "Adam", "AdamW", "Adamax", "Adagrad", "Adadelta", "RMSprop", "Rprop", "NAdam",
         "RAdam", "ASGD", "LBFGS", "Adafactor", "Muon"]
# gpuad's state names where they differ from torch's
RENAME = {"t": "step", "m": "exp_avg", "v": "exp_avg_sq", "vmax": "max_exp_avg_sq"}
RENAME_SGD = {"momentum": "momentum_buffer"}


@pytest.fixture(autouse=True)
def _float64_scalars():
    # torch keeps its per-parameter scalars (NAdam's mu_product, ASGD's eta and mu, the
    # step counts) in the default dtype: float64 makes them exact as gpuad's Python floats
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _xp():
    return ad.get_backend().xp


def _host(a):
    if isinstance(a, ad.Tensor):
        return a.numpy()
    if isinstance(a, torch.Tensor):
        a = a.detach()
        if a.is_complex():
            a = torch.view_as_real(a)
        return a.numpy()
    return a.get() if hasattr(a, "get") else np.asarray(a)


# ---- random options ------------------------------------------------------------------------

def _pick(rng, *choices):
    return choices[int(rng.integers(len(choices)))]


def _coin(rng, p=0.5):
    return bool(rng.random() < p)


def _options(rng, name):
    """Random keywords of optimizer ``name`` (those both libraries take)."""
    wd = _pick(rng, 0.0, 0.0, 0.1)
    maximize = _coin(rng, 0.25)
    betas = _pick(rng, (0.9, 0.999), (0.8, 0.9), (0.5, 0.6), (0.0, 0.99))
    eps = _pick(rng, 1e-8, 1e-3)
    if name == "SGD":
        mom = _pick(rng, 0.0, 0.5, 0.9)
        damp = _pick(rng, 0.0, 0.3) if mom else 0.0
        kw = {"lr": _pick(rng, 0.01, 0.05), "momentum": mom, "dampening": damp,
              "nesterov": bool(mom and not damp and _coin(rng)), "weight_decay": wd,
              "maximize": maximize}
    elif name in ("Adam", "AdamW"):
        kw = {"lr": _pick(rng, 0.01, 0.05), "betas": betas, "eps": eps, "weight_decay": wd,
              "amsgrad": _coin(rng), "maximize": maximize}
        if name == "Adam" and _coin(rng, 0.3):
            kw["decoupled_weight_decay"] = True
    elif name == "Adamax":
        kw = {"lr": _pick(rng, 0.01, 0.05), "betas": betas, "eps": eps, "weight_decay": wd,
              "maximize": maximize}
    elif name == "Adagrad":
        kw = {"lr": _pick(rng, 0.05, 0.2), "lr_decay": _pick(rng, 0.0, 0.1),
              "initial_accumulator_value": _pick(rng, 0.0, 0.5), "eps": _pick(rng, 1e-10, 1e-3),
              "weight_decay": wd, "maximize": maximize}
    elif name == "Adadelta":
        kw = {"lr": _pick(rng, 1.0, 0.5), "rho": _pick(rng, 0.9, 0.5),
              "eps": _pick(rng, 1e-6, 1e-3), "weight_decay": wd, "maximize": maximize}
    elif name == "RMSprop":
        kw = {"lr": _pick(rng, 0.01, 0.003), "alpha": _pick(rng, 0.99, 0.7), "eps": eps,
              "weight_decay": wd, "momentum": _pick(rng, 0.0, 0.5), "centered": _coin(rng),
              "maximize": maximize}
    elif name == "Rprop":
        kw = {"lr": _pick(rng, 0.01, 0.05), "etas": _pick(rng, (0.5, 1.2), (0.3, 1.5)),
              "step_sizes": _pick(rng, (1e-6, 50.0), (1e-3, 0.2)), "maximize": maximize}
    elif name == "NAdam":
        kw = {"lr": _pick(rng, 0.01, 0.05), "betas": betas, "eps": eps, "weight_decay": wd,
              "momentum_decay": _pick(rng, 4e-3, 0.05), "decoupled_weight_decay": _coin(rng),
              "maximize": maximize}
    elif name == "RAdam":
        kw = {"lr": _pick(rng, 0.01, 0.05), "betas": betas, "eps": eps, "weight_decay": wd,
              "decoupled_weight_decay": _coin(rng), "maximize": maximize}
    elif name == "ASGD":
        kw = {"lr": _pick(rng, 0.01, 0.05), "lambd": _pick(rng, 1e-4, 0.05),
              "alpha": _pick(rng, 0.75, 0.5), "t0": _pick(rng, 1e6, 5.0, 0.0),
              "weight_decay": wd, "maximize": maximize}
    elif name == "Adafactor":
        kw = {"lr": _pick(rng, 0.01, 0.05, 0.3), "beta2_decay": _pick(rng, -0.8, -1.0, -0.3, 0.0),
              "eps": _pick(rng, (None, 1e-3), (1e-30, 1e-3), (1e-2, 0.1)),
              "d": _pick(rng, 1.0, 1.5, 100.0), "weight_decay": wd, "maximize": maximize}
    elif name == "Muon":
        kw = {"lr": _pick(rng, 0.02, 0.05), "weight_decay": _pick(rng, 0.0, 0.1),
              "momentum": _pick(rng, 0.95, 0.5, 0.3, 0.0), "nesterov": _coin(rng),
              "ns_coefficients": _pick(rng, (3.4445, -4.7750, 2.0315), (3.4, -4.7, 2.0)),
              "eps": _pick(rng, 1e-7, 1e-2), "ns_steps": _pick(rng, 5, 2, 0),
              "adjust_lr_fn": _pick(rng, None, "original", "match_rms_adamw")}
    elif name == "LBFGS":
        kw = {"lr": _pick(rng, 1.0, 0.5), "max_iter": _pick(rng, 1, 3, 8),
              "history_size": _pick(rng, 2, 5, 100),
              "line_search_fn": _pick(rng, None, "strong_wolfe"),
              "tolerance_grad": _pick(rng, 1e-7, 1e-10),
              "tolerance_change": _pick(rng, 1e-9, 1e-7)}
    else:
        raise AssertionError(name)
    # drop some keywords: the defaults must agree too
    return {k: v for k, v in kw.items() if k == "lr" or _coin(rng, 0.8)}


def _group_override(rng, name, base):
    """Options of an extra group: some keywords differ from the constructor's."""
    other = _options(rng, name)
    out = {k: v for k, v in other.items() if _coin(rng, 0.5)}
    out.pop("initial_accumulator_value", None)  # per group: an error (torch ignores it)
    if name == "SGD":  # keep Nesterov's constraint within the group
        merged = {"momentum": 0.0, "dampening": 0.0, "nesterov": False} | base | out
        if merged["nesterov"] and (not merged["momentum"] or merged["dampening"]):
            out["nesterov"] = False
    return out


# ---- parameters and the objective ----------------------------------------------------------

SHAPES = [(3,), (2, 3), (), (4,), (1, 2)]
# Adafactor factors the last two axes of a parameter of 2 or more; Muon takes matrices only
# (up to 4 by 4: its float32 sums add at most 4 terms, in the order of torch's)
SHAPES_OF = {"Adafactor": SHAPES + [(2, 2, 3), (3, 1)],
             "Muon": [(2, 3), (3, 2), (1, 2), (4, 4), (3, 1), (1, 1)]}
# torch raises at the step for a complex parameter of these
REAL_ONLY = ("LBFGS", "Adafactor", "Muon")


def _param_specs(rng, complex_ok=True, shapes=SHAPES):
    """[(initial value, loss coefficients)] of 1-4 parameters."""
    specs = []
    for _ in range(int(rng.integers(1, 5))):
        shape = shapes[int(rng.integers(len(shapes)))]
        cplx = complex_ok and _coin(rng, 0.25)
        full = (*shape, 2) if cplx else shape
        x0 = rng.normal(size=full)
        coef = (rng.uniform(0.5, 2.0, size=full), rng.uniform(-0.5, 0.5, size=full),
                rng.normal(size=full))
        if cplx:
            x0 = x0[..., 0] + 1j * x0[..., 1]
        specs.append((x0, coef))
    return specs


def _scale(k):
    return 1.0 + 0.3 * math.sin(k)


def _part_loss(lib, p, coef, k, scale=None):
    """``sum(a x^2 / 2 + b (1 - cos x) + c x)`` with x the parameter (real and imaginary
    parts for a complex one), scaled by a factor of the step ``k`` (or by ``scale``)."""
    a, b, c = coef
    scale = _scale(k) if scale is None else scale
    if lib is torch:
        parts = [p.real, p.imag] if p.is_complex() else [p]
        ten = torch.tensor
        cos = torch.cos
    else:
        cplx = p.dtype.kind == "c"
        parts = [gnp.real(p), gnp.imag(p)] if cplx else [p]
        ten = _xp().asarray
        cos = gnp.cos
    total = 0.0
    for j, x in enumerate(parts):
        sl = (Ellipsis, j) if len(parts) == 2 else (Ellipsis,)
        aa, bb, cc = (ten(np.ascontiguousarray(v[sl])) for v in (a, b, c))
        total = total + ((aa * x * x * 0.5 + bb * (1.0 - cos(x)) + cc * x) * scale).sum()
    return total


# ---- one case ------------------------------------------------------------------------------

class Side:
    """One library's run: parameters, optimizer, scheduler."""

    def __init__(self, lib, specs):
        self.lib = lib
        if lib is torch:
            self.ps = [torch.tensor(x0.copy(), requires_grad=True) for x0, _ in specs]
        else:
            self.ps = [ad.tensor(_xp().asarray(x0.copy()), requires_grad=True) for x0, _ in specs]
        self.coefs = [c for _, c in specs]
        self.opt = self.sched = None

    @property
    def mod(self):
        return torch.optim if self.lib is torch else optim

    @property
    def smod(self):
        return torch.optim.lr_scheduler if self.lib is torch else S

    def loss(self, k, active):
        total = 0.0
        for i in active:
            total = total + _part_loss(self.lib, self.ps[i], self.coefs[i], k)
        return total

    def groups(self, layout):
        return [{"params": [self.ps[i] for i in idx], **kw} for idx, kw in layout]


def _atol(want, rtol=RTOL):
    """``rtol`` relative to the largest entry or 1, the objective's scale: an entry near
    zero (a moment that has cancelled, a parameter at a minimum) carries the rounding of
    terms of that size (torch's ``lerp_`` and gpuad's ``b m + (1 - b) g`` round
    differently)."""
    want = np.asarray(want)
    finite = np.abs(want[np.isfinite(want)])
    return ATOL + rtol * max(1.0, float(finite.max()) if finite.size else 0.0)


def _torch_state(opt, p):
    st = opt.state.get(p, {})
    return {k: v for k, v in st.items() if v is not None}


def _compare_state(name, gs, ts, where, tol):
    gopt, topt = gs.opt, ts.opt
    for i, gp in enumerate(gopt.params):
        j = next(j for j, q in enumerate(gs.ps) if q is gp)  # the same parameter in torch
        tst = _torch_state(topt, ts.ps[j])
        gst = gopt.state[i]
        ren = RENAME_SGD if name == "SGD" else RENAME
        gmapped = {ren.get(k, k): v for k, v in gst.items()}
        if name == "LBFGS":
            _compare_lbfgs(gmapped, tst, where)
            continue
        assert sorted(gmapped) == sorted(tst), \
            f"{where}: state keys of parameter {i}: gpuad {sorted(gmapped)}, torch {sorted(tst)}"
        for k, tv in tst.items():
            gv = gmapped[k]
            if isinstance(tv, torch.Tensor) and tv.ndim == 0 and not hasattr(gv, "shape"):
                tv = tv.item()
            if isinstance(tv, torch.Tensor):
                want = _host(tv).reshape(-1)
                got = _host(gv).reshape(-1)
            else:
                want, got = np.float64(tv), np.float64(gv)
            np.testing.assert_allclose(got, want, rtol=tol, atol=_atol(want, tol), equal_nan=True,
                                       err_msg=f"{where}: state {k!r} of parameter {i}")


def _compare_lbfgs(g, t, where):
    for k in ("func_evals", "n_iter"):
        assert g.get(k) == t.get(k), f"{where}: LBFGS {k}: gpuad {g.get(k)}, torch {t.get(k)}"
    for k in ("d", "prev_flat_grad"):
        if k in t:
            np.testing.assert_allclose(_host(g[k]), _host(t[k]), rtol=1e-7, atol=1e-10,
                                       err_msg=f"{where}: LBFGS {k}")
    for k in ("old_dirs", "old_stps"):
        if k in t:
            assert len(g[k]) == len(t[k]), f"{where}: LBFGS len({k})"


def _compare(case, gs, ts, where):
    # L-BFGS's line search extrapolates (steps grow tenfold), which magnifies the rounding
    # differences of two summation orders; Adamax's steps of about lr * sign(g) magnify the
    # last bit of torch's exp_avg.lerp_ (its rounding differs from b m + (1 - b) g's: with
    # lerp's formula the cases pass at RTOL); every other update is compared at RTOL
    tol = {"LBFGS": 1e-7, "Adamax": 1e-10}.get(case["name"], RTOL)
    for i, (gp, tp) in enumerate(zip(gs.ps, ts.ps, strict=True)):
        want = tp.detach().numpy()
        np.testing.assert_allclose(_host(gp), want, rtol=tol, atol=_atol(want, tol),
                                   equal_nan=True, err_msg=f"{where}: parameter {i}")
        tg, gg = tp.grad, gp.grad
        assert (tg is None) == (gg is None), f"{where}: grad None-ness of parameter {i}"
    glr = [float(g["lr"]) for g in gs.opt.param_groups]
    tlr = [float(g["lr"]) for g in ts.opt.param_groups]
    np.testing.assert_allclose(glr, tlr, rtol=RTOL, atol=0, err_msg=f"{where}: group lrs")
    for key in ("momentum", "betas"):
        if key in ts.opt.param_groups[0]:
            gv = [g[key] for g in gs.opt.param_groups]
            tv = [g[key] for g in ts.opt.param_groups]
            np.testing.assert_allclose(np.array(gv, float), np.array(tv, float), rtol=RTOL,
                                       err_msg=f"{where}: group {key}")
    if gs.sched is not None:
        np.testing.assert_allclose(_plain(gs.sched.get_last_lr()),
                                   _plain(ts.sched.get_last_lr()), rtol=RTOL, atol=0,
                                   err_msg=f"{where}: get_last_lr")
    _compare_state(case["name"], gs, ts, where, tol)


def _make_case(seed, with_sched=False):
    rng = np.random.default_rng(seed)
    name = NAMES[int(rng.integers(len(NAMES)))]
    lbfgs = name == "LBFGS"
    specs = _param_specs(rng, complex_ok=name not in REAL_ONLY,
                         shapes=SHAPES_OF.get(name, SHAPES))
    n = len(specs)
    kw = _options(rng, name)
    order = list(rng.permutation(n))
    # groups: split the parameters; the last split may be added mid-training
    ngroups = 1 if lbfgs else int(rng.integers(1, min(3, n) + 1))
    cuts = sorted(rng.choice(np.arange(1, n), ngroups - 1, replace=False)) if ngroups > 1 else []
    idx = np.split(np.array(order), cuts)
    layout = [([int(i) for i in ix], {} if j == 0 else _group_override(rng, name, kw))
              for j, ix in enumerate(idx)]
    add_at = int(rng.integers(2, 10)) if len(layout) > 1 and _coin(rng, 0.4) else None
    # L-BFGS: a few steps, as near the minimum its line search branches on differences of
    # losses at the rounding level (a cubic's discriminant of +-1e-22), where the last bits
    # of the two libraries' sums pick different branches
    steps = int(rng.integers(20, 51)) if not lbfgs else int(rng.integers(2, 5))
    # parameters left out of the loss at some steps (their grad stays None or zeros)
    skip = {k: [i for i in range(n) if _coin(rng, 0.15)] for k in range(steps)}
    never = int(rng.integers(n)) if _coin(rng, 0.15) else None
    case = {"seed": seed, "name": name, "specs": specs, "kw": kw, "layout": layout,
            "add_at": add_at, "steps": steps, "skip": skip, "never": never,
            "set_to_none": [_coin(rng, 0.7) for _ in range(steps)],
            "reload_at": int(rng.integers(1, steps)) if _coin(rng, 0.4) else None,
            "sched": None, "sched_first": False, "lr_tensor": _coin(rng, 0.15),
            "mutate": _mutation(rng, name, kw, len(layout), steps)}
    if with_sched and not lbfgs:
        case["sched"] = _random_scheduler(rng, name, case)
        case["sched_first"] = _coin(rng, 0.2)
    return case


def _lr_tensor(lib, kw):
    """``kw`` with its learning rate as a 0-d tensor of ``lib``."""
    if "lr" not in kw:
        return kw
    lr = kw["lr"]
    lr = torch.tensor(lr) if lib is torch else ad.tensor(_xp().asarray(lr))
    return {**kw, "lr": lr}


def _mutation(rng, name, kw, ngroups, steps):
    """``(step, group, key, value)``: a hyperparameter of one group changed between two
    steps (a branch turned on or off, a rate changed), or None."""
    if name == "LBFGS" or not _coin(rng, 0.3):
        return None
    other = _options(rng, name)
    other.pop("initial_accumulator_value", None)
    if name == "SGD":  # keep Nesterov's constraint
        other.pop("nesterov", None)
        other.pop("dampening", None)
        other.pop("momentum", None)
    if not other:
        return None
    key = sorted(other)[int(rng.integers(len(other)))]
    return int(rng.integers(1, steps)), int(rng.integers(ngroups)), key, other[key]


def _mutate(case, side, k):
    m = case["mutate"]
    if m is None or m[0] != k or m[1] >= len(side.opt.param_groups):
        return
    g = side.opt.param_groups[m[1]]
    value = m[3]
    if m[2] == "lr" and isinstance(g["lr"], torch.Tensor | ad.Tensor):
        value = _lr_tensor(side.lib, {"lr": value})["lr"]
    g[m[2]] = value


def _build(case, lib):
    side = Side(lib, case["specs"])
    layout = case["layout"]
    if case["lr_tensor"]:
        layout = [(idx, _lr_tensor(lib, kw)) for idx, kw in layout]
    first = layout if case["add_at"] is None else layout[:-1]
    kw = _lr_tensor(lib, case["kw"]) if case["lr_tensor"] else case["kw"]
    side.layout = layout
    side.opt = getattr(side.mod, case["name"])(side.groups(first), **kw)
    if case["sched"] is not None:
        side.sched = case["sched"](side.smod, side.opt)
    return side


def _step(case, side, k):
    lib = side.lib
    active = [i for i in range(len(side.ps)) if i not in case["skip"][k] and i != case["never"]]
    opt = side.opt
    if case["name"] == "LBFGS":
        def closure():
            opt.zero_grad(set_to_none=case["set_to_none"][k])
            loss = side.loss(k, active)
            if isinstance(loss, float):
                return loss
            loss.backward()
            return loss
        out = opt.step(closure)
        if isinstance(out, torch.Tensor):
            out = out.detach()
        return float(out) if out is not None else None
    opt.zero_grad(set_to_none=case["set_to_none"][k])
    loss = side.loss(k, active)
    if not isinstance(loss, float):
        loss.backward()
    value = float(loss.item() if lib is torch else loss.numpy()) if active else 0.0
    if side.sched is not None and case["sched_first"]:
        _sched_step(side, value)
    opt.step()
    if side.sched is not None and not case["sched_first"]:
        _sched_step(side, value)
    return value


def _sched_step(side, value):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if side.sched.__class__.__name__ == "ReduceLROnPlateau":
            if int(value * 1e6) % 2:  # a 0-d tensor as the metric, at times
                value = torch.tensor(value) if side.lib is torch else \
                    ad.tensor(_xp().asarray(value))
            side.sched.step(value)
        else:
            side.sched.step()


def _reload(case, side):
    """Checkpoint optimizer and scheduler, build fresh ones over the same parameters with
    other hyperparameters, load the checkpoints into them."""
    sd = side.opt.state_dict()
    ssd = side.sched.state_dict() if side.sched is not None else None
    groups = [{"params": g["params"]} for g in side.opt.param_groups]
    kw = {"lr": 0.3} if case["name"] != "LBFGS" else {}
    side.opt = getattr(side.mod, case["name"])(groups, **kw)
    side.opt.load_state_dict(sd)
    if ssd is not None:
        lrs = [g["lr"] for g in side.opt.param_groups]
        side.sched = case["sched"](side.smod, side.opt)
        for g, lr in zip(side.opt.param_groups, lrs, strict=True):
            g["lr"] = lr
        side.sched.load_state_dict(ssd)


def run_case(case):
    try:
        ts = _build(case, torch)
    except (TypeError, ValueError) as e:  # torch refuses the options: so must gpuad
        with pytest.raises(type(e)):
            _build(case, ad)
        return
    try:
        _run(case, ts)
    except SharedLR:
        return


class SharedLR(Exception):
    """gpuad refused a schedule that torch writes into a Tensor lr several groups share."""


def _shared(fn, ts, *args):
    """``fn(*args)``; gpuad's error for a Tensor lr that groups share (where torch runs each
    such group at the last group's rate) raises :class:`SharedLR`, after checking that
    torch's groups do share one."""
    try:
        return fn(*args)
    except ValueError as e:
        if "share one Tensor lr" not in str(e):
            raise
        ids = [id(g["lr"]) for g in ts.opt.param_groups if isinstance(g["lr"], torch.Tensor)]
        assert len(set(ids)) < len(ids), f"gpuad: {e}; torch's groups share no lr tensor"
        raise SharedLR from e


def _run(case, ts):
    gs = _shared(_build, ts, case, ad)
    _compare(case, gs, ts, "start")
    for k in range(case["steps"]):
        if k == case["add_at"]:
            for s in (gs, ts):
                idx, kw = s.layout[-1]
                s.opt.add_param_group({"params": [s.ps[i] for i in idx], **kw})
        if k == case["reload_at"]:
            _reload(case, ts)
            _shared(_reload, ts, case, gs)
            _compare(case, gs, ts, f"after reload at step {k}")
        _mutate(case, gs, k)
        _mutate(case, ts, k)
        try:
            lt = _step(case, ts, k)
        except KeyError:  # torch lacks a buffer a branch turned on needs: so must gpuad
            with pytest.raises(KeyError):
                _step(case, gs, k)
            return
        lg = _shared(_step, ts, case, gs, k)
        where = f"step {k}"
        if lg is not None:
            np.testing.assert_allclose(lg, lt, rtol=1e-7 if case["name"] == "LBFGS" else 1e-11,
                                       atol=1e-13, err_msg=f"{where}: loss")
        _compare(case, gs, ts, where)
    _compare_state_dicts(gs.opt.state_dict(), ts.opt.state_dict())


def _plain(v):
    if isinstance(v, torch.Tensor | ad.Tensor):
        return float(_host(v))
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    return v


def _compare_state_dicts(gsd, tsd):
    """The groups of ``state_dict()``: the same parameter numbers and hyperparameters."""
    assert len(gsd["param_groups"]) == len(tsd["param_groups"])
    for i, (gg, tg) in enumerate(zip(gsd["param_groups"], tsd["param_groups"], strict=True)):
        for k, v in gg.items():
            if k not in tg:
                continue
            a, b = _plain(v), _plain(tg[k])
            what = f"state_dict group {i} {k!r}: gpuad {v!r}, torch {tg[k]!r}"
            if isinstance(a, float) or (isinstance(a, list) and a and isinstance(a[0], float)):
                np.testing.assert_allclose(a, b, rtol=RTOL, err_msg=what)
            else:
                assert a == b, what
    assert sorted(gsd["state"]) == sorted(tsd["state"]), "state_dict state entries"


def _describe(case):
    keys = ("seed", "name", "kw", "layout", "add_at", "steps", "never", "reload_at",
            "sched_first", "lr_tensor", "mutate")
    text = {k: case[k] for k in keys}
    text["shapes"] = [(x.shape, x.dtype.kind) for x, _ in case["specs"]]
    text["sched"] = getattr(case["sched"], "desc", None)
    return repr(text)


def _check(case):
    try:
        run_case(case)
    except Exception as e:  # name the case so that it can be replayed
        raise AssertionError(f"{type(e).__name__}: {e}\ncase: {_describe(case)}") from e


# ---- random schedulers ---------------------------------------------------------------------

def _described(desc, fn):
    fn.desc = desc
    return fn


def _leaf_scheduler(rng, name, steps, allow_momentum=True):
    """A random scheduler other than the composites, as ``(description, make(mod, opt))``."""
    has_mom = name in ("SGD", "RMSprop", "Muon") or name in ("Adam", "AdamW", "NAdam",
                                                             "RAdam", "Adamax")
    kinds = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
             "CosineAnnealingWarmRestarts", "LinearLR", "ConstantLR", "PolynomialLR",
             "LambdaLR", "MultiplicativeLR", "CyclicLR", "OneCycleLR", "ReduceLROnPlateau"]
    kind = kinds[int(rng.integers(len(kinds)))]
    if kind == "StepLR":
        kw = {"step_size": int(rng.integers(1, 6)), "gamma": _pick(rng, 0.1, 0.5, 0.9)}
    elif kind == "MultiStepLR":
        kw = {"milestones": sorted(int(m) for m in rng.integers(1, steps, 3)),
              "gamma": _pick(rng, 0.1, 0.5)}
    elif kind == "ExponentialLR":
        kw = {"gamma": _pick(rng, 0.9, 0.97)}
    elif kind == "CosineAnnealingLR":
        kw = {"T_max": int(rng.integers(2, 15)), "eta_min": _pick(rng, 0.0, 1e-3)}
    elif kind == "CosineAnnealingWarmRestarts":
        kw = {"T_0": int(rng.integers(1, 8)), "T_mult": int(rng.integers(1, 3)),
              "eta_min": _pick(rng, 0.0, 1e-3)}
    elif kind == "LinearLR":
        kw = {"start_factor": _pick(rng, 1 / 3, 0.1, 1.0), "end_factor": _pick(rng, 1.0, 0.5),
              "total_iters": int(rng.integers(1, 12))}
    elif kind == "ConstantLR":
        kw = {"factor": _pick(rng, 1 / 3, 0.5), "total_iters": int(rng.integers(1, 12))}
    elif kind == "PolynomialLR":
        kw = {"total_iters": int(rng.integers(1, 15)), "power": _pick(rng, 1.0, 2.0, 0.5)}
    elif kind == "LambdaLR":
        r = _pick(rng, 0.95, 0.8)
        if _coin(rng):  # one function per group
            return _described(f"LambdaLR([{r}(1 - i/20)**e])", lambda m, o: m.LambdaLR(
                o, [lambda e, q=r * (1 - i / 20): q ** e for i in range(len(o.param_groups))]))
        return _described(f"LambdaLR({r}**e)", lambda m, o: m.LambdaLR(o, lambda e: r ** e))
    elif kind == "MultiplicativeLR":
        r = _pick(rng, 0.95, 0.8)
        return _described(f"MultiplicativeLR({r})",
                          lambda m, o: m.MultiplicativeLR(o, lambda e: r))
    elif kind == "CyclicLR":
        kw = {"base_lr": _pick(rng, 1e-3, 0.005), "max_lr": _pick(rng, 0.02, 0.05),
              "step_size_up": int(rng.integers(1, 6)),
              "mode": _pick(rng, "triangular", "triangular2", "exp_range"),
              "gamma": _pick(rng, 1.0, 0.9),
              "cycle_momentum": bool(allow_momentum and has_mom and _coin(rng)),
              "scale_mode": _pick(rng, "cycle", "iterations")}
        if _coin(rng, 0.3):
            kw["step_size_down"] = int(rng.integers(1, 6))
        if name == "SGD" and kw["cycle_momentum"]:
            kw |= {"base_momentum": 0.8, "max_momentum": 0.9}
    elif kind == "OneCycleLR":
        kw = {"max_lr": _pick(rng, 0.05, 0.1), "total_steps": steps + 5,
              "pct_start": _pick(rng, 0.3, 0.5), "anneal_strategy": _pick(rng, "cos", "linear"),
              "three_phase": _coin(rng), "div_factor": _pick(rng, 25.0, 5.0),
              "final_div_factor": _pick(rng, 1e4, 10.0),
              "cycle_momentum": bool(allow_momentum and has_mom and _coin(rng))}
    elif kind == "ReduceLROnPlateau":
        kw = {"mode": _pick(rng, "min", "max"), "factor": _pick(rng, 0.1, 0.5),
              "patience": int(rng.integers(0, 4)),
              "threshold": _pick(rng, 1e-4, 0.1), "threshold_mode": _pick(rng, "rel", "abs"),
              "cooldown": int(rng.integers(0, 3)), "min_lr": _pick(rng, 0.0, 1e-3),
              "eps": _pick(rng, 1e-8, 1e-3)}
    else:
        raise AssertionError(kind)
    # some rates as one value per group
    listed = [k for k in ("max_lr", "base_lr", "min_lr") if k in kw and _coin(rng, 0.3)]

    def make(m, o):
        n = len(o.param_groups)
        return getattr(m, kind)(o, **kw | {k: [kw[k] * (1 + 0.5 * i) for i in range(n)]
                                           for k in listed})
    return _described(f"{kind}({kw}, per group {listed})", make)


def _random_scheduler(rng, name, case):
    steps = case["steps"]
    # a scheduler of the whole run: no group added later (its base_lrs would not cover it)
    case["add_at"] = None
    r = rng.random()
    if r < 0.15:
        parts = [_leaf_scheduler(rng, name, steps, allow_momentum=False) for _ in range(2)]
        parts = [p for p in parts if "Plateau" not in p.desc and "OneCycle" not in p.desc
                 and "Cyclic" not in p.desc and "WarmRestarts" not in p.desc]
        if not parts:
            return _leaf_scheduler(rng, name, steps)
        ms = sorted(set(int(m) for m in rng.integers(1, steps, len(parts) - 1)))
        parts = parts[:len(ms) + 1]
        desc = f"SequentialLR({[p.desc for p in parts]}, {ms})"
        return _described(desc, lambda m, o: m.SequentialLR(o, [p(m, o) for p in parts], ms))
    if r < 0.3:
        parts = [_leaf_scheduler(rng, name, steps, allow_momentum=False) for _ in range(2)]
        parts = [p for p in parts if "Plateau" not in p.desc and "OneCycle" not in p.desc
                 and "Cyclic" not in p.desc]
        if not parts:
            return _leaf_scheduler(rng, name, steps)
        desc = f"ChainedScheduler({[p.desc for p in parts]})"
        return _described(desc, lambda m, o: m.ChainedScheduler([p(m, o) for p in parts]))
    return _leaf_scheduler(rng, name, steps)


# ---- the tests -----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(N))
def test_random_optimizer_case(backend, seed):
    _check(_make_case(1000 + seed))


@pytest.mark.parametrize("seed", range(N))
def test_random_scheduler_case(backend, seed):
    _check(_make_case(50_000 + seed, with_sched=True))


def _jit_case(seed):
    """A random case for a compiled training step: every parameter in the loss, no reload
    or added group inside (those trace again; tests/test_optim_jit.py covers them)."""
    case = _make_case(seed, with_sched=True)
    while case["name"] == "LBFGS":  # LBFGS.step refuses to be traced
        seed += 7919
        case = _make_case(seed, with_sched=True)
    case["skip"] = {k: [] for k in case["skip"]}
    case.update(never=None, reload_at=None, add_at=None, mutate=None,
                set_to_none=[True] * case["steps"])
    return case


def _gpuad_trajectory(case, compiled):
    side = _build(case, ad)
    opt, n = side.opt, len(side.ps)

    def step(scale):
        opt.zero_grad()
        loss = 0.0
        for i in range(n):
            loss = loss + _part_loss(ad, side.ps[i], side.coefs[i], 0, scale=scale)
        loss.backward()
        opt.step()
        return loss

    f = ad.jit(step) if compiled else step
    out = []
    for k in range(case["steps"]):
        value = float(_host(f(_xp().asarray(_scale(k)))))
        if side.sched is not None:
            _sched_step(side, value)
        out.append([_host(p).copy() for p in side.ps] + [_host(v).copy() for st in opt.state
                                                         for v in st.values()
                                                         if hasattr(v, "shape")])
    return out, f


@pytest.mark.parametrize("seed", range(max(4, N // 10)))
def test_random_case_compiled_equals_eager(backend, seed):
    """The same random configuration (options, groups, a Tensor lr, a scheduler stepped
    between calls) eagerly and as one ``gpuad.jit`` step: the same parameters and state."""
    case = _jit_case(70_000 + seed)
    try:
        _build(case, torch)
    except (TypeError, ValueError):
        return
    eager, _ = _gpuad_trajectory(case, False)
    compiled, f = _gpuad_trajectory(case, True)
    for k, (a, b) in enumerate(zip(eager, compiled, strict=True)):
        assert len(a) == len(b), f"step {k}: {_describe(case)}"
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(y, x, rtol=RTOL, atol=ATOL,
                                       err_msg=f"step {k}: {_describe(case)}")


def test_torch_keywords_gpuad_lacks_raise():
    """A keyword of torch's constructor that gpuad's lacks raises ``TypeError`` (not silently
    ignored); the keywords gpuad has have torch's defaults."""
    w = ad.tensor(np.ones(3), requires_grad=True)
    for name in NAMES:
        tsig = inspect.signature(getattr(torch.optim, name)).parameters
        gsig = inspect.signature(getattr(optim, name)).parameters
        for k, tp in tsig.items():
            if k == "params":
                continue
            if k not in gsig:
                with pytest.raises(TypeError):
                    getattr(optim, name)([w], **{k: tp.default})
                continue
            td, gd = tp.default, gsig[k].default
            if isinstance(td, torch.Tensor):
                td = td.item()
            assert td == gd or (td is None and gd is False) or (td is False and gd is None), \
                f"{name}({k}=): torch's default {td!r}, gpuad's {gd!r}"
        with pytest.raises(TypeError):
            getattr(optim, name)([w], no_such_option=1)


SCHED_CTORS = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
               "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "LinearLR", "ConstantLR",
               "PolynomialLR", "LambdaLR", "MultiplicativeLR", "SequentialLR",
               "ChainedScheduler", "ReduceLROnPlateau"]


def test_scheduler_keywords_match_torch():
    for name in SCHED_CTORS:
        tsig = inspect.signature(getattr(torch.optim.lr_scheduler, name)).parameters
        gsig = inspect.signature(getattr(S, name)).parameters
        for k, tp in tsig.items():
            if k in gsig:
                td, gd = tp.default, gsig[k].default
                assert td == gd or td == "deprecated" or gd is inspect.Parameter.empty, \
                    f"{name}({k}=): torch's default {td!r}, gpuad's {gd!r}"
        missing = [k for k in tsig if k not in gsig and k != "verbose"]
        assert not missing, f"{name}: gpuad lacks {missing}"


if __name__ == "__main__":  # deeper: python tests/conformance/test_optim_fuzz.py 2000 [offset]
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    offset = int(sys.argv[2]) if len(sys.argv) > 2 else 0  # other seeds
    torch.set_default_dtype(torch.float64)
    ad.set_backend("numpy")
    fails = 0
    for s in range(count):
        for base, sched in ((1000, False), (50_000, True)):
            try:
                _check(_make_case(base + offset + s, with_sched=sched))
            except AssertionError as e:
                fails += 1
                print(str(e)[:1500], "\n")
    print(f"{fails} failures in {2 * count} cases")
