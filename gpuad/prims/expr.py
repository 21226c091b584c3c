"""One-line expressions for elementwise primitives: the forward and each adjoint, written once.

An elementwise primitive may declare ``exprs=ew(forward, adjoint_0, adjoint_1, ...)``. Each is
a one-line expression in a small language, read with Python's syntax:

- names: ``g`` (the output's adjoint; the tangent in forward mode), ``ans`` (the output) and
  the primitive's inputs, named as its ``impl`` names them (``x``, ``y``);
- numbers, and the constants of :data:`CONSTANTS` (``LN2``, ``LN10``);
- ``+ - * /``, unary ``-``, and comparisons (``ans > 0``), which give a 0/1 mask that is a
  constant (no derivative flows through it);
- a choice ``a if test else b`` whose test is a comparison: only the chosen side is
  evaluated per element (so ``0 if x <= 0 else x`` is ReLU with NaN propagating, as
  ``maximum(x, 0)`` does, where ``x * (x > 0)`` would give NaN at ``-inf``);
- the functions of :data:`FUNCTIONS` (``exp``, ``sin``, ``sigmoid``, ``sign``, ...).

From one declaration gpuad makes the Python vjp/jvp formulas of the primitive (the functions
are gpuad's own primitives, so the formulas differentiate again), and the generated CUDA
kernels: ``kernels/elementwise_fwd.cu`` and ``kernels/elementwise_vjp.cu`` with the CuPy
backend's table that maps rules to them (:mod:`gpuad.backends.kernel_gen`).

Example: ``ew("sin(x)", "g * cos(x)")``; ``ew(None, "g * ans")`` when no forward kernel
is wanted (the forward is ``impl`` alone).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as _np

from .._raw import data  # noqa: F401  (the generated formulas' masks: _expr.data(...))


@dataclass(frozen=True)
class Function:
    """A function of the language: its CUDA name (``kernels/gpuad_vjp.cuh``), its NumPy
    reference and the gpuad primitive the Python formulas call."""

    cuda: str
    numpy: Callable[[Any], Any]
    op: str


def _np_sigmoid(x):
    return _np.exp(-_np.logaddexp(0, -x))  # eager's formula: no overflow, tiny values kept


def _np_erf(x):
    try:
        from scipy.special import erf  # type: ignore[import-not-found]

        return erf(x)
    except ImportError:
        return _np.vectorize(math.erf, otypes=[_np.float64])(x)


FUNCTIONS: dict[str, Function] = {
    "exp": Function("ad_exp", _np.exp, "exp"),
    "log": Function("ad_log", _np.log, "log"),
    "sqrt": Function("ad_sqrt", _np.sqrt, "sqrt"),
    "sin": Function("ad_sin", _np.sin, "sin"),
    "cos": Function("ad_cos", _np.cos, "cos"),
    "tanh": Function("ad_tanh", _np.tanh, "tanh"),
    "sinh": Function("ad_sinh", _np.sinh, "sinh"),
    "cosh": Function("ad_cosh", _np.cosh, "cosh"),
    "erf": Function("ad_erf", _np_erf, "erf"),
    "sigmoid": Function("ad_sigmoid", _np_sigmoid, "sigmoid"),
    "sign": Function("ad_sign", _np.sign, "sign"),
}

#: name -> (value, its name in kernels/gpuad_vjp.cuh)
CONSTANTS: dict[str, tuple[float, str]] = {
    "LN2": (math.log(2.0), "kLn2"),
    "LN10": (math.log(10.0), "kLn10"),
}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMPOPS = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==",
           ast.NotEq: "!="}
# binding strength, the same in C and Python for what the language allows
_PREC = {"cmp": 1, "+": 2, "-": 2, "*": 3, "/": 3, "neg": 4, "atom": 5}


class ExprError(ValueError):
    """An expression outside the language (names the primitive and the offending part)."""


@dataclass(frozen=True)
class Exprs:
    """The ``exprs`` slot of an elementwise primitive: ``fwd`` (None: no forward kernel) and
    one adjoint expression per input (None: not differentiable in it)."""

    fwd: str | None
    vjp: tuple[str | None, ...]


def ew(fwd: str | None, *vjp: str | None) -> Exprs:
    """The ``exprs`` slot: a forward expression and one adjoint expression per input.

    Example: ``prim("exp", lambda xp, x: xp.exp(x), guard=True, exprs=ew("exp(x)", "g * ans"))``
    """
    return Exprs(fwd, tuple(vjp))


def parse(src: str, names: tuple[str, ...], where: str = "expression") -> ast.expr:
    """The syntax tree of ``src``, checked against the language; ``names`` are the variables
    it may read."""
    try:
        tree = ast.parse(src.strip(), mode="eval").body
    except SyntaxError as e:
        raise ExprError(f"{where}: {src!r} is not an expression ({e.msg})") from None
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in callees:
            if node.id not in names and node.id not in CONSTANTS:
                raise ExprError(f"{where}: {src!r} reads {node.id!r}; it may read "
                                f"{', '.join(names)} and the constants {', '.join(CONSTANTS)}")
        elif isinstance(node, ast.Call):
            fn = node.func
            if not isinstance(fn, ast.Name) or fn.id not in FUNCTIONS or node.keywords \
                    or len(node.args) != 1:
                raise ExprError(f"{where}: {src!r}: calls are f(one argument) with f one of "
                                f"{', '.join(FUNCTIONS)}")
        elif isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise ExprError(f"{where}: {src!r}: only int and float literals")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINOPS:
                raise ExprError(f"{where}: {src!r}: operators are + - * / and comparisons")
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub):
                raise ExprError(f"{where}: {src!r}: the only unary operator is -")
        elif isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _CMPOPS:
                raise ExprError(f"{where}: {src!r}: one comparison at a time")
        elif isinstance(node, ast.IfExp):
            if not isinstance(node.test, ast.Compare):
                raise ExprError(f"{where}: {src!r}: the test of 'a if test else b' is a "
                                f"comparison")
        elif not isinstance(node, ast.Name | ast.Load | ast.operator | ast.unaryop | ast.cmpop):
            raise ExprError(f"{where}: {src!r}: {type(node).__name__} is not in the language")
    return tree


def reads(src: str, names: tuple[str, ...]) -> list[str]:
    """The variables ``src`` reads, in the order of ``names``."""
    tree = parse(src, names)
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in callees}
    return [n for n in names if n in used]


def calls_or_constants(src: str) -> bool:
    """Whether ``src`` calls a function or reads a named constant (plain arithmetic else)."""
    tree = ast.parse(src.strip(), mode="eval")
    return any(isinstance(n, ast.Call) or (isinstance(n, ast.Name) and n.id in CONSTANTS)
               for n in ast.walk(tree))


def _render(node: ast.expr, name: Callable[[str], str], num: Callable[[int | float], str],
            call: Callable[[str, str], str], cmp: Callable[..., str],
            select: Callable[[str, str, str], str] | None = None) -> str:
    """``node`` as text, parenthesised exactly where the tree needs it (so the evaluation
    order, and with it the rounding, is the one written); ``select(test, a, b)`` renders
    ``a if test else b``."""

    def go(n: ast.expr) -> tuple[str, int]:
        if isinstance(n, ast.Name):
            return name(n.id), _PREC["atom"]
        if isinstance(n, ast.Constant):
            return num(n.value), _PREC["atom"]
        if isinstance(n, ast.Call):
            return call(n.func.id, go(n.args[0])[0]), _PREC["atom"]  # type: ignore[attr-defined]
        if isinstance(n, ast.UnaryOp):
            text, p = go(n.operand)
            # -(-g), never --g (C's decrement)
            return "-" + (text if p > _PREC["neg"] else f"({text})"), _PREC["neg"]
        if isinstance(n, ast.BinOp):
            op = _BINOPS[type(n.op)]
            prec = _PREC[op]
            (lt, lp), (rt, rp) = go(n.left), go(n.right)
            lt = lt if lp >= prec else f"({lt})"
            rt = rt if rp > prec else f"({rt})"
            return f"{lt} {op} {rt}", prec
        if isinstance(n, ast.Compare):
            (lt, lp), (rt, rp) = go(n.left), go(n.comparators[0])
            lt = lt if lp > _PREC["cmp"] else f"({lt})"
            rt = rt if rp > _PREC["cmp"] else f"({rt})"
            return cmp(n.left, lt, _CMPOPS[type(n.ops[0])], n.comparators[0], rt), \
                _PREC["atom"]
        if isinstance(n, ast.IfExp):
            if select is None:
                raise ExprError("'a if test else b' is not supported here")
            return select(go(n.test)[0], go(n.body)[0], go(n.orelse)[0]), _PREC["atom"]
        raise ExprError(f"{type(n).__name__} is not in the language")

    return go(node)[0]


def to_c(src: str, names: Mapping[str, str]) -> str:
    """``src`` as a CUDA C++ expression over the element type ``T``; ``names`` renames the
    variables (``{"g": "gi", "x": "v"}``). Literals become ``T(...)``, functions ``ad_*``, a
    comparison ``T(a > b)``."""
    tree = parse(src, tuple(names))

    def num(v: int | float) -> str:
        return f"T({v!r})"

    def name(n: str) -> str:
        return f"T({CONSTANTS[n][1]})" if n in CONSTANTS else names[n]

    return _render(tree, name, num, lambda f, a: f"{FUNCTIONS[f].cuda}({a})",
                   lambda _, a, op, __, b: f"T({a} {op} {b})",
                   lambda c, a, b: f"(({c}) ? ({a}) : ({b}))")


def to_python(src: str, names: tuple[str, ...]) -> str:
    """``src`` as the text of a Python formula over gpuad primitives: a comparison reads the
    raw arrays (``data(ans) > 0``), so no derivative flows through the mask."""
    tree = parse(src, names)

    def side(node: ast.expr, text: str) -> str:
        return text if isinstance(node, ast.Constant) else f"_expr.data({text})"

    return _render(tree, lambda n: n, repr, lambda f, a: f"{FUNCTIONS[f].op}({a})",
                   lambda ln, a, op, rn, b: f"({side(ln, a)} {op} {side(rn, b)})",
                   lambda c, a, b: f"_where({c}, {a}, {b})")


_NAMESPACE: dict[str, Any] = {name: value for name, (value, _) in CONSTANTS.items()}


def bind(ops: Mapping[str, Any]) -> None:
    """Give the Python formulas their functions: ``ops`` maps each function's primitive name
    (:attr:`Function.op`) to the op; called once the elementwise family is declared."""
    import sys

    # masks read data() through this module's global, so a tracer that redirects the
    # formula modules' data() (gpuad.jit) sees the formulas' masks too
    _NAMESPACE["_expr"] = sys.modules[__name__]
    for fn in FUNCTIONS.values():
        _NAMESPACE[fn.op] = ops[fn.op]
    _NAMESPACE["_where"] = ops["where"]  # a choice: where(test mask, a, b)


def formula(src: str, inputs: tuple[str, ...], prim_name: str) -> Callable:
    """The Python formula ``lambda g, ans, *inputs: <src>`` over gpuad primitives: the
    primitive's vjp for one input, and, since its Jacobian is diagonal, its jvp with ``g`` the
    tangent. Its parameters are the names it reads, so saved values are inferred from it."""
    names = ("g", "ans", *inputs)
    text = f"lambda {', '.join(names)}: {to_python(src, names)}"
    code = compile(text, f"<{prim_name} adjoint: {src}>", "eval")
    return eval(code, _NAMESPACE)  # noqa: S307 - text built from a checked syntax tree


def evaluate(src: str, env: Mapping[str, Any]) -> Any:
    """``src`` evaluated with NumPy on the arrays of ``env`` (the reference the tests compare
    the primitives and kernels against)."""
    tree = parse(src, tuple(env))

    def go(n: ast.expr) -> Any:
        if isinstance(n, ast.Name):
            return CONSTANTS[n.id][0] if n.id in CONSTANTS else env[n.id]
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Call):
            return FUNCTIONS[n.func.id].numpy(go(n.args[0]))  # type: ignore[attr-defined]
        if isinstance(n, ast.UnaryOp):
            return -go(n.operand)
        if isinstance(n, ast.BinOp):
            a, b = go(n.left), go(n.right)
            return {ast.Add: _np.add, ast.Sub: _np.subtract, ast.Mult: _np.multiply,
                    ast.Div: _np.true_divide}[type(n.op)](a, b)
        if isinstance(n, ast.IfExp):
            return _np.where(go(n.test) != 0, go(n.body), go(n.orelse))
        a, b = go(n.left), go(n.comparators[0])  # type: ignore[attr-defined]
        ops = {ast.Gt: _np.greater, ast.GtE: _np.greater_equal, ast.Lt: _np.less,
               ast.LtE: _np.less_equal, ast.Eq: _np.equal, ast.NotEq: _np.not_equal}
        return ops[type(n.ops[0])](a, b).astype(_np.float64)  # type: ignore[attr-defined]

    with _np.errstate(all="ignore"):
        return go(tree)


def input_names(impl: Callable) -> tuple[str, ...]:
    """The names the expressions give a primitive's inputs: those of its ``impl``
    (``lambda xp, x, y: ...`` -> ``("x", "y")``)."""
    code = impl.__code__
    return tuple(code.co_varnames[1:code.co_argcount])


def formulas(exprs: Exprs, impl: Callable, prim_name: str) -> list:
    """The primitive's vjp formulas (one per input) made from its adjoint expressions."""
    inputs = input_names(impl)
    if len(exprs.vjp) != len(inputs):
        raise ExprError(f"{prim_name}: {len(exprs.vjp)} adjoint expressions for "
                        f"{len(inputs)} inputs {inputs}")
    if exprs.fwd is not None:
        parse(exprs.fwd, inputs, f"{prim_name} forward")
    return [None if s is None else formula(s, inputs, prim_name) for s in exprs.vjp]
