"""Property-based tests: random programs built from the op table; reverse mode, forward mode
and central finite differences agree on every one of them."""

from __future__ import annotations

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")

import hypothesis.extra.numpy as hnp  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import rules  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402


def _squash(h):
    return gnp.tanh(h)  # into (-1, 1): every op below is smooth there


# unary elementwise ops, each composed with a map into its safe domain
UNARY = {
    "sin": gnp.sin,
    "cos": gnp.cos,
    "tanh": gnp.tanh,
    "arctan": gnp.arctan,
    "sinh": lambda h: gnp.sinh(_squash(h)),
    "cosh": lambda h: gnp.cosh(_squash(h)),
    "sigmoid": rules.sigmoid,
    "erf": rules.erf,
    "square": gnp.square,
    "negative": gnp.negative,
    "exp": lambda h: gnp.exp(_squash(h)),
    "expm1": lambda h: gnp.expm1(_squash(h)),
    "log": lambda h: gnp.log(1.5 + _squash(h)),
    "log1p": lambda h: gnp.log1p(0.5 * _squash(h)),
    "sqrt": lambda h: gnp.sqrt(1.2 + _squash(h)),
    "reciprocal": lambda h: gnp.reciprocal(2.0 + _squash(h)),
    "arcsin": lambda h: gnp.arcsin(0.8 * _squash(h)),
    "arccos": lambda h: gnp.arccos(0.8 * _squash(h)),
    "arctanh": lambda h: gnp.arctanh(0.8 * _squash(h)),
    "arcsinh": gnp.arcsinh,
    "arccosh": lambda h: gnp.arccosh(2.0 + _squash(h)),
    "power": lambda h: gnp.power(1.5 + _squash(h), 2.5),
    "tan": lambda h: gnp.tan(_squash(h)),
}

BINARY = {
    "add": gnp.add,
    "subtract": gnp.subtract,
    "multiply": gnp.multiply,
    "divide": lambda a, b: gnp.divide(a, 2.0 + _squash(b)),
    "logaddexp": gnp.logaddexp,
    "hypot": lambda a, b: gnp.hypot(1.0 + a * a, b),
    "arctan2": lambda a, b: gnp.arctan2(a, 2.0 + _squash(b)),
    "power": lambda a, b: gnp.power(1.5 + _squash(a), b),
}

REDUCE = {
    "sum": lambda h, axis: gnp.sum(h, axis),
    "mean": lambda h, axis: gnp.mean(h, axis),
    "logsumexp": lambda h, axis: gnp.logsumexp(h, axis),
    "prod": lambda h, axis: gnp.prod(_squash(h) + 1.5, axis),
    "norm": lambda h, axis: gnp.linalg.norm(h + 2.0, axis=axis),
    "var": lambda h, axis: gnp.var(h, axis),
}


@st.composite
def programs(draw):
    """(input shapes, instructions): values start as the two inputs; each instruction
    appends one value computed from earlier ones."""
    bs = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                min_side=1, max_side=3))
    shapes = list(bs.input_shapes)
    prog = []
    for _ in range(draw(st.integers(2, 7))):
        kind = draw(st.sampled_from(["u", "u", "b", "b", "r"]))
        i = draw(st.integers(0, len(shapes) - 1))
        if kind == "u":
            prog.append(("u", draw(st.sampled_from(sorted(UNARY))), i))
            shapes.append(shapes[i])
        elif kind == "b":
            j = draw(st.integers(0, len(shapes) - 1))
            try:
                out = np.broadcast_shapes(shapes[i], shapes[j])
            except ValueError:
                continue
            prog.append(("b", draw(st.sampled_from(sorted(BINARY))), i, j))
            shapes.append(out)
        else:
            nd = len(shapes[i])
            axis = draw(st.one_of(st.none(), st.integers(0, nd - 1))) if nd else None
            prog.append(("r", draw(st.sampled_from(sorted(REDUCE))), i, axis))
            shp = shapes[i]
            shapes.append(() if axis is None else shp[:axis] + shp[axis + 1:])
    seed = draw(st.integers(0, 2**16))
    return list(bs.input_shapes), prog, seed


def _run(prog, x, y):
    vals = [x, y]
    for ins in prog:
        if ins[0] == "u":
            vals.append(UNARY[ins[1]](vals[ins[2]]))
        elif ins[0] == "b":
            vals.append(BINARY[ins[1]](vals[ins[2]], vals[ins[3]]))
        else:
            vals.append(REDUCE[ins[1]](vals[ins[2]], ins[3]))
    # depend on both inputs so every argument's derivative is exercised
    return vals[-1] + gnp.sum(vals[0]) * 0.25 - gnp.mean(vals[1] * vals[1])


_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


@_SETTINGS
@given(programs())
def test_random_programs_rev_fwd_and_differences_agree(backend, program):
    shapes, prog, seed = program
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-1.5, 1.5, shapes[0])
    y0 = rng.uniform(-1.5, 1.5, shapes[1])
    check_grads(lambda x, y: _run(prog, x, y), (x0, y0), order=1, modes=("fwd", "rev"),
                rtol=1e-5, atol=1e-6, seed=seed)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(programs())
def test_random_programs_reverse_equals_jacfwd(backend, program):
    """Full Jacobians: reverse mode row by row equals forward mode column by column."""
    shapes, prog, seed = program
    rng = np.random.default_rng(seed)
    x0 = rng.uniform(-1.5, 1.5, shapes[0])
    y0 = rng.uniform(-1.5, 1.5, shapes[1])

    def f(x):
        return _run(prog, x, ad.tensor(y0))

    jr = ad.jacrev(f)(ad.tensor(x0))
    jf = ad.jacfwd(f)(ad.tensor(x0))
    to_np = (lambda a: a.numpy() if isinstance(a, ad.Tensor) else
             (a.get() if hasattr(a, "get") else np.asarray(a)))
    np.testing.assert_allclose(to_np(jr), to_np(jf), rtol=1e-9, atol=1e-10)
