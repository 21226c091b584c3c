"""Fit an MLP to a 2-D function with ``gpuad.optax``: a JAX training program ported as it is.

The port changes the imports only (``import gpuad.numpy as jnp`` for ``jax.numpy``, ``ad.``
for ``jax.``, ``from gpuad import optax`` for ``import optax``): parameters are a dict of
arrays, ``optax.adamw`` with a warm-up cosine schedule, a jitted ``train_step(params,
opt_state, x, y)`` built from ``value_and_grad``, ``opt.update`` and ``optax.apply_updates``.

Run: ``python examples/train_regression_optax.py`` (full run), ``--quick`` for a few-second
smoke run, ``--backend cupy`` on a GPU, ``--jit`` to compile the step, ``--plot curve.png``.
"""

from __future__ import annotations

import time

import numpy as np
from _common import host, parser, save_plot, setup, to_device

import gpuad as ad
import gpuad.numpy as jnp
from gpuad import optax


def make_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of ``sin(3 x0) + x1**2`` on ``[-1, 1]**2``."""
    x = rng.uniform(-1, 1, (n, 2))
    return x, np.sin(3 * x[:, :1]) + x[:, 1:] ** 2


def init_params(rng: np.random.Generator, hidden: int) -> dict:
    return {
        "w1": rng.standard_normal((2, hidden)) * 0.5,
        "b1": np.zeros(hidden),
        "w2": rng.standard_normal((hidden, 1)) * (1 / np.sqrt(hidden)),
        "b2": np.zeros(1),
    }


def mlp(params: dict, x):
    h = jnp.tanh(x @ params["w1"] + params["b1"])
    return h @ params["w2"] + params["b2"]


def train(
    params, x, y, steps: int, peak_lr: float, warmup: int, weight_decay: float, jit: bool = True
) -> tuple[dict, list[float]]:
    """``steps`` full-batch AdamW steps; the parameters and the loss before each step."""
    schedule = optax.warmup_cosine_decay_schedule(0.0, peak_lr, warmup, steps)
    opt = optax.adamw(schedule, weight_decay=weight_decay)

    def loss_fn(params, x, y):
        return jnp.mean(optax.squared_error(mlp(params, x), y))

    def train_step(params, opt_state, x, y):
        loss, grads = ad.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    step = ad.jit(train_step) if jit else train_step
    opt_state, curve = opt.init(params), []
    for _ in range(steps):
        params, opt_state, loss = step(params, opt_state, x, y)
        curve.append(float(loss))
    return params, curve


def main() -> None:
    args = parser(__doc__.splitlines()[0]).parse_args()
    setup(args)
    rng = np.random.default_rng(args.seed)
    n, steps = (64, 60) if args.quick else (1024, 2000)
    x, y = make_data(n, rng)
    params = {k: to_device(v) for k, v in init_params(rng, 32).items()}
    start = time.perf_counter()
    params, curve = train(
        params, to_device(x), to_device(y), steps, 0.05, steps // 10, 1e-4, jit=args.jit
    )
    x_test, y_test = make_data(256, rng)
    test = float(np.mean((host(mlp(params, to_device(x_test))) - y_test) ** 2))
    print(
        f"loss {curve[0]:.4f} -> {curve[-1]:.4f}, test mse {test:.4f}, "
        f"{time.perf_counter() - start:.1f}s"
    )
    save_plot(
        args.plot,
        [{"curves": {"train": curve}, "xlabel": "step", "ylabel": "mse", "logy": True}],
        "MLP regression with gpuad.optax",
    )


if __name__ == "__main__":
    main()
