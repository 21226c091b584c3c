"""A 0-d array with ``axis=0`` or ``axis=-1``: NumPy's sum, prod, max, min, their NaN-ignoring
forms, ptp, the cumulative functions, compress and repeat take it (a reduction reduces nothing;
the others read the array as one of shape (1,)), where gpuad raised (repeat a bare IndexError).
mean, std, var, median, quantile and average refuse it in NumPy, and so in gpuad; a tuple
``(0,)`` is refused by most. Values, shapes and dtypes are NumPy's, gradients central
differences'."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

X0 = 0.7
H = 1e-6

# name: call(module, x, axis). Each result is a float array of x, so it has a gradient.
DIFFERENTIABLE = {
    "sum": lambda m, x, ax: m.sum(x, axis=ax),
    "sum_keepdims": lambda m, x, ax: m.sum(x, axis=ax, keepdims=True),
    "prod": lambda m, x, ax: m.prod(x, axis=ax),
    "max": lambda m, x, ax: m.max(x, axis=ax),
    "min": lambda m, x, ax: m.min(x, axis=ax),
    "amax": lambda m, x, ax: m.amax(x, axis=ax),
    "amin": lambda m, x, ax: m.amin(x, axis=ax),
    "nansum": lambda m, x, ax: m.nansum(x, axis=ax),
    "nanprod": lambda m, x, ax: m.nanprod(x, axis=ax),
    "nanmax": lambda m, x, ax: m.nanmax(x, axis=ax),
    "nanmin": lambda m, x, ax: m.nanmin(x, axis=ax),
    "nanmean": lambda m, x, ax: m.nanmean(x, axis=ax),
    "nanvar": lambda m, x, ax: m.nanvar(x, axis=ax),
    "nanstd": lambda m, x, ax: m.nanstd(x, axis=ax),
    "ptp": lambda m, x, ax: m.ptp(x, axis=ax),
    "cumsum": lambda m, x, ax: m.cumsum(x, axis=ax),
    "cumprod": lambda m, x, ax: m.cumprod(x, axis=ax),
    "nancumsum": lambda m, x, ax: m.nancumsum(x, axis=ax),
    "cumulative_sum": lambda m, x, ax: m.cumulative_sum(x, axis=ax),
    "cumulative_prod": lambda m, x, ax: m.cumulative_prod(x, axis=ax),
    "compress": lambda m, x, ax: m.compress([True], x, axis=ax),
    "repeat": lambda m, x, ax: m.repeat(x, 2, axis=ax),
    "take": lambda m, x, ax: m.take(x, 0, axis=ax),
    "squeeze": lambda m, x, ax: m.squeeze(x, axis=ax),
}
OTHER = {  # integer or boolean results
    "any": lambda m, x, ax: m.any(x > 0, axis=ax),
    "all": lambda m, x, ax: m.all(x > 0, axis=ax),
    "argmax": lambda m, x, ax: m.argmax(x, axis=ax),
    "argmin": lambda m, x, ax: m.argmin(x, axis=ax),
    "count_nonzero": lambda m, x, ax: m.count_nonzero(x, axis=ax),
    "nanargmax": lambda m, x, ax: m.nanargmax(x, axis=ax),
    "packbits": lambda m, x, ax: m.packbits(x > 0, axis=ax),
    "unpackbits": lambda m, x, ax: m.unpackbits((x * 10).astype(np.uint8), axis=ax),
}
REFUSED = {  # NumPy raises for every axis of a 0-d array
    "mean": lambda m, x, ax: m.mean(x, axis=ax),
    "std": lambda m, x, ax: m.std(x, axis=ax),
    "var": lambda m, x, ax: m.var(x, axis=ax),
    "median": lambda m, x, ax: m.median(x, axis=ax),
    "nanmedian": lambda m, x, ax: m.nanmedian(x, axis=ax),
    "quantile": lambda m, x, ax: m.quantile(x, 0.5, axis=ax),
    "percentile": lambda m, x, ax: m.percentile(x, 50.0, axis=ax),
    "average": lambda m, x, ax: m.average(x, axis=ax),
}
CALLS = {**DIFFERENTIABLE, **OTHER, **REFUSED}
AXES = [0, -1, (0,), (-1,), 1, -2]


def _numpy(name, axis):
    """NumPy's answer for the 0-d array X0, or the exception it raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(CALLS[name](np, np.array(X0), axis))
    except Exception as e:  # noqa: BLE001 (NumPy's refusal is the expected outcome)
        return e


