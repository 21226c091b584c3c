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
  test_numpy_lib_suite.py); their gradient there is zero, as JAX's, except that ``nanstd``
  of a slice holding one value (std 0) passes the norm's subgradient 0 where JAX's sqrt
  gives NaN;
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
        tol = max(1e-13, 20 * float(np.finfo(w.dtype).eps))
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


# ---- test_nanfunctions.py ------------------------------------------------------------------

NDAT = np.array([[0.6244, np.nan, 0.2692, 0.0116, np.nan, 0.1170],
                 [0.5351, -0.9403, np.nan, 0.2100, 0.4759, 0.2833],
                 [np.nan, np.nan, np.nan, 0.1042, np.nan, -0.5954],
                 [0.1610, np.nan, np.nan, 0.1859, 0.3146, np.nan]])
NANFUNCS = ["nanmin", "nanmax", "nanargmin", "nanargmax", "nansum", "nanprod", "nancumsum",
            "nancumprod", "nanmean", "nanmedian", "nanvar", "nanstd"]
REDUCING = [f for f in NANFUNCS if "cum" not in f]


@pytest.mark.parametrize("dtype", INTS + FLOATS + [np.bool_, np.complex64, np.complex128])
def test_nan_number_types(backend, dtype):
    """TestNanFunctions_NumberTypes: each nan-function on NaN-free data of every number type
    (the dtype as NumPy's), with q, with a fractional ddof and with correction."""
    mat = np.eye(3).astype(dtype) if dtype == np.bool_ else np.array(
        [[1, 2, 3], [4, 5, 6]]).astype(dtype)
    for f in NANFUNCS:
        if dtype in (np.complex64, np.complex128) and f in ("nanmin", "nanmax", "nanargmin",
                                                             "nanargmax", "nanmedian"):
            continue  # (complex order: test_numpy_lib_suite.py)
        check(f, mat)
        check(f, mat, axis=0)
    for f, q in (("nanquantile", 1), ("nanpercentile", 100), ("nanquantile", [0.25, 1])):
        check(f, mat, q)
    for f in ("nanvar", "nanstd"):
        check(f, mat, ddof=0.5)
        check(f, mat, correction=0.5)
        check(f, mat, ddof=0.5, correction=0.5)  # ValueError
        check(f, mat, ddof=1, correction=0)  # ValueError


@pytest.mark.parametrize("f", ["nansum", "nanprod", "nancumsum", "nancumprod", "nanmean",
                               "nanvar", "nanstd"])
def test_nan_dtype_out_keepdims(backend, f):
    """SharedNanFunctionsTestsMixin: dtype= given as a dtype and as a character, the dtype
    from the input, out= (and keepdims), results on NDAT; MeanVarStd's dtype and out errors
    and where=."""
    for code in "efdFD":
        for dt in (np.dtype(code), code):
            check(f, NDAT, dtype=dt)
            check(f, NDAT, axis=1, dtype=dt)
    for code in "efd":
        check(f, NDAT.astype(code), axis=1)
    if f in ("nanmean", "nanvar", "nanstd"):
        for dt in (np.bool_, np.int_):
            check(f, NDAT, axis=1, dtype=dt)  # TypeError
            out = _xp().empty(4, dtype=dt)
            with pytest.raises(TypeError):
                getattr(gnp, f)(_dev(NDAT), axis=1, out=out)
        for code in "efd":
            ar = np.arange(9).reshape(3, 3).astype(code)
            ar[0, :] = np.nan
            where = np.ones_like(ar, dtype=bool)
            where[:, 0] = False
            check(f, ar, where=where)
            check(f, ar, axis=1, where=where)
    kd = "cum" not in f
    want = getattr(np, f)(NDAT, axis=1, **({"keepdims": True} if kd else {}))
    out = _xp().zeros(want.shape)
    r = getattr(gnp, f)(_dev(NDAT), axis=1, out=out, **({"keepdims": True} if kd else {}))
    assert r is out
    _same(want, out, f"{f} out")


