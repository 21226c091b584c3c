"""Train a small CNN to tell horizontal, vertical and diagonal bars apart in noisy images.

The images (12x12, one channel) are generated here: one bar of random length and position per
image plus Gaussian noise. Run: ``python examples/train_cnn.py`` (>= 95% test accuracy),
``--quick`` for a few-second smoke run, ``--backend cupy`` on a GPU, ``--plot curves.png``.
"""

from __future__ import annotations

import time

import numpy as np
from _common import Progress, host, parser, save_plot, setup, to_device

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, no_grad, optim

CLASSES = ("horizontal", "vertical", "diagonal")


def bars(n: int, size: int, noise: float, rng: np.random.Generator):
    """``n`` images (n, 1, size, size) with labels 0 horizontal, 1 vertical, 2 diagonal."""
    x = noise * rng.standard_normal((n, 1, size, size))
    y = rng.integers(0, 3, n)
    for i in range(n):
        length = rng.integers(size // 2, size - 1)
        r, c = rng.integers(0, size - length + 1, 2)
        k = np.arange(length)
        if y[i] == 0:
            x[i, 0, r + length // 2, c + k] += 1.0
        elif y[i] == 1:
            x[i, 0, r + k, c + length // 2] += 1.0
        else:
            x[i, 0, r + k, c + (k if rng.random() < 0.5 else length - 1 - k)] += 1.0
    return x, y


class Net(nn.Module):
    """conv(1->8) -> relu -> maxpool -> conv(8->16) -> relu -> maxpool -> linear."""

    def __init__(self, size: int) -> None:
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        self.head = nn.Linear(16 * (size // 4) ** 2, len(CLASSES))

    def forward(self, x):
        return self.head(self.features(x))


def accuracy(model: nn.Module, x, y) -> float:
    with no_grad():
        pred = host(gnp.argmax(model(x), axis=1))
    return float((pred == host(y)).mean())


def main() -> None:
    args = parser(__doc__.splitlines()[0]).parse_args()
    setup(args)
    rng = np.random.default_rng(args.seed)
    size = 12
    n_train, n_test, epochs, batch = (512, 256, 3, 32) if args.quick else (3000, 1000, 6, 64)
    xtr, ytr = bars(n_train, size, 0.3, rng)
    xte, yte = bars(n_test, size, 0.3, rng)
    xte, yte = to_device(xte), to_device(yte)

    model = Net(size)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    print(model)
    steps = epochs * (n_train // batch)
    bar = Progress(steps, "train")

    def train_step(x, y):
        opt.zero_grad()
        loss = nn.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if args.jit:  # traced on the first call, replayed after: same updates, less overhead
        train_step = ad.jit(train_step)
    losses, accs, step = [], [], 0
    t0 = time.perf_counter()
    for epoch in range(epochs):
        perm = rng.permutation(n_train)
        for b in range(n_train // batch):
            idx = perm[b * batch:(b + 1) * batch]
            xb, yb = to_device(xtr[idx]), to_device(ytr[idx])
            loss = train_step(xb, yb)
            losses.append(float(loss))
            step += 1
            bar.update(step, loss=float(np.mean(losses[-20:])), epoch=epoch + 1)
        accs.append((step, accuracy(model, xte, yte)))
    bar.close()
    print(f"trained {epochs} epochs ({steps} steps of {batch}) in "
          f"{time.perf_counter() - t0:.1f}s; final loss {np.mean(losses[-20:]):.4f}")
    print(f"test accuracy: {accuracy(model, xte, yte):.4f}")
    save_plot(args.plot, [
        {"curves": {"train loss": losses}, "xlabel": "step", "ylabel": "cross-entropy",
         "logy": True},
        {"curves": {"test accuracy": tuple(np.array(accs).T)}, "xlabel": "step",
         "ylabel": "accuracy"},
    ], title="bars: horizontal / vertical / diagonal")


if __name__ == "__main__":
    main()
