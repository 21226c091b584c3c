"""jax.numpy's operator suites ported to gpuad: ``tests/lax_numpy_operators_test.py`` (the
one-to-one, compound and bitwise op records, shifts, operator overloads and their errors and
deferral), ``tests/lax_numpy_einsum_test.py``, ``tests/lax_numpy_vectorize_test.py`` and the
call/``frompyfunc`` parts of ``tests/lax_numpy_ufuncs_test.py``.

Each op record runs on a fixed sample of JAX's (shapes, dtypes) product for it (every dtype
and every shape of the record at least once: Python and NumPy scalars, 0-d, broadcasting and
size-0 shapes; bool, signed and unsigned integers, float16/32/64, complex64/128). gpuad's
result must equal NumPy's in dtype, shape and value (gpuad follows NumPy's promotion) and
jax.numpy's (x64) in value wherever JAX agrees with NumPy; where NumPy raises, gpuad must raise.
The records JAX differentiates are checked in float64 (complex128 where JAX takes complex
input): gpuad's vjp against jax.vjp (gpuad's complex cotangents are the conjugate of JAX's)
and against float64 central differences.

Not ported here: the ufunc methods (``reduce``, ``accumulate``, ``outer``, ``at``,
``reduceat``), ported in test_jax_ufuncs_suite.py; JAX's checks of jaxprs (no transposes,
preferred_element_type).
``KNOWN`` lists the deliberate differences from JAX with their reasons.
"""

from __future__ import annotations

import itertools
import operator
import zlib
from collections import defaultdict

