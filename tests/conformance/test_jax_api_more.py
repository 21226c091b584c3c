"""More of JAX's API, ported from JAX's tests (``tests/api_test.py``: linear_transpose,
ShapeDtypeStruct, eval_shape, block_until_ready; ``tests/python_callback_test.py``:
pure_callback; ``tests/random_test.py``: keys and samplers), checked against JAX itself where
it is installed.

Where gpuad differs on purpose the test says so: a non-linear function given to
``linear_transpose`` raises at once (JAX raises when it meets the first primitive without a
transpose rule); random draws follow the same distributions as JAX's but not its bits.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import random as jr
from tests.conftest import to_numpy

S = ad.ShapeDtypeStruct


def _close(a, b, tol=1e-12):
    fa, fb = ad.tree_flatten(a)[0], ad.tree_flatten(b)[0]
    assert len(fa) == len(fb), (a, b)
    for x, y in zip(fa, fb, strict=True):
        np.testing.assert_allclose(to_numpy(x), to_numpy(y), rtol=tol, atol=tol)


# ---- linear_transpose -------------------------------------------------------------------------

W = np.random.default_rng(1).standard_normal((3, 4))

LINEAR = {
    "scale_reverse": (lambda x: 2.0 * x[::-1], [(4,)]),
    "matmul_reshape": (lambda x: (W @ x.reshape(4, 1)).T, [(4,)]),
    "sum_concat": (lambda x, y: gnp.concatenate([x.sum(0), -y, x[1] / 4.0]), [(2, 3), (2,)]),
    "einsum_transpose": (lambda x: gnp.einsum("ij,jk->ki", W, x), [(4, 2)]),
    "where_const_mask": (
        lambda x: gnp.where(np.arange(4) % 2 == 0, x, 0.0) + gnp.cumsum(x) - gnp.mean(x),
        [(4,)],
    ),
    "vmap_inside": (lambda x: ad.vmap(lambda r: gnp.sum(r) * W[:, 0])(gnp.stack([x, -x])), [(4,)]),
    "pytree": (
        lambda d: {"a": d["u"] * 3.0 + d["v"][0], "b": d["v"].T},
        [{"u": (2,), "v": (2, 2)}],
    ),
}


def _primals(rng, specs):
    return [
        ad.tree_map(lambda s: rng.standard_normal(s), s, is_leaf=lambda s: isinstance(s, tuple))
        for s in specs
    ]


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_linear_transpose_matches_jax(backend, name, rng):
    """<ct, f(x)> = <f^T(ct), x> for random x and ct, and (on the NumPy backend, where JAX
    runs too) the transpose equals JAX's."""
    f, specs = LINEAR[name]
    primals = _primals(rng, specs)
    out = f(*primals)
    ct = ad.tree_map(lambda o: rng.standard_normal(np.shape(to_numpy(o))), out)
    got = ad.linear_transpose(f, *primals)(ct)
    assert isinstance(got, tuple) and len(got) == len(primals)
    lhs = sum(
        float(np.vdot(to_numpy(c), to_numpy(o)))
        for c, o in zip(ad.tree_leaves(ct), ad.tree_leaves(out), strict=True)
    )
    rhs = sum(
        float(np.vdot(to_numpy(g), p))
        for g, p in zip(ad.tree_leaves(got), ad.tree_leaves(primals), strict=True)
    )
    assert abs(lhs - rhs) < 1e-10 * (1 + abs(lhs))

    if backend != "numpy" or name not in ("pytree", "sum_concat"):
        return  # (JAX costs a compilation per function)
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    def jf(*xs):  # the same function on JAX arrays (gnp names map onto jnp's)
        return _as_jax(f, jnp)(*xs)

    want = jax.jit(jax.linear_transpose(jf, *primals))(ct)  # (one compilation)
    _close(got, ad.tree_map(np.asarray, want), 1e-10)


def _as_jax(f, jnp):
    """``f`` with gnp bound to jax.numpy (the functions above only use shared names)."""
    g = types.FunctionType(f.__code__, {**f.__globals__, "gnp": jnp}, closure=f.__closure__)
    return g


