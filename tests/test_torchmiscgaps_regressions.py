"""Regressions found by porting torch's spectral, scatter/gather, segment reduction and type
promotion tests (tests/conformance/test_torch_misc_gaps.py)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp


@pytest.mark.parametrize("name", ["hfftn", "ihfftn", "hfft2", "ihfft2"])
def test_hermitian_nd_transforms_refuse_repeated_axes(name):
    # scipy.fft and torch.fft raise; gpuad transformed an axis twice into a wrong-shaped result
    a = ad.tensor(np.random.default_rng(0).standard_normal((3, 4, 6)))
    with pytest.raises(ValueError, match="axes must be unique"):
        getattr(gnp.fft, name)(a, axes=(2, -1))
    assert getattr(gnp.fft, name)(a, axes=(0, 2)).ndim == 3


def test_stft_align_to_window_needs_center_false():
    # torch raises for any align_to_window with center=True; gpuad ignored False
    x = ad.tensor(np.random.default_rng(1).standard_normal(40))
    with pytest.raises(ValueError, match="align_to_window"):
        x.stft(8, center=True, return_complex=True, align_to_window=False)
    assert x.stft(8, center=False, return_complex=True, align_to_window=False).shape == (5, 17)


def test_segment_reduce_names_what_to_use():
    with pytest.raises(AttributeError, match="gpuad.ops.segment_sum"):
        ad.segment_reduce  # noqa: B018


@pytest.mark.parametrize(("mode", "ok"), [("reflect", 9), ("circular", 8)])
def test_stft_centre_padding_longer_than_the_signal_raises(mode, ok):
    # torch refuses; gpuad reflected (wrapped) the short signal several times, silently
    w = ad.tensor(np.ones(16))
    with pytest.raises(ValueError, match="pad_mode"):
        ad.tensor(np.ones(ok - 1)).stft(16, window=w, pad_mode=mode, return_complex=True)
    assert ad.tensor(np.ones(ok)).stft(16, window=w, pad_mode=mode, return_complex=True).ndim == 2


@pytest.mark.parametrize("name", ["segment_sum", "segment_prod", "segment_max", "segment_min"])
def test_segment_reductions_of_no_rows_stay_tensors(name):
    # segment_prod/max/min of an empty Tensor returned a raw array, off the tape: backward failed
    from gpuad import ops

    d = ad.tensor(np.zeros((0, 2)), requires_grad=True)
    out = getattr(ops, name)(d, ad.tensor(np.zeros(0, np.int64)), num_segments=3)
    assert isinstance(out, ad.Tensor) and out.shape == (3, 2)
    out.sum().backward()
    assert d.grad.shape == (0, 2)
    raw = getattr(ops, name)(np.zeros((0, 2), np.int32), np.zeros(0, np.int64), num_segments=3)
    assert not isinstance(raw, ad.Tensor) and raw.dtype == np.int32