import numpy as np
import pytest
from _jnp_suite_common import (
    ALL,
    ALL_SHAPES,
    DEF,
    INEX,
    NO_U64,
    NONEMPTY,
    NUM,
    PY,
    REAL,
    B,
    F,
    I,
    U,
    broadcastable,
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


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _dev(a):
    """An input on the active backend (Python and NumPy scalars stay as they are)."""
    if isinstance(a, np.ndarray) and get_backend().name != "numpy":
        return get_backend().asarray(a)
    return a


# (name, nargs, dtypes, rng kind, JAX differentiates it (its "rev" records with float output))
RECORDS = [
    ("abs", 1, ALL, "default", True), ("add", 2, ALL, "default", True),
    ("ceil", 1, F + I + U, "default", False), ("conj", 1, NUM, "default", True),
    ("equal", 2, ALL, "some_equal", False), ("exp", 1, NUM, "default", True),
    ("fabs", 1, F, "default", True), ("float_power", 2, INEX, "positive", True),
    ("floor", 1, F + I + U, "default", False), ("greater", 2, ALL, "some_equal", False),
    ("greater_equal", 2, ALL, "some_equal", False), ("i0", 1, F, "default", True),
    ("ldexp", 2, I, "shift", False), ("less", 2, ALL, "some_equal", False),
    ("less_equal", 2, ALL, "some_equal", False), ("log", 1, NUM, "positive", True),
    ("logical_and", 2, ALL, "bool", False), ("logical_not", 1, ALL, "bool", False),
    ("logical_or", 2, ALL, "bool", False), ("logical_xor", 2, ALL, "bool", False),
    ("maximum", 2, ALL, "some_inf", False), ("minimum", 2, ALL, "some_inf", False),
    ("multiply", 2, ALL, "default", True), ("negative", 1, NUM, "default", True),
    ("nextafter", 2, F, "default", False), ("not_equal", 2, ALL, "some_equal", False),
    ("array_equal", 2, NUM, "some_equal", False), ("array_equiv", 2, NUM, "some_equal", False),
    ("reciprocal", 1, INEX, "nonzero", True), ("subtract", 2, NUM, "default", True),
    ("signbit", 1, DEF + B, "some_inf_nan", False),
    ("trunc", 1, F + I + U, "some_inf_nan", False),
    ("sin", 1, NUM, "default", True), ("cos", 1, NUM, "default", True),
    ("tan", 1, INEX + I, "small", True), ("sinh", 1, NUM, "default", True),
    ("cosh", 1, NUM, "default", True), ("tanh", 1, NUM, "default", True),
    ("arcsin", 1, NUM, "small", True), ("arccos", 1, NUM, "small", True),
    ("arctan", 1, NUM, "small", True), ("arctan2", 2, F, "small", True),
    ("arcsinh", 1, NUM, "default", True), ("arccosh", 1, NUM, "positive", True),
    ("arctanh", 1, NUM, "small", True), ("asin", 1, NUM, "small", True),
    ("acos", 1, NUM, "small", True), ("atan", 1, NUM, "small", True),
    ("atan2", 2, F, "small", True), ("asinh", 1, NUM, "default", True),
    ("acosh", 1, NUM, "positive", True), ("atanh", 1, NUM, "small", True),
    # JAX_COMPOUND_OP_RECORDS
    ("angle", 1, NUM, "default", False), ("atleast_1d", 1, DEF, "default", False),
    ("atleast_2d", 1, DEF, "default", False), ("atleast_3d", 1, DEF, "default", False),
    ("cbrt", 1, DEF, "some_inf", True), ("conjugate", 1, NUM, "default", True),
    ("deg2rad", 1, F, "default", True), ("divide", 2, NUM, "nonzero", True),
    ("divmod", 2, I + F, "nonzero", False), ("exp2", 1, NUM, "default", True),
    ("expm1", 1, NUM, "small_positive", True), ("fix", 1, F + I + U, "default", False),
    ("floor_divide", 2, DEF + U, "nonzero", False), ("fmin", 2, NUM, "some_nan", False),
    ("fmax", 2, NUM, "some_nan", False), ("fmod", 2, DEF, "some_nan", False),
    ("heaviside", 2, DEF, "default", False), ("hypot", 2, REAL, "default", True),
    ("kron", 2, NUM, "default", True), ("outer", 2, NUM, "default", True),
    ("imag", 1, NUM, "some_inf", False), ("iscomplex", 1, NUM, "some_inf", False),
    ("isfinite", 1, INEX, "some_inf_nan", False), ("isinf", 1, INEX, "some_inf_nan", False),
    ("isnan", 1, INEX, "some_inf_nan", False), ("isneginf", 1, F, "some_inf_nan", False),
    ("isposinf", 1, F, "some_inf_nan", False), ("isreal", 1, NUM, "some_inf", False),
    ("isrealobj", 1, NUM, "some_inf", False), ("log2", 1, NUM, "positive", True),
    ("log10", 1, NUM, "positive", True), ("log1p", 1, NUM, "small_positive", True),
    ("logaddexp", 2, F, "some_inf_nan", True), ("logaddexp2", 2, F, "some_inf_nan", True),
    ("polyval", 2, [d for d in NUM if d not in (np.int8, np.uint8)], "default", True),
    ("positive", 1, NUM, "default", True), ("pow", 2, NUM, "positive", True),
    ("power", 2, NUM, "positive", True), ("rad2deg", 1, F, "default", True),
    ("ravel", 1, ALL, "default", True), ("real", 1, NUM, "some_inf", False),
    ("remainder", 2, DEF, "some_zero", False), ("mod", 2, DEF, "some_zero", False),
    ("modf", 1, F + I + U, "default", False), ("rint", 1, INEX + I + U, "some_inf_nan", False),
    ("sign", 1, NUM, "some_inf_nan", False), ("copysign", 2, DEF + U, "some_inf_nan", False),
    ("sinc", 1, NUM, "default", True), ("square", 1, NUM, "default", True),
    ("sqrt", 1, NUM, "positive", True), ("transpose", 1, ALL, "default", True),
    ("true_divide", 2, ALL, "nonzero", True), ("ediff1d", 1, [np.int32], "default", False),
    ("unwrap", 1, F, "default", True), ("isclose", 2, ALL, "small_positive", False),
    ("gcd", 2, NO_U64, "default", False), ("lcm", 2, NO_U64, "default", False),
    # JAX_BITWISE_OP_RECORDS and the shifts
    ("bitwise_and", 2, I + U, "default", False), ("bitwise_invert", 1, I + U, "default", False),
    ("bitwise_not", 1, I + U, "default", False), ("invert", 1, I + U, "default", False),
    ("bitwise_or", 2, I + U, "default", False), ("bitwise_xor", 2, I + U, "default", False),
    ("bitwise_count", 1, I + U, "default", False),
    ("left_shift", 2, NO_U64, "shift", False), ("right_shift", 2, NO_U64, "shift", False),
    ("bitwise_left_shift", 2, NO_U64, "shift", False),
    ("bitwise_right_shift", 2, NO_U64, "shift", False),
]
_NONEMPTY_ONLY = {"kron", "polyval"}
_NONZERO_DIM = {"polyval", "unwrap"}
_NO_BROADCAST_NEEDED = {"kron", "outer", "array_equal", "array_equiv", "polyval"}

# op -> reason: jax.numpy's value differs from NumPy's (and gpuad's) on the case compared
JAX_DIFFERS: dict = {}
# op -> reason: the differentiable records JAX checks whose gradient gpuad refuses (none)
GRAD_REFUSED: dict = {}


def _cases(name, nargs, dtypes, limit=14):
    """A fixed sample of JAX's (shapes, dtypes) product for one record: every dtype and every
    shape at least once, then seeded draws up to ``limit``."""
    shape_set = NONEMPTY if name in _NONEMPTY_ONLY else ALL_SHAPES
    if name in _NONZERO_DIM:
        shape_set = [s for s in shape_set if s not in (PY, "np0", ())]
    combos = []
    for shapes in itertools.combinations_with_replacement(shape_set, nargs):
        if name not in _NO_BROADCAST_NEEDED and not broadcastable(shapes):
            continue
        for dts in itertools.product(*(valid_dtypes(s, dtypes) for s in shapes)):
            combos.append((shapes, dts))
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    order = rng.permutation(len(combos))
    picked, dt_seen, shape_seen = [], set(), set()
    for i in order:
        shapes, dts = combos[i]
        new = not set(dts) <= dt_seen or not set(shapes) <= shape_seen
        if new or len(picked) < limit:
            picked.append(combos[i])
            dt_seen |= set(dts)
            shape_seen |= set(shapes)
    return picked


def _widest(dtypes):
    for d in (np.float64, np.complex128, np.int64, np.int32, np.bool_):
        if d in dtypes:
            return np.dtype(d)
    return np.dtype(dtypes[-1])


def _record_params():
    for name, nargs, dtypes, kind, _ in RECORDS:
        yield pytest.param(name, nargs, dtypes, kind, id=name)


@pytest.mark.parametrize("name,nargs,dtypes,kind", list(_record_params()))
def test_op(backend, name, nargs, dtypes, kind):
    """JAX's testOp / testBitwiseOp / testShiftOpAgainstNumpy on a sample of its cases."""
    g, n = getattr(gnp, name), getattr(np, name)
    j = getattr(jnp, name if name != "fix" else "trunc")  # (jnp.fix is gone from JAX 0.10)
    rng = np.random.default_rng(zlib.crc32(name.encode()) + 1)
    failures, jax_diff, jax_done = [], [], False
    for shapes, dts in _cases(name, nargs, dtypes):
        args = [draw(rng, kind, s, d) for s, d in zip(shapes, dts, strict=True)]
        if name in ("left_shift", "right_shift", "bitwise_left_shift", "bitwise_right_shift"):
            bits = max(np.iinfo(d).bits for d in dts)
            args[1] = type(args[1])(np.asarray(args[1]) % bits) if np.ndim(args[1]) == 0 \
                and not isinstance(args[1], np.ndarray) else np.asarray(args[1]) % bits
        want, np_err = quiet(n, *args)
        got, err = quiet(g, *map(_dev, args))
        where = f"{name}{tuple(shapes)} {[np.dtype(d).name for d in dts]}"
        if np_err is not None:
            if err is None:
                failures.append(f"{where}: NumPy raises {np_err!r}, gpuad returns")
            continue
        if err is not None:
            failures.append(f"{where}: gpuad raises {err!r}")
            continue
        why = mismatch(got, want, tolerance(*dts))
        if why:
            failures.append(f"{where}: {why}")
            continue
        if not jax_done and all(np.dtype(d) == _widest(dtypes) for d in dts):
            jax_done = True  # (XLA compiles each new case: one comparison per record)
            jout, jerr = quiet(j, *args)
            if jerr is None and mismatch(got, jout, tolerance(*dts), dtypes=False):
                jax_diff.append(f"{where}: {mismatch(got, jout, tolerance(*dts), False)}")
    assert not failures, "\n".join(failures[:10])
    if name not in JAX_DIFFERS:
        assert not jax_diff, f"jax.numpy differs from NumPy and gpuad: {jax_diff}"


def _grad_shapes(name, nargs):
    if nargs == 1:
        return [((2, 3),)]
    if name in ("kron", "outer", "polyval"):
        return [((3,), (4,))]
    return [((3, 1), (1, 4))]  # (a broadcast: the gradient is summed back to each shape)


def _grad_inputs(rng, name, kind, shapes, dtype):
    args = [np.asarray(draw(rng, kind, s, dtype), dtype=dtype) for s in shapes]
    if name in ("abs", "fabs", "cbrt", "sinc", "hypot"):  # away from the kinks and zeros
        args = [a + np.where(a.real >= 0, 1.5, -1.5) for a in args]
    if name in ("logaddexp", "logaddexp2", "cbrt"):
        args = [np.where(np.isfinite(a), a, 1.0) for a in args]
    return args


def _grad_params():
    for name, nargs, dtypes, kind, diff in RECORDS:
        if not diff:
            continue
        for dt in [np.float64] + ([np.complex128] if np.complex128 in dtypes else []):
            if name in ("hypot", "arctan2", "atan2", "logaddexp", "logaddexp2", "fabs", "i0",
                        "deg2rad", "rad2deg", "unwrap", "cbrt") and dt == np.complex128:
                continue
            yield pytest.param(name, nargs, kind, dt, id=f"{name}-{np.dtype(dt).name}")


@pytest.mark.parametrize("name,nargs,kind,dtype", list(_grad_params()))
def test_op_grad(backend, name, nargs, kind, dtype):
    """The gradient of ``sum(real(f(*args) * c))``: gpuad's against jax.grad's (conjugated for
    complex inputs) and against float64 central differences."""
    g, j = getattr(gnp, name), getattr(jnp, name)
    rng = np.random.default_rng(zlib.crc32(f"grad-{name}".encode()))
    for shapes in _grad_shapes(name, nargs):
        args = _grad_inputs(rng, name, kind, shapes, dtype)
        c = np.asarray(np.broadcast_to(rng.standard_normal(), np.shape(np.asarray(
            quiet(getattr(np, name), *args)[0] if hasattr(np, name) else j(*args)))))
        argnums = tuple(range(nargs))

        def loss_g(*xs):
            return gnp.sum(gnp.real(g(*xs) * c))

        def loss_j(*xs):
            return jnp.sum(jnp.real(j(*xs) * c))

        ours = ad.grad(loss_g, argnums)(*map(_dev, args))
        theirs = jax.grad(loss_j, argnums)(*args)
        for k, (o, t) in enumerate(zip(ours, theirs, strict=True)):
            o, t = np.asarray(to_numpy(o)), np.conj(np.asarray(t))
            np.testing.assert_allclose(o, t, rtol=1e-9, atol=1e-9,
                                       err_msg=f"{name} d/d(arg {k}) {shapes}")
        check_grads(lambda *xs: g(*xs), tuple(map(_dev, args)), order=1, modes=("rev",),
                    rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ operator overloads

_OVERLOADS = [("__add__", NUM, "default"), ("__sub__", NUM, "default"),
              ("__mul__", NUM, "default"), ("__eq__", NUM, "default"),
              ("__ne__", NUM, "default"), ("__lt__", DEF, "default"),
              ("__le__", DEF, "default"), ("__gt__", DEF, "default"),
              ("__ge__", DEF, "default"), ("__pos__", NUM, "default"),
              ("__neg__", NUM, "default"), ("__pow__", INEX, "positive"),
              ("__mod__", DEF, "nonzero"), ("__floordiv__", DEF, "nonzero"),
              ("__truediv__", NUM, "nonzero"), ("__abs__", NUM, "default"),
              ("__invert__", I, "default"), ("__lshift__", NO_U64, "shift"),
              ("__rshift__", NO_U64, "shift")]
_ROVERLOADS = [("__radd__", NUM, "default"), ("__rsub__", NUM, "default"),
               ("__rmul__", NUM, "default"), ("__rpow__", INEX, "positive"),
               ("__rmod__", DEF, "nonzero"), ("__rfloordiv__", DEF, "nonzero"),
               ("__rtruediv__", NUM, "nonzero"), ("__rlshift__", NO_U64, "shift"),
               ("__rrshift__", NO_U64, "shift")]
_UNARY_DUNDERS = {"__pos__", "__neg__", "__abs__", "__invert__"}


@pytest.mark.parametrize("name,dtypes,kind", [pytest.param(*r, id=r[0])
                                              for r in _OVERLOADS + _ROVERLOADS])
def test_operator_overload(backend, name, dtypes, kind):
    """JAX's testOperatorOverload / testRightOperatorOverload: the Tensor's operator against
    the ndarray's on the same operands (a Tensor, a Python scalar or a NumPy array)."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    nargs = 1 if name in _UNARY_DUNDERS else 2
    failures = []
    for shapes, dts in _cases(name, nargs, dtypes, limit=10):
        args = [draw(rng, kind, s, d) for s, d in zip(shapes, dts, strict=True)]
        if "shift" in name:
            args = [np.abs(a) % 8 if isinstance(a, np.ndarray) else a for a in args]
        if not isinstance(args[0], np.ndarray) or args[0].ndim == 0 and shapes[0] != ():
            continue  # the Tensor is the first operand (JAX's args are jnp arrays)
        t = ad.Tensor(_dev(args[0]))
        rest = [_dev(a) for a in args[1:]]
        want, np_err = quiet(getattr(args[0], name), *args[1:])
        got, err = quiet(getattr(t, name), *rest)
        where = f"{name}{tuple(shapes)} {[np.dtype(d).name for d in dts]}"
        if np_err is not None or want is NotImplemented:
            if err is None and got is not NotImplemented:
                failures.append(f"{where}: NumPy refuses, gpuad returns {got!r}")
            continue
        if err is not None:
            failures.append(f"{where}: gpuad raises {err!r}")
            continue
        why = mismatch(got, want, tolerance(*dts))
        if why:
            failures.append(f"{where}: {why}")
    assert not failures, "\n".join(failures[:10])


@pytest.mark.parametrize("name", [r[0] for r in _OVERLOADS + _ROVERLOADS
                                  if r[0] not in _UNARY_DUNDERS])
@pytest.mark.parametrize("othertype", [dict, set])
def test_operator_overload_errors(backend, name, othertype):
    """JAX's testOperatorOverloadErrors: a dict or set operand is a TypeError (a list or a
    tuple is an array-like operand in NumPy, and so in gpuad; JAX refuses those too)."""
    t = ad.Tensor(_dev(np.array([[1, 2], [2, 3]])))
    other = othertype([(1, 2), (2, 3)])
    if name in ("__eq__", "__ne__") and get_backend().name == "numpy":
        # NumPy compares elementwise with an object (no error); CuPy has no object arrays
        # and raises the TypeError below
        want = getattr(np.array([[1, 2], [2, 3]]), name)(other)
        np.testing.assert_array_equal(to_numpy(getattr(t, name)(other)), want)
        return
    with pytest.raises(TypeError):
        getattr(t, name)(other)


class _DefersAll:
    """JAX's _OverrideEverything with NEP 13's opt-out (``__array_ufunc__ = None``), which
    is how an object asks NumPy's operators (and gpuad's) to defer to its own."""
    __array_ufunc__ = None


class _DefersNothing:
    __array_ufunc__ = None


for _rec in _OVERLOADS + _ROVERLOADS:
    if _rec[0] not in _UNARY_DUNDERS:
        setattr(_DefersAll, _rec[0], lambda self, other: self)
        setattr(_DefersNothing, _rec[0], lambda self, other: NotImplemented)


@pytest.mark.parametrize("name", [r[0] for r in _OVERLOADS if r[0] not in _UNARY_DUNDERS])
def test_binary_operator_defers(backend, name):
    """JAX's testBinaryOperatorDefers, for objects that opt out of NumPy's ufuncs: gpuad's
    Tensor, like NumPy's ndarray, returns NotImplemented so the object's method runs; without
    one, Python's TypeError (== and != fall back to identity)."""
    op = getattr(operator, name.strip("_") if name != "__pow__" else "pow")
    for arg in (ad.Tensor(_dev(np.array(1.5))), np.array(1.5)):
        other = _DefersAll()
        assert op(other, arg) is other
        assert op(arg, other) is other
        other = _DefersNothing()
        if name == "__eq__":
            assert op(other, arg) is False and op(arg, other) is False
        elif name == "__ne__":
            assert op(other, arg) is True and op(arg, other) is True
        else:
            with pytest.raises(TypeError):
                op(other, arg)
            with pytest.raises(TypeError):
                op(arg, other)


