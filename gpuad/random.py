"""Random numbers with explicit keys, under ``jax.random``'s names and signatures.

A key is a ``(2,)`` uint64 array (JAX's is ``(2,)`` uint32); every draw is a pure function of
its key, the same on the NumPy and the CuPy backend (drawn with NumPy's Philox generator on the
host, then moved to the device). The values are not JAX's bits: the same key gives different
numbers in JAX and in gpuad, with the same distributions. Keys work inside ``gpuad.jit`` (a
compiled function that receives a key draws anew for each key) and under ``gpuad.vmap``
(``vmap(f)(split(key, n))`` draws once per key). Floating-point results default to float64.

Location and scale parameters are differentiable (reparameterised draws); gamma samples are
differentiable in their shape parameter by implicit reparameterisation, as in JAX, and so are
beta, dirichlet, chisquare, t and f (gpuad/_random_dists.py). The discrete samplers' results
are constants (piecewise constant in their parameters, as in JAX), so a score-function loss
``log_prob(sample, theta)`` differentiates in ``theta`` with the sample held fixed.

Example::

    key = gpuad.random.PRNGKey(0)
    key, sub = gpuad.random.split(key)
    w = gpuad.random.normal(sub, (3, 4))
    idx = gpuad.random.randint(key, (5,), 0, 10)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from .batching import register
from .engine import apply
from .jit import random as _jr
from .prims.core import MissingRuleError as _MissingRuleError
from .prims.core import prim
from .tensor import Tensor

__all__ = [
    "PRNGKey",
    "key",
    "split",
    "fold_in",
    "key_data",
    "normal",
    "uniform",
    "bernoulli",
    "categorical",
    "randint",
    "permutation",
    "choice",
    "truncated_normal",
    "gumbel",
    "exponential",
    "multivariate_normal",
    "rademacher",
    "laplace",
    "logistic",
    "bits",
]


def _gnp():
    from . import numpy as gnp

    return gnp


def _fold_in_fwd(xp, k, data):
    host = _np.asarray(k.get() if hasattr(k, "get") else k, dtype=_np.uint64)
    d = _np.asarray(data.get() if hasattr(data, "get") else data).astype(_np.int64)
    lead = _np.broadcast_shapes(host.shape[:-1], d.shape)
    keys = _np.broadcast_to(host, lead + (2,)).reshape(-1, 2)
    ds = _np.broadcast_to(d, lead).reshape(-1).astype(_np.uint64)
    out = _np.empty((len(keys), 2), _np.uint64)
    for i, (row, v) in enumerate(zip(keys, ds, strict=True)):
        # a counter no split reaches (its draws start at counter 0)
        gen = _np.random.Generator(_np.random.Philox(key=row, counter=[v, 0, 0, 1]))
        out[i] = gen.integers(0, 2**63, size=2, dtype=_np.uint64)
    return xp.asarray(out.reshape(lead + (2,)))


_fold_in = prim("random_fold_in", _fold_in_fwd, nondiff=True)


def _front(a, d):
    return a if d is None or d == 0 else _gnp().moveaxis(a, d, 0)


def _key_rule(rule):
    """Batching: the primitive draws once per key for keys with leading axes."""

    def batch(args, dims, params):
        if all(d is None for d in dims):
            return apply(rule, tuple(args), params), None
        size = next(a.shape[d] for a, d in zip(args, dims, strict=True) if d is not None)
        moved = []
        for a, d in zip(args, dims, strict=True):
            if d is None:  # an unbatched key (..., 2) or datum: the same for every example
                a = _gnp().broadcast_to(a, (size, *_np.shape(a)))
            moved.append(_front(a, d))
        return apply(rule, tuple(moved), params), 0

    return batch


for _op in (_jr._split, _jr._normal, _jr._uniform, _fold_in):
    register(_op.rule.name, _key_rule(_op.rule))


def _shape(shape) -> tuple[int, ...]:
    if shape is None:
        return ()
    return (int(shape),) if isinstance(shape, int | _np.integer) else tuple(int(s) for s in shape)


def _float(dtype) -> str:
    dt = _np.dtype(float if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"gpuad.random: dtype must be a floating-point type, got {dt}")
    return str(dt)


def _check_key(k, where: str) -> None:
    shape = tuple(k.shape) if hasattr(k, "shape") else None
    if shape != (2,):  # (under vmap, a Tensor's shape is one example's)
        raise TypeError(
            f"gpuad.random.{where}: expected one key (a (2,) uint64 array from "
            f"gpuad.random.PRNGKey or split), got {type(k).__name__} of shape {shape}; to "
            f"draw for many keys, use gpuad.vmap over them"
        )


def _constant(where: str, why: str, **params) -> None:
    from .numpy.random import _tracked

    for name, v in params.items():
        if _tracked(v):
            raise _MissingRuleError(
                f"gpuad.random.{where}: cannot differentiate with respect to {name!r}: "
                f"{why}. Pass it as a constant (gpuad.stop_gradient({name})), or use a "
                f"score-function estimator "
                f"(the log-probability of the samples, from gpuad.scipy.stats, is differentiable)"
            )


# ---- keys -----------------------------------------------------------------------------------


def _seed(seed, where: str) -> int:
    """The integer value of a scalar integer seed; anything else raises, as in JAX."""
    shape = tuple(getattr(seed, "shape", ()))
    if shape:
        raise TypeError(
            f"gpuad.random.{where} accepts a scalar seed, got an array of shape {shape}; "
            f"for many keys, split one key (gpuad.random.split(key, n))"
        )
    if isinstance(seed, Tensor):
        seed = seed.numpy()
    integer = isinstance(seed, int) or _np.asarray(seed).dtype.kind in "iu"
    if isinstance(seed, bool | _np.bool_) or not integer:
        raise TypeError(
            f"gpuad.random.{where}: the seed must be an integer, got {type(seed).__name__} {seed!r}"
        )
    value = int(seed)
    if not -(2**63) <= value < 2**64:
        raise OverflowError(
            f"gpuad.random.{where}: seed {value} is outside the 64-bit range "
            f"[-2**63, 2**64) (a larger one would share its key with a smaller one)"
        )
    return value


def PRNGKey(seed: int) -> Any:  # noqa: N802  (JAX's name)
    """A key from an integer seed. Example: ``key = gpuad.random.PRNGKey(0)``"""
    return _jr.key(_seed(seed, "PRNGKey"))


def key(seed: int) -> Any:
    """A key from an integer seed (as :func:`PRNGKey`). Example: ``k = gpuad.random.key(1)``"""
    return _jr.key(_seed(seed, "key"))


def key_data(k) -> Any:
    """The key's raw words (a key already is its (2,) uint64 array)."""
    return k


