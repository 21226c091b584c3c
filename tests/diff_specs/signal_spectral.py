"""Derivative specs of gpuad.scipy.signal's spectral functions (gpuad/scipy/_spectral.py)."""

from __future__ import annotations

import numpy as np

import gpuad.numpy as gnp
from gpuad.scipy import signal

from . import Spec

SG = "gpuad.scipy.signal."


def _sig(n):
    return lambda r: (r.standard_normal(n),)


def _istft_args(r):
    z = np.fft.rfft(r.standard_normal((6, 5)), axis=0)  # (frequencies, segments)
    return z.real, z.imag


SPECS: list[Spec] = [
    Spec(SG + "detrend", lambda x: signal.detrend(x, bp=[4]), _sig(9)),
    Spec(SG + "stft", lambda x: gnp.real(signal.stft(x, nperseg=6, detrend="linear")[2]),
         _sig(14)),
    Spec(SG + "istft", lambda re, im: signal.istft(re + 1j * im, nperseg=6)[1], _istft_args),
    Spec(SG + "welch", lambda x: signal.welch(x, nperseg=6)[1], _sig(16)),
    Spec(SG + "csd", lambda x, y: gnp.imag(signal.csd(x, y, nperseg=6)[1]),
         lambda r: (r.standard_normal(14), r.standard_normal(14))),
]
EXEMPT: dict[str, str] = {}