def test_nan_min_max_arg_and_moments(backend):
    """MinMax and ArgminArgmax: out=, keepdims, initial= and where= per dtype; MeanVarStd:
    ddof (too big: NaN), nanstd with mean= and out=; SumProd's initial and where."""
    for f in ("nanmin", "nanmax", "nanargmin", "nanargmax"):
        check(f, NDAT, axis=1, keepdims=True)
        check(f, NDAT, axis=0)
        want = getattr(np, f)(NDAT, axis=1)
        out = _xp().zeros(want.shape, dtype=want.dtype)
        assert getattr(gnp, f)(_dev(NDAT), axis=1, out=out) is out
        _same(want, out, f"{f} out")
    for code in "efd":
        ar = np.arange(9).astype(code)
        ar[3] = np.nan
        for f, init in (("nanmin", -10), ("nanmax", 100), ("nansum", 5), ("nanprod", 2)):
            check(f, ar, initial=init)
            where = np.ones_like(ar, dtype=bool)
            where[:3] = False
            check(f, ar, initial=init, where=where)
    for f in ("nanvar", "nanstd"):
        for ddof in range(6):
            check(f, NDAT, axis=1, ddof=ddof)
    rng = np.random.RandomState(1234)
    a = rng.randn(10, 20, 5) + 0.5
    a[:, 5, :] = np.nan
    mean_out = _xp().zeros((10, 1, 5))
    std_out = _xp().zeros((10, 1, 5))
    mean = gnp.nanmean(_dev(a), out=mean_out, axis=1, keepdims=True)
    assert mean is mean_out
    std = gnp.nanstd(_dev(a), out=std_out, axis=1, keepdims=True, mean=mean)
    assert std is std_out
    _same(np.nanstd(a, axis=1, keepdims=True), std, "nanstd mean=")


def test_nanmedian_and_nanpercentile(backend):
    """TestNanFunctions_Median (small and large sizes, infinities, keepdims with out=,
    all-NaN rows) and TestNanFunctions_Percentile / _Quantile (several percentiles over an
    axis tuple, NaN values with weights, the weighted regression case)."""
    for s in range(1, 12):
        m = np.full((4, s + 1), np.nan)
        m[:, :s] = np.arange(4 * s).reshape(4, s)[:, ::-1] * 0.5
        check("nanmedian", m, axis=1)
        check("nanmedian", m.T, axis=0)
    for mat in (np.array([[np.inf, np.nan], [np.nan, np.nan]]),
                np.array([[-np.inf, np.inf, np.nan], [np.nan, np.inf, 1]])):
        for ax in (None, 0, 1):
            check("nanmedian", mat, axis=ax)
            check("nanpercentile", mat, [25, 50, 90], axis=ax)
    for i in range(1, 7):
        a = np.array([np.inf] * i + [np.nan] * (7 - i) + [-np.inf, 1.0])
        check("nanmedian", a)
        check("nanmedian", np.array([[np.nan] * 3, list(a[:3])]), axis=1)
    ones = np.ones((3, 5, 7, 11))
    ones[1, 2, 3, 4] = np.nan
    for ax in (None, 1, (1,), (0, 1), (-3, -1)):
        for f, q in (("nanmedian", ()), ("nanpercentile", (7,)), ("nanpercentile", ([1, 7],))):
            want = getattr(np, f)(ones, *q, axis=ax, keepdims=True)
            out = _xp().empty(want.shape)
            assert getattr(gnp, f)(_dev(ones), *q, axis=ax, keepdims=True, out=out) is out
            _same(want, out, f"{f} keepdims out {ax}")
    large = np.arange(24, dtype=float).reshape(2, 3, 4)
    large[0, 1, :] = np.nan
    large[1, :, 2] = np.nan
    check("nanpercentile", large, [5, 50, 95], axis=(0, 2))
    check("nanpercentile", large, [5, 50, 95], axis=(0, 2), keepdims=True)
    check("nanpercentile", large, [[5, 50], [60, 95]], axis=1)
    for nan_weight in (0, 1, 2, 3, 1e200):
        a = np.array([0, 1, 2, 3, np.nan])
        w = np.array([1.0, 1, 1, 1, nan_weight])
        check("nanpercentile", a, [5, 50, 95], weights=w, method="inverted_cdf")
    a = np.array([[[0, 1, 2, 3, np.nan], [np.nan, 4, 5, 6, np.nan]]] * 2).astype(float)
    w = np.ones_like(a)
    w[..., -1] = 7.0
    for ax in (0, 1, 2, (0, 2), None):
        check("nanquantile", a, [0.2, 0.5], axis=ax, weights=w, method="inverted_cdf")
    ar = np.arange(24).reshape(2, 3, 4).astype(float)
    ar[0][1] = np.nan
    check("nanpercentile", ar, q=50, axis=0)
    check("nanpercentile", ar, q=50, axis=1, weights=np.ones_like(ar), method="inverted_cdf")
    check("nanquantile", ar, q=0.5, axis=0)


