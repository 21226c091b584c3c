"""``gpuad.jax_nn`` against ``jax.nn`` itself in float64: values, gradients (at the kinks JAX
fixes, and at +-1000 where a naive formula overflows), second derivatives and jvps of the
activations; softmax, log_softmax, logsumexp, logmeanexp and standardize with axes and
``where`` masks; one_hot; dot_product_attention; the initializers' shapes, dtypes, bounds and
variances against JAX's; and a small JAX training program ported line by line.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import gpuad as ad
import gpuad.jax_nn as jnn
import gpuad.numpy as gnp
from gpuad.testing import check_grads
from tests.conftest import to_numpy


@pytest.fixture(scope="module")
def jax():
    """JAX in float64; each group of references is one jitted program, compiled without
    XLA's optimisations (compiling is most of the time these comparisons take)."""
    jax = pytest.importorskip("jax")
    before = [jax.config.read(k) for k in ("jax_enable_x64", "jax_disable_most_optimizations")]
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_disable_most_optimizations", True)
    yield jax
    jax.config.update("jax_enable_x64", before[0])
    jax.config.update("jax_disable_most_optimizations", before[1])


def _compile(jax, f, *args):
    """``jax.jit(f)`` compiled for ``args``, without XLA's CPU fusion emitters where that
    option exists (it makes compiling, most of the time these comparisons take, 4x faster)."""
    lowered = jax.jit(f).lower(*args)
    try:
        return lowered.compile(compiler_options={"xla_cpu_use_fusion_emitters": False})
    except Exception:  # an XLA without the option
        return lowered.compile()


def _run_jax(jax, f, *args):
    return _compile(jax, f, *args)(*args)


def _close(a, b, rtol=1e-12, atol=1e-13, what=""):
    np.testing.assert_allclose(to_numpy(a), np.asarray(b), rtol=rtol, atol=atol, err_msg=what)


# the kinks of every activation, both sides of them, and large magnitudes
X = np.array([-1000.0, -7, -6, -3, -2.5, -1, -0.5, 0, 0.3, 0.5, 1, 1.5, 3, 6, 7, 1000])
X_POS = X[X >= 0]  # log1mexp is defined on x >= 0
V = np.linspace(-1.0, 2.0, X.size)

ACTIVATIONS = [
    ("relu", {}),
    ("relu6", {}),
    ("sigmoid", {}),
    ("log_sigmoid", {}),
    ("softplus", {}),
    ("sparse_plus", {}),
    ("sparse_sigmoid", {}),
    ("soft_sign", {}),
    ("silu", {}),
    ("swish", {}),
    ("gelu", {}),
    ("gelu", {"approximate": False}),
    ("elu", {}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}),
    ("selu", {}),
    ("leaky_relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("hard_tanh", {}),
    ("hard_sigmoid", {}),
    ("hard_silu", {}),
    ("hard_swish", {}),
    ("mish", {}),
    ("squareplus", {}),
    ("squareplus", {"b": 1.0}),
    ("log1mexp", {}),
    ("tanh", {}),
    ("identity", {}),
]
PARAMETERS = [
    ("elu", "alpha"),
    ("celu", "alpha"),
    ("leaky_relu", "negative_slope"),
    ("squareplus", "b"),
]
GLU_WEIGHTS = {-1: lambda u: u[:, :2], 0: lambda u: u[:2, :]}  # cotangents of (4, 4) halved


def _id(p):
    name, kw = p
    return name + "".join(f"-{k}={v}" for k, v in kw.items())


# second derivatives where a kink or a tie makes JAX's choice visible
SECOND = {
    "relu",
    "relu6",
    "soft_sign",
    "celu",
    "sparse_sigmoid",
    "hard_tanh",
    "hard_silu",
    "elu",
    "leaky_relu",
}


def _derivatives(jax, f, x, second):
    """value, derivative (and second derivative) of the elementwise ``f`` by ``jax.grad``."""
    g1 = jax.grad(lambda t: f(t).sum())
    if not second:
        return f(x), g1(x)
    return f(x), g1(x), jax.grad(lambda t: g1(t).sum())(x)


