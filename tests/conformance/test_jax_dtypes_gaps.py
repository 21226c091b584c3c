"""JAX's dtype tests ported to gpuad: ``tests/dtypes_test.py`` (classes ``DtypesTest``,
``ExtendedDTypeTest``, ``EArrayTest``, ``TestPromotionTables``), ``tests/x64_context_test.py``
(``X64ContextTests``) and ``tests/api_util_test.py`` (``ApiUtilTest``). JAX's
``tests/lax_numpy_vectorize_test.py`` is ported in test_jax_numpy_operators_suite.py
(``test_vectorize*``) and not repeated here.

gpuad follows NumPy 2's promotion (docs/porting.md, "NumPy semantics"), not JAX's lattice of
weak types, and has no 32-bit mode: where JAX's tables differ from NumPy's, the row says
"differs:" and its test checks that gpuad's dtype is NumPy's own on the same inputs (NumPy runs
in the same process). Everything else (dtype names, scalar types, ``issubdtype``, ``isdtype``,
``result_type``, ``can_cast``, ``promote_types``, Python scalars with Tensors, jit invariance,
casts and their gradients, ``vmap``'s ``in_axes`` prefixes, ``jit``'s keyword and static
arguments) is run through gpuad and compared with NumPy and with jax.numpy (x64).

``GAPS`` has one row per upstream test method: "here:" a test of this file, "covered:" an
earlier port, "differs:" a deliberate difference (with the test of gpuad's behaviour), "n/a:"
why there is no counterpart. ``test_every_gap_has_a_mapping`` checks it.
"""

from __future__ import annotations

import enum
import itertools
import operator
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import lax  # noqa: E402
from gpuad.jit import TracerError  # noqa: E402
from gpuad.testing import check_grads  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


_NUMPY = "differs: gpuad follows NumPy 2's promotion, not JAX's weak-type lattice"
_NO_X32 = (
    "differs: gpuad has no 32-bit mode (jax_enable_x64 off): dtypes are NumPy's, 64-bit by default"
)
_EXT = (
    "n/a: JAX's extended dtypes (PRNG key types, user dtypes with lowering rules) have no "
    "gpuad counterpart"
)
_SHARD = "n/a: sharding axis resources (gpuad runs one device per process)"
_ML = (
    "differs: gpuad's arithmetic and gradients are NumPy's dtypes only; a cast of a Tensor "
    "being differentiated to an ml_dtypes type (bfloat16, float8, int4) raises"
)

