"""Values and first derivatives (vjp and jvp) at special points, against PyTorch and JAX.

Every elementwise function of gpuad.numpy, gpuad.scipy.special, the activations of
gpuad.nn.functional and gpuad.jax_nn, and the torch-style Tensor methods is evaluated at 0, -0,
+-1, the smallest normal, a denormal, the largest finite number, +-inf, NaN and its kinks, in
float64 and float32; binary functions at every pair of such points; reductions on rows of ties,
zeros, infinities and NaN; second derivatives at the kinks. Where the peers agree and gpuad does
not, the test fails, unless the difference is listed in DELIBERATE with its reason (there gpuad
is exact where the peers' formulas round to NaN, or keeps a documented convention). Where the
peers disagree with each other, gpuad must give one of their answers or be listed in OWN.

XLA compiles each of JAX's operations on first use; a persistent compilation cache under the
temporary directory makes runs after the first several times faster.
"""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np
import pytest

pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jax.config.update("jax_compilation_cache_dir",
                  os.path.join(tempfile.gettempdir(), "gpuad_special_points_jax_cache"))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)

from _special_cases import array_cases, binary_cases, second_cases, unary_cases  # noqa: E402
from _special_points import (  # noqa: E402
    close,
    compare,
    pair_points,
    run_gpuad,
    run_jax,
    run_torch,
    second_derivative,
    special_points,
    weights,
)

import gpuad as ad  # noqa: E402


def _nan(v):
    return isinstance(v, float) and math.isnan(v)


def _inf(v):
    return isinstance(v, float) and math.isinf(v)


def _huge(v):
    return isinstance(v, float) and abs(v) > 1e38


def _zero(v):
    return v == 0


