"""NumPy's own functions on Tensors, and Python containers of Tensors as array arguments.

- ``Tensor.__array_ufunc__`` (NEP 13) and ``Tensor.__array_function__`` (NEP 18) send
  ``numpy.sin(t)``, ``numpy.sum(t, axis=0)``, ``numpy.stack([t, u])``, ``ndarray * t``,
  ``numpy.linalg.*`` and ``numpy.fft.*`` to the ``gpuad.numpy`` function of the same module and
  name, looked up at call time, so they are recorded like the ``gpuad.numpy`` call. A NumPy
  function without a counterpart raises ``TypeError`` naming it.
- A Tensor that is being recorded (it requires grad, or carries forward-mode tangents) never
  becomes a NumPy array silently: ``numpy.asarray(t)``, ``ndarray.dot(t)`` and writes into NumPy
  arrays (``out[i] = t``) raise. ``float(t)``, ``t.item()``, ``t.numpy()`` and
  ``gpuad.stop_gradient(t)`` are the explicit ways to get a constant.
- Lists and tuples holding Tensors, given where ``gpuad.numpy`` expects an array, are stacked
  (a recorded, differentiable step), as ``numpy.asarray`` would build an array from them.
"""

from __future__ import annotations

import dis
import functools
import inspect
import opcode
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as _np

from . import _float_callers, _state
from .backends import _by_array_type, get_backend
from .tensor import Tensor, _batched_data_error

_local = _state.local
_gnp: Any = None  # gpuad.numpy, bound by install()
_r: Any = None  # gpuad.rules
_engine: Any = None

_CONTAINERS = (list, tuple)
_ndarray = _np.ndarray

# ---- recorded tensors never become NumPy arrays silently ----------------------------------------


def recording(t: Tensor) -> bool:
    """Whether converting ``t`` to a constant would drop a derivative being computed: also
    inside a checkpointed block's forward (no_grad, but the block's inputs are collected)."""
    return _live_tangents(t) or (t.requires_grad and (_local.grad_enabled or
                                                      _local.collect is not None))


def _live_tangents(t: Tensor) -> bool:
    """Whether ``t`` carries a tangent of a forward-mode level still open (those of a finished
    ``jvp`` or a closed ``dual_level`` are read by nobody)."""
    return bool(t._tan) and not _state.jvp_levels.isdisjoint(t._tan)


def _size(t: Tensor) -> int:
    n = 1
    for d in t.shape:
        n *= d
    return n


def _what(t: Tensor) -> str:
    return ("carries forward-mode tangents" if _live_tangents(t) else "requires grad")


def refuse_array(t: Tensor) -> None:
    """Raise for ``numpy.asarray(t)`` (and every implicit conversion NumPy makes) on a recorded
    Tensor. Called by ``Tensor.__array__`` only for tensors that require grad or carry tangents."""
    if recording(t):
        spelled = _float_callers.gpuad_scalar_type(sys._getframe(2))
        if spelled is not None:  # gnp.float32(t): a cast to JAX's users, a constant to NumPy's
            raise TypeError(_float_callers.gpuad_scalar_type_message(spelled, t.shape, _what(t)))
        if _float_callers.calls_scalar_type(sys._getframe(2)):  # numpy.float32(t): explicit
            if _size(t) == 1:
                return
            raise TypeError(
                f"a NumPy scalar type (numpy.float64(t), numpy.float32(t), ...) was called on a "
                f"Tensor of shape {t.shape} that {_what(t)}: for more than one element it makes "
                f"a constant array, which would silently drop the gradient; write "
                f"t.astype(numpy.float64) (recorded), or t.numpy() for a constant")
        via = _numpy_caller()
        if via is None:  # numpy.ascontiguousarray(t), numpy.arange(t): NumPy's C functions
            name = _float_callers.called_numpy_function(sys._getframe(2))
            if name is not None and "." in name:  # a ufunc method given a list of Tensors
                raise TypeError(
                    f"numpy.{name} converts its argument to a NumPy array (a list or tuple of "
                    f"Tensors is not handed to Tensors), which would silently drop the gradient "
                    f"of this Tensor of shape {t.shape} that {_what(t)}; stack the Tensors "
                    f"first (numpy.{name}(gnp.stack([a, b])), recorded), or pass t.numpy() for "
                    f"a constant result")
            if name is not None and name not in ("asarray", "array"):
                named = _numpy_caller(sys._getframe(2), ("numpy", name))
                if named is not None:
                    def via(t, named=named):
                        return (f"{named(t)}; a list or tuple of Tensors given to it is "
                                f"converted this way too: stack it first (gnp.stack([a, b]), "
                                f"recorded)")
        if via is not None:
            msg = via(t)
            if "gnp.stack" not in msg and _given_a_list_of_tensors(sys._getframe(2)):
                msg += ("; a list or tuple of Tensors given to it is converted this way too: "
                        "stack it first (gnp.stack([a, b]), recorded)")
            raise TypeError(msg)
        raise TypeError(
            f"a Tensor of shape {t.shape} that {_what(t)} was converted to a NumPy array "
            f"(numpy.asarray/numpy.array, an ndarray method such as ndarray.dot, or a write "
            f"into a NumPy array), which would silently drop its gradient. Call NumPy functions "
            f"on the Tensor itself (numpy.dot(a, t) and gpuad.numpy functions are recorded), "
            f"use t.numpy() for a host copy or gpuad.stop_gradient(t) for a constant; to fill "
            f"an array element by element, make it a Tensor (out = gpuad.tensor(gnp.zeros(n))), "
            f"whose writes are recorded; a list of Tensors given to a NumPy function "
            f"(numpy.sum([a, b]), numpy.max([a, b], axis=0)) is converted this way too: stack "
            f"it first (numpy.sum(gnp.stack([a, b])))"
        )


def _numpy_caller(f=None, default: tuple = (None, None)):
    """Where a NumPy function written in Python (one NumPy does not hand to Tensors through
    ``__array_function__``, such as ``numpy.asarray_chkfinite``) converted a recorded Tensor
    (in frame ``f``, else the caller of ``Tensor.__array__``): a maker of the error message
    naming it and what to use instead, or None. ``default``: the (module, name) to name when
    ``f`` is not NumPy's code."""
    if f is None:
        try:
            f = sys._getframe(3)  # 0: here, 1: refuse_array, 2: Tensor.__array__, 3: converter
        except ValueError:
            return None
    if _in_numpy(f):
        f = _outermost(f)  # the NumPy function the user called, not its helpers
        if f.f_globals.get("__name__", "").startswith("numpy.polynomial"):
            return _polynomial_caller(f)
        public, name = _called(f)
        args = "[...]" if f.f_code.co_name == "__getitem__" else "(...)"  # numpy.r_[a, t]
    else:
        public, name = default
        args = "(...)"
    if public is None:
        return None
    advice = _ADVICE.get(f"{public}.{name}") or _ADVICE.get(public)
    fn = None if advice is not None else _lookup(public, name) if args == "(...)" else \
        getattr(_module(public), name, None)

    def message(t):
        instead = (advice if advice is not None else
                   f"{'use' if args == '[...]' else 'call'} {_public(public, name)}{args} "
                   f"instead, which is recorded" if fn is
                   not None else f"gpuad has no counterpart ({_public(public, name)}): compose "
                   f"it from gpuad.numpy functions")
        return (f"{public}.{name} converts its argument to a NumPy array (NumPy does not hand "
                f"it to Tensors), which would silently drop the gradient of this Tensor of "
                f"shape {t.shape} that {_what(t)}; {instead}, or pass t.numpy() for a "
                f"constant result")
    return message


def _polynomial_caller(f):
    """The message for a Tensor converted inside ``numpy.polynomial``, naming what the user
    called (the outermost of its frames: a series function or a class method) and its
    ``gpuad.numpy.polynomial`` counterpart. (A name NumPy's top level shares, such as
    ``polyval``, takes its coefficients in the other order there.)"""
    while f.f_back is not None and f.f_back.f_globals.get(
            "__name__", "").startswith("numpy.polynomial"):
        f = f.f_back
    mod, name = f.f_globals["__name__"], f.f_code.co_name
    owner = f.f_locals.get("self", f.f_locals.get("cls"))
    if mod == "numpy.polynomial._polybase" and owner is not None:
        cls = (owner if isinstance(owner, type) else type(owner)).__name__
        method = "" if name in ("__init__", "__call__") else f".{name}"
        what, target, attr = f"numpy.polynomial.{cls}{method}", "gpuad.numpy.polynomial", cls
        public = f"{target}.{cls}{method}"
    else:
        what, target, attr = f"{mod}.{name}", f"gpuad.{mod}", name
        public = f"{target}.{attr}"
    try:
        import importlib

        fn = getattr(importlib.import_module(target), attr, None)
    except ImportError:
        fn = None
    instead = (f"call {public} instead, which is recorded" if fn is not None else
               f"gpuad has no counterpart ({public}): compose it from gpuad.numpy functions")

    def message(t):
        return (f"{what} converts its argument to a NumPy array (NumPy does not hand it to "
                f"Tensors), which would silently drop the gradient of this Tensor of shape "
                f"{t.shape} that {_what(t)}; {instead}, or pass t.numpy() for a constant "
                f"result")
    return message


