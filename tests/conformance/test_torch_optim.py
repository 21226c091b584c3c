"""PyTorch's optimizer tests, ported to gpuad.optim.

Follows pytorch/pytorch test/test_optim.py (and the OptimizerInfo cases of
torch/testing/_internal/common_optimizers.py): SGD with momentum, dampening, Nesterov,
weight decay and maximize; Adam and AdamW with betas, eps, weight decay, amsgrad and maximize;
RMSprop (centered, momentum) and Adagrad (lr_decay, initial accumulator); complex parameters;
hyperparameter errors; the usual zero_grad/backward/step loop; parameter groups with their own
learning rate and weight decay, a learning rate changed between steps, state_dict round trips
and their errors. Each configuration runs on the Rosenbrock function and on a least-squares
problem; the iterates are compared with a NumPy transcription of the update rules torch
documents and, where torch is installed, with torch.optim itself. Adafactor and Muon run
torch's own OptimizerInfo configurations and error inputs (common_optimizers.optim_db) in both
libraries, compared after every step. (The same under gpuad.jit: tests/test_optim_jit.py and
tests/test_optim_adafactor_muon.py.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.optim as optim


def _np(a):
    if isinstance(a, ad.Tensor):
        return a.numpy()
    return a.get() if hasattr(a, "get") else np.asarray(a)


RNG = np.random.default_rng(7)
A = RNG.normal(size=(6, 4))
B = RNG.normal(size=6)
W0 = np.array([-1.2, 1.0, 0.4, -0.3])


def _rosen(w, lib):
    """Rosenbrock in each consecutive pair, the function test_optim.py minimises."""
    return (100.0 * (w[1:] - w[:-1] ** 2) ** 2 + (1.0 - w[:-1]) ** 2).sum()


def _lsq(w, lib):
    r = lib.matmul(lib.asarray(A), w) - lib.asarray(B)
    return (r * r).sum() + lib.sin(w).sum()


def _rosen_grad(w):
    g = np.zeros_like(w)
    d = w[1:] - w[:-1] ** 2
    g[1:] += 200.0 * d
    g[:-1] += -400.0 * d * w[:-1] - 2.0 * (1.0 - w[:-1])
    return g


def _lsq_grad(w):
    return 2 * A.T @ (A @ w - B) + np.cos(w)


PROBLEMS = {"rosenbrock": (_rosen, _rosen_grad, 1e-3), "lsq": (_lsq, _lsq_grad, 1e-2)}


# ---- reference: torch's documented update rules, in NumPy --------------------------------------

def _ref_sgd(grad, w, steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
             nesterov=False, maximize=False):
    w, buf = w.copy(), None
    for _ in range(steps):
        g = grad(w)
        g = -g if maximize else g
        g = g + weight_decay * w
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
    return w


def _ref_adam(grad, w, steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              amsgrad=False, maximize=False, decoupled=False):
    w = w.copy()
    m, v, vmax = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    b1, b2 = betas
    for t in range(1, steps + 1):
        g = grad(w)
        g = -g if maximize else g
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if amsgrad:
            vmax = np.maximum(vmax, v)
        vhat = vmax if amsgrad else v
        denom = np.sqrt(vhat) / math.sqrt(1 - b2 ** t) + eps
        w = w - lr / (1 - b1 ** t) * m / denom
    return w


def _ref_rmsprop(grad, w, steps, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, maximize=False):
    w = w.copy()
    sq, ga, buf = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for _ in range(steps):
        g = grad(w)
        g = (-g if maximize else g) + weight_decay * w
        sq = alpha * sq + (1 - alpha) * g * g
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            avg = np.sqrt(sq - ga * ga) + eps
        else:
            avg = np.sqrt(sq) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg
            w = w - lr * buf
        else:
            w = w - lr * g / avg
    return w


def _ref_adagrad(grad, w, steps, lr, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, maximize=False):
    w = w.copy()
    acc = np.full_like(w, initial_accumulator_value)
    for t in range(1, steps + 1):
        g = grad(w)
        g = (-g if maximize else g) + weight_decay * w
        acc = acc + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(acc) + eps)
    return w


SGD_CONFIGS = [
    {},
    {"momentum": 0.9},
    {"momentum": 0.9, "nesterov": True},
    {"momentum": 0.9, "weight_decay": 0.1},
    {"momentum": 0.5, "dampening": 0.3},
    {"momentum": 0.5, "dampening": 0.3, "weight_decay": 0.2, "maximize": True},
    {"weight_decay": 0.1},
    {"maximize": True},
]
ADAM_CONFIGS = [
    {},
    {"betas": (0.8, 0.9)},
    {"weight_decay": 0.1},
    {"amsgrad": True},
    {"eps": 1e-3},
    {"amsgrad": True, "weight_decay": 0.1, "maximize": True},
]


RMSPROP_CONFIGS = [
    {},
    {"weight_decay": 0.1},
    {"maximize": True},
    {"centered": True},
    {"momentum": 0.9},
    {"maximize": True, "weight_decay": 0.1},
    {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "maximize": True},
    {"alpha": 0.5, "eps": 1e-3},
]
ADAGRAD_CONFIGS = [
    {},
    {"weight_decay": 0.1},
    {"maximize": True},
    {"initial_accumulator_value": 0.1},
    {"lr_decay": 0.5},
    {"eps": 1e-3, "lr_decay": 0.1, "weight_decay": 0.2, "maximize": True},
]


def _run_gpuad(cls, loss, w0, steps, **kw):
    w = ad.tensor(w0.copy(), requires_grad=True)
    opt = cls([w], **kw)
    for _ in range(steps):
        opt.zero_grad()
        loss(w, gnp).backward()
        opt.step()
    return _np(w)


def _run_torch(torch, cls, loss, w0, steps, **kw):
    w = torch.tensor(w0.copy(), requires_grad=True)
    opt = cls([w], **kw)
    for _ in range(steps):
        opt.zero_grad()
        loss(w, torch).backward()
        opt.step()
    return w.detach().numpy()


def _torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _check_config(backend, name, problem, kw, steps=25):
    loss, grad, lr = PROBLEMS[problem]
    if kw.get("maximize"):
        lr *= 0.01  # ascending: keep the iterates finite
    gcls = getattr(optim, name)
    got = _run_gpuad(gcls, loss, W0, steps, lr=lr, **kw)
    if name == "SGD":
        ref = _ref_sgd(grad, W0, steps, lr, **kw)
    elif name == "RMSprop":
        ref = _ref_rmsprop(grad, W0, steps, lr, **kw)
    elif name == "Adagrad":
        ref = _ref_adagrad(grad, W0, steps, lr, **kw)
    else:
        ref = _ref_adam(grad, W0, steps, lr, decoupled=name == "AdamW",
                        **({"weight_decay": 1e-2} if name == "AdamW" else {}) | kw)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    torch = _torch_or_none()
    if torch is not None:
        want = _run_torch(torch, getattr(torch.optim, name), loss, W0, steps, lr=lr, **kw)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("kw", SGD_CONFIGS, ids=str)
def test_sgd_iterates(backend, problem, kw):
    _check_config(backend, "SGD", problem, kw)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("kw", ADAM_CONFIGS, ids=str)
def test_adam_iterates(backend, name, problem, kw):
    _check_config(backend, name, problem, kw)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("kw", RMSPROP_CONFIGS, ids=str)
def test_rmsprop_iterates(backend, problem, kw):
    _check_config(backend, "RMSprop", problem, kw)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("kw", ADAGRAD_CONFIGS, ids=str)
def test_adagrad_iterates(backend, problem, kw):
    _check_config(backend, "Adagrad", problem, kw)


@pytest.mark.parametrize("name,kw", [("SGD", {"lr": 1e-3, "momentum": 0.9}),
                                     ("Adam", {"lr": 0.05}), ("AdamW", {"lr": 0.05})])
def test_rosenbrock_decreases(backend, name, kw):
    # test_rosenbrock: the optimiser makes progress on the Rosenbrock function
    w = ad.tensor(W0.copy(), requires_grad=True)
    opt = getattr(optim, name)([w], **kw)
    first = float(_np(_rosen(w, gnp)))
    for _ in range(200):
        opt.zero_grad()
        _rosen(w, gnp).backward()
        opt.step()
    assert float(_np(_rosen(w, gnp))) < 0.5 * first


# ---- complex parameters ------------------------------------------------------------------------

def _complex_loss(z):
    return gnp.sum(gnp.abs(z * z - (1.0 + 0.5j)) ** 2 + gnp.real(z) * 0.3)


def _pair_loss(x, y):
    # the same loss on (re, im) as two real parameters
    re = x * x - y * y - 1.0
    im = 2.0 * x * y - 0.5
    return gnp.sum(re * re + im * im + x * 0.3)


@pytest.mark.parametrize("name,kw", [
    ("SGD", {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.2}),
    ("AdamW", {"lr": 0.05}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.2, "lr_decay": 0.1}),
])
def test_complex_parameters_as_real_pairs(backend, name, kw):
    # test_complex / test_complex_2d: a complex parameter is optimised as its real and
    # imaginary parts would be as two real parameters (torch.view_as_real)
    z0 = np.array([0.3 + 0.8j, -1.1 + 0.2j, 0.5 - 0.4j])
    z = ad.tensor(z0.copy(), requires_grad=True)
    x = ad.tensor(z0.real.copy(), requires_grad=True)
    y = ad.tensor(z0.imag.copy(), requires_grad=True)
    oz = getattr(optim, name)([z], **kw)
    oxy = getattr(optim, name)([x, y], **kw)
    for _ in range(15):
        oz.zero_grad()
        oxy.zero_grad()
        _complex_loss(z).backward()
        _pair_loss(x, y).backward()
        oz.step()
        oxy.step()
    got = _np(z)
    np.testing.assert_allclose(got.real, _np(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got.imag, _np(y), rtol=1e-10, atol=1e-12)
    torch = _torch_or_none()
    if torch is not None:
        tz = torch.tensor(z0.copy(), requires_grad=True)
        ot = getattr(torch.optim, name)([tz], **kw)
        for _ in range(15):
            ot.zero_grad()
            ((tz * tz - (1.0 + 0.5j)).abs() ** 2 + tz.real * 0.3).sum().backward()
            ot.step()
        np.testing.assert_allclose(got, tz.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_float32_parameters_stay_float32(backend):
    w = ad.tensor(W0.astype(np.float32), requires_grad=True)
    opt = optim.Adam([w], lr=0.1, amsgrad=True)
    gnp.sum(w * w).backward()
    opt.step()
    assert w.dtype == np.float32
    assert all(v.dtype == np.float32 for k, v in opt.state[0].items() if k != "t")


# ---- the training loop and versions ------------------------------------------------------------

def test_step_skips_parameters_without_grad(backend):
    a = ad.tensor(W0.copy(), requires_grad=True)
    b = ad.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    gnp.sum(a * a).backward()
    opt.step()
    np.testing.assert_allclose(_np(a), W0 - 0.1 * 2 * W0)
    np.testing.assert_array_equal(_np(b), W0)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_between_forward_and_backward_raises(backend):
    w = ad.tensor(W0.copy(), requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    loss = gnp.sum(gnp.sin(w))
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(ad.GradError, match=r"sin: input 0 was saved .*version 0.*now version 1"):
        loss.backward()


def test_step_does_not_record(backend):
    w = ad.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    gnp.sum(w * w).backward()
    opt.step()
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


# ---- errors (torch's constructor checks) -------------------------------------------------------

@pytest.mark.parametrize("cls,kw,match", [
    (optim.SGD, {"lr": -0.1}, "learning rate"),
    (optim.SGD, {"lr": 0.1, "momentum": -0.5}, "momentum"),
    (optim.SGD, {"lr": 0.1, "weight_decay": -1.0}, "weight_decay"),
    (optim.SGD, {"lr": 0.1, "nesterov": True}, "Nesterov"),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}, "Nesterov"),
    (optim.Adam, {"lr": 0.1, "betas": (1.0, 0.9)}, r"betas\[0\]"),
    (optim.Adam, {"lr": 0.1, "betas": (0.9, -0.1)}, r"betas\[1\]"),
    (optim.Adam, {"lr": 0.1, "eps": -1.0}, "eps"),
    (optim.AdamW, {"lr": 0.1, "weight_decay": -1.0}, "weight_decay"),
    (optim.RMSprop, {"lr": -0.1}, "learning rate"),
    (optim.RMSprop, {"alpha": -0.1}, "alpha"),
    (optim.RMSprop, {"eps": -1.0}, "eps"),
    (optim.RMSprop, {"momentum": -0.5}, "momentum"),
    (optim.RMSprop, {"weight_decay": -1.0}, "weight_decay"),
    (optim.Adagrad, {"lr": -0.1}, "learning rate"),
    (optim.Adagrad, {"lr_decay": -0.5}, "lr_decay"),
    (optim.Adagrad, {"weight_decay": -1.0}, "weight_decay"),
    (optim.Adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    (optim.Adagrad, {"eps": -1.0}, "eps"),
])
def test_invalid_hyperparameters(backend, cls, kw, match):
    with pytest.raises(ValueError, match=match):
        cls([ad.tensor(W0, requires_grad=True)], **kw)


def test_invalid_parameter_lists(backend):
    w = ad.tensor(W0, requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    # torch warns and updates the parameter twice per step; gpuad refuses
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(TypeError, match="not a leaf"):
        optim.SGD([w * 2.0], lr=0.1)
    with pytest.raises(TypeError, match="requires grad"):
        optim.SGD([ad.tensor(W0)], lr=0.1)


def test_gradient_of_wrong_shape_or_dtype(backend):
    w = ad.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = ad.tensor(np.ones(1))
    with pytest.raises(ValueError, match=r"gradient of shape \(1,\).*shape \(4,\)"):
        opt.step()
    w.grad = ad.tensor(np.ones(4) * 1j)
    with pytest.raises(TypeError, match="complex gradient"):
        opt.step()
    np.testing.assert_array_equal(_np(w), W0)


# ---- parameter groups, learning rates changed between steps, state_dict -------------------------

ALL = [("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}), ("Adam", {"lr": 0.05}),
       ("AdamW", {"lr": 0.05, "amsgrad": True}), ("RMSprop", {"centered": True}),
       ("Adagrad", {"lr": 0.1, "lr_decay": 0.1})]


_MR = np.random.default_rng(3)
MODEL = (_MR.normal(size=(3, 4)), _MR.normal(size=3), _MR.normal(size=4))


def _loss_of(lib, wt, bs):
    x = gnp.asarray(MODEL[2]) if lib is gnp else lib.tensor(MODEL[2])
    return ((lib.matmul(wt, x) + bs) ** 2).sum()


def _model(lib, tensor):
    """test_optim's model: a weight and a bias, the loss of a small linear layer."""
    wt, bs = tensor(MODEL[0].copy()), tensor(MODEL[1].copy())
    return wt, bs, lambda: _loss_of(lib, wt, bs)


