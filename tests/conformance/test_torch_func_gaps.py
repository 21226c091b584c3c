"""The rest of PyTorch's functorch and autograd.functional tests, ported to gpuad where the
earlier ports had left gaps, and run against torch itself in the same process.

Follows pytorch/pytorch ``test/functorch/test_eager_transforms.py`` (every class:
TestSliceArgnums, TestGradTransform, TestAutogradFunction, TestAutogradFunctionVmapAPI,
TestVmapOfGrad, TestJac, TestHessian, TestJvp, TestLinearize, TestVmapJvpInplaceView,
TestHelpers, TestComposability, TestMakeFunctional, TestExamplesCorrectness,
TestFunctionalize, TestHigherOrderOperatorInteraction, TestCompileTransforms,
TestGradTrackingTensorToList), ``test/functorch/test_vmap.py``'s TestVmapAPI and
TestRandomness (not the per-operator sweeps) and ``test/autograd/test_functional.py``'s
TestAutogradFunctional. Each program is written once with the Tensor methods torch and gpuad
share and run on both libraries (``L`` is torch's or gpuad's namespace: ``L.func`` is
``torch.func`` or ``gpuad.func``, ``L.AF`` is ``torch.autograd.functional`` or
``gpuad.autograd.functional``); results must agree in structure, type, requires_grad, dtype,
shape and value, an error in torch must be an error in gpuad, and gradients taken through the
results must agree with torch's autograd.

``GAPS`` maps every test method of those classes to where its port is ("here:" a test of this
file, "covered:" a test of an earlier port), where gpuad deliberately differs ("differs:", with
a test of gpuad's stated behaviour), or why it has no counterpart ("n/a:");
``test_every_gap_has_a_mapping`` checks that every reference exists.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.autograd.functional as TAF  # noqa: E402
import torch.func as tfunc  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.func as gfunc  # noqa: E402
import gpuad.nn as gnn  # noqa: E402
import gpuad.nn.functional as gF  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.autograd import functional as GAF  # noqa: E402


class _Lib:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _t_tensor(a, requires_grad=False):
    if isinstance(a, torch.Tensor):
        return a
    return torch.tensor(np.array(a), requires_grad=requires_grad)


def _g_tensor(a, requires_grad=False):
    if isinstance(a, ad.Tensor):
        return a
    return ad.tensor(
        ad.get_backend().xp.asarray(np.array(a, copy=True)), requires_grad=requires_grad
    )


TL = _Lib(
    name="torch",
    func=tfunc,
    AF=TAF,
    autograd=torch.autograd,
    no_grad=torch.no_grad,
    inference_mode=torch.inference_mode,
    tensor=_t_tensor,
    Tensor=torch.Tensor,
    nn=torch.nn,
    F=torch.nn.functional,
    Function=torch.autograd.Function,
    zeros=lambda *s: torch.zeros(*s, dtype=torch.float64),
    ones=lambda *s: torch.ones(*s, dtype=torch.float64),
    copysign=torch.copysign,
    stack=torch.stack,
)
GL = _Lib(
    name="gpuad",
    func=gfunc,
    AF=GAF,
    autograd=ad.autograd,
    no_grad=ad.no_grad,
    inference_mode=ad.inference_mode,
    tensor=_g_tensor,
    Tensor=ad.Tensor,
    nn=gnn,
    F=gF,
    Function=ad.autograd.Function,
    zeros=lambda *s: gnp.zeros(s),
    ones=lambda *s: ad.tensor(ad.get_backend().xp.ones(s)),
    copysign=gnp.copysign,
    stack=lambda ts, dim=0: gnp.stack(ts, axis=dim),
)


class RG:
    """An input that requires grad."""

    def __init__(self, a):
        self.a = np.asarray(a, dtype=float)


def _host(t):
    if isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().numpy()
    d = t.detach().data if isinstance(t, ad.Tensor) else t
    return d.get() if hasattr(d, "get") else np.asarray(d)


def _same(g, t, tol=1e-10, path="result", rg=True):
    """gpuad's result ``g`` against torch's ``t``: structure, types, requires_grad (``rg``),
    dtype, shape and values."""
    if isinstance(t, tuple | list | dict):
        assert isinstance(g, type(t)), f"{path}: {type(g).__name__}, torch {type(t).__name__}"
        assert len(g) == len(t), f"{path}: length {len(g)} != {len(t)}"
        if isinstance(t, dict):
            assert list(g) == list(t), f"{path}: keys {list(g)} != {list(t)}"
            for k in t:
                _same(g[k], t[k], tol, f"{path}[{k!r}]", rg)
        else:
            for i, (x, y) in enumerate(zip(g, t, strict=True)):
                _same(x, y, tol, f"{path}[{i}]", rg)
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(g, ad.Tensor), f"{path}: {type(g).__name__} where torch has a Tensor"
        if rg:
            assert g.requires_grad == t.requires_grad, (
                f"{path}: requires_grad {g.requires_grad}, torch's {t.requires_grad}"
            )
        assert np.dtype(g.dtype).name == str(t.dtype).replace("torch.", ""), (
            f"{path}: dtype {g.dtype} where torch's is {t.dtype}"
        )
        assert tuple(g.shape) == tuple(t.shape), f"{path}: shape {g.shape} != {tuple(t.shape)}"
        np.testing.assert_allclose(_host(g), _host(t), rtol=tol, atol=tol, err_msg=path)
        return
    assert g == t, f"{path}: {g!r} != {t!r}"


def _inputs(L, args):
    return [
        L.tensor(a.a, requires_grad=True)
        if isinstance(a, RG)
        else L.tensor(a)
        if isinstance(a, np.ndarray | np.generic)
        else a
        for a in args
    ]


def _both(prog, *args, tol=1e-10, rg=True):
    """``prog(L, *inputs)`` on torch and on gpuad; the results must be the same. Returns
    ``(gpuad's, torch's)``."""
    t = prog(TL, *_inputs(TL, args))
    g = prog(GL, *_inputs(GL, args))
    _same(g, t, tol, rg=rg)
    return g, t


def _both_raise(prog, *args, match=None):
    """``prog`` raises in torch and in gpuad (gpuad's message matching ``match``)."""
    with pytest.raises(Exception):  # noqa: B017  (torch: RuntimeError, ValueError, ...)
        prog(TL, *_inputs(TL, args))
    with pytest.raises(
        (RuntimeError, ValueError, TypeError, IndexError, ad.GradError, NotImplementedError),
        match=match,
    ):
        prog(GL, *_inputs(GL, args))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _r(rng, *shape):
    return rng.standard_normal(shape)


@pytest.fixture(autouse=True)
def _torch_float64():
    """torch's float64 default inside this module's tests only (a module-level call leaked it
    into every torch test that the same worker ran later)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


# ---- TestSliceArgnums, argnums (TestGradTransform) ---------------------------------------------


def _five(a, b, c, d, e):
    return a * 1 + b * 2 + c * 3 + d * 4 + e * 5


@pytest.mark.parametrize("argnums", [0, 4, -1, -5, (0, 1, 2, 3, 4), (0, -3), (1, 0), (4, -5)])
def test_argnums_selection(backend, rng, argnums):
    # torch's _slice_argnums, seen through grad: which arguments, in which order
    _both(lambda L, *xs: L.func.grad(_five, argnums=argnums)(*xs), *_r(rng, 5))
    _both(
        lambda L, x, y: L.func.jacrev(
            lambda p, q: p.sin() * q[0], argnums=argnums if argnums in (0, -1, (1, 0)) else 0
        )(x, (y, y)),
        _r(rng, 3),
        _r(rng, 3),
    )


def test_argnums_pytree_arguments(backend, rng):
    def f(a, b, c):
        return a[0] * a[1] + 2 * b + (c[0] * 3).sin()

    x = _r(rng)
    for argnums in (0, (0,), -1, (0, -2), (1, 0)):
        _both(lambda L, x: L.func.grad(f, argnums=argnums)((x, x * 2), x * 3, [x * 4]), x)


@pytest.mark.parametrize(
    "argnums", [0.0, (0.0,), ((0, 1), 2), 5, -6, (-6,), (), (0, 0), (0, -5), "0", ("0",)]
)
def test_argnums_errors(backend, rng, argnums):
    _both_raise(lambda L, *xs: L.func.grad(_five, argnums=argnums)(*xs), *_r(rng, 5))


def test_argnums_list_differs(backend, rng):
    # torch refuses a list of argnums ("int or Tuple"); gpuad takes a sequence, as JAX, and
    # gives what the tuple gives
    xs = _r(rng, 5)
    with pytest.raises(RuntimeError, match="int or Tuple"):
        tfunc.grad(_five, argnums=[0, 2])(*_inputs(TL, xs))
    g = gfunc.grad(_five, argnums=[0, 2])(*_inputs(GL, xs))
    _same(g, tfunc.grad(_five, argnums=(0, 2))(*_inputs(TL, xs)))


# ---- TestGradTransform -------------------------------------------------------------------------


def test_vjp_two_outputs_and_unrelated(backend):
    def prog(L):
        one = L.tensor(1.0)
        out, vjp_fn = L.func.vjp(lambda x: (x, x), one)
        w, x, y, v = L.tensor(3.0), L.tensor(4.0), L.tensor(2.0), L.tensor(1.0)
        _, vjp2 = L.func.vjp(lambda w, x: (y, y, x), w, x)
        return out, vjp_fn(out), vjp2((v, v, v))

    _both(prog)


def test_vjp_cotangent_structure_error(backend):
    def prog(L, x, v):
        _, vjp_fn = L.func.vjp(lambda x: (x, (x, x)), x)
        return vjp_fn(((v, (v, v)),))

    _both_raise(prog, np.array(0.5), np.array(1.0), match="structure")


def test_inference_mode_and_no_grad_outside_grad(backend, rng):
    def prog(L, x):
        with L.inference_mode(), L.no_grad():
            return L.func.grad(lambda x: (x**2).sum())(x)

    _both(prog, _r(rng, 3))


# ---- TestAutogradFunction ----------------------------------------------------------------------


def _materialize_and_needs(L):
    seen = []

    class A(L.Function):
        @staticmethod
        def forward(x, y):
            return x, y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.set_materialize_grads(False)

        @staticmethod
        def backward(ctx, gx, gy):
            seen.append(("materialize", gx is None, gy is None))
            return gx, gy

    class B(L.Function):
        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            return

        @staticmethod
        def backward(ctx, go):
            seen.append(("needs", *ctx.needs_input_grad))
            return None, None

    def f(y, x):
        x, y = A.apply(x, y)
        return x**2

    x, y = L.tensor(2.0), L.tensor(3.0)
    out = [
        L.func.grad(f)(y, x),
        L.func.grad(L.func.grad(f))(y, x),
        L.func.grad(B.apply)(x, y),
        L.func.grad(L.func.grad(B.apply))(x, y),
    ]
    return out, seen


def test_function_materialize_grads_and_needs_input_grad(backend):
    (g, gs), (t, ts) = _materialize_and_needs(GL), _materialize_and_needs(TL)
    _same(g, t)
    assert gs == ts


@pytest.mark.parametrize("save", ["input", "output", "neither"])
@pytest.mark.parametrize("dirty", [True, False])
def test_function_returns_input(backend, save, dirty):
    # torch refuses a Function that returns its input as-is and saves it (without
    # mark_dirty) once setup_context is overridden ("An input that has been returned as-is");
    # gpuad runs it, with the same values and derivatives torch gives where it runs
    def make(L):
        class A(L.Function):
            @staticmethod
            def forward(x):
                return x

            @staticmethod
            def setup_context(ctx, inputs, output):
                if dirty:
                    ctx.mark_dirty(inputs[0])
                if save == "input":
                    ctx.save_for_backward(inputs[0])
                elif save == "output":
                    ctx.save_for_backward(output)

            @staticmethod
            def backward(ctx, g):
                return g * 3

            @staticmethod
            def jvp(ctx, t):
                return t.mul_(3) if dirty else t.view_as(t) * 3

        return A

    def prog(L, a, t):
        A = make(L)
        return (
            L.func.grad(lambda x: A.apply(x.clone()) * 2)(a),
            L.func.jvp(lambda x: A.apply(x.clone()), (a,), (t,)),
        )

    if save != "neither" and not dirty:
        with pytest.raises(RuntimeError, match="returned as-is"):
            prog(TL, *_inputs(TL, [np.array(2.0), np.array(0.5)]))
        g = prog(GL, *_inputs(GL, [np.array(2.0), np.array(0.5)]))
        _same(g, (_t_tensor(6.0), (_t_tensor(2.0), _t_tensor(1.5))))
    else:
        _both(prog, np.array(2.0), np.array(0.5))


def _numpy_cube(L):
    class NumpyCube(L.Function):
        @staticmethod
        def forward(x):
            xn = _host(x)
            return L.tensor(xn**3), xn

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.xn = output[1]

        @staticmethod
        @L.autograd.function.once_differentiable
        def backward(ctx, go, gs):
            return L.tensor(3 * ctx.xn**2) * go

    return NumpyCube


def test_once_differentiable_under_vjp(backend):
    # test_once_differentiable_autograd_vjp: the vjp's result is not differentiable again;
    # test_once_differentiable_grad_vjp (an expected failure in torch): grad of it raises too
    def first(L, x, gy):
        _, vjp_fn = L.func.vjp(lambda x: _numpy_cube(L).apply(x)[0], x)
        return vjp_fn(gy)

    _both(first, RG(0.7), RG(0.3), rg=False)

    def twice(L, x, gy):
        (gx,) = first(L, x, gy)
        gx.backward()

    _both_raise(twice, RG(0.7), RG(0.3), match="once_differentiable")

    def grad_of_vjp(L, x, gy):
        return L.func.grad(lambda x, gy: first(L, x, gy)[0], argnums=(0, 1))(x, gy)

    with pytest.raises(ad.GradError, match="once_differentiable"):
        grad_of_vjp(GL, *_inputs(GL, [np.array(0.7), np.array(0.3)]))


def test_function_grad_fn_names_the_function(backend):
    # torch's grad_fn is a class named after the Function (FooBarGeneratedBackward); gpuad's
    # is a tape Node whose repr names it
    names = []

    class FooBar(ad.autograd.Function):
        @staticmethod
        def forward(x):
            return x.clone()

        @staticmethod
        def setup_context(ctx, inputs, output):
            return

        @staticmethod
        def backward(ctx, g):
            return g

    def f(x):
        y = FooBar.apply(x)
        names.append(repr(y.grad_fn))
        return y

    assert float(gfunc.grad(f)(_g_tensor(1.0))) == 1.0
    assert len(names) == 1 and "FooBar" in names[0]


# ---- TestAutogradFunctionVmapAPI ---------------------------------------------------------------


def _vmap_rule_case(L, case):
    """One of torch's autograd.Function vmap-staticmethod programs; returns what it saw."""
    seen = []
    base = dict(
        setup_context=staticmethod(lambda ctx, inputs, output: None),
        backward=staticmethod(lambda ctx, *g: g[0] if len(g) == 1 else g),
    )

    def fn(name, forward, vmap=None, **extra):
        body = dict(base, forward=staticmethod(forward), **extra)
        if vmap is not None:
            body["vmap"] = staticmethod(vmap)
        return type(name, (L.Function,), body)

    ones = L.ones
    x = L.tensor(np.arange(30.0).reshape(10, 3))
    if case == "no_vmap_rule":
        return L.func.vmap(fn("NoRule", lambda x: x * 2).apply)(x)
    if case == "both_rules":
        F = fn("Both", lambda x: x * 2, lambda info, d, x: (x, 0), generate_vmap_rule=True)
        return L.func.vmap(F.apply)(x)
    if case == "info_object":
        F = fn(
            "Id",
            lambda x: x,
            lambda info, d, x: (seen.append((info.batch_size, info.randomness)), (x, d[0]))[1],
        )
        return [L.func.vmap(F.apply, randomness=r)(x) for r in ("error", "same")], seen
    if case == "in_dims_single_input":
        F = fn("Id", lambda x: x, lambda info, d, x: (seen.append(d), (x, d[0]))[1])
        xt = L.tensor(np.arange(30.0).reshape(3, 10))
        return [L.func.vmap(F.apply, in_dims=1)(xt), L.func.vmap(F.apply, in_dims=(1,))(xt)], seen
    if case == "in_dims_multiple_inputs":
        F = fn(
            "Id2",
            lambda x, y: x + y[0] * y[1],
            lambda info, d, x, y: (seen.append(d), (x + y[0] * y[1], 0))[1],
        )
        out = L.func.vmap(F.apply)(x, [x, x + 1])
        return out, [(d, type(d).__name__, type(d[1]).__name__) for d in seen]
    if case == "skips_empty_layer":
        F = fn(
            "Skip",
            lambda x: x,
            lambda info, d, x: (_ for _ in ()).throw(RuntimeError("expected to not be called")),
        )

        def f(x):
            F.apply(L.tensor(1.0))
            return x * 1

        return L.func.vmap(f)(x)
    if case == "none_returns":
        F = fn(
            "Zeros", lambda x: L.zeros(*x.shape), lambda info, d, x: (L.zeros(*x.shape[1:]), None)
        )
        F2 = fn(
            "TwoZeros",
            lambda x: (L.zeros(*x.shape), L.zeros(*x.shape)),
            lambda info, d, x: ((L.zeros(*x.shape[1:]), L.zeros(*x.shape[1:])), None),
        )
        return L.func.vmap(F.apply)(x), L.func.vmap(F2.apply)(x)
    if case == "should_have_two_returns_one":
        return L.func.vmap(fn("One", lambda x: x * 0, lambda info, d, x: x * 0).apply)(x)
    if case == "should_have_two_returns_four":
        F = fn("Four", lambda x: x * 0, lambda info, d, x: (x * 0, x * 0, 0, 0))
        return L.func.vmap(F.apply)(x)
    if case == "incompatible_out_dims":
        return L.func.vmap(fn("Inc", lambda x: x * 0, lambda info, d, x: (x * 0, (None,))).apply)(x)
    if case == "incompatible_out_dims_list":
        F = fn("Inc2", lambda x: [x * 0], lambda info, d, x: ([x * 0], (None,)))
        return L.func.vmap(F.apply)(x)
    if case == "kwarg_only_tensors":
        F = fn("KW", lambda x, *, y: x + y, lambda info, d, x, *, y: (x + y, 0))
        return L.func.vmap(F.apply)(x, y=ones(3))
    raise AssertionError(case)


_RULE_ERRORS = {
    "no_vmap_rule": "generate_vmap_rule",
    "both_rules": "both generate_vmap_rule",
    "should_have_two_returns_one": "pair",
    "should_have_two_returns_four": "pair",
    "incompatible_out_dims": "does not match",
    "incompatible_out_dims_list": "does not match",
    "kwarg_only_tensors": "keyword",
}


@pytest.mark.parametrize(
    "case",
    [
        "no_vmap_rule",
        "both_rules",
        "info_object",
        "in_dims_multiple_inputs",
        "skips_empty_layer",
        "none_returns",
        "should_have_two_returns_one",
        "should_have_two_returns_four",
        "incompatible_out_dims",
        "incompatible_out_dims_list",
        "kwarg_only_tensors",
    ],
)
def test_function_vmap_rule(backend, case):
    if case in _RULE_ERRORS:
        _both_raise(lambda L: _vmap_rule_case(L, case), match=_RULE_ERRORS[case])
    else:
        _both(lambda L: _vmap_rule_case(L, case))


def test_function_vmap_rule_in_dims_differs(backend):
    # torch hands the rule the user's in_dims (1,); gpuad moves the batch axis to the front
    # first and hands it (0,): the rule sees consistent values either way, and the results
    # are torch's
    g, t = _vmap_rule_case(GL, "in_dims_single_input"), _vmap_rule_case(TL, "in_dims_single_input")
    _same(g[0], t[0])
    assert t[1] == [(1,), (1,)] and g[1] == [(0,), (0,)]


# ---- TestJac, TestJvp, TestLinearize -----------------------------------------------------------


def _dynamic_backward(L):
    class IdentityWithDynamicBackwardOp(L.Function):
        @staticmethod
        def forward(x):
            return x

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            g.nonzero()
            return g

    return IdentityWithDynamicBackwardOp.apply


def test_chunk_jacrev_dynamic_backward(backend, rng):
    # chunk_size=1 does not batch the backward, so a data-dependent shape in it is fine;
    # chunk_size=2 batches it and raises in both libraries
    x = _r(rng, 3, 3)
    _both(lambda L, x: L.func.jacrev(_dynamic_backward(L), chunk_size=1)(x), x)
    _both_raise(
        lambda L, x: L.func.jacrev(_dynamic_backward(L), chunk_size=2)(x), x, match="nonzero"
    )


def test_linearize_tangent_dtype_differs(backend, rng):
    # torch refuses a float32 tangent for a float64 primal; gpuad takes it and computes in
    # the primal's dtype (the value torch gives for the float64 tangent)
    x = _r(rng, 3, 1)
    with pytest.raises(RuntimeError, match="dtype"):
        tfunc.linearize(lambda x: x.sin(), _t_tensor(x))[1](torch.ones(3, 1, dtype=torch.float32))
    _, jvp_fn = gfunc.linearize(lambda x: x.sin(), _g_tensor(x))
    _same(
        jvp_fn(ad.tensor(np.ones((3, 1), np.float32))),
        tfunc.linearize(lambda x: x.sin(), _t_tensor(x))[1](torch.ones(3, 1)),
        tol=1e-7,
    )


# ---- TestVmapJvpInplaceView -----------------------------------------------------------------


def _right_dual_view_prop(L, x, y):
    x = x.clone()
    view = x[0]
    view.copy_(y)
    return view, x


def _right_dual_base_prop(L, x, y):
    x = x.clone()
    view = x[0]
    x.copy_(y)
    return view, x


@pytest.mark.parametrize("case", ["view_prop", "base_prop"])
def test_vmap_jvp_inplace_view_of_clone(backend, rng, case):
    # a write into a clone through a view reaches the base, one into the base reaches the
    # view, with the tangents (torch.func's vmap of jvp, its Tensor.copy_)
    f = _right_dual_view_prop if case == "view_prop" else _right_dual_base_prop
    shapes = (
        ((2, 2, 6), (6, 2), (6, 2)) if case == "view_prop" else ((2, 2, 6), (2, 6, 2), (2, 6, 2))
    )
    in_dims = (1, 1, 1) if case == "view_prop" else (1, 2, 2)

    def prog(L, x, y, yt):
        push = lambda x, y, yt: L.func.jvp(functools.partial(f, L, x), (y,), (yt,))  # noqa: E731
        return L.func.vmap(push, in_dims=in_dims)(x, y, yt)

    _both(prog, *(_r(rng, *s) for s in shapes))


# ---- TestComposability -------------------------------------------------------------------------


def test_autograd_functional_inside_transforms(backend, rng):
    # torch.autograd.functional inside vmap, grad or jvp raises in both libraries
    xs, x = _r(rng, 5, 3), np.array(0.3)
    for api in ("jacobian", "vjp"):
        _both_raise(
            lambda L, xs: L.func.vmap(lambda x: getattr(L.AF, api)(lambda x: x.sin().sum(), x))(xs),
            xs,
            match="inside vmap",
        )
        _both_raise(
            lambda L, x: L.func.grad(
                lambda x: (
                    getattr(L.AF, api)(lambda x: x.sin().sum(), x)[-1]
                    if api == "vjp"
                    else getattr(L.AF, api)(lambda x: x.sin().sum(), x)
                )
            )(x),
            x,
        )
    _both_raise(
        lambda L, xs: L.func.vmap(lambda x: L.AF.jvp(lambda x: x.sin().sum(), (x,), (x * 0 + 1,)))(
            xs
        ),
        xs,
    )
    _both_raise(
        lambda L, xs: L.func.vmap(
            lambda x: L.AF.jacobian(
                lambda x: x.sin().sum(), x, strategy="forward-mode", vectorize=True
            )
        )(xs),
        xs,
    )


def test_retain_grad_inside_transform_differs(backend, rng):
    # torch refuses Tensor.retain_grad() inside grad; gpuad lets it be (a no-op there) and
    # the gradient is torch's gradient without the call
    def f(x, keep):
        y = x.sin()
        if keep:
            y.retain_grad()
        return y.sum()

    x = _r(rng, 3)
    with pytest.raises(RuntimeError, match="retain_grad"):
        tfunc.grad(f)(_t_tensor(x), True)
    _same(gfunc.grad(f)(_g_tensor(x), True), tfunc.grad(f)(_t_tensor(x), False))


# ---- TestFunctionalize -------------------------------------------------------------------------


def _fz_simple_view(L, x):
    y = x.view(4, 2)
    y.add_(L.ones(2))
    return x


def _fz_multioutput_view(L, x):
    y1, y2 = x.split(2)
    y1.diagonal().add_(L.ones(2))
    return x


def _fz_inplace_view(L, x):
    y = x + x
    z = y.transpose(1, 0)[0]
    z.add_(L.ones(4))
    return y


def _fz_linear(L, x):
    w = x.reshape(-1)[:6].reshape(3, 2) * 0.5
    return L.F.linear(x, w, w.sum(1))


def _fz_opt_tensor_list(L, x):
    return x.reshape(-1)[L.tensor(np.array([0, 1]))]


def _fz_split_regeneration(L, x):
    base = x.clone()
    outs = base.split(2)
    base.add_(1)
    return tuple(o.clone() for o in outs)


def _fz_nonfunctional_output(L, x):
    return L.ones(2)


_FZ = {
    "simple_view": _fz_simple_view,
    "multioutput_view": _fz_multioutput_view,
    "inplace_view": _fz_inplace_view,
    "linear": _fz_linear,
    "opt_tensor_list": _fz_opt_tensor_list,
    "multioutput_view_regeneration_matches_eager": _fz_split_regeneration,
    "nonfunctional_output": _fz_nonfunctional_output,
}


@pytest.mark.parametrize("case", list(_FZ))
@pytest.mark.parametrize("remove", ["mutations", "mutations_and_views"])
def test_functionalize(backend, case, remove):
    # the outputs and the writes into the input are those of the function itself (and of
    # torch's functionalize); under vmap too where torch's test runs it so
    f = _FZ[case]

    def prog(L, x):
        x1, x2 = x.clone(), x.clone()
        out = L.func.functionalize(functools.partial(f, L), remove=remove)(x1)
        return out, x1, f(L, x2), x2

    _both(prog, np.arange(8.0).reshape(4, 2))
    if case in ("simple_view", "multioutput_view"):
        # torch's test maps it over a batch whose examples it writes into; gpuad refuses
        # writes into a vmapped argument (the caller's memory), and maps the same program
        # over a copy exactly
        with pytest.raises(TypeError, match="in-place write into an argument"):
            gfunc.vmap(gfunc.functionalize(functools.partial(f, GL)))(gnp.zeros((3, 4, 2)))
        _both(
            lambda L, x: L.func.vmap(L.func.functionalize(lambda x: f(L, x.clone())))(x),
            np.arange(24.0).reshape(3, 4, 2),
        )


def test_functionalize_grad_and_vmap_jvp(backend, rng):
    def f(L, x):
        y = x + x
        z = y.view(-1)
        y.add_(1)
        return z

    def prog(L, x, t):
        g = L.func.grad(L.func.functionalize(lambda x: f(L, x).sum()))(x)
        jw = lambda x, t: L.func.jvp(functools.partial(f, L), (x,), (t,))  # noqa: E731
        return g, L.func.vmap(L.func.functionalize(jw))(x, t), L.func.vmap(jw)(x, t)

    _both(prog, _r(rng, 2, 3), _r(rng, 2, 3))


def test_functionalize_inplace_slice_view_differs(backend):
    # torch's test_multioutput_inplace_slice_view changes a view's shape in place
    # (unsqueeze_ on a transposed view); gpuad refuses in-place shape changes of views
    def f(L, x):
        z1 = x.view(8).reshape(2, 4).transpose(1, 0)
        z1.unsqueeze_(0)
        z1.squeeze_()
        z2, _ = z1.split(2)
        z2.add_(L.ones(2, 2))
        return x

    tfunc.functionalize(functools.partial(f, TL))(torch.zeros(4, 2))
    with pytest.raises(RuntimeError, match="unsqueeze_"):
        gfunc.functionalize(functools.partial(f, GL))(_g_tensor(np.zeros((4, 2))))


def test_functionalize_multioutput_view_mutation_differs(backend):
    # torch refuses an in-place write into one output of unbind (a multi-output view);
    # gpuad runs it: the value and the gradient are those of the out-of-place program
    def f(x):
        base = x.clone()
        out = base.unbind(0)[0]
        base.add_(1)
        return out

    with pytest.raises(RuntimeError, match="multiple views"):
        tfunc.functionalize(f)(torch.ones(2, 3, requires_grad=True)).mul_(2)
    x = np.arange(6.0).reshape(2, 3)
    gx = _g_tensor(x, requires_grad=True)
    out = gfunc.functionalize(f)(gx)
    out.mul_(2)
    (g,) = ad.autograd.grad((out**2).sum(), gx)
    tx = _t_tensor(x, requires_grad=True)
    tout = tfunc.functionalize(f)(tx) * 2
    _same(out, tout)
    _same(g, torch.autograd.grad((tout**2).sum(), tx)[0])


# ---- TestMakeFunctional, TestHigherOrderOperatorInteraction --------------------------------------


def _foo_module(L):
    class Foo(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = L.nn.Linear(3, 3)

        def forward(self, x):
            return self.linear(x) + 1

    return Foo()


@pytest.mark.parametrize("detach", [True, False])
def test_functional_call_detached_params(backend, rng, detach):
    def prog(L, x):
        mod = _foo_module(L)
        params = {k: (v.detach() if detach else v) for k, v in mod.named_parameters()}
        out = L.func.functional_call(mod, (params, dict(mod.named_buffers())), x)
        return out.grad_fn is None, out.requires_grad

    _both(prog, _r(rng, 3, 3))


def test_functional_call_multiple_dicts(backend, rng):
    def prog(L, x):
        mod = L.nn.Linear(1, 1)
        params = ({"weight": L.zeros(1, 1)}, {"bias": L.ones(1)})
        return L.func.functional_call(mod, params, x)

    _both(prog, _r(rng, 1, 1), rg=False)
    with pytest.raises(ValueError, match="multiple"):
        gfunc.functional_call(
            gnn.Linear(1, 1),
            ({"bias": gnp.ones(1)}, {"bias": gnp.ones(1)}),
            _g_tensor(np.ones((1, 1))),
        )


def test_stack_module_state(backend):
    def prog(L):
        models = [L.nn.Linear(2, 2) for _ in range(3)]
        params, buffers = L.func.stack_module_state(models)
        shapes = {k: tuple(v.shape) for k, v in params.items()}
        return shapes, [(v.requires_grad, v.is_leaf) for v in params.values()], buffers

    g, t = prog(GL), prog(TL)
    assert g[0] == t[0] and g[1] == t[1] and g[2] == t[2] == {}

    def errors(L):
        yield []
        m = [L.nn.Linear(2, 2) for _ in range(3)]
        m[1].eval()
        yield m
        m = [L.nn.Linear(2, 2) for _ in range(3)]
        m[1] = L.nn.Conv2d(3, 3, (3, 3))
        yield m

    for gm, tm in zip(errors(GL), errors(TL), strict=True):
        with pytest.raises(RuntimeError) as te:
            tfunc.stack_module_state(tm)
        with pytest.raises(RuntimeError) as ge:
            gfunc.stack_module_state(gm)
        key = re.search(r"at least one model|training/eval mode|same class", str(te.value))[0]
        assert key in str(ge.value)


def test_stack_module_state_requires_grad_mismatch(backend):
    # torch refuses models whose parameters differ in requires_grad
    tm = [torch.nn.Linear(2, 2) for _ in range(3)]
    tm[0].weight.requires_grad_(False)
    with pytest.raises(RuntimeError, match="requires_grad"):
        tfunc.stack_module_state(tm)
    gm = [gnn.Linear(2, 2) for _ in range(3)]
    gm[0].weight.requires_grad_(False)
    with pytest.raises(RuntimeError, match="requires_grad"):
        gfunc.stack_module_state(gm)


def test_functional_call_state_restored_after_forward(backend, rng):
    def prog(L, x):
        mod = _foo_module(L)
        old = (mod.linear.weight, mod.linear.bias)
        params = {k: v * 2 for k, v in mod.named_parameters()}
        out = L.func.functional_call(mod, params, x)
        return out, mod.linear.weight is old[0] and mod.linear.bias is old[1]

    g, t = prog(GL, _g_tensor(_r(rng, 4, 3))), prog(TL, _t_tensor(_r(rng, 4, 3)))
    assert g[1] is True and t[1] is True


# ---- TestGradTrackingTensorToList --------------------------------------------------------------

_TOLIST = {
    "with_grad": ([1.0, 2.0, 3.0], lambda x: (x**2).sum()),
    "multidimensional_grad": ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], lambda x: x.sum()),
    "conj_neg_grad": ([1.0 + 2.0j, 3.0 + 4.0j], lambda x: (x * x.conj()).real.sum()),
}


