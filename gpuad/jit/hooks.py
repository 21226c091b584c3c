"""The redirections installed while a function is traced (see :mod:`gpuad.jit.trace`).

Each ``*_w`` function replaces an engine helper, an optimizer method, a Tensor method or a
function of the array namespace for the duration of one trace; called from a thread that is not
tracing, it runs the original. :func:`install` puts them in place and notes what to restore.
"""

from __future__ import annotations

import functools
import os
import sys
import types

import numpy as _np

from .. import _raw, engine
from .. import _value_checks as _vc
from .._no_tangent import NoTangent
from ..tensor import Tensor, _called_by_copy
from . import failures
from . import trace as _t
from .program import Ref, Step

# (id(orig), id(fn)) -> (orig, fn, wrapper): each wrapper is made once and put in place again
# by every later trace (install would otherwise build some 300 of them per trace)
_MADE: dict[tuple[int, int], tuple] = {}


def _traced(orig):
    """Decorator: the wrapped function runs when this thread is tracing, ``orig`` otherwise."""
    def deco(fn):
        key = (id(orig), id(fn))
        hit = _MADE.get(key)
        if hit is not None and hit[0] is orig and hit[1] is fn:
            return hit[2]

        @functools.wraps(orig)
        def w(*a, **k):
            tr = _t.active()
            if tr is None:
                return orig(*a, **k)
            return fn(tr, orig, *a, **k)
        w._gpuad_orig = orig
        if len(_MADE) > 4096:  # (functions replaced again and again: start over)
            _MADE.clear()
        _MADE[key] = (orig, fn, w)
        return w
    return deco


def _as_tensor(x):
    if isinstance(x, Tensor | NoTangent) or x is None:
        return x
    if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, _np.generic):
        return Tensor(x)
    return x


def _step_w(tr, orig, node, g, diff, create_graph, grads, owned, heap, relevant):
    # the first-order step (raw arrays eagerly) runs its formulas on plain Tensors: the same
    # values and branches, each operation recorded
    if not diff and node.rule.name == "checkpoint":
        # its vjp recomputes the block from raw inputs linked to their nodes (recorded
        # through apply); only the contributions are made Tensors, so adding them is recorded
        vals = engine._saved_raw(node)
        gr = g._data if isinstance(g, Tensor) else g
        edges = node.edges
        need = edges if relevant is None else [e is not None and e in relevant for e in edges]
        for i, c in enumerate(node.rule.vjp(gr, vals[0], vals[1:], node.params, need)):
            if c is not None and need[i]:
                engine._contribute(node, i, edges[i], _as_tensor(c), _as_tensor(gr), grads,
                                   owned, heap)
        return None
    prev = tr.plain_step
    tr.plain_step = not diff
    try:
        return orig(node, g, True, create_graph, grads, owned, heap, relevant)
    finally:
        tr.plain_step = prev


def _saved_tensors_w(tr, orig, node, raw):
    if tr.plain_step:
        return [_as_tensor(v) for v in raw]
    vals = orig(node, raw)
    return [_as_tensor(v) if i else v for i, v in enumerate(vals)]


class _JvpProxy:
    """A rule whose jvp sees Tensors (so the tangent arithmetic is recorded)."""

    def __init__(self, rule):
        self._rule = rule
        self.elementwise = rule.elementwise

    def jvp(self, i, t, ans, inputs, params):
        return self._rule.jvp(i, _as_tensor(t), _as_tensor(ans),
                              [_as_tensor(x) for x in inputs], params)

    def __getattr__(self, name):
        return getattr(self._rule, name)


def _propagate_tangents_w(tr, orig, rule, args, params, out, node, bat=None):
    return orig(_JvpProxy(rule), args, params, out, node, bat)


def _guard_zero_w(tr, orig, r, gs):
    # The guard runs on every replay's own values: its eager shortcut for a finite r (return
    # r as is) is decided per call inside a step, never by the traced call's values.
    if any(isinstance(x, Tensor) and (x._bat is not None or x._tan or x.requires_grad)
           for x in (r, *gs)):
        # a batched value, or one whose tangents or tape must survive the guard
        if len(gs) == 1 and (gs[0] is r or (isinstance(r, Tensor) and gs[0] is r._data)):
            return r  # the adjoint passed through: zero wherever it is zero
        raws = _aligned(tr, r, gs)
        if raws is None:  # its operations on the Tensors, each recorded
            return engine._guard_zero_where(r, gs)
        rd, gds, shapes = raws
        if not (r._tan or r.requires_grad):
            return _guard_step(tr, r, rd, gds, shapes)  # one step on the arrays
        if type(rd) is _np.ndarray and engine._finite(rd) and not getattr(tr, "loop_depth", 0):
            # eager returns r as is (a NumPy array without inf or NaN): so does the program,
            # as a kept branch, and a call whose r is not finite traces again (not inside a
            # loop compiled as one step, gpuad.jit.loops, whose later steps may differ)
            _vc.keep_branch("the zero guard of an entrywise derivative", True, _all_finite, rd)
            return r
        # where(zero, 0, r) as eagerly, so that r's derivatives pass; the mask is one step
        params = {"shapes": shapes} if any(shapes) else {}
        tr.paused += 1
        try:
            mask = _guard_mask(rd, *gds, **params)
        finally:
            tr.paused -= 1
        tr.add_step("guard_mask", _guard_mask, (rd, *gds), params, mask)
        return engine._R.where(Tensor(mask, _bat=r._bat), 0, r)
    rd = r._data if isinstance(r, Tensor) else r
    gds = [g._data if isinstance(g, Tensor) else g for g in gs if g is not None]
    return _guard_step(tr, r, rd, gds)


