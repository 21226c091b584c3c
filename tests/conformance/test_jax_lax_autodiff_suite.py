"""JAX's ``lax`` autodiff suite (``tests/lax_autodiff_test.py``) run by ``gpuad.lax`` and
``jax.lax`` on the same float64 inputs.

``test_jax_lax_ops.py``, ``test_jax_lax_fuzz.py`` and ``test_jax_lax_conv.py`` compare values
and FIRST-order derivatives. Here every case of JAX's gradient tables is taken to SECOND order
(third for windowed reductions) in both modes, and the numbers are compared with JAX's:

* the value (shape, dtype, numbers);
* ``vjp`` along ``u`` and ``jvp`` along ``v``;
* the four second-order products: ``vjp`` and ``jvp`` of the vjp function ``x -> J(x)^T u``
  (rev-rev, fwd-rev) and of the jvp function ``x -> J(x) v`` (rev-fwd, fwd-fwd); gpuad's
  cotangents are the conjugates of JAX's (PyTorch's convention), so JAX's vjp is run as
  ``conj(vjp(conj(u)))``;
* ``vmap`` of the value and of the vjp function over a batch of three inputs;
* gpuad's own ``check_grads`` (orders as JAX's test asks, both modes) against float64 central
  differences.

A case is ``fn(L, *args)`` with ``L`` = ``gpuad.lax`` or ``jax.lax``; ``diff`` lists the
arguments differentiated (every floating argument by default). Where gpuad deliberately refuses
what JAX does, ``REFUSALS`` lists the call, the error and the reason.
"""

from __future__ import annotations

import functools
import itertools
import types
import warnings
import zlib

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.testing import check_grads


@functools.cache
def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _rng(tag: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(tag.encode()))


# samplers: (tag, shape, dtype) -> array; as JAX's rand_default, rand_small, rand_positive...


def _default(tag, shape, dtype=np.float64):
    r = _rng(tag)
    x = 1.5 * r.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1.5j * r.standard_normal(shape)
    return np.asarray(x, dtype)


def _small(tag, shape, dtype=np.float64):
    return np.asarray(_default(tag, shape, dtype) * 0.3, dtype)


