"""PyTorch functorch's eager-transform tests, ported to gpuad's transforms.

Follows pytorch/pytorch test/functorch/test_eager_transforms.py: TestGradTransform (grad, vjp,
argnums, pytrees, has_aux, nesting, no_grad), TestVmapOfGrad (per-example gradients), TestJac
(jacrev and jacfwd: argnums, has_aux, pytrees, chunk_size), TestHessian, TestJvp, TestLinearize
and TestComposability. torch.func names map to gpuad's: ``grad_and_value`` is
``value_and_grad`` (value first, as in JAX), ``in_dims``/``out_dims`` are ``in_axes``/
``out_axes``. Each test runs the torch test's program through gpuad and asserts the torch
test's expectation (its closed form); where torch is installed the numbers are also compared
with torch.func running the same program, and Jacobians checked "against a reference" are
compared with float64 central differences. Where gpuad deliberately differs from torch.func
(errors torch raises that JAX does not, e.g. non-array aux values) the test asserts gpuad's
documented behaviour and says so.
"""

from __future__ import annotations

import functools
import importlib.util

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.testing import check_grads

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="compares with torch.func")


def _h(tree):
    """Host (NumPy) copy of every leaf of a result; a transform must not return Tensors."""
    leaves, tdef = ad.tree_flatten(tree)
    out = []
    for a in leaves:
        assert not isinstance(a, ad.Tensor), f"a transform returned a Tensor: {a!r}"
        if hasattr(a, "detach"):  # torch
            a = a.detach().numpy()
        out.append(np.asarray(a.get() if hasattr(a, "get") else a))
    return ad.tree_unflatten(tdef, out)


def _close(actual, expected, tol=1e-10):
    """Same pytree structure (tuples, lists and dicts kept apart) and the same numbers."""
    a_leaves, a_def = ad.tree_flatten(actual)
    e_leaves, e_def = ad.tree_flatten(expected)
    assert a_def == e_def, f"structure {a_def} != {e_def}"
    for x, y in zip(_h(a_leaves), _h(e_leaves), strict=True):
        assert np.shape(x) == np.shape(y), (np.shape(x), np.shape(y))
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def _tt(tree):
    import torch

    return ad.tree_map(lambda a: torch.tensor(np.asarray(a, dtype=float)), tree)


def _rand(rng, *shape):
    return rng.standard_normal(shape)


