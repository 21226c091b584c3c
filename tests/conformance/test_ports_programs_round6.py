"""Programs written for PyTorch, not ported elsewhere, run in gpuad and in PyTorch (float64)
from the same initial weights and data, comparing losses, gradients and parameters at every
step:

- the chatbot tutorial (``beginner_source/chatbot_tutorial.py``): a bidirectional GRU encoder
  over a ``PackedSequence``, Luong attention by ``dot``, ``general`` and ``concat`` scores,
  ``maskNLLLoss`` (``gather``, ``masked_select``), teacher forcing and greedy feeding
  (``topk``), ``clip_grad_norm_`` on both halves, two Adam optimizers, ``GreedySearchDecoder``;
- the "Learn the Basics" quickstart and optimization tutorials (``nn.Flatten``, ``train_loop``
  and ``test_loop`` with ``model.train()``/``model.eval()``, ``CrossEntropyLoss``, SGD);
- the text classification tutorial (``text_sentiment_ngrams_tutorial.py``): ``EmbeddingBag``
  with offsets, ``init_weights`` by ``uniform_``/``zero_``, SGD with ``StepLR`` and
  ``clip_grad_norm_``;
- yunjey's pytorch-tutorial: the deep residual network (``BatchNorm2d`` running statistics,
  a downsampling shortcut, ``AvgPool2d``, the learning rate lowered through
  ``param_groups``), the bidirectional LSTM classifier (``batch_first``) and the LSTM
  language model (states carried across batches with ``detach``, ``clip_grad_norm_``);
- yunjey's image captioning model (a CNN encoder whose features feed a packed LSTM decoder,
  targets packed the same way, greedy ``sample``);
- the "Introduction to PyTorch" YouTube series: the autograd tutorial (a sine's graph,
  ``TinyModel``'s gradients accumulating over five backward calls, ``requires_grad = False``,
  ``no_grad``/``enable_grad`` as decorators, ``backward(v)``, ``autograd.functional``'s
  ``jacobian``, ``hessian``, ``vjp``, ``jvp``) and the training tutorial
  (``GarmentClassifier`` trained through a ``DataLoader``, validation, ``save``/``load``);
- pytorch/examples' imagenet ``main.py``: ``accuracy`` by ``topk``/``t``/``eq``/``expand_as``/
  ``mul_``, ``AverageMeter`` of tensors, SGD with momentum and weight decay, ``StepLR``, a
  checkpoint of the model, optimizer and scheduler saved and resumed;
- the PyTorch recipes on saving and loading: what a ``state_dict`` holds (model and
  optimizer), zeroing gradients, a general checkpoint resumed, several models in one file,
  warmstarting with ``strict=False`` (missing and unexpected keys), the entire model pickled;
- lucidrains' lion-pytorch: ``Lion`` (with decoupled weight decay) and the cautious ``Lion``,
  ``torch.optim.Optimizer`` subclasses keeping ``self.state[p]``, stepped with a closure and
  resumed from a saved ``state_dict``;
- the scaled-dot-product-attention tutorial's ``CausalSelfAttention`` (its
  ``y.transpose(1, 2).view(..)`` of the attention output, ``is_causal=True`` in training only,
  a lower-triangular mask for fewer queries than keys).

Each program is written once against a namespace ``T`` of torch's names or of the gpuad names
docs/porting.md gives. Tolerance 1e-9 relative: float64 rounding. Differences from the
originals: ``.float()`` is ``.double()``; dropout is 0 (the libraries draw different masks);
random choices (teacher forcing, batches) come from one NumPy generator; ``p.data.uniform_(..)``
is ``with no_grad(): p.uniform_(..)`` and Lion's ``p.data.mul_(..)`` is ``p.mul_(..)`` inside its
``no_grad`` step (gpuad's ``.data`` is the backend array);
``torch.max(outputs.data, 1)`` is ``torch.max(outputs.detach(), 1)`` and ``outputs.max(1)[1]``
is ``outputs.max(dim=1)[1]`` (gpuad's ``x.max(1)`` is NumPy's, the values only); resnet152 in
the captioning encoder is one convolution; sizes are small.
"""

from __future__ import annotations

import math
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(606)


@pytest.fixture(autouse=True)
def _fresh_draws():
    global R
    R = np.random.default_rng(606)


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
        LongTensor=torch.LongTensor, zeros=torch.zeros, ones=torch.ones, cat=torch.cat,
        sum=torch.sum, log=torch.log, gather=torch.gather, tanh=torch.tanh,
        clip_grad_norm_=torch.nn.utils.clip_grad_norm_, long=torch.long,
        rnn_utils=torch.nn.utils.rnn, tril=torch.tril, max=torch.max, float=torch.float)


def _gpuad_T():
    from gpuad import nn, optim
    from gpuad.nn import functional as F
    from gpuad.nn.utils import rnn as rnn_utils

    xp = _xp()
    return types.SimpleNamespace(
        lib="gpuad", torch=ad, nn=nn, F=F, optim=optim, no_grad=ad.no_grad,
        tensor=lambda a, **k: ad.tensor(xp.asarray(a), **k),
        from_numpy=lambda a: ad.tensor(xp.asarray(a)),
        LongTensor=lambda a: ad.tensor(xp.asarray(np.asarray(a, dtype=np.int64))),
        zeros=lambda *s, **k: ad.tensor(gnp.zeros(s)),
        ones=lambda *s, requires_grad=False: ad.tensor(gnp.ones(s), requires_grad=requires_grad),
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        sum=lambda x, dim=None: x.sum(dim=dim), log=gnp.log,
        gather=lambda x, dim, idx: x.gather(dim, idx), tanh=gnp.tanh,
        clip_grad_norm_=nn.utils.clip_grad_norm_, long=np.int64, rnn_utils=rnn_utils,
        tril=gnp.tril, max=lambda x, dim: x.max(dim=dim), float=np.float32)


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


def _same_models(g, t, grads=True, rtol=1e-9, atol=1e-12, msg=""):
    gp, tp = dict(g.named_parameters()), dict(t.named_parameters())
    assert sorted(gp) == sorted(tp)
    for k, p in gp.items():
        _close(p, tp[k], rtol, atol, f"{msg} {k}")
        if grads:
            assert (p.grad is None) == (tp[k].grad is None), k
            if p.grad is not None:
                _close(p.grad, tp[k].grad, rtol, atol, f"{msg} {k}.grad")
    gb, tb = dict(g.named_buffers()), dict(t.named_buffers())
    assert sorted(gb) == sorted(tb)
    for k, b in gb.items():
        _close(b, tb[k], rtol, atol, f"{msg} buffer {k}")


# ============================ chatbot tutorial (Luong attention) ============================


