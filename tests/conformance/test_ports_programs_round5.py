"""Programs not ported elsewhere, run in gpuad and in their original library (float64) from the
same initial weights and data, comparing losses, gradients and parameters at every step:

- Karpathy's nanoGPT (``model.py`` with its training step from ``train.py``: weight tying,
  causal self-attention through ``F.scaled_dot_product_attention`` and through the manual
  path with a ``tril`` buffer, ``configure_optimizers``'s decay/no-decay AdamW groups, the
  warmup-cosine ``get_lr``, gradient accumulation, ``clip_grad_norm_``, ``generate`` with
  ``top_k``), minGPT (``NewGELU``, ``configure_optimizers`` by module type, the Trainer's
  step), micrograd (``test/test_engine.py`` on 0-d tensors), the makemore lectures (bigram
  counts and the one-layer net, the MLP of Bengio et al., batch norm written out with its
  running statistics, "becoming a backprop ninja": every manual gradient against autograd's
  retained ones, the WaveNet of ``FlattenConsecutive``) and ``makemore.py``'s BoW and GRU
  models;
- programs of NumPy only, which run in CI: micrograd's ``demo.ipynb`` (an MLP of scalar
  Neurons, the max-margin loss, compared with HIPS autograd), Karpathy's ``min-char-rnn.py``
  (gpuad's gradient of its loss against the program's own hand-written backpropagation through
  time and its ``gradCheck`` by central differences) and nanoGPT's training step under
  ``gpuad.jit`` against eager.

Each torch program is written once against a namespace ``T`` of torch's names or of the gpuad
names a port uses (docs/porting.md). Tolerance 1e-9 relative: float64 rounding through a few
thousand operations. Differences from the originals, where a port has one:
- ``.float()``: ``.double()`` (the comparison runs in float64);
- ``x.max(1, keepdim=True).values``: ``x.max(dim=1, keepdim=True).values`` in both (gpuad's
  ``x.max(1)`` is NumPy's, the values only);
- ``p.data += -lr * p.grad``: the same in both (gpuad's ``.data`` is the backend array, written
  in place);
- random draws (``torch.randint`` batches, ``torch.multinomial`` samples) come from one NumPy
  generator; ``generate`` takes the argmax (``do_sample=False``) or inverts a given uniform;
- nanoGPT's ``GradScaler(enabled=False)`` and ``nullcontext()`` are left out (no-ops in
  float64 on a CPU), and ``fused`` AdamW is not asked for (``device_type='cpu'``).
"""

from __future__ import annotations

import inspect
import math
import types
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(505)


@pytest.fixture(autouse=True)
def _fresh_draws():
    global R
    R = np.random.default_rng(505)


@pytest.fixture()
def torch():
    torch = pytest.importorskip("torch")
    old, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield torch
    torch.set_default_dtype(old)
    torch.set_num_threads(threads)


def _xp():
    return ad.get_backend().xp


def _torch_T(torch):
    return types.SimpleNamespace(
        lib="torch", torch=torch, nn=torch.nn, F=torch.nn.functional, optim=torch.optim,
        no_grad=torch.no_grad, tensor=torch.tensor, from_numpy=torch.from_numpy,
        ones=torch.ones, zeros=torch.zeros, randn=torch.randn, tril=torch.tril,
        arange=torch.arange, cat=torch.cat, stack=torch.stack, topk=torch.topk,
        tanh=torch.tanh, long=torch.long, one_hot=torch.nn.functional.one_hot,
        clip_grad_norm_=torch.nn.utils.clip_grad_norm_)


def _gpuad_T():
    from gpuad import nn, optim
    from gpuad.nn import functional as F

    xp = _xp()
    return types.SimpleNamespace(
        lib="gpuad", torch=ad, nn=nn, F=F, optim=optim, no_grad=ad.no_grad,
        tensor=lambda a, **k: ad.tensor(xp.asarray(a), **k),
        from_numpy=lambda a: ad.tensor(xp.asarray(a)),
        ones=lambda *s: ad.tensor(gnp.ones(s)), zeros=lambda *s: ad.tensor(gnp.zeros(s)),
        randn=lambda *s: ad.tensor(gnp.random.standard_normal(s)),
        tril=gnp.tril,
        arange=lambda *a, dtype=None, device=None: ad.tensor(gnp.arange(*a, dtype=dtype)),
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        stack=lambda xs, dim=0: gnp.stack(xs, axis=dim),
        topk=lambda x, k: x.topk(k), tanh=gnp.tanh, long=np.int64, one_hot=F.one_hot,
        clip_grad_norm_=nn.utils.clip_grad_norm_)


def _arr(t):
    if isinstance(t, ad.Tensor):
        return to_numpy(t.detach())
    if hasattr(t, "detach"):
        return t.detach().numpy()
    return to_numpy(t)


def _close(a, b, rtol=1e-9, atol=1e-12, msg=""):
    np.testing.assert_allclose(_arr(a), _arr(b), rtol=rtol, atol=atol, err_msg=msg)


def _load(gmodel, tmodel):
    xp = _xp()
    gmodel.load_state_dict({k: xp.asarray(v.detach().numpy())
                            for k, v in tmodel.state_dict().items()})


def _same_models(g, t, grads=True, rtol=1e-9, atol=1e-12):
    gp, tp = dict(g.named_parameters()), dict(t.named_parameters())
    assert sorted(gp) == sorted(tp)
    for k, p in gp.items():
        _close(p, tp[k], rtol, atol, k)
        if grads:
            assert (p.grad is None) == (tp[k].grad is None), k
            if p.grad is not None:
                _close(p.grad, tp[k].grad, rtol, atol, k + ".grad")


# ================================= nanoGPT (model.py, train.py) =================================


