"""Programs written for PyTorch run in gpuad and in PyTorch (float64) from the same initial
weights and data, comparing losses, gradients and parameters at every step:

- karpathy/llama2.c ``model.py`` (commit c05b45a5): ``ModelArgs``, ``RMSNorm``
  (``torch.rsqrt`` of ``x.pow(2).mean(-1, keepdim=True)``, ``.float()``, ``type_as``),
  ``precompute_freqs_cis`` (``torch.outer``), ``reshape_for_broadcast`` (``view`` of a shape
  list), ``apply_rotary_emb`` (``reshape(x.shape[:-1] + (-1, 2)).unbind(-1)``, ``torch.stack``
  and ``flatten(3)``), ``repeat_kv`` (``x[:, :, :, None, :].expand(...).reshape(...)``),
  ``Attention`` both ways (``F.scaled_dot_product_attention(.., is_causal=True)`` and the
  manual path: a ``torch.full(.., -inf)`` ``triu`` mask buffer, ``softmax``), ``FeedForward``
  (``silu`` gating, the ``multiple_of`` hidden size), ``TransformerBlock``, ``Transformer``
  (weight tying ``tok_embeddings.weight = output.weight``, non-persistent RoPE buffers,
  ``self.apply(self._init_weights)``, the scaled init of ``w3``/``wo`` by ``named_parameters``,
  ``F.cross_entropy(.., ignore_index=-1)``, the inference path ``h[:, [-1], :]``),
  ``configure_optimizers`` (AdamW over decay and no-decay groups chosen by ``p.dim()``) and
  ``generate`` under ``torch.inference_mode`` (``topk``, the top-k crop
  ``logits[logits < v[:, [-1]]] = -float('Inf')``);
- johnma2006/mamba-minimal ``model.py`` (commit 03de542a): ``ModelArgs.__post_init__`` (the
  ``dt_rank='auto'`` and padded vocabulary), ``Mamba`` (tied ``lm_head``), ``ResidualBlock``,
  ``MambaBlock`` (``split(split_size=[..], dim=-1)``, a depthwise causal ``Conv1d`` with
  ``groups=d_inner`` and ``padding=d_conv - 1`` cut to ``[:, :, :l]``, ``A_log`` from
  ``repeat(torch.arange(..), 'n -> d n')``, ``F.softplus``, ``selective_scan``: ``exp`` of an
  einsum, the sequential scan over ``deltaA[:, i] * x + deltaB_u[:, i]`` and ``torch.stack``)
  and ``RMSNorm``, trained a few AdamW steps on a next-token loss (the program has no loop).
  einops is not a dependency here: ``rearrange``/``repeat``/``einsum`` are a small stand-in
  over each library's own ``einsum``/``permute``/``expand`` for the patterns the program uses;
- greydanus/hamiltonian-nn ``hnn.py`` (commit 4009db67), ``nn_models.py`` (bbd2283e),
  ``utils.py`` (ef9f8d93) and ``experiment-spring/train.py`` and ``data.py`` (702d88f8,
  4009db67): the spring data set (``autograd.grad`` of the Hamiltonian inside SciPy's
  ``solve_ivp``, in HIPS autograd and in gpuad), ``MLP`` (``orthogonal_`` init, the
  ``choose_nonlinearity`` table), ``HNN`` (``y.split(1, 1)``, the vector field by
  ``torch.autograd.grad(F.sum(), x, create_graph=True)`` times ``torch.eye`` or ``M.t()``,
  ``permutation_tensor`` both ways: ``torch.cat`` of ``eye`` slices, or the Levi-Civita form by
  in-place ``M *= ...``, ``M[::2] *= -1``, ``M[i, j] *= -1``), the baseline, ``rk4`` and
  ``integrate_model``, trained by ``train``'s loop (Adam with ``weight_decay``, the test loss
  of a second graph through the input) with every nonlinearity and field type.
  ``train.py`` calls ``rk4_time_derivative(x)`` without ``dt`` (a ``TypeError``): the port
  gives ``dt=0.1``; its final ``train_dist.std()`` is torch's unbiased one, written
  ``std(correction=1)`` (gpuad's ``x.std()`` is NumPy's, docs/porting.md), and
  ``integrate_model``'s ``model.time_derivative(x).data.numpy()`` is ``.detach().numpy()``
  (gpuad's ``x.data`` is the backend array);
- harvardnlp/annotated-transformer ``the_annotated_transformer.py`` (commit 0a91a254):
  ``EncoderDecoder``, ``Generator``, ``clones`` (``copy.deepcopy`` into ``nn.ModuleList``), the
  notebook's ``LayerNorm`` (``x.std(-1, keepdim=True)``, torch's unbiased one),
  ``SublayerConnection``, encoder and decoder layers and stacks, ``subsequent_mask``
  (``triu(..).type(torch.uint8) == 0``), ``attention`` (``masked_fill(mask == 0, -1e9)``,
  ``scores.softmax(dim=-1)``), ``MultiHeadedAttention`` (``view``/``transpose(1, 2)``, the
  kept ``self.attn``), ``PositionwiseFeedForward``, ``Embeddings``, ``PositionalEncoding``
  (strided writes, ``requires_grad_(False)`` of a buffer slice), ``make_model``
  (``xavier_uniform_``), ``Batch`` (``make_std_mask``: ``&`` of a bool mask and
  ``type_as(tgt_mask.data)``, ``ntokens`` by ``.data.sum()``), ``run_epoch`` with
  ``TrainState``, ``DummyOptimizer`` (a ``torch.optim.Optimizer`` subclass that never calls
  ``super().__init__``) and ``DummyScheduler``, ``rate`` under ``LambdaLR`` (also
  ``example_learning_schedule``'s three schedules, 200 steps each), ``LabelSmoothing``
  (``fill_``, ``scatter_``, a column write, ``torch.nonzero`` and
  ``index_fill_``, ``KLDivLoss(reduction="sum")``) with ``example_label_smoothing`` and the
  penalization curve (``log`` of zeros: ``-inf`` inputs), ``SimpleLossCompute``
  (``sloss.data * norm``), ``data_gen``, ``example_simple_model`` (two epochs of training and
  evaluation), ``inference_test`` (``torch.empty(1, 1).type_as(src.data).fill_``) and
  ``greedy_decode`` (``torch.max(prob, dim=1)``, ``fill_``,
  ``next_word.data[0]``), and Part 3's ``collate_batch`` (``F.pad(.., value=pad_id)`` of
  ``torch.cat`` rows, ``torch.stack``) feeding one ``train+log`` step. The notebook's
  ``make_model`` builds ``MultiHeadedAttention(h, d_model)`` with its default dropout 0.1
  whatever ``dropout`` it is given: the port passes ``dropout`` (0 here); ``LabelSmoothing``'s
  ``x.data.clone()`` and ``target.data`` are ``x.detach().clone()`` and ``target.detach()``
  (gpuad's ``x.data`` is the backend array; the ``.data`` reads of numbers are kept);
  ``data_gen``'s ``torch.randint`` draws come from NumPy;
- yunjey/pytorch-tutorial (commit 78c6afe6) ``tutorials/03-advanced/
  generative_adversarial_network/main.py`` (``nn.Sequential`` discriminator and generator with
  ``LeakyReLU``/``Sigmoid``/``Tanh``, ``BCELoss``, two Adams and ``reset_grad``, ``denorm`` by
  ``clamp``), ``variational_autoencoder/main.py`` (``reparameterize`` by ``exp(log_var / 2)``,
  ``F.sigmoid``, the summed ``binary_cross_entropy`` and the KL term, sampling and
  reconstructions under ``no_grad`` joined by ``torch.cat(.., dim=3)``) and
  ``02-intermediate/convolutional_neural_network/main.py`` (``Conv2d`` with padding,
  ``BatchNorm2d``, ``MaxPool2d``, ``reshape(out.size(0), -1)``, ``CrossEntropyLoss``, the
  evaluation under ``model.eval()`` and ``no_grad`` with ``torch.max(.., 1)`` and
  ``(predicted == labels).sum().item()``). MNIST is a small set of random images (normalised
  as the GAN's ``transforms.Normalize(0.5, 0.5)``), loaded without shuffling; ``torch.randn``
  and ``randn_like`` come from shared NumPy draws; the VAE's ``size_average=False`` is
  ``reduction="sum"`` (deprecated in torch, refused by gpuad) and the ConvNet's
  ``torch.max(outputs.data, 1)`` is ``outputs.detach()`` (gpuad's ``.data`` is the backend
  array);
- Dive into Deep Learning (PyTorch) 5.7 "Predicting House Prices on Kaggle"
  (d2l-ai/d2l-en ``chapter_multilayer-perceptrons/kaggle-house-price.md``, the ``#@tab
  pytorch`` cells): ``get_net`` (the linear model, and an MLP as the section's exercise asks),
  ``log_rmse`` (``torch.clamp(.., 1, float('inf'))``, ``sqrt`` of the mean ``MSELoss`` of
  logs), ``train`` (Adam with ``weight_decay``), ``get_k_fold_data`` (slices and ``torch.cat``
  of the folds), ``k_fold`` and ``train_and_pred``. The Kaggle CSVs are a small random table
  preprocessed as the section's pandas code does (standardised numeric columns with NaN set
  to 0, a one-hot column with ``dummy_na``), in NumPy; ``d2l.load_array`` does not shuffle
  (the libraries draw different orders), and each ``get_net`` takes shared initial weights;
- karpathy/ng-video-lecture ``gpt.py`` (commit 4c8e9028): the character vocabulary
  (``encode``/``decode``), ``get_batch`` (``torch.stack`` of slices, ``.to(device)``),
  ``estimate_loss`` under the ``@torch.no_grad()`` decorator (``torch.zeros(eval_iters)``
  filled by ``losses[k] = loss.item()``), ``Head`` (a ``tril`` buffer, ``masked_fill(.. == 0,
  float('-inf'))``, ``k.shape[-1] ** -0.5``), ``MultiHeadAttention`` (``torch.cat`` of the
  heads), ``FeedFoward``, ``Block``, ``GPTLanguageModel`` (``self.apply(self._init_weights)``,
  ``torch.arange(T, device=device)`` positions, the ``(B*T, C)`` cross-entropy), the AdamW
  loop with its evaluations, and ``generate`` from ``torch.zeros((1, 1), dtype=torch.long,
  device=device)``. The text is a few lines of tiny Shakespeare; ``torch.randint`` comes
  from shared draws; ``torch.multinomial`` in ``generate`` is the likeliest token (the
  probabilities are compared).

Each program is written once against a namespace ``T`` of torch's names or of the gpuad names
docs/porting.md gives; the models are built by the same code for both and gpuad's model loads
torch's initial ``state_dict``. Tolerance 1e-9 relative: float64 rounding through a few
thousand operations. Differences from the originals: sizes are tiny; dropout runs at ``p=0``
(the libraries draw different masks); llama2.c's and mamba-minimal's ``.float()`` (an upcast
from half precision to float32 around the norm, the rotation, the softmax and the scan) is
``.double()``: the run is in float64 throughout; ``generate`` samples at temperature 0
(``topk``), and with ``temperature``/``top_k`` the probabilities before ``torch.multinomial``
are compared (the libraries draw differently).
"""

from __future__ import annotations

import copy
import inspect
import math
import types
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(909)


