"""``Exponential(rate)``, reparameterised: ``rsample`` is ``e / rate`` with ``e`` a standard
exponential draw.

Example: ``D.Exponential(lam).rsample((3,))``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from . import constraints
from ._util import as_param, draw
from .distribution import Distribution


class Exponential(Distribution):
    """The exponential distribution with rate ``rate``. Example: ``D.Exponential(2.0).mean``"""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None):
        self.rate = as_param(rate)
        super().__init__(gnp.shape(self.rate), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return 1 / self.rate

    @property
    def mode(self) -> Any:
        return gnp.zeros_like(self.rate)

    @property
    def stddev(self) -> Any:
        return 1 / self.rate

    @property
    def variance(self) -> Any:
        return self.rate**-2

    def rsample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)
        e = draw("standard_exponential", shp, self.rate)
        return e / self.rate

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        return gnp.log(self.rate) - self.rate * value

    def cdf(self, value: Any) -> Any:
        value = self._check(value, "cdf")
        return 1 - gnp.exp(-self.rate * value)

    def icdf(self, value: Any) -> Any:
        value = self._as_value(value)
        return -gnp.log1p(-value) / self.rate

    def entropy(self) -> Any:
        return 1.0 - gnp.log(self.rate)