def _given_a_list_of_tensors(f) -> bool:
    """Whether the NumPy function converting in frame ``f`` (or one calling it) was given a
    list or tuple holding Tensors: ``numpy.sum([a, b])``."""
    while f is not None and not _in_numpy(f):
        f = f.f_back
    while f is not None and _in_numpy(f):
        for v in f.f_locals.values():
            if v.__class__ in (list, tuple) and any(isinstance(e, Tensor) for e in v):
                return True
        f = f.f_back
    return False


def _in_numpy(f) -> bool:
    mod = f.f_globals.get("__name__", "")
    return mod == "numpy" or mod.startswith("numpy.")


def _outermost(f):
    """The outermost of the NumPy frames around ``f`` (a NumPy frame): the function the user
    called, not its helpers; also through gpuad's guard of numpy.ma's ``getdata``, which
    NumPy's functions call as their own."""
    top = f
    while f.f_back is not None:
        f = f.f_back
        if _in_numpy(f):
            top = f
        elif f.f_globals.get("__name__") != "gpuad._numpy_ma":
            break
    return top


def _called(f) -> tuple:
    """The public module and name of the NumPy function (or class, for ``__new__`` and
    ``__init__``; or callable object, for ``__call__``) running in frame ``f``: one whose
    public object runs this very code, so a same-named function of another module
    (``numpy.ma.sum``, ``numpy.sum``) is never named."""
    code, name = f.f_code, f.f_code.co_name
    if name in ("__call__", "__getitem__"):  # numpy.ma.exp, numpy.r_: helper instances
        obj = f.f_locals.get("self")
        return next(((m, k) for m in (*_MODULES, *_MORE_PUBLIC)
                     for k, v in vars(sys.modules.get(m, types)).items()
                     if v is obj and not k.startswith("_")), (None, name))
    if name in ("__new__", "__init__"):
        name = code.co_qualname.rpartition(".")[0].rpartition(".")[2]
    for m in (*_MODULES, *_MORE_PUBLIC):
        mod = sys.modules.get(m)
        obj = getattr(mod, name, None)
        if obj is not None and _runs(obj, code):
            if isinstance(obj, type):  # numpy.ma.MaskedArray is numpy.ma.masked_array too
                also = [k for k, v in vars(mod).items() if v is obj and k != name]
                name += f" ({', '.join(also)})" if also else ""
            return m, name
    for m in (*_MODULES, *_MORE_PUBLIC):  # a closure made under another name (numpy.ma.sum)
        for k, obj in vars(sys.modules.get(m, types)).items():
            if getattr(obj, "__code__", None) is code and all(
                    f.f_locals.get(v) is c.cell_contents
                    for v, c in zip(code.co_freevars, obj.__closure__ or (), strict=False)) \
                    and getattr(obj, "__self__", f.f_locals.get("self")) is f.f_locals.get(
                        "self"):  # a bound method: of this very object (ma.sometrue, alltrue)
                return m, k
    return None, name


def _runs(obj, code) -> bool:
    while obj is not None:
        if getattr(obj, "__code__", None) is code:
            return True
        if isinstance(obj, type):
            return any(getattr(getattr(obj, k, None), "__code__", None) is code
                       for k in ("__new__", "__init__"))
        obj = getattr(obj, "__wrapped__", None)
    return False


_MA_ADVICE = (
    "gpuad has no masked arrays: keep the mask as a boolean array beside the Tensor and use "
    "gnp.where(mask, fill, t) for the filled values, gnp.sum(gnp.where(mask, 0.0, t)) or the "
    "nan-reductions (gnp.nanmean(gnp.where(mask, gnp.nan, t))) for reductions over the "
    "unmasked entries, and t[~mask] for the compressed values (all recorded)")
# NumPy modules whose Python functions convert their arguments, beyond those of _MODULES
_MORE_PUBLIC = ("numpy.ma", "numpy.lib.stride_tricks", "numpy.lib.scimath")
# What to use instead, where gpuad's function of the name is not NumPy's (by the full name
# or the module): never a gpuad function whose meaning differs
_ADVICE = {
    "numpy.ma": _MA_ADVICE,
    "numpy.lib.scimath": (
        "gpuad has no numpy.emath (numpy.lib.scimath), whose result is complex only where "
        "an input is out of the real domain (a dtype decided by the values): give gpuad.numpy "
        "a complex Tensor (gnp.sqrt(t.astype(complex))) for complex results, or the real "
        "function where the values are in its domain"),
    "numpy.lib.stride_tricks.as_strided": (
        "gpuad cannot record a view with arbitrary byte strides: use "
        "gpuad.numpy.lib.stride_tricks.sliding_window_view (overlapping windows; the adjoint "
        "adds the overlaps), gpuad.numpy.broadcast_to (zero strides), or slicing and reshape"),
}


_STORE_SUBSCR = opcode.opmap.get("STORE_SUBSCR")


def check_scalar_write(t: Tensor) -> None:
    """Raise when NumPy is storing a recorded 0-d Tensor into an array element (``out[i] = t``
    with ``out`` a NumPy array: NumPy converts the value with ``float()``, which is otherwise an
    explicit detach and stays allowed), or a function that computes with numbers is converting
    it (``math.sin(t)``: see ``_check_float_caller``)."""
    if not recording(t):
        return
    f = sys._getframe(2)  # 0: here, 1: Tensor.__float__, 2: the code that asked for the float
    if f.f_code.co_code[f.f_lasti] == _STORE_SUBSCR:
        raise TypeError(
            f"writing a Tensor that {_what(t)} into an element of a NumPy array would silently "
            f"drop its gradient. Make the array a Tensor (out = gpuad.tensor(gnp.zeros(n)); "
            f"writes into Tensors are recorded), build the result with gnp.stack or gnp.where, "
            f"or store float(t) / gpuad.stop_gradient(t) explicitly for a constant"
        )
    spelled = _float_callers.gpuad_scalar_type(f)
    if spelled is not None:  # gnp.float64(t): see refuse_array
        raise TypeError(_float_callers.gpuad_scalar_type_message(spelled, t.shape, _what(t)))
    if t._bat is None:
        _check_float_caller(t, f)  # math.sin(t), math.fsum([t, u]), ...


def _check_float_caller(t: Tensor, f) -> None:
    """Raise when a function that computes with numbers (``math.sin``, ``math.fsum``,
    ``numpy.fromiter``, ``array.array``, the ``statistics`` module) converts a recorded Tensor
    with ``float()`` in frame ``f``: its result would silently carry no derivative.
    ``float(t)`` itself and other explicit conversions stay allowed (gpuad/_float_callers.py)."""
    refused = _float_callers.refused_by(f)
    if refused is not None:
        if _in_numpy(f):  # numpy.tri(t) calls numpy.arange(t): name what the user called
            public, name = _outer_numpy(f)
            if public is not None:
                fn = _lookup(public, name)
                refused = (f"{public}.{name}", f"{_public(public, name)}" if fn is not None
                           else "gpuad.numpy functions")
        raise TypeError(_float_callers.message(*refused, t.shape, _what(t)))


def _outer_numpy(f) -> tuple:
    """The public (module, name) of the NumPy function the user called, whose code (or its
    helpers') runs in frame ``f``; (None, name) where none is found."""
    return _called(_outermost(f))


_BINARY_OP = opcode.opmap.get("BINARY_OP")
# BINARY_OP's arguments for ``a -= t``, ``a += t``, ... (Python 3.11+)
_INPLACE_OPS = frozenset(i for i, (name, _) in enumerate(getattr(dis, "_nb_ops", ()))
                         if "INPLACE" in name)
_OWN_PACKAGES = ("gpuad", "cupy", "cupyx")


