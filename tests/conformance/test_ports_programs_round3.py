"""PyTorch tutorial programs not ported elsewhere, run side by side in torch (float64) and in
gpuad from the same initial weights and data: "Double Backward with Custom Functions",
"Fusing Convolution and Batch Norm using Custom Function", the Bi-LSTM CRF of "Advanced:
Making Dynamic Decisions", the N-gram and CBOW language models of "Word Embeddings", the LSTM
part-of-speech tagger of "Sequence Models and LSTM Networks" (with its character-level
exercise), "Adversarial Example Generation"
(FGSM), "Knowledge Distillation" and "Forward-mode Automatic Differentiation" (dual tensors
set on modules, ``functional_call``, a custom Function's ``jvp``, ``torch.func.jvp``) and
"Pruning" (L1, Ln-structured, iterative, global and custom pruning, then training through the
pruning hooks) and "Optimizer step in backward" (per-parameter optimizers stepped from
post-accumulate-grad hooks), "Parametrizations" (symmetric, skew, Cayley and exponential maps
chained on one weight, ``parametrize.cached()``, ``right_inverse``, removal), and
pytorch/examples' ``snli`` classifier.

Each program is written once against a namespace ``T`` (torch's names, or the gpuad names a
port uses per docs/porting.md); the models are built by the same code for both and gpuad's
model loads torch's initial ``state_dict``. Losses, gradients, parameters and outputs must
agree to 1e-9 relative (float64 rounding through a few hundred operations). Random data come
from one NumPy generator; dropout runs at ``p=0`` (the libraries draw different masks).

Where a port differs from its original, the line says why:
- ``torch.max(vec, 1)``: ``vec.max(dim=1)`` (``x.max(1)`` is NumPy's values only);
- ``X.transpose(0, 1)`` of a 4-D tensor is torch's swap in both;
- ``torch.cat``: ``gnp.concatenate``;
- torchvision's MNIST / CIFAR: small random images;
- a custom ``BasePruningMethod.compute_mask`` gets host NumPy arrays in gpuad: ``.copy()``
  and ``.reshape(-1)`` for torch's ``.clone()`` and ``.view(-1)``;
- ``module._forward_pre_hooks`` (torch's private dict, printed by the pruning tutorial) is not
  ported.
"""

from __future__ import annotations

import functools
import math
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn as gnn
from gpuad import optim as goptim
from gpuad.autograd.function import once_differentiable as g_once
from gpuad.nn import functional as gF

torch = pytest.importorskip("torch")

R = np.random.default_rng(33)


@pytest.fixture(autouse=True)
def _torch64():
    old, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    yield
    torch.set_default_dtype(old)
    torch.set_num_threads(threads)


def _xp():
    return ad.get_backend().xp


def gpuad_T():
    xp = _xp()
    return types.SimpleNamespace(
        lib="gpuad",
        nn=gnn,
        F=gF,
        optim=goptim,
        autograd=ad.autograd,
        Function=ad.autograd.Function,
        once_differentiable=g_once,
        no_grad=ad.no_grad,
        inference_mode=ad.inference_mode,
        tensor=lambda a, **kw: ad.tensor(xp.asarray(a), **kw),
        long=lambda a: ad.tensor(xp.asarray(np.asarray(a, dtype=np.int64))),
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        exp=gnp.exp,
        log=gnp.log,
        sum=gnp.sum,
        sqrt=gnp.sqrt,
        full=lambda shape, v: ad.tensor(xp.full(shape, v)),
        zeros=lambda *s: ad.tensor(xp.zeros(s)),
        sign=gnp.sign,
        clamp=lambda x, lo, hi: gnp.clip(x, lo, hi),
        flatten=lambda x, d: x.flatten(d),
        fwAD=ad.autograd.forward_ad,
        func=ad.func,
        solve=gnp.linalg.solve,
        matrix_exp=lambda x: x.matrix_exp(),
        eye=lambda n: ad.tensor(xp.eye(n)),
    )


def torch_T():
    return types.SimpleNamespace(
        lib="torch",
        nn=torch.nn,
        F=torch.nn.functional,
        optim=torch.optim,
        autograd=torch.autograd,
        Function=torch.autograd.Function,
        once_differentiable=torch.autograd.function.once_differentiable,
        no_grad=torch.no_grad,
        inference_mode=torch.inference_mode,
        tensor=lambda a, **kw: torch.tensor(np.asarray(a), **kw),
        long=lambda a: torch.tensor(np.asarray(a, dtype=np.int64)),
        cat=torch.cat,
        exp=torch.exp,
        log=torch.log,
        sum=torch.sum,
        sqrt=torch.sqrt,
        full=torch.full,
        zeros=torch.zeros,
        sign=torch.sign,
        clamp=torch.clamp,
        flatten=torch.flatten,
        fwAD=torch.autograd.forward_ad,
        func=torch.func,
        solve=torch.linalg.solve,
        matrix_exp=torch.matrix_exp,
        eye=torch.eye,
    )


