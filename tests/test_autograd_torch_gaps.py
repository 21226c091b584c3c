"""Regressions found porting the rest of PyTorch's test_autograd.py
(tests/conformance/test_torch_autograd_gaps.py): values derived by hand here."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.autograd import Function


def _np(t):
    d = t.data if isinstance(t, ad.Tensor) else t
    return d.get() if hasattr(d, "get") else np.asarray(d)


def _leaf(a):
    return ad.tensor(np.array(a, dtype=float), requires_grad=True)


# ---- autograd.Function -------------------------------------------------------------------------

def test_function_vjp_is_backward_and_both_raise(backend):
    class Twice(Function):  # torch accepts vjp as the name of backward
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def vjp(ctx, g):
            return g * 2

    x = _leaf([1.0, 3.0])
    Twice.apply(x).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), [2.0, 2.0])

    class Both(Twice):
        @staticmethod
        def backward(ctx, g):
            return g * 5

    with pytest.raises(ad.GradError, match="both 'backward' and 'vjp'"):
        Both.apply(_leaf([1.0])).sum().backward()


def test_function_jvp_tangent_for_non_differentiable_output_raises(backend):
    class F(Function):
        @staticmethod
        def forward(ctx, x, y):
            out = y * 1
            ctx.mark_non_differentiable(out)
            return x * 1, out

        @staticmethod
        def jvp(ctx, tx, ty):
            return tx, tx * 1  # the second output was marked non-differentiable

    fw = ad.autograd.forward_ad
    with fw.dual_level(), pytest.raises(ad.GradError, match="return None at that position"):
        F.apply(fw.make_dual(ad.tensor(2.0), ad.tensor(1.0)), ad.tensor(3.0))


def test_function_under_no_grad_returning_its_input_gives_no_history(backend):
    class Id(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = _leaf([1.0, 2.0])
    with ad.no_grad():
        y = Id.apply(x)
    assert y is not x and not y.requires_grad and y.grad_fn is None
    # y is a constant: a later loss through it gives x no gradient (it was the leaf itself,
    # so x.grad was 3 here)
    (y * 3.0 + x).sum().backward()
    np.testing.assert_array_equal(_np(x.grad), [1.0, 1.0])


def test_function_returning_one_object_twice(backend):
    class Dup(Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            return out, out

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 2

    x = _leaf([1.0, -2.0])
    a, b = Dup.apply(x)
    assert a is b
    (a + b).sum().backward()  # d(4x)/dx
    np.testing.assert_array_equal(_np(x.grad), [4.0, 4.0])


def test_grad_skips_steps_that_lead_to_no_input(backend):
    ran = []

    class Loud(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            ran.append(1)
            return g

    x = Loud.apply(_leaf([0.5]) * 2)
    y, z = _leaf([0.25]), _leaf([0.75])
    gy, gz = ad.autograd.grad(x + z, (y, z), allow_unused=True)
    assert gy is None and np.array_equal(_np(gz), [1.0])
    ad.autograd.backward(Loud.apply(_leaf([0.5]) * 2), inputs=(y,))
    assert y.grad is None
    assert ran == []  # torch: "This node should not be executed!"


# ---- Tensor ------------------------------------------------------------------------------------

def test_del_grad_and_pickle(backend):
    x = _leaf([1.0, 2.0])
    (x * x).sum().backward()
    del x.grad
    assert x.grad is None
    with pytest.raises(AttributeError, match="cannot be deleted"):
        del x.requires_grad
    y = pickle.loads(pickle.dumps(x * 3.0))
    assert y.requires_grad and y.is_leaf and y.grad is None
    np.testing.assert_array_equal(_np(y), [3.0, 6.0])
    z = pickle.loads(pickle.dumps(ad.tensor([1.0])))
    assert not z.requires_grad


def test_unique_values_carry_the_gradient(backend):
    x = _leaf([0.3, -1.0, 2.0, 0.5, 0.3])
    (x.unique() * 1.0).sum().backward()
    # each distinct value is its first occurrence (as gnp.unique): 1 there, 0 on the repeat
    np.testing.assert_array_equal(_np(x.grad), [1.0, 1.0, 1.0, 1.0, 0.0])
    m = _leaf([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0]])
    u, inv = m.unique(dim=0, return_inverse=True)
    assert u.requires_grad and not inv.requires_grad
    (u * ad.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(_np(m.grad), [[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])
    c = _leaf([1.0, 1.0, 2.0, 2.0, 1.0])
    (c.unique_consecutive() * ad.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(_np(c.grad), [1.0, 0.0, 2.0, 0.0, 3.0])


# ---- hooks -------------------------------------------------------------------------------------

def test_grad_of_a_tensor_is_taken_before_its_steps_prehooks(backend):
    a = _leaf(1.0)
    b = a * 1.0
    b.register_hook(lambda g: g * 3)  # the tensor's own gradient: 3
    b.grad_fn.register_prehook(lambda gs: (gs[0] * 2,))  # what flows on to a: 6
    b.sum().backward(inputs=(b,), retain_graph=True)
    np.testing.assert_allclose(_np(b.grad), 3.0)
    (gb,) = ad.autograd.grad(b.sum(), b, retain_graph=True)
    np.testing.assert_allclose(_np(gb), 3.0)
    b.sum().backward()
    np.testing.assert_allclose(_np(a.grad), 6.0)


def test_post_accumulate_hooks_run_with_grad_mode_off(backend):
    t = _leaf([1.0, 2.0])
    seen = []

    def step(p):
        seen.append(ad.is_grad_enabled())
        p.sub_(p.grad)  # an in-place step of the leaf, as an optimiser in backward

    t.register_post_accumulate_grad_hook(step)
    (t * t).sum().backward()
    np.testing.assert_array_equal(_np(t), [-1.0, -2.0])  # t - 2t
    assert seen == [False]


def test_full_backward_hook_runs_once_with_double_backward(backend):
    import gpuad.nn as nn

    x, y = _leaf([0.7]), ad.tensor([0.2])
    loss = nn.MSELoss()
    calls = []
    loss.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    (gx,) = ad.autograd.grad(loss(x, y), x, create_graph=True)
    np.testing.assert_allclose(_np(gx), [2 * 0.5])  # 2 (x - y)
    (gxx,) = ad.autograd.grad(gx.sum(), x)
    np.testing.assert_allclose(_np(gxx), [2.0])
    assert calls == [1]


def test_grad_mode_decorating_a_class_warns():
    with pytest.warns(FutureWarning, match="Decorating classes is deprecated"):
        @ad.no_grad()
        class Foo:
            def __init__(self):
                self.mode = ad.is_grad_enabled()

    assert Foo().mode is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        @ad.no_grad()
        def f():
            return ad.is_grad_enabled()

        assert f() is False


# ---- checkpoint --------------------------------------------------------------------------------

def test_checkpoint_of_a_block_that_takes_a_gradient(backend):
    from gpuad.utils.checkpoint import checkpoint

    def block(x):  # d(x^3)/dx = 3 x^2, kept differentiable
        with ad.enable_grad():
            (g,) = ad.autograd.grad((x ** 3).sum(), x, create_graph=True)
        return g

    x = _leaf([0.5, -2.0])
    y = checkpoint(block, x, use_reentrant=False)
    np.testing.assert_allclose(_np(y), 3 * np.array([0.5, -2.0]) ** 2)
    (g2,) = ad.autograd.grad(y.sum(), x)  # 6 x; it was 0
    np.testing.assert_allclose(_np(g2), [3.0, -12.0])


def test_checkpoint_runs_hooks_of_values_it_reads_once(backend):
    from gpuad.utils.checkpoint import checkpoint

    w, x = _leaf([2.0]), _leaf([3.0])
    w.register_hook(lambda g: g * 10)
    h = w * x  # w used outside the block too
    checkpoint(lambda t: w * t, h, use_reentrant=False).sum().backward()
    # d(w^2 x)/dw = 2 w x = 12, times 10 once (the block's part was scaled twice: 660)
    np.testing.assert_allclose(_np(w.grad), [120.0])


def test_checkpoint_hands_the_block_tensors(backend):
    from gpuad.utils.checkpoint import checkpoint

    kinds = []

    def block(a, b):
        kinds.append(type(b).__name__)
        return a * b.sum()

    a, b = _leaf(1.0), ad.tensor([2.0, 3.0])
    checkpoint(block, a, b, use_reentrant=False).backward()
    assert kinds == ["Tensor", "Tensor"]  # the recomputation got a raw array for b
    np.testing.assert_allclose(_np(a.grad), 5.0)


# ---- autograd.functional and gradcheck --------------------------------------------------------

def test_functional_strict_checks():
    AF = ad.autograd.functional
    x = _leaf([0.1, 0.2])
    with pytest.raises(ad.GradError, match="strict=True and vectorize=True"):
        AF.jacobian(lambda t: t * 2, x, strict=True, vectorize=True)
    with pytest.raises(ad.GradError, match="strict=True and vectorize=True"):
        AF.hessian(lambda t: (t ** 3).sum(), x, strict=True, vectorize=True)
    # a linear function: its vjp does not depend on x, so its derivative would be zero
    with pytest.raises(ad.GradError, match="independent of input 0.*create_graph"):
        AF.vjp(lambda t: t * 2, x, ad.tensor([1.0, 1.0]), create_graph=True, strict=True)
    _, g = AF.vjp(lambda t: t * t, x, ad.tensor([1.0, 1.0]), create_graph=True, strict=True)
    np.testing.assert_allclose(_np(g), [0.2, 0.4])


def test_gradcheck_catches_what_the_jacobian_check_misses():
    gc = ad.autograd.gradcheck

    def hooked(x):  # backward adds 0.01 whatever the cotangent: within atol, not linear
        y = x * 1.0
        y.register_hook(lambda g: g + 1e-2)
        return y

    with pytest.raises(ad.autograd.GradcheckError, match="not multiplied by grad_output"):
        gc(hooked, (_leaf([1.0]),), atol=1e-1)

    def grows(x):  # the output's shape depends on the values: differences are meaningless
        return gnp.concatenate([x, x]) if bool((x >= 1).all()) else x

    with pytest.raises(ad.autograd.GradcheckError, match="same shape"):
        gc(grows, (_leaf([1.0]),))

    draws = iter(np.linspace(0.1, 0.9, 50))

    class Jitter(Function):  # a backward that differs from call to call
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g * (1 + 1e-6 * next(draws))

    with pytest.raises(ad.autograd.GradcheckError, match="not reentrant"):
        gc(Jitter.apply, (_leaf([0.5, 0.25]),))
    assert gc(Jitter.apply, (_leaf([0.5, 0.25]),), nondet_tol=1e-5)
    with pytest.raises(ValueError, match="at least one of check_forward_ad"):
        gc(lambda x: x, (_leaf([1.0]),), check_backward_ad=False)


def test_gradcheck_forward_mode_inputs_do_not_require_grad():
    seen = []

    class F(Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(x.requires_grad)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

        @staticmethod
        def jvp(ctx, t):
            return t * 2

    assert ad.autograd.gradcheck(F.apply, (_leaf([0.5]),), check_forward_ad=True,
                                 check_backward_ad=False)
    assert seen and seen[-1] is False


# ---- views, versions, flags --------------------------------------------------------------------

def test_stale_view_grad_fn_and_gradcheck(backend):
    r = _leaf([1.0])

    def fn(r):
        x = ad.tensor(np.ones(5))
        v = x.select(0, 1)  # a view of a constant
        x += r  # the base now depends on r: so does v
        return v

    v = fn(r)
    assert v.grad_fn is not None and not v.is_leaf
    v.backward()
    np.testing.assert_allclose(_np(r.grad), [1.0])
    assert ad.autograd.gradcheck(fn, (_leaf([1.0]),))
    assert ad.autograd.gradgradcheck(fn, (_leaf([1.0]),))


def test_data_assignment_and_increment_version(backend):
    a = _leaf(1.0)
    b = ad.tensor(2.0)
    a.data = b  # a Tensor: its values
    assert isinstance(a.data, type(b.data)) and float(_np(a)) == 2.0
    with pytest.raises(RuntimeError, match="floating point or complex"):
        a.data = ad.tensor(np.array(3, np.int64)).data
    v = a._version
    ad.autograd.graph.increment_version(a)
    assert a._version == v + 1
    y = a * a
    ad.autograd.graph.increment_version([a])
    with pytest.raises(ad.GradError, match="modified in place|version"):
        y.backward()


def test_grad_set_to_the_tensor_itself_is_refused(backend):
    x = _leaf([1.0, 2.0])
    x.grad = x
    with pytest.raises(ad.GradError, match="its own grad"):
        (x * 2).sum().backward()
    np.testing.assert_array_equal(_np(x), [1.0, 2.0])  # was written: [3, 4]


def test_inference_mode_false_records_inside(backend):
    x = _leaf([1.0, 2.0])
    with ad.inference_mode():
        with ad.inference_mode(False):
            assert not ad.is_inference_mode_enabled() and ad.is_grad_enabled()
            y = x * 2
        assert ad.is_inference_mode_enabled() and not ad.is_grad_enabled()
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(_np(x.grad), [2.0, 2.0])


def test_resize_(backend):
    x = ad.tensor([0.5])
    x.resize_((1, 2))
    assert x.shape == (1, 2) and x._version == 1
    np.testing.assert_array_equal(_np(x), [[0.5, 0.0]])
    x.resize_as_(ad.tensor([1.0, 2.0, 3.0]))
    assert x.shape == (3,) and x._version == 2
    x.resize_(3)
    assert x._version == 2  # unchanged shape: no write
    with pytest.raises(RuntimeError, match="requires grad"):
        _leaf([1.0]).resize_(2)



def test_missing_graph_helpers_name_what_to_use():
    g = ad.autograd.graph
    x = _leaf([1.0])
    with pytest.raises(NotImplementedError, match="register_hook"):
        g.register_multi_grad_hook((x,), lambda gs: None)
    with pytest.raises(NotImplementedError, match="inputs="):
        g.get_gradient_edge(x)
    with pytest.raises(NotImplementedError, match="clone"):
        g.allow_mutation_on_saved_tensors()
