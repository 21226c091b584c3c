"""User-defined derivative rules and checkpointing: custom_vjp, custom_jvp, checkpoint."""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as _np

from . import _state
from . import rules as _r
from ._no_tangent import NoTangent
from .closure import _Finder
from .engine import GradError, LeafNode, Node, edge_of, run_backward
from .numpy import random as _random
from .prims.core import register
from .rules import Primitive
from .saved_hooks import pack_node, pack_tree, unpack_tree
from .tensor import Tensor
from .tree import tree_flatten, tree_map, tree_unflatten


def _is_array(a) -> bool:
    return isinstance(a, Tensor) or hasattr(a, "shape") and hasattr(a, "dtype")


def _raw(a):
    """The constant behind ``a`` (inside vmap, a batched constant: a Tensor without history)."""
    if isinstance(a, Tensor):
        return a._data if a._bat is None else Tensor(a._data, _bat=a._bat)
    return a


def _levels(a):
    return a._bat if isinstance(a, Tensor) else None


def _on_backend(a):
    """A host (NumPy) array moved to the current backend, so that a user function handed
    raw values never mixes host and device arrays; anything else as it is."""
    if isinstance(a, _np.ndarray):
        from .backends import get_backend

        be = get_backend()
        if not isinstance(a, be.array_type):
            return be.asarray(a)
    return a


def _saved_entry(a):
    if isinstance(a, Tensor):
        return (a._data, a._ver, a._ver[0], a._node if a.requires_grad else None, a._tan,
                a.requires_grad)
    return (a,)


def _tracked(leaves) -> bool:
    return _state.local.grad_enabled and any(
        isinstance(a, Tensor) and a.requires_grad for a in leaves)


def _has_tangents(leaves) -> bool:
    return any(isinstance(a, Tensor) and a._tan for a in leaves)


def _make_node(rule, edges, saved, params, out, inputs=()):
    """The tape step of a user rule; inside vmap ``out`` is a batched constant and the step
    notes the vmap levels of its output and of its saved ``inputs`` (engine.Node.bats)."""
    tan = any(s is not None and len(s) > 1 and bool(s[4]) for s in saved)
    node = Node(rule, tuple(edges), saved, params, out.shape, out.dtype, tan=tan)
    bat = _levels(out)
    if bat is not None or any(_levels(a) is not None for a in inputs):
        node.bat = bat
        node.bats = (bat,) + tuple(_levels(a) for a in inputs) + (None,) * (
            len(saved) - 1 - len(inputs))
        if _state.saved_hooks_open[0]:
            pack_node(node)  # (raises: batched)
        return Tensor(out._data if bat is not None else out, _node=node, _bat=bat)
    if _state.saved_hooks_open[0]:
        pack_node(node)
    return Tensor(out, _node=node)


def _common_levels(leaves):
    """The leaves (raw arrays or batched constants) batched over the union of their vmap
    levels: a leaf that lacks one is broadcast along it (it is the same for every example)."""
    levels = sorted({b for x in leaves if isinstance(x, Tensor) for b in x._bat})
    sizes = {}
    for x in leaves:
        if isinstance(x, Tensor):
            for k, b in enumerate(x._bat):
                sizes[b] = x._data.shape[k]
    out = []
    for x in leaves:
        have = x._bat if isinstance(x, Tensor) else ()
        d = x._data if isinstance(x, Tensor) else _r._xp(x).asarray(x)
        if tuple(have) != tuple(levels):
            xp = _r._xp(d)
            for k, b in enumerate(levels):
                if b not in have:
                    d = xp.expand_dims(d, k)
            d = xp.broadcast_to(d, tuple(sizes[b] for b in levels) + d.shape[len(levels):])
        out.append((d, len(levels)))
    return out, tuple(levels)


def _pack(leaves):
    """One flat array holding every float output (a single tape step has one output)."""
    if any(isinstance(x, Tensor) and x._bat is not None for x in map(_raw, leaves)):
        datas, levels = _common_levels([_raw(x) for x in leaves])
        xp = _r._xp(datas[0][0])
        # xp.reshape, not the method: gpuad.jit records namespace calls, not array methods
        flat = xp.concatenate([xp.reshape(d, d.shape[:k] + (-1,)) for d, k in datas], axis=-1) \
            if len(datas) > 1 else xp.asarray(datas[0][0])
        return Tensor(flat, _bat=levels)
    xp = _r._xp(leaves[0])
    # asarray: a 0-d result (``x @ x``) may come as a NumPy scalar, which is no backend array
    return xp.concatenate([xp.ravel(_raw(x)) for x in leaves]) if len(leaves) > 1 else \
        xp.asarray(_raw(leaves[0]))


def _unpack(flat, leaves):
    if len(leaves) == 1:
        return [flat]
    out, off = [], 0
    for x in leaves:
        n = int(_raw(x).size)
        out.append(_r.reshape(_r.getitem(flat, slice(off, off + n)), _r.shape(x)))
        off += n
    return out


def _split(flat, shapes):
    """The inverse of :func:`_pack` from the leaves' shapes (recorded when ``flat`` is a
    Tensor)."""
    if len(shapes) == 1:
        return [flat]
    out, off = [], 0
    for shp in shapes:
        n = 1
        for d in shp:
            n *= d
        if isinstance(flat, Tensor):
            out.append(_r.reshape(_r.getitem(flat, slice(off, off + n)), shp))
        else:
            out.append(flat[off:off + n].reshape(shp))
        off += n
    return out


def _float_leaves(leaves):
    return [i for i, x in enumerate(leaves) if _is_array(x) and _raw(x).dtype.kind in "fc"]


def _numbers_as_arrays(leaves) -> list:
    """Python float and complex output leaves as 0-d arrays: they are outputs like any array
    (as in JAX), and left as numbers the rule's derivative for them was dropped (a silent
    zero gradient)."""
    if not any(isinstance(x, float | complex) for x in leaves):
        return leaves
    from .transforms import _asarray

    return [_asarray(x, "custom rule") if isinstance(x, float | complex) else x
            for x in leaves]


def _zero_like(x):
    return _r._xp(_raw(x)).zeros(_r.shape(x), dtype=_raw(x).dtype) if _is_array(x) else 0.0


def _out_cotangent(g, params):
    """The cotangent pytree a rule sees for the packed output cotangent ``g``."""
    full = list(params["zeros"])
    for i, piece in zip(params["diff"], _split(g, params["shapes"]), strict=True):
        full[i] = piece
    return tree_unflatten(params["odef"], full)


def _wrap_outputs(rule, edges, saved, params, leaves, odef, diff, tangent=None, inputs=()):
    """One tape step for the float leaves of a rule's output, which are unpacked from it."""
    params.update(odef=odef, diff=diff, shapes=[_r.shape(leaves[i]) for i in diff],
                  zeros=[None if i in diff else _zero_like(x) for i, x in enumerate(leaves)])
    dl = [_raw(leaves[i]) for i in diff]
    packed = _pack(dl)
    if rule is not None:
        packed = _make_node(rule, edges, saved, params, packed, inputs)
    elif not isinstance(packed, Tensor):
        packed = Tensor(packed)
    if tangent is not None:
        packed._tan = tangent
    out = [_raw(x) for x in leaves]
    for i, v in zip(diff, _split(packed, params["shapes"]), strict=True):
        out[i] = v
    return tree_unflatten(odef, out)


# ---- checkpoint -----------------------------------------------------------------------------