def _writing_into_array() -> bool:
    """Whether the user's code (the first frame outside gpuad and CuPy) is storing into an
    array: ``a[i] = t`` or an in-place operator ``a -= t``."""
    f = sys._getframe(2)
    while f is not None and f.f_globals.get("__name__", "").partition(".")[0] in _OWN_PACKAGES:
        f = f.f_back
    if f is None:
        return False
    code, i = f.f_code.co_code, f.f_lasti
    op = code[i]
    return op == _STORE_SUBSCR or (op == _BINARY_OP and code[i + 1] in _INPLACE_OPS)


_COMPARE_OP = opcode.opmap.get("COMPARE_OP")


def in_binary_operator() -> bool:
    """Whether the code reading ``Tensor.__cuda_array_interface__`` (the first frame outside
    CuPy) runs a binary operator, ``a @ t`` or ``a < t`` (not in place): CuPy's operators hand
    such an operand to ``numpy.matmul(a, t)``, whose dispatch asks CuPy's ``__array_ufunc__``
    first; CuPy defers only to operands it cannot import, and its matmul cannot take one it
    imports."""
    f = sys._getframe(2)
    while f is not None and f.f_globals.get("__name__") in _EXPORTERS:
        f = f.f_back  # (gpuad.jit's hook around the property while a trace runs)
    while f is not None and f.f_globals.get("__name__", "").partition(".")[0] in _OWN_PACKAGES[1:]:
        f = f.f_back
    if f is None:
        return False
    code, i = f.f_code.co_code, f.f_lasti
    op = code[i]
    return (op == _BINARY_OP and code[i + 1] not in _INPLACE_OPS and
            code[i + 1] not in _SUBSCRIPTS) or op == _COMPARE_OP


# Who asks for a Tensor's memory (``__cuda_array_interface__``), as ``exports_to`` tells:
# the explicit conversions of CuPy and Numba (numba-cuda) into one of their arrays
_CONVERSIONS = frozenset({"asarray", "asanyarray", "array", "asnumpy", "as_cuda_array"})
_LIBRARIES = frozenset({"cupy", "cupyx", "numba", "numba_cuda"})
# the property itself (and gpuad.jit's hook around it) are not the reader
_EXPORTERS = frozenset({"gpuad.tensor", "gpuad.jit.export_hooks", __name__})
_BINARY_SUBSCR = opcode.opmap.get("BINARY_SUBSCR")
# a[t] is BINARY_OP with the subscript argument from Python 3.14 on
_SUBSCRIPTS = frozenset(i for i, (name, _) in enumerate(getattr(dis, "_nb_ops", ()))
                        if "SUBSCR" in name)
_ATTRIBUTE_LOADS = frozenset(opcode.opmap[n] for n in ("LOAD_ATTR", "LOAD_METHOD")
                             if n in opcode.opmap)


def exports_to() -> str:
    """Who reads ``Tensor.__cuda_array_interface__``, told by the frames outside the property:

    - ``"convert"``: an explicit conversion (``cupy.asarray(t)``, ``cupy.array``,
      ``cupy.asnumpy``, ``numba.cuda.as_cuda_array``) or Python code reading the attribute
      itself (``t.__cuda_array_interface__``): it gets the memory, as ``t.data`` does;
    - ``"value"``: the user's code stores into an array or indexes one (``a[i] = t``,
      ``a -= t``, ``a[t]``): CuPy reads the Tensor's values;
    - ``"gpuad"``: gpuad's own code;
    - ``"kernel"``: anything else, which is CuPy's operators, ufuncs and kernels (run from C,
      without a Python frame of their own) and NumPy's ufuncs handed to CuPy.
      ``cupy.sin(a, out=t)`` would write into the memory without the version moving, while
      ``numpy.sin(a, out=t)`` is recorded when CuPy finds no memory and defers to the Tensor.
    """
    f = sys._getframe(1)
    while f is not None and f.f_globals.get("__name__") in _EXPORTERS:
        f = f.f_back
    top = ""
    while f is not None:
        top = f.f_globals.get("__name__", "").partition(".")[0]
        if top not in _LIBRARIES:
            break
        if f.f_code.co_name in _CONVERSIONS:
            return "convert"
        f = f.f_back
    if f is None:
        return "kernel"
    if top == "gpuad":
        return "gpuad"
    code, i = f.f_code.co_code, f.f_lasti
    op = code[i]
    if op in _ATTRIBUTE_LOADS:
        return "convert"
    if op == _STORE_SUBSCR or op == _BINARY_SUBSCR or (op == _BINARY_OP and (
            code[i + 1] in _INPLACE_OPS or code[i + 1] in _SUBSCRIPTS)):
        return "value"
    return "kernel"


def refuse_conversion(t: Tensor, via: str) -> None:
    """Raise for an explicit export of a recorded Tensor's memory (``via`` names the route)."""
    raise TypeError(
        f"{via} would give another library the memory of a Tensor of shape {t.shape} that "
        f"{_what(t)}, and what it computes from that memory would drop its gradient (PyTorch "
        f"refuses this export too). Use t.detach() or gpuad.stop_gradient(t) for a constant that "
        f"shares the memory, t.numpy() for a host copy, or call gpuad.numpy functions on the "
        f"Tensor, which are recorded")


def refuse_device_array(t: Tensor) -> None:
    """``Tensor.__cuda_array_interface__`` of a recorded Tensor: CuPy reads it to import the
    Tensor's memory. A write into a CuPy array (``a[i] = t``, ``a -= t``) raises
    ``TypeError``, as a write into a NumPy array does, and so does an explicit conversion
    (``cupy.asarray(t)``, as PyTorch refuses it); elsewhere the attribute is missing
    (``AttributeError``), so that ``cupy_array + t`` is handed to ``Tensor.__array_ufunc__`` and
    recorded, as with NumPy arrays."""
    if not recording(t):
        return
    if _writing_into_array():
        raise TypeError(
            f"writing a Tensor of shape {t.shape} that {_what(t)} into a CuPy array (a[i] = t, "
            f"a -= t, ...) would silently drop its gradient. Write a = a - t (a new Tensor, "
            f"recorded), or make the array a Tensor (a = gpuad.tensor(a)), whose in-place "
            f"writes are recorded; gpuad.stop_gradient(t) writes its values as a constant"
        )
    if exports_to() == "convert":
        refuse_conversion(t, "an export through __cuda_array_interface__ (cupy.asarray(t), "
                             "numba.cuda.as_cuda_array(t))")
    raise AttributeError(
        f"a Tensor that {_what(t)} does not export __cuda_array_interface__ (its gradient "
        f"would be lost); call gpuad.numpy functions on it, or use gpuad.stop_gradient(t)")


# ---- containers of Tensors ----------------------------------------------------------------------


def holds_tensor(obj) -> bool:
    """Whether the (nested) list or tuple ``obj`` holds a Tensor."""
    for e in obj:
        if isinstance(e, Tensor):
            return True
        if e.__class__ in _CONTAINERS and holds_tensor(e):
            return True
    return False


def _backend_of(t: Tensor):
    return _by_array_type.get(type(t._data)) or get_backend()


def stack_tree(obj):
    """The array that ``numpy.asarray(obj)`` would build from a nested list or tuple holding
    Tensors, recorded as a differentiable stack of its elements."""
    items = []
    like = None
    for e in obj:
        if e.__class__ in _CONTAINERS:
            e = stack_tree(e) if holds_tensor(e) else e
        if isinstance(e, Tensor) and like is None:
            like = e
        items.append(e)
    be = _backend_of(like)
    items = [e if isinstance(e, Tensor) else be.asarray(e) for e in items]
    shapes = {tuple(e.shape) for e in items}
    if len(shapes) != 1:
        raise ValueError(
            f"cannot make an array from a sequence whose elements have different shapes "
            f"{[tuple(e.shape) for e in items]} (an inhomogeneous list); use gnp.concatenate "
            f"or pad the elements to one shape"
        )
    return _stack(*items)


def _stack_vjp(i, g, ans, *xs):
    return g[i]


def _stack_jvp(i, t, ans, *xs):
    zero = _r._xp(t).zeros(_r.shape(t), dtype=_r.data(t).dtype)
    return _stack(*[t if j == i else zero for j in range(len(xs))])


_stack: Any = None  # the primitive ``stack_list``: xs -> xp.stack(xs), made by install()


def as_array_arg(a):
    """``a`` as an array argument: a container holding Tensors becomes their recorded stack,
    any other container a backend array; everything else is returned as is."""
    if a.__class__ in _CONTAINERS:
        if holds_tensor(a):
            return stack_tree(a)
        try:
            return get_backend().asarray(a)
        except (ValueError, TypeError):  # ragged: left to the function, as NumPy would
            return a
    return a