def nanogpt(T, flash):
    nn, F = T.nn, T.F

    class LayerNorm(nn.Module):
        """ LayerNorm but with an optional bias. PyTorch doesn't support simply bias=False """

        def __init__(self, ndim, bias):
            super().__init__()
            self.weight = nn.Parameter(T.ones(ndim))
            self.bias = nn.Parameter(T.zeros(ndim)) if bias else None

        def forward(self, input):
            return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)

    class CausalSelfAttention(nn.Module):

        def __init__(self, config):
            super().__init__()
            assert config.n_embd % config.n_head == 0
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.attn_dropout = nn.Dropout(config.dropout)
            self.resid_dropout = nn.Dropout(config.dropout)
            self.n_head = config.n_head
            self.n_embd = config.n_embd
            self.dropout = config.dropout
            self.flash = flash and hasattr(F, 'scaled_dot_product_attention')
            if not self.flash:
                self.register_buffer("bias", T.tril(T.ones(config.block_size, config.block_size))
                                     .view(1, 1, config.block_size, config.block_size))

        def forward(self, x):
            B, T_, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T_, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T_, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T_, self.n_head, C // self.n_head).transpose(1, 2)
            if self.flash:
                y = F.scaled_dot_product_attention(
                    q, k, v, attn_mask=None, dropout_p=self.dropout if self.training else 0,
                    is_causal=True)
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T_, :T_] == 0, float('-inf'))
                att = F.softmax(att, dim=-1)
                att = self.attn_dropout(att)
                y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T_, C)
            y = self.resid_dropout(self.c_proj(y))
            return y

    class MLP(nn.Module):

        def __init__(self, config):
            super().__init__()
            self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
            self.dropout = nn.Dropout(config.dropout)

        def forward(self, x):
            x = self.c_fc(x)
            x = self.gelu(x)
            x = self.c_proj(x)
            x = self.dropout(x)
            return x

    class Block(nn.Module):

        def __init__(self, config):
            super().__init__()
            self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
            self.attn = CausalSelfAttention(config)
            self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
            self.mlp = MLP(config)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x

    @dataclass
    class GPTConfig:
        block_size: int = 1024
        vocab_size: int = 50304
        n_layer: int = 12
        n_head: int = 12
        n_embd: int = 768
        dropout: float = 0.0
        bias: bool = True

    class GPT(nn.Module):

        def __init__(self, config):
            super().__init__()
            assert config.vocab_size is not None
            assert config.block_size is not None
            self.config = config

            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=LayerNorm(config.n_embd, bias=config.bias),
            ))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight  # weight tying

            self.apply(self._init_weights)
            for pn, p in self.named_parameters():
                if pn.endswith('c_proj.weight'):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

        def get_num_params(self, non_embedding=True):
            n_params = sum(p.numel() for p in self.parameters())
            if non_embedding:
                n_params -= self.transformer.wpe.weight.numel()
            return n_params

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            b, t = idx.size()
            assert t <= self.config.block_size
            pos = T.arange(0, t, dtype=T.long)

            tok_emb = self.transformer.wte(idx)
            pos_emb = self.transformer.wpe(pos)
            x = self.transformer.drop(tok_emb + pos_emb)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)

            if targets is not None:
                logits = self.lm_head(x)
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                                       ignore_index=-1)
            else:
                logits = self.lm_head(x[:, [-1], :])
                loss = None
            return logits, loss

        def configure_optimizers(self, weight_decay, learning_rate, betas, device_type):
            param_dict = {pn: p for pn, p in self.named_parameters()}
            param_dict = {pn: p for pn, p in param_dict.items() if p.requires_grad}
            decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
            nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
            optim_groups = [
                {'params': decay_params, 'weight_decay': weight_decay},
                {'params': nodecay_params, 'weight_decay': 0.0}
            ]
            fused_available = 'fused' in inspect.signature(T.optim.AdamW).parameters
            use_fused = fused_available and device_type == 'cuda'
            extra_args = dict(fused=True) if use_fused else dict()
            optimizer = T.optim.AdamW(optim_groups, lr=learning_rate, betas=betas, **extra_args)
            return optimizer

        @T.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, uniforms=None):
            for i in range(max_new_tokens):
                idx_cond = (idx if idx.size(1) <= self.config.block_size
                            else idx[:, -self.config.block_size:])
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = T.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float('Inf')
                probs = F.softmax(logits, dim=-1)
                # torch.multinomial(probs, num_samples=1), by inversion of a given uniform
                idx_next = (probs.cumsum(-1) < T.from_numpy(uniforms[i])[:, None]).sum(
                    -1, keepdim=True)
                idx = T.cat((idx, idx_next), dim=1)
            return idx

    return GPT, GPTConfig


def _nanogpt_train(T, model, data, ixs, uniforms):
    learning_rate, min_lr = 6e-3, 6e-4
    warmup_iters, lr_decay_iters, grad_clip = 2, 5, 1.0
    block_size, gradient_accumulation_steps = 8, 2

    def get_batch(ix):
        x = T.stack([T.from_numpy((data[i:i + block_size]).astype(np.int64)) for i in ix])
        y = T.stack([T.from_numpy((data[i + 1:i + 1 + block_size]).astype(np.int64))
                     for i in ix])
        return x, y

    def get_lr(it):
        if it < warmup_iters:
            return learning_rate * (it + 1) / (warmup_iters + 1)
        if it > lr_decay_iters:
            return min_lr
        decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
        assert 0 <= decay_ratio <= 1
        coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
        return min_lr + coeff * (learning_rate - min_lr)

    optimizer = model.configure_optimizers(0.1, learning_rate, (0.9, 0.95), 'cpu')
    batches = iter(ixs)
    X, Y = get_batch(next(batches))
    out = []
    for iter_num in range(len(ixs) // gradient_accumulation_steps - 1):
        lr = get_lr(iter_num)
        for param_group in optimizer.param_groups:
            param_group['lr'] = lr
        losses = []
        for _micro_step in range(gradient_accumulation_steps):
            logits, loss = model(X, Y)
            loss = loss / gradient_accumulation_steps
            X, Y = get_batch(next(batches))
            loss.backward()
            losses.append(loss.item())
        norm = T.clip_grad_norm_(model.parameters(), grad_clip)
        grads = {n: _arr(p.grad).copy() for n, p in model.named_parameters()}
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        out.append((losses, float(norm), grads,
                    {n: _arr(p).copy() for n, p in model.named_parameters()}))
    model.eval()
    gen = model.generate(X[:, :3], 4, temperature=0.8, top_k=5, uniforms=uniforms)
    return out, _arr(gen)


@pytest.mark.parametrize("flash", [True, False], ids=["sdpa", "manual"])
def test_nanogpt_train_steps(torch, flash):
    tT, gT = _torch_T(torch), _gpuad_T()
    tGPT, tConf = nanogpt(tT, flash)
    gGPT, gConf = nanogpt(gT, flash)
    conf = dict(block_size=8, vocab_size=11, n_layer=2, n_head=2, n_embd=8, dropout=0.0)
    tm, gm = tGPT(tConf(**conf)), gGPT(gConf(**conf))
    _load(gm, tm)
    assert gm.transformer.wte.weight is gm.lm_head.weight
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert gm.get_num_params() == tm.get_num_params()
    data = R.integers(0, 11, 60).astype(np.uint16)
    ixs = [R.integers(0, len(data) - 8, 3) for _ in range(8)]
    uniforms = R.uniform(size=(4, 3))
    want, wgen = _nanogpt_train(tT, tm, data, ixs, uniforms)
    got, ggen = _nanogpt_train(gT, gm, data, ixs, uniforms)
    for step, (w, g) in enumerate(zip(want, got, strict=True)):
        _close(g[0], w[0], msg=f"losses {step}")
        _close(g[1], w[1], msg=f"norm {step}")
        assert w[1] > 1.0 or step > 0  # the first step is clipped
        for n in w[2]:
            _close(g[2][n], w[2][n], msg=f"{n}.grad {step}")
            _close(g[3][n], w[3][n], msg=f"{n} {step}")
    np.testing.assert_array_equal(ggen, wgen)


# ============== minGPT (mingpt/model.py, mingpt/trainer.py, projects/adder/adder.py) =============


def mingpt(T):
    nn, F = T.nn, T.F

    class NewGELU(nn.Module):
        def forward(self, x):
            return 0.5 * x * (1.0 + T.tanh(math.sqrt(2.0 / math.pi)
                                           * (x + 0.044715 * x ** 3.0)))

    class CausalSelfAttention(nn.Module):
        def __init__(self, config):
            super().__init__()
            assert config.n_embd % config.n_head == 0
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd)
            self.attn_dropout = nn.Dropout(config.attn_pdrop)
            self.resid_dropout = nn.Dropout(config.resid_pdrop)
            self.register_buffer("bias", T.tril(T.ones(config.block_size, config.block_size))
                                 .view(1, 1, config.block_size, config.block_size))
            self.n_head = config.n_head
            self.n_embd = config.n_embd

        def forward(self, x):
            B, T_, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T_, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T_, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T_, self.n_head, C // self.n_head).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T_, :T_] == 0, float('-inf'))
            att = F.softmax(att, dim=-1)
            att = self.attn_dropout(att)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T_, C)
            y = self.resid_dropout(self.c_proj(y))
            return y

    class Block(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.ln_1 = nn.LayerNorm(config.n_embd)
            self.attn = CausalSelfAttention(config)
            self.ln_2 = nn.LayerNorm(config.n_embd)
            self.mlp = nn.ModuleDict(dict(
                c_fc=nn.Linear(config.n_embd, 4 * config.n_embd),
                c_proj=nn.Linear(4 * config.n_embd, config.n_embd),
                act=NewGELU(),
                dropout=nn.Dropout(config.resid_pdrop),
            ))
            m = self.mlp
            self.mlpf = lambda x: m.dropout(m.c_proj(m.act(m.c_fc(x))))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlpf(self.ln_2(x))
            return x

    class GPT(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.block_size = config.block_size
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.embd_pdrop),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd),
            ))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            self.apply(self._init_weights)
            for pn, p in self.named_parameters():
                if pn.endswith('c_proj.weight'):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))
            self.n_params = sum(p.numel() for p in self.transformer.parameters())

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
            elif isinstance(module, nn.LayerNorm):
                nn.init.zeros_(module.bias)
                nn.init.ones_(module.weight)

        def configure_optimizers(self, train_config):
            decay = set()
            no_decay = set()
            whitelist_weight_modules = (nn.Linear, )
            blacklist_weight_modules = (nn.LayerNorm, nn.Embedding)
            for mn, m in self.named_modules():
                for pn, _p in m.named_parameters():
                    fpn = "%s.%s" % (mn, pn) if mn else pn  # noqa: UP031
                    if pn.endswith('bias'):
                        no_decay.add(fpn)
                    elif pn.endswith('weight') and isinstance(m, whitelist_weight_modules):
                        decay.add(fpn)
                    elif pn.endswith('weight') and isinstance(m, blacklist_weight_modules):
                        no_decay.add(fpn)
            param_dict = {pn: p for pn, p in self.named_parameters()}
            inter_params = decay & no_decay
            union_params = decay | no_decay
            assert len(inter_params) == 0
            assert len(param_dict.keys() - union_params) == 0
            optim_groups = [
                {"params": [param_dict[pn] for pn in sorted(list(decay))],
                 "weight_decay": train_config.weight_decay},
                {"params": [param_dict[pn] for pn in sorted(list(no_decay))],
                 "weight_decay": 0.0},
            ]
            return T.optim.AdamW(optim_groups, lr=train_config.learning_rate,
                                 betas=train_config.betas)

        def forward(self, idx, targets=None):
            b, t = idx.size()
            assert t <= self.block_size
            pos = T.arange(0, t, dtype=T.long).unsqueeze(0)
            tok_emb = self.transformer.wte(idx)
            pos_emb = self.transformer.wpe(pos)
            x = self.transformer.drop(tok_emb + pos_emb)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            logits = self.lm_head(x)
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                                       ignore_index=-1)
            return logits, loss

        @T.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, do_sample=False, top_k=None):
            for _ in range(max_new_tokens):
                idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size:]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = T.topk(logits, top_k)
                    logits[logits < v[:, [-1]]] = -float('Inf')
                probs = F.softmax(logits, dim=-1)
                assert not do_sample
                _, idx_next = probs.topk(k=1, dim=-1)
                idx = T.cat((idx, idx_next), dim=1)
            return idx

    class AdditionDataset:
        """projects/adder: a + b = c with c's digits reversed; the loss only on c."""

        def __init__(self, ndigit, ixes):
            self.ndigit, self.ixes = ndigit, ixes

        def __len__(self):
            return len(self.ixes)

        def __getitem__(self, idx):
            ndigit = self.ndigit
            idx = int(self.ixes[idx])
            nd = 10 ** ndigit
            a = idx // nd
            b = idx % nd
            c = a + b
            astr = f'%0{ndigit}d' % a
            bstr = f'%0{ndigit}d' % b
            cstr = (f'%0{ndigit + 1}d' % c)[::-1]
            render = astr + bstr + cstr
            dix = [int(s) for s in render]
            x = T.tensor(dix[:-1], dtype=T.long)
            y = T.tensor(dix[1:], dtype=T.long)
            y[:ndigit * 2 - 1] = -1
            return x, y

    return GPT, AdditionDataset


