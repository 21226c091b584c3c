"""Regressions found by porting the rest of JAX's ``tests/api_test.py``
(tests/conformance/test_jax_api_gaps.py): values derived by hand, no JAX here."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from tests.conftest import to_numpy


def test_jit_takes_a_dtype_class_as_an_argument(backend):
    # np.float32 has a "dtype" attribute (a descriptor): jit's post-trace check took the
    # class for an array and failed with AttributeError: 'getset_descriptor' ... 'kind'
    f = ad.jit(lambda x, d: x.astype(d) * 2)
    out = f(np.arange(3.0), np.float32)
    assert to_numpy(out).dtype == np.float32
    np.testing.assert_array_equal(to_numpy(out), [0.0, 2.0, 4.0])
    assert ad.jit(lambda t: t)(np.int32) is np.int32
    g = ad.grad(ad.jit(lambda x, d: (x * 3).astype(d).sum()))(np.ones(2), np.float64)
    np.testing.assert_array_equal(to_numpy(g), [3.0, 3.0])


def test_eval_shape_of_a_dict_with_shape_and_dtype_attributes(backend):
    # JAX's test_eval_shape_duck_typing2: such a dict stands for one array (JAX does not
    # flatten unregistered dict subclasses); gpuad returned a dict of its entries' shapes
    class EasyDict(dict):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.__dict__ = self

    out = ad.eval_shape(lambda x: x * 2, EasyDict(shape=(3,), dtype=np.dtype("float32")))
    assert isinstance(out, ad.ShapeDtypeStruct)
    assert out.shape == (3,) and out.dtype == np.float32
    # plain dicts (and dicts of ShapeDtypeStructs) are still containers
    out = ad.eval_shape(lambda d: d["a"] + 1, {"a": ad.ShapeDtypeStruct((2, 4), "float64")})
    assert out.shape == (2, 4)


@pytest.mark.parametrize("tangent", [1, 1.0, np.float64(1.0), np.ones((), np.float16)])
def test_jvp_tangent_takes_the_primal_dtype(backend, tangent):
    # the tangent of the identity came back with the tangent's dtype (an int tangent gave an
    # int64 derivative of a float function); the tangent space is the primal's
    x = np.float32(2.0)
    for f in (lambda v: v, lambda v: v.reshape(()), lambda v: v * 3):
        y, t = ad.jvp(f, (x,), (tangent,))
        assert to_numpy(t).dtype == np.float32
    _, t = ad.jvp(lambda v: v, (2.0,), (1,))
    assert to_numpy(t).dtype == np.float64 and float(to_numpy(t)) == 1.0
    _, f_jvp = ad.linearize(lambda v: v, np.float32(2.0))
    assert to_numpy(f_jvp(1)).dtype == np.float32
    # a real tangent of a complex primal is a complex tangent
    _, t = ad.jvp(lambda z: z, (np.ones(2) + 1j,), (np.ones(2),))
    assert to_numpy(t).dtype == np.complex128
    # the cast is differentiable: d/dt of sum(sin(x) * t) is sin(x), cast back to float64
    g = ad.grad(lambda t: ad.jvp(gnp.sin, (np.full(2, 0.5, np.float32),), (t,))[1].sum())(
        np.ones(2))
    np.testing.assert_allclose(to_numpy(g), np.cos(np.float32(0.5)), rtol=1e-6)
    assert to_numpy(g).dtype == np.float64


def test_vjp_function_called_with_several_cotangents_names_the_fix(backend):
    def pair(x):
        return x, 2 * x

    _, f_vjp = ad.vjp(pair, 1.5)
    with pytest.raises(TypeError, match=r"vjp of pair takes one cotangent.*2 arguments"):
        f_vjp(1.0, 1.0)
    (g,) = f_vjp((1.0, 1.0))  # 1 + 2
    assert float(to_numpy(g)) == 3.0


def _div(r, x):
    return x / r


def test_custom_transpose_uses_its_rule_and_the_rule_of_its_rule(backend):
    # jax.custom_transpose was missing: f(out_types, res, lin) = fun(res, lin), transposed by
    # the rule given to def_transpose; a rule that is a custom_transpose has its own rule
    y = np.full(2, 3.0)
    fn = ad.custom_transpose(_div)
    fn.def_transpose(lambda r, t: t / (2.0 * r))  # deliberately not the true transpose
    x = np.full(2, 6.0)
    np.testing.assert_allclose(to_numpy(fn(None, y, x)), 2.0)
    (xt,) = ad.linear_transpose(lambda v: v + fn(None, y, v), x)(x)
    np.testing.assert_allclose(to_numpy(xt), 6.0 + 6.0 / 6.0)
    g = ad.grad(lambda v: (v + fn(None, y, v)).sum())(x)
    np.testing.assert_allclose(to_numpy(g), 1.0 + 1.0 / 6.0)

    def T(f):
        return lambda z: ad.linear_transpose(f, 0.0)(z)[0]

    f = ad.custom_transpose.custom_transpose(lambda _, z: 2.0 * z)  # JAX's module path
    ft = ad.custom_transpose(lambda _, z: 3.0 * z)
    f.def_transpose(lambda r, z: ft(None, r, z))
    ft.def_transpose(lambda _, z: 7.0 * z)
    f1 = lambda z: f(None, (), z)  # noqa: E731
    assert [float(to_numpy(F(1.0))) for F in (f1, T(f1), T(T(f1)), T(T(T(f1))))] == \
        [2.0, 3.0, 7.0, 7.0]
    # a rule that calls the function again with a shifted residual: c, c + 1, c + 2, ...
    r = ad.custom_transpose(lambda c, z: c * z)
    r.def_transpose(lambda c, z: r(None, c + 1.0, z))
    r1 = lambda z: r(None, 1.0, z)  # noqa: E731
    assert [float(to_numpy(F(1.0))) for F in (r1, T(r1), T(T(r1)))] == [1.0, 2.0, 3.0]


def test_custom_transpose_without_a_rule_raises(backend):
    f = ad.custom_transpose(lambda _, z: 2.0 * z)
    with pytest.raises(AttributeError, match="No transpose rule defined for custom_transpose"):
        f(None, (), 1.0)
    f.def_transpose(lambda _, z: [z, z])  # the wrong structure
    with pytest.raises(TypeError, match="structure of linear_args"):
        ad.linear_transpose(lambda z: f(None, (), z), 1.0)(1.0)


def test_jax_only_names_say_what_to_use():
    with pytest.raises(AttributeError, match="custom_vmap.*gpuad.custom_batching"):
        ad.custom_vmap  # noqa: B018
    with pytest.raises(AttributeError, match="devices.*one device.*get_backend"):
        ad.devices  # noqa: B018
    with pytest.raises(AttributeError, match="no tracer-leak checker"):
        ad.checking_leaks  # noqa: B018


def test_custom_vmap_runs_its_rule_for_the_batch(backend):
    # jax.custom_batching was missing; the rule (cos for a function sin) runs once with the
    # whole batch and its derivatives are the rule's
    from gpuad.custom_batching import custom_vmap, sequential_vmap
    calls = []

    @custom_vmap
    def f(x):
        return gnp.sin(x)

    @f.def_vmap
    def rule(axis_size, in_batched, xs):
        calls.append((axis_size, in_batched))
        return gnp.cos(xs), in_batched[0]
    xs = np.array([0.0, 0.5, 1.0])
    assert float(to_numpy(f(0.5))) == pytest.approx(np.sin(0.5))
    np.testing.assert_allclose(to_numpy(ad.vmap(f)(xs)), np.cos(xs))
    assert calls == [(3, [True])]
    np.testing.assert_allclose(to_numpy(ad.grad(lambda x: ad.vmap(f)(x).sum())(xs)), -np.sin(xs))
    _, t = ad.jvp(ad.vmap(f), (xs,), (np.full(3, 2.0),))
    np.testing.assert_allclose(to_numpy(t), -2.0 * np.sin(xs))
    # a second argument not batched; the inner of two vmaps runs the rule
    g = custom_vmap(lambda x, y: x * y)
    g.def_vmap(lambda n, b, x, y: (x * y + n, True))
    np.testing.assert_allclose(to_numpy(ad.vmap(g, in_axes=(0, None))(xs, 2.0)), 2 * xs + 3)
    out = ad.vmap(ad.vmap(g, in_axes=(0, None)), in_axes=(0, None))(np.ones((2, 3)), 1.0)
    np.testing.assert_allclose(to_numpy(out), np.full((2, 3), 4.0))
    with pytest.raises(ValueError, match="output batching specification"):
        bad = custom_vmap(lambda x: x)
        bad.def_vmap(lambda n, b, x: ((x, x), b))
        ad.vmap(bad)(xs)
    seq = sequential_vmap(lambda x, y: gnp.sin(x) + 2 * y)
    np.testing.assert_allclose(to_numpy(ad.vmap(seq, in_axes=(0, None))(xs, 1.0)),
                               np.sin(xs) + 2)
    np.testing.assert_allclose(
        to_numpy(ad.grad(lambda x: ad.vmap(seq, in_axes=(0, None))(x, 1.0).sum())(xs)),
        np.cos(xs))


def test_shape_dtype_struct_update():
    # jax.ShapeDtypeStruct.update was missing (AttributeError)
    s = ad.ShapeDtypeStruct((2,), "float32")
    assert s.update(shape=(3, 4)) == ad.ShapeDtypeStruct((3, 4), np.float32)
    assert s.update(dtype="int8").dtype == np.int8 and s.update(dtype="int8").shape == (2,)
    assert s.update() == s and s.shape == (2,)
    with pytest.raises(TypeError, match="unexpected keyword"):
        s.update(size=3)


def test_linear_transpose_of_a_linear_transpose(backend):
    # the transpose of a transpose raised NonLinearError (the zero guard of the inner
    # backward sweep was not known to be linear); (A^T)^T = A, and 3 x transposes to 3 y
    A = np.arange(6.0).reshape(2, 3)

    def T(f, x):
        return lambda y: ad.linear_transpose(f, x)(y)[0]
    f = lambda x: gnp.matmul(A, x)  # noqa: E731
    ft = T(f, np.zeros(3))
    np.testing.assert_allclose(to_numpy(ft(np.ones(2))), A.T @ np.ones(2))
    ftt = T(ft, np.zeros(2))
    np.testing.assert_allclose(to_numpy(ftt(np.array([1.0, -1.0, 2.0]))),
                               A @ np.array([1.0, -1.0, 2.0]))
    g = lambda x: 3.0 * x - x / 2  # noqa: E731
    gs = [g]
    for _ in range(3):
        gs.append(T(gs[-1], 0.0))
    assert [float(to_numpy(h(1.0))) for h in gs] == [2.5] * 4
    # a product of the inner transpose with the input is still refused
    with pytest.raises(ad.NonLinearError):
        T(lambda y: ad.linear_transpose(lambda x: 3.0 * x, 0.0)(y)[0] * y, 0.0)(1.0)


def test_custom_transpose_forward_mode(backend):
    # forward mode in the linear argument is fun applied to the tangent (not the transpose
    # rule); in the residual alone, fun differentiated as written
    fn = ad.custom_transpose(lambda r, x: x / r)
    fn.def_transpose(lambda r, t: t / (2.0 * r))  # deliberately untrue: must not be used
    y, t = ad.jvp(lambda v: v + fn(None, 3.0, v), (6.0,), (1.0,))
    assert float(to_numpy(y)) == 8.0 and float(to_numpy(t)) == pytest.approx(1 + 1 / 3)
    g = ad.grad(lambda r: fn(None, r, 6.0))(3.0)  # d(6 / r)/dr = -6 / 9
    assert float(to_numpy(g)) == pytest.approx(-6 / 9)
    jac = ad.jacfwd(lambda v: fn(None, np.array([2.0, 4.0]), v))(np.ones(2))
    np.testing.assert_allclose(to_numpy(jac), np.diag([0.5, 0.25]))
    # reverse mode still uses the rule: 1 / (2 r)
    gx = ad.grad(lambda v: fn(None, 3.0, v))(6.0)
    assert float(to_numpy(gx)) == pytest.approx(1 / 6)
