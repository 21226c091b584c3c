"""Complex numbers: PyTorch's convention (the gradient of a real loss L of z = x + iy is
dL/dx + i dL/dy) in every rule. Checked against PyTorch on the same functions, against complex
finite differences (real and imaginary parts perturbed separately, first and second order, both
modes), and against the analytic complex derivative for jvp of holomorphic functions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.complex_rules import HOLO, OVERRIDES, OWN, ComplexError
from gpuad.rules import RULES
from gpuad.testing import check_grads

torch = pytest.importorskip("torch")

CDTYPES = [np.complex128, np.complex64]
TOL = {np.complex128: dict(rtol=1e-9, atol=1e-10), np.complex64: dict(rtol=2e-4, atol=2e-5),
       np.float64: dict(rtol=1e-9, atol=1e-10), np.float32: dict(rtol=2e-4, atol=2e-5)}
REAL_OF = {np.complex128: np.float64, np.complex64: np.float32}


def crandn(rng, *shape, dtype=np.complex128):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def tn(t):
    """A NumPy copy of a torch tensor (lazy conjugation resolved)."""
    return t.detach().resolve_conj().resolve_neg().numpy()


def T(a):
    return torch.tensor(np.asarray(a), requires_grad=True)


@pytest.fixture(autouse=True)
def _no_complex_warning():
    """A dropped imaginary part shows up as NumPy's ComplexWarning: make it an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        yield


# ---- the examples of the issue ------------------------------------------------------------------

def test_issue_examples(backend):
    z = np.array([1 + 2j])
    g1 = ad.grad(lambda w: gnp.sum(gnp.abs(w) ** 2))(z)
    g2 = ad.grad(lambda w: gnp.sum(gnp.abs(w * w)))(z)
    g3 = ad.grad(lambda s: gnp.sum(gnp.abs(s * (1 + 2j))))(np.array([1.0]))
    # d|w|^2 = 2 Re(conj(w) dw) and d|w^2| = 2|w| d|w|: both gradients are 2w
    np.testing.assert_allclose(to_numpy(g1), [2 + 4j], rtol=1e-12)
    np.testing.assert_allclose(to_numpy(g2), [2 + 4j], rtol=1e-12)
    # |s (1+2j)| = sqrt(5) |s|
    assert to_numpy(g3).dtype == np.float64
    np.testing.assert_allclose(to_numpy(g3), [np.sqrt(5)], rtol=1e-12)
    assert complex(ad.grad(lambda w: gnp.abs(w) ** 2)(1 + 2j)) == pytest.approx(2 + 4j)


# ---- unary functions against PyTorch ------------------------------------------------------------

UNARY = {
    "exp": torch.exp, "log": torch.log, "sin": torch.sin, "cos": torch.cos, "tan": torch.tan,
    "sinh": torch.sinh, "cosh": torch.cosh, "tanh": torch.tanh, "arcsin": torch.asin,
    "arccos": torch.acos, "arctan": torch.atan, "arcsinh": torch.asinh,
    "arccosh": torch.acosh, "arctanh": torch.atanh, "sqrt": torch.sqrt,
    "square": torch.square, "reciprocal": torch.reciprocal, "expm1": torch.expm1,
    "log1p": torch.log1p, "log2": torch.log2, "log10": torch.log10, "abs": torch.abs,
    "angle": torch.angle, "real": torch.real, "imag": torch.imag, "conj": torch.conj,
    "sign": torch.sgn,
}


def _loss_t(y, w):
    """A real loss that sees every part of y: Re<w, y> plus |y| (PyTorch side)."""
    if not y.is_complex():
        return (y * w.real).sum() + (y.abs() ** 1.5).sum()
    return (y * w.conj()).real.sum() + (y.abs() ** 1.5).sum()


