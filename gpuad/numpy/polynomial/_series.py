"""One implementation of the series functions of ``numpy.polynomial`` for all six bases.

A basis is given by its three-term recurrence ``x B_n = A_n B_{n+1} + C_n B_n + G_n B_{n-1}``.
Everything is written with recorded ``gpuad.numpy`` operations: evaluation runs the recurrence
(Horner's scheme for powers), products and division build ``B_j * c`` with the same recurrence,
and the maps that are linear in the coefficients (derivative, antiderivative, basis changes,
companion matrices) are constant matrices applied with ``tensordot``; the constants come from
NumPy's own function applied to unit coefficient vectors, which also checks the arguments as
NumPy does. Trimming trailing zero coefficients (``XXadd``, ``XXmul``, ``XXroots``, ...) reads
the values, as NumPy's shapes depend on them: under ``gpuad.jit`` those raise ``TracerError``.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as _np

from ... import rules as _r
from ...tensor import Tensor
from .._more_array import _host
from .._more_poly import _constant_in
from . import polyutils as pu
from .polyutils import _arr, _dtype, _float, _ndmin1

_NPP = _np.polynomial


def _gnp():
    from ... import numpy as gnp

    return gnp


def _xp(a=None):
    return _r._xp(a)


def _const(a, like=None, dtype=None):
    """A NumPy constant as a backend array, in the real dtype of ``like``."""
    if dtype is None and like is not None:
        dt = _dtype(like)
        dtype = _np.empty(0, dt).real.dtype if dt.kind in "fc" else _np.float64
    return _xp(like).asarray(_np.asarray(a, dtype=dtype))


def _shape(a) -> tuple:
    if isinstance(a, Tensor) or hasattr(a, "shape") and hasattr(a, "dtype"):
        return tuple(a.shape)
    if isinstance(a, list | tuple):
        return tuple(_r.shape(_arr(a)))
    return _np.shape(a)


def _dummy(a, fill=1.0):
    """A NumPy stand-in for ``a`` (same shape and dtype) to let NumPy check the arguments."""
    if isinstance(a, Tensor) or (hasattr(a, "shape") and hasattr(a, "dtype")
                                 and not isinstance(a, _np.ndarray | _np.generic)):
        return _np.full(tuple(a.shape), fill, dtype=_np.dtype(_r.data(a).dtype))
    if isinstance(a, list | tuple) and any(isinstance(e, Tensor) for e in pu._flat(a)):
        return _dummy(_arr(a), fill)
    return a


def _checked(qualname: str, fn, *args, **kw):
    """Run NumPy's ``fn`` on stand-ins; re-raise its error (same type) naming ``qualname``."""
    try:
        with warnings.catch_warnings(), _np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args, **kw)
    except (ValueError, TypeError, ZeroDivisionError, IndexError) as e:
        try:
            err = type(e)(f"{qualname}: {e}")
        except Exception:  # an exception type taking other arguments
            err = ValueError(f"{qualname}: {e}")
        raise err from None


def _is_array(x) -> bool:
    return isinstance(x, Tensor) or (hasattr(x, "shape") and hasattr(x, "dtype")
                                     and not isinstance(x, _np.generic))


