"""``cupy.fft`` of the stand-in: ``numpy.fft`` on unwrapped arrays."""

import numpy as _numpy

from ._namespace import function as _function


def __getattr__(name):
    f = _function(_numpy.fft, "cupy.fft", name)
    if f is None:
        raise AttributeError(f"module 'cupy.fft' (stand-in) has no attribute {name!r}")
    globals()[name] = f
    return f
