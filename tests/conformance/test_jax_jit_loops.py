"""``gpuad.jit`` against ``jax.jit`` on loops whose trip count depends on traced values: JAX's
own ``while_loop``/``fori_loop``/``cond``/``switch`` tests (``tests/lax_control_flow_test.py``:
testWhileWithTuple, testNestedWhile, testWhileWithClosure, testNestedWhileWithDynamicUpdateSlice,
testLoopWithConjunctionCondition, testForiLoopBasic/Closure/TupleState/DictState/
EmptyTupleInState, testWhileJVP-style forward mode, testCond/testSwitch/testNestedCond under
jit) and ``jit(cg)`` from ``tests/scipy_sparse_linalg_test.py``, run in both libraries on the
same inputs (float64), values, dtypes, shapes and derivatives compared (forward mode also
against float64 central differences; reverse mode through cg's implicit derivative).

JAX's tests call the jitted functions on Python ints, which JAX traces; gpuad.jit keys its
programs on Python ints (one program per value), so the loops here get 0-d arrays, which both
libraries trace, and each compiled function is checked to have traced once.

Where gpuad deliberately differs it raises a clear error, listed in ``DIFFERENCES``.
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import lax as glax  # noqa: E402
from gpuad.jit import TracerError  # noqa: E402
from gpuad.scipy.sparse import linalg as gspl  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402

jlax = jax.lax

DIFFERENCES = {
    "test_reverse_mode_refused":
        "reverse mode through a while_loop of traced trip count raises in both libraries "
        "(gpuad: TracerError naming the line and what to do instead)",
    "test_vmap_of_a_jitted_value_dependent_loop":
        "vmap around (or inside) jit of such a loop (JAX's testWhileLoopBatched with jit) "
        "gives JAX's values, but runs as vmap's eager batched loop on every call, with a "
        "JitFallbackWarning (JAX compiles it)",
    "test_write_in_the_body_refused":
        "an in-place write (t[i] = v) inside a loop body under jit raises TracerError: use "
        "x.at[i].set(v); JAX has no in-place writes",
}


def same(got, want):
    g, gd = ad.tree_flatten(got)
    w, wd = jax.tree_util.tree_flatten(want)
    assert len(g) == len(w), (gd, wd)
    for a, b in zip(g, w, strict=True):
        a, b = np.asarray(to_numpy(a)), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def both(make, calls):
    """``make(lax, np)`` jitted in each library, called on each tuple of ``calls``: equal
    results, and gpuad traced once."""
    gj = ad.jit(make(glax, gnp), check=False)
    jj = jax.jit(make(jlax, jnp))
    for args in calls:
        same(gj(*args), jj(*args))
    assert gj.cache_info()["misses"] == 1, gj.cache_info()


i64 = lambda v: np.asarray(v, dtype=np.int64)  # noqa: E731


def test_while_with_tuple():
    def make(lax, _np):
        def loop(init):
            return lax.while_loop(lambda s: lax.lt(s[0], i64(10)),
                                  lambda s: (lax.add(s[0], i64(1)), lax.add(s[1], i64(1))),
                                  (init, i64(0)))[1]
        return loop
    both(make, [(i64(2),), (i64(3),), (i64(12),)])


def test_nested_while():
    def make(lax, _np):
        def inner(i, count):
            return lax.while_loop(lambda s: lax.le(s[1], s[0]),
                                  lambda s: (s[0], lax.add(s[1], i64(1)),
                                             lax.add(s[2], i64(1))),
                                  (i, i64(0), count))[2]

        def outer(num):
            _, i, count = lax.while_loop(lambda s: lax.lt(s[1], s[0]),
                                         lambda s: (s[0], lax.add(s[1], i64(1)),
                                                    inner(s[1], s[2])),
                                         (num, i64(0), i64(0)))
            return i, count
        return outer
    both(make, [(i64(3),), (i64(2),), (i64(4),), (i64(0),)])


def test_while_with_closure():
    def make(lax, _np):
        def loop(init, limit, inc):
            return lax.while_loop(lambda s: lax.lt(s[0], limit),
                                  lambda s: (lax.add(s[0], i64(1)), lax.add(s[1], inc)),
                                  (init, i64(0)))[1]
        return loop
    both(make, [(i64(2), i64(10), i64(1)), (i64(3), i64(10), i64(1)),
                (i64(0), i64(7), i64(5))])


def test_nested_while_with_dynamic_update_slice():
    def make(lax, np_):
        def inner(i, arr, out):
            def body(s):
                i, j, arr, out = s
                v = lax.dynamic_index_in_dim(lax.dynamic_index_in_dim(arr, i, 0, False), j, 0,
                                             False)
                return i, lax.add(j, i64(1)), arr, lax.dynamic_update_slice(
                    out, lax.reshape(v, (1, 1)), (i, j))
            return lax.while_loop(lambda s: lax.le(s[1], s[0]), body, (i, i64(0), arr, out))[3]

        def outer(arr, num):
            def body(s):
                i, num, arr, out = s
                return lax.add(i, i64(1)), num, arr, inner(i, arr, out)
            out = np_.zeros(arr.shape, dtype=arr.dtype)
            return lax.while_loop(lambda s: lax.lt(s[0], s[1]), body,
                                  (i64(0), num, arr, out))[3]
        return outer
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 5))
    both(make, [(x, i64(5)), (x * 2, i64(3))])
    np.testing.assert_array_equal(to_numpy(ad.jit(make(glax, gnp))(x, i64(5))), np.tril(x))


def test_loop_with_conjunction_condition():
    def make(lax, _np):
        def sum_first_n(arr, num):
            def body(s):
                arr, num, i, total = s
                return arr, num, lax.add(i, i64(1)), lax.add(
                    total, lax.dynamic_index_in_dim(arr, i, 0, False))
            return lax.while_loop(
                lambda s: lax.bitwise_and(lax.lt(s[2], s[1]), lax.lt(s[2], arr.shape[0])),
                body, (arr, num, i64(0), np.float64(0.0)))[3]
        return sum_first_n
    x = np.random.default_rng(1).standard_normal(10)
    both(make, [(x, i64(n)) for n in (0, 5, 10, 15)])


def test_fori_loop_basic_and_closure():
    both(lambda lax, _np: lambda n: lax.fori_loop(i64(0), n, lambda i, t: lax.add(t, i),
                                                  i64(0)),
         [(i64(n),) for n in (2, 3, 4, 0)])
    both(lambda lax, _np: lambda n: lax.fori_loop(
        i64(0), n, lambda i, t: lax.add(n, lax.add(t, i)), i64(0)),
         [(i64(n),) for n in (2, 3, 4)])


@pytest.mark.parametrize("state", ["tuple", "dict", "empty_tuple"])
def test_fori_loop_states(state):
    def make(lax, _np):
        def sum_first_n(arr, num):
            def body(i, s):
                if state == "dict":
                    return {"arr": s["arr"], "total": lax.add(
                        s["total"], lax.dynamic_index_in_dim(s["arr"], i, 0, False))}
                v = lax.add(s[1], lax.dynamic_index_in_dim(s[0], i, 0, False))
                return (s[0], v) if state == "tuple" else (s[0], v, ())
            init = ({"arr": arr, "total": np.float64(0.0)} if state == "dict" else
                    (arr, np.float64(0.0)) + (((),) if state == "empty_tuple" else ()))
            out = lax.fori_loop(i64(0), lax.min(i64(arr.shape[0]), num), body, init)
            return out["total"] if state == "dict" else out[1]
        return sum_first_n
    x = np.random.default_rng(2).standard_normal(10)
    both(make, [(x, i64(n)) for n in (0, 5, 10, 15)])


def test_while_jvp():
    """Forward mode through the loop (JAX's testWhileJVP pattern: a body with sin, closing
    over a traced value), under jit, against jax and float64 central differences."""
    def make(lax, np_, jvp):
        def f(x, y, n):
            body = lambda c: (lax.add(c[0], i64(1)), np_.sin(c[1]) * y + c[1] * x)
            return lax.while_loop(lambda c: lax.lt(c[0], n), body, (i64(0), x))[1]
        return lambda x, y, t, n: jvp(lambda x, y: f(x, y, n), (x, y), (t, t * 0.5))
    gj = ad.jit(make(glax, gnp, ad.jvp), check=False)
    jj = jax.jit(make(jlax, jnp, jax.jvp))
    for x, y, t, n in ((0.3, 0.9, 1.0, 4), (0.7, -0.4, 2.0, 6), (0.1, 0.2, 1.0, 0)):
        f64 = lambda v: np.asarray(v, dtype=np.float64)  # noqa: E731
        args = (f64(x), f64(y), f64(t), i64(n))
        same(gj(*args), jj(*args))
        e = 1e-6
        f = lambda s, a=args: to_numpy(gj(f64(a[0] + s * a[2]), f64(a[1] + s * 0.5 * a[2]),
                                          a[2], a[3])[0])
        fd = (f(e) - f(-e)) / (2 * e)
        np.testing.assert_allclose(to_numpy(gj(*args)[1]), fd, rtol=1e-6, atol=1e-9)
    assert gj.cache_info()["misses"] == 1
    # jacfwd under jit
    h = lambda lax, np_: lambda x, n: lax.while_loop(
        lambda c: lax.lt(c[0], n), lambda c: (lax.add(c[0], i64(1)), np_.cos(c[1]) * x),
        (i64(0), x))[1]
    gh = ad.jit(ad.jacfwd(h(glax, gnp)), check=False)
    for x, n in ((0.4, 3), (1.1, 5)):
        same(gh(np.asarray(x), i64(n)), jax.jit(jax.jacfwd(h(jlax, jnp)))(np.asarray(x), i64(n)))
    assert gh.cache_info()["misses"] == 1


def test_cond_and_switch_under_jit():
    def make_cond(lax, _np):
        return lambda x: lax.cond(lax.lt(x, i64(3)), lambda x: (x, x),
                                  lambda x: (lax.mul(i64(2), x), lax.mul(i64(4), x)), x)
    both(make_cond, [(i64(v),) for v in range(5)])

    def make_switch(lax, _np):
        branches = [lambda x: (x, x), lambda x: (lax.mul(i64(2), x), lax.mul(i64(4), x)),
                    lambda x: (x, -x)]
        return lambda x: lax.switch(x, branches, x)
    both(make_switch, [(i64(v),) for v in range(-1, 4)])

    def make_nested(lax, _np):
        return lambda x: lax.cond(lax.lt(x, i64(2)), lambda x: lax.mul(i64(2), x),
                                  lambda x: lax.cond(lax.lt(x, i64(5)),
                                                     lambda x: lax.mul(i64(3), x),
                                                     lambda x: lax.mul(i64(4), x), x), x)
    both(make_nested, [(i64(v),) for v in (1, 3, 6)])


def test_jit_cg_and_its_gradient():
    """jit(cg) (JAX's scipy_sparse_linalg_test: test_cg_against_solve under jit) and the
    gradient of a loss through it, w.r.t. the matrix and the right-hand side."""
    rng = np.random.default_rng(3)

    def spd(k):
        m = rng.standard_normal((k, k))
        return m @ m.T + k * np.eye(k), rng.standard_normal(k)

    def make(lib):
        cg = gspl.cg if lib == "g" else jax.scipy.sparse.linalg.cg
        np_ = gnp if lib == "g" else jnp
        solve = lambda a, b: cg(lambda v: a @ v, b, tol=1e-12, atol=0.0)[0]
        loss = lambda a, b: np_.sum(solve(a, b) ** 2)
        return solve, loss

    gs, gl = make("g")
    js, jl = make("j")
    g_solve, j_solve = ad.jit(gs, check=False), jax.jit(js)
    g_grad = ad.jit(ad.grad(gl, argnums=(0, 1)), check=False)
    j_grad = jax.jit(jax.grad(jl, argnums=(0, 1)))
    for a, b in (spd(6), spd(6), spd(6)):
        got, want = to_numpy(g_solve(a, b)), np.asarray(j_solve(a, b))
        np.testing.assert_allclose(got, np.linalg.solve(a, b), rtol=1e-9)
        np.testing.assert_allclose(got, want, rtol=1e-9)
        for x, y in zip(g_grad(a, b), j_grad(a, b), strict=True):
            np.testing.assert_allclose(to_numpy(x), np.asarray(y), rtol=1e-8, atol=1e-12)
        e, u = 1e-6, rng.standard_normal(6)
        fd = (gl(a, b + e * u) - gl(a, b - e * u)) / (2 * e)
        np.testing.assert_allclose(float(to_numpy(fd)), to_numpy(g_grad(a, b)[1]) @ u,
                                   rtol=1e-6)
    assert g_solve.cache_info()["misses"] == 1 and g_grad.cache_info()["misses"] == 1


def _loop(lax):
    return lambda x, n: lax.while_loop(lambda c: lax.lt(c[0], n),
                                       lambda c: (lax.add(c[0], i64(1)), c[1] * x),
                                       (i64(0), x))[1]


def test_reverse_mode_refused():
    x, n = np.float64(1.5), i64(3)
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        jax.jit(jax.grad(_loop(jlax)))(x, n)
    with pytest.raises(TracerError, match=r"while_loop .*reverse-mode .*fori_loop"):
        ad.jit(ad.grad(_loop(glax)))(x, n)
    # a Python-int trip count keeps reverse mode in both
    f = lambda lax: lambda x: lax.fori_loop(0, 3, lambda i, c: c * x, x)
    same(ad.jit(ad.grad(f(glax)))(x), jax.jit(jax.grad(f(jlax)))(x))


def test_vmap_of_a_jitted_value_dependent_loop():
    fun = lambda lax: lambda x: lax.while_loop(lambda x: x < 3, lambda x: x + 2, x)
    xs = np.array([0, 1, 2, 3])
    np.testing.assert_array_equal(np.asarray(jax.vmap(jax.jit(fun(jlax)))(xs)), [4, 3, 4, 3])
    np.testing.assert_array_equal(to_numpy(ad.vmap(fun(glax))(xs)), [4, 3, 4, 3])
    for v in (xs, np.array([5, -1, 2, 0])):
        want = np.asarray(jax.vmap(jax.jit(fun(jlax)))(v))
        with pytest.warns(ad.jit.JitFallbackWarning, match="inside vmap"):
            np.testing.assert_array_equal(to_numpy(ad.vmap(ad.jit(fun(glax)))(v)), want)
        with pytest.warns(ad.jit.JitFallbackWarning, match="inside vmap"):
            np.testing.assert_array_equal(to_numpy(ad.jit(ad.vmap(fun(glax)))(v)), want)


def test_write_in_the_body_refused():
    def f(x):
        def body(c):
            t = ad.tensor(gnp.zeros(2))
            t[0] = c
            return c + t[0]
        return glax.while_loop(lambda c: c < x, body, gnp.asarray(1.0))
    with pytest.raises(TracerError, match=r"while_loop .*writes in place.*\.at\[i\]\.set"):
        ad.jit(f)(np.float64(3.0))


def test_differences_are_tests():
    assert all(callable(globals().get(n)) for n in DIFFERENCES)
