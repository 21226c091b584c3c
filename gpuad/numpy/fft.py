"""``numpy.fft``, differentiable in both modes and to any order.

Every transform is linear, so its adjoint is another transform: the adjoint of ``fft`` with
normalisation ``norm`` is ``ifft`` with the dual normalisation ("backward" <-> "forward",
"ortho" <-> "ortho"), that of ``rfft`` the real part of a zero-padded ``ifft``, that of
``irfft`` a weighted ``rfft``. Complex values follow the convention of docs/semantics.md: for a
real loss of ``z = x + iy`` the gradient is ``dL/dx + i dL/dy``; a real input gets the real
part of its adjoint.

Signatures are NumPy's (``n``, ``axis``, ``s``, ``axes``, ``norm``, ``out``);
``hfftn``, ``ihfftn``, ``hfft2`` and ``ihfft2``, which NumPy lacks, are ``scipy.fft``'s.

Example::

    import gpuad as ad
    import gpuad.numpy as gnp
    g = ad.grad(lambda x: gnp.sum(gnp.abs(gnp.fft.rfft(x)) ** 2))(np.ones(8))
"""

from __future__ import annotations

import builtins
import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as _np

from .. import rules as _r
from ..backends import get_backend as _get_backend
from ..complex_rules import conj as _conj
from ..complex_rules import is_complex as _is_complex
from ..complex_rules import real as _real
from ..rules import data as _data
from ..rules import prim as _prim
from ..rules import shape as _shape
from ..tensor import Tensor as _Tensor

_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


# ---- primitives: the transforms of already resized inputs ---------------------------------------

def _f16_as_f32(x):
    # NumPy scales float16 input by 1/n (or 1/sqrt(n)) computed in float16 (1/3 -> 0.33325),
    # 2e-4 off in a float32 or complex64 result; the transform of the float32 values is exact
    return x.astype(_np.float32) if x.dtype == _np.float16 else x


def _c2c_fwd(xp, x, axes, norm, inverse):
    return (xp.fft.ifftn if inverse else xp.fft.fftn)(_f16_as_f32(x), axes=axes, norm=norm)


def _rfft_fwd(xp, x, axis, n, norm):
    return xp.fft.rfft(_f16_as_f32(x), axis=axis, norm=norm)


def _irfft_fwd(xp, x, axis, n, norm):
    # (a float16 input keeps NumPy's float16 result)
    out = xp.fft.irfft(_f16_as_f32(x), n=n, axis=axis, norm=norm)
    return out.astype(_np.float16) if x.dtype == _np.float16 else out


_fft_c2c = _prim(
    "fft_c2c", _c2c_fwd,
    vjp=[lambda g, ans, x, axes, norm, inverse: _fft_c2c(g, axes=axes, norm=_DUAL[norm],
                                                        inverse=not inverse)],
    jvp=[lambda t, ans, x, axes, norm, inverse: _fft_c2c(t, axes=axes, norm=norm,
                                                        inverse=inverse)],
    cplx="own")


def _rfft_vjp(g, ans, x, axis, n, norm):
    # rfft = the first n//2+1 rows of fft: its adjoint zero-pads and applies fft's adjoint;
    # the input is real, so it keeps the real part
    full = _resize(g, axis, n)
    return _real(_fft_c2c(full, axes=(axis,), norm=_DUAL[norm], inverse=True))


_rfft_r2c = _prim("rfft_r2c", _rfft_fwd,
                vjp=[_rfft_vjp],
                jvp=[lambda t, ans, x, axis, n, norm: _rfft_r2c(t, axis=axis, n=n, norm=norm)],
                cplx="own")


