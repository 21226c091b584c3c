"""Training programs of pytorch/examples and pytorch/tutorials, written once against a
``torch``-like namespace ``T`` and run twice: with PyTorch itself and with gpuad (``T`` then
maps the few torch functions a model calls, ``cat``, ``zeros``, ``bmm``, ..., onto
``gpuad.numpy``; modules, functional, optimizers and Tensor methods are gpuad's own).

Every program starts from torch's initial weights (its ``state_dict`` loaded by name), takes
two or three training steps on the same data in float64, and must give torch's losses,
gradients, parameters and buffers to 1e-9; the gpuad half also runs as one compiled training
step (``gpuad.jit``) and must equal its eager run to 1e-12 (on the slow CuPy stand-in only the
compiled run is made, and compared with torch). Sizes are toys.

Where a port differs from its original (a gpuad choice documented in docs/porting.md), the
line says so: ``x.shape[0]`` for ``x.size(0)`` (``size`` is NumPy's int), dropout off (the
two libraries draw different masks), the noise of the VAE passed in rather than drawn,
``p.add_(..)`` under ``no_grad`` for ``p.data.add_(..)``, and an ``autograd.Function`` is
not compiled (gpuad.jit refuses it).
"""

from __future__ import annotations

import contextlib
import math
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.nn import functional as F

R = np.random.default_rng(31)


def _xp():
    return ad.get_backend().xp


def gpuad_T():
    """The torch names the ports call, for gpuad."""
    xp = _xp()
    T = types.SimpleNamespace(
        nn=nn,
        F=F,
        optim=optim,
        no_grad=ad.no_grad,
        Tensor=ad.Tensor,
        tensor=lambda a: ad.tensor(xp.asarray(a)),
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        zeros=lambda *s: ad.tensor(xp.zeros(s)),
        full=lambda s, v, dtype=float: ad.tensor(xp.full(s, v, dtype=dtype)),
        arange=lambda *a: ad.tensor(xp.arange(*a, dtype=float)),
        ones=lambda *s: ad.tensor(xp.ones(s)),
        triu=lambda x, diagonal=0: x.triu(diagonal),
        tanh=gnp.tanh,
        sigmoid=lambda x: x.sigmoid(),
        exp=gnp.exp,
        sin=gnp.sin,
        cos=gnp.cos,
        sum=gnp.sum,
        bmm=lambda a, b: a.bmm(b),
        long=np.int64,
        binary_cross_entropy=F.binary_cross_entropy,
    )
    return T


def torch_T(torch):
    T = types.SimpleNamespace(
        **{
            k: getattr(torch, k)
            for k in (
                "nn",
                "optim",
                "no_grad",
                "Tensor",
                "cat",
                "zeros",
                "full",
                "arange",
                "ones",
                "triu",
                "tanh",
                "sigmoid",
                "exp",
                "sin",
                "cos",
                "sum",
                "bmm",
                "long",
            )
        }
    )
    T.F = torch.nn.functional
    T.tensor = torch.tensor
    T.binary_cross_entropy = torch.nn.functional.binary_cross_entropy
    return T


@contextlib.contextmanager
def _torch64():
    torch = pytest.importorskip("torch")
    old, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)  # toy sizes: threads only cost time
    try:
        yield torch
    finally:
        torch.set_default_dtype(old)
        torch.set_num_threads(threads)


def _load(gmodel, tmodel):
    """torch's weights and buffers, by name, into the gpuad model."""
    xp = _xp()
    gmodel.load_state_dict(
        {k: xp.asarray(v.detach().numpy()) for k, v in tmodel.state_dict().items()}
    )


def _arr(t):
    if hasattr(t, "detach") and not isinstance(t, ad.Tensor):
        return t.detach().numpy()
    return to_numpy(t)


def _close(a, b, rtol, atol=None):
    np.testing.assert_allclose(
        _arr(a), _arr(b), rtol=rtol, atol=rtol * 1e-3 if atol is None else atol
    )


def _same_models(g, t, rtol=1e-9, noisy=()):
    """Parameters, their gradients and the buffers of two models, by name. The ``noisy``
    parameters get a gradient that is zero but for rounding, which Adam scales up to steps
    of ``lr * |g| / eps``: their values agree to 1e-10 absolute only."""
    gp, tp = dict(g.named_parameters()), dict(t.named_parameters())
    assert sorted(gp) == sorted(tp)
    for k, p in gp.items():
        _close(p, tp[k], rtol, 1e-10 if k in noisy else None)
        assert (p.grad is None) == (tp[k].grad is None), k
        if p.grad is not None:
            _close(p.grad, tp[k].grad, rtol, 1e-12 if k in noisy else None)
    gb, tb = dict(g.named_buffers()), dict(t.named_buffers())
    assert sorted(gb) == sorted(tb)
    for k, b in gb.items():
        _close(b, tb[k], rtol)


