"""``lax.reduce`` with several operands or a computation that is no monoid, and
``lax.reduce_precision``, against ``jax.lax`` in float64: values (bit for bit for
``reduce_precision``, over random bit patterns of float16/32/64) and derivatives, plus
central differences."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.testing import check_grads


@functools.cache
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


RNG = np.random.default_rng(21)


def _pick(L):
    """(value, index) of the largest value, the lower index on ties."""

    def pick(a, b):
        eq_lower = L.bitwise_and(L.eq(a[0], b[0]), L.lt(a[1], b[1]))
        take = L.bitwise_or(L.gt(a[0], b[0]), eq_lower)
        return L.select(take, a[0], b[0]), L.select(take, a[1], b[1])

    return pick


def _logsumexp_pair(L):
    def comb(a, b):
        m = L.max(a[0], b[0])
        return m, a[1] * L.exp(a[0] - m) + b[1] * L.exp(b[0] - m)

    return comb


def _logaddexp(L):
    return lambda a, b: L.max(a, b) + L.log1p(L.exp(-L.abs(a - b)))


def _ties(shape):
    x = RNG.normal(size=shape)
    x[0, 2] = x[0, 5]  # a tie along axis 1
    return x


@pytest.mark.parametrize("dims", [(1,), (0, 2), (2,), (0, 1, 2), ()])
def test_argmax_pairs_match_jax_with_int_indices(dims):
    jax = _jax()
    x = _ties((3, 7, 5))

    def f(L, x):
        idx = L.broadcasted_iota(np.int32, x.shape, dims[0] if dims else 0)
        return L.reduce((x, idx), (-np.inf, np.int32(0)), _pick(L), dims)

    got, want = f(lax, x), jax.jit(lambda v: f(jax.lax, v))(x)
    assert isinstance(got, tuple) and len(got) == 2
    for a, b in zip(got, want, strict=True):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize(
    "name, comp, inits, dims",
    [
        ("argmax", _pick, (-np.inf, 0.0), (1,)),
        ("argmax_all", _pick, (-np.inf, 0.0), (0, 1, 2)),
        ("logsumexp", _logsumexp_pair, (-np.inf, 0.0), (0, 2)),
        ("logsumexp_odd", _logsumexp_pair, (-np.inf, 0.0), (1,)),
    ],
)
def test_variadic_values_and_vjp_match_jax(name, comp, inits, dims):
    jax = _jax()
    x, w = _ties((3, 7, 5)), RNG.uniform(0.5, 2.0, size=(3, 7, 5))

    def f(L, x, w):
        return L.reduce((x, w), inits, comp(L), dims)

    got = f(lax, x, w)
    want, vjp_jax = jax.vjp(lambda a, b: f(jax.lax, a, b), x, w)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-13, atol=1e-13)
    cts = tuple(RNG.normal(size=np.shape(v)) for v in want)
    _, vjp_ours = ad.vjp(lambda a, b: f(lax, a, b), x, w)
    for a, b in zip(vjp_ours(cts), vjp_jax(cts), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-13)


def test_single_operand_non_monoid_matches_jax_and_differences():
    jax = _jax()
    x = RNG.normal(size=(4, 9))

    def f(L, v):
        return L.reduce(v, -np.inf, _logaddexp(L), (1,))

    np.testing.assert_allclose(np.asarray(f(lax, x)), np.asarray(f(jax.lax, x)), rtol=1e-13)
    u = RNG.normal(size=(4,))
    want = jax.grad(lambda v: (f(jax.lax, v) * u).sum())(x)
    got = ad.grad(lambda v: gnp.sum(f(lax, v) * u))(x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)
    check_grads(lambda v: f(lax, v), [x], order=2)


def test_constant_operand_and_initial_values_differentiate():
    # JAX refuses both (a constant operand's zero tangent, a tangent of init_values); gpuad
    # differentiates what it computes: checked against central differences
    x = _ties((3, 6))

    def with_index(v):
        idx = lax.broadcasted_iota(np.float64, v.shape, 1)
        return lax.reduce((v, idx), (-np.inf, 0.0), _pick(lax), (1,))[0]

    check_grads(with_index, [x], order=1)
    check_grads(
        lambda v, s: lax.reduce((v, v * v), (s, s), lambda a, b: (a[0] + b[0], a[1] + b[1]), (1,))[
            1
        ],
        [x, np.array(0.7)],
        order=2,
    )


# ---- reduce_precision -------------------------------------------------------------------------

_FORMATS = [(1, 0), (2, 1), (4, 3), (5, 2), (5, 10), (8, 7), (8, 23), (11, 52), (3, 60), (15, 0)]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_reduce_precision_is_bit_exact(dtype):
    jax = _jax()
    dt = np.dtype(dtype)
    ut = np.dtype(f"uint{8 * dt.itemsize}")
    bits = RNG.integers(0, np.iinfo(ut).max, size=4000, dtype=ut, endpoint=True)
    info = np.finfo(dt)
    special = np.array(
        [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 1.5, 2.5, -3.5, info.max, info.tiny,
         info.smallest_subnormal, 65504.0, 1e-5], dtype=dt)  # fmt: skip
    x = np.concatenate([bits.view(dt), special, -special])
    for e, m in _FORMATS:
        want = np.asarray(jax.jit(lambda v, e=e, m=m: jax.lax.reduce_precision(v, e, m))(x))
        got = np.asarray(lax.reduce_precision(x, e, m))
        assert got.dtype == dt
        np.testing.assert_array_equal(got.view(ut), want.view(ut), err_msg=f"{dt} {e} {m}")


def test_reduce_precision_derivatives_match_jax():
    jax = _jax()
    x = RNG.normal(size=(3, 4))
    t = RNG.normal(size=(3, 4)) * 1e3

    def f(L, v):
        return L.reduce_precision(v * 1.0, 5, 2)

    want_t = jax.jvp(lambda v: f(jax.lax, v), (x,), (t,))[1]
    np.testing.assert_array_equal(np.asarray(ad.jvp(lambda v: f(lax, v), (x,), (t,))[1]), want_t)
    want_g = jax.vjp(lambda v: f(jax.lax, v), x)[1](t)[0]
    np.testing.assert_array_equal(np.asarray(ad.vjp(lambda v: f(lax, v), x)[1](t)[0]), want_g)
    # with a cotangent the format holds exactly, the derivative is the identity
    check_grads(lambda v: lax.reduce_precision(v, 11, 52), [x], order=2)


@pytest.mark.parametrize(
    "args, exc, words",
    [
        ((0, 2), ValueError, "exponent_bits must be positive"),
        ((5, -1), ValueError, "mantissa_bits must be non-negative"),
        ((1.5, 2), TypeError, "integers"),
    ],
)
def test_reduce_precision_errors_as_jax(args, exc, words):
    jax = _jax()
    with pytest.raises(exc):
        jax.lax.reduce_precision(np.float32(1.3), *args)
    with pytest.raises(exc, match=words):
        lax.reduce_precision(np.float32(1.3), *args)
    with pytest.raises(TypeError, match="reduce_precision"):
        lax.reduce_precision(np.int32(3), 5, 2)
