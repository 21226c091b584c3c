"""More programs of pytorch/examples and of JAX's documentation and examples, ported to gpuad
and run side by side with their original library from the same initial weights and data.

Each torch program is written once against a namespace ``T`` (``torch`` itself, or the gpuad
names a port would use: ``gnp.concatenate`` for ``torch.cat``, ``gpuad.nn`` for ``torch.nn``,
...); the model classes are built by the same code for both. torch runs in float64, gpuad's
model loads torch's initial ``state_dict`` by name, and after every step the losses, the
gradients, the parameters and the buffers must agree to 1e-9 relative (float64 rounding
through a few hundred operations). Random draws the original makes (data, ``randint`` in
``get_y_neg``, the Categorical sample of an action) come from one NumPy generator and are
handed to both, as the two libraries draw different numbers for a seed.

Where a port differs from its original, the line says why:
- ``returns.std()``: gpuad's Tensor method without ``dim`` is NumPy's (``ddof=0``), torch's
  is unbiased; the ports write ``returns.std(dim=0)``, which is torch's in both (listed in
  docs/porting.md's traps; ``test_reinforce_std_trap`` keeps the difference visible);
- ``torch.from_numpy(state).float()``: ``.double()``, the tests run in float64;
- ``torch.spmm(adj, support)`` on a sparse adjacency: a dense ``mm`` (gpuad's arrays are
  dense; the values are the same);
- torchvision's VGG16 and ResNet18 feature extractors: two small conv stacks, frozen
  (``requires_grad_(False)``) as the originals are, with torch's initial weights.

The JAX programs compare values and gradients with JAX itself (x64) and their gradients with
float64 central differences.
"""

from __future__ import annotations

import collections
import math
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn as gnn
from gpuad import optim as goptim
from gpuad.nn import functional as gF

torch = pytest.importorskip("torch")

R = np.random.default_rng(2024)


@pytest.fixture(autouse=True)
def _torch64():
    old, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    yield
    torch.set_default_dtype(old)
    torch.set_num_threads(threads)


def _xp():
    return ad.get_backend().xp


def gpuad_T():
    """The torch names the programs call, as a gpuad port writes them."""
    xp = _xp()
    return types.SimpleNamespace(
        lib="gpuad",
        nn=gnn,
        F=gF,
        optim=goptim,
        init=gnn.init,
        no_grad=ad.no_grad,
        tensor=lambda a, dtype=None: ad.tensor(xp.asarray(a, dtype=dtype)),
        from_numpy=lambda a: ad.tensor(xp.asarray(a)),
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        stack=lambda xs, dim=0: gnp.stack(xs, axis=dim),
        mm=gnp.matmul,
        log1p=gnp.log1p,
        exp=gnp.exp,
        log10=math.log10,
        Categorical=ad.distributions.Categorical,
        long=np.int64,
    )


def torch_T():
    return types.SimpleNamespace(
        lib="torch",
        nn=torch.nn,
        F=torch.nn.functional,
        optim=torch.optim,
        init=torch.nn.init,
        no_grad=torch.no_grad,
        tensor=torch.tensor,
        from_numpy=torch.from_numpy,
        cat=torch.cat,
        stack=torch.stack,
        mm=torch.mm,
        log1p=torch.log1p,
        exp=torch.exp,
        log10=math.log10,
        Categorical=torch.distributions.Categorical,
        long=torch.long,
    )