GAPS = (  # (class, JAX test, where its port is or why there is none)
    ("DtypesTest", "test_canonicalize_type", f"{_NO_X32}; here: test_no_canonicalisation"),
    ("DtypesTest", "testDefaultTypes", "here: test_default_types"),
    ("DtypesTest", "testUnsupportedType", "here: test_unknown_dtype_name_raises"),
    (
        "DtypesTest",
        "testBinaryPromotion",
        f"{_NUMPY} (0-d float64 with float16 is float64); here: test_binary_promotion_cases",
    ),
    (
        "DtypesTest",
        "testPromoteDtypesStrict",
        "differs: gpuad has no 'strict' promotion mode (numpy_dtype_promotion); here: "
        "test_promote_types_as_numpy",
    ),
    (
        "DtypesTest",
        "testPromoteDtypesStandard",
        f"{_NUMPY} (uint64 with int64 is float64, not JAX's weak float); here: "
        "test_promote_types_as_numpy",
    ),
    (
        "DtypesTest",
        "testScalarInstantiation",
        "differs: gnp.float32(1) is NumPy's scalar, not a 0-d array; of a Tensor being "
        "differentiated it raises; here: test_scalar_types",
    ),
    ("DtypesTest", "testIsSubdtype", "here: test_issubdtype"),
    ("DtypesTest", "testIsSubdtypeCustomFloats", f"{_ML}; here: test_ml_dtypes"),
    ("DtypesTest", "testIsSubdtypeIntN", f"{_ML}; here: test_ml_dtypes"),
    ("DtypesTest", "testIsDtype", "here: test_isdtype"),
    ("DtypesTest", "testArrayCasts", "here: test_array_casts"),
    ("DtypesTest", "testEnumPromotion", "here: test_enum_values"),
    (
        "DtypesTest",
        "testScalarCastInsideJitWorks",
        "differs: gnp.int32(traced) raises in gpuad.jit (NumPy's scalar needs a value); "
        "x.astype is the cast; here: test_scalar_types",
    ),
    ("DtypesTest", "testDtypeFromScalarType", "here: test_dtype_of_python_types_and_values"),
    ("DtypesTest", "testDtypeFromScalarValue", "here: test_dtype_of_python_types_and_values"),
    ("DtypesTest", "testDtypeFromValue", "here: test_dtype_of_values[all]"),
    ("DtypesTest", "testDtypeFromDtype", "here: test_dtype_of_values[all]"),
    ("DtypesTest", "testDtypeFromString", "here: test_dtype_of_values[all]"),
    (
        "DtypesTest",
        "testDtypeFromNone",
        "differs: gnp.dtype(None) is NumPy's float64 (JAX raises); here: test_dtype_none",
    ),
    ("DtypesTest", "testDefaultDtypes", "here: test_default_dtype_aliases"),
    ("DtypesTest", "test_check_dtype_non_hashable", "here: test_dtype_argument_objects"),
    (
        "DtypesTest",
        "test_check_dtype_array",
        "differs: an ndarray as a dtype raises TypeError, as NumPy (JAX warns and takes its "
        "dtype); here: test_dtype_argument_objects",
    ),
    ("ExtendedDTypeTest", "testIsSubdtypeExtended", _EXT),
    ("ExtendedDTypeTest", "test_custom_tangent_dtype", _EXT),
    ("ExtendedDTypeTest", "test_custom_tangent_dtype_with_scan", _EXT),
    ("ExtendedDTypeTest", "test_primal_tangent_dtype", _EXT),
    ("ExtendedDTypeTest", "test_edtype_conversion", _EXT),
    ("ExtendedDTypeTest", "test_edtype_conversion_errors", _EXT),
    ("ExtendedDTypeTest", "test_edtype_conversion_autodiff", _EXT),
    ("EArrayTest", "test_extended_dtypes_at_rest", _EXT),
    (
        "TestPromotionTables",
        "testJaxTypeFromType",
        "n/a: dtypes._jax_type, the internal lattice node of a type",
    ),
    (
        "TestPromotionTables",
        "testJaxTypeFromVal",
        "n/a: dtypes._jax_type, the internal lattice node of a value",
    ),
    (
        "TestPromotionTables",
        "testJaxTypeWeak",
        "n/a: dtypes._jax_type of weak types, internal to JAX's lattice",
    ),
    ("TestPromotionTables", "testScalarWeakTypes", "here: test_python_scalars_through_jit"),
    ("TestPromotionTables", "testResultTypeNone", "here: test_result_type_as_numpy"),
    (
        "TestPromotionTables",
        "testResultTypeWeakFlag",
        "differs: gpuad has no weak-type flag (a 0-d array is strong, as NumPy's); here: "
        "test_result_type_as_numpy",
    ),
    (
        "TestPromotionTables",
        "testObservedPromotionTable",
        f"{_NUMPY}; here: test_promotion_table_as_numpy; here: "
        "test_gradient_dtype_is_the_input_dtype",
    ),
    (
        "TestPromotionTables",
        "testBinaryPromotionJitInvariance",
        "here: test_binary_promotion_jit_invariance",
    ),
    ("TestPromotionTables", "testUnaryPromotion", "here: test_one_value_keeps_its_dtype"),
    ("TestPromotionTables", "testFloat8PromotionError", f"{_ML}; here: test_ml_dtypes"),
    ("TestPromotionTables", "testInt2PromotionError", f"{_ML}; here: test_ml_dtypes"),
    ("TestPromotionTables", "testBinaryNonPromotion", "here: test_one_value_keeps_its_dtype"),
    ("TestPromotionTables", "testArrayRepr", "here: test_repr_names_the_dtype"),
    ("TestPromotionTables", "testSafeToCast", "here: test_can_cast_as_numpy"),
    ("X64ContextTests", "test_make_array", f"{_NO_X32}; here: test_no_canonicalisation"),
    (
        "X64ContextTests",
        "test_correctly_capture_default",
        f"{_NO_X32}; here: test_no_canonicalisation",
    ),
    ("X64ContextTests", "test_near_singular_inverse", "here: test_near_singular_inverse"),
    ("X64ContextTests", "test_while_loop", "here: test_while_loop_python_float_carry"),
    (
        "X64ContextTests",
        "test_thread_safety",
        "n/a: no x64 context to switch per thread (gpuad is always 64-bit)",
    ),
    (
        "X64ContextTests",
        "test_jit_cache",
        "n/a: jit caches across x64 switches; gpuad has no switch",
    ),
    ("X64ContextTests", "test_convert_element_type", "here: test_int64_astype_int32"),
    (
        "ApiUtilTest",
        "test_donation_vector",
        "covered: test_jit.py::test_donated_argument_is_reused (the flattened donation mask "
        "itself is internal)",
    ),
    (
        "ApiUtilTest",
        "test_rebase_donate_argnums_rejects_overlapping",
        "here: test_jit_static_and_donated_overlap_raises",
    ),
    ("ApiUtilTest", "test_rebase_donate_argnums", "here: test_jit_static_with_donated"),
    ("ApiUtilTest", "test_resolve_kwargs", "here: test_jit_keyword_arguments"),
    (
        "ApiUtilTest",
        "test_resolve_kwargs_with_keyword",
        "differs: gpuad.jit takes keyword-only arguments (as jax.jit; JAX's internal helper "
        "refuses them); here: test_jit_keyword_arguments",
    ),
    ("ApiUtilTest", "test_flatten_axes_valid_prefix", "here: test_vmap_in_axes_prefix"),
    (
        "ApiUtilTest",
        "test_flatten_axes_error_shows_mismatch_detail",
        "here: test_vmap_in_axes_mismatch_raises[tuple_for_leaf]",
    ),
    (
        "ApiUtilTest",
        "test_flatten_axes_error_shows_all_mismatches",
        "differs: gpuad's error names the first mismatch only (JAX counts them all); here: "
        "test_vmap_in_axes_mismatch_raises[two]",
    ),
    (
        "ApiUtilTest",
        "test_flatten_axes_error_mentions_leaf_not_dummy_type",
        "here: test_vmap_in_axes_mismatch_raises[one_leaf]",
    ),
    (
        "ApiUtilTest",
        "test_flatten_axes_valid_none_spec_not_reported",
        "here: test_vmap_in_axes_mismatch_raises[none_and_tuple]",
    ),
    ("ApiUtilTest", "test_flatten_axis_resources_valid_prefix", _SHARD),
    ("ApiUtilTest", "test_flatten_axis_resources_error_shows_mismatch_detail", _SHARD),
    ("ApiUtilTest", "test_flatten_axis_resources_error_shows_all_mismatches", _SHARD),
    ("ApiUtilTest", "test_flatten_axis_resources_error_mentions_leaf_not_dummy_type", _SHARD),
    ("ApiUtilTest", "test_flatten_axis_resources_valid_none_spec_not_reported", _SHARD),
)


