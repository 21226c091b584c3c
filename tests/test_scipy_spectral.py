"""gpuad.scipy.signal's stft, istft, csd, welch and detrend, and torch's Tensor.stft/istft:
values against scipy.signal (and a direct sum for torch's), derivatives against float64 central
differences, one case each under gpuad.jit and gpuad.vmap, and errors for bad arguments.
tests/conformance/test_jax_scipy_spectral.py compares with jax.scipy.signal itself."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.signal as ssig

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.scipy.signal as gs
from gpuad.testing import check_grads

RNG = np.random.default_rng(5)


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def close(got, ref, tol=1e-12):
    got, ref = host(got), np.asarray(ref)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol * max(1.0, np.abs(ref).max()))


X = RNG.standard_normal((2, 40))
Y = RNG.standard_normal((2, 40))


@pytest.mark.parametrize("kw", [
    dict(type="linear"), dict(type="constant"), dict(type="linear", bp=[7, 20]),
    dict(type="linear", axis=0), dict(type="linear", bp=[1, 2, 3]),
])
def test_detrend_matches_scipy(backend, kw):
    close(gs.detrend(dev(X), **kw), ssig.detrend(X, **kw))


def test_detrend_gradient():
    check_grads(lambda x: gs.detrend(x, bp=[5]) ** 2, (X[:, :12],), order=2)


STFT_CASES = [
    dict(nperseg=16), dict(nperseg=15, noverlap=5, nfft=20, detrend="linear"),
    dict(nperseg=8, boundary="even", window="boxcar"), dict(nperseg=8, boundary="odd",
                                                            padded=False),
    dict(nperseg=8, boundary="constant", return_onesided=False), dict(nperseg=8, boundary=None),
]


@pytest.mark.parametrize("kw", STFT_CASES, ids=[str(k) for k in STFT_CASES])
def test_stft_matches_scipy(backend, kw):
    kw = {"boundary": "zeros", **kw}
    for got, ref in zip(gs.stft(dev(X), **kw), ssig.stft(X, **kw), strict=True):
        close(got, ref)


def test_stft_other_axis_and_fs(backend):
    for got, ref in zip(gs.stft(dev(X.T), fs=10.0, nperseg=8, axis=0),
                        ssig.stft(X.T, fs=10.0, nperseg=8, axis=0), strict=True):
        close(got, ref)


@pytest.mark.parametrize("kw", [dict(nperseg=16), dict(nperseg=8, average="median"),
                                dict(nperseg=12, noverlap=3, scaling="spectrum",
                                     detrend="linear"),
                                dict(nperseg=8, return_onesided=False)])
def test_welch_and_csd_match_scipy(backend, kw):
    for got, ref in zip(gs.welch(dev(X), **kw), ssig.welch(X, **kw), strict=True):
        close(got, ref)
    for got, ref in zip(gs.csd(dev(X), dev(Y), **kw), ssig.csd(X, Y, **kw), strict=True):
        close(got, ref)


@pytest.mark.parametrize("kw", [dict(nperseg=16), dict(nperseg=12, noverlap=9),
                                dict(nperseg=10, window="boxcar", noverlap=5)])
def test_istft_inverts_stft_and_matches_scipy(backend, kw):
    _, _, z = ssig.stft(X, **kw)
    t_ref, x_ref = ssig.istft(z, **kw)
    t, x = gs.istft(dev(z), **kw)
    close(t, t_ref)
    close(x, x_ref)
    close(x[..., :40], X, tol=1e-10)


def test_istft_two_sided_and_axes(backend):
    _, _, z = ssig.stft(X, nperseg=8, return_onesided=False)
    close(gs.istft(dev(z), nperseg=8, input_onesided=False)[1],
          ssig.istft(z, nperseg=8, input_onesided=False)[1])
    zt = np.moveaxis(ssig.stft(X, nperseg=8)[2], 0, -1)  # (freq, time, batch)
    close(gs.istft(dev(zt), time_axis=1, freq_axis=0)[1],
          ssig.istft(zt, time_axis=1, freq_axis=0)[1])


def test_spectral_gradients():
    x, y = X[:1, :24], Y[:1, :24]
    check_grads(lambda a: gnp.abs(gs.stft(a, nperseg=8, detrend="linear")[2]) ** 2, (x,),
                order=2)
    check_grads(lambda a, b: gnp.real(gs.csd(a, b, nperseg=8)[1]), (x, y), order=1)
    check_grads(lambda a: gs.welch(a, nperseg=8, average="median")[1], (x,), order=1)
    z = ssig.stft(x, nperseg=8)[2]
    check_grads(lambda re, im: gs.istft(re + 1j * im, nperseg=8)[1], (z.real, z.imag),
                order=2)


def test_window_array_is_differentiated():
    w = np.hanning(8) + 0.1
    check_grads(lambda win: gs.welch(X[0, :24], window=win, nperseg=8)[1], (w,), order=1)
    z = ssig.stft(X[0], nperseg=8)[2]
    check_grads(lambda win: gs.istft(z, window=win, nperseg=8)[1], (w,), order=1)


def test_stft_under_jit_and_vmap(backend):
    f = ad.jit(lambda a: gs.welch(a, nperseg=8)[1])
    ref = ssig.welch(X, nperseg=8)[1]
    close(f(dev(X)), ref)
    close(f(dev(2 * X)), 4 * ref)
    got = ad.vmap(lambda a: gnp.abs(gs.stft(a, nperseg=8)[2]))(dev(X))
    close(got, np.abs(ssig.stft(X, nperseg=8)[2]))


def test_spectral_errors_name_the_function():
    with pytest.raises(ValueError, match="stft: noverlap"):
        gs.stft(X, nperseg=8, noverlap=8)
    with pytest.raises(ValueError, match="csd: x and y must have the same number"):
        gs.csd(X, Y[0])
    with pytest.raises(ValueError, match=r"csd: x of shape \(2, 40\) and y of shape \(3, 40\)"):
        gs.csd(X, np.ones((3, 40)))
    with pytest.raises(ValueError, match="istft: the STFT must be at least 2-D"):
        gs.istft(np.ones(5, complex))
    with pytest.raises(ValueError, match="detrend: type"):
        gs.detrend(X, type="quadratic")
    with pytest.raises(ValueError, match="welch: window must be 1-D"):
        gs.welch(X, window=np.ones((2, 2)))
    with pytest.raises(ValueError, match="stft: unknown boundary"):
        gs.stft(X, boundary="wrap")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="csd: average"):
            gs.csd(X, Y, average="max")


# ---- torch's Tensor.stft / istft --------------------------------------------------------------

def _torch_stft(x, n_fft, hop, win):
    """torch.stft's definition, centred with reflect padding, one-sided."""
    xp = np.pad(x, n_fft // 2, mode="reflect")
    n = 1 + (len(xp) - n_fft) // hop
    frames = np.stack([xp[i * hop:i * hop + n_fft] * win for i in range(n)], axis=1)
    return np.fft.rfft(frames, axis=0)


def test_tensor_stft_matches_its_definition_and_istft_inverts_it(backend):
    x = RNG.standard_normal(50)
    w = np.hanning(16)
    z = ad.tensor(dev(x)).stft(16, hop_length=4, window=ad.tensor(dev(w)), return_complex=True)
    close(z, _torch_stft(x, 16, 4, w))
    back = z.istft(16, hop_length=4, window=ad.tensor(dev(w)), length=50)
    close(back, x, tol=1e-10)
    parts = ad.tensor(dev(x)).stft(16, hop_length=4, return_complex=False)
    assert parts.shape == (9, 13, 2)


def test_tensor_stft_gradients():
    x = RNG.standard_normal(20)
    check_grads(lambda a: gnp.abs(a.stft(8, return_complex=True)) ** 2, (ad.tensor(x),), order=2)
    z = ad.tensor(x).stft(8, hop_length=2, return_complex=True).numpy()
    check_grads(lambda re, im: (re + 1j * im).istft(8, hop_length=2),
                (ad.tensor(z.real), ad.tensor(z.imag)), order=1)


def test_tensor_stft_errors():
    x = ad.tensor(RNG.standard_normal(20))
    with pytest.raises(ValueError, match="Tensor.stft: return_complex must be given"):
        x.stft(8)
    with pytest.raises(ValueError, match=r"Tensor.stft: expected a 1-D or 2-D tensor, got shape"):
        ad.tensor(np.ones((2, 2, 9))).stft(4, return_complex=True)
    with pytest.raises(TypeError, match="Tensor.istft: expected a complex tensor"):
        ad.tensor(np.ones((5, 3))).istft(8)
    with pytest.raises(ValueError, match="Tensor.istft: the window overlap-add envelope"):
        x.stft(8, hop_length=8, window=ad.tensor(np.r_[0.0, np.ones(7)]),
               return_complex=True).istft(8, hop_length=8, window=ad.tensor(np.r_[0.0,
                                                                                  np.ones(7)]))


def test_tensor_stft_under_jit_and_vmap(backend):
    x = RNG.standard_normal((3, 40))
    f = ad.jit(lambda a: ad.Tensor.istft(ad.Tensor.stft(a, 8, return_complex=True), 8,
                                         length=40))
    close(f(dev(x)), x, tol=1e-10)
    close(f(dev(2 * x)), 2 * x, tol=1e-10)
    got = ad.vmap(lambda a: gnp.abs(ad.Tensor.stft(a, 8, return_complex=True)))(dev(x))
    close(got, np.abs(np.stack([_torch_stft(r, 8, 2, np.ones(8)) for r in x])))


def test_callable_detrend_gets_time_last_segments(backend):
    x = RNG.standard_normal((40, 3))
    ref = ssig.welch(x, nperseg=8, axis=0, detrend=lambda d: d - d.mean(axis=0, keepdims=True))
    got = gs.welch(dev(x), nperseg=8, axis=0,
                   detrend=lambda d: d - gnp.mean(d, axis=0, keepdims=True))
    close(got[1], ref[1])


def test_empty_signals(backend):
    assert host(gs.detrend(dev(np.zeros(0)))).shape == (0,)
    assert host(gs.detrend(dev(np.zeros((3, 0))), bp=[0])).shape == (3, 0)
    assert [host(v).shape for v in gs.welch(dev(np.zeros((2, 0))))] == [(2, 0), (2, 0)]
