"""Neural network layers as ``(init_fun, apply_fun)`` pairs, with the names and conventions of
``jax.example_libraries.stax``.

``init_fun(rng, input_shape)`` returns ``(output_shape, params)`` (``rng`` a
:mod:`gpuad.random` key; a ``-1`` in the shape stands for the batch size), and
``apply_fun(params, inputs, **kwargs)`` the outputs. ``serial`` and ``parallel`` combine
layers; parameters are tuples and lists of arrays, a pytree for the transforms and
:mod:`gpuad.example_libraries.optimizers`. Initial values follow JAX's distributions (not its
bits: see :mod:`gpuad.random`).

Example::

    init_fun, predict = stax.serial(Dense(128), Relu, Dense(10), LogSoftmax)
    _, params = init_fun(gpuad.random.PRNGKey(0), (-1, 784))
    log_probs = predict(params, images)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import numpy as gnp
from .. import random as _random
from ..nn import functional as _F

Initializer = Callable[[Any, tuple[int, ...]], Any]

# ---- initializers (jax.nn.initializers) -------------------------------------------------------


def zeros(key: Any, shape: Any, dtype: Any = float) -> Any:
    """Zeros (the key is unused)."""
    return gnp.zeros(shape, dtype)


def ones(key: Any, shape: Any, dtype: Any = float) -> Any:
    """Ones (the key is unused)."""
    return gnp.ones(shape, dtype)


def normal(stddev: float = 1e-2) -> Initializer:
    """Normal samples with standard deviation ``stddev``."""
    return lambda key, shape, dtype=float: stddev * _random.normal(key, shape, dtype)


def _fans(shape: tuple[int, ...], in_axis: int, out_axis: int) -> tuple[float, float]:
    receptive = math.prod(
        s for i, s in enumerate(shape) if i not in (in_axis % len(shape), out_axis % len(shape))
    )
    return shape[in_axis] * receptive, shape[out_axis] * receptive


def variance_scaling(
    scale: float, mode: str, distribution: str, in_axis: int = -2, out_axis: int = -1
) -> Initializer:
    """Samples with variance ``scale / fan`` (``fan_in``, ``fan_out`` or ``fan_avg``) from a
    ``truncated_normal`` (cut at two standard deviations), ``normal`` or ``uniform``."""

    def init(key, shape, dtype=float):
        shape = tuple(shape)
        fan_in, fan_out = _fans(shape, in_axis, out_axis)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        var = scale / fan
        if distribution == "truncated_normal":
            std = math.sqrt(var) / 0.87962566103423978  # the std of N(0, 1) cut at +-2
            return std * _random.truncated_normal(key, -2.0, 2.0, shape, dtype)
        if distribution == "normal":
            return math.sqrt(var) * _random.normal(key, shape, dtype)
        if distribution == "uniform":
            lim = math.sqrt(3 * var)
            return _random.uniform(key, shape, dtype, minval=-lim, maxval=lim)
        raise ValueError(f"variance_scaling: unknown distribution {distribution!r}")

    return init


def glorot_normal(in_axis: int = -2, out_axis: int = -1) -> Initializer:
    """Glorot (Xavier) normal: truncated normal with variance ``2 / (fan_in + fan_out)``."""
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis)


def glorot_uniform(in_axis: int = -2, out_axis: int = -1) -> Initializer:
    """Glorot (Xavier) uniform."""
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis)


def he_normal(in_axis: int = -2, out_axis: int = -1) -> Initializer:
    """He (Kaiming) normal: truncated normal with variance ``2 / fan_in``."""
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis)


# ---- layers -----------------------------------------------------------------------------------


def Dense(
    out_dim: int,
    W_init: Initializer | None = None,  # noqa: N802, N803
    b_init: Initializer | None = None,
) -> tuple[Callable, Callable]:
    """A fully connected layer ``inputs @ W + b`` with ``out_dim`` outputs."""
    W_init = glorot_normal() if W_init is None else W_init  # noqa: N806
    b_init = normal() if b_init is None else b_init

    def init_fun(rng, input_shape):
        k1, k2 = _random.split(rng)
        return (*input_shape[:-1], out_dim), (
            W_init(k1, (input_shape[-1], out_dim)),
            b_init(k2, (out_dim,)),
        )

    def apply_fun(params, inputs, **kwargs):
        W, b = params  # noqa: N806
        return gnp.matmul(inputs, W) + b

    return init_fun, apply_fun


def elementwise(fun: Callable, **fun_kwargs: Any) -> tuple[Callable, Callable]:
    """A layer without parameters applying ``fun(x, **fun_kwargs)``."""
    return (
        lambda rng, input_shape: (input_shape, ()),
        lambda params, inputs, **kwargs: fun(inputs, **fun_kwargs),
    )


def _log_softmax(x, axis=-1):
    from ..scipy.special import logsumexp

    return x - logsumexp(x, axis=axis, keepdims=True)


def _softmax(x, axis=-1):
    return gnp.exp(_log_softmax(x, axis))


def _elu(x, alpha=1.0):
    return gnp.where(x > 0, x, alpha * gnp.expm1(gnp.where(x > 0, 0.0, x)))


def _selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * _elu(x, alpha)


def _softplus(x):
    return gnp.logaddexp(x, 0.0)


Tanh = elementwise(gnp.tanh)
Relu = elementwise(_F.relu)
Exp = elementwise(gnp.exp)
LogSoftmax = elementwise(_log_softmax, axis=-1)
Softmax = elementwise(_softmax, axis=-1)
Softplus = elementwise(_softplus)
Sigmoid = elementwise(_F.sigmoid)
Elu = elementwise(_elu)
LeakyRelu = elementwise(_F.leaky_relu)
Selu = elementwise(_selu)
Gelu = elementwise(_F.gelu)


def _flatten_init(rng, input_shape):
    return (input_shape[0], math.prod(input_shape[1:])), ()


def _flatten_apply(params, inputs, **kwargs):
    return gnp.reshape(inputs, (inputs.shape[0], -1))


Flatten = (_flatten_init, _flatten_apply)
Identity = (lambda rng, input_shape: (input_shape, ()), lambda params, inputs, **kwargs: inputs)


def Dropout(rate: float, mode: str = "train") -> tuple[Callable, Callable]:  # noqa: N802
    """Dropout keeping each value with probability ``rate`` (JAX's convention: ``rate`` is the
    keep probability), scaling the kept ones by ``1 / rate``; ``apply_fun`` needs ``rng=key``
    in ``mode="train"`` and is the identity otherwise."""

    def apply_fun(params, inputs, rng=None, **kwargs):
        if mode != "train":
            return inputs
        if rng is None:
            raise ValueError(
                "Dropout: apply_fun needs rng=key in train mode (a "
                "gpuad.random key); pass mode='test' to turn dropout off"
            )
        keep = _random.bernoulli(rng, rate, inputs.shape)
        return gnp.where(keep, inputs / rate, 0.0)

    return lambda rng, input_shape: (input_shape, ()), apply_fun


def FanOut(num: int) -> tuple[Callable, Callable]:  # noqa: N802
    """``num`` copies of the input (for :func:`parallel`)."""
    return (
        lambda rng, input_shape: ([input_shape] * num, ()),
        lambda params, inputs, **kwargs: [inputs] * num,
    )


def _fan_in_sum_init(rng, input_shape):
    return input_shape[0], ()


FanInSum = (_fan_in_sum_init, lambda params, inputs, **kwargs: sum(inputs[1:], inputs[0]))


def FanInConcat(axis: int = -1) -> tuple[Callable, Callable]:  # noqa: N802
    """Concatenate a list of inputs along ``axis``."""

    def init_fun(rng, input_shape):
        ax = axis % len(input_shape[0])
        size = sum(s[ax] for s in input_shape)
        return (*input_shape[0][:ax], size, *input_shape[0][ax + 1 :]), ()

    return init_fun, lambda params, inputs, **kwargs: gnp.concatenate(inputs, axis)


def _split_rng(rng: Any, n: int) -> list:
    return list(_random.split(rng, n)) if rng is not None else [None] * n


def serial(*layers: tuple[Callable, Callable]) -> tuple[Callable, Callable]:
    """Layers applied one after the other; their parameters as a list."""
    inits, applies = zip(*layers, strict=True) if layers else ((), ())

    def init_fun(rng, input_shape):
        params = []
        for init, key in zip(inits, _split_rng(rng, len(inits)), strict=True):
            input_shape, p = init(key, input_shape)
            params.append(p)
        return input_shape, params

    def apply_fun(params, inputs, **kwargs):
        rngs = _split_rng(kwargs.pop("rng", None), len(applies))
        for fun, p, key in zip(applies, params, rngs, strict=True):
            inputs = fun(p, inputs, rng=key, **kwargs)
        return inputs

    return init_fun, apply_fun


def parallel(*layers: tuple[Callable, Callable]) -> tuple[Callable, Callable]:
    """Layers applied each to its own input of a list (after :func:`FanOut`); their
    parameters as a list."""
    inits, applies = zip(*layers, strict=True) if layers else ((), ())

    def init_fun(rng, input_shape):
        out = [
            init(key, shape)
            for init, key, shape in zip(
                inits, _split_rng(rng, len(inits)), input_shape, strict=True
            )
        ]
        return tuple(o[0] for o in out), tuple(o[1] for o in out)

    def apply_fun(params, inputs, **kwargs):
        rngs = _split_rng(kwargs.pop("rng", None), len(applies))
        return [
            f(p, x, rng=r, **kwargs)
            for f, p, x, r in zip(applies, params, inputs, rngs, strict=True)
        ]

    return init_fun, apply_fun


def shape_dependent(make_layer: Callable) -> tuple[Callable, Callable]:
    """A layer made from the input shape when ``init_fun`` runs (its ``apply_fun`` makes it
    again from the input's shape)."""

    def init_fun(rng, input_shape):
        return make_layer(input_shape)[0](rng, input_shape)

    def apply_fun(params, inputs, **kwargs):
        return make_layer(tuple(inputs.shape))[1](params, inputs, **kwargs)

    return init_fun, apply_fun
