"""What the third round of ported programs (tests/conformance/test_ports_programs_round3*.py)
found: checks that need no peer library."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _t(a, **kw):
    return ad.tensor(ad.get_backend().xp.asarray(a), **kw)


def test_gradcheck_keeps_a_0d_input_0d(backend):
    # the double-backward tutorial's gradgradcheck(Exp.apply, x) of a 0-d x: the perturbed
    # inputs were 1-d, so the outputs no longer matched the 0-d grad_outputs
    shapes = []

    def f(x):
        shapes.append(x.shape)
        return gnp.exp(x) * x

    x = _t(np.array(0.7), requires_grad=True)
    assert ad.autograd.gradcheck(f, (x,))
    assert ad.autograd.gradgradcheck(f, (x,))
    assert set(shapes) == {()}


def test_stax_general_conv_in_one_dimension(backend):
    # sentiment_analysis.py's Conv1d: GeneralConv(("NWC", "WIO", "NWC")) raised
    # NotImplementedError (2-D only)
    from gpuad.example_libraries import stax

    init, apply = stax.GeneralConv(("NWC", "WIO", "NWC"), 3, (2,), strides=(2,), padding="SAME")
    shape, (w, b) = init(ad.random.PRNGKey(0), (-1, 5, 4))
    assert shape == (-1, 3, 3) and w.shape == (2, 4, 3) and b.shape == (1, 1, 3)
    x = np.random.default_rng(0).standard_normal((2, 5, 4))
    wn, bn = np.asarray(to_numpy(w)), np.asarray(to_numpy(b))
    xp = np.pad(x, ((0, 0), (0, 1), (0, 0)))  # SAME: 5 -> 3 windows of 2, one zero after
    want = np.stack([xp[:, 2 * i:2 * i + 2] for i in range(3)], 1)
    want = np.einsum("nwkc,kco->nwo", want, wn) + bn
    np.testing.assert_allclose(to_numpy(apply((w, b), _t(x))), want, rtol=1e-12)
    check_grads(lambda x, w: apply((w, b), x), (x, wn), order=1, modes=("rev",))
    with pytest.raises(ValueError, match="dimension_numbers"):
        stax.GeneralConv(("NWC", "WIO", "NWC"), 3, (2, 2))


def test_misc_fixed_point_differentiates_to_second_order(backend):
    # autograd's examples/fixed_points.py needs autograd.misc.fixed_points.fixed_point
    from gpuad.misc import elementwise_grad
    from gpuad.misc.fixed_points import fixed_point

    def dist(x, y):
        return gnp.max(gnp.abs(x - y))

    def sqrt(a):
        return fixed_point(lambda a: lambda x: 0.5 * (x + a["v"] / x), a, _t(np.full(3, 10.0)),
                           dist, 1e-13)

    a = np.array([2.0, 3.0, 5.0])
    np.testing.assert_allclose(to_numpy(sqrt({"v": _t(a)})), np.sqrt(a), rtol=1e-13)
    g = ad.grad(lambda v: sqrt({"v": v}).sum())(_t(a))
    np.testing.assert_allclose(to_numpy(g), 0.5 / np.sqrt(a), rtol=1e-11)
    gg = elementwise_grad(elementwise_grad(lambda v: sqrt({"v": v})))(_t(a))
    np.testing.assert_allclose(to_numpy(gg), -0.25 * a**-1.5, rtol=1e-9)
    # the result does not depend on the starting point
    g0 = ad.grad(lambda x0: fixed_point(lambda a: lambda x: 0.5 * (x + a / x), _t(a), x0, dist,
                                        1e-13).sum())(_t(np.full(3, 4.0)))
    np.testing.assert_array_equal(to_numpy(g0), 0)


def test_parametrize_cached_and_the_registration_check(backend):
    # the parametrizations tutorial: parametrize.cached() was missing, and a parametrization
    # that changes the tensor's shape was taken without torch's check
    from gpuad import nn
    from gpuad.nn.utils import parametrize

    calls = []

    class Noisy(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 2

    layer = nn.Linear(3, 3)
    parametrize.register_parametrization(layer, "weight", Noisy())
    assert len(calls) == 1  # evaluated once to check it, as torch
    w = to_numpy(layer.parametrizations.weight.original) * 2
    with parametrize.cached():
        a, b = layer.weight, layer.weight
        assert a is b and len(calls) == 2
        np.testing.assert_allclose(to_numpy(a), w)
    layer.weight  # noqa: B018
    assert len(calls) == 3

    class Row(nn.Module):
        def forward(self, X):
            return X[:1]

    with pytest.raises(ValueError, match="Row changes the shape"):
        parametrize.register_parametrization(nn.Linear(3, 3), "weight", Row())
    layer = nn.Linear(3, 3)
    parametrize.register_parametrization(layer, "weight", Noisy())
    with pytest.raises(ValueError, match="Row changes the shape"):
        parametrize.register_parametrization(layer, "weight", Row())
    layer = parametrize.register_parametrization(nn.Linear(3, 3), "weight", Row(), unsafe=True)
    assert layer.weight.shape == (1, 3)


def test_bitcast_of_a_0d_array_stays_0d(backend):
    # found with the gradcheck fix (the same ascontiguousarray of a 0-d array):
    # lax.bitcast_convert_type(float64 0-d, int64) had shape (1,); JAX's is ()
    from gpuad import lax

    xp = ad.get_backend().xp
    r = lax.bitcast_convert_type(xp.asarray(np.array(1.5)), np.int64)
    assert r.shape == ()
    assert int(to_numpy(r)) == int(np.array(1.5).view(np.int64))
    assert ad.jit(lambda x: lax.bitcast_convert_type(x, np.int64))(xp.asarray(1.5)).shape == ()
