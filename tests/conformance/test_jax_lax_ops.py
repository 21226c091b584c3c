"""``gpuad.lax``'s operations against ``jax.lax`` itself, in float64.

Two kinds of cases. Where lax's semantics are at stake (integer division, ties, ``clamp`` and
``abs`` at their kinks, rounding, shifts, conversions, padding, clamped dynamic slices,
``reduce``, scans, sorting, ``dot_general``) values, dtypes and derivatives (vector-Jacobian
products for real ops, Jacobian-vector products for complex ones, along random directions)
are compared with ``jax.lax``. The ops that are one ``gpuad.numpy`` function under lax's name
are compared with NumPy/SciPy and their derivatives with central differences. Then a few
second-order central-difference checks, and the errors lax raises for mismatched operands.

A case is ``fn(L, *args)``, run with ``L`` = ``gpuad.lax`` and ``jax.lax``; ``diff`` lists
the arguments differentiated.
"""

from __future__ import annotations

import functools
import operator
import warnings
import zlib

import numpy as np
import pytest
import scipy.special as sc
from conftest import to_numpy

import gpuad as ad
from gpuad import lax
from gpuad.testing import check_grads


@functools.cache
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _rng(tag: str):
    return np.random.default_rng(zlib.crc32(tag.encode()))


def _normal(tag, *shape):
    return _rng(tag).standard_normal(shape)


def _uniform(tag, lo, hi, *shape):
    return _rng(tag).uniform(lo, hi, shape)


def _pos(tag, *shape):
    return _uniform(tag, 0.5, 2.5, *shape)


def _in(lo, hi):
    return lambda tag, *shape: _uniform(tag, lo, hi, *shape)


def _away(tag, *shape, gap=0.5):
    x = _normal(tag, *shape)
    return x + np.where(x >= 0, gap, -gap)


def _cplx(tag, *shape):
    return _normal(tag, *shape) + 1j * _normal(tag + "i", *shape)


def _leaves(t):
    return ad.tree_flatten(t)[0]


def _host(x):
    return np.asarray(to_numpy(x))


def _check_values(out, ref, tol=1e-10):
    got, want = _leaves(out), _leaves(ref)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        g, w = _host(g), np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        if w.dtype.kind in "biu":
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


# ---- the two kinds of cases ---------------------------------------------------------------------

CASES: dict = {}


def _case(tag, fn, args, diff=(), mode="vjp", ref=None):
    """Register a case: against ``jax.lax``, or with ``ref`` against NumPy (``ref(*args)``)."""
    assert tag not in CASES, tag
    CASES[tag] = (fn, tuple(args), tuple(diff), mode, ref)
    return tag


def _directions(tag, kind, shapes_dtypes):
    out = []
    for i, (shape, dt) in enumerate(shapes_dtypes):
        d = _normal(f"{tag}{kind}{i}", *shape)
        if np.dtype(dt).kind == "c":
            d = d + 1j * _normal(f"{tag}{kind}i{i}", *shape)
        out.append(d.astype(dt))
    return out


def _restricted(tag, L, args):
    fn, _, diff, _, _ = CASES[tag]

    def f(*dargs):
        full = list(args)
        for i, a in zip(diff, dargs, strict=True):
            full[i] = a
        return fn(L, *full)

    return f, [args[i] for i in diff]


def _run(tag, L, jvp, vjp, args):
    """(values, derivatives) of case ``tag`` with the lax module ``L`` and its transforms."""
    fn, _, diff, mode, _ = CASES[tag]
    values = fn(L, *args)
    if not diff:
        return values, None
    f, primals = _restricted(tag, L, args)
    if mode == "jvp":
        tangents = _directions(tag, "t", [(p.shape, p.dtype) for p in primals])
        return values, jvp(f, primals, tangents)[1]
    leaves, tdef = ad.tree_flatten(values)
    cts = _directions(tag, "u", [(v.shape, np.float64) for v in leaves])
    return values, vjp(f, *primals)[1](ad.tree_unflatten(tdef, cts))


