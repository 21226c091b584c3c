"""Regressions found porting NumPy's numeric/function_base/nanfunctions tests
(tests/conformance/test_numpy_gaps.py): the second derivative of std/nanstd of complex values
with a zero deviation, astype's NumPy 2 keywords, rollaxis's AxisError, and the integer
string helpers and fromiter."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

# the mean of these is 1+1j, so the first deviation is exactly zero
Z = np.array([1 + 1j, 2 - 1j, 3j])


def _xp():
    return ad.get_backend().xp


@pytest.mark.parametrize("kw", [{}, {"ddof": 1}, {"axis": 0, "keepdims": True}])
def test_complex_std_second_derivative_at_a_zero_deviation(backend, kw):
    """std was the norm of abs(deviation): abs has no second derivative at 0, and the norm's
    zero weight times it gave a wrong Hessian (0.118 for 0.139 along a random direction)."""
    z = _xp().asarray(Z)
    check_grads(lambda q: gnp.std(q, **kw), (z,), order=2, modes=("rev", "fwd"))
    zn = _xp().asarray(np.append(Z, np.nan))
    check_grads(lambda q: gnp.nanstd(q, **kw), (zn,), order=2, modes=("rev", "fwd"))


def test_complex_std_values_and_keepdims(backend):
    w = np.array([[1 + 1j, 2 - 1j, 3j], [0.5j, 1, -2 + 1j]])
    t = ad.tensor(_xp().asarray(w), requires_grad=True)
    # by hand: sqrt(mean |w - mean(w)|^2) over the axis
    for axis in (None, 0, 1):
        dev = w - w.mean(axis=axis, keepdims=True)
        want = np.sqrt((dev * dev.conj()).real.mean(axis=axis, keepdims=True))
        got = to_numpy(gnp.std(t, axis=axis, keepdims=True))
        assert got.shape == want.shape and np.allclose(got, want)


def test_astype_copy_and_casting_keywords(backend):
    x = ad.tensor(_xp().asarray([1.5, -2.0]), requires_grad=True)
    assert gnp.astype(x, np.float64, copy=False) is x
    assert gnp.astype(x, np.float64) is not x
    assert x.astype(np.float64, copy=False) is x
    y = x.astype(np.int32, order="C", casting="unsafe", copy=False)
    assert y.dtype == np.int32 and to_numpy(y).tolist() == [1, -2]
    with pytest.raises(TypeError, match=r"astype.*float64.*int32.*'safe'"):
        x.astype(np.int32, casting="safe")
    a = _xp().asarray([1.0])
    assert gnp.astype(a, np.float64, copy=False) is a
    g = ad.grad(lambda t: gnp.sum(gnp.astype(t, np.float32, copy=False) * 3))(x)
    assert to_numpy(g).tolist() == [3.0, 3.0]


def test_rollaxis_out_of_range_raises_axis_error(backend):
    x = ad.tensor(_xp().ones((1, 2, 3, 4)))
    for args in ((4,), (-5,), (0, 5), (0, -5)):
        with pytest.raises(np.exceptions.AxisError, match="rollaxis"):
            gnp.rollaxis(x, *args)
    assert gnp.rollaxis(x, 3, 4).shape == (1, 2, 3, 4)
    assert gnp.rollaxis(x, 0, 4).shape == (2, 3, 4, 1)


def test_binary_repr_base_repr_and_fromiter(backend):
    assert gnp.binary_repr(-3, width=4) == "1101"  # 16 - 3 = 13 = 0b1101
    assert gnp.binary_repr(10) == "1010"
    assert gnp.binary_repr(-10) == "-1010"
    assert gnp.base_repr(-10, 3) == "-101"  # 9 + 1
    assert gnp.base_repr(35, 36, padding=2) == "00Z"
    got = to_numpy(gnp.fromiter((i * i for i in range(4)), np.float32))
    assert got.dtype == np.float32 and got.tolist() == [0.0, 1.0, 4.0, 9.0]
    with pytest.raises(ValueError):
        gnp.fromiter(range(2), float, 5)


@pytest.mark.parametrize("x,xp,fp,want", [
    (0.5, [0.0, 1.0], [np.inf, np.inf], np.inf),     # a flat infinite segment: its value
    (0.5, [-np.inf, 1.0], [0.0, 0.0], 0.0),          # an infinite knot, flat: its value
    (0.5, [-np.inf, 1.0], [0.0, 3.0], 3.0),          # slope 0 from the right knot
    (0.0, [0.0, 1.0], [2.0, np.inf], 2.0),           # an exact knot before an infinite value
    (0.5, [0.0, 1.0], [2.0, np.inf], np.inf),        # inf * 0.5 + 2
    (np.nan, [0.0, 1.0], [1.0, 1.0], np.nan),        # NaN stays NaN
    (0.5, [0.0, 1.0], [1.0, 3.0], 2.0),
])
def test_interp_with_infinite_knots_or_values(backend, x, xp, fp, want):
    """interp gave NaN wherever slope * (x - xp[j]) + fp[j] is NaN (inf - inf, 0 * inf):
    NumPy then takes it from the right knot, a flat segment's value or an exact knot's."""
    t = ad.tensor(_xp().asarray(np.array(fp)), requires_grad=True)
    got = to_numpy(gnp.interp(_xp().asarray(np.array(x)), _xp().asarray(np.array(xp)), t))
    assert (np.isnan(want) and np.isnan(got)) or got == want


def test_std_with_where_of_a_single_value_has_zero_gradient(backend):
    """std with where=/mean=/dtype= was sqrt(var): a slice holding one value (std 0 near it,
    derivative 0) got sqrt's 0 * inf = NaN, where std without where= gives 0."""
    x = ad.tensor(_xp().asarray([2.0, 3.0, 5.0]), requires_grad=True)
    y = gnp.std(x, where=_xp().asarray([True, False, False]))
    y.backward()
    assert float(y) == 0.0 and to_numpy(x.grad).tolist() == [0.0, 0.0, 0.0]
    # and two values: std = |a - b| / 2, so d/da = sign(a - b) / 2 = -0.5, d/db = 0.5
    x = ad.tensor(_xp().asarray([2.0, 3.0, 5.0]), requires_grad=True)
    gnp.std(x, where=_xp().asarray([True, True, False]), mean=0.5 * (x[0] + x[1])).backward()
    assert to_numpy(x.grad).tolist() == [-0.5, 0.5, 0.0]


def test_bincount_of_an_empty_list(backend):
    """``[]`` reached bincount as an empty float64 array and raised TypeError; NumPy reads
    an empty list as integers: no counts (or ``minlength`` zeros)."""
    assert to_numpy(gnp.bincount([])).tolist() == []
    got = to_numpy(gnp.bincount([], minlength=3))
    assert got.tolist() == [0, 0, 0] and got.dtype.kind == "i"
    t = ad.tensor(_xp().asarray([0.5, 2.0]), requires_grad=True)
    y = gnp.bincount([0, 1, 1], weights=[t[0], t[1], t[1]])  # a list holding Tensors
    gnp.sum(y * _xp().asarray([1.0, 3.0])).backward()
    assert to_numpy(y).tolist() == [0.5, 4.0] and to_numpy(t.grad).tolist() == [1.0, 6.0]
