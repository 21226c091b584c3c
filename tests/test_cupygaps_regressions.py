"""Regressions found by porting CuPy's manipulation and sorting tests
(tests/conformance/test_cupy_suite_gaps.py): each compared with NumPy in the same process."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp


def _host(x):
    return x.numpy() if isinstance(x, ad.Tensor) else ad.get_backend().to_host(x)


@pytest.mark.parametrize("fn", ["asarray_chkfinite", "asfortranarray", "require"])
def test_list_of_infs_to_an_integer_dtype_raises_as_numpy(fn):
    # the list became a float array first and was then cast: inf and nan wrapped silently
    with pytest.raises(OverflowError):
        np.asarray([np.inf, 1.0], dtype=np.int32)
    with pytest.raises(OverflowError):
        getattr(gnp, fn)([np.inf, 1.0], dtype=np.int32)
    t = ad.Tensor(np.ones(2), requires_grad=True)
    assert getattr(gnp, fn)([t, t]).requires_grad  # a list of Tensors is still stacked


def test_copyto_numpy_scalar_is_cast_by_its_dtype():
    # np.float64 is a float subclass: it was taken as a Python float (weak) and always copied
    dst = np.zeros(3, np.float32)
    with pytest.raises(TypeError):
        np.copyto(dst, np.float64(1), casting="safe")
    with pytest.raises(TypeError):
        gnp.copyto(ad.get_backend().asarray(dst), np.float64(1), casting="safe")


def test_copyto_python_int_out_of_range_raises():
    with pytest.raises(OverflowError):
        np.copyto(np.zeros(2, np.uint16), -4)
    with pytest.raises(OverflowError):
        gnp.copyto(ad.get_backend().asarray(np.zeros(2, np.uint16)), -4)


def test_copyto_non_boolean_where_array_raises():
    mask = np.array([1, 0, 2], np.int8)
    with pytest.raises(TypeError):
        np.copyto(np.zeros(3), np.ones(3), where=mask)
    with pytest.raises(TypeError, match="where"):
        gnp.copyto(ad.get_backend().asarray(np.zeros(3)), ad.get_backend().asarray(np.ones(3)),
                   where=ad.get_backend().asarray(mask))


def test_reshape_order_lowercase_and_a_follows_layout():
    a = np.asfortranarray(np.arange(24.0).reshape(4, 6))
    for order in ("c", "f", "a", "A"):
        want = np.reshape(a, (6, 4), order=order)
        got = gnp.reshape(ad.get_backend().asarray(a), (6, 4), order=order)
        np.testing.assert_array_equal(_host(got), want)


def test_ravel_k_of_a_broadcast_tensor():
    # a zero stride was sorted as the smallest: the broadcast axis went last
    b = np.arange(1.0, 3.0).reshape(2, 1)
    want = np.broadcast_to(b, (3, 2, 4)).ravel("K")
    t = gnp.broadcast_to(ad.Tensor(b, requires_grad=True), (3, 2, 4))
    np.testing.assert_array_equal(_host(gnp.ravel(t, "K")), want)


def test_correlate_refuses_a_scalar_as_numpy_convolve_takes_it():
    # correlate took a 0-d input as a 1-element sequence
    s, v = np.array(3.0), np.array([1.0, 2.0])
    with pytest.raises(ValueError):
        np.correlate(s, v)
    for a, b in ((s, v), (v, s)):
        with pytest.raises(ValueError, match="1-D"):
            gnp.correlate(ad.get_backend().asarray(a), ad.get_backend().asarray(b))
    np.testing.assert_array_equal(
        _host(gnp.convolve(ad.get_backend().asarray(s), ad.get_backend().asarray(v))),
        np.convolve(s, v))


def test_r_python_scalars_do_not_widen_the_arrays():
    # r_[v, 0, 0, v] of int8/float32 values came out int64/float64 (scalars as default arrays)
    for dt in (np.int8, np.float32, np.complex64):
        v = np.array([1, 2, 3], dt)
        want = np.r_[v, 0, 0, v]
        got = gnp.r_[ad.get_backend().asarray(v), 0, 0, ad.Tensor(v)]
        assert _host(got).dtype == want.dtype
        np.testing.assert_array_equal(_host(got), want)
    assert _host(gnp.r_[np.array([1], np.int8), np.float64(2.5)]).dtype == np.float64


def test_zeros_ones_empty_eye_take_numpys_order_and_shape_keyword():
    # gnp.zeros(shape=...) and gnp.ones(s, dtype, "F") raised TypeError (no such parameters)
    assert gnp.zeros(shape=(2, 3)).shape == (2, 3)
    for f in (gnp.zeros, gnp.ones, gnp.empty):
        assert f((2, 3), np.float32, "F").shape == (2, 3)
        with pytest.raises(ValueError):
            f(3, order="A")
    np.testing.assert_array_equal(_host(gnp.eye(3, 4, 1, np.int8, "F")),
                                  np.eye(3, 4, 1, np.int8, "F"))


def test_poly_functions_give_a_poly1d_for_a_poly1d():
    # polyadd & co. gave a bare array for poly1d inputs; repr of Tensor coefficients was garbled
    a = np.arange(1.0, 6.0)
    for p in (gnp.poly1d(ad.Tensor(a)), gnp.poly1d(a)):
        s = gnp.polyadd(p, a[:2])
        assert isinstance(s, np.poly1d) and s.variable == "x"
        np.testing.assert_array_equal(_host(s.coeffs), np.polyadd(np.poly1d(a), a[:2]).coeffs)
        q, r = gnp.polydiv(p, gnp.poly1d(a[1:3]))
        assert isinstance(q, np.poly1d) and isinstance(r, np.poly1d)
        assert isinstance(gnp.polyder(p), np.poly1d) and isinstance(gnp.polyint(p), np.poly1d)
        assert repr(p) == repr(np.poly1d(a))


def test_multi_dot_writes_out_as_numpy():
    # out= raised TypeError
    rs = np.random.RandomState(0)
    a, b, c = rs.rand(3, 4), rs.rand(4, 5), rs.rand(5, 2)
    out = np.zeros((3, 2))
    assert gnp.linalg.multi_dot([ad.Tensor(a), b, c], out=out) is out
    np.testing.assert_allclose(out, np.linalg.multi_dot([a, b, c]), rtol=1e-12)
    with pytest.raises(ValueError):
        gnp.linalg.multi_dot([a, b, c], out=np.zeros((3, 2), np.float32))


def test_array_of_a_list_with_copy_false_raises_as_numpy():
    # NumPy 2's copy=False never copies: a list always needs one; gpuad copied silently
    for obj in ([1.0, 2.0], (1, 2), [ad.Tensor(np.ones(2)), ad.Tensor(np.zeros(2))]):
        with pytest.raises(ValueError):
            np.array([1.0, 2.0], copy=False)
        with pytest.raises(ValueError, match="copy"):
            gnp.array(obj, copy=False)
    assert _host(gnp.array([1.0, 2.0], copy=None)).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("bins", ["sturges", "fd", "auto"])
def test_histogram_string_bins_with_range_count_the_values_in_range(bins):
    # with range= the estimators were given no values: one bin, silently
    a = np.random.RandomState(0).rand(3, 7)
    want_c, want_e = np.histogram(a, bins=bins, range=(0.1, 0.9))
    for x in (ad.Tensor(a, requires_grad=True), ad.get_backend().asarray(a)):
        np.testing.assert_allclose(
            _host(gnp.histogram_bin_edges(x, bins=bins, range=(0.1, 0.9))), want_e)
        c, e = gnp.histogram(x, bins=bins, range=(0.1, 0.9))
        np.testing.assert_array_equal(_host(c), want_c)
        np.testing.assert_allclose(_host(e), want_e)
