"""``Tensor.size`` (an int, callable as torch's) and ``device``/``is_cuda`` on each backend."""

from __future__ import annotations

import numpy as np

import gpuad as ad


def test_size_and_device(backend):
    x = ad.tensor(np.zeros((2, 3)))
    assert x.size == 6 and x.size() == (2, 3) and x.size(-1) == 3
    assert x.device == x.data.device
    assert x.is_cuda is (backend == "cupy")
