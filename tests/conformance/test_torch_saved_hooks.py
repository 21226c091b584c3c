"""``gpuad.autograd.graph``'s saved-tensor hooks against torch's: the saved-tensor hook cases
of pytorch's test/test_autograd.py run as programs in both libraries on the same float64
inputs, comparing gradients, how often each hook runs, what ``pack`` receives, and errors.
Then per op: which values each library saves (the shapes and dtypes pack sees, unpack counts)
and the gradient through hooks that keep host copies, checked with central differences too.

Not ported: the cases written on torch's per-slot API (``grad_fn._raw_saved_self
.register_hooks``, ``grad_fn._saved_self``: gpuad's steps have no such attributes), the CUDA
memory-count case (``test_graph_save_on_cpu_cuda``: device memory), and sparse tensors.

Deliberate differences (asserted below): a saved value written in place raises in backward
under hooks too (torch skips its version check when hooks are set, and an unpack that returns
the written buffer gives a wrong gradient there); leaving a block that is not open raises
(torch ignores it); gpuad's functional transforms (``gpuad.func.grad``) accept hooks, where
torch.func refuses them; an in-place op that overwrites a value its own step saved packs it
twice (the value, then a private copy taken before the write), torch once.
"""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings
import weakref

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.autograd.graph import (
    disable_saved_tensors_hooks,
    save_on_cpu,
    saved_tensors_hooks,
)
from gpuad.utils.checkpoint import checkpoint

torch = pytest.importorskip("torch")
TG = torch.autograd.graph

A = np.array([0.7, -1.3, 0.2, 1.9, -0.45])


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.numpy() if isinstance(t, ad.Tensor) else np.asarray(t)


def _pair():
    """The same leaf in both libraries."""
    return ad.tensor(A.copy(), requires_grad=True), torch.tensor(A.copy(), requires_grad=True)


def _close(g, t, rtol=1e-12):
    np.testing.assert_allclose(_np(g), _np(t), rtol=rtol, atol=1e-14)


# ---- pytorch test_autograd.py, the default-hook cases ------------------------------------

def test_saved_original_with_default_hooks():
    for lib, hooks in ((ad, saved_tensors_hooks), (torch, TG.saved_tensors_hooks)):
        def pack(x):
            warnings.warn("pack", stacklevel=1)
            return x

        with hooks(pack, lambda x: x):
            a = lib.tensor(np.ones(5), requires_grad=True)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                a * a
            assert len(w) == 2, lib.__name__  # a saved twice

    for pack, unpack, factor in ((lambda x: x, lambda x: x, 2), (lambda x: 2 * x,
                                 lambda x: x / 2, 2), (lambda x: 2 * x, lambda x: x, 4)):
        a, ta = _pair()
        with saved_tensors_hooks(pack, unpack):
            y = a * a
        with TG.saved_tensors_hooks(pack, unpack):
            ty = ta * ta
        gnp.sum(y).backward()
        ty.sum().backward()
        _close(a.grad, ta.grad)
        np.testing.assert_allclose(_np(a.grad), factor * A)
    a, ta = _pair()  # the hooks are gone once the block is left
    gnp.sum(a * a).backward()
    (ta * ta).sum().backward()
    _close(a.grad, ta.grad)


def test_did_not_save_original_with_default_hooks():
    a, ta = _pair()
    with saved_tensors_hooks(lambda x: x, lambda x: x):
        y = gnp.exp(a)
        gnp.sum(y).backward()
    with TG.saved_tensors_hooks(lambda x: x, lambda x: x):
        ty = torch.exp(ta)
        ty.sum().backward()
    _close(a.grad, ta.grad)
    _close(a.grad, y)


