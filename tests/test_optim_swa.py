"""gpuad.optim.swa_utils without a peer: AveragedModel's equal-weight mean and EMA written out
by hand, buffers averaged or copied, the averages kept off the tape (leaves; the averaged
forward differentiable, checked by central differences; a graph recorded before an update
refused afterwards), update_bn's statistics against the moments of the pre-activations,
SWALR's annealing formulas, and the errors. (Against torch: tests/conformance/
test_torch_swa_utils.py.)"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad import nn, optim
from gpuad.engine import GradError
from gpuad.nn.stateless import functional_call
from gpuad.optim import swa_utils as U
from gpuad.testing import check_grads


def _t(a, grad=False):
    return ad.tensor(ad.get_backend().xp.asarray(np.asarray(a, dtype=np.float64)),
                     requires_grad=grad)


def _net():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, momentum=0.3), nn.Linear(4, 2))


def _perturb(model, rng, buffers=False):
    ts = list(model.parameters()) + (list(model.buffers()) if buffers else [])
    for p in ts:
        if np.dtype(p.dtype).kind == "f":
            p.data[...] += ad.get_backend().xp.asarray(rng.normal(size=tuple(p.shape)))
        else:
            p.data[...] += 2
        p._ver[0] += 1


@pytest.mark.parametrize("how", ["default", "multi", "avg_fn"])
def test_swa_mean_by_hand(backend, how):
    kw = {"default": {}, "multi": {"multi_avg_fn": U.get_swa_multi_avg_fn()},
          "avg_fn": {"avg_fn": U.get_swa_avg_fn()}}[how]
    m = _net()
    a = U.AveragedModel(m, **kw)
    rng = np.random.default_rng(0)
    mean = [np.zeros(tuple(p.shape)) for p in m.parameters()]
    for _ in range(5):
        _perturb(m, rng)
        for k, p in enumerate(m.parameters()):
            mean[k] += to_numpy(p) / 5
        a.update_parameters(m)
    for want, got in zip(mean, a.parameters(), strict=True):
        np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-14)
    assert int(to_numpy(a.n_averaged)) == 5
    for b, mb in zip(a.module.buffers(), m.buffers(), strict=True):  # copied, not averaged
        np.testing.assert_array_equal(to_numpy(b), to_numpy(mb))


@pytest.mark.parametrize("multi", [True, False])
def test_ema_by_hand_with_buffers(backend, multi):
    decay = 0.8
    kw = ({"multi_avg_fn": U.get_ema_multi_avg_fn(decay)} if multi
          else {"avg_fn": U.get_ema_avg_fn(decay)})
    m = _net()
    a = U.AveragedModel(m, use_buffers=True, **kw)
    rng = np.random.default_rng(1)
    want = None
    for _ in range(4):
        _perturb(m, rng, buffers=True)
        cur = [np.array(to_numpy(t)) for t in list(m.parameters()) + list(m.buffers())]
        want = cur if want is None else [
            (w * decay + c * (1 - decay)).astype(c.dtype) for w, c in zip(want, cur, strict=True)]
        a.update_parameters(m)
    got = [to_numpy(t) for t in list(a.module.parameters()) + list(a.module.buffers())]
    for w, g in zip(want, got, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    assert got[-1].dtype == np.int64  # the batch counter stays an integer


def test_averages_off_the_tape_and_forward_differentiable(backend):
    m = _net()
    a = U.AveragedModel(m)
    rng = np.random.default_rng(2)
    with ad.enable_grad():
        for _ in range(3):
            _perturb(m, rng)
            a.update_parameters(m)
    for p in a.parameters():
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
    a.eval()
    x = _t(rng.normal(size=(5, 3)))
    (a(x) ** 2).sum().backward()
    assert all(p.grad is not None for p in a.parameters())
    assert all(p.grad is None for p in m.parameters())
    w = a.module[0].weight.detach()
    check_grads(lambda w, x: functional_call(a.module, {"0.weight": w}, (x,)), [w, x],
                order=1, modes=("rev",))
    loss = (a(x) ** 2).sum()
    a.update_parameters(m)  # in place: the recorded graph saw the old averages
    with pytest.raises(GradError):
        loss.backward()


def test_state_dict_and_pickle(backend):
    m = _net()
    a, b = U.AveragedModel(m), U.AveragedModel(m)
    _perturb(m, np.random.default_rng(3))
    a.update_parameters(m)
    a.update_parameters(m)
    assert next(iter(a.state_dict())) == "n_averaged"
    b.load_state_dict(a.state_dict())
    c = pickle.loads(pickle.dumps(a))
    for p, q, r in zip(a.parameters(), b.parameters(), c.parameters(), strict=True):
        np.testing.assert_array_equal(to_numpy(p), to_numpy(q))
        np.testing.assert_array_equal(to_numpy(p), to_numpy(r))
    assert int(to_numpy(b.n_averaged)) == 2


def test_update_bn_moments(backend):
    m = _net()
    rng = np.random.default_rng(4)
    x = rng.random((40, 3))
    batches = [(_t(x[i:i + 8]), None) for i in range(0, 40, 8)]
    pre = to_numpy(m[0](_t(x)))
    m.eval()
    U.update_bn(batches, m)
    bn = m[1]
    np.testing.assert_allclose(to_numpy(bn.running_mean), pre.mean(0), rtol=1e-12)
    # the cumulative average of each batch's unbiased variance
    unbiased = np.mean([pre[i:i + 8].var(0, ddof=1) for i in range(0, 40, 8)], axis=0)
    np.testing.assert_allclose(to_numpy(bn.running_var), unbiased, rtol=1e-12)
    assert not m.training and bn.momentum == 0.3 and int(to_numpy(bn.num_batches_tracked)) == 5


def test_swalr_formulas(backend):
    """torch's targets: cos/linear anneal from the rate reached before SWA to ``swa_lr``."""
    for strategy, coef in (("cos", lambda t, n: 0.0 if t + 1 >= n else
                            (1 + math.cos(math.pi * (t + 1) / n)) / 2),
                           ("linear", lambda t, n: 0.0 if t + 1 >= n else 1 - (t + 1) / n)):
        opt = optim.SGD([{"params": [_t([1.0], True)]},
                         {"params": [_t([2.0], True)], "lr": 0.5}], lr=0.05)
        mult = optim.lr_scheduler.MultiplicativeLR(opt, lambda e: 0.9)
        swa_lrs, anneal = [0.01, 0.02], 4
        swa = U.SWALR(opt, swa_lr=swa_lrs, anneal_epochs=anneal, anneal_strategy=strategy)
        for epoch in range(12):
            lrs = [g["lr"] for g in opt.param_groups]
            if epoch <= 5:
                np.testing.assert_allclose(lrs, [0.05 * 0.9 ** epoch, 0.5 * 0.9 ** epoch])
            else:
                t = epoch - 6
                want = [lr0 * 0.9 ** 5 * coef(t, anneal) + s * (1 - coef(t, anneal))
                        for lr0, s in zip((0.05, 0.5), swa_lrs, strict=True)]
                np.testing.assert_allclose(lrs, want, rtol=1e-12, err_msg=strategy)
            opt.step()
            (swa if epoch >= 5 else mult).step()


