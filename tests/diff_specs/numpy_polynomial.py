"""gpuad.numpy.polynomial: the series functions of the six bases, recorded from gpuad.numpy ops
(differentiable in the coefficients, the points, the weights and the data of fits)."""

from __future__ import annotations

import numpy as np

import gpuad.numpy.polynomial as gp

from . import Spec

P = "gpuad.numpy.polynomial."
BASES = {"polynomial": "poly", "chebyshev": "cheb", "legendre": "leg", "hermite": "herm",
         "hermite_e": "herme", "laguerre": "lag"}


def _c(n: int = 4):
    return lambda r: (r.standard_normal(n),)


def _specs(mod: str, p: str) -> list[Spec]:
    m = getattr(gp, mod)

    def f(name):
        return getattr(m, p + name)

    q = P + f"{mod}.{p}"
    val, val2d, val3d = f("val"), f("val2d"), f("val3d")
    grid2d, grid3d = f("grid2d"), f("grid3d")
    der, integ, mulx = f("der"), f("int"), f("mulx")
    add, sub, mul, div, pw = f("add"), f("sub"), f("mul"), f("div"), f("pow")
    fit, vander, vander2d, vander3d = f("fit"), f("vander"), f("vander2d"), f("vander3d")
    roots, fromroots, line, comp = f("roots"), f("fromroots"), f("line"), f("companion")
    to_poly = getattr(m, f"{p}2poly", None)
    from_poly = getattr(m, f"poly2{p}", None)
    xs = np.array([-0.7, -0.2, 0.3, 0.8])
    specs = [
        Spec(q + "val", lambda x, c: val(x, c), lambda r: (r.uniform(-1, 1, 3),
                                                          r.standard_normal(4))),
        Spec(q + "val2d", lambda x, y, c: val2d(x, y, c),
             lambda r: (r.uniform(-1, 1, 3), r.uniform(-1, 1, 3), r.standard_normal((3, 2)))),
        Spec(q + "val3d", lambda x, c: val3d(x, x[::-1], x * 0.5, c),
             lambda r: (r.uniform(-1, 1, 2), r.standard_normal((2, 2, 3)))),
        Spec(q + "grid2d", lambda x, c: grid2d(x, x[:2], c),
             lambda r: (r.uniform(-1, 1, 3), r.standard_normal((3, 2)))),
        Spec(q + "grid3d", lambda x, c: grid3d(x, x[:1], x[1:], c),
             lambda r: (r.uniform(-1, 1, 3), r.standard_normal((2, 2, 2)))),
        Spec(q + "der", lambda c: der(c, 2, scl=1.5), _c(5)),
        Spec(q + "int", lambda c: integ(c, 2, k=[0.5, -1.0], lbnd=0.3, scl=2.0), _c(4)),
        Spec(q + "mulx", lambda c: mulx(c), _c(4)),
        Spec(q + "add", lambda a, b: add(a, b), lambda r: (r.standard_normal(3),
                                                          r.standard_normal(4)), order=1),
        Spec(q + "sub", lambda a, b: sub(a, b), lambda r: (r.standard_normal(4),
                                                          r.standard_normal(3)), order=1),
        Spec(q + "mul", lambda a, b: mul(a, b), lambda r: (r.standard_normal(3),
                                                          r.standard_normal(2)), order=1),
        Spec(q + "div", lambda a, b: div(a, b)[0],
             lambda r: (r.standard_normal(5), r.standard_normal(2) + np.array([0, 2.0])),
             order=1),
        Spec(q + "pow", lambda c: pw(c, 3), _c(3), order=1),
        Spec(q + "fit", lambda y, w: fit(xs, y, 2, w=w),
             lambda r: (r.standard_normal(4), r.uniform(0.5, 1.5, 4))),
        Spec(q + "vander", lambda x: vander(x, 3), lambda r: (r.uniform(-1, 1, 4),)),
        Spec(q + "vander2d", lambda x, y: vander2d(x, y, [2, 1]),
             lambda r: (r.uniform(-1, 1, 3), r.uniform(-1, 1, 3))),
        Spec(q + "vander3d", lambda x: vander3d(x, x * 0.5, x[::-1], [1, 1, 2]),
             lambda r: (r.uniform(-1, 1, 3),)),
        Spec(q + "roots", lambda c: roots(c),
             lambda r: (_roots_coef(mod, p, r),), order=1),
        Spec(q + "fromroots", lambda z: fromroots(z), lambda r: (r.uniform(-2, 2, 3),)),
        Spec(q + "line", lambda a, b: line(a, b), lambda r: (r.standard_normal(()),
                                                            r.standard_normal(()) + 2.0)),
        Spec(q + "companion", lambda c: comp(c),
             lambda r: (r.standard_normal(4) + np.array([0, 0, 0, 2.0]),)),
    ]
    if to_poly is not None:
        specs.append(Spec(P + f"{mod}.{p}2poly", lambda c: to_poly(c), _c(4)))
    if from_poly is not None:
        specs.append(Spec(P + f"{mod}.poly2{p}", lambda c: from_poly(c), _c(4)))
    return specs