def convert_args(args: tuple) -> tuple:
    """``args`` of a primitive with every container holding Tensors replaced by its stack."""
    return tuple(stack_tree(a) if a.__class__ in _CONTAINERS and holds_tensor(a) else a
                 for a in args)


# Parameters that take a sequence of arrays (each element is an array-like, the sequence is not).
_SEQ_PARAMS = frozenset({"arrays", "tup", "arys", "xs", "operands", "condlist", "choicelist",
                         "xi", "seq", "keys"})
# Parameters that are never arrays (shapes, axes, indices with tuple meaning, options).
_NOT_ARRAYS = frozenset({
    "index", "shape", "shape_", "newshape", "new_shape", "axis", "axes", "axis1", "axis2",
    "axisa", "axisb", "axisc", "reps", "pad_width", "source", "destination",
    "indices_or_sections", "repeats",
    "subscripts", "dtype", "ord", "s", "norm", "mode", "order", "kind", "funclist", "keepdims",
    "ddof", "range", "size", "dims", "out", "start_axis", "k", "n", "num", "endpoint", "base",
    "retstep", "copy", "like", "side", "sorter", "method", "interpolation", "edge_order",
    "indexing", "sparse", "full_matrices", "compute_uv", "hermitian", "UPLO", "rcond", "rtol",
    "atol", "equal_nan", "decimals", "casting", "bias", "rowvar", "fweights", "aweights",
    "kwargs", "args", "kw", "shift", "constant_values", "end_values", "stat_length",
    "optimize",  # einsum's contraction path: a list or tuple of strings and index tuples
    # frombuffer reads the bytes of an object with the buffer protocol (a list is refused, as
    # NumPy does: made an array first, its int64 bytes would be read as the requested dtype)
    "buffer", "string",
})
# Functions whose arguments are nested structures rather than arrays, or that convert
# containers themselves.
_KEEP = frozenset({"block", "array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
                   "asarray_chkfinite", "require", "tensor",
                   "shape", "ndim", "size", "stop_gradient"})


def _roles(fn: Callable):
    """Positional roles (None, 'array', 'seq'), the role of ``*args``, and the keyword roles."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    pos: list = []
    var = None
    kw: dict = {}
    P = inspect.Parameter

    def role(name):
        if name in _NOT_ARRAYS:
            return None
        return "seq" if name in _SEQ_PARAMS else "array"

    for p in sig.parameters.values():
        if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
            pos.append(role(p.name))
            if p.kind is P.POSITIONAL_OR_KEYWORD and pos[-1] is not None:
                kw[p.name] = pos[-1]
        elif p.kind is P.VAR_POSITIONAL:
            var = None if p.name in _NOT_ARRAYS else "array"  # one array per argument
        elif p.kind is P.KEYWORD_ONLY and role(p.name) is not None:
            kw[p.name] = role(p.name)
    if var is None and not kw and not any(pos):
        return None
    return tuple(pos), var, kw


def _convert(a, role):
    if role == "array":
        return as_array_arg(a)
    out = [as_array_arg(e) if e.__class__ in _CONTAINERS else e for e in a]
    return out if isinstance(a, list) else tuple(out)


def _any_container(args) -> bool:
    for a in args:
        if a.__class__ in _CONTAINERS:
            return True
    return False


def takes_containers(fn: Callable) -> Callable:
    """Wrap ``fn`` so that lists and tuples given for its array parameters (named as in NumPy:
    ``a``, ``x``, ``weights``, ...; ``arrays``/``tup`` take a sequence of arrays) become arrays
    first, the ones holding Tensors by a recorded stack.

    The wrapper has ``fn``'s own parameter list (generated once), so a call without a list or
    tuple argument costs one type test per array parameter and one extra call.
    """
    roles = _roles(fn)
    if roles is None:
        return fn
    pos, var, kw = roles
    nfixed = len(pos)

    def slow(*args, **kwargs):
        new = list(args)
        for i, a in enumerate(args):
            r = pos[i] if i < nfixed else var
            if r is not None and a.__class__ in _CONTAINERS:
                new[i] = _convert(a, r)
        for k, a in kwargs.items():
            r = kw.get(k)
            if r is not None and a.__class__ in _CONTAINERS:
                kwargs[k] = _convert(a, r)
        return fn(*new, **kwargs)

    P = inspect.Parameter
    params, call, tests = [], [], []
    star = False
    posonly = False
    for p in inspect.signature(fn).parameters.values():
        name = p.name
        if p.kind is P.POSITIONAL_ONLY:
            posonly = True
        elif posonly:
            params.append("/")
            posonly = False
        if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
            params.append(name)
            call.append(name)
            if kw.get(name) or (p.kind is P.POSITIONAL_ONLY and pos[len(call) - 1]):
                tests.append(f"{name}.__class__ in _gpuad_C")
        elif p.kind is P.VAR_POSITIONAL:
            star = True
            params.append("*" + name)
            call.append("*" + name)
            if var is not None:
                tests.append(f"_gpuad_any({name})")
        elif p.kind is P.KEYWORD_ONLY:
            if not star:
                params.append("*")
                star = True
            params.append(name)
            call.append(f"{name}={name}")
            if name in kw:
                tests.append(f"{name}.__class__ in _gpuad_C")
        else:
            params.append("**" + name)
            call.append("**" + name)
    if posonly:
        params.append("/")
    sig, args = ", ".join(params), ", ".join(call)
    src = (f"def _gpuad_wrap(_gpuad_fn, _gpuad_slow, _gpuad_C, _gpuad_any):\n"
           f"    def {fn.__name__}({sig}):\n"
           f"        if {' or '.join(tests)}:\n"
           f"            return _gpuad_slow({args})\n"
           f"        return _gpuad_fn({args})\n"
           f"    return {fn.__name__}\n")
    scope: dict = {}
    exec(compile(src, f"<gpuad containers: {fn.__name__}>", "exec"), scope)  # noqa: S102
    wrapper = scope["_gpuad_wrap"](fn, slow, _CONTAINERS, _any_container)
    inner = inspect.unwrap(fn)  # the defaults of the parameter list read above
    wrapper.__defaults__ = inner.__defaults__
    wrapper.__kwdefaults__ = inner.__kwdefaults__
    functools.update_wrapper(wrapper, fn)
    wrapper._takes_containers = True  # type: ignore[attr-defined]
    # called as a Tensor method the only array argument is the Tensor itself: nothing to convert
    wrapper._self_only = (  # type: ignore[attr-defined]
        [i for i, r in enumerate(pos) if r] == [0] and var is None and len(kw) <= 1)
    return wrapper


def accept_containers(module) -> None:
    """Make every public function of ``module`` take lists/tuples of Tensors as arrays.

    Primitives (which convert in ``engine.apply``) and functions whose array arguments go
    straight to one primitive are left as they are.
    """
    for name, fn in list(vars(module).items()):
        if name.startswith("_") or name in _KEEP or not inspect.isfunction(fn):
            continue
        if not getattr(fn, "__module__", "").startswith("gpuad"):
            continue
        if hasattr(fn, "rule") or getattr(fn, "_takes_containers", False):
            continue
        if fn.__qualname__.startswith("_with_out."):
            continue
        setattr(module, name, takes_containers(fn))


# ---- NEP 13 / NEP 18 dispatch --------------------------------------------------------------------

_MODULES = {"numpy": "gpuad.numpy", "numpy.linalg": "gpuad.numpy.linalg",
            "numpy.fft": "gpuad.numpy.fft",
            "numpy.lib.stride_tricks": "gpuad.numpy.lib.stride_tricks"}
# numpy.polynomial's functions NumPy hands to Tensors (polyval2d, polygrid2d, ...)
_MODULES.update({f"numpy.polynomial.{m}": f"gpuad.numpy.polynomial.{m}" for m in (
    "polynomial", "chebyshev", "legendre", "hermite", "hermite_e", "laguerre", "polyutils")})
# Other names gpuad uses for a NumPy name.
_ALIASES = {"remainder": ("remainder", "mod"), "conjugate": ("conjugate", "conj"),
            "true_divide": ("divide",), "absolute": ("absolute", "abs"),
            "around": ("around", "round"), "round_": ("round",), "amax": ("amax", "max"),
            "amin": ("amin", "min"), "bitwise_not": ("invert",),
            "row_stack": ("row_stack", "vstack"), "trapz": ("trapz", "trapezoid")}
# ufunc.reduce / ufunc.accumulate as the gpuad.numpy functions that compute them.
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
           "logical_and": "all", "logical_or": "any", "logaddexp": "logsumexp",
           "fmax": "nanmax", "fmin": "nanmin"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}
# NumPy functions whose results are integer, boolean or metadata whatever the values: with no
# gpuad.numpy counterpart they run on the values (there is no derivative to lose).
_VALUE_FREE = frozenset({
    "result_type", "iscomplexobj", "isrealobj", "iscomplex", "isreal", "may_share_memory",
    "shares_memory", "array_equal", "array_equiv", "allclose", "isclose", "count_nonzero",
    "nonzero", "argwhere", "flatnonzero", "searchsorted", "argsort", "argmax", "argmin",
    "argpartition", "lexsort", "can_cast", "min_scalar_type", "isfortran", "isin", "digitize",
    "ravel_multi_index", "unravel_index", "shape", "ndim", "size", "isneginf", "isposinf",
    "array_repr", "array_str", "array2string", "common_type", "nanargmax", "nanargmin",
})
# those of them that read the values (not only dtypes, shapes and memory)
_READS_VALUES = frozenset({"array2string", "array_repr", "array_str", "min_scalar_type"})
_modules: dict = {}


def _module(name: str):
    mod = _modules.get(name)
    if mod is None:
        target = _MODULES.get(name)
        if target is None:
            return None
        mod = sys.modules.get(target)
        if mod is None:
            try:
                import importlib

                mod = importlib.import_module(target)
            except ImportError:
                return None
        _modules[name] = mod
    return mod


def _lookup(modname: str, name: str):
    mod = _module(modname)
    if mod is None:
        return None
    for n in _ALIASES.get(name, (name,)):
        f = getattr(mod, n, None)  # gpuad.numpy's __getattr__ raises AttributeError: None
        if callable(f):
            return f
    return None


def _public(modname: str, name: str) -> str:
    return f"{_MODULES.get(modname, 'gpuad.numpy')}.{name}"


def _missing(what: str, modname: str, name: str) -> TypeError:
    advice = _ADVICE.get(what) or _ADVICE.get(modname)
    if advice is not None:  # (never gpuad's function of the name where NumPy's differs)
        return TypeError(f"{what} was called on a gpuad Tensor, but {advice}, or apply {what} "
                         f"to t.numpy() for a constant result")
    return TypeError(
        f"{what} was called on a gpuad Tensor, but gpuad has no differentiable counterpart "
        f"({_public(modname, name) if modname in _MODULES else 'none in gpuad for ' + modname})"
        f". Compose it from gpuad.numpy functions (or define it with "
        f"gpuad.custom_vjp), or apply {what} to t.numpy() for a constant result"
    )


def _detach(a):
    if isinstance(a, Tensor):
        return a.data
    if a.__class__ in _CONTAINERS:
        return type(a)(_detach(e) for e in a)
    if isinstance(a, dict):
        return {k: _detach(v) for k, v in a.items()}
    return a


def _check_out(o, v, what: str, casting: str | None, *, fits: bool = True) -> None:
    """Raise, before anything is written, where writing the result ``v`` into the ``out=``
    array ``o`` would drop a gradient, does not fit (``fits``: broadcasting into ``o``'s
    shape), or breaks NumPy's ``casting`` rule for ``out=``: a rule of ``numpy.can_cast``
    ("same_kind" for the ufunc-based functions, "safe" for einsum), "exact" (dot: the very
    dtype, a ValueError), "back" (take, argmax: ``o`` casts safely to the result's type, as
    NumPy writes through a buffer of that type), or None / "unsafe" (any dtype).

    Example: ``_check_out(out, r, "clip", "same_kind")``"""
    if not isinstance(o, Tensor) and isinstance(v, Tensor) and v._bat is not None:
        _batched_data_error()  # names gnp.index_update: a Tensor out= is refused inside vmap too
    if not isinstance(o, Tensor) and isinstance(v, Tensor) and recording(v):
        kind = "a CuPy array" if type(o).__module__.startswith("cupy") else "a NumPy array"
        raise TypeError(
            f"{what}: the result is a Tensor being recorded, and out= is {kind} (as in a -= t "
            f"or a[...] += t with a {kind}); writing into it would drop its gradient. Use "
            f"the returned value or write a = a - t (a new Tensor), make the array a Tensor "
            f"(a = gpuad.tensor(a)), whose in-place writes are recorded, or give a Tensor as "
            f"out="
        )
    vshape, vdtype = tuple(getattr(v, "shape", ())), getattr(v, "dtype", None)
    if fits:
        oshape = tuple(o.shape)
        try:
            ok = _np.broadcast_shapes(vshape, oshape) == oshape
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{what}: a result of shape {vshape} does not fit out= of shape "
                             f"{oshape}")
    if vdtype is None or casting in (None, "unsafe"):
        return
    src, dst = _np.dtype(vdtype), _np.dtype(o.dtype)
    if casting == "exact":
        if src != dst:
            raise ValueError(f"{what}: output array is not acceptable (must have the right "
                             f"datatype: {src}, got {dst})")
    elif casting == "back":
        if not _np.can_cast(dst, src, "safe"):
            raise TypeError(f"{what}: cannot cast array data from {dst} to {src} according to "
                            f"the rule 'safe' (the out array's type)")
    elif not _np.can_cast(src, dst, casting):
        raise TypeError(f"{what}: cannot cast the result from {src} to out='s dtype {dst} "
                        f"with casting rule {casting!r} (NumPy raises here too); convert "
                        f"explicitly (gnp.real(r), r.astype(...))")


def _write_out(o, v, what: str, casting: str = "unsafe") -> None:
    """NumPy's ``out=``: write ``v`` into ``o`` (recorded when ``o`` is a Tensor)."""
    _check_out(o, v, what, casting)
    if isinstance(o, Tensor):
        if isinstance(v, Tensor) and v.shape == o.shape and v.dtype == o.dtype:
            _engine.assign_inplace(o, v, None)  # as ``o *= v``: keeps what v's step saved of o
        else:
            o[...] = v
        return
    if isinstance(v, Tensor):
        v = v.data
    o[...] = v