def _mingpt_train(T, model, dataset, batches, config):
    optimizer = model.configure_optimizers(config)
    model.train()
    out = []
    for bix in batches:
        xs, ys = zip(*[dataset[i] for i in bix], strict=True)
        x, y = T.stack(list(xs)), T.stack(list(ys))
        logits, loss = model(x, y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        norm = T.clip_grad_norm_(model.parameters(), config.grad_norm_clip)
        grads = {n: _arr(p.grad).copy() for n, p in model.named_parameters()}
        optimizer.step()
        out.append((loss.item(), float(norm), grads))
    model.eval()
    x, _ = dataset[0]
    gen = model.generate(x[None, :4], 3, do_sample=False, top_k=4)
    return out, _arr(gen), {n: _arr(p) for n, p in model.named_parameters()}


def test_mingpt_adder(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    cfg = types.SimpleNamespace(vocab_size=10, block_size=6, n_layer=2, n_head=2, n_embd=8,
                                embd_pdrop=0.0, resid_pdrop=0.0, attn_pdrop=0.0)
    tGPT, tData = mingpt(tT)
    gGPT, gData = mingpt(gT)
    tm, gm = tGPT(cfg), gGPT(cfg)
    _load(gm, tm)
    assert gm.n_params == tm.n_params
    ixes = R.permutation(100 * 100)[:40]
    tdata, gdata = tData(2, ixes), gData(2, ixes)
    x, y = gdata[3]
    assert list(_arr(y)[:3]) == [-1, -1, -1]
    train_cfg = types.SimpleNamespace(weight_decay=0.1, learning_rate=5e-3, betas=(0.9, 0.95),
                                      grad_norm_clip=1.0)
    batches = [R.integers(0, 40, 5) for _ in range(4)]
    want = _mingpt_train(tT, tm, tdata, batches, train_cfg)
    got = _mingpt_train(gT, gm, gdata, batches, train_cfg)
    for step, (w, g) in enumerate(zip(want[0], got[0], strict=True)):
        _close(g[0], w[0], msg=f"loss {step}")
        _close(g[1], w[1], msg=f"norm {step}")
        for n in w[2]:
            _close(g[2][n], w[2][n], msg=f"{n}.grad {step}")
    np.testing.assert_array_equal(got[1], want[1])
    for n in want[2]:
        _close(got[2][n], want[2][n], msg=n)


# ================================= micrograd (test/test_engine.py) ================================
# micrograd's own tests run each expression in micrograd and in torch; here torch's half runs
# in torch and in gpuad (``torch.Tensor([-4.0]).double()`` is ``gpuad.Tensor([-4.0])``).


def micrograd_sanity(T):
    x = T.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y, x.grad


def micrograd_more_ops(T):
    a = T.Tensor([-4.0]).double()
    b = T.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return g, a.grad, b.grad


def micrograd_more_ops_inplace(T):
    """The same with micrograd's ``c += ...`` read as torch's in-place add on a non-leaf."""
    a = T.Tensor([-4.0]).double()
    b = T.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g, a.grad, b.grad


def test_micrograd_engine(torch):
    for prog in (micrograd_sanity, micrograd_more_ops, micrograd_more_ops_inplace):
        want = prog(torch)
        got = prog(ad)
        for w, g in zip(want, got, strict=True):
            _close(g, w, rtol=1e-14, msg=prog.__name__)
    # micrograd's numbers: y = -20, dy/dx = 46; g = 24.70408163265306, dg/da = 138.8338...
    _close(micrograd_sanity(ad)[1], [46.0])
    np.testing.assert_allclose(_arr(micrograd_more_ops_inplace(ad)[0]), [24.70408163265306],
                               rtol=1e-15)


# ============ the makemore lectures (Karpathy's "Neural Networks: Zero to Hero") ============

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper",
         "evelyn", "abigail", "emily", "elizabeth", "mila", "ella", "avery", "sofia", "camila"]
CHARS = sorted(set("".join(WORDS)))
STOI = {s: i + 1 for i, s in enumerate(CHARS)}
STOI["."] = 0
ITOS = {i: s for s, i in STOI.items()}
VOCAB = len(STOI)


def makemore_bigram(T, W0, uniforms):
    """Lecture 2: bigram counts, sampling from them, their likelihood, then the same model as a
    one-layer net trained by gradient descent on the negative log likelihood."""
    torch, F = T.torch, T.F
    words = WORDS
    N = T.zeros((VOCAB, VOCAB), dtype=T.int32)
    for w in words:
        chs = ['.'] + list(w) + ['.']
        for ch1, ch2 in zip(chs, chs[1:]):  # noqa: B905
            ix1 = STOI[ch1]
            ix2 = STOI[ch2]
            N[ix1, ix2] += 1
    P = (N + 1).double()
    P /= P.sum(1, keepdims=True)
    names = []
    k = 0
    for _i in range(3):
        out = []
        ix = 0
        while True:
            p = P[ix]
            # torch.multinomial(p, num_samples=1, replacement=True, generator=g), by inversion
            ix = int((p.cumsum(0) < float(uniforms[k])).sum().item())
            k += 1
            out.append(ITOS[ix])
            if ix == 0:
                break
        names.append(''.join(out))
    log_likelihood = 0.0
    n = 0
    for w in words:
        chs = ['.'] + list(w) + ['.']
        for ch1, ch2 in zip(chs, chs[1:]):  # noqa: B905
            prob = P[STOI[ch1], STOI[ch2]]
            logprob = torch.log(prob)
            log_likelihood += logprob
            n += 1
    nll = -log_likelihood / n

    xs, ys = [], []
    for w in words:
        chs = ['.'] + list(w) + ['.']
        for ch1, ch2 in zip(chs, chs[1:]):  # noqa: B905
            xs.append(STOI[ch1])
            ys.append(STOI[ch2])
    xs = T.tensor(xs)
    ys = T.tensor(ys)
    num = xs.nelement()
    W = T.tensor(W0, requires_grad=True)
    losses, grads = [], []
    for _k in range(4):
        xenc = F.one_hot(xs, num_classes=VOCAB).double()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[T.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
        W.grad = None
        loss.backward()
        losses.append(loss.item())
        grads.append(_arr(W.grad).copy())
        W.data += -50 * W.grad
    return names, N, nll, losses, grads, W


def test_makemore_bigram(torch):
    W0 = R.standard_normal((VOCAB, VOCAB))
    u = R.uniform(size=200)
    want = makemore_bigram(_T_torch(torch), W0, u)
    got = makemore_bigram(_T_ad(), W0, u)
    assert got[0] == want[0]
    np.testing.assert_array_equal(_arr(got[1]), _arr(want[1]))
    assert _arr(got[1]).dtype == np.int32
    for w, g in zip(want[2:], got[2:], strict=True):
        _close(g, w)


def _T_ad():
    """The gpuad namespace with the torch names the lectures call on the module itself."""
    T = _gpuad_T()
    xp = _xp()
    T.torch = types.SimpleNamespace(log=gnp.log, tanh=gnp.tanh, sqrt=gnp.sqrt)
    T.int32 = np.int32
    T.zeros = lambda s, dtype=None: ad.tensor(xp.zeros(s, dtype=dtype or np.float64))
    T.tensor = lambda a, requires_grad=False, dtype=None: ad.tensor(
        xp.asarray(a, dtype=dtype), requires_grad=requires_grad)
    T.ones = lambda *s: ad.tensor(xp.ones(s[0] if len(s) == 1 else s))
    T.zeros_like = lambda t: ad.tensor(gnp.zeros_like(t))
    T.ones_like = lambda t: ad.tensor(gnp.ones_like(t))
    return T


def _T_torch(torch):
    T = _torch_T(torch)
    T.int32 = torch.int32
    return T


def build_dataset(T, words, block_size):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = STOI[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = T.tensor(X)
    Y = T.tensor(Y)
    return X, Y


def makemore_mlp(T, init, batches, batchnorm):
    """Lecture 3 (the MLP of Bengio et al. 2003) and lecture 4's first half (its hidden layer
    batch-normalised by hand, the running statistics updated under no_grad, Kaiming's scale)."""
    F = T.F
    Xtr, Ytr = build_dataset(T, WORDS, 3)
    C, W1, b1, W2, b2 = (T.tensor(a) for a in init)
    n_embd, n_hidden = C.shape[1], W1.shape[1]
    if batchnorm:
        W1 = W1 * (5 / 3) / ((n_embd * 3)**0.5)
        b1 = b1 * 0.01
        W2 = W2 * 0.01
        b2 = b2 * 0
        bngain = T.ones((1, n_hidden))
        bnbias = T.zeros((1, n_hidden))
        bnmean_running = T.zeros((1, n_hidden))
        bnstd_running = T.ones((1, n_hidden))
        parameters = [C, W1, W2, b2, bngain, bnbias]
    else:
        parameters = [C, W1, b1, W2, b2]
    for p in parameters:
        p.requires_grad = True
    out = []
    for i, ix in enumerate(batches):
        ix = T.tensor(ix)
        emb = C[Xtr[ix]]
        if batchnorm:
            embcat = emb.view(emb.shape[0], -1)
            hpreact = embcat @ W1
            bnmeani = hpreact.mean(0, keepdim=True)
            bnstdi = hpreact.std(0, keepdim=True)
            hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
            with T.no_grad():
                bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
                bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
            h = T.tanh(hpreact)
        else:
            h = T.tanh(emb.view(-1, 3 * n_embd) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 2 else 0.01
        out.append((loss.item(), [_arr(p.grad).copy() for p in parameters]))
        for p in parameters:
            p.data += -lr * p.grad
    out.append([_arr(p) for p in parameters])
    if batchnorm:
        assert not bnmean_running.requires_grad
        out.append((bnmean_running, bnstd_running))
    # evaluation on the whole set, as split_loss('train') under torch.no_grad()
    with T.no_grad():
        emb = C[Xtr]
        embcat = emb.view(emb.shape[0], -1)
        if batchnorm:
            hpreact = embcat @ W1
            hpreact = bngain * (hpreact - bnmean_running) / bnstd_running + bnbias
        else:
            hpreact = embcat @ W1 + b1
        loss = F.cross_entropy(T.tanh(hpreact) @ W2 + b2, Ytr)
        out.append(loss.item())
    return out


@pytest.mark.parametrize("batchnorm", [False, True], ids=["mlp", "batchnorm"])
def test_makemore_mlp(torch, batchnorm):
    init = [R.standard_normal(s) for s in ((VOCAB, 4), (12, 16), (16,), (16, VOCAB), (VOCAB,))]
    batches = [R.integers(0, 100, 12) for _ in range(4)]
    want = makemore_mlp(_T_torch(torch), init, batches, batchnorm)
    got = makemore_mlp(_T_ad(), init, batches, batchnorm)
    for step, (w, g) in enumerate(zip(want[:4], got[:4], strict=True)):
        _close(g[0], w[0], msg=f"loss {step}")
        for i, (gw, gg) in enumerate(zip(w[1], g[1], strict=True)):
            _close(gg, gw, msg=f"grad {i} {step}")
    for w, g in zip(want[4:], got[4:], strict=True):
        _close(g, w) if not isinstance(w, (list, tuple)) else [
            _close(b, a) for a, b in zip(w, g, strict=True)]


def makemore_backprop_ninja(T, init, Xb, Yb):
    """Lecture 5 ("Becoming a backprop ninja"): the forward pass cut into its atoms, every
    intermediate's ``.grad`` retained, and the backward pass written by hand, atom by atom
    (exercise 1), for the cross entropy in one step (exercise 2) and for the batch norm in one
    step (exercise 3); then a training step on the manual gradients."""
    torch, F = T.torch, T.F
    C, W1, b1, W2, b2, bngain, bnbias = (T.tensor(a) for a in init)
    parameters = [C, W1, b1, W2, b2, bngain, bnbias]
    for p in parameters:
        p.requires_grad = True
    n = Xb.shape[0]
    Xb, Yb = T.tensor(Xb), T.tensor(Yb)

    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = 1 / (n - 1) * (bndiff2).sum(0, keepdim=True)
    bnvar_inv = (bnvar + 1e-5)**-0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True).values
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()

    for p in parameters:
        p.grad = None
    atoms = dict(logprobs=logprobs, probs=probs, counts=counts, counts_sum=counts_sum,
                 counts_sum_inv=counts_sum_inv, norm_logits=norm_logits,
                 logit_maxes=logit_maxes, logits=logits, h=h, hpreact=hpreact, bnraw=bnraw,
                 bnvar_inv=bnvar_inv, bnvar=bnvar, bndiff2=bndiff2, bndiff=bndiff,
                 hprebn=hprebn, bnmeani=bnmeani, embcat=embcat, emb=emb)
    for t in atoms.values():
        t.retain_grad()
    loss.backward()

    # exercise 1
    dlogprobs = T.zeros_like(logprobs)
    dlogprobs[range(n), Yb] = -1.0 / n
    dprobs = (1.0 / probs) * dlogprobs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
    dcounts = counts_sum_inv * dprobs
    dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv
    dcounts += T.ones_like(counts) * dcounts_sum
    dnorm_logits = counts * dcounts
    dlogits = dnorm_logits.clone()
    dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
    dlogits += F.one_hot(logits.max(dim=1).indices, num_classes=logits.shape[1]) * dlogit_maxes
    dh = dlogits @ W2.T
    dW2 = h.T @ dlogits
    db2 = dlogits.sum(0)
    dhpreact = (1.0 - h**2) * dh
    dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
    dbnraw = bngain * dhpreact
    dbnbias = dhpreact.sum(0, keepdim=True)
    dbndiff = bnvar_inv * dbnraw
    dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
    dbnvar = (-0.5 * (bnvar + 1e-5)**-1.5) * dbnvar_inv
    dbndiff2 = (1.0 / (n - 1)) * T.ones_like(bndiff2) * dbnvar
    dbndiff += (2 * bndiff) * dbndiff2
    dhprebn = dbndiff.clone()
    dbnmeani = (-dbndiff).sum(0)
    dhprebn += 1.0 / n * (T.ones_like(hprebn) * dbnmeani)
    dembcat = dhprebn @ W1.T
    dW1 = embcat.T @ dhprebn
    db1 = dhprebn.sum(0)
    demb = dembcat.view(emb.shape)
    dC = T.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            ix = Xb[k, j]
            dC[ix] += demb[k, j]
    manual = dict(logprobs=dlogprobs, probs=dprobs, counts_sum_inv=dcounts_sum_inv,
                  counts_sum=dcounts_sum, counts=dcounts, norm_logits=dnorm_logits,
                  logit_maxes=dlogit_maxes, logits=dlogits, h=dh, hpreact=dhpreact,
                  bnraw=dbnraw, bnvar_inv=dbnvar_inv, bnvar=dbnvar, bndiff2=dbndiff2,
                  bndiff=dbndiff, bnmeani=dbnmeani, hprebn=dhprebn, embcat=dembcat, emb=demb)
    manual_params = [dC, dW1, db1, dW2, db2, dbngain, dbnbias]

    # exercise 2: the cross entropy's backward in one step
    loss_fast = F.cross_entropy(logits, Yb)
    dlogits2 = F.softmax(logits, 1)
    dlogits2[range(n), Yb] -= 1
    dlogits2 /= n
    # exercise 3: the batch norm's backward in one step
    hpreact_fast = bngain * (hprebn - hprebn.mean(0, keepdim=True)) / T.torch.sqrt(
        hprebn.var(0, keepdim=True, unbiased=True) + 1e-5) + bnbias
    dhprebn3 = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0)
                                         - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))

    # training on the manual gradients
    with T.no_grad():
        for p, grad in zip(parameters, manual_params, strict=True):
            p.data += -0.1 * grad
    return dict(loss=loss, retained={k: t.grad for k, t in atoms.items()}, manual=manual,
                params=[p.grad for p in parameters], manual_params=manual_params,
                loss_fast=loss_fast, dlogits2=dlogits2, hpreact_fast=hpreact_fast,
                hpreact=hpreact, dhprebn3=dhprebn3, updated=parameters)


