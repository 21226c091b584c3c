"""jax.numpy's ufunc suite (``tests/lax_numpy_ufuncs_test.py``) ported to gpuad's ufunc
objects, with the ufunc-method cases of NumPy's ``numpy/_core/tests/test_ufunc.py`` (reduce,
accumulate, outer, at, reduceat): ``gnp.add.reduce``, ``gnp.maximum.accumulate``, ...

Every elementwise NumPy ufunc gpuad.numpy has is checked against NumPy (value, dtype, shape,
and that gpuad raises where NumPy does) on JAX's shapes and dtypes; the ufuncs jax.numpy has as
``jnp.ufunc`` and the ``frompyfunc`` ones are checked against jax.numpy too (x64). Gradients
of every method are checked in float64 against jax.grad (of ``jnp.frompyfunc`` of the jnp
function where jax.numpy's own is not a ufunc) and against central differences, with tied
values for maximum/minimum. The calls themselves are covered by the operator suite
(test_jax_numpy_operators_suite.py).

``KNOWN`` lists where gpuad deliberately differs from JAX, with the reason.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest
from _jnp_suite_common import draw, mismatch, quiet, tolerance

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.backends import get_backend  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402

KNOWN = {
    "nargs": "NumPy's count (nin + nout): gpuad's ufuncs take out= as NumPy's do; JAX's "
             "nargs is nin (its ufuncs refuse out=)",
    "readonly": "gnp.add and the other ufunc-named functions are functions carrying the "
                "ufunc's attributes (a call costs nothing more), so those attributes can be "
                "reassigned; frompyfunc's ufuncs are read-only as JAX's",
    "at_default": "at() defaults to inplace=False (JAX's default True always raises); "
                  "inplace=True raises NotImplementedError as in JAX",
    "multi_axis": "reduce of a ufunc NumPy may not reorder (no identity) over several axes "
                  "is NumPy's ValueError; JAX ravels and folds",
    "where_dtype": "a non-boolean where= is NumPy's TypeError (JAX: ValueError)",
    "dtypes": "reduce/accumulate/reduceat dtypes are NumPy's (add.reduce of bool is int64 "
              "as in NumPy)",
    "power_where": "power.reduce of integers with where=: the masked entries are computed "
                   "too (then discarded), so a negative integer exponent among them raises "
                   "NumPy's ValueError for integer powers (NumPy skips them)",
    "fmax_ties": "fmax.reduce/accumulate share a tied maximum's gradient equally (nanmax's "
                 "rule, as max); JAX's fmax gives all of it to one operand (checked against "
                 "central differences away from ties)",
    "initial_none": "initial=None given explicitly is the default (as JAX); NumPy reads it "
                    "as 'no identity' and raises for an empty reduction",
    "at_dtype": "at()'s result has the ufunc's result dtype (out of place, as JAX); NumPy "
                "writes into the target, casting after every step",
    "multiply_at": "JAX has no gradient of multiply.at with repeated indices (scatter_mul); "
                   "gpuad's is checked against central differences",
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


_NP_UFUNCS = sorted(n for n in dir(np) if isinstance(getattr(np, n), np.ufunc)
                    and getattr(np, n).signature is None and hasattr(gnp, n))
_BINARY = [n for n in _NP_UFUNCS if getattr(np, n).nin == 2 and getattr(np, n).nout == 1]
_UNARY = [n for n in _NP_UFUNCS if getattr(np, n).nin == 1 and getattr(np, n).nout == 1]
_JNP_UFUNCS = sorted(n for n in dir(jnp) if isinstance(getattr(jnp, n), jnp.ufunc))
_BROADCAST = [(), (1,), (3,), (1, 3), (4, 1), (4, 3)]
_ALL_SHAPES = [(4,), (4, 3), (0, 3)]  # (JAX's (3,) and (4, 0) add no new case)


def _dtypes(name):
    """JAX's _jnp_ufunc_props: the dtypes of "FfIi?" with a same-type NumPy loop."""
    types = getattr(np, name).types
    return [np.dtype(c) for c in "FfIi?" if f"{c}{c}->{c}" in types or f"{c}->{c}" in types]


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _draw(rng, shape, dt):
    return draw(rng, "bool" if dt == np.bool_ else "nonzero", shape, dt)


