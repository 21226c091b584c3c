"""``torch.autograd.Function``: a forward and its backward written by the user, one tape step.

``apply`` runs ``forward(ctx, *args)`` without recording, then records one step whose edges
are the arguments that require grad. Several outputs share that step: they are packed into
one flat array and handed out as recorded slices of it (custom.py's ``_pack``/``_split``, as
for ``custom_vjp``). The tensors given to ``ctx.save_for_backward`` are the step's saved slots,
so backward checks their versions and frees them as it does for built-in steps; an input saved
that requires grad keeps its history, which makes a backward written with gpuad operations
differentiable again (``create_graph=True``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as _np

from .. import _state, engine
from ..custom import _pack, _saved_entry, _split
from ..engine import GradError, edge_of
from ..rules import Primitive
from ..tensor import Tensor


class FunctionCtx:
    """The ``ctx`` a Function's ``forward`` and ``backward`` share: any attribute may be set
    on it, plus the methods below."""

    def __init__(self) -> None:
        self.needs_input_grad: tuple[bool, ...] = ()
        self.materialize_grads = True
        self._to_save: tuple = ()
        self._nondiff: set[int] = set()
        self._saved: tuple | None = None
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
        raise NotImplementedError(
            f"{self._fn}: forward mode through an autograd.Function "
            f"(save_for_forward, jvp) is not supported"
        )

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            raise GradError(
                f"{self._fn}: saved_tensors are read in backward (forward kept them "
                f"with save_for_backward); they are not available here"
            )
        return self._saved

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Outputs that get no gradient (indices, masks): they do not require grad and
        backward receives zeros for them."""
        self._nondiff.update(id(o) for o in outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that no gradient
        reached (unused, non-differentiable and non-Tensor outputs)."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *args: Any) -> None:
        raise NotImplementedError(
            f"{self._fn}: mark_dirty (an in-place forward) is not supported; return a new "
            f"tensor from forward instead of writing into an input"
        )


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
        tracked = [g for g in grads if isinstance(g, Tensor) and g.requires_grad]
        if not tracked:
            return out
        edges = tuple(edge_of(g) for g in tracked)
        params = {"fn": ctx._fn}

        def guard(r: Any) -> Any:
            return _guarded(r._data, edges, params) if isinstance(r, Tensor) else r

        if isinstance(out, tuple):
            return tuple(guard(r) for r in out)
        return guard(out)

    wrapper._once_differentiable = True  # type: ignore[attr-defined]
    return wrapper


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
    newer form, ``forward(*args)`` with ``setup_context(ctx, inputs, output)``, works too.

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
        raise NotImplementedError("forward mode through an autograd.Function is not supported")

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


def _refuse(cls: type, args: tuple) -> None:
    for a in args:
        if isinstance(a, Tensor) and a._bat is not None:
            raise GradError(
                f"{cls.__qualname__}.apply inside vmap: an autograd.Function has "
                f"no batching rule; write it with gpuad.custom_vjp, or call it "
                f"outside vmap"
            )
        if isinstance(a, Tensor) and a._tan:
            raise GradError(
                f"{cls.__qualname__}.apply under forward mode (jvp, jacfwd): an "
                f"autograd.Function has a reverse-mode rule only; use "
                f"gpuad.custom_jvp, or reverse mode (jacrev)"
            )
    if engine._trace is not None:
        from ..jit import trace as _jt

        if _jt.active() is not None:
            raise _jt.TracerError(
                f"jit: {cls.__qualname__}.apply cannot be compiled (its backward is Python "
                f"code run by the eager sweep); use gpuad.custom_vjp inside gpuad.jit"
            )


def _run_forward(cls: type, ctx: FunctionCtx, args: tuple, kwargs: dict) -> Any:
    new_style = cls.setup_context is not Function.setup_context
    with _state.no_grad():
        if new_style:
            out = cls.forward(*args, **kwargs)
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


def _apply(cls: type, args: tuple, kwargs: dict) -> Any:
    _refuse(cls, args)
    ctx = FunctionCtx()
    ctx._fn = cls.__qualname__
    grad_on = _state.local.grad_enabled
    ctx.needs_input_grad = tuple(
        grad_on and isinstance(a, Tensor) and a.requires_grad for a in args
    )
    out = _run_forward(cls, ctx, args, kwargs)
    _check_outputs(cls, out)
    tracked = [i for i, n in enumerate(ctx.needs_input_grad) if n]
    is_tuple = isinstance(out, tuple)
    given = out if is_tuple else (out,)
    outs = [_as_tensor(o) for o in given]
    diff = (
        [
            k
            for k, o in enumerate(outs)
            if isinstance(o, Tensor) and id(given[k]) not in ctx._nondiff and o.dtype.kind in "fc"
        ]
        if tracked
        else []
    )
    for k, o in enumerate(outs):
        if isinstance(o, Tensor) and k not in diff and (o.requires_grad or o._node is not None):
            outs[k] = Tensor(o._data, _ver=o._ver)  # no history: a non-differentiable output
    if not diff:
        return tuple(outs) if is_tuple else outs[0]
    datas = [outs[k]._data for k in diff]
    if len(datas) == 1 and any(
        isinstance(a, Tensor)
        and a._data is not None
        and engine._rules._xp(a._data).may_share_memory(a._data, datas[0])
        for a in args
        if hasattr(a, "_data")
    ):
        datas = [datas[0].copy()]  # forward returned (a view of) an input: its own memory
    edges = [edge_of(args[i]) for i in tracked]
    saved, spec = _save_slots(ctx, outs, diff, args)
    params = {
        "cls": cls,
        "ctx": ctx,
        "nargs": len(args),
        "tensor_args": [isinstance(a, Tensor) for a in args],
        "tracked": tracked,
        "kinds": [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs],
        "diff": diff,
        "shapes": [tuple(d.shape) for d in datas],
        "dtypes": [d.dtype for d in datas],
        "arg_shapes": [args[i].shape for i in tracked],
        "arg_dtypes": [args[i].dtype for i in tracked],
        "spec": spec,
    }
    ctx._to_save = ()
    packed = _pack(datas)
    node = engine.Node(
        _rule_of(cls), tuple(edges), saved, params, packed.shape, packed.dtype, tan=False
    )
    res = Tensor(packed, _node=node)
    if spec and saved[0] is not None:
        saved[0] = (packed, res._ver, res._ver[0], None, None, False)
    pieces = _pieces(res, params)
    for k, p in zip(diff, pieces, strict=True):
        outs[k] = p
    if not ctx.materialize_grads and len(pieces) > 1:
        # which outputs a sweep reaches, so that backward gets None for the others (torch's
        # undefined gradients); hooks only here, where they were asked for
        from ..tensor_hooks import register_hook

        ctx._reached = set()
        for j, p in enumerate(pieces):
            register_hook(p, functools.partial(_reach, ctx._reached, j))
    return tuple(outs) if is_tuple else outs[0]


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


def _save_slots(ctx: FunctionCtx, outs: list, diff: list, args: tuple) -> tuple[list, list]:
    """The step's saved slots (0: the packed output, when an output is saved; then one per
    other saved tensor) and, per saved tensor, where it is found: ("out", j), ("slot", i) or
    None."""
    saved: list = [None]
    spec = []
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
        spec.append(("slot", len(saved) - 1))
    return saved, spec


def _saved_values(params: dict, ans: Any, inputs: list) -> tuple:
    pieces = None
    vals = []
    for s in params["spec"]:
        if s is None:
            vals.append(None)
        elif s[0] == "out":
            if pieces is None:
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
    ctx._saved = _saved_values(params, ans, inputs)
    grads = _output_grads(g, params, plain)
    try:
        if plain:
            with _state.no_grad():
                res = cls.backward(ctx, *grads)
        else:
            res = cls.backward(ctx, *grads)
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
    if kind not in "fc" or (kind == "c" and dtype.kind != "c"):
        raise GradError(
            f"Function {name}Backward returned a gradient of dtype {r.dtype} at index {i} for "
            f"an input of dtype {dtype}; return a floating-point gradient (a real one for a "
            f"real input)"
        )
    return r._data if plain else r
