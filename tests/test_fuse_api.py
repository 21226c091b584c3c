"""gpuad.fuse (CuPy's cupy.fuse): calling rules, in-place updates of arguments, composition,
gradients; and the Tensor fixes it needed (in-place operators, NumPy-scalar Tensors under jit).

CuPy's own fusion tests run in tests/conformance/test_cupy_fuse_suite.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from tests.conftest import to_numpy

pytestmark = pytest.mark.filterwarnings("ignore::gpuad.jit.JitFallbackWarning")


def _xp():
    return ad.get_backend().xp


# ---- Tensor in-place operators write into the array the Tensor holds ---------------------------

INPLACE_INT = {"//=": np.floor_divide, "%=": np.remainder, "&=": np.bitwise_and,
               "|=": np.bitwise_or, "^=": np.bitwise_xor, "<<=": np.left_shift,
               ">>=": np.right_shift}


@pytest.mark.parametrize("op", list(INPLACE_INT))
def test_inplace_operator_writes_jit_argument(backend, op):
    ns: dict = {}
    exec(f"def f(x, y):\n    x {op} y\n", ns)
    a0 = np.array([4, 7, 9, 12], dtype=np.int16)
    b = np.array([3, 2, 1, 5], dtype=np.int16)
    expected = INPLACE_INT[op](a0, b)
    f = ad.jit(ns["f"])
    for k in range(2):  # traced, then replayed
        a = _xp().asarray(a0 + k)
        f(a, _xp().asarray(b))
        np.testing.assert_array_equal(to_numpy(a), INPLACE_INT[op](a0 + k, b))
    t = ad.tensor(_xp().asarray(a0))
    held = t.data
    ns["f"](t, b)
    np.testing.assert_array_equal(to_numpy(held), expected)


def test_inplace_float_ops_and_matmul(backend):
    a0 = np.array([[4.5, 7.0], [9.25, -3.0]])
    t = ad.tensor(_xp().asarray(a0.copy()))
    held = t.data
    t //= 2.0
    t %= 1.5
    np.testing.assert_array_equal(to_numpy(held), (a0 // 2.0) % 1.5)
    m = np.array([[1.0, 2.0], [0.5, -1.0]])
    t @= m
    np.testing.assert_array_equal(to_numpy(held), ((a0 // 2.0) % 1.5) @ m)
    with pytest.raises(ValueError, match="not t's"):
        t @= np.ones((2, 1))


def test_inplace_result_shape_must_be_the_tensors(backend):
    a = _xp().asarray(np.array(5.0))
    t = ad.tensor(a)
    with pytest.raises(ValueError, match="non-broadcastable output operand"):
        t += np.array([1.0])
    assert float(to_numpy(a)) == 5.0
    with pytest.raises(ValueError, match="non-broadcastable output operand"):
        ad.tensor(_xp().ones(3)).__imul__(np.ones((1, 3)))


def test_inplace_gradient(backend):
    def f(x):
        y = x * 3.0
        y %= 2.0
        return gnp.sum(y * x)
    x = _xp().asarray(np.array([0.2, 0.9, 1.4]))
    g = ad.grad(f)(x)
    xs = np.array([0.2, 0.9, 1.4])
    # d/dx[(3x mod 2) x] = 3x + (3x mod 2) away from the jumps
    np.testing.assert_allclose(to_numpy(g), 3 * xs + (3 * xs) % 2.0, rtol=1e-12)


def test_ufunc_out_object_raises_type_error(backend):
    t = ad.tensor(_xp().ones(3))
    with pytest.raises(TypeError, match="out= must be an array"):
        np.add(t, t, out=object())


def test_tensor_of_numpy_scalar_is_an_array_under_jit(backend):
    f = ad.jit(lambda x, y: gnp.exp(x) * y)
    y = _xp().asarray(np.array([0.5, 2.0]))
    for v in (0.5, 0.75, 1.5):
        t = ad.Tensor(np.float64(v))
        assert t.shape == () and not isinstance(t.data, np.generic)
        np.testing.assert_allclose(to_numpy(f(t, ad.Tensor(y))), np.exp(v) * np.array([0.5, 2.0]),
                                   rtol=1e-13)


# ---- gpuad.fuse ---------------------------------------------------------------------------------

def test_fuse_decorator_forms_and_names(backend):
    @ad.fuse
    def plain(x):
        """doc"""
        return x + x

    @ad.fuse()
    def paren(x):
        return x * 2

    @ad.fuse(kernel_name="abc")
    def named(x):
        return x - 1

    assert plain.__name__ == "plain" and plain.__doc__ == "doc" and plain.name == "plain"
    assert paren.kernel_name is None
    assert named.name == "abc" and named.__name__ == "named" and "abc" in repr(named)
    x = _xp().asarray(np.arange(4.0))
    np.testing.assert_array_equal(to_numpy(plain(x)), np.arange(4.0) * 2)
    np.testing.assert_array_equal(to_numpy(named(x)), np.arange(4.0) - 1)
    with pytest.raises(TypeError, match="at most one positional"):
        ad.fuse(lambda x: x, lambda x: x)
    with pytest.raises(TypeError, match="kernel_name"):
        ad.fuse(kernel_name=3)(lambda x: x)


def test_fuse_argument_rules(backend):
    calls = []

    @ad.fuse()
    def f(x, y):
        calls.append(type(x))
        return x * y + 1

    assert f(2.0, np.float32(3)) == 7.0 and calls == [float]  # no array: f itself, as CuPy
    with pytest.raises(TypeError, match="invalid argument type for 'f': list"):
        f(_xp().ones(2), [1, 2])
    out = f(_xp().asarray(np.arange(3, dtype=np.int8)), 2)
    assert out.dtype == np.int8 and isinstance(out, _xp().ndarray)
    np.testing.assert_array_equal(to_numpy(out), np.arange(3, dtype=np.int8) * 2 + 1)
    out = f(_xp().asarray(np.arange(3, dtype=np.int8)), np.int64(2))
    assert out.dtype == np.int64  # NumPy 2's promotion: a NumPy scalar is not weak


def test_fuse_inplace_out_and_none(backend):
    @ad.fuse()
    def update(x, y, z, w):
        x += y
        x *= 2
        np.add(x, y, out=z)
        if w is None:
            return z
        return z + w

    a0, b0 = np.arange(6.0).reshape(2, 3), np.ones(3)
    for k in range(2):
        a, b = _xp().asarray(a0 + k), _xp().asarray(b0)
        z = _xp().zeros((2, 3))
        r = update(a, b, z, None)
        np.testing.assert_array_equal(to_numpy(a), (a0 + k + b0) * 2)
        np.testing.assert_array_equal(to_numpy(z), (a0 + k + b0) * 2 + b0)
        np.testing.assert_array_equal(to_numpy(r), to_numpy(z))


def test_fuse_overlapping_arguments_run_the_function(backend):
    def f(x, y):
        x *= 2
        y += x
        return y

    a0 = np.arange(9.0).reshape(3, 3)
    expected = a0.copy()
    f(expected, expected.T)
    a = _xp().asarray(a0)
    f_fused = ad.fuse(f)
    f_fused(a, a.T)
    np.testing.assert_array_equal(to_numpy(a), expected)
    assert f_fused._jitted.cache_info()["misses"] == 0


def test_fuse_composition_and_reduction(backend):
    @ad.fuse()
    def inner(x, y):
        return x - y * 2, x + y

    @ad.fuse()
    def outer(x, y):
        a, b = inner(x + 1, y)
        return gnp.sum(a * b, axis=1, keepdims=True)

    x0, y0 = np.arange(6.0).reshape(2, 3), np.linspace(0, 1, 3)
    a, b = (x0 + 1) - y0 * 2, (x0 + 1) + y0
    for k in range(2):
        r = outer(_xp().asarray(x0 + k), _xp().asarray(y0))
        a, b = (x0 + k + 1) - y0 * 2, (x0 + k + 1) + y0
        np.testing.assert_allclose(to_numpy(r), np.sum(a * b, axis=1, keepdims=True),
                                   rtol=1e-14)
    assert outer._jitted.cache_info()["misses"] == 1
    assert inner._jitted.cache_info()["misses"] == 0  # ran inside outer's program


def test_fuse_gradient_equals_plain(backend):
    def f(x, y):
        return gnp.sum(gnp.sin(x) * y + gnp.maximum(x, y) ** 2, axis=0)

    fused = ad.fuse(f)
    w = _xp().asarray(np.array([1.0, -2.0, 0.5]))
    for seed in range(2):
        rng = np.random.RandomState(seed)
        x, y = (_xp().asarray(rng.rand(4, 3)) for _ in range(2))
        g_plain = ad.grad(lambda a, b: gnp.sum(f(a, b) * w), argnums=(0, 1))(x, y)
        g_fused = ad.grad(lambda a, b: gnp.sum(fused(a, b) * w), argnums=(0, 1))(x, y)
        for gp, gf in zip(g_plain, g_fused, strict=True):
            np.testing.assert_allclose(to_numpy(gf), to_numpy(gp), rtol=1e-13)
    ad.testing.check_grads(lambda a: gnp.sum(fused(a, y) * w), [x], order=1)


def test_fuse_large_chain_is_one_group(backend):
    @ad.fuse()
    def f(x, y):
        return gnp.sum(gnp.exp(-x) * y + x * x - y, axis=1)

    x0 = np.linspace(0, 1, 1 << 17).reshape(256, 512)
    y0 = x0[::-1].copy()
    x, y = _xp().asarray(x0), _xp().asarray(y0)
    np.testing.assert_allclose(to_numpy(f(x, y)), np.sum(np.exp(-x0) * y0 + x0 * x0 - y0, axis=1),
                               rtol=1e-12)
    text = str(f.lower(x, y))
    assert "group 0" in text and "group 1" not in text, text


def test_bool_tensor_squared_is_numpys_int8(backend):
    b = np.array([True, False, True])
    expected = b ** 2  # NumPy's ** 2 is its square: int8 for booleans (power gives int64)
    got = ad.tensor(_xp().asarray(b)) ** 2
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(to_numpy(got), expected)
    assert (ad.tensor(_xp().asarray(b)) ** 3).dtype == (b ** 3).dtype


def test_python_int_beyond_int64_in_a_fused_chain(backend):
    # the fusion pass tested such an operand with numpy.isfinite, which raises on it
    x = np.arange(3, dtype=np.int64)
    f = ad.fuse(lambda x, s: s / (x + 1))
    np.testing.assert_allclose(to_numpy(f(_xp().asarray(x), -2**70)), -2**70 / (x + 1),
                               rtol=1e-15)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_mean_sums_integers_in_float64_and_float16_in_float32(backend):
    # the sum wrapped around in int64 / overflowed to inf in float16 before the division
    big = np.array([[2**62, 2**62], [2**62, 2**62]], dtype=np.int64)
    half = (np.random.RandomState(0).rand(5000) * 100).astype(np.float16)
    for a, axis in ((big, None), (big, 0), (half, None)):
        expected = np.mean(a, axis=axis)
        got = gnp.mean(ad.tensor(_xp().asarray(a)), axis=axis)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(to_numpy(got).astype(float), np.asarray(expected, float),
                                   rtol=1e-3)
    fused = ad.fuse(lambda x, y: np.mean(x * y, axis=0))
    x = np.array([[2**40, 3], [2**40, 5]], dtype=np.int64)
    np.testing.assert_allclose(to_numpy(fused(_xp().asarray(x), _xp().asarray(x))),
                               np.mean(x * x, axis=0), rtol=1e-15)
