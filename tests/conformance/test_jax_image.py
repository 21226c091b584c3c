"""JAX's tests/image_test.py against ``gpuad.image``, with JAX run in the same process in float64:
``resize`` over its shapes (up, down, mixed), every method with and without antialiasing, in
float32, float64 and complex; ``scale_and_translate`` up and down (outputs off the image are
0), over all or some dims; values, vjps in the image, the scale and the translation, jvps, under
``gpuad.jit`` and ``gpuad.vmap``; the errors. Where JAX's gradient in the scale sits on a
kernel's kink (the triangle's corner hit exactly), XLA's rounding picks one side; gpuad's
splits it evenly and is checked against central differences instead. GPUAD_JAX_IMAGE_ALL=1
adds two more resize shapes.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import gpuad as ad
import gpuad.image as gi
import gpuad.numpy as gnp

jax_mod = pytest.importorskip("jax")
pytestmark = pytest.mark.filterwarnings("ignore")
TOL = dict(rtol=1e-10, atol=1e-12)
METHODS = ["nearest", "linear", "lanczos3", "lanczos5", "cubic", "cubic-pytorch", "area"]


@pytest.fixture(scope="module")
def jax():
    """JAX in float64, compiled without XLA's optimisations (compiling is most of the time)."""
    keys = ("jax_enable_x64", "jax_disable_most_optimizations")
    before = [jax_mod.config.read(k) for k in keys]
    for k in keys:
        jax_mod.config.update(k, True)
    yield jax_mod
    for k, v in zip(keys, before, strict=True):
        jax_mod.config.update(k, v)


def _np(a):
    return a.numpy() if isinstance(a, ad.Tensor) else np.asarray(a)


PAIRS = [  # JAX's shapes, down, up, by non-integer ratios, to and from a size of 1
    ((2, 6, 4, 4), (2, 3, 2, 4)),
    ((2, 3, 2, 4), (2, 13, 7, 4)),
    ((2, 13, 7, 4), (2, 6, 4, 4)),
    ((2, 1, 5, 4), (2, 6, 4, 4)),
    ((2, 6, 4, 4), (2, 1, 5, 4)),
]
if not os.environ.get("GPUAD_JAX_IMAGE_ALL"):  # each case compiles JAX's function: minutes
    PAIRS = PAIRS[:2] + PAIRS[3:4]
RESIZE = [(a, b, m, aa) for a, b in PAIRS for m in METHODS for aa in (False, True)]


@pytest.mark.parametrize(
    "image_shape,target_shape,method,antialias", RESIZE, ids=[str(c) for c in RESIZE]
)
def test_resize_matches_jax(jax, image_shape, target_shape, method, antialias):
    """testResizeAgainstTensorFlow/testResizeGradients with JAX as the reference."""
    rng = np.random.default_rng(sum(image_shape) + 7 * sum(target_shape))
    x, u = rng.normal(size=image_shape), rng.normal(size=target_shape)
    want = jax.image.resize(x, target_shape, method, antialias=antialias)
    xt = ad.tensor(x, requires_grad=True)
    got = gi.resize(xt, target_shape, method, antialias=antialias)
    np.testing.assert_allclose(_np(got), np.asarray(want), **TOL)
    assert _np(got).dtype == np.asarray(want).dtype
    gnp.sum(got * ad.tensor(u)).backward()
    jg = jax.grad(lambda a: jax.numpy.sum(jax.image.resize(a, target_shape, method, antialias) * u))
    np.testing.assert_allclose(_np(xt.grad), np.asarray(jg(x)), **TOL)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shapes", [([3, 1, 2], [6, 1, 4]), ([1, 3, 2, 1], [1, 6, 4, 1])])
def test_resize_up(jax, dtype, method, shapes):
    """testResizeUp's image (and dtypes: float32 stays float32, complex stays complex)."""
    x = np.array([64, 32, 32, 64, 50, 100], dtype=dtype).reshape(shapes[0])
    if np.dtype(dtype).kind == "c":
        x = x + 1j * x[..., ::-1]
    want = np.asarray(jax.image.resize(x, shapes[1], method))
    got = _np(gi.resize(ad.tensor(x), shapes[1], method))
    assert got.dtype == want.dtype
    tol = dict(rtol=1e-5, atol=1e-4) if dtype == np.float32 else TOL
    np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("method", ["linear", "lanczos3", "cubic", "cubic-pytorch", "area"])
