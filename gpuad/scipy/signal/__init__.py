"""``scipy.signal.convolve``, differentiable in both inputs (any order, both modes), and
``correlate``, ``convolve2d``, ``correlate2d``, ``fftconvolve`` and ``oaconvolve`` built on it;
``hilbert`` by ``gpuad.numpy.fft``; the window
functions are in ``gpuad.scipy.signal.windows``, the spectral functions ``stft``, ``istft``,
``csd``, ``welch`` and ``detrend`` in ``gpuad/scipy/_spectral.py``.

The convolution is computed from sliding windows of the (padded) first input and an einsum with
the flipped second input, all recorded primitives: its derivatives are again convolutions and
need no rules of their own. ``axes``/``dot_axes`` generalise it to tensors as HIPS autograd's
``convolve`` does.

Example::

    from gpuad.scipy.signal import convolve
    y = convolve(images, kernel, mode="valid", axes=([1, 2], [0, 1]))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as _np

from ... import _value_checks as _vc
from ... import numpy as gnp
from ...rules import _xp, data, getitem, ndim, shape
from .._absent import absent_names

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _axes(spec: Sequence[int], nd: int, what: str) -> tuple[int, ...]:
    out = []
    for a in spec:
        a = int(a)
        if not -nd <= a < nd:
            raise ValueError(f"convolve: axis {a} in {what} is out of bounds for an array of "
                             f"dimension {nd}")
        out.append(a % nd)
    if len(set(out)) != len(out):
        raise ValueError(f"convolve: repeated axis in {what}: {list(spec)}")
    return tuple(out)


def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto", *,
             axes: Any = None, dot_axes: Any = ((), ())) -> Any:
    """N-dimensional convolution of ``in1`` and ``in2``, as ``scipy.signal.convolve``.

    ``mode``: ``"full"`` (the whole convolution), ``"valid"`` (only where the inputs overlap
    completely; one input must be at least as large as the other along every convolved axis)
    or ``"same"`` (the size of ``in1``, centred on the full output). ``method`` is accepted for
    compatibility and does not change the result (a direct sum).

    ``axes=(axes1, axes2)`` convolves axis ``axes1[k]`` of ``in1`` with ``axes2[k]`` of ``in2``
    (default: all axes, pairwise); ``dot_axes=(d1, d2)`` are summed over as in a tensor dot; the
    remaining axes of ``in1``, then those of ``in2``, then the convolved ones form the output.

    Example: ``convolve(x, w, mode="same")``
    """
    if not isinstance(mode, str):
        raise TypeError(f"convolve: the third argument is mode, as in scipy.signal.convolve; "
                        f"got {mode!r} (pass axes=... by keyword)")
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"convolve: mode must be 'full', 'valid' or 'same', got {mode!r}")
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"convolve: method must be 'auto', 'direct' or 'fft', got {method!r}")
    na, nb = ndim(in1), ndim(in2)
    if axes is None:
        if na != nb:
            raise ValueError(f"convolve: in1 and in2 should have the same dimensionality; got "
                             f"shapes {shape(in1)} and {shape(in2)}")
        axes = (range(na), range(nb))
    conv_a, conv_b = _axes(axes[0], na, "axes[0]"), _axes(axes[1], nb, "axes[1]")
    dot_a, dot_b = _axes(dot_axes[0], na, "dot_axes[0]"), _axes(dot_axes[1], nb, "dot_axes[1]")
    if len(conv_a) != len(conv_b) or len(dot_a) != len(dot_b):
        raise ValueError(f"convolve: axes {axes} and dot_axes {dot_axes} must pair up one to one")
    if set(conv_a) & set(dot_a) or set(conv_b) & set(dot_b):
        raise ValueError("convolve: an axis cannot be both convolved and summed over")
    return _convolve(in1, in2, mode, conv_a, conv_b, dot_a, dot_b, (), ())


def _convolve(in1: Any, in2: Any, mode: str, conv_a: tuple, conv_b: tuple, dot_a: tuple,
              dot_b: tuple, batch_a: tuple, batch_b: tuple) -> Any:
    """The convolution over the paired axes ``conv_a``/``conv_b``, summed over ``dot_a``/
    ``dot_b``, elementwise over ``batch_a``/``batch_b`` (equal lengths). Output axes: the batch
    ones, the other axes of ``in1``, then of ``in2``, then the convolved ones."""
    na, nb = ndim(in1), ndim(in2)
    sa, sb = shape(in1), shape(in2)
    for i, j in zip(dot_a + batch_a, dot_b + batch_b, strict=True):
        if sa[i] != sb[j]:
            raise ValueError(f"convolve: axis {i} of in1 (shape {sa}) and axis {j} of in2 "
                             f"(shape {sb}) differ in length")
    ign_a = tuple(i for i in range(na) if i not in conv_a + dot_a + batch_a)
    ign_b = tuple(j for j in range(nb) if j not in conv_b + dot_b + batch_b)
    if any(sa[i] == 0 for i in conv_a) or any(sb[j] == 0 for j in conv_b):
        raise ValueError(f"convolve: inputs of shapes {sa} and {sb} are empty along a convolved "
                         f"axis")

    # in1 slides (is padded and cut into windows), in2 is flipped; "valid" may swap them
    swap = False
    if mode == "valid":
        if all(sa[i] >= sb[j] for i, j in zip(conv_a, conv_b, strict=True)):
            swap = False
        elif all(sb[j] >= sa[i] for i, j in zip(conv_a, conv_b, strict=True)):
            swap = True
        else:
            raise ValueError(f"convolve: for 'valid' mode one input must be at least as large as "
                             f"the other along every convolved axis; got shapes {sa} and {sb}")

    letters = iter(_LETTERS)
    lab_a = [""] * na
    lab_b = [""] * nb
    for i in ign_a:
        lab_a[i] = next(letters)
    for j in ign_b:
        lab_b[j] = next(letters)
    for i, j in zip(dot_a + batch_a, dot_b + batch_b, strict=True):
        lab_a[i] = lab_b[j] = next(letters)
    out_conv = []
    win_lab = {}  # conv pair k -> (output letter, window letter)
    for k in range(len(conv_a)):
        o, w = next(letters), next(letters)
        win_lab[k] = (o, w)
        out_conv.append(o)
    x, y = (in2, in1) if swap else (in1, in2)
    conv_x, conv_y = (conv_b, conv_a) if swap else (conv_a, conv_b)
    lab_x, lab_y = (lab_b, lab_a) if swap else (lab_a, lab_b)
    sy = shape(y)

    pads = [(0, 0)] * ndim(x)
    for i, j in zip(conv_x, conv_y, strict=True):
        kern = sy[j]
        if mode == "full":
            pads[i] = (kern - 1, kern - 1)
        elif mode == "same":
            right = (kern - 1) // 2
            pads[i] = (kern - 1 - right, right)
    if any(p != (0, 0) for p in pads):
        x = gnp.pad(x, pads, mode="constant")
    xp = _xp(data(x))
    # replace each convolved axis of x (length L) by (L - K + 1 positions, K window offsets),
    # the highest axis first so that the positions of the others do not move
    lab_xw = [[c] for c in lab_x]
    for k in sorted(range(len(conv_x)), key=lambda k: -conv_x[k]):
        i, j = conv_x[k], conv_y[k]
        n_out = shape(x)[i] - sy[j] + 1
        idx = xp.arange(n_out)[:, None] + xp.arange(sy[j])[None, :]
        x = getitem(x, (slice(None),) * i + (idx,))
        lab_xw[i] = list(win_lab[k])
    y = gnp.flip(y, tuple(conv_y)) if conv_y else y
    lab_yw = list(lab_y)
    for k, j in enumerate(conv_y):
        lab_yw[j] = win_lab[k][1]
    spec = ("".join(c for cs in lab_xw for c in cs) + "," + "".join(lab_yw) + "->"
            + "".join(lab_a[i] for i in batch_a) + "".join(lab_a[i] for i in ign_a)
            + "".join(lab_b[j] for j in ign_b)
            + "".join(out_conv))
    return gnp.einsum(spec, x, y)


def correlate(in1: Any, in2: Any, mode: str = "full", method: str = "auto") -> Any:
    """Cross-correlation, as ``scipy.signal.correlate``: ``convolve(in1, in2 reversed along
    every axis and conjugated, mode)``.

    Example: ``correlate(x, w, mode="valid")``
    """
    if ndim(in1) != ndim(in2):
        raise ValueError(f"correlate: in1 and in2 should have the same dimensionality; got "
                         f"shapes {shape(in1)} and {shape(in2)}")
    flipped = gnp.conj(gnp.flip(in2, tuple(range(ndim(in2))))) if ndim(in2) else gnp.conj(in2)
    return convolve(in1, flipped, mode, method)


def _two_d(name: str, in1: Any, in2: Any, boundary: str, fillvalue: Any) -> None:
    if ndim(in1) != 2 or ndim(in2) != 2:
        raise ValueError(f"{name}: in1 and in2 must be 2-D; got shapes {shape(in1)} and "
                         f"{shape(in2)}")
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(
            f"{name}: only boundary='fill' with fillvalue=0 is supported (as "
            f"jax.scipy.signal); got boundary={boundary!r}, fillvalue={fillvalue!r}: pad the "
            f"input with gpuad.numpy.pad and use mode='valid'")


def convolve2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0) -> Any:
    """2-D convolution, as ``scipy.signal.convolve2d`` with zero padding (``boundary='fill'``,
    ``fillvalue=0``, the only boundary jax.scipy.signal has too).

    Example: ``convolve2d(image, kernel, mode="same")``
    """
    _two_d("convolve2d", in1, in2, boundary, fillvalue)
    return convolve(in1, in2, mode)


def correlate2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0) -> Any:
    """2-D cross-correlation, as ``scipy.signal.correlate2d`` with zero padding. Its "same"
    window starts at ``len(in2) // 2`` of the full output along each axis (that of
    ``correlate``, for an even ``in2``, is one earlier); its "valid" output for an ``in2``
    larger than ``in1`` is conjugated, as SciPy's and JAX's.

    Example: ``correlate2d(image, template, mode="valid")``
    """
    _two_d("correlate2d", in1, in2, boundary, fillvalue)
    if mode == "valid" and not all(p >= q for p, q in zip(shape(in1), shape(in2), strict=True)):
        # SciPy (and JAX) swap the inputs here, which conjugates the correlation
        return gnp.conj(correlate(in1, in2, mode))
    if mode != "same":
        return correlate(in1, in2, mode)
    full = correlate(in1, in2, "full")
    (n0, n1), (k0, k1) = shape(in1), shape(in2)
    return getitem(full, (slice(k0 // 2, k0 // 2 + n0), slice(k1 // 2, k1 // 2 + n1)))


def fftconvolve(in1: Any, in2: Any, mode: str = "full", axes: Any = None) -> Any:
    """``scipy.signal.fftconvolve`` (the same numbers as :func:`convolve`, computed directly;
    integer and boolean inputs give float64, as SciPy's and JAX's). ``axes`` names the axes to
    convolve over (default: all); along the others the inputs broadcast (equal lengths, or one
    of them 1).

    Example: ``fftconvolve(x, w, mode="same", axes=-1)``
    """
    if not isinstance(mode, str) or mode not in ("full", "valid", "same"):
        raise ValueError(f"fftconvolve: mode must be 'full', 'valid' or 'same', got {mode!r}")
    na, nb = ndim(in1), ndim(in2)
    if na != nb:
        raise ValueError(f"fftconvolve: in1 and in2 should have the same dimensionality; got "
                         f"shapes {shape(in1)} and {shape(in2)}")
    in1, in2 = gnp.asarray(in1), gnp.asarray(in2)
    if in1.dtype.kind in "biu" and in2.dtype.kind in "biu":
        in1, in2 = in1.astype("float64"), in2.astype("float64")
    if axes is None:
        conv = tuple(range(na))
    else:
        spec = (axes,) if not isinstance(axes, Sequence) and not hasattr(axes, "__len__") \
            else tuple(axes)
        conv = tuple(sorted(set(_axes(spec, na, "axes")))) if na else ()
    sa, sb = shape(in1), shape(in2)
    batch = tuple(i for i in range(na) if i not in conv)
    for i in batch:
        if sa[i] != sb[i] and 1 not in (sa[i], sb[i]):
            raise ValueError(f"fftconvolve: incompatible shapes {sa} and {sb}: axis {i} is not "
                             f"convolved (axes={axes!r}), so its lengths must be equal or 1")
    if batch:
        sa = tuple(max(sa[i], sb[i]) if i in batch else sa[i] for i in range(na))
        sb = tuple(max(sa[i], sb[i]) if i in batch else sb[i] for i in range(na))
        in1 = gnp.broadcast_to(in1, sa) if shape(in1) != sa else in1
        in2 = gnp.broadcast_to(in2, sb) if shape(in2) != sb else in2
    out = _convolve(in1, in2, mode, conv, conv, (), (), batch, batch)
    # _convolve puts the batch axes first, then the convolved ones
    return gnp.moveaxis(out, tuple(range(na)), batch + conv) if batch else out


def oaconvolve(in1: Any, in2: Any, mode: str = "full", axes: Any = None) -> Any:
    """``scipy.signal.oaconvolve`` (overlap-add): the same numbers as :func:`fftconvolve`,
    which computes them.

    Example: ``oaconvolve(long_signal, short_filter, mode="same")``
    """
    return fftconvolve(in1, in2, mode, axes)


def hilbert(x: Any, N: int | None = None, axis: int = -1) -> Any:
    """``scipy.signal.hilbert``: the analytic signal ``x + i H(x)`` along ``axis`` (by the FFT,
    of length ``N``, default ``x.shape[axis]``), differentiable in ``x``. Real ``x`` only, as
    SciPy's.

    Example: ``envelope = gnp.abs(hilbert(x))``
    """
    x = gnp.asarray(x)
    if x.dtype.kind == "c":
        raise ValueError("hilbert: x must be real.")
    if x.ndim == 0:
        raise ValueError("hilbert: x must have at least one dimension")
    n = x.shape[axis] if N is None else N
    if isinstance(n, bool) or int(n) != n or n <= 0:
        raise ValueError(f"hilbert: N must be positive, got {N!r}")
    n = int(n)
    h = _np.zeros(n)
    h[0] = 1.0
    if n % 2 == 0:
        h[n // 2] = 1.0
        h[1:n // 2] = 2.0
    else:
        h[1:(n + 1) // 2] = 2.0
    shape = [1] * x.ndim
    shape[axis] = n
    h = _xp(data(x)).asarray(h.reshape(shape))
    if x.dtype.kind != "f":
        x = x.astype("float64")
    return gnp.fft.ifft(gnp.fft.fft(x, n=n, axis=axis) * h, axis=axis)


def _filter_coefficients(name: str, b: Any, a: Any) -> tuple[Any, Any]:
    b, a = gnp.asarray(b), gnp.asarray(a)
    if b.ndim != 1 or a.ndim != 1 or b.shape[0] == 0 or a.shape[0] == 0:
        raise ValueError(f"{name}: b and a must be non-empty 1-D arrays, got shapes "
                         f"{tuple(b.shape)} and {tuple(a.shape)}")
    raw = data(a)
    if not _vc.tracing() and bool(_xp(raw).asarray(raw)[0] == 0):
        raise ValueError(f"{name}: the first coefficient of a, a[0], must not be zero")
    m = max(b.shape[0], a.shape[0])
    if b.shape[0] < m:
        b = gnp.concatenate([b, gnp.zeros(m - b.shape[0], dtype=b.dtype)])
    if a.shape[0] < m:
        a = gnp.concatenate([a, gnp.zeros(m - a.shape[0], dtype=a.dtype)])
    return b / a[0], a / a[0]


def lfilter(b: Any, a: Any, x: Any, axis: int = -1, zi: Any = None) -> Any:
    """``scipy.signal.lfilter``: the IIR filter ``a[0] y[n] = sum_k b[k] x[n - k] -
    sum_{k >= 1} a[k] y[n - k]`` along ``axis`` (direct form II transposed, as SciPy's),
    differentiable in ``b``, ``a``, ``x`` and ``zi``. With ``zi`` (the initial state, shape
    ``x``'s with ``axis`` of length ``max(len(a), len(b)) - 1``) it returns ``(y, zf)``.
    The recursion is a :func:`gpuad.lax.scan` over the samples: one step per sample.

    Example: ``y = lfilter([0.2], [1.0, -0.8], x)`` (a one-pole low-pass)
    """
    from ... import lax

    b, a = _filter_coefficients("lfilter", b, a)
    x = gnp.asarray(x)
    if x.ndim == 0:
        raise ValueError("lfilter: x must have at least one dimension")
    if not -x.ndim <= axis < x.ndim:
        raise _np.exceptions.AxisError(f"lfilter: axis {axis} is out of bounds for x of "
                                       f"dimension {x.ndim}")
    dt = _np.result_type(b.dtype, a.dtype, x.dtype, _np.float64 if x.dtype.kind in "biu"
                         else x.dtype)
    xs = gnp.moveaxis(x.astype(dt) if x.dtype != dt else x, axis, 0)
    m = b.shape[0]
    rest = tuple(xs.shape[1:])
    zshape = (m - 1,) + rest
    if zi is None:
        z0 = gnp.zeros(zshape, dtype=dt)
    else:
        zi = gnp.asarray(zi)
        want = list(x.shape)
        want[axis] = m - 1
        if tuple(zi.shape) != tuple(want):
            raise ValueError(f"lfilter: unexpected shape for zi: expected {tuple(want)}, found "
                             f"{tuple(zi.shape)}")
        z0 = gnp.moveaxis(zi, axis, 0).astype(dt)
    tail = (1,) * len(rest)
    bk = gnp.reshape(b[1:], (m - 1,) + tail)
    ak = gnp.reshape(a[1:], (m - 1,) + tail)

    def step(z, xn):
        y = b[0] * xn + (z[0] if m > 1 else 0.0)
        if m == 1:
            return z, y
        shifted = gnp.concatenate([z[1:], gnp.zeros((1,) + rest, dtype=dt)], axis=0)
        return bk * xn + shifted - ak * y, y

    zf, ys = lax.scan(step, z0, xs)
    y = gnp.moveaxis(ys, 0, axis)
    return y if zi is None else (y, gnp.moveaxis(zf, 0, axis))


from .._spectral import csd, detrend, istft, stft, welch  # noqa: E402
from . import windows  # noqa: E402  (scipy.signal.windows, torch.signal.windows)

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "csd", "detrend",
           "fftconvolve", "hilbert", "istft", "lfilter", "oaconvolve", "stft", "welch", "windows"]


_ABSENT = {
    **dict.fromkeys(("sosfilt", "filtfilt", "lfilter_zi", "sosfiltfilt"),
                    "not implemented; lfilter is (a cascade of sections is lfilter applied "
                    "section by section, filtfilt lfilter forwards then on the reversed "
                    "output)"),
    **dict.fromkeys(("resample", "decimate", "periodogram", "spectrogram",
                     "savgol_filter", "get_window", "find_peaks"),
                    "not implemented; stft, welch, csd, istft, detrend and windows are, and "
                    "gpuad.numpy.fft computes the rest"),
}


__getattr__ = absent_names("gpuad.scipy.signal", _ABSENT)
