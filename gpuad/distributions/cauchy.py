"""``Cauchy(loc, scale)``, reparameterised: ``rsample`` is ``loc + scale * c`` with ``c`` a
standard Cauchy draw.

Example: ``D.Cauchy(m, g).rsample((3,))``
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from . import constraints
from ._util import broadcast_all, draw
from .distribution import Distribution


class Cauchy(Distribution):
    """The Cauchy distribution (no mean: ``mean`` is NaN, ``variance`` infinite).

    Example: ``D.Cauchy(0.0, 1.0).cdf(1.0)``
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(gnp.shape(self.loc), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return gnp.nan * self.loc

    @property
    def mode(self) -> Any:
        return self.loc

    @property
    def variance(self) -> Any:
        return gnp.inf + 0 * self.loc

    def rsample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)
        c = draw("standard_cauchy", shp, self.loc)
        return self.loc + self.scale * c

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        return (
            -math.log(math.pi)
            - gnp.log(self.scale)
            - gnp.log1p(((value - self.loc) / self.scale) ** 2)
        )

    def cdf(self, value: Any) -> Any:
        value = self._check(value, "cdf")
        return gnp.arctan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Any) -> Any:
        value = self._as_value(value)
        return gnp.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Any:
        return math.log(4 * math.pi) + gnp.log(self.scale)
