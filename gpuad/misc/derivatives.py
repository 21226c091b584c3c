"""Derivative operators with HIPS autograd's names: ``elementwise_grad`` and
``hessian_vector_product``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import rules as _r
from ..transforms import grad, jvp, vjp
from ..tree import tree_flatten, tree_unflatten


def elementwise_grad(f: Callable, argnum: int = 0) -> Callable:
    """The vector-Jacobian product of ``f`` with a cotangent of ones: for a function applied
    element by element (a diagonal Jacobian) that is the derivative at every element.

    As ``autograd.elementwise_grad``; the result has the shape of argument ``argnum``.

    Example::

        d = elementwise_grad(gnp.tanh)(np.linspace(-2, 2, 5))   # 1 - tanh(x) ** 2
    """

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        def g(x):
            return f(*args[:argnum], x, *args[argnum + 1:], **kwargs)

        out, back = vjp(g, args[argnum])
        leaves, tdef = tree_flatten(out)
        for leaf in leaves:
            if _r.data(leaf).dtype.kind == "c":
                raise TypeError("elementwise_grad: f returns complex values; it applies to "
                                "real-valued functions only (use gpuad.vjp with a cotangent)")
        ones = [_r._xp(leaf).ones(_r.shape(leaf), dtype=_r.data(leaf).dtype) for leaf in leaves]
        return back(tree_unflatten(tdef, ones))[0]

    return wrapped


def hessian_vector_product(f: Callable, argnum: int = 0) -> Callable:
    """A function of ``(*args, vector)`` returning ``H @ vector``, the Hessian of scalar ``f``
    with respect to argument ``argnum`` times ``vector`` (same shape or pytree as that
    argument), computed exactly as forward mode over reverse mode.

    As ``autograd.hessian_vector_product``.

    Example::

        hvp = hessian_vector_product(lambda x: gnp.sum(x ** 3))
        hvp(x, v)                  # 6 * x * v
    """
    df = grad(f, argnum)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        args, vector = args[:-1], args[-1]
        if argnum >= len(args):
            raise TypeError(f"hessian_vector_product: argnum={argnum} but only {len(args)} "
                            f"arguments given before the vector")

        def g(x):
            return df(*args[:argnum], x, *args[argnum + 1:], **kwargs)

        return jvp(g, (args[argnum],), (vector,))[1]

    return wrapped
