"""Complex numbers: how every primitive differentiates complex values.

The convention is PyTorch's. For a real loss ``L`` of ``z = x + iy`` the gradient is
``dL/dx + i dL/dy``. A holomorphic op ``s = f(z)`` with an incoming adjoint ``g`` passes on
``g * conj(f'(z))``, and its forward-mode tangent is ``f'(z) * t``; an input that is real gets
the real part of its adjoint. docs/semantics.md states the convention with a worked example.

Each primitive is of one of three kinds (``prim(..., cplx=...)`` or the tables below):

- ``"holo"``: holomorphic, so the formulas written for real values hold for complex ones; on
  complex values the engine records a variant whose vjp is ``conj(formula(conj(g)))`` and
  whose jvp is the formula itself;
- ``"own"``: the formulas follow the convention themselves (linear maps with real
  coefficients, and the complex ops of this module); where the real formulas do not, a
  complex-only override replaces them on complex values;
- ``"real"`` (the default): differentiating complex values through the op raises
  :class:`ComplexError`.

Real values never meet any of this: the engine looks at complex variants only when an output
is complex, or, for rules with ``cx_check``, when an input is.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import numpy as _np

from . import _links, _readonly
from . import rules as _r
from .engine import GradError
from .rules import (
    RULES,
    MissingRuleError,
    Primitive,
    _mT,
    _phi,
    _tr,
    _tril_mask,
    data,
    matmul,
    prim,
    solve,
    where,
)
from .tensor import Tensor

_LN2, _LN10 = math.log(2.0), math.log(10.0)


class ComplexError(MissingRuleError):
    """Complex values reached an op that gpuad differentiates for real values only."""


# ---- the complex primitives -----------------------------------------------------------------

conj = prim("conj", lambda xp, x: xp.conj(x), vjp=[lambda g, ans, x: conj(g)],
            jvp=[lambda t, ans, x: conj(t)], cplx="own")
real = prim("real", lambda xp, x: xp.real(x), vjp=[lambda g, ans, x: g],
            jvp=[lambda t, ans, x: real(t)], cplx="own", view=True)
_imag = prim("imag", lambda xp, x: xp.imag(x), vjp=[lambda g, ans, x: g * 1j],
             jvp=[lambda t, ans, x: imag(t)], cplx="own", view=True)
# NumPy's imag of a real array: new zeros, not a view (constant: no derivative flows)
_imag_of_real = prim("imag_of_real", lambda xp, x: xp.imag(x), nondiff=True, guard=True)



def _make_complex_fwd(xp, x, y):
    x, y = xp.asarray(x), xp.asarray(y)
    x, y = xp.broadcast_arrays(x, y)
    r = xp.empty(x.shape, _np.result_type(x.dtype, y.dtype, _np.complex64))
    r.real[...] = x
    r.imag[...] = y  # set, not x + 1j * y: 1j * inf is nan + inf j
    return r


# x + i y from two real arrays, exactly (lax.complex)
make_complex = prim("make_complex", _make_complex_fwd,
                    vjp=[lambda g, ans, x, y: real(g), lambda g, ans, x, y: imag(g)],
                    jvp=[lambda t, ans, x, y: make_complex(t, 0 * t),
                         lambda t, ans, x, y: make_complex(0 * t, t)], cplx="own")

def imag(val):
    """The imaginary part of ``val``, as ``numpy.imag``.

    Of a complex array it is a view: ``z.imag[...] = y`` writes into ``z`` (recorded, so the
    write is differentiated). Of a real array it is, as in NumPy, a new read-only array of
    zeros (derivative 0): writing into it raises ``ValueError``.
    Example: ``gnp.imag(gnp.exp(1j * x))``
    """
    if is_complex(val):
        return _imag(val)
    r = _imag_of_real(val)
    if isinstance(r, Tensor):
        _readonly.mark(r, "imaginary part of a real Tensor")
    return r


imag.cplx = "own"  # type: ignore[attr-defined]  (docs/differentiable.md's complex column)
conjugate = conj


def _sgn(x):
    """z / |z|, exactly 0 at 0 (the direction in which |z| grows)."""
    r = _r.abs(x)
    zero = data(r) == 0
    return where(zero, 0, x / where(zero, 1, r))


def _angle_dir(x):
    """i z / |z|^2, exactly 0 at 0: the adjoint direction of arg(z); 0 for a real z (its angle
    is 0 or pi: piecewise constant; i z / z^2 would make NaN of -inf)."""
    if data(x).dtype.kind != "c":
        return where(True, 0.0, x)
    r2 = real(x * conj(x))
    zero = data(r2) == 0
    return where(zero, 0, (x * 1j) / where(zero, 1, r2))


angle_ = prim("angle", lambda xp, x: xp.angle(x),
              vjp=[lambda g, ans, x: g * _angle_dir(x)],
              jvp=[lambda t, ans, x: real(conj(_angle_dir(x)) * t)], cplx="own")


def angle(z, deg: bool = False):
    """The argument of ``z`` (radians, or degrees with ``deg=True``), as ``numpy.angle``.

    Its gradient is ``i z / |z|**2`` (0 at ``z == 0``); real inputs get 0.
    Example: ``gnp.angle(gnp.exp(1j * x))``
    """
    a = angle_(z)
    return a * (180.0 / math.pi) if deg else a


def _sign_det_fwd(xp, a):
    return xp.linalg.slogdet(a)[0]


def _singular_sign(ans):
    from .linalg_rules import _any

    if _any(data(ans) == 0):
        raise GradError(
            "slogdet: the sign (phase) of det(a) is 0 at a singular complex matrix and has no "
            "derivative there (log|det(a)| is -inf); differentiate det(a) instead, or keep a "
            "away from singular matrices")


def _sign_det_vjp(g, ans, a):
    # sign = exp(i theta), theta = Im(log det a): theta's adjoint is Re(conj(g) i sign) and
    # d theta = Im(tr(a^-1 da)), so a's adjoint is i * theta_bar * a^-H
    _singular_sign(ans)
    th = real(conj(g) * ans * 1j)
    return _r.getitem(th * 1j, (Ellipsis, None, None)) * conj(_mT(_r.inv(a)))


def _sign_det_jvp(t, ans, a):
    _singular_sign(ans)
    return ans * (imag(_tr(solve(a, t))) * 1j)


sign_det = prim("sign_det", _sign_det_fwd, vjp=[_sign_det_vjp], jvp=[_sign_det_jvp],
                cplx="own")
sign_det.__doc__ = """The first output of ``numpy.linalg.slogdet``: ``det(a) / |det(a)|``.

