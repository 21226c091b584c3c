"""PyTorch functorch's vmap API tests, ported to ``gpuad.vmap``.

Follows pytorch/pytorch test/functorch/test_vmap.py: TestVmapAPI (in_dims and out_dims as ints,
tuples and pytrees, nesting, outputs, errors, composition with vjp) and TestRandomness (the
"error" and "same" modes), not the per-operator sweeps. torch's ``in_dims``/``out_dims`` are
gpuad's ``in_axes``/``out_axes`` (JAX's names). Each test runs the torch test's program and
asserts its expectation, written with NumPy; where gpuad's documented behaviour differs (a
Python number returned by the function is an output, lists are accepted as in_axes, the
function may not write into its arguments), the test asserts gpuad's behaviour and says so.
"""

from __future__ import annotations

import functools
from collections import OrderedDict

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.tensor import BatchedValueError


def _h(tree):
    leaves, tdef = ad.tree_flatten(tree)
    out = []
    for a in leaves:
        assert not isinstance(a, ad.Tensor), f"vmap returned a Tensor: {a!r}"
        out.append(a if isinstance(a, str) else np.asarray(a.get() if hasattr(a, "get") else a))
    return ad.tree_unflatten(tdef, out)


def _close(actual, expected, tol=1e-12):
    a_leaves, a_def = ad.tree_flatten(actual)
    e_leaves, e_def = ad.tree_flatten(expected)
    assert a_def == e_def, f"structure {a_def} != {e_def}"
    for x, y in zip(_h(a_leaves), _h(e_leaves), strict=True):
        if isinstance(y, str) or y is None:
            assert x == y
            continue
        assert np.shape(x) == np.shape(y), (np.shape(x), np.shape(y))
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def _r(rng, *shape):
    return rng.standard_normal(shape)


# ---- outputs ----------------------------------------------------------------------------------

def test_number_outputs(backend):
    # test_non_tensor_output_raises, test_constant_function: torch refuses a Python number as
    # an output; gpuad (as JAX) takes it as a constant array, broadcast along the batch axis
    _close(ad.vmap(lambda x: 3.14)(np.ones(3)), np.full(3, 3.14))
    x = np.arange(3.0)
    _close(ad.vmap(lambda x: (x, 3))(x), (x, np.full(3, 3)))
    _close(ad.vmap(lambda x: ad.tensor(3.14))(np.ones(3)), np.full(3, 3.14))
    with pytest.raises(TypeError, match="str"):
        ad.vmap(lambda x: "abc")(np.ones(3))


def test_single_and_multiple_inputs_and_outputs(backend, rng):
    # test_single_input, test_multiple_inputs, test_multiple_outputs, test_multiple_outputs2
    x, y = _r(rng, 2, 3), _r(rng, 2, 3)
    _close(ad.vmap(lambda x: x * x)(x), x * x)
    _close(ad.vmap(gnp.multiply)(x, y), x * y)
    x = _r(rng, 3)
    _close(ad.vmap(lambda x: (x * x, x * x * x))(x), (x * x, x ** 3))
    _close(ad.vmap(lambda x: (x, x))(x), (x, x))
    _close(ad.vmap(lambda x: [x, x])(x), [x, x])
    _close(ad.vmap(lambda x: [x])(x), [x])


def test_different_map_dim_size_raises(backend, rng):
    x, y = _r(rng, 2), _r(rng, 3)
    with pytest.raises(ValueError, match="batch sizes differ"):
        ad.vmap(gnp.multiply)(x, y)
    with pytest.raises(ValueError, match="batch sizes differ"):
        ad.vmap(lambda z: z[0] + z[1], in_axes=((0, 0),))((x, y))
    with pytest.raises(ValueError, match="batch sizes differ"):
        ad.vmap(lambda z: z["x"] + z["y"], in_axes=({"x": 0, "y": 0},))({"x": x, "y": y})


def test_func_with_no_batched_inputs(backend):
    # test_func_with_no_inputs, test_func_with_no_tensors
    with pytest.raises(ValueError, match="axis_size"):
        ad.vmap(lambda: gnp.ones(3))()
    with pytest.raises(ValueError, match="axis_size"):
        ad.vmap(lambda x: gnp.ones(3), (None,))(1)
    # with axis_size (JAX's) the examples are counted without a batched argument
    _close(ad.vmap(lambda x: x * gnp.ones(2), (None,), axis_size=3)(2.0), np.full((3, 2), 2.0))


