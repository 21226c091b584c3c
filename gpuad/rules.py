"""The op table: every primitive declared once, with its forward, vjp and jvp.

Each ``prim(name, forward, vjp=[...], jvp=[...])`` line is one primitive. ``forward`` gets the
backend namespace ``xp`` and raw arrays. The vjp formulas ``(g, ans, *inputs, **params)`` and
jvp formulas ``(t, ans, *inputs, **params)`` are written with these same primitives, so they run
on raw arrays on the first-order path and on Tensors (recorded, hence differentiable again) when
a higher-order derivative is taken. What a step saves is inferred from the names each formula
reads: ``exp`` saves ``ans``, ``sin`` saves ``x``, ``add`` saves nothing. ``jvp="vjp"`` reuses
the vjp formulas (true for elementwise ops, whose Jacobian is diagonal). Broadcasting and dtype
are undone by the engine, once, after every formula.
"""

from __future__ import annotations

import dis
import math
import sys as _sys
from collections.abc import Callable
from typing import Any

import numpy as _np

from . import _links
from ._raw import _xp, data, ndim, shape
from .engine import GradError, apply
from .tensor import Tensor

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


class Primitive:
    """One primitive op, declared once, with named slots (keyword arguments).

    - ``impl(xp, *arrays, **params)``: the forward on raw arrays of namespace ``xp``.
    - ``vjp(g, ans, inputs, params, need) -> list``: the adjoint of every input (``None`` where
      ``need[i]`` is false or nothing flows). The engine calls only this form; :func:`prim`
      builds it from the short forms (a formula per argument, ``vjp_n``, ``vjp_all``).
    - ``jvp(i, t, ans, inputs, params)``: the output's tangent from input ``i``'s tangent ``t``.
    - ``saves(mask, nargs) -> tuple``: the slots a step keeps (0 the output, ``k`` input
      ``k - 1``) when the inputs in bit ``mask`` need adjoints. ``None``: inferred once from
      the names the formulas read (all of them for a ``vjp`` given in the engine's form).
    - ``shape(*shapes, **params)``/``dtype(*dtypes, **params)``: abstract evaluation, the
      output's shape and dtype without running ``impl``. Filled for elementwise and
      broadcasting ops; ``None`` means unknown (run ``impl`` on zeros of the input shapes to
      learn it: :meth:`abstract_eval` does that).
    - ``batch``: the vmap rule; ``None`` for now (no op has one yet).
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

    def __init__(self, name: str, *, impl: Callable | None = None, vjp: Callable | None = None,
                 jvp: Callable | None = None, saves: Callable | None = None,
                 shape: Callable | None = None, dtype: Callable | None = None,
                 batch: Callable | None = None, elementwise: bool = False, view: bool = False,
                 nondiff: bool = False, cplx: str = "real"):
        self.name = name
        self.impl = impl
        self.vjp = vjp if vjp is not None else self._no_vjp
        self.jvp = jvp if jvp is not None else self._no_jvp
        self.saves = saves
        self.shape = shape
        self.dtype = dtype
        self.batch = batch
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
        out = self.impl(_np, *[_np.zeros(s, d) for s, d in zip(shapes, dtypes, strict=True)],
                        **params)
        return tuple(out.shape), out.dtype

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


Rule = Primitive  # the former name


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
        return _np.asarray(impl(_np, *[_np.zeros((), d) for d in dtypes], **params)).dtype
    return dtype


def prim(name: str, fwd: Callable, vjp: list | None = None, jvp: Any = None, *,
         vjp_n: Callable | None = None, jvp_n: Callable | None = None,
         vjp_all: Callable | None = None, nondiff: bool = False, guard: bool = False,
         view: bool = False, cplx: str = "real", elementwise: bool = False,
         saves: Callable | None = None) -> Callable:
    """Declare a primitive and return the function that applies it.

    The short forms: ``vjp=[f0, f1, ...]`` one formula ``(g, ans, *inputs, **params)`` per
    argument (``None``: not differentiable in it); ``vjp_n(i, g, ans, *inputs, **params)`` one
    formula for any number of arguments; ``vjp_all(g, ans, inputs, params, need)`` every
    adjoint at once (the engine's own form). ``jvp`` likewise: a list, ``"vjp"`` (the vjp
    formulas, for a diagonal Jacobian) or ``jvp_n``. ``guard``: the op is elementwise, with
    the zero guard (see :class:`Primitive`); ``guard`` and ``elementwise`` fill the shape and
    dtype slots (broadcasting; the dtype of a 0-d run).

    ``cplx`` says how complex values are differentiated (docs/semantics.md): "holo" (the op is
    holomorphic, its formulas hold for complex values as written), "own" (the formulas follow
    the convention themselves) or "real" (differentiating complex values through it raises).
    """
    rule = Primitive(name, impl=fwd, nondiff=nondiff, elementwise=guard, view=view,
                     saves=saves)
    rule.vjps = vjp
    rule.jvps = vjp if jvp == "vjp" else jvp
    rule.vjp_n = vjp_n
    rule.jvp_n = jvp_n
    rule.vjp_all = vjp_all
    if guard or elementwise:  # abstract evaluation by broadcasting, the dtype from a 0-d run
        rule.shape, rule.dtype = _broadcast_shape, _entrywise_dtype(fwd)
    rule.compile()
    RULES[name] = rule
    if cplx != "real":
        if cplx not in ("holo", "own"):
            raise ValueError(f"prim {name}: cplx must be 'holo', 'own' or 'real', not {cplx!r}")
        rule.cplx = cplx
        rule.cx_check = False

    def op(*args, **params):
        return apply(rule, args, params)

    op.rule = rule  # type: ignore[attr-defined]
    op.__name__ = name
    public = name.rstrip("_")
    op.__doc__ = (
        f"``numpy.{public}`` on arrays or Tensors; not differentiable (its result is integer, "
        f"boolean or piecewise constant). Example: ``gnp.{public}(x)``" if nondiff else
        f"``numpy.{public}`` on arrays or Tensors, differentiable to any order in both modes. "
        f"Example: ``gnp.{public}(x)``")
    return op


# ---- small helpers used by the formulas ---------------------------------------------------------

def _const(mask, like):
    """A boolean/float mask cast to the floating dtype of ``like``."""
    dt = data(like).dtype if hasattr(data(like), "dtype") else _np.dtype(_np.float64)
    if dt.kind not in "fc":
        dt = _np.dtype(_np.float64)
    return mask.astype(dt)


def norm_axis(axis, nd: int):
    if axis is None:
        return None
    if isinstance(axis, int | _np.integer):
        axis = (int(axis),)
    out = []
    for a in axis:
        a = int(a)
        if not -nd <= a < builtins_max(nd, 1):
            raise ValueError(f"axis {a} is out of bounds for an array of dimension {nd}")
        out.append(a % nd if nd else 0)
    return tuple(sorted(set(out)))


def _kept_shape(shape_, axis):
    if axis is None:
        return (1,) * len(shape_)
    return tuple(1 if i in axis else n for i, n in enumerate(shape_))


def _expand(g, axis, keepdims, shape_):
    """Reshape a reduced array so it broadcasts against the unreduced ``shape_``."""
    if keepdims:
        return g
    return reshape(g, _kept_shape(shape_, axis))


def _unreduce(g, axis, keepdims, shape_):
    return broadcast_to(_expand(g, axis, keepdims, shape_), shape_)


def swapaxes(x, a: int, b: int):
    """Exchange two axes. Example: ``gnp.swapaxes(x, 0, 1)``"""
    n = ndim(x)
    perm = list(range(n))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, tuple(perm))


def _mT(x):
    return swapaxes(x, -1, -2)


def _eye_like(n, like):
    return _xp(like).eye(n, dtype=data(like).dtype)


def _tr(m):
    """Trace over the last two axes."""
    n = shape(m)[-1]
    return sum(m * _eye_like(n, m), (ndim(m) - 2, ndim(m) - 1))


def _flip(x, axis):
    idx = [slice(None)] * ndim(x)
    idx[axis] = slice(None, None, -1)
    return getitem(x, tuple(idx))


def _take_axis(x, start, stop, axis):
    idx = [slice(None)] * ndim(x)
    idx[axis] = slice(start, stop)
    return getitem(x, tuple(idx))


LN2 = math.log(2.0)
LN10 = math.log(10.0)
SQRT_PI = math.sqrt(math.pi)

# ---- elementwise -------------------------------------------------------------------------------

add = prim("add", lambda xp, x, y: xp.add(x, y),
           vjp=[lambda g, ans, x, y: g, lambda g, ans, x, y: g], jvp="vjp")
subtract = prim("subtract", lambda xp, x, y: xp.subtract(x, y),
                vjp=[lambda g, ans, x, y: g, lambda g, ans, x, y: -g], jvp="vjp")
multiply = prim("multiply", lambda xp, x, y: xp.multiply(x, y),
                vjp=[lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x],
                jvp="vjp", guard=True)
divide = prim("divide", lambda xp, x, y: xp.true_divide(x, y),
              vjp=[lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * x / (y * y)],
              jvp="vjp", guard=True)
negative = prim("negative", lambda xp, x: xp.negative(x), vjp=[lambda g, ans, x: -g], jvp="vjp")


def _log_base(x):
    return log(where(data(x) == 0, 1, x))


def _pow_dx(x, y):
    """d(x**y)/dx = y * x**(y-1), exactly 0 where x == y == 0 (0 * inf there). Only that
    point is masked: at y == 0 and x != 0 the formula is 0 already, and its own derivative in
    y (1/x, the mixed second derivative) must survive."""
    if isinstance(y, int | float) and y != 0:
        return y * x ** (y - 1)
    return where((data(y) == 0) & (data(x) == 0), 0, y * x ** (y - 1))


power = prim("power", lambda xp, x, y: xp.power(x, y),
             vjp=[lambda g, ans, x, y: g * _pow_dx(x, y),
                  lambda g, ans, x, y: g * ans * _log_base(x)],
             jvp="vjp", guard=True)
square = prim("square", lambda xp, x: xp.square(x), vjp=[lambda g, ans, x: g * 2 * x],
              jvp="vjp", guard=True)
sqrt = prim("sqrt", lambda xp, x: xp.sqrt(x), vjp=[lambda g, ans, x: g / (2 * ans)],
            jvp="vjp", guard=True)
reciprocal = prim("reciprocal", lambda xp, x: xp.reciprocal(x),
                  vjp=[lambda g, ans, x: -g * ans * ans], jvp="vjp", guard=True)
exp = prim("exp", lambda xp, x: xp.exp(x), vjp=[lambda g, ans, x: g * ans], jvp="vjp",
           guard=True)
expm1 = prim("expm1", lambda xp, x: xp.expm1(x), vjp=[lambda g, ans, x: g * (ans + 1)],
             jvp="vjp", guard=True)
log = prim("log", lambda xp, x: xp.log(x), vjp=[lambda g, ans, x: g / x], jvp="vjp", guard=True)
log1p = prim("log1p", lambda xp, x: xp.log1p(x), vjp=[lambda g, ans, x: g / (1 + x)],
             jvp="vjp", guard=True)
log2 = prim("log2", lambda xp, x: xp.log2(x), vjp=[lambda g, ans, x: g / (x * LN2)],
            jvp="vjp", guard=True)
log10 = prim("log10", lambda xp, x: xp.log10(x), vjp=[lambda g, ans, x: g / (x * LN10)],
             jvp="vjp", guard=True)
sin = prim("sin", lambda xp, x: xp.sin(x), vjp=[lambda g, ans, x: g * cos(x)], jvp="vjp",
           guard=True)
cos = prim("cos", lambda xp, x: xp.cos(x), vjp=[lambda g, ans, x: -g * sin(x)], jvp="vjp",
           guard=True)
tan = prim("tan", lambda xp, x: xp.tan(x), vjp=[lambda g, ans, x: g * (1 + ans * ans)],
           jvp="vjp", guard=True)
arcsin = prim("arcsin", lambda xp, x: xp.arcsin(x),
              vjp=[lambda g, ans, x: g / sqrt(1 - x * x)], jvp="vjp", guard=True)
arccos = prim("arccos", lambda xp, x: xp.arccos(x),
              vjp=[lambda g, ans, x: -g / sqrt(1 - x * x)], jvp="vjp", guard=True)
arctan = prim("arctan", lambda xp, x: xp.arctan(x), vjp=[lambda g, ans, x: g / (1 + x * x)],
              jvp="vjp", guard=True)
sinh = prim("sinh", lambda xp, x: xp.sinh(x), vjp=[lambda g, ans, x: g * cosh(x)], jvp="vjp",
            guard=True)
cosh = prim("cosh", lambda xp, x: xp.cosh(x), vjp=[lambda g, ans, x: g * sinh(x)], jvp="vjp",
            guard=True)
tanh = prim("tanh", lambda xp, x: xp.tanh(x), vjp=[lambda g, ans, x: g * (1 - ans * ans)],
            jvp="vjp", guard=True)
arcsinh = prim("arcsinh", lambda xp, x: xp.arcsinh(x),
               vjp=[lambda g, ans, x: g / sqrt(x * x + 1)], jvp="vjp", guard=True)
arccosh = prim("arccosh", lambda xp, x: xp.arccosh(x),
               vjp=[lambda g, ans, x: g / sqrt(x * x - 1)], jvp="vjp", guard=True)
arctanh = prim("arctanh", lambda xp, x: xp.arctanh(x), vjp=[lambda g, ans, x: g / (1 - x * x)],
               jvp="vjp", guard=True)
abs = prim("abs", lambda xp, x: xp.abs(x), vjp=[lambda g, ans, x: g * sign(x)], jvp="vjp")
absolute = abs
arctan2 = prim("arctan2", lambda xp, y, x: xp.arctan2(y, x),
               vjp=[lambda g, ans, y, x: g * x / (x * x + y * y),
                    lambda g, ans, y, x: -g * y / (x * x + y * y)], jvp="vjp", guard=True)
hypot = prim("hypot", lambda xp, x, y: xp.hypot(x, y),
             vjp=[lambda g, ans, x, y: g * x / ans, lambda g, ans, x, y: g * y / ans],
             jvp="vjp", guard=True)
# d/dx logaddexp = expit(x - y) exactly; exp(x - ans) would carry the rounding of ans (at
# x = y = 1000 in float32 it gave 0.49998 instead of 0.5)
logaddexp = prim("logaddexp", lambda xp, x, y: xp.logaddexp(x, y),
                 vjp=[lambda g, ans, x, y: g * sigmoid(x - y),
                      lambda g, ans, x, y: g * sigmoid(y - x)],
                 jvp="vjp", guard=True)


def _tie(a, b):
    """1 where a > b, 1/2 where they tie (the adjoint is split evenly), else 0."""
    a, b = data(a), data(b)
    return _const((a > b) + 0.5 * (a == b), a if hasattr(a, "dtype") else b)


maximum = prim("maximum", lambda xp, x, y: xp.maximum(x, y),
               vjp=[lambda g, ans, x, y: g * _tie(x, y), lambda g, ans, x, y: g * _tie(y, x)],
               jvp="vjp")
minimum = prim("minimum", lambda xp, x, y: xp.minimum(x, y),
               vjp=[lambda g, ans, x, y: g * _tie(y, x), lambda g, ans, x, y: g * _tie(x, y)],
               jvp="vjp")


def _inside(x, lo, hi):
    x = data(x)
    m = _xp(x).ones(x.shape, dtype=bool)
    if lo is not None:
        m = m & (x >= data(lo))
    if hi is not None:
        m = m & (x <= data(hi))
    return _const(m, x)


def _below(x, b):
    return _const(data(x) < data(b), x)


def _above(x, b):
    return _const(data(x) > data(b), x)


def _clip_fwd(xp, x, lo, hi):
    if not hasattr(x, "shape"):  # CuPy clips arrays only; NumPy's result dtype
        x = xp.asarray(x, dtype=_np.result_type(*(getattr(a, "dtype", a) for a in (x, lo, hi))))
    return xp.clip(x, lo, hi)


clip = prim("clip", _clip_fwd,
            vjp=[lambda g, ans, x, lo, hi: g * _inside(x, lo, hi),
                 lambda g, ans, x, lo, hi: g * _below(x, lo),
                 lambda g, ans, x, lo, hi: g * _above(x, hi)], jvp="vjp")

where = prim("where", lambda xp, c, x, y: xp.where(c if hasattr(c, "shape") else xp.asarray(c),
                                                  x, y),
             vjp=[None, lambda g, ans, c, x, y: where(c, g, 0),
                  lambda g, ans, c, x, y: where(c, 0, g)],
             jvp=[None, lambda t, ans, c, x, y: where(c, t, 0),
                  lambda t, ans, c, x, y: where(c, 0, t)])

relu = prim("relu", lambda xp, x: xp.maximum(x, 0),
            vjp=[lambda g, ans, x: g * (data(ans) > 0)], jvp="vjp")  # a bool mask: one pass
sigmoid = prim("sigmoid", lambda xp, x: xp.exp(-xp.logaddexp(0, -x)),
               vjp=[lambda g, ans, x: g * ans * (1 - ans)], jvp="vjp", guard=True)


def _erf_fwd(xp, x):
    if xp is _np:
        try:
            from scipy.special import erf as _erf  # type: ignore[import-not-found]

            return _erf(x)
        except ImportError:
            return _np.vectorize(math.erf, otypes=[x.dtype])(x) if _np.ndim(x) else \
                _np.asarray(math.erf(float(x)), dtype=_np.asarray(x).dtype)
    from cupyx.scipy.special import erf as _cerf  # type: ignore[import-not-found]

    return _cerf(x)


erf = prim("erf", _erf_fwd, vjp=[lambda g, ans, x: g * (2 / SQRT_PI) * exp(-(x * x))],
           jvp="vjp", guard=True)

astype = prim("astype", lambda xp, x, dtype: x.astype(dtype),
              vjp=[lambda g, ans, x, dtype: g], jvp=[lambda t, ans, x, dtype: astype(t, dtype)])
copy = prim("copy", lambda xp, x: xp.array(x, copy=True), vjp=[lambda g, ans, x: g], jvp="vjp")
identity = prim("identity", lambda xp, x: x, vjp=[lambda g, ans, x: g], jvp="vjp", view=True)

# ---- non-differentiable (integer/boolean valued or piecewise constant) ---------------------------


def _nd(name: str, fn: Callable) -> Callable:
    return prim(name, fn, nondiff=True)


sign = _nd("sign", lambda xp, x: xp.sign(x))
floor = _nd("floor", lambda xp, x: xp.floor(x))
ceil = _nd("ceil", lambda xp, x: xp.ceil(x))
rint = _nd("rint", lambda xp, x: xp.rint(x))
trunc = _nd("trunc", lambda xp, x: xp.trunc(x))
round = _nd("round", lambda xp, x, decimals=0: xp.round(x, decimals))
floor_divide = _nd("floor_divide", lambda xp, x, y: xp.floor_divide(x, y))
# x - y * floor(x / y): derivative 1 in x and -floor(x / y) in y (the quotient is piecewise
# constant); NumPy's own floor_divide gives the quotient consistent with its mod
mod = prim("mod", lambda xp, x, y: xp.mod(x, y),
           vjp=[lambda g, ans, x, y: g,
                lambda g, ans, x, y: -g * floor_divide(data(x), data(y))], jvp="vjp", guard=True)
remainder = mod
less = _nd("less", lambda xp, x, y: xp.less(x, y))
less_equal = _nd("less_equal", lambda xp, x, y: xp.less_equal(x, y))
greater = _nd("greater", lambda xp, x, y: xp.greater(x, y))
greater_equal = _nd("greater_equal", lambda xp, x, y: xp.greater_equal(x, y))
equal = _nd("equal", lambda xp, x, y: xp.equal(x, y))
not_equal = _nd("not_equal", lambda xp, x, y: xp.not_equal(x, y))
logical_not = _nd("logical_not", lambda xp, x: xp.logical_not(x))
logical_and = _nd("logical_and", lambda xp, x, y: xp.logical_and(x, y))
logical_or = _nd("logical_or", lambda xp, x, y: xp.logical_or(x, y))
logical_xor = _nd("logical_xor", lambda xp, x, y: xp.logical_xor(x, y))
isnan = _nd("isnan", lambda xp, x: xp.isnan(x))
isinf = _nd("isinf", lambda xp, x: xp.isinf(x))
isfinite = _nd("isfinite", lambda xp, x: xp.isfinite(x))
argmax = _nd("argmax", lambda xp, x, axis=None: xp.argmax(x, axis=axis))
argmin = _nd("argmin", lambda xp, x, axis=None: xp.argmin(x, axis=axis))
argsort = _nd("argsort", lambda xp, x, axis=-1: xp.argsort(x, axis=axis))
any = _nd("any", lambda xp, x, axis=None, keepdims=False: xp.any(x, axis=axis, keepdims=keepdims))
all = _nd("all", lambda xp, x, axis=None, keepdims=False: xp.all(x, axis=axis, keepdims=keepdims))

# ---- reductions ----------------------------------------------------------------------------------

_sum = prim("sum", lambda xp, x, axis, keepdims, shape: xp.sum(x, axis=axis, keepdims=keepdims),
            vjp=[lambda g, ans, x, axis, keepdims, shape: _unreduce(g, axis, keepdims, shape)],
            jvp=[lambda t, ans, x, axis, keepdims, shape: _sum(t, axis=axis, keepdims=keepdims,
                                                               shape=shape)])


def sum(x, axis=None, keepdims: bool = False, dtype=None):
    """Sum over ``axis`` (int, tuple or None), as ``numpy.sum``."""
    if dtype is not None:
        x = astype(x, dtype)
    s = shape(x)
    return _sum(x, axis=norm_axis(axis, len(s)), keepdims=keepdims, shape=s)


def _share(ans, x, axis, keepdims, shape):
    """Where x attains the extreme, 1/(number of ties); elsewhere 0 (a constant)."""
    a = data(_expand(ans, axis, keepdims, shape))
    m = _const(data(x) == a, x)
    return m / _xp(m).sum(m, axis=axis, keepdims=True)


def _extreme_vjp(g, ans, x, axis, keepdims, shape):
    return _expand(g, axis, keepdims, shape) * _share(ans, x, axis, keepdims, shape)


def _extreme_jvp(t, ans, x, axis, keepdims, shape):
    return _sum(t * _share(ans, x, axis, keepdims, shape), axis=axis, keepdims=keepdims,
                shape=shape)


_max = prim("max", lambda xp, x, axis, keepdims, shape: xp.max(x, axis=axis, keepdims=keepdims),
            vjp=[_extreme_vjp], jvp=[_extreme_jvp])
_min = prim("min", lambda xp, x, axis, keepdims, shape: xp.min(x, axis=axis, keepdims=keepdims),
            vjp=[_extreme_vjp], jvp=[_extreme_jvp])


def max(x, axis=None, keepdims: bool = False):
    """Maximum over ``axis``; ties share the adjoint evenly."""
    s = shape(x)
    return _max(x, axis=norm_axis(axis, len(s)), keepdims=keepdims, shape=s)


def min(x, axis=None, keepdims: bool = False):
    """Minimum over ``axis``; ties share the adjoint evenly."""
    s = shape(x)
    return _min(x, axis=norm_axis(axis, len(s)), keepdims=keepdims, shape=s)


amax, amin = max, min


def _to_last(x, axis):
    """Move ``axis`` (a tuple, or None for all) to the end and flatten them: (rest..., K)."""
    nd = ndim(x)
    axis = tuple(range(nd)) if axis is None else axis
    rest = tuple(i for i in range(nd) if i not in axis)
    perm = rest + axis
    xt = transpose(x, perm)
    s = shape(xt)
    k = 1
    for i in axis:
        k *= shape(x)[i]
    return reshape(xt, s[: len(rest)] + (k,)), perm, s


def _from_last(y, perm, s):
    inv = tuple(int(i) for i in _np.argsort(perm))
    return transpose(reshape(y, s), inv)


def _prod_others(x, axis):
    """For each element, the product of the other elements reduced with it (zero-safe)."""
    flat, perm, s = _to_last(x, axis)
    k = shape(flat)[-1]
    if k == 0:
        return x
    ones = _xp(flat).ones(shape(flat)[:-1] + (1,), dtype=data(flat).dtype)
    left = concatenate([ones, cumprod(_take_axis(flat, 0, k - 1, -1), -1)], -1)
    rev = _flip(flat, -1)
    right = _flip(concatenate([ones, cumprod(_take_axis(rev, 0, k - 1, -1), -1)], -1), -1)
    return _from_last(left * right, perm, s)


_prod = prim("prod", lambda xp, x, axis, keepdims, shape: xp.prod(x, axis=axis,
                                                                  keepdims=keepdims),
             vjp=[lambda g, ans, x, axis, keepdims, shape: _expand(g, axis, keepdims, shape)
                  * _prod_others(x, axis)],
             jvp=[lambda t, ans, x, axis, keepdims, shape: _sum(
                 t * _prod_others(x, axis), axis=axis, keepdims=keepdims, shape=shape)])


def prod(x, axis=None, keepdims: bool = False):
    """Product over ``axis``; its gradient is exact even when elements are zero."""
    s = shape(x)
    return _prod(x, axis=norm_axis(axis, len(s)), keepdims=keepdims, shape=s)


def _rev_cumsum(g, axis):
    return _flip(cumsum(_flip(g, axis), axis), axis)


cumsum_ = prim("cumsum", lambda xp, x, axis: xp.cumsum(x, axis=axis),
               vjp=[lambda g, ans, x, axis: _rev_cumsum(g, axis)],
               jvp=[lambda t, ans, x, axis: cumsum_(t, axis=axis)])


def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (None: over the flattened array)."""
    if axis is None:
        return cumsum_(reshape(x, (-1,)), axis=0)
    return cumsum_(x, axis=int(axis) % builtins_max(ndim(x), 1))