def _fd_jacobian(f, args, argnums=0, eps=1e-6):
    """Central-difference Jacobian of NumPy program ``f`` in float64, with torch.func's and
    JAX's layout: the output's structure outside, per argnum (a tuple when ``argnums`` is a
    tuple) the input's structure inside, each block of shape ``out.shape + in.shape``."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    out = f(*args)
    o_leaves, o_def = ad.tree_flatten(out)
    o_leaves = [np.asarray(o, dtype=float) for o in o_leaves]
    per_arg = []
    for k in nums:
        i_leaves, i_def = ad.tree_flatten(args[k])
        i_leaves = [np.asarray(x, dtype=float) for x in i_leaves]
        blocks = [[np.zeros(o.shape + x.shape) for x in i_leaves] for o in o_leaves]
        for li, x in enumerate(i_leaves):
            for idx in np.ndindex(x.shape):
                cols = []
                for sign in (1, -1):
                    moved = [v.copy() for v in i_leaves]
                    moved[li][idx] += sign * eps
                    a = list(args)
                    a[k] = ad.tree_unflatten(i_def, moved)
                    cols.append([np.asarray(v, dtype=float)
                                 for v in ad.tree_flatten(f(*a))[0]])
                for oi in range(len(o_leaves)):
                    blocks[oi][li][(Ellipsis,) + idx] = (cols[0][oi] - cols[1][oi]) / (2 * eps)
        per_arg.append((blocks, i_def))
    leaves = []
    for oi in range(len(o_leaves)):
        trees = [ad.tree_unflatten(d, b[oi]) for b, d in per_arg]
        leaves.append(trees[0] if isinstance(argnums, int) else tuple(trees))
    return ad.tree_unflatten(o_def, leaves)


X0 = np.array(0.7)
Y0 = np.array(-0.4)
V3 = np.array([0.3, -1.1, 0.8])


# ==== TestGradTransform ========================================================================

def test_grad_primitive_and_composite(backend, rng):
    # test_primitive, test_composite_simple, test_composite_complicated
    _close(ad.grad(gnp.sin)(X0), np.cos(X0))
    x = _rand(rng, 2, 3, 4)
    _close(ad.grad(lambda x: gnp.sum(gnp.ravel(x)))(x), np.ones_like(x))
    x, y = _rand(rng, 3), _rand(rng, 3, 5)
    _close(ad.grad(lambda x, y: gnp.sum(x @ y))(x, y), y.sum(1))


def test_grad_linear_nd_relu(backend, rng):
    # test_linear_nd_inplace_activation: linear on a 3-d input, relu, sum; grads of all three
    x, w, b = _rand(rng, 2, 3, 4), _rand(rng, 5, 4), _rand(rng, 5)

    def f(x, w, b):
        return gnp.sum(F.relu(F.linear(x, w, b)))

    gx, gw, gb = ad.grad(f, argnums=(0, 1, 2))(x, w, b)
    mask = ((x @ w.T + b) > 0).astype(float)
    _close((gx, gw, gb), (mask @ w, np.einsum("abo,abi->oi", mask, x), mask.sum((0, 1))))
    check_grads(lambda x, w, b: gnp.sum(F.linear(x, w, b) ** 2), (x, w, b), order=2)


def test_grad_fn_with_kwargs(backend, rng):
    # test_fn_with_kwargs: keyword arguments are passed through and not differentiated
    x, y = _rand(rng, 3), _rand(rng, 3)

    def foo(x, y):
        return gnp.sum(x * y)

    _close(ad.grad(foo)(x, y=y), ad.grad(foo)(x, y))
    _close(ad.grad(foo)(x, y=y), y)


def test_grad_cross_entropy(backend, rng):
    # test_composite_two_ops: cross_entropy with integer targets
    y = _rand(rng, 2, 5)
    t = np.array([1, 4])
    g = ad.grad(F.cross_entropy)(y, t)
    p = np.exp(y - y.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    expected = (p - np.eye(5)[t]) / 2
    _close(g, expected)


def test_grad_sees_shape_and_dtype(backend, rng):
    # test_shape, test_dtype, test_numel: inside grad the argument reports the input's
    x = _rand(rng, 2, 3, 5)
    seen = []

    def foo(x):
        seen.append((x.shape, x.dtype, x.size, x.ndim))
        return gnp.sum(x)

    ad.grad(foo)(x)
    assert seen == [((2, 3, 5), np.dtype(np.float64), 30, 3)]


def test_grad_inplace(backend, rng):
    # test_inplace, test_inplace_on_view, test_inplace_on_view_base, test_view_inplace_simple.
    # torch's sin_ keeps a copy of its input for the backward; gpuad has no in-place sin, and
    # writing sin(y) back into y overwrites the value sin saved: an error naming both versions
    # (exact or an error), never a wrong gradient. In-place arithmetic (y *= ...) is exact.
    def sin_inplace(x):
        y = gnp.copy(x)
        y[...] = gnp.sin(y)
        return y

    with pytest.raises(ad.GradError, match="version 0.*now version 1"):
        ad.grad(sin_inplace)(X0)

    def mul_inplace(x):
        y = gnp.copy(x)
        y *= gnp.sin(x)
        return y

    _close(ad.grad(mul_inplace)(X0), np.sin(X0) + X0 * np.cos(X0))

    x = _rand(rng, 3)

    def on_view(x):
        y = gnp.copy(x)
        s = gnp.sin(x[0])
        y[0] = s  # write through an element of y
        return gnp.sum(y)

    _close(ad.grad(on_view)(x), np.array([np.cos(x[0]), 1.0, 1.0]))

    def on_base(x):
        y = gnp.copy(x)
        y0 = y[0:1]  # a view, read after its base is written
        y[:] = gnp.sin(x)
        return y0[0]

    _close(ad.grad(on_base)(x), np.array([np.cos(x[0]), 0.0, 0.0]))

    def view_inplace(x):
        y = gnp.copy(x)
        v = gnp.reshape(y, ())
        v[...] = gnp.sin(x)
        return y

    _close(ad.grad(view_inplace)(X0), np.cos(X0))
    check_grads(on_view, (x,), order=2)
    check_grads(on_base, (x,), order=2)


@needs_torch
def test_grad_inplace_on_view_matches_torch(backend, rng):
    import torch

    x = _rand(rng, 3)

    def foo_t(x):
        y = x.clone()
        y[0].sin_()
        return y.sum()

    def foo_g(x):
        y = gnp.copy(x)
        y[0] = gnp.sin(x[0])
        return gnp.sum(y)

    _close(ad.grad(foo_g)(x), torch.func.grad(foo_t)(_tt(x)))


def test_grad_write_into_captured_array(backend):
    # test_inplace_on_captures: torch refuses to mutate a captured Tensor inside grad. gpuad:
    # writing a Tensor being differentiated into a plain captured array raises (it would drop
    # the derivative), naming what to do
    x = np.array([1.0, 2.0, 3.0])
    captured = ad.get_backend().xp.asarray(np.array([0.5, -1.0, 2.0]))

    def foo(x):
        captured[...] = x
        return gnp.sum(x * captured)

    with pytest.raises((TypeError, ValueError, RuntimeError)):
        ad.grad(foo)(x)


def test_grad_nesting(backend):
    # test_nesting_simple, TestComposability.test_grad_grad
    _close(ad.grad(ad.grad(gnp.sin))(X0), -np.sin(X0))
    _close(ad.grad(ad.grad(ad.grad(gnp.sin)))(X0), -np.cos(X0))


def test_escaped_values_are_plain(backend):
    # test_escaped_wrappers_are_marked_as_dead / _are_ignored: a value that escapes grad
    # through a closure is usable afterwards and equals the plain computation
    escaped = []

    def foo(x):
        y = gnp.sin(x)
        escaped.append(y)
        return y

    ad.grad(foo)(X0)
    something = gnp.sum(escaped[0])
    _close(_plain(something), np.sin(X0))


def _plain(a):
    return a.data if isinstance(a, ad.Tensor) else a


def test_seed_inside_grad(backend):
    # test_manual_seed_inside_grad: a draw after seeding inside f is a constant factor
    def f(x):
        gnp.random.seed(0)
        return x * gnp.random.randn()

    g = ad.grad(f)(X0)
    gnp.random.seed(0)
    _close(g, np.array(float(gnp.random.randn())))


def test_vjp_basic(backend):
    # test_vjp, test_vjp_two_outputs
    out, vjp_fn = ad.vjp(gnp.sin, X0)
    _close(out, np.sin(X0))
    v = np.array(-1.3)
    _close(vjp_fn(v), (v * np.cos(X0),))
    out, vjp_fn = ad.vjp(lambda x: (x, x), np.array(1.0))
    _close(vjp_fn(out), (np.array(2.0),))


def test_grad_complex_abs_of_conj(backend):
    # test_conj_bit: grad of |conj(x)| for complex x is sgn(x) (torch's convention)
    x = np.array(1 + 1j)
    _close(ad.grad(lambda x: gnp.abs(gnp.conj(x)))(x), x / abs(x))


def test_grad_composed_with_backward(backend):
    # test_composed_with_autograd: grad of a Tensor that requires grad stays differentiable
    x = ad.tensor(X0, requires_grad=True)
    y = ad.grad(gnp.sin)(x)
    y.backward()
    _close(x.grad.data if isinstance(x.grad, ad.Tensor) else x.grad, -np.sin(X0))


def test_grad_vjp_compositions(backend):
    # test_grad_of_vjp_composition, test_vjp_of_grad_composition,
    # test_grad_of_vjp_of_grad_composition
    x, y = X0, Y0

    def foo1(x, y):
        _, vjp_fn = ad.vjp(gnp.sin, x)
        return ad.grad(lambda y: vjp_fn(y)[0])(y)

    _close(foo1(x, y), np.cos(x))

    def foo2(x, y):
        _, vjp_fn = ad.vjp(ad.grad(gnp.sin), x)
        return vjp_fn(y)[0]

    _close(foo2(x, y), -y * np.sin(x))

    def foo3(x, y):
        _, vjp_fn = ad.vjp(ad.grad(lambda x: -gnp.cos(x)), x)
        return ad.grad(lambda y: vjp_fn(y)[0])(y)

    _close(foo3(x, y), np.cos(x))


def test_grad_inside_recorded_function(backend):
    # test_views: grad inside a function that is itself differentiated by backward()
    x = ad.tensor(X0, requires_grad=True)
    y = ad.tensor(Y0, requires_grad=True)

    def silly_sin(x):
        return gnp.sin(gnp.reshape(x, ()))

    res = ad.grad(silly_sin)(x) + gnp.cos(y)
    res.backward()
    _close((_plain(x.grad), _plain(y.grad)), (-np.sin(X0), -np.sin(Y0)))


def test_grad_invalid_argnums(backend):
    # test_invalid_argnums and TestSliceArgnums: out of range, not ints, repeated, empty
    x, y = X0, Y0
    for bad in (-3, 2, (2,), (-3,)):
        with pytest.raises(TypeError, match="only 2 arguments"):
            ad.grad(gnp.multiply, argnums=bad)(x, y)
    for bad in (("0",), 0.0, (0, 0.0), ((0, 1), 1)):
        with pytest.raises(TypeError, match="int or a tuple of ints"):
            ad.grad(gnp.multiply, argnums=bad)(x, y)
    # the same argument named twice (also through a negative index): torch raises "must be
    # unique"; differentiating one argument twice has no meaning in the result's layout
    for bad in ((0, 0), (0, -2), (1, -1)):
        with pytest.raises(ValueError, match="unique"):
            ad.grad(gnp.multiply, argnums=bad)(x, y)
    with pytest.raises(ValueError, match="non-empty"):
        ad.grad(gnp.multiply, argnums=())(x, y)
    # a list is accepted, as in JAX (torch asks for a tuple): the same as the tuple
    _close(ad.grad(gnp.multiply, argnums=[0])(x, y), (y,))


def test_grad_argnums(backend):
    # test_argnums, test_out_of_order_argnums, test_negative_argnums
    x, y = X0, Y0
    _close(ad.grad(gnp.multiply, argnums=0)(x, y), y)
    _close(ad.grad(gnp.multiply, argnums=1)(x, y), x)
    _close(ad.grad(gnp.multiply, argnums=(0,))(x, y), (y,))
    _close(ad.grad(gnp.multiply, argnums=(0, 1))(x, y), (y, x))
    _close(ad.grad(gnp.multiply, argnums=(1, 0))(x, y), (x, y))
    _close(ad.grad(gnp.multiply, argnums=-2)(x, y), y)
    _close(ad.grad(gnp.multiply, argnums=-1)(x, y), x)
    _close(ad.grad(gnp.multiply, argnums=(-2,))(x, y), (y,))
    _close(ad.grad(gnp.multiply, argnums=(-2, -1))(x, y), (y, x))


def test_grad_pytree_inputs(backend):
    # test_grad_pytree_inputs
    x = X0

    def f(a, b):
        x, y = a
        return 1 * x + 2 * y + 3 * b["foo"]

    args = ((x, x), {"foo": x})
    one, two, three = np.array(1.0), np.array(2.0), np.array(3.0)
    _close(ad.grad(f)(*args), (one, two))
    _close(ad.grad(f, argnums=(0,))(*args), ((one, two),))
    _close(ad.grad(f, argnums=(0, 1))(*args), ((one, two), {"foo": three}))


def test_grad_aux(backend, rng):
    # test_grad_aux_tensor, test_grad_aux_pytree
    x = _rand(rng, 3)
    with pytest.raises(TypeError, match="pair"):
        ad.grad(lambda t: (gnp.sum(t), t + 2, t + 3), has_aux=True)(x)

    def f(t):
        return gnp.sum(gnp.sin(t)), gnp.cos(t)

    g, aux = ad.grad(f, has_aux=True)(x)
    _close((g, aux), (np.cos(x), np.cos(x)))

    def f2(x):
        return gnp.sum(gnp.sin(x)), {"a": gnp.cos(x), "b": [gnp.tan(x)]}

    g, aux = ad.grad(f2, has_aux=True)(x)
    _close(g, np.cos(x))
    _close(aux, {"a": np.cos(x), "b": [np.tan(x)]})
    # torch refuses non-Tensor aux values; gpuad (as JAX) hands any aux back unchanged
    for val in (1, 1.0, "abc"):
        assert ad.grad(lambda x, v=val: (gnp.sum(x), v), has_aux=True)(x)[1] == val
        aux = ad.grad(lambda x, v=val: (gnp.sum(x), [x, v]), has_aux=True)(x)[1]
        assert aux[1] == val
        _close(aux[0], x)


def test_grad_zero_and_unrelated(backend, rng):
    # test_zero_grad, test_unrelated_grad, test_unrelated_vjp,
    # test_unrelated_vjp_multiple_inputs_outputs
    inps = {"a": _rand(rng, 10) + 3, "b": _rand(rng, 10)}
    g = ad.grad(lambda d: gnp.sum(d["a"] ** 2.0))(inps)
    _close(g, {"a": 2 * inps["a"], "b": np.zeros(10)})

    y = np.array(2.0)
    _close(ad.grad(lambda x: y)(np.array(1.0)), np.array(0.0))
    _, vjp_fn = ad.vjp(lambda x: y, np.array(1.0))
    _close(vjp_fn(np.array(1.0)), (np.array(0.0),))

    w, x, v = np.array(3.0), np.array(4.0), np.array(1.0)
    _, vjp_fn = ad.vjp(lambda w, x: (y, y, x), w, x)
    _close(vjp_fn((v, v, v)), (np.array(0.0), np.array(1.0)))


def test_unrelated_hessian(backend, rng):
    # test_unrelated_hessian: jacrev(jacrev(W @ x)) is zero
    W = _rand(rng, 5, 3)
    _close(ad.jacrev(ad.jacrev(lambda x: W @ x))(_rand(rng, 3)), np.zeros((5, 3, 3)))


def test_vjp_pytrees(backend):
    # test_vjp_pytree_input, test_vjp_pytree_output, test_vjp_pytree_error
    x, v = X0, np.array(1.7)
    out, vjp_fn = ad.vjp(lambda x: x[0] * x[1][0], (x, (x, x)))
    _close(out, x * x)
    _close(vjp_fn(v), ((x * v, (x * v, np.array(0.0))),))

    v1, v2, v3 = np.array(0.5), np.array(-1.0), np.array(2.5)
    _, vjp_fn = ad.vjp(lambda x: (x, (x, x)), x)
    _close(vjp_fn((v1, (v2, v3))), (v1 + v2 + v3,))
    with pytest.raises(ValueError, match="structure"):
        vjp_fn(((v1, (v2, v3)),))


def test_vjp_outputs_any_pytree(backend, rng):
    # test_vjp_outputs_can_any_pytree
    x, t = _rand(rng, 2, 3), _rand(rng, 2, 3)
    # f returning None: torch "Expected f to be a function that has non-empty output"
    with pytest.raises(TypeError, match="return"):
        ad.vjp(lambda _: None, x)
    with pytest.raises(TypeError, match="output leaf 0 is str"):
        ad.vjp(lambda _: "abc", x)
    # an empty tuple is an empty pytree of outputs (as in JAX): no cotangent reaches x
    _, vjp_fn = ad.vjp(lambda _: (), x)
    _close(vjp_fn(()), (np.zeros_like(x),))

    out, vjp_fn = ad.vjp(lambda x: [x, gnp.sum(x)], x)
    assert isinstance(out, list) and len(out) == 2
    _close(vjp_fn([t, t.sum()]), (t + t.sum(),))

    out, vjp_fn = ad.vjp(lambda x: {"x": x, "xsum": gnp.sum(x)}, x)
    assert isinstance(out, dict) and set(out) == {"x", "xsum"}
    _close(vjp_fn({"x": t, "xsum": t.sum()}), (t + t.sum(),))

    def composite(x):
        s = gnp.sum(x)
        return [(s, {"a": x, "out": [x, s]})]

    out, vjp_fn = ad.vjp(composite, x)
    assert isinstance(out, list) and isinstance(out[0], tuple) and isinstance(out[0][1], dict)
    (g,) = vjp_fn([(t.sum(), {"a": t, "out": [t, t.sum()]})])
    _close(g, 2 * t + 2 * t.sum())


def test_vjp_aux(backend, rng):
    # test_vjp_aux_tensor, test_vjp_aux_pytree
    x, v = _rand(rng, 3), _rand(rng, 3)
    with pytest.raises(TypeError, match="pair"):
        ad.vjp(lambda t: (t, t + 2, t + 3), x, has_aux=True)
    out, vjp_fn, aux = ad.vjp(lambda t: (gnp.sin(t), gnp.cos(t)), x, has_aux=True)
    _close((out, aux), (np.sin(x), np.cos(x)))
    _close(vjp_fn(v), (v * np.cos(x),))

    def f(x):
        return gnp.sin(x), {"a": gnp.cos(x), "b": [gnp.tan(x)]}

    out, vjp_fn, aux = ad.vjp(f, x, has_aux=True)
    _close(out, np.sin(x))
    _close(aux, {"a": np.cos(x), "b": [np.tan(x)]})
    _close(vjp_fn(v), (v * np.cos(x),))


def test_grad_boolean_mask_writes(backend, rng):
    # test_advanced_indexing
    def f(value):
        log_prob = gnp.ones(())
        val = gnp.zeros(()) > 0
        log_prob[val] = 0
        return value

    _close(ad.grad(f)(np.array(0.3)), np.array(1.0))

    def f2(value):
        value = gnp.copy(value)
        value[value > 0] = 0
        return gnp.sum(value)

    x = _rand(rng, 20)
    _close(ad.grad(f2)(x), (x <= 0).astype(float))


def test_array_constructor_inside_grad(backend):
    # test_tensor_ctor_inside_grad
    _close(ad.grad(lambda x: x * ad.tensor(2.0))(np.array(3.14)), np.array(2.0))


def test_no_grad_inside_and_outside(backend):
    # test_no_grad_outside, test_no_grad_inside, test_no_grad_mixed
    x = ad.tensor(X0, requires_grad=True)
    with ad.no_grad():
        y = ad.grad(gnp.sin)(x)
    _close(_plain(y), np.cos(X0))
    assert not (isinstance(y, ad.Tensor) and y.requires_grad)

    def f(x):
        with ad.no_grad():
            shift = x ** 2
        return x ** 2 - shift

    _close(ad.grad(f)(X0), 2 * X0)
    _close(ad.grad(ad.grad(f))(X0), np.array(2.0))
    x = ad.tensor(X0, requires_grad=True)
    y = ad.grad(f)(x)
    y.backward()
    _close(_plain(x.grad), np.array(2.0))
    with ad.no_grad():
        y = ad.grad(f)(ad.tensor(X0, requires_grad=True))
    _close(_plain(y), 2 * X0)
    assert not (isinstance(y, ad.Tensor) and y.requires_grad)


def test_no_grad_nested(backend):
    # test_no_grad_nested_simple, test_no_grad_nested_complicated, test_no_grad_value
    def h(x):
        with ad.no_grad():
            shift = ad.grad(lambda x: 0.25 * x ** 4)(x)
        return x ** 3 - shift

    x = ad.tensor(1.5, requires_grad=True)
    y = ad.grad(h)(x)
    _close(_plain(y), np.array(3 * 1.5 ** 2))
    y.backward()
    _close(_plain(x.grad), np.array(6 * 1.5))

    def f(x):
        with ad.no_grad():
            shift = x ** 3
        return x ** 3 - shift

    def g(x):
        r1 = ad.grad(f)(x)
        with ad.no_grad():
            shift = ad.grad(f)(x)
        return r1 - shift

    x = ad.tensor(X0, requires_grad=True)
    y = ad.grad(g)(x)
    _close(_plain(y), 6 * X0)
    y.backward()
    _close(_plain(x.grad), np.array(6.0))

    def h2(x):
        with ad.no_grad():
            value, _ = ad.value_and_grad(lambda x: x ** 3)(x)
        return x ** 3 - value

    x = ad.tensor(1.6, requires_grad=True)
    y = ad.grad(h2)(x)
    _close(_plain(y), np.array(3 * 1.6 ** 2))
    y.backward()
    _close(_plain(x.grad), np.array(6 * 1.6))


def test_no_grad_and_vjp(backend):
    # test_no_grad_outside_vjp, test_no_grad_outside_vjp_fn, test_no_grad_outside_vjp_only
    def h(x):
        return x ** 2

    x = ad.tensor(2.0, requires_grad=True)
    with ad.no_grad():
        out, vjp_fn = ad.vjp(h, x)
        (y,) = vjp_fn(np.array(1.0))
    _close(_plain(y), np.array(4.0))
    assert not (isinstance(y, ad.Tensor) and y.requires_grad)
    assert not (isinstance(out, ad.Tensor) and out.requires_grad)

    x = ad.tensor(3.14, requires_grad=True)
    out, vjp_fn = ad.vjp(h, x)
    with ad.no_grad():
        (y,) = vjp_fn(np.array(1.0))
    _close(_plain(y), np.array(6.28))
    assert not (isinstance(y, ad.Tensor) and y.requires_grad)
    assert isinstance(out, ad.Tensor) and out.requires_grad
    out.backward()
    _close(_plain(x.grad), np.array(6.28))

    x = ad.tensor(3.14, requires_grad=True)
    with ad.no_grad():
        out, vjp_fn = ad.vjp(h, x)
    (y,) = vjp_fn(np.array(1.0))
    _close(_plain(y), np.array(6.28))
    assert not (isinstance(out, ad.Tensor) and out.requires_grad)
    # torch: "a little weird": y requires grad, and its derivative with respect to x is 2
    assert isinstance(y, ad.Tensor) and y.requires_grad
    y.backward()
    _close(_plain(x.grad), np.array(2.0))


def test_grad_keeps_function_name(backend):
    # test_grad_name_wrapping
    def my_fn(x):
        return gnp.sum(x)

    for t in (ad.grad, ad.value_and_grad, ad.jacrev, ad.jacfwd, ad.hessian, ad.vmap):
        assert t(my_fn).__name__ == "my_fn"


# ==== TestVmapOfGrad ===========================================================================

def _per_example(fn, *batched):
    return [fn(*[b[i] for b in batched]) for i in range(len(batched[0]))]


def test_per_sample_grads(backend, rng):
    # test_per_sample_grads_simple, test_per_sample_grads_inplace_view
    w, x, t = _rand(rng, 4, 2), _rand(rng, 6, 4), _rand(rng, 6, 2)

    def loss(w, x, t):
        return gnp.sum((x @ w - t) ** 2)

    res = ad.vmap(functools.partial(ad.grad(loss), w))(x, t)
    _close(res, np.stack(_per_example(lambda a, b: ad.grad(loss)(w, a, b), x, t)))

    def loss2(w, x, t):
        y = gnp.squeeze(x @ w, 0)
        return gnp.sum(y - t)

    x1 = _rand(rng, 6, 1, 4)
    res = ad.vmap(functools.partial(ad.grad(loss2), w))(x1, t)
    _close(res, np.repeat(x1.transpose(0, 2, 1), 2, axis=2))


def test_new_zeros_materialize(backend, rng):
    # test_new_zeros_materializes_tensor, test_new_empty_materializes_tensor. A fresh array
    # is a plain array in gpuad: writing a per-example value into it inside vmap raises an
    # error that names the functional form, which gives torch's result
    x, y = _rand(rng, 3), _rand(rng, 3, 5)

    def foo(y, x):
        result = gnp.zeros((5,), dtype=x.dtype)
        result[...] = y
        return gnp.sum(result)

    with pytest.raises(Exception, match="index_update|make it a Tensor"):
        ad.vmap(ad.grad(foo))(y, x)

    def foo2(y, x):
        result = gnp.index_update(gnp.zeros((5,), dtype=x.dtype), Ellipsis, y)
        return gnp.sum(result)

    _close(ad.vmap(ad.grad(foo2))(y, x), np.ones_like(y))


def test_per_sample_grads_embedding_net(backend, rng):
    # test_per_sample_grads_embeddingnet (functional_call form: a dict of weights)
    vocab, words, B = 20, 5, 4
    weights = {"emb": _rand(rng, vocab, 6), "w1": _rand(rng, 6, 6) * 0.4, "b1": _rand(rng, 6),
               "w2": _rand(rng, 2, 6) * 0.4, "b2": _rand(rng, 2)}
    data = rng.integers(0, vocab, (B, words))
    targets = rng.integers(0, 2, (B,))

    def loss(wt, data, target):
        x = F.embedding(data, wt["emb"])
        x = gnp.mean(gnp.swapaxes(x, -1, -2), -1)
        x = F.relu(F.linear(x, wt["w1"], wt["b1"]))
        x = F.linear(x, wt["w2"], wt["b2"])
        return F.cross_entropy(x[None], target[None])

    res = ad.vmap(functools.partial(ad.grad(loss), weights))(data, targets)
    per = _per_example(lambda d, t: ad.grad(loss)(weights, d, t), data, targets)
    _close(res, {k: np.stack([p[k] for p in per]) for k in weights}, tol=1e-9)


def test_vmap_of_vjp_log_softmax(backend, rng):
    # test_log_softmax
    from gpuad.scipy.special import log_softmax

    x, v = _rand(rng, 3, 5), _rand(rng, 5)

    def foo(x, v):
        _, vjp_fn = ad.vjp(functools.partial(log_softmax, axis=-1), x)
        return vjp_fn(v)[0]

    res = ad.vmap(foo, (0, None))(x, v)
    p = np.exp(x - x.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    _close(res, v - p * v.sum())


# ==== TestJac ==================================================================================

JACS = pytest.mark.parametrize("jac", [ad.jacrev, ad.jacfwd], ids=["jacrev", "jacfwd"])


@JACS
def test_jac_simple(backend, rng, jac):
    # test_simple, test_simple_not_flat, test_vmap_on_jac_simple, test_nested_jac_simple
    x = _rand(rng, 3)
    _close(jac(gnp.sin)(x), np.diagflat(np.cos(x)))
    x = _rand(rng, 2, 3)
    _close(jac(gnp.sin)(x), np.diagflat(np.cos(x).ravel()).reshape(2, 3, 2, 3))
    _close(ad.vmap(jac(gnp.sin))(x), np.stack([np.diagflat(np.cos(r)) for r in x]))
    x = _rand(rng, 3)
    _close(jac(jac(lambda x: gnp.sum(gnp.sin(x))))(x), np.diagflat(-np.sin(x)))


@JACS
def test_jac_take_and_diff_numel(backend, rng, jac):
    # test_take, test_diff_numel
    x = rng.random(5)
    expected = np.zeros((3, 5))
    expected[:, 1] = 1
    _close(jac(lambda x: gnp.take(x, np.ones(3, dtype=np.int64)))(x), expected)
    x = _rand(rng, 2, 4)
    y = jac(lambda x: gnp.expand_dims(x[0, 1:], -1))(x)
    expected = np.zeros((3, 1, 2, 4))
    expected[0, 0, 0, 1] = expected[1, 0, 0, 2] = expected[2, 0, 0, 3] = 1
    _close(y, expected)


@JACS
def test_jac_argnums_and_outputs(backend, rng, jac):
    # test_multiple_args, test_multiple_outputs_multiple_argnums,
    # test_multiple_outputs_single_argnums, test_argnums_tuple, test_argnums_effect_on_return,
    # test_argnums_defaults_to_zero
    x, y = _rand(rng, 3), _rand(rng, 3)
    _close(jac(gnp.multiply, argnums=1)(x, y), np.diagflat(x))

    def f(x, y):
        return 2 * x + 3 * y, 4 * x + 5 * y

    d = [np.diagflat(np.full(3, c)) for c in (2.0, 3.0, 4.0, 5.0)]
    _close(jac(f, argnums=(0, 1))(x, y), ((d[0], d[1]), (d[2], d[3])))
    _close(jac(f, argnums=0)(x, y), (d[0], d[2]))
    _close(jac(f, argnums=(0,))(x, y), ((d[0],), (d[2],)))
    _close(jac(gnp.multiply, argnums=(0, 1))(x, y), (np.diagflat(y), np.diagflat(x)))
    _close(jac(gnp.multiply, argnums=(0,))(x, y), (np.diagflat(y),))
    z = jac(gnp.multiply, argnums=0)(x, y)
    assert not isinstance(z, tuple)
    _close(z, np.diagflat(y))
    _close(jac(lambda x, y: x * 2 + y * 3)(x, y), d[0])


@JACS
def test_jac_pytrees(backend, rng, jac):
    # test_multiple_outputs_pytree, test_multiple_inputs_pytree,
    # test_multiple_inputs_outputs_pytree, test_multiple_inputs_outputs_pytree_multidim
    x, y = _rand(rng, 3), _rand(rng, 3)
    d = [np.diagflat(np.full(3, c)) for c in (2.0, 3.0, 4.0, 5.0)]
    z = jac(lambda x, y: {"left": 2 * x + 3 * y, "right": 4 * x + 5 * y}, argnums=(0, 1))(x, y)
    _close(z, {"left": (d[0], d[1]), "right": (d[2], d[3])})

    s = X0
    one, two, three, four, zero = (np.array(v) for v in (1.0, 2.0, 3.0, 4.0, 0.0))

    def f(a, b, c):
        a0, a1 = a
        return a0 + a1 * 2 + b * 3 + c * 4

    args = ((s, s), s, s)
    _close(jac(f, argnums=(0, 1, 2))(*args), ((one, two), three, four))
    _close(jac(f, argnums=(0,))(*args), ((one, two),))
    _close(jac(f)(*args), (one, two))

    def g(a, b, c):
        a0, a1 = a
        return a0 + a1 * 2, {"foo": b * 3 + c * 4}

    _close(jac(g)(*args), ((one, two), {"foo": (zero, zero)}))
    _close(jac(g, argnums=(0,))(*args), (((one, two),), {"foo": ((zero, zero),)}))
    _close(jac(g, argnums=(0, 1))(*args),
           (((one, two), zero), {"foo": ((zero, zero), three)}))

    def h(dct):
        return {"c": gnp.sin(dct["a"]), "d": gnp.cos(dct["b"])}

    _close(jac(h)({"a": x, "b": x}),
           {"c": {"a": np.diagflat(np.cos(x)), "b": np.zeros((3, 3))},
            "d": {"a": np.zeros((3, 3)), "b": np.diagflat(-np.sin(x))}})


@JACS
def test_jac_dimensionality(backend, jac):
    # test_dimensionality
    r = jac(lambda x: x)(X0)
    assert np.ndim(_h(r)) == 0
    _close(r, np.array(1.0))
    r = jac(lambda x: x)(np.array([0.5]))
    _close(r, np.ones((1, 1)))


@JACS
def test_jac_aux(backend, rng, jac):
    # test_aux_tensor, test_aux_pytree
    x = _rand(rng, 3)

    def f(x):
        y = gnp.copy(x)
        return y, gnp.cos(y)

    result, aux = jac(f, has_aux=True)(x)
    _close((result, aux), (np.eye(3), np.cos(x)))

    def f2(x):
        y = gnp.copy(x)
        return y, {"a": gnp.cos(y), "b": [gnp.tan(y)]}

    result, aux = jac(f2, has_aux=True)(x)
    _close(result, np.eye(3))
    _close(aux, {"a": np.cos(x), "b": [np.tan(x)]})
    # non-array aux values: returned as they are (JAX's behaviour; torch refuses them)
    for val in (1, 1.0, "abc"):
        assert jac(lambda x, v=val: (x, v), has_aux=True)(x)[1] == val
    # a list pair is accepted as in JAX, a wrong arity is an error naming has_aux
    result, aux = jac(lambda x: [x, gnp.sin(x)], has_aux=True)(x)
    _close((result, aux), (np.eye(3), np.sin(x)))
    with pytest.raises(TypeError, match="pair"):
        jac(lambda x: (x, x, x), has_aux=True)(x)


@JACS
def test_jac_outputs_any_pytree(backend, rng, jac):
    # test_outputs_can_any_pytree, test_empty_output
    x = _rand(rng, 2, 3)
    with pytest.raises(TypeError, match="return"):
        jac(lambda _: None)(x)
    with pytest.raises(TypeError, match="output leaf 0 is str"):
        jac(lambda _: "abc")(x)
    for out in (1, True):
        with pytest.raises(TypeError, match="floating-point"):
            jac(lambda _, o=out: o)(x)
    # a float constant has a zero Jacobian (torch refuses non-Tensor outputs)
    _close(jac(lambda _: 12.2)(x), np.zeros((2, 3)))
    # an empty tuple of outputs has an empty Jacobian (JAX); torch raises
    assert jac(lambda x, y: ())(x, x) == ()

    out = jac(lambda x: [x, gnp.sum(x)])(x)
    assert isinstance(out, list) and len(out) == 2
    _close(out, [np.eye(6).reshape(2, 3, 2, 3), np.ones((2, 3))])
    out = jac(lambda x: {"x": x, "xsum": gnp.sum(x)})(x)
    assert isinstance(out, dict) and set(out) == {"x", "xsum"}

    def composite(x):
        s = gnp.sum(x)
        return [(s, {"a": x, "out": [x, s]})]

    out = jac(composite)(x)
    assert isinstance(out, list) and isinstance(out[0], tuple) and isinstance(out[0][1], dict)
    _close(out[0][1]["out"][1], np.ones((2, 3)))


@JACS
def test_jac_unrelated(backend, rng, jac):
    # test_unrelated_input, test_unrelated_output
    x, y = _rand(rng, 2, 3), _rand(rng, 2, 3)
    _close(jac(lambda x, y: x, argnums=(0, 1))(x, y),
           (np.eye(6).reshape(2, 3, 2, 3), np.zeros((2, 3, 2, 3))))
    _close(jac(lambda x: y)(x), np.zeros((2, 3, 2, 3)))


@JACS
def test_jac_bad_argnums(backend, rng, jac):
    # test_empty_argnums, test_out_of_bounds_argnums, test_negative_argnums,
    # test_repeated_argnums, test_float_argnums
    x = _rand(rng, 3)
    with pytest.raises(ValueError, match="non-empty"):
        jac(gnp.sin, argnums=())(x)
    for bad in (2, -2):
        with pytest.raises(TypeError, match="only 1 arguments"):
            jac(gnp.sin, argnums=bad)(x)
    with pytest.raises(ValueError, match="unique"):
        jac(gnp.sin, argnums=(0, 0))(x)
    with pytest.raises(ValueError, match="unique"):
        jac(gnp.multiply, argnums=(1, -1))(x, x)
    with pytest.raises(TypeError, match="int or a tuple of ints"):
        jac(gnp.sin, argnums=0.0)(x)
    with pytest.raises(TypeError, match="int or a tuple of ints"):
        jac(gnp.multiply, argnums=(1, 0.0))(x, x)


def test_hessian_simple(backend, rng):
    # test_hessian_simple: hessian of a vector-valued function is out.shape + 2 * x.shape
    x = _rand(rng, 3)
    h = ad.hessian(gnp.sin)(x)
    expected = np.zeros((3, 3, 3))
    for i in range(3):
        expected[i, i, i] = -np.sin(x[i])
    _close(h, expected)


def _against_reference(jac, f, inputs, numpy_f):
    # _test_against_reference: jac of f applied to a tuple of inputs, against central
    # differences of the same program in NumPy (torch.autograd.functional.jacobian's role)
    result = jac(lambda inputs: f(*inputs))(inputs)
    expected = _fd_jacobian(lambda inputs: numpy_f(*inputs), (inputs,))
    _close(result, expected, tol=1e-6)


def _prog(m):
    """The TestJac reference programs, written once for gpuad.numpy and NumPy."""
    return {
        "simple": lambda x: 3 * x ** 2,
        "multi_input": lambda x, y: (m.cos(x) * x) @ m.sin(y),
        "multi_out": lambda x, y: ((x * x) @ y, x @ (m.sum(x, 1) * y), m.sum(y)),
        "unrelated": lambda x, y: (x, y, x, y),
        "zero_dim_out": lambda x, y: (m.sum(x), m.sum(y), x * y),
        "zero_dim_in": lambda x: m.stack([x, x, x]),
        "mixed": lambda x, y: (m.sum(y), x * y),
        "default_arg": lambda x, y, z=3.0: x * y * z,
    }


@JACS
def test_jac_against_reference(backend, rng, jac):
    # test_against_reference_simple, _multi_input, _multi_input_multi_output,
    # _unrelated_outputs, _zero_dim, _default_arg
    g, n = _prog(gnp), _prog(np)
    cases = [
        ("simple", (_rand(rng, 2, 3, 2),)),
        ("multi_input", (_rand(rng, 2, 3), _rand(rng, 3, 4))),
        ("multi_out", (_rand(rng, 4, 3), _rand(rng, 3, 4))),
        ("unrelated", (_rand(rng, 2), _rand(rng, 3))),
        ("zero_dim_out", (_rand(rng, 3), _rand(rng, 3))),
        ("zero_dim_in", (np.array(0.4),)),
        ("mixed", (np.array(0.4), _rand(rng, 1))),
        ("default_arg", (_rand(rng, 3), _rand(rng, 3))),
    ]
    for name, inputs in cases:
        _against_reference(jac, g[name], inputs, n[name])


@needs_torch
@JACS
def test_jac_against_torch(backend, rng, jac):
    # the torch test's own reference: torch.autograd.functional.jacobian of the same program
    import torch

    f_t = lambda x, y: ((x * x) @ y, x @ (x.sum(1) * y), y.sum())  # noqa: E731
    f_g = _prog(gnp)["multi_out"]
    x, y = _rand(rng, 4, 3), _rand(rng, 3, 4)
    expected = torch.autograd.functional.jacobian(f_t, _tt((x, y)))
    _close(jac(lambda inputs: f_g(*inputs))((x, y)), expected)
    expected = torch.func.jacrev(f_t, argnums=(0, 1))(*_tt((x, y)))
    _close(jac(f_g, argnums=(0, 1))(x, y), expected)


@JACS
def test_jac_inplace(backend, rng, jac):
    # test_inplace: an argument written into; the Jacobian of the writer
    # (the written argument is a gpuad Tensor, as in torch: a write of a differentiated value
    # into a plain NumPy array raises, since the array cannot carry its derivative)
    def f(x, y):
        y[...] = x
        return y

    x, y = _rand(rng, 2), _rand(rng, 2)
    _close(jac(f, argnums=0)(x, ad.tensor(y)), np.eye(2))
    with pytest.raises(TypeError, match="make it a Tensor"):
        jac(f, argnums=0)(x, y.copy())

    def g(x, y, z):
        x[:2] = y
        return gnp.vstack([gnp.sum(x ** 2), gnp.sum(z ** 3)])

    x, y, z = _rand(rng, 3), _rand(rng, 2), _rand(rng, 2)
    e0, e1 = np.zeros((2, 1, 2)), np.zeros((2, 1, 2))
    e0[0, 0] = 2 * y
    e1[1, 0] = 3 * z ** 2
    _close(jac(g, argnums=(1, 2))(ad.tensor(x), y, z), (e0, e1))


def test_chunk_jacrev(backend, rng):
    # test_chunk_jacrev, test_chunk_jacrev_composition
    x, y = _rand(rng, 5, 2), _rand(rng, 1, 2)

    def f(x, y):
        return (gnp.sin(x), x + y), (x + 2, gnp.sum(x))

    expected = ad.jacrev(f, argnums=(0, 1))(x, y)
    _close(expected, _fd_jacobian(
        lambda x, y: ((np.sin(x), x + y), (x + 2, np.sum(x))), (x, y), (0, 1)), tol=1e-6)
    for chunk_size in (1, 2, 3, 4, 7, 10, 1000):
        _close(ad.jacrev(f, argnums=(0, 1), chunk_size=chunk_size)(x, y), expected)
        _close(ad.jacfwd(f, argnums=(0, 1), chunk_size=chunk_size)(x, y), expected)
    for bad in (0, -2):
        with pytest.raises(ValueError, match="chunk_size"):
            ad.jacrev(f, argnums=(0,), chunk_size=bad)(x, y)

    def g(x):
        return (gnp.sin(x), x), (x + 2, gnp.sum(x))

    xs = _rand(rng, 3, 2)
    expected = ad.vmap(ad.jacrev(ad.jacrev(g)))(xs)
    actual = ad.vmap(ad.jacrev(ad.jacrev(g, chunk_size=3), chunk_size=3))(xs)
    _close(actual, expected)
    # the second derivative of sin is -sin on the diagonal
    d2 = np.zeros((3, 2, 2, 2))
    for b, i in np.ndindex(3, 2):
        d2[b, i, i, i] = -np.sin(xs[b, i])
    _close(actual[0][0], d2)


def test_chunk_jacrev_chunksize_one(backend, rng):
    # test_chunk_jacrev_chunksize_one: a backward that needs concrete values (a nonzero on the
    # cotangent) works with chunk_size=1 (no vmap); with larger chunks both refuse it
    @ad.custom_vjp
    def ident(x):
        return x

    def fwd(x):
        return x, None

    def bwd(_, g):
        gnp.nonzero(g)
        return (g,)

    ident.defvjp(fwd, bwd)
    x = _rand(rng, 3, 3)
    _close(ad.jacrev(ident, chunk_size=1)(x), np.eye(9).reshape(3, 3, 3, 3))
    with pytest.raises(TypeError, match="nonzero"):
        ad.jacrev(ident, chunk_size=2)(x)


def test_jac_complex_error(backend):
    # test_complex_error: C -> C is refused by both; R -> C is refused by jacrev and, as in
    # JAX (torch refuses it too), allowed by jacfwd: the complex derivative of a real input
    x = np.array([1.0 + 1.0j])
    with pytest.raises(TypeError, match="jacrev: complex"):
        ad.jacrev(gnp.conj)(x)
    with pytest.raises(TypeError, match="jacfwd: complex"):
        ad.jacfwd(gnp.conj)(x)
    r = np.array([0.3])
    with pytest.raises(TypeError, match="jacrev: complex"):
        ad.jacrev(lambda x: gnp.conj(x * 0.5j))(r)
    _close(ad.jacfwd(lambda x: gnp.conj(x * 0.5j))(r), np.array([[-0.5j]]))


@JACS
def test_jac_with_non_array_args(backend, rng, jac):
    # test_jac_with_non_tensor_args
    t = _rand(rng, 3, 3)
    _close(jac(lambda t, i: t + i)(t, 3), np.eye(9).reshape(3, 3, 3, 3))


# ==== TestHessian ==============================================================================

def _fd_hessian(f, inputs, eps=1e-4):
    """Hessian of a scalar NumPy program of a tuple of arrays by central differences of the
    gradient (itself by central differences), in torch.autograd.functional.hessian's layout."""
    def grad_fd(inputs):
        return _fd_jacobian(lambda inp: f(*inp), (inputs,), eps=eps)

    return _fd_jacobian(grad_fd, (inputs,), eps=eps)