# ---- nesting ----------------------------------------------------------------------------------

def test_nested(backend, rng):
    # test_nested_with_same_map_dim, test_nested_with_diag_embed, test_nested_with_different_
    # map_dim, test_noop_in_inner_vmap
    x, y = _r(rng, 2, 3, 4), _r(rng, 2, 3, 4)
    _close(ad.vmap(ad.vmap(gnp.multiply))(x, y), x * y)
    _close(ad.vmap(ad.vmap(ad.vmap(gnp.multiply)))(x, y), x * y)
    d = _r(rng, 3, 2, 4)
    _close(ad.vmap(ad.vmap(gnp.diag))(d), np.stack([np.stack([np.diag(v) for v in m]) for m in d]))

    x, y, z = _r(rng, 2, 3), _r(rng, 5, 3), _r(rng, 4, 3)
    out = ad.vmap(lambda x: ad.vmap(lambda y: x * y)(y))(x)
    _close(out, x[:, None] * y)
    out = ad.vmap(lambda x: ad.vmap(lambda y: ad.vmap(lambda z: x * y * z)(z))(y))(x)
    _close(out, x[:, None, None] * y[:, None] * z)
    x, y = _r(rng, 3), _r(rng, 5)
    _close(ad.vmap(lambda x: ad.vmap(lambda y: x)(y))(x), np.broadcast_to(x[:, None], (3, 5)))


def test_batch_rule_without_batched_input(backend, rng):
    # test_batch_rule_does_not_need_to_handle_no_batched_input
    def f(x, y):
        return x + gnp.dot(y, gnp.ones(2))

    x, y = _r(rng, 7, 5), _r(rng, 3, 2)
    out = ad.vmap(ad.vmap(f, in_axes=(0, None)), in_axes=(None, 0))(x, y)
    _close(out, (y @ np.ones(2))[:, None, None] + x)


# ---- out_axes ---------------------------------------------------------------------------------

def test_nonzero_out_dims(backend, rng):
    t = _r(rng, 2, 3)
    _close(ad.vmap(lambda x: x, out_axes=1)(t), t.T)
    t = _r(rng, 2, 3, 2, 2)
    _close(ad.vmap(lambda x: x, out_axes=2)(t), t.transpose(1, 2, 0, 3))
    _close(ad.vmap(lambda x: x, out_axes=-1)(t), t.transpose(1, 2, 3, 0))
    other = _r(rng, 2, 3, 2, 2)
    _close(ad.vmap(lambda x, y: (x, y), out_axes=2)(t, other),
           (t.transpose(1, 2, 0, 3), other.transpose(1, 2, 0, 3)))
    # as many dimensions as NumPy allows
    big = _r(rng, *([2] + [1] * 31))
    assert _h(ad.vmap(lambda x: x, out_axes=2)(big)).shape == tuple([1, 1, 2] + [1] * 29)
    x, y = _r(rng, 2, 3, 4), _r(rng, 2, 3, 4)
    _close(ad.vmap(lambda x, y: (x, x * y, x * y * y), out_axes=1)(x, y),
           (x.transpose(1, 0, 2), (x * y).transpose(1, 0, 2), (x * y * y).transpose(1, 0, 2)))