def _flat(x):
    """Losses and outputs (nested lists and tuples of tensors of either library) as one
    float array."""
    if isinstance(x, (list, tuple)):
        return np.concatenate([_flat(e) for e in x]) if x else np.zeros(0)
    return np.ravel(_arr(x)).astype(float)


def _modes(backend):
    """Which gpuad runs a test makes: eager and compiled on NumPy; on the (slow) CuPy
    stand-in the compiled run only, which then must give torch's values itself."""
    return (False, True) if backend == "numpy" else (True,)


def _agree(runs, want, want_models, noisy=()):
    """The first gpuad run gives torch's values (1e-9); a compiled run after an eager one
    gives the eager values (1e-12). A run is (values, models); models as torch's, in order."""
    (got, models), rest = runs[0], runs[1:]
    np.testing.assert_allclose(_flat(got), _flat(want), rtol=1e-9, atol=1e-12)
    for g, t in zip(models, want_models, strict=True):
        _same_models(g, t, noisy=noisy)
    for jgot, jmodels in rest:
        np.testing.assert_allclose(_flat(jgot), _flat(got), rtol=1e-12, atol=1e-15)
        for j, g in zip(jmodels, models, strict=True):
            _same_models(j, g, rtol=1e-12, noisy=noisy)


def _twin(build, T, tmodel, *args):
    g = build(T)(*args)
    _load(g, tmodel)
    return g


# ---- examples/mnist: Conv2d, max_pool2d, log_softmax, nll_loss, Adadelta + StepLR ------------


def mnist_net(T):
    nn, F = T.nn, T.F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 2, 3, 1)
            self.conv2 = nn.Conv2d(2, 3, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(12, 6)
            self.fc2 = nn.Linear(6, 4)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = x.flatten(1)  # torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    return Net


def mnist_train(T, model, optimizer, batches, step):
    """main.py's train() over ``batches`` (one epoch each), StepLR(step_size=1, gamma=0.7)
    after every epoch; dropout off (eval) so both libraries compute the same function."""
    scheduler = T.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    losses = []
    for data, target in batches:
        losses.append(step(model, optimizer, T.tensor(data), T.tensor(target)))
        scheduler.step()
    return losses


def mnist_step(T):
    def step(model, optimizer, data, target):
        optimizer.zero_grad()
        output = model(data)
        loss = T.F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        return loss

    return step


def test_mnist(backend):
    batches = [(R.standard_normal((3, 1, 8, 8)), R.integers(0, 4, 3)) for _ in range(2)]
    with _torch64() as torch:
        torch.manual_seed(1)
        T = torch_T(torch)
        tm = mnist_net(T)().eval()
        w0 = {k: v.clone() for k, v in tm.state_dict().items()}
        topt = torch.optim.Adadelta(tm.parameters(), lr=1.0)
        tl = mnist_train(T, tm, topt, batches, mnist_step(T))
        tm0 = mnist_net(T)()
        tm0.load_state_dict(w0)
    G = gpuad_T()
    runs = []
    for compiled in _modes(backend):
        step = ad.jit(mnist_step(G)) if compiled else mnist_step(G)
        g = _twin(mnist_net, G, tm0).eval()
        opt = optim.Adadelta(g.parameters(), lr=1.0)
        runs.append((mnist_train(G, g, opt, batches, step), [g]))
    _agree(runs, tl, [tm])


# ---- examples/word_language_model: Embedding, LSTM/GRU, tied weights, clipping --------------


def rnn_model(T):
    nn, F = T.nn, T.F

    class RNNModel(nn.Module):
        def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
            super().__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            if tie_weights:
                self.decoder.weight = self.encoder.weight
            self.init_weights()
            self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

        def init_weights(self):
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output)
            decoded = decoded.view(-1, self.ntoken)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            if self.rnn_type == "LSTM":
                return (
                    weight.new_zeros((self.nlayers, bsz, self.nhid)),
                    weight.new_zeros((self.nlayers, bsz, self.nhid)),
                )
            return weight.new_zeros((self.nlayers, bsz, self.nhid))

    return RNNModel


def repackage_hidden(T, h):
    if isinstance(h, T.Tensor):
        return h.detach()
    return tuple(repackage_hidden(T, v) for v in h)


def lm_step(T, clip, lr):
    def step(model, hidden, data, targets):
        model.zero_grad()
        hidden = repackage_hidden(T, hidden)
        output, hidden = model(data, hidden)
        loss = T.F.nll_loss(output, targets)
        loss.backward()
        T.nn.utils.clip_grad_norm_(model.parameters(), clip)
        with T.no_grad():  # p.data.add_(p.grad, alpha=-lr)
            for p in model.parameters():
                p.add_(p.grad, alpha=-lr)
        return loss, hidden

    return step


