"""Helpers for code ported from HIPS autograd: ``flatten``, its derivative operators
(``elementwise_grad``, ``hessian_vector_product``, ``make_jvp``, ``make_ggnvp``, ... under
autograd's names and argument orders), the pytree optimizers in :mod:`gpuad.misc.optimizers`
and ``fixed_point`` in :mod:`gpuad.misc.fixed_points`.

Example::

    from gpuad.misc import flatten
    vec, unflatten = flatten({"w": w, "b": b})   # one 1-D backend array, and its inverse
"""

from __future__ import annotations

from . import fixed_points, optimizers  # noqa: F401
from .derivatives import (
    deriv,
    elementwise_grad,
    grad_and_aux,
    grad_named,
    hessian_tensor_product,
    hessian_vector_product,
    holomorphic_grad,
    make_ggnvp,
    make_hvp,
    make_jvp,
    make_vjp,
    multigrad_dict,
    tensor_jacobian_product,
    vector_jacobian_product,
)
from .flatten import flatten

__all__ = ["flatten", "elementwise_grad", "hessian_vector_product", "hessian_tensor_product",
           "make_vjp", "make_jvp", "make_hvp", "make_ggnvp", "tensor_jacobian_product",
           "vector_jacobian_product", "grad_named", "grad_and_aux", "deriv", "holomorphic_grad",
           "multigrad_dict", "optimizers", "fixed_points"]
