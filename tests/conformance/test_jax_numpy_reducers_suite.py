"""jax.numpy's reducer suite ported to gpuad: ``tests/lax_numpy_reducers_test.py`` (sum,
prod, max, min, mean, var, std and their nan* forms, all, any, ptp with ``axis`` None /
negative / tuples, ``keepdims``, ``dtype=``, ``initial=``, ``where=``; the error cases;
average, var/std with ddof/correction/mean=, cov, quantiles and medians, cumulative_sum and
cumulative_prod).

Each record runs on a fixed sample of JAX's (shape, dtype, axis, keepdims, ...) product
(Python and NumPy scalars, 0-d, size-1 and size-0 shapes; bool, integer, float16/32/64 and
complex dtypes): gpuad's result must be NumPy's in dtype, shape and value (NumPy raises:
gpuad raises), and jax.numpy's (x64) in value on one case of each record. Gradients of the
differentiable reducers with every keyword are compared with jax.grad and float64 central
differences.

``KNOWN`` lists where gpuad deliberately differs from JAX (it follows NumPy there, or raises).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from _jnp_suite_common import (
    ALL,
    ALL_SHAPES,
    DEF,
    INEX,
    NONEMPTY,
    NUM,
    PY,
    B,
    U,
    array_shape,
    draw,
    mismatch,
    quiet,
    tolerance,
    valid_dtypes,
)

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.backends import get_backend  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402

KNOWN = {
    "promote_integers": "gpuad.numpy has NumPy's signatures: no promote_integers= keyword "
                        "(a TypeError). Its sums follow NumPy, which is JAX's default "
                        "promote_integers=True; dtype=x.dtype is JAX's promote_integers=False",
    "where_dtype": "a non-boolean where= is NumPy's TypeError in gpuad (JAX: a ValueError)",
    "complex_to_real_dtype": "var/std of complex input with a real dtype= is a ValueError, as in "
                             "JAX (NumPy mixes the real parts' mean with the imaginary parts)",
    "nanmax_0d_where": "nanmax/nanmin of a 0-d input with where=False and initial=: NumPy "
                       "returns NaN (its 0-d path), gpuad initial as for any other shape "
                       "(and as np.max, and JAX)",
    "initial_overflow": "an initial= out of the dtype's range is NumPy's OverflowError (JAX "
                        "wraps it silently)",
    "large_ddof": "var/std with ddof >= the count: NumPy's (and gpuad's) sum / 0, inf for a "
                  "positive sum and NaN for a zero one; JAX gives NaN",
    "cumulative_0d": "cumulative_sum/prod of a 0-d input: NumPy (and gpuad) treat it as "
                     "shape (1,); JAX raises",
}


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _dev(a):
    if isinstance(a, np.ndarray) and get_backend().name != "numpy":
        return get_backend().asarray(a)
    return a


def _axes(shape):
    nd = len(array_shape(shape))
    return list(range(-nd, nd)) + [None] + ([(0, nd - 1), (-1, 0)] if nd > 1 else [])


def _sample(items, limit, seed):
    """A fixed sample of ``items``: each distinct first element (the shape) once, then seeded
    draws up to ``limit``."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(items))
    picked, seen = [], set()
    for i in order:
        key = (repr(items[i][0]), repr(items[i][1]))
        if key not in seen or len(picked) < limit:
            picked.append(items[i])
            seen.add(key)
    return picked


def _compare(name, where, np_fn, g_fn, j_fn, args, tol, failures, jax_check, dtypes=True):
    want, np_err = quiet(np_fn, *args)
    got, err = quiet(g_fn, *map(_dev, args))
    if np_err is not None:
        if err is None:
            failures.append(f"{name} {where}: NumPy raises {np_err!r}, gpuad returns")
        return
    if err is not None:
        failures.append(f"{name} {where}: gpuad raises {err!r}")
        return
    why = mismatch(got, want, tol, dtypes)
    if why:
        failures.append(f"{name} {where}: {why}")
    elif jax_check:
        jout, jerr = quiet(j_fn, *args)
        assert jerr is None, f"{name} {where}: JAX raises {jerr!r}"
        tol = max(10 * tol, 10 * tolerance(np.asarray(jout).dtype))  # (JAX's int16 var: f32)
        why = mismatch(got, jout, tol, dtypes=False)
        if why:
            failures.append(f"{name} {where}: jax.numpy: {why}")