def test_hessian_against_reference(backend, rng):
    # test_hessian_vectorize_correctness_simple, _multi_input, _unrelated_outputs
    def check(fg, fn, inputs, tol=1e-5):
        result = ad.hessian(lambda inp: fg(*inp))(inputs)
        # by finite differences of the analytic gradient (gpuad's jacrev, itself checked
        # against central differences above), to keep the reference precise
        grad_of = ad.jacrev(lambda inp: fg(*inp))
        expected = _fd_jacobian(lambda inp: _h(grad_of(inp)), (inputs,))
        _close(result, expected, tol=tol)
        _close(ad.jacfwd(grad_of)(inputs), result)

    check(lambda x: gnp.sum(3 * x ** 2), None, (_rand(rng, 2, 3, 2),))
    check(lambda x, y, z: gnp.sum((F.relu(x) * x) @ gnp.sin(y) @ z), None,
          (_rand(rng, 2, 3), _rand(rng, 3, 4), _rand(rng, 4, 4)))
    check(lambda x, y: gnp.sum(x ** 2), None, (_rand(rng, 2), _rand(rng, 3)))
    check(lambda x, y: gnp.ones(()), None, (_rand(rng, 2), _rand(rng, 3)))
    h = ad.hessian(lambda inp: gnp.sum(inp[0] ** 2))((_rand(rng, 2), _rand(rng, 3)))
    _close(h, ((2 * np.eye(2), np.zeros((2, 3))), (np.zeros((3, 2)), np.zeros((3, 3)))))