class Basis:
    """The recurrence coefficients of one basis and the functions built on them."""

    def __init__(self, prefix: str, module: str, rec):
        self.prefix, self.np = prefix, getattr(_NPP, module)
        self.public = f"gpuad.numpy.polynomial.{module}"
        self._rec = rec  # n -> (A_n, C_n, G_n)

    def rec(self, n: int) -> tuple[float, float, float]:
        return self._rec(n)

    def npf(self, name: str):
        return getattr(self.np, self.prefix + name)

    def q(self, name: str) -> str:
        return f"{self.public}.{self.prefix}{name}"

    # ---- constant linear maps --------------------------------------------------------------

    @functools.cache  # noqa: B019  (six bases, made once at import)
    def mulx_matrix(self, n: int) -> _np.ndarray:
        """(n+1, n): the coefficients of ``x * B_k`` in column ``k``."""
        m = _np.zeros((n + 1, n))
        for k in range(n):
            a, c, g = self.rec(k)
            m[k + 1, k] += a
            m[k, k] += c
            if k:
                m[k - 1, k] += g
        return m

    @functools.cache  # noqa: B019  (six bases, made once at import)
    def to_power(self, n: int) -> _np.ndarray:
        """(n, n): the power coefficients of ``B_k`` in column ``k``."""
        out = _np.zeros((n, n))
        prev, cur = None, _np.zeros(n)
        cur[0] = 1.0
        for k in range(n):
            out[:, k] = cur
            if k + 1 == n:
                break
            a, c, g = self.rec(k)
            nxt = _np.roll(cur, 1) - c * cur
            if prev is not None:
                nxt = nxt - g * prev
            prev, cur = cur, nxt / a
        return out

    @functools.cache  # noqa: B019  (six bases, made once at import)
    def from_power(self, n: int) -> _np.ndarray:
        """(n, n): the coefficients of ``x**k`` in this basis in column ``k``."""
        out = _np.zeros((n, n))
        cur = _np.zeros(n + 1)
        cur[0] = 1.0
        for k in range(n):
            out[:, k] = cur[:n]
            cur = self.mulx_matrix(n) @ cur[:n]
        return out

    @functools.cache  # noqa: B019  (six bases, made once at import)
    def der_matrix(self, n: int, m: int) -> _np.ndarray:
        return _np.asarray(self.npf("der")(_np.eye(n), m, 1.0, 0))

    @functools.cache  # noqa: B019  (six bases, made once at import)
    def int_matrix(self, n: int) -> _np.ndarray:
        return _np.asarray(self.npf("int")(_np.eye(n), 1, [], 0, 1.0, 0))

    @functools.cache  # noqa: B019  (six bases, made once at import)
    def companion_parts(self, n: int) -> tuple[_np.ndarray, _np.ndarray]:
        """``M0`` and ``D`` with companion(c) = M0 + sum_j (c_j / c_{n-1}) D_j."""
        f = self.npf("companion")
        e = _np.zeros(n)
        e[-1] = 1.0
        m0 = _np.asarray(f(e), dtype=float)
        d = []
        for j in range(n - 1):
            u = e.copy()
            u[j] = 1.0
            d.append(_np.asarray(f(u), dtype=float) - m0)
        return m0, _np.stack(d)

    # ---- helpers on series -----------------------------------------------------------------

    def mulx_raw(self, c):
        """``x * c`` (no trimming); ``c`` along axis 0."""
        n = _r.shape(c)[0]
        return _gnp().tensordot(_const(self.mulx_matrix(n), c), c, axes=1)

    def times_basis(self, c, count: int) -> list:
        """``[B_0 * c, B_1 * c, ..., B_{count-1} * c]`` (1-d, each one longer than the last)."""
        out = [c]
        prev, cur = None, c
        for k in range(count - 1):
            a, cc, g = self.rec(k)
            nxt = self.mulx_raw(cur)
            if cc:
                nxt = nxt - cc * _pad(cur, 1)
            if g and prev is not None:
                nxt = nxt - g * _pad(prev, 2)
            prev, cur = cur, nxt / a if a != 1 else nxt
            out.append(cur)
        return out

    def mul_raw(self, c1, c2):
        """The product of two 1-d series, untrimmed (length n1 + n2 - 1)."""
        gnp = _gnp()
        if self.prefix == "poly":
            return gnp.convolve(c1, c2)
        n1, n2 = _r.shape(c1)[0], _r.shape(c2)[0]
        terms = self.times_basis(c1, n2)
        total: Any = None
        for j, s in enumerate(terms):
            t = _pad(s, n1 + n2 - 1 - _r.shape(s)[0]) * _r.getitem(c2, j)
            total = t if total is None else total + t
        return total

    def basis_values(self, x, count: int) -> list:
        """``[B_0(x), ..., B_{count-1}(x)]``."""
        one = x * 0 + 1
        out = [one]
        prev, cur = None, one
        for k in range(count - 1):
            a, c, g = self.rec(k)
            nxt = (x - c) * cur if c else x * cur
            if g and prev is not None:
                nxt = nxt - g * prev
            prev, cur = cur, nxt / a if a != 1 else nxt
            out.append(cur)
        return out