NONLINEAR = {
    "square": (lambda x: x * x, "multiply"),
    "sin": (lambda x: gnp.sin(x), "sin"),
    "relu_where": (lambda x: gnp.where(x > 0, x, 0.0), "greater"),
    "relu_mul_mask": (lambda x: x * (x > 0), "greater"),
    "abs": (lambda x: gnp.abs(x), "abs"),
    "reciprocal": (lambda x: 1.0 / x, "divide"),
    "python_branch": (lambda x: x if float(x.sum()) > 0 else -x, "reads their values"),
    "product_of_views": (lambda x: x[:2] @ x[2:], "matmul"),
    "max": (lambda x: gnp.max(x) * 1.0, "max"),
    "vmap_square": (lambda x: ad.vmap(lambda r: r * r)(gnp.stack([x, x])), "multiply"),
}


@pytest.mark.parametrize("name", sorted(NONLINEAR))
def test_linear_transpose_nonlinear_raises(backend, name):
    """A non-linear function has no transpose: an error naming the op, never the transpose of
    its linearisation at the given point."""
    f, what = NONLINEAR[name]
    with pytest.raises(ad.NonLinearError, match=what):
        ad.linear_transpose(f, np.ones(4))


def test_linear_transpose_write_into_buffer(backend):
    """A value written into a buffer depends on the input: multiplying it by the input again
    is not linear, scaling it is."""

    def scaled(x):
        y = ad.tensor(gnp.zeros(3))
        y[0] = x[1]
        return 3.0 * y + x

    def squared(x):
        y = ad.tensor(gnp.zeros(3))
        y[0] = x[1]
        return y * x

    (g,) = ad.linear_transpose(scaled, np.zeros(3))(np.array([1.0, 2.0, 3.0]))
    _close(g, np.array([1.0, 5.0, 3.0]))
    with pytest.raises(ad.NonLinearError, match="multiply"):
        ad.linear_transpose(squared, np.zeros(3))


def test_linear_transpose_abstract_primal(backend):
    """JAX's test_linear_transpose_abstract: primals give only shapes and dtypes."""
    x = types.SimpleNamespace(shape=(3,), dtype=np.dtype(np.float32))
    y = gnp.arange(3, dtype=np.float32)
    (z,) = ad.linear_transpose(lambda x: 2 * x, x)(y)
    assert z.dtype == np.float32
    _close(z, 2 * to_numpy(y))
    (z,) = ad.linear_transpose(lambda x: 2 * x, S((3,), np.float64))(np.ones(3))
    _close(z, 2 * np.ones(3))


def test_linear_transpose_zeros_and_dead_code(backend):
    """JAX's test_linear_transpose_zeros and test_linear_transpose_dce."""
    (ct,) = ad.linear_transpose(lambda x: x[0], [1.0, 2.0])(3.0)
    _close(ct, [3.0, 0.0])
    f = ad.jit(lambda x: (2 * x, x > 0))
    (ct,) = ad.linear_transpose(lambda x: f(x)[0], 1.0)(1.0)
    _close(ct, 2.0)


def test_linear_transpose_errors(backend):
    """JAX's test_linear_transpose_error: integer primals, and cotangents whose structure,
    shape or dtype differ from the output's."""
    with pytest.raises(TypeError, match="floating-point"):
        ad.linear_transpose(lambda x: 2.0 * x, 1)
    with pytest.raises(TypeError, match="cotangent must match"):
        ad.linear_transpose(lambda x: [x, x], 1.0)(1.0)
    with pytest.raises(TypeError, match="cotangent must match"):
        ad.linear_transpose(lambda x: gnp.stack([x, x]), 1.0)(1.0)
    with pytest.raises(TypeError, match="cotangent must match"):
        ad.linear_transpose(lambda x: x, 1.0)(np.float32(1.0))
    with pytest.raises(NotImplementedError, match="reduce_axes"):
        ad.linear_transpose(lambda x: x, 1.0, reduce_axes=("i",))


def test_linear_transpose_in_jit_vmap_and_grad(backend, rng):
    """The transposed function runs inside jit and vmap; linear_transpose itself inside jit;
    and a gradient through it with respect to a closed-over matrix is right."""
    a = rng.standard_normal((3, 4))
    f = lambda x: a @ x  # noqa: E731
    ft = ad.linear_transpose(f, np.zeros(4))
    ct = rng.standard_normal(3)
    _close(ad.jit(lambda c: ft(c)[0])(ct), a.T @ ct)
    cts = rng.standard_normal((2, 3))
    _close(ad.vmap(lambda c: ft(c)[0])(cts), cts @ a)
    inside = ad.jit(lambda c: ad.linear_transpose(f, np.zeros(4))(c)[0])
    _close(inside(ct), a.T @ ct)
    _close(inside(2 * ct), 2 * a.T @ ct)

    def loss(m):
        (g,) = ad.linear_transpose(lambda x: m @ x, np.zeros(4))(ct)
        return gnp.sum(g**2)

    _close(ad.grad(loss)(a), 2 * np.outer(ct, a.T @ ct), 1e-10)


