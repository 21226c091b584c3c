"""Kernels of fused groups: the statements of a group, rendered for each target.

A group (:class:`gpuad.jit.fusion.Group`) becomes a list of per-element statements, one per
fused step, each its primitive's expression with the names bound to loaded elements,
earlier statements or constants (``t7 = sin(x0)``, ``t8 = t7 * T(0.9)``). The same statements
are rendered

- for Numba (:mod:`gpuad.jit.codegen_numba`, the CPU),
- as CUDA C++ (:mod:`gpuad.jit.codegen_cuda`, a CuPy ``ElementwiseKernel``),
- as whole-array calls of the backend's array module (:class:`ArrayKernel`: where neither
  compiler is available, e.g. the CuPy stand-in).

Every statement is evaluated in its step's dtype, with inputs of the other float type cast
first and Python numbers converted to it, as NumPy does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as _np

from ..prims import expr as _E

_C_TYPES = {"float32": "float", "float64": "double"}


@dataclass
class Spec:
    """What a target needs to generate one group's kernel."""

    shape: tuple
    loads: list  # (var id, dtype)
    outs: list  # (var id, dtype): results written (stores, then a reduction's input)
    nstores: int
    stmts: list  # (var id, dtype, node)
    reduce: object  # the reduction step or None
    inside: bool = False  # the kernel reduces (else ``finish`` calls the backend after it)
    red_of: int | None = None  # the statement the reduction reads
    post: tuple = ()  # nodes applied to the reduced value, in order (a mean's divide)

    @property
    def red_op(self) -> str:
        return self.reduce.op

    @property
    def axes(self) -> tuple:
        """The reduced axes, normalised (all of them for ``axis=None``)."""
        ax = self.reduce.params.get("axis")
        nd = len(self.shape)
        if ax is None:
            return tuple(range(nd))
        ax = (ax,) if isinstance(ax, int) else tuple(ax)
        return tuple(sorted(a % nd for a in ax))

    @property
    def keepdims(self) -> bool:
        return bool(self.reduce.params.get("keepdims", False))

    @property
    def red_shape(self) -> tuple:
        """The reduction's result shape."""
        ax = self.axes
        if self.keepdims:
            return tuple(1 if k in ax else d for k, d in enumerate(self.shape))
        return tuple(d for k, d in enumerate(self.shape) if k not in ax)


def spec_of(prog, g, inside: bool = False) -> Spec:
    """The spec of group ``g``; ``inside``: the target reduces inside the kernel, so the
    reduction's input is written only where something else reads it."""
    outs = list(g.stores)
    if g.reduce is not None and g.reduce_of not in outs and not inside:
        outs.append(g.reduce_of)
    return Spec(tuple(g.shape), [(v, prog.vars[v].dtype) for v in g.loads],
                [(v, prog.vars[v].dtype) for v in outs], len(g.stores),
                [(v, g.nodes[v].dtype, g.nodes[v]) for v in g.order], g.reduce,
                inside and g.reduce is not None, g.reduce_of, tuple(g.post))


@dataclass(frozen=True)
class Lang:
    """How a target writes numbers, casts, functions, comparisons and the zero guard."""

    num: Callable[[object, _np.dtype], str]
    cast: Callable[[str, _np.dtype], str]
    call: Callable[[str, str, _np.dtype], str]
    cmp: Callable[[str, str, str, _np.dtype], str]
    guard: Callable[[str, list, _np.dtype], str]
    select: Callable[[str, str, str, _np.dtype], str] | None = None  # ``a if test else b``
    #: how a number among a step's operands is written (default ``num``): a target may pass it
    #: as a kernel argument, so that groups differing only in such numbers share one kernel
    const: Callable[[object, _np.dtype], str] | None = None


#: the syntax trees of the primitives' expressions (read, never changed, by the renderers)
_parse = functools.lru_cache(maxsize=1024)(_E.parse)


