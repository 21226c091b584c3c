"""torch-named elementwise Tensor methods at the points where a formula loses the exact answer:
``ldexp`` with integer exponents at the ends of the float range, ``lerp`` at weight 1 and with
an infinite end, ``logit(eps)`` outside ``[eps, 1 - eps]`` and ``polygamma``'s dtype. The
references are NumPy's own ``ldexp``, the definitions and float64 central differences;
tests/conformance/test_torch_ufunc_refs.py compares the same points with torch."""

from __future__ import annotations

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

INF, NAN = np.inf, np.nan


def _t(a, grad=False):
    return ad.tensor(ad.get_backend().xp.asarray(np.asarray(a)), requires_grad=grad)


def _grad(fn, *xs):
    ts = [_t(x, grad=True) for x in xs]
    gnp.sum(fn(*ts)).backward()
    return [to_numpy(t.grad) for t in ts]


def _central(fn, x, h=1e-6):
    """Elementwise derivative of an elementwise ``fn`` by float64 central differences."""
    with ad.no_grad():
        return (to_numpy(fn(_t(x + h))) - to_numpy(fn(_t(x - h)))) / (2 * h)


def test_ldexp_integer_exponents_exact_at_the_ends_of_the_range(backend):
    m = np.array([1.0, -0.0, INF, 0.75, 3.0, -0.5])
    e = np.array([0, 1025, -1080, -1074, 1023, 1])
    want = np.ldexp(m, e)  # -0.0 and inf, where m * 2.0**e is 0 * inf = NaN
    for other in (_t(e), e, _t(e.astype(np.int32))):
        got = to_numpy(_t(m).ldexp(other))
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))
    (g,) = _grad(lambda x: x.ldexp(_t(e)), m)
    np.testing.assert_array_equal(g, np.ldexp(1.0, e))
    f32 = _t(m.astype(np.float32)).ldexp(_t(e.astype(np.int32)))
    assert f32.dtype == np.float32
    assert to_numpy(_t([3, 5]).ldexp(2)).tolist() == [12.0, 20.0]
    # a fractional exponent stays differentiable in the exponent
    _, ge = _grad(lambda x, y: x.ldexp(y), np.array([1.5]), np.array([0.5]))
    np.testing.assert_allclose(ge, 1.5 * 2 ** 0.5 * np.log(2), rtol=1e-12)


def test_lerp_rounds_from_the_nearer_end(backend):
    a = np.array([0.1, 1e-3, 3.0, -7.1, 0.7])
    b = np.array([0.3, 5e8, -2.2, 1e-17, 0.1])
    np.testing.assert_array_equal(to_numpy(_t(a).lerp(_t(b), 1.0)), b)
    np.testing.assert_array_equal(to_numpy(_t(a).lerp(_t(b), _t(np.ones(5)))), b)
    np.testing.assert_array_equal(to_numpy(_t(a).lerp(_t(b), 0.0)), a)
    w = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(to_numpy(_t(a).lerp(_t(b), _t(w))), a + w * (b - a), rtol=1e-15)
    # an infinite end: the limit for every weight (0 * inf never enters)
    got = to_numpy(_t([0.0, 0.0, 1.0]).lerp(_t([INF, INF, -INF]), _t([0.25, 1.0, 0.75])))
    np.testing.assert_array_equal(got, [INF, INF, -INF])
    ga, gb, gw = _grad(lambda x, y, z: x.lerp(y, z), a, b, w)
    np.testing.assert_allclose(ga, 1 - w, rtol=1e-15)
    np.testing.assert_allclose(gb, w, rtol=1e-15)
    np.testing.assert_allclose(gw, b - a, rtol=1e-15)


def test_logit_eps_has_no_gradient_outside_the_clamp(backend):
    p = np.array([-0.5, 0.0, 1e-7, 0.25, 1.0, 1.5, NAN])
    for eps in (0.0, 1e-6):
        (g,) = _grad(lambda x, eps=eps: x.logit(eps), p)
        inside = (p >= eps) & (p <= 1 - eps)
        with np.errstate(divide="ignore"):
            want = np.where(inside, 1 / (p * (1 - p)), 0.0)
        want[np.isnan(p)] = NAN
        np.testing.assert_allclose(g, want, rtol=1e-12)
        assert np.isfinite(g[~inside & ~np.isnan(p)]).all()
    x = np.array([0.3, 0.6])
    (g,) = _grad(lambda t: t.logit(1e-6), x)
    np.testing.assert_allclose(g, _central(lambda t: t.logit(1e-6), x), rtol=1e-7)
    # torch's order of the two bounds when eps > 0.5: below eps first
    np.testing.assert_allclose(to_numpy(_t([0.1, 0.9]).logit(0.6)), np.log(1.5) * np.array(
        [1.0, -1.0]), rtol=1e-12)


def test_polygamma_keeps_a_float32_tensor_float32(backend):
    x = np.array([0.5, 1.0, 3.7], np.float32)
    for n in (0, 1, 3):
        r = _t(x).polygamma(n)
        assert r.dtype == np.float32, n
        wide = to_numpy(_t(x.astype(np.float64)).polygamma(n))
        np.testing.assert_allclose(to_numpy(r), wide, rtol=1e-6)
    (g,) = _grad(lambda t: t.polygamma(1), x)
    assert g.dtype == np.float32


def test_expm1_gradient_keeps_its_digits_for_large_negative_inputs(backend):
    x = np.array([-37.0, -50.0, -700.0, -1.0, 0.0, 2.0])
    (g,) = _grad(gnp.expm1, x)
    np.testing.assert_allclose(g, np.exp(x), rtol=1e-14)  # ans + 1 gave 1.1e-16 at -37
    (g,) = _grad(lambda t: t.expm1(), x)
    np.testing.assert_allclose(g, np.exp(x), rtol=1e-14)
    _, t = ad.jvp(gnp.expm1, (_t(x),), (_t(np.ones(6)),))
    np.testing.assert_allclose(to_numpy(t), np.exp(x), rtol=1e-14)