@pytest.mark.parametrize("name", sorted(CALLS))
def test_zero_d_axis_as_numpy(backend, name):
    """gpuad accepts exactly what NumPy accepts, with its value, shape and dtype."""
    for axis in AXES:
        want = _numpy(name, axis)
        for x in (gnp.asarray(np.array(X0)), ad.tensor(gnp.asarray(np.array(X0)))):
            if isinstance(want, Exception):
                with pytest.raises((ValueError, TypeError, IndexError)):
                    CALLS[name](gnp, x, axis)
                continue
            got = to_numpy(CALLS[name](gnp, x, axis))
            assert got.shape == want.shape, (name, axis, got.shape, want.shape)
            assert got.dtype == want.dtype, (name, axis, got.dtype, want.dtype)
            np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=f"{name} axis={axis}")


def test_numpy_accepts_the_cases_swept():
    """The sweep is not vacuous: NumPy takes 0 and -1 here and refuses (0,) and 1."""
    for name in DIFFERENTIABLE:
        assert not isinstance(_numpy(name, 0), Exception), name
        assert not isinstance(_numpy(name, -1), Exception), name
        assert isinstance(_numpy(name, 1), Exception), name
    for name in REFUSED:
        assert isinstance(_numpy(name, 0), Exception), name


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
def test_zero_d_axis_gradient(backend, name):
    """The gradient of the summed result against float64 central differences of NumPy's."""
    def loss_np(v):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(np.sum(DIFFERENTIABLE[name](np, np.array(v), -1)))

    fd = (loss_np(X0 + H) - loss_np(X0 - H)) / (2 * H)
    for axis in (0, -1):
        g = ad.grad(lambda x, axis=axis: gnp.sum(DIFFERENTIABLE[name](gnp, x, axis)))(
            gnp.asarray(np.array(X0)))
        g = to_numpy(g)
        assert g.shape == ()
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8, err_msg=f"{name} axis={axis}")


def test_nanstd_gradient_of_one_value_slices(backend):
    """A slice holding one non-NaN value has std 0 whatever the value: gradient 0 there (the
    2-norm's subgradient, as std), where sqrt of the variance gave NaN."""
    y = np.array([[1.0, np.nan, 3.0, 4.5], [np.nan, 5.0, np.nan, np.nan]])
    g = to_numpy(ad.grad(lambda x: gnp.sum(gnp.nanstd(x, axis=1)))(gnp.asarray(y)))
    fd = np.zeros_like(y)
    for i in np.ndindex(y.shape):
        e = np.zeros_like(y)
        e[i] = H
        fd[i] = (np.sum(np.nanstd(y + e, axis=1)) - np.sum(np.nanstd(y - e, axis=1))) / (2 * H)
    np.testing.assert_allclose(g, np.where(np.isnan(y), 0.0, fd), rtol=1e-6, atol=1e-8)


def test_jax_nn_refuses_an_axis_of_a_0d_array(backend):
    """jax.nn refuses every axis of a 0-d array (NumPy's max and sum, which it uses, take 0)."""
    import gpuad.jax_nn as jnn

    x = gnp.asarray(np.array(X0))
    for f in (jnn.softmax, jnn.log_softmax, jnn.logsumexp):
        for axis in (0, -1):
            with pytest.raises(ValueError, match="out of bounds"):
                f(x, axis=axis)
        assert to_numpy(f(x, axis=None)).shape == ()
