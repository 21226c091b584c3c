"""``jax.scipy.interpolate.RegularGridInterpolator`` and SciPy's ``interp1d`` (linear and
nearest, built on it). RegularGridInterpolator: linear or nearest interpolation on a
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
from .._numpy_protocol import stop_gradient
from ..rules import data
from ..tree import register_pytree_node
from ._absent import absent_names

__all__ = ["RegularGridInterpolator", "interp1d"]

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
            if _vc.tracing():  # under gpuad.jit: the direction chosen on every call
                down = g[1] < g[0]
                out.append(gnp.where(down, gnp.flip(g, 0), g))
                values = gnp.where(down, gnp.flip(values, j), values)
                continue
            if bool(raw[1] < raw[0]):
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



class interp1d:  # noqa: N801 - SciPy's name
    """``scipy.interpolate.interp1d`` for ``kind`` ``"linear"`` (``"slinear"``) and
    ``"nearest"``: ``y`` (samples along ``axis``) interpolated at new points, SciPy's values,
    differentiable in ``x``, ``y``, the new points and a Tensor ``fill_value``.

    ``bounds_error`` (default: raise unless ``fill_value="extrapolate"``) raises
    ``ValueError`` for a new point outside ``[x[0], x[-1]]``; otherwise those get
    ``fill_value`` (a value, an array broadcasting against ``y`` without ``axis``, a pair
    ``(below, above)``, or ``"extrapolate"`` from the end cells). ``nearest`` sends a point
    half way down, as SciPy's. Unsorted ``x`` is sorted unless ``assume_sorted``.

    Example: ``interp1d(x, y, fill_value="extrapolate")(gnp.linspace(-1, 2, 7))``
    """

    def __init__(self, x: Any, y: Any, kind: str = "linear", axis: int = -1, copy: bool = True,
                 bounds_error: bool | None = None, fill_value: Any = _np.nan,
                 assume_sorted: bool = False):
        if kind == "slinear":
            kind = "linear"
        if kind not in ("linear", "nearest"):
            raise NotImplementedError(
                f"interp1d: kind={kind!r} is not implemented; 'linear' and 'nearest' are (a "
                f"spline kind has no gpuad counterpart yet)")
        x, y = gnp.asarray(x), gnp.asarray(y)
        if x.ndim != 1:
            raise ValueError(f"interp1d: the x array must have exactly one dimension, got shape "
                             f"{tuple(x.shape)}")
        if y.ndim == 0:
            raise ValueError("interp1d: the y array must have at least one dimension")
        if not -y.ndim <= axis < y.ndim:
            raise _np.exceptions.AxisError(f"interp1d: axis {axis} is out of bounds for y of "
                                           f"dimension {y.ndim}")
        axis = axis % y.ndim
        if x.shape[0] != y.shape[axis]:
            raise ValueError(f"interp1d: x and y arrays must be equal in length along "
                             f"interpolation axis; got {x.shape[0]} and {y.shape[axis]} "
                             f"(y of shape {tuple(y.shape)}, axis {axis})")
        if x.shape[0] < 2:
            raise ValueError(f"interp1d: x and y arrays must have at least 2 entries, got "
                             f"{x.shape[0]}")
        if y.dtype.kind not in "fc":
            y = y.astype(_np.float64)
        if x.dtype.kind != "f":
            x = x.astype(_np.float64)
        if not assume_sorted:
            order = gnp.argsort(x)
            x, y = gnp.take(x, order), gnp.take(y, order, axis=axis)
        extrapolate = isinstance(fill_value, str) and fill_value == "extrapolate"
        if isinstance(fill_value, str) and not extrapolate:
            raise ValueError(f"interp1d: fill_value must be a value, a pair or 'extrapolate', "
                             f"got {fill_value!r}")
        if bounds_error is None:
            bounds_error = not extrapolate
        if bounds_error and extrapolate:
            raise ValueError("interp1d: cannot extrapolate and raise at the same time")
        self.x, self.y, self.axis, self.kind = x, y, axis, kind
        self.bounds_error, self.fill_value = bool(bounds_error), fill_value
        self._grid = RegularGridInterpolator((x,), gnp.moveaxis(y, axis, 0), "linear",
                                             fill_value=None)

    def __call__(self, x_new: Any) -> Any:
        """The interpolated values: shape ``y.shape[:axis] + x_new.shape +
        y.shape[axis + 1:]``."""
        xn = gnp.asarray(x_new)
        if xn.dtype.kind != "f":
            xn = xn.astype(_np.float64)
        lead = tuple(xn.shape)
        flat = gnp.reshape(xn, (-1,))
        x0, x1 = self.x[0], self.x[-1]
        if self.bounds_error:
            _vc.fail_if("interp1d_bounds", lambda xp, v, lo, hi: (v < lo) | (v > hi),
                        lambda: ValueError("interp1d: a value in x_new is outside the "
                                           "interpolation range [x[0], x[-1]]; pass "
                                           "bounds_error=False with a fill_value, or "
                                           "fill_value='extrapolate'"),
                        data(flat), data(x0), data(x1))
        if self.kind == "nearest":  # SciPy's rule: compare with the cells' midpoints
            mids = (self.x[1:] + self.x[:-1]) / 2
            idx = gnp.searchsorted(stop_gradient(mids), stop_gradient(flat), side="left")
            r = gnp.take(gnp.moveaxis(self.y, self.axis, 0), idx, axis=0)
        else:
            r = self._grid(gnp.reshape(flat, (-1, 1)))
        if not self.bounds_error and not (isinstance(self.fill_value, str)):
            rest = tuple(r.shape[1:])
            fv = self.fill_value
            below, above = (fv if isinstance(fv, tuple) and len(fv) == 2 else (fv, fv))
            tail = (1,) * len(rest)
            lo = gnp.reshape(flat < x0, (-1,) + tail)
            hi = gnp.reshape(flat > x1, (-1,) + tail)
            r = gnp.where(lo, gnp.asarray(below, dtype=r.dtype),
                          gnp.where(hi, gnp.asarray(above, dtype=r.dtype), r))
        r = gnp.reshape(r, lead + tuple(r.shape[1:]))
        k = len(lead)
        return gnp.moveaxis(r, tuple(range(k)), tuple(range(self.axis, self.axis + k)))


_ABSENT = {
    **dict.fromkeys(("interpn", "griddata"),
                    "for linear or nearest interpolation on a grid use RegularGridInterpolator "
                    "(1-D: RegularGridInterpolator((x,), y)); gpuad.numpy.interp for 1-D linear"),
    **dict.fromkeys(("CubicSpline", "make_interp_spline", "BSpline", "PchipInterpolator",
                     "Akima1DInterpolator", "splrep", "splev", "UnivariateSpline",
                     "RBFInterpolator"),
                    "splines are not implemented; use RegularGridInterpolator (linear), or "
                    "call SciPy on plain arrays where no derivative is needed"),
}


__getattr__ = absent_names("gpuad.scipy.interpolate", _ABSENT)
