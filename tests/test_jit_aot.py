"""``gpuad.jit``'s ahead-of-time stages (``trace``, ``lower``, ``compile``), its cache control
(``_cache_size``, ``gpuad.clear_caches``) and JAX's other jit keywords (docs/jit.md, "Ahead
of time"). Results are compared with eager gpuad; the comparisons with JAX itself are in
tests/conformance/test_jit_aot_jax.py."""

from __future__ import annotations

import dataclasses
import functools
import gc
import weakref

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.optim  # noqa: F401  (ad.optim)
from gpuad.jit import Compiled, Lowered, Traced


def _arr(a, dtype=None):
    return ad.get_backend().xp.asarray(np.asarray(a, dtype=dtype))


def _same(got, want):
    lg, lw = ad.tree_flatten(got)[0], ad.tree_flatten(want)[0]
    assert len(lg) == len(lw)
    for g, w in zip(lg, lw, strict=True):
        np.testing.assert_array_equal(to_numpy(g), to_numpy(w))


def f(x, n, y=1.0):
    return gnp.sin(x["a"]) * n + y * x["b"], gnp.sum(x["b"])


def test_lower_compile_replays_the_lowered_signature(backend):
    rng = np.random.default_rng(0)
    x = {"a": _arr(rng.standard_normal(3)), "b": _arr(rng.standard_normal(3))}
    j = ad.jit(f, static_argnums=1, check=False, fuse=False)  # (the text names each op)
    low = j.lower(x, 3, y=0.5)
    assert isinstance(low, Lowered) and j.lower(x, 3, y=0.5) is low
    assert low.as_text() == str(low) and "sin(" in low.as_text()
    assert low.peak_bytes == low.program.peak_bytes and len(low) == len(low.program)
    c = low.compile()
    assert isinstance(c, Compiled) and c.as_text() == low.as_text()
    assert c.out_info == ad.eval_shape(f, x, 3, y=0.5) == j.eval_shape(x, 3, y=0.5)
    assert c.in_tree == ad.tree_structure(((x,), {"y": 0.5}))
    assert c.out_tree == ad.tree_structure(f(x, 3, 0.5))
    misses = j.cache_info()["misses"]
    for k in range(2):  # static 3 baked in; the Python float y is traced (any value)
        x2 = {"a": _arr(rng.standard_normal(3)), "b": _arr(rng.standard_normal(3))}
        _same(c(x2, y=0.25 * k), f(x2, 3, 0.25 * k))
    assert j.cache_info()["misses"] == misses and j._cache_size() == 1
    m = c.memory_analysis()
    assert m.argument_size_in_bytes == 2 * x["a"].nbytes + 8  # y: a traced 0-d float64
    assert m.output_size_in_bytes == x["a"].nbytes + x["a"].itemsize
    assert m.temp_size_in_bytes == low.peak_bytes["after"]
    with pytest.raises(NotImplementedError, match="flop"):
        c.cost_analysis()


def test_compiled_refuses_another_signature_naming_the_argument(backend):
    x = {"a": _arr(np.ones(3)), "b": _arr(np.ones(3))}
    j = ad.jit(f, static_argnums=1, check=False)
    c = j.lower(x, 3).compile()
    cases = [
        ((x, 3), {}, "Static arguments are part of the compiled program"),
        ((x,), {"y": 2.0}, "keyword argument(s) ['y']"),
        (
            ({"a": _arr(np.ones(4)), "b": x["b"]},),
            {},
            "'x['a']' compiled with float64[3] and called with float64[4]",
        ),
        (({"a": x["a"], "b": _arr(np.ones(3), np.float32)},), {}, "called with float32[3]"),
        (({"a": x["a"], "c": x["b"]},), {}, "x was lowered as a dict with keys ['a', 'b']"),
        (({"a": ad.tensor(x["a"]), "b": x["b"]},), {}, "called with Tensor float64[3]"),
    ]
    for args, kwargs, text in cases:
        with pytest.raises(TypeError) as e:
            c(*args, **kwargs)
        assert text in str(e.value), (text, str(e.value))
    g = ad.jit(lambda x, k: x * k).lower(x["a"], 2).compile()
    with pytest.raises(TypeError, match="'k' compiled with int 2 and called with int 3.*0-d"):
        g(x["a"], 3)
    with pytest.raises(TypeError, match="'x' compiled with float64.*Tensor .* requiring grad"):
        ad.grad(lambda x: gnp.sum(g(x, 2)))(x["a"])
    with pytest.raises(ad.jit.TracerError, match="lower it with arguments that do not"):
        ad.jit(lambda x: x * 2).lower(ad.tensor(x["a"], requires_grad=True))
    with pytest.raises(TypeError, match="cannot be vmapped"):
        ad.vmap(lambda r: g(r, 2))(_arr(np.ones((2, 3))))
    assert j.cache_info()["misses"] == 1  # nothing traced again


