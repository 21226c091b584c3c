"""Zero-copy interop on the NumPy backend: __array__, DLPack, and taking arrays without copying.
(The CuPy/PyTorch/JAX/Numba device cases are in test_gpu.py.)"""

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp


@pytest.fixture
def numpy_backend():
    with ad.use_backend("numpy"):
        yield


def test_tensor_takes_numpy_arrays_without_copy(numpy_backend):
    a = np.arange(4.0)
    t = ad.tensor(a)
    a[0] = 42.0
    assert t.data[0] == 42.0 and np.shares_memory(t.data, a)


def test_array_protocol_gives_the_host_array(numpy_backend):
    t = ad.tensor(np.arange(3.0))
    a = np.asarray(t)
    assert np.shares_memory(a, t.data)
    np.testing.assert_array_equal(np.sin(np.asarray(t)), np.sin(np.arange(3.0)))
    # a tensor that requires grad converts only explicitly (its gradient would be lost)
    w = ad.tensor(np.arange(3.0), requires_grad=True)
    with pytest.raises(TypeError, match="stop_gradient"):
        np.asarray(w)
    assert np.shares_memory(np.asarray(w.detach()), w.data)
    np.testing.assert_array_equal(w.numpy(), np.arange(3.0))


def test_dlpack_round_trip(numpy_backend):
    t = ad.tensor(np.arange(5.0))
    view = np.from_dlpack(t)
    assert np.shares_memory(view, t.data)
    assert t.__dlpack_device__()[0] == 1  # kDLCPU


def test_dlpack_with_torch(numpy_backend):
    torch = pytest.importorskip("torch")
    t = ad.tensor(np.arange(3.0))
    tt = torch.from_dlpack(t)
    tt[1] = 7.0
    assert t.data[1] == 7.0
    back = ad.tensor(torch.arange(3, dtype=torch.float64).numpy())
    assert back.shape == (3,)


def test_cuda_array_interface_only_on_gpu(numpy_backend):
    t = ad.tensor(np.ones(2))
    assert not hasattr(t, "__cuda_array_interface__")
    with pytest.raises(AttributeError, match="cupy backend"):
        t.__cuda_array_interface__  # noqa: B018


def test_gradients_flow_for_tensors_built_from_user_arrays(numpy_backend):
    a = np.array([0.5, 1.5])
    x = ad.tensor(a, requires_grad=True)
    gnp.sum(x * x).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * a)
    np.testing.assert_array_equal(a, [0.5, 1.5])  # untouched by backward
