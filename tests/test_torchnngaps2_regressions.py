"""Regressions found porting the rest of torch's test_nn.py, test/nn/test_convolution.py and
test/nn/test_pooling.py (the comparisons with torch are in
tests/conformance/test_torch_nn_gaps2.py): nn.Unflatten's sizes, layer_norm's normalized_shape
against the input, group_norm's one-value groups and empty batches, InstanceNorm without affine
parameters given another channel count. Expected values are derived by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
import gpuad.numpy as gnp


def test_unflatten_refuses_sizes_that_are_not_ints(backend):
    with pytest.raises(TypeError, match="element of type float at pos 2"):
        nn.Unflatten(1, (2, 5, 5.0))
    with pytest.raises(TypeError, match="tuple or list"):
        nn.Unflatten(1, 10)
    y = nn.Unflatten(1, [2, np.int64(5)])(ad.tensor(np.arange(20.0).reshape(2, 10)))
    assert y.shape == (2, 2, 5)


def test_layer_norm_needs_the_inputs_trailing_shape(backend):
    x = ad.tensor(np.arange(6.0).reshape(2, 3))
    # it normalised over the last axis (size 3) for a normalized_shape of (10,), silently
    for ns in ((10,), (2,), (1, 2, 3), ()):
        with pytest.raises(ValueError, match="normalized_shape"):
            F.layer_norm(x, ns)
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(())(ad.tensor(np.ones(())))
    y = to_numpy(F.layer_norm(x, (3,), eps=0.0))
    np.testing.assert_allclose(y, np.tile([-np.sqrt(1.5), 0.0, np.sqrt(1.5)], (2, 1)))
    y2 = to_numpy(F.layer_norm(x, 3, eps=0.0))
    np.testing.assert_allclose(y2, y)


def test_group_norm_one_value_per_group_and_empty_batch(backend):
    # (1, 10, 1) in 10 groups: every group statistic is one value, normalised to 0
    with pytest.raises(ValueError, match="more than 1 value"):
        nn.GroupNorm(10, 10)(ad.tensor(np.ones((1, 10, 1))))
    # two examples: each group still has one value, but torch's rule counts N * C/G * spatial
    y = nn.GroupNorm(10, 10)(ad.tensor(np.ones((2, 10, 1))))
    np.testing.assert_array_equal(to_numpy(y), np.zeros((2, 10, 1)))
    m = nn.GroupNorm(2, 4)
    x = ad.tensor(np.ones((0, 4, 2, 2)), requires_grad=True)
    out = m(x)
    gnp.sum(out).backward()
    assert out.shape == (0, 4, 2, 2) and x.grad.shape == (0, 4, 2, 2)
    np.testing.assert_array_equal(to_numpy(m.weight.grad), np.zeros(4))


def test_instance_norm_without_affine_reads_the_inputs_channels(backend):
    x = np.array([[[1.0, 3.0], [2.0, 6.0]]])  # (1, 2, 2): two channels, num_features=4
    with pytest.warns(UserWarning, match="not used because affine=False"):
        y = nn.InstanceNorm1d(4, eps=0.0)(ad.tensor(x))
    np.testing.assert_allclose(to_numpy(y), [[[-1.0, 1.0], [-1.0, 1.0]]])
    with pytest.raises(ValueError, match="expected 4 channels"):
        nn.InstanceNorm1d(4, affine=True)(ad.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.InstanceNorm1d(2)(ad.tensor(x))


def test_fractional_max_pool_empty_batch_and_zero_output(backend):
    for nd in (2, 3):
        pool = getattr(nn, f"FractionalMaxPool{nd}d")
        x = ad.tensor(np.ones((0, 2) + (6,) * nd), requires_grad=True)
        y = pool(3, output_ratio=0.5)(x)
        gnp.sum(y).backward()
        assert y.shape == (0, 2) + (3,) * nd and x.grad.shape == x.shape
        y, idx = pool(2, output_size=(0,) * nd, return_indices=True)(
            ad.tensor(np.ones((2,) + (6,) * nd))
        )
        assert y.shape == (2,) + (0,) * nd and tuple(idx.shape) == (2,) + (0,) * nd
        with pytest.raises(ValueError, match="non-zero channels"):
            pool(2, output_size=2)(ad.tensor(np.ones((1, 0) + (6,) * nd)))
