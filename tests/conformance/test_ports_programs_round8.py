"""Programs written for PyTorch, not ported elsewhere, run in gpuad and in PyTorch (float64)
from the same initial weights and data, comparing losses, gradients and parameters at every
step:

- "Language Translation with Transformer" (``beginner_source/translation_transformer.py``):
  ``Seq2SeqTransformer`` (``nn.Transformer`` with a ``TokenEmbedding`` scaled by
  ``math.sqrt(emb_size)`` and a ``PositionalEncoding`` buffer filled by strided slice writes
  into ``torch.zeros``), ``create_mask`` (a float ``-inf`` causal mask by ``triu``,
  ``masked_fill``, a boolean source mask, padding masks by ``==`` and ``transpose``),
  ``collate_fn`` (``torch.cat`` of ``BOS``/``EOS`` around each sentence, ``pad_sequence``)
  through a ``DataLoader``, ``CrossEntropyLoss(ignore_index=PAD_IDX)``, Adam with the
  tutorial's betas and eps, ``xavier_uniform_`` on every matrix, ``train_epoch``,
  ``evaluate`` and ``greedy_decode``/``translate`` (``encode``, ``decode`` with a boolean
  causal mask from ``.type(torch.bool)``, ``torch.max(prob, dim=1)``, ``type_as``,
  ``fill_``, the ``EOS`` stop);
- pytorch/examples' ``mnist_hogwild`` (``main.py`` and ``train.py``): ``Net`` (two
  convolutions, ``Dropout2d``, ``max_pool2d``, ``view(-1, 320)``, ``log_softmax``) shared by
  the training "processes" (run one after the other here, each ``train`` building its own SGD
  with momentum over the one model), ``train_epoch`` and ``test_epoch`` (``output.max(1)[1]``,
  ``pred.eq(target).sum().item()``, the summed ``nll_loss``);
- "Transfer Learning for Computer Vision" (``beginner_source/transfer_learning_tutorial.py``):
  ``train_model`` (train and val phases, ``torch.set_grad_enabled(phase == 'train')``,
  ``torch.max(outputs, 1)``, ``running_corrects += torch.sum(preds == labels.data)``,
  ``.double()``, ``StepLR``, the best weights kept by ``copy.deepcopy(model.state_dict())``
  and loaded back), run in its three scenarios: the network frozen as a fixed feature
  extractor (``requires_grad = False``, a new ``fc``, SGD over ``model.fc.parameters()``),
  fine-tuning with two parameter groups chosen by name, and Co-Tuning (``CoTuningHead``
  returning a tuple, ``CoTuningLoss`` fitted under ``no_grad`` on the old head's logits:
  ``torch.stack`` of ``torch.mean`` over boolean-mask rows, the soft labels gathered by
  ``relationship[target]``, a ``.to`` override);
- "Automatic Differentiation with torch.autograd" (``beginner_source/basics/
  autogradqs_tutorial.py``): ``binary_cross_entropy_with_logits`` of a one-layer net,
  ``grad_fn``, ``no_grad`` and ``detach``, and ``backward(torch.ones_like(out),
  retain_graph=True)`` of ``(inp + 1).pow(2).t()`` accumulating over calls until
  ``inp.grad.zero_()``;
- Dive into Deep Learning (PyTorch) 15.8 "BERT" and 15.10 "Pretraining BERT": ``BERTEncoder``
  (token, segment and a learned positional embedding, ``add_module`` blocks of the book's
  ``TransformerEncoderBlock`` with ``MultiHeadAttention`` of ``LazyLinear`` projections and
  ``masked_softmax`` writing ``X[~mask] = -1e6`` on a reshaped copy), ``MaskLM`` gathering
  ``X[batch_idx, pred_positions]`` with ``torch.repeat_interleave``, ``NextSentencePred``,
  ``_get_batch_loss_bert`` (the masked-LM loss weighted by ``mlm_weights_X.reshape(-1, 1)``),
  ``train_bert``'s Adam steps after the lazy layers are built by a first call, and
  ``get_bert_encoding``;
- "Hooks for autograd saved tensors" (``intermediate_source/
  autograd_saved_tensors_hooks_tutorial.py``): ``saved_tensors_hooks`` that log, scale and
  unscale, store into a list by index, shift by a drawn tensor and return the function that
  shifts back, move through ``(x.device, x.cpu())``; ``save_on_cpu(pin_memory=True)`` in a
  model's ``forward`` and in a ``SaveToCpu`` wrapper inside ``nn.Sequential``; the
  ``SelfDeletingTempFile`` hooks saving large tensors with ``torch.save`` behind a size
  threshold in a ``SaveToDisk`` module under ``nn.DataParallel`` (the files exist while the
  graph holds them and are gone after backward).

Each program is written once against a namespace ``T`` of torch's names or of the gpuad names
docs/porting.md gives; the models are built by the same code for both and gpuad's model loads
torch's initial ``state_dict``. Tolerance 1e-9 relative: float64 rounding through a few
thousand operations. Differences from the originals: sizes are small and the data (Multi30k
sentences, MNIST, the bird images) are small random sets; dropout runs at ``p=0`` (the
libraries draw different masks); torchvision's pretrained ResNet-18 is a small convolutional
network with batch normalisation and an ``fc`` head, its "pretrained" weights torch's random
ones; the training ``DataLoader`` does not shuffle (the two libraries draw different
permutations), its data are shuffled once up front instead; the hogwild processes run in
turn in one process (their order is then deterministic), and gpuad's ``model.share_memory()``
raises ``NotImplementedError`` (docs/porting.md: its arrays cannot be shared between
processes), so gpuad's run checks the refusal and trains the one model; ``F.nll_loss(..,
size_average=False)`` (deprecated in torch, refused by gpuad) is ``reduction="sum"`` in both;
``output.max(1)[1]`` and ``torch.max(x, 1)`` are ``x.max(dim=1)`` (gpuad's ``x.max(1)`` is
NumPy's, the values only); the translation tutorial's ``encode``/``decode`` call
``self.transformer.encoder``/``.decoder`` (an older revision names attributes the class never
sets); ``torch.repeat_interleave(x, n)`` is ``x.repeat_interleave(n)`` (gpuad has the
method); ``x.transpose(0, 1)`` of a 2-D mask is ``x.T`` (gpuad's 2-D ``transpose(0, 1)`` is
NumPy's and raises, saying so).

Not ported from the hooks tutorial: ``y.grad_fn._saved_self``/``_saved_other``/
``_saved_result`` (torch's private per-op attributes; gpuad's steps do not name their saved
values), hence its double-access demonstration; its ``SaveToDisk`` hook saves the undefined
name ``tensor`` (a ``NameError`` above the threshold), the port saves ``x``; its
``repr``/``eval`` hooks (``eval("torch." + repr(x))``) are left out: they print the tensor to
4 digits. The hooks' shift ``delta = torch.randn(*x.size())`` comes from the shared draws.

The programs run on gpuad's CuPy backend too where one is usable (a GPU, or the NumPy-backed
stand-in of tests/cupy_standin with ``--cupy-standin``), on the tutorials' ``device``; there
gpuad's ``Tensor.cpu()`` raises (differs: a Tensor stays on its backend's device,
docs/porting.md), which the Co-Tuning port checks and then keeps the logits where they are.
"""

