"""HIPS autograd's ``tests/test_systematic.py``, run against gpuad.

The same functions, shapes, keyword combinations and input ranges (reductions over every axis
with and without ``keepdims``, unary and binary ufuncs on scalars and broadcast shapes, complex
values where autograd checks them, the shape functions, ``einsum`` in both calling forms, the
split and stack families), each checked against NumPy's value, shape and dtype and against
float64 finite differences to second order in forward and reverse mode. Where gpuad
deliberately differs (a function NumPy 2 removed, complex values through a real-only
reduction) the test asserts gpuad's documented behaviour instead.
"""

from __future__ import annotations

import operator as op

import numpy as np
import pytest
from _autograd_numpy_utils import (
    binary_ufunc_check,
    check_case,
    combo_check,
    stat_check,
    unary_ufunc_check,
)

import gpuad.numpy as gnp
from gpuad.complex_rules import ComplexError


def _rng():
    return np.random.RandomState(0)


def _pair(name):
    return getattr(gnp, name), getattr(np, name)


# ---------------------------------------------------------------- reductions (stat_check)

@pytest.mark.parametrize("name", ["max", "min", "all", "any"])
def test_stat_order_and_logic(backend, name):
    stat_check(*_pair(name), _rng(), test_complex=name in ("all", "any"))
    if name in ("max", "min"):
        # autograd orders complex values as NumPy does; gpuad differentiates max and min for
        # real values only and says so (docs/semantics.md, 'Complex numbers')
        z = _rng().randn(2, 3) + 0.1j * _rng().randn(2, 3)
        with pytest.raises(ComplexError, match=name):
            check_case(getattr(gnp, name), (z,), (0,))


@pytest.mark.parametrize("name", ["mean", "sum", "prod", "var", "std"])
def test_stat(backend, name):
    stat_check(*_pair(name), _rng())


# ---------------------------------------------------------------- unary ufuncs

R2 = (-2, 2)
UNARY = [
    # name, lims, test_complex
    ("sin", R2, True),
    ("abs", (0.1, 4.0), True),
    ("absolute", (0.1, 4.0), True),
    ("arccosh", (1.1, 4.0), True),
    ("arcsinh", (-0.9, 0.9), True),
    ("arctanh", (-0.9, 0.9), True),
    ("ceil", (-1.5, 1.5), False),
    ("cos", R2, True),
    ("cosh", R2, True),
    ("deg2rad", R2, False),
    ("exp", R2, True),
    ("exp2", R2, True),
    ("expm1", R2, True),
    ("fabs", R2, False),
    ("floor", (-1.5, 1.5), False),
    ("log", (0.2, 2.0), True),
    ("log10", (0.2, 2.0), True),
    ("log1p", (0.2, 2.0), True),
    ("log2", (0.2, 2.0), True),
    ("radians", R2, False),
    ("sign", R2, True),
    ("sinh", R2, True),
    ("sqrt", (1.0, 3.0), True),
    ("square", R2, False),
    ("tan", (-1.1, 1.1), True),
    ("tanh", R2, True),
    ("real", R2, True),
    ("real_if_close", R2, True),
    ("imag", R2, True),
    ("conj", R2, True),
    ("angle", R2, True),
]


@pytest.mark.parametrize("name,lims,test_complex", UNARY, ids=[u[0] for u in UNARY])
def test_unary(backend, name, lims, test_complex):
    unary_ufunc_check(*_pair(name), _rng(), lims=lims, test_complex=test_complex)


@pytest.mark.parametrize("name", ["degrees", "rad2deg"])
def test_unary_scaled(backend, name):
    g, n = _pair(name)
    unary_ufunc_check(lambda x: g(x) / 50.0, lambda x: n(x) / 50.0, _rng(), test_complex=False)


# ---------------------------------------------------------------- binary ufuncs

