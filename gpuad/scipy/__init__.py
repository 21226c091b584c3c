"""Differentiable pieces of SciPy. Example: ``from gpuad.scipy.special import logsumexp``."""

from . import linalg, special  # noqa: F401
