"""NumPy's integer- and boolean-valued helpers (``digitize``, ``isin``, ``lexsort``,
``unravel_index``, ``ravel_multi_index``, ``packbits``, ``unpackbits``) and the window
functions (``hamming``, ``hanning``, ``bartlett``, ``blackman``, ``kaiser``).

The helpers compute on the values and return backend arrays (no derivative); Tensors are
accepted as inputs. While ``gpuad.jit`` traces, a result that depends on the traced call is a
Tensor (``_value_checks.result``), so what is computed from it is recorded. ``kaiser`` is
differentiable in a Tensor ``beta``.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import rules as _r
from .._value_checks import result as _result
from ..tensor import Tensor
from . import _xp_fallbacks as _fb


def _vals(a: Any, what: str) -> Any:
    if isinstance(a, Tensor):
        if a._bat is not None:
            raise TypeError(f"{what} inside gpuad.vmap: it computes on the values of each "
                            f"example, which a batched Tensor does not hand out; call it "
                            f"outside the vmapped function")
        return a.data
    if isinstance(a, list | tuple) and any(isinstance(v, Tensor) for v in a):
        return [_vals(v, what) for v in a]
    return a


def _batched(a: Any) -> bool:
    if isinstance(a, Tensor):
        return a._bat is not None
    return isinstance(a, list | tuple) and any(_batched(v) for v in a)


def _xp(*arrays: Any) -> Any:
    for a in arrays:
        if hasattr(a, "dtype") and hasattr(a, "shape"):
            return _r._xp(a)
        if isinstance(a, list | tuple):
            for v in a:
                if hasattr(v, "dtype") and hasattr(v, "shape"):
                    return _r._xp(v)
    return _r._xp(None)


def _arr(xp, a):
    return xp.asarray(a)  # lists, scalars and host arrays onto the backend


def digitize(x: Any, bins: Any, right: bool = False) -> Any:
    """The index of the bin of ``bins`` (monotonic) holding each value of ``x``.

    Example: ``gnp.digitize(x, [0.0, 1.0, 2.0])``"""
    if _batched(x) or _batched(bins):
        return _digitize_by_counts(x, bins, right)
    x, bins = _vals(x, "digitize"), _vals(bins, "digitize")
    xp = _xp(x, bins)
    return _result(xp.digitize(_arr(xp, x), _arr(xp, bins), right=right))


def _digitize_by_counts(x: Any, bins: Any, right: bool) -> Any:
    """``digitize`` batched by vmap: the number of bins on the near side of each value (its
    bin for monotonic bins), the direction read from each example's first and last bin; NaN
    values go past the last bin, as NumPy's search puts them."""
    from .. import _value_checks as _vc
    from . import asarray, isnan, ndim, shape, sum, where, zeros_like

    x = x if isinstance(x, Tensor) else asarray(x)
    bins = bins if isinstance(bins, Tensor) else asarray(bins)
    if ndim(bins) != 1:
        raise ValueError("digitize: bins must be one-dimensional")
    n = shape(bins)[0]
    if n == 0:
        return zeros_like(x, dtype=_np.intp)
    # every example's bins (the raw batched array: examples on the leading axes)
    raw = bins._data if isinstance(bins, Tensor) else bins
    _vc.fail_if("digitize_bins", lambda xp, b: xp.any(b[..., 1:] < b[..., :-1], axis=-1)
                & xp.any(b[..., 1:] > b[..., :-1], axis=-1), lambda: ValueError(
                    "digitize: bins must be monotonically increasing or decreasing"), raw)
    xe = x[..., None]
    up = sum(bins < xe if right else bins <= xe, axis=-1)
    down = sum(bins >= xe if right else bins > xe, axis=-1)
    if x.dtype.kind in "fc":
        nan = isnan(x)
        up, down = where(nan, n, up), where(nan, 0, down)
    return where(bins[0] <= bins[-1], up, down)


