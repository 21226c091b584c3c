"""Specs for functions added while running HIPS autograd's linalg, scipy, fft and complex
suites: real_if_close."""

from __future__ import annotations

import gpuad.numpy as gnp

from . import Spec


def _xy(shape=(4,)):
    return lambda r: (r.standard_normal(shape), r.standard_normal(shape))


SPECS = [
    # imaginary parts near 0 (real part taken) and far from it (the identity)
    Spec("gpuad.numpy.real_if_close",
         lambda x, y: gnp.real_if_close((x + 1j * y) * (x - 1j * y)) * x, _xy()),
    Spec("gpuad.numpy.real_if_close",
         lambda x, y: gnp.abs(gnp.real_if_close((x + 1j * y) * (x - 0.5j))) * x, _xy()),
]

EXEMPT: dict[str, str] = {}
