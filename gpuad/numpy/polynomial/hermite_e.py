"""``numpy.polynomial.hermite_e`` on Tensors: the HermiteE series functions, recorded
(differentiable in the coefficients and the points), and the ``HermiteE`` class holding
Tensor coefficients."""

from __future__ import annotations

from ._classes import HermiteE
from ._module import namespace as _namespace

globals().update(_namespace("herme"))

__all__ = sorted(n for n in globals() if n.startswith(("herme", "poly2")) and not n.startswith("_"))
__all__ += ["HermiteE"]