# (case, quantity) -> (which inputs, why gpuad's answer is kept). ``which`` takes the inputs of
# one point (a tuple of floats, or of rows for reductions) and says whether the entry covers it.
DELIBERATE = {
    # NaN in, NaN out: the peers give a finite slope at NaN (an artefact of their masks)
    ("i1e", "grad[0]"): (lambda x: _nan(x[0]), "NaN input: the slope is NaN, not 1/2"),
    ("i1e", "jvp[0]"): (lambda x: _nan(x[0]), "NaN input: the slope is NaN, not 1/2"),
    # the zero guard: a zero adjoint (or tangent) contributes exactly 0, where the peers'
    # chain rule makes 0 * inf = NaN; gpuad's answers are the exact limits
    ("gelu_tanh", "grad[0]"): (lambda x: _huge(x[0]), "slopes 1 and 0 at +-max, not NaN"),
    ("jnn.gelu", "grad[0]"): (lambda x: _huge(x[0]), "slopes 1 and 0 at +-max, not NaN"),
    ("jnn.sparse_plus", "grad[0]"): (lambda x: _huge(x[0]), "slopes 1 and 0 at the ends"),
    ("jnn.squareplus", "grad[0]"): (lambda x: _huge(x[0]) and not _inf(x[0]),
                                    "slopes 1 and 0 at +-max, not NaN"),
    ("jnn.squareplus", "jvp[0]"): (lambda x: _huge(x[0]) and not _inf(x[0]),
                                   "slopes 1 and 0 at +-max, not NaN"),
    ("power", "jvp[0]"): (lambda x: _huge(x[0]) and x[1] == 1, "d/dx x**1 = 1 at the largest x"),
    ("T.pow", "jvp[0]"): (lambda x: _huge(x[0]) and x[1] == 1, "d/dx x**1 = 1 at the largest x"),
    ("float_power", "jvp[0]"): (lambda x: _huge(x[0]) and x[1] == 1,
                                "d/dx x**1 = 1 at the largest x"),
    ("T.float_power", "jvp[0]"): (lambda x: _huge(x[0]) and x[1] == 1,
                                  "d/dx x**1 = 1 at the largest x"),
    ("ldexp_like", "*"): (lambda x: True, "x * 2**y: the zero guard gives the exact 0 and inf "
                          "where the peers' 0 * inf is NaN"),
    # exact values where the peers' formulas overflow or cancel
    ("hardswish", "value"): (lambda x: x[0] == -np.inf, "hardswish is 0 below -3, -inf too"),
    ("logaddexp2", "value"): (lambda x: x[0] == x[1], "log2(2 * 2**x) = x + 1 exactly"),
    ("sigmoid", "*"): (lambda x: x[0] == 30, "sigmoid'(30): within an ulp of 1 of the peers'"),
    ("expit", "*"): (lambda x: x[0] == 30, "sigmoid'(30): within an ulp of 1 of the peers'"),
    ("T.sigmoid", "*"): (lambda x: x[0] == 30, "sigmoid'(30): within an ulp of 1"),
    ("hardsigmoid", "*"): (lambda x: True, "slope 1/6 in float64 (the peers round it to float32)"),
    ("i0e", "*"): (lambda x: _huge(x[0]), "slope below float32's range at +-max: 0"),
    ("i1e", "*"): (lambda x: _huge(x[0]), "slope below float32's range at +-max: 0"),
    # conventions stated in docs/semantics.md ("Subgradients at kinks", "Special points")
    ("fmax", "jvp[0]"): (lambda x: x[0] == x[1], "ties share the tangent, as the adjoint"),
    ("fmax", "jvp[1]"): (lambda x: x[0] == x[1], "ties share the tangent, as the adjoint"),
    ("T.fmax", "jvp[0]"): (lambda x: x[0] == x[1], "ties share the tangent, as the adjoint"),
    ("T.fmax", "jvp[1]"): (lambda x: x[0] == x[1], "ties share the tangent, as the adjoint"),
    ("xlogy_0_y", "*"): (lambda x: True, "d/dy xlogy(0, y) = 0: xlogy(0, y) is 0 for every y"),
    ("xlogy", "grad[1]"): (lambda x: _zero(x[0]), "d/dy xlogy(0, y) = 0"),
    ("T.xlogy", "grad[1]"): (lambda x: _zero(x[0]), "d/dy xlogy(0, y) = 0"),
    ("xlog1py", "grad[1]"): (lambda x: _zero(x[0]), "d/dy xlog1py(0, y) = 0"),
    ("xlogy", "jvp[0]"): (lambda x: _zero(x[0]) and _zero(x[1]), "log(0) = -inf, as grad"),
    ("T.xlogy", "jvp[0]"): (lambda x: _zero(x[0]) and _zero(x[1]), "log(0) = -inf, as grad"),
    ("xlog1py", "jvp[0]"): (lambda x: _zero(x[0]) and x[1] == -1, "log1p(-1) = -inf, as grad"),
    ("fmod", "grad[1]"): (lambda x: _zero(x[1]) or _nan(x[0]) or _inf(x[0]),
                          "where fmod is NaN its slope is NaN (the peers: -x/y rounded)"),
    ("fmod", "jvp[1]"): (lambda x: _zero(x[1]) or _nan(x[0]) or _inf(x[0]),
                         "where fmod is NaN its slope is NaN"),
    ("T.fmod", "grad[1]"): (lambda x: _zero(x[1]) or _nan(x[0]) or _inf(x[0]),
                            "where fmod is NaN its slope is NaN"),
    ("T.fmod", "jvp[1]"): (lambda x: _zero(x[1]) or _nan(x[0]) or _inf(x[0]),
                           "where fmod is NaN its slope is NaN"),
    ("remainder", "grad[1]"): (lambda x: _zero(x[1]) or _nan(x[0]) or _inf(x[0]),
                               "where remainder is NaN its slope is NaN (the peers: "
                               "-floor(x/y), +-inf)"),
    ("remainder", "jvp[1]"): (lambda x: _zero(x[1]) or _nan(x[0]) or _inf(x[0]),
                              "where remainder is NaN its slope is NaN"),
    ("T.remainder", "grad[1]"): (lambda x: _zero(x[1]) or _nan(x[0]) or _inf(x[0]),
                                 "where remainder is NaN its slope is NaN"),
    ("T.remainder", "jvp[1]"): (lambda x: _zero(x[1]) or _nan(x[0]) or _inf(x[0]),
                                "where remainder is NaN its slope is NaN"),
    ("spence", "*"): (lambda x: True, "JAX's spence is NaN above 1e16 and its slope is 0 at "
                      "0, 1 and below (SciPy's values, slope log(x)/(1-x))"),
    ("rel_entr", "*"): (lambda x: True, "JAX's slopes are 0 where x <= 0 (gpuad: -inf at x = 0, "
                        "NaN outside the domain, where the value is inf)"),
    ("kl_div", "*"): (lambda x: True, "as rel_entr"),
    ("heaviside", "*"): (lambda x: _nan(x[0]), "heaviside(NaN) is NaN: no slope to pass on"),
    ("log_softmax", "*"): (lambda x: True, "a row holding +inf: -inf beside it (the limit), "
                           "where the peers' inf - inf gives NaN"),
    ("F.log_softmax", "*"): (lambda x: True, "as log_softmax"),
    ("jnn.log_softmax", "*"): (lambda x: True, "as log_softmax"),
}

