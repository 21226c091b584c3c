"""JAX's tests/ode_test.py programs (pendulum, decay, a pytree state, gradients with respect
to ``y0``, ``t`` and ``args``) run by ``gpuad.experimental.ode.odeint`` and
``jax.experimental.ode.odeint``, and against ``scipy.integrate.odeint``.

gpuad integrates with LSODA (SciPy's) where JAX uses Dormand-Prince: both meet the tolerance
asked, so values and derivatives are compared to a relative 1e-5 rather than to the digit.
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import scipy.integrate  # noqa: E402
from jax.experimental.ode import odeint as jodeint  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.experimental.ode import odeint  # noqa: E402


def _np(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def close(a, b, rtol=1e-5, atol=1e-7):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_allclose(_np(x), np.asarray(y), rtol=rtol, atol=atol)


def pend(M):
    def f(y, t, b, c):
        theta, omega = y
        return M.stack([omega, -b * omega - c * M.sin(theta)])
    return f


def test_pendulum_values_and_gradients():
    y0, t = np.array([np.pi - 0.1, 0.0]), np.linspace(0.0, 10.0, 11)
    ys = odeint(pend(gnp), y0, t, 0.25, 5.0)
    close(ys, jodeint(pend(jnp), y0, t, 0.25, 5.0))
    close(ys, scipy.integrate.odeint(pend(np), y0, t, args=(0.25, 5.0), rtol=1e-10,
                                     atol=1e-10))

    def loss(M, ode):
        return lambda y0, t, b, c: M.sum(ode(pend(M), y0, t, b, c) ** 2)
    t4 = t[:4]
    # derivatives: two integrators' adjoint systems, each to the tolerance: 1e-4 relative
    close(ad.grad(loss(gnp, odeint), (0, 1, 2, 3))(y0, t4, 0.25, 5.0),
          jax.grad(loss(jnp, jodeint), (0, 1, 2, 3))(y0, t4, 0.25, 5.0), rtol=1e-4, atol=1e-6)
    close(ad.jacfwd(lambda c: odeint(pend(gnp), y0, t4, 0.25, c))(5.0),
          jax.jacrev(lambda c: jodeint(pend(jnp), y0, t4, 0.25, c))(5.0), rtol=1e-4, atol=1e-6)
    # (JAX's odeint has no forward mode: gpuad's jacfwd is compared with JAX's jacrev)


def test_pytree_state_and_decay():
    def f(M):
        return lambda y, t, k: {"a": -k * y["a"], "b": y["a"][0] * 2.0 - y["b"]}
    y0, t = {"a": np.ones(2), "b": np.zeros(())}, np.array([0.0, 0.5, 1.0])
    out = odeint(f(gnp), y0, t, 0.7)
    ref = jodeint(f(jnp), y0, t, 0.7)
    assert _np(out["b"]).shape == (3,) and _np(out["a"]).shape == (3, 2)
    close(out, ref)
    g = ad.grad(lambda k: gnp.sum(odeint(f(gnp), y0, t, k)["b"]))(0.7)
    close(g, jax.grad(lambda k: jnp.sum(jodeint(f(jnp), y0, t, k)["b"]))(0.7))


def test_args_must_be_arrays():
    for ode, M in ((odeint, gnp), (jodeint, jnp)):
        with pytest.raises(TypeError, match="args must be arrays"):
            ode(lambda y, t, s: y, M.ones(1), M.array([0.0, 1.0]), "a string")
