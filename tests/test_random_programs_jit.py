"""The random-program oracle of test_random_programs.py, compiled: each program's
``value_and_grad`` (and its tuple of outputs with their vjp) is traced by ``gpuad.jit`` on one
set of parameters and replayed on others, and every replay must equal eager gpuad on the same
values. A program the tracer refuses (a mask index whose result's shape depends on the values,
NumPy on raw arrays taken from traced values) must refuse with ``TracerError``; nothing else may
happen. This finds what a fixed test does not: buffers reused too early by the memory plan,
fusion of views and in-place steps, values frozen at the traced call.

Hessian-vector products, jvp, forward over reverse and per-example gradients
(``vmap(grad(...))``) are compiled and replayed the same way.

``GPUAD_ORACLE_JIT_PROGRAMS=400`` runs more programs than the default 60.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from test_random_programs import G, Gen, _to_backend, _tree_close

import gpuad as ad
from gpuad.jit import JitFallbackWarning, TracerError

N_PROGRAMS = int(os.environ.get("GPUAD_ORACLE_JIT_PROGRAMS", "60"))
CHUNK = 15


def _nearby(params, rng, scale=1e-3):
    """Parameters moved a little: the generator keeps each program away from its kinks and
    ties, so a small move keeps every branch and every index."""
    return {k: v + scale * rng.standard_normal(v.shape) * np.maximum(np.abs(v), 1.0)
            for k, v in params.items()}


def check_compiled(seed: int) -> str:
    with ad.use_backend("numpy"):
        prog, params = Gen(seed).build()
    L = G(np.float64)
    rng = np.random.default_rng(seed + 7)

    def f(q):
        return prog.loss(L, q)

    def g(q):
        return prog.vector(L, q)

    vg = ad.jit(ad.value_and_grad(f))
    vec = ad.jit(g)
    draws = [params] + [_nearby(params, rng) for _ in range(2)]
    for k, d in enumerate(draws):
        p = _to_backend(d, np.float64)
        try:
            got, got_vec = vg(p), vec(p)
        except TracerError:
            if k:  # traced once already: a replay may not refuse
                raise
            return "refused"
        want, want_vec = ad.value_and_grad(f)(p), g(p)
        _tree_close(got, want, f"compiled value_and_grad, draw {k}", prog, rtol=1e-9,
                    atol=1e-11)
        _tree_close(got_vec, want_vec, f"compiled outputs, draw {k}", prog, rtol=1e-9,
                    atol=1e-11)
    # traced once, never run eagerly with a JitFallbackWarning (seeds 0..999 all compile or
    # refuse a shape that depends on values)
    assert vg.cache_info()["misses"] == 1, prog.text
    return "compiled"


def check_compiled_derivatives(seed: int) -> list[str]:
    """Compiled Hessian-vector products (reverse over reverse) and, where the program has
    forward mode, jvp and forward over reverse, replayed on moved parameters."""
    import gpuad.numpy as gnp

    with ad.use_backend("numpy"):
        prog, params = Gen(seed).build()
    L = G(np.float64)
    rng = np.random.default_rng(seed + 11)
    t = _to_backend({k: rng.standard_normal(v.shape) for k, v in params.items()}, np.float64)

    def f(q):
        return prog.loss(L, q)

    def hvp(q):
        return ad.grad(lambda r: sum(gnp.sum(gk * t[k]) for k, gk in ad.grad(f)(r).items()))(q)

    fns = {"hvp": hvp}
    if prog.fwd_ok:
        fns["jvp"] = lambda q: ad.jvp(lambda r: prog.vector(L, r), (q,), (t,))
        fns["fwd over rev"] = lambda q: ad.jvp(ad.grad(f), (q,), (t,))[1]
    seen = []
    for name, fn in fns.items():
        jf = ad.jit(fn)
        for k, d in enumerate([params, _nearby(params, rng), _nearby(params, rng)]):
            p = _to_backend(d, np.float64)
            try:
                got = jf(p)
            except TracerError:
                if k:
                    raise
                seen.append("refused")
                break
            _tree_close(got, fn(p), f"compiled {name}, draw {k}", prog, rtol=1e-8, atol=1e-10)
        else:
            seen.append("compiled")
    return seen


@pytest.mark.parametrize("chunk", range(max(1, (N_PROGRAMS + CHUNK - 1) // CHUNK)))
def test_compiled_random_programs(backend, chunk):
    seen = {}
    for seed in range(chunk * CHUNK, min(N_PROGRAMS, (chunk + 1) * CHUNK)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", JitFallbackWarning)
                what = check_compiled(seed)
        except ad.GradError as e:  # a write into a saved value: eager refuses it too
            assert "modified in place" in str(e)
            what = "version error"
        seen[what] = seen.get(what, 0) + 1
    assert seen.get("compiled", 0) >= CHUNK // 2, seen  # most programs compile


def test_compiled_second_derivatives_of_random_programs(backend):
    seen: dict[str, int] = {}
    for seed in range(N_PROGRAMS // 2):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", JitFallbackWarning)
                for what in check_compiled_derivatives(seed):
                    seen[what] = seen.get(what, 0) + 1
        except ad.GradError as e:
            assert "modified in place" in str(e)
    assert seen.get("compiled", 0) >= N_PROGRAMS // 2, seen


def check_compiled_per_example(seed: int) -> str:
    """``jit(vmap(grad(loss)))`` over a batch of three moved parameter sets."""
    with ad.use_backend("numpy"):
        prog, params = Gen(seed).build()
    L = G(np.float64)
    rng = np.random.default_rng(seed + 13)

    def batch():
        return _to_backend({k: np.stack([v + 1e-3 * rng.standard_normal(v.shape)
                                         for _ in range(3)]) for k, v in params.items()},
                           np.float64)

    fn = ad.vmap(ad.grad(lambda q: prog.loss(L, q)))
    try:
        fn(batch())
    except TypeError as e:  # vmap refuses a write of batched values into an unbatched array
        assert "in-place write" in str(e)
        return "vmap refuses"
    jf = ad.jit(fn)
    for k in range(3):
        p = batch()
        try:
            got = jf(p)
        except TracerError:
            if k:
                raise
            return "refused"
        _tree_close(got, fn(p), f"compiled vmap(grad), draw {k}", prog, rtol=1e-8, atol=1e-10)
    return "compiled"


def test_compiled_per_example_gradients_of_random_programs(backend):
    seen: dict[str, int] = {}
    for seed in range(N_PROGRAMS // 2):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", JitFallbackWarning)
                what = check_compiled_per_example(seed)
        except ad.GradError as e:
            assert "modified in place" in str(e)
            what = "version error"
        seen[what] = seen.get(what, 0) + 1
    assert seen.get("compiled", 0) >= N_PROGRAMS // 4, seen