def test_every_gap_has_a_mapping():
    assert len(GAPS) == len({(c, n) for c, n, _ in GAPS}) == 67
    counts = {}
    for cls, _, _ in GAPS:
        counts[cls] = counts.get(cls, 0) + 1
    assert counts == {
        "DtypesTest": 23,
        "ExtendedDTypeTest": 7,
        "EArrayTest": 1,
        "TestPromotionTables": 14,
        "X64ContextTests": 7,
        "ApiUtilTest": 15,
    }
    for cls, name, where in GAPS:
        assert where.startswith(("here:", "covered:", "n/a:", "differs:")), (cls, name)
        for fn, param in re.findall(r"here: (test_\w+)(?:\[(\w+)\])?", where):
            assert fn in globals(), (name, fn)
            if param:
                marks = getattr(globals()[fn], "pytestmark", [])
                ids = [i for m in marks for i in (m.kwargs.get("ids") or m.args[1])]
                assert param in ids, (name, param)
        for path, obj in re.findall(r"covered: ([\w/.]+\.py)::(\w+)", where):
            here = Path(__file__).parent
            file = here / path if (here / path).exists() else here.parent / path
            assert f"def {obj}(" in file.read_text(), (name, obj)


# ---------------------------------------------------------------- helpers

_DTYPES = [
    np.dtype(t)
    for t in (
        np.bool_,
        np.int8,
        np.int16,
        np.int32,
        np.int64,
        np.uint8,
        np.uint16,
        np.uint32,
        np.uint64,
        np.float16,
        np.float32,
        np.float64,
        np.complex64,
        np.complex128,
    )
]
_INEXACT = [d for d in _DTYPES if d.kind in "fc"]


def _dev(a):
    return gnp.asarray(np.asarray(a))


def _t(v, dtype=None):
    return ad.tensor(_dev(np.asarray(v, dtype=dtype)))


def _dtype(v):
    return np.result_type(v.dtype if hasattr(v, "dtype") else v)


# ---------------------------------------------------------------- DtypesTest


@pytest.mark.parametrize("typ", [bool, int, float, complex])
def test_default_types(backend, typ):
    """A Python scalar becomes NumPy's (and JAX x64's) default dtype, eager and under jit."""
    want = np.array(typ(0)).dtype
    assert jnp.array(typ(0)).dtype == want
    for f in (gnp.array, gnp.asarray, ad.jit(gnp.array), ad.jit(lambda x: gnp.asarray(x))):
        y = f(typ(0))
        assert y.dtype == want and np.ndim(y) == 0, (f, y)
        assert to_numpy(y) == typ(0)


def test_unknown_dtype_name_raises(backend):
    with pytest.raises(TypeError, match="nonsense.* not understood"):
        jnp.zeros(2, dtype="nonsense")
    for f in (
        lambda: gnp.dtype("nonsense"),
        lambda: gnp.zeros(2, dtype="nonsense"),
        lambda: _t([1.0]).astype("nonsense"),
        lambda: gnp.asarray([1.0], "nonsense"),
    ):
        with pytest.raises(TypeError, match="nonsense"):
            f()


_BINARY = [  # JAX's cases: (x, y) as (value, dtype or None for a Python float)
    ((1.0, "f8", 0), (0.0, None, 0)),
    ((1.0, "f8", 0), (0.0, "f8", 0)),
    ((1.0, "f8", 0), (0.0, "f2", 0)),
    ((1.0, "f8", 0), (0.0, "f4", 0)),
    ((1.0, "f2", 0), (0.0, None, 0)),
    ((1.0, "f4", 0), (0.0, None, 0)),
    ((1.0, "f2", 0), (0.0, "f2", 0)),
    ((1.0, "f2", 0), (0.0, "f4", 0)),
    ((1.0, "f2", 0), (0.0, "f8", 0)),
    ((1.0, "f4", 0), (0.0, "f8", 0)),
    ((1.0, "f8", 1), (0.0, None, 0)),
    ((1.0, "f8", 1), (0.0, "f2", 0)),
    ((1.0, "f8", 1), (0.0, "f4", 0)),
    ((1.0, "f4", 1), (0.0, "f2", 0)),
    ((1.0, "f2", 1), (0.0, "f4", 0)),
    ((1.0, "f2", 1), (0.0, None, 0)),
]


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("jit", [False, True])
def test_binary_promotion_cases(backend, swap, jit):
    """JAX's binary-promotion cases on Tensors and backend arrays: gpuad's dtype and value
    are NumPy's on the same inputs (JAX differs where a 0-d float64 meets float16/32: its
    0-d array from a Python float is weak), and the gradient of each side has its dtype."""

    def make(spec, wrap):
        v, dt, nd = spec
        if dt is None:
            return v, v
        a = np.asarray([v] if nd else v, dtype=dt)
        return wrap(a), a

    op = ad.jit(operator.add) if jit else operator.add
    for xs, ys in _BINARY:
        for wrap in (_t, _dev):
            (x, xn), (y, yn) = make(xs, wrap), make(ys, wrap)
            if swap:
                (x, xn), (y, yn) = (y, yn), (x, xn)
            z, want = op(x, y), xn + yn
            assert z.dtype == np.result_type(want), (xs, ys, swap, z.dtype)
            np.testing.assert_array_equal(to_numpy(z), want)
        xs_t = [s for s in (xs, ys) if s[1] is not None]
        args = [_t(np.asarray([s[0]] if s[2] else s[0], s[1])) for s in xs_t]
        if len(args) == 2:
            grads = ad.grad(lambda a, b: gnp.sum(a * b), argnums=(0, 1))(*args)
            for g, a in zip(grads, args, strict=True):
                assert g.dtype == a.dtype and g.shape == a.shape