@pytest.fixture(autouse=True)
def _fresh_draws():
    global R
    R = np.random.default_rng(909)


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
        lib="torch",
        torch=torch,
        nn=torch.nn,
        F=torch.nn.functional,
        optim=torch.optim,
        Tensor=torch.Tensor,
        tensor=lambda a, **k: torch.tensor(np.asarray(a), **k),
        zeros=torch.zeros,
        ones=torch.ones,
        full=torch.full,
        arange=torch.arange,
        outer=torch.outer,
        rsqrt=torch.rsqrt,
        exp=torch.exp,
        eye=torch.eye,
        zeros_like=torch.zeros_like,
        grad=torch.autograd.grad,
        relu=torch.relu,
        sigmoid=torch.sigmoid,
        clamp=torch.clamp,
        sqrt=torch.sqrt,
        mean=torch.mean,
        log=torch.log,
        sin=torch.sin,
        cos=torch.cos,
        tanh=torch.tanh,
        triu=torch.triu,
        tril=torch.tril,
        cat=torch.cat,
        stack=torch.stack,
        matmul=torch.matmul,
        einsum=torch.einsum,
        topk=torch.topk,
        softmax=torch.softmax,
        long=torch.long,
        uint8=torch.uint8,
        int64=torch.int64,
        LongTensor=lambda a: torch.tensor(np.asarray(a), dtype=torch.long),
        FloatTensor=lambda a: torch.tensor(np.asarray(a, dtype=float)),
        empty=torch.empty,
        nonzero=torch.nonzero,
        max=lambda x, dim: torch.max(x, dim),
        sum=torch.sum,
        pad=torch.nn.functional.pad,
        LambdaLR=torch.optim.lr_scheduler.LambdaLR,
        Optimizer=torch.optim.Optimizer,
        DataLoader=torch.utils.data.DataLoader,
        TensorDataset=torch.utils.data.TensorDataset,
        no_grad=torch.no_grad,
        inference_mode=torch.inference_mode,
    )


def _gpuad_T():
    from gpuad import nn, optim
    from gpuad.nn import functional as F
    from gpuad.utils import data

    xp = _xp()

    def _shape(s):
        return s[0] if len(s) == 1 and isinstance(s[0], tuple | list) else s

    return types.SimpleNamespace(
        lib="gpuad",
        torch=ad,
        nn=nn,
        F=F,
        optim=optim,
        Tensor=ad.Tensor,
        tensor=lambda a, **k: ad.tensor(xp.asarray(np.asarray(a)), **k),
        zeros=lambda *s, **k: ad.tensor(gnp.zeros(_shape(s), **k)),
        ones=lambda *s, **k: ad.tensor(gnp.ones(_shape(s), **k)),
        full=lambda s, v: ad.tensor(gnp.full(s, v)),
        arange=lambda *a, **k: ad.tensor(gnp.arange(*a, **k)),
        outer=lambda a, b: ad.tensor(gnp.outer(a, b)),
        rsqrt=lambda x: x.rsqrt(),
        exp=gnp.exp,
        eye=lambda *n: ad.tensor(gnp.eye(*n)),
        zeros_like=lambda x: ad.tensor(gnp.zeros_like(x)),
        grad=ad.autograd.grad,
        relu=lambda x: x.relu(),
        sigmoid=lambda x: x.sigmoid(),
        clamp=lambda x, lo, hi: x.clamp(lo, hi),
        sqrt=gnp.sqrt,
        mean=gnp.mean,
        log=gnp.log,
        sin=gnp.sin,
        cos=gnp.cos,
        tanh=gnp.tanh,
        triu=lambda x, diagonal=0: gnp.triu(x, k=diagonal),
        tril=lambda x, diagonal=0: gnp.tril(x, k=diagonal),
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        stack=lambda xs, dim=0: gnp.stack(xs, axis=dim),
        matmul=gnp.matmul,
        einsum=gnp.einsum,
        topk=lambda x, k, dim=-1: x.topk(k, dim),
        softmax=lambda x, dim: F.softmax(x, dim=dim),
        long=np.int64,
        uint8=np.uint8,
        int64=np.int64,
        LongTensor=lambda a: ad.tensor(xp.asarray(np.asarray(a, dtype=np.int64))),
        FloatTensor=lambda a: ad.tensor(xp.asarray(np.asarray(a, dtype=float))),
        empty=lambda *s: ad.tensor(gnp.empty(_shape(s))),
        nonzero=lambda x: x.nonzero(as_tuple=False),
        max=lambda x, dim: x.max(dim=dim),
        sum=lambda *xs: xs[0].sum() if len(xs) == 1 else sum(xs[1:], xs[0]),
        pad=F.pad,
        LambdaLR=optim.lr_scheduler.LambdaLR,
        Optimizer=optim.Optimizer,
        DataLoader=data.DataLoader,
        TensorDataset=data.TensorDataset,
        no_grad=ad.no_grad,
        inference_mode=ad.inference_mode,
    )


def _arr(t):
    if isinstance(t, ad.Tensor):
        return to_numpy(t.detach())
    if hasattr(t, "detach"):
        return t.detach().numpy()
    if isinstance(t, int | float | np.ndarray | np.generic):
        return np.asarray(t)
    return to_numpy(t)


def _close(a, b, rtol=1e-9, atol=1e-12, msg=""):
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), msg
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, rtol, atol, f"{msg}[{i}]")
        return
    np.testing.assert_allclose(_arr(a), _arr(b), rtol=rtol, atol=atol, err_msg=msg)


def _load(gmodel, tmodel):
    xp = _xp()
    gmodel.load_state_dict(
        {k: xp.asarray(v.detach().numpy()) for k, v in tmodel.state_dict().items()}
    )


def _tol(backend):
    # float64 rounding on the host; a GPU sums and multiplies in other orders
    return {"rtol": 1e-9, "atol": 1e-12} if backend == "numpy" else {"rtol": 1e-7, "atol": 1e-9}


def _same_models(g, t, grads=True, msg="", rtol=1e-9, atol=1e-12):
    gp, tp = dict(g.named_parameters()), dict(t.named_parameters())
    assert sorted(gp) == sorted(tp)
    for k, p in gp.items():
        _close(p, tp[k], msg=f"{msg} {k}", rtol=rtol, atol=atol)
        if grads:
            assert (p.grad is None) == (tp[k].grad is None), k
            if p.grad is not None:
                _close(p.grad, tp[k].grad, msg=f"{msg} grad {k}", rtol=rtol, atol=atol)


def _same_logs(g, t, rtol=1e-9, atol=1e-12):
    assert g.keys() == t.keys()
    for key in g:
        assert len(g[key]) == len(t[key]) > 0, key
        for i, (a, b) in enumerate(zip(g[key], t[key], strict=True)):
            _close(a, b, rtol=rtol, atol=atol, msg=f"{key}[{i}]")


# ---- karpathy/llama2.c model.py ---------------------------------------------------------------


@dataclass
class ModelArgs:
    dim: int = 4096
    n_layers: int = 32
    n_heads: int = 32
    n_kv_heads: int | None = None
    vocab_size: int = 32000
    hidden_dim: int | None = None
    multiple_of: int = 256
    norm_eps: float = 1e-5
    max_seq_len: int = 2048
    dropout: float = 0.0