def _train(opt, loss, steps, schedule=None):
    for k in range(steps):
        if schedule is not None:
            schedule(k, opt)
        opt.zero_grad()
        loss().backward()
        opt.step()


def _pair(name, groups_of, kw, steps, schedule=None):
    """gpuad and (where installed) torch, with the groups ``groups_of(weight, bias)``."""
    wt, bs, loss = _model(gnp, lambda a: ad.tensor(a, requires_grad=True))
    opt = getattr(optim, name)(groups_of(wt, bs), **kw)
    _train(opt, loss, steps, schedule)
    torch = _torch_or_none()
    if torch is None:
        return (_np(wt), _np(bs)), None, opt
    twt, tbs, tloss = _model(torch, lambda a: torch.tensor(a, requires_grad=True))
    _train(getattr(torch.optim, name)(groups_of(twt, tbs), **kw), tloss, steps, schedule)
    return (_np(wt), _np(bs)), (twt.detach().numpy(), tbs.detach().numpy()), opt


@pytest.mark.parametrize("name,kw", ALL, ids=lambda v: v if isinstance(v, str) else "")
def test_param_groups_lr_and_weight_decay(backend, name, kw):
    # test_param_groups_lr / test_param_groups_weight_decay: the bias in a group of its own
    # with another learning rate and weight decay; without torch, each group must equal a
    # one-group optimizer over its parameter (groups are independent)
    def groups(wt, bs):
        return [{"params": [wt]}, {"params": bs, "lr": 0.03, "weight_decay": 0.2}]
    got, want, opt = _pair(name, groups, kw, 6)
    if want is not None:
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert [g["lr"] for g in opt.param_groups] == [kw["lr"] if "lr" in kw else
                                                   opt.defaults["lr"], 0.03]
    # two one-group optimizers stepping together: the same as one with two groups
    wt, bs, loss = _model(gnp, lambda a: ad.tensor(a, requires_grad=True))
    cls = getattr(optim, name)
    pair = [cls([wt], **kw), cls([bs], **{**kw, "lr": 0.03, "weight_decay": 0.2})]
    for _ in range(6):
        for o in pair:
            o.zero_grad()
        loss().backward()
        for o in pair:
            o.step()
    np.testing.assert_array_equal(_np(wt), got[0])
    np.testing.assert_array_equal(_np(bs), got[1])


