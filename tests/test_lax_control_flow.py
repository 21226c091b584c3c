"""``gpuad.lax``: JAX's structured control flow (fori_loop, while_loop, scan, cond, switch,
select, map) as the Python loops and branches it means.

Values are compared with the plain Python loop, gradients with float64 central differences
and, where JAX is installed, with the same program run by ``jax.lax`` (float64). ``vmap`` and
``jit`` variants are compared with the eager loop run example by example.
"""

from __future__ import annotations

import functools
import types

import numpy as onp
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.jit.trace import TracerError
from gpuad.testing import check_grads

G = types.SimpleNamespace(np=gnp, lax=lax, grad=ad.grad, vjp=ad.vjp, jvp=ad.jvp,
                          vmap=ad.vmap, custom_vjp=ad.custom_vjp)


@functools.cache
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return types.SimpleNamespace(np=jnp, lax=jax.lax, grad=jax.grad, vjp=jax.vjp, jvp=jax.jvp,
                                 vmap=jax.vmap, custom_vjp=jax.custom_vjp)


def close(a, b, rtol=1e-10, atol=1e-12):
    onp.testing.assert_allclose(to_numpy(a), onp.asarray(b), rtol=rtol, atol=atol)


RNG = onp.random.default_rng(0)
XS = RNG.standard_normal((5, 3))
W = RNG.standard_normal((4, 4)) * 0.5
U = RNG.standard_normal((4, 3)) * 0.5
B = RNG.standard_normal(4) * 0.1
H0 = RNG.standard_normal(4)


# ---- ported programs, written once against a namespace L ------------------------------------

def rnn(L, W, U, b, h0, xs):
    """An Elman RNN over a sequence with ``lax.scan`` (carry: the state; outputs: per-step
    pytrees), reduced to a scalar loss."""
    def step(h, x):
        h = L.np.tanh(W @ h + U @ x + b)
        return h, {"h": h, "e": L.np.sum(h ** 2)}
    h, ys = L.lax.scan(step, h0, xs)
    return L.np.sum(h) + L.np.sum(ys["e"]) + L.np.sum(ys["h"][::2] * 0.3)


def rnn_loop(W, U, b, h0, xs):
    h, hs, es = h0, [], []
    for t in range(xs.shape[0]):
        h = gnp.tanh(W @ h + U @ xs[t] + b)
        hs.append(h)
        es.append(gnp.sum(h ** 2))
    return gnp.sum(h) + gnp.sum(gnp.stack(es)) + gnp.sum(gnp.stack(hs)[::2] * 0.3)


def newton_cbrt(L, a):
    """Newton's iterations for a ** (1/3) with ``lax.while_loop`` (stop on a small step)."""
    def cond(c):
        return L.np.max(L.np.abs(c[1])) > 1e-13

    def body(c):
        x, _ = c
        step = (x ** 3 - a) / (3 * x ** 2)
        return x - step, step
    return L.lax.while_loop(cond, body, (a + 1.0, a * 0 + 1.0))[0]


def make_fixed_point(L):
    """JAX's ``fixed_point`` ("Custom derivative rules"): a while_loop solver whose reverse
    rule is itself a fixed point of the adjoint iteration."""
    @functools.partial(L.custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, a, x_guess):
        def cond_fun(carry):
            x_prev, x = carry
            return L.np.abs(x_prev - x) > 1e-12

        def body_fun(carry):
            _, x = carry
            return x, f(a, x)
        _, x_star = L.lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
        return x_star

    def fixed_point_fwd(f, a, x_init):
        x_star = fixed_point(f, a, x_init)
        return x_star, (a, x_star)

    def rev_iter(f, packed, u):
        a, x_star, x_star_bar = packed
        _, vjp_x = L.vjp(lambda x: f(a, x), x_star)
        return x_star_bar + vjp_x(u)[0]

    def fixed_point_rev(f, res, x_star_bar):
        a, x_star = res
        _, vjp_a = L.vjp(lambda a: f(a, x_star), a)
        a_bar, = vjp_a(fixed_point(functools.partial(rev_iter, f), (a, x_star, x_star_bar),
                                   x_star_bar))
        return a_bar, L.np.zeros_like(x_star)

    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)

    def newton_sqrt(a):
        return fixed_point(lambda a, x: 0.5 * (x + a / x), a, a)
    return newton_sqrt