def lm_train(T, model, step, data, bptt):
    hidden, losses = model.init_hidden(data.shape[1]), []
    for i in range(0, data.shape[0] - 1, bptt):
        seq_len = min(bptt, len(data) - 1 - i)
        d, t = T.tensor(data[i : i + seq_len]), T.tensor(data[i + 1 : i + 1 + seq_len].reshape(-1))
        loss, hidden = step(model, hidden, d, t)
        losses.append(loss)
    return losses


def test_word_language_model(backend):
    # LSTM, two layers, tied encoder and decoder (the GRU runs in the seq2seq port)
    tie = True
    args = ("LSTM", 7, 4, 4, 2, 0.2, tie)
    data = R.integers(0, 7, (5, 2))  # batchify: (steps, batch) token ids
    with _torch64() as torch:
        torch.manual_seed(2)
        T = torch_T(torch)
        tm = rnn_model(T)(*args)
        tm.eval()  # dropout off
        w0 = {k: v.clone() for k, v in tm.state_dict().items()}
        tl = lm_train(T, tm, lm_step(T, 0.25, 20.0), data, 2)
        tm0 = rnn_model(T)(*args)
        tm0.load_state_dict(w0)
    G = gpuad_T()
    runs = []
    for compiled in _modes(backend):
        g = _twin(rnn_model, G, tm0, *args).eval()
        assert (g.decoder.weight is g.encoder.weight) == tie
        step = lm_step(G, 0.25, 20.0)
        runs.append((lm_train(G, g, ad.jit(step) if compiled else step, data, 2), [g]))
    _agree(runs, tl, [tm])


# ---- examples/dcgan: ConvTranspose2d, BatchNorm2d (buffers), LeakyReLU, BCELoss, Adam ------

NZ, NGF, NDF, NC = 3, 4, 2, 1


def dcgan_nets(T):
    nn = T.nn

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(NZ, NGF, 4, 1, 0, bias=False),  # 4x4
                nn.BatchNorm2d(NGF),
                nn.ReLU(True),
                nn.ConvTranspose2d(NGF, NC, 4, 2, 1, bias=False),  # 8x8
                nn.Tanh(),
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(NC, NDF, 4, 2, 1, bias=False),  # 4x4
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False),  # 2x2
                nn.BatchNorm2d(NDF * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(NDF * 2, 1, 2, 1, 0, bias=False),  # 1x1
                nn.Sigmoid(),
            )

        def forward(self, input):
            output = self.main(input)
            return output.view(-1, 1).squeeze(1)

    return Generator, Discriminator


