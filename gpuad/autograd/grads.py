"""``torch.autograd.grad`` and ``torch.autograd.backward`` over gpuad's reverse sweep."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import engine
from ..engine import GradError, check_cotangent, edge_of, run_backward
from ..tensor import Tensor

TensorOrTensors = Tensor | Sequence[Tensor]


def _as_list(x: Any, what: str, where: str) -> list:
    if isinstance(x, Tensor) or (hasattr(x, "shape") and hasattr(x, "dtype")):
        return [x]
    if isinstance(x, Sequence) and not isinstance(x, str):
        return list(x)
    raise TypeError(
        f"{where}: {what} must be a Tensor or a sequence of Tensors, got {type(x).__name__}"
    )


def _roots(outputs: Any, where: str) -> list[Tensor]:
    outs = _as_list(outputs, "outputs", where)
    if not outs:
        raise ValueError(f"{where}: outputs is empty; pass the tensors to differentiate")
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"{where}: outputs[{i}] is a {type(o).__name__}, not a Tensor")
        engine.current(o)
        if o._bat is not None:
            raise GradError(
                f"{where} inside vmap: use gpuad.grad or gpuad.vjp, which return "
                f"per-example gradients"
            )
        if not o.requires_grad:
            raise GradError(
                f"{where}: element {i} of tensors does not require grad and does not have a "
                f"grad_fn (shape {o.shape}: no input of its computation had "
                f"requires_grad=True, or it ran under no_grad)" + engine.checkpoint_forward_hint()
            )
    return outs


def _cotangents(outs: list[Tensor], grads: Any, where: str, name: str) -> list:
    if grads is None:
        grads = [None] * len(outs)
    else:
        grads = _as_list(grads, name, where)
    if len(grads) != len(outs):
        raise ValueError(
            f"{where}: {name} has {len(grads)} entries for {len(outs)} outputs; "
            f"pass one per output (None for a one-element output)"
        )
    cots = []
    for i, (o, g) in enumerate(zip(outs, grads, strict=True)):
        if g is None:
            if o.size != 1:
                raise GradError(
                    f"{where}: grad can be implicitly created only for scalar outputs; "
                    f"output {i} has shape {o.shape}, so pass {name}[{i}] (a cotangent of that "
                    f"shape)"
                )
            if o.dtype.kind == "c":
                raise GradError(
                    f"{where}: output {i} is complex ({o.dtype}); pass {name}[{i}] "
                    f"(a complex cotangent) or reduce it to a real loss first"
                )
            cots.append(engine._by_array_type[type(o._data)].xp.ones(o._data.shape, o.dtype))
        else:
            cots.append(check_cotangent(f"{where}: {name}[{i}]", o, g))
    return cots


def _targets(inputs: Any, where: str) -> list[Tensor]:
    ins = _as_list(inputs, "inputs", where)
    if not ins:
        raise ValueError(
            f"{where}: inputs is empty; pass the tensors to differentiate with respect to"
        )
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: inputs[{i}] is a {type(t).__name__}, not a Tensor")
        engine.current(t)  # a view whose base was written since: its value now, as torch's
        if not t.requires_grad:
            raise GradError(
                f"{where}: one of the differentiated Tensors (inputs[{i}], shape "
                f"{t.shape}) does not require grad"
            )
    return ins


def _sweep(outs, cots, nodes, retain_graph, create_graph) -> dict:
    """The adjoints reaching ``nodes`` (passing through each: one may lie behind another)."""
    if not create_graph:
        cots = [c._data if isinstance(c, Tensor) and not c._tan else c for c in cots]
    return run_backward(
        outs,
        cots,
        targets=nodes,
        retain_graph=retain_graph,
        create_graph=create_graph,
        stop_at_targets=False,
    )


def _reached(outs: list[Tensor], node: Any) -> bool:
    """Whether ``node`` lies on the graph of ``outs`` (a gradient that reached it was zero)."""
    return node in engine._relevant_nodes([edge_of(o) for o in outs], [node], False)


def grad(
    outputs: TensorOrTensors,
    inputs: TensorOrTensors,
    grad_outputs: TensorOrTensors | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, as ``torch.autograd.grad``:
    a tuple with one Tensor per input; ``.grad`` of the leaves is left alone.

    ``grad_outputs`` are the cotangents (None: ones, for one-element outputs only). An input
    that the outputs do not depend on is an error unless ``allow_unused`` (None for it) or
    ``materialize_grads`` (zeros). The graph's saved values are freed unless
    ``retain_graph``; ``create_graph=True`` records the sweep, so the results can be
    differentiated again.

    Example::

        x = gpuad.tensor([1.0, 2.0], requires_grad=True)
        (g,) = gpuad.autograd.grad((x ** 3).sum(), x, create_graph=True)   # 3 x^2
        (h,) = gpuad.autograd.grad(g.sum(), x)                              # 6 x
    """
    where = "autograd.grad"
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError(
            f"{where}: materialize_grads=True needs allow_unused=True or left "
            f"unset (an unused input gets zeros, never an error)"
        )
    if not only_inputs:
        raise ValueError(
            f"{where}: only_inputs=False is not supported (and deprecated in "
            f"torch); call backward(..., inputs=...) to fill .grad"
        )
    outs = _roots(outputs, where)
    ins = _targets(inputs, where)
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        return _batched(
            outs, ins, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads
        )
    level = _vmapped_cotangents(outs, ins, grad_outputs, create_graph, where)
    if level is not None:  # vmap over the cotangents of a graph recorded outside it
        gos = _as_list(grad_outputs, "grad_outputs", where)
        size = next(int(g._data.shape[0]) for g in gos if isinstance(g, Tensor) and g._bat)
        gos = [_moved_front(g, size) for g in gos]
        res = _batched(outs, ins, gos, retain_graph, False, allow_unused, materialize_grads)
        return tuple(None if r is None else Tensor(r._data, _bat=(level,)) for r in res)
    cots = _cotangents(outs, grad_outputs, where, "grad_outputs")
    nodes = [edge_of(t) for t in ins]
    res = _sweep(outs, cots, nodes, retain_graph, create_graph)
    result = []
    for i, (t, n) in enumerate(zip(ins, nodes, strict=True)):
        g = res.get(n)
        if g is None:
            if _reached(outs, n):
                g = engine._by_array_type[type(t._data)].xp.zeros(t._data.shape, t.dtype)
            elif not allow_unused:
                raise GradError(
                    f"{where}: the differentiated Tensor at index {i} (shape {t.shape}) "
                    f"appears to not have been used in the graph. Set allow_unused=True if "
                    f"this is the desired behavior (its gradient is then None, or zeros with "
                    f"materialize_grads=True)"
                )
            elif materialize_grads:
                g = engine._by_array_type[type(t._data)].xp.zeros(t._data.shape, t.dtype)
                if create_graph:  # a leaf of the next order's graph, as torch's zeros
                    result.append(Tensor(g, requires_grad=True))
                    continue
            else:
                result.append(None)
                continue
        if isinstance(g, Tensor):
            result.append(g if create_graph else Tensor(g._data.copy()))
        else:
            result.append(
                Tensor(engine._np.array(g) if isinstance(g, engine._np.generic) else g.copy())
            )
    return tuple(result)


