"""Tensor.fill_diagonal_ and Tensor.swapdims (torch's names): values from NumPy's
fill_diagonal and swapaxes, gradients from central differences, torch's argument errors."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad.testing import numerical_grad


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((7, 3), True), ((7, 3), False),
                                        ((3, 5), False), ((2, 2, 2), False)])
def test_fill_diagonal_values_and_gradient(backend, shape, wrap):
    rng = np.random.default_rng(0)
    a, c = rng.random(shape), rng.random(shape)
    want = a.copy()
    np.fill_diagonal(want, 2.5, wrap=wrap)

    def f(x):
        y = x * 1.0
        y.fill_diagonal_(2.5, wrap=wrap)
        return (y * ad.tensor(c)).sum()

    x = ad.tensor(a, requires_grad=True)
    y = x * 1.0
    assert y.fill_diagonal_(2.5, wrap=wrap) is y
    np.testing.assert_array_equal(to_numpy(y), want)
    g = ad.grad(f)(ad.tensor(a))
    np.testing.assert_allclose(to_numpy(g), numerical_grad(lambda v: to_numpy(f(ad.tensor(v))), a),
                               atol=1e-7)


def test_fill_diagonal_checks(backend):
    x = ad.tensor(np.random.rand(3, 3), requires_grad=True)
    with pytest.raises(ad.GradError):
        x.fill_diagonal_(0.0)  # a leaf that requires grad
    y = x * 1.0
    z = y * y
    y.fill_diagonal_(0.0)
    with pytest.raises(ad.GradError):
        z.sum().backward()  # y was saved before the write
    with pytest.raises(RuntimeError, match="fill_diagonal_"):
        ad.tensor(np.ones(3)).fill_diagonal_(1.0)
    with pytest.raises(RuntimeError, match="equal length"):
        ad.tensor(np.ones((2, 3, 2))).fill_diagonal_(1.0)
    with pytest.raises(TypeError, match="number"):
        ad.tensor(np.ones((2, 2))).fill_diagonal_(ad.tensor(1.0))
    with pytest.raises(TypeError, match="cannot be written"):
        ad.tensor(np.ones((2, 2))).fill_diagonal_(1 + 2j)  # NumPy would drop the imaginary part
    with pytest.raises(TypeError, match="cannot be written"):
        ad.tensor(np.ones((2, 2), dtype=np.int64)).fill_diagonal_(float("nan"))
    i = ad.tensor(np.zeros((2, 2), dtype=np.int64))
    i.fill_diagonal_(1.7)  # torch casts the number to the tensor's dtype
    np.testing.assert_array_equal(to_numpy(i), np.eye(2, dtype=np.int64))


def test_swapdims(backend):
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ad.tensor(a, requires_grad=True)
    y = x.swapdims(0, -1)
    np.testing.assert_array_equal(to_numpy(y), np.swapaxes(a, 0, -1))
    c = np.arange(24.0).reshape(4, 3, 2)
    (y * ad.tensor(c)).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), np.swapaxes(c, 0, -1))
    with pytest.raises(IndexError, match="swapdims"):
        x.swapdims(0, 3)
    with pytest.raises(TypeError, match="swapdims"):
        x.swapdims(0.5, 1)