DELIBERATE.update({
    ("jnn.celu", "jvp[0]"): (lambda x: _nan(x[0]), "NaN input: slope 0 both ways (JAX's jvp "
                             "NaN, its vjp 0)"),
    ("jnn.celu", "grad[0]"): (lambda x: _nan(x[0]), "NaN input: slope 0, the minimum's select "
                              "keeps the NaN of expm1' off x (JAX multiplies: NaN)"),
    ("jnn.squareplus", "value"): (lambda x: _huge(x[0]), "about b / 4|x| below -1e154 (JAX's "
                                  "x * x overflows to inf), 0 at -inf"),
    ("jnn.squareplus", "grad[0]"): (lambda x: _huge(x[0]), "slopes 1 and 0 at the ends"),
    ("jnn.log1mexp", "*"): (lambda x: x[0] < 0, "outside the domain (value NaN): slope NaN "
                            "(below -700 the zero guard's known limit: reverse 0, forward NaN, "
                            "docs/semantics.md)"),
    ("F.softmax", "value"): (lambda x: True, "a row holding +inf: 0 beside it (the limit)"),
    ("T.softmax", "value"): (lambda x: True, "a row holding +inf: 0 beside it (the limit)"),
    ("where_sqrt", "grad[0]"): (lambda x: True, "the zero guard: an unselected branch adds 0"),
    ("where_log", "grad[0]"): (lambda x: True, "the zero guard: an unselected branch adds 0"),
    # the tails keep their digits (tests/conformance/test_scipy_special_suite.py, mpmath)
    ("erfcx", "*"): (lambda x: _huge(x[0]), "erfcx' -> -1/(sqrt(pi) x^2): -0 at max and inf, "
                     "where torch's 2x erfcx(x) - 2/sqrt(pi) gives inf and NaN"),
    ("log_ndtr", "*"): (lambda x: _huge(x[0]) or x[0] == -30,
                        "slope ~ -x in the lower tail: inf at -max and -inf (the peers NaN); "
                        "30.0332597 at -30 as mpmath (float32: torch 30.0337, JAX 30.0326)"),
})

# outside the domain (the value NaN for an input that is not) the slope is NaN, where the
# peers' formulas (1/x, 1/sqrt(x*x - 1), 1/(1 - x*x)) give a finite number
for _name, _out in (("log", lambda v: v < 0), ("log2", lambda v: v < 0),
                    ("log10", lambda v: v < 0), ("log1p", lambda v: v < -1),
                    ("arccosh", lambda v: v < 1), ("arctanh", lambda v: abs(v) > 1)):
    DELIBERATE[(_name, "*")] = (lambda x, _out=_out: _out(x[0]),
                                "outside the domain the value is NaN, and so is the slope")

# splits of the peers where gpuad gives a third answer: (case, quantity) -> (which, why)
OWN = dict(DELIBERATE)
OWN.update({
    ("xlogy_xx", "second"): (lambda x: _zero(x[0]) or x[0] < 0,
                             "d2/dx2 x log x = 1/x: +-inf at +-0; NaN below 0, as the value"),
    ("entr", "second"): (lambda x: x[0] < 0, "below 0 entr's first slope -log(x) - 1 is NaN "
                         "(log of a negative number), and so is the second"),
    ("cbrt", "second"): (lambda x: _zero(x[0]), "NaN where the one-sided limits are -+inf"),
    ("celu", "second"): (lambda x: _zero(x[0]), "the left branch's exp(x/alpha)/alpha, as elu"),
    ("abs", "*"): (lambda x: _nan(x[0]), "NaN input: NaN slope (sign(NaN))"),
    ("fabs", "*"): (lambda x: _nan(x[0]), "NaN input: NaN slope (sign(NaN))"),
    ("T.abs", "*"): (lambda x: _nan(x[0]), "NaN input: NaN slope (sign(NaN))"),
    ("norm_1", "*"): (lambda x: True, "a NaN in the row: NaN slope (sign(NaN))"),
    ("copysign", "*"): (lambda x: _nan(x[0]), "NaN input: the sign bits' product, +-1"),
    ("T.copysign", "*"): (lambda x: _nan(x[0]), "NaN input: the sign bits' product, +-1"),
})
for _name in ("fmax", "fmin", "T.fmax", "T.fmin"):
    for _q in ("grad[0]", "grad[1]", "jvp[0]", "jvp[1]"):
        OWN[(_name, _q)] = (lambda x: x[0] == x[1], "ties share the adjoint (semantics.md)")