@needs_torch
def test_hessian_against_torch(backend, rng):
    import torch

    x, y, z = _rand(rng, 2, 3), _rand(rng, 3, 4), _rand(rng, 4, 4)
    expected = torch.autograd.functional.hessian(
        lambda x, y, z: ((x.relu() * x) @ y.sin() @ z).sum(), _tt((x, y, z)))
    res = ad.hessian(lambda inp: gnp.sum((F.relu(inp[0]) * inp[0]) @ gnp.sin(inp[1])
                                         @ inp[2]))((x, y, z))
    _close(res, expected)


def test_jacfwd_different_levels(backend, rng):
    # test_jacfwd_different_levels: vmap of hessian equals vmap of jacrev(jacrev)
    b, n, d = 2, 5, 2
    x1 = _rand(rng, b, n, d)
    A = 0.1 * _rand(rng, b, d, d)

    def loss(A, x1, x2):
        x2_hat = (A @ x1.T).T
        return gnp.sum((x2 - x2_hat) ** 2)

    h1 = ad.vmap(ad.jacrev(ad.jacrev(loss)))(A, x1, x1)
    h2 = ad.vmap(ad.hessian(loss))(A, x1, x1)
    _close(h2, h1)
    # d2/dA2 of |x - A x|^2 summed over points: 2 * (x^T x) on the matching rows
    exp = np.zeros((b, d, d, d, d))
    for k in range(b):
        G = x1[k].T @ x1[k]
        for i in range(d):
            exp[k, i, :, i, :] = 2 * G
    _close(h2, exp, tol=1e-9)


