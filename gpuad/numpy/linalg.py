"""``numpy.linalg``, differentiable: inv, solve, det, slogdet, cholesky, norm."""

from __future__ import annotations

import numpy as _np

from .. import rules as _r
from ..rules import MissingRuleError, cholesky, det, inv, logabsdet, solve  # noqa: F401
from ..tensor import Tensor


def slogdet(a):
    """(sign, log|det a|). For a real matrix the sign is piecewise constant (not
    differentiated); for a complex one it is the phase ``det / |det|`` and differentiable."""
    d = a.data if isinstance(a, Tensor) else a
    if getattr(d, "dtype", None) is not None and d.dtype.kind == "c":
        from ..complex_rules import sign_det

        return sign_det(a), logabsdet(a)
    sign = _r._xp(d).linalg.slogdet(d)[0]
    return (Tensor(sign) if isinstance(a, Tensor) else sign), logabsdet(a)


def norm(x, ord=None, axis=None, keepdims: bool = False):
    """Vector and matrix norms as ``numpy.linalg.norm`` (2-norm/Frobenius, 1, inf, p).

    The gradient of the 2-norm at 0 is taken to be 0.
    """
    nd = _r.ndim(x)
    if axis is None:
        if ord is None or (ord == "fro" and nd == 2) or (ord == 2 and nd == 1):
            return _r.norm2(x, axis=None, keepdims=keepdims, shape=_r.shape(x))
        axis = tuple(range(nd))
    if isinstance(axis, int):
        axis = (axis,)
    axis = tuple(a % nd for a in axis)
    if len(axis) == 1:
        if ord is None or ord == 2:
            return _r.norm2(x, axis=axis, keepdims=keepdims, shape=_r.shape(x))
        ax = axis[0]
        if ord == _np.inf:
            return _r.max(_r.abs(x), ax, keepdims=keepdims)
        if ord == -_np.inf:
            return _r.min(_r.abs(x), ax, keepdims=keepdims)
        if ord == 0:
            return _r.sum(_r.astype(_r.not_equal(x, 0), _r.data(x).dtype), ax, keepdims=keepdims)
        if ord == 1:
            return _r.sum(_r.abs(x), ax, keepdims=keepdims)
        return _r.power(_r.sum(_r.power(_r.abs(x), ord), ax, keepdims=keepdims), 1.0 / ord)
    if len(axis) == 2:
        r, c = axis
        if ord is None or ord == "fro":
            return _r.norm2(x, axis=tuple(sorted(axis)), keepdims=keepdims, shape=_r.shape(x))
        if ord in (1, -1):
            s = _r.sum(_r.abs(x), r, keepdims=True)
            red = _r.max if ord == 1 else _r.min
            out = red(s, c, keepdims=True)
        elif ord in (_np.inf, -_np.inf):
            s = _r.sum(_r.abs(x), c, keepdims=True)
            red = _r.max if ord == _np.inf else _r.min
            out = red(s, r, keepdims=True)
        else:
            raise MissingRuleError(
                f"norm: ord={ord!r} over two axes needs singular values, which gpuad does not "
                f"differentiate yet"
            )
        return out if keepdims else _r.reshape(
            out, tuple(n for i, n in enumerate(_r.shape(x)) if i not in axis))
    raise ValueError(f"norm: axis must be an int or a pair of ints, got {axis}")
