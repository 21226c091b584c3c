"""Distributions torch builds as ``TransformedDistribution``s: ``HalfNormal``, ``HalfCauchy``,
``Weibull``, ``Pareto``, ``Kumaraswamy``, ``LogisticNormal``; reparameterised like their
base (``rsample`` differentiable in every parameter), with torch's closed forms for ``mean``,
``mode``, ``variance`` and ``entropy``.

Example: ``D.Weibull(scale, concentration).rsample((3,))``
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from ..scipy import special as sps
from . import constraints
from . import transforms as T
from ._util import broadcast_all
from .cauchy import Cauchy
from .distribution import Distribution
from .exponential import Exponential
from .normal import Normal
from .uniform import Uniform

_EULER = 0.57721566490153286060

__all__ = ["HalfCauchy", "HalfNormal", "Kumaraswamy", "LogisticNormal", "Pareto", "Weibull"]


class _Transformed(T.TransformedDistribution):
    """A named transformed distribution: rebuilt from its parameters by ``expand``."""

    expand = Distribution.expand  # rebuilt from the broadcast parameters


class _Half(_Transformed):
    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]
    _base: type

    def __init__(self, scale: Any, validate_args: bool | None = None):
        (self.scale,) = broadcast_all(scale)
        base = self._base(gnp.zeros_like(self.scale), self.scale, validate_args=False)
        super().__init__(base, T.AbsTransform(), validate_args=validate_args)

    @property
    def mode(self) -> Any:
        return gnp.zeros_like(self.scale)

    def log_prob(self, value: Any) -> Any:
        value = self._as_value(value)
        if self._validate_args:
            self._validate_sample(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return gnp.where(value >= 0, lp, -gnp.inf)

    def cdf(self, value: Any) -> Any:
        value = self._as_value(value)
        if self._validate_args:
            self._validate_sample(value, "cdf")
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value: Any) -> Any:
        return self.base_dist.icdf((self._as_value(value) + 1) / 2)

    def entropy(self) -> Any:
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_Half):
    """``|X|`` for ``X ~ Normal(0, scale)``. Example: ``D.HalfNormal(2.0).mean``"""

    _base = Normal

    @property
    def mean(self) -> Any:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Any:
        return self.scale**2 * (1 - 2 / math.pi)


class HalfCauchy(_Half):
    """``|X|`` for ``X ~ Cauchy(0, scale)`` (infinite mean and variance).

    Example: ``D.HalfCauchy(1.0).log_prob(0.5)``
    """

    _base = Cauchy

    @property
    def mean(self) -> Any:
        return gnp.inf + 0 * self.scale

    @property
    def variance(self) -> Any:
        return gnp.inf + 0 * self.scale


class Weibull(_Transformed):
    """``scale * E ** (1 / concentration)`` for ``E ~ Exponential(1)``.

    Example: ``D.Weibull(1.0, 1.5).variance``
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None):
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = 1 / self.concentration
        base = Exponential(gnp.ones_like(self.scale), validate_args=False)
        super().__init__(base, [T.PowerTransform(self.concentration_reciprocal),
                                T.AffineTransform(0, self.scale)], validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return self.scale * gnp.exp(sps.gammaln(1 + self.concentration_reciprocal))

    @property
    def mode(self) -> Any:
        c = self.concentration
        return self.scale * ((c - 1) / c) ** self.concentration_reciprocal

    @property
    def variance(self) -> Any:
        r = self.concentration_reciprocal
        return self.scale**2 * (gnp.exp(sps.gammaln(1 + 2 * r))
                                - gnp.exp(2 * sps.gammaln(1 + r)))

    def entropy(self) -> Any:
        r = self.concentration_reciprocal
        return _EULER * (1 - r) + gnp.log(self.scale * r) + 1


class Pareto(_Transformed):
    """``scale * exp(E)`` for ``E ~ Exponential(alpha)``. Example: ``D.Pareto(1.0, 3.0).mean``
    (infinite where ``alpha <= 1``)"""

    arg_constraints = {"scale": constraints.positive, "alpha": constraints.positive}
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base = Exponential(self.alpha, validate_args=False)
        super().__init__(base, [T.ExpTransform(), T.AffineTransform(0, self.scale)],
                         validate_args=validate_args)

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self) -> Any:
        a = gnp.maximum(self.alpha, 1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Any:
        return self.scale

    @property
    def variance(self) -> Any:
        a = gnp.maximum(self.alpha, 2)
        return self.scale**2 * a / ((a - 1) ** 2 * (a - 2))

    def entropy(self) -> Any:
        return gnp.log(self.scale / self.alpha) + 1 / self.alpha + 1


def _kumaraswamy_moment(a: Any, b: Any, n: int) -> Any:
    arg = 1 + n / a
    return b * gnp.exp(sps.gammaln(arg) + sps.gammaln(b) - sps.gammaln(arg + b))


class Kumaraswamy(_Transformed):
    """``(1 - U ** (1 / concentration0)) ** (1 / concentration1)`` for ``U`` uniform.

    Example: ``D.Kumaraswamy(2.0, 5.0).entropy()``
    """

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        c0 = self.concentration0
        base = Uniform(gnp.zeros_like(c0), gnp.ones_like(c0), validate_args=False)
        super().__init__(base, [T.PowerTransform(1 / c0), T.AffineTransform(1.0, -1.0),
                                T.PowerTransform(1 / self.concentration1)],
                         validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Any:
        a, b = self.concentration1, self.concentration0
        log_mode = gnp.log1p(-b) / b - gnp.log1p(-b * a)
        return gnp.exp(gnp.where((b < 1) | (a < 1), gnp.nan, log_mode))

    @property
    def variance(self) -> Any:
        return (_kumaraswamy_moment(self.concentration1, self.concentration0, 2)
                - self.mean**2)

    def entropy(self) -> Any:
        a, b = self.concentration1, self.concentration0
        h0 = sps.digamma(b + 1) + _EULER
        return (1 - 1 / b) + (1 - 1 / a) * h0 - gnp.log(a) - gnp.log(b)


class LogisticNormal(_Transformed):
    """The stick-breaking image of ``Normal(loc, scale)`` on the simplex (one more entry than
    ``loc``'s last axis). Example: ``D.LogisticNormal(gnp.zeros(3), gnp.ones(3)).rsample()``"""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex  # type: ignore[assignment]
    has_rsample = True  # type: ignore[assignment]
    _event_ndims = {"loc": 1, "scale": 1}

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None):
        base = Normal(loc, scale, validate_args=False)
        if not base.batch_shape:
            base = base.expand((1,))
        super().__init__(base, T.StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self) -> Any:
        return self.base_dist.base_dist.loc

    @property
    def scale(self) -> Any:
        return self.base_dist.base_dist.scale
