"""``Laplace(loc, scale)``, reparameterised: ``rsample`` is ``loc + scale * l`` with ``l`` a
standard Laplace draw.

Example: ``D.Laplace(mu, b).rsample((3,))``
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from . import constraints
from ._util import broadcast_all, draw
from .distribution import Distribution


class Laplace(Distribution):
    """The Laplace distribution. Example: ``D.Laplace(0.0, 1.0).log_prob(0.3)``"""

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
        return math.sqrt(2) * self.scale

    @property
    def variance(self) -> Any:
        return 2 * self.scale**2

    def rsample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)
        e = draw("laplace", shp, self.loc, 0.0, 1.0)
        return self.loc + self.scale * e

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        return -gnp.log(2 * self.scale) - gnp.abs(value - self.loc) / self.scale

    def cdf(self, value: Any) -> Any:
        value = self._check(value, "cdf")
        d = value - self.loc
        return 0.5 - 0.5 * gnp.sign(d) * gnp.expm1(-gnp.abs(d) / self.scale)

    def icdf(self, value: Any) -> Any:
        value = self._as_value(value)
        t = value - 0.5
        return self.loc - self.scale * gnp.sign(t) * gnp.log1p(-2 * gnp.abs(t))

    def entropy(self) -> Any:
        return 1 + gnp.log(2 * self.scale)