def test_promote_types_as_numpy():
    """gnp.promote_types is NumPy's: symmetric, identity on the diagonal and with bool, and
    equal to jax's wherever JAX follows NumPy (within the exact kinds, within the inexact ones,
    and an inexact dtype against any exact one)."""
    for t1, t2 in itertools.product(_DTYPES, repeat=2):
        got = gnp.promote_types(t1, t2)
        assert got == np.promote_types(t1, t2) == gnp.promote_types(t2, t1)
        assert gnp.result_type(_t(np.zeros(1, t1)), _t(np.zeros(1, t2))) == got
        if t1 == t2 or t2 == np.bool_:
            assert got == t1
        exact = (t1.kind in "biu") == (t2.kind in "biu")
        if exact and np.dtype("uint64") not in (t1, t2):
            assert got == jnp.promote_types(t1, t2), (t1, t2)
        if t1.kind in "fc" and t2.kind in "biu":
            assert got.kind == t1.kind  # inexact wins
    for a, b in itertools.product([int, float, complex], repeat=2):
        assert gnp.result_type(a(0), b(0)) == np.result_type(type(a(0) + b(0)))
    with pytest.raises(TypeError):
        gnp.promote_types(np.float32, "nonsense")


def test_scalar_types(backend):
    """gnp's scalar types are NumPy's: a 0-d NumPy scalar of that dtype (JAX: a 0-d array).
    On a Tensor being differentiated gnp.float32(x) raises (jnp.float32(x) is a recorded cast;
    NumPy's scalar would be a silent constant); x.astype is the cast, equal to JAX's."""
    for t in (gnp.bool_, gnp.int32, gnp.float32, gnp.complex64):
        a = t(1)
        assert a.dtype == np.dtype(t) == jnp.asarray(jnp.dtype(t).type(1)).dtype
        assert gnp.ndim(a) == 0 and isinstance(np.dtype(t).type(1), t)
    x = 2.0
    want = jax.grad(lambda x: jnp.float32(x) * x)(x)
    with pytest.raises(TypeError, match=r"gnp\.float32\(t\) makes a NumPy scalar"):
        ad.grad(lambda x: gnp.float32(x) * x)(_t(x))
    got = ad.grad(lambda x: x.astype(gnp.float32) * x)(_t(x))
    np.testing.assert_allclose(to_numpy(got), want)
    # jnp.int32(x) inside jit: gpuad's NumPy scalar needs a value, and says so
    assert jax.jit(lambda x: jnp.int32(x))(jnp.float32(101.4)) == 101
    with pytest.raises(TracerError, match="conversion to a NumPy array"):
        ad.jit(lambda x: gnp.int32(x))(_t(101.4, np.float32))
    r = ad.jit(lambda x: x.astype(gnp.int32))(_t(101.4, np.float32))
    assert r.dtype == np.int32 and to_numpy(r) == 101


def test_issubdtype(backend):
    cats = [
        np.generic,
        np.number,
        np.inexact,
        np.integer,
        np.signedinteger,
        np.unsignedinteger,
        np.floating,
        np.complexfloating,
        np.bool_,
    ]
    for d in _DTYPES:
        t = d.type
        x = _t(np.zeros(1, d))
        for a, b in [(t, t), (d, t), (t, d), (x, t), (x, d)]:
            assert gnp.issubdtype(a, b)
        for c in cats:
            want = np.issubdtype(t, c)
            assert gnp.issubdtype(t, c) == want == jnp.issubdtype(t, c), (d, c)
            assert gnp.issubdtype(x, c) == want and gnp.issubdtype(x.dtype, c) == want


_KINDS = [
    "bool",
    "signed integer",
    "unsigned integer",
    "integral",
    "real floating",
    "complex floating",
    "numeric",
]


def test_isdtype(backend):
    for d in _DTYPES:
        x = _t(np.zeros(1, d))
        for kind in [*_KINDS, *_DTYPES, ("integral", "complex floating")]:
            want = np.isdtype(d, kind)
            assert gnp.isdtype(d, kind) == want == jnp.isdtype(d, kind), (d, kind)
            assert gnp.isdtype(x, kind) == want
    with pytest.raises(ValueError, match="not a known kind name"):
        np.isdtype(np.float32, "nonsense kind")
    with pytest.raises(ValueError, match="not a known kind name"):
        gnp.isdtype(np.float32, "nonsense kind")


