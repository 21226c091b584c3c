"""Python state a compiled function reads without receiving it, changed between calls: each
change must trace again (the result is then eager's), never replay the value traced with.
The cases follow the guards of PyTorch's compiler (test/dynamo/test_guard_manager.py,
test_recompiles.py, test_functions.py): default arguments, attributes of modules, classes and
nested objects, items of lists and dicts, attributes of layers."""

from __future__ import annotations

import types

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn
from gpuad.jit import TracerError

X = np.array([-1.5, 0.5, 2.0])


def _value(v):
    return v.numpy() if isinstance(v, ad.Tensor) else np.asarray(v)


def _compare(fn, mutate, x=X, grad=True, misses=2):
    """jit(fn) and jit(grad of sum(fn)) traced, replayed, then called after ``mutate()``:
    equal to eager on every call, and the change traced again."""
    j = ad.jit(fn)
    loss = lambda x: gnp.sum(fn(x) ** 2)  # noqa: E731
    g = ad.jit(ad.grad(loss))
    for _ in range(2):
        np.testing.assert_allclose(_value(j(x)), _value(fn(x)), rtol=1e-15)
        if grad:
            np.testing.assert_allclose(g(x), ad.grad(loss)(x), rtol=1e-15)
    mutate()
    np.testing.assert_allclose(_value(j(x)), _value(fn(x)), rtol=1e-15)
    if grad:
        np.testing.assert_allclose(g(x), ad.grad(loss)(x), rtol=1e-15)
        assert g.cache_info()["misses"] == misses
    assert j.cache_info()["misses"] == misses


def test_default_argument_rebound():
    def f(x, s=2.0):
        return x * s
    _compare(f, lambda: setattr(f, "__defaults__", (3.0,)))


def test_mutable_default_argument_mutated():
    def f(x, s=[2.0]):  # noqa: B006 - the mutated default is the point
        return x * s[0]
    _compare(f, lambda: f.__defaults__[0].__setitem__(0, 5.0))


def test_keyword_only_default_changed():
    def f(x, *, s=2.0):
        return x * s
    _compare(f, lambda: f.__kwdefaults__.__setitem__("s", -1.0))


cfg = types.ModuleType("user_config")
cfg.SCALE = 2.0


def test_attribute_of_a_user_module_rebound():
    def f(x):
        return x * cfg.SCALE
    try:
        _compare(f, lambda: setattr(cfg, "SCALE", 4.0))
    finally:
        cfg.SCALE = 2.0


def test_class_attribute_rebound_read_through_the_class_and_an_instance():
    class C:
        scale = 2.0
    c = C()
    _compare(lambda x: x * C.scale, lambda: setattr(C, "scale", 4.0))
    _compare(lambda x: x * c.scale, lambda: setattr(C, "scale", 5.0), grad=False)


def test_attribute_three_objects_deep():
    class N:
        pass
    n = N()
    n.a = N()
    n.a.b = N()
    n.a.b.s = 2.0
    _compare(lambda x: x * n.a.b.s, lambda: setattr(n.a.b, "s", 5.0))


def test_function_attribute_rebound():
    def f(x):
        return x * f.scale
    f.scale = 2.0
    _compare(f, lambda: setattr(f, "scale", 3.0))


def test_items_of_a_list_and_a_dict_read_without_receiving_them():
    scales, conf = [2.0], {"s": 2.0}
    _compare(lambda x: x * scales[0], lambda: scales.__setitem__(0, 3.0))
    _compare(lambda x: x * conf["s"], lambda: conf.__setitem__("s", 3.0), grad=False)
    _compare(lambda x: x * len(scales), lambda: scales.append(1.0), grad=False)

    class Holder:
        pass
    h = Holder()
    h.d = {"s": 2.0}
    _compare(lambda x: x * h.d["s"], lambda: h.d.__setitem__("s", 3.0), grad=False)


def test_a_list_the_function_fills_is_not_compared():
    log = []

    def f(x):
        log.append(x.shape)
        return x * 2.0

    j = ad.jit(f)
    for _ in range(3):
        np.testing.assert_array_equal(j(X), X * 2.0)
    assert j.cache_info()["misses"] == 1 and len(log) == 1  # traced once, as JAX's jit