@pytest.fixture(scope="module")
def jax_activations(jax):
    def refs(x, xpos, p, u):
        out = {}
        for name, kw in ACTIVATIONS:
            f = functools.partial(getattr(jax.nn, name), **kw)
            xx = xpos if name == "log1mexp" else x
            out[_id((name, kw))] = _derivatives(jax, f, xx, name in SECOND)
        for name, key in PARAMETERS:
            f = getattr(jax.nn, name)
            out[f"{name}:{key}"] = jax.grad(
                lambda t, q, f=f, k=key: f(t, **{k: q}).sum(), argnums=(0, 1)
            )(u, p)
        for axis, w in GLU_WEIGHTS.items():
            out[f"glu:{axis}"] = jax.value_and_grad(
                lambda t, a=axis, w=w: (jax.nn.glu(t, a) * w(u)).sum()
            )(u)
        return out

    rng = np.random.default_rng(1)
    p, u = np.abs(rng.standard_normal(4)) + 0.5, rng.standard_normal((4, 4))
    with np.errstate(all="ignore"):
        return _run_jax(jax, refs, X, X_POS, p, u), p, u


@pytest.mark.parametrize("case", ACTIVATIONS, ids=[_id(c) for c in ACTIVATIONS])
def test_activation_values_and_derivatives(jax_activations, case):
    """Values and derivatives at every kink and at +-1000 as JAX's, second derivatives where
    a kink makes a choice (and JAX's are finite); forward mode gives the same tangents."""
    name, kw = case
    ref = jax_activations[0][_id(case)]
    x = X_POS if name == "log1mexp" else X
    f = functools.partial(getattr(jnn, name), **kw)
    g1 = ad.grad(lambda t: gnp.sum(f(t)))
    g2 = ad.grad(lambda t: gnp.sum(g1(t)))
    with np.errstate(all="ignore"):
        _close(f(x), ref[0], what=f"{name} value")
        _close(g1(x), ref[1], what=f"{name} derivative")
        v = V[: x.size]
        _close(ad.jvp(f, (x,), (v,))[1], np.asarray(ref[1]) * v, what=f"{name} jvp")
        if name in SECOND:
            finite = np.isfinite(np.asarray(ref[2]))
            second = to_numpy(g2(x))[finite]
            _close(second, np.asarray(ref[2])[finite], atol=1e-12, what=f"{name} second")
        assert f(x.astype(np.float32)).dtype == np.float32, name


def test_activation_parameters_differentiate(jax_activations):
    """Array-valued ``alpha``, ``negative_slope`` and ``b`` get JAX's gradients; glu."""
    refs, p, u = jax_activations
    for name, key in PARAMETERS:
        f = getattr(jnn, name)
        ours = ad.grad(lambda t, q, f=f, k=key: gnp.sum(f(t, **{k: q})), argnums=(0, 1))(u, p)
        for a, b in zip(ours, refs[f"{name}:{key}"], strict=True):
            _close(a, b, what=name)
    for axis, w in GLU_WEIGHTS.items():
        wu = w(u)
        val, g = ad.value_and_grad(lambda t, a=axis, wu=wu: gnp.sum(jnn.glu(t, a) * wu))(u)
        _close(val, refs[f"glu:{axis}"][0])
        _close(g, refs[f"glu:{axis}"][1])
    with pytest.raises(ValueError, match="even"):
        jnn.glu(np.ones((2, 3)))


# ---- softmax, logsumexp, standardize, one_hot --------------------------------------------------


def _reduction_inputs():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4)) * 3
    x[0, 0, 0], x[1, 2, 3], x[0, 1, 1] = -np.inf, 800.0, -900.0
    x[0, 2, :] = -np.inf  # a row of -inf: NaN from softmax, -inf from logsumexp, as JAX
    where = rng.random((2, 3, 4)) > 0.4
    where[1, 1, :] = False  # a row with nothing left
    where[:, 0, 0] = True
    b = rng.standard_normal((3, 4))
    b[0, 1] = 0.0
    return x, where, b, rng.standard_normal((2, 3, 4))