def weights_init(m):
    """main.py's weights_init (run on the torch side: gpuad loads the result)."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)


def dcgan_step(T):
    criterion = T.nn.BCELoss()
    real_label, fake_label = 1.0, 0.0

    def step(netD, netG, optimizerD, optimizerG, real_cpu, noise):
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        batch_size = real_cpu.shape[0]  # real_cpu.size(0)
        label = T.full((batch_size,), real_label)
        output = netD(real_cpu)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean()
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean()
        errD = errD_real + errD_fake
        optimizerD.step()
        # (2) Update G network: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean()
        optimizerG.step()
        return errD, errG, D_x, D_G_z1, D_G_z2

    return step


def dcgan_train(T, nets, step, data):
    netG, netD = nets
    optimizerD = T.optim.Adam(netD.parameters(), lr=0.05, betas=(0.5, 0.999))
    optimizerG = T.optim.Adam(netG.parameters(), lr=0.05, betas=(0.5, 0.999))
    return [step(netD, netG, optimizerD, optimizerG, T.tensor(x), T.tensor(z)) for x, z in data]


def test_dcgan(backend):
    data = [(R.uniform(-1, 1, (3, NC, 8, 8)), R.standard_normal((3, NZ, 1, 1))) for _ in range(2)]
    with _torch64() as torch:
        torch.manual_seed(3)
        T = torch_T(torch)
        tG, tD = (net() for net in dcgan_nets(T))
        tG.apply(weights_init)
        tD.apply(weights_init)
        w0 = [{k: v.clone() for k, v in n.state_dict().items()} for n in (tG, tD)]
        tl = dcgan_train(T, (tG, tD), dcgan_step(T), data)
        t0 = [net() for net in dcgan_nets(T)]
        for n, w in zip(t0, w0, strict=True):
            n.load_state_dict(w)
    G = gpuad_T()
    runs = []
    for compiled in _modes(backend):
        nets = [net() for net in dcgan_nets(G)]
        for n, t in zip(nets, t0, strict=True):
            _load(n, t)
        step = dcgan_step(G)
        runs.append((dcgan_train(G, nets, ad.jit(step) if compiled else step, data), nets))
    _agree(runs, tl, [tG, tD])
    assert int(runs[0][1][1].main[3].num_batches_tracked.item()) == 3 * len(data)


# ---- examples/vae: Linear, relu, sigmoid, reparameterisation, BCE(sum) + KLD, Adam -----------


def vae_model(T):
    nn, F = T.nn, T.F

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(16, 6)
            self.fc21 = nn.Linear(6, 2)
            self.fc22 = nn.Linear(6, 2)
            self.fc3 = nn.Linear(2, 6)
            self.fc4 = nn.Linear(6, 16)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar, eps):
            std = T.exp(0.5 * logvar)
            return mu + eps * std  # eps = torch.randn_like(std): drawn once, passed to both

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return T.sigmoid(self.fc4(h3))

        def forward(self, x, eps):
            mu, logvar = self.encode(x.view(-1, 16))
            z = self.reparameterize(mu, logvar, eps)
            return self.decode(z), mu, logvar

    return VAE


def vae_step(T):
    def loss_function(recon_x, x, mu, logvar):
        BCE = T.binary_cross_entropy(recon_x, x.view(-1, 16), reduction="sum")
        KLD = -0.5 * T.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return BCE + KLD

    def step(model, optimizer, data, eps):
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data, eps)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        optimizer.step()
        return loss

    return step


def vae_train(T, model, step, batches):
    model.train()
    optimizer = T.optim.Adam(model.parameters(), lr=1e-2)
    return [step(model, optimizer, T.tensor(x), T.tensor(e)) for x, e in batches]


def test_vae(backend):
    batches = [(R.uniform(0, 1, (3, 1, 4, 4)), R.standard_normal((3, 2))) for _ in range(2)]
    with _torch64() as torch:
        torch.manual_seed(4)
        T = torch_T(torch)
        tm = vae_model(T)()
        w0 = {k: v.clone() for k, v in tm.state_dict().items()}
        tl = vae_train(T, tm, vae_step(T), batches)
        tm0 = vae_model(T)()
        tm0.load_state_dict(w0)
    G = gpuad_T()
    runs = []
    for compiled in _modes(backend):
        g = _twin(vae_model, G, tm0)
        step = ad.jit(vae_step(G)) if compiled else vae_step(G)
        runs.append((vae_train(G, g, step, batches), [g]))
    _agree(runs, tl, [tm])


# ---- examples/time_sequence_prediction: two LSTMCells, Linear, MSELoss, LBFGS ----------------

HID = 5


def sequence_model(T):
    nn = T.nn

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = nn.LSTMCell(1, HID)
            self.lstm2 = nn.LSTMCell(HID, HID)
            self.linear = nn.Linear(HID, 1)

        def forward(self, input, future=0):
            outputs = []
            n = input.shape[0]  # input.size(0)
            h_t, c_t = T.zeros(n, HID), T.zeros(n, HID)
            h_t2, c_t2 = T.zeros(n, HID), T.zeros(n, HID)
            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for _ in range(future):  # if we should predict the future
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            return T.cat(outputs, dim=1)

    return Sequence


def sequence_train(T, seq, input, target, test_input, jit=None):
    criterion = T.nn.MSELoss()
    optimizer = T.optim.LBFGS(seq.parameters(), lr=0.8, max_iter=2)

    def closure():
        optimizer.zero_grad()
        out = seq(input)
        loss = criterion(out, target)
        loss.backward()
        return loss

    step = jit(closure) if jit else closure
    losses, preds = [], []
    for _ in range(2):
        losses.append(optimizer.step(step))
        with T.no_grad():
            pred = seq(test_input, future=1)
            preds.append(criterion(pred[:, :-1], target[:1]))
    return losses, preds


def test_time_sequence_prediction(backend):
    t = np.arange(5) + R.integers(-4, 4, (3, 1))
    data = np.sin(t / 3.0)
    parts = data[1:, :-1], data[1:, 1:], data[:1, :-1]
    with _torch64() as torch:
        torch.manual_seed(5)
        T = torch_T(torch)
        tm = sequence_model(T)()
        w0 = {k: v.clone() for k, v in tm.state_dict().items()}
        tl, tp = sequence_train(T, tm, *(torch.tensor(a) for a in parts))
        tm0 = sequence_model(T)()
        tm0.load_state_dict(w0)
    G = gpuad_T()
    runs = []
    for compiled in _modes(backend):
        g = _twin(sequence_model, G, tm0)
        jit = ad.jit if compiled else None
        runs.append((sequence_train(G, g, *(G.tensor(a) for a in parts), jit=jit), [g]))
    _agree(runs, (tl, tp), [tm])


# ---- tutorials: transformer language model (MultiheadAttention, causal float mask,
# PositionalEncoding buffer, LayerNorm) and the SDPA tutorial's CausalSelfAttention ---------


def transformer_model(T):
    nn, F = T.nn, T.F

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.1, max_len=16):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            position = T.arange(max_len).unsqueeze(1)
            div_term = T.exp(T.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = T.zeros(max_len, 1, d_model)
            with T.no_grad():
                pe[:, 0, 0::2] = T.sin(position * div_term)
                pe[:, 0, 1::2] = T.cos(position * div_term)
            self.register_buffer("pe", pe)

        def forward(self, x):
            x = x + self.pe[: x.shape[0]]  # self.pe[:x.size(0)]
            return self.dropout(x)

    class EncoderLayer(nn.Module):
        """nn.TransformerEncoderLayer (post-norm, relu), written out; the test checks it
        against torch's own."""

        def __init__(self, d_model, nhead, d_hid, dropout):
            super().__init__()
            self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout)
            self.linear1 = nn.Linear(d_model, d_hid)
            self.dropout = nn.Dropout(dropout)
            self.linear2 = nn.Linear(d_hid, d_model)
            self.norm1 = nn.LayerNorm(d_model)
            self.norm2 = nn.LayerNorm(d_model)
            self.dropout1 = nn.Dropout(dropout)
            self.dropout2 = nn.Dropout(dropout)

        def forward(self, src, src_mask):
            x = src
            sa = self.self_attn(x, x, x, attn_mask=src_mask, need_weights=False)[0]
            x = self.norm1(x + self.dropout1(sa))
            ff = self.linear2(self.dropout(F.relu(self.linear1(x))))
            return self.norm2(x + self.dropout2(ff))

    class CausalSelfAttention(nn.Module):
        def __init__(self, num_heads, embed_dimension, bias=False, is_causal=False, dropout=0.0):
            super().__init__()
            assert embed_dimension % num_heads == 0
            self.c_attn = nn.Linear(embed_dimension, 3 * embed_dimension, bias=bias)
            self.c_proj = nn.Linear(embed_dimension, embed_dimension, bias=bias)
            self.dropout = dropout
            self.resid_dropout = nn.Dropout(dropout)
            self.num_heads = num_heads
            self.embed_dimension = embed_dimension
            self.is_causal = is_causal

        def forward(self, x):
            query_projected = self.c_attn(x)
            batch_size = query_projected.shape[0]  # .size(0)
            embed_dim = query_projected.shape[2]
            head_dim = embed_dim // (self.num_heads * 3)
            query, key, value = query_projected.chunk(3, -1)
            query = query.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
            key = key.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
            value = value.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
            dropout, is_causal = (self.dropout, self.is_causal) if self.training else (0.0, False)
            y = F.scaled_dot_product_attention(
                query, key, value, attn_mask=None, dropout_p=dropout, is_causal=is_causal
            )
            y = y.transpose(1, 2).contiguous().view(batch_size, -1, self.num_heads * head_dim)
            return self.resid_dropout(self.c_proj(y))

    class TransformerModel(nn.Module):
        def __init__(self, ntoken, d_model, nhead, d_hid, dropout=0.0):
            super().__init__()
            self.pos_encoder = PositionalEncoding(d_model, dropout)
            self.layer = EncoderLayer(d_model, nhead, d_hid, dropout)
            self.embedding = nn.Embedding(ntoken, d_model)
            self.causal = CausalSelfAttention(nhead, d_model, is_causal=True)
            self.d_model = d_model
            self.linear = nn.Linear(d_model, ntoken)

        def forward(self, src, src_mask):
            src = self.embedding(src) * math.sqrt(self.d_model)
            src = self.pos_encoder(src)
            output = self.layer(src, src_mask)  # (seq, batch, d_model)
            output = output + self.causal(output.transpose(0, 1)).transpose(0, 1)
            return self.linear(output)

    return TransformerModel


