"""``jax.scipy.stats.gaussian_kde``: a Gaussian kernel density estimate, differentiable in the
data, the weights and the points it is evaluated at.

Example::

    kde = gaussian_kde(samples)          # samples: (d, n) or (n,)
    lp = kde.logpdf(points).sum()
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ... import numpy as gnp
from ...rules import data
from ...tree_util import register_pytree_node_class
from .._special_rules import ndtr
from ..special import logsumexp


def _real(x: Any, what: str) -> Any:
    x = gnp.asarray(x)
    if data(x).dtype.kind == "c":
        raise NotImplementedError(f"gaussian_kde does not support complex {what}")
    return x


@register_pytree_node_class
class gaussian_kde:
    """``gaussian_kde(dataset, bw_method=None, weights=None)`` as JAX's (and SciPy's): data of
    shape ``(d, n)`` (or ``(n,)``), bandwidth ``"scott"`` (default), ``"silverman"``, a number
    or a callable of the estimate; ``evaluate``/``pdf``/``__call__``, ``logpdf``,
    ``integrate_gaussian``, ``integrate_box_1d``, ``integrate_kde``, ``resample(key, shape)``
    (draws from ``gpuad.random``, so they differ from JAX's for the same key). A pytree, as in
    JAX. Example: ``gaussian_kde(x).logpdf(grid)``"""

    def __init__(self, dataset: Any, bw_method: str | float | Callable | None = None,
                 weights: Any = None) -> None:
        dataset = gnp.atleast_2d(_real(dataset, "data"))
        if dataset.dtype.kind not in "fc":
            dataset = dataset.astype(gnp.float64)
        if not dataset.size > 1:
            raise ValueError("`dataset` input should have multiple elements.")
        d, n = dataset.shape
        if weights is not None:
            weights = gnp.atleast_1d(gnp.asarray(weights))
            if weights.ndim != 1:
                raise ValueError("`weights` input should be one-dimensional.")
            if len(weights) != n:
                raise ValueError("`weights` input should be of length n")
            weights = weights / gnp.sum(weights)
        else:
            weights = gnp.full(n, 1.0 / n, dtype=dataset.dtype)
        self.dataset, self.weights = dataset, weights
        self.neff = 1 / gnp.sum(weights ** 2)
        bw = "scott" if bw_method is None else bw_method
        if isinstance(bw, str) and bw == "scott":
            factor = self.neff ** (-1.0 / (d + 4))
        elif isinstance(bw, str) and bw == "silverman":
            factor = (self.neff * (d + 2) / 4.0) ** (-1.0 / (d + 4))
        elif not isinstance(bw, str) and gnp.ndim(bw) == 0 and not callable(bw):
            factor = bw
        elif callable(bw):
            factor = bw(self)
        else:
            raise ValueError(
                "`bw_method` should be 'scott', 'silverman', a scalar, or a callable.")
        cov = gnp.atleast_2d(gnp.cov(dataset, rowvar=1, bias=False, aweights=weights))
        self.covariance = cov * factor ** 2
        self.inv_cov = gnp.linalg.inv(cov) / factor ** 2

    def tree_flatten(self) -> tuple[tuple, None]:
        return (self.neff, self.dataset, self.weights, self.covariance, self.inv_cov), None

    @classmethod
    def tree_unflatten(cls, aux: Any, children: Any) -> gaussian_kde:
        kde = cls.__new__(cls)
        kde.neff, kde.dataset, kde.weights, kde.covariance, kde.inv_cov = children
        return kde

    @property
    def d(self) -> int:
        return self.dataset.shape[0]

    @property
    def n(self) -> int:
        return self.dataset.shape[1]

    def _points(self, points: Any) -> Any:
        points = gnp.atleast_2d(_real(points, "coordinates"))
        d, m = points.shape
        if d != self.d:
            if d == 1 and m == self.d:
                return gnp.reshape(points, (self.d, 1))
            raise ValueError(f"points have dimension {d}, dataset has dimension {self.d}")
        return points

    def _log_kernels(self, points: Any) -> Any:
        """``log N(x_i; data_j, covariance)``, shape ``(m, n)``, through the whitening
        Cholesky factor of the inverse covariance (as JAX)."""
        w = gnp.linalg.cholesky(self.inv_cov)
        x = gnp.matmul(gnp.transpose(self._points(points)), w)
        y = gnp.matmul(gnp.transpose(self.dataset), w)
        log_norm = gnp.sum(gnp.log(gnp.diagonal(w))) - 0.5 * self.d * math.log(2 * math.pi)
        diff = x[:, None, :] - y[None, :, :]
        return log_norm - 0.5 * gnp.sum(diff * diff, axis=-1)

    def evaluate(self, points: Any) -> Any:
        """The density at each point (columns of a ``(d, m)`` array). Example:
        ``kde.evaluate(grid)``"""
        return gnp.sum(self.weights * gnp.exp(self._log_kernels(points)), axis=1)

    def __call__(self, points: Any) -> Any:
        return self.evaluate(points)

    def pdf(self, x: Any) -> Any:
        """The same as :meth:`evaluate`. Example: ``kde.pdf(grid)``"""
        return self.evaluate(x)

    def logpdf(self, x: Any) -> Any:
        """The log density, by log-sum-exp. Example: ``kde.logpdf(grid)``"""
        return logsumexp(gnp.log(self.weights) + self._log_kernels(x), axis=1)

    def _convolve(self, cov_sum: Any, target: Any, weights: Any, mean: Any) -> Any:
        chol = gnp.linalg.cholesky(cov_sum)
        norm = 1.0 / (math.sqrt(2 * math.pi) ** self.d * gnp.prod(gnp.diagonal(chol)))
        diff = target - mean[:, None]
        arg = 0.5 * gnp.sum(diff * gnp.linalg.solve(cov_sum, diff), axis=0)
        return norm * gnp.sum(gnp.exp(-arg) * weights)

    def integrate_gaussian(self, mean: Any, cov: Any) -> Any:
        """The integral of the density times N(mean, cov). Example:
        ``kde.integrate_gaussian(m, c)``"""
        mean = gnp.atleast_1d(gnp.squeeze(gnp.asarray(mean)))
        cov = gnp.atleast_2d(gnp.asarray(cov))
        if mean.shape != (self.d,):
            raise ValueError(f"mean does not have dimension {self.d}")
        if cov.shape != (self.d, self.d):
            raise ValueError(f"covariance does not have dimension {self.d}")
        return self._convolve(self.covariance + cov, self.dataset, self.weights, mean)

    def integrate_box_1d(self, low: Any, high: Any) -> Any:
        """The mass between ``low`` and ``high`` of a 1-d estimate. Example:
        ``kde.integrate_box_1d(-1.0, 1.0)``"""
        if self.d != 1:
            raise ValueError("integrate_box_1d() only handles 1D pdfs")
        if gnp.ndim(low) != 0 or gnp.ndim(high) != 0:
            raise ValueError("the limits of integration in integrate_box_1d must be scalars")
        sigma = gnp.squeeze(gnp.sqrt(self.covariance))
        lo = gnp.squeeze((low - self.dataset) / sigma)
        hi = gnp.squeeze((high - self.dataset) / sigma)
        return gnp.sum(self.weights * (ndtr(hi) - ndtr(lo)))

    def integrate_kde(self, other: gaussian_kde) -> Any:
        """The integral of the product of two estimates. Example: ``a.integrate_kde(b)``"""
        if other.d != self.d:
            raise ValueError("KDEs are not the same dimensionality")
        cov_sum = self.covariance + other.covariance
        sm, lg = (self, other) if self.n < other.n else (other, self)
        parts = [self._convolve(cov_sum, lg.dataset, lg.weights, sm.dataset[:, j])
                 for j in range(sm.n)]
        return gnp.sum(gnp.stack(parts) * sm.weights)

    def resample(self, key: Any, shape: tuple = ()) -> Any:
        """``shape`` draws (columns of a ``(d, *shape)`` array), with ``gpuad.random`` keys.
        Example: ``kde.resample(gpuad.random.PRNGKey(0), (100,))``"""
        from ... import random

        k1, k2 = random.split(key)
        ind = random.choice(k1, self.n, shape=shape, p=data(self.weights))
        eps = random.multivariate_normal(k2, gnp.zeros(self.d, self.covariance.dtype),
                                         self.covariance, shape=shape,
                                         dtype=self.dataset.dtype)
        return self.dataset[:, ind] + gnp.moveaxis(eps, -1, 0)

    def integrate_box(self, low_bounds: Any, high_bounds: Any, maxpts: Any = None) -> Any:
        """Not supported (as JAX): use :meth:`integrate_box_1d`."""
        raise NotImplementedError(
            "only 1D box integrations are supported; use `integrate_box_1d`")

    def set_bandwidth(self, bw_method: Any = None) -> None:
        """Not supported (as JAX): make a new estimate."""
        raise NotImplementedError("dynamically changing the bandwidth method is not supported")


__all__ = ["gaussian_kde"]
