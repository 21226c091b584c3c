"""gpuad.autograd.graph's saved-tensor hooks: saved_tensors_hooks, save_on_cpu and
disable_saved_tensors_hooks (the comparisons with torch: tests/conformance/
test_torch_saved_hooks.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.autograd.graph import (
    disable_saved_tensors_hooks,
    save_on_cpu,
    saved_tensors_hooks,
)
from gpuad.jit import JitFallbackWarning

A = np.array([0.5, -1.25, 2.0, 0.75, -0.3])


def _a():
    return ad.tensor(A.copy(), requires_grad=True)


def _g(t):
    return to_numpy(t.grad)


class Counting:
    """Identity hooks that count their calls and note what pack received."""

    def __init__(self):
        self.packed, self.unpacks = [], 0

    def pack(self, t):
        self.packed.append((tuple(t.shape), t.dtype, to_numpy(t).copy()))
        return t

    def unpack(self, t):
        self.unpacks += 1
        return t

    def block(self):
        return saved_tensors_hooks(self.pack, self.unpack)


def test_each_saved_value_is_packed_and_unpacked_once(backend):
    a = _a()
    h = Counting()
    with h.block():
        y = a * a  # both operands saved
    assert [p[:2] for p in h.packed] == [((5,), np.dtype(np.float64))] * 2
    for p in h.packed:
        np.testing.assert_array_equal(p[2], A)
    assert h.unpacks == 0
    gnp.sum(y).backward()
    assert h.unpacks == 2
    np.testing.assert_allclose(_g(a), 2 * A)


def test_python_numbers_are_not_packed(backend):
    def refuse(x):
        raise AssertionError("a Python number was packed")

    a = _a()
    with saved_tensors_hooks(refuse, refuse):
        g = ad.autograd.grad(gnp.sum(a * 3), a)[0]
    np.testing.assert_allclose(to_numpy(g), 3 * np.ones(5))


def test_backward_uses_the_unpacked_values(backend):
    # a pack that doubles: both saved operands of a * a are 2a, so the gradient is 4a
    a = _a()
    with saved_tensors_hooks(lambda x: 2 * x, lambda x: x):
        y = a * a
    gnp.sum(y).backward()
    np.testing.assert_allclose(_g(a), 4 * A)
    b = _a()
    with saved_tensors_hooks(lambda x: 2 * x, lambda x: x / 2):
        y = b * b
    gnp.sum(y).backward()
    np.testing.assert_allclose(_g(b), 2 * A)


def test_innermost_hooks_win(backend):
    a, b = _a(), _a()
    with saved_tensors_hooks(lambda x: 3 * x, lambda x: 3 * x):
        with saved_tensors_hooks(lambda x: 5 * x, lambda x: 5 * x):
            y = a * a
        z = b * b
    gnp.sum(y).backward()
    gnp.sum(z).backward()
    np.testing.assert_allclose(_g(a), 2 * 25 * A)
    np.testing.assert_allclose(_g(b), 2 * 9 * A)


def _double_floats(x):
    return 2 * x if x.dtype.kind == "f" else x  # (a saved mask stays a mask)


def test_hooks_on_steps_recorded_by_a_differentiable_backward(backend):
    # which values the steps of grad(create_graph=True) save: a, and 3 a^2 in the backward
    def second(where):
        a = _a()
        hooks = saved_tensors_hooks(_double_floats, lambda x: x)
        if where == "forward":
            with hooks:
                s = gnp.sum(a ** 3)
            (g,) = ad.autograd.grad(s, (a,), create_graph=True)
            gnp.sum(g).backward()
        elif where == "backward":
            s = gnp.sum(a ** 3)
            with hooks:
                (g,) = ad.autograd.grad(s, (a,), create_graph=True)
                gnp.sum(g).backward()
        else:
            with hooks:
                s = gnp.sum(a ** 3)
                (g,) = ad.autograd.grad(s, (a,), create_graph=True)
                gnp.sum(g).backward()
        return _g(a)

    np.testing.assert_allclose(second("forward"), 6 * 2 * A)
    np.testing.assert_allclose(second("backward"), 6 * 4 * A)
    np.testing.assert_allclose(second("both"), 6 * 8 * A)


def test_gradient_through_host_copies_matches_finite_differences(backend):
    def f(x, w):
        return gnp.sum(gnp.tanh(x @ w) * gnp.sin(x[:, :1]))

    rng = np.random.default_rng(0)
    x0, w0 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    x, w = ad.tensor(x0.copy(), requires_grad=True), ad.tensor(w0.copy(), requires_grad=True)
    with saved_tensors_hooks(lambda t: t.numpy().copy(), lambda h: ad.tensor(h)):
        y = f(x, w)
    y.backward()
    u = rng.normal(size=x0.shape)
    eps = 1e-6

    def val(xx):
        return float(to_numpy(f(ad.tensor(xx), ad.tensor(w0))))

    fd = (val(x0 + eps * u) - val(x0 - eps * u)) / (2 * eps)
    np.testing.assert_allclose(np.sum(_g(x) * u), fd, rtol=1e-6)


def test_retained_graph_unpacks_again(backend):
    a = _a()
    h = Counting()
    with h.block():
        y = gnp.exp(a)
    gnp.sum(y).backward(retain_graph=True)
    gnp.sum(y).backward()
    assert len(h.packed) == 1 and h.unpacks == 2
    np.testing.assert_allclose(_g(a), 2 * np.exp(A))


def test_bad_unpack_results_and_bad_pack_raise(backend):
    a = _a()
    with saved_tensors_hooks(lambda x: x, lambda x: 1):
        y = gnp.sin(a)
    with pytest.raises(TypeError, match=r"sin: Output of saved tensor unpack_hook expected"):
        gnp.sum(y).backward()
    with saved_tensors_hooks(lambda x: x, lambda x: x[:2]):
        y = gnp.sin(a)
    with pytest.raises(RuntimeError, match=r"sin: .*shape \(2,\).*saved with shape \(5,\)"):
        gnp.sum(y).backward()
    with saved_tensors_hooks(lambda x: x, lambda x: x.astype(np.float32)):
        y = gnp.sin(a)
    with pytest.raises(RuntimeError, match=r"float32.*float64"):
        gnp.sum(y).backward()
    assert a.grad is None

    def inc(x):
        x += 1
        return x

    b = _a() * 1.0
    with saved_tensors_hooks(inc, lambda x: x):
        with pytest.raises(RuntimeError, match="pack hook is modifying its input in place"):
            gnp.sin(b)


def test_pack_and_unpack_errors_propagate(backend):
    class Boom(Exception):
        pass

    def boom(x):
        raise Boom("hook")

    a = _a()
    with saved_tensors_hooks(boom, lambda x: x), pytest.raises(Boom):
        gnp.sin(a)
    with saved_tensors_hooks(lambda x: x, boom):
        y = gnp.sin(a)
        with pytest.raises(Boom):
            gnp.sum(y).backward()


def test_a_saved_value_written_in_place_still_raises(backend):
    h = _a() * 1.0
    with saved_tensors_hooks(lambda x: x, lambda x: x):
        y = gnp.sin(h)
    with ad.no_grad():
        h += 1.0
    with pytest.raises(ad.GradError, match=r"sin: input 0 was saved .* version"):
        gnp.sum(y).backward()


def test_in_place_op_of_its_own_saved_input(backend):
    # h *= a saves h's old values and then writes h: the packed value is a copy
    a = _a()
    h = Counting()
    with h.block():
        t = a * 1.0
        t *= a
    gnp.sum(t).backward()
    np.testing.assert_allclose(_g(a), 2 * A)


def test_custom_function_saved_tensors_are_packed(backend):
    class Cube(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    a = _a()
    with saved_tensors_hooks(lambda x: 2 * x, lambda x: x):
        y = Cube.apply(a)
    gnp.sum(y).backward()
    np.testing.assert_allclose(_g(a), 3 * 4 * A * A)


def test_save_on_cpu_keeps_host_arrays_and_gives_the_same_gradients(backend):
    a = _a()
    with save_on_cpu():
        y = gnp.sin(a) * a
    for s in y._node.saved:
        if s is not None and len(s) > 1:
            assert isinstance(s[0].obj[1], np.ndarray)  # host memory on every backend
    gnp.sum(y).backward()
    np.testing.assert_allclose(_g(a), np.cos(A) * A + np.sin(A))
    assert type(a.grad._data) is type(a._data)


def test_save_on_cpu_and_checkpoint(backend):
    def chain(x):
        return gnp.sum((((x ** 2) ** 2) ** 2) ** 2)

    a = _a()
    chain(a).backward()
    want = _g(a)
    a.grad = None
    with save_on_cpu():
        h = a ** 2
        h = ad.checkpoint(lambda x: (x ** 2) ** 2)(h)
        c = h ** 2
    gnp.sum(c).backward()
    np.testing.assert_allclose(_g(a), want, rtol=1e-12)
    a.grad = None

    def f(x):
        h = x ** 2
        with save_on_cpu():
            h = (h ** 2) ** 2
        return h ** 2

    gnp.sum(ad.checkpoint(f)(a)).backward()
    np.testing.assert_allclose(_g(a), want, rtol=1e-12)


def test_disable_saved_tensors_hooks():
    with disable_saved_tensors_hooks("outer"):
        with disable_saved_tensors_hooks("inner"):
            with pytest.raises(RuntimeError, match="inner"):
                with saved_tensors_hooks(lambda x: x, lambda x: x):
                    pass
        with pytest.raises(RuntimeError, match="outer"):
            save_on_cpu().__enter__()
    with saved_tensors_hooks(lambda x: x, lambda x: x):
        with pytest.raises(RuntimeError, match="message"):
            with disable_saved_tensors_hooks("message"):
                pass
    with saved_tensors_hooks(lambda x: x, lambda x: x):  # enabled again
        pass


def test_disable_as_a_decorator():
    @disable_saved_tensors_hooks("not in here")
    def f():
        with saved_tensors_hooks(lambda x: x, lambda x: x):
            pass

    with pytest.raises(RuntimeError, match="not in here"):
        f()
    with saved_tensors_hooks(lambda x: x, lambda x: x):  # enabled again once f returned
        pass


def test_unbalanced_blocks_and_blocks_opened_by_unpack():
    h = saved_tensors_hooks(lambda x: x, lambda x: x)
    with pytest.raises(RuntimeError, match="not open"):
        h.__exit__(None, None, None)
    # an unpack hook that opens a block: backward leaves the stack as it found it
    a = _a()

    def unpack(x):
        saved_tensors_hooks(lambda x: x, lambda x: x).__enter__()
        return x

    with saved_tensors_hooks(lambda x: x, unpack):
        gnp.sum(gnp.sin(a)).backward()

    def refuse(x):
        raise AssertionError("a hook outlived its block")

    with saved_tensors_hooks(refuse, refuse):
        pass
    gnp.sum(gnp.sin(a)).backward()  # no block open: nothing packed


def test_hooks_inside_jit_raise_and_jitted_calls_inside_hooks_run_eagerly():
    def f(x):
        with saved_tensors_hooks(lambda t: t, lambda t: t):
            return gnp.sum(gnp.sin(x) * x)

    with pytest.raises(NotImplementedError, match="gpuad.jit"):
        ad.jit(f)(ad.tensor(A.copy()))

    g = ad.jit(lambda x: gnp.sum(x * x))
    a = _a()
    g(a).backward()  # compiled (differentiated from outside)
    np.testing.assert_allclose(_g(a), 2 * A)
    a.grad = None
    with pytest.warns(JitFallbackWarning, match="saved_tensors_hooks"):
        with saved_tensors_hooks(lambda x: 2 * x, lambda x: x):
            y = g(a)
    y.backward()
    np.testing.assert_allclose(_g(a), 4 * A)  # the hooks were applied, as eagerly


def test_hooks_refuse_steps_recorded_inside_vmap():
    w = ad.tensor(A.copy(), requires_grad=True)
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        with pytest.raises(NotImplementedError, match="vmap"):
            ad.vmap(lambda x: gnp.sum(gnp.sin(x * w)))(ad.tensor(np.ones((2, 5))))


def test_hooks_belong_to_the_thread_that_opened_them():
    import threading

    a = _a()
    h = Counting()
    opened, done = threading.Event(), threading.Event()

    def other():
        with h.block():
            opened.set()
            done.wait(10)

    t = threading.Thread(target=other)
    t.start()
    opened.wait(10)
    try:
        gnp.sum(a * a).backward()  # this thread has no block open: nothing packed
    finally:
        done.set()
        t.join()
    assert h.packed == [] and h.unpacks == 0
    np.testing.assert_allclose(_g(a), 2 * A)


def _sin_rule():
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    f.defvjp(lambda x: (gnp.sin(x), (gnp.cos(x),)), lambda res, g: (g * res[0],))
    return f


def test_custom_vjp_residuals_are_packed(backend):
    f = _sin_rule()
    a = _a()
    with saved_tensors_hooks(_double_floats, lambda x: x):
        y = gnp.sum(f(a))
    y.backward()
    np.testing.assert_allclose(_g(a), 2 * np.cos(A))  # bwd read the packed (doubled) cos(a)
    # second order through the unpacked residual: d/da sum(cos(a)) = -sin(a)
    b = _a()
    with saved_tensors_hooks(lambda t: t.numpy().copy(), lambda h: ad.tensor(h)):
        (g,) = ad.autograd.grad(gnp.sum(f(b)), b, create_graph=True)
    gnp.sum(g).backward()
    np.testing.assert_allclose(_g(b), -np.sin(A))
