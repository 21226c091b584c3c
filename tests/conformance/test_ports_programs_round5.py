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
  Neurons, the max-margin loss, compared with HIPS autograd) and Karpathy's ``min-char-rnn.py``
  (gpuad's gradient of its loss against the program's own hand-written backpropagation through
  time).

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
