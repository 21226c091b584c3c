"""Saved-tensor hooks on the tape: every value a step saves for its backward goes through
the innermost open ``saved_tensors_hooks`` block's ``pack`` when the step is recorded, and
through that block's ``unpack`` when backward reads it (gpuad/autograd/graph.py has the
public blocks).

A saved slot is normally ``(array, version counter, version, node, tangents, requires_grad)``
(or ``(value,)`` for a constant). A packed slot keeps the same layout with a :class:`Packed`
in place of the array and None in place of the version, so the engine's readers, which
compare the version before reading the array, take the slow way (:func:`unpack_slots`)
without any extra test on the paths that run while no hooks are open.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from . import _state
from .backends import _by_array_type
from .tensor import Tensor

_local = _state.local
open_count = _state.saved_hooks_open  # [blocks open in all threads]: the engine's cheap test


class Packed:
    """What ``pack`` returned for one saved value, and what unpacking checks against."""

    __slots__ = ("obj", "pack", "unpack", "seen", "shape", "dtype", "atype")

    def __init__(self, obj, pack, unpack, seen, shape, dtype, atype):
        self.obj = obj
        self.pack = pack
        self.unpack = unpack
        self.seen = seen  # the version the value was saved at
        self.shape = shape
        self.dtype = dtype
        self.atype = atype  # the backend array type to hand back to the formulas

    def __repr__(self) -> str:
        return f"<packed saved value {self.shape} {self.dtype}>"


def _slot_name(i: int) -> str:
    return "its output" if i == 0 else f"input {i - 1}"


def _is_array(v) -> bool:
    return type(v) in _by_array_type or isinstance(v, _np.ndarray)


def pack_node(node, batched: bool = False) -> None:
    """Pass each value ``node`` saved through this thread's innermost pack hook (nothing
    when no hooks block is open in this thread)."""
    stack = _local.saved_hooks
    if not stack or node.saved is None:
        return
    name = node.rule.name
    if batched or node.bats is not None:
        _refuse_batched(name)
    from . import engine

    if engine._trace is not None:
        raise NotImplementedError(
            f"saved_tensors_hooks: {name} is recorded while gpuad.jit traces a function; a "
            f"compiled replay would not call the hooks. Open the block outside the jitted "
            f"function (its calls then run eagerly), or use gpuad.disable_jit()")
    pack, unpack = stack[-1]
    saved = node.saved
    for i, s in enumerate(saved):
        if s is None or s is True:
            continue
        if len(s) == 1:
            if not _is_array(s[0]):
                continue  # a Python number: torch's wrapped numbers are not packed either
            saved[i] = _packed_slot(name, i, pack, unpack, s[0], [0], 0, None, None, False)
        elif not isinstance(s[0], Packed):
            saved[i] = _packed_slot(name, i, pack, unpack, *s)


def _refuse_batched(name: str) -> None:
    raise NotImplementedError(
        f"saved_tensors_hooks: {name} is recorded inside vmap (also the vmap that "
        f"jacrev, jacfwd and hessian use), whose saved values are batched; gpuad passes no "
        f"batched values to pack hooks (torch.func's transforms refuse saved tensor hooks "
        f"too). Leave the hooks block out of such transforms, or take the derivatives "
        f"with autograd.grad / backward inside the block")


def _packed_slot(name, i, pack, unpack, data, ver, seen, node, tan, rg, what=None) -> tuple:
    if ver[0] != seen:  # (a slot an in-place write already outdated: checked in backward)
        return (data, ver, seen, node, tan, rg)
    obj = pack(Tensor(data, _ver=ver))
    if ver[0] != seen:
        raise RuntimeError(
            f"{name}: A saved tensor pack hook is modifying its input in place (the value "
            f"{what or _slot_name(i)} saved, shape {tuple(data.shape)}); pack a copy instead "
            f"(x.clone()) or leave the input unchanged")
    p = Packed(obj, pack, unpack, seen, tuple(data.shape), data.dtype, type(data))
    return (p, ver, None, node, tan, rg)


def unpack_slots(node) -> list:
    """The values ``node`` saved (engine._saved_raw's result), packed ones unpacked."""
    from .engine import GradError

    vals = []
    name = node.rule.name
    for i, s in enumerate(node.saved):
        if s is None:
            vals.append(None)
        elif len(s) == 1:
            vals.append(s[0])
        elif isinstance(s[0], Packed):
            p = s[0]
            if s[1][0] != p.seen:
                raise GradError(
                    f"{name}: {_slot_name(i)} was saved for the gradient at version {p.seen} "
                    f"but has since been modified in place (now version {s[1][0]}); with "
                    f"saved_tensors_hooks too, gpuad refuses it (torch does not check versions "
                    f"under hooks, and an unpack that returns the written buffer would give a "
                    f"wrong gradient). Compute the gradient before writing to it, or write to "
                    f"a copy")
            vals.append(_unpacked(name, i, p))
        elif s[1][0] != s[2]:
            raise GradError(
                f"{name}: {_slot_name(i)} was saved for the gradient at version {s[2]} but "
                f"has since been modified in place (now version {s[1][0]}); compute the "
                f"gradient before writing to it, or write to a copy")
        else:
            vals.append(s[0])
    return vals


def _unpacked(name: str, i: int, p: Packed) -> Any:
    """``unpack(obj)`` as a backend array of the saved value's shape and dtype, or an error."""
    r = p.unpack(p.obj)
    if isinstance(r, Tensor):
        if r._bat is not None:
            raise TypeError(f"{name}: the saved tensor unpack_hook returned a batched Tensor "
                            f"(inside vmap); return the value the pack hook was given")
        r = r._data
    elif not _is_array(r):
        raise TypeError(
            f"{name}: Output of saved tensor unpack_hook expected to be a Tensor (or an "
            f"array) but got result of type {type(r).__name__} (for {_slot_name(i)}, saved "
            f"with shape {p.shape} and dtype {p.dtype})")
    if type(r) is not p.atype:
        be = _by_array_type.get(p.atype)
        if be is None or be.name == "numpy":
            if not isinstance(r, _np.ndarray):
                raise TypeError(
                    f"{name}: the saved tensor unpack_hook returned a {type(r).__name__} for "
                    f"{_slot_name(i)}, saved as a {p.atype.__name__}; return it on its "
                    f"original backend")
            r = _np.asarray(r)
        else:
            r = be.asarray(r)  # host memory back to the device (save_on_cpu)
    if tuple(r.shape) != p.shape or r.dtype != p.dtype:
        raise RuntimeError(
            f"{name}: the saved tensor unpack_hook returned a value of shape "
            f"{tuple(r.shape)} and dtype {r.dtype} for {_slot_name(i)}, which was saved with "
            f"shape {p.shape} and dtype {p.dtype}; unpack must give back the value pack "
            f"received (same shape and dtype)")
    return r


def repack_copy(node, i: int, s: tuple) -> tuple:
    """Slot ``s`` (packed) of ``node`` holding a private copy of its value, about to be
    overwritten by the in-place op that recorded ``node`` (engine._snapshot_saved)."""
    p = s[0]
    value = _unpacked(node.rule.name, i, p).copy()
    return _packed_slot(node.rule.name, i, p.pack, p.unpack, value, [0], 0, *s[3:])


class PackedLeaf:
    """A residual of a custom_vjp rule (a leaf of its pytree) as the pack hook left it."""

    __slots__ = ("slot", "tensor")

    def __init__(self, slot: tuple, tensor: bool):
        self.slot = slot  # a packed slot, laid out as a step's
        self.tensor = tensor  # a Tensor (else a backend array) was saved


def pack_tree(tree: Any, name: str) -> Any:
    """``tree`` (a custom_vjp rule's residuals) with its arrays and Tensors packed by this
    thread's innermost pack hook (``tree`` itself when no hooks block is open)."""
    stack = _local.saved_hooks
    if not stack:
        return tree
    from .tree import tree_flatten, tree_unflatten

    pack, unpack = stack[-1]
    leaves, tdef = tree_flatten(tree)
    out = []
    for k, x in enumerate(leaves):
        what = f"residual {k}"
        if isinstance(x, Tensor):
            if x._bat is not None:
                _refuse_batched(name)
            out.append(PackedLeaf(_packed_slot(
                name, k, pack, unpack, x._data, x._ver, x._ver[0],
                x._node if x.requires_grad else None, x._tan, x.requires_grad, what), True))
        elif _is_array(x):
            out.append(PackedLeaf(_packed_slot(
                name, k, pack, unpack, x, [0], 0, None, None, False, what), False))
        else:
            out.append(x)
    return tree_unflatten(tdef, out)


def unpack_tree(tree: Any, name: str) -> Any:
    """``tree`` with the residuals :func:`pack_tree` packed unpacked (as Tensors with their
    history, or arrays, as they were saved)."""
    from .tree import tree_flatten, tree_unflatten

    leaves, tdef = tree_flatten(tree)
    if not any(isinstance(x, PackedLeaf) for x in leaves):
        return tree
    from .engine import GradError

    out = []
    for k, x in enumerate(leaves):
        if not isinstance(x, PackedLeaf):
            out.append(x)
            continue
        p, ver, _, node, tan, _rg = x.slot
        if ver[0] != p.seen:
            raise GradError(
                f"{name}: residual {k} was saved for the gradient at version {p.seen} but has "
                f"since been modified in place (now version {ver[0]}); compute the gradient "
                f"before writing to it, or write to a copy")
        r = _unpacked(name, k + 1, p)
        out.append(Tensor(r, _node=node, _tan=tan, _ver=ver) if x.tensor else r)
    return tree_unflatten(tdef, out)

