"""``numpy.polynomial.laguerre`` on Tensors: the Laguerre series functions, recorded
(differentiable in the coefficients and the points), and the ``Laguerre`` class holding
Tensor coefficients."""

from __future__ import annotations

from ._classes import Laguerre
from ._module import namespace as _namespace

globals().update(_namespace("lag"))

__all__ = sorted(n for n in globals() if n.startswith(("lag", "poly2")) and not n.startswith("_"))
__all__ += ["Laguerre"]