def _roots_coef(mod: str, p: str, r: np.random.Generator) -> np.ndarray:
    """Coefficients in basis ``p`` (NumPy's) of a polynomial with well separated real roots."""
    z = np.array([-1.5, 0.25, 1.75]) + r.uniform(-0.1, 0.1, 3)
    return getattr(getattr(np.polynomial, mod), p + "fromroots")(z)


def _weight(mod: str, p: str) -> Spec:
    w = getattr(getattr(gp, mod), p + "weight")
    lo, hi = (-0.9, 0.9) if p == "cheb" else (0.1, 2.0)
    return Spec(P + f"{mod}.{p}weight", lambda x: w(x), lambda r: (r.uniform(lo, hi, 3),))


SPECS = [s for mod, p in BASES.items() for s in _specs(mod, p)]
SPECS += [
    Spec(P + "polynomial.polyvalfromroots", lambda x, z: gp.polynomial.polyvalfromroots(x, z),
         lambda r: (r.uniform(-1, 1, 3), r.uniform(-1, 1, 2))),
    Spec(P + "chebyshev.chebinterpolate",
         lambda a: gp.chebyshev.chebinterpolate(lambda t: a[0] * t ** 2 + a[1] * t, 3),
         lambda r: (r.standard_normal(2),), order=1),
    *[_weight(mod, p) for mod, p in BASES.items() if mod not in ("polynomial", "legendre")],
    Spec(P + "polyutils.mapdomain", lambda x, d: gp.polyutils.mapdomain(x, d, [-1.0, 1.0]),
         lambda r: (r.uniform(0, 1, 3), np.array([0.0, 1.0]) + r.uniform(-0.1, 0.1, 2))),
    Spec(P + "polyutils.mapparms", lambda d: gp.polyutils.mapparms(d, [-1.0, 1.0])[1],
         lambda r: (np.array([0.0, 1.0]) + r.uniform(-0.1, 0.1, 2),)),
    Spec(P + "polyutils.getdomain", lambda x: gp.polyutils.getdomain(x),
         lambda r: (r.permutation(np.linspace(-1, 2, 5)),)),
]

_CONST = "a constant of the degree (points, weights, quadrature nodes): no differentiable input"
EXEMPT = {P + "set_default_printstyle": "sets how series print; no values",
          P + "chebyshev.chebpts1": _CONST, P + "chebyshev.chebpts2": _CONST,
          P + "polyutils.format_float": "formats a number as text",
          P + "polyutils.as_series": "converts and trims coefficient arrays: the values pass "
                                     "through unchanged (a recorded copy of each)",
          P + "polyutils.trimseq": "drops trailing zero coefficients: the values pass through",
          P + "polyutils.trimcoef": "drops small trailing coefficients: the values pass "
                                    "through",
          P + "legendre.legweight": "the constant 1 (Legendre's weight function)",
          **{P + f"{mod}.{p}gauss": _CONST for mod, p in BASES.items() if mod != "polynomial"},
          **{P + f"{mod}.{p}trim": "drops small trailing coefficients: the values pass through"
             for mod, p in BASES.items()}}
