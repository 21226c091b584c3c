"""``cupyx.scipy.special`` of the stand-in: SciPy's ufuncs on unwrapped arrays."""

import scipy.special as _special
from cupy._namespace import function as _function


def __getattr__(name):
    f = _function(_special, "cupyx.scipy.special", name)
    if f is None:
        raise AttributeError(f"module 'cupyx.scipy.special' (stand-in) has no attribute {name!r}")
    globals()[name] = f
    return f
