"""Non-finite inputs of the pools and the layout of a full backward hook's grad_output, on
every backend: adaptive average pooling keeps an inf or NaN in its own bins, max_unpool
places an infinite value as it is (its gradient the output's at the index), lp_pool passes a
zero gradient at an all-zero window, grad_output has one entry per Tensor output (None
where no gradient reaches it), and state_dict keeps torch's order and loads non-strictly.
Comparisons with torch are in tests/conformance/test_torch_nn_suite_more.py."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
from gpuad.testing import check_grads


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _adaptive_reference(x: np.ndarray, out: int) -> np.ndarray:
    """torch's bins over the last axis, summed one by one."""
    n = x.shape[-1]
    cols = []
    for i in range(out):
        lo, hi = (i * n) // out, -((-(i + 1) * n) // out)
        cols.append(x[..., lo:hi].mean(axis=-1))
    return np.stack(cols, axis=-1)


def test_adaptive_avg_pool_keeps_inf_and_nan_in_their_bins(backend):
    x = np.random.default_rng(0).normal(size=(2, 3, 7))
    x[0, 0, 1], x[0, 1, 5], x[1, 2, 3] = np.nan, np.inf, -np.inf
    got = to_numpy(F.adaptive_avg_pool1d(xp_(x), 3))
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(_adaptive_reference(x, 3)))
    np.testing.assert_allclose(got, _adaptive_reference(x, 3), rtol=1e-14)
    # 2-d, growing one axis and shrinking the other
    x2 = np.random.default_rng(1).normal(size=(1, 2, 5, 6))
    x2[0, 0, 2, 2] = np.inf
    got2 = to_numpy(F.adaptive_avg_pool2d(xp_(x2), (8, 4)))
    want2 = np.swapaxes(_adaptive_reference(np.swapaxes(_adaptive_reference(x2, 4), -1, -2), 8),
                        -1, -2)
    np.testing.assert_array_equal(np.isinf(got2), np.isinf(want2))
    assert np.isfinite(got2[0, 1]).all() and np.isfinite(got2).sum() == got2.size - np.isinf(
        want2).sum()
    if backend == "numpy":
        check_grads(lambda a: F.adaptive_avg_pool2d(a, (8, 4)),
                    [np.random.default_rng(2).normal(size=(1, 2, 5, 6))], order=2)


def test_max_unpool_places_an_infinite_value_and_passes_its_gradient(backend):
    y = np.array([[[[np.inf, 1.0], [2.0, -np.inf]]]])
    idx = np.array([[[[0, 3], [3, 15]]]])  # 3 repeated: the last value written stays
    t = ad.tensor(xp_(y), requires_grad=True)
    out = F.max_unpool2d(t, xp_(idx), 2)
    want = np.zeros(16)
    want[[0, 3, 15]] = [np.inf, 2.0, -np.inf]
    np.testing.assert_array_equal(to_numpy(out).reshape(-1), want)
    u = np.arange(16.0).reshape(1, 1, 4, 4) + 1
    out.backward(ad.tensor(xp_(u)))
    # the overwritten 1.0 does not reach the output: no gradient (torch's backward gave it 4)
    np.testing.assert_array_equal(to_numpy(t.grad).reshape(-1), [1.0, 0.0, 4.0, 16.0])
    # compiled, with the indices an argument of the program: the same gradient
    grad = ad.jit(ad.grad(lambda a, i: (F.max_unpool2d(a, i, 2) * ad.tensor(xp_(u))).sum()))
    fin = xp_(np.array([[[[0.5, 1.0], [2.0, -3.0]]]]))
    for i, kept in ((idx, [1, 0, 1, 1]), (np.array([[[[1, 2], [2, 14]]]]), [1, 0, 1, 1]),
                    (np.array([[[[1, 2], [3, 14]]]]), [1, 1, 1, 1])):
        want = (u.reshape(-1)[i.reshape(-1)] * kept).reshape(y.shape)
        np.testing.assert_array_equal(to_numpy(grad(fin, xp_(i))), want)
    if backend == "numpy":  # exact at repeated indices, both modes, second order
        check_grads(lambda a: F.max_unpool2d(a, xp_(idx), 2),
                    [np.arange(4.0).reshape(y.shape)], order=2)
    if backend == "numpy":
        check_grads(lambda a: F.max_unpool2d(a, xp_(np.array([[[[0, 5], [10, 15]]]])), 2),
                    [np.random.default_rng(3).normal(size=(1, 1, 2, 2))], order=2)


