"""``biject_to`` and ``transform_to``: from a constraint to a transform onto it from the
unconstrained reals, with ``torch.distributions.constraint_registry``'s table.

``biject_to(c)`` is a bijection (for HMC and other samplers in unconstrained space);
``transform_to(c)`` need not be one (for optimisation: ``softmax`` onto the simplex). An
unregistered constraint raises ``NotImplementedError``; register one with
``transform_to.register(MyConstraintClass, factory)``.

Example::

    from gpuad.distributions import constraints, transform_to
    t = transform_to(constraints.positive)          # ExpTransform()
    scale = t(u)                                    # u unconstrained, differentiable
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from . import constraints
from . import transforms as T

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """A table from ``Constraint`` classes to factories ``constraint -> Transform``.

    Example: ``biject_to.register(constraints.positive, lambda c: T.SoftplusTransform())``
    """

    def __init__(self) -> None:
        self._registry: dict[type, Callable] = {}

    def register(self, constraint: Any, factory: Callable | None = None) -> Any:
        """Register ``factory`` for a ``Constraint`` subclass or an instance's class (usable
        as a decorator)."""
        if factory is None:
            return lambda f: self.register(constraint, f)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not (isinstance(constraint, type) and issubclass(constraint, constraints.Constraint)):
            raise TypeError(f"register: expected a Constraint subclass or instance, got "
                            f"{constraint!r}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: constraints.Constraint) -> T.Transform:
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(
                f"Cannot transform {type(constraint).__name__} constraints: none is registered "
                f"(register a factory with .register({type(constraint).__name__}, ...))"
            ) from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


@biject_to.register(constraints.real)
@transform_to.register(constraints.real)
def _to_real(c):
    return T.identity_transform


@biject_to.register(constraints.independent)
def _biject_independent(c):
    return T.IndependentTransform(biject_to(c.base_constraint), c.reinterpreted_batch_ndims)


@transform_to.register(constraints.independent)
def _transform_independent(c):
    return T.IndependentTransform(transform_to(c.base_constraint), c.reinterpreted_batch_ndims)


@biject_to.register(constraints.greater_than)
@biject_to.register(constraints.greater_than_eq)
@transform_to.register(constraints.greater_than)
@transform_to.register(constraints.greater_than_eq)
def _to_greater_than(c):
    # positive and nonnegative are instances of these classes: torch's table gives them
    # this composition too (its ExpTransform entry is overwritten)
    return T.ComposeTransform([T.ExpTransform(), T.AffineTransform(c.lower_bound, 1)])


@biject_to.register(constraints.less_than)
@transform_to.register(constraints.less_than)
def _to_less_than(c):
    return T.ComposeTransform([T.ExpTransform(), T.AffineTransform(c.upper_bound, -1)])


@biject_to.register(constraints.interval)
@biject_to.register(constraints.half_open_interval)
@transform_to.register(constraints.interval)
@transform_to.register(constraints.half_open_interval)
def _to_interval(c):
    lo, hi = c.lower_bound, c.upper_bound
    if (isinstance(lo, numbers.Number) and lo == 0 and isinstance(hi, numbers.Number)
            and hi == 1):
        return T.SigmoidTransform()
    return T.ComposeTransform([T.SigmoidTransform(), T.AffineTransform(lo, hi - lo)])


@biject_to.register(constraints.simplex)
def _biject_simplex(c):
    return T.StickBreakingTransform()


@transform_to.register(constraints.simplex)
def _transform_simplex(c):
    return T.SoftmaxTransform()


@transform_to.register(constraints.lower_cholesky)
def _transform_lower_cholesky(c):
    return T.LowerCholeskyTransform()


@transform_to.register(constraints.positive_definite)
@transform_to.register(constraints.positive_semidefinite)
def _transform_positive_definite(c):
    return T.PositiveDefiniteTransform()


@biject_to.register(constraints.corr_cholesky)
@transform_to.register(constraints.corr_cholesky)
def _to_corr_cholesky(c):
    return T.CorrCholeskyTransform()


@biject_to.register(constraints.cat)
def _biject_cat(c):
    return T.CatTransform([biject_to(x) for x in c.cseq], c.dim, c.lengths)


@transform_to.register(constraints.cat)
def _transform_cat(c):
    return T.CatTransform([transform_to(x) for x in c.cseq], c.dim, c.lengths)


@biject_to.register(constraints.stack)
def _biject_stack(c):
    return T.StackTransform([biject_to(x) for x in c.cseq], c.dim)


@transform_to.register(constraints.stack)
def _transform_stack(c):
    return T.StackTransform([transform_to(x) for x in c.cseq], c.dim)