def test_plain_object_operand_is_numpy_s_object_array(backend):
    """An object without ``__array_ufunc__``: NumPy (and gpuad) apply the operator per element
    (an object array) where JAX defers; gpuad follows NumPy. CuPy has no object arrays: a
    TypeError there."""
    class Other:
        def __radd__(self, o):
            return "radd"
    if get_backend().name != "numpy":
        with pytest.raises(TypeError, match="add"):
            ad.Tensor(_dev(np.array([1.0, 2.0]))) + Other()
        return
    got = ad.Tensor(_dev(np.array([1.0, 2.0]))) + Other()
    np.testing.assert_array_equal(to_numpy(got), np.array([1.0, 2.0]) + Other())


def test_sign_complex_and_i0_grad(backend):
    """testSignComplex (NumPy 2's z/|z|) and testI0Grad (the derivative of i0 at 0 is 0)."""
    z = np.array([1 + 1j, -2j, 0j, 3.0 + 0j])
    np.testing.assert_allclose(to_numpy(gnp.sign(_dev(z))), np.sign(z))
    np.testing.assert_array_equal(to_numpy(jnp.sign(z)), np.sign(z))
    assert float(ad.grad(gnp.i0)(0.0)) == 0.0 == float(jax.grad(jnp.i0)(0.0))