def _compare(got, gerr, want, werr, tol, label, failures):
    if werr is not None:
        if gerr is None:
            failures.append(f"{label}: NumPy raises {werr!r}, gpuad returns")
        elif not isinstance(gerr, type(werr)) and not isinstance(werr, type(gerr)):
            failures.append(f"{label}: NumPy raises {werr!r}, gpuad {gerr!r}")
        return
    why = repr(gerr) if gerr is not None else mismatch(got, want, tol)
    if why:
        failures.append(f"{label}: {why}")


def _left_fold(n):
    """NumPy's ufunc.reduce/reduceat as documented (a left fold), through an object-dtype
    ufunc that applies ``n`` pairwise: NumPy 2.4's float reduce of power and arctan2 is not
    the left fold its own accumulate computes (power.reduce([1.5, .7, 2, 1.3]) = 1.694,
    accumulate[-1] = 2.092), so it is the reference only where it agrees with accumulate."""
    probe = np.array([1.5, 0.7, 2.0, 1.3], np.float32)
    try:
        if n.reduce(probe).dtype.kind != "f" or n.reduce(probe) == n.accumulate(probe)[-1]:
            return n
    except (TypeError, ValueError):  # not a float ufunc, or no reduce
        return n
    folded = np.frompyfunc(lambda a, b: n(a, b), 2, 1, identity=n.identity)

    def typed(method):
        def run(x, *args, **kw):
            getattr(n, method)(x, *args, **kw)  # NumPy's errors (several axes, no identity)
            out = getattr(folded, method)(x.astype(object), *args, **kw)
            return np.asarray(out).astype(np.result_type(n(x.dtype.type(1), x.dtype.type(1))))

        return run

    return type("LeftFold", (), {"reduce": staticmethod(typed("reduce")),
                                 "reduceat": staticmethod(typed("reduceat"))})


# ------------------------------------------------------------------ properties


@pytest.mark.parametrize("name", _NP_UFUNCS)
def test_ufunc_properties(name):
    """test_ufunc_properties: nin, nout, identity, nargs are NumPy's (KNOWN["nargs"])."""
    g, n = getattr(gnp, name), getattr(np, name)
    assert isinstance(g, gnp.ufunc)
    assert (g.nin, g.nout, g.nargs) == (n.nin, n.nout, n.nargs)
    assert g.identity == n.identity or (g.identity is None and n.identity is None)
    for m in ("reduce", "accumulate", "outer", "at", "reduceat"):
        assert callable(getattr(g, m))
    if name in _JNP_UFUNCS:
        j = getattr(jnp, name)
        assert (g.nin, g.nout, g.identity) == (j.nin, j.nout, j.identity)


_SCALAR = {
    "add": (lambda x, y: x + y, 0), "div": (lambda x, y: x / y, None),
    "mul": (lambda x, y: x * y, 1), "sub": (lambda x, y: x - y, None),
}


@pytest.mark.parametrize("key", sorted(_SCALAR))
def test_frompyfunc_properties(key):
    """test_frompyfunc_properties, _readonly, _hash."""
    func, identity = _SCALAR[key]
    f = gnp.frompyfunc(func, 2, 1, identity=identity)
    assert isinstance(f, gnp.ufunc)
    assert (f.nin, f.nout, f.nargs, f.identity) == (2, 1, 3, identity)
    for attr in ("nargs", "nin", "nout", "identity", "_func"):
        getattr(f, attr)
        with pytest.raises(AttributeError):
            setattr(f, attr, None)
    f2 = gnp.frompyfunc(func, 2, 1, identity=identity)
    assert f == f2 and hash(f) == hash(f2)
    assert f != gnp.frompyfunc(gnp.add, 2, 1, identity=0)


# ------------------------------------------------------------------ reduce


def _reduce_cases(name):
    for dt in _dtypes(name):
        for shape in _ALL_SHAPES:
            for axis in [None, *range(-len(shape), len(shape))]:
                yield dt, shape, axis