@functools.cache
def _jax_refs(group: tuple) -> dict:
    """JAX's values and derivatives of the cases of ``group``, jitted a dozen at a time (JAX
    compiles every primitive it runs, so fewer, larger programs cost less)."""
    jax = _jax()

    def jvp(f, primals, tangents):
        return jax.jvp(f, tuple(primals), tuple(tangents))

    def program(arrs):
        out = {}
        for t, a in arrs.items():
            it = iter(a)
            args = [next(it) if isinstance(x, np.ndarray) else x for x in CASES[t][1]]
            out[t] = _run(t, jax.lax, jvp, jax.vjp, args)
        return out

    refs = {}
    tags = [t for t in group if CASES[t][4] is None]
    for k in range(0, len(tags), 12):
        arrs = {t: [a for a in CASES[t][1] if isinstance(a, np.ndarray)] for t in tags[k : k + 12]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            refs.update(jax.tree_util.tree_map(np.asarray, jax.jit(program)(arrs)))
    return refs


def _compare(tag, group):
    fn, args, diff, _, ref = CASES[tag]
    if ref is not None:  # NumPy's values, central differences for the derivatives
        _check_values(fn(lax, *args), ref(*args))
        if diff:
            f, primals = _restricted(tag, lax, list(args))
            check_grads(f, primals, order=1)
        return
    refs = _jax_refs(tuple(group))[tag]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        values, derivs = _run(tag, lax, ad.jvp, ad.vjp, list(args))
    _check_values(values, refs[0])
    if derivs is not None:
        _check_values(derivs, refs[1])


# ---- elementwise ------------------------------------------------------------------------------


def _un(name):
    return lambda L, x: getattr(L, name)(x)


def _bin(name):
    return lambda L, x, y: getattr(L, name)(x, y)


UNARY = [  # (lax name, input sampler, NumPy/SciPy reference or None (not differentiable))
    ("neg", _normal, np.negative),
    ("exp", _normal, np.exp),
    ("exp2", _normal, np.exp2),
    ("log", _pos, np.log),
    ("log1p", _pos, np.log1p),
    ("expm1", _normal, np.expm1),
    ("sqrt", _pos, np.sqrt),
    ("rsqrt", _pos, lambda x: 1 / np.sqrt(x)),
    ("cbrt", _away, np.cbrt),
    ("tanh", _normal, np.tanh),
    ("logistic", _normal, sc.expit),
    ("sin", _normal, np.sin),
    ("cos", _normal, np.cos),
    ("tan", _in(-1.3, 1.3), np.tan),
    ("asin", _in(-0.9, 0.9), np.arcsin),
    ("acos", _in(-0.9, 0.9), np.arccos),
    ("atan", _normal, np.arctan),
    ("sinh", _normal, np.sinh),
    ("cosh", _normal, np.cosh),
    ("asinh", _normal, np.arcsinh),
    ("acosh", _in(1.2, 3.0), np.arccosh),
    ("atanh", _in(-0.9, 0.9), np.arctanh),
    ("erf", _normal, sc.erf),
    ("erfc", _normal, sc.erfc),
    ("erf_inv", _in(-0.9, 0.9), sc.erfinv),
    ("lgamma", _pos, sc.gammaln),
    ("digamma", _pos, sc.digamma),
    ("bessel_i0e", _normal, sc.i0e),
    ("bessel_i1e", _normal, sc.i1e),
    ("square", _normal, np.square),
    ("abs", _away, np.abs),
    ("sign", _away, np.sign),
    ("floor", _away, np.floor),
    ("ceil", _away, np.ceil),
]
ELEMENTWISE = [_case(n, _un(n), (s(n, 2, 3),), (0,), ref=r) for n, s, r in UNARY]
ELEMENTWISE += [
    _case(f"c_{n}", _un(n), (_cplx(n, 4),), (0,), ref=r)
    for n, r in [
        ("exp", np.exp),
        ("log", np.log),
        ("sqrt", np.sqrt),
        ("tanh", np.tanh),
        ("real", np.real),
        ("imag", np.imag),
        ("conj", np.conj),
        ("sin", np.sin),
        ("logistic", lambda z: 1 / (1 + np.exp(-z))),
    ]
]
BINARY = [  # (lax name, x sampler, y sampler, reference, differentiated arguments)
    ("add", _normal, _normal, np.add, (0, 1)),
    ("sub", _normal, _normal, np.subtract, (0, 1)),
    ("mul", _normal, _normal, np.multiply, (0, 1)),
    ("div", _normal, _away, np.divide, (0, 1)),
    ("pow", _pos, _normal, np.power, (0, 1)),
    ("max", _normal, _normal, np.maximum, (0, 1)),
    ("min", _normal, _normal, np.minimum, (0, 1)),
    ("atan2", _normal, _normal, np.arctan2, (0, 1)),
    ("igamma", _pos, _pos, sc.gammainc, (1,)),
    ("igammac", _pos, _pos, sc.gammaincc, (1,)),
    ("nextafter", _normal, _normal, np.nextafter, ()),
    ("eq", _normal, _normal, np.equal, ()),
    ("lt", _normal, _normal, np.less, ()),
    ("ge", _normal, _normal, np.greater_equal, ()),
]
ELEMENTWISE += [
    _case(n, _bin(n), (sx(n + "x", 2, 3), sy(n + "y", 2, 3)), d, ref=r)
    for n, sx, sy, r, d in BINARY
]
_ROW, _COL = np.array([[1.0, 2.0, 3.0]]), np.array([[2.0], [1.0]])
_INTS = (np.array([-7, 7, -7, 7, 5, 0, -9], np.int32), np.array([2, -2, -2, 2, 0, 3, 4], np.int32))
_UINTS = (np.array([7, 3, 0], np.uint8), np.array([2, 0, 5], np.uint8))
_I8 = (np.array([-8, 5, 1, 127, -128], np.int8), np.array([1, 2, 9, 7, -1], np.int8))
_BOOL = np.array([True, False, True])
_RND = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994])
_CL = np.array([-1.0, 0.0, 0.25, 1.0, 2.0])
_S3 = [_normal(f"s{i}", 4) for i in range(3)]
_F = np.array([-1.7, 2.5, np.nan, 1e30, -1e30, np.inf])
ELEMENTWISE += [
    # against jax.lax: lax's own semantics
    _case("i_div", _bin("div"), _INTS),
    _case("i_rem", _bin("rem"), _INTS),
    _case("u_div", _bin("div"), _UINTS),
    _case("u_rem", _bin("rem"), _UINTS),
    _case("rem", _bin("rem"), (_normal("rx", 4), _away("ry", 4)), (0, 1)),
    _case("max_ties", _bin("max"), (_ROW, _COL), (0, 1)),  # ties share the gradient
    _case("sub_0d", _bin("sub"), (np.array(0.5), _ROW), (0, 1)),
    _case("weak", lambda L, x: L.add(L.mul(2.0, x), 1.5), (_ROW,), (0,)),
    _case(
        "clamp", lambda L, lo, x, hi: L.clamp(lo, x, hi), (np.array(0.0), _CL, np.array(1.0)), (1,)
    ),
    _case(
        "clamp_arrays",
        lambda L, lo, x, hi: L.clamp(lo, x, hi),
        # bounds not crossed: with min > max JAX gives max no gradient where it is the value
        # (gpuad does; tests/test_lax_random_params.py checks it by central differences)
        (np.array([0.5, 0.5, -1.0, 2.0, 2.2]), _CL, np.full(5, 2.5)),
        (0, 1, 2),
    ),
    _case("abs_at_0", _un("abs"), (np.array([0.0, -0.0, 1.0]),), (0,)),  # lax: 1 at 0
    _case("c_abs", _un("abs"), (_cplx("ab", 3),), (0,), "jvp"),
    _case("complex", _bin("complex"), (_normal("re", 3), _normal("im", 3)), (0, 1), "jvp"),
    _case("round_even", lambda L, x: L.round(x, L.RoundingMethod.TO_NEAREST_EVEN), (_RND,)),
    _case("round_away", lambda L, x: L.round(x), (_RND,)),
    *[
        _case(n, _bin(n), _I8)
        for n in ("shift_left", "shift_right_logical", "shift_right_arithmetic")
    ],
    _case("population_count", _un("population_count"), (np.array([7, -1, 0], np.int64),)),
    _case(
        "integer_pow",
        lambda L, x: L.integer_pow(x, -2) + L.integer_pow(x, 0),
        (np.array([0.5, -2.0]),),
        (0,),
    ),
    _case("pow_int", lambda L, x: L.pow(x, np.array([2, -1, 3])), (_away("pi", 3),), (0,)),
    _case(
        "select_n",
        lambda L, a, b, c: L.select_n(np.array([2, 0, 1, 2], np.int32), a, b, c),
        _S3,
        (0, 1, 2),
    ),
    *[
        _case(f"conv_{np.dtype(dt)}", lambda L, x, dt=dt: L.convert_element_type(x, dt), (_F,))
        for dt in (np.int32, np.uint8, np.bool_)
    ],
    _case(
        "conv_c2f",
        lambda L, z: L.convert_element_type(z, np.float64),
        (_cplx("cf", 3),),
        (0,),
        "jvp",
    ),
    _case("bitcast_split", lambda L, x: L.bitcast_convert_type(x, np.int32), (_F,)),
    _case(
        "bitcast_join",
        lambda L, x: L.bitcast_convert_type(x, np.float64),
        (np.arange(6, dtype=np.int32).reshape(3, 2),),
    ),
    # against NumPy: ops that are one gpuad.numpy function
    _case("mul_size1", _bin("mul"), (_ROW, _COL), (0, 1), ref=np.multiply),
    _case("is_finite", _un("is_finite"), (_F,), ref=np.isfinite),
    _case("c_mul", _bin("mul"), (_cplx("m1", 3), _cplx("m2", 3)), (0, 1), ref=np.multiply),
    _case("c_pow", _bin("pow"), (_cplx("p1", 3), _cplx("p2", 3)), (0, 1), ref=np.power),
    *[
        _case(f"i_{n}", _bin(n), _INTS, ref=r)
        for n, r in [
            ("add", np.add),
            ("mul", np.multiply),
            ("max", np.maximum),
            ("ne", np.not_equal),
        ]
    ],
    *[
        _case(n, _bin(n), _I8, ref=r)
        for n, r in [
            ("bitwise_and", np.bitwise_and),
            ("bitwise_or", np.bitwise_or),
            ("bitwise_xor", np.bitwise_xor),
        ]
    ],
    _case("bitwise_not", _un("bitwise_not"), (_I8[0],), ref=np.invert),
    _case("b_not", _un("bitwise_not"), (_BOOL,), ref=np.invert),
    _case(
        "polygamma",
        _bin("polygamma"),
        (np.array([1.0, 2.0]), _pos("pg", 2)),
        (1,),
        ref=sc.polygamma,
    ),
    _case("zeta", _bin("zeta"), (np.array([2.0, 3.5]), _pos("ze", 2)), ref=sc.zeta),
    _case(
        "betainc",
        lambda L, a, b, x: L.betainc(a, b, x),
        (_pos("ba", 3), _pos("bb", 3), _uniform("bx", 0.1, 0.9, 3)),
        (2,),
        ref=sc.betainc,
    ),
    _case(
        "conv_f32",
        lambda L, x: L.convert_element_type(x, np.float32),
        (_normal("f32", 3),),
        ref=lambda x: x.astype(np.float32),
    ),
    _case(
        "conv_f2c",
        lambda L, x: L.convert_element_type(x, np.complex128),
        (_normal("fc", 3),),
        (0,),
        ref=lambda x: x.astype(np.complex128),
    ),
    _case(
        "bitcast_same",
        lambda L, x: L.bitcast_convert_type(x, np.int64),
        (_F,),
        ref=lambda x: x.view(np.int64),
    ),
]


