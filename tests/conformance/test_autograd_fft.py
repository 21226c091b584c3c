"""HIPS autograd's ``tests/test_fft.py``, run against gpuad.

Every transform of ``numpy.fft`` that suite differentiates (fft, ifft, rfft, irfft, their 2-D
and n-D forms, fftshift, ifftshift) with its lengths ``n`` (shorter and longer than the
input), ``s``/``axes``, ``axis``, ``norm='ortho'`` and subsets of the output, checked with
``gpuad.testing.check_grads`` to second order in both modes (autograd checks reverse mode
only). The derivatives of complex outputs and inputs are checked against complex central
differences, which hold whatever the gradient convention.

Differences: autograd raises NotImplementedError for ``rfftn`` with an odd last length;
gpuad differentiates it. The inverse real transforms read only the real part of the zero
(and, for even lengths, the Nyquist) frequency: gpuad's derivative is exact for any complex
input, so the inputs need not be Hermitian (autograd's are, through an ``rfft`` first; the
test keeps that and adds a non-Hermitian input).
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad.numpy as gnp
from gpuad.testing import check_grads

fft = gnp.fft
BOTH = ("fwd", "rev")


def _check(f, x, order=2):
    check_grads(f, (x,), order=order, modes=BOTH)


def _rand(*shape, seed=1, scale=1.0):
    return scale * np.random.RandomState(seed).randn(*shape)


def _hermitian(name, mat):
    """autograd's match_complex: the inverse real transforms get the forward real transform
    of a real array."""
    if name.startswith("ir"):
        return getattr(np.fft, name[1:])(mat)
    return mat


@pytest.mark.parametrize("norm", [None, "ortho"])
@pytest.mark.parametrize("name", ["fft", "ifft"])
def test_fft(backend, name, norm):
    _check(lambda x: getattr(fft, name)(x, norm=norm), _rand(5, 5))


def test_fft_axis(backend):
    _check(lambda x: fft.fft(x, axis=0), _rand(5, 5))


@pytest.mark.parametrize("delta", [-2, 2])
@pytest.mark.parametrize("name,d", [("fft", 5), ("ifft", 5), ("rfft", 4), ("irfft", 4)])
def test_fft_n(backend, name, d, delta):
    mat = _hermitian(name, _rand(d, d))
    _check(lambda x: getattr(fft, name)(x, d + delta), mat)


@pytest.mark.parametrize("name,d", [("fft2", 5), ("ifft2", 5), ("fftn", 5), ("ifftn", 5),
                                    ("rfft2", 4), ("irfft2", 4), ("rfftn", 4), ("irfftn", 4)])
def test_fft_s(backend, name, d):
    axes = [0, 2]
    mat = _rand(d, d, d, scale=0.1)
    if name.startswith("ir"):
        mat = getattr(np.fft, name[1:])(mat, axes=axes)
    _check(lambda x: getattr(fft, name)(x, s=[d + 2, d - 2], axes=axes), mat)


@pytest.mark.parametrize("name,scale", [("fft2", 0.1), ("ifft2", 1.0), ("fftn", 0.1),
                                        ("ifftn", 1.0)])
def test_fft_2d(backend, name, scale):
    _check(getattr(fft, name), _rand(5, 5, scale=scale))


@pytest.mark.parametrize("norm", [None, "ortho"])
def test_rfft(backend, norm):
    _check(lambda x: fft.rfft(x, norm=norm), _rand(4, 4, scale=0.1))


def test_rfft_axes(backend):
    _check(lambda x: fft.rfft(x, axis=0), _rand(4, 4, scale=0.1))


@pytest.mark.parametrize("hermitian", [True, False])
@pytest.mark.parametrize("norm", [None, "ortho"])
def test_irfft(backend, norm, hermitian):
    mat = _rand(4, 4, scale=0.1)
    mat = np.fft.rfft(mat) if hermitian else mat[:, :3] + 1j * _rand(4, 3, seed=2)
    _check(lambda x: fft.irfft(x, norm=norm), mat)


def test_rfft2(backend):
    _check(fft.rfft2, _rand(4, 4, scale=0.1))


def test_irfft2(backend):
    _check(fft.irfft2, np.fft.rfft2(_rand(4, 4, scale=0.1)))


@pytest.mark.parametrize("d", [4, 5])
def test_rfftn(backend, d):
    """d = 5: an odd last length, which autograd refuses (NotImplementedError)."""
    _check(fft.rfftn, _rand(d, d, d, scale=0.1))


def test_rfftn_subset(backend):
    _check(lambda x: fft.rfftn(x)[(0, 1, 0), (3, 3, 2)], _rand(4, 4, 4, scale=0.1))


def test_rfftn_axes(backend):
    _check(lambda x: fft.rfftn(x, axes=(0, 2)), _rand(4, 4, 4, scale=0.1))


@pytest.mark.parametrize("hermitian", [True, False])
def test_irfftn(backend, hermitian):
    mat = _rand(4, 4, 4, scale=0.1)
    mat = np.fft.rfftn(mat) if hermitian else \
        mat[..., :3] + 1j * _rand(4, 4, 3, seed=2)
    _check(fft.irfftn, mat)


def test_irfftn_subset(backend):
    mat = np.fft.rfftn(_rand(4, 4, 4, scale=0.1))
    _check(lambda x: fft.irfftn(x)[(0, 1, 0), (3, 3, 2)], mat)


@pytest.mark.parametrize("d,axes", [(5, None), (4, None), (5, 1)])
@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
def test_shift(backend, name, d, axes):
    _check(lambda x: getattr(fft, name)(x, axes=axes), _rand(d, d))
