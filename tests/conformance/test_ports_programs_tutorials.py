"""Programs of the PyTorch tutorials (pytorch/tutorials) and of pytorch/examples not ported
elsewhere, run in torch and in gpuad from the same initial weights and data: the spatial
transformer (affine_grid, grid_sample), neural style transfer (gram matrices, L-BFGS on the
image), char-RNN classification and generation, DQN and the Mario double DQN, the 60-minute
blitz (LeNet, CIFAR-10), "What is torch.nn really?", and pytorch/examples' mnist_rnn and gat.

Each program is written once against a namespace ``T`` (``torch``, or the gpuad names a port
uses: ``gnp.concatenate`` for ``torch.cat``, ``gpuad.nn`` for ``torch.nn``, ...). torch runs in
float64, gpuad's model loads torch's initial ``state_dict`` by name, and the losses, the
gradients and the parameters after every step must agree to 1e-9 relative: float64 rounding
through a few thousand operations, far below any real difference (a wrong rule moves
gradients by more than 1e-3 relative). L-BFGS is compared at 1e-7: its quasi-Newton
direction divides by curvature products, which amplifies the rounding noise by their
condition. Random draws of the originals (data, epsilon-greedy exploration, replay samples)
come from one NumPy or Python generator handed to both.

Where a port differs from its original, the line says why:
- ``torch.FloatTensor``/``dtype=torch.float32``: float64, the tests run in float64;
- ``p.data.add_(p.grad.data, alpha=-lr)`` and ``w.data.fill_(0)``: gpuad's ``p.data`` is the
  backend array, so the port writes ``with gpuad.no_grad(): p.add_(p.grad, alpha=-lr)``
  (docs/porting.md); ``bias.data = array`` works in both;
- dropout layers at ``p=0``: the libraries draw different masks (a gpuad mask at p > 0 is
  checked for its own structure below);
- torchvision's VGG19 features: a small conv stack with the same layer kinds (Conv2d, ReLU
  with ``inplace=True``, MaxPool2d), torch's initial weights;
- gym's CartPole: its Euler dynamics written out (deterministic given the start state);
- ``q.max(1).indices`` and ``.max(1).values``: ``q.max(dim=1)`` in both (gpuad's ``x.max(1)``
  is NumPy's, the values only; ``.indices`` on it raises, naming ``max(dim=1)``).

gpuad needed for these: ``affine_grid``/``grid_sample`` rounding as torch's (the STN starts
at the identity grid, on bilinear sampling's kinks, where the last bit picks the one-sided
derivative), ``unsqueeze_``/``squeeze_``/``t_``/``transpose_`` on tensors outside a graph
(char_rnn_generation's targets), dropout2d of a 2-D input as torch (mnist_rnn).
"""

from __future__ import annotations

import collections
import math
import random
import string
import types
import unicodedata
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn as gnn
from gpuad import optim as goptim
from gpuad.nn import functional as gF

torch = pytest.importorskip("torch")


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
    """The torch names the programs call, as a gpuad port writes them."""
    xp = _xp()
    return types.SimpleNamespace(
        lib="gpuad",
        nn=gnn,
        F=gF,
        optim=goptim,
        lr_scheduler=goptim.lr_scheduler,
        no_grad=ad.no_grad,
        tensor=ad.tensor,
        from_numpy=lambda a: ad.tensor(xp.asarray(a)),
        zeros=lambda *s: ad.tensor(gnp.zeros(s)),
        empty=lambda size: ad.tensor(gnp.empty(size)),
        ones_like=gnp.ones_like,
        eye=gnp.eye,
        diag=gnp.diag,
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        mm=gnp.matmul,
        matmul=gnp.matmul,
        where=gnp.where,
        LongTensor=lambda v: ad.tensor(xp.asarray(v, dtype=np.int64)),
        long=np.int64,
        bool=np.bool_,
    )


def torch_T():
    return types.SimpleNamespace(
        lib="torch",
        nn=torch.nn,
        F=torch.nn.functional,
        optim=torch.optim,
        lr_scheduler=torch.optim.lr_scheduler,
        no_grad=torch.no_grad,
        tensor=torch.tensor,
        from_numpy=torch.from_numpy,
        zeros=torch.zeros,
        empty=lambda size: torch.empty(size=size),
        ones_like=torch.ones_like,
        eye=torch.eye,
        diag=torch.diag,
        cat=torch.cat,
        mm=torch.mm,
        matmul=torch.matmul,
        where=torch.where,
        LongTensor=torch.LongTensor,
        long=torch.long,
        bool=torch.bool,
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
    """torch's weights and buffers, by name, into the gpuad model."""
    xp = _xp()
    gmodel.load_state_dict(
        {k: xp.asarray(v.detach().numpy()) for k, v in tmodel.state_dict().items()}
    )


def _same_models(g, t, rtol=1e-9, atol=1e-12):
    """Parameters, their gradients and the buffers of two models, by name."""
    gp, tp = dict(g.named_parameters()), dict(t.named_parameters())
    assert sorted(gp) == sorted(tp)
    for k, p in gp.items():
        _close(p, tp[k], rtol, atol, k)
        assert (p.grad is None) == (tp[k].grad is None), k
        if p.grad is not None:
            _close(p.grad, tp[k].grad, rtol, atol, k + ".grad")
    gb, tb = dict(g.named_buffers()), dict(t.named_buffers())
    assert sorted(gb) == sorted(tb)
    for k, b in gb.items():
        _close(b, tb[k], rtol, atol, k)


def _both(build, *args):
    """``build(T)(*args)`` for torch and for gpuad, gpuad's model with torch's weights."""
    t = build(torch_T())(*args)
    g = build(gpuad_T())(*args)
    _load(g, t)
    return g, t


# ---- intermediate_source/spatial_transformer_tutorial: affine_grid + grid_sample -----------
# The localisation net regresses theta, initialised to the identity through ``.data``; a
# first SGD step moves it off the identity, so the later steps sample between pixels.


def stn_net(T, p):
    nn, F = T.nn, T.F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
            self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
            self.conv2_drop = nn.Dropout2d(p)
            self.fc1 = nn.Linear(320, 50)
            self.fc2 = nn.Linear(50, 10)
            self.localization = nn.Sequential(
                nn.Conv2d(1, 8, kernel_size=7),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
                nn.Conv2d(8, 10, kernel_size=5),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
            )
            self.fc_loc = nn.Sequential(nn.Linear(10 * 3 * 3, 32), nn.ReLU(True),
                                        nn.Linear(32, 3 * 2))
            if T.lib == "torch":
                self.fc_loc[2].weight.data.fill_(0)
            else:  # gpuad's .data is the backend array: write under no_grad
                with T.no_grad():
                    self.fc_loc[2].weight.fill_(0)
            self.fc_loc[2].bias.data = T.from_numpy(np.array([1.0, 0, 0, 0, 1, 0]))

        def stn(self, x):
            xs = self.localization(x)
            xs = xs.view(-1, 10 * 3 * 3)
            theta = self.fc_loc(xs)
            theta = theta.view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size(), align_corners=False)
            return F.grid_sample(x, grid, align_corners=False)

        def forward(self, x):
            x = self.stn(x)
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 320)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, p=p, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return Net


