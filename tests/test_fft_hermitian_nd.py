"""gpuad.numpy.fft.hfft2, hfftn, ihfft2, ihfftn: values as scipy.fft's, gradients against
float64 central differences (first and second order, both modes) for real and complex input.
The comparison with torch.fft's gradients is tests/conformance/test_torch_fft_hermitian.py."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as sfft
from conftest import to_numpy

import gpuad.numpy as gnp
from gpuad.testing import check_grads

F = gnp.fft


def _inputs(kind, shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if kind == "c" else x


# name, kwargs, input kind ("r" real, "c" complex), input shape
CASES = [
    ("hfftn", {}, "c", (2, 3, 4)),
    ("hfftn", {}, "r", (3, 4)),
    ("hfftn", {"s": (3, 6), "axes": (0, 2), "norm": "ortho"}, "c", (2, 3, 4)),
    ("hfftn", {"s": (4, 5), "norm": "forward"}, "c", (3, 3)),
    ("hfftn", {"axes": (0,)}, "c", (4, 2)),
    ("hfft2", {}, "c", (3, 4)),
    ("hfft2", {"s": (2, 7), "axes": (1, 0)}, "c", (3, 4)),
    ("ihfftn", {}, "r", (2, 3, 4)),
    ("ihfftn", {"s": (4, 5), "axes": (2, 1), "norm": "ortho"}, "r", (2, 3, 4)),
    ("ihfftn", {"axes": (0,), "norm": "forward"}, "r", (5, 2)),
    ("ihfft2", {}, "r", (3, 5)),
    ("ihfft2", {"s": (2, 6)}, "r", (3, 4)),
]
IDS = [f"{n}-{k}-{'x'.join(map(str, s))}-{'-'.join(f'{a}={v}' for a, v in kw.items())}"
       for n, kw, k, s in CASES]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_match_scipy(backend, case, dtype):
    name, kw, kind, shape = case
    a = _inputs(kind, shape)
    a = a.astype(dtype if kind == "r" else np.result_type(dtype, np.complex64))
    ours = to_numpy(getattr(F, name)(a, **kw))
    ref = getattr(sfft, name)(a, **kw)
    assert ours.shape == ref.shape and ours.dtype == ref.dtype
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours, ref, **tol)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_finite_differences(backend, case):
    name, kw, kind, shape = case
    check_grads(lambda a: getattr(F, name)(a, **kw), (_inputs(kind, shape, 1),), order=2)


def test_hfftn_is_the_transform_of_the_hermitian_completion(backend):
    """hfftn of the half of a Hermitian-symmetric signal (``x[-k] = conj(x[k])``) is the
    transform of the whole signal, and ihfftn gives that half back."""
    y = _inputs("c", (4, 6), 2)
    whole = y + np.conj(np.roll(y[::-1, ::-1], 1, axis=(0, 1)))  # y[k] + conj(y[-k])
    half = whole[:, :4]
    np.testing.assert_allclose(to_numpy(F.hfftn(half, s=(4, 6))), np.fft.fftn(whole).real,
                               atol=1e-12)
    np.testing.assert_allclose(to_numpy(F.ihfftn(np.fft.fftn(whole).real)), half, atol=1e-12)


def test_ihfftn_refuses_complex_input_and_bad_norm(backend):
    with pytest.raises(TypeError, match="ihfftn: the input must be real"):
        F.ihfftn(np.ones((2, 3)) + 0j)
    with pytest.raises(ValueError, match="hfftn: invalid norm"):
        F.hfft2(np.ones((2, 3)), norm="both")