def _run(name, cases, make, limit=40):
    """Compare gpuad with NumPy on a sample of ``cases`` (and with JAX on the first one)."""
    failures = []
    for k, case in enumerate(_sample(cases, limit, zlib.crc32(name.encode()))):
        np_fn, g_fn, j_fn, args, tol = make(*case)
        _compare(name, case, np_fn, g_fn, j_fn, args, tol, failures, jax_check=k == 0)
    assert not failures, "\n".join(failures[:10])


def _inputs(name, kind, shapes, dtypes, seed=0):
    rng = np.random.default_rng(zlib.crc32(f"{name}{seed}".encode()))
    return {(repr(s), np.dtype(d).name): draw(rng, kind, s, d)
            for s in shapes for d in valid_dtypes(s, dtypes)}


REDUCER = [("mean", NUM, NONEMPTY, "default"), ("prod", ALL, ALL_SHAPES, "small_positive"),
           ("sum", ALL, ALL_SHAPES, "default"), ("nanmean", INEX, NONEMPTY, "some_nan"),
           ("nanprod", ALL, ALL_SHAPES, "some_nan"), ("nansum", NUM, ALL_SHAPES, "some_nan")]


@pytest.mark.parametrize("name,dtypes,shapes,kind", [pytest.param(*r, id=r[0]) for r in REDUCER])
def test_reducer(backend, name, dtypes, shapes, kind):
    """testReducer: axis, keepdims and dtype= (every dtype of the record but unsigned)."""
    xs = _inputs(name, kind, shapes, dtypes)
    cases = [(s, d, ax, od, kd) for s in shapes for d in valid_dtypes(s, dtypes)
             for ax in _axes(s) for od in [None] + [t for t in dtypes if t not in U]
             for kd in (False, True)]

    def make(s, d, ax, od, kd):
        x = xs[(repr(s), np.dtype(d).name)]
        kw = dict(axis=ax, dtype=od, keepdims=kd)
        return (lambda a: getattr(np, name)(a, **kw), lambda a: getattr(gnp, name)(a, **kw),
                lambda a: getattr(jnp, name)(a, **kw), [x], 10 * tolerance(d, od or d))
    _run(name, cases, make)


NO_DTYPE = [("all", ALL, ALL_SHAPES, "some_zero"), ("any", ALL, ALL_SHAPES, "some_zero"),
            ("max", ALL, NONEMPTY, "default"), ("min", ALL, NONEMPTY, "default"),
            ("var", ALL, NONEMPTY, "default"), ("std", ALL, NONEMPTY, "default"),
            ("nanmax", ALL, NONEMPTY, "some_nan"), ("nanmin", ALL, NONEMPTY, "some_nan"),
            ("nanvar", ALL, NONEMPTY, "some_nan"), ("nanstd", ALL, NONEMPTY, "some_nan"),
            ("ptp", NUM, NONEMPTY, "default")]


@pytest.mark.parametrize("name,dtypes,shapes,kind", [pytest.param(*r, id=r[0])
                                                     for r in NO_DTYPE])
def test_reducer_no_dtype(backend, name, dtypes, shapes, kind):
    """testReducerNoDtype."""
    xs = _inputs(name, kind, shapes, dtypes)
    cases = [(s, d, ax, kd) for s in shapes for d in valid_dtypes(s, dtypes)
             for ax in _axes(s) for kd in (False, True)]

    def make(s, d, ax, kd):
        x = xs[(repr(s), np.dtype(d).name)]
        kw = dict(axis=ax, keepdims=kd)
        return (lambda a: getattr(np, name)(a, **kw), lambda a: getattr(gnp, name)(a, **kw),
                lambda a: getattr(jnp, name)(a, **kw), [x], 10 * tolerance(d))
    _run(name, cases, make)


INITIAL = [("prod", ALL, "small_positive"), ("sum", ALL, "default"), ("max", ALL, "default"),
           ("min", ALL, "default"), ("nanprod", INEX, "small_positive"),
           ("nansum", INEX, "default"), ("nanmax", INEX, "default"), ("nanmin", INEX, "default")]


def _where_shapes(shape):
    s = array_shape(shape)
    return [s[n:] for n in range(len(s) + 1)]


