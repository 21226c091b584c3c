"""``jax.experimental.ode.odeint``: ``dy/dt = func(y, t, *args)`` with JAX's signature (``y0``
a pytree, ``args`` positional), differentiable in ``y0``, ``t`` and the float arrays in
``args`` (adjoint method in reverse mode, sensitivities in forward mode).

It runs :func:`gpuad.scipy.integrate.odeint` (SciPy's LSODA on the host, with ``rtol`` and
``atol``) rather than JAX's Dormand-Prince: values and derivatives agree with JAX's to the
tolerances asked, not digit for digit. ``mxstep`` and ``hmax`` bound LSODA's steps
(``inf``: no bound). Like gpuad's ``odeint``, ``func`` must receive every differentiated
value through ``args`` (one read by closure raises).

Example::

    from gpuad.experimental.ode import odeint
    ys = odeint(lambda y, t, k: -k * y, y0, gnp.linspace(0.0, 1.0, 11), k)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as _np

from .. import numpy as gnp
from ..flatten_util import ravel_pytree
from ..tree import tree_flatten, tree_unflatten

__all__ = ["odeint"]


def odeint(func: Callable, y0: Any, t: Any, *args: Any, rtol: float = 1.4e-8,
           atol: float = 1.4e-8, mxstep: float = math.inf, hmax: float = math.inf) -> Any:
    """``y(t)`` for each time in ``t`` (increasing), stacked along a leading axis of each
    leaf of ``y0``'s pytree (``jax.experimental.ode.odeint``).

    Example: ``odeint(lambda y, t: -y, 1.0, gnp.array([0.0, 1.0]))[-1]`` is ``exp(-1)``
    """
    from ..scipy.integrate import odeint as _lsoda

    for a in tree_flatten(args)[0]:
        if not hasattr(a, "dtype") and not isinstance(a, int | float | complex | bool):
            raise TypeError(
                f"The contents of odeint *args must be arrays or scalars, but got {a!r}.")
    leaves, tdef = tree_flatten(y0)
    # JAX returns each leaf in its own dtype; LSODA steps in float64, so func is evaluated in
    # float64 too (a float32 state rounded at every evaluation would make LSODA's error
    # control, at tolerances such as 1e-10, take tens of thousands of steps) and the result
    # is cast back to each leaf's dtype
    dtypes = [_np.dtype(leaf.dtype) if hasattr(leaf, "dtype") else _np.asarray(leaf).dtype
              for leaf in leaves]
    wide = [_np.promote_types(d, _np.float64) if d.kind in "fc" else d for d in dtypes]
    if wide != dtypes:
        y0 = tree_unflatten(tdef, [gnp.astype(leaf, w) if w != d else leaf
                                   for leaf, d, w in zip(leaves, dtypes, wide, strict=True)])
    flat0, unravel = ravel_pytree(y0)

    def f(y, tt, *a):
        return ravel_pytree(func(unravel(y), tt, *a))[0]

    kw = {"rtol": rtol, "atol": atol,
          "mxstep": 0 if math.isinf(mxstep) else int(mxstep),
          "hmax": 0.0 if math.isinf(hmax) else float(hmax)}
    if math.isinf(mxstep):
        kw["mxstep"] = 10 ** 9
    ys = _lsoda(f, flat0, t, args=tuple(args), **kw)        # (len(t), size)
    out, off = [], 0
    for leaf, dt in zip(leaves, dtypes, strict=True):
        shp = tuple(gnp.shape(leaf))
        n = 1
        for d in shp:
            n *= d
        y = gnp.reshape(ys[:, off:off + n], (ys.shape[0],) + shp)
        out.append(gnp.astype(y, dt) if dt.kind in "fc" and y.dtype != dt else y)
        off += n
    return tree_unflatten(tdef, out)
