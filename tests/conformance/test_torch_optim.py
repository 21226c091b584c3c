"""PyTorch's optimizer tests, ported to gpuad.optim.

Follows pytorch/pytorch test/test_optim.py (and the OptimizerInfo cases of
torch/testing/_internal/common_optimizers.py): SGD with momentum, dampening, Nesterov,
weight decay and maximize; Adam and AdamW with betas, eps, weight decay, amsgrad and maximize;
complex parameters; hyperparameter errors; the usual zero_grad/backward/step loop. Each
configuration runs on the Rosenbrock function and on a least-squares problem; the iterates are
compared with a NumPy transcription of the update rules torch documents and, where torch is
installed, with torch.optim itself.
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