@pytest.mark.parametrize("name,dtypes,kind", [pytest.param(*r, id=r[0]) for r in INITIAL])
def test_reducer_initial_and_where(backend, name, dtypes, kind):
    """testReducerInitial, testReducerWhere (where= of every broadcast-compatible trailing
    shape) and testReducerNoInitialZeroDims; initial= also as a NumPy float32 scalar."""
    xs = _inputs(name, kind, ALL_SHAPES, dtypes)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    cases = [(s, d, ax, init, kd, ws) for s in ALL_SHAPES for d in valid_dtypes(s, dtypes)
             for ax in _axes(s) for init in (0, 1, np.float32(2.5), None)
             for kd in (False, True) for ws in [None] + _where_shapes(s)
             if not (init is None and ws is not None)]
    masks = {}

    def make(s, d, ax, init, kd, ws):
        x = xs[(repr(s), np.dtype(d).name)]
        kw = dict(axis=ax, keepdims=kd)
        if init is not None:  # (NumPy reads initial=None as "no identity": empty input raises)
            kw["initial"] = init
        if ws is not None:
            kw["where"] = masks.setdefault(repr(ws), rng.random(ws) < 0.5)
        if name in ("nanmax", "nanmin") and np.ndim(x) == 0 and ws is not None:
            kw.pop("where")  # KNOWN["nanmax_0d_where"]: NumPy's 0-d path differs
        if init is None and 0 in np.shape(x) and name in ("max", "min", "nanmax", "nanmin"):
            kw["initial"] = 0  # (no identity: JAX's NoInitialZeroDims cases keep a size)
        return (lambda a: getattr(np, name)(a, **kw), lambda a: getattr(gnp, name)(a, **kw),
                lambda a: getattr(jnp, name)(a, **kw), [x], 10 * tolerance(d))
    _run(name, cases, make, limit=60)


WHERE_NO_INITIAL = [("all", B, "some_zero"), ("any", B, "some_zero"), ("mean", ALL, "default"),
                    ("var", ALL, "default"), ("std", ALL, "default"),
                    ("nanmean", INEX, "default"), ("nanvar", INEX, "default"),
                    ("nanstd", INEX, "default")]


@pytest.mark.parametrize("name,dtypes,kind", [pytest.param(*r, id=r[0])
                                              for r in WHERE_NO_INITIAL])
def test_reducer_where_no_initial(backend, name, dtypes, kind):
    """testReducerWhereNoInitial."""
    xs = _inputs(name, kind, NONEMPTY, dtypes)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    cases = [(s, d, ax, kd, ws) for s in NONEMPTY for d in valid_dtypes(s, dtypes)
             for ax in _axes(s) for kd in (False, True) for ws in _where_shapes(s)]
    masks = {}

    def make(s, d, ax, kd, ws):
        x = xs[(repr(s), np.dtype(d).name)]
        kw = dict(axis=ax, keepdims=kd, where=masks.setdefault(repr(ws), rng.random(ws) < 0.5))
        return (lambda a: getattr(np, name)(a, **kw), lambda a: getattr(gnp, name)(a, **kw),
                lambda a: getattr(jnp, name)(a, **kw), [x], 10 * tolerance(d))
    _run(name, cases, make)


@pytest.mark.parametrize("name", ["sum", "prod"])
def test_reducer_promote_integers(backend, name):
    """testReducerPromoteInt: gpuad's default is JAX's promote_integers=True (NumPy's rule),
    dtype=x.dtype is promote_integers=False; the keyword itself is refused (KNOWN)."""
    rng = np.random.default_rng(0)
    for d in (np.bool_, np.int8, np.uint8, np.int16, np.uint32, np.float16, np.complex64):
        x = draw(rng, "small_positive" if name == "prod" else "default", (2, 3), d)
        for axis, init in ((None, 0), (1, None)):
            kw = {} if init is None else {"initial": init}
            got = getattr(gnp, name)(_dev(x), axis=axis, **kw)
            want = getattr(jnp, name)(x, axis=axis, promote_integers=True, **kw)
            assert mismatch(got, want, 10 * tolerance(d)) is None, (d, axis)
            dt = x.dtype if x.dtype != np.bool_ else None
            if dt is not None:
                got = getattr(gnp, name)(_dev(x), axis=axis, dtype=dt, **kw)
                want = getattr(jnp, name)(x, axis=axis, promote_integers=False, **kw)
                assert mismatch(got, want, 10 * tolerance(d)) is None, (d, axis)
    with pytest.raises(TypeError, match="promote_integers"):
        getattr(gnp, name)(np.ones(3, np.int8), promote_integers=False)