def test_makemore_backprop_ninja(torch):
    Xtr, Ytr = build_dataset(types.SimpleNamespace(tensor=np.array), WORDS, 3)
    ix = R.integers(0, len(Xtr), 8)
    init = [R.standard_normal(s) for s in ((VOCAB, 3), (9, 6), (6,), (6, VOCAB), (VOCAB,))]
    init = [init[0], init[1] * (5 / 3) / 9**0.5, init[2] * 0.1, init[3] * 0.1, init[4] * 0.1,
            R.standard_normal((1, 6)) * 0.1 + 1.0, R.standard_normal((1, 6)) * 0.1]
    tT, gT = _T_torch(torch), _T_ad()
    tT.zeros_like, tT.ones_like = torch.zeros_like, torch.ones_like
    want = makemore_backprop_ninja(tT, init, Xtr[ix], Ytr[ix])
    got = makemore_backprop_ninja(gT, init, Xtr[ix], Ytr[ix])
    _close(got["loss"], want["loss"])
    for k, g in got["retained"].items():
        _close(g, want["retained"][k], msg=k)
        # the lecture's cmp(...): torch.allclose, which broadcasts ((6,) against (1, 6))
        _close(np.broadcast_to(_arr(got["manual"][k]), _arr(g).shape), g, msg="manual " + k)
    for i, (m, g, w) in enumerate(zip(got["manual_params"], got["params"], want["params"],
                                      strict=True)):
        _close(g, w, msg=str(i))
        _close(m, g, msg=str(i))
    _close(got["loss_fast"], got["loss"])
    _close(got["dlogits2"], got["retained"]["logits"])
    _close(got["hpreact_fast"], got["hpreact"])
    _close(got["dhprebn3"], got["retained"]["hprebn"])
    for g, w in zip(got["updated"], want["updated"], strict=True):
        _close(g, w)