@pytest.mark.parametrize("name", _BINARY)
def test_binary_ufunc_reduce(backend, name):
    """test_binary_ufunc_reduce, _where, _initial, _where_initial against NumPy (errors
    included: no identity over nothing, several axes of a non-reorderable ufunc, where=
    without identity or initial), and against jax.numpy for its ufuncs."""
    g, n = getattr(gnp, name), _left_fold(getattr(np, name))
    failures = []
    for dt, shape, axis in _reduce_cases(name):
        rng = _rng(name, dt.str, shape, axis)
        x, w = _draw(rng, shape, dt), rng.random(shape) < 0.6
        init = _draw(rng, (), dt)[()]
        tol = tolerance(dt) * (10 if dt.kind in "fc" else 1)
        for kw in ({}, {"where": w}, {"initial": init}, {"where": w, "initial": init},
                   {"keepdims": True}):
            if "where" in kw and name in ("power", "pow") and dt.kind == "i":
                continue  # KNOWN["power_where"]
            label = f"{name}.reduce {shape} {dt} axis={axis} {sorted(kw)}"
            want, werr = quiet(n.reduce, x, axis=axis, **kw)
            args = {k: (_dev(v) if k == "where" else v) for k, v in kw.items()}
            got, gerr = quiet(g.reduce, _dev(x), axis=axis, **args)
            _compare(got, gerr, want, werr, tol, label, failures)
        if name in _JNP_UFUNCS and shape == (4, 3) and dt.kind != "b" and axis in (0, None):
            jw, jerr = quiet(getattr(jnp, name).reduce, x, axis=axis)
            got, gerr = quiet(g.reduce, _dev(x), axis=axis)
            if jerr is None and gerr is None and mismatch(got, jw, tol, dtypes=False):
                failures.append(f"{name}.reduce {shape} {dt} axis={axis}: differs from JAX")
    assert not failures, "\n".join(failures[:10])


def test_reduce_where_needs_identity_or_initial(backend):
    """where= with a ufunc that has no identity needs initial= (JAX and NumPy: ValueError);
    a non-boolean where= is NumPy's TypeError (KNOWN["where_dtype"])."""
    x = _dev(np.arange(6.0).reshape(2, 3))
    w = _dev(np.array([True, False, True]))
    with pytest.raises(ValueError, match="initial"):
        gnp.maximum.reduce(x, where=w)
    with pytest.raises(ValueError):
        jnp.maximum.reduce(np.arange(6.0).reshape(2, 3), where=np.array([True, False, True]))
    np.testing.assert_allclose(to_numpy(gnp.maximum.reduce(x, where=w, initial=-1.0)),
                               [3.0, -1.0, 5.0])
    with pytest.raises(TypeError):
        gnp.add.reduce(x, where=_dev(np.array([1, 0, 1])))


# ------------------------------------------------------------------ accumulate


@pytest.mark.parametrize("name", _BINARY)
def test_binary_ufunc_accumulate(backend, name):
    """test_binary_ufunc_accumulate against NumPy (values and NumPy's dtype) and, for JAX's
    ufuncs, against jax.numpy's values (JAX casts back to the input dtype)."""
    g, n = getattr(gnp, name), getattr(np, name)
    failures = []
    for dt in _dtypes(name):
        for shape in _ALL_SHAPES:
            for axis in range(-len(shape), len(shape)):
                rng = _rng(name, dt.str, shape, axis, "acc")
                x = _draw(rng, shape, dt)
                tol = tolerance(dt) * (10 if dt.kind in "fc" else 1)
                want, werr = quiet(n.accumulate, x, axis=axis)
                got, gerr = quiet(g.accumulate, _dev(x), axis=axis)
                _compare(got, gerr, want, werr, tol, f"{name}.accumulate {shape} {dt} "
                         f"axis={axis}", failures)
                if name in _JNP_UFUNCS and shape == (4, 3) and werr is None and dt.kind == "f":
                    jw = getattr(jnp, name).accumulate(x, axis=axis)
                    if mismatch(got, jw, tol, dtypes=False):
                        failures.append(f"{name}.accumulate {shape} {dt}: differs from JAX")
    assert not failures, "\n".join(failures[:10])


def test_accumulate_errors(backend):
    """NumPy's errors: a 0-d array (TypeError), several axes, an axis out of range; a unary
    ufunc has no accumulate (ValueError, as JAX and NumPy)."""
    x = _dev(np.ones((2, 3)))
    with pytest.raises(TypeError):
        gnp.add.accumulate(np.array(1.0))
    with pytest.raises(ValueError):
        gnp.add.accumulate(x, axis=(0, 1))
    with pytest.raises(np.exceptions.AxisError):
        gnp.add.accumulate(x, axis=2)
    with pytest.raises(ValueError):
        gnp.exp.accumulate(x)
    with pytest.raises(ValueError):
        gnp.exp.reduce(x)
    with pytest.raises(ValueError):
        gnp.exp.outer(x, x)


