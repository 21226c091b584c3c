"""More programs of pytorch/examples and of JAX's documentation and examples, ported to gpuad
and run side by side with their original library from the same initial weights and data.

Each torch program is written once against a namespace ``T`` (``torch`` itself, or the gpuad
names a port would use: ``gnp.concatenate`` for ``torch.cat``, ``gpuad.nn`` for ``torch.nn``,
...); the model classes are built by the same code for both. torch runs in float64, gpuad's
model loads torch's initial ``state_dict`` by name, and after every step the losses, the
gradients, the parameters and the buffers must agree to 1e-9 relative (float64 rounding
through a few hundred operations). Random draws the original makes (data, ``randint`` in
``get_y_neg``, the Categorical sample of an action) come from one NumPy generator and are
handed to both, as the two libraries draw different numbers for a seed.

Where a port differs from its original, the line says why:
- ``returns.std()``: gpuad's Tensor method without ``dim`` is NumPy's (``ddof=0``), torch's
  is unbiased; the ports write ``returns.std(dim=0)``, which is torch's in both (listed in
  docs/porting.md's traps; ``test_reinforce_std_trap`` keeps the difference visible);
- ``torch.from_numpy(state).float()``: ``.double()``, the tests run in float64;
- ``torch.spmm(adj, support)`` on a sparse adjacency: a dense ``mm`` (gpuad's arrays are
  dense; the values are the same);
- torchvision's VGG16 and ResNet18 feature extractors: two small conv stacks, frozen
  (``requires_grad_(False)``) as the originals are, with torch's initial weights;
- ``mask.transpose(0, 1)`` of a 2-D mask: ``mask.T`` (gpuad's 2-D ``transpose(0, 1)`` is
  NumPy's identity and raises, saying so);
- ``torch.zeros_like(positions)`` written into with Tensors: ``gpuad.tensor(gnp.zeros_like(
  positions))`` (``gnp.zeros_like`` is a backend array, and writing a recorded Tensor into one
  raises rather than dropping its gradient);
- ``style.repeat(b, 1, 1, 1)``: ``style.tile(b, 1, 1, 1)`` (gpuad's ``repeat`` is NumPy's);
- dropout layers at ``p=0`` (the libraries draw different masks).

The JAX programs compare values and gradients with JAX itself (x64) and their gradients with
float64 central differences.
"""

from __future__ import annotations

import collections
import math
import types

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn as gnn
from gpuad import optim as goptim
from gpuad.nn import functional as gF

torch = pytest.importorskip("torch")

R = np.random.default_rng(2024)


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
        init=gnn.init,
        no_grad=ad.no_grad,
        tensor=ad.tensor,
        from_numpy=lambda a: ad.tensor(xp.asarray(a)),
        cat=lambda xs, dim=0: gnp.concatenate(xs, axis=dim),
        stack=lambda xs, dim=0: gnp.stack(xs, axis=dim),
        mm=gnp.matmul,
        where=gnp.where,
        # gnp.zeros_like is a backend array (NumPy's); a Tensor takes recorded writes
        zeros_like=lambda x: ad.tensor(gnp.zeros_like(x)),
        log1p=gnp.log1p,
        exp=gnp.exp,
        log10=math.log10,
        Categorical=ad.distributions.Categorical,
        long=np.int64,
    )


def torch_T():
    return types.SimpleNamespace(
        lib="torch",
        nn=torch.nn,
        F=torch.nn.functional,
        optim=torch.optim,
        init=torch.nn.init,
        no_grad=torch.no_grad,
        tensor=torch.tensor,
        from_numpy=torch.from_numpy,
        cat=torch.cat,
        stack=torch.stack,
        mm=torch.mm,
        where=torch.where,
        zeros_like=torch.zeros_like,
        log1p=torch.log1p,
        exp=torch.exp,
        log10=math.log10,
        Categorical=torch.distributions.Categorical,
        long=torch.long,
    )