def makemore_wavenet(T, seed_draws, batches):
    """Lecture 6 ("Building a WaveNet"): torch-like layer classes written by hand (Linear,
    BatchNorm1d over (0, 1) for 3-D inputs, Tanh, Embedding, FlattenConsecutive, Sequential),
    a hierarchy of pairs fused by FlattenConsecutive(2); lecture 4's ``layer.out.retain_grad()``
    to look at the activations' gradients."""
    torch, F = T.torch, T.F
    draws = iter(seed_draws)

    def randn(shape):  # torch.randn(shape, generator=g): the draws are given
        return T.tensor(next(draws).reshape(shape))

    class Linear:
        def __init__(self, fan_in, fan_out, bias=True):
            self.weight = randn((fan_in, fan_out)) / fan_in**0.5
            self.bias = T.zeros(fan_out) if bias else None

        def __call__(self, x):
            self.out = x @ self.weight
            if self.bias is not None:
                self.out += self.bias
            return self.out

        def parameters(self):
            return [self.weight] + ([] if self.bias is None else [self.bias])

    class BatchNorm1d:
        def __init__(self, dim, eps=1e-5, momentum=0.1):
            self.eps = eps
            self.momentum = momentum
            self.training = True
            self.gamma = T.ones(dim)
            self.beta = T.zeros(dim)
            self.running_mean = T.zeros(dim)
            self.running_var = T.ones(dim)

        def __call__(self, x):
            if self.training:
                if x.ndim == 2:
                    dim = 0
                elif x.ndim == 3:
                    dim = (0, 1)
                xmean = x.mean(dim, keepdim=True)
                xvar = x.var(dim, keepdim=True)
            else:
                xmean = self.running_mean
                xvar = self.running_var
            xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
            self.out = self.gamma * xhat + self.beta
            if self.training:
                with T.no_grad():
                    self.running_mean = ((1 - self.momentum) * self.running_mean
                                         + self.momentum * xmean)
                    self.running_var = ((1 - self.momentum) * self.running_var
                                        + self.momentum * xvar)
            return self.out

        def parameters(self):
            return [self.gamma, self.beta]

    class Tanh:
        def __call__(self, x):
            self.out = torch.tanh(x)
            return self.out

        def parameters(self):
            return []

    class Embedding:
        def __init__(self, num_embeddings, embedding_dim):
            self.weight = randn((num_embeddings, embedding_dim))

        def __call__(self, IX):
            self.out = self.weight[IX]
            return self.out

        def parameters(self):
            return [self.weight]

    class FlattenConsecutive:
        def __init__(self, n):
            self.n = n

        def __call__(self, x):
            B, T_, C = x.shape
            x = x.view(B, T_ // self.n, C * self.n)
            if x.shape[1] == 1:
                x = x.squeeze(1)
            self.out = x
            return self.out

        def parameters(self):
            return []

    class Sequential:
        def __init__(self, layers):
            self.layers = layers

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            self.out = x
            return self.out

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    n_embd, n_hidden, block_size = 4, 12, 8
    Xtr, Ytr = build_dataset(T, WORDS, block_size)
    model = Sequential([
        Embedding(VOCAB, n_embd),
        FlattenConsecutive(2), Linear(n_embd * 2, n_hidden, bias=False), BatchNorm1d(n_hidden),
        Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False),
        BatchNorm1d(n_hidden), Tanh(),
        FlattenConsecutive(2), Linear(n_hidden * 2, n_hidden, bias=False),
        BatchNorm1d(n_hidden), Tanh(),
        Linear(n_hidden, VOCAB),
    ])
    with T.no_grad():
        model.layers[-1].weight *= 0.1
    parameters = model.parameters()
    for p in parameters:
        p.requires_grad = True
    out = []
    for i, ix in enumerate(batches):
        ix = T.tensor(ix)
        Xb, Yb = Xtr[ix], Ytr[ix]
        logits = model(Xb)
        for layer in model.layers:
            layer.out.retain_grad()
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        out.append((loss.item(), [_arr(p.grad).copy() for p in parameters],
                    [_arr(layer.out.grad).copy() for layer in model.layers]))
        lr = 0.1 if i < 2 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
    for layer in model.layers:
        layer.training = False
    with T.no_grad():
        logits = model(Xtr[:20])
        val = F.cross_entropy(logits, Ytr[:20]).item()
    running = [(layer.running_mean, layer.running_var) for layer in model.layers
               if isinstance(layer, BatchNorm1d)]
    return out, val, running, [_arr(p) for p in parameters]