# ==== TestJvp ==================================================================================

def test_jvp_basic(backend, rng):
    # test_simple, test_multiple_inputs, test_multiple_outputs, test_multiple_inputs_outputs,
    # test_unrelated_input, test_unrelated_output
    x, t = _rand(rng, 2, 3), _rand(rng, 2, 3)
    r = ad.jvp(gnp.sin, (x,), (t,))
    assert isinstance(r, tuple)
    _close(r, (np.sin(x), np.cos(x) * t))
    y, ty = _rand(rng, 2, 3), _rand(rng, 2, 3)
    _close(ad.jvp(gnp.multiply, (x, y), (t, ty)), (x * y, y * t + x * ty))
    _close(ad.jvp(lambda x: (gnp.sin(x), gnp.cos(x)), (x,), (t,)),
           ((np.sin(x), np.cos(x)), (np.cos(x) * t, -np.sin(x) * t)))

    def f(x, y):
        return 2 * x + 3 * y, 4 * x + 5 * y

    _close(ad.jvp(f, (x, y), (t, ty)), (_h(f(x, y)), _h(f(t, ty))))
    _close(ad.jvp(lambda x, y: x, (x, y), (t, ty)), (x, t))
    _close(ad.jvp(lambda x: y, (x,), (t,)), (y, np.zeros_like(y)))