def statements(spec: Spec, lang: Lang, load_name: Callable[[int], str],
               stmt_name: Callable[[int], str] | None = None) -> list[tuple[str, str]]:
    """``[(name, text)]``: one assignment per statement, in evaluation order (``stmt_name``:
    the name of statement ``v``, by default ``t{v}``)."""
    local: dict[int, tuple[str, _np.dtype]] = {}
    for k, (v, dt) in enumerate(spec.loads):
        local[v] = (load_name(k), dt)
    out = []
    for v, dt, node in spec.stmts:
        def operand(a, dt=dt):
            from .program import Ref

            if type(a) is Ref:
                name, adt = local[a.v]
                return name if adt == dt else lang.cast(name, dt)
            return (lang.num if lang.const is None else lang.const)(a, dt)

        bound = {n: operand(a) for n, a in zip(node.names, node.args, strict=True)}
        if node.expr == "guard":
            text = lang.guard(bound["r"], [bound[n] for n in node.names[1:]], dt)
        else:
            tree = _parse(node.expr, tuple(node.names))

            def name(n, dt=dt, bound=bound):
                if n in _E.CONSTANTS:
                    return lang.num(_E.CONSTANTS[n][0], dt)
                return bound[n]

            text = _E._render(tree, name, lambda x, dt=dt: lang.num(x, dt),
                              lambda f, a, dt=dt: lang.call(f, a, dt),
                              lambda _l, a, op, _r, b, dt=dt: lang.cmp(a, op, b, dt),
                              None if lang.select is None else
                              lambda c, a, b, dt=dt: lang.select(c, a, b, dt))
        tname = f"t{v}" if stmt_name is None else stmt_name(v)
        local[v] = (tname, dt)
        out.append((tname, text))
    return out


def canonical_names(stmts) -> dict:
    """Statement names by position (``t0, t1, ..``), not by the program's variable ids, for
    the statements ``stmts`` of a spec: the same computation in two groups (two steps of an
    unrolled loop) then has one source, and one compiled kernel.

    Example::

        names = canonical_names(spec.stmts)
        statements(spec, lang, lambda k: f"x{k}", names.__getitem__)
    """
    return {v: f"t{k}" for k, (v, _, _) in enumerate(stmts)}


def result_names(spec: Spec, stmt_name: Callable[[int], str] | None = None) -> list[str]:
    return [f"t{v}" if stmt_name is None else stmt_name(v) for v, _ in spec.outs]


# ---- whole-array evaluation (any array module) --------------------------------------------

# comparisons as functions: ``numpy.float64(c) < a`` hands CuPy a NumPy 0-d array, which it refuses
_XP_CMP = {"<": "less", "<=": "less_equal", ">": "greater", ">=": "greater_equal",
           "==": "equal", "!=": "not_equal"}


def _xp_lang() -> Lang:
    def num(x, dt):
        return f"xp.{dt.name}({float(x)!r})"

    def call(f, a, dt):
        if f == "sigmoid":
            return f"xp.exp(-xp.logaddexp(xp.{dt.name}(0), -({a})))"
        if f == "erf":
            return f"_erf({a})"
        return f"xp.{f}({a})"

    return Lang(num, lambda a, dt: f"({a}).astype(xp.{dt.name})", call,
                lambda a, op, b, dt: f"xp.{_XP_CMP[op]}({a}, {b}).astype(xp.{dt.name})",
                lambda r, gs, dt: "xp.where(" + " & ".join(
                    [f"({g} == 0)" for g in gs] + [f"~xp.isfinite({r})"]) +
                f", xp.{dt.name}(0), {r})" if gs else r,
                lambda c, a, b, dt: f"xp.where(({c}) != 0, {a}, {b}).astype(xp.{dt.name})")