def test_array_casts(backend):
    """astype to bool, int32, float32, complex64 on arrays and Tensors: NumPy's dtype and
    values (NumPy's truncation of -3.7), and the float cast's gradient is JAX's."""
    a = np.array([1, 2.5, -3.7])
    for t in (gnp.bool_, gnp.int32, gnp.float32, gnp.complex64):
        want = a.astype(t)
        for x in (_dev(a), _t(a)):
            for r in (x.astype(t), gnp.astype(x, t)):
                assert r.dtype == want.dtype == jnp.array(a).astype(t).dtype
                np.testing.assert_array_equal(to_numpy(r), want)

    def f(lib):
        return lambda x: lib.sum(x.astype(lib.float32) ** 2 * x)

    want = jax.grad(f(jnp))(a)
    got = ad.grad(f(gnp))(_t(a))
    assert got.dtype == want.dtype == np.float64
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-6)
    check_grads(lambda x: gnp.sum(x.astype(gnp.complex128) ** 2).real, (_t(a),), order=2)


def test_enum_values(backend):
    class AnEnum(enum.IntEnum):
        A = 42
        B = 101

    for f in (gnp.array, gnp.asarray):
        r = f(AnEnum.A)
        assert r.dtype == np.array(AnEnum.A).dtype and to_numpy(r) == 42
    assert gnp.int32(AnEnum.B) == np.int32(101) and gnp.int32(AnEnum.B).dtype == np.int32
    for d in (np.float32, np.int8, np.uint8):
        # an int subclass is no weak Python int to NumPy 2: its result widens, as NumPy's
        want = np.asarray([1], d) + AnEnum.A
        got = _t([1], d) + AnEnum.A
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(to_numpy(got), want)


def test_dtype_of_python_types_and_values():
    for typ in (bool, int, float, complex):
        assert gnp.dtype(typ) == np.dtype(typ) == jnp.dtype(typ)
        assert gnp.result_type(typ(0)) == np.result_type(typ(0))
        assert gnp.result_type(typ) == np.result_type(typ)


@pytest.mark.parametrize("which", ["all"])
def test_dtype_of_values(backend, which):
    for d in _DTYPES:
        assert gnp.dtype(d) == d == gnp.dtype(str(d)) == gnp.dtype(d.type)
        assert gnp.result_type(d.type(0)) == d == np.result_type(d.type(0))
        assert gnp.result_type(_t(np.zeros((), d))) == d
        assert gnp.result_type(_dev(np.zeros((), d))) == d
        assert _t(d.type(0)).dtype == d


def test_dtype_none(backend):
    assert gnp.dtype(None) == np.dtype(None) == np.float64
    assert gnp.result_type(None) == np.result_type(None) == jax.dtypes.result_type(None)
    assert gnp.zeros(2, dtype=None).dtype == np.zeros(2, dtype=None).dtype


def test_default_dtype_aliases():
    assert gnp.bool_ is np.bool_
    for name in ("int_", "uint", "float_", "complex_"):
        assert np.dtype(getattr(gnp, name)) == np.dtype(getattr(jnp, name)), name
    assert np.dtype(gnp.int_) == np.int64 and np.dtype(gnp.float_) == np.float64


def test_dtype_argument_objects(backend):
    class MyDtype:
        __hash__ = None
        dtype = np.dtype("float32")

    for f in (
        lambda d: gnp.zeros(3, dtype=d),
        lambda d: gnp.ones(3, dtype=d),
        lambda d: gnp.asarray([1, 2], dtype=d),
        lambda d: _t([1.0]).astype(d),
    ):
        assert f(MyDtype()).dtype == np.float32
    # an array as a dtype: NumPy refuses it (JAX warns and takes its dtype)
    arr = np.arange(4)
    with pytest.raises(TypeError, match="Cannot construct a dtype from an array"):
        np.zeros(3, dtype=arr)
    for f in (
        lambda: gnp.zeros(3, dtype=arr),
        lambda: gnp.asarray([1, 2], dtype=arr),
        lambda: _t([1.0]).astype(arr),
    ):
        with pytest.raises(TypeError, match="Cannot construct a dtype from an array"):
            f()


def test_ml_dtypes(backend):
    """bfloat16, float8 and int4 (ml_dtypes, as jnp.bfloat16) are not NumPy categories to
    gnp.issubdtype (NumPy's answer; JAX says floating); a cast to them of a Tensor being
    differentiated raises (JAX differentiates it), and they promote as NumPy with ml_dtypes."""
    for dt in (jnp.bfloat16, jnp.float8_e4m3fn, jnp.int4):
        assert gnp.issubdtype(dt, dt) and gnp.issubdtype(dt, np.generic)
        assert gnp.issubdtype(dt, np.number) == np.issubdtype(dt, np.number)
        x = np.asarray([1.5, 2.25], np.float32)
        with pytest.raises(TypeError, match="would silently drop its derivative"):
            ad.grad(lambda x, dt=dt: gnp.sum(x.astype(dt).astype(gnp.float32) * x))(_t(x))
        y = _t(x).astype(dt)  # not differentiated: kept, as NumPy
        assert y.dtype == np.dtype(dt)
        assert (y + _t(x)).dtype == (np.asarray(x).astype(dt) + x).dtype
    # JAX differentiates the bfloat16 path (a gradient of 2x), which gpuad refuses above
    want = jax.grad(lambda x: jnp.sum(x.astype(jnp.bfloat16).astype(jnp.float32) * x))(
        np.asarray([1.5, 2.25], np.float32)
    )
    np.testing.assert_array_equal(want, [3.0, 4.5])