def _arr(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    if isinstance(t, ad.Tensor):
        return to_numpy(t.detach())
    return to_numpy(t)


def _close(a, b, rtol=1e-9, atol=1e-12, msg=""):
    np.testing.assert_allclose(_arr(a), _arr(b), rtol=rtol, atol=atol, err_msg=msg)


def _load(gmodel, tmodel):
    xp = _xp()
    gmodel.load_state_dict(
        {k: xp.asarray(v.detach().numpy()) for k, v in tmodel.state_dict().items()}
    )


def _load_np(model, T, sd):
    """NumPy weights, by name, into a torch or a gpuad model."""
    conv = torch.tensor if T.lib == "torch" else _xp().asarray
    model.load_state_dict({k: conv(v) for k, v in sd.items()})


def _same_models(g, t, rtol=1e-9, atol=1e-12):
    gp, tp = dict(g.named_parameters()), dict(t.named_parameters())
    assert sorted(gp) == sorted(tp)
    for k, p in gp.items():
        _close(p, tp[k], rtol, atol, k)
        assert (p.grad is None) == (tp[k].grad is None), k
        if p.grad is not None:
            _close(p.grad, tp[k].grad, rtol, atol, k + ".grad")


def _both(build, *args):
    t = build(torch_T())(*args)
    g = build(gpuad_T())(*args)
    _load(g, t)
    return g, t


# ---- intermediate_source/custom_function_double_backward_tutorial.py ----


def double_backward_functions(T):
    class Square(T.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 2 * x

    class Exp(T.Function):
        @staticmethod
        def forward(ctx, x):
            result = T.exp(x)
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_out):
            (result,) = ctx.saved_tensors
            return result * grad_out

    class Sinh(T.Function):
        @staticmethod
        def forward(ctx, x):
            expx = T.exp(x)
            expnegx = T.exp(-x)
            ctx.save_for_backward(expx, expnegx)
            return (expx - expnegx) / 2, expx, expnegx

        @staticmethod
        def backward(ctx, grad_out, _grad_out_exp, _grad_out_negexp):
            expx, expnegx = ctx.saved_tensors
            grad_input = grad_out * (expx + expnegx) / 2
            grad_input += _grad_out_exp * expx
            grad_input -= _grad_out_negexp * expnegx
            return grad_input

    def sinh(x):
        return Sinh.apply(x)[0]

    class SinhBad(T.Function):
        # the tutorial's "what NOT to do": intermediates kept on ctx, not returned
        @staticmethod
        def forward(ctx, x):
            expx = T.exp(x)
            expnegx = T.exp(-x)
            ctx.expx = expx
            ctx.expnegx = expnegx
            return (expx - expnegx) / 2

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out * (ctx.expx + ctx.expnegx) / 2

    def cube_backward(grad_out, x):
        return grad_out * 3 * x**2

    class Cube(T.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return CubeBackward.apply(grad_out, x)

    class CubeBackward(T.Function):
        @staticmethod
        def forward(ctx, grad_out, x):
            ctx.save_for_backward(x, grad_out)
            return cube_backward(grad_out, x)

        @staticmethod
        def backward(ctx, grad_out):
            x, sav_grad_out = ctx.saved_tensors
            dx = grad_out * sav_grad_out * 6 * x
            dgrad_out = grad_out * 3 * x**2
            return dgrad_out, dx

    return types.SimpleNamespace(
        Square=Square, Exp=Exp, sinh=sinh, SinhBad=SinhBad, Cube=Cube
    )


def test_double_backward_with_custom_functions():
    x33 = R.random((3, 3))
    fs = {lib: double_backward_functions(T) for lib, T in (("torch", torch_T()),
                                                            ("gpuad", gpuad_T()))}
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    cases = [("Square", x33), ("Exp", np.array(1.0)), ("sinh", x33), ("Cube", np.array(2.0))]
    for name, x0 in cases:
        res = {}
        for lib in ("torch", "gpuad"):
            T, f = Ts[lib], fs[lib]
            fn = getattr(f, name)
            fn = fn.apply if hasattr(fn, "apply") else fn
            x = T.tensor(x0, requires_grad=True)
            assert T.autograd.gradcheck(fn, (x,))
            assert T.autograd.gradgradcheck(fn, (x,))
            out = fn(x)
            (gx,) = T.autograd.grad(out.sum(), x, create_graph=True)
            (ggx,) = T.autograd.grad((gx * gx).sum(), x)
            res[lib] = (out, gx, ggx)
        for a, b in zip(res["torch"], res["gpuad"], strict=False):
            _close(b, a, msg=name)

    # The tutorial's bad Sinh: the first derivative is right, and the second is not there:
    # torch's grad_x does not require grad; gpuad's must not give a silent wrong value.
    for lib in ("torch", "gpuad"):
        T = Ts[lib]
        x = T.tensor(x33, requires_grad=True)
        out = fs[lib].SinhBad.apply(x)
        (gx,) = T.autograd.grad(out.sum(), x, create_graph=True)
        _close(gx, np.cosh(x33))
        assert not gx.requires_grad
        with pytest.raises(RuntimeError, match="does not require grad"):
            T.autograd.grad(gx.sum(), x)


# ---- intermediate_source/custom_function_conv_bn_tutorial.py ----


def conv_bn(T):
    F = T.F

    def convolution_backward(grad_out, X, weight):
        grad_input = F.conv2d(X.transpose(0, 1), grad_out.transpose(0, 1)).transpose(0, 1)
        grad_X = F.conv_transpose2d(grad_out, weight)
        return grad_X, grad_input

    class Conv2D(T.Function):
        @staticmethod
        def forward(ctx, X, weight):
            ctx.save_for_backward(X, weight)
            return F.conv2d(X, weight)

        @staticmethod
        @T.once_differentiable
        def backward(ctx, grad_out):
            X, weight = ctx.saved_tensors
            return convolution_backward(grad_out, X, weight)

    def unsqueeze_all(t):
        return t[None, :, None, None]

    def batch_norm_backward(grad_out, X, sum, sqrt_var, N, eps):
        tmp = -((X - unsqueeze_all(sum) / N) * grad_out).sum(dim=(0, 2, 3))
        d_denom = tmp / (sqrt_var + eps) ** 2
        d_var = d_denom / (2 * sqrt_var)
        d_mean_dx = grad_out / unsqueeze_all(sqrt_var + eps)
        d_mean_dx = unsqueeze_all(-d_mean_dx.sum(dim=(0, 2, 3)) / N)
        grad_input = X * unsqueeze_all(d_var * N)
        grad_input += unsqueeze_all(-d_var * sum)
        grad_input *= 2 / ((N - 1) * N)
        grad_input += d_mean_dx
        grad_input *= unsqueeze_all(sqrt_var + eps)
        grad_input += grad_out
        grad_input /= unsqueeze_all(sqrt_var + eps)
        return grad_input

    class BatchNorm(T.Function):
        @staticmethod
        def forward(ctx, X, eps=1e-3):
            sum = X.sum(dim=(0, 2, 3))
            var = X.var(unbiased=True, dim=(0, 2, 3))
            N = X.numel() / X.size(1)
            sqrt_var = T.sqrt(var)
            ctx.save_for_backward(X)
            ctx.eps = eps
            ctx.sum = sum
            ctx.N = N
            ctx.sqrt_var = sqrt_var
            mean = sum / N
            denom = sqrt_var + eps
            return (X - unsqueeze_all(mean)) / unsqueeze_all(denom)

        @staticmethod
        @T.once_differentiable
        def backward(ctx, grad_out):
            (X,) = ctx.saved_tensors
            return batch_norm_backward(grad_out, X, ctx.sum, ctx.sqrt_var, ctx.N, ctx.eps)

    class FusedConvBN2DFunction(T.Function):
        @staticmethod
        def forward(ctx, X, conv_weight, eps=1e-3):
            assert X.ndim == 4
            ctx.save_for_backward(X, conv_weight)
            X = F.conv2d(X, conv_weight)
            sum = X.sum(dim=(0, 2, 3))
            var = X.var(unbiased=True, dim=(0, 2, 3))
            N = X.numel() / X.size(1)
            sqrt_var = T.sqrt(var)
            ctx.eps = eps
            ctx.sum = sum
            ctx.N = N
            ctx.sqrt_var = sqrt_var
            mean = sum / N
            denom = sqrt_var + eps
            out = X - unsqueeze_all(mean)
            out /= unsqueeze_all(denom)
            return out

        @staticmethod
        def backward(ctx, grad_out):
            X, conv_weight = ctx.saved_tensors
            X_conv_out = F.conv2d(X, conv_weight)
            grad_out = batch_norm_backward(
                grad_out, X_conv_out, ctx.sum, ctx.sqrt_var, ctx.N, ctx.eps
            )
            grad_X, grad_input = convolution_backward(grad_out, X, conv_weight)
            return grad_X, grad_input, None, None, None, None, None

    nn = T.nn

    class FusedConvBN(nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, eps=1e-3):
            super().__init__()
            weight_shape = (out_channels, in_channels, kernel_size, kernel_size)
            self.conv_weight = nn.Parameter(T.zeros(*weight_shape))
            self.eps = eps
            nn.init.kaiming_uniform_(self.conv_weight, a=math.sqrt(5))

        def forward(self, X):
            return FusedConvBN2DFunction.apply(X, self.conv_weight, self.eps)

    class Net(nn.Module):
        def __init__(self, fused=True, side=12):
            super().__init__()
            self.fused = fused
            if fused:
                self.convbn1 = FusedConvBN(1, 4, 3)
                self.convbn2 = FusedConvBN(4, 6, 3)
            else:
                self.conv1 = nn.Conv2d(1, 4, 3, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(4, affine=False, track_running_stats=False)
                self.conv2 = nn.Conv2d(4, 6, 3, 1, bias=False)
                self.bn2 = nn.BatchNorm2d(6, affine=False, track_running_stats=False)
            self.fc1 = nn.Linear(6 * ((side - 4) // 2) ** 2, 16)
            self.dropout = nn.Dropout(0.0)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x):
            x = self.convbn1(x) if self.fused else self.bn1(self.conv1(x))
            x = F.relu(x)
            x = self.convbn2(x) if self.fused else self.bn2(self.conv2(x))
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = F.relu(x)
            x = x.flatten(1)
            x = self.fc1(x)
            x = self.dropout(x)
            x = F.relu(x)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return types.SimpleNamespace(
        Conv2D=Conv2D, BatchNorm=BatchNorm, Fused=FusedConvBN2DFunction, Net=Net
    )


def test_fusing_convolution_and_batch_norm():
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    mods = {k: conv_bn(T) for k, T in Ts.items()}
    w = R.random((5, 3, 3, 3))
    X = R.random((2, 3, 6, 6))
    a = R.random((1, 2, 3, 4))
    X2 = R.random((2, 3, 4, 4))
    for name, args in (("Conv2D", (X, w)), ("BatchNorm", (a,)), ("Fused", (X2, w))):
        outs = {}
        for lib, T in Ts.items():
            ts = [T.tensor(v, requires_grad=True) for v in args]
            fn = getattr(mods[lib], name).apply
            assert T.autograd.gradcheck(fn, tuple(ts)), (lib, name)
            out = fn(*ts)
            gs = T.autograd.grad((out * out.detach().flip(0)).sum(), ts)
            outs[lib] = (out, *gs)
        for p, q in zip(outs["torch"], outs["gpuad"], strict=False):
            _close(q, p, msg=name)

    # the training loop of the tutorial, fused and unfused, on small random images
    imgs = R.standard_normal((3, 8, 1, 12, 12))
    labels = R.integers(0, 10, (3, 8))
    losses = {}
    for fused in (True, False):
        g, t = _both(lambda T: mods[T.lib].Net, fused)
        for model, T in ((t, Ts["torch"]), (g, Ts["gpuad"])):
            opt = T.optim.Adadelta(model.parameters(), lr=1.0)
            sched = T.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
            ls = []
            for _epoch in range(2):
                model.train()
                for data, target in zip(imgs, labels, strict=False):
                    opt.zero_grad()
                    loss = T.F.nll_loss(model(T.tensor(data)), T.long(target))
                    loss.backward()
                    opt.step()
                    ls.append(loss.item())
                model.eval()
                with T.inference_mode():
                    out = model(T.tensor(imgs[0]))
                    tl = T.F.nll_loss(out, T.long(labels[0]), reduction="sum").item()
                    pred = out.argmax(dim=1, keepdim=True)
                    tgt = T.long(labels[0])
                    correct = pred.eq(tgt.view_as(pred)).sum().item()
                ls += [tl, correct]
                sched.step()
            losses[(fused, T.lib)] = ls
        _same_models(g, t)
        np.testing.assert_allclose(losses[(fused, "gpuad")], losses[(fused, "torch")],
                                   rtol=1e-9)


# ---- beginner_source/nlp/advanced_tutorial.py: Bi-LSTM CRF ----
# Python loops over tags, 0-d index tensors, log-sum-exp through a max read back as an int,
# Viterbi decoding with back pointers; parameters written through .data-style no_grad writes.

START_TAG, STOP_TAG = "<START>", "<STOP>"


def bilstm_crf(T):
    nn = T.nn

    def argmax(vec):
        _, idx = vec.max(dim=1)  # torch.max(vec, 1)
        return idx.item()

    def log_sum_exp(vec):
        max_score = vec[0, argmax(vec)]
        max_score_broadcast = max_score.view(1, -1).expand(1, vec.size()[1])
        return max_score + T.log(T.sum(T.exp(vec - max_score_broadcast)))

    class BiLSTM_CRF(nn.Module):
        def __init__(self, vocab_size, tag_to_ix, embedding_dim, hidden_dim, h0, c0, trans):
            super().__init__()
            self.embedding_dim = embedding_dim
            self.hidden_dim = hidden_dim
            self.tag_to_ix = tag_to_ix
            self.tagset_size = len(tag_to_ix)
            self.word_embeds = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim // 2, num_layers=1, bidirectional=True)
            self.hidden2tag = nn.Linear(hidden_dim, self.tagset_size)
            self.transitions = nn.Parameter(T.tensor(trans))
            with T.no_grad():  # the tutorial writes self.transitions.data[...]
                self.transitions[tag_to_ix[START_TAG], :] = -10000
                self.transitions[:, tag_to_ix[STOP_TAG]] = -10000
            self.h0, self.c0 = h0, c0
            self.hidden = self.init_hidden()

        def init_hidden(self):  # torch.randn(2, 1, hidden_dim // 2), drawn once and shared
            return (T.tensor(self.h0), T.tensor(self.c0))

        def _forward_alg(self, feats):
            init_alphas = T.full((1, self.tagset_size), -10000.0)
            init_alphas[0][self.tag_to_ix[START_TAG]] = 0.0
            forward_var = init_alphas
            for feat in feats:
                alphas_t = []
                for next_tag in range(self.tagset_size):
                    emit_score = feat[next_tag].view(1, -1).expand(1, self.tagset_size)
                    trans_score = self.transitions[next_tag].view(1, -1)
                    next_tag_var = forward_var + trans_score + emit_score
                    alphas_t.append(log_sum_exp(next_tag_var).view(1))
                forward_var = T.cat(alphas_t).view(1, -1)
            terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP_TAG]]
            return log_sum_exp(terminal_var)

        def _get_lstm_features(self, sentence):
            self.hidden = self.init_hidden()
            embeds = self.word_embeds(sentence).view(len(sentence), 1, -1)
            lstm_out, self.hidden = self.lstm(embeds, self.hidden)
            lstm_out = lstm_out.view(len(sentence), self.hidden_dim)
            return self.hidden2tag(lstm_out)

        def _score_sentence(self, feats, tags):
            score = T.zeros(1)
            tags = T.cat([T.long([self.tag_to_ix[START_TAG]]), tags])
            for i, feat in enumerate(feats):
                score = score + self.transitions[tags[i + 1], tags[i]] + feat[tags[i + 1]]
            return score + self.transitions[self.tag_to_ix[STOP_TAG], tags[-1]]

        def _viterbi_decode(self, feats):
            backpointers = []
            init_vvars = T.full((1, self.tagset_size), -10000.0)
            init_vvars[0][self.tag_to_ix[START_TAG]] = 0
            forward_var = init_vvars
            for feat in feats:
                bptrs_t = []
                viterbivars_t = []
                for next_tag in range(self.tagset_size):
                    next_tag_var = forward_var + self.transitions[next_tag]
                    best_tag_id = argmax(next_tag_var)
                    bptrs_t.append(best_tag_id)
                    viterbivars_t.append(next_tag_var[0][best_tag_id].view(1))
                forward_var = (T.cat(viterbivars_t) + feat).view(1, -1)
                backpointers.append(bptrs_t)
            terminal_var = forward_var + self.transitions[self.tag_to_ix[STOP_TAG]]
            best_tag_id = argmax(terminal_var)
            path_score = terminal_var[0][best_tag_id]
            best_path = [best_tag_id]
            for bptrs_t in reversed(backpointers):
                best_tag_id = bptrs_t[best_tag_id]
                best_path.append(best_tag_id)
            start = best_path.pop()
            assert start == self.tag_to_ix[START_TAG]
            best_path.reverse()
            return path_score, best_path

        def neg_log_likelihood(self, sentence, tags):
            feats = self._get_lstm_features(sentence)
            forward_score = self._forward_alg(feats)
            gold_score = self._score_sentence(feats, tags)
            return forward_score - gold_score

        def forward(self, sentence):
            lstm_feats = self._get_lstm_features(sentence)
            return self._viterbi_decode(lstm_feats)

    return BiLSTM_CRF


def test_bilstm_crf():
    training_data = [
        ("the wall street journal reported today that apple corporation made money".split(),
         "B I I I O O O B I O O".split()),
        ("georgia tech is a university in georgia".split(), "B I O O O O B".split()),
    ]
    word_to_ix = {}
    for sentence, _ in training_data:
        for word in sentence:
            word_to_ix.setdefault(word, len(word_to_ix))
    tag_to_ix = {"B": 0, "I": 1, "O": 2, START_TAG: 3, STOP_TAG: 4}
    h0, c0 = R.standard_normal((2, 1, 2)), R.standard_normal((2, 1, 2))
    trans = R.standard_normal((5, 5))
    g, t = _both(bilstm_crf, len(word_to_ix), tag_to_ix, 5, 4, h0, c0, trans)
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    res = {}
    for model, T in ((t, Ts["torch"]), (g, Ts["gpuad"])):
        optimizer = T.optim.SGD(model.parameters(), lr=0.01, weight_decay=1e-4)
        seq = lambda s: T.long([word_to_ix[w] for w in s])  # noqa: E731
        with T.no_grad():
            pre = model(seq(training_data[0][0]))
        nll = []
        for _epoch in range(3):
            for sentence, tags in training_data:
                model.zero_grad()
                loss = model.neg_log_likelihood(seq(sentence), T.long([tag_to_ix[x] for x in tags]))
                loss.backward()
                optimizer.step()
                nll.append(loss.item())
        # the tutorial's exercise: the structured perceptron loss, Viterbi score minus gold
        model.zero_grad()
        sent, tags = training_data[1]
        feats = model._get_lstm_features(seq(sent))
        vscore, path = model._viterbi_decode(feats)
        perc = vscore - model._score_sentence(feats, T.long([tag_to_ix[x] for x in tags]))
        perc.sum().backward()
        res[T.lib] = (pre[0].item(), pre[1], nll, path, perc.item())
    assert res["gpuad"][1] == res["torch"][1] and res["gpuad"][3] == res["torch"][3]
    np.testing.assert_allclose(res["gpuad"][0], res["torch"][0], rtol=1e-9)
    np.testing.assert_allclose(res["gpuad"][2], res["torch"][2], rtol=1e-9)
    np.testing.assert_allclose(res["gpuad"][4], res["torch"][4], rtol=1e-9, atol=1e-9)
    _same_models(g, t)


# ---- beginner_source/nlp/word_embeddings_tutorial.py (N-gram model and the CBOW exercise),
# ---- deep_learning_tutorial.py (bag-of-words classifier) ----

TEST_SENTENCE = """When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held""".split()


def embeddings_models(T):
    nn, F = T.nn, T.F

    class NGramLanguageModeler(nn.Module):
        def __init__(self, vocab_size, embedding_dim, context_size):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.linear1 = nn.Linear(context_size * embedding_dim, 16)
            self.linear2 = nn.Linear(16, vocab_size)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).view((1, -1))
            out = F.relu(self.linear1(embeds))
            out = self.linear2(out)
            return F.log_softmax(out, dim=1)

    class CBOW(nn.Module):
        def __init__(self, vocab_size, embedding_dim):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim, max_norm=1.0)
            self.linear = nn.Linear(embedding_dim, vocab_size)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).sum(dim=0, keepdim=True)
            return F.log_softmax(self.linear(embeds), dim=-1)

    class BoWClassifier(nn.Module):
        def __init__(self, num_labels, vocab_size):
            super().__init__()
            self.linear = nn.Linear(vocab_size, num_labels)

        def forward(self, bow_vec):
            return F.log_softmax(self.linear(bow_vec), dim=1)

    return NGramLanguageModeler, CBOW, BoWClassifier