def _loss_g(y, w):
    if not np.iscomplexobj(to_numpy(y)):
        return gnp.sum(y * np.real(w)) + gnp.sum(gnp.abs(y) ** 1.5)
    return gnp.sum(gnp.real(y * np.conj(w))) + gnp.sum(gnp.abs(y) ** 1.5)


@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradient_matches_torch(backend, name, dtype):
    rng = np.random.default_rng(1)
    z = crandn(rng, 7, dtype=dtype)
    # arccosh's branch cut is (-inf, 1]: include points with negative real part
    z[0] = -1.5 + 0.3j
    w = crandn(rng, 7, dtype=dtype)
    zt = T(z)
    _loss_t(UNARY[name](zt), torch.tensor(w)).backward()
    g = ad.grad(lambda v: _loss_g(getattr(gnp, name)(v), w))(z)
    g = to_numpy(g)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, tn(zt.grad), **TOL[dtype])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_finite_differences(backend, name):
    rng = np.random.default_rng(2)
    z = crandn(rng, 5)
    z[0] = -1.5 + 0.3j
    check_grads(getattr(gnp, name), (z,), order=2)


# ---- holomorphic functions: jvp is the complex derivative ------------------------------------

DERIV = {
    "exp": (gnp.exp, np.exp),
    "sin": (gnp.sin, np.cos),
    "cos": (gnp.cos, lambda z: -np.sin(z)),
    "tan": (gnp.tan, lambda z: 1 / np.cos(z) ** 2),
    "tanh": (gnp.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "log": (gnp.log, lambda z: 1 / z),
    "log10": (gnp.log10, lambda z: 1 / (z * np.log(10))),
    "sqrt": (gnp.sqrt, lambda z: 0.5 / np.sqrt(z)),
    "reciprocal": (gnp.reciprocal, lambda z: -1 / z ** 2),
    "arcsin": (gnp.arcsin, lambda z: 1 / np.sqrt(1 - z * z)),
    "arccosh": (gnp.arccosh, lambda z: 1 / (np.sqrt(z - 1) * np.sqrt(z + 1))),
    "arctanh": (gnp.arctanh, lambda z: 1 / (1 - z * z)),
    "cube": (lambda z: z ** 3, lambda z: 3 * z ** 2),
    "z^z": (lambda z: z ** z, lambda z: z ** z * (np.log(z) + 1)),
    "poly": (lambda z: (z * z + 2j) / (z - 3), lambda z: (2 * z * (z - 3) - (z * z + 2j))
             / (z - 3) ** 2),
    "cumprod": (lambda z: gnp.cumprod(z)[-1:], None),
}


@pytest.mark.parametrize("name", sorted(DERIV))
def test_jvp_of_holomorphic_is_complex_derivative(backend, name):
    f, df = DERIV[name]
    rng = np.random.default_rng(3)
    z = crandn(rng, 4)
    z[0] = -1.2 - 0.4j
    t = crandn(rng, 4)
    _, jt = ad.jvp(f, (z,), (t,))
    jt = to_numpy(jt)
    if df is not None:
        np.testing.assert_allclose(jt, df(z) * t, rtol=1e-10)
    # the complex derivative along t equals the central difference along t: holomorphic maps
    # are complex-linear in the tangent, so the same holds for 1j * t
    h = 1e-6
    for d in (t, 1j * t):
        fd = (to_numpy(f(z + h * d)) - to_numpy(f(z - h * d))) / (2 * h)
        _, jd = ad.jvp(f, (z,), (d,))
        np.testing.assert_allclose(to_numpy(jd), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["exp", "sin", "log", "sqrt", "arcsin", "cube"])
def test_vjp_of_holomorphic_is_conjugate_derivative(backend, name):
    f, df = DERIV[name]
    rng = np.random.default_rng(4)
    z, g = crandn(rng, 4), crandn(rng, 4)
    _, back = ad.vjp(f, z)
    (gz,) = back(g)
    np.testing.assert_allclose(to_numpy(gz), g * np.conj(df(z)), rtol=1e-10)


# ---- binary ops, mixed real and complex ---------------------------------------------------------

def _promoted(a, b):
    """torch.where's backward wants one dtype: cast first (the cast's adjoint is the real
    part for a real input, which is what is being compared)."""
    dt = torch.result_type(a, b)
    return a.to(dt), b.to(dt)


BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "subtract": (lambda a, b: a - b, lambda a, b: a - b),
    "multiply": (lambda a, b: a * b, lambda a, b: a * b),
    "divide": (lambda a, b: a / b, lambda a, b: a / b),
    "power": (lambda a, b: a ** b, lambda a, b: a ** b),
    "where": (lambda a, b: gnp.where(np.array([True, False, True, False, True]), a, b),
              lambda a, b: torch.where(torch.tensor([True, False, True, False, True]),
                                       *_promoted(a, b))),
}


