"""PyTorch's weight-averaging tests (test/optim/test_swa_utils.py) ported: gpuad.optim.swa_utils
against torch.optim.swa_utils on the same models (torch's initial weights copied into the
gpuad model, both in float64) perturbed by the same noise, fed the same batches.

Compared: the averaged parameters and buffers after every update (SWA, EMA, by ``avg_fn``,
``multi_avg_fn`` and the default; with and without ``use_buffers``), ``n_averaged``,
``state_dict`` round trips, ``update_bn``'s statistics (also against the moments computed by
hand), the training mode and momenta it restores, the gradients of the averaged model's
forward (with torch's and with float64 central differences), and the errors.

Where gpuad differs on purpose:
- ``AveragedModel(avg_fn=..., multi_avg_fn=...)`` raises ValueError (torch: AssertionError).
- ``get_swa_multi_avg_fn`` lerps with the weight ``1 / (n + 1)`` in float64; torch computes
  that weight as a tensor of the default dtype (float32), so on float64 weights torch's
  average is off by up to float32's rounding of the weight (compared to 1e-7 there).
- ``get_swa_multi_avg_fn`` with ``use_buffers=True`` averages the int64 batch counter by the
  formula (truncated, as torch's default averaging does); torch's raises (``addcdiv`` refuses
  integer tensors).
- ``device=`` must be the tensors' own backend (gpuad does not move a model between devices).
"""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.optim import swa_utils as TSWA  # noqa: E402

import gpuad as ad  # noqa: E402
from gpuad import nn  # noqa: E402
from gpuad.engine import GradError  # noqa: E402
from gpuad.nn.stateless import functional_call  # noqa: E402
from gpuad.optim import swa_utils as GSWA  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    d = t.data if isinstance(t, ad.Tensor) else t
    return d.get() if hasattr(d, "get") else np.asarray(d)


def _xp():
    return ad.get_backend().xp


def _pair(build):
    """The same architecture in both libraries, torch's weights copied into gpuad's."""
    torch.manual_seed(0)
    t = build(torch.nn).double()
    g = build(nn)
    g.load_state_dict({k: _xp().asarray(v.detach().numpy()) for k, v in
                       t.state_dict().items()})
    return g, t


def _dnn(m):
    return m.Sequential(
        m.Conv2d(1, 5, kernel_size=3), m.ReLU(), m.MaxPool2d(kernel_size=2),
        m.BatchNorm2d(5, momentum=0.3), m.Conv2d(5, 2, kernel_size=3), m.ReLU(),
        m.Linear(5, 5), m.ReLU(), m.Linear(5, 10))


def _small(m):
    return m.Sequential(m.Conv2d(1, 5, kernel_size=3), m.BatchNorm2d(5, momentum=0.3),
                        m.Linear(5, 10))


def _tensors(model, use_buffers):
    return (list(itertools.chain(model.parameters(), model.buffers())) if use_buffers
            else list(model.parameters()))


def _perturb(g, t, rng, use_buffers=False):
    """The same noise added to both models' parameters (and float buffers; the batch
    counter goes up by a random integer)."""
    for a, b in zip(_tensors(g, use_buffers), _tensors(t, use_buffers), strict=True):
        if np.dtype(a.dtype).kind == "f":
            noise = rng.normal(size=tuple(b.shape))
        else:
            noise = rng.integers(0, 5, size=tuple(b.shape))
        with torch.no_grad():
            b.add_(torch.as_tensor(noise, dtype=b.dtype))
        a.data[...] += _xp().asarray(noise).astype(a.data.dtype)
        a._ver[0] += 1


def _assert_same(g_model, t_model, use_buffers, rtol, what):
    gs = _tensors(g_model, use_buffers)
    ts = _tensors(t_model, use_buffers)
    assert len(gs) == len(ts)
    for i, (a, b) in enumerate(zip(gs, ts, strict=True)):
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=rtol,
                                   err_msg=f"{what}: tensor {i}")