def test_word_embeddings_ngram_cbow_and_bag_of_words():
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    vocab = sorted(set(TEST_SENTENCE))
    word_to_ix = {w: i for i, w in enumerate(vocab)}
    ngrams = [
        ([TEST_SENTENCE[i - j - 1] for j in range(2)], TEST_SENTENCE[i])
        for i in range(2, len(TEST_SENTENCE))
    ]
    cbow = [
        ([TEST_SENTENCE[i - 2], TEST_SENTENCE[i - 1], TEST_SENTENCE[i + 1], TEST_SENTENCE[i + 2]],
         TEST_SENTENCE[i])
        for i in range(2, len(TEST_SENTENCE) - 2)
    ]
    for which, data, args in (
        (0, ngrams, (len(vocab), 6, 2)),
        (1, cbow, (len(vocab), 6)),
    ):
        g, t = _both(lambda T: embeddings_models(T)[which], *args)  # noqa: B023
        # max_norm renormalises the rows it reads: start some above the norm
        losses = {}
        for model, T in ((t, Ts["torch"]), (g, Ts["gpuad"])):
            loss_function = T.nn.NLLLoss()
            optimizer = T.optim.SGD(model.parameters(), lr=0.05)
            ls = []
            for _epoch in range(2):
                total_loss = 0
                for context, target in data:
                    context_idxs = T.long([word_to_ix[w] for w in context])
                    model.zero_grad()
                    log_probs = model(context_idxs)
                    loss = loss_function(log_probs, T.long([word_to_ix[target]]))
                    loss.backward()
                    optimizer.step()
                    total_loss += loss.item()
                ls.append(total_loss)
            ls += list(_arr(model.embeddings.weight[word_to_ix["beauty's"]]))
            losses[T.lib] = ls
        np.testing.assert_allclose(losses["gpuad"], losses["torch"], rtol=1e-9)
        _same_models(g, t)

    # bag of words: a make_bow_vector loop writing into a zeros vector, then .view(1, -1)
    bow_data = [("me gusta comer en la cafeteria".split(), "SPANISH"),
                ("Give it to me".split(), "ENGLISH"),
                ("No creo que sea una buena idea".split(), "SPANISH"),
                ("No it is not a good idea to get lost at sea".split(), "ENGLISH")]
    w2i = {}
    for sent, _ in bow_data:
        for w in sent:
            w2i.setdefault(w, len(w2i))
    label_to_ix = {"SPANISH": 0, "ENGLISH": 1}
    g, t = _both(lambda T: embeddings_models(T)[2], 2, len(w2i))
    out = {}
    for model, T in ((t, Ts["torch"]), (g, Ts["gpuad"])):
        def make_bow_vector(sentence, T=T):
            vec = T.zeros(len(w2i))
            for word in sentence:
                vec[w2i[word]] += 1
            return vec.view(1, -1)

        loss_function = T.nn.NLLLoss()
        optimizer = T.optim.SGD(model.parameters(), lr=0.1)
        ls = []
        for _epoch in range(3):
            for instance, label in bow_data:
                model.zero_grad()
                log_probs = model(make_bow_vector(instance))
                loss = loss_function(log_probs, T.long([label_to_ix[label]]))
                loss.backward()
                optimizer.step()
                ls.append(loss.item())
        with T.no_grad():
            ls += list(_arr(model(make_bow_vector(bow_data[0][0]))[0]))
        out[T.lib] = ls
    np.testing.assert_allclose(out["gpuad"], out["torch"], rtol=1e-9)
    _same_models(g, t)