@pytest.mark.parametrize("kinds", ["cc", "rc", "cr"])
@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_mixed_matches_torch(backend, name, kinds, dtype):
    rng = np.random.default_rng(5)
    rdt = REAL_OF[dtype]
    args = [crandn(rng, 5, dtype=dtype) if k == "c" else
            (np.abs(rng.standard_normal(5)) + 0.5).astype(rdt) for k in kinds]
    w = crandn(rng, 5, dtype=dtype)
    gf, tf = BINARY[name]
    ts = [T(a) for a in args]
    _loss_t(tf(*ts), torch.tensor(w)).backward()
    gs = ad.grad(lambda a, b: _loss_g(gf(a, b), w), argnums=(0, 1))(*args)
    for g, t, a in zip(gs, ts, args, strict=True):
        g = to_numpy(g)
        assert g.dtype == a.dtype  # a real input gets a real gradient of its own precision
        np.testing.assert_allclose(g, tn(t.grad), **TOL[dtype])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_mixed_finite_differences(backend, name):
    rng = np.random.default_rng(6)
    z = crandn(rng, 5)
    x = np.abs(rng.standard_normal(5)) + 0.5
    f = BINARY[name][0]
    check_grads(f, (z, x), order=2)
    check_grads(f, (x, z), order=2)