# ------------------------------------------------------------------ outer


@pytest.mark.parametrize("name", _BINARY)
def test_binary_ufunc_outer(backend, name):
    """test_binary_ufunc_outer over JAX's broadcast-compatible shapes."""
    g, n = getattr(gnp, name), getattr(np, name)
    failures = []
    for dt in _dtypes(name):
        for ls, rs in itertools.product(_BROADCAST, _BROADCAST[::2]):
            rng = _rng(name, dt.str, ls, rs, "outer")
            x, y = _draw(rng, ls, dt), _draw(rng, rs, dt)
            want, werr = quiet(n.outer, x, y)
            got, gerr = quiet(g.outer, _dev(x), _dev(y))
            _compare(got, gerr, want, werr, tolerance(dt), f"{name}.outer {ls} {rs} {dt}",
                     failures)
    assert not failures, "\n".join(failures[:10])


# ------------------------------------------------------------------ at


def _np_at(uf, x, idx, *y):
    x = x.copy()
    uf.at(x, idx, *y)
    return x


@pytest.mark.parametrize("name", _BINARY + _UNARY)
def test_ufunc_at(backend, name):
    """test_unary_ufunc_at / test_binary_ufunc_at (repeated indices apply once per
    occurrence) against NumPy's in-place at on a copy, and against jax.numpy's
    at(inplace=False) for its ufuncs. The result's dtype is the ufunc's on (a, b), as JAX."""
    g, n = getattr(gnp, name), getattr(np, name)
    failures = []
    for dt in _dtypes(name):
        for shape, idx_shape in itertools.product([(4,), (4, 3)], [(), (5,)]):
            rng = _rng(name, dt.str, shape, idx_shape, "at")
            x = _draw(rng, shape, dt)
            idx = rng.integers(-shape[0], shape[0], idx_shape).astype(np.int32)
            ys = () if n.nin == 1 else (_draw(rng, idx_shape[1:], dt),)
            want, werr = quiet(_np_at, n, x, idx, *ys)
            got, gerr = quiet(g.at, _dev(x), _dev(idx), *map(_dev, ys))
            label = f"{name}.at {shape} idx{idx_shape} {dt}"
            if werr is None and gerr is None:
                rdt = quiet(n, x, *ys)[0]
                if rdt is not None and np.asarray(rdt).dtype != np.asarray(to_numpy(got)).dtype:
                    failures.append(f"{label}: dtype {to_numpy(got).dtype}, expected "
                                    f"{np.asarray(rdt).dtype}")
                    continue
                want = np.asarray(want).astype(np.asarray(to_numpy(got)).dtype)
            _compare(got, gerr, want, werr, tolerance(dt), label, failures)
            if name in _JNP_UFUNCS and werr is None and shape == (4, 3):
                jw = getattr(jnp, name).at(x, idx, *ys, inplace=False)
                if mismatch(got, jw, tolerance(dt), dtypes=False):
                    failures.append(f"{label}: differs from JAX")
    assert not failures, "\n".join(failures[:10])


def test_at_inplace_and_broadcasting(backend):
    """inplace=True raises as in JAX (KNOWN["at_default"]); test_frompyfunc_at_broadcasting
    (a (3, 3) b over rows 0, 4, 2 of a (5, 3) array); the input is never written."""
    x = np.ones((5, 3))
    with pytest.raises(NotImplementedError):
        gnp.add.at(_dev(x), _dev(np.array([0])), 1.0, inplace=True)
    with pytest.raises(NotImplementedError):
        jnp.add.at(x, np.array([0]), 1.0)
    idx, y = np.array([0, 4, 2]), np.arange(9.0).reshape(3, 3)
    xd = _dev(x.copy())
    for f in (gnp.add, gnp.frompyfunc(gnp.add, 2, 1, identity=0),
              gnp.frompyfunc(gnp.hypot, 2, 1)):
        want = _np_at(np.add if f.identity == 0 else np.hypot, x, idx, y)
        np.testing.assert_allclose(to_numpy(f.at(xd, _dev(idx), _dev(y))), want)
    np.testing.assert_array_equal(to_numpy(xd), x)


# ------------------------------------------------------------------ reduceat