# ---- beginner_source/fgsm_tutorial.py: the gradient of the loss in the input image ----
# ``data.grad.data`` is ``data.grad`` (gpuad's ``.data`` is the backend array);
# ``output.max(1, keepdim=True)[1]`` is torch's (values, indices) in both.


def fgsm_net(T):
    nn, F = T.nn, T.F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, kernel_size=5)
            self.conv2 = nn.Conv2d(4, 6, kernel_size=5)
            self.conv2_drop = nn.Dropout2d()
            self.fc1 = nn.Linear(6 * 4 * 4, 12)
            self.fc2 = nn.Linear(12, 10)

        def forward(self, x):
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 6 * 4 * 4)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return Net


def fgsm_attack(T, image, epsilon, data_grad):
    sign_data_grad = data_grad.sign()
    perturbed_image = image + epsilon * sign_data_grad
    return T.clamp(perturbed_image, 0, 1)


def denorm(T, batch, mean=(0.1307,), std=(0.3081,)):
    mean, std = T.tensor(np.array(mean)), T.tensor(np.array(std))
    return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)


def fgsm_test(T, model, loader, epsilon):
    correct = 0
    adv = []
    for data, target in loader:
        data, target = T.tensor(data), T.long(target)
        data.requires_grad = True
        output = model(data)
        init_pred = output.max(1, keepdim=True)[1]
        if init_pred.item() != target.item():
            adv.append(("skip", init_pred.item()))
            continue
        loss = T.F.nll_loss(output, target)
        model.zero_grad()
        loss.backward()
        data_grad = data.grad
        perturbed = fgsm_attack(T, denorm(T, data), epsilon, data_grad)
        perturbed_normalized = (perturbed - 0.1307) / 0.3081
        output = model(perturbed_normalized)
        final_pred = output.max(1, keepdim=True)[1]
        correct += final_pred.item() == target.item()
        adv.append((init_pred.item(), final_pred.item(), _arr(perturbed.squeeze()),
                     _arr(data_grad), output.sum().item()))
    return correct / len(loader), adv


