"""A tanh RNN over long sequences, trained with gpuad.checkpoint every k steps.

The RNN reads noisy sine waves (a random frequency and phase per sequence) and predicts the
next sample at every step. Backpropagation through time normally keeps every step's
activations; checkpointing each block of k steps keeps only the hidden state at block
boundaries and recomputes a block's activations during backward. The script prints the bytes
saved for backward with and without checkpointing (from ``gpuad.make_tape``), checks that
both give the same gradient, and trains.

Run: ``python examples/rnn_checkpoint.py`` (``--quick`` for a short smoke run).
"""

from __future__ import annotations

import math
import time

import numpy as np
from _common import Progress, host, parser, save_plot, setup, to_device

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim


def sines(t_steps: int, batch: int, rng: np.random.Generator):
    """Inputs x_t and next-step targets x_{t+1}, both (T, B, 1)."""
    w = rng.uniform(0.05, 0.2, batch)
    phi = rng.uniform(0, 2 * np.pi, batch)
    t = np.arange(t_steps + 1)[:, None]
    s = np.sin(w * t + phi) + 0.02 * rng.standard_normal((t_steps + 1, batch))
    return s[:-1, :, None], s[1:, :, None]


def run_block(h, wx, wh, b, wo, bo, xs, ys):
    """k RNN steps: h <- tanh(x Wx + h Wh + b); returns (h, summed squared error)."""
    loss = 0.0
    for t in range(xs.shape[0]):
        h = gnp.tanh(gnp.matmul(xs[t], wx) + gnp.matmul(h, wh) + b)
        err = gnp.matmul(h, wo) + bo - ys[t]
        loss = loss + gnp.sum(err * err)
    return h, loss


def make_loss(xs, ys, hidden: int, k: int | None):
    """Mean squared next-step error over the sequence; blocks of k steps are checkpointed
    (k=None: no checkpointing)."""
    t_steps, batch = xs.shape[0], xs.shape[1]
    block = ad.checkpoint(run_block) if k else run_block
    k = k or t_steps

    def loss_fn(wx, wh, b, wo, bo):
        h = gnp.zeros((batch, hidden))
        total = 0.0
        for s in range(0, t_steps, k):
            h, part = block(h, wx, wh, b, wo, bo, xs[s:s + k], ys[s:s + k])
            total = total + part
        return total / (t_steps * batch)

    return loss_fn


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=None, help="sequence length")
    p.add_argument("-k", type=int, default=None, help="steps per checkpointed block")
    args = p.parse_args()
    setup(args)
    rng = np.random.default_rng(args.seed)
    t_steps = args.steps or (60 if args.quick else 500)
    k = args.k or (10 if args.quick else int(round(math.sqrt(t_steps))))
    batch, hidden, iters = (8, 16, 15) if args.quick else (16, 32, 60)
    xs, ys = (to_device(a) for a in sines(t_steps, batch, rng))

    model = {"wx": nn.Parameter(nn.init.xavier_uniform((1, hidden))),
             "wh": nn.Parameter(nn.init.normal((hidden, hidden), std=0.9 / math.sqrt(hidden))),
             "b": nn.Parameter(nn.init.zeros((hidden,))),
             "wo": nn.Parameter(nn.init.xavier_uniform((hidden, 1))),
             "bo": nn.Parameter(nn.init.zeros((1,)))}
    params = list(model.values())
    plain = make_loss(xs, ys, hidden, None)
    ckpt = make_loss(xs, ys, hidden, k)

    b_plain = ad.make_tape(plain, *params).saved_bytes()
    b_ckpt = ad.make_tape(ckpt, *params).saved_bytes()
    print(f"sequence length {t_steps}, batch {batch}, hidden {hidden}, checkpoint every {k}")
    print(f"saved-activation bytes without checkpointing: {b_plain:,}")
    print(f"saved-activation bytes with checkpointing:    {b_ckpt:,}  "
          f"({b_plain / max(b_ckpt, 1):.1f}x less)")
    g_plain = ad.grad(plain, argnums=(0, 1, 2, 3, 4))(*params)
    g_ckpt = ad.grad(ckpt, argnums=(0, 1, 2, 3, 4))(*params)
    diff = max(float(np.max(np.abs(host(a) - host(c)))) for a, c in zip(g_plain, g_ckpt,
                                                                         strict=True))
    print(f"max |grad(plain) - grad(checkpointed)| = {diff:.2e}")

    opt = optim.Adam(params, lr=1e-2)

    def train_step():
        opt.zero_grad()
        loss = ckpt(*params)
        loss.backward()
        opt.step()
        return loss

    if args.jit:  # the checkpointed recomputation is traced too, and replayed
        train_step = ad.jit(train_step)
    losses = []
    bar = Progress(iters, "train")
    t0 = time.perf_counter()
    for it in range(1, iters + 1):
        loss = train_step()
        losses.append(float(loss))
        bar.update(it, loss=losses[-1])
    bar.close()
    print(f"trained {iters} iterations in {time.perf_counter() - t0:.1f}s")
    print(f"loss: initial {losses[0]:.4f}, final {losses[-1]:.4f}")
    save_plot(args.plot, [{"curves": {"train loss": losses}, "xlabel": "iteration",
                           "ylabel": "mean squared error", "logy": True}],
              title=f"tanh RNN, T={t_steps}, checkpoint every {k}")


if __name__ == "__main__":
    main()
