"""``copy.deepcopy`` of Tensors, eagerly: a value with a history is a differentiable copy (its
derivatives reach the original's inputs), a leaf a new independent leaf."""

from __future__ import annotations

import copy

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _through_deepcopy(x):
    y = gnp.sin(x) * 3.0
    z = copy.deepcopy({"v": y, "w": [y]})  # one copy, shared as in the original
    assert z["v"] is z["w"][0]
    return gnp.sum(z["v"] * z["w"][0])


def test_grad_through_deepcopy_of_a_value_with_history(backend):
    x = gnp.asarray(np.array([0.3, -1.2, 2.0]))
    g = ad.grad(_through_deepcopy)(x)
    want = 18.0 * np.sin(to_numpy(x)) * np.cos(to_numpy(x))
    np.testing.assert_allclose(to_numpy(g), want, rtol=1e-12)
    check_grads(_through_deepcopy, [x], order=2, modes=("fwd", "rev"))


def test_backward_through_deepcopy_reaches_the_leaf(backend):
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    z = copy.deepcopy(x * 3.0)
    gnp.sum(z * z).backward()
    np.testing.assert_allclose(to_numpy(x.grad), [18.0, 36.0])


def test_deepcopy_of_a_leaf_is_an_independent_leaf(backend):
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    gnp.sum(x * x).backward()
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.grad is not x.grad
    np.testing.assert_array_equal(to_numpy(c.grad), to_numpy(x.grad))
    c.grad = None
    gnp.sum(c * 5.0).backward()
    np.testing.assert_allclose(to_numpy(c.grad), [5.0, 5.0])
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 4.0])  # the original's is untouched
    assert c._data is not x._data


def test_deepcopy_inside_grad_of_jit_matches_eager(backend):
    x = gnp.asarray(np.array([0.3, -1.2, 2.0]))
    eager = ad.grad(_through_deepcopy)(x)
    compiled = ad.jit(ad.grad(_through_deepcopy))(x)
    np.testing.assert_allclose(to_numpy(compiled), to_numpy(eager), rtol=1e-12)


def test_deepcopy_of_a_module_gives_independent_parameters(backend):
    from gpuad import nn

    m = nn.Linear(3, 2)
    x = gnp.asarray(np.ones((4, 3)))
    gnp.sum(m(x)).backward()  # the original's parameters have been used (their leaf nodes)
    pm = list(m.parameters())
    for p in pm:
        p.grad = None
    c = copy.deepcopy(m)
    pc = list(c.parameters())
    assert [type(p) for p in pc] == [type(p) for p in pm]
    gnp.sum(c(x)).backward()
    assert all(p.grad is None for p in pm)  # the original's parameters got nothing
    assert all(p.grad is not None for p in pc)
    np.testing.assert_allclose(to_numpy(pc[0].grad if pc[0].ndim == 2 else pc[1].grad), 4.0)