def square_subsequent_mask(T, sz):
    """nn.Transformer.generate_square_subsequent_mask: -inf above the diagonal."""
    return T.triu(T.full((sz, sz), float("-inf")), diagonal=1)


def transformer_step(T, ntokens):
    criterion = T.nn.CrossEntropyLoss()

    def step(model, optimizer, data, targets, src_mask):
        output = model(data, src_mask)
        output_flat = output.view(-1, ntokens)
        loss = criterion(output_flat, targets)
        optimizer.zero_grad()
        loss.backward()
        T.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        return loss

    return step


def transformer_train(T, model, step, batches):
    model.train()
    optimizer = T.optim.SGD(model.parameters(), lr=5.0)
    scheduler = T.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
    src_mask = square_subsequent_mask(T, batches[0][0].shape[0])
    losses = []
    for data, targets in batches:
        losses.append(step(model, optimizer, T.tensor(data), T.tensor(targets), src_mask))
        scheduler.step()
    return losses


def test_transformer_language_model(backend):
    ntokens, args = 7, (7, 4, 2, 6)
    src = R.integers(0, ntokens, (7, 2))
    batches = [(src[i : i + 3], src[i + 1 : i + 4].reshape(-1)) for i in (0, 3)]
    with _torch64() as torch:
        torch.manual_seed(6)
        T = torch_T(torch)
        tm = transformer_model(T)(*args)
        # the written-out layer is torch's TransformerEncoderLayer
        ref = torch.nn.TransformerEncoderLayer(4, 2, 6, 0.0)
        ref.load_state_dict(tm.layer.state_dict())
        x, mask = torch.randn(3, 2, 4), square_subsequent_mask(T, 3)
        torch.testing.assert_close(tm.layer(x, mask), ref(x, mask, is_causal=True))
        w0 = {k: v.clone() for k, v in tm.state_dict().items()}
        tl = transformer_train(T, tm, transformer_step(T, ntokens), batches)
        tm0 = transformer_model(T)(*args)
        tm0.load_state_dict(w0)
    G = gpuad_T()
    runs = []
    for compiled in _modes(backend):
        g = _twin(transformer_model, G, tm0, *args)
        step = transformer_step(G, ntokens)
        runs.append((transformer_train(G, g, ad.jit(step) if compiled else step, batches), [g]))
    _agree(runs, tl, [tm])