def test_setting_default_hooks_twice_should_use_inner():
    def run(lib, hooks, mul):
        with hooks(lambda x: 3 * x, lambda x: 3 * x):
            b = lib.tensor(A.copy(), requires_grad=True)
            with hooks(lambda x: 5 * x, lambda x: 5 * x):
                a = lib.tensor(A.copy(), requires_grad=True)
                y = mul(a, a)
            z = mul(b, b)
            with hooks(lambda x: x, lambda x: x):  # twice: not a failure
                pass
        y.sum().backward()
        z.sum().backward()
        return a.grad, b.grad

    ga, gb = run(ad, saved_tensors_hooks, lambda u, v: u * v)
    ta, tb = run(torch, TG.saved_tensors_hooks, lambda u, v: u * v)
    _close(ga, ta)
    _close(gb, tb)
    np.testing.assert_allclose(_np(ga), 2 * 25 * A)


def test_disabling_saved_tensor_hooks():
    for hooks, disable in ((saved_tensors_hooks, disable_saved_tensors_hooks),
                           (TG.saved_tensors_hooks, TG.disable_saved_tensors_hooks)):
        with disable("error message"):
            with pytest.raises(RuntimeError, match="error message"):
                with hooks(lambda x: x, lambda x: x):
                    pass
        with hooks(lambda x: x, lambda x: x):
            with pytest.raises(RuntimeError, match="error message"):
                with disable("error message"):
                    pass
        with disable("outer"):
            with disable("inner"):
                with pytest.raises(RuntimeError, match="inner"):
                    with hooks(lambda x: x, lambda x: x):
                        pass
            with pytest.raises(RuntimeError, match="outer"):
                with hooks(lambda x: x, lambda x: x):
                    pass
        with hooks(lambda x: x, lambda x: x):  # enabled again
            pass


def test_saved_tensor_hooks_custom_error_propagation():
    class CustomError(Exception):
        pass

    def pack_err(x):
        raise CustomError("pack")

    def unpack_err(x):
        raise CustomError("unpack")

    for lib, hooks, sin in ((ad, saved_tensors_hooks, gnp.sin),
                            (torch, TG.saved_tensors_hooks, torch.sin)):
        a = lib.tensor(1.0, requires_grad=True)
        with hooks(pack_err, lambda x: x):
            with pytest.raises(CustomError, match="pack"):
                sin(a)
        with hooks(lambda x: x, unpack_err):
            out = sin(a)
            with pytest.raises(CustomError, match="unpack"):
                out.backward()