@pytest.mark.parametrize("name,kw", ALL, ids=lambda v: v if isinstance(v, str) else "")
def test_learning_rate_changed_between_steps(backend, name, kw):
    # a schedule written as torch users write one: param_groups[i]["lr"] before each step
    def schedule(k, opt):
        for i, g in enumerate(opt.param_groups):
            g["lr"] = 0.05 * 0.7 ** k * (1 + i)

    def groups(wt, bs):
        return [{"params": [wt]}, {"params": [bs]}]
    got, want, opt = _pair(name, groups, kw, 6, schedule)
    if want is not None:
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    fixed, _, _ = _pair(name, groups, kw, 6)
    assert not np.array_equal(got[0], fixed[0])  # the schedule was used


@pytest.mark.parametrize("name,kw", ALL, ids=lambda v: v if isinstance(v, str) else "")
def test_state_dict_round_trip_resumes_exactly(backend, name, kw):
    # test_state_dict: train, checkpoint, load into a new optimizer over copies of the
    # parameters, train both on: the same iterates
    wt, bs, loss = _model(gnp, lambda a: ad.tensor(a, requires_grad=True))
    opt = getattr(optim, name)([{"params": [wt]}, {"params": [bs], "lr": 0.02}], **kw)
    _train(opt, loss, 3)
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state", "step_count"]
    wt2 = ad.tensor(_np(wt).copy(), requires_grad=True)
    bs2 = ad.tensor(_np(bs).copy(), requires_grad=True)
    opt2 = getattr(optim, name)([{"params": [wt2]}, {"params": [bs2]}], lr=0.5)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[1]["lr"] == 0.02 and opt2.step_count == 3

    def loss2():
        return _loss_of(gnp, wt2, bs2)
    _train(opt, loss, 4)
    _train(opt2, loss2, 4)
    np.testing.assert_array_equal(_np(wt2), _np(wt))
    np.testing.assert_array_equal(_np(bs2), _np(bs))
    # the same state through torch's own optimizer: its state_dict holds the same numbers
    torch = _torch_or_none()
    if torch is not None:
        twt, tbs, tloss = _model(torch, lambda a: torch.tensor(a, requires_grad=True))
        topt = getattr(torch.optim, name)([{"params": [twt]}, {"params": [tbs], "lr": 0.02}],
                                          **kw)
        _train(topt, tloss, 7)
        np.testing.assert_allclose(_np(wt), twt.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_state_dict_layout_matches_torch(backend):
    w = ad.tensor(W0.copy(), requires_grad=True)
    b = ad.tensor(W0[:2].copy(), requires_grad=True)
    opt = optim.Adagrad([("w", w), ("b", b)], lr=0.1)  # named parameters, as torch takes them
    sd = opt.state_dict()  # Adagrad makes its sums at construction, as torch does
    assert sorted(sd["state"]) == [0, 1] and sd["state"][0]["t"] == 0
    assert sd["param_groups"][0]["params"] == [0, 1]
    assert sd["param_groups"][0]["param_names"] == ["w", "b"]
    torch = _torch_or_none()
    if torch is not None:
        tw = torch.tensor(W0.copy(), requires_grad=True)
        tb = torch.tensor(W0[:2].copy(), requires_grad=True)
        tsd = torch.optim.Adagrad([("w", tw), ("b", tb)], lr=0.1).state_dict()
        assert sorted(tsd["state"]) == sorted(sd["state"])
        tg, g = tsd["param_groups"][0], sd["param_groups"][0]
        assert tg["params"] == g["params"] and tg["param_names"] == g["param_names"]
        assert all(tg[k] == g[k] for k in opt.defaults)


def _adam(p=None):
    p = p if p is not None else ad.tensor(W0.copy(), requires_grad=True)
    return optim.Adam([p], lr=0.1)


@pytest.mark.parametrize("edit,match", [
    (lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0], params=[])),
     "2 parameter groups"),
    (lambda sd: sd["param_groups"][0]["params"].append(1), "holds 2 parameters"),
    (lambda sd: sd["param_groups"][0].pop("betas"), r"no \['betas'\]"),
    (lambda sd: sd["state"].__setitem__(5, {}), "parameter 5, which no group lists"),
    (lambda sd: sd["state"][0].__setitem__("momentum", np.zeros(4)), "does not use"),
    (lambda sd: sd["state"][0].pop("v"), r"lacks \['v'\]"),
    (lambda sd: sd["state"][0].__setitem__("m", np.zeros(3)), r"shape \(3,\).*needs \(4,\)"),
    (lambda sd: sd["param_groups"][0].__setitem__("lr", -1.0), "learning rate"),
])
def test_load_state_dict_errors_leave_the_optimizer_as_it_was(backend, edit, match):
    opt = _adam()
    opt.param_groups[0]["params"][0].grad = ad.tensor(np.ones(4))
    opt.step()
    sd = opt.state_dict()
    edit(sd)
    target = _adam()
    target.param_groups[0]["lr"] = 0.3
    with pytest.raises(ValueError, match=match):
        target.load_state_dict(sd)
    assert target.state == [{}] and target.lr == 0.3 and target.step_count == 0