# ---- ShapeDtypeStruct, eval_shape, make_jaxpr ---------------------------------------------------


def test_shape_dtype_struct():
    s = S(shape=(2, 2, 3), dtype=np.float32)
    assert (s.shape, s.dtype, s.ndim, s.size, len(s)) == ((2, 2, 3), np.float32, 3, 12, 2)
    assert str(s) == repr(s) == "ShapeDtypeStruct(shape=(2, 2, 3), dtype=float32)"
    assert hash(s) == hash(S((2, 2, 3), "float32")) and s == S((2, 2, 3), "float32")
    assert s != S((2, 2, 4), "float32")
    with pytest.raises(TypeError, match="unsized"):
        len(S((), np.float32))
    with pytest.raises(TypeError, match="not iterable"):
        S(shape=4, dtype="float32")
    with pytest.raises(ValueError, match="dtype must be specified"):
        S(shape=(), dtype=None)


def test_eval_shape(backend):
    """JAX's eval_shape tests: arrays, constants, tuples, dicts, duck-typed arguments, a shape
    error; the inputs' values are never read (NaN stays out) and nothing is differentiated."""

    def fun(x, y):
        return gnp.tanh(gnp.dot(x, y) + 3.0)

    assert ad.eval_shape(fun, np.ones((2, 3)), np.ones((3, 4))).shape == (2, 4)
    out = ad.eval_shape(lambda: fun(gnp.ones((2, 3)), gnp.ones((3, 4))))
    assert out == S((2, 4), np.float64)
    out = ad.eval_shape(lambda x, y: {"hi": x[0] + x[1] + y}, (np.ones(2), np.ones(2)), 3.0)
    assert ad.tree_map(lambda s: s.shape, out) == {"hi": (2,)}
    a = types.SimpleNamespace(shape=(3, 4), dtype=np.dtype(np.float32))
    out = ad.eval_shape(lambda a, x: (a @ x, a.sum()), a, S((4, 5), np.float32))
    assert out == (S((3, 5), np.float32), S((), np.float32))
    with pytest.raises(ValueError):
        ad.eval_shape(fun, np.ones((3, 3)), np.ones((4, 4)))
    x = ad.tensor(np.full(3, np.nan), requires_grad=True)
    assert ad.eval_shape(lambda x: gnp.log(x), x) == S((3,), np.float64)
    assert x.grad is None


def test_make_jaxpr_prints_the_program(backend):
    text = str(
        ad.make_jaxpr(lambda x, n: gnp.sum(gnp.sin(x) * n), static_argnums=1)(np.ones(3), 2.0)
    )
    assert "sin(%0)" in text and "multiply" in text and "sum" in text and "return" in text


# ---- remat, device_put/get, block_until_ready, debug.print ------------------------------------


def test_remat_takes_jax_options(backend, rng):
    w = rng.standard_normal((3, 3))
    x = rng.standard_normal(3)
    blk = ad.remat(
        lambda h: gnp.tanh(h @ w), prevent_cse=False, policy=ad.checkpoint_policies.dots_saveable
    )
    dec = ad.remat(policy=ad.checkpoint_policies.save_only_these_names("a"))(
        lambda h: gnp.tanh(h @ w)
    )
    want = ad.grad(lambda h: gnp.sum(gnp.tanh(gnp.tanh(h @ w) @ w)))(x)
    _close(ad.grad(lambda h: gnp.sum(blk(blk(h))))(x), want)
    _close(ad.grad(lambda h: gnp.sum(dec(dec(h))))(x), want)


def test_device_put_get_block_until_ready(backend):
    """JAX's test_block_until_ready_mixed, and a round trip through the device."""
    tree = (ad.device_put(1.0), ad.device_put(np.ones(2)), np.ones(3), 4)
    assert type(tree[1]) is ad.get_backend().array_type
    assert ad.block_until_ready(tree) is tree
    host = ad.device_get({"a": tree[1], "t": ad.tensor([1.0, 2.0])})
    assert type(host["a"]) is np.ndarray and type(host["t"]) is np.ndarray
    _close(host["t"], np.array([1.0, 2.0]))
    t = ad.tensor([1.0])
    assert ad.device_put(t) is t
    with pytest.raises(ValueError, match="unknown device"):
        ad.device_put(1.0, "tpu")


