"""closure_convert: a function's closed-over differentiated values made explicit arguments."""

from __future__ import annotations

import copy
import functools
import os
import sysconfig
import types
from collections.abc import Callable
from typing import Any

from .tensor import Tensor
from .tree import tree_flatten, tree_structure, tree_unflatten


def _perturbed(x: Any) -> bool:
    """Whether ``x`` is being differentiated (reverse or forward mode)."""
    return isinstance(x, Tensor) and (x.requires_grad or bool(x._tan))


def _attributes(v: Any) -> list[tuple[str, Any]]:
    """The instance attributes of an object that is not a pytree (its ``__dict__`` and
    ``__slots__``): a bound method's ``self``, a callable object or an operator with ``@``
    reads the values it holds there."""
    try:  # (not through a custom __getattr__, which may compute or raise)
        d = object.__getattribute__(v, "__dict__")
    except Exception:
        d = None
    out = list(d.items()) if isinstance(d, dict) else []
    for cls in type(v).__mro__:
        for name in cls.__dict__.get("__slots__", ()):
            if isinstance(name, str) and name not in ("__dict__", "__weakref__"):
                try:
                    out.append((name, object.__getattribute__(v, name)))
                except Exception:  # an unset slot
                    pass
    return out


def _methods(cls: type) -> list[tuple[str, Any, types.FunctionType]]:
    """The Python functions an object's class (and its bases, not ``object``'s nor builtin
    ones) defines, the first of each name along the MRO, leaving out library code's (see
    ``_library``): ``(name, entry, function)`` with ``entry`` the class-dict value (a
    function, staticmethod, classmethod, or property whose getter is ``function``)."""
    out: dict[str, tuple[str, Any, types.FunctionType]] = {}
    for c in cls.__mro__:
        if c.__module__ == "builtins":
            continue
        for name, entry in c.__dict__.items():
            f = entry.__func__ if isinstance(entry, staticmethod | classmethod) else \
                entry.fget if isinstance(entry, property) else entry
            if isinstance(f, types.FunctionType) and name not in out:
                out[name] = (name, entry, f)
    return [m for m in out.values() if not _library(m[2])]