def test_jvp_pytree_inputs(backend):
    # test_pytree_inputs, test_pytree_inputs_error_cases
    one = np.array(1.0)

    def f(x, y, z):
        a, b = x
        return a + 2 * b + 3 * y + 4 * z

    _close(ad.jvp(f, ((one, one), one, one), ((one, one), one, one)),
           (np.array(10.0), np.array(10.0)))
    with pytest.raises(TypeError, match="tuples or lists"):
        ad.jvp(lambda x: x, one, one)
    with pytest.raises(ValueError, match="different structures"):
        ad.jvp(lambda x: x, ((one, one), one), (one, one))
    with pytest.raises(TypeError, match="floating-point"):
        ad.jvp(lambda *a: a, ((one, one), 1), ((one, one), one))
    # torch refuses a Python number as a tangent; gpuad takes it as the array it stands for
    _close(ad.jvp(lambda a, b: a[0] * 3 + b, ((one, one), one), ((1, one), one)),
           (np.array(4.0), np.array(4.0)))


def test_jvp_argument_errors(backend, rng):
    # test_primals_tangents_length_mismatch, test_inputs_are_tuples_of_tensors
    x, t = _rand(rng, 2, 3), _rand(rng, 2, 3)
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        ad.jvp(gnp.sin, (x,), (t, t))
    with pytest.raises(ValueError, match="2 primals but 3 tangents"):
        ad.jvp(gnp.sin, (x, x), (t, t, t))
    with pytest.raises(TypeError, match="tuples or lists"):
        ad.jvp(gnp.sin, x, (t,))
    with pytest.raises(TypeError, match="tuples or lists"):
        ad.jvp(gnp.sin, (x,), t)
    # a list of tangents is accepted (JAX): the same as the tuple
    _close(ad.jvp(gnp.sin, (x,), [t]), ad.jvp(gnp.sin, (x,), (t,)))
    with pytest.raises(ValueError, match="shape"):
        ad.jvp(gnp.sin, (1.0,), (t,))
    with pytest.raises(ValueError, match="shape"):
        ad.jvp(gnp.sin, (x,), (1.0,))


def test_jvp_outputs_any_pytree(backend, rng):
    # test_outputs_can_any_pytree
    x, t = _rand(rng, 2, 3), _rand(rng, 2, 3)
    with pytest.raises(TypeError, match="return"):
        ad.jvp(lambda _: None, (x,), (t,))
    with pytest.raises(TypeError, match="output leaf 0 is str"):
        ad.jvp(lambda _: "abc", (x,), (t,))
    out = ad.jvp(lambda x: [x, gnp.sum(x)], (x,), (t,))
    for o in out:
        assert isinstance(o, list) and len(o) == 2
    _close(out[1], [t, t.sum()])
    out = ad.jvp(lambda x: {"x": x, "xsum": gnp.sum(x)}, (x,), (t,))
    for o in out:
        assert isinstance(o, dict) and set(o) == {"x", "xsum"}

    def composite(x):
        s = gnp.sum(x)
        return [(s, {"a": x, "out": [x, s]})]

    out = ad.jvp(composite, (x,), (t,))
    for o in out:
        assert isinstance(o, list) and isinstance(o[0], tuple) and isinstance(o[0][1], dict)
    _close(out[1][0][1]["out"][1], t.sum())


def test_jvp_aux(backend, rng):
    # test_aux_tensor, test_aux_pytree
    x, t = _rand(rng, 3), _rand(rng, 3)
    with pytest.raises(TypeError, match="pair"):
        ad.jvp(lambda t: (t, t + 2, t + 3), (x,), (t,), has_aux=True)
    out, jvp_out, aux = ad.jvp(lambda z: (gnp.sin(z), gnp.cos(z)), (x,), (t,), has_aux=True)
    _close((out, jvp_out, aux), (np.sin(x), t * np.cos(x), np.cos(x)))
    out, jvp_out, aux = ad.jvp(lambda x: (gnp.sin(x), {"a": gnp.cos(x), "b": [gnp.tan(x)]}),
                               (x,), (t,), has_aux=True)
    _close((out, jvp_out), (np.sin(x), t * np.cos(x)))
    _close(aux, {"a": np.cos(x), "b": [np.tan(x)]})
    # a list pair works as for grad and vjp (and JAX)
    out, jvp_out, aux = ad.jvp(lambda z: [gnp.sin(z), gnp.cos(z)], (x,), (t,), has_aux=True)
    _close((out, jvp_out, aux), (np.sin(x), t * np.cos(x), np.cos(x)))


def test_jvp_nested_with_stop_gradient(backend):
    # test_disable_fwd_grad_inside: a value computed without tangents is a constant
    def f(x):
        shift = ad.stop_gradient(x ** 2)
        return x ** 2 - shift

    t = np.array(1.0)
    _close(ad.jvp(f, (X0,), (t,))[1], 2 * X0)
    _close(ad.jvp(lambda x: ad.jvp(f, (x,), (t,))[1], (X0,), (t,))[1], np.array(2.0))


def test_jvp_inside_custom_vjp(backend):
    # test_jvp_inside_autograd_function: jvp in the forward and the backward of a custom rule
    @ad.custom_vjp
    def my_sin(x):
        _, neg_sin = ad.jvp(gnp.cos, (x,), (gnp.ones_like(x),))
        return -neg_sin

    def fwd(x):
        return my_sin(x), x

    def bwd(x, g):
        _, cos_x = ad.jvp(gnp.sin, (x,), (gnp.ones_like(x),))
        return (g * cos_x,)

    my_sin.defvjp(fwd, bwd)
    _close(my_sin(X0), np.sin(X0))
    _close(ad.grad(my_sin)(X0), np.cos(X0))


def test_vmap_vmap_jvp_cov(backend, rng):
    # test_zerotensor_vmapjvp_interaction: jvp of cov under two vmaps, one level unused
    dummy = np.ones((4, 1))
    x = _rand(rng, 4, 2)
    x_t = _rand(rng, 2)

    def push_jvp(dummy, x):
        return ad.jvp(gnp.cov, (x,), (x_t,))

    out, tan = ad.vmap(ad.vmap(push_jvp, (0, None)))(dummy, x)
    assert _h(out).shape == (4, 1) and _h(tan).shape == (4, 1)
    # cov of a length-2 sample is (a - b)^2 / 2; its tangent (a - b)(ta - tb)
    d = x[:, 0] - x[:, 1]
    _close(out, np.broadcast_to((d ** 2 / 2)[:, None], (4, 1)))
    _close(tan, np.broadcast_to((d * (x_t[0] - x_t[1]))[:, None], (4, 1)))


# ==== TestLinearize ============================================================================

def test_linearize(backend, rng):
    # test_linearize_basic, test_linearize_return, test_linearize_composition_vmap,
    # test_linearize_composition_grad, test_linearize_nested_input_nested_output
    x_p, x_t = _rand(rng, 3, 1), _rand(rng, 3, 1)
    out, jvp_fn = ad.linearize(gnp.cos, x_p)
    _close((out, jvp_fn(x_t)), ad.jvp(gnp.cos, (x_p,), (x_t,)))
    _close(jvp_fn(x_t), -np.sin(x_p) * x_t)

    def fn(x):
        return gnp.cos(x), gnp.sum(x)

    out, jvp_fn = ad.linearize(fn, x_p)
    _close((out, jvp_fn(x_t)), ad.jvp(fn, (x_p,), (x_t,)))

    x_ts = _rand(rng, 3, 3, 1)
    batched = ad.vmap(jvp_fn)(x_ts)
    _close(batched, ad.vmap(lambda t: ad.jvp(fn, (x_p,), (t,))[1])(x_ts))
    _close(batched, (-np.sin(x_p)[None] * x_ts, x_ts.sum((1, 2))))

    x3, t3 = _rand(rng, 3), _rand(rng, 3)

    def fn2(x):
        z = gnp.ones(3)
        return ad.grad(lambda x: z @ x)(x)

    _, jvp_fn = ad.linearize(fn2, x3)
    _close(jvp_fn(t3), np.zeros(3))

    ps = [_rand(rng, 3, 1) for _ in range(6)]

    def fn3(arg):
        x, (y, z) = arg["x"], arg["yz"]
        return {"a": gnp.sum(x), "b": {"c": y + z, "d": (x * z, gnp.exp(y))}}

    inp_p = {"x": ps[0], "yz": (ps[1], ps[2])}
    inp_t = {"x": ps[3], "yz": (ps[4], ps[5])}
    out, jvp_fn = ad.linearize(fn3, inp_p)
    _close((out, jvp_fn(inp_t)), ad.jvp(fn3, (inp_p,), (inp_t,)))


def test_linearize_errors(backend, rng):
    # test_linearize_errors: a tangent of the wrong structure, shape or dtype is refused
    x_p = _rand(rng, 3, 1)
    _, jvp_fn = ad.linearize(gnp.sin, x_p)
    with pytest.raises(TypeError, match="1 tangents"):
        jvp_fn(x_p, x_p)
    with pytest.raises(ValueError, match="shape"):
        jvp_fn(x_p[None])
    # a float32 tangent for a float64 primal is promoted (torch and JAX refuse it)
    _close(jvp_fn(x_p.astype(np.float32)), np.cos(x_p) * x_p.astype(np.float32), tol=1e-6)


# ==== TestComposability ========================================================================

def test_composability(backend, rng):
    # test_grad_vmap, test_grad_vjp, test_vmap_grad, test_vmap_vmap, test_vmap_vjp,
    # test_vjp_grad, test_vjp_vmap, test_vjp_vjp
    x = _rand(rng, 3)
    _close(ad.grad(lambda x: gnp.sum(ad.vmap(gnp.sin)(x)))(x), np.cos(x))

    def foo(x):
        _, vjp_fn = ad.vjp(gnp.sin, x)
        return gnp.sum(vjp_fn(x)[0])

    _close(ad.grad(foo)(x), np.cos(x) - x * np.sin(x))
    _close(ad.vmap(ad.grad(gnp.sin))(x), np.cos(x))
    x2 = _rand(rng, 2, 3)
    _close(ad.vmap(ad.vmap(gnp.sin))(x2), np.sin(x2))

    _, vjp_fn = ad.vjp(gnp.sin, x)

    def foo2(x):
        _, vjp_fn = ad.vjp(gnp.sin, x)
        return vjp_fn(x)

    _close(ad.vmap(foo2)(x), vjp_fn(x))
    xs = _rand(rng, 5, 3)
    _close(ad.vmap(lambda v: vjp_fn(v)[0])(xs), np.cos(x) * xs)

    y, vjp_fn = ad.vjp(ad.grad(gnp.sin), X0)
    _close(y, np.cos(X0))
    v = np.array(0.9)
    _close(vjp_fn(v)[0], -np.sin(X0) * v)

    y, vjp_fn = ad.vjp(ad.vmap(gnp.sin), x)
    _close(y, np.sin(x))
    v = _rand(rng, 3)
    _close(vjp_fn(v)[0], np.cos(x) * v)

    y, vjp_fn = ad.vjp(gnp.sin, x)
    y2, vjp_fn2 = ad.vjp(lambda x: vjp_fn(x)[0], x)
    _close(y2, x * np.cos(x))
    # the inner vjp_fn is linear in its cotangent: the outer vjp is cos(x) * v
    _close(vjp_fn2(v)[0], np.cos(x) * v)


