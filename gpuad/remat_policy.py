"""Saving policies of :func:`gpuad.checkpoint` (``jax.checkpoint_policies``) and
:func:`checkpoint_name`.

A checkpointed block keeps its inputs and computes everything else again in backward. With a
``policy``, the block's forward also keeps the results of the primitives the policy calls
saveable (``dots_saveable``: matrix products; ``save_only_these_names("h")``: the value given
to ``checkpoint_name(x, "h")``), and the recomputation takes those results instead of running
their kernels again: the Python function runs again, but a saved primitive is not computed.

A primitive is known by its name and its occurrence (the n-th ``matmul`` of the block), and a
saved result is used only where the recomputation's primitive has the same name, the same
producers for each argument, the same parameters and the same result shape and dtype;
anywhere else it is computed (a saved value never stands in for another). Each saved result
is a copy (the block may write into its own arrays afterwards) used once: a second backward
through the same step, or one taken while ``gpuad.jit`` traces, computes everything again. A
named value written in place since its primitive made it (or a raw array, whose writes are
not counted) is not saved, nor is a result that is a view or one of its primitive's inputs.

Example::

    def block(x):
        h = gpuad.checkpoint_name(gnp.tanh(x @ w), "h")
        return gnp.sin(h) @ w

    f = gpuad.checkpoint(block, policy=gpuad.checkpoint_policies.save_only_these_names("h"))
    gpuad.grad(lambda x: gnp.sum(f(x)))(x)   # backward computes x @ w and sin again, not tanh
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from . import engine
from .tensor import Tensor

_DOTS = frozenset({"matmul", "einsum"})


class _NamePrimitive:
    """What a policy receives for a :func:`checkpoint_name` call (JAX's ``name_p``), with the
    keyword ``name``."""

    name = "name"

    def __repr__(self) -> str:
        return "name"


name_p = _NamePrimitive()
_local = threading.local()


def checkpoint_name(x: Any, name: str) -> Any:
    """``x`` itself, named ``name`` for the saving policy of an enclosing checkpoint
    (``save_only_these_names``, ``save_any_names_but_these``); elsewhere it does nothing.

    Example: ``h = gpuad.checkpoint_name(gnp.tanh(x @ w), "h")``"""
    rec = getattr(_local, "recorder", None)
    if rec is not None and _saveable(rec.policy(name_p, x, name=name)):
        rec.save_named(x)
    return x


# ---- policies (jax.checkpoint_policies) ------------------------------------------------------

def _named(fn: Callable, name: str) -> Callable:
    fn.__name__ = fn.__qualname__ = name
    return fn


def nothing_saveable(prim: Any, *args: Any, **params: Any) -> bool:
    """Save nothing but the block's inputs (``gpuad.checkpoint``'s default)."""
    return False


def everything_saveable(prim: Any, *args: Any, **params: Any) -> bool:
    """Save every primitive's result (the recomputation runs no kernel it can take)."""
    return True


def dots_saveable(prim: Any, *args: Any, **params: Any) -> bool:
    """Save the results of matrix products (``matmul``, ``einsum``)."""
    return getattr(prim, "name", None) in _DOTS


def dots_with_no_batch_dims_saveable(prim: Any, *args: Any, **params: Any) -> bool:
    """Save the results of matrix products of operands of at most two dimensions."""
    return dots_saveable(prim) and all(len(getattr(a, "shape", ())) <= 2 for a in args)


def save_only_these_names(*names: str) -> Callable:
    """Save the values named by :func:`checkpoint_name` with one of ``names``, nothing else."""
    keep = frozenset(names)
    return _named(lambda prim, *a, **p: prim is name_p and p.get("name") in keep,
                  "save_only_these_names")


def save_any_names_but_these(*names: str) -> Callable:
    """Save every value named by :func:`checkpoint_name` except those named ``names``."""
    drop = frozenset(names)
    return _named(lambda prim, *a, **p: prim is name_p and p.get("name") not in drop,
                  "save_any_names_but_these")


def save_anything_except_these_names(*names: str) -> Callable:
    """Save every primitive's result and every named value except those named ``names``."""
    drop = frozenset(names)
    return _named(lambda prim, *a, **p: prim is not name_p or p.get("name") not in drop,
                  "save_anything_except_these_names")


def save_from_both_policies(policy_1: Callable, policy_2: Callable) -> Callable:
    """Save what either policy saves."""
    return _named(lambda prim, *a, **p: bool(policy_1(prim, *a, **p) or policy_2(prim, *a, **p)),
                  "save_from_both_policies")


# ---- the forward that saves, the recomputation that reuses ----------------------------------