@pytest.mark.parametrize("name", _BINARY)
def test_binary_ufunc_reduceat(backend, name):
    """test_binary_ufunc_reduceat: random indices (not sorted: a non-increasing pair takes
    the single element) against NumPy, value and dtype."""
    g, n = getattr(gnp, name), _left_fold(getattr(np, name))
    failures = []
    for dt in _dtypes(name):
        for shape in _ALL_SHAPES:
            for axis in range(-len(shape), len(shape)):
                if shape[axis] == 0:
                    continue
                for k in (0, 5):
                    rng = _rng(name, dt.str, shape, axis, k, "reduceat")
                    x = _draw(rng, shape, dt)
                    idx = rng.integers(0, shape[axis], (k,)).astype(np.int32)
                    want, werr = quiet(n.reduceat, x, idx, axis=axis)
                    got, gerr = quiet(g.reduceat, _dev(x), _dev(idx), axis=axis)
                    _compare(got, gerr, want, werr, tolerance(dt) * 10,
                             f"{name}.reduceat {shape} {dt} axis={axis} idx={idx}", failures)
    assert not failures, "\n".join(failures[:10])


@pytest.mark.parametrize("name", ["add", "multiply"])
def test_binary_ufunc_reduceat_dtype(backend, name):
    x, i = np.array([100] * 4, np.int8), np.array([0], np.int32)
    got = getattr(gnp, name).reduceat(_dev(x), _dev(i), dtype=np.int32)
    want = getattr(np, name).reduceat(x, i, dtype=np.int32)
    assert mismatch(got, want, 0) is None  # (jax 0.10's answer is int8: not compared)


def test_reduceat_errors(backend):
    """NumPy's errors: an index out of range (IndexError), 2-D indices, a 0-d array."""
    x = _dev(np.arange(5.0))
    with pytest.raises(IndexError):
        gnp.add.reduceat(x, [0, 5])
    with pytest.raises(ValueError):
        gnp.add.reduceat(x, [[0, 1]])
    with pytest.raises(TypeError):
        gnp.add.reduceat(np.array(1.0), [0])


# ------------------------------------------------------------------ frompyfunc methods


@pytest.mark.parametrize("key", sorted(_SCALAR))
def test_frompyfunc_methods(backend, key):
    """test_frompyfunc_reduce/_reduce_where/_accumulate/_outer/_at/_reduceat against
    numpy.frompyfunc (cast back from object) and jnp.frompyfunc."""
    func, identity = _SCALAR[key]
    g = gnp.frompyfunc(func, 2, 1, identity=identity)
    n = np.frompyfunc(func, 2, 1, identity=identity)
    j = jnp.frompyfunc(func, 2, 1, identity=identity)
    rng = _rng(key, "frompyfunc")
    failures = []

    def cmp(got, want, label):
        w = None if want is None else np.asarray(want, dtype=np.float64)
        why = mismatch(got, w, 1e-10)
        if why:
            failures.append(f"{key} {label}: {why}")

    for shape in _ALL_SHAPES:
        x = _draw(rng, shape, np.float64)
        w = rng.random(shape) < 0.6
        for axis in [None, *range(-len(shape), len(shape))]:
            empty = (0 in shape) if axis is None else shape[axis] == 0
            if identity is None and (empty or (axis is None and len(shape) > 1)):
                with pytest.raises(ValueError):
                    g.reduce(_dev(x), axis=axis)
                continue
            cmp(g.reduce(_dev(x), axis=axis), n.reduce(x, axis=axis), f"reduce {shape} {axis}")
            init = 1.0 if identity is None else None
            if axis is not None or len(shape) == 1 or identity is not None:
                cmp(g.reduce(_dev(x), axis=axis, where=_dev(w), initial=init),
                    n.reduce(x, axis=axis, where=w,
                             initial=identity if init is None else init),
                    f"reduce where {shape} {axis}")
            if axis is not None and not empty:
                cmp(g.accumulate(_dev(x), axis=axis), n.accumulate(x, axis=axis).astype(float),
                    f"accumulate {shape} {axis}")
                idx = rng.integers(0, shape[axis], (4,))
                cmp(g.reduceat(_dev(x), _dev(idx), axis=axis),
                    n.reduceat(x, idx, axis=axis).astype(float), f"reduceat {shape} {axis}")
    x, y = _draw(rng, (4, 1), np.float64), _draw(rng, (3,), np.float64)
    cmp(g.outer(_dev(x), _dev(y)), n.outer(x, y).astype(float), "outer")
    cmp(g.outer(_dev(x), _dev(y)), j.outer(x, y), "outer vs JAX")
    x, idx, v = _draw(rng, (4, 3), np.float64), np.array([1, -1, 1]), 2.5
    cmp(g.at(_dev(x), _dev(idx), v), _np_at(n, x, idx, v).astype(float), "at")
    cmp(g.at(_dev(x), _dev(idx), v), j.at(x, idx, v, inplace=False), "at vs JAX")
    x = _draw(rng, (4, 3), np.float64)
    cmp(g.reduce(_dev(x), axis=1), j.reduce(x, axis=1), "reduce vs JAX")
    cmp(g.accumulate(_dev(x), axis=0), j.accumulate(x, axis=0), "accumulate vs JAX")
    assert not failures, "\n".join(failures[:10])