def test_debug_print(backend, capsys):
    ad.debug.print("x={} y={y:.2f}", ad.tensor([1.0, 2.0]), y=ad.tensor(0.5))
    assert capsys.readouterr().out == "x=[1. 2.] y=0.50\n"
    with pytest.raises(ad.jit.TracerError, match="debug.print"):
        ad.jit(lambda x: ad.debug.print("{}", x))(np.ones(2))


# ---- pure_callback ----------------------------------------------------------------------------


def _host_sin(x):
    assert type(x) is np.ndarray  # the callback always sees host arrays
    return np.sin(x)


def test_pure_callback_eager_and_jit(backend):
    x = np.array([3.0, 1.0, 2.0])
    out = ad.pure_callback(np.sort, S(x.shape, x.dtype), x)
    assert type(out) is ad.get_backend().array_type
    _close(out, np.sort(x))
    pair = ad.pure_callback(lambda a: (a * 2, a.sum()), (S((3,), x.dtype), S((), x.dtype)), x)
    _close(pair, (2 * x, x.sum()))
    f = ad.jit(lambda x: ad.pure_callback(_host_sin, S(x.shape, x.dtype), x) * 2.0)
    _close(f(x), 2 * np.sin(x))
    _close(f(x + 1), 2 * np.sin(x + 1))  # run at every call, not frozen


def test_pure_callback_under_vmap(backend):
    """vmap_method='sequential' calls the callback once per example; without it, an error."""
    xs = np.array([[3.0, 1.0, 2.0], [0.0, -1.0, 5.0]])
    calls = []

    def host_sort(a, scale):
        calls.append(a.shape)
        return np.sort(a) * scale

    spec = S((3,), xs.dtype)
    out = ad.vmap(lambda r: ad.pure_callback(host_sort, spec, r, 2.0, vmap_method="sequential"))(xs)
    _close(out, 2 * np.sort(xs, axis=1))
    assert calls == [(3,), (3,)]
    with pytest.raises(NotImplementedError, match="vmap_method"):
        ad.vmap(lambda r: ad.pure_callback(host_sort, spec, r, 2.0))(xs)


def test_pure_callback_wrong_result_raises(backend):
    x = np.ones(3)
    with pytest.raises(TypeError, match=r"shape \(2,\)"):
        ad.pure_callback(lambda a: a[:2], S(x.shape, x.dtype), x)
    with pytest.raises(TypeError, match="float32"):
        ad.pure_callback(lambda a: a, S(x.shape, np.float32), x)


def test_pure_callback_differentiated_raises(backend):
    """No silent zero: grad, jvp and vjp through a host function raise."""
    x = np.array([0.5, 1.0])
    f = lambda x: ad.pure_callback(_host_sin, S(x.shape, x.dtype), x)  # noqa: E731
    with pytest.raises(TypeError, match="no derivative rule"):
        ad.grad(lambda x: gnp.sum(f(x)))(x)
    with pytest.raises(TypeError, match="no derivative rule"):
        ad.jvp(f, (x,), (x,))
    _, back = ad.vjp(f, x)
    with pytest.raises(TypeError, match="no derivative rule"):
        back(np.ones(2))
    # a result nothing differentiable depends on: exactly zero
    _close(ad.grad(lambda x: gnp.sum(x) + 0.0 * gnp.sum(ad.stop_gradient(f(x))))(x), np.ones(2))


def test_pure_callback_under_custom_rules(backend):
    """Wrapped in custom_vjp or custom_jvp, the callback gets the user's derivative."""
    x = np.array([0.5, 1.0, 2.0])

    @ad.custom_vjp
    def hsin(x):
        return ad.pure_callback(_host_sin, S(x.shape, x.dtype), x)

    hsin.defvjp(
        lambda x: (hsin(x), x), lambda x, g: (g * ad.pure_callback(np.cos, S(x.shape, x.dtype), x),)
    )

    @ad.custom_jvp
    def jsin(x):
        return ad.pure_callback(_host_sin, S(x.shape, x.dtype), x)

    jsin.defjvp(lambda p, t: (jsin(p[0]), gnp.cos(p[0]) * t[0]))
    _close(ad.grad(lambda x: gnp.sum(hsin(x)))(x), np.cos(x))
    _close(ad.grad(lambda x: gnp.sum(jsin(x)))(x), np.cos(x))
    _close(ad.jvp(jsin, (x,), (np.ones(3),))[1], np.cos(x))


