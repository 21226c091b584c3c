"""``gpuad.lax`` cases that JAX's primitive harnesses found wrong or refused, each checked
numerically (closed forms or central differences), without JAX."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad
from gpuad import lax


def _host(x):
    return np.asarray(to_numpy(x))


def test_gather_of_complex_values_differentiates(backend):
    # a gather's index arrays become arguments of take_index, which refused complex values
    rng = np.random.default_rng(0)
    x = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    idx = np.array([[3], [1], [3]])
    dn = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,),
                                    start_index_map=(0,))

    def f(x):
        return lax.gather(x, idx, dn, (1,))

    ct = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    out, pull = ad.vjp(f, x)
    np.testing.assert_array_equal(_host(out), x[[3, 1, 3]])
    want = np.zeros(6, complex)
    np.add.at(want, [3, 1, 3], ct)  # the gather is linear with real coefficients
    np.testing.assert_allclose(_host(pull(ct)[0]), want, rtol=1e-14)
    t = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    np.testing.assert_allclose(_host(ad.jvp(f, (x,), (t,))[1]), t[[3, 1, 3]], rtol=1e-14)


def test_vmap_of_bitcast_convert_type(backend):
    # vmap raised TypeError (Tensor.view) instead of batching the bit reinterpretation
    x = np.random.default_rng(1).standard_normal((3, 2)).astype(np.float32)
    for dt, axis in ((np.int32, 1), (np.uint8, 1), (np.uint16, 0)):
        got = _host(ad.vmap(lambda v, dt=dt: lax.bitcast_convert_type(v, dt), in_axes=axis)(x))
        want = np.stack([np.ascontiguousarray(np.take(x, i, axis)).view(dt).reshape(
            np.take(x, i, axis).shape + (-1,)).squeeze(-1) if np.dtype(dt).itemsize == 4
            else np.ascontiguousarray(np.take(x, i, axis))[..., None].view(dt)
            for i in range(x.shape[axis])])
        np.testing.assert_array_equal(got, want)
    y = np.arange(8, dtype=np.int32).reshape(2, 2, 2)
    got = _host(ad.vmap(lambda v: lax.bitcast_convert_type(v, np.int64))(y))
    np.testing.assert_array_equal(got, y.view(np.int64)[..., 0])