# ------------------------------------------------------------------ gradients

_GRAD_UFUNCS = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "fmax",
                "logaddexp", "logaddexp2", "hypot", "arctan2", "power", "copysign"]


def _jnp_ufunc(name):
    j = getattr(jnp, name)
    if isinstance(j, jnp.ufunc):
        return j
    return jnp.frompyfunc(j, 2, 1, identity=getattr(np, name).identity)


def _methods():
    """The methods as functions ``(ufunc, x)`` of one float64 array of shape (4, 3)."""
    idx = np.array([0, 2, 0, 3])
    w = np.array([[True, False, True]] * 4)
    return {
        "reduce0": lambda u, x: u.reduce(x, axis=0),
        "reduce1_keep": lambda u, x: u.reduce(x, axis=1, keepdims=True),
        "reduce_initial": lambda u, x: u.reduce(x, axis=0, initial=1.5),
        "reduce_where": lambda u, x: u.reduce(x, axis=0, where=w, initial=1.5),
        "accumulate0": lambda u, x: u.accumulate(x, axis=0),
        "accumulate1": lambda u, x: u.accumulate(x, axis=1),
        "outer": lambda u, x: u.outer(x[0], x[:, 1]),
        "at": lambda u, x: u.at(x, idx, x[1, 0] * 0.5 + 1.0, inplace=False),
        "reduceat": lambda u, x: u.reduceat(x, np.array([0, 2, 1]), axis=0),
    }


def _grad_input(name, rng, ties: bool):
    x = rng.uniform(1.2, 2.5, (4, 3))
    if name in ("subtract", "divide", "arctan2", "copysign"):
        x = x * rng.choice([-1.0, 1.0], (4, 3)) if name != "divide" else x
    if ties:
        x[1] = x[0]
        x[3, 1] = x[0, 1]
    return x


@pytest.mark.parametrize("name", _GRAD_UFUNCS)
def test_method_gradients(backend, name):
    """d/dx of sum(v * method(x)) for every method: gpuad against jax.grad (of jax.numpy's
    ufunc, or jnp.frompyfunc of its function) in float64, and, on distinct values, against
    central differences (first and second order, reverse and forward). maximum/minimum/fmax
    also on tied values against JAX, whose ties split the gradient as gpuad's rules do."""
    g, j = getattr(gnp, name), _jnp_ufunc(name)
    failures = []
    for mname, m in _methods().items():
        if name in ("power",) and mname in ("reduce_where",):
            continue
        # JAX compiles each peer (a scan for jnp.frompyfunc's, about a second): the main
        # methods are compared with JAX, all with central differences
        peer = mname in ("reduce0", "accumulate0") if name not in _JNP_UFUNCS else \
            mname not in ("reduce1_keep", "accumulate1")
        tied = name in ("maximum", "minimum") and mname in (
            "reduce0", "accumulate0", "reduce_where", "reduceat")
        for ties in (False, True) if tied else (False,):
            rng = _rng(name, mname, ties, "grad")
            x = _grad_input(name, rng, ties)
            v = rng.standard_normal(np.shape(m(j, x)))
            ours = ad.grad(lambda a, m=m, v=v: gnp.sum(_dev(v) * m(g, a)))(_dev(x))
            skip = not peer or (name == "multiply" and mname == "at") or \
                (ties and name == "fmax")
            theirs = None if skip else jax.grad(lambda a, m=m, v=v: jnp.sum(v * m(j, a)))(x)
            if theirs is not None and mismatch(ours, np.asarray(theirs), 1e-9):
                failures.append(f"{name}.{mname} ties={ties}: gradient {to_numpy(ours).ravel()[:6]}"
                                f", JAX {np.asarray(theirs).ravel()[:6]}")
            if not ties:
                try:
                    check_grads(lambda a, m=m: m(g, a), (_dev(x),),
                                order=2 if mname == "reduce0" else 1,
                                modes=("rev", "fwd"))
                except AssertionError as e:
                    failures.append(f"{name}.{mname}: central differences: {str(e)[:200]}")
    assert not failures, "\n".join(failures[:10])