def _arr(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    if isinstance(t, ad.Tensor):
        return to_numpy(t.detach())
    return to_numpy(t)


def _close(a, b, rtol=1e-9, atol=1e-12):
    np.testing.assert_allclose(_arr(a), _arr(b), rtol=rtol, atol=atol)


def _load(gmodel, tmodel):
    """torch's weights and buffers, by name, into the gpuad model."""
    xp = _xp()
    gmodel.load_state_dict(
        {k: xp.asarray(v.detach().numpy()) for k, v in tmodel.state_dict().items()}
    )


def _same_models(g, t, rtol=1e-9, atol=1e-12, adam_drift=None):
    """Parameters, their gradients and the buffers of two models, by name.

    ``adam_drift``: the most an Adam update (``lr`` times the number of steps) can move an
    entry whose gradient is zero but for rounding (a bias in front of an instance norm, a
    weight only the norm's mean sees): Adam divides such a gradient by its own size, so the
    two libraries' rounding noise moves the entry by up to that much. Those entries (both
    gradients below 1e-13 of the model's largest gradient, a few float64 epsilons) are
    compared to it; their gradients must be that small in both."""
    gp, tp = dict(g.named_parameters()), dict(t.named_parameters())
    assert sorted(gp) == sorted(tp)
    noise = 1e-13 * max(
        [float(np.abs(_arr(p.grad)).max()) for p in tp.values() if p.grad is not None] + [0.0]
    )
    for k, p in gp.items():
        assert (p.grad is None) == (tp[k].grad is None), k
        if p.grad is None:
            _close(p, tp[k], rtol, atol)
            continue
        gg, tg, gv, tv = _arr(p.grad), _arr(tp[k].grad), _arr(p), _arr(tp[k])
        loose = (np.abs(tg) <= noise) & (np.abs(gg) <= noise) if adam_drift else tg != tg
        np.testing.assert_allclose(gv[~loose], tv[~loose], rtol=rtol, atol=atol, err_msg=k)
        np.testing.assert_allclose(gg[~loose], tg[~loose], rtol=rtol, atol=atol, err_msg=k)
        assert np.all(np.abs(gv[loose] - tv[loose]) <= adam_drift), k
    gb, tb = dict(g.named_buffers()), dict(t.named_buffers())
    assert sorted(gb) == sorted(tb)
    for k, b in gb.items():
        _close(b, tb[k], rtol, atol)


def _both(build, *args):
    """The model ``build(T)(*args)`` for torch and for gpuad, gpuad's with torch's weights."""
    t = build(torch_T())(*args)
    g = build(gpuad_T())(*args)
    _load(g, t)
    return g, t


# ---- examples/mnist_forward_forward: layers trained one by one on a local goodness loss ----
# Layer subclasses nn.Linear (torch's positional (device, dtype) passed through) and keeps its
# own Adam; Net.train and Layer.train shadow Module.train; overlay_y_on_x writes into a clone.


def forward_forward(T, args):
    nn = T.nn

    def overlay_y_on_x(x, y, classes=10):
        x_ = x.clone()
        x_[:, :classes] *= 0.0
        x_[range(x.shape[0]), y] = x.max()
        return x_

    class Layer(nn.Linear):
        def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
            super().__init__(in_features, out_features, bias, device, dtype)
            self.relu = nn.ReLU()
            self.opt = T.optim.Adam(self.parameters(), lr=args.lr)
            self.threshold = args.threshold
            self.num_epochs = args.epochs
            self.losses = []

        def forward(self, x):
            x_direction = x / (x.norm(2, 1, keepdim=True) + 1e-4)
            return self.relu(T.mm(x_direction, self.weight.T) + self.bias.unsqueeze(0))

        def train(self, x_pos, x_neg):
            for _ in range(self.num_epochs):
                g_pos = self.forward(x_pos).pow(2).mean(1)
                g_neg = self.forward(x_neg).pow(2).mean(1)
                loss = T.log1p(
                    T.exp(T.cat([-g_pos + self.threshold, g_neg - self.threshold]))
                ).mean()
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                self.losses.append(loss.item())
            return self.forward(x_pos).detach(), self.forward(x_neg).detach()

    class Net(nn.Module):
        def __init__(self, dims):
            super().__init__()
            self.layers = []
            for d in range(len(dims) - 1):
                self.layers = self.layers + [Layer(dims[d], dims[d + 1])]

        def predict(self, x):
            goodness_per_label = []
            for label in range(10):
                h = overlay_y_on_x(x, label)
                goodness = []
                for layer in self.layers:
                    h = layer(h)
                    goodness = goodness + [h.pow(2).mean(1)]
                goodness_per_label += [sum(goodness).unsqueeze(1)]
            goodness_per_label = T.cat(goodness_per_label, 1)
            return goodness_per_label.argmax(1)

        def train(self, x_pos, x_neg):
            h_pos, h_neg = x_pos, x_neg
            for layer in self.layers:
                h_pos, h_neg = layer.train(h_pos, h_neg)

    return Net, overlay_y_on_x


def test_mnist_forward_forward():
    args = types.SimpleNamespace(lr=0.03, threshold=2.0, epochs=4)
    x = R.normal(size=(12, 16))
    y = R.integers(0, 10, 12)
    # get_y_neg: a label other than the true one for each example (torch.randint there)
    y_neg = (y + R.integers(1, 10, 12)) % 10
    nets = {}
    for T in (torch_T(), gpuad_T()):
        Net, overlay = forward_forward(T, args)
        nets[T.lib] = (T, Net([16, 9, 7]), overlay)
    for g, t in zip(nets["gpuad"][1].layers, nets["torch"][1].layers, strict=True):
        _load(g, t)
    runs = {}
    for T, net, overlay in nets.values():
        xx, yy, yn = T.from_numpy(x), T.from_numpy(y), T.from_numpy(y_neg)
        x_pos, x_neg = overlay(xx, yy), overlay(xx, yn)
        _close(xx, x)  # the overlay wrote into its clone only
        net.train(x_pos, x_neg)
        runs[T.lib] = (net, x_pos, x_neg, net.predict(xx))
    (gn, gpos, gneg, gpred), (tn, tpos, tneg, tpred) = runs["gpuad"], runs["torch"]
    _close(gpos, tpos)
    _close(gneg, tneg)
    for g, t in zip(gn.layers, tn.layers, strict=True):
        np.testing.assert_allclose(g.losses, t.losses, rtol=1e-10)
        _same_models(g, t)
    np.testing.assert_array_equal(_arr(gpred), _arr(tpred))


# ---- examples/super_resolution: sub-pixel convolution (PixelShuffle), orthogonal init ------


def super_resolution_net(T):
    nn, init = T.nn, T.init

    class Net(nn.Module):
        def __init__(self, upscale_factor):
            super().__init__()
            self.relu = nn.ReLU()
            self.conv1 = nn.Conv2d(1, 8, (5, 5), (1, 1), (2, 2))
            self.conv2 = nn.Conv2d(8, 8, (3, 3), (1, 1), (1, 1))
            self.conv3 = nn.Conv2d(8, 4, (3, 3), (1, 1), (1, 1))
            self.conv4 = nn.Conv2d(4, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
            self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
            self._initialize_weights()

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.relu(self.conv2(x))
            x = self.relu(self.conv3(x))
            x = self.pixel_shuffle(self.conv4(x))
            return x

        def _initialize_weights(self):
            init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv4.weight)

    return Net


def test_super_resolution():
    g, t = _both(super_resolution_net, 3)
    # the orthogonal init itself (its draws differ from torch's): rows orthonormal times gain
    fresh = super_resolution_net(gpuad_T())(3)
    for name, gain in (("conv1", math.sqrt(2)), ("conv3", math.sqrt(2)), ("conv4", 1.0)):
        w = _arr(getattr(fresh, name).weight)
        w = w.reshape(w.shape[0], -1)
        rows, cols = w.shape
        gram = w @ w.T if rows <= cols else w.T @ w
        np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-12)
    lr_img = R.uniform(size=(2, 1, 6, 6))
    hr_img = R.uniform(size=(2, 1, 18, 18))
    runs = {}
    for T, model in ((torch_T(), t), (gpuad_T(), g)):
        criterion = T.nn.MSELoss()
        optimizer = T.optim.Adam(model.parameters(), lr=0.01)
        inp, target = T.from_numpy(lr_img), T.from_numpy(hr_img)
        losses = []
        for _ in range(3):
            optimizer.zero_grad()
            loss = criterion(model(inp), target)
            losses.append(loss.item())
            loss.backward()
            optimizer.step()
        with T.no_grad():
            mse = criterion(model(inp), target)
            psnr = 10 * T.log10(1 / mse.item())
        runs[T.lib] = (losses, psnr)
    np.testing.assert_allclose(runs["gpuad"][0], runs["torch"][0], rtol=1e-10)
    assert runs["gpuad"][1] == pytest.approx(runs["torch"][1], rel=1e-10)
    _same_models(g, t)


