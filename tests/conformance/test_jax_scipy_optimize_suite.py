"""JAX's tests/scipy_optimize_test.py: ``minimize`` (BFGS and the experimental L-BFGS) on
Rosenbrock, Himmelblau, Matyas, Eggholder and Zakharov, gpuad's solution compared with
SciPy's and JAX's (float64).

JAX's line search and gpuad's are not the same code: the solutions agree to the gradient
tolerance asked, not the iteration counts. Where JAX's own run fails (its BFGS stops after
one step on Himmelblau from the origin, its L-BFGS on Zakharov), gpuad is compared with
SciPy alone. Deliberate differences: ``minimize`` runs eagerly, so inside ``gpuad.jit`` or
``gpuad.vmap`` it raises; it refuses differentiated inputs (JAX's is not differentiable
either).
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import jax.scipy.optimize  # noqa: E402
import scipy.optimize  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.scipy.optimize import minimize  # noqa: E402


def rosenbrock(np):
    return lambda x: np.sum(100.0 * np.diff(x) ** 2 + (1.0 - x[:-1]) ** 2)


def himmelblau(np):
    def func(p):
        x, y = p
        return (x ** 2 + y - 11.0) ** 2 + (x + y ** 2 - 7.0) ** 2
    return func


def matyas(np):
    def func(p):
        x, y = p
        return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y
    return func


def eggholder(np):
    def func(p):
        x, y = p
        return -(y + 47) * np.sin(np.sqrt(np.abs(x / 2.0 + y + 47.0))) - x * np.sin(
            np.sqrt(np.abs(x - (y + 47.0))))
    return func


def zakharov(np):
    def func(x):
        ii = np.arange(1, len(x) + 1)
        return np.sum(x ** 2) + np.sum(0.5 * ii * x) ** 2 + np.sum(0.5 * ii * x) ** 4
    return func


CASES = [(rosenbrock, np.zeros(2)), (himmelblau, np.zeros(2)), (matyas, np.ones(2) * 6.0),
         (eggholder, np.ones(2) * 100.0),
         (zakharov, np.array([600.0, 700.0, 200.0, 100.0, 90.0, 1e4]))]
LBFGS = "l-bfgs-experimental-do-not-rely-on-this"


@pytest.mark.parametrize("func,x0", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("method", ["BFGS", LBFGS])
def test_minimize(func, x0, method):
    res = minimize(func(gnp), x0, method=method, options=dict(gtol=1e-6))
    assert bool(res.success) and int(res.status) == 0
    x = res.x.numpy() if hasattr(res.x, "numpy") else np.asarray(res.x)
    # SciPy's BFGS with a tight gradient tolerance is the reference for both methods (its
    # L-BFGS-B stops early, 1e-4 away on Matyas, with its default tolerances)
    sp = scipy.optimize.minimize(func(np), x0, method="BFGS", options=dict(gtol=1e-8))
    jres = jax.scipy.optimize.minimize(func(jnp), x0, method=method, options=dict(gtol=1e-6))
    if func is not zakharov:   # Zakharov's minimum is at 0: SciPy stops far from it
        np.testing.assert_allclose(x, sp.x, atol=2e-5)
    else:
        np.testing.assert_allclose(x, np.zeros_like(x0), atol=1e-5)
    if bool(jres.success):
        np.testing.assert_allclose(x, np.asarray(jres.x), atol=2e-5)
    # the reported value, gradient and counts describe the solution returned
    np.testing.assert_allclose(float(np.asarray(res.fun)), func(np)(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(res.jac), np.asarray(jax.grad(func(jnp))(x)),
                               rtol=1e-9, atol=1e-9)
    # L-BFGS also stops on a relative decrease of f below ftol (as SciPy's L-BFGS-B)
    assert np.max(np.abs(np.asarray(res.jac))) < (1e-6 if method == "BFGS" else 1e-5)
    assert int(res.nfev) >= int(res.nit) >= 1
    if method == "BFGS":
        assert np.asarray(res.hess_inv).shape == (len(x0), len(x0))
    else:
        assert res.hess_inv is None


def test_fixes4594_and_args():
    a = np.eye(2) * 1e4
    for M, mini in ((gnp, minimize), (jnp, jax.scipy.optimize.minimize)):
        res = mini(lambda x, a: M.mean((a @ x) ** 2), np.ones(2), args=(a,), method="BFGS")
        np.testing.assert_allclose(np.asarray(res.x), np.zeros(2), atol=1e-6, rtol=1e-6)
        with pytest.raises(TypeError, match="args .* must be a tuple"):
            mini(lambda x: M.sum(x ** 2), np.ones(2), args=45, method="BFGS")
        with pytest.raises(ValueError, match="not recognized"):
            mini(lambda x: M.sum(x ** 2), np.ones(2), method="Nelder-Mead")


def test_minimize_refuses_derivatives_and_transforms():
    f = lambda x, c: gnp.sum((x - c) ** 2)
    with pytest.raises(ad.GradError, match="not differentiable"):
        ad.grad(lambda c: minimize(f, np.zeros(2), (c,), method="BFGS").fun)(np.ones(2))
    with pytest.raises(ad.GradError, match="not differentiable"):
        ad.grad(lambda c: minimize(lambda x: gnp.sum((x - c) ** 2), np.zeros(2),
                                   method="BFGS").fun)(np.ones(2))
    with pytest.raises(ad.jit.TracerError):
        ad.jit(lambda x0: minimize(lambda x: gnp.sum(x ** 2), x0, method="BFGS").x)(np.ones(2))
