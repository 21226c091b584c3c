"""``Poisson(rate)``: ``log_prob`` is differentiable in ``rate``; samples are constants.

Example: ``D.Poisson(lam).log_prob(k)``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from .._raw import shape
from ..backends import get_backend
from ..scipy import special as sps
from . import constraints
from ._util import as_param, detached, expand_to, raw, value_like
from .distribution import Distribution


class Poisson(Distribution):
    """The Poisson distribution. Example: ``D.Poisson(3.0).log_prob(2.0)``"""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None):
        self.rate = as_param(rate)
        super().__init__(shape(self.rate), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return self.rate

    @property
    def mode(self) -> Any:
        return gnp.floor(self.rate)

    @property
    def variance(self) -> Any:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)

        def draw(rate):
            r = raw(rate)
            k = gnp.random.poisson(expand_to(r, shp), size=shp)
            return get_backend().xp.asarray(k).astype(r.dtype)

        return detached(draw, self.rate)

    def log_prob(self, value: Any) -> Any:
        value = value_like(self._check(value), self.rate)
        return sps.xlogy(value, self.rate) - self.rate - sps.gammaln(value + 1)
