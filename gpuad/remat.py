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


def _policy(name: str) -> Callable:
    def policy(*args: Any, **kwargs: Any) -> bool:
        return False  # save nothing: what gpuad.checkpoint does under every policy

    policy.__name__ = policy.__qualname__ = name
    return policy


def _policy_factory(name: str) -> Callable:
    def make(*names: Any, **kwargs: Any) -> Callable:
        return _policy(name)

    make.__name__ = make.__qualname__ = name
    return make


class checkpoint_policies:  # noqa: N801  (JAX's name: a namespace of policies)
    """``jax.checkpoint_policies``' names, for code that passes one to :func:`remat`; every
    policy saves nothing (gpuad keeps a block's inputs only), so results are the same and
    memory is at its least. Example: ``remat(f, policy=checkpoint_policies.dots_saveable)``"""

    nothing_saveable = staticmethod(_policy("nothing_saveable"))
    everything_saveable = staticmethod(_policy("everything_saveable"))
    dots_saveable = checkpoint_dots = staticmethod(_policy("dots_saveable"))
    dots_with_no_batch_dims_saveable = checkpoint_dots_with_no_batch_dims = staticmethod(
        _policy("dots_with_no_batch_dims_saveable")
    )
    save_only_these_names = staticmethod(_policy_factory("save_only_these_names"))
    save_any_names_but_these = staticmethod(_policy_factory("save_any_names_but_these"))
    save_anything_except_these_names = staticmethod(
        _policy_factory("save_anything_except_these_names")
    )
    save_from_both_policies = staticmethod(_policy_factory("save_from_both_policies"))
