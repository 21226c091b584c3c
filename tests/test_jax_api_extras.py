"""disable_jit, named_call, ensure_compile_time_eval, closure_convert and gpuad.tree_util /
gpuad.tree (JAX's names) on each backend; derivatives against central differences. The same
functions are compared with JAX itself in tests/conformance/test_jax_staging.py and
test_jax_tree_util.py."""

from __future__ import annotations

import collections
import functools
import threading

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import tree_util as tu


def _central(f, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


# ---- disable_jit ----------------------------------------------------------------------------

def test_disable_jit_runs_eagerly_and_leaves_the_cache_clean(backend):
    calls = []

    @ad.jit
    def f(x):
        calls.append(1)
        if gnp.sum(x) > 0:  # a branch on a value: only without jit
            return x * 2
        return x * 3

    with ad.disable_jit():
        a = f(gnp.asarray([1.0]))
        b = f(gnp.asarray([-1.0]))
    assert (float(a[0]), float(b[0])) == (2.0, -3.0)
    assert len(calls) == 2 and len(f._cache) == 0  # nothing traced, nothing cached
    with pytest.raises(ad.jit.TracerError):  # jit is back
        f(gnp.asarray([1.0]))

    @ad.jit
    def g(x):
        calls.append(1)
        return gnp.sin(x) + 1

    with ad.disable_jit():
        g(gnp.asarray([0.5]))
    n = len(calls)
    g(gnp.asarray([0.5]))
    traced = len(calls) - n
    assert traced >= 1 and len(g._cache) == 1
    out = g(gnp.asarray([0.25]))  # replayed: the body does not run
    assert len(calls) - n == traced
    assert abs(float(out[0]) - (np.sin(0.25) + 1)) < 1e-12


def test_disable_jit_nests_and_restores_after_exceptions(backend):
    f = ad.jit(lambda x: x * 2 if gnp.sum(x) > 0 else x)
    x = gnp.asarray([1.0])
    with ad.disable_jit():
        with ad.disable_jit():
            f(x)
        f(x)  # still disabled after the inner block
        with ad.disable_jit(False), pytest.raises(ad.jit.TracerError):
            f(x)
        f(x)
    with pytest.raises(KeyError), ad.disable_jit():
        raise KeyError("inside the block")
    with pytest.raises(ad.jit.TracerError):  # the exception did not leave jit disabled
        f(x)


def test_disable_jit_donates_nothing(backend):
    f = ad.jit(lambda x: x * 2, donate_argnums=0)
    x = gnp.asarray([1.0, 2.0])
    with ad.disable_jit():
        f(x)
    f(x)  # x was not donated in the block; it is now
    with pytest.raises(RuntimeError, match="donated"):
        f(x)


def test_disable_jit_is_per_thread(backend):
    f = ad.jit(lambda x: x * 2 if gnp.sum(x) > 0 else x)
    x = gnp.asarray([1.0])
    seen = []
    go, done = threading.Event(), threading.Event()

    def other():
        go.wait()
        try:
            f(x)
            seen.append("eager")
        except ad.jit.TracerError:
            seen.append("jit")
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with ad.disable_jit():
        go.set()
        done.wait(30)
    t.join()
    assert seen == ["jit"]


def test_grad_through_jitted_function_under_disable_jit(backend):
    f = ad.jit(lambda x: gnp.sum(gnp.tanh(x) ** 3))
    with ad.disable_jit():
        g = float(ad.grad(f)(0.4))
    assert abs(g - _central(lambda v: np.tanh(v) ** 3, 0.4)) < 1e-7


# ---- named_call, ensure_compile_time_eval -------------------------------------------------

def test_named_call_and_ensure_compile_time_eval(backend):
    f = ad.named_call(lambda x: gnp.sin(x) * x, name="sinx")
    assert f.__name__ == "sinx"
    assert abs(float(ad.grad(f)(0.7)) - _central(lambda v: np.sin(v) * v, 0.7)) < 1e-7

    @ad.jit
    def g(x):
        with ad.ensure_compile_time_eval():
            n = int(gnp.sum(gnp.arange(4)))
        return x * n

    assert float(g(gnp.asarray(2.0))) == 12.0 and float(g(gnp.asarray(3.0))) == 18.0


# ---- closure_convert ------------------------------------------------------------------------

@functools.partial(ad.custom_vjp, nondiff_argnums=(0,))
def _fixed_point(f, x0, *consts):
    x = x0
    for _ in range(60):
        x = f(x, *consts)
    return x


def _fp_fwd(f, x0, *consts):
    x = _fixed_point(f, x0, *consts)
    return x, (x, consts)


def _fp_bwd(f, res, g):
    x, consts = res
    _, vjp_x = ad.vjp(lambda z: f(z, *consts), x)
    _, vjp_c = ad.vjp(lambda *c: f(x, *c), *consts)
    u = g
    for _ in range(60):
        u = g + vjp_x(u)[0]
    return (gnp.zeros_like(x), *vjp_c(u))


_fixed_point.defvjp(_fp_fwd, _fp_bwd)


def test_closure_convert_feeds_a_custom_vjp(backend):
    def cube_root(a):
        scale = {"s": a * 1.0}  # a pytree in the closure, one level down
        f = lambda x: x - (x ** 3 - scale["s"]) / (3 * x ** 2)  # noqa: E731
        conv, consts = ad.closure_convert(f, a)
        return _fixed_point(conv, gnp.asarray(1.0), *consts)

    assert abs(float(cube_root(8.0)) - 2.0) < 1e-12
    for a in (2.0, 8.0):
        g = float(ad.grad(cube_root)(a))
        assert abs(g - _central(lambda v: v ** (1 / 3), a)) < 1e-7
    conv, consts = ad.closure_convert(lambda x: x * 2, 1.0)
    assert consts == [] and float(conv(3.0)) == 6.0


def test_closure_convert_finds_values_held_in_object_attributes(backend):
    class Holder:  # an object's attribute: hoisted as a closure cell is (as jax traces it)
        pass

    def solve(a):
        h = Holder()
        h.a = a
        conv, consts = ad.closure_convert(lambda x: 0.5 * (x + h.a / x), a)
        assert len(consts) == 1 and consts[0] is a
        return _fixed_point(conv, a, *consts)

    assert abs(float(ad.grad(solve)(2.0)) - 0.5 / np.sqrt(2.0)) < 1e-10


def test_closure_convert_leaves_the_original_function_alone(backend):
    w = ad.tensor([1.0, 2.0], requires_grad=True)
    f = lambda x: gnp.sum(w * x)  # noqa: E731
    conv, consts = ad.closure_convert(f, gnp.ones(2))
    assert len(consts) == 1 and consts[0] is w
    x = gnp.asarray([3.0, 4.0])
    assert float(conv(x, gnp.asarray([10.0, 10.0]))) == 70.0
    assert float(f(x)) == 11.0  # the closure still holds w
    g = ad.grad(lambda v: conv(x, v))(gnp.asarray([1.0, 1.0]))
    assert np.allclose(np.asarray(ad.device_get(g)), [3.0, 4.0])


# ---- tree_util / tree -------------------------------------------------------------------------

Point = collections.namedtuple("Point", "x y")


def test_tree_util_paths_structures_and_short_names(backend):
    tree = {"b": [1, Point(2, None)], "a": (3,)}
    leaves, td = tu.tree_flatten(tree)
    assert leaves == [3, 1, 2]
    assert str(td) == "PyTreeDef({'a': (*,), 'b': [*, CustomNode(namedtuple[Point], [*, None])]})"
    assert (td.num_leaves, td.num_nodes) == (3, 8)  # None is a node
    assert td.unflatten([4, 5, 6]) == {"b": [5, Point(6, None)], "a": (4,)}
    assert [tu.keystr(p) for p, _ in tu.tree_flatten_with_path(tree)[0]] == [
        "['a'][0]", "['b'][0]", "['b'][1].x"]
    assert ad.tree.map(lambda v: v + 1, tree) == tu.tree_map(lambda v: v + 1, tree)
    assert ad.tree.leaves(tree) == leaves and ad.tree.structure(tree) == td
    with pytest.raises(ValueError, match="too many leaves"):
        tu.tree_unflatten(td, [1, 2, 3, 4])
    with pytest.raises(ValueError, match="too few leaves"):
        tu.tree_unflatten(td, [1, 2])
    od = collections.OrderedDict([("z", 1), ("a", 2)])
    assert tu.tree_leaves(od) == [1, 2] and tu.tree_unflatten(*reversed(
        tu.tree_flatten(od))) == od


def test_registered_named_tuple_and_keys(backend):
    Pair = collections.namedtuple("Pair", "value tag")
    tu.register_pytree_node(Pair, lambda p: ((p.value,), p.tag),
                            lambda tag, kids: Pair(kids[0], tag))
    assert tu.tree_leaves(Pair(1.0, "t")) == [1.0]  # tag is static, as registered

    class Box:
        def __init__(self, a, b):
            self.a, self.b = a, b

    tu.register_pytree_with_keys(
        Box, lambda b: (((tu.GetAttrKey("a"), b.a), (tu.GetAttrKey("b"), b.b)), None),
        lambda _, kids: Box(*kids))
    paths = [tu.keystr(p) for p, _ in tu.tree_leaves_with_path([Box(1, {"k": 2})])]
    assert paths == ["[0].a", "[0].b['k']"]


def test_partial_and_paths_under_jit_and_grad(backend):
    calls = []

    @ad.jit
    def apply(f, x):
        calls.append(1)
        return f(x)

    x = gnp.asarray([1.0, 2.0])
    apply(tu.Partial(gnp.multiply, gnp.asarray(2.0)), x)
    n = len(calls)
    out = apply(tu.Partial(gnp.multiply, gnp.asarray(5.0)), x)
    assert len(calls) == n and np.allclose(np.asarray(ad.device_get(out)), [5.0, 10.0])
    p = tu.Partial(gnp.multiply, gnp.asarray([1.0, 2.0, 3.0]))  # its bound value batched
    out = ad.vmap(lambda p, x: p(x))(p, gnp.asarray([1.0, 1.0, 2.0]))
    assert np.allclose(np.asarray(ad.device_get(out)), [1.0, 2.0, 6.0])

    def loss(p):
        scaled = tu.tree_map_with_path(
            lambda kp, v: v * (2.0 if kp[0] == tu.DictKey("w") else 1.0), p)
        return gnp.sum(gnp.sin(scaled["w"])) + scaled["b"] ** 2

    g = ad.grad(loss)({"w": gnp.asarray([0.3]), "b": gnp.asarray(0.5)})
    assert abs(float(g["w"][0]) - 2 * np.cos(0.6)) < 1e-12 and abs(float(g["b"]) - 1.0) < 1e-12
