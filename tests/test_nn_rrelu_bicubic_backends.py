"""``F.rrelu``/``nn.RReLU``/``F.rrelu_`` and ``F.grid_sample(mode="bicubic")`` on every
backend: values and gradients against the NumPy backend's (there also against central
differences), the random slopes' range and their use in the gradient, and the errors.
Comparisons with torch are in tests/conformance/test_torch_rrelu_bicubic.py."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.testing import check_grads

RNG = np.random.default_rng(5)
X = RNG.normal(size=(3, 4))
IMG = RNG.normal(size=(2, 2, 3, 4))
GRID = RNG.uniform(-1.3, 1.3, size=(2, 3, 2, 2))


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _seeded_rrelu(x):
    with gnp.random.seeded(11):
        return F.rrelu(x, 0.1, 0.3, training=True)


def _value_and_grads(fn, args, xp):
    ts = [ad.tensor(xp(a), requires_grad=True) for a in args]
    y = fn(*ts)
    u = np.random.default_rng(1).normal(size=y.shape)
    (y * ad.tensor(xp(u))).sum().backward()
    return [to_numpy(y)] + [to_numpy(t.grad) for t in ts]


def _bicubic(pm, ac):
    return lambda x, g: F.grid_sample(x, g, "bicubic", pm, align_corners=ac)


CASES = {
    "rrelu_eval": (lambda x: F.rrelu(x, 0.1, 0.3), [X]),
    "rrelu_train": (_seeded_rrelu, [X]),
    "bicubic_zeros": (_bicubic("zeros", False), [IMG, GRID]),
    "bicubic_border_corners": (_bicubic("border", True), [IMG, GRID]),
    "bicubic_reflection": (_bicubic("reflection", False), [IMG, GRID]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_numpy(backend, name):
    fn, args = CASES[name]
    if backend == "numpy":
        check_grads(fn, args, order=1, modes=("rev",))
    got = _value_and_grads(fn, args, xp_)
    with ad.use_backend("numpy"):
        ref = _value_and_grads(fn, args, np.asarray)
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_rrelu_slopes_are_drawn_in_range_and_differentiated(backend):
    x = ad.tensor(xp_(-np.abs(RNG.normal(size=(400,))) - 0.1), requires_grad=True)
    gnp.random.seed(3)
    y = F.rrelu(x, 0.2, 0.5, training=True)
    y.sum().backward()
    slope = to_numpy(y) / to_numpy(x)
    assert slope.min() >= 0.2 and slope.max() <= 0.5 and slope.std() > 0.05
    np.testing.assert_allclose(to_numpy(x.grad), slope, rtol=1e-13)
    # the mean slope in eval mode, torch's leaky_relu((lower + upper) / 2)
    np.testing.assert_allclose(to_numpy(F.rrelu(x, 0.2, 0.5)), 0.35 * to_numpy(x), rtol=1e-15)


def test_rrelu_module_modes_and_inplace(backend):
    m = nn.RReLU(0.1, 0.3, inplace=True)
    assert repr(m) == "RReLU(lower=0.1, upper=0.3, inplace=True)"
    assert repr(nn.RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)"
    x = ad.tensor(xp_(X), requires_grad=True)
    h = x * 1.0
    assert m(h) is h
    slope = np.where(X > 0, 1.0, to_numpy(h) / X)
    assert np.all((slope[X < 0] >= 0.1) & (slope[X < 0] <= 0.3))
    (h * h).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), 2 * X * slope * slope, rtol=1e-12)
    m.eval()
    raw = xp_(X.copy())
    assert m(raw) is raw
    np.testing.assert_allclose(to_numpy(raw), np.where(X > 0, X, 0.2 * X), rtol=1e-15)
    leaf = ad.tensor(xp_(X), requires_grad=True)
    with pytest.raises(Exception, match="rrelu"):
        F.rrelu_(leaf)


def test_rrelu_float32_and_errors(backend):
    x = xp_(X.astype(np.float32))
    assert F.rrelu(x, training=True).dtype == np.float32
    assert F.rrelu(x).dtype == np.float32
    for call in (
        lambda: F.rrelu(x, 0.5, 0.2),
        lambda: F.rrelu_(x, 0.5, 0.2, True),
        lambda: nn.RReLU(0.5, 0.2),
    ):
        with pytest.raises(ValueError, match="lower"):
            call()


def test_bicubic_grid_sample_refuses_5d_and_runs_under_jit(backend):
    with pytest.raises(ValueError, match="bicubic.*4-d"):
        F.grid_sample(xp_(np.ones((1, 1, 2, 2, 2))), xp_(np.zeros((1, 1, 1, 1, 3))), "bicubic")
    f = ad.jit(lambda x, g: F.grid_sample(x, g, "bicubic", "border"))
    for g in (GRID, GRID[::-1].copy()):
        np.testing.assert_allclose(
            to_numpy(f(xp_(IMG), xp_(g))),
            to_numpy(F.grid_sample(xp_(IMG), xp_(g), "bicubic", "border")),
            rtol=1e-13,
        )