def _llama_classes(T, flash=True):
    nn, F, torch = T.nn, T.F, T.torch

    class RMSNorm(nn.Module):
        def __init__(self, dim: int, eps: float):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(T.ones(dim))

        def _norm(self, x):
            return x * T.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

        def forward(self, x):
            output = self._norm(x.double()).type_as(x)
            return output * self.weight

    def precompute_freqs_cis(dim: int, end: int, theta: float = 10000.0):
        freqs = 1.0 / (theta ** (T.arange(0, dim, 2)[: (dim // 2)].double() / dim))
        t = T.arange(end)
        freqs = T.outer(t, freqs).double()
        freqs_cos = T.cos(freqs)
        freqs_sin = T.sin(freqs)
        return freqs_cos, freqs_sin

    def reshape_for_broadcast(freqs_cis, x):
        ndim = x.ndim
        assert 0 <= 1 < ndim
        assert freqs_cis.shape == (x.shape[1], x.shape[-1])
        shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
        return freqs_cis.view(shape)

    def apply_rotary_emb(xq, xk, freqs_cos, freqs_sin):
        xq_r, xq_i = xq.double().reshape(xq.shape[:-1] + (-1, 2)).unbind(-1)
        xk_r, xk_i = xk.double().reshape(xk.shape[:-1] + (-1, 2)).unbind(-1)
        freqs_cos = reshape_for_broadcast(freqs_cos, xq_r)
        freqs_sin = reshape_for_broadcast(freqs_sin, xq_r)
        xq_out_r = xq_r * freqs_cos - xq_i * freqs_sin
        xq_out_i = xq_r * freqs_sin + xq_i * freqs_cos
        xk_out_r = xk_r * freqs_cos - xk_i * freqs_sin
        xk_out_i = xk_r * freqs_sin + xk_i * freqs_cos
        xq_out = T.stack([xq_out_r, xq_out_i], dim=-1).flatten(3)
        xk_out = T.stack([xk_out_r, xk_out_i], dim=-1).flatten(3)
        return xq_out.type_as(xq), xk_out.type_as(xk)

    def repeat_kv(x, n_rep: int):
        bs, slen, n_kv_heads, head_dim = x.shape
        if n_rep == 1:
            return x
        return (
            x[:, :, :, None, :]
            .expand(bs, slen, n_kv_heads, n_rep, head_dim)
            .reshape(bs, slen, n_kv_heads * n_rep, head_dim)
        )

    class Attention(nn.Module):
        def __init__(self, args: ModelArgs):
            super().__init__()
            self.n_kv_heads = args.n_heads if args.n_kv_heads is None else args.n_kv_heads
            assert args.n_heads % self.n_kv_heads == 0
            model_parallel_size = 1
            self.n_local_heads = args.n_heads // model_parallel_size
            self.n_local_kv_heads = self.n_kv_heads // model_parallel_size
            self.n_rep = self.n_local_heads // self.n_local_kv_heads
            self.head_dim = args.dim // args.n_heads
            self.wq = nn.Linear(args.dim, args.n_heads * self.head_dim, bias=False)
            self.wk = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
            self.wv = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)
            self.wo = nn.Linear(args.n_heads * self.head_dim, args.dim, bias=False)
            self.attn_dropout = nn.Dropout(args.dropout)
            self.resid_dropout = nn.Dropout(args.dropout)
            self.dropout = args.dropout
            self.flash = flash and hasattr(F, "scaled_dot_product_attention")
            if not self.flash:
                mask = T.full((1, 1, args.max_seq_len, args.max_seq_len), float("-inf"))
                mask = T.triu(mask, diagonal=1)
                self.register_buffer("mask", mask)

        def forward(self, x, freqs_cos, freqs_sin):
            bsz, seqlen, _ = x.shape
            xq, xk, xv = self.wq(x), self.wk(x), self.wv(x)
            xq = xq.view(bsz, seqlen, self.n_local_heads, self.head_dim)
            xk = xk.view(bsz, seqlen, self.n_local_kv_heads, self.head_dim)
            xv = xv.view(bsz, seqlen, self.n_local_kv_heads, self.head_dim)
            xq, xk = apply_rotary_emb(xq, xk, freqs_cos, freqs_sin)
            xk = repeat_kv(xk, self.n_rep)
            xv = repeat_kv(xv, self.n_rep)
            xq = xq.transpose(1, 2)
            xk = xk.transpose(1, 2)
            xv = xv.transpose(1, 2)
            if self.flash:
                output = F.scaled_dot_product_attention(
                    xq,
                    xk,
                    xv,
                    attn_mask=None,
                    dropout_p=self.dropout if self.training else 0.0,
                    is_causal=True,
                )
            else:
                scores = T.matmul(xq, xk.transpose(2, 3)) / math.sqrt(self.head_dim)
                assert hasattr(self, "mask")
                scores = scores + self.mask[:, :, :seqlen, :seqlen]
                scores = F.softmax(scores.double(), dim=-1).type_as(xq)
                scores = self.attn_dropout(scores)
                output = T.matmul(scores, xv)
            output = output.transpose(1, 2).contiguous().view(bsz, seqlen, -1)
            output = self.wo(output)
            output = self.resid_dropout(output)
            return output

    class FeedForward(nn.Module):
        def __init__(self, dim: int, hidden_dim: int, multiple_of: int, dropout: float):
            super().__init__()
            if hidden_dim is None:
                hidden_dim = 4 * dim
                hidden_dim = int(2 * hidden_dim / 3)
                hidden_dim = multiple_of * ((hidden_dim + multiple_of - 1) // multiple_of)
            self.w1 = nn.Linear(dim, hidden_dim, bias=False)
            self.w2 = nn.Linear(hidden_dim, dim, bias=False)
            self.w3 = nn.Linear(dim, hidden_dim, bias=False)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            return self.dropout(self.w2(F.silu(self.w1(x)) * self.w3(x)))

    class TransformerBlock(nn.Module):
        def __init__(self, layer_id: int, args: ModelArgs):
            super().__init__()
            self.n_heads = args.n_heads
            self.dim = args.dim
            self.head_dim = args.dim // args.n_heads
            self.attention = Attention(args)
            self.feed_forward = FeedForward(
                dim=args.dim,
                hidden_dim=args.hidden_dim,
                multiple_of=args.multiple_of,
                dropout=args.dropout,
            )
            self.layer_id = layer_id
            self.attention_norm = RMSNorm(args.dim, eps=args.norm_eps)
            self.ffn_norm = RMSNorm(args.dim, eps=args.norm_eps)

        def forward(self, x, freqs_cos, freqs_sin):
            h = x + self.attention.forward(self.attention_norm(x), freqs_cos, freqs_sin)
            out = h + self.feed_forward.forward(self.ffn_norm(h))
            return out

    class Transformer(nn.Module):
        def __init__(self, params: ModelArgs):
            super().__init__()
            self.params = params
            self.vocab_size = params.vocab_size
            self.n_layers = params.n_layers
            self.tok_embeddings = nn.Embedding(params.vocab_size, params.dim)
            self.dropout = nn.Dropout(params.dropout)
            self.layers = nn.ModuleList()
            for layer_id in range(params.n_layers):
                self.layers.append(TransformerBlock(layer_id, params))
            self.norm = RMSNorm(params.dim, eps=params.norm_eps)
            self.output = nn.Linear(params.dim, params.vocab_size, bias=False)
            # share the unembedding parameters with the embedding parameters
            self.tok_embeddings.weight = self.output.weight
            freqs_cos, freqs_sin = precompute_freqs_cis(
                self.params.dim // self.params.n_heads, self.params.max_seq_len
            )
            self.register_buffer("freqs_cos", freqs_cos, persistent=False)
            self.register_buffer("freqs_sin", freqs_sin, persistent=False)
            self.apply(self._init_weights)
            for pn, p in self.named_parameters():
                if pn.endswith("w3.weight") or pn.endswith("wo.weight"):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * params.n_layers))
            self.last_loss = None

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, tokens, targets=None):
            _bsz, seqlen = tokens.shape
            h = self.tok_embeddings(tokens)
            h = self.dropout(h)
            freqs_cos = self.freqs_cos[:seqlen]
            freqs_sin = self.freqs_sin[:seqlen]
            for layer in self.layers:
                h = layer(h, freqs_cos, freqs_sin)
            h = self.norm(h)
            if targets is not None:
                logits = self.output(h)
                self.last_loss = F.cross_entropy(
                    logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1
                )
            else:
                logits = self.output(h[:, [-1], :])
                self.last_loss = None
            return logits

        def configure_optimizers(self, weight_decay, learning_rate, betas, device_type):
            param_dict = {pn: p for pn, p in self.named_parameters()}
            param_dict = {pn: p for pn, p in param_dict.items() if p.requires_grad}
            decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
            nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
            optim_groups = [
                {"params": decay_params, "weight_decay": weight_decay},
                {"params": nodecay_params, "weight_decay": 0.0},
            ]
            fused_available = "fused" in inspect.signature(T.optim.AdamW).parameters
            use_fused = fused_available and device_type == "cuda"
            extra_args = dict(fused=True) if use_fused else dict()
            optimizer = T.optim.AdamW(optim_groups, lr=learning_rate, betas=betas, **extra_args)
            return optimizer

        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, probs_log=None):
            with T.inference_mode():
                for _ in range(max_new_tokens):
                    idx_cond = (
                        idx
                        if idx.size(1) <= self.params.max_seq_len
                        else idx[:, -self.params.max_seq_len :]
                    )
                    logits = self(idx_cond)
                    logits = logits[:, -1, :]
                    if temperature == 0.0:
                        _, idx_next = T.topk(logits, k=1, dim=-1)
                    else:
                        logits = logits / temperature
                        if top_k is not None:
                            v, _ = T.topk(logits, min(top_k, logits.size(-1)))
                            logits[logits < v[:, [-1]]] = -float("Inf")
                        probs = F.softmax(logits, dim=-1)
                        # differs: the libraries draw differently; the probabilities are
                        # compared and the most likely token taken
                        probs_log.append(probs)
                        _, idx_next = T.topk(probs, k=1, dim=-1)
                    idx = T.cat((idx, idx_next), dim=1)
            return idx

    del torch
    return Transformer


def _llama_program(T, tokens, targets, prompt, flash, state=None, steps=3):
    args = ModelArgs(
        dim=16,
        n_layers=2,
        n_heads=4,
        n_kv_heads=2,
        vocab_size=13,
        hidden_dim=None,
        multiple_of=8,
        max_seq_len=8,
        dropout=0.0,
    )
    Transformer = _llama_classes(T, flash=flash)
    model = Transformer(args)
    assert model.tok_embeddings.weight is model.output.weight
    assert "freqs_cos" not in model.state_dict()
    if state is not None:
        state(model)
    initial = copy.deepcopy(model)
    optimizer = model.configure_optimizers(0.1, 5e-3, (0.9, 0.95), "cpu")
    log = {"loss": [], "grads": [], "generated": [], "probs": [], "infer": []}
    X, Y = T.tensor(tokens), T.tensor(targets)
    model.train()
    for _ in range(steps):
        logits = model(X, Y)
        loss = model.last_loss
        loss.backward()
        log["loss"].append(loss.item())
        log["grads"].append([p.grad.detach().clone() for p in model.parameters()])
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    model.eval()
    logits = model(X)
    assert tuple(logits.shape) == (X.shape[0], 1, args.vocab_size)
    assert model.last_loss is None
    log["infer"].append(logits)
    idx = model.generate(T.tensor(prompt), 10, temperature=0.0)
    log["generated"].append(idx)
    probs = []
    model.generate(T.tensor(prompt), 3, temperature=0.8, top_k=4, probs_log=probs)
    log["probs"].extend(probs)
    return model, initial, log


@pytest.mark.parametrize("flash", [True, False], ids=["sdpa", "manual"])
def test_llama2c_model(torch, backend, flash):
    tol = _tol(backend)
    tokens = R.integers(0, 13, size=(3, 8))
    targets = np.roll(tokens, -1, axis=1)
    targets[0, -2:] = -1  # ignore_index
    prompt = R.integers(0, 13, size=(2, 3))
    tmodel, tinit, tlog = _llama_program(_torch_T(torch), tokens, targets, prompt, flash)
    gmodel, _, glog = _llama_program(
        _gpuad_T(), tokens, targets, prompt, flash, state=lambda m: _load(m, tinit)
    )
    _same_logs(glog, tlog, **tol)
    _same_models(gmodel, tmodel, grads=False, **tol)
    # the generated sequences ran past max_seq_len: the crop idx[:, -max_seq_len:] was taken
    assert glog["generated"][0].shape == (2, 13)
    assert glog["loss"][-1] < glog["loss"][0]


# ---- johnma2006/mamba-minimal model.py --------------------------------------------------------


def _einops(T):
    """The three einops calls of mamba-minimal, over the library's own einsum/permute/expand."""

    def _sides(pattern):
        left, right = pattern.split("->")
        return left.split(), right.split()

    def rearrange(x, pattern):
        left, right = _sides(pattern)
        return x.permute(*[left.index(n) for n in right])

    def repeat(x, pattern, **sizes):
        left, right = _sides(pattern)
        shape = [x.shape[left.index(n)] if n in left else sizes[n] for n in right]
        view = [x.shape[left.index(n)] if n in left else 1 for n in right]
        return x.reshape(view).expand(*shape).contiguous()

    def einsum(*args):
        *xs, pattern = args
        ins, out = pattern.split("->")
        names = sorted({n for part in ins.split(",") for n in part.split()})
        letter = {n: chr(ord("a") + i) for i, n in enumerate(names)}
        spec = ",".join("".join(letter[n] for n in p.split()) for p in ins.split(","))
        return T.einsum(spec + "->" + "".join(letter[n] for n in out.split()), *xs)

    return rearrange, repeat, einsum


@dataclass
class MambaArgs:
    d_model: int
    n_layer: int
    vocab_size: int
    d_state: int = 16
    expand: int = 2
    dt_rank: int | str = "auto"
    d_conv: int = 4
    pad_vocab_size_multiple: int = 8
    conv_bias: bool = True
    bias: bool = False

    def __post_init__(self):
        self.d_inner = int(self.expand * self.d_model)
        if self.dt_rank == "auto":
            self.dt_rank = math.ceil(self.d_model / 16)
        if self.vocab_size % self.pad_vocab_size_multiple != 0:
            self.vocab_size += (
                self.pad_vocab_size_multiple - self.vocab_size % self.pad_vocab_size_multiple
            )