def _ckpt_vjp(g, ans, inputs, params, need):
    fn, seed, adef, arr_pos, flat_args, arg_nodes, edges = (
        params["fn"], params["seed"], params["adef"], params["arr_pos"], params["flat_args"],
        params["arg_nodes"], params["edges"])
    for counter, version, shape in params.get("reads", ()):
        if counter[0] != version:
            raise GradError(
                f"checkpoint: a Tensor of shape {shape} that requires grad, which the "
                f"checkpointed block {getattr(fn, '__name__', 'f')} reads without receiving "
                f"it as an argument, was read at version {version} but has since been "
                f"modified in place (now version {counter[0]}); backward computes the block "
                f"again and would differentiate it at the new value. Compute the gradient "
                f"before writing to it (e.g. before an optimizer step), or write to a copy")
    for counter, version, shape in params.get("const_reads") or ():
        if counter[0] != version:
            raise GradError(
                f"checkpoint: a Tensor of shape {shape} that the checkpointed block "
                f"{getattr(fn, '__name__', 'f')} reads (one that requires no grad, such as a "
                f"closed-over constant) was read at version {version} but has since been "
                f"modified in place (now version {counter[0]}); backward computes the block "
                f"again and would use its new value, a gradient of another function. Compute "
                f"the gradient before writing to it, or write to a copy")
    # a graph where the backward builds one (grad mode on: create_graph) or carries tangents;
    # a first-order step inside vmap sees Tensors too, in no_grad, and keeps no graph
    diff = isinstance(g, Tensor) and (_state.local.grad_enabled or bool(g._tan) or any(
        isinstance(x, Tensor) and x._tan for x in inputs))
    args = list(flat_args)
    for k, (pos, x) in enumerate(zip(arr_pos, inputs, strict=True)):
        if isinstance(x, Tensor):
            args[pos] = x
        elif arg_nodes[k] is not None:
            args[pos] = Tensor(x, _node=arg_nodes[k])
        elif params.get("tensors", ())[k:k + 1] == [True]:
            args[pos] = Tensor(x)  # a Tensor argument stays a Tensor (a raw array broke a
            # block that calls Tensor methods or Function.apply on it)
        else:
            args[pos] = x
    named = params.get("named")
    from .batching.named import bound

    start = next(_state.seq)
    with _state.enable_grad(), _random.seeded(seed), bound(params.get("axes")):
        if named and not _tracing():  # the results the block's policy saved (remat_policy)
            from .remat_policy import Replayer, run_with

            out = run_with(Replayer(named), fn, *tree_unflatten(adef, args))
        else:
            out = fn(*tree_unflatten(adef, args))
    floats = tree_flatten(out)[0]
    floats = [floats[i] for i in _float_leaves(floats)]  # packed into the step's output
    if not _tracing():
        _check_recomputed(fn, params.get("meta"), floats)
    leaves = [x for x in floats if isinstance(x, Tensor) and x.requires_grad]
    if not leaves:
        return [None] * len(edges)
    # the cotangent of each output, cut from g by operations on g alone: joining the
    # recomputed outputs instead would need grad mode (a first-order step inside vmap runs in
    # no_grad); an output that depends on no input (a constant) has a piece but no graph
    # (operations of the op table on raw arrays too: gpuad.jit records them)
    pieces, off = [], 0
    for x in floats:
        shp = _r.shape(x)
        n = int(_np.prod(shp))
        pieces.append(g if len(floats) == 1 else
                      _r.reshape(_r.getitem(g, slice(off, off + n)), shp))
        off += n
    pairs = [(x, p) for x, p in zip(floats, pieces, strict=True)
             if isinstance(x, Tensor) and x.requires_grad]
    targets = [e for e, n in zip(edges, need, strict=True) if n]
    # the targets are values from before the block: their hooks (and retain_grad) run once,
    # on their whole gradient, in the sweep that called this step (run here too, they were
    # applied twice to the block's part: 300 for 30 with a hook g * 10)
    res = run_backward([x for x, _ in pairs], [p for _, p in pairs], targets=targets,
                       retain_graph=diff, create_graph=diff, target_hooks=False)
    if diff:
        _carry_hooks(params.get("outs"), floats, start)
    return [res.get(e) for e in edges]


def _carry_hooks(outs, floats, start: int) -> None:
    """The tensor hooks of a checkpointed block's outputs, registered on their recomputed
    values once the first-order step has run: with ``create_graph`` the gradient it returns is
    computed from those values, so a later backward through it reaches them and not the
    forward's outputs (torch hands the recomputed values back as the forward's outputs, whose
    hooks a second backward runs; without this, the hooks were left out of it)."""
    from .tensor_hooks import _hooks_of, register_hook

    for ref, y in zip(outs or (), floats, strict=False):
        node = ref() if ref is not None else None
        h = _hooks_of(node) if node is not None else None
        if h is None or not h.fns or not (isinstance(y, Tensor) and y.requires_grad):
            continue
        own = edge_of(y)
        if own.rule is None or own.seq < start:
            continue  # not computed by the recomputation (an argument returned as it came)
        for fn in list(h.fns.values()):
            register_hook(y, fn)


def _outputs_meta(outs) -> list | None:
    """The shape, dtype and sum of each float output of a checkpointed block's forward (the
    sums stay on the device, unread until backward compares the recomputation with them)."""
    if _tracing() or any(isinstance(x, Tensor) and x._bat is not None for x in outs):
        return None  # (a trace's values, or a vmap's per-example ones: not compared)
    meta = []
    for x in outs:
        a = _raw(x)
        meta.append((tuple(a.shape), a.dtype, _r._xp(a).sum(a)))
    return meta


def _bound_names() -> list:
    from .batching.named import BOUND

    return BOUND


def _ckpt_impl(xp, *inputs, fn, seed, adef, arr_pos, flat_args, **_):
    """A checkpointed block's forward: ``fn`` rerun on ``inputs`` (the array arguments) with
    the same random draws, its float outputs packed as the tape step holds them."""
    args = list(flat_args)
    for pos, x in zip(arr_pos, inputs, strict=True):
        args[pos] = x
    from .batching.named import bound

    with _state.no_grad(), _random.seeded(seed), bound(_.get("axes")):
        leaves = tree_flatten(fn(*tree_unflatten(adef, args)))[0]
    floats = [leaves[i] for i in _float_leaves(leaves)]
    _check_recomputed(fn, _.get("meta"), floats)
    return _pack([_raw(x) for x in floats])


class CheckpointError(GradError):
    """The recomputation of a checkpointed block returned other arrays than its first run
    (another number of floating outputs, another shape or dtype, or other values: each
    output's sum is compared), as torch's
    ``torch.utils.checkpoint.CheckpointError``: the gradient would belong to another
    function, so backward raises instead."""


def _check_recomputed(fn, meta: list | None, floats: list) -> None:
    """Raise :class:`CheckpointError` where backward's run of a checkpointed block computed
    other outputs than its forward did (``meta``: each float output's shape, dtype and sum,
    from :func:`_outputs_meta`): a block that reads changing Python state, draws from an
    unseeded generator or branches on a counter would get the gradient of another
    computation."""
    if meta is None or any(isinstance(x, Tensor) and x._bat is not None for x in floats):
        return
    what = None
    if len(floats) != len(meta):
        what = (f"it returned {len(meta)} floating arrays in the forward and {len(floats)} "
                f"when computed again")
    else:
        shapes = []
        for k, ((shp, dt, _s), x) in enumerate(zip(meta, floats, strict=True)):
            a = _raw(x)
            if tuple(a.shape) != shp or a.dtype != dt:
                shapes.append(f"output {k}: shape {shp} dtype {dt} in the forward, shape "
                              f"{tuple(a.shape)} dtype {a.dtype} when computed again")
        what = "; ".join(shapes) or None
    if what is None:
        for k, ((shp, _dt, s0), x) in enumerate(zip(meta, floats, strict=True)):
            a = _raw(x)
            xp = _r._xp(a)
            s1, scale = complex(xp.sum(a)), float(xp.sum(xp.abs(a)))
            s0 = complex(s0)
            if _np.isnan(s0) or _np.isnan(s1) or _np.isinf(s0) or _np.isinf(s1):
                same = _np.isnan(s0) == _np.isnan(s1) and (_np.isnan(s0) or s0 == s1)
            else:
                # (a GPU's reductions may add in another order each run: sqrt(eps) relative)
                tol = float(_np.sqrt(_np.finfo(a.dtype).eps))
                same = abs(s1 - s0) <= tol * scale + 1e-300
            if not same:
                what = (f"different values: output {k} (shape {shp}) summed to {s0:.6g} in "
                        f"the forward and to {s1:.6g} when computed again")
                break
    if what is None:
        return
    name = getattr(fn, "__name__", "f")
    raise CheckpointError(
        f"checkpoint: the checkpointed block {name} computed something else when backward ran "
        f"it again ({what}), so its gradient cannot be that of the forward. The block must "
        f"compute the same thing on every call: make what it depends on (a global, a counter, "
        f"a mode flag) an argument, or keep it unchanged until the backward has run")


def _call_impl(xp, *inputs, fun, adef, args, arr_pos, diff, **_):
    """A custom rule's forward: the user's function on ``inputs`` (the differentiated
    arrays) and its other arguments, the float outputs packed as the tape step holds them."""
    flat = list(args)
    for pos, x in zip(arr_pos, inputs, strict=True):
        flat[pos] = x
    with _state.no_grad():
        leaves = tree_flatten(fun(*tree_unflatten(adef, flat)))[0]
    return _pack([_raw(leaves[i]) for i in diff])


# one primitive each in the op table; the user's functions and rules travel in the params
_CKPT = register(Primitive("checkpoint", impl=_ckpt_impl, vjp=_ckpt_vjp))


def _tracing() -> bool:
    from .jit import trace as _jit_trace

    return _jit_trace.active() is not None


