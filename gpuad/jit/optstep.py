"""An optimizer step inside ``gpuad.jit``: its array work recorded as steps of the program, the
numbers that change between calls fed from small device arrays.

``Optimizer.step()`` under a trace runs each parameter's ``_apply`` (see :mod:`gpuad.optim`) on
:class:`Rec` arrays: every operation runs (the first call's result is the eager one) and is
recorded, out-of-place operations as ordinary steps, in-place ones (``m *= b1``, ``p -= u``) as
steps that write their first argument. The numbers ``_apply`` takes from ``s`` (learning rate,
bias corrections, betas, ...) are 0-d device arrays (*slots*, one buffer per dtype), so no
kernel of the program holds them as a constant. :class:`OptHost` is the host half of the step,
run on every call before the recorded kernels: it checks that the optimizer is in the state the
program was recorded in (the same parameter groups holding the same parameters and state, the
same branches: else the function is traced again), advances the counters (``step_count``,
Adam's ``t``), computes this call's numbers with ``_scalars`` from each parameter's group in
Python, as an eager step does (then ``_after_step``), and copies them into the slots (one
host-to-device copy per dtype, outside any CUDA graph).

Example::

    @gpuad.jit
    def step(x, y):
        opt.zero_grad(); loss = f(x, y); loss.backward(); opt.step(); return loss
    step(x, y)                                  # traced
    opt.param_groups[0]["lr"] = 1e-4            # seen by the next replay (a slot)
"""

from __future__ import annotations

import operator

import numpy as _np

from .._state import no_grad
from ..optim import _hooks
from ..tensor import Tensor
from .program import Step


def recordable(opt) -> bool:
    """Whether ``opt`` updates through ``_tick``/``_scalars``/``_apply`` (the built-in
    optimizers do; a subclass that overrides only ``_update`` is replayed as one opaque step)."""
    from ..optim import Optimizer

    cls = type(opt)
    return cls._update is Optimizer._update and cls._apply is not Optimizer._apply


class Kernel:
    """A recorded in-place array operation: ``fn(*args)`` writes into ``args[0]``. Marked
    capturable: it is one kernel on the device, unlike an opaque Python step."""

    capturable = True

    def __init__(self, fn, name: str):
        self.fn = fn
        self.__name__ = name

    def __call__(self, *args):
        self.fn(*args)

    def __repr__(self) -> str:
        return self.__name__


def _raw(x):
    return x.a if type(x) is Rec else x


def _orig(f):
    """The namespace function behind a tracing redirection (see hooks._traced)."""
    return getattr(f, "_gpuad_orig", f)


def _pure(tr, op: str, fn, args: tuple, kwargs: dict | None = None, ufunc=None):
    raw = tuple(_raw(a) for a in args)
    kw = {k: _raw(v) for k, v in (kwargs or {}).items()}
    tr.paused += 1
    try:
        out = fn(*raw, **kw)
    finally:
        tr.paused -= 1
    if isinstance(out, _np.generic) and any(tr.is_array(a) for a in raw):
        # NumPy computes on 0-d arrays (a 0-d parameter's p and g) into a scalar: a 0-d array
        # and a step, or the value would be frozen at the traced step's
        out, fn, ufunc = _np.asarray(out), _as_array(fn), None
    if not tr.is_array(out):
        return out
    for a in raw:
        if tr.is_array(a):
            tr.var(a)
    numpy = tr.be.name == "numpy"
    tr.add_step(op, fn, raw, kw, out, ufunc=ufunc if numpy and not kw else None,
                entrywise=True)
    return Rec(tr, out)


def _as_array(fn):
    def f(*args, **kwargs):
        return _np.asarray(fn(*args, **kwargs))
    f.__name__ = getattr(fn, "__name__", "op")
    return f


def _inplace(tr, op: str, fn, target: Rec, args: tuple) -> Rec:
    dst = target.a
    raw = tuple(_raw(a) for a in args)
    tr.before_write(dst)
    tr.paused += 1
    try:
        fn(dst, *raw)
    finally:
        tr.paused -= 1
    refs = (tr.enc(dst),) + tuple(tr.enc(a) for a in raw)
    root = tr.prog.root(refs[0].v)
    tr.prog.steps.append(Step(op, Kernel(fn, op), refs, {}, None, "effect", writes=(root,)))
    tr.rehash(root)
    return target


def _binary(name: str, fn, ufunc):
    def op(self, other):
        return _pure(self.tr, f"opt.{name}", fn, (self, other), ufunc=ufunc)

    def rop(self, other):
        return _pure(self.tr, f"opt.{name}", fn, (other, self), ufunc=ufunc)

    def iop(self, other):
        return _inplace(self.tr, f"opt.i{name}", _IOPS[name], self, (other,))
    return op, rop, iop