def chatbot(T):
    nn, F = T.nn, T.F

    class EncoderRNN(nn.Module):
        def __init__(self, hidden_size, embedding, n_layers=1, dropout=0):
            super().__init__()
            self.n_layers = n_layers
            self.hidden_size = hidden_size
            self.embedding = embedding
            self.gru = nn.GRU(hidden_size, hidden_size, n_layers,
                              dropout=(0 if n_layers == 1 else dropout), bidirectional=True)

        def forward(self, input_seq, input_lengths, hidden=None):
            embedded = self.embedding(input_seq)
            packed = T.rnn_utils.pack_padded_sequence(embedded, input_lengths)
            outputs, hidden = self.gru(packed, hidden)
            outputs, _ = T.rnn_utils.pad_packed_sequence(outputs)
            outputs = outputs[:, :, :self.hidden_size] + outputs[:, :, self.hidden_size:]
            return outputs, hidden

    class Attn(nn.Module):
        def __init__(self, method, hidden_size):
            super().__init__()
            self.method = method
            if self.method not in ['dot', 'general', 'concat']:
                raise ValueError(self.method, "is not an appropriate attention method.")
            self.hidden_size = hidden_size
            if self.method == 'general':
                self.attn = nn.Linear(self.hidden_size, hidden_size)
            elif self.method == 'concat':
                self.attn = nn.Linear(self.hidden_size * 2, hidden_size)
                # torch.FloatTensor(hidden_size) is uninitialised: the weights are loaded
                self.v = nn.Parameter(T.zeros(hidden_size))

        def dot_score(self, hidden, encoder_output):
            return T.sum(hidden * encoder_output, dim=2)

        def general_score(self, hidden, encoder_output):
            energy = self.attn(encoder_output)
            return T.sum(hidden * energy, dim=2)

        def concat_score(self, hidden, encoder_output):
            energy = self.attn(T.cat((hidden.expand(encoder_output.size(0), -1, -1),
                                      encoder_output), 2)).tanh()
            return T.sum(self.v * energy, dim=2)

        def forward(self, hidden, encoder_outputs):
            if self.method == 'general':
                attn_energies = self.general_score(hidden, encoder_outputs)
            elif self.method == 'concat':
                attn_energies = self.concat_score(hidden, encoder_outputs)
            elif self.method == 'dot':
                attn_energies = self.dot_score(hidden, encoder_outputs)
            attn_energies = attn_energies.t()
            return F.softmax(attn_energies, dim=1).unsqueeze(1)

    class LuongAttnDecoderRNN(nn.Module):
        def __init__(self, attn_model, embedding, hidden_size, output_size, n_layers=1,
                     dropout=0.1):
            super().__init__()
            self.attn_model = attn_model
            self.hidden_size = hidden_size
            self.output_size = output_size
            self.n_layers = n_layers
            self.dropout = dropout
            self.embedding = embedding
            self.embedding_dropout = nn.Dropout(dropout)
            self.gru = nn.GRU(hidden_size, hidden_size, n_layers,
                              dropout=(0 if n_layers == 1 else dropout))
            self.concat = nn.Linear(hidden_size * 2, hidden_size)
            self.out = nn.Linear(hidden_size, output_size)
            self.attn = Attn(attn_model, hidden_size)

        def forward(self, input_step, last_hidden, encoder_outputs):
            embedded = self.embedding(input_step)
            embedded = self.embedding_dropout(embedded)
            rnn_output, hidden = self.gru(embedded, last_hidden)
            attn_weights = self.attn(rnn_output, encoder_outputs)
            context = attn_weights.bmm(encoder_outputs.transpose(0, 1))
            rnn_output = rnn_output.squeeze(0)
            context = context.squeeze(1)
            concat_input = T.cat((rnn_output, context), 1)
            concat_output = T.tanh(self.concat(concat_input))
            output = self.out(concat_output)
            output = F.softmax(output, dim=1)
            return output, hidden

    def maskNLLLoss(inp, target, mask):
        nTotal = mask.sum()
        crossEntropy = -T.log(T.gather(inp, 1, target.view(-1, 1)).squeeze(1))
        loss = crossEntropy.masked_select(mask).mean()
        return loss, nTotal.item()

    SOS_token = 1

    def train(input_variable, lengths, target_variable, mask, max_target_len, encoder,
              decoder, encoder_optimizer, decoder_optimizer, batch_size, clip,
              use_teacher_forcing):
        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()
        loss = 0
        print_losses = []
        n_totals = 0
        encoder_outputs, encoder_hidden = encoder(input_variable, lengths)
        decoder_input = T.LongTensor([[SOS_token for _ in range(batch_size)]])
        decoder_hidden = encoder_hidden[:decoder.n_layers]
        if use_teacher_forcing:
            for t in range(max_target_len):
                decoder_output, decoder_hidden = decoder(decoder_input, decoder_hidden,
                                                         encoder_outputs)
                decoder_input = target_variable[t].view(1, -1)
                mask_loss, nTotal = maskNLLLoss(decoder_output, target_variable[t], mask[t])
                loss += mask_loss
                print_losses.append(mask_loss.item() * nTotal)
                n_totals += nTotal
        else:
            for t in range(max_target_len):
                decoder_output, decoder_hidden = decoder(decoder_input, decoder_hidden,
                                                         encoder_outputs)
                _, topi = decoder_output.topk(1)
                decoder_input = T.LongTensor([[int(topi[i][0]) for i in range(batch_size)]])
                mask_loss, nTotal = maskNLLLoss(decoder_output, target_variable[t], mask[t])
                loss += mask_loss
                print_losses.append(mask_loss.item() * nTotal)
                n_totals += nTotal
        loss.backward()
        n1 = T.clip_grad_norm_(encoder.parameters(), clip)
        n2 = T.clip_grad_norm_(decoder.parameters(), clip)
        encoder_optimizer.step()
        decoder_optimizer.step()
        return sum(print_losses) / n_totals, float(n1), float(n2)

    class GreedySearchDecoder(nn.Module):
        def __init__(self, encoder, decoder):
            super().__init__()
            self.encoder = encoder
            self.decoder = decoder

        def forward(self, input_seq, input_length, max_length):
            encoder_outputs, encoder_hidden = self.encoder(input_seq, input_length)
            decoder_hidden = encoder_hidden[:self.decoder.n_layers]
            decoder_input = T.LongTensor([[SOS_token]])
            all_tokens, all_scores = [], []
            for _ in range(max_length):
                decoder_output, decoder_hidden = self.decoder(decoder_input, decoder_hidden,
                                                              encoder_outputs)
                decoder_scores, decoder_input = T.max(decoder_output, dim=1)
                all_tokens.append(int(decoder_input[0]))
                all_scores.append(float(decoder_scores[0]))
                decoder_input = decoder_input.unsqueeze(0)
            return all_tokens, all_scores

    return types.SimpleNamespace(EncoderRNN=EncoderRNN, LuongAttnDecoderRNN=LuongAttnDecoderRNN,
                                 train=train, GreedySearchDecoder=GreedySearchDecoder)


def _chatbot_run(T, attn_model, data, tinit=None):
    P = chatbot(T)
    vocab, hidden, layers = 9, 6, 2
    embedding = T.nn.Embedding(vocab, hidden)
    encoder = P.EncoderRNN(hidden, embedding, layers, 0.0)
    decoder = P.LuongAttnDecoderRNN(attn_model, embedding, hidden, vocab, layers, 0.0)
    if tinit is not None:
        _load(encoder, tinit[0])
        _load(decoder, tinit[1])
    encoder.train()
    decoder.train()
    enc_opt = T.optim.Adam(encoder.parameters(), lr=0.01)
    dec_opt = T.optim.Adam(decoder.parameters(), lr=0.01 * 5.0)
    out = []
    for inp, lengths, target, mask, tf in data:
        inp, target = T.LongTensor(inp), T.LongTensor(target)
        mask = T.tensor(mask)
        res = P.train(inp, lengths, target, mask, target.shape[0], encoder, decoder, enc_opt,
                      dec_opt, inp.shape[1], 0.05, tf)
        out.append((res, {k: p.detach().numpy() if T.lib == "torch" else to_numpy(p)
                          for k, p in [*encoder.named_parameters(prefix="enc"),
                                       *decoder.named_parameters(prefix="dec")]}))
    encoder.eval()
    decoder.eval()
    searcher = P.GreedySearchDecoder(encoder, decoder)
    with T.no_grad():
        gen = searcher(T.LongTensor([[3], [4], [5]]), [3], 4)
    return encoder, decoder, out, gen


@pytest.mark.parametrize("attn_model", ["dot", "general", "concat"])
def test_chatbot_luong_attention(torch, attn_model):
    tT, gT = _torch_T(torch), _gpuad_T()
    data = []
    for step in range(3):
        lengths = [5, 4, 2]
        inp = R.integers(3, 9, (5, 3))
        for b, n in enumerate(lengths):
            inp[n:, b] = 0
        tlen = [4, 2, 3]
        target = R.integers(2, 9, (4, 3))
        mask = np.zeros((4, 3), dtype=bool)
        for b, n in enumerate(tlen):
            target[n:, b] = 0
            mask[:n, b] = True
        data.append((inp, lengths, target, mask, step != 1))
    tenc, tdec, want, tgen = _chatbot_run(tT, attn_model, data)
    # start gpuad from torch's initial weights: rebuild torch's from the same seed
    torch.manual_seed(0)
    P = chatbot(tT)
    emb0 = torch.nn.Embedding(9, 6)
    enc0 = P.EncoderRNN(6, emb0, 2, 0.0)
    dec0 = P.LuongAttnDecoderRNN(attn_model, emb0, 6, 9, 2, 0.0)
    genc, gdec, got, ggen = _chatbot_run(gT, attn_model, data, (enc0, dec0))
    for step, ((wr, wp), (gr, gp)) in enumerate(zip(want, got, strict=True)):
        _close(gr[0], wr[0], msg=f"loss {step}")
        _close(gr[1], wr[1], msg=f"encoder grad norm {step}")
        _close(gr[2], wr[2], msg=f"decoder grad norm {step}")
        assert sorted(gp) == sorted(wp)
        for k in wp:
            _close(gp[k], wp[k], msg=f"{k} {step}")
    assert ggen[0] == tgen[0]
    _close(np.array(ggen[1]), np.array(tgen[1]), msg="greedy scores")
    assert genc.embedding is gdec.embedding


