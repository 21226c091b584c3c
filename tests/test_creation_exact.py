"""Creation functions given Tensors: recorded, or an error; never a silent constant."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def test_full_records_a_tensor_fill_value_and_writes_into_it(backend):
    t = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    a = gnp.full((3, 2), t)
    a[0, 0] = 5.0
    gnp.sum(a * a).backward()
    np.testing.assert_allclose(to_numpy(t.grad), [2 * 2 * 1.0, 3 * 2 * 2.0])
    assert to_numpy(gnp.full_like(np.zeros(2, dtype=np.float32), ad.tensor(2.0))).dtype == \
        np.float32
    with pytest.raises(ValueError, match=r"\(2,\)"):
        gnp.full(3, t)
    np.testing.assert_array_equal(to_numpy(gnp.full((2,), 0.5)), [0.5, 0.5])


def test_arange_refuses_a_tensor_being_differentiated(backend):
    with pytest.raises(TypeError, match="start \\+ step \\* gnp.arange"):
        ad.grad(lambda s: gnp.sum(gnp.arange(s, 4.0)))(1.5)
    np.testing.assert_array_equal(to_numpy(gnp.arange(ad.tensor(3))), [0, 1, 2])


def test_meshgrid_of_tensors_is_recorded_and_matches_numpy(backend):
    a, b = np.arange(3.0), np.arange(2.0) + 10
    for indexing in ("xy", "ij"):
        got = gnp.meshgrid(ad.tensor(a), ad.tensor(b), indexing=indexing)
        for g, e in zip(got, np.meshgrid(a, b, indexing=indexing), strict=True):
            np.testing.assert_array_equal(to_numpy(g), e)
    g = ad.grad(lambda x: gnp.sum(gnp.meshgrid(x, gnp.asarray(b))[0] ** 2))(a)
    np.testing.assert_allclose(to_numpy(g), 2 * a * len(b))


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like", "full_like"])
def test_like_of_a_numpy_array_is_an_array_of_the_backend(backend, name):
    # as gnp.sin(numpy_array) is: the two combine on the CuPy backend
    a = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    r = getattr(gnp, name)(a, *((2.5,) if name == "full_like" else ()))
    assert type(r) is type(gnp.sin(a)) and r.shape == a.shape and r.dtype == np.float32
    ref = getattr(np, name)(a, *((2.5,) if name == "full_like" else ()))
    if name != "empty_like":
        # CUDA's float32 sin is within 2 ulps (its documented bound), NumPy's the nearest
        ulps = 0 if backend == "numpy" else 2
        np.testing.assert_allclose(to_numpy(r + gnp.sin(a)), ref + np.sin(a),
                                   rtol=ulps * np.finfo(np.float32).eps, atol=0)
    fill = (1,) if name == "full_like" else ()
    assert getattr(gnp, name)([1, 2], *fill, dtype=np.float64).dtype == np.float64
