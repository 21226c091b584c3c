"""Collectives over named vmap axes, with ``jax.lax``'s names: ``psum``, ``all_gather``, ...

Inside ``gpuad.vmap(f, axis_name="i")`` each example plays one device of JAX's SPMD picture and
these functions communicate between them, as ``jax.vmap`` runs them. A value the same for every
example (``in_axes=None``, a constant) is a copy on each; ``psum`` of it is ``size * x``.
Results the same on every example (``psum``, ``pmean``, ``pmax``, ``pmin``, ``all_gather``) are
not batched, so ``out_axes=None`` may return them. They differentiate in both modes with
JAX's transpose rules: inside the vmap (``vmap(grad(f), axis_name="i")``) the cotangent of
``psum`` is ``psum`` of the cotangent, so a loss the same on every example counts once per
example; ``grad`` of the whole vmapped function differentiates the batched program.

``axis_name`` may be a tuple of names bound by nested vmaps for ``psum``, ``pmean``, ``pmax``,
``pmin``, ``axis_index`` and ``axis_size``. ``axis_index_groups`` is not supported.

Example::

    from gpuad import lax
    normalize = gpuad.vmap(lambda x: x / lax.psum(x, "i"), axis_name="i")
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .batching.named import batched_over, lookup, psum_level, pvary
from .tensor import Tensor
from .tree import tree_map

__all__ = ["psum", "pmean", "pmax", "pmin", "psum_scatter", "all_gather", "all_to_all",
           "ppermute", "pshuffle", "pbroadcast", "pswapaxes", "pargmax", "pargmin", "axis_index",
           "axis_size"]


def _names(axis_name: Any) -> tuple:
    return tuple(axis_name) if isinstance(axis_name, tuple | list) else (axis_name,)


def _one(axis_name: Any, op: str) -> tuple[int, int]:
    """(level, size) of the single name ``axis_name`` (a one-name tuple too)."""
    names = _names(axis_name)
    if len(names) != 1:
        raise NotImplementedError(
            f"{op}: a tuple of axis names {axis_name!r} is not supported under gpuad.vmap (as "
            f"under jax.vmap); call {op} once per name")
    return lookup(names[0], op)


def _binds(axis_name: Any, op: str) -> list[tuple[int, int]]:
    """(level, size) of each name; a tuple of names is one axis, the first name outermost."""
    binds = [lookup(n, op) for n in _names(axis_name)]
    if not binds:
        raise ValueError(f"{op}: axis_name must name at least one axis")
    return binds


def _size(binds) -> int:
    n = 1
    for _, size in binds:
        n *= size
    return n


def _no_groups(groups: Any, op: str) -> None:
    if groups is not None:
        raise NotImplementedError(
            f"{op}: axis_index_groups is not supported under gpuad.vmap (nor under jax.vmap); "
            f"mask with axis_index instead")


def _gnp():
    from . import numpy as gnp

    return gnp


def _is_array(x) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "shape") and hasattr(x, "dtype")


def _index(level: int, size: int):
    from ._raw import _xp

    return Tensor(_xp(None).arange(size, dtype=_np.int32), _bat=(level,))


def _index_all(binds):
    idx = None
    for level, size in binds:
        k = _index(level, size)
        idx = k if idx is None else idx * _np.int32(size) + k
    return idx


def axis_index(axis_name: Any):
    """The example's position along the named vmap axis (int32; a tuple of names gives the
    row-major position over those axes, outer name first), as ``jax.lax.axis_index``.

    Example: ``gpuad.vmap(lambda x: x * lax.axis_index("i"), axis_name="i")(gnp.ones(3))``
    """
    names = _names(axis_name)
    if not names:
        return _np.int32(0)
    return _index_all([lookup(n, "axis_index") for n in names])


def axis_size(axis_name: Any) -> int:
    """The number of examples along the named vmap axis (the product for a tuple), a Python
    int, as ``jax.lax.axis_size``.

    Example: ``gpuad.vmap(lambda x: x / lax.axis_size("i"), axis_name="i")(gnp.ones(3))``
    """
    n = 1
    for name in _names(axis_name):
        n *= lookup(name, "axis_size")[1]
    return n


def _positional(names) -> tuple[list, list]:
    """The names split into array axes (ints, as JAX's positional axes) and vmap axis names."""
    pos = [n for n in names if isinstance(n, int | _np.integer) and not isinstance(n, bool)]
    return pos, [n for n in names if not (isinstance(n, int | _np.integer)
                                          and not isinstance(n, bool))]


def _reduce_positional(x, pos, fn, op):
    if not pos:
        return x
    if not isinstance(x, Tensor):
        x = _gnp().asarray(x)
    axes = tuple(_axis(a, x.ndim, op, "a positional axis") for a in pos)
    return fn(x, axis=axes)


def _psum_leaf(x, names, op):
    pos, named = _positional(names)
    bindings = [lookup(n, op) for n in named]
    if not _is_array(x) and not pos:  # a Python number: every example holds it
        n = 1
        for _, size in bindings:
            n *= size
        return x * n
    if getattr(x, "dtype", None) == _np.bool_ or isinstance(x, bool):
        x = _gnp().astype(x, _np.int32)
    x = _reduce_positional(x, pos, lambda v, axis: _gnp().sum(v, axis=axis, dtype=v.dtype), op)
    for level, size in bindings:
        x = psum_level(x, level, size)
    return x


def psum(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The sum over the examples of the named vmap axis (every leaf of a pytree), the same for
    every example, as ``jax.lax.psum``; booleans are summed as int32, and a value the same
    for every example (a Python number too) gives ``size * x``.

    Example: ``gpuad.vmap(lambda x: x / lax.psum(x, "i"), axis_name="i")(gnp.arange(1., 4.))``
    """
    _no_groups(axis_index_groups, "psum")
    names = _names(axis_name)
    if not names:
        return x
    return tree_map(lambda leaf: _psum_leaf(leaf, names, "psum"), x)


def pmean(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The mean over the examples of the named vmap axis, as ``jax.lax.pmean``.

    Example: ``gpuad.vmap(lambda x: x - lax.pmean(x, "i"), axis_name="i")(gnp.arange(3.))``
    """
    _no_groups(axis_index_groups, "pmean")
    names = _names(axis_name)
    if not names:
        return x
    pos, named = _positional(names)
    n = 1
    for name in named:
        n *= lookup(name, "pmean")[1]

    def leaf(v):
        k = n
        for a in pos:  # positional axes count their lengths too
            k *= _np.shape(v)[_axis(a, _np.ndim(v), "pmean", "a positional axis")] \
                if not isinstance(v, Tensor) else v.shape[_axis(a, v.ndim, "pmean",
                                                                "a positional axis")]
        return _psum_leaf(v, names, "pmean") / k

    return tree_map(leaf, x)


def _gather(x, level: int, size: int):
    """Every example's ``x`` stacked along a new axis 0, the same for every example: the
    ``psum`` of ``x`` placed at the example's own row of zeros."""
    gnp = _gnp()
    if not isinstance(x, Tensor):
        x = gnp.asarray(x)
    mask = gnp.equal(gnp.arange(size), _index(level, size))
    mask = gnp.reshape(mask, (size,) + (1,) * x.ndim)
    rows = gnp.where(mask, gnp.expand_dims(x, 0), gnp.zeros((), x.dtype))
    return psum_level(rows, level, size)


def _gather_all(x, binds):
    """``_gather`` over several levels: one leading axis, the first name's examples outermost."""
    for level, size in reversed(binds):
        x = _gather(x, level, size)
    if len(binds) > 1:
        shp = tuple(x.shape)
        x = _gnp().reshape(x, (_size(binds),) + shp[len(binds):])
    return x


def _reduce(x, axis_name, op, fn):
    pos, named = _positional(_names(axis_name))

    def leaf(v):
        v = _reduce_positional(v, pos, fn, op)
        for name in named:
            level, size = lookup(name, op)
            if not _is_array(v):
                continue  # a Python number: the same on every example
            # a value the same on every example is reduced over its copies too (the same
            # value), so that its cotangent is shared among them as for any tie
            v = fn(_gather(v, level, size), axis=0)
        return v

    return tree_map(leaf, x)


def pmax(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The largest value over the examples of the named vmap axis, as ``jax.lax.pmax`` (whose
    derivative JAX does not define; gpuad's is that of ``gnp.max`` over the examples).

    Example: ``gpuad.vmap(lambda x: x / lax.pmax(x, "i"), axis_name="i")(gnp.arange(1., 4.))``
    """
    _no_groups(axis_index_groups, "pmax")
    return _reduce(x, axis_name, "pmax", _gnp().amax)


def pmin(x: Any, axis_name: Any, *, axis_index_groups: Any = None) -> Any:
    """The smallest value over the examples of the named vmap axis, as ``jax.lax.pmin``.

    Example: ``gpuad.vmap(lambda x: x - lax.pmin(x, "i"), axis_name="i")(gnp.arange(1., 4.))``
    """
    _no_groups(axis_index_groups, "pmin")
    return _reduce(x, axis_name, "pmin", _gnp().amin)


def _axis(axis: int, ndim: int, op: str, what: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, int | _np.integer) or \
            not -ndim <= axis < ndim:
        raise ValueError(f"{op}: {what}={axis!r} is out of range for {ndim} axes")
    return int(axis) % ndim


def all_gather(x: Any, axis_name: Any, *, axis_index_groups: Any = None, axis: int = 0,
               tiled: bool = False) -> Any:
    """Every example's ``x`` stacked along a new axis ``axis`` (concatenated along ``axis`` when
    ``tiled``), the same for every example, as ``jax.lax.all_gather``.

    Example: ``gpuad.vmap(lambda x: lax.all_gather(x, "i"), axis_name="i")(gnp.arange(3.))``
    """
    _no_groups(axis_index_groups, "all_gather")
    binds = _binds(axis_name, "all_gather")
    gnp = _gnp()

    def leaf(v):
        nd = len(_np.shape(v)) if not isinstance(v, Tensor) else v.ndim
        if tiled and nd == 0:
            raise ValueError("all_gather: tiled=True needs an array of at least one axis")
        ax = _axis(axis, nd if tiled else nd + 1, "all_gather", "axis")
        g = gnp.moveaxis(_gather_all(v, binds), 0, ax)
        if tiled:
            shp = tuple(g.shape)
            g = gnp.reshape(g, shp[:ax] + (shp[ax] * shp[ax + 1],) + shp[ax + 2:])
        return g

    return tree_map(leaf, x)


def _pick(a, binds, axis: int):
    """Entry ``axis_index`` of ``a`` along ``axis``: each example's own slice."""
    return _gnp().take(a, _index_all(binds), axis=axis)


def psum_scatter(x: Any, axis_name: Any, *, scatter_dimension: int = 0,
                 axis_index_groups: Any = None, tiled: bool = False) -> Any:
    """``psum(x)`` of which each example keeps its own entry along ``scatter_dimension`` (its
    own block of ``size`` equal blocks when ``tiled``), as ``jax.lax.psum_scatter``.

    Example: ``gpuad.vmap(lambda x: lax.psum_scatter(x, "i"), axis_name="i")(gnp.eye(3))``
    """
    _no_groups(axis_index_groups, "psum_scatter")
    binds = _binds(axis_name, "psum_scatter")
    size = _size(binds)
    gnp = _gnp()

    def leaf(v):
        if not isinstance(v, Tensor):
            v = gnp.asarray(v)
        d = _axis(scatter_dimension, v.ndim, "psum_scatter", "scatter_dimension")
        n = v.shape[d]
        if not tiled and n != size:
            raise ValueError(f"psum_scatter: x.shape[{d}] = {n} must equal the size of "
                             f"axis {axis_name!r} ({size}) unless tiled=True")
        if tiled and n % size:
            raise ValueError(f"psum_scatter: x.shape[{d}] = {n} must be divisible by the size "
                             f"of axis {axis_name!r} ({size}) when tiled")
        s = _psum_leaf(v, _names(axis_name), "psum_scatter")
        if not tiled:
            return _pick(s, binds, d)
        shp = tuple(s.shape)
        s = gnp.reshape(s, shp[:d] + (size, n // size) + shp[d + 1:])
        return _pick(s, binds, d)

    return tree_map(leaf, x)


def all_to_all(x: Any, axis_name: Any, split_axis: int, concat_axis: int, *,
               axis_index_groups: Any = None, tiled: bool = False) -> Any:
    """Each example's ``x`` split along ``split_axis`` into ``size`` parts, part ``j`` sent to
    example ``j``, which stacks what it receives along ``concat_axis`` (concatenates when
    ``tiled``), as ``jax.lax.all_to_all``.

    Example: ``gpuad.vmap(lambda x: lax.all_to_all(x, "i", 0, 0), axis_name="i")(X)``
    """
    _no_groups(axis_index_groups, "all_to_all")
    binds = _binds(axis_name, "all_to_all")
    size = _size(binds)
    gnp = _gnp()

    def leaf(v):
        if not isinstance(v, Tensor):
            v = gnp.asarray(v)
        nd = v.ndim
        sa = _axis(split_axis, nd, "all_to_all", "split_axis")
        ca = _axis(concat_axis, nd, "all_to_all", "concat_axis")
        n = v.shape[sa]
        if not tiled and n != size:
            raise ValueError(f"all_to_all: x.shape[split_axis] = {n} must equal the size "
                             f"of axis {axis_name!r} ({size})")
        if tiled and n % size:
            raise ValueError(f"all_to_all: x.shape[split_axis] = {n} must be divisible by the "
                             f"size of axis {axis_name!r} ({size}) when tiled")
        g = _gather_all(v, binds)  # (sender, *x.shape)
        if not tiled:
            return gnp.moveaxis(_pick(g, binds, sa + 1), 0, ca)
        shp = tuple(g.shape)
        g = gnp.reshape(g, shp[:sa + 1] + (size, n // size) + shp[sa + 2:])
        g = gnp.moveaxis(_pick(g, binds, sa + 1), 0, ca)
        shp = tuple(g.shape)
        return gnp.reshape(g, shp[:ca] + (shp[ca] * shp[ca + 1],) + shp[ca + 2:])

    return tree_map(leaf, x)


def pswapaxes(x: Any, axis_name: Any, axis: int, *, axis_index_groups: Any = None) -> Any:
    """``all_to_all(x, axis_name, axis, axis)``, as ``jax.lax.pswapaxes``."""
    return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)


def ppermute(x: Any, axis_name: Any, perm: Any) -> Any:
    """Example ``dst`` receives the ``x`` of example ``src`` for each pair ``(src, dst)`` of
    ``perm``; an example no pair sends to receives zeros, as ``jax.lax.ppermute`` documents.

    Example: ``gpuad.vmap(lambda x: lax.ppermute(x, "i", [(0, 1), (1, 2), (2, 0)]),
    axis_name="i")(gnp.arange(3.))``
    """
    level, size = _one(axis_name, "ppermute")
    pairs = [tuple(int(a) for a in p) for p in perm]
    if any(len(p) != 2 for p in pairs):
        raise ValueError(f"ppermute: perm must be (source, destination) pairs, got {perm!r}")
    srcs, dsts = [p[0] for p in pairs], [p[1] for p in pairs]
    if len(set(srcs)) != len(srcs) or len(set(dsts)) != len(dsts):
        raise ValueError(f"ppermute sources and destinations must be unique, got {perm!r}")
    if any(not 0 <= i < size for i in srcs + dsts):
        raise ValueError(f"ppermute: perm {perm!r} names an index outside axis "
                         f"{axis_name!r} of size {size}")
    source = _np.full(size, -1, dtype=_np.int64)
    for s, d in pairs:
        source[d] = s
    gnp = _gnp()
    me = _index(level, size)
    src = gnp.take(gnp.asarray(_np.maximum(source, 0)), me)

    def leaf(v):
        out = gnp.take(_gather(v, level, size), src, axis=0)
        if len(pairs) < size:
            got = gnp.take(gnp.asarray(source >= 0), me)
            out = gnp.where(gnp.reshape(got, (1,) * out.ndim), out,
                            gnp.zeros((), out.dtype))
        return out

    return tree_map(leaf, x)


def pshuffle(x: Any, axis_name: Any, perm: Any) -> Any:
    """Example ``i`` receives the ``x`` of example ``perm[i]``, as ``jax.lax.pshuffle``."""
    perm = [int(p) for p in perm]
    if set(perm) != set(range(len(perm))):
        raise ValueError(f"`perm` does not represent a permutation: {perm}")
    return ppermute(x, axis_name, list(zip(perm, range(len(perm)), strict=True)))


def pbroadcast(x: Any, axis_name: Any, source: int) -> Any:
    """Every example receives the ``x`` of example ``source``, as ``jax.lax.pbroadcast``.

    Example: ``gpuad.vmap(lambda x: lax.pbroadcast(x, "i", 0), axis_name="i")(gnp.arange(3.))``
    """
    level, size = _one(axis_name, "pbroadcast")
    if not 0 <= source < size:
        raise ValueError(f"pbroadcast: source={source} is outside axis {axis_name!r} of size "
                         f"{size}")
    gnp = _gnp()
    me = _index(level, size)

    def leaf(v):
        if not isinstance(v, Tensor):
            v = gnp.asarray(v)
        mine = gnp.where(gnp.equal(me, source), v, gnp.zeros((), v.dtype))
        s = psum_level(mine, level, size)
        return pvary(s, level, size) if batched_over(v, level) else s

    return tree_map(leaf, x)


def _arg(x, axis_name, op, pick):
    if isinstance(axis_name, tuple | list):
        raise TypeError(f"{op} only accepts a single axis, got {axis_name!r}")
    level, size = lookup(axis_name, op)
    gnp = _gnp()
    me = _index(level, size)

    def leaf(v):
        best = pick(v, axis_name)
        mine = gnp.where(gnp.equal(v, best), me, _np.int32(_np.iinfo(_np.int32).max))
        return pmin(mine, axis_name)

    return tree_map(leaf, x)


def pargmax(x: Any, axis_name: Any) -> Any:
    """The position along the named vmap axis of the example holding the largest ``x`` (the
    first among equals), as ``jax.lax``'s ``pargmax``."""
    return _arg(x, axis_name, "pargmax", pmax)


def pargmin(x: Any, axis_name: Any) -> Any:
    """The position along the named vmap axis of the example holding the smallest ``x`` (the
    first among equals), as ``jax.lax``'s ``pargmin``."""
    return _arg(x, axis_name, "pargmin", pmin)
