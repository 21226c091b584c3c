"""torch's argument rules of the shape methods where NumPy's differ (``narrow``, ``roll``,
``tril``/``triu``, ``vsplit``, ``rot90``, ``permute``, ``split``/``tensor_split``/``chunk``,
``nonzero``), written from torch's documented behaviour; the in-place ``tril_``/``triu_``
against central differences. tests/conformance/test_torch_shape_creation.py compares the
same with torch itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

X = np.arange(12.0).reshape(3, 4) * 0.5 - 1.3


def _t(a, grad=False):
    return ad.tensor(ad.get_backend().xp.asarray(np.asarray(a)), requires_grad=grad)


def test_narrow_start_below_minus_n_raises_instead_of_wrapping(backend):
    x = _t(X)
    np.testing.assert_array_equal(to_numpy(x.narrow(1, -4, 2)), X[:, 0:2])  # -n is in range
    np.testing.assert_array_equal(to_numpy(x.narrow(1, 4, 0)), X[:, 4:4])  # so is n
    with pytest.raises(IndexError, match=r"start -5 is out of range \[-4, 4\]"):
        x.narrow(1, -5, 1)  # was x[:, 3:4], wrapped around a second time
    with pytest.raises(IndexError, match="out of range"):
        x.narrow_copy(0, -7, 1)
    with pytest.raises(ValueError, match="length must be non-negative"):
        x.narrow(0, 0, -1)
    with pytest.raises(IndexError, match="at least 1 dim"):
        _t(1.0).narrow(0, 0, 1)


def test_tril_triu_methods_want_matrices_and_have_in_place_forms(backend):
    v = _t(np.array([1.0, 2.0, 3.0]))
    for name in ("tril", "triu"):
        with pytest.raises(ValueError, match="at least 2 dims"):
            getattr(v, name)()  # was a 3 x 3 matrix of repeated rows (NumPy's reading)
    assert gnp.tril(v).shape == (3, 3)  # gnp.tril stays NumPy's
    for name, ref in (("tril_", np.tril), ("triu_", np.triu)):
        for k in (-5, -1, 0, 2, 9):
            y = _t(X) * 1.0
            v0 = y._version if hasattr(y, "_version") else None
            assert getattr(y, name)(k) is y
            np.testing.assert_array_equal(to_numpy(y), ref(X, k))
            if v0 is not None:
                assert y._version > v0
    c = np.random.default_rng(0).standard_normal(X.shape)

    def loss(a):
        y = a * a
        y.t().tril_(-1)  # through a transposed view: the upper triangle of y kept
        return gnp.sum(y * _t(c))

    x = _t(X, grad=True)
    loss(x).backward()
    expected = 2 * X * np.triu(c, 1)  # d/dx of sum(triu(x * x, 1) * c)
    np.testing.assert_allclose(to_numpy(x.grad), expected, rtol=1e-12)
    with pytest.raises(RuntimeError, match="leaf"):
        _t(X, grad=True).tril_()


def test_roll_wants_one_dim_per_shift(backend):
    x = _t(X)
    np.testing.assert_array_equal(to_numpy(x.roll((1, -2), (0, 1))), np.roll(X, (1, -2), (0, 1)))
    np.testing.assert_array_equal(to_numpy(x.roll(5)), np.roll(X, 5))
    np.testing.assert_array_equal(to_numpy(x.roll((5,))), np.roll(X, 5))
    with pytest.raises(ValueError, match="same length"):
        x.roll((1, 2), 0)  # NumPy's roll would roll dim 0 by 3
    with pytest.raises(ValueError, match="same length"):
        x.roll(1, (0, 1))  # NumPy's roll would roll both dims by 1
    with pytest.raises(ValueError, match="without dims"):
        x.roll((1, 2))
    with pytest.raises(IndexError, match="0-d"):
        _t(2.0).roll(1, 0)
    with pytest.raises(IndexError, match="out of range"):
        x.roll(1, 2)


def test_rot90_permute_vsplit_errors_name_the_problem(backend):
    x = _t(np.arange(24.0).reshape(2, 3, 4))
    with pytest.raises(IndexError, match="dim 3 is out of range"):
        x.rot90(1, (0, 3))
    with pytest.raises(IndexError, match="dim -3 is out of range"):
        _t(X).rot90(1, (0, -3))  # was IndexError: list index out of range
    with pytest.raises(ValueError, match="at least 2 dims"):
        _t(np.arange(3.0)).rot90()
    with pytest.raises(ValueError, match="out of range"):
        gnp.rot90(_t(X), 1, (0, -3))
    np.testing.assert_array_equal(to_numpy(x.rot90(-3, [2, 0])), np.rot90(to_numpy(x), -3, (2, 0)))
    np.testing.assert_array_equal(to_numpy(x.permute(dims=(2, 0, 1))),
                                  np.transpose(to_numpy(x), (2, 0, 1)))
    with pytest.raises(IndexError, match="dim 3 is out of range"):
        x.permute(0, 1, 3)  # was "repeated axis in transpose"
    with pytest.raises(ValueError, match="2 dims"):
        x.permute(0, 1)
    with pytest.raises(ValueError, match="at least 2 dims"):
        _t(np.arange(4.0)).vsplit(2)  # was split along dim 0


def test_split_family_keywords_and_zero_d(backend):
    x = _t(np.arange(14.0).reshape(7, 2))
    a = [to_numpy(p) for p in x.split(split_size=3)]
    assert [p.shape[0] for p in a] == [3, 3, 1]
    b = [to_numpy(p) for p in x.tensor_split(indices=[1, 4])]
    assert [p.shape[0] for p in b] == [1, 3, 3]
    c = [to_numpy(p) for p in x.tensor_split(sections=2, dim=1)]
    assert [p.shape for p in c] == [(7, 1), (7, 1)]
    with pytest.raises(TypeError, match="one of"):
        x.tensor_split(2, sections=2)
    (e,) = _t(np.zeros((0, 3))).split(0)  # torch: a size-0 split of an empty dim, one piece
    assert e.shape == (0, 3)
    s = _t(2.0)
    for name, arg in (("split", 1), ("chunk", 2), ("tensor_split", 2)):
        with pytest.raises(IndexError, match="at least 1 dim"):
            getattr(s, name)(arg)


def test_nonzero_as_tuple_of_a_zero_d_tensor(backend):
    (i,) = _t(2.0).nonzero(as_tuple=True)
    np.testing.assert_array_equal(to_numpy(i), [0])
    (j,) = _t(0.0).nonzero(as_tuple=True)
    assert to_numpy(j).shape == (0,)


def test_arange_with_a_zero_step_names_the_op(backend):
    for call in (lambda: gnp.arange(1, 4, 0), lambda: gnp.arange(1.0, 4.0, step=0.0)):
        with pytest.raises(ZeroDivisionError, match="arange: step must be nonzero"):
            call()  # was NumPy's bare "division by zero"
    np.testing.assert_array_equal(to_numpy(gnp.arange(1, 4, 1)), [1, 2, 3])


def test_float_counts_and_offsets_raise_instead_of_truncating(backend):
    x = _t(X)
    calls = {"narrow": lambda: x.narrow(0, 0.5, 1), "rot90": lambda: x.rot90(1.5),
             "tril": lambda: x.tril(0.5), "roll": lambda: x.roll(1.5, 0),
             "split": lambda: x.split(1.5), "chunk": lambda: x.chunk(2.0),
             "diagonal": lambda: x.diagonal(0.5)}
    for name, call in calls.items():  # were int() of the float: x.rot90(1.5) turned once
        with pytest.raises(TypeError, match=f"Tensor.{name}: .* must be an integer"):
            call()
    np.testing.assert_array_equal(to_numpy(x.narrow(0, _t(np.array(1)), 2)), X[1:3])
    for name in ("flip", "tile"):
        with pytest.raises(TypeError, match="needs dims"):
            getattr(x, name)()  # was a plain copy
    with pytest.raises(ValueError, match="two different dims"):
        x.diagonal(dim1=0, dim2=-2)


def test_axes_out_of_range_raise_instead_of_wrapping_around(backend):
    x = _t(np.arange(6.0).reshape(2, 3))
    for axes in ((0, 5), (1, 2), (-3, 0)):  # were read modulo 2: a transpose, or none
        with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
            gnp.transpose(x, axes)
        with pytest.raises(np.exceptions.AxisError, match="out of bounds"):
            x.transpose(axes)
    with pytest.raises(TypeError, match="integers"):
        gnp.transpose(x, (1.5, 0))
    np.testing.assert_array_equal(to_numpy(gnp.transpose(x, (-1, -2))),
                                  np.arange(6.0).reshape(2, 3).T)
    b = _t(np.ones((3, 4)))
    with pytest.raises(np.exceptions.AxisError, match="tensordot: axis 2"):
        gnp.tensordot(x, b, axes=([1], [2]))  # was a contraction over b's axis 0
    np.testing.assert_allclose(to_numpy(gnp.tensordot(x, b, axes=([-1], [-2]))),
                               np.arange(6.0).reshape(2, 3) @ np.ones((3, 4)))