# ---------------------------------------------------------------- TestPromotionTables


def test_python_scalars_through_jit(backend):
    for typ in (bool, int, float, complex):
        v = typ(0)
        assert ad.jit(gnp.array)(v).dtype == gnp.array(v).dtype == np.array(v).dtype
        eager = gnp.asarray(v) / 2
        jitted = ad.jit(lambda x: gnp.asarray(x) / 2)(v)
        assert eager.dtype == jitted.dtype == (np.asarray(v) / 2).dtype
        np.testing.assert_array_equal(to_numpy(jitted), to_numpy(eager))


def test_result_type_as_numpy(backend):
    """gnp.result_type on Tensors, backend arrays, Python scalars and dtypes: NumPy's, with
    Python numbers weak and 0-d arrays strong (JAX's 0-d array from a Python float is weak)."""
    assert gnp.result_type(None) == np.result_type(None)
    samples = [1, 1.0, 1j, True]
    for d in _DTYPES:
        for nd in (0, 1):
            a = np.zeros((1,) * nd, d)
            for x in (_t(a), _dev(a)):
                assert gnp.result_type(x) == d
                for s in samples:
                    assert gnp.result_type(x, s) == np.result_type(a, s), (d, s)
                for d2 in (np.float32, np.int64, np.float16):
                    b = np.zeros((), d2)
                    assert gnp.result_type(x, _t(b)) == np.result_type(a, b)
    x_weak = jnp.array(1.0)  # JAX: weak 0-d float64, gpuad's has no weak flag
    assert gnp.result_type(_t(np.asarray(1.0)), np.float16) == np.float64
    assert jnp.result_type(x_weak, np.float16) == np.float16


_TABLE = ["b1", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "f2", "f4", "f8", "c8", "c16"]


def test_promotion_table_as_numpy(backend):
    """JAX's observed table over every pair of 0-d values of each dtype and Python
    int/float/complex, for + and *: gpuad's dtype and value are NumPy's; where JAX's table
    differs (uint64 with int64, a Python float with an unsigned array, ...), NumPy's is the
    one taken."""
    vals = [np.zeros((), c) for c in _TABLE] + [0, 0.0, 0j]
    wrapped = {w: [w(v) if isinstance(v, np.ndarray) else v for v in vals] for w in (_t, _dev)}
    jvals = [jnp.asarray(v) if isinstance(v, np.ndarray) else v for v in vals]
    differ = 0
    for i, j in itertools.product(range(len(vals)), repeat=2):
        v1, v2 = vals[i], vals[j]
        if not (isinstance(v1, np.ndarray) or isinstance(v2, np.ndarray)):
            continue
        for op in (operator.add, operator.mul):
            want = op(v1, v2)
            for w in wrapped.values():
                got = op(w[i], w[j])
                assert got.dtype == np.result_type(want), (v1, v2, got.dtype)
                np.testing.assert_array_equal(to_numpy(got), want)
        differ += jnp.result_type(jvals[i], jvals[j]) != np.result_type(want)
    assert differ > 0  # JAX's lattice does differ from NumPy's somewhere in this table


@pytest.mark.parametrize("dx", ["float16", "float32", "float64", "complex64", "complex128"])
def test_gradient_dtype_is_the_input_dtype(backend, dx):
    """Whatever a float or complex input is promoted with (0-d and 1-d arrays of other dtypes,
    Python floats), its gradient has its own dtype and JAX's value (the conjugate for complex
    inputs, torch's convention); integer and boolean inputs are refused, as JAX refuses them."""
    x = np.asarray([0.5, 1.5], dx)
    ops = {
        "mul": operator.mul,
        "add": operator.add,
        "div": operator.truediv,
        "pow": lambda a, b: a**2 * b,
    }
    for do in ("float16", "float64", "uint8", "bool", "complex64"):
        for c in (np.asarray(2, do), np.asarray([2, 3], do), 2.5):
            for op in ops.values():

                def f(lib, wrap, c=c, op=op):
                    return lambda x: lib.sum(op(x, c if isinstance(c, float) else wrap(c))).real

                g = ad.grad(f(gnp, _t))(_t(x))
                w = jax.grad(f(jnp, jnp.asarray))(jnp.asarray(x))
                assert g.dtype == w.dtype == x.dtype, (do, c, op)
                np.testing.assert_allclose(to_numpy(g), np.conj(w), rtol=2e-3)
    for d in ("int32", "int64", "bool"):
        with pytest.raises(TypeError, match="only floating-point inputs"):
            ad.grad(lambda x: gnp.sum(x * 2.0))(_t([1, 0], d))
        with pytest.raises(TypeError):
            jax.grad(lambda x: jnp.sum(x * 2.0))(jnp.asarray([1, 0], d))


_JIT_TYPES = [int, float, np.int16, np.int32, np.float16, np.float32]
_FUNS = {"identity": lambda x: x, "abs": abs, "array": gnp.array}


@pytest.mark.parametrize(
    "xfun,yfun",
    [("identity", "identity"), ("abs", "array"), ("array", "identity"), ("array", "array")],
)
def test_binary_promotion_jit_invariance(backend, xfun, yfun):
    """f(x, y) = xfun(x) + yfun(y) over JAX's scalar types: gpuad.jit gives eager's dtype
    and value, and both are NumPy's."""
    npf = {"identity": lambda x: x, "abs": abs, "array": np.array}
    f = lambda x, y: _FUNS[xfun](x) + _FUNS[yfun](y)  # noqa: E731
    for xt, yt in itertools.product(_JIT_TYPES, repeat=2):
        want = npf[xfun](xt(1)) + npf[yfun](yt(1))
        eager, jitted = f(xt(1), yt(1)), ad.jit(f)(xt(1), yt(1))
        assert _dtype(eager) == _dtype(jitted) == _dtype(want), (xt, yt)
        assert to_numpy(jitted) == to_numpy(eager) == want