@pytest.mark.parametrize("tag", ELEMENTWISE)
def test_elementwise(tag):
    _compare(tag, ELEMENTWISE)


def test_gpuad_only_extras():
    # lax refuses int32 * Python int under x64 (the int is int64); gpuad's weak int adopts int32
    out = lax.mul(np.array([2, -3], np.int32), 3)
    assert _host(out).dtype == np.int32 and _host(out).tolist() == [6, -9]
    # the bits carry no derivative, as in lax
    x = np.ones(2)
    g = ad.grad(lambda x: lax.bitcast_convert_type(x, np.float64).sum() + x.sum())(x)
    assert _host(g).tolist() == [1.0, 1.0]
    assert _host(lax.convert_element_type(float("nan"), np.int32)) == 0  # as lax: NaN -> 0
    z = lax.zeros_like_array(np.ones((2, 2), np.int8))  # no longer in jax.lax
    assert _host(z).dtype == np.int8 and not _host(z).any()


# ---- shapes, slices, padding, updates ---------------------------------------------------------

X23 = _normal("x23", 2, 3)
X45 = _normal("x45", 4, 5)
_U = _normal("du", 4, 2)


_GI = np.array([[2], [0], [5], [-1]])
_GI2 = np.array([[[1, 2]], [[3, 4]]])
_SI = np.array([[2], [0], [2], [7]])
_SU = _normal("su", 4, 3)


