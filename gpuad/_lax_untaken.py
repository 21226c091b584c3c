"""The output types of code that ``gpuad.lax`` does not run for real: the branches of an
eager ``cond``/``switch`` that were not chosen, and the body of a loop that runs zero times.

JAX traces every branch and every loop body, so a branch returning another shape, dtype or
pytree than the taken one (or a body that would change its carry) raises even where that
code never runs. gpuad runs eagerly; to raise the same errors it evaluates such code once,
as ``gpuad.eval_shape`` does: on zeros of the operands' shapes and dtypes, recording nothing,
with random draws from a throwaway generator and warnings silenced. Code that raises on
zeros (a Cholesky factor of a zero matrix, a value check) is not checked. A check that
passed is remembered per function code, operand types and closure contents, so a branch in
a training loop is evaluated once, not at every step.

Example: ``out = untaken_output(false_fun, x)`` (None when it could not be evaluated).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as _np

from . import _state
from ._raw import _xp
from ._raw import shape as _shape
from .tensor import Tensor
from .tree import tree_flatten, tree_unflatten

_PASSED: set = set()
_MAX_PASSED = 512
_SKIP = object()


def _leaf_key(x: Any) -> Any:
    if isinstance(x, bool | int | _np.integer | str | type(None)):
        return (type(x).__name__, x)
    if isinstance(x, float | complex):
        return type(x).__name__
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return (tuple(x.shape), str(x.dtype), type(x).__name__)
    code = getattr(x, "__code__", None)
    # code objects compare by content; another object by identity (a reused id can at worst
    # skip a check, never change a result)
    return ("code", code) if code is not None else ("obj", id(x))


def _fn_key(fn: Callable) -> Any:
    code = getattr(fn, "__code__", None)
    if code is None:
        return ("obj", id(fn))
    cells = tuple(_leaf_key(c.cell_contents) if c.cell_contents is not None else None
                  for c in (fn.__closure__ or ()))
    return (code, id(getattr(fn, "__globals__", None)), cells,
            tuple(_leaf_key(d) for d in (fn.__defaults__ or ())),
            id(getattr(fn, "__self__", None)))


def check_key(fns: tuple, *trees: Any) -> Any:
    """A hashable key for "these functions with arguments of these types" (None if none)."""
    try:
        key = (tuple(_fn_key(f) for f in fns),
               tuple((repr(tree_flatten(t)[1]), tuple(_leaf_key(x) for x in tree_flatten(t)[0]))
                     for t in trees))
        hash(key)
        return key
    except Exception:  # cells not yet filled, unhashable leaves: no caching
        return None


def passed(key: Any) -> bool:
    return key is not None and key in _PASSED


def remember(key: Any) -> None:
    if key is None:
        return
    if len(_PASSED) >= _MAX_PASSED:
        _PASSED.clear()
    _PASSED.add(key)


def _stand_in(x: Any) -> Any:
    if isinstance(x, Tensor):  # (inside vmap: one example's shape)
        return Tensor(_xp(x).zeros(_shape(x), x._data.dtype))
    if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, _np.generic):
        return _xp(x).zeros(tuple(x.shape), _np.dtype(x.dtype))
    return x


def untaken_output(fn: Callable, *args: Any) -> Any:
    """``fn(*args)`` run on zeros of the array arguments' shapes and dtypes, recording
    nothing: its output's types. ``_SKIP`` when it raised there (not checkable)."""
    from .jit import trace as _trace
    from .numpy import random as _random

    leaves, tdef = tree_flatten(args)
    tr = _trace.active()
    if tr is not None:  # inside gpuad.jit: nothing of this run belongs to the program
        tr.paused += 1
    try:
        with _state.no_grad(), _np.errstate(all="ignore"), warnings.catch_warnings(), \
                _random.seeded(0):
            warnings.simplefilter("ignore")
            return fn(*tree_unflatten(tdef, [_stand_in(x) for x in leaves]))
    except Exception:
        return _SKIP
    finally:
        if tr is not None:
            tr.paused -= 1