def split(k, num: int | tuple[int, ...] = 2) -> Any:
    """``num`` new keys, a ``(num, 2)`` array (``num`` may be a shape: ``(*num, 2)``).
    Example: ``key, sub = gpuad.random.split(key)``"""
    _check_key(k, "split")
    if isinstance(num, int | _np.integer):
        return _jr.split(k, num)
    shape = _shape(num)
    return _gnp().reshape(_jr.split(k, math.prod(shape)), (*shape, 2))


def fold_in(k, data: int) -> Any:
    """A new key from ``k`` and an integer (a step number, a device index).
    Example: ``k_step = gpuad.random.fold_in(key, step)``"""
    _check_key(k, "fold_in")
    return _fold_in(k, data)


# ---- continuous distributions ---------------------------------------------------------------


def normal(k, shape=(), dtype=None) -> Any:
    """Standard normal samples; for a complex ``dtype`` the real and imaginary parts are
    independent ``N(0, 1/2)`` (as JAX). Example: ``gpuad.random.normal(key, (3,))``"""
    _check_key(k, "normal")
    if dtype is not None and _np.dtype(dtype).kind == "c":
        real = _np.finfo(_np.dtype(dtype)).dtype
        z = _jr._normal(k, shape=(*_shape(shape), 2), dtype=str(real)) * real.type(math.sqrt(0.5))
        return (z[..., 0] + 1j * z[..., 1]).astype(_np.dtype(dtype))
    return _jr._normal(k, shape=_shape(shape), dtype=_float(dtype))


def _check_mode(mode, where: str, allowed=(None, "low", "high")) -> None:
    """JAX's ``mode`` (the precision of its bits): gpuad's draws are float64 from 53 random
    bits, as precise as JAX's ``"high"``, so every mode JAX accepts draws the same here."""
    if mode not in allowed:
        raise ValueError(f"gpuad.random.{where}: mode must be one of {allowed}, got {mode!r}")