def checkpoint(f: Callable, *, policy: Callable | None = None, **options: Any) -> Callable:
    """Run ``f`` without keeping its intermediate values; recompute them in backward.

    Only the inputs are saved, so a chain of checkpointed blocks holds one block's
    activations at a time. Random draws inside ``f`` are replayed exactly on recomputation;
    a recomputation whose outputs differ from the forward's (shape, dtype or values: ``f``
    read Python state that changed in between) raises ``GradError``.
    ``policy`` (``gpuad.checkpoint_policies``: ``dots_saveable``,
    ``save_only_these_names("h")`` with ``gpuad.checkpoint_name``, ...) also keeps the
    results it calls saveable, which the recomputation then takes instead of computing them
    (gpuad/remat_policy.py); results and gradients are the same under every policy. Inside
    ``gpuad.jit`` the policy is not used: the compiled program chooses what to save itself.
    ``jax.checkpoint``'s other options (``prevent_cse``, ``static_argnums``) have no
    counterpart and raise ``TypeError`` (``gpuad.remat`` takes and ignores them).

    Example::

        block = gpuad.checkpoint(lambda h: gnp.tanh(h @ w))
        loss = gnp.sum(block(block(x)))
    """
    if options:
        raise TypeError(
            f"checkpoint() got {', '.join(sorted(options))}: gpuad.checkpoint takes policy= "
            f"only. There are no common subexpressions to prevent across its boundary, and "
            f"Python values among its arguments are static already (gpuad.remat takes and "
            f"ignores these options). Inside gpuad.jit the compiled program chooses what to "
            f"save and what to compute again itself: see gpuad.jit.fusion.Options(remat=...)")
    if policy is not None and not callable(policy):
        raise TypeError(f"checkpoint(): policy must be a function (prim, *args, **params) -> "
                        f"bool, such as gpuad.checkpoint_policies.dots_saveable; got "
                        f"{type(policy).__name__}")

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        if kwargs:
            # keyword values are arguments too, saved and checked as the positional ones (read
            # from the closure, a constant written in place before the backward was used at
            # its new value: a silently wrong gradient)
            n, keys = len(args), list(kwargs)

            @functools.wraps(f)
            def positional(*a):
                return f(*a[:n], **dict(zip(keys, a[n:], strict=True)))

            return checkpoint(positional, policy=policy)(*args, *kwargs.values())
        flat_args, adef = tree_flatten(args)
        if not _state.local.grad_enabled or _has_tangents(flat_args):
            return f(*args)
        seed = _random.draw_seed()
        arr_pos = [i for i, a in enumerate(flat_args) if _is_array(a)]
        # the arguments as they are before the block runs: backward runs it again on them,
        # so a write into one (also by the block itself) must make that backward raise
        for i in arr_pos:
            if isinstance(flat_args[i], Tensor) and flat_args[i].requires_grad:
                edge_of(flat_args[i])  # a leaf's node, which the saved entry names
        saved = [None] + [_saved_entry(flat_args[i]) for i in arr_pos]
        found: dict = {}
        reads: dict = {}
        prev = _state.local.__dict__.get("collect")
        prev_reads = _state.local.__dict__.get("reads")
        creads: dict = {}
        prev_creads = _state.local.__dict__.get("const_reads")
        _state.local.collect = found
        _state.local.reads = reads
        _state.local.const_reads = creads
        rec = None
        start = next(_state.seq)
        try:
            with _state.no_grad(), _random.seeded(seed):
                from . import remat_policy as _rp

                if policy is not None and policy is not _rp.nothing_saveable and not _tracing():
                    rec = _rp.Recorder(policy)
                    out = _rp.run_with(rec, f, *args)
                else:
                    out = f(*args)
        finally:
            _state.local.collect = prev
            _state.local.reads = prev_reads
            _state.local.const_reads = prev_creads
        if prev is not None:
            prev.update(found)
        if prev_reads is not None:
            for n, r in reads.items():
                prev_reads.setdefault(n, r)
        # the constants read and not written by the block itself (its intermediates, and
        # buffers it updates such as running statistics, are not what a later write changes)
        creads = {k: r for k, r in creads.items() if r[0][0] == r[1]}
        if prev_creads is not None:
            for k, r in creads.items():
                prev_creads.setdefault(k, r)
        leaves, odef = tree_flatten(out)
        for x in leaves:
            if isinstance(x, Tensor) and x.requires_grad:
                n = edge_of(x)
                if n.rule is not None and n.seq > start:
                    # recorded inside the block (it turned grad mode on, e.g. for an
                    # autograd.grad with create_graph): what its history read from before the
                    # block is what the recomputation must be differentiated for (the node
                    # itself is not reached again: its gradient was lost, a silent zero)
                    _frontier(n, start, found)
                else:
                    # returned as it came (run without recording, the block makes nothing
                    # tracked): no operation read it, yet the output depends on it
                    found[n] = n
        diff = [i for i, x in enumerate(leaves) if _is_array(x) and _raw(x).dtype.kind in "fc"]
        if not found or not diff:
            return out
        arg_nodes = [edge_of(flat_args[i]) if isinstance(flat_args[i], Tensor) and
                     flat_args[i].requires_grad else None for i in arr_pos]
        edges = list(found.values())
        from ._autocast import bind_state  # recomputed under this autocast state

        params = {"fn": bind_state(f), "seed": seed, "adef": adef, "arr_pos": arr_pos,
                  "flat_args": [None if _is_array(a) else a for a in flat_args],
                  "arg_nodes": arg_nodes, "edges": edges,
                  "tensors": [isinstance(flat_args[i], Tensor) for i in arr_pos],
                  "reads": [reads[n] for n in edges if n in reads],
                  "const_reads": list(creads.values()) or None,
                  "named": rec.saved if rec is not None and rec.saved else None,
                  "axes": list(_bound_names()) or None}
        dl = [leaves[i] for i in diff]
        params["meta"] = _outputs_meta(dl)  # what the recomputation must return again
        packed = _make_node(_CKPT, edges, saved, params, _pack(dl),
                            [flat_args[i] for i in arr_pos])
        for i, v in zip(diff, _unpack(packed, dl), strict=True):
            leaves[i] = v
        # (weakly: the outputs' steps hold this one, whose hooks _carry_hooks reads)
        params["outs"] = [weakref.ref(edge_of(leaves[i])) if isinstance(leaves[i], Tensor) and
                          leaves[i].requires_grad else None for i in diff]
        return tree_unflatten(odef, leaves)

    return wrapped


def _frontier(node, start: int, found: dict) -> None:
    """The nodes from before step ``start`` (or leaves) that ``node``'s history reads."""
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        if n.rule is None or n.seq < start:
            found[n] = n
        else:
            stack.extend(n.edges)


# ---- values a custom rule's function reads without receiving them ----------------------------

def _closure_error(kind: str, fun) -> GradError:
    return GradError(
        f"{kind} {getattr(fun, '__name__', 'f')}: the function reads a value that is being "
        f"differentiated without receiving it as an argument (a closed-over Tensor, or one "
        f"computed from the differentiated inputs); the rule gives no derivative for it, so "
        f"that part of the derivative would be lost. Pass the value as an argument (the rule "
        f"then gives its derivative), or wrap it in gpuad.stop_gradient if it is a constant")


def _allowed_nodes(values) -> set:
    """The tape nodes of the tracked Tensors among ``values`` (a pytree)."""
    return {edge_of(a) for a in tree_flatten(values)[0]
            if isinstance(a, Tensor) and a.requires_grad}


def _reads_closure(roots, allowed: set, start: int) -> bool:
    """Whether the steps recorded since ``start`` behind ``roots`` read a tracked value other
    than the ``allowed`` nodes (the arguments)."""
    from .transforms import _FINISHED

    stack = [edge_of(r) for r in roots if isinstance(r, Tensor) and r.requires_grad]
    seen: set = set()
    while stack:
        n = stack.pop()
        if n is None or n in seen or n in allowed:
            continue
        seen.add(n)
        if n.__class__ is LeafNode:
            if n.ref() is not None and n not in _FINISHED:
                return True
        elif n.seq < start:
            return True
        else:
            stack.extend(n.edges)
    return False


def _tangent_closure(out_leaves, static) -> bool:
    """Whether an output carries forward-mode tangents that no argument brought (the function
    reads a value an enclosing jvp differentiates); unknown when a static argument has some."""
    if _has_tangents(tree_flatten(static)[0]):
        return False
    return any(isinstance(o, Tensor) and o._tan for o in out_leaves)


# ---- custom_vjp -------------------------------------------------------------------------------

