"""The Primitive object and ``prim``, the declaration every op of the table goes through.

See gpuad/rules.py for the table as a whole (one namespace re-exporting every family module of
this package) and :class:`Primitive` for the slots of one op.
"""

from __future__ import annotations

import dis
import inspect
from collections.abc import Callable
from typing import Any

import numpy as _np

from .. import _links
from ..engine import apply, apply1, apply2
from .expr import Exprs, formulas

#: ``ufunc_call(ufunc, inputs, kwargs)``: a call with NumPy's ufunc keywords (out=, dtype=,
#: where=, casting=) or a positional out (gpuad/_numpy_protocol.py)
_UFUNC_CALL: Callable = None  # type: ignore[assignment]
_links.need("ufunc_call", globals(), "_UFUNC_CALL")
_UFUNC_KEYWORDS = frozenset({"out", "where", "dtype", "casting", "order", "subok"})
_GUFUNC_KEYWORDS = frozenset({"axes", "axis", "keepdims"})  # (matmul's core axes)

RULES: dict[str, Primitive] = {}
PRIMITIVES = RULES


class MissingRuleError(NotImplementedError):
    """A primitive has no derivative rule for the argument being differentiated."""


def _reads(fn: Callable) -> set[str]:
    code = fn.__code__
    used = set(code.co_cellvars)
    for ins in dis.get_instructions(fn):
        if ins.opname.startswith("LOAD_FAST") or ins.opname in ("LOAD_DEREF", "LOAD_CLOSURE"):
            v = ins.argval
            used.update(v if isinstance(v, tuple) else (v,))
    return used


# the forms ``lambda xp, x: xp.NAME(x)`` and ``lambda xp, x, y: xp.NAME(x, y)``, by arity
_DIRECT_FORMS = {1: (lambda xp, x: xp.f(x)).__code__, 2: (lambda xp, x, y: xp.f(x, y)).__code__}


def _direct_ufunc(impl) -> _np.ufunc | None:
    """The NumPy ufunc that ``impl`` only calls (its forms in ``_DIRECT_FORMS``), else None:
    the engine calls it directly on NumPy arrays (the same call, one Python frame less)."""
    code = getattr(impl, "__code__", None)
    if code is None or getattr(impl, "__defaults__", None) or \
            getattr(impl, "__closure__", None) or code.co_kwonlyargcount or \
            code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return None
    form = _DIRECT_FORMS.get(code.co_argcount - 1)
    if form is None or code.co_code != form.co_code or len(code.co_names) != 1:
        return None
    fn = getattr(_np, code.co_names[0], None)
    return fn if isinstance(fn, _np.ufunc) else None