def test_power_of_negative_real_base_to_complex_exponent(backend):
    x = np.array([-2.0, -0.5, 1.5])
    y = np.array([0.5 + 1j, 2 - 0.3j, 1j])
    check_grads(lambda a, b: a ** b, (x, y), order=2)
    xt, yt = T(x), T(y)
    (xt ** yt).abs().sum().backward()
    gx, gy = ad.grad(lambda a, b: gnp.sum(gnp.abs(a ** b)), argnums=(0, 1))(x, y)
    # d|1.5 ** 1j|/dx is 0 exactly (|1.5 ** 1j| = 1): both results are the round-off of terms
    # of size about 1 (8e-19 from torch on the CPU, 3e-17 from CuPy on a GPU)
    np.testing.assert_allclose(to_numpy(gx), tn(xt.grad), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(to_numpy(gy), tn(yt.grad), rtol=1e-10, atol=1e-15)


# ---- products, reductions, shapes, linear algebra -----------------------------------------------

def _herm(rng, n):
    a = crandn(rng, n, n)
    return a @ a.conj().T + n * np.eye(n)


def _well(rng, *s):
    return crandn(rng, *s) * 0.3 + 2 * np.eye(s[-1])


STRUCT = {
    "matmul": (lambda a, b: a @ b, lambda a, b: a @ b, lambda r: (crandn(r, 3, 4),
                                                                   crandn(r, 4, 2))),
    "matvec": (lambda a, b: a @ b, lambda a, b: a @ b, lambda r: (crandn(r, 2, 3, 4),
                                                                   crandn(r, 4))),
    "einsum": (lambda a, b: gnp.einsum("ij,jk->ik", a, b),
               lambda a, b: torch.einsum("ij,jk->ik", a, b),
               lambda r: (crandn(r, 3, 4), crandn(r, 4, 2))),
    "einsum_trace": (lambda a: gnp.einsum("ii->", a), lambda a: torch.einsum("ii->", a),
                     lambda r: (crandn(r, 3, 3),)),
    "sum": (lambda a: gnp.sum(a, axis=0), lambda a: a.sum(0), lambda r: (crandn(r, 3, 4),)),
    "mean": (lambda a: gnp.mean(a, axis=1), lambda a: a.mean(1), lambda r: (crandn(r, 3, 4),)),
    "prod": (lambda a: gnp.prod(a, axis=1), lambda a: a.prod(1), lambda r: (crandn(r, 3, 4),)),
    "cumsum": (lambda a: gnp.cumsum(a, axis=1), lambda a: a.cumsum(1),
               lambda r: (crandn(r, 3, 4),)),
    "cumprod": (lambda a: gnp.cumprod(a, axis=1), lambda a: a.cumprod(1),
                lambda r: (crandn(r, 3, 4),)),
    "logsumexp": (lambda a: gnp.logsumexp(a, axis=1), lambda a: torch.logsumexp(a, 1),
                  lambda r: (crandn(r, 3, 4),)),
    "var": (lambda a: gnp.var(a, axis=1), lambda a: a.var(1, correction=0),
            lambda r: (crandn(r, 3, 4),)),
    "std": (lambda a: gnp.std(a), lambda a: a.std(correction=0), lambda r: (crandn(r, 3, 4),)),
    "norm": (lambda a: gnp.linalg.norm(a), lambda a: torch.linalg.vector_norm(a),
             lambda r: (crandn(r, 5),)),
    "norm_axis": (lambda a: gnp.linalg.norm(a, axis=1), lambda a: torch.linalg.norm(a, dim=1),
                  lambda r: (crandn(r, 3, 4),)),
    "vdot": (lambda a, b: gnp.vdot(a, b), lambda a, b: torch.vdot(a, b),
             lambda r: (crandn(r, 4), crandn(r, 4))),
    "shapes": (lambda a: gnp.transpose(gnp.reshape(a, (4, 3)))[1:, ::2],
               lambda a: a.reshape(4, 3).T[1:, ::2], lambda r: (crandn(r, 3, 4),)),
    "concat": (lambda a, b: gnp.concatenate([a, b], 1), lambda a, b: torch.cat([a, b], 1),
               lambda r: (crandn(r, 2, 3), crandn(r, 2, 2))),
    "fancy_index": (lambda a: a[np.array([0, 2, 0])], lambda a: a[torch.tensor([0, 2, 0])],
                    lambda r: (crandn(r, 3, 2),)),
    "broadcast": (lambda a, b: a * b, lambda a, b: a * b,
                  lambda r: (crandn(r, 3, 1), crandn(r, 4))),
    "inv": (gnp.linalg.inv, torch.linalg.inv, lambda r: (_well(r, 3, 3),)),
    "solve": (gnp.linalg.solve, torch.linalg.solve,
              lambda r: (_well(r, 3, 3), crandn(r, 3, 2))),
    "solve_vec": (gnp.linalg.solve, torch.linalg.solve,
                  lambda r: (_well(r, 3, 3), crandn(r, 3))),
    "det": (gnp.linalg.det, torch.linalg.det, lambda r: (_well(r, 2, 3, 3),)),
    "logabsdet": (lambda a: gnp.linalg.slogdet(a)[1], lambda a: torch.linalg.slogdet(a)[1],
                  lambda r: (_well(r, 3, 3),)),
    "slogdet_sign": (lambda a: gnp.linalg.slogdet(a)[0], lambda a: torch.linalg.slogdet(a)[0],
                     lambda r: (_well(r, 3, 3),)),
    "trace": (lambda a: gnp.trace(a), lambda a: torch.trace(a), lambda r: (crandn(r, 3, 3),)),
}


@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("name", sorted(STRUCT))
def test_structured_gradient_matches_torch(backend, name, dtype):
    gf, tf, make = STRUCT[name]
    args = [a.astype(dtype) for a in make(np.random.default_rng(7))]
    ts = [T(a) for a in args]
    out_t = tf(*ts)
    rng = np.random.default_rng(8)
    w = crandn(rng, *out_t.shape, dtype=dtype)
    _loss_t(out_t, torch.tensor(w)).backward()
    gs = ad.grad(lambda *xs: _loss_g(gf(*xs), w), argnums=tuple(range(len(args))))(*args)
    tol = TOL[dtype] if dtype == np.complex128 else dict(rtol=2e-3, atol=2e-4)
    for g, t in zip(gs, ts, strict=True):
        assert to_numpy(g).dtype == dtype
        np.testing.assert_allclose(to_numpy(g), tn(t.grad), **tol)


@pytest.mark.parametrize("name", sorted(STRUCT))
def test_structured_finite_differences(backend, name):
    gf, _, make = STRUCT[name]
    check_grads(gf, make(np.random.default_rng(9)), order=2, rtol=1e-4, atol=1e-5)


def test_cholesky_matches_torch_along_hermitian_directions(backend):
    """NumPy's cholesky reads the lower triangle (and the real part of the diagonal), PyTorch
    returns a Hermitian gradient: along Hermitian directions the two agree."""
    rng = np.random.default_rng(10)
    a = _herm(rng, 4)
    w = crandn(rng, 4, 4)
    at = T(a)
    _loss_t(torch.linalg.cholesky(at), torch.tensor(w)).backward()
    g = to_numpy(ad.grad(lambda m: _loss_g(gnp.linalg.cholesky(m), w))(a))
    assert np.allclose(np.triu(g, 1), 0)  # the upper triangle is never read
    for _ in range(3):
        v = crandn(rng, 4, 4)
        v = v + v.conj().T
        ours = np.real(np.vdot(g, v))
        theirs = np.real(np.vdot(tn(at.grad), v))
        assert ours == pytest.approx(theirs, rel=1e-9)
    check_grads(gnp.linalg.cholesky, (a,), order=2)


def test_second_order_matches_torch(backend):
    rng = np.random.default_rng(11)
    z, v = crandn(rng, 4), crandn(rng, 4)
    m = crandn(rng, 4, 4)
    m_dev = ad.get_backend().xp.asarray(m)  # check_grads calls loss on the backend's arrays

    def loss(u):
        y = gnp.sin(m_dev @ u) * gnp.conj(u)
        return gnp.sum(gnp.abs(y) ** 2) + gnp.sum(gnp.real(gnp.exp(u)))

    hv = ad.grad(lambda u: gnp.sum(gnp.real(gnp.conj(ad.grad(loss)(u)) * v)))(z)
    zt = T(z)
    mt = torch.tensor(m)
    lt = ((torch.sin(mt @ zt) * zt.conj()).abs() ** 2).sum() + torch.exp(zt).real.sum()
    (gt,) = torch.autograd.grad(lt, zt, create_graph=True)
    (hvt,) = torch.autograd.grad((gt.conj() * torch.tensor(v)).real.sum(), zt)
    np.testing.assert_allclose(to_numpy(hv), tn(hvt), rtol=1e-9)
    check_grads(loss, (z,), order=2)


def test_vjp_with_complex_cotangent_matches_torch(backend):
    rng = np.random.default_rng(12)
    z, c = crandn(rng, 3), crandn(rng, 3)
    x = rng.standard_normal(3)
    _, back = ad.vjp(lambda u, r: gnp.exp(u) * r + u * u, z, x)
    gz, gx = back(c)
    zt, xt = T(z), T(x)
    torch.autograd.backward(torch.exp(zt) * xt + zt * zt, torch.tensor(c))
    np.testing.assert_allclose(to_numpy(gz), tn(zt.grad), rtol=1e-12)
    assert to_numpy(gx).dtype == np.float64
    np.testing.assert_allclose(to_numpy(gx), tn(xt.grad), rtol=1e-12)


def test_jvp_mixed_real_and_complex(backend):
    rng = np.random.default_rng(13)
    z, tz = crandn(rng, 3), crandn(rng, 3)
    x, tx = rng.standard_normal(3), rng.standard_normal(3)
    _, t = ad.jvp(lambda u, r: gnp.abs(u * r) + gnp.angle(u), (z, x), (tz, tx))
    zt = torch.tensor(z)
    xt = torch.tensor(x)
    _, tt = torch.func.jvp(lambda u, r: (u * r).abs() + u.angle(), (zt, xt),
                           (torch.tensor(tz), torch.tensor(tx)))
    assert to_numpy(t).dtype == np.float64
    np.testing.assert_allclose(to_numpy(t), tn(tt), rtol=1e-12)


def test_tensor_methods_and_backward(backend):
    z = ad.tensor(np.array([1 + 2j, -0.5 + 0.25j]), requires_grad=True)
    loss = gnp.sum(z.real * z.imag + gnp.abs(z.conj() * z.conjugate()))
    loss.backward()
    zn = np.array([1 + 2j, -0.5 + 0.25j])
    # d(xy)/dx + i d(xy)/dy = y + i x, and d|z|^2 = 2z
    np.testing.assert_allclose(to_numpy(z.grad), zn.imag + 1j * zn.real + 2 * zn, rtol=1e-12)


def test_sign_is_smooth_for_complex_values(backend):
    z = np.array([1 + 2j, -0.5 + 0.25j, 0j])
    check_grads(gnp.sign, (z[:2],), order=2)
    g = to_numpy(ad.grad(lambda u: gnp.sum(gnp.real(gnp.sign(u) * np.array([1j, 1, 1]))))(z))
    assert g[2] == 0  # the chosen value where |z| = 0
    # real values: piecewise constant, no gradient
    np.testing.assert_array_equal(to_numpy(ad.grad(lambda x: gnp.sum(gnp.sign(x) * x))(
        np.array([-1.5, 2.0]))), [-1.0, 1.0])


def test_angle_degrees_and_real_inputs(backend):
    z = np.array([1 + 1j, -2 + 0.5j])
    np.testing.assert_allclose(to_numpy(gnp.angle(z, deg=True)), np.angle(z, deg=True))
    check_grads(lambda u: gnp.angle(u, deg=True), (z,), order=2)
    # the argument of a real number is piecewise constant: zero gradient, real dtype
    g = to_numpy(ad.grad(lambda x: gnp.sum(gnp.angle(x)))(np.array([-1.0, 2.0])))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [0.0, 0.0])


