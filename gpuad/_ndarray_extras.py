"""ndarray's ``flat`` and ``resize`` on a Tensor.

``Tensor.flat`` is NumPy's ``ndarray.flat`` (a ``numpy.flatiter``) over a Tensor.

Reads (``t.flat[i]``, ``t.flat[2:9:3]``, ``t.flat[[0, 5]]``, a boolean mask, iteration) are
recorded gathers from the Tensor's C-order elements, so they differentiate; as NumPy's, they
are copies (a later write into ``t`` does not show in them). Writes (``t.flat[idx] = v``) are
recorded in-place writes into ``t``, with NumPy's rule that the values are read in C order and
repeated (or cut) to the number of positions written. The positions an index picks, and the
errors for a bad one, are NumPy's own: the index is applied to the flat iterator of a host
array of positions.

Example::

    x = gpuad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.flat[4]            # Tensor(4.)
    y = x * 1.0
    y.flat[::2] = 0.0    # y is now [[0, 1, 0], [3, 0, 5]]
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as _np

from . import rules as _r
from .tensor import Tensor


def _host(idx: Any) -> Any:
    """The index with Tensors and device arrays read to the host (an index is a constant)."""
    if isinstance(idx, tuple):
        return tuple(_host(i) for i in idx)
    if isinstance(idx, list):
        return [_host(i) for i in idx]
    if isinstance(idx, Tensor):
        idx = idx.data
    if hasattr(idx, "get") and hasattr(idx, "__cuda_array_interface__"):  # a CuPy array
        idx = idx.get()
    return idx


def _positions(shape: tuple[int, ...], idx: Any) -> Any:
    """The C-order positions ``numpy.ndarray.flat[idx]`` reads (an int, or an int64 array
    of the result's shape); NumPy's exception where it refuses the index."""
    if idx.__class__ is int:  # the common case, without the host array of positions
        n = int(_np.prod(shape))
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of bounds for size {n}")
        return idx % n
    n = int(_np.prod(shape))
    if isinstance(idx, slice):
        return _np.arange(n)[idx]
    return _np.arange(n).reshape(shape).flat[_host(idx)]


class TensorFlatIter:
    """NumPy's ``flatiter`` over a Tensor ``base`` (``t.flat``); see the module docstring."""

    __slots__ = ("_base", "_i")

    def __init__(self, base: Tensor) -> None:
        self._base = base
        self._i = 0

    @property
    def base(self) -> Tensor:
        """The Tensor iterated over (NumPy's ``flatiter.base``)."""
        return self._base

    @property
    def index(self) -> int:
        """The position of the next element of an iteration (read-only, as NumPy's)."""
        return self._i

    @property
    def coords(self) -> tuple[int, ...]:
        """The index of the next element of an iteration in ``base``'s shape (NumPy's: past
        the end, the first index one past the last row)."""
        shp = tuple(int(n) for n in self._base.shape)
        out, i = [], self._i
        for n in reversed(shp[1:]):  # C order, the first axis not wrapped
            out.append(i % n if n else 0)
            i = i // n if n else 0
        return (i, *reversed(out)) if shp else ()

    def __len__(self) -> int:
        return int(_np.prod(self._base.shape))

    def __iter__(self) -> TensorFlatIter:
        return self

    def __next__(self) -> Tensor:
        if self._i >= len(self):
            raise StopIteration
        v = self[self._i]
        self._i += 1
        return v

    def _flat(self) -> Tensor:
        return _r.reshape(self._base, (-1,))

    def __getitem__(self, idx: Any) -> Tensor:
        pos = _positions(tuple(self._base.shape), idx)
        flat = self._flat()
        if isinstance(pos, int | _np.integer):
            return _r.copy(flat[int(pos)])
        xp = _r._xp(flat)
        return _r.copy(flat[xp.asarray(_np.asarray(pos, dtype=_np.intp))])

    def __setitem__(self, idx: Any, value: Any) -> None:
        t = self._base
        shp = tuple(t.shape)
        if idx.__class__ is not int:  # NumPy's refusals (flat[()] = v) and warnings, once
            _np.zeros(shp, _np.int8).flat[_host(idx)] = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pos = _np.atleast_1d(_np.asarray(_positions(shp, idx), dtype=_np.intp)).ravel()
        k = pos.size
        v = value if isinstance(value, Tensor) else _r._xp(t).asarray(_host(value),
                                                                      dtype=t.dtype)
        v = _r.reshape(v, (-1,))
        m = int(_np.prod(_r.shape(v)))
        if k == 0 or m == 0:
            return
        if m != k:  # NumPy's flat assignment repeats (or cuts) the values in C order
            v = v[_r._xp(t).asarray(_np.arange(k) % m)]
        if not shp:
            t[()] = v[0]
            return
        where = tuple(_r._xp(t).asarray(c) for c in _np.unravel_index(pos, shp))
        t[where] = v

    def __delitem__(self, idx: Any) -> None:
        raise TypeError("Cannot delete array elements (a flat iterator has a fixed length, "
                        "as NumPy's)")

    def copy(self) -> Tensor:
        """A flat copy of ``base`` (NumPy's ``flatiter.copy``)."""
        return _r.copy(self._flat())

    def __array__(self, dtype: Any = None, copy: Any = None) -> _np.ndarray:
        return self._flat().__array__(dtype, copy)

    def __repr__(self) -> str:
        return f"<flat iterator over a Tensor of shape {tuple(self._base.shape)}>"


def _flat(self: Tensor) -> TensorFlatIter:
    """NumPy's ``ndarray.flat``: an iterator over the elements in C order that reads and writes
    by flat position (``t.flat[3]``, ``t.flat[::2] = 0``), recorded on the tape."""
    return TensorFlatIter(self)


def _set_flat(self: Tensor, value: Any) -> None:
    self.flat[...] = value  # ``a.flat = v``: NumPy writes v into every element (repeated)


Tensor.flat = property(_flat, _set_flat)


def _resize(self: Tensor, *new_shape: Any, refcheck: bool = True) -> None:
    """NumPy's ``ndarray.resize``: ``self`` takes ``new_shape`` in place, keeping its first
    elements in C order and filling new ones with zeros (``t.resize(2, 3)``,
    ``t.resize((2, 3))``; ``t.resize()`` or ``t.resize(None)`` leaves it as it is). As
    torch's ``resize_`` (the same operation), a Tensor that requires grad, has a recorded
    history or is a view refuses (RuntimeError): use ``gnp.resize(t, shape)``, a new Tensor.

    Example: ``buf.resize(2, 3)``
    """
    from ._torch_methods import resize_
    from .prims.shapes import size_of

    if not isinstance(refcheck, bool | int | _np.bool_):
        raise TypeError(f"Tensor.resize: refcheck must be a boolean, got {refcheck!r}")
    if len(new_shape) == 1 and (new_shape[0] is None or isinstance(new_shape[0], tuple | list)):
        new_shape = tuple(self.shape) if new_shape[0] is None else tuple(new_shape[0])
    elif not new_shape:
        return None
    shape = tuple(size_of(n, "Tensor.resize") for n in new_shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"Tensor.resize: negative dimensions are not allowed, got {shape}")
    resize_(self, *shape)
    return None


Tensor.resize = _resize
