"""Regressions found mapping NumPy's einsum, fft and reshape/flat/resize tests
(tests/conformance/test_numpy_gaps2.py): sizes NumPy refuses (floats, booleans) were read with
``int()``, ..."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _xp():
    return ad.get_backend().xp


def _t(a, grad=True):
    a = np.asarray(a)
    return ad.tensor(_xp().asarray(a), requires_grad=grad and a.dtype.kind in "fc")


@pytest.mark.parametrize("shape", [(2.0, 6), (True, -1), (np.True_, -1), (np.float64(2), 6),
                                   (2, 6.0)])
def test_reshape_refuses_float_and_bool_sizes(backend, shape):
    """reshape read each size with int(): (2.0, 6) reshaped, and (True, -1) read True as 1;
    NumPy raises TypeError for both."""
    a = _xp().asarray(np.arange(12.0).reshape(4, 3))
    t = _t(np.arange(12.0).reshape(4, 3))
    assert t.reshape(2, 6).shape == (2, 6)  # (an integer reshape first: a cached entry)
    for call in (lambda: gnp.reshape(a, shape), lambda: gnp.reshape(t, shape),
                 lambda: t.reshape(shape), lambda: t.reshape(*shape)):
        with pytest.raises(TypeError, match="integer"):
            call()
    with pytest.raises(TypeError):
        gnp.reshape(a, True)


def test_reshape_integer_like_sizes(backend):
    t = _t(np.arange(12.0))
    r = t.reshape(np.int64(3), _t(np.array(4), grad=False))
    assert r.shape == (3, 4)
    np.testing.assert_array_equal(to_numpy(r), np.arange(12.0).reshape(3, 4))


def test_reshape_copy_false_refuses_a_copy(backend):
    if backend != "numpy":
        pytest.skip("copy=False is checked on NumPy's memory layout")
    a = np.arange(12.0).reshape(4, 3)
    with pytest.raises(ValueError):
        gnp.reshape(a.T, (12,), copy=False)
    assert gnp.reshape(a, (12,), copy=False).shape == (12,)
