"""Elementwise ops: values vs NumPy, first/second-order gradients (fwd and rev), broadcasting,
0-d, empty and non-contiguous inputs, untouched inputs, and the kink conventions."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy
from op_harness import check_op

import gpuad as ad
import gpuad.numpy as gnp


def _rng(seed=0):
    return np.random.default_rng(seed)


# domains: each draws an array of the given shape inside the op's smooth region
def ANY(s, r):
    return r.standard_normal(s)


def POS(s, r):
    return r.uniform(0.5, 2.0, s)


def UNIT(s, r):
    return r.uniform(-0.8, 0.8, s)


def GT1(s, r):
    return r.uniform(1.2, 3.0, s)


def AWAY0(s, r):
    return r.choice([-1.0, 1.0], s) * r.uniform(0.3, 2.0, s)


UNARY = [
    ("negative", lambda m, x: m.negative(x), ANY),
    ("square", lambda m, x: m.square(x), ANY),
    ("sqrt", lambda m, x: m.sqrt(x), POS),
    ("reciprocal", lambda m, x: m.reciprocal(x), AWAY0),
    ("exp", lambda m, x: m.exp(x), ANY),
    ("expm1", lambda m, x: m.expm1(x), ANY),
    ("log", lambda m, x: m.log(x), POS),
    ("log1p", lambda m, x: m.log1p(x), UNIT),
    ("log2", lambda m, x: m.log2(x), POS),
    ("log10", lambda m, x: m.log10(x), POS),
    ("sin", lambda m, x: m.sin(x), ANY),
    ("cos", lambda m, x: m.cos(x), ANY),
    ("tan", lambda m, x: m.tan(x), UNIT),
    ("arcsin", lambda m, x: m.arcsin(x), UNIT),
    ("arccos", lambda m, x: m.arccos(x), UNIT),
    ("arctan", lambda m, x: m.arctan(x), ANY),
    ("sinh", lambda m, x: m.sinh(x), ANY),
    ("cosh", lambda m, x: m.cosh(x), ANY),
    ("tanh", lambda m, x: m.tanh(x), ANY),
    ("arcsinh", lambda m, x: m.arcsinh(x), ANY),
    ("arccosh", lambda m, x: m.arccosh(x), GT1),
    ("arctanh", lambda m, x: m.arctanh(x), UNIT),
    ("abs", lambda m, x: m.abs(x), AWAY0),
    ("sign", lambda m, x: m.sign(x) * x, AWAY0),
    ("power_const", lambda m, x: m.power(x, 3.0), ANY),
    ("power_frac", lambda m, x: m.power(x, 2.5), POS),
    ("pow_operator", lambda m, x: x ** 2 + 2.0 ** x, ANY),
    ("clip_scalar", lambda m, x: m.clip(x, -0.5, 0.7), AWAY0),
    ("clip_lower_only", lambda m, x: m.clip(x, -0.5, None), AWAY0),
    ("where", lambda m, x: m.where(x > 0, m.sin(x), x * x), AWAY0),
]

BINARY = [
    ("add", lambda m, x, y: m.add(x, y), ANY, ANY),
    ("subtract", lambda m, x, y: m.subtract(x, y), ANY, ANY),
    ("multiply", lambda m, x, y: m.multiply(x, y), ANY, ANY),
    ("divide", lambda m, x, y: m.divide(x, y), ANY, AWAY0),
    ("power", lambda m, x, y: m.power(x, y), POS, ANY),
    ("arctan2", lambda m, x, y: m.arctan2(x, y), AWAY0, AWAY0),
    ("hypot", lambda m, x, y: m.hypot(x, y), AWAY0, AWAY0),
    ("logaddexp", lambda m, x, y: m.logaddexp(x, y), ANY, ANY),
    ("maximum", lambda m, x, y: m.maximum(x, y), ANY, ANY),
    ("minimum", lambda m, x, y: m.minimum(x, y), ANY, ANY),
    ("where_xy", lambda m, x, y: m.where(x > y, x, y), ANY, ANY),
    ("operators", lambda m, x, y: (x + y) * x - y / (1 + x * x) - (-x), ANY, ANY),
]

BCAST = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((3,), ())]
LAYOUTS = ["contig", "strided", "transposed"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name,fn,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary(backend, name, fn, dom, layout):
    check_op(fn, [dom((2, 3), _rng())], layout=layout)


@pytest.mark.parametrize("name,fn,dom", UNARY, ids=[u[0] for u in UNARY])
def test_unary_0d(backend, name, fn, dom):
    check_op(fn, [dom((), _rng())])


@pytest.mark.parametrize("shapes", BCAST, ids=str)
@pytest.mark.parametrize("name,fn,dx,dy", BINARY, ids=[b[0] for b in BINARY])
def test_binary_broadcast(backend, name, fn, dx, dy, shapes):
    r = _rng(1)
    check_op(fn, [dx(shapes[0], r), dy(shapes[1], r)])


@pytest.mark.parametrize("layout", ["strided", "transposed"])
@pytest.mark.parametrize("name,fn,dx,dy", BINARY, ids=[b[0] for b in BINARY])
def test_binary_noncontiguous(backend, name, fn, dx, dy, layout):
    r = _rng(2)
    check_op(fn, [dx((3, 2), r), dy((3, 2), r)], layout=layout)


def test_clip_array_bounds(backend):
    r = _rng(3)
    x = r.standard_normal((2, 3))
    lo = r.uniform(-1.0, -0.2, (2, 3))
    hi = r.uniform(0.2, 1.0, (3,))
    check_op(lambda m, x, lo, hi: m.clip(x, lo, hi), [x, lo, hi])
    # a plain-number x with differentiable bounds
    check_op(lambda m, lo, hi: m.clip(0.3, lo, hi), [lo, hi * 0.2])


@pytest.mark.parametrize("name,fn,dom", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", [(0,), (2, 0)], ids=str)
def test_unary_empty(backend, name, fn, dom, shape):
    x = np.zeros(shape)
    np.testing.assert_array_equal(to_numpy(fn(gnp, gnp.asarray(x))), fn(np, x))
    g = ad.grad(lambda x: gnp.sum(fn(gnp, x)))(gnp.asarray(x))
    assert to_numpy(g).shape == shape


@pytest.mark.parametrize("name,fn,dx,dy", BINARY, ids=[b[0] for b in BINARY])
def test_binary_empty(backend, name, fn, dx, dy):
    x, y = np.ones((0, 3)), np.ones((3,))
    np.testing.assert_array_equal(to_numpy(fn(gnp, gnp.asarray(x), gnp.asarray(y))),
                                  fn(np, x, y))
    gx, gy = ad.grad(lambda x, y: gnp.sum(fn(gnp, x, y)), argnums=(0, 1))(
        gnp.asarray(x), gnp.asarray(y))
    assert to_numpy(gx).shape == (0, 3)
    np.testing.assert_array_equal(to_numpy(gy), np.zeros(3))


# ---- kinks and conventions ------------------------------------------------------------------


def _grad(f, *xs, argnums=0):
    g = ad.grad(f, argnums=argnums)(*[gnp.asarray(np.asarray(x, dtype=float)) for x in xs])
    if isinstance(g, tuple):
        return tuple(to_numpy(a) for a in g)
    return to_numpy(g)


def test_abs_at_zero(backend):
    np.testing.assert_array_equal(_grad(lambda x: gnp.sum(gnp.abs(x)), [0.0, -2.0, 3.0]),
                                  [0.0, -1.0, 1.0])


def test_maximum_minimum_ties_split(backend):
    for op in (gnp.maximum, gnp.minimum):
        gx, gy = _grad(lambda x, y, op=op: gnp.sum(op(x, y)), [1.0, 2.0, 3.0], [1.0, 0.0, 5.0],
                       argnums=(0, 1))
        big = op is gnp.maximum
        np.testing.assert_array_equal(gx, [0.5, 1.0 if big else 0.0, 0.0 if big else 1.0])
        np.testing.assert_array_equal(gy, [0.5, 0.0 if big else 1.0, 1.0 if big else 0.0])


def test_clip_at_bounds_passes_adjoint(backend):
    g = _grad(lambda x: gnp.sum(gnp.clip(x, -1.0, 1.0)), [-1.0, 1.0, 0.0, 2.0, -3.0])
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0, 0.0, 0.0])


def test_clip_array_bound_gradients(backend):
    g = _grad(lambda x, lo, hi: gnp.sum(gnp.clip(x, lo, hi)), [-2.0, 0.0, 3.0],
              [-1.0, -1.0, -1.0], [1.0, 1.0, 1.0], argnums=(0, 1, 2))
    np.testing.assert_array_equal(g[0], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(g[1], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(g[2], [0.0, 0.0, 1.0])


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_where_no_nan_from_unselected_branch(backend, mode):
    x = gnp.asarray(np.array([0.0, -1.0, 2.0]))

    def f(x):
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0), log(-1) are intended
            return gnp.where(x > 0, gnp.log(x), 0.0)

    if mode == "rev":
        g = to_numpy(ad.grad(lambda x: gnp.sum(f(x)))(x))
    else:
        g = to_numpy(ad.jvp(f, (x,), (gnp.ones_like(x),))[1])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.5])
    # second order stays finite as well
    h = to_numpy(ad.grad(lambda x: gnp.sum(ad.grad(lambda y: gnp.sum(f(y)))(x)))(x))
    np.testing.assert_array_equal(h, [0.0, 0.0, -0.25])


def test_power_zero_base(backend):
    # d/dx x**2 at 0 is 0; d/dy 0**y (y > 0) is 0, not NaN
    gx, gy = _grad(lambda x, y: gnp.sum(gnp.power(x, y)), [0.0, 2.0], [2.0, 2.0], argnums=(0, 1))
    np.testing.assert_allclose(gx, [0.0, 4.0])
    np.testing.assert_allclose(gy, [0.0, 4.0 * np.log(2.0)])
    # x**0 is constant: its derivative is 0 even at x == 0 (not 0 * inf)
    gx, gy = _grad(lambda x, y: gnp.sum(gnp.power(x, y)), [0.0, 2.0], [0.0, 0.0], argnums=(0, 1))
    np.testing.assert_array_equal(gx, [0.0, 0.0])
    np.testing.assert_array_equal(_grad(lambda x: gnp.sum(gnp.power(x, 0.0)), [0.0, 3.0]), [0, 0])
    # second order: d2/dx2 x**1 at 0 is 0
    h = _grad(lambda x: gnp.sum(ad.grad(lambda y: gnp.sum(gnp.power(y, 1.0)))(x)), [0.0, 2.0])
    np.testing.assert_array_equal(h, [0.0, 0.0])


def test_square_operator_is_square_as_in_the_array_libraries(backend):
    """``t ** 2`` (and ``t **= 2``) is ``square(t)``, as ``ndarray ** 2`` is in NumPy and CuPy
    (whose power kernel, powf(x, 2) on a GPU, rounds differently); ``power(t, 2)`` stays
    ``power``, and other exponents and integer arrays are ``**``'s power."""
    xp = ad.get_backend().xp
    x = xp.asarray(np.random.default_rng(3).uniform(0.5, 2.0, 64).astype(np.float32))
    t = ad.tensor(x, requires_grad=True)
    for y, op in ((t ** 2, "square"), (t ** 2.0, "square"), (gnp.power(t, 2), "power"),
                  (t ** 3, "power"), (t ** True, "power")):
        assert y._node.rule.name == op
    np.testing.assert_array_equal(to_numpy(t ** 2), to_numpy(x ** 2))
    u = ad.tensor(x.copy())
    u **= 2
    np.testing.assert_array_equal(to_numpy(u), to_numpy(x ** 2))
    i = ad.tensor(xp.asarray(np.arange(4)))
    assert (i ** 2).dtype == np.int64
    np.testing.assert_array_equal(to_numpy(ad.grad(lambda v: gnp.sum(v ** 2))(x)),
                                  to_numpy(2 * x))


def test_sign_has_zero_gradient(backend):
    np.testing.assert_array_equal(_grad(lambda x: gnp.sum(gnp.sign(x) * 3.0), [-1.0, 0.0, 2.0]),
                                  [0.0, 0.0, 0.0])


def test_out_argument(backend):
    x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    out = gnp.zeros(2)
    r = gnp.add(gnp.asarray(x), gnp.asarray(y), out=out)
    assert r is out
    np.testing.assert_array_equal(to_numpy(out), x + y)