def test_errors():
    m = _net()
    with pytest.raises(ValueError, match="avg_fn or multi_avg_fn"):
        U.AveragedModel(m, avg_fn=U.get_swa_avg_fn(), multi_avg_fn=U.get_swa_multi_avg_fn())
    with pytest.raises(TypeError, match="gpuad.nn.Module"):
        U.AveragedModel(lambda x: x)
    with pytest.raises(ValueError, match="decay"):
        U.get_ema_multi_avg_fn(1.5)
    a = U.AveragedModel(m)
    with pytest.raises(ValueError, match="architecture"):
        a.update_parameters(nn.Linear(3, 4))
    opt = optim.SGD([_t([1.0], True)], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        U.SWALR(opt, 0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs"):
        U.SWALR(opt, 0.1, anneal_epochs=1.5)
    with pytest.raises(ValueError, match="swa_lr"):
        U.SWALR(opt, [0.1, 0.2])


def test_updates_inside_a_compiled_function_raise(backend):
    """A replay would not repeat the in-place writes (before: the averages silently stopped
    changing after the first call); the averaged model read by a compiled function between
    updates gives the eager values."""
    from gpuad.jit import TracerError

    m = _net()
    a = U.AveragedModel(m, multi_avg_fn=U.get_ema_multi_avg_fn(0.5))
    x = _t(np.ones((4, 3)))

    @ad.jit
    def step(x):
        a.update_parameters(m)
        with ad.no_grad():
            return a(x).sum()

    with pytest.raises(TracerError, match="update_parameters"):
        step(x)
    with pytest.raises(TracerError, match="update_bn"):
        ad.jit(lambda x: U.update_bn([x], a) or x.sum())(x)
    assert int(to_numpy(a.n_averaged)) == 0
    a.eval()

    @ad.jit
    def predict(x):
        with ad.no_grad():
            return a(x).sum()

    rng = np.random.default_rng(5)
    for _ in range(3):
        _perturb(m, rng)
        a.update_parameters(m)
        assert float(predict(x)) == pytest.approx(float(a(x).sum()), rel=1e-12)


def test_update_bn_refuses_a_lazy_batchnorm_not_yet_sized(backend):
    """Before: skipped, so the model kept no statistics at all after update_bn."""
    m = nn.Sequential(nn.Linear(3, 4), nn.LazyBatchNorm1d())
    x = _t(np.random.default_rng(6).random((8, 3)))
    with pytest.raises(ValueError, match="LazyBatchNorm1d"):
        U.update_bn([x], m)
    m(x)  # now sized: a BatchNorm1d
    U.update_bn([x], m)
    np.testing.assert_allclose(to_numpy(m[1].running_mean), to_numpy(m[0](x)).mean(0),
                               rtol=1e-12)


def test_a_model_with_other_buffers_is_refused_before_any_write(backend):
    a = U.AveragedModel(_net())
    before = [np.array(to_numpy(p)) for p in a.parameters()]
    other = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    with pytest.raises(ValueError, match="buffers"):
        a.update_parameters(other)
    for b, p in zip(before, a.parameters(), strict=True):
        np.testing.assert_array_equal(b, to_numpy(p))
    assert int(to_numpy(a.n_averaged)) == 0
