"""affine_grid and grid_sample round as torch does. The identity ``affine_grid`` (a spatial
transformer's initial map) puts every grid point on a pixel centre, where bilinear sampling
has a kink: which one-sided derivative the grid gets is decided by the last bit of the
position. torch's linspace rounds ``-1 + step * i`` (and ``1 - step * (n - 1 - i)``) once,
and its 2-d sampler rounds ``(g + 1) * (n / 2) - 0.5`` once; rounding twice put some points
just across the kink and gave the grid gradient of the neighbouring interval."""

from fractions import Fraction

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad.nn import functional as F


def _torch_linspace(n):
    """-1..1 in n points, each rounded once from its exact value."""
    step = Fraction(2.0 / (n - 1))
    return np.array([float(-1 + step * i) if i < n // 2 else float(1 - step * (n - 1 - i))
                     for i in range(n)])


@pytest.mark.parametrize("n", [6, 7, 12, 28])
@pytest.mark.parametrize("align_corners", [False, True])
def test_identity_grid_is_torchs_linspace(backend, n, align_corners):
    xp = ad.get_backend().xp
    grid = to_numpy(F.affine_grid(ad.tensor(xp.asarray(np.eye(2, 3)[None])), (1, 1, n, n),
                                  align_corners=align_corners))
    expect = _torch_linspace(n)
    if not align_corners:
        expect = (expect * (n - 1)) / n
    np.testing.assert_array_equal(grid[0, 0, :, 0], expect)
    np.testing.assert_array_equal(grid[0, :, 0, 1], expect)


@pytest.mark.parametrize("n", [7, 12, 28])
def test_grid_gradient_at_pixel_centres_is_torchs_one_sided_derivative(backend, n):
    xp = ad.get_backend().xp
    x = np.random.default_rng(n).normal(size=(1, 1, n, n))
    grid = F.affine_grid(ad.tensor(xp.asarray(np.eye(2, 3)[None])), (1, 1, n, n),
                         align_corners=False).detach()
    g = ad.tensor(grid.data, requires_grad=True)
    F.grid_sample(ad.tensor(xp.asarray(x)), g, align_corners=False).sum().backward()
    gx = to_numpy(g.grad)[0, :, :, 0]
    gpos = to_numpy(grid)[0, 0, :, 0]
    for j in range(n):
        ix = float(Fraction(float(gpos[j] + 1)) * Fraction(n, 2) - Fraction(1, 2))  # once
        lo = int(np.floor(ix))
        right = x[0, 0, :, lo + 1] if lo + 1 < n else 0.0
        left = x[0, 0, :, lo] if lo >= 0 else 0.0
        wy = 1.0  # on the row centres: the row weights are 1 and 0
        np.testing.assert_allclose(gx[:, j], (right - left) * wy * n / 2, rtol=1e-12,
                                   atol=1e-12, err_msg=f"column {j}")