class _Finder:
    """Walks the Python objects a function can reach (its closure cells, default values, the
    globals its code names, the functions and ``functools.partial`` objects among those, a
    bound method's object, the attributes of objects, and pytrees of them) and collects the
    differentiated Tensors it finds."""

    def __init__(self) -> None:
        self.found: dict[int, Tensor] = {}
        self.seen: set[int] = set()

    def value(self, v: Any) -> None:
        if id(v) in self.seen:
            return
        self.seen.add(id(v))
        if _perturbed(v):
            self.found.setdefault(id(v), v)
        elif isinstance(v, types.FunctionType):
            self.function(v)
        elif isinstance(v, functools.partial):
            self.value(v.func)
            for a in (*v.args, *v.keywords.values()):
                self.value(a)
        elif isinstance(v, types.MethodType):
            self.value(v.__func__)
            self.value(v.__self__)
        elif not isinstance(v, Tensor | types.ModuleType | type):
            leaves, tdef = _flat(v)
            if tdef != ():
                for leaf in leaves:
                    self.value(leaf)
            else:  # an object: what it holds, and what its class's methods read
                for _, a in _attributes(v):
                    self.value(a)
                for _, _, f in _methods(type(v)):
                    self.value(f)

    def function(self, f: types.FunctionType) -> None:
        for cell in f.__closure__ or ():
            try:
                self.value(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
        for d in (*(f.__defaults__ or ()), *(f.__kwdefaults__ or {}).values()):
            self.value(d)
        if _library(f):
            return
        g = f.__globals__
        for name in _global_names(f.__code__):
            if name in g:
                self.value(g[name])


def _flat(v: Any) -> tuple[list, Any]:
    """``tree_flatten(v)``, or ``(None, ())`` where ``v`` is a leaf or cannot be flattened
    (a dict with keys of mixed types, a registered type whose flatten function fails)."""
    try:
        leaves, tdef = tree_flatten(v)
    except Exception:
        return [v], ()
    if len(leaves) == 1 and leaves[0] is v:
        return [v], ()
    return leaves, tdef


_LIB_DIRS = tuple(sorted({os.path.realpath(p) + os.sep for p in (
    sysconfig.get_path(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")) if p}))
_GPUAD_DIR = os.path.dirname(os.path.realpath(__file__)) + os.sep
_library_files: dict[str, bool] = {}


def _library(f: types.FunctionType) -> bool:
    """Whether ``f`` is gpuad's own, the standard library's or an installed package's: the
    globals of those hold no user values, and are not walked (their cells and defaults are:
    a library function may close over a user's)."""
    name = f.__code__.co_filename
    known = _library_files.get(name)
    if known is None:
        path = os.path.realpath(name)
        known = _library_files[name] = path.startswith((_GPUAD_DIR, *_LIB_DIRS))
    return known


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:  # nested functions and comprehensions
        if isinstance(c, types.CodeType):
            names |= _global_names(c)
    return names


def _shallow_copy(v: Any) -> Any:
    """``copy.copy(v)``, or where that fails (a ``__getattr__`` answering every name, a
    ``__reduce__`` that cannot) a new instance of ``v``'s class given its attributes."""
    try:
        return copy.copy(v)
    except Exception:
        out = object.__new__(type(v))
        for name, a in _attributes(v):
            object.__setattr__(out, name, a)
        return out


class _Rebuilder:
    """Copies of the reached functions, partials and pytrees with the hoisted Tensors swapped
    for new values (the originals are left as they are)."""

    def __init__(self, swap: dict[int, Any]) -> None:
        self.swap = swap
        self.memo: dict[int, Any] = {}
        self.active: set[int] = set()  # being rebuilt: a reference back to one is a cycle
        self.back: set[int] = set()

    def value(self, v: Any) -> Any:
        k = id(v)
        if k in self.swap:
            return self.swap[k]
        if k in self.memo:
            if k in self.active:
                self.back.add(k)
            return self.memo[k]
        self.memo[k] = v  # (a cycle sees the original: refused below if it changes)
        self.active.add(k)
        try:
            out = self._rebuilt(v)
        finally:
            self.active.discard(k)
        if out is not v and k in self.back:
            raise TypeError(
                f"closure_convert: a {type(v).__name__} holding differentiated values is "
                f"reached again through a reference cycle (an object referring back to "
                f"itself); its copy with the values replaced cannot be referred to by its own "
                f"parts. Pass those values as arguments instead")
        self.memo[k] = out
        return out

    def _rebuilt(self, v: Any) -> Any:
        out = v
        if isinstance(v, types.FunctionType):
            out = self.function(v)
        elif isinstance(v, functools.partial):
            func = self.value(v.func)
            args = [self.value(a) for a in v.args]
            kw = {n: self.value(a) for n, a in v.keywords.items()}
            if func is not v.func or any(a is not b for a, b in zip(args, v.args, strict=True)
                                         ) or any(kw[n] is not v.keywords[n] for n in kw):
                out = type(v)(func, *args, **kw)
        elif isinstance(v, types.MethodType):
            func, obj = self.value(v.__func__), self.value(v.__self__)
            if func is not v.__func__ or obj is not v.__self__:
                out = types.MethodType(func, obj)
        elif not isinstance(v, Tensor | types.ModuleType | type):
            leaves, tdef = _flat(v)
            if tdef != ():
                new = [self.value(x) for x in leaves]
                if any(a is not b for a, b in zip(new, leaves, strict=True)):
                    out = tree_unflatten(tdef, new)
            else:
                out = self.instance(v)
        return out

    def instance(self, v: Any) -> Any:
        """A shallow copy of ``v`` with its changed attributes set and, where its class's
        methods read hoisted values (module globals), of a subclass with those methods
        rebuilt (``v`` itself if nothing changed)."""
        changed = {}
        for name, a in _attributes(v):
            new = self.value(a)
            if new is not a:
                changed[name] = new
        methods = {}
        for name, entry, f in _methods(type(v)):
            new = self.value(f)
            if new is not f:
                methods[name] = (new if entry is f else
                                 property(new, entry.fset, entry.fdel, entry.__doc__)
                                 if isinstance(entry, property) else type(entry)(new))
        if not (changed or methods):
            return v
        try:
            out = _shallow_copy(v)
            if out is v:  # (a __copy__ returning the object itself: never write into it)
                raise TypeError("copy.copy returned the object itself")
            for name, a in changed.items():
                object.__setattr__(out, name, a)
            if methods:
                cls = type(v)
                sub = type(cls)(cls.__name__, (cls,), {
                    "__slots__": (), "__module__": cls.__module__,
                    "__qualname__": cls.__qualname__, **methods})
                out.__class__ = sub
        except Exception as e:
            raise TypeError(
                f"closure_convert: the function reads differentiated values through a "
                f"{type(v).__name__} object (its attributes {sorted(changed)}, its methods "
                f"{sorted(methods)}), which could not be copied with them replaced "
                f"({type(e).__name__}: {e}); pass those values as arguments instead") from e
        return out

    def function(self, f: types.FunctionType) -> types.FunctionType:
        cells = []
        changed = False
        for cell in f.__closure__ or ():
            try:
                old = cell.cell_contents
            except ValueError:
                cells.append(cell)
                continue
            new = self.value(old)
            changed |= new is not old
            cells.append(types.CellType(new) if new is not old else cell)
        g = f.__globals__
        updates = {}
        selfrefs = []  # a recursive function names itself: its copy is to call the copy
        for name in () if _library(f) else _global_names(f.__code__):
            if name in g:
                if g[name] is f:
                    selfrefs.append(name)
                    continue
                new = self.value(g[name])
                if new is not g[name]:
                    updates[name] = new
        defaults = tuple(self.value(d) for d in f.__defaults__ or ())
        kwdefaults = {n: self.value(d) for n, d in (f.__kwdefaults__ or {}).items()}
        if not (changed or updates or any(a is not b for a, b in zip(
                defaults, f.__defaults__ or (), strict=True)) or any(
                kwdefaults[n] is not f.__kwdefaults__[n] for n in kwdefaults)):
            return f
        glob = {**g, **updates} if updates or selfrefs else g
        h = types.FunctionType(f.__code__, glob, f.__name__, defaults or None,
                               tuple(cells) or None)
        for name in selfrefs:
            glob[name] = h
        h.__kwdefaults__ = kwdefaults or None
        h.__dict__.update(f.__dict__)
        h.__qualname__, h.__doc__ = f.__qualname__, f.__doc__
        return h


def closure_convert(fun: Callable, *example_args: Any) -> tuple[Callable, list[Tensor]]:
    """``(converted, consts)``: ``converted(*args, *consts)`` computes ``fun(*args)`` and
    ``consts`` are the differentiated Tensors ``fun`` reads without receiving them (closed-over
    values, found through its closure cells, default values, the globals it names and the
    functions, partials, bound methods and objects among those: their attributes and the
    globals their classes' methods name, as ``jax.closure_convert`` finds what it traces).
    Passing them explicitly lets a ``custom_vjp`` rule return their cotangents. Outside any
    differentiation ``consts`` is empty. ``example_args`` fix the structure of the
    arguments ``converted`` takes.

    Example::

        def solve(a, x0):
            f = lambda x: gnp.cos(a * x)          # closes over a
            g, consts = gpuad.closure_convert(f, x0)
            return fixed_point(g, x0, *consts)    # a custom_vjp taking g's values
    """
    finder = _Finder()
    finder.value(fun)
    consts = list(finder.found.values())
    in_tree = tree_structure(example_args)
    n = len(consts)

    def converted(*args_and_consts: Any) -> Any:
        if len(args_and_consts) < n:
            raise TypeError(f"closure_convert: the converted function takes its arguments "
                            f"followed by the {n} hoisted values, got {len(args_and_consts)} "
                            f"arguments")
        args = args_and_consts[:len(args_and_consts) - n]
        if tree_structure(args) != in_tree:
            raise TypeError(f"closure_convert: the converted function's arguments must have "
                            f"the structure of the example arguments, {in_tree}; got "
                            f"{tree_structure(args)}")
        if not n:
            return fun(*args)
        new = args_and_consts[len(args):]
        swap = {id(c): v for c, v in zip(consts, new, strict=True)}
        return _Rebuilder(swap).value(fun)(*args)

    converted.__name__ = getattr(fun, "__name__", "converted")
    return converted, consts
