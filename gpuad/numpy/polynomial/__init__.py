"""``numpy.polynomial`` on Tensors: power, Chebyshev, Legendre, Hermite, HermiteE and Laguerre
series, recorded from ``gpuad.numpy`` operations (differentiable in the coefficients and the
points, on both backends, under ``gpuad.jit`` and ``gpuad.vmap`` except where NumPy's result
shape depends on the values: trimming, ``XXroots``' order), and the convenience classes holding
Tensor coefficients. Example: ``gpuad.numpy.polynomial.chebyshev.chebval(x, c)``."""

from __future__ import annotations

from . import chebyshev, hermite, hermite_e, laguerre, legendre, polynomial, polyutils
from ._classes import Chebyshev, Hermite, HermiteE, Laguerre, Legendre, Polynomial

__all__ = ["polynomial", "chebyshev", "legendre", "hermite", "hermite_e", "laguerre",
           "polyutils", "Polynomial", "Chebyshev", "Legendre", "Hermite", "HermiteE",
           "Laguerre", "set_default_printstyle"]


def set_default_printstyle(style: str) -> None:
    """NumPy's ``numpy.polynomial.set_default_printstyle`` (the classes print as NumPy's).
    Example: ``set_default_printstyle("ascii")``"""
    import numpy as np

    np.polynomial.set_default_printstyle(style)