def piecewise(L, k, x):
    """``switch`` and ``cond`` choosing among smooth pieces, with a fori_loop inside."""
    y = L.lax.switch(k, [lambda x: L.np.sin(x), lambda x: x ** 2, lambda x: L.np.exp(-x)], x)
    y = L.lax.cond(L.np.sum(x) > 0, lambda y: y * 2.0, lambda y: y - 1.0, y)
    return L.lax.fori_loop(1, 4, lambda i, s: s + y / i, L.np.zeros_like(y))


# ---- values against the Python loop ---------------------------------------------------------

def test_values_match_python_loops(backend):
    xs = gnp.asarray(XS)
    close(lax.fori_loop(0, 5, lambda i, s: s + xs[i] * i, gnp.zeros(3)),
          sum(XS[i] * i for i in range(5)))
    close(lax.fori_loop(3, 1, lambda i, s: s + 1.0, 0.5), 0.5)  # an empty range
    close(lax.fori_loop(onp.int64(0), gnp.asarray(4), lambda i, s: s * 2, 1), 16)
    close(lax.while_loop(lambda c: c[0] < 100, lambda c: (c[0] * 3, c[1] + 1), (1, 0))[1], 5)
    tot, cums = lax.scan(lambda c, x: (c + x, c + x), gnp.zeros(3), xs)  # cumulative sum
    close(cums, onp.cumsum(XS, axis=0))
    close(tot, XS.sum(0))
    # reverse: ys[i] stays paired with xs[i]; the carry runs from the last slice
    tot, rc = lax.scan(lambda c, x: (c + x, c), gnp.zeros(3), xs, reverse=True)
    close(rc, onp.cumsum(XS[::-1], 0)[::-1] - XS)
    close(tot, XS.sum(0))
    # pytrees of carry, xs and outputs; y None; xs None with length
    (a, b), ys = lax.scan(lambda c, x: ((c[0] + x["u"], c[1] * 2), None),
                          (gnp.zeros(3), 1.0), {"u": xs}, unroll=2)
    assert ys is None
    close(a, XS.sum(0))
    close(b, 32.0)
    c, ys = lax.scan(lambda c, _: (c + 1, (c, c * 2.0)), 0, None, length=4)
    close(c, 4)
    close(ys[0], [0, 1, 2, 3])
    close(ys[1], [0.0, 2.0, 4.0, 6.0])
    # zero steps: the carry unchanged, outputs empty with one slice's shape
    c, ys = lax.scan(lambda c, x: (c + gnp.sum(x), {"y": x * 2}), 1.5, gnp.zeros((0, 2)))
    assert to_numpy(ys["y"]).shape == (0, 2) and float(c) == 1.5
    close(lax.map(lambda r: gnp.sum(r ** 2), xs), (XS ** 2).sum(1))
    close(lax.map(lambda r: (r * 2, gnp.max(r)), xs, batch_size=2)[1], XS.max(1))
    # branches
    close(lax.cond(True, lambda x: x + 1, lambda x: x - 1, xs), XS + 1)
    close(lax.cond(gnp.asarray(0.0), lambda x: x + 1, lambda x: x - 1, xs), XS - 1)
    fs = [lambda x: x + 1, lambda x: x * 2, lambda x: -x]
    for k, ref in ((-5, XS + 1), (0, XS + 1), (1, XS * 2), (2, -XS), (9, -XS)):
        close(lax.switch(k, fs, xs), ref)
    close(lax.switch(gnp.asarray(1), fs, xs), XS * 2)
    close(lax.select(xs > 0, xs, 0.1 * xs), onp.where(XS > 0, XS, 0.1 * XS))


def test_only_the_chosen_branch_runs_eagerly(backend):
    calls = []
    lax.cond(True, lambda: calls.append("t"), lambda: calls.append("f"))
    lax.switch(1, [lambda: calls.append(0), lambda: calls.append(1)])
    assert calls == ["t", 1]