def _mamba_classes(T):
    nn, F = T.nn, T.F
    rearrange, repeat, einsum = _einops(T)

    class Mamba(nn.Module):
        def __init__(self, args):
            super().__init__()
            self.args = args
            self.embedding = nn.Embedding(args.vocab_size, args.d_model)
            self.layers = nn.ModuleList([ResidualBlock(args) for _ in range(args.n_layer)])
            self.norm_f = RMSNorm(args.d_model)
            self.lm_head = nn.Linear(args.d_model, args.vocab_size, bias=False)
            self.lm_head.weight = self.embedding.weight

        def forward(self, input_ids):
            x = self.embedding(input_ids)
            for layer in self.layers:
                x = layer(x)
            x = self.norm_f(x)
            logits = self.lm_head(x)
            return logits

    class ResidualBlock(nn.Module):
        def __init__(self, args):
            super().__init__()
            self.args = args
            self.mixer = MambaBlock(args)
            self.norm = RMSNorm(args.d_model)

        def forward(self, x):
            output = self.mixer(self.norm(x)) + x
            return output

    class MambaBlock(nn.Module):
        def __init__(self, args):
            super().__init__()
            self.args = args
            self.in_proj = nn.Linear(args.d_model, args.d_inner * 2, bias=args.bias)
            self.conv1d = nn.Conv1d(
                in_channels=args.d_inner,
                out_channels=args.d_inner,
                bias=args.conv_bias,
                kernel_size=args.d_conv,
                groups=args.d_inner,
                padding=args.d_conv - 1,
            )
            self.x_proj = nn.Linear(args.d_inner, args.dt_rank + args.d_state * 2, bias=False)
            self.dt_proj = nn.Linear(args.dt_rank, args.d_inner, bias=True)
            A = repeat(T.arange(1, args.d_state + 1), "n -> d n", d=args.d_inner)
            self.A_log = nn.Parameter(T.log(A))
            self.D = nn.Parameter(T.ones(args.d_inner))
            self.out_proj = nn.Linear(args.d_inner, args.d_model, bias=args.bias)

        def forward(self, x):
            (b, l, d) = x.shape
            x_and_res = self.in_proj(x)
            (x, res) = x_and_res.split(split_size=[self.args.d_inner, self.args.d_inner], dim=-1)
            x = rearrange(x, "b l d_in -> b d_in l")
            x = self.conv1d(x)[:, :, :l]
            x = rearrange(x, "b d_in l -> b l d_in")
            x = F.silu(x)
            y = self.ssm(x)
            y = y * F.silu(res)
            output = self.out_proj(y)
            return output

        def ssm(self, x):
            (d_in, n) = self.A_log.shape
            A = -T.exp(self.A_log.double())
            D = self.D.double()
            x_dbl = self.x_proj(x)
            (delta, B, C) = x_dbl.split(split_size=[self.args.dt_rank, n, n], dim=-1)
            delta = F.softplus(self.dt_proj(delta))
            y = self.selective_scan(x, delta, A, B, C, D)
            return y

        def selective_scan(self, u, delta, A, B, C, D):
            (b, l, d_in) = u.shape
            n = A.shape[1]
            deltaA = T.exp(einsum(delta, A, "b l d_in, d_in n -> b l d_in n"))
            deltaB_u = einsum(delta, B, u, "b l d_in, b l n, b l d_in -> b l d_in n")
            x = T.zeros((b, d_in, n))
            ys = []
            for i in range(l):
                x = deltaA[:, i] * x + deltaB_u[:, i]
                y = einsum(x, C[:, i, :], "b d_in n, b n -> b d_in")
                ys.append(y)
            y = T.stack(ys, dim=1)
            y = y + u * D
            return y

    class RMSNorm(nn.Module):
        def __init__(self, d_model: int, eps: float = 1e-5):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(T.ones(d_model))

        def forward(self, x):
            output = x * T.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight
            return output

    return Mamba


