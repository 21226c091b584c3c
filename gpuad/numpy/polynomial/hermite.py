"""``numpy.polynomial.hermite`` on Tensors: the Hermite series functions, recorded
(differentiable in the coefficients and the points), and the ``Hermite`` class holding
Tensor coefficients."""

from __future__ import annotations

from ._classes import Hermite
from ._module import namespace as _namespace

globals().update(_namespace("herm"))

__all__ = sorted(n for n in globals() if n.startswith(("herm", "poly2")) and not n.startswith("_"))
__all__ += ["Hermite"]
