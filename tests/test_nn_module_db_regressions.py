"""gpuad.nn behaviours that once differed from torch's (found by
tests/conformance/test_torch_module_db.py, PyTorch's own module test database): each checked
against hand-computed values and central differences."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F
from gpuad.testing import check_grads

RNG = np.random.default_rng(11)


def xp_(a):
    return ad.get_backend().xp.asarray(a)


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4), (2, 3, 0)])
def test_batch_norm_of_an_empty_batch_is_empty_and_keeps_the_statistics(backend, shape):
    m = nn.BatchNorm1d(3)
    m.running_mean[...] = xp_(np.array([0.5, -1.0, 2.0]))
    before = to_numpy(m.running_mean).copy(), to_numpy(m.running_var).copy()
    x = ad.tensor(xp_(np.zeros(shape)), requires_grad=True)
    y = m(x)
    assert tuple(y.shape) == shape
    np.testing.assert_array_equal(to_numpy(m.running_mean), before[0])
    np.testing.assert_array_equal(to_numpy(m.running_var), before[1])
    assert int(to_numpy(m.num_batches_tracked)) == 1  # the call is counted, as torch's
    gx, gw = ad.autograd.grad((y * 2.0).sum() + (m.weight * m.bias).sum(), [x, m.weight])
    assert tuple(gx.shape) == shape
    np.testing.assert_array_equal(to_numpy(gw), to_numpy(m.bias))  # only the added term
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        m(ad.tensor(xp_(np.zeros((1, 3)))))


def test_functional_batch_norm_of_an_empty_batch(backend):
    w, b = RNG.normal(size=2), RNG.normal(size=2)
    y = F.batch_norm(ad.tensor(xp_(np.zeros((0, 2, 5)))), None, None, ad.tensor(xp_(w)),
                     ad.tensor(xp_(b)), training=True)
    assert tuple(y.shape) == (0, 2, 5)


@pytest.mark.parametrize("fn,value", [(F.softmax, 1.0), (F.log_softmax, 0.0),
                                      (F.softmin, 1.0)])
@pytest.mark.parametrize("dim", [0, -1])
def test_softmax_family_of_a_0d_input_is_over_its_one_entry(backend, fn, value, dim):
    x = ad.tensor(xp_(np.array(0.7)), requires_grad=True)
    y = fn(x, dim)
    assert tuple(y.shape) == ()
    np.testing.assert_allclose(to_numpy(y), value)
    (g,) = ad.autograd.grad(y * 3.0, [x])
    np.testing.assert_allclose(to_numpy(g), 0.0)  # constant in x
    check_grads(lambda v: fn(v, dim), (np.array(-1.3),), order=1, modes=("rev",))
    with pytest.raises((ValueError, IndexError)):
        fn(x, 1)


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.Linear(3, 2), (4, 3)),
    (lambda: nn.LayerNorm(3), (4, 3)),
    (lambda: nn.Conv1d(2, 2, 1), (1, 2, 3)),
    (lambda: nn.BatchNorm1d(3), (4, 3)),
    (lambda: nn.AvgPool1d(2), (1, 2, 4)),
    (lambda: nn.LazyLinear(2), (4, 3)),
])
def test_module_forward_takes_torchs_input_keyword(backend, make, shape):
    x = RNG.normal(size=shape)
    m = make()
    y = m(input=ad.tensor(xp_(x)))
    np.testing.assert_allclose(to_numpy(m(ad.tensor(xp_(x)))), to_numpy(y), rtol=0, atol=1e-12)


def test_lazy_conv_transpose_takes_its_in_channels_from_the_first_input(backend):
    x = RNG.normal(size=(1, 6, 3, 3))
    m = nn.LazyConvTranspose2d(4, 3, stride=2, groups=2)
    y = m(ad.tensor(xp_(x)))
    assert type(m) is nn.ConvTranspose2d and tuple(m.weight.shape) == (6, 2, 3, 3)
    ref = F.conv_transpose2d(ad.tensor(xp_(x)), m.weight, m.bias, stride=2, groups=2)
    np.testing.assert_allclose(to_numpy(y), to_numpy(ref), rtol=0, atol=1e-12)
    # sized by a state dict before any call: in_channels is the weight's first size
    fresh = nn.LazyConvTranspose1d(4, 2, groups=2)
    fresh.load_state_dict({"weight": RNG.normal(size=(6, 2, 2)), "bias": RNG.normal(size=4)})
    assert tuple(fresh(ad.tensor(xp_(RNG.normal(size=(1, 6, 5))))).shape) == (1, 4, 6)


def _log_softmax_np(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("out_features", [(), (2,)])
def test_linear_cross_entropy_is_cross_entropy_of_the_linear_logits(backend, out_features):
    n, d, c = 4, 3, 5
    x, w = RNG.normal(size=(n, d)), RNG.normal(size=(c, *out_features, d))
    b = RNG.normal(size=(c, *out_features))
    y = RNG.integers(0, c, size=(n, *out_features))
    y[0] = 2  # ignored below
    cw = RNG.uniform(0.5, 2.0, size=c)
    z = np.tensordot(x, w, axes=([-1], [-1])) + b  # (n, c, *out)
    lp = np.take_along_axis(_log_softmax_np(z, 1), y[:, None], 1)[:, 0]
    keep = y != 2
    want = -(cw[y] * lp * keep).sum() / (cw[y] * keep).sum()
    got = F.linear_cross_entropy(ad.tensor(xp_(x)), ad.tensor(xp_(w)), ad.tensor(xp_(y)),
                                 linear_bias=ad.tensor(xp_(b)), weight=ad.tensor(xp_(cw)),
                                 ignore_index=2)
    np.testing.assert_allclose(float(to_numpy(got)), want, rtol=1e-12)
    check_grads(lambda a, v, u: F.linear_cross_entropy(
        a, v, ad.tensor(xp_(y)), linear_bias=u, weight=ad.tensor(xp_(cw)), ignore_index=2,
        label_smoothing=0.2), (x, w, b), order=1, modes=("rev",))
    # the module holds the weight flat in .linear, as torch's state dict
    m = nn.LinearCrossEntropyLoss(d, c, out_features=out_features, bias=True, weight=xp_(cw),
                                  ignore_index=2)
    assert tuple(m.linear.weight.shape) == (c * int(np.prod(out_features)), d)
    m.load_state_dict({"linear.weight": w.reshape(-1, d), "linear.bias": b.reshape(-1),
                       "weight": cw})
    np.testing.assert_allclose(float(to_numpy(m(ad.tensor(xp_(x)), ad.tensor(xp_(y))))), want,
                               rtol=1e-12)


def _fractional_reference(x, k, out, u):
    """Loop form of fractional max pooling of one (H, W) plane: window i along an axis starts
    at floor((i + u) * alpha) - floor(u * alpha), alpha = (size - k) / (out - 1), the last at
    size - k; u[0] places the columns, u[1] the rows."""
    def starts(size, o, kk, s):
        a = (size - kk) / (o - 1)
        return [int(np.floor((i + s) * a) - np.floor(s * a)) for i in range(o - 1)] + [size - kk]

    rows, cols = starts(x.shape[0], out[0], k[0], u[1]), starts(x.shape[1], out[1], k[1], u[0])
    y, idx = np.empty(out), np.empty(out, dtype=np.int64)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            win = x[r:r + k[0], c:c + k[1]]
            a, b = np.unravel_index(np.argmax(win), win.shape)
            y[i, j], idx[i, j] = win[a, b], (r + a) * x.shape[1] + c + b
    return y, idx


def test_fractional_max_pool2d_places_its_windows_by_the_samples(backend):
    x = RNG.permutation(35).reshape(1, 1, 5, 7).astype(float)  # distinct: no ties
    u = np.array([[[0.37, 0.81]]])
    m = nn.FractionalMaxPool2d((2, 3), output_size=(3, 3), return_indices=True,
                               _random_samples=xp_(u))
    y, idx = m(ad.tensor(xp_(x)))
    want, want_idx = _fractional_reference(x[0, 0], (2, 3), (3, 3), u[0, 0])
    np.testing.assert_array_equal(to_numpy(y)[0, 0], want)
    np.testing.assert_array_equal(to_numpy(idx)[0, 0], want_idx)
    assert "_random_samples" in m.state_dict()
    check_grads(lambda v: F.fractional_max_pool2d(v, 2, output_ratio=0.5,
                                                  _random_samples=xp_(u)),
                (x + 0.01 * RNG.normal(size=x.shape),), order=1, modes=("rev",))
    y3 = F.fractional_max_pool3d(ad.tensor(xp_(RNG.normal(size=(2, 4, 4, 5)))), 2,
                                 output_size=(2, 3, 3), _random_samples=xp_(RNG.random((1, 2, 3))))
    assert tuple(y3.shape) == (2, 2, 3, 3)
    with pytest.raises(ValueError, match="does not fit"):
        F.fractional_max_pool2d(ad.tensor(xp_(x)), 3, output_size=(4, 4))


def _ctc_brute(lp, target, blank):
    """-log of the summed probability of every path over the frames of ``lp`` (T, C) that
    collapses (repeats merged, then blanks dropped) to ``target``."""
    import itertools

    total = 0.0
    for path in itertools.product(range(lp.shape[1]), repeat=lp.shape[0]):
        merged = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if [k for k in merged if k != blank] == list(target):
            total += np.exp(sum(lp[t, k] for t, k in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


def test_ctc_loss_sums_every_alignment(backend):
    t, c = 4, 3
    z = RNG.normal(size=(t, 2, c))
    lp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    targets = np.array([[1, 1, 0], [2, 0, 0]])  # a repeat (needs a blank between), one label
    in_len, tg_len = (4, 3), (2, 1)
    want = [_ctc_brute(lp[:in_len[b], b], targets[b, :tg_len[b]], 0) for b in range(2)]
    got = F.ctc_loss(ad.tensor(xp_(lp)), xp_(targets), in_len, tg_len, reduction="none")
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12)
    mean = F.ctc_loss(ad.tensor(xp_(lp)), xp_(np.array([1, 1, 2])), in_len, tg_len)
    np.testing.assert_allclose(float(to_numpy(mean)), (want[0] / 2 + want[1]) / 2, rtol=1e-12)
    check_grads(lambda v: F.ctc_loss(v, xp_(targets), in_len, tg_len, blank=0,
                                     reduction="sum"), (lp,), order=2, modes=("rev",))
    # blank as the last class, and an alignment that cannot exist (3 labels in 2 frames)
    m = nn.CTCLoss(blank=2, reduction="none", zero_infinity=False)
    lp2 = ad.tensor(xp_(lp[:2]), requires_grad=True)
    out = m(lp2, xp_(np.array([[0, 1, 0], [1, 0, 0]])), (2, 2), (3, 1))
    assert np.isinf(to_numpy(out)[0])
    np.testing.assert_allclose(to_numpy(out)[1], _ctc_brute(lp[:2, 1], [1], 2), rtol=1e-12)
    (g,) = ad.autograd.grad(nn.CTCLoss(blank=2, zero_infinity=True, reduction="sum")(
        lp2, xp_(np.array([[0, 1, 0], [1, 0, 0]])), (2, 2), (3, 1)), [lp2])
    assert np.isfinite(to_numpy(g)).all() and not to_numpy(g)[:, 0].any()


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU, nn.LSTM])
@pytest.mark.parametrize("kwargs,error", [
    (dict(batch_first="False"), TypeError),  # truthy: it would have been batch-first
    (dict(bias=1), TypeError),
    (dict(input_size=0), ValueError),
    (dict(input_size=2.0), TypeError),
    (dict(hidden_size=3.0), TypeError),
])
def test_recurrent_layers_refuse_torchs_bad_options(backend, cls, kwargs, error):
    args = dict(input_size=2, hidden_size=3) | kwargs
    with pytest.raises(error):
        cls(**args)
    m = cls(2, 3, bias=np.bool_(False), batch_first=True)  # NumPy booleans are booleans
    assert tuple(m(ad.tensor(xp_(np.zeros((4, 5, 2)))))[0].shape) == (4, 5, 3)


def test_batch_norm_refuses_an_eps_that_is_not_positive(backend):
    x = ad.tensor(xp_(RNG.normal(size=(4, 3))))
    for eps in (0.0, -1.0):
        m = nn.BatchNorm1d(3, eps=eps)
        for training in (True, False):
            m.train(training)
            with pytest.raises(ValueError, match="eps must be positive"):
                m(x)


def test_huber_loss_refuses_a_complex_delta(backend):
    with pytest.raises(TypeError, match="delta"):
        nn.HuberLoss(delta=1 + 2j)
    assert float(to_numpy(nn.HuberLoss(delta=np.float64(0.5))(
        ad.tensor(xp_(np.array([2.0]))), ad.tensor(xp_(np.array([0.0])))))) == 0.5 * (2 - 0.25)
