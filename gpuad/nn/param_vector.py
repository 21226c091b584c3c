"""``parameters_to_vector`` and ``vector_to_parameters`` of ``torch.nn.utils``: all weights
as one flat vector and back (for second-order optimisers, flat Hessian-vector products,
weight averaging).

Example::

    v = nn.utils.parameters_to_vector(model.parameters())
    nn.utils.vector_to_parameters(v * 0.5, model.parameters())
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import numpy as gnp
from .. import rules as _r
from .._state import no_grad
from ..tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Tensor | Iterable[Tensor]) -> Any:
    """The parameters raveled and joined in order into one 1-d array (differentiable: its
    gradient flows back to each parameter).

    Example: ``nn.utils.parameters_to_vector(model.parameters()).shape``
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: no parameters given")
    return gnp.concatenate([gnp.reshape(p, (-1,)) for p in params])


def vector_to_parameters(vec: Any, parameters: Tensor | Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d ``vec`` into the parameters, in order, in place (each
    write bumps the parameter's version, as any in-place write: a backward through a graph
    recorded before it raises). ``vec`` must hold exactly as many numbers as the parameters.

    Example: ``nn.utils.vector_to_parameters(v, model.parameters())``
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    vs = _r.shape(vec)
    if len(vs) != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-d vector, got shape {vs}")
    total = sum(math.prod(_r.shape(p)) for p in params)
    if vs[0] != total:
        raise ValueError(
            f"vector_to_parameters: the vector has {vs[0]} entries but the parameters hold {total}"
        )
    raw = vec.data if isinstance(vec, Tensor) else vec
    for p in params:
        if not np.can_cast(raw.dtype, p.dtype, "same_kind"):
            raise TypeError(f"vector_to_parameters: a vector of dtype {raw.dtype} cannot be "
                            f"written into a parameter of dtype {p.dtype} without losing "
                            f"values; cast it first")
    at = 0
    with no_grad():
        for p in params:
            n = math.prod(_r.shape(p))
            p[...] = gnp.reshape(raw[at : at + n], _r.shape(p)).astype(p.dtype)
            at += n
