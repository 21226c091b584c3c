"""The optimizer base class: parameter groups, per-parameter state, ``step``, ``zero_grad``,
``state_dict``/``load_state_dict``, as in ``torch.optim.Optimizer`` (see :mod:`gpuad.optim`)."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from .._state import enable_grad, no_grad
from ..backends import get_backend
from ..tensor import Tensor
from . import _hooks


def _tracing(what: str) -> None:
    """Refuse ``what`` inside a function being traced by ``gpuad.jit`` (a replay would not
    repeat it)."""
    import sys

    trace = sys.modules.get("gpuad.jit.trace")
    if trace is not None and trace.active() is not None:
        raise trace.TracerError(
            f"jit: {what} at {trace.user_line()} inside a compiled function: replays would not "
            f"repeat it. Do it between calls of the compiled function (they see the change)")


class MissingStateError(KeyError):
    """A parameter's optimizer state lacks a buffer that its group's settings need now (a
    branch such as Adam's ``amsgrad`` turned on after the parameter's first step), where
    ``torch.optim`` raises ``KeyError``; a ``KeyError`` whose text is the message."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ParamGroup(dict):
    """One entry of ``opt.param_groups``: ``{"params": [...], "lr": ..., ...}``, a dict.
    Its values are read at every step (eager or compiled); writing one inside a function traced
    by ``gpuad.jit`` raises, as a replay would not repeat the write.

    Example: ``opt.param_groups[0]["lr"] = 1e-4``
    """

    __slots__ = ()

    def __setitem__(self, key, value) -> None:
        _tracing(f"param_groups[...][{key!r}] = ...")
        super().__setitem__(key, value)

    def __deepcopy__(self, memo):
        return ParamGroup({k: copy.deepcopy(v, memo) for k, v in self.items()})


class Hyper:
    """An optimizer attribute that stands for a hyperparameter of every group: ``opt.lr``
    reads it (the groups must agree) and ``opt.lr = v`` sets it in every group."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, opt, owner=None):
        if opt is None:
            return self
        groups = opt.param_groups
        value = groups[0][self.name]
        for i, g in enumerate(groups[1:], start=1):
            if g[self.name] != value:
                raise ValueError(
                    f"{type(opt).__name__}.{self.name}: the parameter groups differ (group 0 "
                    f"has {value!r}, group {i} has {g[self.name]!r}); read "
                    f"opt.param_groups[i][{self.name!r}]")
        return value

    def __set__(self, opt, value) -> None:
        for g in opt.param_groups:
            g[self.name] = value


def _real_views(who: str, p: Any, g: Any) -> tuple[Any, Any]:
    """``(p, g)`` checked against each other; a complex pair as real views of (re, im) pairs,
    so that each update treats the real and imaginary parts as two real parameters
    (``torch.view_as_real``, which torch's optimisers apply to complex parameters)."""
    if tuple(g.shape) != tuple(p.shape):
        raise ValueError(f"{who}.step: a gradient of shape {tuple(g.shape)} for a parameter of "
                         f"shape {tuple(p.shape)}; .grad must have the parameter's shape")
    if g.dtype.kind == "c" and p.dtype.kind != "c":
        raise TypeError(f"{who}.step: a complex gradient ({g.dtype}) for a real parameter "
                        f"({p.dtype}); its imaginary part would be dropped")
    if g.dtype != p.dtype:
        g = g.astype(p.dtype)
    if p.dtype.kind != "c":
        return p, g
    if not p.flags.c_contiguous:
        raise ValueError(f"{who}.step: a complex parameter must be C-contiguous (it is updated "
                         f"through a real view of its (re, im) pairs)")
    real = p.real.dtype
    return p.reshape(-1).view(real), g.reshape(-1).view(real)


def coupled_gradient(g: Any, p: Any, s: dict[str, Any], group: dict) -> Any:
    """The gradient an update descends: negated with ``maximize``, plus ``s["wd"] * p`` with a
    (coupled, L2) weight decay. Example: ``g = coupled_gradient(g, p, s, group)``"""
    if group["maximize"]:
        g = -g
    if group["weight_decay"] != 0:
        g = g + s["wd"] * p
    return g


def host_numbers(group: dict) -> dict:
    """``group`` as ``_scalars`` and ``_after_step`` read it: a Tensor learning rate as a
    Python float, its value now (the update's numbers are host values; schedulers write such
    a tensor in place, and the next step reads the new value)."""
    lr = group.get("lr")
    if isinstance(lr, Tensor):
        return {**group, "lr": number(lr)}
    return group


def number(v: Any) -> Any:
    """A hyperparameter as a Python float: a Tensor of one element (of any shape, as torch
    takes ``lr=torch.tensor([0.1])``) as its value now, anything else as it is."""
    if isinstance(v, Tensor):
        return float(v.detach().numpy().reshape(()))
    return v


def _state_layout(p: Tensor) -> tuple[tuple[int, ...], Any]:
    """Shape and dtype of a parameter's state arrays (a complex one's: its (re, im) pairs)."""
    d = p.data
    if d.dtype.kind == "c":
        return (2 * d.size,), d.real.dtype
    return tuple(d.shape), d.dtype


def check_range(who: str, name: str, value: float, low: float, high: float | None = None
                ) -> None:
    if not (value >= low and (high is None or value < high)):
        span = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{who}: {name} must be {span}, got {value}")


def implementation_options(who: str, foreach, fused, capturable, differentiable) -> None:
    """torch's implementation switches: ``foreach``, ``fused`` and ``capturable`` pick how
    torch runs the same update (gpuad has one implementation, capturable in a CUDA graph:
    they are accepted and change nothing); ``differentiable=True`` is not provided."""
    if differentiable:
        raise NotImplementedError(f"{who}: differentiable=True (differentiating through the "
                                  f"optimizer step) is not provided; use gpuad.optax, whose "
                                  f"functional updates gpuad.grad differentiates (e.g. "
                                  f"optax.adam(lr).update(g, state, p) inside the function)")
    if fused and foreach:
        raise RuntimeError(f"{who}: `fused` and `foreach` cannot be True together")


class _PerParameter(list):
    """``Optimizer.state``: one dict per parameter, in the order of ``params``, that also takes
    the parameter itself as a key (``self.state[p]``, as torch's dict keyed by parameter, in the
    ``step`` of an Optimizer subclass written for torch)."""

    __slots__ = ("_params",)

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, Tensor):
            for i, p in enumerate(self._params):
                if p is key:
                    return list.__getitem__(self, i)
            raise KeyError(f"optimizer state: a Tensor of shape {tuple(key.shape)} that is "
                           f"not one of this optimizer's parameters")
        return list.__getitem__(self, key)

    def __contains__(self, key) -> bool:
        if isinstance(key, Tensor):  # torch's: the parameter has state
            return any(p is key and bool(st) for p, st in zip(self._params, self, strict=False))
        return list.__contains__(self, key)


