"""Which code converts a Tensor to a Python number through ``Tensor.__float__``.

``float(t)`` is an explicit detach. A function written in C that takes numbers converts its
argument with ``float()`` as well (``math.sin(t)``, ``math.fsum``, ``numpy.fromiter``,
``array.array('d', ...)``), and what it computes would carry no derivative: for a Tensor being
recorded such a conversion is refused. The converter is found from the calling frame: the source
span of the instruction it runs (``code.co_positions()``) is parsed once per call site, and the
called expression, a chain of names and attributes, is looked up in the frame's namespaces
without running any code (``inspect.getattr_static``).

The rule (docs/semantics.md, "Host scalars are constants"):

- allowed: explicit conversions (``float``, ``int``, ``complex``, ``round``, ``str``,
  ``format``, ``print``, NumPy's scalar types such as ``numpy.float64``), ``math``'s piecewise
  constant functions (``isnan``, ``isinf``, ``isfinite``, ``isclose``, ``floor``, ``ceil``,
  ``trunc``), NumPy's printing, and whatever cannot be seen (no source, a callee that is not a
  chain of names, gpuad's own code);
- refused: every other function written in C, starting with ``math``, ``cmath``, ``array``
  and ``numpy.fromiter``, and code of the ``statistics`` module;
- functions that only hand values to others (``map``, ``sorted``, ``functools.reduce``) are
  judged by the callables given to them: ``list(map(float, ts))`` is allowed,
  ``sorted(ts, key=math.exp)`` refused.

Example::

    refused_by(sys._getframe(2))   # ("math.sin", "gpuad.numpy.sin") inside math.sin(t)
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import sys
import textwrap
import types
from typing import Any

import numpy as _np

_MISSING = object()
_OK = "ok"  # an explicit conversion, or code we cannot see: a constant, as float(t) gives
_PASS = "pass"  # code that only hands values on (map, sorted, functools.reduce): see its args

# explicit conversions and printing (print and str reach __repr__, '%f' % t is no call)
_EXPLICIT = frozenset({float, int, complex, round, str, repr, format, print, bool})
_EXPLICIT_TYPES = (_np.generic, float, int, complex, str)  # and subclasses: numpy.float64(t)
# math's functions whose result is piecewise constant in the argument: no derivative is lost
_PREDICATES = frozenset({"isnan", "isinf", "isfinite", "isclose", "floor", "ceil", "trunc"})
# modules whose functions hand values on to callables given to them
_MOVERS = frozenset({"builtins", "functools", "itertools"})
# modules whose code converts values for printing only
_PRINTING = frozenset({"numpy._core.arrayprint", "numpy.core.arrayprint"})
_CO_OPTIMIZED = inspect.CO_OPTIMIZED

# gpuad's counterparts of math's names that differ from gpuad.numpy's
_INSTEAD = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
            "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "pow": "power",
            "fabs": "abs", "dist": "linalg.norm", "phase": "angle", "polar": "abs"}
_SPECIAL = {"erf": "erf", "erfc": "erfc", "gamma": "gamma", "lgamma": "gammaln"}
_STACKED = {"fsum": "sum", "prod": "prod", "sumprod": "dot"}


class _Site:
    """What one call site calls: the chain of names of the callee and of callables handed to
    calls in it as arguments (``map(math.sin, ts)``, ``sorted(ts, key=math.exp)``)."""

    __slots__ = ("callee", "args", "refused", "name")

    def __init__(self, callee, args, refused=None):
        self.callee = callee  # (scope, names) or None
        self.args = args  # [(scope, names)]
        self.refused = refused  # (name, instead) refused whatever is called, or None
        # a callee that is one global name (float(t)): looked up here without _resolve
        self.name = callee[1][0] if callee and callee[0] == "global" and len(callee[1]) == 1 \
            else None


# (id(code), lasti) -> (code, site); the code object is kept, so its id stays its own
_sites: dict[tuple[int, int], tuple[Any, Any]] = {}
_MAX_SITES = 4096
_last: tuple = (None, -1, None)  # the site looked up last: (code, lasti, site)


def refused_by(f: types.FrameType) -> tuple[str, str] | None:
    """``(name, instead)`` when the code running in frame ``f`` converts a value with
    ``float()`` inside a function whose result would silently lose its derivative; else None."""
    global _last
    code, lasti = f.f_code, f.f_lasti
    last = _last  # (one tuple: read and written whole by each thread)
    if last[0] is code and last[1] == lasti:  # a loop converting at one place
        site = last[2]
    else:
        site = _cached_site(f, code, lasti)
        _last = (code, lasti, site)
    if site is None:
        return None
    if site.refused is not None:
        return site.refused
    name = site.name
    if name is not None:  # float(loss) in a training loop: two lookups
        fn = f.f_globals.get(name, _MISSING)
        if fn is _MISSING:
            fn = f.f_builtins.get(name, _MISSING)
            if fn is float or fn is complex:
                return None
    else:
        fn = _resolve(f, site.callee) if site.callee is not None else _MISSING
    verdict = _PASS if fn is _MISSING else _classify(fn)
    if verdict is not _PASS:
        return None if verdict is _OK else verdict
    refused = None
    for chain in site.args:  # map(math.sin, ts), sorted(ts, key=math.exp)
        arg = _resolve(f, chain)
        if arg is _MISSING or not callable(arg):
            continue
        v = _classify(arg)
        if v is _OK and _explicit(arg):
            return None  # list(map(float, ts)): the conversion is float's
        if refused is None and v is not _OK and v is not _PASS:
            refused = v
    return refused


def calls_scalar_type(f: types.FrameType) -> bool:
    """Whether the code running in frame ``f`` calls one of NumPy's scalar types
    (``numpy.float32(t)``, ``numpy.complex128(t)``), which convert through ``__array__``: an
    explicit conversion, as ``float(t)`` is."""
    site = _cached_site(f, f.f_code, f.f_lasti)
    if site is None or site.callee is None or site.refused is not None:
        return False
    fn = _resolve(f, site.callee)
    return isinstance(fn, type) and issubclass(fn, _np.generic)


def gpuad_scalar_type(f: types.FrameType) -> str | None:
    """The call as written (``"gnp.float32"``) where the code running in frame ``f`` calls one
    of NumPy's inexact scalar types through a gpuad module (``gnp.float32(t)``); else None.
    jax.numpy's scalar types are differentiable casts (``jnp.float32(x)``), NumPy's make
    constants: spelled through gpuad the call is ambiguous, and refused for a recorded Tensor
    (``numpy.float32(t)`` stays an explicit conversion)."""
    site = _cached_site(f, f.f_code, f.f_lasti)
    if site is None or site.callee is None or site.refused is not None:
        return None
    scope, names = site.callee
    if len(names) < 2:
        return None
    fn = _resolve(f, site.callee)
    if not (isinstance(fn, type) and issubclass(fn, _np.inexact)):
        return None
    owner = _resolve(f, (scope, names[:-1]))
    if type(owner) is types.ModuleType and owner.__name__.partition(".")[0] == "gpuad":
        return ".".join(names)
    return None


def gpuad_scalar_type_message(spelled: str, shape: tuple, what: str) -> str:
    """The error for ``gnp.float32(t)`` on a recorded Tensor (see ``gpuad_scalar_type``)."""
    name = spelled.rpartition(".")[2]
    return (f"{spelled}(t) makes a NumPy scalar, a constant that would silently drop the "
            f"derivative of this Tensor of shape {shape} that {what} (gpuad.numpy's scalar "
            f"types are NumPy's own; jax.numpy's jnp.{name}(x) is a differentiable cast). "
            f"Write t.astype(gnp.{name}) or gnp.asarray(t, gnp.{name}) for a recorded cast, "
            f"or numpy.{name}(t), float(t) or gpuad.stop_gradient(t) where a constant is meant")


def _cached_site(f: types.FrameType, code: types.CodeType, lasti: int) -> _Site | None:
    key = (id(code), lasti)
    hit = _sites.get(key)
    if hit is None or hit[0] is not code:
        if len(_sites) >= _MAX_SITES:  # code made at run time (exec) does not pile up
            _sites.clear()
        hit = _sites[key] = (code, _site(f))
    return hit[1]


def called_numpy_function(f: types.FrameType) -> str | None:
    """The public name (``"ascontiguousarray"``, ``"maximum.reduce"``) of the NumPy function
    (or ufunc method) the code running in frame ``f`` calls, where it is one of ``numpy``'s
    own (written in C); else None."""
    site = _cached_site(f, f.f_code, f.f_lasti)
    if site is None or site.callee is None or site.refused is not None:
        return None
    fn = _resolve(f, site.callee)
    name = getattr(fn, "__name__", None)
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, _np.ufunc) and getattr(_np, owner.__name__, None) is owner:
        return f"{owner.__name__}.{name}"  # m = numpy.maximum.reduce; m([a, b])
    scope, names = site.callee
    if len(names) > 1 and getattr(fn, "__objclass__", None) is _np.ufunc:
        owner = _resolve(f, (scope, names[:-1]))  # numpy.maximum.reduce([a, b])
        if isinstance(owner, _np.ufunc) and getattr(_np, owner.__name__, None) is owner:
            return f"{owner.__name__}.{names[-1]}"
    if fn is _MISSING or not isinstance(name, str) or getattr(_np, name, None) is not fn:
        return None
    return name


# ---- the call site: parsed once ---------------------------------------------------------------


def _site(f: types.FrameType) -> _Site | None:
    mod = f.f_globals.get("__name__", "")
    mod = mod if isinstance(mod, str) else ""
    top = mod.partition(".")[0]
    if top == "gpuad" or mod in _PRINTING:
        return None  # gpuad's own conversions (and gpuad.jit's hooks around __float__)
    if top == "statistics":
        name = _statistics_function(f)
        return _Site(None, [], (name, _instead_statistics(name)))
    expr = _expression(f.f_code, f.f_lasti)
    if expr is None:
        return None
    code = f.f_code
    callee = _chain(expr.func, code) if isinstance(expr, ast.Call) else None
    args = []
    for node in ast.walk(expr):
        if isinstance(node, ast.Call):
            for a in [*node.args, *(k.value for k in node.keywords)]:
                c = _chain(a, code)
                if c is not None:
                    args.append(c)
    if callee is None and not args:
        return None
    return _Site(callee, args)


def _expression(code: types.CodeType, lasti: int) -> ast.expr | None:
    """The expression the instruction at ``lasti`` evaluates (a call, or the iterable of a
    ``for``), parsed from the source; None where there is no source or it does not parse."""
    try:
        line, end, col, end_col = list(code.co_positions())[lasti // 2]
    except (AttributeError, IndexError, ValueError):
        return None
    if line is None or end is None or col is None or end_col is None:
        return None
    lines = linecache.getlines(code.co_filename)
    if not lines or end > len(lines) or line < 1:
        return None
    chunk = [s.encode("utf-8") for s in lines[line - 1:end]]  # (columns count UTF-8 bytes)
    if len(chunk) == 1:
        text = chunk[0][col:end_col]
    else:  # the first line indented as in the file, for a for statement's body
        text = b" " * col + chunk[0][col:] + b"".join(chunk[1:-1]) + chunk[-1][:end_col]
    try:
        src = text.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        return ast.parse(src.strip(), mode="eval").body
    except SyntaxError:
        pass
    try:  # the whole for statement (FOR_ITER before Python 3.13): its iterable
        body = ast.parse(textwrap.dedent(src), mode="exec").body
    except SyntaxError:
        return None
    if body and isinstance(body[0], ast.For | ast.AsyncFor):
        return body[0].iter
    return None


def _chain(node: ast.AST, code: types.CodeType) -> tuple[str, tuple[str, ...]] | None:
    """``math.sin`` as ``(scope, ("math", "sin"))``: scope "fast" (a local of a function),
    "global" (globals, then builtins) or "name" (a module's or class body's names first)."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    names.append(node.id)
    names.reverse()
    root = node.id
    if not code.co_flags & _CO_OPTIMIZED:
        scope = "name"
    elif root in code.co_varnames or root in code.co_cellvars or root in code.co_freevars:
        scope = "fast"
    else:
        scope = "global"
    return scope, tuple(names)