@pytest.mark.parametrize("case", list(_TOLIST) + ["nested_grad"])
def test_tolist_inside_grad(backend, case):
    def prog(L, x):
        seen = []

        def f(x):
            seen.append(x.tolist())
            if case == "conj_neg_grad":
                seen.append(x.conj().tolist())
            if case == "nested_grad":

                def g(y):
                    seen.append(y.tolist())
                    return (y**2).sum()

                return L.func.grad(g)(x).sum()
            return _TOLIST[case][1](x)

        return L.func.grad(f)(x), seen

    data = _TOLIST.get(case, ([1.0, 2.0, 3.0],))[0]
    _both(prog, np.array(data))


# ---- TestVmapAPI (through gpuad.func.vmap, against torch.func.vmap) ------------------------------


def _odict(L, t):
    return OrderedDict([("sin", t.sin()), ("cos", t.cos())])


_VMAP = {
    "constant_function": (lambda L, x: L.func.vmap(lambda x: L.tensor(3.14))(x), (3,)),
    "nested_with_diag_embed": (
        lambda L, x: L.func.vmap(L.func.vmap(lambda t: t.diag_embed()))(x),
        (3, 3, 5),
    ),
    "noop_in_inner_vmap": (
        lambda L, x: L.func.vmap(lambda a: L.func.vmap(lambda b: a)(x[0]))(x),
        (3, 5),
    ),
    "out_dims_edge_case": (
        lambda L, x: (
            L.func.vmap(lambda x: x, out_dims=(1,))(x),
            L.func.vmap(lambda x: x, out_dims=1)(x),
        ),
        (2, 3),
    ),
    "out_dims_none_tuple": (
        lambda L, x: L.func.vmap(lambda x: (x, "hello world"), out_dims=(0, None))(x),
        (2, 3),
    ),
    "out_dims_normal_tensor": (
        lambda L, x: (
            L.func.vmap(lambda x: L.tensor(np.arange(3)))(x),
            L.func.vmap(lambda x: L.tensor(np.arange(3)), out_dims=None)(x),
        ),
        (2, 3),
    ),
    "pytree_odict_returns": (lambda L, x: L.func.vmap(functools.partial(_odict, L))(x), (2, 3)),
    "pytree_returns_outdims": (
        lambda L, x: L.func.vmap(lambda x: (x.sin(), (x.sin(), x.cos())), out_dims=(0, (0, 1)))(x),
        (2, 3),
    ),
    "pytree_returns_broadcast_simple": (
        lambda L, x: L.func.vmap(lambda x: (x.sin(), (x.sin(), x.cos())), out_dims=1)(x),
        (2, 3),
    ),
    "pytree_returns_broadcast_nested": (
        lambda L, x: L.func.vmap(lambda x: (x.sin(), (x.sin(), x.cos())), out_dims=(0, 1))(x),
        (2, 3),
    ),
    "fallback_atan2": (
        lambda L, x: (
            L.func.vmap(L.copysign, (2, 0))(x.permute(1, 2, 0), x),
            L.func.vmap(L.func.vmap(L.copysign), (2, 0))(x.permute(1, 2, 0), x),
            L.func.vmap(L.func.vmap(L.func.vmap(L.copysign, (0, None))))(x, x[..., 0] - 0.1),
        ),
        (5, 7, 11),
    ),
    "fallback_masked_fill": (
        lambda L, x: L.func.vmap(
            lambda a, v: a.index_add(0, L.tensor(np.array([0, 4, 2])), v), (0, 0)
        )(x[:, :7], x[:, 2:5]),
        (5, 9, 13),
    ),
}