def _gdn(L, offset, collapsed, start_map):
    return L.GatherDimensionNumbers(
        offset_dims=offset, collapsed_slice_dims=collapsed, start_index_map=start_map
    )


def _sdn(L):
    return L.ScatterDimensionNumbers(
        update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,)
    )


def _np_update(x, u, window):
    y = x.copy()
    y[window] = u
    return y


STRUCTURAL = [
    # against jax.lax
    _case(
        "broadcast_in_dim",
        lambda L, x: L.broadcast_in_dim(x, (3, 2, 4), (1, 2)),
        (_normal("b1", 2, 1),),
        (0,),
    ),
    _case("reshape_dims", lambda L, x: L.reshape(x, (6,), (1, 0)), (X23,)),
    _case(
        "concatenate",
        lambda L, a, b: L.concatenate([a, b, a], 1),
        (X23, _normal("c2", 2, 2)),
        (0, 1),
    ),
    _case("slice", lambda L, x: L.slice(x, (1, 0), (4, 5), (2, 2)), (X45,)),
    _case("dynamic_slice", lambda L, x: L.dynamic_slice(x, (3, -2), (2, 2)), (X45,), (0,)),
    _case(
        "dynamic_slice_np",
        lambda L, x: L.dynamic_slice(x, (np.int32(-9), np.int32(1)), (1, 3)),
        (X45,),
    ),
    _case(
        "dynamic_update_slice",
        lambda L, x, u: L.dynamic_update_slice(x, u, (3, -1)),
        (X45, _normal("du", 2, 2)),
        (0, 1),
    ),
    _case("dynamic_index_in_dim", lambda L, x: L.dynamic_index_in_dim(x, 7, 0, False), (X45,)),
    _case(
        "dynamic_update_index_in_dim",
        lambda L, x, u: L.dynamic_update_index_in_dim(x, u, -1, 0),
        (X45, _normal("di", 5)),
    ),
    *[
        _case(f"pad{i}", lambda L, x, p, c=c: L.pad(x, p, c), (X23, np.array(0.5)), (0, 1))
        for i, c in enumerate([[(-1, 2, 1), (2, -3, 2)], [(-4, 1, 1), (1, 1, 0)]])
    ],
    _case("pad_empty", lambda L: L.pad(np.zeros(0), 1.0, [(1, 1, 3)]), ()),
    # lax's default mode promises in-bounds indices (JAX then clamps the value but drops the
    # gradient of a clamped window); "clip" clamps both, as gpuad always does
    _case(
        "gather_rows",
        lambda L, x: L.gather(x, _GI[:2], _gdn(L, (1,), (0,), (0,)), (1, 3)),
        (X45,),
        (0,),
    ),
    _case(
        "gather_clip",
        lambda L, x: L.gather(x, _GI, _gdn(L, (1,), (0,), (0,)), (1, 3), mode="clip"),
        (X45,),
        (0,),
    ),
    _case(
        "gather_fill",
        lambda L, x: L.gather(x, _GI, _gdn(L, (1,), (0,), (0,)), (1, 3), mode="fill"),
        (X45,),
        (0,),
    ),
    _case(
        "gather_2d",
        lambda L, x: L.gather(x, _GI2, _gdn(L, (0, 3), (), (1, 0)), (2, 2), mode="clip"),
        (X45,),
        (0,),
    ),
    _case("scatter_add", lambda L, x, u: L.scatter_add(x, _SI, u, _sdn(L)), (X45, _SU), (0, 1)),
    _case(
        "scatter_add_clip",
        lambda L, x, u: L.scatter_add(x, _SI, u, _sdn(L), mode="clip"),
        (X45, _SU),
        (0, 1),
    ),
    _case(
        "scatter",
        lambda L, x, u: L.scatter(x, _SI[1:3], u[1:3], _sdn(L), unique_indices=True),
        (X45, _SU),
        (0, 1),
    ),
    *[
        _case(n, lambda L, x, u, n=n: getattr(L, n)(x, _SI, u, _sdn(L)), (X45, _SU))
        for n in ("scatter_mul", "scatter_min", "scatter_max")
    ],
    _case("full_like", lambda L: L.full_like(np.ones(2, np.int32), 3), ()),
    # against NumPy
    _case(
        "broadcast",
        lambda L, x: L.broadcast(x, (2,)),
        (X23,),
        (0,),
        ref=lambda x: np.broadcast_to(x, (2, 2, 3)),
    ),
    _case(
        "broadcast_to_rank",
        lambda L, x: L.broadcast_to_rank(x, 4),
        (X23,),
        (0,),
        ref=lambda x: x[None, None],
    ),
    _case(
        "reshape", lambda L, x: L.reshape(x, (3, 2)), (X23,), (0,), ref=lambda x: x.reshape(3, 2)
    ),
    _case(
        "collapse",
        lambda L, x: L.collapse(x, 0, 2),
        (_normal("co", 2, 3, 2),),
        (0,),
        ref=lambda x: x.reshape(6, 2),
    ),
    _case(
        "squeeze",
        lambda L, x: L.squeeze(x, (0, 2)),
        (_normal("sq", 1, 3, 1),),
        (0,),
        ref=lambda x: x.reshape(3),
    ),
    _case(
        "expand_dims",
        lambda L, x: L.expand_dims(x, (0, 2)),
        (X23,),
        (0,),
        ref=lambda x: x[None, :, None],
    ),
    _case(
        "transpose",
        lambda L, x: L.transpose(x, (2, 0, 1)),
        (_normal("tr", 2, 3, 4),),
        (0,),
        ref=lambda x: x.transpose(2, 0, 1),
    ),
    _case("rev", lambda L, x: L.rev(x, (0, 1)), (X23,), (0,), ref=lambda x: x[::-1, ::-1]),
    _case(
        "slice_in_dim",
        lambda L, x: L.slice_in_dim(x, -3, None, axis=1),
        (X45,),
        (0,),
        ref=lambda x: x[:, -3:],
    ),
    _case(
        "index_in_dim",
        lambda L, x: L.index_in_dim(x, -1, 0, False),
        (X45,),
        (0,),
        ref=lambda x: x[-1],
    ),
    _case(
        "dynamic_slice_in_dim",
        lambda L, x: L.dynamic_slice_in_dim(x, 4, 2, 1),
        (X45,),
        (0,),
        ref=lambda x: x[:, 3:5],
    ),
    _case(
        "dynamic_update_slice_in_dim",
        lambda L, x, u: L.dynamic_update_slice_in_dim(x, u, 4, 1),
        (X45, _U),
        (0, 1),
        ref=lambda x, u: _np_update(x, u, (slice(None), slice(3, 5))),
    ),
    _case(
        "pad_plain",
        lambda L, x, p: L.pad(x, p, [(1, 2, 0), (0, 0, 0)]),
        (X23, np.array(0.5)),
        (0, 1),
        ref=lambda x, p: np.pad(x, ((1, 2), (0, 0)), constant_values=p),
    ),
    _case("iota", lambda L: L.iota(np.int32, 4), (), ref=lambda: np.arange(4, dtype=np.int32)),
    _case(
        "broadcasted_iota",
        lambda L: L.broadcasted_iota(np.float64, (2, 3), 1),
        (),
        ref=lambda: np.array([[0.0, 1, 2], [0, 1, 2]]),
    ),
    _case(
        "full",
        lambda L: L.full((2, 3), 1.5, np.float32),
        (),
        ref=lambda: np.full((2, 3), 1.5, np.float32),
    ),
    _case(
        "full_like_shape",
        lambda L: L.full_like(np.ones(2), 2.0, np.float32, (3,)),
        (),
        ref=lambda: np.full(3, 2.0, np.float32),
    ),
]