def _guard_step(tr, r, rd, gds, shapes=()):
    params = {"shapes": shapes} if any(shapes) else {}
    tr.paused += 1
    try:
        res = _guard_raw(rd, *gds, **params)
    finally:
        tr.paused -= 1
    if not tr.is_array(rd):
        return res
    # a view of r: the guard returns r itself wherever its values are finite (fused, it is
    # a copy with memory of its own, which the views recorded from it follow: Var.store).
    # One whose adjoints are reshaped is a step of its own name, which fusion leaves alone
    tr.add_step("guard_zero_shaped" if params else "guard_zero", _guard_raw, (rd, *gds),
                params, res, view_of=rd, key=("guard",))
    if res is rd:
        return r
    return Tensor(res, _bat=r._bat) if isinstance(r, Tensor) else res  # levels kept


def _aligned(tr, r, gs):
    """``(r's array, the adjoints' arrays, shapes)`` where the guard can run on the raw arrays
    as on the Tensors: each adjoint's vmap levels are among r's, and its array, reshaped to
    ``shapes[k]`` (None: as it is) with a length-1 axis for each level and leading example
    axis it lacks, broadcasts to r's; None otherwise."""
    if not isinstance(r, Tensor) or not tr.is_array(r._data):
        return None
    rd = r._data
    rbat = r._bat or ()
    ex = rd.ndim - len(rbat)  # r's axes of one example
    gds, shapes = [], []
    for g in gs:
        if g is None:
            continue
        gd = g._data if isinstance(g, Tensor) else g
        gbat = (g._bat if isinstance(g, Tensor) else None) or ()
        if not tr.is_array(gd) or any(b not in rbat for b in gbat) or \
                list(gbat) != [b for b in rbat if b in gbat]:
            return None
        gex = gd.ndim - len(gbat)
        if gex > ex:
            return None
        lead = [gd.shape[gbat.index(b)] if b in gbat else 1 for b in rbat]
        shape = tuple(lead) + (1,) * (ex - gex) + tuple(gd.shape[len(gbat):])
        try:
            if tuple(_np.broadcast_shapes(shape, rd.shape)) != tuple(rd.shape):
                return None
        except ValueError:
            return None
        gds.append(gd)
        shapes.append(None if shape == tuple(gd.shape) or not rbat else shape)
    return (rd, gds, tuple(shapes)) if gds else None


def _all_finite(xp, d):
    return engine._finite(d) if type(d) is _np.ndarray else xp.all(xp.isfinite(d))


def _guard_mask(r, *gs, shapes=None):
    """Where the guard zeroes ``r`` (raw arrays): every adjoint zero (``gs[k]`` seen with
    shape ``shapes[k]`` where given) and r not finite."""
    if type(r) is _np.ndarray and engine._finite(r):  # no host read on another backend
        return _np.zeros(r.shape, bool)
    from ..rules import _xp

    xp = _xp(r)
    zero = None
    for k, g in enumerate(gs):
        if shapes is not None and shapes[k] is not None:
            g = xp.reshape(g, shapes[k])
        z = xp.equal(g, 0)
        zero = z if zero is None else xp.logical_and(zero, z)
    zero = xp.logical_and(zero, xp.logical_not(xp.isfinite(r)))
    if tuple(zero.shape) != tuple(r.shape):
        zero = xp.broadcast_to(zero, r.shape).copy()
    return xp.asarray(zero)  # (NumPy gives a scalar for 0-d arrays)


def _guard_raw(r, *gs, shapes=None):
    if shapes is not None:  # (see _aligned)
        gs = [g if s is None else _raw_reshape(g, s) for g, s in zip(gs, shapes, strict=True)]
    return _ORIG["_guard_zero"](r, gs)


def _raw_reshape(a, shape):
    from ..rules import _xp

    return _xp(a).reshape(a, shape)


def _accumulate_leaf_w(tr, orig, node, g, own, create_graph):
    if create_graph:
        return orig(node, g, own, create_graph)
    t = node.ref()
    if t is None:
        return None
    return _accumulate(tr, t, g)


def _raw_of(x):
    # (a primitive of traced raw arrays returns a Tensor while tracing: engine._apply_any)
    return x._data if isinstance(x, Tensor) else x


def _grad_read(tr, t) -> None:
    """The program depends on ``t.grad`` as it was when the call began: replays check it is
    still that object (or None), and trace again otherwise."""
    tr.register(t)
    if id(t) in tr.grad_written:
        return
    entry = tr.tensors.get(id(t))
    expected = entry[3] if entry is not None else t.grad
    target = entry[1] if entry is not None else ("obj", t)
    tr.prog.guards.append((target, expected))
    tr.grad_written.add(id(t))


