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

import numpy as _np

from .. import numpy as gnp
from .. import random as _random
from ..nn import functional as _F
from ..prims._helpers import axes_in_order as _axes_in_order

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


def _perm(src: str, dst: str) -> tuple[int, ...]:
    return tuple(src.index(c) for c in dst)


def _same_pads(size: int, k: int, s: int) -> tuple[int, int]:
    """XLA's 'SAME' padding of one dimension: the output has ceil(size / s) entries, the
    extra half (rounded down) before."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _pads(
    padding: Any, spatial: tuple[int, ...], window: tuple[int, ...], strides: tuple[int, ...]
) -> list[tuple[int, int]]:
    if isinstance(padding, str):
        if padding.upper() == "VALID":
            return [(0, 0)] * len(spatial)
        if padding.upper() == "SAME":
            return [_same_pads(n, k, s) for n, k, s in zip(spatial, window, strides, strict=True)]
        raise ValueError(f"stax: padding must be 'VALID', 'SAME' or pairs, got {padding!r}")
    return [(int(lo), int(hi)) for lo, hi in padding]


def GeneralConv(
    dimension_numbers: tuple[str, str, str],
    out_chan: int,  # noqa: N802
    filter_shape: tuple[int, int],
    strides: tuple[int, int] | None = None,
    padding: Any = "VALID",
    W_init: Initializer | None = None,  # noqa: N803
    b_init: Initializer | None = None,
) -> tuple[Callable, Callable]:
    """A convolution (cross-correlation) with the layouts of ``dimension_numbers``
    (``lhs_spec``, ``rhs_spec``, ``out_spec``, e.g. ``("NHWC", "HWIO", "NHWC")`` or, in 1-D,
    ``("NWC", "WIO", "NWC")``), padding ``"VALID"``, ``"SAME"`` or ``((lo, hi), ...)``.
    ``filter_shape`` gives the window along the spatial letters in ``rhs_spec``'s order."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    if (
        len(filter_shape) != 2
        or sorted(lhs_spec) != sorted("NCHW")
        or sorted(rhs_spec) != sorted("OIHW")
        or sorted(out_spec) != sorted("NCHW")
    ):
        return _general_conv_nd(dimension_numbers, out_chan, filter_shape, strides, padding,
                                W_init, b_init)
    strides = tuple(strides) if strides is not None else (1, 1)
    W_init = (
        glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))  # noqa: N806
        if W_init is None
        else W_init
    )
    b_init = normal(1e-6) if b_init is None else b_init

    def geometry(input_shape):
        hw = tuple(input_shape[lhs_spec.index(c)] for c in "HW")
        pads = _pads(padding, hw, tuple(filter_shape), strides)
        out_hw = [
            (n + lo + hi - k) // s + 1
            for n, (lo, hi), k, s in zip(hw, pads, filter_shape, strides, strict=True)
        ]
        return pads, out_hw

    def init_fun(rng, input_shape):
        _, out_hw = geometry(input_shape)
        sizes = {
            "N": input_shape[lhs_spec.index("N")],
            "C": out_chan,
            "H": out_hw[0],
            "W": out_hw[1],
        }
        kernel = {
            "O": out_chan,
            "I": input_shape[lhs_spec.index("C")],
            "H": filter_shape[0],
            "W": filter_shape[1],
        }
        k1, k2 = _random.split(rng)
        W = W_init(k1, tuple(kernel[c] for c in rhs_spec))  # noqa: N806
        b = b_init(k2, tuple(out_chan if c == "C" else 1 for c in out_spec))
        return tuple(sizes[c] for c in out_spec), (W, b)

    def apply_fun(params, inputs, **kwargs):
        W, b = params  # noqa: N806
        pads, _ = geometry(inputs.shape)
        x = gnp.transpose(inputs, _perm(lhs_spec, "NCHW"))
        if any(lo or hi for lo, hi in pads):
            x = gnp.pad(x, ((0, 0), (0, 0), *pads))
        y = _F.conv2d(x, gnp.transpose(W, _perm(rhs_spec, "OIHW")), stride=strides)
        return gnp.transpose(y, _perm("NCHW", out_spec)) + b

    return init_fun, apply_fun


