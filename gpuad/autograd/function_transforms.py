"""A ``Function``'s forward value under forward mode and ``vmap``, one transform level at a
time (the reverse-mode step is recorded by function.py around it).

The innermost running level among the arguments is taken first:

- a ``jvp`` level: the forward runs on the arguments without that level's tangents, a fresh
  ``ctx`` goes through ``setup_context`` and the user's ``jvp(ctx, *tangents)`` gives the
  outputs' tangents (``ctx.saved_tensors`` there are the tensors of ``save_for_forward``);
- a ``vmap`` level: the user's ``vmap(info, in_dims, *args)`` runs on the arguments with that
  level's axis as axis 0 (``in_dims`` 0, or None where not batched) and returns the outputs
  and their batch axes; with ``generate_vmap_rule = True`` the forward itself runs on the
  batched values instead (gpuad's operations batch).

Example::

    class Mul(gpuad.autograd.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)
            ctx.save_for_forward(*inputs)

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y, g * x

        @staticmethod
        def jvp(ctx, tx, ty):
            x, y = ctx.saved_tensors
            return tx * y + ty * x

    gpuad.func.vmap(gpuad.func.jacfwd(Mul.apply))(xs, ys)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from .. import _state
from .._no_tangent import NoTangent
from ..engine import GradError
from ..tensor import Tensor

_MISSING_SETUP = (
    "{name}: in order to use an autograd.Function with functorch transforms (vmap, grad, jvp, "
    "jacrev, ...), it must override the setup_context staticmethod (write forward(*args) "
    "without ctx and setup_context(ctx, inputs, output) to save what backward needs); {what}"
)


class VmapInfo(NamedTuple):
    """The ``info`` a Function's ``vmap`` staticmethod receives, as torch's."""

    batch_size: int
    randomness: str


_BASE: list = []  # gpuad.autograd.Function, once function.py is imported


def overrides(cls: type, name: str) -> bool:
    """Whether ``cls`` (or a class between it and ``Function``) defines staticmethod ``name``
    instead of inheriting the base class's."""
    if not _BASE:
        from .function import Function

        _BASE.append(Function)
    return getattr(cls, name) is not getattr(_BASE[0], name)


_LOCAL = threading.local()
_NONE: frozenset = frozenset()


def _frames() -> list:
    """The forward-mode levels being handled by a jvp staticmethod in this thread, innermost
    last: ``[cls, level, pending, unbatched]`` (pending: the tape steps recorded meanwhile;
    unbatched: the outputs of a vmap staticmethod met meanwhile, with the values they were
    made from)."""
    fr = _LOCAL.__dict__.get("frames")
    if fr is None:
        fr = _LOCAL.frames = []
    return fr


def handled(cls: type) -> set:
    """The forward-mode levels whose tangents ``cls``'s jvp staticmethod is computing: the
    forward and the tape step below ignore them."""
    frames = _LOCAL.__dict__.get("frames")
    return {f[1] for f in frames if f[0] is cls} if frames else _NONE


def levels(args: tuple, skip: set | frozenset = frozenset()) -> tuple[int, int]:
    """The innermost running forward-mode level (not in ``skip``) and vmap level among
    ``args`` (0: none)."""
    top_j = top_v = 0
    for a in args:
        if isinstance(a, Tensor):
            if a._tan:
                for k in a._tan:
                    if k in _state.jvp_levels and k > top_j and k not in skip:
                        top_j = k
            if a._bat is not None and a._bat[-1] > top_v:
                top_v = a._bat[-1]
    return top_j, top_v


def refuse_old_style(cls: type, args: tuple) -> None:
    top_j, top_v = levels(args)
    if top_j or top_v:
        what = "it was called inside vmap" if top_v > top_j else \
            "it was called under forward mode (jvp, jacfwd)"
        raise GradError(_MISSING_SETUP.format(name=cls.__qualname__, what=what))


def old_style_jvp_level(cls: type, args: tuple) -> bool:
    """Whether ``cls`` (a Function with ``forward(ctx, ...)``) is called on tangents of one
    forward-mode level and no vmap level, with a ``jvp`` staticmethod: torch's plain forward
    mode (``torch.autograd.forward_ad``) takes it there."""
    if not overrides(cls, "jvp"):
        return False
    top_j, top_v = levels(args)
    return bool(top_j) and not top_v and not levels(
        tuple(_without(a, top_j) for a in args))[0]