def _cvjp_vjp(g, ans, inputs, params, need):
    bwd, res = params["bwd"], params["res"]
    if params.get("packed"):  # residuals packed by saved_tensors_hooks
        res = unpack_tree(res, f"custom_vjp {params['name']}")
    # first order on Tensors (a jit trace, vmap): no graph is built and no tangents travel,
    # so the rule sees its residuals as values, as it sees raw arrays eagerly (a vjp nested
    # in bwd would otherwise reach the residuals' tape and build a graph eager does not)
    first = isinstance(g, Tensor) and not _state.local.grad_enabled and not g._tan and not \
        any(isinstance(x, Tensor) and x._tan for x in tree_flatten(res)[0])
    from .batching.named import bound

    if isinstance(g, Tensor):
        with bound(params.get("axes")):  # bwd may call collectives of the vmap it ran in
            cts = bwd(tree_map(_as_value, res) if first else res, _out_cotangent(g, params))
    else:
        with _state.no_grad(), bound(params.get("axes")):
            cts = bwd(tree_map(_raw, res), _out_cotangent(g, params))
    if not isinstance(cts, tuple | list):
        cts = (cts,)
    if not isinstance(g, Tensor):  # first order: a Tensor from a vjp_fn nested in bwd is a value
        cts = tree_map(_raw, tuple(cts))
    elif first:
        cts = tree_map(_as_value, tuple(cts))
    if len(cts) != params["nargs"]:
        raise GradError(
            f"custom_vjp {params['name']}: bwd returned {len(cts)} cotangents for "
            f"{params['nargs']} arguments"
        )
    flat = []
    for k, (ct, n) in enumerate(zip(cts, params["counts"], strict=True)):
        leaves = [None] * n if ct is None else tree_flatten(ct)[0]
        if len(leaves) != n and "argdefs" in params:  # None for a part of the argument
            leaves = _none_zeros(ct, params["argdefs"][k]) or leaves
        if len(leaves) != n:
            raise GradError(
                f"custom_vjp {params['name']}: bwd's cotangent {k} has {len(leaves)} leaves "
                f"but argument {k} has {n}; return one cotangent per argument, with the "
                f"argument's structure")
        flat.extend(leaves)
    out = [flat[p] for p in params["arr_pos"]]
    out = [_r._xp(g).asarray(ct) if isinstance(ct, float | int | complex) and
           not isinstance(ct, bool) else ct for ct in out]
    for k, (ct, shp) in enumerate(zip(out, params["arg_shapes"], strict=True)):
        if ct is not None and _r.shape(ct) != shp:
            raise GradError(
                f"custom_vjp {params['name']}: bwd returned a cotangent of shape "
                f"{_r.shape(ct)} for an input of shape {shp} (differentiated input {k}); "
                f"a cotangent has its input's shape")
        if ct is not None and _complex_value(ct) and params.get("real") and \
                not params["arg_complex"][k]:
            # (a real input of a function with complex outputs gets the real part, by rule)
            raise GradError(
                f"custom_vjp {params['name']}: bwd returned a complex cotangent for a real "
                f"input (differentiated input {k}) of a function with real outputs; a real "
                f"input's cotangent is real")
    return out


def _none_zeros(ct, d):
    """The leaves of cotangent ``ct`` for an argument of structure ``d``, where a None in
    ``ct`` stands for a zero cotangent of that whole part (as in JAX); None when ``ct`` does
    not have the argument's structure."""
    if ct is None:
        return [None] * len(tree_flatten(tree_unflatten(d, _Counter()))[0])
    if d == ():
        return [ct] if tree_flatten(ct)[1] == () else None  # a container for a leaf: wrong
    if d[0] is None:
        return []
    if d[0] is dict:
        if not (isinstance(ct, dict) and set(ct) == set(d[1])):
            return None
        parts = [_none_zeros(ct[key], c) for key, c in zip(d[1], d[2], strict=True)]
    else:
        if not (isinstance(ct, tuple | list) and len(ct) == len(d[1])):
            return None
        parts = [_none_zeros(x, c) for x, c in zip(ct, d[1], strict=True)]
    if any(p is None for p in parts):
        return None
    return [leaf for p in parts for leaf in p]


class _Counter:
    """Leaves for :func:`tree_unflatten` when only their number matters."""

    def __iter__(self):
        return self

    def __next__(self):
        return 0


def _as_value(a):
    """A Tensor without its tape (the same array, version counter and vmap levels)."""
    if isinstance(a, Tensor) and a.requires_grad:
        return Tensor(a._data, _ver=a._ver, _bat=a._bat)
    return a


def _nondiff(fun, nums: Sequence[int], names: Sequence[str]) -> tuple:
    """``nondiff_argnums`` with the positions of the parameters ``nondiff_argnames``."""
    if isinstance(names, str):
        names = (names,)
    pos = set(nums)
    if names:
        import inspect

        params = [p.name for p in inspect.signature(fun).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        for n in names:
            if n not in params:
                raise TypeError(f"{getattr(fun, '__name__', 'f')}: nondiff_argnames names "
                                f"{n!r}, which is not a positional parameter ({params})")
            pos.add(params.index(n))
    return tuple(sorted(pos))


def _no_symbolic_zeros(fun, asked: bool) -> None:
    if asked:
        raise TypeError(
            f"{getattr(fun, '__name__', 'f')}: symbolic_zeros=True (and optimize_remat) are "
            f"not available: a rule receives zero arrays for inputs without a tangent or "
            f"cotangent; define it with the default symbolic_zeros=False")


def _positional(obj, args, kwargs) -> tuple:
    """The arguments of a custom rule's function ``obj.fun`` by position, keywords bound and
    defaults filled in: the rules receive every primal positionally, as in JAX."""
    fun = obj.fun
    sig = obj.__dict__.get("_sig")
    if sig is None:
        try:
            sig = obj._sig = _signature(fun)
        except (TypeError, ValueError):  # a callable without a signature: positional only
            sig = obj._sig = (None, 0)
    if sig[0] is None:
        if kwargs:
            raise TypeError(f"{getattr(fun, '__name__', 'f')}: keyword arguments need a "
                            f"function with a signature")
        return args
    if not kwargs and len(args) >= sig[1]:
        return args
    try:
        bound = sig[0].bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{getattr(fun, '__name__', 'f')}: {e}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(
            f"{getattr(fun, '__name__', 'f')}: keyword arguments {sorted(bound.kwargs)} of a "
            f"custom rule's function must have positions (no **kwargs)")
    return bound.args


def _static_split(obj, args):
    """``nondiff_argnums``: the static arguments, the others, and a function that puts the
    others back among the static ones."""
    nums = obj.nondiff_argnums
    if nums[-1] >= len(args):
        raise TypeError(f"{getattr(obj.fun, '__name__', 'f')}: nondiff_argnums {nums} for a "
                        f"call with {len(args)} arguments")
    pos = [i for i in range(len(args)) if i not in nums]
    args = [tree_map(_constant, a) if i in nums else a for i, a in enumerate(args)]

    def merge(rest):
        full = list(args)
        for i, v in zip(pos, rest, strict=True):
            full[i] = v
        return full

    return [args[i] for i in nums], [args[i] for i in pos], merge


def _constant(a):
    """A Tensor as a constant (no tape, no tangents): a ``nondiff_argnums`` argument."""
    if isinstance(a, Tensor) and (a.requires_grad or a._tan):
        return Tensor(a._data, _ver=a._ver, _bat=a._bat)
    return a


def _named(fn, like):
    fn.__name__ = getattr(like, "__name__", "f")  # for messages; no __wrapped__ (signature)
    return fn


def _signature(fun):
    """``fun``'s signature and the number of its positional parameters."""
    import inspect

    sig = inspect.signature(fun)
    n = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            for p in sig.parameters.values())
    return sig, n


def _res_bytes(params):
    return sum(int(getattr(_raw(x), "nbytes", 0)) for x in tree_flatten(params["res"])[0])


