"""Derivative specifications for the complex-valued functions gpuad.scipy.special takes from
jax.scipy.special: wofz (through z = x + iy, so both directions of the complex plane) and
sph_harm_y in its angles (the integer degree and order closed over)."""

from __future__ import annotations

import numpy as np

import gpuad.scipy.special as sps

from . import Spec

S = "gpuad.scipy.special."
_N, _M = np.array([0, 2, 3, 5]), np.array([0, -1, 2, 5])

SPECS: list[Spec] = [
    Spec(S + "wofz", lambda x, y: sps.wofz(x + 1j * y),
         lambda rng: (rng.uniform(-2, 2, 4), rng.uniform(-1.5, 1.5, 4))),
    Spec(S + "sph_harm_y", lambda theta, phi: sps.sph_harm_y(_N, _M, theta, phi),
         lambda rng: (rng.uniform(0.2, 2.9, 4), rng.uniform(0, 2 * np.pi, 4))),
]
