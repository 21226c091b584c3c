"""The NumPy names built from primitives (diff, exp2, cbrt, sinc, median, ...)."""

import numpy as np
import pytest
from op_harness import check_op

import gpuad.numpy as gnp


@pytest.mark.parametrize("name, fn, arg", [
    ("diff", lambda m, x: m.diff(x, 2, axis=1), np.array([[0.3, 1.2, -0.7, 2.0]] * 2)),
    ("exp2", lambda m, x: m.exp2(x), np.array([0.5, -1.0, 2.0])),
    ("cbrt", lambda m, x: m.cbrt(x), np.array([0.5, -2.0, 3.0])),
    ("deg2rad", lambda m, x: m.deg2rad(x), np.array([30.0, -45.0])),
    ("rad2deg", lambda m, x: m.rad2deg(x), np.array([0.3, -1.0])),
    ("sinc", lambda m, x: m.sinc(x), np.array([0.3, -1.7, 2.2])),
    ("median_odd", lambda m, x: m.median(x, axis=1), np.array([[0.3, 1.2, -0.7], [2.0, 0.1, 0.5]])),
    ("median_even", lambda m, x: m.median(x), np.array([0.3, 1.2, -0.7, 2.0])),
])
def test_values_and_gradients(backend, name, fn, arg):
    check_op(fn, [arg], order=2)


def test_sinc_at_zero_is_finite(backend):
    import gpuad as ad

    g = ad.grad(lambda x: gnp.sum(gnp.sinc(x)))(np.array([0.0, 0.5]))
    assert np.all(np.isfinite(ad.tensor(g).numpy()))


def test_helpers_and_missing_names(backend):
    a, b = gnp.meshgrid(gnp.arange(3.0), gnp.arange(2.0))
    assert a.shape == (2, 3) and b.shape == (2, 3)
    assert gnp.allclose(gnp.ones(3), gnp.ones(3) + 1e-9)
    with pytest.raises(AttributeError, match="no differentiable 'fromregex'"):
        gnp.fromregex  # noqa: B018
