"""Behaviours found by tests/conformance/test_ports_programs_round6*.py (programs written for
PyTorch and JAX run side by side with gpuad), each checked against hand-derived values."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn


def test_named_parameters_and_buffers_join_a_prefix_with_a_dot(backend):
    # the chatbot tutorial's checkpoint names: prefix "dec" gave "dec0.weight", not "dec.0.weight"
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    assert [n for n, _ in m.named_parameters(prefix="dec")] == [
        "dec.0.weight", "dec.0.bias", "dec.1.weight", "dec.1.bias"]
    assert [n for n, _ in m.named_parameters(prefix="dec", remove_duplicate=False)] == [
        "dec.0.weight", "dec.0.bias", "dec.1.weight", "dec.1.bias"]
    assert [n for n, _ in m.named_buffers(prefix="dec")] == [
        "dec.1.running_mean", "dec.1.running_var", "dec.1.num_batches_tracked"]
    assert [n for n, _ in m[0].named_parameters(prefix="fc")] == ["fc.weight", "fc.bias"]
    assert [n for n, _ in m.named_parameters()][0] == "0.weight"


def test_parameters_and_named_buffers_take_recurse(backend):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(ad.tensor(np.ones(1)))
            self.register_buffer("count", ad.tensor(np.zeros(1)))
            self.fc = nn.Linear(2, 2)
            self.bn = nn.BatchNorm1d(2)

    m = Net()
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["scale"]
    assert [p is m.scale for p in m.parameters(recurse=False)] == [True]
    assert len(m.parameters()) == 5
    assert [n for n, _ in m.named_buffers(recurse=False)] == ["count"]
    assert [n for n, _ in m.named_buffers(prefix="m", recurse=False)] == ["m.count"]
    assert len(list(m.named_buffers())) == 4


def test_attention_output_views_back_to_the_query_layout(backend):
    # the SDPA tutorial: q = x.view(B, L, H, E).transpose(1, 2); the output's
    # .transpose(1, 2).view(B, L, H * E) raised (a contiguous output needs a copy there),
    # where torch's kernel writes the output in the query's axis order
    import gpuad.nn.functional as F
    from gpuad.testing import check_grads

    rng = np.random.default_rng(3)
    x = ad.tensor(ad.get_backend().xp.asarray(rng.normal(size=(2, 5, 8))))

    def f(x):
        q = x.view(2, 5, 2, 4).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, q, q, is_causal=True)
        return y.transpose(1, 2).view(2, 5, 8)

    y = f(x)
    xn = to_numpy(x).reshape(2, 5, 2, 4).transpose(0, 2, 1, 3)
    s = xn @ xn.transpose(0, 1, 3, 2) / 2.0 + np.where(np.tril(np.ones((5, 5))) > 0, 0, -np.inf)
    w = np.exp(s - s.max(-1, keepdims=True))
    want = ((w / w.sum(-1, keepdims=True)) @ xn).transpose(0, 2, 1, 3).reshape(2, 5, 8)
    np.testing.assert_allclose(to_numpy(y), want, rtol=1e-12, atol=1e-12)
    check_grads(lambda x: (f(x) ** 2).sum(), (x,), order=1, modes=["rev"])


def test_pure_callback_vectorised_vmap_methods_call_once_per_batch(backend):
    # the external-callbacks notebook's Bessel wrapper: vmap_method="broadcast_all" raised
    import gpuad.numpy as gnp

    calls = []

    def host(v, z):
        calls.append((v.shape, z.shape))
        return (v * 10.0 + z).astype(z.dtype)

    def f(v, z, method):
        spec = ad.ShapeDtypeStruct(gnp.broadcast_shapes(v.shape, z.shape), z.dtype)
        return ad.pure_callback(host, spec, v, z, vmap_method=method)

    v = gnp.asarray(np.array([1.0, 2.0]))
    z = gnp.asarray(np.array([0.5, 0.25, 0.125]))
    want = np.array([1.0, 2.0])[:, None] * 10 + np.array([0.5, 0.25, 0.125])
    for method, shapes in (("broadcast_all", [((2,), (2,)), ((3, 2), (3, 2))]),
                           ("expand_dims", [((2,), (1,)), ((1, 2), (3, 1))])):
        calls.clear()
        inner = ad.vmap(lambda v, z, m=method: f(v, z, m), in_axes=(0, None))
        got = ad.vmap(inner, in_axes=(None, 0))(v, z)  # (3, 2): z outer, v inner
        np.testing.assert_allclose(to_numpy(got), want.T)
        assert calls == [shapes[1]], (method, calls)
        calls.clear()
        got = inner(v, z[0])
        np.testing.assert_allclose(to_numpy(got), want[:, 0])
        assert calls == [shapes[0]], (method, calls)


def test_io_callback_runs_each_call_and_refuses_ordered_under_vmap(backend):
    import pytest

    import gpuad.numpy as gnp
    from gpuad.experimental import io_callback

    calls = []

    def host(x):
        calls.append(x.shape)
        return (x + len(calls)).astype(x.dtype)

    f = ad.jit(lambda x: io_callback(host, x, x) * 2.0)
    x = gnp.zeros(3)
    assert to_numpy(f(x)).tolist() == [2.0, 2.0, 2.0]  # traced once, not rerun
    assert to_numpy(f(x)).tolist() == [4.0, 4.0, 4.0]  # the replay calls it again
    assert len(calls) == 2
    calls.clear()
    assert to_numpy(ad.vmap(lambda x: io_callback(host, x, x))(x)).tolist() == [
        1.0, 2.0, 3.0]
    assert calls == [(), (), ()]
    with pytest.raises(ValueError, match="ordered"):
        ad.vmap(lambda x: io_callback(host, x, x, ordered=True))(x)
    with pytest.raises(TypeError, match="derivative"):
        ad.grad(lambda x: io_callback(host, x, x).sum())(gnp.ones(2))


def test_debug_callback_sees_primal_values_and_refuses_jit(backend):
    import pytest

    from gpuad.jit.trace import TracerError

    seen = []

    def g(x):
        ad.debug.callback(lambda v, scale=1: seen.append(float(v) * scale), x, scale=2)
        return x * x

    assert float(ad.grad(g)(3.0)) == 6.0
    assert seen == [6.0]
    with pytest.raises(TracerError, match="debug.callback"):
        ad.jit(g)(ad.tensor(np.array(1.0)))


def test_grad_accumulates_into_its_own_array(backend):
    # introyt's autograd tutorial: a slice of .grad taken after one backward showed the old
    # value after five more (gpuad replaced the array; torch adds into it)
    xp = ad.get_backend().xp
    p = ad.tensor(xp.asarray(np.ones(3)), requires_grad=True)
    (p * 2.0).sum().backward()
    g, head = p.grad, p.grad[0:2]
    for _ in range(5):
        (p * 3.0).sum().backward()
    assert p.grad is g
    np.testing.assert_allclose(to_numpy(head), [17.0, 17.0])
    q = ad.tensor(xp.asarray(np.ones(2)), requires_grad=True)
    (p.sum() * q.sum()).backward(inputs=[q])
    first = q.grad[0:1]
    (p.sum() * q.sum()).backward(inputs=[q])
    np.testing.assert_allclose(to_numpy(first), [6.0])  # p.sum() = 3, twice
    np.testing.assert_allclose(to_numpy(q.grad), [6.0, 6.0])


def test_grads_made_under_create_graph_are_each_leafs_own(backend):
    # (x + y).sum() hands x and y the same adjoint: under create_graph both .grad held it, and
    # the next backward's in-place accumulation added into it twice (x.grad 3, not 2)
    xp = ad.get_backend().xp
    x = ad.tensor(xp.asarray(np.ones(3)), requires_grad=True)
    y = ad.tensor(xp.asarray(np.ones(3)), requires_grad=True)
    (x + y).sum().backward(create_graph=True)
    (x + y).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 2.0, 2.0])
    np.testing.assert_allclose(to_numpy(y.grad), [2.0, 2.0, 2.0])
    x.grad = y.grad = None  # a grad with a graph: d/dx of x*x is 2x; then y*x adds y = 1
    (x * x + y).sum().backward(inputs=[x, y], create_graph=True)
    (x * y).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [3.0, 3.0, 3.0])
    np.testing.assert_allclose(to_numpy(y.grad), [2.0, 2.0, 2.0])


def test_optimizer_subclass_keys_its_state_by_parameter(backend):
    # lion-pytorch's step reads self.state[p]: gpuad's list of states took p as an index
    # (TypeError "only integer Tensors can be used as an index")
    import pytest

    import gpuad.numpy as gnp
    from gpuad import optim

    class HeavyBall(optim.Optimizer):
        def __init__(self, params, lr=0.5, mu=0.5):
            super().__init__(params, dict(lr=lr, mu=mu))

        @ad.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["buf"] = ad.tensor(gnp.zeros_like(p))
                    state["buf"].mul_(group["mu"]).add_(p.grad)
                    p.add_(state["buf"], alpha=-group["lr"])

    xp = ad.get_backend().xp
    w = ad.tensor(xp.asarray(np.array([1.0, -2.0])), requires_grad=True)
    opt = HeavyBall([w])
    assert w not in opt.state
    for _ in range(2):  # loss sum(w^2): g = 2w; buf_1 = g_1, buf_2 = mu buf_1 + g_2
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    w0 = np.array([1.0, -2.0])
    w1 = w0 - 0.5 * 2 * w0
    w2 = w1 - 0.5 * (0.5 * 2 * w0 + 2 * w1)
    np.testing.assert_allclose(to_numpy(w), w2)
    assert w in opt.state
    np.testing.assert_allclose(to_numpy(opt.state[w]["buf"]), 0.5 * 2 * w0 + 2 * w1)
    # a checkpoint gives the subclass its Tensors back (they were plain arrays: no .mul_)
    opt2 = HeavyBall([w])
    opt2.load_state_dict(opt.state_dict())
    assert isinstance(opt2.state[w]["buf"], ad.Tensor)
    with pytest.raises(KeyError, match="not one of this optimizer's parameters"):
        opt.state[ad.tensor(xp.asarray(np.ones(2)))]


def test_a_trained_model_and_its_optimizer_pickle(backend):
    # pickle.dumps of a model after backward raised "cannot pickle 'weakref.ReferenceType'"
    import copy
    import pickle

    from gpuad import optim

    xp = ad.get_backend().xp
    m = nn.Linear(2, 1)
    opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    x = ad.tensor(xp.asarray(np.ones((3, 2))))
    m(x).sum().backward()
    opt.step()
    for m2, opt2 in (pickle.loads(pickle.dumps((m, opt))), copy.deepcopy((m, opt))):
        assert opt2.params[0] is m2.weight
        opt2.zero_grad()
        m.zero_grad()
        m2(x).sum().backward()  # the copy's own leaves get the gradient: 3 per weight
        assert m.weight.grad is None
        np.testing.assert_allclose(to_numpy(m2.weight.grad), [[3.0, 3.0]])
