"""gpuad.nn's Transformer layers against torch.nn's, on torch's weights (its state_dict
loaded by name) in float64: outputs, and the gradients of every parameter and input, to
1e-10, post-norm and pre-norm, sequence-first and batch-first, with causal and key-padding
masks (boolean and floating); a finite-difference check of a tiny layer; dropout while
training; a small language model trained with Adam step by step against torch, eagerly and
compiled with gpuad.jit.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
from gpuad.testing import check_grads

torch = pytest.importorskip("torch")
# torch.nn.Transformer's note that its inference fast path is off
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor:UserWarning")

D, H, FF, S, T, N = 8, 2, 12, 5, 4, 2  # d_model, heads, feed-forward, src/tgt length, batch
TOL = dict(rtol=1e-10, atol=1e-12)


@contextlib.contextmanager
def _torch64():
    old, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_default_dtype(old)
        torch.set_num_threads(threads)


def _xp(a):
    return ad.get_backend().xp.asarray(a)


def _load(g, t):
    assert list(g.state_dict()) == list(t.state_dict())
    g.load_state_dict({k: _xp(v.detach().numpy()) for k, v in t.state_dict().items()})


def _masks(causal_bool, pad_bool, lq=S, lk=S):
    """A causal (lq, lk) mask and an (N, lk) key-padding mask (the last keys of the second
    sequence), boolean or floating, as numpy arrays."""
    causal = np.triu(np.ones((lq, lk), bool), 1)
    pad = np.zeros((N, lk), bool)
    pad[1, -2:] = True
    if not causal_bool:
        causal = np.where(causal, -np.inf, 0.0)
    if not pad_bool:
        pad = np.where(pad, -np.inf, 0.0)
    return causal, pad


def _compare(g, t, inputs, masks, seed=0):
    """``g(*inputs, **masks)`` against ``t``'s: the output, and the gradients of a random
    projection of it with respect to every parameter (by name) and every input."""
    gin = [ad.tensor(_xp(a), requires_grad=True) for a in inputs]
    tin = [torch.tensor(a, requires_grad=True) for a in inputs]
    yg = g(*gin, **{k: None if v is None else _xp(v) for k, v in masks.items()})
    yt = t(*tin, **{k: None if v is None else torch.tensor(v) for k, v in masks.items()})
    np.testing.assert_allclose(to_numpy(yg), yt.detach().numpy(), **TOL)
    u = np.random.default_rng(seed).normal(size=yt.shape)
    gnp.sum(yg * _xp(u)).backward()
    (yt * torch.tensor(u)).sum().backward()
    for a, b in zip(gin, tin, strict=True):
        np.testing.assert_allclose(to_numpy(a.grad), b.grad.numpy(), **TOL)
    tp = dict(t.named_parameters())
    gp = dict(g.named_parameters())
    assert list(gp) == list(tp)
    for k, p in gp.items():
        np.testing.assert_allclose(to_numpy(p.grad), tp[k].grad.numpy(), **TOL, err_msg=k)


def _twins(build):
    """The module ``build(torch.nn)`` and ``build(gpuad.nn)`` with torch's weights."""
    torch.manual_seed(0)
    t = build(torch.nn)
    g = build(nn)
    _load(g, t)
    return g, t


def _seq(rng, length, batch_first):
    return rng.normal(size=(N, length, D) if batch_first else (length, N, D))


@pytest.mark.parametrize(
    "norm_first, batch_first, activation, bool_masks",
    [(False, False, "relu", True), (True, True, "gelu", False)],
)
def test_encoder_against_torch(backend, norm_first, batch_first, activation, bool_masks):
    def build(m):
        layer = m.TransformerEncoderLayer(
            D, H, FF, 0.0, activation, batch_first=batch_first, norm_first=norm_first
        )
        return m.TransformerEncoder(layer, 2, m.LayerNorm(D), enable_nested_tensor=False)

    rng = np.random.default_rng(1)
    with _torch64():
        g, t = _twins(build)
        causal, pad = _masks(bool_masks, bool_masks)
        masks = dict(mask=causal, src_key_padding_mask=pad)
        _compare(g, t, [_seq(rng, S, batch_first)], masks)