# ---- tutorials: seq2seq translation (GRU encoder, Bahdanau attention decoder, teacher
# forcing, NLLLoss, two Adam optimizers; greedy decoding with topk) ---------------------------

SOS_token, MAX_LENGTH = 0, 3


def seq2seq_models(T):
    nn, F = T.nn, T.F

    class EncoderRNN(nn.Module):
        def __init__(self, input_size, hidden_size, dropout_p=0.1):
            super().__init__()
            self.hidden_size = hidden_size
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            output, hidden = self.gru(embedded)
            return output, hidden

    class BahdanauAttention(nn.Module):
        def __init__(self, hidden_size):
            super().__init__()
            self.Wa = nn.Linear(hidden_size, hidden_size)
            self.Ua = nn.Linear(hidden_size, hidden_size)
            self.Va = nn.Linear(hidden_size, 1)

        def forward(self, query, keys):
            scores = self.Va(T.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            context = T.bmm(weights, keys)
            return context, weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.1):
            super().__init__()
            self.embedding = nn.Embedding(output_size, hidden_size)
            self.attention = BahdanauAttention(hidden_size)
            self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, output_size)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.shape[0]  # .size(0)
            decoder_input = T.full((batch_size, 1), SOS_token, dtype=T.long)
            decoder_hidden = encoder_hidden
            decoder_outputs, attentions = [], []
            for i in range(MAX_LENGTH):
                decoder_output, decoder_hidden, attn_weights = self.forward_step(
                    decoder_input, decoder_hidden, encoder_outputs
                )
                decoder_outputs.append(decoder_output)
                attentions.append(attn_weights)
                if target_tensor is not None:
                    decoder_input = target_tensor[:, i].unsqueeze(1)  # teacher forcing
                else:
                    _, topi = decoder_output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()
            decoder_outputs = T.cat(decoder_outputs, dim=1)
            decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
            attentions = T.cat(attentions, dim=1)
            return decoder_outputs, decoder_hidden, attentions

        def forward_step(self, input, hidden, encoder_outputs):
            embedded = self.dropout(self.embedding(input))
            query = hidden.permute(1, 0, 2)
            context, attn_weights = self.attention(query, encoder_outputs)
            input_gru = T.cat((embedded, context), dim=2)
            output, hidden = self.gru(input_gru, hidden)
            output = self.out(output)
            return output, hidden, attn_weights

    return EncoderRNN, AttnDecoderRNN


def seq2seq_step(T):
    criterion = T.nn.NLLLoss()

    def train_epoch(
        input_tensor, target_tensor, encoder, decoder, encoder_optimizer, decoder_optimizer
    ):
        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()
        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)
        loss = criterion(
            decoder_outputs.view(-1, decoder_outputs.shape[-1]), target_tensor.view(-1)
        )
        loss.backward()
        encoder_optimizer.step()
        decoder_optimizer.step()
        return loss

    return train_epoch


def seq2seq_train(T, encoder, decoder, step, pairs):
    encoder_optimizer = T.optim.Adam(encoder.parameters(), lr=0.01)
    decoder_optimizer = T.optim.Adam(decoder.parameters(), lr=0.01)
    losses = [
        step(T.tensor(x), T.tensor(y), encoder, decoder, encoder_optimizer, decoder_optimizer)
        for x, y in pairs
    ]
    with T.no_grad():  # evaluate(): greedy decoding
        out, _, attn = decoder(*encoder(T.tensor(pairs[0][0])))
    return losses, out, attn


