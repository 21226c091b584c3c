"""Slopes of the ufuncs outside their real domain and at the edges NumPy's test_umath probes
(tests/conformance/test_numpy_umath_suite.py sweeps them all): where the value is NaN for an
input that is not, the slope is NaN in reverse and forward mode, never the finite number the
formula gives there; inside the domain, the hand-derived derivative."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _xp():
    return ad.get_backend().xp


def _rev(f, x):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return to_numpy(ad.grad(lambda t: gnp.sum(f(t)))(ad.tensor(_xp().asarray(x))))


def _fwd(f, x):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        xb = _xp().asarray(x)
        return to_numpy(ad.jvp(f, (ad.tensor(xb),), (ad.tensor(_xp().ones_like(xb)),))[1])


# (function, points outside the domain, points inside with their hand-derived slopes)
CASES = {
    "log": ([-1.0, -0.5, -1e300, -np.inf], [(2.0, 0.5), (0.0, np.inf), (np.inf, 0.0)]),
    "log2": ([-1.0, -2.0, -np.inf], [(2.0, 1 / (2 * math.log(2))), (0.0, np.inf)]),
    "log10": ([-1.0, -1e-30, -np.inf], [(10.0, 1 / (10 * math.log(10))), (0.0, np.inf)]),
    "log1p": ([-2.0, -30.0, -np.inf], [(1.0, 0.5), (-1.0, np.inf), (-0.5, 2.0)]),
    "arccosh": ([-2.0, -1.0, 0.0, 0.5, -1e300, -np.inf],
                [(2.0, 1 / math.sqrt(3)), (1.0, np.inf), (1e300, 1e-300), (np.inf, 0.0)]),
    "arctanh": ([2.0, -3.0, 1e300, np.inf, -np.inf],
                [(0.5, 4 / 3), (1.0, np.inf), (-1.0, np.inf), (0.0, 1.0)]),
}


@pytest.mark.parametrize("dt", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CASES))
def test_slope_is_nan_outside_the_domain(backend, name, dt):
    # before: log'(-1) = -1, log1p'(-2) = -1, arccosh'(-2) = 1/sqrt(3), arctanh'(2) = -1/3,
    # arctanh'(inf) = -0: finite slopes of a NaN value
    f = getattr(gnp, name)
    out, inside = CASES[name]
    x = np.array(out, dt)
    assert np.isnan(_rev(f, x)).all() and np.isnan(_fwd(f, x)).all()
    xi = np.array([p for p, _ in inside], dt)
    want = np.array([d for _, d in inside], np.float64)
    for got in (_rev(f, xi), _fwd(f, xi)):
        assert got.dtype == dt
        np.testing.assert_allclose(got.astype(np.float64), want.astype(dt),
                                   rtol=1e-6 if dt == np.float32 else 1e-14)


def test_arccosh_slope_does_not_underflow_at_the_largest_numbers(backend):
    # 1/sqrt(x*x - 1) overflowed x*x and gave 0 at 1e300; the slope is 1/x
    np.testing.assert_allclose(_rev(gnp.arccosh, np.array([1e300, 1e200])), [1e-300, 1e-200],
                               rtol=1e-14)


def test_where_guard_still_zeroes_the_unselected_branch(backend):
    # the NaN slope off the domain stays inside the branch not taken
    x = np.array([-1.0, 0.5, 4.0])
    for f in (gnp.log, gnp.log1p, gnp.arccosh, gnp.arctanh):
        g = _rev(lambda t, f=f: gnp.where(t > 0.9, f(gnp.where(t > 0.9, t, 2.0)), 0.0), x)
        assert g[0] == 0 and g[1] == 0


def test_second_derivative_inside_the_domain(backend):
    # d2/dx2 log x = -1/x^2, d2/dx2 arctanh x = 2x/(1-x^2)^2 (the choice stays differentiable)
    h = ad.grad(ad.grad(gnp.log))(ad.tensor(2.0))
    np.testing.assert_allclose(to_numpy(h), -0.25, rtol=1e-14)
    h = ad.grad(ad.grad(gnp.arctanh))(ad.tensor(0.5))
    np.testing.assert_allclose(to_numpy(h), 1.0 / 0.5625, rtol=1e-14)


def test_complex_values_keep_their_slope(backend):
    # complex log is holomorphic off 0: slope 1/z at z = -2 (real negative), not NaN
    z = np.array([-2.0 + 0j, -1.0 - 1j])
    t = to_numpy(ad.jvp(gnp.log, (ad.tensor(_xp().asarray(z)),),
                        (ad.tensor(_xp().ones(2, complex)),))[1])
    np.testing.assert_allclose(t, 1 / z, rtol=1e-14)
    t = to_numpy(ad.jvp(gnp.arctanh, (ad.tensor(_xp().asarray(z + 4)),),
                        (ad.tensor(_xp().ones(2, complex)),))[1])
    np.testing.assert_allclose(t, 1 / (1 - (z + 4) ** 2), rtol=1e-14)


def test_remainder_slope_in_the_divisor_is_nan_where_the_value_is(backend):
    # remainder(x, 0) and remainder(inf, y) are NaN; the slope in y was -floor(x/0) = -+inf
    # (fmod's already NaN); elsewhere it is -floor(x / y), the value's own quotient
    x = np.array([1.0, -1.0, np.inf, 7.0, -7.0, -1.0])
    y = np.array([0.0, -0.0, 2.0, 2.0, 2.0, np.inf])
    xt = ad.tensor(_xp().asarray(x))
    for f in (lambda b: gnp.remainder(xt, b), lambda b: xt % b, lambda b: gnp.mod(xt, b)):
        g = _rev(f, y)
        np.testing.assert_array_equal(np.isnan(g), [True, True, True, False, False, False])
        np.testing.assert_array_equal(g[3:], [-3.0, 4.0, 1.0])
        np.testing.assert_array_equal(np.isnan(_fwd(f, y)), np.isnan(g))


def test_unary_plus_of_a_boolean_tensor_raises(backend):
    # +x on a bool array is a TypeError in NumPy (and torch); +Tensor returned it silently
    with pytest.raises(TypeError, match="boolean"):
        +ad.tensor(_xp().asarray([True, False]))
    t = ad.tensor(_xp().asarray([1.0, -2.0]))
    assert (+t) is t