def test_one_value_keeps_its_dtype(backend):
    """result_type of one value is its dtype, and x + x keeps it (bool's + is logical or);
    the gradient of a float/complex x * x has x's dtype, equal to JAX's."""
    for d in _DTYPES:
        a = np.asarray([0, 1], d)
        for x in (_t(a), _dev(a)):
            assert gnp.result_type(x) == d
            r = x + x
            assert r.dtype == (a + a).dtype == d
            np.testing.assert_array_equal(to_numpy(r), a + a)
        if d.kind in "fc":
            v = np.asarray([0.5, 1.5], d)
            g = ad.grad(lambda x: gnp.sum(x * x).real)(_t(v))
            w = jax.grad(lambda x: jnp.sum(x * x).real)(jnp.asarray(v))
            assert g.dtype == d == w.dtype
            # JAX's complex gradient is the conjugate of gpuad's (torch's convention)
            np.testing.assert_allclose(to_numpy(g), np.conj(w) if d.kind == "c" else w)


def test_repr_names_the_dtype(backend):
    for d in _DTYPES:
        a = np.zeros((2,), d)
        r = repr(_t(a))
        assert r.startswith("Tensor(")
        if "dtype=" in repr(a):  # NumPy names every dtype but its defaults
            assert r.endswith(f"dtype={d.name})"), r
        assert r.replace("Tensor(", "array(", 1) == repr(a)


def test_can_cast_as_numpy(backend):
    """gnp.can_cast over every pair of dtypes and Python types under each casting rule:
    NumPy's answer (Python values raise TypeError as in NumPy 2); Tensors by their dtype."""
    kinds = [*_DTYPES, bool, int, float, complex]
    for a, b in itertools.product(kinds, repeat=2):
        for casting in ("no", "equiv", "safe", "same_kind", "unsafe"):
            assert gnp.can_cast(a, b, casting) == np.can_cast(a, b, casting), (a, b, casting)
        if isinstance(a, np.dtype):
            assert gnp.can_cast(_t(np.zeros(1, a)), b) == np.can_cast(a, b)
    for v in (1, 1.0, 1j):
        with pytest.raises(TypeError):
            np.can_cast(v, np.float32)
        with pytest.raises(TypeError):
            gnp.can_cast(v, np.float32)


# ---------------------------------------------------------------- X64ContextTests


def test_no_canonicalisation(backend):
    """gpuad keeps every dtype as given (JAX x32 narrows 64-bit ones); jnp under x64 agrees."""
    for d in _DTYPES:
        a = np.zeros(2, d)
        for f in (gnp.asarray, _t, ad.jit(gnp.copy)):
            assert f(a).dtype == d == jnp.asarray(a).dtype
    for f in (lambda: gnp.array(np.float64(0)), ad.jit(lambda: gnp.array(np.float64(0)))):
        assert f().dtype == np.float64


def test_near_singular_inverse(backend):
    """A matrix with a row scaled by 1e-40: finite inverse in float64; in float32 the row is
    subnormal and gpuad's answer (values or error) is NumPy's."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 5))
    x[-1] *= 1e-40
    got = to_numpy(gnp.linalg.inv(_dev(x)))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, np.linalg.inv(x), rtol=1e-8)
    np.testing.assert_allclose(got, jnp.linalg.inv(x), rtol=1e-8)
    x32 = x.astype(np.float32)
    try:
        want = np.linalg.inv(x32)
    except np.linalg.LinAlgError:
        with pytest.raises(np.linalg.LinAlgError):
            gnp.linalg.inv(_dev(x32))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got32 = to_numpy(gnp.linalg.inv(_dev(x32)))
        assert got32.dtype == want.dtype == np.float32
        np.testing.assert_array_equal(np.isfinite(got32), np.isfinite(want))


def test_while_loop_python_float_carry(backend):
    """A Python float carry counts in float64, as JAX x64, eager and under jit."""
    want = jax.jit(lambda n: jax.lax.while_loop(lambda x: x < n, lambda x: x + 1.0, 0.0))(10)
    assert want.dtype == np.float64
    for j in (lambda f: f, ad.jit):
        r = j(lambda n: lax.while_loop(lambda x: x < n, lambda x: x + 1.0, 0.0))(10)
        assert gnp.result_type(r) == np.float64 and float(r) == float(want) == 10.0
    r = lax.while_loop(lambda x: x < 10, lambda x: x + 1.0, _t(0.0, np.float32))
    assert r.dtype == np.float32 and float(r) == 10.0


def test_int64_astype_int32(backend):
    x = _t(1, np.int64)
    for r in (x.astype(gnp.int32), ad.jit(lambda x: x.astype(gnp.int32))(x)):
        assert r.dtype == np.int32 == jax.jit(lambda x: x.astype(jnp.int32))(jnp.int64(1)).dtype
        assert int(r) == 1


# ---------------------------------------------------------------- ApiUtilTest


@pytest.mark.parametrize("donate,static", [((0,), (0,)), ((0, 1), (1, 2)), ((0, 1, 2), (0, 1, 2))])
def test_jit_static_and_donated_overlap_raises(donate, static):
    def f(a, b, c):
        return a

    with pytest.raises(ValueError, match="cannot intersect"):
        jax.jit(f, static_argnums=static, donate_argnums=donate)
    with pytest.raises(ValueError, match="both static and donated"):
        ad.jit(f, static_argnums=static, donate_argnums=donate)


@pytest.mark.parametrize(
    "donate,static", [((), ()), ((), (1, 2, 3)), ((0,), (2, 3)), ((0, 1), (2, 3)), ((3,), (0, 1))]
)
def test_jit_static_with_donated(backend, donate, static):
    """Donated and static arguments at any positions: gpuad.jit's result is eager's and
    jax.jit's, for a second call too (the donated buffers are fresh each call)."""

    def f(lib):
        def g(a, b, c, d):
            return (
                lib.sum(lib.asarray(a) * 2) + lib.sum(lib.asarray(b)) * c + lib.sum(lib.asarray(d))
            )

        return g

    def args(mod):
        return [mod(np.arange(3.0) + i) if i not in static else float(i + 1) for i in range(4)]

    want = jax.jit(f(jnp), static_argnums=static, donate_argnums=donate)(*args(np.asarray))
    jf = ad.jit(f(gnp), static_argnums=static, donate_argnums=donate)
    for _ in range(2):
        got = jf(*args(_dev))
        np.testing.assert_allclose(to_numpy(got), want)


