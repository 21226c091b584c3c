"""gpuad.numpy functions that CuPy lacks or narrows (geomspace, spacing, indices(sparse=),
packbits/unpackbits along an axis, windows in float64) give NumPy's values and dtypes on every
backend: on the CuPy backend they are computed from operations CuPy has."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _xp():
    return ad.get_backend().xp


def _same(got, want):
    got = to_numpy(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (got, want)
    np.testing.assert_array_equal(got, want)


SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 3.0, -2.5, 5e-324, -5e-324, 1e-310, 0.5, -0.25,
                    6e-8, -6e-8, 65504.0, -65504.0, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int8])
def test_spacing_is_numpys(backend, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (casts and overflows of the specials)
        x = SPECIAL.astype(dtype) if np.dtype(dtype).kind == "f" else np.array([0, 1, 3, 100],
                                                                                dtype=dtype)
        want = np.spacing(x)
        got = to_numpy(gnp.spacing(ad.tensor(_xp().asarray(x))))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_spacing_without_the_function_takes_the_ufunc_keywords(backend):
    if backend == "numpy":
        pytest.skip("NumPy has spacing and all of its ufunc keywords")
    x = _xp().asarray(np.array([1.0, 2.0]))
    out = _xp().zeros(2)
    assert gnp.spacing(x, out=out) is out
    np.testing.assert_array_equal(to_numpy(out), np.spacing(np.array([1.0, 2.0])))
    got = gnp.spacing(x, dtype=np.float32)  # computed in float32, as NumPy's
    want = np.spacing(np.array([1.0, 2.0]), dtype=np.float32)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(to_numpy(got), want)


@pytest.mark.parametrize("case", [
    (1.0, 1000.0, 4, True, None, 0), (-2.0, -32.0, 5, False, None, 0),
    (1j, 1000j, 4, True, None, 0), (2, 8, 3, True, np.float32, 0),
    (1.0, 10.0, 1, True, None, 0), (1.0, 10.0, 0, True, None, 0), (-1.0, 1.0, 3, True, complex, 0),
    (np.array([1.0, 2.0]), np.array([8.0, 16.0]), 4, True, None, 1)])
def test_geomspace_is_numpys(backend, case):
    start, stop, num, endpoint, dtype, axis = case
    s, t = (_xp().asarray(v) if isinstance(v, np.ndarray) else v for v in (start, stop))
    got = to_numpy(gnp.geomspace(s, t, num, endpoint=endpoint, dtype=dtype, axis=axis))
    want = np.geomspace(start, stop, num, endpoint=endpoint, dtype=dtype, axis=axis)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-14)
    with pytest.raises(ValueError, match="[Gg]eometric sequence cannot include zero"):
        gnp.geomspace(0.0, 1.0, 3)


def test_sparse_indices_are_numpys(backend):
    for dims in [(2, 3), (4,), (2, 1, 3), ()]:
        got, want = gnp.indices(dims, sparse=True), np.indices(dims, sparse=True)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _same(g, w)
    _same(gnp.indices((2, 3), dtype=np.int32), np.indices((2, 3), dtype=np.int32))


@pytest.mark.parametrize("shape", [(2, 11), (3, 8, 2)])
def test_bits_along_an_axis_are_numpys(backend, shape):
    bits = np.random.default_rng(0).integers(0, 3, shape).astype(np.uint8)
    for axis in range(-len(shape), len(shape)):
        for order in ("big", "little"):
            packed = np.packbits(bits, axis=axis, bitorder=order)
            got = gnp.packbits(_xp().asarray(bits), axis=axis, bitorder=order)
            _same(got, packed)
            for count in (None, 0, 3, 30, -4):
                _same(gnp.unpackbits(got, axis=axis, count=count, bitorder=order),
                      np.unpackbits(packed, axis=axis, count=count, bitorder=order))
    packed = np.packbits(bits)
    _same(gnp.unpackbits(_xp().asarray(packed), count=-3), np.unpackbits(packed, count=-3))
    with pytest.raises(ValueError, match="-count larger than number of elements"):
        gnp.unpackbits(_xp().asarray(packed), axis=0, count=-1000)


@pytest.mark.parametrize("name", ["hamming", "hanning", "bartlett", "blackman", "kaiser"])
def test_windows_are_numpys_float64(backend, name):
    for m in (0, 1, 2, 5, 6):
        args = (m, 4.5) if name == "kaiser" else (m,)
        got, want = to_numpy(getattr(gnp, name)(*args)), getattr(np, name)(*args)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-16)