BINARY = [
    # id, gpuad function, NumPy function, keywords of binary_ufunc_check
    ("add", gnp.add, np.add, {}),
    ("logaddexp", gnp.logaddexp, np.logaddexp, {"test_complex": False}),
    ("logaddexp2", gnp.logaddexp2, np.logaddexp2, {"test_complex": False}),
    ("remainder", gnp.remainder, np.remainder,
     {"lims_a": (-0.9, 0.9), "lims_b": (0.7, 1.9), "test_complex": False, "same_args": False}),
    ("true_divide", gnp.true_divide, np.true_divide,
     {"lims_b": (0.8, 1.2), "test_complex": False}),
    ("mod", gnp.mod, np.mod, {"lims_b": (0.8, 2.1), "test_complex": False, "same_args": False}),
    ("true_divide_neg", gnp.true_divide, np.true_divide,
     {"lims_b": (-0.3, -2.0), "test_complex": False}),
    ("mod_neg", gnp.mod, np.mod,
     {"lims_b": (-0.3, -2.0), "test_complex": False, "same_args": False}),
    ("op_mul", op.mul, op.mul, {}),
    ("op_add", op.add, op.add, {}),
    ("op_sub", op.sub, op.sub, {}),
    ("op_mod", op.mod, op.mod, {"lims_b": (0.3, 2.0), "test_complex": False, "same_args": False}),
    ("op_mod_neg", op.mod, op.mod,
     {"lims_b": (-0.3, -2.0), "test_complex": False, "same_args": False}),
]


@pytest.mark.parametrize("gfun,nfun,kw", [b[1:] for b in BINARY], ids=[b[0] for b in BINARY])
def test_binary(backend, gfun, nfun, kw):
    binary_ufunc_check(gfun, nfun, _rng(), **kw)


# ---------------------------------------------------------------- shape and linear algebra

def R(*shape):
    return _RS.randn(*shape) if shape else float(_RS.randn())


_RS = np.random.RandomState(0)


def _combo(name, argnums, **kw):
    return combo_check(getattr(gnp, name), argnums, getattr(np, name), **kw)


def test_transpose(backend):
    _combo("transpose", [0])([R(2, 3, 4)], axes=[None, [0, 1, 2], [0, 2, 1], [2, 0, 1],
                                                 [2, 1, 0], [1, 0, 2], [1, 2, 0]])


def test_repeat(backend):
    _combo("repeat", [0])([R(2, 3, 4), R(3, 1)], repeats=[0, 1, 2], axis=[None, 0, 1])


def test_diff(backend):
    _combo("diff", [0])([R(5, 5), R(5, 5, 5)], n=[1, 2], axis=[0, 1])
    _combo("diff", [0])([R(1), R(1, 1)], axis=[0])
    _combo("diff", [0])([R(1, 1), R(3, 1)], axis=[1])


def test_tile(backend):
    _combo("tile", [0])([R(2, 1, 3, 1)], reps=[(1, 4, 1, 2)])
    _combo("tile", [0])([R(1, 2)], reps=[(1, 2), (2, 3), (3, 2, 1)])
    _combo("tile", [0])([R(1)], reps=[(2,), 2])


def test_kron(backend):
    _combo("kron", [0, 1])([R(5, 5), R(4, 4)], [R(3, 3), R(2, 2)])


def test_inner(backend):
    _combo("inner", [0, 1])([1.5, R(3), R(2, 3)], [0.3, R(3), R(4, 3)])


def test_dot(backend):
    _combo("dot", [0, 1])([1.5, R(3), R(2, 3), R(2, 2, 3)], [0.3, R(3), R(3, 4), R(2, 3, 4)])


def test_matmul(backend):
    _combo("matmul", [0, 1])([R(3), R(2, 3), R(2, 2, 3)], [R(3), R(3, 4), R(2, 3, 4)])


def test_matmul_broadcast(backend):
    _combo("matmul", [0, 1])([R(1, 2, 2)], [R(3, 2, 1)])


