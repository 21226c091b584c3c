"""Specs for the complex functions of gpuad.numpy: real, imag, conj, conjugate, angle.

Each takes two real arrays, builds ``z = x + iy`` from them and differentiates through complex
values back to the real inputs (the real part of the adjoint, by rule)."""

from __future__ import annotations

import gpuad.numpy as gnp

from . import Spec


def _xy(shape=(4,)):
    return lambda r: (r.standard_normal(shape), r.standard_normal(shape))


def _z(x, y):
    return (x + 1j * y) * (x - 0.5j)


SPECS = [
    Spec("gpuad.numpy.real", lambda x, y: gnp.real(_z(x, y)), _xy()),
    Spec("gpuad.numpy.imag", lambda x, y: gnp.imag(_z(x, y)), _xy()),
    Spec("gpuad.numpy.conj", lambda x, y: gnp.conj(_z(x, y)), _xy()),
    Spec("gpuad.numpy.conjugate", lambda x, y: gnp.conjugate(_z(x, y)) * _z(y, x), _xy()),
    Spec("gpuad.numpy.angle", lambda x, y: gnp.angle(_z(x, y) + 3.0), _xy()),
]

EXEMPT: dict[str, str] = {}