def _statistics_function(f: types.FrameType) -> str:
    """The statistics function called from outside the module (its outermost frame)."""
    name = f.f_code.co_name
    while f is not None and f.f_globals.get("__name__") == "statistics":
        name = getattr(f.f_code, "co_qualname", f.f_code.co_name)
        f = f.f_back
    return f"statistics.{name.removesuffix('.__init__')}"


# ---- at each call: the objects ----------------------------------------------------------------


def _resolve(f: types.FrameType, chain: tuple[str, tuple[str, ...]]) -> Any:
    scope, names = chain
    root = names[0]
    obj = _MISSING
    if scope != "global":
        obj = f.f_locals.get(root, _MISSING)
    if obj is _MISSING and scope != "fast":
        obj = f.f_globals.get(root, _MISSING)
        if obj is _MISSING:
            obj = f.f_builtins.get(root, _MISSING)
    for attr in names[1:]:
        if obj is _MISSING:
            break
        if type(obj) is types.ModuleType:
            obj = obj.__dict__.get(attr, _MISSING)
        else:
            try:
                obj = inspect.getattr_static(obj, attr)
            except AttributeError:
                return _MISSING
    return obj


def _explicit(fn: Any) -> bool:
    while isinstance(fn, functools.partial):
        fn = fn.func
    try:
        return fn in _EXPLICIT or (isinstance(fn, type) and issubclass(fn, _EXPLICIT_TYPES))
    except TypeError:
        return False