def test_multiple_and_nested_out_dims(backend, rng):
    # test_multiple_out_dims, test_nested_out_dims, test_out_dims_edge_case
    x, y = _r(rng, 2, 3, 4), _r(rng, 2, 3, 4)
    _close(ad.vmap(lambda x: (x, x), out_axes=(0, 1))(x), (x, x.transpose(1, 0, 2)))
    _close(ad.vmap(lambda x, y: (x, x, x, x * y), out_axes=(-1, 0, 1, 2))(x, y),
           (x.transpose(1, 2, 0), x, x.transpose(1, 0, 2), (x * y).transpose(1, 2, 0)))
    y4 = _r(rng, 2, 3, 4, 5)
    _close(ad.vmap(lambda y: ad.vmap(lambda x: x, out_axes=1)(y))(y4), y4.transpose(0, 2, 1, 3))
    _close(ad.vmap(lambda y: ad.vmap(lambda x: x, out_axes=1)(y), out_axes=1)(y4),
           y4.transpose(2, 0, 1, 3))
    _close(ad.vmap(lambda y: ad.vmap(lambda x: x, out_axes=-1)(y), out_axes=-1)(y4),
           y4.transpose(2, 3, 1, 0))
    a, b = _r(rng, 2, 3), _r(rng, 5, 3)
    out = ad.vmap(lambda b: ad.vmap(lambda a: a * b, out_axes=1)(a), out_axes=-1)(b)
    _close(out, (b[:, None] * a).transpose(2, 1, 0))
    # a one-entry out_axes tuple for a function with one output (as torch)
    t = _r(rng, 2, 3)
    _close(ad.vmap(lambda x: x, out_axes=(1,))(t), ad.vmap(lambda x: x, out_axes=1)(t))


def test_out_dims_none(backend, rng):
    # test_out_dims_none_tuple, test_out_dims_none, test_out_dims_normal_tensor. (torch's
    # versions write into the argument: gpuad's vmap arguments are read-only, so the programs
    # compute out of place)
    t = _r(rng, 2, 3)
    res = ad.vmap(lambda x: (x, "hello world"), out_axes=(0, None))(t)
    _close(res, (t, "hello world"))
    res = ad.vmap(lambda x: (None, "hello world"), out_axes=(None, None))(t)
    assert res == (None, "hello world")
    with pytest.raises(ValueError, match="out_axes=None"):
        ad.vmap(lambda x: x, out_axes=None)(t)
    assert ad.vmap(lambda x: "hello world", out_axes=None)(t) == "hello world"
    _close(ad.vmap(lambda x: gnp.arange(3.0))(t), np.broadcast_to(np.arange(3.0), (2, 3)))
    _close(ad.vmap(lambda x: gnp.arange(3.0), out_axes=None)(t), np.arange(3.0))
    with pytest.raises(Exception, match="argument"):
        ad.vmap(lambda x: x.__setitem__(0, 1.0))(t)


def test_pytree_returns(backend, rng):
    # test_pytree_returns, test_pytree_odict_returns, test_pytree_returns_outdims,
    # test_pytree_returns_broadcast_simple, test_pytree_returns_broadcast_nested
    x = _r(rng, 2, 3)
    s = np.sin(x)
    _close(ad.vmap(lambda x: (gnp.sin(x), (gnp.sin(x),) * 2, [gnp.sin(x), (gnp.sin(x),) * 2]))(x),
           (s, (s, s), [s, (s, s)]))
    out = ad.vmap(lambda t: OrderedDict([("sin", gnp.sin(t)), ("cos", gnp.cos(t))]))(x)
    assert isinstance(out, OrderedDict) and list(out) == ["sin", "cos"]
    _close(dict(out), {"sin": s, "cos": np.cos(x)})

    def f(x):
        y = gnp.sin(x)
        return y, (y, y)

    _close(ad.vmap(f, out_axes=(0, (0, 1)))(x), (s, (s, s.T)))
    _close(ad.vmap(f, out_axes=1)(x), (s.T, (s.T, s.T)))
    _close(ad.vmap(f, out_axes=(0, 1))(x), (s, (s.T, s.T)))


def test_out_dims_errors(backend, rng):
    # test_out_dims_must_be_int_or_collection_of_int_err_msg,
    # test_out_dims_and_num_outputs_mismatch_err_msg, test_out_dim_out_of_bounds_err_msg
    t = _r(rng, 2, 3)
    for bad in ("lol", ("lol",)):
        with pytest.raises(ValueError, match="out_axes"):
            ad.vmap(lambda x: x, out_axes=bad)(t)
    x = _r(rng, 2, 3, 4)
    for f, spec in ((lambda x: x, (0, 0)), (lambda x: (x, x, x), (0, 0, 0, 0)),
                    (lambda x: (x, x), (0,)), (lambda x: (x, x, x), (0, 0))):
        with pytest.raises(ValueError, match="does not match the structure"):
            ad.vmap(f, out_axes=spec)(x)
    for bad in (3, -4):
        with pytest.raises(ValueError, match=f"out_axes={bad}"):
            ad.vmap(lambda x: x, out_axes=bad)(x)