def bits(k, shape=(), dtype=None) -> Any:
    """Random unsigned integers, every bit of ``dtype`` random (uint64 by default, as JAX's
    with 64-bit types). Example: ``gpuad.random.bits(key, (3,), np.uint8)``"""
    _check_key(k, "bits")
    dt = _np.dtype(_np.uint64 if dtype is None else dtype)
    if dt.kind != "u":
        raise ValueError(
            f"gpuad.random.bits: dtype argument must be an unsigned int dtype, got {dt}"
        )
    u = uniform(k, (*_shape(shape), 2))
    # two uniform draws, 32 bits each (a float64 draw holds 53 random bits)
    hi = _gnp().floor(u[..., 0] * 2.0**32).astype(_np.uint64)
    lo = _gnp().floor(u[..., 1] * 2.0**32).astype(_np.uint64)
    word = (hi << _np.uint64(32)) | lo
    return (word >> _np.uint64(64 - 8 * dt.itemsize)).astype(dt)


def uniform(k, shape=(), dtype=None, minval=0.0, maxval=1.0) -> Any:
    """Uniform samples in ``[minval, maxval)``.
    Example: ``gpuad.random.uniform(key, (3,), minval=-1.0, maxval=1.0)``"""
    _check_key(k, "uniform")
    u = _jr._uniform(k, shape=_shape(shape), dtype=_float(dtype))
    if _is_number(minval, 0.0) and _is_number(maxval, 1.0):
        return u
    gnp = _gnp()
    lo = gnp.asarray(minval, dtype=u.dtype) if not isinstance(minval, Tensor) else minval
    hi = gnp.asarray(maxval, dtype=u.dtype) if not isinstance(maxval, Tensor) else maxval
    return gnp.maximum(lo, u * (hi - lo) + lo)


def _exact_range(minval, maxval) -> None:
    """randint draws through float64: a range wider than 2**53 (known on the host) would
    leave the low bits zero, so it raises instead."""
    host = [v for v in (minval, maxval) if isinstance(v, int | _np.integer | _np.ndarray)]
    if len(host) == 2:
        span = _np.max(_np.asarray(maxval, dtype=object)) - _np.min(_np.asarray(minval, object))
        if span > 2**53:
            raise OverflowError(
                f"gpuad.random.randint: the range [{minval}, {maxval}) is wider than 2**53 "
                f"and cannot be drawn exactly (gpuad draws integers through float64); draw "
                f"gpuad.random.bits(key, shape, np.uint64) for full-width integers"
            )


def _is_number(v, value: float) -> bool:
    return isinstance(v, int | float) and v == value


def _open_uniform(k, shape, dtype):
    """Uniform samples in the open interval (0, 1)."""
    tiny = float(_np.finfo(_np.dtype(_float(dtype))).tiny)
    return uniform(k, shape, dtype, minval=tiny, maxval=1.0)


def gumbel(k, shape=(), dtype=None, mode=None) -> Any:
    """Standard Gumbel samples. Example: ``gpuad.random.gumbel(key, (3,))``"""
    _check_mode(mode, "gumbel")
    gnp = _gnp()
    return -gnp.log(-gnp.log(_open_uniform(k, shape, dtype)))


def exponential(k, shape=(), dtype=None) -> Any:
    """Standard exponential samples. Example: ``gpuad.random.exponential(key, (3,))``"""
    return -_gnp().log1p(-uniform(k, shape, dtype))


def laplace(k, shape=(), dtype=None) -> Any:
    """Standard Laplace samples. Example: ``gpuad.random.laplace(key, (3,))``"""
    gnp = _gnp()
    u = uniform(k, shape, dtype, minval=-1.0 + float(_np.finfo(_float(dtype)).epsneg))
    return -gnp.sign(u) * gnp.log1p(-gnp.abs(u))


def logistic(k, shape=(), dtype=None) -> Any:
    """Standard logistic samples. Example: ``gpuad.random.logistic(key, (3,))``"""
    gnp = _gnp()
    u = _open_uniform(k, shape, dtype)
    return gnp.log(u) - gnp.log1p(-u)


def truncated_normal(k, lower, upper, shape=None, dtype=None) -> Any:
    """Standard normal samples conditioned on ``lower < x < upper`` (inverse CDF, like JAX).
    Example: ``gpuad.random.truncated_normal(key, -2.0, 2.0, (5,))``"""
    from .scipy import special

    gnp = _gnp()
    dt = _float(dtype)
    work = dt if _np.dtype(dt).itemsize >= 4 else "float32"  # (erf, erfinv of float16)
    if shape is None:
        shape = _np.broadcast_shapes(_np.shape(lower), _np.shape(upper))
    sqrt2 = math.sqrt(2.0)
    a = special.erf(gnp.asarray(lower, dtype=work) / sqrt2)
    b = special.erf(gnp.asarray(upper, dtype=work) / sqrt2)
    u = uniform(k, shape, work, minval=a, maxval=b)
    out = (sqrt2 * special.erfinv(u)).astype(dt)
    lo = gnp.nextafter(gnp.asarray(lower, dtype=dt), gnp.asarray(_np.inf, dtype=dt))
    hi = gnp.nextafter(gnp.asarray(upper, dtype=dt), gnp.asarray(-_np.inf, dtype=dt))
    return gnp.clip(out, lo, hi)