@ad.register_dataclass
@dataclasses.dataclass
class _Affine:
    w: object
    b: object

    def __post_init__(self):  # (refuses placeholders: names come from the call itself)
        assert hasattr(self.w, "shape")


def test_compiled_names_the_leaves_of_registered_containers(backend):
    p, x = _Affine(_arr(np.eye(2)), _arr([1.0, 2.0])), _arr([3.0, 4.0])
    c = ad.jit(lambda p, x: x @ p.w + p.b).lower(p, x).compile()
    _same(c(_Affine(p.w * 2, p.b), x), x * 2 + p.b)
    with pytest.raises(TypeError, match=r"'p\[0\]' compiled with float64\[2,2\]"):
        c(_Affine(_arr(np.eye(3)), p.b), x)
    with pytest.raises(
        TypeError, match="p was lowered as a _Affine of 2 children and is given a tuple"
    ):
        c((p.w, p.b), x)


SCALE = 2.0


def _scaled(x):
    return x * SCALE


def test_compiled_outlives_the_cache_and_refuses_changed_globals(backend):
    global SCALE
    j = ad.jit(_scaled, check=False)
    x = _arr([1.0, 2.0])
    c = j.lower(x).compile()
    other = ad.jit(lambda x: x + 1)
    other(x)
    ad.clear_caches()
    assert j._cache_size() == other._cache_size() == 0
    _same(c(x + 1), (x + 1) * 2.0)  # the compiled object keeps its program
    SCALE = 3.0
    try:
        with pytest.raises(TypeError, match="globals or closure variables"):
            c(x)
        _same(j(x), x * 3.0)  # the jitted function traces the new value
    finally:
        SCALE = 2.0
    # the same array passed twice is another signature
    h = ad.jit(lambda a, b: a * b).lower(x, x + 1).compile()
    with pytest.raises(TypeError, match="one array"):
        h(x, x)


def test_compiled_training_step_matches_eager(backend):
    rng = np.random.default_rng(1)
    w0, xs = rng.standard_normal((3, 2)), [_arr(rng.standard_normal((4, 3))) for _ in range(3)]

    def model():
        w = ad.tensor(_arr(w0.copy()), requires_grad=True)
        opt = ad.optim.SGD([w], lr=0.1, momentum=0.9)

        def step(x):
            opt.zero_grad()
            loss = gnp.sum(gnp.tanh(x @ w) ** 2)
            loss.backward()
            opt.step()
            return loss

        return w, step

    we, eager = model()
    wc, step = model()
    c = ad.jit(step).lower(xs[0]).compile()  # lowering runs the step once, as a traced call
    eager(xs[0])
    for x in xs[1:]:
        _same(c(x), eager(x))
    _same(wc, we)
    _same(wc.grad, we.grad)


def test_compiled_keeps_its_traced_float_when_the_function_stops_tracing_floats(backend):
    def g(x, s):  # needs the value of s for three elements: floats then join the signature
        return x * s if x.shape[0] < 3 or s > 0 else -x

    j = ad.jit(g)
    c = j.lower(_arr([1.0, 2.0]), 2.0).compile()
    x3 = _arr([1.0, 2.0, 3.0])
    _same(j(x3, -1.0), -x3)
    _same(c(_arr([3.0, 4.0]), -0.5), _arr([-1.5, -2.0]))  # still one program for every s
    with pytest.raises(TypeError, match="'s' compiled with float 2.0 and called with float"):
        j.lower(_arr([1.0, 2.0]), 2.0).compile()(_arr([1.0, 2.0]), 3.0)