# ---- in_axes ----------------------------------------------------------------------------------

def test_in_dims(backend, rng):
    # test_non_zero_in_dims, test_none_in_dims, test_nested_non_default_in_dims,
    # test_nested_negative_in_dims, test_non_default_in_dims_out_dims
    t = _r(rng, 2, 3, 4)
    _close(ad.vmap(lambda x: x, (1,))(t), t.transpose(1, 0, 2))
    x, y = _r(rng, 2, 3), _r(rng, 3, 2)
    _close(ad.vmap(gnp.multiply, (0, 1))(x, y), x * y.T)
    _close(ad.vmap(gnp.multiply, (1, 0))(x, y), x.T * y)
    y = _r(rng, 2, 3)
    _close(ad.vmap(gnp.multiply, (0, None))(x, y), x[:, None] * y)
    _close(ad.vmap(gnp.multiply, (0, None))(x, 2), x * 2)
    x, y = rng.random((5, 2, 3)), rng.random((3, 5, 2))
    _close(ad.vmap(ad.vmap(ad.vmap(gnp.multiply), (1, 0)), (1, 2))(x, y),
           x.transpose(1, 2, 0) * y.transpose(2, 0, 1))
    x, y = _r(rng, 2, 3), _r(rng, 2, 3)
    _close(ad.vmap(gnp.multiply, (-1, -1))(x, y), (x * y).T)
    x = _r(rng, 2, 3, 4)
    _close(ad.vmap(lambda x: x, in_axes=1, out_axes=1)(x), x)
    _close(ad.vmap(lambda x: x, in_axes=2, out_axes=1)(x), x.transpose(0, 2, 1))
    _close(ad.vmap(lambda x: x * 2, in_axes=1, out_axes=1)(x), x * 2)
    _close(ad.vmap(lambda x: x * 2, in_axes=2, out_axes=1)(x), (x * 2).transpose(0, 2, 1))
    _close(ad.vmap(ad.vmap(lambda x: x * 2, 1, 1), 1, 1)(x), x * 2)


def test_accepts_nested_inputs(backend, rng):
    x, y = _r(rng, 2, 3), _r(rng, 2, 3)
    f = lambda z: z[0] + z[1]  # noqa: E731
    for spec in (0, (0,), ((0, 0),)):
        _close(ad.vmap(f, in_axes=spec)((x, y)), x + y)
    for spec in (0, (0,), ([0, 0],)):
        _close(ad.vmap(f, in_axes=spec)([x, y]), x + y)
    g = lambda z: z["x"] + z["y"]  # noqa: E731
    for spec in (0, (0,), ({"x": 0, "y": 0},)):
        _close(ad.vmap(g, in_axes=spec)({"x": x, "y": y}), x + y)
    h = ad.vmap(lambda z: z["x"][0] + z["x"][1][0] + z["y"][0] + z["y"][1])
    _close(h({"x": [x, (x,)], "y": [y, y]}), x + x + y + y)