class Primitive:
    """One primitive op, declared once, with named slots (keyword arguments).

    - ``impl(xp, *arrays, **params)``: the forward on raw arrays of namespace ``xp``.
    - ``vjp(g, ans, inputs, params, need) -> list``: the adjoint of every input (``None`` where
      ``need[i]`` is falsy or nothing flows; the engine may pass the step's edges as ``need``).
      The engine calls only this form; :func:`prim` builds it from the short forms (a formula
      per argument, ``vjp_n``, ``vjp_all``).
    - ``jvp(i, t, ans, inputs, params)``: the output's tangent from input ``i``'s tangent ``t``.
    - ``saves(mask, nargs) -> tuple``: the slots a step keeps (0 the output, ``k`` input
      ``k - 1``) when the inputs in bit ``mask`` need adjoints. ``None``: inferred once from
      the names the formulas read (all of them for a ``vjp`` given in the engine's form).
    - ``shape(*shapes, **params)``/``dtype(*dtypes, **params)``: abstract evaluation, the
      output's shape and dtype without running ``impl``. Filled for elementwise ops,
      reductions, shape ops, matmul/einsum, linear solves and indexing
      (:mod:`gpuad.prims.abstract`); ``None`` means unknown (run ``impl`` on zeros of the input
      shapes to learn it: :meth:`abstract_eval` does that).
    - ``batch(args, dims, params) -> (out, out_dim)``: the vmap rule (gpuad/batching);
      ``None``: the broadcasting rule for an elementwise op, else one call per example.
    - ``exprs``: for elementwise ops with fused kernels, one expression for the forward and
      one per adjoint (:mod:`gpuad.prims.expr`); the Python formulas and the CUDA kernels are
      made from them.
    - ``elementwise``: the op acts entrywise, so a contribution is forced to exact zero where
      every incoming adjoint or tangent is zero (keeps inf/nan of f' out where nothing flows).
    - ``view``: the result may share the first input's memory (getitem, reshape, ...).
    - ``nondiff``: integer, boolean or piecewise constant results: never recorded.
    - ``cplx``: "holo", "own" or "real" (docs/semantics.md, complex numbers).
    """

    # complex values (gpuad/complex_rules.py): cx_check: the forward looks for complex inputs;
    # cx_rule: the variant recorded for them
    cx_check = True
    cx_rule: Primitive | None = None
    cx_variant = False
    # (vjp, its formulas one per input) where compile() made a vjp that only calls them: the
    # engine's first-order sweep calls the formulas itself while ``vjp`` is still that one
    vjp_formulas: tuple = (None, None)
    # the NumPy ufunc ``impl`` only calls (see _direct_ufunc), kept in step with ``impl``, or
    # ``impl(numpy, ...)`` without the module argument, set after prim() (matmul)
    np_fn: Callable | None = None
    # ``np_params_fn(x, params)``: ``impl(numpy, x, **params)`` for one NumPy array, the
    # parameters passed as the dict itself (a keyword call costs as much as a small op); set
    # after prim() by the ops that have one, dropped whenever ``impl`` changes
    np_params_fn: Callable | None = None
    # linearity (gpuad/prims/linearity.py): "all" jointly linear in every input, "one" linear
    # while at most one input varies (a product), a tuple: linear in those positions only;
    # None: not linear (gpuad.linear_transpose refuses it)
    linear: str | tuple[int, ...] | None = None

    def __setattr__(self, name: str, value) -> None:
        object.__setattr__(self, name, value)
        if name == "impl":
            object.__setattr__(self, "np_fn", _direct_ufunc(value))
            object.__setattr__(self, "np_params_fn", None)

    def __init__(self, name: str, *, impl: Callable | None = None, vjp: Callable | None = None,
                 jvp: Callable | None = None, saves: Callable | None = None,
                 shape: Callable | None = None, dtype: Callable | None = None,
                 batch: Callable | None = None, elementwise: bool = False, view: bool = False,
                 nondiff: bool = False, cplx: str = "real", exprs: Exprs | None = None):
        self.name = name
        self.impl = impl
        self.vjp = vjp if vjp is not None else self._no_vjp
        self.jvp = jvp if jvp is not None else self._no_jvp
        self.saves = saves
        self.shape = shape
        self.dtype = dtype
        self.batch = batch
        self.exprs = exprs
        self.elementwise = elementwise
        self.view = view
        self.nondiff = nondiff
        self.cplx = cplx
        if cplx != "real":
            self.cx_check = False
        # the short forms prim() was given, read by the saved-value inference and by the
        # complex variants (gpuad/complex_rules.py); the engine never looks at them
        self.vjps: list | None = None
        self.jvps: list | None = None
        self.vjp_n: Callable | None = None
        self.jvp_n: Callable | None = None
        self.vjp_all: Callable | None = vjp
        self.extra_bytes: Callable | None = None
        self._cache: dict[int, tuple[int, ...]] = {}
        self._uses: list[set[int]] | None = None
        self.argnames: list[str] = []

    def compile(self) -> None:
        """Build the engine's ``vjp``/``jvp`` from the short forms (after they change)."""
        self.vjp = _vjp_form(self)
        self.jvp = _jvp_form(self)
        self.vjp_formulas = (self.vjp, getattr(self.vjp, "formulas", None))

    def _infer(self, nargs: int) -> list[set[int]]:
        if self.vjp_n is not None or self.vjp_all is not None:
            # variadic: save every input when the formula reads them, none otherwise
            reads = _reads(self.vjp_n) if self.vjp_n is not None else {"ans", "xs"}
            self._all_inputs = "xs" in reads
            return [{0} if "ans" in reads else set()]
        uses = []
        for f in self.vjps or ():
            if f is None:
                uses.append(set())
                continue
            code = f.__code__
            names = code.co_varnames[: code.co_argcount]
            self.argnames = list(names[2:])
            reads = _reads(f)
            s = {0} if len(names) > 1 and names[1] in reads else set()
            s.update(k - 1 for k, n in enumerate(names) if 2 <= k < nargs + 2 and n in reads)
            uses.append(s)
        return uses

    def slots_for(self, mask: int, nargs: int) -> tuple[int, ...]:
        key = mask | nargs << 48
        slots = self._cache.get(key)
        if slots is None:
            if self.saves is not None:
                return tuple(self.saves(mask, nargs))
            if self._uses is None:
                self._uses = self._infer(nargs)
            need: set[int] = set()
            if self.vjp_n is not None or self.vjp_all is not None:
                need |= self._uses[0]
                if self._all_inputs:
                    need |= set(range(1, nargs + 1))
            else:
                for i, u in enumerate(self._uses):
                    if mask >> i & 1:
                        need |= u
            slots = self._cache[key] = tuple(sorted(need))
        return slots

    def vjp_arg(self, i, g, ans, inputs, params):
        """The adjoint of input ``i`` alone (the engine's form, asked for one input)."""
        need = [False] * len(inputs)
        need[i] = True
        return self.vjp(g, ans, inputs, params, need)[i]

    def missing(self, i: int) -> MissingRuleError:
        return MissingRuleError(
            f"{self.name}: no vjp rule for argument {i}"
            f"{' (' + self.argnames[i] + ')' if i < len(self.argnames) else ''}; "
            f"this argument cannot be differentiated through {self.name}"
        )

    def _no_vjp(self, g, ans, inputs, params, need):
        for i, n in enumerate(need):
            if n:
                raise self.missing(i)
        return [None] * len(need)

    def _no_jvp(self, i, t, ans, inputs, params):
        raise MissingRuleError(f"{self.name}: no jvp rule for argument {i}")

    def abstract_eval(self, shapes, dtypes, params):
        """The output's (shape, dtype) from the inputs' without their data: the ``shape`` and
        ``dtype`` slots where filled, else ``impl`` run on zeros of those shapes (NumPy)."""
        if self.shape is not None and self.dtype is not None:
            return self.shape(*shapes, **params), self.dtype(*dtypes, **params)
        with _np.errstate(all="ignore"):
            out = self.impl(_np, *[_np.zeros(s, d) for s, d in zip(shapes, dtypes, strict=True)],
                            **params)
        return tuple(out.shape), out.dtype

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def register(p: Primitive) -> Primitive:
    """Put a primitive made without :func:`prim` into the op table under its name."""
    if RULES.get(p.name, p) is not p:
        raise ValueError(f"a primitive named {p.name!r} is registered already")
    RULES[p.name] = p
    return p


