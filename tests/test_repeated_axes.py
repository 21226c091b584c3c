"""An axis named twice or out of range raises, as in NumPy and torch, instead of being
merged or wrapped around: ``x.sum(dim=(1, 1))``, ``x.squeeze(dim=(0, -3))``, ``gnp.flip(x,
(1, 1))``, ``gnp.cumsum(x, axis=3)`` on a 3-d array (which summed along axis 0), ``gnp.diff``,
``concatenate``, ``stack``, ``trapezoid``, ``gradient``. ``gnp.roll`` with a repeated axis
rolls by the sum of its shifts, as NumPy's."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

X = np.arange(1.0, 7.0).reshape(2, 1, 3)


def _t():
    return ad.tensor(gnp.asarray(X))


@pytest.mark.parametrize("dims", [(1, 1), (0, -3), (0, 1, 2, 2)])
def test_reductions_and_flips_refuse_a_repeated_dim(backend, dims):
    t = _t()
    calls = {
        "sum": lambda: t.sum(dim=dims), "mean": lambda: t.mean(dim=dims, keepdim=True),
        "amax": lambda: t.amax(dim=dims), "std": lambda: t.std(dim=dims),
        "logsumexp": lambda: t.logsumexp(dim=dims), "nansum": lambda: t.nansum(dim=dims),
        "flip": lambda: t.flip(dims), "squeeze": lambda: t.squeeze(dim=dims),
        "gnp.sum": lambda: gnp.sum(t, axis=dims), "gnp.var": lambda: gnp.var(t, axis=dims),
        "gnp.flip": lambda: gnp.flip(t, dims), "gnp.squeeze": lambda: gnp.squeeze(t, dims),
        "gnp.median": lambda: gnp.median(t, axis=dims),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match="more than once"):
            call()
            pytest.fail(f"{name} accepted the dims {dims}")


@pytest.mark.parametrize("axis", [3, -4])
def test_an_axis_out_of_range_is_not_wrapped(backend, axis):
    t = _t()
    for name, call in {
        "cumsum": lambda: gnp.cumsum(t, axis=axis), "cumprod": lambda: gnp.cumprod(t, axis),
        "Tensor.cumsum": lambda: t.cumsum(dim=axis), "diff": lambda: gnp.diff(t, axis=axis),
        "concatenate": lambda: gnp.concatenate([t, t], axis=axis),
        "stack": lambda: gnp.stack([t, t], axis=axis + (1 if axis > 0 else -1)),
        "trapezoid": lambda: gnp.trapezoid(t, axis=axis),
        "gradient": lambda: gnp.gradient(t, axis=axis), "roll": lambda: gnp.roll(t, 1, axis),
    }.items():
        with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
            call()
            pytest.fail(f"{name} accepted the axis {axis}")


def test_valid_axes_keep_their_results_and_gradients(backend):
    t = _t()
    np.testing.assert_allclose(gnp.cumsum(t, axis=-1).numpy(), np.cumsum(X, axis=-1))
    np.testing.assert_allclose(t.sum(dim=(0, -1)).numpy(), X.sum(axis=(0, 2)))
    np.testing.assert_allclose(t.squeeze(dim=(1, -1)).numpy(), X.squeeze(1))
    for shift, axis in [((1, 2), (2, 2)), (1, (0, 2)), ((1, -1), 2)]:
        np.testing.assert_array_equal(gnp.roll(t, shift, axis).numpy(), np.roll(X, shift, axis))
    g = ad.grad(lambda v: (gnp.roll(v, (1, 1), (2, 2)) * gnp.asarray(X)).sum())(
        gnp.asarray(X))
    np.testing.assert_allclose(g.get() if hasattr(g, "get") else g, np.roll(X, -2, 2))