@pytest.mark.parametrize("case", list(_VMAP))
def test_vmap_api_against_torch(backend, rng, case):
    prog, shape = _VMAP[case]
    _both(prog, _r(rng, *shape))


def test_vmap_unsupported_op_err_msg(backend, rng):
    # an out= write and a non-Tensor result (torch.equal) inside vmap raise in both
    x = _r(rng, 2, 3)
    _both_raise(
        lambda L, x: L.func.vmap(
            lambda a, b: a.abs() if L is GL and gnp.abs(a, out=b) is None else torch.abs(a, out=b)
        )(x, x * 1),
        x,
    )
    _both_raise(lambda L, x: L.func.vmap(lambda a, b: a.equal(b))(x, x), x)


@pytest.mark.parametrize("case", ["unary", "nary_same_levels", "nary_different_levels"])
def test_vmap_inplace_into_arguments_differs(backend, rng, case):
    # torch's in-place fallback writes into the vmapped arguments (the caller's tensors);
    # gpuad refuses a write into a vmapped argument, and maps the program over a copy
    # exactly (torch's result, and the caller's tensor untouched)
    x, y = rng.random((2, 5)), rng.random((2, 5))
    ops = {
        "unary": (lambda a, b: a.acos_(), (0, 0)),
        "nary_same_levels": (lambda a, b: a.atan2_(b), (0, 0)),
        "nary_different_levels": (lambda a, b: a.atan2_(b), (0, None)),
    }
    op, in_dims = ops[case]
    yy = y if in_dims[1] == 0 else y[0]
    with pytest.raises(TypeError, match="in-place write into an argument"):
        gfunc.vmap(op, in_dims)(_g_tensor(x), _g_tensor(yy))
    _both(lambda L, a, b: (L.func.vmap(lambda a, b: op(a.clone(), b), in_dims)(a, b), a), x, yy)


def test_vmap_fallback_with_undefined_grad(backend, rng):
    # a batched vjp of conv2d without bias (torch's backward returns no bias gradient)
    def prog(L, x, w, v):
        return L.func.vmap(lambda v: L.autograd.grad(L.F.conv2d(x, w), x, v)[0])(v)

    _both(prog, RG(_r(rng, 2, 3, 4, 5)), _r(rng, 3, 3, 1, 1), _r(rng, 4, 2, 3, 4, 5), rg=False)


def test_batched_gradient_basic(backend, rng):
    # vmap over torch.autograd.grad's cotangents of a product recorded outside vmap: the rows
    # of the Jacobian
    def prog(L, x, y):
        return L.func.vmap(lambda v: L.autograd.grad([x * y], [x], [v], retain_graph=True)[0])(
            L.tensor(np.eye(3))
        )

    _both(prog, RG(_r(rng, 3)), _r(rng, 3), rg=False)


def test_grad_unsupported_interaction(backend, rng):
    # autograd.grad inside vmap of an output computed inside vmap, or of an input batched
    # by vmap: an error in both (torch marks its own test an expected failure: it raises
    # other errors than the one it wants)
    def output_to_grad(L, inp, captured):
        return L.func.vmap(lambda t: L.autograd.grad([(captured * t).sum()], [captured])[0])(inp)

    def input_to_grad(L, inp, captured):
        out = (inp**2).sum()
        return L.func.vmap(lambda t: L.autograd.grad([out], [t], retain_graph=True)[0])(inp)

    for prog in (output_to_grad, input_to_grad):
        _both_raise(prog, RG(_r(rng, 3)), RG(_r(rng, 3)))


# ---- TestRandomness ----------------------------------------------------------------------------


def _same_slices(res):
    a = _host(res)
    return all(np.array_equal(a[i], a[0]) for i in range(1, a.shape[0]))


_DROPOUTS = {
    "alpha_dropout": lambda L, t: L.F.alpha_dropout(t * 0 + 1, training=True),
    "feature_dropout2d": lambda L, t: L.F.dropout2d(t * 0 + 1, training=True),
    "feature_dropout3d": lambda L, t: L.F.dropout3d(t.unsqueeze(-1) * 0 + 1, training=True),
    "feature_alpha_dropout": lambda L, t: L.F.feature_alpha_dropout(
        t.unsqueeze(-1) * 0 + 1, training=True
    ),
}


@pytest.mark.parametrize("case", list(_DROPOUTS))
@pytest.mark.parametrize("batched", ["first", "last", "none"])
def test_dropout_variants_randomness(backend, case, batched):
    # randomness='error' raises; 'same' draws one mask for every example ('different' is
    # not in gpuad: test_randomness_different_differs)
    shape = {"first": (4, 3, 3, 6, 6), "last": (3, 3, 6, 6, 4), "none": (3, 3, 6, 6)}[batched]
    in_dims = ({"first": 0, "last": -1, "none": None}[batched], 0)
    image, always = np.ones(shape), np.ones(4)
    for L in (TL, GL):
        op = functools.partial(lambda L, t, _: _DROPOUTS[case](L, t), L)
        with pytest.raises(Exception, match="randomness"):
            L.func.vmap(op, in_dims, randomness="error")(L.tensor(image), L.tensor(always))
        res = L.func.vmap(op, in_dims, randomness="same")(L.tensor(image), L.tensor(always))
        assert tuple(res.shape)[0] == 4 and _same_slices(res), (L.name, case)
        if case.startswith("feature"):  # whole channels are kept or dropped
            a = _host(res)
            planes = a.reshape(a.shape[:3] + (-1,))
            assert np.all((planes == planes[..., :1]).all(-1)), (L.name, case)


def test_random_inplace_and_like_randomness(backend):
    # test_random_unary_inplace, test_like_functions: an unbatched tensor filled in place
    # (normal_, uniform_, bernoulli_) under 'same' is one draw for every example, the
    # seeded draw outside vmap; under 'error' it raises
    ops = {
        "normal_": lambda t: t.normal_(),
        "uniform_": lambda t: t.uniform_(),
        "bernoulli_": lambda t: t.bernoulli_(0.5),
    }
    for name, op in ops.items():
        with pytest.raises(ValueError, match="randomness"):
            gfunc.vmap(lambda t, _: op(t), (None, 0))(_g_tensor(np.ones(3)), _g_tensor(np.ones(4)))
        gnp.random.seed(11)
        res = gfunc.vmap(lambda t, _: op(t.clone()), (None, 0), randomness="same")(
            _g_tensor(np.ones(3)), _g_tensor(np.ones(4))
        )
        gnp.random.seed(11)
        expected = op(_g_tensor(np.ones(3)))
        assert _same_slices(res), name
        np.testing.assert_array_equal(_host(res)[0], _host(expected))