def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False,
         *, kind: str | None = None) -> Any:
    """Whether each value of ``element`` is in ``test_elements`` (a boolean array).

    Example: ``gnp.isin(x, [1.0, 2.0])``"""
    if _batched(element) or _batched(test_elements):
        # batched by vmap: every value against every test value, by primitives
        from . import any as _any
        from . import asarray, logical_not, ravel

        e = element if isinstance(element, Tensor) else asarray(element)
        t = ravel(test_elements if isinstance(test_elements, Tensor)
                  else asarray(test_elements))
        found = _any(e[..., None] == t, axis=-1)
        return logical_not(found) if invert else found
    element, test = _vals(element, "isin"), _vals(test_elements, "isin")
    xp = _xp(element, test)
    kw = {} if kind is None else {"kind": kind}
    return _result(xp.isin(_arr(xp, element), _arr(xp, test), assume_unique=assume_unique,
                           invert=invert, **kw))


def lexsort(keys: Any, axis: int = -1) -> Any:
    """The indices that sort by the last key, then the one before, ... (integers).

    Example: ``gnp.lexsort((b, a))`` sorts by ``a``, then ``b``"""
    if _batched(keys):
        return _lexsort_by_argsort(keys, axis)
    keys = _vals(keys, "lexsort")
    xp = _xp(keys)
    if isinstance(keys, list | tuple):
        keys = xp.stack([_arr(xp, k) for k in keys])
    keys = _arr(xp, keys)
    if xp is _np:
        return _result(_np.lexsort(keys, axis=axis))
    if keys.ndim == 2 and axis in (-1, 1):
        return _result(xp.lexsort(keys))
    # CuPy's lexsort takes 1-D keys only: stable argsorts, as under vmap
    if keys.ndim == 0:
        raise TypeError("lexsort: need a sequence of keys with length > 0 (got a 0-d array)")
    if not isinstance(axis, int | _np.integer):
        raise TypeError(f"lexsort: axis must be an integer, got {axis!r}")
    return _lexsort_by_argsort([keys[i] for i in range(keys.shape[0])], axis)


def _lexsort_by_argsort(keys: Any, axis: int) -> Any:
    # batched by vmap: stable argsorts from the first key to the last (the primary one)
    from . import argsort, asarray, take_along_axis, zeros_like

    if isinstance(keys, Tensor):
        keys = [keys[i] for i in range(keys.shape[0])]
    keys = [k if isinstance(k, Tensor) else asarray(k) for k in keys]
    if not keys:
        raise TypeError("lexsort: need at least one key")
    if keys[0].ndim == 0:  # 0-d keys (a 1-D array of them): NumPy's 0, for each example
        return zeros_like(keys[0], dtype=_np.intp)
    order = argsort(keys[0], axis=axis, kind="stable")
    for k in keys[1:]:
        if k.shape != keys[0].shape:
            raise ValueError(f"lexsort: all keys must have the same shape "
                             f"(got {keys[0].shape} and {k.shape})")
        step = argsort(take_along_axis(k, order, axis=axis), axis=axis, kind="stable")
        order = take_along_axis(order, step, axis=axis)
    return order


def unravel_index(indices: Any, shape: Any, order: str = "C") -> tuple:
    """Flat indices as a tuple of coordinate arrays into ``shape``.

    Example: ``gnp.unravel_index(gnp.argmax(x), x.shape)``"""
    if _batched(indices):
        from ..batching.composites import over_levels

        return over_levels(lambda u, k: unravel_index(u, shape, order), [indices],
                           "unravel_index")
    indices = _vals(indices, "unravel_index")
    xp = _xp(indices)
    return _result(xp.unravel_index(_arr(xp, indices), tuple(_np.atleast_1d(shape).tolist())
                                    if not isinstance(shape, int) else shape, order=order))


