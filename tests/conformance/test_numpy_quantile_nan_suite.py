"""NumPy's quantile tests (numpy/lib/tests/test_function_base.py: TestPercentile,
TestQuantile, TestMedian) where tests/conformance/test_numpy_lib_suite.py does not already
cover them, and NumPy's test_nanfunctions.py, run on gpuad.numpy and on NumPy with the same
inputs: values, dtypes, shapes and exception classes. Gradients are compared with
``jax.grad`` of ``jax.numpy.quantile`` (methods linear, lower, higher, midpoint, nearest and
weighted inverted_cdf), with ``torch.quantile`` through ``Tensor.quantile`` (its
``interpolation=`` modes) and with float64 central differences for every method.

Where gpuad deliberately differs from a peer:

- gpuad's values are NumPy's. JAX's ``nearest`` rounds a virtual index ``k + 1/2`` down
  where NumPy rounds it to the even neighbour, and JAX's ``linear``/``midpoint`` at an
  infinite order statistic give ``inf`` where NumPy's ``inf - inf`` gives NaN; those points
  are left out of the gradient comparison with JAX (the gradient goes to the element NumPy's
  value takes);
- among tied values the gradient goes to the one a stable sort puts at the chosen position,
  as in JAX; torch's sort is not stable and may choose another of the tied elements, so
  torch is compared at tie-free points;
- ``nanquantile``/``nanpercentile`` with weights of ``a``'s shape along ``axis``: NumPy 2.4
  raises IndexError (its per-slice loop indexes those weights as if of ``a``'s full shape);
  gpuad gives NumPy's answer for the same weights spelled out at ``a``'s full shape;
- weights are constants: the result is piecewise constant in them (a Tensor of weights gets
  a zero gradient, the derivative wherever it exists), as NumPy's values do not move;
- the ``nan*`` reductions give NaN for an all-NaN slice without NumPy's RuntimeWarning (see
  test_numpy_lib_suite.py);
- not ported: object and ``Fraction`` arrays, ``longdouble``, datetimes (no such dtypes on
  the GPU), ``overwrite_input=True`` (accepted; gpuad never writes into the input) and
  ndarray subclasses.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
torch = pytest.importorskip("torch")
jax.config.update("jax_enable_x64", True)

METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "nearest", "lower", "higher", "midpoint"]
INTERPOLATING = ["averaged_inverted_cdf", "interpolated_inverted_cdf", "hazen", "weibull",
                 "linear", "median_unbiased", "normal_unbiased", "midpoint"]
JAX_METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]
INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOATS = [np.float16, np.float32, np.float64]


def _xp():
    return ad.get_backend().xp


def _dev(a):
    return _xp().asarray(a) if isinstance(a, np.ndarray) else a


def _run(fn, *args, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kw), None
        except Exception as e:  # noqa: BLE001 (the exception is what is compared)
            return None, e


def _same(want, got, where, exact=False):
    w, g = np.asarray(want), np.asarray(to_numpy(got) if got is not None else got)
    assert g.shape == w.shape, f"{where}: shape {g.shape}, NumPy {w.shape}"
    assert g.dtype == w.dtype, f"{where}: dtype {g.dtype}, NumPy {w.dtype}"
    if exact or w.dtype.kind not in "fc":
        np.testing.assert_array_equal(g, w, err_msg=where)
    else:
        tol = {2: 1e-3, 4: 1e-6}.get(w.dtype.itemsize, 1e-13)
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol, equal_nan=True, err_msg=where)


def check(name, *args, exact=False, **kw):
    """NumPy's ``name(*args, **kw)`` and gpuad's on backend arrays: the same value, dtype
    and shape, or the same exception class."""
    want, we = _run(getattr(np, name), *args, **kw)
    got, ge = _run(getattr(gnp, name), *[_dev(a) for a in args],
                   **{k: _dev(v) for k, v in kw.items()})
    where = f"{name}{tuple(np.shape(a) for a in args)} {kw}"
    if we is not None:
        assert isinstance(ge, type(we)), f"{where}: NumPy raised {we!r}, gpuad {ge!r}"
        return None
    assert ge is None, f"{where}: gpuad raised {ge!r}"
    _same(want, got, where, exact)
    return got


# ---- values: TestPercentile, TestQuantile, TestMedian ------------------------------------


@pytest.mark.parametrize("dtype", INTS + FLOATS)
def test_hyndman_fan_table(backend, dtype):
    """test_linear_interpolation: each method on [15, 20, 35, 40, 50] at 40 % (weighted
    inverted_cdf too), NumPy's values and dtypes (the data's for the methods that take a
    value, float64 for integer data otherwise)."""
    arr = np.asarray([15.0, 20.0, 35.0, 40.0, 50.0]).astype(dtype)
    for m in METHODS:
        check("quantile", arr, 0.4, method=m)
        check("percentile", arr, 40.0, method=m)
        check("nanquantile", arr, 0.4, method=m)
    check("quantile", arr, 0.4, method="inverted_cdf", weights=np.ones_like(arr))
    check("nanpercentile", arr, 40.0, method="inverted_cdf", weights=np.ones_like(arr))
    a10 = np.arange(10).astype(dtype)
    for m, q in [("lower", 50), ("higher", 50), ("midpoint", 51), ("nearest", 51),
                 ("nearest", 49)]:
        check("percentile", a10, q, method=m)
    check("percentile", (np.arange(9) + 1).astype(dtype), 50, method="midpoint")
    check("percentile", np.arange(11).astype(dtype), [50, 51], method="midpoint")
    if dtype in INTS:
        check("quantile", np.array([1, 2], dtype=dtype), [0.5], method="nearest")


@pytest.mark.parametrize("method", METHODS)
def test_methods_boundaries_monotone_equivariance(backend, method):
    """test_q_zero_one, test_quantile_monotonic, test_quantile_identification_equation and
    test_quantile_add_and_multiply_constant: gpuad's values are NumPy's at each of them."""
    check("quantile", [10, 11, 12], [0, 1], method=method)
    p0 = np.linspace(0, 1, 101)
    y = np.array([0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 1, 1, 9, 9, 9, 8, 8, 7]) * 0.1
    got = check("quantile", y, p0, method=method, exact=True)
    assert np.all(np.diff(to_numpy(got)) >= 0)
    check("quantile", np.array([0.0, 1, 2, 3]), p0, method=method, exact=True)
    rng = np.random.default_rng(4321)
    y = rng.random(102)
    w = rng.integers(0, 10, 102)
    for alpha in (0.2, 0.5, 0.9):
        for c in (0.0, 13.5):
            check("quantile", c + y, alpha, method=method, exact=True)
            check("quantile", -(c + y), 1 - alpha, method=method, exact=True)
        check("quantile", 13.5 * y, alpha, method=method, exact=True)
        if method == "inverted_cdf":
            check("quantile", y, alpha, method=method, weights=w, exact=True)
            check("quantile", 13.5 + y, alpha, method=method, weights=w, exact=True)
            check("quantile", y, alpha, method=method, weights=8.125 * np.ones(102))
        else:
            check("quantile", y, alpha, method=method, weights=w)  # NumPy's ValueError


def test_weights(backend):
    """test_quantile_with_integer_weights (as repeated observations),
    test_quantile_with_weights_and_axis (1-d weights along axis, 0-, 1- and 2-d q, weights of
    a's shape, axis tuples), test_quantile_weights_min_max, the errors
    (test_quantile_weights_raises_*, test_inf_zeroes_err, test_nan_err) and
    TestPercentile.test_out_nan with weights."""
    m = "inverted_cdf"
    rng = np.random.default_rng(4321)
    y = rng.random(102)
    w = rng.integers(0, 10, 102, dtype=np.int32)
    for alpha in (0, 0.2, 0.5, 0.9, 1):
        got = check("quantile", y, alpha, method=m, weights=w)
        np.testing.assert_array_equal(to_numpy(got), np.quantile(np.repeat(y, w), alpha,
                                                                 method=m))
    y = rng.random((2, 10, 3))
    w1 = np.abs(rng.random(10))
    for alpha in (0.5, [0, 0.2, 0.4, 0.6, 0.8, 1], [[0, 0.2], [0.4, 0.6], [0.8, 1]]):
        check("quantile", y, alpha, weights=w1, method=m, axis=1)
        check("quantile", y, alpha, weights=w1, method=m, axis=1, keepdims=True)
    wf = np.abs(rng.random((2, 10, 3)))
    for axis in (1, (0, 1, 2), (1, 2), (2, 0), None):
        check("quantile", y, 0.5, weights=wf, method=m, axis=axis)
        check("nanquantile", y, [0.1, 0.5], weights=wf, method=m, axis=axis)
    check("quantile", y, 0.5, weights=np.abs(rng.random((3, 2))), method=m, axis=(2, 0))
    check("quantile", np.arange(6), [0, 1], weights=[0, 0, 1, 2, 3, 0], method=m)
    check("quantile", [1, 2], 0.5, weights=[-0.5, 1], method=m)  # ValueError
    for other in set(METHODS) - {m}:
        check("quantile", [1, 2], 0.5, weights=[0.5, 1], method=other)  # ValueError
    arr = np.array([[1, 2, 3, 4]] * 2)
    for bad in ([1, np.inf, 1, 1], [1, np.inf, 1, np.inf], [0, 0, 0, 0],
                [np.finfo("float64").max] * 4, [1, np.nan, 1, 1], [1, np.nan, np.nan, 1]):
        wgts = np.array([bad, [0.5] * 4])
        check("quantile", arr, 0.5, weights=wgts, method=m, axis=1)  # ValueError
        check("nanquantile", arr, 0.5, weights=wgts, method=m, axis=1)
    check("quantile", arr, 0.5, weights=np.ones(3), method=m, axis=1)  # shape: ValueError
    check("quantile", arr, 0.5, weights=np.ones(4), method=m)  # no axis: TypeError
    d = np.ones((3, 4))
    d[2, 1] = np.nan
    for axis, n in ((0, 4), (1, 3), (None, None)):
        out = _xp().zeros(() if n is None else (n,))
        r = gnp.percentile(_dev(d), 1, axis, out=out, weights=_dev(np.ones((3, 4))), method=m)
        assert r is out
        _same(np.percentile(d, 1, axis, weights=np.ones((3, 4)), method=m), out, "out_nan")


def test_weighted_nan_along_axis(backend):
    """nanquantile with weights along axis: NumPy 2.4 raises IndexError (module docstring);
    gpuad gives NumPy's answer for the weights at a's full shape."""
    rng = np.random.default_rng(5)
    a = rng.random((3, 4, 5))
    a[0, 1, :] = np.nan
    a[1, :, 2] = np.nan
    w = rng.integers(0, 3, 5).astype(float) + 0.5
    with pytest.raises(IndexError):
        np.nanquantile(a, 0.3, axis=2, weights=w, method="inverted_cdf")
    want = np.nanquantile(a, [0.3, 0.7], axis=2, weights=np.broadcast_to(w, a.shape),
                          method="inverted_cdf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = gnp.nanquantile(_dev(a), [0.3, 0.7], axis=2, weights=_dev(w),
                              method="inverted_cdf")
    _same(want, got, "nanquantile weights along axis", exact=True)


def test_closest_observation_and_promotion(backend):
    """test_closest_observation (ties to the even order statistic), test_max_ulp,
    test_q_weak_promotion / test_q_strong_promotion, test_percentile_gh_29003 (float16 and
    float32 data of 65521 values: no overflow), test_correct_quantile_value (boolean q)."""
    arr = np.arange(1, 11)
    for k in range(3, 11):
        check("quantile", arr[:k], 0.5, method="closest_observation")
    check("quantile", [0.0, 0.2, 0.4], 0.45, exact=True)
    a32 = np.array([1, 2, 3, 4, 5], dtype=np.float32)
    for m in INTERPOLATING:
        for q in (0.5, 1, np.float64(0.5), np.float32(0.5)):
            check("quantile", a32, q, method=m)
        for q in (50, 10.0, np.float64(50), np.float32(50)):
            check("percentile", a32, q, method=m)
    for qtype in (np.float16, np.float32):
        a = np.zeros(65521, qtype)
        a[:20_000] = 1
        for m in METHODS:
            check("percentile", a, 50, method=m, exact=True)
            check("percentile", a, 99, method=m, exact=True)
    check("quantile", np.arange(50_001, dtype=np.float16), 0.999)
    check("quantile", np.array([False, True, True]), np.array([False, True, True]))
    check("quantile", True, False)


def test_axes_keepdims_out_and_errors(backend):
    """test_axis, test_extended_axis (and _invalid), test_keepdims, test_keepdims_out,
    test_percentile_out (weighted into an integer out too), test_out, test_scalar_q,
    test_percentile_empty_dim, test_nan_behavior, test_nan_q, test_exception, the inputs
    left unchanged (test_no_p_overwrite), and TestMedian's counterparts."""
    x = np.arange(12).reshape(3, 4)
    for ax in (None, 0, 1):
        check("percentile", x, (25, 50, 100), axis=ax)
        check("percentile", x, 50, axis=ax, method="lower")
        check("median", x, axis=ax)
    d = np.arange(3 * 5 * 7 * 11).reshape((3, 5, 7, 11))
    np.random.default_rng(0).shuffle(d.ravel())
    for ax in ((0, 1, 2), (0, 1, 3), (3, 1, -4), (3, 1, 2), (3, 2), (1, -2), (1, 3), (0,),
               (-5,), (0, 4), (1, 1), (-1, -1), (3, -1), 4):
        check("percentile", d, [10, 90], axis=ax)
        check("median", d, axis=ax)
        check("quantile", d, 0.25, axis=ax, keepdims=True, method="higher")
    ones = np.ones((3, 5, 7, 11))
    for q in (7, [1, 7]):
        for ax in (None, 1, (1,), (0, 1), (-3, -1)):
            want = np.percentile(ones, q, axis=ax, keepdims=True)
            out = _xp().empty(want.shape)
            assert gnp.percentile(_dev(ones), q, axis=ax, keepdims=True, out=out) is out
            _same(want, out, f"keepdims out {q} {ax}")
            if q == 7:
                out = _xp().empty(want.shape)
                assert gnp.median(_dev(ones), axis=ax, keepdims=True, out=out) is out
    p = (1, 2, 3)
    for xx, ax, shp in ((np.array([1, 2, 3]), None, (3,)), (x[:2, :3] + 1, 0, (3, 3)),
                        (x[:2, :3] + 1, 1, (3, 2))):
        for kw, dt in (({}, float), ({"weights": np.ones_like(xx), "method": "inverted_cdf"},
                                     int)):
            out = _xp().zeros(shp, dtype=dt)
            r = gnp.percentile(_dev(xx), p, axis=ax, out=out, **{k: _dev(v) for k, v in
                                                                 kw.items()})
            assert r is out
            _same(np.percentile(xx, p, axis=ax, out=np.zeros(shp, dt), **kw), out, "out")
    out = _xp().empty((2, 4), dtype=np.int64)
    gnp.percentile(_dev(x), (25, 50), axis=0, out=out, method="lower")
    _same(np.percentile(x, (25, 50), axis=0, method="lower"), out, "int out")
    d11 = np.arange(11 * 2).reshape(11, 1, 2, 1)
    for ax in range(-4, 4):
        check("percentile", d11, 50, axis=ax)
        check("percentile", d11, [10, 50], axis=ax, method="midpoint")
    a = np.arange(24, dtype=float).reshape(2, 3, 4)
    a[1, 2, 3] = np.nan
    a[1, 1, 2] = np.nan
    for ax in (None, 0, 1, (0, 2)):
        for m in ("linear", "nearest", "inverted_cdf"):
            check("percentile", a, [0.3, 0.6], axis=ax, method=m)
        check("median", a, axis=ax)
    for q in (np.nan, [np.nan], np.r_[np.nan, np.linspace(1.0, 99.0, 15)], 101, -1,
              list(range(50)) + [101], list(range(50)) + [-0.1]):
        check("percentile", [1, 2, 3, 4.0], q)  # ValueError
    check("percentile", [1, 2], 56, method="foobar")  # ValueError
    for dt in ("F", "D"):
        check("quantile", np.array([0.5 + 3.0j, 2.1 + 0.5j], dtype=dt), 0.5)  # TypeError
    p0 = np.array([0, 0.75, 0.25, 0.5, 1.0])
    xs = np.array([2.0, 3, 4, 1])
    ps, xd = _dev(p0.copy()), _dev(xs.copy())
    gnp.quantile(xd, ps, method="midpoint", overwrite_input=True)
    np.testing.assert_array_equal(to_numpy(ps), p0)
    np.testing.assert_array_equal(to_numpy(xd), xs)
    check("median", np.array([], dtype=float))
    check("median", np.zeros((1, 1, 0)), axis=2)
    check("median", np.zeros((1, 1, 0)), axis=0)


# ---- gradients ----------------------------------------------------------------------------


def _gpuad_grad(fn, x, u, **kw):
    t = ad.tensor(_dev(x), requires_grad=True)
    r = fn(t)
    gnp.sum(gnp.where(gnp.isnan(r), 0.0, r) * _dev(u)).backward()
    return to_numpy(t.grad) if t.grad is not None else np.zeros_like(x)


def _jax_grad(fn, x, u):
    r, back = jax.vjp(fn, x)  # (the cotangent 0 where the value is NaN, as _gpuad_grad)
    return np.asarray(back(jnp.where(jnp.isnan(r), 0.0, u))[0])


def _half_index(x, q, method, axis, ignore_nan):
    """Whether NumPy's 'nearest' rounds a virtual index k + 1/2 (JAX rounds it down)."""
    if method != "nearest":
        return False
    xa = np.asarray(x)
    n = np.sum(~np.isnan(xa), axis=axis) if ignore_nan else np.full(
        np.sum(xa * 0 == 0, axis=axis).shape, xa.size if axis is None else np.prod(
            [xa.shape[i] for i in np.atleast_1d(axis)]))
    vi = np.multiply.outer(np.atleast_1d(q), np.asarray(n) - 1)
    return bool(np.any(vi % 1 == 0.5))


GRAD_DATA = {
    "distinct": np.random.default_rng(2).normal(size=(4, 6)),
    "ties": np.array([[1.0, 2, 2, 2, 3, 1], [5, 5, 5, 5, 5, 5], [0, 1, 1, 0, 1, 0],
                      [3, -1, 3, -1, 2, 2]]),
    "nan": np.array([[1.0, np.nan, 2, 2, 3, 1], [np.nan] * 6, [0, 1, np.nan, 0, 1, 0],
                     [3, -1, 3, -1, 2, 7]]),
}
QS = [0.3, [0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0]]


@pytest.mark.parametrize("data", sorted(GRAD_DATA))
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_gradients_match_jax(backend, fn, data):
    """jax.grad of jnp.quantile / jnp.nanquantile: ties (the stable sort's choice), NaN
    (no gradient to a NaN entry; an all-NaN row gets none), q at 0 and 1, axis tuples,
    keepdims; and weighted inverted_cdf (positive weights, so that JAX's comparison of
    unnormalised sums picks NumPy's element)."""
    x = GRAD_DATA[data]
    rng = np.random.default_rng(1)
    for m in JAX_METHODS:
        q = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0] if m == "nearest" else [0.0, 0.3, 0.5, 0.7, 1.0]
        for axis, kd in ((1, False), ((0, 1), True))[m != "linear":]:  # (JAX compiles each)
            if _half_index(x, q, m, axis, fn == "nanquantile"):
                continue
            kw = dict(axis=axis, method=m, keepdims=kd)
            u = rng.normal(size=np.shape(getattr(np, fn)(x, q, **kw)))
            g = _gpuad_grad(lambda t: getattr(gnp, fn)(t, q, **kw), x, u)
            j = _jax_grad(lambda v: getattr(jnp, fn)(v, jnp.asarray(q), **kw), x, u)
            np.testing.assert_allclose(g, j, atol=1e-12, err_msg=f"{fn} {m} {q} {kw}")
    w = rng.integers(1, 4, size=x.shape).astype(float)
    q = [0.1, 0.35, 0.62, 0.9]
    for axis, ww in ((1, w), (1, w[0])):
        if fn == "nanquantile" and ww.shape != x.shape:
            continue  # NumPy's IndexError (test_weighted_nan_along_axis)
        kw = dict(axis=axis, method="inverted_cdf")
        u = rng.normal(size=np.shape(getattr(np, fn)(x, q, weights=ww, **kw)))
        g = _gpuad_grad(lambda t: getattr(gnp, fn)(t, q, weights=_dev(ww), **kw), x, u)
        j = _jax_grad(lambda v: getattr(jnp, fn)(v, jnp.asarray(q), weights=ww, **kw), x, u)
        np.testing.assert_allclose(g, j, atol=1e-12, err_msg=f"{fn} weighted {axis}")