# ------------------------------------------------------------------ einsum

_DASK = ["abc,bad->abcd", "abcdef,bcdfg->abcdeg", "ea,fb,abcd,gc,hd->efgh", "ab,b", "aa",
         "a,a->", "a,a->a", "a,a", "a,b", "a,b,c", "a", "ba,b", "ba,b->", "defab,fedbc->defac",
         "ab...,bc...->ac...", "a...a", "abc...->cba...", "...ab->...a", "a...a->a...",
         "...abc,...abcd->...d", "ab...,b->ab...", "aa->a", "ab,ab,c->c", "aab,bc->ac",
         "aab,bcc->ac", "fdf,cdd,ccd,afe->ae", "fff,fae,bef,def->abd"]
_EINSUM_CASES = [  # the named tests of lax_numpy_einsum_test.py: (spec, shapes)
    ("i,j,k->ijk", [(3,), (4,), (5,)]), ("ij,j->i", [(3, 4), (4,)]),
    ("ijk,j->i", [(3, 4, 5), (4,)]), ("iji,i->j", [(3, 4, 3), (3,)]),
    ("ij,ij->", [(3, 4), (3, 4)]), ("nij,jk->nik", [(10, 2, 3), (3, 4)]),
    ("sa,shb->shab", [(2, 1), (2, 3, 4)]), ("ijk->j", [(3, 4, 5)]), ("ijk->kij", [(3, 4, 5)]),
    ("ijk->ki", [(3, 4, 5)]), ("...ijk->...ki", [(2, 3, 4, 5)]), ("...ijk->ki", [(3, 4, 5)]),
    ("ii->", [(3, 3)]), ("ij->", [(3, 3)]), ("iii->", [(3, 3, 3)]), ("ii->i", [(3, 3)]),
    ("iij->i", [(3, 3, 4)]), ("iii->i", [(3, 3, 3)]), ("iijkk->i", [(3, 3, 5, 4, 4)]),
    ("iijkk->ik", [(3, 3, 5, 4, 4)]), ("iijkl->il", [(3, 3, 5, 4, 4)]), ("ij->ij", [(3, 3)]),
    ("ij...,jk...->ik...", [(2, 3, 5, 1), (3, 4, 5, 1)]), ("ijj,k->ik", [(2, 3, 3), (4,)]),
    ("ij,ij,jk->ik", [(2, 3), (2, 3), (3, 4)]), ("ijkl,ijml->ijkm", [(1, 8, 5, 4), (1, 8, 5, 4)]),
    ("cij,cjk->cik", [(3, 4, 5), (3, 1, 6)]), ("cij,cjk->cik", [(1, 4, 5), (3, 5, 6)]),
    ("cij,cjk->cik", [(1, 4, 5), (3, 1, 6)]), ("...ij,...j", [(2, 1, 3, 3), (2, 4, 3)]),
]