def test_fgsm_adversarial_examples():
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    g, t = _both(fgsm_net)
    # "pretrained": a few steps of SGD on random images, run in both
    imgs = R.standard_normal((4, 6, 1, 28, 28)) * 0.5
    labels = R.integers(0, 10, (4, 6))
    for model, T in ((t, Ts["torch"]), (g, Ts["gpuad"])):
        opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
        model.eval()  # its dropouts draw different masks in the two libraries
        for data, target in zip(imgs, labels, strict=False):
            opt.zero_grad()
            loss = T.F.nll_loss(model(T.tensor(data)), T.long(target))
            loss.backward()
            opt.step()
        model.eval()
    _same_models(g, t)
    # the attack, one image at a time; labels taken from the model so most get attacked
    with torch.no_grad():
        preds = t(torch.tensor(imgs.reshape(-1, 1, 28, 28))).argmax(1).numpy()
    loader = [(imgs.reshape(-1, 1, 1, 28, 28)[i], preds[i:i + 1] if i % 4 else
               (preds[i:i + 1] + 1) % 10) for i in range(12)]
    for eps in (0.0, 0.1, 0.3):
        (ta, tadv), (ga, gadv) = (fgsm_test(T, m, loader, eps)
                                  for m, T in ((t, Ts["torch"]), (g, Ts["gpuad"])))
        assert ta == ga
        for a, b in zip(tadv, gadv, strict=False):
            assert a[:2] == b[:2]
            for x, y in zip(a[2:], b[2:], strict=False):
                np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-12)
        _same_models(g, t)  # the parameters' gradients of the last attacked image


# ---- beginner_source/knowledge_distillation_tutorial.py ----
# A teacher and a student CNN; distillation through temperature-softened softmaxes, a cosine
# loss on pooled hidden representations, and an MSE loss through a convolutional regressor.


def kd_models(T):
    nn, F = T.nn, T.F

    class DeepNN(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 8, kernel_size=3, padding=1), nn.ReLU(),
                nn.Conv2d(8, 6, kernel_size=3, padding=1), nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2),
                nn.Conv2d(6, 8, kernel_size=3, padding=1), nn.ReLU(),
                nn.Conv2d(8, 8, kernel_size=3, padding=1), nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2),
            )
            self.classifier = nn.Sequential(
                nn.Linear(8 * 2 * 2, 16), nn.ReLU(), nn.Dropout(0.0), nn.Linear(16, num_classes)
            )

        def forward(self, x, hidden=None):
            x = self.features(x)
            flat = T.flatten(x, 1)
            out = self.classifier(flat)
            if hidden == "cosine":
                return out, F.avg_pool1d(flat, 2)
            if hidden == "map":
                return out, x
            return out

    class LightNN(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 4, kernel_size=3, padding=1), nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2),
                nn.Conv2d(4, 4, kernel_size=3, padding=1), nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2),
            )
            self.classifier = nn.Sequential(
                nn.Linear(4 * 2 * 2, 16), nn.ReLU(), nn.Dropout(0.0), nn.Linear(16, num_classes)
            )
            self.regressor = nn.Sequential(nn.Conv2d(4, 8, kernel_size=3, padding=1))

        def forward(self, x, hidden=None):
            x = self.features(x)
            flat = T.flatten(x, 1)
            out = self.classifier(flat)
            if hidden == "cosine":
                return out, flat
            if hidden == "map":
                return out, self.regressor(x)
            return out

    return DeepNN, LightNN


def test_knowledge_distillation():
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    gt, tt = _both(lambda T: kd_models(T)[0])
    imgs = R.standard_normal((3, 5, 3, 8, 8))
    labels = R.integers(0, 10, (3, 5))
    res = {}
    students = {}
    for mode in ("kd", "cosine", "map"):
        gs, ts = _both(lambda T: kd_models(T)[1])
        students[mode] = (gs, ts)
        for teacher, student, T in ((tt, ts, Ts["torch"]), (gt, gs, Ts["gpuad"])):
            ce_loss = T.nn.CrossEntropyLoss()
            cosine_loss = T.nn.CosineEmbeddingLoss()
            mse_loss = T.nn.MSELoss()
            optimizer = T.optim.Adam(student.parameters(), lr=0.01)
            teacher.eval()
            student.train()
            Tk, w_soft, w_ce = 2.0, 0.25, 0.75
            ls = []
            for inputs, lab in zip(imgs, labels, strict=False):
                inputs, lab = T.tensor(inputs), T.long(lab)
                optimizer.zero_grad()
                if mode == "kd":
                    with T.no_grad():
                        teacher_logits = teacher(inputs)
                    student_logits = student(inputs)
                    soft_targets = T.F.softmax(teacher_logits / Tk, dim=-1)
                    soft_prob = T.F.log_softmax(student_logits / Tk, dim=-1)
                    soft_targets_loss = (
                        T.sum(soft_targets * (soft_targets.log() - soft_prob))
                        / soft_prob.size()[0] * (Tk**2)
                    )
                    kl = T.F.kl_div(soft_prob, soft_targets, reduction="batchmean") * Tk**2
                    loss = w_soft * soft_targets_loss + w_ce * ce_loss(student_logits, lab)
                    ls.append(kl.item())
                elif mode == "cosine":
                    with T.no_grad():
                        _, teacher_hidden = teacher(inputs, "cosine")
                    logits, student_hidden = student(inputs, "cosine")
                    hidden_rep_loss = cosine_loss(
                        student_hidden, teacher_hidden, target=T.tensor(np.ones(inputs.size(0)))
                    )
                    loss = w_soft * hidden_rep_loss + w_ce * ce_loss(logits, lab)
                else:
                    with T.no_grad():
                        _, teacher_map = teacher(inputs, "map")
                    logits, regressor_out = student(inputs, "map")
                    loss = w_soft * mse_loss(regressor_out, teacher_map) + w_ce * ce_loss(
                        logits, lab)
                loss.backward()
                optimizer.step()
                ls.append(loss.item())
            res[(mode, T.lib)] = ls
        np.testing.assert_allclose(res[(mode, "gpuad")], res[(mode, "torch")], rtol=1e-9)
        _same_models(gs, ts)
    _same_models(gt, tt)


# ---- intermediate_source/forward_ad_usage.py ----


