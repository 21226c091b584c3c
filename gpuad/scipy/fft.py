"""``scipy.fft``'s real-to-real transforms: ``dct``/``idct``/``dctn``/``idctn`` and
``dst``/``idst``/``dstn``/``idstn`` of types 1 to 4, with SciPy's signatures, ``norm``
(None/'backward', 'ortho', 'forward') and ``orthogonalize``, differentiable to any order (they
are linear); the type-2 DCT with JAX's ``norm`` values is ``jax.scipy.fft``'s.

The type-2 DCT is one FFT of twice the length (``gpuad.numpy.fft``) times a phase: DCT-II of
``x`` is the real part of ``exp(-i pi k / 2N)`` times the FFT of ``x`` followed by its mirror
image, and the inverse (a DCT-III) the real part of an inverse FFT of the weighted, phased
coefficients. Every other transform is the product with its ``N x N`` matrix along the axis
(SciPy's own transform of the identity, built once per length and option on the host): exact,
its adjoint the transposed matrix, at ``O(N^2)`` work per axis. The n-D transforms apply the 1-D
ones axis by axis. Complex input is transformed as its real and imaginary parts.

Example::

    from gpuad.scipy.fft import dct, idct, dst
    y = dct(x, norm="ortho")
    z = dst(x, type=4, norm="forward")
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as _np

from .. import numpy as gnp

__all__ = ["dct", "dctn", "dst", "dstn", "idct", "idctn", "idst", "idstn"]


def _check(name: str, type: int, norm: Any) -> None:
    if type not in (1, 2, 3, 4):
        raise ValueError(f"{name}: type must be 1, 2, 3 or 4, got type={type!r}")
    if norm not in (None, "backward", "ortho", "forward"):
        raise ValueError(f"{name}: norm must be None, 'backward', 'ortho' or 'forward', got "
                         f"{norm!r}")


def _fft_path(type: int, norm: Any, orthogonalize: Any) -> bool:
    """The type-2 DCT pair with JAX's options runs through the FFT; the rest by matrices."""
    return type == 2 and norm in (None, "backward", "ortho") and orthogonalize in (None, True)


_MATRICES: dict = {}


def _matrix(name: str, n: int, type: int, norm: Any, orthogonalize: Any, dtype: Any) -> Any:
    """The ``n x n`` matrix of SciPy's transform ``name`` (``y = M @ x``), on the host."""
    key = (name, n, type, norm, orthogonalize, _np.dtype(dtype).str)
    m = _MATRICES.get(key)
    if m is None:
        try:
            import scipy.fft as sf
        except ImportError as e:
            raise ImportError(f"{name}: type {type} needs scipy (pip install scipy)") from e
        try:
            m = getattr(sf, name)(_np.eye(n), type=type, axis=0, norm=norm,
                                  orthogonalize=orthogonalize).astype(dtype)
        except (ValueError, RuntimeError) as e:  # (DCT-I of one point: SciPy's RuntimeError)
            raise ValueError(f"{name}: type {type} cannot transform length {n}: {e}") from None
        _MATRICES[key] = m
    return m


def _by_matrix(x: Any, axis: int, name: str, type: int, norm: Any, orthogonalize: Any) -> Any:
    n = x.shape[axis]
    if n == 0:
        raise ValueError(f"{name}: cannot transform an empty axis (shape {tuple(x.shape)})")
    real = _np.empty(0, x.dtype).real.dtype
    m = gnp.asarray(_matrix(name, n, type, norm, orthogonalize, real))
    return gnp.moveaxis(gnp.tensordot(m, x, axes=([1], [axis])), 0, axis)


def _transform1(name: str, x: Any, axis: int, type: int, norm: Any, orthogonalize: Any) -> Any:
    if name in ("dct", "idct") and _fft_path(type, norm, orthogonalize):
        return _per_part(_dct1 if name == "dct" else _idct1, x, axis, norm)
    return _by_matrix(x, axis, name, type, norm, orthogonalize)


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


def _one(name: str, x: Any, type: int, n: int | None, axis: int, norm: Any,
         orthogonalize: Any) -> Any:
    _check(name, type, norm)
    x = _inexact(name, x)
    a = _axis(name, axis, x.ndim)
    return _transform1(name, _resize(name, x, a, n), a, type, norm, orthogonalize)