from __future__ import annotations

import copy
import math
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(808)


@pytest.fixture(autouse=True)
def _fresh_draws():
    global R
    R = np.random.default_rng(808)


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
        lr_scheduler=torch.optim.lr_scheduler,
        Tensor=torch.Tensor,
        tensor=lambda a, **k: torch.tensor(np.asarray(a), **k),
        zeros=torch.zeros,
        ones=torch.ones,
        arange=torch.arange,
        exp=torch.exp,
        sin=torch.sin,
        cos=torch.cos,
        triu=torch.triu,
        cat=torch.cat,
        stack=torch.stack,
        mean=torch.mean,
        sum=torch.sum,
        max=lambda x, dim: torch.max(x, dim),
        long=torch.long,
        bool=torch.bool,
        no_grad=torch.no_grad,
        set_grad_enabled=torch.set_grad_enabled,
        pad_sequence=torch.nn.utils.rnn.pad_sequence,
        DataLoader=torch.utils.data.DataLoader,
        TensorDataset=torch.utils.data.TensorDataset,
        t2d=lambda m: m.transpose(0, 1),
    )


def _gpuad_T():
    from gpuad import nn, optim
    from gpuad.nn import functional as F
    from gpuad.utils import data

    xp = _xp()
    return types.SimpleNamespace(
        lib="gpuad",
        torch=ad,
        nn=nn,
        F=F,
        optim=optim,
        lr_scheduler=optim.lr_scheduler,
        Tensor=ad.Tensor,
        tensor=lambda a, **k: ad.tensor(xp.asarray(np.asarray(a)), **k),
        zeros=lambda *s: ad.tensor(gnp.zeros(s[0] if len(s) == 1 else s)),
        ones=lambda *s: ad.tensor(gnp.ones(s[0] if len(s) == 1 else s)),
        arange=gnp.arange,
        exp=gnp.exp,
        sin=gnp.sin,
        cos=gnp.cos,
        triu=gnp.triu,
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        stack=lambda xs, dim=0: gnp.stack(xs, axis=dim),
        mean=lambda x, dim: x.mean(dim=dim),
        sum=lambda x: x.sum(),
        max=lambda x, dim: x.max(dim=dim),
        long=np.int64,
        bool=np.bool_,
        no_grad=ad.no_grad,
        set_grad_enabled=ad.set_grad_enabled,
        pad_sequence=nn.utils.rnn.pad_sequence,
        DataLoader=data.DataLoader,
        TensorDataset=data.TensorDataset,
        t2d=lambda m: m.T,
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
    # float64 rounding on the host; a GPU sums and multiplies in other orders (and Adam turns
    # the rounding noise of a gradient that is exactly 0 into steps of about 1e-10)
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


# ---- beginner_source/translation_transformer.py -----------------------------------------------

UNK_IDX, PAD_IDX, BOS_IDX, EOS_IDX = 0, 1, 2, 3


def _translation_classes(T):
    nn = T.nn

    class PositionalEncoding(nn.Module):
        def __init__(self, emb_size, dropout, maxlen=50):
            super().__init__()
            den = T.exp(-T.arange(0, emb_size, 2) * math.log(10000) / emb_size)
            pos = T.arange(0, maxlen).reshape(maxlen, 1)
            pos_embedding = T.zeros((maxlen, emb_size))
            pos_embedding[:, 0::2] = T.sin(pos * den)
            pos_embedding[:, 1::2] = T.cos(pos * den)
            pos_embedding = pos_embedding.unsqueeze(-2)
            self.dropout = nn.Dropout(dropout)
            self.register_buffer("pos_embedding", pos_embedding)

        def forward(self, token_embedding):
            return self.dropout(token_embedding + self.pos_embedding[: token_embedding.size(0), :])

    class TokenEmbedding(nn.Module):
        def __init__(self, vocab_size, emb_size):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, emb_size)
            self.emb_size = emb_size

        def forward(self, tokens):
            return self.embedding(tokens.long()) * math.sqrt(self.emb_size)

    class Seq2SeqTransformer(nn.Module):
        def __init__(
            self,
            num_encoder_layers,
            num_decoder_layers,
            emb_size,
            nhead,
            src_vocab_size,
            tgt_vocab_size,
            dim_feedforward=512,
            dropout=0.1,
        ):
            super().__init__()
            self.transformer = nn.Transformer(
                d_model=emb_size,
                nhead=nhead,
                num_encoder_layers=num_encoder_layers,
                num_decoder_layers=num_decoder_layers,
                dim_feedforward=dim_feedforward,
                dropout=dropout,
            )
            self.generator = nn.Linear(emb_size, tgt_vocab_size)
            self.src_tok_emb = TokenEmbedding(src_vocab_size, emb_size)
            self.tgt_tok_emb = TokenEmbedding(tgt_vocab_size, emb_size)
            self.positional_encoding = PositionalEncoding(emb_size, dropout=dropout)

        def forward(
            self,
            src,
            trg,
            src_mask,
            tgt_mask,
            src_padding_mask,
            tgt_padding_mask,
            memory_key_padding_mask,
        ):
            src_emb = self.positional_encoding(self.src_tok_emb(src))
            tgt_emb = self.positional_encoding(self.tgt_tok_emb(trg))
            outs = self.transformer(
                src_emb,
                tgt_emb,
                src_mask,
                tgt_mask,
                None,
                src_padding_mask,
                tgt_padding_mask,
                memory_key_padding_mask,
            )
            return self.generator(outs)

        def encode(self, src, src_mask):
            return self.transformer.encoder(
                self.positional_encoding(self.src_tok_emb(src)), src_mask
            )

        def decode(self, tgt, memory, tgt_mask):
            return self.transformer.decoder(
                self.positional_encoding(self.tgt_tok_emb(tgt)), memory, tgt_mask
            )

    return Seq2SeqTransformer


