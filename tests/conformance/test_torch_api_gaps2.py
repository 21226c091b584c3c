"""PyTorch API a port meets first, checked against torch in float64: ``Tensor.size()``,
``device``/``is_cuda``, ``scatter_reduce``, ``Module.apply`` and its kin, and ``gpuad.func``
(torch.func's calling conventions)."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

import gpuad as ad

torch = pytest.importorskip("torch")


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=float), requires_grad=grad)


# ---- Tensor.size ----------------------------------------------------------------------------
def test_size_is_numpys_int_and_torchs_call():
    a = np.arange(6.0).reshape(2, 3)
    x, t = ad.tensor(a), _t(a)
    assert x.size == a.size == 6 and x.size * 2 == 12 and np.prod(x.shape) == x.size
    assert isinstance(x.size, int) and hash(x.size) == hash(6) and repr(x.size) == "6"
    assert x.size() == tuple(t.size()) == (2, 3)
    for d in (0, 1, -1, -2):
        assert x.size(d) == t.size(d)
        assert x.size(dim=d) == t.size(dim=d)
    for d in (2, -3):
        with pytest.raises(IndexError, match="out of range"):
            x.size(d)
        with pytest.raises(IndexError):
            t.size(d)
    with pytest.raises(IndexError, match="no dimensions"):
        ad.tensor(1.0).size(0)
    assert ad.tensor(1.0).size() == tuple(_t(1.0).size()) == ()
    for s in (pickle.loads(pickle.dumps(x.size)), copy.deepcopy(x.size), copy.copy(x.size)):
        assert type(s) is int and s == 6
    assert json.dumps({"n": x.size}) == '{"n": 6}'
    assert np.zeros(x.size).shape == (6,) and list(range(x.size)) == list(range(6))
    assert type(a.size) is int  # raw arrays untouched


def test_size_inside_transforms():
    a = np.arange(6.0).reshape(2, 3)

    def f(v):
        assert v.size() == (3,) and v.size(0) == 3 and v.size == 3
        return (v * v.size(-1)).sum()

    g = ad.vmap(ad.grad(f))(a)
    np.testing.assert_allclose(g, np.full((2, 3), 3.0))
    assert ad.jit(lambda v: v.reshape(v.size(0), -1).sum(1) * v.size)(a).shape == (2,)


def test_device_and_is_cuda():
    x = ad.tensor(np.zeros(3))
    assert x.device == np.zeros(3).device == "cpu" and x.is_cuda is False
    assert str(x.device) == str(_t(np.zeros(3)).device)
    assert x.to(x.device).device == "cpu"
