"""Checks run on every rank of ``mpiexec -n N python tests/mpi/checks.py OUTDIR [BUCKET_MB]``
(started by tests/test_distributed.py). Each check raises on failure; the last line of each
rank's output is ``rank R: all checks passed``."""

from __future__ import annotations

import os
import sys

import numpy as np

import gpuad as ad
import gpuad.distributed as dist
import gpuad.numpy as gnp
from gpuad import nn, optim

OUT = sys.argv[1]
BUCKET_MB = float(sys.argv[2]) if len(sys.argv) > 2 else 25.0
comm = dist.init("mpi")
R, W = dist.rank(), dist.world_size()


def close(a, b, what, rtol=1e-12, atol=1e-13):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
        err = np.max(np.abs(a - b)) if a.shape == b.shape else "shapes differ"
        raise AssertionError(f"rank {R}: {what}: {a.shape} vs {b.shape}, max error {err}")


def total(v) -> float:
    """The sum over ranks of the number v."""
    return float(dist.all_reduce(np.array([float(v)]))[0])


def check_collectives() -> None:
    """Values against NumPy on the gathered inputs, and every adjoint by the dot-product test
    sum_r <A(x)_r, g_r> == sum_r <x_r, A^T(g)_r>, which holds only for the true transpose."""
    rng = np.random.default_rng(100 + R)
    x0 = rng.standard_normal((3, 2))
    every = dist.all_gather(x0)  # raw arrays: (W, 3, 2)
    close(every[R], x0, "all_gather puts each rank's array at its rank")
    cases = {
        "all_reduce sum": (lambda x: dist.all_reduce(x), every.sum(0)),
        "all_reduce mean": (lambda x: dist.all_reduce(x, "mean"), every.mean(0)),
        "broadcast": (lambda x: dist.broadcast(x, root=W - 1), every[W - 1]),
        "reduce": (lambda x: dist.reduce(x, root=1 % W),
                   every.sum(0) if R == 1 % W else np.zeros_like(x0)),
        "all_gather": (lambda x: dist.all_gather(x), every),
    }
    for name, (op, want) in cases.items():
        x = ad.tensor(x0, requires_grad=True)
        y = op(x)
        close(y.numpy(), want, f"{name} value")
        g = rng.standard_normal(y.shape)
        y.backward(g)
        lhs = total(np.sum(y.numpy() * g))
        rhs = total(np.sum(x0 * x.grad.numpy()))
        close(lhs, rhs, f"{name}: adjoint (dot-product test)", rtol=1e-11)
    parts = rng.standard_normal((W, 4))
    x = ad.tensor(parts, requires_grad=True)
    y = dist.reduce_scatter(x)
    close(y.numpy(), dist.all_gather(parts)[:, R].sum(0), "reduce_scatter value")
    g = rng.standard_normal(4)
    y.backward(g)
    close(total(np.sum(y.numpy() * g)), total(np.sum(parts * x.grad.numpy())),
          "reduce_scatter: adjoint (dot-product test)", rtol=1e-11)
    # forward mode and a second derivative through a collective
    t0 = rng.standard_normal((3, 2))
    _, t = ad.jvp(lambda x: dist.all_reduce(x), (x0,), (t0,))
    close(np.asarray(t.numpy() if hasattr(t, "numpy") else t), dist.all_gather(t0).sum(0),
          "jvp of all_reduce")
    c = float(R + 1)
    v = rng.standard_normal((3, 2))
    f = lambda x: gnp.sum(c * dist.all_reduce(x) ** 2)  # noqa: E731
    hv = ad.grad(lambda x: gnp.sum(ad.grad(f)(x) * v))(ad.tensor(x0))
    want = 2 * total(c) * dist.all_gather(v).sum(0)  # d/dx_r of sum_r <2 C y, v_r>
    close(np.asarray(hv.numpy() if hasattr(hv, "numpy") else hv), want,
          "second derivative through all_reduce", rtol=1e-10)
    try:
        dist.all_reduce(ad.tensor(x0, requires_grad=True), "max").sum().backward()
    except ad.MissingRuleError:
        pass
    else:
        raise AssertionError("all_reduce(max) differentiated without an error")