def _mamba_program(T, tokens, state=None, steps=3):
    args = MambaArgs(d_model=8, n_layer=2, vocab_size=13, d_state=4, d_conv=3)
    assert (args.vocab_size, args.dt_rank, args.d_inner) == (16, 1, 16)
    model = _mamba_classes(T)(args)
    assert model.lm_head.weight is model.embedding.weight
    if state is not None:
        state(model)
    initial = copy.deepcopy(model)
    optimizer = T.optim.AdamW(model.parameters(), lr=1e-2)
    X = T.tensor(tokens)
    log = {"loss": [], "grads": [], "logits": []}
    for _ in range(steps):
        logits = model(X[:, :-1])
        loss = T.F.cross_entropy(logits.reshape(-1, logits.shape[-1]), X[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        log["loss"].append(loss.item())
        log["grads"].append([p.grad.detach().clone() for p in model.parameters()])
        optimizer.step()
    with T.no_grad():
        log["logits"].append(model(X))
    return model, initial, log


def test_mamba_minimal(torch, backend):
    tol = _tol(backend)
    tokens = R.integers(0, 13, size=(2, 7))
    tmodel, tinit, tlog = _mamba_program(_torch_T(torch), tokens)
    gmodel, _, glog = _mamba_program(_gpuad_T(), tokens, state=lambda m: _load(m, tinit))
    _same_logs(glog, tlog, **tol)
    _same_models(gmodel, tmodel, **tol)
    assert glog["loss"][-1] < glog["loss"][0]


# ---- greydanus/hamiltonian-nn: hnn.py, nn_models.py, utils.py, experiment-spring ----------------


def _spring_data(A, seed=0, samples=4, test_split=0.5, **kwargs):
    """experiment-spring/data.py over ``A`` (autograd's or gpuad's grad and numpy)."""
    import scipy.integrate

    grad, np_ = A
    solve_ivp = scipy.integrate.solve_ivp

    def hamiltonian_fn(coords):
        q, p = np_.split(coords, 2)
        H = p**2 + q**2
        return H

    def dynamics_fn(t, coords):
        dcoords = grad(lambda c: hamiltonian_fn(c).sum())(coords)
        dqdt, dpdt = np_.split(dcoords, 2)
        S = np_.concatenate([dpdt, -dqdt], axis=-1)
        return np.asarray(S)

    def get_trajectory(t_span=(0, 3), timescale=10, radius=None, y0=None, noise_std=0.1):
        t_eval = np.linspace(t_span[0], t_span[1], int(timescale * (t_span[1] - t_span[0])))
        if y0 is None:
            y0 = rng.rand(2) * 2 - 1
        if radius is None:
            radius = rng.rand() * 0.9 + 0.1
        y0 = y0 / np.sqrt((y0**2).sum()) * radius
        spring_ivp = solve_ivp(
            fun=dynamics_fn, t_span=t_span, y0=y0, t_eval=t_eval, rtol=1e-10, **kwargs
        )
        q, p = spring_ivp["y"][0], spring_ivp["y"][1]
        dydt = [dynamics_fn(None, y) for y in spring_ivp["y"].T]
        dydt = np.stack(dydt).T
        dqdt, dpdt = np.split(dydt, 2)
        q += rng.randn(*q.shape) * noise_std
        p += rng.randn(*p.shape) * noise_std
        return q, p, dqdt, dpdt, t_eval

    rng = np.random.RandomState(seed)
    xs, dxs = [], []
    for _ in range(samples):
        x, y, dx, dy, t = get_trajectory()
        xs.append(np.stack([x, y]).T)
        dxs.append(np.stack([dx, dy]).T)
    data = {"x": np.concatenate(xs), "dx": np.concatenate(dxs).squeeze()}
    split_ix = int(len(data["x"]) * test_split)
    split_data = {}
    for k in ["x", "dx"]:
        split_data[k], split_data["test_" + k] = data[k][:split_ix], data[k][split_ix:]
    return split_data


def _hnn_classes(T):
    nn, F = T.nn, T.F

    def choose_nonlinearity(name):
        nl = None
        if name == "tanh":
            nl = T.tanh
        elif name == "relu":
            nl = T.relu
        elif name == "sigmoid":
            nl = T.sigmoid
        elif name == "softplus":
            nl = F.softplus
        elif name == "selu":
            nl = F.selu
        elif name == "elu":
            nl = F.elu
        elif name == "swish":
            nl = lambda x: x * T.sigmoid(x)  # noqa: E731
        else:
            raise ValueError("nonlinearity not recognized")
        return nl

    class MLP(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim, nonlinearity="tanh"):
            super().__init__()
            self.linear1 = nn.Linear(input_dim, hidden_dim)
            self.linear2 = nn.Linear(hidden_dim, hidden_dim)
            self.linear3 = nn.Linear(hidden_dim, output_dim, bias=None)
            for lin in [self.linear1, self.linear2, self.linear3]:
                nn.init.orthogonal_(lin.weight)
            self.nonlinearity = choose_nonlinearity(nonlinearity)

        def forward(self, x, separate_fields=False):
            h = self.nonlinearity(self.linear1(x))
            h = self.nonlinearity(self.linear2(h))
            return self.linear3(h)

    def rk4(fun, y0, t, dt, *args, **kwargs):
        dt2 = dt / 2.0
        k1 = fun(y0, t, *args, **kwargs)
        k2 = fun(y0 + dt2 * k1, t + dt2, *args, **kwargs)
        k3 = fun(y0 + dt2 * k2, t + dt2, *args, **kwargs)
        k4 = fun(y0 + dt * k3, t + dt, *args, **kwargs)
        dy = dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        return dy

    class HNN(nn.Module):
        def __init__(
            self,
            input_dim,
            differentiable_model,
            field_type="solenoidal",
            baseline=False,
            assume_canonical_coords=True,
        ):
            super().__init__()
            self.baseline = baseline
            self.differentiable_model = differentiable_model
            self.assume_canonical_coords = assume_canonical_coords
            self.M = self.permutation_tensor(input_dim)
            self.field_type = field_type

        def forward(self, x):
            if self.baseline:
                return self.differentiable_model(x)
            y = self.differentiable_model(x)
            assert y.dim() == 2 and y.shape[1] == 2, "Output tensor should have shape [batch, 2]"
            return y.split(1, 1)

        def rk4_time_derivative(self, x, dt):
            return rk4(fun=self.time_derivative, y0=x, t=0, dt=dt)

        def time_derivative(self, x, t=None, separate_fields=False):
            if self.baseline:
                return self.differentiable_model(x)
            F1, F2 = self.forward(x)
            conservative_field = T.zeros_like(x)
            solenoidal_field = T.zeros_like(x)
            if self.field_type != "solenoidal":
                dF1 = T.grad(F1.sum(), x, create_graph=True)[0]
                conservative_field = dF1 @ T.eye(*self.M.shape)
            if self.field_type != "conservative":
                dF2 = T.grad(F2.sum(), x, create_graph=True)[0]
                solenoidal_field = dF2 @ self.M.t()
            if separate_fields:
                return [conservative_field, solenoidal_field]
            return conservative_field + solenoidal_field

        def permutation_tensor(self, n):
            M = None
            if self.assume_canonical_coords:
                M = T.eye(n)
                M = T.cat([M[n // 2 :], -M[: n // 2]])
            else:
                M = T.ones(n, n)
                M *= 1 - T.eye(n)
                M[::2] *= -1
                M[:, ::2] *= -1
                for i in range(n):
                    for j in range(i + 1, n):
                        M[i, j] *= -1
            return M

    return MLP, HNN


def _hnn_program(T, data, nonlinearity, field_type, baseline, canonical, state=None, steps=4):
    MLP, HNN = _hnn_classes(T)

    def L2_loss(u, v):
        return (u - v).pow(2).mean()

    input_dim = data["x"].shape[1]
    output_dim = input_dim if baseline else 2
    nn_model = MLP(input_dim, 12, output_dim, nonlinearity)
    model = HNN(
        input_dim,
        differentiable_model=nn_model,
        field_type=field_type,
        baseline=baseline,
        assume_canonical_coords=canonical,
    )
    if state is not None:
        state(model)
    initial = copy.deepcopy(model)
    optim = T.optim.Adam(model.parameters(), 1e-2, weight_decay=1e-4)
    x = T.tensor(data["x"], requires_grad=True)
    test_x = T.tensor(data["test_x"], requires_grad=True)
    dxdt = T.Tensor(data["dx"])
    test_dxdt = T.Tensor(data["test_dx"])
    stats = {"train_loss": [], "test_loss": [], "grads": [], "M": [model.M], "rk4": []}
    for _ in range(steps + 1):
        dxdt_hat = model.time_derivative(x)
        loss = L2_loss(dxdt, dxdt_hat)
        loss.backward()
        stats["grads"].append([p.grad.detach().clone() for p in model.parameters()])
        optim.step()
        optim.zero_grad()
        test_dxdt_hat = model.time_derivative(test_x)
        test_loss = L2_loss(test_dxdt, test_dxdt_hat)
        stats["train_loss"].append(loss.item())
        stats["test_loss"].append(test_loss.item())
    train_dxdt_hat = model.time_derivative(x)
    train_dist = (dxdt - train_dxdt_hat) ** 2
    # differs: gpuad's x.std() is NumPy's (ddof=0, docs/porting.md); torch's is unbiased
    stats["final"] = [train_dist.mean().item(), train_dist.std(correction=1).item()]
    # the --use_rk4 path (train.py calls it without dt, which raises: given dt=0.1 here)
    loss = L2_loss(dxdt, model.rk4_time_derivative(x, 0.1) / 0.1)
    loss.backward()
    stats["rk4"] = [loss.item()] + [p.grad.detach().clone() for p in model.parameters()]
    # utils.integrate_model: solve_ivp over the learned field, one state at a time
    import scipy.integrate

    def integrate_model(model, t_span, y0, fun=None, **kwargs):
        def default_fun(t, np_x):
            x = T.tensor(np_x, requires_grad=True)
            x = x.view(1, np.size(np_x))
            # differs: gpuad's x.data is the backend array (docs/porting.md): .detach()
            dx = model.time_derivative(x).detach().numpy().reshape(-1)
            return dx

        fun = default_fun if fun is None else fun
        return scipy.integrate.solve_ivp(fun=fun, t_span=t_span, y0=y0, **kwargs)

    path = integrate_model(model, [0, 1], data["test_x"][0], t_eval=[0.5, 1.0], rtol=1e-8)
    stats["orbit"] = [path["y"]]
    if not baseline:
        parts = model.time_derivative(test_x, separate_fields=True)
        stats["fields"] = [p.detach() for p in parts]
    return model, initial, stats


@pytest.mark.parametrize(
    "nonlinearity, field_type, baseline, canonical",
    [
        ("tanh", "solenoidal", False, True),
        ("softplus", "both", False, True),
        ("selu", "conservative", False, False),
        ("elu", "both", False, False),
        ("swish", "solenoidal", False, True),
        ("sigmoid", "both", False, True),
        ("tanh", "solenoidal", True, True),
    ],
)
def test_hamiltonian_nn(torch, backend, nonlinearity, field_type, baseline, canonical):
    import autograd
    import autograd.numpy as anp

    tol = _tol(backend)
    data = _spring_data((autograd.grad, anp))
    gdata = _spring_data((ad.grad, gnp))
    for k in data:
        np.testing.assert_allclose(gdata[k], data[k], rtol=1e-12, atol=1e-14, err_msg=k)
    if not canonical:  # the Levi-Civita form of permutation_tensor, in 4 dimensions
        data = {k: np.concatenate([v, v[:, ::-1] * 0.5], axis=1) for k, v in data.items()}
    args = (nonlinearity, field_type, baseline, canonical)
    tmodel, tinit, tlog = _hnn_program(_torch_T(torch), data, *args)
    gmodel, _, glog = _hnn_program(_gpuad_T(), data, *args, state=lambda m: _load(m, tinit))
    _same_logs(glog, tlog, **tol)
    _same_models(gmodel, tmodel, **tol)


# ---- harvardnlp/annotated-transformer the_annotated_transformer.py ---------------------------


def _annotated_classes(T):
    nn, torch = T.nn, T.torch
    log_softmax, pad = T.F.log_softmax, T.pad
    del torch

    class EncoderDecoder(nn.Module):
        def __init__(self, encoder, decoder, src_embed, tgt_embed, generator):
            super().__init__()
            self.encoder = encoder
            self.decoder = decoder
            self.src_embed = src_embed
            self.tgt_embed = tgt_embed
            self.generator = generator

        def forward(self, src, tgt, src_mask, tgt_mask):
            return self.decode(self.encode(src, src_mask), src_mask, tgt, tgt_mask)

        def encode(self, src, src_mask):
            return self.encoder(self.src_embed(src), src_mask)

        def decode(self, memory, src_mask, tgt, tgt_mask):
            return self.decoder(self.tgt_embed(tgt), memory, src_mask, tgt_mask)

    class Generator(nn.Module):
        def __init__(self, d_model, vocab):
            super().__init__()
            self.proj = nn.Linear(d_model, vocab)

        def forward(self, x):
            return log_softmax(self.proj(x), dim=-1)

    def clones(module, N):
        return nn.ModuleList([copy.deepcopy(module) for _ in range(N)])

    class Encoder(nn.Module):
        def __init__(self, layer, N):
            super().__init__()
            self.layers = clones(layer, N)
            self.norm = LayerNorm(layer.size)

        def forward(self, x, mask):
            for layer in self.layers:
                x = layer(x, mask)
            return self.norm(x)

    class LayerNorm(nn.Module):
        def __init__(self, features, eps=1e-6):
            super().__init__()
            self.a_2 = nn.Parameter(T.ones(features))
            self.b_2 = nn.Parameter(T.zeros(features))
            self.eps = eps

        def forward(self, x):
            mean = x.mean(-1, keepdim=True)
            std = x.std(-1, keepdim=True)
            return self.a_2 * (x - mean) / (std + self.eps) + self.b_2

    class SublayerConnection(nn.Module):
        def __init__(self, size, dropout):
            super().__init__()
            self.norm = LayerNorm(size)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x, sublayer):
            return x + self.dropout(sublayer(self.norm(x)))

    class EncoderLayer(nn.Module):
        def __init__(self, size, self_attn, feed_forward, dropout):
            super().__init__()
            self.self_attn = self_attn
            self.feed_forward = feed_forward
            self.sublayer = clones(SublayerConnection(size, dropout), 2)
            self.size = size

        def forward(self, x, mask):
            x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, mask))
            return self.sublayer[1](x, self.feed_forward)

    class Decoder(nn.Module):
        def __init__(self, layer, N):
            super().__init__()
            self.layers = clones(layer, N)
            self.norm = LayerNorm(layer.size)

        def forward(self, x, memory, src_mask, tgt_mask):
            for layer in self.layers:
                x = layer(x, memory, src_mask, tgt_mask)
            return self.norm(x)

    class DecoderLayer(nn.Module):
        def __init__(self, size, self_attn, src_attn, feed_forward, dropout):
            super().__init__()
            self.size = size
            self.self_attn = self_attn
            self.src_attn = src_attn
            self.feed_forward = feed_forward
            self.sublayer = clones(SublayerConnection(size, dropout), 3)

        def forward(self, x, memory, src_mask, tgt_mask):
            m = memory
            x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, tgt_mask))
            x = self.sublayer[1](x, lambda x: self.src_attn(x, m, m, src_mask))
            return self.sublayer[2](x, self.feed_forward)

    def subsequent_mask(size):
        attn_shape = (1, size, size)
        subsequent_mask = T.triu(T.ones(attn_shape), diagonal=1).type(T.uint8)
        return subsequent_mask == 0

    def attention(query, key, value, mask=None, dropout=None):
        d_k = query.size(-1)
        scores = T.matmul(query, key.transpose(-2, -1)) / math.sqrt(d_k)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)
        p_attn = scores.softmax(dim=-1)
        if dropout is not None:
            p_attn = dropout(p_attn)
        return T.matmul(p_attn, value), p_attn

    class MultiHeadedAttention(nn.Module):
        def __init__(self, h, d_model, dropout=0.1):
            super().__init__()
            assert d_model % h == 0
            self.d_k = d_model // h
            self.h = h
            self.linears = clones(nn.Linear(d_model, d_model), 4)
            self.attn = None
            self.dropout = nn.Dropout(p=dropout)

        def forward(self, query, key, value, mask=None):
            if mask is not None:
                mask = mask.unsqueeze(1)
            nbatches = query.size(0)
            query, key, value = [
                lin(x).view(nbatches, -1, self.h, self.d_k).transpose(1, 2)
                for lin, x in zip(self.linears, (query, key, value), strict=False)
            ]
            x, self.attn = attention(query, key, value, mask=mask, dropout=self.dropout)
            x = x.transpose(1, 2).contiguous().view(nbatches, -1, self.h * self.d_k)
            del query
            del key
            del value
            return self.linears[-1](x)

    class PositionwiseFeedForward(nn.Module):
        def __init__(self, d_model, d_ff, dropout=0.1):
            super().__init__()
            self.w_1 = nn.Linear(d_model, d_ff)
            self.w_2 = nn.Linear(d_ff, d_model)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            return self.w_2(self.dropout(self.w_1(x).relu()))

    class Embeddings(nn.Module):
        def __init__(self, d_model, vocab):
            super().__init__()
            self.lut = nn.Embedding(vocab, d_model)
            self.d_model = d_model

        def forward(self, x):
            return self.lut(x) * math.sqrt(self.d_model)

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout, max_len=5000):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            pe = T.zeros(max_len, d_model)
            position = T.arange(0, max_len).unsqueeze(1)
            div_term = T.exp(T.arange(0, d_model, 2) * -(math.log(10000.0) / d_model))
            pe[:, 0::2] = T.sin(position * div_term)
            pe[:, 1::2] = T.cos(position * div_term)
            pe = pe.unsqueeze(0)
            self.register_buffer("pe", pe)

        def forward(self, x):
            x = x + self.pe[:, : x.size(1)].requires_grad_(False)
            return self.dropout(x)

    def make_model(src_vocab, tgt_vocab, N=6, d_model=512, d_ff=2048, h=8, dropout=0.1):
        c = copy.deepcopy
        # differs: the notebook builds MultiHeadedAttention(h, d_model) with its default
        # dropout of 0.1 whatever make_model is given; here it takes make_model's dropout
        attn = MultiHeadedAttention(h, d_model, dropout)
        ff = PositionwiseFeedForward(d_model, d_ff, dropout)
        position = PositionalEncoding(d_model, dropout, max_len=64)
        model = EncoderDecoder(
            Encoder(EncoderLayer(d_model, c(attn), c(ff), dropout), N),
            Decoder(DecoderLayer(d_model, c(attn), c(attn), c(ff), dropout), N),
            nn.Sequential(Embeddings(d_model, src_vocab), c(position)),
            nn.Sequential(Embeddings(d_model, tgt_vocab), c(position)),
            Generator(d_model, tgt_vocab),
        )
        for p in model.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        return model

    class Batch:
        def __init__(self, src, tgt=None, pad=2):
            self.src = src
            self.src_mask = (src != pad).unsqueeze(-2)
            if tgt is not None:
                self.tgt = tgt[:, :-1]
                self.tgt_y = tgt[:, 1:]
                self.tgt_mask = self.make_std_mask(self.tgt, pad)
                self.ntokens = (self.tgt_y != pad).data.sum()

        @staticmethod
        def make_std_mask(tgt, pad):
            tgt_mask = (tgt != pad).unsqueeze(-2)
            tgt_mask = tgt_mask & subsequent_mask(tgt.size(-1)).type_as(tgt_mask.data)
            return tgt_mask

    class LabelSmoothing(nn.Module):
        def __init__(self, size, padding_idx, smoothing=0.0):
            super().__init__()
            self.criterion = nn.KLDivLoss(reduction="sum")
            self.padding_idx = padding_idx
            self.confidence = 1.0 - smoothing
            self.smoothing = smoothing
            self.size = size
            self.true_dist = None

        def forward(self, x, target):
            assert x.size(1) == self.size
            # differs: gpuad's x.data is the backend array (docs/porting.md): x.detach()
            true_dist = x.detach().clone()
            true_dist.fill_(self.smoothing / (self.size - 2))
            true_dist.scatter_(1, target.detach().unsqueeze(1), self.confidence)
            true_dist[:, self.padding_idx] = 0
            mask = T.nonzero(target.detach() == self.padding_idx)
            if mask.dim() > 0:
                true_dist.index_fill_(0, mask.squeeze(), 0.0)
            self.true_dist = true_dist
            return self.criterion(x, true_dist.clone().detach())

    class SimpleLossCompute:
        def __init__(self, generator, criterion):
            self.generator = generator
            self.criterion = criterion

        def __call__(self, x, y, norm):
            x = self.generator(x)
            sloss = (
                self.criterion(x.contiguous().view(-1, x.size(-1)), y.contiguous().view(-1))
                / norm
            )
            return sloss.data * norm, sloss

    def greedy_decode(model, src, src_mask, max_len, start_symbol):
        memory = model.encode(src, src_mask)
        ys = T.zeros(1, 1).fill_(start_symbol).type_as(src.data)
        for _ in range(max_len - 1):
            out = model.decode(memory, src_mask, ys, subsequent_mask(ys.size(1)).type_as(src.data))
            prob = model.generator(out[:, -1])
            _, next_word = T.max(prob, dim=1)
            next_word = next_word.data[0]
            ys = T.cat([ys, T.zeros(1, 1).type_as(src.data).fill_(next_word)], dim=1)
        return ys

    def collate_batch(batch, src_pipeline, tgt_pipeline, src_vocab, tgt_vocab, device=None,
                      max_padding=128, pad_id=2):
        bs_id = T.tensor([0])
        eos_id = T.tensor([1])
        src_list, tgt_list = [], []
        for _src, _tgt in batch:
            processed_src = T.cat(
                [bs_id, T.tensor(src_vocab(src_pipeline(_src)), dtype=T.int64), eos_id], 0
            )
            processed_tgt = T.cat(
                [bs_id, T.tensor(tgt_vocab(tgt_pipeline(_tgt)), dtype=T.int64), eos_id], 0
            )
            src_list.append(
                pad(processed_src, (0, max_padding - len(processed_src)), value=pad_id)
            )
            tgt_list.append(
                pad(processed_tgt, (0, max_padding - len(processed_tgt)), value=pad_id)
            )
        src = T.stack(src_list)
        tgt = T.stack(tgt_list)
        return (src, tgt)

    return types.SimpleNamespace(
        make_model=make_model,
        Batch=Batch,
        LabelSmoothing=LabelSmoothing,
        SimpleLossCompute=SimpleLossCompute,
        greedy_decode=greedy_decode,
        subsequent_mask=subsequent_mask,
        collate_batch=collate_batch,
    )