SOFTMAX_CASES = [
    ("softmax", -1, False),
    ("softmax", 0, True),
    ("softmax", (0, 2), True),
    ("log_softmax", -1, True),
    ("log_softmax", None, False),
]
LSE_CASES = [
    {"axis": None},
    {"axis": (0, 2), "keepdims": True, "b": True},
    {"axis": -1, "b": True, "return_sign": True},
    {"axis": 0, "where": True},
    {"axis": None, "b": True, "where": True, "keepdims": True},
]
STANDARDIZE_CASES = [
    {"axis": 0, "where": True},
    {"axis": (0, 1), "algorithm": "stable"},
    {"where": True, "algorithm": "stable", "epsilon": 0.1},
    {"mean": 0.5, "variance": 2.0},
]


def _softmax_loss(lib, f, x, axis, where, u):
    """sum(f(x) * u) over the finite outputs (log_softmax's -inf carry no cotangent)."""
    y = f(x, axis=axis, where=where)
    return lib.sum(lib.where(lib.isfinite(y), y * u, 0.0)), y


def _lse_loss(lib, f, a, b, case, where, u):
    kw = dict(case, b=b if case.get("b") else None, where=where if case.get("where") else None)
    out = f(a, **kw)
    val, sign = out if case.get("return_sign") else (out, None)
    u = lib.reshape(u.ravel()[: lib.size(val)], lib.shape(val))
    return lib.sum(lib.where(lib.isfinite(val), val * u, 0.0)), (val, sign)


def _standardize_loss(lib, f, x, case, where, u):
    kw = dict(case, where=where) if case.get("where") else case
    y = f(x, **kw)
    return lib.sum(y * u), y


JVP_CASES = (1, 3)  # the softmax cases whose jvp is compared too


def _close_where_finite(ours, theirs, what):
    """Equal where JAX's entries are finite. Elsewhere JAX has NaN: the gradient of an output
    that is itself NaN or -inf (a row of -inf), which gpuad leaves 0 or NaN."""
    theirs = np.asarray(theirs)
    finite = np.isfinite(theirs)
    _close(to_numpy(ours)[finite], theirs[finite], what=what)


@pytest.fixture(scope="module")
def jax_reductions(jax):
    jnp = jax.numpy

    def refs(x, where, b, u):
        out = {"softmax": [], "lse": [], "standardize": [], "logmeanexp": []}
        for i, (name, axis, masked) in enumerate(SOFTMAX_CASES):
            f = getattr(jax.nn, name)
            w = where if masked else None
            loss = functools.partial(_softmax_loss, jnp, f)
            res = jax.value_and_grad(loss, has_aux=True)(x, axis, w, u)
            if i in JVP_CASES:
                res += (jax.jvp(lambda t, f=f, a=axis, w=w: f(t, axis=a, where=w), (x,), (u,))[1],)
            out["softmax"].append(res)
        for case in LSE_CASES:
            loss = functools.partial(_lse_loss, jnp, jax.nn.logsumexp)
            out["lse"].append(
                jax.value_and_grad(loss, argnums=(0, 1), has_aux=True)(x, b, case, where, u)
            )
        x2, w2, u2 = _standardize_inputs(x, where, u, jnp)
        for case in STANDARDIZE_CASES:
            loss = functools.partial(_standardize_loss, jnp, jax.nn.standardize)
            out["standardize"].append(jax.value_and_grad(loss, has_aux=True)(x2, case, w2, u2))
        for kw in LOGMEANEXP_CASES:
            out["logmeanexp"].append(jax.nn.logmeanexp(x2, **kw, where=w2))
        out["minus_inf_row"] = jax.grad(lambda t: jax.nn.logsumexp(t))(x[0, 2])
        return out

    with np.errstate(all="ignore"):
        return _run_jax(jax, refs, *_reduction_inputs())


LOGMEANEXP_CASES = ({}, {"axis": 0, "keepdims": True})


def _standardize_inputs(x, where, u, lib=np):
    return lib.where(lib.isfinite(x), x, 0.5)[:, :, :3] / 3, where[:, :, :3], u[:, :, :3]