# ---- examples/fast_neural_style: TransformerNet (reflection padding, instance norm, nearest
# upsampling, residual blocks) trained on a content loss and a Gram-matrix style loss of a
# frozen feature network; normalize_batch divides its argument in place (div_)


def transformer_net(T):
    nn = T.nn

    class ConvLayer(nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride):
            super().__init__()
            reflection_padding = kernel_size // 2
            self.reflection_pad = nn.ReflectionPad2d(reflection_padding)
            self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            out = self.reflection_pad(x)
            out = self.conv2d(out)
            return out

    class ResidualBlock(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in1 = nn.InstanceNorm2d(channels, affine=True)
            self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in2 = nn.InstanceNorm2d(channels, affine=True)
            self.relu = nn.ReLU()

        def forward(self, x):
            residual = x
            out = self.relu(self.in1(self.conv1(x)))
            out = self.in2(self.conv2(out))
            out = out + residual
            return out

    class UpsampleConvLayer(nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
            super().__init__()
            self.upsample = upsample
            if upsample:
                self.upsample_layer = nn.Upsample(mode="nearest", scale_factor=upsample)
            reflection_padding = kernel_size // 2
            self.reflection_pad = nn.ReflectionPad2d(reflection_padding)
            self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            x_in = x
            if self.upsample:
                x_in = self.upsample_layer(x_in)
            out = self.reflection_pad(x_in)
            out = self.conv2d(out)
            return out

    class TransformerNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = ConvLayer(3, 4, kernel_size=5, stride=1)
            self.in1 = nn.InstanceNorm2d(4, affine=True)
            self.conv2 = ConvLayer(4, 6, kernel_size=3, stride=2)
            self.in2 = nn.InstanceNorm2d(6, affine=True)
            self.conv3 = ConvLayer(6, 8, kernel_size=3, stride=2)
            self.in3 = nn.InstanceNorm2d(8, affine=True)
            self.res1 = ResidualBlock(8)
            self.res2 = ResidualBlock(8)
            self.deconv1 = UpsampleConvLayer(8, 6, kernel_size=3, stride=1, upsample=2)
            self.in4 = nn.InstanceNorm2d(6, affine=True)
            self.deconv2 = UpsampleConvLayer(6, 4, kernel_size=3, stride=1, upsample=2)
            self.in5 = nn.InstanceNorm2d(4, affine=True)
            self.deconv3 = ConvLayer(4, 3, kernel_size=5, stride=1)
            self.relu = nn.ReLU()

        def forward(self, X):
            y = self.relu(self.in1(self.conv1(X)))
            y = self.relu(self.in2(self.conv2(y)))
            y = self.relu(self.in3(self.conv3(y)))
            y = self.res1(y)
            y = self.res2(y)
            y = self.relu(self.in4(self.deconv1(y)))
            y = self.relu(self.in5(self.deconv2(y)))
            y = self.deconv3(y)
            return y

    VggOutputs = collections.namedtuple("VggOutputs", ["relu1_2", "relu2_2"])

    class Vgg(nn.Module):
        """vgg.Vgg16's two first slices, small: conv-relu-conv-relu | maxpool-conv-relu."""

        def __init__(self, requires_grad=False):
            super().__init__()
            self.slice1 = nn.Sequential(
                nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU()
            )
            self.slice2 = nn.Sequential(
                nn.MaxPool2d(2, 2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU()
            )
            if not requires_grad:
                for param in self.parameters():
                    param.requires_grad = False

        def forward(self, X):
            h = self.slice1(X)
            h_relu1_2 = h
            h = self.slice2(h)
            h_relu2_2 = h
            return VggOutputs(h_relu1_2, h_relu2_2)

    def gram_matrix(y):
        (b, ch, h, w) = y.size()
        features = y.view(b, ch, w * h)
        features_t = features.transpose(1, 2)
        gram = features.bmm(features_t) / (ch * h * w)
        return gram

    def normalize_batch(batch):
        mean = batch.new_tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
        std = batch.new_tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)
        batch = batch.div_(255.0)
        return (batch - mean) / std

    return TransformerNet, Vgg, gram_matrix, normalize_batch


def test_fast_neural_style():
    content = R.uniform(0, 255, size=(2, 3, 8, 8))
    style_img = R.uniform(0, 255, size=(1, 3, 8, 8))
    content_weight, style_weight = 1e5, 1e10
    tT, gT = torch_T(), gpuad_T()
    t_parts, g_parts = transformer_net(tT), transformer_net(gT)
    t_net, g_net = t_parts[0](), g_parts[0]()
    t_vgg, g_vgg = t_parts[1](requires_grad=False), g_parts[1](requires_grad=False)
    _load(g_net, t_net)
    _load(g_vgg, t_vgg)
    assert all(not p.requires_grad for p in g_vgg.parameters())
    runs = {}
    for T, (_, _, gram_matrix, normalize_batch), transformer, vgg in (
        (tT, t_parts, t_net, t_vgg), (gT, g_parts, g_net, g_vgg)
    ):
        optimizer = T.optim.Adam(transformer.parameters(), 1e-3)
        mse_loss = T.nn.MSELoss()
        style = T.from_numpy(style_img.copy()).repeat(2, 1, 1, 1) if T.lib == "torch" else \
            T.from_numpy(style_img.copy()).tile(2, 1, 1, 1)  # torch's repeat is gpuad's tile
        features_style = vgg(normalize_batch(style))
        gram_style = [gram_matrix(y) for y in features_style]
        losses = []
        for _ in range(2):
            x = T.from_numpy(content.copy())
            n_batch = len(x)
            optimizer.zero_grad()
            y = transformer(x)
            y = normalize_batch(y)
            x = normalize_batch(x)
            features_y = vgg(y)
            features_x = vgg(x)
            content_loss = content_weight * mse_loss(features_y.relu2_2, features_x.relu2_2)
            style_loss = 0.0
            for ft_y, gm_s in zip(features_y, gram_style, strict=True):
                gm_y = gram_matrix(ft_y)
                style_loss += mse_loss(gm_y, gm_s[:n_batch, :, :])
            style_loss *= style_weight
            total_loss = content_loss + style_loss
            total_loss.backward()
            optimizer.step()
            losses.append((content_loss.item(), style_loss.item()))
        runs[T.lib] = losses
    np.testing.assert_allclose(runs["gpuad"], runs["torch"], rtol=1e-9)
    _same_models(g_net, t_net, adam_drift=2 * 1e-3)
    _same_models(g_vgg, t_vgg)


# ---- examples/reinforcement_learning: REINFORCE and actor-critic on CartPole ---------------
# gym's CartPole-v0 dynamics written out (deterministic given the start state); the action is
# Categorical(probs).sample() by inversion of one shared uniform draw, which both libraries'
# probabilities (equal to 1e-12) turn into the same action.


class CartPole:
    """gym's CartPole-v0: Euler steps of a pole on a cart, reward 1 per step until the pole
    leans past 12 degrees or the cart leaves [-2.4, 2.4]."""

    def __init__(self, rng):
        self.rng = rng

    def reset(self):
        self.state = self.rng.uniform(-0.05, 0.05, size=4)
        return self.state.copy()

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = 10.0 if action == 1 else -10.0
        cos, sin = math.cos(theta), math.sin(theta)
        temp = (force + 0.05 * theta_dot**2 * sin) / 1.1
        thetaacc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos**2 / 1.1))
        xacc = temp - 0.05 * thetaacc * cos / 1.1
        x, x_dot = x + 0.02 * x_dot, x_dot + 0.02 * xacc
        theta, theta_dot = theta + 0.02 * theta_dot, theta_dot + 0.02 * thetaacc
        self.state = np.array([x, x_dot, theta, theta_dot])
        done = abs(x) > 2.4 or abs(theta) > 12 * 2 * math.pi / 360
        return self.state.copy(), 1.0, done, {}