Smooth for complex matrices (its phase moves with ``a``); piecewise constant, with a zero
derivative, for real ones. Example: ``sign_det(a)``
"""


# ---- complex-only formulas of existing primitives -----------------------------------------------

def _as_complex(x, like):
    """``x`` in the complex dtype of ``like`` (a real input of a complex computation)."""
    if getattr(data(x), "dtype", None) is not None and data(x).dtype.kind != "c":
        return _r.astype(x, data(like).dtype)
    if isinstance(x, int | float):
        return complex(x)
    return x


def _astype_jvp(t, ans, x, dtype):
    if getattr(data(t), "dtype", None) is not None and data(t).dtype.kind == "c" \
            and data(ans).dtype.kind != "c":
        t = real(t)  # a cast to a real dtype keeps the real part
    return _r.astype(t, dtype)


def _norm2_complex_fwd(xp, x, axis, keepdims, shape):
    return xp.sqrt(xp.sum((x * xp.conj(x)).real, axis=axis, keepdims=keepdims))


def _norm2_jvp(t, ans, x, axis, keepdims, shape):
    u = _r._unit(ans, x, axis, keepdims, shape)
    return _r._sum(real(conj(u) * t), axis=axis, keepdims=keepdims, shape=shape)


def _sign_vjp(g, ans, x):
    # s = z/|z|: ds = (dz - s Re(conj(s) dz)) / |z|; the adjoint of that map
    r = _r.abs(x)
    zero = data(r) == 0
    s = _sgn(x)
    return where(zero, 0, (g - s * real(conj(g) * s)) / where(zero, 1, r))


def _sign_jvp(t, ans, x):
    r = _r.abs(x)
    zero = data(r) == 0
    s = _sgn(x)
    return where(zero, 0, (t - s * real(conj(s) * t)) / where(zero, 1, r))


def _sign_complex_fwd(xp, x):
    # NumPy 2's: a value with exactly one infinite part points along that part's axis
    ire, iim = xp.isinf(x.real), xp.isinf(x.imag)
    axis = xp.where(ire, xp.sign(x.real), 0) + 1j * xp.where(iim, xp.sign(x.imag), 0)
    x = xp.where(ire ^ iim, axis.astype(x.dtype), x)
    r = xp.abs(x)
    zero = r == 0
    safe = xp.where(zero, 1, r)
    # part by part: a complex quotient by r + 0j would turn -0.0 parts into +0.0
    out = xp.empty_like(x)
    out.real[...] = xp.where(zero, 0, x.real / safe)
    out.imag[...] = xp.where(zero, 0, x.imag / safe)
    return out


def _hermitian_part(t):
    """What LAPACK reads of a matrix handed to cholesky: the lower triangle, mirrored as its
    conjugate, with the real part of the diagonal."""
    low = t * _tril_mask(t, -1)
    diag = real(t)
    eye = _r._xp(t).eye(_r.shape(t)[-1], dtype=data(diag).dtype)
    return low + conj(_mT(low)) + diag * eye


def _chol_jvp(t, ans, a):
    y = solve(ans, _hermitian_part(t))
    tmp = conj(_mT(solve(ans, conj(_mT(y)))))  # L^-1 dH L^-H
    return matmul(ans, _phi(tmp))


def _chol_vjp(g, ans, a):
    lh = conj(_mT(ans))
    p = _phi(matmul(lh, g))
    y = solve(lh, p)
    s = conj(_mT(solve(lh, conj(_mT(y)))))  # L^-H phi(L^H g) L^-1
    diag = real(s)
    eye = _r._xp(s).eye(_r.shape(s)[-1], dtype=data(diag).dtype)
    return (s + conj(_mT(s))) * _tril_mask(s, -1) + diag * eye


def _power_vjp_y(g, ans, x, y):
    # log of a real negative base is complex here: take it in the output's complex dtype
    return g * ans * _r._log_base(_as_complex(x, ans))


# ---- the tables ---------------------------------------------------------------------------------

#: linear in their differentiated inputs with real coefficients: the formulas hold as written
OWN: frozenset[str] = frozenset({
    "add", "subtract", "negative", "where", "copy", "identity", "sum", "cumsum", "reshape",
    "transpose", "broadcast_to", "concatenate", "getitem", "scatter", "index_update", "diagonal",
})

#: holomorphic: vjp conj(formula(conj(g))), jvp formula(t)
HOLO: frozenset[str] = frozenset({
    "multiply", "divide", "power", "square", "sqrt", "reciprocal", "exp", "expm1", "log",
    "log1p", "log2", "log10", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
    "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "erf", "prod", "cumprod", "logsumexp",
    "matmul", "einsum", "inv", "solve", "det",
})

def _logabsdet_vjp(g, ans, a):
    from .prims.linalg import _singular_logabsdet  # -inf at a singular matrix: no derivative

    _singular_logabsdet(ans)
    return _r.getitem(g, (Ellipsis, None, None)) * conj(_mT(_r.inv(a)))


def _logabsdet_jvp(t, ans, a):
    from .prims.linalg import _singular_logabsdet

    _singular_logabsdet(ans)
    return real(_tr(solve(a, t)))


#: complex-only formulas: name -> (kind, vjp formulas or None, jvp formulas or None)
OVERRIDES: dict[str, tuple[str, list | None, list | None]] = {
    "abs": ("own", [lambda g, ans, x: g * _sgn(x)],
            [lambda t, ans, x: real(conj(_sgn(x)) * t)]),
    "astype": ("own", None, [_astype_jvp]),
    "norm2": ("own", None, [_norm2_jvp]),
    "logabsdet": ("own", [_logabsdet_vjp], [_logabsdet_jvp]),
    "cholesky": ("own", [_chol_vjp], [_chol_jvp]),
    # principal branches: 1/sqrt(z^2 - 1) would flip sign across the imaginary axis
    "arccosh": ("holo", [lambda g, ans, x: g / (_r.sqrt(x - 1) * _r.sqrt(x + 1))], "vjp"),
    # the real rules are NaN off the real domain; complex values have a slope everywhere
    "log": ("holo", [lambda g, ans, x: g / x], "vjp"),
    "log1p": ("holo", [lambda g, ans, x: g / (1 + x)], "vjp"),
    "log2": ("holo", [lambda g, ans, x: g / (x * _LN2)], "vjp"),
    "log10": ("holo", [lambda g, ans, x: g / (x * _LN10)], "vjp"),
    "arctanh": ("holo", [lambda g, ans, x: g / (1 - x * x)], "vjp"),
    "power": ("holo", [lambda g, ans, x, y: g * _r._pow_dx(x, y), _power_vjp_y], None),
    # numpy.sign(z) = z / |z|: smooth away from 0, unlike the real sign
    "sign": ("own", [_sign_vjp], [_sign_jvp]),
}

#: forwards that differ for complex inputs (the real ones would give another value)
COMPLEX_FORWARDS: dict[str, Callable] = {
    "norm2": _norm2_complex_fwd,
    "sign": _sign_complex_fwd,
}


# ---- marking and variants -----------------------------------------------------------------------

def mark(rule: Primitive, kind: str, vjp: Sequence | None = None, jvp=None) -> None:
    """Declare how ``rule`` differentiates complex values; ``vjp``/``jvp``: complex-only
    formulas that replace the rule's own on complex values."""
    if kind not in ("holo", "own"):
        raise ValueError(f"{rule.name}: complex kind must be 'holo' or 'own', not {kind!r}")
    rule.cplx = kind
    rule.cx_rule = None
    rule.cx_check = vjp is not None or jvp is not None
    if rule.cx_check:
        rule.cx_rule = _variant(rule, vjp, jvp)


