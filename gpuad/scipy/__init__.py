"""Differentiable pieces of SciPy. Example: ``from gpuad.scipy.special import logsumexp``."""

from . import special  # noqa: F401
