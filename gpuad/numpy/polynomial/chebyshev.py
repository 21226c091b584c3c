"""``numpy.polynomial.chebyshev`` on Tensors: the Chebyshev series functions, recorded
(differentiable in the coefficients and the points), and the ``Chebyshev`` class holding
Tensor coefficients."""

from __future__ import annotations

from ._classes import Chebyshev
from ._module import namespace as _namespace

globals().update(_namespace("cheb"))

__all__ = sorted(n for n in globals() if n.startswith(("cheb", "poly2")) and not n.startswith("_"))
__all__ += ["Chebyshev"]


def chebpts1(npts: int):
    """Chebyshev points of the first kind (constants, as NumPy's). Example: ``chebpts1(5)``"""
    from ... import rules as _r
    from ._series import _checked

    return _r._xp(None).asarray(_checked("gpuad.numpy.polynomial.chebyshev.chebpts1",
                                         _np_cheb.chebpts1, npts))


def chebpts2(npts: int):
    """Chebyshev points of the second kind (constants, as NumPy's). Example: ``chebpts2(5)``"""
    from ... import rules as _r
    from ._series import _checked

    return _r._xp(None).asarray(_checked("gpuad.numpy.polynomial.chebyshev.chebpts2",
                                         _np_cheb.chebpts2, npts))


def chebinterpolate(func, deg: int, args=()):
    """The Chebyshev series of degree ``deg`` interpolating ``func`` at the Chebyshev points of
    the first kind, recorded: differentiable in what ``func`` computes from (its ``args``).
    Example: ``chebinterpolate(gnp.exp, 8)``"""
    import numpy as np

    from ... import numpy as gnp
    from ... import rules as _r

    d = np.asarray(deg)
    if d.ndim > 0 or d.dtype.kind not in "iu":
        raise TypeError("chebinterpolate: deg must be an int")
    if d < 0:
        raise ValueError("chebinterpolate: expected deg >= 0")
    order = int(d) + 1
    x = chebpts1(order)
    y = func(x, *args)
    m = chebvander(x, int(d))  # noqa: F821  (from the namespace above)
    c = gnp.tensordot(gnp.matrix_transpose(m), y, axes=1)
    scale = np.full(order, 2.0 / order)
    scale[0] = 1.0 / order
    scale = _r._xp(None).asarray(scale.reshape((order,) + (1,) * (_r.ndim(c) - 1)))
    return c * scale


import numpy.polynomial.chebyshev as _np_cheb  # noqa: E402

__all__ += ["chebpts1", "chebpts2", "chebinterpolate"]