def old_style_jvp(cls: type, args: tuple, kwargs: dict, once: Callable) -> Any:
    """A ``forward(ctx, ...)`` Function's outputs with tangents: the forward runs (and its
    backward step is recorded) on the arguments without the tangents, then the ``jvp``
    staticmethod gets that same ``ctx`` (``ctx.saved_tensors``: those of
    ``save_for_forward``) and one tangent per argument, as in torch."""
    level = levels(args)[0]
    name = cls.__qualname__
    given = [a._tan.get(level) if isinstance(a, Tensor) and a._tan else None for a in args]
    low = tuple(_without(a, level) for a in args)
    keep: list = []
    out = once(cls, low, kwargs, False, keep)
    ctx, raw = keep
    unrecorded = _recorded_outputs(ctx, raw, out, args)
    tangents = _tangents_for(name, args, given, ctx)
    prev, ctx._saved = ctx._saved, ctx._fwd_saved
    try:
        t_out = cls.jvp(ctx, *tangents)
    finally:
        ctx._saved = prev
    if unrecorded and _state.local.grad_enabled and any(
            isinstance(a, Tensor) and a.requires_grad for a in args):
        t_out = _guard_tangents(name, t_out, args, unrecorded)
    dirty = [a for a, lo in zip(args, low, strict=True) if id(lo) in ctx._dirty]
    return _attach(name, out, t_out, ctx, level, dirty)


def _recorded_outputs(ctx: Any, raw: tuple, out: Any, args: tuple) -> list[str]:
    """Point the ``ctx`` attributes (and ``save_for_forward`` tensors) that hold one of
    forward's outputs at the recorded output, as torch's are the same objects; return the
    names of the other values forward computed and kept there (without a history)."""
    outs = out if isinstance(out, tuple) else (out,)
    swap = {id(r): o for r, o in zip(raw, outs, strict=True) if isinstance(r, Tensor)}
    inputs = {id(a._data) for a in args if isinstance(a, Tensor)}

    def fix(v: Any) -> Any:
        return swap.get(id(v), v)

    ctx._fwd_saved = tuple(fix(v) for v in ctx._fwd_saved)
    unrecorded = []
    for k, v in list(ctx.__dict__.items()):
        if k.startswith("_"):
            continue
        if isinstance(v, tuple | list):
            v = type(v)(fix(x) for x in v)
        else:
            v = fix(v)
        ctx.__dict__[k] = v
        for x in v if isinstance(v, tuple | list) else (v,):
            data = x._data if isinstance(x, Tensor) else x
            if not (hasattr(data, "shape") and hasattr(data, "dtype")) or \
                    (isinstance(x, Tensor) and (x.requires_grad or x._tan)) or \
                    id(data) in inputs:
                continue
            unrecorded.append(f"ctx.{k}")
    for i, x in enumerate(ctx._fwd_saved):
        if isinstance(x, Tensor) and not x.requires_grad and id(x._data) not in inputs:
            unrecorded.append(f"save_for_forward's tensor {i}")
    return unrecorded


def _refuse_tangent_vjp(g: Any, ans: Any, inputs: Any, params: dict, need: Any) -> Any:
    raise GradError(
        f"{params['fn']}.jvp: reverse mode through the tangents of this Function (forward "
        f"defined with ctx) would treat {', '.join(params['what'])} as constants, but forward "
        f"computed them from the inputs without recording; define forward(*args) with "
        f"setup_context(ctx, inputs, output), which gets the recorded inputs and output, or "
        f"compute them in jvp from ctx.saved_tensors")


_TANGENT_GUARD: list = []


def _guard_tangents(name: str, t_out: Any, args: tuple, unrecorded: list) -> Any:
    """The tangents ``t_out`` as values whose backward raises (see
    :func:`_refuse_tangent_vjp`): a silent zero otherwise."""
    from .. import engine
    from ..engine import edge_of
    from ..rules import Primitive

    if not _TANGENT_GUARD:
        _TANGENT_GUARD.append(Primitive("function_jvp_tangent", vjp=_refuse_tangent_vjp))
    edges = tuple(edge_of(a) for a in args if isinstance(a, Tensor) and a.requires_grad)
    params = {"fn": name, "what": unrecorded}

    def guard(t: Any) -> Any:
        if t is None:
            return t
        data = t._data if isinstance(t, Tensor) else t
        node = engine.Node(_TANGENT_GUARD[0], edges, [None], params, data.shape, data.dtype)
        return Tensor(data, _node=node)

    if isinstance(t_out, tuple | list):
        return type(t_out)(guard(t) for t in t_out)
    return guard(t_out)