def test_makemore_wavenet(torch):
    draws = [R.standard_normal(n) for n in (VOCAB * 4, 8 * 12, 24 * 12, 24 * 12, 12 * VOCAB)]
    batches = [R.integers(0, 100, 10) for _ in range(3)]
    want = makemore_wavenet(_T_torch(torch), draws, batches)
    got = makemore_wavenet(_T_ad(), draws, batches)
    for step, (w, g) in enumerate(zip(want[0], got[0], strict=True)):
        _close(g[0], w[0], msg=f"loss {step}")
        for i, (a, b) in enumerate(zip(w[1] + w[2], g[1] + g[2], strict=True)):
            _close(b, a, msg=f"grad {i} {step}")
    _close(got[1], want[1])
    for (gm, gv), (wm, wv) in zip(got[2], want[2], strict=True):
        _close(gm, wm)
        _close(gv, wv)
    for g, w in zip(got[3], want[3], strict=True):
        _close(g, w)


# ============ makemore.py: its Bigram, MLP, RNN, GRU and BoW models and training loop ============


def makemore_models(T):
    torch, nn, F = T.torch, T.nn, T.F

    class CausalBoW(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.block_size = config.block_size
            self.register_buffer("bias", T.tril(T.ones(config.block_size, config.block_size))
                                 .view(1, config.block_size, config.block_size))

        def forward(self, x):
            B, T_, C = x.size()
            att = T.zeros((B, T_, T_))
            att = att.masked_fill(self.bias[:, :T_, :T_] == 0, float('-inf'))
            att = F.softmax(att, dim=-1)
            y = att @ x
            return y

    class BoWBlock(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.cbow = CausalBoW(config)
            self.mlp = nn.ModuleDict(dict(
                c_fc=nn.Linear(config.n_embd, config.n_embd2),
                c_proj=nn.Linear(config.n_embd2, config.n_embd),
            ))
            m = self.mlp
            self.mlpf = lambda x: m.c_proj(F.tanh(m.c_fc(x)))

        def forward(self, x):
            x = x + self.cbow(x)
            x = x + self.mlpf(x)
            return x

    def _loss(logits, targets):
        if targets is None:
            return None
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                               ignore_index=-1)

    class BoW(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.block_size = config.block_size
            self.vocab_size = config.vocab_size
            self.wte = nn.Embedding(config.vocab_size, config.n_embd)
            self.wpe = nn.Embedding(config.block_size, config.n_embd)
            self.context_block = BoWBlock(config)
            self.lm_head = nn.Linear(config.n_embd, self.vocab_size)

        def forward(self, idx, targets=None):
            b, t = idx.size()
            assert t <= self.block_size
            pos = T.arange(0, t, dtype=T.long).unsqueeze(0)
            tok_emb = self.wte(idx)
            pos_emb = self.wpe(pos)
            x = tok_emb + pos_emb
            x = self.context_block(x)
            logits = self.lm_head(x)
            return logits, _loss(logits, targets)

    class RNNCell(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.xh_to_h = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)

        def forward(self, xt, hprev):
            xh = T.cat([xt, hprev], dim=1)
            ht = F.tanh(self.xh_to_h(xh))
            return ht

    class GRUCell(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.xh_to_z = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)
            self.xh_to_r = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)
            self.xh_to_hbar = nn.Linear(config.n_embd + config.n_embd2, config.n_embd2)

        def forward(self, xt, hprev):
            xh = T.cat([xt, hprev], dim=1)
            r = F.sigmoid(self.xh_to_r(xh))
            hprev_reset = r * hprev
            xhr = T.cat([xt, hprev_reset], dim=1)
            hbar = F.tanh(self.xh_to_hbar(xhr))
            z = F.sigmoid(self.xh_to_z(xh))
            ht = (1 - z) * hprev + z * hbar
            return ht

    class RNN(nn.Module):
        def __init__(self, config, cell_type):
            super().__init__()
            self.block_size = config.block_size
            self.vocab_size = config.vocab_size
            self.start = nn.Parameter(T.zeros(1, config.n_embd2))
            self.wte = nn.Embedding(config.vocab_size, config.n_embd)
            if cell_type == 'rnn':
                self.cell = RNNCell(config)
            elif cell_type == 'gru':
                self.cell = GRUCell(config)
            self.lm_head = nn.Linear(config.n_embd2, self.vocab_size)

        def forward(self, idx, targets=None):
            b, t = idx.size()
            emb = self.wte(idx)
            hprev = self.start.expand((b, -1))
            hiddens = []
            for i in range(t):
                xt = emb[:, i, :]
                ht = self.cell(xt, hprev)
                hprev = ht
                hiddens.append(ht)
            hidden = T.stack(hiddens, 1)
            logits = self.lm_head(hidden)
            return logits, _loss(logits, targets)

    class MLP(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.block_size = config.block_size
            self.vocab_size = config.vocab_size
            self.wte = nn.Embedding(config.vocab_size + 1, config.n_embd)
            self.mlp = nn.Sequential(
                nn.Linear(self.block_size * config.n_embd, config.n_embd2),
                nn.Tanh(),
                nn.Linear(config.n_embd2, self.vocab_size)
            )

        def forward(self, idx, targets=None):
            embs = []
            for _k in range(self.block_size):
                tok_emb = self.wte(idx)
                idx = torch.roll(idx, 1, 1)
                idx[:, 0] = self.vocab_size
                embs.append(tok_emb)
            x = T.cat(embs, -1)
            logits = self.mlp(x)
            return logits, _loss(logits, targets)

    class Bigram(nn.Module):
        def __init__(self, config):
            super().__init__()
            n = config.vocab_size
            self.logits = nn.Parameter(T.zeros((n, n)))

        def forward(self, idx, targets=None):
            logits = self.logits[idx]
            return logits, _loss(logits, targets)

    class CharDataset:
        def __init__(self, words, chars, max_word_length):
            self.words = words
            self.chars = chars
            self.max_word_length = max_word_length
            self.stoi = {ch: i + 1 for i, ch in enumerate(chars)}
            self.itos = {i: s for s, i in self.stoi.items()}

        def __len__(self):
            return len(self.words)

        def get_vocab_size(self):
            return len(self.chars) + 1

        def get_output_length(self):
            return self.max_word_length + 1

        def encode(self, word):
            return T.tensor([self.stoi[w] for w in word], dtype=T.long)

        def __getitem__(self, idx):
            word = self.words[idx]
            ix = self.encode(word)
            x = T.zeros(self.max_word_length + 1, dtype=T.long)
            y = T.zeros(self.max_word_length + 1, dtype=T.long)
            x[1:1 + len(ix)] = ix
            y[:len(ix)] = ix
            y[len(ix) + 1:] = -1
            return x, y

    return dict(bigram=Bigram, mlp=MLP, rnn=lambda c: RNN(c, 'rnn'),
                gru=lambda c: RNN(c, 'gru'), bow=BoW), CharDataset


def _makemore_train(T, model, dataset, batches):
    optimizer = T.optim.AdamW(model.parameters(), lr=5e-2, betas=(0.9, 0.99),
                              weight_decay=0.01, eps=1e-8)
    out = []
    for bix in batches:
        X, Y = (T.stack(list(b)) for b in zip(*[dataset[i] for i in bix], strict=True))
        logits, loss = model(X, Y)
        model.zero_grad(set_to_none=True)
        loss.backward()
        T.clip_grad_norm_(model.parameters(), 1.0)
        out.append((loss.item(), {n: _arr(p.grad).copy() for n, p in model.named_parameters()}))
        optimizer.step()
    return out, {n: _arr(p) for n, p in model.named_parameters()}


@pytest.mark.parametrize("kind", ["bigram", "mlp", "rnn", "gru", "bow"])
def test_makemore_py_models(torch, kind):
    tT, gT = _T_torch(torch), _T_ad()
    gT.torch = types.SimpleNamespace(roll=gnp.roll)
    gT.zeros = lambda *s, dtype=None: ad.tensor(
        gnp.zeros(s[0] if len(s) == 1 else s, dtype=dtype or np.float64))
    (tmodels, tData), (gmodels, gData) = makemore_models(tT), makemore_models(gT)
    maxlen = max(len(w) for w in WORDS)
    cfg = types.SimpleNamespace(vocab_size=VOCAB, block_size=maxlen + 1, n_embd=6, n_embd2=8)
    tm, gm = tmodels[kind](cfg), gmodels[kind](cfg)
    _load(gm, tm)
    chars = sorted(set("".join(WORDS)))
    tdata, gdata = tData(WORDS, chars, maxlen), gData(WORDS, chars, maxlen)
    batches = [R.integers(0, len(WORDS), 4) for _ in range(3)]
    want = _makemore_train(tT, tm, tdata, batches)
    got = _makemore_train(gT, gm, gdata, batches)
    for step, (w, g) in enumerate(zip(want[0], got[0], strict=True)):
        _close(g[0], w[0], msg=f"loss {step}")
        for n in w[1]:
            _close(g[1][n], w[1][n], msg=f"{n}.grad {step}")
    for n in want[1]:
        _close(got[1][n], want[1][n], msg=n)


# ============================ programs of NumPy only (these run in CI) ============================


def _moons(n, noise, rng):
    """sklearn.datasets.make_moons(n_samples=n, noise=noise), written out."""
    n_out, n_in = n // 2, n - n // 2
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(outer), 1 - np.cos(inner)),
                   np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return X + rng.normal(scale=noise, size=X.shape), y


def micrograd_nn(V, relu, uniform):
    """micrograd/nn.py with its Value given (``V``) and ``x.relu()`` written ``relu(x)``."""

    class Module:
        def zero_grad(self):
            for p in self.parameters():
                p.grad = None  # micrograd's Value starts at grad = 0; a Tensor's .grad is None

        def parameters(self):
            return []

    class Neuron(Module):
        def __init__(self, nin, nonlin=True):
            self.w = [V(uniform(-1, 1)) for _ in range(nin)]
            self.b = V(0.0)
            self.nonlin = nonlin

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)  # noqa: B905
            return relu(act) if self.nonlin else act

        def parameters(self):
            return self.w + [self.b]

    class Layer(Module):
        def __init__(self, nin, nout, **kwargs):
            self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

        def __call__(self, x):
            out = [n(x) for n in self.neurons]
            return out[0] if len(out) == 1 else out

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class MLP(Module):
        def __init__(self, nin, nouts):
            sz = [nin] + nouts
            self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1)
                           for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    return MLP


