"""Regressions found porting JAX's ``tests/lax_test.py`` (tests/conformance/test_jax_lax_gaps.py):
values checked against hand-derived series, refusals against JAX's rules."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad.numpy as gnp
from gpuad import lax


def test_complex_log1p_keeps_the_digits_of_a_small_argument(backend):
    # log1p(z) = z - z^2/2 + z^3/3 - ...; |1 + iy| = sqrt(1 + y^2): Re log1p(iy) = y^2/2 - ...
    z = np.array([1e-10 + 0j, 1e-8j, -1e-12 + 3e-9j, 0.3 + 0.2j])
    ref = z - z**2 / 2 + z**3 / 3 - z**4 / 4 + z**5 / 5 - z**6 / 6 + z**7 / 7
    ref[3] = np.log(1.3 + 0.2j)  # away from 0 log(1 + z) is exact enough
    out = to_numpy(lax.log1p(z))
    np.testing.assert_allclose(out.real, ref.real, rtol=1e-14, atol=0)
    np.testing.assert_allclose(out.imag, ref.imag, rtol=1e-14, atol=0)
    # complex64 keeps its dtype and float32 accuracy (log1p(1e-5) = 1e-5 - 5e-11)
    o32 = to_numpy(gnp.log1p(np.complex64(1e-5)))
    assert o32.dtype == np.complex64
    assert abs(o32.real - 9.99995e-06) < 1e-12
    # large and singular arguments are as before
    big = to_numpy(gnp.log1p(np.array([1e200 + 1e200j])))
    np.testing.assert_allclose(big, np.log(1e200 + 1e200j), rtol=1e-14)
    # signed zeros as NumPy's: log1p(x - 0j) has imaginary part -0.0 (atan2(-0.0, 1 + x))
    z = np.array([complex(0.0, -0.0), complex(-0.0, -0.0), complex(0.1, -0.0)])
    zs = to_numpy(gnp.log1p(z))
    assert np.signbit(zs.imag).tolist() == [True, True, True]


def test_complex_log1p_gradient_is_one_over_one_plus_z(backend):
    from gpuad import jvp

    z = np.array([1e-9 + 2e-9j, 0.25 - 0.1j])
    _, t = jvp(lambda x: gnp.log1p(x), (z,), (np.ones_like(z),))
    np.testing.assert_allclose(to_numpy(t), 1 / (1 + z), rtol=1e-14)


@pytest.mark.parametrize("op", ["dynamic_slice", "dynamic_update_slice"])
def test_dynamic_slice_start_indices_of_mixed_dtypes_raise(backend, op):
    x = np.ones((3, 4), np.float32)
    u = np.zeros((2, 2), np.float32)
    starts = (np.int32(1), np.int16(2))
    args = (x, starts, (2, 2)) if op == "dynamic_slice" else (x, u, starts)
    with pytest.raises(TypeError, match=f"lax.{op}: start indices must be integers of one dtype"):
        getattr(lax, op)(*args)
    # Python ints mix with any integer dtype, as in JAX
    same = (1, np.int16(2))
    args = (x, same, (2, 2)) if op == "dynamic_slice" else (x, u, same)
    getattr(lax, op)(*args)


def test_dynamic_slice_in_dim_with_a_vector_start_raises_naming_the_op(backend):
    x = np.ones((6, 7), np.int32)
    with pytest.raises(TypeError, match="lax.dynamic_slice: start indices must be scalars"):
        lax.dynamic_slice_in_dim(x, np.array([2, 2]), 3)
    with pytest.raises(TypeError, match="lax.dynamic_update_slice: start indices must be scalars"):
        lax.dynamic_update_slice_in_dim(x, np.ones((2, 7), np.int32), np.array([2, 2]), axis=0)


def test_dot_takes_precision_by_keyword_only(backend):
    a = np.arange(5.0)
    with pytest.raises(TypeError, match="positional"):
        lax.dot(a, a, lax.Precision.DEFAULT)
    assert float(to_numpy(lax.dot(a, a, precision=lax.Precision.HIGHEST))) == 30.0


def test_gather_with_no_indices_accepts_a_window_larger_than_the_operand(backend):
    # no index, no slice read: the result is empty (JAX's base case); a window that does not
    # fit with indices present still raises
    dn = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,), start_index_map=(0,))
    out = to_numpy(lax.gather(np.zeros((0,)), np.zeros((0, 1), np.int32), dn, (1,)))
    assert out.shape == (0,) and out.dtype == np.float64
    dn2 = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(),
                                     start_index_map=(0,))
    out2 = to_numpy(lax.gather(np.zeros((0,)), np.zeros((0, 1), np.int32), dn2, (1,)))
    assert out2.shape == (0, 1)
    with pytest.raises(TypeError, match="lax.gather: slice_sizes"):
        lax.gather(np.zeros((0,)), np.zeros((2, 1), np.int32), dn, (1,))


def test_ragged_dot_rows_follow_their_group(backend):
    lhs = np.arange(12.0).reshape(4, 3)
    rhs = np.stack([np.eye(3), 2 * np.eye(3)])  # group 0 copies the row, group 1 doubles it
    out = to_numpy(lax.ragged_dot(lhs, rhs, np.array([1, 2], np.int32)))
    np.testing.assert_array_equal(out, np.concatenate([lhs[:1], 2 * lhs[1:3], 0 * lhs[3:]]))
    with pytest.raises(TypeError, match=r"group_sizes to have shape \(2,\)"):
        lax.ragged_dot(lhs, rhs, np.array([4], np.int32))


def test_fft_of_lax_matches_the_transforms_it_names(backend):
    x = np.arange(12.0).reshape(3, 4) + 1j
    np.testing.assert_allclose(to_numpy(lax.fft(x, lax.FftType.FFT, (4,))), np.fft.fft(x))
    np.testing.assert_allclose(to_numpy(lax.fft(x, "ifft", (3, 4))), np.fft.ifft2(x))
    with pytest.raises(ValueError, match="lax.fft: fft_lengths"):
        lax.fft(x, lax.FftType.FFT, (5,))


def test_tile_and_broadcast_shapes(backend):
    np.testing.assert_array_equal(to_numpy(lax.tile(np.arange(3.0), (2,))), [0, 1, 2, 0, 1, 2])
    assert lax.broadcast_shapes((1, 2, 3), (2, 3)) == (1, 2, 3)
    with pytest.raises(TypeError, match="non-negative"):
        lax.broadcast_shapes((-1,))
    with pytest.raises(ValueError, match="lax.tile"):
        lax.tile(np.ones((2, 2)), (2,))


def test_dynamic_slice_refuses_a_float_start_instead_of_truncating_it(backend):
    # lax.dynamic_slice(x, (0.5,), (1,)) read x[0:1] (int(0.5) == 0), silently
    with pytest.raises(TypeError, match="lax.dynamic_slice: start indices must be integers"):
        lax.dynamic_slice(np.arange(3.0), (0.5,), (1,))
    with pytest.raises(TypeError, match="lax.dynamic_update_slice: start indices must be integers"):
        lax.dynamic_update_slice(np.arange(3.0), np.ones(1), (1.0,))
    np.testing.assert_array_equal(to_numpy(lax.dynamic_slice(np.arange(5), (2,), (2,))), [2, 3])


def test_iota_refuses_a_negative_size(backend):
    with pytest.raises(TypeError, match="lax.iota: size must be non-negative, got -1"):
        lax.iota(np.int32, -1)
    assert to_numpy(lax.iota(np.int32, 0)).shape == (0,)


@pytest.mark.parametrize("dt", [np.int8, np.uint8, np.int32, np.uint64, np.int64])
def test_clz_counts_leading_zero_bits(backend, dt):
    bits = 8 * np.dtype(dt).itemsize
    x = np.array([0, 1, 2, 3, 8, np.iinfo(dt).max], dt)
    # 0 has `bits` leading zeros; 2**k has bits - 1 - k; the largest signed value has one
    want = np.array([bits, bits - 1, bits - 2, bits - 2, bits - 4,
                     1 if np.iinfo(dt).min < 0 else 0], dt)
    out = to_numpy(lax.clz(x))
    assert out.dtype == np.dtype(dt)
    np.testing.assert_array_equal(out, want)
    if np.iinfo(dt).min < 0:
        assert to_numpy(lax.clz(np.array([-1], dt)))[0] == 0
