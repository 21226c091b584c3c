"""Parts of a jitted call's signature beyond its arguments' shapes: static arguments named
or passed by keyword, the Python values the function reads without receiving them (globals
and closure variables), and the arrays earlier calls consumed by donation.

Example::

    scale = 2.0
    f = gpuad.jit(lambda x: x * scale)
    f(x)            # traced with scale == 2.0
    scale = 3.0
    f(x)            # a new signature: traced again, so the result is x * 3.0
"""

from __future__ import annotations

import argparse
import collections
import enum
import inspect
import math
import operator
import sys
import types
import weakref
from typing import Any

import numpy as _np

_SCALAR_TYPES = (bool, int, float, complex, str, bytes, type(None), _np.generic, _np.dtype)
_LIBRARIES = {"gpuad", "numpy", "scipy", "cupy", "cupyx", "torch", "jax", "jaxlib", "numba",
              "autograd", "pytest", "_pytest"} | set(sys.stdlib_module_names)
_MAX_WATCHED = 256
_MISSING = object()


# ---- static arguments by position and by name ----------------------------------------------

class Statics:
    """Which arguments of ``f`` are static: ``nums`` (positions, negative ones counted from
    the end of each call's positional arguments) and ``names`` (keywords), each completed
    from the other through ``f``'s signature where it has one. A position or name that ``f``
    cannot take raises ``ValueError`` here, when ``jit`` is applied."""

    def __init__(self, f, nums: tuple[int, ...] | None, names: tuple[str, ...] | None,
                 what: str):
        infer_names, infer_nums = names is None, nums is None  # both given: taken as given
        nums, names = nums or (), names or ()
        self.params: list[inspect.Parameter] | None = None
        try:
            sig = inspect.signature(f)
        except (TypeError, ValueError):
            self.nums, self.names = nums, names
            return
        params = list(sig.parameters.values())
        self.params = params
        P = inspect.Parameter
        pos = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
        var_pos = any(p.kind == P.VAR_POSITIONAL for p in params)
        var_kw = any(p.kind == P.VAR_KEYWORD for p in params)
        by_name = {p.name: p for p in params}
        nums2, names2 = list(nums), list(names)
        for k in nums:
            if k >= len(pos) and not var_pos:
                raise ValueError(
                    f"jit: {what}_argnums contains {k}, but {_name(f)} takes "
                    f"{len(pos)} positional argument(s) ({', '.join(p.name for p in pos)})")
            if k < -len(pos) and not var_pos:
                raise ValueError(f"jit: {what}_argnums contains {k}, but {_name(f)} takes "
                                 f"{len(pos)} positional argument(s)")
            if infer_names and 0 <= k < len(pos) and pos[k].kind == P.POSITIONAL_OR_KEYWORD:
                if pos[k].name not in names2:
                    names2.append(pos[k].name)
        for n in names:
            p = by_name.get(n)
            if p is None and not var_kw or p is not None and p.kind in (
                    P.VAR_POSITIONAL, P.VAR_KEYWORD, P.POSITIONAL_ONLY):
                raise ValueError(
                    f"jit: {what}_argnames contains {n!r}, which {_name(f)} does not take as a "
                    f"keyword argument (its parameters: {', '.join(by_name) or 'none'})")
            if infer_nums and p is not None and p in pos:
                k = pos.index(p)
                if k not in nums2:
                    nums2.append(k)
        self.nums, self.names = tuple(nums2), tuple(names2)

    def name_of(self, k: int) -> str | None:
        """The keyword that position ``k`` may also be passed by (None if none)."""
        if self.params is None or k < 0:
            return None
        P = inspect.Parameter
        pos = [p for p in self.params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
        if k < len(pos) and pos[k].kind == P.POSITIONAL_OR_KEYWORD:
            return pos[k].name
        return None

    def has_default(self, k: int) -> bool:
        P = inspect.Parameter
        if self.params is None:
            return False
        pos = [p for p in self.params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
        return 0 <= k < len(pos) and pos[k].default is not P.empty


def _name(f) -> str:
    return getattr(f, "__name__", type(f).__name__)


def names(value, what: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    try:
        out = tuple(value)
    except TypeError:
        out = None
    if out is None or not all(isinstance(n, str) for n in out):
        raise TypeError(f"jit: {what}_argnames must be a str or a sequence of str, "
                        f"got {value!r}")
    return out


_MAX_ITEMS = 64  # containers and objects larger than this are keyed by identity only


def _kind_of(t: type) -> int:
    if t is float or issubclass(t, _np.floating):
        return 1
    if t is complex or issubclass(t, _np.complexfloating):
        return 2
    if issubclass(t, _SCALAR_TYPES):  # a user subclass with attributes: by those too
        return 5 if _user_class(t) and getattr(t, "__dictoffset__", 0) and not issubclass(
            t, enum.Enum) else 0
    if t is tuple:
        return 3
    if t in _CONTAINERS:
        return 6
    if hasattr(t, "_jit_key"):  # a library object that says what of it to compare
        return 7
    if _user_class(t):
        return 5
    return 4


#: library classes whose instances are plain bags of attributes (a configuration)
_NAMESPACES = frozenset({types.SimpleNamespace, argparse.Namespace})

#: containers keyed by their items (a global list of numbers written between calls)
_CONTAINERS = frozenset({list, dict, set, collections.OrderedDict, collections.defaultdict})


class _Layers(dict):
    """``type -> bool``: whether instances are ``gpuad.nn.Module`` s (filled on first use)."""

    def __missing__(self, t):
        from ..nn.modules import Module

        self[t] = r = issubclass(t, Module)
        return r

    def __contains__(self, t):
        return self[t]


_LAYERS = _Layers()


def _user_class(t: type) -> bool:
    """Instances of classes defined outside the libraries (a method's ``self``, a config
    object) and layers (``gpuad.nn.Module``: a library class whose attributes, such as
    ``negative_slope`` or ``bias``, choose what the program computes) are keyed by their
    attributes; an optimizer (its counters change every step and are handled by the program
    itself) only by identity."""
    if issubclass(t, type):
        return False
    from ..nn.modules import Module

    if issubclass(t, Module) or t in _NAMESPACES:
        return True
    if (t.__module__ or "").split(".")[0] in _LIBRARIES:
        return False
    from ..optim import Optimizer

    return not issubclass(t, Optimizer)


_KINDS: dict[type, int] = {}


def _kind(v) -> int:
    t = type(v)
    k = _KINDS.get(t)
    if k is None:
        k = _KINDS[t] = _kind_of(t)
    return k


_MAX_DEPTH = 4  # objects and containers nested deeper are keyed by identity


def value_key(v, depth: int = 0, sinks: dict | None = None) -> Any:
    """A hashable key for a Python value a compiled program was traced with: scalars by
    type and value (the sign of a zero included); tuples, lists, dicts and sets by their
    items' keys; instances of user classes and layers (``gpuad.nn.Module``) by identity and
    their attributes' keys, four levels deep (so a changed attribute or item is a new key);
    anything else (arrays, Tensors, functions, library objects) by identity: arrays and
    Tensors are read at every call. Containers and objects with more than 64 items, and the
    containers in ``sinks`` (those the function itself fills while tracing: a log, a trace
    counter), are keyed by identity only."""
    k = _kind(v)
    if k == 0:
        return (type(v), v)
    if k == 1:
        return (type(v), v, math.copysign(1.0, v)) if v == 0 else (type(v), v)
    if k == 2:
        return (type(v), repr(v))
    if k == 4 or depth >= _MAX_DEPTH:
        return (None, id(v))
    if k == 7:
        return (None, id(v), v._jit_key())
    if k == 3 or k == 6:
        if k == 6:
            _VOLATILE[0] = True
        if len(v) > _MAX_ITEMS or sinks and id(v) in sinks:
            return (None, id(v))
        if isinstance(v, dict):
            return (None, id(v), tuple((value_key(a, depth + 1, sinks),
                                        value_key(b, depth + 1, sinks)) for a, b in v.items()))
        if isinstance(v, set):
            return (None, id(v), frozenset(value_key(b, depth + 1, sinks) for b in v))
        return (None, id(v), tuple(value_key(b, depth + 1, sinks) for b in v))
    if type(v) in _LAYERS:
        return _layer_key(v, depth, sinks)
    _VOLATILE[0] = True
    return _object_key(v, depth, sinks)


def _object_key(v, depth: int, sinks: dict | None) -> Any:
    d = getattr(v, "__dict__", None)
    if d is None or len(d) > _MAX_ITEMS:
        return (None, id(v))
    data = class_data(type(v))
    if data:
        _VOLATILE[0] = True
    key = (None, id(v), tuple((a, value_key(b, depth + 1, sinks)) for a, b in d.items()),
           tuple((a, value_key(b, depth + 1, sinks)) for a, b in data))
    if isinstance(v, _SCALAR_TYPES):  # (an int subclass: its value too)
        key += (next(b(v) for b in (int, float, complex, str, bytes) if isinstance(v, b)),)
    return key


#: whether the key being computed holds something that may change without a layer attribute
#: write (a list's items, a user object's attributes, a class attribute)
_VOLATILE = [False]
#: id(layer) -> (layer attribute writes when keyed, weak reference, depth, key)
_LAYER_KEYS: dict[int, tuple] = {}


def _layer_key(v, depth: int, sinks: dict | None) -> Any:
    """The key of a ``gpuad.nn.Module``, computed again only after an attribute of some layer
    was written (``Module.__setattr__`` counts them) unless it holds what may change otherwise
    (lists, dicts, user objects, class attributes of a user subclass)."""
    from ..nn.modules import EPOCH

    hit = _LAYER_KEYS.get(id(v))
    if hit is not None and hit[0] == EPOCH[0] and hit[2] == depth and hit[1]() is v:
        return hit[3]
    outer, _VOLATILE[0] = _VOLATILE[0], False
    epoch = EPOCH[0]
    key = _object_key(v, depth, sinks)
    if not _VOLATILE[0] and epoch == EPOCH[0]:
        if len(_LAYER_KEYS) > 4096:
            _LAYER_KEYS.clear()
        _LAYER_KEYS[id(v)] = (epoch, weakref.ref(v), depth, key)
    _VOLATILE[0] = _VOLATILE[0] or outer
    return key


_USER_BASES: dict[type, tuple] = {}


def class_data(t: type) -> list:
    """``(name, value)`` of the data attributes (not functions, properties or other
    descriptors) that ``t`` and its bases defined outside the libraries hold: an instance
    reads them as its own (``self.scale`` set on the class)."""
    out = []
    bases = _USER_BASES.get(t)
    if bases is None:
        bases = _USER_BASES[t] = tuple(c for c in t.__mro__ if c is not object and (
            c.__module__ or "").split(".")[0] not in _LIBRARIES)
    for c in bases:
        for a, b in vars(c).items():
            if not a.startswith("__") and not callable(b) and not hasattr(b, "__get__"):
                out.append((a, b))
    return out if len(out) <= _MAX_ITEMS else []


def containers(objs, sinks: dict, depth: int = 0, out: dict | None = None) -> dict:
    """``{id: (container, its key)}`` for the lists, dicts and sets :func:`value_key` keys
    by their items inside ``objs`` (before a trace, to find those the trace changes)."""
    out = {} if out is None else out
    for v in objs:
        k = _kind(v)
        if k in (0, 1, 2, 4, 7) or depth >= _MAX_DEPTH or id(v) in out or id(v) in sinks:
            continue
        items = _items(v, k)
        if len(items) > _MAX_ITEMS:
            continue
        if k == 6:
            out[id(v)] = (v, value_key(v, 0, sinks))
        containers(items, sinks, depth + 1, out)
    return out


def filled(snapshot: dict, sinks: dict) -> dict:
    """The containers of ``snapshot`` (from :func:`containers`) whose items changed since."""
    return {i: v for i, (v, k) in snapshot.items() if value_key(v, 0, sinks) != k}


def without_contents(key, ids) -> Any:
    """``key`` with the items of the containers ``ids`` left out (keyed by identity)."""
    if type(key) is not tuple:
        return key
    if len(key) == 3 and key[0] is None and key[1] in ids:
        return (None, key[1])
    return tuple(without_contents(k, ids) for k in key)


def _items(v, k: int) -> list:
    if k == 6 and isinstance(v, dict):
        return [*v.keys(), *v.values()]
    if k in (3, 6):
        return list(v)
    return [*getattr(v, "__dict__", {}).values(), *(b for _, b in class_data(type(v)))]


def held(v, depth: int = 0) -> list:
    """The objects :func:`value_key` keys by identity inside ``v`` (to keep alive with a
    cache entry whose key holds their ids)."""
    k = _kind(v)
    if k in (0, 1, 2, 4, 7) or depth >= _MAX_DEPTH:
        return []
    items = _items(v, k)
    if len(items) > _MAX_ITEMS:
        return []
    out = list(items)
    for b in items:
        out += held(b, depth + 1)
    return out


def _deep(v, depth: int = 0) -> bool:
    """Whether the key of ``v`` depends on what it holds (checked on every call)."""
    k = _kind(v)
    if k in (5, 6):
        return True
    return k == 3 and depth < _MAX_DEPTH and len(v) <= _MAX_ITEMS and any(
        _deep(b, depth + 1) for b in v)


# ---- globals and closure variables the function reads --------------------------------------

def _library(fn) -> bool:
    mod = getattr(fn, "__module__", None) or ""
    return mod.split(".")[0] in _LIBRARIES


def _code_names(code, out: set) -> None:
    out.update(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _code_names(c, out)


def _namespace(v) -> bool:
    """Whether the attributes of ``v`` that a function's code names are watched: a module,
    class or function defined outside the libraries, or an instance of such a class."""
    if isinstance(v, types.ModuleType):
        return (v.__name__ or "").split(".")[0] not in _LIBRARIES
    if isinstance(v, type | types.FunctionType):
        return not _library(v)
    return _kind(v) == 5


def _static_attr(obj, name: str):
    """``obj.name`` as Python finds it in the instance and class dictionaries, without
    running a property or ``__getattr__`` (a descriptor is returned as it is)."""
    if isinstance(obj, types.ModuleType | types.FunctionType):
        return obj.__dict__.get(name, _MISSING)
    if not isinstance(obj, type):
        d = getattr(obj, "__dict__", None)
        if d is not None and name in d:
            return d[name]
        obj = type(obj)
    for c in obj.__mro__:
        if name in c.__dict__:
            return c.__dict__[name]
    return _MISSING


def _path_getter(root, name: str):
    def get():
        r = root()
        return _MISSING if r is _MISSING else _static_attr(r, name)
    return get


def watch_list(f) -> list[tuple]:
    """``(kind, where, name)`` of every global (``"g"``, the module dict) and closure variable
    (``"c"``, the cell) that ``f``'s code reads, of the default arguments and of the
    attributes its code names on the modules, classes and objects it reads (``"x"``, a
    function that reads the value), and those of the user functions it reaches through them
    (library functions are looked through, not watched: their closures only)."""
    from .api import Jitted

    out: list[tuple] = []
    seen: set[int] = set()

    def attrs(get, v, used: set, depth: int) -> None:
        # cfg.scale, Config.scale, obj.sub.scale, fn.attr: each named attribute, read
        # afresh through ``get`` (so a rebound root is followed)
        if depth > 3 or not _namespace(v):
            return
        for name in sorted(used):
            a = _static_attr(v, name)
            if a is _MISSING or isinstance(a, types.ModuleType) or len(out) >= _MAX_WATCHED:
                continue
            get2 = _path_getter(get, name)
            out.append(("x", get2, name))
            if isinstance(a, types.FunctionType):
                visit(a, depth + 1)
            else:
                attrs(get2, a, used, depth + 1)

    def visit(fn, depth: int) -> None:
        if depth > 6 or len(out) >= _MAX_WATCHED:
            return
        if isinstance(fn, Jitted):
            fn = fn.f
        if hasattr(fn, "func") and hasattr(fn, "keywords"):  # functools.partial
            visit(fn.func, depth + 1)
            return
        if isinstance(fn, types.MethodType):
            if _kind(fn.__self__) == 5:  # a bound method: its instance's attributes too
                out.append(("c", types.CellType(fn.__self__), "self"))
            fn = fn.__func__
        if not isinstance(fn, types.FunctionType):
            if callable(fn) and not isinstance(fn, type):  # a callable object: its __call__
                if _kind(fn) == 5:
                    out.append(("c", types.CellType(fn), "self"))
                call = type(fn).__call__
                if isinstance(call, types.FunctionType):
                    visit(call, depth + 1)
            return
        if id(fn) in seen:
            return
        seen.add(id(fn))
        lib = _library(fn)
        used: set = set()
        if not lib:
            _code_names(fn.__code__, used)
            if fn.__defaults__ is not None:  # f.__defaults__ rebound or a list default mutated
                out.append(("x", lambda fn=fn: fn.__defaults__, "__defaults__"))
            if fn.__kwdefaults__ is not None:
                out.append(("x", lambda fn=fn: fn.__kwdefaults__, "__kwdefaults__"))
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=False):
            try:
                v = cell.cell_contents
            except ValueError:
                v = _MISSING
            if not lib:
                out.append(("c", cell, name))
                attrs(lambda cell=cell: _cell(cell), v, used, depth)
            if callable(v) and not isinstance(v, type):
                visit(v, depth + 1)
        if lib:
            return
        g = fn.__globals__
        for name in sorted(used):
            if name not in g:
                continue
            v = g[name]
            attrs(lambda g=g, name=name: g.get(name, _MISSING), v, used, depth)
            if isinstance(v, types.ModuleType):
                continue
            out.append(("g", g, name))
            if callable(v) and not isinstance(v, type):
                visit(v, depth + 1)

    visit(f, 0)
    return out[:_MAX_WATCHED]


def _cell(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return _MISSING


class Watch:
    """The watched names of one function and the key of their values, recomputed only when
    one of them is bound to another object since the last call."""

    __slots__ = ("groups", "cells", "getters", "last", "ids", "key", "deep", "simple",
                 "active", "sinks")

    def __init__(self, watch: list[tuple], sinks: dict | None = None):
        self.sinks = {} if sinks is None else sinks  # see value_key
        by_dict: dict[int, tuple[dict, list]] = {}
        for kind, where, name in watch:
            if kind == "g":
                by_dict.setdefault(id(where), (where, []))[1].append(name)
        self.groups = [(d, names, operator.itemgetter(*names)) for d, names in by_dict.values()]
        self.cells = [where for kind, where, _ in watch if kind == "c"]
        self.getters = [where for kind, where, _ in watch if kind == "x"]
        self.last: list = []  # the objects last seen (alive, so their ids stay theirs)
        self.ids: tuple | None = None
        self.key: tuple = ()
        self.deep: list[int] = []
        self.active = bool(self.groups or self.cells or self.getters)
        # one module's globals, two or more names: gathered by one itemgetter call
        self.simple = (self.groups[0][0], self.groups[0][2]) if (
            len(self.groups) == 1 and not self.cells and not self.getters
            and len(self.groups[0][1]) > 1) else None

    def objects(self) -> list:
        objs: list = []
        for d, names, get in self.groups:
            try:
                got = get(d)
            except KeyError:  # a name deleted since
                got = tuple(d.get(n, _MISSING) for n in names)
                got = got[0] if len(names) == 1 else got
            if len(names) == 1:
                objs.append(got)
            else:
                objs.extend(got)
        for c in self.cells:
            try:
                objs.append(c.cell_contents)
            except ValueError:
                objs.append(_MISSING)
        for get in self.getters:
            try:
                objs.append(get())
            except Exception:  # noqa: BLE001 - an object changed beyond reading: its own key
                objs.append(_MISSING)
        return objs

    def read(self) -> tuple:
        objs = None
        if self.simple is not None:
            try:
                objs = self.simple[1](self.simple[0])
            except KeyError:
                pass
        if objs is None:
            objs = self.objects()
        ids = tuple(map(id, objs))
        if ids != self.ids:
            self.key = tuple(value_key(o, 0, self.sinks) for o in objs)
            self.last, self.ids = objs, ids
            self.deep = [i for i, o in enumerate(objs) if _deep(o)]
        elif self.deep:  # containers and objects: their contents may have changed
            key = list(self.key)
            for i in self.deep:
                key[i] = value_key(objs[i], 0, self.sinks)
            self.key = tuple(key)
        return self.key


# ---- arrays consumed by donation -------------------------------------------------------------

#: id(array) -> weak reference, for every array donated to a compiled call
_CONSUMED: dict[int, Any] = {}


def consume(arr, fname: str) -> None:
    """Mark ``arr`` as donated: passing it to a jitted function again raises."""
    key = id(arr)

    def gone(_ref, key=key):
        _CONSUMED.pop(key, None)
    try:
        _CONSUMED[key] = (weakref.ref(arr, gone), fname)
    except TypeError:  # an array type without weak references: not tracked
        pass


def check_unconsumed(arr, where: str) -> None:
    hit = _CONSUMED.get(id(arr))
    if hit is not None and hit[0]() is arr:
        raise RuntimeError(
            f"jit: {where} is an array that was donated to an earlier call of {hit[1]} "
            f"(donate_argnums): the compiled program may have reused its buffer, so its "
            f"values are gone. Pass a fresh array (a copy), or do not donate it")


def any_consumed() -> bool:
    return bool(_CONSUMED)
