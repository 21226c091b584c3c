"""Batching: how a primitive runs on values that carry vmap levels (the engine of ``vmap``).

A value inside ``vmap`` is a :class:`~gpuad.Tensor` whose ``_bat`` names the vmap levels it is
batched over, outer first; its data holds one leading axis per level, in that order, before the
axes of one example (``shape`` hides them). When :func:`gpuad.engine.apply` meets such a value
it calls :func:`apply_batched`, which

1. takes the innermost level among the arguments, strips it (the batch axis becomes axis 0 of a
   value without that level), and runs the primitive's ``batch`` rule on those values: the
   rule emits ordinary primitives (which, for outer levels, batch again recursively);
2. records the step on the tape as the per-example op it stands for (its saved values keep
   their levels), so a gradient taken inside ``vmap`` is per example, and one taken outside
   differentiates the batched program; tangents are carried the same way.

Two boundary steps move values in and out of a level (:func:`to_batch`, :func:`from_batch`);
they are each other's adjoint. When a cotangent reaches a value that was not batched over a
level whose ``vmap`` has returned, the examples' contributions are summed
(:func:`sum_finished_levels`): that value was shared by every example.

A batch rule has the signature ``rule(args, dims, params) -> (out, out_dim)``: ``dims[i]`` is
the batch axis of ``args[i]`` (None: not batched), ``out_dim`` that of the result. A primitive
without one runs once per example (a warning names it once): slower, never wrong.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as _np

from .. import _links, _state
from .._raw import _xp
from ..backends import _by_array_type
from ..tensor import Tensor

_R = _C = _E = None  # the op namespace; gpuad._numpy_protocol; gpuad.engine
_links.need("ops", globals(), "_R")
_links.need("protocol", globals(), "_C")

#: levels of the vmap calls still running (a level not in it has returned)
ACTIVE: set[int] = set()
_warned: set[str] = set()


class BatchingWarning(UserWarning):
    """A primitive without a batching rule ran once per example inside ``vmap``."""


def _engine():
    from .. import engine

    return engine


def apply_batched(rule, args: tuple, params: dict):
    """Run primitive ``rule`` on ``args``, some of which are batched; see the module doc."""
    res = _apply_batched(rule, args, params)
    if rule.view and isinstance(args[0], Tensor) and args[0]._bat is not None:
        from .inplace import mark_view

        mark_view(rule, params, res, args[0])  # shares args[0]'s memory: a view, as in apply
    return res


def _apply_batched(rule, args: tuple, params: dict):
    top = 0
    for a in args:
        if isinstance(a, Tensor):
            b = a._bat
            if b is not None and b[-1] > top:
                top = b[-1]
        elif (a.__class__ is list or a.__class__ is tuple) and _C.holds_tensor(a):
            return _apply_batched(rule, _C.convert_args(args), params)  # lists: stacked
    eng = _E
    if eng._trace is not None:  # inside gpuad.jit: a closure batched outside is refused
        eng._trace.__self__.batched_reads(args)
    if len(_by_array_type) > 1:
        args = _on_device(args)
    inner, dims = [], []
    track = tan = False
    for a in args:
        if isinstance(a, Tensor):
            if a._base is not None and a._seen != a._ver[0]:
                eng._refresh_view(a)
            if a.requires_grad:
                track = True
            if a._tan:
                tan = True
            b = a._bat
            if b is not None and b[-1] == top:
                rest = b[:-1] or None
                inner.append(a._data if rest is None else Tensor(a._data, _bat=rest))
                dims.append(0)
            else:
                inner.append(a._data if b is None else Tensor(a._data, _bat=b))
                dims.append(None)
        else:
            inner.append(a)
            dims.append(None)
    batch = rule.batch or default_rule(rule)
    out, odim = batch(inner, dims, params)
    if odim is not None and odim != 0:
        out = _R.moveaxis(out, odim, 0)
    if isinstance(out, Tensor):
        od, levels = out._data, out._bat
    else:
        od, levels = out, None
    if odim is not None:
        levels = (levels or ()) + (top,)
    res = Tensor(od, _bat=levels)
    grad_on = _state.local.grad_enabled
    if track and not grad_on and _state.local.collect is not None:
        # a checkpointed block runs without recording: it learns here which inputs it reads
        for a in args:
            if isinstance(a, Tensor) and a.requires_grad:
                _state.note_read(eng.edge_of(a), a)
    if not (tan or track and grad_on):
        return res
    kind = od.dtype.kind
    if rule.nondiff or kind not in "fc":
        if kind != "c" or rule.cx_rule is None:
            return res
        rule = rule.cx_rule
    elif kind == "c" or rule.cx_check:
        cx = kind == "c" or any(
            getattr(getattr(a, "dtype", None), "kind", "") == "c" or type(a) is complex
            for a in args)
        if cx:
            rule = eng._for_complex(rule, args, kind)
    node = None
    if track and grad_on:
        ver = [0]
        node = eng._record(rule, args, params, od, ver, tan)
        node.bat = levels
        node.shape = res.shape
        node.bats = (levels,) + tuple(a._bat if isinstance(a, Tensor) else None for a in args)
        res._node, res._ver, res._seen = node, ver, 0
        res.requires_grad = True
    if tan:
        res._tan = eng._propagate_tangents(rule, args, params, od, node, levels)
    return res


def _on_device(args: tuple) -> tuple:
    """Raw NumPy arrays among ``args`` moved to the GPU backend of the batched values (as
    ``engine.apply`` does), so the step records, and its derivatives see, device arrays."""
    be = None
    for a in args:
        if isinstance(a, Tensor) and a._bat is not None:
            be = _by_array_type.get(type(a._data))
            break
    if be is None or be.name == "numpy":
        return args
    return tuple(be.xp.asarray(a) if isinstance(a, _np.ndarray) else a for a in args)


# ---- rules -----------------------------------------------------------------------------------

def register(name: str, fn: Callable) -> Callable:
    """Give primitive ``name`` the batching rule ``fn`` (its ``batch`` slot)."""
    from ..prims.core import RULES

    RULES[name].batch = fn
    return fn


def default_rule(rule) -> Callable:
    """An entrywise op's rule (it broadcasts), else the per-example loop."""
    from .rules import elementwise_rule

    fn = elementwise_rule(rule) if rule.elementwise else loop_rule(rule)
    rule.batch = fn
    return fn


