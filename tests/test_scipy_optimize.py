"""``gpuad.scipy.optimize.minimize`` (BFGS, L-BFGS): minima of known functions, the fields of
the result, and the refusals (tuple ``args``, unknown method, differentiated inputs).
tests/conformance/test_jax_scipy_optimize_suite.py compares with SciPy and JAX."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit.trace import TracerError
from gpuad.scipy.optimize import minimize

LBFGS = "l-bfgs-experimental-do-not-rely-on-this"


def rosen(x):
    return gnp.sum(100.0 * gnp.diff(x) ** 2 + (1.0 - x[:-1]) ** 2)


@pytest.mark.parametrize("method", ["BFGS", LBFGS])
def test_minimize_rosenbrock_and_quadratic(backend, method):
    res = minimize(rosen, np.zeros(3), method=method, options=dict(gtol=1e-8))
    assert bool(res.success) and int(res.status) == 0
    np.testing.assert_allclose(to_numpy(res.x), np.ones(3), atol=1e-6)
    np.testing.assert_allclose(to_numpy(res.jac), to_numpy(ad.grad(rosen)(res.x)), atol=1e-12)
    assert float(to_numpy(res.fun)) < 1e-12 and int(res.nfev) >= int(res.nit) > 0
    c = np.array([3.0, -2.0])
    q = minimize(lambda x, c: gnp.sum((x - c) ** 2 * gnp.array([1.0, 10.0])), np.zeros(2),
                 (c,), method=method,
                 options=dict(gtol=1e-9) if method == "BFGS" else dict(gtol=1e-9, ftol=0.0))
    np.testing.assert_allclose(to_numpy(q.x), c, atol=1e-6)
    if method == "BFGS":   # the inverse Hessian estimate of a quadratic: diag(1/2, 1/20)
        np.testing.assert_allclose(to_numpy(q.hess_inv), np.diag([0.5, 0.05]), atol=1e-3)


def test_minimize_overflowing_first_step_is_shortened():
    # Zakharov from far away: a unit step overflows to inf; the line search must back off
    def zakharov(x):
        ii = gnp.arange(1, 4)
        return gnp.sum(x ** 2) + gnp.sum(0.5 * ii * x) ** 2 + gnp.sum(0.5 * ii * x) ** 4
    res = minimize(zakharov, np.array([600.0, 700.0, 1e4]), method="BFGS")
    assert bool(res.success)
    np.testing.assert_allclose(to_numpy(res.x), np.zeros(3), atol=1e-5)


def test_minimize_refusals():
    with pytest.raises(TypeError, match="args .* must be a tuple"):
        minimize(rosen, np.zeros(2), args=45, method="BFGS")
    with pytest.raises(ValueError, match="not recognized"):
        minimize(rosen, np.zeros(2), method="Powell")
    with pytest.raises(ad.GradError, match="not differentiable"):
        ad.grad(lambda c: minimize(lambda x: gnp.sum((x - c) ** 2), np.zeros(2),
                                   method="BFGS").fun)(np.ones(2))


def test_minimize_under_jit_raises_a_tracer_error(backend):
    def f(x0):
        return minimize(lambda x: gnp.sum((x - 1.0) ** 2), x0, method="BFGS").x

    np.testing.assert_allclose(to_numpy(f(gnp.zeros(2))), np.ones(2), atol=1e-6)
    with pytest.raises(TracerError, match="traced value"):
        ad.jit(f)(gnp.zeros(2))
