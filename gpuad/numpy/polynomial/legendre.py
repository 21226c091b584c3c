"""``numpy.polynomial.legendre`` on Tensors: the Legendre series functions, recorded
(differentiable in the coefficients and the points), and the ``Legendre`` class holding
Tensor coefficients."""

from __future__ import annotations

from ._classes import Legendre
from ._module import namespace as _namespace

globals().update(_namespace("leg"))

__all__ = sorted(n for n in globals() if n.startswith(("leg", "poly2")) and not n.startswith("_"))
__all__ += ["Legendre"]
