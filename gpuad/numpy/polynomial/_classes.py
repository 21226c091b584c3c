"""The convenience classes (``Polynomial``, ``Chebyshev``, ...) holding Tensor coefficients.

Each subclasses NumPy's class of the same name, so ``isinstance`` checks, the arithmetic
operators, ``degree``, ``cutdeg``, ``truncate``, ``integ``, ``deriv``, ``convert``, ``basis``,
``identity`` and ``cast`` are NumPy's own code; the series functions it calls are the recorded
ones of ``gpuad.numpy.polynomial``, and the methods where NumPy would convert the coefficients
(or the points) to NumPy arrays are written here. The domain and window may be Tensors too
(``fit`` and ``fromroots`` compute them from the points when not given).
"""

from __future__ import annotations

import numpy as _np

from ... import rules as _r
from ...tensor import Tensor
from . import polyutils as pu
from ._module import namespace
from .polyutils import _arr

_NPP = _np.polynomial


def _window(v, what: str):
    if v is None:
        return None
    if isinstance(v, Tensor) or isinstance(v, list | tuple) and any(
            isinstance(e, Tensor) for e in v):
        [v] = pu.as_series([v], trim=False)
    else:
        [v] = _NPP.polyutils.as_series([v], trim=False)
    if _r.shape(v)[0] != 2:
        raise ValueError(f"{what} has wrong number of elements.")
    return v


class _Mixin:
    """The methods of NumPy's ``ABCPolyBase`` that would convert Tensors to NumPy arrays."""

    _prefix = "poly"

    def __init__(self, coef, domain=None, window=None, symbol: str = "x"):
        [coef] = pu.as_series([coef], trim=False)
        self.coef = coef
        d = _window(domain, "Domain")
        if d is not None:
            self.domain = d
        w = _window(window, "Window")
        if w is not None:
            self.window = w
        if not isinstance(symbol, str):
            raise TypeError("Symbol must be a non-empty string")
        if not symbol.isidentifier():
            raise ValueError("Symbol string must be a valid Python identifier")
        self._symbol = symbol

    def __call__(self, arg):
        off, scl = pu.mapparms(self.domain, self.window)
        if isinstance(arg, _NPP._polybase.ABCPolyBase):
            return self._val_series(arg * scl + off)
        if isinstance(arg, list | tuple):
            arg = _arr(arg)
        return self._val(off + scl * arg, self.coef)

    def _val_series(self, x):
        """The series at a series ``x`` (``convert`` composes them): the basis recurrence on
        series objects."""
        coef = self.coef
        n = _r.shape(coef)[0]
        b = namespace(self._prefix)["_basis"]
        y = x * 0 + _r.getitem(coef, 0)
        for k, bk in enumerate(b.basis_values(x, n)):
            if k:
                y = y + bk * _r.getitem(coef, k)
        return y

    def _host_copy(self):
        def h(a):
            return a.numpy() if isinstance(a, Tensor) else _np.asarray(
                a.get() if hasattr(a, "get") else a)
        base = next(c for c in type(self).__mro__ if c.__module__.startswith("numpy."))
        return base(h(self.coef), h(self.domain), h(self.window), self.symbol)

    def __repr__(self):
        return (f"{type(self).__name__}({self.coef!r}, domain={self.domain!r}, "
                f"window={self.window!r}, symbol='{self.symbol}')")

    def __str__(self):
        return str(self._host_copy())

    def __format__(self, fmt_str):
        return format(self._host_copy(), fmt_str)

    def _repr_latex_(self):
        return self._host_copy()._repr_latex_()

    def __iter__(self):
        return iter(self.coef)

    def mapparms(self):
        return pu.mapparms(self.domain, self.window)

    def trim(self, tol=0):
        return self.__class__(pu.trimcoef(self.coef, tol), self.domain, self.window,
                              self.symbol)

    def roots(self):
        return pu.mapdomain(self._roots(self.coef), self.window, self.domain)

    def linspace(self, n: int = 100, domain=None):
        from ... import numpy as gnp

        if domain is None:
            domain = self.domain
        domain = _arr(domain)
        x = gnp.linspace(_r.getitem(domain, 0), _r.getitem(domain, 1), n)
        return x, self(x)

    def has_samecoef(self, other) -> bool:
        if _r.shape(self.coef)[0] != _r.shape(other.coef)[0]:
            return False
        return bool(_np.all(_host(self.coef) == _host(other.coef)))

    def has_samedomain(self, other) -> bool:
        return bool(_np.all(_host(self.domain) == _host(other.domain)))

    def has_samewindow(self, other) -> bool:
        return bool(_np.all(_host(self.window) == _host(other.window)))

    def __eq__(self, other):
        return (isinstance(other, self.__class__) and self.has_samedomain(other) and
                self.has_samewindow(other) and
                tuple(_r.shape(self.coef)) == tuple(_r.shape(other.coef)) and
                self.has_samecoef(other) and self.symbol == other.symbol)

    __hash__ = None

    def __getstate__(self):
        return dict(self.__dict__)

    @classmethod
    def fit(cls, x, y, deg, domain=None, rcond=None, full=False, w=None, window=None,
            symbol="x"):
        if domain is None:
            domain = pu.getdomain(x)
            lo, hi = (_host(_r.getitem(domain, i)) for i in (0, 1))
            if lo == hi:
                domain = domain + _r._xp(None).asarray(_np.array([-1.0, 1.0]))
        elif type(domain) is list and len(domain) == 0:
            domain = cls.domain
        if window is None:
            window = cls.window
        xnew = pu.mapdomain(x, domain, window)
        res = cls._fit(xnew, y, deg, w=w, rcond=rcond, full=full)
        coef, status = res if full else (res, None)
        ret = cls(coef, domain=domain, window=window, symbol=symbol)
        return [ret, status] if full else ret

    @classmethod
    def fromroots(cls, roots, domain=[], window=None, symbol="x"):  # noqa: B006
        [roots] = pu.as_series([roots], trim=False)
        if domain is None:
            domain = pu.getdomain(roots)
        elif type(domain) is list and len(domain) == 0:
            domain = cls.domain
        if window is None:
            window = cls.window
        deg = _r.shape(roots)[0]
        off, scl = pu.mapparms(domain, window)
        coef = cls._fromroots(off + scl * roots) / scl ** deg
        return cls(coef, domain=domain, window=window, symbol=symbol)


def _host(a):
    if isinstance(a, Tensor):
        return a.numpy()
    return _np.asarray(a.get() if hasattr(a, "get") else a)


def _make_class(name: str, prefix: str):
    base = getattr(_NPP, name)
    ns = namespace(prefix)
    attrs = {"_prefix": prefix, "__module__": "gpuad.numpy.polynomial",
             "__doc__": (f"``numpy.polynomial.{name}`` holding Tensor coefficients: evaluation, "
                         f"arithmetic, deriv, integ, fit, roots, ... are recorded. "
                         f"Example: ``{name}(c)(x)``")}
    for short in ("add", "sub", "mul", "div", "pow", "val", "int", "der", "fit", "line",
                  "roots", "fromroots"):
        attrs["_" + short] = staticmethod(ns[prefix + short])
    cls = type(name, (_Mixin, base), attrs)
    cls.__qualname__ = name
    return cls


Polynomial = _make_class("Polynomial", "poly")
Chebyshev = _make_class("Chebyshev", "cheb")
Legendre = _make_class("Legendre", "leg")
Hermite = _make_class("Hermite", "herm")
HermiteE = _make_class("HermiteE", "herme")
Laguerre = _make_class("Laguerre", "lag")