def _annotated_program(T, batches, eval_batches, sentences, state=None):
    A = _annotated_classes(T)
    log = {"loss": [], "eval": [], "grads": [], "lr": [], "decoded": [], "smoothing": []}

    class TrainState:
        step: int = 0
        accum_step: int = 0
        samples: int = 0
        tokens: int = 0

    class DummyOptimizer(T.Optimizer):
        def __init__(self):
            self.param_groups = [{"lr": 0}]

        def step(self):
            pass

        def zero_grad(self, set_to_none=False):
            pass

    class DummyScheduler:
        def step(self):
            pass

    def run_epoch(data_iter, model, loss_compute, optimizer, scheduler, mode="train",
                  accum_iter=1, train_state=None):
        train_state = TrainState() if train_state is None else train_state
        total_tokens = 0
        total_loss = 0
        tokens = 0
        n_accum = 0
        for i, batch in enumerate(data_iter):
            out = model.forward(batch.src, batch.tgt, batch.src_mask, batch.tgt_mask)
            loss, loss_node = loss_compute(out, batch.tgt_y, batch.ntokens)
            if mode == "train" or mode == "train+log":
                loss_node.backward()
                log["grads"].append(
                    [p.grad.detach().clone() for p in model.parameters() if p.grad is not None]
                )
                train_state.step += 1
                train_state.samples += batch.src.shape[0]
                train_state.tokens += batch.ntokens
                if i % accum_iter == 0:
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
                    n_accum += 1
                    train_state.accum_step += 1
                scheduler.step()
                log["lr"].append(optimizer.param_groups[0]["lr"])
            total_loss += loss
            total_tokens += batch.ntokens
            tokens += batch.ntokens
            log["loss" if mode != "eval" else "eval"].append(float(loss / batch.ntokens))
            del loss
            del loss_node
        return total_loss / total_tokens, train_state

    def rate(step, model_size, factor, warmup):
        if step == 0:
            step = 1
        return factor * (model_size ** (-0.5) * min(step ** (-0.5), step * warmup ** (-1.5)))

    def data_gen(V, draws):
        for d in draws:
            data = T.tensor(d)
            data[:, 0] = 1
            src = data.requires_grad_(False).clone().detach()
            tgt = data.requires_grad_(False).clone().detach()
            yield A.Batch(src, tgt, 0)

    # example_learning_schedule (200 of its 20000 steps per configuration)
    opts = [[512, 1, 40], [512, 1, 80], [256, 1, 40]]
    dummy_model = T.nn.Linear(1, 1)
    for example in opts:
        optimizer = T.optim.Adam(dummy_model.parameters(), lr=1, betas=(0.9, 0.98), eps=1e-9)
        lr_scheduler = T.LambdaLR(
            optimizer=optimizer, lr_lambda=lambda step, example=example: rate(step, *example)
        )
        tmp = []
        for _step in range(200):
            tmp.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            lr_scheduler.step()
        log["lr"].append(tmp)

    # example_label_smoothing and penalization_visualization
    crit = A.LabelSmoothing(5, 0, 0.4)
    predict = T.FloatTensor([[0, 0.2, 0.7, 0.1, 0]] * 5)
    log["smoothing"].append(crit(x=predict.log(), target=T.LongTensor([2, 1, 0, 3, 3])))
    log["smoothing"].append(crit.true_dist)

    def loss(x, crit):
        d = x + 3 * 1
        predict = T.FloatTensor([[0, x / d, 1 / d, 1 / d, 1 / d]])
        return crit(predict.log(), T.LongTensor([1])).data

    crit = A.LabelSmoothing(5, 0, 0.1)
    log["smoothing"].append([float(loss(x, crit)) for x in range(1, 20)])

    # example_simple_model, small
    V = 11
    criterion = A.LabelSmoothing(size=V, padding_idx=0, smoothing=0.1)
    model = A.make_model(V, V, N=2, d_model=16, d_ff=24, h=4, dropout=0.0)
    if state is not None:
        state(model)
    initial = copy.deepcopy(model)
    optimizer = T.optim.Adam(model.parameters(), lr=0.5, betas=(0.9, 0.98), eps=1e-9)
    lr_scheduler = T.LambdaLR(
        optimizer=optimizer,
        lr_lambda=lambda step: rate(
            step, model_size=model.src_embed[0].d_model, factor=1.0, warmup=400
        ),
    )
    for epoch in range(2):
        model.train()
        run_epoch(
            data_gen(V, batches[epoch]),
            model,
            A.SimpleLossCompute(model.generator, criterion),
            optimizer,
            lr_scheduler,
            mode="train",
        )
        model.eval()
        run_epoch(
            data_gen(V, eval_batches),
            model,
            A.SimpleLossCompute(model.generator, criterion),
            DummyOptimizer(),
            DummyScheduler(),
            mode="eval",
        )[0]
    # inference_test: the untrained-style decode with torch.empty(..).fill_ of each word
    model.eval()
    src = T.LongTensor([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]])
    src_mask = T.ones(1, 1, 10)
    memory = model.encode(src, src_mask)
    ys = T.zeros(1, 1).type_as(src)
    for _ in range(9):
        out = model.decode(memory, src_mask, ys, A.subsequent_mask(ys.size(1)).type_as(src.data))
        prob = model.generator(out[:, -1])
        _, next_word = T.max(prob, dim=1)
        next_word = next_word.data[0]
        ys = T.cat([ys, T.empty(1, 1).type_as(src.data).fill_(next_word)], dim=1)
    log["decoded"].append(ys)
    model.eval()
    src = T.LongTensor([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]])
    max_len = src.shape[1]
    src_mask = T.ones(1, 1, max_len)
    log["decoded"].append(A.greedy_decode(model, src, src_mask, max_len=max_len, start_symbol=0))
    # the attention of the last layer is kept by the module, as the notebook's plots read it
    log["decoded"].append(model.decoder.layers[-1].src_attn.attn)
    # Part 3's collate_batch (the vocabularies and tokenizers are lists of ids here), one
    # training step of a Batch of its padded rows with pad_idx 2
    src, tgt = A.collate_batch(sentences, list, list, list, list, None, max_padding=9, pad_id=2)
    b = A.Batch(src, tgt, 2)
    log["masks"] = [src, tgt, b.src_mask, b.tgt_mask, b.ntokens]
    model.train()
    criterion = A.LabelSmoothing(size=V, padding_idx=2, smoothing=0.1)
    run_epoch(
        [b],
        model,
        A.SimpleLossCompute(model.generator, criterion),
        optimizer,
        lr_scheduler,
        mode="train+log",
    )
    return model, initial, log


def test_annotated_transformer(torch, backend):
    tol = _tol(backend)
    batches = [[R.integers(1, 11, size=(6, 10)) for _ in range(3)] for _ in range(2)]
    eval_batches = [R.integers(1, 11, size=(4, 10))]
    sentences = [(R.integers(3, 11, size=n).tolist(), R.integers(3, 11, size=m).tolist())
                 for n, m in [(5, 7), (3, 4), (7, 2)]]
    tmodel, tinit, tlog = _annotated_program(_torch_T(torch), batches, eval_batches, sentences)
    gmodel, _, glog = _annotated_program(
        _gpuad_T(), batches, eval_batches, sentences, state=lambda m: _load(m, tinit)
    )
    _same_logs(glog, tlog, **tol)
    _same_models(gmodel, tmodel, grads=False, **tol)


# ---- yunjey/pytorch-tutorial: GAN, VAE, ConvNet -------------------------------------------------


def _draws(T, arrays):
    """``torch.randn(*shape)`` / ``randn_like`` of the tutorials, from shared NumPy draws."""
    it = iter(arrays)

    def randn(*shape):
        a = next(it)
        assert a.shape == tuple(shape[0] if len(shape) == 1 else shape), (a.shape, shape)
        return T.tensor(a)

    return randn