@pytest.mark.parametrize("name", [r[0] for r in INITIAL])
def test_reducer_bad_initial_and_where(backend, name):
    """testReducerBadInitial, testReducerWhereNonBooleanErrorInitial/NoInitial (a TypeError
    as in NumPy, KNOWN["where_dtype"]) and a float initial of an integer reduction, which
    NumPy and JAX truncate to the reduction's dtype."""
    with pytest.raises(ValueError, match=r"scalar.*\(1, 2, 3\)"):
        getattr(gnp, name)(_dev(np.ones((2, 3, 4))), axis=-1, initial=np.zeros((1, 2, 3)))
    with pytest.raises(ValueError):
        getattr(jnp, name)(jnp.ones((2, 3, 4)), axis=-1, initial=jnp.zeros((1, 2, 3)))
    with pytest.raises(TypeError, match="boolean"):
        getattr(gnp, name)(_dev(np.zeros(10)), where=np.ones(10, int), initial=0.0)
    x = np.array([[1, 2, 3], [4, 5, 6]])
    if not name.startswith("nan"):
        for init in (2.5, np.float64(-1.5)):
            got = getattr(gnp, name)(_dev(x), axis=1, initial=init)
            assert mismatch(got, getattr(np, name)(x, axis=1, initial=init), 0) is None
            assert mismatch(got, getattr(jnp, name)(x, axis=1, initial=init), 0,
                            dtypes=False) is None
    if name in ("max", "min", "nanmax", "nanmin"):  # (sums and products are int64)
        with pytest.raises(OverflowError):  # KNOWN["initial_overflow"]
            getattr(gnp, name)(_dev(np.ones(3, np.int8)), initial=1000)


@pytest.mark.parametrize("name", [r[0] for r in WHERE_NO_INITIAL])
def test_reducer_where_non_boolean(backend, name):
    with pytest.raises(TypeError, match="boolean"):
        getattr(gnp, name)(_dev(np.zeros(10)), where=np.ones(10, int))
    with pytest.raises(ValueError, match="where must be None or a boolean"):
        getattr(jnp, name)(jnp.zeros(10), where=jnp.ones(10, int))


def test_reduction_axis_errors(backend):
    """testReductionOfOutOfBoundsAxis, testReductionWithRepeatedAxisError."""
    with pytest.raises(ValueError):
        gnp.sum(_dev(np.ones((3, 4))), axis=2)
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        gnp.sum(_dev(np.arange(3)), (0, 0))


def test_average(backend):
    """testAverage (weights None, per-axis or full shape; returned; keepdims) and
    testAverageNDWeights."""
    rng = np.random.default_rng(0)
    failures = []
    cases = []
    for shape in NONEMPTY:
        for d in valid_dtypes(shape, NUM):
            nd = len(array_shape(shape))
            for ax in list(range(-nd, nd)) + [None, tuple(range(nd))]:
                wss = [None, shape] if ax is None or nd == 1 or isinstance(ax, tuple) else \
                    [None, (array_shape(shape)[ax],), shape]
                for ws in wss:
                    cases += [(shape, d, ax, ws, r, k) for r in (False, True)
                              for k in (False, True)]
    for k, (shape, d, ax, ws, ret, kd) in enumerate(_sample(cases, 80, 1)):
        x = draw(rng, "default", shape, d)
        args = [x] if ws is None else [x, draw(rng, "positive", ws, d)]

        def np_fn(a, w=None):
            return np.average(a, ax, w, returned=ret, keepdims=kd)

        def g_fn(a, w=None):
            return gnp.average(a, ax, w, returned=ret, keepdims=kd)

        def j_fn(a, w=None):
            return jnp.average(a, ax, w, returned=ret, keepdims=kd)
        _compare("average", (shape, d, ax, ws, ret, kd), np_fn, g_fn, j_fn, args,
                 10 * tolerance(d), failures, jax_check=k < 2)
    for shape, ax in [((2, 3, 4), (1, 2)), ((2, 3, 4), (2, 0)), ((2, 3, 4), (0, 1, 2)),
                      ((2, 3, 4), (2, 0, 1)), ((2, 3, 4), (2, 1, 0)), ((2, 3, 4, 5), (3, 0)),
                      ((2, 3, 4, 5), (3, 0, 2, 1))]:
        x, w = rng.random(shape), rng.random(tuple(shape[a] for a in ax))
        _compare("average ND weights", (shape, ax), lambda a, b: np.average(a, ax, b),
                 lambda a, b: gnp.average(a, ax, b), lambda a, b: jnp.average(a, ax, b),
                 [x, w], 1e-12, failures, jax_check=ax == (3, 0, 2, 1))
    assert not failures, "\n".join(failures[:10])