_IOPS = {"add": operator.iadd, "sub": operator.isub, "mul": operator.imul,
         "truediv": operator.itruediv}


class Rec:
    """An array while an optimizer step is traced: each operation on it runs and is recorded."""

    __slots__ = ("a", "tr")

    def __init__(self, tr, a):
        self.tr = tr
        self.a = a

    shape = property(lambda self: self.a.shape)
    dtype = property(lambda self: self.a.dtype)
    ndim = property(lambda self: self.a.ndim)
    size = property(lambda self: self.a.size)
    flags = property(lambda self: self.a.flags)

    __add__, __radd__, __iadd__ = _binary("add", operator.add, _np.add)
    __sub__, __rsub__, __isub__ = _binary("sub", operator.sub, _np.subtract)
    __mul__, __rmul__, __imul__ = _binary("mul", operator.mul, _np.multiply)
    __truediv__, __rtruediv__, __itruediv__ = _binary("truediv", operator.truediv,
                                                      _np.true_divide)

    def __neg__(self):
        return _pure(self.tr, "opt.neg", operator.neg, (self,), ufunc=_np.negative)

    def __pow__(self, k):
        return _pure(self.tr, "opt.pow", operator.pow, (self, k))

    def astype(self, dtype):
        return _pure(self.tr, "opt.astype", _astype, (self, _np.dtype(dtype)))

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        return _pure(self.tr, "opt.reshape", _reshape, (self, tuple(shape)))

    def view(self, dtype):
        return _pure(self.tr, "opt.view", _view, (self, _np.dtype(dtype)))

    def copy(self):
        return _pure(self.tr, "opt.copy", _copy, (self,))

    @property
    def real(self):
        return _pure(self.tr, "opt.real", _real, (self,))

    def __bool__(self):
        raise TypeError("an optimizer's _apply cannot branch on array values inside "
                        "gpuad.jit (the branch would be frozen); use xp.where")


def _astype(a, dtype):
    return a.astype(dtype)


def _reshape(a, shape):
    return a.reshape(shape)


def _view(a, dtype):
    return a.view(dtype)


def _copy(a):
    return a.copy()


def _real(a):
    return a.real


# NumPy functions taking out= (the memory plan may give their results a buffer)
_NP_UFUNCS = {"sqrt": _np.sqrt, "square": _np.square, "exp": _np.exp, "abs": _np.absolute,
              "absolute": _np.absolute, "sign": _np.sign, "maximum": _np.maximum,
              "minimum": _np.minimum, "multiply": _np.multiply, "add": _np.add}


class RecXP:
    """The array namespace seen by ``_apply`` while traced: each function called on
    :class:`Rec` arrays runs and is recorded (with ``out=``, as a write into ``out``)."""

    def __init__(self, tr, xp):
        self._tr = tr
        self._xp = xp

    def array(self, a, copy=True, dtype=None):
        if dtype is not None:
            a = Rec(self._tr, _raw(a)).astype(dtype) if type(a) is Rec else a
        return Rec.copy(a) if type(a) is Rec and copy else a

    def asarray(self, a, dtype=None):
        return a if dtype is None or type(a) is not Rec else a.astype(dtype)

    def __getattr__(self, name):
        f = _orig(getattr(self._xp, name))
        tr = self._tr
        if not callable(f):
            return f

        def call(*args, **kwargs):
            out = kwargs.pop("out", None)
            if out is None:
                return _pure(tr, f"opt.{name}", f, args, kwargs, ufunc=_NP_UFUNCS.get(name))
            if type(out) is not Rec:
                raise TypeError(f"gpuad.jit: {name}(..., out=) inside an optimizer step must "
                                f"write into one of the step's arrays")
            keys = tuple(kwargs)
            n = len(args)

            def into(dst, *rest, _f=f, _n=n, _k=keys):
                _f(*rest[:_n], out=dst, **dict(zip(_k, rest[_n:], strict=True)))
            _inplace(tr, f"opt.{name}", into, out, tuple(args) + tuple(kwargs.values()))
            return out
        return call


