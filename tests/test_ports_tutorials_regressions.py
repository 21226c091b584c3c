"""What the ports of the PyTorch tutorials needed (tests/conformance/
test_ports_programs_tutorials.py runs them against torch): torch's shape-changing in-place
methods on tensors outside a graph, a named error for ``.values``/``.indices`` read off a
plain Tensor, and dropout2d of a 2-D input."""

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn
from gpuad.nn import functional as F


def _t(a, **kw):
    return ad.tensor(ad.get_backend().xp.asarray(a), **kw)


def test_shape_changing_in_place_methods(backend):
    target = _t(np.array([3, 1, 4]))  # char_rnn_generation: target_line_tensor.unsqueeze_(-1)
    assert target.unsqueeze_(-1) is target and target.shape == (3, 1)
    assert to_numpy(target[1]).tolist() == [1]
    assert target.squeeze_(1).shape == (3,)
    m = _t(np.arange(6.0).reshape(2, 3))
    before = to_numpy(m).copy()
    assert m.t_().shape == (3, 2)
    np.testing.assert_array_equal(to_numpy(m), before.T)
    assert m.transpose_(0, 1).shape == (2, 3)
    np.testing.assert_array_equal(to_numpy(m), before)
    m[0, 0] = 9.0  # still the tensor's own memory
    assert float(m[0, 0]) == 9.0


@pytest.mark.parametrize("make", [
    lambda: _t(np.ones(3), requires_grad=True),
    lambda: _t(np.ones(3), requires_grad=True) * 2,
])
def test_shape_changing_in_place_methods_refuse_graph_tensors(backend, make):
    x = make()
    for call in (lambda: x.unsqueeze_(0), lambda: x.t_(), lambda: x.squeeze_()):
        with pytest.raises(RuntimeError, match="outside any graph"):
            call()
    assert x.shape == (3,)


def test_values_and_indices_of_a_plain_tensor_name_the_numpy_reduction(backend):
    q = _t(np.array([[1.0, 5.0], [7.0, 0.0]]))
    assert to_numpy(q.max(dim=1).indices).tolist() == [1, 0]
    for field in ("values", "indices"):
        with pytest.raises(AttributeError, match=r"max\(dim=1\)"):
            getattr(q.max(1), field)  # DQN tutorial: policy_net(s).max(1).indices
        assert not hasattr(q, field)


def test_dropout2d_of_a_2d_input_drops_entries_with_torchs_warning(backend):
    x = _t(np.ones((300, 40)))
    gnp.random.seed(3)
    with pytest.warns(UserWarning, match="2-D input to dropout2d"):
        z = to_numpy(nn.Dropout2d(0.5)(x))
    assert set(np.unique(z)) == {0.0, 2.0}
    per_row = (z == 0).sum(axis=1)
    assert per_row.min() > 0 and per_row.max() < 40  # entries, not whole rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.Dropout2d(0.5).eval()(x) is x  # eval(): the input itself
        w = _t(np.ones((4, 5)), requires_grad=True)
        gnp.random.seed(4)
        y = F.dropout2d(w, 0.25)
        y.sum().backward()
        np.testing.assert_array_equal(to_numpy(w.grad), to_numpy(y) / 1.0)
    with pytest.raises(ValueError, match="dropout2d"):
        F.dropout2d(_t(np.ones(3)), 0.5)


def test_to_meta_says_functional_call_needs_no_move(backend):
    # the model-ensembling tutorial's base = copy.deepcopy(model).to('meta') got a message
    # about moving between numpy and cupy backends; it now names the meta device and the fix
    import copy

    m = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match=r"no meta device.*drop the \.to\('meta'\)"):
        copy.deepcopy(m).to("meta")
    with pytest.raises(RuntimeError, match="no meta device"):
        ad.tensor([1.0]).to("meta")
    assert m.weight.shape == (3, 2)  # the original is untouched


