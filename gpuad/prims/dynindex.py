"""Indexing whose index arrays are arguments of the step, not constants of it.

``getitem``/``scatter``/``index_update`` (gpuad/prims/indexing.py) keep their index in the
step's parameters. Inside ``vmap`` an index computed per example (``x[gnp.argmax(x)]``,
``gnp.take_along_axis(x, gnp.argsort(x), 0)``) is itself a batched value, so it must be an
argument for the batching machinery to see it: these three primitives take the index as a
``template`` (slices, ``None`` and ints, with a :class:`Slot` where an array goes) plus the
index arrays as trailing arguments. Their batch rules (gpuad/batching/rules_indexing.py) add an
``arange`` over the batch to the index: one gather or scatter for the whole batch.

Example (what ``x[i]`` records inside ``vmap`` when ``i`` is batched)::

    take_index(x, i, template=(Slot(0),), shape=x.shape)

All three are linear with real coefficients in the values they move, so their formulas hold
for complex values as written (``cplx="own"``).
"""

from __future__ import annotations

import numpy as _np

from .._raw import _xp, shape
from ..tensor import Tensor
from .core import prim


class Slot:
    """The place of index array ``k`` (the ``k``-th array argument) in a template."""

    __slots__ = ("k",)

    def __init__(self, k: int):
        self.k = k

    def __repr__(self) -> str:
        return f"Slot({self.k})"


def fill(template, arrays) -> tuple:
    """The NumPy index that ``template`` stands for, given its index arrays."""
    return tuple(arrays[e.k] if isinstance(e, Slot) else e for e in template)


def _take_fwd(xp, x, *arrays, template, shape):
    return x[fill(template, arrays)]


def _scatter_fwd(xp, g, *arrays, template, shape):
    out = xp.zeros(shape, dtype=g.dtype)
    if g.size:
        from ..backends import _by_array_type

        _by_array_type[type(out)].index_add(out, fill(template, arrays), g)
    return out


def _update_fwd(xp, x, v, *arrays, template):
    from .indexing import _update_fwd as write

    return write(xp, x, v, fill(template, arrays))


def _none(n):
    return [None] * n


def _take_vjp(g, ans, inputs, p, need):
    x, *arrays = inputs
    out = _none(len(inputs))
    if need[0]:
        out[0] = scatter_index(g, *arrays, template=p["template"], shape=p["shape"])
    return out


def _scatter_vjp(g, ans, inputs, p, need):
    gg, *arrays = inputs
    out = _none(len(inputs))
    if need[0]:
        out[0] = take_index(g, *arrays, template=p["template"], shape=p["shape"])
    return out


def kept_writes(arrays, template, shape_, sel_shape, like):
    """For ``out[index] = v``: True at each selected position whose write is the one NumPy
    keeps (with a repeated index only the last write survives); batches like its arrays."""
    xp = _xp(like)
    n = int(_np.prod(sel_shape, dtype=_np.int64))
    dt = xp.int32 if n < 2**31 - 1 else xp.int64
    ids = xp.arange(1, n + 1, dtype=dt).reshape(sel_shape)
    owner = update_index(xp.zeros(shape_, dtype=dt), ids, *arrays, template=template)
    return equal(take_index(owner, *arrays, template=template, shape=shape_), ids)


def _update_vjp(g, ans, inputs, p, need):
    x, v, *arrays = inputs
    t = p["template"]
    out = _none(len(inputs))
    if need[0]:
        out[0] = update_index(g, 0, *arrays, template=t)
    if need[1]:
        r = take_index(g, *arrays, template=t, shape=shape(g))
        out[1] = multiply(r, kept_writes(arrays, t, shape(g), shape(r), g))
    return out


def _update_jvp(i, t, ans, x, v, *arrays, template):
    if i == 0:
        return update_index(t, 0, *arrays, template=template)
    if i == 1:
        z = _xp(t).zeros(shape(ans), dtype=(t._data if isinstance(t, Tensor) else t).dtype)
        return update_index(z, t, *arrays, template=template)
    return None