class RecState:
    """A parameter's optimizer state while traced: arrays come out as :class:`Rec` (their
    identity is checked on every replay); a value stored into it makes the program valid for
    this one call only (the next traces again: the state's shape has changed)."""

    def __init__(self, tr, st: dict, host: OptHost, i: int):
        self._tr, self._st, self._host, self._i = tr, st, host, i

    def _wrap(self, k, v):
        if self._tr.is_array(v):
            self._host.uses(self._i, k, v)
            return Rec(self._tr, v)
        return v

    def __getitem__(self, k):
        return self._wrap(k, self._st[k])

    def get(self, k, default=None):
        return self._wrap(k, self._st[k]) if k in self._st else default

    def __contains__(self, k):
        return k in self._st

    def __setitem__(self, k, v):
        self._host.once = True
        self._st[k] = _raw(v)


def _counters(st: dict) -> tuple:
    return tuple((k, v) for k, v in sorted(st.items()) if isinstance(v, int | float))


class OptHost:
    """The host half of one recorded ``opt.step()`` (see the module docstring)."""

    def __init__(self, opt, be):
        self.opt = opt
        self.be = be
        self.flags = _flags(opt)
        self.layout = tuple(tuple(g["params"]) for g in opt.param_groups)
        self.once = False  # state was created while tracing: this program is for that call
        self.members: list = []  # (index, param, state dict, [(key, array)])
        # (state of the first member, [states], dtype, names, numbers, group index, offset)
        self.groups: list = []
        self.bufs: dict = {}  # dtype -> (device buffer, host staging array)

    def uses(self, i: int, k, arr) -> None:
        for m in self.members:
            if m[0] == i:
                if all(a is not arr for _, a in m[3]):
                    m[3].append((k, arr))
                return

    def slots(self, entries: list) -> list[dict]:
        """Slot arrays for each updated parameter: ``entries`` holds ``(index, param, state,
        dtype, scalars, group index)`` with this call's numbers; parameters of one group whose
        state counters and dtype agree share one set of slots."""
        xp = self.be.xp
        keyed: dict = {}
        for i, p, st, dt, vals, gi in entries:
            self.members.append((i, p, st, []))
            key = (gi, dt, _counters(st), tuple(vals))
            g = keyed.get(key)
            if g is None:
                g = keyed[key] = [st, [], dt, tuple(vals), vals, gi]
                self.groups.append(g)
            g[1].append(st)
        offsets: dict = {}
        for g in self.groups:
            dt = g[2]
            g.append(offsets.get(dt, 0))
            offsets[dt] = offsets.get(dt, 0) + len(g[3])
        for dt, n in offsets.items():
            host = _np.zeros(n, dt)
            self.bufs[dt] = (host if self.be.name == "numpy" else xp.asarray(host), host)
        self._write_values([g[4] for g in self.groups], None)
        views = {}
        for g in self.groups:
            buf = self.bufs[g[2]][0]
            views[id(g[0])] = {k: buf[g[6] + j:g[6] + j + 1].reshape(())
                               for j, k in enumerate(g[3])}
        self.views = views  # the program reads these arrays: they stay alive with it
        out = []
        for _i, _p, st, _dt, _vals, _gi in entries:
            g = next(g for g in self.groups if any(s is st for s in g[1]))
            out.append(views[id(g[0])])
        return out

    # ---- every call ---------------------------------------------------------------------
    def _compact(self) -> None:
        """Flat tuples for the per-call checks (built once, after the trace)."""
        self._idents = tuple((i, p, st) for i, p, st, _ in self.members)
        self._arrays = tuple((st, k, a) for _, _, st, arrays in self.members
                             for k, a in arrays)
        self._states = tuple(st for _, _, st, _ in self.members)
        same = []
        for g in self.groups:
            keys = tuple(k for k, _ in _counters(g[0]))
            others = tuple(st for st in g[1] if st is not g[0])
            if keys and others:
                same.append((g[0], others, keys))
        self._same = tuple(same)
        from ..optim import Optimizer

        self._after = type(self.opt)._after_step is not Optimizer._after_step

    def check(self) -> bool:
        """Whether the optimizer is still in the state the program was recorded in."""
        opt = self.opt
        if self.once or _hooks.has_step_hooks(opt):  # hooks added: trace again (refused)
            return False
        groups = opt.param_groups
        layout = self.layout
        if len(groups) != len(layout):  # a group added (or dropped): trace again
            return False
        for g, ps in zip(groups, layout, strict=True):
            now = g["params"]
            if len(now) != len(ps):
                return False
            for a, b in zip(now, ps, strict=True):
                if a is not b:
                    return False
        if _flags(opt) != self.flags:
            return False
        if not hasattr(self, "_idents"):
            self._compact()
        params, states = opt.params, opt.state
        try:
            for i, p, st in self._idents:
                if params[i] is not p or states[i] is not st:
                    return False
        except IndexError:
            return False
        for st, k, a in self._arrays:
            if st.get(k) is not a:
                return False
        for rep, others, keys in self._same:  # one set of numbers serves them all
            for k in keys:
                v = rep.get(k)
                for st in others:
                    if st.get(k) != v:
                        return False
        return True

    def advance(self, stream=None) -> None:
        """Count this step and copy its numbers into the slots."""
        opt = self.opt
        if not hasattr(self, "_states"):
            self._compact()
        opt.step_count += 1
        tick = opt._tick
        for st in self._states:
            tick(st)
        groups = opt.param_groups
        scalars = opt._scalars
        from ..optim.optimizer import host_numbers

        numbers = [host_numbers(g) for g in groups]
        values = [scalars(g[0], numbers[g[5]]) for g in self.groups]
        if self._after:
            after = opt._after_step
            for g in self.groups:
                for st in g[1]:
                    after(st, numbers[g[5]])
        self._write_values(values, stream)

    def _write_values(self, values: list, stream) -> None:
        writers = getattr(self, "_writers", None)
        if writers is None:  # float64 staging written through a memoryview (faster, exact)
            writers = self._writers = tuple(
                (memoryview(h) if h.dtype == _np.float64 else h, g[6], g[3])
                for g in self.groups for h in (self.bufs[g[2]][1],))
        for (host, off, names), vals in zip(writers, values, strict=True):
            for j, k in enumerate(names):
                host[off + j] = vals[k]
        if self.be.name == "numpy":
            return
        xp = self.be.xp
        for dev, host in self.bufs.values():
            # pageable host memory: CUDA stages it before the call returns, so the staging
            # array may be written again at once; ordered before the launch on ``stream``
            dev.set(host, stream=stream if stream is not None else
                    xp.cuda.get_current_stream())


