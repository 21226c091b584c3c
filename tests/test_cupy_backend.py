"""The CuPy backend's fused adjoint kernels against their NumPy formulas (GPU only)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytestmark = pytest.mark.gpu
cupy = pytest.importorskip("cupy")

from gpuad.backends import load  # noqa: E402
from gpuad.backends.kernel_gen import fwd_kernels, vjp_kernels  # noqa: E402

DTYPES = (np.float32, np.float64)
SHAPE = (37, 129)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# rule -> (domain, forward (to make ans), reference adjoint f(g, x, ans)), written here
# independently of the expressions the kernels are generated from
UNARY_CASES = {
    "exp": ((-2, 2), np.exp, lambda g, x, y: g * y),
    "expm1": ((-2, 2), np.expm1, lambda g, x, y: g * (y + 1)),
    "log": ((0.5, 3), np.log, lambda g, x, y: g / x),
    "log1p": ((-0.5, 3), np.log1p, lambda g, x, y: g / (1 + x)),
    "log2": ((0.5, 3), np.log2, lambda g, x, y: g / (x * np.log(2))),
    "log10": ((0.5, 3), np.log10, lambda g, x, y: g / (x * np.log(10))),
    "sin": ((-3, 3), np.sin, lambda g, x, y: g * np.cos(x)),
    "cos": ((-3, 3), np.cos, lambda g, x, y: -g * np.sin(x)),
    "tan": ((-1.2, 1.2), np.tan, lambda g, x, y: g * (1 + y**2)),
    "arcsin": ((-0.9, 0.9), np.arcsin, lambda g, x, y: g / np.sqrt(1 - x**2)),
    "arccos": ((-0.9, 0.9), np.arccos, lambda g, x, y: -g / np.sqrt(1 - x**2)),
    "arctan": ((-3, 3), np.arctan, lambda g, x, y: g / (1 + x**2)),
    "sinh": ((-2, 2), np.sinh, lambda g, x, y: g * np.cosh(x)),
    "cosh": ((-2, 2), np.cosh, lambda g, x, y: g * np.sinh(x)),
    "tanh": ((-2, 2), np.tanh, lambda g, x, y: g * (1 - y**2)),
    "arcsinh": ((-3, 3), np.arcsinh, lambda g, x, y: g / np.sqrt(x**2 + 1)),
    "arccosh": ((1.2, 3), np.arccosh, lambda g, x, y: g / np.sqrt(x**2 - 1)),
    "arctanh": ((-0.9, 0.9), np.arctanh, lambda g, x, y: g / (1 - x**2)),
    "sqrt": ((0.5, 3), np.sqrt, lambda g, x, y: g / (2 * y)),
    "reciprocal": ((0.5, 3), np.reciprocal, lambda g, x, y: -g * y**2),
    "square": ((-3, 3), np.square, lambda g, x, y: 2 * x * g),
    "abs": ((-3, 3), np.abs, lambda g, x, y: g * np.sign(x)),
    "sigmoid": ((-4, 4), _sigmoid, lambda g, x, y: g * y * (1 - y)),
    "relu": ((-3, 3), lambda x: np.maximum(x, 0), lambda g, x, y: np.where(y > 0, g, 0)),
}


def _tol(dtype):
    return {"rtol": 2e-5, "atol": 2e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}


@pytest.fixture(scope="module")
def be():
    backend = load("cupy")
    if not backend.is_available():
        pytest.skip("no usable CUDA device")
    return backend


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def _call(be, rule, argnum, g, ans, inputs, out):
    before = [None if a is None else a.copy() for a in (g, ans, *inputs)]
    result = be.fused_vjp[rule](argnum, g, ans, tuple(inputs), {}, out)
    for a, b in zip((g, ans, *inputs), before, strict=True):
        if a is not None:
            assert cupy.array_equal(a, b), f"{rule} modified an input"
    return result


UNARY_VJP = {rule: ks[0] for rule, ks in vjp_kernels().items() if 0 in ks and ks[0].arity == 1}


def test_table_covers_rules(be):
    assert set(UNARY_CASES) == set(UNARY_VJP)
    assert {"multiply", "divide", "matmul"} <= set(be.fused_vjp)


def test_warmup_compiles_everything(be):
    from gpuad.backends import cuda_sources

    expected = sum(len(cuda_sources.kernel_templates(s)) for _, s in cuda_sources.list_sources())
    assert be.warmup() == 2 * expected
    assert be.warmup(("float32",)) == expected


@pytest.mark.parametrize("accumulate", [False, True], ids=["fresh", "accumulate"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("rule", sorted(UNARY_CASES))
def test_unary_vjp(be, rng, rule, dtype, accumulate):
    (lo, hi), forward, ref = UNARY_CASES[rule]
    x = rng.uniform(lo, hi, SHAPE).astype(dtype)
    if rule in ("abs", "relu"):
        x.flat[:3] = 0
    y = forward(x).astype(dtype) if forward is not None else None
    g = rng.standard_normal(SHAPE).astype(dtype)
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    y64 = None if y is None else y.astype(np.float64)
    expected = ref(g64, x64, y64)

    (saved,) = UNARY_VJP[rule].operands
    ans_d = cupy.asarray(y) if saved == "ans" else None
    inputs = (cupy.asarray(x),) if saved == 0 else (None,)
    out_d = None
    if accumulate:
        base = rng.standard_normal(SHAPE).astype(dtype)
        out_d = cupy.asarray(base)
        expected = expected + base
    got = _call(be, rule, 0, cupy.asarray(g), ans_d, inputs, out_d)
    assert got is not NotImplemented
    if accumulate:
        assert got is out_d
    assert got.shape == SHAPE and got.dtype == dtype
    np.testing.assert_allclose(cupy.asnumpy(got), expected, **_tol(dtype))


@pytest.mark.parametrize("accumulate", [False, True], ids=["fresh", "accumulate"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("argnum", [0, 1])
@pytest.mark.parametrize("rule", ["multiply", "divide"])
def test_binary_vjp(be, rng, rule, argnum, dtype, accumulate):
    a = rng.uniform(-2, 2, SHAPE).astype(dtype)
    b = (rng.uniform(0.5, 2, SHAPE) * rng.choice([-1, 1], SHAPE)).astype(dtype)
    g = rng.standard_normal(SHAPE).astype(dtype)
    a64, b64, g64 = (v.astype(np.float64) for v in (a, b, g))
    if rule == "multiply":
        expected = g64 * (b64 if argnum == 0 else a64)
    else:
        expected = g64 / b64 if argnum == 0 else -g64 * a64 / b64**2
    out_d = None
    if accumulate:
        base = rng.standard_normal(SHAPE).astype(dtype)
        out_d = cupy.asarray(base)
        expected = expected + base
    got = _call(be, rule, argnum, cupy.asarray(g), None, (cupy.asarray(a), cupy.asarray(b)), out_d)
    assert got is not NotImplemented
    if accumulate:
        assert got is out_d
    np.testing.assert_allclose(cupy.asnumpy(got), expected, **_tol(dtype))


BROADCASTS = [((37, 129), (129,)), ((37, 129), (37, 1)), ((1, 129), (37, 129)), ((), (37, 129)),
              ((5, 1, 7), (3, 1)), ((37, 129), (37, 129))]


@pytest.mark.parametrize("accumulate", [False, True], ids=["fresh", "accumulate"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("argnum", [0, 1])
@pytest.mark.parametrize("rule", ["multiply", "divide"])
@pytest.mark.parametrize("shapes", BROADCASTS, ids=lambda s: f"{s[0]}x{s[1]}".replace(" ", ""))
def test_binary_vjp_broadcast(be, rng, shapes, rule, argnum, dtype, accumulate):
    """Operands that broadcast: the adjoint is mapped (and summed over the broadcast axes of
    its input) in one CuPy kernel; g may be non-contiguous."""
    sa, sb = shapes
    a = np.asarray(rng.uniform(-2, 2, sa)).astype(dtype)
    b = np.asarray(rng.uniform(0.5, 2, sb) * rng.choice([-1, 1], sb)).astype(dtype)
    gshape = np.broadcast_shapes(sa, sb)
    g = rng.standard_normal(gshape[::-1]).astype(dtype).T  # Fortran order
    g[..., :2] = 0
    a64, b64, g64 = (np.asarray(v, np.float64) for v in (a, b, g))
    if rule == "multiply":
        full = g64 * (b64 if argnum == 0 else a64)
    else:
        full = g64 / b64 if argnum == 0 else -g64 * a64 / b64**2
    target = (sa, sb)[argnum]
    lead = full.ndim - len(target)
    expected = full.sum(axis=tuple(range(lead)))
    expected = expected.sum(axis=tuple(i for i, n in enumerate(target) if n == 1),
                            keepdims=True).reshape(target)
    out_d = None
    if accumulate:
        base = np.asarray(rng.standard_normal(target)).astype(dtype)
        out_d = cupy.asarray(base)
        expected = expected + base
    inputs = (cupy.asarray(a), cupy.asarray(b))
    got = _call(be, rule, argnum, cupy.asarray(g), None, inputs, out_d)
    assert got is not NotImplemented
    if accumulate:
        assert got is out_d
    assert got.shape == target and got.dtype == dtype
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-11, "atol": 1e-11}
    np.testing.assert_allclose(cupy.asnumpy(got), expected, **tol)


@pytest.mark.parametrize("accumulate", [False, True], ids=["fresh", "accumulate"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_binary_vjp_with_constants(be, rng, dtype, accumulate):
    """``x * 0.5``, ``x / 3`` and ``2 / x`` save a Python number beside (or instead of) x."""
    x = rng.uniform(0.5, 2, SHAPE).astype(dtype)
    g = rng.standard_normal(SHAPE).astype(dtype)
    g[0] = 0
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    cases = [("multiply", 0, (None, 0.5), g64 * 0.5), ("multiply", 1, (3, None), g64 * 3),
             ("divide", 0, (None, 3), g64 / 3), ("divide", 1, (2, x), -g64 * 2 / x64**2)]
    for rule, argnum, inputs, expected in cases:
        inputs = tuple(cupy.asarray(v) if isinstance(v, np.ndarray) else v for v in inputs)
        out_d = None
        if accumulate:
            base = rng.standard_normal(SHAPE).astype(dtype)
            out_d = cupy.asarray(base)
            expected = expected + base
        got = be.fused_vjp[rule](argnum, cupy.asarray(g), None, inputs, {}, out_d)
        assert got is not NotImplemented, (rule, argnum)
        assert got.dtype == dtype and got.shape == SHAPE
        if accumulate:
            assert got is out_d
        np.testing.assert_allclose(cupy.asnumpy(got), expected, **_tol(dtype))


@pytest.mark.standin
@pytest.mark.parametrize("accumulate", [False, True], ids=["fresh", "accumulate"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("argnum", [0, 1])
def test_matmul_vjp(be, rng, argnum, dtype, accumulate):
    m, k, n = 33, 65, 17
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    g = rng.standard_normal((m, n)).astype(dtype)
    a64, b64, g64 = (v.astype(np.float64) for v in (a, b, g))
    expected = g64 @ b64.T if argnum == 0 else a64.T @ g64
    out_d = None
    if accumulate:
        base = rng.standard_normal(expected.shape).astype(dtype)
        out_d = cupy.asarray(base)
        expected = expected + base
    got = _call(
        be, "matmul", argnum, cupy.asarray(g), None, (cupy.asarray(a), cupy.asarray(b)), out_d
    )
    assert got is not NotImplemented
    if accumulate:
        assert got is out_d
    assert got.shape == expected.shape and got.flags.c_contiguous
    tol = {"rtol": 1e-4, "atol": 5e-4} if dtype == np.float32 else {"rtol": 1e-11, "atol": 1e-11}
    np.testing.assert_allclose(cupy.asnumpy(got), expected, **tol)


@pytest.mark.standin
def test_matmul_unsupported_cases(be, rng):
    a = cupy.asarray(rng.standard_normal((4, 5)))
    b = cupy.asarray(rng.standard_normal((5, 3)))
    g = cupy.asarray(rng.standard_normal((4, 3)))
    vjp = be.fused_vjp["matmul"]
    assert vjp(0, g, None, (cupy.asfortranarray(a), b), {}, None) is NotImplemented
    assert vjp(1, g, None, (a, b.astype(cupy.float32)), {}, None) is NotImplemented
    batched = cupy.stack([a, a])
    assert vjp(0, cupy.stack([g, g]), None, (batched, b), {}, None) is NotImplemented
    assert vjp(0, g[:, 0], None, (a, b[:, 0]), {}, None) is NotImplemented


def test_elementwise_unsupported_cases(be, rng):
    x = cupy.asarray(rng.uniform(-1, 1, (8, 6)))
    g = cupy.asarray(rng.standard_normal((8, 6)))
    sin = be.fused_vjp["sin"]
    assert sin(1, g, None, (x,), {}, None) is NotImplemented
    assert sin(0, g.T, None, (x.T,), {}, None) is NotImplemented
    assert sin(0, g, None, (x.astype(cupy.float32),), {}, None) is NotImplemented
    assert sin(0, g.astype(cupy.int64), None, (x.astype(cupy.int64),), {}, None) is NotImplemented
    assert sin(0, g, None, (None,), {}, None) is NotImplemented
    row = x[:1]
    mul = be.fused_vjp["multiply"]
    assert mul(1, g, None, (x, row.astype(cupy.float32)), {}, None) is NotImplemented
    assert mul(0, g, None, (x, x[:3]), {}, None) is NotImplemented  # shapes do not broadcast
    assert mul(1, g, None, (x, None), {}, None) is NotImplemented  # target shape unknown
    # a NumPy scalar is not weakly typed: its product with a float32 x is float64
    assert mul(0, g, None, (None, np.float64(0.5)), {}, None) is NotImplemented
    assert be.fused_vjp["exp"](0, g, None, (x,), {}, None) is NotImplemented


@pytest.mark.parametrize("accumulate", [False, True], ids=["fresh", "accumulate"])
@pytest.mark.parametrize("rule", ["sin", "divide"])
def test_fused_vjp_covers_every_element_of_a_long_array(be, rule, accumulate):
    """Longer than the grid times the unroll factor: every thread loops and every unrolled
    slot, full or past the end, is exercised."""
    threads = be._grid(1 << 40) * 256
    n = 5 * threads + 77
    x = cupy.linspace(0.5, 2.0, n, dtype=cupy.float32)
    g = cupy.cos(cupy.arange(n, dtype=cupy.float32))
    out = cupy.full(n, 0.25, cupy.float32) if accumulate else None
    base = 0.25 if accumulate else 0.0
    if rule == "sin":
        got = be.fused_vjp["sin"](0, g, None, (x,), {}, out)
        want = g * cupy.cos(x) + base
    else:
        got = be.fused_vjp["divide"](1, g, None, (x + 1, x), {}, out)
        want = -(g / x) * ((x + 1) / x) + base
    assert got is not NotImplemented
    np.testing.assert_allclose(cupy.asnumpy(got), cupy.asnumpy(want), rtol=2e-6, atol=2e-6)


FWD_CASES = {
    "sin": lambda x: cupy.sin(x), "cos": lambda x: cupy.cos(x), "tanh": lambda x: cupy.tanh(x),
    "exp": lambda x: cupy.exp(x), "log": lambda x: cupy.log(x), "sqrt": lambda x: cupy.sqrt(x),
    "square": lambda x: cupy.square(x),
    # on inputs of both signs (SIGNED), against formulas of their own
    "sigmoid": lambda x: 1 / (1 + cupy.exp(-x)), "relu": lambda x: cupy.where(x > 0, x, 0),
}
SIGNED = {"sigmoid", "relu"}


def _long(be, dtype, lo=0.25, hi=2.0):
    threads = be._grid(1 << 40) * 256
    n = max(5 * threads + 77, (1 << 20) + 3)
    return cupy.linspace(lo, hi, n, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_forward_kernels_match_cupy(be, dtype):
    """Large contiguous inputs take gpuad's forward kernels; values equal CuPy's ufuncs."""
    assert set(FWD_CASES) == {rule for rule, k in fwd_kernels().items() if k.arity == 1}
    x = _long(be, dtype)
    y = cupy.cos(x * 3) + 2
    tol = {"rtol": 1e-6, "atol": 0} if dtype == np.float32 else {"rtol": 1e-15, "atol": 0}
    signed = _long(be, dtype, -4.0, 4.0)
    for name, ref in FWD_CASES.items():
        arg = signed if name in SIGNED else x
        got = be.fused_fwd[name](arg)
        assert got is not NotImplemented and got.dtype == dtype, name
        np.testing.assert_allclose(cupy.asnumpy(got), cupy.asnumpy(ref(arg)), **tol,
                                   err_msg=name)
    pairs = {"add": cupy.add, "subtract": cupy.subtract, "multiply": cupy.multiply,
             "divide": cupy.divide}
    for name, ufunc in pairs.items():
        f = be.fused_fwd[name]
        for a, b in ((x, y), (x, 0.7), (3, x), (x, 2)):
            got = f(a, b)
            assert got is not NotImplemented and got.dtype == dtype, (name, type(a), type(b))
            np.testing.assert_allclose(cupy.asnumpy(got), cupy.asnumpy(ufunc(a, b)), **tol,
                                       err_msg=f"{name} {type(a).__name__} {type(b).__name__}")


def test_forward_kernels_decline_what_they_do_not_cover(be):
    x = _long(be, cupy.float32)
    small = x[:1000]
    assert be.fused_fwd["sin"](small) is NotImplemented  # below FORWARD_MIN_SIZE
    assert be.fused_fwd["sin"](x[::2]) is NotImplemented  # strided
    assert be.fused_fwd["sin"](x.astype(cupy.float16)) is NotImplemented
    mul = be.fused_fwd["multiply"]
    assert mul(x, np.float64(2.0)) is NotImplemented  # not weakly typed: float64 result
    assert mul(x, x.astype(cupy.float64)) is NotImplemented
    assert mul(x, x[:10]) is NotImplemented  # broadcasting
    assert mul(x, True) is NotImplemented
    assert mul(x, 1 << 80) is NotImplemented


def test_forward_kernels_through_the_engine(be):
    import gpuad as ad
    import gpuad.numpy as gnp

    xd = _long(be, cupy.float32)
    with ad.use_backend("cupy"):
        x = ad.tensor(xd, requires_grad=True)
        y = gnp.sum(gnp.tanh(gnp.sin(x) * 0.9 + 0.1) / x)
        y.backward()
    s = cupy.sin(xd)
    t = cupy.tanh(s * cupy.float32(0.9) + cupy.float32(0.1))
    np.testing.assert_allclose(float(y.data), float(cupy.sum(t / xd)), rtol=1e-5)
    dt = (1 - t * t) / xd
    want = dt * 0.9 * cupy.cos(xd) - t / (xd * xd)
    np.testing.assert_allclose(cupy.asnumpy(x.grad.data), cupy.asnumpy(want), rtol=2e-5,
                               atol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_zero_adjoint_contributes_zero(be, dtype):
    x = cupy.asarray([0.0, 1.0, 0.0, -1.0], dtype=dtype)
    g = cupy.asarray([0.0, 2.0, 0.0, 0.0], dtype=dtype)
    got = be.fused_vjp["log"](0, g, None, (x,), {}, None)
    np.testing.assert_array_equal(cupy.asnumpy(got), [0.0, 2.0, 0.0, 0.0])
    edge = cupy.asarray([1.0, 0.5, -1.0, 1.0], dtype=dtype)
    got = be.fused_vjp["arcsin"](0, g, None, (edge,), {}, cupy.ones_like(x))
    np.testing.assert_allclose(cupy.asnumpy(got), [1.0, 1 + 2 / np.sqrt(0.75), 1.0, 1.0], rtol=1e-6)
    got = be.fused_vjp["divide"](1, g, None, (x + 1, x), {}, None)
    assert np.isfinite(cupy.asnumpy(got)).all()


@pytest.mark.parametrize("shape", [(), (0,), (3, 0)])
def test_unary_vjp_degenerate_shapes(be, shape):
    x = cupy.full(shape, 0.25)
    g = cupy.ones(shape)
    got = be.fused_vjp["sin"](0, g, None, (x,), {}, None)
    assert got.shape == shape
    np.testing.assert_allclose(cupy.asnumpy(got), np.cos(np.full(shape, 0.25)))
    out = cupy.ones(shape)
    assert be.fused_vjp["sin"](0, g, None, (x,), {}, out) is out


def test_fused_vjp_never_synchronizes(be, rng):
    import cupyx

    allow_synchronize = getattr(cupyx, "allow_synchronize", None)
    if allow_synchronize is None:
        pytest.skip("cupyx.allow_synchronize was removed from this CuPy")
    be.warmup()
    x = cupy.asarray(rng.uniform(-1, 1, (64, 64)))
    g = cupy.asarray(rng.standard_normal((64, 64)))
    out = cupy.zeros_like(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with allow_synchronize(False):
            be.fused_vjp["tanh"](0, g, x, (None,), {}, out)
            be.fused_vjp["multiply"](0, g, None, (x, x), {}, out)
            be.fused_vjp["matmul"](0, g, None, (x, x), {}, out)
            be.fused_vjp["matmul"](1, g, None, (x, x), {}, None)
    be.synchronize()


@pytest.mark.standin
def test_backend_basics(be):
    a = be.asarray([1.0, 2.0])
    assert isinstance(a, be.array_type)
    host = be.to_host(a)
    assert isinstance(host, np.ndarray) and host.tolist() == [1.0, 2.0]
    assert be.name == "cupy" and be.xp is cupy