class Optimizer:
    """Base class: parameter groups and per-parameter state; subclasses define the update
    (``_init_state``, ``_tick``, ``_scalars``, ``_apply``, ``_flags``; see :mod:`gpuad.optim`).

    ``param_groups``: the groups, dicts holding ``"params"`` and every hyperparameter (the
    constructor's keywords, per group); ``params``: every parameter, group after group;
    ``state``: one dict per parameter, in the order of ``params``; ``step_count``: the number
    of ``step()`` calls. ``opt.lr`` (and each other hyperparameter) reads the value all groups
    share and sets it in every group.

    Example: ``opt.zero_grad(); loss.backward(); opt.step()``
    """

    lr = Hyper()
    #: the keys a parameter's state may hold, and those it holds once it has any (None: any)
    state_keys: frozenset | None = None
    state_required: frozenset = frozenset()

    @property
    def state(self) -> _PerParameter:
        st = self.__dict__["_state"]
        st._params = self.params  # (a list this optimizer may replace, or a deep copy's)
        return st

    @state.setter
    def state(self, value: list) -> None:
        self.__dict__["_state"] = _PerParameter(value)

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict | float
                 ) -> None:
        if not isinstance(defaults, dict):  # Optimizer(params, lr), as before groups existed
            defaults = {"lr": defaults}
        self.defaults = dict(defaults)
        self.param_groups: list[ParamGroup] = []
        self.params: list[Tensor] = []
        self.state = []
        self.step_count = 0
        who = type(self).__name__
        if isinstance(params, Tensor | dict):
            raise TypeError(f"{who}: params must be an iterable of Tensors or of dicts (parameter "
                            f"groups), got a {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError(f"{who}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, wrap in _hooks.WRAPPERS.items():  # a subclass's own step runs the hooks
            fn = cls.__dict__.get(name)
            if callable(fn) and not getattr(fn, "_gpuad_hooked", False):
                setattr(cls, name, wrap(fn))

    # ---- hooks (torch's) -------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> _hooks.HookHandle:
        """``hook(optimizer, args, kwargs)`` before each ``step``; it may return new
        ``(args, kwargs)``. Returns a handle whose ``remove()`` unregisters it."""
        return _hooks.add(_hooks.table(self, "_step_pre_hooks"), hook)

    def register_step_post_hook(self, hook: Callable) -> _hooks.HookHandle:
        """``hook(optimizer, args, kwargs)`` after each ``step``."""
        return _hooks.add(_hooks.table(self, "_step_post_hooks"), hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False
                                     ) -> _hooks.HookHandle:
        """``hook(optimizer)`` before ``state_dict()`` builds the snapshot."""
        return _hooks.add(_hooks.table(self, "_state_dict_pre_hooks"), hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False
                                      ) -> _hooks.HookHandle:
        """``hook(optimizer, state_dict)`` after ``state_dict()``; it may return a new one."""
        return _hooks.add(_hooks.table(self, "_state_dict_post_hooks"), hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False
                                          ) -> _hooks.HookHandle:
        """``hook(optimizer, state_dict)`` before loading; it may return the one to load."""
        return _hooks.add(_hooks.table(self, "_load_state_dict_pre_hooks"), hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False
                                           ) -> _hooks.HookHandle:
        """``hook(optimizer)`` after ``load_state_dict``."""
        return _hooks.add(_hooks.table(self, "_load_state_dict_post_hooks"), hook, prepend)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines + [")"])

    # ---- groups ----------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group: ``{"params": tensors, <hyperparameter>: value, ...}``; the values it
        leaves out are the constructor's. A parameter may belong to one group only.

        Example: ``opt.add_param_group({"params": head.parameters(), "lr": 1e-2})``
        """
        _tracing("add_param_group()")
        who = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{who}.add_param_group: a group is a dict, got "
                            f"{type(param_group).__name__}")
        group = ParamGroup(param_group)
        ps = group.get("params")
        if ps is None:
            raise ValueError(f"{who}.add_param_group: the group has no 'params'")
        if isinstance(ps, set | frozenset):
            raise TypeError(f"{who}: a group's parameters must be in an ordered collection "
                            f"(a list), not a set (its order changes between runs)")
        ps = [ps] if isinstance(ps, Tensor) else list(ps)
        if ps and all(isinstance(p, tuple) for p in ps):  # named_parameters()
            if not all(len(p) == 2 and isinstance(p[0], str) for p in ps):
                raise TypeError(f"{who}: named parameters are (name, Tensor) pairs")
            group["param_names"] = [n for n, _ in ps]
            ps = [p for _, p in ps]
        elif any(isinstance(p, tuple) for p in ps):
            raise ValueError(f"{who}: either every parameter of a group is named or none is")
        if self.param_groups and ("param_names" in group) != (
                "param_names" in self.param_groups[0]):
            how = "with names" if "param_names" in group else "without names"
            raise ValueError(f"{who}: all optimizer param groups should be with/without names. "
                             f"cannot add param group {how} to the optimizer (pass "
                             f"named_parameters() to every group, or to none)")
        group["params"] = ps
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        self._validate(group)
        gi = len(self.param_groups)
        _check_params(who, [p for g in self.param_groups for p in g["params"]], ps, gi)
        self.param_groups.append(group)
        self.params.extend(ps)
        self.state.extend({} for _ in ps)
        self._init_group(group)

    def _validate(self, group: dict) -> None:
        """Check a group's hyperparameters (raise ``ValueError`` naming the bad one)."""
        lr = group["lr"]
        if isinstance(lr, Tensor) and lr.data.size != 1:
            raise ValueError(f"{type(self).__name__}: Tensor lr must be 1-element, got shape "
                             f"{tuple(lr.shape)}")
        check_range(type(self).__name__, "learning rate", lr, 0.0)

    def _init_group(self, group: dict) -> None:
        """State made when a group is added (torch's Adagrad makes its sums then)."""

    def _sync(self) -> None:
        """Make ``params`` and ``state`` follow ``param_groups`` again if a group's list of
        parameters was changed in place (each parameter keeps its state)."""
        params = self.params
        n, i = len(params), 0
        for g in self.param_groups:
            if type(g) is not ParamGroup:
                raise TypeError(f"{type(self).__name__}: param_groups holds a "
                                f"{type(g).__name__}; add groups with add_param_group()")
            for p in g["params"]:
                if i >= n or params[i] is not p:
                    return self._rebuild()
                i += 1
        if i != n:
            self._rebuild()

    def _rebuild(self) -> None:
        who = type(self).__name__
        old = {id(p): st for p, st in zip(self.params, self.state, strict=True)}
        flat: list[Tensor] = []
        for gi, g in enumerate(self.param_groups):
            dict.__setitem__(g, "params", list(g["params"]))  # (inside a trace too)
            _check_params(who, flat, g["params"], gi)
            flat.extend(g["params"])
        self.params = flat
        self.state = [old.get(id(p), {}) for p in flat]

    # ---- the update --------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (``p.grad = None``); with ``set_to_none=False``,
        write zeros into it instead (a ``.grad`` with a history is replaced by zeros)."""
        self._sync()
        zero_grads(self.params, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter that has a gradient.

        ``closure``, as torch's, recomputes the loss (and its gradients) with gradient
        recording on; its result is returned. Example::

            def closure():
                opt.zero_grad()
                loss = model(x).sum()
                loss.backward()
                return loss
            loss = opt.step(closure)
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._sync()
        self._check_states()
        self.step_count += 1
        xp = get_backend().xp
        who = type(self).__name__
        own = type(self)._update is not Optimizer._update  # an _update of the older interface
        states = self.state
        i = 0
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    st = states[i]
                    i += 1
                    if p.grad is None:
                        continue
                    g = p.grad.data if isinstance(p.grad, Tensor) else p.grad
                    pr, gr = _real_views(who, p.data, xp.asarray(g))
                    if own:
                        self._update(xp, pr, gr, st)
                    else:
                        self._update(xp, pr, gr, st, group)
                    p._ver[0] += 1  # the write is in place: steps that saved p are now stale
                    p._seen = p._ver[0]
        return loss

    def _update(self, xp: Any, p: Any, g: Any, st: dict[str, Any],
                group: dict | None = None) -> None:
        """One parameter's update, eagerly: state made on first use, counters advanced, then
        the array work with this step's numbers."""
        if group is None:
            group = self._group_of(st)
        self._init_state(xp, p, st, group)
        self._tick(st)
        numbers = host_numbers(group)
        s = self._scalars(st, numbers)
        self._after_step(st, numbers)
        self._apply(xp, p, g, st, s, group)

    def _group_of(self, st: dict) -> dict:
        i = next(k for k, s in enumerate(self.state) if s is st)
        for g in self.param_groups:
            if i < len(g["params"]):
                return g
            i -= len(g["params"])
        raise AssertionError("unreachable")

    def _check_states(self) -> None:
        """Raise :class:`MissingStateError`, before any update, where a parameter with a
        gradient has state that lacks a buffer its group needs now (see ``_missing``)."""
        i = 0
        for gi, group in enumerate(self.param_groups):
            for p in group["params"]:
                st = self.state[i]
                miss = self._missing(st, group) if st and p.grad is not None else None
                if miss is not None:
                    hyper, key, torch_key, start = miss
                    raise MissingStateError(
                        f"{type(self).__name__}.step: {hyper} is on in parameter group {gi}, "
                        f"but the state of parameter {i} was made with it off (by earlier steps "
                        f"or a loaded state_dict), so it has no "
                        f"{key!r} to continue from (torch.optim raises "
                        f"KeyError({torch_key!r}) here, rather than starting it at zero). Set "
                        f"{hyper} before the first step, or give the state the buffer to "
                        f"continue from, e.g. opt.state[{i}][{key!r}] = {start.format(i=i)}")
                i += 1

    def _missing(self, st: dict[str, Any], group: dict) -> tuple | None:
        """For a parameter that has stepped (``st`` not empty): ``(hyperparameter, state
        key, torch's state key, a suggested start, ``{i}`` standing for the parameter's
        index)`` of a buffer ``group`` needs and ``st`` lacks, else None."""
        return None

    def _init_state(self, xp: Any, p: Any, st: dict[str, Any], group: dict) -> None:
        """Create the per-parameter state arrays that do not depend on a gradient."""

    def _tick(self, st: dict[str, Any]) -> None:
        """Advance the per-parameter counters (once per step, before ``_scalars``)."""

    def _scalars(self, st: dict[str, Any], group: dict) -> dict[str, float]:
        """Every number ``_apply`` uses this step (hyperparameters, bias corrections)."""
        raise NotImplementedError

    def _after_step(self, st: dict[str, Any], group: dict) -> None:
        """Advance the per-parameter numbers that depend on this step's hyperparameters
        (NAdam's momentum product, ASGD's ``eta`` and ``mu``), right after ``_scalars``."""

    def _apply(self, xp: Any, p: Any, g: Any, st: dict[str, Any], s: dict[str, Any],
               group: dict) -> None:
        """The array work of one parameter's update, numbers taken from ``s``, branches from
        ``group``."""
        raise NotImplementedError

    def _flags(self, group: dict) -> tuple:
        """The branches ``_apply`` takes for ``group``, as a hashable value."""
        return ()

    # ---- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A snapshot of the optimizer: ``{"state": {index: {key: array or number}},
        "param_groups": [{..., "params": [index, ...]}], "step_count": n}``, parameters
        numbered in the order of ``params`` (torch's layout). The arrays are copies (torch
        returns references to the live buffers).

        Example: ``ckpt = opt.state_dict(); ...; opt.load_state_dict(ckpt)``
        """
        _tracing("state_dict()")
        self._sync()
        # one deepcopy for all groups: a value they share (a Tensor lr) stays shared
        groups = copy.deepcopy([{k: v for k, v in g.items() if k != "params"}
                                for g in self.param_groups])
        start = 0
        for packed, g in zip(groups, self.param_groups, strict=True):
            packed["params"] = list(range(start, start + len(g["params"])))
            start += len(g["params"])
        state = {i: {k: (v.copy() if hasattr(v, "shape") else v) for k, v in st.items()}
                 for i, st in enumerate(self.state) if st}
        return {"state": state, "param_groups": groups, "step_count": self.step_count}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`: the groups' hyperparameters, each parameter's state
        (copied, onto the parameter's device and dtype) and ``step_count``. The groups must
        hold as many parameters as when it was saved; on any mismatch it raises and leaves the
        optimizer as it was. A compiled training step traces again at its next call.

        Example: ``opt.load_state_dict(ckpt)``
        """
        _tracing("load_state_dict()")
        self._sync()
        who = f"{type(self).__name__}.load_state_dict"
        try:
            saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        except (KeyError, TypeError):
            raise ValueError(f"{who}: expected a dict with 'state' and 'param_groups' (from "
                             f"state_dict()), got {type(state_dict).__name__}") from None
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{who}: the state has {len(saved_groups)} parameter groups, the "
                             f"optimizer {len(self.param_groups)}")
        ids: dict = {}
        groups = []
        copies = copy.deepcopy([{k: v for k, v in sg.items() if k != "params"}
                                for sg in saved_groups])  # shared values stay shared
        for gi, (g, sg) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            if len(sg["params"]) != len(g["params"]):
                raise ValueError(f"{who}: group {gi} holds {len(sg['params'])} parameters in "
                                 f"the state, {len(g['params'])} in the optimizer")
            missing = sorted(set(self.defaults) - set(sg) - _LATER_FLAGS)
            if missing:
                raise ValueError(f"{who}: group {gi} of the state has no {missing} (saved by "
                                 f"another kind of optimizer?)")
            for pid in sg["params"]:
                ids[pid] = len(ids)
            new = ParamGroup(copies[gi])
            for k in (_LATER_FLAGS & set(self.defaults)) - set(sg):  # an older checkpoint's
                new[k] = self._flag_default(k)
            new["params"] = g["params"]
            if "param_names" in g and "param_names" not in sg:
                new["param_names"] = g["param_names"]
            self._validate(new)
            groups.append(new)
        state: list[dict[str, Any]] = [{} for _ in self.params]
        for pid, entry in saved_state.items():
            if pid not in ids:
                raise ValueError(f"{who}: the state has an entry for parameter {pid!r}, which "
                                 f"no group lists")
            i = ids[pid]
            state[i] = self._load_entry(who, i, self.params[i], entry)
        self.param_groups = groups
        self.state = state
        self.step_count = int(state_dict.get("step_count", self.step_count))

    def _flag_default(self, key: str) -> Any:
        """A switch an older checkpoint lacks: its default in the signature (the checkpoint
        was saved before the switch existed, i.e. with it off), as torch's __setstate__; the
        constructor's value where the signature has none (AdamW's decoupled weight decay)."""
        param = inspect.signature(type(self).__init__).parameters.get(key)
        if param is None or param.default is inspect.Parameter.empty:
            return self.defaults[key]
        return param.default

    def _load_entry(self, who: str, i: int, p: Tensor, entry: dict) -> dict[str, Any]:
        keys = set(entry)
        if self.state_keys is not None and not keys <= self.state_keys:
            raise ValueError(f"{who}: the state of parameter {i} holds "
                             f"{sorted(keys - self.state_keys)}, which "
                             f"{type(self).__name__} does not use (it uses "
                             f"{sorted(self.state_keys)})")
        if keys and not self.state_required <= keys:
            raise ValueError(f"{who}: the state of parameter {i} lacks "
                             f"{sorted(self.state_required - keys)}")
        shape, dtype = _state_layout(p)
        from .._raw import _xp

        xp = _xp(p.data)
        out: dict[str, Any] = {}
        for k, v in entry.items():
            if k == "t" and self.state_keys is not None:  # a step count (torch's "step")
                out[k] = int(v)
                continue
            if not hasattr(v, "shape"):
                out[k] = v
                continue
            if isinstance(v, Tensor):  # an Optimizer subclass's own state (self.state[p]["buf"])
                a = v.data
                a = a.get() if hasattr(a, "get") and not isinstance(a, type(p.data)) else a
                out[k] = Tensor(xp.array(a, copy=True))
                continue
            need = self._state_shape(k, shape)
            if tuple(v.shape) != need:
                raise ValueError(f"{who}: state {k!r} of parameter {i} has shape "
                                 f"{tuple(v.shape)}, the parameter's state needs {need}")
            if getattr(v.dtype, "kind", "f") == "c" and dtype.kind != "c":
                raise TypeError(f"{who}: state {k!r} of parameter {i} is complex; the "
                                f"parameter's state is {dtype}")
            host = v.get() if hasattr(v, "get") and not isinstance(v, type(p.data)) else v
            out[k] = xp.array(host, dtype=dtype, copy=True)
        return out

    def _state_shape(self, key: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of state array ``key`` of a parameter whose state arrays have ``shape``
        (that shape, except for Adafactor's row and column factors)."""
        return shape


# switches torch added to its optimizers after their first releases: a checkpoint saved
# before them lacks them, and loads with the default (as torch's __setstate__ gives it)
_LATER_FLAGS = frozenset({"maximize", "foreach", "fused", "differentiable", "capturable",
                          "amsgrad", "nesterov", "centered", "decoupled_weight_decay"})


def _check_params(who: str, before: list, ps: list, gi: int) -> None:
    """Parameters of group ``gi``: leaves that require grad, each in one group only."""
    from ..nn.modules import Parameter

    seen = {id(p) for p in before}
    for i, p in enumerate(ps):
        # a frozen nn.Parameter (requires_grad=False) is accepted and skipped while it has
        # no gradient, as model.parameters() lists it
        where = f"parameter {i}" + (f" of group {gi}" if gi else "")
        if not isinstance(p, Tensor) or not (p.requires_grad or isinstance(p, Parameter)):
            raise TypeError(f"{who}: {where} is not a Tensor that requires grad (got "
                            f"{type(p).__name__})")
        if not p.is_leaf:
            raise TypeError(f"{who}: {where} is the result of a recorded op, not a leaf; "
                            f"optimise the leaf it was computed from (or pass "
                            f"x.detach().requires_grad_())")
        if id(p) in seen:  # it would be updated twice per step
            raise ValueError(f"{who}: {where} appears more than once in the parameter list "
                             f"(or in two groups); pass each parameter once")
        seen.add(id(p))


for _name, _wrap in _hooks.WRAPPERS.items():
    setattr(Optimizer, _name, _wrap(getattr(Optimizer, _name)))
register_optimizer_step_pre_hook = _hooks.register_optimizer_step_pre_hook
register_optimizer_step_post_hook = _hooks.register_optimizer_step_post_hook


def zero_grads(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """``p.grad = None`` for each parameter, or with ``set_to_none=False`` zeros written into
    it (a ``.grad`` with a history is replaced by zeros): torch's ``zero_grad``."""
    from .. import engine

    if set_to_none:
        for p in params:
            p.grad = None
        return
    with no_grad():
        for p in params:
            g = p.grad
            if g is None:
                continue
            if not isinstance(g, Tensor) or g.requires_grad:
                data = g.data if isinstance(g, Tensor) else g
                p.grad = Tensor(get_backend().xp.zeros_like(data))
            else:
                engine.assign_inplace(g, 0.0, None)
