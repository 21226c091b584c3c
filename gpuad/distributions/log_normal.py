"""``LogNormal(loc, scale)``: ``exp`` of a ``Normal(loc, scale)``; reparameterised.

Example: ``D.LogNormal(mu, sigma).rsample((3,))``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from . import constraints
from .distribution import Distribution
from .normal import Normal


class LogNormal(Distribution):
    """The log-normal distribution: ``log X`` is ``Normal(loc, scale)``.

    Example: ``D.LogNormal(0.0, 0.5).mean``
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None):
        self.base_dist = Normal(loc, scale, validate_args=validate_args)
        self.loc, self.scale = self.base_dist.loc, self.base_dist.scale
        super().__init__(self.base_dist.batch_shape, validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return gnp.exp(self.loc + self.scale**2 / 2)

    @property
    def mode(self) -> Any:
        return gnp.exp(self.loc - self.scale**2)

    @property
    def variance(self) -> Any:
        s2 = self.scale**2
        return gnp.expm1(s2) * gnp.exp(2 * self.loc + s2)

    def rsample(self, sample_shape: Any = ()) -> Any:
        return gnp.exp(self.base_dist.rsample(sample_shape))

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        y = gnp.log(value)
        return self.base_dist.log_prob(y) - y

    def cdf(self, value: Any) -> Any:
        value = self._check(value, "cdf")
        return self.base_dist.cdf(gnp.log(value))

    def icdf(self, value: Any) -> Any:
        value = self._as_value(value)
        return gnp.exp(self.base_dist.icdf(value))

    def entropy(self) -> Any:
        return self.base_dist.entropy() + self.loc