def test_in_dims_errors(backend, rng):
    # test_in_dims_wrong_type_err_msg, test_not_enough_in_dims_err_msg,
    # test_integer_in_dim_but_not_tensor_input_err_msg, test_in_dim_not_in_tensor_err_msg
    x, y = _r(rng, 3), _r(rng, 3)
    for bad in ({0}, "lol"):
        with pytest.raises(ValueError, match="in_axes must be an int, None or a tuple"):
            ad.vmap(gnp.multiply, bad)(x, y)
    # a list of per-argument axes is accepted (torch asks for a tuple)
    _close(ad.vmap(gnp.multiply, [0, 0])(x, y), x * y)
    with pytest.raises(ValueError, match="in_axes has 2 entries"):
        ad.vmap(lambda z: z[0] + z[1], in_axes=[0, 0])([x, y])
    for spec in ((0,), (0, 0, 0)):
        with pytest.raises(ValueError, match="in_axes has"):
            ad.vmap(gnp.multiply, spec)(x, y)
    for spec in (([0],), ((0, 0, 0),)):
        with pytest.raises(ValueError, match="does not match the structure"):
            ad.vmap(lambda z: z[0] + z[1], in_axes=spec)([x, y])

    x = _r(rng, 2, 3)
    with pytest.raises(ValueError, match="in_axes=0 for argument 1 of shape"):
        ad.vmap(gnp.sum)(x, 0)
    with pytest.raises(ValueError, match="in_axes=0 for argument 0 of shape"):
        ad.vmap(lambda z: z[0] + z[1], in_axes=([0, 0],))([x, 1])
    _close(ad.vmap(gnp.sum, (0, None))(x, 0), x.sum(1))
    for args, spec in (((np.array(1.0),), 0), ((x,), (-3,)), ((x,), (2,))):
        with pytest.raises(ValueError, match="in_axes=-?[0-9] for argument 0 of shape"):
            ad.vmap(lambda x: x * x, in_axes=spec)(*args)
    with pytest.raises(ValueError, match="in_axes=3"):
        ad.vmap(lambda z: z[0] + z[1], in_axes=([3, 0],))([x, x])
    _close(ad.vmap(lambda x: x * x, in_axes=(1,))(x), (x * x).T)


def test_item_and_control_flow_raise(backend, rng):
    # test_item_throws, test_data_dependent_control_flow_throws
    with pytest.raises(BatchedValueError):
        ad.vmap(lambda x: float(x))(_r(rng, 3))

    def f(x):
        if x:
            return x
        return 0

    with pytest.raises(BatchedValueError):
        ad.vmap(f)(_r(rng, 3))


def test_backward_inside_vmap_raises(backend, rng):
    # test_backward_unsupported_interaction
    x = ad.tensor(_r(rng, 3), requires_grad=True)

    def backward_on_batched(y):
        gnp.sum(y * x).backward()
        return y

    with pytest.raises(Exception, match="vmap"):
        ad.vmap(backward_on_batched)(_r(rng, 2, 3))


def test_batched_gradient_basic(backend, rng):
    # test_batched_gradient_basic: vmap over the cotangents of one recorded product
    x, y = _r(rng, 3), _r(rng, 3)
    _, vjp_fn = ad.vjp(lambda x: x * y, x)
    _close(ad.vmap(lambda v: vjp_fn(v)[0])(np.eye(3)), np.diagflat(y))


def test_functools_partial_and_module(backend, rng):
    # test_functools_partial, test_nn_module
    x, y = _r(rng, 3), _r(rng, 2, 3)
    _close(ad.vmap(functools.partial(gnp.multiply, x))(y), x * y)
    import gpuad.nn as nn

    model = nn.Linear(3, 3, bias=False)
    t = _r(rng, 2, 3)
    w = _h(model.weight.data)
    out = ad.vmap(model)(t)
    # the module's weight is a parameter: the batched output stays on its tape, as in torch
    assert isinstance(out, ad.Tensor) and out.requires_grad
    _close(out.data, t @ w.T)
    gnp.sum(out).backward()
    _close(model.weight.grad.data if isinstance(model.weight.grad, ad.Tensor)
           else model.weight.grad, np.broadcast_to(t.sum(0), (3, 3)))


def test_chunk_size(backend, rng):
    # torch.vmap's chunk_size: the same values, computed chunk_size examples at a time
    x, y = _r(rng, 5, 3), _r(rng, 3, 5)
    f = lambda x, y: (gnp.sin(x) * y, gnp.sum(x))  # noqa: E731
    expected = ad.vmap(f, in_axes=(0, 1), out_axes=(1, 0))(x, y)
    for chunk_size in (1, 2, 4, 5, 100):
        _close(ad.vmap(f, in_axes=(0, 1), out_axes=(1, 0), chunk_size=chunk_size)(x, y),
               expected)
    _close(expected, ((np.sin(x) * y.T).T, x.sum(1)))
    # differentiable: the chunks' results are concatenated on the tape
    g = ad.grad(lambda x: gnp.sum(ad.vmap(gnp.sin, chunk_size=2)(x) ** 2))(x)
    _close(g, 2 * np.sin(x) * np.cos(x))
    # no batched argument: axis_size examples, not chunked
    _close(ad.vmap(lambda a: a * 2.0, (None,), axis_size=5, chunk_size=2)(1.0), np.full(5, 2.0))
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="chunk_size"):
            ad.vmap(gnp.sin, chunk_size=bad)
    with pytest.raises(ValueError, match="randomness='same'"):
        ad.vmap(gnp.sin, chunk_size=2, randomness="same")


