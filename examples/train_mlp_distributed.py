"""Train the two-spirals MLP of train_mlp.py data-parallel over processes.

Run: ``mpiexec -n 2 python examples/train_mlp_distributed.py`` (any number of ranks; also runs
alone as a group of one). Each rank holds a shard of the training set, reshuffled across ranks
every epoch with a shared seed; gpuad.distributed.DataParallel averages the gradients over the
ranks, so every step is the full-batch step of train_mlp.py and the accuracy is the same
(>= 95% test accuracy). Options as train_mlp.py, plus ``--save PATH`` (an .npz checkpoint of
the parameters and the optimiser state, written by rank 0).
"""

from __future__ import annotations

import time

import numpy as np
from _common import Progress, parser, setup, to_device
from train_mlp import accuracy, two_spirals

import gpuad.distributed as dist
from gpuad import nn, optim


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--save", metavar="PATH", default=None, help="write a checkpoint here")
    args = p.parse_args()
    setup(args)  # the same seed on every rank; rank 0's initial weights are broadcast anyway
    dist.init()
    rank, world = dist.rank(), dist.world_size()
    say = print if rank == 0 else (lambda *a, **k: None)
    say(f"ranks: {world} ({dist.get_comm().name})")
    rng = np.random.default_rng(args.seed)
    n, steps = (100, 60) if args.quick else (500, 500)
    xtr, ytr = two_spirals(n, 0.02, rng)  # every rank draws the same data set ...
    xte, yte = two_spirals(n, 0.02, rng)
    xte, yte = to_device(xte), to_device(yte)

    model = dist.DataParallel(nn.MLP([2, 64, 64, 2], activation="tanh"))
    opt = optim.Adam(model.parameters(), lr=0.01)
    say(model.module)
    bar = Progress(steps, f"rank 0 of {world}") if rank == 0 else None
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        # ... and trains on its own slice of it: one epoch per full-batch step
        xs, ys = dist.shard(xtr, ytr, epoch=step, seed=args.seed)
        opt.zero_grad()
        loss = nn.cross_entropy(model(to_device(xs)), to_device(ys))
        loss.backward()  # gradients averaged over the ranks, overlapped with the backward
        opt.step()
        if step % 50 == 0 or step == steps:
            mean_loss = float(dist.all_reduce(loss.data, "mean"))  # a collective: every rank
            if bar is not None:
                bar.update(step, loss=mean_loss, test_acc=accuracy(model.module, xte, yte))
    if bar is not None:
        bar.close()
    say(f"trained {steps} steps on {2 * n} points over {world} ranks in "
        f"{time.perf_counter() - t0:.1f}s")
    say(f"train accuracy: {accuracy(model.module, to_device(xtr), to_device(ytr)):.4f}")
    say(f"test accuracy: {accuracy(model.module, xte, yte):.4f}")
    if args.save:
        dist.save(args.save, model, opt)
        say(f"checkpoint saved to {args.save}")


if __name__ == "__main__":
    main()