def _tangents_for(name: str, args: tuple, given: list, ctx: Any) -> list:
    """The tangents a ``jvp`` staticmethod receives: each its own copy (it may write into
    it), zeros for a floating Tensor without one (unless ``set_materialize_grads(False)``)."""
    from ..numpy import copy

    tangents = []
    for a, t in zip(args, given, strict=True):
        if isinstance(t, NoTangent):
            raise t.error(f"{name}.jvp")
        if t is None and isinstance(a, Tensor) and a.dtype.kind in "fc" and \
                ctx.materialize_grads:
            t = _zeros_like(a)
        if t is not None:
            t = t if isinstance(t, Tensor) else Tensor(t)
            if isinstance(a, Tensor) and a._bat is not None and \
                    not set(a._bat) <= set(t._bat or ()):
                t = t + _zeros_like(a)  # batched as its primal is, so it can be written into
            else:
                t = copy(t)
        tangents.append(t)
    return tangents


def apply_levels(cls: type, args: tuple, base: Callable) -> Any:
    """``cls.apply(*args)`` through the innermost transform level among ``args``; ``base``
    (function.py) runs the forward and records the tape step once no level is left."""
    top_j, top_v = levels(args, handled(cls))
    generate = bool(getattr(cls, "generate_vmap_rule", False))
    if top_v and (generate or top_v > top_j):
        _check_vmap_rule(cls, generate)
    if top_v and not generate and top_v > top_j:
        return _vmap_level(cls, args, top_v)
    if top_j:
        return _jvp_level(cls, args, top_j, base)
    return base(cls, args)


def strip_handled(cls: type, args: tuple) -> tuple:
    """``args`` without the tangents of the levels ``cls``'s jvp staticmethod computes."""
    skip = handled(cls)
    if not skip:
        return args
    return tuple(_without(a, min(skip)) for a in args)


def register_step(cls: type, node: Any, params: dict, outs: list) -> None:
    """Note a tape step recorded while ``cls``'s jvp staticmethod is pending: its saved
    outputs get that level's tangents once they are known."""
    for f in _frames():
        if f[0] is cls:
            f[2].append((node, params, outs))


def _check_vmap_rule(cls: type, generate: bool) -> None:
    name = cls.__qualname__
    if generate and overrides(cls, "vmap"):
        raise GradError(
            f"{name}: you tried to vmap over it, but it has both generate_vmap_rule=True and an "
            f"overridden vmap staticmethod. Please set generate_vmap_rule=False or delete the "
            f"overridden vmap staticmethod to avoid ambiguity")
    if not generate and not overrides(cls, "vmap"):
        raise GradError(
            f"{name}.apply inside vmap: to use an autograd.Function with vmap, you must either "
            f"override the vmap staticmethod (vmap(info, in_dims, *args) -> (outputs, "
            f"out_dims)) or set generate_vmap_rule=True (forward, backward and jvp are then "
            f"run on the batched values)")


# ---- vmap ------------------------------------------------------------------------------------

