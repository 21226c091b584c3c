"""A Tensor's memory written by CuPy's or NumPy's functions: recorded, or refused.

On the CuPy backend a Tensor that is not being recorded exports ``__cuda_array_interface__``
only to explicit conversions (``cupy.asarray(t)``, ``cupy.from_dlpack(t)``, a direct read of the
attribute, ``a[i] = t`` into a CuPy array). CuPy's operators, ufuncs and kernels do not import
it, so

- NumPy's functions with a CuPy array before the Tensor (``numpy.sin(a, out=t)``,
  ``numpy.matmul(a, t)``, ``numpy.dot(a, t)``) reach the Tensor and are recorded exactly as on
  the NumPy backend: a write moves the version, so a step that saved the old value refuses to
  backward;
- CuPy's own functions given a Tensor to write into (``cupy.sin(a, out=t)``,
  ``cupy.copyto(t, a)``) raise and write nothing (they used to write through the exported
  memory without moving the version: a silently wrong gradient).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.engine import GradError
from gpuad.testing import check_grads

A = np.array([0.3, -0.2, 0.7])
B = np.array([0.5, 1.5, -1.0])
T0 = np.array([1.0, 2.0, 3.0])


def _xp():
    return ad.get_backend().xp


_UFUNC_OUT = {
    "np.sin(a, out=t)": lambda a, b, t: np.sin(a, out=t),
    "np.add(a, b, out=t)": lambda a, b, t: np.add(a, b, out=t),
    "np.multiply(a, 2.0, out=(t,))": lambda a, b, t: np.multiply(a, 2.0, out=(t,)),
    "np.maximum(a, b, out=t)": lambda a, b, t: np.maximum(a, b, out=t),
    "np.negative(a, t)": lambda a, b, t: np.negative(a, t),
}


@pytest.mark.parametrize("name", list(_UFUNC_OUT))
def test_numpy_ufunc_writing_into_a_tensor_is_recorded(backend, name):
    f = _UFUNC_OUT[name]
    xp = _xp()
    x = ad.tensor(xp.asarray(B), requires_grad=True)
    t = ad.tensor(xp.asarray(T0))  # a constant that the product below saves
    y = x * t
    before = t._version
    r = f(xp.asarray(A), xp.asarray(B), t)
    assert r is t or (isinstance(r, tuple) and r[0] is t)
    assert t._version > before
    want = T0.copy()
    f(A, B, want)
    np.testing.assert_allclose(to_numpy(t), want, rtol=1e-15)
    with pytest.raises(GradError, match="modified in place"):
        gnp.sum(y).backward()


def test_numpy_ufunc_out_under_no_grad_moves_the_version(backend):
    # an optimiser-like update of a leaf through NumPy's function: not recorded (no_grad), but
    # a graph that saved the old values refuses to backward, as after w[...] = v
    xp = _xp()
    w = ad.tensor(xp.asarray(T0), requires_grad=True)
    y = gnp.sum(w * w)
    with ad.no_grad():
        np.multiply(xp.asarray(A), 0.5, out=w)
    np.testing.assert_allclose(to_numpy(w), A * 0.5, rtol=1e-15)
    with pytest.raises(GradError, match="modified in place"):
        y.backward()


def test_value_written_by_a_numpy_ufunc_is_differentiated(backend):
    xp = _xp()

    def f(v):
        buf = ad.tensor(xp.zeros(3))
        np.sin(xp.asarray(A), out=buf)  # a constant written into buf, then used with v
        np.multiply(buf, v, out=buf)
        return gnp.sum(buf * v)

    g = ad.grad(f)(xp.asarray(B))
    np.testing.assert_allclose(to_numpy(g), 2 * np.sin(A) * B, rtol=1e-14)
    check_grads(f, [xp.asarray(B)], order=2)


_MAT = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4]])
W = np.array([[1.0, -0.5], [0.25, 2.0], [-1.5, 0.75]])
_SECOND = {
    "np.matmul": lambda a, w: np.matmul(a, w),
    "np.dot": lambda a, w: np.dot(a, w),
    "np.einsum": lambda a, w: np.einsum("ij,jk->ik", a, w),
    "np.tensordot": lambda a, w: np.tensordot(a, w, axes=1),
    "np.inner": lambda a, w: np.inner(a, w.T),
    "np.add": lambda a, w: np.add(a, w.T),
}


@pytest.mark.parametrize("name", list(_SECOND))
def test_numpy_function_with_a_backend_array_first_reaches_the_tensor(backend, name):
    # numpy.matmul(a, t) as a function, as a @ t: the Tensor's, on both backends, whether
    # the Tensor is a constant, requires grad, or is used under no_grad
    f = _SECOND[name]
    xp = _xp()
    a = xp.asarray(_MAT)
    want = f(_MAT, W)
    w = ad.tensor(xp.asarray(W))
    r = f(a, w)
    assert isinstance(r, ad.Tensor)
    np.testing.assert_allclose(to_numpy(r), want, rtol=1e-14)
    v = ad.tensor(xp.asarray(W), requires_grad=True)
    with ad.no_grad():
        np.testing.assert_allclose(to_numpy(f(a, v)), want, rtol=1e-14)
    gnp.sum(f(a, v) ** 2).backward()
    with ad.use_backend("numpy"):  # the NumPy backend's gradient, NumPy's array first too
        ref = ad.grad(lambda u: gnp.sum(f(_MAT, u) ** 2))(W)
    np.testing.assert_allclose(to_numpy(v.grad), to_numpy(ref), rtol=1e-12)
    check_grads(lambda u: f(a, u), [xp.asarray(W)], order=2)


def _cupy_only(backend):
    if backend != "cupy":
        pytest.skip("CuPy's own functions")
    import cupy

    return cupy


_CUPY_WRITES = {
    "cupy.sin(a, out=t)": lambda cp, a, b, t: cp.sin(a, out=t),
    "cupy.add(a, b, out=t)": lambda cp, a, b, t: cp.add(a, b, out=t),
    "cupy.multiply(a, b, t)": lambda cp, a, b, t: cp.multiply(a, b, t),
    "cupy.clip(a, 0, 0.5, out=t)": lambda cp, a, b, t: cp.clip(a, 0.0, 0.5, out=t),
    "cupy.copyto(t, a)": lambda cp, a, b, t: cp.copyto(t, a),
    "cupy.copyto(t, a, where=m)": lambda cp, a, b, t: cp.copyto(t, a, where=b > 0),
}


@pytest.mark.parametrize("name", list(_CUPY_WRITES))
def test_cupy_function_writing_into_a_tensor_raises(backend, name):
    cp = _cupy_only(backend)
    f = _CUPY_WRITES[name]
    for rg in (False, True):
        t = ad.tensor(cp.asarray(T0), requires_grad=rg)
        with pytest.raises((TypeError, AttributeError)) as info:
            f(cp, cp.asarray(A), cp.asarray(B), t)
        assert t._version == 0
        np.testing.assert_array_equal(to_numpy(t), T0)
        if "copyto(t, a)" in name:
            assert "gnp.copyto" in str(info.value)
        with ad.no_grad():
            with pytest.raises((TypeError, AttributeError)):
                f(cp, cp.asarray(A), cp.asarray(B), t)
        np.testing.assert_array_equal(to_numpy(t), T0)


def test_explicit_conversions_share_memory_and_refuse_recorded_tensors(backend):
    cp = _cupy_only(backend)
    t = ad.tensor(cp.asarray(T0))
    view = cp.asarray(t)  # the Tensor's memory, as t.data is (PyTorch's CAI export does this)
    assert view.data.ptr == t.data.data.ptr
    assert t.__cuda_array_interface__["data"][0] == t.data.data.ptr
    np.testing.assert_array_equal(cp.asnumpy(cp.from_dlpack(t)), T0)
    from numba import cuda

    cuda.as_cuda_array(t)[1] = 7.0  # Numba's conversion: the memory, written through
    assert float(t.data[1]) == 7.0
    t.data[1] = T0[1]
    a = cp.asarray(A)
    a[1] = t[0]  # a constant Tensor is read as a value
    assert float(a[1]) == T0[0]
    idx = ad.tensor(cp.asarray(np.array([2, 0])))
    np.testing.assert_array_equal(cp.asnumpy(a[idx]), [A[2], A[0]])
    x = ad.tensor(cp.asarray(T0), requires_grad=True)
    for convert in (cp.asarray, cp.from_dlpack):
        with pytest.raises(TypeError, match="stop_gradient"):
            convert(x)
    with pytest.raises(TypeError, match="stop_gradient"):
        cp.asarray(x * 2.0)
