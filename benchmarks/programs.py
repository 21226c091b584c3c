"""gpuad's programs for the chain and MLP workloads (see :mod:`benchmarks.workloads`), written
once for the benchmarks that time or lower them and the tests that check what the compiler
does with them (tests/test_remat.py).

    step = sgd_step(ps, lr=0.01)  # ps: [(W, b), ...] as Tensors, updated in place
    loss = ad.jit(step)(X, Y)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def chain(v: Any, n_ops: int = 16) -> Any:
    """``n_ops`` elementwise ops cycling through ``sin, *0.9, tanh, +0.1``, then the sum.

        ad.value_and_grad(chain)(np.ones(1000, np.float32))
    """
    import gpuad.numpy as gnp

    ops = (gnp.sin, lambda u: u * 0.9, gnp.tanh, lambda u: u + 0.1)
    for i in range(n_ops):
        v = ops[i % 4](v)
    return gnp.sum(v)


def mlp_loss(ps: Sequence[tuple[Any, Any]], X: Any, Y: Any) -> Any:
    """Dense layers ``h @ W + b`` with ReLU between them; mean-squared error against ``Y``.

        mlp_loss([(W1, b1), (W2, b2)], X, Y)
    """
    import gpuad.numpy as gnp
    from gpuad.nn.functional import relu

    h = X
    for i, (W, b) in enumerate(ps):
        h = h @ W + b
        if i < len(ps) - 1:
            h = relu(h)
    d = h - Y
    return gnp.mean(d * d)


def sgd_step(ps: Sequence[tuple[Any, Any]], lr: float) -> Callable[[Any, Any], Any]:
    """The MLP's whole training step on parameters ``ps`` (Tensors): value and gradient of
    :func:`mlp_loss`, then ``p -= lr * g`` in place; ``step(X, Y)`` returns the loss.

        step = sgd_step(ps, 0.01); step(X, Y)
    """
    import gpuad as ad

    vg = ad.value_and_grad(mlp_loss)

    def step(X, Y):
        v, g = vg(ps, X, Y)
        with ad.no_grad():
            for (W, b), (gW, gb) in zip(ps, g, strict=True):
                W -= lr * gW
                b -= lr * gb
        return v

    return step