def _half_weights(g, axis, n):
    """1 at the bins irfft reads once (0, and n/2 for even n), 2 at those it reads twice."""
    m = n // 2 + 1
    w = _np.full(m, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    s = [1] * _r.ndim(g)
    s[axis] = m
    return _r._xp(g).asarray(w.reshape(s), dtype=_np.finfo(_data(g).dtype).dtype)


def _irfft_vjp(g, ans, x, axis, n, norm):
    # irfft(h) = d * (Re h_0 + 2 sum Re(h_k w^jk) + Re h_n/2 (-1)^j): its adjoint is the
    # forward transform of g scaled by d, doubled at the bins read twice
    h = _rfft_r2c(g, axis=axis, n=n, norm=_DUAL[norm])
    return h * _half_weights(h, axis, n)


_irfft_c2r = _prim("irfft_c2r", _irfft_fwd,
                 vjp=[_irfft_vjp],
                 jvp=[lambda t, ans, x, axis, n, norm: _irfft_c2r(t, axis=axis, n=n,
                                                                 norm=norm)],
                 cplx="own")


# ---- argument handling ----------------------------------------------------------------------

def _arr(a):
    if isinstance(a, _Tensor) or hasattr(a, "shape") and type(a) is _get_backend().array_type:
        return a
    return _get_backend().xp.asarray(a)


def _norm(norm, op: str) -> str:
    if norm is None:
        return "backward"
    if norm not in _DUAL:
        raise ValueError(
            f'{op}: invalid norm value {norm!r}; should be "backward", "ortho" or "forward"')
    return norm


def _index(v, op: str, what: str) -> int:
    """``operator.index(v)``: NumPy's reading of a length or an axis (a float raises)."""
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an integer, got {v!r} of type "
                        f"{type(v).__name__} ('float' object cannot be interpreted as an "
                        f"integer, as NumPy says)") from None


def _axis(a, axis, op: str) -> int:
    nd = _r.ndim(a)
    axis = _index(axis, op, "an axis")
    if not -nd <= axis < nd:
        raise _np.exceptions.AxisError(
            f"{op}: axis {axis} is out of bounds for an array of dimension {nd}")
    return axis % nd


def _points(n, op: str) -> int:
    if isinstance(n, bool | _np.bool_):
        raise TypeError(f"{op}: the number of points must be an integer, got {n!r} (NumPy "
                        f"refuses a boolean too)")
    n = _index(n, op, "the number of points")
    if n < 1:
        raise ValueError(f"{op}: invalid number of FFT data points ({n}) specified")
    return n


def _resize(x, axis: int, n: int):
    """``x`` cropped or zero-padded at the end to length ``n`` along ``axis`` (as NumPy)."""
    m = _shape(x)[axis]
    if n == m:
        return x
    if n < m:
        return _r._take_axis(x, 0, n, axis)
    s = list(_shape(x))
    s[axis] = n - m
    return _r.concatenate([x, _r._xp(x).zeros(tuple(s), dtype=_data(x).dtype)], axis)


def _real_input(a, op: str):
    if _is_complex(a):
        raise TypeError(
            f"{op}: the input must be real, got {_data(a).dtype} values; use gnp.fft.fft for "
            f"complex input, or pass gnp.real(a)")
    return a


def _out(r, out, op: str):
    """``r`` written into ``out=`` as NumPy 2's transforms do (an array or a Tensor of the
    result's shape, a dtype the result casts to with "same_kind"); ``r`` without one."""
    if out is None:
        return r
    if not isinstance(out, _Tensor) and not (hasattr(out, "shape") and hasattr(out, "dtype")):
        raise TypeError(f"{op}: out must be of ArrayType (an array or a Tensor), got "
                        f"{type(out).__name__}")
    from ._more_sig import _to_out

    return _to_out(r, out, op, "same_kind")


# ---- one-dimensional transforms -------------------------------------------------------------

