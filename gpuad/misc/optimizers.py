"""Gradient-based optimizers over pytrees, as HIPS autograd's ``autograd.misc.optimizers``.

Each takes ``grad(params, iteration)`` (returning a pytree shaped like ``params``), the initial
parameters ``x0`` (nested tuples, lists and dicts of arrays), an optional
``callback(params, iteration, gradient)`` and its own hyperparameters, and returns the final
parameters in ``x0``'s structure. They run on the flattened vector (:func:`gpuad.misc.flatten`),
with the active backend's arrays; the updates are ``gpuad.numpy`` operations, so an optimizer
run can itself be differentiated (meta-optimisation).

Example::

    from gpuad import grad
    from gpuad.misc.optimizers import adam
    objective = lambda p, i: gnp.sum((p["w"] - 3.0) ** 2)
    p = adam(grad(objective), {"w": np.zeros(2)}, num_iters=500, step_size=0.1)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .. import numpy as gnp
from .flatten import flatten

GradFn = Callable[[Any, int], Any]
Callback = Callable[[Any, int, Any], Any] | None


def _on_pytrees(step_loop: Callable) -> Callable:
    """Run an optimizer written for one flat vector on pytrees of arrays."""

    @functools.wraps(step_loop)
    def optimize(grad: GradFn, x0: Any, callback: Callback = None, *args: Any,
                 **kwargs: Any) -> Any:
        x, unflatten = flatten(x0)

        def flat_grad(v, i):
            return flatten(grad(unflatten(v), i))[0]

        flat_callback = None
        if callback is not None:
            def flat_callback(v, i, g):
                return callback(unflatten(v), i, unflatten(g))

        return unflatten(step_loop(flat_grad, x, flat_callback, *args, **kwargs))

    return optimize


@_on_pytrees
def sgd(grad: GradFn, x: Any, callback: Callback = None, num_iters: int = 200,
        step_size: float = 0.1, mass: float = 0.9) -> Any:
    """Stochastic gradient descent with momentum, as autograd's ``sgd``: the velocity is an
    exponential average, ``v = mass * v - (1 - mass) * g``, and ``x = x + step_size * v``.

    Example: ``sgd(grad(loss), params, num_iters=100, step_size=0.1)``
    """
    velocity = gnp.zeros_like(x)
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        velocity = mass * velocity - (1.0 - mass) * g
        x = x + step_size * velocity
    return x


@_on_pytrees
def momentum(grad: GradFn, x: Any, callback: Callback = None, num_iters: int = 200,
             step_size: float = 0.1, mass: float = 0.9) -> Any:
    """Heavy-ball momentum as PyTorch's ``SGD(momentum=mass)``: ``v = mass * v + g`` (``v = g``
    at the first step), then ``x = x - step_size * v``.

    Example: ``momentum(grad(loss), params, num_iters=100, step_size=0.01, mass=0.9)``
    """
    velocity = None
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        velocity = g if velocity is None else mass * velocity + g
        x = x - step_size * velocity
    return x


@_on_pytrees
def rmsprop(grad: GradFn, x: Any, callback: Callback = None, num_iters: int = 100,
            step_size: float = 0.1, gamma: float = 0.9, eps: float = 1e-8) -> Any:
    """RMSProp as autograd's ``rmsprop``: the running mean of squared gradients starts at one,
    ``a = gamma * a + (1 - gamma) * g**2`` and ``x = x - step_size * g / (sqrt(a) + eps)``.

    Example: ``rmsprop(grad(loss), params, num_iters=100, step_size=0.01)``
    """
    avg_sq_grad = gnp.ones_like(x)
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        avg_sq_grad = avg_sq_grad * gamma + g**2 * (1 - gamma)
        x = x - step_size * g / (gnp.sqrt(avg_sq_grad) + eps)
    return x


@_on_pytrees
def adam(grad: GradFn, x: Any, callback: Callback = None, num_iters: int = 100,
         step_size: float = 0.001, b1: float = 0.9, b2: float = 0.999,
         eps: float = 1e-8) -> Any:
    """Adam (Kingma and Ba, 2015) as autograd's ``adam``: moment estimates ``m`` and ``v`` with
    bias correction, ``x = x - step_size * mhat / (sqrt(vhat) + eps)``.

    Example: ``adam(grad(loss), params, num_iters=1000, step_size=0.01)``
    """
    m = gnp.zeros_like(x)
    v = gnp.zeros_like(x)
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * (g**2) + b2 * v
        mhat = m / (1 - b1 ** (i + 1))
        vhat = v / (1 - b2 ** (i + 1))
        x = x - step_size * mhat / (gnp.sqrt(vhat) + eps)
    return x


__all__ = ["sgd", "momentum", "rmsprop", "adam"]