@pytest.mark.parametrize("tag", STRUCTURAL)
def test_structural(tag):
    _compare(tag, STRUCTURAL)


def test_dynamic_starts_batched_by_vmap_and_traced_by_jit():
    """A start index that differs per example (vmap) or per call (jit) is clamped as a static
    one is: the same windows and gradients as the example-by-example loop."""
    idx = np.array([3, -1, 0, 7])
    ups = _normal("ups", 4, 2)

    def window(x, i):
        return lax.dynamic_slice(x, (i, i), (2, 2))

    def update(x, u, i):
        return lax.dynamic_update_slice_in_dim(x, u[None], i, 0)

    batched = ad.vmap(window, in_axes=(None, 0))(X45, idx)
    loop = [window(X45, int(i)) for i in idx]
    _check_values(batched, np.stack([_host(w) for w in loop]))
    g = ad.grad(lambda x: (ad.vmap(window, in_axes=(None, 0))(x, idx) ** 2).sum())(X45)
    g_loop = sum(_host(ad.grad(lambda x, i=i: (window(x, int(i)) ** 2).sum())(X45)) for i in idx)
    _check_values(g, g_loop)
    xs = np.stack([X45[:, :2]] * 4)
    upd = ad.vmap(update)(xs, ups, idx)
    _check_values(upd, np.stack([_host(update(xs[k], ups[k], int(idx[k]))) for k in range(4)]))
    jitted = ad.jit(window)
    for i in idx:
        _check_values(jitted(X45, i), window(X45, int(i)))


