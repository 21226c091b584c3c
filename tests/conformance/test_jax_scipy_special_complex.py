"""gpuad.scipy.special.wofz and sph_harm_y against jax.scipy.special and scipy.special in
float64/complex128: values 1e-10 relative, and vjps with complex cotangents against
``jax.vjp`` (gpuad's convention is PyTorch's: ``vjp(g) = conj(jax_vjp(conj(g)))``,
docs/semantics.md), real-valued losses against ``jax.grad`` of their real and imaginary parts."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jsp = pytest.importorskip("jax.scipy.special")
ss = pytest.importorskip("scipy.special")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
import gpuad.scipy.special as sps  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def _skip_without(backend, name):
    if backend == "cupy":
        import cupyx.scipy.special as cs

        if not any(hasattr(cs, n) for n in {"wofz": ("wofz",),
                                             "sph_harm_y": ("sph_harm_y", "sph_harm")}[name]):
            pytest.skip(f"cupyx.scipy.special has no {name}")


RNG = np.random.default_rng(11)
Z = np.concatenate([
    (RNG.uniform(-6, 6, 200) + 1j * RNG.uniform(-3, 6, 200)),
    np.array([0j, 1e-8 + 1e-8j, 25 + 1j, -30 + 0.5j, 3j, -2.5 - 0.4j, 1e3 + 1e3j]),
])


def test_wofz_values(backend):
    _skip_without(backend, "wofz")
    xp = ad.get_backend().xp
    w = _host(sps.wofz(xp.asarray(Z)))
    np.testing.assert_allclose(w, ss.wofz(Z), rtol=1e-12)
    np.testing.assert_allclose(w, np.asarray(jsp.wofz(Z)), rtol=1e-10)
    x = np.linspace(-8, 8, 41)  # real input: complex output, as JAX's
    wx = _host(sps.wofz(xp.asarray(x)))
    assert wx.dtype == np.asarray(jsp.wofz(x)).dtype == np.complex128
    np.testing.assert_allclose(wx, np.asarray(jsp.wofz(x)), rtol=1e-10)


def test_wofz_vjp_and_jvp_against_jax(backend):
    _skip_without(backend, "wofz")
    xp = ad.get_backend().xp
    z = Z[:60]
    g = RNG.standard_normal(z.shape) + 1j * RNG.standard_normal(z.shape)
    _, jvjp = jax.vjp(jsp.wofz, z)
    _, gvjp = ad.vjp(sps.wofz, xp.asarray(z))
    np.testing.assert_allclose(_host(gvjp(xp.asarray(g))[0]), np.conj(jvjp(np.conj(g))[0]),
                               rtol=1e-10)
    t = RNG.standard_normal(z.shape) + 1j * RNG.standard_normal(z.shape)
    np.testing.assert_allclose(_host(ad.jvp(sps.wofz, (xp.asarray(z),), (xp.asarray(t),))[1]),
                               jax.jvp(jsp.wofz, (z,), (t,))[1], rtol=1e-10)
    # second order: the derivative of Re w' in both directions
    jg = jax.grad(lambda v: jax.grad(lambda u: jsp.wofz(u).real)(v).real)(1.3 + 0.7j)
    gg = ad.grad(lambda v: gnp.real(ad.grad(lambda u: gnp.real(sps.wofz(u)))(v)))(
        xp.asarray(1.3 + 0.7j))
    np.testing.assert_allclose(_host(gg), np.conj(jg), rtol=1e-10)


N = np.array([0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10])
M = np.array([0, -1, 1, 0, -2, 3, -1, 2, -5, 4, -7, 3])


def _angles(k):
    return RNG.uniform(0.05, np.pi - 0.05, k), RNG.uniform(0, 2 * np.pi, k)


def test_sph_harm_y_values(backend):
    _skip_without(backend, "sph_harm_y")
    xp = ad.get_backend().xp
    th, ph = _angles(len(N))
    y = _host(sps.sph_harm_y(xp.asarray(N), xp.asarray(M), xp.asarray(th), xp.asarray(ph)))
    np.testing.assert_allclose(y, ss.sph_harm_y(N, M, th, ph), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(y, np.asarray(jsp.sph_harm_y(N, M, th, ph)), rtol=1e-10,
                               atol=1e-14)
    ys = _host(sps.sph_harm_y(xp.asarray(N), xp.asarray(M), 0.4, 1.1))  # scalar angles
    np.testing.assert_allclose(ys, np.asarray(jsp.sph_harm_y(N, M, 0.4, 1.1)), rtol=1e-10,
                               atol=1e-14)
    ok = np.abs(M) <= 4  # n_max clips n; JAX's values for |m| > n_max are undefined
    yc = _host(sps.sph_harm_y(xp.asarray(N[ok]), xp.asarray(M[ok]), xp.asarray(th[ok]),
                              xp.asarray(ph[ok]), n_max=4))
    np.testing.assert_allclose(yc, np.asarray(jsp.sph_harm_y(N[ok], M[ok], th[ok], ph[ok],
                                                             n_max=4)), rtol=1e-10, atol=1e-14)


def test_sph_harm_y_vjp_against_jax(backend):
    _skip_without(backend, "sph_harm_y")
    xp = ad.get_backend().xp
    th, ph = _angles(len(N))
    g = RNG.standard_normal(N.shape) + 1j * RNG.standard_normal(N.shape)
    _, jvjp = jax.vjp(lambda t, p: jsp.sph_harm_y(N, M, t, p), th, ph)
    _, gvjp = ad.vjp(lambda t, p: sps.sph_harm_y(xp.asarray(N), xp.asarray(M), t, p),
                     xp.asarray(th), xp.asarray(ph))
    for got, want in zip(gvjp(xp.asarray(g)), jvjp(np.conj(g)), strict=True):
        np.testing.assert_allclose(_host(got), np.conj(want), rtol=1e-9, atol=1e-12)
    for part in (jax.numpy.real, jax.numpy.imag):  # jax.grad of the real and imaginary parts
        gpart = gnp.real if part is jax.numpy.real else gnp.imag
        for k in (0, 1):
            want = jax.grad(lambda t, p: part(jsp.sph_harm_y(N, M, t, p)).sum(), k)(th, ph)
            got = ad.grad(lambda t, p: gnp.sum(gpart(sps.sph_harm_y(
                xp.asarray(N), xp.asarray(M), t, p))), k)(xp.asarray(th), xp.asarray(ph))
            np.testing.assert_allclose(_host(got), want, rtol=1e-9, atol=1e-12)