def test_attribute_of_a_layer_changed():
    act = nn.LeakyReLU(0.1)
    _compare(lambda x: act(x), lambda: setattr(act, "negative_slope", 0.5))

    class Model(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(3, 2)
            self.act = nn.LeakyReLU(0.1)

        def forward(self, x):
            return self.act(self.lin(x) - 0.5)

    m = Model()
    with ad.no_grad():
        _compare(m, lambda: setattr(m.act, "negative_slope", 0.7), grad=False)
        _compare(m, lambda: setattr(m.lin, "bias", None), grad=False)
        _compare(m, lambda: setattr(m, "act", nn.Tanh()), grad=False)


@pytest.mark.parametrize("case", ["sequential_slope", "dropout_eval"])
def test_training_step_after_a_layer_changed(case):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    drop = 0.5 if case == "dropout_eval" else 0.0
    m = nn.Sequential(nn.Linear(3, 3), nn.LeakyReLU(0.1), nn.Dropout(drop))

    def step(x):
        m.zero_grad()
        loss = gnp.sum(m(x) ** 2)
        loss.backward()
        return loss.detach(), m[0].weight.grad

    j = ad.jit(step)
    if case == "dropout_eval":
        m.eval()
        j(x)
        m[2].train()  # the dropout layer only: its flag changed, so the step draws a mask
        with pytest.raises(TracerError, match="global random generator"):
            j(x)  # traced again, and refused: never the evaluation program replayed
        m[2].eval()
    else:
        j(x)
        m[1].negative_slope = 0.6
    got, want = j(x), step(x)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(_value(a), _value(b), rtol=1e-14)


def test_configuration_namespaces_and_class_attributes_of_an_argument():
    import argparse

    conf = types.SimpleNamespace(scale=2.0)
    args = argparse.Namespace(lr=0.5)
    _compare(lambda x: x * conf.scale, lambda: setattr(conf, "scale", 3.0))
    _compare(lambda x: x * args.lr, lambda: setattr(args, "lr", -1.0), grad=False)

    class Scaler:
        bias = 0.5

        def __init__(self):
            self.scale = 2.0

        @ad.jit
        def __call__(self, x):
            return x * self.scale + self.bias

    s = Scaler()
    np.testing.assert_array_equal(s(X), X * 2.0 + 0.5)
    Scaler.bias = 4.0  # read through self, an argument: a new signature
    np.testing.assert_array_equal(s(X), X * 2.0 + 4.0)


def test_dicts_returned_keep_their_key_order():
    f = lambda x: {"z": x, "a": [x + 1, {"q": 1, "b": x * 2}]}  # noqa: E731
    j = ad.jit(f)
    for _ in range(2):
        out = j(X)
        assert list(out) == ["z", "a"] and list(out["a"][1]) == ["q", "b"]
        z, a = out.values()  # unpacked as eagerly: not swapped
        np.testing.assert_array_equal(z, X)
    t = ad.tensor(X, requires_grad=True)  # differentiated from outside
    for _ in range(2):
        assert list(j(t)) == ["z", "a"]
    assert list(j.lower(X).out_info) == ["z", "a"]


def test_hook_registered_or_removed_between_calls():
    lin = nn.Linear(3, 2)
    for p in lin.parameters():
        p.requires_grad_(False)
    j = ad.jit(lambda x: lin(x))
    x = np.ones((2, 3))
    j(x)
    h = lin.register_forward_hook(lambda m, args, out: out * 10)
    np.testing.assert_allclose(_value(j(x)), _value(lin(x)), rtol=1e-15)
    h.remove()
    np.testing.assert_allclose(_value(j(x)), _value(lin(x)), rtol=1e-15)
    with lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,)):
        np.testing.assert_allclose(_value(j(x)), _value(lin(x)), rtol=1e-15)
    assert j.cache_info()["misses"] == 3  # without hooks, with each of the two


def test_set_argument_and_global_set_changed():
    s, g = {"a", "exit"}, {"exit"}

    def f(x, s):
        return gnp.sin(x) if "exit" in s and "exit" in g else gnp.cos(x)

    j = ad.jit(f)
    np.testing.assert_allclose(j(X, s), np.sin(X), rtol=1e-15)
    s.discard("exit")  # a set is a leaf (not a pytree): compared by its items
    np.testing.assert_allclose(j(X, s), np.cos(X), rtol=1e-15)
    s.add("exit")
    g.clear()
    np.testing.assert_allclose(j(X, s), np.cos(X), rtol=1e-15)


def test_attribute_of_an_int_subclass_argument():
    class Int(int):
        def __init__(self, v):
            self.x = v

    j = ad.jit(lambda x, i: x * i.x + i)
    i = Int(2)
    np.testing.assert_array_equal(j(X, i), X * 2 + 2)
    i.x = 5
    np.testing.assert_array_equal(j(X, i), X * 5 + 2)


def test_static_argument_object_whose_attribute_changed():
    class Cfg:
        def __init__(self):
            self.scale = 2.0

    c = Cfg()
    j = ad.jit(lambda x, c: x * c.scale, static_argnums=1)
    np.testing.assert_array_equal(j(X, c), X * 2.0)
    c.scale = 3.0  # same object, hashed by identity: its attributes are compared too
    np.testing.assert_array_equal(j(X, c), X * 3.0)
    k = ad.jit(lambda x, t: x * t[1][0], static_argnums=1)
    k(X, (1, (2.0,)))
    np.testing.assert_array_equal(k(X, (1, (2.0,))), X * 2.0)  # an equal tuple: no new trace
    assert k.cache_info()["misses"] == 1