def test_load_state_dict_of_another_optimizer_raises(backend):
    w = ad.tensor(W0.copy(), requires_grad=True)
    sgd = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = ad.tensor(np.ones(4))
    sgd.step()
    with pytest.raises(ValueError, match="another kind of optimizer"):
        _adam().load_state_dict(sgd.state_dict())


def test_zero_grad_set_to_none_false(backend):
    w = ad.tensor(W0.copy(), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    gnp.sum(w * w).backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g
    np.testing.assert_array_equal(_np(g), np.zeros(4))
    gnp.sum(w * w * w).backward()  # accumulates into the zeroed gradient
    np.testing.assert_allclose(_np(w.grad), 3 * W0 ** 2)
    opt.zero_grad()
    assert w.grad is None


def test_groups_and_hyperparameter_attributes(backend):
    w = ad.tensor(W0.copy(), requires_grad=True)
    b = ad.tensor(W0.copy(), requires_grad=True)
    opt = optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, betas=(0.8, 0.9))
    assert [id(p) for p in opt.params] == [id(w), id(b)] and len(opt.state) == 2
    assert opt.betas == (0.8, 0.9) and opt.param_groups[1]["betas"] == (0.8, 0.9)
    with pytest.raises(ValueError, match="groups differ"):
        _ = opt.lr
    opt.lr = 0.2
    assert [g["lr"] for g in opt.param_groups] == [0.2, 0.2] and opt.lr == 0.2
    text = repr(opt)
    assert text.startswith("Adam (") and "Parameter Group 1" in text and "lr: 0.2" in text
    c = ad.tensor(W0.copy(), requires_grad=True)
    opt.add_param_group({"params": c, "weight_decay": 0.1})
    # a new group takes what it leaves out from the constructor (opt.defaults), as in torch
    assert [id(p) for p in opt.params] == [id(w), id(b), id(c)]
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["weight_decay"] == 0.1
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(TypeError, match="ordered collection"):
        opt.add_param_group({"params": {ad.tensor(W0, requires_grad=True)}})
    with pytest.raises(TypeError, match="a group is a dict"):
        opt.add_param_group([c])
    with pytest.raises(ValueError, match=r"betas\[1\]"):
        opt.add_param_group({"params": [ad.tensor(W0, requires_grad=True)], "betas": (0.9, 1)})
    assert len(opt.params) == len(opt.state) == 3 and len(opt.param_groups) == 3


