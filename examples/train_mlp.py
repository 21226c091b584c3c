"""Train an MLP classifier on two interleaved spirals with gpuad.nn and gpuad.optim.

Run: ``python examples/train_mlp.py`` (full run, >= 95% test accuracy),
``--quick`` for a few-second smoke run, ``--backend cupy`` on a GPU, ``--plot curves.png``,
``--jit`` to compile the training step with ``gpuad.jit``.
"""

from __future__ import annotations

import time

import numpy as np
from _common import Progress, host, parser, save_plot, setup, to_device

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, no_grad, optim


def two_spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points per class on two interleaved spirals (1.5 turns each), with noise."""
    t = np.sqrt(rng.uniform(0.02, 1.0, n)) * 3.0 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], 1) / (3.0 * np.pi)
    x = np.concatenate([arm, -arm]) + noise * rng.standard_normal((2 * n, 2))
    y = np.concatenate([np.zeros(n, int), np.ones(n, int)])
    return x, y


def accuracy(model: nn.Module, x, y) -> float:
    with no_grad():
        pred = host(gnp.argmax(model(x), axis=1))
    return float((pred == host(y)).mean())


def main() -> None:
    args = parser(__doc__.splitlines()[0]).parse_args()
    setup(args)
    rng = np.random.default_rng(args.seed)
    n, steps = (100, 60) if args.quick else (500, 500)
    xtr, ytr = two_spirals(n, 0.02, rng)
    xte, yte = two_spirals(n, 0.02, rng)
    xtr, ytr, xte, yte = map(to_device, (xtr, ytr, xte, yte))

    model = nn.MLP([2, 64, 64, 2], activation="tanh")
    opt = optim.Adam(model.parameters(), lr=0.01)
    print(model)

    def train_step(x, y):
        opt.zero_grad()
        loss = nn.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if args.jit:  # traced on the first call, replayed after: same updates, less overhead
        train_step = ad.jit(train_step)
    losses, accs = [], []
    bar = Progress(steps, "train")
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        loss = train_step(xtr, ytr)
        losses.append(float(loss))
        if step % 50 == 0 or step == steps:
            accs.append((step, accuracy(model, xte, yte)))
            bar.update(step, loss=losses[-1], test_acc=accs[-1][1])
    bar.close()
    print(f"trained {steps} full-batch steps on {2 * n} points in "
          f"{time.perf_counter() - t0:.1f}s; final loss {losses[-1]:.4f}")
    print(f"train accuracy: {accuracy(model, xtr, ytr):.4f}")
    print(f"test accuracy: {accuracy(model, xte, yte):.4f}")
    save_plot(args.plot, [
        {"curves": {"train loss": losses}, "xlabel": "step", "ylabel": "cross-entropy",
         "logy": True},
        {"curves": {"test accuracy": tuple(np.array(accs).T)}, "xlabel": "step",
         "ylabel": "accuracy"},
    ], title="two spirals")


if __name__ == "__main__":
    main()
