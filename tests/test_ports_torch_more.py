"""Small torch programs, written once against a torch-like namespace ``L`` and run with PyTorch
and with gpuad in float64 from torch's initial weights, on the same data and the same noise:
losses step by step and final weights must agree to 1e-9.

They use the torch APIs gpuad gained late: transformers with a causal mask, DataLoader over a
TensorDataset, gpuad.distributions, packed sequences through a bidirectional LSTM with
``proj_size``, Embedding(padding_idx), BatchNorm with ``ReLU(inplace=True)`` and bilinear
``interpolate``, and per-example gradients with ``gpuad.func``.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.nn import functional as F

torch = pytest.importorskip("torch")

R = np.random.default_rng(7)


def _xp():
    return ad.get_backend().xp


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, ad.Tensor):
        x = x.data
    xp = _xp()
    return xp.asnumpy(x) if hasattr(xp, "asnumpy") else np.asarray(x)


def gpuad_L():
    import gpuad.distributions as D
    import gpuad.func as func
    from gpuad.utils import data

    xp = _xp()
    return types.SimpleNamespace(
        nn=nn,
        F=F,
        optim=optim,
        D=D,
        func=func,
        data=data,
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        tensor=lambda a: ad.tensor(xp.asarray(a)),
        no_grad=ad.no_grad,
    )


def torch_L():
    return types.SimpleNamespace(
        nn=torch.nn,
        F=torch.nn.functional,
        optim=torch.optim,
        D=torch.distributions,
        func=torch.func,
        data=torch.utils.data,
        cat=torch.cat,
        tensor=torch.tensor,
        no_grad=torch.no_grad,
    )


@pytest.fixture
def t64():
    old, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_default_dtype(old)
        torch.set_num_threads(threads)


def _load(gmodel, tmodel):
    xp = _xp()
    gmodel.load_state_dict(
        {k: xp.asarray(v.detach().numpy()) for k, v in tmodel.state_dict().items()}
    )


def _same_weights(g, t, tol=1e-9):
    gs, ts = g.state_dict(), t.state_dict()
    assert sorted(gs) == sorted(ts)
    for k in ts:
        np.testing.assert_allclose(_np(gs[k]), _np(ts[k]), rtol=tol, atol=tol, err_msg=k)


def _run_both(build, train, *args):
    """Build with torch, copy its weights into gpuad's twin, train both; returns the losses."""
    torch.manual_seed(0)
    tl, gl = torch_L(), gpuad_L()
    tmodel, gmodel = build(tl), build(gl)
    _load(gmodel, tmodel)
    tlosses = train(tl, tmodel, *args)
    glosses = train(gl, gmodel, *args)
    np.testing.assert_allclose(np.array(glosses), np.array(tlosses), rtol=1e-9, atol=1e-12)
    _same_weights(gmodel, tmodel)
    return tmodel, gmodel


# ---- (1) a word-level language model: Embedding -> causal TransformerEncoder -> Linear ------


def lm_model(L, ntoken=11, d=8, nhead=2):
    class LM(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = L.nn.Embedding(ntoken, d)
            layer = L.nn.TransformerEncoderLayer(d, nhead, dim_feedforward=16, dropout=0.0)
            self.enc = L.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.out = L.nn.Linear(d, ntoken)

        def forward(self, src):  # src: (seq, batch) of ints
            n = src.shape[0]
            mask = L.nn.Transformer.generate_square_subsequent_mask(n)
            h = self.emb(src) * d**0.5
            return self.out(self.enc(h, mask=mask, is_causal=True))

    return LM()


def lm_train(L, model, tokens, targets):
    loader = L.data.DataLoader(
        L.data.TensorDataset(L.tensor(tokens), L.tensor(targets)), batch_size=3, shuffle=False
    )
    opt = L.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for x, y in loader:  # x: (batch, seq) -> (seq, batch)
        opt.zero_grad()
        logits = model(x.T)
        loss = L.F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.T.reshape(-1))
        loss.backward()
        L.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        losses.append(loss.item())
    return losses


def test_transformer_lm(t64):
    tokens = R.integers(0, 11, (7, 5))
    targets = np.roll(tokens, -1, axis=1)
    _run_both(lm_model, lm_train, tokens, targets)


# ---- (2) a VAE on binary data: Normal.rsample, Bernoulli(logits).log_prob, kl_divergence ----