def multivariate_normal(k, mean, cov, shape=None, dtype=None, method: str = "cholesky") -> Any:
    """Samples of ``N(mean, cov)`` (``mean + L @ z`` with ``cov = L L^T``), of shape
    ``shape + mean.shape[-1:]``; ``shape`` defaults to the broadcast of the batch shapes of
    ``mean`` and ``cov``. Differentiable in ``mean`` and ``cov``.
    Example: ``gpuad.random.multivariate_normal(key, m, c, (100,))``"""
    gnp = _gnp()
    if method not in ("cholesky", "svd", "eigh"):
        raise ValueError(
            f"gpuad.random.multivariate_normal: method must be 'cholesky', 'svd' or 'eigh', "
            f"got {method!r}"
        )
    mean = mean if isinstance(mean, Tensor) else gnp.asarray(mean, dtype=_float(dtype))
    cov = cov if isinstance(cov, Tensor) else gnp.asarray(cov, dtype=_float(dtype))
    n = mean.shape[-1]
    if tuple(cov.shape[-2:]) != (n, n):
        raise ValueError(
            f"gpuad.random.multivariate_normal: mean has shape {mean.shape} "
            f"and cov {cov.shape}; cov must end in ({n}, {n})"
        )
    if shape is None:
        shape = _np.broadcast_shapes(tuple(mean.shape[:-1]), tuple(cov.shape[:-2]))
    z = normal(k, (*_shape(shape), n), dtype)
    if method == "cholesky":  # (a covariance that is not positive definite raises here)
        factor = gnp.linalg.cholesky(cov)
    elif method == "svd":  # cov = U S V^T, factor U sqrt(S): singular covariances too
        u, sv, _ = gnp.linalg.svd(cov)
        factor = u * gnp.sqrt(sv)[..., None, :]
    else:
        w, v = gnp.linalg.eigh(cov)
        factor = v * gnp.sqrt(gnp.maximum(w, 0.0))[..., None, :]
    return mean + gnp.einsum("...ij,...j->...i", factor, z)


def rademacher(k, shape=(), dtype=int) -> Any:
    """-1 or +1 with equal probability. Example: ``gpuad.random.rademacher(key, (5,))``"""
    return (2 * bernoulli(k, 0.5, shape).astype(_np.int64) - 1).astype(_np.dtype(dtype))


# ---- discrete distributions -----------------------------------------------------------------


def bernoulli(k, p=0.5, shape=None, mode=None) -> Any:
    """Booleans that are True with probability ``p``; ``shape`` defaults to ``p``'s.
    Example: ``mask = gpuad.random.bernoulli(key, 0.9, (4,))``"""
    _check_mode(mode, "bernoulli")
    if shape is None:
        shape = _np.shape(p)
    return _gnp().less(uniform(k, shape), p)


def randint(k, shape, minval, maxval, dtype=int) -> Any:
    """Integers in ``[minval, maxval)``. Example: ``gpuad.random.randint(key, (3,), 0, 10)``"""
    gnp = _gnp()
    dt = _np.dtype(dtype)
    if dt.kind not in "iu":
        raise TypeError(f"gpuad.random.randint: dtype must be an integer type, got {dt}")
    info = _np.iinfo(dt)
    _exact_range(minval, maxval)
    # bounds outside the dtype are clipped to it (maxval above it includes its largest
    # value), and an empty range gives minval, as JAX's
    lo = gnp.clip(gnp.asarray(minval).astype(_np.float64), float(info.min), float(info.max))
    hi = gnp.clip(gnp.asarray(maxval).astype(_np.float64), float(info.min), float(info.max) + 1)
    u = uniform(k, shape)
    r = gnp.minimum(gnp.floor(lo + u * (hi - lo)), hi - 1)
    return gnp.where(hi > lo, r, lo).astype(dt)


