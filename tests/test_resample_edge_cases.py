"""Edge cases of ``F.grid_sample``, ``F.interpolate`` and ``F.affine_grid`` found by the torch
port (tests/conformance/test_torch_resample_suite.py): non-finite grid entries, far-out
reflection, integer inputs, mixed dtypes and the refused sizes. Expected values are derived by
hand from the padding rules written in the docstrings of gpuad/nn/resample.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp

pytestmark = pytest.mark.usefixtures("backend")  # each test on every backend
NAN, INF = float("nan"), float("inf")
RAMP = np.array([1.0, 2.0, 3.0, 4.0])  # sampling it at pixel position c gives 1 + c


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _sample(x_coord, nd, **kw):
    """The ramp sampled at the normalised x ``x_coord`` (y, z = 0 on single rows)."""
    x = RAMP.reshape((1, 1) + (1,) * (nd - 1) + (4,))
    g = np.array([x_coord] + [0.0] * (nd - 1)).reshape((1,) * (nd + 1) + (nd,))
    return float(to_numpy(F.grid_sample(ad.tensor(xp_(x)), ad.tensor(xp_(g)), **kw)).ravel()[0])


@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_non_finite_positions(align_corners):
    """A NaN grid entry read an index of -2**63 (IndexError); an infinite one under
    align_corners=False was NaN before the border clip. Now: border clips +-inf to the last
    and first pixel and puts NaN on the first (2-d) or last (3-d); reflection puts NaN and
    +-inf there too; zeros gives 0 (nearest; 3-d bilinear, whose corners outside are
    skipped) or NaN (2-d bilinear, which multiplies them)."""
    kw = dict(align_corners=align_corners)
    for mode in ("bilinear", "nearest"):
        assert _sample(INF, 2, mode=mode, padding_mode="border", **kw) == 4.0
        assert _sample(-INF, 2, mode=mode, padding_mode="border", **kw) == 1.0
        assert _sample(NAN, 2, mode=mode, padding_mode="border", **kw) == 1.0
        assert _sample(NAN, 3, mode=mode, padding_mode="border", **kw) == 4.0
        for v in (NAN, INF, -INF):
            assert _sample(v, 2, mode=mode, padding_mode="reflection", **kw) == 1.0
            assert _sample(v, 3, mode=mode, padding_mode="reflection", **kw) == 4.0
            assert _sample(v, 3, mode=mode, padding_mode="zeros", **kw) == 0.0
    assert _sample(NAN, 2, mode="nearest", padding_mode="zeros", **kw) == 0.0
    assert math.isnan(_sample(NAN, 2, mode="bilinear", padding_mode="zeros", **kw))


def test_grid_sample_nan_grid_backward_runs():
    x = ad.tensor(xp_(RAMP.reshape(1, 1, 1, 4)), requires_grad=True)
    g = ad.tensor(xp_(np.array([NAN, 0.0, -0.5, 0.0]).reshape(1, 1, 2, 2)), requires_grad=True)
    gnp.sum(F.grid_sample(x, g, padding_mode="border", align_corners=True)).backward()
    # the NaN point reads pixel 0 with weight 1; -0.5 is pixel 0.75: weights 0.25, 0.75
    np.testing.assert_allclose(to_numpy(x.grad).ravel(), [1.25, 0.75, 0.0, 0.0])
    np.testing.assert_allclose(to_numpy(g.grad).ravel()[2:], [1.5, 0.0])  # d/dgx = (n-1)/2
    # 3-d reflection: the NaN point reads the last pixel; its grid gradient was NaN (0 * NaN in
    # the reflection's adjoint), now 0
    x = ad.tensor(xp_(RAMP.reshape(1, 1, 1, 1, 4)), requires_grad=True)
    g = ad.tensor(xp_(np.array([NAN, 0, 0, -0.5, 0, 0]).reshape(1, 1, 1, 2, 3)), requires_grad=True)
    gnp.sum(F.grid_sample(x, g, padding_mode="reflection", align_corners=True)).backward()
    np.testing.assert_allclose(to_numpy(x.grad).ravel(), [0.25, 0.75, 0.0, 1.0])
    np.testing.assert_allclose(to_numpy(g.grad).ravel(), [0.0, 0, 0, 1.5, 0, 0])


def test_grid_sample_3d_reflection_far_out():
    """torch's 3-d kernel reflects by the exact remainder: x = 1e30 with align_corners is the
    pixel position 1.5e30, which is 2 (mod 3) after an even number of flips: ramp value 3.
    The old ``a - floor(a / 3) * 3`` lost every digit and gave 0 (value 1)."""
    a = (1e30 + 1) / 2 * 3
    rest, flips = math.fmod(a, 3), math.floor(a / 3)
    pos = rest if flips % 2 == 0 else 3 - rest
    assert pos == 2.0
    got = _sample(1e30, 3, mode="bilinear", padding_mode="reflection", align_corners=True)
    assert got == 1.0 + pos


def test_grid_sample_dtypes_refused():
    """An integer input, or a grid of another float dtype, was silently promoted (torch
    refuses both)."""
    x, g = np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 2))
    with pytest.raises(RuntimeError, match=r"grid_sample: .*float32 \(1, 1, 2, 2\) and float64"):
        F.grid_sample(ad.tensor(xp_(x.astype(np.float32))), ad.tensor(xp_(g)))
    with pytest.raises(NotImplementedError, match="grid_sample: .*int64"):
        F.grid_sample(ad.tensor(xp_(x.astype(np.int64))), ad.tensor(xp_(g)))
    with pytest.raises(RuntimeError, match=r"grid_sample: .*non-empty.*\(1, 1, 0, 2\)"):
        F.grid_sample(ad.tensor(xp_(np.zeros((1, 1, 0, 2)))), ad.tensor(xp_(g)))


def test_interpolate_integers_only_nearest():
    """uint8 bilinear weighed with weights cast to uint8 (all 0 or 1): a 2x upsampling of a
    constant 100 image gave 0s and 100s. Interpolating modes now refuse integers; nearest
    still copies them."""
    x = ad.tensor(xp_(np.full((1, 1, 2, 2), 100, np.uint8)))
    for mode in ("bilinear", "bicubic", "area"):
        with pytest.raises(
            NotImplementedError, match=f"interpolate: mode '{mode}' needs a floating"
        ):
            F.interpolate(x, scale_factor=2, mode=mode)
    y = F.interpolate(x, scale_factor=2, mode="nearest")
    assert to_numpy(y).dtype == np.uint8 and (to_numpy(y) == 100).all()
    np.testing.assert_allclose(
        to_numpy(
            F.interpolate(
                ad.tensor(xp_(np.full((1, 1, 2, 2), 100.0))), scale_factor=2, mode="bilinear"
            )
        ),
        100.0,
    )


def test_interpolate_bad_sizes():
    x = ad.tensor(xp_(np.zeros((1, 1, 4))))
    with pytest.raises(TypeError, match="interpolate: size must be integers, got 3.5"):
        F.interpolate(x, size=3.5)  # was truncated to 3
    for sf in (NAN, INF):
        with pytest.raises(
            RuntimeError, match=r"interpolate: scale_factor must be finite.*\(1, 1, 4\)"
        ):
            F.interpolate(x, scale_factor=sf)
    with pytest.raises(RuntimeError, match=r"interpolate: .*channels.*\(1, 0, 4\)"):
        F.interpolate(ad.tensor(xp_(np.zeros((1, 0, 4)))), size=3)  # was an empty result
    with pytest.raises(ValueError, match=r"interpolate: .*\(1, 1, 4\)"):  # older catches still work
        F.interpolate(x, size=0)
    with pytest.raises(NotImplementedError, match=r"interpolate: mode 'bilinear' .*\(1, 1, 4\)"):
        F.interpolate(x, size=3, mode="bilinear")


def test_affine_grid_bad_sizes():
    theta = ad.tensor(xp_(np.zeros((2, 2, 3))))
    with pytest.raises(
        ValueError, match=r"affine_grid: expected a positive size, got \(2, 1, 0, 4\)"
    ):
        F.affine_grid(theta, (2, 1, 0, 4))  # was an empty grid
    with pytest.raises(RuntimeError, match=r"affine_grid: theta \(2, 2, 3\) has 2 maps .* batch 3"):
        F.affine_grid(theta, (3, 1, 2, 4))
    with pytest.raises(NotImplementedError, match=r"affine_grid: size must be .* \(2, 1, 3\)"):
        F.affine_grid(theta, (2, 1, 3))
    with pytest.raises(ValueError, match="affine_grid: theta must be floating"):
        F.affine_grid(ad.tensor(xp_(np.zeros((2, 2, 3), np.int64))), (2, 1, 2, 2))