def _accumulate(tr, t, g, own=False):
    R = engine._R
    _grad_read(tr, t)
    gd = g._data if isinstance(g, Tensor) else g
    if isinstance(gd, _np.generic):
        gd = _np.array(gd)
    new = gd if own else _raw_of(R.copy(gd))  # recorded: the grad owns its buffer
    if t.grad is None:
        t.grad = Tensor(new)
    else:
        tr.register(t.grad)
        tr.var(t.grad._data, t.grad)  # read through the grad tensor on every call
        t.grad.data = _raw_of(R.add(t.grad._data, new))


def _accumulate_leaf_into_w(tr, orig, t, g, create_graph):
    if create_graph:
        return orig(t, g, create_graph)
    return _accumulate(tr, t, g)


def _view_of_w(tr, orig, rule, params, out, x):
    view, res = orig(rule, params, out, x)
    if res is not out:
        tr.add_step("copy", _t._copy, (out,), {}, res)
    return view, res


def _snapshot_saved_w(tr, orig, node, ver, buf=None):
    before = list(node.saved or ())
    orig(node, ver, buf)
    for s0, s1 in zip(before, node.saved or (), strict=False):
        if s0 is not None and s1 is not None and s0[0] is not s1[0] and tr.is_array(s1[0]):
            tr.add_step("copy", _t._copy, (s0[0],), {}, s1[0])


def _assign_inplace_w(tr, orig, t, value, index, since=None):
    tr.register(t)
    if t._base is not None:
        tr.register(t._base)
    tr.before_write(t._data, t)
    tr.writing += 1  # how the eager write computes its values (CuPy: on a copy) is not a step
    try:
        orig(t, value, index, since)
    finally:
        tr.writing -= 1
    if t._bat is not None or (isinstance(value, Tensor) and value._bat is not None):
        return  # inside vmap: recorded as the whole write of its result (_write_whole_w)
    tr.record_write(t, value, index)


def _write_whole_w(tr, orig, dst, src):
    # a batched in-place write: its values were computed by recorded steps (index_update on
    # the batched arrays); the write of the whole array is the step (the user's index is per
    # example, not an index of the batched array)
    orig(dst, src)
    tr.record_write(Tensor(dst), src, None)


def _zero_grad_w(tr, orig, opt, set_to_none=True):
    opt._sync()
    for p in opt.params:
        tr.register(p)
        if set_to_none:
            tr.grad_written.add(id(p))
        else:  # zeros written into the .grad the call starts with (a recorded write)
            _grad_read(tr, p)
    return orig(opt, set_to_none)


def _module_zero_grad_w(tr, orig, module):
    """``model.zero_grad()`` sets each parameter's ``.grad`` to None, as
    ``opt.zero_grad()`` does: the program sets them, so replays need not find the old ones."""
    for p in module.parameters():
        tr.register(p)
        tr.grad_written.add(id(p))
    return orig(module)


def _opt_step_w(tr, orig, opt):
    from ..optim import _hooks
    from . import optstep

    _hooks.refuse_traced_hooks(opt)

    if optstep.recordable(opt):  # its array work as steps, its numbers from device slots
        optstep.record(tr, opt)
        return
    opt._sync()
    tr.prog.prelude.append(optstep.Layout(opt))  # its parameters, checked on each call
    for p in opt.params:
        _grad_read(tr, p)
    ps = [(i, p) for i, p in enumerate(opt.params) if p.grad is not None]
    for _, p in ps:
        tr.register(p)
        tr.before_write(p._data, p)
    gvars = []
    for _, p in ps:
        g = p.grad
        gd = g._data if isinstance(g, Tensor) else g
        gvars.append(Ref(tr.var(gd, g if isinstance(g, Tensor) else None)))
    pvars = tuple(Ref(tr.var(p._data, p)) for _, p in ps)
    tr.paused += 1
    try:
        orig(opt)
    finally:
        tr.paused -= 1
    fn = functools.partial(_opt_replay, opt, tuple(i for i, _ in ps))
    writes = tuple(tr.prog.root(r.v) for r in pvars)
    tr.prog.steps.append(Step(f"{type(opt).__name__}.step", fn, pvars + tuple(gvars), {}, None,
                              "effect", writes=writes))
    for r in writes:
        tr.rehash(r)


def _opt_replay(opt, idx, *arrays):
    from ..backends import get_backend
    from ..optim import _real_views

    n = len(idx)
    opt.step_count += 1
    xp = get_backend().xp
    name = type(opt).__name__
    for i, p, g in zip(idx, arrays[:n], arrays[n:], strict=True):
        opt._update(xp, *_real_views(name, p, xp.asarray(g)), opt.state[i])


