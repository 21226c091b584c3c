"""Keywords that jax.numpy adds to NumPy's functions, checked without JAX: ``interp``'s
``left``/``right="extrapolate"``, ``fftfreq``/``rfftfreq``'s ``dtype``. Values against
NumPy formulas, derivatives against float64 central differences."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conftest import to_numpy

XP = np.array([0.0, 1.0, 3.0])
FP = np.array([1.0, 3.0, 2.0])


def test_interp_extrapolates_the_end_segments(backend):
    x = np.array([-2.0, 0.5, 2.0, 5.0])
    got = to_numpy(gnp.interp(x, XP, FP, left="extrapolate", right="extrapolate"))
    # the first segment has slope 2, the last -1/2
    np.testing.assert_allclose(got, [1.0 - 4.0, 2.0, 2.5, 2.0 - 1.0], rtol=1e-15)
    got = to_numpy(gnp.interp(x, XP, FP, left=-7.0, right="extrapolate"))
    np.testing.assert_allclose(got, [-7.0, 2.0, 2.5, 1.0], rtol=1e-15)
    np.testing.assert_allclose(to_numpy(gnp.interp(x, XP[:1], FP[:1], left="extrapolate")),
                               np.ones(4))
    check_grads(lambda x, xp, fp: gnp.interp(x, xp, fp, left="extrapolate",
                                             right="extrapolate"),
                (x, XP, FP), order=2, modes=("rev", "fwd"))


def test_interp_refuses_other_strings(backend):
    with pytest.raises(ValueError, match="interp: the only string value of right"):
        gnp.interp(np.ones(2), XP, FP, right="nearest")


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
def test_frequencies_take_a_dtype(backend, name):
    out = getattr(gnp.fft, name)(9, 0.25, dtype=np.float32)
    assert to_numpy(out).dtype == np.float32
    np.testing.assert_allclose(to_numpy(out), getattr(np.fft, name)(9, 0.25), rtol=1e-7)
    check_grads(lambda d: getattr(gnp.fft, name)(8, d, dtype=np.float64), (np.array(0.3),),
                order=2)