@pytest.mark.parametrize(
    "i", range(len(SOFTMAX_CASES)), ids=[f"{n}-axis={a}-where={m}" for n, a, m in SOFTMAX_CASES]
)
def test_softmax_and_log_softmax(jax_reductions, i):
    """axis forms, with and without ``where`` (a row with nothing left gives 0 or -inf and
    zero gradients), rows of -inf, entries of +-900: values, vjps and jvps as JAX's."""
    name, axis, masked = SOFTMAX_CASES[i]
    x, where, _, u = _reduction_inputs()
    w = where if masked else None
    ref = jax_reductions["softmax"][i]
    loss = functools.partial(_softmax_loss, gnp, getattr(jnn, name))
    with np.errstate(all="ignore"):
        (_, y), g = ad.value_and_grad(loss, has_aux=True)(x, axis, w, u)
        _close(y, ref[0][1], what="value")
        _close_where_finite(g, ref[1], what="vjp")
        if i in JVP_CASES:
            t = ad.jvp(lambda s: getattr(jnn, name)(s, axis=axis, where=w), (x,), (u,))[1]
            _close_where_finite(t, ref[2], what="jvp")
    if masked:  # the masked entries: 0 (or -inf) and no gradient, also on the empty row
        assert np.all(to_numpy(y)[~where] == (0.0 if name == "softmax" else -np.inf))
        assert np.all(to_numpy(g)[~where] == 0.0)


@pytest.mark.parametrize("i", range(len(LSE_CASES)), ids=[str(sorted(c)) for c in LSE_CASES])
def test_logsumexp(jax_reductions, i):
    """JAX's logsumexp: values, shapes, the sign, and the gradients in ``a`` and ``b``."""
    case = LSE_CASES[i]
    x, where, b, u = _reduction_inputs()
    (_, (jv, js)), jg = jax_reductions["lse"][i]
    loss = functools.partial(_lse_loss, gnp, jnn.logsumexp)
    with np.errstate(all="ignore"):
        (_, (v, s)), g = ad.value_and_grad(loss, argnums=(0, 1), has_aux=True)(x, b, case, where, u)
        _close(v, jv, what="value")
        assert to_numpy(v).shape == np.shape(jv)
        if case.get("return_sign"):
            _close(s, js, what="sign")
        _close_where_finite(g[0], jg[0], what="grad a")
        _close_where_finite(g[1], jg[1], what="grad b")
        # a row of -inf: -inf, and a NaN gradient (0 * inf), as JAX's
        _close(ad.grad(jnn.logsumexp)(x[0, 2]), jax_reductions["minus_inf_row"])


def test_standardize_and_logmeanexp(jax_reductions):
    """standardize (both algorithms, given mean and variance, where: a column with nothing
    selected has no mean, NaN as in JAX) and logmeanexp."""
    x, where, _, u = _reduction_inputs()
    x2, where, u = _standardize_inputs(x, where, u)
    for case, ((_, jy), jg) in zip(STANDARDIZE_CASES, jax_reductions["standardize"], strict=True):
        loss = functools.partial(_standardize_loss, gnp, jnn.standardize)
        with np.errstate(invalid="ignore"):
            (_, y), g = ad.value_and_grad(loss, has_aux=True)(x2, case, where, u)
        _close(y, jy, what=str(case))
        _close(g, jg, rtol=1e-10, atol=1e-12, what=str(case))
    for kw, ref in zip(LOGMEANEXP_CASES, jax_reductions["logmeanexp"], strict=True):
        with np.errstate(divide="ignore", invalid="ignore"):  # again a column with nothing
            _close(jnn.logmeanexp(x2, **kw, where=where), ref, what=str(kw))
    with pytest.raises(ValueError, match="algorithm"):
        jnn.standardize(x2, algorithm="two-pass")


