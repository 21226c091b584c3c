"""``Tensor.size`` (an int, callable as torch's), ``device``/``is_cuda`` and
``scatter_reduce`` on each backend (the torch comparisons are in
tests/conformance/test_torch_api_gaps2.py)."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad


def test_size_and_device(backend):
    x = ad.tensor(np.zeros((2, 3), np.float32))
    assert x.size == 6 and x.size() == (2, 3) and x.size(-1) == 3
    assert (x / x.size).dtype == np.float32  # a Python int to NumPy's and CuPy's promotion
    assert x.device == x.data.device
    assert x.is_cuda is (backend == "cupy")


def test_scatter_reduce_ties_and_zeros(backend):
    idx = np.array([0, 0, 1, 1, 1])
    src = ad.tensor(np.array([2.0, 2.0, 0.0, 3.0, 0.0]), requires_grad=True)
    x = ad.tensor(np.array([1.0, 0.5, 4.0]), requires_grad=True)
    amax = x.scatter_reduce(0, ad.tensor(idx), src, "amax")
    prod = x.scatter_reduce(0, ad.tensor(idx), src, "prod", include_self=False)
    (amax.sum() + prod.sum()).backward()
    np.testing.assert_allclose(to_numpy(amax), [2.0, 3.0, 4.0])
    np.testing.assert_allclose(to_numpy(prod), [4.0, 0.0, 4.0])
    # amax: the tie at 2.0 splits; prod: each factor gets the product of the others
    np.testing.assert_allclose(to_numpy(src.grad), [0.5 + 2.0, 0.5 + 2.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(to_numpy(x.grad), [0.0, 0.0, 2.0])
