"""``gnp.pad`` modes maximum, minimum, mean and median with ``stat_length``, and per-axis
constant values: values against NumPy and derivatives (both modes, second order) against
float64 central differences, on both backends (tests/conformance/test_jax_pad_stat_modes.py
compares jax.numpy's gradients at ties).
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conftest import to_numpy

MODES = ["maximum", "minimum", "mean", "median"]


@pytest.mark.parametrize("mode", MODES)
def test_values_match_numpy(backend, mode):
    xp = ad.get_backend().xp
    x = np.random.default_rng(0).standard_normal((3, 4))
    for width, kw in ((1, {}), ((2, 1), {"stat_length": 2}), (2, {"stat_length": 9}),
                      (((1, 0), (2, 3)), {"stat_length": ((1, 3), (2, 1))})):
        np.testing.assert_allclose(to_numpy(gnp.pad(xp.asarray(x), width, mode, **kw)),
                                   np.pad(x, width, mode, **kw), rtol=1e-14)


@pytest.mark.parametrize("mode", MODES)
def test_derivatives_match_finite_differences(backend, mode):
    # distinct values (no ties), so that every statistic is differentiable
    x = np.random.default_rng(1).permutation(12).reshape(3, 4) / 7.0 + 0.1
    check_grads(lambda v: gnp.sin(gnp.pad(v, ((1, 2), (2, 1)), mode,
                                          stat_length=((2, 3), (3, 2)))), (x,), order=2)


def test_tied_maxima_share_the_gradient(backend):
    xp = ad.get_backend().xp
    g = ad.grad(lambda v: gnp.pad(v, (1, 0), "maximum").sum())(xp.asarray([1.0, 3.0, 3.0]))
    # the padded value is max(v): its cotangent 1 is shared by the two tied maxima
    np.testing.assert_array_equal(to_numpy(g), [1.0, 1.5, 1.5])


def test_stat_length_zero_and_bad_arguments_raise(backend):
    xp = ad.get_backend().xp
    x = xp.asarray([1.0, 2.0])
    with pytest.raises(ValueError, match="pad: stat_length of 0"):
        gnp.pad(x, 1, "maximum", stat_length=0)
    with pytest.raises(ValueError, match="pad: stat_length can't contain negative"):
        gnp.pad(x, 1, "mean", stat_length=-1)
    with pytest.raises(ValueError, match="pad: can't extend empty axis 0"):
        gnp.pad(xp.zeros((0,)), 1, "median")
    with pytest.raises(ValueError, match="pad: unsupported keyword.*reflect_type"):
        gnp.pad(x, 1, "minimum", reflect_type="odd")
    assert np.isnan(to_numpy(gnp.pad(x, 1, "mean", stat_length=0))[[0, -1]]).all()


def test_per_axis_constant_values(backend):
    """constant mode with a (before, after) value per axis: NumPy's values (corners take the
    later axis's value), differentiable in the array and in the values."""
    xp = ad.get_backend().xp
    x = np.arange(6.0).reshape(2, 3)
    for cv in ((1.5, -1.0), ((1, 2), (3, 4)), [[1], [2]]):
        for width in (1, ((1, 0), (2, 1))):
            np.testing.assert_array_equal(
                to_numpy(gnp.pad(xp.asarray(x), width, constant_values=cv)),
                np.pad(x, width, constant_values=cv))
    check_grads(lambda v, c: gnp.pad(v, ((1, 2), (2, 1)), constant_values=c),
                (x, np.array([[1.0, 2.0], [3.0, 4.0]])), order=1)
    with pytest.raises(ValueError, match="pad: constant_values of shape"):
        gnp.pad(xp.asarray(x), 1, constant_values=[1.0, 2.0, 3.0])