def _gan_program(T, images, draws, state=None, num_epochs=2):
    nn = T.nn
    latent_size, hidden_size, image_size, batch_size = 6, 10, 16, 4
    randn = _draws(T, draws)
    D = nn.Sequential(
        nn.Linear(image_size, hidden_size),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, hidden_size),
        nn.LeakyReLU(0.2),
        nn.Linear(hidden_size, 1),
        nn.Sigmoid(),
    )
    G = nn.Sequential(
        nn.Linear(latent_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, image_size),
        nn.Tanh(),
    )
    if state is not None:
        state(D, G)
    initial = (copy.deepcopy(D), copy.deepcopy(G))
    criterion = nn.BCELoss()
    d_optimizer = T.optim.Adam(D.parameters(), lr=0.0002)
    g_optimizer = T.optim.Adam(G.parameters(), lr=0.0002)

    def denorm(x):
        out = (x + 1) / 2
        return out.clamp(0, 1)

    def reset_grad():
        d_optimizer.zero_grad()
        g_optimizer.zero_grad()

    # transforms.ToTensor and Normalize(mean=0.5, std=0.5) of the images, a DataLoader
    data = T.TensorDataset(T.tensor((images - 0.5) / 0.5), T.tensor(np.zeros(len(images))))
    data_loader = T.DataLoader(dataset=data, batch_size=batch_size)
    log = {"d_loss": [], "g_loss": [], "scores": [], "grads": [], "samples": []}
    for _epoch in range(num_epochs):
        for _i, (images_, _) in enumerate(data_loader):
            images_ = images_.reshape(batch_size, -1)
            real_labels = T.ones(batch_size, 1)
            fake_labels = T.zeros(batch_size, 1)
            outputs = D(images_)
            d_loss_real = criterion(outputs, real_labels)
            real_score = outputs
            z = randn(batch_size, latent_size)
            fake_images = G(z)
            outputs = D(fake_images)
            d_loss_fake = criterion(outputs, fake_labels)
            fake_score = outputs
            d_loss = d_loss_real + d_loss_fake
            reset_grad()
            d_loss.backward()
            log["grads"].append([p.grad.detach().clone() for p in D.parameters()])
            d_optimizer.step()
            z = randn(batch_size, latent_size)
            fake_images = G(z)
            outputs = D(fake_images)
            g_loss = criterion(outputs, real_labels)
            reset_grad()
            g_loss.backward()
            log["grads"].append([p.grad.detach().clone() for p in G.parameters()])
            g_optimizer.step()
            log["d_loss"].append(d_loss.item())
            log["g_loss"].append(g_loss.item())
            log["scores"].append([real_score.mean().item(), fake_score.mean().item()])
        fake_images = fake_images.reshape(fake_images.size(0), 1, 4, 4)
        log["samples"].append(denorm(fake_images))
    return (D, G), initial, log


def test_yunjey_gan(torch, backend):
    tol = _tol(backend)
    images = R.uniform(size=(8, 1, 4, 4))
    draws = [R.normal(size=(4, 6)) for _ in range(8)]
    (tD, tG), (tD0, tG0), tlog = _gan_program(_torch_T(torch), images, draws)

    def state(D, G):
        _load(D, tD0)
        _load(G, tG0)

    (gD, gG), _, glog = _gan_program(_gpuad_T(), images, draws, state=state)
    _same_logs(glog, tlog, **tol)
    _same_models(gD, tD, grads=False, **tol)
    _same_models(gG, tG, **tol)


def _vae_program(T, images, draws, state=None, num_epochs=2):
    nn, F = T.nn, T.F
    image_size, h_dim, z_dim, batch_size = 16, 12, 3, 4
    randn = _draws(T, draws)

    class VAE(nn.Module):
        def __init__(self, image_size=784, h_dim=400, z_dim=20):
            super().__init__()
            self.fc1 = nn.Linear(image_size, h_dim)
            self.fc2 = nn.Linear(h_dim, z_dim)
            self.fc3 = nn.Linear(h_dim, z_dim)
            self.fc4 = nn.Linear(z_dim, h_dim)
            self.fc5 = nn.Linear(h_dim, image_size)

        def encode(self, x):
            h = F.relu(self.fc1(x))
            return self.fc2(h), self.fc3(h)

        def reparameterize(self, mu, log_var):
            std = T.exp(log_var / 2)
            eps = randn(*std.shape)  # torch.randn_like(std)
            return mu + eps * std

        def decode(self, z):
            h = F.relu(self.fc4(z))
            return F.sigmoid(self.fc5(h))

        def forward(self, x):
            mu, log_var = self.encode(x)
            z = self.reparameterize(mu, log_var)
            x_reconst = self.decode(z)
            return x_reconst, mu, log_var

    model = VAE(image_size, h_dim, z_dim)
    if state is not None:
        state(model)
    initial = copy.deepcopy(model)
    optimizer = T.optim.Adam(model.parameters(), lr=1e-3)
    data = T.TensorDataset(T.tensor(images), T.tensor(np.zeros(len(images))))
    data_loader = T.DataLoader(dataset=data, batch_size=batch_size)
    log = {"reconst": [], "kl": [], "grads": [], "sampled": [], "reconst_images": []}
    for _epoch in range(num_epochs):
        for _i, (x, _) in enumerate(data_loader):
            x = x.view(-1, image_size)
            x_reconst, mu, log_var = model(x)
            # differs: size_average=False (deprecated in torch, refused by gpuad) is
            # reduction="sum"
            reconst_loss = F.binary_cross_entropy(x_reconst, x, reduction="sum")
            kl_div = -0.5 * T.sum(1 + log_var - mu.pow(2) - log_var.exp())
            loss = reconst_loss + kl_div
            optimizer.zero_grad()
            loss.backward()
            log["grads"].append([p.grad.detach().clone() for p in model.parameters()])
            optimizer.step()
            log["reconst"].append(reconst_loss.item())
            log["kl"].append(kl_div.item())
        with T.no_grad():
            z = randn(batch_size, z_dim)
            out = model.decode(z).view(-1, 1, 4, 4)
            log["sampled"].append(out)
            out, _, _ = model(x)
            x_concat = T.cat([x.view(-1, 1, 4, 4), out.view(-1, 1, 4, 4)], dim=3)
            log["reconst_images"].append(x_concat)
    return model, initial, log


def test_yunjey_vae(torch, backend):
    tol = _tol(backend)
    images = R.uniform(size=(8, 1, 4, 4))
    draws = [R.normal(size=(4, 3)) for _ in range(8)]
    tmodel, tinit, tlog = _vae_program(_torch_T(torch), images, draws)
    gmodel, _, glog = _vae_program(_gpuad_T(), images, draws, state=lambda m: _load(m, tinit))
    _same_logs(glog, tlog, **tol)
    _same_models(gmodel, tmodel, **tol)