# ---- gpuad.random -----------------------------------------------------------------------------


def test_random_keys_are_deterministic_and_backend_independent(backend):
    """The same key gives the same draws on every backend; split and fold_in give distinct
    keys; a key is a (2,) uint64 array."""
    key = jr.PRNGKey(0)
    assert key.shape == (2,) and key.dtype == np.uint64
    draws = lambda k: [
        jr.normal(k, (3,)),
        jr.uniform(k, (2,)),
        jr.randint(k, (4,), 0, 9),  # noqa: E731
        jr.split(k, 3),
        jr.fold_in(k, 7),
        jr.permutation(k, 5),
    ]
    first = [to_numpy(d) for d in draws(key)]
    with ad.use_backend("numpy"):
        on_numpy = [to_numpy(d) for d in draws(jr.PRNGKey(0))]
    for a, b, c in zip(first, [to_numpy(d) for d in draws(key)], on_numpy, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    ks = to_numpy(jr.split(key, 4))
    assert ks.shape == (4, 2) and len({tuple(k) for k in ks}) == 4
    folded = {tuple(to_numpy(jr.fold_in(key, i))) for i in range(4)}
    assert len(folded) == 4 and not folded & {tuple(k) for k in ks}
    assert not np.array_equal(to_numpy(jr.normal(ks[0], (3,))), to_numpy(jr.normal(ks[1], (3,))))
    with pytest.raises(TypeError, match="one key"):
        jr.normal(jr.split(key, 2), (3,))


@pytest.mark.filterwarnings("ignore:gpuad.jit. the program could not be captured")
def test_random_in_jit_and_vmap(backend):
    """A key passed to a jitted function draws anew per key; vmap over split keys equals the
    loop over them, with no per-example fallback."""
    keys = jr.split(jr.PRNGKey(1), 3)
    f = ad.jit(lambda k, x: x + jr.normal(k, (2,)))
    for k in keys:
        _close(f(k, np.zeros(2)), jr.normal(k, (2,)))
    samplers = {
        "normal": lambda k: jr.normal(k, (2,)),
        "uniform": lambda k: jr.uniform(k, (2,), minval=-1.0, maxval=2.0),
        "split": lambda k: jr.split(k),
        "fold_in": lambda k: jr.fold_in(k, 3),
        "randint": lambda k: jr.randint(k, (3,), 0, 5),
        "permutation": lambda k: jr.permutation(k, 4),
    }
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing batching rule warns
        for name, g in samplers.items():
            batched = to_numpy(ad.vmap(g)(keys))
            looped = np.stack([to_numpy(g(k)) for k in keys])
            np.testing.assert_array_equal(batched, looped, err_msg=name)
        by_index = to_numpy(ad.vmap(lambda i: jr.fold_in(keys[0], i))(np.arange(3)))
    np.testing.assert_array_equal(
        by_index, np.stack([to_numpy(jr.fold_in(keys[0], i)) for i in range(3)])
    )


def _ks(sample, cdf):
    """The Kolmogorov-Smirnov statistic of ``sample`` against ``cdf``."""
    s = np.sort(sample)
    n = len(s)
    c = cdf(s)
    return max(np.max(np.arange(1, n + 1) / n - c), np.max(c - np.arange(n) / n))


def test_random_continuous_distributions(backend):
    """JAX's testNormal, testUniform, testGumbel, testTruncatedNormal, ...: KS statistics of
    2000 draws against the CDFs (the 0.999 critical value is about 0.044)."""
    from scipy.special import ndtr

    k = jr.PRNGKey(3)
    n = 2000
    a, b = -0.5, 1.5
    cases = [
        (jr.normal(k, (n,)), ndtr),
        (jr.uniform(k, (n,), minval=-2.0, maxval=3.0), lambda x: (x + 2.0) / 5.0),
        (jr.gumbel(k, (n,)), lambda x: np.exp(-np.exp(-x))),
        (jr.exponential(k, (n,)), lambda x: 1.0 - np.exp(-x)),
        (jr.laplace(k, (n,)), lambda x: np.where(x < 0, 0.5 * np.exp(x), 1 - 0.5 * np.exp(-x))),
        (jr.logistic(k, (n,)), lambda x: 1.0 / (1.0 + np.exp(-x))),
        (jr.truncated_normal(k, a, b, (n,)), lambda x: (ndtr(x) - ndtr(a)) / (ndtr(b) - ndtr(a))),
    ]
    for i, (x, cdf) in enumerate(cases):
        x = to_numpy(x)
        assert x.shape == (n,) and x.dtype == np.float64
        assert _ks(x, cdf) < 0.044, i
    t = to_numpy(cases[-1][0])
    assert t.min() > a and t.max() < b
    m, c = np.array([1.0, -1.0]), np.array([[2.0, 0.5], [0.5, 1.0]])
    mv = to_numpy(jr.multivariate_normal(k, m, c, (n,)))
    assert mv.shape == (n, 2) and np.abs(mv.mean(0) - m).max() < 0.1
    np.testing.assert_allclose(np.cov(mv.T), c, atol=0.15)
    assert jr.split(k, (2, 3)).shape == (2, 3, 2)
    u32 = to_numpy(jr.uniform(k, (5,), dtype=np.float32))
    assert u32.dtype == np.float32 and (0 <= u32).all() and (u32 < 1).all()


def test_random_discrete_distributions(backend):
    """JAX's testBernoulli, testRandint, testCategorical, testPermutation, testChoice."""
    k = jr.PRNGKey(4)
    n = 4000
    b = to_numpy(jr.bernoulli(k, 0.3, (n,)))
    assert b.dtype == bool and abs(b.mean() - 0.3) < 0.03
    assert to_numpy(jr.bernoulli(k, np.array([0.0, 1.0]))).tolist() == [False, True]
    r = to_numpy(jr.randint(k, (n,), -2, 3))
    assert r.dtype.kind == "i" and set(np.unique(r)) == {-2, -1, 0, 1, 2}
    assert np.abs(np.bincount(r + 2) / n - 0.2).max() < 0.03
    p = np.array([0.1, 0.2, 0.7])
    c = to_numpy(jr.categorical(k, np.log(p), shape=(n,)))
    assert np.abs(np.bincount(c, minlength=3) / n - p).max() < 0.03
    rows = to_numpy(jr.categorical(k, np.log(np.array([[0.999, 0.001], [0.001, 0.999]]))))
    assert rows.tolist() == [0, 1]
    perm = to_numpy(jr.permutation(k, 10))
    assert sorted(perm) == list(range(10)) and perm.tolist() != list(range(10))
    x = np.arange(12.0).reshape(4, 3)
    px = to_numpy(jr.permutation(k, x, axis=1))
    assert sorted(px[0]) == [0.0, 1.0, 2.0] and (np.sort(px, 1) == x).all()
    ind = to_numpy(jr.permutation(k, x, axis=0, independent=True))
    assert (np.sort(ind, 0) == x).all()
    ch = to_numpy(jr.choice(k, 10, (5,), replace=False))
    assert len(set(ch.tolist())) == 5 and ch.max() < 10
    chp = to_numpy(jr.choice(k, 3, (n,), p=p))
    assert np.abs(np.bincount(chp, minlength=3) / n - p).max() < 0.03
    rad = to_numpy(jr.rademacher(k, (n,)))
    assert set(np.unique(rad)) == {-1, 1} and abs(rad.mean()) < 0.05
    rows = to_numpy(jr.choice(k, x, (2,), replace=False, p=np.array([0.0, 0.5, 0.5, 0.0])))
    assert {tuple(r) for r in rows} == {tuple(x[1]), tuple(x[2])}
    with pytest.raises(ValueError, match="without replacement"):
        jr.choice(k, 3, (4,), replace=False)


def test_random_samples_are_differentiable_in_their_parameters(backend):
    """Reparameterised draws carry gradients to their parameters (uniform's bounds,
    truncated_normal's limits), checked against central differences."""
    k = jr.PRNGKey(5)

    def f(lo):
        return gnp.sum(jr.uniform(k, (3,), minval=lo, maxval=lo + 2.0) ** 2)

    def t(lo):
        return gnp.sum(jr.truncated_normal(k, lo, 1.5, (3,)))

    h = 1e-6

    def mvn(m0):
        mean = gnp.stack([m0, -m0])
        return gnp.sum(
            jr.multivariate_normal(k, mean, np.array([[2.0, 0.5], [0.5, 1.0]]), (3,)) ** 2
        )

    for fn in (f, t, mvn):
        fd = (float(fn(-0.3 + h)) - float(fn(-0.3 - h))) / (2 * h)
        assert abs(float(ad.grad(fn)(-0.3)) - fd) < 1e-6
