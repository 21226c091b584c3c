"""gpuad.jit on the small programs of PyTorch's compiler tests (test/dynamo/test_functions.py:
Python containers, closures, globals, shape arithmetic, default and keyword arguments), its
recompilation cases, torch.func compositions, and HIPS autograd's examples run compiled.
Each program is compiled and compared with eager gpuad on new values of the same signature;
gradients against float64 central differences and, where installed, PyTorch's."""

from __future__ import annotations

import collections
import functools
import itertools
import math
import operator
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.jit import TracerError
from gpuad.testing import check_grads


def _arr(a):
    return ad.get_backend().xp.asarray(np.asarray(a))


def _same(got, want, rtol=1e-12):
    lg, lw = ad.tree_flatten(got)[0], ad.tree_flatten(want)[0]
    assert len(lg) == len(lw)
    for g, w in zip(lg, lw, strict=True):
        if isinstance(w, bool | int | float | str | type(None)):
            assert g == w
            continue
        g, w = to_numpy(g), to_numpy(w)
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-300)


def _compiled_equals_eager(fn, nargs, shape=(10,), draws=3, seed=0):
    """jit(fn) against fn on ``draws`` fresh argument sets (the first traces, the rest
    replay); returns the jitted function."""
    rng = np.random.default_rng(seed)
    j = ad.jit(fn)
    for _ in range(draws):
        args = [_arr(rng.standard_normal(shape)) for _ in range(nargs)]
        want = fn(*(ad.tensor(a) for a in args))
        _same(j(*args), want)
    assert j.cache_info()["misses"] == 1
    return j


# ---- small programs: ported from pytorch test/dynamo/test_functions.py::FunctionTests ------

_flag = True
_glob = np.ones(10)
clip01 = functools.partial(gnp.clip, a_min=0.0, a_max=1.0)


def constant3(a, b):
    return a - b + (1.0 + 2)


def func_with_default(a, b, some_default_arg=True):
    if some_default_arg:
        return a - b


def _itertools_product(a, b):
    v = a
    for x, i in itertools.product([a, b], [1, 2]):
        v = v + x * i
    return v


def _dict_ops(a, b):
    tmp = {"a": a + 1, "b": b + 2}
    assert tmp.get("zzz") is None
    v = tmp.pop("b") + tmp.get("a") + tmp.get("missing", 3) + tmp.pop("missing", 4)
    tmp.update({"d": 3})
    tmp["c"] = v + tmp["d"]
    if "c" in tmp and "missing" not in tmp:
        return tmp["c"] - tmp["a"] + len(tmp)


def _funcdef_closure(x, y):
    x = x + y + 1.0

    def inner(z):
        nonlocal x, y
        y = x + z + 20.0
        x = y + z + 10.0

    inner(2.0)
    inner(3.0)
    return x, y


def _pop(a, b):
    ll = [a, b]
    ll.append(a + 1)
    ll.extend([b + 2, a + b])
    ll.pop(-1)
    ll.pop(0)
    ll.pop()
    v1, v2 = ll
    return v1 - v2


def _list_compare(x):
    for a, b, c in [[(1, 2, 3), (1, 2, 3), 7.77], [(1, 4, 3), (1, 2, 3), 3.33],
                    [(1, 2), (1, 2, 3), 5.55], [(1, -1, 3), (1, 2, 3), 13.33]]:
        if a != b:
            x = x + 1 * c
        if a == b:
            x = x + 2 * c
        if a < b:
            x = x + 4 * c
        if a >= b:
            x = x + 32 * c
    return x


