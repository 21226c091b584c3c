"""Regressions found porting torch's NumPy-interop, complex and Tensor tests
(tests/conformance/test_torch_numpy_interop.py): values a tensor's dtype cannot hold written
silently by NumPy's casts, silent constants from constructors, torch-only calls that took
NumPy's leniency. Expected values are derived by hand."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


class _TorchDtype:
    """Stands for ``torch.float32`` (CI has no torch): gpuad reads torch dtypes by name."""

    def __str__(self) -> str:
        return "torch.float32"


def _t(values, dtype):
    return ad.tensor(np.array(values, dtype=dtype))


@pytest.mark.parametrize("value,dtype", [(1j, np.float64), (float("nan"), np.int64),
                                         (float("inf"), np.int32), (300, np.uint8),
                                         (200, np.int8), (1e40, np.float32)])
def test_fill_refuses_values_the_dtype_cannot_hold(backend, value, dtype):
    # before: masked_fill gave 0 (imaginary part dropped), INT64_MIN for NaN, 44 for 300 in
    # uint8, inf for 1e40 in float32; new_full did the same
    mask = ad.tensor([True, False])
    for call in (lambda t: t.masked_fill(mask, value), lambda t: t.masked_fill_(mask, value),
                 lambda t: t.new_full((2,), value), lambda t: t.fill_(value)):
        t = _t([0, 0], dtype)
        with pytest.raises((RuntimeError, TypeError), match="cannot be written"):
            call(t)
        assert not to_numpy(t).any()


def test_fill_values_torch_wraps_or_takes(backend):
    mask = ad.tensor([True, False])
    np.testing.assert_array_equal(to_numpy(_t([0, 0], np.uint8).masked_fill(mask, -1)), [255, 0])
    np.testing.assert_array_equal(to_numpy(_t([0, 0], np.uint8).fill_(-2)), [254, 254])
    np.testing.assert_array_equal(to_numpy(_t([0, 0], np.float64).fill_(1 + 0j)), [1.0, 1.0])
    np.testing.assert_array_equal(to_numpy(_t([0, 0], np.int64).masked_fill(mask, 2.7)), [2, 0])
    with np.errstate(over="ignore"):
        assert to_numpy(_t([0], np.float16).new_full((1,), 7e4))[0] == np.inf  # torch's too


def test_masked_fill_value_must_be_0d(backend):
    x = ad.tensor([0.0, 0.0, 0.0])
    mask = ad.tensor([True, False, True])
    with pytest.raises(RuntimeError, match="0-d"):
        x.masked_fill(mask, ad.tensor([0.5]))  # before: broadcast silently
    with pytest.raises(RuntimeError, match="0-d"):
        x.fill_(ad.tensor([0.5]))
    with pytest.raises(TypeError, match="complex"):
        x.masked_fill(mask, ad.tensor(1j))  # before: 0 where the mask holds
    v = ad.tensor(2.0, requires_grad=True)
    y = x.masked_fill(mask, v * 3)
    np.testing.assert_array_equal(to_numpy(y), [6.0, 0.0, 6.0])
    y.sum().backward()
    assert float(v.grad) == 6.0  # two entries, each 3 v


def test_tensor_where_needs_a_boolean_condition(backend):
    x = ad.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="boolean"):
        x.where(ad.tensor([1.0, 0.0]), 0.0)  # before: NumPy's truth of 1.0 and 0.0
    np.testing.assert_array_equal(to_numpy(x.where(x > 1.5, 0.0)), [0.0, 2.0])
    np.testing.assert_array_equal(to_numpy(gnp.where(ad.tensor([1.0, 0.0]), x, 0.0)), [1.0, 0.0])


def test_new_tensor_of_a_tensor_that_requires_grad(backend):
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="clone"):
        x.new_tensor(x)  # before: a constant copy, its gradient cut silently
    c = x.new_tensor(x.detach())
    assert not c.requires_grad
    np.testing.assert_array_equal(to_numpy(c), [1.0, 2.0])


def test_tensor_of_a_list_holding_recorded_tensors(backend):
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="gnp.stack"):
        ad.tensor([x[0], x[1] * 2])
    with pytest.raises(TypeError, match="gnp.stack"):
        ad.tensor([[x[0]], [1.0]])
    y = gnp.stack([x[0], x[1] * 2])
    y.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [1.0, 2.0])
    np.testing.assert_array_equal(to_numpy(ad.tensor([ad.tensor(1.0), ad.tensor(3.0)])), [1, 3])


def test_tensor_constructor_arguments(backend):
    t = ad.tensor([1, 2], dtype=_TorchDtype())  # before: "Cannot interpret 'torch.float32'"
    assert t.dtype == np.float32
    np.testing.assert_array_equal(to_numpy(t), [1.0, 2.0])
    for bad in (None, ["a", "b"], np.array([b"x"])):
        with pytest.raises(TypeError, match="no numeric tensor|dtype object|dtype <U|dtype .S"):
            ad.tensor(bad)  # before: a Tensor of dtype object or a string dtype
    a = np.lib.stride_tricks.as_strided(np.array([3.0, 5.0, 8.0]), (3,), (3,))
    with pytest.raises(ValueError, match="strides"):
        ad.tensor(a)  # before: values read across element boundaries


def test_iteration_over_a_0d_tensor(backend):
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ad.tensor(1.0))  # before: "len() of a 0-d tensor", at the first next()
    rows = list(ad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert len(rows) == 2
    np.testing.assert_array_equal(to_numpy(rows[1]), [3.0, 4.0])


def test_torch_cumsum_of_unsigned_is_int64(backend):
    x = _t([250, 10, 3], np.uint8)
    r = x.cumsum(dim=0)  # torch: int64; before: NumPy's uint64
    assert r.dtype == np.int64
    np.testing.assert_array_equal(to_numpy(r), [250, 260, 263])
    assert x.cumprod(dim=0).dtype == np.int64
    assert x.cumsum(0).dtype == np.uint64  # the positional form stays NumPy's


def test_object_operands_with_a_tensor_being_differentiated():
    # before: Fraction(1, 2) * t gave a dtype-object Tensor without history: a silent
    # constant (torch raises TypeError)
    from fractions import Fraction

    v = ad.tensor([1.0, 2.0], requires_grad=True)
    for f in (lambda: Fraction(1, 2) * v, lambda: v + np.array([1, 2], dtype=object),
              lambda: gnp.stack([v, np.array([1, 2], dtype=object)])):
        with pytest.raises(TypeError, match="dtype object"):
            f()
    y = float(Fraction(1, 2)) * v  # the conversion it asks for
    y.sum().backward()
    np.testing.assert_array_equal(to_numpy(v.grad), [0.5, 0.5])


def test_type_of_a_torch_tensor_class_and_is_signed(backend):
    mod = "torch" if backend == "numpy" else "torch.cuda"  # the device's tensor types
    int_tensor = type("IntTensor", (), {"__module__": mod})  # stands for torch.IntTensor
    r = ad.tensor([1.5, -2.5]).type(int_tensor)  # before: "Could not convert ... to a dtype"
    assert r.dtype == np.int32
    np.testing.assert_array_equal(to_numpy(r), [1, -2])
    signed = {np.int8: True, np.int64: True, np.float16: True, np.complex64: True,
              np.uint8: False, np.bool_: False}
    for dt, want in signed.items():
        assert ad.tensor(np.zeros(1, dt)).is_signed() is want  # before: AttributeError


def test_numpy_function_of_a_list_of_tensors_says_stack():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    # the error names the NumPy function and its gpuad.numpy counterpart, which takes the list
    for f, name in ((lambda: np.sum([x, x * 2]), "sum"), (lambda: np.max([x[0], x[1]]), "max")):
        with pytest.raises(TypeError, match=rf"numpy\.{name} converts .* call "
                                            rf"gpuad\.numpy\.{name}\(\.\.\.\) instead"):
            f()
    gnp.sum([x, x * 2]).backward()  # the call it suggests, recorded
    np.testing.assert_array_equal(to_numpy(x.grad), [3.0, 3.0])
    np.sum(gnp.stack([x, x * 2])).backward()  # or stacked first
    np.testing.assert_array_equal(to_numpy(x.grad), [6.0, 6.0])


def test_numpy_scalar_type_of_a_tensor_being_differentiated():
    # before: numpy.float64(t) of a Tensor of shape (2,) gave array([1., 2.]), a silent
    # constant (gnp.float64 is numpy.float64); one element stays the explicit float(t)
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    for f in (lambda: np.float64(x), lambda: gnp.float64(x), lambda: np.complex128(x * 2)):
        with pytest.raises(TypeError, match="astype"):
            f()
    assert np.float64(x[:1]) == 1.0 and np.float32(x[1]) == 2.0
    np.testing.assert_array_equal(np.int64(x * 1.5), [1, 3])  # integer casts: constants
    y = x.astype(np.float64) * 3  # the call it suggests, recorded
    y.sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), [3.0, 3.0])
