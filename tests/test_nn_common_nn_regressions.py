"""Entries of torch's older nn test tables (tests/conformance/test_torch_common_nn.py) that
gpuad.nn once refused or lacked: softmax of a 0-d input, margin losses of one-entry shapes,
``CrossMapLRN2d``. Each is checked against a NumPy computation of torch's rule and its
gradients against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
from gpuad.testing import check_grads

RNG = np.random.default_rng(17)


def xp_(a):
    return ad.get_backend().xp.asarray(a)


@pytest.mark.parametrize("fn,value", [(F.softmax, 1.0), (F.log_softmax, 0.0), (F.softmin, 1.0)])
@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_of_a_0d_input(backend, fn, value, dim):
    x = ad.tensor(xp_(np.array(0.7)), requires_grad=True)
    y = fn(x, dim=dim)
    assert y.shape == ()
    assert float(to_numpy(y)) == value
    check_grads(lambda v: fn(v, dim=dim), (np.array(-1.3),), order=2, modes=("rev",))
    with pytest.raises(ValueError, match="axis 1"):
        fn(x, dim=1)


def _multi_margin(x, y, margin=1.0):
    """torch's rule for one row: sum_{i != y} max(0, margin - x[y] + x[i]) / C."""
    z = np.maximum(margin - x[y] + x, 0.0)
    z[y] = 0.0
    return z.sum() / x.size


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_multi_margin_loss_of_one_row_keeps_the_targets_shape(backend, reduction):
    x = RNG.normal(size=6)
    want = _multi_margin(x, 2)
    for xs, ts in [((6,), (1,)), ((6,), ()), ((1, 6), ()), ((1, 6), (1,))]:
        t = xp_(np.full(ts, 2, dtype=np.int64))
        out = F.multi_margin_loss(ad.tensor(xp_(x.reshape(xs))), t, reduction=reduction)
        assert out.shape == (ts if reduction == "none" else ())
        np.testing.assert_allclose(to_numpy(out), np.full(out.shape, want), rtol=1e-14)
        check_grads(lambda v, t=t: F.multi_margin_loss(v, t, reduction=reduction),
                    (x.reshape(xs),), order=1, modes=("rev",))
    one = F.multi_margin_loss(ad.tensor(xp_(np.array(0.4))), xp_(np.array(0)))
    assert one.shape == () and float(to_numpy(one)) == 0.0  # one class: nothing to compare
    with pytest.raises(ValueError, match="multi_margin_loss"):
        F.multi_margin_loss(ad.tensor(xp_(x)), xp_(np.array([2, 1])))


def test_multilabel_margin_loss_of_one_class(backend):
    for xs, ts, label in [((), (), 0), ((), (1,), -1), ((1,), (), 0)]:
        x = ad.tensor(xp_(np.full(xs, 0.3)), requires_grad=True)
        out = F.multilabel_margin_loss(x, xp_(np.full(ts, label, dtype=np.int64)),
                                       reduction="none")
        assert out.shape == () and float(to_numpy(out)) == 0.0
        out.backward()
        assert float(to_numpy(x.grad).sum()) == 0.0
    with pytest.raises(IndexError, match="multilabel_margin_loss"):
        F.multilabel_margin_loss(ad.tensor(xp_(np.array(0.3))), xp_(np.array(1)))
    with pytest.raises(ValueError, match="multilabel_margin_loss"):
        F.multilabel_margin_loss(ad.tensor(xp_(np.zeros(3))), xp_(np.zeros(2, np.int64)))


def _cross_map_lrn(x, size, alpha, beta, k):
    h = (size - 1) // 2
    c = x.shape[1]
    s = np.stack([(x[:, max(0, i - h):i + h + 1] ** 2).sum(1) for i in range(c)], 1)
    return x / (k + alpha / size * s) ** beta


@pytest.mark.parametrize("size", [5, 4, 1])
def test_cross_map_lrn2d_sums_the_centred_channel_window(backend, size):
    x = RNG.normal(size=(2, 7, 3, 2))  # 7 channels: the window does not reach every channel
    m = nn.CrossMapLRN2d(size, alpha=0.6, beta=0.75, k=1.5)
    y = m(ad.tensor(xp_(x)))
    np.testing.assert_allclose(to_numpy(y), _cross_map_lrn(x, size, 0.6, 0.75, 1.5),
                               rtol=1e-13)
    check_grads(m, (x,), order=2, modes=("rev",))
    if size % 2:
        np.testing.assert_allclose(
            to_numpy(y), to_numpy(nn.LocalResponseNorm(size, 0.6, 0.75, 1.5)(ad.tensor(xp_(x)))),
            rtol=1e-13)
    with pytest.raises(ValueError, match="4-d"):
        m(ad.tensor(xp_(x[0])))