def test_random_out_of_place_randomness(backend):
    # test_random_unary_out_of_place, test_random_binary_out_of_place, test_multinomial:
    # 'error' raises; 'same' with unbatched parameters is one draw for every example
    draws = {
        "normal": lambda m: gnp.random.normal(m, 1.0),
        "binomial": lambda m: gnp.random.binomial(3, m * 0 + 0.5),
        "poisson": lambda m: gnp.random.poisson(m * 0 + 2.0),
        "gamma": lambda m: gnp.random.gamma(m * 0 + 2.0),
        "multinomial": lambda m: gnp.random.multinomial(10, [0.2, 0.3, 0.5]),
    }
    m, always = np.ones(3), np.ones(4)
    for name, draw in draws.items():
        with pytest.raises(ValueError, match="randomness"):
            gfunc.vmap(lambda m, _: draw(m), (None, 0))(_g_tensor(m), _g_tensor(always))
        gnp.random.seed(5)
        res = gfunc.vmap(lambda m, _: ad.tensor(draw(m)), (None, 0), randomness="same")(
            _g_tensor(m), _g_tensor(always)
        )
        gnp.random.seed(5)
        expected = draw(_g_tensor(m))
        assert _same_slices(res), name
        np.testing.assert_array_equal(_host(res)[0], _host(expected))


def test_randomness_same_with_batched_parameters(backend):
    # torch refuses randomness='same' for a draw whose parameters are batched; gpuad
    # refuses it too (one draw cannot have several parameters)
    p = np.full((4, 3), 0.5)
    with pytest.raises(RuntimeError, match="same randomness"):
        tfunc.vmap(torch.bernoulli, randomness="same")(_t_tensor(p))
    with pytest.raises(Exception, match="randomness|batched|differs"):
        gfunc.vmap(lambda p: ad.tensor(gnp.random.binomial(1, p)), randomness="same")(_g_tensor(p))


def test_randomness_different_differs(backend):
    # torch's randomness='different' (test_chunk_vmap, test_vmap_chunksize, the 'different'
    # cases) draws per example inside vmap; gpuad refuses it and says to draw outside and pass
    # the noise batched, as JAX users split keys
    with pytest.raises(ValueError, match="randomness='different'.*draw them outside"):
        gfunc.vmap(lambda x: x + gnp.random.rand(3), randomness="different")
    with pytest.raises(ValueError, match="randomness='same'.*not supported"):
        gfunc.jacfwd(lambda x: x, randomness="same")
    with pytest.raises(Exception, match="randomness"):
        gfunc.jacfwd(lambda x: x * gnp.random.rand(3))(_g_tensor(np.ones(3)))


def test_unsupported_random(backend):
    # torch refuses its out= variants of random draws inside vmap; gpuad's draws take no
    # out= (an error too), and torch's rrelu is not in gpuad.nn.functional
    x = np.ones(3)
    y = _t_tensor(x)
    with pytest.raises(RuntimeError, match="out variants"):
        tfunc.vmap(lambda x: torch.randn(3, out=y), randomness="same")(_t_tensor(x))
    gy = _g_tensor(x)
    with pytest.raises(TypeError, match="out"):
        gfunc.vmap(lambda x: gnp.random.normal(0.0, 1.0, 3, out=gy), randomness="same")(
            _g_tensor(x)
        )


@pytest.mark.parametrize("randomness", ["error", "same"])
def test_dropout_unbatched(backend, randomness):
    def prog(L, x, y):
        return L.func.vmap(
            lambda x, y: x + L.F.dropout(y, p=0.5).mean(1), in_dims=(0, None), randomness=randomness
        )(x, y)

    if randomness == "error":
        _both_raise(prog, np.ones(3), np.ones((1, 3)), match="randomness")
    else:
        for L in (TL, GL):
            res = prog(L, L.tensor(np.ones(3)), L.tensor(np.ones((1, 3))))
            assert tuple(res.shape) == (3, 1) and _same_slices(res)


# ---- TestAutogradFunctional (torch.autograd.functional) ----------------------------------------


def _narrow3(a):
    return 3 * a.narrow(0, 0, 3)


def _narrow3_exp_sum(a):
    return 3 * a.narrow(0, 0, 3).exp().sum()


def _with_str(a):
    return 3 * a.narrow(0, 0, 3), "bar"


def _af_call(L, api, f, inputs, v=None, **kw):
    fn = getattr(L.AF, api)
    if api in ("vjp", "jvp", "vhp", "hvp"):
        return fn(f, inputs, v, **kw)
    return fn(f, inputs, **kw)


_AF_SCALAR = {
    "vjp": False,
    "jvp": False,
    "jacobian": False,
    "hessian": True,
    "vhp": True,
    "hvp": True,
}


@pytest.mark.parametrize("api", list(_AF_SCALAR))
def test_af_err_check(backend, rng, api):
    # test_{vjp,jvp,jacobian,hessian,vhp,hvp}_err_check: bad inputs, outputs and v raise in
    # both; the good calls give torch's structure and values
    a4, a5 = rng.random(4), rng.random(5)
    scalar = _AF_SCALAR[api]
    f = _narrow3_exp_sum if scalar else _narrow3
    v = a4 if api in ("jvp", "vhp", "hvp") else (np.ones(3) if api == "vjp" else None)
    _both_raise(lambda L, x, v: _af_call(L, api, f, (x, 2), v), a4, v)
    _both_raise(lambda L, x, v: _af_call(L, api, _with_str, x, v), a4, v)
    if scalar:
        _both_raise(lambda L, x, v: _af_call(L, api, _narrow3, x, v), a4, v, match="single element")
    if api in ("vjp", "jvp"):
        _both_raise(lambda L, x, v: _af_call(L, api, f, x, None), a4, v, match="None")
        _both_raise(lambda L, x, v: _af_call(L, api, f, x, (v, v)), a4, v)
        _both_raise(lambda L, x, v: _af_call(L, api, f, x, v[:2]), a4, v, match="size")
    if api in ("vhp", "hvp"):
        _both_raise(lambda L, x, v: _af_call(L, api, f, x, v), a4, a5, match="size")
        _both_raise(lambda L, x, v: _af_call(L, api, f, x, (v, 2)), a4, a4)
    if api == "hessian":
        _both_raise(lambda L, x: L.AF.hessian(lambda a: (_narrow3(a), _narrow3(a)), x), a4)
    _both(lambda L, x, v: _af_call(L, api, f, x, v), a4, v)

    def two(a, b):
        if scalar:
            return (3 * b.narrow(0, 0, 3) * a.narrow(0, 0, 3)).sum()
        return b, 3 * a.narrow(0, 0, 3)

    vv = (a4, a5) if api in ("jvp", "vhp", "hvp") else ((a5, np.ones(3)) if api == "vjp" else None)
    _both(lambda L, x, y, *v: _af_call(L, api, two, (x, y), tuple(v) or None), a4, a5, *(vv or ()))


def _detached(L, scalar):
    return (lambda a: a.detach().sum()) if scalar else (lambda a: a.detach())


def _disconnected(L, scalar):
    def f(a):
        out = a.long().float().requires_grad_().clone()
        return out.sum() if scalar else out

    return f


@pytest.mark.parametrize("api", list(_AF_SCALAR))
def test_af_err_check_strict(backend, rng, api):
    # strict=True: an output that does not require grad, one disconnected from the input,
    # and (with create_graph, or for the Hessian) a Jacobian independent of the input raise;
    # strict=False gives torch's zeros (and for the linear case torch's values)
    a4 = rng.random(4)
    scalar = _AF_SCALAR[api]
    v = None if api in ("jacobian", "hessian") else a4
    for make in (_detached, _disconnected):
        _both_raise(
            lambda L, x, v: _af_call(L, api, make(L, scalar), x, v, strict=True),
            a4,
            v,
            match="independent|strict|require",
        )
        _both(lambda L, x, v: _af_call(L, api, make(L, scalar), x, v), a4, v, rg=False)
    linear = (lambda a: (3 * a).sum()) if scalar else (lambda a: a.clone())
    kw = {} if scalar else {"create_graph": True}
    _both_raise(
        lambda L, x, v: _af_call(L, api, linear, x, v, strict=True, **kw),
        RG(a4),
        v,
        match="independent",
    )
    _both(lambda L, x, v: _af_call(L, api, linear, x, v, **kw), RG(a4), v, rg=False)


@pytest.mark.parametrize("api", ["jacobian", "hessian"])
def test_af_err_check_strict_vectorize(backend, rng, api):
    _both_raise(
        lambda L, x: getattr(L.AF, api)(lambda a: (a**3).sum(), x, strict=True, vectorize=True),
        rng.random(4),
        match="not supported together",
    )


@pytest.mark.parametrize("api", list(_AF_SCALAR))
def test_af_no_grad(backend, rng, api):
    # under no_grad the results require no grad, unless create_graph=True
    scalar = _AF_SCALAR[api]
    f = (lambda x: x.exp().sum()) if scalar else (lambda x: x.exp().sum(dim=1))
    x = rng.random((4, 4))
    v = {"vjp": np.ones(4), "jvp": np.ones((4, 4))}.get(
        api, np.ones((4, 4)) if api in ("vhp", "hvp") else None
    )
    for create in (False, True):

        def prog(L, x, v):
            with L.no_grad():
                return _af_call(L, api, f, x, v, create_graph=create)

        _both(prog, RG(x) if create else x, RG(v) if create and v is not None else v)


@pytest.mark.parametrize("api", list(_AF_SCALAR))
def test_af_output_and_scalar(backend, rng, api):
    # test_*_output, test_*_scalar: one Tensor or a tuple, 0-d inputs and outputs, v=None
    # for one-element functions, a (1, 1, 1)-shaped "scalar"
    scalar = _AF_SCALAR[api]
    cases = []
    if scalar:
        cases += [
            (lambda x: x.pow(3).sum(), (rng.random((2, 2)),)),
            (lambda x, y: (x + y).pow(3).sum(), (rng.random((2, 2)), rng.random((2, 2)))),
            (lambda x: x.exp().sum(), (rng.random(()),)),
            (lambda x: x.exp().sum().view(1, 1, 1), (rng.random((4, 4)),)),
            (lambda a, b: (a + 3 * b.narrow(0, 0, 3)).exp().sum(), (rng.random(3), rng.random(4))),
        ]
    else:
        cases += [
            (lambda x: x.sum(dim=1), (rng.random((4, 4)),)),
            (lambda x: x.exp().sum(dim=1), (rng.random((4, 4)),)),
            (lambda x: x.clone(), (rng.random(4),)),
            (lambda x, y: 2 * x + 3 * y, (rng.random(2), rng.random(2))),
            (lambda x, y: (2 * x + 3 * y, x + y), (rng.random(2), rng.random(2))),
            (lambda x: x.sum(), (rng.random((4, 4)),)),
            (lambda x: x.unsqueeze(0).repeat(4), (rng.random(()),)),
        ]
    for f, xs in cases:
        ins = xs if len(xs) > 1 else xs[0]
        if api == "vjp":
            out = f(*[_t_tensor(a) for a in xs])
            outs = out if isinstance(out, tuple) else (out,)
            vs = [np.ones(tuple(o.shape)) for o in outs]
        else:
            vs = [np.ones(a.shape) for a in xs]
        v = tuple(vs) if len(vs) > 1 else vs[0]

        def prog(L, ins, v):
            ins = tuple(L.tensor(a) for a in ins) if isinstance(ins, tuple) else L.tensor(ins)
            vv = tuple(L.tensor(a) for a in v) if isinstance(v, tuple) else L.tensor(v)
            return _af_call(L, api, f, ins, vv)

        _both(prog, ins, v)
        one = all(np.size(a) == 1 for a in xs) and len(xs) == 1
        if (
            api in ("jvp", "vhp", "hvp")
            and one
            or api == "vjp"
            and np.size(vs[0]) == 1
            and len(vs) == 1
        ):
            _both(lambda L, ins: _af_call(L, api, f, L.tensor(ins), None), ins)


