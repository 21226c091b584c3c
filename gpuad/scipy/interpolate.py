"""``jax.scipy.interpolate.RegularGridInterpolator``: linear or nearest interpolation on a
rectilinear grid, with JAX's results, differentiable in the values, the sample points, the grid
coordinates and ``fill_value``.

Each sample point finds its cell with ``searchsorted`` (JAX's side: a point on an interior grid
line belongs to the cell below it), and the result is a weighted sum of the values gathered at
the cell's corners: recorded operations only, so ``jit``, ``vmap`` and higher derivatives work.
The interpolator is a pytree (grid, values and fill value are its leaves), as in JAX.

Example::

    from gpuad.scipy.interpolate import RegularGridInterpolator
    f = RegularGridInterpolator((x, y), values, fill_value=0.0)
    f(gnp.stack([xs, ys], axis=-1))
"""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as _np

from .. import _value_checks as _vc
from .. import numpy as gnp
from ..rules import data
from ..tree import register_pytree_node

__all__ = ["RegularGridInterpolator"]

_METHODS = ("linear", "nearest")


def _method(method: Any) -> str:
    if method not in _METHODS:
        raise ValueError(f"RegularGridInterpolator: method {method!r} is not defined; use "
                         f"'linear' or 'nearest'")
    return method


class RegularGridInterpolator:
    """Interpolation of ``values`` given on the grid ``points`` (one strictly increasing 1-D
    array per leading axis of ``values``), as ``jax.scipy.interpolate.RegularGridInterpolator``:
    ``method`` ``"linear"`` or ``"nearest"``; points outside the grid get ``fill_value`` (NaN by
    default; ``None`` extrapolates from the edge cells). ``bounds_error=True`` raises, as JAX.
    Trailing axes of ``values`` beyond the grid's are carried along.

    Example::

        f = RegularGridInterpolator((gnp.linspace(0, 1, 5),), gnp.arange(5.0) ** 2)
        f(gnp.array([[0.1], [0.6]]))
    """

    def __init__(self, points: Any, values: Any, method: str = "linear",
                 bounds_error: bool = False, fill_value: Any = _np.nan):
        self.method = _method(method)
        self.bounds_error = bounds_error
        if bounds_error:
            raise NotImplementedError("RegularGridInterpolator: bounds_error=True is not "
                                      "supported (as in JAX, where it cannot act under jit)")
        values = gnp.asarray(values)
        if values.dtype.kind not in "fc":
            values = values.astype(_np.float64)
        points = tuple(points)
        if len(points) > values.ndim:
            raise ValueError(f"RegularGridInterpolator: there are {len(points)} point arrays, "
                             f"but values has {values.ndim} dimensions (shape "
                             f"{tuple(values.shape)})")
        grid = tuple(gnp.asarray(p) for p in points)
        for j, (g, n) in enumerate(zip(grid, values.shape, strict=False)):
            if g.ndim != 1 or g.shape[0] != n or n < 2:
                raise ValueError(
                    f"RegularGridInterpolator: points[{j}] must be 1-D with one coordinate per "
                    f"entry of values' axis {j} (at least 2), got shape {tuple(g.shape)} for "
                    f"values of shape {tuple(values.shape)}")
        grid, values = self._ascending(grid, values)
        if fill_value is not None:
            fill_value = gnp.asarray(fill_value)
            if fill_value.dtype.kind == "c" and values.dtype.kind != "c":
                raise ValueError("RegularGridInterpolator: fill_value must be either 'None' or "
                                 "of a type compatible with values")
        self.grid = grid
        self.values = values
        self.fill_value = fill_value

    @staticmethod
    def _ascending(grid: tuple, values: Any) -> tuple[tuple, Any]:
        """The grid with its descending axes flipped (values with them), as SciPy accepts
        them; a grid axis neither strictly ascending nor descending raises (its cells would
        have zero width, the weights would be nan)."""
        out = []
        for j, g in enumerate(grid):
            raw = data(g)
            _vc.fail_if("rgi_points",
                        lambda xp, a: ~(xp.all(a[1:] > a[:-1]) | xp.all(a[1:] < a[:-1])),
                        lambda j=j: ValueError(f"RegularGridInterpolator: the points in "
                                               f"dimension {j} must be strictly ascending or "
                                               f"descending"), raw)
            down = bool(raw[1] < raw[0])
            _vc.keep_branch("rgi_descending", down, lambda xp, a: a[1] < a[0], raw)
            if down:
                g = gnp.flip(g, 0)
                values = gnp.flip(values, j)
            out.append(g)
        return tuple(out), values

    def __call__(self, xi: Any, method: str | None = None) -> Any:
        """The interpolated values at ``xi`` (shape ``(..., ndim)``, or a tuple of ``ndim``
        arrays broadcast together): shape ``xi.shape[:-1] + values.shape[ndim:]``."""
        method = _method(self.method if method is None else method)
        nd = len(self.grid)
        if isinstance(xi, tuple) and len(xi) == 1:
            xi = xi[0]
        if isinstance(xi, tuple):
            parts = gnp.broadcast_arrays(*(gnp.asarray(p) for p in xi))
            xi = gnp.stack([p.astype(_np.float64) if p.dtype.kind not in "fc" else p
                            for p in parts], axis=-1)
        else:
            xi = gnp.asarray(xi)
            if xi.ndim == 1:
                xi = gnp.reshape(xi, (-1, nd))
        if xi.ndim == 0 or xi.shape[-1] != nd:
            raise ValueError(f"RegularGridInterpolator: the requested sample points xi have "
                             f"shape {tuple(xi.shape)}, but this interpolator has dimension {nd}")
        lead = tuple(xi.shape[:-1])
        pts = gnp.reshape(xi, (-1, nd))
        cells, fracs = [], []
        outside = None
        for j, g in enumerate(self.grid):
            x = pts[:, j]
            i = gnp.clip(gnp.searchsorted(g, x) - 1, 0, g.shape[0] - 2)
            lo, hi = gnp.take(g, i), gnp.take(g, i + 1)
            cells.append(i)
            fracs.append((x - lo) / (hi - lo))
            out_j = (x < g[0]) | (x > g[-1])
            outside = out_j if outside is None else outside | out_j
        tail = (1,) * (self.values.ndim - nd)
        grid_shape = tuple(self.values.shape[:nd])
        table = gnp.reshape(self.values, (-1,) + tuple(self.values.shape[nd:]))
        strides = [int(_np.prod(grid_shape[j + 1:])) for j in range(nd)]

        def at(idx):  # values at grid indices: one gather along the flattened grid axes
            pos = idx[0] * strides[0]
            for i, stride in zip(idx[1:], strides[1:], strict=True):
                pos = pos + i * stride
            return gnp.take(table, pos, axis=0)
        if method == "linear":
            result = None
            for corner in product((0, 1), repeat=nd):
                w = None
                for up, y in zip(corner, fracs, strict=True):
                    f = y if up else 1 - y
                    w = f if w is None else w * f
                term = at([i + up for i, up in zip(cells, corner, strict=True)])
                term = term * gnp.reshape(w, w.shape + tail)
                result = term if result is None else result + term
        else:
            result = at([gnp.where(y <= 0.5, i, i + 1) for i, y in zip(cells, fracs,
                                                                        strict=True)])
        if self.fill_value is not None:
            result = gnp.where(gnp.reshape(outside, outside.shape + tail), self.fill_value,
                               result)
        return gnp.reshape(result, lead + tuple(self.values.shape[nd:]))


register_pytree_node(
    RegularGridInterpolator,
    lambda f: ((f.grid, f.values, f.fill_value), (f.method, f.bounds_error)),
    lambda aux, leaves: RegularGridInterpolator(leaves[0], leaves[1], aux[0], aux[1],
                                                leaves[2]),
)


_ABSENT = {
    **dict.fromkeys(("interp1d", "interpn", "griddata"),
                    "for linear or nearest interpolation on a grid use RegularGridInterpolator "
                    "(1-D: RegularGridInterpolator((x,), y)); gpuad.numpy.interp for 1-D linear"),
    **dict.fromkeys(("CubicSpline", "make_interp_spline", "BSpline", "PchipInterpolator",
                     "Akima1DInterpolator", "splrep", "splev", "UnivariateSpline",
                     "RBFInterpolator"),
                    "splines are not implemented; use RegularGridInterpolator (linear), or "
                    "call SciPy on plain arrays where no derivative is needed"),
}


def __getattr__(name: str):
    if name in _ABSENT:
        raise AttributeError(f"module 'gpuad.scipy.interpolate' has no attribute {name!r}: "
                             f"{_ABSENT[name]}")
    raise AttributeError(f"module 'gpuad.scipy.interpolate' has no attribute {name!r}")