def _sample(T, probs, u):
    """Categorical(probs).sample() by inverting the draw ``u`` (torch draws its own)."""
    p = np.asarray(_arr(probs), dtype=float).reshape(-1, 2)[:, 0]
    a = (u >= p).astype(np.int64)
    return T.tensor(a[0]) if np.ndim(_arr(probs)) == 1 else T.tensor(a)


def reinforce(T, gamma=0.99):
    nn, F = T.nn, T.F
    eps = np.finfo(np.float32).eps.item()

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.affine1 = nn.Linear(4, 16)
            self.dropout = nn.Dropout(p=0.0)  # the example's p=0.6 draws masks: see module doc
            self.affine2 = nn.Linear(16, 2)
            self.saved_log_probs = []
            self.rewards = []

        def forward(self, x):
            x = self.affine1(x)
            x = self.dropout(x)
            x = F.relu(x)
            action_scores = self.affine2(x)
            return F.softmax(action_scores, dim=1)

    def select_action(policy, state, u):
        state = T.from_numpy(state).double().unsqueeze(0)  # .float() in the example
        probs = policy(state)
        m = T.Categorical(probs)
        action = _sample(T, probs, u)
        policy.saved_log_probs.append(m.log_prob(action))
        return action.item()

    def finish_episode(policy, optimizer):
        R = 0
        policy_loss = []
        returns = collections.deque()
        for r in policy.rewards[::-1]:
            R = r + gamma * R
            returns.appendleft(R)
        returns = T.tensor(list(returns))
        returns = (returns - returns.mean()) / (returns.std(dim=0) + eps)
        for log_prob, R in zip(policy.saved_log_probs, returns, strict=True):
            policy_loss.append(-log_prob * R)
        optimizer.zero_grad()
        policy_loss = T.cat(policy_loss).sum()
        policy_loss.backward()
        optimizer.step()
        del policy.rewards[:]
        del policy.saved_log_probs[:]
        return policy_loss.item()

    return Policy, select_action, finish_episode


def actor_critic(T, gamma=0.99):
    nn, F = T.nn, T.F
    eps = np.finfo(np.float32).eps.item()
    SavedAction = collections.namedtuple("SavedAction", ["log_prob", "value"])

    class Policy(nn.Module):
        def __init__(self):
            super().__init__()
            self.affine1 = nn.Linear(4, 16)
            self.action_head = nn.Linear(16, 2)
            self.value_head = nn.Linear(16, 1)
            self.saved_actions = []
            self.rewards = []

        def forward(self, x):
            x = F.relu(self.affine1(x))
            action_prob = F.softmax(self.action_head(x), dim=-1)
            state_values = self.value_head(x)
            return action_prob, state_values

    def select_action(model, state, u):
        state = T.from_numpy(state).double()  # .float() in the example
        probs, state_value = model(state)
        m = T.Categorical(probs)
        action = _sample(T, probs, u)
        model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
        return action.item()

    def finish_episode(model, optimizer):
        R = 0
        saved_actions = model.saved_actions
        policy_losses = []
        value_losses = []
        returns = []
        for r in model.rewards[::-1]:
            R = r + gamma * R
            returns.insert(0, R)
        returns = T.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std(dim=0) + eps)
        for (log_prob, value), R in zip(saved_actions, returns, strict=True):
            advantage = R - value.item()
            policy_losses.append(-log_prob * advantage)
            value_losses.append(F.smooth_l1_loss(value, T.tensor([R])))
        optimizer.zero_grad()
        loss = T.stack(policy_losses).sum() + T.stack(value_losses).sum()
        loss.backward()
        optimizer.step()
        del model.rewards[:]
        del model.saved_actions[:]
        return loss.item()

    return Policy, select_action, finish_episode


