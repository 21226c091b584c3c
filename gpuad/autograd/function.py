"""``torch.autograd.Function``: a forward and its backward written by the user, one tape step.

``apply`` runs ``forward(ctx, *args)`` without recording, then records one step whose edges
are the arguments that require grad. Several outputs share that step: they are packed into
one flat array and handed out as recorded slices of it (custom.py's ``_pack``/``_split``, as
for ``custom_vjp``). The tensors given to ``ctx.save_for_backward`` are the step's saved slots,
so backward checks their versions and frees them as it does for built-in steps; an input saved
that requires grad keeps its history, which makes a backward written with gpuad operations
differentiable again (``create_graph=True``). Under forward mode and ``vmap`` the levels are
taken by function_transforms.py before the step is recorded here.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as _np

from .. import _state, engine
from .._no_tangent import NoTangent
from ..custom import _pack, _saved_entry, _split
from ..engine import GradError, edge_of
from ..rules import Primitive
from ..saved_hooks import pack_node
from ..tensor import Tensor
from .function_transforms import (
    apply_levels,
    handled,
    old_style_jvp,
    old_style_jvp_level,
    overrides,
    refuse_old_style,
    register_step,
    strip_handled,
)


class FunctionCtx:
    """The ``ctx`` a Function's ``forward`` and ``backward`` share: any attribute may be set
    on it, plus the methods below."""

    def __init__(self) -> None:
        self.needs_input_grad: tuple[bool, ...] = ()
        self.materialize_grads = True
        self._to_save: tuple = ()
        self._nondiff: set[int] = set()
        self._saved: tuple | None = None
        self._fwd_saved: tuple = ()
        self._dirty: set[int] = set()
        self._fn = "Function"

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (inputs, outputs or others; None allowed) for ``backward``,
        version-checked: a tensor written in place in between makes backward raise."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"{self._fn}: save_for_backward takes Tensors (or None); "
                    f"argument {i} is a {type(t).__name__} (keep other values as "
                    f"ctx attributes: ctx.k = k)"
                )
        self._to_save = tensors

    def save_for_forward(self, *tensors: Any) -> None:
        """Keep ``tensors`` for ``jvp`` (forward mode), where ``ctx.saved_tensors`` gives
        them."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"{self._fn}: save_for_forward takes Tensors (or None); argument {i} is a "
                    f"{type(t).__name__} (keep other values as ctx attributes: ctx.k = k)"
                )
        self._fwd_saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            raise GradError(
                f"{self._fn}: saved_tensors are read in backward (forward kept them "
                f"with save_for_backward); they are not available here"
            )
        return self._saved

    @property
    def saved_variables(self) -> tuple:
        """torch's older name of :attr:`saved_tensors` (deprecated there, with a warning)."""
        warnings.warn("ctx.saved_variables is deprecated; use ctx.saved_tensors",
                      DeprecationWarning, stacklevel=2)
        return self.saved_tensors

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Outputs that get no gradient (indices, masks): they do not require grad and
        backward receives zeros for them."""
        self._nondiff.update(id(o) for o in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that no gradient
        reached (unused, non-differentiable and non-Tensor outputs)."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *args: Any) -> None:
        """Inputs that forward wrote into in place and returns: they take the Function's
        history (their version is bumped, so values saved from them earlier raise; the base of
        a view is rebased through the write)."""
        self._dirty.update(id(a) for a in args)


def once_differentiable(fn: Callable) -> Callable:
    """Decorate a Function's ``backward`` that is not itself differentiable: it runs without
    recording, and differentiating its result (``create_graph=True``) raises.

    Example::

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            return g * 2
    """

    @functools.wraps(fn)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        with _state.no_grad():
            out = fn(ctx, *grads)
        if not _state.local.grad_enabled:
            return out
        # what the result depends on: the incoming gradients, and the saved tensors and ctx
        # attributes (differentiating through those alone would otherwise give a silent zero)
        tracked = {}
        for v in (*grads, *(ctx.__dict__.get("_saved") or ()), *_attr_tensors(ctx)):
            if isinstance(v, Tensor) and v.requires_grad:
                n = edge_of(v)
                tracked[id(n)] = n
        if not tracked:
            return out
        edges = tuple(tracked.values())
        params = {"fn": ctx._fn}

        def guard(r: Any) -> Any:
            if isinstance(r, Tensor):
                return _guarded(r._data, edges, params)
            if hasattr(r, "shape") and hasattr(r, "dtype"):
                return _guarded(r, edges, params)
            return r

        if isinstance(out, tuple):
            return tuple(guard(r) for r in out)
        return guard(out)

    wrapper._once_differentiable = True  # type: ignore[attr-defined]
    return wrapper


def _attr_tensors(ctx: Any) -> list:
    """The Tensors among the attributes a Function set on its ``ctx`` (``ctx.x = x``)."""
    out = []
    for k, v in ctx.__dict__.items():
        if k.startswith("_"):
            continue
        if isinstance(v, Tensor):
            out.append(v)
        elif isinstance(v, tuple | list):
            out.extend(t for t in v if isinstance(t, Tensor))
    return out


def _once_vjp(g, ans, inputs, params, need):
    raise GradError(
        f"{params['fn']}: trying to differentiate twice a function that was marked with "
        f"@once_differentiable; its backward is not differentiable (write it with gpuad "
        f"operations and drop the decorator for higher derivatives)"
    )


_ONCE = Primitive("once_differentiable", vjp=_once_vjp)


def _guarded(data: Any, edges: tuple, params: dict) -> Tensor:
    node = engine.Node(_ONCE, edges, [None], params, data.shape, data.dtype)
    return Tensor(data, _node=node)


class Function:
    """A differentiable operation defined by its ``forward`` and ``backward``, as
    ``torch.autograd.Function``.

    ``forward(ctx, *args)`` computes the outputs (without recording); ``backward(ctx,
    *grads)`` gets one gradient per output and returns one per argument (None for
    non-Tensor arguments or where there is none). Call it with ``MyFn.apply(*args)``. The
    newer form, ``forward(*args)`` with ``setup_context(ctx, inputs, output)``, works too, and
    is the one ``jvp`` and ``vmap`` take: a staticmethod ``jvp(ctx, *tangents)`` (with
    ``ctx.save_for_forward``) gives forward mode, and a staticmethod ``vmap(info, in_dims,
    *args) -> (outputs, out_dims)`` or ``generate_vmap_rule = True`` gives ``vmap``
    (function_transforms.py).

    Example::

        class Exp(gpuad.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = gnp.exp(x)
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * y

        Exp.apply(x).sum().backward()
    """

    generate_vmap_rule = False

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        raise NotImplementedError(
            f"{ctx._fn}: backward is not defined; define a static backward(ctx, *grads)"
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        raise NotImplementedError("setup_context is not defined")

    @staticmethod
    def jvp(ctx: Any, *tangents: Any) -> Any:
        raise NotImplementedError(
            f"{ctx._fn}: jvp is not defined; define a static jvp(ctx, *tangents) for forward mode"
        )

    @staticmethod
    def vmap(info: Any, in_dims: tuple, *args: Any) -> Any:
        raise NotImplementedError(
            "vmap is not defined; define a static vmap(info, in_dims, *args) or set "
            "generate_vmap_rule = True"
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(
            f"{type(self).__name__}: a Function is not instantiated; call "
            f"{type(self).__name__}.apply(*args)"
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        return _apply(cls, args, kwargs)


def _rule_of(cls: type) -> Primitive:
    rule = cls.__dict__.get("_gpuad_rule")
    if rule is None:
        rule = Primitive(cls.__qualname__, vjp=_function_vjp)
        cls._gpuad_rule = rule
    return rule


def _refuse_jit(cls: type) -> None:
    if engine._trace is not None:
        from ..jit import trace as _jt

        if _jt.active() is not None:
            raise _jt.TracerError(
                f"jit: {cls.__qualname__}.apply cannot be compiled (its backward is Python "
                f"code run by the eager sweep); use gpuad.custom_vjp inside gpuad.jit"
            )


def _bind(cls: type, args: tuple, kwargs: dict) -> tuple:
    """``forward``'s arguments by position, keywords bound and defaults filled in, as torch
    hands them to ``forward`` and ``setup_context`` (``inputs``)."""
    found = cls.__dict__.get("_gpuad_sig")
    if found is None:
        import inspect

        try:
            sig = inspect.signature(cls.forward)
            npos = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                       for p in sig.parameters.values())
        except (TypeError, ValueError):
            sig, npos = False, 0
        found = cls._gpuad_sig = (sig, npos)
    sig, npos = found
    if not kwargs and len(args) == npos:
        return args  # every parameter given by position: nothing to bind
    if sig is False:
        if kwargs:
            raise TypeError(f"{cls.__qualname__}.apply: keyword arguments need a forward "
                            f"with a signature")
        return args
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{cls.__qualname__}.apply: {e}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(
            f"{cls.__qualname__}.apply: forward's keyword arguments {sorted(bound.kwargs)} have "
            f"no position; with setup_context, forward's arguments are positional (no **kwargs)"
        )
    return tuple(bound.args)


def _run_forward(cls: type, ctx: FunctionCtx, args: tuple, kwargs: dict, new_style: bool) -> Any:
    with _state.no_grad():
        if new_style:
            out = cls.forward(*strip_handled(cls, args))
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    return out


def _as_tensor(o: Any) -> Any:
    if isinstance(o, Tensor) or not (hasattr(o, "shape") and hasattr(o, "dtype")):
        return o
    return Tensor(o)


def _check_outputs(cls: type, out: Any) -> None:
    for o in out if isinstance(out, tuple) else (out,):
        if isinstance(o, list | dict) and any(
            isinstance(v, Tensor) for v in (o.values() if isinstance(o, dict) else o)
        ):
            raise TypeError(
                f"{cls.__qualname__}.forward returned a {type(o).__name__} of "
                f"Tensors; return a Tensor or a tuple of Tensors (their gradients "
                f"would be lost in a container)"
            )


def _dirty_outputs(cls: type, ctx: FunctionCtx, args: tuple, given: tuple) -> dict:
    """``{output position: input}`` for the inputs ``mark_dirty`` named, checked as torch
    checks them."""
    if not ctx._dirty:
        return {}
    name = cls.__qualname__
    found = {}
    for a in args:
        if id(a) not in ctx._dirty or not isinstance(a, Tensor):
            continue
        k = next((k for k, o in enumerate(given) if o is a or (
            isinstance(o, Tensor) and o._data is a._data)), None)
        if k is None:
            raise GradError(
                f"{name}: some elements marked as dirty during the forward method were not "
                f"returned as output. The inputs that are modified inplace must all be outputs "
                f"of the Function"
            )
        if a.requires_grad and a.is_leaf and _state.local.grad_enabled:
            raise GradError(
                f"{name}: a leaf Variable that requires grad has been used in an in-place "
                f"operation (mark_dirty of an input of shape {list(a.shape)}); pass a copy "
                f"(x.clone()) or call it under gpuad.no_grad()"
            )
        if a._bat is not None and a._base is not None:
            raise GradError(
                f"{name}: mark_dirty of a view batched by vmap is not supported; pass a copy "
                f"(x.clone()) to the Function and write the result back yourself"
            )
        if a._base is not None and len(given) > 1:
            raise GradError(
                f"{name}: if your Function modifies inplace an input that is a view of another "
                f"Tensor, your Function cannot return more than one Tensor (as in torch); pass "
                f"a copy (x.clone()), or split it into two Functions, one doing the in-place "
                f"write and returning a single Tensor"
            )
        found[k] = a
    if len(ctx._dirty) > len(found):
        raise GradError(
            f"{name}: mark_dirty takes the inputs that forward modified in place; "
            f"{len(ctx._dirty) - len(found)} of the tensors given are not inputs of the Function"
        )
    return found


def _apply(cls: type, args: tuple, kwargs: dict) -> Any:
    _refuse_jit(cls)
    if overrides(cls, "setup_context"):
        return apply_levels(cls, _bind(cls, args, kwargs), _apply_new)
    if old_style_jvp_level(cls, args):
        return old_style_jvp(cls, args, kwargs, _apply_once)
    refuse_old_style(cls, args)
    return _apply_once(cls, args, kwargs, False)


def _apply_new(cls: type, args: tuple) -> Any:
    return _apply_once(cls, args, {}, True)


def _apply_once(cls: type, args: tuple, kwargs: dict, new_style: bool,
                keep: list | None = None) -> Any:
    """The forward (no transform level left but vmap levels the forward batches itself) and
    the tape step; ``keep`` (a list) receives the ``ctx``."""
    ctx = FunctionCtx()
    if keep is not None:
        keep.append(ctx)
    ctx._fn = cls.__qualname__
    grad_on = _state.local.grad_enabled
    # as torch: whether each input requires grad, also under no_grad (nothing is recorded then)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    out = _run_forward(cls, ctx, args, kwargs, new_style)
    _check_outputs(cls, out)
    is_tuple = isinstance(out, tuple)
    given = out if is_tuple else (out,)
    if keep is not None:
        keep.append(given)
    dirty = _dirty_outputs(cls, ctx, args, given)
    tracked = [i for i, n in enumerate(ctx.needs_input_grad) if n and grad_on]
    outs = [_as_tensor(o) for o in given]
    diffable = [
        k
        for k, o in enumerate(outs)
        if isinstance(o, Tensor) and id(given[k]) not in ctx._nondiff and o.dtype.kind in "fc"
    ]
    for k, o in enumerate(outs):
        if isinstance(o, Tensor) and k not in diffable and (
            o.requires_grad or o._node is not None or o._tan
        ):
            # no history, no tangent: a non-differentiable output
            outs[k] = Tensor(o._data, _ver=o._ver, _bat=o._bat)
    ctx._nondiff_out = frozenset(k for k in range(len(outs)) if k not in diffable)
    diff = diffable if tracked else []
    if not diff:
        for k, a in dirty.items():
            _take_over(a, outs[k], False, handled(cls))
            outs[k] = a
        for k, o in enumerate(outs):
            if k not in dirty and isinstance(o, Tensor) and o.requires_grad and any(
                    o is a for a in args):
                # an input returned as-is where nothing is recorded (no_grad): an alias
                # without history, as torch's view (the input itself would carry its
                # requires_grad and history on into later recorded steps)
                outs[k] = Tensor(o._data, _ver=o._ver, _bat=o._bat)
        _same_objects(given, outs)
        return tuple(outs) if is_tuple else outs[0]
    leaves = [outs[k] for k in diff]
    raws = [o._data if o._bat is None else Tensor(o._data, _bat=o._bat) for o in leaves]
    aliases = [
        k
        for k in diff
        if k not in dirty
        and any(
            isinstance(a, Tensor)
            and a._data is not None
            and engine._rules._xp(a._data).may_share_memory(a._data, outs[k]._data)
            for a in args
        )
    ]
    if len(raws) == 1 and (aliases or (diff[0] in dirty and dirty[diff[0]]._base is not None)):
        # forward returned (a view of) an input: its own memory
        o = leaves[0]
        raws = [o._data.copy() if o._bat is None else Tensor(o._data.copy(), _bat=o._bat)]
    edges = [edge_of(args[i]) for i in tracked]
    saved, spec, kept = _save_slots(ctx, outs, diff, args)
    params = {
        "cls": cls,
        "ctx": ctx,
        "nargs": len(args),
        "tensor_args": [isinstance(a, Tensor) for a in args],
        "tracked": tracked,
        "kinds": [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs],
        "diff": diff,
        "shapes": [tuple(o.shape) for o in leaves],
        "dtypes": [o.dtype for o in leaves],
        "arg_shapes": [args[i].shape for i in tracked],
        "arg_dtypes": [args[i].dtype for i in tracked],
        "spec": spec,
    }
    ctx._to_save = ()
    res = _record(cls, edges, saved, params, _pack(raws), kept, _packed_tangents(leaves))
    pieces = _pieces(res, params)
    for k, p in zip(diff, pieces, strict=True):
        outs[k] = p
        if k in aliases:
            p._elem = cls.__qualname__  # in-place writes refused (engine.assign_inplace)
    for k, a in dirty.items():
        if a._base is not None:
            _write_view(a, outs[k])
        else:
            _take_over(a, outs[k], True, handled(cls))
        outs[k] = a
    if new_style and saved[0] is not None and handled(cls):
        register_step(cls, res._node, params, [outs[k] for k in diff])
    _same_objects(given, outs)
    if not ctx.materialize_grads and len(pieces) > 1:
        # which outputs a sweep reaches, so that backward gets None for the others (torch's
        # undefined gradients); hooks only here, where they were asked for
        from ..tensor_hooks import register_hook

        ctx._reached = set()
        for j, p in enumerate(pieces):
            register_hook(p, functools.partial(_reach, ctx._reached, j))
    return tuple(outs) if is_tuple else outs[0]


def _same_objects(given: tuple, outs: list) -> None:
    """An object forward returned at several positions is one output object there too, as in
    torch (the later positions' gradients are then zero)."""
    for k in range(1, len(given)):
        j = next((j for j in range(k) if given[j] is given[k]), k)
        if j < k and isinstance(given[k], Tensor):
            outs[k] = outs[j]


def _record(cls, edges, saved, params, packed, kept, tan) -> Tensor:
    """The Function's tape step, its output the packed differentiable outputs (a batched
    Tensor inside vmap, with the tangents ``tan`` under forward mode)."""
    batched = isinstance(packed, Tensor)
    data = packed._data if batched else packed
    bat = packed._bat if batched else None
    has_tan = bool(tan) or any(
        s is not None and s is not True and len(s) > 1 and bool(s[4]) for s in saved
    )
    shape = packed.shape if batched else data.shape
    node = engine.Node(_rule_of(cls), tuple(edges), saved, params, shape, data.dtype, tan=has_tan)
    if bat is not None or any(isinstance(t, Tensor) and t._bat is not None for t in kept):
        node.bat = bat
        node.bats = (bat,) + tuple(t._bat if isinstance(t, Tensor) else None for t in kept)
    res = Tensor(data, _node=node, _bat=bat)
    if tan:
        res._tan = tan
        params["tan"] = tan
    if saved[0] is not None:
        saved[0] = (data, res._ver, res._ver[0], None, None, False)
    if _state.saved_hooks_open[0]:  # ctx.save_for_backward's values through the pack hook
        pack_node(node)
    return res


def _packed_tangents(leaves: list) -> dict | None:
    """Per forward-mode level, the tangents of the differentiable outputs ``leaves`` packed as
    their values are."""
    levels = sorted({k for o in leaves if o._tan for k in o._tan if k in _state.jvp_levels})
    tan = {level: pack_tangent(leaves, level) for level in levels}
    return tan or None


def pack_tangent(leaves: list, level: int) -> Any:
    """The tangents at ``level`` of ``leaves`` (zeros where one has none) packed as their
    values are; None when none has one."""
    from .. import numpy as gnp

    if not any(o._tan and level in o._tan for o in leaves):
        return None
    parts = []
    for o in leaves:
        t = o._tan.get(level) if o._tan else None
        if isinstance(t, NoTangent):
            size = sum(int(_np.prod(x.shape)) for x in leaves)
            return NoTangent(t.name, (size,) if len(leaves) > 1 else tuple(o.shape), o.dtype)
        parts.append(gnp.zeros(o.shape, o.dtype) if t is None else t)
    if len(parts) == 1:
        return parts[0]
    return gnp.concatenate([gnp.reshape(t, (-1,)) for t in parts])


def _write_view(a: Tensor, out: Tensor) -> None:
    """Input ``a``, a view that forward wrote into (``mark_dirty``), takes output ``out``:
    the write is recorded as ``a[...] = out``, so its base's history is rebased through it (the
    forward's own write, unrecorded, held the same values)."""
    root = a._base
    root._seen = root._ver[0]
    engine.assign_inplace(a, out, None, next(_state.seq))


def _take_over(a: Tensor, out: Tensor, record: bool, handled_levels: set) -> None:
    """Input ``a``, which forward wrote into (``mark_dirty``), becomes output ``out``: its
    values, history and tangents; its version is bumped."""
    if out is not a and out._data is not a._data:
        a._data[...] = out._data
    if record:
        old = a._node
        a._node = out._node
        a.requires_grad = out.requires_grad
        if engine._hooked and old is not None and old in engine._hooked:
            from ..tensor_hooks import follow_write

            follow_write(a, old, False)  # retain_grad() follows a to its new value, as torch
        if a._base is None:
            # the history now holds forward's write: views made before it are rebuilt from
            # it (forward's own unrecorded write had marked them stale), as torch's are
            a._view = None
    # the tangents of the levels a jvp staticmethod computes are set there; the others are
    # the output's
    keep = {k: v for k, v in (a._tan or {}).items() if k in handled_levels}
    a._tan = {**(out._tan or {}), **keep} or None
    a._ver[0] += 1
    a._seen = a._ver[0]


def _reach(reached: set, j: int, g: Any) -> None:
    reached.add(j)


def _pieces(flat: Any, params: dict) -> list:
    """The outputs held in the packed array ``flat`` (recorded slices when it is a Tensor),
    each of its own dtype."""
    parts = _split(flat, params["shapes"])
    out = []
    for p, dt in zip(parts, params["dtypes"], strict=True):
        if p.dtype != dt:
            p = engine._R.astype(p, dt) if isinstance(p, Tensor) else p.astype(dt)
        out.append(p)
    return out


def _save_slots(ctx: FunctionCtx, outs: list, diff: list, args: tuple) -> tuple:
    """The step's saved slots (0: the packed output, when an output is saved; then one per
    other saved tensor), per saved tensor where it is found (("out", j), ("slot", i) or None),
    and the tensors of the other slots."""
    saved: list = [None]
    spec = []
    kept = []
    for t in ctx._to_save:
        if t is None:
            spec.append(None)
            continue
        j = next((j for j, k in enumerate(diff) if outs[k] is t), None)
        if j is not None:
            saved[0] = True  # filled once the packed output exists
            spec.append(("out", j))
            continue
        saved.append(_saved_entry(t))
        kept.append(t)
        spec.append(("slot", len(saved) - 1))
    return saved, spec, kept


def _saved_values(params: dict, ans: Any, inputs: list) -> tuple:
    pieces = None
    vals = []
    for s in params["spec"]:
        if s is None:
            vals.append(None)
        elif s[0] == "out":
            if pieces is None:
                if isinstance(ans, Tensor) and params.get("tan"):
                    # forward over reverse: the saved output with its tangents
                    ans = Tensor(ans._data, _node=ans._node, _tan=params["tan"], _bat=ans._bat)
                pieces = _pieces(ans, params)
            p = pieces[s[1]]
            vals.append(Tensor(p) if not isinstance(p, Tensor) else p)
        else:
            v = inputs[s[1] - 1]
            vals.append(v if isinstance(v, Tensor) else Tensor(v))
    return tuple(vals)


def _read_only(g: Any) -> Any:
    """The sweep's own adjoint, which may be shared with other steps, as backward's argument:
    read-only on NumPy; a copy where arrays have no such flag (CuPy)."""
    if isinstance(g, _np.ndarray):
        g = g.view()
        g.flags.writeable = False
        return g
    return g.copy()


def _output_grads(g: Any, params: dict, plain: bool) -> list:
    """One gradient per output of forward: the packed adjoint's pieces, zeros for the other
    Tensor outputs (None when ctx.set_materialize_grads(False)), None for non-Tensors."""
    ctx = params["ctx"]
    materialize = ctx.materialize_grads
    reached = ctx.__dict__.get("_reached")
    it = iter(_pieces(g, params))
    grads: list = []
    j = -1
    for k, kind in enumerate(params["kinds"]):
        if k in params["diff"]:
            p = next(it)
            j += 1
            if reached is not None and j not in reached:
                grads.append(None)  # no gradient reached this output in this sweep
            else:
                grads.append(Tensor(_read_only(p)) if plain else p)
        elif kind is not None and materialize:
            xp = engine._rules._xp(g._data if isinstance(g, Tensor) else g)
            grads.append(Tensor(xp.zeros(kind[0], kind[1])))
        else:
            grads.append(None)
    if reached is not None:
        reached.clear()
    return grads


def _function_vjp(g, ans, inputs, params, need):
    cls, ctx = params["cls"], params["ctx"]
    name = cls.__qualname__
    plain = not isinstance(g, Tensor)
    lost = params.get("lost")
    if lost and not plain and lost & _state.jvp_levels:
        raise GradError(
            f"{name}: forward mode over its backward (jacfwd of jacrev, jvp of grad) needs the "
            f"tangents of the outputs it saved for backward, and these were computed through "
            f"its vmap staticmethod, which gpuad cannot follow here; set generate_vmap_rule = "
            f"True instead of the vmap staticmethod, or use reverse mode over reverse mode"
        )
    user_backward = _backward_of(cls)
    ctx._saved = _saved_values(params, ans, inputs)
    grads = _output_grads(g, params, plain)
    try:
        if plain:
            with _state.no_grad():
                res = user_backward(ctx, *grads)
        else:
            res = user_backward(ctx, *grads)
    except ValueError as e:
        if "read-only" not in str(e):
            raise
        raise ValueError(
            f"{name}.backward wrote into its incoming gradient in place ({e}); that array "
            f"belongs to the backward sweep: write into a copy (g = g.copy()), as torch's "
            f"grad_output.clone()"
        ) from e
    finally:
        ctx._saved = None
    res = tuple(res) if isinstance(res, tuple | list) else (res,)
    nargs = params["nargs"]
    if len(res) < nargs or any(r is not None for r in res[nargs:]):
        raise GradError(
            f"function {name}Backward returned an incorrect number of gradients (expected "
            f"{nargs}, got {len(res)}): backward returns one gradient per argument of "
            f"forward, None for non-Tensor arguments"
        )
    tracked = params["tracked"]
    for i, r in enumerate(res[:nargs]):
        if r is not None and not params["tensor_args"][i]:
            raise GradError(
                f"function {name}Backward returned a gradient different than None at position "
                f"{i}, but the corresponding forward input was not a Tensor (return None there)"
            )
    out = []
    for k, i in enumerate(tracked):
        r = res[i]
        if r is None or not need[k]:
            out.append(None)
            continue
        out.append(_check_grad(name, i, r, params["arg_shapes"][k], params["arg_dtypes"][k], plain))
    return out


def _backward_of(cls: type) -> Callable:
    """The user's backward: ``backward``, or ``vjp`` (torch's other name for it); both
    defined is refused, as torch refuses it."""
    vjp = next((k.__dict__["vjp"] for k in cls.__mro__ if "vjp" in k.__dict__), None)
    if vjp is None:
        return cls.backward
    if overrides(cls, "backward"):
        raise GradError(
            f"{cls.__qualname__}: implementing both 'backward' and 'vjp' for a custom Function "
            f"is not allowed (they are two names for the same method); define only one"
        )
    return cls.vjp


def _check_grad(name: str, i: int, r: Any, shape: tuple, dtype: Any, plain: bool) -> Any:
    if not isinstance(r, Tensor):
        if not (hasattr(r, "shape") and hasattr(r, "dtype")):
            raise GradError(
                f"function {name}Backward returned a {type(r).__name__} as the "
                f"gradient of input {i}; return a Tensor (or None)"
            )
        r = Tensor(r)
    rshape = tuple(r.shape)
    if rshape != tuple(shape):
        try:
            ok = _np.broadcast_shapes(tuple(shape), rshape) == rshape
        except ValueError:
            ok = False
        if not ok:
            raise GradError(
                f"Function {name}Backward returned an invalid gradient at index {i} - got "
                f"shape {list(rshape)} but expected shape compatible with {list(shape)} (the "
                f"shape of input {i})"
            )
    kind = r.dtype.kind
    if kind in "biu":
        # an integer or boolean gradient holds exact values: cast to the input's dtype, as
        # torch does (it has no history to keep)
        r = Tensor(r._data.astype(dtype), _bat=r._bat)
        kind = r.dtype.kind
    if kind not in "fc" or (kind == "c" and dtype.kind != "c"):
        raise GradError(
            f"Function {name}Backward returned a gradient of dtype {r.dtype} at index {i} for "
            f"an input of dtype {dtype}; return a floating-point gradient (a real one for a "
            f"real input)"
        )
    return r._data if plain else r