def test_tensordot(backend):
    _combo("tensordot", [0, 1])([R(1, 3), R(2, 3, 2)], [R(3), R(3, 1), R(3, 4, 2)],
                                axes=[[(1,), (0,)]])
    _combo("tensordot", [0, 1])([R(3), R(3, 1), R(3, 4, 2)], [R(1, 3), R(2, 3, 2)],
                                axes=[[(0,), (1,)]])
    _combo("tensordot", [0, 1])([R(2, 3), R(2, 3, 4)], [R(1, 2, 3), R(2, 2, 3, 4)],
                                axes=[[(0, 1), (1, 2)], [(1, 0), (2, 1)]])
    _combo("tensordot", [0, 1])([R(2, 2), R(4, 2, 2)], [R(2, 2), R(2, 2, 4)], axes=[1, 2])
    _combo("tensordot", [0, 1])([R(4)], [R()], axes=[0])
    _combo("tensordot", [0, 1])([R(2, 6)], [R(6, 3)], axes=[[[-1], [0]]])


@pytest.mark.parametrize("name", ["maximum", "fmax", "minimum", "fmin"])
def test_extremum(backend, name):
    shapes = [R(1), R(1, 4), R(3, 4)]
    _combo(name, [0, 1])(shapes, [R(1), R(1, 4), R(3, 4)])


def test_sort_partition(backend):
    _combo("sort", [0])([R(1), R(7)])
    _combo("partition", [0])([R(7), R(14)], kth=[0, 3, 6])


def test_msort_removed():
    # autograd checks np.msort; NumPy 2 removed it (use sort(a, axis=0)), and so does gpuad
    assert not hasattr(gnp, "msort")
    _combo("sort", [0])([R(1), R(7)], axis=[0])


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast(backend, name):
    _combo(name, [0])([1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5), R(2, 4, 3, 5)])
    # NumPy's several-argument form (a tuple of results)
    _combo(name, [0, 1])([1.2, R(7), R(2, 4)], [R(1, 4), R(2, 4, 5)])


def test_einsum_strings(backend):
    _combo("einsum", [1])(["ij->ji"], [R(1, 1), R(4, 4), R(3, 4)])
    _combo("einsum", [1, 2])(["ij,jk->ik"], [R(2, 3)], [R(3, 4)])
    _combo("einsum", [1, 2])(["...ij,...jk->...ik"], [R(2, 3), R(2, 2, 3)],
                             [R(3, 4), R(2, 3, 4)])
    _combo("einsum", [1, 2])(["...ij,...jk->...ik"], [R(0, 2, 3)], [R(0, 3, 4)])
    _combo("einsum", [1, 2])(["ijk,lji->lki"], [R(3, 4, 4)], [R(4, 4, 3)])
    _combo("einsum", [1, 2])(["...jk,...lj->...lk", "...,...->..."], [R(4, 4), R(3, 4, 4)],
                             [R(4, 4), R(3, 4, 4)])
    _combo("einsum", [1, 2])(["jk...,lj...->lk..."], [R(3, 2), R(3, 2, 4)],
                             [R(2, 3), R(2, 3, 4)])
    _combo("einsum", [1, 2])(["j...k,lj...->lk..."], [R(2, 2), R(2, 2, 2)],
                             [R(2, 2), R(2, 2, 2)])
    _combo("einsum", [1, 2])(["ijk,lji,lli->lki"], [R(3, 4, 4)], [R(4, 4, 3)], [R(4, 4, 3)])
    _combo("einsum", [1, 2])(["ij,k"], [R(3, 4)], [R(3)])


def test_einsum_sublists(backend):
    _combo("einsum", [0])([R(1, 1), R(4, 4), R(3, 4)], [(0, 1)], [(1, 0)])
    _combo("einsum", [0, 2])([R(2, 3)], [(0, 1)], [R(3, 4)], [(1, 2)], [(0, 2)])
    _combo("einsum", [0, 2])([R(2, 3), R(2, 2, 3)], [(Ellipsis, 0, 1)],
                             [R(3, 4), R(2, 3, 4)], [(Ellipsis, 1, 2)], [(Ellipsis, 0, 2)])
    _combo("einsum", [0, 2])([R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)], [(3, 1, 0)], [(3, 2, 0)])
    _combo("einsum", [0, 2])([R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)], [(3, 1, 0)],
                             [R(4, 4, 3)], [(3, 3, 0)], [(3, 2, 0)])


