"""gpuad.misc against HIPS autograd's autograd.misc on the same problems."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.misc import elementwise_grad, flatten, hessian_vector_product
from gpuad.misc import optimizers as opt
from gpuad.testing import check_grads

ag = pytest.importorskip("autograd")
agnp = pytest.importorskip("autograd.numpy")
ag_flatten = pytest.importorskip("autograd.misc.flatten").flatten
ag_opt = pytest.importorskip("autograd.misc.optimizers")

RNG = np.random.default_rng(0)
TREE = {"w": RNG.standard_normal((2, 3)), "b": (RNG.standard_normal(3), 0.5),
        "layers": [RNG.standard_normal((1, 2)).astype(np.float32)]}


def _leaves(t):
    return ad.tree_flatten(t)[0]


def test_flatten_matches_autograd_and_round_trips(backend):
    vec, unflatten = flatten(TREE)
    ref, _ = ag_flatten(TREE)
    assert isinstance(vec, ad.get_backend().array_type)
    np.testing.assert_array_equal(to_numpy(vec), ref)
    back = unflatten(vec)
    assert ad.tree_flatten(back)[1] == ad.tree_flatten(TREE)[1]
    for got, want in zip(_leaves(back), _leaves(TREE), strict=True):
        want = np.asarray(want)
        assert isinstance(got, ad.get_backend().array_type)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(to_numpy(got), want)


def test_flatten_of_nothing_and_wrong_length():
    vec, unflatten = flatten({"a": [], "b": None})
    assert vec.shape == (0,) and unflatten(vec) == {"a": [], "b": None}
    with pytest.raises(ValueError, match=r"shape \(12,\), got shape \(3,\)"):
        flatten(TREE)[1](np.zeros(3))


def test_flatten_and_unflatten_are_differentiable(backend):
    a, b = RNG.standard_normal((2, 2)), RNG.standard_normal(3)
    check_grads(lambda a, b: flatten({"a": a, "b": [b, b * a[0, 0]]})[0], (a, b), order=2)
    _, unflatten = flatten({"a": a, "b": b})
    check_grads(lambda v: gnp.sum(unflatten(v)["a"] ** 2) + gnp.prod(unflatten(v)["b"]),
                (RNG.standard_normal(7),), order=2)
    # a gradient through both directions equals autograd's
    def loss(v, un, np_):
        p = un(v)
        return np_.sum(np_.tanh(p["a"]) * p["b"][:2])

    v0, un = flatten({"a": a, "b": b})
    r0, run = ag_flatten({"a": a, "b": b})
    np.testing.assert_allclose(to_numpy(ad.grad(lambda v: loss(v, un, gnp))(v0)),
                               ag.grad(lambda v: loss(v, run, agnp))(r0), rtol=1e-13)


def test_elementwise_grad_matches_autograd(backend):
    x = np.linspace(-2, 2, 7)
    f = lambda x, c: gnp.tanh(x) * c + x ** 3  # noqa: E731
    fa = lambda x, c: agnp.tanh(x) * c + x ** 3  # noqa: E731
    np.testing.assert_allclose(to_numpy(elementwise_grad(f)(x, 2.0)),
                               ag.elementwise_grad(fa)(x, 2.0), rtol=1e-13)
    np.testing.assert_allclose(to_numpy(elementwise_grad(f, 1)(x, np.full(7, 2.0))),
                               ag.elementwise_grad(fa, 1)(x, np.full(7, 2.0)), rtol=1e-13)
    check_grads(lambda x: elementwise_grad(gnp.sin)(x), (x,), order=2)


def test_elementwise_grad_refuses_complex_outputs():
    with pytest.raises(TypeError, match="real-valued"):
        elementwise_grad(lambda x: x * (1 + 1j))(np.ones(2))


def test_hessian_vector_product_matches_autograd(backend):
    x, v = RNG.standard_normal(4), RNG.standard_normal(4)
    m = RNG.standard_normal((4, 4))

    def f(x, m, np_):
        return np_.sum(np_.sin(np_.dot(m, x)) ** 2) + np_.sum(x ** 4)

    mb = gnp.asarray(m)
    got = hessian_vector_product(lambda x, m: f(x, m, gnp))(x, mb, v)
    want = ag.hessian_vector_product(lambda x, m: f(x, m, agnp))(x, m, v)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12)
    got_m = hessian_vector_product(lambda x, m: f(x, m, gnp), 1)(x, mb, np.eye(4))
    want_m = ag.hessian_vector_product(lambda x, m: f(x, m, agnp), 1)(x, m, np.eye(4))
    np.testing.assert_allclose(to_numpy(got_m), want_m, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(got), to_numpy(ad.hessian(lambda x: f(x, mb, gnp))(x)) @ v,
                               rtol=1e-12)
    # differentiable again: a third derivative
    check_grads(lambda x: hessian_vector_product(lambda x: f(x, mb, gnp))(x, v), (x,), order=1)


def _problem(np_):
    """A small least-squares fit on a pytree, with a per-iteration minibatch."""
    rng = np.random.default_rng(3)
    a, y = rng.standard_normal((12, 3)), rng.standard_normal(12)
    if np_ is gnp:  # constants on the active backend
        a, y = gnp.asarray(a), gnp.asarray(y)

    def objective(p, i):
        rows = slice(i % 3 * 4, i % 3 * 4 + 4)
        pred = np_.dot(a[rows], p["w"]) + p["b"][0]
        return np_.sum((pred - y[rows]) ** 2) + 0.1 * np_.sum(p["w"] ** 4)

    return objective, {"w": np.zeros(3), "b": [np.array([0.5])]}


@pytest.mark.parametrize("name, kwargs", [
    ("sgd", {"num_iters": 40, "step_size": 0.05, "mass": 0.8}),
    ("rmsprop", {"num_iters": 40, "step_size": 0.02, "gamma": 0.8}),
    ("adam", {"num_iters": 40, "step_size": 0.05}),
    ("adam", {}),
])
def test_optimizers_follow_autograds_iterates(backend, name, kwargs):
    ours, x0 = _problem(gnp)
    theirs, _ = _problem(agnp)
    seen, seen_ref = [], []
    got = getattr(opt, name)(ad.grad(ours), x0, lambda p, i, g: seen.append((p, i, g)),
                             **kwargs)
    want = getattr(ag_opt, name)(ag.grad(theirs), x0, lambda p, i, g: seen_ref.append((p, i, g)),
                                 **kwargs)
    assert ad.tree_flatten(got)[1] == ad.tree_flatten(x0)[1]
    for g, w in zip(_leaves(got), _leaves(want), strict=True):
        np.testing.assert_allclose(to_numpy(g), w, rtol=1e-12, atol=1e-14)
    assert len(seen) == len(seen_ref) == kwargs.get("num_iters", 100)
    for (p, i, g), (pr, ir, gr) in zip(seen, seen_ref, strict=True):
        assert i == ir
        for a, b in zip(_leaves(p) + _leaves(g), _leaves(pr) + _leaves(gr), strict=True):
            np.testing.assert_allclose(to_numpy(a), b, rtol=1e-12, atol=1e-14)


def test_momentum_follows_torch_sgd_with_momentum():
    torch = pytest.importorskip("torch")
    objective, x0 = _problem(gnp)
    got = opt.momentum(ad.grad(objective), x0, num_iters=30, step_size=0.01, mass=0.9)
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    sgd = torch.optim.SGD([w, b], lr=0.01, momentum=0.9)
    rng = np.random.default_rng(3)
    a, y = torch.tensor(rng.standard_normal((12, 3))), torch.tensor(rng.standard_normal(12))
    for i in range(30):
        rows = slice(i % 3 * 4, i % 3 * 4 + 4)
        loss = torch.sum((a[rows] @ w + b[0] - y[rows]) ** 2) + 0.1 * torch.sum(w ** 4)
        sgd.zero_grad()
        loss.backward()
        sgd.step()
    np.testing.assert_allclose(to_numpy(got["w"]), w.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(got["b"][0]), b.detach().numpy(), rtol=1e-12)


def test_an_optimizer_run_is_differentiable():
    """d(final loss)/d(step size) through five momentum-SGD steps, against differences."""
    objective, x0 = _problem(gnp)

    def final_loss(step):
        p = opt.sgd(ad.grad(objective), x0, num_iters=5, step_size=step, mass=0.5)
        return objective(p, 5)

    check_grads(final_loss, (np.array(0.05),), order=1, modes=("rev",))