def _convnet_program(T, train, test, state=None, num_epochs=2):
    nn = T.nn

    class ConvNet(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.layer1 = nn.Sequential(
                nn.Conv2d(1, 4, kernel_size=5, stride=1, padding=2),
                nn.BatchNorm2d(4),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2),
            )
            self.layer2 = nn.Sequential(
                nn.Conv2d(4, 6, kernel_size=5, stride=1, padding=2),
                nn.BatchNorm2d(6),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2),
            )
            self.fc = nn.Linear(3 * 3 * 6, num_classes)

        def forward(self, x):
            out = self.layer1(x)
            out = self.layer2(out)
            out = out.reshape(out.size(0), -1)
            out = self.fc(out)
            return out

    model = ConvNet(10)
    if state is not None:
        state(model)
    initial = copy.deepcopy(model)
    criterion = nn.CrossEntropyLoss()
    optimizer = T.optim.Adam(model.parameters(), lr=0.001)
    train_loader = T.DataLoader(T.TensorDataset(T.tensor(train[0]), T.tensor(train[1])),
                                batch_size=5)
    test_loader = T.DataLoader(T.TensorDataset(T.tensor(test[0]), T.tensor(test[1])),
                               batch_size=5)
    log = {"loss": [], "grads": [], "outputs": [], "accuracy": [], "buffers": []}
    for _epoch in range(num_epochs):
        for _i, (images, labels) in enumerate(train_loader):
            outputs = model(images)
            loss = criterion(outputs, labels)
            optimizer.zero_grad()
            loss.backward()
            log["grads"].append([p.grad.detach().clone() for p in model.parameters()])
            optimizer.step()
            log["loss"].append(loss.item())
    model.eval()
    with T.no_grad():
        correct = 0
        total = 0
        for images, labels in test_loader:
            outputs = model(images)
            # differs: gpuad's outputs.data is the backend array (docs/porting.md)
            _, predicted = T.max(outputs.detach(), 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
            log["outputs"].append(outputs)
        log["accuracy"].append(100 * correct / total)
    log["buffers"] = [b for _, b in model.named_buffers()]
    return model, initial, log


def test_yunjey_convnet(torch, backend):
    tol = _tol(backend)
    train = (R.uniform(size=(10, 1, 12, 12)), R.integers(0, 10, size=10))
    test = (R.uniform(size=(5, 1, 12, 12)), R.integers(0, 10, size=5))
    tmodel, tinit, tlog = _convnet_program(_torch_T(torch), train, test)
    gmodel, _, glog = _convnet_program(_gpuad_T(), train, test, state=lambda m: _load(m, tinit))
    # The convolutions' biases have a gradient of exactly 0 in exact arithmetic (BatchNorm
    # subtracts the batch mean right after them); both libraries give rounding noise of about
    # 1e-17 there, which Adam turns into steps of about 1e-10, reaching the running means and
    # the evaluation outputs. Losses and gradients are compared at 1e-12, those to 1e-9.
    late = ("outputs", "buffers", "accuracy")
    _same_logs({k: v for k, v in glog.items() if k not in late},
               {k: v for k, v in tlog.items() if k not in late}, **tol)
    _same_logs({k: glog[k] for k in late}, {k: tlog[k] for k in late}, rtol=tol["rtol"],
               atol=1e-9)
    _same_models(gmodel, tmodel, rtol=tol["rtol"], atol=1e-9)
    names = [n for n, _ in gmodel.named_parameters()]
    for step in glog["grads"]:
        for name, g in zip(names, step, strict=True):
            if name in ("layer1.0.bias", "layer2.0.bias"):
                assert float(np.max(np.abs(_arr(g)))) < 1e-12, name


# ---- d2l "Predicting House Prices on Kaggle" (PyTorch) -----------------------------------------


def _house_features(n_train, n_test):
    """The section's pandas preprocessing in NumPy (pandas is not a dependency here): numeric
    columns standardised with pandas' ``x.std()`` (ddof=1) ignoring NaN, then NaN set to 0;
    a categorical column one-hot encoded by ``get_dummies(dummy_na=True)``."""
    n = n_train + n_test
    numeric = R.normal(loc=[5.0, 1000.0, 1990.0], scale=[2.0, 300.0, 15.0], size=(n, 3))
    numeric[R.uniform(size=numeric.shape) < 0.1] = np.nan
    mean, std = np.nanmean(numeric, axis=0), np.nanstd(numeric, axis=0, ddof=1)
    numeric = np.nan_to_num((numeric - mean) / std, nan=0.0)
    zoning = R.integers(0, 4, size=n)  # "RL", "RM", "FV", NaN
    dummies = np.eye(4)[zoning]
    all_features = np.concatenate([numeric, dummies], axis=1)
    price = 120.0 + 30.0 * numeric[:, :1] + 10.0 * dummies[:, :1] + R.normal(size=(n, 1))
    return all_features[:n_train], all_features[n_train:], price[:n_train]


def _house_program(T, train_np, test_np, labels_np, hidden, state_draws):
    nn = T.nn
    train_features = T.tensor(train_np)
    test_features = T.tensor(test_np)
    train_labels = T.tensor(labels_np.reshape(-1, 1))
    loss = nn.MSELoss()
    in_features = train_features.shape[1]
    states = iter(state_draws)
    log = {"train_ls": [], "valid_ls": [], "folds": [], "preds": [], "grads": []}

    def get_net():
        if hidden:  # the section's exercise 5: a hidden layer
            net = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        else:
            net = nn.Sequential(nn.Linear(in_features, 1))
        with T.no_grad():  # the same initial weights in both libraries
            for p, a in zip(net.parameters(), next(states), strict=True):
                p.copy_(T.tensor(a))
        return net

    def log_rmse(net, features, labels):
        clipped_preds = T.clamp(net(features), 1, float("inf"))
        rmse = T.sqrt(T.mean(loss(T.log(clipped_preds), T.log(labels))))
        return rmse.item()

    def load_array(data_arrays, batch_size, is_train=True):
        # differs: d2l.load_array shuffles (is_train); the libraries draw different orders
        dataset = T.TensorDataset(*data_arrays)
        return T.DataLoader(dataset, batch_size, shuffle=False)

    def train(net, train_features, train_labels, test_features, test_labels, num_epochs,
              learning_rate, weight_decay, batch_size):
        train_ls, test_ls = [], []
        train_iter = load_array((train_features, train_labels), batch_size)
        optimizer = T.optim.Adam(net.parameters(), lr=learning_rate, weight_decay=weight_decay)
        for _epoch in range(num_epochs):
            for X, y in train_iter:
                optimizer.zero_grad()
                l = loss(net(X), y)  # noqa: E741
                l.backward()
                log["grads"].append([p.grad.detach().clone() for p in net.parameters()])
                optimizer.step()
            train_ls.append(log_rmse(net, train_features, train_labels))
            if test_labels is not None:
                test_ls.append(log_rmse(net, test_features, test_labels))
        return train_ls, test_ls

    def get_k_fold_data(k, i, X, y):
        assert k > 1
        fold_size = X.shape[0] // k
        X_train, y_train = None, None
        for j in range(k):
            idx = slice(j * fold_size, (j + 1) * fold_size)
            X_part, y_part = X[idx, :], y[idx]
            if j == i:
                X_valid, y_valid = X_part, y_part
            elif X_train is None:
                X_train, y_train = X_part, y_part
            else:
                X_train = T.cat([X_train, X_part], 0)
                y_train = T.cat([y_train, y_part], 0)
        return X_train, y_train, X_valid, y_valid

    def k_fold(k, X_train, y_train, num_epochs, learning_rate, weight_decay, batch_size):
        train_l_sum, valid_l_sum = 0, 0
        for i in range(k):
            data = get_k_fold_data(k, i, X_train, y_train)
            net = get_net()
            train_ls, valid_ls = train(net, *data, num_epochs, learning_rate, weight_decay,
                                       batch_size)
            train_l_sum += train_ls[-1]
            valid_l_sum += valid_ls[-1]
            log["train_ls"].append(train_ls)
            log["valid_ls"].append(valid_ls)
        return train_l_sum / k, valid_l_sum / k

    def train_and_pred(train_features, test_features, train_labels, num_epochs, lr,
                       weight_decay, batch_size):
        net = get_net()
        train_ls, _ = train(net, train_features, train_labels, None, None, num_epochs, lr,
                            weight_decay, batch_size)
        log["train_ls"].append(train_ls)
        # d2l.numpy(net(test_features)): x.detach().numpy()
        preds = net(test_features).detach().numpy()
        log["preds"].append(preds.reshape(1, -1)[0])

    k, num_epochs, lr, weight_decay, batch_size = 4, 5, 5, 0.01, 8
    train_l, valid_l = k_fold(k, train_features, train_labels, num_epochs, lr, weight_decay,
                              batch_size)
    log["folds"].append([train_l, valid_l])
    train_and_pred(train_features, test_features, train_labels, num_epochs, lr, weight_decay,
                   batch_size)
    return log


@pytest.mark.parametrize("hidden", [0, 6], ids=["linear", "mlp"])
def test_d2l_kaggle_house_prices(torch, backend, hidden):
    tol = _tol(backend)
    train_np, test_np, labels_np = _house_features(26, 5)
    d = train_np.shape[1]
    shapes = [(1, d), (1,)] if not hidden else [(hidden, d), (hidden,), (1, hidden), (1,)]
    draws = [[R.normal(scale=0.3, size=s) for s in shapes] for _ in range(5)]
    tlog = _house_program(_torch_T(torch), train_np, test_np, labels_np, hidden, draws)
    glog = _house_program(_gpuad_T(), train_np, test_np, labels_np, hidden, draws)
    _same_logs(glog, tlog, **tol)
    # the models learnt: the log rmse fell in every fold
    assert all(ls[-1] < ls[0] for ls in glog["train_ls"])


# ---- karpathy/ng-video-lecture gpt.py -----------------------------------------------------------


def _ng_gpt_program(T, text, ix_draws, state=None, max_iters=4, eval_interval=2, eval_iters=2):
    nn, F, torch = T.nn, T.F, T.torch
    batch_size, block_size, learning_rate, device = 3, 8, 3e-3, "cpu"
    n_embd, n_head, n_layer, dropout = 12, 3, 2, 0.0
    chars = sorted(list(set(text)))
    vocab_size = len(chars)
    stoi = {ch: i for i, ch in enumerate(chars)}
    itos = {i: ch for i, ch in enumerate(chars)}
    encode = lambda s: [stoi[c] for c in s]  # noqa: E731
    decode = lambda l: "".join([itos[i] for i in l])  # noqa: E731, E741
    data = T.tensor(encode(text), dtype=T.long)
    n = int(0.9 * len(data))
    train_data = data[:n]
    val_data = data[n:]
    draws = iter(ix_draws)
    log = {"losses": [], "loss": [], "grads": [], "probs": [], "text": []}

    def get_batch(split):
        data = train_data if split == "train" else val_data
        # torch.randint(len(data) - block_size, (batch_size,)): shared draws
        ix = next(draws) % (len(data) - block_size)
        assert ix.shape == (batch_size,)
        x = T.stack([data[i : i + block_size] for i in ix])
        y = T.stack([data[i + 1 : i + block_size + 1] for i in ix])
        x, y = x.to(device), y.to(device)
        return x, y

    @T.no_grad()
    def estimate_loss():
        out = {}
        model.eval()
        for split in ["train", "val"]:
            losses = T.zeros(eval_iters)
            for k in range(eval_iters):
                X, Y = get_batch(split)
                logits, loss = model(X, Y)
                losses[k] = loss.item()
            out[split] = losses.mean()
        model.train()
        return out

    class Head(nn.Module):
        def __init__(self, head_size):
            super().__init__()
            self.key = nn.Linear(n_embd, head_size, bias=False)
            self.query = nn.Linear(n_embd, head_size, bias=False)
            self.value = nn.Linear(n_embd, head_size, bias=False)
            self.register_buffer("tril", T.tril(T.ones(block_size, block_size)))
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            B, T_, C = x.shape
            k = self.key(x)
            q = self.query(x)
            wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
            wei = wei.masked_fill(self.tril[:T_, :T_] == 0, float("-inf"))
            wei = F.softmax(wei, dim=-1)
            wei = self.dropout(wei)
            v = self.value(x)
            out = wei @ v
            return out

    class MultiHeadAttention(nn.Module):
        def __init__(self, num_heads, head_size):
            super().__init__()
            self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
            self.proj = nn.Linear(head_size * num_heads, n_embd)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            out = T.cat([h(x) for h in self.heads], dim=-1)
            out = self.dropout(self.proj(out))
            return out

    class FeedFoward(nn.Module):
        def __init__(self, n_embd):
            super().__init__()
            self.net = nn.Sequential(
                nn.Linear(n_embd, 4 * n_embd),
                nn.ReLU(),
                nn.Linear(4 * n_embd, n_embd),
                nn.Dropout(dropout),
            )

        def forward(self, x):
            return self.net(x)

    class Block(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            head_size = n_embd // n_head
            self.sa = MultiHeadAttention(n_head, head_size)
            self.ffwd = FeedFoward(n_embd)
            self.ln1 = nn.LayerNorm(n_embd)
            self.ln2 = nn.LayerNorm(n_embd)

        def forward(self, x):
            x = x + self.sa(self.ln1(x))
            x = x + self.ffwd(self.ln2(x))
            return x

    class GPTLanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
            self.position_embedding_table = nn.Embedding(block_size, n_embd)
            self.blocks = nn.Sequential(*[Block(n_embd, n_head=n_head) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab_size)
            self.apply(self._init_weights)

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            B, T_ = idx.shape
            tok_emb = self.token_embedding_table(idx)
            pos_emb = self.position_embedding_table(T.arange(T_, device=device))
            x = tok_emb + pos_emb
            x = self.blocks(x)
            x = self.ln_f(x)
            logits = self.lm_head(x)
            if targets is None:
                loss = None
            else:
                B, T_, C = logits.shape
                logits = logits.view(B * T_, C)
                targets = targets.view(B * T_)
                loss = F.cross_entropy(logits, targets)
            return logits, loss

        def generate(self, idx, max_new_tokens):
            for _ in range(max_new_tokens):
                idx_cond = idx[:, -block_size:]
                logits, loss = self(idx_cond)
                logits = logits[:, -1, :]
                probs = F.softmax(logits, dim=-1)
                # differs: torch.multinomial(probs, num_samples=1) draws differently in the
                # two libraries: the probabilities are compared, the likeliest token taken
                log["probs"].append(probs)
                idx_next = probs.argmax(dim=-1, keepdim=True)
                idx = T.cat((idx, idx_next), dim=1)
            return idx

    model = GPTLanguageModel()
    if state is not None:
        state(model)
    initial = copy.deepcopy(model)
    m = model.to(device)
    n_params = sum(p.numel() for p in m.parameters())
    optimizer = T.optim.AdamW(model.parameters(), lr=learning_rate)
    for iter_ in range(max_iters):
        if iter_ % eval_interval == 0 or iter_ == max_iters - 1:
            losses = estimate_loss()
            log["losses"].append([losses["train"], losses["val"]])
        xb, yb = get_batch("train")
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        log["grads"].append([p.grad.detach().clone() for p in model.parameters()])
        optimizer.step()
        log["loss"].append(loss.item())
    with T.no_grad():
        context = T.zeros((1, 1), dtype=T.long, device=device)
        log["text"].append(encode(decode(m.generate(context, max_new_tokens=10)[0].tolist())))
    del torch
    return model, initial, log, n_params


def test_ng_video_lecture_gpt(torch, backend):
    tol = _tol(backend)
    text = (
        "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, "
        "speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?\n"
    )
    ix_draws = [R.integers(0, 10_000, size=3) for _ in range(30)]
    tmodel, tinit, tlog, tn = _ng_gpt_program(_torch_T(torch), text, ix_draws)
    gmodel, _, glog, gn = _ng_gpt_program(
        _gpuad_T(), text, ix_draws, state=lambda m: _load(m, tinit)
    )
    assert gn == tn
    _same_logs(glog, tlog, **tol)
    _same_models(gmodel, tmodel, **tol)