def _complex_forward(rule: Primitive, cfwd: Callable) -> None:
    real_fwd = rule.impl

    def fwd(xp, x, *args, **params):
        if getattr(x, "dtype", None) is not None and x.dtype.kind == "c":
            return cfwd(xp, x, *args, **params)
        return real_fwd(xp, x, *args, **params)

    fwd.__name__ = getattr(real_fwd, "__name__", rule.name)
    rule.impl = fwd


def _cj(a):
    """conj(a): on a raw array directly (first-order path), recorded on a Tensor."""
    if not isinstance(a, Tensor) and hasattr(a, "conj"):
        return a.conj()
    return conj(a)


def _conj_vjp(f):
    def vjp(g, ans, *args, **params):
        c = f(_cj(g), ans, *args, **params)
        return None if c is None else _cj(c)

    return vjp


def _conj_vjp_n(f):
    def vjp_n(i, g, ans, *args, **params):
        c = f(i, _cj(g), ans, *args, **params)
        return None if c is None else _cj(c)

    return vjp_n


def _variant(base: Primitive, vjp=None, jvp=None) -> Primitive:
    """The rule recorded when complex values are differentiated through ``base``."""
    raw = copy.copy(base)
    raw.nondiff = False
    raw._cache = {}
    raw._uses = None
    raw.cx_variant = True
    if vjp is not None:
        raw.vjps = list(vjp)
    if jvp is not None:
        raw.jvps = raw.vjps if jvp == "vjp" else list(jvp)
    elif vjp is not None and base.jvps is base.vjps:
        raw.jvps = raw.vjps
    if base.cplx != "holo":
        raw.cx_rule = raw
        raw.compile()
        return raw
    var = copy.copy(raw)
    var._cache = {}
    var.vjps = [None if f is None else _conj_vjp(f) for f in raw.vjps or ()] or None
    if raw.vjp_n is not None:
        var.vjp_n = _conj_vjp_n(raw.vjp_n)
    if raw.vjp_all is not None:
        raise ValueError(f"{base.name}: a holomorphic rule cannot use vjp_all")

    def infer(nargs: int):
        # the wrappers read everything; the saved values are what the formulas inside read
        uses = raw._infer(nargs)
        var._all_inputs = getattr(raw, "_all_inputs", False)
        var.argnames = raw.argnames
        return uses

    var._infer = infer  # type: ignore[method-assign]
    var.cx_rule = var
    var.compile()
    return var