# ------------------------------------------------------------------ NumPy's test_ufunc.py


def _same(got, want):
    assert mismatch(got, np.asarray(want), 1e-12) is None, (to_numpy(got), want)


def test_numpy_ufunc_method_cases(backend):
    """Cases of numpy/_core/tests/test_ufunc.py for the methods, against NumPy run here:
    test_reduceat_shifting_sum, test_initial_reduction, test_identityless_reduction_
    nonreorderable, test_reduce_zero_axis, test_ufunc_at_ellipsis/_multiD/_0D/_boolean
    (invert)/_negative_indexes/_broadcast_failure. Not ported: ``initial=None`` given
    explicitly (NumPy: no identity; gpuad, as JAX: the default), and at()'s dtype, which is
    the ufunc's result dtype (out of place, as JAX) rather than the target's (NumPy's
    ``power.at`` on integers truncates after every step)."""
    x = np.arange(6)
    idx = np.stack([np.arange(4), np.arange(4) + 2], axis=1).ravel()
    _same(gnp.add.reduceat(_dev(x), _dev(idx))[::2], np.add.reduceat(x, idx)[::2])
    for uf, arr, init in (("maximum", [], 0), ("minimum", [], np.inf), ("maximum", [], -np.inf),
                          ("minimum", [5.0], 4), ("maximum", [4.0], 5), ("maximum", [5.0], 4)):
        a = np.asarray(arr, float)
        _same(getattr(gnp, uf).reduce(_dev(a), initial=init),
              getattr(np, uf).reduce(a, initial=init))
    a = np.array([[8.0, 2.0, 2.0], [1.0, 0.5, 0.25]])
    for axis in (0, 1, ()):
        _same(gnp.divide.reduce(_dev(a), axis=axis), np.divide.reduce(a, axis=axis))
    with pytest.raises(ValueError):
        gnp.divide.reduce(_dev(a), axis=(0, 1))
    for n, m in ((4, 4), (0, 4), (4, 0), (0, 0)):
        for shape, axis in (((n, m), 1), ((m, n), 0), ((n // 2, m, n // 2), 1),
                            ((n, m // 2, m // 2), (1, 2)), ((10, m, n), (0, 1)),
                            ((m, 10, n), 0), ((10, n, m), 2)):
            z = np.zeros(shape)
            want, werr = quiet(np.maximum.reduce, z, axis=axis)
            got, gerr = quiet(gnp.maximum.reduce, _dev(z), axis=axis)
            assert (werr is None) == (gerr is None), (shape, axis, werr, gerr)
            if werr is None:
                _same(got, want)
            _same(gnp.add.reduce(_dev(z), axis=axis), np.add.reduce(z, axis=axis))
    for a, index, b in ((np.zeros(5), slice(None), np.ones(5)),
                        (np.arange(9).reshape(3, 3), (slice(None), [1, 2, 1]),
                         np.array([[100] * 3, [200] * 3, [300] * 3])),
                        (np.arange(27).reshape(3, 3, 3), (slice(None), slice(None), [1, 2, 1]),
                         np.array([100, 200, 300])),
                        (np.array(0), (), 1),
                        (np.arange(10.0), np.array([-1, 1, -1, 2]), np.array([1, 5, 2, 10.0]))):
        for uf in ("add", "multiply", "maximum", "hypot"):
            if uf == "hypot" and a.dtype.kind != "f":
                continue
            want = a.copy()
            getattr(np, uf).at(want, index, b)
            got = getattr(gnp, uf).at(_dev(a), index, b)
            _same(got, want)
    u = np.arange(10, dtype="u4")
    want = u.copy()
    np.invert.at(want, [2, 5, 2])
    _same(gnp.invert.at(_dev(u), [2, 5, 2]), want)
    with pytest.raises(IndexError):
        gnp.add.at(_dev(np.array(0)), 0, 1)
    with pytest.raises(ValueError):
        gnp.add.at(_dev(np.arange(5)), [0, 1], np.array([1, 2, 3]))
