"""``scipy.signal``'s spectral analysis with ``jax.scipy.signal``'s signatures: ``detrend``,
``stft``, ``istft``, ``csd`` and ``welch``.

Segments are gathered with a constant index array, detrended, windowed and transformed with
``gpuad.numpy.fft``; ``istft`` adds the inverse transforms back with shifted pads. Every step is
a recorded op, so the results are differentiable (in the signal, and in the window when it is a
Tensor) on both backends, to any order. Example::

    from gpuad.scipy.signal import stft, istft
    f, t, Z = stft(x, nperseg=64)
    _, x_back = istft(Z, nperseg=64)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as _np

from .. import numpy as gnp
from ..numpy import fft as gfft
from ..rules import _xp, data, getitem, ndim, shape

_BOUNDARIES = ("even", "odd", "constant", "zeros", None)


def _arr(x: Any) -> Any:
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else gnp.asarray(x)


def _inexact(x: Any) -> Any:
    """``x`` as a floating or complex array (integers and booleans as float64)."""
    x = _arr(x)
    kind = data(x).dtype.kind
    return x if kind in "fc" else gnp.astype(x, _np.float64)


def _canon_axis(axis: Any, nd: int, name: str) -> int:
    a = int(axis)
    if not -nd <= a < nd:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an array of dimension {nd}")
    return a % nd


def _const(x: Any, values: Any, dtype: Any) -> Any:
    """A constant on ``x``'s backend."""
    return _xp(data(x)).asarray(_np.asarray(values, dtype=dtype))


def detrend(data_: Any = None, axis: int = -1, type: str = "linear", bp: Any = 0,
            overwrite_data: Any = None, **kw: Any) -> Any:
    """Remove a least-squares linear trend (``type='linear'``, piecewise between the
    breakpoints ``bp``) or the mean (``type='constant'``) along ``axis``, as
    ``scipy.signal.detrend``.

    Example: ``detrend(gnp.array([1., 4., 8., 8., 9.]))`` is ``[-1, 0, 2, 0, -1]``
    """
    if "data" in kw:
        data_ = kw.pop("data")
    if kw:
        raise TypeError(f"detrend: unexpected keyword arguments {sorted(kw)}")
    if overwrite_data is not None:
        raise NotImplementedError("detrend: overwrite_data is not supported (as "
                                  "jax.scipy.signal); leave it out")
    if type not in ("constant", "linear"):
        raise ValueError(f"detrend: type must be 'linear' or 'constant', got {type!r}")
    x = _inexact(data_)
    if ndim(x) == 0:
        raise ValueError("detrend: the data must have at least one dimension, got a 0-d array")
    ax = _canon_axis(axis, ndim(x), "detrend")
    if type == "constant":
        return x - gnp.mean(x, axis=ax, keepdims=True)
    n = shape(x)[ax]
    bps = _np.sort(_np.unique(_np.r_[0, _np.asarray(bp, dtype=int).ravel(), n]))
    if bps[0] < 0 or bps[-1] > n:
        raise ValueError(f"detrend: breakpoints must lie in [0, {n}] (the length of axis {axis}"
                         f" of shape {shape(x)}); got bp={bp!r}")
    if len(bps) < 2:  # no data along the axis
        return x
    pieces = []
    for lo, hi in zip(bps[:-1], bps[1:], strict=True):
        seg = getitem(x, (slice(None),) * ax + (slice(int(lo), int(hi)),))
        centred = seg - gnp.mean(seg, axis=ax, keepdims=True)
        t = _np.arange(1, hi - lo + 1, dtype=float)
        t -= t.mean()
        tt = float(t @ t)
        if tt > 0:  # one or two points fit a line exactly: nothing is left
            tshape = [1] * ndim(x)
            tshape[ax] = int(hi - lo)
            tc = _const(x, t.reshape(tshape), data(x).real.dtype)
            slope = gnp.sum(centred * tc, axis=ax, keepdims=True) / tt
            centred = centred - slope * tc
        pieces.append(centred)
    return pieces[0] if len(pieces) == 1 else gnp.concatenate(pieces, axis=ax)


