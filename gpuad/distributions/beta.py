"""``Beta(concentration1, concentration0)`` on ``[0, 1]``. ``sample`` draws (through two
gammas) without gradient; ``rsample`` raises (implicit reparameterisation, not in gpuad yet).

Example: ``D.Beta(a, b).log_prob(x)``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from ..scipy import special as sps
from . import constraints
from ._implicit import no_implicit_rsample
from ._util import broadcast_all, detached
from .distribution import Distribution
from .gamma import standard_gamma


class Beta(Distribution):
    """The beta distribution. Example: ``D.Beta(2.0, 3.0).mean``"""

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool | None = None):
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        super().__init__(gnp.shape(self.concentration1), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Any:
        a, b = self.concentration1, self.concentration0
        return (a - 1) / (a + b - 2)

    @property
    def variance(self) -> Any:
        a, b = self.concentration1, self.concentration0
        t = a + b
        return a * b / (t**2 * (t + 1))

    def rsample(self, sample_shape: Any = ()) -> Any:
        raise no_implicit_rsample("Beta", "concentration1 and concentration0")

    def sample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)

        def draw(a, b):
            x, y = standard_gamma(a, shp), standard_gamma(b, shp)
            return x / (x + y)

        return detached(draw, self.concentration1, self.concentration0)

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        a, b = self.concentration1, self.concentration0
        return (
            sps.xlogy(a - 1.0, value)
            + sps.xlog1py(b - 1.0, -value)
            + sps.gammaln(a + b)
            - sps.gammaln(a)
            - sps.gammaln(b)
        )

    def entropy(self) -> Any:
        a, b = self.concentration1, self.concentration0
        t = a + b
        return (
            sps.gammaln(a)
            + sps.gammaln(b)
            - sps.gammaln(t)
            - (a - 1) * sps.digamma(a)
            - (b - 1) * sps.digamma(b)
            + (t - 2) * sps.digamma(t)
        )