PROGRAMS = {
    "add": (lambda a, b: a + b, 2),
    "addcdiv": (lambda a, b, c: a + 5.0 * b / (gnp.abs(c) + 1), 3),
    "functools_partial": (lambda a, b: clip01(a + b), 2),
    "itertools_product": (_itertools_product, 2),
    "itertools_chain": (lambda a, b: functools.reduce(
        operator.add, itertools.chain([a, b], [1, 2]), a), 2),
    "constant": (lambda a, b, c: a - b * c + 1.0, 3),
    "constant_folded_branch": (lambda a, b: a - b if 2 > 3 else b - a, 2),
    "finfo": (lambda a, b: np.finfo(a.dtype).tiny * b + np.iinfo(np.int16).max, 2),
    "methodcall": (lambda a, b, c: constant3(a, b) * c + constant3(a=b, b=a), 3),
    "kwargs_default": (lambda a, b, c: func_with_default(a, b) * c, 3),
    "tuple_unpack": (lambda a, b: operator.sub(*(a, b)), 2),
    "cat_listarg": (lambda a, b: gnp.concatenate(*[(a, b)], **{"axis": 0}), 2),
    "slices": (lambda a: (a[5], a[:5], a[5:], a[2:5], a[::2], gnp.expand_dims(a, 0)[:, 2:]), 1),
    "range_shape": (lambda x, y: functools.reduce(lambda r, _: r / (y * y + 1),
                                                  range(x.shape[0] + 2), x + y), 2),
    "unpack": (lambda a: operator.sub(*[a[:5], a[5:]]), 1),
    "return_tuple": (lambda a, b: (a - b, b - a, a, b), 2),
    "globalvar": (lambda a, b: a - b + _glob, 2),
    "load_global_bool": (lambda x: x + x if _flag else x, 1),
    "inner_function": (lambda x: (lambda y: gnp.add(y, y))(x), 1),
    "transpose_for_scores": (lambda x: gnp.transpose(
        gnp.reshape(x, x.shape[:-1] + (2, 5)), (0, 2, 1)), 1),
    "len_tensor": (lambda x: x + len(x) + len([1, 2, 3]) + len({"foo": "bar"}), 1),
    "dict_return": (lambda x, y: {"x": x, "z": [x + y, y, False], "c": x}, 2),
    "dict_ops": (_dict_ops, 2),
    "funcdef_closure": (_funcdef_closure, 2),
    "pop": (_pop, 2),
    "list_compare": (_list_compare, 1),
    "softmax": (lambda x, y: nn.functional.softmax(x + y * 2, axis=-1), 2),
    "build_list_unpack": (lambda a, b: gnp.concatenate(
        [*(x + 1 for x in (a, b)), *(x - 1 for x in (a, b))], axis=-1), 2),
    "is_floating_point": (lambda x: (np.issubdtype(x.dtype, np.floating), x + 1), 1),
    "ndim_shape": (lambda x: x + 1 if x.ndim == 1 and x.shape[0] == 10 else x - 1, 1),
    "chunks": (lambda x: x[:5] - x[5:], 1),
    "math_consts": (lambda x: x * math.pi + math.sqrt(2.0) * math.e, 1),
    "zip_enumerate": (lambda a, b: sum(i * u * v for i, (u, v)
                                       in enumerate(zip(a, b, strict=True))), 2),
    "min_max_builtins": (lambda a, b: gnp.maximum(a, b) * min(a.shape) - max(2, 3), 2),
    "isinstance": (lambda a, b: a * 2 if isinstance(b, ad.Tensor) else a, 2),
    "ordered_dict": (lambda x: collections.OrderedDict(sample=x * 2, ones=gnp.ones(10)), 1),
    "del": (lambda a, b: (lambda c: b + (c + 2))(a + 1), 2),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_small_program_compiles_to_the_eager_result(name, backend):
    fn, nargs = PROGRAMS[name]
    shape = (2, 10) if name == "transpose_for_scores" else (10,)
    _compiled_equals_eager(fn, nargs, shape)


@pytest.mark.parametrize("name", ["addcdiv", "itertools_product", "softmax", "funcdef_closure",
                                  "dict_ops", "range_shape", "transpose_for_scores"])
def test_small_program_gradients_match_finite_differences(name):
    fn, nargs = PROGRAMS[name]
    shape = (2, 10) if name == "transpose_for_scores" else (10,)
    rng = np.random.default_rng(1)

    def loss(*args):
        return sum(gnp.sum(gnp.sin(o)) for o in ad.tree_flatten(fn(*args))[0]
                   if isinstance(o, ad.Tensor) or hasattr(o, "shape"))

    args = tuple(rng.standard_normal(shape) for _ in range(nargs))
    vg = ad.value_and_grad(loss, argnums=tuple(range(nargs)))
    j = ad.jit(vg)
    for k in range(3):
        a = tuple(x + 0.1 * k for x in args)
        _same(j(*a), vg(*a))
    check_grads(ad.jit(loss), args, order=1, modes=("rev",))


def test_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a, b, c = (rng.standard_normal(10) for _ in range(3))

    def g(a, b, c, lib):
        return lib.sum(lib.tanh(a + 5.0 * b / (lib.abs(c) + 1)) ** 2 * lib.sin(a))

    j = ad.jit(ad.grad(lambda a, b, c: g(a, b, c, gnp), argnums=(0, 1, 2)))
    ta, tb, tc = (torch.tensor(v, requires_grad=True) for v in (a, b, c))
    g(ta, tb, tc, torch).backward()
    for got, t in zip(j(a, b, c), (ta, tb, tc), strict=True):
        np.testing.assert_allclose(to_numpy(got), t.grad.numpy(), rtol=1e-12, atol=1e-14)


# ---- globals and Python state: ported from pytorch test/dynamo/test_functions.py
# (update_global, test_load_global_bool, test_list_slice on a method, test_dict_id_guard) ----

_variable = 0


def update_global(x):
    global _variable
    _variable += 1
    return x * _variable


def test_updated_global_is_picked_up():
    global _variable
    _variable = 0
    j = ad.jit(update_global)
    x = np.ones(3)
    for k in (1, 2, 3):
        np.testing.assert_array_equal(j(x), x * k)  # as eagerly: each call sees the new value


def test_global_flag_flip_traces_again():
    global _flag
    fn = PROGRAMS["load_global_bool"][0]
    j = ad.jit(fn)
    x = np.arange(3.0)
    try:
        np.testing.assert_array_equal(j(x), 2 * x)
        _flag = False
        np.testing.assert_array_equal(j(x), x)
        _flag = True
        np.testing.assert_array_equal(j(x), 2 * x)
    finally:
        _flag = True
    assert j.cache_info()["misses"] == 2


def test_method_with_python_side_effects_on_self():
    class Mock:
        def __init__(self):
            self.ets = []
            self.scale = 1.0

        @ad.jit
        def run(self, x):
            self.ets = self.ets[-3:]
            self.ets.append(x)
            return gnp.sin(x) * self.scale

    mock = Mock()
    x = np.linspace(0, 1, 4)
    np.testing.assert_allclose(mock.run(x), np.sin(x), rtol=1e-15)
    assert len(mock.ets) == 1
    mock.scale = 2.0
    np.testing.assert_allclose(mock.run(x), 2 * np.sin(x), rtol=1e-15)
    assert len(mock.ets) == 2  # self.ets was rebound: a new signature, traced again


def test_dict_read_through_two_names():
    d1 = collections.OrderedDict({"a": 2})
    d2 = d1

    def fn(x):
        for k in d1:
            x = x * d1[k] * d2[k]
        return x

    _compiled_equals_eager(fn, 1, (4,))


def test_callable_and_number_arguments():
    class CallableClass:
        def __call__(self):
            return None

    class NotCallableClass:
        pass

    fn = ad.jit(lambda x, arg: x if callable(arg) else x + 1)
    x = np.arange(4.0)
    for arg, want in ((NotCallableClass(), x + 1), (CallableClass(), x), (1, x + 1),
                      (1.1, x + 1), (True, x + 1), (x, x + 1), ([1, 2, 3], x + 1),
                      ((1, 2, 3), x + 1)):
        np.testing.assert_array_equal(fn(x, arg), want)

    g = ad.jit(lambda t, m: 2 * t if m.is_integer() else t)
    np.testing.assert_array_equal(g(np.array([1.0]), 1.0), [2.0])
    np.testing.assert_array_equal(g(np.array([1.0]), 1.5), [1.0])


def test_shape_as_dict_key_of_an_argument():
    def fn(x, cached):
        if x.shape not in cached:
            cached[x.shape] = x
        return x + cached[x.shape]

    rng = np.random.default_rng(3)
    x1, x2 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    j = ad.jit(fn)
    # a dict argument is a pytree: the function gets a rebuilt one, so a write into it would
    # not reach the caller's dict (as it does eagerly): the trace refuses it
    with pytest.raises(TracerError, match="changed the dict it received as argument 1"):
        j(x1, {})
    np.testing.assert_array_equal(to_numpy(j(x2, {(2, 3): x1})), x2 + x1)
    np.testing.assert_array_equal(to_numpy(j(x1, {(2, 3): x2})), x1 + x2)
    assert j.cache_info()["misses"] == 1


# ---- recompilation: ported from pytorch test/dynamo/test_recompiles.py-style cases ---------

def test_new_shape_dtype_or_requires_grad_recompiles(backend):
    j = ad.jit(lambda x: gnp.sin(x) * 2)
    sigs = [np.ones(3), np.ones(3) * 2, np.ones(4), np.ones(3, np.float32), np.ones((3, 3))]
    for a in sigs:
        _same(j(_arr(a)), np.sin(a) * 2, rtol=1e-6)
    assert j.cache_info()["misses"] == 4
    t = ad.tensor(_arr(np.ones(3)), requires_grad=True)
    out = j(t)
    out.backward(gnp.ones_like(out))
    _same(t.grad, np.cos(np.ones(3)) * 2)


def test_item_and_data_dependent_shapes_raise():
    with pytest.raises(TracerError, match=r"\.item\(\)"):
        ad.jit(lambda x: x * x.sum().item())(np.ones(3))
    with pytest.raises(TracerError, match="mask"):
        ad.jit(lambda x: x[x > 0])(np.arange(-2.0, 2.0))
    with pytest.raises(TracerError, match="nonzero"):
        ad.jit(lambda x: gnp.nonzero(x))(np.arange(-2.0, 2.0))
    # the fix the errors suggest compiles
    j = ad.jit(lambda x: gnp.sum(gnp.where(x > 0, x, 0.0)))
    for _ in range(2):
        np.testing.assert_array_equal(j(np.arange(-2.0, 2.0)), 1.0)


# ---- torch.func compositions: ported from pytorch test/functorch/test_eager_transforms.py
# (grad with has_aux, vjp, jacrev/jacfwd, vmap of grad, hessian), each under jit ------------

def test_func_transforms_under_jit(rng):
    f = lambda x: gnp.sum(gnp.sin(x) * gnp.cos(2 * x))  # noqa: E731
    v = lambda x: gnp.tanh(x) * x[::-1]  # noqa: E731
    cases = {
        "grad_has_aux": (ad.grad(lambda x: (f(x), {"aux": gnp.cos(x)}), has_aux=True), 1),
        "vjp": (lambda x, ct: ad.vjp(v, x)[1](ct), 2),
        "jacrev": (ad.jacrev(v), 1),
        "jacfwd": (ad.jacfwd(v), 1),
        "hessian": (ad.hessian(f), 1),
        "vmap_grad": (ad.vmap(ad.grad(f)), 1),
        "value_and_grad_argnums": (ad.value_and_grad(
            lambda x, y: gnp.sum(x * y ** 2), argnums=(0, 1)), 2),
    }
    for name, (fn, nargs) in cases.items():
        j = ad.jit(fn)
        for _ in range(2):
            shape = (3, 4) if name == "vmap_grad" else (4,)
            args = [rng.standard_normal(shape) for _ in range(nargs)]
            _same(j(*args), fn(*args))
        assert j.cache_info()["misses"] == 1, name


def test_per_sample_gradients_of_a_model(rng):
    # torch.func's per-sample-gradient recipe: vmap(grad(loss), in_axes=(None, 0, 0))
    def loss(params, x, y):
        h = gnp.tanh(x @ params["w"] + params["b"])
        return gnp.sum((h - y) ** 2)

    params = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    per_sample = ad.vmap(ad.grad(loss), in_axes=(None, 0, 0))
    j = ad.jit(per_sample)
    for _ in range(2):
        X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
        got = j(params, X, Y)
        for k in range(5):
            want = ad.grad(loss)(params, X[k], Y[k])
            _same({n: g[k] for n, g in got.items()}, want)


# ---- HIPS autograd examples run compiled (examples/tanh.py, logistic_regression.py,
# neural_net.py, rnn.py) -------------------------------------------------------------------

def test_autograd_tanh_higher_derivatives():
    def tanh(x):
        y = gnp.exp(-2.0 * x)
        return (1.0 - y) / (1.0 + y)

    x = np.linspace(-7, 7, 50)
    d = tanh
    derivs = []
    for _ in range(4):
        d = ad.grad(d)  # elementwise: each derivative mapped over x
        derivs.append(ad.vmap(d))
    t = np.tanh(x)
    want = [1 - t ** 2, -2 * t * (1 - t ** 2), (1 - t ** 2) * (6 * t ** 2 - 2),
            (1 - t ** 2) * (16 * t - 24 * t ** 3)]
    for d, w in zip(derivs, want, strict=True):
        j = ad.jit(d)
        np.testing.assert_allclose(j(x), w, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(j(x / 2), ad.jit(d)(x / 2), rtol=1e-14)


def test_autograd_logistic_regression_training():
    def sigmoid(x):
        return 0.5 * (gnp.tanh(x / 2.0) + 1)

    def training_loss(weights, inputs, targets):
        preds = sigmoid(inputs @ weights)
        probs = preds * targets + (1 - preds) * (1 - targets)
        return -gnp.sum(gnp.log(probs))

    inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15],
                       [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])
    targets = np.array([True, True, False, True], dtype=float)
    step = ad.jit(ad.value_and_grad(training_loss))
    we = wj = np.array([0.0, 0.0, 0.0])
    for _ in range(20):
        le, ge = ad.value_and_grad(training_loss)(we, inputs, targets)
        lj, gj = step(wj, inputs, targets)
        np.testing.assert_allclose(lj, le, rtol=1e-12)
        we, wj = we - 0.1 * ge, wj - 0.1 * to_numpy(gj)
    np.testing.assert_allclose(wj, we, rtol=1e-10)
    assert float(lj) < float(training_loss(np.zeros(3), inputs, targets))
    assert step.cache_info()["misses"] == 1