def test_ported_programs_match_python_loops(backend):
    args = [gnp.asarray(a) for a in (W, U, B, H0, XS)]
    close(rnn(G, *args), to_numpy(rnn_loop(*args)))
    close(newton_cbrt(G, gnp.asarray(5.0)), 5.0 ** (1 / 3))
    close(make_fixed_point(G)(gnp.asarray(2.0)), onp.sqrt(2.0))


# ---- gradients --------------------------------------------------------------------------------

def test_gradients_against_finite_differences(backend):
    check_grads(lambda W, h0, xs: rnn(G, W, gnp.asarray(U), gnp.asarray(B), h0, xs),
                (W, H0, XS[:3]), order=2)
    check_grads(lambda x: lax.fori_loop(0, 3, lambda i, s: gnp.sin(s) * x[i] + s, x[0] ** 2),
                (XS[:, 0],), order=2)
    check_grads(lambda a: newton_cbrt(G, a), (onp.array([2.0, 7.0]),), order=1)
    check_grads(lambda x: piecewise(G, 1, x), (XS[0],), order=2)
    check_grads(lambda x: piecewise(G, 2, -x), (XS[0],), order=1)
    check_grads(lambda x: lax.select(x > 0, gnp.sin(x), x ** 3), (XS[1],), order=2)
    check_grads(lambda xs: lax.map(lambda r: gnp.prod(r), xs), (XS,), order=1)
    # checkpointed: the scan runs again in backward, with the same gradient
    loss = lambda W, xs: rnn(G, W, gnp.asarray(U), gnp.asarray(B), gnp.asarray(H0), xs)  # noqa: E731
    g_ck = ad.grad(ad.checkpoint(loss), argnums=(0, 1))(W, XS)
    for a_, b_ in zip(g_ck, ad.grad(loss, argnums=(0, 1))(W, XS), strict=True):
        close(a_, to_numpy(b_))
    # the custom rule of fixed_point, and differentiating the iterations themselves
    sqrt = make_fixed_point(G)
    close(ad.grad(sqrt)(gnp.asarray(2.0)), 0.5 / onp.sqrt(2.0), rtol=1e-8)
    close(ad.grad(lambda a: newton_cbrt(G, a))(gnp.asarray(5.0)), 5.0 ** (-2 / 3) / 3,
          rtol=1e-8)


def test_against_jax():
    J = _jax()
    args = (W, U, B, H0, XS)
    close(rnn(G, *map(gnp.asarray, args)), rnn(J, *args))
    g_ad = ad.grad(lambda W, xs: rnn(G, W, gnp.asarray(U), gnp.asarray(B), gnp.asarray(H0),
                                     xs), argnums=(0, 1))(W, XS)
    g_jx = J.grad(lambda W, xs: rnn(J, W, U, B, H0, xs), argnums=(0, 1))(W, XS)
    close(g_ad[0], g_jx[0])
    close(g_ad[1], g_jx[1])
    for k, x in ((-1, XS[0]), (1, -onp.abs(XS[1])), (5, onp.abs(XS[2]))):
        close(piecewise(G, k, gnp.asarray(x)), piecewise(J, k, x))
        close(ad.grad(lambda x: gnp.sum(piecewise(G, k, x)))(x),
              J.grad(lambda x: J.np.sum(piecewise(J, k, x)))(x))
    # JAX differentiates while_loop in forward mode only: compare tangents
    a = onp.array([2.0, 9.0])
    close(ad.jvp(lambda a: newton_cbrt(G, a), (a,), (onp.ones(2),))[1],
          J.jvp(lambda a: newton_cbrt(J, a), (a,), (onp.ones(2),))[1])
    close(ad.grad(make_fixed_point(G))(2.0), J.grad(make_fixed_point(J))(2.0))
    # scan with reverse, and the clamped switch index, against JAX's
    f = lambda L, xs: L.lax.scan(lambda c, x: (c * 0.5 + x, c * x), L.np.ones(3), xs,  # noqa: E731
                                 reverse=True)
    for a_, b_ in zip(f(G, gnp.asarray(XS)), f(J, XS), strict=True):
        close(a_, b_)
    close(ad.vmap(lambda x: newton_cbrt(G, x))(a), J.vmap(lambda x: newton_cbrt(J, x))(a))