class custom_vjp:
    """A function with a user-supplied reverse-mode rule, as ``jax.custom_vjp``.

    Example::

        @gpuad.custom_vjp
        def f(x):
            return gnp.log1p(gnp.exp(x))

        def f_fwd(x):
            y = f(x)
            return y, (x,)

        def f_bwd(res, g):
            (x,) = res
            return (g * gnp.exp(x) / (1 + gnp.exp(x)),)

        f.defvjp(f_fwd, f_bwd)
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = (),
                 nondiff_argnames: Sequence[str] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = _nondiff(fun, nondiff_argnums, nondiff_argnames)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        self.rule = _CVJP
        self._local = threading.local()

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False,
               optimize_remat: bool = False) -> None:
        _no_symbolic_zeros(self.fun, symbolic_zeros or optimize_remat)
        self.fwd, self.bwd = fwd, bwd

    def _without_tangents(self, args: tuple, flat: list, adef) -> Any:
        """Under forward mode: the output of the arguments without their tangents, each float
        output leaf carrying a :class:`NoTangent` for those levels (an error once read)."""
        from .engine import _strip

        if _tracked(flat):
            # a reverse transform would differentiate the rule's residuals without their
            # tangents: a silently wrong second derivative
            raise GradError(
                f"custom_vjp {self.fun.__name__}: forward mode (jvp/jacfwd) over a reverse-mode "
                f"derivative of a function with only a custom vjp is not available; use "
                f"custom_jvp instead, or reverse mode over reverse mode (jacrev of grad)")
        levels = {k for a in flat if isinstance(a, Tensor) and a._tan for k in a._tan}
        low = min(levels)
        out = self(*tree_unflatten(adef, [_strip(a, low) for a in flat]))
        leaves, odef = tree_flatten(out)
        for i in _float_leaves(leaves):
            x = leaves[i]
            tan = dict(x._tan) if isinstance(x, Tensor) and x._tan else {}
            bat = x._bat if isinstance(x, Tensor) else None
            shape = tuple(x.shape)
            dtype = (x._data if isinstance(x, Tensor) else _raw(x)).dtype
            for k in levels:
                tan.setdefault(k, NoTangent(self.fun.__name__, shape, dtype))
            grad = isinstance(x, Tensor) and x.requires_grad
            leaves[i] = Tensor(x._data if isinstance(x, Tensor) else x,
                               _node=edge_of(x) if grad else None, _tan=tan,
                               _ver=x._ver if isinstance(x, Tensor) else None, _bat=bat)
        return tree_unflatten(odef, leaves)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.fwd is None:
            raise GradError(f"custom_vjp {self.fun.__name__}: call defvjp(fwd, bwd) first")
        args = _positional(self, args, kwargs)
        if self.nondiff_argnums and not getattr(self._local, "busy", False):
            static, rest, merge = _static_split(self, args)

            def fwd(*r):
                self._local.busy = True  # f called inside fwd is the plain function
                try:
                    return self.fwd(*merge(r))
                finally:
                    self._local.busy = False

            inner = custom_vjp(_named(lambda *r: self.fun(*merge(r)), self.fun))
            inner.defvjp(fwd, lambda res, g: self.bwd(*static, res, g))
            inner._reads = self.bwd  # what the wrapper's closure hides from _note_reads
            inner._static = static  # constants for the rule, read by the function
            return inner(*rest)
        flat, adef = tree_flatten(args)
        if _has_tangents(flat):
            return self._without_tangents(args, flat, adef)
        if not _tracked(flat) or getattr(self._local, "busy", False):
            return self.fun(*args)
        arr_pos = [i for i, a in enumerate(flat) if isinstance(a, Tensor) and a.requires_grad]
        edges = [edge_of(flat[i]) for i in arr_pos]
        static = self.__dict__.get("_static", ())
        start = next(_state.seq)
        # fwd sees each tracked argument through an identity step: a read of the argument's
        # own Tensor by closure, not through the parameter, is then told apart
        mine = list(flat)
        for i in arr_pos:
            mine[i] = _r.identity(flat[i])
        allowed = {edge_of(mine[i]) for i in arr_pos} | _allowed_nodes(static)
        self._local.busy = True  # f called inside its own fwd is the plain function
        try:
            pair = self.fwd(*tree_unflatten(adef, mine))
        finally:
            self._local.busy = False
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise TypeError(
                f"custom_vjp {self.fun.__name__}: fwd must return a pair (output, residuals), "
                f"got {type(pair).__name__}")
        out, res = pair
        leaves, odef = tree_flatten(out)
        leaves = _numbers_as_arrays(leaves)
        diff = _float_leaves(leaves)
        if not diff:
            return out
        _batch_as_inputs(leaves, diff, flat)
        floats = [leaves[i] for i in diff]
        if _reads_closure(floats, allowed, start) or _tangent_closure(floats, static):
            raise _closure_error("custom_vjp", self.fun)
        params = {"bwd": self.bwd, "res": res, "arr_pos": arr_pos, "nargs": len(args),
                  "real": not any(_complex_value(leaves[i]) for i in diff),
                  "axes": list(_bound_names()) or None,
                  "counts": [len(tree_flatten(a)[0]) for a in args], "name": self.fun.__name__,
                  "argdefs": [tree_flatten(a)[1] for a in args],
                  "arg_shapes": [_r.shape(flat[i]) for i in arr_pos], "fun": self.fun,
                  "arg_complex": [_complex_value(flat[i]) for i in arr_pos],
                  "adef": adef, "args": [None if i in arr_pos else a for i, a in enumerate(flat)]}
        if _state.saved_hooks_open[0] and _state.local.saved_hooks:  # residuals packed
            params["res"] = pack_tree(res, f"custom_vjp {self.fun.__name__}")
            params["packed"] = True
        saved = [None] * (len(edges) + 1)
        outs = _wrap_outputs(self.rule, edges, saved, params, leaves, odef, diff)
        _note_reads(outs, self.__dict__.get("_reads", self.bwd), res)
        return outs


class _CellFinder(_Finder):
    """closure_convert's walker limited to closure cells and default values (no module
    globals: it runs at every call of a custom rule)."""

    def function(self, f) -> None:
        for cell in f.__closure__ or ():
            try:
                self.value(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
        for d in (*(f.__defaults__ or ()), *(f.__kwdefaults__ or {}).values()):
            self.value(d)


def _note_reads(outs, rule, res=()) -> None:
    """Tell the sweep what the backward formula of the step behind ``outs`` reads besides
    its inputs: the differentiated Tensors among ``res`` (residuals) and in ``rule``'s closure
    cells. A gradient through the step then depends on them (an outer ``grad`` records it, an
    outer ``jvp``'s tangents flow through it) instead of taking them as constants."""
    finder = _CellFinder()
    for leaf in tree_flatten(res)[0]:
        finder.value(leaf)
    finder.value(rule)
    if not finder.found:
        return
    node = next((edge_of(x) for x in tree_flatten(outs)[0]
                 if isinstance(x, Tensor) and x.requires_grad), None)
    if node is None:
        return
    reads = tuple(edge_of(t) for t in finder.found.values() if t.requires_grad)
    if reads:
        from .transforms import READS

        READS[node] = reads
    if any(t._tan for t in finder.found.values()):
        node.tan = True  # the step runs on Tensors, so those tangents reach its result


def custom_gradient(fun: Callable) -> Callable:
    """A function with its gradient given inline, as ``jax.custom_gradient``: ``fun`` returns
    ``(value, vjp)`` where ``vjp(g)`` gives one cotangent per positional argument (a tuple;
    a bare cotangent for a one-argument function). Built on :class:`custom_vjp`, so ``vjp``
    may read ``fun``'s arguments and is differentiated again for higher orders.

    Example::

        @gpuad.custom_gradient
        def f(x):
            return x ** 2, lambda g: (g * x,)
    """
    import inspect

    def primal(*args):
        return fun(*args)[0]

    def fwd(*args):
        pair = fun(*args)
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and callable(pair[1])):
            raise TypeError(f"custom_gradient {getattr(fun, '__name__', 'f')}: the function "
                            f"must return a pair (value, vjp function), got "
                            f"{type(pair).__name__}")
        return pair[0], pair[1]

    primal.__name__ = getattr(fun, "__name__", "f")
    rule = custom_vjp(primal)
    rule.defvjp(fwd, lambda vjp, g: vjp(g))
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):
        sig = None

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            if sig is None:
                raise TypeError(f"custom_gradient {primal.__name__}: keyword arguments need "
                                f"a function with a signature")
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            if bound.kwargs:
                raise TypeError(f"custom_gradient {primal.__name__}: keyword-only arguments "
                                f"{sorted(bound.kwargs)} are not taken; pass them by position")
            args = bound.args
        return rule(*args)

    return wrapped


def linear_call(fun: Callable, fun_transpose: Callable, residual_args: Any,
                linear_args: Any) -> Any:
    """``fun(residual_args, linear_args)``, linear in ``linear_args``, whose transpose is
    ``fun_transpose(residual_args, cotangent)``, as ``jax.custom_derivatives.linear_call``:
    reverse mode and :func:`gpuad.linear_transpose` in ``linear_args`` use
    ``fun_transpose`` (and transposing that again uses ``fun``). ``fun_transpose`` must return
    a value with ``linear_args``' structure. A differentiated value among ``residual_args``
    raises (they get no derivative); forward mode raises as for any custom_vjp.

    Example::

        y = gpuad.linear_call(lambda r, x: x / r, lambda r, t: t / r, r, x)
    """
    name = getattr(fun, "__name__", "fun")
    lin_def = tree_flatten(linear_args)[1]
    # host arrays on the GPU backend: fun and fun_transpose see one kind of array
    residual_args = tree_map(_on_backend, residual_args)
    linear_args = tree_map(_on_backend, linear_args)

    rule = _transposed_rule(f"linear_call {name}", name, lambda lin: fun(residual_args, lin),
                            lambda ct: linear_call(fun_transpose, fun, residual_args, ct),
                            lin_def)
    return rule(linear_args)


