"""Specs for functions added or extended while running HIPS autograd's linalg, scipy, fft and
complex suites: real_if_close, and complex matrices through eigh, svd and eig (each built from
two real arrays; the vectors enter through their moduli, which do not depend on their phases).
"""

from __future__ import annotations

import gpuad.numpy as gnp

from . import Spec


def _xy(shape=(4,)):
    return lambda r: (r.standard_normal(shape), r.standard_normal(shape))


def _eigh(x, y):
    w, v = gnp.linalg.eigh(x + 1j * y)
    return w, gnp.abs(v)


def _svd(x, y):
    u, s, vh = gnp.linalg.svd(x + 1j * y, full_matrices=False)
    return gnp.abs(u), s, gnp.abs(vh)


def _eig(x, y):
    w, v = gnp.linalg.eig(x + 1j * y)
    return w, gnp.abs(v)


SPECS = [
    # imaginary parts near 0 (real part taken) and far from it (the identity)
    Spec("gpuad.numpy.real_if_close",
         lambda x, y: gnp.real_if_close((x + 1j * y) * (x - 1j * y)) * x, _xy()),
    Spec("gpuad.numpy.real_if_close",
         lambda x, y: gnp.abs(gnp.real_if_close((x + 1j * y) * (x - 0.5j))) * x, _xy()),
    Spec("gpuad.numpy.linalg.eigh", _eigh, _xy((4, 4))),
    Spec("gpuad.numpy.linalg.svd", _svd, _xy((4, 3))),
    Spec("gpuad.numpy.linalg.eig", _eig, _xy((4, 4))),
]

EXEMPT: dict[str, str] = {}