def _dask_operands(spec, dtype, rng):
    dims = itertools.cycle([2, 3, 4])
    sizes = defaultdict(lambda: next(dims))
    ins = spec.split("->")[0].split(",")
    return [draw(rng, "default", tuple(sizes[c] for c in names.replace("...", "01")), dtype)
            for names in ins]


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.complex64, np.bool_])
def test_einsum_from_dask(backend, dtype):
    """test_from_dask: every subscripts string in each dtype, against NumPy (dtype and
    values) and jax.numpy (values, HIGHEST precision)."""
    rng = np.random.default_rng(7)
    for spec in _DASK:
        ops = _dask_operands(spec, dtype, rng)
        want = np.einsum(spec, *ops)
        got = gnp.einsum(spec, *map(_dev, ops))
        assert mismatch(got, want, 1e-4) is None, (spec, mismatch(got, want, 1e-4))
        if dtype == np.float32:  # (XLA compiles each case: JAX's values in one dtype)
            jout = jnp.einsum(spec, *ops, precision=jax.lax.Precision.HIGHEST)
            assert mismatch(got, jout, 1e-4, dtypes=False) is None, spec


def test_einsum_named_cases_and_grads(backend):
    """The named einsum tests on float64: values against NumPy and JAX, the vjp of every
    operand against jax.vjp and central differences."""
    rng = np.random.default_rng(3)
    for i, (spec, shapes) in enumerate(_EINSUM_CASES):
        ops = [rng.standard_normal(s) for s in shapes]
        want = np.einsum(spec, *ops)
        got = gnp.einsum(spec, *map(_dev, ops))
        assert mismatch(got, want, 1e-12) is None, spec
        if i % 3 == 0:  # (XLA compiles each case: jax.vjp on a third of them)
            ct = rng.standard_normal(np.shape(want))
            _, vjp_g = ad.vjp(lambda *xs: gnp.einsum(spec, *xs), *map(_dev, ops))
            _, vjp_j = jax.vjp(lambda *xs: jnp.einsum(
                spec, *xs, precision=jax.lax.Precision.HIGHEST), *ops)
            for k, (a, b) in enumerate(zip(vjp_g(_dev(ct)), vjp_j(ct), strict=True)):
                np.testing.assert_allclose(to_numpy(a), b, rtol=1e-10, atol=1e-10,
                                           err_msg=f"{spec} operand {k}")
        elif max(np.prod(s) for s in shapes) <= 100:
            check_grads(lambda *xs: gnp.einsum(spec, *xs), tuple(map(_dev, ops)), order=1,
                        modes=("rev", "fwd"))