def _transposed_rule(what: str, name: str, call: Callable, transpose: Callable,
                     lin_def: Any) -> Any:
    """``call`` (linear in its one argument) as a custom_vjp whose backward is
    ``transpose(ct)``, checked to return ``lin_def``'s structure."""
    from .transforms import _shape_of_tree

    def bwd(_, ct):
        out = transpose(ct)
        got = tree_flatten(out)[1]
        if _shape_of_tree(got) != _shape_of_tree(lin_def):
            raise TypeError(f"{what}: the transpose must return a value with the structure "
                            f"of linear_args ({lin_def}), got {got} (transpose output pytree)")
        return (out,)

    call.__name__ = name
    rule = custom_vjp(call)
    rule.defvjp(lambda lin: (call(lin), None), bwd)
    return rule


class custom_transpose:
    """A function linear in its second argument with a given transpose, as
    ``jax.custom_transpose.custom_transpose``: ``f = custom_transpose(fun)``,
    ``f.def_transpose(t)``, then ``f(out_types, residual_args, linear_args)`` is
    ``fun(residual_args, linear_args)`` and reverse mode and :func:`gpuad.linear_transpose`
    in ``linear_args`` run ``t(residual_args, cotangent)``, itself transposed by its own rule
    when ``t`` is a ``custom_transpose`` (JAX's ``test_two_degrees``), by linearity otherwise;
    forward mode in ``linear_args`` applies ``fun`` to the tangent. ``out_types`` is accepted
    for JAX's signature and not read. A differentiated value among ``residual_args`` raises
    (it gets no derivative, as in JAX). :func:`linear_call` is the one-call form (its
    transpose's transpose is ``fun``).
    """

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.transpose: Callable | None = None

    def def_transpose(self, transpose: Callable) -> Callable:
        self.transpose = transpose
        return transpose

    def __call__(self, out_types: Any, residual_args: Any, linear_args: Any) -> Any:
        name = getattr(self.fun, "__name__", "fun")
        if self.transpose is None:
            raise AttributeError(f"No transpose rule defined for custom_transpose function "
                                 f"{name} using def_transpose")
        residual_args = tree_map(_on_backend, residual_args)
        linear_args = tree_map(_on_backend, linear_args)
        lin_def = tree_flatten(linear_args)[1]
        fun, transpose = self.fun, self.transpose

        rule = _transposed_rule(f"custom_transpose {name}", name,
                                lambda lin: fun(residual_args, lin),
                                lambda ct: transpose(residual_args, ct), lin_def)
        # forward mode: fun is linear in lin, so its tangent is fun applied to the tangent
        # (recorded through the same rule, so that reverse mode over it transposes by t)
        fwd = custom_jvp(rule)
        fwd.defjvp(lambda primals, tangents: (rule(primals[0]), rule(tangents[0])))
        return fwd(linear_args)


# the module's name in JAX: gpuad.custom_transpose.custom_transpose(f) works as in JAX
custom_transpose.custom_transpose = custom_transpose


# ---- custom_jvp -------------------------------------------------------------------------------

def _cjvp_vjp(g, ans, inputs, params, need):
    """Reverse mode by transposing the user's (linear in the tangents) jvp rule."""
    rule, args, adef = params["jvp"], list(params["args"]), params["adef"]
    for k, pos in enumerate(params["arr_pos"]):
        args[pos] = inputs[k] if inputs[k] is not None else args[pos]
    diff = isinstance(g, Tensor) or any(isinstance(x, Tensor) for x in inputs)
    # a graph of the transposition only where the backward builds one (grad mode on) or
    # carries tangents: a first-order step inside vmap or a jit trace sees Tensors in no_grad
    graph = diff and (_state.local.grad_enabled or any(
        isinstance(x, Tensor) and x._tan for x in (g, *inputs)))
    with _state.enable_grad():
        start = next(_state.seq)
        ts = [_zero_target(a) if _is_array(a) else _const_tangent(a) for a in args]
        prim = [a if diff else _raw(a) for a in args]
        stack = _transposing()
        stack.append((start, {edge_of(t) for t in ts if isinstance(t, Tensor)}))
        try:
            t_out = _tangent_of(rule(tree_unflatten(adef, prim), tree_unflatten(adef, ts)),
                                params["fun"], params["odef"], params["all_shapes"])
        finally:
            stack.pop()
        t_leaves = _tangent_leaves(t_out, params["odef"], params["fun"])
        targets = [edge_of(ts[p]) for p in params["arr_pos"]]
        outs, cts = [], []
        for i, gi in zip(params["diff"], _split(g, params["shapes"]), strict=True):
            if t_leaves[i] is not None and _r.shape(t_leaves[i]) != _r.shape(gi):
                raise TypeError(
                    f"custom_jvp {params['fun'].__name__}: the jvp rule's tangent output {i} "
                    f"has shape {_r.shape(t_leaves[i])} but the output has shape "
                    f"{_r.shape(gi)}")
            if t_leaves[i] is not None and _complex_value(t_leaves[i]) and \
                    not _complex_value(gi):
                raise TypeError(
                    f"custom_jvp {params['fun'].__name__}: the jvp rule's tangent output {i} "
                    f"is complex but the output is real; a real output has a real tangent")
            if isinstance(t_leaves[i], Tensor) and t_leaves[i].requires_grad:
                outs.append(t_leaves[i])
                cts.append(gi)
        if not outs:
            return [None] * len(targets)
        res = run_backward(outs, cts, targets=targets, retain_graph=graph, create_graph=graph)
    return [res.get(t) for t in targets]


_LOCAL = threading.local()


def _transposing() -> list:
    """(start, tangent target nodes) of the custom_jvp rules being transposed in this
    thread, innermost last."""
    stack = _LOCAL.__dict__.get("transposing")
    if stack is None:
        stack = _LOCAL.transposing = []
    return stack


def _on_tangent(leaves) -> bool:
    """Whether a tracked value among ``leaves`` is computed from the tangents of the rule being
    transposed (a rule applying a custom_jvp function to its tangent, ``f(x_dot)``)."""
    stack = _LOCAL.__dict__.get("transposing")
    if not stack:
        return False
    start, targets = stack[-1]
    todo = [edge_of(a) for a in leaves if isinstance(a, Tensor) and a.requires_grad]
    seen: set = set()
    while todo:
        n = todo.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        if n in targets:
            return True
        if n.seq >= start:
            todo.extend(n.edges)
    return False


def _tangent_leaves(t_out, odef, fun) -> list:
    """The leaves of a jvp rule's tangent output, which must have the output's structure."""
    from .transforms import _shape_of_tree

    t_leaves, t_def = tree_flatten(t_out)
    name = getattr(fun, "__name__", "f")
    if len(t_leaves) != len(tree_flatten(tree_unflatten(odef, _Counter()))[0]):
        raise TypeError(
            f"custom_jvp {name}: the jvp rule's tangent output has {len(t_leaves)} leaves but "
            f"the function's output has {len(tree_flatten(tree_unflatten(odef, _Counter()))[0])}")
    if _shape_of_tree(t_def) != _shape_of_tree(odef):
        raise TypeError(
            f"custom_jvp {name}: the jvp rule's tangent output has another structure than "
            f"the function's output (containers and dict keys must match)")
    return t_leaves


def _zero_target(a):
    """A zero tangent to differentiate the rule in, batched as ``a`` is (so that its adjoint
    stays per example, not summed over examples whose vmap has returned). An integer or
    boolean argument gets constant zeros of its dtype, as in forward mode."""
    if _raw(a).dtype.kind not in "fc":
        return _r._xp(a).zeros(_r.shape(a), dtype=_raw(a).dtype)
    if isinstance(a, Tensor) and a._bat is not None:
        zeros = _r._xp(a).zeros(a._data.shape, dtype=a._data.dtype)
        from .transforms import _literal_in_trace

        _literal_in_trace(zeros)  # under jit in a vmap: made here, not a batched closure
        return Tensor(zeros, _bat=a._bat).requires_grad_(True)
    return Tensor(_r._xp(a).zeros(_r.shape(a), dtype=_raw(a).dtype), requires_grad=True)


