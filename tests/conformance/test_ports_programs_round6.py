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
- the scaled-dot-product-attention tutorial's ``CausalSelfAttention`` (``is_causal=True``
  against an explicit mask).

Each program is written once against a namespace ``T`` of torch's names or of the gpuad names
docs/porting.md gives. Tolerance 1e-9 relative: float64 rounding. Differences from the
originals: ``.float()`` is ``.double()``; dropout is 0 (the libraries draw different masks);
random choices (teacher forcing, batches) come from one NumPy generator; ``p.data.uniform_(..)``
is ``with no_grad(): p.uniform_(..)`` (gpuad's ``.data`` is the backend array).
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
        zeros=lambda *s, **k: ad.tensor(gnp.zeros(s)), ones=lambda *s: ad.tensor(gnp.ones(s)),
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
