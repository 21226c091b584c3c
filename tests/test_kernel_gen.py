"""The elementwise expressions (gpuad/prims/expr.py) and what is generated from them.

Every expression is checked against the primitive it belongs to (its forward against ``impl``,
each adjoint against central differences of ``impl`` and against the primitive's own vjp and
jvp); every fused kernel corresponds to a primitive and its expression, none is dead, the
generated sources are current, and the CUDA text means what the expression says.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from gpuad.backends import cuda_sources, kernel_gen
from gpuad.prims import expr as E
from gpuad.prims.registry import load_all

RULES = load_all()
EW = {name: p for name, p in RULES.items() if p.exprs is not None}
VJP = kernel_gen.vjp_kernels()
FWD = kernel_gen.fwd_kernels()

# where each input is sampled: (lo, hi), or ("±", lo, hi) for lo <= |x| <= hi of either sign
# (away from kinks and poles); the default suits the rest
DEFAULT = ("±", 0.2, 2.0)
DOMAIN = {
    "log": (0.3, 3.0), "log2": (0.3, 3.0), "log10": (0.3, 3.0), "sqrt": (0.3, 3.0),
    "log1p": (-0.5, 3.0), "arcsin": (-0.9, 0.9), "arccos": (-0.9, 0.9),
    "arctanh": (-0.9, 0.9), "arccosh": (1.2, 3.0), "tan": ("±", 0.1, 1.2),
}
SHAPE = (4, 5)


def _sample(name, rng):
    p = EW[name]
    out = []
    for _ in E.input_names(p.impl):
        d = DOMAIN.get(name, DEFAULT)
        if d[0] == "±":
            x = rng.uniform(d[1], d[2], SHAPE) * rng.choice([-1.0, 1.0], SHAPE)
        else:
            x = rng.uniform(d[0], d[1], SHAPE)
        out.append(x)
    return out


def _env(p, xs, ans, g):
    return {"g": g, "ans": ans, **dict(zip(E.input_names(p.impl), xs, strict=True))}


def _adjoints():
    return [(n, i) for n, p in EW.items() for i, s in enumerate(p.exprs.vjp) if s is not None]


@pytest.mark.parametrize("name", sorted(n for n, p in EW.items() if p.exprs.fwd is not None))
def test_forward_expression_is_the_forward(name):
    p = EW[name]
    xs = _sample(name, np.random.default_rng(1))
    want = p.impl(np, *xs)
    got = E.evaluate(p.exprs.fwd, dict(zip(E.input_names(p.impl), xs, strict=True)))
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name, argnum", _adjoints())
def test_adjoint_expression_is_the_derivative(name, argnum):
    """The expression equals g times the partial derivative of ``impl`` (central differences,
    float64), and the primitive's Python vjp and jvp (made from it) give the same."""
    p = EW[name]
    rng = np.random.default_rng(2 + argnum)
    xs = _sample(name, rng)
    ans = p.impl(np, *xs)
    g = rng.standard_normal(SHAPE)
    got = E.evaluate(p.exprs.vjp[argnum], _env(p, xs, ans, g))
    h = 1e-5 * np.maximum(1.0, np.abs(xs[argnum]))
    up = [x + h if k == argnum else x for k, x in enumerate(xs)]
    down = [x - h if k == argnum else x for k, x in enumerate(xs)]
    fd = g * (p.impl(np, *up) - p.impl(np, *down)) / (2 * h)
    np.testing.assert_allclose(got, fd, rtol=1e-7, atol=1e-8)
    need = [k == argnum for k in range(len(xs))]
    np.testing.assert_allclose(p.vjp(g, ans, tuple(xs), {}, need)[argnum], got, rtol=1e-14)
    np.testing.assert_allclose(p.jvp(argnum, g, ans, tuple(xs), {}), got, rtol=1e-14)


def _c_to_language(text, names):
    """The CUDA text read back as an expression of the language: ``T(...)`` is a cast (no-op
    in float64), ``ad_f`` is ``f``, the header's constants are the language's."""
    text = re.sub(r"\bad_(\w+)\(", r"\1(", text).replace("T(", "(")
    for lang, (_, cname) in E.CONSTANTS.items():
        text = re.sub(rf"\b{cname}\b", lang, text)
    for old, new in names.items():
        text = re.sub(rf"\b{old}\b", new, text)
    # one choice ``((c) ? (a) : (b))`` (the expressions hold at most one) as ``a if c else b``
    return re.sub(r"\(\((.*)\) \? \((.*)\) : \((.*)\)\)", r"((\2) if (\1) else (\3))", text)