def _allowed(table, d, point) -> bool:
    for key in ((d.case, d.what), (d.case, "*")):
        if key in table and table[key][0](point[0]):
            return True
    return False


def _unexplained(found, table):
    out = []
    for d in found:
        if d.what.startswith("error"):
            out.append(f"{d.case} {d.dtype} {d.what}")
            continue
        pts = [p for p in d.points if not _allowed(table, d, p)]
        if pts:
            out.append(f"{d.case} {d.dtype} {d.what}: " + "; ".join(
                f"at {p[0]} gpuad {p[1]} peers {p[2]}" for p in pts[:4]))
    return out


def _denormal(point, dtype) -> bool:
    """Whether an input is denormal (JAX flushes it to zero: no second answer there)."""
    tiny = np.finfo(dtype).tiny
    return any(isinstance(v, float) and v != 0 and abs(v) < tiny for v in point)


def _third_answers(splits, atol=None):
    """Split points where gpuad agrees with neither peer."""
    out = []
    for d in splits:
        dt = np.dtype(d.dtype)
        tol = None if atol is None else atol * np.finfo(dt).eps
        pts = [p for p in d.points if len(p[2]) > 1 and not any(
            close(p[1], v, dt, atol=tol) for v in p[2].values())
            and not _denormal(p[0], dt) and not _allowed(OWN, d, p)]
        if pts:
            out.append(f"{d.case} {d.dtype} {d.what}: " + "; ".join(
                f"at {p[0]} gpuad {p[1]} peers {p[2]}" for p in pts[:4]))
    return out


def _tensor_args(f):
    def g(*a):
        return f(*[x if isinstance(x, ad.Tensor) else ad.tensor(x) for x in a])
    return g


def _sweep(cases, make_args, diff, seed=None, atol=None):
    kw = {} if seed is None else {"seed": seed}
    bugs, splits = [], []
    for dt in (np.float64, np.float32):
        for name, (g, t, j, *extra) in cases.items():
            args = make_args(dt, extra)
            mine = _tensor_args(g) if name.startswith("T.") else g
            res = {"gpuad": run_gpuad(mine, args, diff, **kw)}
            if t is not None:
                res["torch"] = run_torch(t, args, diff, **kw)
            if j is not None:
                res["jax"] = run_jax(j, args, diff, **kw)
            b, s = compare(name, dt, args, diff, res,
                           atol=None if atol is None else atol * np.finfo(dt).eps)
            bugs += b
            splits += s
    return bugs, splits


def _unary_args(dt, extra):
    with np.errstate(over="ignore"):
        return (np.concatenate([special_points(dt), np.array(extra[0], dt)]),)


def _check(bugs, splits, atol=None):
    problems = _unexplained(bugs, DELIBERATE) + _third_answers(splits, atol)
    assert not problems, "\n".join(problems)


def test_unary_functions_at_special_points():
    _check(*_sweep(unary_cases(), _unary_args, (0,)))


def test_binary_functions_at_pairs_of_special_points():
    _check(*_sweep({k: v for k, v in binary_cases().items()}, lambda dt, e: pair_points(dt),
                   (0, 1)))


def test_reductions_with_ties_zeros_and_infinities():
    def args(dt, extra):
        with np.errstate(over="ignore"):
            return (extra[0].astype(dt),)

    # slopes that cancel to 0 (softmax's) are compared to the weights' size: 1e3 ulps
    _check(*_sweep(array_cases(), args, (0,), seed=weights, atol=1e3))


def test_second_derivatives_at_kinks():
    problems = []
    for name, (g, t, j, pts) in second_cases().items():
        x = np.array(pts)
        got = {"gpuad": second_derivative("gpuad", g, x)}
        if t is not None:
            got["torch"] = second_derivative("torch", t, x)
        if j is not None:
            got["jax"] = second_derivative("jax", j, x)
        assert not isinstance(got["gpuad"], str), f"{name}: {got['gpuad']}"
        peers = {k: v for k, v in got.items() if k != "gpuad" and not isinstance(v, str)}
        for i, xi in enumerate(x):
            vals = {k: v[i] for k, v in peers.items()}
            if not vals:
                continue
            mine = got["gpuad"][i]
            if any(close(mine, v, np.float64) for v in vals.values()):
                continue
            key = (name, "second")
            if key in OWN and OWN[key][0]((xi,)):
                continue
            problems.append(f"{name} at {xi}: gpuad {mine}, peers {vals}")
    assert not problems, "\n".join(problems)