@pytest.mark.parametrize("norm_first, batch_first", [(False, True), (True, False)])
def test_decoder_against_torch(backend, norm_first, batch_first):
    def build(m):
        layer = m.TransformerDecoderLayer(
            D, H, FF, 0.0, batch_first=batch_first, norm_first=norm_first
        )
        return m.TransformerDecoder(layer, 2)

    rng = np.random.default_rng(2)
    with _torch64():
        g, t = _twins(build)
        causal, tpad = _masks(True, True, T, T)
        _, mpad = _masks(False, False, T, S)
        masks = dict(
            tgt_mask=causal,
            tgt_key_padding_mask=tpad,
            memory_key_padding_mask=mpad,
            tgt_is_causal=True,
        )
        inputs = [_seq(rng, T, batch_first), _seq(rng, S, batch_first)]
        _compare(g, t, inputs, masks)


@pytest.mark.parametrize(
    "norm_first, batch_first, bias", [(False, False, True), (True, True, False)]
)
def test_transformer_against_torch(backend, norm_first, batch_first, bias):
    def build(m):
        return m.Transformer(
            D, H, 1, 2, FF, 0.0, batch_first=batch_first, norm_first=norm_first, bias=bias
        )

    rng = np.random.default_rng(3)
    with _torch64():
        g, t = _twins(build)
        _, spad = _masks(True, False, S, S)
        mem = np.where(rng.random((T, S)) < 0.3, -1.0, 0.5)  # a float memory_mask
        masks = dict(
            tgt_mask=to_numpy(nn.Transformer.generate_square_subsequent_mask(T)),
            memory_mask=mem,
            src_key_padding_mask=spad,
            memory_key_padding_mask=spad,
        )
        inputs = [_seq(rng, S, batch_first), _seq(rng, T, batch_first)]
        _compare(g, t, inputs, masks)


def test_unbatched_and_callable_activation(backend):
    """A (S, E) input with an (S,) padding mask; ``activation`` a function of each library."""
    acts = {nn: nn.functional.silu, torch.nn: torch.nn.functional.silu}

    def build(m):
        return m.TransformerEncoderLayer(D, H, FF, 0.0, activation=acts[m])

    rng = np.random.default_rng(4)
    pad = np.array([False, False, False, True, True])
    with _torch64():
        g, t = _twins(build)
        _compare(g, t, [rng.normal(size=(S, D))], dict(src_key_padding_mask=pad))


def test_square_subsequent_mask_and_names(backend):
    m = nn.Transformer.generate_square_subsequent_mask(4)
    want = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    np.testing.assert_array_equal(to_numpy(m), want.numpy())
    with _torch64():
        t = torch.nn.Transformer(D, H, 2, 1, FF)
    g = nn.Transformer(D, H, 2, 1, FF)
    assert list(g.state_dict()) == list(t.state_dict())
    # xavier_uniform_ on every matrix, as torch
    w = to_numpy(g.encoder.layers[0].linear1.weight)
    assert np.abs(w).max() <= math.sqrt(6.0 / (D + FF))


def test_layers_are_independent_copies(backend):
    layer = nn.TransformerEncoderLayer(D, H, FF, 0.0)
    enc = nn.TransformerEncoder(layer, 2)
    a, b = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert a is not b and a is not layer.linear1.weight
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    assert len(enc.parameters()) == 2 * len(layer.parameters())
    x = _xp(np.random.default_rng(5).normal(size=(S, N, D)))
    gnp.sum(enc(ad.tensor(x)) ** 2).backward()
    assert layer.linear1.weight.grad is None
    assert a.grad is not None and b.grad is not None
    assert not np.allclose(to_numpy(a.grad), to_numpy(b.grad))


def test_finite_differences_tiny_layer(backend):
    """A 4-wide, 2-head decoder layer (pre-norm, gelu): the gradient of its input, memory and
    weights against central differences."""
    layer = nn.TransformerDecoderLayer(4, 2, 6, 0.0, "gelu", norm_first=True)
    rng = np.random.default_rng(6)
    params = {k: _xp(to_numpy(p)) for k, p in layer.named_parameters()}
    mask = _xp(np.triu(np.ones((3, 3), bool), 1))

    def f(x, mem, p):
        return nn.functional_call(layer, p, (x, mem), dict(tgt_mask=mask))

    x, mem = _xp(rng.normal(size=(3, 1, 4))), _xp(rng.normal(size=(2, 1, 4)))
    check_grads(f, [x, mem, params], order=1, modes=("rev",))


