"""``F.rrelu``, ``nn.RReLU`` and ``F.grid_sample(mode="bicubic")`` against torch in float64:
values and gradients (rrelu's training slopes are gpuad's own draws: torch's formula is fed
the slopes gpuad drew), plus central differences of the bicubic sampler in the grid."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.testing import check_grads

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(8)


def _torch_value_grads(fn, args, u):
    ts = [torch.tensor(a, requires_grad=True) for a in args]
    y = fn(*ts)
    (y * torch.tensor(u)).sum().backward()
    return [y.detach().numpy()] + [t.grad.numpy() for t in ts]


def _ours_value_grads(fn, args, u):
    ts = [ad.tensor(a, requires_grad=True) for a in args]
    y = fn(*ts)
    (y * u).sum().backward()
    return [np.asarray(y.numpy())] + [np.asarray(t.grad.numpy()) for t in ts]


def _close(got, want, tol=1e-12):
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("bounds", [(1 / 8, 1 / 3), (0.0, 0.5), (0.3, 0.3), (-0.5, 2.0)])
def test_rrelu_eval_matches_torch(bounds):
    x = RNG.normal(size=(4, 5))
    x[0, :3] = 0.0
    u = RNG.normal(size=x.shape)
    _close(
        _ours_value_grads(lambda t: F.rrelu(t, *bounds), [x], u),
        _torch_value_grads(lambda t: TF.rrelu(t, *bounds), [x], u),
    )
    m, tm = nn.RReLU(*bounds).eval(), torch.nn.RReLU(*bounds).eval()
    _close(_ours_value_grads(m, [x], u), _torch_value_grads(tm, [x], u))
    assert repr(m) == repr(tm)


def test_rrelu_training_is_torch_formula_with_gpuad_slopes():
    x = RNG.normal(size=(6, 7))
    x[0, :3] = 0.0
    u = RNG.normal(size=x.shape)
    with gnp.random.seeded(4):
        got = _ours_value_grads(lambda t: F.rrelu(t, 0.1, 0.3, training=True), [x], u)
    with gnp.random.seeded(4):
        slope = 0.1 + 0.2 * np.asarray(gnp.random.random(x.shape))
    assert 0.1 <= slope.min() and slope.max() <= 0.3
    # torch's rrelu_with_noise: noise = slope where x <= 0, else 1; y = x * noise; dy = noise
    noise = torch.tensor(np.where(x <= 0, slope, 1.0))
    _close(got, _torch_value_grads(lambda t: t * noise, [x], u))
    # the mean of many draws is torch's eval slope
    with gnp.random.seeded(0):
        y = F.rrelu(-np.ones(20000), 0.1, 0.3, training=True)
    assert abs(-np.mean(np.asarray(y)) - 0.2) < 3e-3


def test_rrelu_inplace_matches_torch_in_eval():
    x = RNG.normal(size=(3, 4))
    a, t = x.copy(), torch.tensor(x)
    F.rrelu_(a, 0.2, 0.4)
    TF.rrelu_(t, 0.2, 0.4)
    np.testing.assert_allclose(a, t.numpy(), rtol=1e-15)
    with pytest.raises(RuntimeError, match="[Ll]ower"):
        TF.rrelu(torch.tensor(x), 0.5, 0.2)
    with pytest.raises(ValueError, match="lower"):
        F.rrelu(x, 0.5, 0.2)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("shape", [(2, 3, 5, 6), (1, 2, 1, 4), (1, 1, 2, 1)])
def test_grid_sample_bicubic_matches_torch(shape, align_corners, padding_mode):
    x = RNG.normal(size=shape)
    g = RNG.uniform(-2.5, 2.5, size=(shape[0], 4, 3, 2))
    g[0, 0, 0] = [1.0, -1.0]  # corners and integer positions
    g[0, 0, 1] = [0.0, 0.5]
    u = RNG.normal(size=(shape[0], shape[1], 4, 3))

    def ours(a, b):
        return F.grid_sample(a, b, "bicubic", padding_mode, align_corners)

    def theirs(a, b):
        return TF.grid_sample(a, b, "bicubic", padding_mode, align_corners)

    _close(_ours_value_grads(ours, [x, g], u), _torch_value_grads(theirs, [x, g], u))
    if shape[0] == 2:
        check_grads(ours, [x, RNG.uniform(-1.2, 1.2, size=(2, 4, 3, 2))], order=1)


def test_grid_sample_bicubic_float32_matches_torch():
    x = RNG.normal(size=(1, 2, 4, 5)).astype(np.float32)
    g = RNG.uniform(-1.1, 1.1, size=(1, 3, 3, 2)).astype(np.float32)
    got = F.grid_sample(x, g, "bicubic", "reflection", align_corners=False)
    want = TF.grid_sample(torch.tensor(x), torch.tensor(g), "bicubic", "reflection", False)
    assert got.dtype == np.float32
    np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=2e-5, atol=2e-6)


def _inplace_run(lib, op, x0, u):
    tensor = ad.tensor if lib == "gpuad" else torch.tensor
    x = tensor(x0.copy(), requires_grad=True)
    h = x * 2.0
    assert op(h) is h
    (h * tensor(u)).sum().backward()
    if lib == "gpuad":
        return np.asarray(h.detach().numpy()), np.asarray(x.grad.numpy())
    return h.detach().numpy(), x.grad.numpy()


def test_rrelu_inplace_paths_match_torch_in_eval():
    x, u = RNG.normal(size=(3, 5)), RNG.normal(size=(3, 5))
    pairs = [
        (
            lambda h: F.rrelu(h, 0.2, 0.4, inplace=True),
            lambda h: TF.rrelu(h, 0.2, 0.4, inplace=True),
        ),
        (lambda h: F.rrelu_(h, 0.2, 0.4), lambda h: TF.rrelu_(h, 0.2, 0.4)),
        (nn.RReLU(0.2, 0.4, True).eval(), torch.nn.RReLU(0.2, 0.4, True).eval()),
    ]
    for ours, theirs in pairs:
        _close(_inplace_run("gpuad", ours, x, u), _inplace_run("torch", theirs, x, u))
    leaf = ad.tensor(x.copy(), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"rrelu\(inplace=True\).*leaf"):
        F.rrelu(leaf, inplace=True)
    with pytest.raises(RuntimeError, match="leaf"):
        TF.rrelu(torch.tensor(x, requires_grad=True), inplace=True)


def test_rrelu_inplace_training_uses_its_own_draws_in_the_gradient():
    x, u = RNG.normal(size=(4, 6)), RNG.normal(size=(4, 6))
    with gnp.random.seeded(9):
        h, g = _inplace_run("gpuad", lambda t: F.rrelu_(t, 0.1, 0.3, True), x, u)
    with gnp.random.seeded(9):
        slope = 0.1 + 0.2 * np.asarray(gnp.random.random(x.shape))
    noise = np.where(2 * x <= 0, slope, 1.0)
    np.testing.assert_allclose(h, 2 * x * noise, rtol=1e-14)
    np.testing.assert_allclose(g, 2 * u * noise, rtol=1e-14)