def _finish(r, out, where, nout: int, what: str, casting: str = "unsafe"):
    if where is not True:
        if out is None:
            raise TypeError(
                f"{what}: where= without out= leaves the unselected entries undefined; pass "
                f"out= or use gnp.where(condition, result, other)"
            )
        rs = r if nout > 1 else (r,)
        rs = tuple(v if o is None else _gnp.where(where, v, o)
                   for v, o in zip(rs, out, strict=True))
        r = rs if nout > 1 else rs[0]
    if out is None:
        return r
    rs = r if nout > 1 else (r,)
    pairs = [(o, v) for o, v in zip(out, rs, strict=True) if o is not None]
    for o, v in pairs:  # all checked before any is written: no half-written outputs
        _check_out(o, v, what, casting)
    for o, v in pairs:
        _write_out(o, v, what, casting)
    # an output given as None is a new array, as NumPy's modf(x, out=(None, b))
    outs = tuple(v if o is None else o for o, v in zip(out, rs, strict=True))
    return outs[0] if len(outs) == 1 else outs


def _args_ok(types) -> bool:
    """NEP 18: handle only Tensors and the backends' own array types."""
    for t in types:
        if t is not Tensor and t is not _ndarray and t not in _by_array_type \
                and not issubclass(t, Tensor):
            return False
    return True


def _cast_to_loop(ufunc, inputs: tuple, dtype) -> tuple:
    """``inputs`` cast to the input types of the loop NumPy picks for ``dtype=`` (the output's
    type): ``absolute(complex, dtype=float64)`` keeps the complex input (its loop is D->d),
    ``less(ints, dtype=bool)`` compares the integers, ``sin(int8, dtype=float64)`` casts."""
    ins = tuple(_operand_dtype(a) for a in inputs)
    out = _np.dtype(dtype)
    loop = None
    if all(d is not None for d in ins):
        try:
            loop = ufunc.resolve_dtypes(ins + (None,) * ufunc.nout, casting="unsafe",
                                        signature=(None,) * ufunc.nin + (out,) * ufunc.nout)
        except TypeError:
            loop = None
    if loop is None:  # (no loop: _check_loop raised NumPy's error already where it should)
        return tuple(_cast(a, dtype) for a in inputs)
    return tuple(a if getattr(a, "dtype", None) == t else _cast(a, t)
                 for a, t in zip(inputs, loop[:ufunc.nin], strict=True))


def _cast(a, dtype):
    a = _as_input(a)
    if isinstance(a, Tensor):
        return _r.astype(a, dtype)
    return _r._xp(a).asarray(a, dtype=dtype)


