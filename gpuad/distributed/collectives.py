"""Collectives on backend arrays and Tensors, differentiable where they are linear.

On a Tensor each collective is recorded like any primitive; its adjoint is the transposed
collective, which communicates too, so every rank must run the backward through the same
collectives in the same order (as it ran the forward):

=====================  ==============================  ====================================
forward                result on each rank             adjoint (what each rank's input gets)
=====================  ==============================  ====================================
all_reduce(x, "sum")   sum over ranks of x             all_reduce(g, "sum")
all_reduce(x, "mean")  mean over ranks of x            all_reduce(g, "mean")
broadcast(x, root)     root's x                        reduce(g, root) on root, zero elsewhere
reduce(x, root)        sum of x on root, zero elsewh.  broadcast(g, root)
all_gather(x)          stack of every rank's x         reduce_scatter(g)
reduce_scatter(x)      sum over ranks of x[rank]       all_gather(g)
=====================  ==============================  ====================================

``all_reduce`` with ``"max"``, ``"min"`` or ``"prod"`` works on arrays and on Tensors that do
not require grad; differentiating through it is an error.
"""

from __future__ import annotations

from typing import Any

from ..engine import apply
from ..prims.core import MissingRuleError, Primitive
from ..tensor import Tensor
from ._comm import Communicator, check_op
from ._launch import get_comm

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "reduce_scatter", "barrier"]


def _fresh(xp, x):
    """A private C-contiguous copy of ``x``: the collectives write their result into it."""
    return xp.array(x, copy=True, order="C")


def _no_saves(mask, nargs):
    return ()


def _comm(comm: Communicator | None) -> Communicator:
    return get_comm() if comm is None else comm


# ---- forward kernels on raw arrays --------------------------------------------------------

def _all_reduce_impl(xp, x, op, comm):
    buf = _fresh(xp, x)
    comm.all_reduce(buf, op)
    return buf


def _broadcast_impl(xp, x, root, comm):
    buf = _fresh(xp, x)
    comm.broadcast(buf, root)
    return buf


def _reduce_impl(xp, x, root, comm):
    buf = _fresh(xp, x)
    comm.reduce(buf, root)
    if comm.rank != root:
        buf[...] = 0
    return buf


def _all_gather_impl(xp, x, comm):
    return comm.all_gather(xp.ascontiguousarray(x))


def _reduce_scatter_impl(xp, x, comm):
    return comm.reduce_scatter(xp.ascontiguousarray(x))


# ---- adjoints: the transposed collective (on Tensors when a higher order is being taken) ----

def _vjp_all_reduce(g, ans, inputs, params, need):
    op = params["op"]
    if op not in ("sum", "mean"):
        if need[0]:
            raise _nondiff(op)
        return [None]
    return [all_reduce(g, op, comm=params["comm"]) if need[0] else None]


def _vjp_broadcast(g, ans, inputs, params, need):
    return [reduce(g, params["root"], comm=params["comm"]) if need[0] else None]


def _vjp_reduce(g, ans, inputs, params, need):
    return [broadcast(g, params["root"], comm=params["comm"]) if need[0] else None]


def _vjp_all_gather(g, ans, inputs, params, need):
    return [reduce_scatter(g, comm=params["comm"]) if need[0] else None]


def _vjp_reduce_scatter(g, ans, inputs, params, need):
    return [all_gather(g, comm=params["comm"]) if need[0] else None]


def _jvp_all_reduce(i, t, ans, inputs, params):
    if params["op"] not in ("sum", "mean"):
        raise _nondiff(params["op"])
    return all_reduce(t, params["op"], comm=params["comm"])


def _nondiff(op):
    return MissingRuleError(f"all_reduce: op {op!r} has no derivative here (only 'sum' and "
                            f"'mean' are differentiated); detach the input or use 'sum'")


def _linear(name, impl, vjp, jvp):
    return Primitive(name, impl=impl, vjp=vjp, jvp=jvp, saves=_no_saves, cplx="own")


_ALL_REDUCE = _linear("all_reduce", _all_reduce_impl, _vjp_all_reduce, _jvp_all_reduce)
_BROADCAST = _linear("broadcast", _broadcast_impl, _vjp_broadcast,
                     lambda i, t, ans, inputs, p: broadcast(t, p["root"], comm=p["comm"]))
_REDUCE = _linear("reduce", _reduce_impl, _vjp_reduce,
                  lambda i, t, ans, inputs, p: reduce(t, p["root"], comm=p["comm"]))
_ALL_GATHER = _linear("all_gather", _all_gather_impl, _vjp_all_gather,
                      lambda i, t, ans, inputs, p: all_gather(t, comm=p["comm"]))
_REDUCE_SCATTER = _linear("reduce_scatter", _reduce_scatter_impl, _vjp_reduce_scatter,
                          lambda i, t, ans, inputs, p: reduce_scatter(t, comm=p["comm"]))


def _run(rule, x, **params):
    if isinstance(x, Tensor):
        return apply(rule, (x,), params)
    from .._raw import _xp

    return rule.impl(_xp(x), x, **params)


# ---- public functions ----------------------------------------------------------------------

def all_reduce(x: Any, op: str = "sum", *, comm: Communicator | None = None) -> Any:
    """The reduction over every rank of ``x`` (same shape on every rank), on every rank.

    ``op``: ``"sum"``, ``"mean"`` (both differentiable), ``"max"``, ``"min"``, ``"prod"``.
    Returns a new array or Tensor; ``x`` is not modified.

    Example: ``total = dist.all_reduce(local_loss)``
    """
    check_op(op)
    return _run(_ALL_REDUCE, x, op=op, comm=_comm(comm))


def broadcast(x: Any, root: int = 0, *, comm: Communicator | None = None) -> Any:
    """Rank ``root``'s ``x`` on every rank (``x`` has the same shape and dtype everywhere).

    Example: ``w0 = dist.broadcast(w, root=0)``
    """
    return _run(_BROADCAST, x, root=int(root), comm=_comm(comm))


def reduce(x: Any, root: int = 0, *, comm: Communicator | None = None) -> Any:
    """The sum over ranks of ``x`` on rank ``root``; zeros of ``x``'s shape on the others.

    Example: ``total = dist.reduce(x, root=0)``
    """
    return _run(_REDUCE, x, root=int(root), comm=_comm(comm))


def all_gather(x: Any, *, comm: Communicator | None = None) -> Any:
    """Every rank's ``x`` stacked along a new first axis (shape ``(world_size,) + x.shape``).

    Example: ``everyone = dist.all_gather(x)  # everyone[r] is rank r's x``
    """
    return _run(_ALL_GATHER, x, comm=_comm(comm))


def reduce_scatter(x: Any, *, comm: Communicator | None = None) -> Any:
    """From ``x`` of shape ``(world_size,) + s`` on every rank: the sum over ranks of their
    ``x[rank()]`` (shape ``s``). The adjoint of :func:`all_gather`.

    Example: ``mine = dist.reduce_scatter(parts)``
    """
    return _run(_REDUCE_SCATTER, x, comm=_comm(comm))


def barrier(*, comm: Communicator | None = None) -> None:
    """Wait until every rank has reached this call (or raise after the timeout).

    Example: ``dist.barrier()``
    """
    _comm(comm).barrier()
