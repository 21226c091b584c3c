"""HIPS autograd's ``tests/test_numpy.py`` and ``tests/test_numpy_interp.py``, run against
gpuad.

Every function autograd differentiates there (dot and outer with scalars and vectors, the
reductions with their axes and ``keepdims``, indexing, reshaping, concatenation, ``r_``/``c_``,
``var``/``std`` with ``ddof``, ``repeat``, ``trace``, ties in ``max``/``maximum``, ``linspace``,
``gradient``, ``interp``, arrays built from lists of traced values, ...) is written through
``gpuad.numpy`` the way an autograd user writes it through ``autograd.numpy``, and checked
against float64 finite differences to second order in forward and reverse mode. Where the
same code runs on NumPy, gpuad's value, shape and dtype must equal NumPy's too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _autograd_numpy_utils import check_case, combo_check

import gpuad as ad
import gpuad.numpy as gnp


def _rs():
    return np.random.RandomState(42)


def both(f, *args, argnums=None, **kw):
    """``f(m, *args)`` is written against a NumPy-like module ``m``: its value on NumPy and on
    gpuad must agree, and its derivatives on gpuad (in ``argnums``, default all) are checked."""
    argnums = tuple(range(len(args))) if argnums is None else argnums
    check_case(lambda *a: f(gnp, *a), args, argnums, nfun=lambda *a: f(np, *a), **kw)


# ---------------------------------------------------------------- products

def test_dot(backend):
    rs = _rs()
    mat1, mat2 = rs.randn(10, 11), rs.randn(10, 11)
    vect1, vect2, vect3 = rs.randn(10), rs.randn(11), rs.randn(11)
    for a, b in [(mat1, vect2), (mat1, mat2.T), (vect1, mat1), (vect2, vect3)]:
        both(lambda m, x, y: m.dot(x, y), a, b)


def test_dot_with_floats(backend):
    rs = _rs()
    mat1, vect1, float1 = rs.randn(10, 11), rs.randn(10), float(rs.randn())
    for a, b in [(mat1, float1), (float1, mat1), (vect1, float1), (float1, vect1)]:
        both(lambda m, x, y: m.dot(x, y), a, b)


def test_outer(backend):
    rs = _rs()
    v2, v3 = rs.randn(11), rs.randn(11)
    for a, b in [(v2, v3), (v2.T, v3), (v2.T, v3.T)]:
        both(lambda m, x, y: m.outer(x, y), a, b)


def test_tensordot_kwargs_by_position(backend):
    def fun(x):
        return gnp.tensordot(x * gnp.ones((2, 2)), x * gnp.ones((2, 2)), 2)

    assert float(ad.grad(fun)(1.0)) == 8.0  # 4 x**2


def test_index_dot_slices(backend):
    both(lambda m, x: m.dot(x[:2], x[2:]), _rs().randn(4))


# ---------------------------------------------------------------- reductions

@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min(backend, name):
    rs = _rs()
    both(lambda m, x: getattr(m, name)(x), rs.randn(10, 11))
    both(lambda m, x: getattr(m, name)(x, axis=1), rs.randn(3, 4, 5))
    both(lambda m, x: getattr(m, name)(x, axis=1, keepdims=True), rs.randn(3, 4, 5))


def test_sum(backend):
    rs = _rs()
    both(lambda m, x: m.sum(x), rs.randn(10, 11))
    both(lambda m, x: m.sum(x, axis=0), rs.randn(10, 11))
    both(lambda m, x: m.sum(x, axis=0, keepdims=True), rs.randn(10, 11))
    both(lambda m, x: m.sum(x, axis=(1, 2)), rs.randn(10, 11, 7))


def test_non_numpy_sum(backend):
    rs = _rs()
    both(lambda m, x, y: sum([x, y]), rs.randn(10, 11), rs.randn(10, 11))


def test_mean(backend):
    rs = _rs()
    both(lambda m, x: m.mean(x), rs.randn(10, 11))
    both(lambda m, x: m.mean(x, axis=0), rs.randn(10, 11))
    both(lambda m, x: m.mean(x, axis=0, keepdims=True), rs.randn(10, 11))


@pytest.mark.parametrize("name,expect", [("mean", 1.0), ("std", 0.0), ("var", 0.0)])
def test_reductions_of_lists_of_traced_values(backend, name, expect):
    f = getattr(gnp, name)
    assert float(ad.grad(lambda x: f([x, x + 2]))(0.0)) == expect
    assert float(ad.grad(lambda x: f((x, x + 2)))(0.0)) == expect


def test_cumsum(backend):
    rs = _rs()
    both(lambda m, x: m.cumsum(x, axis=0), rs.randn(10, 11))
    both(lambda m, x: m.cumsum(x, axis=1), rs.randn(10, 11))
    both(lambda m, x: m.cumsum(x), rs.randn(10))
    both(lambda m, x: m.cumsum(x), rs.randn(10, 11))


def test_prod(backend):
    rs = _rs()
    both(lambda m, x: m.prod(x), rs.randn(2, 3) ** 2 / 10.0 + 0.1)
    both(lambda m, x: m.prod(x, axis=0), rs.randn(2, 3) ** 2 + 0.1)
    both(lambda m, x: m.prod(x, axis=0, keepdims=True), rs.randn(2, 3) ** 2 + 0.1)
    both(lambda m, x: m.prod(x), rs.randn(7) ** 2 + 0.1)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_ddof(backend, name):
    rs = _rs()
    b, c, d = rs.randn(3), rs.randn(3, 4), rs.randn(1, 3)
    check = combo_check(getattr(gnp, name), (0,), getattr(np, name))
    with warnings.catch_warnings():
        # ddof=1 on a single element divides by zero, in NumPy as in gpuad
        warnings.simplefilter("ignore", RuntimeWarning)
        check([b, c, d], axis=[None], keepdims=[True, False], ddof=[0, 1])
        check([c, d], axis=[None, 1], keepdims=[True, False], ddof=[2])


def test_max_equal_values(backend):
    both(lambda m, x: m.max(m.array([x, x])), 1.0)


def test_max_equal_values_2d(backend):
    for x in (1.0, -1.0):
        both(lambda m, x: m.max(m.array([[x, x], [x, 0.5]]), axis=1), x)


def test_min_3_way_equality(backend):
    for x in (1.0, -1.0):
        both(lambda m, x: m.min(m.array([[x, x, x], [x, 0.5, 0.5], [0.5, 0.5, 0.5],
                                         [x, x, 0.5]]), axis=0), x)


def test_maximum_equal_values(backend):
    both(lambda m, x: m.maximum(x, x), 1.0)


def test_maximum_equal_values_2d(backend):
    for x in (1.0, -1.0, 2.0):
        both(lambda m, x: m.maximum(m.array([x, x, 0.5]), m.array([[x, 0.5, x], [x, x, 0.5]])),
             x)


# ---------------------------------------------------------------- indexing

IDX = [
    ("ints", lambda x: x[3, 0, 1]),
    ("slice", lambda x: x[::-1, 2:4, :]),
    ("lists", lambda x: x[[0, 1, 2], :, :]),
    ("mixed", lambda x: x[3, 2:, [1, 3]]),
    ("fanout", lambda x: x[::-1, 2:4, :] + x[::-1, 3:5, :]),
]


@pytest.mark.parametrize("f", [i[1] for i in IDX], ids=[i[0] for i in IDX])
def test_index(backend, f):
    both(lambda m, x: f(x), _rs().randn(5, 6, 4))


def test_vector_slices(backend):
    both(lambda m, x: x[2:4], _rs().randn(5))
    both(lambda m, x: x[2:6][1:3], _rs().randn(7))
    both(lambda m, x: m.sum(x[[0, 0]]), _rs().randn(3))
    both(lambda m, x: m.sum(x[[0, 1, 0]]), _rs().randn(3))


def test_cast_to_int(backend):
    inds = np.ones(5)[:, None]

    def fun(m, w):
        m.concatenate((w, m.asarray(inds)), axis=1)  # glued together, then taken apart
        new_w = w[:, :-1]
        new_inds = m.int64(w[:, -1])
        assert new_inds.dtype == np.int64
        return new_w[new_inds].sum()

    w = _rs().randn(5, 10)
    w[:, -1] = np.arange(5) % 3 + 0.25  # indices 0..2, away from integer boundaries
    if backend == "cupy":
        # gnp.int64 is NumPy's scalar type: int64(x) converts x on the host, which CuPy arrays
        # refuse (as numpy.int64(cupy_array) does); x.astype(gnp.int64) is the way there
        with pytest.raises(TypeError):
            fun(gnp, ad.get_backend().asarray(w))
        return
    both(fun, w)


# ---------------------------------------------------------------- shapes

def test_reshape_ravel_flatten(backend):
    a = _rs().randn(5, 6, 4)
    both(lambda m, x: x.reshape((5 * 4, 6)), a)
    both(lambda m, x: m.reshape(x, (5 * 4, 6)), a)
    both(lambda m, x: x.reshape(5 * 4, 6), a)
    both(lambda m, x: x.ravel(), a)
    both(lambda m, x: m.ravel(x), a)
    both(lambda m, x: x.flatten(), a)


def test_len(backend):
    def fun(m, x):
        assert len(x) == 3
        return x

    both(fun, _rs().randn(3, 2))


def test_flips_rot_transpose(backend):
    rs = _rs()
    both(lambda m, x: m.flipud(x), rs.randn(10, 11))
    both(lambda m, x: m.fliplr(x), rs.randn(10, 11))
    both(lambda m, x: m.rot90(x), rs.randn(10, 11))
    both(lambda m, x: x.T, rs.randn(8, 8))
    both(lambda m, x: m.roll(x, 2, axis=1), rs.randn(4, 5))
    both(lambda m, x: m.roll(x, 2), rs.randn(4, 5))


def test_append(backend):
    both(lambda m, a, b: m.append(a, b), [1.0, 2.0, 3.0], 4.0)
    both(lambda m, a, b: m.append(a, b), np.array([1.0, 2.0, 3.0]), 4.0)
    both(lambda m, a, b: m.append(a, b, axis=0), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
         [[7.0, 8.0, 9.0]])


def test_concatenate(backend):
    rs = _rs()
    a, b = rs.randn(5, 6, 4), rs.randn(4, 6, 4)
    both(lambda m, x: m.concatenate((m.asarray(a), x)), b)
    c = rs.randn(5, 6, 4)
    both(lambda m, x: m.concatenate((m.asarray(c), x, m.asarray(c))), a)
    both(lambda m, x: m.concatenate((m.asarray(c), x, m.asarray(c)), axis=1), a)
    both(lambda m, x: m.concatenate((m.asarray(c), x, m.asarray(c)), 1), a)


def test_trace(backend):
    rs = _rs()
    for shape, lo, hi in [((10, 11), -9, 11), ((11, 10), -9, 11), ((5, 6, 4, 3), -5, 6)]:
        offset = int(rs.randint(lo, hi))
        both(lambda m, x: m.trace(x, offset=offset), rs.randn(*shape))
    # autograd leaves axis1/axis2 as a TODO; NumPy has them, and so does gpuad
    both(lambda m, x: m.trace(x, offset=1, axis1=3, axis2=2), rs.randn(5, 6, 4, 3))


def test_split_first(backend):
    both(lambda m, x: m.split(x, 2)[0], _rs().randn(10))


def test_diag_tri_clip(backend):
    rs = _rs()
    both(lambda m, x: m.diag(x), rs.randn(10, 10))
    both(lambda m, x: m.triu(x, k=2), rs.randn(5, 5))
    both(lambda m, x: m.tril(x, k=2), rs.randn(5, 5))
    both(lambda m, x: m.clip(x, a_min=0.1, a_max=1.1), rs.randn(5, 5))


def test_diagonal(backend):
    rs = _rs()
    for d in (rs.randn(4, 4), rs.randn(3, 4, 4)):
        both(lambda m, x: m.diagonal(x, axis1=-1, axis2=-2), d)


def test_make_diagonal_is_not_numpy(backend):
    # autograd's own np.make_diagonal(D, axis1=-1, axis2=-2) is not a NumPy function;
    # docs/porting.md gives NumPy's spelling, checked here on the same inputs
    with pytest.raises(AttributeError, match="make_diagonal"):
        gnp.make_diagonal  # noqa: B018
    rs = _rs()
    for d in (rs.randn(4), rs.randn(3, 4)):
        both(lambda m, x: x[..., :, None] * m.eye(x.shape[-1]), d)


def test_where_squeeze_expand(backend):
    rs = _rs()
    c = rs.randn(4, 5) > 0
    both(lambda m, x, y: m.where(m.asarray(c), x, y), rs.randn(4, 5), rs.randn(4, 5))
    a = rs.randn(5, 1, 4)
    both(lambda m, x: m.squeeze(x), a)
    both(lambda m, x: x.squeeze(), a)
    both(lambda m, x: m.expand_dims(x, 2), a)


def test_repeat(backend):
    rs = _rs()
    both(lambda m, x: m.repeat(x, 2, axis=1), rs.randn(5, 3, 4))
    both(lambda m, x: m.repeat(x, 1, axis=1), rs.randn(5, 3, 4))
    both(lambda m, x: m.repeat(x, 2, axis=0), rs.randn(5, 3))
    both(lambda m, x: m.repeat(x, 2, axis=0), rs.randn(5))
    both(lambda m, x: m.repeat(x, 1, axis=0), rs.randn(5, 1))


# ---------------------------------------------------------------- arrays from traced values

ARRAYS = [
    ("1d", lambda m, x: m.array([x, x * 1.0, x + 2.5])),
    ("2d", lambda m, x: m.array([[x, x * 1.0, x + 2.5], [x**2, x, x / 2.0]])),
    ("1d_fanout", lambda m, x: (lambda a: a + a)(m.array([x, x * 1.0, x + 2.5]))),
    ("2d_fanout", lambda m, x: (lambda a: a + a)(
        m.array([[x, x * 1.0, x + 2.5], [x**2, x, x / 2.0]]))),
    ("scalar", lambda m, x: m.array(x)),
]


@pytest.mark.parametrize("f", [a[1] for a in ARRAYS], ids=[a[0] for a in ARRAYS])
def test_array_from_scalars(backend, f):
    both(f, 3.0)


def test_array_from_arrays(backend):
    rs = _rs()
    both(lambda m, x: m.array([x, x]), rs.randn(3, 2))
    both(lambda m, x: m.array([[2 * x, x + 1], [x, x]]), rs.randn(3, 2))


def test_scalar_attributes(backend):
    def fun(x):
        assert x.shape == ()
        assert x.ndim == 0
        assert x.size == 1
        assert x.dtype == np.float64
        return x**2

    assert float(ad.grad(fun)(3.0)) == 6.0


# ---------------------------------------------------------------- r_ and c_

R_C = [
    ("r_basic", lambda m, x, c: m.r_[x]),
    ("r_double", lambda m, x, c: m.r_[x, x]),
    ("r_no_relation", lambda m, x, c: m.r_[c]),
    ("r_node_and_const", lambda m, x, c: m.r_[x, c]),
    ("r_mixed", lambda m, x, c: m.r_[x, c, x]),
    ("c_", lambda m, x, c: m.c_[x, c, x]),
    ("no_relation", lambda m, x, c: c),
]


@pytest.mark.parametrize("f", [r[1] for r in R_C], ids=[r[0] for r in R_C])
def test_r_c(backend, f):
    rs = _rs()
    c = rs.randn(3, 2)
    both(lambda m, x: f(m, x, m.asarray(c)), rs.randn(3, 2))


def test_r_slicing(backend):
    rs = _rs()
    c = rs.randn(10)
    both(lambda m, x: m.r_[x, m.asarray(c), 1:10], rs.randn(10))


# ---------------------------------------------------------------- the rest

def test_nan_to_num(backend):
    y = np.array([0.0, np.nan, np.inf, -np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sin(+-1.8e308) is finite; fine
        both(lambda m, x: m.sum(m.sin(m.nan_to_num(x + m.asarray(y)))), _rs().randn(4))


@pytest.mark.parametrize("num", [0, 1, 5])
def test_linspace(backend, num):
    for a, b in [(1.2, 3.4), (1.2, -3.4), (1.2, 1.2)]:
        both(lambda m, x, y: m.linspace(x, y, num), a, b)


def test_astype(backend):
    x = np.arange(3, dtype="float32")

    def f(x):
        return gnp.sum(gnp.sin(x.astype("float64")))

    assert ad.grad(f)(x).dtype == np.dtype("float32")


def test_gradient(backend):
    rs = _rs()
    for a in (rs.randn(10), rs.randn(10, 10), rs.randn(10, 10, 10)):
        both(lambda m, x: m.gradient(x), a)
    a = rs.randn(10, 10, 10)
    for axis in [None, 0, 1, -1, (0, 1), (0, -1)]:
        both(lambda m, x: m.gradient(x, axis=axis), a)


# ---------------------------------------------------------------- interp (test_numpy_interp.py)

def _interp_data():
    rs = np.random.RandomState(1)
    x = np.arange(-20, 20, 0.1)
    xp = np.arange(10) * 1.0
    return x, xp, xp**0.5 + rs.normal(size=xp.shape)


def test_interp(backend):
    x, xp, yp = _interp_data()
    both(lambda m, fp: m.interp(m.asarray(x), m.asarray(xp), fp), yp)


def test_interp_edge(backend):
    x, xp, yp = _interp_data()
    both(lambda m, fp: m.interp(m.asarray(x), m.asarray(xp), fp, left=-1, right=-1), yp)


def test_interp_correctness(backend):
    x = np.arange(-100, 100, 0.1)
    xp = np.arange(10) * 1.0
    for kw in ({}, {"left": -1, "right": -1}):
        both(lambda m, fp: m.interp(m.asarray(x), m.asarray(xp), fp, **kw), xp**2, order=1)


METHODS = [
    ("sum", lambda x: x.sum(axis=1, keepdims=True)),
    ("mean", lambda x: x.mean(0)),
    ("max", lambda x: x.max(axis=1)),
    ("min", lambda x: x.min(axis=(0, 1))),
    ("prod", lambda x: x.prod(axis=0)),
    ("var", lambda x: x.var(ddof=1)),
    ("std", lambda x: x.std(axis=0, ddof=1)),
    ("cumsum", lambda x: x.cumsum(axis=0)),
    ("cumprod", lambda x: x.cumprod(axis=1)),
    ("dot", lambda x: x.dot(x.T)),
    ("clip", lambda x: x.clip(-0.5, 0.5)),
    ("clip_min", lambda x: x.clip(min=-0.5)),
    ("clip_max", lambda x: x.clip(max=0.5)),
    ("ravel_F", lambda x: x.ravel("F")),
    ("flatten_F", lambda x: x.flatten(order="F")),
    ("repeat", lambda x: x.repeat(2, axis=0)),
    ("repeat_flat", lambda x: x.repeat(2)),
    ("round", lambda x: x.round(1) * x),
    ("take", lambda x: x.take([0, 2], axis=1)),
    ("take_flat", lambda x: x.take([0, 5])),
    ("transpose", lambda x: x.transpose(1, 0)),
    ("swapaxes", lambda x: x.swapaxes(0, 1)),
    ("diagonal", lambda x: x.diagonal(1)),
    ("trace", lambda x: x.trace(-1)),
    ("squeeze", lambda x: x[:, None].squeeze(1)),
    ("conj", lambda x: x.conj()),
    ("real_imag", lambda x: x.real + x.imag),
]


@pytest.mark.parametrize("f", [m[1] for m in METHODS], ids=[m[0] for m in METHODS])
def test_array_methods(backend, f):
    # the ndarray methods autograd's array boxes offer, on a Tensor
    both(lambda m, x: f(x), _rs().randn(3, 4))