def _tangent_of(pair, fun, odef=None, shapes=None):
    """The tangent output of a jvp rule's ``pair``; with the function's output structure
    ``odef`` and the shapes of its leaves, the rule's primal output is checked against them
    (a rule whose primal output disagrees has a bug, as JAX reports)."""
    name = getattr(fun, "__name__", "f")
    if not (isinstance(pair, tuple | list) and len(pair) == 2):
        raise TypeError(
            f"custom_jvp {name}: the jvp rule must return a pair "
            f"(primal_out, tangent_out), got {type(pair).__name__}")
    if odef is not None:
        from .transforms import _shape_of_tree

        p_leaves, p_def = tree_flatten(pair[0])
        got = [tuple(_r.shape(x)) if _is_array(x) else () for x in p_leaves]
        if _shape_of_tree(p_def) != _shape_of_tree(odef) or got != list(shapes):
            raise TypeError(
                f"custom_jvp {name}: the jvp rule's primal output (the first element of its "
                f"pair) must be the function's output, with its structure and shapes: got "
                f"leaves of shapes {got} where the function gives {list(shapes)}")
    return pair[1]


class custom_jvp:
    """A function with a user-supplied forward-mode rule, as ``jax.custom_jvp``.

    Reverse mode transposes the rule, so one rule serves both modes.

    Example::

        @gpuad.custom_jvp
        def softplus(x):
            return gnp.logaddexp(x, 0.0)

        @softplus.defjvp
        def softplus_jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            return softplus(x), t * gpuad.nn.sigmoid(x)
    """

    # a subclass whose rule has a reverse-mode formula of its own (gpuad/lax_solves.py): its
    # function applied to a tangent is recorded as itself, not evaluated as plain code
    own_vjp = False

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = (),
                 nondiff_argnames: Sequence[str] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = _nondiff(fun, nondiff_argnums, nondiff_argnames)
        self.jvp_rule: Callable | None = None
        self.rule = _CJVP

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        _no_symbolic_zeros(self.fun, symbolic_zeros)
        self.jvp_rule = jvp
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """One rule per argument, ``jvps[i](t_i, primal_out, *primals)``, summed (``None``:
        the output does not depend on that argument), as ``jax.custom_jvp.defjvps``.

        Example: ``f.defjvps(lambda tx, ans, x, y: tx * y, lambda ty, ans, x, y: x * ty)``
        """
        if self.nondiff_argnums:
            raise TypeError(f"custom_jvp {self.fun.__name__}: defjvps does not take "
                            f"nondiff_argnums; use defjvp")

        def rule(primals, tangents):
            out = self(*primals)
            terms = [j(t, out, *primals) for j, t in zip(jvps, tangents, strict=True)
                     if j is not None]
            if not terms:
                return out, tree_map(_zero_like, out)
            total = terms[0]
            for t in terms[1:]:
                total = tree_map(lambda a, b: a + b, total, t)
            return out, total

        self.jvp_rule = rule

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.jvp_rule is None:
            raise GradError(f"custom_jvp {self.fun.__name__}: call defjvp(rule) first")
        args = _positional(self, args, kwargs)
        if self.nondiff_argnums:
            static, rest, merge = _static_split(self, args)
            inner = custom_jvp(_named(lambda *r: self.fun(*merge(r)), self.fun))
            inner.defjvp(lambda p, t: self.jvp_rule(*static, p, t))
            inner._reads = self.jvp_rule
            inner._static = static  # constants for the rule, read by the function
            return inner(*rest)
        flat, adef = tree_flatten(args)
        tangents = _has_tangents(flat)
        tracked = _tracked(flat)
        if not tangents and not tracked:
            return self.fun(*args)
        if tracked and not self.own_vjp and _on_tangent(flat):
            # inside the transposition of a jvp rule that applies this function to its
            # tangent (linear there): its own derivative, or the rule would recurse forever
            return self.fun(*args)
        flat = [_on_backend(a) for a in flat]
        found: dict = {}  # tracked values the function reads (engine: collect under no_grad)
        prev = _state.local.__dict__.get("collect")
        _state.local.collect = found
        try:
            with _state.no_grad():
                out = self.fun(*tree_unflatten(adef, _primal_args(flat)))
        finally:
            _state.local.collect = prev
        static = self.__dict__.get("_static", ())
        if set(found) - _allowed_nodes(static) or _tangent_closure(tree_flatten(out)[0],
                                                                   static):
            raise _closure_error("custom_jvp", self.fun)
        leaves, odef = tree_flatten(tree_map(_raw, out))
        leaves = _numbers_as_arrays(leaves)
        diff = _float_leaves(leaves)
        if not diff:
            return out
        _batch_as_inputs(leaves, diff, flat)
        shapes = [tuple(_r.shape(x)) if _is_array(x) else () for x in leaves]
        tan = None
        if tangents:
            from .engine import _strip

            levels = sorted({k for a in flat if isinstance(a, Tensor) and a._tan for k in a._tan})
            tan = {}
            for level in levels:
                low = [_strip(a, level) for a in flat]
                tans = []
                for a, lo in zip(flat, low, strict=True):
                    t = a._tan.get(level) if isinstance(a, Tensor) and a._tan else None
                    if isinstance(t, NoTangent):
                        raise t.error(f"custom_jvp {self.fun.__name__}")
                    if t is None and _is_array(lo):
                        t = _r._xp(lo).zeros(_r.shape(lo), dtype=_raw(lo).dtype)
                    tans.append(_const_tangent(lo) if t is None else t)
                t_out = _tangent_of(self.jvp_rule(tree_unflatten(adef, _traced_args(low)),
                                                  tree_unflatten(adef, _traced_args(tans))),
                                    self.fun, odef, shapes)
                tan[level] = _pack_tangents(t_out, odef, diff, leaves, self.fun)
        params = {"jvp": self.jvp_rule, "fun": self.fun, "adef": adef, "all_shapes": shapes}
        if not tracked:
            return _wrap_outputs(None, [], [], params, leaves, odef, diff, tan)
        arr_pos = [i for i, a in enumerate(flat) if isinstance(a, Tensor) and a.requires_grad]
        # edges first: a leaf gets its node here, and the saved entries must refer to it, or
        # a create_graph backward would see the inputs as constants and lose the terms of
        # the second derivative that come from the jvp rule's dependence on them
        edges = [edge_of(flat[i]) for i in arr_pos]
        saved = [None] + [_saved_entry(flat[i]) for i in arr_pos]
        params.update(arr_pos=arr_pos,
                      args=[None if i in arr_pos else a for i, a in enumerate(flat)])
        outs = _wrap_outputs(self.rule, edges, saved, params, leaves, odef, diff, tan,
                             [flat[i] for i in arr_pos])
        _note_reads(outs, self.__dict__.get("_reads", self.jvp_rule))
        return outs


def _batch_as_inputs(leaves, diff, flat) -> None:
    """Inside vmap: each float output leaf batched over every vmap level of the float
    arguments. An output that is the same for every example (a constant, ``zeros(x.shape)``)
    still has a tangent or cotangent per example; left unbatched, the examples' cotangents
    would be summed into one (a gradient the batch size times too large)."""
    ref = [_raw(a) for a in flat if isinstance(a, Tensor) and a._bat is not None
           and a._data.dtype.kind in "fc"]
    if not ref:
        return
    need = {b for a in ref for b in a._bat}
    for i in diff:
        x = leaves[i]
        if need - set(x._bat if isinstance(x, Tensor) else ()):
            datas, levels = _common_levels([x, *ref])
            leaves[i] = Tensor(datas[0][0], _bat=levels)


def _primal_args(flat):
    """The arguments the function's own evaluation sees: raw arrays, or plain Tensors while
    gpuad.jit traces (operators on raw arrays, ``u * 2.0``, would not be recorded and the
    compiled program would keep the traced call's value)."""
    raw = [_raw(a) for a in flat]
    from .jit import trace as _jit_trace

    if _jit_trace.active() is None:
        return raw
    return [Tensor(r) if _is_array(r) and not isinstance(r, Tensor) else r for r in raw]


def _traced_args(flat):
    """``flat`` with raw arrays made plain Tensors while gpuad.jit traces (the jvp rule's
    arithmetic on them, ``2 * x``, is then recorded instead of frozen); as it is otherwise."""
    from .jit import trace as _jit_trace

    if _jit_trace.active() is None:
        return flat
    return [Tensor(a) if _is_array(a) and not isinstance(a, Tensor) else a for a in flat]


def _const_tangent(a):
    """The tangent of a leaf that is not an array: zero for a Python float or complex number
    (a constant), else the leaf itself (a string, a flag, a function)."""
    return 0.0 * a if isinstance(a, float | complex) else a


def _complex_value(x) -> bool:
    return isinstance(x, complex) or getattr(getattr(_raw(x), "dtype", None), "kind", "") == "c"


