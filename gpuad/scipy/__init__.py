"""Differentiable pieces of SciPy: ``special``, ``stats``, ``signal.convolve``,
``integrate.odeint``, ``ndimage`` (filters, spline interpolation, shift/zoom/rotate), and
jax.scipy's ``fft`` (DCT), ``ndimage.map_coordinates`` and
``interpolate.RegularGridInterpolator``. Needs SciPy (``pip install 'gpuad[scipy]'``).

Example: ``from gpuad.scipy.special import logsumexp``
"""

try:
    import scipy as _scipy  # noqa: F401
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "gpuad.scipy needs SciPy, which is not installed: pip install 'gpuad[scipy]' "
        "(or pip install scipy)") from _e

from . import (  # noqa: E402,F401
    fft,
    integrate,
    interpolate,
    linalg,
    ndimage,
    optimize,
    signal,
    sparse,
    special,
    stats,
)

_ABSENT = {
    "spatial": "jax.scipy.spatial.transform (Rotation, Slerp) has no counterpart",
    "cluster": "jax.scipy.cluster.vq.vq has no counterpart: the nearest code is "
               "gpuad.numpy.argmin of the squared distances",
}


def __getattr__(name: str):
    if name in _ABSENT:
        raise AttributeError(f"module 'gpuad.scipy' has no attribute {name!r}: {_ABSENT[name]}")
    raise AttributeError(f"module 'gpuad.scipy' has no attribute {name!r}")