def test_complex64_gradients_keep_precision_and_agree(backend):
    rng = np.random.default_rng(14)
    z = crandn(rng, 6)

    def f(u):
        return gnp.sum(gnp.abs(gnp.exp(u) * gnp.conj(u) + gnp.sqrt(u)) ** 2)

    g64 = to_numpy(ad.grad(f)(z.astype(np.complex64)))
    g128 = to_numpy(ad.grad(f)(z))
    assert g64.dtype == np.complex64 and g128.dtype == np.complex128
    np.testing.assert_allclose(g64, g128, rtol=1e-4, atol=1e-4)


# ---- what raises ------------------------------------------------------------------------------

REAL_ONLY = {
    "maximum": lambda z: gnp.maximum(z, 0.5),
    "minimum": lambda z: gnp.minimum(z, 0.5),
    "clip": lambda z: gnp.clip(z, 0, 1),
    "max": lambda z: gnp.max(z),
    "min": lambda z: gnp.min(z),
}
# (F.relu and the other threshold activations refuse complex input in the forward pass as
# torch does: tests/test_torch_ufunc_methods.py)


@pytest.mark.parametrize("name", sorted(REAL_ONLY))
def test_real_only_rules_raise_and_leave_tape_intact(backend, name):
    import gpuad.nn  # noqa: F401  (binds ad.nn)

    z = np.array([1 + 2j, -0.5 + 0.25j])
    with pytest.raises(ComplexError, match="real values only") as info:
        ad.grad(lambda u: gnp.sum(gnp.abs(REAL_ONLY[name](u))))(z)
    assert "complex" in str(info.value)
    # the error is specific to differentiation: the forward alone works, and the same input
    # is still differentiable through other ops
    with ad.no_grad():
        REAL_ONLY[name](ad.tensor(z, requires_grad=True))
    g = ad.grad(lambda u: gnp.sum(gnp.abs(u) ** 2))(z)
    np.testing.assert_allclose(to_numpy(g), 2 * z)