def loop_rule(rule) -> Callable:
    """Run ``rule`` once per example and stack the results (warns once per primitive)."""

    def batch(args, dims, params):
        size = batch_size(args, dims)
        if rule.name not in _warned:
            _warned.add(rule.name)
            warnings.warn(
                f"vmap: primitive {rule.name!r} has no batching rule; it runs once per "
                f"example (same result, slower)", BatchingWarning, stacklevel=4)
        eng = _engine()
        outs = [eng.apply(rule, tuple(a if d is None else take(a, d, i)
                                      for a, d in zip(args, dims, strict=True)), params)
                for i in range(size)]
        if not outs:
            one = [a if d is None else take(_R.zeros_like(_R.moveaxis(a, d, 0)[:1]), 0, 0)
                   for a, d in zip(args, dims, strict=True)]
            ex = eng.apply(rule, tuple(one), params)
            return _R.zeros((0,) + tuple(_R.shape(ex)), dtype=_R.result_type(ex)), 0
        return _R.stack(outs, 0), 0

    return batch


def batch_size(args, dims) -> int:
    for a, d in zip(args, dims, strict=True):
        if d is not None:
            return int(_R.shape(a)[d])
    raise ValueError("batch rule called without a batched argument")


def take(a, axis: int, i: int):
    """Example ``i`` of ``a`` along its batch axis. While ``gpuad.jit`` traces, through
    ``gpuad.numpy.take``, which the trace records: Python indexing of a raw array is not seen
    by it (and gives a NumPy scalar for a 1-D array), so the per-example loop would hand the
    traced call's examples to the program as constants."""
    if _E._trace is not None and not isinstance(a, Tensor):
        return _R.take(a, i, axis=axis)
    return a[(slice(None),) * axis + (i,)]


# ---- entering and leaving a level ------------------------------------------------------------

