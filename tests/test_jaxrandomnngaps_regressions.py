"""Regressions found by porting JAX's random_test.py, random_lax_test.py and nn_test.py
(tests/conformance/test_jax_random_nn_gaps.py): gpuad.random's seeds, randint, permutation,
choice, categorical, binomial, float16 and complex draws, multivariate_normal's methods and
bits; gpuad.jax_nn's softmax of an empty array, gelu's dtype, one_hot of floats and the
float16 initializers."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad.jax_nn as jnn
import gpuad.numpy as gnp
from gpuad import random as jr

K = jr.PRNGKey(0)


def test_seeds_must_be_integers_within_64_bits(backend):
    # a float seed was truncated (PRNGKey(3.14) == PRNGKey(3)) and 2**64 wrapped to key 0
    for bad in (np.pi, 2.0, np.arange(2)):
        with pytest.raises(TypeError, match="seed"):
            jr.PRNGKey(bad)
    with pytest.raises(OverflowError, match="64-bit"):
        jr.key(2**64)
    np.testing.assert_array_equal(to_numpy(jr.PRNGKey(np.int32(5))), to_numpy(jr.PRNGKey(5)))


def test_randint_bounds_are_clipped_and_an_empty_range_gives_minval(backend):
    # randint(0, 0) gave -1; bounds beyond uint8 wrapped modulo 256 instead of clipping
    assert int(to_numpy(jr.randint(K, (), 0, 0))) == 0
    np.testing.assert_array_equal(
        to_numpy(jr.randint(K, (50,), -1000, 1000, np.uint8)),
        to_numpy(jr.randint(K, (50,), 0, 256, np.uint8)),
    )
    with pytest.raises(OverflowError, match="2\\*\\*53"):  # the low bits would be zero
        jr.randint(K, (3,), 0, 2**62, np.int64)


def test_permutation_choice_categorical_arguments(backend):
    with pytest.raises(TypeError, match="integer or an array"):
        jr.permutation(K, 10.0)  # was AttributeError
    with pytest.raises(ValueError, match="axis 3"):
        jr.permutation(K, 10, axis=3)  # was ignored
    with pytest.raises(TypeError, match="sequence"):
        jr.choice(K, 5, 2)  # JAX's TypeError; was shape (2,)
    for f in (
        lambda: jr.bernoulli(K, 0.5, (2,), mode="high"),
        lambda: jr.choice(K, 5, (2,), mode="low"),
        lambda: jr.gumbel(K, (2,), mode="high"),
        lambda: jr.categorical(K, np.zeros(3), shape=(2,), mode="highest"),
    ):
        assert f().shape == (2,)  # JAX's mode= was a TypeError
    # logits with a batch axis of 1 broadcast to shape, as JAX (was ValueError)
    assert jr.categorical(K, np.zeros((3, 10, 1)), axis=1, shape=(3, 4)).shape == (3, 4)


def test_binomial_corner_cases_and_0d_draws(backend):
    # n = inf raised NumPy's ValueError 'n < 0'; a 0-d draw raised AttributeError
    out = to_numpy(jr.binomial(K, np.array([-1.0, 0.0, np.nan, np.inf]), 0.5, (4,)))
    np.testing.assert_array_equal(out, [np.nan, 0.0, np.nan, np.inf])
    assert to_numpy(jr.binomial(K, np.float16(10), np.float16(0.5))).shape == ()


def test_float16_and_complex_draws(backend):
    # float16 was NumPy's TypeError; complex normal and orthogonal were refused
    u = to_numpy(jr.uniform(K, (4000,), np.float16))
    assert u.dtype == np.float16 and u.min() >= 0 and u.max() < 1 and len(np.unique(u)) > 900
    assert to_numpy(jr.normal(K, (3,), np.float16)).dtype == np.float16
    t = to_numpy(jr.truncated_normal(K, -0.3, 0.3, (500,), np.float16))
    assert t.dtype == np.float16 and t.min() > -0.3 and t.max() < 0.3  # was float32
    z = to_numpy(jr.normal(K, (4000,), np.complex64))
    assert z.dtype == np.complex64 and abs(np.var(z.real) - 0.5) < 0.05
    q = to_numpy(jr.orthogonal(K, 3, (2,), np.complex128))
    np.testing.assert_allclose(
        q @ np.conj(np.swapaxes(q, -1, -2)), np.broadcast_to(np.eye(3), (2, 3, 3)), atol=1e-12
    )
    assert to_numpy(jr.orthogonal(K, 3, (), np.float16)).dtype == np.float16
    w = jnn.initializers.he_normal()(K, (3, 4), np.float16)
    assert to_numpy(w).dtype == np.float16


def test_multivariate_normal_methods_and_bits(backend):
    # svd and eigh raised NotImplementedError; a singular covariance draws on its range
    for method in ("svd", "eigh"):
        s = to_numpy(jr.multivariate_normal(K, np.zeros(2), np.ones((2, 2)), (5,), method=method))
        np.testing.assert_allclose(s[:, 0], s[:, 1], atol=1e-12)
    b = to_numpy(jr.bits(K, (4,), np.uint8))  # jax.random.bits was missing
    assert b.dtype == np.uint8
    with pytest.raises(ValueError, match="unsigned"):
        jr.bits(K, (4,), np.int8)


def test_jax_nn_softmax_empty_gelu_dtype_one_hot_floats(backend):
    # softmax of an empty array raised (max of nothing); gelu(approximate=False) of float16
    # came back float64; float labels in one_hot passed silently (JAX warns)
    assert to_numpy(jnn.softmax(np.array([]))).shape == (0,)
    assert to_numpy(jnn.log_softmax(np.zeros((0, 2)), axis=0)).shape == (0, 2)
    assert to_numpy(jnn.gelu(gnp.ones(2, np.float16), approximate=False)).dtype == np.float16
    with pytest.warns(DeprecationWarning, match="integer"):
        jnn.one_hot(np.array([1.0]), 3)