# ================== Learn the Basics: quickstart and optimization tutorials ==================


def basics(T):
    nn = T.nn

    class NeuralNetwork(nn.Module):
        def __init__(self, side, hidden):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(side * side, hidden),
                nn.ReLU(),
                nn.Linear(hidden, hidden),
                nn.ReLU(),
                nn.Linear(hidden, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    def train_loop(dataloader, model, loss_fn, optimizer, batch_size):
        size = sum(len(X) for X, _ in dataloader)
        model.train()
        losses = []
        for batch, (X, y) in enumerate(dataloader):
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            loss, current = loss.item(), batch * batch_size + len(X)
            losses.append((loss, current, size))
        return losses

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size = sum(len(X) for X, _ in dataloader)
        num_batches = len(dataloader)
        test_loss, correct = 0, 0
        with T.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(T.float).sum().item()
        test_loss /= num_batches
        correct /= size
        return test_loss, correct

    return NeuralNetwork, train_loop, test_loop


def test_learn_the_basics_quickstart_and_optimization(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    side, hidden, bs = 5, 12, 4
    xs = R.uniform(0, 1, (3 * bs, 1, side, side))
    ys = R.integers(0, 10, 3 * bs)
    xt, yt = R.uniform(0, 1, (6, 1, side, side)), R.integers(0, 10, 6)
    results = {}
    models = {}
    for T in (tT, gT):
        Net, train_loop, test_loop = basics(T)
        model = Net(side, hidden)
        if T.lib == "gpuad":
            _load(model, models["torch"])
        else:
            init = {k: v.clone() for k, v in model.state_dict().items()}
        loss_fn = T.nn.CrossEntropyLoss()
        optimizer = T.optim.SGD(model.parameters(), lr=1e-1)
        dl = [(T.from_numpy(xs[i:i + bs]), T.from_numpy(ys[i:i + bs]))
              for i in range(0, len(xs), bs)]
        tdl = [(T.from_numpy(xt[:4]), T.from_numpy(yt[:4])),
               (T.from_numpy(xt[4:]), T.from_numpy(yt[4:]))]
        res = []
        for _ in range(2):
            res.append(train_loop(dl, model, loss_fn, optimizer, bs))
            res.append(test_loop(tdl, model, loss_fn))
        results[T.lib] = res
        if T.lib == "torch":
            models["torch"] = Net(side, hidden)
            models["torch"].load_state_dict(init)
            models["torch_trained"] = model
        else:
            models["gpuad"] = model
    for w, g in zip(results["torch"], results["gpuad"], strict=True):
        _close(np.array(g, dtype=float), np.array(w, dtype=float))
    _same_models(models["gpuad"], models["torch_trained"], grads=False)
    # zero_grad() (set_to_none) after each step: no gradient is left on either side
    for p in models["gpuad"].parameters():
        assert p.grad is None


# ======================= text classification with EmbeddingBag (ngrams) =======================


def text_classification(T):
    nn = T.nn

    class TextClassificationModel(nn.Module):
        def __init__(self, vocab_size, embed_dim, num_class):
            super().__init__()
            self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
            self.fc = nn.Linear(embed_dim, num_class)
            self.init_weights()

        def init_weights(self):
            initrange = 0.5
            with T.no_grad():  # p.data.uniform_(..): gpuad's .data is the backend array
                self.embedding.weight.uniform_(-initrange, initrange)
                self.fc.weight.uniform_(-initrange, initrange)
                self.fc.bias.zero_()

        def forward(self, text, offsets):
            embedded = self.embedding(text, offsets)
            return self.fc(embedded)

    def collate_batch(batch):
        label_list, text_list, offsets = [], [], [0]
        for _label, _text in batch:
            label_list.append(_label - 1)
            processed_text = T.tensor(np.asarray(_text, dtype=np.int64))
            text_list.append(processed_text)
            offsets.append(processed_text.size(0))
        label_list = T.tensor(np.asarray(label_list, dtype=np.int64))
        offsets = T.tensor(np.cumsum(offsets[:-1]).astype(np.int64))
        text_list = T.cat(text_list)
        return label_list, text_list, offsets

    def train(dataloader, model, criterion, optimizer):
        model.train()
        total_acc, total_count, out = 0, 0, []
        for label, text, offsets in dataloader:
            optimizer.zero_grad()
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            loss.backward()
            norm = T.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
            out.append((loss.item(), float(norm)))
        return out, total_acc / total_count

    def evaluate(dataloader, model, criterion):
        model.eval()
        total_acc, total_count = 0, 0
        with T.no_grad():
            for label, text, offsets in dataloader:
                predicted_label = model(text, offsets)
                criterion(predicted_label, label)
                total_acc += (predicted_label.argmax(1) == label).sum().item()
                total_count += label.size(0)
        return total_acc / total_count

    return TextClassificationModel, collate_batch, train, evaluate


def test_text_classification_embedding_bag(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    vocab, emsize, ncls = 15, 6, 4
    batches = [[(int(R.integers(1, 5)), list(R.integers(0, vocab, int(R.integers(1, 6)))))
                for _ in range(3)] for _ in range(3)]
    res, mods = {}, {}
    for T in (tT, gT):
        Model, collate_batch, train, evaluate = text_classification(T)
        model = Model(vocab, emsize, ncls)
        if T.lib == "gpuad":
            _load(model, mods["torch0"])
        else:
            mods["torch0"] = Model(vocab, emsize, ncls)
            mods["torch0"].load_state_dict(model.state_dict())
        criterion = T.nn.CrossEntropyLoss()
        optimizer = T.optim.SGD(model.parameters(), lr=5.0)
        scheduler = T.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
        dl = [collate_batch(b) for b in batches]
        out = []
        for _epoch in range(2):
            out.append(train(dl, model, criterion, optimizer))
            out.append(evaluate(dl[:1], model, criterion))
            scheduler.step()
            out.append(scheduler.get_last_lr()[0])
        res[T.lib], mods[T.lib] = out, model
    for w, g in zip(res["torch"], res["gpuad"], strict=True):
        if isinstance(w, tuple):
            _close(np.array(g[0]), np.array(w[0]))
            assert g[1] == w[1]
        else:
            _close(g, w)
    _same_models(mods["gpuad"], mods["torch"])


# ================= yunjey/pytorch-tutorial: deep residual network (CIFAR-10) =================


def yunjey_resnet(T):
    nn = T.nn

    def conv3x3(in_channels, out_channels, stride=1):
        return nn.Conv2d(in_channels, out_channels, kernel_size=3,
                         stride=stride, padding=1, bias=False)

    class ResidualBlock(nn.Module):
        def __init__(self, in_channels, out_channels, stride=1, downsample=None):
            super().__init__()
            self.conv1 = conv3x3(in_channels, out_channels, stride)
            self.bn1 = nn.BatchNorm2d(out_channels)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = conv3x3(out_channels, out_channels)
            self.bn2 = nn.BatchNorm2d(out_channels)
            self.downsample = downsample

        def forward(self, x):
            residual = x
            out = self.conv1(x)
            out = self.bn1(out)
            out = self.relu(out)
            out = self.conv2(out)
            out = self.bn2(out)
            if self.downsample:
                residual = self.downsample(x)
            out += residual
            out = self.relu(out)
            return out

    class ResNet(nn.Module):
        def __init__(self, block, layers, num_classes=10):
            super().__init__()
            self.in_channels = 4
            self.conv = conv3x3(3, 4)
            self.bn = nn.BatchNorm2d(4)
            self.relu = nn.ReLU(inplace=True)
            self.layer1 = self.make_layer(block, 4, layers[0])
            self.layer2 = self.make_layer(block, 8, layers[0], 2)
            self.layer3 = self.make_layer(block, 16, layers[1], 2)
            self.avg_pool = nn.AvgPool2d(2)
            self.fc = nn.Linear(16, num_classes)

        def make_layer(self, block, out_channels, blocks, stride=1):
            downsample = None
            if (stride != 1) or (self.in_channels != out_channels):
                downsample = nn.Sequential(
                    conv3x3(self.in_channels, out_channels, stride=stride),
                    nn.BatchNorm2d(out_channels))
            layers = []
            layers.append(block(self.in_channels, out_channels, stride, downsample))
            self.in_channels = out_channels
            for _ in range(1, blocks):
                layers.append(block(out_channels, out_channels))
            return nn.Sequential(*layers)

        def forward(self, x):
            out = self.conv(x)
            out = self.bn(out)
            out = self.relu(out)
            out = self.layer1(out)
            out = self.layer2(out)
            out = self.layer3(out)
            out = self.avg_pool(out)
            out = out.view(out.size(0), -1)
            out = self.fc(out)
            return out

    return ResNet, ResidualBlock


def test_yunjey_deep_residual_network(torch):
    # channels 16/32/64 and 32x32 images with AvgPool2d(8) in the original: 4/8/16, 8x8, 2
    tT, gT = _torch_T(torch), _gpuad_T()
    images = [R.uniform(0, 1, (3, 3, 8, 8)) for _ in range(4)]
    labels = [R.integers(0, 10, 3) for _ in range(4)]
    timg, tlab = R.uniform(0, 1, (4, 3, 8, 8)), R.integers(0, 10, 4)
    res, models = {}, {}
    for T in (tT, gT):
        ResNet, ResidualBlock = yunjey_resnet(T)
        resnet = ResNet(ResidualBlock, [2, 2, 2, 2])
        if T.lib == "gpuad":
            _load(resnet, models["torch0"])
        else:
            models["torch0"] = ResNet(ResidualBlock, [2, 2, 2, 2])
            models["torch0"].load_state_dict(resnet.state_dict())
        criterion = T.nn.CrossEntropyLoss()
        lr = 0.01
        optimizer = T.optim.Adam(resnet.parameters(), lr=lr)
        out = []
        for epoch in range(2):
            for i in range(2):
                x, y = T.from_numpy(images[2 * epoch + i]), T.from_numpy(labels[2 * epoch + i])
                optimizer.zero_grad()
                outputs = resnet(x)
                loss = criterion(outputs, y)
                loss.backward()
                optimizer.step()
                out.append(loss.item())
            if (epoch + 1) % 1 == 0:
                lr /= 3
                optimizer = T.optim.Adam(resnet.parameters(), lr=lr)
        resnet.eval()
        outputs = resnet(T.from_numpy(timg))
        _, predicted = T.max(outputs.data if T.lib == "torch" else outputs.detach(), 1)
        correct = (predicted == T.from_numpy(tlab)).sum()
        out.append(float(correct))
        out.append(_arr(outputs))
        res[T.lib], models[T.lib] = out, resnet
    for w, g in zip(res["torch"], res["gpuad"], strict=True):
        _close(g, w)
    _same_models(models["gpuad"], models["torch"])


# ============== yunjey/pytorch-tutorial: bidirectional LSTM classifier (MNIST rows) ==============


def test_yunjey_bidirectional_lstm(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    sequence_length, input_size, hidden_size, num_layers, num_classes = 5, 4, 3, 2, 10
    images = [R.uniform(0, 1, (3, 1, sequence_length, input_size)) for _ in range(3)]
    labels = [R.integers(0, num_classes, 3) for _ in range(3)]
    res, models = {}, {}
    for T in (tT, gT):
        nn = T.nn

        class BiRNN(nn.Module):
            def __init__(self, input_size, hidden_size, num_layers, num_classes, T=T):
                super().__init__()
                self.hidden_size = hidden_size
                self.num_layers = num_layers
                self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True,
                                    bidirectional=True)
                self.fc = nn.Linear(hidden_size * 2, num_classes)
                self.T = T

            def forward(self, x):
                T = self.T
                h0 = T.zeros(self.num_layers * 2, x.size(0), self.hidden_size)
                c0 = T.zeros(self.num_layers * 2, x.size(0), self.hidden_size)
                out, _ = self.lstm(x, (h0, c0))
                out = self.fc(out[:, -1, :])
                return out

        model = BiRNN(input_size, hidden_size, num_layers, num_classes)
        if T.lib == "gpuad":
            _load(model, models["torch0"])
        else:
            models["torch0"] = BiRNN(input_size, hidden_size, num_layers, num_classes)
            models["torch0"].load_state_dict(model.state_dict())
        criterion = nn.CrossEntropyLoss()
        optimizer = T.optim.Adam(model.parameters(), lr=0.003)
        out = []
        for x, y in zip(images, labels, strict=True):
            x = T.from_numpy(x).reshape(-1, sequence_length, input_size)
            outputs = model(x)
            loss = criterion(outputs, T.from_numpy(y))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            out.append(loss.item())
        with T.no_grad():
            outputs = model(T.from_numpy(images[0]).reshape(-1, sequence_length, input_size))
            _, predicted = T.max(outputs.data if T.lib == "torch" else outputs, 1)
            out.append(_arr(predicted).astype(float))
        res[T.lib], models[T.lib] = out, model
    for w, g in zip(res["torch"], res["gpuad"], strict=True):
        _close(g, w)
    _same_models(models["gpuad"], models["torch"])


# ============ yunjey/pytorch-tutorial: LSTM language model with truncated backprop ============


def test_yunjey_language_model_truncated_bptt(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    vocab_size, embed_size, hidden_size, num_layers = 11, 5, 6, 1
    batch_size, seq_length = 3, 4
    ids_np = R.integers(0, vocab_size, (batch_size, 14))
    res, models = {}, {}
    for T in (tT, gT):
        nn = T.nn

        class RNNLM(nn.Module):
            def __init__(self, vocab_size, embed_size, hidden_size, num_layers):
                super().__init__()
                self.embed = nn.Embedding(vocab_size, embed_size)
                self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
                self.linear = nn.Linear(hidden_size, vocab_size)

            def forward(self, x, h):
                x = self.embed(x)
                out, (h, c) = self.lstm(x, h)
                out = out.reshape(out.size(0) * out.size(1), out.size(2))
                out = self.linear(out)
                return out, (h, c)

        model = RNNLM(vocab_size, embed_size, hidden_size, num_layers)
        if T.lib == "gpuad":
            _load(model, models["torch0"])
        else:
            models["torch0"] = RNNLM(vocab_size, embed_size, hidden_size, num_layers)
            models["torch0"].load_state_dict(model.state_dict())
        criterion = nn.CrossEntropyLoss()
        optimizer = T.optim.Adam(model.parameters(), lr=0.002)

        def detach(states):
            return [state.detach() for state in states]

        ids = T.from_numpy(ids_np)
        out = []
        for _epoch in range(2):
            states = (T.zeros(num_layers, batch_size, hidden_size),
                      T.zeros(num_layers, batch_size, hidden_size))
            for i in range(0, ids.size(1) - seq_length, seq_length):
                inputs = ids[:, i:i + seq_length]
                targets = ids[:, (i + 1):(i + 1) + seq_length]
                states = detach(states)
                outputs, states = model(inputs, states)
                loss = criterion(outputs, targets.reshape(-1))
                optimizer.zero_grad()
                loss.backward()
                norm = T.clip_grad_norm_(model.parameters(), 0.5)
                optimizer.step()
                out.append((loss.item(), float(norm)))
        # sampling, with the multinomial draw replaced by the argmax
        with T.no_grad():
            state = (T.zeros(num_layers, 1, hidden_size), T.zeros(num_layers, 1, hidden_size))
            inp = T.LongTensor([[3]])
            words = []
            for _ in range(5):
                output, state = model(inp, state)
                prob = output.exp()
                word_id = int(prob.argmax())
                inp.fill_(word_id)
                words.append(word_id)
            out.append(tuple(words))
        res[T.lib], models[T.lib] = out, model
    for w, g in zip(res["torch"], res["gpuad"], strict=True):
        if isinstance(w[0], float):
            _close(np.array(g), np.array(w))
        else:
            assert g == w
    _same_models(models["gpuad"], models["torch"])


# ============ yunjey/pytorch-tutorial: image captioning (CNN encoder, packed LSTM) ============


def captioning(T):
    nn = T.nn

    class EncoderCNN(nn.Module):
        def __init__(self, embed_size):
            super().__init__()
            # resnet152 without its fc layer in the original
            modules = [nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1)]
            self.resnet = nn.Sequential(*modules)
            self.linear = nn.Linear(4, embed_size)
            self.bn = nn.BatchNorm1d(embed_size, momentum=0.01)

        def forward(self, images):
            with T.no_grad():
                features = self.resnet(images)
            features = features.reshape(features.size(0), -1)
            features = self.bn(self.linear(features))
            return features

    class DecoderRNN(nn.Module):
        def __init__(self, embed_size, hidden_size, vocab_size, num_layers, max_seq_length=20):
            super().__init__()
            self.embed = nn.Embedding(vocab_size, embed_size)
            self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
            self.linear = nn.Linear(hidden_size, vocab_size)
            self.max_seg_length = max_seq_length

        def forward(self, features, captions, lengths):
            embeddings = self.embed(captions)
            embeddings = T.cat((features.unsqueeze(1), embeddings), 1)
            packed = T.rnn_utils.pack_padded_sequence(embeddings, lengths, batch_first=True)
            hiddens, _ = self.lstm(packed)
            outputs = self.linear(hiddens[0])
            return outputs

        def sample(self, features, states=None):
            sampled_ids = []
            inputs = features.unsqueeze(1)
            for _ in range(self.max_seg_length):
                hiddens, states = self.lstm(inputs, states)
                outputs = self.linear(hiddens.squeeze(1))
                _, predicted = outputs.max(dim=1)
                sampled_ids.append(predicted)
                inputs = self.embed(predicted)
                inputs = inputs.unsqueeze(1)
            sampled_ids = T.stack(sampled_ids, 1)
            return sampled_ids

    return EncoderCNN, DecoderRNN


def test_yunjey_image_captioning(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    tT.stack = torch.stack
    gT.stack = lambda xs, dim=0: gnp.stack(xs, axis=dim)
    embed, hidden, vocab = 5, 6, 10
    images = [R.uniform(0, 1, (3, 3, 4, 4)) for _ in range(2)]
    lengths = [4, 3, 2]
    caps = []
    for _ in range(2):
        c = R.integers(1, vocab, (3, 3))
        for b, n in enumerate(lengths):
            c[b, n - 1:] = 0
        caps.append(c)
    res, mods = {}, {}
    for T in (tT, gT):
        EncoderCNN, DecoderRNN = captioning(T)
        encoder, decoder = EncoderCNN(embed), DecoderRNN(embed, hidden, vocab, 1, 4)
        if T.lib == "gpuad":
            _load(encoder, mods["torch0"][0])
            _load(decoder, mods["torch0"][1])
        else:
            e0, d0 = EncoderCNN(embed), DecoderRNN(embed, hidden, vocab, 1, 4)
            e0.load_state_dict(encoder.state_dict())
            d0.load_state_dict(decoder.state_dict())
            mods["torch0"] = (e0, d0)
        criterion = T.nn.CrossEntropyLoss()
        params = list(decoder.parameters()) + list(encoder.linear.parameters()) + list(
            encoder.bn.parameters())
        optimizer = T.optim.Adam(params, lr=0.01)
        out = []
        for img, cap in zip(images, caps, strict=True):
            # the caption's first token is the image: the targets are the captions packed
            captions = T.from_numpy(np.concatenate([cap, np.zeros((3, 1), np.int64)], 1))
            targets = T.rnn_utils.pack_padded_sequence(captions, lengths, batch_first=True)[0]
            features = encoder(T.from_numpy(img))
            outputs = decoder(features, T.from_numpy(cap), lengths)
            loss = criterion(outputs, targets)
            decoder.zero_grad()
            encoder.zero_grad()
            loss.backward()
            optimizer.step()
            out.append(loss.item())
        encoder.eval()
        with T.no_grad():
            feature = encoder(T.from_numpy(images[0]))
            out.append(_arr(decoder.sample(feature)).astype(float))
        res[T.lib], mods[T.lib] = out, (encoder, decoder)
    for w, g in zip(res["torch"], res["gpuad"], strict=True):
        _close(g, w)
    # the bias of the Linear before BatchNorm1d has a zero gradient up to rounding, which Adam
    # (eps 1e-8) turns into steps of about 1e-9: compared to that accuracy
    for m in (mods["gpuad"], mods["torch"]):
        assert np.abs(_arr(m[0].linear.bias.grad)).max() < 1e-12
    _same_models(mods["gpuad"][0], mods["torch"][0], atol=1e-8)
    _same_models(mods["gpuad"][1], mods["torch"][1])


# ============== scaled_dot_product_attention tutorial: CausalSelfAttention module ==============


def sdpa_causal_self_attention(T):
    nn, F = T.nn, T.F

    class CausalSelfAttention(nn.Module):
        def __init__(self, num_heads, embed_dimension, bias=False, is_causal=False,
                     dropout=0.0):
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
            batch_size = query_projected.size(0)
            embed_dim = query_projected.size(2)
            head_dim = embed_dim // (self.num_heads * 3)
            query, key, value = query_projected.chunk(3, -1)
            query = query.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
            key = key.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
            value = value.view(batch_size, -1, self.num_heads, head_dim).transpose(1, 2)
            if self.training:
                dropout = self.dropout
                is_causal = self.is_causal
            else:
                dropout = 0.0
                is_causal = False
            y = F.scaled_dot_product_attention(query, key, value, attn_mask=None,
                                               dropout_p=dropout, is_causal=is_causal)
            y = y.transpose(1, 2).view(batch_size, -1, self.num_heads * head_dim)
            y = self.resid_dropout(self.c_proj(y))
            return y

    return CausalSelfAttention


def test_sdpa_tutorial_causal_self_attention(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    x = R.normal(size=(2, 5, 8))
    qkv = R.normal(size=(1, 2, 3, 4)), R.normal(size=(1, 2, 6, 4)), R.normal(size=(1, 2, 6, 4))
    res, mods = {}, {}
    for T in (tT, gT):
        Attn = sdpa_causal_self_attention(T)
        model = Attn(num_heads=2, embed_dimension=8, bias=False, is_causal=True, dropout=0.0)
        if T.lib == "gpuad":
            _load(model, mods["torch0"])
        else:
            mods["torch0"] = Attn(num_heads=2, embed_dimension=8, is_causal=True)
            mods["torch0"].load_state_dict(model.state_dict())
        opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        out = []
        xt = T.from_numpy(x)
        for _ in range(2):
            model.train()
            opt.zero_grad()
            y = model(xt)
            loss = (y ** 2).mean()
            loss.backward()
            opt.step()
            out.append(loss.item())
            model.eval()
            with T.no_grad():
                out.append(_arr(model(xt)))  # eval: not causal
        # the tutorial's explicit masks: a lower-triangular bool mask equals is_causal, and
        # is_causal with fewer queries than keys aligns the triangle to the upper left
        q, k, v = (T.from_numpy(a) for a in qkv)
        for t in (q, k, v):
            t.requires_grad_(True)
        mask = T.tril(T.ones(3, 6)) > 0
        a = T.F.scaled_dot_product_attention(q, k, v, is_causal=True)
        b = T.F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        (a.sum() + (b * b).sum()).backward()
        out += [_arr(a), _arr(b), _arr(q.grad), _arr(k.grad), _arr(v.grad)]
        res[T.lib], mods[T.lib] = out, model
    for w, g in zip(res["torch"], res["gpuad"], strict=True):
        _close(g, w)
    _close(res["gpuad"][-5], res["gpuad"][-4])
    _same_models(mods["gpuad"], mods["torch"])


# ================== Introduction to PyTorch on YouTube: autograd and training ==================


def autogradyt(T, inputs):
    out = {}
    a = T.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    b = T.sin(a)
    c = 2 * b
    d = c + 1
    o = d.sum()
    o.backward()
    out["sin graph a.grad"] = a.grad
    assert c.grad_fn is not None and a.grad_fn is None

    DIM_IN, HIDDEN_SIZE, DIM_OUT = 12, 6, 3  # BATCH_SIZE 4

    class TinyModel(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = T.nn.Linear(DIM_IN, HIDDEN_SIZE)
            self.relu = T.nn.ReLU()
            self.layer2 = T.nn.Linear(HIDDEN_SIZE, DIM_OUT)

        def forward(self, x):
            x = self.layer1(x)
            x = self.relu(x)
            x = self.layer2(x)
            return x

    some_input, ideal_output = T.from_numpy(inputs[0]), T.from_numpy(inputs[1])
    model = TinyModel()
    if T.lib == "gpuad":
        _load(model, inputs[2])
    else:
        inputs[2] = model
        model = TinyModel()
        model.load_state_dict(inputs[2].state_dict())
    assert model.layer2.weight.grad is None
    optimizer = T.optim.SGD(model.parameters(), lr=0.001)
    prediction = model(some_input)
    loss = (ideal_output - prediction).pow(2).sum()
    loss.backward()
    out["grad slice"] = model.layer2.weight.grad[0][0:10]
    optimizer.step()
    out["weight slice"] = model.layer2.weight[0][0:10]
    for _ in range(0, 5):
        prediction = model(some_input)
        loss = (ideal_output - prediction).pow(2).sum()
        loss.backward()
    out["accumulated"] = model.layer2.weight.grad[0][0:10]
    optimizer.zero_grad()
    assert model.layer2.weight.grad is None  # set_to_none

    a = T.ones(2, 3, requires_grad=True)
    b1 = 2 * a
    a.requires_grad = False
    b2 = 2 * a
    assert b1.requires_grad and not b2.requires_grad

    a = T.ones(2, 3, requires_grad=True) * 2
    b = T.ones(2, 3, requires_grad=True) * 3
    with T.no_grad():
        c2 = a + b
    assert (a + b).requires_grad and not c2.requires_grad

    @T.no_grad()
    def add_tensors2(x, y):
        return x + y

    @T.enable_grad()
    def add_tensors3(x, y):
        return x + y

    assert not add_tensors2(a, b).requires_grad
    with T.no_grad():
        assert add_tensors3(a, b).requires_grad

    x = T.from_numpy(inputs[3]).requires_grad_(True)
    y = x.detach()
    assert not y.requires_grad
    leaf = T.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    with pytest.raises(RuntimeError if T.lib == "torch" else ad.GradError, match="leaf"):
        leaf.sin_()

    # backward with a vector: y.data.norm() is y.detach().norm() (gpuad's .data is an array)
    x = T.from_numpy(inputs[4]).requires_grad_(True)
    y = x * 2
    while y.detach().norm() < 1000:
        y = y * 2
    v = T.tensor(np.array([0.1, 1.0, 0.0001]))
    y.backward(v)
    out["doubling grad"] = x.grad

    def exp_adder(x, y):
        return 2 * x.exp() + 3 * y

    args = (T.from_numpy(inputs[5][:1]), T.from_numpy(inputs[5][1:2]))
    out["jacobian 1"] = T.functional.jacobian(exp_adder, args)
    args = (T.from_numpy(inputs[5][:3]), T.from_numpy(inputs[5][3:]))
    out["jacobian 3"] = T.functional.jacobian(exp_adder, args)
    out["hessian"] = T.functional.hessian(lambda x: (x.exp() * x.sin()).sum(), args[0])

    def do_some_doubling(x):
        y = x * 2
        while y.detach().norm() < 1000:
            y = y * 2
        return y

    my_gradients = T.tensor(np.array([0.1, 1.0, 0.0001]))
    out["vjp"] = T.functional.vjp(do_some_doubling, T.from_numpy(inputs[4]), v=my_gradients)
    out["jvp"] = T.functional.jvp(do_some_doubling, T.from_numpy(inputs[4]), v=my_gradients)
    return out


def test_introyt_autograd(torch):
    tT, gT = _torch_T(torch), _gpuad_T()
    tT.functional, gT.functional = torch.autograd.functional, ad.autograd.functional
    tT.enable_grad, gT.enable_grad = torch.enable_grad, ad.enable_grad
    tT.sin, gT.sin = torch.sin, gnp.sin
    tT.linspace = torch.linspace
    gT.linspace = lambda a, b, steps, requires_grad=False: ad.tensor(
        gnp.linspace(a, b, steps), requires_grad=requires_grad)
    inputs = [R.normal(size=(4, 12)), R.normal(size=(4, 3)), None, R.uniform(size=5),
              R.normal(size=3), R.uniform(size=6)]
    want = autogradyt(tT, inputs)
    got = autogradyt(gT, inputs)
    assert sorted(got) == sorted(want)
    for k in want:
        w, g = want[k], got[k]
        if isinstance(w, tuple):
            wl = [t for part in w for t in (part if isinstance(part, tuple) else (part,))]
            gl = [t for part in g for t in (part if isinstance(part, tuple) else (part,))]
            assert len(wl) == len(gl), k
            for a, b in zip(gl, wl, strict=True):
                _close(a, b, msg=k)
        else:
            _close(g, w, msg=k)
    _close(got["sin graph a.grad"], 2 * np.cos(np.linspace(0, 2 * math.pi, 25)))


def garment_classifier(T):
    nn, F = T.nn, T.F

    class GarmentClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 4 * 4, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(-1, 16 * 4 * 4)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    return GarmentClassifier


def test_introyt_training_loop(torch, tmp_path):
    tT, gT = _torch_T(torch), _gpuad_T()
    import gpuad.utils.data as gdata
    tT.data, gT.data = torch.utils.data, gdata
    tT.save, tT.load, gT.save, gT.load = torch.save, torch.load, ad.save, ad.load
    xs, ys = R.uniform(-1, 1, (12, 1, 28, 28)), R.integers(0, 10, 12)
    xv, yv = R.uniform(-1, 1, (8, 1, 28, 28)), R.integers(0, 10, 8)
    res, mods = {}, {}
    for T in (tT, gT):
        Model = garment_classifier(T)
        model = Model()
        if T.lib == "gpuad":
            _load(model, mods["torch0"])
        else:
            mods["torch0"] = Model()
            mods["torch0"].load_state_dict(model.state_dict())
        training_loader = T.data.DataLoader(
            T.data.TensorDataset(T.from_numpy(xs), T.from_numpy(ys)), batch_size=4,
            shuffle=False)
        validation_loader = T.data.DataLoader(
            T.data.TensorDataset(T.from_numpy(xv), T.from_numpy(yv)), batch_size=4,
            shuffle=False)
        loss_fn = T.nn.CrossEntropyLoss()
        optimizer = T.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def train_one_epoch(epoch_index, model=model, loader=training_loader,
                            optimizer=optimizer, loss_fn=loss_fn):
            running_loss = 0.
            last_loss = 0.
            for i, data in enumerate(loader):
                inputs, labels = data
                optimizer.zero_grad()
                outputs = model(inputs)
                loss = loss_fn(outputs, labels)
                loss.backward()
                optimizer.step()
                running_loss += loss.item()
                if i % 3 == 2:
                    last_loss = running_loss / 3
                    running_loss = 0.
            return last_loss

        out = []
        best_vloss = 1_000_000.
        saved = None
        for epoch_number in range(2):
            model.train(True)
            avg_loss = train_one_epoch(epoch_number)
            model.train(False)
            running_vloss = 0.0
            for i, vdata in enumerate(validation_loader):  # noqa: B007 (i after the loop)
                vinputs, vlabels = vdata
                voutputs = model(vinputs)
                vloss = loss_fn(voutputs, vlabels)
                running_vloss += vloss
            avg_vloss = running_vloss / (i + 1)
            out.append((avg_loss, avg_vloss.item()))
            if avg_vloss < best_vloss:
                best_vloss = avg_vloss
                saved = str(tmp_path / f"model_{T.lib}_{epoch_number}")
                T.save(model.state_dict(), saved)
        saved_model = Model()
        saved_model.load_state_dict(T.load(saved))
        out.append(_arr(saved_model(T.from_numpy(xv[:2]))))
        res[T.lib], mods[T.lib] = out, model
    for w, g in zip(res["torch"], res["gpuad"], strict=True):
        _close(np.array(g), np.array(w))
    _same_models(mods["gpuad"], mods["torch"])


# ============ pytorch/examples imagenet/main.py: train, validate, checkpoint, resume ============


class AverageMeter:
    """Computes and stores the average and current value"""

    def __init__(self, name, fmt=':f'):
        self.name = name
        self.fmt = fmt
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def imagenet(T):
    nn = T.nn

    def accuracy(output, target, topk=(1,)):
        """Computes the accuracy over the k top predictions for the specified values of k"""
        with T.no_grad():
            maxk = max(topk)
            batch_size = target.size(0)
            _, pred = output.topk(maxk, 1, True, True)
            pred = pred.t()
            correct = pred.eq(target.view(1, -1).expand_as(pred))
            res = []
            for k in topk:
                correct_k = correct[:k].reshape(-1).float().sum(0, keepdim=True)
                res.append(correct_k.mul_(100.0 / batch_size))
            return res

    def train(train_loader, model, criterion, optimizer):
        losses, top1, top5 = AverageMeter('Loss', ':.4e'), AverageMeter('Acc@1', ':6.2f'), \
            AverageMeter('Acc@5', ':6.2f')
        model.train()
        for images, target in train_loader:
            output = model(images)
            loss = criterion(output, target)
            acc1, acc5 = accuracy(output, target, topk=(1, 5))
            losses.update(loss.item(), images.size(0))
            top1.update(acc1[0], images.size(0))
            top5.update(acc5[0], images.size(0))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return losses.avg, float(top1.avg), float(top5.avg)

    def validate(val_loader, model, criterion):
        losses, top1 = AverageMeter('Loss', ':.4e'), AverageMeter('Acc@1', ':6.2f')
        model.eval()
        with T.no_grad():
            for images, target in val_loader:
                output = model(images)
                loss = criterion(output, target)
                acc1, acc5 = accuracy(output, target, topk=(1, 5))
                losses.update(loss.item(), images.size(0))
                top1.update(acc1[0], images.size(0))
        return losses.avg, float(top1.avg)

    def make_model():  # models.__dict__[args.arch]() in the original: a small conv net
        return nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 7))

    return accuracy, train, validate, make_model


def test_imagenet_example_train_validate_resume(torch, tmp_path):
    tT, gT = _torch_T(torch), _gpuad_T()
    tT.save, tT.load, gT.save, gT.load = torch.save, torch.load, ad.save, ad.load
    xs, ys = R.normal(size=(12, 3, 8, 8)), R.integers(0, 7, 12)
    xv, yv = R.normal(size=(6, 3, 8, 8)), R.integers(0, 7, 6)
    logits_np = R.normal(size=(5, 7))
    res, mods = {}, {}
    for T in (tT, gT):
        accuracy, train, validate, make_model = imagenet(T)
        model = make_model()
        if T.lib == "gpuad":
            _load(model, mods["torch0"])
        else:
            mods["torch0"] = make_model()
            mods["torch0"].load_state_dict(model.state_dict())
        criterion = T.nn.CrossEntropyLoss()
        optimizer = T.optim.SGD(model.parameters(), 0.1, momentum=0.9, weight_decay=1e-4)
        scheduler = T.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1)
        train_loader = [(T.from_numpy(xs[i:i + 4]), T.from_numpy(ys[i:i + 4]))
                        for i in range(0, 12, 4)]
        val_loader = [(T.from_numpy(xv[:3]), T.from_numpy(yv[:3])),
                      (T.from_numpy(xv[3:]), T.from_numpy(yv[3:]))]
        out, best_acc1 = [], 0
        path = str(tmp_path / f"checkpoint_{T.lib}.pth.tar")
        for epoch in range(2):
            out.append(train(train_loader, model, criterion, optimizer))
            vloss, acc1 = validate(val_loader, model, criterion)
            out.append((vloss, acc1))
            scheduler.step()
            is_best = acc1 > best_acc1
            best_acc1 = max(acc1, best_acc1)
            out.append((float(is_best), scheduler.get_last_lr()[0]))
            T.save({'epoch': epoch + 1, 'state_dict': model.state_dict(),
                    'best_acc1': best_acc1, 'optimizer': optimizer.state_dict(),
                    'scheduler': scheduler.state_dict()}, path)
        # --resume: a new model, optimizer and scheduler from the checkpoint, one more epoch
        checkpoint = T.load(path, weights_only=False)
        model2 = make_model()
        model2.load_state_dict(checkpoint['state_dict'])
        optimizer2 = T.optim.SGD(model2.parameters(), 0.1, momentum=0.9, weight_decay=1e-4)
        optimizer2.load_state_dict(checkpoint['optimizer'])
        scheduler2 = T.optim.lr_scheduler.StepLR(optimizer2, step_size=1, gamma=0.1)
        scheduler2.load_state_dict(checkpoint['scheduler'])
        assert checkpoint['epoch'] == 2
        out.append(train(train_loader, model2, criterion, optimizer2))
        scheduler2.step()
        out.append(scheduler2.get_last_lr()[0])
        # the program's top-k accuracies on a batch with ties broken alike
        logits = T.from_numpy(logits_np)
        out.append(tuple(float(a) for a in accuracy(logits, T.from_numpy(
            np.array([0, 1, 2, 3, 4])), topk=(1, 3, 5))))
        res[T.lib], mods[T.lib] = out, model2
    for w, g in zip(res["torch"], res["gpuad"], strict=True):
        _close(np.array(g, dtype=float), np.array(w, dtype=float))
    _same_models(mods["gpuad"], mods["torch"])
    # the older form correct[:k].view(-1): a view of the transposed top-k rows works for k = 1
    # and raises for k > 1 (a copy is needed) in both
    for T in (tT, gT):
        _, pred = T.from_numpy(logits_np).topk(5, 1, True, True)
        correct = pred.t().eq(T.from_numpy(np.arange(5)).view(1, -1).expand_as(pred.t()))
        assert correct[:1].view(-1).shape[0] == 5
        with pytest.raises(RuntimeError, match="view"):
            correct[:5].view(-1)


# ======= lucidrains/lion-pytorch: Lion and cautious Lion, torch.optim.Optimizer subclasses =======


def lion_optimizers(T):
    torch = T.torch

    def exists(val):
        return val is not None

    def update_fn(p, grad, exp_avg, lr, wd, beta1, beta2):
        p.mul_(1. - lr * wd)  # p.data.mul_ in the original
        update = exp_avg.clone().mul_(beta1).add(grad, alpha=1. - beta1).sign_()
        p.add_(update, alpha=-lr)
        exp_avg.mul_(beta2).add_(grad, alpha=1. - beta2)

    class Lion(T.Optimizer):
        def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0,
                     decoupled_weight_decay=False):
            assert lr > 0.
            assert all([0. <= beta <= 1. for beta in betas])
            self._init_lr = lr
            self.decoupled_wd = decoupled_weight_decay
            defaults = dict(lr=lr, betas=betas, weight_decay=weight_decay)
            super().__init__(params, defaults)
            self.update_fn = update_fn

        @T.no_grad()
        def step(self, closure=None):
            loss = None
            if exists(closure):
                with T.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in filter(lambda p: exists(p.grad), group['params']):
                    grad, lr, wd, beta1, beta2, state, decoupled_wd, init_lr = (
                        p.grad, group['lr'], group['weight_decay'], *group['betas'],
                        self.state[p], self.decoupled_wd, self._init_lr)
                    if decoupled_wd:
                        wd /= init_lr
                    if len(state) == 0:
                        state['exp_avg'] = T.zeros_like(p)
                    exp_avg = state['exp_avg']
                    self.update_fn(p, grad, exp_avg, lr, wd, beta1, beta2)
            return loss

    class CautiousLion(T.Optimizer):
        def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0,
                     cautious_factor=0., decoupled_weight_decay=False):
            assert lr > 0.
            assert all([0. <= beta <= 1. for beta in betas])
            assert 0. <= cautious_factor <= 1.
            self._init_lr = lr
            self.decoupled_wd = decoupled_weight_decay
            defaults = dict(lr=lr, betas=betas, weight_decay=weight_decay,
                            cautious_factor=cautious_factor)
            super().__init__(params, defaults)

        @T.no_grad()
        def step(self, closure=None):
            loss = None
            if exists(closure):
                with T.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in filter(lambda p: exists(p.grad), group['params']):
                    grad, lr, wd, cautious_factor, beta1, beta2, state, decoupled_wd, init_lr = (
                        p.grad, group['lr'], group['weight_decay'], group['cautious_factor'],
                        *group['betas'], self.state[p], self.decoupled_wd, self._init_lr)
                    if decoupled_wd:
                        wd /= init_lr
                    if len(state) == 0:
                        state['exp_avg'] = T.zeros_like(p)
                    exp_avg = state['exp_avg']
                    p.mul_(1. - lr * wd)
                    update = exp_avg.clone().mul_(beta1).add(grad, alpha=1. - beta1).sign_()
                    if cautious_factor < 1.:
                        align_mask = (update * grad) > 0
                        scale = T.where(align_mask, T.ones_like(grad), cautious_factor)
                        scale /= scale.mean().clamp(min=1e-5)
                        update.mul_(scale)
                    p.add_(update, alpha=-lr)
                    exp_avg.mul_(beta2).add_(grad, alpha=1. - beta2)
            return loss

    del torch
    return Lion, CautiousLion


def test_lion_optimizer_subclasses(torch, tmp_path):
    tT, gT = _torch_T(torch), _gpuad_T()
    tT.Optimizer, gT.Optimizer = torch.optim.Optimizer, ad.optim.Optimizer
    tT.zeros_like, tT.ones_like, tT.where = torch.zeros_like, torch.ones_like, torch.where
    gT.zeros_like = lambda p: ad.tensor(gnp.zeros_like(p))
    gT.ones_like = lambda p: ad.tensor(gnp.ones_like(p))
    gT.where = gnp.where
    tT.enable_grad, gT.enable_grad = torch.enable_grad, ad.enable_grad
    tT.save, tT.load, gT.save, gT.load = torch.save, torch.load, ad.save, ad.load
    x, y = R.normal(size=(6, 4)), R.normal(size=(6, 2))
    res, mods = {}, {}
    for T in (tT, gT):
        Lion, CautiousLion = lion_optimizers(T)
        out = []
        for which, make in (("lion", lambda ps: Lion(ps, lr=0.05, weight_decay=0.1)),
                            ("decoupled", lambda ps: Lion(ps, lr=0.05, weight_decay=0.01,
                                                          decoupled_weight_decay=True)),
                            ("cautious", lambda ps: CautiousLion(ps, lr=0.05,
                                                                 weight_decay=0.1))):
            model = T.nn.Sequential(T.nn.Linear(4, 5), T.nn.Tanh(), T.nn.Linear(5, 2))
            if T.lib == "gpuad":
                _load(model, mods[f"torch0 {which}"])
            else:
                mods[f"torch0 {which}"] = T.nn.Sequential(
                    T.nn.Linear(4, 5), T.nn.Tanh(), T.nn.Linear(5, 2))
                mods[f"torch0 {which}"].load_state_dict(model.state_dict())
            opt = make(model.parameters())
            xt, yt = T.from_numpy(x), T.from_numpy(y)

            def closure(model=model, opt=opt, xt=xt, yt=yt):
                opt.zero_grad()
                loss = ((model(xt) - yt) ** 2).mean()
                loss.backward()
                return loss

            for _ in range(3):
                out.append(opt.step(closure).item())
            # a checkpoint of the optimizer's own state, loaded into a new one, steps alike
            path = str(tmp_path / f"{T.lib}_{which}")
            T.save(opt.state_dict(), path)
            opt2 = make(model.parameters())
            opt2.load_state_dict(T.load(path))
            first = model[0].weight
            out.append(_arr(opt2.state[first]['exp_avg']))
            assert first in opt2.state
            out.append(opt2.step(closure).item())
            mods[f"{T.lib} {which}"] = model
        res[T.lib] = out
    for w, g in zip(res["torch"], res["gpuad"], strict=True):
        _close(g, w)
    for which in ("lion", "decoupled", "cautious"):
        _same_models(mods[f"gpuad {which}"], mods[f"torch {which}"])


# ============ PyTorch recipes: state_dict, checkpoints, several models, warmstarting ============


def recipes_net(T):
    nn, F = T.nn, T.F

    class Net(nn.Module):
        def __init__(self, out=10):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, out)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(-1, 16 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    # a class pickle can find (torch.save(model) pickles the whole model), as a script's is
    Net.__qualname__ = Net.__name__ = f"RecipesNet_{T.lib}"
    globals()[Net.__name__] = Net
    return Net


def test_recipes_saving_loading_and_warmstarting(torch, tmp_path):
    tT, gT = _torch_T(torch), _gpuad_T()
    tT.save, tT.load, gT.save, gT.load = torch.save, torch.load, ad.save, ad.load
    x, y = R.normal(size=(2, 3, 32, 32)), R.integers(0, 10, 2)
    res, inits = {}, {}
    for T in (tT, gT):
        Net = recipes_net(T)
        out = {}
        net, netB = Net(), Net(out=4)
        if T.lib == "gpuad":
            _load(net, inits["net"])
            _load(netB, inits["netB"])
        else:
            inits["net"], inits["netB"] = Net(), Net(out=4)
            inits["net"].load_state_dict(net.state_dict())
            inits["netB"].load_state_dict(netB.state_dict())
        optimizer = T.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
        # what is a state_dict
        out["keys"] = [(k, tuple(v.shape)) for k, v in net.state_dict().items()]
        osd = optimizer.state_dict()
        out["param ids"] = osd["param_groups"][0]["params"]
        out["lr"] = osd["param_groups"][0]["lr"]
        criterion = T.nn.CrossEntropyLoss()
        xt, yt = T.from_numpy(x), T.from_numpy(y)
        # zeroing out gradients
        losses = []
        for _ in range(2):
            optimizer.zero_grad()
            loss = criterion(net(xt), yt)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        out["losses"] = losses
        # a general checkpoint, loaded into new objects, one more step
        path = str(tmp_path / f"model_{T.lib}.pt")
        T.save({'epoch': 5, 'model_state_dict': net.state_dict(),
                'optimizer_state_dict': optimizer.state_dict(), 'loss': losses[-1]}, path)
        model = Net()
        opt2 = T.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
        checkpoint = T.load(path, weights_only=True)
        model.load_state_dict(checkpoint['model_state_dict'])
        opt2.load_state_dict(checkpoint['optimizer_state_dict'])
        assert checkpoint['epoch'] == 5 and checkpoint['loss'] == losses[-1]
        model.train()
        opt2.zero_grad()
        loss = criterion(model(xt), yt)
        loss.backward()
        opt2.step()
        out["resumed"] = [loss.item(), _arr(model.fc3.bias)]
        # several models in one file
        path = str(tmp_path / f"models_{T.lib}.pt")
        optimizerB = T.optim.SGD(netB.parameters(), lr=0.01, momentum=0.5)
        T.save({'modelA_state_dict': model.state_dict(), 'modelB_state_dict': netB.state_dict(),
                'optimizerA_state_dict': opt2.state_dict(),
                'optimizerB_state_dict': optimizerB.state_dict()}, path)
        ckpt = T.load(path)
        modelA, modelB = Net(), Net(out=4)
        modelA.load_state_dict(ckpt['modelA_state_dict'])
        modelB.load_state_dict(ckpt['modelB_state_dict'])
        modelA.eval()
        modelB.eval()
        out["A and B"] = [_arr(modelA(xt)), _arr(modelB(xt))]
        # warmstarting a model of another head from this one's parameters: strict=False
        partial = {k: v for k, v in modelA.state_dict().items() if not k.startswith('fc3')}
        keys = modelB.load_state_dict(partial, strict=False)
        out["warmstart keys"] = [list(keys.missing_keys), list(keys.unexpected_keys)]
        out["warmstarted"] = _arr(modelB(xt))
        with pytest.raises(Exception, match="size|shape"):
            modelB.load_state_dict(modelA.state_dict(), strict=False)  # fc3: 10 rows, not 4
        # the entire model saved and loaded (pickled)
        path = str(tmp_path / f"whole_{T.lib}.pt")
        T.save(model, path)
        whole = T.load(path, weights_only=False)
        whole.eval()
        out["whole"] = _arr(whole(xt))
        res[T.lib] = out
    assert sorted(res["gpuad"]) == sorted(res["torch"])
    for k, w in res["torch"].items():
        g = res["gpuad"][k]
        if k in ("keys", "param ids", "warmstart keys"):
            assert g == w, k
        elif isinstance(w, list):
            for a, b in zip(g, w, strict=True):
                _close(a, b, msg=k)
        else:
            _close(g, w, msg=k)