def _foreign(objs) -> bool:
    """Whether an operand is an array type (with its own ``__array_ufunc__``) gpuad does not
    know; then NumPy is told to ask it instead."""
    for a in objs:
        c = a.__class__
        if c is Tensor or c is _ndarray or c is float or c is int or a is None:
            continue
        if getattr(c, "__array_ufunc__", None) is None:
            continue
        if not (issubclass(c, Tensor | _np.generic) or c in _by_array_type):
            return True
    return False


def _as_input(a):
    if isinstance(a, Tensor):
        return a
    return as_array_arg(a)


#: bitwise ufuncs on booleans are the logical ones (gpuad.numpy has those as operations)
_BOOL_OPS = {"bitwise_and": "logical_and", "bitwise_or": "logical_or",
             "bitwise_xor": "logical_xor", "invert": "logical_not"}


def array_ufunc(ufunc, method: str, inputs: tuple, kwargs: dict):
    """``Tensor.__array_ufunc__``: ``ufunc.method(*inputs, **kwargs)`` through gpuad.numpy."""
    if _foreign(inputs) or ("out" in kwargs and _foreign(kwargs["out"])):
        return NotImplemented  # NEP 13: another array type may handle this mix
    name = ufunc.__name__
    if _batched_among(inputs, kwargs):
        return _dispatch_batched(ufunc, f"numpy.{name}", _ufunc_body, (ufunc, method, inputs,
                                                                        kwargs), {}, None)
    return _ufunc_body(ufunc, method, inputs, kwargs)


def _ufunc_body(ufunc, method: str, inputs: tuple, kwargs: dict):
    name = ufunc.__name__
    if method == "__call__" and not kwargs:  # the common case, kept short
        fn = _lookup("numpy", name)
        if fn is None and name in _BOOL_OPS and all(
                getattr(getattr(a, "dtype", None), "kind", "") == "b" or type(a) is bool
                for a in inputs):
            fn = _lookup("numpy", _BOOL_OPS[name])  # mask & mask, also on batched masks
        if fn is not None:
            return fn(*inputs)  # batched inputs came through _dispatch_batched's guard
    what = f"numpy.{name}" if method == "__call__" else f"numpy.{name}.{method}"
    out = kwargs.pop("out", None)
    where = kwargs.pop("where", True)
    dtype = kwargs.pop("dtype", None)
    casting = kwargs.pop("casting", "same_kind")
    for k in ("order", "subok"):
        kwargs.pop(k, None)
    if method == "__call__":
        fn = _lookup("numpy", name)
        core = None
        if kwargs and not (ufunc.signature is not None and fn is not None and _takes(fn, kwargs)):
            if ufunc.signature is None or fn is None or not set(kwargs) <= _GUFUNC_KEYWORDS:
                raise TypeError(f"{what}: keyword arguments {sorted(kwargs)} are not supported "
                                f"on gpuad Tensors")
            core, kwargs = _gufunc_core_axes(ufunc, what, inputs, kwargs), {}
        _check_loop(ufunc, inputs, out, dtype, casting, what)
        if fn is None:
            return _value_free_ufunc(ufunc, what, inputs, out, where, dtype)
        if dtype is not None:
            inputs = _cast_to_loop(ufunc, inputs, dtype)
        if core is not None:
            inputs, place = core(inputs)
            return _finish(place(fn(*inputs)), out, where, ufunc.nout, what, casting)
        return _finish(fn(*inputs, **kwargs), out, where, ufunc.nout, what, casting)
    own = getattr(_lookup("numpy", name), method, None)  # gpuad.numpy's ufunc object's
    if method == "reduce" and own is not None:  # (where=, initial=, out= with NumPy's rules)
        if where is not True:
            kwargs["where"] = where
        return own(*inputs, dtype=dtype, out=out, **kwargs)
    if where is not True:
        raise TypeError(f"{what}: where= is not supported on gpuad Tensors; mask the input "
                        f"with gnp.where first")
    if method in ("accumulate", "reduceat") and own is not None and (
            method == "reduceat" or name not in _ACCUMULATE):
        return own(*inputs, dtype=dtype, out=out, **kwargs)
    if method in ("reduce", "accumulate"):
        table = _REDUCE if method == "reduce" else _ACCUMULATE
        target = table.get(name)
        fn = _lookup("numpy", target) if target is not None else None
        if fn is None:
            raise TypeError(
                f"{what} is not supported on gpuad Tensors (gpuad.numpy has no "
                f"{target or 'counterpart'} for it); write the loop with gpuad.numpy functions"
            )
        (x,) = inputs
        x = _as_input(x)
        if dtype is not None:
            x = _cast(x, dtype)
        axis = kwargs.pop("axis", 0)
        keepdims = kwargs.pop("keepdims", False)
        initial = kwargs.pop("initial", None)
        if kwargs:
            raise TypeError(f"{what}: keyword arguments {sorted(kwargs)} are not supported on "
                            f"gpuad Tensors")
        if method == "accumulate":
            if keepdims or initial is not None:
                raise TypeError(f"{what}: keepdims/initial are not accumulate arguments")
            return _finish(fn(x, axis), out, True, 1, what)
        r = fn(x, axis, keepdims=keepdims) if keepdims else fn(x, axis)
        if initial is not None:
            combine = _lookup("numpy", name)
            r = combine(r, initial)
        return _finish(r, out, True, 1, what)
    if method == "outer":
        fn = _lookup("numpy", name)
        if fn is None or kwargs:
            raise _missing(what, "numpy", name) if fn is None else TypeError(
                f"{what}: keyword arguments {sorted(kwargs)} are not supported")
        a, b = (_as_input(v) for v in inputs)
        if dtype is not None:
            a, b = _cast(a, dtype), _cast(b, dtype)
        a = _r.reshape(a, _r.shape(a) + (1,) * _r.ndim(b))
        return _finish(fn(a, b), out, True, ufunc.nout, what)
    if method == "at" and name in ("add", "subtract") and len(inputs) == 3 and not kwargs:
        return _add_at(ufunc, name, *inputs)
    raise TypeError(
        f"{what} is not supported on gpuad Tensors (of the ufunc methods gpuad records "
        f"__call__, reduce, accumulate, reduceat, outer, and add.at/subtract.at); write it "
        f"with gpuad.numpy functions, or gpuad.numpy.{name}.at(a, indices, b), which "
        f"returns the updated copy"
    )


def _operand_dtype(a):
    """What NumPy's loop resolution sees of ``a``: its dtype, or the type of a Python number
    (weakly typed); None where it is neither."""
    d = getattr(a, "dtype", None)
    if d is not None:
        return d
    if a.__class__ is bool:
        return _np.dtype(bool)
    return a.__class__ if a.__class__ in (int, float, complex) else None


def _check_loop(ufunc, inputs, out, dtype, casting: str, what: str) -> None:
    """NumPy's type resolution of ``ufunc(*inputs, out=out, dtype=dtype, casting=casting)``:
    raise its TypeError where NumPy finds no loop or an input or output cast breaks
    ``casting`` (``add(int8, int16, casting="no")``, ``add(f8, f8, dtype=int32)``)."""
    ins = tuple(_operand_dtype(a) for a in inputs)
    if any(d is None for d in ins) or (
            out is None and dtype is None and casting in ("same_kind", "unsafe")):
        return  # (promotion alone never breaks same_kind)
    for o in out or ():
        if o is not None and not hasattr(o, "dtype"):
            raise TypeError(f"{what}: out= must be an array or a Tensor (or None), got "
                            f"{type(o).__name__}, as in NumPy")
    outs = tuple(None if o is None else o.dtype for o in out) if out is not None \
        else (None,) * ufunc.nout
    sig = {} if dtype is None else \
        {"signature": (None,) * ufunc.nin + (_np.dtype(dtype),) * ufunc.nout}
    try:
        ufunc.resolve_dtypes(ins + outs, casting=casting, **sig)
    except TypeError as e:
        raise TypeError(f"{what}: {e} (NumPy raises here too)") from None


#: NumPy's keyword arguments of a ufunc call
UFUNC_KEYWORDS = frozenset({"out", "where", "dtype", "casting", "order", "subok"})