def test_spatial_transformer_network():
    rng = np.random.default_rng(0)
    data = [rng.normal(size=(4, 1, 28, 28)) for _ in range(3)]
    target = [rng.integers(0, 10, size=4) for _ in range(3)]
    g, t = _both(lambda T: stn_net(T, 0.0))
    runs = {}
    for T, model in ((torch_T(), t), (gpuad_T(), g)):
        optimizer = T.optim.SGD(model.parameters(), lr=0.5)
        losses = []
        model.train()
        for x, y in zip(data, target, strict=True):
            optimizer.zero_grad()
            output = model(T.from_numpy(x))
            loss = T.F.nll_loss(output, T.from_numpy(y))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with T.no_grad():
            output = model(T.from_numpy(data[0]))
            test_loss = T.F.nll_loss(output, T.from_numpy(target[0]), reduction="sum").item()
            pred = output.max(1, keepdim=True)[1]
            correct = pred.eq(T.from_numpy(target[0]).view_as(pred)).sum().item()
            theta = model.fc_loc(model.localization(T.from_numpy(data[1])).view(-1, 90))
        runs[T.lib] = (losses, test_loss, correct, _arr(theta))
    np.testing.assert_allclose(runs["gpuad"][0], runs["torch"][0], rtol=1e-9)
    np.testing.assert_allclose(runs["gpuad"][1], runs["torch"][1], rtol=1e-9)
    assert runs["gpuad"][2] == runs["torch"][2]
    # theta left the identity: grid_sample interpolated between pixels in the later steps
    assert np.abs(runs["torch"][3] - [1, 0, 0, 0, 1, 0]).max() > 1e-3
    np.testing.assert_allclose(runs["gpuad"][3], runs["torch"][3], rtol=1e-9, atol=1e-12)
    _same_models(g, t)


# ---- advanced_source/neural_style_tutorial: gram matrices, the image optimised by L-BFGS --
# ContentLoss/StyleLoss modules stash their loss and pass the input through; the model is
# built by walking a conv stack's children, renamed, and cut after the last loss module.


def style_transfer(T):
    nn, F = T.nn, T.F

    class ContentLoss(nn.Module):
        def __init__(self, target):
            super().__init__()
            self.target = target.detach()

        def forward(self, input):
            self.loss = F.mse_loss(input, self.target)
            return input

    def gram_matrix(input):
        a, b, c, d = input.size()
        features = input.view(a * b, c * d)
        G = T.mm(features, features.t())
        return G.div(a * b * c * d)

    class StyleLoss(nn.Module):
        def __init__(self, target_feature):
            super().__init__()
            self.target = gram_matrix(target_feature).detach()

        def forward(self, input):
            G = gram_matrix(input)
            self.loss = F.mse_loss(G, self.target)
            return input

    class Normalization(nn.Module):
        def __init__(self, mean, std):
            super().__init__()
            self.mean = T.tensor(mean).view(-1, 1, 1)
            self.std = T.tensor(std).view(-1, 1, 1)

        def forward(self, img):
            return (img - self.mean) / self.std

    content_layers_default = ["conv_4"]
    style_layers_default = ["conv_1", "conv_2", "conv_3", "conv_4", "conv_5"]

    def get_style_model_and_losses(cnn, normalization_mean, normalization_std, style_img,
                                   content_img, content_layers=content_layers_default,
                                   style_layers=style_layers_default):
        normalization = Normalization(normalization_mean, normalization_std)
        content_losses = []
        style_losses = []
        model = nn.Sequential(normalization)
        i = 0
        for layer in cnn.children():
            if isinstance(layer, nn.Conv2d):
                i += 1
                name = f"conv_{i}"
            elif isinstance(layer, nn.ReLU):
                name = f"relu_{i}"
                layer = nn.ReLU(inplace=False)
            elif isinstance(layer, nn.MaxPool2d):
                name = f"pool_{i}"
            elif isinstance(layer, nn.BatchNorm2d):
                name = f"bn_{i}"
            else:
                raise RuntimeError(f"Unrecognized layer: {layer.__class__.__name__}")
            model.add_module(name, layer)
            if name in content_layers:
                target = model(content_img).detach()
                content_loss = ContentLoss(target)
                model.add_module(f"content_loss_{i}", content_loss)
                content_losses.append(content_loss)
            if name in style_layers:
                target_feature = model(style_img).detach()
                style_loss = StyleLoss(target_feature)
                model.add_module(f"style_loss_{i}", style_loss)
                style_losses.append(style_loss)
        for i in range(len(model) - 1, -1, -1):
            if isinstance(model[i], ContentLoss) or isinstance(model[i], StyleLoss):
                break
        model = model[:(i + 1)]
        return model, style_losses, content_losses

    def run_style_transfer(cnn, normalization_mean, normalization_std, content_img, style_img,
                           input_img, num_steps=300, style_weight=1000000, content_weight=1):
        model, style_losses, content_losses = get_style_model_and_losses(
            cnn, normalization_mean, normalization_std, style_img, content_img)
        input_img.requires_grad_(True)
        model.eval()
        model.requires_grad_(False)
        optimizer = T.optim.LBFGS([input_img])
        run = [0]
        scores = []
        while run[0] <= num_steps:
            def closure():
                with T.no_grad():
                    input_img.clamp_(0, 1)
                optimizer.zero_grad()
                model(input_img)
                style_score = 0
                content_score = 0
                for sl in style_losses:
                    style_score += sl.loss
                for cl in content_losses:
                    content_score += cl.loss
                style_score *= style_weight
                content_score *= content_weight
                loss = style_score + content_score
                loss.backward()
                run[0] += 1
                scores.append((style_score.item(), content_score.item()))
                return style_score + content_score
            optimizer.step(closure)
        with T.no_grad():
            input_img.clamp_(0, 1)
        return input_img, scores, model

    return run_style_transfer


