"""``torch.autograd.functional``: jacobian, hessian, vjp, jvp, hvp and vhp with torch's
signatures and return conventions, built, as torch's, on :func:`gpuad.autograd.grad`.

A single Tensor argument gives single results, a tuple gives tuples; ``create_graph=True``
keeps the results differentiable with respect to the arguments' own history; ``strict=True``
makes an output that does not depend on an input an error instead of zeros. ``vectorize``
is accepted (the results are the same either way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _state, engine
from .. import numpy as gnp
from .. import rules as _r
from ..engine import GradError
from ..tensor import Tensor
from .grads import grad as _grad


def _as_tuple(x: Any, what: str, where: str) -> tuple[bool, tuple]:
    if isinstance(x, tuple):
        items = x
        is_tuple = True
    elif isinstance(x, list):
        items = tuple(x)
        is_tuple = True
    else:
        items = (x,)
        is_tuple = False
    out = []
    for i, a in enumerate(items):
        if isinstance(a, Tensor):
            out.append(a)
        elif hasattr(a, "shape") and hasattr(a, "dtype"):
            out.append(_tensor(a))
        else:
            raise TypeError(
                f"{where}: the {what} must be either a Tensor or a tuple of Tensors "
                f"but the given {what} has type {type(a).__name__} (entry {i})"
            )
    return is_tuple, tuple(out)


def _tensor(a: Any) -> Tensor:
    from .. import tensor

    return tensor(a)


def _outputs(x: Any, where: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, a in enumerate(items):
        if not isinstance(a, Tensor):
            raise TypeError(
                f"{where}: the outputs of the user-provided function must be either "
                f"a Tensor or a tuple of Tensors but output {i} has type "
                f"{type(a).__name__}"
            )
    _inside_transform(items, True, where)  # a function closing over a batched value
    return is_tuple, items


def _inside_transform(values: tuple, create_graph: bool, where: str) -> None:
    """Refuse what torch refuses, where gpuad would otherwise answer wrongly: a batched value
    (inside vmap: these functions would see the whole batch as one input), a forward-mode
    tangent (inside jvp/jacfwd: it would be dropped), and any call inside grad/vjp with
    ``create_graph=False`` (the result is cut from the history of the inputs and of what the
    function closes over, so the enclosing transform would see a zero derivative)."""
    what = None
    for a in values:
        if isinstance(a, Tensor) and a._bat is not None:
            what = "inside vmap (it would treat the whole batch as one input)"
        elif isinstance(a, Tensor) and a._tan:
            what = "under forward mode (jvp, jacfwd: the tangents would be dropped)"
    if what is None and not create_graph and getattr(_state.local, "tr_depth", 0):
        what = (
            "inside grad/vjp with create_graph=False (its result would be cut from the "
            "history of the inputs and of the values the function closes over, so the "
            "enclosing transform would see a zero derivative)"
        )
    if what is not None:
        raise GradError(
            f"{where} called {what}; as torch, gpuad does not support torch.autograd.functional "
            f"inside transforms: use gpuad.func.jacrev, jacfwd, vjp, jvp or hessian, which "
            f"compose with vmap, grad and jvp"
            + (", or pass create_graph=True" if what.startswith("inside grad") else "")
        )


def _prepare(inputs: tuple, create_graph: bool, where: str = "autograd.functional") -> tuple:
    """Differentiation targets: an argument that requires grad is seen through a recorded
    identity step when the results must stay differentiable (create_graph), else through a
    fresh leaf sharing its data."""
    _inside_transform(inputs, create_graph, where)
    out = []
    for a in inputs:
        if create_graph and a.requires_grad:
            with _state.enable_grad():
                out.append(_r.identity(a))
        else:
            out.append(Tensor(a._data, requires_grad=True))
    return tuple(out)


def _post(xs: Any, create_graph: bool) -> Any:
    if isinstance(xs, tuple):
        return tuple(_post(x, create_graph) for x in xs)
    if xs is None or create_graph or not isinstance(xs, Tensor):
        return xs
    return Tensor(xs._data) if xs.requires_grad else xs


def _single(is_tuple: bool, xs: tuple) -> Any:
    return xs if is_tuple else xs[0]


def _check_v(v: tuple, ref: tuple, where: str, against: str) -> None:
    if len(v) != len(ref):
        raise ValueError(
            f"{where}: v is a tuple of invalid length: should be {len(ref)} "
            f"(one per {against}) but got {len(v)}"
        )
    for i, (a, b) in enumerate(zip(v, ref, strict=True)):
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(
                f"{where}: entry {i} in v has invalid size: should be "
                f"{tuple(b.shape)} (the shape of {against} {i}) but got "
                f"{tuple(a.shape)}"
            )


def _zeros(t: Tensor) -> Tensor:
    return Tensor(engine._rules._xp(t._data).zeros(t._data.shape, t.dtype))


def _grads(outs: tuple, ins: tuple, cots: tuple | None, create_graph: bool) -> tuple:
    """``grad`` of the outputs that require grad (cotangents ``cots``), None for inputs not
    reached."""
    keep = [k for k, o in enumerate(outs) if o.requires_grad]
    if not keep:
        return (None,) * len(ins)
    return _grad(
        [outs[k] for k in keep],
        list(ins),
        None if cots is None else [cots[k] for k in keep],
        retain_graph=True,
        create_graph=create_graph,
        allow_unused=True,
    )


def _fill(grads: tuple, refs: tuple, strict: bool, where: str, what: str,
          create_graph: bool = False) -> tuple:
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs, strict=True)):
        if g is None:
            if strict:
                raise GradError(
                    f"{where}: {what} {i}. This is not allowed in strict mode (strict=True)"
                )
            g = _zeros(ref)
        elif strict and create_graph and not g.requires_grad:
            # a result that does not depend on the inputs: its derivative would be zero
            raise GradError(
                f"{where}: the jacobian of the user-provided function is independent of input "
                f"{i}. This is not allowed in strict mode when create_graph=True")
        out.append(g)
    return tuple(out)


def _refuse_strict_vectorize(strict: bool, vectorize: bool, where: str) -> None:
    if strict and vectorize:
        raise GradError(
            f"{where}: strict=True and vectorize=True are not supported together (as in "
            f"torch); set strict=False or vectorize=False")


def vjp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(*inputs), v^T J)`` as ``torch.autograd.functional.vjp``.

    Example: ``out, g = gpuad.autograd.functional.vjp(f, x, v)``
    """
    where = "autograd.functional.vjp"
    in_tuple, ins = _as_tuple(inputs, "inputs", where)
    with _state.enable_grad():
        ins = _prepare(ins, create_graph, where)
        out_tuple, outs = _outputs(func(*ins), where)
        if v is not None:
            _, vs = _as_tuple(v, "v", where)
            _check_v(vs, outs, where, "output")
        else:
            if out_tuple or outs[0].size != 1:
                raise ValueError(
                    f"{where}: the vector v can only be None if the user-provided "
                    f"function returns a single Tensor with a single element"
                )
            vs = None
        res = _grads(outs, ins, vs, create_graph)
    res = _fill(
        res, ins, strict, where, "the output of the user-provided function is independent of input",
        create_graph,
    )
    return _post(_single(out_tuple, outs), create_graph), _post(
        _single(in_tuple, res), create_graph
    )