_M = np.arange(12.0).reshape(3, 4)
_I3 = np.full((3, 4), 3, np.int32)
JIT_CASES = {  # masks and integer arithmetic computed from the arguments must be traced
    "abs": lambda a: lax.abs(a),
    "abs_grad": ad.grad(lambda a: (lax.abs(a) * _M).sum()),
    "clamp_grad": ad.grad(lambda a: (lax.clamp(-0.3, a, 0.4) * _M).sum()),
    "round": lambda a: lax.round(a * 3),
    "div_rem": lambda a: lax.rem(lax.div(lax.convert_element_type(a * 10, np.int32), _I3), -_I3),
    "convert": lambda a: lax.convert_element_type(a * 1e10, np.int32),
    "select_n": lambda a: lax.select_n(lax.convert_element_type(a > 0, np.int32), a, -a),
    "shift": lambda a: lax.shift_right_logical(lax.convert_element_type(a * 99, np.int32), _I3),
    "bits": lambda a: lax.reduce_xor(
        lax.population_count(lax.convert_element_type(a * 99, np.int32)), (1,)
    ),
    "top_k": lambda a: lax.top_k(a, 2)[1],
    "gather_fill": lambda a: lax.gather(
        a,
        lax.convert_element_type(a[:, :1] * 3, np.int32),
        _gdn(lax, (1,), (0,), (0,)),
        (1, 4),
        mode="fill",
    ),
    "dynamic_slice": lambda a: lax.dynamic_slice(
        a, (lax.convert_element_type(a[0, 0] * 3, np.int32), 0), (1, 4)
    ),
}


@pytest.mark.parametrize("tag", list(JIT_CASES))
def test_jit_replays_on_new_values(tag):
    f = JIT_CASES[tag]
    jf = ad.jit(f)
    for k in range(3):
        x = _normal(f"jit{tag}{k}", 3, 4)
        _check_values(jf(x), f(x))


# ---- reductions, scans, sorting, contractions -------------------------------------------------

XT = np.array([[1.0, 3.0, 3.0, -2.0], [0.5, -1.0, 2.0, 2.0], [4.0, 4.0, 4.0, 0.0]])
_I = np.array([[3, 5, -2], [7, 7, 1]], np.int32)
_B = np.array([[True, False, True], [True, True, True]])
_GA, _GB = _normal("ga", 2, 3, 4), _normal("gb", 2, 4, 5)
REDUCTIONS = [
    # against jax.lax
    _case("reduce_max_ties", lambda L, x: L.reduce_max(x, (1,)), (XT,), (0,)),
    _case("reduce_lambda", lambda L, x: L.reduce(x, 0.0, lambda a, b: a + b, (1,)), (XT,), (0,)),
    _case("reduce_init", lambda L, x: L.reduce(x, 2.0, L.max, (0,)), (XT,), (0,)),
    _case("cumsum_rev", lambda L, x: L.cumsum(x, 0, reverse=True), (XT,), (0,)),
    _case(
        "sort_multi",
        lambda L, k, v: L.sort((k, v), dimension=1, num_keys=2),
        (np.array([[2.0, 1.0, 2.0, 1.0]]), X45[:1, :4]),
        (0, 1),
    ),
    _case("top_k", lambda L, x: L.top_k(x, 3), (XT,), (0,)),
    _case("top_k_nan", lambda L, x: L.top_k(x, 2), (np.array([1.0, np.nan, 3.0, 3.0]),)),
    _case("argmax_nan", lambda L, x: L.argmax(x, 0, np.int32), (np.array([1.0, np.nan, 5.0]),)),
    _case(
        "dot_general_mixed",
        lambda L, a, b: L.dot_general(a, b, (((0, 2), (3, 0)), ((1,), (2,)))),
        (_normal("ma", 2, 3, 4), _normal("mb", 4, 5, 3, 2)),
        (0, 1),
        ref=lambda a, b: np.einsum("abc,cdba->bd", a, b),
    ),
    _case(
        "cummax",
        lambda L, x: L.cummax(x, 1),
        (X45,),
        (0,),
        ref=lambda x: np.maximum.accumulate(x, 1),
    ),
    _case(
        "cumlogsumexp",
        lambda L, x: L.cumlogsumexp(x, 1),
        (X45 * 30,),
        (0,),
        ref=lambda x: np.logaddexp.accumulate(x, 1),
    ),
    _case(
        "dot_i8",
        lambda L, a, b: L.dot(a, b, preferred_element_type=np.int32),
        (np.array([[100, 100]], np.int8), np.array([[2], [1]], np.int8)),
    ),
    _case("and_int", lambda L, x: L.reduce_and(x, (1,)), (_I,)),
    _case("sum_i32", lambda L, x: L.reduce_sum(x, (1,)), (_I,)),
    # against NumPy
    _case("reduce_sum", lambda L, x: L.reduce_sum(x, (0,)), (XT,), (0,), ref=lambda x: x.sum(0)),
    _case("reduce_prod", lambda L, x: L.reduce_prod(x, (1,)), (XT,), (0,), ref=lambda x: x.prod(1)),
    _case(
        "reduce_min_all",
        lambda L, x: L.reduce_min(x, (0, 1)),
        (X45,),
        (0,),
        ref=lambda x: x.min((0, 1)),
    ),
    _case(
        "reduce_add",
        lambda L, x: L.reduce(x, 0.0, L.add, (0,)),
        (XT,),
        (0,),
        ref=lambda x: x.sum(0),
    ),
    _case(
        "reduce_mul_op",
        lambda L, x: L.reduce(x, 1.0, operator.mul, (1,)),
        (XT,),
        (0,),
        ref=lambda x: x.prod(1),
    ),
    _case("cumsum", lambda L, x: L.cumsum(x, 1), (XT,), (0,), ref=lambda x: np.cumsum(x, 1)),
    _case(
        "cumprod",
        lambda L, x: L.cumprod(x, 1, reverse=True),
        (XT,),
        (0,),
        ref=lambda x: np.cumprod(x[:, ::-1], 1)[:, ::-1],
    ),
    _case(
        "cummin_rev",
        lambda L, x: L.cummin(x, 0, reverse=True),
        (X45,),
        (0,),
        ref=lambda x: np.minimum.accumulate(x[::-1], 0)[::-1],
    ),
    _case("sort", lambda L, x: L.sort(x, dimension=0), (X45,), (0,), ref=lambda x: np.sort(x, 0)),
    _case(
        "sort_key_val",
        lambda L, k, v: L.sort_key_val(k, v),
        (X45[:1], X23[:1, :1] + X45[:1]),
        (0, 1),
        ref=lambda k, v: (np.sort(k), v[:, np.argsort(k[0])]),
    ),
    _case("dot_mv", lambda L, a, v: L.dot(a, v), (X45, _normal("v", 5)), (0, 1), ref=np.dot),
    _case("dot_mm", lambda L, a, b: L.dot(a, b), (X45, _normal("m", 5, 2)), (0, 1), ref=np.dot),
    _case(
        "dot_general",
        lambda L, a, b: L.dot_general(a, b, (((2,), (1,)), ((0,), (0,)))),
        (_GA, _GB),
        (0, 1),
        ref=np.matmul,
    ),
    _case("batch_matmul", lambda L, a, b: L.batch_matmul(a, b), (_GA, _GB), (0, 1), ref=np.matmul),
    _case(
        "argmax",
        lambda L, x: L.argmax(x, 1, np.int32),
        (X45,),
        ref=lambda x: np.argmax(x, 1).astype(np.int32),
    ),
    _case("argmin", lambda L, x: L.argmin(x, 0, np.int64), (X45,), ref=lambda x: np.argmin(x, 0)),
    _case("max_i32", lambda L, x: L.reduce_max(x, (0,)), (_I,), ref=lambda x: x.max(0)),
    _case(
        "or_int", lambda L, x: L.reduce_or(x, (0,)), (_I,), ref=lambda x: np.bitwise_or.reduce(x, 0)
    ),
    _case(
        "xor_int",
        lambda L, x: L.reduce_xor(x, (1,)),
        (_I,),
        ref=lambda x: np.bitwise_xor.reduce(x, 1),
    ),
    _case("and_bool", lambda L, x: L.reduce_and(x, (1,)), (_B,), ref=lambda x: x.all(1)),
    _case("or_bool", lambda L, x: L.reduce_or(x, (0, 1)), (_B,), ref=lambda x: x.any()),
    _case(
        "cumsum_i32",
        lambda L, x: L.cumsum(x, 1),
        (_I,),
        ref=lambda x: np.cumsum(x, 1, dtype=np.int32),
    ),
    _case(
        "cummax_i32", lambda L, x: L.cummax(x, 1), (_I,), ref=lambda x: np.maximum.accumulate(x, 1)
    ),
    _case(
        "max_empty",
        lambda L, x: L.reduce_max(x, (0,)),
        (np.zeros((0, 2)),),
        ref=lambda x: np.full(2, -np.inf),
    ),
    _case(
        "sort_nan",
        lambda L, x: L.sort(x),
        (np.array([1.0, np.nan, -np.inf, 0.0, 3.0]),),
        ref=np.sort,
    ),
    _case(
        "top_k_int",
        lambda L, x: L.top_k(x, 3),
        (np.array([1, 3, 3, -128], np.int8),),
        ref=lambda x: (np.array([3, 3, 1], np.int8), np.array([1, 2, 0], np.int32)),
    ),
]