def test_requires_grad_inside_transform(backend, rng):
    # test_requires_grad_inside_transform, test_retain_grad_inside_transform: torch raises;
    # in gpuad a Tensor made inside the function with requires_grad=True is a new leaf that
    # the transform does not differentiate, and .backward() inside vmap raises
    x = _rand(rng, 3)

    def f(x):
        w = ad.tensor(np.ones(3), requires_grad=True)
        return gnp.sum(gnp.sin(x) * w)

    _close(ad.grad(f)(x), np.cos(x))
    _close(ad.vmap(ad.grad(lambda x: gnp.sin(x) * ad.tensor(1.0, requires_grad=True)))(x),
           np.cos(x))

    def g(x):
        y = gnp.sum(ad.tensor(np.ones(3), requires_grad=True) * x)
        y.backward()
        return x

    with pytest.raises(Exception, match="vmap"):
        ad.vmap(g)(_rand(rng, 2, 3))


# ==== TestExamplesCorrectness ==================================================================

def _mlp(params, x):
    for i, (w, b) in enumerate(params):
        x = F.linear(x, w, b)
        if i < len(params) - 1:
            x = F.relu(x)
    return x


def _init(rng, sizes):
    return [(_rand(rng, o, i) / np.sqrt(i), 0.1 * _rand(rng, o)) for i, o in
            zip(sizes[:-1], sizes[1:], strict=True)]


def test_maml_regression(backend, rng):
    # test_maml_regression: vmap over tasks of a loss after one inner grad step; the
    # gradient of the mean task loss equals the loop over tasks
    params = _init(rng, [1, 8, 8, 1])
    tasks, K, alpha = 3, 4, 0.1
    x1, y1 = rng.uniform(-5, 5, (tasks, K, 1)), rng.uniform(-0.5, 0.5, (tasks, K, 1))
    x2, y2 = rng.uniform(-5, 5, (tasks, K, 1)), rng.uniform(-0.5, 0.5, (tasks, K, 1))

    def mse(a, b):
        return gnp.mean((a - b) ** 2)

    def task_loss(params, x1, y1, x2, y2):
        g = ad.grad(lambda p: mse(_mlp(p, x1), y1))(params)
        new = [(w - alpha * gw, b - alpha * gb) for (w, b), (gw, gb) in
               zip(params, g, strict=True)]
        return mse(_mlp(new, x2), y2)

    def outer_vmap(params):
        return gnp.mean(ad.vmap(task_loss, (None, 0, 0, 0, 0))(params, x1, y1, x2, y2))

    def outer_loop(params):
        return sum(task_loss(params, x1[i], y1[i], x2[i], y2[i]) for i in range(tasks)) / tasks

    _close(ad.grad(outer_vmap)(params), ad.grad(outer_loop)(params), tol=1e-9)


@needs_torch
def test_maml_regression_matches_torch(backend, rng):
    import torch

    params = _init(rng, [1, 4, 1])
    x1, y1 = rng.uniform(-5, 5, (2, 3, 1)), rng.uniform(-0.5, 0.5, (2, 3, 1))
    x2, y2 = rng.uniform(-5, 5, (2, 3, 1)), rng.uniform(-0.5, 0.5, (2, 3, 1))

    def net_t(p, x):
        h = torch.relu(x @ p[0][0].T + p[0][1])
        return h @ p[1][0].T + p[1][1]

    def task_t(p, a, b, c, d):
        g = torch.func.grad(lambda p: ((net_t(p, a) - b) ** 2).mean())(p)
        new = [(w - 0.1 * gw, bb - 0.1 * gb) for (w, bb), (gw, gb) in zip(p, g, strict=True)]
        return ((net_t(new, c) - d) ** 2).mean()

    def task_g(p, a, b, c, d):
        g = ad.grad(lambda p: gnp.mean((_mlp(p, a) - b) ** 2))(p)
        new = [(w - 0.1 * gw, bb - 0.1 * gb) for (w, bb), (gw, gb) in zip(p, g, strict=True)]
        return gnp.mean((_mlp(new, c) - d) ** 2)

    data = (x1, y1, x2, y2)
    expected = torch.func.grad(
        lambda p: torch.func.vmap(task_t, (None, 0, 0, 0, 0))(p, *_tt(data)).mean())(
        _tt(params))
    got = ad.grad(lambda p: gnp.mean(ad.vmap(task_g, (None, 0, 0, 0, 0))(p, *data)))(params)
    _close(got, [tuple(e) for e in expected], tol=1e-9)


@pytest.mark.parametrize("jac", [ad.jacrev, ad.jacfwd], ids=["jacrev", "jacfwd"])
def test_lennard_jones_batched_jac(backend, rng, jac):
    # test_lennard_jones_batched_jac: forces from vmap(jac(model)) inside a loss, differentiated
    # with respect to the model's parameters; against per-point jacobians in a loop
    params = [(_rand(rng, 4, 1), _rand(rng, 4)), (_rand(rng, 4, 4) / 2, _rand(rng, 4)),
              (_rand(rng, 1, 4) / 2, _rand(rng, 1))]
    r = np.linspace(0.5, 1.0, 6)
    drs = np.outer(r, [1.0, 0.0, 0.0])
    e_true = 4.0 * ((0.5 / r) ** 12 - (0.5 / r) ** 6)[:, None]
    f_true = (-4.0 * (-12 * 0.5 ** 12 / r ** 13 + 6 * 0.5 ** 6 / r ** 7))[:, None] * drs
    drs, e_true, f_true = (ad.get_backend().xp.asarray(a) for a in (drs, e_true, f_true))

    def model(p, x):
        for i, (w, b) in enumerate(p):
            x = F.linear(x, w, b)
            if i < len(p) - 1:
                x = gnp.tanh(x)
        return x

    def loss(p, batched):
        norms = gnp.reshape(gnp.linalg.norm(drs, axis=1), (-1, 1))
        energies = model(p, norms)
        if batched:
            derivs = gnp.squeeze(ad.vmap(jac(lambda n: model(p, n)))(norms), -1)
        else:
            derivs = gnp.concatenate([jac(lambda n: model(p, n))(norms[i])
                                      for i in range(len(r))])
        forces = -derivs * drs / norms
        return gnp.mean((energies - e_true) ** 2) + 0.01 * gnp.mean((forces - f_true) ** 2) / 3

    _close(ad.grad(lambda p: loss(p, True))(params), ad.grad(lambda p: loss(p, False))(params),
           tol=1e-9)
    check_grads(lambda p: loss(p, True), (params,), order=1, modes=("rev",))


def test_ensemble_regression(backend, rng):
    # test_ensemble_regression: vmap over stacked model weights of one training step
    # (value_and_grad, then an update); equals the loop over models
    xp = ad.get_backend().xp
    points, labels = xp.asarray(_rand(rng, 6, 2)), xp.asarray(rng.integers(0, 2, 6))
    stacked = [(xp.asarray(_rand(rng, 2, o, i)), xp.asarray(_rand(rng, 2, o)))
               for i, o in ((2, 3), (3, 2))]

    def loss(w, x, t):
        from gpuad.scipy.special import log_softmax

        out = log_softmax(_mlp(w, x), axis=-1)
        return -gnp.mean(gnp.take_along_axis(out, t[:, None], 1))

    def step(w, x, t):
        value, g = ad.value_and_grad(loss)(w, x, t)
        return value, [(a - 0.2 * ga, b - 0.2 * gb) for (a, b), (ga, gb) in
                       zip(w, g, strict=True)]

    res_loss, res_w = ad.vmap(step, (0, None, None))(stacked, points, labels)
    per = [step([(a[i], b[i]) for a, b in stacked], points, labels) for i in range(2)]
    _close(res_loss, np.stack([_h(p[0]) for p in per]))
    _close(res_w, [tuple(np.stack([_h(p[1][k][j]) for p in per]) for j in range(2))
                   for k in range(2)])


def test_find_learning_rate_ensembling_same_randomness(backend, rng):
    # test_find_learning_rate_ensembling: vmap(randomness="same") over learning rates with
    # dropout inside: every model sees the same dropout mask, so the losses are equal and the
    # updated weights differ
    xp = ad.get_backend().xp
    points, labels = xp.asarray(_rand(rng, 8, 4)), xp.asarray(rng.integers(0, 2, 8))
    w0 = _init(rng, [4, 5, 2])
    batched = [(np.stack([w, w]), np.stack([b, b])) for w, b in w0]

    def step(w, x, t, lr):
        def loss(w):
            from gpuad.scipy.special import log_softmax

            h = F.dropout(x, 0.5, training=True)
            out = log_softmax(_mlp(w, h), axis=-1)
            return -gnp.mean(gnp.take_along_axis(out, t[:, None], 1))

        value, g = ad.value_and_grad(loss)(w)
        return value, [(a - lr * ga, b - lr * gb) for (a, b), (ga, gb) in
                       zip(w, g, strict=True)]

    losses, new_w = ad.vmap(step, (0, None, None, 0), randomness="same")(
        batched, points, labels, np.array([0.2, 0.4]))
    losses = _h(losses)
    assert losses[0] == losses[1]
    assert not np.allclose(_h(new_w[0][0])[0], _h(new_w[0][0])[1])
    # and the step of the larger rate moved twice as far
    _close(_h(new_w[0][0])[1] - w0[0][0], 2 * (_h(new_w[0][0])[0] - w0[0][0]))


# ==== TestHigherOrderOperatorInteraction =======================================================

