"""gpuad.numpy.polynomial: values and derivatives against hand-derived ones, and the errors
NumPy's own numpy.polynomial functions raise on Tensors (they name the function the user
called and its gpuad counterpart, not numpy.polyval, whose coefficients run the other way)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.numpy.polynomial as P
from gpuad.testing import check_grads


def _t(a, grad=True):
    return ad.tensor(ad.get_backend().xp.asarray(np.asarray(a, dtype=float)),
                     requires_grad=grad)


def _h(a):
    return a.numpy() if isinstance(a, ad.Tensor) else np.asarray(
        a.get() if hasattr(a, "get") else a)


def test_numpy_polynomial_polyval_names_itself_not_numpy_polyval(backend):
    t = _t([1.0, 2.0, 3.0])
    with pytest.raises(TypeError) as e:
        np.polynomial.polynomial.polyval(2.0, t)
    msg = str(e.value)
    assert msg.startswith("numpy.polynomial.polynomial.polyval converts")
    assert "gpuad.numpy.polynomial.polynomial.polyval" in msg
    assert "gpuad.numpy.polyval(" not in msg


@pytest.mark.parametrize("call,what,instead", [
    (lambda t: np.polynomial.Polynomial(t)(2.0), "numpy.polynomial.Polynomial converts",
     "gpuad.numpy.polynomial.Polynomial"),
    (lambda t: np.polynomial.chebyshev.chebval(2.0, t), "numpy.polynomial.chebyshev.chebval",
     "gpuad.numpy.polynomial.chebyshev.chebval"),
    (lambda t: np.polynomial.Legendre.fit(t, t, 1), "numpy.polynomial.Legendre.fit",
     "gpuad.numpy.polynomial.Legendre.fit"),
])
def test_numpy_polynomial_errors_name_the_gpuad_counterpart(backend, call, what, instead):
    with pytest.raises(TypeError) as e:
        call(_t([1.0, 2.0, 3.0]))
    assert what in str(e.value) and f"call {instead} instead" in str(e.value)


def test_polyval_takes_x_then_lowest_degree_first(backend):
    # 1 + 2x + 3x^2 at 2: 17; d/dc = (1, x, x^2); d/dx = 2 + 6x
    c, x = _t([1.0, 2.0, 3.0]), _t(2.0)
    y = P.polynomial.polyval(x, c)
    assert float(y) == 17.0
    y.backward()
    np.testing.assert_allclose(_h(c.grad), [1.0, 2.0, 4.0])
    np.testing.assert_allclose(_h(x.grad), 14.0)


def test_chebval_and_chebyshev_class_by_hand(backend):
    # T0 = 1, T1 = x, T2 = 2x^2 - 1 at x = 0.5: 1, 0.5, -0.5; d/dx = c1 + 4 c2 x = 8
    c, x = _t([1.0, 2.0, 3.0]), _t(0.5)
    y = P.chebyshev.chebval(x, c)
    np.testing.assert_allclose(_h(y), 0.5)
    y.backward()
    np.testing.assert_allclose(_h(c.grad), [1.0, 0.5, -0.5])
    np.testing.assert_allclose(_h(x.grad), 8.0)
    c2 = _t([1.0, 2.0, 3.0])
    p = P.Chebyshev(c2, domain=[0, 2])  # 1.5 maps to 0.5
    assert isinstance(p, np.polynomial.Chebyshev)
    y = p(1.5)
    np.testing.assert_allclose(_h(y), 0.5)
    y.backward()
    np.testing.assert_allclose(_h(c2.grad), [1.0, 0.5, -0.5])
    # the derivative series on [0, 2]: d/dx = (c1 + 4 c2 u) * du/dx with u = x - 1
    np.testing.assert_allclose(_h(p.deriv()(1.5)), 8.0)


def test_numpys_polyval2d_on_tensors_is_recorded(backend):
    # c = ones((2, 2)): (1 + x)(1 + y); d/dx = 1 + y
    x, y = _t([1.0, 2.0]), _t([3.0, 4.0])
    out = np.polynomial.polynomial.polyval2d(x, y, np.ones((2, 2)))
    np.testing.assert_allclose(_h(out), [8.0, 15.0])
    gnp.sum(out).backward()
    np.testing.assert_allclose(_h(x.grad), [4.0, 5.0])
    np.testing.assert_allclose(_h(y.grad), [2.0, 3.0])


def test_fit_interpolates_and_differentiates_in_y_and_w(backend):
    # three points, degree 2: the fit interpolates, linear in y; weights do not change it
    xs = np.array([-1.0, 0.0, 1.0])
    y = _t([2.0, 1.0, 4.0])  # 1 + x + 2x^2
    c = P.polynomial.polyfit(xs, y, 2)
    np.testing.assert_allclose(_h(c), [1.0, 1.0, 2.0], atol=1e-12)
    c[2].backward()  # c2 = (y0 - 2 y1 + y2) / 2
    np.testing.assert_allclose(_h(y.grad), [0.5, -1.0, 0.5], atol=1e-12)
    check_grads(lambda y, w: P.hermite.hermfit(np.linspace(-1, 1, 7), y, 2, w=w),
                (np.cos(np.linspace(-1, 1, 7)), np.linspace(1, 2, 7)), order=1, modes=("rev",))


def test_int_with_a_lower_bound_is_differentiable_in_it(backend):
    # the antiderivative of 1 + 2x that is k at lbnd: k - lbnd - lbnd^2 + x + x^2
    c, k, lb = _t([1.0, 2.0]), _t(0.5), _t(0.25)
    out = P.polynomial.polyint(c, 1, [k], lb)
    np.testing.assert_allclose(_h(out), [0.5 - 0.25 - 0.0625, 1.0, 1.0])
    out[0].backward()
    np.testing.assert_allclose(_h(lb.grad), -1.5)
    np.testing.assert_allclose(_h(k.grad), 1.0)
    check_grads(lambda c, lb: P.laguerre.lagint(c, 2, [0.3], lb, 2.0),
                (np.array([0.5, -1.0, 2.0]), 0.2), order=1, modes=("rev",))


def test_roots_simple_and_repeated(backend):
    # roots of 2 - 3x + x^2: 1 and 2; d r / d c0 = -1 / p'(r) = 1, -1
    c = _t([2.0, -3.0, 1.0])
    r = P.polynomial.polyroots(c)
    np.testing.assert_allclose(_h(r), [1.0, 2.0])
    r[0].backward()
    np.testing.assert_allclose(_h(c.grad)[0], 1.0)
    r2 = P.polynomial.polyroots(_t([1.0, -2.0, 1.0]))
    with pytest.raises(Exception, match="repeated eigenvalue"):
        gnp.sum(r2).backward()


def test_chebval_under_jit_matches_eager(backend):
    f = ad.jit(lambda c, x: P.chebyshev.chebval(x, P.chebyshev.chebder(c)))
    c, x = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.1, 0.7])
    # derivative of c0 + c1 T1 + c2 T2 + c3 T3: c1 + 4 c2 x + c3 (12 x^2 - 3)
    want = 2.0 + 12.0 * x + 4.0 * (12 * x ** 2 - 3)
    for _ in range(2):
        np.testing.assert_allclose(_h(f(_t(c, False), _t(x, False))), want)


def test_gnp_poly1d_divides_and_composes_tensors(backend):
    # (a x^2 + b x + c) / (x + 1): quotient a x + (b - a), remainder c - b + a
    u = _t([1.0, 0.0, -1.0])
    quo, rem = gnp.poly1d(u) / gnp.poly1d([1.0, 1.0])
    assert isinstance(quo, np.poly1d)
    np.testing.assert_allclose(_h(quo.coeffs), [1.0, -1.0])
    np.testing.assert_allclose(_h(rem.coeffs), [0.0], atol=1e-15)
    (quo.coeffs[1] + 10 * rem.coeffs[0]).backward()
    np.testing.assert_allclose(_h(u.grad), [-1.0 + 10.0, 1.0 - 10.0, 10.0])
    # p(q) with p = x^2, q = a x + b: a^2 x^2 + 2 a b x + b^2; d(2 a b)/d(a, b) = (2 b, 2 a)
    s = _t([1.0, 3.0])
    comp = gnp.poly1d([1.0, 0.0, 0.0])(gnp.poly1d(s))
    np.testing.assert_allclose(_h(comp.coeffs), [1.0, 6.0, 9.0])
    comp.coeffs[1].backward()
    np.testing.assert_allclose(_h(s.grad), [6.0, 2.0])


def test_recorded_coefficients_that_are_zero_keep_their_derivative(backend):
    # (1 + 2x + 3x^2) - (0.5 + 2x + 3x^2) = 0.5: NumPy trims to [0.5]; at x the derivative of
    # the difference's value in c = (1, x, x^2) all the same
    c = _t([1.0, 2.0, 3.0])
    d = P.chebyshev.chebsub(c, [0.5, 2.0, 3.0])
    np.testing.assert_allclose(_h(d), [0.5, 0.0, 0.0])
    P.chebyshev.chebval(0.5, d).backward()  # T0, T1, T2 at 0.5
    np.testing.assert_allclose(_h(c.grad), [1.0, 0.5, -0.5])
    # a zero-initialised Polynomial squared: d/dc of (c(x))^2 is 2 c(x) B_k(x) = 0, not missing
    z = _t([0.0, 0.0])
    y = (P.Polynomial(z) ** 2)(2.0)
    assert len((P.Polynomial(z) ** 2).coef) == 3
    y.backward()
    np.testing.assert_allclose(_h(z.grad), [0.0, 0.0])
    with pytest.raises(ValueError, match="polyroots: the last coefficient"):
        P.polynomial.polyroots(_t([1.0, 2.0, 0.0]))
