"""Regressions found by the port of torch's test_type_promotion.py
(tests/conformance/test_torch_type_promotion.py): in-place ops that would need a wider dtype
raise an error that is both NumPy's TypeError and torch's RuntimeError; ``add``/``sub``/``rsub``
check ``alpha`` as torch does instead of widening the result; torch's ``square``/``pow`` of a
bool tensor are int64; torch's special-function methods keep float16/float32; bfloat16 and
complex32 raise naming what to use. Values are derived by hand or by central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.tensor import CastingError


def _t(v, dtype, requires_grad=False):
    return ad.tensor(gnp.asarray(np.asarray(v, dtype=dtype)), requires_grad=requires_grad)


def _np(t):
    return np.asarray(t.numpy())


def test_inplace_widening_raises_type_and_runtime_error(backend):
    x = _t([1, 2, 3], np.int32)
    v = x._version
    for write in (lambda: x.__iadd__(1.5), lambda: x.add_(1.5), lambda: x.mul_(0.5),
                  lambda: x.div_(2), lambda: x.true_divide_(_t([1, 2, 4], np.int32)),
                  lambda: x.clamp_(0.5, 2.5)):
        with pytest.raises(RuntimeError, match="cast"):  # torch's "can't be cast" class
            write()
        with pytest.raises(TypeError, match="cast"):  # NumPy's UFuncTypeError class
            write()
        with pytest.raises(CastingError):
            write()
    # nothing was written: a silent truncation (2 + 1.5 -> 3) would be a wrong value
    assert _np(x).tolist() == [1, 2, 3] and x._version == v
    r = _t([1.0, 2.0], np.float32)
    with pytest.raises(RuntimeError, match="cast"):
        r *= 1j
    # what fits is written: int32 + int64 stays int32, 1 + 2 = 3
    x.add_(_t([2, 2, 2], np.int64))
    assert x.dtype == np.int32 and _np(x).tolist() == [3, 4, 5]


def test_add_sub_check_alpha_as_torch(backend):
    i = _t([1, 2], np.int32)
    for call in (lambda: i.add(i, alpha=1.1), lambda: i.sub(i, alpha=0.5),
                 lambda: i.rsub(i, alpha=2.0), lambda: i.add(i, alpha=np.float64(1.0)),
                 lambda: i.add(i, alpha=True), lambda: _t([True], bool).add(True, alpha=1.5)):
        # (before: 1 + 1.1 * 1 = 2.1 as float64, where torch refuses the float alpha)
        with pytest.raises(RuntimeError, match="alpha"):
            call()
    f = _t([1.0, 2.0], np.float32)
    with pytest.raises(RuntimeError, match="complex"):
        f.add(f, alpha=1j)
    with pytest.raises(RuntimeError, match="boolean alpha"):
        f.add(f, alpha=True)
    # bool tensors with an int alpha stay bool: True + 2 * False = True, False + 2 * True = True
    b, c = _t([True, False], bool), _t([False, True], bool)
    r = b.add(c, alpha=2)
    assert r.dtype == np.bool_ and _np(r).tolist() == [True, True]
    # a NumPy integer alpha is weak, as torch's Scalar: 1 + 2 * 1 = 3, 2 + 2 * 2 = 6 in int32
    r = i.add(i, alpha=np.int64(2))
    assert r.dtype == np.int32 and _np(r).tolist() == [3, 6]
    # float alphas for float tensors and float results are fine: 1 - 0.5 * 2 = 0
    r = f.sub(2.0, alpha=0.5)
    assert r.dtype == np.float32 and _np(r).tolist() == [0.0, 1.0]
    r = i.add(2.5, alpha=2.0)  # an int tensor with a Python float: a float result
    assert _np(r).tolist() == [6.0, 7.0]


def test_bool_square_and_pow_are_int64(backend):
    b = _t([True, False], bool)
    for r in (b.square(), b.pow(2), b.pow(3)):
        # (before: int8, where 100 * b.square() + 100 wraps to -56)
        assert r.dtype == np.int64 and _np(r).tolist() == [1, 0]
        assert _np(100 * r + 100).tolist() == [200, 100]
    x = _t([1.5, -2.0], np.float32, requires_grad=True)
    y = x.square()
    assert y.dtype == np.float32 and _np(y).tolist() == [2.25, 4.0]
    y.sum().backward()
    assert _np(x.grad).tolist() == [3.0, -4.0]


@pytest.mark.parametrize("dt", [np.float16, np.float32])
def test_special_methods_keep_the_float_dtype(backend, dt):
    xs = [0.25, 0.5]
    cases = {
        "erf": ([math.erf(v) for v in xs], lambda v: 2 / math.sqrt(math.pi) * math.exp(-v * v)),
        "erfc": ([math.erfc(v) for v in xs], lambda v: -2 / math.sqrt(math.pi) * math.exp(-v * v)),
        "lgamma": ([math.lgamma(v) for v in xs], None),
        "erfinv": ([0.22531205501217808, 0.4769362762044699],  # erf(these) = 0.25, 0.5
                   None),
    }
    tol = 2e-3 if dt == np.float16 else 2e-6
    for name, (want, deriv) in cases.items():
        x = _t(xs, dt, requires_grad=True)
        y = getattr(x, name)()
        # (before: float16 in, float64 out for erf, erfc, lgamma, digamma; float32 for erfinv)
        assert y.dtype == dt, (name, y.dtype)
        np.testing.assert_allclose(_np(y).astype(float), want, rtol=tol, atol=tol)
        y.sum().backward()
        assert x.grad.dtype == dt
        if deriv is not None:
            np.testing.assert_allclose(_np(x.grad).astype(float), [deriv(v) for v in xs],
                                       rtol=tol, atol=tol)
    x = _t([0.5, 2.0], dt)
    for y in (x.xlogy(2), x.xlogy(2.5), x.xlogy(_t([2.0, 4.0], dt))):
        # (before: x32.xlogy(2) was float64)
        assert y.dtype == dt
    np.testing.assert_allclose(_np(x.xlogy(2)).astype(float),
                               [0.5 * math.log(2), 2 * math.log(2)], rtol=tol)
    assert x.digamma().dtype == dt
    # an integer tensor still takes a float result (NumPy's float64)
    assert _t([1, 2], np.int32).erf().dtype == np.float64


def test_xlogy_method_gradient_in_float32(backend):
    xv, yv = np.array([0.5, 1.5], np.float32), np.array([2.0, 3.0])
    x = _t(xv, np.float32, requires_grad=True)
    y = _t(yv, np.float32, requires_grad=True)
    x.xlogy(y).sum().backward()
    assert x.grad.dtype == np.float32 and y.grad.dtype == np.float32
    np.testing.assert_allclose(_np(x.grad), np.log(yv), rtol=1e-6)  # d/dx x log y = log y
    np.testing.assert_allclose(_np(y.grad), xv / yv, rtol=1e-6)  # d/dy x log y = x / y


@pytest.mark.parametrize("name", ["bfloat16", "complex32", "float8_e4m3fn"])
def test_missing_dtypes_raise_naming_what_to_use(backend, name):
    x = _t([1.0], np.float32)
    use = "complex64" if name == "complex32" else "float32"
    for call in (lambda: x.to(name), lambda: x.type(name), lambda: ad.tensor([1.0], dtype=name),
                 lambda: x.new_zeros(2, dtype=name), lambda: x.softmax(0, dtype=name),
                 lambda: x.sum(dtype=name), lambda: x.cumsum(0, dtype=name)):
        with pytest.raises(TypeError, match=f"gpuad has no {name} dtype.*use {use}"):
            call()
    with pytest.raises(TypeError, match="no bfloat16 dtype"):
        x.bfloat16()


def test_lerp_rounds_the_weight_to_the_result_dtype(backend):
    # a float32 start with a float64 end is float64 (NumPy's promotion): the weight 0.3 must
    # stay 0.3, not float32's 0.30000001192 (a relative error of 4e-8 in a float64 result)
    a = _t([1.0, 2.0], np.float32, requires_grad=True)
    b = _t([3.0, 4.0], np.float64, requires_grad=True)
    y = a.lerp(b, 0.3)
    assert y.dtype == np.float64
    np.testing.assert_allclose(_np(y), [1 + 0.3 * 2, 2 + 0.3 * 2], rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(_np(b.grad), [0.3, 0.3], rtol=1e-15)  # d/d end = w
    assert a.grad.dtype == np.float32
    np.testing.assert_allclose(_np(a.grad), [0.7, 0.7], rtol=1e-7)  # d/d start = 1 - w
    # one dtype: the weight is rounded to it first, as torch's kernel (float32(0.3))
    c = _t([1.0], np.float32).lerp(_t([3.0], np.float32), 0.3)
    assert _np(c)[0] == np.float32(1) + np.float32(0.3) * np.float32(2)


def test_random_fills_refuse_integer_tensors_and_fill_complex_ones(backend):
    import gpuad.nn.init as init

    for dt in (np.int64, np.uint8, bool):
        x = _t(np.zeros((3, 3)), dt)
        # (before: the draws were truncated into the tensor: normal_ of int64 gave 0, 0, -1)
        for fill in (x.normal_, x.uniform_, lambda: init.normal_(x), lambda: init.uniform_(x),
                     lambda: init.xavier_uniform_(x), lambda: init.kaiming_normal_(x),
                     lambda: init.trunc_normal_(x), lambda: init.orthogonal_(x)):
            with pytest.raises(TypeError, match="floating point"):
                fill()
        assert not _np(x).any()
    gnp.random.seed(0)
    n, mean, std = 20000, 2.0, 3.0
    for fill in (lambda z: z.normal_(mean, std), lambda z: init.normal_(z, mean, std)):
        # torch's complex normal: real and imaginary parts each N(mean, std^2 / 2)
        # (before: the imaginary parts were 0 and the real parts N(mean, std^2))
        z = fill(_t(np.zeros(n), np.complex64))
        v = _np(z)
        for part in (v.real, v.imag):
            assert abs(part.mean() - mean) < 0.1 and abs(part.std() - std / math.sqrt(2)) < 0.1
    for fill in (lambda z: z.uniform_(2.0, 3.0), lambda z: init.uniform_(z, 2.0, 3.0)):
        v = _np(fill(_t(np.zeros(n), np.complex128)))
        for part in (v.real, v.imag):
            assert 2.0 <= part.min() and part.max() < 3.0 and abs(part.mean() - 2.5) < 0.02
    with pytest.raises(TypeError, match="floating point tensor"):
        init.trunc_normal_(_t(np.zeros(3), np.complex64))