def test_std_or_var(backend):
    """testStdOrVar (dtype=, ddof and correction, keepdims), testNanVar, and
    testStdOrVarLargeDdofReturnsNan; a complex input with a real dtype= is a ValueError as in
    JAX (KNOWN["complex_to_real_dtype"]), ddof with correction a ValueError."""
    rng = np.random.default_rng(0)
    failures = []
    cases = [(fn, s, d, od, ax, dc, kd) for fn in ("var", "std", "nanvar")
             for s in ((5,), (10, 5)) for d in ALL for od in INEX for ax in (None, 0, -1)
             for dc in ((0, None), (1, None), (1, 0), (0, 0), (0, 1), (0, 2))
             for kd in (False, True) if fn != "nanvar" or dc[1] is None]
    for k, (fn, s, d, od, ax, (ddof, corr), kd) in enumerate(_sample(cases, 120, 2)):
        x = draw(rng, "some_nan" if fn == "nanvar" else "default", s, d)
        kw = dict(dtype=od, axis=ax, ddof=ddof, keepdims=kd)
        if corr is not None:
            kw["correction"] = corr
        if np.dtype(d).kind == "c" and np.dtype(od).kind != "c":
            for mod in (gnp, jnp):
                with pytest.raises(ValueError):
                    getattr(mod, fn)(_dev(x) if mod is gnp else x, **kw)
            continue
        if corr is not None and ddof != 0:
            with pytest.raises(ValueError, match="ddof and correction"):
                getattr(gnp, fn)(_dev(x), **kw)
            continue
        _compare(fn, (s, d, od, ax, ddof, corr, kd), lambda a: getattr(np, fn)(a, **kw),
                 lambda a: getattr(gnp, fn)(a, **kw), lambda a: getattr(jnp, fn)(a, **kw),
                 [x], 10 * tolerance(d, od), failures, jax_check=k < 3)
    assert not failures, "\n".join(failures[:10])
    for name in ("var", "std"):  # KNOWN["large_ddof"]
        for size in (0, 1, 2):
            for extra in (0, 1, 2):
                got = getattr(gnp, name)(_dev(np.arange(size)), ddof=size + extra)
                want = quiet(getattr(np, name), np.arange(size), ddof=size + extra)[0]
                assert mismatch(got, want, 0) is None, (name, size, extra)
                assert np.isnan(getattr(jnp, name)(jnp.arange(size), ddof=size + extra))


def test_reducer_with_mean(backend):
    """testReducerWithMean: var/std/nanvar/nanstd with a given mean= of kept dimensions."""
    rng = np.random.default_rng(0)
    failures = []
    cases = [(fn, s, ax, d, ddof, kd) for fn in ("var", "std", "nanvar", "nanstd")
             for s, ax in (((5,), None), ((5,), 0), ((5,), -1), ((10, 5), None), ((10, 5), 0),
                           ((10, 5), 1), ((10, 5), -1), ((10, 5), (0, 1)), ((5, 4, 3), (0, 2)),
                           ((5, 4, 3), (1, -1)))
             for d in INEX + [np.int8, np.int16, np.int32, np.int64]
             for ddof in (0, 1) for kd in (False, True)]
    for k, (fn, s, ax, d, ddof, kd) in enumerate(_sample(cases, 80, 3)):
        x = draw(rng, "some_nan" if fn.startswith("nan") else "default", s, d)
        mshape = np.mean(np.zeros(s), axis=ax, keepdims=True).shape
        mdt = d if np.dtype(d).kind in "fc" else np.float64
        m = draw(rng, "default", mshape, mdt)
        kw = dict(axis=ax, ddof=ddof, keepdims=kd)
        _compare(fn, (s, ax, d, ddof, kd), lambda a, b: getattr(np, fn)(a, mean=b, **kw),
                 lambda a, b: getattr(gnp, fn)(a, mean=b, **kw),
                 lambda a, b: getattr(jnp, fn)(a, mean=b, **kw), [x, m], 10 * tolerance(d),
                 failures, jax_check=k < 2)
    assert not failures, "\n".join(failures[:10])


def test_nanvar_nanstd_grad(backend):
    """testNanStdGrad: the NaN entry gets a zero gradient, the others the variance's."""
    x = np.arange(5.0)
    x[0] = np.nan
    g = ad.grad(gnp.nanvar)(_dev(x))
    np.testing.assert_allclose(to_numpy(g), [0.0, -0.75, -0.25, 0.25, 0.75])
    np.testing.assert_allclose(to_numpy(g), jax.grad(jnp.nanvar)(x))
    assert not np.isnan(to_numpy(ad.grad(gnp.nanstd)(_dev(x)))).any()


