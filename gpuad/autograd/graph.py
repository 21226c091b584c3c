"""``torch.autograd.graph``'s saved-tensor hooks, which gpuad does not have.

gpuad's tape keeps each saved value as a device array next to its version (the fast paths
write them without a Python call per value), so there is no point where a ``pack`` function
could replace a saved value and an ``unpack`` function give it back. Entering
``saved_tensors_hooks`` or ``save_on_cpu`` raises ``NotImplementedError`` rather than running
the block without the hooks; ``disable_saved_tensors_hooks`` is a block that changes nothing
(no hooks can be registered inside it, nor anywhere else).

To hold fewer values during backward, use ``gpuad.checkpoint`` (torch's
``torch.utils.checkpoint``, which torch builds on these hooks): the block keeps only its
inputs and is computed again in backward.

Example::

    block = gpuad.checkpoint(lambda h: gnp.tanh(h @ w))   # instead of save_on_cpu()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_WHY = (
    "gpuad keeps saved values on the tape as device arrays and has no saved-tensor hooks; "
    "running the block without them would silently drop the pack/unpack functions. To save "
    "memory during backward, wrap the block in gpuad.checkpoint (recomputed in backward)"
)


class saved_tensors_hooks:
    """``torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook)``: raises
    ``NotImplementedError`` when made (see the module docstring)."""

    def __init__(self, pack_hook: Callable, unpack_hook: Callable) -> None:
        raise NotImplementedError(f"saved_tensors_hooks: {_WHY}")


class save_on_cpu:
    """``torch.autograd.graph.save_on_cpu(pin_memory=False, device_type="cuda")``: raises
    ``NotImplementedError`` when made (see the module docstring)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        raise NotImplementedError(f"save_on_cpu: {_WHY}")


class disable_saved_tensors_hooks:
    """``torch.autograd.graph.disable_saved_tensors_hooks(error_message)``: a block (or
    decorator) that changes nothing, since gpuad has no saved-tensor hooks to disable.

    Example: ``with gpuad.autograd.graph.disable_saved_tensors_hooks("no hooks here"): ...``
    """

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, fn: Callable) -> Callable:
        return fn