def small_vgg(T):
    nn = T.nn

    def build():
        return nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
            nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
            nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(inplace=True),
        ).eval()

    return build


def test_neural_style_transfer_lbfgs():
    rng = np.random.default_rng(1)
    content, style = rng.uniform(size=(1, 3, 16, 16)), rng.uniform(size=(1, 3, 16, 16))
    g_cnn, t_cnn = _both(small_vgg)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    runs = {}
    for T, cnn in ((torch_T(), t_cnn), (gpuad_T(), g_cnn)):
        content_img = T.from_numpy(content.copy())
        input_img = content_img.clone()
        out, scores, model = style_transfer(T)(cnn, mean, std, content_img,
                                               T.from_numpy(style.copy()), input_img,
                                               num_steps=25)
        runs[T.lib] = (_arr(out), scores, [type(m).__name__ for m in model])
    assert runs["gpuad"][2] == runs["torch"][2]
    assert runs["torch"][2][-1] == "StyleLoss"  # cut after conv_5's style loss
    assert len(runs["gpuad"][1]) == len(runs["torch"][1]) > 25
    # the style score fell by orders of magnitude: L-BFGS took real steps
    assert runs["torch"][1][-1][0] < 1e-2 * runs["torch"][1][0][0]
    np.testing.assert_allclose(runs["gpuad"][1], runs["torch"][1], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(runs["gpuad"][0], runs["torch"][0], rtol=1e-7, atol=1e-10)
    assert not any(p.requires_grad for p in g_cnn.parameters())


# ---- intermediate_source/char_rnn_classification_tutorial: nn.RNN over one-hot letters ---


ALL_LETTERS = string.ascii_letters + " .,;'"
N_LETTERS = len(ALL_LETTERS)
NAMES = {
    "Czech": ["Abl", "Adsit", "Ajdrna"],
    "French": ["Abel", "Abraham", "Adam", "Béringer"],
    "Irish": ["Adam", "Ahearn", "O'Brien"],
}


def unicodeToAscii(s):
    return "".join(c for c in unicodedata.normalize("NFD", s)
                   if unicodedata.category(c) != "Mn" and c in ALL_LETTERS)


def char_rnn_classifier(T):
    nn = T.nn

    def letterToIndex(letter):
        return ALL_LETTERS.find(letter)

    def lineToTensor(line):
        tensor = T.zeros(len(line), 1, N_LETTERS)
        for li, letter in enumerate(line):
            tensor[li][0][letterToIndex(letter)] = 1
        return tensor

    class CharRNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.rnn = nn.RNN(input_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, line_tensor):
            rnn_out, hidden = self.rnn(line_tensor)
            output = self.h2o(hidden[0])
            output = self.softmax(output)
            return output

    return CharRNN, lineToTensor


def test_char_rnn_classification():
    labels_uniq = sorted(NAMES)
    data = [(lab, unicodeToAscii(n)) for lab in labels_uniq for n in NAMES[lab]]
    assert ("French", "Beringer") in data
    order = random.Random(3).sample(range(len(data)), len(data))
    batches = [order[i:i + 4] for i in range(0, len(order), 4)]
    tT, gT = torch_T(), gpuad_T()
    t, g = char_rnn_classifier(tT)[0](N_LETTERS, 16, 3), char_rnn_classifier(gT)[0](
        N_LETTERS, 16, 3)
    _load(g, t)
    runs = {}
    for T, rnn in ((tT, t), (gT, g)):
        CharRNN, lineToTensor = char_rnn_classifier(T)
        criterion = T.nn.NLLLoss()
        optimizer = T.optim.SGD(rnn.parameters(), lr=0.2)
        rnn.train()
        losses = []
        for _epoch in range(2):
            for batch in batches:
                batch_loss = 0
                for i in batch:
                    label, text = data[i]
                    label_tensor = T.tensor([labels_uniq.index(label)], dtype=T.long)
                    output = rnn.forward(lineToTensor(text))
                    loss = criterion(output, label_tensor)
                    batch_loss += loss
                batch_loss.backward()
                T.nn.utils.clip_grad_norm_(rnn.parameters(), 3)
                optimizer.step()
                optimizer.zero_grad()
                losses.append(batch_loss.item() / len(batch))
        rnn.eval()
        with T.no_grad():
            output = rnn(lineToTensor("Ahearn"))
            top_n, top_i = output.topk(1)
            guess = labels_uniq[top_i[0].item()]
        runs[T.lib] = (losses, guess, _arr(output))
    np.testing.assert_allclose(runs["gpuad"][0], runs["torch"][0], rtol=1e-9)
    assert runs["gpuad"][1] == runs["torch"][1]
    _close(runs["gpuad"][2], runs["torch"][2])
    _same_models(g, t)


# ---- intermediate_source/char_rnn_generation_tutorial: a hand-written RNN cell ----------
# The loss starts as ``torch.Tensor([0])`` and grows by ``loss += l`` (an in-place add of
# recorded values into a constant); targets get ``unsqueeze_(-1)``; parameters are updated by
# hand; sampling indexes a Python string with a 0-d index tensor.


def char_rnn_generator(T, n_categories, n_letters):
    nn = T.nn

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.hidden_size = hidden_size
            self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
            self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
            self.o2o = nn.Linear(hidden_size + output_size, output_size)
            self.dropout = nn.Dropout(0.0)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, category, input, hidden):
            input_combined = T.cat((category, input, hidden), 1)
            hidden = self.i2h(input_combined)
            output = self.i2o(input_combined)
            output_combined = T.cat((hidden, output), 1)
            output = self.o2o(output_combined)
            output = self.dropout(output)
            output = self.softmax(output)
            return output, hidden

        def initHidden(self):
            return T.zeros(1, self.hidden_size)

    return RNN