def test_forward_mode_ad_tutorial():
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    primal0, tangent0 = R.standard_normal((4, 4)), R.standard_normal((4, 4))
    inp = R.standard_normal((6, 5))
    w_tan, b_tan = R.random((5, 5)), R.random(5)
    y0, p1, t1 = R.standard_normal((4, 4)), R.standard_normal((4, 4)), R.standard_normal((4, 4))
    lin = {}
    res = {}
    for lib, T in Ts.items():
        fwAD, nn = T.fwAD, T.nn
        out = []

        def fn(x, y, T=T):
            return x**2 + y**2

        # the basics: a dual through a plain function
        primal, tangent = T.tensor(primal0), T.tensor(tangent0)
        with fwAD.dual_level():
            dual_input = fwAD.make_dual(primal, tangent)
            dual_output = T.F.softplus(dual_input.sin() * dual_input)
            out.append(fwAD.unpack_dual(dual_output).tangent)
        assert fwAD.unpack_dual(dual_output).tangent is None

        # usage with modules: the parameters replaced by duals as plain attributes
        model = nn.Linear(5, 5)
        if lib == "torch":
            lin["sd"] = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
        _load_np(model, T, lin["sd"])
        params = {name: p for name, p in model.named_parameters()}
        tangents = {"weight": T.tensor(w_tan), "bias": T.tensor(b_tan)}
        with fwAD.dual_level():
            for name, p in params.items():
                delattr(model, name)
                setattr(model, name, fwAD.make_dual(p, tangents[name]))
            o = model(T.tensor(inp))
            jvp = fwAD.unpack_dual(o).tangent
        out += [o, jvp]

        # the functional Module API, on a fresh module
        model = nn.Linear(5, 5)
        dual_params = {}
        with fwAD.dual_level():
            for name, p in params.items():
                dual_params[name] = fwAD.make_dual(p, tangents[name])
            o2 = T.func.functional_call(model, dual_params, T.tensor(inp))
            jvp2 = fwAD.unpack_dual(o2).tangent
        _close(jvp2, jvp)

        # a custom Function with a jvp staticmethod that keeps its result on ctx
        class Fn(T.Function):
            @staticmethod
            def forward(ctx, foo):
                result = T.exp(foo)
                ctx.result = result
                return result

            @staticmethod
            def jvp(ctx, gI):
                gO = gI * ctx.result
                del ctx.result
                return gO

        primal = T.tensor(primal0, requires_grad=True)
        with fwAD.dual_level():
            dual_output = Fn.apply(fwAD.make_dual(primal, T.tensor(tangent0)))
            out.append(fwAD.unpack_dual(dual_output).tangent)
        assert T.autograd.gradcheck(Fn.apply, (primal,), check_forward_ad=True,
                                    check_backward_ad=False, check_undefined_grad=False,
                                    check_batched_grad=False)

        # the functional API: jvp of a function, of a partial, of a module's parameters
        out += list(T.func.jvp(fn, (T.tensor(primal0), T.tensor(p1)),
                               (T.tensor(tangent0), T.tensor(t1))))
        new_fn = functools.partial(fn, y=T.tensor(y0))
        out += list(T.func.jvp(new_fn, (T.tensor(primal0),), (T.tensor(tangent0),)))
        model = nn.Linear(5, 5)
        _load_np(model, T, lin["sd"])
        names = [n for n, _ in model.named_parameters()]

        def func_params_only(*ps, model=model, T=T):
            params = dict(zip(names, ps, strict=True))
            return T.func.functional_call(model, params, (T.tensor(inp),))

        ps = tuple(p.detach() for p in model.parameters())
        out += list(T.func.jvp(func_params_only, ps, (T.tensor(w_tan), T.tensor(b_tan))))
        res[lib] = out
    for a, b in zip(res["torch"], res["gpuad"], strict=True):
        _close(b, a)


# ---- beginner_source/nlp/sequence_models_tutorial.py ----
# An LSTM stepped one element at a time against the whole sequence at once, the LSTM tagger,
# and the exercise: word embeddings augmented by a character-level LSTM's final state.


def tagger_models(T):
    nn, F = T.nn, T.F

    class LSTMTagger(nn.Module):
        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
            super().__init__()
            self.hidden_dim = hidden_dim
            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim)
            self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

        def forward(self, sentence):
            embeds = self.word_embeddings(sentence)
            lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
            tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
            return F.log_softmax(tag_space, dim=1)

    class CharLSTMTagger(nn.Module):
        def __init__(self, embedding_dim, char_dim, char_hidden, hidden_dim, vocab_size,
                     n_chars, tagset_size):
            super().__init__()
            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.char_embeddings = nn.Embedding(n_chars, char_dim)
            self.char_lstm = nn.LSTM(char_dim, char_hidden)
            self.lstm = nn.LSTM(embedding_dim + char_hidden, hidden_dim)
            self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

        def forward(self, sentence, words_chars):
            reps = []
            for w, chars in zip(sentence, words_chars, strict=True):
                c = self.char_embeddings(chars).view(len(chars), 1, -1)
                _, (h_n, _) = self.char_lstm(c)
                reps.append(T.cat([self.word_embeddings(w.view(1)), h_n.view(1, -1)], 1))
            x = T.cat(reps).view(len(sentence), 1, -1)
            lstm_out, _ = self.lstm(x)
            return F.log_softmax(self.hidden2tag(lstm_out.view(len(sentence), -1)), dim=1)

    return LSTMTagger, CharLSTMTagger


def test_sequence_models_lstm_tagger():
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    # an LSTM stepped through a sequence, and the same sequence at once
    g, t = _both(lambda T: lambda: T.nn.LSTM(3, 3))
    seq = R.standard_normal((5, 3))
    h0 = (R.standard_normal((1, 1, 3)), R.standard_normal((1, 1, 3)))
    outs = {}
    for lstm, T in ((t, Ts["torch"]), (g, Ts["gpuad"])):
        inputs = [T.tensor(s[None], requires_grad=True) for s in seq]
        hidden = tuple(T.tensor(h) for h in h0)
        steps = []
        for i in inputs:
            out, hidden = lstm(i.view(1, 1, -1), hidden)
            steps.append(out)
        whole = T.cat(inputs).view(len(inputs), 1, -1)
        out_all, hidden_all = lstm(whole, tuple(T.tensor(h) for h in h0))
        loss = (out_all**2).sum() + hidden[1].sum() + sum(s.sum() for s in steps)
        loss.backward()
        outs[T.lib] = [out_all, *hidden_all, *hidden, *[i.grad for i in inputs]]
        _close(T.cat(steps), out_all)
    for a, b in zip(outs["torch"], outs["gpuad"], strict=True):
        _close(b, a)
    _same_models(g, t)

    training_data = [
        ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
        ("Everybody read that book".split(), ["NN", "V", "DET", "NN"]),
    ]
    word_to_ix, char_to_ix = {}, {}
    for sent, _ in training_data:
        for word in sent:
            word_to_ix.setdefault(word, len(word_to_ix))
            for ch in word:
                char_to_ix.setdefault(ch, len(char_to_ix))
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}
    for which, args in ((0, (4, 5, len(word_to_ix), 3)),
                        (1, (4, 3, 2, 5, len(word_to_ix), len(char_to_ix), 3))):
        g, t = _both(lambda T: tagger_models(T)[which], *args)  # noqa: B023
        res = {}
        for model, T in ((t, Ts["torch"]), (g, Ts["gpuad"])):
            loss_function = T.nn.NLLLoss()
            optimizer = T.optim.SGD(model.parameters(), lr=0.1)

            def run(sentence, model=model, T=T, which=which):
                idx = T.long([word_to_ix[w] for w in sentence])
                if which == 0:
                    return model(idx)
                return model(idx, [T.long([char_to_ix[c] for c in w]) for w in sentence])

            with T.no_grad():
                ls = list(_arr(run(training_data[0][0])).ravel())
            for _epoch in range(3):
                for sentence, tags in training_data:
                    model.zero_grad()
                    tag_scores = run(sentence)
                    loss = loss_function(tag_scores, T.long([tag_to_ix[x] for x in tags]))
                    loss.backward()
                    optimizer.step()
                    ls.append(loss.item())
            res[T.lib] = ls
        np.testing.assert_allclose(res["gpuad"], res["torch"], rtol=1e-9)
        _same_models(g, t)


