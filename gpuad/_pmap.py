"""``jax.pmap`` on one device: the mapped axis is batched by :func:`gpuad.vmap`.

gpuad computes on one device (the active backend's), so a pmap-style SPMD program runs every
"device" as one example of a vmap; the collectives of :mod:`gpuad.lax` (``psum``, ``pmean``,
``all_gather``, ``axis_index``, ...) see the mapped axis through ``axis_name`` as under
``jax.pmap``. Values and gradients are those of JAX's pmap; the mapped axis may be larger
than :func:`device_count` (JAX refuses that).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from .batching.api import vmap


def device_count(backend: Any = None) -> int:
    """How many devices gpuad computes on: always 1 (``jax.device_count()``)."""
    return 1


def local_device_count(backend: Any = None) -> int:
    """How many devices this process computes on: always 1 (``jax.local_device_count()``)."""
    return 1


def _argnums(nums: int | Sequence[int], what: str) -> tuple[int, ...]:
    nums = (nums,) if isinstance(nums, int) else tuple(nums)
    for n in nums:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"pmap: {what} must be ints, got {nums!r}")
    return nums


def pmap(fun: Callable, axis_name: Any = None, *, in_axes: Any = 0, out_axes: Any = 0,
         static_broadcasted_argnums: int | Sequence[int] = (), devices: Any = None,
         backend: Any = None, axis_size: int | None = None,
         donate_argnums: int | Sequence[int] = ()) -> Callable:
    """``jax.pmap(fun, axis_name, ...)``: ``fun`` mapped over axis 0 (or ``in_axes``) of its
    arguments, the positions named ``axis_name`` for the collectives inside.

    Runs as ``gpuad.vmap(fun, in_axes, out_axes, axis_name=axis_name)`` on the one device
    gpuad uses, eagerly (wrap it in ``gpuad.jit`` to compile). ``static_broadcasted_argnums``
    are passed unchanged to every position (as in JAX: not mapped, and part of no trace);
    ``donate_argnums`` and ``backend`` change nothing; ``devices`` other than None raises
    (gpuad does not place work on several devices).
    """
    if devices is not None:
        raise NotImplementedError(
            f"pmap: devices={devices!r}: gpuad computes on one device and runs the mapped axis "
            f"as a vmap; drop devices=")
    static = _argnums(static_broadcasted_argnums, "static_broadcasted_argnums")
    _argnums(donate_argnums, "donate_argnums")

    @functools.wraps(fun)
    def mapped(*args, **kwargs):
        if not static:
            return vmap(fun, in_axes, out_axes, axis_name=axis_name,
                        axis_size=axis_size)(*args, **kwargs)
        nums = sorted(n % len(args) for n in static)
        for n in nums:
            try:
                hash(args[n])
            except TypeError:
                raise ValueError(f"pmap: static_broadcasted_argnums: argument {n} must be "
                                 f"hashable, got {type(args[n]).__name__}") from None
        fixed = {n: args[n] for n in nums}
        rest = [a for i, a in enumerate(args) if i not in fixed]
        axes = in_axes
        if isinstance(in_axes, tuple | list):
            axes = tuple(a for i, a in enumerate(in_axes) if i not in fixed)

        def inner(*dynamic, **kw):
            it = iter(dynamic)
            full = [fixed[i] if i in fixed else next(it) for i in range(len(args))]
            return fun(*full, **kw)

        return vmap(inner, axes, out_axes, axis_name=axis_name,
                    axis_size=axis_size)(*rest, **kwargs)

    return mapped
