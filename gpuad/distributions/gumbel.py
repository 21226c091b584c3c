"""``Gumbel(loc, scale)``, reparameterised: ``rsample`` is ``loc + scale * g`` with ``g`` a
standard Gumbel draw.

Example: ``D.Gumbel(m, b).rsample((3,))``
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from . import constraints
from ._util import broadcast_all, draw
from .distribution import Distribution

_EULER = 0.57721566490153286060


class Gumbel(Distribution):
    """The Gumbel (maximum) distribution. Example: ``D.Gumbel(0.0, 1.0).mean``"""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(gnp.shape(self.loc), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return self.loc + self.scale * _EULER

    @property
    def mode(self) -> Any:
        return self.loc

    @property
    def stddev(self) -> Any:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Any:
        return (math.pi**2 / 6) * self.scale**2

    def rsample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)
        g = draw("gumbel", shp, self.loc, 0.0, 1.0)
        return self.loc + self.scale * g

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        z = (self.loc - value) / self.scale
        return -gnp.log(self.scale) + z - gnp.exp(z)

    def cdf(self, value: Any) -> Any:
        value = self._check(value, "cdf")
        return gnp.exp(-gnp.exp((self.loc - value) / self.scale))

    def icdf(self, value: Any) -> Any:
        value = self._as_value(value)
        return self.loc - self.scale * gnp.log(-gnp.log(value))

    def entropy(self) -> Any:
        return gnp.log(self.scale) + (1 + _EULER)