def _vmap_level(cls: type, args: tuple, level: int) -> Any:
    from ..batching import from_batch, to_batch
    from ..batching.api import randomness
    from ..tree import tree_flatten, tree_unflatten

    name = cls.__qualname__
    size = None

    def batched(a: Any) -> bool:
        return isinstance(a, Tensor) and a._bat is not None and level in a._bat

    flat = []  # (leaves, treedef) of each argument: a list or dict of Tensors is looked into
    for a in args:
        leaves, tdef = tree_flatten(a)
        flat.append((leaves, tdef))
        for x in leaves:
            if batched(x):
                size = x._data.shape[x._bat.index(level)]
    in_dims = []
    inner = []
    for a, (leaves, tdef) in zip(args, flat, strict=True):
        dims = [0 if batched(x) else None for x in leaves]
        vals = [from_batch(x, level, 0, size) if d == 0 else x
                for x, d in zip(leaves, dims, strict=True)]
        if isinstance(a, Tensor) or len(leaves) == 1 and leaves[0] is a:
            in_dims.append(dims[0] if dims else None)
            inner.append(vals[0] if vals else a)
        else:  # as torch: the in_dims entry of a container has the container's structure
            in_dims.append(tree_unflatten(tdef, dims))
            inner.append(tree_unflatten(tdef, vals))
    info = VmapInfo(batch_size=int(size), randomness=randomness() or "error")
    res = cls.vmap(info, tuple(in_dims), *inner)
    if not (isinstance(res, tuple) and len(res) == 2):
        raise GradError(
            f"{name}.vmap: expected the vmap staticmethod to return a pair (output, out_dims), "
            f"got {type(res).__name__}")
    out, out_dims = res
    is_tuple = isinstance(out, tuple)
    outs = out if is_tuple else (out,)
    if isinstance(out_dims, int) or out_dims is None:
        dims = (out_dims,) * len(outs)
    elif is_tuple and isinstance(out_dims, tuple) and len(out_dims) == len(outs):
        dims = out_dims
    else:
        raise GradError(
            f"{name}.vmap: out_dims {out_dims!r} does not match the output ({len(outs)} "
            f"value(s){', a tuple' if is_tuple else ''}); give an int, None, or a tuple with one "
            f"entry per output")
    wrapped = []
    for k, (o, d) in enumerate(zip(outs, dims, strict=True)):
        if d is None:
            wrapped.append(o)
            continue
        if not isinstance(d, int) or not hasattr(o, "shape"):
            raise GradError(
                f"{name}.vmap: output {k} ({type(o).__name__}) has out_dim {d!r}; only Tensor "
                f"outputs have a batch dimension (give None for the others)")
        nd = len(o.shape)
        if not -nd <= d < nd or o.shape[d] != size:
            raise GradError(
                f"{name}.vmap: output {k} of shape {tuple(o.shape)} has out_dim {d}, which is "
                f"not a dimension of size {size} (the batch size)")
        w = to_batch(o, level, d % nd)
        for f in _frames():
            if f[0] is cls:  # how a pending jvp level finds this output's tangent (_settle)
                f[3].append((w, o, level, d % nd, int(size)))
        wrapped.append(w)
    return tuple(wrapped) if is_tuple else wrapped[0]


# ---- forward mode ----------------------------------------------------------------------------

def _without(a: Any, level: int) -> Any:
    """``a`` without the tangents of ``level`` and above, still a Tensor (forward reads
    ``x.shape``, ``x.numpy()``) with its data, history and batch levels."""
    if not isinstance(a, Tensor) or not a._tan:
        return a
    low = {k: v for k, v in a._tan.items() if k < level} or None
    return Tensor(a._data, _node=a._node if a.requires_grad else None, _tan=low, _ver=a._ver,
                  _bat=a._bat)


def _zeros_like(a: Tensor) -> Tensor:
    from .. import engine

    data = engine._rules._xp(a._data).zeros(a._data.shape, a._data.dtype)
    return Tensor(data, _bat=a._bat)


def _jvp_level(cls: type, args: tuple, level: int, base: Callable) -> Any:
    from .function import FunctionCtx

    name = cls.__qualname__
    if not overrides(cls, "jvp"):
        raise GradError(
            f"{name}.apply under forward mode (jvp, jacfwd): you must implement the jvp "
            f"function for custom autograd.Function to use it with forward mode AD (a "
            f"staticmethod jvp(ctx, *tangents) returning one tangent per output; "
            f"ctx.save_for_forward keeps what it needs)")
    # the levels below first, and the tape step (its saved inputs keep this level's tangents,
    # for forward mode over its backward); its outputs then have a history that the jvp
    # staticmethod's tangents carry on (reverse mode over forward mode)
    given = [a._tan.get(level) if isinstance(a, Tensor) and a._tan else None for a in args]
    frame = [cls, level, [], []]
    _frames().append(frame)
    try:
        out = apply_levels(cls, args, base)
    finally:
        frames = _frames()
        del frames[next(i for i, f in enumerate(frames) if f is frame)]
    low = tuple(_without(a, level) for a in args)
    ctx = FunctionCtx()
    ctx._fn = name
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and bool(a._tan) and level in a._tan
                                 for a in args)
    with _state.no_grad():
        cls.setup_context(ctx, low, out)
    tangents = _tangents_for(name, args, given, ctx)
    ctx._saved = ctx._fwd_saved
    try:
        t_out = cls.jvp(ctx, *tangents)
    finally:
        ctx._saved = None
    # an input that forward wrote into and returned (mark_dirty) stays that object
    dirty = [a for a, lo in zip(args, low, strict=True) if id(lo) in ctx._dirty]
    res = _attach(name, out, t_out, ctx, level, dirty)
    _settle(frame, out, res, level)
    return res


