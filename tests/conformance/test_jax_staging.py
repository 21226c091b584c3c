"""gpuad.disable_jit, named_call, ensure_compile_time_eval and closure_convert against JAX's
functions of those names: the same results, the same calls of the Python function, the same
derivatives (a fixed-point solver with a custom_vjp, as in JAX's documentation)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402


def _calls_under(lib, lib_np, disable):
    """How often a jitted function's Python body runs in 3 calls, and its results."""
    calls = []

    @lib.jit
    def f(x):
        calls.append(1)
        return lib_np.sin(x) * 2

    x = lib_np.asarray([0.5, 1.0])
    with disable():
        outs = [np.asarray(f(x)) for _ in range(3)]
    inside = len(calls)
    outs.append(np.asarray(f(x)))
    return inside, outs


def test_disable_jit_runs_the_body_every_call_as_jax():
    gi, go = _calls_under(ad, gnp, ad.disable_jit)
    ji, jo = _calls_under(jax, jnp, jax.disable_jit)
    assert gi == ji == 3
    for a, b in zip(go, jo, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_disable_jit_allows_python_branches_on_values_as_jax():
    def make(lib_np):
        def f(x):
            if lib_np.sum(x) > 0:  # a branch on an array value
                return x * 2
            return x * 3
        return f

    g, j = ad.jit(make(gnp)), jax.jit(make(jnp))
    with pytest.raises(ad.jit.TracerError):
        g(gnp.asarray([1.0]))
    with pytest.raises(jax.errors.ConcretizationTypeError):
        j(jnp.asarray([1.0]))
    with ad.disable_jit(), jax.disable_jit():
        for v in (1.0, -1.0):
            np.testing.assert_allclose(np.asarray(g(gnp.asarray([v]))),
                                       np.asarray(j(jnp.asarray([v]))))
    # jit is back after the block: the branch is refused again
    with pytest.raises(ad.jit.TracerError):
        g(gnp.asarray([1.0]))


def test_disable_jit_false_inside_turns_jit_back_on_as_jax():
    for lib, lib_np, exc in ((ad, gnp, ad.jit.TracerError),
                             (jax, jnp, jax.errors.ConcretizationTypeError)):
        f = lib.jit(lambda x, lib_np=lib_np: x * 2 if lib_np.sum(x) > 0 else x)
        with lib.disable_jit():
            f(lib_np.asarray([1.0]))
            with lib.disable_jit(False), pytest.raises(exc):
                f(lib_np.asarray([1.0]))
            f(lib_np.asarray([1.0]))


def test_grad_and_vmap_of_jitted_function_under_disable_jit_match_jax():
    def make(lib_np):
        def f(x):
            return lib_np.sum(lib_np.tanh(x) ** 2)
        return f

    xg, xj = gnp.asarray([0.3, -0.7]), jnp.asarray([0.3, -0.7])
    with ad.disable_jit(), jax.disable_jit():
        g = ad.grad(ad.jit(make(gnp)))(xg)
        j = jax.grad(jax.jit(make(jnp)))(xj)
        gv = ad.vmap(ad.jit(make(gnp)))(gnp.stack([xg, xg * 2]))
        jv = jax.vmap(jax.jit(make(jnp)))(jnp.stack([xj, xj * 2]))
    np.testing.assert_allclose(np.asarray(g), np.asarray(j), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(gv), np.asarray(jv), rtol=1e-6)


def test_named_call_keeps_the_result_and_takes_the_name_as_jax():
    gf = ad.named_call(lambda x: x * 3 + 1, name="affine")
    jf = jax.named_call(lambda x: x * 3 + 1, name="affine")
    assert float(gf(gnp.asarray(2.0))) == float(jf(jnp.asarray(2.0)))
    assert gf.__name__ == "affine"
    np.testing.assert_allclose(float(ad.grad(gf)(2.0)), float(jax.grad(jf)(2.0)))
    np.testing.assert_allclose(float(ad.jit(gf)(gnp.asarray(2.0))),
                               float(jax.jit(jf)(jnp.asarray(2.0))))


def test_ensure_compile_time_eval_gives_known_values_inside_jit_as_jax():
    def make(lib, lib_np):
        def f(x):
            with lib.ensure_compile_time_eval():
                n = int(lib_np.sum(lib_np.arange(4)))  # known while tracing: 6
                y = lib_np.sin(lib_np.asarray(1.0))
                s = 2.0 if float(y) > 0 else -2.0
            return x * n * s
        return f

    g, j = ad.jit(make(ad, gnp)), jax.jit(make(jax, jnp))
    for v in (1.0, 2.0):
        assert float(g(gnp.asarray(v))) == float(j(jnp.asarray(v))) == v * 12

    def branchy(lib, lib_np):
        def f(x):
            with lib.ensure_compile_time_eval():
                return x * 2 if float(lib_np.sum(x)) > 0 else x
        return f

    # a value computed from the arguments stays traced in the block, in both
    with pytest.raises(ad.jit.TracerError):
        ad.jit(branchy(ad, gnp))(gnp.asarray([1.0]))
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(branchy(jax, jnp))(jnp.asarray([1.0]))


def _fixed_point_lib(lib, lib_np):
    """JAX's documented fixed-point solver with a custom_vjp, written once for each library;
    ``solve(a)`` is the square root of ``a`` by Newton's iteration, whose function closes
    over ``a`` and is closure-converted."""

    @functools.partial(lib.custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, x0, *consts):
        x = x0
        for _ in range(60):
            x = f(x, *consts)
        return x

    def fwd(f, x0, *consts):
        x = fixed_point(f, x0, *consts)
        return x, (x, consts)

    def bwd(f, res, g):
        x, consts = res
        _, vjp_x = lib.vjp(lambda z: f(z, *consts), x)
        _, vjp_c = lib.vjp(lambda *c: f(x, *c), *consts)
        u = g
        for _ in range(60):
            u = g + vjp_x(u)[0]
        return (lib_np.zeros_like(x), *vjp_c(u))

    fixed_point.defvjp(fwd, bwd)
    hoisted = []

    def solve(a, b):
        f = lambda x: 0.5 * (x + a / x) + 0.0 * b  # noqa: E731  (b: a second closed value)
        conv, consts = lib.closure_convert(f, a)
        hoisted.append(len(consts))
        return fixed_point(conv, a, *consts)

    return solve, hoisted


def test_closure_convert_with_custom_vjp_matches_jax():
    gsolve, gh = _fixed_point_lib(ad, gnp)
    jsolve, jh = _fixed_point_lib(jax, jnp)
    x64 = jax.config.jax_enable_x64  # (other modules in this process set it at import)
    jax.config.update("jax_enable_x64", True)
    try:
        for a in (2.0, 9.0):
            np.testing.assert_allclose(float(gsolve(a, 1.0)), float(jsolve(a, 1.0)))
            gg = ad.grad(gsolve, argnums=(0, 1))(a, 1.0)
            jg = jax.grad(jsolve, argnums=(0, 1))(a, 1.0)
            np.testing.assert_allclose([float(v) for v in gg], [float(v) for v in jg],
                                       rtol=1e-10)
            np.testing.assert_allclose(float(gg[0]), 0.5 / np.sqrt(a), rtol=1e-10)
    finally:
        jax.config.update("jax_enable_x64", x64)
    # outside differentiation nothing is hoisted; under grad, a and b (both closed over)
    assert gh == jh and gh[0] == 0 and gh[1] == 2


def test_closure_convert_outputs_and_argument_checks_match_jax():
    w_g, w_j = gnp.asarray([1.0, 2.0]), jnp.asarray([1.0, 2.0])

    def run(lib, lib_np, w):
        def loss(w):
            f = lambda x, y: lib_np.sum(w * x) + y  # noqa: E731
            conv, consts = lib.closure_convert(f, lib_np.ones(2), 0.0)
            out = conv(lib_np.asarray([3.0, 4.0]), 1.0, *consts)
            with pytest.raises(TypeError):
                conv((lib_np.asarray([3.0, 4.0]),), 1.0, *consts)  # another structure
            return out
        return loss(w), lib.grad(loss)(w)

    gv, gg = run(ad, gnp, w_g)
    jv, jg = run(jax, jnp, w_j)
    np.testing.assert_allclose(float(gv), float(jv))
    np.testing.assert_allclose(np.asarray(gg), np.asarray(jg))


def test_disable_jit_effects_count_as_in_jax_api_test():
    """JAX's api_test test_disable_jit: two calls in the block run the body twice, two calls
    after it run it once more (one trace, then the cached program)."""
    counts = []
    for lib in (ad, jax):
        effects = []

        @lib.jit
        def f(x, effects=effects):
            effects.append(1)
            return x

        with lib.disable_jit():
            f(2)
            f(2)
        inside = len(effects)
        f(2)
        f(2)
        counts.append((inside, len(effects)))
    assert counts[0] == counts[1] == (2, 3)