def ufunc_call(ufunc, inputs: tuple, kwargs: dict):
    """``gpuad.numpy.<name>(*inputs, **kwargs)`` for a NumPy ufunc's name, taking NumPy's
    ufunc keywords (``out=`` also positionally after the inputs, ``where=``, ``dtype=``,
    ``casting=``) with NumPy's rules, on backend arrays and Tensors alike.

    Example: ``gnp.add(a, b, out=o, casting="same_kind")``
    """
    what = f"gpuad.numpy.{ufunc.__name__}"
    nin, nout = ufunc.nin, ufunc.nout
    if len(inputs) < nin:
        raise TypeError(f"{what}: takes {nin} array argument(s), got {len(inputs)}")
    if len(inputs) > nin + nout:
        raise TypeError(f"{what}: takes from {nin} to {nin + nout} positional arguments but "
                        f"{len(inputs)} were given (as NumPy)")
    if any(o is Ellipsis for o in inputs[nin:]):
        raise TypeError(f"{what}: out=... is only allowed as a keyword argument (as NumPy)")
    if len(inputs) > nin:  # out= given positionally
        if "out" in kwargs:
            raise TypeError(f"{what}: cannot specify 'out' as both a positional and keyword "
                            f"argument")
        kwargs = {**kwargs, "out": inputs[nin:]}
        inputs = inputs[:nin]
    bad = sorted(set(kwargs) - UFUNC_KEYWORDS)
    if bad and ufunc.signature is None:
        raise TypeError(f"{what}: unexpected keyword argument(s) {bad}")
    kwargs = dict(kwargs)
    out = kwargs.pop("out", None)
    arrays = out is Ellipsis  # NumPy's out=...: new arrays, 0-d ones too, never scalars
    if arrays:
        out = None
    elif out.__class__ is tuple and any(o is Ellipsis for o in out):
        raise TypeError(f"{what}: must use `...` as `out=...` and not per-operand/in a tuple "
                        f"(as NumPy)")
    if out is not None:
        out = out if out.__class__ is tuple else (out,)
        if len(out) != nout:
            raise ValueError(f"{what}: out= needs {nout} array(s), got {len(out)}")
        if all(o is None for o in out):
            out = None
        else:
            kwargs["out"] = out
    if kwargs.get("where", True) is True:
        kwargs.pop("where", None)
    if kwargs.get("dtype") is None:
        kwargs.pop("dtype", None)
    casting = kwargs.get("casting", "same_kind")
    if casting not in ("no", "equiv", "safe", "same_kind", "unsafe"):
        raise ValueError(f"{what}: casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
                         f"or 'unsafe', not {casting!r}")
    kwargs.setdefault("casting", "same_kind")
    if _batched_among(inputs, kwargs):
        return _dispatch_batched(ufunc, what, _ufunc_body, (ufunc, "__call__", inputs, kwargs),
                                 {}, None)
    r = _ufunc_body(ufunc, "__call__", inputs, kwargs)
    if arrays:
        r = tuple(_np.asarray(v) if isinstance(v, _np.generic) else v for v in r) \
            if nout > 1 else _np.asarray(r) if isinstance(r, _np.generic) else r
    return r


def with_ufunc_keywords(fn: Callable, ufunc) -> Callable:
    """``fn`` (gpuad.numpy's function of ``ufunc``'s name) also taking NumPy's ufunc keywords
    (:func:`ufunc_call`); called without them it is ``fn`` itself, one frame deeper."""
    nin = ufunc.nin
    inner = fn if hasattr(fn, "rule") else takes_containers(fn)

    @functools.wraps(fn)
    def f(*args, **kwargs):
        if not kwargs and len(args) <= nin:
            if _any_container(args):  # [0, 1, 1]: an array, also in the derivative formulas
                args = tuple(as_array_arg(a) for a in args)
            return inner(*args)
        return ufunc_call(ufunc, args, kwargs)

    f._ufunc_keywords = f._takes_containers = True
    return f


def _add_at(ufunc, name, a, indices, b):
    """``numpy.add.at(a, indices, b)``: unbuffered, so repeated indices add up; recorded as
    ``a + scatter-add(b)`` written into the Tensor ``a``."""
    if not isinstance(a, Tensor):
        if isinstance(b, Tensor) and recording(b):
            raise TypeError(
                f"numpy.{name}.at: the target is a NumPy array but the values are a Tensor "
                f"being recorded; their gradient would be lost. Make the target a Tensor "
                f"(gpuad.tensor(a)), whose writes are recorded"
            )
        ufunc.at(a, _detach(indices), _detach(b))
        return None
    index = _r.normalize_index(indices)
    sel = a.data[index].shape
    b = _as_input(b)
    if name == "subtract":
        b = _r.negative(b)
    delta = _r.scatter(_r.broadcast_to(b, sel), index=index, shape=a.shape,
                       basic=_r._is_basic(index))
    a[...] = a + delta
    return None


#: a generalized ufunc's keywords that place its core dimensions
_GUFUNC_KEYWORDS = frozenset({"axes", "axis", "keepdims"})


def _gufunc_signature(ufunc) -> tuple[list, list]:
    """The core dimension names of each input and output of a gufunc's signature
    (``"(n?,k),(k,m?)->(n?,m?)"``: ``[["n?", "k"], ["k", "m?"]], [["n?", "m?"]]``)."""
    ins, outs = ufunc.signature.split("->")

    def parse(part):
        groups = part.strip()[1:-1].split("),(") if part.strip() else []
        return [[d.strip() for d in g.split(",") if d.strip()] for g in groups]

    return parse(ins), parse(outs)


def _gufunc_core_axes(ufunc, what: str, inputs: tuple, kwargs: dict):
    """NumPy's ``axes=``/``axis=``/``keepdims=`` of a generalized ufunc, for a gpuad.numpy
    function that computes on the last core dimensions: a function of the inputs that moves
    each input's core axes to the end and returns them with the function that puts the
    output's core axes where ``axes`` says (a transpose each way, so the result is recorded
    and differentiated like any other). NumPy's errors for entries it refuses."""
    name = ufunc.__name__
    sig_in, sig_out = _gufunc_signature(ufunc)
    nin = len(sig_in)
    axes = kwargs.get("axes")
    axis = kwargs.get("axis")
    keepdims = bool(kwargs.get("keepdims", False))
    if axes is not None and axis is not None:
        raise TypeError(f"{what}: cannot specify both 'axis' and 'axes' (as NumPy)")
    shared = all(len(c) == 1 for c in sig_in) and len({c[0] for c in sig_in}) == 1
    no_core_out = all(len(c) == 0 for c in sig_out)
    if axis is not None:
        if not shared:
            raise TypeError(f"{name}: axis can only be used with a single shared core "
                            f"dimension, not with the distinct ones implied by signature "
                            f"{ufunc.signature} (as NumPy)")
        axes = [(axis,)] * nin + [(axis,) if len(c) or keepdims else () for c in sig_out]
    if keepdims and not (no_core_out and len({len(c) for c in sig_in}) == 1):
        raise TypeError(f"{name} does not support keepdims: its signature {ufunc.signature} "
                        f"has outputs with core dimensions (as NumPy)")
    if axes is None:
        axes = [tuple(range(-len(c), 0)) for c in sig_in] + [() for _ in sig_out]
    axes = list(axes)
    if len(axes) == nin and no_core_out:
        axes += [() for _ in sig_out]
    if len(axes) != nin + len(sig_out):
        raise ValueError(f"{what}: axes should be a list with an entry for all "
                         f"{nin + len(sig_out)} inputs and outputs; entries for outputs can "
                         f"only be omitted if none of them has core axes (as NumPy)")
    entries = []
    for e in axes:
        e = (e,) if isinstance(e, (int, _np.integer)) else tuple(e)
        if not all(isinstance(a, (int, _np.integer)) for a in e):
            raise TypeError(f"{what}: axes entries must be integers or tuples of integers, "
                            f"got {e!r} (as NumPy)")
        entries.append(tuple(int(a) for a in e))
    moveaxis = _lookup("numpy", "moveaxis")
    asarray = _lookup("numpy", "asarray")
    expand_dims = _lookup("numpy", "expand_dims")

    def move_in(xs):
        moved = []
        for x, e in zip(xs, entries[:nin], strict=True):
            if not hasattr(x, "ndim"):
                x = asarray(x)
            if e:
                if len(e) > x.ndim:
                    raise ValueError(f"{what}: an input with {x.ndim} dimension(s) has fewer "
                                     f"than the {len(e)} core dimension(s) axes={e} names "
                                     f"(as NumPy)")
                x = moveaxis(x, e, tuple(range(-len(e), 0)))
            moved.append(x)
        kept = len(entries[0]) if keepdims else 0  # (the reduced core axes, kept as 1s)

        def place(r):
            rs = r if isinstance(r, tuple) else (r,)
            placed = []
            for y, e in zip(rs, entries[nin:], strict=True):
                if kept:  # at the output's entry, or last where axes= names none
                    y = expand_dims(y, tuple(range(-kept, 0)))
                    e = e or tuple(range(-kept, 0))
                if e:
                    y = moveaxis(y, tuple(range(-len(e), 0)), e)
                placed.append(y)
            return tuple(placed) if isinstance(r, tuple) else placed[0]

        return tuple(moved), place

    return move_in