def micrograd_demo_loss(model, X, y, V, relu, batch_size=None, perm=None,
                        data=lambda v: v.data):
    """demo.ipynb's loss: an SVM max-margin loss plus L2 regularisation, and the accuracy."""
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = perm[:batch_size]  # np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(V, xrow)) for xrow in Xb]
    scores = list(map(model, inputs))
    losses = [relu(1 + -yi * scorei) for yi, scorei in zip(yb, scores)]  # noqa: B905
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    # scorei.data: autograd's boxes keep it in ._value
    accuracy = [(yi > 0) == (data(scorei) > 0) for yi, scorei in zip(yb, scores)]  # noqa: B905
    return total_loss, sum(accuracy) / len(accuracy)


def test_micrograd_demo():
    """The demo's training loop with gpuad 0-d Tensors as micrograd's Values (``p.data -=
    learning_rate * p.grad``; ``model.zero_grad()`` sets ``p.grad = None`` where micrograd writes
    0, which gpuad's backward refuses as torch's does), against HIPS autograd's
    gradient of the same loss with the parameters as a function's argument."""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp

    rng = np.random.default_rng(1337)
    X, y = _moons(16, 0.1, rng)
    y = y * 2 - 1
    init = rng.uniform(-1, 1, 200)

    def uniform_from(vals):
        it = iter(vals)
        return lambda lo, hi: float(next(it))

    # gpuad: Values are 0-d Tensors; inputs are constants
    def gV(v):
        return ad.tensor(gnp.asarray(float(v)), requires_grad=True)

    def grelu(v):
        return gnp.maximum(v, 0.0)

    gmodel = micrograd_nn(gV, grelu, uniform_from(init))(2, [6, 6, 1])
    gparams = gmodel.parameters()

    # autograd: the same classes build a model whose parameters are set from a flat vector
    def aV(v):
        return v

    def arelu(v):
        return anp.maximum(v, 0.0)

    amodel = micrograd_nn(aV, arelu, uniform_from(init))(2, [6, 6, 1])
    aparams_slots = [(n, i) for layer in amodel.layers for n in layer.neurons
                     for i in range(len(n.w) + 1)]

    def set_params(flat):
        for k, (n, i) in enumerate(aparams_slots):
            if i < len(n.w):
                n.w[i] = flat[k]
            else:
                n.b = flat[k]

    def afun(flat):
        set_params(flat)
        return micrograd_demo_loss(amodel, X, y, aV, arelu, data=lambda s: s._value)[0]

    flat = np.array([float(p) for p in gparams])
    assert len(flat) == 67
    agrad = autograd.value_and_grad(afun)
    for k in range(3):
        total_loss, acc = micrograd_demo_loss(gmodel, X, y, gV, grelu)
        gmodel.zero_grad()
        total_loss.backward()
        want_loss, want_grad = agrad(flat)
        np.testing.assert_allclose(float(total_loss), want_loss, rtol=1e-12)
        np.testing.assert_allclose([float(p.grad) for p in gparams], want_grad, rtol=1e-10,
                                   atol=1e-14)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in gparams:
            p.data -= learning_rate * p.grad
        flat = flat - learning_rate * want_grad
        np.testing.assert_allclose([float(p) for p in gparams], flat, rtol=1e-12, atol=1e-14)
    assert 0 <= acc <= 1