def test_resize_jvp_and_second_order(jax, method):
    """check_grads(order=2): forward mode, and a vjp differentiated again (zero: linear)."""
    rng = np.random.default_rng(1)
    x, v = rng.normal(size=(2, 6, 4, 3)), rng.normal(size=(2, 6, 4, 3))
    shape = (2, 4, 9, 3)
    _, jt = jax.jvp(lambda a: jax.image.resize(a, shape, method), (x,), (v,))
    _, gt = ad.jvp(lambda a: gi.resize(a, shape, method), (x,), (v,))
    np.testing.assert_allclose(_np(gt), np.asarray(jt), **TOL)
    u = rng.normal(size=shape)
    xt = ad.tensor(x, requires_grad=True)
    (g,) = ad.autograd.grad(gnp.sum(gi.resize(xt, shape, method) ** 2 * u), xt, create_graph=True)
    (gg,) = ad.autograd.grad(gnp.sum(g * ad.tensor(v)), xt)
    jfun = lambda a: jax.numpy.sum(jax.image.resize(a, shape, method) ** 2 * u)  # noqa: E731
    _, jgg = jax.jvp(jax.grad(jfun), (x,), (v,))
    np.testing.assert_allclose(_np(gg), np.asarray(jgg), **TOL)


def test_resize_integers_and_empty(jax):
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    for method in ("nearest", "linear", "cubic"):
        want = np.asarray(jax.image.resize(x, (5, 3), method))
        got = _np(gi.resize(ad.tensor(x), (5, 3), method))
        assert got.dtype == want.dtype  # int32 to float32, as JAX
        np.testing.assert_allclose(got, want, rtol=1e-6)
    for method in ("nearest", "linear"):
        want = np.asarray(jax.image.resize(x.astype(float), (0, 3), method))
        assert _np(gi.resize(ad.tensor(x.astype(float)), (0, 3), method)).shape == want.shape
    np.testing.assert_array_equal(_np(gi.resize(ad.tensor(x * 1.0), (3, 4), "cubic")), x)


SAT = [
    ([3, 1, 2], [6, 1, 4], (0, 1, 2), [2.0, 1.0, 2.0], [1.0, 0.0, -1.0]),
    ([1, 3, 2, 1], [1, 6, 4, 1], (0, 1, 2, 3), [1.0, 2.0, 2.0, 1.0], [0.0, 1.0, -1.0, 0.0]),
    ([1, 6, 7, 1], [1, 3, 3, 1], (0, 1, 2, 3), [1.0, 0.35, 0.4, 1.0], [0.0, 0.2, 0.1, 0.0]),
    ([1, 6, 7, 1], [1, 3, 3, 1], (1, 2), [0.35, 0.4], [0.2, 0.1]),
    ([2, 9, 5], [2, 4, 11], (-2, 2), [0.43, 2.3], [-0.7, 1.3]),
    ([1, 5], [1, 8], (1,), [1.3], [12.0]),  # translated off the image: zeros
]
SAT_CASES = [(c, m, aa) for c in SAT for m in METHODS if m != "nearest" for aa in (False, True)]


def _fd(f, args, k, h=1e-6):
    """Central differences of the scalar ``f`` in each entry of ``args[k]``."""
    out = np.zeros_like(args[k])
    for i in range(args[k].size):
        e = np.zeros(args[k].size)
        e[i] = h
        up = [a + e.reshape(a.shape) if j == k else a for j, a in enumerate(args)]
        dn = [a - e.reshape(a.shape) if j == k else a for j, a in enumerate(args)]
        out.flat[i] = (f(*up) - f(*dn)) / (2 * h)
    return out


@pytest.mark.parametrize("case,method,antialias", SAT_CASES, ids=[str(c) for c in SAT_CASES])
def test_scale_and_translate(jax, case, method, antialias):
    """testScaleAndTranslateUp/Down/JITs: values and vjps in image, scale and translation."""
    ishape, oshape, dims, scale, trans = case
    rng = np.random.default_rng(len(ishape) + int(10 * sum(scale)))
    x, u = rng.normal(size=ishape), rng.normal(size=oshape)
    args = [x, np.array(scale), np.array(trans)]

    def jf(a, s, t):
        y = jax.image.scale_and_translate(a, oshape, dims, s, t, method, antialias=antialias)
        return jax.numpy.sum(y * u)

    want = jax.image.scale_and_translate(x, oshape, dims, args[1], args[2], method, antialias)
    jgrads = jax.grad(jf, argnums=(0, 1, 2))(*args)
    ts = [ad.tensor(a, requires_grad=True) for a in args]
    got = gi.scale_and_translate(ts[0], oshape, dims, ts[1], ts[2], method, antialias)
    np.testing.assert_allclose(_np(got), np.asarray(want), **TOL)
    gnp.sum(got * ad.tensor(u)).backward()

    def gf(a, s, t):
        return float(
            np.sum(_np(gi.scale_and_translate(a, oshape, dims, s, t, method, antialias)) * u)
        )

    for k, (t, jg) in enumerate(zip(ts, jgrads, strict=True)):
        mine, theirs = _np(t.grad), np.asarray(jg)
        if k and not np.allclose(mine, theirs, rtol=1e-9, atol=1e-10):
            np.testing.assert_allclose(mine, _fd(gf, args, k), rtol=1e-5, atol=1e-6)
            continue
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-10)


