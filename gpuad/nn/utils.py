"""Gradient clipping on ``.grad`` in place, as ``torch.nn.utils``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .. import numpy as gnp
from .._state import no_grad
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Any:
    """Scale every ``p.grad`` in place by ``min(1, max_norm / (total + 1e-6))``, where
    ``total`` is the ``norm_type`` norm of all the gradients together (``math.inf``: the
    largest magnitude); returns ``total`` (a 0-d Tensor), as ``torch.nn.utils.clip_grad_norm_``.
    ``error_if_nonfinite=True`` raises ``RuntimeError`` where ``total`` is nan or inf (a read of
    the value on the host).

    Example: ``loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 0.25)``
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return gnp.asarray(0.0)
    with no_grad():
        if norm_type == math.inf:
            total = gnp.max(gnp.stack([gnp.max(gnp.abs(g)) for g in grads]))
        elif norm_type <= 0:
            raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
        else:
            total = gnp.sum(gnp.stack([gnp.sum(gnp.abs(g) ** norm_type) for g in grads])) \
                ** (1.0 / norm_type)
        if error_if_nonfinite and not math.isfinite(float(total)):
            raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                               f"gradients is {float(total)}; pass error_if_nonfinite=False to "
                               f"clip anyway")
        coef = gnp.minimum(max_norm / (total + 1e-6), 1.0)
        for g in grads:
            g *= coef.astype(g.dtype)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every ``p.grad`` in place to ``[-clip_value, clip_value]``, as
    ``torch.nn.utils.clip_grad_value_``.

    Example: ``nn.utils.clip_grad_value_(model.parameters(), 1.0)``
    """
    with no_grad():
        for g in _grads(parameters):
            g[...] = gnp.clip(g, -clip_value, clip_value)


# all weights as one flat vector and back
from .param_vector import parameters_to_vector, vector_to_parameters  # noqa: E402, F401

__all__ += ["parameters_to_vector", "vector_to_parameters"]

# packed and padded sequences: gpuad.nn.utils.rnn, importable by that name as os.path is
import sys as _sys  # noqa: E402

from . import rnn_utils as rnn  # noqa: E402

_sys.modules[__name__ + ".rnn"] = rnn

# parametrized and pruned tensors: gpuad.nn.utils.parametrize, .parametrizations, .prune
from . import parametrizations, parametrize, prune  # noqa: E402

_sys.modules[__name__ + ".parametrize"] = parametrize
_sys.modules[__name__ + ".parametrizations"] = parametrizations
_sys.modules[__name__ + ".prune"] = prune