def _cumprod_vjp(g, ans, x, axis):
    if not bool(_xp(x).any(data(x) == 0)):
        return _rev_cumsum(g * ans, axis) / x
    # zero-safe recurrence: s_k = g_k + x_{k+1} s_{k+1};  dx_k = ans_{k-1} s_k
    n = shape(x)[axis]
    s = _take_axis(g, n - 1, n, axis)
    parts = [s]
    for k in range(n - 2, -1, -1):
        s = _take_axis(g, k, k + 1, axis) + _take_axis(x, k + 1, k + 2, axis) * s
        parts.append(s)
    svec = concatenate(parts[::-1], axis)
    ones = _xp(x).ones(tuple(1 if i == axis else m for i, m in enumerate(shape(x))),
                       dtype=data(x).dtype)
    prev = concatenate([ones, _take_axis(ans, 0, n - 1, axis)], axis)
    return prev * svec


def _cumprod_jvp(t, ans, x, axis):
    n = shape(x)[axis]
    d = _take_axis(t, 0, 1, axis)
    parts = [d]
    for k in range(1, n):
        d = d * _take_axis(x, k, k + 1, axis) + _take_axis(ans, k - 1, k, axis) * \
            _take_axis(t, k, k + 1, axis)
        parts.append(d)
    return concatenate(parts, axis)