def _vjp_form(p: Primitive) -> Callable:
    """The engine's one vjp form from the short form ``p`` was declared with."""
    if p.vjp_all is not None:
        return p.vjp_all
    vjp_n = p.vjp_n
    if vjp_n is not None:
        def vjp(g, ans, inputs, params, need):
            return [vjp_n(i, g, ans, *inputs, **params) if n else None
                    for i, n in enumerate(need)]
        return vjp
    fs = tuple(p.vjps or ())
    nf = len(fs)

    def vjp(g, ans, inputs, params, need):
        out = []
        for i, n in enumerate(need):
            if n:
                f = fs[i] if i < nf else None
                if f is None:
                    raise p.missing(i)
                out.append(f(g, ans, *inputs, **params))
            else:
                out.append(None)
        return out

    # one and two formulas (most ops): the same without the loop, for the record-time cost
    if nf == 1 and fs[0] is not None:
        f0 = fs[0]

        def vjp1(g, ans, inputs, params, need):
            if len(need) != 1:
                return vjp(g, ans, inputs, params, need)
            return [f0(g, ans, *inputs, **params) if need[0] else None]
        vjp1.formulas = (f0,)  # type: ignore[attr-defined]
        return vjp1
    if nf == 2 and fs[0] is not None and fs[1] is not None:
        f0, f1 = fs

        def vjp2(g, ans, inputs, params, need):
            if len(need) != 2:
                return vjp(g, ans, inputs, params, need)
            return [f0(g, ans, *inputs, **params) if need[0] else None,
                    f1(g, ans, *inputs, **params) if need[1] else None]
        vjp2.formulas = (f0, f1)  # type: ignore[attr-defined]
        return vjp2
    return vjp


def _jvp_form(p: Primitive) -> Callable:
    """The engine's one jvp form ``(i, t, ans, inputs, params)``."""
    jvp_n = p.jvp_n
    if jvp_n is not None:
        def jvp(i, t, ans, inputs, params):
            return jvp_n(i, t, ans, *inputs, **params)
        return jvp
    fs = tuple(p.jvps or ())
    nf = len(fs)

    def jvp(i, t, ans, inputs, params):
        f = fs[i] if i < nf else None
        if f is None:
            raise MissingRuleError(f"{p.name}: no jvp rule for argument {i}")
        return f(t, ans, *inputs, **params)
    return jvp


def _broadcast_shape(*shapes, **params):
    return _np.broadcast_shapes(*shapes)


def _entrywise_dtype(impl: Callable) -> Callable:
    def dtype(*dtypes, **params):
        with _np.errstate(all="ignore"):
            return _np.asarray(impl(_np, *[_np.zeros((), d) for d in dtypes], **params)).dtype
    return dtype