# ---- vmap: batched predicates ------------------------------------------------------------------

def test_vmap_cond_switch_select_per_example(backend):
    xs = gnp.asarray(XS)
    f = lambda x: lax.cond(gnp.sum(x) > 0, lambda x: gnp.sin(x), lambda x: x ** 2, x)  # noqa: E731
    close(ad.vmap(f)(xs), onp.stack([to_numpy(f(gnp.asarray(x))) for x in XS]))
    ks = onp.array([-2, 0, 1, 2, 4])
    g = lambda k, x: piecewise(G, k, x)  # noqa: E731
    ref = onp.stack([to_numpy(g(int(k), gnp.asarray(x))) for k, x in zip(ks, XS, strict=True)])
    close(ad.vmap(g)(gnp.asarray(ks), xs), ref)
    # per-example gradients through the selected branches
    per = ad.vmap(ad.grad(lambda k, x: gnp.sum(g(k, x)), argnums=1))(gnp.asarray(ks), xs)
    ref = [to_numpy(ad.grad(lambda x: gnp.sum(g(int(k), x)))(gnp.asarray(x)))
           for k, x in zip(ks, XS, strict=True)]
    close(per, onp.stack(ref))
    # an unbatched predicate inside vmap stays a Python branch (only one branch runs)
    calls = []
    ad.vmap(lambda x: lax.cond(True, lambda x: calls.append(1) or x, lambda x: -x, x))(xs)
    assert calls == [1]
    with pytest.raises(TypeError, match=r"cond: the output of true_fun .* shapes"):
        ad.vmap(lambda x: lax.cond(x[0] > 0, lambda x: x, lambda x: x[:2], x))(xs)


def test_vmap_while_runs_until_every_example_is_done(backend):
    a = onp.array([0.5, 2.0, 27.0, 1000.0])
    out = ad.vmap(lambda a: newton_cbrt(G, a))(gnp.asarray(a))
    close(out, onp.cbrt(a))
    # a finished example is frozen: counting steps per example gives each one's own count
    def steps(n):
        return lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 2.0),
                              (0, 1.0))
    ns = onp.array([0, 1, 4, 2])
    cnt, pw = ad.vmap(steps)(gnp.asarray(ns))
    close(cnt, ns)
    close(pw, 2.0 ** ns)
    per = ad.vmap(ad.grad(lambda a: newton_cbrt(G, a)))(gnp.asarray(a))
    close(per, a ** (-2 / 3) / 3, rtol=1e-8)
    close(ad.vmap(make_fixed_point(G))(gnp.asarray(a)), onp.sqrt(a))
    # batched fori_loop bounds run as a batched while_loop
    tri = ad.vmap(lambda n: lax.fori_loop(1, n, lambda i, s: s + i * 1.0, 0.0))
    close(tri(gnp.asarray(ns)), [sum(range(1, n)) for n in ns])


# ---- jit -----------------------------------------------------------------------------------------

def test_jit_against_eager(backend):
    args = [gnp.asarray(a) for a in (W, U, B, H0)]
    jr = ad.jit(lambda xs: rnn(G, *args, xs))
    for s in (1.0, -0.5):
        close(jr(gnp.asarray(XS * s)), to_numpy(rnn(G, *args, gnp.asarray(XS * s))))
    jp = ad.jit(lambda k, x: piecewise(G, k, x))
    for k, x in ((0, XS[0]), (2, -onp.abs(XS[1])), (7, onp.abs(XS[2])), (-1, XS[3])):
        close(jp(gnp.asarray(k), gnp.asarray(x)), to_numpy(piecewise(G, k, gnp.asarray(x))))
    jg = ad.jit(ad.grad(lambda x: gnp.sum(piecewise(G, 1, x))))
    for x in (XS[0], -onp.abs(XS[1])):
        close(jg(gnp.asarray(x)), to_numpy(ad.grad(lambda x: gnp.sum(piecewise(G, 1, x)))(
            gnp.asarray(x))))


