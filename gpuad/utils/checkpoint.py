"""``torch.utils.checkpoint`` on :func:`gpuad.checkpoint`: ``checkpoint(function, *args)`` and
``checkpoint_sequential(functions, segments, input)`` with torch's arguments.

Both of torch's variants give gpuad's one behaviour, that of torch's ``use_reentrant=False``
done exactly: the block keeps only its arguments, backward runs it again (with the random
draws of the first run, whatever ``preserve_rng_state`` says) and differentiates it, also for
Tensors that require grad which it reads from its closure, under ``autograd.grad`` and
``backward(inputs=...)``, and to any order. A value the block read, written in place before
the backward, makes that backward raise.

Example::

    from gpuad.utils.checkpoint import checkpoint
    h = checkpoint(block, x, use_reentrant=False)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..custom import checkpoint as _checkpoint

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable | None = None, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, keeping only the arguments for backward, which computes
    the block again, as ``torch.utils.checkpoint.checkpoint``.

    ``use_reentrant`` (either value), ``preserve_rng_state`` (draws are always replayed, so
    the gradient matches the forward's), ``determinism_check`` and ``debug`` are taken and
    change nothing (backward always compares the block's run again with its forward, each
    float output's shape, dtype and sum, and raises ``GradError`` where they differ); torch's
    reentrant variant drops the gradients of closed-over parameters when no argument requires
    grad, gpuad's does not. ``context_fn`` (torch's selective
    checkpointing) raises: use ``gpuad.checkpoint(f, policy=...)``.

    Example: ``y = checkpoint(lambda h: gnp.tanh(h @ w), x, use_reentrant=False)``
    """
    if context_fn is not None:
        raise NotImplementedError(
            "checkpoint: context_fn (torch's selective checkpointing contexts) has no "
            "counterpart; choose what the block saves with gpuad.checkpoint(function, "
            "policy=gpuad.checkpoint_policies.save_only_these_names(...)) instead")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"checkpoint: determinism_check must be 'default' or 'none', got "
                         f"{determinism_check!r}")
    if use_reentrant and kwargs:
        raise ValueError("checkpoint: unexpected keyword arguments "
                         f"{', '.join(kwargs)} (torch's use_reentrant=True takes none; "
                         f"pass use_reentrant=False)")
    return _checkpoint(function)(*args, **kwargs)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Run the modules or functions of ``functions`` (a ``gpuad.nn.Sequential`` or a list)
    one after another on ``input``, in ``segments`` chunks of which all but the last are
    checkpointed, as ``torch.utils.checkpoint.checkpoint_sequential``.

    Example: ``y = checkpoint_sequential(net, 2, x, use_reentrant=False)``
    """
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError(f"checkpoint_sequential: unexpected keyword arguments "
                         f"{', '.join(kwargs)}")
    fns: Sequence = list(functions.children()) if hasattr(functions, "children") else \
        list(functions)
    if not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be a positive int, got "
                         f"{segments!r}")
    size = len(fns) // segments

    def run(start: int, end: int) -> Callable:
        def forward(h: Any) -> Any:
            for f in fns[start:end + 1]:
                h = f(h)
            return h
        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(fns) - 1)(input)