def broadcasting(p: Primitive) -> Primitive:
    """Fill the abstract-evaluation slots of an entrywise op: the broadcast shape of the
    inputs, and the dtype its forward gives on 0-d arrays of the input dtypes."""
    p.shape, p.dtype = _broadcast_shape, _entrywise_dtype(p.impl)
    return p


_SEQS = (list, tuple)


def _lists_as_arrays(args: tuple) -> tuple:
    """The arguments of an elementwise op with lists and tuples of numbers as backend arrays
    (those holding Tensors are stacked by ``apply``)."""
    from .._numpy_protocol import as_array_arg

    return tuple(as_array_arg(a) if a.__class__ in _SEQS else a for a in args)


def prim(name: str, fwd: Callable, vjp: list | None = None, jvp: Any = None, *,
         vjp_n: Callable | None = None, jvp_n: Callable | None = None,
         vjp_all: Callable | None = None, nondiff: bool = False, guard: bool = False,
         view: bool = False, cplx: str = "real", saves: Callable | None = None,
         exprs: Exprs | None = None) -> Callable:
    """Declare a primitive and return the function that applies it.

    The short forms: ``vjp=[f0, f1, ...]`` one formula ``(g, ans, *inputs, **params)`` per
    argument (``None``: not differentiable in it); ``vjp_n(i, g, ans, *inputs, **params)`` one
    formula for any number of arguments; ``vjp_all(g, ans, inputs, params, need)`` every
    adjoint at once (the engine's own form). ``jvp`` likewise: a list, ``"vjp"`` (the vjp
    formulas, for a diagonal Jacobian) or ``jvp_n``. ``guard``: the op is elementwise (the
    ``elementwise`` slot, see :class:`Primitive`), which also fills its shape and dtype slots
    (:func:`broadcasting`). ``saves``: the slot of that name, where inference is not wanted.
    ``exprs``: that slot (:func:`gpuad.prims.expr.ew`); without ``vjp`` the formulas are made
    from its adjoint expressions, and the jvp from them too unless ``jvp`` is given.

    ``cplx`` says how complex values are differentiated (docs/semantics.md): "holo" (the op is
    holomorphic, its formulas hold for complex values as written), "own" (the formulas follow
    the convention themselves) or "real" (differentiating complex values through it raises).
    """
    rule = Primitive(name, impl=fwd, nondiff=nondiff, elementwise=guard, view=view,
                     saves=saves, exprs=exprs)
    if exprs is not None and vjp is None:
        vjp = formulas(exprs, fwd, name)
        jvp = "vjp" if jvp is None else jvp
    rule.vjps = vjp
    rule.jvps = vjp if jvp == "vjp" else jvp
    rule.vjp_n = vjp_n
    rule.jvp_n = jvp_n
    rule.vjp_all = vjp_all
    if guard:
        broadcasting(rule)
    rule.compile()
    RULES[name] = rule
    if cplx != "real":
        if cplx not in ("holo", "own"):
            raise ValueError(f"prim {name}: cplx must be 'holo', 'own' or 'real', not {cplx!r}")
        rule.cplx = cplx
        rule.cx_check = False

    public = name.rstrip("_")
    ufunc = getattr(_np, public, None)
    ufunc = ufunc if isinstance(ufunc, _np.ufunc) else None
    nin = ufunc.nin if ufunc is not None else 1 << 30

    def op(x, /, *more, **params):  # (one or two arguments, the common cases, unrolled)
        if ufunc is not None and (x.__class__ in _SEQS or (more and more[0].__class__ in _SEQS)):
            # numpy.arctan2([0, 1, 1], t): a list is an array, also in the derivative formulas
            x, *more = _lists_as_arrays((x, *more))
        if (params or len(more) >= nin) and ufunc is not None and (
                len(more) >= nin or not _UFUNC_KEYWORDS.isdisjoint(params)
                or (ufunc.signature is not None and not _GUFUNC_KEYWORDS.isdisjoint(params))):
            return _UFUNC_CALL(ufunc, (x, *more), params)
        if not more:
            return apply1(rule, x, params)
        if len(more) == 1:
            return apply2(rule, x, more[0], params)
        return apply(rule, (x, *more), params)

    op.rule = rule  # type: ignore[attr-defined]
    op.__name__ = name
    op.__doc__ = (
        f"``numpy.{public}`` on arrays or Tensors; not differentiable (its result is integer, "
        f"boolean or piecewise constant). Example: ``gnp.{public}(x)``" if nondiff else
        f"``numpy.{public}`` on arrays or Tensors, differentiable to any order in both modes. "
        f"Example: ``gnp.{public}(x)``")
    return op