def test_gradient_in_q_matches_jax(backend):
    """d quantile / d q for linear (JAX's only q-differentiable method) at interior q."""
    x = GRAD_DATA["distinct"]
    q = np.array([0.13, 0.37, 0.61, 0.88])
    u = np.random.default_rng(3).normal(size=(4, 4))
    t = ad.tensor(_dev(q), requires_grad=True)
    gnp.sum(gnp.quantile(_dev(x), t, axis=1) * _dev(u)).backward()
    j = jax.grad(lambda v: jnp.sum(jnp.quantile(x, v, axis=1) * u))(q)
    np.testing.assert_allclose(to_numpy(t.grad), np.asarray(j), rtol=1e-12)


@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_torch_quantile_modes(backend, fn):
    """Tensor.quantile / nanquantile against torch.quantile / torch.nanquantile: values,
    shapes and gradients for each interpolation= mode, at tie-free points."""
    x = np.array([[1.0, np.nan, 2, 2.5, 3, 1.5], [np.nan] * 6, [0, 1, np.nan, 0.5, 1.5, -1],
                  [3, -1, 3.5, -1.5, 2, 7]])
    if fn == "quantile":
        x = np.nan_to_num(x, nan=0.25) + np.arange(24).reshape(4, 6) * 1e-3
    rng = np.random.default_rng(4)
    for m in JAX_METHODS:
        for q in QS:
            for dim, kd in ((None, False), (1, False), (0, True), (None, True)):
                tx = torch.tensor(x, requires_grad=True)
                tr = getattr(torch, fn)(tx, torch.tensor(q, dtype=torch.float64), dim=dim,
                                        keepdim=kd, interpolation=m)
                u = rng.normal(size=tuple(tr.shape))
                torch.sum(torch.where(torch.isnan(tr), 0.0, tr) * torch.tensor(u)).backward()
                gx = ad.tensor(_dev(x), requires_grad=True)
                gr = getattr(gx, fn)(q, dim=dim, keepdim=kd, interpolation=m)
                where = f"{fn} {m} {q} dim={dim} keepdim={kd}"
                _same(tr.detach().numpy(), gr, where)
                gnp.sum(gnp.where(gnp.isnan(gr), 0.0, gr) * _dev(u)).backward()
                np.testing.assert_allclose(to_numpy(gx.grad), tx.grad.numpy(), atol=1e-12,
                                           err_msg=where)


