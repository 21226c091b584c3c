"""``gpuad.nn.functional.cdist``: derivatives against float64 central differences (both modes,
second order) on both backends, and torch's subgradients at zero distances and ties checked
against the formulas they come from (tests/conformance/test_torch_cdist.py compares torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn.functional as F
from gpuad.testing import check_grads
from tests.conftest import to_numpy


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 3.0, math.inf])
@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"])
def test_cdist_derivatives_match_finite_differences(backend, p, mode):
    rng = np.random.default_rng(1)
    # batch dims broadcast: (2, 1) against (3,)
    a, b = rng.standard_normal((2, 1, 3, 2)), rng.standard_normal((3, 4, 2))
    order = 1 if p in (1.0, math.inf) else 2  # piecewise linear: second derivative 0 (kinks)
    check_grads(lambda x, y: F.cdist(x, y, p, mode), (a, b), order=order)


def test_zero_distance_passes_no_gradient(backend):
    """At a zero distance the distance has no derivative; like torch, gpuad passes 0 there
    (a subgradient) for every p, and the other distances pass ``sign(d) |d|^(p-1) / D^(p-1)``."""
    xp = ad.get_backend().xp
    a = np.array([[0.5, -1.0], [2.0, 1.0]])
    b = np.array([[0.5, -1.0]])
    for p in (0.5, 1.0, 2.0, 3.0, math.inf):
        for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
            g = ad.grad(lambda x, p=p, mode=mode: F.cdist(x, xp.asarray(b), p, mode).sum())(
                xp.asarray(a))
            d = a[1] - b[0]
            if p == math.inf:
                want = np.sign(d) * (np.abs(d) == np.abs(d).max())
            else:
                dist = (np.abs(d) ** p).sum() ** (1 / p)
                want = np.sign(d) * np.abs(d) ** (p - 1) / dist ** (p - 1)
            np.testing.assert_allclose(to_numpy(g), np.stack([np.zeros(2), want]), atol=1e-12)


def test_inf_norm_ties_each_pass_the_gradient(backend):
    xp = ad.get_backend().xp
    a, b = np.array([[1.0, 2.0, 0.0]]), np.array([[0.0, 3.0, 0.5]])  # |d| = 1, 1, 0.5
    g = ad.grad(lambda x: F.cdist(x, xp.asarray(b), math.inf).sum())(xp.asarray(a))
    np.testing.assert_array_equal(to_numpy(g), [[1.0, -1.0, 0.0]])


def test_empty_and_zero_width_inputs(backend):
    xp = ad.get_backend().xp
    out = F.cdist(ad.tensor(xp.zeros((0, 3)), requires_grad=True), xp.ones((2, 3)))
    assert out.shape == (0, 2)
    x = ad.tensor(xp.zeros((2, 0)), requires_grad=True)
    for p in (0.0, 1.0, 2.0, math.inf):
        np.testing.assert_array_equal(to_numpy(F.cdist(x, xp.zeros((3, 0)), p)), np.zeros((2, 3)))


def test_bad_arguments_name_cdist(backend):
    xp = ad.get_backend().xp
    with pytest.raises(ValueError, match="cdist.*same number of columns"):
        F.cdist(xp.ones((2, 3)), xp.ones((2, 4)))
    with pytest.raises(ValueError, match="cdist.*non-negative"):
        F.cdist(xp.ones((2, 3)), xp.ones((2, 3)), -1.0)
    with pytest.raises(ValueError, match="cdist.*broadcast"):
        F.cdist(xp.ones((2, 2, 3)), xp.ones((3, 2, 3)))
    with pytest.raises(TypeError, match="cdist.*floating"):
        F.cdist(xp.ones((2, 3), dtype=xp.int64), xp.ones((2, 3)))