def fft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
        out: Any = None):
    """The discrete Fourier transform along ``axis``, as ``numpy.fft.fft``.

    Example: ``gnp.fft.fft(x, n=16)``
    """
    a = _arr(a)
    axis = _axis(a, axis, "fft")
    n = _points(_shape(a)[axis] if n is None else n, "fft")
    r = _fft_c2c(_resize(a, axis, n), axes=(axis,), norm=_norm(norm, "fft"), inverse=False)
    return _out(r, out, "fft")


def ifft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: Any = None):
    """The inverse discrete Fourier transform along ``axis``, as ``numpy.fft.ifft``.

    Example: ``gnp.fft.ifft(gnp.fft.fft(x))``
    """
    a = _arr(a)
    axis = _axis(a, axis, "ifft")
    n = _points(_shape(a)[axis] if n is None else n, "ifft")
    r = _fft_c2c(_resize(a, axis, n), axes=(axis,), norm=_norm(norm, "ifft"), inverse=True)
    return _out(r, out, "ifft")


def rfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: Any = None):
    """The transform of real input: the ``n // 2 + 1`` non-negative frequencies.

    Example: ``gnp.fft.rfft(x)``
    """
    a = _real_input(_arr(a), "rfft")
    axis = _axis(a, axis, "rfft")
    n = _points(_shape(a)[axis] if n is None else n, "rfft")
    r = _rfft_r2c(_resize(a, axis, n), axis=axis, n=n, norm=_norm(norm, "rfft"))
    return _out(r, out, "rfft")


def irfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
          out: Any = None):
    """The inverse of ``rfft``: a real signal of length ``n`` (default ``2 * (m - 1)``) from
    the non-negative frequencies; as NumPy, it reads only the real part of the zero frequency
    (and of the Nyquist frequency for even ``n``).

    Example: ``gnp.fft.irfft(gnp.fft.rfft(x), n=len(x))``
    """
    a = _arr(a)
    axis = _axis(a, axis, "irfft")
    n = _points(2 * (_shape(a)[axis] - 1) if n is None else n, "irfft")
    r = _irfft_c2r(_resize(a, axis, n // 2 + 1), axis=axis, n=n, norm=_norm(norm, "irfft"))
    return _out(r, out, "irfft")


def hfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
         out: Any = None):
    """The transform of a Hermitian-symmetric signal given by its first half (a real
    spectrum of length ``n``, default ``2 * (m - 1)``), as ``numpy.fft.hfft``.

    Example: ``gnp.fft.hfft(z, n=8)``
    """
    a = _arr(a)
    axis = _axis(a, axis, "hfft")
    n = _points(2 * (_shape(a)[axis] - 1) if n is None else n, "hfft")
    return irfft(_conj(a), n, axis, norm=_DUAL[_norm(norm, "hfft")], out=out)


def ihfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None,
          out: Any = None):
    """The inverse of ``hfft`` for real input, as ``numpy.fft.ihfft``.

    Example: ``gnp.fft.ihfft(x)``
    """
    a = _real_input(_arr(a), "ihfft")
    return _out(_conj(rfft(a, n, axis, norm=_DUAL[_norm(norm, "ihfft")])), out, "ihfft")


# ---- n-dimensional transforms ---------------------------------------------------------------

