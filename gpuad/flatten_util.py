"""``ravel_pytree``: ``jax.flatten_util``'s name for :func:`gpuad.misc.flatten`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .misc.flatten import flatten


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``(flat, unravel)``: the leaves of ``pytree`` raveled into one 1-D array (dict keys in
    sorted order, mixed dtypes promoted) and the function that rebuilds the pytree, its
    shapes and dtypes, from such a vector; differentiable both ways, as JAX's.

    Example::

        flat, unravel = ravel_pytree({"w": np.ones((2, 2)), "b": np.zeros(2)})
        unravel(flat)["w"].shape   # (2, 2)
    """
    return flatten(pytree)
