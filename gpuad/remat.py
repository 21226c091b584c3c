"""``remat``: ``jax.remat``/``jax.checkpoint``'s name and options for :func:`gpuad.checkpoint`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .custom import checkpoint


def remat(
    fun: Callable | None = None,
    *,
    prevent_cse: bool = True,
    policy: Any = None,
    static_argnums: int | tuple[int, ...] = (),
) -> Any:
    """:func:`gpuad.checkpoint` under JAX's name, taking JAX's options: ``f`` keeps only its
    inputs and recomputes the rest in backward. ``policy`` is accepted but every policy acts
    as ``nothing_saveable`` (gpuad saves the inputs only); ``prevent_cse`` and
    ``static_argnums`` change nothing (there is no CSE across the boundary, and Python values
    among the arguments are static already). Gradients are the same under every option.

    Example::

        block = gpuad.remat(lambda h: gnp.tanh(h @ w), policy=None)
        loss = gnp.sum(block(block(x)))
    """
    if fun is None:
        return functools.partial(
            remat, prevent_cse=prevent_cse, policy=policy, static_argnums=static_argnums
        )
    return checkpoint(fun)