def test_jit_keyword_arguments(backend):
    """Keywords, defaults and keyword-only arguments through gpuad.jit give eager's and
    jax.jit's values; gradients through a keyword argument are JAX's."""

    def fun(lib):
        def g(x, y, z=3.0):
            return lib.sum(x * 1.0 + y * 2.0 + z * 3.0)

        return g

    def kwonly(lib):
        def g(x, y, z, *, kw=2.0):
            return lib.sum(x * y + z * kw)

        return g

    x = np.arange(3.0)
    for call in (
        lambda f, x: f(x, y=2.0),
        lambda f, x: f(x, 2.0, z=3.0),
        lambda f, x: f(x=x, y=2.0, z=4.0),
        lambda f, x: f(x, 2.0, 4.0),
    ):
        want = call(jax.jit(fun(jnp)), x)
        assert float(call(ad.jit(fun(gnp)), _dev(x))) == float(call(fun(gnp), _dev(x))) == want
    for kw in ({}, {"kw": 5.0}):
        want = jax.jit(kwonly(jnp))(x, 2.0, z=1.0, **kw)
        assert float(ad.jit(kwonly(gnp))(_dev(x), 2.0, z=1.0, **kw)) == want
        gw = jax.grad(lambda x: kwonly(jnp)(x, 2.0, z=x, **kw))(x)
        gg = ad.grad(lambda x: kwonly(gnp)(x, 2.0, z=x, **kw))(_t(x))
        np.testing.assert_allclose(to_numpy(gg), gw)


def test_vmap_in_axes_prefix(backend):
    """An in_axes dict that is a prefix of the argument's tree: gpuad.vmap maps each leaf
    over its axis, as jax.vmap, and its vjp is JAX's."""
    x, y = np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2) * 0.5
    spec = ({"a": 0, "b": 1},)

    def f(lib):
        return lambda t: lib.sin(t["a"][0]) * t["a"][1] + t["b"] ** 2

    want = jax.vmap(f(jnp), in_axes=spec)({"a": [x, x + 1], "b": y})
    got = ad.vmap(f(gnp), in_axes=spec)({"a": [_dev(x), _dev(x + 1)], "b": _dev(y)})
    np.testing.assert_allclose(to_numpy(got), want)
    gw = jax.grad(lambda y: jnp.sum(jax.vmap(f(jnp), in_axes=spec)({"a": [x, x], "b": y})))(y)
    gg = ad.grad(
        lambda y: gnp.sum(ad.vmap(f(gnp), in_axes=spec)({"a": [_dev(x), _dev(x)], "b": y}))
    )(_t(y))
    np.testing.assert_allclose(to_numpy(gg), gw)


@pytest.mark.parametrize(
    "spec,bad",
    [
        ({"a": 0, "b": (1, 2)}, r"\(1, 2\)"),
        ({"a": [0, 1], "b": (2, 3)}, r"\[0, 1\]"),
        ({"a": (0, 1)}, r"\(0, 1\)"),
        ({"a": None, "b": (0, 1)}, r"\(0, 1\)"),
    ],
    ids=["tuple_for_leaf", "two", "one_leaf", "none_and_tuple"],
)
def test_vmap_in_axes_mismatch_raises(backend, spec, bad):
    """An in_axes that is no prefix of the argument: both raise ValueError; gpuad's names the
    spec that does not fit (not a valid None beside it) and the leaf's type (never an
    internal placeholder type)."""
    tree = {k: np.ones((2, 2)) for k in spec}
    with pytest.raises(ValueError, match="Mismatch details"):
        jax.vmap(lambda t: t, in_axes=(spec,))(tree)
    with pytest.raises(ValueError, match=bad + r".*ndarray") as e:
        ad.vmap(lambda t: t, in_axes=(spec,))({k: _dev(v) for k, v in tree.items()})
    assert "PytreeLeaf" not in str(e.value)