def _general_conv_nd(dimension_numbers, out_chan, filter_shape, strides, padding, W_init,
                     b_init):
    """GeneralConv for any number of spatial dims (and 2-D layouts with other letters),
    through ``gpuad.lax.conv_general_dilated``, which reads the specs as JAX's does."""
    from ..lax_conv import conv_general_dilated

    lhs_spec, rhs_spec, out_spec = dimension_numbers
    spatial = [c for c in rhs_spec if c not in "OI"]
    if (
        len(filter_shape) != len(spatial)
        or sorted(lhs_spec) != sorted("NC" + "".join(spatial))
        or sorted(out_spec) != sorted(lhs_spec)
        or sorted(rhs_spec) != sorted("OI" + "".join(spatial))
    ):
        raise ValueError(
            f"stax.GeneralConv: dimension_numbers {tuple(dimension_numbers)} and filter_shape "
            f"{tuple(filter_shape)} do not match (lhs/out: N, C and the spatial letters of "
            f"rhs, which holds O, I and one letter per filter dimension)"
        )
    window = tuple(int(k) for k in filter_shape)
    strides = tuple(strides) if strides is not None else (1,) * len(window)
    W_init = (
        glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))  # noqa: N806
        if W_init is None
        else W_init
    )
    b_init = normal(1e-6) if b_init is None else b_init

    def init_fun(rng, input_shape):
        sizes = tuple(input_shape[lhs_spec.index(c)] for c in spatial)
        pads = _pads(padding, sizes, window, strides)
        out_sp = [
            (n + lo + hi - k) // st + 1
            for n, (lo, hi), k, st in zip(sizes, pads, window, strides, strict=True)
        ]
        dims = {"N": input_shape[lhs_spec.index("N")], "C": out_chan,
                **dict(zip(spatial, out_sp, strict=True))}
        kernel = {"O": out_chan, "I": input_shape[lhs_spec.index("C")],
                  **dict(zip(spatial, window, strict=True))}
        k1, k2 = _random.split(rng)
        W = W_init(k1, tuple(kernel[c] for c in rhs_spec))  # noqa: N806
        b = b_init(k2, tuple(out_chan if c == "C" else 1 for c in out_spec))
        return tuple(dims[c] for c in out_spec), (W, b)

    def apply_fun(params, inputs, **kwargs):
        W, b = params  # noqa: N806
        return conv_general_dilated(
            inputs, W, strides, padding, dimension_numbers=tuple(dimension_numbers)
        ) + b

    return init_fun, apply_fun


def Conv(
    out_chan: int,
    filter_shape: tuple[int, int],  # noqa: N802
    strides: tuple[int, int] | None = None,
    padding: Any = "VALID",
    W_init: Initializer | None = None,  # noqa: N803
    b_init: Initializer | None = None,
) -> tuple[Callable, Callable]:
    """:func:`GeneralConv` with JAX's default layouts ``("NHWC", "HWIO", "NHWC")``."""
    return GeneralConv(
        ("NHWC", "HWIO", "NHWC"), out_chan, filter_shape, strides, padding, W_init, b_init
    )