class Layout:
    """The host half of an opaque ``opt.step()`` (an optimizer with its own ``_update``): the
    program updates the parameters it was recorded with, so a call traces again when the
    groups hold others (``add_param_group``)."""

    def __init__(self, opt):
        self.opt = opt
        self.params = tuple(opt.params)

    def check(self) -> bool:
        self.opt._sync()
        if _hooks.has_step_hooks(self.opt):
            return False
        now = self.opt.params
        return len(now) == len(self.params) and all(
            a is b for a, b in zip(now, self.params, strict=True))

    def advance(self, stream=None) -> None:
        pass


def _flags(opt) -> tuple:
    return tuple(opt._flags(g) for g in opt.param_groups)


def record(tr, opt) -> None:
    """Trace ``opt.step()``: run it, recording its array work (see the module docstring)."""
    from ..optim import _real_views
    from ..optim.optimizer import host_numbers
    from .hooks import _grad_read

    opt._sync()
    for p in opt.params:
        _grad_read(tr, p)
    group_of = [gi for gi, g in enumerate(opt.param_groups) for _ in g["params"]]
    ps = [(i, p) for i, p in enumerate(opt.params) if p.grad is not None]
    groups = opt.param_groups
    xp = tr.be.xp
    name = type(opt).__name__
    host = OptHost(opt, tr.be)
    opt._check_states()  # as eagerly: before anything is counted or updated
    opt.step_count += 1
    entries = []
    prepared = []
    for i, p in ps:
        tr.register(p)
        g = p.grad
        gd = g._data if isinstance(g, Tensor) else g
        tr.var(gd, g if isinstance(g, Tensor) else None)  # read through the grad each call
        st = opt.state[i]
        group = groups[group_of[i]]
        tr.paused += 1
        try:
            pr, _ = _real_views(name, p._data, xp.asarray(gd))
            opt._init_state(xp, pr, st, group)  # state that needs no gradient: made now, once
        finally:
            tr.paused -= 1
        opt._tick(st)
        numbers = host_numbers(group)
        entries.append((i, p, st, pr.dtype, opt._scalars(st, numbers), group_of[i]))
        opt._after_step(st, numbers)
        prepared.append((i, p, gd, st, group))
    slot_sets = host.slots(entries)
    rxp = RecXP(tr, xp)
    with no_grad():
        for (i, p, gd, st, group), slots in zip(prepared, slot_sets, strict=True):
            tr.before_write(p._data, p)
            P, G = _real_views(name, Rec(tr, p._data), Rec(tr, gd))
            s = {k: Rec(tr, v) for k, v in slots.items()}
            opt._apply(rxp, P, G, RecState(tr, st, host, i), s, group)
            p._ver[0] += 1  # as an eager step: the write is in place
            p._seen = p._ver[0]
    tr.prog.prelude.append(host)