def _pad(c, k: int):
    """``c`` with ``k`` zero coefficients appended along axis 0."""
    if k <= 0:
        return c
    z = _xp(c).zeros((k,) + tuple(_r.shape(c)[1:]), dtype=_dtype(c))
    return _r.concatenate([c, z])


def _nonzero_last(c, what: str) -> None:
    """Refuse a recorded series whose last coefficient is exactly 0 (kept, not trimmed: see
    polyutils): a root goes to infinity as it moves, so the roots have no derivative there."""
    if pu._recorded(c) and _host(_r.getitem(c, -1), what) == 0:
        raise ValueError(
            f"{what}: the last coefficient of this series that requires grad is exactly 0 "
            f"(NumPy drops it; its derivative would send a root to infinity): drop it "
            f"explicitly (trimcoef(c, tol) with tol > 0, or c[:-1]) before taking the roots")


def _double(a):
    dt = _np.result_type(_dtype(a), _np.float64)
    return a if _dtype(a) == dt else _r.astype(a, dt)


def _coef(c):
    """NumPy's ``np.array(c, ndmin=1)`` with integer coefficients as float64."""
    return _float(_ndmin1(c))


def _move0(c, axis: int):
    return _gnp().moveaxis(c, axis, 0) if axis else c


def _move_back(c, axis: int):
    return _gnp().moveaxis(c, 0, axis) if axis else c


def _unit0(n: int, like, ndim: int):
    e = _np.zeros((n,) + (1,) * (ndim - 1))
    e[0] = 1.0
    return _const(e, like)


# ---- the functions, made once per basis ------------------------------------------------------