def test_adam_decoupled_weight_decay_is_adamw(backend):
    runs = []
    for cls, kw in ((optim.Adam, {"decoupled_weight_decay": True}), (optim.AdamW, {})):
        w = ad.tensor(W0.copy(), requires_grad=True)
        opt = cls([w], lr=0.05, weight_decay=0.1, **kw)
        for _ in range(5):
            opt.zero_grad()
            _lsq(w, gnp).backward()
            opt.step()
        runs.append(_np(w))
    np.testing.assert_array_equal(*runs)
    ref = _ref_adam(_lsq_grad, W0, 5, 0.05, weight_decay=0.1, decoupled=True)
    np.testing.assert_allclose(runs[0], ref, rtol=1e-10)


@pytest.mark.parametrize("kw,exc,match", [
    ({"differentiable": True}, NotImplementedError, "differentiable"),
    ({"foreach": True, "fused": True}, RuntimeError, "cannot be True together"),
])
def test_implementation_switches(backend, kw, exc, match):
    w = ad.tensor(W0, requires_grad=True)
    with pytest.raises(exc, match=match):
        optim.Adam([w], **kw)
    optim.Adam([w], foreach=False, capturable=True, fused=False)  # accepted, same update


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad"])
def test_state_dict_round_trip_of_a_complex_parameter(backend, name):
    z0 = np.array([0.3 + 0.8j, -1.1 + 0.2j, 0.5 - 0.4j])
    zs = [ad.tensor(z0.copy(), requires_grad=True) for _ in range(2)]
    opts = [getattr(optim, name)([z], lr=0.05) for z in zs]
    for k in range(6):
        if k == 3:  # the second optimizer resumes from the first's checkpoint
            opts[1].load_state_dict(opts[0].state_dict())
            with ad.no_grad():
                zs[1].data[...] = zs[0].data
        for z, o in zip(zs, opts, strict=True):
            o.zero_grad()
            _complex_loss(z).backward()
            if k >= 3 or o is opts[0]:
                o.step()
    np.testing.assert_array_equal(_np(zs[1]), _np(zs[0]))
    key = {"Adam": "m", "RMSprop": "square_avg", "Adagrad": "sum"}[name]
    sd = opts[0].state_dict()
    sd["state"][0][key] = np.zeros(3, complex)  # the param's shape: not the (re, im) layout
    with pytest.raises(ValueError, match=r"shape \(3,\).*needs \(6,\)"):
        opts[1].load_state_dict(sd)