def test_trace_diag_tri(backend):
    _combo("trace", [0])([R(5, 5), R(4, 5), R(5, 4), R(3, 4, 5)], offset=[-1, 0, 1])
    _combo("diag", [0])([R(5, 5)], k=[-1, 0, 1])
    _combo("diag", [0])([R(5)], k=[-1, 0, 1])
    for name in ("tril", "triu"):
        _combo(name, [0])([R(5, 5)], k=[-1, 0, 1])
        _combo(name, [0])([R(5, 5, 4)], k=[-1, 0, 1])


def test_swapaxes_rollaxis(backend):
    _combo("swapaxes", [0])([R(3, 4, 5)], axis1=[0, 1, 2], axis2=[0, 1, 2])
    _combo("rollaxis", [0])([R(2, 3, 4)], axis=[0, 1, 2], start=[0, 1, 2, 3])


def test_cross(backend):
    _combo("cross", [0, 1])([R(3, 3)], [R(3, 3)], axisa=[-1, 0, 1], axisb=[-1, 0, 1],
                            axisc=[-1, 0, 1], axis=[None, -1, 0, 1])


def test_splits(backend):
    for name in ("vsplit", "hsplit"):
        _combo(name, [0])([R(4, 8)], [4, [1, 2]])
        _combo(name, [0])([R(4, 4, 4)], [2, [1, 2]])
    _combo("dsplit", [0])([R(4, 4, 4)], [2, [1, 2]])
    _combo("split", [0])([R(1), R(7)], [1], axis=[0])
    _combo("split", [0])([R(4, 8)], [4, [1, 2]], axis=[0, 1])
    _combo("split", [0])([R(4, 4, 4)], [2, [1, 2]], axis=[0, 1, 2])
    _combo("array_split", [0])([R(1), R(7)], [1, 3], axis=[0])
    _combo("array_split", [0])([R(7, 7)], [4, [3, 5]], axis=[0, 1])
    _combo("array_split", [0])([R(7, 7, 7)], [4, [3, 5]], axis=[0, 1, 2])


def test_concatenate(backend):
    _combo("concatenate", [0])([(R(1), R(3))], axis=[0])
    _combo("concatenate", [0])([[R(1), R(3)]], axis=[0])
    _combo("concatenate", [0])([(R(2, 2), R(2, 2))], axis=[0, 1])
    _combo("concatenate", [0])([(R(2, 2, 2), R(2, 2, 2))], axis=[0, 1, 2])


def test_stacks(backend):
    _combo("vstack", [0])([R(2), (R(2), R(2))])
    _combo("vstack", [0])([R(2, 3), (R(2, 4), R(1, 4))])
    _combo("vstack", [0])([R(2, 3, 4), (R(2, 3, 4), R(5, 3, 4))])
    _combo("hstack", [0])([R(2), (R(2), R(2))])
    _combo("hstack", [0])([R(3, 2), (R(3, 4), R(3, 5))])
    _combo("hstack", [0])([R(2, 3, 4), (R(2, 1, 4), R(2, 5, 4))])
    _combo("stack", [0])([(R(2),), (R(2), R(2))], axis=[0, 1])
    _combo("column_stack", [0])([R(2), (R(2), R(2))])
    _combo("column_stack", [0])([R(2, 2), (R(2, 2), R(2, 2))])


def test_row_stack(backend):
    # NumPy 2 deprecates row_stack (an alias of vstack); gpuad keeps the alias
    for args in ([R(2), (R(2), R(2))], [R(2, 3), (R(2, 4), R(1, 4))]):
        combo_check(gnp.row_stack, [0], np.vstack)(args)


def test_select(backend):
    conds = [_RS.randn(3, 4, 5) > 0 for _ in range(3)]
    choices = [R(3, 4, 5), R(3, 4, 5), R(3, 4, 5)]
    _combo("select", [1])([conds], [choices], default=[0.0, 1.1])


def test_pad(backend):
    widths = [0, 3, (3,), (3, 2), ((3, 2),), ((1, 2), (3, 4)), ((0, 0), (0, 0))]
    _combo("pad", [0])([R(2, 2)], widths, ["constant"])