cumprod_ = prim("cumprod", lambda xp, x, axis: xp.cumprod(x, axis=axis),
                vjp=[_cumprod_vjp], jvp=[_cumprod_jvp])


def cumprod(x, axis=None):
    """Cumulative product along ``axis``; the gradient is exact with zeros present."""
    if axis is None:
        return cumprod_(reshape(x, (-1,)), axis=0)
    return cumprod_(x, axis=int(axis) % builtins_max(ndim(x), 1))


def _lse_fwd(xp, x, axis, keepdims, shape):
    m = xp.max(x, axis=axis, keepdims=True) if x.size else xp.zeros(_kept_shape(x.shape, axis))
    m = xp.where(xp.isfinite(m), m, 0)
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else (out.reshape(
        [n for i, n in enumerate(x.shape) if axis is not None and i not in axis]))


logsumexp_ = prim(
    "logsumexp", _lse_fwd,
    vjp=[lambda g, ans, x, axis, keepdims, shape: _expand(g, axis, keepdims, shape)
         * exp(x - _expand(ans, axis, keepdims, shape))],
    jvp=[lambda t, ans, x, axis, keepdims, shape: _sum(
        t * exp(x - _expand(ans, axis, keepdims, shape)), axis=axis, keepdims=keepdims,
        shape=shape)])