def test_one_hot(jax):
    """Labels out of range (and negative ones) give zero rows; axis and dtype as JAX."""
    labels = np.array([[0, 2, 3], [-1, 1, 2]])
    for kw in ({}, {"axis": 0}, {"axis": 1}, {"dtype": np.float32}, {"dtype": np.int32}):
        ours = to_numpy(jnn.one_hot(labels, 3, **kw))
        want = np.zeros(labels.shape + (3,), kw.get("dtype", np.float64))
        for idx in np.ndindex(labels.shape):
            if 0 <= labels[idx] < 3:
                want[idx + (labels[idx],)] = 1
        want = np.moveaxis(want, -1, kw.get("axis", -1))
        np.testing.assert_array_equal(ours, want)
        assert ours.dtype == want.dtype
    with pytest.raises(ValueError, match="axis"):
        jnn.one_hot(labels, 3, axis=3)


# ---- dot_product_attention ----------------------------------------------------------------------

ATTENTION_CASES = [  # query heads N = 4, key and value heads K = 2 (grouped) unless kv_heads
    {"rank3": True, "is_causal": True, "scale": 0.7, "local_window_size": 1},
    {"bias": True, "mask": "dead"},  # a query row with no key left: JAX attends to all keys
    {"local_window_size": (1, 0), "query_seq_lengths": [2, 3], "key_value_seq_lengths": [4, 1]},
    {"kv_heads": 4, "bias": True, "return_residual": True},
]


def _attention_case(i):
    """(query, key, value, bias, keyword arguments, cotangent) of case ``i``."""
    kw = dict(ATTENTION_CASES[i])
    rng = np.random.default_rng(10 + i)
    k_heads = kw.pop("kv_heads", 2)
    q = rng.standard_normal((2, 3, 4, 3))
    k, v = rng.standard_normal((2, 2, 4, k_heads, 3))
    dead = rng.random((1, 4, 3, 4)) > 0.3
    dead[0, 1, 2, :] = False
    if kw.pop("rank3", False):
        q, k, v = q[0], k[0], v[0]
    bias = rng.standard_normal((2, 1, 3, 4)) if kw.pop("bias", False) else None
    if "mask" in kw:
        kw["mask"] = dead
    for key in ("query_seq_lengths", "key_value_seq_lengths"):
        if key in kw:
            kw[key] = np.asarray(kw[key], dtype=np.int32)
    return q, k, v, bias, kw, rng.standard_normal(q.shape)


def _attention_loss(lib, f, kw, u, q, k, v, bias):
    out = f(q, k, v, bias=bias, **kw)
    if kw.get("return_residual"):
        return lib.sum(out[0] * u) + lib.sum(out[1]), out
    return lib.sum(out * u), (out,)


@pytest.fixture(scope="module")
def jax_attention(jax):
    def refs(cases):
        out = []
        for q, k, v, bias, kw, u in cases:
            loss = functools.partial(
                _attention_loss, jax.numpy, jax.nn.dot_product_attention, kw, u
            )
            argn = (0, 1, 2, 3) if bias is not None else (0, 1, 2)
            out.append(jax.value_and_grad(loss, argnums=argn, has_aux=True)(q, k, v, bias))
        return out

    cases = [_attention_case(i) for i in range(len(ATTENTION_CASES))]
    arrays = [(q, k, v, b, u) for q, k, v, b, _, u in cases]

    def run(arrays):
        return refs([(*a[:4], c[4], a[4]) for a, c in zip(arrays, cases, strict=True)])

    return _run_jax(jax, run, arrays)


@pytest.mark.parametrize(
    "i", range(len(ATTENTION_CASES)), ids=[str(sorted(c)) for c in ATTENTION_CASES]
)
def test_dot_product_attention(jax_attention, i):
    """JAX's layout, grouped heads, masks, bias, windows and sequence lengths: values and
    gradients of query, key, value and bias against JAX (whose softmax runs in float32 even
    for float64 inputs: compared at 1e-5), and exactly against finite differences."""
    q, k, v, bias, kw, u = _attention_case(i)
    (_, jouts), jgrads = jax_attention[i]
    loss = functools.partial(_attention_loss, gnp, jnn.dot_product_attention, kw, u)
    argn = (0, 1, 2, 3) if bias is not None else (0, 1, 2)
    (_, outs), grads = ad.value_and_grad(loss, argnums=argn, has_aux=True)(q, k, v, bias)
    for a, b in zip(tuple(outs) + tuple(grads), tuple(jouts) + tuple(jgrads), strict=True):
        np.testing.assert_allclose(to_numpy(a), np.asarray(b), rtol=2e-5, atol=2e-6)
    # (the residual is a constant: not part of the finite differences)
    out = functools.partial(jnn.dot_product_attention, **dict(kw, return_residual=False))
    check_grads(lambda *a: out(*a, bias=bias), (q, k, v), order=1, modes=("rev",))