def test_real_only_rule_raises_in_forward_mode(backend):
    z = np.array([1 + 2j])
    with pytest.raises(ComplexError, match="maximum"):
        ad.jvp(lambda u: gnp.maximum(u, 0.0), (z,), (np.array([1 + 0j]),))


def test_complex_losses_and_mismatched_cotangents_raise(backend):
    z = np.array([1 + 2j])
    with pytest.raises(TypeError, match="complex"):
        ad.grad(lambda u: gnp.sum(u * u))(z)
    t = ad.tensor(z, requires_grad=True)
    with pytest.raises(ad.GradError, match="complex"):
        gnp.sum(t * t).backward()
    _, back = ad.vjp(lambda u: gnp.abs(u), z)
    with pytest.raises(TypeError, match="complex"):
        back(np.array([1j]))
    with pytest.raises(TypeError, match="complex tangent"):
        ad.jvp(gnp.sin, (np.array([1.0]),), (np.array([1j]),))


def test_every_marked_rule_exists():
    for name in OWN | HOLO | set(OVERRIDES):
        assert name in RULES, name
    assert not OWN & HOLO


def test_real_values_never_record_complex_variants(backend):
    x = ad.tensor(np.array([0.5, 1.5]), requires_grad=True)
    y = gnp.sum(gnp.abs(gnp.sin(x) * x))
    node = y._node
    seen = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or n.rule is None:
            continue
        seen.append(n.rule)
        stack.extend(n.edges)
    assert seen and not any(r.cx_variant for r in seen)


