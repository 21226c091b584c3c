"""``Uniform(low, high)`` on ``[low, high)``, reparameterised: ``rsample`` is
``low + (high - low) * u`` with ``u`` a uniform draw.

Example: ``D.Uniform(a, b).rsample((3,))``
"""

from __future__ import annotations

from typing import Any

from .. import _value_checks as _vc
from .. import numpy as gnp
from .._raw import data
from . import constraints
from ._util import broadcast_all, uniform01
from .distribution import Distribution


class Uniform(Distribution):
    """The uniform distribution on ``[low, high)``. Example: ``D.Uniform(0.0, 2.0).mean``"""

    arg_constraints = {
        "low": constraints.dependent(is_discrete=False, event_dim=0),
        "high": constraints.dependent(is_discrete=False, event_dim=0),
    }
    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None):
        self.low, self.high = broadcast_all(low, high)
        super().__init__(gnp.shape(self.low), validate_args=validate_args)
        if self._validate_args:
            _vc.fail_if(
                "uniform_low_high",
                lambda xp, lo, hi: ~(lo < hi),
                lambda: ValueError(
                    "Uniform: expected parameter low to be less than high, but found low >= "
                    "high; pass validate_args=False to skip this check"
                ),
                self.low,
                self.high,
            )

    @property
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Any:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Any:
        return gnp.nan * self.high

    @property
    def stddev(self) -> Any:
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Any:
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape: Any = ()) -> Any:
        u = uniform01(self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        inside = gnp.logical_and(self.low <= value, self.high > value)
        outside = gnp.astype(gnp.where(inside, 0.0, -gnp.inf), data(self.low).dtype)
        return outside - gnp.log(self.high - self.low)

    def cdf(self, value: Any) -> Any:
        value = self._check(value, "cdf")
        return gnp.clip((value - self.low) / (self.high - self.low), 0, 1)

    def icdf(self, value: Any) -> Any:
        value = self._as_value(value)
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Any:
        return gnp.log(self.high - self.low)