def _cook(a, s, axes, op: str, invreal: bool = False) -> tuple[list[int], list[int]]:
    """NumPy's reading of ``s`` and ``axes``: the sizes and (normalised) axes to transform."""
    nd = _r.ndim(a)
    if s is None:
        axes_ = list(range(nd)) if axes is None else [_index(x, op, "an axis") for x in axes]
        axes_ = [_axis(a, x, op) for x in axes_]
        sizes = [_shape(a)[x] for x in axes_]
        if invreal and axes_:
            sizes[-1] = 2 * (_shape(a)[axes_[-1]] - 1)
    else:
        sizes = list(s)
        if axes is None:
            warnings.warn(f"{op}: `axes` should not be `None` if `s` is not `None` "
                          f"(deprecated in NumPy 2.0); pass axes=[0, ..., k-1] for NumPy's "
                          f"reading of s", DeprecationWarning, stacklevel=3)
        if None in sizes:
            warnings.warn(f"{op}: passing an array containing `None` values to `s` is "
                          f"deprecated in NumPy 2.0; give the size, or leave s out",
                          DeprecationWarning, stacklevel=3)
        axes_ = (list(range(-len(sizes), 0)) if axes is None
                 else [_index(x, op, "an axis") for x in axes])
        if len(sizes) != len(axes_):
            raise ValueError(
                f"{op}: s has {len(sizes)} entries but axes has {len(axes_)}; they must match")
        axes_ = [_axis(a, x, op) for x in axes_]
        for i, (v, x) in enumerate(zip(sizes, axes_, strict=True)):
            if v is None:  # the default of the one-dimensional transform
                v = 2 * (_shape(a)[x] - 1) if invreal and i == len(axes_) - 1 else _shape(a)[x]
            sizes[i] = _shape(a)[x] if v == -1 else v
    return [_points(v, op) for v in sizes], axes_


def _c2c_nd(a, sizes: Sequence[int], axes: Sequence[int], norm: str, inverse: bool,
            last_first: bool = True):
    """The complex transforms over ``axes``; a repeated axis is transformed again, in NumPy's
    order: the last of ``axes`` first (``fftn``, ``rfftn``), or the first first
    (``last_first=False``: the inverse transforms of ``irfftn``)."""
    if not axes:
        return a
    if len(set(axes)) == len(axes):
        for n, x in zip(sizes, axes, strict=True):  # distinct axes: resize first, one transform
            a = _resize(a, x, n)
        return _fft_c2c(a, axes=tuple(axes), norm=norm, inverse=inverse)
    steps = list(zip(sizes, axes, strict=True))
    for n, x in (reversed(steps) if last_first else steps):  # repeated axes: NumPy's order
        a = _fft_c2c(_resize(a, x, n), axes=(x,), norm=norm, inverse=inverse)
    return a


def fftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None, out: Any = None):
    """The n-dimensional transform over ``axes`` (all by default), as ``numpy.fft.fftn``.

    Example: ``gnp.fft.fftn(x, s=(8, 8))``
    """
    a = _arr(a)
    sizes, axes_ = _cook(a, s, axes, "fftn")
    return _out(_c2c_nd(a, sizes, axes_, _norm(norm, "fftn"), False), out, "fftn")


def ifftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None, out: Any = None):
    """The n-dimensional inverse transform, as ``numpy.fft.ifftn``.

    Example: ``gnp.fft.ifftn(gnp.fft.fftn(x))``
    """
    a = _arr(a)
    sizes, axes_ = _cook(a, s, axes, "ifftn")
    return _out(_c2c_nd(a, sizes, axes_, _norm(norm, "ifftn"), True), out, "ifftn")


def fft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
         norm: str | None = None, out: Any = None):
    """The transform over the last two axes, as ``numpy.fft.fft2``.

    Example: ``gnp.fft.fft2(image)``
    """
    return fftn(a, s, axes, norm, out=out)


def ifft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None, out: Any = None):
    """The inverse transform over the last two axes, as ``numpy.fft.ifft2``.

    Example: ``gnp.fft.ifft2(spectrum)``
    """
    return ifftn(a, s, axes, norm, out=out)


def rfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None, out: Any = None):
    """The n-dimensional transform of real input (``rfft`` over the last axis), as
    ``numpy.fft.rfftn``.

    Example: ``gnp.fft.rfftn(x)``
    """
    a = _real_input(_arr(a), "rfftn")
    sizes, axes_ = _cook(a, s, axes, "rfftn")
    norm = _norm(norm, "rfftn")
    if not axes_:
        raise IndexError("rfftn: axes=() names no axis for the real transform (NumPy raises "
                         "IndexError too)")
    a = _rfft_r2c(_resize(a, axes_[-1], sizes[-1]), axis=axes_[-1], n=sizes[-1], norm=norm)
    return _out(_c2c_nd(a, sizes[:-1], axes_[:-1], norm, False), out, "rfftn")


def irfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None, out: Any = None):
    """The inverse of ``rfftn``, as ``numpy.fft.irfftn``.

    Example: ``gnp.fft.irfftn(gnp.fft.rfftn(x), s=x.shape)``
    """
    a = _arr(a)
    sizes, axes_ = _cook(a, s, axes, "irfftn", invreal=True)
    norm = _norm(norm, "irfftn")
    if not axes_:
        raise IndexError("irfftn: axes=() names no axis for the real transform (NumPy raises "
                         "IndexError too)")
    a = _c2c_nd(a, sizes[:-1], axes_[:-1], norm, True, last_first=False)
    n = sizes[-1]
    r = _irfft_c2r(_resize(a, axes_[-1], n // 2 + 1), axis=axes_[-1], n=n, norm=norm)
    return _out(r, out, "irfftn")


def rfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None, out: Any = None):
    """``rfftn`` over the last two axes, as ``numpy.fft.rfft2``.

    Example: ``gnp.fft.rfft2(image)``
    """
    return rfftn(a, s, axes, norm, out=out)


def irfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: str | None = None, out: Any = None):
    """``irfftn`` over the last two axes, as ``numpy.fft.irfft2``.

    Example: ``gnp.fft.irfft2(spectrum, s=image.shape)``
    """
    return irfftn(a, s, axes, norm, out=out)


def _unique_axes(a, axes, op: str) -> None:
    """scipy.fft's and torch.fft's refusal of a repeated axis in the Hermitian transforms
    (NumPy, whose ``fftn`` transforms a repeated axis again, has no ``hfftn``)."""
    if axes is None:
        return
    nd = len(_shape(a))
    seen = [int(x) % nd for x in axes if nd and -nd <= int(x) < nd]
    if len(set(seen)) != len(seen):
        raise ValueError(f"{op}: axes must be unique, got {tuple(int(x) for x in axes)} "
                         f"(as scipy.fft.{op} and torch.fft.{op} require)")


def hfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
    """The n-dimensional transform of a Hermitian-symmetric signal given by its half along the
    last of ``axes`` (a real result, ``2 * (m - 1)`` long there by default), as
    ``scipy.fft.hfftn`` and ``torch.fft.hfftn``.

    Example: ``gnp.fft.hfftn(z, s=(4, 8))``
    """
    a = _arr(a)
    _unique_axes(a, axes, "hfftn")
    if axes is None and s is not None:  # scipy.fft's reading of s alone (no deprecation)
        axes = tuple(range(-len(s), 0))
    return irfftn(_conj(a), s, axes, norm=_DUAL[_norm(norm, "hfftn")])


def ihfftn(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None):
    """The inverse of ``hfftn`` for real input: the non-negative frequencies of the last of
    ``axes``, as ``scipy.fft.ihfftn`` and ``torch.fft.ihfftn``.

    Example: ``gnp.fft.ihfftn(x)``
    """
    a = _real_input(_arr(a), "ihfftn")
    _unique_axes(a, axes, "ihfftn")
    if axes is None and s is not None:
        axes = tuple(range(-len(s), 0))
    return _conj(rfftn(a, s, axes, norm=_DUAL[_norm(norm, "ihfftn")]))


def hfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
    """``hfftn`` over the last two axes, as ``scipy.fft.hfft2``.

    Example: ``gnp.fft.hfft2(z)``
    """
    return hfftn(a, s, axes, norm)


def ihfft2(a: Any, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: str | None = None):
    """``ihfftn`` over the last two axes, as ``scipy.fft.ihfft2``.

    Example: ``gnp.fft.ihfft2(image)``
    """
    return ihfftn(a, s, axes, norm)


# ---- shifts and frequencies -----------------------------------------------------------------