def test_trace_gives_the_unoptimised_program_and_lowers(backend):
    x = _arr([0.5, 1.5])
    j = ad.jit(lambda x, k: gnp.exp(x) * k + gnp.exp(x), static_argnames="k", fuse=False)
    t = j.trace(x, k=2)
    assert isinstance(t, Traced) and t.fun_name == "<lambda>"
    assert str(t.jaxpr).count("exp(") == 2  # before CSE
    assert t.out_info == ad.ShapeDtypeStruct((2,), np.float64)
    low = t.lower()
    assert str(low).count("exp(") == 1 and low is j.lower(x, k=2)
    _same(low.compile()(x), np.exp(to_numpy(x)) * 3)


def test_shape_dtype_struct_stands_for_an_array(backend):
    spec = ad.ShapeDtypeStruct((2, 3), np.float32)
    j = ad.jit(lambda a: gnp.sum(a * a, axis=0))
    assert j.eval_shape(spec) == ad.ShapeDtypeStruct((3,), np.float32)
    c = j.lower(spec).compile()
    a = _arr(np.arange(6.0).reshape(2, 3), np.float32)
    _same(c(a), gnp.sum(a * a, axis=0))
    with pytest.raises(TypeError, match=r"float32\[2,3\] and called with float64\[2,3\]"):
        c(_arr(np.ones((2, 3))))


def test_clear_caches_holds_no_jitted_function_alive(backend):
    x = _arr([1.0])
    j = ad.jit(lambda x: x * 2)
    j(x)
    j.lower(x).compile()(x)
    assert j._cache_size() == 1
    ref = weakref.ref(j)
    del j
    gc.collect()
    assert ref() is None
    ad.clear_caches()  # (nothing left to clear there)


def test_jax_jit_keywords(backend):
    x = _arr([1.0, 2.0])
    name = "cpu" if backend == "numpy" else "gpu"
    for kw in (
        {"keep_unused": True, "inline": True},
        {"device": None, "backend": None},
        {"backend": name},
        {"device": name},
        {"in_shardings": None, "out_shardings": None, "compiler_options": {}},
    ):
        _same(ad.jit(lambda a, b: a * 2, **kw)(x, x), x * 2)
    for kw in ({"in_shardings": (object(),)}, {"out_shardings": object()},
               {"compiler_options": {"xla_cpu_enable_fast_math": True}}):
        with pytest.raises(NotImplementedError, match=next(iter(kw)) if "shard" in next(
                iter(kw)) else "XLA"):
            ad.jit(lambda a: a, **kw)
    other = "gpu" if backend == "numpy" else "cpu"
    with pytest.raises(ValueError, match="jitted for the .* backend .*use_backend"):
        ad.jit(lambda a: a, backend=other)(x)
    with pytest.raises(ValueError, match="unknown backend 'tpu'"):
        ad.jit(lambda a: a, backend="tpu")
    with pytest.raises(ValueError, match="at most one of device= and backend="):
        ad.jit(lambda a: a, backend=name, device=name)
    with pytest.raises(NotImplementedError, match="abstracted_axes"):
        ad.jit(lambda a: a, abstracted_axes=({0: "n"},))
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        ad.jit(lambda a: a, foo=1)
    d = ad.jit(lambda a, b: a + b, donate_argnames="a")
    a = x + 0
    c = d.lower(x + 0, x).compile()
    _same(c(a, x), x * 2)
    with pytest.raises(RuntimeError, match="donated"):
        c(a, x)


class _Model:
    def __init__(self):
        self.scale = 2.0

    def apply(self, x, n):
        return x * self.scale * n

    @functools.partial(ad.jit, static_argnames=("n",))
    def jitted(self, x, n=2):
        return x * self.scale * n


def test_bound_methods_and_partial_decorators(backend):
    m, x = _Model(), _arr([1.0, 2.0])
    j = ad.jit(m.apply, static_argnames="n")
    _same(j(x, n=3), m.apply(x, 3))
    _same(j(x, 3), m.apply(x, 3))
    _same(j.lower(x, n=4).compile()(x), m.apply(x, 4))
    _same(m.jitted(x, n=3), m.apply(x, 3))
    _same(m.jitted(x), m.apply(x, 2))
    _same(_Model.jitted.lower(m, x, n=5).compile()(m, x), m.apply(x, 5))

    @functools.partial(ad.jit, static_argnames=("k",))
    def g(x, k):
        return x**k

    _same(g(x, k=3), x**3)
    _same(g.lower(x, k=2).compile()(x), x**2)