def test_char_rnn_generation():
    all_categories = sorted(NAMES)
    n_categories = len(all_categories)
    n_letters = N_LETTERS + 1  # plus EOS
    pairs = [(c, unicodeToAscii(n)) for c in all_categories for n in NAMES[c]]
    rnd = random.Random(5)
    examples = [pairs[rnd.randrange(len(pairs))] for _ in range(6)]
    tT, gT = torch_T(), gpuad_T()
    t = char_rnn_generator(tT, n_categories, n_letters)(n_letters, 12, n_letters)
    g = char_rnn_generator(gT, n_categories, n_letters)(n_letters, 12, n_letters)
    _load(g, t)
    learning_rate = 0.05
    runs = {}
    for T, rnn in ((tT, t), (gT, g)):
        criterion = T.nn.NLLLoss()

        def categoryTensor(category):
            li = all_categories.index(category)
            tensor = T.zeros(1, n_categories)
            tensor[0][li] = 1
            return tensor

        def inputTensor(line):
            tensor = T.zeros(len(line), 1, n_letters)
            for li in range(len(line)):
                letter = line[li]
                tensor[li][0][ALL_LETTERS.find(letter)] = 1
            return tensor

        def targetTensor(line):
            letter_indexes = [ALL_LETTERS.find(line[li]) for li in range(1, len(line))]
            letter_indexes.append(n_letters - 1)  # EOS
            return T.LongTensor(letter_indexes)

        def train(category_tensor, input_line_tensor, target_line_tensor):
            target_line_tensor.unsqueeze_(-1)
            hidden = rnn.initHidden()
            rnn.zero_grad()
            loss = T.tensor([0.0])
            for i in range(input_line_tensor.size(0)):
                output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
                l = criterion(output, target_line_tensor[i])  # noqa: E741 (the tutorial's name)
                loss += l
            loss.backward()
            for p in rnn.parameters():
                if T.lib == "torch":
                    p.data.add_(p.grad.data, alpha=-learning_rate)
                else:
                    with T.no_grad():
                        p.add_(p.grad, alpha=-learning_rate)
            return output, loss.item() / input_line_tensor.size(0)

        def sample(category, start_letter="A", max_length=8):
            with T.no_grad():
                category_tensor = categoryTensor(category)
                input = inputTensor(start_letter)
                hidden = rnn.initHidden()
                output_name = start_letter
                for _i in range(max_length):
                    output, hidden = rnn(category_tensor, input[0], hidden)
                    topv, topi = output.topk(1)
                    topi = topi[0][0]
                    if topi == n_letters - 1:
                        break
                    letter = ALL_LETTERS[topi]
                    output_name += letter
                    input = inputTensor(letter)
                return output_name

        losses = []
        for _ in range(3):
            for category, line in examples:
                _, loss = train(categoryTensor(category), inputTensor(line), targetTensor(line))
                losses.append(loss)
        runs[T.lib] = (losses, [sample(c, s) for c in all_categories for s in "AO"])
    np.testing.assert_allclose(runs["gpuad"][0], runs["torch"][0], rtol=1e-9)
    assert runs["gpuad"][0][-1] < runs["gpuad"][0][0]
    assert runs["gpuad"][1] == runs["torch"][1]
    _same_models(g, t)


# ---- intermediate_source/reinforcement_q_learning: DQN with a target net ----------------
# Replay memory of Transition tuples, gather of the taken actions, max(1).values of the
# target net written through a boolean mask under no_grad, SmoothL1Loss, AdamW(amsgrad),
# clip_grad_value_, and the soft update of the target net through state_dicts.


class CartPole:
    """gym's CartPole-v1 dynamics: Euler steps, reward 1 until the pole leans past 12
    degrees or the cart leaves [-2.4, 2.4] (terminated), or 500 steps (truncated)."""

    def __init__(self, rng):
        self.rng = rng

    def reset(self):
        self.state = self.rng.uniform(-0.05, 0.05, size=4)
        self.t = 0
        return self.state.copy(), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = 10.0 if action == 1 else -10.0
        cos, sin = math.cos(theta), math.sin(theta)
        temp = (force + 0.05 * theta_dot ** 2 * sin) / 1.1
        thetaacc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos ** 2 / 1.1))
        xacc = temp - 0.05 * thetaacc * cos / 1.1
        x, x_dot = x + 0.02 * x_dot, x_dot + 0.02 * xacc
        theta, theta_dot = theta + 0.02 * theta_dot, theta_dot + 0.02 * thetaacc
        self.state = np.array([x, x_dot, theta, theta_dot])
        self.t += 1
        terminated = bool(abs(x) > 2.4 or abs(theta) > 12 * 2 * math.pi / 360)
        return self.state.copy(), 1.0, terminated, self.t >= 500, {}


Transition = collections.namedtuple("Transition", ("state", "action", "next_state", "reward"))


class ReplayMemory:
    def __init__(self, capacity, rnd):
        self.memory = collections.deque([], maxlen=capacity)
        self.rnd = rnd

    def push(self, *args):
        self.memory.append(Transition(*args))

    def sample(self, batch_size):
        return self.rnd.sample(self.memory, batch_size)

    def __len__(self):
        return len(self.memory)


def dqn_net(T):
    nn, F = T.nn, T.F

    class DQN(nn.Module):
        def __init__(self, n_observations, n_actions):
            super().__init__()
            self.layer1 = nn.Linear(n_observations, 128)
            self.layer2 = nn.Linear(128, 128)
            self.layer3 = nn.Linear(128, n_actions)

        def forward(self, x):
            x = F.relu(self.layer1(x))
            x = F.relu(self.layer2(x))
            return self.layer3(x)

    return DQN