def test_dropout_in_training(backend):
    layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.5)
    x = ad.tensor(_xp(np.random.default_rng(7).normal(size=(S, N, D))), requires_grad=True)
    gnp.random.seed(0)
    y1 = to_numpy(layer(x))
    gnp.sum(layer(x)).backward()
    assert np.all(np.isfinite(to_numpy(x.grad)))
    layer.eval()
    e1, e2 = to_numpy(layer(x)), to_numpy(layer(x))
    np.testing.assert_array_equal(e1, e2)
    assert not np.allclose(y1, e1)


def test_errors(backend):
    layer = nn.TransformerEncoderLayer(D, H, FF, 0.0)
    x = _xp(np.zeros((S, N, D)))
    with pytest.raises(ValueError, match="is_causal=True is a hint that src_mask"):
        layer(x, is_causal=True)
    with pytest.raises(ValueError, match="relu' or 'gelu', not 'swish'"):
        nn.TransformerEncoderLayer(D, H, activation="swish")
    model = nn.Transformer(D, H, 1, 1, FF, 0.0)
    with pytest.raises(ValueError, match="same batch size"):
        model(x, _xp(np.zeros((T, N + 1, D))))
    with pytest.raises(ValueError, match="d_model=8"):
        model(x, _xp(np.zeros((T, N, D + 1))))


# ---- a port: a tiny causal language model (Embedding, TransformerEncoder, Linear) trained
# with Adam, step by step against torch; gpuad's step also compiled with gpuad.jit ----------

NTOK = 7


def lm_model(m):
    class LM(m.Module):
        def __init__(self):
            super().__init__()
            self.embedding = m.Embedding(NTOK, D)
            layer = m.TransformerEncoderLayer(D, H, FF, 0.0, batch_first=True, norm_first=True)
            self.encoder = m.TransformerEncoder(
                layer, 1, m.LayerNorm(D), enable_nested_tensor=False
            )
            self.head = m.Linear(D, NTOK)

        def forward(self, x, mask):
            h = self.embedding(x) * math.sqrt(D)
            return self.head(self.encoder(h, mask=mask, is_causal=True))

    return LM


def lm_step(m):
    criterion = m.CrossEntropyLoss()

    def step(model, opt, x, y, mask):
        out = model(x, mask)
        loss = criterion(out.reshape(-1, NTOK), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def lm_train(m, optim_mod, model, step, batches, mask):
    opt = optim_mod.Adam(model.parameters(), lr=1e-2)
    return [float(step(model, opt, x, y, mask).detach()) for x, y in batches]


def test_language_model_port_with_adam(backend):
    rng = np.random.default_rng(8)
    tokens = rng.integers(0, NTOK, (N, 3 * S + 1))
    batches = [(tokens[:, i : i + S], tokens[:, i + 1 : i + S + 1]) for i in (0, S, 2 * S)]
    with _torch64():
        torch.manual_seed(1)
        t = lm_model(torch.nn)()
        g0 = {k: v.clone() for k, v in t.state_dict().items()}
        tmask = torch.nn.Transformer.generate_square_subsequent_mask(S)
        tb = [(torch.tensor(x), torch.tensor(y)) for x, y in batches]
        want = lm_train(torch.nn, torch.optim, t, lm_step(torch.nn), tb, tmask)
    gb = [(_xp(x), _xp(y)) for x, y in batches]
    gmask = nn.Transformer.generate_square_subsequent_mask(S)
    runs = []
    for compiled in (False, True):
        g = lm_model(nn)()
        g.load_state_dict({k: _xp(v.numpy()) for k, v in g0.items()})
        step = ad.jit(lm_step(nn)) if compiled else lm_step(nn)
        runs.append((lm_train(nn, optim, g, step, gb, gmask), g))
    (eager, ge), (jitted, gj) = runs
    np.testing.assert_allclose(eager, want, rtol=1e-9)
    np.testing.assert_allclose(jitted, eager, rtol=1e-12)
    # the key part of in_proj_bias does not change the softmax: its gradient is zero but for
    # rounding, which Adam scales up to steps of lr * |g| / eps (agreement to 1e-10 absolute)
    tp = dict(t.named_parameters())
    for (k, pe), (_, pj) in zip(ge.named_parameters(), gj.named_parameters(), strict=True):
        atol = 1e-10 if k.endswith("in_proj_bias") else 1e-14
        np.testing.assert_allclose(to_numpy(pe), tp[k].detach().numpy(), rtol=1e-9, atol=atol)
        np.testing.assert_allclose(to_numpy(pj), to_numpy(pe), rtol=1e-12, atol=atol)