def test_scale_and_translate_jit_vmap(jax):
    """testScaleAndTranslateJITs, and vmap over scales and over images."""
    rng = np.random.default_rng(2)
    x, oshape = rng.normal(size=(1, 6, 7, 1)), (1, 3, 3, 1)
    scale, trans = np.array([1.0, 0.35, 0.4, 1.0]), np.array([0.0, 0.2, 0.1, 0.0])
    for aa in (True, False):

        def f(a, s, t, aa=aa):
            return gi.scale_and_translate(a, oshape, (0, 1, 2, 3), s, t, "linear", aa)

        want = jax.jit(
            lambda a, s, t, aa=aa: jax.image.scale_and_translate(
                a, oshape, (0, 1, 2, 3), s, t, "linear", aa
            )
        )(x, scale, trans)
        got = ad.jit(f)(ad.tensor(x), ad.tensor(scale), ad.tensor(trans))
        np.testing.assert_allclose(_np(got), np.asarray(want), **TOL)
    scales = rng.uniform(0.3, 2.0, size=(4, 2))

    def one(s):
        return gi.scale_and_translate(x, (1, 5, 4, 1), (1, 2), s, trans[1:3], "lanczos3")

    got = ad.vmap(one)(scales)
    want = jax.vmap(
        lambda s: jax.image.scale_and_translate(x, (1, 5, 4, 1), (1, 2), s, trans[1:3], "lanczos3")
    )(scales)
    np.testing.assert_allclose(_np(got), np.asarray(want), **TOL)
    g = ad.grad(lambda s: gnp.sum(ad.jit(one)(s) ** 2))(scales[0])
    jg = jax.grad(
        lambda s: jax.numpy.sum(
            jax.image.scale_and_translate(x, (1, 5, 4, 1), (1, 2), s, trans[1:3], "lanczos3") ** 2
        )
    )(scales[0])
    np.testing.assert_allclose(_np(g), np.asarray(jg), rtol=1e-9, atol=1e-10)
    xs = rng.normal(size=(3, 6, 7))
    got = ad.vmap(lambda a: gi.resize(a, (4, 9), "cubic"))(xs)
    want = jax.vmap(lambda a: jax.image.resize(a, (4, 9), "cubic"))(xs)
    np.testing.assert_allclose(_np(got), np.asarray(want), **TOL)


def test_resize_method_enum(jax):
    for name in (
        "nearest",
        "linear",
        "bilinear",
        "trilinear",
        "triangle",
        "lanczos3",
        "lanczos5",
        "cubic",
        "bicubic",
        "tricubic",
        "cubic-pytorch",
        "bicubic-pytorch",
        "area",
    ):
        assert (
            gi.ResizeMethod.from_string(name).name == jax.image.ResizeMethod.from_string(name).name
        )
    x = np.random.default_rng(3).normal(size=(4, 5))
    np.testing.assert_allclose(
        _np(gi.resize(x, (7, 3), gi.ResizeMethod.LANCZOS5)),
        np.asarray(jax.image.resize(x, (7, 3), jax.image.ResizeMethod.LANCZOS5)),
        **TOL,
    )


ERRORS = [
    ("resize", (np.zeros((2, 3)), (4,), "linear"), {}),
    ("resize", (np.zeros((2, 3)), (4, 3), "cubical"), {}),
    ("scale_and_translate", (np.zeros((2, 3)), (4, 3), (0,), [2.0], [0.0], "nearest"), {}),
    ("scale_and_translate", (np.zeros((2, 3)), (4, 3, 1), (0,), [2.0], [0.0], "linear"), {}),
    ("scale_and_translate", (np.zeros((2, 3)), (4, 3), (0,), [2.0], [0.0], "bogus"), {}),
]


@pytest.mark.parametrize("name,args,kw", ERRORS, ids=[f"{n}-{a[1]}-{a[-1]}" for n, a, _ in ERRORS])
def test_errors(jax, name, args, kw):
    with pytest.raises(Exception) as je:
        getattr(jax.image, name)(*args, **kw)
    with pytest.raises(je.type):
        getattr(gi, name)(*args, **kw)