def min_char_rnn_loss(np, inputs, targets, hprev, Wxh, Whh, Why, bh, by, vocab_size):
    """min-char-rnn.py's lossFun, its forward pass."""
    xs, hs, ys, ps = {}, {}, {}, {}
    hs[-1] = np.copy(hprev)
    loss = 0
    for t in range(len(inputs)):
        xs[t] = np.zeros((vocab_size, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    return loss, (xs, hs, ps)


def min_char_rnn_backward(inputs, targets, Wxh, Whh, Why, bh, by, xs, hs, ps):
    """min-char-rnn.py's lossFun, its hand-written backward pass (before the clipping)."""
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    return [dWxh, dWhh, dWhy, dbh, dby]


def test_min_char_rnn():
    """Karpathy's min-char-rnn.py: gpuad's gradient of the forward pass, written with
    ``gpuad.numpy`` in place of NumPy, against the program's own backpropagation through time;
    then its Adagrad loop (with ``np.clip(dparam, -5, 5, out=dparam)``) on each."""
    data = "hello world, hello gpuad. "
    chars = sorted(set(data))
    data_size, vocab_size = len(data), len(chars)
    char_to_ix = {ch: i for i, ch in enumerate(chars)}
    hidden_size, seq_length, learning_rate = 12, 8, 1e-1
    rng = np.random.default_rng(7)
    params0 = [rng.standard_normal((hidden_size, vocab_size)) * 0.3,
               rng.standard_normal((hidden_size, hidden_size)) * 0.3,
               rng.standard_normal((vocab_size, hidden_size)) * 0.3,
               rng.standard_normal((hidden_size, 1)) * 0.1,
               rng.standard_normal((vocab_size, 1)) * 0.1]

    def gloss(Wxh, Whh, Why, bh, by, inputs, targets, hprev):
        loss, (_, hs, _) = min_char_rnn_loss(gnp, inputs, targets, hprev, Wxh, Whh, Why, bh,
                                             by, vocab_size)
        return loss, hs[len(inputs) - 1]

    value_and_grad = ad.value_and_grad(gloss, argnums=(0, 1, 2, 3, 4), has_aux=True)
    mine, theirs = [p.copy() for p in params0], [p.copy() for p in params0]
    mem_mine = [np.zeros_like(p) for p in params0]
    mem_theirs = [np.zeros_like(p) for p in params0]
    p = 0
    for n in range(5):
        if p + seq_length + 1 >= len(data) or n == 0:
            h_mine = h_theirs = np.zeros((hidden_size, 1))  # reset RNN memory
            p = 0  # go from start of data
        inputs = [char_to_ix[ch] for ch in data[p:p + seq_length]]
        targets = [char_to_ix[ch] for ch in data[p + 1:p + seq_length + 1]]
        hprev = h_theirs
        loss, (xs, hs, ps) = min_char_rnn_loss(np, inputs, targets, hprev, *theirs,
                                               vocab_size)
        dtheirs = min_char_rnn_backward(inputs, targets, *theirs, xs, hs, ps)
        h_theirs = hs[len(inputs) - 1]
        xp = ad.get_backend().xp
        (gl, gh), dmine = value_and_grad(*(xp.asarray(a) for a in mine), inputs, targets,
                                          xp.asarray(h_mine))
        dmine = [to_numpy(d) for d in dmine]
        h_mine = to_numpy(gh)
        np.testing.assert_allclose(float(gl), loss, rtol=1e-12)
        np.testing.assert_allclose(h_mine, h_theirs, rtol=1e-12, atol=1e-15)
        for a, b in zip(dmine, dtheirs, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
        assert max(np.abs(d).max() for d in dtheirs) > 0.1
        if n == 0:  # the gist's gradCheck: 10 entries of each parameter by central differences
            delta = 1e-5
            for param, dparam in zip(theirs, dmine, strict=True):
                for _i in range(10):
                    ri = int(rng.integers(param.size))
                    old_val = param.flat[ri]
                    param.flat[ri] = old_val + delta
                    cg0 = min_char_rnn_loss(np, inputs, targets, hprev, *theirs,
                                            vocab_size)[0]
                    param.flat[ri] = old_val - delta
                    cg1 = min_char_rnn_loss(np, inputs, targets, hprev, *theirs,
                                            vocab_size)[0]
                    param.flat[ri] = old_val
                    grad_numerical = (cg0 - cg1) / (2 * delta)
                    assert dparam.flat[ri] == pytest.approx(grad_numerical, rel=1e-6,
                                                            abs=1e-9)
        for params, dparams, mem in ((mine, dmine, mem_mine), (theirs, dtheirs, mem_theirs)):
            for param, dparam, m in zip(params, dparams, mem, strict=True):
                np.clip(dparam, -5, 5, out=dparam)
                m += dparam * dparam
                param += -learning_rate * dparam / np.sqrt(m + 1e-8)
        for a, b in zip(mine, theirs, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
        p += seq_length
    assert n == 4 and p == 2 * seq_length and data_size > 3 * seq_length  # wrapped around once


def test_nanogpt_compiled_step_equals_eager():
    """nanoGPT's training step (forward with the manual attention, backward through the tied
    embedding, clip_grad_norm_, AdamW's two groups, zero_grad(set_to_none=True)) under
    gpuad.jit, against the eager run (which equals torch's above); the learning rate is set
    between calls, as torch's train.py sets it before each iteration."""
    import copy

    gT = _gpuad_T()
    batches = [(R.integers(0, 11, (3, 8)), R.integers(0, 11, (3, 8))) for _ in range(3)]
    GPT, Conf = nanogpt(gT, False)
    base = GPT(Conf(block_size=8, vocab_size=11, n_layer=1, n_head=2, n_embd=8))
    runs = {}
    for compiled in (False, True):
        model = copy.deepcopy(base)
        assert model.transformer.wte.weight is model.lm_head.weight
        opt = model.configure_optimizers(0.1, 6e-3, (0.9, 0.95), 'cpu')

        def step(X, Y, model=model, opt=opt):
            _, loss = model(X, Y)
            loss.backward()
            norm = gT.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            return loss, norm

        if compiled:
            step = ad.jit(step)
        log = []
        for i, (x, y) in enumerate(batches):
            for g in opt.param_groups:
                g['lr'] = 6e-3 * (i + 1) / 3
            loss, norm = step(gT.from_numpy(x), gT.from_numpy(y))
            log.append((float(loss), float(norm)))
        runs[compiled] = (log, [_arr(v).copy() for v in model.state_dict().values()])
    np.testing.assert_allclose(runs[True][0], runs[False][0], rtol=1e-12)
    for a, b in zip(runs[True][1], runs[False][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