def test_cov(backend):
    """testCov (y, rowvar, bias, ddof, fweights, aweights), testEmptyCov and
    testCovTransposeBehavior (NumPy 2.2: a (1, n) input with rowvar=False is n variables;
    gpuad returned a scalar before)."""
    rng = np.random.default_rng(0)
    failures = []
    cases = []
    for shape in ((5,), (10, 5), (5, 10)):
        for d in ALL:
            for yd in (None, d):
                for rowvar in (True, False):
                    if yd is None:
                        yss = [None]
                    elif len(shape) == 1:
                        yss = [shape]
                    elif rowvar or shape[0] == 1:
                        yss = [(1, shape[-1]), (2, shape[-1]), (5, shape[-1])]
                    else:
                        yss = [(shape[0], 1), (shape[0], 2), (shape[0], 5)]
                    cases += [(shape, d, ys, rowvar, b, dd, fw, aw) for ys in yss
                              for b in (True, False) for dd in (None, 2, 3)
                              for fw in (True, False) for aw in (True, False)]
    for k, (shape, d, ys, rowvar, bias, ddof, fw, aw) in enumerate(_sample(cases, 60, 4)):
        m = draw(rng, "default", shape, d)
        y = None if ys is None else draw(rng, "default", ys, d)
        wshape = shape[-1:] if rowvar or shape[0] == 1 else shape[:1]
        f = rng.integers(1, 4, wshape) if fw else None
        a = rng.uniform(1, 3, wshape) if aw else None
        kw = dict(rowvar=rowvar, bias=bias, ddof=ddof, fweights=f, aweights=a)
        _compare("cov", (shape, d, ys, rowvar, bias, ddof, fw, aw),
                 lambda m_: np.cov(m_, y, **kw), lambda m_: gnp.cov(m_, _dev(y), **kw),
                 lambda m_: jnp.cov(m_, y, **kw), [m], 1e-3, failures, jax_check=k < 2)
    for shape in ((0,), (3, 0), (0, 5), (1, 3), (3, 1)):
        for rowvar in (True, False):
            for ddof in (None, 0):
                x = rng.random(shape).astype(np.float32)
                _compare("cov", (shape, rowvar, ddof),
                         lambda m_: np.cov(m_, rowvar=rowvar, ddof=ddof),
                         lambda m_: gnp.cov(m_, rowvar=rowvar, ddof=ddof),
                         lambda m_: jnp.cov(m_, rowvar=rowvar, ddof=ddof), [x], 1e-5,
                         failures, jax_check=shape == (1, 3))
    assert not failures, "\n".join(failures[:10])
    assert gnp.cov(_dev(np.arange(5.0)), dtype=np.float32).dtype == np.float32