def _mysum():
    """A user-defined operator (torch's sum_pyop): a custom_op with a raw-array kernel, its own
    vjp and a gpuad.numpy composite for higher orders; its axis is a plain argument."""
    def vjp(saved, g):
        x, dim = saved["inputs"]
        xp = ad.get_backend().xp
        return (xp.broadcast_to(xp.expand_dims(g, dim), x.shape).copy(), None)

    return ad.custom_op(lambda x, dim: x.sum(dim), vjp,
                        composite=lambda x, dim: gnp.sum(x, dim), name="mysum")


@pytest.mark.filterwarnings("ignore::gpuad.batching.BatchingWarning")
def test_user_operator_with_transforms(backend, rng):
    # test_basic_sum, test_vmap_sum, test_grad_sum, test_grad_grad_sum, test_vmap_grad_sum,
    # test_no_grad_outside_grad, test_no_grad_inside_grad
    mysum = _mysum()
    x = _rand(rng, 2, 3, 4)
    _close(mysum(x, 1), x.sum(1))
    _close(ad.vmap(mysum, (0, None))(x, 0), x.sum(1))
    _close(ad.vmap(ad.vmap(mysum, (0, None)), (0, None))(x, 0), x.sum(2))
    x3 = _rand(rng, 3)
    _close(ad.grad(mysum)(x3, 0), np.ones(3))
    ggx = ad.grad(lambda x: gnp.sum(ad.grad(lambda x: mysum(gnp.sin(x), 0))(x)))(x3)
    _close(ggx, -np.sin(x3))
    _close(ad.vmap(ad.grad(mysum), (0, None))(x[0], 0), np.ones((3, 4)))
    t = ad.tensor(x3, requires_grad=True)
    with ad.no_grad():
        y = ad.grad(mysum)(t, 0)
    assert not isinstance(y, ad.Tensor)
    _close(y, np.ones(3))

    def f(x):
        with ad.no_grad():
            shift = mysum(x ** 2, 0)
        return mysum(x ** 2, 0) - shift

    _close(ad.grad(f)(x3), 2 * x3)
    _close(ad.grad(lambda x: gnp.sum(ad.grad(f)(x)))(x3), np.full(3, 2.0))
    t = ad.tensor(x3, requires_grad=True)
    gnp.sum(ad.grad(f)(t)).backward()
    _close(_plain(t.grad), np.full(3, 2.0))
    check_grads(lambda x: mysum(gnp.sin(x) * x, 1), (x,), order=2)


# ==== TestCompileTransforms ====================================================================

def test_jit_vmap_hessian_with_aux(backend, rng):
    # test_compile_vmap_hessian: vmap of jacfwd(jacrev(predict, has_aux), has_aux) over a
    # batch of inputs, compiled (gpuad.jit) and eager, against the closed form
    D, B = 2, 4
    x = _rand(rng, B, D)
    params = {"w": _rand(rng, D, D), "b": _rand(rng, D)}

    def predict(params, x):
        out = F.relu(F.linear(x, params["w"], params["b"]))
        return out, out

    fn = ad.vmap(ad.jacfwd(ad.jacrev(predict, argnums=1, has_aux=True), argnums=1,
                           has_aux=True), in_axes=(None, 0))
    (hess, aux) = fn(params, x)
    pre = x @ params["w"].T + params["b"]
    _close(aux, np.maximum(pre, 0))
    _close(hess, np.zeros((B, D, D, D)))  # piecewise linear: no curvature
    jac, aux2 = ad.vmap(ad.jacrev(predict, argnums=1, has_aux=True), in_axes=(None, 0))(
        params, x)
    _close(aux2, aux)
    _close(jac, (pre > 0)[:, :, None] * params["w"][None])
    compiled = ad.jit(fn)
    for _ in range(2):
        _close(compiled(params, x), (hess, aux))

    def predict_tanh(params, x):  # the same with curvature
        out = gnp.tanh(F.linear(x, params["w"], params["b"]))
        return out, out

    fn = ad.jit(ad.vmap(ad.jacfwd(ad.jacrev(predict_tanh, argnums=1, has_aux=True),
                                  argnums=1, has_aux=True), in_axes=(None, 0)))
    th = np.tanh(pre)
    w = params["w"]
    expected = (-2 * th * (1 - th ** 2))[:, :, None, None] * w[None, :, :, None] * \
        w[None, :, None, :]
    _close(fn(params, x), (expected, th))


# ==== TestVmapJvpInplaceView ===================================================================

def test_vmap_jvp_inplace_into_arguments(backend, rng):
    # test_all_dual_no_view, test_all_dual_base_view_inplace, test_all_dual_base_inplace: the
    # function writes into its (batched) arguments. torch writes through to the caller's
    # tensors; gpuad's vmap arguments are read-only: a clear error, the caller's arrays intact
    B = 2

    def push_jvp(f):
        return lambda x, xt, y, yt: ad.jvp(f, (x, y), (xt, yt))

    def f1(x, y):
        x[...] = y
        return x

    def f2(x, y):
        view = x[:, ::2]
        view[...] = y
        return view, x

    def f3(x, y):
        view = x[0, ::2]
        x[...] = y
        return x, view

    x, xt, y, yt = (_rand(rng, 3, B) for _ in range(4))
    x0 = x.copy()
    with pytest.raises(TypeError, match="argument of the vmapped function"):
        ad.vmap(push_jvp(f1), in_axes=1)(x, xt, y, yt)
    x, xt, y, yt = _rand(rng, 2, 6, B), _rand(rng, 2, 6, B), _rand(rng, 2, B, 3), \
        _rand(rng, 2, B, 3)
    with pytest.raises(TypeError, match="argument of the vmapped function"):
        ad.vmap(push_jvp(f2), in_axes=(2, 2, 1, 1))(x, xt, y, yt)
    x, xt, y, yt = _rand(rng, 2, B, 6), _rand(rng, 2, 6, B), _rand(rng, 2, B, 6), \
        _rand(rng, 2, B, 6)
    with pytest.raises(TypeError, match="argument of the vmapped function"):
        ad.vmap(push_jvp(f3), in_axes=(1, 2, 1, 1))(x, xt, y, yt)
    assert x0.shape == (3, B)
    # outside vmap jvp writes through to the caller's array (one of the active backend: a
    # NumPy array given on the GPU backend is copied to the device), as torch's does
    a = ad.get_backend().xp.ones(3)
    out, tan = ad.jvp(f1, (a, np.zeros(3)), (np.ones(3), np.full(3, 2.0)))
    _close((out, tan), (np.zeros(3), np.full(3, 2.0)))
    _close(a, np.zeros(3))


def test_vmap_jvp_inplace_view_of_copy(backend, rng):
    # test_right_dual_view_prop, test_right_dual_base_prop: writes into a copy made inside,
    # through a view (the base sees it) and into the base (the view sees it)
    B = 2

    def f4(x, y):
        x = gnp.copy(x)
        view = x[0]
        view[...] = y
        return view, x

    x, y, yt = _rand(rng, 2, B, 6), _rand(rng, 6, B), _rand(rng, 6, B)
    outs, tans = ad.vmap(lambda x, y, yt: ad.jvp(functools.partial(f4, x), (y,), (yt,)),
                         in_axes=(1, 1, 1))(x, y, yt)
    exp_base = x.transpose(1, 0, 2).copy()
    exp_base[:, 0] = y.T
    exp_tan = np.zeros((B, 2, 6))
    exp_tan[:, 0] = yt.T
    _close((outs, tans), ((y.T, exp_base), (yt.T, exp_tan)))

    def f5(x, y):
        x = gnp.copy(x)
        view = x[0]
        x[...] = y
        return view, x

    x, y, yt = _rand(rng, 2, B, 6), _rand(rng, 2, 6, B), _rand(rng, 2, 6, B)
    outs, tans = ad.vmap(lambda x, y, yt: ad.jvp(functools.partial(f5, x), (y,), (yt,)),
                         in_axes=(1, 2, 2))(x, y, yt)
    ym, ytm = y.transpose(2, 0, 1), yt.transpose(2, 0, 1)
    _close((outs, tans), ((ym[:, 0], ym), (ytm[:, 0], ytm)))


# ==== transforms inside a checkpointed block ===================================================
# (found with the no_grad ports above: a checkpointed block first runs unrecorded, as under
# no_grad; a grad or vjp inside it gave a zero gradient of the block)

def test_transforms_inside_checkpoint(backend):
    x = np.array([0.3, 0.7])

    def with_grad(x):
        return gnp.sum(ad.grad(lambda y: gnp.sum(gnp.sin(y) * y * x))(x) ** 2)

    def with_vjp(x):
        y, back = ad.vjp(lambda y: gnp.sin(y) * x, x)
        return gnp.sum(back(gnp.cos(x))[0] * y)

    def with_hessian(x):
        return gnp.sum(ad.hessian(lambda y: gnp.sum(gnp.sin(y) ** 3 * x))(x))

    def with_vmap(x):  # vmap's entry into a batch was not seen as a read of the block
        return gnp.sum(ad.vmap(lambda y: gnp.sin(y) ** 2)(x[:, None] * x))

    def with_vmap_grad(x):
        return gnp.sum(ad.vmap(ad.grad(lambda y: gnp.sum(gnp.sin(y) ** 2)))(x[:, None] * x) ** 2)

    for f in (with_grad, with_vjp, with_hessian, with_vmap, with_vmap_grad):
        _close(ad.grad(ad.checkpoint(f))(x), ad.grad(f)(x))
        _close(ad.vjp(ad.checkpoint(f), x)[1](np.array(1.0)), (ad.grad(f)(x),))
        check_grads(ad.checkpoint(f), (x,), order=1, modes=("rev",))
    check_grads(ad.checkpoint(with_grad), (x,), order=2)
    _close(ad.jit(ad.grad(ad.checkpoint(with_grad)))(x), ad.grad(with_grad)(x))

    # a tracked value closed over by the block and read only inside its inner grad
    w = ad.tensor(np.array([1.5, -0.5]), requires_grad=True)

    def closed(x):
        return gnp.sum(ad.grad(lambda y: gnp.sum(gnp.sin(y * w)))(x) * w)

    grads = []
    for f in (closed, ad.checkpoint(closed)):
        w.grad = None
        xx = ad.tensor(x, requires_grad=True)
        f(xx).backward()
        grads.append((_plain(xx.grad), _plain(w.grad)))
    _close(grads[1], grads[0])
