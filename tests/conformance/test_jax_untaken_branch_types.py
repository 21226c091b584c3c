"""Eager ``cond``/``switch`` and zero-trip loops raise where JAX raises (JAX traces every
branch and body), and return what JAX returns where it does not: pairs of branches that
differ in shape, dtype, pytree or weak type, and loop bodies that change their carry."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = jax.numpy
jlax = jax.lax

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import lax  # noqa: E402


@pytest.fixture(autouse=True)
def _jax_default_types():
    """JAX's default 32-bit types, whose weak-type rule gpuad's branches follow (another
    test may have turned x64 on)."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", False)
    yield
    jax.config.update("jax_enable_x64", before)


BRANCHES = {  # name -> (branch a, branch b), written once for both libraries (np-like ``m``)
    "same": (lambda m: lambda x: x * 2, lambda m: lambda x: x - 1),
    "shape": (lambda m: lambda x: x, lambda m: lambda x: x[:2]),
    "dtype": (lambda m: lambda x: x, lambda m: lambda x: x.astype(np.int32)),
    "float16": (lambda m: lambda x: x, lambda m: lambda x: x.astype(np.float16)),
    "tuple": (lambda m: lambda x: x, lambda m: lambda x: (x, x)),
    "dict": (lambda m: lambda x: {"a": x}, lambda m: lambda x: {"b": x}),
    "python float vs f32 0-d": (lambda m: lambda x: 1.0, lambda m: lambda x: x[0]),
    "python float vs vector": (lambda m: lambda x: 1.0, lambda m: lambda x: x),
    "python int vs int32 0-d": (lambda m: lambda x: 1, lambda m: lambda x: x[0].astype(np.int32)),
    "python float vs python int": (lambda m: lambda x: 1.0, lambda m: lambda x: 2),
    "python float vs int32 0-d": (lambda m: lambda x: 1.0,
                                  lambda m: lambda x: x[0].astype(np.int32)),
    "python int vs f32 0-d": (lambda m: lambda x: 1, lambda m: lambda x: x[0]),
    "bool vs f32 0-d": (lambda m: lambda x: x[0] > 0, lambda m: lambda x: x[0]),
    "sum keepdims": (lambda m: lambda x: m.sum(x, keepdims=True), lambda m: lambda x: x[:1]),
}


def _run(lib_lax, m, x, name, how):
    a, b = (f(m) for f in BRANCHES[name])
    try:
        if how == "cond-true":
            out = lib_lax.cond(True, a, b, x)
        elif how == "cond-false":
            out = lib_lax.cond(False, a, b, x)
        else:
            out = lib_lax.switch(int(how[-1]), [a, b, a], x)
    except TypeError:
        return "TypeError"
    return [(tuple(np.shape(v)), np.asarray(v).dtype.name) for v in jax.tree_util.tree_leaves(
        out)]


@pytest.mark.parametrize("how", ["cond-true", "cond-false", "switch0", "switch1", "switch2"])
def test_eager_branches_raise_exactly_where_jax_raises(backend, how):
    x32 = np.arange(3.0, dtype=np.float32)
    bad = []
    for name in BRANCHES:
        want = _run(jlax, jnp, jnp.asarray(x32), name, how)
        got = _run(lax, gnp, ad.tensor(gnp.asarray(x32)), name, how)
        if (want == "TypeError") != (got == "TypeError"):
            bad.append(f"{name}: jax {want}, gpuad {got}")
    assert not bad, "\n".join(bad)


LOOPS = {
    "fori shape": lambda L, x: L.fori_loop(0, 0, lambda i, c: c[:2], x),
    "fori dtype": lambda L, x: L.fori_loop(0, 0, lambda i, c: c.astype(np.int32), x),
    "fori ok": lambda L, x: L.fori_loop(0, 0, lambda i, c: c * 2, x),
    "while shape": lambda L, x: L.while_loop(lambda c: False, lambda c: c[:2], x),
    "while tuple": lambda L, x: L.while_loop(lambda c: False, lambda c: (c,), x),
    "while ok": lambda L, x: L.while_loop(lambda c: False, lambda c: c + 1, x),
    "scan shape": lambda L, x: L.scan(lambda c, y: (c[:2], y), x, None, length=0),
    "scan ok": lambda L, x: L.scan(lambda c, y: (c + 1, y), x, None, length=0)[0],
}


def test_zero_trip_loops_raise_exactly_where_jax_raises(backend):
    x32 = np.arange(3.0, dtype=np.float32)
    bad = []
    for name, f in LOOPS.items():
        out = {}
        for lib, x in ((jlax, jnp.asarray(x32)), (lax, ad.tensor(gnp.asarray(x32)))):
            try:
                out[lib.__name__] = np.asarray(ad.device_get(f(lib, x)) if lib is lax
                                               else f(lib, x)).dtype.name
            except TypeError:
                out[lib.__name__] = "TypeError"
        if len(set(out.values())) != 1:
            bad.append(f"{name}: {out}")
    assert not bad, "\n".join(bad)
