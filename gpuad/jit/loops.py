"""A ``gpuad.lax.while_loop`` whose predicate depends on traced values, as one program step.

The trip count of such a loop is not known when the function is traced, so the loop cannot be
unrolled into the straight-line program. It is recorded instead as one step whose replay runs
the loop: ``cond_fun`` and ``body_fun`` are traced once each, on fresh placeholders standing for
the carry, into two sub-programs (their steps are taken out of the main program), and the step
runs them, one after the other, on each call's values until the predicate is false.

Every traced value the two functions read without receiving it (a closure over an argument, a
value computed before the loop, a captured tensor) is an explicit input of the step, as JAX's
``closure_convert`` makes it: a later call with new values runs the loop on those values, never
on the traced call's.

Derivatives: forward mode (``jvp``, ``jacfwd``) goes through the loop, the tangents being part
of the carry (as JAX differentiates ``while_loop``). Reverse mode through such a loop raises
``TracerError``, as JAX refuses it (the eager ``while_loop`` and ``fori_loop`` with Python-int
bounds are differentiable in reverse mode). A loop body that writes in place into arrays or runs
an opaque step (an optimizer update, a value check) cannot be compiled either and raises.

Example::

    @gpuad.jit
    def newton_sqrt(a):
        body = lambda c: (c[0] + 1, 0.5 * (c[1] + a / c[1]))
        return lax.while_loop(lambda c: abs(c[1] * c[1] - a) > 1e-12, body, (0, a))
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as _np

from ..tensor import Tensor
from .program import Ref, Step, resolve
from .trace import TracerError, _may_share, user_line


def run_eagerly_batched(tr) -> None:
    """A loop whose predicate is traced and batched by vmap: the call runs as the eager
    batched loop (the trace ends in :class:`~gpuad.jit.trace.BatchedClosure`, which returns
    this run's result and caches no program), since the trip count differs per example."""
    if tr.batched_closure is None:
        tr.batched_closure = (f"jit: a while_loop at {user_line()} whose predicate depends on "
                              f"the arguments runs inside vmap")
        tr.eager_why = "batched_loop"


def _pick(i: int, outs: tuple):
    return outs[i]


class _Sub:
    """A sub-program: steps of the trace run on an environment of variable ids."""

    __slots__ = ("steps",)

    def __init__(self, steps: list):
        self.steps = steps

    def run(self, env: dict) -> None:
        for s in self.steps:
            args = resolve(s.args, env)
            params = resolve(s.params, env) if s.dyn else s.params
            env[s.out] = s.fn(*args, **params)


class LoopStep:
    """The function of a loop step: ``fn(*carry, *closed_over) -> tuple of carry``.

    ``host_loop`` marks it for :func:`gpuad.jit.replay.graph_capturable`: it reads its
    predicate on the host each iteration, so the program cannot be one CUDA graph."""

    host_loop = True

    def __init__(self, cond: _Sub, body: _Sub, carry: list[int], pred, outs: list,
                 ext: list[int]):
        self.cond, self.body = cond, body
        self.carry, self.pred, self.outs, self.ext = carry, pred, outs, ext
        self.__name__ = "while_loop"

    def __call__(self, *arrays):
        n = len(self.carry)
        env: dict = dict(zip(self.ext, arrays[n:], strict=True))
        vals = list(arrays[:n])
        while True:
            env.update(zip(self.carry, vals, strict=True))
            self.cond.run(env)
            if not bool(resolve(self.pred, env)):
                break
            self.body.run(env)
            vals = [resolve(o, env) for o in self.outs]
        # results of their own: a leaf passed through unchanged (or twice) would otherwise
        # alias an input or another result, which the memory plan takes for fresh buffers
        out: list = []
        for v in vals:
            if any(v is a or _may_share(v, a) for a in builtins.list(arrays) + out):
                v = v.copy()
            out.append(v)
        return tuple(out)


def _error(msg: str) -> TracerError:
    return TracerError(f"jit: while_loop at {user_line()} (its predicate depends on traced "
                       f"values): {msg}")


def _leaf_array(tr, x):
    """A carry leaf as a backend array (a Python number as a 0-d array of its type)."""
    if isinstance(x, Tensor):
        return x._data
    if tr.is_array(x):
        return x
    if isinstance(x, bool | int | float | complex | _np.generic):
        return tr.be.xp.asarray(x)
    raise TypeError(f"while_loop: a loop carry holds a {type(x).__name__}: its leaves must be "
                    f"arrays, Tensors or Python numbers")


def traced_while(cond_fun, body_fun, init_val, check_same) -> Any:
    """Record ``while_loop(cond_fun, body_fun, init_val)`` as one step of the active trace and
    return its result (computed by that step, on the traced call's values)."""
    from .. import _state
    from ..tree import tree_flatten, tree_unflatten
    from . import trace

    tr = trace.active()
    leaves, tdef = tree_flatten(init_val)
    for x in leaves:
        if isinstance(x, Tensor) and x._bat is not None:
            raise _error("a carry batched by vmap inside jit is not supported; put vmap "
                         "outside the loop's jit, or bound the loop with fori_loop")
    tangents = [_live_levels(x) for x in leaves]
    arrays = [_leaf_array(tr, x) for x in leaves]
    if any(_weak(x) for x in leaves):
        arrays = _weak_dtypes(tr, body_fun, leaves, arrays, tdef)
    for _ in range(2 * len(leaves) + 2):  # (the tangent sets and dtypes only grow)
        rec = _record(tr, cond_fun, body_fun, leaves, arrays, tdef, tangents,
                      check_same)
        if rec[0] == "again":
            tangents, arrays = rec[1], rec[2]
            continue
        break
    else:  # pragma: no cover
        raise _error("the carry's tangents and dtypes did not settle")
    _, fn, in_vids, out_layout, env_in, refused = rec
    prog = tr.prog
    from .._value_checks import BranchError

    tr.paused += 1
    try:
        results = fn(*env_in)
    except BranchError as e:
        raise _error(
            f"gpuad's own code inside the loop takes another branch at a later step than at "
            f"the first ({e.check.site if e.check is not None else e}), and the compiled loop "
            f"holds the first step's branch; run the loop outside jit") from e
    finally:
        tr.paused -= 1
    step = Step("while_loop", fn, tuple(Ref(v) for v in in_vids), {}, None, "pure",
                where=user_line())
    tv = prog.new_var(None, "out", step=len(prog.steps), dyn=True)
    step.out = tv.id
    prog.steps.append(step)
    from_args = any(v in tr.argdep for v in in_vids)
    plain = all(v in tr.plain or not prog.vars[v].dyn
                or (prog.vars[v].kind == "cap" and prog.vars[v].owner is None)
                for v in in_vids)
    out_arrays = []
    for i, arr in enumerate(results):
        pick = Step(f"while_loop[{i}]", _pick_fn(i), (Ref(tv.id),), {}, None, "pure")
        vid = tr.out(arr, pick, True)
        if from_args:
            tr.argdep.add(vid)
        if plain and tr.plain:
            tr.plain.add(vid)
        out_arrays.append(arr)
    # the carry's Tensors (their tangents where the loop carries some)
    out_leaves = []
    k = 0
    with _state.no_grad():
        for lv in out_layout:
            t = Tensor(out_arrays[k])
            k += 1
            if lv:
                t._tan = {}
                for level in lv:
                    t._tan[level] = Tensor(out_arrays[k])
                    k += 1
            out_leaves.append(t)
    if refused is not None:
        out_leaves = [_refusing(t, *refused) for t in out_leaves]
    return tree_unflatten(tdef, out_leaves)


_REFUSED = None


def _refusing(t: Tensor, edges: list, error: TracerError) -> Tensor:
    """``t`` as the output of a tape step whose backward raises ``error`` (an integer result
    has no gradient and stays as it is)."""
    global _REFUSED
    from ..engine import Node
    from ..prims.core import Primitive

    if t._data.dtype.kind not in "fc":
        return t
    if _REFUSED is None:
        def vjp_all(g, ans, inputs, params, need):
            raise params["error"]

        _REFUSED = Primitive("while_loop", impl=None)
        _REFUSED.vjp_all = vjp_all
        _REFUSED.compile()
    node = Node(_REFUSED, tuple(edges), [None] * (len(edges) + 1), {"error": error},
                t._data.shape, t._data.dtype)
    out = Tensor(t._data, _node=node)
    out._tan = t._tan
    return out


def _pick_fn(i: int):
    import functools

    return functools.partial(_pick, i)


def _values(tr, vids: list[int]) -> list:
    """The arrays of the trace that variables ``vids`` stand for."""
    prog = tr.prog
    out: dict = {}
    need = set()
    for v in vids:
        var = prog.vars[v]
        if var.kind in ("cap", "lit", "init"):
            out[v] = var.value
        elif v in tr.arrays:
            out[v] = tr.arrays[v]
        else:
            need.add(v)
    if need:  # a view: find its array among those the tracer keeps
        for a in tr.keep:
            v = tr.ids.get(id(a))
            if v in need:
                out[v] = a
    missing = [v for v in vids if v not in out]
    if missing:
        raise _error(f"internal: no array of the trace for the variables {missing}")
    return [out[v] for v in vids]


def _live_levels(x) -> set:
    """The forward-mode levels (of jvp calls still running) at which ``x`` has a tangent."""
    from .. import _state

    if not isinstance(x, Tensor) or not x._tan:
        return set()
    return {k for k in x._tan if k in _state.jvp_levels}


def _record(tr, cond_fun, body_fun, leaves, arrays, tdef, tangents, check_same):
    """Trace cond_fun and body_fun once on placeholders; returns ("again", tangents) when the
    body gives tangents to leaves that had none, else ("ok", fn, inputs, layout)."""
    from ..tree import tree_unflatten

    prog = tr.prog
    xp = tr.be.xp
    start = len(prog.steps)
    placeholders: list[int] = []  # carry variables, primal then tangents per leaf
    ph_leaves = []
    outer_ins: list = []  # what each placeholder stands for (an array of the trace)
    layout = []
    for x, a, tans in zip(leaves, arrays, tangents, strict=True):
        p = xp.array(a, copy=True)
        t = Tensor(p)
        placeholders.append(_placeholder(tr, p))
        outer_ins.append(a)
        lv = sorted(tans)
        if lv:
            t._tan = {}
            for level in lv:
                tan = x._tan.get(level) if isinstance(x, Tensor) and x._tan else None
                ta = tan._data if isinstance(tan, Tensor) else tan
                if ta is None or getattr(ta, "shape", None) != _np.shape(p):
                    ta = xp.zeros(_np.shape(p), dtype=p.dtype) if ta is None else ta
                ta = xp.asarray(ta)
                tp = xp.array(ta, copy=True)
                t._tan[level] = Tensor(tp)
                placeholders.append(_placeholder(tr, tp))
                outer_ins.append(ta)
        layout.append(lv)
        ph_leaves.append(t)
    carry = tree_unflatten(tdef, ph_leaves)
    tr.loop_depth = getattr(tr, "loop_depth", 0) + 1  # (read by hooks._guard_zero_w)
    try:
        return _record_on(tr, cond_fun, body_fun, leaves, arrays, tangents, check_same, carry,
                          start, placeholders, outer_ins, layout)
    finally:
        tr.loop_depth -= 1


def _record_on(tr, cond_fun, body_fun, leaves, arrays, tangents, check_same, carry, start,
               placeholders, outer_ins, layout):
    from .. import engine
    from ..tree import tree_flatten

    prog = tr.prog
    xp = tr.be.xp
    pred = cond_fun(carry)
    from ..lax import _scalar_pred

    pred = _scalar_pred(pred, "while_loop", "the value of cond_fun")
    pred = engine.current(pred) if isinstance(pred, Tensor) else pred
    if isinstance(pred, Tensor) and pred._bat is not None:
        raise _error("its predicate is batched by vmap inside jit; put vmap outside the jit")
    pd = pred._data if isinstance(pred, Tensor) else pred
    pred_ref = tr.enc(pd) if tr.is_array(pd) else bool(pd)
    mid = len(prog.steps)
    out = body_fun(carry)
    end = len(prog.steps)
    out_leaves, odef = tree_flatten(out)
    if odef != tree_flatten(carry)[1]:
        _drop(prog, start, end)
        check_same("while_loop", "the carry it received", "the carry body_fun returned",
                   carry, out)
    grad_on = engine._local.grad_enabled
    # the inputs the result depends on: its carry and what the body reads by closure
    needs = [edge for x in (*leaves, *out_leaves) if isinstance(x, Tensor) and x.requires_grad
             for edge in (engine.edge_of(x),)] if grad_on else []
    new_tan = []
    new_arrays = list(arrays)
    more = False
    for k, (x, o, tans) in enumerate(zip(leaves, out_leaves, tangents, strict=True)):
        have = _live_levels(o)
        new_tan.append(tans | have)
        if have - tans:
            more = True
        od = getattr(_data(o), "dtype", None)
        if _weak(x) and od is not None and od != arrays[k].dtype and (
                _np.dtype(od).kind in "fc" or arrays[k].dtype.kind != "f"):
            # a Python number in the carry takes the dtype the body gives it (JAX's weak
            # types; the eager loop's carry becomes that dtype after one step)
            new_arrays[k] = xp.asarray(x, dtype=od)
            more = True
    if more:
        _drop(prog, start, end)
        return "again", new_tan, new_arrays
    try:  # (a Python number in the carry has the body's dtype by now)
        check_same("while_loop", "the carry it received", "the carry body_fun returned",
                   carry, out)
    except TypeError:
        _drop(prog, start, end)
        raise
    for i in range(start, end):
        s = prog.steps[i]
        if s is not None and (s.kind == "write" or (
                s.kind == "effect" and getattr(s.fn, "check", None) is None)):
            _drop(prog, start, end)
            what = ("writes in place into an array" if s.kind == "write" else
                    f"runs an opaque step ({s.op})")
            raise _error(f"its cond_fun or body_fun {what}, which a compiled loop cannot "
                         f"repeat; compute new values instead (x.at[i].set(v), gnp.where)")
    outs = []
    for o, lv in zip(out_leaves, layout, strict=True):
        outs.append(_ref_of(tr, o))
        for level in lv:
            tan = o._tan.get(level) if isinstance(o, Tensor) and o._tan else None
            if tan is not None and not isinstance(tan, Tensor) and not tr.is_array(tan):
                _drop(prog, start, end)
                raise _error(f"the tangent of a carry leaf is not defined ({tan!r})")
            if tan is None:
                outs.append(_ref_of(tr, xp.zeros(_np.shape(_data(o)), dtype=_data(o).dtype)))
            else:
                outs.append(_ref_of(tr, tan))
    cond_steps = [s for s in prog.steps[start:mid] if s is not None]
    body_steps = [s for s in prog.steps[mid:end] if s is not None]
    defined = {s.out for s in cond_steps + body_steps}
    ph = set(placeholders)
    ext: list[int] = []
    seen = set()
    for s in cond_steps + body_steps:
        refs = s.refs()
        for r in refs:
            if r not in defined and r not in ph and r not in seen:
                seen.add(r)
                ext.append(r)
    for r in [pred_ref] + outs:
        if type(r) is Ref and r.v not in defined and r.v not in ph and r.v not in seen:
            seen.add(r.v)
            ext.append(r.v)
    _drop(prog, start, end)
    if not hasattr(tr, "loop_locals"):
        tr.loop_locals = set()
    if tr.loop_locals.intersection(ext):  # (read from another loop's cond_fun or body_fun)
        check_escapes(tr, tr.loop_locals.intersection(ext))
    tr.loop_locals.update(defined)
    tr.loop_locals.update(ph)
    fn = LoopStep(_Sub(cond_steps), _Sub(body_steps), placeholders, pred_ref, outs, ext)
    in_vids = [tr.var(a) for a in outer_ins] + ext
    refused = None
    if needs:  # raised by a backward that reaches the result (not by one that does not:
        # a custom_vjp's fwd, whose own bwd replaces the loop's derivative, as in JAX)
        refused = (list(dict.fromkeys(needs)), _error(
            "reverse-mode differentiation (grad, vjp, backward) through a loop whose trip "
            "count depends on traced values cannot be compiled, as in JAX. Bound the loop with "
            "fori_loop(0, n, ...) with a Python-int n (differentiable in reverse mode), "
            "differentiate outside jit (the eager while_loop is differentiable), or solve "
            "with lax.custom_root / custom_linear_solve (implicit derivatives)"))
    return "ok", fn, in_vids, layout, outer_ins + _values(tr, ext), refused


def _weak_dtypes(tr, body_fun, leaves, arrays, tdef) -> list:
    """The carry's Python numbers as arrays of the dtypes the body gives them from their first
    step, where the eager loop's carry takes that dtype (JAX promotes a weakly typed carry
    so): the body is traced once on them as Python numbers (the other leaves placeholders),
    and that trace dropped."""
    from ..tree import tree_flatten, tree_unflatten

    prog = tr.prog
    start = len(prog.steps)
    phs = []
    probe = []
    for x, a in zip(leaves, arrays, strict=True):
        if _weak(x):
            probe.append(x)
            continue
        p = tr.be.xp.array(a, copy=True)
        phs.append(_placeholder(tr, p))
        probe.append(Tensor(p))
    out = body_fun(tree_unflatten(tdef, probe))
    end = len(prog.steps)
    if not hasattr(tr, "loop_locals"):
        tr.loop_locals = set()
    tr.loop_locals.update(phs)
    tr.loop_locals.update(s.out for s in prog.steps[start:end] if s is not None)
    _drop(prog, start, end)
    out_leaves, odef = tree_flatten(out)
    if odef != tdef:
        return arrays  # (the structure error comes from the loop's own trace)
    new = list(arrays)
    for k, (x, o) in enumerate(zip(leaves, out_leaves, strict=True)):
        od = getattr(_data(o), "dtype", None)
        if _weak(x) and od is not None and _np.dtype(od).kind in "biufc":
            new[k] = tr.be.xp.asarray(x, dtype=od)
    return new


def _weak(x) -> bool:
    return isinstance(x, int | float | complex) and not isinstance(x, bool)


def _data(x):
    return x._data if isinstance(x, Tensor) else x


def _ref_of(tr, x):
    d = _data(x)
    if not tr.is_array(d):
        d = tr.be.xp.asarray(d)
        tr.literal(d)
    return tr.enc(d)


def _placeholder(tr, arr) -> int:
    v = tr.prog.new_var(arr, "out", dyn=True)
    tr.ids[id(arr)] = v.id
    tr.keep.append(arr)
    return v.id


def _drop(prog, start: int, end: int) -> None:
    for i in range(start, end):
        prog.steps[i] = None


def check_escapes(tr, leaked: set | None = None) -> None:
    """Refuse a program that uses a value made inside a loop's ``cond_fun`` or ``body_fun``
    outside that loop (stored in a list or an attribute by the body): it exists only inside
    the loop's step, as JAX's tracers leaked out of a loop do."""
    prog = tr.prog
    if leaked is None:
        used = set(prog.output_vars())
        for s in prog.steps:
            if s is not None:
                used.update(s.refs())
        for e in prog.effects:
            if isinstance(e[2], int):
                used.add(e[2])
        leaked = used & tr.loop_locals
    if leaked:
        v = prog.vars[min(leaked)]
        raise TracerError(
            f"jit: a value made inside a while_loop's cond_fun or body_fun (shape {v.shape}, "
            f"{v.dtype}) is used outside the loop (the function stored it in a list, a dict or "
            f"an attribute); under jit such a loop is one step whose inner values exist only "
            f"while it runs. Return it in the loop's carry instead")