@pytest.mark.parametrize("rule", sorted(VJP))
def test_adjoint_kernel_text_means_the_expression(rule):
    """Read back, the CUDA (and CuPy) text computes bit for bit what the expression does: the
    grouping, and so the rounding, is the one written."""
    p = EW[rule]
    rng = np.random.default_rng(3)
    xs = _sample(rule, rng)
    ans = p.impl(np, *xs)
    env = _env(p, xs, ans, rng.standard_normal(SHAPE))
    for k in VJP[rule].values():
        want = E.evaluate(k.expr, env)
        operands = dict(zip(("u", "v")[2 - len(k.reads):], k.reads, strict=True))
        for text, g in ((k.cuda, "gi"), (k.cupy, "g")):
            if text is None:
                continue
            back = _c_to_language(text, {g: "_g", **{o: "_" + n for o, n in operands.items()}})
            got = E.evaluate(back, {"_" + n: v for n, v in env.items()})
            np.testing.assert_array_equal(got, want, err_msg=f"{k.name}: {text}")


@pytest.mark.parametrize("rule", sorted(FWD))
def test_forward_kernel_text_means_the_expression(rule):
    p = EW[rule]
    xs = _sample(rule, np.random.default_rng(4))
    k = FWD[rule]
    names = E.input_names(p.impl)
    want = E.evaluate(k.expr, dict(zip(names, xs, strict=True)))
    got = E.evaluate(_c_to_language(k.cuda, {}), dict(zip(("x", "y")[: len(xs)], xs, strict=True)))
    np.testing.assert_array_equal(got, want)
    for side, text in k.scalar:
        c = 0.7
        env = {names[0]: xs[0], names[1]: c} if side == "xc" else {names[0]: c, names[1]: xs[0]}
        got = E.evaluate(_c_to_language(text, {}), {"x": xs[0], "c": c})
        np.testing.assert_array_equal(got, E.evaluate(k.expr, env), err_msg=f"{rule}_{side}")


def test_every_kernel_belongs_to_a_primitive_and_none_is_dead():
    for rule, kernels in VJP.items():
        p = RULES[rule]
        for argnum, k in kernels.items():
            assert k.expr == p.exprs.vjp[argnum], (rule, argnum)
            assert set(k.reads) <= set(E.reads(k.expr, ("g", "ans", *E.input_names(p.impl))))
    for rule, k in FWD.items():
        assert k.expr == RULES[rule].exprs.fwd
    # every expression that can be fused has its kernel
    for name, p in EW.items():
        names = ("g", "ans", *E.input_names(p.impl))
        for i, src in enumerate(p.exprs.vjp):
            fused = src is not None and E.reads(src, names) != ["g"]
            assert fused == (i in VJP.get(name, {})), (name, i, src)
        assert (p.exprs.fwd is not None) == (name in FWD), name
    # the sources define exactly the kernels the tables name, and are current
    folder = cuda_sources.kernel_dir()
    assert kernel_gen.stale(folder) == [], "run: python -m gpuad.backends.kernel_gen"
    for fname, wanted in kernel_gen.kernel_names().items():
        defined = set(cuda_sources.kernel_templates(cuda_sources.get_source(fname)))
        assert defined == wanted, (fname, sorted(defined ^ wanted))


def test_the_header_defines_the_language():
    header = dict(cuda_sources.list_headers())["gpuad_vjp.cuh"]
    for name, fn in E.FUNCTIONS.items():
        assert re.search(rf"\b{fn.cuda}\s*\(", header), name
    for name, (value, cname) in E.CONSTANTS.items():
        m = re.search(rf"constexpr double {cname} = ([0-9.e+-]+);", header)
        assert m and float(m.group(1)) == pytest.approx(value, rel=1e-15), name


def test_every_function_compiles():
    pytest.importorskip("cuda.bindings.nvrtc", reason="NVRTC not installed")
    src = " + ".join(f"{f}(x)" for f in E.FUNCTIONS) + " + LN2 * LN10 * (x > 0)"
    body = E.to_c(f"g * ({src})", {"g": "gi", "x": "v"})
    source = cuda_sources.expand_includes(f'#include "gpuad_vjp.cuh"\nGPUAD_VJP1(every, {body})\n')
    try:
        ptx = cuda_sources.compile_ptx(source, "every.cu", name_expressions=["every<float>",
                                                                             "every<double>"])
    except OSError as e:  # the bindings import, libnvrtc does not load
        pytest.skip(f"NVRTC library not loadable: {e}")
    assert b".entry" in ptx