def _translation_program(T, sentences, val_sentences, state=None, epochs=2):
    nn = T.nn

    def generate_square_subsequent_mask(sz):
        mask = T.t2d(T.triu(T.ones((sz, sz))) == 1)
        mask = mask.float().masked_fill(mask == 0, float("-inf")).masked_fill(mask == 1, 0.0)
        return mask

    def create_mask(src, tgt):
        src_seq_len = src.shape[0]
        tgt_seq_len = tgt.shape[0]
        tgt_mask = generate_square_subsequent_mask(tgt_seq_len)
        src_mask = T.zeros((src_seq_len, src_seq_len)).type(T.bool)
        src_padding_mask = T.t2d(src == PAD_IDX)
        tgt_padding_mask = T.t2d(tgt == PAD_IDX)
        return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask

    def tensor_transform(token_ids):
        return T.cat((T.tensor([BOS_IDX]), T.tensor(token_ids), T.tensor([EOS_IDX])))

    def collate_fn(batch):
        src_batch, tgt_batch = [], []
        for src_sample, tgt_sample in batch:
            src_batch.append(tensor_transform(src_sample))
            tgt_batch.append(tensor_transform(tgt_sample))
        src_batch = T.pad_sequence(src_batch, padding_value=PAD_IDX)
        tgt_batch = T.pad_sequence(tgt_batch, padding_value=PAD_IDX)
        return src_batch, tgt_batch

    Seq2SeqTransformer = _translation_classes(T)
    transformer = Seq2SeqTransformer(2, 2, 8, 2, 11, 12, 16, dropout=0.0)
    if state is None:
        for p in transformer.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
    else:
        state(transformer)
    initial = copy.deepcopy(transformer)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD_IDX)
    optimizer = T.optim.Adam(transformer.parameters(), lr=0.01, betas=(0.9, 0.98), eps=1e-9)
    log = {"loss": [], "train": [], "val": [], "grads": [], "tokens": []}

    def train_epoch(model, optimizer):
        model.train()
        losses = 0
        train_dataloader = T.DataLoader(sentences, batch_size=3, collate_fn=collate_fn)
        for src, tgt in train_dataloader:
            tgt_input = tgt[:-1, :]
            src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)
            logits = model(
                src,
                tgt_input,
                src_mask,
                tgt_mask,
                src_padding_mask,
                tgt_padding_mask,
                src_padding_mask,
            )
            optimizer.zero_grad()
            tgt_out = tgt[1:, :]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            loss.backward()
            log["loss"].append(loss.item())
            log["grads"].append([p.grad.detach().clone() for p in model.parameters()])
            optimizer.step()
            losses += loss.item()
        return losses / len(train_dataloader)

    def evaluate(model):
        model.eval()
        losses = 0
        val_dataloader = T.DataLoader(val_sentences, batch_size=3, collate_fn=collate_fn)
        for src, tgt in val_dataloader:
            tgt_input = tgt[:-1, :]
            src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(src, tgt_input)
            logits = model(
                src,
                tgt_input,
                src_mask,
                tgt_mask,
                src_padding_mask,
                tgt_padding_mask,
                src_padding_mask,
            )
            tgt_out = tgt[1:, :]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            losses += loss.item()
        return losses / len(val_dataloader)

    def greedy_decode(model, src, src_mask, max_len, start_symbol):
        memory = model.encode(src, src_mask)
        ys = T.ones(1, 1).fill_(start_symbol).type(T.long)
        for _ in range(max_len - 1):
            tgt_mask = generate_square_subsequent_mask(ys.size(0)).type(T.bool)
            out = model.decode(ys, memory, tgt_mask)
            out = out.transpose(0, 1)
            prob = model.generator(out[:, -1])
            _, next_word = T.max(prob, dim=1)
            next_word = next_word.item()
            ys = T.cat([ys, T.ones(1, 1).type_as(src.data).fill_(next_word)], dim=0)
            if next_word == EOS_IDX:
                break
        return ys

    def translate(model, src_tokens):
        model.eval()
        src = tensor_transform(src_tokens).view(-1, 1)
        num_tokens = src.shape[0]
        src_mask = (T.zeros(num_tokens, num_tokens)).type(T.bool)
        return greedy_decode(
            model, src, src_mask, max_len=num_tokens + 5, start_symbol=BOS_IDX
        ).flatten()

    for _ in range(epochs):
        log["train"].append(train_epoch(transformer, optimizer))
        log["val"].append(evaluate(transformer))
    for src_tokens, _ in val_sentences:
        log["tokens"].append(translate(transformer, src_tokens))
    return transformer, initial, log


def _sentences(n, src_vocab=11, tgt_vocab=12):
    out = []
    for _ in range(n):
        ls, lt = int(R.integers(2, 6)), int(R.integers(2, 6))
        out.append(
            (R.integers(4, src_vocab, size=ls).tolist(), R.integers(4, tgt_vocab, size=lt).tolist())
        )
    return out


def test_translation_transformer(torch, backend):
    tol = _tol(backend)
    train, val = _sentences(6), _sentences(3)
    tmodel, tinit, tlog = _translation_program(_torch_T(torch), train, val)
    gmodel, _, glog = _translation_program(_gpuad_T(), train, val, state=lambda m: _load(m, tinit))
    _same_logs(glog, tlog, **tol)
    # The key projection's bias has a gradient of exactly 0 in exact arithmetic (it adds the
    # same number to every score of a softmax row); both libraries give rounding noise of
    # about 1e-17 there, which Adam (eps=1e-9) turns into steps of about 1e-10. The parameters
    # are compared to that absolute level; the gradients above to 1e-12.
    _same_models(gmodel, tmodel, rtol=tol["rtol"], atol=1e-9)
    emb = 8
    for step in glog["grads"]:
        names = [n for n, _ in gmodel.named_parameters()]
        for name, g in zip(names, step, strict=True):
            if name.endswith("in_proj_bias"):
                assert float(np.max(np.abs(_arr(g)[emb : 2 * emb]))) < 1e-12, name
    # The model learnt something: the loss fell over the two epochs.
    assert glog["loss"][-1] < glog["loss"][0]


# ---- pytorch/examples mnist_hogwild -----------------------------------------------------------


def _hogwild_net(T):
    nn, F = T.nn, T.F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, kernel_size=5)
            self.conv2 = nn.Conv2d(4, 5, kernel_size=5)
            self.conv2_drop = nn.Dropout2d(p=0.0)
            self.fc1 = nn.Linear(20, 12)
            self.fc2 = nn.Linear(12, 10)

        def forward(self, x):
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 20)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, p=0.0, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return Net