def test_quantile_and_median(backend):
    """testQuantile (every method, q as a Python / NumPy scalar or an array, axis tuples,
    keepdims), testPercentilePrecision and testMedian."""
    rng = np.random.default_rng(0)
    failures = []
    cases = [(op, hi, ash, ax, d, qs, kd, meth)
             for op, hi in (("percentile", 100.0), ("quantile", 1.0), ("nanpercentile", 100.0),
                            ("nanquantile", 1.0))
             for ash, ax in (((7,), None), ((6, 7), None), ((47, 7), 0), ((47, 7), ()),
                             ((4, 101), 1), ((4, 47, 7), (1, 2)), ((4, 47, 7), (0, 2)),
                             ((4, 47, 7), (1, 0, 2)))
             for d in DEF for qs in (PY, "np0", (1,), (4,)) for kd in (False, True)
             for meth in ("linear", "lower", "higher", "nearest", "midpoint")]
    for k, (op, hi, ash, ax, d, qs, kd, meth) in enumerate(_sample(cases, 80, 5)):
        a = draw(rng, "some_nan", ash, d)
        q = rng.uniform(0, hi, array_shape(qs)).astype(np.float32)
        q = float(q) if qs == PY else (q[()] if qs == "np0" else q)
        kw = dict(axis=ax, keepdims=kd, method=meth)
        _compare(op, (ash, ax, d, qs, kd, meth), lambda a_, q_: getattr(np, op)(a_, q_, **kw),
                 lambda a_, q_: getattr(gnp, op)(a_, q_, **kw),
                 lambda a_, q_: getattr(jnp, op)(a_, q_, **kw), [a, q], 1e-3, failures,
                 jax_check=k < 2 and not op.startswith("nan"), dtypes=False)
    # (dtypes unchecked, as in JAX's test: NumPy's result for float16 data and a float32 q
    # is float32, or float16 where a NaN short-cuts its computation; gpuad's always float32)
    assert float(gnp.percentile(_dev(np.float64([1, 2, 3, 4, 7, 10])), 50)) == 3.5
    for op in ("median", "nanmedian"):
        for ash, ax in (((7,), None), ((6, 7), None), ((47, 7), 0), ((4, 101), 1)):
            for d in DEF:
                for kd in (False, True):
                    a = draw(rng, "some_nan" if op == "nanmedian" else "default", ash, d)
                    _compare(op, (ash, ax, d, kd),
                             lambda a_: getattr(np, op)(a_, axis=ax, keepdims=kd),
                             lambda a_: getattr(gnp, op)(a_, axis=ax, keepdims=kd),
                             lambda a_: getattr(jnp, op)(a_, axis=ax, keepdims=kd), [a], 1e-3,
                             failures, jax_check=False)
    assert not failures, "\n".join(failures[:10])


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
def test_cumulative(backend, name):
    """testCumulativeSum / testCumulativeProd (axis, dtype= over every dtype, include_initial)
    and testCumulativeSumErrors (0-d and multi-dimensional input without axis)."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    failures = []
    cases = [(s, ax, d, od, inc) for s in ALL_SHAPES
             for ax in list(range(-len(array_shape(s)), len(array_shape(s))))
             + ([None] if len(array_shape(s)) == 1 else [])
             for d in valid_dtypes(s, ALL)
             for od in [None] + (list(INEX[3:]) if np.dtype(d).kind == "c" else ALL)
             for inc in (False, True)]
    for k, (s, ax, d, od, inc) in enumerate(_sample(cases, 80, 6)):
        x = np.asarray(draw(rng, "some_zero", s, d))
        if od in U and x.dtype.kind != "b":
            x = np.abs(x) * 10
        kw = dict(axis=ax, dtype=od, include_initial=inc)
        _compare(name, (s, ax, d, od, inc), lambda a: getattr(np, name)(a, **kw),
                 lambda a: getattr(gnp, name)(a, **kw), lambda a: getattr(jnp, name)(a, **kw),
                 [x], 10 * tolerance(d, od or d), failures, jax_check=k < 2)
    assert not failures, "\n".join(failures[:10])
    for inc in (False, True):
        with pytest.raises(ValueError, match="axis"):
            getattr(gnp, name)(_dev(np.ones((3, 4))), include_initial=inc)
        with pytest.raises(ValueError):  # KNOWN["cumulative_0d"]: NumPy (and gpuad) take it
            getattr(jnp, name)(jnp.ones(()), include_initial=inc)
        got = getattr(gnp, name)(_dev(np.array(2.0)), include_initial=inc)
        assert mismatch(got, getattr(np, name)(np.array(2.0), include_initial=inc), 0) is None
    got = gnp.cumulative_sum(_dev(np.array([[0.1], [0.1], [0.0]])), axis=-1, dtype=np.bool_)
    np.testing.assert_array_equal(to_numpy(got), [[True], [True], [False]])


# ------------------------------------------------------------------ gradients

GRAD_CASES = [  # (name, kwargs, shape, rng kind): every keyword of the differentiable reducers
    ("sum", dict(axis=(0, 2), keepdims=True), (2, 3, 4), "default"),
    ("sum", dict(axis=-1, initial=1.5, where=np.array([True, False, True, True])), (2, 3, 4),
     "default"),
    ("prod", dict(axis=1), (2, 3, 4), "positive"),
    ("prod", dict(axis=None, initial=2.0, where=np.array([True, False, True, True])),
     (3, 4), "positive"),
    ("max", dict(axis=0, initial=-1.0), (3, 4), "default"),
    ("min", dict(axis=(0, 1), keepdims=True, initial=0.5,
                 where=np.array([[True, False, True, True]])), (3, 4), "default"),
    ("mean", dict(axis=-1, where=np.array([True, False, True, True])), (3, 4), "default"),
    ("mean", dict(axis=(1, 0)), (2, 3, 4), "default"),
    ("var", dict(axis=1, ddof=1, keepdims=True), (3, 4), "default"),
    ("var", dict(axis=0, correction=1, where=np.array([[True], [True], [False]])), (3, 4),
     "default"),
    ("std", dict(axis=None, ddof=0), (3, 4), "default"),
    ("std", dict(axis=-1, where=np.array([True, True, False, True])), (3, 4), "default"),
    ("nansum", dict(axis=1, initial=0.5), (3, 4), "some_nan"),
    ("nanprod", dict(axis=0), (3, 4), "some_nan"),
    ("nanmean", dict(axis=-1, keepdims=True), (3, 4), "some_nan"),
    ("nanvar", dict(axis=0, ddof=1), (5, 3), "some_nan"),
    ("nanstd", dict(axis=None), (3, 4), "some_nan"),
    ("nanmax", dict(axis=1), (3, 4), "some_nan"),
    ("nanmin", dict(axis=0, initial=1.0, where=np.array([True, True, False, True])), (3, 4),
     "some_nan"),
    ("ptp", dict(axis=1, keepdims=True), (3, 4), "default"),
    ("average", dict(axis=1, weights=np.array([1.0, 2.0, 3.0, 0.5])), (3, 4), "default"),
    ("cumulative_sum", dict(axis=1, include_initial=True), (3, 4), "default"),
    ("cumulative_prod", dict(axis=0, include_initial=True), (3, 4), "positive"),
    ("median", dict(axis=1), (3, 5), "default"),
    ("quantile", dict(q=np.array([0.2, 0.7]), axis=0, method="linear"), (5, 3), "default"),
    ("nanpercentile", dict(q=30.0, axis=1, method="midpoint"), (3, 5), "some_nan"),
    ("cov", dict(rowvar=False, aweights=np.array([1.0, 2.0, 0.5, 1.5, 1.0])), (5, 3),
     "default"),
]


@pytest.mark.parametrize("name,kw,shape,kind",
                         [pytest.param(*c, id=f"{c[0]}-{i}") for i, c in enumerate(GRAD_CASES)])
def test_reducer_grad(backend, name, kw, shape, kind):
    """The gradient of ``sum(f(x) * c)`` against jax.grad and float64 central differences
    (NaN entries of the nan* inputs are held fixed: the difference quotient is taken in the
    other entries only)."""
    rng = np.random.default_rng(zlib.crc32(f"{name}{kw}".encode()))
    x = draw(rng, kind, shape, np.float64)
    if kind == "default" and name in ("max", "min", "ptp", "median", "quantile"):
        x = x + np.arange(x.size).reshape(shape) * 0.01  # distinct values: no ties
    kw = {k: _dev(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    q = kw.pop("q", None)
    jq = to_numpy(q) if isinstance(q, type(_dev(np.zeros(1)))) else q
    jkw = {k: to_numpy(v) if not isinstance(v, float | int | str | tuple | type(None)) else v
           for k, v in kw.items()}

    def g_fn(a):
        return getattr(gnp, name)(a, **kw) if q is None else getattr(gnp, name)(a, q, **kw)

    def j_fn(a):
        return getattr(jnp, name)(a, **jkw) if q is None else getattr(jnp, name)(a, jq, **jkw)
    want = np.asarray(j_fn(x))
    c = rng.standard_normal(want.shape)
    got = g_fn(_dev(x))
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-10, equal_nan=True)
    ours = ad.grad(lambda a: gnp.sum(g_fn(a) * c))(_dev(x))
    theirs = jax.grad(lambda a: jnp.sum(j_fn(a) * c))(x)
    np.testing.assert_allclose(to_numpy(ours), theirs, rtol=1e-9, atol=1e-9)
    nan = np.isnan(x)
    if nan.any():
        fixed = np.where(nan, 0.0, x)

        def live(v):
            return g_fn(gnp.where(_dev(nan), np.nan, v))
        check_grads(live, (_dev(fixed),), order=1, modes=("rev",))
    else:
        check_grads(g_fn, (_dev(x),), order=1, modes=("rev", "fwd"))


def test_where_broadcast_and_empty_grads(backend):
    """Gradients through where= of a broadcast mask and through an empty reduction with
    initial= (zero gradients of the right shape), against JAX."""
    x = np.random.default_rng(0).standard_normal((3, 4))
    w = np.array([True, False, True, False])
    for name, kw in (("sum", dict(axis=0, where=w)), ("max", dict(axis=1, where=w, initial=0.0)),
                     ("mean", dict(where=w)), ("var", dict(axis=1, where=w))):
        ours = ad.grad(lambda a: gnp.sum(getattr(gnp, name)(a, **kw)))(_dev(x))
        theirs = jax.grad(lambda a: jnp.sum(getattr(jnp, name)(a, **kw)))(x)
        np.testing.assert_allclose(to_numpy(ours), theirs, rtol=1e-12, atol=1e-12)
    e = np.zeros((0, 4))
    for name in ("sum", "prod", "max", "min", "nanmax"):
        ours = ad.grad(lambda a: gnp.sum(getattr(gnp, name)(a, axis=0, initial=1.0)))(_dev(e))
        assert to_numpy(ours).shape == (0, 4)