@pytest.mark.parametrize("p", [2.0, 3.0])
def test_lp_pool_gradient_is_zero_at_an_all_zero_window(backend, p):
    x = np.abs(np.random.default_rng(4).normal(size=(1, 1, 4, 4))) + 0.1
    x[0, 0, :2, :2] = 0.0
    t = ad.tensor(xp_(x), requires_grad=True)
    y = F.lp_pool2d(t, p, 2)
    y.sum().backward()
    g = to_numpy(t.grad)
    assert to_numpy(y)[0, 0, 0, 0] == 0.0
    np.testing.assert_array_equal(g[0, 0, :2, :2], 0.0)
    # elsewhere d/dx (sum x^p)^(1/p) = (x / norm)^(p - 1)
    win = x[0, 0, 2:, 2:]
    norm = (win**p).sum() ** (1 / p)
    np.testing.assert_allclose(g[0, 0, 2:, 2:], (win / norm) ** (p - 1), rtol=1e-12)


def test_backward_hook_grad_output_has_an_entry_per_tensor_output(backend):
    class Two(nn.Module):
        def forward(self, a, b):
            return a * 2, b * 3

    seen = []
    m = Two()
    m.register_full_backward_pre_hook(lambda mod, go: seen.append(("pre", go)))
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(("full", gi, go)))
    a = ad.tensor(xp_(np.ones(2)), requires_grad=True)
    o1, o2 = m(a, ad.tensor(xp_(np.ones(2))))  # the second output needs no gradient
    o1.sum().backward()
    (_, pre), (_, gi, go) = seen
    assert len(pre) == len(go) == 2 and pre[1] is None and go[1] is None
    np.testing.assert_array_equal(to_numpy(go[0]), [1.0, 1.0])
    assert len(gi) == 2 and gi[1] is None
    np.testing.assert_array_equal(to_numpy(gi[0]), [2.0, 2.0])
    # both outputs require grad but only the first is used: None for the other, as torch
    seen.clear()
    b = ad.tensor(xp_(np.ones(2)), requires_grad=True)
    o1, o2 = m(a, b)
    o1.sum().backward()
    assert seen[0][1][1] is None and seen[1][2][1] is None


def test_state_dict_order_and_non_strict_load(backend):
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Sequential(nn.Linear(3, 1)))
    # torch's order: each module's parameters, its buffers, then its submodules'
    assert list(m.state_dict()) == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked", "2.0.weight", "2.0.bias"]
    lin = nn.Linear(2, 3)
    bias = to_numpy(lin.bias).copy()
    res = lin.load_state_dict({"weight": xp_(np.ones((3, 2))), "junk": xp_(np.ones(1))},
                              strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["junk"]
    np.testing.assert_array_equal(to_numpy(lin.weight), np.ones((3, 2)))
    np.testing.assert_array_equal(to_numpy(lin.bias), bias)
    assert lin.load_state_dict(lin.state_dict()) == ([], [])
    with pytest.raises(KeyError, match="missing"):
        lin.load_state_dict({"weight": xp_(np.ones((3, 2)))})
    with pytest.raises(ValueError, match="shape"):
        lin.load_state_dict({"weight": xp_(np.ones((2, 2)))}, strict=False)
    w = xp_(np.full((3, 2), 2.0))
    lin.load_state_dict({"weight": w, "bias": xp_(np.zeros(3))}, assign=True)
    np.testing.assert_array_equal(to_numpy(lin.weight), np.full((3, 2), 2.0))
