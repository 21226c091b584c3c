"""Loops whose trip count depends on traced values under ``gpuad.jit`` (gpuad/jit/loops.py):
one step of the program runs the loop on each call's values. A second call with new values
replays (no new trace) and gives the new answer, equal bit for bit to the eager loop; values
the loop reads by closure are inputs of that step; forward mode goes through it, reverse mode
raises; the sparse solvers and custom_root compile, gradients (implicit) included."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.jit.trace import TracerError
from gpuad.scipy.sparse.linalg import bicgstab, cg, gmres


def same(a, b):
    for x, y in zip(ad.tree_flatten(a)[0], ad.tree_flatten(b)[0], strict=True):
        x, y = to_numpy(x), to_numpy(y)
        assert x.dtype == y.dtype, (x.dtype, y.dtype)
        np.testing.assert_array_equal(x, y)


def arr(x, dtype=None):
    return ad.get_backend().xp.asarray(x, dtype=dtype)


def replays(jf, calls, eager):
    """Each call of ``jf`` equals ``eager`` bit for bit, and only the first one traced."""
    for args in calls:
        same(jf(*args), eager(*args))
    info = jf.cache_info()
    assert info["misses"] == 1 and info["hits"] == len(calls) - 1, info


def grow(x, y):
    # the predicate reads x by closure, the body y: both are inputs of the loop's step
    body = lambda c: (c[0] + 1, c[1] * y + 1.0)
    return lax.while_loop(lambda c: c[1] < x, body, (0, gnp.asarray(1.0)))


def test_while_loop_replays_new_values(backend):
    calls = [(arr(10.0), arr(2.0)), (arr(100.0), arr(3.0)), (arr(1e6), arr(1.5)),
             (arr(0.5), arr(2.0))]  # (the last runs no step)
    replays(ad.jit(grow), calls, grow)
    out = ad.jit(grow)(arr(100.0), arr(3.0))
    assert int(to_numpy(out[0])) == 4 and float(to_numpy(out[1])) == 121.0


def test_fori_loop_with_traced_bounds(backend):
    f = lambda lo, hi, x: lax.fori_loop(lo, hi, lambda i, s: s * x + i, gnp.zeros(3))
    calls = [(arr(1), arr(5), arr([1.0, 2.0, 0.5])), (arr(0), arr(3), arr([3.0, 1.0, -1.0])),
             (arr(4), arr(2), arr([1.0, 1.0, 1.0]))]
    replays(ad.jit(f), calls, f)
    g = lambda n, x: lax.fori_loop(0, n, lambda i, s: s * x, x)  # one traced bound
    replays(ad.jit(g), [(arr(3), arr(2.0)), (arr(0), arr(5.0))], g)
    assert float(to_numpy(ad.jit(g)(arr(3), arr(2.0)))) == 16.0


def test_nested_loops_and_captured_tensor(backend):
    w = ad.tensor(arr([1.0, 2.0]))  # read by closure: its current value at every call

    def f(n):
        def outer(c):
            i, tot = c
            inner = lax.while_loop(lambda d: d[0] < i, lambda d: (d[0] + 1, d[1] + w),
                                   (gnp.asarray(0), gnp.zeros(2)))[1]
            return i + 1, tot + inner
        return lax.while_loop(lambda c: c[0] < n, outer, (gnp.asarray(0), gnp.zeros(2)))[1]

    jf = ad.jit(f)
    same(jf(arr(5)), f(arr(5)))
    assert to_numpy(jf(arr(5))).tolist() == [10.0, 20.0]
    with ad.no_grad():
        w[...] = arr([3.0, -1.0])
    same(jf(arr(4)), f(arr(4)))
    assert to_numpy(jf(arr(4))).tolist() == [18.0, -6.0]


def test_results_are_their_own_arrays(backend):
    # a leaf the body passes through unchanged is not the argument's array
    f = ad.jit(lambda x, n: lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1]),
                                           (gnp.asarray(0), x)))
    x = arr([1.0, 2.0])
    _, y = f(x, arr(3))
    _, y = f(x, arr(2))
    y[...] = 7.0
    assert to_numpy(x).tolist() == [1.0, 2.0]


def test_python_number_in_the_carry_takes_the_body_dtype(backend):
    f = lambda x: lax.while_loop(lambda c: c[1] < 4, lambda c: (c[0] + x, c[1] + 1),
                                 (0.0, gnp.asarray(0)))
    x = arr(np.float32(0.25))
    out = ad.jit(f)(x)
    assert to_numpy(out[0]).dtype == np.float32
    same(out[0], f(x)[0])
    # an int carry that the body makes a float; a float carry that a float32 scalar keeps so
    g = lambda x: lax.while_loop(lambda c: c < x, lambda c: c + 0.5, 0)
    assert float(to_numpy(ad.jit(g)(arr(2.2)))) == 2.5
    h = lambda x: lax.while_loop(lambda c: c < x, lambda c: c + np.float32(0.5), 0.0)
    out = ad.jit(h)(arr(np.float32(2.2)))
    assert to_numpy(out).dtype == np.float32 and float(to_numpy(out)) == 2.5


def newton(x, a):
    body = lambda c: (c[0] + 1, c[1] - (c[1] * c[1] - a) / (2 * c[1]))
    return lax.while_loop(lambda c: (c[0] < 50) & (gnp.abs(c[1] * c[1] - a) > 1e-10), body,
                          (0, x))[1]


def test_forward_mode_through_the_loop(backend):
    jv = lambda a, t: ad.jvp(lambda a: newton(a, a * 3.0), (a,), (t,))
    replays(ad.jit(jv), [(arr(2.0), arr(1.0)), (arr(5.0), arr(-2.0))], jv)
    # the tangent reaches a carry leaf that starts without one (through the closure)
    h = lambda x, n: lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * x + 1.0),
                                    (0, 1.0))[1]
    jh = lambda x, t, n: ad.jvp(lambda x: h(x, n), (x,), (t,))
    replays(ad.jit(jh), [(arr(0.7), arr(1.0), arr(5)), (arr(0.5), arr(2.0), arr(3))], jh)
    # d/dx of x^n * ... at n = 3: (1 + x + x^2 + x^3)' = 1 + 2x + 3x^2
    assert float(to_numpy(ad.jit(jh)(arr(2.0), arr(1.0), arr(3))[1])) == 17.0
    jd = ad.jacfwd(newton, argnums=1)
    replays(ad.jit(jd), [(arr(1.0), arr(2.0)), (arr(3.0), arr(5.0))], jd)
    assert abs(float(to_numpy(ad.jit(jd)(arr(3.0), arr(5.0)))) - 0.5 / np.sqrt(5.0)) < 1e-9


def test_reverse_mode_and_writes_raise(backend):
    with pytest.raises(TracerError, match=r"while_loop .*reverse-mode"):
        ad.jit(ad.grad(newton, argnums=1))(arr(1.0), arr(2.0))
    with pytest.raises(TracerError, match=r"while_loop .*reverse-mode"):
        ad.jit(ad.grad(lambda x, n: grow(n, x)[1]))(arr(2.0), arr(10.0))

    def writes(x):
        def body(c):
            t = ad.tensor(gnp.zeros(2))
            t[0] = c
            return c + t[0]
        return lax.while_loop(lambda c: c < x, body, gnp.asarray(1.0))

    with pytest.raises(TracerError, match=r"while_loop .*writes in place"):
        ad.jit(writes)(arr(3.0))
    def leaks(x):  # a value of the body kept outside the loop
        log = []

        def body(c):
            log.append(c * 2)
            return c + x
        return lax.while_loop(lambda c: c < 3.0, body, x * 0) + log[0]

    def leaks_inward(x):  # an inner loop's value read by the outer loop's body
        log = []

        def inner(d):
            log.append(d * 2)
            return d + x

        def body(c):
            return c + lax.while_loop(lambda d: d < c, inner, x * 0) + log[-1]
        return lax.while_loop(lambda c: c < 10.0, body, x * 1)

    for f in (leaks, leaks_inward):
        with pytest.raises(TracerError, match=r"made inside a while_loop.* used outside"):
            ad.jit(f)(arr(0.5))
    # eagerly the loop is a Python loop, differentiable in reverse mode
    assert abs(float(to_numpy(ad.grad(newton, argnums=1)(arr(1.0), arr(2.0))))
               - 0.5 / np.sqrt(2.0)) < 1e-9


def test_inside_vmap_the_batched_loop_runs_eagerly(backend):
    # the trip count differs per example: vmap's batched loop, run eagerly on every call
    f = lambda x: lax.while_loop(lambda c: c < x, lambda c: c * 2, gnp.asarray(1.0))
    for g in (ad.jit(ad.vmap(f)), ad.vmap(ad.jit(f))):
        with pytest.warns(ad.jit.JitFallbackWarning, match="inside vmap"):
            assert to_numpy(g(arr([3.0, 10.0]))).tolist() == [4.0, 16.0]
        assert to_numpy(g(arr([0.5, 5.0]))).tolist() == [1.0, 8.0]


def _spd(k):
    rng = np.random.default_rng(k)
    m = rng.standard_normal((4, 4))
    return arr(m @ m.T + 4 * np.eye(4)), arr(rng.standard_normal(4))


@pytest.mark.parametrize("solver", [cg, bicgstab, gmres])
def test_sparse_solvers_and_their_gradients(backend, solver):
    loss = lambda a, b: gnp.sum(solver(lambda v: a @ v, b, tol=1e-12)[0] ** 2)
    calls = [_spd(0), _spd(1)]
    replays(ad.jit(lambda a, b: solver(a, b, tol=1e-12)[0]), calls,
            lambda a, b: solver(a, b, tol=1e-12)[0])
    g = ad.grad(loss, argnums=(0, 1))
    replays(ad.jit(g), calls, g)
    a, b = (to_numpy(x) for x in calls[1])
    x = np.linalg.solve(a, b)
    gb = np.linalg.solve(a.T, 2 * x)
    ga, gbj = (to_numpy(v) for v in ad.jit(g)(*calls[1]))
    np.testing.assert_allclose(gbj, gb, rtol=1e-8)
    np.testing.assert_allclose(ga, -np.outer(gb, x), rtol=1e-8)


def test_custom_root_with_a_while_loop_solver(backend):
    def solve(f, x0):
        step = lambda c: (c[0] + 1, c[1] - f(c[1]) / (3 * c[1] ** 2 + 1))
        return lax.while_loop(lambda c: (c[0] < 60) & (gnp.abs(f(c[1])) > 1e-13), step,
                              (0, x0))[1]

    f = lambda b: lax.custom_root(lambda x: x ** 3 + x - b, gnp.asarray(1.0), solve,
                                  lambda g, y: y / g(gnp.asarray(1.0)))
    df = ad.grad(f)
    replays(ad.jit(f), [(arr(2.0),), (arr(10.0),)], f)
    replays(ad.jit(df), [(arr(2.0),), (arr(10.0),)], df)
    x = float(to_numpy(ad.jit(f)(arr(10.0))))
    assert abs(x ** 3 + x - 10.0) < 1e-10
    assert abs(float(to_numpy(ad.jit(df)(arr(10.0)))) - 1 / (3 * x * x + 1)) < 1e-10


def test_cond_and_switch_on_a_traced_predicate(backend):
    f = lambda p, k, x: (lax.cond(p > 0, lambda x: gnp.sin(x), lambda x: x * 2, x),
                         lax.switch(k, [gnp.exp, gnp.cos, lambda x: -x], x))
    replays(ad.jit(f), [(arr(1.0), arr(0), arr(0.5)), (arr(-1.0), arr(2), arr(0.5)),
                        (arr(-1.0), arr(7), arr(0.25))], f)
