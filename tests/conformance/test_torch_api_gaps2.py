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


# ---- Module.apply, the module tree and casts ------------------------------------------------
def _pair():
    """The same model in torch and gpuad: nesting, a shared submodule, a ModuleList and a
    BatchNorm with an integer buffer."""
    import gpuad.nn as gnn

    def build(nn):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.enc = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
                self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.BatchNorm1d(3)])
                self.shared = self.enc  # the same module under two names
                self.head = nn.Linear(3, 1)

            def forward(self, x):
                return self.head(self.blocks[1](self.blocks[0](self.enc(x))))

        return Net()

    class GModule(gnn.Module):  # torch's Module.__init__ takes no part in gpuad's
        def __init__(self):
            pass

    class G:
        Module = GModule
        Sequential, Linear, Tanh = gnn.Sequential, gnn.Linear, gnn.Tanh
        ModuleList, BatchNorm1d = gnn.ModuleList, gnn.BatchNorm1d

    return build(torch.nn), build(G)


def test_module_tree_matches_torch():
    tm, gm = _pair()
    for kw in ({}, {"remove_duplicate": False}, {"prefix": "net"}):
        assert [n for n, _ in gm.named_modules(**kw)] == [n for n, _ in tm.named_modules(**kw)]
    assert [n for n, _ in gm.named_children()] == [n for n, _ in tm.named_children()]
    assert len(list(gm.children())) == len(list(tm.children()))
    assert len(list(gm.modules())) == len(list(tm.modules()))

    def order(model):
        names = {id(m): n for n, m in model.named_modules()}
        seen = []
        assert model.apply(lambda m: seen.append(names[id(m)])) is model
        return seen

    assert order(gm) == order(tm)  # children first, the shared module visited once per parent


def test_module_casts_match_torch():
    tm, gm = _pair()
    gm.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    w = gm.head.weight
    opt = ad.optim.SGD(gm.parameters(), lr=0.1)
    x = np.random.default_rng(0).standard_normal((4, 2))
    loss = gm(ad.tensor(x)).sum()
    loss.backward()
    for cast in ("float", "double", "half", "double"):
        assert getattr(gm, cast)() is gm
        getattr(tm, cast)()
        gs, ts = gm.state_dict(), tm.state_dict()
        assert sorted(gs) == sorted(ts)
        for k in ts:
            assert np.dtype(gs[k].dtype) == np.dtype(str(ts[k].dtype).split(".")[1]), k
    assert gm.head.weight is w and isinstance(w, ad.nn.Parameter)  # kept, not replaced
    assert w.grad.dtype == np.float64
    opt.step()  # the optimiser steps the same (cast) parameter
    assert gm.to(np.float32) is gm and w.dtype == np.float32
    assert gm.to("cpu", dtype=torch.float64) is gm and w.dtype == np.float64
    assert gm.to(ad.tensor(np.zeros(1, np.float32))) is gm and w.dtype == np.float32
    assert gm.blocks[1].num_batches_tracked.dtype.kind == "i"  # integer buffers kept
    with pytest.raises(TypeError, match="floating-point"):
        gm.to(np.int64)
    with pytest.raises(RuntimeError, match="backend"):
        gm.to("cuda")
    loss2 = gm(ad.tensor(x.astype(np.float32))).sum()
    gm.double()  # a version bump: the graph recorded before refuses to backward
    with pytest.raises(ad.GradError):
        loss2.backward()
