"""Programs in the "from scratch" style of Dive into Deep Learning, ported to gpuad and checked
on every backend against float64 central differences and NumPy references (the side-by-side
runs with torch are in tests/conformance/test_ports_d2l_torch.py).

The idioms: parameters updated under ``no_grad`` with ``p -= lr * p.grad / n`` and
``p.grad.zero_()``, cross-entropy by ``y_hat[range(n), y]``, element writes ``Y[i, j] = ...``
into a zeros Tensor, masked softmax by ``X[~mask] = -1e6`` on a reshaped copy, one-hot RNN
inputs with ``.type(dtype)``, gradient clipping by ``p.grad[:] *= theta / norm``, and batch
norm with moving averages.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.nn import functional as F
from gpuad.testing import check_grads


def _xp():
    return ad.get_backend().xp


def _a(a):
    return _xp().asarray(np.asarray(a))


def _close(got, want, rtol=1e-10, atol=1e-12):
    got = to_numpy(got.detach() if isinstance(got, ad.Tensor) else got)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# ---- linear and softmax regression with hand-written SGD ---------------------------------
def test_linear_regression_sgd_loop_matches_numpy(backend):
    rng = np.random.default_rng(0)
    Xn = rng.normal(size=(20, 2))
    yn = (Xn @ np.array([2.0, -3.4]) + 4.2).reshape(-1, 1)
    w0 = rng.normal(0, 0.01, (2, 1))
    w = ad.tensor(_a(w0), requires_grad=True)
    b = ad.tensor(gnp.zeros(1), requires_grad=True)
    X, y = ad.tensor(_a(Xn)), ad.tensor(_a(yn))
    wn, bn = w0.copy(), np.zeros(1)
    lr, bs = 0.03, 5
    perm = rng.permutation(20)  # the book's torch.randperm / shuffled indices
    indices = ad.tensor(_a(perm))
    for i in (list(range(0, 20, bs)) * 2):
        idx = indices[i:i + bs]
        sel = perm[i:i + bs]
        l = (X[idx] @ w + b - y[idx].reshape((-1, 1))) ** 2 / 2
        l.sum().backward()
        with ad.no_grad():
            for p in (w, b):
                p -= lr * p.grad / bs
                p.grad.zero_()
        r = Xn[sel] @ wn + bn - yn[sel]
        wn, bn = wn - lr * Xn[sel].T @ r / bs, bn - lr * r.sum(0) / bs
        _close(w, wn)
        _close(b, bn)
        assert float(w.grad.abs().sum()) == 0.0 and w.is_leaf


def _softmax_ce(W, b, X, y):
    X_exp = gnp.exp(gnp.matmul(X.reshape((-1, W.shape[0])), W) + b)
    y_hat = X_exp / X_exp.sum(1, keepdim=True)
    return -gnp.log(y_hat[range(len(y_hat)), y]).sum()


def test_softmax_regression_fancy_cross_entropy(backend):
    rng = np.random.default_rng(1)
    Xn, yn = rng.random((6, 2, 3)), rng.integers(0, 4, 6)
    W, b = rng.normal(size=(6, 4)), rng.normal(size=4)
    X, y = _a(Xn), ad.tensor(_a(yn))
    check_grads(lambda W, b: _softmax_ce(W, b, X, y), (_a(W), _a(b)), order=1, modes=("rev",))
    z = Xn.reshape(6, -1) @ W + b
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    gz = p - np.eye(4)[yn]
    gW, gb = ad.grad(lambda W, b: _softmax_ce(W, b, X, y), argnums=(0, 1))(_a(W), _a(b))
    _close(gW, Xn.reshape(6, -1).T @ gz)
    _close(gb, gz.sum(0))
    # d2l's accuracy: argmax, .type(y.dtype), comparison, float(sum)
    yh = ad.tensor(_a(p)).argmax(axis=1)
    assert float((yh.type(y.dtype) == y).type(y.dtype).sum()) == (p.argmax(1) == yn).sum()


# ---- corr2d by loops into a zeros Tensor, masked softmax ---------------------------------
def _corr2d(X, K):
    h, w = K.shape
    Y = ad.tensor(gnp.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1)))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def test_corr2d_loops_writes_differentiate(backend):
    rng = np.random.default_rng(2)
    Xn, Kn = rng.normal(size=(4, 5)), rng.normal(size=(2, 3))
    check_grads(lambda X, K: gnp.sum(_corr2d(X, K) ** 2), (_a(Xn), _a(Kn)), order=1,
                modes=("rev",))
    want = np.array([[(Xn[i:i + 2, j:j + 3] * Kn).sum() for j in range(3)] for i in range(3)])
    _close(_corr2d(ad.tensor(_a(Xn)), ad.tensor(_a(Kn))), want)
    # into a plain backend array a recorded write raises, naming the fix
    with pytest.raises((TypeError, ValueError)) as info:
        Y = gnp.zeros((3, 3))
        Y[0, 0] = (ad.tensor(_a(Xn), requires_grad=True)[:2, :3] * _a(Kn)).sum()
    assert "gpuad.tensor(" in str(info.value) + str(info.value.__cause__)


def _masked_softmax(X, valid_lens):
    shape = X.shape
    valid_lens = valid_lens.repeat_interleave(shape[1])
    X = X.reshape(-1, shape[-1])
    mask = gnp.arange(shape[-1])[None, :] < valid_lens[:, None]
    X[~mask] = -1e6
    return F.softmax(X.reshape(shape), dim=-1)


def test_masked_softmax_write_on_reshaped_copy(backend):
    rng = np.random.default_rng(3)
    S = rng.normal(size=(2, 3, 4))
    lens = ad.tensor(_a(np.array([2, 3])))
    check_grads(lambda s: gnp.sum(_masked_softmax(s * 1.0, lens) * gnp.cos(s)), (_a(S),),
                order=1, modes=("rev",))
    got = to_numpy(_masked_softmax(ad.tensor(_a(S)), lens))
    for bi, n in enumerate((2, 3)):
        e = np.exp(S[bi, :, :n] - S[bi, :, :n].max(-1, keepdims=True))
        np.testing.assert_allclose(got[bi, :, :n], e / e.sum(-1, keepdims=True), rtol=1e-12)
        np.testing.assert_array_equal(got[bi, :, n:], 0.0)


# ---- RNN from scratch: one-hot inputs, hand-written clipping -----------------------------
def _rnn_loss(W_xh, W_hh, b_h, W_hq, b_q, tokens, targets, vocab):
    inputs = F.one_hot(tokens.T, vocab).type(gnp.float64)
    H = gnp.zeros((tokens.shape[0], W_hh.shape[0]))
    outs = []
    for X in inputs:
        H = gnp.tanh(gnp.matmul(X, W_xh) + gnp.matmul(H, W_hh) + b_h)
        outs.append(gnp.matmul(H, W_hq) + b_q)
    return F.cross_entropy(gnp.concatenate(outs, axis=0), targets.T.reshape(-1))


def test_rnn_scratch_one_hot_and_clipping(backend):
    rng = np.random.default_rng(4)
    vocab, nh = 5, 4
    shapes = [(vocab, nh), (nh, nh), (nh,), (nh, vocab), (vocab,)]
    init = [rng.normal(size=s) * 0.5 for s in shapes]
    tokens, targets = ad.tensor(_a(rng.integers(0, vocab, (2, 3)))), \
        ad.tensor(_a(rng.integers(0, vocab, (2, 3))))
    oh = F.one_hot(tokens.T, vocab)
    assert isinstance(oh, ad.Tensor) and oh.dtype == np.int64 and oh.shape == (3, 2, vocab)
    assert oh.type(np.float32).dtype == np.float32 and oh.type() == "int64"
    check_grads(lambda *p: _rnn_loss(*p, tokens, targets, vocab), tuple(_a(p) for p in init),
                order=1, modes=("rev",))
    params = [ad.tensor(_a(p), requires_grad=True) for p in init]
    _rnn_loss(*params, tokens, targets, vocab).backward()
    raw = [to_numpy(p.grad) for p in params]
    norm = gnp.sqrt(sum(gnp.sum(p.grad ** 2) for p in params))
    theta = 0.5 * float(norm)
    for p in params:
        p.grad[:] *= theta / norm
    for p, g in zip(params, raw, strict=True):
        _close(p.grad, g * theta / np.sqrt(sum((r ** 2).sum() for r in raw)))


# ---- batch norm from scratch -------------------------------------------------------------
def _batch_norm(X, gamma, beta, moving_mean, moving_var, eps=1e-5, momentum=0.1):
    if not ad.is_grad_enabled():
        return gamma * (X - moving_mean) / (moving_var + eps).sqrt() + beta, moving_mean, \
            moving_var
    mean = X.mean(dim=(0, 2, 3), keepdim=True)
    var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
    X_hat = (X - mean) / (var + eps).sqrt()
    with ad.no_grad():
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    return gamma * X_hat + beta, moving_mean.detach(), moving_var.detach()


def test_batch_norm_scratch(backend):
    rng = np.random.default_rng(5)
    Xn, g, b = rng.normal(size=(3, 2, 2, 3)), rng.normal(size=(1, 2, 1, 1)), \
        rng.normal(size=(1, 2, 1, 1))
    mm, mv = ad.tensor(gnp.zeros((1, 2, 1, 1))), ad.tensor(gnp.ones((1, 2, 1, 1)))
    check_grads(lambda X, g, b: gnp.sum(gnp.sin(_batch_norm(X, g, b, mm, mv)[0])),
                (_a(Xn), _a(g), _a(b)), order=1, modes=("rev",))
    X = ad.tensor(_a(Xn), requires_grad=True)
    Y, mm2, mv2 = _batch_norm(X, ad.tensor(_a(g)), ad.tensor(_a(b)), mm, mv)
    assert Y.requires_grad and not mm2.requires_grad and not mv2.requires_grad
    m, v = Xn.mean((0, 2, 3), keepdims=True), Xn.var((0, 2, 3), keepdims=True)
    _close(mm2, 0.1 * m)
    _close(mv2, 0.9 + 0.1 * v)
    with ad.no_grad():
        Ye = _batch_norm(X, ad.tensor(_a(g)), ad.tensor(_a(b)), mm2, mv2)[0]
    _close(Ye, g * (Xn - 0.1 * m) / np.sqrt(0.9 + 0.1 * v + 1e-5) + b)


# ---- torch calls a port meets -------------------------------------------------------------
def test_repeat_interleave(backend):
    x = ad.tensor(_a(np.arange(6.0).reshape(2, 3)), requires_grad=True)
    _close(x.repeat_interleave(2), np.repeat(np.arange(6.0), 2))
    r = x.repeat_interleave(ad.tensor(_a(np.array([1, 2]))), dim=0)
    _close(r, np.arange(6.0).reshape(2, 3)[[0, 1, 1]])
    r.sum().backward()
    _close(x.grad, np.array([[1.0] * 3, [2.0] * 3]))
    with pytest.raises(ValueError, match="output_size"):
        x.repeat_interleave(2, dim=1, output_size=5)


def test_torch_max_of_two_arrays_is_refused_clearly(backend):
    # torch.max(zeros_like(X), X) ported as gnp.max reads X as an axis
    X = ad.tensor(_a(np.array([[-1.0, 2.0], [3.0, -4.0]])), requires_grad=True)
    for call in (lambda: gnp.max(gnp.zeros_like(X), X), lambda: X.max(_a(np.zeros((2, 2))))):
        with pytest.raises(TypeError, match="gnp.maximum"):
            call()
    _close(gnp.maximum(gnp.zeros_like(X), X), np.array([[0.0, 2.0], [3.0, 0.0]]))
    # a float axis is refused, as NumPy refuses it (it was truncated to an int)
    for call in (lambda: gnp.sum(X, (0, 1.5)), lambda: gnp.max(X, (1.7,)),
                 lambda: gnp.mean(X, 1.0), lambda: gnp.sum(X, ad.tensor(_a(np.array(1.0))))):
        with pytest.raises(TypeError, match="axis must be an int"):
            call()
    assert gnp.sum(X, np.int64(1)).shape == (2,)
    assert gnp.sum(X, ad.tensor(_a(np.array(1)))).shape == (2,)


def test_one_element_tensor_to_python_number(backend):
    # d2l's predict_ch8: outputs.append(int(y.argmax(dim=1).reshape(1)))
    y = ad.tensor(_a(np.array([[0.1, 0.7, 0.2]])), requires_grad=True)
    assert int(y.argmax(dim=1).reshape(1)) == 1
    assert float(y[:, 1:2] * 2) == pytest.approx(1.4) and complex(y[0, :1]) == 0.1
    with pytest.raises(TypeError, match="only one-element"):
        int(y.argmax(dim=0))


# ---- lazy layers (d2l 1.0 builds every model with them) ----------------------------------
def test_lazy_layers_fill_their_placeholders(backend):
    from gpuad import nn, optim

    rng = np.random.default_rng(6)
    net = nn.Sequential(nn.LazyConv2d(2, 3, padding=1, bias=False), nn.LazyBatchNorm2d(),
                        nn.Flatten(), nn.LazyLinear(3))
    held = net.parameters()
    assert [p.shape for p in held] == [(0,)] * 5 and "uninitialized" in repr(net)
    opt = optim.SGD(held, lr=0.1)
    # initialising before the first call would be overwritten by it: refused, as in torch
    for init in (lambda m: nn.init.normal_(m.weight, std=0.01), lambda m: m.weight.zero_()):
        with pytest.raises(ValueError, match="before the layer has seen an input"):
            init(net[3])
    net.eval()  # kept through the first call
    x = _a(rng.normal(size=(2, 1, 4, 4)))
    with ad.no_grad():
        net(x)
    assert [type(m).__name__ for m in net.layers] == ["Conv2d", "BatchNorm2d", "Flatten",
                                                      "Linear"]
    assert not net[1].training and net[0].bias is None
    now = net.parameters()
    assert all(a is b for a, b in zip(now, held, strict=True))
    assert [p.shape for p in now] == [(2, 1, 3, 3), (2,), (2,), (3, 32), (3,)]

    def loss(w, b):
        h = F.conv2d(x, net[0].weight.detach(), None, 1, 1)
        h = (h - net[1].running_mean[:, None, None]) / gnp.sqrt(
            net[1].running_var[:, None, None] + 1e-5)
        return gnp.sum(gnp.sin(h.reshape(2, -1) @ w.T + b))

    w, b = np.array(to_numpy(net[3].weight)), np.array(to_numpy(net[3].bias))
    check_grads(loss, (_a(w), _a(b)), order=1, modes=("rev",))
    gw, gb = ad.grad(loss, argnums=(0, 1))(_a(w), _a(b))
    gnp.sum(gnp.sin(net(x))).backward()
    _close(net[3].weight.grad, to_numpy(gw))
    opt.step()
    _close(net[3].weight, w - 0.1 * to_numpy(gw))
    _close(net[3].bias, b - 0.1 * to_numpy(gb))
    # unbatched (C, H, W) input to a lazy convolution; an empty input size raises
    assert nn.LazyConv2d(4, 3)(_a(np.zeros((5, 6, 6)))).shape == (4, 4, 4)
    with pytest.raises(ValueError, match="LazyLinear: cannot infer"):
        nn.LazyLinear(3)(_a(np.zeros((2, 0))))


def test_sequential_runs_modules_added_by_name(backend):
    # d2l's transformer: blks = nn.Sequential(); blks.add_module("block0", ...); for blk in blks
    from gpuad import nn

    rng = np.random.default_rng(7)
    s = nn.Sequential(nn.Linear(2, 3), gnp.tanh)
    s.add_module("head", nn.Linear(3, 1))
    assert len(s) == 3 and [type(m).__name__ for m in s][2] == "Linear"
    x = _a(rng.normal(size=(4, 2)))
    w0, b0, w1, b1 = (np.array(to_numpy(p)) for p in s.parameters())
    _close(s(x), np.tanh(to_numpy(x) @ w0.T + b0) @ w1.T + b1)
    empty = nn.Sequential()
    empty.register_module("b0", nn.Linear(2, 2))
    assert len(empty) == 1 and "(b0): Linear" in repr(empty)
    with pytest.raises(KeyError):
        empty.add_module("a.b", nn.Linear(2, 2))
    with pytest.raises(TypeError):
        empty.add_module("f", gnp.tanh)


def test_random_in_place_fills(backend):
    # d2l: net[0].weight.data.normal_(0, 0.01); in gpuad under no_grad on the Parameter
    from gpuad import nn

    net = nn.Sequential(nn.Linear(100, 200))
    before = net[0].weight._ver[0]
    with ad.no_grad():
        w = net[0].weight.normal_(0, 0.01)
        net[0].bias.uniform_(-0.5, 0.5)
    assert w is net[0].weight and w._ver[0] > before and w.requires_grad
    v = to_numpy(w)
    assert abs(v.std() - 0.01) < 1e-3 and abs(v.mean()) < 1e-3
    b = to_numpy(net[0].bias)
    assert b.min() >= -0.5 and b.max() < 0.5 and b.std() > 0.2
    with pytest.raises(ad.GradError, match="leaf"):
        net[0].weight.normal_()
    m = ad.tensor(gnp.zeros(4000, dtype=np.float32)).bernoulli_(0.25)
    assert m.dtype == np.float32 and set(np.unique(to_numpy(m))) <= {0.0, 1.0}
    assert abs(float(m.mean()) - 0.25) < 0.05
    with pytest.raises(ValueError, match="bernoulli_"):
        m.bernoulli_(1.5)


def test_tensor_type(backend):
    x = ad.tensor(_a(np.array([1.5, -2.0])), requires_grad=True)
    assert x.type() == "float64" and x.type(np.float32).dtype == np.float32
    assert x.type(np.int64).tolist() == [1, -2] and x.type(x.dtype) is x
    device = "cpu" if backend == "numpy" else "cuda"
    other = "cuda" if backend == "numpy" else "cpu"
    prefix = "torch." if device == "cpu" else "torch.cuda."
    assert x.type(prefix + "FloatTensor").dtype == np.float32
    assert x.type(prefix + "LongTensor").dtype == np.int64
    with pytest.raises(RuntimeError, match="Tensor.type"):
        x.type(("torch." if other == "cpu" else "torch.cuda.") + "FloatTensor")
    with pytest.raises(TypeError, match="unknown tensor type"):
        x.type("torch.FooTensor")
    y = x.type(np.float32)
    (y * y).sum().backward()
    _close(x.grad, np.array([3.0, -4.0]))


def test_module_requires_grad_freezes_a_part(backend):
    # fine-tuning: a frozen backbone gets no gradient and no update, the head trains
    from gpuad import nn, optim

    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert net[0].requires_grad_(False) is net[0]
    assert [p.requires_grad for p in net.parameters()] == [False, False, True, True]
    opt = optim.SGD(net.parameters(), lr=0.1)
    w0 = np.array(to_numpy(net[0].weight))
    h0 = np.array(to_numpy(net[2].weight))
    net(_a(np.ones((4, 2)))).sum().backward()
    opt.step()
    assert net[0].weight.grad is None and net[2].weight.grad is not None
    _close(net[0].weight, w0)
    assert not np.allclose(to_numpy(net[2].weight), h0)
    assert net.requires_grad_() is net and all(p.requires_grad for p in net.parameters())


def test_bce_with_logits_weight_pos_weight(backend):
    # word2vec's masked loss: binary_cross_entropy_with_logits(pred, label, weight=mask)
    rng = np.random.default_rng(8)
    z, y = rng.normal(size=(3, 4)) * 2, (rng.random((3, 4)) > 0.5).astype(float)
    w, pw = rng.random((3, 4)), rng.random(4) * 2

    def ref(z):
        p = 1 / (1 + np.exp(-z))
        return -w * (pw * y * np.log(p) + (1 - y) * np.log(1 - p))

    def f(z):
        return F.binary_cross_entropy_with_logits(z, _a(y), weight=_a(w), pos_weight=_a(pw),
                                                  reduction="none")

    _close(f(_a(z)), ref(z))
    check_grads(lambda z: gnp.sum(gnp.sin(f(z))), (_a(z),), order=2, modes=("rev",))
    _close(F.binary_cross_entropy_with_logits(_a(z), _a(y), _a(w)), (ref(z) / pw ** y).mean())


def test_sequential_slice_and_append(backend):
    from gpuad import nn

    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh())
    x = _a(np.random.default_rng(9).normal(size=(5, 2)))
    head, tail = net[:2], net[2:]
    assert isinstance(head, nn.Sequential) and len(tail) == 2
    assert [n for n, _ in tail.named_parameters()] == ["2.weight", "2.bias"]
    _close(tail(head(x)), to_numpy(net(x)))
    assert net.append(nn.Linear(4, 1)) is net and len(net) == 5 and net(x).shape == (5, 1)


def test_init_seq2seq_through_torch_internals(backend):
    # d2l's init_seq2seq loops over module._flat_weights_names and module._parameters
    from gpuad import nn

    def init_seq2seq(module):
        if type(module) is nn.Linear:
            nn.init.xavier_uniform_(module.weight)
        if type(module) is nn.GRU:
            for param in module._flat_weights_names:
                if "weight" in param:
                    nn.init.constant_(module._parameters[param], 0.5)

    net = nn.Sequential(nn.GRU(3, 4, num_layers=2), nn.Linear(4, 2))
    assert net[0]._flat_weights_names == [n for n, _ in net[0].named_parameters()]
    assert net[0]._flat_weights_names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                              "bias_hh_l0"]
    net.apply(init_seq2seq)
    for n, p in net[0].named_parameters():
        assert (np.all(to_numpy(p) == 0.5)) == ("weight" in n)
    assert list(net[1]._parameters) == ["weight", "bias"]
    with pytest.raises(TypeError):
        net[1]._parameters["weight"] = None


def test_lazy_layers_load_a_state_dict_before_a_call(backend):
    from gpuad import nn

    src = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    dst = nn.Sequential(nn.LazyLinear(4), nn.LazyLinear(2))
    dst.load_state_dict(src.state_dict())
    assert [type(m).__name__ for m in dst] == ["Linear", "Linear"]
    x = _a(np.random.default_rng(10).normal(size=(5, 3)))
    _close(dst(x), to_numpy(src(x)))