def _record_check(check, arrays) -> bool:
    """A value check (:mod:`gpuad._value_checks`) on traced values, or on arrays the function
    reads without receiving them (read at every call): run now (the traced call raises as
    eagerly), and recorded as a step, so each replay checks its own values. A check of
    arrays the trace made is dropped by ``passes.fold_constants`` once they are constants."""
    from .. import _value_checks as vc

    tr = _t.active()
    if tr is None:
        return False
    raws = [a._data if isinstance(a, Tensor) else a for a in arrays]
    if not any(tr.is_array(a) and (tr.dyn(a) or _captured(tr, a)) for a in raws):
        return False  # constants: checked once, now
    tr.paused += 1
    try:
        vc.now(check, *raws)
    finally:
        tr.paused -= 1
    # a captured Tensor's value is read through the Tensor at every call
    ins = tuple(tr.enc(a) for a in arrays)
    fn = getattr(check, "host_step", None) or functools.partial(vc.now, check)
    # kernels only: on a CUDA graph its info goes to a device buffer (an anomaly check is
    # read at once: its program replays without a graph)
    fn.capturable = getattr(check, "capturable", True)
    fn.check = check  # writes nothing: the function stays pure (jit's post-trace check)
    step = Step(f"check:{check.op}", fn, ins, {}, None, "effect")
    step.ctx = failures.enclosing_primitive()  # a primitive's own check: its eager message
    tr.prog.steps.append(step)
    return True


def _kept_already(tr, d) -> bool:
    """Whether the latest value check of the variable ``d`` holds its current value."""
    prev = tr.__dict__.setdefault("kept_values", {}).get(tr.ids.get(id(d)))
    if prev is None:
        return False
    tr.paused += 1
    try:
        return prev.holds(d)
    finally:
        tr.paused -= 1


def _captured(tr, a) -> bool:
    """Whether ``a`` is an array the traced function reads without receiving it (read at
    every call), not one the program makes."""
    if not tr.is_array(a):
        return False
    vid = tr.ids.get(id(a))
    return vid is None or tr.prog.vars[vid].kind == "cap"


def _read_by_user(t: Tensor, what: str) -> bool:
    """The user's code reads the values of ``t`` into Python (``t.item()``, ``float(t)``,
    ``t.numpy()``) while tracing, where ``t`` is not computed from the arguments: a Tensor
    the function reads without receiving it, or a value computed only from such Tensors.
    What the function does with the values is frozen into the program, so the program checks
    at every call that ``t`` still holds them (a call where it does not traces again), as for
    library code's reads (:func:`_host_read`). Returns whether the read is allowed so (one
    computed from the arguments is refused by the caller)."""
    tr = _t.active()
    if tr is None:
        return False
    d = t._data
    if not tr.is_array(d) or tr.from_args(d):
        return False
    if not tr.dyn(d) and id(d) in tr.ids:
        return True  # a constant of the program
    if _kept_already(tr, d):  # read again (t.item() reads t.numpy())
        return True
    f = sys._getframe(2)
    if os.path.abspath(f.f_code.co_filename).startswith(_t._PKG):
        return False  # library code: its own reads go through _value_checks.host_read
    check = _vc.keep_values(f"{what} of a Tensor the function reads", t)
    if check is not None and id(d) in tr.ids:
        tr.__dict__.setdefault("kept_values", {})[tr.ids[id(d)]] = check
    return True


def _record_call(name, fn, arrays) -> tuple:
    """A function of raw arrays (:func:`gpuad._value_checks.computed`) on traced values, or on
    arrays the function reads without receiving them: recorded as one step (one per array of
    a tuple result), folded by ``passes.fold_constants`` where its inputs are constants."""
    tr = _t.active()
    if tr is None or not any(tr.is_array(a) and (tr.dyn(a) or _captured(tr, a))
                             for a in arrays):
        return False, None
    tr.paused += 1
    try:
        out = fn(*arrays)
    finally:
        tr.paused -= 1
    if isinstance(out, _np.generic):  # a NumPy scalar: a 0-d array, as apply makes it
        fn, out = functools.partial(_as_array, fn), _np.asarray(out)
    if tr.is_array(out):
        tr.add_step(name, fn, arrays, {}, out, key=("computed", fn))
    elif type(out) in (tuple, list):
        out = type(out)(_np.asarray(o) if isinstance(o, _np.generic) else o for o in out)
        for i, o in enumerate(out):
            if tr.is_array(o):
                tr.add_step(f"{name}[{i}]", functools.partial(_item_of, fn, i), arrays, {}, o,
                            key=("computed", fn, i))
    return True, out


def _host_read(what: str, arrays, keep: bool = True) -> None:
    """Library code reads ``arrays``' values into Python
    (:func:`gpuad._value_checks.host_read`): refused for a traced value; for an array the
    function reads without receiving it (read at every call), the program keeps the values
    read and checks at every call that the array still holds them
    (:func:`gpuad._value_checks.keep_values`: a call where it does not traces again)."""
    tr = _t.active()
    if tr is None:
        return
    for a in arrays:
        d = a._data if isinstance(a, Tensor) else a
        if tr.is_array(d) and tr.dyn(d) and not _captured(tr, d):
            raise _t.TracerError(
                f"jit: {what} at {_t.user_line()} is read into Python numbers, and it depends "
                f"on the function's arguments (or on arrays it reads at every call): the "
                f"compiled program would keep the traced call's values. Pass it as Python "
                f"numbers (a static argument), or call this outside the jitted function")
    if keep:
        kept = tr.__dict__.setdefault("kept_values", {})  # variable -> its latest check
        for a in arrays:
            d = a._data if isinstance(a, Tensor) else a
            if not _captured(tr, d):
                continue
            if _kept_already(tr, d):  # read again (each primitive copies a NumPy argument)
                continue
            check = _vc.keep_values(what, a)
            if check is not None and id(d) in tr.ids:
                kept[tr.ids[id(d)]] = check


