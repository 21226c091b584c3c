"""Out-of-range and repeated axes of ``gpuad.numpy`` functions raise NumPy's AxisError (or a
ValueError for a repeat) naming the function, where they used to wrap around ``axis % ndim``
and answer for another axis; ``take_along_axis`` broadcasts its indices as NumPy does."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

X = np.arange(24.0).reshape(2, 3, 4) / 7.0

OUT_OF_RANGE = {
    "unwrap": lambda x, ax: gnp.unwrap(x, axis=ax),
    "trim_zeros": lambda x, ax: gnp.trim_zeros(x + 1.0, axis=ax),
    "put_along_axis": lambda x, ax: gnp.put_along_axis(
        x, gnp.asarray(np.zeros((1, 1, 1), dtype=np.int64)), 0.0, axis=ax),
    "diff": lambda x, ax: gnp.diff(x, axis=ax, prepend=0.0),
    "unstack": lambda x, ax: gnp.unstack(x, axis=ax),
    "take_along_axis": lambda x, ax: gnp.take_along_axis(
        x, gnp.asarray(np.zeros((2, 3, 4), dtype=np.int64)), axis=ax),
}


@pytest.mark.parametrize("name", sorted(OUT_OF_RANGE))
@pytest.mark.parametrize("axis", [3, -4])
def test_out_of_range_axis_raises(backend, name, axis):
    for x in (gnp.asarray(X.copy()), ad.tensor(gnp.asarray(X.copy()))):
        with pytest.raises(np.exceptions.AxisError, match=name):
            OUT_OF_RANGE[name](x, axis)
    OUT_OF_RANGE[name](gnp.asarray(X.copy()), -1)  # the last axis is in range


@pytest.mark.parametrize("axis", [(0, 0), (0, -3)])
def test_trim_zeros_repeated_axis_raises(backend, axis):
    with pytest.raises(ValueError, match="trim_zeros.*duplicate"):
        gnp.trim_zeros(gnp.asarray(X + 1.0), axis=axis)


def test_take_along_axis_broadcasts_indices_as_numpy(backend):
    x = np.arange(12.0).reshape(3, 4)
    for idx, axis in ((np.array([[0], [2], [3]]), 1), (np.array([[1, 0, 2, 1]]), 0),
                      (np.zeros((1, 1), dtype=np.int64), 1)):
        got = gnp.take_along_axis(gnp.asarray(x), gnp.asarray(idx), axis=axis)
        np.testing.assert_array_equal(to_numpy(got), np.take_along_axis(x, idx, axis=axis))
    t = ad.tensor(gnp.asarray(x))
    g = ad.grad(lambda t: gnp.take_along_axis(
        t, gnp.asarray(np.array([[0, 3]])), axis=1).sum())(t)
    want = np.zeros((3, 4))
    want[:, [0, 3]] = 1.0
    np.testing.assert_array_equal(to_numpy(g), want)
    with pytest.raises(ValueError, match="take_along_axis"):
        gnp.take_along_axis(gnp.asarray(x), gnp.asarray(np.zeros((2, 1), np.int64)), axis=1)


def test_linalg_vecdot_takes_one_axis_and_equal_lengths(backend):
    a = gnp.asarray(np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError):
        gnp.linalg.vecdot(a, a, axis=(0, -1))  # NumPy's: an int
    with pytest.raises(ValueError, match="vecdot.*core dimension"):
        gnp.linalg.vecdot(a, gnp.asarray(np.ones(1)))  # (n),(n): no broadcast of n
    with pytest.raises(np.exceptions.AxisError, match="vecdot"):
        gnp.linalg.vecdot(a, a, axis=2)
    np.testing.assert_allclose(to_numpy(gnp.linalg.vecdot(a, a, axis=0)),
                               np.linalg.vecdot(to_numpy(a), to_numpy(a), axis=0))


def test_size_takes_numpy_axes(backend):
    x = gnp.asarray(X)
    assert gnp.size(x, (0, -1)) == np.size(X, (0, -1)) and gnp.size(x, 1) == np.size(X, 1)
    with pytest.raises(ValueError, match="size"):
        gnp.size(x, (0, -3))
    with pytest.raises(np.exceptions.AxisError, match="size"):
        gnp.size(x, -4)
