"""``remat``: ``jax.remat``/``jax.checkpoint``'s name and options for :func:`gpuad.checkpoint`,
and ``jax.checkpoint_policies`` (gpuad/remat_policy.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from . import remat_policy as _p
from .custom import checkpoint
from .remat_policy import checkpoint_name


def remat(
    fun: Callable | None = None,
    *,
    prevent_cse: bool = True,
    policy: Any = None,
    static_argnums: int | tuple[int, ...] = (),
) -> Any:
    """:func:`gpuad.checkpoint` under JAX's name, taking JAX's options: ``f`` keeps its inputs,
    and the results ``policy`` calls saveable (:data:`checkpoint_policies`), and recomputes the
    rest in backward. ``prevent_cse`` and ``static_argnums`` change nothing (there is no CSE
    across the boundary, and Python values among the arguments are static already).
    Gradients are the same under every option.

    Example::

        block = gpuad.remat(lambda h: gnp.tanh(h @ w), policy=checkpoint_policies.dots_saveable)
        loss = gnp.sum(block(block(x)))
    """
    if fun is None:
        return functools.partial(
            remat, prevent_cse=prevent_cse, policy=policy, static_argnums=static_argnums
        )
    return checkpoint(fun, policy=policy)


class checkpoint_policies:  # noqa: N801  (JAX's name: a namespace of policies)
    """``jax.checkpoint_policies``: what a checkpointed block keeps besides its inputs (the
    recomputation in backward takes these results instead of computing them). A policy is a
    function ``(prim, *args, **params) -> bool``; :func:`gpuad.checkpoint_name` values reach
    it as ``prim is remat_policy.name_p`` with ``name=``.

    Example: ``remat(f, policy=checkpoint_policies.save_only_these_names("h"))``"""

    nothing_saveable = staticmethod(_p.nothing_saveable)
    everything_saveable = staticmethod(_p.everything_saveable)
    dots_saveable = checkpoint_dots = staticmethod(_p.dots_saveable)
    dots_with_no_batch_dims_saveable = checkpoint_dots_with_no_batch_dims = staticmethod(
        _p.dots_with_no_batch_dims_saveable
    )
    save_only_these_names = staticmethod(_p.save_only_these_names)
    save_any_names_but_these = staticmethod(_p.save_any_names_but_these)
    save_anything_except_these_names = staticmethod(_p.save_anything_except_these_names)
    save_from_both_policies = staticmethod(_p.save_from_both_policies)


__all__ = ["remat", "checkpoint_policies", "checkpoint_name"]