def test_autograd_neural_net_with_logsumexp_and_adam(rng):
    def init(scale, sizes):
        return [(scale * rng.standard_normal((m, n)), scale * rng.standard_normal(n))
                for m, n in zip(sizes[:-1], sizes[1:], strict=False)]

    def predict(params, inputs):
        for w, b in params:
            outputs = inputs @ w + b
            inputs = gnp.tanh(outputs)
        return outputs - ad.scipy.special.logsumexp(outputs, axis=1, keepdims=True)

    def objective(params, inputs, targets):
        return -gnp.sum(predict(params, inputs) * targets) + 0.01 * sum(
            gnp.sum(w ** 2) for w, _ in params)

    X = rng.standard_normal((16, 5))
    T = np.eye(3)[rng.integers(0, 3, 16)]
    params = init(0.5, [5, 8, 3])
    check_grads(ad.jit(objective), (params, X, T), order=1, modes=("rev",))
    ps = [tuple(ad.tensor(a, requires_grad=True) for a in layer) for layer in params]
    flat = [p for layer in ps for p in layer]
    opt = optim.Adam(flat, lr=0.05)

    @ad.jit
    def step(x, t):
        opt.zero_grad()
        loss = objective(ps, x, t)
        loss.backward()
        opt.step()
        return loss

    losses = [float(to_numpy(step(X, T))) for _ in range(15)]
    assert losses[-1] < losses[0]
    assert step.cache_info()["misses"] == 1


def test_autograd_rnn_compiled(rng):
    def rnn_predict(params, inputs):
        h = gnp.zeros((inputs.shape[1], params["h0"].shape[0])) + params["h0"]
        outs = []
        for t in range(inputs.shape[0]):  # a static loop over time steps
            h = gnp.tanh(gnp.concatenate([inputs[t], h], axis=1) @ params["wh"])
            outs.append(h @ params["wo"])
        return gnp.stack(outs)

    def loss(params, inputs, targets):
        return gnp.mean((rnn_predict(params, inputs) - targets) ** 2)

    params = {"h0": rng.standard_normal(4), "wh": 0.5 * rng.standard_normal((6, 4)),
              "wo": rng.standard_normal((4, 2))}
    vg = ad.value_and_grad(loss)
    j = ad.jit(vg)
    for _ in range(3):
        inputs, targets = rng.standard_normal((5, 3, 2)), rng.standard_normal((5, 3, 2))
        _same(j(params, inputs, targets), vg(params, inputs, targets))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ad.jit.JitFallbackWarning)
        check_grads(ad.jit(lambda p: loss(p, inputs, targets)), (params,), order=2,
                    modes=("rev",))