def _pooling(kind: str):
    def layer(
        window_shape: tuple[int, ...],
        strides: tuple[int, ...] | None = None,
        padding: str = "VALID",
        spec: str | None = None,
    ) -> tuple[Callable, Callable]:
        window = tuple(window_shape)
        step = tuple(strides) if strides is not None else (1,) * len(window)
        if spec is not None:
            axes = [spec.index(c) for c in spec if c not in "NC"]
        else:  # JAX's default: every axis but the first (batch) and the last (channels)
            axes = None

        def spatial_axes(ndim):
            return axes if axes is not None else list(range(1, ndim - 1))

        def geometry(shape):
            ax = spatial_axes(len(shape))
            pads = _pads(padding, tuple(shape[a] for a in ax), window, step)
            out = list(shape)
            for a, (lo, hi), k, s in zip(ax, pads, window, step, strict=True):
                out[a] = (shape[a] + lo + hi - k) // s + 1
            return ax, pads, tuple(out)

        def init_fun(rng, input_shape):
            return geometry(input_shape)[2], ()

        def pool(x, ax, pads, fill):
            width = [(0, 0)] * x.ndim
            for a, p in zip(ax, pads, strict=True):
                width[a] = p
            if any(lo or hi for lo, hi in pads):
                x = gnp.pad(x, width, constant_values=fill)
            parts = []
            for offset in _np.ndindex(*window):
                index = [slice(None)] * x.ndim
                for a, o, k, s in zip(ax, offset, window, step, strict=True):
                    n = (x.shape[a] - k) // s + 1
                    index[a] = slice(o, o + s * (n - 1) + 1, s)
                parts.append(x[tuple(index)])
            stacked = gnp.stack(parts, axis=0)
            return gnp.max(stacked, axis=0) if kind == "max" else gnp.sum(stacked, axis=0)

        def apply_fun(params, inputs, **kwargs):
            ax, pads, _ = geometry(inputs.shape)
            if kind == "max":
                return pool(inputs, ax, pads, -_np.inf)
            out = pool(inputs, ax, pads, 0.0)
            if kind == "sum":
                return out
            if not any(lo or hi for lo, hi in pads):
                return out / math.prod(window)
            ones = gnp.ones(tuple(inputs.shape[a] if a in ax else 1 for a in range(inputs.ndim)))
            return out / pool(ones, ax, pads, 0.0)  # the window's entries inside the input

        return init_fun, apply_fun

    layer.__name__ = {"max": "MaxPool", "sum": "SumPool", "avg": "AvgPool"}[kind]
    layer.__doc__ = (
        f"{kind} pooling over ``window_shape`` windows moved by ``strides`` "
        f"(default 1), padding ``'VALID'`` or ``'SAME'``; the pooled axes are those "
        f"of ``spec`` other than N and C, by default all but the first and last."
    )
    return layer


MaxPool = _pooling("max")
SumPool = _pooling("sum")
AvgPool = _pooling("avg")


def BatchNorm(
    axis: Any = (0, 1, 2),
    epsilon: float = 1e-5,
    center: bool = True,  # noqa: N802
    scale: bool = True,
    beta_init: Callable = zeros,
    gamma_init: Callable = ones,
) -> tuple[Callable, Callable]:
    """Normalise over ``axis`` with the batch's own mean and variance, then scale by
    ``gamma`` and shift by ``beta`` (parameters over the other axes), as JAX's (no running
    averages)."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)

    def init_fun(rng, input_shape):
        ax = _axes_in_order(axes, len(input_shape), "stax.BatchNorm")
        shape = tuple(d for i, d in enumerate(input_shape) if i not in ax)
        k1, k2 = _random.split(rng)
        beta = beta_init(k1, shape) if center else ()
        gamma = gamma_init(k2, shape) if scale else ()
        return input_shape, (beta, gamma)

    def apply_fun(params, x, **kwargs):
        beta, gamma = params
        ax = _axes_in_order(axes, x.ndim, "stax.BatchNorm")
        mean = gnp.mean(x, axis=ax, keepdims=True)
        var = gnp.mean(x * x, axis=ax, keepdims=True) - mean * mean
        z = (x - mean) / gnp.sqrt(var + epsilon)
        keep = tuple(d if i not in ax else 1 for i, d in enumerate(x.shape))
        if scale:
            z = z * gnp.reshape(gamma, keep)
        if center:
            z = z + gnp.reshape(beta, keep)
        return z

    return init_fun, apply_fun


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
