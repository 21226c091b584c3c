"""Regressions found by the port of jax.numpy's remaining ``lax_numpy_test.py`` cases
(tests/conformance/test_jax_numpy_rest.py), checked here against NumPy and central differences
so that they run without JAX."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.backends import get_backend
from tests.conftest import to_numpy


def _fd_check(f, x, seed=0):
    """``<grad f(x), v>`` against central differences of ``f`` along a random ``v``."""
    v = np.random.default_rng(seed).standard_normal(x.shape)
    xp = get_backend()
    g = to_numpy(ad.grad(f)(xp.asarray(x)))
    h = 1e-6
    fd = (float(to_numpy(f(xp.asarray(x + h * v))))
          - float(to_numpy(f(xp.asarray(x - h * v))))) / (2 * h)
    assert abs(fd - float(np.sum(g * v))) <= 1e-6 * (1 + abs(fd))


@pytest.mark.parametrize("shift, axis", [(np.array(3), None), (np.array(1), 1),
                                         (2, np.array(0)), (np.array(-1), np.array([0, 1]))])
def test_roll_takes_zero_d_array_shifts_and_axes(backend, shift, axis):
    """A 0-d array shift (or axis) is one shift, as in NumPy and JAX (it raised TypeError)."""
    x = np.arange(12.0).reshape(3, 4)
    got = gnp.roll(get_backend().asarray(x), shift, axis=axis)
    np.testing.assert_array_equal(to_numpy(got), np.roll(x, shift, axis=axis))
    w = get_backend().asarray(np.random.default_rng(1).standard_normal((3, 4)))
    _fd_check(lambda v: gnp.sum(gnp.roll(v, shift, axis=axis) * w), x)


def test_interp_extrapolate_continues_the_end_segments(backend):
    """``left``/``right='extrapolate'`` (jax.numpy's) continue the first and last segments; any
    other string raises (it used to be returned as the value, a string array)."""
    xp = get_backend()
    xs, fs = np.array([1.0, 2.0, 4.0]), np.array([10.0, 20.0, 60.0])
    x = np.array([0.5, 1.5, 3.0, 5.0])
    got = gnp.interp(xp.asarray(x), xp.asarray(xs), xp.asarray(fs), left="extrapolate",
                     right="extrapolate")
    np.testing.assert_allclose(to_numpy(got), [5.0, 15.0, 40.0, 80.0])
    got = gnp.interp(xp.asarray(x), xp.asarray(xs), xp.asarray(fs), left="extrapolate")
    np.testing.assert_allclose(to_numpy(got), [5.0, 15.0, 40.0, 60.0])
    _fd_check(lambda f: gnp.sum(gnp.interp(xp.asarray(x), xp.asarray(xs), f, left="extrapolate",
                                           right="extrapolate") * xp.asarray(x)), fs)
    with pytest.raises(ValueError, match="interp.*'extrapolate'"):
        gnp.interp(xp.asarray(x), xp.asarray(xs), xp.asarray(fs), left="interpolate")


@pytest.mark.parametrize("name", ["cov", "corrcoef"])
def test_cov_corrcoef_refuse_an_integer_dtype(backend, name):
    """NumPy and JAX refuse ``dtype=int``; gpuad ignored it and returned float64."""
    x = get_backend().asarray(np.array([[1.0, 2.0, 4.0, 7.0], [2.0, 1.0, 5.0, 3.0]]))
    with pytest.raises(TypeError, match=f"{name}: dtype"):
        getattr(gnp, name)(x, dtype=int)
    assert getattr(gnp, name)(x, dtype=np.float32).dtype == np.float32


def test_put_along_axis_axis_none_writes_the_flattened_array(backend):
    """NumPy's ``axis=None`` (1-D indices into the flattened array) raised NotImplementedError."""
    xp = get_backend()
    want = np.arange(12.0).reshape(3, 4)
    got = xp.asarray(want)
    i, v = np.array([0, 5, -1, 5]), np.array([7.0, 8.0, 9.0, 10.0])
    np.put_along_axis(want, i, v, None)
    gnp.put_along_axis(got, xp.asarray(i), xp.asarray(v), None)
    np.testing.assert_array_equal(to_numpy(got), want)
    w = xp.asarray(np.random.default_rng(2).standard_normal((3, 4)))

    def f(u):
        y = gnp.reshape(u * 1.0, (3, 4))
        gnp.put_along_axis(y, xp.asarray(i[:2]), u[:2] * 3.0, None)
        return gnp.sum(y * w)
    _fd_check(f, np.arange(12.0))
    with pytest.raises(ValueError, match="put_along_axis.*single dimension"):
        gnp.put_along_axis(got, xp.asarray(np.array([[1]])), 1.0, None)


def test_host_index_out_of_range_raises_on_every_backend(backend):
    """Host NumPy arrays given to take/take_along_axis on the CuPy backend are moved there and
    indexed by CuPy, which wraps out-of-range entries around: ``take(x, [12])`` of ten values
    returned ``x[2]`` there. Both backends raise NumPy's IndexError."""
    x = np.arange(10.0)
    for call in (lambda: gnp.take(x, np.array([12])),
                 lambda: gnp.take(x.reshape(2, 5), np.array([0, -6]), axis=1),
                 lambda: gnp.take_along_axis(x, np.array([-11, 3]), axis=0),
                 lambda: gnp.take(get_backend().asarray(x), np.array([12]))):
        with pytest.raises(IndexError, match="out of bounds"):
            call()
    np.testing.assert_array_equal(to_numpy(gnp.take(x, np.array([-1, 3]))), [9.0, 3.0])


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_is_differentiable_in_its_spacing(backend, edge_order):
    """Coordinate arrays and scalar spacings being differentiated (jax.numpy's gradient is
    differentiable in them) raised NotImplementedError."""
    xp = get_backend()
    rng = np.random.default_rng(3)
    y = xp.asarray(rng.standard_normal((5, 6)))
    c0, c1 = np.cumsum(1 + rng.random(5)), np.cumsum(1 + rng.random(6))
    w = xp.asarray(rng.standard_normal((2, 5, 6)))
    _fd_check(lambda a: gnp.sum(gnp.stack(gnp.gradient(y, a, xp.asarray(c1),
                                                         edge_order=edge_order)) * w), c0)
    _fd_check(lambda h: gnp.sum(gnp.stack(gnp.gradient(y, h, 2.0, edge_order=edge_order))
                                * w), np.array(0.7))
    want = np.gradient(to_numpy(y), c0, c1, edge_order=edge_order)
    got = ad.vjp(lambda a: gnp.stack(gnp.gradient(y, a, xp.asarray(c1), edge_order=edge_order)),
                 xp.asarray(c0))[0]
    np.testing.assert_allclose(to_numpy(got), np.stack(want), rtol=1e-12)