def test_complex_values_never_take_fused_kernels(backend, monkeypatch):
    """The backends' fused adjoint kernels are real-only: complex steps take the formulas."""
    be = ad.get_backend()
    calls = []

    def spy(argnum, g, ans, inputs, params, out):
        calls.append(g.dtype.kind)
        return NotImplemented

    for name in ("multiply", "exp", "sin", "abs", "matmul"):
        monkeypatch.setitem(be.fused_vjp, name, spy)
    rng = np.random.default_rng(15)
    z, m = crandn(rng, 3), crandn(rng, 3, 3)
    m = be.xp.asarray(m)  # check_grads calls the function on the backend's arrays
    g = ad.grad(lambda u: gnp.sum(gnp.abs(gnp.sin(m @ u) * gnp.exp(u))))(z)
    assert "c" not in calls
    check_grads(lambda u: gnp.sin(m @ u) * gnp.exp(u), (z,), order=1)
    assert np.all(np.isfinite(to_numpy(g)))
    ad.grad(lambda x: gnp.sum(gnp.sin(x) * x))(np.array([0.5, 1.0]))
    assert calls and set(calls) == {"f"}


def test_jacobians_of_complex_values(backend):
    x = np.array([0.3, -1.2])
    # a real input: the forward-mode Jacobian is d f / d x, complex
    j = to_numpy(ad.jacfwd(lambda u: gnp.exp(1j * u))(x))
    np.testing.assert_allclose(j, np.diag(1j * np.exp(1j * x)), rtol=1e-12)
    # complex inputs (and, for reverse mode, complex outputs) have no single Jacobian
    with pytest.raises(TypeError, match="jacfwd: complex inputs"):
        ad.jacfwd(gnp.sin)(x + 1j)
    with pytest.raises(TypeError, match="jacrev: complex inputs or outputs"):
        ad.jacrev(lambda u: gnp.exp(1j * u))(x)
    with pytest.raises(TypeError, match="complex inputs"):
        ad.hessian(lambda u: gnp.sum(gnp.abs(u) ** 2))(x + 1j)
    # real to real through complex intermediates is an ordinary Jacobian
    j = to_numpy(ad.jacrev(lambda u: gnp.abs(gnp.exp(1j * u) + 2.0))(x))
    np.testing.assert_allclose(j, to_numpy(ad.jacfwd(lambda u: gnp.abs(gnp.exp(1j * u) + 2.0))(x)),
                               rtol=1e-12)