@pytest.mark.parametrize("tag", REDUCTIONS)
def test_reductions_scans_sorting_contractions(tag):
    _compare(tag, REDUCTIONS)


def test_cummax_ties_share_the_gradient_as_jax_does():
    # lax's associative_scan makes y = [x0, m01, max(m01, x2), max(m01, m23)] (mij = max(xi,
    # xj)), and a tied max sends half its cotangent to each side: with all x equal and
    # cotangent w = [1, 2, 4, 8], x gets [1 + 1 + 1 + 2, 1 + 1 + 2, 2 + 2, 2].
    w = np.array([1.0, 2.0, 4.0, 8.0])
    for op in (lax.cummax, lax.cummin):
        g = ad.grad(lambda x, op=op: ad.numpy.sum(op(x) * w))(ad.numpy.full(4, 3.0))
        np.testing.assert_array_equal(to_numpy(g), [5.0, 4.0, 4.0, 2.0])
        g = ad.grad(lambda x, op=op: ad.numpy.sum(op(x, reverse=True) * w[::-1]))(
            ad.numpy.full(4, 3.0)
        )
        np.testing.assert_array_equal(to_numpy(g), [2.0, 4.0, 4.0, 5.0])


# ---- finite differences, second order ---------------------------------------------------------


def test_central_differences_second_order():
    x = _normal("fd", 2, 3)
    check_grads(lambda x, p: lax.pad(x * x, p, [(1, -1, 1), (-1, 2, 0)]), (x, 0.3), order=2)
    check_grads(lambda x: lax.cumlogsumexp(x, 1, reverse=True), (x,), order=2)
    check_grads(lambda a, b: lax.dot_general(a, b, (((1,), (1,)), ((), ()))), (x, x + 1), order=2)
    check_grads(lambda x, u: lax.dynamic_update_slice(x, u * u, (1, 2)), (x, x[:1, :2]), order=2)
    check_grads(lambda x: lax.clamp(-0.5, x, 0.5) * lax.logistic(x), (x,), order=2)
    check_grads(lambda x: lax.rem(x, 0.7) + lax.integer_pow(x, 3), (x,), order=2)


