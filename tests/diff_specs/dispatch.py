"""Specs for array construction from Tensors and containers of Tensors, and for evenly spaced
samples with Tensor endpoints."""

from __future__ import annotations

import gpuad.numpy as gnp

from . import Spec


def _pair(rng):
    return rng.uniform(0.5, 1.5, ()), rng.uniform(2.0, 3.0, ())


SPECS = [
    Spec("gpuad.numpy.array", lambda s, v: gnp.array([[s, v[0]], [v[1] * s, 2.0]]),
         lambda rng: (rng.standard_normal(()), rng.standard_normal(2))),
    Spec("gpuad.numpy.array", lambda v: gnp.array(v) * v,
         lambda rng: (rng.standard_normal(3),)),
    Spec("gpuad.numpy.asarray", lambda s, v: gnp.asarray((s, v[1], s * v[0])) * v[2],
         lambda rng: (rng.standard_normal(()), rng.standard_normal(3))),
    Spec("gpuad.numpy.linspace", lambda a, b: gnp.linspace(a, b, 5), _pair),
    Spec("gpuad.numpy.linspace", lambda a, b: gnp.linspace(a, b, 4, endpoint=False, axis=1),
         lambda rng: (rng.standard_normal(2), rng.standard_normal(2))),
    Spec("gpuad.numpy.logspace", lambda a, b: gnp.logspace(a, b, 4, base=2.0), _pair),
    Spec("gpuad.numpy.geomspace", lambda a, b: gnp.geomspace(a, b, 4), _pair),
]

EXEMPT = {
    "gpuad.numpy.stop_gradient": "a constant by definition: its derivative is zero on purpose",
}
