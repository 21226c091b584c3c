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


X = np.array([3.0, 1.0, 2.0, 1.0, 3.0, 5.0])
Y = np.array([1.0, 4.0, 3.0])


def test_unique_size_cuts_or_pads(backend):
    u, idx, cnt = np.unique(X, return_index=True, return_counts=True)  # 4 values
    v, i, c = gnp.unique(X, size=6, return_index=True, return_counts=True)
    # padded with the smallest value, the index of its first occurrence and counts of 0
    np.testing.assert_array_equal(to_numpy(v), np.r_[u, u[0], u[0]])
    np.testing.assert_array_equal(to_numpy(i), np.r_[idx, idx[0], idx[0]])
    np.testing.assert_array_equal(to_numpy(c), np.r_[cnt, 0, 0])
    np.testing.assert_array_equal(to_numpy(gnp.unique(X, size=6, fill_value=-1)),
                                  np.r_[u, -1.0, -1.0])
    np.testing.assert_array_equal(to_numpy(gnp.unique(X, size=2)), u[:2])
    with pytest.raises(ValueError, match="unique: for an empty input"):
        gnp.unique(np.zeros(0), size=2)
    with pytest.raises(TypeError, match="unique: size must be a non-negative int"):
        gnp.unique(X, size=2.0)
    # the padding is the smallest value: its derivative reaches that entry (distinct values,
    # which a small change keeps distinct)
    check_grads(lambda x: gnp.unique(x, size=6) * np.arange(1.0, 7.0), (np.unique(X),),
                modes=("rev", "fwd"))


def test_set_functions_size(backend):
    np.testing.assert_array_equal(to_numpy(gnp.union1d(X, Y, size=7)),
                                  np.r_[np.union1d(X, Y), 1.0, 1.0])
    np.testing.assert_array_equal(to_numpy(gnp.setdiff1d(X, Y, size=3)),
                                  np.r_[np.setdiff1d(X, Y), 0.0])  # (0 by default)
    np.testing.assert_array_equal(to_numpy(gnp.setxor1d(X, Y, size=5, fill_value=9)),
                                  np.r_[np.setxor1d(X, Y), 9.0, 9.0])
    v, i1, i2 = np.intersect1d(X, Y, return_indices=True)
    got = gnp.intersect1d(X, Y, return_indices=True, size=4)
    np.testing.assert_array_equal(to_numpy(got[0]), np.r_[v, v[0], v[0]])
    np.testing.assert_array_equal(to_numpy(got[1]), np.r_[i1, 6, 6])  # (the lengths)
    np.testing.assert_array_equal(to_numpy(got[2]), np.r_[i2, 3, 3])
    np.testing.assert_array_equal(to_numpy(gnp.intersect1d(X, Y, size=1)), v[:1])


def test_convolve_sums_in_the_preferred_element_type(backend):
    a, v = np.array([0.1, 0.7, 0.3], np.float16), np.array([0.3, 0.9], np.float16)
    got = gnp.convolve(a, v, preferred_element_type=np.float32, precision="highest")
    want = np.convolve(a.astype(np.float32), v.astype(np.float32))
    assert to_numpy(got).dtype == np.float32
    np.testing.assert_array_equal(to_numpy(got), want)  # not float16 sums widened after
    with pytest.raises(TypeError, match="correlate: preferred_element_type float32 is narrower"):
        gnp.correlate(a.astype(complex), v, preferred_element_type=np.float32)


def test_polymul_trims_leading_zeros_on_request(backend):
    a, b = np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, 3.0])
    np.testing.assert_array_equal(to_numpy(gnp.polymul(a, b, trim_leading_zeros=True)),
                                  np.convolve(a[2:], b[1:]))
    assert to_numpy(gnp.polyval(a, 2.0, unroll=4)) == 4.0