def test_backward_with_complex_gradient_and_custom_rules(backend):
    z = np.array([1 + 2j, -1 + 0.5j])
    c = np.array([0.5 - 1j, 2 + 0j])
    t = ad.tensor(z, requires_grad=True)
    (t * t).backward(gradient=c)
    # holomorphic s = z^2: the adjoint is c * conj(2z)
    np.testing.assert_allclose(to_numpy(t.grad), c * np.conj(2 * z), rtol=1e-12)
    # custom ops are declared for real values: complex ones raise
    op = ad.custom_op(lambda a: a * 2, lambda saved, g: (g * 2,), name="twice")
    with pytest.raises(ComplexError, match="twice"):
        ad.grad(lambda u: gnp.sum(gnp.abs(op(u))))(z)
    # custom_vjp rules get and give adjoints in the same convention
    square = ad.custom_vjp(lambda u: u * u)
    square.defvjp(lambda u: (u * u, u), lambda u, g: (g * gnp.conj(2 * u),))
    g = ad.grad(lambda u: gnp.sum(gnp.abs(square(u))))(z)
    np.testing.assert_allclose(to_numpy(g), to_numpy(ad.grad(
        lambda u: gnp.sum(gnp.abs(u * u)))(z)), rtol=1e-12)


def test_numerical_grad_of_complex_input(backend):
    from gpuad.testing import numerical_grad

    z = np.array([1 + 2j, -0.5 + 0.3j])
    g = numerical_grad(lambda u: gnp.sum(gnp.abs(u) ** 2 + gnp.real(u)), z)
    np.testing.assert_allclose(g, 2 * z + 1, rtol=1e-6)
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(numerical_grad(lambda u: gnp.sum(u ** 3), x), 3 * x ** 2,
                               rtol=1e-6)


def test_broadcasting_in_place_writes_and_checkpoint(backend):
    rng = np.random.default_rng(16)
    x = rng.standard_normal((3, 1))
    z = crandn(rng, 4)

    def f(r, u):
        y = r * u + gnp.exp(u)  # (3, 4): the real input's adjoint is summed, then made real
        y *= u
        y[1] = y[1] * 2j
        return ad.checkpoint(lambda v: gnp.sin(v) * gnp.conj(v))(y)

    check_grads(f, (x, z), order=2)
    gx, gz = ad.grad(lambda r, u: gnp.sum(gnp.abs(f(r, u))), argnums=(0, 1))(x, z)
    xt, zt = T(x), T(z)
    y = xt * zt + torch.exp(zt)
    y = y * zt
    y = torch.cat([y[:1], y[1:2] * 2j, y[2:]])
    (torch.sin(y) * y.conj()).abs().sum().backward()
    assert to_numpy(gx).dtype == np.float64
    np.testing.assert_allclose(to_numpy(gx), tn(xt.grad), rtol=1e-10)
    np.testing.assert_allclose(to_numpy(gz), tn(zt.grad), rtol=1e-10)
