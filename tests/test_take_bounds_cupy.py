"""gnp.take, take_along_axis and put_along_axis with an index out of range raise IndexError
on every backend, as NumPy's (on CuPy naming the function); CuPy's own indexing wraps such entries
around, so on the CuPy backend they returned (or wrote) another element silently."""

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

CASES = {
    "take": lambda xp, x: gnp.take(x, [0, 5], axis=0),
    "take_negative": lambda xp, x: gnp.take(x, xp.asarray([0, -3]), axis=0),
    "take_flat": lambda xp, x: gnp.take(x, [7]),
    "take_along_axis": lambda xp, x: gnp.take_along_axis(x, xp.asarray([[0, 4, 1]]), axis=1),
    "tensor_take": lambda xp, x: ad.tensor(x).take(xp.asarray([9])),
    "put_along_axis": lambda xp, x: gnp.put_along_axis(xp.array(x), xp.asarray([[4]]), 1.0,
                                                       axis=1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_out_of_range_indices_raise(backend, case):
    xp = ad.get_backend().xp
    x = xp.asarray(np.arange(6.0).reshape(2, 3))
    with pytest.raises(IndexError, match="out of bounds"):
        CASES[case](xp, x)


def test_in_range_indices_still_work(backend):
    xp = ad.get_backend().xp
    x = ad.tensor(xp.asarray(np.arange(6.0).reshape(2, 3)), requires_grad=True)
    y = gnp.take_along_axis(x, xp.asarray([[2, 0, 1]]), axis=1).sum() + gnp.take(x, [-1]).sum()
    y.backward()
    g = x.grad._data if hasattr(x.grad, "_data") else x.grad
    g = g.get() if hasattr(g, "get") else np.asarray(g)
    np.testing.assert_array_equal(g, [[1, 1, 1], [1, 1, 2]])
