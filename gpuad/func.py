"""``torch.func``'s transforms with torch.func's calling conventions, built on gpuad's own.

Where torch.func and JAX differ, this module follows torch.func: ``grad_and_value`` returns
``(grad, value)`` (``((grad), (value, aux))`` with ``has_aux``), ``vmap`` takes ``in_dims``/
``out_dims`` and passes keyword arguments unbatched, ``functional_call`` takes buffers too and
ties shared weights, ``stack_module_state`` returns ``(params, buffers)``. Results are gpuad
Tensors, as torch.func's (every array in a result pytree, integer and boolean ones included),
so torch's Tensor methods apply to them (``jacrev(f)(x).view(-1)``, ``.sum(dim=1)``); they
require no gradient unless an enclosing transform or a recorded outer computation (an input
that requires grad, as ``torch.autograd.grad(grad(f)(x), x)``) differentiates them. gpuad's
own transforms (``gpuad.grad``, ``gpuad.vmap``, ...) keep returning backend arrays. As
torch.func, a differentiated function must return a non-empty output of Tensors (no Python
numbers) and, with ``has_aux``, a tuple ``(output, aux)``.

Example::

    from gpuad.func import grad_and_value, vmap, functional_call
    g, loss = grad_and_value(lambda w, x: (x @ w).sum())(w, x)
    per_example = vmap(grad(loss_fn), in_dims=(None, 0, 0))(params, xs, ys)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

import numpy as _np

from . import numpy as _gnp
from . import transforms as _tr
from .backends import _by_array_type, get_backend
from .batching.api import vmap as _vmap
from .tensor import Tensor
from .tree import tree_flatten, tree_unflatten

__all__ = [
    "grad",
    "grad_and_value",
    "vjp",
    "jvp",
    "jacrev",
    "jacfwd",
    "hessian",
    "vmap",
    "functional_call",
    "stack_module_state",
    "linearize",
    "functionalize",
]


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """The gradient of scalar ``func`` in the arguments ``argnums`` (a tuple of gradients for
    a tuple); with ``has_aux``, ``func`` returns ``(output, aux)`` and the result is
    ``(grad, aux)``. Keyword arguments are passed on, not differentiated.

    Example: ``grad(lambda x: (x ** 2).sum())(x)``  # 2 x
    """
    f = _outputs_checked(func, "grad_and_value(f)(*args)", has_aux, outputs=False, scalar=True)
    return _tensors_of(_tr.grad(f, argnums=argnums, has_aux=has_aux), func)


def grad_and_value(
    func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable:
    """``(grad, value)`` (gradient first, unlike JAX's ``value_and_grad``); with ``has_aux``,
    ``(grad, (value, aux))``.

    Example: ``g, v = grad_and_value(f)(x)``
    """
    f = _outputs_checked(func, "grad_and_value(f)(*args)", has_aux, outputs=False, scalar=True)
    vg = _tr.value_and_grad(f, argnums=argnums, has_aux=has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> tuple:
        value, g = vg(*args, **kwargs)
        return _tensors((g, value))

    return _named(wrapper, func)


def vjp(func: Callable, *primals: Any, has_aux: bool = False):
    """``(output, vjp_fn)`` (``(output, vjp_fn, aux)`` with ``has_aux``); ``vjp_fn(cotangents)``
    returns a tuple with one cotangent per primal, also for one primal. ``retain_graph`` and
    ``create_graph`` of torch's ``vjp_fn`` are taken and change nothing (it can be called again
    and is differentiated where an outer transform differentiates it).

    Example: ``out, vjp_fn = vjp(torch_like_f, x); (gx,) = vjp_fn(ones)``
    """
    res = _tr.vjp(_outputs_checked(func, "vjp(f, *primals)", has_aux), *primals,
                  has_aux=has_aux)
    inner = res[1]

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: Any = None) -> tuple:
        return _tensors(tuple(inner(cotangents)))

    out = _tensors(res[0])
    return (out, vjp_fn, _tensors(res[2])) if has_aux else (out, vjp_fn)


def jvp(
    func: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False
):
    """``(output, jvp_out)`` (``(output, jvp_out, aux)`` with ``has_aux``): ``func`` and its
    directional derivative at ``primals`` (a tuple) along ``tangents`` (a tuple).
    ``strict=True`` is not supported (raises).

    Example: ``y, dy = jvp(torch.sin_like, (x,), (v,))``
    """
    if strict:
        raise NotImplementedError(
            "gpuad.func.jvp(strict=True): gpuad cannot tell an output that does not depend "
            "on the inputs from one whose tangent is zero; call it with strict=False"
        )
    for what, v in (("primals", primals), ("tangents", tangents)):
        if not isinstance(v, tuple):
            raise RuntimeError(
                f"gpuad.func.jvp(f, primals, tangents): expected {what} to be a tuple (as "
                f"torch.func), got {type(v).__name__}; it should be valid to call f(*primals)"
            )
    if not tree_flatten(primals)[0]:
        raise RuntimeError(
            f"gpuad.func.jvp(f, primals, tangents): expected primals to contain at least one "
            f"Tensor (as torch.func); got {primals!r}"
        )
    f = _outputs_checked(func, "jvp(f, primals, tangents)", has_aux)
    return _tensors(_tr.jvp(f, primals, tangents, has_aux=has_aux))


def jacrev(
    func: Callable,
    argnums: int | tuple[int, ...] = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
    _preallocate_and_copy: bool = False,
) -> Callable:
    """The Jacobian by reverse mode (blocks of shape ``out.shape + in.shape``; a tuple of
    them for a tuple ``argnums``); with ``has_aux``, ``(jacobian, aux)``.

    Example: ``jacrev(f, argnums=(0, 1))(x, y)``
    """
    f = _outputs_checked(func, "jacrev(f)(*args): vjp(f, *primals)", has_aux)
    return _tensors_of(
        _tr.jacrev(f, argnums=argnums, has_aux=has_aux, chunk_size=chunk_size), func
    )


def jacfwd(
    func: Callable,
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    *,
    randomness: str = "error",
) -> Callable:
    """The Jacobian by forward mode, laid out as :func:`jacrev`'s. ``randomness`` other than
    ``"error"`` raises (a random draw inside ``func`` raises as under ``vmap``).

    Example: ``jacfwd(f)(x)``
    """
    _randomness("jacfwd", randomness, ("error",))
    f = _outputs_checked(func, "jacfwd(f)(*args): jvp(f, primals, tangents)", has_aux)
    return _tensors_of(_tr.jacfwd(f, argnums=argnums, has_aux=has_aux), func)


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """``jacfwd(jacrev(func, argnums), argnums)``, as torch.func's.

    Example: ``hessian(lambda x: (x ** 3).sum())(x)``  # diag(6 x)
    """
    return _tensors_of(_tr.hessian(func, argnums=argnums), func)


def linearize(func: Callable, *primals: Any) -> tuple[Any, Callable]:
    """``(output, jvp_fn)``: ``jvp_fn(*tangents)`` is the Jacobian at ``primals`` applied to
    the tangents.

    Example: ``y, jvp_fn = linearize(f, x); jvp_fn(v)``
    """
    out, inner = _tr.linearize(func, *primals)

    def jvp_fn(*tangents: Any) -> Any:
        return _tensors(inner(*tangents))

    return _tensors(out), jvp_fn


def vmap(
    func: Callable,
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable:
    """``func`` mapped over the dims ``in_dims`` of its positional arguments (an int, None, or
    a tuple/pytree of them, one per argument), the results stacked along ``out_dims``.
    Keyword arguments are passed to every call unbatched, as torch.func's. ``randomness``:
    ``"error"`` (a random draw raises) or ``"same"`` (one draw for every example);
    ``"different"`` raises (draw the noise outside and pass it batched). ``chunk_size`` maps
    that many examples at a time.

    Example: ``vmap(torch_dot_like, in_dims=(0, None))(xs, w)``
    """
    _randomness("vmap", randomness, ("error", "same"))

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        f = (lambda *a: func(*a, **kwargs)) if kwargs else func
        return _tensors(
            _vmap(f, in_dims, out_dims, randomness=randomness, chunk_size=chunk_size)(*args)
        )

    return _named(wrapper, func)


def functionalize(func: Callable, *, remove: str = "mutations") -> Callable:
    """``func`` itself, as torch.func's ``functionalize`` gives it: the same outputs and the
    same writes into its arguments. torch needs the rewrite to hand mutation-free programs to
    its compilers and batching rules; gpuad's transforms take in-place writes and views as
    they are (or raise where they cannot), so there is nothing to remove. ``remove`` is
    checked as torch checks it.

    Example: ``grad(functionalize(f))(x)`` is ``grad(f)(x)``
    """
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(
            f"functionalize(f, remove='mutations'): received invalid argument for "
            f"remove={remove!r}. Valid options are: 'mutations' (mutations are removed) and "
            f"'mutations_and_views' (mutations and views are removed)"
        )

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return _named(wrapper, func)


def functional_call(
    module: Any,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: Mapping[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the parameters and buffers named in
    ``parameter_and_buffer_dicts`` (a dict, or a sequence of dicts with distinct keys) in
    place of the module's own, as ``torch.func.functional_call``. With ``tie_weights`` a
    value given for one name of a shared (tied) parameter is used under all of its names;
    ``strict=True`` requires exactly the module's names. The module holds its own tensors
    again when the call returns (or raises).

    Example: ``functional_call(model, {"weight": w}, (x,))``
    """
    from .nn.stateless import _get, _put, _slots

    if isinstance(parameter_and_buffer_dicts, Mapping):
        given = dict(parameter_and_buffer_dicts)
    elif isinstance(parameter_and_buffer_dicts, Sequence) and all(
        isinstance(d, Mapping) for d in parameter_and_buffer_dicts
    ):
        given = {}
        for d in parameter_and_buffer_dicts:
            for k, v in d.items():
                if k in given:
                    raise ValueError(
                        f"functional_call: {[k]} appeared in multiple "
                        f"dictionaries; behavior of functional call is ambiguous"
                    )
                given[k] = v
    else:
        raise ValueError(
            f"functional_call: expected parameter_and_buffer_dicts to be a dict, or a "
            f"list/tuple of dicts, but got {type(parameter_and_buffer_dicts).__name__}"
        )
    slots = {name: (holder, key) for name, holder, key in _slots(module, "", set())}
    for path, m in module.named_modules(remove_duplicate=False):
        for b in m.__dict__.get("_buffer_names", ()):
            slots[f"{path}.{b}" if path else b] = (m, b)
    unexpected = sorted(set(given) - set(slots))
    if unexpected:
        raise KeyError(
            f"functional_call: unexpected keys {unexpected}: not parameters or "
            f"buffers of {type(module).__name__} (those are {sorted(slots)})"
        )
    todo = dict(given)
    if tie_weights:
        todo = _tied(slots, given, _get)
    if strict:  # a value given under one name of a tied tensor covers its other names
        missing = sorted(set(slots) - set(todo))
        if missing:
            raise RuntimeError(f"functional_call(strict=True): missing keys {missing}")
    old = {k: _get(*slots[k]) for k in todo}
    try:
        for k, v in todo.items():
            _put(*slots[k], v)
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        if isinstance(parameter_and_buffer_dicts, MutableMapping):
            # as torch's: a tensor the forward replaced (``self.foo = self.foo + 1``) is
            # written back into the caller's dict
            for k in given:
                now = _get(*slots[k])
                if now is not todo[k]:
                    parameter_and_buffer_dicts[k] = now
        for k, v in old.items():
            _put(*slots[k], v)