@pytest.mark.parametrize("api", list(_AF_SCALAR))
def test_af_create_graph(backend, rng, api):
    # create_graph=True: the results require grad, and their first and second derivatives
    # with respect to the inputs (and v) are torch's (torch checks them with gradcheck and
    # gradgradcheck)
    scalar = _AF_SCALAR[api]
    if scalar:
        f = lambda a, b: (a + 3 * b.narrow(0, 0, 3)).exp().sum()  # noqa: E731
        xs, vs = (rng.random(3), rng.random(4)), (np.ones(3), np.ones(4))
    else:
        f = lambda x, y: (2 * x + 3 * y, x * y)  # noqa: E731
        xs, vs = (rng.random(2), rng.random(2)), (np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    if api in ("jacobian", "hessian"):
        vs = ()

    def prog(L, *args):
        ins, v = args[:2], args[2:]
        res = _af_call(L, api, f, ins, v or None, create_graph=True)
        flat = [t for t in (res if api in ("jacobian", "hessian") else res[1])]
        flat = [u for t in flat for u in (t if isinstance(t, tuple) else (t,))]
        total = sum((t.cos() * (k + 1)).sum() for k, t in enumerate(flat))
        first = L.autograd.grad(
            total, args, create_graph=True, allow_unused=True, materialize_grads=True
        )
        second = L.autograd.grad(
            sum((g**2).sum() for g in first), args, allow_unused=True, materialize_grads=True
        )
        return res, first, second

    _both(prog, *[RG(a) for a in xs + vs], tol=1e-9, rg=False)


def _tuples(x):
    return tuple(_tuples(y) for y in x) if isinstance(x, list | tuple) else x


_VEC = {
    "simple": (lambda x: 3 * x**2, [(2, 3, 5)]),
    "multi_input": (lambda x, y: (x.cos() * x) @ y.sin(), [(2, 3), (3, 5)]),
    "multi_input_multi_output": (
        lambda x, y: ((x * x) @ y, x @ (x.sum(1) * y), y.sum()),
        [(5, 3), (3, 5)],
    ),
    "unrelated_outputs": (lambda x, y: (x, y, x, y), [(2,), (3,)]),
    "zero_dim": (lambda x, y: (x.sum(), y.sum(), x * y), [(3,), (3,)]),
    "zero_dim_input": (lambda x: x.expand(3), [()]),
    "zero_dim_mixed": (lambda x, y: (y.sum(), x * y), [(), (1,)]),
    "different_dtype": (lambda x, y: ((x * y).float(), (x * y).double()), [(3,), (3,)]),
}


@pytest.mark.parametrize("case", list(_VEC))
def test_jacobian_vectorize_correctness(backend, rng, case):
    f, shapes = _VEC[case]
    xs = [_r(rng, *s) for s in shapes]
    for kw in (
        {"vectorize": False},
        {"vectorize": True},
        {"strategy": "forward-mode", "vectorize": True},
    ):
        if case == "different_dtype" and "strategy" in kw:
            continue  # (torch's test skips it: forward mode's dtype is the output's)
        # (torch's vectorized forward mode gives lists where its other paths give tuples)
        _both(
            lambda L, *xs: _tuples(L.AF.jacobian(f, tuple(xs) if len(xs) > 1 else xs[0], **kw)),
            *xs,
            tol=1e-6 if case == "different_dtype" else 1e-10,
        )


_HVEC = {
    "simple": (lambda x: (3 * x**2).sum(), [(2, 3, 5)]),
    "multi_input": (lambda x, y, z: ((x.relu() * x) @ y.sin() @ z).sum(), [(2, 3), (3, 5), (5, 5)]),
    "unrelated_outputs": (lambda x, y: (x**2).sum(), [(2,), (3,)]),
    "unrelated_to_all": (lambda x, y: (x * 0).sum().detach() + 1, [(2,), (3,)]),
}


@pytest.mark.parametrize("case", list(_HVEC))
def test_hessian_vectorize_correctness(backend, rng, case):
    # also TestHessian's test_hessian_vectorize_correctness_* (torch.func.hessian against
    # torch.autograd.functional.hessian): both libraries' both functions agree
    f, shapes = _HVEC[case]
    xs = [_r(rng, *s) for s in shapes]
    for kw in (
        {"vectorize": False},
        {"vectorize": True},
        {"outer_jacobian_strategy": "forward-mode", "vectorize": True},
    ):
        # (torch's forward-mode outer Jacobian gives lists, and results that require grad)
        _both(
            lambda L, *xs: _tuples(L.AF.hessian(f, tuple(xs) if len(xs) > 1 else xs[0], **kw)),
            *xs,
            rg="strategy" not in str(kw),
        )
    _both(lambda L, *xs: L.func.hessian(lambda xs: f(*xs))(tuple(xs)), *xs)


@pytest.mark.parametrize("api", ["jacobian", "hessian"])
def test_af_vectorize_raises_no_warnings(backend, rng, api):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(GAF, api)(lambda a: (a**2).sum(), _g_tensor(_r(rng, 3)), vectorize=True)
    assert not caught, [str(w.message) for w in caught]


def test_af_match_vjp_jvp_and_vhp_hvp(backend, rng):
    # the products are the Jacobian's and the Hessian's applied to v, as in torch
    def prog(L, x, v):
        f = lambda x: x**3 + x.sum()  # noqa: E731
        return (
            L.AF.jacobian(f, x),
            L.AF.jvp(f, x, v)[1],
            L.AF.vjp(f, x, v)[1],
            L.AF.hessian(_narrow3_exp_sum, x),
            L.AF.hvp(_narrow3_exp_sum, x, v)[1],
            L.AF.vhp(_narrow3_exp_sum, x, v)[1],
        )

    v = rng.random(4)
    g, _ = _both(prog, rng.random(4), v)
    J, jv, vj, H, hv, vh = (_host(t) for t in g)
    np.testing.assert_allclose(jv, J @ v, rtol=1e-12)
    np.testing.assert_allclose(vj, v @ J, rtol=1e-12)
    np.testing.assert_allclose(hv, H @ v, rtol=1e-12)
    np.testing.assert_allclose(vh, v @ H, rtol=1e-12)


# ---- the map of torch's tests ------------------------------------------------------------------

_E = "covered: test_torch_func_eager_transforms.py::"
_T = "covered: test_torch_func_transforms.py::"
_V = "covered: test_torch_func_vmap.py::"
_A = "covered: test_torch_autograd_ns.py::"
_DEV = "n/a: CUDA/XPU devices"
_INTERNAL = (
    "n/a: functorch internals (the dynamic layer stack, dead wrappers, private helpers) "
    "with no user-visible meaning in gpuad"
)
_WRAPPERS = "n/a: the repr of functorch's GradTrackingTensor/BatchedTensor wrappers"
_FX = "n/a: make_fx and FX graphs (their printed code)"
_COMPILE = "n/a: torch.compile and dynamo"
_DEPR = "n/a: warnings of the deprecated functorch namespace"
_HOP = "n/a: torch's HigherOrderOperator (py_impl per dispatch key), an internal extension point"
_MAKE_FUNCTIONAL = (
    "n/a: make_functional(_with_buffers), functional_init and "
    "combine_state_for_ensemble are functorch-only, not in torch.func "
    "(functional_call and stack_module_state are ported)"
)

GAPS = (  # (class, torch test, where its port is or why there is none)
    ("TestSliceArgnums", "test_invalid_argnum_type", "here: test_argnums_errors"),
    ("TestSliceArgnums", "test_out_of_bounds_argnum_values", "here: test_argnums_errors"),
    ("TestSliceArgnums", "test_not_enough_argnums", "here: test_argnums_errors"),
    ("TestSliceArgnums", "test_duplicate_argnums", "here: test_argnums_errors"),
    ("TestSliceArgnums", "test_flat_args_with_positive_int_argnum", "here: test_argnums_selection"),
    ("TestSliceArgnums", "test_flat_args_with_negative_int_argnum", "here: test_argnums_selection"),
    ("TestSliceArgnums", "test_flat_args_with_tuple_argnum", "here: test_argnums_selection"),
    ("TestSliceArgnums", "test_pytree_args", "here: test_argnums_pytree_arguments"),
    ("TestSliceArgnums", "test_argnums_reorders", "here: test_argnums_selection"),
    ("TestGradTransform", "test_primitive", _E + "test_primitive_and_composites"),
    ("TestGradTransform", "test_composite_simple", _E + "test_primitive_and_composites"),
    (
        "TestGradTransform",
        "test_linear_nd_inplace_activation",
        _E + "test_linear_nd_inplace_activation",
    ),
    ("TestGradTransform", "test_fn_with_kwargs", _E + "test_fn_with_kwargs"),
    ("TestGradTransform", "test_composite_complicated", _E + "test_primitive_and_composites"),
    ("TestGradTransform", "test_composite_two_ops", _E + "test_primitive_and_composites"),
    ("TestGradTransform", "test_shape", _E + "test_attributes"),
    ("TestGradTransform", "test_dtype", _E + "test_attributes"),
    ("TestGradTransform", "test_is_cuda", _DEV),
    ("TestGradTransform", "test_numel", _E + "test_attributes"),
    ("TestGradTransform", "test_layout_sparse", "n/a: sparse layouts (gpuad has none)"),
    ("TestGradTransform", "test_inplace", _E + "test_inplace_and_views"),
    ("TestGradTransform", "test_inplace_on_view", _E + "test_inplace_and_views"),
    ("TestGradTransform", "test_inplace_on_view_base", _E + "test_inplace_and_views"),
    (
        "TestGradTransform",
        "test_inplace_on_captures",
        (
            "differs: a write into a captured array is allowed (the captured value is a "
            "constant); " + _T + "test_grad_write_into_captured_array"
        ),
    ),
    ("TestGradTransform", "test_nesting_simple", _E + "test_nesting_and_vjp"),
    (
        "TestGradTransform",
        "test_escaped_wrappers_are_marked_as_dead",
        _T + "test_escaped_values_are_plain",
    ),
    (
        "TestGradTransform",
        "test_escaped_wrappers_are_ignored",
        _T + "test_escaped_values_are_plain",
    ),
    ("TestGradTransform", "test_manual_seed_inside_grad", _T + "test_seed_inside_grad"),
    ("TestGradTransform", "test_vjp", _E + "test_nesting_and_vjp"),
    ("TestGradTransform", "test_vjp_two_outputs", "here: test_vjp_two_outputs_and_unrelated"),
    ("TestGradTransform", "test_conj_bit", _E + "test_conj_bit"),
    ("TestGradTransform", "test_composed_with_autograd", _E + "test_composed_with_autograd"),
    ("TestGradTransform", "test_grad_of_vjp_composition", _E + "test_vjp_grad_compositions"),
    ("TestGradTransform", "test_vjp_of_grad_composition", _E + "test_vjp_grad_compositions"),
    (
        "TestGradTransform",
        "test_grad_of_vjp_of_grad_composition",
        _E + "test_vjp_grad_compositions",
    ),
    ("TestGradTransform", "test_views", _E + "test_views"),
    ("TestGradTransform", "test_view_inplace_simple", _E + "test_inplace_and_views"),
    ("TestGradTransform", "test_invalid_argnums", _T + "test_grad_invalid_argnums"),
    ("TestGradTransform", "test_argnums", _E + "test_argnums"),
    ("TestGradTransform", "test_out_of_order_argnums", "here: test_argnums_selection"),
    ("TestGradTransform", "test_negative_argnums", "here: test_argnums_selection"),
    ("TestGradTransform", "test_grad_pytree_inputs", _E + "test_grad_pytree_inputs"),
    ("TestGradTransform", "test_grad_aux_tensor", _E + "test_aux"),
    ("TestGradTransform", "test_grad_aux_pytree", _E + "test_aux"),
    ("TestGradTransform", "test_zero_grad", _E + "test_zero_and_unrelated"),
    ("TestGradTransform", "test_unrelated_grad", _E + "test_zero_and_unrelated"),
    ("TestGradTransform", "test_unrelated_vjp", _E + "test_zero_and_unrelated"),
    (
        "TestGradTransform",
        "test_unrelated_vjp_multiple_inputs_outputs",
        "here: test_vjp_two_outputs_and_unrelated",
    ),
    ("TestGradTransform", "test_unrelated_hessian", _T + "test_unrelated_hessian"),
    ("TestGradTransform", "test_vjp_pytree_input", _E + "test_vjp_pytrees"),
    ("TestGradTransform", "test_vjp_pytree_output", _E + "test_vjp_pytrees"),
    ("TestGradTransform", "test_vjp_outputs_can_any_pytree", _E + "test_vjp_pytrees"),
    ("TestGradTransform", "test_vjp_pytree_error", "here: test_vjp_cotangent_structure_error"),
    ("TestGradTransform", "test_vjp_aux_tensor", _T + "test_vjp_aux"),
    ("TestGradTransform", "test_vjp_aux_pytree", _T + "test_vjp_aux"),
    ("TestGradTransform", "test_functional_init", _MAKE_FUNCTIONAL),
    ("TestGradTransform", "test_functional_init_with_buffers", _MAKE_FUNCTIONAL),
    ("TestGradTransform", "test_advanced_indexing", _E + "test_advanced_indexing"),
    ("TestGradTransform", "test_tensor_ctor_inside_grad", _E + "test_tensor_ctor_inside_grad"),
    ("TestGradTransform", "test_tensor_print", _WRAPPERS),
    (
        "TestGradTransform",
        "test_print_captured_tensor_inside_transform",
        _E + "test_print_captured_tensor_inside_transform",
    ),
    ("TestGradTransform", "test_no_grad_outside", _E + "test_no_grad"),
    ("TestGradTransform", "test_no_grad_inside", _E + "test_no_grad"),
    ("TestGradTransform", "test_no_grad_mixed", _E + "test_no_grad"),
    ("TestGradTransform", "test_no_grad_nested_simple", _E + "test_no_grad"),
    ("TestGradTransform", "test_no_grad_nested_complicated", _E + "test_no_grad"),
    ("TestGradTransform", "test_no_grad_value", _E + "test_no_grad"),
    ("TestGradTransform", "test_no_grad_outside_vjp", _E + "test_no_grad_and_vjp"),
    ("TestGradTransform", "test_no_grad_outside_vjp_fn", _E + "test_no_grad_and_vjp"),
    ("TestGradTransform", "test_no_grad_outside_vjp_only", _E + "test_no_grad_outside_vjp_only"),
    ("TestGradTransform", "test_pop_dynamic_layer_stack_to_depth_single", _INTERNAL),
    ("TestGradTransform", "test_pop_dynamic_layer_stack_to_depth_mixed", _INTERNAL),
    ("TestGradTransform", "test_inference_mode_outside_grad", _E + "test_inference_mode"),
    (
        "TestGradTransform",
        "test_inference_mode_nograd_outside_grad",
        "here: test_inference_mode_and_no_grad_outside_grad",
    ),
    ("TestGradTransform", "test_inference_mode_outside_vjp", _E + "test_inference_mode"),
    ("TestGradTransform", "test_inference_mode_outside_jvp", _E + "test_inference_mode"),
    ("TestGradTransform", "test_inference_mode_outside_jacrev", _E + "test_inference_mode"),
    ("TestGradTransform", "test_inference_mode_outside_vmap_grad", _E + "test_inference_mode"),
    ("TestGradTransform", "test_inference_mode_outside_grad_vmap", _E + "test_inference_mode"),
    ("TestGradTransform", "test_inference_mode_nested_grad", _E + "test_inference_mode"),
    ("TestGradTransform", "test_inference_mode_jacrev_grad", _E + "test_inference_mode"),
    ("TestGradTransform", "test_inference_mode_inside_grad", _E + "test_inference_mode"),
    ("TestGradTransform", "test_inference_mode_restored", _E + "test_inference_mode"),
    ("TestAutogradFunction", "test_unwrap_dead_wrappers", _INTERNAL),
    (
        "TestAutogradFunction",
        "test_set_materialize_grads",
        "here: test_function_materialize_grads_and_needs_input_grad",
    ),
    (
        "TestAutogradFunction",
        "test_function_returns_input",
        (
            "differs: a Function returning its saved input as-is runs (torch refuses it with "
            "setup_context); here: test_function_returns_input[True-input]"
        ),
    ),
    (
        "TestAutogradFunction",
        "test_needs_input_grads",
        "here: test_function_materialize_grads_and_needs_input_grad",
    ),
    (
        "TestAutogradFunction",
        "test_once_differentiable_autograd_vjp",
        "here: test_once_differentiable_under_vjp",
    ),
    (
        "TestAutogradFunction",
        "test_once_differentiable_grad_vjp",
        "here: test_once_differentiable_under_vjp",
    ),
    (
        "TestAutogradFunction",
        "test_grad_fn_name",
        (
            "differs: grad_fn is a tape Node whose repr names the Function, not a generated "
            "class; here: test_function_grad_fn_names_the_function"
        ),
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_no_vmap_staticmethod_and_no_generate_vmap_rule",
        "here: test_function_vmap_rule[no_vmap_rule]",
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_has_vmap_staticmethod_and_has_generate_vmap_rule",
        "here: test_function_vmap_rule[both_rules]",
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_info_object",
        "here: test_function_vmap_rule[info_object]",
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_in_dims_single_input",
        (
            "differs: the rule gets in_dims 0 (the batch axis moved first), not the user's; "
            "here: test_function_vmap_rule_in_dims_differs"
        ),
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_in_dims_multiple_inputs",
        "here: test_function_vmap_rule[in_dims_multiple_inputs]",
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_skips_empty_layer",
        "here: test_function_vmap_rule[skips_empty_layer]",
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_none_returns",
        "here: test_function_vmap_rule[none_returns]",
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_should_have_two_returns",
        "here: test_function_vmap_rule[should_have_two_returns_one]",
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_incompatible_out_dims_error_msg",
        "here: test_function_vmap_rule[incompatible_out_dims]",
    ),
    (
        "TestAutogradFunctionVmapAPI",
        "test_kwarg_only_tensors",
        "here: test_function_vmap_rule[kwarg_only_tensors]",
    ),
    ("TestVmapOfGrad", "test_per_sample_grads_inplace_view", _E + "test_per_sample_grads"),
    (
        "TestVmapOfGrad",
        "test_new_zeros_materializes_tensor",
        _E + "test_new_zeros_and_new_empty_materialize",
    ),
    (
        "TestVmapOfGrad",
        "test_new_empty_materializes_tensor",
        _E + "test_new_zeros_and_new_empty_materialize",
    ),
    ("TestVmapOfGrad", "test_per_sample_grads_simple", _E + "test_per_sample_grads"),
    (
        "TestVmapOfGrad",
        "test_per_sample_grads_embeddingnet",
        _E + "test_per_sample_grads_embeddingnet",
    ),
    ("TestVmapOfGrad", "test_log_softmax", _E + "test_vmap_of_vjp_log_softmax"),
    ("TestJac", "test_simple", _E + "test_jac_simple_shapes"),
    ("TestJac", "test_simple_not_flat", _E + "test_jac_simple_shapes"),
    ("TestJac", "test_take", _E + "test_jac_take"),
    ("TestJac", "test_diff_numel", _E + "test_jac_take"),
    ("TestJac", "test_vmap_on_jac_simple", _E + "test_jac_simple_shapes"),
    ("TestJac", "test_nested_jac_simple", _E + "test_jac_simple_shapes"),
    ("TestJac", "test_multiple_args", _E + "test_jac_argnums_and_outputs"),
    ("TestJac", "test_multiple_outputs_multiple_argnums", _E + "test_jac_argnums_and_outputs"),
    ("TestJac", "test_multiple_outputs_single_argnums", _E + "test_jac_argnums_and_outputs"),
    ("TestJac", "test_multiple_outputs_pytree", _E + "test_jac_pytrees"),
    ("TestJac", "test_multiple_inputs_pytree", _E + "test_jac_pytrees"),
    ("TestJac", "test_dimensionality", _E + "test_jac_dimensionality_aux_and_any_pytree"),
    ("TestJac", "test_aux_tensor", _E + "test_jac_dimensionality_aux_and_any_pytree"),
    ("TestJac", "test_aux_pytree", _E + "test_jac_dimensionality_aux_and_any_pytree"),
    ("TestJac", "test_outputs_can_any_pytree", _E + "test_jac_dimensionality_aux_and_any_pytree"),
    ("TestJac", "test_multiple_inputs_outputs_pytree", _E + "test_jac_pytrees"),
    ("TestJac", "test_multiple_inputs_outputs_pytree_multidim", _E + "test_jac_pytrees"),
    ("TestJac", "test_unrelated_input", _E + "test_jac_unrelated"),
    ("TestJac", "test_unrelated_output", _E + "test_jac_unrelated"),
    ("TestJac", "test_empty_output", _E + "test_jac_errors_where_torch_raises"),
    ("TestJac", "test_argnums_tuple", _E + "test_jac_argnums_and_outputs"),
    ("TestJac", "test_argnums_effect_on_return", _E + "test_jac_argnums_and_outputs"),
    ("TestJac", "test_argnums_defaults_to_zero", _E + "test_jac_argnums_and_outputs"),
    ("TestJac", "test_empty_argnums", _E + "test_jac_errors_where_torch_raises"),
    ("TestJac", "test_out_of_bounds_argnums", _E + "test_jac_errors_where_torch_raises"),
    ("TestJac", "test_negative_argnums", _E + "test_jac_errors_where_torch_raises"),
    ("TestJac", "test_repeated_argnums", _E + "test_jac_errors_where_torch_raises"),
    ("TestJac", "test_float_argnums", _E + "test_jac_errors_where_torch_raises"),
    ("TestJac", "test_hessian_simple", _E + "test_hessian"),
    ("TestJac", "test_against_reference_simple", _E + "test_jac_against_reference"),
    ("TestJac", "test_against_reference_multi_input", _E + "test_jac_against_reference"),
    (
        "TestJac",
        "test_against_reference_multi_input_multi_output",
        _E + "test_jac_against_reference",
    ),
    ("TestJac", "test_against_reference_unrelated_outputs", _E + "test_jac_against_reference"),
    ("TestJac", "test_against_reference_zero_dim", _E + "test_jac_against_reference"),
    ("TestJac", "test_against_reference_correctness_different_devices", _DEV),
    ("TestJac", "test_against_reference_default_arg", _E + "test_jac_against_reference"),
    ("TestJac", "test_inplace", _E + "test_jac_inplace"),
    ("TestJac", "test_chunk_jacrev", _E + "test_chunk_jacrev"),
    ("TestJac", "test_chunk_jacrev_composition", _E + "test_chunk_jacrev_composition"),
    ("TestJac", "test_chunk_jacrev_chunksize_one", "here: test_chunk_jacrev_dynamic_backward"),
    ("TestJac", "test_complex_error", _T + "test_jac_complex_error"),
    ("TestJac", "test_jac_with_non_tensor_args", _E + "test_jac_with_non_tensor_args"),
    (
        "TestHessian",
        "test_hessian_vectorize_correctness_simple",
        "here: test_hessian_vectorize_correctness[simple]",
    ),
    (
        "TestHessian",
        "test_hessian_vectorize_correctness_multi_input",
        "here: test_hessian_vectorize_correctness[multi_input]",
    ),
    (
        "TestHessian",
        "test_hessian_vectorize_correctness_unrelated_outputs",
        "here: test_hessian_vectorize_correctness[unrelated_outputs]",
    ),
    ("TestHessian", "test_jacfwd_different_levels", _E + "test_jacfwd_different_levels"),
    (
        "TestJvp",
        "test_inplace_on_captures",
        (
            "differs: a write into a captured array is allowed; "
            + _T
            + "test_grad_write_into_captured_array"
        ),
    ),
    ("TestJvp", "test_simple", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_multiple_inputs", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_pytree_inputs", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_pytree_inputs_error_cases", _E + "test_jvp_errors_where_torch_raises"),
    ("TestJvp", "test_unrelated_input", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_unrelated_output", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_strict_mode", _E + "test_jvp_errors_where_torch_raises"),
    ("TestJvp", "test_multiple_outputs", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_multiple_inputs_outputs", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_jvp_new_tensor", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_primals_tangents_length_mismatch", _E + "test_jvp_errors_where_torch_raises"),
    ("TestJvp", "test_nonempty_primals_and_tangents", _E + "test_jvp_errors_where_torch_raises"),
    ("TestJvp", "test_inputs_are_tuples_of_tensors", _E + "test_jvp_errors_where_torch_raises"),
    ("TestJvp", "test_outputs_can_any_pytree", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_aux_tensor", _E + "test_jvp_values_and_pytrees"),
    ("TestJvp", "test_aux_pytree", _E + "test_jvp_values_and_pytrees"),
    (
        "TestJvp",
        "test_autograd_function_disables_fwd_grad",
        (
            "n/a: torch's private fwAD._set_fwd_grad_enabled / _is_fwd_grad_enabled, which "
            "gpuad does not have"
        ),
    ),
    (
        "TestJvp",
        "test_disable_fwd_grad_outside",
        (
            "n/a: torch's private fwAD._set_fwd_grad_enabled / _is_fwd_grad_enabled, which "
            "gpuad does not have"
        ),
    ),
    (
        "TestJvp",
        "test_disable_fwd_grad_inside",
        (
            "n/a: torch's private fwAD._set_fwd_grad_enabled / _is_fwd_grad_enabled, which "
            "gpuad does not have"
        ),
    ),
    (
        "TestJvp",
        "test_disable_fwd_grad_mixed",
        (
            "n/a: torch's private fwAD._set_fwd_grad_enabled / _is_fwd_grad_enabled, which "
            "gpuad does not have"
        ),
    ),
    ("TestJvp", "test_jvp_inside_autograd_function", _E + "test_jvp_inside_autograd_function"),
    ("TestJvp", "test_zerotensor_vmapjvp_interaction", _E + "test_zerotensor_vmapjvp_interaction"),
    ("TestLinearize", "test_linearize_basic", _E + "test_linearize"),
    ("TestLinearize", "test_linearize_return", _E + "test_linearize"),
    ("TestLinearize", "test_linearize_composition_vmap", _E + "test_linearize"),
    ("TestLinearize", "test_linearize_composition_grad", _E + "test_linearize"),
    ("TestLinearize", "test_linearize_nested_input_nested_output", _E + "test_linearize"),
    (
        "TestLinearize",
        "test_linearize_errors",
        (
            "differs: a tangent of another dtype is taken (torch raises); here: "
            "test_linearize_tangent_dtype_differs; the structure and shape errors: "
            + _E
            + "test_linearize_errors"
        ),
    ),
    (
        "TestVmapJvpInplaceView",
        "test_all_dual_no_view",
        "differs: writes into a vmapped argument raise (torch writes through to the caller); "
        + _T
        + "test_vmap_jvp_inplace_into_arguments",
    ),
    (
        "TestVmapJvpInplaceView",
        "test_all_dual_base_view_inplace",
        "differs: writes into a vmapped argument raise (torch writes through to the caller); "
        + _T
        + "test_vmap_jvp_inplace_into_arguments",
    ),
    (
        "TestVmapJvpInplaceView",
        "test_all_dual_base_inplace",
        "differs: writes into a vmapped argument raise (torch writes through to the caller); "
        + _T
        + "test_vmap_jvp_inplace_into_arguments",
    ),
    (
        "TestVmapJvpInplaceView",
        "test_right_dual_view_prop",
        "here: test_vmap_jvp_inplace_view_of_clone[view_prop]",
    ),
    (
        "TestVmapJvpInplaceView",
        "test_right_dual_base_prop",
        "here: test_vmap_jvp_inplace_view_of_clone[base_prop]",
    ),
    ("TestHelpers", "test_CtxWithSavedTensors_error_if_name_collision", _INTERNAL),
    ("TestHelpers", "test_CtxWithSavedTensors_nesting", _INTERNAL),
    ("TestHelpers", "test_CtxWithSavedTensors_overrides_saved_tensors", _INTERNAL),
    ("TestHelpers", "test_CtxWithSavedTensors_passthrough", _INTERNAL),
    (
        "TestHelpers",
        "test_debug_unwrap",
        (
            "n/a: torch.func.debug_unwrap unwraps functorch's wrapper tensors; gpuad's "
            "transforms pass plain Tensors"
        ),
    ),
    ("TestHelpers", "test_reductify_leaf", _INTERNAL),
    ("TestComposability", "test_deprecation_vmap", _DEPR),
    ("TestComposability", "test_deprecation_transforms", _DEPR),
    ("TestComposability", "test_grad_grad", _E + "test_composability"),
    ("TestComposability", "test_grad_vmap", _E + "test_composability"),
    ("TestComposability", "test_grad_vjp", _E + "test_composability"),
    ("TestComposability", "test_vmap_grad", _E + "test_composability"),
    ("TestComposability", "test_vmap_vmap", _E + "test_composability"),
    ("TestComposability", "test_vmap_vjp", _E + "test_composability"),
    ("TestComposability", "test_vjp_grad", _E + "test_composability"),
    ("TestComposability", "test_vjp_vmap", _E + "test_composability"),
    ("TestComposability", "test_vjp_vjp", _E + "test_composability"),
    ("TestComposability", "test_make_fx_vmap", _FX),
    ("TestComposability", "test_make_fx_jacrev", _FX),
    ("TestComposability", "test_make_fx_vjp", _FX),
    ("TestComposability", "test_no_warning_on_import_functorch", _DEPR),
    (
        "TestComposability",
        "test_requires_grad_inside_transform",
        (
            "differs: requires_grad_() inside a transform is allowed (documented); "
            + _T
            + "test_requires_grad_inside_transform"
        ),
    ),
    (
        "TestComposability",
        "test_retain_grad_inside_transform",
        (
            "differs: retain_grad() inside grad is a no-op; here: "
            "test_retain_grad_inside_transform_differs"
        ),
    ),
    (
        "TestComposability",
        "test_autograd_functional_jacrev_inside_transform",
        "here: test_autograd_functional_inside_transforms",
    ),
    (
        "TestComposability",
        "test_autograd_functional_vjp_inside_transform",
        "here: test_autograd_functional_inside_transforms",
    ),
    (
        "TestComposability",
        "test_autograd_functional_jvp_inside_transform",
        "here: test_autograd_functional_inside_transforms",
    ),
    (
        "TestComposability",
        "test_autograd_functional_jacfwd_inside_transform",
        "here: test_autograd_functional_inside_transforms",
    ),
    (
        "TestComposability",
        "test_autograd_function_no_setup_context",
        (
            "differs: gpuad supports what torch refuses (documented in docs/porting.md); "
            + _E
            + "test_jvp_inside_autograd_function"
        ),
    ),
    (
        "TestComposability",
        "test_transforms_dont_support_saved_tensor_hooks",
        (
            "differs: saved-tensor hooks work under the transforms (docs/porting.md); "
            + _E
            + "test_jvp_with_saved_tensor_hooks"
        ),
    ),
    (
        "TestComposability",
        "test_vjp_doesnt_support_saved_tensor_hooks",
        (
            "differs: saved-tensor hooks work under the transforms (docs/porting.md); "
            + _E
            + "test_jvp_with_saved_tensor_hooks"
        ),
    ),
    (
        "TestComposability",
        "test_jvp_supports_saved_tensor_hooks",
        _E + "test_jvp_with_saved_tensor_hooks",
    ),
    ("TestComposability", "test_can_use_functionalize_when_key_is_excluded", _FX),
    (
        "TestComposability",
        "test_can_use_vmap_when_key_is_excluded",
        "n/a: torch's dispatch keys (_ExcludeDispatchKeyGuard)",
    ),
    (
        "TestComposability",
        "test_can_use_grad_when_key_is_excluded",
        "n/a: torch's dispatch keys (_ExcludeDispatchKeyGuard)",
    ),
    ("TestMakeFunctional", "test_disable_autograd_tracking", _MAKE_FUNCTIONAL),
    ("TestMakeFunctional", "test_parameter_tying", _MAKE_FUNCTIONAL),
    ("TestMakeFunctional", "test_buffer_tying", _MAKE_FUNCTIONAL),
    ("TestMakeFunctional", "test_with_buffers_disable_autograd_tracking", _MAKE_FUNCTIONAL),
    (
        "TestMakeFunctional",
        "test_using_detach_functional_call",
        "here: test_functional_call_detached_params",
    ),
    ("TestMakeFunctional", "test_parameter_tying_grad", _MAKE_FUNCTIONAL),
    ("TestMakeFunctional", "test_parameter_tying_ensemble", _MAKE_FUNCTIONAL),
    (
        "TestMakeFunctional",
        "test_correctness_mnist",
        (
            "n/a: a seeded torch.nn initialisation and Dropout2d in training mode cannot be "
            "reproduced in another library; functional_call of conv/pool/linear nets: "
            + _E
            + "test_per_sample_grads_embeddingnet"
        ),
    ),
    ("TestMakeFunctional", "test_combine_state_for_ensemble_error", _MAKE_FUNCTIONAL),
    ("TestMakeFunctional", "test_combine_state_for_ensemble_smoke", _MAKE_FUNCTIONAL),
    ("TestMakeFunctional", "test_stack_module_state_smoke", "here: test_stack_module_state"),
    ("TestMakeFunctional", "test_stack_module_state_leaf", "here: test_stack_module_state"),
    (
        "TestMakeFunctional",
        "test_stack_module_state_mismatch_error",
        "here: test_stack_module_state_requires_grad_mismatch",
    ),
    ("TestMakeFunctional", "test_stack_module_state_error", "here: test_stack_module_state"),
    (
        "TestMakeFunctional",
        "test_make_functional_state_correctly_returned_after_forward",
        "here: test_functional_call_state_restored_after_forward",
    ),
    ("TestExamplesCorrectness", "test_maml_regression", _E + "test_maml_regression"),
    (
        "TestExamplesCorrectness",
        "test_maml_omniglot",
        (
            "n/a: three 64-channel convolutions on 28x28 images per task (minutes of CPU); "
            "its grad-of-grad over functional_call is " + _E + "test_maml_regression"
        ),
    ),
    (
        "TestExamplesCorrectness",
        "test_update_batch_norm",
        (
            "n/a: replace_all_batch_norm_modules_ (functorch) and a 43264-wide linear layer; "
            "per-sample grads over functional_call: " + _E + "test_per_sample_grads_embeddingnet"
        ),
    ),
    (
        "TestExamplesCorrectness",
        "test_lennard_jones_batched_jac",
        _E + "test_lennard_jones_batched_jac",
    ),
    ("TestExamplesCorrectness", "test_ensemble_regression", _E + "test_ensemble_regression"),
    (
        "TestExamplesCorrectness",
        "test_find_learning_rate_ensembling",
        _E + "test_find_learning_rate_ensembling",
    ),
    ("TestExamplesCorrectness", "test_resnet18_per_sample_grads", "n/a: torchvision's resnet18"),
    ("TestFunctionalize", "test_simple_view", "here: test_functionalize[mutations-simple_view]"),
    (
        "TestFunctionalize",
        "test_multioutput_view",
        "here: test_functionalize[mutations-multioutput_view]",
    ),
    (
        "TestFunctionalize",
        "test_multioutput_view_preserves_autograd_metadata",
        (
            "differs: torch refuses writing into a multi-output view; gpuad runs it exactly; "
            "here: test_functionalize_multioutput_view_mutation_differs"
        ),
    ),
    (
        "TestFunctionalize",
        "test_multioutput_view_regeneration_matches_eager",
        "here: test_functionalize[mutations-multioutput_view_regeneration_matches_eager]",
    ),
    ("TestFunctionalize", "test_inplace_view", "here: test_functionalize[mutations-inplace_view]"),
    ("TestFunctionalize", "test_linear", "here: test_functionalize[mutations-linear]"),
    (
        "TestFunctionalize",
        "test_multioutput_inplace_slice_view",
        (
            "differs: in-place shape changes of a view raise; here: "
            "test_functionalize_inplace_slice_view_differs"
        ),
    ),
    (
        "TestFunctionalize",
        "test_functionalize_opt_tensor_list",
        "here: test_functionalize[mutations-opt_tensor_list]",
    ),
    ("TestFunctionalize", "test_functionalize_grad", "here: test_functionalize_grad_and_vmap_jvp"),
    (
        "TestFunctionalize",
        "test_vmap_functionalize_jvp",
        "here: test_functionalize_grad_and_vmap_jvp",
    ),
    ("TestFunctionalize", "test_functionalize_fake_tensors", "n/a: torch's FakeTensorMode"),
    ("TestFunctionalize", "test_functionalize_fx_simple", _FX),
    ("TestFunctionalize", "test_functionalize_fx_transpose_simple", _FX),
    ("TestFunctionalize", "test_functionalize_fx_out_op", _FX),
    ("TestFunctionalize", "test_functionalize_fx_multi_out_op", _FX),
    ("TestFunctionalize", "test_functionalize_fx_reapply_views_simple", _FX),
    (
        "TestFunctionalize",
        "test_functionalize_nonfunctional_output",
        "here: test_functionalize[mutations-nonfunctional_output]",
    ),
    (
        "TestFunctionalize",
        "test_functionalize_optional_tensorlist1",
        "here: test_functionalize[mutations-opt_tensor_list]",
    ),
    ("TestFunctionalize", "test_functionalize_optional_tensorlist2", _FX),
    ("TestFunctionalize", "test_resize_program_inputs", _FX),
    ("TestHigherOrderOperatorInteraction", "test_basic_sum", _HOP),
    ("TestHigherOrderOperatorInteraction", "test_vmap_sum", _HOP),
    ("TestHigherOrderOperatorInteraction", "test_grad_sum", _HOP),
    ("TestHigherOrderOperatorInteraction", "test_grad_grad_sum", _HOP),
    ("TestHigherOrderOperatorInteraction", "test_vmap_grad_sum", _HOP),
    ("TestHigherOrderOperatorInteraction", "test_no_grad_outside_grad", _HOP),
    ("TestHigherOrderOperatorInteraction", "test_no_grad_inside_grad", _HOP),
    (
        "TestHigherOrderOperatorInteraction",
        "test_grad_name_wrapping",
        _T + "test_grad_keeps_function_name",
    ),
    (
        "TestHigherOrderOperatorInteraction",
        "test_functional_call_multiple_dicts",
        "here: test_functional_call_multiple_dicts",
    ),
    ("TestCompileTransforms", "test_compile_vmap_hessian", _COMPILE),
    ("TestCompileTransforms", "test_compile_dynamic_grad_stride_slice_mha", _COMPILE),
    ("TestCompileTransforms", "test_compile_dynamic_grad_vjp_index_select_pytree", _COMPILE),
    ("TestCompileTransforms", "test_compile_dynamic_grad_vjp_trace_pytree", _COMPILE),
    ("TestCompileTransforms", "test_grad_deprecated_api", _COMPILE),
    (
        "TestGradTrackingTensorToList",
        "test_tolist_with_grad",
        "here: test_tolist_inside_grad[with_grad]",
    ),
    (
        "TestGradTrackingTensorToList",
        "test_tolist_nested_grad",
        "here: test_tolist_inside_grad[nested_grad]",
    ),
    (
        "TestGradTrackingTensorToList",
        "test_tolist_multidimensional_grad",
        "here: test_tolist_inside_grad[multidimensional_grad]",
    ),
    (
        "TestGradTrackingTensorToList",
        "test_tolist_conj_neg_grad",
        "here: test_tolist_inside_grad[conj_neg_grad]",
    ),
    (
        "TestVmapAPI",
        "test_non_tensor_output_raises",
        (
            "differs: a Python number returned by the function is an output (documented); "
            + _V
            + "test_number_outputs"
        ),
    ),
    (
        "TestVmapAPI",
        "test_different_map_dim_size_raises",
        _V + "test_different_map_dim_size_raises",
    ),
    ("TestVmapAPI", "test_func_with_no_inputs", _V + "test_func_with_no_batched_inputs"),
    ("TestVmapAPI", "test_func_with_no_tensors", _V + "test_func_with_no_batched_inputs"),
    (
        "TestVmapAPI",
        "test_constant_function",
        "here: test_vmap_api_against_torch[constant_function]",
    ),
    ("TestVmapAPI", "test_single_input", _V + "test_single_and_multiple_inputs_and_outputs"),
    ("TestVmapAPI", "test_multiple_inputs", _V + "test_single_and_multiple_inputs_and_outputs"),
    ("TestVmapAPI", "test_multiple_outputs", _V + "test_single_and_multiple_inputs_and_outputs"),
    ("TestVmapAPI", "test_multiple_outputs2", _V + "test_single_and_multiple_inputs_and_outputs"),
    ("TestVmapAPI", "test_nested_with_same_map_dim", _V + "test_nested"),
    (
        "TestVmapAPI",
        "test_nested_with_diag_embed",
        "here: test_vmap_api_against_torch[nested_with_diag_embed]",
    ),
    ("TestVmapAPI", "test_nested_with_different_map_dim", _V + "test_nested"),
    (
        "TestVmapAPI",
        "test_noop_in_inner_vmap",
        "here: test_vmap_api_against_torch[noop_in_inner_vmap]",
    ),
    ("TestVmapAPI", "test_unsupported_op_err_msg", "here: test_vmap_unsupported_op_err_msg"),
    ("TestVmapAPI", "test_nonzero_out_dims", _V + "test_nonzero_out_dims"),
    ("TestVmapAPI", "test_multiple_out_dims", _V + "test_multiple_and_nested_out_dims"),
    ("TestVmapAPI", "test_nested_out_dims", _V + "test_multiple_and_nested_out_dims"),
    (
        "TestVmapAPI",
        "test_out_dims_edge_case",
        "here: test_vmap_api_against_torch[out_dims_edge_case]",
    ),
    (
        "TestVmapAPI",
        "test_out_dims_none_tuple",
        "here: test_vmap_api_against_torch[out_dims_none_tuple]",
    ),
    ("TestVmapAPI", "test_out_dims_none", _V + "test_out_dims_none"),
    (
        "TestVmapAPI",
        "test_out_dims_normal_tensor",
        "here: test_vmap_api_against_torch[out_dims_normal_tensor]",
    ),
    ("TestVmapAPI", "test_pytree_returns", _V + "test_pytree_returns"),
    (
        "TestVmapAPI",
        "test_pytree_odict_returns",
        "here: test_vmap_api_against_torch[pytree_odict_returns]",
    ),
    (
        "TestVmapAPI",
        "test_pytree_returns_outdims",
        "here: test_vmap_api_against_torch[pytree_returns_outdims]",
    ),
    (
        "TestVmapAPI",
        "test_pytree_returns_broadcast_simple",
        "here: test_vmap_api_against_torch[pytree_returns_broadcast_simple]",
    ),
    (
        "TestVmapAPI",
        "test_pytree_returns_broadcast_nested",
        "here: test_vmap_api_against_torch[pytree_returns_broadcast_nested]",
    ),
    (
        "TestVmapAPI",
        "test_out_dims_must_be_int_or_collection_of_int_err_msg",
        _V + "test_out_dims_errors",
    ),
    ("TestVmapAPI", "test_out_dims_and_num_outputs_mismatch_err_msg", _V + "test_out_dims_errors"),
    ("TestVmapAPI", "test_out_dim_out_of_bounds_err_msg", _V + "test_out_dims_errors"),
    ("TestVmapAPI", "test_non_zero_in_dims", _V + "test_in_dims"),
    ("TestVmapAPI", "test_none_in_dims", _V + "test_in_dims"),
    ("TestVmapAPI", "test_nested_non_default_in_dims", _V + "test_in_dims"),
    ("TestVmapAPI", "test_nested_negative_in_dims", _V + "test_in_dims"),
    ("TestVmapAPI", "test_non_default_in_dims_out_dims", _V + "test_in_dims"),
    ("TestVmapAPI", "test_item_throws", _V + "test_item_and_control_flow_raise"),
    (
        "TestVmapAPI",
        "test_data_dependent_control_flow_throws",
        _V + "test_item_and_control_flow_raise",
    ),
    ("TestVmapAPI", "test_accepts_nested_inputs", _V + "test_accepts_nested_inputs"),
    ("TestVmapAPI", "test_in_dims_wrong_type_err_msg", _V + "test_in_dims_errors"),
    ("TestVmapAPI", "test_not_enough_in_dims_err_msg", _V + "test_in_dims_errors"),
    ("TestVmapAPI", "test_integer_in_dim_but_not_tensor_input_err_msg", _V + "test_in_dims_errors"),
    ("TestVmapAPI", "test_in_dim_not_in_tensor_err_msg", _V + "test_in_dims_errors"),
    (
        "TestVmapAPI",
        "test_fallback_does_not_warn_by_default",
        (
            "n/a: warnings of torch's slow per-example fallback (gpuad warns once per "
            "primitive without a batching rule)"
        ),
    ),
    (
        "TestVmapAPI",
        "test_fallback_warns_when_warnings_are_enabled",
        (
            "n/a: warnings of torch's slow per-example fallback (gpuad warns once per "
            "primitive without a batching rule)"
        ),
    ),
    (
        "TestVmapAPI",
        "test_fallback_zero_dim",
        (
            "differs: a batch of size 0 is mapped (torch's fallback refuses it); "
            + _V
            + "test_zero_size_batch_and_multiple_returns"
        ),
    ),
    ("TestVmapAPI", "test_fallback_atan2", "here: test_vmap_api_against_torch[fallback_atan2]"),
    (
        "TestVmapAPI",
        "test_fallback_masked_fill",
        "here: test_vmap_api_against_torch[fallback_masked_fill]",
    ),
    (
        "TestVmapAPI",
        "test_fallback_multiple_returns",
        _V + "test_zero_size_batch_and_multiple_returns",
    ),
    (
        "TestVmapAPI",
        "test_inplace_fallback_unary",
        (
            "differs: writes into a vmapped argument raise; here: "
            "test_vmap_inplace_into_arguments_differs[unary]"
        ),
    ),
    (
        "TestVmapAPI",
        "test_inplace_fallback_nary_same_levels",
        (
            "differs: writes into a vmapped argument raise; here: "
            "test_vmap_inplace_into_arguments_differs[nary_same_levels]"
        ),
    ),
    (
        "TestVmapAPI",
        "test_inplace_fallback_nary_different_levels",
        (
            "differs: writes into a vmapped argument raise; here: "
            "test_vmap_inplace_into_arguments_differs[nary_different_levels]"
        ),
    ),
    (
        "TestVmapAPI",
        "test_backward_unsupported_interaction",
        _V + "test_backward_inside_vmap_raises",
    ),
    (
        "TestVmapAPI",
        "test_grad_unsupported_interaction",
        "here: test_grad_unsupported_interaction",
    ),
    (
        "TestVmapAPI",
        "test_batched_gradient_basic",
        "here: test_batched_gradient_basic (its ad.vjp form: "
        + _V
        + "test_batched_gradient_basic)",
    ),
    ("TestVmapAPI", "test_functools_partial", _V + "test_functools_partial_and_module"),
    ("TestVmapAPI", "test_nn_module", _V + "test_functools_partial_and_module"),
    (
        "TestVmapAPI",
        "test_fallback_with_undefined_grad",
        "here: test_vmap_fallback_with_undefined_grad",
    ),
    ("TestVmapAPI", "test_reshape_dim_into", _INTERNAL),
    ("TestVmapAPI", "test_reshape_dim_outof", _INTERNAL),
    (
        "TestVmapAPI",
        "test_batch_rule_does_not_need_to_handle_no_batched_input",
        _V + "test_batch_rule_without_batched_input",
    ),
    (
        "TestVmapAPI",
        "test_vmap_autocast_cpu",
        "n/a: torch.autocast under vmap (skipped on CPU upstream; CUDA)",
    ),
    (
        "TestVmapAPI",
        "test_vmap_autocast_cuda",
        "n/a: torch.autocast under vmap (skipped on CPU upstream; CUDA)",
    ),
    ("TestVmapAPI", "test_restore_vmap_pytree_input_output", _INTERNAL),
    ("TestVmapAPI", "test_restore_vmap_no_vmapped_inputs", _INTERNAL),
    ("TestVmapAPI", "test_restore_vmap_unexpanded_outputs", _INTERNAL),
    ("TestRandomness", "test_factory_ops", _V + "test_factory_ops_randomness"),
    ("TestRandomness", "test_randperm", _V + "test_randperm_and_dropout_randomness"),
    ("TestRandomness", "test_dropout", _V + "test_randperm_and_dropout_randomness"),
    (
        "TestRandomness",
        "test_alpha_dropout",
        "here: test_dropout_variants_randomness[first-alpha_dropout]",
    ),
    (
        "TestRandomness",
        "test_feature_dropout",
        "here: test_dropout_variants_randomness[last-feature_dropout2d]",
    ),
    (
        "TestRandomness",
        "test_feature_alpha_dropout",
        "here: test_dropout_variants_randomness[none-feature_alpha_dropout]",
    ),
    ("TestRandomness", "test_like_functions", "here: test_random_inplace_and_like_randomness"),
    (
        "TestRandomness",
        "test_random_unary_inplace",
        "here: test_random_inplace_and_like_randomness",
    ),
    ("TestRandomness", "test_bernoulli_in_place", "here: test_random_inplace_and_like_randomness"),
    (
        "TestRandomness",
        "test_random_binary_out_of_place",
        "here: test_random_out_of_place_randomness",
    ),
    (
        "TestRandomness",
        "test_random_unary_out_of_place",
        "here: test_random_out_of_place_randomness",
    ),
    ("TestRandomness", "test_multinomial", "here: test_random_out_of_place_randomness"),
    ("TestRandomness", "test_unsupported_random", "here: test_unsupported_random"),
    (
        "TestRandomness",
        "test_chunk_vmap",
        (
            'differs: randomness="different" raises (draw outside, pass batched); here: '
            "test_randomness_different_differs"
        ),
    ),
    (
        "TestRandomness",
        "test_vmap_chunksize",
        (
            'differs: randomness="different" raises (draw outside, pass batched); here: '
            "test_randomness_different_differs"
        ),
    ),
    (
        "TestRandomness",
        "test_jacfwd_with_random",
        (
            'differs: randomness="different" raises (draw outside, pass batched); here: '
            "test_randomness_different_differs"
        ),
    ),
    ("TestRandomness", "test_dropout_unbatched", "here: test_dropout_unbatched[same]"),
    ("TestAutogradFunctional", "test_vjp_err_check", "here: test_af_err_check[vjp]"),
    ("TestAutogradFunctional", "test_vjp_err_check_strict", "here: test_af_err_check_strict[vjp]"),
    ("TestAutogradFunctional", "test_vjp_no_grad", "here: test_af_no_grad[vjp]"),
    ("TestAutogradFunctional", "test_vjp_output", "here: test_af_output_and_scalar[vjp]"),
    ("TestAutogradFunctional", "test_vjp_scalar", "here: test_af_output_and_scalar[vjp]"),
    ("TestAutogradFunctional", "test_vjp_create_graph", "here: test_af_create_graph[vjp]"),
    ("TestAutogradFunctional", "test_jvp_err_check", "here: test_af_err_check[jvp]"),
    ("TestAutogradFunctional", "test_jvp_err_check_strict", "here: test_af_err_check_strict[jvp]"),
    ("TestAutogradFunctional", "test_jvp_no_grad", "here: test_af_no_grad[jvp]"),
    ("TestAutogradFunctional", "test_jvp_output", "here: test_af_output_and_scalar[jvp]"),
    ("TestAutogradFunctional", "test_jvp_scalar", "here: test_af_output_and_scalar[jvp]"),
    ("TestAutogradFunctional", "test_jvp_create_graph", "here: test_af_create_graph[jvp]"),
    (
        "TestAutogradFunctional",
        "test_construct_standard_basis_for",
        "n/a: torch's private autograd.functional._construct_standard_basis_for",
    ),
    (
        "TestAutogradFunctional",
        "test_jacobian_vectorize_raises_no_warnings",
        "here: test_af_vectorize_raises_no_warnings[jacobian]",
    ),
    (
        "TestAutogradFunctional",
        "test_hessian_vectorize_raises_no_warnings",
        "here: test_af_vectorize_raises_no_warnings[hessian]",
    ),
    ("TestAutogradFunctional", "test_jacobian_err_check", "here: test_af_err_check[jacobian]"),
    (
        "TestAutogradFunctional",
        "test_jacobian_err_check_strict",
        "here: test_af_err_check_strict[jacobian]",
    ),
    (
        "TestAutogradFunctional",
        "test_jacobian_err_check_strict_vectorize",
        "here: test_af_err_check_strict_vectorize[jacobian]",
    ),
    ("TestAutogradFunctional", "test_jacobian_no_grad", "here: test_af_no_grad[jacobian]"),
    ("TestAutogradFunctional", "test_jacobian_output", "here: test_af_output_and_scalar[jacobian]"),
    ("TestAutogradFunctional", "test_jacobian_scalar", "here: test_af_output_and_scalar[jacobian]"),
    (
        "TestAutogradFunctional",
        "test_jacobian_create_graph",
        "here: test_af_create_graph[jacobian]",
    ),
    (
        "TestAutogradFunctional",
        "test_jacobian_vectorize_correctness_simple",
        "here: test_jacobian_vectorize_correctness[simple]",
    ),
    (
        "TestAutogradFunctional",
        "test_jacobian_vectorize_correctness_multi_input",
        "here: test_jacobian_vectorize_correctness[multi_input]",
    ),
    (
        "TestAutogradFunctional",
        "test_jacobian_vectorize_correctness_multi_input_multi_output",
        "here: test_jacobian_vectorize_correctness[multi_input_multi_output]",
    ),
    (
        "TestAutogradFunctional",
        "test_jacobian_vectorize_correctness_unrelated_outputs",
        "here: test_jacobian_vectorize_correctness[unrelated_outputs]",
    ),
    (
        "TestAutogradFunctional",
        "test_jacobian_vectorize_correctness_zero_dim",
        "here: test_jacobian_vectorize_correctness[zero_dim]",
    ),
    (
        "TestAutogradFunctional",
        "test_jacobian_vectorize_correctness_different_dtype",
        "here: test_jacobian_vectorize_correctness[different_dtype]",
    ),
    (
        "TestAutogradFunctional",
        "test_hessian_vectorize_correctness_simple",
        "here: test_hessian_vectorize_correctness[simple]",
    ),
    (
        "TestAutogradFunctional",
        "test_hessian_vectorize_correctness_multi_input",
        "here: test_hessian_vectorize_correctness[multi_input]",
    ),
    (
        "TestAutogradFunctional",
        "test_hessian_vectorize_correctness_unrelated_outputs",
        "here: test_hessian_vectorize_correctness[unrelated_outputs]",
    ),
    ("TestAutogradFunctional", "test_hessian_err_check", "here: test_af_err_check[hessian]"),
    (
        "TestAutogradFunctional",
        "test_hessian_err_check_strict",
        "here: test_af_err_check_strict[hessian]",
    ),
    (
        "TestAutogradFunctional",
        "test_hessian_err_check_strict_vectorize",
        "here: test_af_err_check_strict_vectorize[hessian]",
    ),
    ("TestAutogradFunctional", "test_hessian_no_grad", "here: test_af_no_grad[hessian]"),
    ("TestAutogradFunctional", "test_hessian_output", "here: test_af_output_and_scalar[hessian]"),
    ("TestAutogradFunctional", "test_hessian_scalar", "here: test_af_output_and_scalar[hessian]"),
    ("TestAutogradFunctional", "test_hessian_create_graph", "here: test_af_create_graph[hessian]"),
    ("TestAutogradFunctional", "test_vhp_err_check", "here: test_af_err_check[vhp]"),
    ("TestAutogradFunctional", "test_vhp_err_check_strict", "here: test_af_err_check_strict[vhp]"),
    ("TestAutogradFunctional", "test_vhp_no_grad", "here: test_af_no_grad[vhp]"),
    ("TestAutogradFunctional", "test_vhp_output", "here: test_af_output_and_scalar[vhp]"),
    ("TestAutogradFunctional", "test_vhp_scalar", "here: test_af_output_and_scalar[vhp]"),
    ("TestAutogradFunctional", "test_vhp_create_graph", "here: test_af_create_graph[vhp]"),
    ("TestAutogradFunctional", "test_hvp_err_check", "here: test_af_err_check[hvp]"),
    ("TestAutogradFunctional", "test_hvp_err_check_strict", "here: test_af_err_check_strict[hvp]"),
    ("TestAutogradFunctional", "test_hvp_no_grad", "here: test_af_no_grad[hvp]"),
    ("TestAutogradFunctional", "test_hvp_output", "here: test_af_output_and_scalar[hvp]"),
    ("TestAutogradFunctional", "test_hvp_scalar", "here: test_af_output_and_scalar[hvp]"),
    ("TestAutogradFunctional", "test_hvp_create_graph", "here: test_af_create_graph[hvp]"),
    (
        "TestAutogradFunctional",
        "test_jacobian_match_vjp_jvp",
        "here: test_af_match_vjp_jvp_and_vhp_hvp",
    ),
    (
        "TestAutogradFunctional",
        "test_hessian_match_vhp_hvp",
        "here: test_af_match_vjp_jvp_and_vhp_hvp",
    ),
)


def _param_values(fn) -> set[str]:
    return {
        str(v) for m in getattr(fn, "pytestmark", []) if m.name == "parametrize" for v in m.args[1]
    }


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == 413
    per_class = {}
    for cls, name, where in GAPS:
        per_class[cls] = per_class.get(cls, 0) + 1
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        if where.startswith("differs:"):
            assert "here:" in where or "covered:" in where, (cls, name)
        for fn, param in re.findall(r"here: (test_\w+)(?:\[([\w-]+)\])?", where):
            assert fn in globals(), (name, fn)
            if param:
                values = _param_values(globals()[fn])
                assert set(param.split("-")) <= values, (name, param, values)
        for path, obj in re.findall(r"covered: ([\w/.]+\.py)::(\w+)", where):
            text = (Path(__file__).parent / path).read_text()
            assert f"def {obj}(" in text, (name, path, obj)
    # the upstream classes and their sizes (test_eager_transforms.py, test_vmap.py's two
    # classes, test_functional.py's TestAutogradFunctional)
    assert per_class == {
        "TestSliceArgnums": 9,
        "TestGradTransform": 74,
        "TestAutogradFunction": 7,
        "TestAutogradFunctionVmapAPI": 10,
        "TestVmapOfGrad": 6,
        "TestJac": 42,
        "TestHessian": 4,
        "TestJvp": 23,
        "TestLinearize": 6,
        "TestVmapJvpInplaceView": 5,
        "TestHelpers": 6,
        "TestComposability": 28,
        "TestMakeFunctional": 15,
        "TestExamplesCorrectness": 7,
        "TestFunctionalize": 20,
        "TestHigherOrderOperatorInteraction": 9,
        "TestCompileTransforms": 5,
        "TestGradTrackingTensorToList": 4,
        "TestVmapAPI": 64,
        "TestRandomness": 17,
        "TestAutogradFunctional": 52,
    }, per_class
