"""The sets parameters and values live in, with ``torch.distributions.constraints``' names:
(``real``, ``positive``, ``unit_interval``, ``simplex``, ``interval(a, b)``, ...).

``c.check(value)`` returns a boolean backend array over the batch (the event axes reduced); it
reads raw values and records nothing. Example: ``constraints.positive.check(x).all()``
"""

from __future__ import annotations

from typing import Any

from .._raw import _xp, data


def _arr(a):
    a = data(a)
    return _xp(a).asarray(a)


class Constraint:
    """A set of valid values: ``check(value)`` is a boolean array, ``event_dim`` the number of
    trailing axes one element spans. Example: ``constraints.real.check(x)``"""

    is_discrete = False
    event_dim = 0

    def params(self) -> tuple:
        """The arrays the set depends on (bounds), passed to ``_ok`` after the value."""
        return ()

    def _ok(self, xp: Any, value: Any, *params: Any) -> Any:
        raise NotImplementedError

    def check(self, value: Any) -> Any:
        v = _arr(value)
        return self._ok(_xp(v), v, *(_arr(p) for p in self.params()))

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A constraint that depends on other parameters (such as Uniform's ``low < high``): it
    cannot be checked alone, and validation skips it."""

    def __init__(self, is_discrete: bool = False, event_dim: int = 0):
        self.is_discrete = is_discrete
        self.event_dim = event_dim

    def __call__(self, *args, is_discrete: bool = False, event_dim: int = 0) -> _Dependent:
        return _Dependent(is_discrete, event_dim)

    def _ok(self, xp, value, *params):
        raise ValueError("cannot determine validity of a dependent constraint")


def is_dependent(constraint: Constraint) -> bool:
    """Whether ``constraint`` depends on other parameters. Example:
    ``is_dependent(constraints.dependent)``"""
    return isinstance(constraint, _Dependent)


class _Real(Constraint):
    def _ok(self, xp, v):
        return v == v  # not NaN


class _Boolean(Constraint):
    is_discrete = True

    def _ok(self, xp, v):
        return (v == 0) | (v == 1)


class _GreaterThan(Constraint):
    def __init__(self, lower_bound: Any, strict: bool = True):
        self.lower_bound = lower_bound
        self.strict = strict

    def params(self):
        return (self.lower_bound,)

    def _ok(self, xp, v, lb):
        return v > lb if self.strict else v >= lb

    def __repr__(self):
        name = "GreaterThan" if self.strict else "GreaterThanEq"
        return f"{name}(lower_bound={self.lower_bound})"


class _Interval(Constraint):
    def __init__(self, lower_bound: Any, upper_bound: Any, half_open: bool = False):
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.half_open = half_open

    def params(self):
        return (self.lower_bound, self.upper_bound)

    def _ok(self, xp, v, lo, hi):
        return (lo <= v) & ((v < hi) if self.half_open else (v <= hi))

    def __repr__(self):
        name = "HalfOpenInterval" if self.half_open else "Interval"
        return f"{name}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: Any, upper_bound: Any):
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def params(self):
        return (self.lower_bound, self.upper_bound)

    def _ok(self, xp, v, lo, hi):
        return (v % 1 == 0) & (lo <= v) & (v <= hi)

    def __repr__(self):
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: int):
        self.lower_bound = lower_bound

    def _ok(self, xp, v):
        return (v % 1 == 0) & (v >= self.lower_bound)

    def __repr__(self):
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _Independent(Constraint):
    """``base`` on each element, with ``reinterpreted_batch_ndims`` more axes per event."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int):
        self.base_constraint = base
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete
        self.event_dim = base.event_dim + reinterpreted_batch_ndims

    def params(self):
        return self.base_constraint.params()

    def _ok(self, xp, value, *params):
        ok = self.base_constraint._ok(xp, value, *params)
        n = self.reinterpreted_batch_ndims
        if n:
            ok = ok.reshape(ok.shape[: ok.ndim - n] + (-1,)).all(-1)
        return ok

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint}, {self.reinterpreted_batch_ndims})"


class _Simplex(Constraint):
    event_dim = 1

    def _ok(self, xp, v):
        return (v >= 0).all(-1) & (xp.abs(v.sum(-1) - 1) < 1e-6)


class _LowerCholesky(Constraint):
    event_dim = 2

    def _ok(self, xp, v):
        lower = (xp.tril(v) == v).reshape(v.shape[:-2] + (-1,)).all(-1)
        return lower & (xp.diagonal(v, axis1=-2, axis2=-1) > 0).all(-1)


class _PositiveDefinite(Constraint):
    event_dim = 2

    def _ok(self, xp, v):
        sym = xp.abs(v - xp.swapaxes(v, -1, -2)) <= 1e-8 * (1 + xp.abs(v))
        sym = sym.reshape(v.shape[:-2] + (-1,)).all(-1)
        # the eigenvalues of the symmetric part: the test of a symmetric matrix
        vs = (v + xp.swapaxes(v, -1, -2)) / 2
        return sym & (xp.linalg.eigvalsh(vs) > 0).all(-1)


class _RealVector(_Independent):
    def __init__(self):
        super().__init__(real, 1)


dependent = _Dependent()
dependent_property = dependent
real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThan(0.0, strict=False)
unit_interval = _Interval(0.0, 1.0)
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
simplex = _Simplex()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
real_vector = _RealVector()


def greater_than(lower_bound: Any) -> Constraint:
    """``value > lower_bound``. Example: ``constraints.greater_than(0.0)``"""
    return _GreaterThan(lower_bound)


def greater_than_eq(lower_bound: Any) -> Constraint:
    """``value >= lower_bound``. Example: ``constraints.greater_than_eq(0.0)``"""
    return _GreaterThan(lower_bound, strict=False)


def interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """``lower_bound <= value <= upper_bound``. Example: ``constraints.interval(0.0, 1.0)``"""
    return _Interval(lower_bound, upper_bound)


def half_open_interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """``lower_bound <= value < upper_bound``. Example: ``half_open_interval(0.0, 1.0)``"""
    return _Interval(lower_bound, upper_bound, half_open=True)


def integer_interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """Integers from ``lower_bound`` to ``upper_bound``. Example: ``integer_interval(0, n)``"""
    return _IntegerInterval(lower_bound, upper_bound)


def independent(base: Constraint, reinterpreted_batch_ndims: int) -> Constraint:
    """``base`` with ``reinterpreted_batch_ndims`` batch axes made event axes.

    Example: ``constraints.independent(constraints.real, 1)``
    """
    return _Independent(base, reinterpreted_batch_ndims)


__all__ = [
    "Constraint",
    "boolean",
    "dependent",
    "dependent_property",
    "greater_than",
    "greater_than_eq",
    "half_open_interval",
    "independent",
    "integer_interval",
    "interval",
    "is_dependent",
    "lower_cholesky",
    "nonnegative",
    "nonnegative_integer",
    "positive",
    "positive_definite",
    "positive_integer",
    "real",
    "real_vector",
    "simplex",
    "unit_interval",
]
