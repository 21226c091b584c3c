"""``scipy.linalg``'s special matrices with ``jax.scipy.linalg``'s signatures.

Built from an input vector (``companion``, ``fiedler``, ``fiedler_companion``, ``leslie``,
``convolution_matrix``): one gather of the (scaled) entries with a constant index matrix, so they
are differentiable to any order and take stacks of vectors (leading axes), as JAX's. Constant
matrices (``dft``, ``hadamard``, ``helmert``, ``hilbert``, ``invhilbert``, ``pascal``,
``invpascal``) are backend arrays with exact entries. Example::

    import gpuad.scipy.linalg as gsl
    c = gsl.companion(coeffs)            # eigenvalues: the polynomial's roots
    m = gsl.convolution_matrix(w, 5)     # m @ x == convolve(w, x)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from . import rules as _r


def _gnp():
    from . import numpy as gnp

    return gnp


def _vec(a: Any, name: str, inexact: bool = False) -> Any:
    gnp = _gnp()
    a = a if hasattr(a, "shape") and hasattr(a, "dtype") else gnp.asarray(a)
    if _r.ndim(a) == 0:
        a = gnp.reshape(a, (1,))
    if inexact and _r.data(a).dtype.kind not in "fc":
        a = gnp.astype(a, _np.float64)
    return a


def _gather(values: Any, idx: _np.ndarray) -> Any:
    """``values[..., idx]`` with a constant index matrix on ``values``' backend."""
    xp = _r._xp(_r.data(values))
    return _r.getitem(values, (Ellipsis, xp.asarray(idx)))


def _const(values: Any, dtype: Any) -> Any:
    from .backends import get_backend

    return get_backend().xp.asarray(_np.asarray(values, dtype=dtype))


def companion(a: Any) -> Any:
    """The companion matrix of the polynomial with coefficients ``a`` (highest power first):
    first row ``-a[1:] / a[0]``, ones below the diagonal; ``(..., n - 1, n - 1)``.

    Example: ``companion([1., -3., 2.])`` is ``[[3, -2], [1, 0]]``
    """
    gnp = _gnp()
    a = _vec(a, "companion", inexact=True)
    n = _r.shape(a)[-1]
    if n < 2:
        raise ValueError(f"companion: the length of a along the last axis must be at least 2; "
                         f"got shape {_r.shape(a)}")
    m = n - 1
    first = -a[..., 1:] / a[..., :1]
    one = gnp.ones(_r.shape(a)[:-1] + (2,), dtype=_r.data(first).dtype)
    vals = gnp.concatenate([first, one], axis=-1)  # [first row..., 1, 0 (overwritten)]
    vals = vals * _const([1.0] * (m + 1) + [0.0], _r.data(first).real.dtype)
    idx = _np.full((m, m), m + 1)
    idx[0] = _np.arange(m)
    idx[_np.arange(1, m), _np.arange(m - 1)] = m
    return _gather(vals, idx)


def fiedler(a: Any) -> Any:
    """The symmetric matrix ``|a[i] - a[j]|``. Example: ``fiedler([1., 4., 12.])``"""
    gnp = _gnp()
    a = _vec(a, "fiedler")
    return gnp.abs(a[..., :, None] - a[..., None, :])


def fiedler_companion(a: Any) -> Any:
    """The Fiedler companion matrix of the polynomial ``a`` (pentadiagonal, the same
    eigenvalues as :func:`companion`): ``(..., n - 1, n - 1)``.

    Example: ``fiedler_companion([1., 2., 3., 4.])``
    """
    gnp = _gnp()
    a = _vec(a, "fiedler_companion", inexact=True)
    if _r.shape(a)[-1] == 0:
        raise ValueError(f"fiedler_companion requires the last axis of 'a' to have nonzero "
                         f"length, but got an array of shape {_r.shape(a)}")
    n = _r.shape(a)[-1] - 1
    neg = -a / a[..., :1]  # entries -a[k] / a[0]
    if n == 0:  # empty, and of a Tensor ``a`` an empty Tensor on its tape
        return gnp.reshape(neg[..., 1:], _r.shape(a)[:-1] + (0, 0))
    if n == 1:
        return gnp.reshape(neg[..., 1:], _r.shape(a)[:-1] + (1, 1))
    lead = _r.shape(a)[:-1]
    ones = gnp.ones(lead + (1,), dtype=_r.data(neg).dtype)
    vals = gnp.concatenate([neg, ones, gnp.zeros(lead + (1,), dtype=_r.data(neg).dtype)],
                           axis=-1)
    one, zero = n + 1, n + 2
    idx = _np.full((n, n), zero)
    for i in range(n):
        for j in range(n):
            if i == 0 and j == 0:
                idx[i, j] = 1
            elif i == 1 and j == 0:
                idx[i, j] = one
            elif j == i + 1 and i % 2 == 0:
                idx[i, j] = min(i + 2, n)
            elif j == i + 2 and i % 2 == 0:
                idx[i, j] = one
            elif j == i - 1 and i % 2 == 0 and i >= 2:
                idx[i, j] = min(i + 1, n)
            elif j == i - 2 and i % 2 == 1 and i >= 3:
                idx[i, j] = one
    return _gather(vals, idx)


