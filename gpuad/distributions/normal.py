"""``Normal(loc, scale)``, reparameterised: ``rsample`` is ``loc + scale * z`` with ``z`` a
standard normal draw from ``gpuad.numpy.random``.

Example: ``D.Normal(mu, sigma).rsample((4,))``
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from ..scipy import special as sps
from . import constraints
from ._util import broadcast_all, standard_normal
from .distribution import Distribution


class Normal(Distribution):
    """The normal distribution with mean ``loc`` and standard deviation ``scale``.

    Example: ``D.Normal(0.0, 1.0).log_prob(0.5)``
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(gnp.shape(self.loc), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return self.loc

    @property
    def mode(self) -> Any:
        return self.loc

    @property
    def stddev(self) -> Any:
        return self.scale

    @property
    def variance(self) -> Any:
        return self.scale**2

    def rsample(self, sample_shape: Any = ()) -> Any:
        return self.loc + self.scale * standard_normal(self._extended_shape(sample_shape), self.loc)

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        return (
            -((value - self.loc) ** 2) / (2 * self.scale**2)
            - gnp.log(self.scale)
            - math.log(math.sqrt(2 * math.pi))
        )

    def cdf(self, value: Any) -> Any:
        value = self._check(value, "cdf")
        return 0.5 * (1 + sps.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value: Any) -> Any:
        value = self._as_value(value)
        return self.loc + self.scale * sps.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Any:
        return 0.5 + 0.5 * math.log(2 * math.pi) + gnp.log(self.scale)
