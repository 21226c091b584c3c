"""PyTorch's ``stft`` and ``istft`` as Tensor methods (``x.stft(n_fft, ...)``, torch's
arguments and results), built from ``gpuad.numpy.fft`` and recorded ops: differentiable in
the signal and in a Tensor ``window``. Example::

    x = gpuad.tensor(np.sin(np.arange(256) / 5.0))
    z = x.stft(64, hop_length=16, window=gnp.hanning(64), return_complex=True)
    y = z.istft(64, hop_length=16, window=gnp.hanning(64), length=x.shape[-1])
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from . import _value_checks as _vc
from .tensor import Tensor

_PAD = {"reflect": "reflect", "constant": "constant", "replicate": "edge", "circular": "wrap"}


def _gnp():
    from . import numpy as gnp

    return gnp


def _window(win: Any, n_fft: int, win_length: int, like: Tensor, name: str) -> Any:
    """torch's window: ones when None, centred in ``n_fft`` with zeros on both sides."""
    gnp = _gnp()
    if not 0 < win_length <= n_fft:
        raise ValueError(f"Tensor.{name}: expected 0 < win_length <= n_fft, got win_length="
                         f"{win_length}, n_fft={n_fft}")
    real = _np.finfo(like.dtype).dtype
    if win is None:
        win = gnp.ones(win_length, dtype=real)
    else:
        if win.ndim != 1 or win.shape[0] != win_length:
            raise ValueError(f"Tensor.{name}: expected a 1-D window of size win_length="
                             f"{win_length}, got window of shape {tuple(win.shape)}")
    left = (n_fft - win_length) // 2
    if left or n_fft - win_length - left:
        win = gnp.pad(win, [(left, n_fft - win_length - left)])
    return win


def _frames(x: Any, n_fft: int, hop: int) -> Any:
    gnp = _gnp()
    n = 1 + (x.shape[-1] - n_fft) // hop
    idx = _np.arange(n)[:, None] * hop + _np.arange(n_fft)[None, :]
    from .rules import _xp, data

    idx = _xp(data(x)).asarray(idx)
    return gnp.swapaxes(x[..., idx], -1, -2)  # (..., n_fft, frames)


def stft(self, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Any = None, center: bool = True, pad_mode: str = "reflect",
         normalized: bool = False, onesided: bool | None = None,
         return_complex: bool | None = None, align_to_window: bool | None = None) -> Tensor:
    """torch's short-time Fourier transform: ``(n_fft // 2 + 1 or n_fft, frames)`` complex
    values per signal (a 1-D tensor or a batch ``(B, L)``); ``return_complex=False`` gives
    ``(..., 2)`` real and imaginary parts. Example: ``x.stft(16, return_complex=True)``"""
    gnp = _gnp()
    if self.ndim not in (1, 2):
        raise ValueError(f"Tensor.stft: expected a 1-D or 2-D tensor, got shape "
                         f"{tuple(self.shape)}")
    n_fft = int(n_fft)
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    wl = n_fft if win_length is None else int(win_length)
    is_c = self.dtype.kind == "c" or (window is not None and window.dtype.kind == "c")
    if return_complex is None:
        if not is_c:
            raise ValueError("Tensor.stft: return_complex must be given for real inputs "
                             "(return_complex=True, as torch requires)")
        return_complex = True
    if center and align_to_window is not None:
        raise ValueError("Tensor.stft: align_to_window should only be set when center=False "
                         "(torch raises here too); leave it None with center=True")
    if align_to_window:
        raise NotImplementedError("Tensor.stft: align_to_window=True is not supported")
    if hop <= 0:
        raise ValueError(f"Tensor.stft: expected hop_length > 0, got {hop}")
    x = self if self.dtype.kind in "fc" else self.astype(_np.float64)
    if center:
        if pad_mode not in _PAD:
            raise ValueError(f"Tensor.stft: pad_mode must be one of {sorted(_PAD)}, got "
                             f"{pad_mode!r}")
        h = n_fft // 2
        n = x.shape[-1]
        if (pad_mode == "reflect" and h >= n) or (pad_mode == "circular" and h > n):
            raise ValueError(f"Tensor.stft: pad_mode={pad_mode!r} pads n_fft // 2 = {h} "
                             f"samples on each side, which needs a signal longer than that "
                             f"({'more than' if pad_mode == 'reflect' else 'at least'} {h}), got "
                             f"{n} (as torch); use pad_mode='constant' or 'replicate', or "
                             f"center=False")
        x = gnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(h, h)], mode=_PAD[pad_mode])
    length = x.shape[-1]
    if not 0 < n_fft <= length:
        raise ValueError(f"Tensor.stft: expected 0 < n_fft <= {length} (the padded signal's "
                         f"length), got n_fft={n_fft}")
    win = _window(window, n_fft, wl, x, "stft")
    frames = _frames(x, n_fft, hop) * gnp.reshape(win, (n_fft, 1))
    sided = (not is_c) if onesided is None else bool(onesided)
    if sided and is_c:
        raise ValueError("Tensor.stft: onesided=True needs a real input and window; pass "
                         "onesided=False")
    norm = "ortho" if normalized else "backward"
    z = gnp.fft.rfft(frames, axis=-2, norm=norm) if sided else \
        gnp.fft.fft(frames, axis=-2, norm=norm)
    if return_complex:
        return z
    return gnp.stack([gnp.real(z), gnp.imag(z)], axis=-1)