def logsumexp(x, axis=None, keepdims: bool = False):
    """log(sum(exp(x))) over ``axis``, computed stably."""
    s = shape(x)
    return logsumexp_(x, axis=norm_axis(axis, len(s)), keepdims=keepdims, shape=s)


def _unit(ans, x, axis, keepdims, shape):
    """x / |x| along the reduced axes, 0 where the norm is 0 (the subgradient chosen)."""
    a = _expand(ans, axis, keepdims, shape)
    zero = data(a) == 0
    return where(zero, 0, x / where(zero, 1, a))


def _norm2_vjp(g, ans, x, axis, keepdims, shape):
    return _expand(g, axis, keepdims, shape) * _unit(ans, x, axis, keepdims, shape)


norm2 = prim("norm2", lambda xp, x, axis, keepdims, shape: xp.sqrt(
    xp.sum(x * x, axis=axis, keepdims=keepdims)),
    vjp=[_norm2_vjp],
    jvp=[lambda t, ans, x, axis, keepdims, shape: _sum(
        t * _unit(ans, x, axis, keepdims, shape), axis=axis, keepdims=keepdims,
        shape=shape)])

# ---- shape -----------------------------------------------------------------------------------

reshape_ = prim("reshape", lambda xp, x, newshape, oldshape: xp.reshape(x, newshape),
                vjp=[lambda g, ans, x, newshape, oldshape: reshape(g, oldshape)],
                jvp=[lambda t, ans, x, newshape, oldshape: reshape(t, newshape)], view=True)