@pytest.mark.parametrize("program", [reinforce, actor_critic])
def test_reinforcement_learning(program):
    (tP, t_select, t_finish), (gP, g_select, g_finish) = program(torch_T()), program(gpuad_T())
    t_model, g_model = tP(), gP()
    _load(g_model, t_model)
    draws = R.uniform(size=(4, 40))
    starts = R.integers(0, 2**31)
    runs = {}
    for T, model, select, finish in (
        (torch_T(), t_model, t_select, t_finish), (gpuad_T(), g_model, g_select, g_finish)
    ):
        env = CartPole(np.random.default_rng(starts))
        optimizer = T.optim.Adam(model.parameters(), lr=3e-2)
        log = []
        running_reward = 10
        for i_episode in range(4):
            state, ep_reward = env.reset(), 0
            for t in range(1, 40):
                action = select(model, state, draws[i_episode, t])
                state, reward, done, _ = env.step(action)
                model.rewards.append(reward)
                ep_reward += reward
                if done:
                    break
            running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
            log.append((ep_reward, running_reward, finish(model, optimizer)))
        runs[T.lib] = log
    np.testing.assert_allclose(runs["gpuad"], runs["torch"], rtol=1e-9)
    assert [r[0] for r in runs["gpuad"]] != [39.0] * 4  # episodes end by falling
    _same_models(g_model, t_model)


def test_reinforce_std_trap():
    """The example's ``returns.std()``: torch's is unbiased, gpuad's Tensor method without
    ``dim`` is NumPy's (``ddof=0``, docs/porting.md's traps); the ports write ``std(dim=0)``."""
    r = np.array([3.0, 2.0, 1.5, 0.25])
    g, t = gpuad_T().tensor(r), torch.tensor(r)
    assert float(g.std()) == pytest.approx(np.std(r))
    assert float(g.std(dim=0)) == pytest.approx(float(t.std()), rel=1e-14)
    assert float(g.std(True)) == pytest.approx(float(t.std()), rel=1e-14)


# ---- examples/gcn: graph convolutions over a normalised adjacency, NLLLoss on index masks ---


def gcn(T):
    nn, F = T.nn, T.F

    class GraphConv(nn.Module):
        def __init__(self, input_dim, output_dim, use_bias=False):
            super().__init__()
            self.kernel = nn.Parameter(T.empty(input_dim, output_dim))
            nn.init.xavier_normal_(self.kernel)
            self.bias = None
            if use_bias:
                self.bias = nn.Parameter(T.empty(output_dim))
                nn.init.zeros_(self.bias)

        def forward(self, input_tensor, adj_mat):
            support = T.mm(input_tensor, self.kernel)
            output = T.spmm(adj_mat, support)
            if self.bias is not None:
                output = output + self.bias
            return output

    class GCN(nn.Module):
        def __init__(self, input_dim, hidden_dim, output_dim, use_bias=True, dropout_p=0.1):
            super().__init__()
            self.gc1 = GraphConv(input_dim, hidden_dim, use_bias=use_bias)
            self.gc2 = GraphConv(hidden_dim, output_dim, use_bias=use_bias)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input_tensor, adj_mat):
            x = self.gc1(input_tensor, adj_mat)
            x = F.relu(x)
            x = self.dropout(x)
            x = self.gc2(x, adj_mat)
            return F.log_softmax(x, dim=1)

    def load_graph(features, edges, V):
        """load_cora after the files are read: row-normalised features, the adjacency with
        self loops scaled by D^(-1/2) on both sides."""
        features = T.from_numpy(features)
        scale_vector = T.sum(features, dim=1)
        scale_vector = 1 / scale_vector
        scale_vector[scale_vector == float("inf")] = 0
        scale_vector = T.diag(scale_vector)
        features = scale_vector @ features
        adj_mat = T.adjacency(edges, V)
        adj_mat = T.eye(V) + adj_mat
        degree_mat = T.sum(adj_mat, dim=1)
        degree_mat = T.sqrt(1 / degree_mat)
        degree_mat[degree_mat == float("inf")] = 0
        degree_mat = T.diag(degree_mat)
        adj_mat = degree_mat @ adj_mat @ degree_mat
        return features, adj_mat

    def train_iter(model, optimizer, criterion, input, target, mask_train, mask_val):
        model.train()
        optimizer.zero_grad()
        output = model(*input)
        loss = criterion(output[mask_train], target[mask_train])
        loss.backward()
        optimizer.step()
        return loss.item(), test(model, criterion, input, target, mask_val)

    def test(model, criterion, input, target, mask):
        model.eval()
        with T.no_grad():
            output = model(*input)
            output, target = output[mask], target[mask]
            loss = criterion(output, target)
            acc = (output.argmax(dim=1) == target).float().sum() / len(target)
        return loss.item(), acc.item()

    return GCN, load_graph, train_iter