# ---- TestRandomness ---------------------------------------------------------------------------

_OPS = [
    ("randn", lambda _, shape: gnp.random.randn(*shape)),
    ("rand", lambda _, shape: gnp.random.rand(*shape)),
    ("randint", lambda _, shape: gnp.random.randint(100, size=shape)),
    ("randint_lo", lambda _, shape: gnp.random.randint(5, 100, size=shape)),
    ("normal", lambda _, shape: gnp.random.normal(0.0, 1.0, shape)),
]


@pytest.mark.parametrize("name,op", _OPS, ids=[n for n, _ in _OPS])
def test_factory_ops_randomness(backend, rng, name, op):
    # test_factory_ops ("error" and "same"; torch's "different" mode is not in gpuad: per-
    # example draws are made outside vmap and passed in as a batched argument)
    passed = _r(rng, 4)
    with pytest.raises(ValueError, match="randomness='error'"):
        ad.vmap(op, in_axes=(0, None))(passed, (3, 3))
    gnp.random.seed(1234567)
    res = _h(ad.vmap(op, in_axes=(0, None), randomness="same")(passed, (3, 3)))
    gnp.random.seed(1234567)
    expected = _h(op(None, (3, 3)))
    assert res.shape == (4, 3, 3)
    for i in range(4):
        np.testing.assert_array_equal(res[i], expected)


def test_randperm_and_dropout_randomness(backend, rng):
    # test_randperm, test_dropout ("error" and "same", batched input first, last or none)
    import gpuad.nn.functional as F

    passed = _r(rng, 4)
    with pytest.raises(ValueError, match="randomness='error'"):
        ad.vmap(lambda _: gnp.random.permutation(10))(passed)
    gnp.random.seed(7)
    res = _h(ad.vmap(lambda _: gnp.random.permutation(10), randomness="same")(passed))
    gnp.random.seed(7)
    expected = _h(gnp.random.permutation(10))
    for i in range(4):
        np.testing.assert_array_equal(res[i], expected)

    def op(t, ignored):
        return F.dropout(gnp.ones_like(t), training=True)

    always = _r(rng, 4)
    xp = ad.get_backend().xp
    for image, axis in ((xp.ones((4, 3, 5)), 0), (xp.ones((3, 5, 4)), -1),
                        (xp.ones((3, 5)), None)):
        with pytest.raises(ValueError, match="randomness='error'"):
            ad.vmap(op, in_axes=(axis, 0))(image, always)
        res = _h(ad.vmap(op, in_axes=(axis, 0), randomness="same")(image, always))
        assert res.shape == (4, 3, 5)
        assert 0.25 < res.mean() / 2 < 0.75
        for i in range(1, 4):
            np.testing.assert_array_equal(res[i], res[0])


def test_zero_size_batch_and_multiple_returns(backend, rng):
    # test_fallback_zero_dim (torch's fallback refuses a batch of size 0; gpuad's batching runs
    # it: an empty result of the right shape), test_fallback_multiple_returns (var and mean)
    _close(ad.vmap(gnp.copysign, (0, None))(np.zeros((0, 11)), np.ones(11)), np.zeros((0, 11)))
    _close(ad.vmap(gnp.copysign)(np.zeros((0, 11)), np.zeros((0, 11))), np.zeros((0, 11)))
    _close(ad.vmap(ad.grad(lambda a: gnp.sum(a ** 2)))(np.zeros((0, 3))), np.zeros((0, 3)))
    t = _r(rng, 2, 3, 10)
    _close(ad.vmap(ad.vmap(lambda x: (gnp.var(x), gnp.mean(x))))(t), (t.var(2), t.mean(2)))