def reshape(x, newshape):
    """``numpy.reshape``; ``-1`` infers one dimension."""
    if isinstance(newshape, int | _np.integer):
        newshape = (int(newshape),)
    old = shape(x)
    newshape = tuple(int(n) for n in newshape)
    if -1 in newshape:
        known = 1
        for n in newshape:
            if n != -1:
                known *= n
        total = 1
        for n in old:
            total *= n
        newshape = tuple(total // known if known and n == -1 else (0 if n == -1 else n)
                         for n in newshape)
    if newshape == old:
        return x
    return reshape_(x, newshape=newshape, oldshape=old)


transpose_ = prim("transpose", lambda xp, x, axes: xp.transpose(x, axes),
                  vjp=[lambda g, ans, x, axes: transpose_(
                      g, axes=tuple(int(i) for i in _np.argsort(axes)))],
                  jvp=[lambda t, ans, x, axes: transpose_(t, axes=axes)], view=True)


def transpose(x, axes=None):
    """Permute axes (reverse them when ``axes`` is None)."""
    nd = ndim(x)
    axes = tuple(range(nd))[::-1] if axes is None else tuple(int(a) % nd for a in axes)
    if axes == tuple(range(nd)):
        return x
    return transpose_(x, axes=axes)


broadcast_to_ = prim("broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, shape),
                     vjp=[lambda g, ans, x, shape: g],
                     jvp=[lambda t, ans, x, shape: broadcast_to(t, shape)], view=True)


