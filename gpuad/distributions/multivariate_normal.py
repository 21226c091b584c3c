"""``MultivariateNormal(loc, covariance_matrix=None, precision_matrix=None, scale_tril=None)``
(exactly one of the three), reparameterised: ``rsample`` is ``loc + L z`` with ``L`` the
lower Cholesky factor of the covariance and ``z`` standard normal draws.

Example: ``D.MultivariateNormal(mu, scale_tril=L).rsample((5,))``
"""

from __future__ import annotations

import math
from typing import Any

from .. import numpy as gnp
from .._raw import shape
from ..scipy import linalg as sla
from . import constraints
from ._util import as_param, expand_to, lazy_property, standard_normal
from .distribution import Distribution


def _diag(m: Any) -> Any:
    return gnp.diagonal(m, axis1=-2, axis2=-1)


def _tril_solve(L: Any, x: Any) -> Any:
    """``L^{-1} x`` for lower-triangular ``L`` (..., n, n) and vectors ``x`` (..., n)."""
    shp = gnp.broadcast_shapes(shape(L)[:-2], shape(x)[:-1])
    n = shape(L)[-1]
    Lb = expand_to(L, shp + (n, n))
    xb = expand_to(x, shp + (n,))
    return sla.solve_triangular(Lb, xb[..., None], lower=True)[..., 0]


def batch_mahalanobis(L: Any, x: Any) -> Any:
    """``x^T (L L^T)^{-1} x`` over the batch."""
    return gnp.sum(_tril_solve(L, x) ** 2, axis=-1)


class MultivariateNormal(Distribution):
    """The multivariate normal distribution with event shape ``(n,)``.

    Example: ``D.MultivariateNormal(np.zeros(2), covariance_matrix=np.eye(2)).log_prob(x)``
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True
    _event_ndims = {"loc": 1, "covariance_matrix": 2, "precision_matrix": 2, "scale_tril": 2}

    def __init__(
        self,
        loc: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: bool | None = None,
    ):
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError(
                "MultivariateNormal: exactly one of covariance_matrix, "
                "precision_matrix or scale_tril must be given"
            )
        loc = as_param(loc)
        if len(shape(loc)) < 1:
            raise ValueError("MultivariateNormal: loc must be at least one-dimensional")
        name, m = [
            (n, as_param(v))
            for n, v in zip(
                ("covariance_matrix", "precision_matrix", "scale_tril"),
                (covariance_matrix, precision_matrix, scale_tril),
                strict=True,
            )
            if v is not None
        ][0]
        ms = shape(m)
        if len(ms) < 2 or ms[-1] != ms[-2]:
            raise ValueError(
                f"MultivariateNormal: {name} must be at least two-dimensional, "
                f"with square last two axes, got shape {ms}"
            )
        if ms[-1] != shape(loc)[-1]:
            raise ValueError(
                f"MultivariateNormal: loc of shape {shape(loc)} and {name} of "
                f"shape {ms} disagree on the event size"
            )
        batch = gnp.broadcast_shapes(ms[:-2], shape(loc)[:-1])
        n = ms[-1]
        self._given = name
        setattr(self, name, expand_to(m, batch + (n, n)))
        self.loc = expand_to(loc, batch + (n,))
        super().__init__(batch, (n,), validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = m
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = gnp.linalg.cholesky(m)
        else:
            self._unbroadcasted_scale_tril = gnp.linalg.cholesky(gnp.linalg.inv(m))

    def _init_params(self) -> dict[str, Any]:
        return {"loc": self.loc, self._given: getattr(self, self._given)}

    @lazy_property
    def scale_tril(self) -> Any:
        n = self._event_shape[0]
        return expand_to(self._unbroadcasted_scale_tril, self._batch_shape + (n, n))

    @lazy_property
    def covariance_matrix(self) -> Any:
        L = self._unbroadcasted_scale_tril
        cov = gnp.matmul(L, gnp.swapaxes(L, -1, -2))
        return expand_to(cov, self._batch_shape + self._event_shape * 2)

    @lazy_property
    def precision_matrix(self) -> Any:
        return expand_to(
            gnp.linalg.inv(self.covariance_matrix), self._batch_shape + self._event_shape * 2
        )

    @property
    def mean(self) -> Any:
        return self.loc

    @property
    def mode(self) -> Any:
        return self.loc

    @property
    def variance(self) -> Any:
        v = gnp.sum(self._unbroadcasted_scale_tril**2, axis=-1)
        return expand_to(v, self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: Any = ()) -> Any:
        z = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + gnp.matmul(self._unbroadcasted_scale_tril, z[..., None])[..., 0]

    def _half_log_det(self) -> Any:
        return gnp.sum(gnp.log(_diag(self._unbroadcasted_scale_tril)), axis=-1)

    def log_prob(self, value: Any) -> Any:
        value = self._check(value)
        m = batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + m) - self._half_log_det()

    def entropy(self) -> Any:
        n = self._event_shape[0]
        h = 0.5 * n * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return expand_to(h, self._batch_shape)
