"""``gpuad.jit``'s ahead-of-time stages against ``jax.jit``'s (``jax.stages``): the same
calls succeed with the same values, the same calls raise ``TypeError``, and a mismatching
argument is named in the same words."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy


def _f(np_):
    def f(x, n, y=1.0):
        return np_.sin(x) * n + y, np_.sum(x)

    return f


def _raises(call) -> str:
    with pytest.raises(TypeError) as e:
        call()
    return str(e.value)


def test_compiled_calls_and_refusals_follow_jax():
    x = np.linspace(0.0, 1.0, 3)
    ours = ad.jit(_f(gnp), static_argnums=1).lower(x, 3, y=0.5).compile()
    theirs = jax.jit(_f(jnp), static_argnums=1).lower(jnp.asarray(x), 3, y=0.5).compile()
    x2 = x[::-1].copy()
    for y in (0.5, -2.0):  # the static 3 is not passed again; a float keyword is traced
        got, want = ours(x2, y=y), theirs(jnp.asarray(x2), y=y)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-12)
    refused = [
        ((x2, 3), {"y": 0.5}),  # the static argument passed again
        ((x2,), {}),  # a keyword given when lowered, left out
        ((x2,), {"y": 0.5, "z": 1.0}),  # one more keyword
        ((np.ones(4),), {"y": 0.5}),
        ((x2.astype(np.float32),), {"y": 0.5}),
        (((x2,),), {"y": 0.5}),
    ]
    for args, kwargs in refused:
        a = _raises(lambda args=args, kwargs=kwargs: ours(*args, **kwargs))
        b = _raises(
            lambda args=args, kwargs=kwargs: theirs(*jax.tree.map(jnp.asarray, args), **kwargs)
        )
        if "float64[4]" in b or "float32[3]" in b:  # the same line names the argument
            line = next(s for s in b.splitlines() if s.startswith("Argument 'x'"))
            assert line in a, (line, a)


def test_trace_eval_shape_cache_size_and_clear_caches_follow_jax():
    x = np.arange(6.0).reshape(2, 3)

    def g(np_):
        return lambda a, k: (np_.tanh(a) * k).sum(axis=0)

    ours, theirs = ad.jit(g(gnp), static_argnames="k"), jax.jit(g(jnp), static_argnames="k")
    for spec in (x, ad.ShapeDtypeStruct((2, 3), np.float32)):
        got = ours.eval_shape(spec, k=2)
        want = theirs.eval_shape(jax.ShapeDtypeStruct(spec.shape, spec.dtype), k=2)
        assert (got.shape, got.dtype) == (want.shape, want.dtype)
    got = ours.trace(x, k=2).lower().compile()(x)
    want = theirs.trace(jnp.asarray(x), k=2).lower().compile()(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)
    assert ours.trace(x, k=2).out_info.shape == theirs.trace(x, k=2).out_info.shape
    ours.clear_cache()
    jax.clear_caches()
    assert ours._cache_size() == theirs._cache_size() == 0
    ours(x, k=2), theirs(x, k=2)
    ours(x, k=3), theirs(x, k=3)
    assert ours._cache_size() == theirs._cache_size() == 2
    ad.clear_caches()
    jax.clear_caches()
    assert ours._cache_size() == theirs._cache_size() == 0


def test_jit_keywords_follow_jax():
    x = np.ones(2)
    kw = {"keep_unused": True, "inline": True, "backend": "cpu", "donate_argnames": "b"}
    got = ad.jit(lambda a, b: a * 2, **kw)(x, x.copy())
    for k in ("donate_argnames", "backend"):  # (JAX on the CPU warns about these)
        kw.pop(k)
    np.testing.assert_array_equal(got, jax.jit(lambda a, b: a * 2, **kw)(x, x.copy()))
    for jit in (ad.jit, jax.jit):
        with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
            jit(lambda a: a, foo=1)