class _Numbering:
    """Numbers the primitives a run applies, by name, and knows which produced each array."""

    def __init__(self):
        self.count: dict[str, int] = {}
        self.producer: dict[int, tuple] = {}
        self.keep: list = []  # the arrays numbered, alive while the run lasts (ids unique)
        self.outer = None  # the hook this one runs inside of (gpuad.jit's), or None
        self.installed = self.hook  # (the bound method, made once: compared by identity)
        self.thread = threading.get_ident()  # (the engine's hooks are global: other threads
        # pass through them)

    def _arg(self, a) -> Any:
        if isinstance(a, Tensor):
            a = a._data
        if hasattr(a, "shape") and hasattr(a, "dtype"):
            p = self.producer.get(id(a))
            return p if p is not None else ("in", type(a), tuple(a.shape), str(a.dtype))
        t = type(a)
        if t is tuple or t is list:
            return tuple(self._arg(x) for x in a)
        if t is slice:
            return ("slice", self._arg(a.start), self._arg(a.stop), self._arg(a.step))
        if a is None or t in (int, float, complex, bool, str):
            return a
        try:
            hash(a)
            return a
        except TypeError:
            return ("obj", t.__name__)

    def signature(self, rule, datas, params) -> tuple:
        return (rule.name, tuple(self._arg(d) for d in datas),
                tuple(sorted((k, self._arg(v)) for k, v in params.items())) if params else ())

    def number(self, rule, out) -> tuple:
        n = self.count.get(rule.name, 0)
        self.count[rule.name] = n + 1
        key = (rule.name, n)
        if hasattr(out, "shape"):
            self.producer[id(out)] = key
            self.keep.append(out)
        return key

    # (gpuad.engine reads these from the hook's owner, as from gpuad.jit's tracer)
    def from_args(self, out) -> bool:
        return self.outer is not None and self.outer.__self__.from_args(out)

    def batched_reads(self, args) -> None:
        if self.outer is not None:
            self.outer.__self__.batched_reads(args)


def _saveable(answer: Any) -> bool:
    """A policy's answer: True (or NumPy's True) saves; anything else does not."""
    return answer is True or type(answer).__name__ == "bool" and bool(answer)


class Recorder(_Numbering):
    """The forward run of a block with a policy: keeps a copy of each saveable result, keyed
    by its primitive's name and occurrence, with that primitive's signature."""

    def __init__(self, policy: Callable):
        super().__init__()
        self.policy = policy
        self.sigs: dict[tuple, tuple] = {}
        self.saved: dict[tuple, tuple] = {}  # key -> (signature, shape, dtype, copy)
        self.last: dict[int, tuple] = {}  # id(result) -> (key, rule, result)

    def hook(self, rule, be, args, datas, params, out) -> None:
        if self.outer is not None:
            self.outer(rule, be, args, datas, params, out)
        if threading.get_ident() != self.thread:
            return
        sig = self.signature(rule, datas, params)
        key = self.number(rule, out)
        if rule.view or not hasattr(out, "shape") or getattr(out, "base", None) is not None \
                or any(out is d for d in datas):
            return  # (a view costs nothing to make again, and must stay one)
        self.sigs[key] = sig
        if _saveable(self.policy(rule, *datas, **params)):
            self._keep(key, out)

    def _keep(self, key, out) -> None:
        if key not in self.saved:
            self.saved[key] = (self.sigs[key], tuple(out.shape), out.dtype, out.copy())

    def save_named(self, x) -> None:
        # only a Tensor not written since its primitive made it (version 0) holds that
        # primitive's result (a raw array's writes are not counted: not saved); an input of
        # the block is kept anyway
        if isinstance(x, Tensor) and x._ver[0] == 0 and x._base is None:
            key = self.producer.get(id(x._data))
            if key is not None and key in self.sigs:
                self._keep(key, x._data)


class Replayer(_Numbering):
    """The recomputation in backward: a primitive whose result was saved, with the same
    signature, returns that copy instead of running (each copy is used once)."""

    def __init__(self, saved: dict):
        super().__init__()
        self.saved = saved
        self.used = 0

    def hook(self, rule, be, args, datas, params, out) -> None:
        if self.outer is not None:
            self.outer(rule, be, args, datas, params, out)
        if threading.get_ident() == self.thread:
            self.number(rule, out)

    def lookup(self, rule, datas, params) -> Any:
        if threading.get_ident() != self.thread or engine._trace is not self.installed:
            return NotImplemented  # (a gpuad.jit trace took the hook over: it computes)
        key = (rule.name, self.count.get(rule.name, 0))
        hit = self.saved.get(key)
        if hit is None or hit[0] != self.signature(rule, datas, params):
            return NotImplemented
        del self.saved[key]
        self.used += 1
        return hit[3]


def run_with(obj: _Numbering, fn: Callable, *args: Any) -> Any:
    """``fn(*args)`` with ``obj`` seeing (a :class:`Recorder`) or taking over (a
    :class:`Replayer`) each primitive the run applies."""
    prev_trace, prev_remat = engine._trace, engine._remat
    prev_rec = getattr(_local, "recorder", None)
    obj.outer = prev_trace
    engine._trace = obj.installed
    engine._remat = obj.lookup if isinstance(obj, Replayer) else None
    _local.recorder = obj if isinstance(obj, Recorder) else None
    try:
        return fn(*args)
    finally:
        engine._trace, engine._remat = prev_trace, prev_remat
        _local.recorder = prev_rec
        obj.keep.clear()
        obj.producer.clear()