def _insert_level(bat, level):
    """The sorted levels with ``level`` added, and the physical position it takes."""
    bat = bat or ()
    if level in bat:
        raise ValueError(f"vmap: a value is batched over level {level} twice")
    pos = sum(1 for b in bat if b < level)
    return bat[:pos] + (level,) + bat[pos:], pos


def _boundary(prim_, x, params, data, bat):
    """The result of boundary step ``prim_`` on ``x``: recorded, with its tangents."""
    res = Tensor(data, _bat=bat)
    if not isinstance(x, Tensor):
        return res
    eng = _engine()
    node = None
    if x.requires_grad and not _state.local.grad_enabled and _state.local.collect is not None:
        # a checkpointed block runs without recording: it learns here that it reads x
        _state.note_read(eng.edge_of(x), x)
    if x.requires_grad and _state.local.grad_enabled:
        ver = [0]
        node = eng._record(prim_, (x,), params, data, ver, bool(x._tan))
        node.bat = bat
        node.shape = res.shape
        node.bats = (bat, x._bat)
        res._node, res._ver, res._seen = node, ver, 0
        res.requires_grad = True
    if x._tan:
        res._tan = eng._propagate_tangents(prim_, (x,), params, data, node, bat)
    return res


def to_batch(x, level: int, axis: int, size: int | None = None):
    """``x`` seen as a batch over ``level``: its axis ``axis`` becomes that level's."""
    if isinstance(x, Tensor):
        if x._base is not None and x._seen != x._ver[0]:
            _engine()._refresh_view(x)
        old, data = x._bat, x._data
    else:
        old, data = None, x
    xp = _xp(data)
    if not hasattr(data, "ndim"):
        data = xp.asarray(data)
    bat, pos = _insert_level(old, level)
    data = xp.moveaxis(data, len(old or ()) + axis, pos)
    res = _boundary(_TO, x, {"level": level, "axis": axis, "size": data.shape[pos]}, data, bat)
    from .inplace import mark_argument

    mark_argument(res)  # its memory is the caller's: vmap's function may not write into it
    return res


def from_batch(x, level: int, axis: int, size: int):
    """The inverse of :func:`to_batch`: ``level``'s axis becomes axis ``axis`` of each value;
    a value not batched over ``level`` is broadcast along it (``size`` entries)."""
    if not isinstance(x, Tensor) or x._bat is None or level not in x._bat:
        x = _R.expand_dims(x, axis)
        shp = list(_R.shape(x))
        shp[axis] = size
        return _R.broadcast_to(x, tuple(shp))
    k = x._bat.index(level)
    bat = x._bat[:k] + x._bat[k + 1:]
    data = _xp(x._data).moveaxis(x._data, k, len(bat) + axis)
    return _boundary(_FROM, x, {"level": level, "axis": axis, "size": size}, data, bat or None)


def sum_finished_levels(c: Tensor, keep):
    """``c`` summed over the levels it has that ``keep`` lacks and whose vmap has returned:
    the adjoint of a value every example of such a level shared."""
    keep = keep or ()
    for level in c._bat or ():
        if level not in keep and level not in ACTIVE and isinstance(c, Tensor) \
                and c._bat is not None and level in c._bat:
            size = c._data.shape[c._bat.index(level)]
            c = _R.sum(from_batch(c, level, 0, size), axis=0)
    return c


def _make_boundary():
    from ..prims.core import Primitive

    to = Primitive("vmap_in", cplx="holo")
    fr = Primitive("vmap_out", cplx="holo")
    to.vjp = lambda g, ans, inputs, p, need: [from_batch(g, p["level"], p["axis"], p["size"])]
    to.jvp = lambda i, t, ans, inputs, p: to_batch(t, p["level"], p["axis"])
    fr.vjp = lambda g, ans, inputs, p, need: [to_batch(g, p["level"], p["axis"])]
    fr.jvp = lambda i, t, ans, inputs, p: from_batch(t, p["level"], p["axis"], p["size"])
    to.saves = fr.saves = lambda mask, nargs: ()
    to.cx_check = fr.cx_check = False
    return to, fr


_TO, _FROM = _make_boundary()
_E = _engine()
_links.provide("batching", __import__(__name__, fromlist=["_"]))
