"""``jax.scipy.fft``: the type-2 discrete cosine transform ``dct``/``dctn`` and its inverse
``idct``/``idctn``, with JAX's (and SciPy's) signatures and values, differentiable to any order.

Each 1-D transform is one FFT of twice the length (``gpuad.numpy.fft``) times a phase: DCT-II of
``x`` is the real part of ``exp(-i pi k / 2N)`` times the FFT of ``x`` followed by its mirror
image, and the inverse (a DCT-III) the real part of an inverse FFT of the weighted, phased
coefficients. The n-D transforms apply the 1-D ones axis by axis. Complex input is transformed
as its real and imaginary parts. Only type 2 exists, as in JAX.

Example::

    from gpuad.scipy.fft import dct, idct
    y = dct(x, norm="ortho")
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as _np

from .. import numpy as gnp

__all__ = ["dct", "dctn", "idct", "idctn"]


def _check(name: str, type: int, norm: Any) -> None:
    if type != 2:
        raise NotImplementedError(f"{name}: only the DCT of type 2 is implemented (as in JAX), "
                                  f"got type={type!r}")
    if norm not in (None, "backward", "ortho"):
        raise ValueError(f"{name}: norm must be None, 'backward' or 'ortho', got {norm!r}")


def _inexact(name: str, x: Any) -> Any:
    x = gnp.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype(_np.float64)
    return x


def _axis(name: str, axis: Any, nd: int) -> int:
    a = operator.index(axis)
    if not -nd <= a < nd:
        raise ValueError(f"{name}: axis {a} is out of bounds for an array of dimension {nd}")
    return a % nd


def _resize(name: str, x: Any, axis: int, n: int | None) -> Any:
    """``x`` cut or zero-padded to ``n`` along ``axis``."""
    if n is None:
        return x
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"{name}: the transform length must be positive, got {n} for an array "
                         f"of shape {tuple(x.shape)}")
    m = x.shape[axis]
    if n < m:
        return gnp.take(x, gnp.arange(n), axis=axis)
    if n > m:
        pad = [(0, 0)] * x.ndim
        pad[axis] = (0, n - m)
        return gnp.pad(x, pad)
    return x


def _along(v: Any, axis: int, nd: int) -> Any:
    """A 1-D array shaped to broadcast along ``axis`` of an ``nd``-dimensional one."""
    return gnp.reshape(v, tuple(-1 if a == axis else 1 for a in range(nd)))


def _phase(n: int, sign: float, real_dtype: Any) -> Any:
    cdt = _np.result_type(real_dtype, _np.complex64)
    k = gnp.arange(n, dtype=_np.dtype(real_dtype))
    return gnp.exp((sign * 0.5j * _np.pi / n) * k).astype(cdt)


def _dct1(x: Any, axis: int, norm: Any) -> Any:
    n = x.shape[axis]
    if n == 0:
        raise ValueError(f"dct: cannot transform an empty axis (shape {tuple(x.shape)})")
    mirrored = gnp.concatenate([x, gnp.flip(x, axis=axis)], axis=axis)
    spec = gnp.take(gnp.fft.rfft(mirrored, axis=axis), gnp.arange(n), axis=axis)
    out = gnp.real(spec * _along(_phase(n, -1.0, x.dtype), axis, x.ndim))
    if norm == "ortho":
        w = _np.full(n, _np.sqrt(0.5 / n))
        w[0] = _np.sqrt(0.25 / n)
        out = out * _along(gnp.asarray(w.astype(x.dtype)), axis, x.ndim)
    return out


def _idct1(x: Any, axis: int, norm: Any) -> Any:
    n = x.shape[axis]
    if n == 0:
        raise ValueError(f"idct: cannot transform an empty axis (shape {tuple(x.shape)})")
    if norm == "ortho":
        w = _np.full(n, _np.sqrt(2.0 / n))
        w[0] = _np.sqrt(1.0 / n)
    else:
        w = _np.full(n, 1.0 / n)
        w[0] = 0.5 / n
    w = w * (2 * n)  # the inverse FFT divides by its length 2n
    coef = x * _along(gnp.asarray(w.astype(x.dtype)), axis, x.ndim)
    z = coef * _along(_phase(n, 1.0, x.dtype), axis, x.ndim)
    full = gnp.fft.ifft(z, n=2 * n, axis=axis)
    return gnp.real(gnp.take(full, gnp.arange(n), axis=axis))


def _per_part(f, x: Any, *args) -> Any:
    if x.dtype.kind == "c":
        re, im = f(gnp.real(x), *args), f(gnp.imag(x), *args)
        return re + 1j * im
    return f(x, *args)


def dct(x: Any, type: int = 2, n: int | None = None, axis: int = -1,
        norm: str | None = None) -> Any:
    """The type-2 discrete cosine transform along ``axis``, as ``jax.scipy.fft.dct``:
    ``y[k] = 2 sum_j x[j] cos(pi k (2j + 1) / 2N)``, orthonormal with ``norm="ortho"``. ``n``
    cuts or zero-pads ``x`` along ``axis`` first.

    Example: ``dct(gnp.array([1.0, 2.0, 3.0]))``
    """
    _check("dct", type, norm)
    x = _inexact("dct", x)
    a = _axis("dct", axis, x.ndim)
    x = _resize("dct", x, a, n)
    return _per_part(_dct1, x, a, norm)


def idct(x: Any, type: int = 2, n: int | None = None, axis: int = -1,
         norm: str | None = None) -> Any:
    """The inverse of :func:`dct` along ``axis`` (a scaled DCT of type 3), as
    ``jax.scipy.fft.idct``: ``idct(dct(x)) == x`` for either ``norm``.

    Example: ``idct(dct(x, norm="ortho"), norm="ortho")``
    """
    _check("idct", type, norm)
    x = _inexact("idct", x)
    a = _axis("idct", axis, x.ndim)
    x = _resize("idct", x, a, n)
    return _per_part(_idct1, x, a, norm)


def _axes_and_sizes(name: str, x: Any, s: Any, axes: Any) -> tuple[list[int], list[Any]]:
    nd = x.ndim
    if s is not None:
        s = [operator.index(v) for v in s] if isinstance(s, Sequence) or hasattr(
            s, "__len__") else [operator.index(s)]
        if len(s) > nd:
            raise ValueError(f"{name}: s must have at most x.ndim ({nd}) elements, got s={s} "
                             f"for an array of shape {tuple(x.shape)}")
    if axes is None:
        axes = list(range(nd - len(s), nd)) if s is not None else list(range(nd))
    else:
        axes = [axes] if not isinstance(axes, Sequence) and not hasattr(axes, "__len__") \
            else list(axes)
        axes = [_axis(name, a, nd) for a in axes]
        if len(set(axes)) != len(axes):
            raise ValueError(f"{name}: repeated axis in axes={axes}")
    if s is not None and len(s) != len(axes):
        raise ValueError(f"{name}: s={s} and axes={axes} must have the same length")
    return axes, (s if s is not None else [None] * len(axes))


def dctn(x: Any, type: int = 2, s: Sequence[int] | None = None,
         axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """The type-2 DCT over several axes (all by default, or the last ``len(s)``), as
    ``jax.scipy.fft.dctn``; ``s`` gives the lengths the axes are cut or zero-padded to.

    Example: ``dctn(image, norm="ortho")``
    """
    _check("dctn", type, norm)
    x = _inexact("dctn", x)
    axes, sizes = _axes_and_sizes("dctn", x, s, axes)
    for a, n in zip(axes, sizes, strict=True):
        x = _per_part(_dct1, _resize("dctn", x, a, n), a, norm)
    return x


def idctn(x: Any, type: int = 2, s: Sequence[int] | None = None,
          axes: Sequence[int] | None = None, norm: str | None = None) -> Any:
    """The inverse of :func:`dctn`, as ``jax.scipy.fft.idctn``.

    Example: ``idctn(dctn(image))``
    """
    _check("idctn", type, norm)
    x = _inexact("idctn", x)
    axes, sizes = _axes_and_sizes("idctn", x, s, axes)
    for a, n in zip(axes, sizes, strict=True):
        x = _per_part(_idct1, _resize("idctn", x, a, n), a, norm)
    return x
