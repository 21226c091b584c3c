"""PyTorch's number-theoretic, bitwise and special-function methods on Tensor: ``frexp``,
``ldexp``, ``gcd``, ``lcm``, ``bitwise_and``/``or``/``xor``/``not``/``left_shift``/
``right_shift``, ``mvlgamma``, ``polygamma``, ``igamma``, ``igammac``.

The special functions are ``gpuad.scipy.special``'s (differentiable as those are); the
integer ones are constants. Example: ``m, e = x.frexp()``, ``x.mvlgamma(p=3)``
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as _np

from . import _links
from . import _value_checks as _vc
from ._torch_args import _kind
from ._torch_args import _xp as _xp_of
from .tensor import Tensor

_R: Any = None  # the op namespace, as Tensor's own methods use it
_links.need("ops", globals(), "_R")

_frexp = namedtuple("frexp", ["mantissa", "exponent"])


def _special():
    from .scipy import special

    return special


def frexp(self):
    """``(mantissa, exponent)`` with ``self = mantissa * 2**exponent``, ``0.5 <= |mantissa| <
    1``; the exponent an int32 constant, the mantissa differentiable.
    Example: ``m, e = x.frexp()``"""
    if self.dtype.kind != "f":
        raise TypeError(f"Tensor.frexp: the tensor must hold floating-point numbers, got "
                        f"{self.dtype}")
    m, e = _R.frexp(self)
    return _frexp(m, _R.astype(e, "int32") if isinstance(e, Tensor) else Tensor(e.astype("int32")))


def ldexp(self, other) -> Tensor:
    """``self * 2**other`` (``other`` may be fractional, and is differentiable, as torch's).
    Example: ``m.ldexp(e)``"""
    dt = self.dtype if self.dtype.kind in "fc" else _np.dtype(_np.float64)
    if dt.kind == "f" and _kind(other) in "biu":
        # integer exponents scale exactly (ldexp(-0.0, 1025) is -0.0, ldexp(inf, -1080) inf),
        # where self * exp2(other) gives 0 * inf = NaN
        from .numpy import ldexp as _ldexp

        x = self if self.dtype == dt else _R.astype(self, dt)
        if isinstance(other, Tensor):
            e = other if other.dtype.kind in "i" else _R.astype(other, "int64")
        else:
            e = _xp_of(self).asarray(other)
            e = e if e.dtype.kind == "i" else e.astype("int64")
        return _ldexp(x, e)
    if isinstance(other, Tensor):
        e = other if other.dtype.kind in "fc" else _R.astype(other, dt)
    else:
        e = _xp_of(self).asarray(other, dtype=dt)
    two = _R.exp2(e)
    return self * two


def _integers(name: str):
    def method(self, other) -> Tensor:
        if _kind(self) not in "biu" or _kind(other) not in "biu":
            raise TypeError(f"Tensor.{name} takes integer (or boolean) tensors, got "
                            f"{self.dtype} and {getattr(other, 'dtype', type(other).__name__)}")
        return getattr(_R, _NUMPY.get(name, name))(self, other)

    method.__doc__ = f"NumPy's ``{_NUMPY.get(name, name)}`` of integers (a constant)."
    return method


_NUMPY = {"bitwise_left_shift": "left_shift", "bitwise_right_shift": "right_shift"}


def bitwise_not(self) -> Tensor:
    """``~self`` of an integer or boolean tensor (a constant). Example: ``m.bitwise_not()``"""
    if _kind(self) not in "biu":
        raise TypeError(f"Tensor.bitwise_not takes an integer or boolean tensor, got "
                        f"{self.dtype}")
    return _R.invert(self)


def mvlgamma(self, p: int) -> Tensor:
    """The log of the multivariate gamma function of dimension ``p`` (``multigammaln``);
    every entry must exceed ``(p - 1) / 2``. Example: ``x.mvlgamma(p=2)``"""
    if p < 1:
        raise ValueError(f"Tensor.mvlgamma: p must be at least 1, got {p}")
    _vc.fail_if("mvlgamma_domain", lambda xp, a: a <= (p - 1) / 2, lambda: ValueError(
        f"Tensor.mvlgamma: every entry must be larger than (p - 1) / 2 = {(p - 1) / 2}"), self)
    return _special().multigammaln(self, p)


def polygamma(self, n: int) -> Tensor:
    """The ``n``-th derivative of ``digamma`` at ``self`` (torch's ``x.polygamma(n)``).
    Example: ``x.polygamma(1)``"""
    if isinstance(n, bool) or not isinstance(n, int | _np.integer) or n < 0:
        raise ValueError(f"Tensor.polygamma: the order n must be a non-negative int (as "
                         f"torch's), got {n!r}")
    r = _special().polygamma(n, self)
    # SciPy's polygamma answers in float64; the order is a Python int, which leaves a float32
    # or float16 tensor's dtype as it is (torch's and digamma's dtype)
    return _R.astype(r, self.dtype) if self.dtype.kind == "f" and r.dtype != self.dtype else r


def igamma(self, other) -> Tensor:
    """The regularised lower incomplete gamma function ``P(self, other)`` (``gammainc``).
    Example: ``a.igamma(x)``"""
    return _special().gammainc(self, other)


def igammac(self, other) -> Tensor:
    """The regularised upper incomplete gamma function ``Q(self, other)`` (``gammaincc``).
    Example: ``a.igammac(x)``"""
    return _special().gammaincc(self, other)


METHODS = {n: globals()[n] for n in "frexp ldexp bitwise_not mvlgamma polygamma igamma igammac"
           .split()}
METHODS.update({n: _integers(n) for n in """
    gcd lcm bitwise_and bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift
""".split()})
# torch's in-place forms (name_) of these
IN_PLACE = """
    gcd lcm bitwise_and bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift
    bitwise_not ldexp polygamma mvlgamma igamma igammac
""".split()