def jvp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(*inputs), J v)`` as ``torch.autograd.functional.jvp`` (by the double-vjp
    trick: the transpose of ``u -> J^T u``).

    Example: ``out, t = gpuad.autograd.functional.jvp(f, x, v)``
    """
    where = "autograd.functional.jvp"
    in_tuple, ins = _as_tuple(inputs, "inputs", where)
    if v is not None:
        _, vs = _as_tuple(v, "v", where)
        _check_v(vs, ins, where, "input")
    else:
        if in_tuple or ins[0].size != 1:
            raise ValueError(
                f"{where}: the vector v can only be None if the input to the "
                f"user-provided function is a single Tensor with a single element"
            )
        vs = (Tensor(engine._rules._xp(ins[0]._data).ones(ins[0].shape, ins[0].dtype)),)
    with _state.enable_grad():
        ins = _prepare(ins, create_graph, where)
        out_tuple, outs = _outputs(func(*ins), where)
        us = tuple(Tensor(_zeros(o)._data, requires_grad=True) for o in outs)
        back = _grads(outs, ins, us, True)
        pairs = [(b, w) for b, w in zip(back, vs, strict=True) if b is not None and b.requires_grad]
        if pairs:
            res = _grad(
                [p[0] for p in pairs],
                list(us),
                [p[1] for p in pairs],
                create_graph=create_graph,
                allow_unused=True,
            )
        else:
            res = (None,) * len(outs)
    res = _fill(
        res,
        outs,
        strict,
        where,
        "the output of the user-provided function is independent of the inputs; output",
        create_graph,
    )
    return _post(_single(out_tuple, outs), create_graph), _post(
        _single(out_tuple, res), create_graph
    )


def jacobian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs`` as ``torch.autograd.functional.jacobian``:
    block ``[i][j]`` has shape ``outputs[i].shape + inputs[j].shape``; a single output or
    input drops its level of tuple.

    Example: ``J = gpuad.autograd.functional.jacobian(lambda x: gnp.sin(x), x)``
    """
    where = "autograd.functional.jacobian"
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f'{where}: expected strategy to be either "forward-mode" or '
            f'"reverse-mode", got {strategy!r}'
        )
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(
            f'{where}: strategy="forward-mode" is only implemented with vectorize=True, as in torch'
        )
    _refuse_strict_vectorize(strict, vectorize, where)
    in_tuple, ins = _as_tuple(inputs, "inputs", where)
    with _state.enable_grad():
        ins = _prepare(ins, create_graph, where)
        out_tuple, outs = _outputs(func(*ins), where)
        blocks = []
        for i, o in enumerate(outs):
            rows: list[list] = [[] for _ in ins]
            xp = engine._rules._xp(o._data)
            flat = xp.zeros(o.size, o.dtype)
            for k in range(o.size):
                flat[k] = 1
                e = flat.reshape(o._data.shape)
                gs = _grads((o,), ins, (e.copy(),), create_graph)
                flat[k] = 0
                for j, g in enumerate(gs):
                    if g is None and strict:
                        raise GradError(
                            f"{where}: output {i} of the user-provided function is "
                            f"independent of input {j}. This is not allowed in "
                            f"strict mode (strict=True)"
                        )
                    if g is not None and strict and create_graph and not g.requires_grad:
                        raise GradError(
                            f"{where}: the jacobian of the user-provided function is "
                            f"independent of input {j}. This is not allowed in strict mode "
                            f"when create_graph=True")
                    rows[j].append(g if g is not None else _zeros(ins[j]))
            row = []
            for j, x in enumerate(ins):
                shape = tuple(o.shape) + tuple(x.shape)
                if rows[j]:
                    row.append(gnp.reshape(gnp.stack(rows[j]), shape))
                else:
                    row.append(Tensor(engine._rules._xp(x._data).zeros(shape, x.dtype)))
            blocks.append(_single(in_tuple, tuple(row)))
    return _post(_single(out_tuple, tuple(blocks)), create_graph)