def test_einsum_inf_nan_and_mixed_precision(backend):
    """test_inf_nan (a diagonal of inf is not inf * 0) and test_einsum_mixed_precision: the
    result dtype of every pair of numeric dtypes is NumPy's."""
    x = np.array([[[np.inf, np.inf], [1.0, 1.0]]])
    np.testing.assert_array_equal(to_numpy(gnp.einsum("baa->ba", _dev(x))),
                                  np.einsum("baa->ba", x))
    rng = np.random.default_rng(0)
    numeric = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint32,
               np.float16, np.float32, np.float64, np.complex64, np.complex128]
    for a, b in itertools.product(numeric, numeric):
        x, y = draw(rng, "default", (10,), a), draw(rng, "default", (10,), b)
        for spec in ("a,a->a", "a,a->"):
            want = np.einsum(spec, x, y)
            got = gnp.einsum(spec, _dev(x), _dev(y))
            assert mismatch(got, want, 5e-3) is None, (spec, a, b, mismatch(got, want, 5e-3))


@pytest.mark.parametrize("optimize", [True, False, "optimal", "auto", "greedy", "eager"])
def test_einsum_optimization_modes(backend, optimize):
    """test_einsum_optimization_modes and test_einsum_path_optimization_modes."""
    rng = np.random.default_rng(1)
    for spec, shapes in [("i->", [(3,)]), ("ii->i", [(4, 4)]), ("ij,jk", [(3, 4), (4, 3)]),
                         ("ij,jkl,klm", [(2, 2), (2, 3, 4), (3, 4, 2)])]:
        ops = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        want = np.einsum(spec, *ops)
        got = gnp.einsum(spec, *map(_dev, ops), optimize=optimize)
        assert mismatch(got, want, 1e-4) is None, spec
        opt = optimize if optimize != "auto" else "greedy"  # NumPy's einsum_path has no auto
        path, _ = gnp.einsum_path(spec, *ops, optimize=opt if opt != "eager" else "greedy")
        got = gnp.einsum(spec, *map(_dev, ops), optimize=path)
        assert mismatch(got, want, 1e-4) is None, spec


def test_einsum_path_and_kpmurphy(backend):
    """test_einsum_path (NumPy's docstring example) and test_einsum_kpmurphy_example (a path
    from einsum_path, checked against explicit loops)."""
    rng = np.random.default_rng(2)
    a, b, c = rng.random((2, 2)), rng.random((2, 5)), rng.random((5, 2))
    info = gnp.einsum_path("ij,jk,kl->il", a, b, c, optimize="greedy")
    assert str(info[0]) == "['einsum_path', (1, 2), (0, 1)]"
    assert info[1].split("\n")[0] == "  Complete contraction:  ij,jk,kl->il"
    S, W, V = rng.standard_normal((2, 6, 5)), rng.standard_normal((5, 4)), \
        rng.standard_normal((4, 3))
    L = np.zeros((2, 3))
    for n_, c_, d, k, t in itertools.product(range(2), range(3), range(4), range(5), range(6)):
        L[n_, c_] += S[n_, t, k] * W[k, d] * V[d, c_]
    path = gnp.einsum_path("ntk,kd,dc->nc", S, W, V, optimize="optimal")[0]
    got = gnp.einsum("ntk,kd,dc->nc", _dev(S), _dev(W), _dev(V), optimize=path)
    np.testing.assert_allclose(to_numpy(got), L, rtol=1e-12)
    # JAX refuses a path contracting three operands at once; gpuad contracts in one step
    # whatever the path says (as NumPy's einsum does with its own path), so it is exact
    x, y, z = (rng.standard_normal(s) for s in [(2, 3), (2, 4), (2, 5)])
    with pytest.raises(NotImplementedError):
        jnp.einsum("ij,ik,il->jkl", x, y, z, optimize=[(0, 1, 2)])
    np.testing.assert_allclose(
        to_numpy(gnp.einsum("ij,ik,il->jkl", _dev(x), _dev(y), _dev(z), optimize=[(0, 1, 2)])),
        np.einsum("ij,ik,il->jkl", x, y, z), rtol=1e-12)