def leslie(f: Any, s: Any) -> Any:
    """The Leslie matrix: fecundities ``f`` (length n) in the first row, survival rates ``s``
    (length n - 1) below the diagonal. Example: ``leslie([0.1, 2., 1.], [0.2, 0.8])``"""
    gnp = _gnp()
    f, s = _vec(f, "leslie"), _vec(s, "leslie")
    n = _r.shape(f)[-1]
    if n < 2:
        raise ValueError(f"leslie: the length of f along the last axis must be at least 2; got "
                         f"shape {_r.shape(f)}")
    if _r.shape(s)[-1] != n - 1:
        raise ValueError(f"leslie: the length of s along the last axis must be one less than "
                         f"that of f; got f shape {_r.shape(f)} and s shape {_r.shape(s)}")
    dt = _np.result_type(_r.data(f).dtype, _r.data(s).dtype)
    lead = _np.broadcast_shapes(_r.shape(f)[:-1], _r.shape(s)[:-1])
    f = gnp.broadcast_to(gnp.astype(f, dt), lead + (n,))
    s = gnp.broadcast_to(gnp.astype(s, dt), lead + (n - 1,))
    vals = gnp.concatenate([f, s, gnp.zeros(lead + (1,), dtype=dt)], axis=-1)
    idx = _np.full((n, n), 2 * n - 1)
    idx[0] = _np.arange(n)
    idx[_np.arange(1, n), _np.arange(n - 1)] = n + _np.arange(n - 1)
    return _gather(vals, idx)


def convolution_matrix(a: Any, n: int, mode: str = "full") -> Any:
    """The matrix ``A`` with ``A @ x == numpy.convolve(a, x, mode)`` for ``x`` of length ``n``.

    Example: ``convolution_matrix([1., 2.], 3)`` is ``[[1, 0, 0], [2, 1, 0], [0, 2, 1],
    [0, 0, 2]]``
    """
    gnp = _gnp()
    n = int(n)
    if n <= 0:
        raise ValueError(f"convolution_matrix: n must be a positive integer; got {n}")
    a = a if hasattr(a, "shape") and hasattr(a, "dtype") else gnp.asarray(a)
    if _r.ndim(a) == 0:
        raise ValueError("convolution_matrix: a must be at least 1-dimensional, got a scalar")
    m = _r.shape(a)[-1]
    if m < 1:
        raise ValueError(f"convolution_matrix: len(a) must be at least 1; got shape "
                         f"{_r.shape(a)}")
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"convolution_matrix: mode must be one of 'full', 'valid', 'same'; "
                         f"got {mode!r}")
    length = m + n - 1
    if mode == "same":
        trim = min(n, m) - 1
        tb, te = trim // 2, trim - trim // 2
    elif mode == "valid":
        tb = te = min(n, m) - 1
    else:
        tb = te = 0
    rows = length - tb - te
    k = _np.arange(rows)[:, None] + tb - _np.arange(n)[None, :]
    idx = _np.where((k >= 0) & (k < m), k, m)
    vals = gnp.concatenate([a, gnp.zeros(_r.shape(a)[:-1] + (1,), dtype=_r.data(a).dtype)],
                           axis=-1)
    return _gather(vals, idx)


def hilbert(n: int) -> Any:
    """The Hilbert matrix ``1 / (i + j + 1)`` (float64). Example: ``hilbert(3)``"""
    i = _np.arange(int(n), dtype=float)
    return _const(1.0 / (i[:, None] + i[None, :] + 1), _np.float64)