def _positive(tag, shape, dtype=np.float64):
    r = _rng(tag)
    x = r.uniform(0.3, 2.5, shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * r.uniform(0.3, 2.5, shape)
    return np.asarray(x, dtype)


def _uniform(lo, hi):
    def draw(tag, shape, dtype=np.float64):
        return np.asarray(_rng(tag).uniform(lo, hi, shape), dtype)

    return draw


def _not_small(tag, shape, dtype=np.float64):
    x = _default(tag, shape, dtype)
    return np.asarray(x + np.where(np.real(x) >= 0, 1.0, -1.0), dtype)


def _unique(tag, shape, dtype=np.float64):
    """Distinct integers (well apart for finite differences), shuffled."""
    n = int(np.prod(shape))
    return np.asarray(_rng(tag).permutation(n) - n // 2, dtype).reshape(shape)


# ---- the cases ------------------------------------------------------------------------------

CASES: dict = {}


def _case(tag, fn, args, diff=None, order=2, eps=None, tol=None, vmap=True, compare=True):
    """Register ``fn(L, *args)``; ``diff`` defaults to every floating or complex argument."""
    assert tag not in CASES, tag
    args = tuple(args)
    if diff is None:
        diff = tuple(
            i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind in "fc"
        )
    CASES[tag] = dict(
        fn=fn,
        args=args,
        diff=tuple(diff),
        order=order,
        eps=eps,
        tol=tol,
        vmap=vmap,
        compare=compare,
    )
    return tag


# testOpGrad: LAX_GRAD_OPS (op, nargs, order, sampler, complex too)
GRAD_OPS = [
    ("neg", 1, 2, _default, True),
    ("floor", 1, 2, _uniform(0.1, 0.4), False),
    ("ceil", 1, 2, _uniform(0.1, 0.4), False),
    ("round", 1, 2, _uniform(0.1, 0.4), False),
    ("exp", 1, 2, _small, True),
    ("exp2", 1, 2, _small, True),
    ("expm1", 1, 2, _default, True),
    ("log", 1, 2, _positive, True),
    ("log1p", 1, 2, _positive, True),
    ("sinh", 1, 2, _default, True),
    ("cosh", 1, 2, _default, True),
    ("tanh", 1, 2, _small, True),
    ("sin", 1, 2, _default, True),
    ("cos", 1, 2, _default, True),
    ("tan", 1, 2, _uniform(-1.3, 1.3), True),
    ("asin", 1, 2, _uniform(-0.9, 0.9), False),
    ("acos", 1, 2, _uniform(-0.9, 0.9), False),
    ("atan", 1, 2, _default, False),
    ("asinh", 1, 2, _default, False),
    ("acosh", 1, 2, _uniform(1.2, 3.0), False),
    ("atanh", 1, 2, _uniform(-0.9, 0.9), False),
    ("atan2", 2, 2, _not_small, False),
    ("erf", 1, 2, _small, False),
    ("erfc", 1, 2, _small, False),
    ("erf_inv", 1, 2, _uniform(-0.9, 0.9), False),
    ("lgamma", 1, 2, _positive, False),
    ("digamma", 1, 2, _positive, False),
    ("bessel_i0e", 1, 2, _default, False),
    ("bessel_i1e", 1, 2, _default, False),
    ("real", 1, 2, _default, "only"),
    ("imag", 1, 2, _default, "only"),
    ("complex", 2, 2, _default, False),
    ("conj", 1, 2, _default, True),
    ("abs", 1, 2, _positive, True),
    ("pow", 2, 2, _positive, True),
    ("sqrt", 1, 2, _positive, True),
    ("rsqrt", 1, 2, _positive, True),
    ("cbrt", 1, 2, _not_small, False),
    ("logistic", 1, 2, _default, True),
    ("square", 1, 2, _default, True),
    ("sign", 1, 2, _not_small, False),
    ("add", 2, 2, _default, True),
    ("sub", 2, 2, _default, True),
    ("mul", 2, 2, _default, True),
    ("div", 2, 2, _not_small, True),
    ("max", 2, 2, _default, False),
    ("min", 2, 2, _default, False),
    ("rem", 2, 2, _not_small, False),
]
# an elementwise rule does not depend on the shape (0-d operands: the special values below)
SHAPES = [(2, 1, 3)]


def _op(name):
    return lambda L, *xs: getattr(L, name)(*xs)


for _name, _nargs, _order, _draw, _cplx in GRAD_OPS:
    _dts = {False: [np.float64], True: [np.float64, np.complex128], "only": [np.complex128]}
    for _dt in _dts[_cplx]:
        for _shape in SHAPES:
            _tag = f"op_{_name}_{np.dtype(_dt).name}_{_shape}"
            _args = [_draw(f"{_tag}{i}", _shape, _dt) for i in range(_nargs)]
            _case(_tag, _op(_name), _args, order=_order)

# testOpGradSpecialValue
for _name, _vals in [
    ("sinh", [0.0]),
    ("cosh", [0.0]),
    ("tanh", [0.0, 20.0]),
    ("sin", [0.0, np.pi, np.pi / 2, np.pi / 4]),
    ("cos", [0.0, np.pi, np.pi / 2, np.pi / 4]),
    ("tan", [0.0]),
    ("asin", [0.0]),
    ("acos", [0.0]),
    ("atan", [0.0, 1000.0]),
    ("erf", [0.0, 10.0]),
    ("erfc", [0.0, 10.0]),
    ("logistic", [0.0, 30.0, -30.0]),
    ("expm1", [0.0]),
    ("log1p", [0.0]),
]:
    for _v in _vals:
        _case(f"special_{_name}_{_v:g}", _op(_name), [np.array(_v)], vmap=False)

# testOpGradOutDtype is JAX's mul(..., out_dtype=): see REFUSALS.

# testConvertElementTypeGrad
for _a, _b in itertools.product([np.float32, np.float64, np.complex128], repeat=2):
    # complex to real keeps the real part (JAX warns)
    _case(
        f"convert_{np.dtype(_a).name}_{np.dtype(_b).name}",
        lambda L, x, _b=_b: L.convert_element_type(x, _b),
        [_default(f"cv{_a}{_b}", (2, 3), _a)],
        eps=1.0,
        tol=1e-6 if np.float32 in (_a, _b) else None,
    )

# testClampGrad: the operand in each of the three positions
for _shape in [(), (2, 3)]:
    _x = _default(f"clamp{_shape}", _shape)
    _case(f"clamp_mid_{_shape}", lambda L, x, lo, hi: L.clamp(lo, x, hi), [_x, _x - 10, _x + 10])
    _case(f"clamp_low_{_shape}", lambda L, x, lo, hi: L.clamp(x, lo, hi), [_x - 10, _x, _x + 10])
    _case(f"clamp_high_{_shape}", lambda L, x, lo, hi: L.clamp(lo, hi, x), [_x - 10, _x + 10, _x])
    # clamp at its kinks: x equal to a bound (JAX's select sends the cotangent to x)
    _case(
        f"clamp_tied_{_shape}",
        lambda L, x, lo, hi: L.clamp(lo, x, hi),
        [_x, _x, _x + 1],
        order=1,
        compare="values+derivs",
    )

# testConcatenateGrad, testSplitGrad
for _base in [(4,), (3, 4), (2, 3, 4)]:
    for _dim in range(len(_base)):
        _ops = [
            _default(f"cat{_base}{_dim}{k}", _base[:_dim] + (s,) + _base[_dim + 1 :])
            for k, s in enumerate([3, 1, 4])
        ]
        _case(
            f"concatenate_{_base}_{_dim}",
            lambda L, a, b, c, _d=_dim: L.concatenate([a * a, b, c], _d),
            _ops,
            eps=1.0,
        )
        _sizes = [2, 0, 3]
        _x = _default(f"split{_base}{_dim}", _base[:_dim] + (5,) + _base[_dim + 1 :])
        _case(
            f"split_{_base}_{_dim}",
            lambda L, x, _d=_dim, _s=tuple(_sizes): tuple(y * y for y in L.split(x, _s, _d)),
            [_x],
        )

# testConvGrad / testConvWithGeneralPaddingGrad / testConvGeneralDilatedGrad (second order)
for _k, (_ls, _rs, _st, _pad, _ld, _rd, _fg, _bg, _dn) in enumerate(
    [
        ((2, 3, 3, 4), (2, 3, 1, 2), (1, 2), "VALID", None, None, 1, 1, None),
        ((3, 2, 3, 4), (3, 2, 1, 2), (2, 1), "SAME", None, None, 1, 1, None),
        ((4, 2, 1), (3, 2, 1), (1,), ((1, 1),), (2,), (2,), 1, 1, None),
        ((2, 3, 3, 4), (2, 3, 1, 2), (1, 1), ((-1, 0), (0, -1)), (2, 1), (1, 1), 1, 1, None),
        ((2, 4, 6, 7), (4, 2, 1, 2), (1, 2), ((1, 0), (0, 1)), (2, 1), (2, 2), 2, 1, None),
        ((4, 2, 6, 7), (4, 2, 1, 2), (2, 1), ((0, -1), (0, 0)), (1, 1), (1, 1), 1, 2, None),
        (
            (2, 6, 7, 4),
            (1, 2, 2, 4),
            (1, 1),
            ((1, 0), (0, 1)),
            (2, 1),
            (1, 1),
            2,
            1,
            ("NHWC", "HWIO", "NHWC"),
        ),
        (
            (2, 6, 7, 2),
            (2, 2, 1, 2),
            (1, 2),
            ((0, 0), (0, 0)),
            (1, 1),
            (2, 2),
            1,
            1,
            ("NHWC", "OIHW", "NCHW"),
        ),
    ]
):
    _case(
        f"conv_{_k}",
        lambda L, a, b, _st=_st, _pad=_pad, _ld=_ld, _rd=_rd, _fg=_fg, _bg=_bg, _dn=_dn: (
            L.conv_general_dilated(
                a,
                b,
                _st,
                _pad,
                lhs_dilation=_ld,
                rhs_dilation=_rd,
                dimension_numbers=_dn,
                feature_group_count=_fg,
                batch_group_count=_bg,
            )
        ),
        [_small(f"convl{_k}", _ls), _small(f"convr{_k}", _rs)],
        eps=1.0,
        vmap=_k < 3,
    )
_case(
    "conv_plain",
    lambda L, a, b: L.conv(a, b, (1, 2), "SAME"),
    [_small("cpl", (2, 3, 3, 4)), _small("cpr", (2, 3, 1, 2))],
    eps=1.0,
)
_case(
    "conv_with_general_padding",
    lambda L, a, b: L.conv_with_general_padding(a, b, (1, 1), ((1, 0), (0, 1)), (2, 1), (1, 1)),
    [_small("cgl", (2, 3, 3, 4)), _small("cgr", (2, 3, 1, 2))],
    eps=1.0,
)

# testDotGrad, testDotGeneralContractAndBatchGrads
for _ls, _rs in itertools.product([(2,), (3, 2)], [(2,), (2, 4)]):
    _case(
        f"dot_{_ls}_{_rs}",
        lambda L, a, b: L.dot(a, b),
        [_default(f"d{_ls}", _ls), _default(f"d{_rs}r", _rs)],
        eps=1.0,
    )
for _k, (_ls, _rs, _dn) in enumerate(
    [
        ((3, 2), (2, 4), (([1], [0]), ([], []))),
        ((3, 5), (2, 5), (([1], [1]), ([], []))),
        ((5, 3), (5, 2), (([0], [0]), ([], []))),
        ((3, 3, 2), (3, 2, 4), (([2], [1]), ([0], [0]))),
        ((3, 5, 2), (2, 4, 5), (([2], [0]), ([1], [2]))),
        ((7, 3, 5, 2), (2, 2, 4, 5), (([3], [0]), ([2], [3]))),
    ]
):
    _case(
        f"dot_general_{_k}",
        lambda L, a, b, _dn=_dn: L.dot_general(a, b, _dn),
        [_small(f"dg{_k}l", _ls), _small(f"dg{_k}r", _rs)],
        eps=1.0,
    )
    _case(
        f"dot_general_cplx_{_k}",
        lambda L, a, b, _dn=_dn: L.dot_general(a, b, _dn),
        [_small(f"dgc{_k}l", _ls, np.complex128), _small(f"dgc{_k}r", _rs, np.complex128)],
        eps=1.0,
        vmap=False,
    )

# testBroadcastGrad, testBroadcastInDimGrad, testReshapeGrad
for _shape, _sizes in itertools.product([(), (2, 3)], [(), (2,), (1, 2)]):
    _case(
        f"broadcast_{_shape}_{_sizes}",
        lambda L, x, _s=_sizes: L.broadcast(x * x, _s),
        [_default(f"b{_shape}{_sizes}", _shape)],
    )
for _ins, _outs, _dims in [
    ([2], [2, 2], [0]),
    ([2], [2, 2], [1]),
    ([2], [2, 3], [0]),
    ([], [2, 3], []),
    ([1, 3], [2, 4, 3], [1, 2]),
]:
    _case(
        f"broadcast_in_dim_{_ins}_{_outs}_{_dims}",
        lambda L, x, _o=tuple(_outs), _d=tuple(_dims): L.broadcast_in_dim(x * x, _o, _d),
        [_default(f"bid{_ins}{_outs}{_dims}", tuple(_ins))],
    )
for _a, _o, _p in [
    ((3, 4), (12,), None),
    ((2, 1, 4), (8,), None),
    ((2, 2, 4), (2, 8), None),
    ((3, 4), (12,), (1, 0)),
    ((2, 1, 4), (8,), (2, 0, 1)),
    ((2, 2, 4), (2, 8), (0, 2, 1)),
]:
    _case(
        f"reshape_{_a}_{_o}_{_p}",
        lambda L, x, _o=_o, _p=_p: L.reshape(x * x, _o, _p),
        [_default(f"rs{_a}{_o}{_p}", _a)],
    )

# testPadGrad (operand and padding value), testReverseGrad, testTransposeGrad
for _shape, _pads in [
    ((), ()),
    ((2, 3), ((1, 2, 1), (0, 1, 0))),
    ((2, 3), ((-1, 0, 0), (-1, 0, 2))),
    ((3,), ((-2, -1, 1),)),
]:
    _case(
        f"pad_{_shape}_{_pads}",
        lambda L, x, p, _pads=_pads: L.pad(x * x, p * p, _pads),
        [_small(f"pad{_shape}{_pads}", _shape), np.array(0.7)],
        vmap=False,
    )
for _dims in [(0,), (0, 1), (1,)]:
    _case(
        f"rev_{_dims}", lambda L, x, _d=_dims: L.rev(x * x, _d), [_default(f"rev{_dims}", (2, 3))]
    )
for _shape, _perm in [
    ((3, 4), (1, 0)),
    ((3, 4), (0, 1)),
    ((3, 4, 5), (2, 1, 0)),
    ((3, 4, 5), (1, 0, 2)),
]:
    _case(
        f"transpose_{_shape}_{_perm}",
        lambda L, x, _p=_perm: L.transpose(x * x, _p),
        [_default(f"tr{_shape}{_perm}", _shape)],
    )

# testSelectGrad
for _as in [(), (3,), (2, 3)]:
    for _ps in [(), _as] if _as else [()]:
        _pred = _rng(f"sel{_as}{_ps}").random(_ps) < 0.5
        _case(
            f"select_{_as}_{_ps}",
            lambda L, a, b, _pr=_pred: L.select(_pr, a * a, b * b * b),
            [_default(f"sa{_as}{_ps}", _as), _default(f"sb{_as}{_ps}", _as)],
        )
        _case(
            f"select_n_{_as}_{_ps}",
            lambda L, a, b, _pr=_pred: L.select_n(_pr.astype(np.int32), a * b, b, a),
            [_default(f"sna{_as}{_ps}", _as), _default(f"snb{_as}{_ps}", _as)],
        )

# testSliceGrad, testDynamicSliceGrad, testDynamicUpdateSliceGrad
for _shape, _st, _lim, _str in [
    ((3,), (1,), (2,), None),
    ((7,), (4,), (7,), None),
    ((5,), (1,), (5,), (2,)),
    ((8,), (1,), (6,), (2,)),
    ((5, 3), (1, 1), (3, 2), None),
    ((7, 5, 3), (4, 0, 1), (7, 1, 3), None),
    ((5, 3), (1, 1), (5, 3), (2, 1)),
    ((3, 3, 5), (0, 2, 0), (3, 2, 5), (1, 2, 1)),
]:
    _case(
        f"slice_{_shape}_{_st}_{_lim}_{_str}",
        lambda L, x, _a=_st, _b=_lim, _c=_str: L.slice(x * x, _a, _b, _c),
        [_default(f"sl{_shape}{_st}{_lim}{_str}", _shape)],
    )
for _shape, _st, _sz in [
    ((3,), (1,), (1,)),
    ((5, 3), (1, 1), (3, 1)),
    ((7, 5, 3), (4, 1, 0), (2, 0, 1)),
    ((5, 3), (4, -7), (3, 2)),
]:
    _case(
        f"dynamic_slice_{_shape}_{_st}",
        lambda L, x, _a=_st, _b=_sz: L.dynamic_slice(x * x, _a, _b),
        [_default(f"ds{_shape}{_st}", _shape)],
    )
    _case(
        f"dynamic_update_slice_{_shape}_{_st}",
        lambda L, x, u, _a=_st: L.dynamic_update_slice(x * x, u * u * u, np.array(_a)),
        [_default(f"dus{_shape}{_st}", _shape), _default(f"dusu{_shape}{_st}", _sz)],
    )
_case(
    "dynamic_index_in_dim_out_of_range",
    lambda L, x: L.dynamic_index_in_dim(x * x, -8, 0),
    [_default("dii", (5, 5))],
)
_case(
    "dynamic_update_index_in_dim_out_of_range",
    lambda L, x, y: L.dynamic_update_index_in_dim(x * x, y * y, -8, 0),
    [_default("duii", (5, 5)), _default("duiiy", (1, 5))],
)

# testReduceGrad, testReducePairGrad
for (_init, _mon, _draw), (_shape, _dims) in itertools.product(
    [
        (0.0, "add", _default),
        (-np.inf, "max", _unique),
        (np.inf, "min", _unique),
        (1.0, "mul", _small),
    ],
    [
        ((), ()),
        ((3, 4, 5), ()),
        ((3, 4, 5), (0,)),
        ((3, 4, 5), (1, 2)),
        ((3, 4, 5), (0, 2)),
        ((3, 4, 5), (0, 1, 2)),
        ((3, 1), (1,)),
        ((3, 0, 5), (1,)),
    ],
):
    if _mon in ("max", "min") and 0 in _shape:
        continue
    _case(
        f"reduce_{_mon}_{_shape}_{_dims}",
        lambda L, x, _i=_init, _m=_mon, _d=_dims: L.reduce(x, np.array(_i), getattr(L, _m), _d),
        [_draw(f"red{_mon}{_shape}{_dims}", _shape)],
        eps=1e-3 if _mon in ("max", "min") else None,
    )
for _shape, _dims in [
    ((3, 4, 5), ()),
    ((3, 4, 5), (0,)),
    ((3, 4, 5), (1, 2)),
    ((3, 1), (1,)),
    ((3, 0, 5), (1,)),
]:
    _case(
        f"reduce_pair_{_shape}_{_dims}",
        lambda L, x, y, _d=_dims: L.reduce(
            (x, y), (np.array(0.0), np.array(1.0)), lambda a, b: (a[0] + b[0], a[1] * b[1]), _d
        ),
        [_small(f"rp{_shape}{_dims}", _shape), _small(f"rp2{_shape}{_dims}", _shape)],
    )
for _name in ["reduce_sum", "reduce_prod", "reduce_max", "reduce_min"]:
    _case(
        f"{_name}_axes",
        lambda L, x, _n=_name: getattr(L, _n)(x, (0, 2)),
        [_unique(f"{_name}", (3, 2, 4)) * 0.25],
    )

# testReduceWindowGrad (third order, as JAX's test)
for (_init, _mon, _draw), (_shape, _wd, _st, _pad, _bd, _wdil) in itertools.product(
    [(0.0, "add", _small), (-np.inf, "max", _unique), (np.inf, "min", _unique)],
    [
        ((4, 6), (2, 1), (1, 1), "VALID", None, None),
        ((4, 6), (1, 2), (2, 1), "SAME", None, None),
        ((4, 6), (2, 1), (1, 2), ((0, 3), (1, 2)), (2, 3), None),
        ((4, 6), (1, 2), (1, 1), "VALID", None, (1, 2)),
        ((3, 2, 4, 6), (1, 1, 2, 1), (1, 2, 2, 1), "SAME", None, None),
        (
            (3, 2, 4, 6),
            (2, 1, 2, 1),
            (1, 1, 1, 1),
            ((0, 1), (1, 0), (2, 3), (0, 2)),
            (2, 1, 3, 2),
            None,
        ),
    ],
):
    if _wdil is not None and _mon != "add":
        continue
    _case(
        f"reduce_window_{_mon}_{_shape}_{_wd}_{_st}_{_pad}_{_bd}_{_wdil}",
        lambda L, x, _i=_init, _m=_mon, _w=_wd, _s=_st, _p=_pad, _b=_bd, _d=_wdil: L.reduce_window(
            x, np.array(_i), getattr(L, _m), _w, _s, _p, _b, _d
        ),
        [_draw(f"rw{_mon}{_shape}{_wd}{_st}{_pad}", _shape)],
        order=3,
        eps=1.0 if _mon == "add" else 1e-3,
        vmap=len(_shape) == 2,
        # windows of padding only give -inf/inf, where differences are NaN: JAX alone
        compare=True if _mon == "add" or _bd is None else "jax only",
    )

# testCumulativeReduceGrad (and cummax/cummin/cumlogsumexp)
for _op_name, _shape, _rev in itertools.product(
    ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"], [(10,), (3, 4, 5)], [False, True]
):
    for _axis in range(len(_shape)):
        _draw = _unique if _op_name in ("cummax", "cummin") else _small
        _case(
            f"{_op_name}_{_shape}_{_axis}_{_rev}",
            lambda L, x, _n=_op_name, _a=_axis, _r=_rev: getattr(L, _n)(x, _a, _r),
            [_draw(f"cum{_op_name}{_shape}{_axis}{_rev}", _shape) * 0.5],
            eps=1e-3 if _draw is _unique else None,
        )

# testSortGrad, testSortKeyValGrad, testTopKGrad
for _shape in [(0,), (5,), (5, 7), (4, 9, 3)]:
    for _stable in [False, True]:
        _case(
            f"sort_{_shape}_{_stable}",
            lambda L, x, _s=_stable: L.sort(x * x * x, dimension=-1, is_stable=_s),
            [_unique(f"sort{_shape}", _shape) * 0.1],
            eps=1e-3,
        )
for _shape in [(3,), (5, 3), (4, 9, 3)]:
    _keys = _unique(f"skv{_shape}", _shape)
    _case(
        f"sort_key_val_{_shape}",
        lambda L, k, v: L.sort_key_val(k, v * v, dimension=-1),
        [_keys, _default(f"skvv{_shape}", _shape)],
        eps=1e-3,
    )
    _case(
        f"sort_multi_operand_{_shape}",
        lambda L, k, v: L.sort((k, v * k), dimension=0, num_keys=1),
        [_keys, _default(f"smo{_shape}", _shape)],
        eps=1e-3,
    )
for _shape, _k in itertools.product([(4,), (5, 5), (3, 1, 4)], [1, 3]):
    if _k > _shape[-1]:
        continue
    _case(
        f"top_k_{_shape}_{_k}",
        lambda L, x, _k=_k: L.top_k(x * x * x, _k)[0],
        [_unique(f"topk{_shape}{_k}", _shape) * 0.1],
        eps=1e-3,
    )


# testGatherGrad, testScatterAddGrad, testScatterGrad, testScatterMax/Min
def _gdn(L, offset, collapsed, start):
    return L.GatherDimensionNumbers(
        offset_dims=offset, collapsed_slice_dims=collapsed, start_index_map=start
    )


def _sdn(L, window, inserted, to_operand):
    return L.ScatterDimensionNumbers(
        update_window_dims=window,
        inserted_window_dims=inserted,
        scatter_dims_to_operand_dims=to_operand,
    )


GATHERS = [  # (operand shape, index shape, dnums, slice sizes, max index)
    ((5,), (2, 1), ((), (0,), (0,)), (1,), 5),
    ((10,), (3, 1), ((1,), (), (0,)), (2,), 9),
    ((10, 5), (3, 1), ((1,), (0,), (0,)), (1, 3), 3),
]
for _k, (_xs, _is, _dn, _ss, _mx) in enumerate(GATHERS):
    for _mode in ["clip", "fill", "promise_in_bounds"]:
        for _it in range(1):
            _r = _rng(f"g{_k}{_mode}{_it}")
            _lo = 0 if _mode == "promise_in_bounds" else -_mx
            _hi = _mx if _mode == "promise_in_bounds" else 2 * _mx
            _idx = _r.integers(_lo, _hi, _is).astype(np.int32)
            _case(
                f"gather_{_k}_{_mode}_{_it}",
                lambda L, x, _i=_idx, _dn=_dn, _ss=_ss, _m=_mode: L.gather(
                    x * x, _i, _gdn(L, *_dn), _ss, mode=_m, fill_value=-1.0
                ),
                [_default(f"gx{_k}{_mode}{_it}", _xs)],
                eps=1.0,
                vmap=_it == 0,
            )

SCATTERS = [  # (operand shape, index shape, update shape, dnums, max index, multiplier)
    ((5,), (2, 1), (2,), ((), (0,), (0,)), 4, 1),
    ((10,), (3, 1), (3, 2), ((1,), (), (0,)), 4, 2),
    ((10, 5), (3, 1), (3, 3), ((1,), (0,), (0,)), 9, 1),
]
for _k, (_xs, _is, _us, _dn, _mx, _mul) in enumerate(SCATTERS):
    for _mode in ["clip", "fill", "promise_in_bounds"]:
        _r = _rng(f"s{_k}{_mode}")
        _lo = 0 if _mode == "promise_in_bounds" else -_mx
        _hi = _mx if _mode == "promise_in_bounds" else 2 * _mx
        _idx = _r.integers(_lo, _hi, _is).astype(np.int32)
        for _fn in ["scatter_add", "scatter_sub"]:  # JAX: scatter_mul needs unique_indices
            _case(
                f"{_fn}_{_k}_{_mode}",
                lambda L, x, y, _f=_fn, _i=_idx, _dn=_dn, _m=_mode: getattr(L, _f)(
                    x * x, _i, y * y * y, _sdn(L, *_dn), mode=_m
                ),
                [_default(f"sx{_k}{_mode}{_fn}", _xs), _small(f"sy{_k}{_mode}{_fn}", _us)],
                vmap=_mode == "clip",
            )
    _uidx = (_rng(f"su{_k}").permutation(_mx)[: _is[0]] * _mul).reshape(_is).astype(np.int32)
    _case(
        f"scatter_{_k}",
        lambda L, x, y, _i=_uidx, _dn=_dn: L.scatter(x * x, _i, y * y * y, _sdn(L, *_dn)),
        [_default(f"scx{_k}", _xs), _small(f"scy{_k}", _us)],
    )
    _midx = _rng(f"sm{_k}").integers(0, max(_xs), _is).astype(np.int32)
    for _fn in ["scatter_max", "scatter_min"]:
        _case(
            f"{_fn}_{_k}",
            lambda L, x, y, _f=_fn, _i=_midx, _dn=_dn: getattr(L, _f)(x, _i, y, _sdn(L, *_dn)),
            [_unique(f"smx{_k}{_fn}", _xs) * 0.5, _unique(f"smy{_k}{_fn}", _us) * 0.5 + 0.25],
            eps=1e-3,
        )

# testScatterGradSymbolicZeroUpdate: x.at[diag].set(constant)
_case(
    "scatter_set_constant_update",
    lambda L, x: L.scatter(
        x,
        np.stack([np.arange(5)] * 2, 1).astype(np.int32),
        np.arange(5.0),
        _sdn(L, (), (0, 1), (0, 1)),
    ),
    [_default("ssz", (5, 5))],
    eps=1.0,
)

# testRemainder (both broadcast directions)
_case(
    "rem_rows",
    lambda L, x, y: L.rem(x, L.broadcast_in_dim(y, (5, 8), (0, 1))),
    [
        _rng("remx").uniform(-9, 9, (5, 8)),
        _rng("remy").uniform(0.1, 5, (1, 8)) * _rng("remys").choice([-1, 1], (1, 8)),
    ],
)
_case(
    "rem_cols",
    lambda L, x, y: L.rem(L.broadcast_in_dim(x, (5, 8), (0, 1)), y),
    [
        _rng("remx2").uniform(-9, 9, (1, 8)),
        _rng("remy2").uniform(0.1, 5, (5, 8)) * _rng("remys2").choice([-1, 1], (5, 8)),
    ],
)

# integer_pow, and pow with a Python-number exponent (testPowShapeMismatch)
for _n in [-3, -1, 0, 1, 2, 3]:
    _case(
        f"integer_pow_{_n}",
        lambda L, x, _n=_n: L.integer_pow(x, _n),
        [_not_small(f"ip{_n}", (2, 3))],
    )
_case("pow_python_int_exponent", lambda L, x: L.pow(x, 2), [np.arange(4.0) + 0.5])
_case(
    "pow_cplx_python_int_exponent", lambda L, x: L.pow(x, 3), [_default("pci", (3,), np.complex128)]
)

# testTileAutodiff: lax.tile itself, and its equivalent via broadcast/reshape
_case("tile", lambda L, x: L.tile(x * x, (2, 1, 3)), [_default("tile3", (2, 3, 1))], order=3)
_case(
    "tile_by_broadcast",
    lambda L, x: L.reshape(L.broadcast_in_dim(x * x, (2, 2, 3), (1, 2)), (4, 3)),
    [_default("tile", (2, 3))],
    order=3,
)


# ---- running a case ---------------------------------------------------------------------------


def _directions(tag, kind, leaves):
    """Fixed random directions shaped like ``leaves`` (arrays, tracers or Tensors)."""
    out = []
    for i, leaf in enumerate(leaves):
        dt = np.dtype(leaf.dtype)
        dt = dt if dt.kind in "fc" else np.dtype(np.float64)
        out.append((_default(f"{tag}{kind}{i}", tuple(leaf.shape), dt) / 1.5).astype(dt))
    return out


def _host(x):
    return np.asarray(to_numpy(x))


def _pieces(tag, N, args):
    """Every quantity case ``tag`` is compared on, computed with the namespace ``N`` (its lax
    module and transforms) on ``args`` (the case's arguments or JAX tracers of them)."""
    c = CASES[tag]
    fn, diff = c["fn"], c["diff"]

    def f(*d):
        full = list(args)
        for i, a in zip(diff, d, strict=True):
            full[i] = a
        return fn(N.lax, *full)

    prim = [args[i] for i in diff]
    out = {"value": fn(N.lax, *args)}
    if not diff:
        return out
    leaves, tdef = N.flatten(out["value"])
    u = N.unflatten(tdef, _directions(tag, "u", leaves))
    v = tuple(_directions(tag, "v", prim))
    v2 = tuple(_directions(tag, "w", prim))
    w = tuple(_directions(tag, "z", prim))
    out["jvp"] = N.jvp(f, tuple(prim), v)[1]

    def tangent(*x):
        return N.jvp(f, x, v)[1]

    out["fwd_fwd"] = N.jvp(tangent, tuple(prim), v2)[1]

    def cotangent(*x):
        return N.vjp(f, *x)[1](u)

    out["vjp"] = cotangent(*prim)
    out["rev_rev"] = N.vjp(cotangent, *prim)[1](w)
    out["fwd_rev"] = N.jvp(cotangent, tuple(prim), v2)[1]
    t_leaves, t_def = N.flatten(out["jvp"])
    out["rev_fwd"] = N.vjp(tangent, *prim)[1](N.unflatten(t_def, _directions(tag, "y", t_leaves)))
    if c["vmap"]:
        batch = tuple(
            N.stack([p, p + 0.01 * d, p - 0.013 * d]) for p, d in zip(prim, v, strict=True)
        )
        out["vmap"] = N.vmap(f)(*batch)
        ub = N.unflatten(tdef, [np.stack([x] * 3) for x in N.flatten(u)[0]])
        out["vmap_vjp"] = N.vmap(lambda xs, uu: N.vjp(f, *xs)[1](uu))(batch, ub)
    return out


GPUAD = types.SimpleNamespace(
    lax=lax,
    jvp=ad.jvp,
    vjp=ad.vjp,
    vmap=ad.vmap,
    flatten=ad.tree_flatten,
    unflatten=ad.tree_unflatten,
    stack=gnp.stack,
)
CHUNK = 16


@functools.cache
def _jax_chunk(tags: tuple) -> dict:
    """JAX's pieces of ``tags``, computed in one compiled call (compiling each primitive of
    each case separately, as eager JAX does, costs about a second a case)."""
    jax = _jax()
    conj = functools.partial(jax.tree_util.tree_map, jax.numpy.conj)

    def vjp(f, *x):
        # gpuad's cotangents are the conjugates of JAX's (PyTorch's convention)
        out, pull = jax.vjp(f, *x)
        return out, lambda ct: conj(pull(conj(ct)))

    N = types.SimpleNamespace(
        lax=jax.lax,
        jvp=jax.jvp,
        vjp=vjp,
        vmap=jax.vmap,
        flatten=jax.tree_util.tree_flatten,
        unflatten=jax.tree_util.tree_unflatten,
        stack=jax.numpy.stack,
    )

    def program(arrs):
        out = {}
        for t, a in arrs.items():
            it = iter(a)
            args = [next(it) if isinstance(x, np.ndarray) else x for x in CASES[t]["args"]]
            out[t] = _pieces(t, N, args)
        return out

    arrs = {t: [a for a in CASES[t]["args"] if isinstance(a, np.ndarray)] for t in tags}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jax.tree_util.tree_map(np.asarray, jax.jit(program)(arrs))


def _jax_pieces(tag):
    tags = list(CASES)
    k = tags.index(tag) // CHUNK * CHUNK
    return _jax_chunk(tuple(tags[k : k + CHUNK]))[tag]


def _leaves(t):
    return ad.tree_flatten(t)[0]


def _assert_same(what, got, want, tol):
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want), (what, len(got), len(want))
    for g, w in zip(got, want, strict=True):
        g, w = _host(g), np.asarray(w)
        assert g.shape == w.shape, (what, g.shape, w.shape)
        assert g.dtype == w.dtype, (what, g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=what)


@pytest.mark.parametrize("tag", list(CASES))
def test_matches_jax(tag):
    c = CASES[tag]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        ref = _jax_pieces(tag)
        got = _pieces(tag, GPUAD, list(c["args"]))
    assert set(got) == set(ref)
    tol = c["tol"] or 1e-9
    for k in ref:
        _assert_same(f"{tag}: {k}", got[k], ref[k], tol)


@pytest.mark.parametrize("tag", [t for t in CASES if CASES[t]["diff"]])
def test_central_differences(tag):
    c = CASES[tag]
    if c["compare"] != True:  # noqa: E712
        pytest.skip("a kink or an infinite value: compared with JAX only")
    args, diff = c["args"], c["diff"]

    def f(*d):
        full = list(args)
        for i, a in zip(diff, d, strict=True):
            full[i] = a
        return c["fn"](lax, *full)

    kw = {} if c["eps"] is None else {"eps": c["eps"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        check_grads(f, [args[i] for i in diff], order=c["order"], modes=("fwd", "rev"), **kw)


# ---- single tests of JAX's suite ------------------------------------------------------------


def test_pow_second_derivative_and_zero_powers():
    jax = _jax()
    # testPowSecondDerivative: the Hessian of x ** y at (4, 0), by jacfwd and jacrev
    want = np.array([[0.0, 0.25], [0.25, np.log(4.0) ** 2]])
    for jac in ("jacfwd", "jacrev"):
        for J, P in ((ad, lax), (jax, jax.lax)):
            jj = getattr(J, jac)
            h = jj(jj(P.pow, (0, 1)), (0, 1))(4.0, 0.0)
            np.testing.assert_allclose(
                np.array([[float(e) for e in r] for r in h]), want, rtol=1e-12, atol=1e-12
            )
    # testPowIntPowerAtZero(2): x ** 0 has derivative 0 everywhere, also at x = 0
    for J in (ad, jax):
        assert float(J.grad(lambda x, n: x**n)(0.0, 0)) == 0.0
    for fn in (
        lambda z: z ** np.arange(0, 2),
        lambda z: z ** np.arange(0.0, 2.0),
        lambda z: 1 + z,
        lambda z: z**0 + z,
        lambda z: z**0.0 + z,
    ):
        for J, N in ((ad, gnp), (jax, jax.numpy)):
            assert abs(float(J.grad(lambda z, fn=fn, N=N: N.sum(fn(z)))(3.14)) - 1.0) < 1e-12
    # "zero to the zero": d/dx x ** y at (0, 0). JAX gives NaN (0 * 0 ** -1, a TODO in its
    # test); x ** 0 is the constant 1, and gpuad gives its derivative, 0.
    assert np.isnan(float(jax.grad(jax.lax.pow)(0.0, 0.0)))
    assert float(ad.grad(lax.pow)(0.0, 0.0)) == 0.0
    # testPowShapeMismatch: a Python-number exponent, Jacobian through jit
    x = np.arange(4.0)
    want = np.diag(2 * x)
    np.testing.assert_array_equal(to_numpy(ad.jacrev(ad.jit(lax.pow))(x, 2)), want)
    np.testing.assert_array_equal(np.asarray(jax.jacrev(jax.jit(jax.lax.pow))(x, 2)), want)


def test_higher_order_gradient_of_reciprocal():
    jax = _jax()
    # testHigherOrderGradientOfReciprocal: the sixth derivative of 1 / x at 4 in float32
    for J in (ad, jax):
        g = lambda x: 1 / x  # noqa: E731
        for _ in range(6):
            g = J.grad(g)
        got = g(np.float32(4.0))
        assert np.asarray(to_numpy(got)).dtype == np.float32
        np.testing.assert_allclose(float(got), 0.0439453125, rtol=1e-6)


def test_stop_gradient():
    jax = _jax()
    for J, L in ((ad, lax), (jax, jax.lax)):
        f = lambda x, L=L: L.sin(x) * L.cos(L.stop_gradient(x))  # noqa: E731
        f2 = lambda x, y, L=L: L.sin(x) * L.cos(y)  # noqa: E731
        np.testing.assert_allclose(float(J.grad(f)(3.14)), float(J.grad(f2)(3.14, 3.14)))
        np.testing.assert_allclose(
            float(J.grad(J.grad(f))(3.14)), float(J.grad(J.grad(f2))(3.14, 3.14))
        )
        assert float(J.grad(lambda x, L=L: L.stop_gradient({"foo": x})["foo"])(3.0)) == 0.0
        with pytest.raises(TypeError):
            L.stop_gradient(lambda x: x)


def test_grad_of_vmap_of_dynamic_slice_out_of_bounds():
    jax = _jax()
    # testGradOfVmapOfDynamicSlice: an index past the end clamps to the last element
    for J, L in ((ad, lax), (jax, jax.lax)):
        f = lambda x, i, L=L: L.dynamic_index_in_dim(x, i, axis=0, keepdims=False)  # noqa: E731
        x, i = np.array([1.0]), np.array([1])
        np.testing.assert_array_equal(np.asarray(to_numpy(J.jacrev(f)(x, i[0]))), 1.0)
        np.testing.assert_array_equal(
            np.asarray(to_numpy(J.jacrev(J.vmap(f, (None, 0)))(x, i))), [[1.0]]
        )


def test_scatter_apply_derivatives():
    # JAX raises NotImplementedError for the jvp and vjp of scatter_apply (x.at[1].apply(sin));
    # gpuad differentiates it: checked against central differences and the closed form.
    jax = _jax()
    x = np.array([1.0, 2.0])
    for jac in ("jacfwd", "jacrev"):
        with pytest.raises(NotImplementedError):
            getattr(jax, jac)(lambda x: jax.numpy.asarray(x).at[1].apply(jax.numpy.sin))(x)
    dn = lax.ScatterDimensionNumbers((), (0,), (0,))
    idx = np.array([[1], [1]])

    def f(x):
        return lax.scatter_apply(x, idx, lax.sin, dn, update_shape=(2,))

    np.testing.assert_allclose(to_numpy(f(x)), [1.0, np.sin(np.sin(2.0))])
    for jac in (ad.jacfwd, ad.jacrev):
        np.testing.assert_allclose(
            to_numpy(jac(f)(x)), [[1.0, 0.0], [0.0, np.cos(np.sin(2.0)) * np.cos(2.0)]]
        )
    check_grads(f, (x,), order=2)
    check_grads(lambda x: gnp.asarray(x).at[1].apply(gnp.sin), (x,), order=2)


# ---- where gpuad refuses what JAX does --------------------------------------------------------

REFUSALS = [  # (call, exception, words of its message, reason)
    (
        lambda: lax.mul(np.ones(2), np.ones(2), out_dtype=np.float32),
        TypeError,
        ["out_dtype"],
        "testOpGradOutDtype: lax.mul's out_dtype= (a newer JAX keyword) is not taken; convert "
        "the operands or the result with lax.convert_element_type",
    ),
    (
        lambda: lax.index_take,
        AttributeError,
        ["index_take"],
        "testIndexTakeGrad: lax.index_take (deprecated in JAX) is not provided; use lax.gather "
        "or gpuad.numpy.take",
    ),
    (
        lambda: ad.linear_transpose(lambda x: x.real, 1j),
        TypeError,
        ["linear_transpose", "complex"],
        "test_linear_transpose_real/imag: linear_transpose takes real inputs only",
    ),
]


@pytest.mark.parametrize("k", range(len(REFUSALS)))
def test_refusals_are_clear_errors(k):
    call, exc, words, _reason = REFUSALS[k]
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