def _roll(x, k: int, axis: int):
    n = _shape(x)[axis]
    k %= builtins.max(n, 1)
    if k == 0:
        return x
    return _r.concatenate([_r._take_axis(x, n - k, n, axis), _r._take_axis(x, 0, n - k, axis)],
                          axis)


def _shift(x, axes, sign: int):
    x = _arr(x)
    nd = _r.ndim(x)
    if axes is None:
        axes = range(nd)
    elif isinstance(axes, int | _np.integer):
        axes = (axes,)
    for ax in axes:
        ax = _axis(x, ax, "fftshift")
        x = _roll(x, sign * (_shape(x)[ax] // 2), ax)
    return x


def fftshift(x: Any, axes: int | Sequence[int] | None = None):
    """Move the zero frequency to the centre (along ``axes``, all by default).

    Example: ``gnp.fft.fftshift(gnp.fft.fftfreq(8))``
    """
    return _shift(x, axes, 1)


def ifftshift(x: Any, axes: int | Sequence[int] | None = None):
    """The inverse of ``fftshift``. Example: ``gnp.fft.ifftshift(gnp.fft.fftshift(x))``"""
    return _shift(x, axes, -1)


def _check_device(device, op):
    if device not in (None, "cpu"):
        raise ValueError(f"{op}: device={device!r} is not supported; gpuad uses its backend")


def _count(n, op) -> int:
    """``n`` as an int; a float count (even 10.0) is NumPy's ValueError, never truncated."""
    if isinstance(n, _Tensor):
        n = _data(n)
    if isinstance(n, bool) and op == "fftfreq":  # NumPy's fftfreq: TypeError (its rfftfreq
        raise TypeError(f"{op}: n should be an integer, got {n!r}")  # reads True as 1)
    try:
        return operator.index(n)
    except TypeError:
        raise ValueError(f"{op}: n should be an integer, got {n!r} (NumPy refuses it too; "
                         f"pass int(n) if a whole number was meant)") from None


def _freqs(k, n: int, d, dtype):
    out = _r.multiply(_get_backend().xp.asarray(k), _r.divide(1.0, _r.multiply(n, d)))
    if dtype is None or _data(out).dtype == _np.dtype(dtype):
        return out
    return _r.astype(out, _np.dtype(dtype))


def fftfreq(n: int, d: Any = 1.0, device: Any = None, *, dtype: Any = None):
    """The sample frequencies of ``fft`` for ``n`` points spaced ``d`` apart, as
    ``numpy.fft.fftfreq`` (a backend array; differentiable in ``d`` when it is a Tensor);
    ``dtype`` converts the result, as in ``jax.numpy.fft.fftfreq``.

    Example: ``gnp.fft.fftfreq(8, d=0.1, dtype=np.float32)``
    """
    _check_device(device, "fftfreq")
    n = _count(n, "fftfreq")
    k = _np.fft.fftfreq(n, 1.0) * n  # the integers 0, 1, ..., -2, -1
    return _freqs(k, n, d, dtype)


def rfftfreq(n: int, d: Any = 1.0, device: Any = None, *, dtype: Any = None):
    """The sample frequencies of ``rfft``, as ``numpy.fft.rfftfreq`` (differentiable in
    ``d`` when it is a Tensor; ``dtype`` as in ``fftfreq``).

    Example: ``gnp.fft.rfftfreq(8, d=0.1)``
    """
    _check_device(device, "rfftfreq")
    n = _count(n, "rfftfreq")
    k = _np.arange(n // 2 + 1, dtype=float)
    return _freqs(k, n, d, dtype)


__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftn", "ifftn", "fft2", "ifft2",
           "rfftn", "irfftn", "rfft2", "irfft2", "hfftn", "ihfftn", "hfft2", "ihfft2",
           "fftshift", "ifftshift", "fftfreq", "rfftfreq"]