AVERAGING = {
    "default": ({}, {}, 1e-13),
    "swa_multi": ({"multi_avg_fn": GSWA.get_swa_multi_avg_fn()},
                  {"multi_avg_fn": TSWA.get_swa_multi_avg_fn()}, 1e-7),
    "ema_multi": ({"multi_avg_fn": GSWA.get_ema_multi_avg_fn(0.9)},
                  {"multi_avg_fn": TSWA.get_ema_multi_avg_fn(0.9)}, 1e-13),
    "swa_avg_fn": ({"avg_fn": GSWA.get_swa_avg_fn()}, {"avg_fn": TSWA.get_swa_avg_fn()},
                   1e-13),
    "ema_avg_fn": ({"avg_fn": GSWA.get_ema_avg_fn(0.9)}, {"avg_fn": TSWA.get_ema_avg_fn(0.9)},
                   1e-13),
    "user_avg_fn": ({"avg_fn": lambda a, p, n: 0.9 * a + 0.1 * p},
                    {"avg_fn": lambda a, p, n: 0.9 * a + 0.1 * p}, 1e-13),
}


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("kind", sorted(AVERAGING))
def test_averaged_model_matches_torch(backend, kind, use_buffers):
    """torch's ``_run_averaged_steps`` and ``test_averaged_model_exponential``: after each of
    10 updates the averages (and the buffers: averaged, or copied from the model) are
    torch's."""
    gkw, tkw, rtol = AVERAGING[kind]
    g, t = _pair(_dnn)
    if kind == "swa_multi" and use_buffers:
        # torch's integer branch calls addcdiv on the int64 batch counter, which torch
        # refuses; gpuad averages it by the formula (truncated), as torch's default does
        bad = TSWA.AveragedModel(t, use_buffers=True, **tkw)
        bad.update_parameters(t)
        with pytest.raises(RuntimeError, match="addcdiv"):
            bad.update_parameters(t)
        tkw = {}
    ga = GSWA.AveragedModel(g, use_buffers=use_buffers, **gkw)
    ta = TSWA.AveragedModel(t, use_buffers=use_buffers, **tkw)
    rng = np.random.default_rng(1)
    for i in range(10):
        _perturb(g, t, rng, use_buffers)
        ga.update_parameters(g)
        ta.update_parameters(t)
        _assert_same(ga.module, ta.module, True, rtol, f"{kind} update {i}")
        assert int(_np(ga.n_averaged)) == int(ta.n_averaged) == i + 1
    if not use_buffers:  # buffers are the model's
        for a, b in zip(ga.module.buffers(), g.buffers(), strict=True):
            np.testing.assert_array_equal(_np(a), _np(b))


