"""Specs for the functions added while running HIPS autograd's NumPy test suite."""

from __future__ import annotations

import gpuad.numpy as gnp

from . import Spec


def _complex(rng):
    return (rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3)),)


SPECS = [
    Spec("gpuad.numpy.real_if_close", gnp.real_if_close, lambda rng: (rng.standard_normal(4),)),
    Spec("gpuad.numpy.real_if_close", gnp.real_if_close, _complex),
]
EXEMPT: dict[str, str] = {}