def test_seq2seq_translation(backend):
    pairs = [(R.integers(0, 6, (2, 3)), R.integers(1, 5, (2, MAX_LENGTH))) for _ in range(2)]
    with _torch64() as torch:
        torch.manual_seed(7)
        T = torch_T(torch)
        tenc, tdec = (
            m(*a).train() for m, a in zip(seq2seq_models(T), ((6, 4), (4, 5)), strict=True)
        )
        for m in (tenc, tdec):  # dropout off: the two libraries draw different masks
            m.dropout.p = 0.0
        w0 = [{k: v.clone() for k, v in m.state_dict().items()} for m in (tenc, tdec)]
        tl, tout, tattn = seq2seq_train(T, tenc, tdec, seq2seq_step(T), pairs)
    G = gpuad_T()
    runs = []
    for compiled in _modes(backend):
        enc, dec = (m(*a) for m, a in zip(seq2seq_models(G), ((6, 4), (4, 5)), strict=True))
        for m, w in zip((enc, dec), w0, strict=True):
            m.dropout.p = 0.0
            m.load_state_dict({k: _xp().asarray(v.numpy()) for k, v in w.items()})
        step = seq2seq_step(G)
        losses, out, attn = seq2seq_train(G, enc, dec, ad.jit(step) if compiled else step, pairs)
        runs.append(((losses, out, attn), [enc, dec]))
    # scores + Va.bias go through a softmax, which ignores a shift: Va.bias's gradient is
    # rounding noise
    _agree(runs, (tl, tout, tattn), [tenc, tdec], noisy=("attention.Va.bias",))


# ---- tutorials: polynomial_custom_function.py (an autograd.Function, ctx.save_for_backward)


def legendre_function(T, Function):
    class LegendrePolynomial3(Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    return LegendrePolynomial3


def legendre_fit(T, P3, x, y, steps, learning_rate=5e-4):
    a, b, c, d = (T.full((), v) for v in (0.0, -1.0, 0.0, 0.3))
    for p in (a, b, c, d):
        p.requires_grad_()
    losses = []
    for _ in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with T.no_grad():
            grads = [p.grad.clone() for p in (a, b, c, d)]
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    return losses, (a, b, c, d), grads


def test_legendre_autograd_function(backend):
    x = np.linspace(-math.pi, math.pi, 50)
    with _torch64() as torch:
        T = torch_T(torch)
        P3 = legendre_function(T, torch.autograd.Function)
        tl, tp, tg = legendre_fit(T, P3.apply, torch.tensor(x), torch.sin(torch.tensor(x)), 4)
    G = gpuad_T()
    P3 = legendre_function(G, ad.autograd.Function)
    gl, gp, gg = legendre_fit(G, P3.apply, G.tensor(x), G.sin(G.tensor(x)), 4)
    np.testing.assert_allclose(gl, tl, rtol=1e-9)
    for a, b in zip(gp + tuple(gg), tp + tuple(tg), strict=True):
        _close(a, b, 1e-9)
    # a Function under gpuad.jit is refused (documented: use custom_vjp), never replayed wrong
    with pytest.raises(ad.jit.TracerError, match="LegendrePolynomial3.apply cannot be compiled"):
        ad.jit(lambda v: P3.apply(v).sum())(G.tensor(x))


# ---- WGAN-GP (gulrajani et al.'s gan_toy/gan_mnist training loop): a critic's gradient
# penalty through torch.autograd.grad(create_graph=True), backward(mone), requires_grad
# toggled on the critic; Conv1d, GroupNorm, InstanceNorm1d, AdaptiveAvgPool1d and
# ConvTranspose1d layers, and NAdam / RAdam in place of the original's Adam -----------------

LAMBDA = 10.0


def wgan_nets(T):
    nn = T.nn

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 8)
            self.deconv = nn.ConvTranspose1d(2, 1, 4, stride=2, padding=1)

        def forward(self, noise):
            x = T.F.relu(self.fc(noise)).view(-1, 2, 4)
            return T.tanh(self.deconv(x))  # (N, 1, 8)

    class Critic(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv1d(1, 4, 3, padding=1),
                nn.GroupNorm(2, 4),
                nn.LeakyReLU(0.2),
                nn.Conv1d(4, 4, 3, stride=2, bias=False),  # a bias InstanceNorm would cancel
                nn.InstanceNorm1d(4, affine=True),
                nn.LeakyReLU(0.2),
                nn.AdaptiveAvgPool1d(2),
                nn.Flatten(),
                nn.Linear(8, 1),
            )

        def forward(self, x):
            return self.main(x).view(-1)

    return Generator, Critic