def _vmapped_cotangents(outs, ins, grad_outputs, create_graph, where):
    """The vmap level over which ``grad_outputs`` are batched while the graph (``outs``,
    ``ins``) is not: torch's batched-gradient idiom ``vmap(lambda v: grad(y, x, v))(vs)``,
    run as ``is_grads_batched``. None when no cotangent is batched beyond its output; an
    error for the cases that idiom does not cover (the graph read at several levels)."""
    if grad_outputs is None:
        return None
    gos = _as_list(grad_outputs, "grad_outputs", where)
    extra = set()
    for g in gos:
        if isinstance(g, Tensor) and g._bat is not None:
            extra.update(g._bat)
    if not extra:
        return None
    graph = set()
    for t in list(outs) + list(ins):
        graph.update(t._bat or ())
    if extra <= graph:
        return None  # the graph was recorded inside this vmap: per example already
    if (
        len(extra) > 1
        or graph
        or create_graph
        or any(isinstance(g, Tensor) and (g.requires_grad or g._tan) for g in gos)
    ):
        raise GradError(
            f"{where} inside vmap with grad_outputs batched over a vmap the differentiated "
            f"graph was not recorded in: gpuad maps one level of such cotangents (without "
            f"create_graph); call grad(..., is_grads_batched=True) outside vmap, or use "
            f"gpuad.func.vjp, whose vjp_fn composes with vmap"
        )
    return extra.pop()