_JIT_DIR = os.path.dirname(os.path.abspath(__file__))


def _to_device_w(tr, orig, a, *args, **kwargs):
    # a NumPy array copied to the device (cupy.asarray(np_idx)) outside a primitive: the copy
    # would be a constant of the program, so the array's values are kept and checked at every
    # call where the function reads it without receiving it (a closure); on a GPU a copy from
    # pageable host memory cannot be captured in a CUDA graph, a host comparison needs no sync
    if isinstance(a, _np.ndarray) and not tr.writing and not _in_impl() and \
            not os.path.abspath(sys._getframe(3).f_code.co_filename).startswith(_JIT_DIR):
        _host_read("a NumPy array copied to the device", (a,))
    return orig(a, *args, **kwargs)


def _data_w(tr, orig, a):
    if isinstance(a, Tensor) and tr.dyn(a._data):
        return a
    return orig(a)


def _plain_w(tr, orig, x, *a, **k):
    # a transform (grad, vjp, vmap, ...) hands back a backend array where nothing outside
    # differentiates its result; while tracing, a traced one stays a Tensor, so that what the
    # function computes from it (operators included) is recorded too
    r = orig(x, *a, **k)
    if r is not x and tr.is_array(r) and tr.dyn(r):
        t = Tensor(r)
        tr.plain.add(tr.ids[id(r)])  # returned by the function, it is an array, as eagerly
        return t
    return r


def _result(x):
    # a public function's result computed with the array namespace (_value_checks.result):
    # one that depends on the call is a Tensor, as apply makes a primitive's
    tr = _t.active()
    if tr is None:
        return x
    if type(x) in (tuple, list):
        return type(x)(_result(o) for o in x)
    if tr.is_array(x) and tr.from_args(x):
        return Tensor(x)
    return x


def _tensor_w(tr, orig, data, *a, **k):
    # gpuad.tensor of an array: a Tensor eagerly, also where the array is one the trace
    # hands to f as a Tensor (an array argument, a transform's result)
    t = orig(data, *a, **k)
    vid = tr.ids.get(id(t._data))
    if vid is not None and vid in tr.plain:
        tr.made.add(id(t))
        tr.keep.append(t)
    return t


def _to_batch_w(tr, orig, x, *a, **k):
    # vmap's entry step moves the batch axis with the array namespace, which records only
    # values the trace knows: a closed-over Tensor or array is captured first (read on every
    # call through its Tensor), so the move is recorded instead of frozen
    d = x._data if isinstance(x, Tensor) else x
    if tr.is_array(d) and id(d) not in tr.ids:
        tr.var(d, x if isinstance(x, Tensor) else None)
    return orig(x, *a, **k)


def _refuse(what: str):
    # (NumPy converts a Tensor written into one of its arrays, `out[i] = t`, the same way)
    write = (" or a write of it into a NumPy array (make the array a Tensor, e.g. "
             "out = gpuad.tensor(gnp.zeros(n)), whose writes are recorded)"
             if what.startswith("conversion") else "")
    def check(t):
        tr = _t.active()
        if tr is not None and tr.dyn(t._data):
            raise _t.TracerError(
                f"jit: {what} of a traced value (shape {t.shape}, {t.dtype}) at "
                f"{_t.user_line()}. Its value depends on the function's arguments, so it is not "
                f"known when the function is compiled: Python control flow on array values "
                f"cannot be traced{write}. Use gnp.where for a choice between values, pass the "
                f"value as a static argument (static_argnums), or compute it outside the jitted "
                f"function")
    return check


_ABSENT = object()  # an attribute the class did not have: removed again by uninstall


_EAGER_DEEPCOPY = Tensor.__deepcopy__


def _deepcopy_w(self, memo):
    """``copy.deepcopy`` of a Tensor while tracing: the copy of its array is a step of the
    program (copied on every call), where the default one, made by NumPy outside the tracer,
    would be a constant. A value with a recorded history or tangents is copied by
    ``gnp.copy`` (same values and derivatives as the eager deep copy); a leaf stays a leaf."""
    import copy as _copy_mod

    from .. import _state

    tr = _t.active()
    if tr is None:  # another thread: the eager deep copy
        return _EAGER_DEEPCOPY(self, memo)
    d = self._data
    if not tr.is_array(d):
        raise _t.TracerError(
            f"jit: copy.deepcopy of a Tensor over a {type(d).__name__} at {_t.user_line()}; "
            f"use t.copy()")
    if (self._node is not None and self._node.rule is not None) or self._tan:
        with _state._grad_mode(True):  # the history is kept, as the eager deep copy keeps it
            new = self.copy()
        memo[id(self)] = new
        return new
    if id(d) not in tr.ids:
        tr.var(d, self)  # read through this Tensor on every call
    tr.paused += 1
    try:
        nd = _t._copy(d)
    finally:
        tr.paused -= 1
    tr.add_step("copy", _t._copy, (d,), {}, nd)
    new = Tensor(nd, requires_grad=self.requires_grad, _bat=self._bat)
    memo[id(self)] = new
    new.name = self.name
    if self.grad is not None:
        new.grad = _copy_mod.deepcopy(self.grad, memo)
    return new