def _settle(frame: list, out: Any, res: Any, level: int) -> None:
    """Give the tape steps recorded below this level the tangents of their saved outputs: an
    output of this level's, or one a vmap staticmethod batched into one (its tangent is cut
    from that one's); a step whose outputs are neither is marked (its backward raises under
    forward mode)."""
    from ..batching import from_batch
    from .function import pack_tangent

    outs = out if isinstance(out, tuple) else (out,)
    done = res if isinstance(res, tuple) else (res,)

    def tangent_of(s: Any) -> Any:
        k = next((k for k, o in enumerate(outs) if o is s), None)
        if k is not None:
            return done[k]
        for w, inner, vlevel, dim, size in frame[3]:
            if inner is s:
                outer = tangent_of(w)
                if outer is None:
                    return None
                t = (outer._tan or {}).get(level)
                if t is not None and not isinstance(t, NoTangent):
                    t = from_batch(t if isinstance(t, Tensor) else Tensor(t), vlevel, dim, size)
                return Tensor(s._data, _tan=None if t is None else {level: t}, _bat=s._bat)
        return None

    for node, params, step_outs in frame[2]:
        found = [tangent_of(s) for s in step_outs]
        if any(f is None for f in found):
            params.setdefault("lost", set()).add(level)
            continue
        t = pack_tangent(found, level)
        if t is not None:
            tan = dict(params.get("tan") or {})
            tan[level] = t
            params["tan"] = tan
            node.tan = True


def _attach(name: str, out: Any, t_out: Any, ctx: Any, level: int, dirty: list) -> Any:
    """``out`` with the tangents ``t_out`` (one per output) at ``level``."""
    is_tuple = isinstance(out, tuple)
    outs = out if is_tuple else (out,)
    if is_tuple:
        if not isinstance(t_out, tuple | list):
            t_out = (t_out,) if len(outs) == 1 else t_out
        if not isinstance(t_out, tuple | list) or len(t_out) != len(outs):
            got = len(t_out) if isinstance(t_out, tuple | list) else 1
            raise GradError(
                f"{name}.jvp returned {got} tangent(s) but forward returned {len(outs)} "
                f"outputs; return one tangent per output (None for the non-differentiable ones)")
        tans = tuple(t_out)
    else:
        tans = (t_out,) if not isinstance(t_out, tuple | list) or len(t_out) != 1 else t_out
        if isinstance(tans[0], tuple | list):
            raise GradError(
                f"{name}.jvp returned {len(tans[0])} tangents but forward returned one output")
    res = []
    nondiff_out = ctx.__dict__.get("_nondiff_out", ())
    for k, (o, t) in enumerate(zip(outs, tans, strict=True)):
        if not isinstance(o, Tensor) or id(o) in ctx._nondiff or o.dtype.kind not in "fc" \
                or k in nondiff_out:
            if t is not None and isinstance(o, Tensor):
                raise GradError(
                    f"{name}.jvp returned a tangent at position {k}, but the corresponding "
                    f"forward output is not a differentiable Tensor (marked non-differentiable "
                    f"or not floating point); return None at that position instead")
            res.append(o)
            continue
        if t is None:
            t = _zeros_like(o)
        if not isinstance(t, Tensor):
            if not hasattr(t, "shape"):
                raise GradError(
                    f"{name}.jvp returned a {type(t).__name__} as the tangent of output {k}; "
                    f"return a Tensor (or None)")
            t = Tensor(t)
        if tuple(t.shape) != tuple(o.shape):
            raise GradError(
                f"{name}.jvp returned a tangent of shape {list(t.shape)} for output {k} of "
                f"shape {list(o.shape)}; a tangent has its output's shape")
        if t.dtype.kind == "c" and o.dtype.kind != "c":
            raise GradError(
                f"{name}.jvp returned a complex tangent for the real output {k}")
        if not (t.requires_grad or t._tan or t._bat is not None):
            t = t._data  # a plain value, as the engine keeps tangents
        tan = dict(o._tan) if o._tan else {}
        tan[level] = t
        if any(o is a for a in dirty):
            o._tan = tan
            res.append(o)
            continue
        res.append(Tensor(o._data, _node=o._node if o.requires_grad else None, _tan=tan,
                          _ver=o._ver, _bat=o._bat))
    return tuple(res) if is_tuple else res[0]