def test_dot_product_attention_half_precision_takes_float32_logits(backend):
    """As JAX: float16 logits and softmax in float32, the probabilities cast back to float16
    before they weight the values (a float16 softmax is several ulps off)."""
    rng = np.random.default_rng(11)
    q, k = (rng.standard_normal((2, 16, 2, 8)).astype(np.float16) * 2 for _ in range(2))
    v = (rng.standard_normal((2, 16, 2, 8)) * 0.3).astype(np.float16)
    logits = np.einsum("btnh,bsnh->bnts", q.astype(np.float32), k.astype(np.float32))
    logits = logits / np.float32(math.sqrt(8))
    e = np.exp(logits - logits.max(-1, keepdims=True))
    probs = (e / e.sum(-1, keepdims=True)).astype(np.float16)
    want = np.einsum("bnts,bsnh->btnh", probs.astype(np.float64), v.astype(np.float64))
    out, lse = jnn.dot_product_attention(*map(gnp.asarray, (q, k, v)), return_residual=True)
    assert out.dtype == np.float16 and lse.dtype == np.float16
    np.testing.assert_allclose(to_numpy(out).astype(np.float64), want, atol=5e-4)


def test_dot_product_attention_errors():
    q, k, v, *_ = _attention_case(1)
    with pytest.raises(ValueError, match="multiple"):
        jnn.dot_product_attention(q[:, :, :3], k, v)
    with pytest.raises(ValueError, match="value"):
        jnn.dot_product_attention(q, k, v[:, :1])
    with pytest.raises(TypeError, match="boolean"):
        jnn.dot_product_attention(q, k, v, mask=np.ones((1, 1, 3, 2)))
    with pytest.raises(NotImplementedError, match="cudnn"):
        jnn.dot_product_attention(q, k, v, implementation="cudnn")


# ---- initializers ---------------------------------------------------------------------------

INITS = [
    ("glorot_uniform", {}),
    ("glorot_normal", {}),
    ("xavier_uniform", {"in_axis": 0, "out_axis": (1, 2)}),
    ("xavier_normal", {"batch_axis": 0}),
    ("lecun_uniform", {"in_axis": -1, "out_axis": -2}),
    ("lecun_normal", {}),
    ("he_uniform", {"batch_axis": (0,)}),
    ("he_normal", {}),
    ("kaiming_uniform", {}),
    ("kaiming_normal", {"in_axis": (0, 1), "out_axis": 3}),
]
SHAPE = (3, 4, 40, 50)
SCALING = [
    (mode, dist, np.float64)
    for mode in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
    for dist in ("truncated_normal", "normal", "uniform")
]
SCALING += [("fan_avg", dist, np.complex128) for dist in ("truncated_normal", "normal", "uniform")]
SCALING_SHAPE = (20, 50, 4)


# the definitions: (scale, mode) of each named initializer
SCALES = {
    "glorot": (1.0, "fan_avg"),
    "xavier": (1.0, "fan_avg"),
    "lecun": (1.0, "fan_in"),
    "he": (2.0, "fan_in"),
    "kaiming": (2.0, "fan_in"),
}


@pytest.fixture(scope="module")
def jax_fans(jax):
    """JAX's own fan rule (pure Python: no program to compile)."""
    try:
        from jax._src.nn.initializers import _compute_fans
    except ImportError:
        pytest.skip("this JAX has no jax._src.nn.initializers._compute_fans")
    return _compute_fans