def _hogwild_program(T, data, state=None, num_processes=2, epochs=2):
    F = T.F
    args = types.SimpleNamespace(lr=0.05, momentum=0.5, epochs=epochs, log_interval=1)
    model = _hogwild_net(T)()
    if state is not None:
        state(model)
    initial = copy.deepcopy(model)
    if T.lib == "torch":
        model.share_memory()
    else:
        # differs: gpuad's share_memory() refuses (docs/porting.md): processes could not
        # share its arrays, each would train its own copy. One process trains the one model.
        with pytest.raises(NotImplementedError, match="share_memory"):
            model.share_memory()
    log = {"loss": [], "test_loss": [], "correct": []}

    def train_epoch(epoch, args, model, data_loader, optimizer):
        model.train()
        for batch_idx, (x, target) in enumerate(data_loader):
            optimizer.zero_grad()
            output = model(x)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            if batch_idx % args.log_interval == 0:
                log["loss"].append(loss.item())

    def test_epoch(model, data_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with T.no_grad():
            for x, target in data_loader:
                output = model(x)
                test_loss += F.nll_loss(output, target, reduction="sum").item()
                pred = output.max(dim=1)[1]
                correct += pred.eq(target).sum().item()
        test_loss /= len(data_loader.dataset)
        log["test_loss"].append(test_loss)
        log["correct"].append(correct)

    def train(rank, args, model):
        xs, ys, tx, ty = data[rank]
        train_loader = T.DataLoader(T.TensorDataset(T.tensor(xs), T.tensor(ys)), batch_size=4)
        test_loader = T.DataLoader(T.TensorDataset(T.tensor(tx), T.tensor(ty)), batch_size=4)
        optimizer = T.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
        for epoch in range(1, args.epochs + 1):
            train_epoch(epoch, args, model, train_loader, optimizer)
            test_epoch(model, test_loader)

    for rank in range(num_processes):
        train(rank, args, model)
    return model, initial, log


def test_mnist_hogwild(torch, backend):
    tol = _tol(backend)
    data = [
        (
            R.normal(size=(8, 1, 20, 20)),
            R.integers(0, 10, size=8),
            R.normal(size=(5, 1, 20, 20)),
            R.integers(0, 10, size=5),
        )
        for _ in range(2)
    ]
    tmodel, tinit, tlog = _hogwild_program(_torch_T(torch), data)
    gmodel, _, glog = _hogwild_program(_gpuad_T(), data, state=lambda m: _load(m, tinit))
    _same_logs(glog, tlog, **tol)
    _same_models(gmodel, tmodel, grads=True, **tol)


# ---- beginner_source/transfer_learning_tutorial.py ---------------------------------------------


def _transfer_classes(T):
    nn, F = T.nn, T.F

    class SmallResNet(nn.Module):
        """Stands in for torchvision's resnet18: a stem, one residual block, pooling, fc."""

        def __init__(self, num_classes=6):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(4)
            self.conv2 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(4)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(4, num_classes)

        def forward(self, x):
            x = F.relu(self.bn1(self.conv1(x)))
            x = F.relu(x + self.bn2(self.conv2(x)))
            x = self.avgpool(x).flatten(1)
            return self.fc(x)

    class CoTuningHead(nn.Module):
        def __init__(self, old_head, num_class):
            super().__init__()
            self.old_head = old_head
            self.new_head = nn.Linear(old_head.in_features, num_class)

        def forward(self, features):
            old_output = self.old_head(features)
            new_output = self.new_head(features)
            return old_output, new_output

        def deploy(self):
            return copy.deepcopy(self.new_head)

    class CoTuningLoss(nn.Module):
        def __init__(self, trade_off):
            super().__init__()
            self.trade_off = trade_off
            self.fitted = False
            self.relationship = T.Tensor([0, 0, 0])

        def to(self, device):
            self.relationship = self.relationship.to(device=device)
            return self

        def fit(self, old_logits, new_labels):
            Ct = new_labels.max().item() + 1
            old_prob = F.softmax(old_logits, dim=-1)
            self.relationship = T.stack(
                [T.mean(old_prob[new_labels == i], dim=0) for i in range(Ct)]
            )
            self.fitted = True

        def forward(self, inputs, target):
            if not self.fitted:
                raise Exception("please call fit() first!")
            old_output, new_output = inputs
            target_loss = F.cross_entropy(new_output, target)
            old_softlabel = self.relationship[target]
            cotuning_loss = (
                -(F.log_softmax(old_output, dim=-1) * old_softlabel).sum(dim=-1).mean(dim=0)
            )
            return target_loss + self.trade_off * cotuning_loss

    return SmallResNet, CoTuningHead, CoTuningLoss


def _cpu(T, t):
    """``t.cpu()``; differs: on gpuad's CuPy backend ``.cpu()`` raises (a Tensor stays on its
    backend, docs/porting.md), so the port keeps the tensor where it is."""
    if T.lib == "gpuad" and ad.get_backend().name != "numpy":
        with pytest.raises(RuntimeError, match=r"cpu\(\).*does not move"):
            t.cpu()
        return t
    return t.cpu()


def _transfer_program(T, data, init, scenario, num_epochs=3):
    nn = T.nn
    SmallResNet, CoTuningHead, CoTuningLoss = _transfer_classes(T)
    dataloaders = {
        x: T.DataLoader(
            T.TensorDataset(T.tensor(data[x][0]), T.tensor(data[x][1])), batch_size=4, shuffle=False
        )
        for x in ["train", "val"]
    }
    dataset_sizes = {x: len(data[x][1]) for x in ["train", "val"]}
    class_names = [f"c{i}" for i in range(3)]
    log = {"loss": [], "acc": [], "grads": []}

    def train_model(model, criterion, optimizer, scheduler, num_epochs):
        best_model_wts = copy.deepcopy(model.state_dict())
        best_acc = 0.0
        for _epoch in range(num_epochs):
            for phase in ["train", "val"]:
                if phase == "train":
                    model.train()
                else:
                    model.eval()
                running_loss = 0.0
                running_corrects = 0
                for inputs, labels in dataloaders[phase]:
                    inputs = inputs.to(device)
                    labels = labels.to(device)
                    optimizer.zero_grad()
                    with T.set_grad_enabled(phase == "train"):
                        outputs = model(inputs)
                        target_outputs = outputs[1] if isinstance(outputs, tuple) else outputs
                        _, preds = T.max(target_outputs, 1)
                        loss = criterion(outputs, labels)
                        if phase == "train":
                            loss.backward()
                            log["grads"].append(
                                [
                                    p.grad.detach().clone()
                                    for p in model.parameters()
                                    if p.grad is not None
                                ]
                            )
                            optimizer.step()
                    running_loss += loss.item() * inputs.size(0)
                    running_corrects += T.sum(preds == labels.data)
                if phase == "train":
                    scheduler.step()
                epoch_loss = running_loss / dataset_sizes[phase]
                epoch_acc = running_corrects.double() / dataset_sizes[phase]
                log["loss"].append(epoch_loss)
                log["acc"].append(epoch_acc)
                if phase == "val" and epoch_acc > best_acc:
                    best_acc = epoch_acc
                    best_model_wts = copy.deepcopy(model.state_dict())
        model.load_state_dict(best_model_wts)
        return model

    # the tutorial's device: "cuda:0" where a GPU is, the CuPy backend's device in gpuad
    on_gpu = T.lib == "gpuad" and ad.get_backend().name != "numpy"
    device = "cuda:0" if on_gpu else "cpu"
    model = SmallResNet()
    init(model)
    if scenario == "fixed":
        for param in model.parameters():
            param.requires_grad = False
        num_ftrs = model.fc.in_features
        model.fc = nn.Linear(num_ftrs, len(class_names))
        init(model.fc, "fc.")
        criterion = nn.CrossEntropyLoss()
        optimizer = T.optim.SGD(model.fc.parameters(), lr=0.1, momentum=0.9)
    elif scenario == "finetune":
        num_ftrs = model.fc.in_features
        model.fc = nn.Linear(num_ftrs, len(class_names))
        init(model.fc, "fc.")
        criterion = nn.CrossEntropyLoss()
        params = [
            {"params": [p for n, p in model.named_parameters() if "fc" in n], "lr": 1e-1},
            {"params": [p for n, p in model.named_parameters() if "fc" not in n], "lr": 1e-2},
        ]
        optimizer = T.optim.SGD(params, momentum=0.9)
    else:
        criterion = CoTuningLoss(trade_off=2.3)
        with T.no_grad():
            was_training = model.training
            model.eval()
            old_logits, new_labels = [], []
            for inputs, labels in dataloaders["train"]:
                outputs = model(inputs)
                target_outputs = outputs[1] if isinstance(outputs, tuple) else outputs
                old_logits.append(_cpu(T, target_outputs))
                new_labels.append(_cpu(T, labels))
            old_logits = T.cat(old_logits)
            new_labels = T.cat(new_labels)
            criterion.fit(old_logits, new_labels)
            model.train(mode=was_training)
        model.fc = CoTuningHead(model.fc, len(class_names))
        init(model.fc.new_head, "fc.new_head.")
        model = model.to(device)
        criterion = criterion.to(device)
        log["relationship"] = [criterion.relationship]
        params = [
            {"params": [p for n, p in model.named_parameters() if "new" in n], "lr": 1e-1},
            {"params": [p for n, p in model.named_parameters() if "new" not in n], "lr": 1e-2},
        ]
        optimizer = T.optim.SGD(params, momentum=0.9)
    model = model.to(device)
    scheduler = T.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    model = train_model(model, criterion, optimizer, scheduler, num_epochs)
    if scenario == "cotune":
        model.fc = model.fc.deploy()
    model.eval()
    with T.no_grad():
        log["final"] = [model(T.tensor(data["val"][0]))]
    return model, log


@pytest.mark.parametrize("scenario", ["fixed", "finetune", "cotune"])
def test_transfer_learning(torch, backend, scenario):
    tol = _tol(backend)

    def images(n):
        # Three classes told apart by the mean of one colour channel; shuffled once here.
        labels = R.integers(0, 3, size=n)
        x = R.normal(size=(n, 3, 6, 6))
        x[np.arange(n), labels] += 1.0
        return x, labels

    data = {"train": images(12), "val": images(8)}
    states = {}

    def t_init(module, prefix=""):
        states[prefix] = copy.deepcopy(module.state_dict())

    tmodel, tlog = _transfer_program(_torch_T(torch), data, t_init, scenario)

    def g_init(module, prefix=""):
        xp = _xp()
        module.load_state_dict({k: xp.asarray(v.numpy()) for k, v in states[prefix].items()})

    gmodel, glog = _transfer_program(_gpuad_T(), data, g_init, scenario)
    _same_logs(glog, tlog, **tol)
    _same_models(gmodel, tmodel, grads=False, **tol)
    gbuf, tbuf = dict(gmodel.named_buffers()), dict(tmodel.named_buffers())
    assert sorted(gbuf) == sorted(tbuf)
    for k in gbuf:
        _close(gbuf[k], tbuf[k], msg=k, **tol)
    if scenario == "fixed":
        # The frozen layers got no gradient and did not move.
        assert all(p.grad is None for n, p in gmodel.named_parameters() if "fc" not in n)


# ---- beginner_source/basics/autogradqs_tutorial.py --------------------------------------------


def _autogradqs(T, w0, b0):
    log = {}
    x = T.ones(5)
    y = T.zeros(3)
    w = T.tensor(w0, requires_grad=True)
    b = T.tensor(b0, requires_grad=True)
    z = T.matmul(x, w) + b
    loss = T.F.binary_cross_entropy_with_logits(z, y)
    log["has_grad_fn"] = [z.grad_fn is not None, loss.grad_fn is not None]
    loss.backward()
    log["loss"] = [loss.detach()]
    log["w.grad"], log["b.grad"] = [w.grad], [b.grad]

    z = T.matmul(x, w) + b
    flags = [z.requires_grad]
    with T.no_grad():
        z = T.matmul(x, w) + b
    flags.append(z.requires_grad)
    z = T.matmul(x, w) + b
    z_det = z.detach()
    flags.append(z_det.requires_grad)
    log["flags"] = flags

    inp = T.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(T.ones_like(out), retain_graph=True)
    calls = [inp.grad.detach().clone()]
    out.backward(T.ones_like(out), retain_graph=True)
    calls.append(inp.grad.detach().clone())
    inp.grad.zero_()
    out.backward(T.ones_like(out), retain_graph=True)
    calls.append(inp.grad.detach().clone())
    log["calls"] = calls
    return log


def _autogradqs_names(T, torch=None):
    if T.lib == "torch":
        T.matmul, T.eye, T.ones_like = torch.matmul, torch.eye, torch.ones_like
    else:
        xp = _xp()
        T.matmul = gnp.matmul
        T.eye = lambda n, m, requires_grad=False: ad.tensor(
            xp.eye(n, m), requires_grad=requires_grad
        )
        T.ones_like = lambda t: ad.tensor(gnp.ones_like(t))
    return T


def test_autogradqs_tutorial(torch):
    w0, b0 = R.normal(size=(5, 3)), R.normal(size=3)
    tlog = _autogradqs(_autogradqs_names(_torch_T(torch), torch), w0, b0)
    glog = _autogradqs(_autogradqs_names(_gpuad_T()), w0, b0)
    assert glog["has_grad_fn"] == tlog["has_grad_fn"] == [True, True]
    assert glog["flags"] == tlog["flags"] == [True, False, False]
    for key in ("loss", "w.grad", "b.grad", "calls"):
        _close(glog[key], tlog[key], msg=key)
    # Accumulation: the second call doubles the first, zeroing resets it.
    _close(glog["calls"][1], 2 * _arr(glog["calls"][0]))
    _close(glog["calls"][2], glog["calls"][0])


# ---- d2l (PyTorch) 15.8 BERT and 15.10 pretraining BERT --------------------------------------


def _bert_classes(T):
    nn = T.nn

    def masked_softmax(X, valid_lens):
        def _sequence_mask(X, valid_len, value=0):
            maxlen = X.size(1)
            mask = T.arange(maxlen, dtype=T.float32)[None, :] < valid_len[:, None]
            X[~mask] = value
            return X

        if valid_lens is None:
            return nn.functional.softmax(X, dim=-1)
        shape = X.shape
        if valid_lens.dim() == 1:
            valid_lens = T.repeat_interleave(valid_lens, shape[1])
        else:
            valid_lens = valid_lens.reshape(-1)
        X = _sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
        return nn.functional.softmax(X.reshape(shape), dim=-1)

    class DotProductAttention(nn.Module):
        def __init__(self, dropout):
            super().__init__()
            self.dropout = nn.Dropout(dropout)

        def forward(self, queries, keys, values, valid_lens=None):
            d = queries.shape[-1]
            scores = T.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
            self.attention_weights = masked_softmax(scores, valid_lens)
            return T.bmm(self.dropout(self.attention_weights), values)

    class MultiHeadAttention(nn.Module):
        def __init__(self, num_hiddens, num_heads, dropout, bias=False):
            super().__init__()
            self.num_heads = num_heads
            self.attention = DotProductAttention(dropout)
            self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
            self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
            self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
            self.W_o = nn.LazyLinear(num_hiddens, bias=bias)

        def forward(self, queries, keys, values, valid_lens):
            queries = self.transpose_qkv(self.W_q(queries))
            keys = self.transpose_qkv(self.W_k(keys))
            values = self.transpose_qkv(self.W_v(values))
            if valid_lens is not None:
                valid_lens = T.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
            output = self.attention(queries, keys, values, valid_lens)
            return self.W_o(self.transpose_output(output))

        def transpose_qkv(self, X):
            X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1)
            X = X.permute(0, 2, 1, 3)
            return X.reshape(-1, X.shape[2], X.shape[3])

        def transpose_output(self, X):
            X = X.reshape(-1, self.num_heads, X.shape[1], X.shape[2])
            X = X.permute(0, 2, 1, 3)
            return X.reshape(X.shape[0], X.shape[1], -1)

    class PositionWiseFFN(nn.Module):
        def __init__(self, ffn_num_hiddens, ffn_num_outputs):
            super().__init__()
            self.dense1 = nn.LazyLinear(ffn_num_hiddens)
            self.relu = nn.ReLU()
            self.dense2 = nn.LazyLinear(ffn_num_outputs)

        def forward(self, X):
            return self.dense2(self.relu(self.dense1(X)))

    class AddNorm(nn.Module):
        def __init__(self, norm_shape, dropout):
            super().__init__()
            self.dropout = nn.Dropout(dropout)
            self.ln = nn.LayerNorm(norm_shape)

        def forward(self, X, Y):
            return self.ln(self.dropout(Y) + X)

    class TransformerEncoderBlock(nn.Module):
        def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias=False):
            super().__init__()
            self.attention = MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
            self.addnorm1 = AddNorm(num_hiddens, dropout)
            self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens)
            self.addnorm2 = AddNorm(num_hiddens, dropout)

        def forward(self, X, valid_lens):
            Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
            return self.addnorm2(Y, self.ffn(Y))

    class BERTEncoder(nn.Module):
        def __init__(
            self,
            vocab_size,
            num_hiddens,
            ffn_num_hiddens,
            num_heads,
            num_blks,
            dropout,
            max_len=1000,
        ):
            super().__init__()
            self.token_embedding = nn.Embedding(vocab_size, num_hiddens)
            self.segment_embedding = nn.Embedding(2, num_hiddens)
            self.blks = nn.Sequential()
            for i in range(num_blks):
                self.blks.add_module(
                    f"{i}",
                    TransformerEncoderBlock(num_hiddens, ffn_num_hiddens, num_heads, dropout, True),
                )
            self.pos_embedding = nn.Parameter(T.randn(1, max_len, num_hiddens))

        def forward(self, tokens, segments, valid_lens):
            X = self.token_embedding(tokens) + self.segment_embedding(segments)
            X = X + self.pos_embedding[:, : X.shape[1], :]
            for blk in self.blks:
                X = blk(X, valid_lens)
            return X

    class MaskLM(nn.Module):
        def __init__(self, vocab_size, num_hiddens):
            super().__init__()
            self.mlp = nn.Sequential(
                nn.LazyLinear(num_hiddens),
                nn.ReLU(),
                nn.LayerNorm(num_hiddens),
                nn.LazyLinear(vocab_size),
            )

        def forward(self, X, pred_positions):
            num_pred_positions = pred_positions.shape[1]
            pred_positions = pred_positions.reshape(-1)
            batch_size = X.shape[0]
            batch_idx = T.arange(0, batch_size)
            batch_idx = T.repeat_interleave(batch_idx, num_pred_positions)
            masked_X = X[batch_idx, pred_positions]
            masked_X = masked_X.reshape((batch_size, num_pred_positions, -1))
            return self.mlp(masked_X)

    class NextSentencePred(nn.Module):
        def __init__(self):
            super().__init__()
            self.output = nn.LazyLinear(2)

        def forward(self, X):
            return self.output(X)

    class BERTModel(nn.Module):
        def __init__(
            self,
            vocab_size,
            num_hiddens,
            ffn_num_hiddens,
            num_heads,
            num_blks,
            dropout,
            max_len=1000,
        ):
            super().__init__()
            self.encoder = BERTEncoder(
                vocab_size,
                num_hiddens,
                ffn_num_hiddens,
                num_heads,
                num_blks,
                dropout,
                max_len=max_len,
            )
            self.hidden = nn.Sequential(nn.LazyLinear(num_hiddens), nn.Tanh())
            self.mlm = MaskLM(vocab_size, num_hiddens)
            self.nsp = NextSentencePred()

        def forward(self, tokens, segments, valid_lens=None, pred_positions=None):
            encoded_X = self.encoder(tokens, segments, valid_lens)
            if pred_positions is not None:
                mlm_Y_hat = self.mlm(encoded_X, pred_positions)
            else:
                mlm_Y_hat = None
            nsp_Y_hat = self.nsp(self.hidden(encoded_X[:, 0, :]))
            return encoded_X, mlm_Y_hat, nsp_Y_hat

    return BERTModel