@pytest.mark.parametrize("src, c", [
    ("g - (x - y)", "gi - (x - y)"),
    ("(g - x) - y", "gi - x - y"),
    ("g / (x * y)", "gi / (x * y)"),
    ("-(-g)", "-(-gi)"),
    ("-(g * x)", "-(gi * x)"),
    ("g * (x > 0.5)", "gi * T(x > T(0.5))"),
    ("g / (x * LN2)", "gi / (x * T(kLn2))"),
    ("g * sigmoid(-x)", "gi * ad_sigmoid(-x)"),
])
def test_c_text_keeps_the_grouping(src, c):
    assert E.to_c(src, {"g": "gi", "x": "x", "y": "y"}) == c


@pytest.mark.parametrize("src, msg", [
    ("g * z", "reads 'z'"),
    ("g ** 2", "operators are"),
    ("g * tan(x)", "calls are"),
    ("g * x.T", "Attribute"),
    ("0 < x < 1", "one comparison"),
    ("g * 'a'", "literals"),
    ("g *", "not an expression"),
])
def test_expressions_outside_the_language_are_refused(src, msg):
    with pytest.raises(E.ExprError, match=re.escape(msg)):
        E.parse(src, ("g", "ans", "x"), "test")


def test_a_comparison_is_a_constant_mask_in_the_formula():
    import gpuad as ad
    import gpuad.numpy as gnp
    from gpuad.nn.functional import relu

    x = ad.tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
    # relu's adjoint g * (ans > 0): the mask carries no derivative (relu'' = 0), so
    # d/dx sum((d/dx sum(relu(x) x))^2) = d/dx sum((2x [x > 0])^2) = 8x [x > 0]
    gx = ad.grad(lambda v: gnp.sum(ad.grad(lambda w: gnp.sum(relu(w) * w))(v) ** 2))(x)
    np.testing.assert_allclose(gx.numpy(), [0.0, 8 * 0.5, 8 * 2.0])


