"""``linear_transpose``: the transpose of a linear function, exact or an error.

The function is traced once (the tracer of :mod:`gpuad.jit`, which sees every primitive, the
piecewise constant ones such as comparisons included, and refuses reads of values into Python)
and every step that depends on its inputs is checked against the linearity flags of the op
table (:mod:`gpuad.prims.linearity`). A function that passes is then transposed by ``vjp``,
whose result does not depend on the point for a linear function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as _np

from .backends import get_backend
from .prims import linearity as _flags
from .prims.core import RULES
from .tree import tree_flatten, tree_unflatten

_flags.install()


class NonLinearError(TypeError):
    """``linear_transpose`` was given a function that is not linear in its inputs."""


def _spec(x: Any) -> tuple[tuple[int, ...], _np.dtype]:
    """Shape and dtype of a primal: an array, a Tensor, a number or a ShapeDtypeStruct."""
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return tuple(x.shape), _np.dtype(x.dtype)
    a = _np.asarray(x)
    return a.shape, a.dtype


def _zeros(specs: list) -> list:
    xp = get_backend().xp
    return [xp.zeros(shape, dtype) for shape, dtype in specs]


def linear_transpose(fun: Callable, *primals: Any, reduce_axes: tuple = ()) -> Callable:
    """The transpose of the linear function ``fun``, as ``jax.linear_transpose``.

    ``primals`` (arrays, numbers, ``ShapeDtypeStruct`` or pytrees of them) give only the
    shapes and dtypes of ``fun``'s arguments. The result maps a cotangent of ``fun``'s output
    (same structure, shapes and dtypes) to a tuple with one cotangent per primal. A function
    that is not linear in its inputs (a product of two values that depend on them, ``sin``,
    a comparison, a value read into Python) raises :class:`NonLinearError`; constants added
    to the output are ignored (the transpose of an affine function's linear part), as in JAX.

    Example::

        f_t = gpuad.linear_transpose(lambda x: 2.0 * x[::-1], gnp.zeros(3))
        (ct,) = f_t(gnp.array([1.0, 2.0, 3.0]))     # [6., 4., 2.]
    """
    if reduce_axes:
        raise NotImplementedError(
            "linear_transpose: reduce_axes is not supported (JAX "
            "deprecated it); pass reduce_axes=()"
        )
    leaves, tdef = tree_flatten(primals)
    specs = [_spec(x) for x in leaves]
    for i, (_, dt) in enumerate(specs):
        if dt.kind != "f":
            raise TypeError(
                f"linear_transpose: primal leaf {i} has dtype {dt}; only real "
                f"floating-point inputs are supported"
            )

    def call(*flat):
        return fun(*tree_unflatten(tdef, list(flat)))

    _check_linear(call, _zeros(specs))
    out, back = _vjp_at_zero(call, specs)
    out_leaves, out_def = tree_flatten(out)
    out_specs = [_spec(o) for o in out_leaves]
    for i, (_, dt) in enumerate(out_specs):
        if dt.kind != "f":
            raise TypeError(
                f"linear_transpose: output leaf {i} has dtype {dt}; only real "
                f"floating-point outputs are supported"
            )

    def transposed(cotangent: Any) -> tuple:
        c_leaves, c_def = tree_flatten(cotangent)
        got = [_spec(c) for c in c_leaves]
        if c_def != out_def or got != out_specs:
            raise TypeError(
                f"linear_transpose: the cotangent must match fun's output: expected "
                f"{_fmt(out_specs)}, got {_fmt(got)}"
            )
        flat = back(tree_unflatten(out_def, list(c_leaves)))
        return tree_unflatten(tdef, list(flat))

    return transposed


def _fmt(specs: list) -> str:
    return "(" + ", ".join(f"{dt}{list(shape)}" for shape, dt in specs) + ")"


def _vjp_at_zero(call: Callable, specs: list):
    from .transforms import vjp

    return vjp(call, *_zeros(specs))


# what the tracer's errors say when the function reads a value that depends on its arguments
_VALUE_READS = (
    "of a traced value",
    "read into Python",
    ".data of a traced tensor",
    "depends on the function's arguments",
)


def _check_linear(call: Callable, inputs: list) -> None:
    """Trace ``call(*inputs)`` and raise :class:`NonLinearError` unless every step that
    depends on the inputs is linear in them."""
    from .jaxpr import trace_program
    from .jit import trace as _trace

    try:
        prog = trace_program(call, inputs, inspect_only=True)
    except _trace.TracerError as e:
        msg = str(e)
        if any(m in msg for m in _VALUE_READS):
            raise NonLinearError(
                f"linear_transpose: fun is not linear in its inputs: it reads their values "
                f"({msg.split(' Its value depends')[0]})"
            ) from e
        raise TypeError(
            f"linear_transpose: fun could not be traced to check that it is linear, so it is "
            f"not transposed ({msg})"
        ) from e
    _check_program(prog)


#: the zero guard of backward sweeps (gpuad.engine._guard_zero), as gpuad.jit records it
_GUARDS = ("guard_zero", "guard_zero_shaped")


def _check_program(prog) -> None:
    from .jit.program import Ref

    dep: set[int] = {v.id for v in prog.vars if v.kind == "in"}
    dep_roots: set[int] = {prog.root(v) for v in dep}

    def varies(a) -> bool:
        return type(a) is Ref and (a.v in dep or prog.root(a.v) in dep_roots)

    live = _live_steps(prog)
    for k, step in enumerate(prog.steps):
        if k not in live:
            continue
        flags = [_refs_vary(a, varies) for a in step.args]
        if not any(flags) and not (step.dyn and _refs_vary(step.params, varies)):
            continue
        where = f" at {step.where}" if step.where else ""
        if step.dyn and _refs_vary(step.params, varies):
            raise NonLinearError(
                f"linear_transpose: {step.op}{where} takes an index or parameter that depends "
                f"on fun's inputs, so fun is not linear in them"
            )
        if step.kind == "write":
            dep_roots.add(prog.root(step.args[0].v))
            continue
        if step.op in _GUARDS:
            # a backward sweep inside fun (a linear_transpose or vjp of a linear function):
            # the guard zeroes only non-finite entries where every adjoint is zero, so on
            # the finite values of a linear function it is the identity in its first argument
            dep.add(step.out)
            continue
        rule = RULES.get(step.op)
        how = rule.linear if rule is not None else _flags.NAMESPACE_LINEAR.get(step.op)
        how = how if step.kind in ("pure", "view") else None
        pos = [i for i, f in enumerate(flags) if f]
        if how is None:
            raise NonLinearError(
                f"linear_transpose: fun applies {step.op}{where} to a value that depends on "
                f"its inputs; {step.op} is not linear (or not known to be: "
                f"gpuad/prims/linearity.py), so fun has no transpose"
            )
        if how == "one" and len(pos) > 1:
            raise NonLinearError(
                f"linear_transpose: fun applies {step.op}{where} to {len(pos)} values that "
                f"depend on its inputs (a product of two of them is not linear)"
            )
        if isinstance(how, tuple) and not set(pos) <= set(how):
            raise NonLinearError(
                f"linear_transpose: fun applies {step.op}{where} with argument(s) "
                f"{[p for p in pos if p not in how]} depending on its inputs; {step.op} is "
                f"linear only in argument(s) {list(how)}"
            )
        out = prog.vars[step.out]
        if _np.dtype(out.dtype).kind not in "fc":
            raise NonLinearError(
                f"linear_transpose: {step.op}{where} turns a value that depends on fun's "
                f"inputs into dtype {out.dtype}, which is not linear"
            )
        dep.add(step.out)


def _live_steps(prog) -> set[int]:
    """Indices of the steps the outputs depend on (a comparison whose result nothing reads is
    not part of the function)."""
    live: set[int] = set()
    for o in prog.outputs:
        if o[0] == "var":
            live.update((o[1], prog.root(o[1])))
    steps: set[int] = set()
    for k in range(len(prog.steps) - 1, -1, -1):
        step = prog.steps[k]
        hit = step.out is not None and (step.out in live or prog.root(step.out) in live)
        hit = hit or any(w in live for w in step.writes)
        if hit:
            steps.add(k)
            for v in step.refs():
                live.update((v, prog.root(v)))
    return steps


def _refs_vary(obj, varies) -> bool:
    if varies(obj):
        return True
    if isinstance(obj, tuple | list):
        return any(_refs_vary(o, varies) for o in obj)
    if isinstance(obj, dict):
        return any(_refs_vary(o, varies) for o in obj.values())
    if type(obj) is slice:
        return any(_refs_vary(o, varies) for o in (obj.start, obj.stop, obj.step))
    return False