def make(b: Basis) -> dict:
    p = b.prefix
    gnp = _gnp()

    def val(x, c, tensor: bool = True):
        _checked(b.q("val"), b.npf("val"), _dummy(x, 0.5), _dummy(c), tensor)
        c = _coef(c)
        if isinstance(x, list | tuple):
            x = _arr(x)
        if _is_array(x) and tensor:
            c = _r.reshape(c, tuple(_r.shape(c)) + (1,) * _r.ndim(x))
        n = _r.shape(c)[0]
        if p == "poly":  # Horner's scheme, as NumPy
            y = _r.getitem(c, n - 1) + x * 0
            for k in range(n - 2, -1, -1):
                y = _r.getitem(c, k) + y * x
            return y
        y = None
        for k, bk in enumerate(b.basis_values(x, n)):
            t = _r.getitem(c, k) * bk if k else _r.getitem(c, 0) + x * 0
            y = t if y is None else y + t
        return y

    def _valnd(name, args, c):
        _checked(b.q(name), b.npf(name), *[_dummy(a, 0.5) for a in args], _dummy(c))
        args = [_arr(a) for a in args]
        y = val(args[0], c)
        for xi in args[1:]:
            y = val(xi, y, tensor=False)
        return y

    def _gridnd(name, args, c):
        _checked(b.q(name), b.npf(name), *[_dummy(a, 0.5) for a in args], _dummy(c))
        for xi in args:
            c = val(xi, c)
        return c

    def val2d(x, y, c):
        return _valnd("val2d", [x, y], c)

    def val3d(x, y, z, c):
        return _valnd("val3d", [x, y, z], c)

    def grid2d(x, y, c):
        return _gridnd("grid2d", [x, y], c)

    def grid3d(x, y, z, c):
        return _gridnd("grid3d", [x, y, z], c)

    def der(c, m: int = 1, scl=1, axis: int = 0):
        sd = _dummy(scl)
        _checked(b.q("der"), b.npf("der"), _dummy(c), m, sd, axis)
        c = _coef(c)
        axis = int(axis) % _r.ndim(c)
        m = int(m)
        if m == 0:
            return c * 1
        c = _move0(c, axis)
        d = _const(b.der_matrix(_r.shape(c)[0], m), c)
        out = gnp.tensordot(d, c, axes=1) * scl ** m
        return _move_back(out, axis)

    def integ(c, m: int = 1, k=[], lbnd=0, scl=1, axis: int = 0):  # noqa: B006
        kl = list(k) if _np.iterable(k) else [k]
        _checked(b.q("int"), b.npf("int"), _dummy(c), m, [0.0] * len(kl),
                 _np.zeros(_shape(lbnd)), _np.ones(_shape(scl)), axis)
        c = _coef(c)
        axis = int(axis) % _r.ndim(c)
        m = int(m)
        if m == 0:
            return c * 1
        kl = kl + [0] * (m - len(kl))
        c = _move0(c, axis)
        for i in range(m):
            n = _r.shape(c)[0]
            if n == 1 and not _np.any(_host(c, f"{b.q('int')}: whether the series is zero "
                                                  f"(NumPy then only adds the constant)")):
                c = c + kl[i]
                continue
            tmp = gnp.tensordot(_const(b.int_matrix(n), c), c, axes=1) * scl
            tmp = tmp + _unit0(n + 1, tmp, _r.ndim(tmp)) * (kl[i] - val(lbnd, tmp))
            c = tmp
        return _move_back(c, axis)

    def _two(name, c1, c2):
        _checked(b.q(name), pu_np.as_series, [_dummy(c1), _dummy(c2)])
        return pu.as_series([c1, c2])

    def add(c1, c2):
        c1, c2 = _two("add", c1, c2)
        n1, n2 = _r.shape(c1)[0], _r.shape(c2)[0]
        return pu.trimseq(_pad(c1, n2 - n1) + _pad(c2, n1 - n2))

    def sub(c1, c2):
        c1, c2 = _two("sub", c1, c2)
        n1, n2 = _r.shape(c1)[0], _r.shape(c2)[0]
        return pu.trimseq(_pad(c1, n2 - n1) - _pad(c2, n1 - n2))

    def mulx(c):
        _checked(b.q("mulx"), pu_np.as_series, [_dummy(c)])
        [c] = pu.as_series([c])
        if _r.shape(c)[0] == 1 and not _np.any(_host(c, f"{b.q('mulx')}: whether c is 0")):
            return c
        return b.mulx_raw(c)

    def mul(c1, c2):
        c1, c2 = _two("mul", c1, c2)
        return pu.trimseq(b.mul_raw(c1, c2))

    def div(c1, c2):
        c1, c2 = _two("div", c1, c2)
        last = _host(_r.getitem(c2, -1), f"{b.q('div')}: whether the divisor is 0")
        if last == 0:
            raise ZeroDivisionError(f"{b.q('div')}: the divisor's last coefficient is 0")
        n1, n2 = _r.shape(c1)[0], _r.shape(c2)[0]
        if n1 < n2:  # quotient 0 and remainder c1, constant in c2
            return _constant_in(_r.getitem(c1, slice(0, 1)) * 0, c2), _constant_in(c1, c2)
        if n2 == 1:  # remainder 0
            return c1 / _r.getitem(c2, -1), _constant_in(_r.getitem(c1, slice(0, 1)) * 0, c2)
        prods = b.times_basis(c2, n1 - n2 + 1)
        rem, quo = c1, [None] * (n1 - n2 + 1)
        for i in range(n1 - n2, -1, -1):
            pi = prods[i]
            q = _r.getitem(rem, -1) / _r.getitem(pi, -1)
            rem = _r.getitem(rem, slice(0, -1)) - q * _r.getitem(pi, slice(0, -1))
            quo[i] = q
        return gnp.stack(quo), pu.trimseq(rem)

    def power(c, pow, maxpower=None if p == "poly" else 16):  # noqa: A002
        _checked(b.q("pow"), b.npf("pow"), _dummy(c), pow, maxpower)
        [c] = pu.as_series([c])
        pw = int(pow)
        if pw == 0:
            return _xp(c).asarray(_np.array([1], dtype=_dtype(c)))
        prd = c
        for _ in range(2, pw + 1):
            prd = pu.trimseq(b.mul_raw(prd, c))
        return prd

    def vander(x, deg):
        _checked(b.q("vander"), b.npf("vander"), _dummy(x, 0.5), deg)
        ideg = int(deg)
        x = _ndmin1(x) + 0.0
        return gnp.stack(b.basis_values(x, ideg + 1), axis=-1)

    def _vandernd(name, pts, degs):
        _checked(b.q(name), b.npf(name), *[_dummy(a, 0.5) for a in pts], degs)
        pts = [_arr(a) + 0.0 for a in pts]
        nd = len(pts)
        out: Any = None
        for i, (xi, di) in enumerate(zip(pts, degs, strict=True)):
            v = vander(xi, di)
            sh = tuple(_r.shape(v))
            v = _r.reshape(v, sh[:-1] + (1,) * i + (sh[-1],) + (1,) * (nd - 1 - i))
            out = v if out is None else out * v
        sh = tuple(_r.shape(out))
        return _r.reshape(out, sh[:-nd] + (-1,))

    def vander2d(x, y, deg):
        return _vandernd("vander2d", [x, y], list(deg))

    def vander3d(x, y, z, deg):
        return _vandernd("vander3d", [x, y, z], list(deg))

    def fit(x, y, deg, rcond=None, full: bool = False, w=None):
        return _fit(b, vander, x, y, deg, rcond, full, w)

    def companion(c):
        _checked(b.q("companion"), pu_np.as_series, [_dummy(c)])
        _checked(b.q("companion"), b.npf("companion"), _np.ones(
            _r.shape(pu.as_series([c])[0])))
        [c] = pu.as_series([c])
        _nonzero_last(c, b.q("companion"))
        n = _r.shape(c)[0]
        m0, d = b.companion_parts(n)
        u = _r.getitem(c, slice(0, -1)) / _r.getitem(c, -1)
        return _const(m0, u) + gnp.tensordot(u, _const(d, u), axes=1)

    def roots(c):
        _checked(b.q("roots"), pu_np.as_series, [_dummy(c)])
        [c] = pu.as_series([c])
        n = _r.shape(c)[0]
        if n < 2:  # no roots: of a Tensor c an empty Tensor on its tape, never a bare array
            return _r.getitem(c, slice(0, 0))
        _nonzero_last(c, b.q("roots"))
        if n == 2:
            a0, c0, _ = b.rec(0)
            return _r.reshape(c0 - a0 * _r.getitem(c, 0) / _r.getitem(c, 1), (1,))
        m = companion(c)
        r = gnp.linalg.eigvals(_r.getitem(m, (slice(None, None, -1), slice(None, None, -1))))
        order = _np.argsort(_np.asarray(_host(r, f"{b.q('roots')}: the order of the roots "
                                                 f"(NumPy sorts them by value)")), kind="stable")
        return _r.getitem(r, (_xp(c).asarray(order.astype(_np.intp)),))

    def fromroots(roots):
        _checked(b.q("fromroots"), b.npf("fromroots"), _dummy(roots))
        if _shape(roots)[0] == 0:
            return _xp().ones(1)
        [r] = pu.as_series([roots], trim=False)
        r = _double(r)  # NumPy's XXline([r, 1]) makes float32 roots float64
        a0, c0, _ = b.rec(0)
        factors = []
        for i in range(_r.shape(r)[0]):
            ri = _r.getitem(r, i)
            factors.append(gnp.stack([c0 - ri, ri * 0 + a0]))
        while len(factors) > 1:  # pairwise, as a balanced tree
            h, odd = divmod(len(factors), 2)
            nxt = [b.mul_raw(factors[i], factors[i + h]) for i in range(h)]
            if odd:
                nxt[0] = b.mul_raw(nxt[0], factors[-1])
            factors = nxt
        return factors[0]

    def line(off, scl):
        a0, c0, _ = b.rec(0)
        nonzero = _host(scl, f"{b.q('line')}: whether scl is 0 (a shape that depends on the "
                             f"value)") if isinstance(scl, Tensor) else scl
        if nonzero != 0:
            return gnp.stack([_arr(off) + c0 * scl, _arr(scl) * a0])
        return gnp.stack([_arr(off)]) + 0.0

    def trim(c, tol=0):
        return pu.trimcoef(c, tol)

    fns = {"val": val, "val2d": val2d, "val3d": val3d, "grid2d": grid2d, "grid3d": grid3d,
           "der": der, "int": integ, "add": add, "sub": sub, "mulx": mulx, "mul": mul,
           "div": div, "pow": power, "vander": vander, "vander2d": vander2d,
           "vander3d": vander3d, "fit": fit, "companion": companion, "roots": roots,
           "fromroots": fromroots, "line": line, "trim": trim}
    out = {}
    for short, f in fns.items():
        name = p + short
        f.__name__ = f.__qualname__ = name
        f.__module__ = b.public
        f.__doc__ = (f"``numpy.polynomial.{b.np.__name__.rsplit('.', 1)[-1]}.{name}`` on "
                     f"Tensors, recorded (differentiable). Example: ``{name}({_ARGS[short]})``")
        out[name] = f
    return out