def _pack_tangents(t_out, odef, diff, leaves, fun):
    """The rule's tangent pytree, checked against the output's structure, packed as the
    output's float leaves are."""
    t_leaves = _tangent_leaves(t_out, odef, fun)
    parts = []
    for i in diff:
        t = t_leaves[i]
        if t is None:
            t = _zero_like(leaves[i])
        if _r.shape(t) != _r.shape(leaves[i]):
            raise TypeError(
                f"custom_jvp {getattr(fun, '__name__', 'f')}: the jvp rule's tangent output "
                f"{i} has shape {_r.shape(t)} but the output has shape {_r.shape(leaves[i])}")
        if _complex_value(t) and not _complex_value(leaves[i]):
            raise TypeError(
                f"custom_jvp {getattr(fun, '__name__', 'f')}: the jvp rule's tangent output "
                f"{i} is complex but the output is real; a real output has a real tangent")
        want = _raw(leaves[i]).dtype
        if _is_array(t) and _raw(t).dtype != want and _raw(t).dtype.kind in "fc":
            t = _r.astype(t, want)  # another precision: taken in the output's
        parts.append(t)
    if len(parts) == 1:
        return parts[0]
    if any(isinstance(t, Tensor) for t in parts):
        return _r.concatenate([_r.reshape(t, (int(_raw(t).size),)) for t in parts])
    return _pack(parts)


_CVJP = register(Primitive("custom_vjp", impl=_call_impl, vjp=_cvjp_vjp))
_CVJP.extra_bytes = _res_bytes
_CJVP = register(Primitive("custom_jvp", impl=_call_impl, vjp=_cjvp_vjp))


# ---- custom_op: user kernels as primitives -------------------------------------------------------

def _plain(x) -> bool:
    """A value the kernels may take: nothing is recorded through it (a saved input that
    requires grad is plain while the backward step itself is not recorded, as inside vmap)."""
    return not isinstance(x, Tensor) or not (
        x._tan or (x.requires_grad and _state.local.grad_enabled))


class _OpRule(Primitive):
    """A primitive from user kernels; saved slots are declared instead of read off formulas."""

    def __init__(self, name, forward, vjp, jvp, composite, save):
        super().__init__(name, impl=lambda xp, *xs: forward(*xs), vjp=self._vjp_all,
                         jvp=self._jvp, saves=self._saves)
        self.user_vjp, self.user_jvp, self.composite = vjp, jvp, composite
        self.save_ans, self.save_inputs = "ans" in save, "inputs" in save

    def _saves(self, mask, nargs):
        return ((0,) if self.save_ans else ()) + (
            tuple(range(1, nargs + 1)) if self.save_inputs else ())

    def _need_composite(self, what):
        if self.composite is None:
            raise GradError(
                f"custom op {self.name}: {what} needs composite= (a gpuad.numpy version of the "
                f"op); only first-order derivatives come from the kernels"
            )
        return self.composite

    def _vjp_all(self, g, ans, inputs, params, need):
        if not (_plain(g) and all(_plain(x) for x in inputs)):
            from .transforms import vjp as _vjp

            comp, idx = self._over_floats(self._need_composite("a higher-order derivative"),
                                          inputs)
            _, back = _vjp(comp, *[inputs[k] for k in idx])
            cts = [None] * len(inputs)
            for k, c in zip(idx, back(g), strict=True):
                cts[k] = c
            return cts
        saved = {"ans": _raw(ans), "inputs": tuple(_raw(x) for x in inputs)}
        cts = self.user_vjp(saved, _raw(g))
        cts = tuple(cts) if isinstance(cts, tuple | list) else (cts,)
        if len(cts) != len(need):
            raise GradError(
                f"custom op {self.name}: vjp returned {len(cts)} adjoints for {len(need)} inputs"
            )
        from .jit import trace as _trace

        if _trace.active() is not None:
            # under jit the kernels' adjoints are steps of the program, not constants of the
            # trace: each runs the user's vjp again on the replayed arrays
            from .engine import apply

            args = (g, 0 if ans is None else ans, *inputs)
            return [None if c is None else apply(self._ct_rule(k, ans is None), args, {})
                    for k, c in enumerate(cts)]
        return list(cts)

    def _ct_rule(self, k: int, no_ans: bool) -> Primitive:
        """The primitive computing the adjoint of input ``k`` with the user's vjp."""
        rules = self.__dict__.setdefault("_ct_rules", {})
        rule = rules.get((k, no_ans))
        if rule is None:
            user = self.user_vjp

            def impl(xp, g, ans, *inputs):
                cts = user({"ans": None if no_ans else ans, "inputs": inputs}, g)
                return (tuple(cts) if isinstance(cts, tuple | list) else (cts,))[k]

            rule = rules[(k, no_ans)] = Primitive(f"{self.name}_vjp{k}", impl=impl,
                                                   nondiff=True)
        return rule

    def _tan_rule(self, i: int, no_ans: bool, n: int) -> Primitive:
        """The primitive computing the tangent from input ``i``'s with the user's jvp."""
        rules = self.__dict__.setdefault("_tan_rules", {})
        rule = rules.get((i, no_ans, n))
        if rule is None:
            user = self.user_jvp

            def impl(xp, t, ans, *inputs):
                tans = tuple(t if k == i else None for k in range(n))
                return user({"ans": None if no_ans else ans, "inputs": inputs}, tans)

            rule = rules[(i, no_ans, n)] = Primitive(f"{self.name}_jvp{i}", impl=impl,
                                                      nondiff=True)
        return rule

    def _jvp(self, i, t, ans, inputs, params):
        if self.user_jvp is not None and _plain(t) and _plain(ans) and all(
                _plain(x) for x in inputs):
            tans = tuple(_raw(t) if k == i else None for k in range(len(inputs)))
            saved = {"ans": _raw(ans), "inputs": tuple(_raw(x) for x in inputs)}
            out = self.user_jvp(saved, tans)
            from .jit import trace as _trace

            if _trace.active() is not None:
                # under jit the kernels' tangent is a step of the program, as the adjoints
                # are (_ct_rule): a constant of the trace would be replayed for every input
                from .engine import apply

                return apply(self._tan_rule(i, ans is None, len(inputs)),
                             (t, 0 if ans is None else ans, *inputs), {})
            return out
        from .transforms import jvp as _jvp

        comp, idx = self._over_floats(self._need_composite(
            "forward mode" if self.user_jvp is None else "a nested derivative"), inputs)
        tans = [t if k == i else _r._xp(inputs[k]).zeros(_r.shape(inputs[k]),
                                                          dtype=_raw(inputs[k]).dtype)
                for k in idx]
        return _jvp(comp, tuple(inputs[k] for k in idx), tuple(tans))[1]

    @staticmethod
    def _over_floats(comp, inputs):
        """``comp`` as a function of its floating-point inputs only (the others, such as an
        axis or integer indices, fixed), and those inputs' positions."""
        idx = [k for k, x in enumerate(inputs)
               if (_raw(x).dtype if hasattr(_raw(x), "dtype") else
                   _np.asarray(_raw(x)).dtype).kind in "fc"]
        if len(idx) == len(inputs):
            return comp, idx

        def over(*xs):
            full = list(inputs)
            for k, x in zip(idx, xs, strict=True):
                full[k] = x
            return comp(*full)

        return over, idx


def custom_op(forward: Callable, vjp: Callable, *, save: tuple = ("inputs",),
              jvp: Callable | None = None, composite: Callable | None = None,
              name: str | None = None) -> Callable:
    """Make a primitive from raw-array kernels (e.g. Numba CUDA kernels).

    ``forward(*arrays) -> array`` runs on backend arrays. ``vjp(saved, g) -> tuple`` returns
    one adjoint per input (``None`` for none); ``saved`` is a dict holding ``"ans"`` and
    ``"inputs"`` (only what ``save`` declares is kept on the tape). ``jvp(saved, tangents)``
    (tangents: one per input, ``None`` for zero) enables forward mode. Higher orders use
    ``composite`` (the op written with ``gpuad.numpy``) when given, else they are an error.
    The op gets a tape entry and version checks like any built-in.

    Example::

        square = gpuad.custom_op(lambda x: x * x,
                                 lambda saved, g: (2 * saved["inputs"][0] * g,),
                                 name="square")
    """
    rule = _OpRule(name or getattr(forward, "__name__", "custom_op"), forward, vjp, jvp,
                   composite, save)

    def op(*args):
        from .engine import apply

        return apply(rule, args, {})

    op.rule = rule  # type: ignore[attr-defined]
    op.__name__ = rule.name
    from .batching.rules_misc import loop_formulas

    loop_formulas(op)  # inside vmap the kernels see one example's arrays, as in its forward
    return op