X_DISTINCT = np.random.default_rng(9).permutation(30).reshape(5, 6) / 7.0 - 2.0


@pytest.mark.parametrize("method", METHODS)
def test_gradients_central_differences(backend, method):
    """Every method to second order against float64 central differences at tie-free points,
    over an axis tuple with keepdims, with NaN entries (nanquantile) and, for inverted_cdf,
    with weights; q itself where the method is continuous in q."""
    q = np.array([0.05, 0.3, 0.5, 0.71, 0.97])
    check_grads(lambda a: gnp.quantile(a, q, axis=(0, 1), keepdims=True, method=method),
                (X_DISTINCT,), order=2, modes=("rev", "fwd"))
    mask = np.where(np.arange(30).reshape(5, 6) % 7 == 3, np.nan, 1.0)
    check_grads(lambda a: gnp.nanpercentile(a * mask, q * 100, axis=1, method=method),
                (X_DISTINCT,), order=1, modes=("rev",))
    if method == "inverted_cdf":
        w = np.arange(30).reshape(5, 6) % 4 + 0.5
        check_grads(lambda a: gnp.nanquantile(a * mask, q, axis=(1, 0), weights=w,
                                              method=method), (X_DISTINCT,), order=1)
    if method in ("linear", "hazen", "weibull", "median_unbiased", "normal_unbiased",
                  "interpolated_inverted_cdf"):
        check_grads(lambda qq: gnp.quantile(X_DISTINCT, qq, axis=1, method=method),
                    (np.array([0.13, 0.47, 0.83]),), order=1)