def _func_class(lib):
    class Func(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            intermediate = x.exp()
            ctx.save_for_backward(intermediate.clone().detach_().requires_grad_(True))
            return x.exp()

        @staticmethod
        def backward(ctx, grad_out):
            (intermediate,) = ctx.saved_tensors
            return grad_out * intermediate
    return Func


def test_saved_tensor_hooks_custom_function_intermediates():
    a = ad.tensor(1.0, requires_grad=True)
    ta = torch.tensor(1.0, requires_grad=True, dtype=torch.float64)
    with saved_tensors_hooks(lambda x: x, lambda x: x):
        out = _func_class(ad).apply(a)
    with TG.saved_tensors_hooks(lambda x: x, lambda x: x):
        tout = _func_class(torch).apply(ta)
    out.backward()
    tout.backward()
    _close(a.grad, ta.grad)


class _Count:
    def __init__(self):
        self.packed, self.unpacked = [], 0

    def pack(self, x):
        self.packed.append((tuple(x.shape), str(x.dtype).replace("torch.", "")))
        return x

    def unpack(self, x):
        self.unpacked += 1
        return x


def test_unpack_hooks_exec_count():
    counts = []
    for lib, hooks in ((ad, saved_tensors_hooks), (torch, TG.saved_tensors_hooks)):
        c = _Count()
        x = lib.tensor(np.ones(4), requires_grad=True)
        y = lib.tensor(np.ones(4), requires_grad=False)
        with hooks(c.pack, c.unpack):
            out = x * y
            assert (len(c.packed), c.unpacked) == (1, 0)
            out.sum().backward()
            counts.append((len(c.packed), c.unpacked))
    assert counts[0] == counts[1] == (1, 1)


def test_saved_tensors_hook_version_counter_not_shared():
    for lib, hooks in ((ad, saved_tensors_hooks), (torch, TG.saved_tensors_hooks)):
        a = lib.tensor(1.0, requires_grad=True)
        a_replacement = a.clone()
        seen = []

        class Test(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.sin()

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                before = a._version
                x.add_(1)
                seen.append(a._version == before)
                return grad_output

        with hooks(lambda x: a_replacement, lambda x: x):
            b = Test.apply(a)
        b.backward()
        assert seen == [True], lib.__name__


def _pow_chain(lib, a):
    return a.pow(2).pow(2).pow(2).pow(2)


def test_save_on_cpu_and_checkpoint():
    grads = []
    for lib, soc, ckpt in ((ad, save_on_cpu, checkpoint),
                           (torch, TG.save_on_cpu, torch.utils.checkpoint.checkpoint)):
        a = lib.tensor(np.array([[0.9, -1.1], [0.3, 1.2]]), requires_grad=True)
        _pow_chain(lib, a).sum().backward()
        b_grad = a.grad.clone()
        a.grad = None
        with soc():
            h = a.pow(2)
            h = ckpt(lambda x: x.pow(2).pow(2), h, use_reentrant=False)
            c = h.pow(2)
        c.sum().backward()
        c_grad = a.grad.clone()
        a.grad = None

        def f(a):
            h = a.pow(2)
            with soc():  # noqa: B023 (used at once)
                h = h.pow(2).pow(2)
            return h.pow(2)

        ckpt(f, a, use_reentrant=False).sum().backward()
        grads.append((b_grad, c_grad, a.grad.clone()))
    for g, t in zip(grads[0], grads[1], strict=True):
        _close(g, t)
    _close(grads[0][0], grads[0][1])
    _close(grads[0][0], grads[0][2])


def test_pack_hook_with_inplace_modification_should_fail():
    def inc(x):
        x += 1
        return x

    for lib, hooks in ((ad, saved_tensors_hooks), (torch, TG.saved_tensors_hooks)):
        a = lib.tensor(np.ones(5), requires_grad=True)
        with hooks(inc, lambda x: x):
            with pytest.raises(RuntimeError,
                               match="A saved tensor pack hook is modifying its input in place"):
                a.exp()


def test_saving_variable_to_disk():
    with tempfile.TemporaryDirectory() as tmp_dir:
        def pack_np(x):
            name = os.path.join(tmp_dir, str(uuid.uuid4()) + ".npy")
            np.save(name, _np(x))
            return name

        a, ta = ad.tensor(np.ones(5), requires_grad=True), torch.ones(5, requires_grad=True)
        with saved_tensors_hooks(pack_np, lambda name: ad.tensor(np.load(name))):
            y = a * a
        with TG.saved_tensors_hooks(pack_np, lambda name: torch.tensor(np.load(name))):
            ty = ta * ta
        gnp.sum(y).backward()
        ty.sum().backward()
        _close(a.grad, ta.grad)


def test_default_saved_tensors_hooks_double_backward():
    # which values the steps of a differentiable backward save: the factors agree with torch's
    def run(lib, hooks, where, pack):
        a = lib.tensor(A.copy(), requires_grad=True)
        h = hooks(pack, lambda x: x)
        if where == "forward":
            with h:
                s = (a ** 3).sum()
            (g,) = lib.autograd.grad(s, (a,), create_graph=True)
            g.sum().backward()
        elif where == "backward":
            s = (a ** 3).sum()
            with h:
                (g,) = lib.autograd.grad(s, (a,), create_graph=True)
                g.sum().backward()
        else:
            with h:
                s = (a ** 3).sum()
                (g,) = lib.autograd.grad(s, (a,), create_graph=True)
                g.sum().backward()
        return a.grad

    for where, pack, factor in (("both", lambda x: x, 1), ("forward", lambda x: 2 * x, 2),
                                ("backward", lambda x: 2 * x, 4), ("both", lambda x: 2 * x, 8)):
        g = run(ad, saved_tensors_hooks, where, pack)
        t = run(torch, TG.saved_tensors_hooks, where, pack)
        _close(g, t)
        np.testing.assert_allclose(_np(g), 6 * factor * A)


def test_wrapped_number_saved_tensors_hooks():
    def err_hook(x):
        raise RuntimeError("this hook should not be called")

    for lib, hooks in ((ad, saved_tensors_hooks), (torch, TG.saved_tensors_hooks)):
        with hooks(err_hook, err_hook):
            a = lib.tensor(A.copy(), requires_grad=True)
            out = (a * 3).sum()
            lib.autograd.grad(out, (a,))


def test_graph_save_on_cpu():
    for dtype in (np.float32, np.float64):
        for pin_memory in (True, False):
            x = A.astype(dtype)
            a = ad.tensor(x.copy(), requires_grad=True)
            ta = torch.tensor(x.copy(), requires_grad=True)
            with save_on_cpu(pin_memory):
                y = a * a
            with TG.save_on_cpu(pin_memory):
                ty = ta * ta
            gnp.sum(y).backward()
            ty.sum().backward()
            assert a.grad.dtype == np.dtype(dtype)
            _close(a.grad, ta.grad)
            np.testing.assert_allclose(_np(a.grad), 2 * x)


def test_saved_tensor_hooks_extra_exit_during_bw_no_crash():
    # not a supported use in either library; neither crashes, and the stack ends empty (both
    # restore the hooks stack after backward)
    def run(lib, hooks):
        def unpack(x):
            ctx_1.__exit__()
            return x

        ctx_1 = hooks(lambda x: x, unpack)
        ctx_2 = hooks(lambda x: x, lambda x: x)
        for _ in range(10):
            with ctx_2:
                ctx_1.__enter__()
                x = lib.tensor(np.ones((3, 3)), requires_grad=True)
                x.sin().sum().backward()
        for _ in range(10):
            ctx_1.__exit__()

    run(torch, TG.saved_tensors_hooks)
    run(ad, saved_tensors_hooks)
    a = torch.tensor(1.0, requires_grad=True)
    y = a.exp()  # (kept alive while its saved slot is used)
    y.grad_fn._raw_saved_result.register_hooks(lambda x: x, lambda x: x)  # no default hooks
    assert ad._state.local.saved_hooks == ()  # gpuad: none left either
    # one more exit: torch's stack ignores it, gpuad says the block is not open
    with pytest.raises(RuntimeError, match="not open"):
        saved_tensors_hooks(lambda x: x, lambda x: x).__exit__()


def test_saved_tensor_hooks_extra_enter_during_bw_no_leak():
    import gc

    def scope(lib, hooks):
        def unpack(x):
            weak_ctx_1().__enter__()
            return x

        ctx_1 = hooks(lambda x: x, unpack)
        weak_ctx_1 = weakref.ref(ctx_1)
        x = lib.tensor(np.ones((3, 3)), requires_grad=True)
        with ctx_1:
            x.sin().sum().backward()
        return weakref.ref(unpack)

    gc.disable()
    try:
        for lib, hooks in ((torch, TG.saved_tensors_hooks), (ad, saved_tensors_hooks)):
            assert scope(lib, hooks)() is None, lib.__name__
    finally:
        gc.enable()
    assert ad._state.local.saved_hooks == ()


# ---- deliberate differences -------------------------------------------------------------

def test_write_after_save_raises_where_torch_skips_its_check():
    # torch does not check versions under hooks: an identity unpack gives the written value
    a, ta = _pair()
    h, th = a * 1.0, ta * 1.0
    with saved_tensors_hooks(lambda x: x, lambda x: x):
        y = gnp.sin(h)
    with TG.saved_tensors_hooks(lambda x: x, lambda x: x):
        ty = torch.sin(th)
    with ad.no_grad():
        h += 1.0
    with torch.no_grad():
        th += 1.0
    ty.sum().backward()
    np.testing.assert_allclose(_np(ta.grad), np.cos(A + 1.0))  # not d sin(A) = cos(A)
    with pytest.raises(ad.GradError, match="modified in place"):
        gnp.sum(y).backward()


def test_functional_grad_accepts_hooks_where_torch_func_refuses():
    c = _Count()
    with TG.saved_tensors_hooks(c.pack, c.unpack):
        with pytest.raises(RuntimeError, match="saved tensor hooks"):
            torch.func.grad(lambda x: (x * x).sum())(torch.tensor(A.copy()))
    with saved_tensors_hooks(c.pack, c.unpack):
        g = ad.func.grad(lambda x: gnp.sum(x * x))(ad.tensor(A.copy()))
    np.testing.assert_allclose(_np(g), 2 * A)
    assert len(c.packed) == 2 and c.unpacked == 2


def _in_place(method):
    def prog(a, other):
        t = a * 1.0
        getattr(t, method)(*other)
        return t
    return prog


@pytest.mark.parametrize("method, extra", [("mul_", 1), ("__imul__", 1), ("sin_", 1),
                                           ("exp_", 0), ("tanh_", 0)])
def test_in_place_ops_pack_a_copy_of_what_they_overwrite(method, extra):
    # an in-place op that overwrites a value its own step saved (t.sin_() saves t): gpuad's
    # step packs t, then before the write unpacks it and packs a private copy (``extra``
    # more pack and unpack calls); torch packs its copy once. Gradients agree.
    res = []
    for lib, hooks in ((ad, saved_tensors_hooks), (torch, TG.saved_tensors_hooks)):
        c = _Count()
        a = lib.tensor(A.copy(), requires_grad=True)
        other = (a,) if method in ("mul_", "__imul__") else ()
        with hooks(c.pack, c.unpack):
            y = _in_place(method)(a, other)
        y.sum().backward()
        res.append((len(c.packed), c.unpacked, a.grad))
    (n, u, g), (tn, tu, tg) = res
    _close(g, tg)
    assert (n, u) == (tn + extra, tu + extra)


# ---- per op: what is saved, and gradients through host copies -----------------------------

R = np.random.default_rng(3)
X = R.normal(size=(3, 4))
W = R.normal(size=(4, 2))
P = np.abs(R.normal(size=(3, 4))) + 0.5

# name: (gpuad function, torch function, inputs)
OPS = {
    "sin": (gnp.sin, torch.sin, (X,)),
    "exp": (gnp.exp, torch.exp, (X,)),
    "tanh": (gnp.tanh, torch.tanh, (X,)),
    "log": (gnp.log, torch.log, (P,)),
    "sqrt": (gnp.sqrt, torch.sqrt, (P,)),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, (X, P)),
    "div": (lambda a, b: a / b, lambda a, b: a / b, (X, P)),
    "add": (lambda a, b: a + b, lambda a, b: a + b, (X, P)),
    "matmul": (lambda a, b: a @ b, lambda a, b: a @ b, (X, W)),
    "pow3": (lambda a: a ** 3, lambda a: a ** 3, (X,)),
    "sum": (gnp.sum, torch.sum, (X,)),
    "reshape": (lambda a: a.reshape(4, 3), lambda a: a.reshape(4, 3), (X,)),
    "getitem": (lambda a: a[1:, ::2], lambda a: a[1:, ::2], (X,)),
    "sigmoid": (F.sigmoid, torch.sigmoid, (X,)),
    "relu": (F.relu, torch.relu, (X,)),
    "softmax": (lambda a: F.softmax(a, dim=1), lambda a: torch.softmax(a, 1), (X,)),
    "abs": (gnp.abs, torch.abs, (X,)),
}

# where the two libraries save different values (the gradients still agree): name -> (why,
# gpuad's number of values packed, of those its backward unpacks)
SAVES_DIFFER = {
    "softmax": ("gpuad's softmax is a composition of recorded steps (the row max, exp, "
                "the row sum, the quotient), torch's one step saves only its result", 5, 3),
}


def _run(lib, hooks, fn, arrays):
    c = _Count()
    ins = [lib.tensor(x.copy(), requires_grad=True) for x in arrays]
    with hooks(c.pack, c.unpack):
        out = fn(*ins)
    out.sum().backward() if lib is torch else gnp.sum(out).backward()
    return c, [t.grad for t in ins]


@pytest.mark.parametrize("name", sorted(OPS))
def test_saved_values_per_op(name):
    fn, tfn, arrays = OPS[name]
    c, grads = _run(ad, saved_tensors_hooks, fn, arrays)
    tc, tgrads = _run(torch, TG.saved_tensors_hooks, tfn, arrays)
    for g, t in zip(grads, tgrads, strict=True):
        _close(g, t, rtol=1e-10)
    assert tc.unpacked == len(tc.packed)
    if name in SAVES_DIFFER:
        assert (len(c.packed), c.unpacked) == SAVES_DIFFER[name][1:], (c.packed, tc.packed)
        return
    # the same values saved (shapes and dtypes), each unpacked once by one backward
    assert sorted(c.packed) == sorted(tc.packed), (name, c.packed, tc.packed)
    assert c.unpacked == len(c.packed)


def _host_hooks():
    return saved_tensors_hooks(lambda t: t.numpy().copy(), lambda h: ad.tensor(h))


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradient_through_host_copies(name):
    fn, tfn, arrays = OPS[name]
    rng = np.random.default_rng(7)
    us = [rng.normal(size=np.shape(fn(*[ad.tensor(x) for x in arrays])))]
    ins = [ad.tensor(x.copy(), requires_grad=True) for x in arrays]
    with _host_hooks():
        out = fn(*ins)
    gnp.sum(out * ad.tensor(us[0])).backward()
    vs = [rng.normal(size=x.shape) for x in arrays]
    eps = 1e-6

    def val(t):
        return float(np.sum(_np(fn(*[ad.tensor(x + t * v) for x, v in
                                     zip(arrays, vs, strict=True)])) * us[0]))

    fd = (val(eps) - val(-eps)) / (2 * eps)
    got = sum(float(np.sum(_np(t.grad) * v)) for t, v in zip(ins, vs, strict=True))
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)
    tins = [torch.tensor(x.copy(), requires_grad=True) for x in arrays]
    with TG.saved_tensors_hooks(lambda t: t.detach().numpy().copy(), torch.tensor):
        tout = tfn(*tins)
    (tout * torch.tensor(us[0])).sum().backward()
    for t, tt in zip(ins, tins, strict=True):
        _close(t.grad, tt.grad, rtol=1e-10)


def _exp_mul_class(lib):
    class ExpMul(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            y = (x * w).exp()
            ctx.save_for_backward(x, w, y)  # two inputs and the output
            return y

        @staticmethod
        def backward(ctx, g):
            x, w, y = ctx.saved_tensors
            return g * y * w, g * y * x
    return ExpMul


def test_function_save_for_backward_inputs_and_output():
    counts, grads = [], []
    for lib, hooks in ((ad, saved_tensors_hooks), (torch, TG.saved_tensors_hooks)):
        c = _Count()
        x = lib.tensor(A.copy(), requires_grad=True)
        w = lib.tensor(A[::-1].copy(), requires_grad=True)
        with hooks(c.pack, c.unpack):
            y = _exp_mul_class(lib).apply(x, w)
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        counts.append((sorted(c.packed), c.unpacked))
        grads.append((x.grad, w.grad))
    assert counts[0] == counts[1]
    assert counts[0][1] == 6  # three values, two sweeps
    for g, t in zip(grads[0], grads[1], strict=True):
        _close(g, t)
