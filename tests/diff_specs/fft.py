"""Specs for gpuad.numpy.fft: every transform on real input, and on complex input built from
two real arrays, with its n / axis / s / axes / norm arguments."""

from __future__ import annotations

import gpuad.numpy as gnp

from . import Spec

F = gnp.fft


def _r(*shape):
    return lambda r: (r.standard_normal(shape),)


def _c(*shape):
    return lambda r: (r.standard_normal(shape), r.standard_normal(shape))


SPECS = [
    Spec("gpuad.numpy.fft.fft", lambda x, y: F.fft(x + 1j * y, n=7, norm="ortho"), _c(6)),
    Spec("gpuad.numpy.fft.fft", lambda x: F.fft(x, axis=0), _r(5, 2)),
    Spec("gpuad.numpy.fft.ifft", lambda x, y: F.ifft(x + 1j * y, n=4), _c(6)),
    Spec("gpuad.numpy.fft.rfft", lambda x: F.rfft(x, n=9, norm="forward"), _r(7)),
    Spec("gpuad.numpy.fft.irfft", lambda x, y: F.irfft(x + 1j * y, n=7), _c(4)),
    Spec("gpuad.numpy.fft.hfft", lambda x, y: F.hfft(x + 1j * y, norm="ortho"), _c(5)),
    Spec("gpuad.numpy.fft.ihfft", lambda x: F.ihfft(x, n=5), _r(6)),
    Spec("gpuad.numpy.fft.fft2", lambda x, y: F.fft2(x + 1j * y, s=(3, 5)), _c(3, 4)),
    Spec("gpuad.numpy.fft.ifft2", lambda x, y: F.ifft2(x + 1j * y, norm="forward"), _c(3, 4)),
    Spec("gpuad.numpy.fft.fftn", lambda x, y: F.fftn(x + 1j * y, axes=(0, 2)), _c(2, 3, 4)),
    Spec("gpuad.numpy.fft.ifftn", lambda x: F.ifftn(x, s=(4, 4), axes=(0, 1)), _r(3, 4)),
    Spec("gpuad.numpy.fft.rfft2", lambda x: F.rfft2(x), _r(4, 6)),
    Spec("gpuad.numpy.fft.irfft2", lambda x, y: F.irfft2(x + 1j * y, s=(4, 5)), _c(4, 3)),
    Spec("gpuad.numpy.fft.rfftn", lambda x: F.rfftn(x, norm="ortho"), _r(2, 3, 4)),
    Spec("gpuad.numpy.fft.irfftn", lambda x, y: F.irfftn(x + 1j * y), _c(2, 3, 3)),
    Spec("gpuad.numpy.fft.hfftn", lambda x, y: F.hfftn(x + 1j * y, s=(3, 6), norm="ortho"),
         _c(2, 3, 4)),
    Spec("gpuad.numpy.fft.ihfftn", lambda x: F.ihfftn(x, axes=(0, 1)), _r(4, 3)),
    Spec("gpuad.numpy.fft.hfft2", lambda x, y: F.hfft2(x + 1j * y), _c(3, 4)),
    Spec("gpuad.numpy.fft.ihfft2", lambda x: F.ihfft2(x, s=(3, 5), norm="forward"), _r(3, 4)),
    Spec("gpuad.numpy.fft.fftshift", lambda x: F.fftshift(x), _r(4, 5)),
    Spec("gpuad.numpy.fft.ifftshift", lambda x: F.ifftshift(x, axes=0), _r(5, 3)),
    # the frequencies are k / (n d): differentiable in the spacing d
    Spec("gpuad.numpy.fft.fftfreq", lambda d: F.fftfreq(7, d), lambda r: (r.uniform(0.5, 2.0),)),
    Spec("gpuad.numpy.fft.rfftfreq", lambda d: F.rfftfreq(8, d),
         lambda r: (r.uniform(0.5, 2.0),)),
]

EXEMPT: dict[str, str] = {}
