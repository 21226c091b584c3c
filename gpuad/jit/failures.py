"""The eager error of a step that fails while a compiled program replays.

Eagerly, a primitive whose forward raises (an index out of range, a singular matrix, a label
outside the classes) raises the same class with ``<op>: invalid inputs with shapes ...``
before the backend's message (:func:`gpuad.engine._failure`), and an untracked write
``t[i] = v`` says ``setitem: cannot write a value of shape ... into a tensor of shape ...``.
A replay runs the backend calls alone, so the tracer gives each step that stands for such an
operation a :class:`Context` (``Step.ctx``), and the replay function, on an error, finds the
step on the failing line of its source and raises the eager error from the backend's
(:func:`rewrite`). A step without a context (a fused kernel, an optimizer update) raises the
backend's error as it is.

Example::

    j = gpuad.jit(lambda x, i: x[i])
    j(x, i)                       # traced
    j(x, bad)                     # IndexError: getitem: invalid inputs with shapes (5,): ...
"""

from __future__ import annotations

import sys
from typing import Any

#: the errors eager wraps (numpy's LinAlgError is a ValueError)
ERRORS = (ValueError, TypeError, IndexError, MemoryError)

FILENAME = "<gpuad.jit replay>"
PIECES = "<gpuad.jit replay pieces>"


class _Shape:
    """Stands for an array argument in the message: only its shape is read."""

    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = tuple(shape)


class _Named:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class Context:
    """What eager would have said around a failure of this step."""

    __slots__ = ("rule", "args", "write")

    def __init__(self, rule, args: tuple, write: bool = False):
        self.rule = rule
        self.args = args
        self.write = write

    def error(self, e: BaseException, backend: str) -> BaseException | None:
        from .. import engine

        try:
            if self.write:
                value, target = self.args
                return type(e)(f"setitem: cannot write a value of shape {value} into a "
                               f"tensor of shape {target}: {e}")
            return engine._failure(self.rule, self.args, e, _Named(backend))
        except Exception:  # noqa: BLE001 - an error class that takes other arguments
            return None


_TYPES: dict[str, type] = {}


def _stand_in(a) -> Any:
    """What the message reads of argument ``a``: its shape, or else its type's name (an
    object of a class of that name: the argument itself is not kept)."""
    shp = getattr(a, "shape", None)
    if shp is not None:
        try:
            return _Shape(shp)
        except TypeError:  # a class with a shape attribute (a NumPy scalar type)
            pass
    name = type(a).__name__
    cls = _TYPES.get(name)
    if cls is None:
        cls = _TYPES[name] = type(name, (), {"__slots__": ()})
    return cls()


def primitive(rule, args) -> Context:
    """The context of a primitive's step (``args``: the primitive's arguments)."""
    return Context(rule, tuple(_stand_in(a) for a in args))


def write(value, target_shape) -> Context:
    """The context of an untracked write ``t[index] = value`` into a tensor of
    ``target_shape``."""
    return Context(None, (getattr(value, "shape", ()), tuple(target_shape)), write=True)


def tracked_write(rule_name: str, t, value) -> Context:
    """The context of a tracked write, which eager records as primitive ``rule_name`` of
    ``(t, value)``."""
    return Context(_Named(rule_name), (_stand_in(t), _stand_in(value)))


def enclosing_primitive() -> Context | None:
    """The context of the primitive whose forward is running now (a value check that the
    forward makes, recorded as a step of its own), or None outside one."""
    from .. import engine

    code = engine.apply.__code__
    f = sys._getframe(1)
    while f is not None:
        if f.f_code is code:
            loc = f.f_locals
            rule, args = loc.get("rule"), loc.get("args")
            if rule is not None and args is not None:
                return primitive(rule, args)
            return None
        f = f.f_back
    return None


def rewrite(e: BaseException, step_at, backend: str) -> BaseException | None:
    """The eager error for ``e``, raised by a replay function: ``step_at(code, line)`` gives
    the step of a line of the generated source (:meth:`gpuad.jit.replay.Compiled.step_at`);
    None where that step has no context (re-raise ``e``)."""
    tb = e.__traceback__
    step = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in (FILENAME, PIECES):
            step = step_at(code, tb.tb_lineno)
        tb = tb.tb_next
    ctx = getattr(step, "ctx", None)
    if ctx is None:
        return None
    return ctx.error(e, backend)


def running(step_at):
    """The context of the step that the replay function calling this runs now (a value
    check handed to a CUDA graph's capture from inside a step), or None."""
    f = sys._getframe(1)
    while f is not None:
        code = f.f_code
        if code.co_filename in (FILENAME, PIECES):
            return getattr(step_at(code, f.f_lineno), "ctx", None)
        f = f.f_back
    return None
