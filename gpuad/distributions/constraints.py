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


class _GreaterThanEq(_GreaterThan):
    def __init__(self, lower_bound: Any):
        super().__init__(lower_bound, strict=False)


class _LessThan(Constraint):
    def __init__(self, upper_bound: Any):
        self.upper_bound = upper_bound

    def params(self):
        return (self.upper_bound,)

    def _ok(self, xp, v, ub):
        return v < ub

    def __repr__(self):
        return f"LessThan(upper_bound={self.upper_bound})"


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


class _HalfOpenInterval(_Interval):
    def __init__(self, lower_bound: Any, upper_bound: Any):
        super().__init__(lower_bound, upper_bound, half_open=True)


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
        if v.ndim < 2 or v.shape[-1] != v.shape[-2]:
            return xp.zeros(v.shape[:-2], dtype=bool)  # not square (as torch's check)
        sym = xp.abs(v - xp.swapaxes(v, -1, -2)) <= 1e-8 * (1 + xp.abs(v))
        sym = sym.reshape(v.shape[:-2] + (-1,)).all(-1)
        # the eigenvalues of the symmetric part: the test of a symmetric matrix
        vs = (v + xp.swapaxes(v, -1, -2)) / 2
        return sym & (xp.linalg.eigvalsh(vs) > 0).all(-1)


class _RealVector(_Independent):
    def __init__(self):
        super().__init__(real, 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def _ok(self, xp, v):
        return ((v == 0) | (v == 1)).all(-1) & (v.sum(-1) == 1)


class _Multinomial(Constraint):
    """Nonnegative counts summing to at most ``upper_bound`` (torch's weaker check)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound: Any):
        self.upper_bound = upper_bound

    def _ok(self, xp, v):
        return (v >= 0).all(-1) & (v.sum(-1) <= self.upper_bound)


class _LowerTriangular(Constraint):
    event_dim = 2

    def _ok(self, xp, v):
        return (xp.tril(v) == v).reshape(v.shape[:-2] + (-1,)).all(-1)


class _CorrCholesky(_LowerCholesky):
    """Lower Cholesky factors whose rows have unit length (of correlation matrices)."""

    def _ok(self, xp, v):
        tol = float(xp.finfo(v.dtype).eps) * v.shape[-1] * 10
        unit = (xp.abs(xp.linalg.norm(v, axis=-1) - 1.0) <= tol).all(-1)
        return super()._ok(xp, v) & unit


class _Square(Constraint):
    event_dim = 2

    def _ok(self, xp, v):
        return xp.full(v.shape[:-2], v.shape[-2] == v.shape[-1], dtype=bool)


class _Symmetric(_Square):
    def _ok(self, xp, v):
        sq = super()._ok(xp, v)
        if not sq.all():
            return sq
        close = xp.abs(v - xp.swapaxes(v, -1, -2)) <= 1e-6 + 1e-5 * xp.abs(xp.swapaxes(v, -1, -2))
        return close.all(-1).all(-1)


class _PositiveSemidefinite(_Symmetric):
    def _ok(self, xp, v):
        sym = super()._ok(xp, v)
        if not sym.all():
            return sym
        return (xp.linalg.eigvalsh(v) >= 0).all(-1)


class _Cat(Constraint):
    """``cseq[i]`` on the ``i``-th block (of ``lengths[i]`` entries) along ``dim``, as
    ``concatenate``. Example: ``constraints.cat([constraints.real, constraints.positive])``"""

    def __init__(self, cseq: Any, dim: int = 0, lengths: Any = None):
        self.cseq = list(cseq)
        if not all(isinstance(c, Constraint) for c in self.cseq):
            raise TypeError("constraints.cat: every element of cseq must be a Constraint")
        self.lengths = [1] * len(self.cseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.cseq):
            raise ValueError(f"constraints.cat: {len(self.lengths)} lengths for "
                             f"{len(self.cseq)} constraints")
        self.dim = dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return max(c.event_dim for c in self.cseq)

    def check(self, value: Any) -> Any:
        v = _arr(value)
        xp = _xp(v)
        if not -v.ndim <= self.dim < v.ndim:
            raise ValueError(f"constraints.cat: dim {self.dim} out of range for a value of "
                             f"shape {v.shape}")
        out, start = [], 0
        for c, n in zip(self.cseq, self.lengths, strict=True):
            idx = [slice(None)] * v.ndim
            idx[self.dim] = slice(start, start + n)
            out.append(c.check(v[tuple(idx)]))
            start += n
        return xp.concatenate(out, self.dim)


class _Stack(Constraint):
    """``cseq[i]`` on the ``i``-th slice along ``dim``, as ``stack``.
    Example: ``constraints.stack([constraints.real, constraints.positive], dim=-1)``"""

    def __init__(self, cseq: Any, dim: int = 0):
        self.cseq = list(cseq)
        if not all(isinstance(c, Constraint) for c in self.cseq):
            raise TypeError("constraints.stack: every element of cseq must be a Constraint")
        self.dim = dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        d = max(c.event_dim for c in self.cseq)
        return d + 1 if self.dim + d < 0 else d

    def check(self, value: Any) -> Any:
        v = _arr(value)
        xp = _xp(v)
        if not -v.ndim <= self.dim < v.ndim:
            raise ValueError(f"constraints.stack: dim {self.dim} out of range for a value of "
                             f"shape {v.shape}")
        if v.shape[self.dim] != len(self.cseq):
            raise ValueError(f"constraints.stack: {len(self.cseq)} constraints for "
                             f"{v.shape[self.dim]} slices along dim {self.dim}")
        parts = [c.check(xp.take(v, i, axis=self.dim)) for i, c in enumerate(self.cseq)]
        return xp.stack(parts, self.dim)


dependent = _Dependent()
dependent_property = dependent
real = _Real()
boolean = _Boolean()
one_hot = _OneHot()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
corr_cholesky = _CorrCholesky()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
positive_definite = _PositiveDefinite()
real_vector = _Independent(real, 1)

# the parameterised sets are classes, as torch's (``isinstance(c, constraints.interval)``)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
interval = _Interval
half_open_interval = _HalfOpenInterval
integer_interval = _IntegerInterval
independent = _Independent
multinomial = _Multinomial
cat = _Cat
stack = _Stack


__all__ = [
    "Constraint",
    "boolean",
    "cat",
    "corr_cholesky",
    "dependent",
    "dependent_property",
    "greater_than",
    "greater_than_eq",
    "half_open_interval",
    "independent",
    "integer_interval",
    "interval",
    "less_than",
    "lower_triangular",
    "multinomial",
    "one_hot",
    "positive_semidefinite",
    "square",
    "stack",
    "symmetric",
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