# ---- intermediate_source/pruning_tutorial.py ----
# The deterministic methods (L1, Ln-structured, global, a custom BasePruningMethod, remove);
# random_unstructured draws differ between the libraries and is left out. Then a few steps
# of training through the pruning hooks.


def pruning_lenet(T):
    nn, F = T.nn, T.F

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 3, 3)
            self.conv2 = nn.Conv2d(3, 4, 3)
            self.fc1 = nn.Linear(4 * 2 * 2, 12)
            self.fc2 = nn.Linear(12, 8)
            self.fc3 = nn.Linear(8, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, int(x.nelement() / x.shape[0]))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet


def test_pruning_tutorial():
    import torch.nn.utils.prune as tprune

    from gpuad.nn.utils import prune as gprune

    g, t = _both(lambda T: pruning_lenet(T))
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    x = R.standard_normal((4, 1, 14, 14))
    y = R.integers(0, 10, 4)
    res = {}
    for model, T, prune in ((t, Ts["torch"], tprune), (g, Ts["gpuad"], gprune)):
        class FooBarPruningMethod(prune.BasePruningMethod):
            PRUNING_TYPE = "unstructured"

            def compute_mask(self, t, default_mask):
                # gpuad hands compute_mask host NumPy arrays (its masks are computed on the
                # host): torch's .clone() and .view(-1) are NumPy's .copy() and .reshape(-1)
                if isinstance(default_mask, np.ndarray):
                    mask = default_mask.copy()
                    mask.reshape(-1)[::2] = 0
                    return mask
                mask = default_mask.clone()
                mask.view(-1)[::2] = 0
                return mask

        def foobar_unstructured(module, name, Method=FooBarPruningMethod):
            Method.apply(module, name)
            return module

        out = []
        module = model.conv1
        prune.l1_unstructured(module, name="bias", amount=1)
        prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
        out += [module.weight, module.bias, module.weight_mask]
        out.append(sorted(n for n, _ in module.named_buffers()))
        out.append(sorted(n for n, _ in module.named_parameters()))
        # the tutorial prints module._forward_pre_hooks, torch's private dict: not ported
        prune.l1_unstructured(module, name="weight", amount=0.3)  # iterative: on what is left
        out += [module.weight, module.weight_mask]
        prune.remove(module, "weight")
        out.append(sorted(n for n, _ in module.named_parameters()))
        parameters_to_prune = (
            (model.conv2, "weight"), (model.fc1, "weight"), (model.fc2, "weight"),
            (model.fc3, "weight"),
        )
        prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured,
                                  amount=0.2)
        out += [float((m.weight == 0).sum()) for m, _ in parameters_to_prune]
        foobar_unstructured(model.fc3, name="bias")
        out.append(model.fc3.bias_mask)
        out.append(sorted(model.state_dict().keys()))
        opt = T.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(2):
            opt.zero_grad()
            loss = T.F.cross_entropy(model(T.tensor(x)), T.long(y))
            loss.backward()
            opt.step()
            out += [loss, model.fc3.bias, model.conv2.weight_orig.grad]
        res[T.lib] = out
    for a, b in zip(res["torch"], res["gpuad"], strict=True):
        if isinstance(a, list | int | float):
            assert a == b
        else:
            _close(b, a)
    _same_models(g, t)


# ---- intermediate_source/optimizer_step_in_backward_tutorial.py ----
# One optimizer per parameter, stepped from a post-accumulate-grad hook during backward (the
# parameters are dict keys), against the usual step after backward; a small MLP for ViT-L/16.


def test_optimizer_step_in_backward():
    def mlp(T):
        nn = T.nn
        return lambda: nn.Sequential(nn.Linear(6, 8), nn.GELU(), nn.LayerNorm(8),
                                     nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))

    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    data = R.standard_normal((4, 5, 6))
    labels = R.integers(0, 3, (4, 5))
    res = {}
    for in_backward in (False, True):
        torch.manual_seed(0)  # the same initial weights in both modes
        g, t = _both(mlp)
        for model, T in ((t, Ts["torch"]), (g, Ts["gpuad"])):
            ls = []
            if in_backward:
                optimizer_dict = {p: T.optim.Adam([p], lr=0.01, foreach=False)
                                  for p in model.parameters()}

                def optimizer_hook(parameter, optimizer_dict=optimizer_dict) -> None:
                    optimizer_dict[parameter].step()
                    optimizer_dict[parameter].zero_grad()

                for p in model.parameters():
                    p.register_post_accumulate_grad_hook(optimizer_hook)
                for x, y in zip(data, labels, strict=True):
                    loss = T.F.cross_entropy(model(T.tensor(x)), T.long(y))
                    loss.backward()
                    ls.append(loss.item())
                    assert all(p.grad is None for p in model.parameters())
            else:
                optimizer = T.optim.Adam(model.parameters(), lr=0.01, foreach=False)
                for x, y in zip(data, labels, strict=True):
                    loss = T.F.cross_entropy(model(T.tensor(x)), T.long(y))
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad()
                    ls.append(loss.item())
            res[(in_backward, T.lib)] = ls + [_arr(p).copy() for p in model.parameters()]
        _same_models(g, t)
    for key in ((False, "gpuad"), (True, "torch"), (True, "gpuad")):
        for a, b in zip(res[(False, "torch")], res[key], strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12, err_msg=str(key))


# ---- pytorch/examples snli/model.py and train.py ----
# Linear through a "Bottle" mixin (multiple inheritance, super().forward on 3-D input), a
# 2-layer bidirectional LSTM encoder from new_zeros states, its last two final states
# transposed, made contiguous and viewed; fix_emb detaches the embeddings (no gradient).


