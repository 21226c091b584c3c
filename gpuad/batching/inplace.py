"""In-place writes inside ``vmap``: ``y[i] = v``, ``y += v`` and ``out=`` on batched values.

A write into a batched Tensor is the write of each example into its own slice of the batch, so
it is done as in eager mode (gpuad/engine.py, ``assign_inplace``): the new value is computed
functionally (``index_update``, which batches), written into the Tensor's memory, and the
Tensor (and, for a view, its base) takes the history of that value. Views made inside ``vmap``
share their base's memory and version counter (:func:`mark_view`), so a write through one
reaches the base, and a value saved before the write refuses to backward, as in eager mode.

Two writes are refused, with the functional alternative named: a value that differs from
example to example written into an array that does not (it would need one copy per example),
and a write into an argument of ``vmap`` itself (its memory is the caller's array, whose
version the write could not bump): copy it first.

Example (inside ``vmap``)::

    y = x.copy()
    y[0] = gnp.sum(x)        # each example's y[0]
"""

from __future__ import annotations

import weakref

from .. import _links, _state
from .._raw import _xp
from ..tensor import Tensor

_R = None  # gpuad.numpy's functions
_links.need("ops", globals(), "_R")

#: the values vmap passed to its function (their memory is the caller's), by the id of their
#: version counter, which their views and ``detach()`` share (a Tensor's == is elementwise,
#: so no WeakSet)
_ARGUMENTS: dict[int, weakref.ref] = {}


def mark_argument(t: Tensor) -> None:
    """Note that ``t`` is an argument as vmap hands it to its function."""
    key = id(t._ver)

    def gone(ref, key=key):
        if _ARGUMENTS.get(key) is ref:
            del _ARGUMENTS[key]

    _ARGUMENTS[key] = weakref.ref(t, gone)


def unmark(t: Tensor) -> None:
    """``t`` came from ``to_batch`` but is no argument of vmap's function (it is a result)."""
    ref = _ARGUMENTS.get(id(t._ver))
    if ref is not None and ref() is t:
        del _ARGUMENTS[id(t._ver)]


def _is_argument(t: Tensor) -> bool:
    """Whether ``t`` shares its memory and versions with an argument of vmap's function."""
    ref = _ARGUMENTS.get(id(t._ver))
    arg = ref() if ref is not None else None
    return arg is not None and arg._ver is t._ver


def mark_view(rule, params, res: Tensor, base: Tensor) -> None:
    """``res = rule(base)`` inside vmap shares ``base``'s memory: make it a view of ``base``
    (same version counter, the step recorded for a rebuild), as engine.apply does."""
    if not isinstance(base, Tensor) or not isinstance(res, Tensor):
        return
    if res._data is not base._data and not _xp(res._data).may_share_memory(res._data,
                                                                             base._data):
        return
    from ..engine import node_saves_output

    res._ver = base._ver
    res._seen = base._ver[0]
    step = ((rule, params),)
    if base._base is None:
        res._base, res._view = base, step
    else:
        res._base = base._base
        res._view = base._view + step if base._view is not None else None
    if node_saves_output(res):
        res._node.saved[0] = (res._data, base._ver, base._ver[0], None, None, False)


def _refuse(msg: str):
    raise TypeError(f"vmap: {msg}")


def _write_whole(dst, src) -> None:
    """``dst[...] = src`` on the batched arrays: where a batched write's values land
    (gpuad.jit records it as one write of the whole array, its index being per example)."""
    dst[...] = src


def assign(t: Tensor, value, index, since: int | None) -> None:
    """``t[index] = value`` (``index=None``: all of ``t``) where ``t`` or ``value`` is batched."""
    from .. import engine as eng

    tb = t._bat or ()
    vb = value._bat if isinstance(value, Tensor) and value._bat is not None else ()
    if any(level not in tb for level in vb):
        what = "t[...] = v" if index is None else "t[index] = v"
        _refuse(
            f"in-place write ({what}) of a value that differs from example to example into "
            f"an array of shape {t.shape} that does not; it would need one copy per example. "
            f"Build the result functionally: gnp.index_update(t, index, v) returns the updated "
            f"copy (also for t = gnp.zeros(...) made inside the function), or use gnp.where, "
            f"gnp.stack, gnp.concatenate")
    root = t._base if t._base is not None and t._view is not None else None
    if _is_argument(t) or (t._base is not None and t._view is None):
        _refuse(
            f"in-place write into an argument of the vmapped function (or a view of one), of "
            f"shape {t.shape}: its memory is the caller's array. Write into a copy (x = "
            f"x.copy(); x[i] = v), or use gnp.index_update(x, i, v)")
    if since is None:
        since = next(_state.seq)
        if index is None and isinstance(value, Tensor) and isinstance(value._node, eng.Node):
            since = value._node.seq - 1
    if t._base is not None and t._seen != t._ver[0]:
        eng._refresh_view(t)
    local = _state.local
    tracked_value = isinstance(value, Tensor) and (value.requires_grad or value._tan)
    track = (local.grad_enabled and (t.requires_grad or tracked_value)) or bool(t._tan) or (
        isinstance(value, Tensor) and bool(value._tan))
    if track:
        leaf = t if root is None else root
        if leaf.requires_grad and leaf.is_leaf:
            raise eng.GradError(
                f"in-place write to a tensor of shape {t.shape} that requires grad and has no "
                f"history (a leaf) inside vmap; its gradient would be lost. Write into a copy")
        if root is not None and root._seen != root._ver[0] and eng._has_history(root):
            raise eng.GradError(
                f"in-place write to a view (shape {t.shape}) of a tensor that was modified in "
                f"place through another alias without being recorded; write to a fresh copy")
    if index is None:
        new = value if isinstance(value, Tensor) else Tensor(value)
        if tuple(new.shape) != tuple(t.shape):
            raise ValueError(f"in-place op: result of shape {new.shape} does not fit the "
                             f"tensor of shape {t.shape}")
        if (new._bat or ()) != tb:
            new = _R.index_update(t, (Ellipsis,), new)
    else:
        with _state.enable_grad() if track else _state.no_grad():
            new = _R.index_update(t, index, value)
    if tuple(new._data.shape) != tuple(t._data.shape):  # the levels line up: one array each
        raise AssertionError(f"vmap in-place write: batched shapes {new._data.shape} and "
                             f"{t._data.shape} differ")
    if not track:
        _write_whole(t._data, new._data)
        if t._base is None and t._node is not None and t._node.rule is not None:
            t._view = t._ver[0] + 1  # its views older than this write cannot be rebuilt
        t._ver[0] += 1
        t._seen = t._ver[0]
        return
    if root is None:
        eng._snapshot_since(new, since, t._ver, t._data)
        if new._data is not t._data:
            _write_whole(t._data, new._data)
    else:
        new_root = eng._rebase(root, t._view, new)
        eng._snapshot_since(new_root, since, t._ver, root._data)
        _write_whole(root._data, new_root._data)
    t._ver[0] += 1
    if root is not None:
        eng._set_history(root, new_root)
    eng._set_history(t, new)
