"""``torch.nn.utils.stateless`` (also ``gpuad.nn.utils.stateless``): its deprecated
``functional_call``, which is ``gpuad.func.functional_call`` with torch's FutureWarning.
Example: ``stateless.functional_call(model, {"weight": w}, (x,))``"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

__all__ = ["functional_call"]


def functional_call(module: Any, parameters_and_buffers: Any, args: Any = None,
                    kwargs: Mapping[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the named parameters and buffers swapped in, as
    ``torch.nn.utils.stateless.functional_call`` (deprecated there in favour of
    ``torch.func.functional_call``, which this calls)."""
    from ..func import functional_call as call

    warnings.warn("This API is deprecated as of PyTorch 2.0 and will be removed in a future "
                  "version of PyTorch. Please use torch.func.functional_call instead which "
                  "is a drop-in replacement.", FutureWarning, stacklevel=2)
    return call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights,
                strict=strict)
