"""Per-example gradients with ``gpuad.vmap(gpuad.grad(loss))``: DP-SGD-style training of an MLP.

Differentially private SGD needs each example's gradient on its own: it clips every one to norm
``C``, averages them, adds Gaussian noise of scale ``sigma * C`` and steps. ``vmap(grad(loss))``
computes the whole batch of per-example gradients as one batched program; the script checks them
against a Python loop of ``grad`` calls, one per example, and reports both timings.

Run: ``python examples/per_example_gradients.py`` (full run), ``--quick`` for a few-second smoke
run, ``--backend cupy`` on a GPU.
"""

from __future__ import annotations

import time

import numpy as np
from _common import Progress, host, parser, setup, to_device

import gpuad as ad
import gpuad.numpy as gnp


def blobs(n: int, centres: np.ndarray, rng: np.random.Generator):
    """``n`` points around the rows of ``centres`` (one class each); one-hot labels too."""
    classes = len(centres)
    y = rng.integers(0, classes, n)
    x = centres[y] + rng.standard_normal((n, centres.shape[1]))
    return x, np.eye(classes)[y], y


def init(sizes: list[int], rng: np.random.Generator) -> list:
    return [(to_device(rng.standard_normal((a, b)) / np.sqrt(a)), to_device(np.zeros(b)))
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


def logits(params, x):
    h = x
    for i, (W, b) in enumerate(params):
        h = h @ W + b
        if i < len(params) - 1:
            h = gnp.tanh(h)
    return h


def loss(params, x, y):
    """Cross-entropy of one example (``x`` of shape (dim,), one-hot ``y``)."""
    z = logits(params, x)
    m = gnp.max(z)
    return gnp.log(gnp.sum(gnp.exp(z - m))) + m - gnp.sum(y * z)


per_example_grads = ad.vmap(ad.grad(loss), in_axes=(None, 0, 0))


def norms(grads):
    """Each example's gradient norm over all parameters: shape (batch,)."""
    sq = 0.0
    for gW, gb in grads:
        sq = sq + gnp.sum(gW ** 2, axis=(1, 2)) + gnp.sum(gb ** 2, axis=1)
    return gnp.sqrt(sq)


def private_step(params, x, y, clip: float, sigma: float, lr: float, rng):
    """One DP-SGD step: clip each example's gradient to norm ``clip``, average, add noise."""
    grads = per_example_grads(params, x, y)
    n = norms(grads)
    scale = gnp.minimum(1.0, clip / (n + 1e-12))  # per example
    batch = x.shape[0]
    new = []
    for (W, b), (gW, gb) in zip(params, grads, strict=True):
        mW = gnp.sum(gW * scale[:, None, None], axis=0)
        mb = gnp.sum(gb * scale[:, None], axis=0)
        mW = (mW + sigma * clip * to_device(rng.standard_normal(W.shape))) / batch
        mb = (mb + sigma * clip * to_device(rng.standard_normal(b.shape))) / batch
        new.append((W - lr * mW, b - lr * mb))
    return new, host(n)


def accuracy(params, x, labels) -> float:
    return float((host(gnp.argmax(logits(params, x), axis=1)) == labels).mean())


def check_against_loop(params, x, y) -> tuple[float, float, float]:
    """Largest difference between vmap(grad) and a loop of grad calls; both timings."""
    t0 = time.perf_counter()
    batched = per_example_grads(params, x, y)
    t_vmap = time.perf_counter() - t0
    g = ad.grad(loss)
    t0 = time.perf_counter()
    looped = [g(params, x[i], y[i]) for i in range(x.shape[0])]
    t_loop = time.perf_counter() - t0
    diff = 0.0
    for k, (gW, gb) in enumerate(batched):
        lW = np.stack([host(e[k][0]) for e in looped])
        lb = np.stack([host(e[k][1]) for e in looped])
        diff = max(diff, float(np.abs(host(gW) - lW).max()), float(np.abs(host(gb) - lb).max()))
    return diff, t_vmap, t_loop


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--clip", type=float, default=1.0, help="per-example gradient norm bound C")
    p.add_argument("--sigma", type=float, default=0.5, help="noise multiplier")
    args = p.parse_args()
    setup(args)
    rng = np.random.default_rng(args.seed)
    n, dim, classes, batch, steps = (256, 8, 3, 32, 20) if args.quick else \
        (4096, 20, 5, 256, 400)
    centres = rng.standard_normal((classes, dim)) * 0.6
    x, y1h, labels = blobs(n, centres, rng)
    xte, _, lte = blobs(n, centres, rng)
    xd, yd, xted = to_device(x), to_device(y1h), to_device(xte)
    params = init([dim, 64, 64, classes], rng)

    diff, t_vmap, t_loop = check_against_loop(params, xd[:batch], yd[:batch])
    print(f"per-example gradients, batch {batch}: vmap(grad) {t_vmap * 1e3:.1f} ms, loop of "
          f"grad {t_loop * 1e3:.1f} ms; largest difference {diff:.2e}")
    print(f"vmap(grad) matches the per-example loop: {diff < 1e-10}")

    bar = Progress(steps, "dp-sgd")
    clipped = []
    for step in range(1, steps + 1):
        idx = rng.choice(n, batch, replace=False)
        params, nrm = private_step(params, xd[idx], yd[idx], args.clip, args.sigma, 0.5, rng)
        clipped.append(float((nrm > args.clip).mean()))
        if step % 10 == 0 or step == steps:
            bar.update(step, clipped=clipped[-1])
    bar.close()
    print(f"fraction of examples clipped: first step {clipped[0]:.2f}, last {clipped[-1]:.2f}")
    print(f"test accuracy: {accuracy(params, xted, lte):.4f} "
          f"(clip C={args.clip}, noise multiplier {args.sigma})")


if __name__ == "__main__":
    main()