def dct(x: Any, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None,
        overwrite_x: bool = False, workers: Any = None, *, orthogonalize: bool | None = None
        ) -> Any:
    """The discrete cosine transform of ``type`` 1 to 4 along ``axis``, as ``scipy.fft.dct``
    (type 2, the default: ``y[k] = 2 sum_j x[j] cos(pi k (2j + 1) / 2N)``; ``jax.scipy.fft.dct``
    for its ``norm`` values). ``n`` cuts or zero-pads ``x`` along ``axis`` first; ``norm``
    None/'backward', 'ortho' or 'forward'; ``orthogonalize`` as SciPy's.

    Example: ``dct(gnp.array([1.0, 2.0, 3.0]), type=3, norm="ortho")``
    """
    return _one("dct", x, type, n, axis, norm, orthogonalize)


def idct(x: Any, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None,
         overwrite_x: bool = False, workers: Any = None, *, orthogonalize: bool | None = None
         ) -> Any:
    """The inverse of :func:`dct` of the same ``type`` and ``norm`` along ``axis``, as
    ``scipy.fft.idct``: ``idct(dct(x, t), t) == x``.

    Example: ``idct(dct(x, norm="ortho"), norm="ortho")``
    """
    return _one("idct", x, type, n, axis, norm, orthogonalize)


def dst(x: Any, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None,
        overwrite_x: bool = False, workers: Any = None, *, orthogonalize: bool | None = None
        ) -> Any:
    """The discrete sine transform of ``type`` 1 to 4 along ``axis``, as ``scipy.fft.dst``.

    Example: ``dst(gnp.array([1.0, 2.0, 3.0]), type=1)``
    """
    return _one("dst", x, type, n, axis, norm, orthogonalize)


def idst(x: Any, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None,
         overwrite_x: bool = False, workers: Any = None, *, orthogonalize: bool | None = None
         ) -> Any:
    """The inverse of :func:`dst` of the same ``type`` and ``norm``, as ``scipy.fft.idst``.

    Example: ``idst(dst(x, type=4), type=4)``
    """
    return _one("idst", x, type, n, axis, norm, orthogonalize)


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


def _many(name: str, x: Any, type: int, s: Any, axes: Any, norm: Any, orthogonalize: Any) -> Any:
    _check(name + "n", type, norm)
    x = _inexact(name + "n", x)
    axes, sizes = _axes_and_sizes(name + "n", x, s, axes)
    for a, n in zip(axes, sizes, strict=True):
        x = _transform1(name, _resize(name + "n", x, a, n), a, type, norm, orthogonalize)
    return x


def dctn(x: Any, type: int = 2, s: Sequence[int] | None = None,
         axes: Sequence[int] | None = None, norm: str | None = None, overwrite_x: bool = False,
         workers: Any = None, *, orthogonalize: bool | None = None) -> Any:
    """The DCT over several axes (all by default, or the last ``len(s)``), as
    ``scipy.fft.dctn`` (and ``jax.scipy.fft.dctn``); ``s`` gives the lengths the axes are cut
    or zero-padded to.

    Example: ``dctn(image, norm="ortho")``
    """
    return _many("dct", x, type, s, axes, norm, orthogonalize)


def idctn(x: Any, type: int = 2, s: Sequence[int] | None = None,
          axes: Sequence[int] | None = None, norm: str | None = None, overwrite_x: bool = False,
          workers: Any = None, *, orthogonalize: bool | None = None) -> Any:
    """The inverse of :func:`dctn`, as ``scipy.fft.idctn``. Example: ``idctn(dctn(image))``"""
    return _many("idct", x, type, s, axes, norm, orthogonalize)


def dstn(x: Any, type: int = 2, s: Sequence[int] | None = None,
         axes: Sequence[int] | None = None, norm: str | None = None, overwrite_x: bool = False,
         workers: Any = None, *, orthogonalize: bool | None = None) -> Any:
    """The DST over several axes, as ``scipy.fft.dstn``. Example: ``dstn(image, type=1)``"""
    return _many("dst", x, type, s, axes, norm, orthogonalize)


def idstn(x: Any, type: int = 2, s: Sequence[int] | None = None,
          axes: Sequence[int] | None = None, norm: str | None = None, overwrite_x: bool = False,
          workers: Any = None, *, orthogonalize: bool | None = None) -> Any:
    """The inverse of :func:`dstn`, as ``scipy.fft.idstn``. Example: ``idstn(dstn(image))``"""
    return _many("idst", x, type, s, axes, norm, orthogonalize)
