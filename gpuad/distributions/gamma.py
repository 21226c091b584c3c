"""``Gamma(concentration, rate)``. ``sample`` draws from ``gpuad.numpy.random`` without
gradient; ``rsample`` raises (the derivative with respect to the concentration needs implicit
reparameterisation, not in gpuad yet), so ``has_rsample`` is False.

Example: ``D.Gamma(a, b).log_prob(x)``
"""

from __future__ import annotations

from typing import Any

from .. import numpy as gnp
from ..backends import get_backend
from ..scipy import special as sps
from . import constraints
from ._implicit import no_implicit_rsample
from ._util import broadcast_all, detached, expand_to, raw, tiny_of
from .distribution import Distribution


def standard_gamma(conc: Any, shp: tuple[int, ...]) -> Any:
    """Raw standard gamma draws of shape ``shp`` for the raw concentrations ``conc``."""
    c = raw(conc)
    g = get_backend().xp.asarray(gnp.random.standard_gamma(expand_to(c, shp), size=shp))
    return get_backend().xp.maximum(g.astype(c.dtype), tiny_of(c))


class Gamma(Distribution):
    """The gamma distribution with shape ``concentration`` and ``rate`` (1 / scale).

    Example: ``D.Gamma(2.0, 1.0).mean``
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(gnp.shape(self.rate), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return self.concentration / self.rate

    @property
    def mode(self) -> Any:
        return gnp.clip((self.concentration - 1) / self.rate, 0, None)

    @property
    def variance(self) -> Any:
        return self.concentration / self.rate**2

    def rsample(self, sample_shape: Any = ()) -> Any:
        raise no_implicit_rsample("Gamma", "concentration")

    def sample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)
        return detached(lambda c, r: standard_gamma(c, shp) / raw(r), self.concentration, self.rate)

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        a, b = self.concentration, self.rate
        return sps.xlogy(a, b) + sps.xlogy(a - 1, value) - b * value - sps.gammaln(a)

    def cdf(self, value: Any) -> Any:
        value = self._check(value, "cdf")
        return sps.gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Any:
        a = self.concentration
        return a - gnp.log(self.rate) + sps.gammaln(a) + (1.0 - a) * sps.digamma(a)