def _bert_names(T, torch=None):
    if T.lib == "torch":
        T.bmm, T.randn, T.float32 = torch.bmm, torch.randn, torch.float64
        T.repeat_interleave, T.arange = torch.repeat_interleave, torch.arange
    else:
        T.bmm = gnp.matmul
        T.randn = lambda *s: ad.tensor(gnp.asarray(np.zeros(s)))
        T.float32 = np.float64
        T.repeat_interleave = lambda x, repeats, dim=None: x.repeat_interleave(repeats, dim=dim)
        T.arange = lambda *a, dtype=None: ad.tensor(gnp.arange(*a, dtype=dtype))
    return T


def _bert_program(T, batches, encode_ids, vocab_size, state=None, num_steps=4):
    nn = T.nn
    net = _bert_classes(T)(
        vocab_size,
        num_hiddens=8,
        ffn_num_hiddens=12,
        num_heads=2,
        num_blks=2,
        dropout=0.0,
        max_len=16,
    )
    loss = nn.CrossEntropyLoss()

    def _get_batch_loss_bert(
        net,
        loss,
        vocab_size,
        tokens_X,
        segments_X,
        valid_lens_x,
        pred_positions_X,
        mlm_weights_X,
        mlm_Y,
        nsp_y,
    ):
        _, mlm_Y_hat, nsp_Y_hat = net(
            tokens_X, segments_X, valid_lens_x.reshape(-1), pred_positions_X
        )
        mlm_l = loss(mlm_Y_hat.reshape(-1, vocab_size), mlm_Y.reshape(-1)) * mlm_weights_X.reshape(
            -1, 1
        )
        mlm_l = mlm_l.sum() / (mlm_weights_X.sum() + 1e-8)
        nsp_l = loss(nsp_Y_hat, nsp_y)
        return mlm_l, nsp_l, mlm_l + nsp_l

    train_iter = [tuple(T.tensor(a) for a in batch) for batch in batches]
    net(*train_iter[0][:4])
    if state is not None:
        state(net)
    # (The modules keep their last attention weights, a non-leaf tensor that torch's deepcopy
    # refuses: the initial weights are kept as arrays.)
    initial = {k: _arr(v).copy() for k, v in net.state_dict().items()}
    trainer = T.optim.Adam(net.parameters(), lr=0.01)
    log = {"mlm": [], "nsp": [], "grads": []}
    step, num_steps_reached = 0, False
    while step < num_steps and not num_steps_reached:
        for (
            tokens_X,
            segments_X,
            valid_lens_x,
            pred_positions_X,
            mlm_weights_X,
            mlm_Y,
            nsp_y,
        ) in train_iter:
            trainer.zero_grad()
            mlm_l, nsp_l, l_ = _get_batch_loss_bert(
                net,
                loss,
                vocab_size,
                tokens_X,
                segments_X,
                valid_lens_x,
                pred_positions_X,
                mlm_weights_X,
                mlm_Y,
                nsp_y,
            )
            l_.backward()
            log["grads"].append([p.grad.detach().clone() for p in net.parameters()])
            trainer.step()
            log["mlm"].append(mlm_l.item())
            log["nsp"].append(nsp_l.item())
            step += 1
            if step == num_steps:
                num_steps_reached = True
                break

    def get_bert_encoding(net, token_ids, segments):
        token_ids = T.tensor(token_ids).unsqueeze(0)
        segments = T.tensor(segments).unsqueeze(0)
        valid_len = T.tensor(len(token_ids[0])).unsqueeze(0)
        encoded_X, _, _ = net(token_ids, segments, valid_len)
        return encoded_X

    log["encoding"] = [get_bert_encoding(net, *encode_ids)]
    return net, initial, log


