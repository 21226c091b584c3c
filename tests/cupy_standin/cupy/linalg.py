"""``cupy.linalg`` of the stand-in: ``numpy.linalg`` on unwrapped arrays."""

import numpy as _numpy

from ._namespace import function as _function

LinAlgError = _numpy.linalg.LinAlgError


def __getattr__(name):
    f = _function(_numpy.linalg, "cupy.linalg", name)
    if f is None:
        raise AttributeError(f"module 'cupy.linalg' (stand-in) has no attribute {name!r}")
    globals()[name] = f
    return f