# ---- Adafactor and Muon: torch's OptimizerInfo configurations (common_optimizers.optim_db) ----

def _optim_db_info(name):
    try:
        from torch.testing._internal.common_optimizers import optim_db
    except ImportError:
        return None
    return next(i for i in optim_db if i.optim_cls.__name__ == name)


def _db_cases(name, errors=False):
    """``(name, torch's OptimizerInput or ErrorOptimizerInput)`` of optim_db's ``name``."""
    info = _optim_db_info(name)
    if info is None:
        return []
    import torch

    func = info.optim_error_inputs_func if errors else info.optim_inputs_func
    old = torch.get_default_dtype()
    # a Tensor lr in float64, as gpuad's numbers: torch computes with a float32 one in float32
    # (Muon's 1 - lr * weight_decay), 6e-8 off
    torch.set_default_dtype(torch.float64)
    try:
        return [(name, x) for x in func(device="cpu", dtype=torch.float64)]
    finally:
        torch.set_default_dtype(old)


def _case_id(case):
    x = case[1]
    return f"{case[0]}-{getattr(x, 'desc', None) or x.optimizer_error_input.desc}"


# the parameters each optimizer is tried on: Adafactor factors the last two axes of a
# parameter of 2 dimensions or more (a 3-d one is a batch of matrices), Muon takes matrices
DB_SHAPES = {"Adafactor": [(3, 4), (3,), (2, 3, 2), (), (1, 5)],
             "Muon": [(3, 4), (5, 2), (2, 2), (1, 3)]}