def test_emulated_kernels_through_the_cupy_backend(backend, monkeypatch):
    """The CuPy backend's dispatch (which operands, broadcasting, accumulation, scalars),
    with each kernel run by reading its generated text back (the stand-in runs no CUDA C)."""
    import gpuad as ad
    import gpuad.numpy as gnp
    from gpuad.backends import load
    from gpuad.nn.functional import relu

    cupy = pytest.importorskip("cupy")
    if backend != "cupy" or not getattr(cupy, "STANDIN", False):
        pytest.skip("the CuPy stand-in only (a GPU runs the kernels themselves)")
    be = load("cupy")
    by_name = {k.name: k for ks in VJP.values() for k in ks.values()}
    fwd_text = {}
    for k in FWD.values():
        fwd_text[k.name] = k.cuda
        fwd_text.update((f"{k.name}_{side}", t) for side, t in k.scalar)
    calls = []

    def kernel(name, dtype, source=kernel_gen.VJP_FILE):
        def launch(grid, block, args):
            calls.append(name)
            if source == kernel_gen.FWD_FILE:
                *ins, out, n = args
                env = {"x": ins[0]._a, ("y" if len(ins) == 2 and hasattr(ins[1], "_a")
                                        else "c"): getattr(ins[-1], "_a", ins[-1])}
                out._a[...] = E.evaluate(_c_to_language(fwd_text[name], {}), env)
                return
            k = by_name[name]
            *ops, g, out, n, acc = args
            env = {"gi": g._a, **{o: a._a for o, a in zip(("u", "v")[2 - len(ops):], ops,
                                                          strict=True)}}
            r = np.where(g._a == 0, 0, E.evaluate(_c_to_language(k.cuda, {}), env))
            out._a[...] = out._a + r if int(acc) else r
        return launch

    def broadcast_kernel(name, mode):
        k = by_name[name]

        def run(g, *ops, axis=None, keepdims=False):
            calls.append(f"{name}:{mode}")
            if mode == "acc":
                *ops, out = ops
            vals = [getattr(a, "_a", a) for a in ops]
            env = {"g": g._a, **dict(zip(("u", "v")[2 - len(vals):], vals, strict=True))}
            r = np.where(g._a == 0, 0, E.evaluate(_c_to_language(k.cupy, {}), env))
            r = r.astype(g.dtype)
            if mode == "sum":
                return cupy.asarray(r.sum(axis=axis, keepdims=keepdims))
            if mode == "acc":
                out._a[...] += r
                return out
            return cupy.asarray(r)
        return run

    monkeypatch.setattr(be, "fused_vjp", dict(be.fused_vjp))
    monkeypatch.setattr(be, "fused_fwd", dict(be.fused_fwd))
    monkeypatch.setattr(be, "_bcast_exprs", {})
    monkeypatch.setattr(be, "kernel", kernel)
    monkeypatch.setattr(be, "_broadcast_kernel", broadcast_kernel)
    monkeypatch.setattr(be, "_grid", lambda n: 1)
    be._install_elementwise()
    # every entry of the backend's tables serves a primitive of the table
    assert set(be.fused_vjp) <= set(RULES) and set(be.fused_fwd) <= set(RULES)
    assert set(VJP) <= set(be.fused_vjp) and set(FWD) <= set(be.fused_fwd)

    rng = np.random.default_rng(5)
    x0 = rng.uniform(0.5, 2.0, (6, 7))
    b0 = rng.uniform(0.5, 2.0, (7,))
    w = rng.standard_normal((6, 7))

    def f(x, b):
        y = gnp.sin(x) * b + gnp.tanh(x) / b - 2.0 / gnp.sqrt(x) + relu(x - 1.0)
        y = y + gnp.log(x) * 3.0 + gnp.reciprocal(x) + gnp.abs(x - 1.2) + gnp.square(x) / x
        y = y + gnp.exp(x) * x
        return gnp.sum(y * w)  # a contiguous adjoint reaches every term

    with ad.use_backend("numpy"):
        want = ad.grad(f, argnums=(0, 1))(x0, b0)
    with ad.use_backend("cupy"):
        w = cupy.asarray(w)
        got = ad.grad(f, argnums=(0, 1))(cupy.asarray(x0), cupy.asarray(b0))
    for a, w in zip(got, want, strict=True):
        np.testing.assert_allclose(cupy.asnumpy(ad.tensor(a).data), w.numpy() if
                                   isinstance(w, ad.Tensor) else w, rtol=1e-12)
    used = set(calls)
    assert {"sin_vjp", "tanh_vjp", "sqrt_vjp", "relu_vjp", "log_vjp", "reciprocal_vjp",
            "abs_vjp", "square_vjp", "divide_vjp0", "divide_vjp1", "multiply_vjp",
            "exp_vjp", "multiply_vjp:sum", "divide_vjp1:sum"} <= used, used
    # large contiguous arrays take the forward kernels, scalars on either side
    big = cupy.asarray(rng.uniform(0.5, 2.0, 1 << 20))
    for rule, ref in (("sin", np.sin), ("exp", np.exp), ("square", np.square)):
        np.testing.assert_array_equal(cupy.asnumpy(be.fused_fwd[rule](big)),
                                      ref(cupy.asnumpy(big)))
    for rule, ref in (("subtract", np.subtract), ("divide", np.divide)):
        h = cupy.asnumpy(big)
        np.testing.assert_array_equal(cupy.asnumpy(be.fused_fwd[rule](big, 3.0)), ref(h, 3.0))
        np.testing.assert_array_equal(cupy.asnumpy(be.fused_fwd[rule](3.0, big)), ref(3.0, h))
        np.testing.assert_array_equal(cupy.asnumpy(be.fused_fwd[rule](big, big * 2)),
                                      ref(h, h * 2))
    assert {"sin_fwd", "subtract_fwd_xc", "subtract_fwd_cx", "divide_fwd"} <= set(calls)


def test_compiling_leaves_python_bytes_intact():
    """NVRTC writes its log into the buffer it is handed; a clean compile's log is one NUL byte,
    and the buffer was b" " * 1, CPython's cached b" ": every b" " in the process became
    b"\\0" afterwards (the source-reading checks of float() conversions then failed to parse)."""
    pytest.importorskip("cuda.bindings.nvrtc", reason="NVRTC not installed")
    space = bytes([32])
    try:
        res = cuda_sources.compile_source('extern "C" __global__ void k(float* x) { x[0] = 1; }',
                                          "k.cu", name_expressions=[])
    except OSError as e:  # the bindings import, libnvrtc does not load
        pytest.skip(f"NVRTC library not loadable: {e}")
    assert res.log == "" and b".entry" in res.ptx
    assert b" " == space and b" " * 3 == bytes([32] * 3)
