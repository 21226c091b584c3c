"""``scipy.ndimage``'s measurements by label and its Fourier filters, differentiable.

Measurements (``sum_labels``/``sum``, ``mean``, ``variance``, ``standard_deviation``,
``minimum``, ``maximum``, ``median``, ``center_of_mass``): the labels and the index are read on
the host (they choose which elements go together, and have no derivative); the values are
reduced per label with ``gpuad.ops.segment_sum``/``segment_min``/``segment_max``, so the
derivative in ``input`` is exact (ties of a minimum or maximum share it evenly, as
``segment_max``). Fourier filters (``fourier_gaussian``, ``fourier_uniform``,
``fourier_ellipsoid``, ``fourier_shift``): the input (an FFT) times SciPy's multiplier,
differentiable in the input and in ``sigma``, ``size`` and ``shift``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from .. import numpy as gnp
from .. import ops as _ops
from ..backends import get_backend
from ..rules import data
from ..tensor import Tensor


def _host(a: Any) -> _np.ndarray:
    a = data(a) if isinstance(a, Tensor) else a
    return _np.asarray(a.get() if hasattr(a, "get") else a)


def _values(name: str, input: Any) -> Any:
    x = gnp.asarray(input)
    if x.dtype.kind == "c":
        raise TypeError(f"{name}: complex input is not supported (as SciPy's measurements, "
                        f"which order or square real values); measure the real and imaginary "
                        f"parts")
    return x if x.dtype.kind == "f" else x.astype(_np.float64)


def _groups(input: Any, labels: Any, index: Any) -> tuple[Any, int, Any, tuple | None]:
    """The flattened values, the number of groups, each element's group (``m`` for none, as
    a backend integer array) and the shape of the result (None for one group), as SciPy
    forms them: no labels, one group of everything; no index, the elements with label > 0;
    a scalar index, those equal to it; an array of indices, one group per entry."""
    x = input
    shape = tuple(x.shape)
    if labels is None:
        seg = _np.zeros(int(_np.prod(shape, dtype=_np.int64)), dtype=_np.int64)
        m, out_shape, inverse = 1, None, None
    else:
        lab = _np.broadcast_to(_host(labels), shape).ravel()
        if index is None:
            seg, m, out_shape, inverse = _np.where(lab > 0, 0, 1), 1, None, None
        elif _np.ndim(_host(index)) == 0:
            seg, m, out_shape, inverse = _np.where(lab == _host(index), 0, 1), 1, None, None
        else:
            idx = _host(index)
            uniq, inverse = _np.unique(idx.ravel(), return_inverse=True)
            m = len(uniq)
            pos = _np.clip(_np.searchsorted(uniq, lab), 0, max(m - 1, 0))
            hit = (uniq[pos] == lab) if m else _np.zeros(lab.shape, bool)
            seg = _np.where(hit, pos, m)
            out_shape = idx.shape
    xp = get_backend().xp
    return gnp.reshape(x, (-1,)), m, xp.asarray(seg.astype(_np.int64)), (out_shape, inverse)


def _finish(per_group: Any, shape_inverse: tuple) -> Any:
    out_shape, inverse = shape_inverse
    if out_shape is None:
        return per_group[0]
    xp = get_backend().xp
    return gnp.reshape(gnp.take(per_group, xp.asarray(inverse.astype(_np.int64))), out_shape)


def _counts(seg: Any, m: int) -> _np.ndarray:
    return _np.bincount(_host(seg), minlength=m + 1)[:m].astype(_np.float64)


def _sums(flat: Any, seg: Any, m: int) -> Any:
    return _ops.segment_sum(flat, seg, m + 1)[:m]


def sum_labels(input: Any, labels: Any = None, index: Any = None) -> Any:
    """``scipy.ndimage.sum_labels``: the sum of ``input`` over each label in ``index`` (over
    the elements with label > 0 without ``index``, over everything without ``labels``); 0 for
    a label with no elements. Differentiable in ``input``.

    Example: ``sum_labels(x, labels, index=[1, 2])``
    """
    flat, m, seg, si = _groups(_values("sum_labels", input), labels, index)
    return _finish(_sums(flat, seg, m), si)


def sum(input: Any, labels: Any = None, index: Any = None) -> Any:  # noqa: A001
    """``scipy.ndimage.sum``: :func:`sum_labels`.

    Example: ``sum(x, labels, 1)``
    """
    return sum_labels(input, labels, index)


def _mean_parts(name: str, input: Any, labels: Any, index: Any) -> tuple:
    flat, m, seg, si = _groups(_values(name, input), labels, index)
    counts = _counts(seg, m)
    xp = get_backend().xp
    with _np.errstate(divide="ignore", invalid="ignore"):
        mean = _sums(flat, seg, m) / xp.asarray(counts)
    return flat, m, seg, si, counts, mean


def mean(input: Any, labels: Any = None, index: Any = None) -> Any:
    """``scipy.ndimage.mean``: the mean of ``input`` over each label (NaN for a label with
    no elements); differentiable in ``input``.

    Example: ``mean(x, labels, index=[1, 2, 3])``
    """
    *_, si, _counts_, mean_ = _mean_parts("mean", input, labels, index)
    return _finish(mean_, si)


def variance(input: Any, labels: Any = None, index: Any = None) -> Any:
    """``scipy.ndimage.variance``: the population variance (``ddof=0``) over each label, from
    the deviations from the label's mean (NaN for a label with no elements); differentiable
    in ``input``.

    Example: ``variance(x, labels, 2)``
    """
    flat, m, seg, si, counts, mean_ = _mean_parts("variance", input, labels, index)
    xp = get_backend().xp
    dev = flat - gnp.take(gnp.concatenate([mean_, gnp.zeros((1,), dtype=flat.dtype)]), seg)
    with _np.errstate(divide="ignore", invalid="ignore"):
        return _finish(_sums(dev * dev, seg, m) / xp.asarray(counts), si)


def standard_deviation(input: Any, labels: Any = None, index: Any = None) -> Any:
    """``scipy.ndimage.standard_deviation``: the square root of :func:`variance`; its
    derivative is infinite where the variance is 0 (as ``sqrt``'s), so a label of equal
    values has no finite gradient.

    Example: ``standard_deviation(x, labels, [1, 2])``
    """
    return gnp.sqrt(variance(input, labels, index))


def _extreme(name: str, largest: bool, input: Any, labels: Any, index: Any) -> Any:
    flat, m, seg, si = _groups(_values(name, input), labels, index)
    counts = _counts(seg, m)
    if si[0] is None and counts[0] == 0:
        raise ValueError(f"{name}: zero-size array to reduction operation (no element has "
                         f"the label asked for)")
    red = (_ops.segment_max if largest else _ops.segment_min)(flat, seg, m + 1)[:m]
    xp = get_backend().xp
    return _finish(gnp.where(xp.asarray(counts > 0), red, 0), si)  # 0 for a missing label


def minimum(input: Any, labels: Any = None, index: Any = None) -> Any:
    """``scipy.ndimage.minimum``: the smallest value over each label (0 for a label in
    ``index`` with no elements, as SciPy); the derivative goes to the smallest element, shared
    evenly among ties.

    Example: ``minimum(x, labels, index=[1, 2])``
    """
    return _extreme("minimum", False, input, labels, index)


def maximum(input: Any, labels: Any = None, index: Any = None) -> Any:
    """``scipy.ndimage.maximum``: the largest value over each label (0 for a label in
    ``index`` with no elements); the derivative goes to the largest element, shared evenly
    among ties.

    Example: ``maximum(x, labels)``
    """
    return _extreme("maximum", True, input, labels, index)


def median(input: Any, labels: Any = None, index: Any = None) -> Any:
    """``scipy.ndimage.median``: the median over each label (the mean of the two middle
    values for an even count, as ``numpy.median``; NaN for a label with no elements); the
    derivative goes to the middle element(s).

    Example: ``median(x, labels, index=[1, 2])``
    """
    flat, m, seg, si = _groups(_values("median", input), labels, index)
    s = _host(seg)
    xp = get_backend().xp
    parts = []
    for k in range(m):
        members = _np.nonzero(s == k)[0]
        if members.size == 0:
            parts.append(gnp.asarray(xp.asarray(_np.nan, dtype=flat.dtype)))
        else:
            parts.append(gnp.median(gnp.take(flat, xp.asarray(members))))
    if not parts:
        return _finish(gnp.zeros((0,), dtype=flat.dtype), si)
    return _finish(gnp.stack(parts), si)


def center_of_mass(input: Any, labels: Any = None, index: Any = None) -> Any:
    """``scipy.ndimage.center_of_mass``: ``sum(input * position) / sum(input)`` over each
    label, one coordinate per axis: a tuple for one group, a list of tuples for an array of
    indices (as SciPy); differentiable in ``input``.

    Example: ``center_of_mass(image, labels, [1, 2])``
    """
    x = _values("center_of_mass", input)
    flat, m, seg, si = _groups(x, labels, index)
    xp = get_backend().xp
    total = _sums(flat, seg, m)
    grids = _np.indices(tuple(x.shape), dtype=_np.float64)
    coords = []
    for g in grids:
        num = _sums(flat * xp.asarray(g.ravel().astype(flat.dtype)), seg, m)
        with _np.errstate(divide="ignore", invalid="ignore"):
            coords.append(_finish(num / total, si))
    if si[0] is None:
        return tuple(coords)
    return [tuple(c[k] for c in coords) for k in range(int(_np.prod(si[0], dtype=int)))]


# ---- Fourier filters --------------------------------------------------------------------

def _fourier_input(name: str, input: Any, complex_out: bool = False) -> Any:
    x = gnp.asarray(input)
    if complex_out:  # SciPy: complex64 stays, everything else complex128
        dt = _np.complex64 if x.dtype == _np.complex64 else _np.complex128
    else:  # float32, complex64, complex128 stay; everything else float64
        dt = x.dtype if x.dtype in (_np.float32, _np.complex64, _np.complex128) else _np.float64
    return x, _np.dtype(dt)


def _frequencies(shape: tuple, n: int, axis: int, ax: int) -> tuple[_np.ndarray, int]:
    """The frequency index along ``ax`` and the length it is divided by: a real-FFT axis
    (``axis`` with ``n > 0``) counts 0, 1, ... over the full length ``n``; another counts
    0, 1, ..., then the negative frequencies (``numpy.fft.fftfreq`` times the length)."""
    size = shape[ax]
    if ax == axis and n > 0:
        return _np.arange(size, dtype=_np.float64), n
    return _np.fft.fftfreq(size, 1.0 / size) if size else _np.zeros(0), size


def _tensor_if(out: Any, *args: Any) -> Any:
    """``out`` as a Tensor where an argument it does not depend on (``sigma`` of a 0-d input)
    is one: a Tensor argument gives Tensor results (with no history from that argument)."""
    if not isinstance(out, Tensor) and any(isinstance(a, Tensor) for a in args):
        return Tensor(data(out))
    return out


def _params(name: str, value: Any, nd: int, what: str) -> list:
    from .ndimage import _per_axis

    return _per_axis(name, value, nd, what)


def _axis_of(name: str, axis: int, nd: int) -> int:
    from .ndimage import _axis

    return _axis(name, axis, nd)


def _apply(x: Any, dt: Any, factor: Any) -> Any:
    real = _np.float32 if dt in (_np.float32, _np.complex64) else _np.float64
    if getattr(factor, "dtype", None) is not None and factor.dtype.kind == "f":
        factor = factor.astype(real)
    return (x.astype(dt) * factor).astype(dt)


def _separable(name: str, input: Any, params: Any, n: int, axis: int, what: str,
               one_axis: Any, complex_out: bool = False) -> Any:
    x, dt = _fourier_input(name, input, complex_out)
    nd = x.ndim
    if nd == 0 or 0 in tuple(x.shape):
        return _tensor_if(x.astype(dt), params)
    ax = _axis_of(name, axis, nd)
    ps = _params(name, params, nd, what)
    xp = get_backend().xp
    factor = None
    for a in range(nd):
        k, length = _frequencies(tuple(x.shape), n, ax, a)
        f = one_axis(ps[a], xp.asarray(k), length)
        shape = [1] * nd
        shape[a] = -1
        f = gnp.reshape(f, shape)
        factor = f if factor is None else factor * f
    return _apply(x, dt, factor)


def fourier_gaussian(input: Any, sigma: Any, n: int = -1, axis: int = -1,
                     output: Any = None) -> Any:
    """``scipy.ndimage.fourier_gaussian``: the FFT ``input`` times the Fourier transform of
    a Gaussian of standard deviation ``sigma`` (per axis or one for all):
    ``exp(-2 (pi sigma k / N)^2)`` at frequency index ``k``; ``n > 0`` marks ``axis`` as a
    real FFT of length ``n``. Differentiable in ``input`` and ``sigma``.

    Example: ``fourier_gaussian(gnp.fft.fft2(image), sigma=2.0)``
    """
    _no_output("fourier_gaussian", output)

    def one(s, k, length):
        return gnp.exp(-2.0 * (math.pi * k / length) ** 2 * (s * s))

    return _separable("fourier_gaussian", input, sigma, n, axis, "sigma", one)


def _safe_sinc(t: Any) -> Any:
    """``sin(pi t) / (pi t)``, 1 at 0, with finite derivatives there (the division only
    sees nonzero values)."""
    zero = t == 0
    safe = gnp.where(zero, 1.0, t)
    return gnp.where(zero, 1.0, gnp.sin(math.pi * safe) / (math.pi * safe))


def fourier_uniform(input: Any, size: Any, n: int = -1, axis: int = -1,
                    output: Any = None) -> Any:
    """``scipy.ndimage.fourier_uniform``: the FFT ``input`` times the Fourier transform of a
    box of length ``size`` (per axis or one for all): ``sinc(size k / N)``. Differentiable in
    ``input`` and ``size``.

    Example: ``fourier_uniform(gnp.fft.fft(x), 5)``
    """
    _no_output("fourier_uniform", output)

    def one(s, k, length):
        return _safe_sinc(s * k / length)

    return _separable("fourier_uniform", input, size, n, axis, "size", one)


def fourier_shift(input: Any, shift: Any, n: int = -1, axis: int = -1,
                  output: Any = None) -> Any:
    """``scipy.ndimage.fourier_shift``: the FFT ``input`` times ``exp(-2 pi i shift k / N)``,
    the transform of the input moved by ``shift`` (per axis or one for all); complex result.
    Differentiable in ``input`` and ``shift`` (a sub-pixel shift's derivative included).

    Example: ``fourier_shift(gnp.fft.fft2(image), (0.5, -1.25))``
    """
    _no_output("fourier_shift", output)

    def one(s, k, length):
        phase = (-2.0 * math.pi / length) * (k * s)
        return gnp.cos(phase) + 1j * gnp.sin(phase)

    return _separable("fourier_shift", input, shift, n, axis, "shift", one, complex_out=True)


def fourier_ellipsoid(input: Any, size: Any, n: int = -1, axis: int = -1,
                      output: Any = None) -> Any:
    """``scipy.ndimage.fourier_ellipsoid``: the FFT ``input`` times the Fourier transform of
    an ellipsoid of lengths ``size``: with ``r = pi sqrt(sum (size k / N)^2)``, ``sinc``
    in 1-D, ``2 J1(r) / r`` in 2-D, ``3 (sin r - r cos r) / r^3`` in 3-D (NotImplementedError
    above, as SciPy). Differentiable in ``input`` and ``size``.

    Example: ``fourier_ellipsoid(gnp.fft.fft2(image), 4.0)``
    """
    _no_output("fourier_ellipsoid", output)
    from .special import j1

    x, dt = _fourier_input("fourier_ellipsoid", input)
    nd = x.ndim
    if nd > 3:
        raise NotImplementedError("fourier_ellipsoid: only 1, 2 or 3 dimensions are supported")
    if nd == 0 or 0 in tuple(x.shape):
        return _tensor_if(x.astype(dt), size)
    if nd == 1:
        return fourier_uniform(input, size, n, axis)
    ax = _axis_of("fourier_ellipsoid", axis, nd)
    ps = _params("fourier_ellipsoid", size, nd, "size")
    xp = get_backend().xp
    r2 = None
    for a in range(nd):
        k, length = _frequencies(tuple(x.shape), n, ax, a)
        t = (math.pi / length) * (ps[a] * xp.asarray(k))
        shape = [1] * nd
        shape[a] = -1
        t = gnp.reshape(t * t, shape)
        r2 = t if r2 is None else r2 + t
    zero = r2 == 0
    r = gnp.sqrt(gnp.where(zero, 1.0, r2))
    if nd == 2:
        f = 2.0 * j1(r) / r
    else:
        f = 3.0 * (gnp.sin(r) - r * gnp.cos(r)) / (r * r * r)
    return _apply(x, dt, gnp.where(zero, 1.0, f))


def _no_output(name: str, output: Any) -> None:
    if output is not None:
        raise NotImplementedError(f"{name}: output= is not supported; use the returned array")
