"""Fit the spring constant and damping of a simulated mass-spring system to a trajectory.

A unit mass on a damped spring, x'' = -k x - c x', is integrated for 1000 steps with
semi-implicit Euler for a few initial conditions at once. The loss is the mean squared distance
to a target trajectory made with the true (k, c) plus measurement noise; its gradient with
respect to (k, c) flows back through all 1000 steps, with ``gpuad.checkpoint`` over chunks of
steps so only the chunk boundaries are kept. Adam on (log k, log c) fits the parameters.

Run: ``python examples/physics.py`` (``--quick`` for a short smoke run).
"""

from __future__ import annotations

import math
import time

import numpy as np
from _common import Progress, host, parser, save_plot, setup, to_device

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optim

TRUE_K, TRUE_C = 4.0, 0.3
DT = 0.01


def simulate_chunk(x, v, k, c, target):
    """Advance len(target) steps; returns the new state and the summed squared error."""
    decay, stiff = 1.0 - DT * c, DT * k
    xs = []
    for _ in range(target.shape[0]):
        v = decay * v - stiff * x  # v += dt * (-k x - c v)
        x = x + DT * v
        xs.append(x)
    d = gnp.stack(xs) - target
    return x, v, gnp.sum(d * d)


def trajectory(x0, v0, k, c, n_steps):
    """Positions (n_steps, B) for plotting and for making the target (no gradient)."""
    xs, x, v = [], x0, v0
    for _ in range(n_steps):
        v = v + DT * (-k * x - c * v)
        x = x + DT * v
        xs.append(host(x))
    return np.stack(xs)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--chunk", type=int, default=50, help="steps per checkpointed chunk")
    args = p.parse_args()
    setup(args)
    rng = np.random.default_rng(args.seed)
    n_steps, iters = (200, 25) if args.quick else (1000, 60)
    x0 = np.array([1.0, -0.5, 0.2, 0.0])
    v0 = np.array([0.0, 1.0, -1.5, 2.0])
    target_np = trajectory(x0, v0, TRUE_K, TRUE_C, n_steps)
    target_np = target_np + 0.01 * rng.standard_normal(target_np.shape)
    target, x0d, v0d = to_device(target_np), to_device(x0), to_device(v0)
    chunk = ad.checkpoint(simulate_chunk)

    def loss_fn(log_k, log_c):
        k, c = gnp.exp(log_k), gnp.exp(log_c)
        x, v, total = x0d, v0d, 0.0
        for s in range(0, n_steps, args.chunk):
            x, v, err = chunk(x, v, k, c, target[s:s + args.chunk])
            total = total + err
        return total / target_np.size

    k0, c0 = 3.3, 0.8
    log_k = ad.tensor(math.log(k0), requires_grad=True)
    log_c = ad.tensor(math.log(c0), requires_grad=True)
    print(f"{n_steps} steps of dt={DT}, {len(x0)} trajectories, checkpoint every {args.chunk}")
    print(f"initial guess: k = {k0:.4f}, c = {c0:.4f}")
    opt = optim.Adam([log_k, log_c], lr=0.1)
    history, bar = [], Progress(iters, "fit")
    t0 = time.perf_counter()
    for it in range(1, iters + 1):
        opt.lr = 0.1 * 0.05 ** ((it - 1) / iters)  # decay the step size to 1/20
        opt.zero_grad()
        loss = loss_fn(log_k, log_c)
        loss.backward()
        opt.step()
        history.append(float(loss))
        bar.update(it, loss=history[-1], k=math.exp(float(log_k)), c=math.exp(float(log_c)))
    bar.close()
    k_fit, c_fit = math.exp(float(log_k)), math.exp(float(log_c))
    print(f"fitted in {time.perf_counter() - t0:.1f}s; final loss {history[-1]:.3e} "
          f"(noise floor {1e-4:.1e})")
    print(f"fitted k = {k_fit:.4f} (true {TRUE_K}), fitted c = {c_fit:.4f} (true {TRUE_C})")
    fit = trajectory(x0, v0, k_fit, c_fit, n_steps)
    t = DT * np.arange(1, n_steps + 1)
    save_plot(args.plot, [
        {"curves": {"target": (t, target_np[:, 0]), "fitted": (t, fit[:, 0]),
                    "initial guess": (t, trajectory(x0, v0, k0, c0, n_steps)[:, 0])},
         "xlabel": "time", "ylabel": "position"},
        {"curves": {"loss": history}, "xlabel": "iteration", "ylabel": "mse", "logy": True},
    ], title="damped mass-spring fit")


if __name__ == "__main__":
    main()