def test_jit_compiles_a_traced_trip_count(backend):
    """A loop whose trip count depends on the arguments is one step of the compiled program
    (tests/test_jit_loops.py); reverse mode through it raises, as JAX's does."""
    jc = ad.jit(lambda a: newton_cbrt(G, a))
    for a in (3.0, 27.0, 0.5):
        same(jc(gnp.asarray(a)), newton_cbrt(G, gnp.asarray(a)))
    jf = ad.jit(lambda n, x: lax.fori_loop(0, n, lambda i, s: s * x, x))
    for n, x in ((3, 2.0), (5, 1.5), (0, 3.0)):
        same(jf(gnp.asarray(n), gnp.asarray(x)), x ** (n + 1))
    with pytest.raises(TracerError, match=r"while_loop .*reverse-mode .*fori_loop\(0, n"):
        ad.jit(ad.grad(lambda n, x: lax.fori_loop(0, n, lambda i, s: s * x, x), argnums=1))(
            gnp.asarray(3), gnp.asarray(2.0))
    with pytest.warns(ad.jit.JitFallbackWarning, match="inside vmap"):  # batched: eager
        close(ad.jit(ad.vmap(lambda n: lax.fori_loop(0, n, lambda i, s: s + 1.0, 0.0)))(
            gnp.asarray([1, 3])), [1.0, 3.0])
    # a trip count from Python numbers compiles
    jf = ad.jit(lambda x: lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * x),
                                         (0, x))[1])
    close(jf(gnp.asarray(2.0)), 16.0)


def same(a, b):
    onp.testing.assert_array_equal(to_numpy(a), to_numpy(b))


# ---- JAX's errors for carries that change ------------------------------------------------------

def test_carry_checks(backend):
    x = gnp.asarray(XS[0])
    with pytest.raises(TypeError, match=r"fori_loop: .* leaf carry has type float64\[6\] in "
                                        r"the output and float64\[3\] in the input"):
        lax.fori_loop(0, 2, lambda i, c: gnp.concatenate([c, c]), x)
    with pytest.raises(TypeError, match=r"scan: .* leaf carry\[1\]\['h'\] has type float32"
                                        r"\[3\] .* float64\[3\] .* dtypes differ"):
        lax.scan(lambda c, x: ((c[0], {"h": c[1]["h"].astype("float32")}), x),
                 (1.0, {"h": x}), gnp.asarray(XS))
    with pytest.raises(TypeError, match=r"while_loop: .* another pytree structure"):
        lax.while_loop(lambda c: c < 3, lambda c: (c + 1, c), 0)
    with pytest.raises(TypeError, match=r"scan: f must return a pair"):
        lax.scan(lambda c, x: c + x, 0.0, gnp.asarray(XS))
    with pytest.raises(ValueError, match=r"scan: xs leaf 1 has 2 entries"):
        lax.scan(lambda c, x: (c, x), 0.0, (gnp.asarray(XS), gnp.zeros((2, 3))))
    with pytest.raises(ValueError, match=r"pass length="):
        lax.scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(TypeError, match=r"cond: pred must be a scalar"):
        lax.cond(x > 0, lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError, match=r"select: on_true and on_false must have the same"):
        lax.select(x > 0, x, x[:2])
    with pytest.raises(TypeError, match=r"select: pred must be boolean"):
        lax.select(x, x, x)
    with pytest.raises(TypeError, match=r"switch: index must be a scalar integer"):
        lax.switch(1.0, [lambda: 1], ())
    # a Python number in the initial carry adopts the body's dtype (JAX's weak types)
    close(lax.fori_loop(0, 3, lambda i, s: s + x[i], 0), XS[0].sum())
    out = lax.fori_loop(0, 2, lambda i, s: s + gnp.ones((), dtype="float32"), 0.0)
    assert str(out.dtype) == "float32"
