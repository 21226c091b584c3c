"""``gpuad.vmap``: run a function over a batch axis as one batched program."""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import _state
from .._raw import _xp, ndim, shape
from .._unshare import arrays_of, unshare
from ..tensor import Tensor
from ..tree import tree_flatten, tree_unflatten
from . import ACTIVE, from_batch, rules, to_batch
from .named import BOUND

#: (level, randomness) of the vmap calls running, innermost last
_RUNNING: list[tuple[int, str]] = []


def _leaf_axes(spec: Any, tree: Any, what: str) -> list:
    """One axis (or None) per leaf of ``tree``: ``spec`` is an axis for the whole subtree, or
    a container of the tree's structure (a pytree prefix, as in JAX)."""
    if isinstance(spec, bool):  # an int to Python, but surely not meant as axis 0 or 1
        raise TypeError(f"vmap: {what} must be ints, None or containers of them, not "
                        f"{spec!r}")
    if spec is None or isinstance(spec, int):
        return [spec] * len(tree_flatten(tree)[0])
    if isinstance(spec, tuple | list) and isinstance(tree, tuple | list) \
            and len(spec) == len(tree):
        return [a for s, t in zip(spec, tree, strict=True) for a in _leaf_axes(s, t, what)]
    if isinstance(spec, dict) and isinstance(tree, dict) and set(spec) == set(tree):
        keys = list(tree) if isinstance(tree, OrderedDict) else sorted(tree)
        return [a for k in keys for a in _leaf_axes(spec[k], tree[k], what)]
    if type(spec) is type(tree) and not isinstance(tree, tuple | list | dict):
        # a registered node (a register_dataclass class, ...): the same type and metadata,
        # one axis spec per child, as JAX's pytree prefixes
        from ..tree_paths import flatten_one_level

        try:
            (skids, smeta), (tkids, tmeta) = flatten_one_level(spec), flatten_one_level(tree)
            same = len(skids) == len(tkids) and bool(smeta == tmeta)
        except (ValueError, TypeError):
            same = False
        if same:
            return [a for s, t in zip(skids, tkids, strict=True)
                    for a in _leaf_axes(s, t, what)]
    raise ValueError(
        f"vmap: {what} {spec!r} does not match the structure of the value it describes "
        f"({type(tree).__name__}); give an int, None, or a container of the same structure")


def _as_array(x):
    """A batched argument as a Tensor or an array of the active backend (a NumPy array moves
    to the GPU backend, as the other transforms' arguments do)."""
    if isinstance(x, Tensor):
        return x
    from ..transforms import _asarray

    return _asarray(x, "vmap")


def _clean(x):
    """A backend array where nothing outside needs the Tensor (no tape, tangent or level)."""
    if isinstance(x, Tensor) and not x.requires_grad and not x._tan and x._bat is None:
        return x._data
    return x


def randomness() -> str | None:
    """How random functions behave in the innermost running vmap (None outside vmap)."""
    return _RUNNING[-1][1] if _RUNNING else None


