"""torch.optim's optimizer hooks: ``register_step_pre_hook``/``register_step_post_hook`` (and
the global ``register_optimizer_step_pre_hook``/``..._post_hook``), the ``state_dict`` and
``load_state_dict`` pre- and post-hooks, with torch's signatures and order. The hooks of a
call run once around the outermost method (an Optimizer subclass's ``step`` that calls
``super().step()`` runs them once)."""

from __future__ import annotations

import functools
import itertools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

_ids = itertools.count()
GLOBAL_STEP_PRE: OrderedDict = OrderedDict()
GLOBAL_STEP_POST: OrderedDict = OrderedDict()


class HookHandle:
    """What a ``register_*_hook`` returns: ``handle.remove()`` unregisters the hook."""

    __slots__ = ("_table", "_key")

    def __init__(self, table: OrderedDict, key: int) -> None:
        self._table, self._key = table, key

    def remove(self) -> None:
        self._table.pop(self._key, None)

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def add(table: OrderedDict, hook: Callable, prepend: bool = False) -> HookHandle:
    if not callable(hook):
        raise TypeError(f"optimizer hook: expected a callable, got {type(hook).__name__}")
    key = next(_ids)
    table[key] = hook
    if prepend:
        table.move_to_end(key, last=False)
    return HookHandle(table, key)


def table(opt: Any, name: str) -> OrderedDict:
    return opt.__dict__.setdefault(name, OrderedDict())


def _outermost(opt: Any, kind: str) -> bool:
    return not opt.__dict__.get("_in_" + kind)


def has_step_hooks(opt: Any) -> bool:
    return bool(GLOBAL_STEP_PRE or GLOBAL_STEP_POST or opt.__dict__.get("_step_pre_hooks")
                or opt.__dict__.get("_step_post_hooks"))


def refuse_traced_hooks(opt: Any) -> None:
    """Step hooks are Python run around an eager step: inside ``gpuad.jit`` a replay would
    skip them, so a step with hooks refuses to be traced."""
    if not has_step_hooks(opt):
        return
    import sys

    trace = sys.modules.get("gpuad.jit.trace")
    if trace is not None and trace.active() is not None:
        raise trace.TracerError(
            f"jit: {type(opt).__name__}.step() with step hooks registered, inside a compiled "
            f"function: replays would not run the hooks. Call them yourself in the compiled "
            f"function, or remove the hooks (handle.remove())")


def wrap_step(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def step(self, *args, **kwargs):
        pre = [*GLOBAL_STEP_PRE.values(), *table(self, "_step_pre_hooks").values()]
        post = [*table(self, "_step_post_hooks").values(), *GLOBAL_STEP_POST.values()]
        if not (pre or post) or not _outermost(self, "step"):
            return fn(self, *args, **kwargs)
        refuse_traced_hooks(self)
        self.__dict__["_in_step"] = True
        args = (self, *args)  # as torch's: the hooks see the optimizer as args[0]
        try:
            for hook in pre:
                out = hook(self, args, kwargs)
                if out is not None:
                    if not (isinstance(out, tuple) and len(out) == 2):
                        raise RuntimeError(f"{type(self).__name__}.step: a step pre-hook must "
                                           f"return None or (args, kwargs), got {out!r}")
                    args, kwargs = out
            result = fn(*args, **kwargs)
            for hook in post:
                hook(self, args, kwargs)
        finally:
            self.__dict__["_in_step"] = False
        return result
    step._gpuad_hooked = True
    return step


def wrap_state_dict(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def state_dict(self):
        if not _outermost(self, "state_dict"):
            return fn(self)
        self.__dict__["_in_state_dict"] = True
        try:
            for hook in list(table(self, "_state_dict_pre_hooks").values()):
                hook(self)
            sd = fn(self)
            for hook in list(table(self, "_state_dict_post_hooks").values()):
                out = hook(self, sd)
                if out is not None:
                    sd = out
        finally:
            self.__dict__["_in_state_dict"] = False
        return sd
    state_dict._gpuad_hooked = True
    return state_dict


def wrap_load_state_dict(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def load_state_dict(self, state_dict):
        if not _outermost(self, "load_state_dict"):
            return fn(self, state_dict)
        self.__dict__["_in_load_state_dict"] = True
        try:
            for hook in list(table(self, "_load_state_dict_pre_hooks").values()):
                out = hook(self, state_dict)
                if out is not None:
                    state_dict = out
            fn(self, state_dict)
            for hook in list(table(self, "_load_state_dict_post_hooks").values()):
                hook(self)
        finally:
            self.__dict__["_in_load_state_dict"] = False
    load_state_dict._gpuad_hooked = True
    return load_state_dict


WRAPPERS = {"step": wrap_step, "state_dict": wrap_state_dict,
            "load_state_dict": wrap_load_state_dict}


def register_optimizer_step_pre_hook(hook: Callable) -> HookHandle:
    """A pre-hook of every optimizer's ``step``: ``hook(optimizer, args, kwargs)``, returning
    None or new ``(args, kwargs)`` (torch.optim.optimizer's)."""
    return add(GLOBAL_STEP_PRE, hook)


def register_optimizer_step_post_hook(hook: Callable) -> HookHandle:
    """A post-hook of every optimizer's ``step``: ``hook(optimizer, args, kwargs)``."""
    return add(GLOBAL_STEP_POST, hook)