def _bert_batches(vocab_size, n_batches=2, batch=3, max_len=9, n_pred=3):
    out = []
    for _ in range(n_batches):
        tokens = R.integers(5, vocab_size, size=(batch, max_len))
        tokens[:, 0] = 2
        valid = R.integers(5, max_len + 1, size=batch)
        segments = np.zeros((batch, max_len), dtype=np.int64)
        for i, v in enumerate(valid):
            tokens[i, v:] = 0
            segments[i, v // 2 : v] = 1
        pred = np.stack(
            [np.sort(R.choice(np.arange(1, v), size=n_pred, replace=False)) for v in valid]
        )
        weights = np.ones((batch, n_pred))
        weights[0, -1] = 0.0
        mlm_y = R.integers(5, vocab_size, size=(batch, n_pred))
        nsp = R.integers(0, 2, size=batch)
        out.append((tokens, segments, valid.astype(np.float64), pred, weights, mlm_y, nsp))
    return out


def test_d2l_bert_pretraining(torch, backend):
    tol = _tol(backend)
    vocab_size = 13
    batches = _bert_batches(vocab_size)
    encode = ([2, 7, 8, 9, 3, 10, 11, 3], [0, 0, 0, 0, 0, 1, 1, 1])
    tnet, tinit, tlog = _bert_program(
        _bert_names(_torch_T(torch), torch), batches, encode, vocab_size
    )
    xp = _xp()
    gnet, _, glog = _bert_program(
        _bert_names(_gpuad_T()),
        batches,
        encode,
        vocab_size,
        state=lambda m: m.load_state_dict({k: xp.asarray(v) for k, v in tinit.items()}),
    )
    _same_logs(glog, tlog, **tol)
    _same_models(gnet, tnet, **tol)


# ---- intermediate_source/autograd_saved_tensors_hooks_tutorial.py -----------------------------


def _hooks_names(T, torch=None):
    if T.lib == "torch":
        T.graph = torch.autograd.graph
        T.pow, T.exp, T.randn_like = torch.pow, torch.exp, torch.randn_like
        T.save, T.load = torch.save, lambda name: torch.load(name, weights_only=False)
        T.DataParallel = torch.nn.DataParallel
        T.is_tensor = lambda x: isinstance(x, torch.Tensor)
        T.device_of = lambda x: x.device
    else:
        import gpuad.autograd.graph as graph

        T.graph = graph
        T.pow, T.exp = gnp.power, gnp.exp
        T.save, T.load = ad.save, ad.load
        T.DataParallel = ad.nn.DataParallel
        T.is_tensor = lambda x: isinstance(x, ad.Tensor)
        T.device_of = lambda x: x.device
    return T


def _saved_hooks_tutorial(T, draws, tmp_dir):
    import os
    import uuid

    nn = T.nn
    log = {"grads": [], "packed": [], "unpacked": []}
    d = iter(draws)

    # y = a * b under print-style hooks: what is packed, and unpacked by backward
    def pack_hook(x):
        log["packed"].append(x.detach().clone())
        return x

    def unpack_hook(x):
        log["unpacked"].append(x.detach().clone())
        return x

    a = T.tensor(np.ones(5), requires_grad=True)
    b = T.tensor(np.ones(5), requires_grad=True) * 2
    with T.graph.saved_tensors_hooks(pack_hook, unpack_hook):
        y = a * b
    y.sum().backward()
    log["grads"].append(a.grad)

    # hooks that scale the saved value and scale it back
    x = T.tensor(next(d), requires_grad=True)
    with T.graph.saved_tensors_hooks(lambda x: x * 4, lambda x: x / 4):
        y = T.pow(x, 2)
    y.sum().backward()
    assert bool((x.grad == 2 * x).all())
    log["grads"].append(x.grad)

    # an int into a Python list
    storage = []

    def pack(x):
        storage.append(x)
        return len(storage) - 1

    def unpack(x):
        return storage[x]

    x = T.tensor(next(d), requires_grad=True)
    with T.graph.saved_tensors_hooks(pack, unpack):
        y = x * x
    y.sum().backward()
    assert bool((x.grad == 2 * x).all())
    log["grads"].append(x.grad)
    log["stored"] = [len(storage)]

    # a tuple of a shifted tensor and the function that shifts it back (the shift drawn by the
    # program: here from the shared draws)
    def pack_tuple(x):
        delta = T.tensor(next(d)[: x.shape[0]])
        return x - delta, lambda x: x + delta

    def unpack_tuple(packed):
        x, f = packed
        return f(x)

    x = T.tensor(next(d), requires_grad=True)
    with T.graph.saved_tensors_hooks(pack_tuple, unpack_tuple):
        y = x * x
    y.sum().backward()
    log["grads"].append(x.grad)

    # (x.device, x.cpu()) and tensor.to(device); the tutorial then opens the block with the
    # earlier pack/unpack, as here
    def pack_hook_cpu(x):
        return (T.device_of(x), x.cpu())

    def unpack_hook_cpu(packed):
        device, tensor = packed
        return tensor.to(device)

    x = T.tensor(next(d), requires_grad=True)
    with T.graph.saved_tensors_hooks(pack, unpack):
        y = x * x
    y.sum().backward()
    log["grads"].append(x.grad)
    x = T.tensor(next(d), requires_grad=True)
    with T.graph.saved_tensors_hooks(pack_hook_cpu, unpack_hook_cpu):
        y = x * x
    y.sum().backward()
    log["grads"].append(x.grad)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(T.tensor(next(d)))

        def forward(self, x):
            with T.graph.save_on_cpu(pin_memory=True):
                return self.w * x

    model = Model()
    loss = model(T.tensor(next(d))).sum()
    loss.backward()
    log["grads"].append(model.w.grad)

    class SaveToCpu(nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, *args, **kwargs):
            with T.graph.save_on_cpu(pin_memory=True):
                return self.module(*args, **kwargs)

    seq = nn.Sequential(nn.Linear(10, 12), SaveToCpu(nn.Linear(12, 12)), nn.Linear(12, 10))
    with T.no_grad():
        for p in seq.parameters():
            p.copy_(T.tensor(next(d)[: int(np.prod(p.shape))].reshape(tuple(p.shape))))
    loss = seq(T.tensor(next(d)[:10])).sum()
    loss.backward()
    log["grads"] += [p.grad for p in seq.parameters()]

    # saving to disk: the self-deleting temporary file, with a size threshold
    class SelfDeletingTempFile:
        def __init__(self):
            self.name = os.path.join(tmp_dir, str(uuid.uuid4()))

        def __del__(self):
            os.remove(self.name)

    SAVE_ON_DISK_THRESHOLD = 8

    def pack_disk(x):
        if x.numel() < SAVE_ON_DISK_THRESHOLD:
            return x
        temp_file = SelfDeletingTempFile()
        T.save(x, temp_file.name)
        return temp_file

    def unpack_disk(tensor_or_sctf):
        if T.is_tensor(tensor_or_sctf):
            return tensor_or_sctf
        return T.load(tensor_or_sctf.name)

    class SaveToDisk(nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, *args, **kwargs):
            with T.graph.saved_tensors_hooks(pack_disk, unpack_disk):
                return self.module(*args, **kwargs)

    inner = nn.Sequential(nn.Linear(4, 9), nn.Tanh(), nn.Linear(9, 2))
    with T.no_grad():
        for p in inner.parameters():
            p.copy_(T.tensor(next(d)[: int(np.prod(p.shape))].reshape(tuple(p.shape))))
    net = T.DataParallel(SaveToDisk(inner))
    out = net(T.tensor(next(d)[:12].reshape(3, 4)))
    log["files_while_recorded"] = [len(os.listdir(tmp_dir))]
    (out**2).sum().backward()
    del out
    import gc

    gc.collect()
    log["files_after"] = [len(os.listdir(tmp_dir))]
    log["grads"] += [p.grad for p in inner.parameters()]
    return log


def test_autograd_saved_tensors_hooks_tutorial(torch, tmp_path):
    draws = [R.normal(size=150) for _ in range(40)]
    tdir, gdir = tmp_path / "torch", tmp_path / "gpuad"
    tdir.mkdir()
    gdir.mkdir()
    tlog = _saved_hooks_tutorial(_hooks_names(_torch_T(torch), torch), draws, str(tdir))
    glog = _saved_hooks_tutorial(_hooks_names(_gpuad_T()), draws, str(gdir))
    _close(glog["grads"], tlog["grads"])
    # a * b saves both operands, and backward unpacks both
    assert len(glog["packed"]) == len(tlog["packed"]) == 2
    assert len(glog["unpacked"]) == len(tlog["unpacked"]) == 2

    # (the order in which one step packs its two operands is the library's own: torch packs
    # b first)
    def by_value(xs):
        return sorted((_arr(x) for x in xs), key=lambda v: float(v.sum()))

    _close(by_value(glog["packed"]), by_value(tlog["packed"]))
    _close(by_value(glog["unpacked"]), by_value(tlog["unpacked"]))
    assert glog["stored"] == tlog["stored"] == [2]
    # files exist while the graph holds them, and are gone once it is released
    assert glog["files_while_recorded"][0] > 0 and tlog["files_while_recorded"][0] > 0
    assert glog["files_after"] == tlog["files_after"] == [0]
