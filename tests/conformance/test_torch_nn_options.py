"""torch options of gpuad.nn once refused (found by nn_fuzz.py) against PyTorch: values to
1e-10, gradients to 1e-8 (float64). Where torch's own backward fails, its gradient of an
equivalent spelling is the reference (out-of-place leaky_relu, group_norm with a weight of
ones)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.nn as nn  # noqa: E402
import gpuad.nn.functional as F  # noqa: E402

RNG = np.random.default_rng(3)


def _both(fn_t, fn_g, *arrays):
    """Values and the gradients of sum(out * c) of torch's ``fn_t`` and gpuad's ``fn_g``."""
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    gs = [ad.tensor(a.copy(), requires_grad=True) for a in arrays]
    yt, yg = fn_t(*ts), fn_g(*gs)
    yg_h = np.asarray(yg.numpy())
    np.testing.assert_allclose(yg_h, yt.detach().numpy(), rtol=0,
                               atol=1e-10 * max(1.0, np.abs(yg_h).max(initial=0)))
    c = RNG.normal(size=tuple(yt.shape))
    gt = torch.autograd.grad((yt * torch.tensor(c)).sum(), ts)
    gg = ad.autograd.grad((yg * ad.tensor(c)).sum(), gs)
    for a, b in zip(gg, gt, strict=True):
        b = b.numpy()
        np.testing.assert_allclose(np.asarray(a.numpy()), b, rtol=0,
                                   atol=1e-8 * max(1.0, np.abs(b).max(initial=0)))


def _torch_aa_is_right(h, w, oh, ow, by_scale):
    # torch's CPU kernel: an output width of 1 takes the first row's weights for every row
    # when the height changes; its backward of an axis kept by a scale_factor resamples it
    return not (ow == 1 and oh != h) and not (by_scale and (oh == h or ow == w))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_antialias_by_size_agrees_with_torch(backend, mode, align_corners):
    if backend != "numpy":
        pytest.skip("compared on the host")
    ran = 0
    for h, w, oh, ow in itertools.product((1, 3, 7), (2, 6), (1, 2, 5), (2, 4, 9)):
        if not _torch_aa_is_right(h, w, oh, ow, False):
            continue
        x = RNG.normal(size=(2, 2, h, w))
        kw = dict(size=(oh, ow), mode=mode, align_corners=align_corners, antialias=True)
        _both(lambda v: TF.interpolate(v, **kw), lambda v: F.interpolate(v, **kw), x)
        ran += 1
    assert ran > 40


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialias_by_scale_agrees_with_torch(backend, mode):
    if backend != "numpy":
        pytest.skip("compared on the host")
    ran = 0
    for (h, w), sh, sw, rec in itertools.product(((5, 8), (9, 4)), (0.3, 0.5, 1.7), (0.4, 2.5),
                                                  (False, True)):
        oh, ow = int(np.floor(h * sh)), int(np.floor(w * sw))
        if not _torch_aa_is_right(h, w, oh, ow, True):
            continue
        x = RNG.normal(size=(1, 2, h, w))
        kw = dict(scale_factor=(sh, sw), mode=mode, antialias=True, recompute_scale_factor=rec)
        _both(lambda v: TF.interpolate(v, **kw), lambda v: F.interpolate(v, **kw), x)
        ran += 1
    assert ran > 15


def test_circular_pads_that_crop_agree_with_torch(backend):
    if backend != "numpy":
        pytest.skip("compared on the host")
    sizes = (5, 4, 3)  # the last axis first, as the widths
    ran = 0
    for widths in itertools.product(range(-3, 4), repeat=2):
        for k in (1, 2, 3):
            x = RNG.normal(size=(2, 2) + sizes[:k][::-1])
            pad = tuple(widths) * k
            left = [n + min(pad[0], 0) + min(pad[1], 0) for n in sizes[:k]]
            if min(pad) >= 0 or any(max(pad[:2]) > v or v < 0 for v in left):
                continue  # torch's forward is undefined there (gpuad raises)
            _both(lambda v: TF.pad(v, pad, mode="circular"),
                  lambda v: F.pad(v, pad, mode="circular"), x)
            ran += 1
    assert ran > 20


def test_area_to_an_output_size_of_zero_agrees_with_torch(backend):
    x = RNG.normal(size=(1, 2, 3, 4))
    for kw in (dict(size=(0, 2)), dict(scale_factor=(0.3, 1.0))):
        t = TF.interpolate(torch.tensor(x), mode="area", **kw)
        g = F.interpolate(ad.tensor(x), mode="area", **kw)
        assert tuple(g.shape) == tuple(t.shape)


def test_feature_alpha_dropout_and_hardtanh_keywords_agree_with_torch(backend):
    x = RNG.normal(size=5)
    tm, gm = torch.nn.FeatureAlphaDropout(0.4), nn.FeatureAlphaDropout(0.4)
    tm.eval()
    gm.eval()
    np.testing.assert_array_equal(np.asarray(gm(ad.tensor(x)).numpy()),
                                  tm(torch.tensor(x)).numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for kw in (dict(min_value=-0.2), dict(max_value=0.3, min_val=-2.0),
                   dict(min_value=-0.5, max_value=0.25)):
            t, g = torch.nn.Hardtanh(**kw), nn.Hardtanh(**kw)
            assert (g.min_val, g.max_val) == (t.min_val, t.max_val)
            _both(t, g, RNG.normal(size=(3, 4)))


def test_bias_only_group_norm_agrees_with_torch_given_unit_weights(backend):
    x, b = RNG.normal(size=(2, 4, 3)), RNG.normal(size=4)
    ones = torch.ones(4, dtype=torch.float64)
    _both(lambda v, c: TF.group_norm(v, 2, ones, c), lambda v, c: F.group_norm(v, 2, bias=c),
          x, b)


def test_inplace_leaky_relu_of_a_negative_slope_agrees_with_torchs_out_of_place(backend):
    x = RNG.normal(size=(3, 4))
    _both(lambda v: TF.leaky_relu(v, -0.3),
          lambda v: F.leaky_relu(v * 1.0, -0.3, inplace=True), x)
    _both(lambda v: TF.leaky_relu(v, -0.3),
          lambda v: nn.LeakyReLU(-0.3, inplace=True)(v * 1.0), x)