# the nan-functions' gradients: against jax.grad where JAX has them, with all-NaN slices
GRAD_NAN = np.array([[np.nan, 1.0, 4.0, np.nan, 0.5], [np.nan, 2.0, np.nan, np.nan, np.nan],
                     [np.nan, -0.5, 3.0, np.nan, 1.5]])
NAN_GRADS = {
    "nansum": lambda m, a, **k: m.nansum(a, **k),
    "nanprod": lambda m, a, **k: m.nanprod(a, **k),
    "nanmean": lambda m, a, **k: m.nanmean(a, **k),
    "nanvar": lambda m, a, **k: m.nanvar(a, **k),
    "nanvar_ddof1": lambda m, a, **k: m.nanvar(a, ddof=1, **k),
    "nanstd": lambda m, a, **k: m.nanstd(a, **k),
    "nanstd_ddof1": lambda m, a, **k: m.nanstd(a, ddof=1, **k),
    "nanmin": lambda m, a, **k: m.nanmin(a, **k),
    "nanmax": lambda m, a, **k: m.nanmax(a, **k),
    "nanmedian": lambda m, a, **k: m.nanmedian(a, **k),
    "nanpercentile": lambda m, a, **k: m.nanpercentile(a, np.array([30.0, 75]), **k),
    "nanquantile_higher": lambda m, a, **k: m.nanquantile(a, np.array([0.3, 0.75]),
                                                          method="higher", **k),
    "nancumsum": lambda m, a, **k: m.nancumsum(a, **k),
    "nancumprod": lambda m, a, **k: m.nancumprod(a, **k),
}


@pytest.mark.parametrize("name", sorted(NAN_GRADS))
def test_nan_gradients_match_jax(backend, name):
    """No gradient reaches a NaN entry; an all-NaN slice has a NaN value and a zero gradient,
    as jax.grad gives. One deviation: nanstd of a slice holding one value (std 0) passes
    the norm's subgradient 0 where JAX's sqrt gives NaN."""
    f = NAN_GRADS[name]
    rng = np.random.default_rng(6)
    for kw in (dict(axis=1), dict(axis=0, keepdims=True)):  # (JAX compiles each)
        if "cum" in name and "keepdims" in kw:
            kw = dict(axis=0)
        want = f(np, GRAD_NAN, **kw) if "cum" in name else _run(f, np, GRAD_NAN, **kw)[0]
        u = rng.normal(size=np.shape(want))
        t = ad.tensor(_dev(GRAD_NAN), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f(gnp, t, **kw)
        _same(want, r, f"{name} {kw}")
        gnp.sum(r * _dev(u)).backward()
        g = to_numpy(t.grad)
        _, back = jax.vjp(lambda v: f(jnp, v, **kw), GRAD_NAN)
        j = np.array(back(u)[0])
        if name == "nanstd" and kw.get("axis") == 1:  # row 1 holds one value (module doc)
            assert np.all(np.isnan(j[1, 1])) and g[1, 1] == 0
            j[1, 1] = 0.0
        assert np.all(g[np.isnan(GRAD_NAN)] == 0), f"{name} {kw}: a NaN entry got {g}"
        np.testing.assert_allclose(g, j, atol=1e-12, err_msg=f"{name} {kw}")


@pytest.mark.parametrize("name", sorted(NAN_GRADS))
def test_nan_gradients_central_differences(backend, name):
    """Second order, reverse and forward mode, against float64 central differences on NDAT's
    NaN pattern (no all-NaN slice along the axis taken)."""
    f = NAN_GRADS[name]
    mask = np.where(np.isnan(NDAT), np.nan, 1.0)
    x = np.nan_to_num(NDAT, nan=0.3) + np.arange(24).reshape(4, 6) * 1e-2
    check_grads(lambda a: f(gnp, a * mask, axis=1), (x,), order=2, modes=("rev", "fwd"))
