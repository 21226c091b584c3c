"""gpuad.scipy.special.wofz and sph_harm_y (jax.scipy.special's complex-valued functions):
values against SciPy, derivatives against float64 central differences (wofz in both the real
and the imaginary direction), and the errors. tests/conformance/
test_jax_scipy_special_complex.py compares them with JAX itself."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as ss
from diff_specs.scipy import cupy_lacks

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.special as sps
from gpuad.testing import check_grads

RNG = np.random.default_rng(7)
Z = RNG.uniform(-2.5, 2.5, 5) + 1j * RNG.uniform(-2.0, 2.0, 5)
N = np.array([0, 1, 2, 3, 4, 6])
M = np.array([0, -1, 1, -3, 4, 2])
THETA = np.array([0.3, 1.0, -0.7, 2.5, 4.0, 1.4])  # beyond [0, pi] too: SciPy's even Y
PHI = np.array([0.2, 1.5, 3.0, -1.0, 5.5, 0.8])


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a) if isinstance(a, np.ndarray) else a


def _lacking(backend, name, call) -> bool:
    missing = cupy_lacks(name) if backend == "cupy" else None
    if missing:
        with pytest.raises(NotImplementedError, match=f"{missing}: cupyx.scipy.special has no"):
            call()
    return bool(missing)


def _central(f, x, step):
    return (host(f(dev(x + step))) - host(f(dev(x - step)))) / 2


def test_wofz_values_and_both_directions(backend):
    if _lacking(backend, "wofz", lambda: sps.wofz(dev(Z))):
        return
    w = host(sps.wofz(dev(Z)))
    np.testing.assert_allclose(w, ss.wofz(Z), rtol=1e-13)
    assert host(sps.wofz(dev(Z.real))).dtype == np.complex128  # real input: complex, as JAX
    np.testing.assert_allclose(host(sps.wofz(dev(Z.real))), ss.wofz(Z.real + 0j), rtol=1e-13)
    # holomorphic: f(z + h) - f(z - h) ~ 2 h f'(z) for h real and for h imaginary
    wp = host(ad.jvp(sps.wofz, (dev(Z),), (dev(np.ones_like(Z)),))[1])
    for h in (1e-6, 1e-6j):
        np.testing.assert_allclose(wp * h, _central(sps.wofz, Z, h), rtol=1e-7, atol=1e-12)
    # a real loss: its gradient is dL/dx + i dL/dy
    each = lambda z: gnp.real(sps.wofz(z)) + 2 * gnp.imag(sps.wofz(z))  # noqa: E731
    g = host(ad.grad(lambda z: gnp.sum(each(z)))(dev(Z)))
    fd = [_central(each, Z, h) / 1e-6 for h in (1e-6, 1e-6j)]
    np.testing.assert_allclose(g, fd[0] + 1j * fd[1], rtol=1e-7)
    check_grads(sps.wofz, (dev(Z),), order=2, modes=("rev", "fwd"))


def test_sph_harm_y_values_and_angle_derivatives(backend):
    f = lambda t, p: sps.sph_harm_y(dev(N), dev(M), t, p)  # noqa: E731
    if _lacking(backend, "sph_harm_y", lambda: f(dev(THETA), dev(PHI))):
        return
    np.testing.assert_allclose(host(f(dev(THETA), dev(PHI))), ss.sph_harm_y(N, M, THETA, PHI),
                               rtol=1e-13, atol=1e-15)
    for k, x in enumerate((THETA, PHI)):
        part = lambda v, k=k: f(*((v, dev(PHI)) if k == 0 else (dev(THETA), v)))  # noqa: E731
        dy = host(ad.jvp(part, (dev(x),), (dev(np.ones_like(x)),))[1])
        np.testing.assert_allclose(dy * 1e-6, _central(part, x, 1e-6), rtol=1e-6, atol=1e-12)
    check_grads(f, (dev(THETA), dev(PHI)), order=2, modes=("rev", "fwd"))


def test_sph_harm_y_jax_semantics_and_errors(backend):
    if _lacking(backend, "sph_harm_y", lambda: sps.sph_harm_y(dev(N), dev(M), 0.3, 0.1)):
        return
    y = host(sps.sph_harm_y(dev(N), dev(M), 0.3, 0.1))  # scalar theta: broadcast along n
    np.testing.assert_allclose(y, ss.sph_harm_y(N, M, 0.3, 0.1), rtol=1e-13, atol=1e-15)
    clipped = host(sps.sph_harm_y(dev(np.array([5])), dev(np.array([1])), 0.3, 0.1, n_max=2))
    np.testing.assert_allclose(clipped, ss.sph_harm_y(2, 1, 0.3, 0.1), rtol=1e-13)
    assert np.all(host(sps.sph_harm_y(dev(np.array([2])), dev(np.array([3])), 0.3, 0.1)) == 0)
    with pytest.raises(NotImplementedError, match="diff_n"):
        sps.sph_harm_y(dev(N), dev(M), 0.3, 0.1, diff_n=1)
    with pytest.raises(TypeError, match="n must be an integer"):
        sps.sph_harm_y(dev(N * 1.0), dev(M), 0.3, 0.1)
    # the degree and order are integers: a derivative in them raises, naming them
    with pytest.raises(TypeError, match="only floating-point inputs can be differentiated"):
        ad.vjp(lambda m: sps.sph_harm_y(dev(N), m, 0.3, 0.1), dev(M))
    # at the poles Y has a kink for odd m (it takes |sin(theta)|): derivative 0 there
    g = ad.grad(lambda t: gnp.sum(gnp.real(sps.sph_harm_y(dev(np.array([2, 2, 2])),
                                                          dev(np.array([0, 1, 2])), t, 0.0))))
    np.testing.assert_array_equal(host(g(dev(np.zeros(3)))), 0.0)