def invhilbert(n: int) -> Any:
    """The inverse of :func:`hilbert` (exact integer entries, as float64).

    Example: ``invhilbert(3)``"""
    n = int(n)
    out = _np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            s = i + j
            v = (-1) ** s * (s + 1) * math.comb(n + i, n - j - 1) * math.comb(n + j, n - i - 1) \
                * math.comb(s, i) ** 2
            out[i, j] = float(v)
    return _const(out, _np.float64)


def _pascal_lower(n: int) -> _np.ndarray:
    return _np.array([[float(math.comb(i, j)) for j in range(n)] for i in range(n)])


_KINDS = ("symmetric", "lower", "upper")


def pascal(n: int, kind: str | None = None) -> Any:
    """The Pascal matrix (``kind`` 'symmetric', 'lower' or 'upper'), exact, as float64.

    Example: ``pascal(4, kind="lower")``"""
    kind = "symmetric" if kind is None else kind
    if kind not in _KINDS:
        raise ValueError(f"pascal: kind must be one of {list(_KINDS)}; got {kind!r}")
    low = _pascal_lower(int(n))
    out = low if kind == "lower" else low.T if kind == "upper" else low @ low.T
    return _const(out, _np.float64)


def invpascal(n: int, kind: str | None = None) -> Any:
    """The inverse of :func:`pascal` (exact integers, as float64). Example: ``invpascal(4)``"""
    kind = "symmetric" if kind is None else kind
    if kind not in _KINDS:
        raise ValueError(f"invpascal: kind must be one of {list(_KINDS)}; got {kind!r}")
    n = int(n)
    low = _pascal_lower(n) * (-1.0) ** (_np.arange(n)[:, None] - _np.arange(n)[None, :])
    out = low if kind == "lower" else low.T if kind == "upper" else low.T @ low
    return _const(out, _np.float64)


def helmert(n: int, full: bool = False) -> Any:
    """The Helmert matrix: orthonormal rows orthogonal to the ones vector, ``(n - 1, n)``
    (``full=True``: with the row ``1 / sqrt(n)`` first, ``(n, n)``). Example: ``helmert(4)``"""
    n = int(n)
    if n < 1:
        raise ValueError(f"helmert: n must be a positive integer; got {n}")
    k = _np.arange(1, n, dtype=float)[:, None]
    j = _np.arange(n)[None, :]
    den = _np.sqrt(k * (k + 1))
    h = _np.where(j <= k - 1, 1.0 / den, _np.where(j == k, -k / den, 0.0))
    if full:
        h = _np.concatenate([_np.full((1, n), 1.0 / _np.sqrt(n)), h], axis=0)
    return _const(h, _np.float64)


def hadamard(n: int, dtype: Any = int) -> Any:
    """The Sylvester Hadamard matrix of order ``n`` (a power of 2), entries +-1.

    Example: ``hadamard(4)``"""
    n = int(n)
    if n < 1 or not math.log2(n).is_integer():
        raise ValueError(f"hadamard: n must be a positive power of 2; got {n}")
    h = _np.ones((1, 1))
    while h.shape[0] < n:
        h = _np.block([[h, h], [h, -h]])
    return _const(h, dtype)


def dft(n: int, scale: str | None = None, *, dtype: Any = None) -> Any:
    """The discrete Fourier transform matrix ``exp(-2 pi i j k / n)`` (``scale`` None,
    'sqrtn' or 'n' divides by 1, ``sqrt(n)`` or ``n``); ``dft(n) @ x == fft(x)``.

    Example: ``dft(4, scale="sqrtn")``"""
    if scale not in (None, "sqrtn", "n"):
        raise ValueError(f"dft: scale must be None, 'sqrtn', or 'n'; got {scale!r}")
    dtype = _np.complex128 if dtype is None else _np.dtype(dtype)
    if _np.dtype(dtype).kind != "c":
        raise ValueError(f"dft: dtype must be a complex floating-point type; got {dtype}")
    n = int(n)
    k = _np.arange(n)
    w = _np.exp(-2j * _np.pi * ((k[:, None] * k[None, :]) % max(n, 1)) / max(n, 1))
    if scale == "sqrtn":
        w = w / _np.sqrt(n)
    elif scale == "n":
        w = w / n
    return _const(w, dtype)


__all__ = ["companion", "convolution_matrix", "dft", "fiedler", "fiedler_companion",
           "hadamard", "helmert", "hilbert", "invhilbert", "invpascal", "leslie", "pascal"]