def _takes(fn, kwargs) -> bool:
    """Whether ``fn`` has keyword parameters for all of ``kwargs`` (a gufunc's ``axis``,
    ``keepdims``: passed on where the gpuad.numpy function takes them)."""
    sig = _signature(fn)
    return sig is not False and all(k in sig.parameters for k in kwargs)


def _value_free_ufunc(ufunc, what, inputs, out, where, dtype):
    """A ufunc gpuad lacks: allowed only when its result is integer or boolean (no derivative
    exists), computed on the values."""
    datas = [_detach(a) for a in inputs]
    r = ufunc(*datas, **({} if dtype is None else {"dtype": dtype}))
    rs = r if ufunc.nout > 1 else (r,)
    if any(getattr(getattr(v, "dtype", None), "kind", "f") not in "biu" for v in rs):
        raise _missing(what, "numpy", ufunc.__name__)
    rs = tuple(Tensor(v) for v in rs)
    return _finish(rs if ufunc.nout > 1 else rs[0], out, where, ufunc.nout, what)


_sig_cache: dict = {}


def _signature(fn):
    s = _sig_cache.get(fn)
    if s is None:
        try:
            s = inspect.signature(fn)
        except (TypeError, ValueError):
            s = False
        _sig_cache[fn] = s
    return s


def array_function(func, types, args: tuple, kwargs: dict):
    """``Tensor.__array_function__``: ``func(*args, **kwargs)`` through gpuad.numpy."""
    if not _args_ok(types):
        return NotImplemented
    modname, name = func.__module__, func.__name__
    what = f"{modname}.{name}"
    fn = _lookup(modname, name)
    if fn is None and what == "numpy.copyto":
        fn = _copyto
    if fn is None or fn is func or getattr(fn, "__wrapped__", None) is func:
        if modname == "numpy" and name in _VALUE_FREE:
            if name in _READS_VALUES:  # under gpuad.jit: the traced call's values, refused
                from . import _value_checks

                _value_checks.host_read(what, *(a.data for a in (*args, *kwargs.values())
                                                if isinstance(a, Tensor)))
            return func(*_detach(args), **_detach(kwargs))
        raise _missing(what, modname, name)
    out = None
    if kwargs:
        sig = _signature(fn)
        params = sig.parameters if sig is not False else {}
        if "out" in kwargs and "out" not in params:
            out = kwargs.pop("out")
            if out is not None:
                out = (out,)
        if sig is not False and not all(k in params for k in kwargs) and not any(
                p.kind is p.VAR_KEYWORD for p in params.values()):
            kwargs = _drop_numpy_defaults(func, params, kwargs)
    if _batched_among(args, kwargs):
        return _dispatch_batched(func, what, fn, args, kwargs, out)
    try:
        r = fn(*args, **kwargs)
    except TypeError as e:
        sig = _signature(fn)
        if sig is not False:
            try:
                sig.bind(*args, **kwargs)
            except TypeError as bind_err:
                raise TypeError(
                    f"{what} on a gpuad Tensor: {_public(modname, name)} does not take these "
                    f"arguments ({bind_err}); its signature is {name}{sig}"
                ) from e
        raise
    return r if out is None else _finish(r, out, True, 1, what)


def _batched_among(args, kwargs) -> bool:
    """Whether a value batched by vmap is among the arguments (one level of lists)."""
    for a in args:
        if isinstance(a, Tensor):
            if a._bat is not None:
                return True
        elif (a.__class__ is list or a.__class__ is tuple) and _batched_among(a, _NONE):
            return True
    return bool(kwargs) and _batched_among(tuple(kwargs.values()), _NONE)


_NONE: dict = {}


def _dispatch_batched(func, what: str, fn, args, kwargs, out):
    """``fn(*args, **kwargs)`` for a NumPy function called on values batched by vmap. A gpuad
    function that hands its argument's batched constant (``_raw.data``) back to the backend's
    own function would come back here without end: that is an error naming the function."""
    active = getattr(_local, "batched_calls", None)
    if active is None:
        active = _local.batched_calls = {}
    depth = active.get(func, 0)
    # a derivative formula re-enters once per order (the jvp of `c / u` computes `c / u`
    # again); only a call that keeps handing itself its own batched values nests deeper
    if depth >= _REENTRY:
        raise TypeError(
            f"{what} inside gpuad.vmap: gpuad computes it on the array of one example, which a "
            f"batched value does not have. Call it outside vmap, or write it with gpuad.numpy "
            f"operations that batch")
    active[func] = depth + 1
    try:
        r = fn(*args, **kwargs)
    finally:
        if depth:
            active[func] = depth
        else:
            del active[func]
    return r if out is None else _finish(r, out, True, 1, what)


_REENTRY = 8


def _drop_numpy_defaults(func, params, kwargs: dict) -> dict:
    """Keyword arguments the gpuad function does not take are dropped where they carry NumPy's
    own default (``numpy.vstack(t, dtype=None, casting="same_kind")`` is ``vstack(t)``); others
    are kept, for the call to report."""
    nsig = _signature(func)
    if nsig is False:
        return kwargs
    kept = {}
    for k, v in kwargs.items():
        if k not in params and k in nsig.parameters:
            if k == "where" and v is True:  # selects everything: the same as no where=
                continue
            d = nsig.parameters[k].default
            if v is d or (isinstance(v, str | bool | int | float | type(None))
                          and type(v) is type(d) and v == d):
                continue
        kept[k] = v
    return kept


def _copyto(dst, src, casting="same_kind", where=True):
    """``numpy.copyto``: recorded into a Tensor ``dst``; into a NumPy array only as values."""
    if where is not True:
        src = _gnp.where(where, src, dst)
    _write_out(dst, _as_input(src), "numpy.copyto", casting)


# ---- stop_gradient ------------------------------------------------------------


def stop_gradient(x: Any) -> Any:
    """``x`` as a constant: the same values, cut from the tape and from forward-mode tangents,
    so no derivative flows through it (JAX's ``lax.stop_gradient``, HIPS autograd's
    ``stop_gradient``). Works on Tensors, arrays and pytrees (lists, tuples, dicts) of them.

    Example::

        f = lambda x: gnp.sum(x * gpuad.stop_gradient(x))   # gradient x, not 2x
    """
    if isinstance(x, Tensor):
        return x.detach()
    from .tree import tree_flatten, tree_unflatten

    # every pytree node (namedtuples, registered classes), not only lists, tuples and dicts
    leaves, treedef = tree_flatten(x)
    for leaf in leaves:
        if callable(leaf) and not isinstance(leaf, Tensor):
            raise TypeError(
                f"stop_gradient takes arrays and pytrees of arrays, not the callable {leaf!r}; "
                "to stop the gradient of a function's result, call it first: "
                "stop_gradient(f(x))"
            )
    return tree_unflatten(treedef, [e.detach() if isinstance(e, Tensor) else e for e in leaves])


# ---- wiring -------------------------------------------------------------------


def install() -> None:
    """Bind the modules this one dispatches to, and make gpuad.numpy take containers.

    Tensor methods and the engine keep calling the functions as they were (their array
    argument is a Tensor already), so they pay nothing for the conversion.
    """
    global _gnp, _r, _engine, _stack
    from . import _links, engine, rules
    from . import numpy as gnp

    _gnp, _r, _engine = gnp, rules, engine
    if _stack is None:
        _stack = rules.prim("stack_list", lambda xp, *xs: xp.stack(xs, axis=0),
                            vjp_n=_stack_vjp, jvp_n=_stack_jvp, cplx="own")
        from .prims import abstract

        abstract.set_slots(_stack, abstract.stack_shape, abstract.stack_dtype)
    for sub in ("", "linalg", "fft"):
        mod = gnp if not sub else getattr(gnp, sub, None)
        if mod is not None:
            accept_containers(mod)
    direct = types.ModuleType(gnp.__name__, gnp.__doc__)
    for k, v in vars(gnp).items():
        if not k.startswith("__"):
            setattr(direct, k, v.__wrapped__ if getattr(v, "_self_only", False) else v)
    _links.provide("ops", direct)
    from ._numpy_ma import guard

    guard()  # numpy.ma reads a Tensor's buffer itself: a recorded one raises instead
    _links.provide("ufunc_call", ufunc_call)
