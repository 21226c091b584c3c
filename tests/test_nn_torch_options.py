"""torch options of gpuad.nn that were once refused where torch computes (found by
tests/conformance/nn_fuzz.py): antialiased resampling, 'circular' pads that crop, 'area'
resampling to nothing, FeatureAlphaDropout of a 1-d input in eval, Hardtanh's deprecated
keywords, bias-only group_norm and in-place leaky_relu of a negative slope. Each against a
NumPy reference written from torch's rule, its gradient against central differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
from gpuad.testing import check_grads

RNG = np.random.default_rng(11)


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _aa_matrix(n: int, m: int, cubic: bool) -> np.ndarray:
    """Antialiased resampling of n to m (by size) as an (m, n) matrix, written from the rule:
    output i averages the inputs j whose centre is within the kernel's support of its own
    centre, the kernel stretched by the ratio when it exceeds 1, weights summing to 1."""
    r = n / m
    stretch = max(r, 1.0)
    out = np.zeros((m, n))
    for i in range(m):
        c = r * (i + 0.5)
        t = np.abs((np.arange(n) + 0.5 - c) / stretch)
        if cubic:
            a = -0.5
            w = np.where(t < 1, ((a + 2) * t - (a + 3)) * t * t + 1,
                         np.where(t < 2, ((a * t - 5 * a) * t + 8 * a) * t - 4 * a, 0.0))
        else:
            w = np.maximum(0.0, 1.0 - t)
        out[i] = w / w.sum()
    return out


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialias_downsampling_averages_under_the_stretched_kernel(backend, mode):
    x = RNG.normal(size=(1, 2, 7, 5))
    y = F.interpolate(ad.tensor(xp_(x)), size=(3, 2), mode=mode, antialias=True)
    a, b = _aa_matrix(7, 3, mode == "bicubic"), _aa_matrix(5, 2, mode == "bicubic")
    np.testing.assert_allclose(to_numpy(y), np.einsum("ih,nchw,jw->ncij", a, x, b),
                               rtol=1e-12, atol=1e-12)
    check_grads(lambda v: F.interpolate(v, size=(3, 2), mode=mode, antialias=True), (x,),
                order=1, modes=("rev",))


def test_antialias_copies_a_kept_axis_and_needs_an_interpolating_mode(backend):
    x = RNG.normal(size=(1, 1, 4, 3))
    y = F.interpolate(ad.tensor(xp_(x)), scale_factor=(0.5, 1.2), mode="bilinear",
                      antialias=True)  # width 3 -> 3: copied, whatever the scale
    np.testing.assert_allclose(to_numpy(y), np.einsum("ih,nchw->nciw", _aa_matrix(4, 2, False), x),
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="antialias"):
        F.interpolate(ad.tensor(xp_(x)), size=(2, 2), mode="nearest", antialias=True)


@pytest.mark.parametrize("widths", [(2, -1), (-1, 2), (-2, -1), (1, -3), (-4, 0)])
def test_circular_pad_crops_then_wraps(backend, widths):
    x = RNG.normal(size=(2, 4))
    b, a = widths
    kept = x[:, max(-b, 0):4 - max(-a, 0)]
    want = np.pad(kept, ((0, 0), (max(b, 0), max(a, 0))), mode="wrap")
    y = F.pad(ad.tensor(xp_(x)), widths, mode="circular")
    np.testing.assert_array_equal(to_numpy(y), want)
    check_grads(lambda v: F.pad(v, widths, mode="circular"), (x,), order=1, modes=("rev",))


def test_circular_pad_past_what_a_crop_leaves_raises(backend):
    x = ad.tensor(xp_(np.arange(8.0).reshape(2, 4)))
    for widths in [(3, -3), (-2, 3), (-4, 1)]:
        with pytest.raises(ValueError, match="circular"):
            F.pad(x, widths, mode="circular")
    np.testing.assert_array_equal(to_numpy(x), np.arange(8.0).reshape(2, 4))


def test_area_to_an_output_size_of_zero_is_empty(backend):
    x = ad.tensor(xp_(RNG.normal(size=(1, 2, 3, 4))), requires_grad=True)
    y = F.interpolate(x, size=(0, 2), mode="area")
    assert tuple(y.shape) == (1, 2, 0, 2)
    (g,) = ad.autograd.grad(y.sum(), [x])
    np.testing.assert_array_equal(to_numpy(g), np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match="area"):
        F.interpolate(x, size=(0, 2), mode="bilinear")


def test_feature_alpha_dropout_passes_a_1d_input_where_nothing_is_drawn(backend):
    x = xp_(RNG.normal(size=5))
    m = nn.FeatureAlphaDropout(0.3)
    m.eval()
    np.testing.assert_array_equal(to_numpy(m(ad.tensor(x))), to_numpy(x))
    np.testing.assert_array_equal(to_numpy(F.feature_alpha_dropout(x, 0.0, training=True)),
                                  to_numpy(x))
    m.train()
    with pytest.raises(ValueError, match="feature_alpha_dropout"):
        m(ad.tensor(x))


def test_hardtanh_takes_the_deprecated_keywords(backend):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = nn.Hardtanh(min_value=-0.25, max_value=0.5)
    assert any(issubclass(w.category, FutureWarning) for w in caught)
    assert (m.min_val, m.max_val) == (-0.25, 0.5)
    x = RNG.normal(size=6)
    np.testing.assert_array_equal(to_numpy(m(ad.tensor(xp_(x)))), np.clip(x, -0.25, 0.5))


def test_group_norm_with_a_bias_and_no_weight(backend):
    x, b = RNG.normal(size=(2, 4, 3)), RNG.normal(size=4)
    g = x.reshape(2, 2, 6)
    want = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5))
    want = want.reshape(2, 4, 3) + b[:, None]
    y = F.group_norm(ad.tensor(xp_(x)), 2, bias=ad.tensor(xp_(b)))
    np.testing.assert_allclose(to_numpy(y), want, rtol=1e-12, atol=1e-12)
    check_grads(lambda v, c: F.group_norm(v, 2, bias=c), (x, b), order=1, modes=("rev",))


def test_inplace_leaky_relu_with_a_negative_slope_differentiates(backend):
    x = RNG.normal(size=(3, 4))
    y = F.leaky_relu(ad.tensor(xp_(x)) * 1.0, -0.3, inplace=True)
    np.testing.assert_allclose(to_numpy(y), np.where(x > 0, x, -0.3 * x), rtol=1e-15)
    check_grads(lambda v: F.leaky_relu(v * 1.0, -0.3, inplace=True), (x,), order=1,
                modes=("rev",))