def dqn_program(T, policy_net, target_net, num_episodes=3):
    BATCH_SIZE, GAMMA, EPS_START, EPS_END, EPS_DECAY, TAU, LR = 8, 0.99, 0.9, 0.05, 20, 0.005, 1e-3
    env = CartPole(np.random.default_rng(7))
    rnd = random.Random(11)
    target_net.load_state_dict(policy_net.state_dict())
    optimizer = T.optim.AdamW(policy_net.parameters(), lr=LR, amsgrad=True)
    memory = ReplayMemory(10000, rnd)
    steps_done = 0
    log = []

    def select_action(state):
        nonlocal steps_done
        sample = rnd.random()
        eps_threshold = EPS_END + (EPS_START - EPS_END) * math.exp(-1.0 * steps_done / EPS_DECAY)
        steps_done += 1
        if sample > eps_threshold:
            with T.no_grad():
                return policy_net(state).max(dim=1).indices.view(1, 1)
        return T.tensor([[rnd.randrange(2)]], dtype=T.long)

    def optimize_model():
        if len(memory) < BATCH_SIZE:
            return
        transitions = memory.sample(BATCH_SIZE)
        batch = Transition(*zip(*transitions, strict=True))
        non_final_mask = T.tensor(tuple(map(lambda s: s is not None, batch.next_state)),
                                  dtype=T.bool)
        non_final_next_states = T.cat([s for s in batch.next_state if s is not None])
        state_batch = T.cat(batch.state)
        action_batch = T.cat(batch.action)
        reward_batch = T.cat(batch.reward)
        state_action_values = policy_net(state_batch).gather(1, action_batch)
        next_state_values = T.zeros(BATCH_SIZE)
        with T.no_grad():
            next_state_values[non_final_mask] = target_net(non_final_next_states).max(dim=1).values
        expected_state_action_values = (next_state_values * GAMMA) + reward_batch
        criterion = T.nn.SmoothL1Loss()
        loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))
        optimizer.zero_grad()
        loss.backward()
        T.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
        optimizer.step()
        log.append(loss.item())

    for _i_episode in range(num_episodes):
        state, info = env.reset()
        state = T.tensor(state).unsqueeze(0)
        for _t in range(40):
            action = select_action(state)
            observation, reward, terminated, truncated, _ = env.step(action.item())
            reward = T.tensor([reward])
            done = terminated or truncated
            next_state = None if terminated else T.tensor(observation).unsqueeze(0)
            memory.push(state, action, next_state, reward)
            state = next_state
            optimize_model()
            target_net_state_dict = target_net.state_dict()
            policy_net_state_dict = policy_net.state_dict()
            for key in policy_net_state_dict:
                target_net_state_dict[key] = (policy_net_state_dict[key] * TAU
                                              + target_net_state_dict[key] * (1 - TAU))
            target_net.load_state_dict(target_net_state_dict)
            if done:
                break
        log.append(("episode", _t + 1, steps_done))
    return log


def test_dqn():
    g, t = _both(dqn_net, 4, 2)
    g2, t2 = _both(dqn_net, 4, 2)  # target nets: overwritten with the policy's weights
    t_log = dqn_program(torch_T(), t, t2)
    g_log = dqn_program(gpuad_T(), g, g2)
    assert [x for x in g_log if isinstance(x, tuple)] == [x for x in t_log if isinstance(x, tuple)]
    assert sum(isinstance(x, float) for x in t_log) > 20
    np.testing.assert_allclose([x for x in g_log if isinstance(x, float)],
                               [x for x in t_log if isinstance(x, float)], rtol=1e-9)
    _same_models(g, t)
    _same_models(g2, t2)
    # the target net moved off its start by the soft updates, and away from the policy
    assert not np.allclose(_arr(t2.layer3.weight), _arr(t.layer3.weight))


# ---- pytorch/examples mnist_rnn: LSTM(batch_first) + BatchNorm1d + Dropout2d of (N, C) ----


def mnist_rnn_net(T, p1, p2):
    nn, F = T.nn, T.F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(input_size=28, hidden_size=64, batch_first=True)
            self.batchnorm = nn.BatchNorm1d(64)
            self.dropout1 = nn.Dropout2d(p1)
            self.dropout2 = nn.Dropout2d(p2)
            self.fc1 = nn.Linear(64, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, input):
            input = input.reshape(-1, 28, 28)
            output, hidden = self.rnn(input)
            output = output[:, -1, :]
            output = self.batchnorm(output)
            output = self.dropout1(output)
            output = self.fc1(output)
            output = F.relu(output)
            output = self.dropout2(output)
            output = self.fc2(output)
            return F.log_softmax(output, dim=1)

    return Net


@pytest.mark.filterwarnings("ignore:dropout2d")  # both warn for the 2-D input, as torch
def test_mnist_rnn():
    rng = np.random.default_rng(2)
    data = [rng.normal(size=(6, 1, 28, 28)) for _ in range(3)]
    target = [rng.integers(0, 10, size=6) for _ in range(3)]
    g, t = _both(lambda T: mnist_rnn_net(T, 0.0, 0.0))
    runs = {}
    for T, model in ((torch_T(), t), (gpuad_T(), g)):
        optimizer = T.optim.Adadelta(model.parameters(), lr=1.0)
        scheduler = T.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
        losses, tests = [], []
        for _epoch in range(2):
            model.train()
            for x, y in zip(data[:2], target[:2], strict=True):
                optimizer.zero_grad()
                output = model(T.from_numpy(x))
                loss = T.F.nll_loss(output, T.from_numpy(y))
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            model.eval()
            with T.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch's and gpuad's dropout2d of 2-D input
                output = model(T.from_numpy(data[2]))
                test_loss = T.F.nll_loss(output, T.from_numpy(target[2]), reduction="sum").item()
                pred = output.argmax(dim=1, keepdim=True)
                correct = pred.eq(T.from_numpy(target[2]).view_as(pred)).sum().item()
            tests.append((test_loss, correct))
            scheduler.step()
        runs[T.lib] = (losses, tests, scheduler.get_last_lr())
    np.testing.assert_allclose(runs["gpuad"][0], runs["torch"][0], rtol=1e-9)
    np.testing.assert_allclose(runs["gpuad"][1], runs["torch"][1], rtol=1e-9)
    assert runs["gpuad"][2] == pytest.approx(runs["torch"][2])
    _same_models(g, t)


def test_dropout2d_of_a_2d_input_drops_entries_as_torch():
    """torch's dropout2d of (N, C) warns and drops single entries (its mask is (N, C), one
    per channel of each sample); the mnist_rnn example relies on it."""
    x = np.ones((200, 64))
    with pytest.warns(UserWarning, match="2-D input to dropout2d"):
        tz = torch.nn.Dropout2d(0.5)(torch.from_numpy(x)).numpy()
    gnp.random.seed(0)
    with pytest.warns(UserWarning, match="2-D input to dropout2d"):
        gz = to_numpy(gnn.Dropout2d(0.5)(ad.tensor(_xp().asarray(x))))
    for z in (tz, gz):
        assert set(np.unique(z)) == {0.0, 2.0}
        rows = (z == 0).sum(axis=1)
        assert 0 < rows.min() and rows.max() < 64  # not whole rows: entries
        assert abs((z == 0).mean() - 0.5) < 0.02


# ---- pytorch/examples gat: multi-head graph attention on a dense adjacency ----------------


