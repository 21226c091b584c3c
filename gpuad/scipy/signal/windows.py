"""Window functions: ``scipy.signal.windows`` and ``torch.signal.windows`` in one.

Each takes SciPy's positional arguments and torch's keywords with torch's defaults
(``gaussian(M, std=1.0)``, ``kaiser(M, beta=12.0)``, ``general_hamming(M, alpha=0.54)``,
``exponential(M, center=None, tau=1.0)``, ``general_cosine(M, a)``), ``sym=`` (False: the
periodic window, the first M points of the symmetric window of M + 1) and ``dtype=`` (float64 by
default, where torch's default is float32; float32 or float64, NumPy or torch dtypes). The
result is a backend array, or a Tensor differentiable in the parameters (std, tau, center,
alpha, beta, a) when one of them is a Tensor.

Example::

    from gpuad.scipy.signal import windows
    w = windows.hann(64, sym=False)
    g = ad.grad(lambda s: (windows.gaussian(9, std=s) * x).sum())(1.5)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as _np

from ... import _value_checks as _vc
from ... import numpy as gnp
from ..._torch_args import _dtype as _read_dtype
from ...backends import get_backend
from ...rules import data
from ...tensor import Tensor


class WindowLengthError(TypeError, ValueError):
    """A window length that is not an integer: SciPy raises ValueError there, torch
    TypeError; this is both."""


def _check(name: str, M: Any, dtype: Any) -> tuple[int, _np.dtype]:
    if isinstance(M, bool) or not isinstance(M, int | _np.integer):
        raise WindowLengthError(f"{name}: the window length M must be an integer, got {M!r}")
    if M < 0:
        raise ValueError(f"{name}: the window length M must be non-negative, got M={M}")
    dt = _np.dtype(_np.float64) if dtype is None else _read_dtype(dtype)
    if dt not in (_np.float32, _np.float64):
        raise ValueError(f"{name}: dtype must be float32 or float64, got {dt}")
    return int(M), dt


def _points(M: int):
    """0, 1, ..., M - 1 as a float64 backend array."""
    return get_backend().xp.arange(M, dtype=_np.float64)


def _periods(M: int, sym: bool) -> int:
    """The divisor of the symmetric window (M - 1) or of the periodic one (M)."""
    return M - 1 if sym or M == 1 else M


def _cast(w, dt):
    return w if w.dtype == dt else w.astype(dt)


def _ones(M: int, dt):
    return get_backend().xp.ones((M,), dtype=dt)


def _positive(name: str, what: str, v: Any, strict: bool = True) -> None:
    """Raise unless ``v`` is positive (non-negative when not ``strict``); on arrays and Tensors
    the check is one of gpuad._value_checks, so ``gpuad.jit`` runs it on every call."""
    need = "positive" if strict else "non-negative"
    d = data(v)
    if hasattr(d, "shape"):
        whole = d._data if isinstance(d, Tensor) else d  # inside vmap: every example at once
        _vc.fail_if(f"{name}_{what.split()[-1]}",
                    (lambda xp, w: ~(w > 0)) if strict else (lambda xp, w: ~(w >= 0)),
                    lambda: ValueError(f"{name}: {what} must be {need}"), whole)
    elif not (d > 0 if strict else d >= 0):
        raise ValueError(f"{name}: {what} must be {need}, got {d}")


def _cosine_sum(name: str, M: int, a: Any, sym: bool, dtype: Any):
    M, dt = _check(name, M, dtype)
    if M <= 1:
        return _ones(M, dt)
    if not isinstance(a, Iterable) and not hasattr(a, "shape"):
        raise TypeError(f"{name}: the coefficients a must be a list, tuple or array, got {a!r}")
    a = gnp.asarray(a, dtype=_np.float64)
    if a.ndim != 1 or a.shape[0] == 0:
        raise ValueError(f"{name}: the coefficients a must be a non-empty 1-d sequence, got "
                         f"shape {a.shape}")
    xp = get_backend().xp
    k = xp.arange(a.shape[0], dtype=_np.float64)
    sign = xp.where(k % 2 == 0, 1.0, -1.0)
    phase = (2 * math.pi / _periods(M, sym)) * _points(M)
    return _cast(gnp.matmul(a * sign, xp.cos(k[:, None] * phase[None, :])), dt)


def general_cosine(M: int, a: Iterable, sym: bool = True, *, dtype: Any = None):
    """``sum_k (-1)^k a[k] cos(2 pi k n / (M - 1))`` (``M`` for ``sym=False``); differentiable
    in the coefficients ``a`` (a list, an array or a Tensor).

    Example: ``windows.general_cosine(16, [0.5, 0.5])`` (a Hann window)
    """
    return _cosine_sum("general_cosine", M, a, sym, dtype)


def _hamming(name: str, M: int, alpha: Any, sym: bool, dtype: Any):
    return _cosine_sum(name, M, gnp.stack([alpha, 1.0 - alpha]) if _is_tensor(alpha)
                       else [alpha, 1.0 - alpha], sym, dtype)


def general_hamming(M: int, alpha: Any = 0.54, sym: bool = True, *, dtype: Any = None):
    """``alpha - (1 - alpha) cos(2 pi n / (M - 1))``; differentiable in ``alpha``.

    Example: ``windows.general_hamming(16, alpha=0.6)``
    """
    return _hamming("general_hamming", M, alpha, sym, dtype)


def hamming(M: int, sym: bool = True, *, dtype: Any = None):
    """The Hamming window, ``general_hamming`` with ``alpha = 0.54``.

    Example: ``windows.hamming(16)``
    """
    return _hamming("hamming", M, 0.54, sym, dtype)


def hann(M: int, sym: bool = True, *, dtype: Any = None):
    """The Hann window, ``general_hamming`` with ``alpha = 0.5``.

    Example: ``windows.hann(16, sym=False)``
    """
    return _hamming("hann", M, 0.5, sym, dtype)


def blackman(M: int, sym: bool = True, *, dtype: Any = None):
    """The Blackman window, ``general_cosine`` with ``a = [0.42, 0.5, 0.08]``.

    Example: ``windows.blackman(16)``
    """
    return _cosine_sum("blackman", M, [0.42, 0.5, 0.08], sym, dtype)


def nuttall(M: int, sym: bool = True, *, dtype: Any = None):
    """Nuttall's minimum four-term Blackman-Harris window (``general_cosine`` with
    ``a = [0.3635819, 0.4891775, 0.1365995, 0.0106411]``).

    Example: ``windows.nuttall(16)``
    """
    return _cosine_sum("nuttall", M, [0.3635819, 0.4891775, 0.1365995, 0.0106411], sym, dtype)


def bartlett(M: int, sym: bool = True, *, dtype: Any = None):
    """The triangular window that is zero at both ends, ``1 - |2 n / (M - 1) - 1|``.

    Example: ``windows.bartlett(9)``
    """
    M, dt = _check("bartlett", M, dtype)
    if M <= 1:
        return _ones(M, dt)
    return _cast(1.0 - abs(_points(M) * (2.0 / _periods(M, sym)) - 1.0), dt)


def cosine(M: int, sym: bool = True, *, dtype: Any = None):
    """The sine window, ``sin(pi (n + 1/2) / M)`` (``M + 1`` for ``sym=False``).

    Example: ``windows.cosine(9)``
    """
    M, dt = _check("cosine", M, dtype)
    width = M if sym or M == 1 else M + 1
    return _cast(get_backend().xp.sin((_points(M) + 0.5) * (math.pi / max(width, 1))), dt)


def gaussian(M: int, std: Any = 1.0, sym: bool = True, *, dtype: Any = None):
    """``exp(-(n - (M - 1) / 2)^2 / (2 std^2))``; differentiable in ``std``.

    Example: ``windows.gaussian(9, std=2.0)``
    """
    M, dt = _check("gaussian", M, dtype)
    _positive("gaussian", "the standard deviation std", std)
    if M == 0:
        return _ones(0, dt)
    u = _points(M) - _periods(M, sym) / 2.0
    return _cast(gnp.exp(-(u * u) / (2.0 * (std * std))), dt)


def exponential(M: int, center: Any = None, tau: Any = 1.0, sym: bool = True, *,
                dtype: Any = None):
    """``exp(-|n - center| / tau)``, centred by default; differentiable in ``tau`` and
    ``center`` (a center may be given only with ``sym=False``, as in SciPy and torch).

    Example: ``windows.exponential(9, tau=3.0)``
    """
    M, dt = _check("exponential", M, dtype)
    _positive("exponential", "tau", tau)
    if sym and center is not None:
        raise ValueError("exponential: a center may be given only for sym=False (a symmetric "
                         "window is centred); pass sym=False or center=None")
    if M == 0:
        return _ones(0, dt)
    if center is None:
        center = _periods(M, sym) / 2.0
    return _cast(gnp.exp(-abs(_points(M) - center) / tau), dt)


def kaiser(M: int, beta: Any = 12.0, sym: bool = True, *, dtype: Any = None):
    """``I0(beta sqrt(1 - (2 n / (M - 1) - 1)^2)) / I0(beta)``; differentiable in ``beta``
    (computed with the scaled ``i0e``, so a large beta does not overflow).

    Example: ``windows.kaiser(16, beta=8.6)``
    """
    from .. import special

    M, dt = _check("kaiser", M, dtype)
    _positive("kaiser", "beta", beta, strict=False)
    if M <= 1:
        return _ones(M, dt)
    u = _points(M) * (2.0 / _periods(M, sym)) - 1.0
    r = get_backend().xp.sqrt(get_backend().xp.clip(1.0 - u * u, 0.0, 1.0))
    w = special.i0e(beta * r) / special.i0e(beta) * gnp.exp(beta * (r - 1.0))
    return _cast(w, dt)


def _is_tensor(v: Any) -> bool:
    return data(v) is not v


__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall"]
