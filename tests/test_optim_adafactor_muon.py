"""gpuad.optim.Adafactor and gpuad.optim.Muon: their iterates against a NumPy transcription of
torch.optim's rules (torch/optim/_adafactor.py, _muon.py; Muon's Newton-Schulz iteration with
torch's bfloat16 roundings, here by frexp rather than by the bits gpuad rounds with), a
compiled step against the eager one, state_dict round trips, and the errors for bad options,
bad parameters and SparseAdam. (Against torch itself, every step: tests/conformance/
test_torch_optim.py and test_optim_fuzz.py.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optim
from gpuad.optim.muon import bfloat16

R = np.random.default_rng(21)
SHAPES = {"Adafactor": [(3, 4), (3,), (2, 3, 2), ()], "Muon": [(3, 4), (5, 2), (2, 2)]}
X0 = {n: [R.normal(size=s) for s in sh] for n, sh in SHAPES.items()}
COEF = {n: [R.normal(size=s) for s in sh] for n, sh in SHAPES.items()}


def _xp():
    return ad.get_backend().xp


def _grad(x, c, scale):
    return (np.cos(x) * c + x) * scale


def _loss(ps, cs, scale):
    return sum((gnp.sin(p) * gnp.asarray(_xp().asarray(c)) + 0.5 * p * p).sum() * scale
               for p, c in zip(ps, cs, strict=True))


def _scale(k):
    return 1.0 + 0.3 * math.sin(k)


# ---- torch's rules in NumPy -------------------------------------------------------------------

def _bf16(x):
    """Round to bfloat16 (8 significant bits, ties to even) through frexp."""
    x = np.asarray(x, np.float32).astype(np.float64)
    m, e = np.frexp(x)
    return np.ldexp(np.round(m * 256.0) / 256.0, e).astype(np.float32)


def _ns(u, a, b, c, steps, eps):
    f32 = np.float32
    x = _bf16(u.astype(f32))
    tall = u.shape[0] > u.shape[1]
    x = x.T if tall else x
    n = _bf16(np.sqrt(np.sum(x.astype(np.float64) ** 2)))
    x = _bf16(x / _bf16(max(n, f32(eps))))
    for _ in range(steps):
        x64 = x.astype(np.float64)
        gram = _bf16(x64 @ x64.T)
        g64 = gram.astype(np.float64)
        prod = (f32(c) * (g64 @ g64).astype(f32)).astype(np.float64)
        upd = _bf16((float(f32(b)) * g64 + prod).astype(f32))
        x = _bf16((float(f32(a)) * x64 + upd.astype(np.float64) @ x64).astype(f32))
    return x.T if tall else x


def _ref_step(name, h, p, g, st):
    if name == "Muon":
        m = h["momentum"]
        st["buf"] = st.get("buf", 0.0) + (1 - m) * (g - st.get("buf", 0.0))
        u = g + m * (st["buf"] - g) if h["nesterov"] else st["buf"]
        o = _ns(u, *h["ns_coefficients"], h["ns_steps"], h["eps"]).astype(np.float64)
        rows, cols = p.shape
        ratio = (0.2 * math.sqrt(max(rows, cols)) if h["adjust_lr_fn"] == "match_rms_adamw"
                 else math.sqrt(max(1, rows / cols)))
        return p * (1 - h["lr"] * h["weight_decay"]) - h["lr"] * ratio * o
    g = -g if h["maximize"] else g
    st["t"] = t = st.get("t", 0) + 1
    eps1, eps2 = h["eps"]
    eps1 = np.finfo(np.float64).eps if eps1 is None else eps1
    w = t ** h["beta2_decay"]
    alpha = max(eps2, np.sqrt(np.sum(p * p) / p.size)) * min(h["lr"], 1 / math.sqrt(t))
    p = p * (1 - h["lr"] * h["weight_decay"])
    if p.ndim > 1:
        for key, ax in (("R", -1), ("C", -2)):
            old = st.get(key, 0.0)
            st[key] = old + w * ((g * g).mean(axis=ax, keepdims=True) - old)
        v = st["R"] * st["C"] / np.maximum(st["R"].mean(axis=-2, keepdims=True), eps1)
    else:
        st["V"] = v = st.get("V", 0.0) + w * (g * g - st.get("V", 0.0))
    u = g / np.sqrt(np.maximum(v, eps1 * eps1))
    clip = max(1.0, np.sqrt(np.sum(u * u) / u.size) / h["d"])
    return p - alpha / clip * u


DEFAULTS = {
    "Adafactor": {"lr": 1e-2, "beta2_decay": -0.8, "eps": (None, 1e-3), "d": 1.0,
                  "weight_decay": 0.0, "maximize": False},
    "Muon": {"lr": 1e-3, "weight_decay": 0.1, "momentum": 0.95, "nesterov": True,
             "ns_coefficients": (3.4445, -4.7750, 2.0315), "eps": 1e-7, "ns_steps": 5,
             "adjust_lr_fn": None},
}


def _train(name, kw, steps, compiled=False, dtype=np.float64):
    ps = [ad.tensor(_xp().asarray(x.astype(dtype)), requires_grad=True) for x in X0[name]]
    opt = getattr(optim, name)(ps, **kw)

    def step(scale):
        opt.zero_grad()
        loss = _loss(ps, COEF[name], scale)
        loss.backward()
        opt.step()
        return loss
    f = ad.jit(step) if compiled else step
    out = []
    for k in range(steps):
        f(_xp().asarray(_scale(k)))
        out.append([to_numpy(p).copy() for p in ps]
                   + [to_numpy(v).copy() for st in opt.state for v in st.values()
                      if hasattr(v, "shape")])
    return out, opt, f


# (optimizer, keywords, whether to compare a compiled run too: the defaults are compiled in
# the next test)
CONFIGS = [
    ("Adafactor", {}, False),
    ("Adafactor", {"lr": 0.3, "weight_decay": 0.1, "maximize": True, "d": 1.5}, True),
    ("Adafactor", {"beta2_decay": -0.3, "eps": (1e-2, 0.1)}, False),
    ("Muon", {"lr": 0.05}, False),
    ("Muon", {"lr": 0.05, "nesterov": False, "momentum": 0.3, "weight_decay": 0.0,
              "ns_steps": 2, "adjust_lr_fn": "match_rms_adamw"}, True),
]


@pytest.mark.parametrize("name,kw,compiled", CONFIGS,
                         ids=lambda v: v if isinstance(v, str) else "")
def test_eager_and_compiled_steps_follow_torchs_rule(backend, name, kw, compiled):
    steps = 4
    eager, opt, _ = _train(name, kw, steps)
    if compiled:
        comp, _, f = _train(name, kw, steps, compiled=True)
        for k, (a, b) in enumerate(zip(eager, comp, strict=True)):
            for x, y in zip(a, b, strict=True):
                np.testing.assert_allclose(y, x, rtol=1e-14, atol=1e-15, err_msg=f"step {k}")
        assert f.cache_info()["misses"] <= 2
    h = dict(DEFAULTS[name], **kw)
    ps = [x.copy() for x in X0[name]]
    sts = [{} for _ in ps]
    for k in range(steps):
        ps = [_ref_step(name, h, p, _grad(p, c, _scale(k)), st)
              for p, c, st in zip(ps, COEF[name], sts, strict=True)]
        for i, p in enumerate(ps):
            np.testing.assert_allclose(eager[k][i], p, rtol=1e-12, atol=1e-13,
                                       err_msg=f"step {k}, parameter {i}")
    if name == "Adafactor":
        shapes = {k: tuple(v.shape) for k, v in opt.state[0].items() if hasattr(v, "shape")}
        assert shapes == {"row_var": (3, 1), "col_var": (1, 4)} and opt.state[0]["t"] == steps
        assert set(opt.state[2]) == {"t", "row_var", "col_var"}
        assert set(opt.state[1]) == set(opt.state[3]) == {"t", "variance"}
    else:
        assert all(set(st) == {"momentum_buffer"} for st in opt.state)


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_float32_compiled_step_equals_eager(backend, name):
    # a compiled step holds its numbers in the parameters' dtype: the eager step rounds them
    # alike (Adafactor's float64 norms, Muon's lr times its shape ratio)
    kw = {"lr": 0.3, "weight_decay": 0.1} if name == "Adafactor" else {"lr": 0.05,
                                                                       "ns_steps": 2}
    eager, opt, _ = _train(name, kw, 3, dtype=np.float32)
    comp, _, _ = _train(name, kw, 3, compiled=True, dtype=np.float32)
    for a, b in zip(eager, comp, strict=True):
        for x, y in zip(a, b, strict=True):
            assert x.dtype == y.dtype == np.float32
            np.testing.assert_array_equal(y, x)


def test_compiled_step_reads_changed_numbers_and_retraces_on_branches(backend):
    runs = [_Pair("Adafactor", {"lr": 0.05}), _Pair("Muon", {"lr": 0.05, "ns_steps": 2})]
    for k in range(4):
        if k == 2:
            for r in runs:
                r.set("lr", 0.02)  # a number: the next replay reads it
        if k == 3:
            runs[0].set("weight_decay", 0.2)  # a branch: traced again
            runs[1].set("momentum", 0.3)  # Muon's lerp takes torch's other formula
        for r in runs:
            r(k)
    assert [r.f.cache_info()["misses"] for r in runs] == [2, 2]


class _Pair:
    """One optimizer eagerly and compiled, compared after each call."""

    def __init__(self, name, kw):
        self.sides = []
        for compiled in (False, True):
            ps = [ad.tensor(_xp().asarray(x.copy()), requires_grad=True) for x in X0[name]]
            opt = getattr(optim, name)(ps, **kw)
            self.sides.append((ps, opt, self._step(name, ps, opt, compiled)))
        self.f = self.sides[1][2]

    @staticmethod
    def _step(name, ps, opt, compiled):
        def step(scale):
            opt.zero_grad()
            _loss(ps, COEF[name], scale).backward()
            opt.step()
        return ad.jit(step) if compiled else step

    def set(self, key, value):
        for _, opt, _ in self.sides:
            opt.param_groups[0][key] = value

    def __call__(self, k):
        for _, _, f in self.sides:
            f(_xp().asarray(_scale(k)))
        (pe, oe, _), (pc, oc, _) = self.sides
        for a, b in zip(pe, pc, strict=True):
            np.testing.assert_allclose(to_numpy(b), to_numpy(a), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_state_dict_round_trip(backend, name):
    full, _, _ = _train(name, {"lr": 0.05}, 5)
    ps = [ad.tensor(_xp().asarray(x.copy()), requires_grad=True) for x in X0[name]]
    opt = getattr(optim, name)(ps, lr=0.05)
    for k in range(5):
        if k == 2:  # resume from a checkpoint, in a new optimizer made with other options
            sd = opt.state_dict()
            opt = getattr(optim, name)(ps, lr=0.5)
            opt.load_state_dict(sd)
            assert opt.lr == 0.05
        opt.zero_grad()
        _loss(ps, COEF[name], _scale(k)).backward()
        opt.step()
    for i, p in enumerate(ps):
        np.testing.assert_array_equal(to_numpy(p), full[-1][i])


def test_adafactor_load_state_dict_checks_factor_shapes(backend):
    ps = [ad.tensor(_xp().asarray(x.copy()), requires_grad=True) for x in X0["Adafactor"]]
    opt = optim.Adafactor(ps)
    _loss(ps, COEF["Adafactor"], 1.0).backward()
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["row_var"] = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"'row_var' of parameter 0 has shape \(3, 4\).*"
                                         r"needs \(3, 1\)"):
        optim.Adafactor(ps).load_state_dict(sd)
    sd = opt.state_dict()
    sd["state"][1]["row_var"] = np.zeros(1)  # a vector keeps a variance, no factors
    with pytest.raises(ValueError, match=r"parameter 1 \(of shape \(3,\)\) holds \['row_var', "
                                         r"'t', 'variance'\]; Adafactor keeps \['t', 'variance'\]"):
        optim.Adafactor(ps).load_state_dict(sd)


def test_adafactor_default_eps1_is_the_first_parameters_machine_epsilon(backend):
    # torch sets eps1 = finfo(dtype).eps from the first parameter with a gradient and keeps
    # it for the rest of the group: a float64 parameter after a float32 one uses float32's
    xp = _xp()
    a = ad.tensor(xp.asarray(np.ones(3, np.float32)), requires_grad=True)
    z = np.zeros(3)
    b = ad.tensor(xp.asarray(z), requires_grad=True)
    opt = optim.Adafactor([a, b])
    a.grad = ad.tensor(xp.asarray(np.ones(3, np.float32)))
    b.grad = ad.tensor(xp.asarray(np.array([1e-9, 0.0, 0.0])))
    opt.step()
    eps1 = float(np.finfo(np.float32).eps)
    v = 1e-18  # the variance: below eps1**2 ~ 1.4e-14, which clamps it
    u = np.array([1e-9, 0.0, 0.0]) / math.sqrt(max(v, eps1 * eps1))
    alpha = 1e-3 * 1e-2  # eps2 * rho (the parameter is zero)
    want = -alpha / max(1.0, np.sqrt(np.sum(u * u) / 3)) * u
    np.testing.assert_allclose(to_numpy(b), want, rtol=1e-12)
    assert to_numpy(a).dtype == np.float32


@pytest.mark.parametrize("name,kw,match", [
    ("Adafactor", {"lr": -1.0}, "learning rate"),
    ("Adafactor", {"beta2_decay": 0.8}, "beta2_decay should be <= 0"),
    ("Adafactor", {"eps": (-1e-30, 1e-3)}, r"epsilon1 should be >= 0.*eps\[0\]"),
    ("Adafactor", {"eps": (None, -1.0)}, r"epsilon2 should be >= 0.*eps\[1\]"),
    ("Adafactor", {"eps": 1e-3}, r"eps must be a pair"),
    ("Adafactor", {"d": 0.5}, "Clipping threshold d should be >= 1"),
    ("Adafactor", {"weight_decay": -0.1}, "weight_decay"),
    ("Adafactor", {"lr": np.array([0.1, 0.2])}, "Tensor lr must be 1-element"),
    ("Muon", {"lr": -1.0}, "learning rate"),
    ("Muon", {"momentum": -0.1}, "momentum"),
    ("Muon", {"weight_decay": -0.1}, "weight_decay"),
    ("Muon", {"adjust_lr_fn": "other"}, "Adjust learning rate function other is not supported"),
    ("Muon", {"ns_coefficients": (1.0, 2.0)}, "ns_coefficients: Coefficients must be a tuple"),
    ("Muon", {"ns_steps": 100}, "ns_steps: Number of steps must be less than 100"),
    ("Muon", {"ns_steps": -1}, "ns_steps must be an integer >= 0"),
    ("Muon", {"ns_steps": 2.0}, "ns_steps must be an integer >= 0"),
])
def test_bad_options_raise_naming_the_option(backend, name, kw, match):
    p = ad.tensor(_xp().asarray(np.ones((2, 3))), requires_grad=True)
    if isinstance(kw.get("lr"), np.ndarray):
        kw = {"lr": ad.tensor(_xp().asarray(kw["lr"]))}
    with pytest.raises(ValueError, match=match):
        getattr(optim, name)([p], **kw)
    opt = getattr(optim, name)([p])  # a group added later is checked too
    q = ad.tensor(_xp().asarray(np.ones((2, 2))), requires_grad=True)
    with pytest.raises(ValueError, match=match):
        opt.add_param_group({"params": [q], **kw})
    assert len(opt.param_groups) == 1


def test_parameters_each_optimizer_refuses(backend):
    xp = _xp()
    vec = ad.tensor(xp.asarray(np.ones(3)), requires_grad=True)
    mat = ad.tensor(xp.asarray(np.ones((2, 3))), requires_grad=True)
    with pytest.raises(ValueError, match=r"Muon only supports 2D parameters.*size: \(3,\).*"
                                         r"another optimizer"):
        optim.Muon([mat, vec])
    opt = optim.Muon([mat])
    with pytest.raises(ValueError, match=r"Muon only supports 2D parameters.*\(2, 2, 2\)"):
        opt.add_param_group({"params": [ad.tensor(xp.asarray(np.ones((2, 2, 2))),
                                                  requires_grad=True)]})
    with pytest.raises(ValueError, match=r"parameter 0 of the group is empty \(shape \(0, 3\)\)"):
        optim.Adafactor([ad.tensor(xp.asarray(np.ones((0, 3))), requires_grad=True)])
    for name in ("Adafactor", "Muon"):
        z0 = np.ones((2, 2)) * (1 + 1j)
        z = ad.tensor(xp.asarray(z0), requires_grad=True)
        r = ad.tensor(xp.asarray(np.ones((2, 2))), requires_grad=True)
        opt = getattr(optim, name)([r, z])
        r.grad = ad.tensor(xp.asarray(np.ones((2, 2))))
        z.grad = ad.tensor(xp.asarray(z0))
        with pytest.raises(RuntimeError, match=f"{name} does not support complex parameters "
                                               r"\(parameter 1 is complex128"):
            opt.step()
        np.testing.assert_array_equal(to_numpy(r), np.ones((2, 2)))  # nothing was updated
        assert opt.state == [{}, {}]


def test_sparse_adam_says_what_to_use_instead():
    with pytest.raises(AttributeError, match=r"no SparseAdam.*dense.*Use gpuad\.optim\.Adam"):
        optim.SparseAdam  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchOptimizer'"):
        optim.NoSuchOptimizer  # noqa: B018


def test_param_groups_are_all_named_or_none(backend):
    xp = _xp()
    a = ad.tensor(xp.asarray(np.ones((2, 2))), requires_grad=True)
    b = ad.tensor(xp.asarray(np.ones((2, 2))), requires_grad=True)
    with pytest.raises(ValueError, match="with/without names. cannot add param group with "
                                         "names"):
        optim.Muon([{"params": [a]}, {"params": [("b", b)]}])
    opt = optim.Muon([("a", a)])
    with pytest.raises(ValueError, match="cannot add param group without names"):
        opt.add_param_group({"params": [b]})


def test_bfloat16_rounding():
    xp = np
    x = np.array([1.00390625, 1.01171875, 1.0 + 2.0 ** -9, -3.14159, 3.4e38, 1e-40, 0.0,
                  -0.0, np.inf, -np.inf, np.nan], np.float32)
    got = bfloat16(xp, x)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got[:2], [1.0, 1.015625])  # ties to even
    # (the frexp rounding keeps 8 bits of subnormals too, which bfloat16 does not)
    finite = np.isfinite(x) & (np.abs(x) < 3e38) & ((np.abs(x) > 1e-37) | (x == 0))
    np.testing.assert_array_equal(got[finite], _bf16(x[finite]))
    assert got[4] == np.inf  # above bfloat16's largest: rounds to infinity, as torch's
    assert got[8] == np.inf and got[9] == -np.inf and np.isnan(got[10])
    y = (R.normal(size=1000) * 10.0 ** R.integers(-30, 30, 1000)).astype(np.float32)
    np.testing.assert_array_equal(bfloat16(np, y), _bf16(y))


@pytest.mark.parametrize("name", ["Adafactor", "Muon", "Adam", "ASGD"])
def test_one_element_tensor_lr_of_any_shape(backend, name):
    # torch takes lr=torch.tensor([0.05]) (it squeezes a 1-element tensor); more elements raise
    xp = _xp()
    runs = []
    for lr in (0.05, ad.tensor(xp.asarray([0.05])), ad.tensor(xp.asarray([[0.05]]))):
        p = ad.tensor(xp.asarray(X0["Muon"][0].copy()), requires_grad=True)
        opt = getattr(optim, name)([p], lr=lr)
        for k in range(2):
            opt.zero_grad()
            _loss([p], COEF["Muon"][:1], _scale(k)).backward()
            opt.step()
        runs.append(to_numpy(p))
    np.testing.assert_array_equal(runs[1], runs[0])
    np.testing.assert_array_equal(runs[2], runs[0])