def _variance(fans, shape, scale, mode, **axes):
    fan_in, fan_out = fans(shape, **axes)
    n = {
        "fan_in": fan_in,
        "fan_out": fan_out,
        "fan_avg": (fan_in + fan_out) / 2,
        "fan_geo_avg": math.sqrt(fan_in * fan_out),
    }[mode]
    return scale / n


def test_initializer_variances_and_bounds(jax_fans):
    """Each initializer's samples: shape, dtype, determinism, bounds (uniform: within
    +-sqrt(3 var); truncated normal: within 2 standard deviations before the 0.8796
    rescaling), and the variance ``scale / n`` with ``n`` from JAX's fan rule (in_axis,
    out_axis, batch_axis, receptive field), within sampling error (24000 entries: 1%)."""
    key = ad.random.PRNGKey(1)
    for name, kw in INITS:
        init = getattr(jnn.initializers, name)(**kw)
        w = to_numpy(init(key, SHAPE))
        assert w.shape == SHAPE and w.dtype == np.float64, name
        np.testing.assert_array_equal(w, to_numpy(init(key, SHAPE)))
        assert not np.array_equal(w, to_numpy(init(ad.random.PRNGKey(2), SHAPE)))
        assert to_numpy(init(key, (3, 4, 2, 5), np.float32)).dtype == np.float32
        var = _variance(jax_fans, SHAPE, *SCALES[name.split("_")[0]], **kw)
        assert abs(np.mean(w**2) / var - 1) < 0.05, (name, np.mean(w**2), var)
        assert abs(np.mean(w)) < 5 * math.sqrt(var / w.size), name
        top, std = np.abs(w).max(), math.sqrt(var)
        if "uniform" in name:
            assert math.sqrt(3) * std * 0.99 < top <= math.sqrt(3) * std, name
        else:
            assert 1.95 * std / 0.87962566103423978 < top < 2 * std / 0.87962566103423978


def _truncated_normal_moments(a, b):
    """Mean and standard deviation of N(0, 1) conditioned on (a, b)."""
    pdf = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda t: 0.5 * (1 + math.erf(t / math.sqrt(2)))  # noqa: E731
    z = cdf(b) - cdf(a)
    mean = (pdf(a) - pdf(b)) / z
    return mean, math.sqrt(1 + (a * pdf(a) - b * pdf(b)) / z - mean**2)


def test_variance_scaling_modes_and_simple_initializers(jax_fans):
    """Every mode, distribution and complex dtypes of variance_scaling; zeros, ones,
    constant, uniform, normal, truncated_normal; JAX's error for a 1-d shape."""
    key = ad.random.PRNGKey(3)
    for mode, dist, dt in SCALING:
        init = jnn.initializers.variance_scaling(2.0, mode, dist, 0, 1, dtype=dt)
        w = to_numpy(init(key, SCALING_SHAPE))
        assert w.dtype == dt and w.shape == SCALING_SHAPE
        var = _variance(jax_fans, SCALING_SHAPE, 2.0, mode, in_axis=0, out_axis=1)
        assert abs(np.mean(np.abs(w) ** 2) / var - 1) < 0.08, (mode, dist, dt)
    z = jnn.initializers
    np.testing.assert_array_equal(to_numpy(z.zeros(key, (2, 3))), np.zeros((2, 3)))
    np.testing.assert_array_equal(to_numpy(z.ones(key, (2,), np.float32)), np.ones(2, np.float32))
    np.testing.assert_array_equal(to_numpy(z.constant(-7.0)(key, (2,))), [-7.0, -7.0])
    u = to_numpy(z.uniform(0.5)(key, (4000,)))
    assert u.min() >= 0 and u.max() < 0.5 and abs(u.mean() - 0.25) < 0.01
    n = to_numpy(z.normal(0.5)(key, (4000,)))
    assert abs(n.std() - 0.5) < 0.03
    t = to_numpy(z.truncated_normal(0.5, lower=-1.0, upper=2.0)(key, (4000,)))
    # the rescaling of variance_scaling: the standard deviation of N(0, 1) cut at +-2
    assert math.isclose(jnn.initializers._TRUNC_STD, _truncated_normal_moments(-2.0, 2.0)[1])
    mean, std = _truncated_normal_moments(-1.0, 2.0)  # no variance correction (as JAX)
    assert -0.5 < t.min() < -0.49 and 0.99 < t.max() < 1.0
    assert abs(t.mean() - 0.5 * mean) < 0.02 and abs(t.std() / (0.5 * std) - 1) < 0.05
    with pytest.raises(ValueError, match="in_axis"):
        z.glorot_normal()(key, (5,))