def _classify(fn: Any) -> Any:
    """``_OK``, ``_PASS`` or the refused function's ``(name, instead)``."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    if _explicit(fn):
        return _OK
    if fn is _np.fromiter:
        return "numpy.fromiter", "gpuad.numpy.stack([...]) of the Tensors"
    kind = type(fn)
    if kind is types.FunctionType or kind is types.MethodType:
        return _OK  # Python code: its own conversions are calls in its own frames
    if isinstance(fn, type):
        module, name = fn.__module__, fn.__qualname__
    else:
        module, name = _where(fn)
        if module is None:
            return _OK
    if module.startswith("_") and module[1:] in sys.modules:
        module = module[1:]  # _functools.reduce is functools.reduce, _operator's operator's
    top = module.partition(".")[0]
    if top in ("math", "cmath"):
        if name in _PREDICATES:
            return _OK
        return f"{module}.{name}", _instead_math(name)
    if top == "array":
        return f"array.{name}", "gpuad.numpy.stack([...]) of the Tensors"
    if top in _MOVERS:
        return _PASS
    return f"{module}.{name} (written in C)", _instead_other(module, name)


def _where(fn: Any) -> tuple[str | None, str]:
    """The module and qualified name of a callable written in C (None: a Python one)."""
    kind = type(fn)
    for k in kind.__mro__:
        call = k.__dict__.get("__call__")
        if call is not None:
            if isinstance(call, types.FunctionType):
                return None, ""  # an instance of a Python class: its __call__ has a frame
            break
    owner = getattr(fn, "__objclass__", None)  # a method descriptor of a C type
    name = getattr(fn, "__name__", "?")
    if isinstance(owner, type):
        return owner.__module__, f"{owner.__qualname__}.{name}"
    if kind is types.BuiltinFunctionType:
        self_ = fn.__self__
        if self_ is not None and not isinstance(self_, types.ModuleType):
            cls = self_ if isinstance(self_, type) else type(self_)  # a bound C method
            return cls.__module__, f"{cls.__qualname__}.{name}"
    module = getattr(fn, "__module__", None)
    return (module if isinstance(module, str) else kind.__module__), name


def _instead_math(name: str) -> str:
    if name in _STACKED:
        return f"gpuad.numpy.{_STACKED[name]}(gnp.stack([...]))"
    if name in _SPECIAL:
        return f"gpuad.scipy.special.{_SPECIAL[name]}"
    target = _INSTEAD.get(name, name)
    return f"gpuad.numpy.{target}" if _gnp_has(target) else "gpuad.numpy functions"


def _instead_statistics(name: str) -> str:
    short = name.rpartition(".")[2]
    if name.startswith("statistics.NormalDist"):
        return "gpuad.scipy.stats.norm"
    if short in ("mean", "fmean", "median", "var", "std"):
        return f"gpuad.numpy.{'mean' if short == 'fmean' else short}"
    return "gpuad.numpy functions (gnp.mean, gnp.std, gnp.var, gnp.median)"


def _instead_other(module: str, name: str) -> str:
    if module.partition(".")[0] == "numpy" and "." not in name and _gnp_has(name):
        return f"gpuad.numpy.{name}"
    return "gpuad.numpy functions"


def _gnp_has(dotted: str) -> bool:
    from . import numpy as gnp

    obj: Any = gnp
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
    return obj is not None


def message(name: str, instead: str, shape: tuple, what: str) -> str:
    """The error for a refused conversion of a Tensor of ``shape`` that ``what``."""
    return (f"{name} converts its argument to a Python number, which would silently drop the "
            f"derivative of this Tensor of shape {shape} that {what}: what it computes would be "
            f"a constant (the gradient would be wrong). Use {instead} on the Tensor (recorded), "
            f"or, where a constant is meant, convert explicitly: float(t), t.item() or "
            f"gpuad.stop_gradient(t)")
