"""``autograd.misc.fixed_points.fixed_point``: a fixed point found by iteration, differentiated
by the implicit function theorem (the adjoint is itself a fixed point), to any order.

Example::

    from gpuad.misc.fixed_points import fixed_point
    sqrt = lambda a: fixed_point(lambda a: lambda x: x - 0.05 * (x**2 - a), a, 10.0,
                                 lambda x, y: gnp.abs(x - y), 1e-10)
    gpuad.grad(gpuad.grad(sqrt))(2.0)   # -1 / (4 * 2**1.5), to the tolerance
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import numpy as gnp
from ..custom import custom_vjp
from ..transforms import vjp


def _iterate(f: Callable, a: Any, x0: Any, distance: Callable, tol: float) -> Any:
    step = f(a)
    x, x_prev = step(x0), x0
    while distance(x, x_prev) > tol:
        x, x_prev = step(x), x
    return x


def _fixed_point_fwd(f, distance, tol, a, x0):
    x = _iterate(f, a, x0, distance, tol)
    return x, (a, x, x0)


def _fixed_point_bwd(f, distance, tol, res, g):
    a, x_star, x0 = res

    def rev_iter(params):
        a_, xs, xs_bar = params
        _, vjp_x = vjp(f(a_), xs)
        return lambda u: vjp_x(u)[0] + xs_bar

    w = fixed_point(rev_iter, (a, x_star, g), gnp.zeros_like(x_star), distance, tol)
    _, vjp_a = vjp(lambda a_: f(a_)(x_star), a)
    return vjp_a(w)[0], gnp.zeros_like(x0)


def _fixed_point(f, distance, tol, a, x0):
    return _iterate(f, a, x0, distance, tol)


_fixed_point = custom_vjp(_fixed_point, nondiff_argnums=(0, 1, 2))
_fixed_point.defvjp(_fixed_point_fwd, _fixed_point_bwd)


def fixed_point(f: Callable, a: Any, x0: Any, distance: Callable, tol: float) -> Any:
    """Iterate ``x = f(a)(x)`` from ``x0`` until ``distance(x, x_prev) <= tol`` (autograd's
    signature). Differentiable in ``a`` (a pytree), to any order; the result does not depend
    on ``x0``, whose derivative is zero.

    Example: ``fixed_point(lambda a: lambda x: 0.5 * (x + a / x), 2.0, 1.0,
    lambda x, y: gnp.abs(x - y), 1e-12)`` is ``sqrt(2)``.
    """
    return _fixed_point(f, distance, tol, a, x0)