def broadcast_to(x, shape_):
    """Broadcast to ``shape_`` (the adjoint sums back)."""
    shape_ = tuple(shape_)
    if shape(x) == shape_:
        return x
    if type(x) is _np.ndarray and x.size == 1:
        # a read-only zero-stride view, ~10x cheaper to make than numpy.broadcast_to
        v = _np.ndarray(shape_, x.dtype, _np.ascontiguousarray(x), 0, (0,) * len(shape_))
        v.flags.writeable = False
        return v
    return broadcast_to_(x, shape=shape_)


def _concat_vjp(i, g, ans, *xs, axis, sizes):
    start = builtins_sum(sizes[:i])
    return _take_axis(g, start, start + sizes[i], axis)


def _concat_jvp(i, t, ans, *xs, axis, sizes):
    parts = []
    for j, n in enumerate(sizes):
        if j == i:
            parts.append(t)
        else:  # empty parts too: ``sizes`` must describe the recorded inputs one to one
            s = list(shape(t))
            s[axis] = n
            parts.append(_xp(t).zeros(tuple(s), dtype=data(t).dtype))
    return concatenate_(*parts, axis=axis, sizes=sizes) if len(parts) > 1 else t


concatenate_ = prim("concatenate", lambda xp, *xs, axis, sizes: xp.concatenate(xs, axis=axis),
                    vjp_n=_concat_vjp, jvp_n=_concat_jvp)


def concatenate(arrays, axis: int = 0):
    """Join arrays along ``axis``."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("concatenate: need at least one array")
    nd = ndim(arrays[0])
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    axis = int(axis) % nd
    for a in arrays[1:]:
        if ndim(a) != nd:
            raise ValueError(
                f"concatenate: all inputs must have the same number of dimensions; got shapes "
                f"{[shape(b) for b in arrays]}"
            )
    sizes = tuple(shape(a)[axis] for a in arrays)
    return concatenate_(*arrays, axis=axis, sizes=sizes)


# ---- indexing ---------------------------------------------------------------------------------

def normalize_index(index):
    """Replace Tensors and lists inside an index by backend arrays (hashable-free, raw)."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if isinstance(i, Tensor):
            i = i.data
        elif isinstance(i, list):
            i = _xp(None).asarray(i)
        out.append(i)
    return tuple(out)


def _is_basic(index) -> bool:
    for i in index:
        if not (i is None or i is Ellipsis or isinstance(i, slice | int | _np.integer)):
            return False
    return True


def _scatter_fwd(xp, g, index, shape, basic):
    out = xp.zeros(shape, dtype=g.dtype)
    if basic:
        out[index] = g
    else:
        from .backends import _by_array_type

        if g.size:  # nothing to add (and CuPy cannot reshape an empty (0, -1) operand)
            _by_array_type[type(out)].index_add(out, index, g)
    return out


scatter = prim("scatter", _scatter_fwd,
               vjp=[lambda g, ans, v, index, shape, basic: getitem_(g, index=index, shape=shape,
                                                                    basic=basic)],
               jvp=[lambda t, ans, v, index, shape, basic: scatter(t, index=index, shape=shape,
                                                                   basic=basic)])
getitem_ = prim("getitem", lambda xp, x, index, shape, basic: x[index],
                vjp=[lambda g, ans, x, index, shape, basic: scatter(g, index=index, shape=shape,
                                                                    basic=basic)],
                jvp=[lambda t, ans, x, index, shape, basic: getitem_(t, index=index, shape=shape,
                                                                     basic=basic)],
                view=True)  # with a basic index (engine._view_of decides)


def getitem(x, index):
    """``x[index]`` with basic and advanced indexing; the adjoint scatter-adds."""
    index = normalize_index(index)
    return getitem_(x, index=index, shape=shape(x), basic=_is_basic(index))


def _may_repeat(index):
    """Whether ``index`` can name one position twice (integer arrays do; slices, masks don't)."""
    if _is_basic(index):
        return False
    return not _builtins.any(getattr(getattr(i, "dtype", None), "kind", "") == "b" for i in index)


def _write_owner(xp, index, shape_):
    """For ``out[index] = v``: ``ids`` numbers the writes 1..n in order, and ``owner`` holds at
    each position the id of the write NumPy keeps there (the last one), 0 where none lands.
    NumPy assigns in order; on a GPU the order is undefined, so a scatter-max decides."""
    sel = xp.empty(shape_, dtype=bool)[index].shape
    n = builtins_prod(sel)
    dt = xp.int32 if n < 2**31 - 1 else xp.int64
    ids = xp.arange(1, n + 1, dtype=dt).reshape(sel)
    owner = xp.zeros(shape_, dtype=dt)
    if xp is _np:
        owner[index] = ids
    else:
        import cupyx

        cupyx.scatter_max(owner, index, ids)
    return owner, ids


def _update_fwd(xp, x, v, index):
    out = xp.array(x, copy=True)
    if xp is _np or not _may_repeat(index):
        out[index] = v
        return out
    # every write to a position carries the value of the write NumPy would keep there
    owner, ids = _write_owner(xp, index, out.shape)
    vals = xp.broadcast_to(xp.asarray(v, dtype=out.dtype), ids.shape).reshape(-1)
    out[index] = vals[owner[index] - 1]
    return out