def get_window(window: Any, nperseg: int, dtype: Any) -> _np.ndarray:
    """A named window (``'hann'`` or ``'boxcar'`` here, others through
    ``scipy.signal.get_window``), periodic as SciPy's spectral functions use it."""
    if window == "hann" or window == ("hann",):
        if nperseg == 1:
            return _np.ones(1, dtype=dtype)
        return (_np.sin(_np.linspace(0, _np.pi, nperseg, endpoint=False)) ** 2).astype(dtype)
    if window in ("boxcar", ("boxcar",), "ones", "rect", "rectangular"):
        return _np.ones(nperseg, dtype=dtype)
    try:
        from scipy.signal import get_window as _scipy_window
    except ImportError as e:
        raise ImportError(f"window {window!r} needs scipy (pip install scipy); 'hann' and "
                          f"'boxcar' do not, and an array window never does") from e
    return _np.asarray(_scipy_window(window, nperseg), dtype=dtype)


def _triage_window(window: Any, nperseg: int | None, length: int, dtype: Any, like: Any,
                   name: str) -> tuple[Any, int]:
    """``(window array, nperseg)`` as SciPy: a named window of ``nperseg`` (256 by default, at
    most the signal's length), or an array window whose length sets ``nperseg``."""
    if isinstance(window, str | tuple):
        n = 256 if nperseg is None else int(nperseg)
        if n > length:
            warnings.warn(f"{name}: nperseg={n} is greater than input_length={length}, using "
                          f"nperseg={length}", stacklevel=3)
            n = length
        return _const(like, get_window(window, n, dtype), dtype), n
    win = _arr(window)
    if data(win).dtype != dtype and data(win).dtype.kind != "c":
        win = gnp.astype(win, dtype)
    if ndim(win) != 1:
        raise ValueError(f"{name}: window must be 1-D, got shape {shape(win)}")
    n = shape(win)[0] if nperseg is None else int(nperseg)
    if length < shape(win)[0]:
        raise ValueError(f"{name}: window of length {shape(win)[0]} is longer than the input "
                         f"signal ({length})")
    if n != shape(win)[0]:
        raise ValueError(f"{name}: nperseg={nperseg} differs from the window's length "
                         f"{shape(win)[0]}")
    return win, n


def _odd_ext(x: Any, n: int) -> Any:
    if n < 1:
        return x
    if n > shape(x)[-1] - 1:
        raise ValueError(f"stft: the odd extension length ({n}) must not exceed the signal's "
                         f"length less one ({shape(x)[-1] - 1})")
    first, last = x[..., :1], x[..., -1:]
    left = gnp.flip(x[..., 1:n + 1], -1)
    right = gnp.flip(x[..., -(n + 1):-1], -1)
    return gnp.concatenate([2 * first - left, x, 2 * last - right], axis=-1)


def _extend(x: Any, kind: str | None, n: int) -> Any:
    if kind is None:
        return x
    if kind == "odd":
        return _odd_ext(x, n)
    width = [(0, 0)] * (ndim(x) - 1) + [(n, n)]
    mode = {"even": "reflect", "constant": "edge", "zeros": "constant"}[kind]
    return gnp.pad(x, width, mode=mode)


def _pad_end(x: Any, n: int) -> Any:
    if n <= 0:
        return x
    return gnp.pad(x, [(0, 0)] * (ndim(x) - 1) + [(0, n)])


def _segments(x: Any, win: Any, detrend_func: Callable[[Any], Any], nperseg: int,
              noverlap: int, nfft: int, sides: str) -> Any:
    """The windowed FFTs of the segments of ``x`` along its last axis: shape
    ``(..., segments, frequencies)``."""
    if data(x).dtype.kind in "iub":
        x = gnp.astype(x, data(win).dtype)
    length = shape(x)[-1]
    step = nperseg - noverlap
    starts = _np.arange(0, length - nperseg + 1, step)
    idx = _const(x, starts[:, None] + _np.arange(nperseg)[None, :], _np.intp)
    frames = getitem(x, (Ellipsis, idx))
    frames = detrend_func(frames)
    frames = win * frames
    if sides == "twosided":
        return gfft.fft(frames, n=nfft)
    return gfft.rfft(gnp.real(frames) if data(frames).dtype.kind == "c" else frames, n=nfft)


