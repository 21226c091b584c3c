"""``gpuad.debug.print`` and ``gpuad.debug.callback``: ``jax.debug``'s, for eager code."""

from __future__ import annotations

import builtins
from typing import Any

from .tensor import Tensor
from .tree import tree_flatten, tree_map


def _value(a: Any) -> Any:
    if isinstance(a, Tensor):
        if a._bat is not None:
            raise NotImplementedError(
                "gpuad.debug.print: a value batched by gpuad.vmap has no "
                "single value to print; print outside vmap"
            )
        return a.numpy()
    return a.get() if hasattr(a, "get") and hasattr(a, "shape") else a


def print(fmt: str, *args: Any, **kwargs: Any) -> None:  # noqa: A001  (JAX's name)
    """Print ``fmt.format(*args, **kwargs)`` with the arrays' values (read from the device).
    Inside ``gpuad.jit`` the values are not known when the function is traced: it raises.

    Example: ``gpuad.debug.print("loss {l:.3f} at step {s}", l=loss, s=step)``
    """
    from .jit import trace as _trace

    if _trace.active() is not None:
        raise _trace.TracerError(
            "gpuad.debug.print inside gpuad.jit: the values are not known while the function "
            "is traced; print the results outside the jitted function"
        )
    args = tree_map(_value, args)
    kwargs = tree_map(_value, kwargs)
    builtins.print(fmt.format(*args, **kwargs))


def callback(fn: Any, *args: Any, ordered: bool = False, **kwargs: Any) -> None:
    """``jax.debug.callback``: call ``fn(*args, **kwargs)`` for its effect (logging), with the
    arrays' values read to the host; returns None. Under ``grad`` it sees the primal values.
    Inside ``gpuad.jit`` (the values are not known while the function is traced) and on values
    batched by ``gpuad.vmap`` (JAX calls it once per example) it raises.

    Example: ``gpuad.debug.callback(lambda v: log.append(v), loss)``
    """
    from .jit import trace as _trace

    if _trace.active() is not None:
        raise _trace.TracerError(
            "gpuad.debug.callback inside gpuad.jit: the values are not known while the "
            "function is traced; call it on the results outside the jitted function"
        )
    if any(isinstance(a, Tensor) and a._bat is not None for a in tree_flatten((args, kwargs))[0]):
        raise NotImplementedError(
            "gpuad.debug.callback: a value batched by gpuad.vmap has no single value to pass; "
            "call it outside vmap")
    fn(*tree_map(_value, args), **tree_map(_value, kwargs))