def _graph_T(T):
    """The torch calls of gcn/main.py beyond the shared ones: torch.spmm on the sparse
    adjacency (a dense matmul in gpuad), sparse_coo_tensor's adjacency built densely."""
    if T.lib == "torch":
        T.spmm = lambda a, b: torch.spmm(a.to_sparse(), b)
        T.adjacency = lambda e, V: torch.sparse_coo_tensor(
            torch.from_numpy(e.T), torch.ones(len(e)), (V, V)
        ).to_dense()
        T.sum, T.diag, T.eye, T.sqrt, T.empty = torch.sum, torch.diag, torch.eye, torch.sqrt, \
            torch.empty
    else:
        xp = _xp()

        def adjacency(e, V):
            a = xp.zeros((V, V))
            np.add.at(a, (e[:, 0], e[:, 1]), 1.0) if xp is np else xp.add.at(
                a, (xp.asarray(e[:, 0]), xp.asarray(e[:, 1])), 1.0)
            return ad.tensor(a)

        T.spmm, T.adjacency = gnp.matmul, adjacency
        T.sum = lambda x, dim: gnp.sum(x, axis=dim)
        T.diag, T.sqrt = gnp.diag, gnp.sqrt
        T.eye = lambda n: ad.tensor(xp.eye(n))
        T.empty = lambda *s: ad.tensor(xp.empty(s))
    return T


def test_gcn():
    V, F_in, C = 14, 6, 3
    feats = (R.uniform(size=(V, F_in)) < 0.4).astype(float)
    feats[3] = 0.0  # a node without features: its scale 1/0 = inf is set to 0
    edges = R.integers(0, V, size=(30, 2))
    labels = R.integers(0, C, V)
    idx = R.permutation(V)
    idx_val, idx_train = idx[:4], idx[4:]
    tT, gT = _graph_T(torch_T()), _graph_T(gpuad_T())
    t_model = gcn(tT)[0](F_in, 5, C, True, 0.0)  # dropout 0.5 in the example: see module doc
    g_model = gcn(gT)[0](F_in, 5, C, True, 0.0)
    _load(g_model, t_model)
    runs = {}
    for T, model in ((tT, t_model), (gT, g_model)):
        _, load_graph, train_iter = gcn(T)
        features, adj_mat = load_graph(feats, edges, V)
        optimizer = T.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
        criterion = T.nn.NLLLoss()
        target = T.from_numpy(labels)
        log = [
            train_iter(model, optimizer, criterion, (features, adj_mat), target,
                       T.from_numpy(idx_train), T.from_numpy(idx_val))
            for _ in range(3)
        ]
        runs[T.lib] = (log, features, adj_mat)
    flat = {k: [(a, b, c) for a, (b, c) in v[0]] for k, v in runs.items()}
    np.testing.assert_allclose(flat["gpuad"], flat["torch"], rtol=1e-9)
    _close(runs["gpuad"][1], runs["torch"][1])
    _close(runs["gpuad"][2], runs["torch"][2])
    _same_models(g_model, t_model)


# ---- examples/siamese_network: a shared feature net on two images, concatenated, BCELoss,
# Adadelta with StepLR; torchvision's resnet18 is a small residual stack built the same way
# (children()[:-1] into a Sequential), init_weights applied with the deprecated
# nn.init.xavier_uniform, and the bias filled under no_grad (gpuad's .data is the array)


def siamese(T):
    nn = T.nn

    class BasicBlock(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c)

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += x
            return self.relu(out)

    class TinyResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 4, 3, stride=1, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(4)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = BasicBlock(4)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(4, 10)

    class SiameseNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.resnet = TinyResNet()
            self.resnet.conv1 = nn.Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1),
                                          padding=(1, 1), bias=False)
            self.fc_in_features = self.resnet.fc.in_features
            self.resnet = nn.Sequential(*(list(self.resnet.children())[:-1]))
            self.fc = nn.Sequential(
                nn.Linear(self.fc_in_features * 2, 6),
                nn.ReLU(inplace=True),
                nn.Linear(6, 1),
            )
            self.sigmoid = nn.Sigmoid()
            self.resnet.apply(self.init_weights)
            self.fc.apply(self.init_weights)

        def init_weights(self, m):
            if isinstance(m, nn.Linear):
                with pytest.warns(FutureWarning, match="xavier_uniform_"):
                    nn.init.xavier_uniform(m.weight)
                with T.no_grad():
                    m.bias.fill_(0.01)  # m.bias.data.fill_(0.01) in the example

        def forward_once(self, x):
            output = self.resnet(x)
            output = output.view(output.size()[0], -1)
            return output

        def forward(self, input1, input2):
            output1 = self.forward_once(input1)
            output2 = self.forward_once(input2)
            output = T.cat((output1, output2), 1)
            output = self.fc(output)
            output = self.sigmoid(output)
            return output

    return SiameseNetwork


def test_siamese_network():
    t_model, g_model = siamese(torch_T())(), siamese(gpuad_T())()
    assert [k for k, _ in g_model.named_parameters()] == [k for k, _ in t_model.named_parameters()]
    for m in (g_model, t_model):  # the fill under no_grad reached the parameters
        np.testing.assert_array_equal(_arr(m.fc[0].bias), 0.01)
    _load(g_model, t_model)
    batches = [
        (R.uniform(size=(4, 1, 6, 6)), R.uniform(size=(4, 1, 6, 6)), np.array([1.0, 0, 1, 0]))
        for _ in range(3)
    ]
    runs = {}
    for T, model in ((torch_T(), t_model), (gpuad_T(), g_model)):
        optimizer = T.optim.Adadelta(model.parameters(), lr=1.0)
        scheduler = T.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
        criterion = T.nn.BCELoss()
        log = []
        for _epoch in range(2):
            model.train()
            for images_1, images_2, targets in batches:
                images_1, images_2 = T.from_numpy(images_1), T.from_numpy(images_2)
                targets = T.from_numpy(targets)
                optimizer.zero_grad()
                outputs = model(images_1, images_2).squeeze()
                loss = criterion(outputs, targets)
                loss.backward()
                optimizer.step()
                log.append(loss.item())
            model.eval()
            with T.no_grad():
                outputs = model(T.from_numpy(batches[0][0]), T.from_numpy(batches[0][1]))
                outputs = outputs.squeeze()
                pred = T.where(outputs > 0.5, 1, 0)
                targets = T.from_numpy(batches[0][2])
                correct = pred.eq(targets.view_as(pred)).sum().item()
            log.append(correct)
            scheduler.step()
        runs[T.lib] = log
    np.testing.assert_allclose(runs["gpuad"], runs["torch"], rtol=1e-9)
    _same_models(g_model, t_model)


