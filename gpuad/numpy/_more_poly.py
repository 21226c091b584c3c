"""NumPy's polynomial functions (``numpy.polyval``, ``polyfit``, ``roots``, ...) on Tensors.

Coefficients run from the highest power down, as NumPy's. Each function follows NumPy's own
algorithm step by step (Horner's scheme for ``polyval``, repeated multiplication for
``vander``, the scaled least-squares problem for ``polyfit``, the companion matrix for
``roots``), written with differentiable operations, so values and dtypes match NumPy's and
derivatives are those of the computation: ``roots`` differentiates through the eigenvalues of
the companion matrix and ``polyfit`` through ``lstsq``, as ``jax.numpy`` does. Where NumPy
trims a result by its values (``roots`` strips leading and trailing zero coefficients,
``polydiv`` leading near-zero remainder terms, ``poly`` drops the imaginary part of conjugate
roots) the values are read, so under ``gpuad.jit`` these raise ``TracerError``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as _np

from .. import rules as _r
from ..complex_rules import real
from ..rules import concatenate, data, getitem, ndim, reshape, shape
from ..tensor import Tensor
from ._more_array import _host


def _xp(a):
    return _r._xp(a)


def _arr(a):
    """``a`` as an array: Tensors and backend arrays as they are, a list holding Tensors their
    recorded stack, anything else converted."""
    if isinstance(a, _np.poly1d):
        a = a.coeffs
    if isinstance(a, Tensor) or hasattr(a, "dtype") and hasattr(a, "shape"):
        return a
    if isinstance(a, list | tuple):
        from .._numpy_protocol import as_array_arg

        return as_array_arg(a)
    return _xp(None).asarray(a)


def _coeffs(a):
    return a.coeffs if isinstance(a, _np.poly1d) else a


def _dtype(a) -> _np.dtype:
    return _np.dtype(data(a).dtype)


def _len(a, what: str) -> int:
    if ndim(a) == 0:
        raise TypeError(f"{what}: len() of unsized object (a 0-d array)")
    return shape(a)[0]


def _1d(a):
    a = _arr(a)
    return reshape(a, (1,)) if ndim(a) == 0 else a


def polyval(p, x, *, unroll: int = 16):
    """The polynomial with coefficients ``p`` (highest power first) at ``x``, by Horner's
    scheme (``unroll``, jax.numpy's loop hint, changes nothing).
    Example: ``gnp.polyval(coeffs, x)``"""
    from . import zeros_like

    p, x = _arr(p), _arr(x)
    if ndim(p) == 0:
        raise TypeError("polyval: iteration over a 0-d array (p must be a sequence of "
                        "coefficients)")
    y: Any = zeros_like(x)
    for i in range(shape(p)[0]):
        y = y * x + getitem(p, i)
    return y


def _zeros_front(a, n: int):
    z = _xp(a).zeros(n, dtype=_dtype(a))
    return concatenate([z, a])


def polyadd(a1, a2):
    """The sum of two polynomials. Example: ``gnp.polyadd(p, q)``"""
    if isinstance(a1, _np.poly1d) or isinstance(a2, _np.poly1d):  # a poly1d in, a poly1d out
        return poly1d(polyadd(_coeffs(a1), _coeffs(a2)))
    a1, a2 = _1d(a1), _1d(a2)
    diff = _len(a2, "polyadd") - _len(a1, "polyadd")
    if diff == 0:
        return a1 + a2
    if diff > 0:
        return _zeros_front(a1, diff) + a2
    return a1 + _zeros_front(a2, -diff)


def polysub(a1, a2):
    """The difference of two polynomials. Example: ``gnp.polysub(p, q)``"""
    if isinstance(a1, _np.poly1d) or isinstance(a2, _np.poly1d):  # a poly1d in, a poly1d out
        return poly1d(polysub(_coeffs(a1), _coeffs(a2)))
    a1, a2 = _1d(a1), _1d(a2)
    diff = _len(a2, "polysub") - _len(a1, "polysub")
    if diff == 0:
        return a1 - a2
    if diff > 0:
        return _zeros_front(a1, diff) - a2
    return a1 - _zeros_front(a2, -diff)


def polymul(a1, a2, *, trim_leading_zeros: bool = False):
    """The product of two polynomials (their coefficients' convolution); with
    ``trim_leading_zeros`` (jax.numpy's) leading zero coefficients are dropped first.
    Example: ``gnp.polymul(p, q)``"""
    if isinstance(a1, _np.poly1d) or isinstance(a2, _np.poly1d):  # a poly1d in, a poly1d out
        return poly1d(polymul(_coeffs(a1), _coeffs(a2), trim_leading_zeros=trim_leading_zeros))
    from . import convolve, trim_zeros

    a1, a2 = _1d(a1), _1d(a2)
    if trim_leading_zeros and (shape(a1)[0] > 1 or shape(a2)[0] > 1):
        a1, a2 = trim_zeros(a1, trim="f"), trim_zeros(a2, trim="f")
    xp = _xp(a1)
    if shape(a1)[0] == 0:
        a1 = xp.zeros(1, dtype=_dtype(a1))
    if shape(a2)[0] == 0:
        a2 = xp.zeros(1, dtype=_dtype(a2))
    return convolve(a1, a2)


def polyder(p, m: int = 1):
    """The ``m``-th derivative of a polynomial. Example: ``gnp.polyder(p)``"""
    if isinstance(p, _np.poly1d):  # a poly1d in, a poly1d out
        return poly1d(polyder(_coeffs(p), m))
    m = int(m)
    if m < 0:
        raise ValueError("polyder: order of derivative must be positive (see polyint)")
    p = _arr(p)
    n = _len(p, "polyder") - 1
    y = getitem(p, slice(None, -1)) * _xp(p).arange(n, 0, -1)
    return p if m == 0 else polyder(y, m - 1)


def polyint(p, m: int = 1, k=None):
    """The ``m``-th antiderivative of a polynomial, with integration constants ``k`` (one per
    order, highest order's first; differentiable). Example: ``gnp.polyint(p, k=1.0)``"""
    if isinstance(p, _np.poly1d):  # a poly1d in, a poly1d out
        return poly1d(polyint(_coeffs(p), m, k))
    m = int(m)
    if m < 0:
        raise ValueError("polyint: order of integral must be positive (see polyder)")
    xp = _xp(p if isinstance(p, Tensor) else k)
    if k is None:
        k = xp.zeros(m, dtype=float)
    k = _1d(k)
    if shape(k)[0] == 1 and m > 1:
        k = getitem(k, 0) * xp.ones(m, dtype=float)
    if shape(k)[0] < m:
        raise ValueError("polyint: k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _arr(p)
    if m == 0:
        return p
    n = _len(p, "polyint")
    y = concatenate([p / xp.arange(n, 0, -1), getitem(k, slice(0, 1))])
    return polyint(y, m - 1, k=getitem(k, slice(1, None)))


def _constant_in(value, *args):
    """``value`` recorded on the Tensors among ``args`` with a derivative of exactly 0 (each
    enters through a select that never picks its first element), so a Tensor argument gives a
    Tensor result, never a bare array."""
    for a in args:
        if isinstance(a, Tensor):
            value = value - _r.where(False, getitem(a, 0), 0)
    return value


def polydiv(u, v):
    """Quotient and remainder of polynomial division (NumPy's: the remainder's leading terms
    within 1e-8 of zero are dropped, a choice made on the values).
    Example: ``q, r = gnp.polydiv(p, d)``"""
    if isinstance(u, _np.poly1d) or isinstance(v, _np.poly1d):  # a poly1d in, a poly1d out
        return tuple(poly1d(c) for c in polydiv(_coeffs(u), _coeffs(v)))
    u = _1d(u) + 0.0
    v = _1d(v) + 0.0
    w_dtype = _np.result_type(_dtype(u), _dtype(v))
    m, n = _len(u, "polydiv") - 1, _len(v, "polydiv") - 1
    v0 = getitem(v, 0)
    scale = 1.0 / v0
    r = _r.astype(u, w_dtype) if _dtype(u) != w_dtype else u
    q_parts = []
    for k in range(m - n + 1):
        d = scale * getitem(r, k)
        q_parts.append(reshape(d, (1,)))
        mid = getitem(r, slice(k, k + n + 1)) - d * v
        r = concatenate([getitem(r, slice(0, k)), mid, getitem(r, slice(k + n + 1, None))])
    if q_parts:
        q = concatenate(q_parts) if len(q_parts) > 1 else q_parts[0]
    else:  # deg u < deg v: quotient 0 and remainder u, constant in v
        q = _constant_in(_xp(u).zeros((1,), dtype=w_dtype), u, v)
        r = _constant_in(r, v)
    rv = _host(r, "polydiv: which leading remainder terms are zero (a shape that depends on "
                  "the values)")
    start = 0
    while start < rv.shape[0] - 1 and _np.allclose(rv[start], 0, rtol=1e-14):
        start += 1
    return q, getitem(r, slice(start, None)) if start else r


def _mintype(dt: _np.dtype) -> _np.dtype:
    return _np.dtype(_np.mintypecode(dt.char))


def poly(seq_of_zeros):
    """The coefficients of the monic polynomial with the given roots (or of a square matrix's
    characteristic polynomial). Example: ``gnp.poly([1.0, 2.0])``"""
    from . import linalg

    z = _1d(seq_of_zeros)
    sh = tuple(shape(z))
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        z = linalg.eigvals(z)
    elif len(sh) == 1:
        dt = _mintype(_dtype(z))
        if _dtype(z) != dt:
            z = _r.astype(z, dt)
    else:
        raise ValueError(f"poly: input must be 1d or non-empty square 2d array, got shape {sh}")
    if shape(z)[0] == 0:
        return 1.0
    dt = _dtype(z)
    xp = _xp(z)
    a: Any = xp.ones((1,), dtype=dt)
    zero_end = xp.zeros((1,), dtype=dt)
    for i in range(shape(z)[0]):
        zi = getitem(z, i)
        a = concatenate([a, zero_end]) + concatenate([zero_end, a * (-zi)])
    if dt.kind == "c":
        roots = _host(z, "poly: whether the complex roots come in conjugate pairs (a dtype that "
                         "depends on the values)").astype(complex)
        if _np.all(_np.sort(roots) == _np.sort(roots.conjugate())):
            from . import real

            a = real(a)
    return a


def roots(p):
    """The roots of the polynomial with coefficients ``p``: the eigenvalues of its companion
    matrix (leading and trailing zero coefficients are stripped on the values).
    Example: ``gnp.roots([1.0, -3.0, 2.0])``"""
    from . import linalg

    p = p0 = _1d(p)
    if ndim(p) != 1:
        raise ValueError(f"roots: input must be a rank-1 array, got shape {shape(p)}")
    vals = _host(p, "roots: where the nonzero coefficients start and end (a shape that depends "
                    "on the values)")
    nz = _np.nonzero(vals.ravel())[0]
    xp = _xp(p)
    # no roots: an empty Tensor for a Tensor p (on its tape), never a bare array
    none = None
    if isinstance(p0, Tensor):
        none = getitem(p0, slice(0, 0))
        none = _r.astype(real(none) if _dtype(none).kind == "c" else none, float)
    if nz.size == 0:
        return xp.asarray(_np.array([])) if none is None else none
    trailing = vals.shape[0] - int(nz[-1]) - 1
    p = getitem(p, slice(int(nz[0]), int(nz[-1]) + 1))
    if _dtype(p).kind not in "fc":
        p = _r.astype(p, float)
    n = shape(p)[0]
    if n > 1:
        first = reshape(-getitem(p, slice(1, None)) / getitem(p, 0), (1, n - 1))
        rest = xp.eye(n - 2, n - 1, dtype=_dtype(p))  # (the ones below the diagonal)
        r: Any = linalg.eigvals(concatenate([first, rest]))
    else:
        r = xp.asarray(_np.array([])) if none is None else none
    if trailing:
        r = concatenate([r, xp.zeros(trailing, dtype=_dtype(r))])
        if isinstance(p, Tensor):
            r = _tail_derivative(getitem(p0, slice(int(nz[0]), None)), trailing, r)
    return r


def _companion(p):
    """The companion matrix of ``p`` (a leading coefficient that is not 0)."""
    n = shape(p)[0]
    first = reshape(-getitem(p, slice(1, None)) / getitem(p, 0), (1, n - 1))
    rest = _xp(p).eye(n - 2, n - 1, dtype=_dtype(p))  # (the ones below the diagonal)
    return concatenate([first, rest])


def _tail_derivative(p, trailing: int, r):
    """``r`` (NumPy's roots of ``p``, its ``trailing`` zero roots last) made differentiable in
    the trailing zero coefficients of ``p`` too: NumPy strips them, but they move every root.
    One zero root is simple: the values follow the eigenvalues of the whole companion matrix.
    A repeated one has no derivative (it moves as a root of the perturbation): its eigenvalues
    come from an exactly zero block, where eig's derivative raises."""
    from . import linalg

    if _dtype(p).kind not in "fc":
        p = _r.astype(p, float)
    n = shape(p)[0]
    if trailing == 1:
        smooth = linalg.eigvals(_companion(p))
    else:
        xp = _xp(p)
        q = getitem(p, slice(0, n - trailing))
        tail = getitem(p, slice(n - trailing, None)) / getitem(q, -1)
        z = concatenate([reshape(tail, (1, trailing)),
                         xp.zeros((trailing - 1, trailing), dtype=_dtype(p))])
        m = n - trailing - 1
        if m:
            z = concatenate([xp.zeros((trailing, m), dtype=_dtype(p)), z], axis=1)
            top = concatenate([_companion(q), xp.zeros((m, trailing), dtype=_dtype(p))],
                              axis=1)
            z = concatenate([top, z])
        smooth = linalg.eigvals(z)
    want = _np.asarray(_host(r, "roots"))
    got = _np.asarray(_host(smooth, "roots")).astype(complex)
    order, free = [], list(range(got.size))
    for v in want:  # pair each root with the nearest eigenvalue not yet taken
        k = min(free, key=lambda j: abs(got[j] - v))
        free.remove(k)
        order.append(k)
    smooth = getitem(smooth, (_xp(p).asarray(_np.array(order, dtype=_np.intp)),))
    if _dtype(r).kind != "c":
        from . import real

        smooth = real(smooth)
    elif _dtype(smooth).kind != "c":
        smooth = _r.astype(smooth, _dtype(r))
    # the same values as NumPy's (a constant shift of a few roundings), the derivatives of
    # the eigenvalues
    return smooth + _xp(p).asarray(want - _host(smooth, "roots"))


def vander(x, N: int | None = None, increasing: bool = False):
    """The Vandermonde matrix of ``x``: columns ``x**(N-1), ..., x, 1`` (reversed with
    ``increasing``), built by repeated multiplication as NumPy does.
    Example: ``gnp.vander(x, 3)``"""
    from . import broadcast_to, cumprod, flip

    x = _arr(x)
    if ndim(x) != 1:
        raise ValueError(f"vander: x must be a one-dimensional array or sequence, got shape "
                         f"{shape(x)}")
    n = shape(x)[0]
    if N is None:
        N = n
    if N < 0:
        raise ValueError(f"vander: negative dimensions are not allowed (N={N})")
    dt = _np.promote_types(_dtype(x), int)
    if _dtype(x) != dt:
        x = _r.astype(x, dt)
    xp = _xp(x)
    if N <= 1:
        return xp.ones((n, max(N, 0)), dtype=dt)
    powers = cumprod(broadcast_to(reshape(x, (n, 1)), (n, N - 1)), axis=1)
    v = concatenate([xp.ones((n, 1), dtype=dt), powers], axis=1)
    return v if increasing else flip(v, 1)


def polyfit(x, y, deg: int, rcond=None, full: bool = False, w=None, cov: bool | str = False):
    """Least-squares polynomial fit, as ``numpy.polyfit`` (coefficients highest power first),
    differentiable in ``x``, ``y`` and ``w`` through ``lstsq``.
    Example: ``p = gnp.polyfit(x, y, 2)``"""
    from . import linalg, sqrt, sum

    order = int(deg) + 1
    x = _arr(x) + 0.0
    y = _arr(y) + 0.0
    if deg < 0:
        raise ValueError("polyfit: expected deg >= 0")
    if ndim(x) != 1:
        raise TypeError(f"polyfit: expected 1D vector for x, got shape {shape(x)}")
    if shape(x)[0] == 0:
        raise TypeError("polyfit: expected non-empty vector for x")
    if ndim(y) < 1 or ndim(y) > 2:
        raise TypeError(f"polyfit: expected 1D or 2D array for y, got shape {shape(y)}")
    if shape(x)[0] != shape(y)[0]:
        raise TypeError(f"polyfit: expected x and y to have same length, got shapes "
                        f"{shape(x)} and {shape(y)}")
    m = shape(x)[0]
    if rcond is None:
        rcond = m * _np.finfo(_dtype(x)).eps
    lhs = vander(x, order)
    rhs = y
    if w is not None:
        w = _arr(w) + 0.0
        if ndim(w) != 1:
            raise TypeError(f"polyfit: expected a 1-d array for weights, got shape {shape(w)}")
        if shape(w)[0] != shape(y)[0]:
            raise TypeError(f"polyfit: expected w and y to have the same length, got shapes "
                            f"{shape(w)} and {shape(y)}")
        wc = reshape(w, (m, 1))
        lhs = lhs * wc
        rhs = rhs * (wc if ndim(rhs) == 2 else w)
    scale = sqrt(sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    c, resids, rank, s = linalg.lstsq(lhs, rhs, rcond)
    c = c / (reshape(scale, (order, 1)) if ndim(c) == 2 else scale)
    if isinstance(rank, int | _np.integer) and rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", _np.exceptions.RankWarning,
                      stacklevel=2)
    if full:
        return c, resids, rank, s, rcond
    if cov:
        from . import matmul, matrix_transpose, outer

        vbase = linalg.inv(matmul(matrix_transpose(lhs), lhs)) / outer(scale, scale)
        if cov == "unscaled":
            fac: Any = 1
        else:
            if m <= order:
                raise ValueError("polyfit: the number of data points must exceed order to "
                                 "scale the covariance matrix")
            fac = resids / (m - order)
        if ndim(y) == 1:
            return c, vbase * fac
        return c, reshape(vbase, (order, order, 1)) * fac
    return c


class poly1d(_np.poly1d):
    """``numpy.poly1d`` holding Tensor coefficients (highest power first): its arithmetic,
    division, composition ``p(q)``, ``deriv`` and ``integ`` are recorded and give
    ``gnp.poly1d`` again (``numpy.poly1d(t)`` holds a Tensor too, but its division and
    composition convert it). Example: ``p = gnp.poly1d(t); (p * p)(x)``"""

    def __init__(self, c_or_r, r: bool = False, variable: str | None = None):
        from . import trim_zeros

        if isinstance(c_or_r, _np.poly1d):
            variable = variable or c_or_r.variable
            c_or_r = c_or_r.coeffs
        from .._numpy_protocol import recording

        c = poly(c_or_r) if r else _1d(c_or_r)
        if ndim(c) > 1:
            raise ValueError(f"poly1d: Polynomial must be 1d only, got shape {shape(c)}")
        if not (isinstance(c, Tensor) and recording(c)):  # (a recorded 0 has a derivative)
            c = trim_zeros(c, trim="f")
        if shape(c)[0] == 0:
            c = _xp(c).zeros(1, dtype=_dtype(c))
        self._coeffs = c
        self._variable = variable or "x"

    def __call__(self, val):
        if isinstance(val, _np.poly1d):
            out: Any = poly1d(getitem(self.coeffs, slice(0, 1)))
            for i in range(1, shape(self.coeffs)[0]):
                out = out * val + getitem(self.coeffs, i)
            return out
        return polyval(self.coeffs, val)

    def _c(self, other):
        return poly1d(other).coeffs

    def __neg__(self):
        return poly1d(-self.coeffs)

    def __mul__(self, other):
        if _np.isscalar(other):
            return poly1d(self.coeffs * other)
        return poly1d(polymul(self.coeffs, self._c(other)))

    def __rmul__(self, other):
        if _np.isscalar(other):
            return poly1d(other * self.coeffs)
        return poly1d(polymul(self._c(other), self.coeffs))

    def __add__(self, other):
        return poly1d(polyadd(self.coeffs, self._c(other)))

    __radd__ = __add__

    def __sub__(self, other):
        return poly1d(polysub(self.coeffs, self._c(other)))

    def __rsub__(self, other):
        return poly1d(polysub(self._c(other), self.coeffs))

    def __pow__(self, val):
        if not _np.isscalar(val) or int(val) != val or val < 0:
            raise ValueError("poly1d: Power to non-negative integers only.")
        res: Any = poly1d([1.0])
        for _ in range(int(val)):
            res = res * self
        return res

    def __truediv__(self, other):
        if _np.isscalar(other):
            return poly1d(self.coeffs / other)
        q, r = polydiv(self.coeffs, self._c(other))
        return poly1d(q), poly1d(r)

    def __rtruediv__(self, other):
        if _np.isscalar(other):
            return poly1d(other / self.coeffs)
        q, r = polydiv(self._c(other), self.coeffs)
        return poly1d(q), poly1d(r)

    def __eq__(self, other):
        if not isinstance(other, _np.poly1d):
            return NotImplemented
        if tuple(shape(self.coeffs)) != tuple(shape(other.coeffs)):
            return False
        return bool(_np.all(_host(self.coeffs, "poly1d ==") == _host(other.coeffs, "poly1d ==")))

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None

    def __repr__(self):  # NumPy's, of the values (a Tensor's repr is not an array's)
        vals = repr(_np.asarray(_host(self.coeffs, "poly1d repr")))[6:-1]
        return f"poly1d({vals})"

    def deriv(self, m: int = 1):
        return poly1d(polyder(self.coeffs, m))

    def integ(self, m: int = 1, k=0):
        return poly1d(polyint(self.coeffs, m, k))


__all__ = ["poly1d", "polyval", "polyadd", "polysub", "polymul", "polyder", "polyint",
           "polydiv", "poly", "roots", "vander", "polyfit"]
