"""``numpy.polynomial.polynomial`` on Tensors: the Polynomial series functions, recorded
(differentiable in the coefficients and the points), and the ``Polynomial`` class holding
Tensor coefficients."""

from __future__ import annotations

from ._classes import Polynomial
from ._module import namespace as _namespace

globals().update(_namespace("poly"))

__all__ = sorted(n for n in globals() if n.startswith(("poly", "poly2")) and not n.startswith("_"))
__all__ += ["Polynomial"]


def polyvalfromroots(x, r, tensor: bool = True):
    """The monic polynomial with roots ``r`` at ``x``: ``prod(x - r)`` over the first axis of
    ``r``, recorded. Example: ``polyvalfromroots(x, r)``"""
    from ... import numpy as gnp
    from ... import rules as _r
    from ._series import _checked, _dummy, _is_array
    from .polyutils import _arr, _float, _ndmin1

    _checked("gpuad.numpy.polynomial.polynomial.polyvalfromroots",
             _np_polyvalfromroots, _dummy(x, 0.5), _dummy(r), tensor)
    r = _float(_ndmin1(r))
    if isinstance(x, list | tuple):
        x = _arr(x)
    if _is_array(x) and tensor:
        r = _r.reshape(r, tuple(_r.shape(r)) + (1,) * _r.ndim(x))
    return gnp.prod(x - r, axis=0)


from numpy.polynomial.polynomial import polyvalfromroots as _np_polyvalfromroots  # noqa: E402

__all__ += ["polyvalfromroots"]
