"""Regressions found porting JAX's lax_numpy_test.py / lax_numpy_indexing_test.py (hand-derived
values; no JAX here)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import TracerError


def _xp():
    return ad.get_backend().xp


def _h(v):
    return np.asarray(to_numpy(v))


def test_round_with_many_decimals_is_the_identity(backend):
    """round(x, 1000) overflowed 10**1000 and gave NaN (NumPy's too); 0.1 * 10**300 * 1e10
    overflowed to inf. A value with no fraction left at that scale is its own rounding."""
    x = _xp().asarray([0.125, -1.5, 2.5e10, 1e300, np.inf])
    for d in (20, 300, 400, 1000):
        np.testing.assert_array_equal(_h(gnp.round(x, d)), [0.125, -1.5, 2.5e10, 1e300, np.inf])
    np.testing.assert_array_equal(_h(gnp.round(x, 2)), [0.12, -1.5, 2.5e10, 1e300, np.inf])
    x32 = _xp().asarray([0.5, 1.25], dtype=np.float32)
    assert _h(gnp.round(x32, 40)).tolist() == [0.5, 1.25]
    z = _xp().asarray([0.25 + 1e300j])
    np.testing.assert_array_equal(_h(gnp.round(z, 400)), [0.25 + 1e300j])
    np.testing.assert_array_equal(_h(gnp.round(_xp().arange(3), 400)), [0, 1, 2])
    t = ad.tensor(_xp().asarray([0.125, 3.0]), requires_grad=True)
    np.testing.assert_array_equal(_h(t.round(500)), [0.125, 3.0])
    np.testing.assert_array_equal(_h(ad.grad(lambda v: gnp.sum(gnp.round(v, 500)))(t)), [0, 0])
    # Python numbers (the new overflow check read their dtype): NumPy's values
    assert _h(gnp.around(14, -1)) == 10 and _h(gnp.round(0.125, 400)) == 0.125
    assert _h(gnp.round(2.675, 2)) == np.round(2.675, 2)


def test_expand_dims_takes_a_0d_array_axis(backend):
    """expand_dims(x, np.array(0)) raised 'iteration over a 0-d array' (NumPy takes it)."""
    x = _xp().ones((3, 4))
    assert gnp.expand_dims(x, np.array(0)).shape == (1, 3, 4)
    assert gnp.expand_dims(x, np.array(-1)).shape == (3, 4, 1)
    assert gnp.expand_dims(x, [np.array(0)]).shape == (1, 3, 4)


def test_asarray_copy_argument(backend):
    a = _xp().arange(3.0)
    assert gnp.asarray(a, copy=False) is a
    b = gnp.asarray(a, copy=True)
    b[0] = 5.0
    assert float(a[0]) == 0.0
    with pytest.raises(ValueError, match="copy=False"):
        gnp.asarray([1.0, 2.0], copy=False)
    with pytest.raises(ValueError, match="copy=False"):
        gnp.asarray(a, dtype=np.float32, copy=False)
    t = ad.tensor(a, requires_grad=True)
    g = ad.grad(lambda v: gnp.sum(gnp.asarray(v, copy=True) ** 2))(t)
    np.testing.assert_array_equal(_h(g), [0.0, 2.0, 4.0])


def test_sort_and_argsort_descending(backend):
    x = _xp().asarray([0.0, 1, np.nan, 0, 2, np.nan, -np.inf, np.inf])
    np.testing.assert_array_equal(_h(gnp.argsort(x, descending=True)), [2, 5, 7, 4, 1, 0, 3, 6])
    np.testing.assert_array_equal(_h(gnp.sort(x, descending=True)),
                                  [np.nan, np.nan, np.inf, 2, 1, 0, 0, -np.inf])
    m = _xp().asarray([[3.0, 1, 2], [1, 3, 3]])
    np.testing.assert_array_equal(_h(gnp.argsort(m, axis=0, descending=True)),
                                  [[0, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(_h(gnp.argsort(m, axis=None, descending=True)),
                                  [0, 4, 5, 2, 1, 3])
    w = _xp().asarray([0.0, 1, 2, 3])
    g = ad.grad(lambda v: gnp.sum(gnp.sort(v, descending=True) * w))(
        ad.tensor(_xp().asarray([3.0, 1, 2, 1.5])))
    np.testing.assert_array_equal(_h(g), [0, 3, 1, 2])  # v sorted: 3, 2, 1.5, 1


def test_at_update_refuses_a_cast_to_a_lower_kind(backend):
    """x.at[0].add(2.7) on int32 gave 2 (the 0.7 silently dropped); NumPy's add.at raises."""
    x = ad.tensor(_xp().zeros(3, dtype=np.int32))
    with pytest.raises(TypeError, match="x.at\\[...\\].add: cannot cast"):
        x.at[0].add(2.7)
    with pytest.raises(TypeError, match="multiply"):
        x.at[_xp().asarray([0, 0])].multiply(np.float32(1.5))
    with pytest.raises(TypeError, match="divide"):
        x.at[0].divide(2)
    with pytest.raises(TypeError, match="cannot cast"):
        ad.tensor(_xp().zeros(2)).at[0].add(1j)
    assert _h(x.at[0].add(2)).tolist() == [2, 0, 0]
    assert _h(x.at[1].max(np.int16(4))).tolist() == [0, 4, 0]
    f = ad.tensor(_xp().zeros(2, dtype=np.float32))
    assert _h(f.at[0].add(np.float64(1.5))).tolist() == [1.5, 0.0]


def test_bytes_strings_files(backend, tmp_path):
    np.testing.assert_array_equal(_h(gnp.frombuffer(b"\x01\x02\x03", dtype="uint8")), [1, 2, 3])
    np.testing.assert_array_equal(_h(gnp.fromstring("1,2,3", sep=",", dtype=int)), [1, 2, 3])
    t = ad.tensor(_xp().asarray([1.5, -2.0]), requires_grad=True)
    f = io.BytesIO()
    gnp.save(f, t)
    f.seek(0)
    np.testing.assert_array_equal(_h(gnp.load(f)), [1.5, -2.0])
    v = np.arange(6, dtype=np.int32).reshape(2, 3)
    tv = ad.tensor(_xp().asarray(v))
    assert tv.tobytes() == v.tobytes() and tv.tobytes("F") == v.tobytes("F")
    with pytest.raises(TracerError, match="tobytes"):
        ad.jit(lambda a: a.tobytes())(tv)


def test_likes_of_a_shape_dtype_struct(backend):
    """zeros_like(ShapeDtypeStruct) gave a 0-d object array (the struct as a Python object)."""
    s = ad.ShapeDtypeStruct((1, 2, 3), np.dtype("int32"))
    for f, v in ((gnp.zeros_like, 0), (gnp.ones_like, 1), (lambda a: gnp.full_like(a, 2), 2)):
        r = _h(f(s))
        assert r.dtype == np.int32 and r.shape == (1, 2, 3)
        assert (r == v).all()
    assert gnp.empty_like(s).shape == (1, 2, 3)