# ------------------------------------------------------------------ vectorize

@pytest.mark.parametrize("sig,func,shapes", [
    ("(n,m),(m,k)->(n,k)", "dot", [((2, 3), (3, 4)), ((2, 3), (1, 3, 4)),
                                   ((5, 2, 3), (1, 3, 4)), ((6, 5, 2, 3), (3, 4))]),
    ("(n,m),(m)->(n)", "dot", [((2, 3), (3,)), ((2, 3), (1, 3)), ((4, 2, 3), (1, 3)),
                               ((5, 4, 2, 3), (1, 3))]),
    ("(m),(m)->()", "dot", [((3,), (3,)), ((2, 3), (3,)), ((4, 2, 3), (3,))]),
    ("(n)->()", "mean", [((3,),), ((2, 3),), ((1, 2, 3, 4),)]),
    ("(n)->()", "magnitude", [((3,),), ((2, 3),), ((1, 2, 3),)]),
    ("()->(n)", "stack_plus_minus", [((),), ((3,),)]),
])
def test_vectorize(backend, sig, func, shapes):
    """test_matmat / matvec / vecmat / mean / magnitude / stack_plus_minus: shapes and values
    against jnp.vectorize, and gradients against jax.grad and central differences."""
    funcs = {
        "dot": (gnp.dot, jnp.dot), "mean": (gnp.mean, jnp.mean),
        "magnitude": (lambda x: gnp.dot(x, x), lambda x: jnp.dot(x, x)),
        "stack_plus_minus": (lambda x: gnp.stack([x, -x]), lambda x: jnp.stack([x, -x])),
    }
    fg, fj = funcs[func]
    vg, vj = gnp.vectorize(fg, signature=sig), jnp.vectorize(fj, signature=sig)
    rng = np.random.default_rng(zlib.crc32(sig.encode()))
    for i, shps in enumerate(shapes):
        args = [rng.standard_normal(s) for s in shps]
        got, want = vg(*map(_dev, args)), vj(*args)
        assert mismatch(got, want, 1e-12) is None, (sig, shps, mismatch(got, want, 1e-12))
        if i != len(shapes) - 1:  # (gradients on the widest broadcast of each signature)
            continue
        c = rng.standard_normal(np.shape(want))
        argnums = tuple(range(len(args)))
        ours = ad.grad(lambda *xs: gnp.sum(vg(*xs) * c), argnums)(*map(_dev, args))
        theirs = jax.grad(lambda *xs: jnp.sum(vj(*xs) * c), argnums)(*args)
        for o, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(to_numpy(o), t, rtol=1e-12, atol=1e-12)
        check_grads(vg, tuple(map(_dev, args)), order=1, modes=("rev", "fwd"))


def test_vectorize_center_and_excluded(backend):
    """test_center (two outputs) and test_exclude_first / test_exclude_second."""
    center = gnp.vectorize(lambda a: (gnp.mean(a), a - gnp.mean(a)), signature="(n)->(),(n)")
    b, a = center(_dev(np.arange(3)))
    assert a.shape == (3,) and b.shape == ()
    np.testing.assert_allclose(to_numpy(b), 1.0)
    b, a = center(_dev(np.arange(6).reshape(2, 3)))
    assert a.shape == (2, 3) and b.shape == (2,)
    np.testing.assert_allclose(to_numpy(b), [1.0, 4.0])

    def first(x, y):
        assert x == "foo" and np.ndim(y) == 0
        return y

    def second(x, y):
        assert np.ndim(x) == 0 and y == "foo"
        return x

    x = np.arange(3)
    np.testing.assert_array_equal(to_numpy(gnp.vectorize(first, excluded={0})("foo", _dev(x))),
                                  x)
    np.testing.assert_array_equal(to_numpy(gnp.vectorize(second, excluded={1})(_dev(x), "foo")),
                                  x)
    # an excluded argument passes through unchanged and gradients flow through the others
    scale = gnp.vectorize(lambda v, k: v * k, excluded={1})
    g = ad.grad(lambda v: gnp.sum(scale(v, 3.0)))(_dev(np.arange(3.0)))
    np.testing.assert_allclose(to_numpy(g), [3.0, 3.0, 3.0])


