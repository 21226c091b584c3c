"""``numpy.polynomial.chebyshev`` on Tensors: the Chebyshev series functions, recorded
(differentiable in the coefficients and the points), and the ``Chebyshev`` class holding
Tensor coefficients."""

from __future__ import annotations

from ._classes import Chebyshev
from ._module import namespace as _namespace

globals().update(_namespace("cheb"))

__all__ = sorted(n for n in globals() if n.startswith(("cheb", "poly2")) and not n.startswith("_"))
__all__ += ["Chebyshev"]
