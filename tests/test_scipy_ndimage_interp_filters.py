"""gpuad.scipy.ndimage's spline interpolation (shift, zoom, affine_transform, rotate,
geometric_transform, map_coordinates orders 2-5, spline_filter) and the filters added beside
the convolutions (sobel, laplace, order-statistic filters): values derived by hand (B-spline
weights, sums of shifted copies, shares at ties) and derivatives against float64 central
differences. SciPy's own tests are ported in tests/conformance/test_scipy_ndimage_suite.py.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("scipy")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.scipy import ndimage as gndi  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402


def host(a):
    a = a.data if isinstance(a, ad.Tensor) else a
    return np.asarray(a.get() if hasattr(a, "get") else a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def test_cubic_weights_and_prefilter_by_hand(backend):
    # the cubic B-spline at t from a knot: (1-t)^3/6, 2/3 - t^2 + t^3/2, ..., t^3/6
    t = 0.3
    w = [(1 - t) ** 3 / 6, 2 / 3 - t ** 2 + t ** 3 / 2, 2 / 3 - (1 - t) ** 2 + (1 - t) ** 3 / 2,
         t ** 3 / 6]
    coef = np.array([0.0, 1.0, 4.0, 2.0, -1.0, 3.0])
    got = host(gndi.map_coordinates(dev(coef), [dev(np.array([2.3]))], order=3,
                                    prefilter=False, mode="mirror"))
    np.testing.assert_allclose(got, [coef[1:5] @ w], rtol=1e-14)
    # with the prefilter the spline interpolates: the values at the grid points come back
    # (not quite for 'reflect' on a short line: SciPy's prefilter starts from a truncated sum)
    x = np.array([3.0, -1.0, 2.0, 5.0, 0.5])
    for order in (2, 3, 4, 5):
        for mode in ("mirror", "grid-wrap", "nearest", "grid-constant", "constant"):
            got = host(gndi.map_coordinates(dev(x), [dev(np.arange(5.0))], order=order,
                                            mode=mode))
            np.testing.assert_allclose(got, x, atol=1e-9, err_msg=f"{order} {mode}")
    # the mirror prefilter of a constant is the constant (the B-spline weights sum to 1)
    np.testing.assert_allclose(host(gndi.spline_filter(dev(np.full((3, 4), 2.5)))), 2.5)


def test_modes_past_the_edges_by_hand(backend):
    x = dev(np.array([1.0, 2.0, 3.0, 4.0]))
    out = lambda mode: host(gndi.shift(x, -2.5, order=1, mode=mode, cval=-1.0))  # noqa: E731
    # samples at 2.5, 3.5, 4.5, 5.5
    np.testing.assert_allclose(out("constant"), [3.5, -1, -1, -1])
    np.testing.assert_allclose(out("grid-constant"), [3.5, 1.5, -1, -1])  # (4 + cval) / 2
    np.testing.assert_allclose(out("nearest"), [3.5, 4, 4, 4])
    np.testing.assert_allclose(out("reflect"), [3.5, 4, 3.5, 2.5])  # ... 4 | 4 3 2 1
    np.testing.assert_allclose(out("mirror"), [3.5, 3.5, 2.5, 1.5])  # ... 4 | 3 2 1 2
    np.testing.assert_allclose(out("grid-wrap"), [3.5, 2.5, 1.5, 2.5])  # ... 4 | 1 2 3 4
    np.testing.assert_allclose(out("wrap"), [3.5, 1.5, 2.5, 3.5])  # SciPy's period n - 1


def test_transforms_by_hand(backend):
    a = np.arange(12.0).reshape(3, 4)
    # rotate by 90 degrees: the transpose read backwards (exact, cosdg/sindg)
    np.testing.assert_array_equal(host(gndi.rotate(dev(a), 90, order=1)), np.rot90(a))
    np.testing.assert_allclose(host(gndi.rotate(dev(a), 180, reshape=False, order=3)),
                               a[::-1, ::-1], atol=1e-12)
    # the four matrix forms of one transform: out[i, j] = a[i, j - 1] (cval 0 at j = 0)
    want = np.hstack([np.zeros((3, 1)), a[:, :3]])
    h = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -1.0], [0.0, 0.0, 1.0]])
    for m, off in [(np.eye(2), (0, -1)), (np.ones(2), (0, -1)), (h[:2], 0.0), (h, 0.0)]:
        np.testing.assert_allclose(host(gndi.affine_transform(dev(a), dev(m), off, order=2)),
                                   want, atol=1e-12)
    # zoom by 2 of [0, 3] at order 1 (no grid mode): ends kept, 1/3 steps in between
    np.testing.assert_allclose(host(gndi.zoom(dev(np.array([0.0, 3.0])), 2, order=1)),
                               [0, 1, 2, 3])
    # grid_mode aligns the pixel edges: samples at (k + 0.5) / 2 - 0.5
    np.testing.assert_allclose(host(gndi.zoom(dev(np.array([0.0, 4.0])), 2, order=1,
                                              mode="nearest", grid_mode=True)), [0, 1, 3, 4])
    got = host(gndi.geometric_transform(dev(a), lambda o: (o[0], o[1] + 0.5), order=1))
    np.testing.assert_allclose(got[:, :3], (a[:, :3] + a[:, 1:]) / 2)


def test_filters_by_hand(backend):
    x = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 1.0]])
    # sobel along axis 1, reflect: [-1 0 1] across, then [1 2 1] down
    d = np.pad(x, ((0, 0), (1, 1)), mode="symmetric")
    d = d[:, 2:] - d[:, :-2]
    p = np.pad(d, ((1, 1), (0, 0)), mode="symmetric")
    np.testing.assert_allclose(host(gndi.sobel(dev(x), 1)), p[:-2] + 2 * p[1:-1] + p[2:])
    lap = np.pad(x, 1, mode="edge")
    lap = (lap[:-2, 1:-1] + lap[2:, 1:-1] + lap[1:-1, :-2] + lap[1:-1, 2:] - 4 * x)
    np.testing.assert_allclose(host(gndi.laplace(dev(x), mode="nearest")), lap)
    v = dev(np.array([5.0, 1.0, 4.0, 2.0, 3.0]))
    np.testing.assert_allclose(host(gndi.maximum_filter1d(v, 3, mode="constant")),
                               [5, 5, 4, 4, 3])
    np.testing.assert_allclose(host(gndi.median_filter(v, 3, mode="nearest")),
                               [5, 4, 2, 3, 3])
    np.testing.assert_allclose(host(gndi.rank_filter(v, 1, footprint=[1, 0, 1])),
                               [5, 5, 2, 4, 3])  # the larger of the two neighbours
    np.testing.assert_allclose(host(gndi.uniform_filter1d(v, 2, mode="wrap")),
                               [4, 3, 2.5, 3, 2.5])


def test_tie_shares(backend):
    # maximum/minimum filters split a tie evenly (gnp.max's convention); rank filters give the
    # element the sort puts at the rank
    x = dev(np.array([3.0, 3.0, 1.0]))
    g = host(ad.grad(lambda a: gndi.maximum_filter1d(a, 3, mode="constant", cval=0.0)[1])(x))
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0])
    g = host(ad.grad(lambda a: gndi.minimum_filter(a, footprint=[1, 1, 0], mode="nearest")[1])(
        dev(np.array([2.0, 2.0, 0.0]))))
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0])
    g = host(ad.grad(lambda a: gndi.median_filter(a, 3, mode="nearest")[1])(x))
    assert sorted(g) == [0.0, 0.0, 1.0] and g[2] == 0.0


def test_derivatives_against_differences(backend):
    rng = np.random.default_rng(4)
    x = dev(rng.standard_normal((4, 5)))
    check_grads(lambda a, s, c: gndi.shift(a, s, order=3, mode="grid-constant", cval=c),
                (x, dev(np.array([0.4, -1.3])), dev(np.array(0.7))), order=2)
    check_grads(lambda a, m, o: gndi.affine_transform(a, m, o, order=2, mode="reflect"),
                (x, dev(np.array([[0.9, 0.2], [-0.1, 1.1]])), dev(np.array([0.3, -0.6]))),
                order=1)
    check_grads(lambda a, t: gndi.rotate(a, t, order=3, mode="nearest", reshape=False),
                (x, dev(np.array(17.0))), order=1)
    c = np.floor(rng.uniform(-2, 6, (2, 6))) + rng.uniform(0.6, 0.9, (2, 6))
    check_grads(lambda a, cc: gndi.map_coordinates(a, cc, order=4, mode="mirror"),
                (x, dev(c)), order=2)
    check_grads(lambda a: gndi.spline_filter1d(a, 5, axis=0, mode="grid-wrap"), (x,), order=1)
    check_grads(lambda a, cv: gndi.median_filter(a, (2, 3), mode="constant", cval=cv),
                (x, dev(np.array(0.2))), order=1)
    check_grads(lambda a, s: gndi.gaussian_gradient_magnitude(a, s, radius=2), (x, dev(
        np.array(0.9))), order=1)


def test_gradient_magnitude_at_zero_is_zero(backend):
    # the magnitude's derivative where every derivative vanishes: 0 (norm's choice), not NaN
    g = host(ad.grad(lambda a: gnp.sum(gndi.generic_gradient_magnitude(a, gndi.sobel)))(
        dev(np.ones((3, 3)))))
    np.testing.assert_array_equal(g, np.zeros((3, 3)))


def test_values_read_per_call_refuse_batching_clearly(backend):
    x = dev(np.ones((2, 4, 5)))
    sig = dev(np.array([0.8, 1.1]))
    with pytest.raises(ValueError, match="gaussian_filter1d: sigma .* inside vmap"):
        ad.vmap(lambda a, s: gndi.gaussian_filter1d(a, s))(x, sig)
    with pytest.raises(ValueError, match="rotate: angle .* inside vmap"):
        ad.vmap(lambda a, t: gndi.rotate(a, t))(x, dev(np.array([10.0, 20.0])))
    got = host(ad.vmap(lambda a, t: gndi.rotate(a, t, reshape=False, order=1))(
        x, dev(np.array([10.0, 20.0]))))
    assert got.shape == (2, 4, 5)


def test_label_and_bad_arguments_say_what_to_do(backend):
    with pytest.raises(AttributeError, match="label.*integer labels.*scipy.ndimage.label"):
        gndi.label  # noqa: B018
    with pytest.raises(RuntimeError, match="shift: spline order not supported: 6"):
        gndi.shift(dev(np.ones(3)), 1.0, order=6)
    with pytest.raises(RuntimeError, match="rank_filter: rank 9 not within .* size 9"):
        gndi.rank_filter(dev(np.ones((3, 3))), 9, size=3)
    with pytest.raises(ValueError, match="rotate: invalid rotation plane"):
        gndi.rotate(dev(np.ones((3, 3))), 30, axes=(0, 2))
    with pytest.raises(ValueError, match="homogeneous"):
        gndi.affine_transform(dev(np.ones((3, 3))), np.array([[1, 0, 0], [0, 1, 0],
                                                              [1, 0, 1.0]]))


def test_empty_inputs_give_empty_results(backend):
    # was: ValueError "can't extend empty axis 0" from the padding (SciPy returns the empty array)
    e = dev(np.zeros((0, 4)))
    for call in (lambda: gndi.correlate(e, np.ones((2, 2))), lambda: gndi.sobel(e),
                 lambda: gndi.uniform_filter(e, 3), lambda: gndi.maximum_filter(e, 3),
                 lambda: gndi.median_filter(e, 3), lambda: gndi.shift(e, 0.5)):
        assert host(call()).shape == (0, 4)


def test_integer_results_are_rounded_and_clamped(backend):
    # a cubic overshoots 255 between two 255s: the uint8 result clamps (was: wrapped round to
    # small values), rounds half away from zero and clamps at 0 below
    x = np.array([0, 255, 255, 0, 0, 255], np.uint8)
    c = np.array([[1.5, 3.5, 0.3]])
    f = host(gndi.map_coordinates(dev(x.astype(float)), c, order=3, mode="mirror"))
    assert f[0] > 255 and f[1] < 0
    got = host(gndi.map_coordinates(dev(x), c, order=3, mode="mirror"))
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, [255, 0, np.floor(f[2] + 0.5)])