def is_complex(a) -> bool:
    """Whether ``a`` (a Tensor, array or Python number) holds complex values."""
    d = a._data if isinstance(a, Tensor) else a
    kind = getattr(getattr(d, "dtype", None), "kind", None)  # a dtype class has no .kind
    if kind is not None:
        return kind == "c"
    return isinstance(d, complex)


def for_complex(rule: Primitive, args: tuple, kind: str) -> Primitive:
    """The rule to record for ``rule`` applied to ``args`` with an output of dtype kind
    ``kind``: ``rule`` itself when no complex value is involved, else its complex variant.
    Raises :class:`ComplexError` for a real-only rule."""
    if kind != "c":
        for a in args:
            if is_complex(a):
                break
        else:
            return rule
    v = rule.cx_rule
    if v is not None:
        return v
    if rule.cplx == "real":
        shapes = ", ".join(f"{type(a).__name__}{tuple(getattr(a, 'shape', ()))} "
                           f"{getattr(getattr(a, 'dtype', None), 'name', type(a).__name__)}"
                           for a in args)
        got = (f"it got complex values ({shapes})" if any(is_complex(a) for a in args) else
               f"its result is complex for these real inputs ({shapes}): complex eigenvalues, "
               f"say")
        raise ComplexError(
            f"{rule.name}: gpuad differentiates {rule.name} for real values only, and {got}. "
            f"Differentiate through gnp.real/gnp.imag/gnp.abs of complex values instead, or "
            f"apply {rule.name} outside the differentiated code (docs/semantics.md, "
            f"'Complex numbers')"
        )
    if rule.cplx == "own":
        rule.cx_rule = rule
        return rule
    rule.cx_rule = _variant(rule)
    return rule.cx_rule


def _apply_tables() -> None:
    for name in OWN:
        mark(RULES[name], "own")
    for name in HOLO:
        mark(RULES[name], "holo")
    for name, cfwd in COMPLEX_FORWARDS.items():
        _complex_forward(RULES[name], cfwd)
    for name, (kind, vjp, jvp) in OVERRIDES.items():
        base = RULES[name]
        if base.nondiff:
            # piecewise constant for real values, differentiable for complex ones: the base
            # stays non-differentiable; its complex variant carries the formulas
            base.cx_rule = _variant(base, vjp, jvp)
            base.cx_rule.cplx = kind
            continue
        mark(base, kind, vjp, jvp)


_apply_tables()
_links.provide("for_complex", for_complex)

# abstract evaluation of the entrywise complex primitives (broadcast shape, NumPy dtype)
for _op in (conj, real, _imag, angle_, make_complex):
    _r.broadcasting(_op.rule)
del _op