def gat_net(T, n_nodes_unused=None):
    nn, F = T.nn, T.F

    class GraphAttentionLayer(nn.Module):
        def __init__(self, in_features, out_features, n_heads, concat=False, dropout=0.4,
                     leaky_relu_slope=0.2):
            super().__init__()
            self.n_heads = n_heads
            self.concat = concat
            self.dropout = dropout
            if concat:
                self.out_features = out_features
                assert out_features % n_heads == 0
                self.n_hidden = out_features // n_heads
            else:
                self.n_hidden = out_features
            self.W = nn.Parameter(T.empty(size=(in_features, self.n_hidden * n_heads)))
            self.a = nn.Parameter(T.empty(size=(n_heads, 2 * self.n_hidden, 1)))
            self.leakyrelu = nn.LeakyReLU(leaky_relu_slope)
            self.softmax = nn.Softmax(dim=1)
            self.reset_parameters()

        def reset_parameters(self):
            nn.init.xavier_normal_(self.W)
            nn.init.xavier_normal_(self.a)

        def _get_attention_scores(self, h_transformed):
            source_scores = T.matmul(h_transformed, self.a[:, :self.n_hidden, :])
            target_scores = T.matmul(h_transformed, self.a[:, self.n_hidden:, :])
            e = source_scores + target_scores.mT
            return self.leakyrelu(e)

        def forward(self, h, adj_mat):
            n_nodes = h.shape[0]
            h_transformed = T.mm(h, self.W)
            h_transformed = F.dropout(h_transformed, self.dropout, training=self.training)
            h_transformed = h_transformed.view(n_nodes, self.n_heads, self.n_hidden).permute(
                1, 0, 2)
            e = self._get_attention_scores(h_transformed)
            connectivity_mask = -9e16 * T.ones_like(e)
            e = T.where(adj_mat > 0, e, connectivity_mask)
            attention = F.softmax(e, dim=-1)
            attention = F.dropout(attention, self.dropout, training=self.training)
            h_prime = T.matmul(attention, h_transformed)
            if self.concat:
                h_prime = h_prime.permute(1, 0, 2).contiguous().view(n_nodes, self.out_features)
            else:
                h_prime = h_prime.mean(dim=0)
            return h_prime

    class GAT(nn.Module):
        def __init__(self, in_features, n_hidden, n_heads, num_classes, concat=False,
                     dropout=0.4, leaky_relu_slope=0.2):
            super().__init__()
            self.gat1 = GraphAttentionLayer(in_features=in_features, out_features=n_hidden,
                                            n_heads=n_heads, concat=concat, dropout=dropout,
                                            leaky_relu_slope=leaky_relu_slope)
            self.gat2 = GraphAttentionLayer(in_features=n_hidden, out_features=num_classes,
                                            n_heads=1, concat=False, dropout=dropout,
                                            leaky_relu_slope=leaky_relu_slope)

        def forward(self, input_tensor, adj_mat):
            x = self.gat1(input_tensor, adj_mat)
            x = F.elu(x)
            x = self.gat2(x, adj_mat)
            return F.log_softmax(x, dim=1)

    return GAT


def gat_features(T, counts, edges, n):
    """load_cora's processing of word counts and citation edges."""
    features = T.from_numpy(counts.astype(np.float64))
    scale_vector = features.sum(dim=1)
    scale_vector = 1 / scale_vector
    scale_vector[scale_vector == float("inf")] = 0
    scale_vector = T.diag(scale_vector)
    features = scale_vector @ features
    adj = np.zeros((n, n))
    adj[edges[:, 0], edges[:, 1]] = 1  # the sparse COO tensor, dense
    adj_mat = T.eye(n) + T.from_numpy(adj)
    return features, adj_mat


@pytest.mark.parametrize("concat", [False, True])
def test_gat(concat):
    rng = np.random.default_rng(4)
    n, n_feat = 12, 10
    counts = rng.integers(0, 3, size=(n, n_feat))
    counts[3] = 0  # a node without words: 1/0 = inf, reset to 0
    edges = rng.integers(0, n, size=(20, 2))
    labels = rng.integers(0, 3, size=n)
    idx = rng.permutation(n)
    idx_val, idx_train = idx[:4], idx[4:]
    g, t = (gat_net(gpuad_T())(n_feat, 8, 4, 3, concat=concat, dropout=0.0),
            gat_net(torch_T())(n_feat, 8, 4, 3, concat=concat, dropout=0.0))
    _load(g, t)
    runs = {}
    for T, model in ((torch_T(), t), (gpuad_T(), g)):
        features, adj_mat = gat_features(T, counts, edges, n)
        target = T.from_numpy(labels)
        mask_train, mask_val = T.from_numpy(idx_train), T.from_numpy(idx_val)
        optimizer = T.optim.Adam(model.parameters(), lr=0.005, weight_decay=5e-4)
        criterion = T.nn.NLLLoss()
        hist = []
        for _epoch in range(4):
            model.train()
            optimizer.zero_grad()
            output = model(features, adj_mat)
            loss = criterion(output[mask_train], target[mask_train])
            loss.backward()
            optimizer.step()
            model.eval()
            with T.no_grad():
                output = model(features, adj_mat)
                out, tgt = output[mask_val], target[mask_val]
                acc = (out.argmax(dim=1) == tgt).float().sum() / len(tgt)
                hist.append((loss.item(), criterion(out, tgt).item(), acc.item()))
        runs[T.lib] = (hist, _arr(features))
    np.testing.assert_allclose(runs["gpuad"][1], runs["torch"][1], rtol=1e-12)
    assert np.all(runs["torch"][1][3] == 0)
    np.testing.assert_allclose(runs["gpuad"][0], runs["torch"][0], rtol=1e-9)
    _same_models(g, t)


# ---- beginner_source/nn_tutorial ("What is torch.nn really?"): from hand-written tensors --
# to nn.Module, optim, TensorDataset/DataLoader and a CNN built from nn.Sequential with a
# Lambda module. The hand-written part differentiates an indexing nll and a log_softmax
# written with exp/sum/log, and updates leaves in place under no_grad.


