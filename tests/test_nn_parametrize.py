"""gpuad.nn.utils.parametrize and parametrizations.weight_norm / spectral_norm / orthogonal on
every backend: the parametrized value, its gradients in the originals (central differences
through functional_call), state_dict names, assignment through right_inverse, removal, and
spectral norm's power iteration (a step per call in training, none in evaluation),
orthogonal's maps. Comparisons with torch are in
tests/conformance/test_torch_nn_suite_more.py."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.numpy as gnp
from gpuad.nn.utils import parametrize
from gpuad.nn.utils.parametrizations import orthogonal, spectral_norm, weight_norm
from gpuad.testing import check_grads


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _linear(seed=0):
    m = nn.Linear(3, 4)
    r = np.random.default_rng(seed)
    m.load_state_dict({"weight": xp_(r.normal(size=(4, 3))), "bias": xp_(r.normal(size=4))})
    return m


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm(backend, dim):
    m = _linear()
    w = to_numpy(m.weight).copy()
    weight_norm(m, dim=dim)
    assert type(m).__name__ == "ParametrizedLinear" and isinstance(m, nn.Linear)
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original0",
                                    "parametrizations.weight.original1"]
    np.testing.assert_allclose(to_numpy(m.weight), w, rtol=1e-14)  # g ||v|| = the weight
    g = to_numpy(m.parametrizations.weight.original0)
    axes = None if dim is None else tuple(a for a in range(2) if a != dim)
    np.testing.assert_allclose(g, np.sqrt((w * w).sum(axis=axes, keepdims=dim is not None)))
    x = np.random.default_rng(1).normal(size=(2, 3))
    if backend == "numpy":
        names = [n for n, _ in m.named_parameters()]
        check_grads(lambda *p: nn.functional_call(m, dict(zip(names, p, strict=True)),
                                                  (xp_(x),)),
                    [to_numpy(p) for _, p in m.named_parameters()], order=2, modes=("rev",))
    new = np.arange(12.0).reshape(4, 3) - 5
    m.weight = xp_(new)  # through right_inverse
    np.testing.assert_allclose(to_numpy(m.weight), new, rtol=1e-14, atol=1e-14)
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and list(m.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(to_numpy(m.weight), new, rtol=1e-14, atol=1e-14)
    assert not parametrize.is_parametrized(m)


def test_custom_parametrization_chains_and_refuses_what_it_cannot(backend):
    class Sym(nn.Module):
        def forward(self, x):
            return gnp.triu(x) + gnp.swapaxes(gnp.triu(x, 1), -1, -2)

    class Double(nn.Module):
        def forward(self, x):
            return 2 * x

        def right_inverse(self, x):
            return x / 2

    m = nn.Linear(3, 3)
    parametrize.register_parametrization(m, "weight", Sym())
    parametrize.register_parametrization(m, "weight", Double())
    w = to_numpy(m.weight)
    np.testing.assert_allclose(w, w.T)
    orig = to_numpy(m.parametrizations.weight.original)
    np.testing.assert_allclose(w, 2 * (np.triu(orig) + np.triu(orig, 1).T))
    with pytest.raises(RuntimeError, match="right_inverse"):
        m.weight = xp_(np.eye(3))  # Sym has no right_inverse
    with pytest.raises(ValueError, match="no parameter"):
        parametrize.register_parametrization(m, "nothing", Double())
    with pytest.raises(ValueError, match="leave_parametrized"):
        weight_norm(nn.Linear(2, 2))
        parametrize.remove_parametrizations(weight_norm(nn.Linear(2, 2)), "weight",
                                            leave_parametrized=False)


def test_spectral_norm_power_iteration(backend):
    ad.numpy.random.seed(0)
    m = spectral_norm(_linear(2))
    w = to_numpy(m.parametrizations.weight.original)
    sigma = np.linalg.svd(w, compute_uv=False)[0]
    np.testing.assert_allclose(np.linalg.svd(to_numpy(m.weight), compute_uv=False)[0], 1.0,
                               rtol=1e-6)  # 15 steps at registration
    sn = m.parametrizations.weight[0]
    u0 = to_numpy(sn._u).copy()
    m.eval()
    _ = m.weight
    np.testing.assert_array_equal(to_numpy(sn._u), u0)  # evaluation: no step
    m.train()
    m(xp_(np.ones((1, 3))))
    u, v = to_numpy(sn._u), to_numpy(sn._v)
    np.testing.assert_allclose(u @ w @ v, sigma, rtol=1e-8)
    np.testing.assert_allclose(to_numpy(m.weight), w / (u @ w @ v), rtol=1e-12)
    # the gradient treats u and v as constants, as torch
    x = np.random.default_rng(3).normal(size=(2, 3))
    m.eval()
    if backend == "numpy":
        check_grads(lambda p: nn.functional_call(m, {"parametrizations.weight.original": p},
                                                 (xp_(x),)), [w], order=1, modes=("rev",))


@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
def test_orthogonal_maps(backend, omap, shape):
    ad.numpy.random.seed(1)
    m = orthogonal(nn.Linear(shape[1], shape[0]), orthogonal_map=omap)
    w = to_numpy(m.weight)
    gram = w @ w.T if shape[0] <= shape[1] else w.T @ w
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    if backend == "numpy":
        orig = to_numpy(m.parametrizations.weight.original)
        # householder's diagonal holds signs, read as integers: only the rest is varied
        free = np.ones(shape) if omap != "householder" else (
            np.tril(np.ones(shape), -1) if shape[0] >= shape[1] else np.triu(np.ones(shape), 1))
        move = np.random.default_rng(2).normal(size=shape) * 0.3 * free
        check_grads(lambda p: nn.functional_call(
            m, {"parametrizations.weight.original": orig + free * p}, (xp_(np.eye(shape[1])),)),
            [move], order=1, modes=("rev",))