# ---- examples/differentiable_physics/mass_spring: a spring system integrated in a Python
# loop with in-place writes into intermediates (forces[i] += f, forces[:, 1] -= g m,
# positions[0] = p0), its initial positions fitted with Adam ------------------------------


def mass_spring(T):
    nn = T.nn

    class MassSpringSystem(nn.Module):
        def __init__(self, init_rest, springs, mass=1.0, dt=0.01, gravity=9.81):
            super().__init__()
            self.mass = mass
            self.springs = springs
            self.dt = dt
            self.gravity = gravity
            self.initial_position_0 = T.tensor([0.0, 0.0])
            # torch.randn(num_particles - 1, 2) in the example: drawn once for both
            self.initial_positions_rest = nn.Parameter(T.from_numpy(init_rest.copy()))
            self.velocities = T.zeros_like(T.from_numpy(np.zeros((len(init_rest) + 1, 2))))

        def forward(self, steps):
            positions = T.cat(
                [self.initial_position_0.unsqueeze(0), self.initial_positions_rest], dim=0)
            velocities = self.velocities
            for _ in range(steps):
                forces = T.zeros_like(positions)
                for (i, j, rest_length, stiffness) in self.springs:
                    xi, xj = positions[i], positions[j]
                    dir_vec = xj - xi
                    dist = dir_vec.norm()
                    force = stiffness * (dist - rest_length) * dir_vec / (dist + 1e-6)
                    forces[i] += force
                    forces[j] -= force
                forces[:, 1] -= self.gravity * self.mass
                acceleration = forces / self.mass
                velocities = velocities + acceleration * self.dt
                positions = positions + velocities * self.dt
                positions[0] = self.initial_position_0
                velocities[0] = T.tensor([0.0, 0.0])
            return positions

    return MassSpringSystem


def test_mass_spring():
    init_rest = R.standard_normal((2, 2))
    springs = [(0, 1, 1.0, 10.0), (1, 2, 0.5, 4.0), (0, 2, 1.2, 2.0)]
    target = np.array([[0.0, 0.0], [1.0, 0.0], [1.2, -0.4]])
    runs = {}
    for T in (torch_T(), gpuad_T()):
        system = mass_spring(T)(init_rest, springs)
        optimizer = T.optim.Adam(system.parameters(), lr=0.01)
        target_positions = T.from_numpy(target)
        log = []
        for _ in range(3):
            optimizer.zero_grad()
            final_positions = system(12)
            loss = (final_positions - target_positions).pow(2).mean()
            loss.backward()
            optimizer.step()
            log.append(loss.item())
        runs[T.lib] = (log, system, final_positions)
    (glog, gsys, gpos), (tlog, tsys, tpos) = runs["gpuad"], runs["torch"]
    np.testing.assert_allclose(glog, tlog, rtol=1e-10)
    _close(gpos, tpos)
    _same_models(gsys, tsys)
    np.testing.assert_array_equal(_arr(gsys.velocities), 0.0)  # the loop wrote into copies
    # the gradient against central differences of the simulated loss
    sim = mass_spring(gpuad_T())

    def loss_at(rest):
        s = sim(rest, springs)
        return float(((s(12) - gpuad_T().from_numpy(target)) ** 2).mean())

    s = sim(init_rest, springs)
    ((s(12) - gpuad_T().from_numpy(target)) ** 2).mean().backward()
    v, h = R.standard_normal(init_rest.shape), 1e-6
    fd = (loss_at(init_rest + h * v) - loss_at(init_rest - h * v)) / (2 * h)
    assert float(np.vdot(_arr(s.initial_positions_rest.grad), v)) == pytest.approx(fd, rel=1e-6)


# ---- examples/language_translation: nn.Transformer (positional call with None for the
# memory mask), a sinusoidal PositionalEncoding buffer written by strided slices, a causal
# float mask from triu/masked_fill, key padding masks, CrossEntropyLoss(ignore_index=PAD) ---


def translator(T):
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
            return self.dropout(token_embedding + self.pos_embedding[:token_embedding.size(0), :])

    class Translator(nn.Module):
        def __init__(self, num_encoder_layers, num_decoder_layers, embed_size, num_heads,
                     src_vocab_size, tgt_vocab_size, dim_feedforward, dropout):
            super().__init__()
            self.src_embedding = nn.Embedding(src_vocab_size, embed_size)
            self.tgt_embedding = nn.Embedding(tgt_vocab_size, embed_size)
            self.pos_enc = PositionalEncoding(embed_size, dropout)
            self.transformer = nn.Transformer(
                d_model=embed_size, nhead=num_heads, num_encoder_layers=num_encoder_layers,
                num_decoder_layers=num_decoder_layers, dim_feedforward=dim_feedforward,
                dropout=dropout)
            self.ff = nn.Linear(embed_size, tgt_vocab_size)

        def forward(self, src, trg, src_mask, tgt_mask, src_padding_mask, tgt_padding_mask,
                    memory_key_padding_mask):
            src_emb = self.pos_enc(self.src_embedding(src))
            tgt_emb = self.pos_enc(self.tgt_embedding(trg))
            outs = self.transformer(src_emb, tgt_emb, src_mask, tgt_mask, None,
                                    src_padding_mask, tgt_padding_mask, memory_key_padding_mask)
            return self.ff(outs)

    def generate_square_subsequent_mask(size):
        # .transpose(0, 1) of the example: .T (gpuad's 2-D transpose(0, 1) is NumPy's and
        # raises); .float(): .double(), the tests run in float64
        mask = (T.triu(T.ones((size, size))) == 1).T
        mask = mask.double().masked_fill(mask == 0, float("-inf")).masked_fill(mask == 1, 0.0)
        return mask

    def create_mask(src, tgt, pad_idx):
        src_seq_len, tgt_seq_len = src.shape[0], tgt.shape[0]
        tgt_mask = generate_square_subsequent_mask(tgt_seq_len)
        src_mask = T.zeros((src_seq_len, src_seq_len)).type(T.bool)
        src_padding_mask = (src == pad_idx).T
        tgt_padding_mask = (tgt == pad_idx).T
        return src_mask, tgt_mask, src_padding_mask, tgt_padding_mask

    return Translator, create_mask


