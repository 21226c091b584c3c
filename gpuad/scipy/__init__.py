"""Differentiable pieces of SciPy: ``special``, ``stats``, ``signal.convolve`` and
``integrate.odeint``. Needs SciPy (``pip install 'gpuad[scipy]'``).

Example: ``from gpuad.scipy.special import logsumexp``
"""

try:
    import scipy as _scipy  # noqa: F401
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "gpuad.scipy needs SciPy, which is not installed: pip install 'gpuad[scipy]' "
        "(or pip install scipy)") from _e

from . import integrate, linalg, signal, special, stats  # noqa: E402,F401