def _moved_front(g, size: int):
    """A cotangent as ``is_grads_batched`` takes it: the ``size`` examples of the one vmap
    level along a leading axis (an unbatched one repeated)."""
    if isinstance(g, Tensor) and g._bat is not None:
        return Tensor(g._data)  # one level: its axis is the first
    data = g._data if isinstance(g, Tensor) else g
    xp = engine._by_array_type[type(data)].xp
    return Tensor(xp.broadcast_to(data, (size,) + tuple(data.shape)))


def _batched(outs, ins, grad_outputs, retain_graph, create_graph, allow_unused, materialize):
    """``is_grads_batched``: one sweep per row of the leading axis of ``grad_outputs``."""
    where = "autograd.grad(is_grads_batched=True)"
    gos = _as_list(grad_outputs, "grad_outputs", where) if grad_outputs is not None else None
    if gos is None or any(g is None for g in gos):
        raise ValueError(
            f"{where}: every grad_outputs entry must be given, with a leading batch axis"
        )
    from .. import numpy as gnp

    sizes = {int(g.shape[0]) if getattr(g, "ndim", 0) else -1 for g in gos}
    if len(sizes) != 1 or -1 in sizes:
        raise ValueError(
            f"{where}: the grad_outputs need one common leading batch axis; got "
            f"shapes {[tuple(getattr(g, 'shape', ())) for g in gos]}"
        )
    n = sizes.pop()
    rows = []
    for k in range(n):
        rows.append(
            grad(
                outs,
                ins,
                [g[k] for g in gos],
                retain_graph=True if k < n - 1 else retain_graph,
                create_graph=create_graph,
                allow_unused=allow_unused,
                materialize_grads=materialize,
            )
        )
    return tuple(
        None if rows[0][i] is None else gnp.stack([r[i] for r in rows]) for i in range(len(ins))
    )


def backward(
    tensors: TensorOrTensors,
    grad_tensors: TensorOrTensors | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Any = None,
    inputs: TensorOrTensors | None = None,
) -> None:
    """Accumulate the gradients of ``tensors`` (cotangents ``grad_tensors``) into ``.grad``
    of the leaves, or only of ``inputs`` when given, as ``torch.autograd.backward``.

    Example::

        gpuad.autograd.backward([loss1, loss2])          # both losses' gradients, summed
        gpuad.autograd.backward(y, gnp.ones(y.shape), inputs=[w])
    """
    where = "autograd.backward"
    if grad_variables is not None:
        if grad_tensors is not None:
            raise ValueError(f"{where}: pass grad_tensors only (grad_variables is its old name)")
        grad_tensors = grad_variables
    outs = _roots(tensors, where)
    cots = _cotangents(outs, grad_tensors, where, "grad_tensors")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        for o in outs:
            edge_of(o)
        run_backward(outs, cots, retain_graph=retain_graph, create_graph=create_graph)
        return
    ins = _as_list(inputs, "inputs", where)
    if not ins:
        raise ValueError(
            f"{where}: inputs= is empty, so no gradient would be computed; pass "
            f"the tensors to accumulate into, or leave inputs=None for all"
        )
    ins = _targets(ins, where)
    nodes = [edge_of(t) for t in ins]
    res = _sweep(outs, cots, nodes, retain_graph, create_graph)
    engine._accumulate_inputs(ins, nodes, res, create_graph)