def test_averages_by_hand(backend):
    """The equal-weight mean and the EMA written out (torch's own targets)."""
    g, t = _pair(_small)
    swa = GSWA.AveragedModel(g)
    ema = GSWA.AveragedModel(g, multi_avg_fn=GSWA.get_ema_multi_avg_fn(0.999))
    rng = np.random.default_rng(2)
    n = 10
    mean = [np.zeros(tuple(p.shape)) for p in g.parameters()]
    decayed = [np.zeros(tuple(p.shape)) for p in g.parameters()]
    for i in range(n):
        _perturb(g, t, rng)
        for k, p in enumerate(g.parameters()):
            mean[k] += _np(p) / n
            decayed[k] += _np(p) * 0.999 ** (n - i - 1) * ((1 - 0.999) if i > 0 else 1.0)
        swa.update_parameters(g)
        ema.update_parameters(g)
    for a, b, c, d in zip(mean, swa.parameters(), decayed, ema.parameters(), strict=True):
        np.testing.assert_allclose(_np(b), a, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(_np(d), c, rtol=1e-10, atol=1e-13)


def test_state_dict_round_trip(backend):
    g, t = _pair(_small)
    a1, a2 = GSWA.AveragedModel(g), GSWA.AveragedModel(g)
    ta = TSWA.AveragedModel(t)
    rng = np.random.default_rng(3)
    for _ in range(10):
        _perturb(g, t, rng)
        a1.update_parameters(g)
        ta.update_parameters(t)
    assert list(a1.state_dict()) == list(ta.state_dict())
    a2.load_state_dict(a1.state_dict())
    for p, q in zip(a1.parameters(), a2.parameters(), strict=True):
        np.testing.assert_array_equal(_np(p), _np(q))
    assert int(_np(a2.n_averaged)) == int(_np(a1.n_averaged)) == 10
    # torch's averaged state loads into gpuad's
    a3 = GSWA.AveragedModel(g)
    a3.load_state_dict({k: _xp().asarray(v.numpy()) for k, v in ta.state_dict().items()})
    _assert_same(a3, ta, True, 1e-13, "loaded from torch")


def test_default_averaged_model_pickles(backend):
    g, _ = _pair(_small)
    a = GSWA.AveragedModel(g)
    a.update_parameters(g)
    b = pickle.loads(pickle.dumps(a))
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(_np(p), _np(q))


def test_averaged_forward_is_differentiable(backend):
    """The averaged copy's forward: gradients in its own parameters equal torch's and central
    differences; nothing reaches the model averaged from, and the averages are leaves."""
    g, t = _pair(_small)
    ga, ta = GSWA.AveragedModel(g), TSWA.AveragedModel(t)
    rng = np.random.default_rng(4)
    for _ in range(3):
        _perturb(g, t, rng)
        ga.update_parameters(g)
        ta.update_parameters(t)
    x = rng.normal(size=(4, 1, 7, 7))
    ga.eval()
    ta.eval()
    gx = ad.tensor(_xp().asarray(x), requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    (ga(gx) ** 2).sum().backward()
    (ta(tx) ** 2).sum().backward()
    np.testing.assert_allclose(_np(gx.grad), tx.grad.numpy(), rtol=1e-11, atol=1e-12)
    for p, q in zip(ga.parameters(), ta.parameters(), strict=True):
        assert p.is_leaf and p.requires_grad
        np.testing.assert_allclose(_np(p.grad), q.grad.numpy(), rtol=1e-11, atol=1e-12)
    assert all(p.grad is None for p in g.parameters())
    w0 = ga.module[0].weight.detach()
    check_grads(lambda w, x: functional_call(ga.module, {"0.weight": w}, (x,)),
                [w0, ad.tensor(_xp().asarray(x))], order=1, modes=("rev",))


def test_update_after_forward_refuses_the_stale_backward(backend):
    """An update writes the averages in place: a graph recorded before it cannot be
    differentiated afterwards (torch: the in-place modification error)."""
    g, t = _pair(_small)
    ga, ta = GSWA.AveragedModel(g), TSWA.AveragedModel(t)
    x = np.random.default_rng(5).normal(size=(2, 1, 7, 7))
    ga.update_parameters(g)
    ta.update_parameters(t)
    gl = (ga(ad.tensor(_xp().asarray(x))) ** 2).sum()
    tl = (ta(torch.tensor(x)) ** 2).sum()
    ga.update_parameters(g)
    ta.update_parameters(t)
    with pytest.raises(RuntimeError, match="modified by an inplace"):
        tl.backward()
    with pytest.raises(GradError):
        gl.backward()


class _Dnn:
    def __init__(self, m, n_in):
        self.fc1 = m.Linear(n_in, 100)
        self.bn = m.BatchNorm1d(100)


def _bn_net(m, kind):
    if kind == "dnn":
        return m.Sequential(m.Linear(5, 100), m.BatchNorm1d(100))
    return m.Sequential(m.Conv2d(3, 10, kernel_size=3, padding=1),
                        m.BatchNorm2d(10, momentum=0.3))


@pytest.mark.parametrize("kind", ["dnn", "cnn"])
def test_update_bn_matches_torch(backend, kind):
    """torch's ``_test_update_bn``: the statistics of one pass equal torch's and the
    moments of the pre-activations; loaders of (x,) tuples, (x, y) tuples or bare arrays;
    twice, after resetting; the training mode and momentum are restored."""
    rng = np.random.default_rng(6)
    shape = (100, 5) if kind == "dnn" else (100, 3, 5, 5)
    x = rng.random(shape)
    y = rng.random(100)
    g, t = _pair(lambda m: _bn_net(m, kind))
    batches = [slice(i, i + 5) for i in range(0, 100, 5)]
    gx = [ad.tensor(_xp().asarray(x[s])) for s in batches]
    tx = [torch.tensor(x[s]) for s in batches]
    pre = _np(g[0](ad.tensor(_xp().asarray(x))))
    if pre.ndim == 4:
        pre = pre.transpose(0, 2, 3, 1).reshape(-1, pre.shape[1])
    mean, var = pre.mean(0), pre.var(0)
    loaders = [([(b,) for b in gx], [(b,) for b in tx]),
               ([(b, y[:5]) for b in gx], [(b, torch.tensor(y[:5])) for b in tx]),
               (gx, tx)]
    momentum = g[1].momentum
    for gl, tl in loaders:
        g.train()
        t.train()
        GSWA.update_bn(gl, g)
        TSWA.update_bn(tl, t)
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            np.testing.assert_allclose(_np(getattr(g[1], name)), _np(getattr(t[1], name)),
                                       rtol=1e-11, atol=1e-13, err_msg=name)
        np.testing.assert_allclose(_np(g[1].running_mean), mean, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(_np(g[1].running_var), var, atol=1e-1)
        assert g.training and g[1].momentum == momentum
        with ad.no_grad():  # reset as the torch test does
            g[1].running_mean[...] = 0
            g[1].running_var[...] = 1
    g.eval()
    GSWA.update_bn(gx, g)
    assert not g.training and not g[1].training and g[1].momentum == momentum


def test_update_bn_without_batchnorm_does_nothing(backend):
    g, _ = _pair(lambda m: m.Sequential(m.Linear(3, 2)))
    calls = []
    GSWA.update_bn(iter(calls), g)  # the loader is not even read
    GSWA.update_bn([ad.tensor(_xp().asarray(np.ones((2, 3))))], g)


def test_swa_then_update_bn_end_to_end(backend):
    """The documented recipe in both libraries: train with SGD, average from epoch 3 with
    SWALR, recompute the statistics; same weights, rates and predictions."""
    g, t = _pair(_small)
    rng = np.random.default_rng(7)
    data = [rng.normal(size=(4, 1, 7, 7)) for _ in range(3)]
    target = rng.normal(size=(4, 5, 5, 10))
    gopt = ad.optim.SGD(g.parameters(), lr=0.05, momentum=0.5)
    topt = torch.optim.SGD(t.parameters(), lr=0.05, momentum=0.5)
    ga, ta = GSWA.AveragedModel(g), TSWA.AveragedModel(t)
    gs = GSWA.SWALR(gopt, swa_lr=0.01, anneal_epochs=2, anneal_strategy="linear")
    ts = TSWA.SWALR(topt, swa_lr=0.01, anneal_epochs=2, anneal_strategy="linear")
    for epoch in range(6):
        for x in data:
            gopt.zero_grad()
            topt.zero_grad()
            ((g(ad.tensor(_xp().asarray(x))) - ad.tensor(_xp().asarray(target))) ** 2
             ).mean().backward()
            ((t(torch.tensor(x)) - torch.tensor(target)) ** 2).mean().backward()
            gopt.step()
            topt.step()
        if epoch >= 3:
            ga.update_parameters(g)
            ta.update_parameters(t)
            gs.step()
            ts.step()
            np.testing.assert_allclose(gs.get_last_lr(), ts.get_last_lr(), rtol=1e-13)
    GSWA.update_bn([ad.tensor(_xp().asarray(x)) for x in data], ga)
    TSWA.update_bn([torch.tensor(x) for x in data], ta)
    _assert_same(ga.module, ta.module, True, 1e-9, "after training")
    ga.eval()
    ta.eval()
    np.testing.assert_allclose(_np(ga(ad.tensor(_xp().asarray(data[0])))),
                               ta(torch.tensor(data[0])).detach().numpy(), rtol=1e-9,
                               atol=1e-11)


def test_errors(backend):
    g, t = _pair(_small)
    with pytest.raises(AssertionError):
        TSWA.AveragedModel(t, avg_fn=TSWA.get_swa_avg_fn(),
                           multi_avg_fn=TSWA.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match="avg_fn or multi_avg_fn"):
        GSWA.AveragedModel(g, avg_fn=GSWA.get_swa_avg_fn(),
                           multi_avg_fn=GSWA.get_swa_multi_avg_fn())
    for bad in (-0.1, 1.5):
        for tf, gf in ((TSWA.get_ema_multi_avg_fn, GSWA.get_ema_multi_avg_fn),
                       (TSWA.get_ema_avg_fn, GSWA.get_ema_avg_fn)):
            with pytest.raises(ValueError):
                tf(bad)
            with pytest.raises(ValueError, match="decay"):
                gf(bad)
    a = GSWA.AveragedModel(g)
    other, _ = _pair(lambda m: m.Sequential(m.Linear(3, 2)))
    with pytest.raises(ValueError, match="architecture"):
        a.update_parameters(other)
    assert int(_np(a.n_averaged)) == 0