def ravel_multi_index(multi_index: Any, dims: Any, mode: Any = "raise",
                      order: str = "C") -> Any:
    """Coordinate arrays into ``dims`` as flat indices (``mode``: raise, wrap or clip).

    Example: ``gnp.ravel_multi_index((i, j), (3, 4))``"""
    if _batched(multi_index):
        from ..batching.composites import over_levels

        return over_levels(lambda *us: ravel_multi_index(us[:-1], dims, mode, order),
                           list(multi_index), "ravel_multi_index")
    mi = _vals(list(multi_index), "ravel_multi_index")
    xp = _xp(mi)
    return _result(xp.ravel_multi_index(tuple(_arr(xp, m) for m in mi), tuple(dims), mode=mode,
                                        order=order))


def packbits(a: Any, /, axis: int | None = None, bitorder: str = "big") -> Any:
    """Booleans or integers (nonzero: 1) packed eight to a ``uint8``.

    Example: ``gnp.packbits(mask)``"""
    a = _vals(a, "packbits")
    xp = _xp(a)
    if axis is None or xp is _np:
        return _result(xp.packbits(_arr(xp, a), axis=axis, bitorder=bitorder))
    return _result(_fb.packbits(xp, _arr(xp, a), axis, bitorder))  # CuPy's packbits has no axis


def unpackbits(a: Any, /, axis: int | None = None, count: int | None = None,
               bitorder: str = "big") -> Any:
    """The bits of a ``uint8`` array, one per element.

    Example: ``gnp.unpackbits(gnp.packbits(mask))``"""
    a = _vals(a, "unpackbits")
    xp = _xp(a)
    if xp is _np:
        return _result(xp.unpackbits(_arr(xp, a), axis=axis, count=count, bitorder=bitorder))
    if axis is None and count is None:
        return _result(xp.unpackbits(_arr(xp, a), bitorder=bitorder))
    return _result(_fb.unpackbits(xp, _arr(xp, a), axis, count, bitorder))  # CuPy's: no axis, count


# ---- windows -----------------------------------------------------------------------------------

def _window(name: str, doc: str):
    def fn(M: int) -> Any:
        xp = _r._xp(None)
        # CuPy's window kernels compute in float32: other backends take NumPy's float64 steps
        return getattr(xp, name)(M) if xp is _np else _fb.window(xp, name, M)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The {doc} window of ``M`` points (a backend array). " \
                 f"Example: ``gnp.{name}(8)``"
    return fn


hamming = _window("hamming", "Hamming")
hanning = _window("hanning", "Hann")
bartlett = _window("bartlett", "Bartlett (triangular)")
blackman = _window("blackman", "Blackman")


def kaiser(M: int, beta: Any) -> Any:
    """The Kaiser window of ``M`` points, ``i0(beta sqrt(1 - (2n/(M-1) - 1)^2)) / i0(beta)``;
    differentiable in a Tensor ``beta``. Example: ``gnp.kaiser(8, beta)``"""
    if not (isinstance(beta, Tensor) or hasattr(beta, "dtype") and hasattr(beta, "shape")):
        xp = _r._xp(None)
        return xp.kaiser(M, float(beta)) if xp is _np else _fb.kaiser(xp, M, float(beta))
    from . import i0

    xp = _r._xp(beta)
    if _np.dtype(beta.dtype).kind not in "fc":
        beta = _r.astype(beta, _np.float64)
    if M < 1:
        return xp.zeros(0, dtype=beta.dtype) * beta
    if M == 1:
        return xp.ones(1, dtype=beta.dtype) + 0.0 * beta
    alpha = (M - 1) / 2.0
    n = xp.arange(M, dtype=beta.dtype)
    r = xp.sqrt(xp.clip(1.0 - ((n - alpha) / alpha) ** 2, 0.0, None))
    return i0(beta * r) / i0(beta)


__all__ = ["digitize", "isin", "lexsort", "unravel_index", "ravel_multi_index", "packbits",
           "unpackbits", "hamming", "hanning", "bartlett", "blackman", "kaiser"]
