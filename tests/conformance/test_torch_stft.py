"""torch.stft/istft options the OpInfo samples leave out (normalized, pad modes, a window
shorter than n_fft, two-sided spectra, length=) against torch: values to 1e-10 and gradients
of ``re(sum(out * c))`` for random complex ``c`` to 1e-8, in the signal and the window."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402

RNG = np.random.default_rng(4)
X = RNG.standard_normal((2, 50))

CASES = [dict(normalized=True), dict(pad_mode="constant"),
         dict(pad_mode="replicate", onesided=False), dict(pad_mode="circular", center=True),
         dict(win_length=10, window=np.hanning(10) + 0.1, hop_length=3),
         dict(window=np.hanning(12) + 0.2, center=False, hop_length=4)]


def _split(kw):
    t = {k: torch.from_numpy(v).requires_grad_() if isinstance(v, np.ndarray) else v
         for k, v in kw.items()}
    g = {k: ad.tensor(v, requires_grad=True) if isinstance(v, np.ndarray) else v
         for k, v in kw.items()}
    return t, g


def _close(g, t, rtol):
    g, t = np.asarray(g), np.asarray(t)
    assert g.shape == t.shape
    np.testing.assert_allclose(g, t, rtol=rtol, atol=rtol * max(1.0, np.abs(t).max()))


@pytest.mark.parametrize("kw", CASES, ids=[str(sorted(k)) for k in CASES])
def test_stft_then_istft_match_torch(kw):
    tk, gk = _split(kw)
    tx = torch.from_numpy(X).requires_grad_()
    gx = ad.tensor(X, requires_grad=True)
    tz = torch.stft(tx, 12, return_complex=True, **tk)
    gz = gx.stft(12, return_complex=True, **gk)
    _close(gz.numpy(), tz.detach().numpy(), 1e-10)
    ikw = {k: v for k, v in tk.items() if k != "pad_mode"}
    gikw = {k: v for k, v in gk.items() if k != "pad_mode"}
    ty = torch.istft(tz, 12, length=47, **ikw)
    gy = gz.istft(12, length=47, **gikw)
    _close(gy.numpy(), ty.detach().numpy(), 1e-10)
    cz = RNG.standard_normal(tz.shape) + 1j * RNG.standard_normal(tz.shape)
    cy = RNG.standard_normal(ty.shape)
    tloss = (tz * torch.from_numpy(cz)).real.sum() + (ty * torch.from_numpy(cy)).sum()
    gloss = gnp.real(gnp.sum(gz * cz)) + gnp.sum(gy * cy)
    leaves_t = [tx] + [v for v in tk.values() if isinstance(v, torch.Tensor)]
    leaves_g = [gx] + [v for v in gk.values() if isinstance(v, ad.Tensor)]
    tg = torch.autograd.grad(tloss, leaves_t)
    gg = ad.autograd.grad(gloss, leaves_g)
    for a, b in zip(gg, tg, strict=True):
        _close(np.asarray(a), b.numpy(), 1e-8)
