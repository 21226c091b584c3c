"""What the eighth round of ported programs (tests/conformance/test_ports_programs_round8*.py)
found: HIPS autograd programs hand ``gpuad.scipy.stats`` their host NumPy data and draws
(``norm.logpdf(Y, mu, np.exp(log_sigma))`` with ``Y`` from ``npr.RandomState``); on the CuPy
backend the distributions computed ``x - loc`` between a NumPy and a CuPy array, which CuPy
refuses (``TypeError: Unsupported type <class 'numpy.ndarray'>``), where ``gpuad.numpy``'s
own functions take such mixtures."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as sps
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.scipy import stats


@pytest.mark.parametrize(
    "dist, fn, params",
    [
        ("norm", "logpdf", (0.3, 1.7)),
        ("t", "logpdf", (4.0, 0.3, 1.7)),
        ("expon", "logpdf", (0.1, 1.7)),
        ("pareto", "cdf", (2.5, 0.0, 0.5)),
        ("poisson", "logpmf", (2.5,)),
        ("laplace", "cdf", (0.3, 1.7)),
    ],
)
def test_host_data_beside_backend_parameters(backend, dist, fn, params):
    x = np.array([0.5, 1.5, 3.0])
    want = getattr(getattr(sps, dist), fn)(x, *params)
    loc = [gnp.asarray(np.full(3, p)) for p in params]
    # host x with backend parameters, and backend x with host parameters
    got1 = getattr(getattr(stats, dist), fn)(x, *loc)
    got2 = getattr(getattr(stats, dist), fn)(gnp.asarray(x), *[np.full(3, p) for p in params])
    np.testing.assert_allclose(to_numpy(got1), want, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(got2), want, rtol=1e-12)


def test_host_data_with_a_differentiated_parameter(backend):
    # the autograd program's shape: data drawn on the host, the parameter differentiated
    y = np.random.RandomState(0).randn(4)

    def f(mu):
        return gnp.sum(stats.norm.logpdf(y, mu, gnp.exp(0.2 * mu)))

    mu = gnp.asarray(np.array([0.1, -0.2, 0.3, 0.4]))
    s = np.exp(0.2 * to_numpy(mu))
    z = (y - to_numpy(mu)) / s
    # d/dmu [-z^2/2 - log s] with dz/dmu = -1/s - 0.2 z: z/s + 0.2 z^2 - 0.2
    want = z / s + 0.2 * z**2 - 0.2
    np.testing.assert_allclose(to_numpy(ad.grad(f)(mu)), want, rtol=1e-12)
    assert stats.norm(y.mean(), 2.0).logpdf(gnp.asarray(y)).shape == (4,)
