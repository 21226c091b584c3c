"""Module and function configurations of gpuad.nn that once gave values, gradients or
state dicts unlike torch's, or refused torch's options (found by
tests/conformance/nn_fuzz.py): each is checked here against a NumPy reference written from
torch's documented rule, and its gradient against central differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn.functional as F
from gpuad.testing import check_grads

RNG = np.random.default_rng(5)


def xp_(a):
    return ad.get_backend().xp.asarray(a)


@pytest.mark.parametrize(
    "nd,scale,picked",
    [
        (1, 1.3, [0, 0, 1]),  # 3 -> 3 elements: floor(i / 1.3), not a copy
        (1, 2.3, [0, 0, 0, 1, 1, 2]),  # 3 -> 6: floor(i / 2.3), not i // 2
        (3, 1.3, [0, 0, 1]),
        (2, 1.3, [0, 1, 2]),  # torch's 2-d kernel alone copies a kept size
        (2, 2.3, [0, 0, 1, 1, 2, 2]),  # ... and halves the index of a doubled one
    ],
)
def test_nearest_keeps_the_scale_when_the_size_is_kept_or_doubled(backend, nd, scale, picked):
    x = RNG.normal(size=(1, 2, 3) + (1,) * (nd - 1))
    y = F.interpolate(ad.tensor(xp_(x)), scale_factor=scale, mode="nearest")
    want = np.take(x, picked, axis=2)
    want = np.repeat(want, int(np.floor(scale)), axis=-1) if nd > 1 else want
    if nd == 3:
        want = np.repeat(want, int(np.floor(scale)), axis=-2)
    np.testing.assert_array_equal(to_numpy(y), want)
    if backend == "numpy":
        check_grads(lambda a: F.interpolate(a, scale_factor=scale, mode="nearest"), (x,),
                    order=1, modes=("rev",))


def test_loss_weights_are_buffers_in_the_state_dict(backend):
    # torch's weighted losses hold weight (and pos_weight) as buffers: a torch state dict of
    # a model that holds one loads, and a loaded weight is the one used
    import gpuad.nn as nn

    w, pw = np.array([0.5, 2.0, 1.0]), np.array([3.0, 0.5, 1.0])
    z, y = RNG.normal(size=(4, 3)), np.array([2, 0, 1, 1])
    ce = nn.CrossEntropyLoss(weight=xp_(w.copy()))
    assert sorted(ce.state_dict()) == ["weight"]
    ce.load_state_dict({"weight": xp_(w[::-1].copy())})
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    wr = w[::-1][y]
    want = -(wr * logp[np.arange(4), y]).sum() / wr.sum()
    np.testing.assert_allclose(float(to_numpy(ce(ad.tensor(xp_(z)), xp_(y)))), want, rtol=1e-12)
    bce = nn.BCEWithLogitsLoss(pos_weight=xp_(pw))
    assert sorted(bce.state_dict()) == ["pos_weight"]
    assert sorted(nn.BCEWithLogitsLoss(weight=xp_(w), pos_weight=xp_(pw)).state_dict()) == [
        "pos_weight", "weight"]
    for m in (nn.NLLLoss(weight=xp_(w)), nn.BCELoss(weight=xp_(w)),
              nn.MultiMarginLoss(weight=xp_(w)), nn.MultiLabelSoftMarginLoss(weight=xp_(w))):
        assert list(m.state_dict()) == ["weight"], type(m).__name__
    assert nn.NLLLoss().state_dict() == {}


def test_layer_norm_without_bias(backend):
    import gpuad.nn as nn

    m = nn.LayerNorm((2, 3), bias=False)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    g = RNG.normal(size=(2, 3))
    m.load_state_dict({"weight": xp_(g)})
    x = RNG.normal(size=(4, 2, 3))
    mu = x.mean((1, 2), keepdims=True)
    want = (x - mu) / np.sqrt(((x - mu) ** 2).mean((1, 2), keepdims=True) + 1e-5) * g
    np.testing.assert_allclose(to_numpy(m(ad.tensor(xp_(x)))), want, rtol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_of_empty_bags_depends_on_the_table(backend, mode):
    # every bag empty: zeros, as torch's, but a Tensor on the tape (it was a raw array, so
    # backward through it failed)
    w = ad.tensor(xp_(RNG.normal(size=(4, 3))), requires_grad=True)
    y = F.embedding_bag(xp_(np.zeros(0, np.int64)), w, xp_(np.array([0, 0])), mode=mode)
    assert isinstance(y, ad.Tensor) and y.requires_grad
    np.testing.assert_array_equal(to_numpy(y), np.zeros((2, 3)))
    (y * 2.0).sum().backward()
    np.testing.assert_array_equal(to_numpy(w.grad), np.zeros((4, 3)))


def test_norm_layers_without_bias(backend):
    # torch's BatchNorm/InstanceNorm/GroupNorm(bias=False): a scale and no shift
    import gpuad.nn as nn

    x = RNG.normal(size=(3, 2, 4))
    g = np.array([1.5, -0.5])
    for m, axes in [(nn.BatchNorm1d(2, bias=False), (0, 2)),
                    (nn.InstanceNorm1d(2, affine=True, bias=False), (2,)),
                    (nn.GroupNorm(2, 2, bias=False), (2,))]:
        assert [n for n, _ in m.named_parameters()] == ["weight"], type(m).__name__
        m.load_state_dict({**m.state_dict(), "weight": xp_(g)})
        mu = x.mean(axes, keepdims=True)
        want = (x - mu) / np.sqrt(x.var(axes, keepdims=True) + 1e-5) * g[:, None]
        np.testing.assert_allclose(to_numpy(m(ad.tensor(xp_(x)))), want, rtol=1e-12,
                                   err_msg=type(m).__name__)
