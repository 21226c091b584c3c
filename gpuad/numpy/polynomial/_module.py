"""What each basis module of ``gpuad.numpy.polynomial`` holds: its series functions, the
constants NumPy's module defines, its weight function and Gauss quadrature (constants)."""

from __future__ import annotations

import functools

from ... import rules as _r
from ._series import BASES, _checked, _gnp, conversions, make

_WEIGHTS = {
    "cheb": lambda gnp, x: 1.0 / (gnp.sqrt(1.0 + x) * gnp.sqrt(1.0 - x)),
    "leg": lambda gnp, x: x * 0.0 + 1.0,
    "herm": lambda gnp, x: gnp.exp(-(x ** 2)),
    "herme": lambda gnp, x: gnp.exp(-0.5 * x ** 2),
    "lag": lambda gnp, x: gnp.exp(-x),
}


@functools.cache
def namespace(prefix: str) -> dict:
    b = BASES[prefix]
    ns = make(b)
    ns["_basis"] = b
    if prefix != "poly":
        ns.update(conversions(b))
    for const in ("domain", "zero", "one", "x"):
        ns[prefix + const] = getattr(b.np, prefix + const)
    if prefix in _WEIGHTS:
        rule = _WEIGHTS[prefix]

        def weight(x):
            from .polyutils import _arr

            return rule(_gnp(), _arr(x) if isinstance(x, list | tuple) else x)

        weight.__name__ = weight.__qualname__ = prefix + "weight"
        weight.__doc__ = (f"The weight function of the basis, recorded. "
                          f"Example: ``{prefix}weight(x)``")
        ns[weight.__name__] = weight

        npgauss = getattr(b.np, prefix + "gauss")

        def gauss(deg):
            x, w = _checked(b.q("gauss"), npgauss, deg)
            xp = _r._xp(None)
            return xp.asarray(x), xp.asarray(w)

        gauss.__name__ = gauss.__qualname__ = prefix + "gauss"
        gauss.__doc__ = ("Gauss quadrature points and weights (constants, as NumPy's). "
                         f"Example: ``x, w = {prefix}gauss(5)``")
        ns[gauss.__name__] = gauss
    for f in ns.values():
        if callable(f) and getattr(f, "__module__", "").startswith("gpuad.numpy.polynomial._"):
            f.__module__ = b.public
    return ns