def test_orthogonal_initializers():
    """orthogonal: orthonormal rows or columns of the matrix with ``column_axis`` as its
    columns, times scale; delta_orthogonal: zero but an orthogonal centre (JAX's layout)."""
    key = ad.random.PRNGKey(4)
    for shape, col in (((4, 6), -1), ((6, 4), -1), ((2, 3, 4), 0), ((3, 3), 1)):
        w = to_numpy(jnn.initializers.orthogonal(2.0, col)(key, shape))
        assert w.shape == shape
        m = np.moveaxis(w, col, -1).reshape(-1, shape[col]) / 2.0
        gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        np.testing.assert_allclose(gram, np.eye(min(m.shape)), atol=1e-12)
    w = to_numpy(jnn.initializers.delta_orthogonal()(key, (3, 3, 4, 5)))
    centre = w[1, 1]
    np.testing.assert_allclose(centre @ centre.T, np.eye(4), atol=1e-12)
    assert np.count_nonzero(w) == np.count_nonzero(centre)
    with pytest.raises(ValueError, match="fan_in"):
        jnn.initializers.delta_orthogonal()(key, (3, 5, 4))


# ---- a JAX program, ported ----------------------------------------------------------------------


def _init_mlp(random, initializers, key):
    k1, k2, k3 = random.split(key, 3)
    glorot, normal = initializers.glorot_normal(), initializers.normal(0.1)
    return {"w1": glorot(k1, (5, 8)), "b1": normal(k2, (8,)), "w2": glorot(k3, (8, 3))}


def _mlp_loss(lib, nn, params, x, y):
    h = nn.gelu(x @ params["w1"] + params["b1"])
    h = nn.standardize(h, axis=-1)
    logp = nn.log_softmax(h @ params["w2"])
    return -lib.mean(lib.sum(logp * nn.one_hot(y, 3), axis=-1))


def test_mlp_program_matches_jax_step_by_step(jax):
    """A small JAX classifier (glorot_normal and normal init, gelu, standardize, log_softmax,
    one_hot targets, Adam from example_libraries) and its gpuad port, line for line: from the
    same initial parameters (gpuad's draws, handed to JAX), the losses agree at every step to
    1e-10."""
    from jax.example_libraries import optimizers as jopt

    from gpuad.example_libraries import optimizers

    rng, steps = np.random.default_rng(5), 4
    x, y = rng.standard_normal((16, 5)), rng.integers(0, 3, 16)
    params = _init_mlp(ad.random, jnn.initializers, ad.random.PRNGKey(0))

    jinit, jupdate, jget = jopt.adam(0.05)

    def step(i, state):
        loss, g = jax.value_and_grad(_mlp_loss, argnums=2)(jax.numpy, jax.nn, jget(state), x, y)
        return loss, jupdate(i, g, state)

    init, update, get = optimizers.adam(0.05)
    state, jstate = init(params), jinit({k: np.asarray(to_numpy(v)) for k, v in params.items()})
    jax_step = _compile(jax, step, np.int64(0), jstate)
    losses = []
    for i in range(steps):
        loss, g = ad.value_and_grad(_mlp_loss, argnums=2)(gnp, jnn, get(state), x, y)
        jloss, jstate = jax_step(np.int64(i), jstate)
        np.testing.assert_allclose(float(loss), float(jloss), rtol=1e-10, err_msg=f"step {i}")
        state, losses = update(i, g, state), losses + [float(loss)]
    assert losses[-1] < losses[0]