def test_vectorize_errors(backend):
    """test_exclude_errors, test_bad_inputs, test_wrong_output_type / num_outputs /
    output_shape, test_inconsistent_output_size: each an error in gpuad as in JAX. gpuad
    follows numpy.vectorize where JAX is stricter: a keyword name in ``excluded`` is allowed
    (NumPy's rule), and an excluded position past the arguments is ignored (as NumPy)."""
    with pytest.raises(ValueError, match="negative"):
        gnp.vectorize(lambda x: x, excluded={-1})
    np.testing.assert_array_equal(
        np.asarray(to_numpy(gnp.vectorize(lambda x: x, excluded={1})(1.0))),
        np.vectorize(lambda x: x, excluded={1})(1.0))
    assert gnp.vectorize(lambda x: x, excluded={"foo"}) is not None
    matmat = gnp.vectorize(gnp.dot, signature="(n,m),(m,k)->(n,k)")
    with pytest.raises(TypeError, match="takes 2 array arguments"):
        matmat(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"shape \(2,\) has fewer than"):
        matmat(np.zeros((2,)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="core dimension 'm' has sizes"):
        matmat(np.zeros((2, 3)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="returned 1 output"):
        gnp.vectorize(gnp.dot, signature="(n,m),(m,k)->(n,k),()")(np.zeros((2, 2)),
                                                                   np.zeros((2, 2)))
    with pytest.raises(ValueError, match="returned 2 output"):
        gnp.vectorize(lambda *a: a, signature="(),()->(),(),()")(1, 2)
    with pytest.raises(ValueError, match=r"shape \(2, 2\) does not have the core"):
        gnp.vectorize(gnp.dot, signature="(n,m),(m,k)->(n)")(np.zeros((2, 2)),
                                                             np.zeros((2, 2)))
    with pytest.raises(ValueError, match="core dimension 'n' has size 4"):
        gnp.vectorize(gnp.dot, signature="(n,m),(m,k)->(n,n)")(np.zeros((2, 3)),
                                                               np.zeros((3, 4)))


# ------------------------------------------------------------------ ufunc calls, frompyfunc

_BROADCAST = [(), (1,), (3,), (1, 3), (4, 1), (4, 3)]
_JNP_UFUNCS = sorted(n for n in dir(jnp) if isinstance(getattr(jnp, n), jnp.ufunc))


def _ufunc_dtypes(name):
    """JAX's _jnp_ufunc_props: the dtypes of "FfIi?" with a same-type NumPy loop."""
    types = getattr(np, name).types
    return [np.dtype(c) for c in "FfIi?" if f"{c}{c}->{c}" in types or f"{c}->{c}" in types]


@pytest.mark.parametrize("name", [n for n in _JNP_UFUNCS if hasattr(np, n)])
def test_ufunc_call(backend, name):
    """test_unary_ufunc_call / test_binary_ufunc_call over JAX's broadcast-compatible shapes,
    and the ufunc properties JAX checks (nin, nout, identity) against NumPy's."""
    uf = getattr(np, name)
    assert getattr(jnp, name).nin == uf.nin and getattr(jnp, name).nout == uf.nout
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    failures = []
    for dt in _ufunc_dtypes(name):
        shape_sets = [(s,) for s in _BROADCAST] if uf.nin == 1 else \
            list(itertools.product(_BROADCAST, _BROADCAST[::2]))
        for shapes in shape_sets:
            args = [draw(rng, "default", s, dt) for s in shapes]
            want, np_err = quiet(uf, *args)
            got, err = quiet(getattr(gnp, name), *map(_dev, args))
            if np_err is not None:
                if err is None:
                    failures.append(f"{name}{shapes} {dt}: NumPy raises, gpuad returns")
                continue
            why = repr(err) if err is not None else mismatch(got, want, tolerance(dt))
            if why:
                failures.append(f"{name}{shapes} {dt}: {why}")
    assert not failures, "\n".join(failures[:10])


def _scalar_add(x, y):
    assert np.shape(x) == np.shape(y) == ()
    return x + y


def _scalar_div(x, y):
    assert np.shape(x) == np.shape(y) == ()
    return x / y


def _scalar_mul(x, y):
    assert np.shape(x) == np.shape(y) == ()
    return x * y


def _scalar_sub(x, y):
    assert np.shape(x) == np.shape(y) == ()
    return x - y


@pytest.mark.parametrize("func,identity", [(_scalar_add, 0), (_scalar_div, None),
                                           (_scalar_mul, 1), (_scalar_sub, None)])
def test_frompyfunc_call(backend, func, identity):
    """test_frompyfunc_call: the function of scalars broadcast over JAX's shapes in each
    float dtype, against numpy.frompyfunc (cast back from object) and jnp.frompyfunc, with
    gradients through it against jax.grad."""
    g = gnp.frompyfunc(func, 2, 1, identity=identity)
    n = np.frompyfunc(func, 2, 1, identity=identity)
    j = jnp.frompyfunc(func, 2, 1, identity=identity)
    rng = np.random.default_rng(zlib.crc32(func.__name__.encode()))
    for dt in (np.float16, np.float32, np.float64):
        for ls, rs in itertools.product(_BROADCAST, _BROADCAST[1::2]):
            x, y = draw(rng, "nonzero", ls, dt), draw(rng, "nonzero", rs, dt)
            want = np.asarray(n(x, y), dtype=dt)
            got = g(_dev(x), _dev(y))
            assert mismatch(got, want, tolerance(dt)) is None, (func.__name__, ls, rs, dt)
            if dt == np.float64 and ls == (4, 1):  # (XLA compiles each case: a few of them)
                assert mismatch(got, j(x, y), tolerance(dt)) is None
    x, y = rng.standard_normal((4, 1)) + 3, rng.standard_normal((3,)) + 3
    ours = ad.grad(lambda a, b: gnp.sum(g(a, b)), (0, 1))(_dev(x), _dev(y))
    theirs = jax.grad(lambda a, b: jnp.sum(j(a, b)), (0, 1))(x, y)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(to_numpy(o), t, rtol=1e-12)