class ArrayKernel:
    """A group run as whole-array calls of ``xp`` (one pass per statement: no fusion of
    memory traffic, the same arithmetic). Used where no kernel compiler is available."""

    def __init__(self, spec: Spec, xp):
        self.spec = spec
        self.xp = xp
        stmts = statements(spec, _xp_lang(), lambda k: f"a{k}")
        args = ", ".join(f"a{k}" for k in range(len(spec.loads)))
        lines = [f"def _k({args}):"]
        for name, text in stmts:
            lines.append(f"    {name} = {text}")
        res = result_names(spec)
        lines.append(f"    return ({', '.join(res)},)")
        self.source = "\n".join(lines)
        ns = {"xp": xp, "_erf": _E.FUNCTIONS["erf"].numpy}
        exec(compile(self.source, "<gpuad fused group>", "exec"), ns)  # noqa: S102
        self._k = ns["_k"]

    takes_out = True

    def values(self, *arrays, out=None) -> list:
        """The group's written values (``spec.outs``), as arrays of its shape (the stored ones
        in the plan's buffers ``out`` where given)."""
        xp = self.xp
        with _np.errstate(all="ignore"):
            vals = self._k(*arrays)
        outs = out_arrays(self, xp, out)
        for o, val in zip(outs, vals, strict=True):
            o[...] = val
        return outs

    def __call__(self, *arrays, out=None):
        return finish(self.spec, self.values(*arrays, out=out))


def out_arrays(kernel, xp, out, loads=()) -> list:
    """The arrays a kernel writes: the memory plan's buffers in ``out`` (one per stored value,
    None where the plan gave none), fresh arrays for the others, and the input of a trailing
    reduction run after the kernel (read by nothing else) in a scratch array the kernel keeps
    between calls. On NumPy, where a loaded array of the group's shape (``loads``) is not
    C-contiguous, every one is a fresh array laid out as NumPy lays out eager's result of its
    step (a reduction adds in the order of its input's layout, so the plan's C-contiguous
    buffers would change its bits)."""
    spec = kernel.spec
    if _strided_loads(xp, tuple(spec.shape), loads) is not None:
        layout = _eager_layouts(spec, loads)
        return [_np.empty_like(layout[v], dtype=dt) if v in layout else _np.empty(spec.shape, dt)
                for v, dt in spec.outs]
    res = []
    for k, (_, dt) in enumerate(spec.outs):
        if k < spec.nstores:
            o = out[k] if out is not None and out[k] is not None else None
            res.append(xp.empty(spec.shape, dt) if o is None else o)
            continue
        scratch = getattr(kernel, "_scratch", None)
        if scratch is None:
            scratch = kernel._scratch = xp.empty(spec.shape, dt)
        res.append(scratch)
    return res


def _strided_loads(xp, shape: tuple, loads) -> list | None:
    """The loaded arrays of the group's shape when one of them is not C-contiguous (NumPy
    only, two or more axes), else None."""
    if xp is not _np or len(shape) < 2:
        return None
    full = [a for a in loads if getattr(a, "shape", None) == shape]
    if all(a.flags.c_contiguous for a in full):
        return None
    return full


def _eager_layouts(spec: Spec, loads) -> dict:
    """Per statement of the group, a one-byte array laid out as NumPy lays out eager's result
    of that step (its operands' ``order="K"``, step after step from the loaded arrays)."""
    from .program import Ref

    shape = tuple(spec.shape)
    have = {v: a for (v, _), a in zip(spec.loads, loads, strict=True)}
    out = {}
    for v, _, node in spec.stmts:
        ops = [have[a.v] for a in node.args if type(a) is Ref and a.v in have]
        ops = [a for a in ops if getattr(a, "ndim", 0)]
        if not ops or all(a.flags.c_contiguous for a in ops):
            lay = _np.empty(shape, _np.uint8)
        else:
            it = _np.nditer([*ops, None], flags=["refs_ok", "zerosize_ok"],
                            op_flags=[["readonly"]] * len(ops) + [["writeonly", "allocate"]],
                            op_dtypes=[None] * len(ops) + [_np.dtype(_np.uint8)], order="K")
            lay = it.operands[-1]
            if lay.shape != shape:
                lay = _np.empty(shape, _np.uint8)
        have[v] = out[v] = lay
    return out