def _sampler_call_w(tr, orig, self, method, *args, **kwargs):
    raise _t.TracerError(
        f"jit: random.{method} draws from gpuad's global random generator at {_t.user_line()}; "
        f"inside a compiled function the draw would be frozen at its first value. Pass a key "
        f"argument and draw with gpuad.jit.random (e.g. gpuad.jit.random.normal(key, shape)), "
        f"splitting the key for each call")


# functions of the array namespace that gpuad's own code calls on raw arrays (outside apply);
# while tracing, a call on traced arrays is recorded as one step
@functools.cache  # (one body per name: its wrapper is made once, _traced)
def _xp_func_w(name):
    def w(tr, orig, *args, **kwargs):
        found: list = []
        _known(tr, (args, kwargs), found)
        if name in _VALUE_SHAPED and not (tr.writing or _in_impl() or _holds_tensor(
                (args, kwargs))):
            read = _value_shaped_read(tr, orig, name, args, kwargs)
            if read is not None:
                return read
        if not found or tr.writing or _in_impl() or _holds_tensor((args, kwargs)):
            # a Tensor among the arguments: NumPy hands the call to gpuad's own function
            # (__array_function__), whose primitives are recorded; run paused, they would not
            # be, and the result (a batched value inside vmap) would replay as a constant
            return orig(*args, **kwargs)
        if name in _VALUE_SHAPED and any(tr.dyn(a) for a in found):
            _t.refuse_value_shape(f"{name}()")
        tr.paused += 1
        try:
            out = orig(*args, **kwargs)
        finally:
            tr.paused -= 1
        if tr.is_array(out) and id(out) not in tr.ids:
            tr.add_step(name, orig, args, kwargs, out)
        elif isinstance(out, _np.generic) and any(tr.dyn(a) for a in found):
            # a NumPy scalar (count_nonzero): a 0-d array, a step (NumPy 2 promotes both
            # alike), where the scalar would be frozen at the traced call's value
            out = _np.asarray(out)
            tr.add_step(name, functools.partial(_as_array, orig), args, kwargs, out)
        elif type(out) in (bool, int, float, complex) and any(tr.dyn(a) for a in found):
            # a Python value computed from traced arrays (allclose, array_equal): frozen
            _host_read(f"{name}() (a Python {type(out).__name__}: its value)", found)
        elif type(out) in (tuple, list):  # several arrays (broadcast_arrays, meshgrid):
            if any(isinstance(o, _np.generic) for o in out) and any(tr.dyn(a) for a in found):
                # NumPy scalars (unravel_index of a 0-d index): 0-d arrays, as above
                out = type(out)(_np.asarray(o) if isinstance(o, _np.generic) else o
                                for o in out)
            for i, o in enumerate(out):  # one step each, or they would be frozen
                if tr.is_array(o) and id(o) not in tr.ids:
                    tr.add_step(f"{name}[{i}]", functools.partial(_item_of, orig, i), args,
                                kwargs, o)
        return out
    return w


def _value_shaped_read(tr, orig, name, args, kwargs):
    """``nonzero()`` (or another function whose result's shape follows the values) of arrays
    the function reads without receiving them (a closure's boolean mask): the result is a
    constant of the program, with a check at every call that the arrays still hold the
    values read (a call where they do not traces again, as JAX's concrete closure values
    would be read again). None where an argument is traced: the caller refuses or records."""
    arrays: list = []
    _arrays_in(tr, (args, kwargs), arrays)
    if not arrays or not all(_captured(tr, a) for a in arrays):
        return None
    _host_read(f"{name}() of an array read at every call (its result's shape follows its "
               f"values)", arrays)
    tr.paused += 1
    try:
        return orig(*args, **kwargs)
    finally:
        tr.paused -= 1


