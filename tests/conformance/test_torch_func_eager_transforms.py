"""PyTorch functorch's eager-transform tests, run through ``gpuad.func`` and compared with
``torch.func`` in the same process.

Follows pytorch/pytorch test/functorch/test_eager_transforms.py (TestGradTransform,
TestVmapOfGrad, TestJac, TestHessian, TestJvp, TestLinearize, TestComposability,
TestExamplesCorrectness). Each program is written once with the Tensor methods torch and gpuad
share and run on both libraries (``L`` below is torch's or gpuad's namespace); the results
must agree in structure (tuples, lists, dicts), in TYPE (a gpuad Tensor where torch.func gives
a Tensor, requiring grad exactly where torch's does, of the same dtype) and in value, and
gradients taken through an outer ``autograd.grad`` must agree too.

tests/conformance/test_torch_func_transforms.py runs most of the same torch tests through
gpuad's JAX-facing transforms (``gpuad.grad``, ...; results are arrays there). The torch tests
not ported here, and why:
- test_layout_sparse: gpuad has no sparse layout.
- test_is_cuda: compared only on the NumPy backend (gpuad on CuPy is on the GPU, torch here
  on the CPU).
- test_invalid_argnums, test_inplace_on_captures (TestGradTransform and TestJvp),
  test_grad_aux_tensor/test_*_aux_pytree's errors for non-Tensor aux, test_complex_error,
  test_requires_grad_inside_transform: gpuad's documented behaviour, in
  test_torch_func_transforms.py (gpuad takes numbers and strings in aux, as JAX).
- test_escaped_wrappers_*, test_tensor_print, test_pop_dynamic_layer_stack_*,
  test_can_use_*_when_key_is_excluded, test_make_fx_*, test_deprecation_*,
  test_no_warning_on_import_functorch: functorch's wrappers, dispatch keys, FX and the
  deprecated functorch namespace, which gpuad does not have.
- test_functional_init*, make_functional mechanisms: removed from torch.func (functorch
  only); the functional_call mechanism is ported.
- test_disable_fwd_grad_* and test_autograd_function_disables_fwd_grad: torch's private
  ``fwAD._set_fwd_grad_enabled``, which gpuad does not have.
- test_transforms_dont_support_saved_tensor_hooks, test_vjp_doesnt_support_saved_tensor_hooks,
  test_autograd_function_no_setup_context: gpuad supports what torch refuses (documented in
  docs/porting.md).
- test_update_batch_norm (``replace_all_batch_norm_modules_``), test_resnet18_per_sample_grads
  (torchvision), test_maml_omniglot (three 64-channel convolutions on 28x28 images: minutes
  of CPU; its per-task grad-of-grad over functional_call is what test_maml_regression runs).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.func as tfunc  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.func as gfunc  # noqa: E402
import gpuad.nn as gnn  # noqa: E402
import gpuad.nn.functional as gF  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402


class _Lib:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _t_tensor(a, requires_grad=False):
    return torch.tensor(np.asarray(a), requires_grad=requires_grad)


def _g_tensor(a, requires_grad=False):
    return ad.tensor(ad.get_backend().xp.asarray(np.array(a, copy=True)),
                     requires_grad=requires_grad)


TL = _Lib(
    name="torch", func=tfunc, autograd=torch.autograd, no_grad=torch.no_grad,
    enable_grad=torch.enable_grad, inference_mode=torch.inference_mode, tensor=_t_tensor,
    Tensor=torch.Tensor, nn=torch.nn, F=torch.nn.functional, stack=torch.stack,
    ones=lambda *s: torch.ones(*s, dtype=torch.float64), Function=torch.autograd.Function,
    cov=torch.cov, vstack=torch.vstack,
)
GL = _Lib(
    name="gpuad", func=gfunc, autograd=ad.autograd, no_grad=ad.no_grad,
    enable_grad=ad.enable_grad, inference_mode=ad.inference_mode, tensor=_g_tensor,
    Tensor=ad.Tensor, nn=gnn, F=gF, stack=lambda ts, dim=0: gnp.stack(ts, axis=dim),
    ones=lambda *s: gnp.ones(s), Function=ad.autograd.Function,
    cov=gnp.cov, vstack=gnp.vstack,
)


class RG:
    """An input that requires grad."""

    def __init__(self, a):
        self.a = np.asarray(a, dtype=float)


def _host(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    d = t.detach().data if isinstance(t, ad.Tensor) else t
    return d.get() if hasattr(d, "get") else np.asarray(d)


def _same(g, t, tol=1e-10, path="result"):
    """gpuad's result ``g`` against torch's ``t``: structure, types, requires_grad, dtype,
    shape and values."""
    if isinstance(t, tuple | list | dict):
        assert type(g) is type(t), f"{path}: {type(g).__name__} where torch has {type(t).__name__}"
        assert len(g) == len(t), f"{path}: length {len(g)} != {len(t)}"
        if isinstance(t, dict):
            assert sorted(g) == sorted(t), f"{path}: keys {sorted(g)} != {sorted(t)}"
            for k in t:
                _same(g[k], t[k], tol, f"{path}[{k!r}]")
        else:
            for i, (x, y) in enumerate(zip(g, t, strict=True)):
                _same(x, y, tol, f"{path}[{i}]")
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(g, ad.Tensor), f"{path}: {type(g).__name__} where torch has a Tensor"
        assert g.requires_grad == t.requires_grad, (
            f"{path}: requires_grad {g.requires_grad} where torch's is {t.requires_grad}")
        assert np.dtype(g.dtype).name == str(t.dtype).replace("torch.", ""), (
            f"{path}: dtype {g.dtype} where torch's is {t.dtype}")
        assert tuple(g.shape) == tuple(t.shape), f"{path}: shape {g.shape} != {tuple(t.shape)}"
        np.testing.assert_allclose(_host(g), t.detach().resolve_conj().numpy(), rtol=tol, atol=tol,
                                   err_msg=path)
        return
    assert g == t, f"{path}: {g!r} != {t!r}"


def _both(prog, *args, tol=1e-10):
    """``prog(L, *inputs)`` on torch and on gpuad; the results must be the same. Arrays
    become each library's tensors (``RG(a)``: requiring grad); other arguments pass as they
    are. Returns ``(gpuad's, torch's)``."""
    outs = []
    for L in (TL, GL):
        xs = [L.tensor(a.a, requires_grad=True) if isinstance(a, RG) else
              L.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        outs.append(prog(L, *xs))
    _same(outs[1], outs[0], tol)
    return outs[1], outs[0]


def _r(rng, *shape):
    return rng.standard_normal(shape)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def sin(x):
    return x.sin()


def mul(x, y):
    return x * y


# ---- TestGradTransform -------------------------------------------------------------------------

def test_primitive_and_composites(backend, rng):
    _both(lambda L, x: L.func.grad(sin)(x), _r(rng))
    _both(lambda L, x: L.func.grad(lambda x: x.flatten().sum())(x), _r(rng, 2, 3, 4))
    _both(lambda L, x, y: L.func.grad(lambda x, y: (x @ y).sum())(x, y), _r(rng, 3),
          _r(rng, 3, 5))
    targets = rng.integers(0, 5, 2)
    _both(lambda L, y, t: L.func.grad(L.F.cross_entropy)(y, t), _r(rng, 2, 5), targets)


def test_linear_nd_inplace_activation(backend, rng):
    def prog(L, x, w, b):
        return L.func.grad(lambda x, w, b: L.F.linear(x, w, b).relu_().sum(),
                           argnums=(0, 1, 2))(x, w, b)

    _both(prog, _r(rng, 2, 3, 8), _r(rng, 16, 8), _r(rng, 16))


def test_fn_with_kwargs(backend, rng):
    _both(lambda L, x, y: (L.func.grad(lambda x, y: (x * y).sum())(x, y=y),
                           L.func.grad(lambda x, y: (x * y).sum())(x, y)),
          _r(rng, 3), _r(rng, 3))


def test_attributes(backend, rng):
    def prog(L, x):
        seen = []

        def foo(x):
            seen.extend([tuple(x.shape), str(x.dtype).replace("torch.", ""), x.numel(),
                         x.dim()])
            if backend == "numpy":
                seen.append(bool(x.is_cuda))
            return x.sum()

        return L.func.grad(foo)(x), seen

    _both(prog, _r(rng, 2, 3, 5))


def test_inplace_and_views(backend, rng):
    # y[0, ...]: gpuad's y[0] is a copy that refuses writes (documented); y[0, ...] is the view
    def on_view(x):
        y = x.clone()
        y0 = y[0, ...]
        y0.sin_()
        return y.sum()

    def on_view_base(x):
        y = x.clone()
        y0 = y[0, ...]
        y.sin_()
        return y0

    def view_inplace_simple(x):
        x = x.clone()
        x.view([]).sin_()
        return x

    x = _r(rng, 3)
    _both(lambda L, x: L.func.grad(lambda x: x.clone().sin_())(x), _r(rng))
    _both(lambda L, x: L.func.grad(on_view)(x), x)
    _both(lambda L, x: L.func.grad(on_view_base)(x), x)
    # x requires grad: the gradient is part of x's graph, as torch's
    _both(lambda L, x: L.func.grad(view_inplace_simple)(x), RG(_r(rng)))


def test_nesting_and_vjp(backend, rng):
    x, v = _r(rng), _r(rng)
    _both(lambda L, x: L.func.grad(L.func.grad(sin))(x), x)

    def vjp_prog(L, x, v):
        out, vjp_fn = L.func.vjp(sin, x)
        return out, vjp_fn(v)

    _both(vjp_prog, x, v)

    def two_outputs(L, x):
        result, vjp_fn = L.func.vjp(lambda x: (x, x), x)
        return result, vjp_fn(result)

    _both(two_outputs, np.array(1.0))


def test_conj_bit(backend):
    _both(lambda L, x: L.func.grad(lambda x: x.conj().abs())(x), np.array(1 + 1j))


def test_composed_with_autograd(backend, rng):
    def prog(L, x):
        y = L.func.grad(sin)(x)
        return y, L.autograd.grad(y, x)

    _both(prog, RG(_r(rng)))


def test_vjp_grad_compositions(backend, rng):
    def grad_of_vjp(L, x, y):
        out, vjp_fn = L.func.vjp(sin, x)
        return L.func.grad(lambda y: vjp_fn(y)[0])(y)

    def vjp_of_grad(L, x, y):
        out, vjp_fn = L.func.vjp(L.func.grad(sin), x)
        return vjp_fn(y)[0]

    def grad_of_vjp_of_grad(L, x, y):
        df, vjp_fn = L.func.vjp(L.func.grad(lambda x: -x.cos()), x)
        return L.func.grad(lambda y: vjp_fn(y)[0])(y)

    for prog in (grad_of_vjp, vjp_of_grad, grad_of_vjp_of_grad):
        _both(prog, _r(rng), _r(rng))


def test_views(backend, rng):
    def prog(L, x, y):
        def silly_sin(x):
            return x.view([]).sin()

        result = L.func.grad(silly_sin)(x) + y.cos()
        return result, L.autograd.grad(result, [x, y])

    _both(prog, RG(_r(rng)), RG(_r(rng)))


def test_argnums(backend, rng):
    def prog(L, x, y):
        g = functools.partial(L.func.grad, mul)
        return (g(argnums=0)(x, y), g(argnums=1)(x, y), g(argnums=(0,))(x, y),
                g(argnums=(0, 1))(x, y), g(argnums=(1, 0))(x, y), g(argnums=-2)(x, y),
                g(argnums=-1)(x, y), g(argnums=(-2,))(x, y), g(argnums=(-2, -1))(x, y))

    _both(prog, _r(rng), _r(rng))


def test_grad_pytree_inputs(backend, rng):
    def prog(L, x):
        def f(a, b):
            x, y = a
            return 1 * x + 2 * y + 3 * b["foo"]

        args = ((x, x), {"foo": x})
        return (L.func.grad(f)(*args), L.func.grad(f, argnums=(0,))(*args),
                L.func.grad(f, argnums=(0, 1))(*args))

    _both(prog, _r(rng))


def test_aux(backend, rng):
    def prog(L, x):
        out, aux = L.func.grad(lambda t: (t.sin().sum(), t.cos()), has_aux=True)(x)
        out2, aux2 = L.func.grad(
            lambda x: (x.sin().sum(), {"a": x.cos(), "b": [x.tan()]}), has_aux=True)(x)
        gv = L.func.grad_and_value(lambda x: (x.sin().sum(), [x.cos()]), has_aux=True)(x)
        return out, aux, out2, aux2, gv

    _both(prog, _r(rng, 3))


def test_zero_and_unrelated(backend, rng):
    def zero_grad(L, a, b):
        return L.func.grad(lambda d: (d["a"] ** 2.0).sum())({"a": a, "b": b})

    _both(zero_grad, _r(rng, 10) + 3, _r(rng, 10))

    def unrelated(L, x):
        y = L.tensor(np.array(2.0))
        w = L.tensor(np.array(3.0))
        v = L.tensor(np.array(1.0))
        g = L.func.grad(lambda x: y)(x)
        out, vjp_fn = L.func.vjp(lambda x: y, x)
        out2, vjp_fn2 = L.func.vjp(lambda w, x: (y, y, x), w, x)
        return g, out, vjp_fn(v), out2, vjp_fn2((v, v, v))

    _both(unrelated, np.array(1.0))

    def unrelated_hessian(L, w, x):
        return L.func.jacrev(L.func.jacrev(lambda x: w @ x))(x)

    _both(unrelated_hessian, _r(rng, 5, 3), _r(rng, 3))


def test_vjp_pytrees(backend, rng):
    def pytree_input(L, x, v):
        out, vjp_fn = L.func.vjp(lambda x: x[0] * x[1][0], (x, (x, x)))
        return out, vjp_fn(v)

    _both(pytree_input, _r(rng), _r(rng))

    def pytree_output(L, x, v1, v2, v3):
        _, vjp_fn = L.func.vjp(lambda x: (x, (x, x)), x)
        return vjp_fn((v1, (v2, v3)))

    _both(pytree_output, _r(rng), _r(rng), _r(rng), _r(rng))

    def any_pytree(L, x, t):
        res = []
        out, vjp_fn = L.func.vjp(lambda x: [x, x.sum()], x)
        res += [out, vjp_fn([t, t.sum()])]
        out, vjp_fn = L.func.vjp(lambda x: {"x": x, "xsum": x.sum()}, x)
        res += [out, vjp_fn({"x": t, "xsum": t.sum()})]

        def composite_output(x):
            out = x.sum()
            return [(out, {"a": x, "out": [x, out]})]

        out, vjp_fn = L.func.vjp(composite_output, x)
        res += [out, vjp_fn([(t.sum(), {"a": t, "out": [t, t.sum()]})])]
        return res

    _both(any_pytree, _r(rng, 2, 3), _r(rng, 2, 3))

    def aux(L, x, v):
        out, vjp_fn, aux = L.func.vjp(lambda t: (t.sin(), t.cos()), x, has_aux=True)
        out2, vjp_fn2, aux2 = L.func.vjp(
            lambda x: (x.sin(), {"a": x.cos(), "b": [x.tan()]}), x, has_aux=True)
        return out, aux, vjp_fn(v), out2, aux2, vjp_fn2(v)

    _both(aux, _r(rng, 3), _r(rng, 3))


def test_advanced_indexing(backend, rng):
    def f(value):
        log_prob = value.new_ones(())
        val = value.new_zeros(()) > 0
        log_prob[val] = 0
        return value

    def f2(value):
        value = value.clone()
        value[value > 0] = 0
        return value.sum()

    _both(lambda L, x: L.func.grad(f)(x), _r(rng))
    _both(lambda L, x: L.func.grad(f2)(x), _r(rng, 100))


def test_tensor_ctor_inside_grad(backend):
    _both(lambda L, x: L.func.grad(lambda x: x * L.tensor(np.array(2.0)))(x), np.array(3.14))


def test_print_captured_tensor_inside_transform(backend):
    x = _g_tensor(np.array([1.0, 2.0, 3.0]))
    seen = []

    def f(y):
        seen.append(repr(x))
        return y

    gfunc.vjp(f, _g_tensor(np.ones(4)))
    assert seen == [repr(x)]


def test_no_grad(backend, rng):
    def f(x):
        with _L[0].no_grad():
            shift = x ** 2
        return x ** 2 - shift

    _L = []

    def outside(L, x):
        with L.no_grad():
            y = L.func.grad(sin)(x)
        return y

    def inside(L, x, xr):
        _L[:] = [L]
        y = L.func.grad(f)(xr)
        return L.func.grad(f)(x), L.func.grad(L.func.grad(f))(x), y, L.autograd.grad(y, xr)

    def mixed(L, x):
        _L[:] = [L]
        with L.no_grad():
            return L.func.grad(f)(x)

    def nested_simple(L, x):
        def h(x):
            with L.no_grad():
                shift = L.func.grad(lambda x: 0.25 * x ** 4)(x)
            return x ** 3 - shift

        y = L.func.grad(h)(x)
        return y, L.autograd.grad(y, x)

    def nested_complicated(L, x):
        def f3(x):
            with L.no_grad():
                shift = x ** 3
            return x ** 3 - shift

        def g(x):
            r1 = L.func.grad(f3)(x)
            with L.no_grad():
                shift = L.func.grad(f3)(x)
            return r1 - shift

        y = L.func.grad(g)(x)
        return y, L.autograd.grad(y, x)

    def no_grad_value(L, x):
        def h(x):
            with L.no_grad():
                gvalue, value = L.func.grad_and_value(lambda x: x ** 3)(x)
            return x ** 3 - value

        y = L.func.grad(h)(x)
        return y, L.autograd.grad(y, x)

    _both(outside, RG(_r(rng)))
    _both(inside, _r(rng), RG(_r(rng)))
    _both(mixed, RG(_r(rng)))
    _both(nested_simple, RG(1.5))
    _both(nested_complicated, RG(_r(rng)))
    _both(no_grad_value, RG(1.6))


def test_no_grad_and_vjp(backend):
    def h(x):
        return x ** 2

    def outside_vjp(L, x):
        with L.no_grad():
            out, vjp_fn = L.func.vjp(h, x)
            (y,) = vjp_fn(L.tensor(np.array(1.0)))
        return out, y

    def outside_vjp_fn(L, x):
        out, vjp_fn = L.func.vjp(h, x)
        with L.no_grad():
            (y,) = vjp_fn(L.tensor(np.array(1.0)))
        return out, y, L.autograd.grad(out, x)

    _both(outside_vjp, RG(2.0))
    _both(outside_vjp_fn, RG(3.14))


def test_no_grad_outside_vjp_only(backend):
    # torch: "This one is a little weird": vjp's forward under no_grad, vjp_fn outside: the
    # gradient 2x requires grad and differentiates to 2
    def prog(L, x):
        with L.no_grad():
            out, vjp_fn = L.func.vjp(lambda x: x ** 2, x)
        (y,) = vjp_fn(L.tensor(np.array(1.0)))
        return out, y, L.autograd.grad(y, x)

    _both(prog, RG(3.14))


def test_inference_mode(backend, rng):
    x, xs = _r(rng, 3), _r(rng, 5, 3)

    def prog(L, x, xs, x0):
        with L.inference_mode():
            out, vjp_fn = L.func.vjp(lambda x: (x ** 2).sum(), x)

            def f(x):
                with L.inference_mode():
                    c = x ** 2
                return x - c

            return [
                L.func.grad(lambda x: (x ** 2).sum())(x),
                vjp_fn(L.tensor(np.array(1.0))),
                L.func.jvp(lambda x: (x ** 2).sum(), (x,), (x * 0 + 1,)),
                L.func.jacrev(lambda x: x ** 2)(x),
                L.func.vmap(L.func.grad(lambda x: (x ** 2).sum()))(xs),
                L.func.grad(lambda x: L.func.vmap(lambda x: (x ** 2).sum())(x).sum())(x),
                L.func.grad(L.func.grad(lambda x: x ** 3))(x0),
                L.func.jacrev(L.func.grad(lambda x: (x ** 3).sum()))(x),
                L.func.grad(lambda x: f(x).sum())(x),
            ]

    _both(prog, x, xs, _r(rng))
    with ad.inference_mode():
        gfunc.grad(lambda x: (x ** 2).sum())(_g_tensor(x))
        assert ad.is_inference_mode_enabled()
    assert not ad.is_inference_mode_enabled()


# ---- TestVmapOfGrad ----------------------------------------------------------------------------

def test_per_sample_grads(backend, rng):
    def inplace_view(L, weight, x, t, inplace=True):
        def compute_loss(weight, x, t):
            x = x.mm(weight)
            y = x.squeeze_(0) if inplace else x.squeeze(0)
            return (y - t).sum()

        return L.func.vmap(functools.partial(L.func.grad(compute_loss), weight))(x, t)

    args = _r(rng, 16, 2), _r(rng, 8, 1, 16), _r(rng, 8, 2)
    want = inplace_view(TL, *[torch.tensor(a) for a in args])
    # gpuad changes shapes in place only outside any graph (documented), with this advice
    with pytest.raises(RuntimeError, match=r"t = t.squeeze\(...\)"):
        inplace_view(GL, *[_g_tensor(a) for a in args])
    _same(inplace_view(GL, *[_g_tensor(a) for a in args], inplace=False), want)

    def simple(L, weight, x, t):
        def compute_loss(weight, x, t):
            return ((x @ weight - t) ** 2).sum()

        result = L.func.vmap(functools.partial(L.func.grad(compute_loss), weight))(x, t)
        looped = L.stack([L.func.grad(compute_loss)(weight, x[i], t[i]) for i in range(8)])
        return result, looped

    _both(simple, _r(rng, 16, 2), _r(rng, 8, 16), _r(rng, 8, 2))


def test_new_zeros_and_new_empty_materialize(backend, rng):
    def prog(L, y, x):
        def foo(y, x, how):
            result = getattr(x, how)((5,))
            result.copy_(y)
            return result.sum()

        return [L.func.vmap(L.func.grad(functools.partial(foo, how=h)))(y, x)
                for h in ("new_zeros", "new_empty")]

    _both(prog, _r(rng, 3, 5), _r(rng, 3))


def test_vmap_of_vjp_log_softmax(backend, rng):
    def prog(L, x, v):
        def foo(x, v):
            _, vjp_fn = L.func.vjp(lambda x: L.F.log_softmax(x, dim=-1), x)
            return vjp_fn(v)[0]

        return L.func.vmap(foo, (0, None))(x, v)

    _both(prog, _r(rng, 3, 5), _r(rng, 5))


def _copy_weights(tmod, gmod):
    gmod.load_state_dict({k: v.detach().numpy().copy() for k, v in tmod.state_dict().items()})
    return gmod


def test_per_sample_grads_embeddingnet(backend):
    def net(L):
        class SampleNet(L.nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = L.nn.Embedding(50, 8)
                self.fc1 = L.nn.Linear(8, 8)
                self.fc2 = L.nn.Linear(8, 2)

            def forward(self, x):
                x = self.emb(x).transpose(-1, -2).mean(-1)
                return self.fc2(L.F.relu(self.fc1(x)))

        return SampleNet()

    torch.manual_seed(0)
    tnet = net(TL).double()
    gnet = _copy_weights(tnet, net(GL))
    rs = np.random.default_rng(1)
    data, targets = rs.integers(0, 50, (6, 5)), rs.integers(0, 2, 6)

    def prog(L, data, targets):
        model = tnet if L is TL else gnet
        weights = dict(model.named_parameters())

        def compute_loss(weights, data, target):
            out = L.func.functional_call(model, weights, (data,))
            return L.nn.CrossEntropyLoss()(out, target)

        return L.func.vmap(functools.partial(L.func.grad(compute_loss), weights))(data, targets)

    _both(prog, data, targets)


# ---- TestJac -----------------------------------------------------------------------------------

JACS = pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])


@JACS
def test_jac_simple_shapes(backend, rng, jac):
    def prog(L, x, x23, x24):
        J = getattr(L.func, jac)
        return (J(sin)(x), J(sin)(x23), J(lambda x: x[0, 1:].unsqueeze(-1))(x24),
                L.func.vmap(J(sin))(x23), J(J(lambda x: x.sin().sum()))(x))

    _both(prog, _r(rng, 3), _r(rng, 2, 3), _r(rng, 2, 4))


@JACS
def test_jac_take(backend, rng, jac):
    def prog(L, x):
        idx = L.tensor(np.ones(3, dtype=np.int64))
        return getattr(L.func, jac)(lambda x: x.take(idx))(x)

    _both(prog, rng.random(5))


@JACS
def test_jac_argnums_and_outputs(backend, rng, jac):
    def f(x, y):
        return 2 * x + 3 * y, 4 * x + 5 * y

    def prog(L, x, y):
        J = functools.partial(getattr(L.func, jac))
        return [
            J(mul, argnums=1)(x, y),
            J(f, argnums=(0, 1))(x, y),
            J(f, argnums=0)(x, y),
            J(f, argnums=(0,))(x, y),
            J(lambda x, y: {"left": 2 * x + 3 * y, "right": 4 * x + 5 * y}, argnums=(0, 1))(x, y),
            J(mul, argnums=(0, 1))(x, y),
            J(mul, argnums=(0,))(x, y),
            J(mul, argnums=0)(x, y),
            J(lambda x, y: x * 2 + y * 3)(x, y),
        ]

    _both(prog, _r(rng, 3), _r(rng, 3))


@JACS
def test_jac_pytrees(backend, rng, jac):
    def f(a, b, c):
        a0, a1 = a
        return a0 + a1 * 2 + b * 3 + c * 4

    def f2(a, b, c):
        a0, a1 = a
        return a0 + a1 * 2, {"foo": b * 3 + c * 4}

    def prog(L, x, x3):
        J = getattr(L.func, jac)
        args = ((x, x), x, x)
        out = [J(g, argnums=n)(*args) for g in (f, f2) for n in ((0, 1, 2), (0,), 0, (0, 1))]
        out.append(J(lambda d: {"c": d["a"].sin(), "d": d["b"].cos()})({"a": x3, "b": x3}))
        return out

    _both(prog, _r(rng), _r(rng, 3))


@JACS
def test_jac_dimensionality_aux_and_any_pytree(backend, rng, jac):
    def prog(L, x0, x1, x, x23):
        J = getattr(L.func, jac)

        def f(x):
            y = x.clone()
            return y, {"a": y.cos(), "b": [y.tan()]}

        def composite_output(x):
            out = x.sum()
            return [(out, {"a": x, "out": [x, out]})]

        return [J(lambda x: x)(x0), J(lambda x: x)(x1),
                J(lambda x: (x.clone(), x.cos()), has_aux=True)(x), J(f, has_aux=True)(x),
                J(lambda x: [x, x.sum()])(x23), J(lambda x: {"x": x, "xsum": x.sum()})(x23),
                J(composite_output)(x23)]

    _both(prog, _r(rng), _r(rng, 1), _r(rng, 3), _r(rng, 2, 3))


@JACS
def test_jac_unrelated(backend, rng, jac):
    def prog(L, x, y):
        J = getattr(L.func, jac)
        return J(lambda x, y: x, argnums=(0, 1))(x, y), J(lambda x: y)(x)

    _both(prog, _r(rng, 2, 3), _r(rng, 2, 3))


@JACS
def test_jac_against_reference(backend, rng, jac):
    # torch compares with torch.autograd.functional.jacobian; here both libraries' jac
    programs = [
        (lambda x: 3 * x ** 2, [(2, 3, 5)]),
        (lambda x, y: (x.cos() * x) @ y.sin(), [(2, 3), (3, 5)]),
        (lambda x, y: ((x * x) @ y, x @ (x.sum(1) * y), y.sum()), [(5, 3), (3, 5)]),
        (lambda x, y: (x, y, x, y), [(2,), (3,)]),
        (lambda x, y: (x.sum(), y.sum(), x * y), [(3,), (3,)]),
        (lambda x: x.unsqueeze(0).expand(3), [()]),
        (lambda x, y: (y.sum(), x * y), [(), (1,)]),
        (lambda x, y, z=3.0: x * y * z, [(3,), (3,)]),
    ]
    for f, shapes in programs:
        arrays = [_r(rng, *s) for s in shapes]
        _both(lambda L, *xs: getattr(L.func, jac)(lambda xs: f(*xs))(tuple(xs)), *arrays)


@JACS
def test_jac_inplace(backend, rng, jac):
    def f(x, y):
        y.copy_(x)
        return y

    def g(x, y, z):
        x[:2] = y
        return L_[0].vstack([(x ** 2).sum(), (z ** 3).sum()])

    L_ = []

    def prog(L, x, y, x3, y2, z2):
        L_[:] = [L]
        J = getattr(L.func, jac)
        return J(f, argnums=0)(x, y), J(g, argnums=(1, 2))(x3, y2, z2)

    _both(prog, _r(rng, 2), _r(rng, 2), _r(rng, 3), _r(rng, 2), _r(rng, 2))


def test_chunk_jacrev(backend, rng):
    def f(x, y):
        return (x.sin(), x + y), (x + 2, x.sum())

    def prog(L, x, y):
        return [L.func.jacrev(f, argnums=(0, 1), chunk_size=c)(x, y)
                for c in (None, 1, 2, 3, 4, 7, 10, 1000)]

    _both(prog, _r(rng, 10, 2), _r(rng, 1, 2))
    for bad in (0, -2):
        with pytest.raises(ValueError, match="chunk_size"):
            gfunc.jacrev(f, argnums=(0,), chunk_size=bad)(_g_tensor(_r(rng, 10, 2)),
                                                          _g_tensor(_r(rng, 1, 2)))


def test_chunk_jacrev_composition(backend, rng):
    def f(x):
        return (x.sin(), x), (x + 2, x.sum())

    def prog(L, x):
        J = L.func.jacrev
        return (L.func.vmap(J(J(f)))(x), L.func.vmap(J(J(f, chunk_size=3), chunk_size=3))(x))

    _both(prog, _r(rng, 10, 2))


@JACS
def test_jac_with_non_tensor_args(backend, rng, jac):
    _both(lambda L, t: getattr(L.func, jac)(lambda t, int_x: t + int_x)(t, 3), _r(rng, 3, 3))


@JACS
def test_jac_errors_where_torch_raises(backend, rng, jac):
    x = _r(rng, 3)
    cases = [
        (lambda x, y: (), (x, x), {}),          # empty output
        (sin, (x,), {"argnums": ()}),           # empty argnums
        (sin, (x,), {"argnums": 2}),            # out of bounds
        (sin, (x,), {"argnums": -2}),
        (sin, (x,), {"argnums": (0, 0)}),       # repeated
        (sin, (x,), {"argnums": 0.0}),          # not an int
        (mul, (x, x), {"argnums": (1, 0.0)}),
    ]
    for f, args, kw in cases:
        with pytest.raises(Exception):  # noqa: B017  (torch: RuntimeError)
            getattr(tfunc, jac)(f, **kw)(*[torch.tensor(a) for a in args])
        with pytest.raises((TypeError, ValueError, RuntimeError)):
            getattr(gfunc, jac)(f, **kw)(*[_g_tensor(a) for a in args])


def test_outputs_torch_refuses(backend, rng):
    # test_*_outputs_can_any_pytree, test_empty_output, test_*_aux_tensor: no output, a
    # Python number as an output, and an aux pair that is not a tuple raise in both
    x, t = _r(rng, 2, 3), _r(rng, 2, 3)

    def calls(L, x, t):
        F = L.func
        out = []
        for o in (None, (), 1, True, 12.2):
            out += [lambda o=o: F.vjp(lambda _: o, x),
                    lambda o=o: F.jvp(lambda _: o, (x,), (t,)),
                    lambda o=o: F.jacrev(lambda _: o)(x),
                    lambda o=o: F.jacfwd(lambda _: o)(x)]
        for bad in (lambda t: [t, t], lambda t: (t, t + 2, t + 3)):
            out += [lambda b=bad: F.vjp(b, x, has_aux=True),
                    lambda b=bad: F.jvp(b, (x,), (t,), has_aux=True),
                    lambda b=bad: F.jacrev(b, has_aux=True)(x),
                    lambda b=bad: F.jacfwd(b, has_aux=True)(x)]
        for bad in (lambda t: [t.sum(), t], lambda t: (t.sum(), t, t)):
            out += [lambda b=bad: F.grad(b, has_aux=True)(x),
                    lambda b=bad: F.grad_and_value(b, has_aux=True)(x)]
        return out

    for L, mk, errors in ((TL, torch.tensor, RuntimeError),
                          (GL, _g_tensor, (RuntimeError, TypeError))):
        for call in calls(L, mk(x), mk(t)):
            with pytest.raises(errors):
                call()


# ---- TestHessian -------------------------------------------------------------------------------

def test_hessian(backend, rng):
    programs = [
        (lambda x: (3 * x ** 2).sum(), [(2, 3, 5)]),
        (lambda x, y, z: ((x.relu() * x) @ y.sin() @ z).sum(), [(2, 3), (3, 5), (5, 5)]),
        (lambda x, y: (x ** 2).sum(), [(2,), (3,)]),
    ]
    for f, shapes in programs:
        arrays = [_r(rng, *s) for s in shapes]
        _both(lambda L, *xs: L.func.hessian(lambda xs: f(*xs))(tuple(xs)), *arrays)
    # output unrelated to every input
    _both(lambda L, x, y: L.func.hessian(lambda xs: L.tensor(np.array(1.0)))((x, y)), _r(rng, 2),
          _r(rng, 3))
    _both(lambda L, x: L.func.hessian(sin)(x), _r(rng, 3))  # test_hessian_simple


def test_jacfwd_different_levels(backend, rng):
    def loss(A, x1, x2):
        x2_hat = (A @ (x1.T)).T
        return ((x2 - x2_hat) ** 2).sum()

    def prog(L, A, x1):
        return (L.func.vmap(L.func.jacrev(L.func.jacrev(loss)))(A, x1, x1),
                L.func.vmap(L.func.hessian(loss))(A, x1, x1))

    _both(prog, 0.1 * _r(rng, 3, 2, 2), _r(rng, 3, 6, 2))


# ---- TestJvp -----------------------------------------------------------------------------------

def test_jvp_values_and_pytrees(backend, rng):
    def prog(L, x, y, tx, ty, one):
        f2 = lambda x, y: (2 * x + 3 * y, 4 * x + 5 * y)  # noqa: E731
        return [
            L.func.jvp(sin, (x,), (tx,)),
            L.func.jvp(mul, (x, y), (tx, ty)),
            L.func.jvp(lambda x, y, z: x[0] + 2 * x[1] + 3 * y + 4 * z,
                       ((one, one), one, one), ((one, one), one, one)),
            L.func.jvp(lambda x, y: x, (x, y), (tx, ty)),
            L.func.jvp(lambda x: y, (x,), (tx,)),
            L.func.jvp(lambda x: (x.sin(), x.cos()), (x,), (tx,)),
            L.func.jvp(f2, (x, y), (tx, ty)),
            L.func.jvp(lambda x: x + x.new_tensor(0.5), (x,), (tx * 0,)),
            L.func.jvp(lambda x: [x, x.sum()], (x,), (tx,)),
            L.func.jvp(lambda x: {"x": x, "xsum": x.sum()}, (x,), (tx,)),
            L.func.jvp(lambda x: [(x.sum(), {"a": x, "out": [x, x.sum()]})], (x,), (tx,)),
            L.func.jvp(lambda z: (z.sin(), z.cos()), (x,), (tx,), has_aux=True),
            L.func.jvp(lambda x: (x.sin(), {"a": x.cos(), "b": [x.tan()]}), (x,), (tx,),
                       has_aux=True),
        ]

    _both(prog, _r(rng, 2, 3), _r(rng, 2, 3), _r(rng, 2, 3), _r(rng, 2, 3), np.array(1.0))


def test_jvp_errors_where_torch_raises(backend, rng):
    x, t = _r(rng, 2, 3), _r(rng, 2, 3)
    one = np.array(1.0)
    cases = [
        (sin, lambda T: (T(x), (T(t),))),             # primals not a tuple
        (sin, lambda T: ((T(x),), T(t))),             # tangents not a tuple
        (sin, lambda T: ((T(x),), (T(t), T(t)))),     # length mismatch
        (sin, lambda T: ((T(x), T(x)), (T(t), T(t), T(t)))),
        (lambda x: x, lambda T: (((T(one), T(one)), T(one)), (T(one), T(one)))),  # structure
        (lambda x: x, lambda T: ((), ())),             # no primals
        (lambda x, y: (x, y), lambda T: ((T(x),), (T(t),))),  # strict: not for the output y
    ]
    for i, (f, make) in enumerate(cases):
        kw = {"strict": True} if i == len(cases) - 1 else {}
        with pytest.raises(Exception):  # noqa: B017  (torch: RuntimeError)
            tfunc.jvp(f, *make(torch.tensor), **kw)
        with pytest.raises((TypeError, ValueError, RuntimeError, NotImplementedError)):
            gfunc.jvp(f, *make(_g_tensor), **kw)


def test_jvp_inside_autograd_function(backend, rng):
    def prog(L, x):
        class MySin(L.Function):
            @staticmethod
            def forward(ctx, x):
                t = x * 0 + 1
                _, neg_sin_x = L.func.jvp(lambda x: x.cos(), (x,), (t,))
                ctx.save_for_backward(x)
                return -neg_sin_x

            @staticmethod
            def backward(ctx, gx):
                (x,) = ctx.saved_tensors
                _, cos_x = L.func.jvp(lambda x: x.sin(), (x,), (x * 0 + 1,))
                return gx * cos_x

        y = MySin.apply(x)
        return y, L.autograd.grad(y, x)

    _both(prog, RG(_r(rng)))


def test_zerotensor_vmapjvp_interaction(backend, rng):
    def prog(L, dummy, x, x_tangent):
        def push_jvp(dummy, x):
            return L.func.jvp(L.cov, (x,), (x_tangent,))

        return L.func.vmap(L.func.vmap(push_jvp, (0, None)))(dummy, x)

    _both(prog, np.ones((4, 1)), _r(rng, 4, 2), _r(rng, 2))


# ---- TestLinearize -----------------------------------------------------------------------------

def test_linearize(backend, rng):
    def basic(L, x_p, x_t):
        out = []
        for fn in (lambda x: x.cos(), lambda x: (x.cos(), x.sum())):
            y, jvp_fn = L.func.linearize(fn, x_p)
            out.append((y, jvp_fn(x_t), L.func.jvp(fn, (x_p,), (x_t,))))
        return out

    _both(basic, _r(rng, 3, 1), _r(rng, 3, 1))

    def composition_vmap(L, x_p, x_t):
        fn = lambda x: (x.cos(), x.sum())  # noqa: E731
        _, jvp_fn = L.func.linearize(fn, x_p)
        return (L.func.vmap(jvp_fn)(x_t),
                L.func.vmap(lambda t: L.func.jvp(fn, (x_p,), (t,))[1])(x_t))

    _both(composition_vmap, _r(rng, 3, 1), _r(rng, 3, 3, 1))

    def composition_grad(L, x_p, x_t):
        def fn(x):
            z = x * 0 + 1
            return L.func.grad(lambda x: z @ x)(x)

        _, jvp_fn = L.func.linearize(fn, x_p)
        return jvp_fn(x_t), L.func.jvp(fn, (x_p,), (x_t,))[1]

    _both(composition_grad, _r(rng, 3), _r(rng, 3))

    def nested(L, x_p, y_p, z_p, x_t, y_t, z_t):
        def fn(arg):
            x, (y, z) = arg["x"], arg["yz"]
            return {"a": x.sum(), "b": {"c": y + z, "d": (x * z, y.exp())}}

        inp_p, inp_t = {"x": x_p, "yz": (y_p, z_p)}, {"x": x_t, "yz": (y_t, z_t)}
        y, jvp_fn = L.func.linearize(fn, inp_p)
        return y, jvp_fn(inp_t), L.func.jvp(fn, (inp_p,), (inp_t,))

    _both(nested, *[_r(rng, 3, 1) for _ in range(6)])


def test_linearize_errors(backend, rng):
    x_p, x_t = _g_tensor(_r(rng, 3, 1)), _g_tensor(_r(rng, 3, 1))
    _, jvp_fn = gfunc.linearize(sin, x_p)
    with pytest.raises((TypeError, ValueError)):
        jvp_fn((x_t, x_t))
    with pytest.raises(ValueError, match="shape"):
        jvp_fn(x_t.unsqueeze(0))


# ---- TestComposability -------------------------------------------------------------------------

def test_composability(backend, rng):
    def prog(L, x0, x, x23, xs, v):
        out = [L.func.grad(L.func.grad(sin))(x0),
               L.func.grad(lambda x: L.func.vmap(sin)(x).sum())(x)]

        def foo(x):
            _, vjp_fn = L.func.vjp(sin, x)
            return vjp_fn(x)[0].sum()

        out += [L.func.grad(foo)(x), L.func.vmap(L.func.grad(sin))(x),
                L.func.vmap(L.func.vmap(sin))(x23)]

        def foo2(x):
            _, vjp_fn = L.func.vjp(sin, x)
            return vjp_fn(x)

        _, vjp_fn = L.func.vjp(sin, x)
        out += [L.func.vmap(foo2)(x), vjp_fn(x), L.func.vmap(lambda x: vjp_fn(x)[0])(xs)]
        y, vjp_fn = L.func.vjp(L.func.grad(sin), x0)
        out += [y, vjp_fn(v)]
        y, vjp_fn = L.func.vjp(L.func.vmap(sin), x)
        out += [y, vjp_fn(x)]
        y, vjp_fn = L.func.vjp(sin, x)
        y2, vjp_fn2 = L.func.vjp(lambda x: vjp_fn(x)[0], x)
        out += [y2, vjp_fn2(x)]
        return out

    _both(prog, _r(rng), _r(rng, 3), _r(rng, 2, 3), _r(rng, 5, 3), _r(rng))


def test_jvp_with_saved_tensor_hooks(backend, rng):
    def prog(L, x, t):
        def f(x):
            return x.sin().sum()

        with L.autograd.graph.save_on_cpu():
            a = L.func.jvp(f, (x,), (t,))

        def g(x):
            with L.autograd.graph.save_on_cpu():
                return f(x)

        return a, L.func.jvp(g, (x,), (t,))

    _both(prog, _r(rng, 3), _r(rng, 3))


# ---- TestExamplesCorrectness -------------------------------------------------------------------

def _three_layer(L):
    return L.nn.Sequential(L.nn.Linear(1, 40), L.nn.ReLU(), L.nn.Linear(40, 40), L.nn.ReLU(),
                           L.nn.Linear(40, 1))


def test_maml_regression(backend):
    torch.manual_seed(0)
    tnet = _three_layer(TL).double()
    gnet = _copy_weights(tnet, _three_layer(GL))
    rs = np.random.default_rng(2)
    amp, phase = rs.uniform(0.1, 0.5, 3), rs.uniform(0.0, np.pi, 3)
    x1, x2 = rs.uniform(-5, 5, (3, 6, 1)), rs.uniform(-5, 5, (3, 6, 1))
    y1 = amp[:, None, None] * np.sin(x1 + phase[:, None, None])
    y2 = amp[:, None, None] * np.sin(x2 + phase[:, None, None])

    def prog(L, x1, y1, x2, y2):
        model = tnet if L is TL else gnet
        params = dict(model.named_parameters())

        def net(p, x):
            return L.func.functional_call(model, p, (x,))

        def task_loss(use_transform, x1, y1, x2, y2):
            def inner_loss(p, x, y):
                return ((net(p, x) - y) ** 2).mean()

            if use_transform:
                grads = L.func.grad(inner_loss)(params, x1, y1)
            else:
                flat = list(params.values())
                gs = L.autograd.grad(inner_loss(params, x1, y1), flat, create_graph=True)
                grads = dict(zip(params, gs, strict=True))
            new = {k: params[k] - 0.1 * grads[k] for k in params}
            return ((net(new, x2) - y2) ** 2).mean()

        losses = L.func.vmap(functools.partial(task_loss, True))(x1, y1, x2, y2)
        result = L.autograd.grad(losses.sum() / 3, list(params.values()))
        looped = sum(task_loss(False, x1[i], y1[i], x2[i], y2[i]) for i in range(3)) / 3
        expected = L.autograd.grad(looped, list(params.values()))
        return losses, result, expected

    g, _ = _both(prog, x1, y1, x2, y2, tol=1e-9)
    for a, b in zip(g[1], g[2], strict=True):  # vmap(grad) and the loop agree within gpuad
        np.testing.assert_allclose(_host(a), _host(b), rtol=1e-10, atol=1e-12)


_MLP: dict = {}


def _mlp(L, dropout=None):
    if (L.name, dropout is None) in _MLP:
        return _MLP[L.name, dropout is None](dropout)

    class MLPClassifier(L.nn.Module):
        def __init__(self, dropout):
            super().__init__()
            self.dropout = dropout(L) if dropout else None
            self.fc1 = L.nn.Linear(2 if dropout is None else 16, 8)
            self.fc2 = L.nn.Linear(8, 2)

        def forward(self, x):
            if self.dropout is not None:
                x = self.dropout(x).flatten(start_dim=1)
            return L.F.log_softmax(self.fc2(L.F.relu(self.fc1(x))), -1)

    _MLP[L.name, dropout is None] = MLPClassifier
    return MLPClassifier(dropout)


def test_ensemble_regression(backend):
    torch.manual_seed(0)
    tms = [_mlp(TL).double() for _ in range(2)]
    gms = [_copy_weights(t, _mlp(GL)) for t in tms]
    rs = np.random.default_rng(3)
    points, labels = rs.standard_normal((20, 2)), rs.integers(0, 2, 20)

    def prog(L, points, labels):
        models = tms if L is TL else gms
        base = models[0]

        def train_step(weights, batch, targets, lr=0.2):
            def compute_loss(weights, batch, targets):
                return L.nn.NLLLoss()(L.func.functional_call(base, weights, (batch,)), targets)

            grad_weights, loss = L.func.grad_and_value(compute_loss)(weights, batch, targets)
            return loss, {k: weights[k] - lr * grad_weights[k] for k in weights}

        params, buffers = L.func.stack_module_state(models)
        return L.func.vmap(train_step, in_dims=(0, None, None))(params, points, labels)

    g, t = _both(prog, points, labels)
    assert all(v.requires_grad for v in g[1].values())  # from the stacked leaves, as torch's


@pytest.mark.parametrize("dropout", ["Dropout", "AlphaDropout", "FeatureAlphaDropout"])
def test_find_learning_rate_ensembling(backend, dropout):
    # randomness="same": one dropout mask for every model; torch and gpuad draw different
    # masks, so the properties are compared, not the numbers
    points = np.random.default_rng(4).standard_normal((10, 2, 2, 2, 2))
    labels = np.random.default_rng(5).integers(0, 2, 10)
    import copy

    for L in (TL, GL):
        og = _mlp(L, dropout=lambda L: getattr(L.nn, dropout)())
        if L is TL:
            og = og.double()
        models = [copy.deepcopy(og) for _ in range(2)]
        params, _ = L.func.stack_module_state(models)

        def train_step(weights, batch, targets, lr, L=L, og=og):
            def compute_loss(weights, batch, targets):
                return L.nn.NLLLoss()(L.func.functional_call(og, weights, (batch,)), targets)

            gw, loss = L.func.grad_and_value(compute_loss)(weights, batch, targets)
            return (loss, *[weights[k] - lr * gw[k] for k in weights])

        res = L.func.vmap(train_step, in_dims=(0, None, None, 0), randomness="same")(
            params, L.tensor(points), L.tensor(labels), L.tensor(np.array([0.2, 0.4])))
        loss, weights = res[0], res[1:]
        assert isinstance(loss, L.Tensor) and all(isinstance(w, L.Tensor) for w in weights)
        np.testing.assert_array_equal(_host(loss[0]), _host(loss[1]))
        assert any(not np.array_equal(_host(w[0]), _host(w[1])) for w in weights)


@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
def test_lennard_jones_batched_jac(backend, jac):
    sigma, epsilon = 0.5, 4.0

    def model(L):
        return L.nn.Sequential(L.nn.Linear(1, 8), L.nn.Tanh(), L.nn.Linear(8, 8), L.nn.Tanh(),
                               L.nn.Linear(8, 1))

    torch.manual_seed(0)
    tmodel = model(TL).double()
    gmodel = _copy_weights(tmodel, model(GL))
    r = np.linspace(0.5, 2 * sigma, 12)
    drs = np.outer(r, [1.0, 0, 0])
    norms = np.linalg.norm(drs, axis=1).reshape(-1, 1)
    energies = epsilon * ((sigma / norms) ** 12 - (sigma / norms) ** 6)
    forces = -epsilon * ((-12 * sigma ** 12 / norms ** 13) + (6 * sigma ** 6 / norms ** 7)) * drs

    def prog(L, drs, energies, forces):
        m = tmodel if L is TL else gmodel
        norms = (drs ** 2).sum(1).sqrt().reshape(-1, 1)
        pred_e = m(norms)
        derivs = L.func.vmap(getattr(L.func, jac)(m))(norms).squeeze(-1)
        pred_f = -derivs * drs / norms
        loss = L.F.mse_loss(energies, pred_e) + 0.01 * L.F.mse_loss(forces, pred_f) / 3
        return derivs, loss, L.autograd.grad(loss, list(m.parameters()))

    _both(prog, drs, energies, forces)


def test_results_in_an_outer_graph(backend, rng):
    # not a torch test: every transform's result on an input that requires grad is part of
    # that input's graph (requires_grad, and torch.autograd.grad through it), as torch's
    def prog(L, x, v):
        F = L.func
        f = lambda x: (x.sin() * x).sum()  # noqa: E731
        outs = [F.grad(f)(x), F.grad_and_value(f)(x), F.vjp(lambda x: x.sin() * x, x)[0],
                F.vjp(lambda x: x.sin() * x, x)[1](v), F.jvp(lambda x: x.sin() * x, (x,), (v,)),
                F.jacrev(lambda x: x.sin() * x)(x), F.jacfwd(lambda x: x.sin() * x)(x),
                F.hessian(f)(x), F.vmap(lambda r: r.sin() * r)(x),
                F.vmap(F.grad(lambda r: r.sin() * r))(x), F.linearize(lambda x: x.cos(), x)[0]]
        total = sum((o * o).sum() for o in _leaves(outs))
        return outs, L.autograd.grad(total, x)

    _both(prog, RG(_r(rng, 3)), _r(rng, 3))


def _leaves(tree):
    if isinstance(tree, tuple | list):
        return [y for t in tree for y in _leaves(t)]
    return [tree]


def test_float32_and_integer_results(backend, rng):
    # not a torch test: result dtypes follow the inputs (float32 stays float32), integer and
    # boolean outputs of vmap and aux values keep their dtypes
    def prog(L, x, xs):
        F = L.func
        f = lambda x: (x.sin() * x).sum()  # noqa: E731
        return [F.grad(f)(x), F.grad_and_value(f)(x), F.jacrev(lambda x: x.exp())(x),
                F.jacfwd(lambda x: x.exp())(x), F.hessian(f)(x),
                F.jvp(lambda x: x.cos(), (x,), (x,)), F.vjp(lambda x: x.cos(), x)[1](x),
                F.vmap(lambda r: (r.argmax(), r > 0, r.sum()))(xs),
                F.grad(lambda x: (f(x), (x.argmax(), x < 0)), has_aux=True)(x)]

    _both(prog, _r(rng, 3).astype(np.float32), _r(rng, 4, 3).astype(np.float32), tol=1e-5)


def test_linearize_in_an_outer_graph(backend, rng):
    # not a torch test: linearize's output and jvp_fn's tangents on an input that requires
    # grad. The values agree with torch's; the gradient through the tangent is checked against
    # its closed form (torch 2.13's traced jvp_fn drops it: its gradient holds only y's part)
    x0, v0 = _r(rng, 3), _r(rng, 3)

    def prog(L, x, v):
        y, jvp_fn = L.func.linearize(lambda x: x.sin() * x, x)
        return y, jvp_fn(v)

    (y, t), _ = _both(prog, RG(x0), v0)
    x = _g_tensor(x0, requires_grad=True)
    y, jvp_fn = gfunc.linearize(lambda x: x.sin() * x, x)
    t = jvp_fn(_g_tensor(v0))
    (g,) = ad.autograd.grad((t * t).sum() + y.sum(), [x])
    tv = (np.cos(x0) * x0 + np.sin(x0)) * v0
    exact = 2 * tv * v0 * (2 * np.cos(x0) - x0 * np.sin(x0)) + np.sin(x0) + x0 * np.cos(x0)
    np.testing.assert_allclose(_host(g), exact, rtol=1e-12)


def test_tutorial_programs(backend, rng):
    # not in test_eager_transforms.py: the torch.func tutorials' programs (Jacobians, Hessians
    # and hvp; per-sample gradients; the neural tangent kernel) over functional_call
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    tm = tm.double()
    gm = _copy_weights(tm, gnn.Sequential(gnn.Linear(3, 4), gnn.Tanh(), gnn.Linear(4, 2)))

    def params(L):
        m = tm if L is TL else gm
        return m, {k: v.detach() for k, v in m.named_parameters()}

    def hvps(L, x, v):
        f = lambda x: (x.sin() * x).sum()  # noqa: E731
        _, vjp_fn = L.func.vjp(L.func.grad(f), x)
        return L.func.jvp(L.func.grad(f), (x,), (v,)), vjp_fn(v)

    def jacobians(L, x):
        m, p = params(L)
        call = lambda p, x: L.func.functional_call(m, p, (x,))  # noqa: E731
        return (L.func.jacrev(call)(p, x), L.func.jacfwd(call)(p, x),
                L.func.hessian(lambda p: call(p, x[:2]).sum())(p))

    def per_sample(L, xs, ys):
        m, p = params(L)

        def loss(p, x, y):
            return L.F.mse_loss(L.func.functional_call(m, p, (x.unsqueeze(0),)), y.unsqueeze(0))

        return L.func.vmap(L.func.grad(loss), in_dims=(None, 0, 0))(p, xs, ys)

    def ntk(L, x1, x2):
        m, p = params(L)
        f = lambda p, x: L.func.functional_call(m, p, (x.unsqueeze(0),)).squeeze(0)  # noqa
        j1 = [j.flatten(2) for j in L.func.vmap(L.func.jacrev(f), (None, 0))(p, x1).values()]
        j2 = [j.flatten(2) for j in L.func.vmap(L.func.jacrev(f), (None, 0))(p, x2).values()]
        return L.stack([(a.unsqueeze(1) * b.unsqueeze(0)).sum(-1)
                        for a, b in zip(j1, j2, strict=True)]).sum(0)

    _both(hvps, _r(rng, 3), _r(rng, 3))
    _both(jacobians, _r(rng, 5, 3))
    _both(per_sample, _r(rng, 6, 3), _r(rng, 6, 2))
    _both(ntk, _r(rng, 4, 3), _r(rng, 3, 3))
    _both(lambda L, xs: L.func.vmap(L.func.jacrev(lambda x: x.sin()), out_dims=1)(xs),
          _r(rng, 4, 3))
