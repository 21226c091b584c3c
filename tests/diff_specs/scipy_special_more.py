"""Derivative specifications for the functions gpuad.scipy.special takes from
jax.scipy.special (loggamma ... hyp2f1); hyp2f1's parameters are closed over as constants
(a derivative in them raises: tests/test_scipy_special_more.py)."""

from __future__ import annotations

import numpy as np

import gpuad.scipy.special as sps

from . import Spec

S = "gpuad.scipy.special."
SPECS: list[Spec] = []
EXEMPT: dict[str, str] = {
    S + "bernoulli": "the Bernoulli numbers of an integer n: no float argument",
}


def _pos(rng):
    return (rng.uniform(0.4, 3.0, 4),)


def _real(rng):
    return (np.sign(rng.standard_normal(4)) * rng.uniform(0.3, 3.0, 4),)


for name, args in [("loggamma", _pos), ("factorial", _pos), ("dawsn", _real)]:
    SPECS.append(Spec(S + name, getattr(sps, name), args))
SPECS += [
    Spec(S + "comb", sps.comb, lambda rng: (rng.uniform(4, 8, 4), rng.uniform(0.5, 3.5, 4))),
    Spec(S + "boxcox", sps.boxcox, lambda rng: (rng.uniform(0.4, 3, 4), rng.uniform(-1, 1, 4))),
    Spec(S + "boxcox1p", sps.boxcox1p,
         lambda rng: (rng.uniform(-0.5, 2, 4), rng.uniform(-1, 1, 4))),
    Spec(S + "inv_boxcox", sps.inv_boxcox,
         lambda rng: (rng.uniform(0.1, 2, 4), rng.uniform(-0.3, 1, 4))),
    Spec(S + "inv_boxcox1p", sps.inv_boxcox1p,
         lambda rng: (rng.uniform(0.1, 2, 4), rng.uniform(-0.3, 1, 4))),
    Spec(S + "exprel", sps.exprel, lambda rng: (rng.uniform(-3, 3, 4),)),
    Spec(S + "sici", lambda x: sps.sici(x)[0] + 2 * sps.sici(x)[1], _real),
    Spec(S + "fresnel", lambda x: sps.fresnel(x)[0] - 3 * sps.fresnel(x)[1], _real),
    Spec(S + "owens_t", sps.owens_t, lambda rng: (rng.standard_normal(4), rng.standard_normal(4))),
    Spec(S + "hyp2f1", lambda x: sps.hyp2f1(1.0, 1.5, 2.5, x),
         lambda rng: (rng.uniform(-0.8, 0.8, 4),)),
    Spec(S + "bessel_jn", lambda z: sps.bessel_jn(z, v=3), _real),
]