def vmap(f: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_name: Any = None,
         axis_size: int | None = None, spmd_axis_name: Any = None, *,
         randomness: str = "error", chunk_size: int | None = None) -> Callable:
    """Vectorise ``f`` over a batch axis: ``vmap(f)(X)`` equals stacking ``f(x)`` for each
    ``x`` along axis 0 of ``X``, computed as one batched program.

    ``in_axes``: the batch axis of each argument (an int, None for an argument shared by every
    example, or per argument a tuple entry, itself a pytree prefix); ``out_axes`` likewise for
    the outputs; keyword arguments are batched along axis 0, as in ``jax.vmap``.
    ``axis_size`` is needed only when no argument is batched. It composes with
    ``grad``, ``vjp``, ``jvp`` and itself in any order: ``vmap(grad(loss), (None, 0))(w, X)``
    gives per-example gradients. ``axis_name`` names the batch axis for the collectives of
    :mod:`gpuad.lax` (``psum``, ``all_gather``, ``axis_index``, ...) called inside, as in
    ``jax.vmap``; ``spmd_axis_name`` (sharding) is not supported. Random functions inside
    raise unless ``randomness="same"`` (one draw shared by all examples). ``chunk_size`` (as in
    ``torch.vmap``) runs the examples that many at a time and concatenates the results,
    bounding memory; the values are those of one batched call.

    Example::

        per_example = gpuad.vmap(gpuad.grad(loss), in_axes=(None, 0, 0))(w, X, y)
    """
    if randomness not in ("error", "same"):
        raise ValueError(f"vmap: randomness must be 'error' or 'same', not {randomness!r}")
    if spmd_axis_name is not None:
        raise NotImplementedError(
            f"vmap: spmd_axis_name={spmd_axis_name!r} (a mesh axis to shard the batch over) is "
            f"not supported: gpuad runs on one device; drop it (axis_name names the axis for "
            f"collectives)")
    if axis_name is not None:
        try:
            hash(axis_name)
        except TypeError:
            raise TypeError(f"vmap: axis_name must be hashable, not {axis_name!r}") from None
    if chunk_size is not None:
        if axis_name is not None:
            # a collective inside would see only the examples of one chunk
            raise ValueError("vmap: chunk_size cannot be combined with axis_name (collectives "
                             "need every example at once)")
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"vmap: chunk_size must be a positive int or None, got "
                             f"{chunk_size!r}")
        if randomness == "same":
            # each chunk would draw its own numbers: not one draw shared by every example
            raise ValueError("vmap: chunk_size cannot be combined with randomness='same'")
        whole = vmap(f, in_axes, out_axes, axis_size=axis_size, randomness=randomness)
        return functools.wraps(f)(functools.partial(_chunked, whole, in_axes, out_axes,
                                                    chunk_size))

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        rules.register_late()
        if isinstance(in_axes, tuple | list):
            if len(in_axes) != len(args):
                raise ValueError(f"vmap: in_axes has {len(in_axes)} entries but f was called "
                                 f"with {len(args)} positional arguments")
            specs = list(in_axes)
        elif in_axes is None or isinstance(in_axes, int):
            specs = [in_axes] * len(args)
        else:
            raise ValueError(f"vmap: in_axes must be an int, None or a tuple, not "
                             f"{type(in_axes).__name__}")
        if kwargs:  # keyword arguments are batched along axis 0, as in jax.vmap
            args, specs = (*args, kwargs), [*specs, 0]
        level = next(_state.levels)
        size = axis_size
        found = None
        new_args = []
        for k, (a, spec) in enumerate(zip(args, specs, strict=True)):
            leaves, tdef = tree_flatten(a)
            axes = _leaf_axes(spec, a, "in_axes")
            new = []
            for leaf, ax in zip(leaves, axes, strict=True):
                if ax is None:
                    new.append(leaf)
                    continue
                leaf = _as_array(leaf)
                nd = ndim(leaf)
                keyword = bool(kwargs) and k == len(args) - 1
                what = "a keyword argument" if keyword else f"argument {k}"
                if not -nd <= ax < nd:
                    raise ValueError(f"vmap: in_axes={ax} for {what} of shape {shape(leaf)}"
                                     + (" (keyword arguments are batched along axis 0, as in "
                                        "jax.vmap; pass an unbatched value positionally with "
                                        "in_axes None, or close over it)" if keyword else ""))
                ax %= nd
                n = shape(leaf)[ax]
                if size is None:
                    size, found = n, (what, shape(leaf), ax)
                elif n != size:
                    where = f"axis_size={size}" if found is None else \
                        f"{found[0]} (shape {found[1]}, axis {found[2]})"
                    raise ValueError(f"vmap: batch sizes differ: {what} has {n} along "
                                     f"axis {ax} (shape {shape(leaf)}) but {where} has {size}")
                new.append(to_batch(leaf, level, ax))
            new_args.append(tree_unflatten(tdef, new))
        if size is None:
            raise ValueError("vmap: no argument is batched (every in_axes is None); pass "
                             "axis_size= to say how many examples there are")
        ACTIVE.add(level)
        _RUNNING.append((level, randomness))
        if axis_name is not None:
            BOUND.append((axis_name, level, size))
        if kwargs:
            *new_args, kwargs = new_args
        try:
            out = f(*new_args, **kwargs)
        finally:
            ACTIVE.discard(level)
            _RUNNING.pop()
            if axis_name is not None:
                BOUND.pop()
        leaves, tdef = tree_flatten(out)
        axes = _leaf_axes(_out_spec(out_axes, out), out, "out_axes")
        # an output sharing an argument's memory is copied: a write into it must not reach
        # the argument past its version counter (a batched output is new, as a stack is)
        mine = arrays_of(tree_flatten((args, kwargs))[0])
        res = []
        for o, ax in zip(leaves, axes, strict=True):
            if ax is None:
                if isinstance(o, Tensor) and o._bat is not None and level in o._bat:
                    raise ValueError("vmap: out_axes=None for an output that differs from "
                                     "example to example")
                res.append(unshare(_clean(o), mine, raw_args=False))
                continue
            if not (isinstance(o, Tensor) or hasattr(o, "shape")):
                if not isinstance(o, int | float | complex):
                    raise TypeError(f"vmap: f returned {type(o).__name__}; outputs must be "
                                    f"arrays, numbers or pytrees of them")
                o = _xp(None).asarray(o)
            nd = ndim(o) + 1
            if not -nd <= ax < nd:
                raise ValueError(f"vmap: out_axes={ax} for an output of shape {shape(o)}")
            res.append(unshare(_clean(from_batch(o, level, ax % nd, size)), mine))
        return tree_unflatten(tdef, res)

    return wrapped


