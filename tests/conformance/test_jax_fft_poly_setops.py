"""JAX's tests/fft_test.py and tests/polynomial_test.py, and the set-operation and polynomial
sections of tests/lax_numpy_test.py, ported to gpuad.numpy: each case runs jax.numpy (x64) and
gpuad.numpy on the same float64 inputs and compares shapes, dtypes and values, the
vector-Jacobian product with a random cotangent and the Jacobian-vector product with a random
tangent (``jax.vjp``/``jax.jvp`` against ``gpuad.vjp``/``gpuad.jvp``), and gpuad's derivative
against float64 central differences. Complex inputs and outputs go through their real and imaginary
parts, so both libraries differentiate the same real map (their conventions for complex
gradients differ: JAX's is the conjugate).

What the ports aim at: the adjoints of ``irfft``/``hfft`` (the zero and Nyquist bins read
once, the others twice), cropping and padding by ``n``/``s``, the three norms, odd and even
lengths, float32/complex64 result types; ``roots`` at trailing zero coefficients; the
``size``/``fill_value`` padding of the set functions.

Where gpuad differs on purpose it follows NumPy or raises; ``DIFFERENCES`` lists those cases
with the reason, and ``test_differences_listed`` checks that each still behaves as listed.
Already covered elsewhere (not repeated): the gradient sweeps of test_autograd_fft.py,
test_cupy_suite_fft.py, test_torch_fft_hermitian.py, the random keyword fuzz of
test_jax_numpy_kwargs_fuzz.py and NumPy's own cases in test_numpy_lib_suite.py.
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.backends import get_backend  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _parts(y, m):
    """A complex result as its real and imaginary parts stacked first (a real map)."""
    if m is jnp:
        return jnp.stack([jnp.real(y), jnp.imag(y)]) if jnp.iscomplexobj(y) else y
    return gnp.stack([gnp.real(y), gnp.imag(y)]) if gnp.iscomplexobj(y) else y


def _jax_derivatives(f, args, u, t):
    def run(args, u, t):
        y, vjp_fn = jax.vjp(f, *args)
        return y, vjp_fn(u), jax.jvp(f, tuple(args), tuple(t))[1]

    y, g, tan = jax.jit(run)(list(args), u, list(t))
    return np.asarray(y), g, tan


def _compare(fj, fg, args, *, rtol=1e-10, grads=True, seed=0):
    """Values, vjp, jvp (against JAX) and central differences (gpuad) of a real map."""
    be = get_backend().xp
    yg = to_numpy(fg(*[be.asarray(a) for a in args]))
    if not grads:
        yj = np.asarray(fj(*args))
    else:
        rng = np.random.default_rng(seed)
        u = rng.standard_normal(yg.shape)
        t = [rng.standard_normal(np.shape(a)) for a in args]
        yj, gj, tj = _jax_derivatives(fj, args, u, t)  # (one XLA compilation a case)
    assert yg.shape == yj.shape and yg.dtype == yj.dtype, (yg.shape, yg.dtype, yj.dtype)
    np.testing.assert_allclose(yg, yj, rtol=rtol, atol=rtol)
    if not grads:
        return
    _, vg = ad.vjp(fg, *[be.asarray(a) for a in args])
    gg = vg(be.asarray(u))
    gg = gg if isinstance(gg, tuple | list) else (gg,)
    for a, b in zip(gj, gg, strict=True):
        np.testing.assert_allclose(to_numpy(b), np.asarray(a), rtol=1e-9, atol=1e-9)
    _, tg = ad.jvp(fg, tuple(be.asarray(a) for a in args), tuple(be.asarray(d) for d in t))
    np.testing.assert_allclose(to_numpy(tg), np.asarray(tj), rtol=1e-9, atol=1e-9)
    eps = 1e-6
    plus = to_numpy(fg(*[be.asarray(a + eps * d) for a, d in zip(args, t, strict=True)]))
    minus = to_numpy(fg(*[be.asarray(a - eps * d) for a, d in zip(args, t, strict=True)]))
    fd = np.sum(u * (plus - minus)) / (2 * eps)
    lin = sum(float(np.sum(to_numpy(g) * d)) for g, d in zip(gg, t, strict=True))
    assert abs(fd - lin) <= 1e-6 * (1 + abs(fd)), (fd, lin)


def _fft_pair(name, kw, cplx):
    def make(m):
        def f(re, im=None):
            a = re if im is None else re + 1j * im
            return _parts(getattr(m.fft, name)(a, **kw), m)
        return f
    return make(jnp), make(gnp)


# ---- numpy.fft: one-dimensional transforms ------------------------------------------------

# (name, input length, kwargs, complex input); lengths 5 and 6, n cropping and padding to odd
# and even lengths, the three norms, a leading axis
FFT1 = [
    ("fft", 5, {}, True),
    ("fft", 6, {"n": 4, "norm": "ortho", "axis": 0}, True),
    ("fft", 5, {"n": 8, "norm": "forward"}, False),
    ("ifft", 6, {"n": 9, "norm": "ortho"}, True),
    ("ifft", 5, {"n": 3, "norm": "forward", "axis": 0}, True),
    ("rfft", 5, {}, False),
    ("rfft", 6, {"n": 3, "norm": "ortho"}, False),
    ("rfft", 5, {"n": 10, "norm": "forward", "axis": 0}, False),
    ("irfft", 5, {}, True),
    ("irfft", 5, {"n": 9, "norm": "ortho"}, True),
    ("irfft", 6, {"n": 4, "norm": "forward"}, True),
    ("irfft", 6, {"n": 5, "norm": "backward", "axis": 0}, True),
    ("irfft", 4, {"n": 12}, True),
    ("irfft", 5, {"norm": "ortho"}, False),
    ("hfft", 5, {}, True),
    ("hfft", 5, {"n": 9, "norm": "forward"}, True),
    ("hfft", 6, {"n": 4, "norm": "ortho", "axis": 0}, True),
    ("hfft", 6, {"n": 7}, False),
    ("ihfft", 5, {}, False),
    ("ihfft", 6, {"n": 4, "norm": "ortho"}, False),
    ("ihfft", 5, {"n": 9, "norm": "forward", "axis": 0}, False),
]


@pytest.mark.parametrize("case", FFT1, ids=[f"{c[0]}-{i}" for i, c in enumerate(FFT1)])
def test_fft_1d(backend, case):
    name, length, kw, cplx = case
    shape = (length, 3) if kw.get("axis") == 0 else (2, length)
    rng = np.random.default_rng(length + len(kw))
    args = [rng.standard_normal(shape) for _ in range(2 if cplx else 1)]
    _compare(*_fft_pair(name, kw, cplx), args)


# (name, input shape, kwargs, complex input)
FFTN = [
    ("fftn", (3, 4), {}, True),
    ("fftn", (2, 3, 4), {"s": (3, 5), "axes": (0, 2), "norm": "ortho"}, True),
    ("ifftn", (2, 3, 4), {"s": (2, 2), "norm": "forward"}, True),
    ("rfftn", (3, 5), {}, False),
    ("rfftn", (2, 3, 4), {"s": (4, 3), "axes": (2, 0), "norm": "ortho"}, False),
    ("rfftn", (2, 3, 4), {"axes": (1,), "norm": "forward"}, False),
    ("irfftn", (3, 4), {}, True),
    ("irfftn", (2, 3, 4), {"s": (4, 5), "axes": (0, 2)}, True),
    ("irfftn", (3, 5), {"s": (2, 8), "norm": "ortho"}, True),
    ("irfftn", (2, 3, 4), {"s": (3, 3, 7), "norm": "forward"}, True),
    ("fft2", (2, 3, 4), {"axes": (0, 1)}, True),
    ("ifft2", (3, 4), {"s": (5, 2), "norm": "ortho"}, True),
    ("rfft2", (3, 4), {"s": (2, 6)}, False),
    ("irfft2", (2, 3, 4), {"s": (3, 5), "norm": "forward"}, True),
]


@pytest.mark.parametrize("case", FFTN, ids=[f"{c[0]}-{i}" for i, c in enumerate(FFTN)])
def test_fft_nd(backend, case):
    name, shape, kw, cplx = case
    rng = np.random.default_rng(len(shape) + len(kw))
    args = [rng.standard_normal(shape) for _ in range(2 if cplx else 1)]
    _compare(*_fft_pair(name, kw, cplx), args)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftn",
                                  "rfftn", "irfftn"])
def test_fft_single_precision_result_types(backend, name):
    # float32 in: complex64 (or float32) out in both, and the same numbers to float32 rounding
    rng = np.random.default_rng(1)
    for dt in (np.float32, np.complex64):
        if dt == np.complex64 and name in ("rfft", "ihfft", "rfftn"):
            continue
        a = (rng.standard_normal((3, 6)) + (1j if dt == np.complex64 else 0)).astype(dt)
        want = np.asarray(getattr(jnp.fft, name)(a))
        got = to_numpy(getattr(gnp.fft, name)(get_backend().xp.asarray(a)))
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


def test_irfft_adjoint_weights_the_zero_and_nyquist_bins_once():
    # the gradient of sum(irfft(h) * g) in Re h_k is (d/n) * (2 - [k = 0 or k = n/2]) * Re G_k;
    # Im h_0 (and Im h_{n/2}, even n) is never read: its derivative is 0 in both libraries
    rng = np.random.default_rng(2)
    for n in (8, 9):
        h = rng.standard_normal(5) + 1j * rng.standard_normal(5)
        g = rng.standard_normal(n)
        want = jax.grad(lambda a, b: jnp.sum(jnp.fft.irfft(a + 1j * b, n=n) * g),
                        argnums=(0, 1))(h.real, h.imag)
        got = ad.grad(lambda a, b: gnp.sum(gnp.fft.irfft(a + 1j * b, n=n) * g),
                      argnums=(0, 1))(h.real, h.imag)
        for a, b in zip(want, got, strict=True):
            np.testing.assert_allclose(to_numpy(b), np.asarray(a), rtol=1e-12, atol=1e-14)
        assert to_numpy(got[1])[0] == 0 and (n % 2 or to_numpy(got[1])[-1] == 0)


def test_frequencies_and_shifts(backend):
    for n in (1, 8, 9):
        for name in ("fftfreq", "rfftfreq")[n % 2:] if n > 1 else ("fftfreq",):
            _compare(lambda d, n=n, name=name: getattr(jnp.fft, name)(n, d),
                     lambda d, n=n, name=name: getattr(gnp.fft, name)(n, d), [np.array(0.3)])
            _compare(lambda n=n, name=name: getattr(jnp.fft, name)(n, 2.0, dtype=np.float32),
                     lambda n=n, name=name: getattr(gnp.fft, name)(n, 2.0, dtype=np.float32),
                     [], grads=False)
    rng = np.random.default_rng(3)
    for shape, axes in [((9,), None), ((4, 7, 2), (-1, 0)), ((5, 7, 11), None)]:
        a = rng.standard_normal(shape)
        for name in ("fftshift", "ifftshift"):
            _compare(lambda x, name=name, axes=axes: getattr(jnp.fft, name)(x, axes),
                     lambda x, name=name, axes=axes: getattr(gnp.fft, name)(x, axes), [a])


# ---- polynomials ------------------------------------------------------------------------

def _pair(expr):
    """The same function of jax.numpy and gpuad.numpy (``m`` is the module)."""
    return (lambda *a: _parts(expr(jnp, *a), jnp)), (lambda *a: _parts(expr(gnp, *a), gnp))


R = np.random.default_rng(4)
P4, X6, Y6 = R.standard_normal(4), np.sort(R.standard_normal(6)), R.standard_normal(6)

POLY = {
    "polyval": (lambda m, p, x: m.polyval(p, x), [P4, Y6.reshape(2, 3)]),
    "polyadd": (lambda m, a, b: m.polyadd(a, b), [P4, Y6[:2]]),
    "polysub": (lambda m, a, b: m.polysub(a, b), [Y6[:2], P4]),
    "polymul": (lambda m, a, b: m.polymul(a, b), [P4, Y6[:3]]),
    "polymul_leading_zero": (lambda m, a: m.polymul(m.concatenate([a[:1] * 0, a]), a[1:]),
                             [P4]),
    "polyval_unroll": (lambda m, p, x: m.polyval(p, x, unroll=2), [P4, Y6]),
    "polyder_m0": (lambda m, p: m.polyder(p, 0), [P4]),
    "polyder_m2": (lambda m, p: m.polyder(p, 2), [P4]),
    "polyder_m5": (lambda m, p: m.polyder(p, 5), [P4]),
    "polyint_k": (lambda m, p, k: m.polyint(p, 2, k=k), [P4, Y6[:2]]),
    "polyint_k_scalar": (lambda m, p: m.polyint(p, 3, k=0.5), [P4]),
    "poly_real": (lambda m, z: m.poly(z), [Y6[:3]]),
    # (real coefficients in gpuad, as NumPy's: DIFFERENCES)
    "poly_conjugate_pairs": (lambda m, a, b: m.real(m.poly(m.concatenate([a + 1j * b,
                                                                          a - 1j * b]))),
                             [P4[:2], Y6[:2]]),
    "poly_complex": (lambda m, a, b: m.poly(a + 1j * b), [P4[:2], Y6[:2]]),
    "poly_matrix": (lambda m, a: m.real(m.poly(a)), [R.standard_normal((3, 3))]),
    "polyfit_deg0": (lambda m, x, y: m.polyfit(x, y, 0), [X6, Y6]),
    "polyfit_deg2": (lambda m, x, y: m.polyfit(x, y, 2), [X6, Y6]),
    "polyfit_weights": (lambda m, x, y, w: m.polyfit(x, y, 2, w=w), [X6, Y6, 1 + np.abs(Y6)]),
    "polyfit_2d_y": (lambda m, x, y: m.polyfit(x, y, 1), [X6, R.standard_normal((6, 2))]),
    "polyfit_cov": (lambda m, x, y: m.polyfit(x, y, 2, cov=True)[1], [X6, Y6]),
    "polyfit_cov_2d": (lambda m, x, y: m.polyfit(x, y, 1, cov=True)[1],
                       [X6, R.standard_normal((6, 2))]),
    "polyfit_full_residuals": (lambda m, x, y: m.polyfit(x, y, 2, full=True)[1], [X6, Y6]),
    "polyfit_full_singular_values": (lambda m, x, y: m.polyfit(x, y, 2, full=True)[3],
                                     [X6, Y6]),
    "polyfit_complex_y": (lambda m, x, a, b: m.polyfit(x, a + 1j * b, 1), [X6, Y6, Y6[::-1]]),
}


@pytest.mark.parametrize("name", sorted(POLY))
def test_polynomials(backend, name):
    expr, args = POLY[name]
    _compare(*_pair(expr), args)


def _power_sums(m, r):
    """sum(r**k) for k = 1, 2, 3 (real and imaginary parts): symmetric in the roots, so the
    order eigenvalues come in does not matter."""
    r = r + 0j
    return m.stack([m.sum(r ** k) for k in (1, 2, 3)])


ROOTS = {
    "distinct_real": np.array([1.0, -6.0, 11.0, -6.5]),
    "complex_pair": np.array([2.0, 1.0, 1.0]),
    "random": R.standard_normal(6),
    "leading_zeros": np.array([0.0, 0.0, 1.5, -0.7, 0.3]),
    # NumPy strips the trailing zero and appends the root 0; it still moves every root
    "trailing_zero": np.array([1.5, -0.7, 0.3, 0.0]),
    "both_zeros": np.array([0.0, 2.0, 1.0, -0.5, 0.0]),
    "linear": np.array([2.0, 3.0]),
}


@pytest.mark.parametrize("name", sorted(ROOTS))
def test_roots(backend, name):
    p = ROOTS[name]
    want = np.sort_complex(np.asarray(jnp.roots(p)))
    got = np.sort_complex(to_numpy(gnp.roots(get_backend().xp.asarray(p))).astype(complex))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(to_numpy(gnp.roots(p)), np.roots(p))  # NumPy's values
    lead = name.startswith(("leading", "both"))
    fj, fg = _pair(lambda m, c: _power_sums(m, m.roots(c, strip_zeros=lead) if m is jnp
                                            else m.roots(c)))  # (JAX's form under jit)
    if lead:
        # a leading zero's perturbation adds a root: the derivative is taken with the
        # stripped polynomial's degree held, as JAX's (zero there); no finite differences
        args = [p]
        gj = jax.grad(lambda c: jnp.sum(fj(c)))(p)
        gg = ad.grad(lambda c: gnp.sum(fg(c)))(p)
        np.testing.assert_allclose(to_numpy(gg), np.asarray(gj), rtol=1e-9, atol=1e-9)
        return
    args = [p]
    _compare(fj, fg, args, rtol=1e-9)


def test_roots_repeated_refuse_a_derivative():
    # a double root moves as the square root of a perturbation: JAX's gradient there is a
    # huge or NaN number, gpuad's an error
    for p in (np.array([1.0, -2.0, 1.0]), np.array([1.0, -3.0, 2.0, 0.0, 0.0])):
        with pytest.raises(ad.GradError, match="repeated eigenvalue"):
            ad.grad(lambda c: gnp.sum(gnp.abs(gnp.roots(c)) ** 2))(p)


# ---- convolutions, integrals, interpolation, cumulative sums --------------------------------

A5, V3 = R.standard_normal(5), R.standard_normal(3)
XP, FP = np.sort(R.standard_normal(5)), R.standard_normal(5)
XQ = np.array([-3.1, -0.7, 0.05, 0.4, 1.3, 2.9])  # inside, below and above the knots
Y35 = R.standard_normal((3, 5))

SIGNAL = {
    "convolve_full": (lambda m, a, v: m.convolve(a, v), [A5, V3]),
    "convolve_same_short_first": (lambda m, a, v: m.convolve(a, v, mode="same"), [V3, A5]),
    "convolve_valid": (lambda m, a, v: m.convolve(a, v, mode="valid"), [A5, V3]),
    "convolve_complex": (lambda m, a, b, v: m.convolve(a + 1j * b, v, mode="same"),
                         [A5, A5[::-1], V3]),
    "correlate_valid": (lambda m, a, v: m.correlate(a, v), [A5, V3]),
    "convolve_precision": (lambda m, a, v: m.convolve(a, v, precision="highest",
                                                      preferred_element_type=np.float64),
                           [A5, V3]),
    "correlate_full_short_first": (lambda m, a, v: m.correlate(a, v, mode="full"), [V3, A5]),
    "correlate_same_complex": (lambda m, a, b, c, d: m.correlate(a + 1j * b, c + 1j * d,
                                                                 mode="same"),
                               [A5, A5[::-1], V3, V3 ** 2]),
    "trapezoid": (lambda m, y: m.trapezoid(y), [Y35]),
    "trapezoid_x": (lambda m, y, x: m.trapezoid(y, x), [Y35, np.sort(R.standard_normal(5))]),
    "trapezoid_x_axis0": (lambda m, y, x: m.trapezoid(y, x, axis=0), [Y35, XP[:3]]),
    "trapezoid_x_2d": (lambda m, y, x: m.trapezoid(y, x), [Y35, R.standard_normal((3, 5))]),
    "trapezoid_dx": (lambda m, y, d: m.trapezoid(y, dx=d), [Y35, np.array(0.3)]),
    "interp": (lambda m, x, xp, fp: m.interp(x, xp, fp), [XQ, XP, FP]),
    "interp_left_right": (lambda m, x, xp, fp, lv, rv: m.interp(x, xp, fp, left=lv, right=rv),
                          [XQ, XP, FP, np.array(-2.0), np.array(3.0)]),
    "interp_extrapolate": (lambda m, x, xp, fp: m.interp(x, xp, fp, left="extrapolate",
                                                         right="extrapolate"), [XQ, XP, FP]),
    "interp_period": (lambda m, x, xp, fp: m.interp(x, xp, fp, period=2.5), [XQ, XP, FP]),
    "interp_complex_fp": (lambda m, x, xp, a, b: m.interp(x, xp, a + 1j * b),
                          [XQ, XP, FP, FP[::-1]]),
    "cumulative_sum": (lambda m, y: m.cumulative_sum(y, axis=1), [Y35]),
    "cumulative_sum_initial": (lambda m, y: m.cumulative_sum(y, axis=0, include_initial=True),
                               [Y35]),
    "cumulative_sum_1d": (lambda m, y: m.cumulative_sum(y), [A5]),
    "cumulative_sum_complex": (lambda m, a, b: m.cumulative_sum(a + 1j * b, axis=1),
                               [Y35, Y35[::-1]]),
}


@pytest.mark.parametrize("name", sorted(SIGNAL))
def test_signal_and_integration(backend, name):
    expr, args = SIGNAL[name]
    _compare(*_pair(expr), args)


def test_integer_and_single_precision_types(backend):
    be = get_backend().xp
    for call, args in [
        (lambda m, a, b: m.convolve(a, b), (A5.astype(np.float32), V3.astype(np.float32))),
        (lambda m, a: m.trapezoid(a), (np.array([1, 2, 4]),)),
        (lambda m, a: m.trapezoid(a), (Y35.astype(np.float32),)),
        (lambda m, a: m.cumulative_sum(a), (np.array([True, False, True]),)),
        (lambda m, a, b: m.polymul(a, b, trim_leading_zeros=True),
         (np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, 3.0]))),
        (lambda m, a, b: m.polymul(a, b, trim_leading_zeros=True), (np.zeros(1), np.zeros(2))),
        (lambda m, a, b: m.correlate(a, b, preferred_element_type=np.float32),
         (A5.astype(np.float16), V3.astype(np.float16))),
        (lambda m, a: m.cumulative_sum(a), (np.array([100, 100], np.int8),)),
        (lambda m, a: m.cumulative_sum(a, axis=1, dtype=np.float32), (Y35,)),
        (lambda m, x, xp, fp: m.interp(x, xp, fp), (XQ.astype(np.float32),
                                                    XP.astype(np.float32),
                                                    FP.astype(np.float32))),
        (lambda m, a: m.polyint(a), (np.array([1, 2, 3, 4]),)),
        (lambda m, a: m.poly(a), (np.array([1, 2]),)),
        (lambda m, a: m.polyval(a, 2), (np.array([1, 2, 3]),)),
    ]:
        want = np.asarray(call(jnp, *args))
        got = to_numpy(call(gnp, *[be.asarray(a) for a in args]))
        assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype)
        np.testing.assert_allclose(got, want, rtol=2e-6)


# ---- set operations with size= and fill_value= ---------------------------------------------

SX = np.array([3.0, 1.0, 2.0, 1.0, 3.0, 5.0])
SY = np.array([1.0, 4.0, 3.0])
SETS = [
    ("unique", (SX,), {"size": 6}),
    ("unique", (SX,), {"size": 2, "return_counts": True}),
    ("unique", (SX,), {"size": 6, "fill_value": -1.0, "return_index": True,
                       "return_inverse": True, "return_counts": True}),
    ("unique", (np.array([1.0, np.nan, np.nan, 0.0]),), {"size": 5, "equal_nan": False}),
    ("unique", (np.array([[1.0, 2], [1, 2], [0, 5]]),), {"axis": 0, "size": 4,
                                                        "return_counts": True}),
    ("unique", (np.array([[1.0, 2], [1, 2], [0, 5]]),), {"axis": 1, "size": 3,
                                                        "fill_value": 7.0}),
    ("unique", (np.zeros(0),), {"size": 3, "fill_value": 2.0}),
    ("union1d", (SX, SY), {"size": 8}),
    ("union1d", (SX, SY), {"size": 3, "fill_value": 0.0}),
    ("intersect1d", (SX, SY), {"size": 4}),
    ("intersect1d", (SX, SY), {"size": 4, "fill_value": -5.0, "return_indices": True}),
    ("intersect1d", (SX, SY), {"size": 1, "return_indices": True, "assume_unique": False}),
    ("intersect1d", (SX, np.array([9.0])), {"size": 2}),
    ("setdiff1d", (SX, SY), {"size": 4}),
    ("setdiff1d", (SX, SY), {"size": 1, "fill_value": 9.0}),
    ("setdiff1d", (np.array([4.0, 1.0, 2.0]), SY), {"size": 3, "assume_unique": True}),
    ("setxor1d", (SX, SY), {"size": 6}),
    ("setxor1d", (SX, SY), {"size": 2, "fill_value": 0.0}),
    ("setxor1d", (SY, SY), {"size": 2}),
    ("setdiff1d", (np.array([3, 1, 2]), np.array([2])), {"size": 4, "fill_value": -1}),
]


@pytest.mark.parametrize("case", SETS, ids=[f"{c[0]}-{i}" for i, c in enumerate(SETS)])
def test_set_functions_with_size(backend, case):
    name, args, kw = case
    want = getattr(jnp, name)(*args, **kw)
    got = getattr(gnp, name)(*[get_backend().xp.asarray(a) for a in args], **kw)
    want = want if isinstance(want, tuple) else (want,)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        g, w = to_numpy(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        np.testing.assert_array_equal(g, w)


def test_set_function_values_are_differentiable_where_distinct(backend):
    # values are entries of the inputs (padding: the smallest value): the derivative reaches
    # them; JAX's unique has a zero derivative (DIFFERENCES), its set functions agree
    # (no value in both: a change that separates equal values changes the sets)
    x, y = np.array([3.0, 1.0, 2.0, 5.0]), np.array([4.0, 0.5, 7.0])
    for name, kw in [("union1d", {"size": 8}), ("setdiff1d", {"size": 5})]:
        _compare(lambda a, b, name=name, kw=kw: getattr(jnp, name)(a, b, **kw),
                 lambda a, b, name=name, kw=kw: getattr(gnp, name)(a, b, **kw), [x, y])


# ---- deliberate differences --------------------------------------------------------------

def _fft_n0():
    return gnp.fft.irfft(np.ones(1, complex))


DIFFERENCES = {
    # name: (reason, a call gpuad refuses or answers differently, the error or None)
    "irfft_of_one_bin": ("irfft/hfft of a length-1 input default to n = 0: JAX returns an "
                         "empty array, gpuad raises NumPy's ValueError", _fft_n0, ValueError),
    "roots_real_dtype": ("roots of a real polynomial with real roots are real, as NumPy's; "
                         "JAX's are always complex",
                         lambda: gnp.roots(np.array([1.0, -3.0, 2.0])).dtype.kind == "f", None),
    "roots_strip_zeros": ("roots(strip_zeros=False), JAX's jit-friendly form, is not taken: "
                          "gpuad reads the coefficients (TypeError naming the keyword)",
                          lambda: gnp.roots(np.array([1.0, 2.0]), strip_zeros=False),
                          TypeError),
    "polyfit_integer": ("polyfit of integer data computes in float64 as NumPy's; JAX raises",
                        lambda: gnp.polyfit(np.array([1, 2, 3]), np.array([2, 4, 7]), 1)
                        .dtype == np.float64, None),
    "cumulative_sum_0d": ("cumulative_sum of a 0-d array is NumPy's 1-element result; JAX "
                          "raises", lambda: gnp.cumulative_sum(np.array(3.0)).shape == (1,),
                          None),
    "fftfreq_zero_points": ("fftfreq(0) raises NumPy's ZeroDivisionError; JAX returns an "
                            "empty array", lambda: gnp.fft.fftfreq(0), ZeroDivisionError),
    "unique_gradient": ("JAX's unique has a zero derivative; gpuad's values are input entries "
                        "and pass their cotangent to the first occurrence",
                        lambda: float(ad.grad(lambda x: gnp.sum(gnp.unique(x, size=3)))(
                            np.array([2.0, 1.0]))[1]) == 2.0, None),
    "unique_empty_with_size": ("an empty input with size and fill_value gives indices and "
                               "counts of length size (0s), as the values; JAX's are empty",
                               lambda: gnp.unique(np.zeros(0), size=2, fill_value=1.0,
                                                  return_counts=True)[1].shape == (2,), None),
    "setxor1d_nan_padding": ("setxor1d(size=) pads with the smallest value; where the result "
                             "holds NaN JAX pads with NaN",
                             lambda: not np.isnan(to_numpy(gnp.setxor1d(
                                 np.array([np.nan, 1.0]), np.array([2.0]), size=4))[-1]),
                             None),
    "interp_at_the_last_knot": ("interp's derivative in x at a knot is one-sided from the "
                                "right (0 at the last knot), JAX's from the left",
                                lambda: float(ad.grad(lambda x: gnp.interp(
                                    x, np.array([0.0, 1.0]), np.array([0.0, 2.0])))(
                                    np.array(1.0))) == 0.0, None),
    "poly_conjugate_pairs": ("poly of roots in conjugate pairs has real coefficients, as "
                             "NumPy's; JAX's are complex", lambda: gnp.poly(
                                 np.array([1 + 1j, 1 - 1j])).dtype.kind == "f", None),
    "convolve_integers": ("convolve/correlate of integer sequences are integers, as NumPy's; "
                          "JAX's are float", lambda: gnp.convolve(np.array([1, 2]), np.array(
                              [1, 1])).dtype.kind == "i", None),
    "polyder_integers": ("polyder of integer coefficients is integer, as NumPy's; JAX's is "
                         "float", lambda: gnp.polyder(np.array([1, 2, 3]), 1).dtype.kind == "i",
                         None),
    "isin_method": ("isin's method= (JAX's) is NumPy's kind= in gpuad",
                    lambda: gnp.isin(np.ones(2), np.ones(1), method="sort"), TypeError),
}


@pytest.mark.parametrize("name", sorted(DIFFERENCES))
def test_differences_listed(name):
    reason, call, error = DIFFERENCES[name]
    assert reason
    if error is None:
        assert call() is True or bool(call())
    else:
        with pytest.raises(error):
            call()