# ---- errors -----------------------------------------------------------------------------------

F64, F32, I32 = np.ones(3), np.ones(3, np.float32), np.ones(3, np.int32)
ERRORS = [  # (call, exception, words the message names)
    (lambda: lax.add(F64, F32), TypeError, ["lax.add", "float64[3]", "float32[3]"]),
    (lambda: lax.add(F64, np.ones(2)), TypeError, ["lax.add", "[3]", "[2]"]),
    (lambda: lax.mul(np.ones((2, 3)), F64), TypeError, ["lax.mul", "number of dimensions"]),
    (lambda: lax.add(F64, 1), TypeError, ["lax.add", "Python int"]),
    (lambda: lax.add(I32, 1.5), TypeError, ["lax.add", "int32"]),
    (lambda: lax.sin(I32), TypeError, ["lax.sin", "int32"]),
    (lambda: lax.add(np.ones(2, bool), np.ones(2, bool)), TypeError, ["lax.add", "bool"]),
    (lambda: lax.clamp(np.zeros(2), F64, 1.0), TypeError, ["lax.clamp", "(2,)", "(3,)"]),
    (lambda: lax.concatenate([F64, F32], 0), TypeError, ["lax.concatenate", "float32"]),
    (lambda: lax.concatenate([F64, np.ones((1, 3))], 0), TypeError, ["lax.concatenate"]),
    (lambda: lax.pad(F64, 0, [(1, 1, 0)]), TypeError, ["lax.pad", "Python int"]),
    (lambda: lax.pad(F64, 0.0, [(-3, -1, 0)]), ValueError, ["lax.pad", "size -1"]),
    (lambda: lax.pad(F64, 0.0, [(0, 0, 0), (0, 0, 0)]), TypeError, ["padding_config"]),
    (lambda: lax.broadcast_in_dim(np.ones(2), (3, 2), (0,)), TypeError, ["broadcast_in_dim"]),
    (lambda: lax.transpose(np.ones((2, 3)), (0, 0)), TypeError, ["permutation"]),
    (lambda: lax.reshape(F64, (2, 2)), TypeError, ["lax.reshape", "(2, 2)"]),
    (lambda: lax.squeeze(np.ones((1, 2)), (1,)), ValueError, ["squeeze", "(1, 2)"]),
    (lambda: lax.slice(F64, (1,), (4,)), TypeError, ["lax.slice", "(3,)"]),
    (lambda: lax.dynamic_slice(F64, (0,), (4,)), TypeError, ["dynamic_slice", "(4,)"]),
    (lambda: lax.dynamic_update_slice(F64, F32[:2], (0,)), TypeError, ["float32"]),
    (
        lambda: lax.dot_general(np.ones((2, 3)), np.ones((2, 3)), (((1,), (0,)), ((), ()))),
        TypeError,
        ["contracting", "(2, 3)"],
    ),
    (lambda: lax.dot(np.ones((2, 2, 2)), np.ones(2)), TypeError, ["lax.dot", "dot_general"]),
    (
        lambda: lax.reduce(F64, 0.0, lambda a, b: lax.reduce_sum(a, (0,)), (0,)),
        ValueError,
        ["lax.reduce", "elementwise"],
    ),
    (
        lambda: lax.reduce((F64, F64), (0.0,), lax.add, (0,)),
        ValueError,
        ["lax.reduce", "structure"],
    ),
    (lambda: lax.reduce_sum(F64, (0, 0)), ValueError, ["duplicate"]),
    (
        lambda: lax.sort(
            (F64, np.ones(2)),
        ),
        TypeError,
        ["lax.sort", "one shape"],
    ),
    (lambda: lax.top_k(F64, 4), ValueError, ["top_k", "k=4"]),
    (lambda: lax.select_n(np.array([0, 1]), F64[:2], F32[:2]), TypeError, ["select_n"]),
    (lambda: lax.bitcast_convert_type(F64, np.complex128), TypeError, ["bitcast"]),
    (lambda: lax.integer_pow(F64, 1.5), TypeError, ["integer_pow", "1.5"]),
    (
        lambda: lax.gather(X45, np.array([[0.5]]), _gdn(lax, (1,), (0,), (0,)), (1, 3)),
        TypeError,
        ["lax.gather", "integer"],
    ),
    (
        lambda: lax.gather(X45, _GI, _gdn(lax, (1,), (0,), (0,)), (2, 3)),
        TypeError,
        ["collapsed_slice_dims", "(2, 3)"],
    ),
    (lambda: lax.scatter_add(X45, _SI, _SU[:, :2].T, _sdn(lax)), TypeError, ["scatter_add"]),
    (
        lambda: lax.gather(X45, _GI, _gdn(lax, (1,), (0,), (0,)), (1, 3), mode="wrap"),
        ValueError,
        ["mode", "'wrap'"],
    ),
]


@pytest.mark.parametrize("call,exc,words", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_name_the_op_and_the_operands(call, exc, words):
    x = F64.copy()
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    np.testing.assert_array_equal(F64, x)