def test_language_translation():
    PAD_IDX, BOS_IDX, EOS_IDX = 1, 2, 3

    def sentence(n, vocab):
        return [BOS_IDX, *R.integers(4, vocab, n), EOS_IDX]

    def batch(vocab, lengths):  # (seq, batch), padded as pad_sequence pads
        rows = [sentence(n, vocab) for n in lengths]
        out = np.full((max(map(len, rows)), len(rows)), PAD_IDX)
        for j, r in enumerate(rows):
            out[: len(r), j] = r
        return out

    data = [(batch(13, [4, 2, 5]), batch(11, [3, 5, 1])) for _ in range(2)]
    tT, gT = torch_T(), gpuad_T()
    xp = _xp()
    tT.arange, tT.zeros, tT.ones, tT.triu, tT.sin, tT.cos, tT.bool = (
        lambda *a: torch.arange(*a), torch.zeros, torch.ones, torch.triu, torch.sin,
        torch.cos, torch.bool)
    gT.arange = lambda *a: ad.tensor(xp.arange(*a))
    gT.zeros = lambda s: ad.tensor(xp.zeros(s))
    gT.ones = lambda s: ad.tensor(xp.ones(s))
    gT.triu, gT.sin, gT.cos, gT.bool = gnp.triu, gnp.sin, gnp.cos, bool
    (tTr, t_mask), (gTr, g_mask) = translator(tT), translator(gT)
    t_model = tTr(1, 1, 8, 2, 13, 11, 16, 0.0)  # dropout 0.1 in the example: see module doc
    g_model = gTr(1, 1, 8, 2, 13, 11, 16, 0.0)
    _load(g_model, t_model)
    runs = {}
    for T, model, create_mask in ((tT, t_model, t_mask), (gT, g_model, g_mask)):
        optimizer = T.optim.Adam(model.parameters(), lr=1e-2, betas=(0.9, 0.98), eps=1e-9)
        loss_fn = T.nn.CrossEntropyLoss(ignore_index=PAD_IDX)
        log = []
        for src, tgt in data:
            src, tgt = T.from_numpy(src), T.from_numpy(tgt)
            tgt_input = tgt[:-1, :]
            src_mask, tgt_mask, src_padding_mask, tgt_padding_mask = create_mask(
                src, tgt_input, PAD_IDX)
            logits = model(src, tgt_input, src_mask, tgt_mask, src_padding_mask,
                           tgt_padding_mask, src_padding_mask)
            optimizer.zero_grad()
            tgt_out = tgt[1:, :]
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1))
            loss.backward()
            optimizer.step()
            log.append(loss.item())
        runs[T.lib] = log
    np.testing.assert_allclose(runs["gpuad"], runs["torch"], rtol=1e-9)
    _same_models(g_model, t_model, adam_drift=2 * 1e-2)


# ---- compiled: the whole training step of two ports under gpuad.jit equals eager ----------


def test_compiled_training_steps_equal_eager():
    """mass_spring's loop of in-place writes and the siamese network's (BatchNorm buffers,
    ReLU(inplace=True), ``out += x``, Adadelta stepped by StepLR between calls) as one
    compiled step each: the losses, parameters and buffers of the eager run (which equal
    torch's above) to 1e-12."""
    import copy

    T = gpuad_T()
    springs = [(0, 1, 1.0, 10.0), (1, 2, 0.5, 4.0), (0, 2, 1.2, 2.0)]
    batches = [(R.uniform(size=(4, 1, 6, 6)), R.uniform(size=(4, 1, 6, 6)),
                np.array([1.0, 0, 1, 0])) for _ in range(2)]
    base_sys = mass_spring(T)(R.standard_normal((2, 2)), springs)
    base_net = siamese(T)()
    target = T.from_numpy(np.array([[0.0, 0.0], [1.0, 0.0], [1.2, -0.4]]))
    runs = {}
    for compiled in (False, True):
        system, model = copy.deepcopy(base_sys), copy.deepcopy(base_net)
        opt_s = T.optim.Adam(system.parameters(), lr=0.01)
        opt_m = T.optim.Adadelta(model.parameters(), lr=1.0)
        scheduler = T.optim.lr_scheduler.StepLR(opt_m, step_size=1, gamma=0.7)
        crit = T.nn.BCELoss()

        def sim_step(tp, system=system, opt_s=opt_s):
            opt_s.zero_grad()
            loss = (system(6) - tp).pow(2).mean()
            loss.backward()
            opt_s.step()
            return loss

        def net_step(a, b, t, model=model, opt_m=opt_m, crit=crit):
            opt_m.zero_grad()
            loss = crit(model(a, b).squeeze(), t)
            loss.backward()
            opt_m.step()
            return loss

        if compiled:
            sim_step, net_step = ad.jit(sim_step), ad.jit(net_step)
        log = [float(sim_step(target)) for _ in range(3)]
        for _ in range(2):
            log += [float(net_step(*map(T.from_numpy, b))) for b in batches]
            scheduler.step()
        state = [_arr(v) for m in (system, model) for v in m.state_dict().values()]
        runs[compiled] = (log, state)
    np.testing.assert_allclose(runs[True][0], runs[False][0], rtol=1e-12)
    for a, b in zip(runs[True][1], runs[False][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