def test_angle_of_real_values_has_zero_gradient_also_at_infinities(backend):
    x = np.array([-1.0, 0.0, -0.0, 2.0, -INF, INF])
    (g,) = _grad(gnp.angle, x)
    np.testing.assert_array_equal(g, np.zeros(6))  # -inf gave NaN (i x / x^2)
    _, t = ad.jvp(gnp.angle, (_t(x),), (_t(np.ones(6)),))
    np.testing.assert_array_equal(to_numpy(t), np.zeros(6))


def test_sigmoid_of_complex_values(backend):
    import gpuad.nn.functional as F
    from gpuad.testing import check_grads

    z = np.array([0.5 + 0.5j, -1.2 + 0.7j, 30 - 2j, -0.3 - 1.1j])
    want = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(to_numpy(_t(z).sigmoid()), want, rtol=1e-14)
    np.testing.assert_allclose(to_numpy(F.sigmoid(_t(z))), want, rtol=1e-14)
    check_grads(lambda t: t.sigmoid(), (_t(z),), order=1, modes=("rev",))


def test_threshold_activations_refuse_complex_input(backend):
    import gpuad.nn as nn
    import gpuad.nn.functional as F

    z = _t(np.array([0.5 + 1j, -0.3 - 2j]))
    calls = {"relu": lambda: F.relu(z), "relu_inplace": lambda: F.relu(z, inplace=True),
             "relu6": lambda: F.relu6(z), "leaky_relu": lambda: F.leaky_relu(z),
             "hardtanh": lambda: F.hardtanh(z), "elu": lambda: F.elu(z), "selu": lambda: F.selu(z),
             "celu": lambda: F.celu(z), "hardswish": lambda: F.hardswish(z),
             "hardsigmoid": lambda: F.hardsigmoid(z), "softshrink": lambda: F.softshrink(z),
             "hardshrink": lambda: F.hardshrink(z), "rrelu": lambda: F.rrelu(z),
             "threshold": lambda: F.threshold(z, 0.1, 2.0), "ReLU": lambda: nn.ReLU()(z),
             "prelu": lambda: F.prelu(z, _t(np.array([0.25]))), "Tensor.relu": z.relu}
    for name, call in calls.items():
        try:
            call()
        except TypeError as e:
            assert "complex input is not supported" in str(e), name
        else:  # NumPy orders complex numbers lexicographically: a meaningless result
            raise AssertionError(f"{name} took a complex input")
    # silu and sigmoid have complex values (torch's too)
    want = to_numpy(z) / (1 + np.exp(-to_numpy(z)))
    np.testing.assert_allclose(to_numpy(F.silu(z)), want, rtol=1e-14)


def test_divide_takes_rounding_mode_and_in_place_forms_exist(backend):
    a, b = np.array([7.0, -7.0, 5.5, -0.5]), np.array([2.0, 2.0, -2.0, 0.25])
    np.testing.assert_array_equal(to_numpy(_t(a).divide(_t(b), rounding_mode="floor")),
                                  np.floor_divide(a, b))
    np.testing.assert_array_equal(to_numpy(_t(a).divide(_t(b), rounding_mode="trunc")),
                                  np.trunc(a / b))
    x = _t(a.copy())
    assert x.divide_(_t(b), rounding_mode="floor") is x
    np.testing.assert_array_equal(to_numpy(x), np.floor_divide(a, b))
    i, j = np.array([12, -7, 5, 3]), np.array([18, 2, -2, 1])
    for name, want in (("gcd_", np.gcd(i, j)), ("lcm_", np.lcm(i, j)),
                       ("bitwise_xor_", i ^ j), ("bitwise_left_shift_", i << np.abs(j)),
                       ("eq_", (i == j).astype(i.dtype))):
        t = _t(i.copy())
        getattr(t, name)(_t(np.abs(j)) if "shift" in name else _t(j))
        np.testing.assert_array_equal(to_numpy(t), want, err_msg=name)
    p = np.array([0.2, 0.7])
    for name, want in (("logit_", np.log(p / (1 - p))), ("xlogy_", p * np.log(2.0)),
                       ("ldexp_", p * 8)):
        t = _t(p.copy())
        arg = () if name == "logit_" else (_t(np.array([2.0, 2.0])),) if name == "xlogy_" \
            else (_t(np.array([3, 3])),)
        getattr(t, name)(*arg)
        np.testing.assert_allclose(to_numpy(t), want, rtol=1e-14, err_msg=name)


def test_polygamma_refuses_a_negative_or_fractional_order(backend):
    import pytest

    for n in (-1, 1.5, True):
        with pytest.raises(ValueError, match="non-negative int"):
            _t(np.array([0.5, 2.0])).polygamma(n)  # SciPy's polygamma gives NaN


def test_tensor_of_a_tensor_that_requires_grad_refuses(backend):
    import pytest

    with pytest.raises(TypeError, match="requires grad"):  # it returned a silent zero gradient
        ad.grad(lambda x: gnp.sum(ad.tensor(x) ** 2))(np.array([1.0, 2.0]))
    t = _t(np.array([1.0, 2.0]), grad=True)
    with pytest.raises(TypeError, match="t.detach"):
        ad.tensor(t * 2)
    np.testing.assert_array_equal(to_numpy(ad.tensor(t.detach())), [1.0, 2.0])
    np.testing.assert_array_equal(to_numpy(ad.tensor(_t(np.array([3.0])))), [3.0])