def istft(self, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Any = None, center: bool = True, normalized: bool = False,
          onesided: bool | None = None, length: int | None = None,
          return_complex: bool = False) -> Tensor:
    """torch's inverse short-time Fourier transform of a complex ``(freq, frames)`` (or
    ``(B, freq, frames)``) tensor: inverse FFTs, windowed, added back and divided by the summed
    squared window (an error where that sum vanishes). Example: ``z.istft(16, length=100)``"""
    gnp = _gnp()
    if self.dtype.kind != "c":
        raise TypeError(f"Tensor.istft: expected a complex tensor, got {self.dtype} (use "
                        f"stft(..., return_complex=True))")
    if self.ndim not in (2, 3):
        raise ValueError(f"Tensor.istft: expected a 2-D or 3-D tensor (freq, frames), got shape"
                         f" {tuple(self.shape)}")
    n_fft = int(n_fft)
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    wl = n_fft if win_length is None else int(win_length)
    if not 0 < hop <= wl:
        raise ValueError(f"Tensor.istft: expected 0 < hop_length <= win_length, got "
                         f"hop_length={hop}, win_length={wl}")
    nfreq, nframes = self.shape[-2:]
    sided = (nfreq != n_fft) if onesided is None else bool(onesided)
    if sided and nfreq != n_fft // 2 + 1:
        raise ValueError(f"Tensor.istft: a one-sided STFT of n_fft={n_fft} has "
                         f"{n_fft // 2 + 1} frequencies, got {nfreq} (shape "
                         f"{tuple(self.shape)})")
    if not sided and nfreq != n_fft:
        raise ValueError(f"Tensor.istft: a two-sided STFT of n_fft={n_fft} has {n_fft} "
                         f"frequencies, got {nfreq} (shape {tuple(self.shape)})")
    norm = "ortho" if normalized else "backward"
    if return_complex:
        if sided:
            raise ValueError("Tensor.istft: return_complex=True needs a two-sided STFT "
                             "(onesided=False)")
        frames = gnp.fft.ifft(self, n=n_fft, axis=-2, norm=norm)
    else:
        if window is not None and window.dtype.kind == "c":
            raise ValueError("Tensor.istft: a complex window needs return_complex=True")
        z = self if sided else self[..., :n_fft // 2 + 1, :]
        frames = gnp.fft.irfft(z, n=n_fft, axis=-2, norm=norm)
    win = _window(window, n_fft, wl, frames, "istft")
    from .scipy._spectral import overlap_add

    y = overlap_add(gnp.swapaxes(frames * gnp.reshape(win, (n_fft, 1)), -1, -2), hop)
    wsq = gnp.broadcast_to(gnp.reshape(win * win, (1, n_fft)), (nframes, n_fft))
    env = overlap_add(wsq, hop)
    total = n_fft + hop * (nframes - 1)
    start = n_fft // 2 if center else 0
    end = start + int(length) if length is not None else (total - n_fft // 2 if center
                                                          else total)
    y, env = y[..., start:min(end, total)], env[start:min(end, total)]
    _vc.fail_if("istft_envelope", lambda xp, e: xp.abs(e) < 1e-11, lambda: ValueError(
        f"Tensor.istft: the window overlap-add envelope is below 1e-11 somewhere (window "
        f"{'given' if window is not None else 'ones'}, n_fft={n_fft}, hop_length={hop}, "
        f"center={center}): the transform cannot be inverted there"), env)
    y = y / env
    if end > total:
        y = gnp.pad(y, [(0, 0)] * (y.ndim - 1) + [(0, end - total)])
    return y


METHODS = {"stft": stft, "istft": istft}