def _arr(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    if isinstance(t, ad.Tensor):
        return to_numpy(t.detach())
    return to_numpy(t)


def _close(a, b, rtol=1e-9, atol=1e-12):
    np.testing.assert_allclose(_arr(a), _arr(b), rtol=rtol, atol=atol)


def _load(gmodel, tmodel):
    """torch's weights and buffers, by name, into the gpuad model."""
    xp = _xp()
    gmodel.load_state_dict(
        {k: xp.asarray(v.detach().numpy()) for k, v in tmodel.state_dict().items()}
    )


def _same_models(g, t, rtol=1e-9, atol=1e-12):
    """Parameters, their gradients and the buffers of two models, by name."""
    gp, tp = dict(g.named_parameters()), dict(t.named_parameters())
    assert sorted(gp) == sorted(tp)
    for k, p in gp.items():
        _close(p, tp[k], rtol, atol)
        assert (p.grad is None) == (tp[k].grad is None), k
        if p.grad is not None:
            _close(p.grad, tp[k].grad, rtol, atol)
    gb, tb = dict(g.named_buffers()), dict(t.named_buffers())
    assert sorted(gb) == sorted(tb)
    for k, b in gb.items():
        _close(b, tb[k], rtol, atol)


def _both(build, *args):
    """The model ``build(T)(*args)`` for torch and for gpuad, gpuad's with torch's weights."""
    t = build(torch_T())(*args)
    g = build(gpuad_T())(*args)
    _load(g, t)
    return g, t


# ---- examples/mnist_forward_forward: layers trained one by one on a local goodness loss ----
# Layer subclasses nn.Linear (torch's positional (device, dtype) passed through) and keeps its
# own Adam; Net.train and Layer.train shadow Module.train; overlay_y_on_x writes into a clone.


def forward_forward(T, args):
    nn = T.nn

    def overlay_y_on_x(x, y, classes=10):
        x_ = x.clone()
        x_[:, :classes] *= 0.0
        x_[range(x.shape[0]), y] = x.max()
        return x_

    class Layer(nn.Linear):
        def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
            super().__init__(in_features, out_features, bias, device, dtype)
            self.relu = nn.ReLU()
            self.opt = T.optim.Adam(self.parameters(), lr=args.lr)
            self.threshold = args.threshold
            self.num_epochs = args.epochs
            self.losses = []

        def forward(self, x):
            x_direction = x / (x.norm(2, 1, keepdim=True) + 1e-4)
            return self.relu(T.mm(x_direction, self.weight.T) + self.bias.unsqueeze(0))

        def train(self, x_pos, x_neg):
            for _ in range(self.num_epochs):
                g_pos = self.forward(x_pos).pow(2).mean(1)
                g_neg = self.forward(x_neg).pow(2).mean(1)
                loss = T.log1p(
                    T.exp(T.cat([-g_pos + self.threshold, g_neg - self.threshold]))
                ).mean()
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                self.losses.append(loss.item())
            return self.forward(x_pos).detach(), self.forward(x_neg).detach()

    class Net(nn.Module):
        def __init__(self, dims):
            super().__init__()
            self.layers = []
            for d in range(len(dims) - 1):
                self.layers = self.layers + [Layer(dims[d], dims[d + 1])]

        def predict(self, x):
            goodness_per_label = []
            for label in range(10):
                h = overlay_y_on_x(x, label)
                goodness = []
                for layer in self.layers:
                    h = layer(h)
                    goodness = goodness + [h.pow(2).mean(1)]
                goodness_per_label += [sum(goodness).unsqueeze(1)]
            goodness_per_label = T.cat(goodness_per_label, 1)
            return goodness_per_label.argmax(1)

        def train(self, x_pos, x_neg):
            h_pos, h_neg = x_pos, x_neg
            for layer in self.layers:
                h_pos, h_neg = layer.train(h_pos, h_neg)

    return Net, overlay_y_on_x


def test_mnist_forward_forward():
    args = types.SimpleNamespace(lr=0.03, threshold=2.0, epochs=4)
    x = R.normal(size=(12, 16))
    y = R.integers(0, 10, 12)
    # get_y_neg: a label other than the true one for each example (torch.randint there)
    y_neg = (y + R.integers(1, 10, 12)) % 10
    nets = {}
    for T in (torch_T(), gpuad_T()):
        Net, overlay = forward_forward(T, args)
        nets[T.lib] = (T, Net([16, 9, 7]), overlay)
    for g, t in zip(nets["gpuad"][1].layers, nets["torch"][1].layers, strict=True):
        _load(g, t)
    runs = {}
    for T, net, overlay in nets.values():
        xx, yy, yn = T.from_numpy(x), T.from_numpy(y), T.from_numpy(y_neg)
        x_pos, x_neg = overlay(xx, yy), overlay(xx, yn)
        _close(xx, x)  # the overlay wrote into its clone only
        net.train(x_pos, x_neg)
        runs[T.lib] = (net, x_pos, x_neg, net.predict(xx))
    (gn, gpos, gneg, gpred), (tn, tpos, tneg, tpred) = runs["gpuad"], runs["torch"]
    _close(gpos, tpos)
    _close(gneg, tneg)
    for g, t in zip(gn.layers, tn.layers, strict=True):
        np.testing.assert_allclose(g.losses, t.losses, rtol=1e-10)
        _same_models(g, t)
    np.testing.assert_array_equal(_arr(gpred), _arr(tpred))