DB_RENAME = {"t": "step"}


def _to_gpuad(v, memo=None):
    """A torch value of an OptimizerInput as gpuad's (Tensors become gpuad Tensors; one
    torch tensor listed twice becomes one gpuad Tensor listed twice)."""
    import torch

    memo = {} if memo is None else memo
    if isinstance(v, torch.Tensor):
        if id(v) not in memo:
            t = ad.tensor(v.detach().numpy().copy(), requires_grad=v.requires_grad)
            if v.grad is not None:
                t.grad = ad.tensor(v.grad.numpy().copy())
            memo[id(v)] = t
        return memo[id(v)]
    if isinstance(v, dict):
        return {k: _to_gpuad(x, memo) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return type(v)(_to_gpuad(x, memo) for x in v)
    return v


def _db_run(torch, name, kwargs, dtype, steps=12):
    """Both libraries on the same parameters (two groups, the second at half the rate),
    compared after every step: parameters and each state entry (torch's names)."""
    rng = np.random.default_rng(5)
    shapes = DB_SHAPES[name]
    x0 = [rng.normal(size=s).astype(dtype) for s in shapes]
    coef = [rng.normal(size=s).astype(dtype) for s in shapes]
    tp = [torch.tensor(x.copy(), requires_grad=True) for x in x0]
    gp = [ad.tensor(x.copy(), requires_grad=True) for x in x0]
    lr = kwargs.get("lr", getattr(torch.optim, name)([tp[0]]).defaults["lr"])
    half = {"lr": float(lr) * 0.5}
    topt = getattr(torch.optim, name)([{"params": tp[:2]}, {"params": tp[2:], **half}],
                                      **kwargs)
    gopt = getattr(optim, name)([{"params": gp[:2]}, {"params": gp[2:], **half}],
                                **_to_gpuad(kwargs))
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    for k in range(steps):
        scale = 1.0 + 0.3 * math.sin(k)
        topt.zero_grad()
        gopt.zero_grad()
        sum((torch.sin(p) * torch.tensor(c) + 0.5 * p * p).sum() * scale
            for p, c in zip(tp, coef, strict=True)).backward()
        sum((gnp.sin(p) * gnp.asarray(c) + 0.5 * p * p).sum() * scale
            for p, c in zip(gp, coef, strict=True)).backward()
        topt.step()
        gopt.step()
        for i, (t, g) in enumerate(zip(tp, gp, strict=True)):
            want = t.detach().numpy()
            np.testing.assert_allclose(_np(g), want, rtol=rtol, atol=rtol,
                                       err_msg=f"step {k}: parameter {i}")
            assert _np(g).dtype == dtype
            tst = topt.state[t]
            gst = {DB_RENAME.get(key, key): v for key, v in gopt.state[i].items()}
            assert sorted(gst) == sorted(tst), f"step {k}: state keys of parameter {i}"
            for key, tv in tst.items():
                tv = tv.detach().numpy()
                gv = np.asarray(_np(gst[key]) if hasattr(gst[key], "shape") else gst[key])
                assert gv.shape == tv.shape, f"step {k}: state {key!r} of parameter {i}"
                np.testing.assert_allclose(gv, tv, rtol=rtol, atol=rtol * max(1.0, np.abs(
                    tv).max(initial=0.0)), err_msg=f"step {k}: state {key!r} of parameter {i}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", _db_cases("Adafactor") + _db_cases("Muon"), ids=_case_id)
def test_optim_db_configs_match_torch_every_step(backend, case, dtype):
    torch = pytest.importorskip("torch")
    name, oi = case
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # the scalars torch keeps in tensors (its step)
    try:
        _db_run(torch, name, oi.kwargs, dtype)
    finally:
        torch.set_default_dtype(old)


# generic checks of every optimizer, where gpuad's message is its own (or, for a parameter
# listed twice in a group, where torch warns and gpuad raises ValueError)
_GENERIC = {"invalid param type", "a param group cannot have duplicate parameters",
            "duplicate parameters should not occur across param groups either",
            "all optimizer params should be with/without names",
            "all optimizer param groups should be with/without names."}


@pytest.mark.parametrize("case", _db_cases("Adafactor", True) + _db_cases("Muon", True),
                         ids=_case_id)
def test_optim_db_error_inputs_raise_as_torch(backend, case):
    torch = pytest.importorskip("torch")
    name, e = case
    oi = e.optimizer_error_input
    params = oi.params
    if params is None:
        params = [torch.randn(2, 3, dtype=torch.float64, requires_grad=True)]
    gparams = _to_gpuad(params)
    if isinstance(gparams, ad.Tensor):
        gparams.requires_grad_(True)
    elif isinstance(gparams, list):
        for p in gparams:
            if isinstance(p, ad.Tensor) and not p.requires_grad:
                p.requires_grad_(True)
    kwargs = _to_gpuad(oi.kwargs)
    want = e.error_type
    if issubclass(want, Warning):  # torch warns; gpuad refuses
        want = ValueError
    with pytest.raises(want) as info:
        opt = getattr(optim, name)(gparams, **kwargs)
        assert e.error_on.name == "STEP_ERROR", f"{oi.desc}: gpuad made the optimizer"
        for p in opt.params:
            if p.grad is None:
                p.grad = ad.tensor(gnp.ones_like(p).numpy())
        opt.step()
    if oi.desc not in _GENERIC:
        import re

        assert re.search(e.error_regex, str(info.value)), (oi.desc, str(info.value))


@pytest.mark.parametrize("name,kw", [("Adafactor", {}), ("Adafactor", {"eps": (None, 0.1)}),
                                     ("Muon", {}), ("Muon", {"nesterov": False})])
def test_state_dict_round_trip_adafactor_muon(backend, name, kw):
    # checkpoint mid-training into a new optimizer over copies of the parameters: the same
    # iterates as the uninterrupted run, and torch's own from the start
    shapes = DB_SHAPES[name]
    rng = np.random.default_rng(2)
    x0 = [rng.normal(size=s) for s in shapes]
    ps = [ad.tensor(x.copy(), requires_grad=True) for x in x0]
    opt = getattr(optim, name)(ps, **kw)

    def train(opt, ps, n):
        for _ in range(n):
            opt.zero_grad()
            sum((gnp.sin(p) + p * p).sum() for p in ps).backward()
            opt.step()
    train(opt, ps, 3)
    copies = [ad.tensor(_np(p).copy(), requires_grad=True) for p in ps]
    opt2 = getattr(optim, name)(copies, lr=0.5)
    opt2.load_state_dict(opt.state_dict())
    train(opt, ps, 4)
    train(opt2, copies, 4)
    for a, b in zip(ps, copies, strict=True):
        np.testing.assert_array_equal(_np(b), _np(a))
    torch = _torch_or_none()
    if torch is not None:
        tp = [torch.tensor(x.copy(), requires_grad=True) for x in x0]
        topt = getattr(torch.optim, name)(tp, **kw)
        for _ in range(7):
            topt.zero_grad()
            sum((torch.sin(p) + p * p).sum() for p in tp).backward()
            topt.step()
        for a, t in zip(ps, tp, strict=True):
            np.testing.assert_allclose(_np(a), t.detach().numpy(), rtol=1e-12, atol=1e-13)
