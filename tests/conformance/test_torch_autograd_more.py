"""More of PyTorch's test/test_autograd.py, run in gpuad and torch on the same inputs.

Each case below is one program written once against a namespace ``L`` (torch, or gpuad with
the same names) and run in both: where torch returns values, gpuad must return the same values
(gradients included, with their dtypes and shapes); where torch raises, gpuad must raise an
error whose message names the problem. Gradients of the view and in-place programs are also
checked against float64 central differences of the plain NumPy function.

The areas are those where a mishandled case gives a silently wrong gradient: in-place writes
through views of leaves and non-leaves (version counters, a base rebased after a write through
its view), ``retain_graph`` and second backwards, accumulation into ``.grad`` (also a ``.grad``
set by hand), ``retain_grad``, tensor hooks (on leaves, non-leaves and views, modifying,
removed, registered around an in-place write) and post-accumulate-grad hooks,
``torch.autograd.grad``'s ``allow_unused``/``materialize_grads``/``grad_outputs``/
``is_grads_batched``/``create_graph``, the grad-mode switches as blocks and decorators
(generator functions too), anomaly mode, ``requires_grad_``/``detach``/``detach_``, complex
gradients, and ``torch.utils.checkpoint`` (non-reentrant) against no checkpoint.

Where gpuad differs on purpose, the case is in ``DIFFERS`` with the reason and what gpuad does
instead (a clear error, or the exact value where torch's is not); ``DIFFERS`` never holds a
case where gpuad's value would be silently wrong.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Callable

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils import checkpoint as _tck  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.utils import checkpoint as _gck  # noqa: E402

RNG = np.random.default_rng(20261201)
X = np.array([0.3, -1.2, 2.0])
A = RNG.standard_normal((3, 4))
W = RNG.standard_normal((3, 3))
Z = np.array([0.3 + 0.5j, -1.2 + 0.1j, 2.0 - 1.0j])


# ---- the two namespaces ---------------------------------------------------------------------


class _T:
    name = "torch"
    Tensor = torch.Tensor
    Function = torch.autograd.Function
    grad = staticmethod(torch.autograd.grad)
    backward = staticmethod(torch.autograd.backward)
    no_grad = torch.no_grad
    enable_grad = torch.enable_grad
    set_grad_enabled = torch.set_grad_enabled
    inference_mode = torch.inference_mode
    is_grad_enabled = staticmethod(torch.is_grad_enabled)
    detect_anomaly = torch.autograd.detect_anomaly
    sum, exp, sin, cos, tanh, sqrt, log = (torch.sum, torch.exp, torch.sin, torch.cos,
                                           torch.tanh, torch.sqrt, torch.log)
    abs, conj, real, angle, stack = torch.abs, torch.conj, torch.real, torch.angle, torch.stack

    @staticmethod
    def leaf(a, rg=True):
        return torch.tensor(np.array(a), requires_grad=rg)

    @staticmethod
    def const(a):
        return torch.tensor(np.array(a))

    @staticmethod
    def checkpoint(fn, *args, **kw):
        return _tck.checkpoint(fn, *args, use_reentrant=kw.pop("use_reentrant", False), **kw)

    @staticmethod
    def checkpoint_sequential(fns, segments, x):
        return _tck.checkpoint_sequential(fns, segments, x, use_reentrant=False)

    @staticmethod
    def dropout(x, p):
        return torch.nn.functional.dropout(x, p, training=True)

    @staticmethod
    def seed(s):
        torch.manual_seed(s)


class _G:
    name = "gpuad"
    Tensor = ad.Tensor
    Function = ad.autograd.Function
    grad = staticmethod(ad.autograd.grad)
    backward = staticmethod(ad.autograd.backward)
    no_grad = staticmethod(ad.no_grad)
    enable_grad = staticmethod(ad.enable_grad)
    set_grad_enabled = ad.set_grad_enabled
    inference_mode = ad.inference_mode
    is_grad_enabled = staticmethod(ad.is_grad_enabled)
    detect_anomaly = ad.autograd.detect_anomaly
    sum, exp, sin, cos, tanh, sqrt, log = (gnp.sum, gnp.exp, gnp.sin, gnp.cos, gnp.tanh,
                                           gnp.sqrt, gnp.log)
    abs, conj, real, angle, stack = gnp.abs, gnp.conj, gnp.real, gnp.angle, gnp.stack

    @staticmethod
    def leaf(a, rg=True):
        return ad.tensor(np.array(a), requires_grad=rg)

    @staticmethod
    def const(a):
        return ad.tensor(np.array(a))

    @staticmethod
    def checkpoint(fn, *args, **kw):
        return _gck.checkpoint(fn, *args, use_reentrant=kw.pop("use_reentrant", False), **kw)

    @staticmethod
    def checkpoint_sequential(fns, segments, x):
        return _gck.checkpoint_sequential(fns, segments, x, use_reentrant=False)

    @staticmethod
    def dropout(x, p):
        return ad.nn.functional.dropout(x, p, training=True)

    @staticmethod
    def seed(s):
        gnp.random.seed(s)


# ---- cases ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    fn: Callable
    match: str | None = None  # what gpuad's error must say where torch raises
    fd: Callable | None = None  # a NumPy function whose gradient the case's first result is


CASES: dict[str, Case] = {}


def case(match: str | None = None, fd: Callable | None = None):
    def deco(fn):
        CASES[fn.__name__] = Case(fn, match, fd)
        return fn
    return deco


# in-place writes through views, version counters --------------------------------------------

def _np_view_write(x):
    y = x * 2
    y[1:] *= 3
    return np.sum(y * y)


@case(fd=_np_view_write)
def inplace_through_view_of_non_leaf(L):
    x = L.leaf(X)
    y = x * 2
    v = y[1:]
    v *= 3
    L.sum(y * y).backward()
    return x.grad, y.grad_fn is not None


def _np_base_then_view(x):
    y = x * 1
    v = y[:2].copy()
    y = y * np.exp(x)
    v = y[:2]
    return np.sum(v * v)


@case(fd=_np_base_then_view)
def write_to_base_seen_through_older_view(L):
    # the view taken before the write to its base reads the written values
    x = L.leaf(X)
    y = x * 1
    v = y[:2]
    y.mul_(L.exp(x))
    return L.grad(L.sum(v * v), x)


def _np_nested_views(a):
    b = a * 1
    b[1:, ::2] *= np.exp(2.0)
    return np.sum(b * b) + np.sum(b[1:] ** 3)


@case(fd=_np_nested_views)
def inplace_through_view_of_view(L):
    x = L.leaf(A)
    b = x * 1
    v = b[1:]
    w = v[:, ::2]
    w *= L.exp(w.detach() * 0 + 2)
    return L.grad(L.sum(b * b) + L.sum(v ** 3), x)


def _np_transpose_view(a):
    b = a * 1
    b = b * 2
    return np.sum(b.T * b.T * np.arange(3.0))


@case(fd=_np_transpose_view)
def write_to_base_then_transposed_view(L):
    x = L.leaf(A)
    b = x * 1
    v = b.T
    b *= 2
    return L.grad(L.sum(v * v * L.const(np.arange(3.0))), x)


def _np_setitem(x, z):
    b = z * 1
    b[1:, :] = x * x
    return np.sum(b * np.arange(4.0))


@case(fd=lambda a: _np_setitem(a, np.zeros((4, 4))))
def leaf_value_written_into_non_leaf(L):
    x = L.leaf(A[:, :4] if A.shape[1] == 4 else A)
    z = L.leaf(np.zeros((4, 4)))
    b = z * 1
    b[1:, :] = x * x
    return L.grad(L.sum(b * L.const(np.arange(4.0))), [x, z])


def _np_row_write(a):
    b = a * 1
    b[1] *= 3.0
    return np.sum(b ** 2)


@case(fd=_np_row_write)
def row_view_written_in_place(L):
    x = L.leaf(A)
    b = x * 1
    b[1].mul_(3.0)
    return L.grad(L.sum(b ** 2), x)


@case(match="modified in place")
def saved_input_written_after_use(L):
    x = L.leaf(X)
    y = x * 1
    z = L.sin(y)
    y += 1
    L.sum(z).backward()


@case(match="modified in place")
def saved_view_written_through_base(L):
    x = L.leaf(A)
    b = x * 1
    y = L.sin(b[0])
    b += 1
    return L.grad(L.sum(y), x)


@case(match="modified in place")
def leaf_written_under_no_grad_after_use(L):
    x = L.leaf(A)
    y = L.sum(x ** 2)
    with L.no_grad():
        x[0] += 1
    return L.grad(y, x)


@case(match="modified in place|another view")
def detached_output_written(L):
    x = L.leaf(X)
    y = L.exp(x)
    d = y.detach()
    d += 1
    L.sum(y).backward()


@case(match="another view")
def detached_row_of_output_written(L):
    x = L.leaf(A)
    y = L.exp(x * 1)
    d = y[0].detach()
    d += 1
    return L.grad(L.sum(y), x)


@case(match="view.*leaf|leaf.*view")
def view_of_leaf_written_in_grad_mode(L):
    x = L.leaf(A)
    v = x[0]
    v += 1


@case(match="leaf")
def leaf_written_in_grad_mode(L):
    x = L.leaf(X)
    x.mul_(2.0)


@case(match="view.*detach|detach.*view")
def detach_in_place_of_a_view(L):
    x = L.leaf(X)
    v = (x * 2)[1:]
    v.detach_()


@case()
def detach_in_place_of_a_non_leaf(L):
    x = L.leaf(X)
    y = x * 2
    y.detach_()
    return y.requires_grad, y.is_leaf, y.grad_fn is None


@case()
def detach_shares_memory(L):
    x = L.leaf(X)
    d = x.detach()
    with L.no_grad():
        d[0] = 7.0
    return x.detach() * 1, d.requires_grad


@case(match="view|another")
def view_made_under_no_grad_written_with_grad(L):
    x = L.leaf(X)
    b = x * 1
    with L.no_grad():
        v = b[1:]
    v.mul_(2)
    L.sum(b).backward()


@case()
def retain_grad_on_written_view_and_base(L):
    x = L.leaf([1.0, 2.0])
    base = x * 1
    view = base[:1]
    view.retain_grad()
    base.retain_grad()
    view.mul_(2)
    L.sum(view * 3 + base).backward()
    return view.grad, base.grad, x.grad


@case()
def retain_grad_inplace_over_view(L):
    # test_retain_grad_inplace_over_view
    base = L.leaf([1.0]) * 1
    view, view2 = base[:], base[:]
    view.retain_grad()
    view2.retain_grad()
    view.mul_(2)
    L.sum(view + view2).backward()
    return view.grad, view2.grad


@case()
def grad_of_written_view_and_base(L):
    x = L.leaf([1.0, 2.0])
    base = x * 1
    view = base[:1]
    view.mul_(2)
    return L.grad(L.sum(view * 3 + base), [view, base, x])


@case()
def hooks_on_view_and_base_around_a_write(L):
    base = L.leaf([1.0, 2.0]) * 1
    view = base[1:]
    other = L.leaf([1.5])
    calls = []

    def on_view(g):
        calls.append(("view", float(g[0])))
        return g * 2

    def on_base(g):
        calls.append(("base", [float(v) for v in g]))
        return g * 3

    view.register_hook(on_view)
    base.register_hook(on_base)
    view.mul_(other)
    L.sum(base * base).backward()
    return calls, other.grad


@case(fd=lambda a: np.sum(np.sin(a) ** 2))
def out_argument_with_requires_grad(L):
    x = L.leaf(X)
    o = L.const(np.zeros(3))
    L.sin(x, out=o)
    L.sum(o * o).backward()
    return x.grad


# retain_graph and second backwards --------------------------------------------------------

@case(match="second time.*retain_graph=True")
def second_backward_without_retain_graph(L):
    x = L.leaf(X)
    y = L.sum(L.exp(x))
    L.grad(y, x)
    return L.grad(y, x)


@case(match="second time.*retain_graph=True")
def second_backward_through_shared_prefix(L):
    x = L.leaf(X)
    h = L.exp(x)
    L.sum(h * 2).backward()
    L.sum(h * 3).backward()


@case(match="second time.*retain_graph=True")
def create_graph_with_retain_graph_false(L):
    x = L.leaf(X)
    y = L.sum(L.exp(x))
    L.grad(y, x, create_graph=True, retain_graph=False)
    return L.grad(y, x)


@case()
def create_graph_retains_by_default(L):
    x = L.leaf(X)
    y = L.sum(L.exp(x) * x)
    (g1,) = L.grad(y, x, create_graph=True)
    (g2,) = L.grad(y, x)
    return g1, g2, g1.requires_grad, g2.requires_grad


@case()
def backward_twice_through_steps_without_saved_values(L):
    x = L.leaf(X)
    h = x + 1.0
    L.sum(h * 2).backward()
    L.sum(h * 3).backward()
    return x.grad


@case()
def retained_graph_accumulates(L):
    x = L.leaf(X)
    y = L.sum(L.exp(x) * x)
    y.backward(retain_graph=True)
    first = x.grad * 1
    y.backward()
    return first, x.grad


# retain_grad ------------------------------------------------------------------------------

@case()
def retain_grad_twice_accumulates(L):
    # test_retain_grad
    x = L.leaf(A[:1, :3])
    h = x * 3
    out = L.sum(h * h)
    h.retain_grad()
    h.retain_grad()
    out.backward(retain_graph=True)
    first = h.grad * 1
    out.backward(retain_graph=True)
    second = h.grad * 1
    with L.no_grad():
        x.grad.zero_()
    x.retain_grad()
    out.backward()
    return first, second, x.grad, h.retains_grad, x.retains_grad


@case()
def retain_grad_then_in_place(L):
    x = L.leaf(X)
    y = x * 2
    y.retain_grad()
    y *= 3
    L.sum(y * y).backward()
    return y.grad, x.grad


@case()
def retain_grad_of_unbound_pieces(L):
    # test_grad_nonleaf_register_hook: a hook on one piece, backward through each in turn
    x = L.leaf(np.arange(5.0))
    pieces = [x[i] for i in range(5)]
    seen = [None]

    def hook(g):
        seen[0] = g * 1

    pieces[0].register_hook(hook)
    pieces[0].backward()
    out = [seen[0], x.grad * 1, pieces[0].grad]
    seen[0] = None
    for p in pieces[1:]:
        p.backward()
        out.append((seen[0], x.grad * 1))
    return out


# tensor hooks -----------------------------------------------------------------------------

@case()
def hooks_counted_modified_and_removed(L):
    # test_hooks
    x = L.leaf(np.ones((3, 3)))
    y = L.leaf(np.ones((3, 3)) * 4)
    counter = [0]

    def bw(inc):
        def hook(g):
            assert isinstance(g, L.Tensor)
            counter[0] += inc
        return hook

    z = x ** 2 + x * 2 + x * y + y
    x.register_hook(bw(0))
    first = z.register_hook(bw(1))
    go = L.const(np.ones((3, 3)))
    z.backward(go, retain_graph=True)
    counts = [counter[0]]
    second = z.register_hook(bw(2))
    z.backward(go, retain_graph=True)
    counts.append(counter[0])
    second.remove()
    second.remove()
    z.backward(go, retain_graph=True)
    counts.append(counter[0])
    first.remove()
    z.register_hook(lambda g: g * 2)
    with L.no_grad():
        y.grad.zero_()
    z.backward(go, retain_graph=True)
    once = y.grad * 1
    y.register_hook(lambda g: g * 2)
    with L.no_grad():
        y.grad.zero_()
    z.backward(go)
    return counts, once, y.grad, x.grad


@case()
def hooks_on_leaf_and_non_leaf(L):
    x = L.leaf(X)
    y = x * 2
    x.register_hook(lambda g: g * 10)
    y.register_hook(lambda g: g + 1)
    h = y.register_hook(lambda g: g * 100)
    h.remove()
    L.sum(y * y).backward()
    return x.grad


@case()
def hook_on_leaf_changes_autograd_grad(L):
    x = L.leaf(X)
    x.register_hook(lambda g: g * 5)
    return L.grad(L.sum(x * x), x), x.grad


@case()
def hook_on_non_leaf_input_of_autograd_grad(L):
    x = L.leaf(X)
    y = x * 3
    y.register_hook(lambda g: g * 5)
    return L.grad(L.sum(y * y), y), L.grad(L.sum(y * y), x)


@case()
def hook_on_view_of_leaf(L):
    x = L.leaf(X)
    v = x[1:]
    v.register_hook(lambda g: g * 7)
    L.sum(v * v).backward()
    return x.grad


@case()
def hooks_around_an_in_place_write(L):
    # a hook registered before the write sees the gradient of the value before it
    x = L.leaf(X)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.mul_(3)
    y.register_hook(lambda g: g + 100)
    L.sum(y).backward()
    return x.grad


@case()
def hook_writing_its_gradient_in_place(L):
    x = L.leaf(X)
    y = x * 2
    y.register_hook(lambda g: g.mul_(3))
    L.sum(y * y).backward()
    return x.grad


@case()
def hook_called_once_for_summed_uses(L):
    x = L.leaf(X)
    y = x * 2
    calls = []
    x.register_hook(lambda g: calls.append("x"))
    y.register_hook(lambda g: (calls.append("y"), g * 2)[1])
    L.sum(y * y + L.sin(y) + x).backward()
    return calls, x.grad


@case()
def hook_object_without_name(L):
    # test_hook_with_no_name
    class Double:
        def __call__(self, g):
            return g * 2

    x = L.leaf(X) * 1
    x.register_hook(Double())
    w = L.leaf(X)
    (x * w).sum().backward()
    return w.grad


@case()
def hook_on_input_not_reached_by_autograd_grad(L):
    # test_grad_nonleaf_many_outputs: the leaf's hook does not run for the grad of pieces
    x = L.leaf(A[:, :2].copy() if A.shape[1] >= 2 else A)
    a, b = x.chunk(2)
    called = []
    x.register_hook(lambda g: called.append(1))
    go = L.const(np.full((a.shape[0], a.shape[1]), 0.5))
    ga, gb = L.grad(a + 2 * b, [a, b], grad_outputs=go, create_graph=True)
    return ga, gb, called, x.grad


@case()
def tensor_hooks_inplace(L):
    # test_tensor_hooks_inplace: the second hook is on the value after the write
    seen = []

    def fn1(g):
        seen.append(("fn1", float(g[0])))
        return g * 2

    def fn2(g):
        seen.append(("fn2", float(g[0])))
        return g * 2

    a = L.leaf([1.0])
    b = a * 1
    b.register_hook(fn1)
    b.mul_(2)
    b.register_hook(fn2)
    b.sum().backward()
    first = a.grad * 1
    a2 = L.leaf([1.0])
    b2 = a2 * 1
    b2.register_hook(fn1)
    b2.mul_(2)
    b2.mul_(2)
    b2.sum().backward()
    return seen, first, a2.grad


@case()
def tensor_hooks_inplace_multiple_outputs(L):
    class DoubleMul(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    seen = []
    b = L.leaf(W)
    out1, out2 = DoubleMul.apply(b)
    h1 = out1.register_hook(lambda g: seen.append(("h1", float(g.sum()))))
    h2 = out2.register_hook(lambda g: seen.append(("h2", float(g.sum()))))
    out1.mul_(2)
    h3 = out1.register_hook(lambda g: seen.append(("h3", float(g.sum()))))
    L.sum(out1 + out2 * 3).backward()
    for h in (h1, h2, h3):
        h.remove()
    return sorted(seen), b.grad


@case()
def backward_with_inputs_leaves_others(L):
    # test_backward_with_inputs
    x, y = L.leaf(A[:2, :2].copy()), L.leaf(A[1:, 2:].copy())

    def fn():
        return x ** 2 + y * x + y ** 2

    go = L.const(np.ones((2, 2)))
    L.backward(fn(), go, inputs=[x, y])
    out = [x.grad * 1, y.grad * 1]
    with L.no_grad():
        x.grad.zero_()
        y.grad.zero_()
    L.backward(fn(), go, inputs=[x])
    out += [x.grad * 1, y.grad * 1]
    with L.no_grad():
        x.grad.zero_()
        y.grad.zero_()
    L.backward(fn(), go, inputs=y)
    return out + [x.grad, y.grad]


@case(match="empty")
def backward_with_empty_inputs(L):
    x = L.leaf(X)
    L.backward(L.sum(x * x), inputs=[])


@case()
def backward_with_non_leaf_inputs(L):
    # test_backward_with_nonleaf_inputs
    x, y, z = L.leaf(A[:2, :2].copy()), L.leaf(A[1:, 2:].copy()), L.leaf(np.ones((2, 2)))
    xn = x * 1
    out = xn ** 2 + y * xn + y ** 2
    out.backward(L.const(np.ones((2, 2))), create_graph=True, inputs=[x, y, xn])
    res = [x.grad, y.grad, xn.grad, x.grad.requires_grad]
    out.backward(L.const(np.ones((2, 2))), create_graph=True, inputs=[z])
    return res + [z.grad]


@case()
def backward_with_scalar_input(L):
    x = L.leaf(0.7)
    (x ** 2).backward(inputs=x)
    return x.grad


@case()
def tensor_hooks_inplace_over_view(L):
    # test_tensor_hooks_inplace_over_view
    seen = []
    base = L.leaf([1.0]) * 1
    view, view2 = base[:], base[:]
    view.register_hook(lambda g: seen.append(("fn0", float(g[0]))))
    view2.register_hook(lambda g: seen.append(("fn1", float(g[0]))))
    view.mul_(2)
    view2.grad_fn  # noqa: B018 - torch rebuilds view2's grad_fn on this read
    view2.register_hook(lambda g: seen.append(("fn2", float(g[0]))))
    L.sum(view + view2).backward()
    return sorted(seen)


@case()
def grad_mode_inside_hooks_and_function_backward(L):
    modes = []

    class Twice(L.Function):
        @staticmethod
        def forward(ctx, x):
            modes.append(("forward", L.is_grad_enabled()))
            return x * 2

        @staticmethod
        def backward(ctx, g):
            modes.append(("backward", L.is_grad_enabled()))
            return g * 2

    x = L.leaf(X)
    y = Twice.apply(x)
    y.register_hook(lambda g: modes.append(("hook", L.is_grad_enabled())))
    L.sum(y * y).backward(retain_graph=True)
    L.sum(y * y).backward(create_graph=True)
    return modes


@case(match="hook.*(shape|size)")
def hook_changing_the_shape(L):
    x = L.leaf(X)
    x.register_hook(lambda g: g[:2])
    L.sum(x).backward()


@case(match="does not require grad|doesn't require grad")
def hook_on_tensor_without_grad(L):
    L.const(X).register_hook(lambda g: g)


@case()
def post_accumulate_hook_as_optimizer_step(L):
    x = L.leaf(X)
    log = []

    def step(p):
        log.append(p.grad * 1)
        with L.no_grad():
            p -= 0.1 * p.grad
        p.grad = None

    h = x.register_post_accumulate_grad_hook(step)
    L.sum(x * x).backward()
    L.sum(x * x).backward(inputs=[x])
    L.grad(L.sum(x * x), x)
    h.remove()
    L.sum(x * x).backward()
    return log, x.detach() * 1, x.grad


@case()
def post_accumulate_hook_runs_after_tensor_hooks(L):
    x = L.leaf(X)
    order = []
    x.register_hook(lambda g: order.append("grad"))
    x.register_post_accumulate_grad_hook(lambda p: order.append(("post", float(p.grad[0]))))
    L.sum(x * 3).backward(create_graph=True)
    return order


@case(match="not a leaf")
def post_accumulate_hook_on_non_leaf(L):
    (L.leaf(X) * 2).register_post_accumulate_grad_hook(lambda p: None)


@case(match="must return None")
def post_accumulate_hook_returning_a_value(L):
    x = L.leaf(X)
    x.register_post_accumulate_grad_hook(lambda p: p.grad * 2)
    L.sum(x).backward()


# torch.autograd.grad's options ------------------------------------------------------------

@case()
def grad_allow_unused_and_materialize(L):
    x, y = L.leaf(X), L.leaf(X)
    return (L.grad(L.sum(x * 2), [x, y], allow_unused=True),
            L.grad(L.sum(x * 2), [x, y], materialize_grads=True))


@case()
def grad_materialized_zeros_third_order(L):
    # test_grad_materialize_grads
    x, a = L.leaf(0.5), L.leaf(1.0)
    y = x * a
    (d,) = L.grad(y, x, create_graph=True)
    (none,) = L.grad(d, x, create_graph=True, allow_unused=True)
    (d2,) = L.grad(d, x, create_graph=True, allow_unused=True, materialize_grads=True)
    (d3,) = L.grad(d2, x, materialize_grads=True)
    return none, d2, d2.requires_grad, d3, d3.requires_grad


@case(match="materialize_grads.*allow_unused|allow_unused.*materialize_grads")
def grad_materialize_with_allow_unused_false(L):
    x, y = L.leaf(X), L.leaf(X)
    L.grad(L.sum(x * 2), [x, y], materialize_grads=True, allow_unused=False)


@case(match="not have been used.*allow_unused=True")
def grad_unused_input(L):
    x, y = L.leaf(X), L.leaf(X)
    L.grad(L.sum(x * 2), [x, y])


@case()
def grad_of_a_leaf_output(L):
    a, x = L.leaf(1.0), L.leaf(2.0)
    return (L.grad(a, x, allow_unused=True), L.grad(a, x, materialize_grads=True),
            L.grad(a, a))


@case()
def grad_is_grads_batched(L):
    x = L.leaf(X)
    y = x * x
    return L.grad(y, x, grad_outputs=L.const(np.eye(3)), is_grads_batched=True)


@case(match="scalar outputs")
def grad_of_non_scalar_without_grad_outputs(L):
    x = L.leaf(X)
    L.grad(x * 2, x)


@case(match="does not require grad")
def grad_wrt_tensor_without_grad(L):
    L.grad(L.sum(L.leaf(X) * 2), L.const(X))


@case(match="does not require grad")
def grad_of_output_without_grad(L):
    L.grad(L.sum(L.const(X) * 2), L.leaf(X))


@case()
def grad_with_partial_grad_outputs(L):
    x = L.leaf(X)
    a = x * 2
    b = L.sum(x * x)
    return L.grad([a, b], x, grad_outputs=[L.const(np.ones(3)), None]), x.grad


@case(match="not have been used")
def grad_wrt_view_made_after_the_computation(L):
    x = L.leaf(X)
    return L.grad(L.sum(x * x), x[0])


@case()
def grad_wrt_base_of_a_used_view(L):
    x = L.leaf(X)
    v = x[1:]
    return L.grad(L.sum(v * v), x)


@case()
def grad_wrt_the_same_input_twice(L):
    x = L.leaf(X)
    return L.grad(L.sum(x * x * x), [x, x])


@case()
def grad_wrt_non_leaf_and_its_view(L):
    x = L.leaf(X)
    h = x * 2
    v = h[1:]
    return (L.grad(L.sum(v * v) + L.sum(h), [h, v], retain_graph=True),
            L.grad(L.sum(h * h), v, allow_unused=True))


@case(match="not have been used")
def grad_wrt_view_of_base_written_through_another_view(L):
    x = L.leaf(A[:2, :3].copy())
    b = x * 1
    v = b.reshape(6)
    u = v[2:5]
    u.mul_(2)
    return L.grad(L.sum(b * b) + L.sum(u), [x, b, u, v])


@case()
def nested_views_retained_around_a_write(L):
    x = L.leaf(A[:2, :3].copy())
    b = x * 1
    v = b.T
    w = v[1:]
    for t in (v, b, w):
        t.retain_grad()
    w.mul_(w.detach() + 1)
    (L.sum(v * v * 2) + L.sum(b ** 3) + L.sum(w)).backward()
    return v.grad, b.grad, w.grad, x.grad


@case()
def grad_sharded_then_backward(L):
    # test_sharded_grad
    leaves = [L.leaf(np.full((2, 2), 0.1 * i)) for i in range(6)]
    inter = [leaf * i + leaf * leaf for i, leaf in enumerate(leaves)]
    loss = L.sum(sum(v * i for i, v in enumerate(inter)))
    d = [g for k in range(0, 6, 2) for g in L.grad(loss, inter[k:k + 2], retain_graph=True)]
    L.backward(inter, d)
    return [leaf.grad for leaf in leaves]


@case()
def backward_dependent_roots(L):
    # test_dependent_backward
    x = L.leaf(A[:, 0].copy())
    y = x ** 2
    z = y ** 3
    L.backward([y, z], [L.const(A[:, 1].copy()), L.const(A[:, 2].copy())])
    return x.grad


@case(match="does not require grad")
def backward_root_without_grad(L):
    # test_multi_backward_no_grad
    x, y = L.leaf(X), L.const(X)
    L.backward([x + y, y * 2], [L.const(np.ones(3)), L.const(np.ones(3))])


@case()
def backward_inputs_with_retained_non_leaf(L):
    x, w = L.leaf(X), L.leaf(X[::-1].copy())
    h = x * w
    h.retain_grad()
    L.sum(h * h).backward(inputs=[w, h])
    return x.grad, w.grad, h.grad


# .grad set by hand ------------------------------------------------------------------------

@case(match=r"\.grad.*shape|size")
def grad_set_to_another_shape(L):
    x = L.leaf(X)
    x.grad = L.const(np.ones(1))
    L.sum(x * x).backward()
    return x.grad


@case(match=r"\.grad.*dtype")
def grad_set_to_another_dtype(L):
    x = L.leaf(X)
    x.grad = L.const(np.ones(3, dtype=np.float32))
    L.sum(x * x).backward()
    return x.grad


@case()
def grad_set_by_hand_accumulates(L):
    x = L.leaf(X)
    x.grad = L.const(np.full(3, 10.0))
    L.sum(x * x).backward()
    return x.grad


# grad-mode switches -----------------------------------------------------------------------

@case()
def grad_mode_decorators(L):
    @L.no_grad()
    def f(x):
        return x * 2

    @L.enable_grad()
    def g(x):
        return x * 2

    @L.set_grad_enabled(False)
    def h(x):
        return x * 2

    x = L.leaf(X)
    with L.no_grad():
        inner = g(x).requires_grad
    L.set_grad_enabled(False)
    off = (x * 2).requires_grad
    L.set_grad_enabled(True)
    return f(x).requires_grad, inner, h(x).requires_grad, off, L.is_grad_enabled()


@case()
def grad_mode_decorated_generators(L):
    x = L.leaf(X)

    @L.no_grad()
    def gen():
        v = yield L.is_grad_enabled()
        while True:
            v = yield (L.is_grad_enabled(), (x * v).requires_grad)

    @L.enable_grad()
    def gen2():
        yield L.is_grad_enabled()
        yield L.is_grad_enabled()

    @L.set_grad_enabled(False)
    def gen3():
        try:
            yield L.is_grad_enabled()
        except ValueError:
            yield ("caught", L.is_grad_enabled())

    g = gen()
    out = [next(g), g.send(2.0), L.is_grad_enabled()]
    with L.no_grad():
        out.append(g.send(3.0))
        g2 = gen2()
        out.append(next(g2))
    out += [next(g2), L.is_grad_enabled()]
    g3 = gen3()
    out += [next(g3), g3.throw(ValueError()), L.is_grad_enabled()]
    return out


@case()
def inference_mode_block_and_decorator(L):
    x = L.leaf(X)
    with L.inference_mode():
        y = x * 2
    with L.inference_mode(False):
        z = x * 2

    @L.inference_mode()
    def f(v):
        return v * 2

    return y.requires_grad, z.requires_grad, f(x).requires_grad, y


@case()
def enable_grad_inside_inference_mode(L):
    x = L.leaf(X)
    with L.inference_mode():
        with L.enable_grad():
            y = x * 2
            on = L.is_grad_enabled()
    return y.requires_grad, on, y


@case(match="Function|backward|non-finite|nan")
def anomaly_nan_from_function_backward(L):
    class Bad(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    x = L.leaf(X)
    with L.detect_anomaly():
        L.sum(Bad.apply(x)).backward()


@case()
def anomaly_check_nan_false(L):
    class Bad(L.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    x = L.leaf(X)
    with L.detect_anomaly(check_nan=False):
        L.sum(Bad.apply(x)).backward()
    return x.grad


# requires_grad ----------------------------------------------------------------------------

@case(match="requires_grad.*(detach|leaf)")
def requires_grad_false_on_non_leaf(L):
    (L.leaf(X) * 2).requires_grad_(False)


@case()
def requires_grad_true_on_non_leaf(L):
    y = L.leaf(X) * 2
    return y.requires_grad_(True).requires_grad, y.is_leaf


@case(match="floating")
def integer_tensor_requiring_grad(L):
    return L.leaf(np.arange(3))


@case(match="floating")
def bool_tensor_requiring_grad(L):
    return L.leaf(np.array([True, False]))


@case(match="floating")
def integer_tensor_requires_grad_(L):
    return L.const(np.arange(3)).requires_grad_()


# complex gradients (conjugate Wirtinger: dL/dRe + i dL/dIm) ---------------------------------

@case()
def complex_hook_scaling_by_i(L):
    z = L.leaf(Z)
    w = z * z
    w.register_hook(lambda g: g * 1j)
    L.sum(L.abs(w) ** 2).backward()
    return z.grad


@case()
def complex_backward_with_complex_cotangent(L):
    z = L.leaf(Z)
    w = L.exp(z) * L.conj(z)
    w.backward(L.const(np.array([1 + 1j, 2, 0.5j])))
    return z.grad


@case()
def complex_retain_grad(L):
    z = L.leaf(Z)
    w = z * (2 - 1j)
    w.retain_grad()
    L.sum(L.real(w * L.conj(w))).backward()
    return w.grad, z.grad


@case()
def real_through_complex_and_back(L):
    x = L.leaf(np.array([0.3, 1.0]))
    z = x * (1 + 2j)
    L.sum(L.abs(L.exp(z)) ** 2 + L.angle(z * 1j)).backward()
    return x.grad


@case()
def complex_double_backward(L):
    z = L.leaf(Z)
    (g,) = L.grad(L.sum(L.abs(L.sin(z)) ** 2), z, create_graph=True)
    (h,) = L.grad(L.sum(L.real(g * L.conj(g))), z)
    return g, h


# torch.utils.checkpoint (non-reentrant) against no checkpoint --------------------------------

def _block(h, w, k):
    return (h @ w).tanh() * k, "tag", None, k


@case()
def checkpoint_closure_and_non_tensor_outputs(L):
    x, w = L.leaf(X), L.leaf(W)
    y, tag, none, k = L.checkpoint(lambda h, k: _block(h, w, k), x, 3)
    L.sum(y * y).backward()
    g = (x.grad * 1, w.grad * 1)
    x.grad = w.grad = None
    y2 = _block(x, w, 3)[0]
    L.sum(y2 * y2).backward()
    return tag, none, k, g, (x.grad, w.grad)


@case()
def checkpoint_replays_dropout(L):
    L.seed(0)
    x = L.leaf(np.linspace(0.1, 1.0, 40))
    y = L.checkpoint(lambda h: L.dropout(L.sin(h), 0.5), x)
    L.sum(y * y).backward()
    mask = (y.detach() * 1 != 0) * 1.0
    want = 2 * y.detach() * L.cos(x.detach()) * mask / 0.5
    return L.sum(L.abs(x.grad - want)) < 1e-12


@case()
def checkpoint_double_backward(L):
    x = L.leaf(X)
    y = L.checkpoint(lambda h: L.sum(L.sin(h) ** 3), x)
    (gx,) = L.grad(y, x, create_graph=True)
    (gg,) = L.grad(L.sum(gx), x)
    return gx, gg


@case(match="second time.*retain_graph=True")
def checkpoint_backward_twice(L):
    x = L.leaf(X)
    y = L.checkpoint(lambda h: L.sum(L.exp(h)), x)
    y.backward()
    y.backward()


@case(match="modified in place")
def checkpoint_argument_written_after_forward(L):
    x = L.leaf(X)
    h = x * 1
    y = L.checkpoint(lambda a: L.sum(L.exp(a)), h)
    h += 1
    y.backward()


@case(match="modified in place")
def checkpoint_constant_argument_written_after_forward(L):
    x, c = L.leaf(X), L.const(np.ones(3))
    y = L.checkpoint(lambda h, k: L.sum(L.exp(h * k)), x, c)
    c += 1
    y.backward()


@case(match="modified in place")
def checkpoint_block_writes_into_its_argument(L):
    x = L.leaf(X)
    h = x * 2

    def f(a):
        a.mul_(3)
        return L.sin(a)

    y = L.checkpoint(f, h)
    L.sum(y).backward()


@case()
def checkpoint_returns_its_input(L):
    x = L.leaf(X)
    y, z = L.checkpoint(lambda a: (a, L.sin(a)), x)
    L.sum(y * 3 + z).backward()
    return x.grad


@case()
def checkpoint_hook_inside_block(L):
    x = L.leaf(X)

    def f(a):
        b = a * 2
        b.register_hook(lambda g: g * 10)
        return L.sin(b)

    L.sum(L.checkpoint(f, x)).backward()
    return x.grad


@case()
def checkpoint_keyword_arguments(L):
    x, w = L.leaf(X), L.leaf(W)
    y = L.checkpoint(lambda a, m=None: L.sum(L.tanh(a @ m)), x, m=w)
    y.backward()
    return x.grad, w.grad


@case()
def checkpoint_sequential_matches_plain(L):
    ws = [L.leaf(RNG_W[i]) for i in range(5)]
    fns = [lambda h, w=w: L.tanh(h @ w) for w in ws]
    x = L.leaf(X)
    L.sum(L.checkpoint_sequential(fns, 2, x) ** 2).backward()
    got = [x.grad * 1] + [w.grad * 1 for w in ws]
    for t in [x, *ws]:
        t.grad = None
    h = x
    for f in fns:
        h = f(h)
    L.sum(h ** 2).backward()
    return got, [x.grad] + [w.grad for w in ws]


RNG_W = RNG.standard_normal((5, 3, 3))


@case()
def checkpoint_returning_a_view(L):
    x = L.leaf(X)
    y = L.checkpoint(lambda h: h[1:], x)
    L.sum(y * y).backward()
    return x.grad


@case()
def checkpoint_under_no_grad(L):
    x = L.leaf(X)
    with L.no_grad():
        y = L.checkpoint(lambda h: h.sin(), x)
    return y.requires_grad, y


@case()
def checkpoint_autograd_grad_and_backward_inputs(L):
    x, w = L.leaf(X), L.leaf(W)
    y = L.checkpoint(lambda h: (h @ w).tanh(), x)
    g = L.grad(L.sum(y), [x, w], retain_graph=True)
    L.sum(y).backward(inputs=[w])
    return g, x.grad, w.grad


@case()
def checkpoint_output_hook_retain_and_write(L):
    x, w = L.leaf(X), L.leaf(W)
    y = L.checkpoint(lambda h: (h @ w).tanh(), x)
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    z = L.checkpoint(lambda h: h * 2, x)
    z.mul_(3)
    L.sum(y * y + z * z).backward()
    return y.grad, x.grad, w.grad


@case()
def checkpoint_closed_over_parameter_stepped(L):
    x, w = L.leaf(X), L.leaf(W)
    y = L.checkpoint(lambda h: L.sum(L.tanh(h @ w)), x)
    with L.no_grad():
        w -= 0.1
    y.backward()
    return x.grad


@case()
def checkpoint_retain_grad_inside(L):
    x = L.leaf(X)
    keep = []

    def f(a):
        b = a * 2
        b.retain_grad()
        keep.append(b)
        return L.sin(b)

    L.sum(L.checkpoint(f, x)).backward()
    return keep[0].grad, x.grad


@case()
def checkpoint_reentrant_without_grad_arguments(L):
    x, w = L.const(X), L.leaf(W)
    y = L.checkpoint(lambda h: L.tanh(h @ w), x, use_reentrant=True)
    if y.requires_grad:
        L.sum(y).backward()
    return y.requires_grad, w.grad


# ---- deliberate differences -------------------------------------------------------------------

def _tanh_grad_at_forward_weights():
    return W @ (1 - np.tanh(X @ W) ** 2)


#: case -> (reason, what gpuad does: "raises <regex>" or a function checking gpuad's results)
DIFFERS: dict[str, tuple[str, object]] = {
    "checkpoint_closed_over_parameter_stepped": (
        "torch's non-reentrant checkpoint recomputes the block with the stepped weight and "
        "returns the gradient at the new weight, silently; gpuad records the version of each "
        "Tensor that requires grad the block reads and raises",
        "raises checkpoint.*modified in place"),
    "checkpoint_retain_grad_inside": (
        "gpuad does not keep the block's values (backward computes them again) and refuses "
        "retain_grad inside the block, naming what to do",
        "raises retain_grad inside gpuad.checkpoint"),
    "checkpoint_reentrant_without_grad_arguments": (
        "torch's reentrant checkpoint gives an output that does not require grad when no "
        "argument does, so the closed-over weight gets no gradient; gpuad has one checkpoint, "
        "which differentiates the weight",
        lambda res: res[0] is True and np.allclose(
            _host(res[1]), np.outer(X, 1 - np.tanh(X @ W) ** 2), rtol=1e-12)),
    "hooks_on_view_and_base_around_a_write": (
        "a hook registered on a view before a write through it sees the gradient of the "
        "value before the write, which the written values were computed from (9 here, then "
        "doubled on its way to the base); torch's write goes around the old view's grad_fn, "
        "so that hook is never called. other.grad is the same",
        lambda res: res[0] == [("view", 9.0), ("base", [2.0, 18.0])]
        and np.allclose(_host(res[1]), [12.0])),
    "tensor_hooks_inplace_over_view": (
        "torch calls neither hook registered before the write (its test says 'there might "
        "be a better UX here'); gpuad keeps a hook with the value it was registered on: "
        "fn0 sees the gradient of the view before the write (4: both uses of the written "
        "value, twice it), and view2, rebuilt from the written base, takes its hook along, so "
        "fn1 sees its gradient as fn2 does",
        lambda res: res == [("fn0", 4.0), ("fn1", 1.0), ("fn2", 1.0)]),
    "out_argument_with_requires_grad": (
        "torch refuses out= when an argument requires grad; gpuad records the write into "
        "out (exact gradient, checked against central differences)",
        lambda res: np.allclose(_host(res), 2 * np.sin(X) * np.cos(X), rtol=1e-12)),
    "enable_grad_inside_inference_mode": (
        "torch's inference mode makes inference tensors even where enable_grad turns "
        "recording back on; gpuad's inference_mode is no_grad, so enable_grad inside it "
        "records as anywhere else (the value is the same and differentiable)",
        lambda res: res[0] is True and res[1] is True and np.allclose(_host(res[2]), 2 * X)),
    "inference_mode_block_and_decorator": (
        "gpuad has no inference tensors: inference_mode records nothing, as no_grad, and its "
        "results are plain constants usable later (torch refuses them in autograd); the "
        "requires_grad flags are the same",
        lambda res: res[:3] == (False, True, False) and np.allclose(_host(res[3]), 2 * X)),
}


# ---- running a case in both -------------------------------------------------------------------

def _host(v):
    if isinstance(v, torch.Tensor):
        return v.detach().cpu().resolve_conj().numpy()
    if isinstance(v, ad.Tensor):
        return np.asarray(v.numpy())
    return v


def _run(fn, ns):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prev_t, prev_g = torch.is_grad_enabled(), ad.is_grad_enabled()
        try:
            return fn(ns), None
        except Exception as e:  # noqa: BLE001 - the case's outcome
            return None, e
        finally:
            torch.set_grad_enabled(prev_t)
            ad.set_grad_enabled(prev_g)


def _same(g, t, path="result"):
    if isinstance(t, tuple | list):
        assert isinstance(g, tuple | list) and len(g) == len(t), f"{path}: {g!r} vs {t!r}"
        for i, (a, b) in enumerate(zip(g, t, strict=True)):
            _same(a, b, f"{path}[{i}]")
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(g, ad.Tensor), f"{path}: gpuad gave {type(g).__name__}"
        tg, gg = _host(t), _host(g)
        assert gg.shape == tg.shape, f"{path}: shape {gg.shape} vs torch {tg.shape}"
        assert gg.dtype == tg.dtype, f"{path}: dtype {gg.dtype} vs torch {tg.dtype}"
        np.testing.assert_allclose(gg, tg, rtol=1e-10, atol=1e-12, err_msg=path)
        return
    if isinstance(t, float):
        assert g == pytest.approx(t, rel=1e-10), f"{path}: {g} vs {t}"
        return
    assert g == t, f"{path}: {g!r} vs torch {t!r}"


def _fd_grad(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = eps
        g[idx] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def _first_array(res):
    while isinstance(res, tuple | list):
        res = res[0]
    return _host(res)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name):
    c = CASES[name]
    t_res, t_err = _run(c.fn, _T)
    g_res, g_err = _run(c.fn, _G)
    if name in DIFFERS:
        _, how = DIFFERS[name]
        if isinstance(how, str):
            assert g_err is not None, f"gpuad should raise ({how}), gave {g_res!r}"
            assert re.search(how.removeprefix("raises "), str(g_err)), str(g_err)
        else:
            assert g_err is None, f"gpuad raised {type(g_err).__name__}: {g_err}"
            assert how(g_res), f"gpuad's result {g_res!r}"
        return
    if t_err is not None:
        assert g_err is not None, (
            f"torch raised {type(t_err).__name__}: {t_err}; gpuad returned {g_res!r}")
        if c.match:
            assert re.search(c.match, str(g_err), re.I), (
                f"gpuad's message does not name the problem ({c.match!r}): {g_err}")
        return
    assert g_err is None, f"gpuad raised {type(g_err).__name__}: {g_err}; torch gave {t_res!r}"
    _same(g_res, t_res)
    if c.fd is not None:
        x0 = {"inplace_through_view_of_view": A, "write_to_base_then_transposed_view": A,
              "leaf_value_written_into_non_leaf": A, "row_view_written_in_place": A}.get(
            name, X)
        got, want = _first_array(g_res), _fd_grad(c.fd, x0)
        np.testing.assert_allclose(got, want, rtol=1e-6,
                                   atol=1e-7 * max(1.0, float(np.abs(want).max())))


def test_differs_lists_only_cases():
    assert set(DIFFERS) <= set(CASES)


def test_checkpoint_stepped_parameter_torch_value_is_the_new_weights():
    # the documented difference above: torch's value is the gradient at the stepped weight
    x, w = _T.leaf(X), _T.leaf(W)
    y = _T.checkpoint(lambda h: torch.tanh(h @ w).sum(), x)
    with torch.no_grad():
        w -= 0.1
    y.backward()
    assert not np.allclose(x.grad.numpy(), _tanh_grad_at_forward_weights())
    w2 = W - 0.1
    np.testing.assert_allclose(x.grad.numpy(), w2 @ (1 - np.tanh(X @ w2) ** 2), rtol=1e-12)


# saved_tensors_hooks, save_on_cpu: tests/conformance/test_torch_saved_hooks.py


def test_anomaly_zero_guard_and_forward_check():
    """Documented in docs/semantics.md: a product whose other factor's adjoint is exactly 0
    passes 0 (torch: 0 * inf = NaN, which its anomaly mode reports); gpuad's anomaly mode
    also reports a non-finite forward value or adjoint (torch: NaN in backward only)."""
    x = ad.tensor(np.array([0.0, 1.0]), requires_grad=True)
    gnp.sum(gnp.sqrt(x) * ad.tensor(np.zeros(2))).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    tx = torch.tensor([0.0, 1.0], requires_grad=True)
    (torch.sqrt(tx) * torch.zeros(2)).sum().backward()
    assert np.isnan(tx.grad[0].item())
    with ad.autograd.detect_anomaly(), pytest.raises(ad.AnomalyError, match="log"):
        gnp.log(ad.tensor(np.array([-1.0]), requires_grad=True))
    with ad.autograd.detect_anomaly(), pytest.raises(ad.AnomalyError, match="sqrt"):
        gnp.sum(gnp.sqrt(ad.tensor(np.array([0.0]), requires_grad=True))).backward()
