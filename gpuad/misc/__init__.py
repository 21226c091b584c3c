"""Helpers for code ported from HIPS autograd: ``flatten``, ``elementwise_grad``,
``hessian_vector_product`` and the pytree optimizers in :mod:`gpuad.misc.optimizers`.

Example::

    from gpuad.misc import flatten
    vec, unflatten = flatten({"w": w, "b": b})   # one 1-D backend array, and its inverse
"""

from __future__ import annotations

from . import optimizers  # noqa: F401
from .derivatives import elementwise_grad, hessian_vector_product
from .flatten import flatten

__all__ = ["flatten", "elementwise_grad", "hessian_vector_product", "optimizers"]