def categorical(k, logits, axis: int = -1, shape=None, replace: bool = True, mode=None) -> Any:
    """Samples of the categories along ``axis`` with log-probabilities ``logits``
    (Gumbel-max); ``replace=False`` draws the ``prod(shape[:-len(batch)])`` leading samples
    without replacement (Gumbel-top-k), as JAX does.
    Example: ``gpuad.random.categorical(key, gnp.log(p), shape=(10,))``"""
    _check_mode(mode, "categorical", (None, "low", "high", "highest"))
    gnp = _gnp()
    logits = gnp.moveaxis(
        gnp.asarray(logits) if not isinstance(logits, Tensor) else logits, axis, -1
    )
    batch = tuple(logits.shape[:-1])
    shape = batch if shape is None else _shape(shape)
    tail = tuple(shape[len(shape) - len(batch) :]) if batch else ()
    try:
        fits = len(shape) >= len(batch) and _np.broadcast_shapes(tail, batch) == tail
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"gpuad.random.categorical: shape {shape} must end with the logits' "
            f"batch shape {batch} (logits.shape without axis {axis}) or one it broadcasts to"
        )
    if tail != batch:  # size-1 batch axes of the logits broadcast to shape
        logits = gnp.broadcast_to(logits, (*tail, logits.shape[-1]))
        batch = tail
    dtype = str(logits.dtype) if _np.dtype(logits.dtype).kind == "f" else None
    if not replace:
        n = math.prod(shape[: len(shape) - len(batch)])
        if n > logits.shape[-1]:
            raise ValueError(
                f"gpuad.random.categorical: {n} samples without replacement (shape {shape}) "
                f"cannot exceed the {logits.shape[-1]} categories"
            )
        top = gnp.argsort(-(logits + gumbel(k, tuple(logits.shape), dtype)), axis=-1)
        return gnp.reshape(gnp.moveaxis(top[..., :n], -1, 0), shape)
    g = gumbel(k, (*shape, logits.shape[-1]), dtype)
    return gnp.argmax(logits + g, axis=-1)


def permutation(k, x, axis: int = 0, independent: bool = False) -> Any:
    """A random permutation of ``range(x)`` for an integer, else of ``x`` along ``axis``
    (each slice on its own with ``independent=True``).
    Example: ``gpuad.random.permutation(key, 5)``"""
    gnp = _gnp()
    if isinstance(x, int | _np.integer):
        if axis not in (0, -1):
            raise ValueError(
                f"gpuad.random.permutation: axis {axis} is out of bounds for range({x}) (one axis)"
            )
        return gnp.argsort(uniform(k, (int(x),)))
    if not hasattr(x, "shape") or not _np.shape(x):
        raise TypeError(
            f"gpuad.random.permutation: x must be an integer or an array with at least one "
            f"axis, got {type(x).__name__} {x!r}"
        )
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"gpuad.random.permutation: axis {axis} is out of bounds for x of shape {x.shape}"
        )
    if independent:
        order = gnp.argsort(uniform(k, x.shape), axis=axis)
        return gnp.take_along_axis(x, order, axis=axis)
    return gnp.take(x, gnp.argsort(uniform(k, (x.shape[axis],))), axis=axis)


def choice(k, a, shape=(), replace: bool = True, p=None, axis: int = 0, mode=None) -> Any:
    """Samples from ``a`` (an array along ``axis``, or ``range(a)`` for an integer), with or
    without replacement, uniformly or with probabilities ``p``.
    Example: ``gpuad.random.choice(key, 10, (3,), replace=False)``"""
    _check_mode(mode, "choice")
    if not isinstance(shape, tuple | list):
        raise TypeError(
            f"gpuad.random.choice: shape must be a sequence (a tuple), got "
            f"{type(shape).__name__} {shape!r}; write ({shape},)"
        )
    gnp = _gnp()
    n = int(a) if isinstance(a, int | _np.integer) else a.shape[axis]
    shape = _shape(shape)
    size = math.prod(shape)
    if p is not None:
        with _np.errstate(divide="ignore"):  # a zero probability: log 0 = -inf, never drawn
            logp = gnp.log(p)
    if replace:
        if p is None:
            idx = randint(k, shape, 0, n)
        else:
            idx = categorical(k, logp, shape=shape)
    else:
        if size > n:
            raise ValueError(
                f"gpuad.random.choice: cannot take {size} samples from {n} "
                f"without replacement; pass replace=True or a smaller shape"
            )
        if p is None:
            idx = permutation(k, n)[:size].reshape(shape)
        else:
            idx = gnp.argsort(-(logp + gumbel(k, (n,))))[:size].reshape(shape)
    if isinstance(a, int | _np.integer):
        return idx
    return gnp.take(a, idx, axis=axis)


# gamma and its family, the discrete samplers and the remaining transformations
from ._random_dists import *  # noqa: E402, F403
from ._random_dists import __all__ as _more  # noqa: E402

__all__ += _more
