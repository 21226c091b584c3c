"""The post-trace check of ``gpuad.jit`` (compiled outputs against an eager run on perturbed
arguments) on outputs with NaN and infinities: NaN where the eager run has NaN is equal, NaN
on one side only is a difference, an infinity does not hide a difference elsewhere, and
nothing warns."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import TracerError
from gpuad.jit.api import _close

NAN, INF = np.nan, np.inf


@pytest.mark.parametrize("a, b, same", [
    (NAN, NAN, True),
    ([NAN, NAN], [NAN, NAN], True),
    ([NAN, 1.0], [NAN, 1.0 + 1e-12], True),
    ([NAN, 1.0], [1.0, 1.0], False),
    ([1.0, 1.0], [NAN, 1.0], False),
    (NAN, 0.0, False),
    ([INF, -INF, 2.0], [INF, -INF, 2.0], True),
    ([INF, 2.0], [-INF, 2.0], False),
    ([INF, 1.0], [INF, 5.0], False),  # an infinity is no scale for the finite entries
    ([INF, NAN], [INF, NAN], True),
    ([INF, NAN], [NAN, INF], False),
    ([complex(NAN, 0), 1j], [complex(NAN, 0), 1j], True),
    ([complex(INF, 0), 1j], [complex(INF, 0), 2j], False),
    ([], [], True),
])
def test_close_with_nan_and_inf(a, b, same):
    a, b = np.asarray(a), np.asarray(b)
    dtypes = ((np.complex64, np.complex128) if np.iscomplexobj(a)
              else (np.float32, np.float64, np.complex128))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in dtypes:
            assert _close(a.astype(dtype), b.astype(dtype)) is same, dtype
            assert _close(b.astype(dtype), a.astype(dtype)) is same, dtype


def test_all_nan_outputs_pass_quietly(backend):
    def f(x):
        return gnp.sum(x * 2.0), x + 1.0

    x = np.full(3, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, y = ad.jit(f)(ad.get_backend().xp.asarray(x))
    assert np.isnan(to_numpy(s)) and np.isnan(to_numpy(y)).all()


def test_an_infinite_output_does_not_hide_an_untraced_value(backend):
    def g(x):
        y = gnp.exp(x)
        # raw array work on a traced value, hidden from the tracer (an operator with a number
        # is not: CuPy hands ``a * 2`` to the ufunc it looks up on the cupy module, which the
        # tracer records; its in-place operators call their kernels directly)
        raw = y._data.copy()
        raw += raw
        return y + gnp.asarray(raw)

    x = ad.get_backend().xp.asarray(np.array([1.0, 2.0, 1000.0]))  # exp(1000) is inf
    with np.errstate(over="ignore"), pytest.raises(TracerError, match="differs from the"):
        ad.jit(g)(x)
