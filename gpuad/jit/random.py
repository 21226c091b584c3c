"""Random numbers with an explicit key, usable inside ``gpuad.jit``.

A key is a small integer array (``key(seed)``); each draw is a pure function of its key, so a
compiled function that receives a key replays the same draw for the same key and a new one for
a new key. Split a key into fresh ones instead of reusing it (``k1, k2 = split(key)``).
gpuad's global generator (``gpuad.numpy.random``) cannot be used inside a jitted function:
its draw would be frozen at tracing time, so it raises.

Example::

    @gpuad.jit
    def noisy(x, key):
        return x + 0.1 * gpuad.jit.random.normal(key, x.shape)

    key = gpuad.jit.random.key(0)
    for i in range(3):
        key, sub = gpuad.jit.random.split(key)
        y = noisy(x, sub)
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from ..backends import get_backend
from ..prims.core import prim

__all__ = ["key", "split", "normal", "uniform", "bernoulli"]


def _gen(k) -> _np.random.Generator:
    host = _np.asarray(k.get() if hasattr(k, "get") else k, dtype=_np.uint64)
    return _np.random.Generator(_np.random.Philox(key=host))


def _per_key(xp, k, draw):
    """``draw(generator)`` for key ``k``; for keys with leading axes (``(..., 2)``, as vmap
    passes them), one draw per key, stacked in front."""
    host = _np.asarray(k.get() if hasattr(k, "get") else k, dtype=_np.uint64)
    if host.ndim == 1:
        return xp.asarray(draw(_gen(host)))
    flat = host.reshape(-1, 2)
    if not len(flat):
        one = _np.asarray(draw(_gen(_np.zeros(2, _np.uint64))))
        return xp.asarray(_np.zeros(host.shape[:-1] + one.shape, one.dtype))
    outs = [_np.asarray(draw(_gen(row))) for row in flat]
    return xp.asarray(_np.stack(outs).reshape(host.shape[:-1] + outs[0].shape))


def _split_fwd(xp, k, num=2):
    return _per_key(
        xp, k, lambda g: g.integers(0, 2**63, size=(num, 2), dtype=_np.uint64, endpoint=False)
    )


def _normal_fwd(xp, k, shape=(), dtype="float64"):
    dt = _np.dtype(dtype)
    if dt.itemsize >= 4:
        return _per_key(xp, k, lambda g: g.standard_normal(shape, dtype=dt))
    # NumPy's generator draws float32 and float64 only: narrower floats round a float32 draw
    return _per_key(xp, k, lambda g: g.standard_normal(shape, dtype=_np.float32).astype(dt))


def _uniform_fwd(xp, k, shape=(), dtype="float64"):
    dt = _np.dtype(dtype)
    if dt.itemsize >= 4:
        return _per_key(xp, k, lambda g: g.random(shape, dtype=dt))
    # a narrower float: the grid of multiples of its epsilon in [0, 1), as JAX draws it (a
    # float64 draw rounded to the nearest float16 could be 1.0)
    step = float(_np.finfo(dt).eps)
    return _per_key(xp, k, lambda g: (_np.floor(g.random(shape) / step) * step).astype(dt))


_split = prim("random_split", _split_fwd, nondiff=True)
_normal = prim("random_normal", _normal_fwd, nondiff=True)
_uniform = prim("random_uniform", _uniform_fwd, nondiff=True)


def _norm_shape(shape) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, int | _np.integer) else tuple(int(s) for s in shape)


def key(seed: int) -> Any:
    """A key from an integer seed: a (2,) uint64 array on the active backend.
    Example: ``k = gpuad.jit.random.key(0)``"""
    return get_backend().xp.asarray(_np.array([int(seed) & (2**64 - 1), 0], dtype=_np.uint64))


def split(k, num: int = 2):
    """``num`` new keys from ``k`` (a (num, 2) array; unpack it: ``a, b = split(k)``).
    Example: ``key, sub = gpuad.jit.random.split(key)``"""
    return _split(k, num=int(num))


def normal(k, shape=(), dtype="float64"):
    """Standard normal samples of ``shape``, a pure function of key ``k``.
    Example: ``eps = gpuad.jit.random.normal(key, (3, 4))``"""
    return _normal(k, shape=_norm_shape(shape), dtype=str(_np.dtype(dtype)))


def uniform(k, shape=(), low: float = 0.0, high: float = 1.0, dtype="float64"):
    """Uniform samples in ``[low, high)``, a pure function of key ``k``.
    Example: ``u = gpuad.jit.random.uniform(key, (5,))``"""
    u = _uniform(k, shape=_norm_shape(shape), dtype=str(_np.dtype(dtype)))
    if low == 0.0 and high == 1.0:
        return u
    return u * (high - low) + low


def bernoulli(k, p: float = 0.5, shape=()):
    """Booleans that are True with probability ``p`` (a dropout mask), from key ``k``.
    Example: ``mask = gpuad.jit.random.bernoulli(key, 0.9, x.shape)``"""
    return _uniform(k, shape=_norm_shape(shape), dtype="float64") < p