def _detrend_func(kind: Any) -> Callable[[Any], Any]:
    if isinstance(kind, str):
        return lambda d: detrend(d, axis=-1, type=kind)
    if callable(kind):  # segments with time last, whatever the axis (SciPy's; JAX moves axes)
        return kind
    if not kind:
        return lambda d: d
    raise ValueError(f"unsupported detrend type {kind!r}: use 'constant', 'linear', False or "
                     f"a function")


def _scaled(like: Any, base: _np.ndarray, fs: Any, dtype: Any, divide: bool) -> Any:
    """``base * fs`` (or ``base / fs``) on ``like``'s backend; differentiable in a Tensor
    ``fs``."""
    if isinstance(fs, int | float | _np.number) or (isinstance(fs, _np.ndarray)):
        v = base / _np.asarray(fs) if divide else base * _np.asarray(fs)
        return _const(like, v, dtype)
    b = _const(like, base, dtype)
    return b / fs if divide else b * fs


def _complex_dtype(dt: Any) -> Any:
    return _np.result_type(dt, _np.complex64)


def _spectral(name: str, x: Any, y: Any, fs: Any, window: Any, nperseg: Any, noverlap: Any,
              nfft: Any, detrend_type: Any, return_onesided: bool, scaling: str, axis: Any,
              mode: str, boundary: str | None = None, padded: bool = False):
    if boundary not in _BOUNDARIES:
        raise ValueError(f"{name}: unknown boundary option {boundary!r}, must be one of "
                         f"{list(_BOUNDARIES)}")
    if scaling not in ("density", "spectrum"):
        raise ValueError(f"{name}: unknown scaling {scaling!r}: 'density' or 'spectrum'")
    x = _inexact(x)
    if ndim(x) == 0:
        raise ValueError(f"{name}: x must have at least one dimension, got a 0-d array")
    ax = _canon_axis(axis, ndim(x), name)
    if y is None:
        outer = tuple(s for i, s in enumerate(shape(x)) if i != ax)
    else:
        y = _inexact(y)
        if ndim(x) != ndim(y):
            raise ValueError(f"{name}: x and y must have the same number of dimensions; got "
                             f"shapes {shape(x)} and {shape(y)}")
        try:
            outer = _np.broadcast_shapes(tuple(s for i, s in enumerate(shape(x)) if i != ax),
                                         tuple(s for i, s in enumerate(shape(y)) if i != ax))
        except ValueError as e:
            raise ValueError(f"{name}: x of shape {shape(x)} and y of shape {shape(y)} cannot "
                             f"be broadcast together outside axis {axis}") from e
        dt = _np.result_type(data(x).dtype, data(y).dtype)
        x, y = gnp.astype(x, dt), gnp.astype(y, dt)
    result_dtype = _complex_dtype(data(x).dtype)
    freq_dtype = _np.finfo(result_dtype).dtype

    if nperseg is not None:
        nperseg = int(nperseg)
        if nperseg < 1:
            raise ValueError(f"{name}: nperseg must be a positive integer, got {nperseg}")
    win, nperseg = _triage_window(window, nperseg, shape(x)[ax], freq_dtype, x, name)
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    nfft = nperseg if nfft is None else int(nfft)

    xp = _xp(data(x))
    if y is None and 0 in shape(x):
        z = xp.zeros(shape(x), freq_dtype)
        return z, z, xp.zeros(shape(x), result_dtype)
    if y is not None and (0 in shape(x) or 0 in shape(y)):
        s = list(outer)
        s.insert(ax, min(shape(x)[ax], shape(y)[ax]))
        return (xp.zeros(tuple(s), freq_dtype), xp.zeros(tuple(s), freq_dtype),
                xp.zeros(tuple(s), result_dtype))

    x = gnp.moveaxis(x, ax, -1)
    if y is not None:
        if ndim(y) > 1:
            y = gnp.moveaxis(y, ax, -1)
        nx, ny = shape(x)[-1], shape(y)[-1]
        x, y = _pad_end(x, ny - nx), _pad_end(y, nx - ny)
    if nfft < nperseg:
        raise ValueError(f"{name}: nfft ({nfft}) must be greater than or equal to nperseg "
                         f"({nperseg})")
    if noverlap >= nperseg:
        raise ValueError(f"{name}: noverlap ({noverlap}) must be less than nperseg "
                         f"({nperseg})")
    nstep = nperseg - noverlap
    x = _extend(x, boundary, nperseg // 2)
    if y is not None:
        y = _extend(y, boundary, nperseg // 2)
    if padded:
        nadd = (-(shape(x)[-1] - nperseg) % nstep) % nperseg
        x = _pad_end(x, nadd)
        if y is not None:
            y = _pad_end(y, nadd)
    detrend_func = _detrend_func(detrend_type)

    if scaling == "density":
        scale = 1.0 / (fs * gnp.sum(win * win))
    else:
        scale = 1.0 / gnp.sum(win) ** 2
    if mode == "stft":
        scale = gnp.sqrt(scale)

    is_c = data(x).dtype.kind == "c" or (y is not None and data(y).dtype.kind == "c")
    sides = "onesided" if return_onesided else "twosided"
    if return_onesided and is_c:
        sides = "twosided"
        warnings.warn(f"{name}: input data is complex, switching to return_onesided=False",
                      stacklevel=3)
    k = _np.arange(nfft // 2 + 1) if sides == "onesided" else _np.fft.fftfreq(nfft) * nfft
    freqs = _scaled(x, k / nfft, fs, freq_dtype, divide=False)

    result = _segments(x, win, detrend_func, nperseg, noverlap, nfft, sides)
    if y is not None:
        result_y = _segments(y, win, detrend_func, nperseg, noverlap, nfft, sides)
        result = gnp.conj(result) * result_y
    elif mode == "psd":
        result = gnp.conj(result) * result
    result = result * scale
    if sides == "onesided" and mode == "psd":
        end = None if nfft % 2 else -1
        twice = _np.ones(shape(result)[-1])
        twice[1:end] = 2
        result = result * _const(result, twice, freq_dtype)

    length = shape(x)[-1]
    t = _np.arange(nperseg / 2, length - nperseg / 2 + 1, nstep, dtype=freq_dtype)
    if boundary is not None:
        t = t - nperseg / 2
    time = _scaled(x, t, fs, freq_dtype, divide=True)
    if data(result).dtype != result_dtype:
        result = gnp.astype(result, result_dtype)
    if y is None and mode != "stft":
        result = gnp.real(result)
    result = gnp.moveaxis(result, -1, ax)
    return freqs, time, result


def stft(x: Any, fs: Any = 1.0, window: Any = "hann", nperseg: int = 256,
         noverlap: int | None = None, nfft: int | None = None, detrend: Any = False,
         return_onesided: bool = True, boundary: str | None = "zeros", padded: bool = True,
         axis: int = -1) -> tuple[Any, Any, Any]:
    """The short-time Fourier transform ``(f, t, Zxx)``, as ``jax.scipy.signal.stft``
    (``scaling='spectrum'``: each segment's FFT divided by the window's sum).

    Example: ``f, t, Z = stft(x, fs=100.0, nperseg=32)``
    """
    return _spectral("stft", x, None, fs, window, nperseg, noverlap, nfft, detrend,
                     return_onesided, "spectrum", axis, "stft", boundary, padded)


def csd(x: Any, y: Any, fs: Any = 1.0, window: Any = "hann", nperseg: int | None = None,
        noverlap: int | None = None, nfft: int | None = None, detrend: Any = "constant",
        return_onesided: bool = True, scaling: str = "density", axis: int = -1,
        average: str = "mean") -> tuple[Any, Any]:
    """The cross power spectral density ``(f, Pxy)`` by Welch's method, as
    ``jax.scipy.signal.csd`` (``y=None``: the power spectral density of ``x``, real).

    Example: ``f, Pxy = csd(x, y, nperseg=64)``
    """
    return _csd("csd", x, y, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                scaling, axis, average)


def _csd(name: str, x: Any, y: Any, fs: Any, window: Any, nperseg: Any, noverlap: Any,
         nfft: Any, detrend: Any, return_onesided: bool, scaling: str, axis: Any,
         average: str) -> tuple[Any, Any]:
    if average not in ("mean", "median"):
        raise ValueError(f'{name}: average must be "median" or "mean", got {average!r}')
    freqs, _, pxy = _spectral(name, x, y, fs, window, nperseg, noverlap, nfft, detrend,
                              return_onesided, scaling, axis, "psd")
    if y is not None and data(pxy).dtype.kind != "c":
        pxy = gnp.astype(pxy, _complex_dtype(data(pxy).dtype))
    if ndim(pxy) >= 2 and data(pxy).size > 0:
        nseg = shape(pxy)[-1]
        if nseg > 1:
            if average == "median":
                ii = _np.arange(2.0, nseg, 2)
                bias = float(1 + _np.sum(1.0 / (ii + 1) - 1.0 / ii))  # weak: keeps float32
                if data(pxy).dtype.kind == "c":
                    pxy = (gnp.median(gnp.real(pxy), axis=-1)
                           + 1j * gnp.median(gnp.imag(pxy), axis=-1))
                else:
                    pxy = gnp.median(pxy, axis=-1)
                pxy = pxy / bias
            else:
                pxy = gnp.mean(pxy, axis=-1)
        else:
            pxy = gnp.reshape(pxy, shape(pxy)[:-1])
    return freqs, pxy


def welch(x: Any, fs: Any = 1.0, window: Any = "hann", nperseg: int | None = None,
          noverlap: int | None = None, nfft: int | None = None, detrend: Any = "constant",
          return_onesided: bool = True, scaling: str = "density", axis: int = -1,
          average: str = "mean") -> tuple[Any, Any]:
    """The power spectral density ``(f, Pxx)`` by Welch's method, as
    ``jax.scipy.signal.welch``.

    Example: ``f, P = welch(x, fs=1e3, nperseg=128)``
    """
    freqs, pxx = _csd("welch", x, None, fs, window, nperseg, noverlap, nfft, detrend,
                      return_onesided, scaling, axis, average)
    return freqs, gnp.real(pxx) if data(pxx).dtype.kind == "c" else pxx


def overlap_add(frames: Any, step: int) -> Any:
    """Sum frames ``(..., n, length)`` placed ``step`` apart: ``(..., step * (n - 1) +
    length)``. Example: ``overlap_add(gnp.ones((3, 4)), 2)`` is ``[1, 1, 2, 2, 2, 2, 1, 1]``"""
    *_, n, seg = shape(frames)
    out_len = step * (n - 1) + seg
    per = -(-seg // step)  # blocks of ``step`` samples in one frame
    lead = [(0, 0)] * (ndim(frames) - 2)
    frames = gnp.pad(frames, lead + [(0, 0), (0, per * step - seg)])
    total = None
    for p in range(per):
        piece = frames[..., p * step:(p + 1) * step]  # (..., n, step): lands at (j + p) * step
        piece = gnp.reshape(piece, tuple(shape(piece)[:-2]) + (n * step,))
        piece = gnp.pad(piece, lead + [(p * step, (per - 1 - p) * step)])
        total = piece if total is None else total + piece
    return total[..., :out_len]


def istft(Zxx: Any, fs: Any = 1.0, window: Any = "hann", nperseg: int | None = None,
          noverlap: int | None = None, nfft: int | None = None, input_onesided: bool = True,
          boundary: bool = True, time_axis: int = -1, freq_axis: int = -2) -> tuple[Any, Any]:
    """The inverse short-time Fourier transform ``(t, x)``, as ``jax.scipy.signal.istft``:
    inverse FFTs of the segments, windowed and added back, divided by the summed squared
    window.

    Example: ``t, x = istft(stft(x0, nperseg=16)[2], nperseg=16)``
    """
    z = _arr(Zxx)
    if ndim(z) < 2:
        raise ValueError(f"istft: the STFT must be at least 2-D, got shape {shape(z)}")
    fa = _canon_axis(freq_axis, ndim(z), "istft")
    ta = _canon_axis(time_axis, ndim(z), "istft")
    if fa == ta:
        raise ValueError(f"istft: time_axis and freq_axis must differ; both are {fa}")
    cdt = _complex_dtype(data(z).dtype)
    if data(z).dtype != cdt:
        z = gnp.astype(z, cdt)
    nf = shape(z)[fa]
    n_default = 2 * (nf - 1) if input_onesided else nf
    nperseg = int(nperseg or n_default)
    if nperseg < 1:
        raise ValueError(f"istft: nperseg must be a positive integer, got {nperseg} (from "
                         f"an STFT of shape {shape(z)})")
    if nfft is None:
        nfft = n_default + (1 if input_onesided and nperseg == n_default + 1 else 0)
    nfft = int(nfft)
    if nfft < nperseg:
        raise ValueError(f"istft: FFT length ({nfft}) must be at least nperseg ({nperseg})")
    noverlap = int(noverlap or nperseg // 2)
    if noverlap >= nperseg:
        raise ValueError(f"istft: noverlap ({noverlap}) must be less than nperseg ({nperseg})")
    nstep = nperseg - noverlap
    nd = ndim(z)
    if ta != nd - 1 or fa != nd - 2:
        outer = tuple(i for i in range(nd) if i not in (ta, fa))
        z = gnp.transpose(z, outer + (fa, ta))
    inv = gfft.irfft if input_onesided else gfft.ifft
    xsubs = inv(z, n=nfft, axis=-2)[..., :nperseg, :]
    rdt = data(xsubs).dtype
    real_dt = _np.finfo(rdt).dtype
    if isinstance(window, str | tuple):
        win = _const(xsubs, get_window(window, nperseg, real_dt), real_dt)
    else:
        win = _arr(window)
        if ndim(win) != 1:
            raise ValueError(f"istft: window must be 1-D, got shape {shape(win)}")
        if shape(win)[0] != nperseg:
            raise ValueError(f"istft: window must have length {nperseg}, got {shape(win)[0]}")
        if data(win).dtype.kind != "c" and data(win).dtype != real_dt:
            win = gnp.astype(win, real_dt)
    xsubs = xsubs * gnp.sum(win)
    wcol = gnp.reshape(win, (nperseg, 1))
    x = overlap_add(gnp.swapaxes(xsubs * wcol, -1, -2), nstep)
    nseg = shape(xsubs)[-1]
    wsq = gnp.broadcast_to(gnp.reshape(win * win, (1, nperseg)), (nseg, nperseg))
    norm = overlap_add(wsq, nstep)
    if boundary:
        h = nperseg // 2
        x = x[..., h:-h] if h else x[..., 0:0]
        norm = norm[..., h:-h] if h else norm[..., 0:0]
    big = gnp.abs(norm) > 1e-10 if data(norm).dtype.kind == "c" else norm > 1e-10
    x = x / gnp.where(big, norm, 1.0)
    if ndim(x) > 1 and ta != nd - 1:
        t_out = ta - 1 if fa < ta else ta
        x = gnp.moveaxis(x, -1, t_out)
    time = _scaled(x, _np.arange(shape(x)[0]), fs, real_dt, divide=True)
    return time, x
