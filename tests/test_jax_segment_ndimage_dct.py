"""gpuad.ops.segment_*, gpuad.scipy.ndimage.map_coordinates,
gpuad.scipy.interpolate.RegularGridInterpolator and gpuad.scipy.fft's DCTs: values against
loops and SciPy, derivatives against float64 central differences, jit, vmap and the errors.
tests/conformance/test_jax_segment_ndimage_dct.py compares all of them with JAX."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as sfft
import scipy.interpolate as sinterp
import scipy.ndimage as sndi

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.ops as ops
from gpuad.jit.trace import TracerError
from gpuad.scipy import fft as gfft
from gpuad.scipy import interpolate as ginterp
from gpuad.scipy import ndimage as gndi
from gpuad.testing import check_grads


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def _loop_segments(kind, data, ids, s, clip=False):
    red = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min}[kind]
    ident = {"sum": 0.0, "prod": 1.0, "max": -np.inf, "min": np.inf}[kind]
    ids = np.clip(ids, 0, s - 1) if clip else ids
    out = np.full((s,) + data.shape[1:], ident)
    for j in range(s):
        if (ids == j).any():
            out[j] = red(data[ids == j], axis=0)
    return out


@pytest.mark.parametrize("kind", ["sum", "prod", "max", "min"])
def test_segment_values_and_grads(backend, kind):
    rng = np.random.default_rng(0)
    fn = getattr(ops, f"segment_{kind}")
    data = rng.standard_normal((7, 2))
    ids = np.array([2, 0, -1, 2, 5, 0, 2])  # a negative id and one past the end: dropped
    for mode, clip in ((None, False), ("drop", False), ("clip", True)):
        want = _loop_segments(kind, data, ids, 4, clip)
        got = host(fn(dev(data), dev(ids), 4, mode=mode))
        np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=f"{kind} mode={mode}")
        np.testing.assert_allclose(host(fn(dev(data), dev(ids), 4, mode=mode, bucket_size=3)),
                                   want, rtol=1e-13, err_msg=f"{kind} bucket_size=3")
    np.testing.assert_allclose(host(fn(dev(data), dev(ids))),
                               _loop_segments(kind, data, ids, 6))  # num_segments = max + 1
    if kind == "prod":
        data[1, 0] = 0.0  # a zero factor in a segment of repeated ids
    # segments 1 and 3 are empty: max/min hold an infinite identity there
    check_grads(lambda d: fn(d, dev(ids), 4)[::2], (dev(data),), order=2)


def test_segment_max_min_ties_and_identities(backend):
    data = dev(np.array([3.0, 3.0, 1.0, 3.0, -np.inf]))
    ids = dev(np.array([0, 0, 0, 2, 3]))
    g = host(ad.grad(lambda d: gnp.sum(ops.segment_max(d, ids, 5)[::2][:2]))(data))
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0, 1.0, 0.0])  # ties share the derivative
    # a maximum equal to the identity (-inf) shares it with that initial value, as in JAX
    g = host(ad.grad(lambda d: ops.segment_max(d, ids, 5)[3])(data))
    np.testing.assert_allclose(g, [0.0, 0.0, 0.0, 0.0, 0.5])
    g = host(ad.grad(lambda d: gnp.sum(ops.segment_min(d, ids, 5)[3:4]))(data))
    np.testing.assert_allclose(g, [0.0, 0.0, 0.0, 0.0, 1.0])
    out = host(ops.segment_max(data, ids, 5))
    np.testing.assert_array_equal(out, [3.0, -np.inf, 3.0, -np.inf, -np.inf])
    z = dev(np.array([1 + 2j, 1 + 3j, 5j, 2 - 1j]))  # complex: lexicographic, as lax.max
    np.testing.assert_array_equal(host(ops.segment_max(z, dev(np.array([0, 0, 1, 1])), 2)),
                                  [1 + 3j, 2 - 1j])
    ints = dev(np.array([4, -3], dtype=np.int32))
    np.testing.assert_array_equal(host(ops.segment_min(ints, dev(np.array([1, 1])), 3)),
                                  [2**31 - 1, -3, 2**31 - 1])
    np.testing.assert_array_equal(host(ops.segment_prod(ints, dev(np.array([1, 1])), 3)),
                                  [1, -12, 1])


def test_segment_jit_vmap_and_errors(backend):
    rng = np.random.default_rng(1)
    data, ids = dev(rng.standard_normal((6, 3))), dev(np.array([1, 1, 0, 3, 0, -2]))
    f = lambda d, i: ops.segment_max(d, i, num_segments=4)
    np.testing.assert_allclose(host(ad.jit(f)(data, ids)), host(f(data, ids)))
    gj = ad.jit(ad.grad(lambda d, i: gnp.sum(ops.segment_prod(d, i, 4) ** 2)))(data, ids)
    np.testing.assert_allclose(host(gj), host(ad.grad(
        lambda d: gnp.sum(ops.segment_prod(d, ids, 4) ** 2))(data)))
    batch = dev(rng.standard_normal((2, 6, 3)))
    bids = dev(np.array([[1, 1, 0, 3, 0, -2], [0, 2, 2, 2, 9, 3]]))
    got = host(ad.vmap(lambda d, i: ops.segment_sum(d, i, 4))(batch, bids))
    for b in range(2):
        np.testing.assert_allclose(got[b], _loop_segments("sum", host(batch)[b], host(bids)[b],
                                                          4))
    with pytest.raises(TracerError, match="segment_sum: num_segments=None"):
        ad.jit(ops.segment_sum)(data, ids)
    with pytest.raises(ValueError, match=r"segment_min: .*data of shape \(6, 3\) and "
                                         r"segment_ids of shape \(5,\)"):
        ops.segment_min(data, ids[:5], 4)
    with pytest.raises(ValueError, match="segment_sum: num_segments must be non-negative"):
        ops.segment_sum(data, ids, -1)
    with pytest.raises(ValueError, match="segment_prod: mode must be"):
        ops.segment_prod(data, ids, 4, mode="wrap")
    with pytest.raises(TypeError, match="segment_sum: segment_ids must be integers"):
        ops.segment_sum(data, dev(np.zeros(6)), 4)



def test_segment_bool_data(backend):
    """jax.ops.segment_sum and segment_prod refuse bool data (a TypeError), where gpuad gave a
    logical or / and; segment_max and segment_min take it (or / and, False / True when empty)."""
    flags, ids = dev(np.array([True, False, True, True, False])), dev(np.array([0, 0, 1, 2, 4]))
    for kind in ("sum", "prod"):
        with pytest.raises(TypeError, match=f"segment_{kind}: data of dtype bool"):
            getattr(ops, f"segment_{kind}")(flags, ids, 5)
    for kind, want in (("max", [True, True, True, False, False]),
                       ("min", [False, True, True, True, False])):
        got = host(getattr(ops, f"segment_{kind}")(flags, ids, 5))
        assert got.dtype == np.bool_
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(host(ops.segment_sum(flags.astype(np.int64), ids, 3)),
                                  [1, 1, 1])

# SciPy's names for JAX's modes
_SCIPY_MODE = {"constant": "grid-constant", "nearest": "nearest", "wrap": "grid-wrap",
               "mirror": "mirror", "reflect": "reflect"}


@pytest.mark.parametrize("mode", list(_SCIPY_MODE))
def test_map_coordinates_values_and_grads(backend, mode):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5))
    c = np.stack([rng.uniform(-3, 7, 6), rng.uniform(-3, 8, 6)]) + 0.01
    for order in (0, 1):
        want = sndi.map_coordinates(x, c, order=order, mode=_SCIPY_MODE[mode], cval=0.5)
        got = host(gndi.map_coordinates(dev(x), [dev(c[0]), dev(c[1])], order, mode, 0.5))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12,
                                   err_msg=f"order {order}")
    c = np.floor(c) + rng.uniform(0.1, 0.9, c.shape)  # away from the kinks at grid lines
    check_grads(lambda a, c0, c1, v: gndi.map_coordinates(a, [c0, c1], 1, mode, v),
                (dev(x), dev(c[0]), dev(c[1]), dev(np.array(0.5))), order=2)


def test_map_coordinates_jit_vmap_and_errors(backend):
    rng = np.random.default_rng(3)
    x, c = dev(rng.standard_normal((3, 4))), dev(rng.uniform(-1, 4, (2, 5)))
    f = lambda a, c: gndi.map_coordinates(a, c, 1, "reflect")
    np.testing.assert_allclose(host(ad.jit(f)(x, c)), host(f(x, c)))
    cs = dev(rng.uniform(-1, 4, (3, 2, 5)))
    got = host(ad.vmap(f, in_axes=(None, 0))(x, cs))
    for b in range(3):
        np.testing.assert_allclose(got[b], host(f(x, cs[b])))
    img = dev(np.arange(12, dtype=np.int32).reshape(3, 4))
    np.testing.assert_array_equal(host(gndi.map_coordinates(img, [dev(np.array([0.5])),
                                                                  dev(np.array([1.5]))], 1)),
                                  [4])  # 3.5 rounded away from zero
    with pytest.raises(ValueError, match=r"map_coordinates: .*1 != 2 \(input of shape \(3, 4\)"):
        gndi.map_coordinates(x, [c[0]], 1)
    with pytest.raises(RuntimeError, match="map_coordinates: spline order not supported"):
        gndi.map_coordinates(x, c, 6)
    with pytest.raises(RuntimeError, match="map_coordinates: boundary mode 'grid-reflect'"):
        gndi.map_coordinates(x, c, 1, mode="grid-reflect")


def test_regular_grid_interpolator(backend):
    rng = np.random.default_rng(4)
    gx, gy = np.array([0.0, 0.5, 2.0, 3.0]), np.array([-1.0, 0.0, 1.5])
    values = rng.standard_normal((4, 3, 2))
    pts = np.stack([rng.uniform(0.05, 2.95, 6), rng.uniform(-0.95, 1.45, 6)], axis=-1)
    for method in ("linear", "nearest"):
        want = sinterp.RegularGridInterpolator((gx, gy), values, method=method)(pts)
        f = ginterp.RegularGridInterpolator((dev(gx), dev(gy)), dev(values), method=method)
        np.testing.assert_allclose(host(f(dev(pts))), want, rtol=1e-12, err_msg=method)
    out = np.array([[3.5, 0.0], [1.0, -2.0], [1.0, 0.5]])
    f = ginterp.RegularGridInterpolator((dev(gx), dev(gy)), dev(values[..., 0]), fill_value=7.0)
    got = host(f(dev(out)))
    np.testing.assert_allclose(got[:2], 7.0)
    np.testing.assert_allclose(got[2], sinterp.RegularGridInterpolator(
        (gx, gy), values[..., 0])(out[2]))
    nan = ginterp.RegularGridInterpolator((dev(gx), dev(gy)), dev(values[..., 0]))
    assert np.isnan(host(nan(dev(out)))[:2]).all()
    check_grads(lambda a, b, v, p, fv: ginterp.RegularGridInterpolator((a, b), v,
                                                                       fill_value=fv)(p),
                (dev(gx), dev(gy), dev(values), dev(np.concatenate([pts, out[:1]])),
                 dev(np.array(0.25))), order=2)
    # jit with the interpolator as an argument (a pytree), vmap over points
    f = ginterp.RegularGridInterpolator((dev(gx), dev(gy)), dev(values))
    np.testing.assert_allclose(host(ad.jit(lambda f, p: f(p))(f, dev(pts))), host(f(dev(pts))))
    got = host(ad.vmap(lambda p: f(p))(dev(pts)))  # a 1-D xi is one point: (1, 2) each
    np.testing.assert_allclose(got[:, 0], host(f(dev(pts))))
    with pytest.raises(ValueError, match=r"RegularGridInterpolator: .*shape \(6, 3\)"):
        f(dev(np.zeros((6, 3))))
    with pytest.raises(ValueError, match="RegularGridInterpolator: there are 4 point arrays"):
        ginterp.RegularGridInterpolator((dev(gx),) * 4, dev(values))
    with pytest.raises(ValueError, match="method 'cubic' is not defined"):
        ginterp.RegularGridInterpolator((dev(gx), dev(gy)), dev(values), method="cubic")


@pytest.mark.parametrize("norm", [None, "ortho"])
def test_dct_values_and_grads(backend, norm):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4, 5))
    for n, axis in ((None, -1), (3, 1), (7, 0)):
        np.testing.assert_allclose(host(gfft.dct(dev(x), n=n, axis=axis, norm=norm)),
                                   sfft.dct(x, n=n, axis=axis, norm=norm), atol=1e-12)
        np.testing.assert_allclose(host(gfft.idct(dev(x), n=n, axis=axis, norm=norm)),
                                   sfft.idct(x, n=n, axis=axis, norm=norm), atol=1e-12)
    for s, axes in ((None, None), ((2, 6), None), (None, (0, 2)), ((4,), (1,))):
        np.testing.assert_allclose(host(gfft.dctn(dev(x), s=s, axes=axes, norm=norm)),
                                   sfft.dctn(x, s=s, axes=axes, norm=norm), atol=1e-11)
        np.testing.assert_allclose(host(gfft.idctn(dev(x), s=s, axes=axes, norm=norm)),
                                   sfft.idctn(x, s=s, axes=axes, norm=norm), atol=1e-11)
    z = x[0] + 1j * x[1]
    np.testing.assert_allclose(host(gfft.dctn(dev(z), norm=norm)), sfft.dctn(z, norm=norm),
                               atol=1e-11)
    check_grads(lambda a: gfft.dct(a, n=6, axis=1, norm=norm), (dev(x[:2]),), order=1)
    check_grads(lambda a: gfft.idctn(a, s=(3, 2), norm=norm), (dev(x[0]),), order=2)


def test_dct_jit_vmap_and_errors(backend):
    x = dev(np.random.default_rng(6).standard_normal((3, 4)))
    f = lambda a: gfft.idct(gfft.dct(a, norm="ortho"), norm="ortho")
    np.testing.assert_allclose(host(ad.jit(f)(x)), host(x), atol=1e-12)
    np.testing.assert_allclose(host(ad.vmap(lambda a: gfft.dctn(a))(x)),
                               sfft.dct(host(x), axis=-1), atol=1e-12)
    with pytest.raises(ValueError, match="dct: type must be 1, 2, 3 or 4"):
        gfft.dct(x, type=5)
    with pytest.raises(ValueError, match="idctn: norm must be"):
        gfft.idctn(x, norm="half")
    with pytest.raises(ValueError, match=r"dctn: s must have at most x.ndim \(2\)"):
        gfft.dctn(x, s=(1, 2, 3))
    with pytest.raises(ValueError, match="dct: axis 2 is out of bounds"):
        gfft.dct(x, axis=2)
