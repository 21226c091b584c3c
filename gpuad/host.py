"""Moving values between the host and the device, waiting for them, and calling host
functions: ``device_put``, ``device_get``, ``block_until_ready`` and ``pure_callback`` with
JAX's names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _np

from . import _state
from ._value_checks import computed
from .backends import _by_array_type, get_backend, load
from .prims.core import prim
from .tensor import Tensor
from .tree import tree_flatten, tree_map, tree_unflatten

_DEVICES = {"cpu": "numpy", "numpy": "numpy", "gpu": "cupy", "cuda": "cupy", "cupy": "cupy"}


def _backend(device: Any):
    if device is None:
        return get_backend()
    name = _DEVICES.get(str(getattr(device, "name", device)).lower())
    if name is None:
        raise ValueError(
            f"device_put: unknown device {device!r}; pass None (the active backend), 'cpu' or 'gpu'"
        )
    return load(name)


def device_put(x: Any, device: Any = None) -> Any:
    """``x`` (a pytree) with its arrays on ``device``: None for the active backend, ``"cpu"``
    (NumPy) or ``"gpu"`` (CuPy). Tensors on that backend are returned as they are.
    Example: ``w = gpuad.device_put(np.ones(3))``"""
    be = _backend(device)
    from . import _to_backend

    def put(a):
        if isinstance(a, Tensor):
            if type(a._data) is be.array_type:
                return a
            raise TypeError(
                f"device_put: a Tensor on another backend ({type(a._data)}) "
                f"cannot move with its history; use gpuad.device_get and "
                f"gpuad.tensor"
            )
        return _to_backend(be, a, None)

    return tree_map(put, x)


def device_get(x: Any) -> Any:
    """``x`` (a pytree) with its arrays copied to the host as NumPy arrays.
    Example: ``params_np = gpuad.device_get(params)``"""

    def get(a):
        if isinstance(a, Tensor):
            return a.numpy()
        be = _by_array_type.get(type(a))
        return be.to_host(a) if be is not None else a

    return tree_map(get, x)


def block_until_ready(x: Any) -> Any:
    """Wait until the device has computed every array of ``x`` (a pytree); returns ``x``.
    Example: ``gpuad.block_until_ready(f(x))`` before stopping a timer"""
    done = set()
    for a in tree_flatten(x)[0]:
        d = a._data if isinstance(a, Tensor) else a
        be = _by_array_type.get(type(d))
        if be is not None and be.name not in done:
            be.synchronize()
            done.add(be.name)
    return x


def pure_callback(
    callback: Callable,
    result_shape_dtypes: Any,
    *args: Any,
    vmap_method: str | None = None,
    **kwargs: Any,
) -> Any:
    """Call the host function ``callback`` on NumPy copies of ``args`` and return its result
    on the device, checked against ``result_shape_dtypes`` (a pytree of objects with
    ``shape`` and ``dtype``, e.g. :class:`gpuad.ShapeDtypeStruct`). Inside ``gpuad.jit`` it is
    one step of the program, run at every call.

    A host function has no derivative: called on a value being differentiated (``grad``,
    ``jvp``, a tensor that requires grad) it raises. Give it one with ``gpuad.custom_vjp`` or
    ``gpuad.custom_jvp``, whose forward calls ``pure_callback``. Under ``vmap``,
    ``vmap_method="sequential"`` calls it once per example; ``"expand_dims"`` once on the whole
    batch (a leading batch axis; the arguments not batched get a leading axis of length 1) and
    ``"broadcast_all"`` likewise with those broadcast to the batch, as JAX's; the results must
    then have the leading batch axis. Other methods raise.

    Example::

        out = gpuad.pure_callback(np.sort, gpuad.ShapeDtypeStruct(x.shape, x.dtype), x)
    """
    name = getattr(callback, "__name__", type(callback).__name__)
    leaves, tdef = tree_flatten((args, kwargs))
    batched = [i for i, a in enumerate(leaves) if isinstance(a, Tensor) and a._bat is not None]
    if batched and vmap_method in ("expand_dims", "broadcast_all"):
        return _vectorized(callback, result_shape_dtypes, leaves, tdef, vmap_method)
    if batched:
        if vmap_method not in ("sequential", "sequential_unrolled"):
            raise NotImplementedError(
                f"pure_callback({name}): argument leaf {batched[0]} is batched by gpuad.vmap, "
                f"and vmap_method={vmap_method!r}; pass vmap_method='sequential' to call the "
                f"callback once per example (the vectorised methods are not supported)"
            )
        from .batching.rules_misc import per_example

        def one(*values):
            a, kw = tree_unflatten(tdef, list(values))
            return tree_flatten(pure_callback(callback, result_shape_dtypes, *a, **kw))[0]

        return tree_unflatten(tree_flatten(result_shape_dtypes)[1], per_example(one, leaves))
    expected, edef = tree_flatten(result_shape_dtypes)
    specs = [(tuple(s.shape), _np.dtype(s.dtype)) for s in expected]
    be = get_backend()
    arrays = [a._data if isinstance(a, Tensor) else a for a in leaves]
    positions = [i for i, a in enumerate(arrays) if hasattr(a, "shape") and hasattr(a, "dtype")]

    def run(*arrs):
        host = list(arrays)
        for i, a in zip(positions, arrs, strict=True):
            owner = _by_array_type.get(type(a))
            host[i] = owner.to_host(a) if owner is not None else _np.asarray(a)
        a2, kw2 = tree_unflatten(tdef, host)
        out_leaves, odef = tree_flatten(callback(*a2, **kw2))
        if odef != edef or len(out_leaves) != len(specs):
            raise TypeError(
                f"pure_callback({name}): the callback returned a different "
                f"structure than result_shape_dtypes ({len(out_leaves)} leaves, "
                f"expected {len(specs)})"
            )
        res = []
        for j, (o, (shape, dt)) in enumerate(zip(out_leaves, specs, strict=True)):
            o = _np.asarray(o)
            if o.shape != shape or o.dtype != dt:
                raise TypeError(
                    f"pure_callback({name}): result leaf {j} has shape {o.shape} and dtype "
                    f"{o.dtype}, but result_shape_dtypes says {shape} and {dt}"
                )
            res.append(be.asarray(o))
        return tuple(res)

    out = computed(f"pure_callback({name})", run, *[arrays[i] for i in positions])
    tracked = [a for a in leaves if isinstance(a, Tensor) and (a.requires_grad or a._tan)]
    if tracked and _state.is_grad_enabled() or any(a._tan for a in tracked):
        # each result is a step of the tape whose derivative rules raise: differentiating
        # through it is an error, while a custom_vjp around the call replaces it with its rule
        out = tuple(_no_derivative(o, *tracked, name=name) for o in out)
    elif any(isinstance(a, Tensor) for a in leaves):
        out = tuple(Tensor(o) for o in out)
    return tree_unflatten(edef, list(out))


def _vectorized(callback: Callable, result_shape_dtypes: Any, leaves: list, tdef: Any,
                method: str) -> Any:
    """``pure_callback`` under the outermost vmap level batching an argument, called once with
    that level as a leading axis of every argument (JAX's ``expand_dims``/``broadcast_all``)."""
    from . import numpy as gnp
    from .batching import from_batch, to_batch

    top = max(a._bat[-1] for a in leaves if isinstance(a, Tensor) and a._bat is not None)
    size = next(a._data.shape[a._bat.index(top)] for a in leaves
                if isinstance(a, Tensor) and a._bat is not None and top in a._bat)
    moved = []
    for a in leaves:
        if isinstance(a, Tensor) and a._bat is not None and top in a._bat:
            moved.append(from_batch(a, top, 0, size))
        elif isinstance(a, Tensor) or hasattr(a, "shape") or isinstance(a, int | float | complex):
            one = gnp.expand_dims(gnp.asarray(a), 0)
            moved.append(one if method == "expand_dims" else
                         gnp.broadcast_to(one, (size, *one.shape[1:])))
        else:
            moved.append(a)
    expected, edef = tree_flatten(result_shape_dtypes)
    specs = [_Spec((size, *tuple(s.shape)), s.dtype) for s in expected]
    a2, kw2 = tree_unflatten(tdef, moved)
    out = pure_callback(callback, tree_unflatten(edef, specs), *a2, vmap_method=method, **kw2)
    outs = [to_batch(o if isinstance(o, Tensor) else Tensor(o), top, 0)
            for o in tree_flatten(out)[0]]
    return tree_unflatten(edef, outs)


class _Spec:
    def __init__(self, shape: tuple, dtype: Any) -> None:
        self.shape, self.dtype = shape, dtype


def _refuse(name: str) -> TypeError:
    return TypeError(
        f"pure_callback({name}) is being differentiated, but a host function has no "
        f"derivative rule (a zero would be wrong). Wrap the call in gpuad.custom_vjp (or "
        f"custom_jvp) whose rule gives its derivative, or pass gpuad.stop_gradient(x) if no "
        f"gradient should flow through it"
    )


def _refuse_vjp(g, ans, inputs, params, need):
    raise _refuse(params["name"])


def _refuse_jvp(i, t, ans, *inputs, name):
    raise _refuse(name)


_no_derivative = prim(
    "pure_callback", lambda xp, out, *inputs, name: out, vjp_all=_refuse_vjp, jvp_n=_refuse_jvp
)


def io_callback(callback: Callable, result_shape_dtypes: Any, *args: Any, sharding: Any = None,
                ordered: bool = False, **kwargs: Any) -> Any:
    """``jax.experimental.io_callback``: ``pure_callback`` for a host function with side effects
    (gpuad never skips or repeats either). Under ``vmap`` it is called once per example, in
    order; with ``ordered=True`` it raises there, as JAX's. No derivative: differentiating
    through it raises.

    Example: ``io_callback(lambda x: rng.uniform(size=x.shape), x, x)``
    """
    leaves = tree_flatten((args, kwargs))[0]
    if ordered and any(isinstance(a, Tensor) and a._bat is not None for a in leaves):
        raise ValueError("io_callback(ordered=True) cannot be batched by vmap: the order of "
                         "the calls would not be defined; pass ordered=False")
    name = getattr(callback, "__name__", type(callback).__name__)

    def run(*a: Any, **kw: Any) -> Any:
        return callback(*a, **kw)

    _state.io_calls[0] += 1

    run.__name__ = f"io_callback({name})"
    return pure_callback(run, result_shape_dtypes, *args, vmap_method="sequential", **kwargs)
