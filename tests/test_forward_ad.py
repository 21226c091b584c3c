"""``gpuad.autograd.forward_ad``: torch's tests of ``torch.autograd.forward_ad``
(TestAutogradForwardMode and TestAutogradForwardModeBatchedGrad in torch's
test/test_autograd.py) translated to gpuad, where the behaviour is one gpuad can have (torch's
storage, layout and dispatcher internals are left out), plus regressions: tangents against
central differences, reverse mode over the tangents, nesting with ``gpuad.jvp``, and
``gradcheck(check_forward_ad=True)``."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import gpuad as ad
import gpuad.autograd.forward_ad as fwAD
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.autograd import GradcheckError, gradcheck, gradgradcheck


@pytest.fixture(autouse=True)
def _close_levels():
    yield
    while fwAD._current_level >= 0:  # a failing test leaves no level open for the next
        fwAD.exit_dual_level()


def _np(a):
    if isinstance(a, ad.Tensor):
        a = a.data
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _close(a, b, tol=1e-9):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _rand(*shape, seed=0, rg=False):
    return ad.tensor(np.random.default_rng(seed).random(shape), requires_grad=rg)


# ---- torch's TestAutogradForwardMode ------------------------------------------------------------

def test_forward_level_cleanup(backend):
    foo = _rand(2)
    with fwAD.dual_level():
        tangent = _rand(2, seed=1, rg=True)
        ref = weakref.ref(tangent)
        dual = fwAD.make_dual(foo, tangent)
        assert fwAD.unpack_dual(dual)[1] is tangent  # the tangent given, as it is
        del tangent
        gc.collect()
        assert ref() is not None  # the dual keeps it alive
        del dual
        gc.collect()
        assert ref() is None  # the level does not


def test_size_check(backend):
    foo, tangent = _rand(2), _rand(3)
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="different size"):
            fwAD.make_dual(foo, tangent)
        fwAD.make_dual(foo, tangent[1:])


def test_zero_size_dual(backend):
    a = ad.tensor(np.ones((0, 1)))
    with fwAD.dual_level():
        dual = fwAD.make_dual(a, ad.tensor(np.ones((0, 1))))
        assert fwAD.unpack_dual(gnp.diagonal(dual)).tangent.shape == (0,)
    x = ad.tensor(np.ones((0, 1)), requires_grad=True)
    assert gradcheck(lambda v: gnp.diagonal(v), (x,), check_forward_ad=True)


def test_complex_dual_real_and_imag(backend):
    rng = np.random.default_rng(0)
    x = ad.tensor(rng.random((2, 3)) + 1j * rng.random((2, 3)))
    t = ad.tensor(rng.random((2, 3)) + 1j * rng.random((2, 3)))
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, t)
        assert fwAD.unpack_dual(dual).tangent is t
        _close(fwAD.unpack_dual(gnp.real(dual)).tangent, np.real(_np(t)))
        _close(fwAD.unpack_dual(gnp.imag(dual)).tangent, np.imag(_np(t)))


def test_default_level(backend):
    foo, bar = _rand(2), _rand(2, seed=1)
    with fwAD.dual_level():
        baz = fwAD.make_dual(foo, bar)
        baz_primal, baz_tangent = fwAD.unpack_dual(baz)
    _close(baz_primal, foo)
    assert baz_tangent is bar
    baz_primal, baz_tangent = fwAD.unpack_dual(baz)
    _close(baz_primal, foo)
    assert baz_tangent is None  # the level is closed: its tangents are gone


def test_nested_level(backend):
    with fwAD.dual_level() as level:
        assert level == 0  # one level only, as in torch
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fwAD.enter_dual_level()
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            with fwAD.dual_level():
                pass
        assert fwAD._current_level == 0
    assert fwAD._current_level == -1


def test_tangent_having_a_tangent_at_the_same_level(backend):
    foo, bar, baz = _rand(2), _rand(2, seed=1), _rand(2, seed=2)
    with fwAD.dual_level():
        dual = fwAD.make_dual(foo, bar)
        with pytest.raises(RuntimeError, match="itself has a forward gradient at the same level"):
            fwAD.make_dual(baz, dual)
        with pytest.raises(RuntimeError, match="already has a forward gradient at the same"):
            fwAD.make_dual(dual, baz)


def test_make_dual_in_inference_mode(backend):
    with ad.inference_mode():
        foo, bar = _rand(2), _rand(2, seed=1)
        foo_copy = _np(foo).copy()
        with fwAD.dual_level():
            dual = fwAD.make_dual(foo, bar)
            dual += 1
            assert not np.allclose(_np(foo), foo_copy)  # the dual shares foo's memory
            _close(fwAD.unpack_dual(dual).tangent, bar)


def test_make_dual_forbids_integer_dtypes(backend):
    pf, pl = ad.tensor(np.ones((2, 2))), ad.tensor(np.ones((2, 2), dtype=np.int64))
    with fwAD.dual_level():
        with pytest.raises(ValueError, match="Expected tangent to be floating point or complex"):
            fwAD.make_dual(pf, pl)
        with pytest.raises(ValueError, match="Expected primal to be floating point or complex"):
            fwAD.make_dual(pl, pl)
        with pytest.raises(ValueError, match="Expected primal to be floating point or complex"):
            fwAD.make_dual(pl, pf)


def test_print(backend):
    with fwAD.dual_level():
        a = _rand(3)
        assert "tangent" not in repr(a)
        b = fwAD.make_dual(a, _rand(3, seed=1))
        assert "tangent" not in repr(a)
        assert "tangent" in repr(b)
        b_primal, b_tangent = fwAD.unpack_dual(b)
        assert "tangent" not in repr(b_primal)
        assert "tangent" not in repr(b_tangent)
    assert "tangent" not in repr(b)  # closed


def test_basic_packing_unpacking(backend):
    foo, bar = _rand(2), _rand(2, seed=1)
    with fwAD.dual_level():
        baz = fwAD.make_dual(foo, bar)
        baz_primal, baz_tangent = fwAD.unpack_dual(baz)
        _close(baz_primal, foo)
        assert baz_tangent is bar
        unpacked = fwAD.unpack_dual(baz)
        assert isinstance(unpacked, fwAD.UnpackedDualTensor)
        assert baz_primal is not unpacked.primal  # a new primal each time
        _close(baz_primal, unpacked.primal)
        assert unpacked.tangent is bar
        foo_primal, foo_tangent = fwAD.unpack_dual(foo)  # the input is unchanged
        _close(foo_primal, foo)
        assert foo_tangent is None


def test_advanced_packing_unpacking(backend):
    foo, bar = _rand(2), ad.tensor(np.ones(2))
    with fwAD.dual_level():
        dual = fwAD.make_dual(foo, bar)
        assert dual.data is foo.data  # memory and version counter shared
        assert foo._version == dual._version
        foo.add_(1)
        assert foo._version == dual._version
        dual_primal, dual_tangent = fwAD.unpack_dual(dual)  # aliases too
        assert dual_primal.data is foo.data
        assert dual_tangent is bar
        assert foo._version == dual_primal._version
        foo.add_(1)
        assert foo._version == dual_primal._version
        assert bar._version == dual_tangent._version
        bar.add_(1)
        assert bar._version == dual_tangent._version

    with fwAD.dual_level():  # reverse mode through packing and unpacking
        foo.requires_grad_()
        bar.requires_grad_()
        dual = fwAD.make_dual(foo, bar)
        p, t = fwAD.unpack_dual(dual)
        gfoo, gbar = ad.autograd.grad(p.sum(), (foo, bar), retain_graph=True, allow_unused=True)
        _close(gfoo, np.ones(2))
        assert gbar is None
        gfoo, gbar = ad.autograd.grad(t.sum(), (foo, bar), retain_graph=True, allow_unused=True)
        assert gfoo is None
        _close(gbar, np.ones(2))

        out = dual.detach() * 2  # detach() drops the tangent
        p, t = fwAD.unpack_dual(out)
        assert not p.requires_grad
        _close(p, _np(foo) * 2)
        assert t is None

        with ad.no_grad():  # no_grad keeps forward mode
            out = dual * 3
        p, t = fwAD.unpack_dual(out)
        assert not p.requires_grad and not t.requires_grad
        _close(p, _np(foo) * 3)
        _close(t, _np(bar) * 3)

        dual = dual.clone()
        dual.detach_()  # so does detach_()
        p, t = fwAD.unpack_dual(dual * 2)
        assert not p.requires_grad
        _close(p, _np(foo) * 2)
        assert t is None


def test_view_inplace_non_differentiable_views(backend):
    original_foo, original_bar = _np(_rand(2)).copy(), np.ones(2)
    foo, bar = ad.tensor(original_foo.copy()), ad.tensor(original_bar.copy())
    with fwAD.dual_level():
        dual = fwAD.make_dual(foo, bar)
        dual *= 2
        assert fwAD.unpack_dual(foo)[1] is None  # foo shares the values, not the tangent
        _close(fwAD.unpack_dual(dual)[1], original_bar * 2)
        _close(foo, original_foo * 2)
        _close(fwAD.unpack_dual(dual)[0], original_foo * 2)
        # torch also doubles bar itself (its in-place op writes the tangent in place); gpuad
        # gives dual a new tangent and leaves the tangent handed to make_dual as it was
        _close(bar, original_bar)
        dual_primal, dual_tangent = fwAD.unpack_dual(dual)
        assert fwAD.unpack_dual(dual_primal)[1] is None
        assert fwAD.unpack_dual(dual_tangent)[1] is None
        dual_primal *= 2  # the primal changes, not the tangent
        _close(fwAD.unpack_dual(dual)[0], original_foo * 4)
        _close(fwAD.unpack_dual(dual)[1], original_bar * 2)
        dual_tangent *= 2  # the tangent changes, not the primal
        _close(fwAD.unpack_dual(dual)[0], original_foo * 4)
        _close(fwAD.unpack_dual(dual)[1], original_bar * 4)


def test_view_inplace_differentiable_views(backend):
    foo, bar = _rand(2), ad.tensor(np.ones(2))
    with fwAD.dual_level():
        dual = fwAD.make_dual(foo, bar)
        view = dual.narrow(0, 0, 1)  # a view of the dual: its tangent follows the dual's
        view *= 2
        assert fwAD.unpack_dual(foo)[1] is None
        _close(fwAD.unpack_dual(dual)[1], [2.0, 1.0])
        _close(fwAD.unpack_dual(view)[1], [2.0])

        baz = _rand(2, seed=3)  # a plain tensor written with a dual gets its tangent
        baz += dual
        _close(fwAD.unpack_dual(baz)[1], fwAD.unpack_dual(dual)[1])
        baz = _rand(2, seed=3)
        baz[0] = dual[0]
        _close(fwAD.unpack_dual(baz)[1][0], fwAD.unpack_dual(dual)[1][0])
        _close(fwAD.unpack_dual(baz)[1][1], 0.0)  # the element not written: zero

        baz = _rand(2, seed=3)
        view = baz.detach()  # detach() is no forward-differentiable view
        view += dual
        assert fwAD.unpack_dual(baz)[1] is None


@pytest.mark.parametrize("op", ["add_", "mul_", "copy_"])
def test_view_inplace_always_creates_a_view(backend, op):
    base = _rand(2, 2, seed=4)
    view = base.swapaxes(0, 1)
    primal, tangent = _rand(2, 2, seed=5), _rand(2, 2, seed=6)
    with fwAD.dual_level():
        dual = fwAD.make_dual(primal, tangent)
        getattr(view, op)(dual)
        p, t = fwAD.unpack_dual(base)
        p_clone, t_clone = _np(p).copy(), _np(t).copy()
        view *= 2
        p, t = fwAD.unpack_dual(base)
        _close(p, p_clone * 2)
        _close(t, t_clone * 2)


def test_grad_cleanup(backend):
    foo, bar, baz = _rand(2), _rand(2, seed=1), _rand(2, seed=2)
    with fwAD.dual_level():
        dual = fwAD.make_dual(foo, bar)
        assert fwAD.unpack_dual(foo)[1] is None
        assert fwAD.unpack_dual(dual)[1] is bar
    assert fwAD.unpack_dual(dual)[1] is None
    with fwAD.dual_level():
        assert fwAD.unpack_dual(foo)[1] is None
        new_dual = fwAD.make_dual(foo, baz)
        dual_primal, dual_tangent = fwAD.unpack_dual(dual)
        new_dual_primal, new_dual_tangent = fwAD.unpack_dual(new_dual)
        _close(dual_primal, new_dual_primal)
        assert dual_tangent is None  # a tangent of the earlier level is not this level's
        _close(new_dual_tangent, baz)


def test_detach_view_tracking(backend):
    foo = _rand(2)
    ref = weakref.ref(foo)
    out = foo.detach()
    del foo
    gc.collect()
    assert ref() is None
    assert out.shape == (2,)


def test_out_variant(backend):
    # torch refuses out= with duals; gpuad records the write, tangent included
    with fwAD.dual_level():
        foo = fwAD.make_dual(_rand(2), _rand(2, seed=1))
        bar = _rand(2, seed=2)
        res = ad.tensor(np.zeros(2))
        gnp.add(foo, bar, out=res)
        _close(fwAD.unpack_dual(res).tangent, fwAD.unpack_dual(foo).tangent)
        gnp.add(bar, bar, out=foo)  # overwritten by values without a tangent
        _close(foo, 2 * _np(bar))
        assert fwAD.unpack_dual(foo).tangent is None


def test_non_differentiable(backend):
    with fwAD.dual_level():
        foo = fwAD.make_dual(_rand(2), _rand(2, seed=1))
        bar = _rand(2, seed=2)
        eq = foo == bar  # no differentiable output: no error, no tangent
        assert fwAD.unpack_dual(eq).tangent is None
        assert fwAD.unpack_dual(gnp.argmax(foo)).tangent is None


def test_backward_graph_destruction(backend):
    with fwAD.dual_level():
        a = _rand(10, rg=True)
        da = fwAD.make_dual(_rand(10, seed=1), a)
        da.exp()
    assert fwAD._current_level == -1


# ---- torch's TestAutogradForwardModeBatchedGrad ------------------------------------------------

def test_out_of_place_basic(backend):
    a, b = _rand(4, 4, rg=True), _rand(4, 4, seed=1, rg=True)
    flags = dict(check_forward_ad=True, check_batched_grad=True,
                 check_batched_forward_grad=True)
    assert gradcheck(gnp.sin, a, **flags)
    assert gradcheck(gnp.add, (a, b), **flags)


def test_vmap_over_the_tangents_of_a_transposed_input(backend):
    inp = ad.tensor(np.zeros((2, 2))).swapaxes(0, 1)
    tangent = _rand(2, 2, 2, seed=7)

    def jvp(t):
        with fwAD.dual_level():
            return fwAD.unpack_dual(fwAD.make_dual(inp, t))[1]

    _close(ad.vmap(jvp)(tangent), tangent)


@pytest.mark.parametrize("transposed", [False, True])
def test_inplace_on_view_under_vmap(backend, transposed):
    inp = ad.tensor(np.zeros((2, 2)))
    tangent = _rand(2, 2, 2, seed=8)

    def jvp(t):
        base = ad.tensor(np.zeros((2, 2)))
        view = base.swapaxes(0, 1) if transposed else base.view_as(base)
        with fwAD.dual_level():
            x = fwAD.make_dual(inp, t)
            view.copy_(x)
            return fwAD.unpack_dual(x)[1], fwAD.unpack_dual(view)[1], fwAD.unpack_dual(base)[1]

    x_t, view_t, base_t = ad.vmap(jvp)(tangent)
    _close(x_t, tangent)
    _close(view_t, tangent)
    _close(base_t, np.swapaxes(_np(tangent), 1, 2) if transposed else tangent)


# ---- gpuad's own ---------------------------------------------------------------------------------

def _fd_jvp(f, x, v, eps=1e-6):
    return (_np(f(ad.tensor(_np(x) + eps * _np(v)))) -
            _np(f(ad.tensor(_np(x) - eps * _np(v))))) / (2 * eps)


@pytest.mark.parametrize("name,f", [
    ("sin_mul", lambda x: gnp.sin(x) * x),
    ("softmax_matmul", lambda x: F.softmax(x @ x.T, dim=-1)),
    ("solve", lambda x: gnp.linalg.solve(x + 3 * gnp.eye(3), gnp.sum(x, axis=0))),
    ("inplace_view", lambda x: _write_through_view(x)),
    ("index_mix", lambda x: gnp.concatenate([x[:, 1], gnp.exp(x[0]), x.max(axis=1)])),
])
def test_tangents_match_central_differences(backend, name, f):
    x, v = _rand(3, 3, seed=11), _rand(3, 3, seed=12)
    with fwAD.dual_level():
        t = fwAD.unpack_dual(f(fwAD.make_dual(x, v))).tangent
    _close(t, _fd_jvp(f, x, v), tol=1e-6)


def _write_through_view(x):
    y = x * 1.5
    row = y[1]
    row.mul_(y[0])  # an in-place op on a view of a dual, reading the dual itself
    y[2, ::2] = gnp.cos(x[0, :2])
    return y + 0


def test_enter_and_exit_by_hand(backend):
    assert fwAD.enter_dual_level() == 0
    x = fwAD.make_dual(_rand(2), ad.tensor(np.ones(2)))
    with pytest.raises(RuntimeError, match="not the last one"):
        fwAD.exit_dual_level(level=1)
    fwAD.exit_dual_level(level=0)
    assert fwAD.unpack_dual(x).tangent is None
    with pytest.raises(RuntimeError, match="no forward AD level is open"):
        fwAD.exit_dual_level()


def test_make_dual_outside_a_level_and_bad_arguments(backend):
    x = _rand(2)
    with pytest.raises(RuntimeError, match="no level exists"):
        fwAD.make_dual(x, x)
    assert fwAD.unpack_dual(x).tangent is None  # unpacking outside a level is fine
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="Invalid level"):
            fwAD.make_dual(x, x, level=1)
        with pytest.raises(RuntimeError, match="Invalid level"):
            fwAD.unpack_dual(x, level=1)
        with pytest.raises(TypeError, match="complex tangent"):
            fwAD.make_dual(x, ad.tensor(np.ones(2) + 0j))
        with pytest.raises(TypeError, match="must be a Tensor"):
            fwAD.make_dual(x, 1.0)
        d = fwAD.make_dual(x, gnp.ones(2))  # a backend array as tangent
        _close(fwAD.unpack_dual(d * 3).tangent, [3.0, 3.0])
        d = fwAD.make_dual(x, np.ones(2))  # a host one: on the backend
        _close(fwAD.unpack_dual(gnp.sin(d) * x).tangent, np.cos(_np(x)) * _np(x))


def test_level_closed_when_the_block_raises(backend):
    with pytest.raises(ZeroDivisionError), fwAD.dual_level():
        raise ZeroDivisionError
    assert fwAD._current_level == -1
    with fwAD.dual_level():  # a new one opens
        pass


def test_closed_level_tangents_do_not_block_conversions(backend):
    with fwAD.dual_level():
        y = gnp.sin(fwAD.make_dual(_rand(2), _rand(2, seed=1)))
        if backend == "numpy":
            with pytest.raises(TypeError, match="forward-mode tangents"):
                np.asarray(y)
    if backend == "numpy":
        _close(np.asarray(y), np.sin(_np(_rand(2))))  # refused before the fix
    assert "tangent" not in repr(y)
    kept = []
    ad.jvp(lambda z: kept.append(gnp.sin(z)) or kept[0], (_rand(2),), (_rand(2, seed=1),))
    if backend == "numpy":
        _close(np.asarray(kept[0]), np.sin(_np(_rand(2))))  # a finished jvp's too
    assert "tangent" not in repr(kept[0])


def test_reverse_over_forward(backend):
    p, t = _rand(3, rg=True), _rand(3, seed=1, rg=True)
    with fwAD.dual_level():
        y = gnp.exp(fwAD.make_dual(p, t)) * p  # a dual mixed with its own primal
        tan = fwAD.unpack_dual(y).tangent
        gp, gt = ad.autograd.grad(tan.sum(), (p, t))
    pd, td = _np(p), _np(t)
    # the tangent is exp(p) p t (the second factor, p itself, carries no tangent)
    _close(gp, np.exp(pd) * (pd + 1) * td)
    _close(gt, np.exp(pd) * pd)


def test_forward_over_gpuad_transforms(backend):
    x = _rand(3, seed=2)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, ad.tensor(np.ones(3)))
        g = ad.grad(lambda z: gnp.sum(gnp.sin(z) ** 2))(d)  # sin(2z)
        _close(fwAD.unpack_dual(g).tangent, 2 * np.cos(2 * _np(x)), tol=1e-8)
        _, jt = ad.jvp(gnp.sin, (d,), (ad.tensor(np.ones(3)),))  # cos(z): its tangent -sin
        _close(fwAD.unpack_dual(jt).tangent, -np.sin(_np(x)), tol=1e-8)


def test_dual_level_inside_jvp(backend):
    x = _rand(3, seed=3)

    def f(z):
        with fwAD.dual_level():
            return fwAD.unpack_dual(gnp.sin(fwAD.make_dual(z, gnp.ones(3)))).tangent

    _, t = ad.jvp(f, (x,), (ad.tensor(np.ones(3)),))
    _close(t, -np.sin(_np(x)))


def test_outer_level_tangent_read_inside_jvp_raises(backend):
    x = _rand(3, seed=3)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, ad.tensor(np.ones(3)))
        with pytest.raises(RuntimeError, match="silently give zero"):
            ad.jvp(lambda z: fwAD.unpack_dual(gnp.sin(z)).tangent, (d,),
                   (ad.tensor(np.ones(3)),))


def test_function_jvp_staticmethod(backend):
    class Mul(ad.autograd.Function):
        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_forward(*inputs)

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("not called")

        @staticmethod
        def jvp(ctx, tx, ty):
            x, y = ctx.saved_tensors
            return tx * y + ty * x

    a, b = _rand(3), _rand(3, seed=1)
    with fwAD.dual_level():
        out = Mul.apply(fwAD.make_dual(a, ad.tensor(np.ones(3))), b)
        _close(fwAD.unpack_dual(out).tangent, b)


def test_missing_tangent_raises(backend):
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    f.defvjp(lambda x: (gnp.sin(x), x), lambda x, g: (g * gnp.cos(x),))
    with fwAD.dual_level():
        y = f(fwAD.make_dual(_rand(2), _rand(2, seed=1)))
        with pytest.raises(ad.GradError, match="custom_vjp"):
            fwAD.unpack_dual(y)


def test_gradcheck_forward_ad(backend):
    a, b = _rand(3, rg=True), _rand(3, seed=1, rg=True)
    assert gradcheck(lambda x, y: (gnp.tanh(x * y), gnp.sum(x / y)), (a, b),
                     check_forward_ad=True, check_backward_ad=False)
    assert gradgradcheck(lambda x, y: gnp.tanh(x * y), (a, b), check_fwd_over_rev=True,
                         check_batched_grad=True)

    @ad.custom_jvp
    def wrong(x):
        return gnp.sin(x)

    @wrong.defjvp
    def _(primals, tangents):  # a wrong forward rule, a right reverse one (through jvp)
        return gnp.sin(primals[0]), 2 * tangents[0] * gnp.cos(primals[0])

    with pytest.raises(GradcheckError, match="forward mode mismatch"):
        gradcheck(wrong, (a,), check_forward_ad=True, check_backward_ad=False)
    assert not gradcheck(wrong, (a,), check_forward_ad=True, check_backward_ad=False,
                         raise_exception=False)


def _stale_view_read(x):
    b = x * 1
    v = b[::2]
    b[0] = x[3] * x[3]  # v reads the new value: its tangent must follow
    return v


def _write_through_transpose(x):
    b = (x * 1).reshape(2, 2)  # itself a view of x * 1
    b.T[0] += x[:2]
    return b


def _write_through_diagonal(x):
    b = (x * 1).reshape(2, 2)
    b.diagonal().mul_(x[:2])
    return b


def _square_in_place(x):
    y = x * 1
    y.mul_(y)  # torch 2.13 gives y t + t t here (its tangent is written before it is read)
    return y


@pytest.mark.parametrize("f", [_stale_view_read, _write_through_transpose,
                               _write_through_diagonal, _square_in_place])
def test_views_read_after_a_write_have_current_tangents(backend, f):
    # unpack_dual of a view whose base was written since returned the view's old tangent
    # beside its new values (a silent wrong tangent) before it rebased the view
    x, v = _rand(4, seed=13), _rand(4, seed=14)
    with fwAD.dual_level():
        p, t = fwAD.unpack_dual(f(fwAD.make_dual(x, v)))
    _close(p, _np(f(x)))
    _close(t, _fd_jvp(f, x, v), tol=1e-6)


def test_function_with_ctx_forward_and_jvp(backend):
    # torch's forward-mode tutorial: forward(ctx, x) keeps what jvp needs on ctx
    class Exp(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = gnp.exp(x)
            ctx.result = result
            ctx.save_for_backward(result)
            ctx.save_for_forward(x)
            return result

        @staticmethod
        def backward(ctx, g):
            (result,) = ctx.saved_tensors
            return g * result

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors  # those of save_for_forward
            return t * ctx.result * (x * 0 + 1)

    p, v = _rand(3, rg=True), _rand(3, seed=1)
    with fwAD.dual_level():
        y = Exp.apply(fwAD.make_dual(p, v))
        prim, tan = fwAD.unpack_dual(y)
        _close(prim, np.exp(_np(p)))
        _close(tan, np.exp(_np(p)) * _np(v))
        (g,) = ad.autograd.grad(gnp.sum(prim), p, retain_graph=True)  # its backward too
        _close(g, np.exp(_np(p)))
        (gt,) = ad.autograd.grad(gnp.sum(tan), p)  # reverse mode over its jvp: ctx.result
        _close(gt, np.exp(_np(p)) * _np(v))        # is the recorded output, as in torch


def test_function_with_ctx_forward_unrecorded_values_refuse_reverse_over_jvp(backend):
    class Sin(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.cos = gnp.cos(x)  # computed without recording: a constant to reverse mode
            return gnp.sin(x)

        @staticmethod
        def backward(ctx, g):
            return g * ctx.cos

        @staticmethod
        def jvp(ctx, t):
            return t * ctx.cos

    p, v = _rand(3, rg=True), _rand(3, seed=1)
    with fwAD.dual_level():
        tan = fwAD.unpack_dual(Sin.apply(fwAD.make_dual(p, v))).tangent
        _close(tan, np.cos(_np(p)) * _np(v))  # the tangent itself is right
        with pytest.raises(ad.GradError, match="ctx.cos as constants"):
            ad.autograd.grad(gnp.sum(tan), p)  # its gradient would miss -sin(p) v: refused
        plain = fwAD.unpack_dual(Sin.apply(fwAD.make_dual(p.detach(), v))).tangent
        assert not plain.requires_grad  # nothing to refuse when no reverse mode is on


def test_closed_level_tangents_are_let_go(backend):
    baz = ad.tensor(np.zeros(2))
    with fwAD.dual_level():
        baz += fwAD.make_dual(ad.tensor(np.ones(2)), ad.tensor(np.ones(2)))
        assert fwAD.unpack_dual(baz).tangent is not None
    y = baz * 2  # the first op after the level dropped baz's dead tangent
    assert baz._tan is None and y._tan is None


def test_unpacked_tangents_written_in_place(backend):
    # a write into the tangent unpack_dual gives reaches that tensor's tangent and its views',
    # never another tensor's: x + 1 and x.clone() had x's very tangent object before
    p, bar = _rand(3), ad.tensor(np.arange(3.0))
    with fwAD.dual_level():
        x = fwAD.make_dual(p, bar)
        for f in (lambda z: z + 1, lambda z: z.clone(), lambda z: gnp.concatenate([z])):
            t = fwAD.unpack_dual(f(x)).tangent
            t *= 2
            _close(fwAD.unpack_dual(x).tangent, np.arange(3.0))
        v = x[:2]
        tv = fwAD.unpack_dual(v).tangent
        tv *= 2  # a view's tangent is a view of its base's, as in torch
        _close(fwAD.unpack_dual(x).tangent, [0.0, 2.0, 2.0])