def wgan_step(T):
    def calc_gradient_penalty(netD, real_data, fake_data, alpha):
        interpolates = alpha * real_data + ((1 - alpha) * fake_data)
        interpolates.requires_grad_(True)  # autograd.Variable(interpolates, requires_grad=True)
        disc_interpolates = netD(interpolates)
        gradients = T.autograd.grad(
            outputs=disc_interpolates,
            inputs=interpolates,
            grad_outputs=T.ones(*disc_interpolates.shape),
            create_graph=True,
            retain_graph=True,
            only_inputs=True,
        )[0]
        gradients = gradients.view(gradients.shape[0], -1)
        return ((gradients.norm(2, dim=1) - 1) ** 2).mean() * LAMBDA

    def step(netG, netD, optimizerG, optimizerD, real_data, noise, alpha):
        one = T.full((), 1.0)
        mone = one * -1
        # (1) Update D network
        for p in netD.parameters():
            p.requires_grad = True
        netD.zero_grad()
        D_real = netD(real_data).mean()
        D_real.backward(mone)
        fake = netG(noise).detach()
        D_fake = netD(fake).mean()
        D_fake.backward(one)
        gradient_penalty = calc_gradient_penalty(netD, real_data, fake, alpha)
        gradient_penalty.backward()
        D_cost = D_fake - D_real + gradient_penalty
        Wasserstein_D = D_real - D_fake
        optimizerD.step()
        # (2) Update G network
        for p in netD.parameters():
            p.requires_grad = False  # to avoid computation
        netG.zero_grad()
        G = netD(netG(noise)).mean()
        G.backward(mone)
        G_cost = -G
        optimizerG.step()
        return D_cost.detach(), Wasserstein_D.detach(), G_cost.detach()

    return step


def wgan_train(T, netG, netD, step, batches):
    optimizerD = T.optim.NAdam(netD.parameters(), lr=1e-2, betas=(0.5, 0.9))
    optimizerG = T.optim.RAdam(netG.parameters(), lr=1e-2, betas=(0.5, 0.9))
    out = [step(netG, netD, optimizerG, optimizerD, *map(T.tensor, b)) for b in batches]
    for p in netD.parameters():
        p.requires_grad = True
    return out


def test_wgan_gp(backend):
    batches = [
        (R.standard_normal((3, 1, 8)), R.standard_normal((3, 3)), R.uniform(0, 1, (3, 1, 1)))
        for _ in range(2)
    ]
    with _torch64() as torch:
        torch.manual_seed(8)
        T = torch_T(torch)
        T.autograd = torch.autograd
        tG, tD = (net() for net in wgan_nets(T))
        w0 = [{k: v.clone() for k, v in n.state_dict().items()} for n in (tG, tD)]
        tl = wgan_train(T, tG, tD, wgan_step(T), batches)
    G = gpuad_T()
    G.autograd = ad.autograd
    runs = []
    for compiled in _modes(backend):
        nets = [net() for net in wgan_nets(G)]
        for n, w in zip(nets, w0, strict=True):
            n.load_state_dict({k: _xp().asarray(v.numpy()) for k, v in w.items()})
        step = wgan_step(G)
        runs.append((wgan_train(G, *nets, ad.jit(step) if compiled else step, batches), nets))
    _agree(runs, tl, [tG, tD])


# ---- what the ports rely on: torch's state_dict names ---------------------------------------


def tied_net(T):
    nn = T.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(5, 3)
            self.body = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3)))
            self.decoder = nn.Linear(3, 5)
            self.decoder.weight = self.encoder.weight
            self.norm = nn.BatchNorm1d(3)
            self.shared_norm = self.norm  # a module reachable under two names

    return Net


def test_state_dict_names_are_torch_names(backend):
    with _torch64() as torch:
        torch.manual_seed(9)
        t = tied_net(torch_T(torch))()
        tkeys = list(t.state_dict())
        tnames = [k for k, _ in t.named_parameters()]
        tall = [k for k, _ in t.named_parameters(remove_duplicate=False)]
    g = tied_net(gpuad_T())()
    assert sorted(g.state_dict()) == sorted(tkeys)
    assert [k for k, _ in g.named_parameters()] == tnames
    assert sorted(k for k, _ in g.named_parameters(remove_duplicate=False)) == sorted(tall)
    _load(g, t)  # every key, the tied weight's twice
    assert g.decoder.weight is g.encoder.weight and g.shared_norm is g.norm
    _same_models(g, t, rtol=0)
    params = g.parameters()
    assert next(params) is g.encoder.weight and next(params) is params[1]
    assert len(params) == len(tnames) and list(params) == [p for _, p in g.named_parameters()]
    assert isinstance(g.body[2], nn.Sequential) and len(g.body.layers) == 3
    assert "(0): Linear" in repr(g.body)
    assert repr(nn.ReLU(True)) == "ReLU(inplace=True)"  # dcgan's spelling, as torch shows it
    assert repr(nn.LeakyReLU(0.2, inplace=True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