pu_np = _NPP.polyutils
_ARGS = {"val": "x, c", "val2d": "x, y, c", "val3d": "x, y, z, c", "grid2d": "x, y, c",
         "grid3d": "x, y, z, c", "der": "c, m=1, scl=1, axis=0",
         "int": "c, m=1, k=[], lbnd=0, scl=1, axis=0", "add": "c1, c2", "sub": "c1, c2",
         "mulx": "c", "mul": "c1, c2", "div": "c1, c2", "pow": "c, 3", "vander": "x, deg",
         "vander2d": "x, y, [xdeg, ydeg]", "vander3d": "x, y, z, [xdeg, ydeg, zdeg]",
         "fit": "x, y, deg, w=w", "companion": "c", "roots": "c", "fromroots": "roots",
         "line": "off, scl", "trim": "c, tol=1e-12"}


def _fit(b: Basis, vander, x, y, deg, rcond, full, w):
    """Least squares in the basis of ``b``, as NumPy's ``XXfit``; differentiable in x, y, w."""
    gnp = _gnp()
    q = b.q("fit")
    x = _arr(x) + 0.0
    y = _arr(y) + 0.0
    d = _np.asarray(deg)
    if d.ndim > 1 or d.dtype.kind not in "iu" or d.size == 0:
        raise TypeError(f"{q}: deg must be an int or non-empty 1-D array of int")
    if d.min() < 0:
        raise ValueError(f"{q}: expected deg >= 0")
    if _r.ndim(x) != 1:
        raise TypeError(f"{q}: expected 1D vector for x, got shape {_shape(x)}")
    if _shape(x)[0] == 0:
        raise TypeError(f"{q}: expected non-empty vector for x")
    if _r.ndim(y) < 1 or _r.ndim(y) > 2:
        raise TypeError(f"{q}: expected 1D or 2D array for y, got shape {_shape(y)}")
    if _shape(x)[0] != _shape(y)[0]:
        raise TypeError(f"{q}: expected x and y to have same length, got shapes {_shape(x)} "
                        f"and {_shape(y)}")
    m = _shape(x)[0]
    if d.ndim == 0:
        lmax = int(d)
        order = lmax + 1
        van = vander(x, lmax)
    else:
        d = _np.sort(d)
        lmax = int(d[-1])
        order = d.size
        van = _r.getitem(vander(x, lmax), (slice(None), _xp(x).asarray(d.astype(_np.intp))))
    lhs = van  # (m, order)
    rhs = y
    if w is not None:
        w = _arr(w) + 0.0
        if _r.ndim(w) != 1:
            raise TypeError(f"{q}: expected 1D vector for w, got shape {_shape(w)}")
        if _shape(w)[0] != m:
            raise TypeError(f"{q}: expected x and w to have same length, got shapes "
                            f"{_shape(x)} and {_shape(w)}")
        wc = _r.reshape(w, (m, 1))
        lhs = lhs * wc
        rhs = rhs * (wc if _r.ndim(rhs) == 2 else w)
    if rcond is None:
        rcond = m * _np.finfo(_dtype(x)).eps
    if _dtype(lhs).kind == "c":
        scl = gnp.sqrt(gnp.sum(gnp.real(lhs) ** 2 + gnp.imag(lhs) ** 2, axis=0))
    else:
        scl = gnp.sqrt(gnp.sum(lhs * lhs, axis=0))
    scl = gnp.where(scl == 0, 1.0, scl)
    c, resids, rank, s = gnp.linalg.lstsq(lhs / scl, rhs, rcond)
    c = c / (_r.reshape(scl, (order, 1)) if _r.ndim(c) == 2 else scl)
    if d.ndim > 0:
        sel = _np.zeros((lmax + 1, order))
        sel[d, _np.arange(order)] = 1.0
        c = gnp.tensordot(_const(sel, c), c, axes=1)
    if isinstance(rank, int | _np.integer) and rank != order and not full:
        warnings.warn("The fit may be poorly conditioned", _np.exceptions.RankWarning,
                      stacklevel=3)
    if full:
        return c, [resids, rank, s, rcond]
    return c