def _arrays_in(tr, obj, out: list) -> None:
    if tr.is_array(obj):
        out.append(obj)
    elif isinstance(obj, tuple | list):
        for o in obj:
            _arrays_in(tr, o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _arrays_in(tr, o, out)


@functools.lru_cache(maxsize=64)  # (the same body each trace: its wrapper is reused, _traced)
def _chain(w, inner):
    """``w`` (a ``_traced`` body) calling ``inner`` (itself possibly a wrapper) as its
    ``orig``."""
    def chained(tr, orig, *a, **k):
        return w(tr, inner, *a, **k)
    return chained


def _as_array(fn, *args, **kwargs):
    return _np.asarray(fn(*args, **kwargs))


def _item_of(fn, i, *args, **kwargs):
    r = fn(*args, **kwargs)[i]
    return _np.asarray(r) if isinstance(r, _np.generic) else r


# functions whose result's shape depends on the values of their arguments
_VALUE_SHAPED = {"nonzero", "argwhere", "flatnonzero", "extract", "compress", "unique",
                 "unique_all", "unique_counts", "unique_inverse", "unique_values", "trim_zeros",
                 "intersect1d", "setdiff1d", "setxor1d", "union1d"}

_NOT_WRAPPED = {"errstate", "printoptions", "get_printoptions", "set_printoptions", "seterr",
                "geterr", "seterrcall", "geterrcall", "result_type", "promote_types", "can_cast",
                "iinfo", "finfo", "shape", "ndim", "size", "isscalar", "iscomplexobj",
                "isrealobj", "may_share_memory", "shares_memory", "broadcast_shapes",
                "get_include", "show_config", "info", "source", "asarray", "asanyarray",
                "issubdtype", "isdtype", "get_array_module", "min_scalar_type", "dtype",
                "typename", "mintypecode", "iterable"}


def _wrappable(name: str, obj) -> bool:
    """A function of the array namespace that may compute an array from traced ones."""
    if name.startswith("_") or name in _NOT_WRAPPED or not callable(obj):
        return False
    return not isinstance(obj, type | _np.ufunc | types.ModuleType)


def _tracked_w(orig):
    def tracked(*xs):
        if orig(*xs):
            return True
        tr = _t.active()
        if tr is None:
            return False
        return any(isinstance(x, Tensor) and tr.dyn(x._data) for x in xs)
    return tracked


def _in_impl() -> bool:
    """Whether the caller runs inside a primitive's forward (recorded as one step by apply)."""
    code = engine._apply_any.__code__  # (apply's general path: the one that runs while tracing)
    f = sys._getframe(3)
    child = None
    while f is not None:
        if f.f_code is code:
            if child is None:
                return False
            loc = f.f_locals
            rule, be = loc.get("rule"), loc.get("be")
            codes = {getattr(getattr(rule, "impl", None), "__code__", None)}
            if be is not None and be.fused_fwd:
                codes.add(getattr(be.fused_fwd.get(rule.name), "__code__", None))
            return child.f_code in codes
        child = f
        f = f.f_back
    return False


def _holds_tensor(obj) -> bool:
    if isinstance(obj, Tensor):
        return True
    if isinstance(obj, tuple | list):
        return any(_holds_tensor(o) for o in obj)
    if isinstance(obj, dict):
        return any(_holds_tensor(o) for o in obj.values())
    return False


def _known(tr, obj, found: list) -> None:
    if isinstance(obj, tr.arr_types):
        if id(obj) in tr.ids:
            found.append(obj)
    elif isinstance(obj, tuple | list):
        for o in obj:
            _known(tr, o, found)
    elif isinstance(obj, dict):
        for o in obj.values():
            _known(tr, o, found)


# where adjoint and tangent formulas live: their data(x) masks stay Tensors while tracing
_FORMULA_MODULES = ("gpuad.prims", "gpuad.linalg_rules", "gpuad.complex_rules",
                    "gpuad.scipy", "gpuad.nn", "gpuad.numpy._more_math", "gpuad.jax_nn")
_ORIG: dict = {}
_ENGINE_HOOKS = {
    "_step": _step_w, "_saved_tensors": _saved_tensors_w,
    "_propagate_tangents": _propagate_tangents_w, "_guard_zero": _guard_zero_w,
    "_accumulate_leaf": _accumulate_leaf_w, "_accumulate_leaf_into": _accumulate_leaf_into_w,
    "_view_of": _view_of_w, "_snapshot_saved": _snapshot_saved_w,
}


_NS_MADE: dict[int, tuple] = {}  # id(namespace) -> (its items, [(name, wrapper)])


def _namespace_wrappers(ns) -> list[tuple[str, object]]:
    """The wrapper of each wrappable function of namespace ``ns``: listed again only when its
    contents differ from the last trace's (the same objects under the same names)."""
    items = list(vars(ns).items())
    hit = _NS_MADE.get(id(ns))
    if hit is not None and len(hit[0]) == len(items) and all(
            a[1] is b[1] and a[0] == b[0] for a, b in zip(hit[0], items, strict=True)):
        return hit[1]
    made = [(name, _traced(orig)(_xp_func_w(name))) for name, orig in items
            if _wrappable(name, orig)]
    _NS_MADE[id(ns)] = (items, made)
    return made


def install(undo: list) -> None:
    """Redirect the raw-array paths (see the module docstring), noting in ``undo`` what to
    restore."""

    def put(obj, name, new):
        undo.append((obj, name, obj.__dict__.get(name, _ABSENT) if isinstance(obj, type) else
                     getattr(obj, name)))
        setattr(obj, name, new)

    for name, w in _ENGINE_HOOKS.items():
        orig = getattr(engine, name)
        _ORIG[name] = orig
        put(engine, name, _traced(orig)(w))
    targets = {id(engine.assign_inplace): _traced(engine.assign_inplace)(_assign_inplace_w),
               id(_raw.data): _traced(_raw.data)(_data_w)}
    for mod in list(sys.modules.values()):
        mname = getattr(mod, "__name__", "") or ""
        if not mname.startswith("gpuad") or mname.startswith("gpuad.jit"):
            continue
        for attr in ("assign_inplace", "data"):
            if attr == "data" and not mname.startswith(_FORMULA_MODULES):
                continue
            obj = mod.__dict__.get(attr) if hasattr(mod, "__dict__") else None
            if obj is not None and id(obj) in targets and callable(obj):
                put(mod, attr, targets[id(obj)])
    xp = _t._current.be.xp if _t._current is not None else _np
    for ns, ref in ((xp, _np), (getattr(xp, "linalg", None), _np.linalg),
                    (getattr(xp, "fft", None), _np.fft)):
        if ns is None:
            continue
        if "__getattr__" in vars(ns):  # a namespace that makes its functions on first use
            for name in vars(ref):  # (the CuPy stand-in): made now, so that they are wrapped
                if not name.startswith("_"):
                    getattr(ns, name, None)
        for name, w in _namespace_wrappers(ns):
            put(ns, name, w)
    if xp is not _np:  # host-to-device copies (see _to_device_w)
        for name in ("asarray", "asanyarray", "array", "ascontiguousarray"):
            orig = getattr(xp, name, None)
            if orig is not None:
                put(xp, name, _traced(getattr(orig, "_gpuad_orig", orig))(
                    _chain(_to_device_w, orig)))
    # gpuad's fast paths for untracked inputs compute on raw arrays: a traced value takes the
    # recorded path instead
    for modname in ("gpuad.numpy.linalg", "gpuad.numpy._more_sig", "gpuad.numpy._creation"):
        mod = sys.modules.get(modname)
        orig = getattr(mod, "_tracked", None)
        if orig is not None:
            put(mod, "_tracked", _tracked_w(orig))
    from .. import batching, optim, transforms
    from ..batching import api as _vmap_api
    from ..numpy import random as _rnd

    to_batch = _traced(batching.to_batch)(_to_batch_w)
    put(batching, "to_batch", to_batch)
    from ..batching import inplace as _inplace

    put(_inplace, "_write_whole", _traced(_inplace._write_whole)(_write_whole_w))
    put(_vmap_api, "to_batch", to_batch)
    put(transforms, "_result", _traced(transforms._result)(_plain_w))
    put(_vmap_api, "_clean", _traced(_vmap_api._clean)(_plain_w))
    pkg = sys.modules["gpuad"]
    put(pkg, "tensor", _traced(pkg.tensor)(_tensor_w))

    from .. import _value_checks

    put(_value_checks, "record", _record_check)
    put(_value_checks, "record_call", _record_call)
    put(_value_checks, "host_read_hook", _host_read)
    put(_value_checks, "result_hook", _result)
    put(optim.Optimizer, "step", _traced(optim.Optimizer.step)(_opt_step_w))
    put(optim.Optimizer, "zero_grad", _traced(optim.Optimizer.zero_grad)(_zero_grad_w))
    from ..nn import modules as _modules

    put(_modules.Module, "zero_grad",
        _traced(_modules.Module.zero_grad)(_module_zero_grad_w))
    put(_rnd._Sampler, "_call", _traced(_rnd._Sampler._call)(_sampler_call_w))
    for meth, what in (("__bool__", "bool()"), ("__float__", "float()"), ("__int__", "int()"),
                       ("__complex__", "complex()"),
                       ("__index__", "int() or use as an index"), ("item", ".item()"),
                       ("tolist", ".tolist()"), ("tobytes", ".tobytes()"),
                       ("numpy", ".numpy()"), ("__reduce_ex__", "pickling"),
                       ("__array__", "conversion to a NumPy array")):
        orig = Tensor.__dict__[meth]
        check = _refuse(what)

        def m(self, *a, _orig=orig, _check=check, _what=what, **k):
            if _what == "pickling" and _called_by_copy():
                return _orig(self, *a, **k)  # copy.copy(t): a step like any other
            if not _read_by_user(self, _what):
                _check(self)
            return _orig(self, *a, **k)
        put(Tensor, meth, functools.wraps(orig)(m))
    def traced_repr(self, _orig=Tensor.__dict__["__repr__"]):
        tr = _t.active()
        if tr is not None and tr.dyn(self._data):  # print() while tracing: no value yet
            return f"Tensor(<traced>, shape={tuple(self.shape)}, dtype={self.dtype})"
        return _orig(self)
    put(Tensor, "__repr__", traced_repr)
    put(Tensor, "__deepcopy__", _deepcopy_w)
    from . import export_hooks  # CuPy's and DLPack's raw-memory paths: gpuad/jit/export_hooks.py

    export_hooks.install(put)
    prop = Tensor.__dict__["data"]

    def get_data(self, _get=prop.fget):
        tr = _t.active()
        if tr is not None and tr.dyn(self._data):
            f = sys._getframe(1)
            if not os.path.abspath(f.f_code.co_filename).startswith(_t._PKG):
                raise _t.TracerError(
                    f"jit: .data of a traced tensor (shape {self.shape}) read at "
                    f"{_t.user_line()}; operations on the raw array are not recorded. Use "
                    f"gpuad.numpy operations on the tensor itself (t.shape and t.dtype are "
                    f"available)")
        return _get(self)

    def set_data(self, value, _set=prop.fset):
        tr = _t.active()
        if tr is not None:
            tr.register(self)
        _set(self, value)
    put(Tensor, "data", property(get_data, set_data, doc=prop.__doc__))


def uninstall(undo: list) -> None:
    for obj, name, old in reversed(undo):
        if old is _ABSENT:
            delattr(obj, name)
        else:
            setattr(obj, name, old)