def test_sequential_setitem_replaces_a_layer_under_its_name(backend):
    # the autograd-mechanics note's `model.fc = nn.Linear(...)` for a Sequential,
    # `model[2] = nn.Linear(3, 2)`, raised "'Sequential' object does not support item assignment"
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 5))
    head = nn.Linear(3, 2)
    model[-1] = head
    assert model[2] is head and len(model) == 3
    assert sorted(model.state_dict()) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    x = _t(np.ones((1, 4)))
    h = np.tanh(to_numpy(model[0](x)))
    want = h @ to_numpy(head.weight).T + to_numpy(head.bias)
    np.testing.assert_allclose(to_numpy(model(x)), want, rtol=1e-12)
    with pytest.raises(IndexError, match="out of range"):
        model[3] = head
    with pytest.raises(TypeError, match="int"):
        model[0:1] = head


def test_complex_output_errors_name_holomorphic_and_it_works(backend):
    # the Autodiff Cookbook: grad(sin)(z) must be told holomorphic=True; gpuad's error only
    # offered real losses and vjp, not the flag that the Cookbook's next cell passes
    z = 3.0 + 4j
    with pytest.raises(TypeError, match=r"grad\(f, holomorphic=True\)"):
        ad.grad(gnp.sin)(z)
    np.testing.assert_allclose(to_numpy(ad.grad(gnp.sin, holomorphic=True)(z)), np.cos(z),
                               rtol=1e-14)
    zs = np.array([3.0 + 4j, 1j])
    for jac in (ad.jacrev, ad.jacfwd):
        with pytest.raises(TypeError, match=rf"{jac.__name__}\(f, holomorphic=True\)"):
            jac(gnp.sin)(zs)
        np.testing.assert_allclose(to_numpy(jac(gnp.sin, holomorphic=True)(zs)),
                                   np.diag(np.cos(zs)), rtol=1e-14)


def test_grad_fn_register_prehook(backend):
    # the autograd note's b.grad_fn.register_prehook(lambda gI: (gI[0] * 2,)) raised
    # AttributeError: 'Node' object has no attribute 'register_prehook'
    a = _t(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    b = a.clone()
    handle = b.grad_fn.register_prehook(lambda gI: (gI[0] * 2,))
    b.sum().backward(retain_graph=True)
    np.testing.assert_array_equal(to_numpy(a.grad), [2.0, 2.0, 2.0])
    handle.remove()
    a.grad = None
    b.sum().backward(retain_graph=True)
    np.testing.assert_array_equal(to_numpy(a.grad), [1.0, 1.0, 1.0])
    # torch's order: the tensor's hooks, then retain_grad, then the step's prehooks
    a.grad = None
    c = a * 3.0
    log = []
    c.grad_fn.register_prehook(lambda gO: log.append("pre") or (gO[0] + 1,))
    c.register_hook(lambda g: log.append("tensor") or g * 2)
    c.retain_grad()
    (c * c).sum().backward()
    assert log == ["tensor", "pre"]
    c0 = 3.0 * np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(to_numpy(c.grad), 2 * (2 * c0), rtol=1e-15)  # before the +1
    np.testing.assert_allclose(to_numpy(a.grad), 3 * (2 * (2 * c0) + 1), rtol=1e-15)
    with pytest.raises(TypeError, match="tuple of one gradient"):
        d = a * 1.0
        d.grad_fn.register_prehook(lambda gO: gO[0])
        d.sum().backward()
    with pytest.raises(NotImplementedError, match="register_prehook"):
        b.grad_fn.register_hook(lambda gI, gO: None)


def test_grad_fn_next_functions_walks_the_graph(backend):
    # the blitz tutorial's loss.grad_fn.next_functions[0][0] raised AttributeError
    x = _t(np.array([1.0, 2.0]), requires_grad=True)
    c = _t(np.array([3.0, 4.0]))
    y = gnp.sum(gnp.sin(x * c))
    (s, k), = y.grad_fn.next_functions
    assert k == 0 and s.name == "sin"
    (m, _), = s.next_functions
    (leaf, _), (const, _) = m.next_functions
    assert leaf.variable is x and const is None and leaf.next_functions == ()