def snli_models(T, config):
    nn = T.nn

    class Bottle(nn.Module):
        def forward(self, input):
            if len(input.size()) <= 2:
                return super().forward(input)
            size = input.size()[:2]
            out = super().forward(input.view(size[0] * size[1], -1))
            return out.view(size[0], size[1], -1)

    class Linear(Bottle, nn.Linear):
        pass

    class Encoder(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            input_size = config.d_proj if config.projection else config.d_embed
            dropout = 0 if config.n_layers == 1 else config.dp_ratio
            self.rnn = nn.LSTM(input_size=input_size, hidden_size=config.d_hidden,
                               num_layers=config.n_layers, dropout=dropout,
                               bidirectional=config.birnn)

        def forward(self, inputs):
            batch_size = inputs.size()[1]
            state_shape = self.config.n_cells, batch_size, self.config.d_hidden
            h0 = c0 = inputs.new_zeros(state_shape)
            outputs, (ht, ct) = self.rnn(inputs, (h0, c0))
            return (ht[-1] if not self.config.birnn
                    else ht[-2:].transpose(0, 1).contiguous().view(batch_size, -1))

    class SNLIClassifier(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.embed = nn.Embedding(config.n_embed, config.d_embed)
            self.projection = Linear(config.d_embed, config.d_proj)
            self.encoder = Encoder(config)
            self.dropout = nn.Dropout(p=config.dp_ratio)
            self.relu = nn.ReLU()
            seq_in_size = 2 * config.d_hidden
            if self.config.birnn:
                seq_in_size *= 2
            lin_config = [seq_in_size] * 2
            self.out = nn.Sequential(
                Linear(*lin_config), self.relu, self.dropout,
                Linear(*lin_config), self.relu, self.dropout,
                Linear(*lin_config), self.relu, self.dropout,
                Linear(seq_in_size, config.d_out))

        def forward(self, batch):
            prem_embed = self.embed(batch.premise)
            hypo_embed = self.embed(batch.hypothesis)
            if self.config.fix_emb:
                prem_embed = prem_embed.detach()
                hypo_embed = hypo_embed.detach()
            if self.config.projection:
                prem_embed = self.relu(self.projection(prem_embed))
                hypo_embed = self.relu(self.projection(hypo_embed))
            premise = self.encoder(prem_embed)
            hypothesis = self.encoder(hypo_embed)
            return self.out(T.cat([premise, hypothesis], 1))

    return SNLIClassifier(config)


def test_snli_classifier():
    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    for fix_emb, birnn in ((True, True), (False, False)):
        config = types.SimpleNamespace(
            n_embed=12, d_embed=5, d_proj=4, projection=True, d_hidden=3, n_layers=2,
            birnn=birnn, n_cells=4 if birnn else 2, dp_ratio=0.0, d_out=3, fix_emb=fix_emb)
        g, t = _both(lambda T: lambda: snli_models(T, config))  # noqa: B023
        prem = R.integers(0, 12, (3, 6, 7))  # (steps, seq_len, batch): torchtext's layout
        hypo = R.integers(0, 12, (3, 4, 7))
        labels = R.integers(0, 3, (3, 7))
        res = {}
        for model, T in ((t, Ts["torch"]), (g, Ts["gpuad"])):
            criterion = T.nn.CrossEntropyLoss()
            opt = T.optim.Adam(model.parameters(), lr=0.01)
            model.train()
            ls = []
            for p, h, y in zip(prem, hypo, labels, strict=True):
                batch = types.SimpleNamespace(premise=T.long(p), hypothesis=T.long(h),
                                              label=T.long(y))
                opt.zero_grad()
                answer = model(batch)
                n_correct = (answer.max(dim=1)[1].view(batch.label.size()) == batch.label).sum()
                loss = criterion(answer, batch.label)
                loss.backward()
                opt.step()
                ls += [loss.item(), n_correct.item()]
            res[T.lib] = ls
        np.testing.assert_allclose(res["gpuad"], res["torch"], rtol=1e-9)
        _same_models(g, t)
        assert (g.embed.weight.grad is None) == fix_emb


# ---- intermediate_source/parametrizations.py ----
# torch.solve(B, A).solution is torch.linalg.solve(A, B) (torch.solve is gone); the random
# orthogonal matrix and pruning mask come from NumPy; CayleyMap.right_inverse reads its
# argument (the tutorial's reads a global X that happens to be the same matrix).


def parametrization_modules(T, calls):
    nn = T.nn

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class Skew(nn.Module):
        def forward(self, X):
            A = X.triu(1)
            return A - A.transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu(1)

    class Noisy(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X

    class CayleyMap(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.register_buffer("Id", T.eye(n))

        def forward(self, X):
            return T.solve(self.Id - X, self.Id + X)

        def right_inverse(self, A):
            return T.solve(self.Id + A, A - self.Id)

    class MatrixExponential(nn.Module):
        def forward(self, X):
            return T.matrix_exp(X)

    class PruningParametrization(nn.Module):
        def __init__(self, mask):
            super().__init__()
            self.mask = mask

        def forward(self, X):
            return X * self.mask

        def right_inverse(self, A):
            return A

    return types.SimpleNamespace(Symmetric=Symmetric, Skew=Skew, Noisy=Noisy,
                                 CayleyMap=CayleyMap, MatrixExponential=MatrixExponential,
                                 Pruning=PruningParametrization)


def test_parametrizations_tutorial():
    import torch.nn.utils.parametrize as tparam

    from gpuad.nn.utils import parametrize as gparam

    Ts = {"torch": torch_T(), "gpuad": gpuad_T()}
    w33 = {k: R.standard_normal((3, 3)) for k in ("a", "b", "c", "d", "e", "f")}
    conv_w = R.standard_normal((8, 5, 3, 3))
    Q, _ = np.linalg.qr(R.standard_normal((3, 3)))
    if np.linalg.det(Q) < 0:
        Q[0] = -Q[0]
    Xs = R.random((3, 3))
    Xs = Xs - Xs.T
    mask = (R.random((4, 3)) > 0.2).astype(float)
    x = R.standard_normal((5, 3))
    res = {}
    for lib, T in Ts.items():
        P = gparam if lib == "gpuad" else tparam
        calls = []
        M = parametrization_modules(T, calls)
        nn = T.nn
        out = []

        def linear(w, T=T, nn=nn):
            layer = nn.Linear(3, 3)
            _load_np(layer, T, {"weight": w, "bias": np.zeros(3)})
            return layer

        layer = linear(w33["a"])
        P.register_parametrization(layer, "weight", M.Symmetric())
        A = layer.weight
        _close(A, _arr(A).T)
        out += [A, sorted(n for n, _ in layer.named_parameters())]
        out.append(sorted(layer.state_dict()))
        cnn = nn.Conv2d(5, 8, 3)
        _load_np(cnn, T, {"weight": conv_w, "bias": np.zeros(8)})
        P.register_parametrization(cnn, "weight", M.Skew())
        out += [cnn.weight[0, 1], cnn.weight[2, 2]]

        layer = linear(w33["b"])
        P.register_parametrization(layer, "weight", M.Noisy())
        foo = layer.weight + layer.weight.T
        bar = layer.weight.sum()
        out.append(len(calls))
        with P.cached():
            foo = layer.weight + layer.weight.T
            bar = layer.weight.sum()
        out += [len(calls), foo, bar]

        layer = linear(w33["c"])
        P.register_parametrization(layer, "weight", M.Skew())
        P.register_parametrization(layer, "weight", M.CayleyMap(3))
        X = layer.weight
        out += [X, (X.T @ X)]
        layer_orthogonal = linear(w33["d"])
        P.register_parametrization(layer_orthogonal, "weight", M.Skew())
        P.register_parametrization(layer_orthogonal, "weight", M.MatrixExponential())
        out.append(layer_orthogonal.weight)
        layer_spd = linear(w33["e"])
        P.register_parametrization(layer_spd, "weight", M.Symmetric())
        P.register_parametrization(layer_spd, "weight", M.MatrixExponential())
        out.append(layer_spd.weight)

        layer = linear(w33["f"])
        P.register_parametrization(layer, "weight", M.Skew())
        layer.weight = T.tensor(Xs)
        out += [layer.weight, layer.parametrizations.weight.original]
        layer_orthogonal = linear(w33["a"])
        P.register_parametrization(layer_orthogonal, "weight", M.Skew())
        P.register_parametrization(layer_orthogonal, "weight", M.CayleyMap(3))
        layer_orthogonal.weight = T.tensor(Q)
        out += [layer_orthogonal.weight, layer_orthogonal.parametrizations.weight.original]
        # a few training steps through the chain, gradients on the original
        opt = T.optim.SGD(layer_orthogonal.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            with P.cached():
                y = layer_orthogonal(layer_orthogonal(T.tensor(x)))
            loss = (y**2).sum() + y[:, 0].sum()
            loss.backward()
            opt.step()
            out += [loss, layer_orthogonal.parametrizations.weight.original.grad]

        layer = nn.Linear(3, 4)
        _load_np(layer, T, {"weight": np.ones((4, 3)), "bias": np.zeros(4)})
        P.register_parametrization(layer, "weight", M.Pruning(T.tensor(mask)))
        layer.weight = T.tensor(np.vstack([Xs, Xs])[:4])
        out.append(layer.weight)

        for leave in (True, False):
            layer = linear(w33["b"])
            P.register_parametrization(layer, "weight", M.Skew())
            P.remove_parametrizations(layer, "weight", leave_parametrized=leave)
            out += [layer.weight, sorted(n for n, _ in layer.named_parameters()),
                    P.is_parametrized(layer)]
        res[lib] = out
    for a, b in zip(res["torch"], res["gpuad"], strict=True):
        if isinstance(a, list | int | bool):
            assert a == b
        else:
            _close(b, a, atol=1e-11)