def _zero_at(g, index):
    return index_update_(g, 0, index=index)


def _kept_writes(index, shape_, xp):
    """For ``out[index] = v``: True at the indexed positions whose write is the one kept (with
    repeated indices only the last write survives), None when no index can repeat. ``xp`` is
    the cotangent's namespace: the index may be a NumPy array on the CuPy backend."""
    if not _may_repeat(index):
        return None
    owner, ids = _write_owner(xp, index, shape_)
    return owner[index] == ids


def _update_vjp_v(g, ans, x, v, index):
    r = getitem(g, index)
    kept = _kept_writes(index, shape(g), _xp(g))
    return r if kept is None else r * kept


index_update_ = prim("index_update", _update_fwd,
                     vjp=[lambda g, ans, x, v, index: _zero_at(g, index), _update_vjp_v],
                     jvp=[lambda t, ans, x, v, index: _zero_at(t, index),
                          lambda t, ans, x, v, index: index_update_(
                              _xp(t).zeros(shape(ans), dtype=data(ans).dtype), t,
                              index=index)])


def index_update(x, index, value):
    """A copy of ``x`` with ``x[index] = value`` (functional; what ``x[index] = v`` records)."""
    return index_update_(x, value, index=normalize_index(index))


# ---- linear algebra ---------------------------------------------------------------------------

def _mm_vjp_a(g, ans, a, b):
    if ndim(b) == 1:
        return g * b if ndim(a) == 1 else getitem(g, (Ellipsis, None)) * b
    if ndim(a) == 1:
        return getitem(matmul(b, getitem(g, (Ellipsis, None))), (Ellipsis, 0))
    return matmul(g, _mT(b))


def _mm_vjp_b(g, ans, a, b):
    if ndim(a) == 1:
        return g * a if ndim(b) == 1 else getitem(a, (slice(None), None)) * getitem(
            g, (Ellipsis, None, slice(None)))
    if ndim(b) == 1:
        return getitem(matmul(_mT(a), getitem(g, (Ellipsis, None))), (Ellipsis, 0))
    return matmul(_mT(a), g)


matmul = prim("matmul", lambda xp, a, b: xp.matmul(a, b), vjp=[_mm_vjp_a, _mm_vjp_b],
              jvp=[lambda t, ans, a, b: matmul(t, b), lambda t, ans, a, b: matmul(a, t)])


def _parse_einsum(subscripts: str, shapes):
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
    else:
        lhs, out = subscripts, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {len(ins)} operands in {subscripts!r}, {len(shapes)} given")
    letters = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               if c not in subscripts]
    ell_nd = 0
    for s, shp in zip(ins, shapes, strict=True):
        if "..." in s:
            ell_nd = builtins_max(ell_nd, len(shp) - (len(s) - 3))
    ell = "".join(letters[:ell_nd])
    new_ins = []
    for s, shp in zip(ins, shapes, strict=True):
        if "..." in s:
            k = len(shp) - (len(s) - 3)
            s = s.replace("...", ell[ell_nd - k:] if k else "")
        new_ins.append(s)
    if out is None:
        counts: dict[str, int] = {}
        for s in new_ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    elif "..." in out:
        out = out.replace("...", ell)
    return new_ins, out


def _einsum_vjp(i, g, ans, *ops, ins, out):
    target = ins[i]
    shp = shape(ops[i])
    uniq = "".join(dict.fromkeys(target))  # a repeated index is a diagonal: reduce to it first
    others = [s for j, s in enumerate(ins) if j != i]
    avail = set(out).union(*others) if others else set(out)
    kept = "".join(c for c in uniq if c in avail)
    spec = ",".join([out] + others) + "->" + kept
    r = einsum_(g, *[o for j, o in enumerate(ops) if j != i], spec=spec,
                ins=[out] + others, out=kept)
    if kept != uniq:
        ushp = tuple(shp[target.index(c)] for c in uniq)
        r = reshape(r, tuple(n if c in kept else 1 for c, n in zip(uniq, ushp, strict=True)))
        r = broadcast_to(r, ushp)
    if uniq != target:
        r = _einsum_diag_embed(r, uniq, target, shp, ins + [out])
    return r


def _einsum_diag_embed(r, uniq, target, shp, specs):
    """Place ``r`` (subscripts ``uniq``) on the diagonals that the repeated indices of ``target``
    name, as an einsum with constant identity matrices (so it stays differentiable)."""
    used = set("".join(specs))
    free = (c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used)
    seen: set[str] = set()
    new_target, eye_specs, eyes = [], [], []
    for k, c in enumerate(target):
        if c in seen:
            d = next(free)
            new_target.append(d)
            eye_specs.append(c + d)
            eyes.append(_eye_like(shp[k], r))
        else:
            seen.add(c)
            new_target.append(c)
    o = "".join(new_target)
    return einsum_(r, *eyes, spec=",".join([uniq] + eye_specs) + "->" + o,
                   ins=[uniq] + eye_specs, out=o)


def _einsum_jvp(i, t, ans, *ops, spec, ins, out):
    args = list(ops)
    args[i] = t
    return einsum_(*args, spec=spec, ins=ins, out=out)


einsum_ = prim("einsum", lambda xp, *ops, spec, ins, out: xp.einsum(spec, *ops),
               vjp_n=lambda i, g, ans, *xs, spec, ins, out: _einsum_vjp(i, g, ans, *xs, ins=ins,
                                                                        out=out),
               jvp_n=_einsum_jvp)


def einsum(subscripts: str, *operands):
    """Einstein summation, as ``numpy.einsum`` (explicit or implicit output, ellipsis)."""
    ins, out = _parse_einsum(subscripts, [shape(o) for o in operands])
    spec = ",".join(ins) + "->" + out
    return einsum_(*operands, spec=spec, ins=ins, out=out)


def _inv_fwd(xp, a):
    return xp.linalg.inv(a)


inv = prim("inv", _inv_fwd, vjp=[lambda g, ans, a: -matmul(_mT(ans), matmul(g, _mT(ans)))],
           jvp=[lambda t, ans, a: -matmul(ans, matmul(t, ans))])


