"""``torch.amp``: mixed precision as PyTorch programs write it (docs/porting.md).

``autocast`` runs the operations on torch's autocast lists in float16 or float32;
``GradScaler`` scales the loss, unscales the gradients and skips the optimizer steps whose
gradients hold an inf or NaN.

Example::

    scaler = gpuad.amp.GradScaler()
    with gpuad.autocast("cuda"):
        loss = F.mse_loss(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
"""

from __future__ import annotations

from ._autocast import (
    autocast,
    custom_bwd,
    custom_fwd,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
)
from ._grad_scaler import GradScaler, OptState

__all__ = ["autocast", "custom_fwd", "custom_bwd", "GradScaler", "OptState",
           "is_autocast_enabled", "get_autocast_dtype", "is_autocast_available"]


def _register_jit_key() -> None:
    from ._autocast import _key
    from .jit import api

    if _key not in api.KEY_PARTS:
        api.KEY_PARTS.append(_key)


_register_jit_key()


def _install_lists() -> None:
    import sys

    from ._autocast import install_listed

    install_listed("gpuad.numpy", "gpuad.numpy.linalg", "tensor")
    if "gpuad.nn.functional" in sys.modules:  # (otherwise gpuad/nn/__init__ does it)
        install_listed("gpuad.nn.functional")


_install_lists()
