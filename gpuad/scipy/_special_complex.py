"""The complex-valued functions of ``jax.scipy.special``: ``wofz`` (the Faddeeva function, one
holomorphic primitive) and ``sph_harm_y`` (spherical harmonics: a real primitive in the polar
angle times ``exp(i m phi)``). Values and semantics are JAX's."""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import numpy as gnp
from ..rules import data, prim
from ._special_rules import SQRT_PI, _fwd, has_function, no_derivative, scipy_function

# w'(z) = -2 z w(z) + 2i / sqrt(pi): holomorphic, so complex arguments differentiate through it
_wofz = prim("wofz", _fwd("wofz"),
             vjp=[lambda g, ans, z: g * (-2 * z * ans + 2j / SQRT_PI)],
             jvp="vjp", guard=True, cplx="holo")


def wofz(z: Any) -> Any:
    """The Faddeeva function ``w(z) = exp(-z**2) erfc(-i z)`` (``jax.scipy.special.wofz``):
    real arguments are made complex first, so the result is always complex. Differentiable to
    any order (``w'(z) = -2 z w(z) + 2i/sqrt(pi)``). Example: ``sps.wofz(0.5 + 1j)``"""
    z = gnp.asarray(z)
    if z.dtype.kind != "c":
        z = gnp.astype(z, _np.complex64 if z.dtype == _np.float32 else _np.complex128)
    return _wofz(z)


wofz.rule = _wofz.rule  # type: ignore[attr-defined]  # the primitive it applies


def _polar_fwd(xp, n, m, theta):
    """``Y_n^m(theta, 0)``, real: the polar factor of the spherical harmonic."""
    if xp is _np or has_function(xp, "sph_harm_y"):
        return xp.real(scipy_function(xp, "sph_harm_y")(n, m, theta, 0.0))
    if has_function(xp, "sph_harm"):  # CuPy 14: sph_harm(m, n, azimuth, polar)
        return xp.real(scipy_function(xp, "sph_harm")(m, n, 0.0, theta))
    return scipy_function(xp, "sph_harm_y")  # raises, naming it


def _raising(n, m) -> Any:
    """``sqrt((n - m)(n + m + 1))``, the coefficient of ``Y^{m+1}`` in ``dY^m/dtheta``; 0 where
    ``|m| > n`` (where the harmonic itself is 0)."""
    return gnp.sqrt(gnp.maximum((n - m) * (n + m + 1), 0))


def _polar_dtheta(g, ans, n, m, theta):
    """dY^m/dtheta = (sqrt((n-m)(n+m+1)) Y^{m+1} - sqrt((n+m)(n-m+1)) Y^{m-1}) / 2 at phi = 0
    for theta in (0, pi), with no cot(theta). SciPy's (and JAX's) Y depends on cos(theta) only
    (it takes |sin(theta)|), so elsewhere the derivative is that at arccos(cos(theta)) times
    sign(sin(theta)); at the poles, where Y has a kink for odd m, it is 0 (JAX's is nan)."""
    n, m = data(n), data(m)
    turn = gnp.sign(gnp.sin(data(theta)))
    return g * turn * 0.5 * (_raising(n, m) * _polar(n, m + 1, theta)
                             - _raising(n, -m) * _polar(n, m - 1, theta))


_INTEGER = "an integer degree or order"
_polar = prim("sph_harm_y_polar", _polar_fwd,
              vjp=[no_derivative("sph_harm_y", "n", _INTEGER),
                   no_derivative("sph_harm_y", "m", _INTEGER), _polar_dtheta],
              jvp="vjp", guard=True)


def sph_harm_y(n: Any, m: Any, theta: Any, phi: Any, diff_n: int | None = None,
               n_max: int | None = None) -> Any:
    """The spherical harmonic ``Y_n^m(theta, phi)`` of degree ``n`` and order ``m`` at polar
    angle ``theta`` and azimuth ``phi`` (``jax.scipy.special.sph_harm_y``, SciPy's convention
    with the Condon-Shortley phase); the arguments broadcast, a scalar ``theta`` becomes 1-d as
    in JAX, and ``n_max`` clips ``n`` (JAX's). Differentiable to any order in ``theta`` and
    ``phi``; ``n`` and ``m`` are integers (a derivative raises). ``diff_n`` is refused, as by
    JAX. Example: ``sps.sph_harm_y(np.array([2]), np.array([1]), 0.3, 0.7)``"""
    if diff_n is not None:
        raise NotImplementedError(
            "The 'diff_n' argument to sph_harm_y is not supported (nor by JAX); leave it None")
    nd, md = gnp.asarray(data(n)), gnp.asarray(data(m))
    for name, v in (("n", nd), ("m", md)):
        if v.dtype.kind not in "iub":
            raise TypeError(f"sph_harm_y: {name} must be an integer array, got dtype "
                            f"{v.dtype}; pass integers (the degree n and order m)")
    if n_max is not None:
        n = gnp.minimum(n, int(n_max))
    if gnp.ndim(theta) == 0:
        theta = gnp.reshape(theta, (1,))
    return _polar(n, m, theta) * gnp.exp(1j * (md * phi))


sph_harm_y.rule = _polar.rule  # type: ignore[attr-defined]  # the primitive it applies

__all__ = ["sph_harm_y", "wofz"]