def _solve_vjp_b(g, ans, a, b):
    if ndim(b) == 1:
        return getitem(solve(_mT(a), getitem(g, (Ellipsis, None))), (Ellipsis, 0))
    return solve(_mT(a), g)


def _solve_vjp_a(g, ans, a, b):
    gb = _solve_vjp_b(g, ans, a, b)
    if ndim(b) == 1:
        return -(getitem(gb, (Ellipsis, slice(None), None)) * getitem(ans, (Ellipsis, None,
                                                                            slice(None))))
    return -matmul(gb, _mT(ans))


def _solve_jvp_a(t, ans, a, b):
    if ndim(b) == 1:
        return -getitem(solve(a, matmul(t, getitem(ans, (Ellipsis, None)))), (Ellipsis, 0))
    return -solve(a, matmul(t, ans))


def _solve_fwd(xp, a, b):
    if b.ndim == 1:
        return xp.linalg.solve(a, xp.broadcast_to(b, a.shape[:-1])[..., None])[..., 0]
    return xp.linalg.solve(a, b)


solve = prim("solve", _solve_fwd, vjp=[_solve_vjp_a, _solve_vjp_b],
             jvp=[_solve_jvp_a, lambda t, ans, a, b: solve(a, t)])


def _det_vjp(g, ans, a):
    # the transposed adjugate: finite at singular matrices, where inv(a) is not
    from .linalg_rules import adjugate_of

    return getitem(g, (Ellipsis, None, None)) * _mT(adjugate_of(a))


def _det_jvp(t, ans, a):
    from .linalg_rules import adjugate_of

    return _tr(matmul(adjugate_of(a), t))


def _singular_logabsdet(ans):
    d = data(ans)
    if bool(_xp(d).any(_xp(d).isneginf(d))):
        raise GradError(
            "slogdet: log|det(a)| is -inf at a singular matrix and its derivative, inv(a)^T, "
            "does not exist there; differentiate det(a) instead (its gradient, the adjugate, "
            "is finite) or keep a away from singular matrices")


def _logabsdet_vjp(g, ans, a):
    _singular_logabsdet(ans)
    return getitem(g, (Ellipsis, None, None)) * _mT(inv(a))


def _logabsdet_jvp(t, ans, a):
    _singular_logabsdet(ans)
    return _tr(solve(a, t))


det = prim("det", lambda xp, a: xp.linalg.det(a), vjp=[_det_vjp], jvp=[_det_jvp])
logabsdet = prim("logabsdet", lambda xp, a: xp.linalg.slogdet(a)[1], vjp=[_logabsdet_vjp],
                 jvp=[_logabsdet_jvp])


def _phi(x):
    """Lower triangle with the diagonal halved."""
    n = shape(x)[-1]
    xp = _xp(x)
    m = xp.tril(xp.ones((n, n), dtype=data(x).dtype)) - 0.5 * xp.eye(n, dtype=data(x).dtype)
    return x * m


def _tril_mask(x, k=0):
    n = shape(x)[-1]
    xp = _xp(x)
    return xp.tril(xp.ones((n, n), dtype=data(x).dtype), k)


def _chol_jvp(t, ans, a):
    ts = t * _tril_mask(t) + _mT(t * _tril_mask(t, -1))
    y = solve(ans, ts)
    tmp = _mT(solve(ans, _mT(y)))
    return matmul(ans, _phi(tmp))


def _chol_vjp(g, ans, a):
    p = _phi(matmul(_mT(ans), g))
    y = solve(_mT(ans), p)
    s = _mT(solve(_mT(ans), _mT(y)))
    return s * _tril_mask(s) + _mT(s) * _tril_mask(s, -1)


cholesky = prim("cholesky", lambda xp, a: xp.linalg.cholesky(a), vjp=[_chol_vjp],
                jvp=[_chol_jvp])

import builtins as _builtins  # noqa: E402

builtins_sum = _builtins.sum
builtins_max = _builtins.max


def builtins_prod(shape_) -> int:
    n = 1
    for d in shape_:
        n *= d
    return n


# ---- fused losses ------------------------------------------------------------------------------

def _xent_fwd(xp, logits, labels):
    from .backends import _by_array_type
    from .backends.xent import check_labels

    labels = check_labels(xp, logits, labels)  # label -1 is an error, not the last class
    return _by_array_type[type(logits)].softmax_xent_forward(logits, labels)


def _xent_dir(ans, logits, labels):
    """d loss_r / d logits_r = softmax(logits_r) - onehot(label_r).

    softmax_rj = exp((x_rj - picked_r) - loss_r) (no log-sum-exp rounded at the scale of the
    logits), and at the label softmax - 1 = expm1(-loss_r), exact as the loss goes to zero.
    """
    xp = _xp(logits)
    rows = xp.arange(shape(logits)[0])
    col = (slice(None), None)
    picked = getitem(logits, (rows, data(labels)))
    p = exp((logits - getitem(picked, col)) - getitem(ans, col))
    at_label = xp.zeros(shape(logits), dtype=bool)
    at_label[rows, data(labels)] = True
    return where(at_label, getitem(expm1(-ans), col), p)


softmax_cross_entropy = prim(
    "softmax_cross_entropy", _xent_fwd,
    vjp=[lambda g, ans, logits, labels: getitem(g, (slice(None), None)) * _xent_dir(
        ans, logits, labels), None],
    jvp=[lambda t, ans, logits, labels: sum(t * _xent_dir(ans, logits, labels), 1), None])
softmax_cross_entropy.__doc__ = """Per-row cross-entropy of (R, C) logits against int labels (R,).

Numerically stable, to full relative precision near zero loss; one fused Numba kernel per pass
on the GPU. The adjoint is ``g * (softmax - onehot)``. Labels outside ``[0, C)`` raise
``IndexError``, non-integer labels ``TypeError``.
"""

# the engine reaches the primitives it records (index_update_, transpose_, ...) through a link,
# and calls ops through this module until gpuad/__init__ provides gpuad.numpy's namespace
_links.provide("rules", _sys.modules[__name__])
_links.provide("ops", _sys.modules[__name__])