def _tied(slots: dict, given: dict, get: Callable) -> dict:
    """``given`` extended to every other name of a tensor it names (tied weights)."""
    names_of: dict[int, list[str]] = {}
    for name, slot in slots.items():
        v = get(*slot)
        if v is not None:
            names_of.setdefault(id(v), []).append(name)
    out = dict(given)
    for k in given:
        v = get(*slots[k])
        for other in names_of.get(id(v), ()) if v is not None else ():
            if other in given and given[other] is not given[k]:
                raise ValueError(
                    f"functional_call got multiple values for keys {sorted([k, other])}, "
                    f"which are tied; give one of them, or pass tie_weights=False"
                )
            out[other] = given[k]
    return out


def stack_module_state(models: Sequence[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(params, buffers)``: each parameter and buffer of models of one class stacked along a
    new first axis, parameters as leaf Tensors that require grad where the models' do (all
    or none of them), as torch.func's. With
    ``functional_call`` and ``vmap`` over dim 0 this runs an ensemble.

    Example: ``params, buffers = stack_module_state([Net() for _ in range(5)])``
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({bool(m.training) for m in models}) > 1:
        raise RuntimeError(
            "stack_module_state: Expected all models to have the same training/eval mode."
        )
    if len({type(m) for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(named: list[dict], grad: bool) -> dict:
        for i, d in enumerate(named[1:], 1):
            if list(d) != list(named[0]):
                raise ValueError(
                    f"stack_module_state: model {i} has {list(d)} but model 0 has {list(named[0])}"
                )
        out = {}
        for k in named[0]:
            flags = {bool(d[k].requires_grad) for d in named} if grad else {False}
            if len(flags) > 1:  # as torch: a parameter frozen in some models only is an error
                raise RuntimeError(
                    f"stack_module_state: Expected {k} from each model to have the same "
                    f".requires_grad"
                )
            s = _gnp.stack([d[k].detach() for d in named])
            out[k] = Tensor(s._data if isinstance(s, Tensor) else s, requires_grad=flags.pop())
        return out

    params = stacked([dict(m.named_parameters()) for m in models], True)
    buffers = stacked([dict(m.named_buffers()) for m in models], False)
    return params, buffers


def _randomness(where: str, value: str, allowed: tuple) -> None:
    if value not in ("error", "same", "different"):
        raise ValueError(
            f"{where}: randomness must be 'error', 'same' or 'different', got {value!r}"
        )
    if value not in allowed:
        raise ValueError(
            f"{where}(randomness={value!r}) is not supported: gpuad draws no per-example "
            f"random numbers inside a transform; draw them outside and pass them batched"
            + (", or use randomness='same'" if "same" in allowed else "")
        )


def _outputs_checked(func: Callable, where: str, has_aux: bool, outputs: bool = True,
                     scalar: bool = False) -> Callable:
    """``func``, refusing what torch.func refuses as the output of a differentiated function
    (gpuad's own transforms take all three, as JAX): with ``has_aux``, a pair that is not a
    tuple; with ``outputs``, no output at all (``()``, ``[]``, ``{}``) or a Python number among
    the outputs (torch wants Tensors; gpuad would read a number as a constant); with
    ``scalar`` (grad), an output with dimensions, also one of one element."""
    if not (has_aux or outputs or scalar):
        return func

    def checked(*args: Any, **kwargs: Any) -> Any:
        out = func(*args, **kwargs)
        if has_aux and not (isinstance(out, tuple) and len(out) == 2):
            raise RuntimeError(
                f"{where}: output of function f should be a tuple: (output, aux) if "
                f"has_aux is True (as torch.func); f returned {type(out).__name__} of "
                f"length {len(out) if isinstance(out, tuple | list) else 1}"
            )
        main = out[0] if has_aux else out
        if scalar and getattr(main, "ndim", 0):
            raise RuntimeError(
                f"{where}: Expected f(*args) to return a scalar Tensor, got tensor with "
                f"{main.ndim} dims (as torch.func). Maybe you wanted to use the vjp or jacrev "
                f"APIs instead? (gpuad.grad takes a one-element output)"
            )
        if not outputs or main is None:  # (gpuad's own error names a missing return)
            return out
        leaves = tree_flatten(main)[0]
        if not leaves:
            raise RuntimeError(
                f"{where}: Expected f to be a function that has non-empty output (a Tensor "
                f"or a pytree holding one, as torch.func); f returned {main!r}"
            )
        for leaf in leaves:
            if isinstance(leaf, bool | int | float | complex):
                raise RuntimeError(
                    f"{where}: expected f(*primals) to return only tensors (as torch.func), "
                    f"got the Python {type(leaf).__name__} {leaf!r}; return a Tensor "
                    f"(gpuad.tensor(v)), or use gpuad's own transforms, which take a number "
                    f"as a constant"
                )
        return out

    return _named(checked, func)


def _tensor(x: Any) -> Any:
    """``x`` as torch.func hands it back: a backend array (or NumPy scalar) as a Tensor that
    requires no gradient (a writable one: a read-only broadcast gradient is copied); a Tensor,
    and anything that is no array (an aux's number or string), as it is. (gpuad's transforms
    already copy a result that would share an argument Tensor's memory.)"""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, _np.generic):
        return Tensor(get_backend().xp.asarray(x))
    if type(x) in _by_array_type:
        if not getattr(getattr(x, "flags", None), "writeable", True):
            x = x.copy()
        return Tensor(x)
    return x


def _tensors(tree: Any) -> Any:
    """Every array leaf of a result pytree (tuples, lists, dicts) as a Tensor."""
    leaves, tdef = tree_flatten(tree)
    return tree_unflatten(tdef, [_tensor(x) for x in leaves])


def _tensors_of(transformed: Callable, like: Callable) -> Callable:
    """``transformed`` (one of gpuad's transforms of ``like``) returning Tensors."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _tensors(transformed(*args, **kwargs))

    return _named(wrapper, like)


def _named(wrapper: Callable, like: Callable) -> Callable:
    import functools

    return functools.wraps(like)(wrapper)