def nn_tutorial(T, data_mod):
    nn = T.nn

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    def accuracy(out, yb):
        preds = T.argmax(out, dim=1)
        return (preds == yb).float().mean()

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(784, 10)

        def forward(self, xb):
            return self.lin(xb)

    class Lambda(nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    def preprocess(x):
        return x.view(-1, 1, 28, 28)

    def cnn():
        return nn.Sequential(
            Lambda(preprocess),
            nn.Conv2d(1, 4, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(4, 4, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(4, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            Lambda(lambda x: x.view(x.size(0), -1)),
        )

    def loss_batch(model, loss_func, xb, yb, opt=None):
        loss = loss_func(model(xb), yb)
        if opt is not None:
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss.item(), len(xb)

    def fit(epochs, model, loss_func, opt, train_dl, valid_dl, log):
        for _epoch in range(epochs):
            model.train()
            for xb, yb in train_dl:
                log.append(loss_batch(model, loss_func, xb, yb, opt)[0])
            model.eval()
            with T.no_grad():
                losses, nums = zip(*[loss_batch(model, loss_func, xb, yb)
                                     for xb, yb in valid_dl], strict=True)
            log.append(np.sum(np.multiply(losses, nums)) / np.sum(nums))

    return types.SimpleNamespace(
        log_softmax=log_softmax, nll=nll, accuracy=accuracy, Mnist_Logistic=Mnist_Logistic,
        cnn=cnn, fit=fit, TensorDataset=getattr(data_mod, "TensorDataset", None),
        DataLoader=getattr(data_mod, "DataLoader", None))


def test_what_is_torch_nn_really():
    import torch.utils.data as tdata

    import gpuad.utils.data as gdata

    rng = np.random.default_rng(9)
    x_train, y_train = rng.uniform(size=(24, 784)), rng.integers(0, 10, size=24)
    x_valid, y_valid = rng.uniform(size=(10, 784)), rng.integers(0, 10, size=10)
    w0 = rng.normal(size=(784, 10)) / math.sqrt(784)
    tT, gT = torch_T(), gpuad_T()
    tT.argmax, gT.argmax = torch.argmax, lambda x, dim: x.argmax(dim=dim)
    runs = {}
    for T, data_mod in ((tT, tdata), (gT, gdata)):
        P = nn_tutorial(T, data_mod)
        xt, yt = T.from_numpy(x_train), T.from_numpy(y_train)
        # from scratch: leaves updated in place under no_grad, their grads zeroed in place
        weights = T.from_numpy(w0.copy())
        weights.requires_grad_()
        bias = T.zeros(10)
        bias.requires_grad_()
        hand = []
        bs, lr = 8, 0.5
        for i in range((len(xt) - 1) // bs + 1):
            xb, yb = xt[i * bs:i * bs + bs], yt[i * bs:i * bs + bs]
            pred = P.log_softmax(xb @ weights + bias)
            loss = P.nll(pred, yb)
            loss.backward()
            with T.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
            hand.append((loss.item(), P.accuracy(pred, yb).item()))
        hand.append(_arr(weights))
        hand.append(_arr(bias))
        runs[T.lib] = [hand]
    np.testing.assert_allclose([h for h in runs["gpuad"][0][:-2]], runs["torch"][0][:-2],
                               rtol=1e-9)
    _close(runs["gpuad"][0][-2], runs["torch"][0][-2])
    _close(runs["gpuad"][0][-1], runs["torch"][0][-1])

    # refactored: nn.Module + optim, then the CNN through DataLoaders (fixed order)
    g_lin, t_lin = _both(lambda T: nn_tutorial(T, None).Mnist_Logistic)
    g_cnn, t_cnn = _both(lambda T: nn_tutorial(T, None).cnn)
    for T, data_mod, lin, net in ((tT, tdata, t_lin, t_cnn), (gT, gdata, g_lin, g_cnn)):
        P = nn_tutorial(T, data_mod)
        train_ds = P.TensorDataset(T.from_numpy(x_train), T.from_numpy(y_train))
        valid_ds = P.TensorDataset(T.from_numpy(x_valid), T.from_numpy(y_valid))
        train_dl = P.DataLoader(train_ds, batch_size=8)
        valid_dl = P.DataLoader(valid_ds, batch_size=16)
        log = []
        opt = T.optim.SGD(lin.parameters(), lr=0.5)
        P.fit(2, lin, T.F.cross_entropy, opt, train_dl, valid_dl, log)
        opt = T.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        P.fit(2, net, T.F.cross_entropy, opt, train_dl, valid_dl, log)
        runs[T.lib].append(log)
    np.testing.assert_allclose(runs["gpuad"][1], runs["torch"][1], rtol=1e-9)
    _same_models(g_lin, t_lin)
    _same_models(g_cnn, t_cnn)


# ---- beginner_source/blitz: neural_networks_tutorial (LeNet, a vector backward, a manual
# SGD step) and cifar10_tutorial (a CNN trained with momentum, per-class accuracy from 0-d
# tensors used as tuple indices and compared in ``if``). ``torch.flatten(x, 1)`` is
# ``x.flatten(1)``; ``_, predicted = torch.max(outputs, 1)`` is ``outputs.max(dim=1)`` (gpuad's
# ``gnp.max(x, 1)`` and ``x.max(1)`` are NumPy's, the values only); ``f.data.sub_(...)`` is
# ``f.sub_(...)`` under no_grad; ``loss.grad_fn.next_functions`` (printed only) is left out.


def blitz_nets(T):
    nn, F = T.nn, T.F

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))
            s2 = F.max_pool2d(c1, (2, 2))
            c3 = F.relu(self.conv2(s2))
            s4 = F.max_pool2d(c3, 2)
            s4 = s4.flatten(1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            return self.fc3(f6)

    class CifarNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.flatten(1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet, CifarNet


def test_blitz_neural_networks_and_cifar10():
    rng = np.random.default_rng(12)
    inp, v, target = rng.normal(size=(1, 1, 32, 32)), rng.normal(size=(1, 10)), rng.normal(
        size=10)
    g, t = _both(lambda T: blitz_nets(T)[0])
    runs = {}
    for T, net in ((torch_T(), t), (gpuad_T(), g)):
        params = list(net.parameters())
        assert len(params) == 10 and tuple(params[0].size()) == (6, 1, 5, 5)
        input = T.from_numpy(inp)
        out = net(input)
        net.zero_grad()
        out.backward(T.from_numpy(v))
        vec_grads = [_arr(p.grad).copy() for p in net.parameters()]
        output = net(input)
        tgt = T.from_numpy(target).view(1, -1)
        criterion = T.nn.MSELoss()
        loss = criterion(output, tgt)
        assert loss.grad_fn is not None
        net.zero_grad()
        assert net.conv1.bias.grad is None
        loss.backward()
        learning_rate = 0.01
        for f in net.parameters():
            if T.lib == "torch":
                f.data.sub_(f.grad.data * learning_rate)
            else:
                with T.no_grad():
                    f.sub_(f.grad * learning_rate)
        optimizer = T.optim.SGD(net.parameters(), lr=0.01)
        optimizer.zero_grad()
        output = net(input)
        loss2 = criterion(output, tgt)
        loss2.backward()
        optimizer.step()
        runs[T.lib] = (vec_grads, [loss.item(), loss2.item()])
    for a, b in zip(runs["gpuad"][0], runs["torch"][0], strict=True):
        _close(a, b)
    np.testing.assert_allclose(runs["gpuad"][1], runs["torch"][1], rtol=1e-9)
    _same_models(g, t)

    classes = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    images = [rng.normal(size=(4, 3, 32, 32)) for _ in range(3)]
    labels = [rng.integers(0, 10, size=4) for _ in range(3)]
    g, t = _both(lambda T: blitz_nets(T)[1])
    runs = {}
    for T, net in ((torch_T(), t), (gpuad_T(), g)):
        criterion = T.nn.CrossEntropyLoss()
        optimizer = T.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        log = []
        for _epoch in range(2):
            running_loss = 0.0
            for i, data in enumerate(zip(images[:2], labels[:2], strict=True), 0):
                inputs, lab = T.from_numpy(data[0]), T.from_numpy(data[1])
                optimizer.zero_grad()
                outputs = net(inputs)
                loss = criterion(outputs, lab)
                loss.backward()
                optimizer.step()
                running_loss += loss.item()
                log.append(running_loss / (i + 1))
        correct_pred = {classname: 0 for classname in classes}
        total_pred = {classname: 0 for classname in classes}
        correct = total = 0
        with T.no_grad():
            for x, y in zip(images, labels, strict=True):
                outputs = net(T.from_numpy(x))
                lab = T.from_numpy(y)
                _, predictions = outputs.max(dim=1)
                total += lab.size(0)
                correct += (predictions == lab).sum().item()
                for label, prediction in zip(lab, predictions, strict=True):
                    if label == prediction:
                        correct_pred[classes[label]] += 1
                    total_pred[classes[label]] += 1
        runs[T.lib] = (log, correct, total, correct_pred, total_pred)
    np.testing.assert_allclose(runs["gpuad"][0], runs["torch"][0], rtol=1e-9)
    assert runs["gpuad"][1:] == runs["torch"][1:]
    assert sum(runs["torch"][4].values()) == 12
    _same_models(g, t)


# ---- intermediate_source/mario_rl_tutorial: double DQN with a deep-copied frozen target --
# MarioNet keeps ``online`` and ``target = copy.deepcopy(online)`` with ``p.requires_grad =
# False``; td_estimate indexes Q values with NumPy aranges; td_target takes the online
# argmax into the target net; sync copies the state_dict. The frames (4 x 36 x 36 instead of
# 84 x 84, so the first Linear reads 64 features instead of 3136) come from one generator.


def mario_net(T, input_dim, output_dim, flat):
    import copy

    nn = T.nn

    class MarioNet(nn.Module):
        def __init__(self, input_dim, output_dim):
            super().__init__()
            c, h, w = input_dim
            self.online = self.__build_cnn(c, output_dim)
            self.target = self.__build_cnn(c, output_dim)
            self.target.load_state_dict(self.online.state_dict())
            self.target = copy.deepcopy(self.online)
            for p in self.target.parameters():
                p.requires_grad = False

        def forward(self, input, model):
            if model == "online":
                return self.online(input)
            elif model == "target":
                return self.target(input)

        def __build_cnn(self, c, output_dim):
            return nn.Sequential(
                nn.Conv2d(in_channels=c, out_channels=32, kernel_size=8, stride=4), nn.ReLU(),
                nn.Conv2d(in_channels=32, out_channels=64, kernel_size=4, stride=2), nn.ReLU(),
                nn.Conv2d(in_channels=64, out_channels=64, kernel_size=3, stride=1), nn.ReLU(),
                nn.Flatten(),
                nn.Linear(flat, 512), nn.ReLU(),
                nn.Linear(512, output_dim),
            )

    return MarioNet(input_dim, output_dim)


def mario_learn(T, net, batches, gamma=0.9):
    optimizer = T.optim.Adam(net.parameters(), lr=0.00025)
    loss_fn = T.nn.SmoothL1Loss()
    log = []
    for k, (state, next_state, action, reward, done) in enumerate(batches):
        state, next_state = T.from_numpy(state), T.from_numpy(next_state)
        action, reward, done = T.from_numpy(action), T.from_numpy(reward), T.from_numpy(done)
        batch_size = len(action)
        current_Q = net(state, model="online")[np.arange(0, batch_size), action]
        with T.no_grad():
            next_state_Q = net(next_state, model="online")
            best_action = T.argmax(next_state_Q, axis=1)
            next_Q = net(next_state, model="target")[np.arange(0, batch_size), best_action]
            td_tgt = (reward + (1 - done.float()) * gamma * next_Q).float()
        loss = loss_fn(current_Q, td_tgt)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        log.append((loss.item(), current_Q.mean().item()))
        if k == 1:
            net.target.load_state_dict(net.online.state_dict())
    return log


def test_mario_double_dqn():
    rng = np.random.default_rng(21)
    batches = [(rng.uniform(size=(5, 4, 36, 36)), rng.uniform(size=(5, 4, 36, 36)),
                rng.integers(0, 2, size=5), rng.normal(size=5), rng.integers(0, 2, size=5) == 1)
               for _ in range(3)]
    tT, gT = torch_T(), gpuad_T()
    tT.argmax, gT.argmax = torch.argmax, lambda x, axis: gnp.argmax(x, axis=axis)
    t = mario_net(tT, (4, 36, 36), 2, 64)
    g = mario_net(gT, (4, 36, 36), 2, 64)
    _load(g, t)
    for net in (t, g):
        assert all(not p.requires_grad for p in net.target.parameters())
        assert all(p.requires_grad for p in net.online.parameters())
        assert net.target[0].weight is not net.online[0].weight
    t_log, g_log = mario_learn(tT, t, batches), mario_learn(gT, g, batches)
    # td_target's float() rounds the target to float32 in both; the loss promotes it back
    np.testing.assert_allclose(g_log, t_log, rtol=1e-9)
    _same_models(g, t)