def make_model(seed: int) -> nn.Module:
    gnp.random.seed(seed)
    return nn.MLP([5, 7, 6, 3], activation="tanh")


def data(n_per_rank: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((W * n_per_rank, 5))
    y = rng.integers(0, 3, W * n_per_rank)
    return x, y


def reference_grads(params, x, y) -> list[np.ndarray]:
    """One process's gradients of the mean loss on the whole (concatenated) batch."""
    ps = [ad.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    model = make_model(0)
    for mine, p in zip(model.parameters(), ps, strict=True):
        mine.data[...] = p.data
    nn.cross_entropy(model(x), y).backward()
    return [p.grad.numpy() for p in model.parameters()]


def check_data_parallel() -> None:
    model = make_model(seed=R)  # different initial weights: rank 0's must win
    dp = dist.DataParallel(model, bucket_mb=BUCKET_MB)
    for p in dp.parameters():
        close(dist.all_gather(p.numpy()), np.broadcast_to(p.numpy(), (W,) + p.shape),
              "parameters equal on every rank after the start")
    x, y = data(4)
    mine = slice(4 * R, 4 * R + 4)
    nn.cross_entropy(dp(x[mine]), y[mine]).backward()
    want = reference_grads(dp.parameters(), x, y)
    for p, w in zip(dp.parameters(), want, strict=True):
        close(p.grad.numpy(), w, "averaged gradient == one process on the concatenated batch")
    ev = [e for e in dp.events if e[0] == dp.sweeps]
    launches = [e[3] for e in ev if e[1] == "launch"]
    end = [e[3] for e in ev if e[1] == "sweep_end"][0]
    if len(dp.buckets) > 1 and not min(launches) < end:
        raise AssertionError(f"rank {R}: no bucket started before the sweep ended: {ev}")
    print(f"rank {R}: {len(dp.buckets)} buckets of {[len(b.params) for b in dp.buckets]} "
          f"parameters; all-reduces started at sweep steps {launches}, sweep ended at {end}")

    # gradient accumulation: no_sync on the first micro-batch, averaging on the second
    for p in dp.parameters():
        p.grad = None
    x2, y2 = data(4, seed=1)
    with dp.no_sync():
        nn.cross_entropy(dp(x[mine]), y[mine]).backward()
    local = dp.parameters()[0].grad.numpy().copy()
    nn.cross_entropy(dp(x2[mine]), y2[mine]).backward()
    want2 = reference_grads(dp.parameters(), x2, y2)
    for p, a, b in zip(dp.parameters(), want, want2, strict=True):
        close(p.grad.numpy(), a + b, "no_sync then a synced backward: the mean of the sums")
    if W > 1 and np.allclose(local, want[0]):
        raise AssertionError("no_sync averaged the gradient")
    dp.close()

    # training with an optimiser: every rank stays equal to one process on the whole batch
    model = make_model(seed=R)
    dp = dist.DataParallel(model, bucket_mb=BUCKET_MB)
    single = make_model(0)
    for a, b in zip(single.parameters(), dp.parameters(), strict=True):
        a.data[...] = b.data
    opt, opt1 = optim.Adam(dp.parameters(), lr=0.05), optim.Adam(single.parameters(), lr=0.05)
    for step in range(3):
        xs, ys = data(3, seed=10 + step)
        part = slice(3 * R, 3 * R + 3)
        opt.zero_grad()
        nn.cross_entropy(dp(xs[part]), ys[part]).backward()
        opt.step()
        opt1.zero_grad()
        nn.cross_entropy(single(xs), ys).backward()
        opt1.step()
    for a, b in zip(single.parameters(), dp.parameters(), strict=True):
        close(b.numpy(), a.numpy(), "Adam with DataParallel == Adam on the whole batch",
              rtol=1e-9, atol=1e-11)
    path = os.path.join(OUT, "ckpt.npz")
    dist.save(path, dp, opt)
    fresh = make_model(seed=99)
    opt2 = optim.Adam(fresh.parameters(), lr=0.05)
    dist.load(path, fresh, opt2)
    for a, b in zip(fresh.parameters(), dp.parameters(), strict=True):
        close(a.numpy(), b.numpy(), "parameters loaded from the checkpoint")
    close(np.asarray(opt2.state[0]["m"]), np.asarray(opt.state[0]["m"]), "Adam state loaded")
    dp.close()


def check_jit_step() -> None:
    """A training step compiled by gpuad.jit (forward, backward with the bucketed all-reduce,
    Adam) gives the parameters of the same step run eagerly with DataParallel, call after call;
    inside no_sync() it is compiled again and does not average."""
    dps, opts = [], []
    for _ in range(2):
        dp = dist.DataParallel(make_model(seed=R), bucket_mb=BUCKET_MB)
        dps.append(dp)
        opts.append(optim.Adam(dp.parameters(), lr=0.05))

    def step(dp, opt, x, y):
        opt.zero_grad()
        loss = nn.cross_entropy(dp(x), y)
        loss.backward()
        opt.step()
        return loss

    compiled = ad.jit(lambda x, y: step(dps[1], opts[1], x, y))
    part = slice(3 * R, 3 * R + 3)
    for k in range(3):
        xs, ys = data(3, seed=20 + k)
        want = step(dps[0], opts[0], xs[part], ys[part])
        got = compiled(xs[part], ys[part])
        close(np.asarray(got), want.numpy(), "compiled step: loss")
        for a, b in zip(dps[0].parameters(), dps[1].parameters(), strict=True):
            close(b.numpy(), a.numpy(), "compiled DataParallel step == eager", rtol=1e-12)
    prog = str(compiled.lower(xs[part], ys[part]))
    if prog.count("all_reduce(") != len(dps[1].buckets):
        raise AssertionError(f"rank {R}: expected one all-reduce step per bucket:\n{prog}")
    xs, ys = data(3, seed=30)
    for dp, opt in ((dps[0], opts[0]), (dps[1], opts[1])):
        with dp.no_sync():
            if dp is dps[0]:
                step(dp, opt, xs[part], ys[part])
            else:
                compiled(xs[part], ys[part])
    if compiled.cache_info()["misses"] != 2:
        raise AssertionError("no_sync did not make a new signature for the compiled step")
    for a, b in zip(dps[0].parameters(), dps[1].parameters(), strict=True):
        close(b.numpy(), a.numpy(), "compiled step inside no_sync == eager", rtol=1e-12)
        close(b.grad.numpy(), a.grad.numpy(), "no_sync: this rank's own gradient", rtol=1e-12)
    for dp in dps:
        dp.close()


def check_unused() -> None:
    """A parameter used on rank 0 only gets rank 0's gradient / W; one used by no rank keeps
    .grad None; one this rank's loss never reaches contributes zeros."""
    a = ad.tensor(np.ones(3), requires_grad=True)
    b = ad.tensor(np.full(3, 2.0), requires_grad=True)
    never = ad.tensor(np.zeros(2), requires_grad=True)
    dp = dist.DataParallel([a, b, never], bucket_mb=BUCKET_MB)
    loss = gnp.sum(a * (R + 1.0))
    if R == 0:
        loss = loss + gnp.sum(b ** 2)
    loss.backward()
    close(a.grad.numpy(), np.full(3, sum(range(1, W + 1)) / W), "used everywhere")
    close(b.grad.numpy(), np.full(3, 4.0 / W), "used on rank 0 only")
    if never.grad is not None:
        raise AssertionError("a parameter no rank used got a gradient")
    dp.close()


def check_shard() -> None:
    s = dist.ShardedSampler(23, seed=5)
    e0, e1 = s.indices(0), s.indices(1)
    all0 = np.concatenate(dist.get_comm().all_gather_object(e0.tolist()))
    if len(set(all0.tolist())) != len(all0) or len(all0) != (23 // W) * W:
        raise AssertionError(f"rank {R}: shards overlap or miss examples: {all0}")
    if np.array_equal(e0, e1):
        raise AssertionError("the shard was not reshuffled between epochs")


check_collectives()
check_data_parallel()
check_jit_step()
check_unused()
check_shard()
dist.barrier()
print(f"rank {R}: all checks passed", flush=True)
