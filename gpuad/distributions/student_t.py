"""``StudentT(df, loc=0, scale=1)``. ``sample`` draws without gradient; ``rsample`` raises
(the chi-square draw's derivative in ``df`` needs implicit reparameterisation).

Example: ``D.StudentT(3.0, mu, s).log_prob(x)``
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from ..backends import get_backend
from ..scipy import special as sps
from . import constraints
from ._implicit import no_implicit_rsample
from ._util import broadcast_all, detached, raw, standard_normal
from .distribution import Distribution
from .gamma import standard_gamma


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, located and scaled.

    Example: ``D.StudentT(4.0).variance``
    """

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real

    def __init__(
        self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None
    ):
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(gnp.shape(self.df), validate_args=validate_args)

    @property
    def mean(self) -> Any:
        return gnp.where(self.df > 1, self.loc, gnp.nan)

    @property
    def mode(self) -> Any:
        return self.loc

    @property
    def variance(self) -> Any:
        df = self.df
        v = self.scale**2 * df / gnp.where(df > 2, df - 2, 1.0)
        return gnp.where(df > 2, v, gnp.where(df > 1, gnp.inf, gnp.nan))

    def rsample(self, sample_shape: Any = ()) -> Any:
        raise no_implicit_rsample("StudentT", "df")

    def sample(self, sample_shape: Any = ()) -> Any:
        shp = self._extended_shape(sample_shape)

        def draw(df, loc, scale):
            chi2 = 2 * standard_gamma(0.5 * raw(df), shp)
            y = standard_normal(shp) * get_backend().xp.sqrt(raw(df) / chi2)
            return raw(loc) + raw(scale) * y

        return detached(draw, self.df, self.loc, self.scale)

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        df = self.df
        y = (value - self.loc) / self.scale
        z = (
            gnp.log(self.scale)
            + 0.5 * gnp.log(df)
            + 0.5 * math.log(math.pi)
            + sps.gammaln(0.5 * df)
            - sps.gammaln(0.5 * (df + 1.0))
        )
        return -0.5 * (df + 1.0) * gnp.log1p(y**2 / df) - z

    def entropy(self) -> Any:
        df = self.df
        lbeta = sps.gammaln(0.5 * df) + math.lgamma(0.5) - sps.gammaln(0.5 * (df + 1))
        return (
            gnp.log(self.scale)
            + 0.5 * (df + 1) * (sps.digamma(0.5 * (df + 1)) - sps.digamma(0.5 * df))
            + 0.5 * gnp.log(df)
            + lbeta
        )