def _scalar_output(func: Callable, where: str) -> Callable:
    def f(*xs: Any) -> Tensor:
        out = func(*xs)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{where}: the function given to {where.split('.')[-1]} should "
                f"return a single Tensor, got {type(out).__name__}"
            )
        if out.size != 1:
            raise ValueError(
                f"{where}: the Tensor returned by the function should contain a "
                f"single element; it has shape {out.shape}"
            )
        return gnp.reshape(out, ())

    return f


def hessian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of the scalar ``func`` at ``inputs`` as
    ``torch.autograd.functional.hessian``: block ``[i][j]`` has shape
    ``inputs[i].shape + inputs[j].shape``.

    Example: ``H = gpuad.autograd.functional.hessian(lambda x: (x ** 3).sum(), x)``
    """
    where = "autograd.functional.hessian"
    _refuse_strict_vectorize(strict, vectorize, where)
    in_tuple, ins = _as_tuple(inputs, "inputs", where)
    f = _scalar_output(func, where)

    def gradient(*xs: Any) -> tuple:
        out = f(*xs)
        gs = _grads((out,), xs, None, True)
        return tuple(g if g is not None else _zeros(x) for g, x in zip(gs, xs, strict=True))

    res = jacobian(
        gradient,
        ins,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    if not in_tuple:
        return res[0][0]
    return res


def vhp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(*inputs), v^T H)`` for a scalar ``func``, as ``torch.autograd.functional.vhp``.

    Example: ``out, r = gpuad.autograd.functional.vhp(f, x, v)``
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(*inputs), H v)`` for a scalar ``func``, as ``torch.autograd.functional.hvp``
    (the Hessian of a twice differentiable function is symmetric: ``H v = (v^T H)^T``).

    Example: ``out, r = gpuad.autograd.functional.hvp(f, x, v)``
    """
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, name):
    where = f"autograd.functional.{name}"
    in_tuple, ins = _as_tuple(inputs, "inputs", where)
    if v is not None:
        _, vs = _as_tuple(v, "v", where)
        _check_v(vs, ins, where, "input")
    else:
        if in_tuple or ins[0].size != 1:
            raise ValueError(
                f"{where}: the vector v can only be None if the input to the "
                f"user-provided function is a single Tensor with a single element"
            )
        vs = (Tensor(engine._rules._xp(ins[0]._data).ones(ins[0].shape, ins[0].dtype)),)
    with _state.enable_grad():
        ins = _prepare(ins, create_graph, where)
        out = func(*ins)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{where}: the function given to {name} should return a single "
                f"Tensor, got {type(out).__name__}"
            )
        if out.size != 1:
            raise ValueError(
                f"{where}: the Tensor returned by the function given to {name} "
                f"should contain a single element; it has shape {out.shape}"
            )
        first = _grads((out,), ins, None, True)
        if strict and any(g is None or not g.requires_grad for g in first):
            raise GradError(
                f"{where}: the Jacobian of the user-provided function is "
                f"independent of an input. This is not allowed in strict mode"
            )
        pairs = [
            (g, w) for g, w in zip(first, vs, strict=True) if g is not None and g.requires_grad
        ]
        if pairs:
            res = _grad(
                [p[0] for p in pairs],
                list(ins),
                [p[1] for p in pairs],
                create_graph=create_graph,
                allow_unused=True,
            )
        else:
            res = (None,) * len(ins)
    res = _fill(
        res, ins, strict, where, "the Hessian of the user-provided function is independent of input"
    )
    return _post(out, create_graph), _post(_single(in_tuple, res), create_graph)
