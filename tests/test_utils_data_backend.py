"""gpuad.utils.data on each backend: batches of NumPy arrays, backend arrays and Tensors land
on the active backend, by the one-gather path of TensorDataset and by stacking samples, and
a batch of a Tensor that requires grad carries its gradient back (torch's comparisons:
tests/conformance/test_torch_utils_data.py).
"""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.utils.data import DataLoader, Subset, TensorDataset, default_collate


def test_batches_land_on_the_active_backend(backend):
    be = ad.get_backend()
    host = np.arange(12.0).reshape(6, 2)
    x = ad.tensor(host, requires_grad=True)
    ds = TensorDataset(host, be.asarray(np.arange(6)), x)
    gnp.random.seed(0)
    for data in (ds, Subset(ds, range(6))):  # one gather per tensor; samples stacked
        loss, seen = 0.0, []
        for a, b, t in DataLoader(data, batch_size=4, shuffle=True):
            assert type(a) is be.array_type and type(b) is be.array_type
            assert isinstance(t, ad.Tensor) and type(t.data) is be.array_type
            np.testing.assert_array_equal(to_numpy(a), host[to_numpy(b)])
            seen += to_numpy(b).tolist()
            loss = loss + gnp.sum(t * a)
        assert sorted(seen) == list(range(6))
        x.grad = None
        loss.backward()
        np.testing.assert_array_equal(to_numpy(x.grad), host)
    batch = default_collate([{"v": 1.0, "a": host[0]}, {"v": 2.0, "a": host[1]}])
    assert type(batch["v"]) is be.array_type and batch["v"].dtype == np.float64
    np.testing.assert_array_equal(to_numpy(batch["a"]), host[:2])