def vae_model(L, n=6, h=5, z=2):
    class VAE(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = L.nn.Sequential(L.nn.Linear(n, h), L.nn.Tanh())
            self.mu, self.logvar = L.nn.Linear(h, z), L.nn.Linear(h, z)
            self.dec = L.nn.Sequential(L.nn.Linear(z, h), L.nn.ReLU(), L.nn.Linear(h, n))

        def forward(self, x):
            e = self.enc(x)
            return self.mu(e), self.logvar(e)

    return VAE()


def vae_train(L, model, xs):
    opt = L.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for x in xs:
        x = L.tensor(x)
        opt.zero_grad()
        mu, logvar = model(x)
        q = L.D.Normal(mu, (0.5 * logvar).exp())
        zs = q.rsample()  # its noise is ``e`` in both libraries (see the test)
        px = L.D.Bernoulli(logits=model.dec(zs))
        prior = L.D.Normal(L.tensor(np.zeros(2)), L.tensor(np.ones(2)))
        kl = L.D.kl_divergence(q, prior).sum(-1)
        loss = -(px.log_prob(x).sum(-1) - kl).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_vae_distributions(t64, monkeypatch):
    import gpuad.distributions.normal as gnormal

    xs = (R.random((3, 4, 6)) < 0.4).astype(float)
    eps = R.standard_normal((3, 4, 2))
    teps, geps = iter(eps), iter(eps)

    def tdraw(shape, dtype, device):
        assert tuple(shape) == (4, 2)
        return torch.tensor(next(teps), dtype=dtype)

    def gdraw(shape, like=None):
        assert tuple(shape) == (4, 2)
        return _xp().asarray(next(geps))

    monkeypatch.setattr(torch.distributions.normal, "_standard_normal", tdraw)
    monkeypatch.setattr(gnormal, "standard_normal", gdraw)
    _run_both(vae_model, vae_train, xs)
    assert next(teps, None) is None and next(geps, None) is None


# ---- (3) a variable-length sequence classifier: packed sequences, bidirectional LSTM(proj) ---


def seqcls_model(L, vocab=9, d=4, h=5, proj=3, classes=3):
    class Classifier(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = L.nn.Embedding(vocab, d, padding_idx=0)
            self.lstm = L.nn.LSTM(
                d, h, num_layers=2, batch_first=True, bidirectional=True, proj_size=proj
            )
            self.fc = L.nn.Linear(2 * proj, classes)

        def forward(self, x, lengths):
            packed = L.nn.utils.rnn.pack_padded_sequence(
                self.emb(x), lengths, batch_first=True, enforce_sorted=False
            )
            out, (hn, cn) = self.lstm(packed)
            padded, lens = L.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
            assert list(lens) == list(lengths)
            # the last layer's final states, both directions: (batch, 2 * proj)
            last = L.cat([hn[-2], hn[-1]], dim=1)
            return self.fc(last) + 0.1 * padded.sum(1)[:, : self.fc.out_features]

    return Classifier()


def seqcls_train(L, model, x, lengths, y):
    opt = L.optim.RMSprop(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = L.F.cross_entropy(model(L.tensor(x), lengths), L.tensor(y))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_packed_bidirectional_lstm_proj(t64):
    lengths = [3, 5, 1, 4]
    x = np.zeros((4, 5), dtype=np.int64)
    for i, n in enumerate(lengths):
        x[i, :n] = R.integers(1, 9, n)
    y = np.array([0, 2, 1, 2])
    _, gmodel = _run_both(seqcls_model, seqcls_train, x, lengths, y)
    assert not np.any(_np(gmodel.emb.weight)[0])  # the padding row stays zero


# ---- (4) a small U-Net block: Conv2d, BatchNorm2d, ReLU(inplace=True), bilinear upsampling ---


def unet_model(L, c=2, f=3):
    def block(cin, cout):
        return L.nn.Sequential(
            L.nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            L.nn.BatchNorm2d(cout),
            L.nn.ReLU(inplace=True),
        )

    class UNet(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.down = block(c, f)
            self.pool = L.nn.MaxPool2d(2)
            self.mid = block(f, 2 * f)
            self.up = block(3 * f, f)
            self.head = L.nn.Conv2d(f, 1, 1)

        def forward(self, x):
            d = self.down(x)
            m = self.mid(self.pool(d))
            u = L.F.interpolate(m, scale_factor=2, mode="bilinear", align_corners=False)
            return self.head(self.up(L.cat([u, d], dim=1)))

    return UNet()


def unet_train(L, model, x, y):
    opt = L.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = L.F.binary_cross_entropy_with_logits(model(L.tensor(x)), L.tensor(y))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with L.no_grad():
        losses.append(model(L.tensor(x)).sum().item())
    return losses


def test_unet_block(t64):
    x = R.standard_normal((2, 2, 6, 6))
    y = (R.random((2, 1, 6, 6)) < 0.5).astype(float)
    _run_both(unet_model, unet_train, x, y)


# ---- (5) per-example gradients and model ensembling with torch.func's conventions -----------


def small_cnn(L):
    """The class (stack_module_state wants models of one class)."""

    class Net(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = L.nn.Conv2d(1, 3, 3)
            self.norm = L.nn.LayerNorm(12)
            self.fc = L.nn.Linear(12, 4)

        def forward(self, x):
            h = L.F.max_pool2d(L.F.relu(self.conv(x)), 2)
            return self.fc(L.F.gelu(self.norm(h.flatten(1))))

    return Net


def per_example_grads(L, model, x, y):
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def loss_of(params, buffers, sample, target):
        out = L.func.functional_call(model, (params, buffers), (sample[None],))
        return L.F.cross_entropy(out, target[None])

    grads = L.func.vmap(L.func.grad(loss_of), in_dims=(None, None, 0, 0))(
        params, buffers, L.tensor(x), L.tensor(y)
    )
    g_w, value = L.func.grad_and_value(
        lambda w: loss_of({**params, "fc.weight": w}, buffers, L.tensor(x[0]), L.tensor(y[0]))
    )(params["fc.weight"])
    return {**grads, "value": value, "fc.weight.0": g_w}


def ensemble(L, models, x):
    params, buffers = L.func.stack_module_state(models)
    base = models[0]

    def run(p, b, x):
        return L.func.functional_call(base, (p, b), (x,))

    return L.func.vmap(run, in_dims=(0, 0, None))(params, buffers, L.tensor(x))


def test_per_example_grads_and_ensembles(t64):
    torch.manual_seed(0)
    tl, gl = torch_L(), gpuad_L()
    tnet, gnet = small_cnn(tl), small_cnn(gl)
    tms, gms = [tnet() for _ in range(3)], [gnet() for _ in range(3)]
    for g, t in zip(gms, tms, strict=True):
        _load(g, t)
    x = R.standard_normal((5, 1, 6, 6))
    y = R.integers(0, 4, 5)
    want, got = per_example_grads(tl, tms[0], x, y), per_example_grads(gl, gms[0], x, y)
    assert sorted(want) == sorted(got)
    for k in want:
        assert tuple(np.shape(_np(got[k]))) == tuple(want[k].shape), k
        np.testing.assert_allclose(_np(got[k]), _np(want[k]), rtol=1e-9, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(
        _np(ensemble(gl, gms, x)), _np(ensemble(tl, tms, x)), rtol=1e-9, atol=1e-12
    )


# ---- (6) the text classification tutorial: EmbeddingBag over offsets, StepLR, clipping -------


def textcls_model(L, vocab=12, d=4, classes=3):
    class TextClassificationModel(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = L.nn.EmbeddingBag(vocab, d, max_norm=0.6)
            self.fc = L.nn.Linear(d, classes)
            self.init_weights()

        def init_weights(self):  # the tutorial writes ``weight.data.uniform_``: ``.data`` is
            # gpuad's backend array (docs/porting.md); nn.init does the same under no_grad
            L.nn.init.uniform_(self.embedding.weight, -0.5, 0.5)
            L.nn.init.uniform_(self.fc.weight, -0.5, 0.5)
            L.nn.init.zeros_(self.fc.bias)

        def forward(self, text, offsets):
            return self.fc(self.embedding(text, offsets))

    return TextClassificationModel()


def textcls_train(L, model, batches):
    opt = L.optim.SGD(model.parameters(), lr=5.0)
    sched = L.optim.lr_scheduler.StepLR(opt, 1, gamma=0.1)
    losses = []
    for labels, text, offsets in batches:
        opt.zero_grad()
        loss = L.F.cross_entropy(model(L.tensor(text), L.tensor(offsets)), L.tensor(labels))
        loss.backward()
        L.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


def test_text_classification_embedding_bag(t64):
    batches = []
    for _ in range(3):
        lens = R.integers(1, 5, 4)
        text = R.integers(0, 12, int(lens.sum()))
        offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
        batches.append((R.integers(0, 3, 4), text, offsets))
    _run_both(textcls_model, textcls_train, batches)


# ---- (7) checkpointing: save model and optimizer mid-training, resume in fresh objects --------


def ckpt_model(L):
    return L.nn.Sequential(
        L.nn.Linear(4, 6), L.nn.LayerNorm(6), L.nn.ReLU(inplace=True), L.nn.Linear(6, 2)
    )


def ckpt_train(L, model, xs, ys, path):
    save, load = (torch.save, torch.load) if L.nn is torch.nn else (ad.save, ad.load)
    opt = L.optim.Adam(model.parameters(), lr=1e-2, amsgrad=True)
    sched = L.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    losses = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if i == 2:  # checkpoint, then resume in fresh objects
            save(
                {
                    "model": model.state_dict(),
                    "opt": opt.state_dict(),
                    "sched": sched.state_dict(),
                    "step": i,
                },
                path,
            )
            state = load(path)
            with L.no_grad():
                for p in model.parameters():
                    p.mul_(0.0)  # the fresh model's weights are the checkpoint's, not these
            model.load_state_dict(state["model"])
            opt = L.optim.Adam(model.parameters(), lr=1.0, amsgrad=True)
            opt.load_state_dict(state["opt"])
            sched = L.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
            sched.load_state_dict(state["sched"])
        opt.zero_grad()
        loss = L.F.mse_loss(model(L.tensor(x)), L.tensor(y))
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


def test_checkpoint_and_resume(t64, tmp_path):
    xs, ys = R.standard_normal((4, 5, 4)), R.standard_normal((4, 5, 2))
    torch.manual_seed(0)
    tl, gl = torch_L(), gpuad_L()
    tmodel, gmodel = ckpt_model(tl), ckpt_model(gl)
    _load(gmodel, tmodel)
    want = ckpt_train(tl, tmodel, xs, ys, tmp_path / "t.pt")
    got = ckpt_train(gl, gmodel, xs, ys, tmp_path / "g.pt")
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    _same_weights(gmodel, tmodel)
