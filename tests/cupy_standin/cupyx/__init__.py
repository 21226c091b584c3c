"""``cupyx`` of the stand-in: scatters (``numpy.ufunc.at``), ``allow_synchronize``, and
``cupyx.scipy.special``."""

from __future__ import annotations

import numpy as _numpy
from cupy import _capture
from cupy._core import allow_synchronize, ndarray, unwrap, unwrap_index  # noqa: F401


def _scatter(ufunc, name):
    def scatter(a, slices, value):
        if type(a) is not ndarray:
            raise TypeError(f"cupyx.{name}: a must be a cupy.ndarray, got {type(a)}")
        args = (a._a, unwrap_index(slices), unwrap(value))
        if not _capture.write(ufunc.at, args, {}):
            ufunc.at(*args)

    scatter.__name__ = name
    return scatter


scatter_add = _scatter(_numpy.add, "scatter_add")
scatter_max = _scatter(_numpy.maximum, "scatter_max")
scatter_min = _scatter(_numpy.minimum, "scatter_min")



def empty_pinned(shape, dtype=float, order="C"):
    """A NumPy array (page-locked host memory in CuPy; host memory is all the stand-in has)."""
    return _numpy.empty(shape, dtype, order)


from . import scipy  # noqa: E402,F401