def _out_spec(out_axes: Any, out: Any) -> Any:
    """``out_axes``, where a one-entry tuple for a function returning one value (not a tuple)
    means that entry, as torch.vmap accepts."""
    if isinstance(out_axes, tuple | list) and len(out_axes) == 1 \
            and not isinstance(out, tuple | list):
        return out_axes[0]
    return out_axes


def _chunked(whole: Callable, in_axes: Any, out_axes: Any, chunk_size: int, *args,
             **kwargs):
    """``whole(*args)`` (a vmapped function) run on ``chunk_size`` examples at a time, the
    results concatenated along their batch axes."""
    from ..numpy import concatenate

    specs = list(in_axes) if isinstance(in_axes, tuple | list) else [in_axes] * len(args)
    if len(specs) != len(args):
        return whole(*args, **kwargs)  # whole raises the error about in_axes
    if kwargs:  # batched along axis 0 (see vmap), so cut into the chunks too
        args, specs = (*args, kwargs), [*specs, 0]
    flat = []  # per argument: (leaves, tdef, axes)
    size = None
    for a, spec in zip(args, specs, strict=True):
        leaves, tdef = tree_flatten(a)
        axes = _leaf_axes(spec, a, "in_axes")
        leaves = [leaf if ax is None else _as_array(leaf) for leaf, ax in zip(leaves, axes,
                                                                               strict=True)]
        for leaf, ax in zip(leaves, axes, strict=True):
            if ax is not None and size is None and -ndim(leaf) <= ax < ndim(leaf):
                size = shape(leaf)[ax]
        flat.append((leaves, tdef, axes))
    if size is None or size <= chunk_size:  # (no batched argument: axis_size examples)
        return whole(*args, **kwargs)
    parts = []
    for lo in range(0, size, chunk_size):
        hi = min(size, lo + chunk_size)
        chunk_args = []
        for leaves, tdef, axes in flat:
            cut = []
            for leaf, ax in zip(leaves, axes, strict=True):
                if ax is None:
                    cut.append(leaf)
                else:
                    ax = ax % ndim(leaf) if -ndim(leaf) <= ax < ndim(leaf) else ax
                    cut.append(leaf[(slice(None),) * ax + (slice(lo, hi),)])
            chunk_args.append(tree_unflatten(tdef, cut))
        chunk_kw = chunk_args.pop() if kwargs else {}
        parts.append(whole(*chunk_args, **chunk_kw))
    out_leaves = [tree_flatten(p)[0] for p in parts]
    tdef = tree_flatten(parts[0])[1]
    axes = _leaf_axes(_out_spec(out_axes, parts[0]), parts[0], "out_axes")
    res = []
    for k, ax in enumerate(axes):
        col = [leaves[k] for leaves in out_leaves]
        if ax is None:
            res.append(col[0])
            continue
        ax %= ndim(col[0])
        if any(isinstance(c, Tensor) for c in col):
            res.append(concatenate(col, ax))
        else:
            res.append(_xp(col[0]).concatenate(col, ax))
    return tree_unflatten(tdef, res)