def conversions(b: Basis) -> dict:
    """``poly2XX`` and ``XX2poly`` for basis ``b``."""
    gnp = _gnp()
    short = b.prefix

    def to_basis(pol):
        _checked(f"{b.public}.poly2{short}", pu_np.as_series, [_dummy(pol)])
        [pol] = pu.as_series([pol])
        pol = _double(pol)  # NumPy sums into the float64 series 0
        n = _r.shape(pol)[0]
        return gnp.tensordot(_const(b.from_power(n), pol), pol, axes=1)

    def to_power(c):
        _checked(f"{b.public}.{short}2poly", pu_np.as_series, [_dummy(c)])
        [c] = pu.as_series([c])
        n = _r.shape(c)[0]
        return gnp.tensordot(_const(b.to_power(n), c), c, axes=1)

    to_basis.__name__ = to_basis.__qualname__ = f"poly2{short}"
    to_power.__name__ = to_power.__qualname__ = f"{short}2poly"
    for f in (to_basis, to_power):
        f.__module__ = b.public
        f.__doc__ = (f"``numpy.polynomial.{f.__name__}`` on Tensors (a constant linear map, "
                     f"recorded). Example: ``{f.__name__}(c)``")
    return {to_basis.__name__: to_basis, to_power.__name__: to_power}


BASES = {
    "poly": Basis("poly", "polynomial", lambda n: (1.0, 0.0, 0.0)),
    "cheb": Basis("cheb", "chebyshev", lambda n: (1.0 if n == 0 else 0.5, 0.0, 0.5)),
    "leg": Basis("leg", "legendre", lambda n: ((n + 1) / (2 * n + 1), 0.0, n / (2 * n + 1))),
    "herm": Basis("herm", "hermite", lambda n: (0.5, 0.0, float(n))),
    "herme": Basis("herme", "hermite_e", lambda n: (1.0, 0.0, float(n))),
    "lag": Basis("lag", "laguerre", lambda n: (-(n + 1.0), 2.0 * n + 1, -float(n))),
}