def finish(spec: Spec, outs: list, reduced=None, final: bool = False) -> tuple:
    """The fused step's results: the stored values, then the reduction (``reduced`` when the
    kernel computed it, else the backend's own call on its input) with the ``post`` steps
    applied (by their own backend calls; ``final``: ``reduced`` has them already)."""
    res = outs[:spec.nstores]
    if spec.reduce is not None:
        if spec.inside and reduced is not None:
            r = reduced
        else:
            s = spec.reduce
            idx = [v for v, _ in spec.outs].index(s.args[0].v)
            r = s.fn(outs[idx], **s.params)
        res.append(r if final else apply_post(spec.post, r))
    return tuple(res)


def apply_post(post, value):
    """``value`` (a reduced array) through the ``post`` nodes, each its step's own backend
    call (eager's: the same operands in the same dtype, so the same bits)."""
    from .program import Ref

    for n in post:
        args = [value if type(a) is Ref else a for a in (n.call_args or n.args)]
        with _np.errstate(all="ignore"):
            value = n.fn(*args)
    return value


def post_spec(spec: Spec) -> Spec:
    """The ``post`` steps of ``spec`` as a spec of their own over one load, the reduced value
    (for targets that render them as statements)."""
    dt = next(d for v, d, _ in spec.stmts if v == spec.red_of)
    return Spec((), [(spec.reduce.out, dt)], [], 0, [(n.out, n.dtype, n) for n in spec.post],
                None)


def outside_spec(spec: Spec) -> Spec:
    """``spec`` with its reduction run by the backend after the kernel (for a target, or a
    fallback, that cannot reduce inside)."""
    if not spec.inside:
        return spec
    outs = list(spec.outs)
    if spec.red_of not in [v for v, _ in outs]:
        outs.append((spec.red_of, next(dt for v, dt, _ in spec.stmts if v == spec.red_of)))
    return Spec(spec.shape, spec.loads, outs, spec.nstores, spec.stmts, spec.reduce, False,
                spec.red_of, spec.post)


def target_of(backend: str, target: str = "chunked", spec: Spec | None = None, opts=None):
    """The code generator module of ``backend``'s fused kernels (``target``: the CPU's,
    ``"chunked"``, ``"numba"`` or ``"auto"``: Numba for a group ``spec`` whose function calls
    are all float32 ones :mod:`gpuad.jit.vecmath` has, when ``opts.vector_math``; else
    chunked)."""
    if backend == "numpy":
        if target == "auto":
            from . import codegen_numba

            target = "numba" if spec is not None and getattr(opts, "vector_math", True) \
                and codegen_numba.vector_statements(spec) is not None else "chunked"
        if target == "numba":
            from . import codegen_numba

            return codegen_numba
        if target != "chunked":
            raise ValueError(f"fusion target {target!r}: expected 'chunked', 'numba' or 'auto'")
        from . import codegen_chunked

        return codegen_chunked
    from . import codegen_cuda

    return codegen_cuda


def make(prog, g, backend: str, opts=None):
    """The callable of group ``g``'s fused step: ``(*loaded arrays) -> tuple of results``.

    A trailing reduction runs inside the kernel where the target says it can
    (``target.reduces_inside(op, options)``: a target without that function never does);
    otherwise the backend's own call runs on the kernel's result. ``g.reduce_inside`` records
    which.
    """
    name = getattr(opts, "target", "chunked")
    if backend == "numpy" and name == "auto":  # (a reduction then always runs after it)
        spec = spec_of(prog, g, False)
        kern = target_of(backend, name, spec, opts).kernel(spec, opts)
        g.reduce_inside = False
        return kern
    target = target_of(backend, name)
    can = getattr(target, "reduces_inside", None)
    inside = bool(g.reduce is not None and can is not None and can(g.reduce.op, opts))
    spec = spec_of(prog, g, inside)
    if backend == "numpy":
        kern = target.kernel(spec, opts)
    else:
        from ..backends import load

        kern = target.make(spec, load(backend).xp)
    g.reduce_inside = bool(getattr(kern, "spec", spec).inside)
    return kern
