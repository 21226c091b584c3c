"""JAX's functional index updates: ``x.at[i].set(v)``, ``.add``, ``.multiply``, ``.min``, ...

``Tensor.at`` (and :func:`at`, which also takes a raw array) returns an :class:`AtIndexer`;
indexing it gives an :class:`AtRef` whose methods return a NEW array and never write into
``x``. Every method is made of recorded gpuad steps (gathers, scatter-adds and index updates
whose index arrays are arguments, ``gpuad/prims/dynindex.py``), so reverse and forward mode,
higher orders, ``vmap`` (over the array, the values or the indices) and ``gpuad.jit`` see
ordinary operations.

How it works: the index is checked and made non-negative, then ``get``, ``set`` and ``add``
are one gather, index update or scatter-add on ``x``. With ``mode="drop"``, and for the ops
applied once per occurrence with an index array, the selected positions are numbered by their
flat position in ``x`` (a gather from a table of positions; a dropped update names one extra
slot past the end, discarded at the end) and the method works on ``x`` flattened plus that
slot.

- ``add``/``subtract``: one scatter-add; every occurrence of a repeated index adds.
- ``set``: one index update; of repeated indices the last (in the index's C order) is kept,
  on every backend, and only that value receives a gradient.
- ``multiply``/``divide``/``power``/``min``/``max``/``apply``: applied once per occurrence,
  in index order, as ``numpy.multiply.at`` does: round ``r`` updates the ``r``-th occurrence
  of every position, so the number of rounds is the largest number of times one position
  repeats (read on the host: an index computed from a ``gpuad.jit`` function's arguments
  that repeats needs ``unique_indices=True`` there, which is checked).

Out-of-range indices raise ``IndexError`` (the op and the shapes named), also for
``mode=None`` and ``"promise_in_bounds"``; ``mode="drop"`` (alias ``"fill"``) leaves an
out-of-range update out, ``mode="clip"`` moves the index into range, and ``get(mode="fill",
fill_value=...)`` returns ``fill_value`` (by default NaN, or the integer type's extreme) there.

Example::

    y = x.at[idx].add(v)          # x unchanged; y[idx] accumulates every v
    y = gpuad.at(gnp.zeros(3))[0].set(1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from ._raw import _xp, shape
from .tensor import Tensor

_MODES = (None, "promise_in_bounds", "clip", "drop", "fill")


class AtIndexer:
    """``x.at``: index it (``x.at[i]``) to get an :class:`AtRef`."""

    __slots__ = ("_x",)

    def __init__(self, x):
        self._x = x

    def __getitem__(self, index) -> AtRef:
        return AtRef(self._x, index)

    def __repr__(self) -> str:
        return f"<at of an array of shape {shape(self._x)}>"


def at(x) -> AtIndexer:
    """JAX's ``x.at`` for a Tensor or a raw array (``gnp.zeros`` returns a raw array).

    Example: ``gpuad.at(gnp.zeros((3, 2)))[0].set(v)``
    """
    return AtIndexer(x if isinstance(x, Tensor) else Tensor(_xp(x).asarray(x)))


class AtRef:
    """``x.at[index]``: each method returns a new array (``x`` is never written)."""

    __slots__ = ("_x", "_index")

    def __init__(self, x, index):
        self._x = x
        self._index = index

    def __repr__(self) -> str:
        return f"<at[{self._index!r}] of an array of shape {shape(self._x)}>"

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None, fill_value: Any = None):
        """``x[index]``; ``mode="fill"`` returns ``fill_value`` at out-of-range indices."""
        from . import numpy as gnp

        s = _Selection(self._x, self._index, "get", mode)
        if s.nodrop:
            return s.take(s.x)
        return gnp.reshape(_take(s.flat(_fill(self._x.dtype, fill_value)), s.pid), s.sel)

    def set(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """``x`` with ``x[index] = values`` (of repeated indices the last is kept)."""
        from .prims.dynindex import Slot, update_index

        s = _Selection(self._x, self._index, "set", mode)
        if unique_indices:
            s.ranks(True)  # the promise checked: a repeat raises ValueError
        if s.nodrop:
            return update_index(s.x, s.values(values, flat=False), *s.arrays,
                                template=s.template)
        out = update_index(s.flat(), s.values(values), s.pid, template=(Slot(0),))
        return s.unflat(out)

    def add(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """``x`` with ``values`` added at ``index``; a repeated index adds every occurrence."""
        return self._add(values, mode, "add", False, unique_indices)

    def subtract(self, values, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None):
        """``x`` with ``values`` subtracted at ``index`` (every occurrence)."""
        return self._add(values, mode, "subtract", True, unique_indices)

    def multiply(self, values, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: str | None = None):
        """``x`` with ``x[index] *= values`` for every occurrence of an index."""
        from . import numpy as gnp

        return self._rounds(values, gnp.multiply, "multiply", mode, unique_indices)

    mul = multiply

    def divide(self, values, *, indices_are_sorted: bool = False,
               unique_indices: bool = False, mode: str | None = None):
        """``x`` with ``x[index] /= values`` for every occurrence of an index."""
        from . import numpy as gnp

        return self._rounds(values, gnp.divide, "divide", mode, unique_indices)

    def power(self, values, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: str | None = None):
        """``x`` with ``x[index] **= values`` for every occurrence of an index."""
        from . import numpy as gnp

        return self._rounds(values, gnp.power, "power", mode, unique_indices)

    def min(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """``x`` with ``x[index] = minimum(x[index], values)`` for every occurrence."""
        from . import numpy as gnp

        return self._rounds(values, gnp.minimum, "min", mode, unique_indices)

    def max(self, values, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: str | None = None):
        """``x`` with ``x[index] = maximum(x[index], values)`` for every occurrence."""
        from . import numpy as gnp

        return self._rounds(values, gnp.maximum, "max", mode, unique_indices)

    def apply(self, func, *, indices_are_sorted: bool = False, unique_indices: bool = False,
              mode: str | None = None):
        """``x`` with ``func`` (elementwise, e.g. ``gnp.sin``) applied at ``index``, once
        per occurrence."""
        if not callable(func):
            raise TypeError(f"x.at[...].apply: expected a function such as gnp.sin, got "
                            f"{type(func).__name__}")
        return self._rounds(None, lambda cur, _: func(cur), "apply", mode, unique_indices)

    # ---- the two ways updates are made --------------------------------------------------
    def _add(self, values, mode, op: str, negate: bool, unique: bool = False):
        from . import numpy as gnp
        from .prims.dynindex import Slot, scatter_index

        s = _Selection(self._x, self._index, op, mode)
        _check_cast(op, values, s.x.dtype)
        if unique:
            s.ranks(True)  # the promise checked: a repeat raises ValueError
        v = s.values(values, flat=not s.nodrop)
        if negate:
            v = gnp.negative(v)
        if s.nodrop:
            delta = scatter_index(v, *s.arrays, template=s.template, shape=s.shape)
            return s.cast(gnp.add(s.x, delta))
        delta = scatter_index(v, s.pid, template=(Slot(0),), shape=(s.n + 1,))
        return s.cast(s.unflat(gnp.add(s.flat(), delta)))

    def _rounds(self, values, fn, op: str, mode, unique: bool):
        from . import numpy as gnp
        from .prims.dynindex import Slot, take_index, update_index

        s = _Selection(self._x, self._index, op, mode)
        if values is not None:
            _check_cast(op, values, s.x.dtype)
        if s.nodrop and not s.arrays:  # slices and integers: no position repeats
            v = None if values is None else s.values(values, flat=False)
            new = s.cast(fn(s.take(s.x), v))
            return update_index(s.x, new, template=s.template)
        v = None if values is None else s.values(values)
        out = s.flat(1)  # the extra slot: 1, where every op is defined
        ranks = s.ranks(unique)
        for r in range(len(ranks) if ranks else 1):
            pid = s.pid if not ranks else ranks[r]
            cur = take_index(out, pid, template=(Slot(0),), shape=(s.n + 1,))
            vr = v
            if v is not None and (ranks or not s.nodrop):
                # an update sent to the extra slot computes with 1, not its value: a value
                # outside the op's domain there (a division by 0) would make its gradient NaN
                vr = gnp.where(pid != s.n, v, _np.ones((), dtype=self._x.dtype))
            new = s.cast(fn(cur, vr))
            out = update_index(out, new, pid, template=(Slot(0),))
        return s.unflat(out)


_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _check_cast(op: str, values, dtype) -> None:
    """NumPy's ``same_kind`` rule of ``numpy.add.at`` (and JAX's refusal): the update must not
    need a cast to a lower kind (a float added into an integer array raised there, and was
    truncated here: ``x.at[0].add(2.7)`` gave 2)."""
    dt = _np.dtype(dtype)
    if op == "divide" and dt.kind in "biu":
        raise TypeError(f"x.at[...].divide: the quotient is a float and the array is {dt}; "
                        f"cast the array first (x.astype(float).at[...].divide(...))")
    vdt = getattr(values, "dtype", None)
    if vdt is not None:
        ok = _np.can_cast(_np.dtype(vdt), dt, "same_kind")
        vname = str(_np.dtype(vdt))
    else:  # a Python scalar (or list): only its kind matters, as a weak type
        kind = _np.asarray(values).dtype.kind
        ok = kind not in _KIND_ORDER or _KIND_ORDER[kind] <= _KIND_ORDER.get(dt.kind, 3)
        vname = f"Python {type(values).__name__}"
    if not ok:
        raise TypeError(f"x.at[...].{op}: cannot cast the update values ({vname}) to the "
                        f"array's dtype {dt} under NumPy's 'same_kind' rule; cast the values "
                        f"or the array first")


def _fill(dtype, fill_value):
    dt = _np.dtype(dtype)
    if fill_value is not None:
        return fill_value
    if dt.kind in "fc":
        return _np.nan
    if dt.kind == "i":
        return _np.iinfo(dt).min
    if dt.kind == "u":
        return _np.iinfo(dt).max
    return True


def _take(flat, pid):
    from .prims.dynindex import Slot, take_index

    return take_index(flat, pid, template=(Slot(0),), shape=shape(flat))


class _Selection:
    """The positions ``x.at[index]`` selects, as flat positions ``pid`` (shape ``sel``, the
    shape of ``x[index]``) into ``x`` flattened plus one slot (``n``) for dropped updates."""

    def __init__(self, x, index, op: str, mode):
        if mode not in _MODES:
            raise ValueError(f"x.at[...].{op}: mode must be one of {_MODES[1:]} or None, "
                             f"not {mode!r}")
        if not isinstance(x, Tensor):
            x = Tensor(_xp(x).asarray(x))
        self.x, self.op = x, op
        self.shape = shp = shape(x)
        self.n = int(_np.prod(shp, dtype=_np.int64))
        self.mode = "drop" if mode == "fill" else mode
        self.nodrop = True
        self.template, self.arrays = self._normalize(index)
        self._pid = None

    @property
    def pid(self):
        """The flat positions selected (raveled; ``sel`` is their shape), from a table of
        positions with one more entry per axis, where dropped indices land."""
        if self._pid is None:
            from . import numpy as gnp
            from .prims.dynindex import take_index

            shp, n = self.shape, self.n
            xp = _xp(self.x)
            table = xp.full(tuple(d + 1 for d in shp), n, dtype=_np.intp)
            table[tuple(slice(0, d) for d in shp)] = xp.arange(n, dtype=_np.intp).reshape(shp)
            self._pid = gnp.reshape(take_index(table, *self.arrays, template=self.template,
                                               shape=table.shape), (-1,))
        return self._pid

    @property
    def sel(self) -> tuple:
        """The shape of ``x[index]`` (of one example inside vmap)."""
        from .prims.dynindex import fill

        probe = [_np.zeros(shape(a), dtype=_np.intp) for a in self.arrays]
        padded = tuple(d + 1 for d in self.shape)  # (a dropped integer index is the pad)
        return _np.empty(padded, dtype=bool)[fill(self.template, probe)].shape

    def take(self, x):
        """``x[index]`` with the index checked (within ``x``'s shape) and made non-negative."""
        from .prims.dynindex import take_index

        if not self.arrays:
            from . import numpy as gnp

            return gnp.getitem(x, self.template)
        return take_index(x, *self.arrays, template=self.template, shape=self.shape)

    def cast(self, y):
        return y if getattr(y, "dtype", None) == self.x.dtype else _astype(y, self.x.dtype)

    def where(self) -> str:
        return f"x.at[...].{self.op} on an array of shape {self.shape}"

    def _normalize(self, index):
        """The index with every bound checked and made non-negative (dropped: the pad)."""
        from .prims.dynindex import Slot, split_index

        template, arrays = split_index(index, len(self.shape), f"x.at[...].{self.op}",
                                       self.shape)
        self.index_arrays = arrays
        dims = [e for e in template if e is not None]
        if len(dims) > len(self.shape):
            raise IndexError(f"{self.where()}: too many indices ({len(dims)}) for an array "
                             f"of {len(self.shape)} dimensions")
        out: list = []
        new_arrays = list(arrays)
        ax = 0
        for e in template:
            if e is None:
                out.append(None)
                continue
            d = self.shape[ax]
            if isinstance(e, slice):
                start, stop, step = e.indices(d)
                if start < 0 or stop < 0:  # (an empty or backward slice to the beginning)
                    stop = None if start >= 0 else 0
                    start = max(start, 0)
                out.append(slice(start, stop, step))
            elif isinstance(e, Slot):
                new_arrays[e.k] = self._array(arrays[e.k], d, ax)
                out.append(e)
            else:
                out.append(self._int(int(e), d, ax))
            ax += 1
        out.extend(slice(0, d) for d in self.shape[ax:])  # (the table has one more per axis)
        return tuple(out), new_arrays

    def _out_of_range(self, i, d: int, ax: int) -> IndexError:
        fix = ("mode='fill' to read fill_value (NaN by default) there" if self.op == "get"
               else "mode='drop' to leave such updates out")
        return IndexError(f"{self.where()}: index {i} is out of bounds for axis {ax} with size "
                          f"{d}; pass {fix} or mode='clip' to clamp them")

    def _int(self, i: int, d: int, ax: int) -> int:
        if -d <= i < d:
            return i + d if i < 0 else i
        if self.mode == "clip":
            return min(max(i + d if i < 0 else i, 0), d - 1) if d else 0
        if self.mode == "drop":
            self.nodrop = False
            return d
        raise self._out_of_range(i, d, ax)

    def _array(self, a, d: int, ax: int):
        from . import _value_checks as vc
        from . import numpy as gnp

        dt = getattr(a, "dtype", None)
        if dt is None or _np.dtype(dt).kind not in "iu":
            raise IndexError(f"{self.where()}: indices must be integers, slices, None, "
                             f"Ellipsis, or integer or boolean arrays, not "
                             f"{dt or type(a).__name__}")
        if self.mode in (None, "promise_in_bounds") and not isinstance(a, Tensor) and \
                not vc.tracing():  # (a constant index array: the checks without recording)
            bad = (a < -d) | (a >= d)
            if bad.any():
                raise self._out_of_range(a[bad].ravel()[0], d, ax)
            return _xp(a).where(a < 0, a + d, a) if (a < 0).any() else a
        if self.mode in (None, "promise_in_bounds"):
            vc.run(vc.Check("at_index_range", lambda xp, a: (a < -d) | (a >= d),
                            lambda count, first: self._out_of_range(first, d, ax),
                            values=lambda xp, a: a), a)
        # gnp's functions, not the array's operators: under gpuad.jit an index array that is
        # an argument must be wrapped and dropped by the program (an operator on the raw
        # array would freeze the traced call's answers into it)
        wrapped = gnp.where(gnp.less(a, 0), gnp.add(a, d), a)
        if self.mode != "drop":
            # (also after the check: on a CUDA graph it is read after the launch, and the
            # kernels must not meet an index out of range before)
            return gnp.clip(wrapped, 0, max(d - 1, 0))
        self.nodrop = False
        return gnp.where(gnp.logical_or(gnp.less(a, -d), gnp.greater_equal(a, d)), d, wrapped)

    # ---- values and results ---------------------------------------------------------------
    def flat(self, pad: Any = 0):
        """``x`` flattened with one slot more (holding ``pad``)."""
        from . import numpy as gnp

        x = self.x
        extra = _xp(x).full((1,), pad, dtype=x.dtype)
        return gnp.concatenate([gnp.reshape(x, (-1,)), extra])

    def unflat(self, flat):
        from . import numpy as gnp

        return gnp.reshape(flat[: self.n], self.shape)

    def values(self, v, flat: bool = True):
        """``v`` in ``x``'s dtype, broadcast to the selection (and flattened)."""
        from . import numpy as gnp

        dt = self.x.dtype
        if not isinstance(v, Tensor):
            v = _xp(self.x).asarray(v, dtype=dt) if getattr(v, "dtype", None) is None else v
        if _np.dtype(getattr(v, "dtype", dt)) != dt:
            v = gnp.astype(v, dt)
        sel = self.sel
        try:
            v = gnp.broadcast_to(v, sel)
        except ValueError as e:
            raise ValueError(f"{self.where()}: values of shape {shape(v)} do not broadcast to "
                             f"the selection's shape {sel}") from e
        return gnp.reshape(v, (-1,)) if flat else v

    def ranks(self, unique: bool) -> list | None:
        """For the ops applied once per occurrence: per round ``r``, the flat positions with
        every update but the ``r``-th occurrence of its position sent to the extra slot.
        None when no position can repeat (no index array) or ``unique`` is promised."""
        if not self.arrays:
            return None
        from . import _value_checks as vc
        from . import numpy as gnp

        pid = self.pid
        raw = pid._data if isinstance(pid, Tensor) else pid
        bat = pid._bat if isinstance(pid, Tensor) else None
        n = self.n
        if unique:
            rank = vc.computed("at_occurrence", lambda p: _occurrence(_xp(p), p, n), raw)
            vc.run(vc.Check("at_unique_indices", lambda xp, r: r > 0, lambda count, first:
                            ValueError(f"{self.where()}: unique_indices=True was passed but "
                                       f"{count} updates repeat a position")), rank)
            return None
        if vc.tracing():
            # the rounds follow the index's values: under gpuad.jit the program keeps them
            # (an index computed from the arguments raises TracerError here)
            vc.host_read(f"{self.where()}: the index, whose repeats set the number of rounds "
                         f"(pass unique_indices=True when the indices are unique)",
                         *(a._data if isinstance(a, Tensor) else a for a in self.index_arrays))
        rank = _occurrence(_xp(raw), raw, n)
        rounds = int(rank.max()) + 1 if rank.size else 1
        if rounds == 1:
            return None
        rank_t = Tensor(rank, _bat=bat)
        return [gnp.where(rank_t == r, pid, n) for r in range(rounds)]


def _occurrence(xp, p, n: int):
    """For flat positions ``p`` (..., m): how many earlier entries of its row name the same
    position (0 for the extra slot ``n``)."""
    if p.shape[-1] == 0:
        return xp.zeros(p.shape, dtype=_np.intp)
    m = p.shape[-1]
    rows = p.reshape(-1, m).astype(_np.int64)
    order = xp.argsort(rows, axis=-1, kind="stable")
    srt = xp.take_along_axis(rows, order, axis=-1)
    offs = xp.arange(rows.shape[0], dtype=_np.int64)[:, None] * (n + 2)
    flat = (srt + offs).reshape(-1)
    first = xp.searchsorted(flat, flat, side="left").reshape(rows.shape)
    first -= xp.arange(rows.shape[0], dtype=_np.int64)[:, None] * m
    rank_sorted = xp.arange(m, dtype=_np.int64)[None, :] - first
    rank = xp.take_along_axis(rank_sorted, xp.argsort(order, axis=-1), axis=-1)
    rank[rows == n] = 0
    return rank.reshape(p.shape)


def _astype(y, dtype):
    from . import numpy as gnp

    return gnp.astype(y, dtype)