def _arrays_only(first: int):
    """Saved values: the index arrays (inputs ``first``... ; slot k is input k - 1)."""
    return lambda mask, nargs: tuple(range(first + 1, nargs + 1))


take_index = prim("take_index", _take_fwd, vjp_all=_take_vjp,
                  jvp_n=lambda i, t, ans, x, *arrays, template, shape: take_index(
                      t, *arrays, template=template, shape=shape) if i == 0 else None,
                  saves=_arrays_only(1), cplx="own")
scatter_index = prim("scatter_index", _scatter_fwd, vjp_all=_scatter_vjp,
                     jvp_n=lambda i, t, ans, g, *arrays, template, shape: scatter_index(
                         t, *arrays, template=template, shape=shape) if i == 0 else None,
                     saves=_arrays_only(1), cplx="own")
update_index = prim("update_index", _update_fwd, vjp_all=_update_vjp, jvp_n=_update_jvp,
                    saves=_arrays_only(2), cplx="own")


def split_index(index, nd: int, where: str, dims: tuple | None = None):
    """``(template, arrays)`` for ``index`` on an array of ``nd`` dimensions (one example's):
    lists and unbatched Tensors become arrays, the Ellipsis is spelled out, and a boolean mask
    becomes its integer arrays (``nonzero``), which needs one that is the same for every
    example: a batched mask selects a number of elements that depends on the data. With the
    array's shape ``dims``, a mask must match the axes it covers (``IndexError`` otherwise, as
    NumPy and JAX: its ``nonzero`` positions would otherwise be read as integer indices,
    clamped or dropped by ``x.at[...]``'s modes)."""
    from .indexing import _as_index_array, check_list_index

    check_list_index(index, where)
    if not isinstance(index, tuple):
        index = (index,)
    used = 0
    for i in index:
        if i is None or i is Ellipsis:
            continue
        k = getattr(i, "dtype", None)
        used += len(shape(i)) if k is not None and k.kind == "b" else 1
    template: list = []
    arrays: list = []
    ax = 0  # the axis of the array the next index entry covers
    for i in index:
        if i is Ellipsis:
            template.extend([slice(None)] * (nd - used))
            ax += nd - used
            continue
        if i is None or isinstance(i, slice):
            template.append(i)
            ax += i is not None
            continue
        k = getattr(i, "dtype", None)
        if dims is not None and k is not None and k.kind == "b":
            covered = tuple(dims[ax:ax + len(shape(i))])
            for j, (m, d) in enumerate(zip(shape(i), covered, strict=False)):
                if m != d:
                    raise IndexError(
                        f"{where}: boolean index did not match indexed array along axis "
                        f"{ax + j}; size of axis is {d} but size of corresponding boolean "
                        f"axis is {m}")
        ax += len(shape(i)) if k is not None and k.kind == "b" else 1
        if i is True or i is False:
            raise IndexError(f"{where}: a Python bool in an index together with a batched "
                             f"index array is not supported inside vmap")
        if isinstance(i, int | _np.integer):
            template.append(int(i))
            continue
        if isinstance(i, list):
            i = _as_index_array(i)
        if isinstance(i, Tensor):
            if i._bat is None:
                i = i._data
            elif i.dtype.kind == "b":
                raise IndexError(
                    f"{where}: a boolean mask that differs from example to example selects a "
                    f"number of elements that depends on the data, so the examples' results "
                    f"would have different shapes, which vmap cannot stack. Keep the shape "
                    f"fixed instead: gnp.where(mask, x, 0) (then a sum), or gnp.sort / "
                    f"gnp.argsort with take_along_axis to bring the selected entries first")
        if getattr(i, "dtype", None) is not None and i.dtype.kind == "b" and not (
                isinstance(i, Tensor)):
            for a in _xp(i).nonzero(i):
                template.append(Slot(len(arrays)))
                arrays.append(a)
            continue
        template.append(Slot(len(arrays)))
        arrays.append(i)
    return tuple(template), arrays


from .elementwise import multiply  # noqa: E402
from .nondiff import equal  # noqa: E402
