"""The rest of jax.numpy's ``tests/lax_numpy_test.py`` ported to gpuad.numpy: the test methods
whose subject no other port covers (set operations, polynomials, FFTs, einsum, indexing,
reducers, operators and ufuncs have their own files).

Ported: take (modes), take_along_axis, compress, delete, insert, append, repeat, diag,
diagflat, diagonal, trace, tril/triu, rot90, flips, rollaxis, roll, resize, cross, vander,
the splits, unstack, tile, piecewise, select, where/nonzero/argwhere/extract/count_nonzero,
choose, ldexp/frexp/modf, nan_to_num, unwrap, gradient, ediff1d, diff, interp, trapezoid,
corrcoef/cov weights, isclose/allclose, i0, sinc, linspace/logspace/geomspace, meshgrid, ix_,
indices, block, apply_along_axis/apply_over_axes, searchsorted, digitize, bincount, the
histograms, lexsort, partition/argpartition, sort_complex, ravel_multi_index/unravel_index,
the tri* and *_indices functions, fill_diagonal, put, place, put_along_axis, the windows,
trim_zeros; and JAX's error tests of these.

Every case is one call run on gpuad.numpy and on jax.numpy (x64 on for this module) with the
same inputs, drawn as JAX's test draws them (its shapes, axes, modes, offsets and keywords).
Compared: the shapes, dtypes and values of every output, and for each floating-point input
the gradient of ``sum(out * c)`` (``c`` a fixed random cotangent) against ``jax.grad`` and
against float64 central differences of gpuad's own forward. JAX compiles each case it runs,
so by default a fixed third of the tables runs, JAX on a part of it (the rest against
NumPy's values and central differences); ``GPUAD_JNP_REST_ALL=1`` runs every case.

Where gpuad follows NumPy and JAX does not, the case says which (``np_dtype``: NumPy's
result type, ``np_ref``: NumPy's value); where gpuad cannot follow JAX, ``REFUSED`` lists the
call, the reason, and the error gpuad raises instead (checked: never a silent value).
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad.backends import get_backend  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


# ----------------------------------------------------------------------------- the harness


@dataclass
class Case:
    name: str
    fn: Callable  # fn(m, *args) with m one of gnp, jnp, np
    args: tuple
    diff: tuple | None = None  # positions differentiated (default: every float array)
    np_dtype: bool = False  # gpuad gives NumPy's dtype where JAX's differs
    np_ref: bool = False  # the reference value is NumPy's (JAX documents another)
    fd: bool = True  # central differences (off at kinks and for piecewise-constant parts)
    tol: float = 1e-10
    jax: bool | None = None  # compared with JAX (default: a fixed part of the cases)
    cupy_refuses: str | None = None  # the CuPy backend raises NotImplementedError matching this

    @property
    def id(self):
        return self.name


def _leaves(out):
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in _leaves(o)]
    return [out]


def _host(v):
    return np.asarray(to_numpy(v) if isinstance(v, ad.Tensor) or hasattr(v, "get") else v)


def _to_backend(a):
    xp = get_backend()
    if isinstance(a, np.ndarray):
        return xp.asarray(a)
    if isinstance(a, (list, tuple)):
        return type(a)(_to_backend(b) for b in a)
    return a


def _is_float(a):
    return isinstance(a, np.ndarray) and a.dtype.kind in "fc"


def _diff_positions(case):
    if case.diff is not None:
        return case.diff
    return tuple(i for i, a in enumerate(case.args) if _is_float(a))


def _same(got, want, tol, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    if want.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def _cotangents(case, shapes_dtypes):
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    return [rng.standard_normal(s) if np.dtype(d).kind in "fc" else None for s, d in shapes_dtypes]


def _jax_program(case):
    """``f(*diffed) -> (outputs, gradients)`` of the case on jax.numpy, the other arguments
    closed over as constants; None where the outputs' shapes depend on the values."""
    pos = _diff_positions(case)

    def value(*diffed):
        args = list(case.args)
        for p, d in zip(pos, diffed, strict=False):
            args[p] = d
        return case.fn(jnp, *args)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            shapes = jax.eval_shape(value, *[case.args[p] for p in pos])
    except Exception:
        return None
    cots = _cotangents(case, [(s.shape, s.dtype) for s in _leaves(shapes)])
    if not pos or all(c is None for c in cots):
        return lambda *d: (value(*d), None), cots

    def loss(*diffed):
        out = value(*diffed)
        total = sum(jnp.sum(jnp.real(leaf * c)) for leaf, c in zip(_leaves(out), cots, strict=False)
                    if c is not None)
        return total, out

    def both(*diffed):
        (_, out), grads = jax.value_and_grad(loss, argnums=tuple(range(len(pos))),
                                             has_aux=True)(*diffed)
        return out, grads

    return both, cots


_REFERENCE: dict = {}
_CHUNK = 40


def _reference(case):
    """JAX's outputs and gradients for ``case``, computed with the cases next to it in one
    compiled program (an XLA compilation per case would take minutes)."""
    if case.name not in _REFERENCE:
        k = next(i for i, c in enumerate(CASES) if c.name == case.name)
        chunk = [c for c in CASES[k:] if c.name not in _REFERENCE and _uses_jax(c)
                 and _selected(c)][:_CHUNK]
        progs = {c.name: _jax_program(c) for c in chunk}
        ok = [c for c in chunk if progs[c.name] is not None]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outs = jax.jit(lambda all_args: [progs[c.name][0](*a) for c, a in
                                                 zip(ok, all_args, strict=False)])(
                    [[c.args[p] for p in _diff_positions(c)] for c in ok])
            for c, o in zip(ok, outs, strict=False):
                _REFERENCE[c.name] = (jax.tree.map(np.asarray, o), progs[c.name][1])
        except Exception:
            pass
        if case.name not in _REFERENCE:  # alone and eagerly
            _REFERENCE[case.name] = _eager_reference(case, progs.get(case.name))
    return _REFERENCE[case.name]


def _eager_reference(case, prog):
    """The same outside ``jit``: for outputs whose shapes depend on the values."""
    pos = _diff_positions(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if prog is not None:
            try:
                f, cots = prog
                out = f(*[case.args[p] for p in pos])
                return jax.tree.map(np.asarray, out), cots
            except Exception:
                pass
        out = case.fn(jnp, *case.args)
        cots = _cotangents(case, [(np.shape(w), np.asarray(w).dtype) for w in _leaves(out)])
        grads = None
        if pos and any(c is not None for c in cots):
            def loss(*diffed):
                args = list(case.args)
                for p, d in zip(pos, diffed, strict=False):
                    args[p] = d
                return sum(jnp.sum(jnp.real(leaf * c))
                           for leaf, c in zip(_leaves(case.fn(jnp, *args)), cots, strict=False)
                           if c is not None)
            grads = [np.asarray(g) for g in jax.grad(loss, argnums=tuple(range(len(pos))))(
                *[case.args[p] for p in pos])]
        return (jax.tree.map(np.asarray, out), grads), cots


def _run_values(case, want):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = case.fn(gnp, *_to_backend(case.args))
        ref_np = case.fn(np, *case.args) if case.np_dtype else None
    wl, gl = _leaves(want), _leaves(got)
    assert len(wl) == len(gl), f"{len(gl)} outputs, JAX {len(wl)}"
    for k, (w, g) in enumerate(zip(wl, gl, strict=False)):
        g = _host(g)
        w = np.asarray(w)
        wd = np.asarray(_leaves(ref_np)[k]).dtype if case.np_dtype else w.dtype
        assert g.dtype == wd, f"output {k}: dtype {g.dtype}, reference {wd}"
        _same(g, w, case.tol, f"output {k}")


def _loss_fn(case, cots, pos):
    def loss(*diffed):
        args = list(_to_backend(case.args))
        for p, d in zip(pos, diffed, strict=False):
            args[p] = d
        total = 0.0
        for leaf, c in zip(_leaves(case.fn(gnp, *args)), cots, strict=False):
            if c is not None:
                total = total + gnp.sum(gnp.real(leaf * _to_backend(c)))
        return total
    return loss


def _run_grads(case, jgrads, cots):
    pos = _diff_positions(case)
    gg = ad.grad(_loss_fn(case, cots, pos), argnums=tuple(range(len(pos))))(
        *[_to_backend(case.args[p]) for p in pos])
    for p, j, g in zip(pos, jgrads or (), gg, strict=False):
        j = np.asarray(j)
        if np.iscomplexobj(j):
            j = np.conj(j)  # gpuad's convention (docs/porting.md, "Complex gradients")
        _same(_host(g), j, case.tol, f"gradient of argument {p}")
    if case.fd:
        rng = np.random.default_rng(zlib.crc32(case.name.encode()) + 1)
        _central_differences(case, pos, cots, [_host(g) for g in gg], rng)


def _central_differences(case, pos, cots, grads, rng):
    """``<g, v>`` against ``(L(x + h v) - L(x - h v)) / 2h`` of gpuad's own forward."""
    loss = _loss_fn(case, cots, pos)
    x = [case.args[p] for p in pos]
    v = [rng.standard_normal(np.shape(a)) for a in x]
    h = 1e-6

    def at(s):
        return float(_host(loss(*[_to_backend(a + s * h * d) for a, d in zip(x, v, strict=False)])))

    fd = (at(1) - at(-1)) / (2 * h)
    an = sum(float(np.sum(np.real(g * d))) for g, d in zip(grads, v, strict=False))
    if np.isfinite(fd) and np.isfinite(an):
        assert abs(fd - an) <= 1e-5 * (1 + abs(an)), f"central differences {fd}, vjp {an}"


# JAX compiles every case it runs (a quarter of a second each) and the tables hold about 3000
# cases: by default a fixed third of each table runs, JAX on an eighth of those and on every case
# marked ``jax=True``; the others are compared with NumPy's values and central differences.
# GPUAD_JNP_REST_ALL=1 runs every case (JAX on an eighth), several minutes.
_ALL = os.environ.get("GPUAD_JNP_REST_ALL") == "1"


def _selected(case):
    return _ALL or bool(case.jax) or zlib.crc32(case.name.encode()) % 3 == 0


def _uses_jax(case):
    if case.np_ref:
        return False
    return case.jax if case.jax is not None else zlib.crc32(case.name.encode()) // 3 % 8 == 0


def check(case):
    if _uses_jax(case):
        (want, jgrads), cots = _reference(case)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = case.fn(np, *case.args)
        jgrads = None
        cots = _cotangents(case, [(np.shape(w), np.asarray(w).dtype) for w in _leaves(want)])
    _run_values(case, want)
    if not _diff_positions(case) or all(c is None for c in cots):
        return
    _run_grads(case, jgrads, cots)


# ----------------------------------------------------------------------------- the draws


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def rand(shape, *key, dtype=np.float64):
    """JAX's ``rand_default``: normals times 3 (floats), small integers (ints)."""
    r = _rng(shape, *key)
    if np.dtype(dtype).kind == "f":
        return (3 * r.standard_normal(shape)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (3 * r.standard_normal(shape) + 3j * r.standard_normal(shape)).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return r.integers(0, 2, shape).astype(bool)
    lo = 0 if np.dtype(dtype).kind == "u" else -3
    return r.integers(lo, 4, shape).astype(dtype)


def rand_some_zero(shape, *key):
    x = rand(shape, "sz", *key)
    return np.where(_rng(shape, "z", *key).random(shape) < 0.4, 0.0, x)


def ints(shape, lo, hi, *key, dtype=np.int64):
    return _rng(shape, "i", lo, hi, *key).integers(lo, hi, shape).astype(dtype)


CASES: list[Case] = []
_NAMES: set = set()


def case(name, fn, *args, **kw):
    assert name not in _NAMES, f"two cases named {name}"
    _NAMES.add(name)
    CASES.append(Case(name, fn, tuple(args), **kw))


ARRAY_SHAPES = [(), (4,), (3, 4), (3, 1), (1, 4), (2, 1, 4), (2, 3, 4), (0,), (0, 4), (3, 0)]
NONEMPTY_NONSCALAR = [(4,), (3, 4), (3, 1), (1, 4), (2, 1, 4), (2, 3, 4)]


# ----------------------------------------------------------------------------- take, compress,
# delete, insert, append, repeat (testTake, testTakeAlongAxis*, testCompress*, testDelete*,
# testInsert*, testAppend, testRepeat, testNonScalarRepeats)

for _shape in [(3,), (3, 4), (3, 4, 5)]:
    for _axis in [*range(-len(_shape), len(_shape)), None]:
        for _ishape in [(), (3,), (2, 1, 3)]:
            for _mode in [None, "wrap", "clip"]:
                _n = _shape[_axis or 0] if _axis is not None else math.prod(_shape)
                _lo, _hi = (-_n, _n) if _mode is None else (-5, 5)
                _idt = np.int32 if len(_ishape) % 2 else np.int64
                case(f"take-{_shape}-{_axis}-{_ishape}-{_mode}",
                     lambda m, x, i, a=_axis, md=_mode: (
                         m.take(x, i, axis=a) if md is None else m.take(x, i, axis=a, mode=md)),
                     rand(_shape, "take"),
                     ints(_ishape, _lo, _hi, _shape, _axis, _mode, dtype=_idt),
                     fd=True)


def _broadcast_ok(*shapes):
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


for _xs, _is in itertools.combinations_with_replacement(NONEMPTY_NONSCALAR, 2):
    if len(_xs) != len(_is) or not _broadcast_ok(_xs, _is):
        continue
    for _axis in [*range(len(_xs)), -1, None]:
        _ishape = list(_is)
        if _axis is None:
            _ishape = [math.prod(_ishape)]
        else:
            _ishape[_axis] *= 3
        _n = math.prod(_xs) if _axis is None else _xs[_axis]
        for _idt in (np.int32, np.uint8):
            _lo = 0 if _idt is np.uint8 else -_n
            case(f"take_along_axis-{_xs}-{tuple(_ishape)}-{_axis}-{np.dtype(_idt).name}",
                 lambda m, x, i, a=_axis: m.take_along_axis(x, i, axis=a),
                 rand(_xs, "tal"), ints(tuple(_ishape), _lo, _n, _xs, _axis, dtype=_idt))

case("take_along_axis-singleton-broadcast",  # testTakeAlongAxisInputTensorHasSingletonDimension
     lambda m, x, i: m.take_along_axis(x, i, axis=-2),
     rand((2, 1, 5, 7, 13), "tal1"), ints((2, 3, 5, 11, 1), 0, 7, "tal1", dtype=np.uint8))
case("take_along_axis-empty", lambda m, x: m.take_along_axis(x, np.ones((4, 0, 3), np.int64),
                                                            axis=1), rand((4, 0, 3), "tale"))
case("take_along_axis-issue1521",  # NumpyGradTests.testTakeAlongAxisIssue1521
     lambda m, x: m.take_along_axis(x * m.arange(3.0).reshape((1, 3)),
                                    m.repeat(m.arange(3), 10).reshape((30, 1)), -1),
     rand((30, 3), "i1521"))

for _shape in [(), (4,), (3, 4), (2, 3, 4), (0,), (3, 0)]:
    for _axis in [None, *range(len(_shape))]:
        if _shape == ():
            _cs = (0,)
        elif _axis is None:
            _cs = (math.prod(_shape),)
        else:
            _cs = (_shape[_axis],)
        _c = rand_some_zero(_cs, "cc", _shape, _axis)
        _nnz = int(np.count_nonzero(_c))
        case(f"compress-{_shape}-{_axis}",
             lambda m, c, x, a=_axis, n=_nnz: _sized(
                 m, "compress", c != 0, x, axis=a, size=n), _c, rand(_shape, "cx", _axis),
             diff=(1,))
        case(f"compress_method-{_shape}-{_axis}",
             lambda m, c, x, a=_axis: m.asarray(x).compress(c != 0, axis=a),
             rand_some_zero(_cs, "cm", _shape, _axis), rand(_shape, "cmx", _axis), diff=(1,),
             jax=False)
for _cond in ([1], [1, 0, 0, 0, 0, 0, 0]):  # testCompressMismatchedShapes
    for _axis in [None, 0, 1]:
        case(f"compress-mismatched-{len(_cond)}-{_axis}",
             lambda m, x, c=_cond, a=_axis: _sized(m, "compress", np.array(c), x, axis=a,
                                                    size=1), rand((2, 3), "cmm"))

for _shape in NONEMPTY_NONSCALAR:
    for _axis in [None, *range(-len(_shape), len(_shape))]:
        _n = math.prod(_shape) if _axis is None else _shape[_axis]
        for _idx in sorted({-_n, -1, 0, _n - 1}):
            case(f"delete-int-{_shape}-{_axis}-{_idx}",
                 lambda m, x, i=_idx, a=_axis: m.delete(x, i, axis=a), rand(_shape, "di"))
        for _slc in [slice(None), slice(1, 3), slice(1, 5, 2)]:
            case(f"delete-slice-{_shape}-{_axis}-{_slc.start}-{_slc.stop}-{_slc.step}",
                 lambda m, x, s=_slc, a=_axis: m.delete(x, s, axis=a), rand(_shape, "ds"))
        for _ishape in [(), (3,), (2, 1, 4), (0,)]:
            _idx = ints(_ishape, -_n, _n, _shape, _axis, "dia")
            case(f"delete-array-{_shape}-{_axis}-{_ishape}",
                 lambda m, x, i=_idx, a=_axis: m.delete(x, i, axis=a), rand(_shape, "da"))
        _mask = ints((_n,), 0, 2, _shape, _axis, "dm").astype(bool)
        case(f"delete-mask-{_shape}-{_axis}",
             lambda m, x, k=_mask, a=_axis: m.delete(x, k, axis=a), rand(_shape, "dm"))
        _i = int(ints((), -_n, _n, _shape, _axis, "ii"))
        case(f"insert-int-{_shape}-{_axis}-{_i}",
             lambda m, x, v, i=_i, a=_axis: m.insert(x, i, v, axis=a),
             rand(_shape, "ix"), rand((), "iv", _shape, _axis))
        _s0, _s1 = (int(v) for v in ints((2,), -_n, _n, _shape, _axis, "is"))
        case(f"insert-slice-{_shape}-{_axis}-{_s0}-{_s1}",
             lambda m, x, v, s=slice(_s0, _s1), a=_axis: m.insert(x, s, v, axis=a),
             rand(_shape, "isx"), rand((), "isv", _shape, _axis))

for _k, (_arr, _index, _values, _axis) in enumerate([  # testInsertExamples
        ([[1, 1], [2, 2], [3, 3]], 1, 5, None),
        ([[1, 1], [2, 2], [3, 3]], 1, 5, 1),
        ([[1, 1], [2, 2], [3, 3]], 1, [1, 2, 3], 1),
        ([[1, 1], [2, 2], [3, 3]], [1], [[1], [2], [3]], 1),
        ([1, 1, 2, 2, 3, 3], [2, 2], [5, 6], None),
        ([1, 1, 2, 2, 3, 3], slice(2, 4), [5, 6], None),
        ([1, 1, 2, 2, 3, 3], [2, 2], [7.13, 0.0], None),
        ([[0, 1, 2, 3], [4, 5, 6, 7]], (1, 3), 999, 1)]):
    _idx = _index if isinstance(_index, slice) else np.array(_index)
    case(f"insert-example-{_k}", lambda m, x, v, i=_idx, a=_axis: m.insert(x, i, v, axis=a),
         np.asarray(_arr, np.float64) + 0.25, np.asarray(_values, np.float64) - 0.5)
case("insert-repeated-index-array", lambda m, x, v: m.insert(x, np.array([3, 1, 3, -1]), v),
     rand((5,), "ira"), rand((4,), "irv"))
case("insert-values-broadcast-axis0", lambda m, x, v: m.insert(x, np.array([0, 2]), v, axis=0),
     rand((3, 4), "iba"), rand((4,), "ibv"))

for _base in [(4,), (3, 4), (2, 3, 4)]:
    for _axis in range(-len(_base) + 1, len(_base)):
        _w = _axis % len(_base)
        _shapes = [_base[:_w] + (s,) + _base[_w + 1:] for s in (3, 1)]
        case(f"append-{_base}-{_axis}", lambda m, x, v, a=_axis: m.append(x, v, axis=a),
             rand(_shapes[0], "ap"), rand(_shapes[1], "apv"))
case("append-flat", lambda m, x, v: m.append(x, v), rand((2, 3), "apf"), rand((4,), "apfv"))

for _shape in [(), (4,), (3, 4), (2, 1, 4), (0, 4)]:
    for _axis in [None, *range(-len(_shape), max(1, len(_shape)))]:
        if _shape == () and _axis not in (None, 0, -1):
            continue
        for _rep in [0, 1, 2]:
            case(f"repeat-{_shape}-{_axis}-{_rep}",
                 lambda m, x, r=_rep, a=_axis: m.repeat(x, r, axis=a), rand(_shape, "rp"))
for _reps, _axis, _shape in [(np.array([1, 3, 0, 1, 1, 2]), None, (6,)),
                             (np.array([1, 3, 2, 1, 1, 2]), 0, (6,)), (np.array([2]), 0, (6,)),
                             (np.array([2, 1]), 0, (2, 3)), (np.array([1, 3, 2]), 1, (2, 3)),
                             (np.array([2]), 1, (2, 3))]:
    case(f"repeat-array-{_shape}-{_axis}-{list(_reps)}",
         lambda m, x, r=_reps, a=_axis: m.repeat(x, r, axis=a), rand(_shape, "rpa"))


# ----------------------------------------------------------------------------- diagonals,
# triangles, rotations, shapes (testDiag, testDiagFlat, testDiagonal, testTrace, testTriLU,
# testRot90, testFlip*, testRollaxis, testRoll, testResize, testCross, testVander,
# testSplitStaticInt, testArraySplitStaticInt, testHVDSplit, testUnstack, testTile)

for _shape in [(4,), (3, 4), (0,), (3, 0), (1, 4)]:
    for _k in range(-4, 4):
        case(f"diag-{_shape}-{_k}", lambda m, x, k=_k: m.diag(x, k), rand(_shape, "dg"))
for _shape in [(), (4,), (3, 4), (0,)]:
    for _k in (-2, 0, 3):
        case(f"diagflat-{_shape}-{_k}", lambda m, x, k=_k: m.diagflat(x, k), rand(_shape, "df"))
for _shape in [(3, 4), (2, 3, 4), (3, 0)]:
    _nd = len(_shape)
    for _a1, _a2 in [(0, 1), (1, 0), (-1, 0), (2 % _nd, -_nd), (-2, -1)]:
        if _a1 % _nd == _a2 % _nd:
            continue
        for _off in (-4, -1, 0, 2):
            case(f"diagonal-{_shape}-{_a1}-{_a2}-{_off}",
                 lambda m, x, o=_off, a=_a1, b=_a2: m.diagonal(x, o, a, b), rand(_shape, "dgn"))
            case(f"trace-{_shape}-{_a1}-{_a2}-{_off}",
                 lambda m, x, o=_off, a=_a1, b=_a2: m.trace(x, o, a, b), rand(_shape, "tr"))
for _out in [np.float32, np.complex128, np.int64]:
    case(f"trace-dtype-{np.dtype(_out).name}", lambda m, x, d=_out: m.trace(x, 1, dtype=d),
         rand((3, 4), "trd"), tol=1e-6 if _out is np.float32 else 1e-10,
         fd=_out is not np.float32, jax=True)
for _shape in [(3, 4), (2, 3, 4), (0, 4)]:
    for _op in ("tril", "triu"):
        for _k in range(-3, 3):
            case(f"{_op}-{_shape}-{_k}", lambda m, x, o=_op, k=_k: getattr(m, o)(x, k=k),
                 rand(_shape, "tri"))

for _shape, _axes in [((2, 3), (0, 1)), ((2, 3), (1, 0)), ((4, 3, 2), (0, 2)),
                      ((4, 3, 2), (2, 1))]:
    for _k in range(-3, 4):
        case(f"rot90-{_shape}-{_axes}-{_k}", lambda m, x, k=_k, a=_axes: m.rot90(x, k, a),
             rand(_shape, "rot"))
for _shape in [(3,), (2, 3)]:
    for _axis in [*range(-len(_shape), len(_shape)), None, tuple(range(len(_shape)))]:
        case(f"flip-{_shape}-{_axis}", lambda m, x, a=_axis: m.flip(x, a), rand(_shape, "fl"))
case("flipud", lambda m, x: m.flipud(x), rand((3, 2, 4), "fud"))
case("fliplr", lambda m, x: m.fliplr(x), rand((3, 2, 4), "flr"))
for _axis in [-3, 0, 2, 3]:
    for _start in [-4, -1, 2, 4]:
        case(f"rollaxis-{_axis}-{_start}", lambda m, x, a=_axis, s=_start: m.rollaxis(x, a, s),
             rand((1, 2, 3, 4), "rax"))
for _shifts, _axis in [(3, None), (1, 1), ((3,), (0,)), ((-2,), (-2,)), ((1, 2), (0, -1)),
                       ((4, 2, 5, 5, 2, 4), None), (100, None)]:
    for _shape in [(3, 4), (3, 4, 5), (7, 4, 0)]:
        case(f"roll-{_shape}-{_shifts}-{_axis}",
             lambda m, x, s=_shifts, a=_axis: m.roll(x, np.array(s), axis=a), rand(_shape, "rl"))

for _arg in [(), (4,), (3, 4), (3, 1), (0,), (3, 0)]:
    for _out in [(), (4,), (3, 4), (2, 1, 4), (0,), (0, 4), (7,)]:
        case(f"resize-{_arg}-{_out}", lambda m, x, o=_out: m.resize(x, o), rand(_arg, "rsz"))

for _ls, _rs, _axes in [
        ((2,), (2,), (-1, -1, -1, None)), ((2, 4), (2, 4), (-1, -1, -1, 0)),
        ((3, 4), (3, 4), (-1, -1, -1, 0)), ((3, 4), (3, 6, 5, 4), (-1, -1, -1, 0)),
        ((4, 3), (3, 6, 5, 4), (1, 0, -1, None)), ((6, 1, 3), (5, 3), (-1, -1, -1, None)),
        ((6, 1, 2), (5, 3), (-1, -1, -1, None)), ((10, 5, 2, 8), (1, 5, 1, 3), (-2, -1, -3, None)),
        ((4, 5, 2), (4, 5, 2), (-1, -1, 0, None)), ((4, 5, 2), (4, 5, 2), (-1, -1, -1, None))]:
    case(f"cross-{_ls}-{_rs}-{_axes}", lambda m, a, b, ax=_axes: m.cross(a, b, *ax),
         rand(_ls, "crs"), rand(_rs, "crs2"))
case("cross-int-float", lambda m, a, b: m.cross(a, b), rand((4, 3), "crsi", dtype=np.int64),
     rand((4, 3), "crsf"))
case("cross-complex", lambda m, a, b: m.cross(a, b), rand((2, 3), "crc", dtype=np.complex128),
     rand((2, 3), "crc2", dtype=np.complex128))

for _n in (0, 5):
    for _N in (2, 4, None):
        for _inc in (False, True):
            case(f"vander-{_n}-{_N}-{_inc}", lambda m, x, N=_N, i=_inc: m.vander(x, N, i),
                 rand((_n,), "vd") / 3)
case("vander-complex", lambda m, x: m.vander(x, 3), rand((4,), "vdc", dtype=np.complex128) / 3)

for _shape, _axis, _ns in [((3,), 0, 3), ((12,), 0, 3), ((12, 4), 0, 4), ((12, 4), 1, 2),
                           ((2, 3, 4), -1, 2), ((2, 3, 4), -2, 3)]:
    case(f"split-{_shape}-{_axis}-{_ns}", lambda m, x, a=_axis, s=_ns: m.split(x, s, axis=a),
         rand(_shape, "sp"))
for _shape, _axis, _ns in [((3,), 0, 2), ((12,), 0, 5), ((12, 4), 0, 7), ((12, 4), 1, 3),
                           ((2, 3, 5), -1, 2), ((2, 4, 4), -2, 3), ((7, 2, 2), 0, 3)]:
    case(f"array_split-{_shape}-{_axis}-{_ns}",
         lambda m, x, a=_axis, s=_ns: m.array_split(x, s, axis=a), rand(_shape, "asp"))
case("split-indices", lambda m, x: m.split(x, np.array([1, 4, 4, 9]), axis=1), rand((2, 7), "spi"))
for _shape, _axis, _ns in [((12, 4), 0, 4), ((12,), 1, 2), ((2, 3, 4), 2, 2), ((4, 3, 4), 0, 2)]:
    _f = {0: "vsplit", 1: "hsplit", 2: "dsplit"}[_axis]
    case(f"{_f}-{_shape}-{_ns}", lambda m, x, f=_f, s=_ns: getattr(m, f)(x, s), rand(_shape, "hv"))
for _shape in [(4,), (3, 4), (2, 3, 4), (3, 0)]:
    for _axis in range(-len(_shape), len(_shape)):
        case(f"unstack-{_shape}-{_axis}", lambda m, x, a=_axis: m.unstack(x, axis=a),
             rand(_shape, "us"))
for _shape in [(), (4,), (3, 4)]:
    for _reps in [(), (2,), (3, 4), (2, 3, 4), (1, 0, 2)]:
        case(f"tile-{_shape}-{_reps}", lambda m, x, r=_reps: m.tile(x, r), rand(_shape, "tl"))


# ----------------------------------------------------------------------------- selection
# (testPiecewise, testSelect, testWhereOneArgument, testChoose, testExtract, testWhereThree*)

_FUNCS = [lambda x: x - 1, 1, lambda x: x, 0]
for _ncond in (1, 2, 3):
    for _nfunc in (_ncond, _ncond + 1):
        for _shape in [(), (4,), (3, 4), (0,)]:
            _conds = [ints(_shape, 0, 2, "pw", i, _ncond).astype(bool) for i in range(_ncond)]
            case(f"piecewise-{_ncond}-{_nfunc}-{_shape}",
                 lambda m, x, c=_conds, f=_FUNCS[:_nfunc]: m.piecewise(x, c, f),
                 rand(_shape, "pwx", _ncond))
case("piecewise-int", lambda m, x: m.piecewise(x, [x < 0, x > 1], [lambda v: v * 2, 7]),
     rand((3, 4), "pwi", dtype=np.int64))
case("piecewise-args-kw", lambda m, x: m.piecewise(x, [x < 0], [lambda v, a, b=0: v * a + b,
                                                               lambda v, a, b=0: v - b],
                                                   2.0, b=3.0), rand((5,), "pwa"))

for _shapes in [((3,), (3,), ()), ((4, 3), (3,), (4, 1)), ((), (2, 3), (3,)),
                ((2, 3), (3,), (2, 3), (1, 3), ()), ((3,), (4, 3), (4, 1), (), (4, 3))]:
    _n = (len(_shapes) - 1) // 2
    _conds = [ints(s, 0, 2, "sel", k).astype(bool) for k, s in enumerate(_shapes[:_n])]
    case(f"select-{_shapes}",
         lambda m, d, *ch, c=_conds: m.select(c, list(ch), d),
         rand(_shapes[-1], "seld"), *[rand(s, "selc", k) for k, s in enumerate(_shapes[_n:-1])])
case("select-int-default", lambda m, a, b: m.select([a > 0, b > 0], [a, b], 7),
     rand((3, 4), "sid"), rand((3, 4), "sid2"))

def _sized(m, name, *args, size, **kw):
    """Outputs whose shapes depend on the values: JAX is given their (known) size, so that it
    compiles them whole instead of running them operation by operation (seconds each)."""
    return getattr(m, name)(*args, **kw, **({"size": size} if m is jnp else {}))


for _shape in [(4,), (3, 4), (2, 1, 4), (0,), (3, 0)]:
    for _name in ("where", "nonzero", "flatnonzero", "argwhere"):
        _x = rand_some_zero(_shape, _name)
        _nnz = int(np.count_nonzero(_x))
        case(f"{_name}1-{_shape}" if _name == "where" else f"{_name}-{_shape}",
             lambda m, x, f=_name, n=_nnz: _sized(m, f, x, size=n), _x)
    _c = rand_some_zero(_shape, "exc")
    _nnz = int(np.count_nonzero(_c))
    case(f"extract-{_shape}", lambda m, c, x, n=_nnz: _sized(
        m, "extract", c, x, size=n), _c, rand(_shape, "exx"), diff=(1,))
    case(f"count_nonzero-{_shape}", lambda m, x: m.count_nonzero(x, axis=0 if x.ndim else None),
         rand_some_zero(_shape, "cnz"), np_dtype=True)
for _cs, _shapes in [("scalar", [(), (4,)]), ("mixed", [(3, 4), (4,), (3, 1)])]:
    for _ashape in [(), (4,), (3, 4)]:
        for _mode in ["wrap", "clip"]:
            case(f"choose-{_cs}-{_ashape}-{_mode}",
                 lambda m, a, *c, md=_mode: m.choose(a, list(c), mode=md),
                 ints(_ashape, -3, 5, _cs, _mode),
                 *[rand(s, "chc", k) for k, s in enumerate(_shapes)])
        case(f"choose-{_cs}-{_ashape}-raise",
             lambda m, a, *c: m.choose(a, list(c)),
             ints(_ashape, 0, len(_shapes), _cs),
             *[rand(s, "chr", k) for k, s in enumerate(_shapes)])


# ----------------------------------------------------------------------------- elementwise and
# numerical helpers (testLdexp*, testFrexp, testGradLdexp, testGradFrexp, testNanToNum,
# testUnwrap, testGradient*, testEDiff1d*, testDiff*, testInterp*, test_trapezoid*, testVander,
# testCorrCoef, testIsClose*, testAllClose, i0 and sinc)

_INF_NAN = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1.5, -2.25, 3e300, -7e-310, 1.0])
for _s1, _s2 in [((), ()), ((4,), ()), ((3, 4), (4,)), ((3, 1), (1, 4)), ((0,), ())]:
    _x1 = np.resize(_INF_NAN, _s1) if math.prod(_s1) else np.zeros(_s1)
    # NumPy's values at inf, NaN and subnormals (JAX flushes subnormal results to 0, and its
    # derivative at inf is 1, not 2**e)
    case(f"ldexp-{_s1}-{_s2}", lambda m, a, e: m.ldexp(a, e), _x1,
         ints(_s2, -1075, 1024, "ldx", _s1, dtype=np.int32), fd=False, np_ref=True)
    case(f"ldexp-small-{_s1}-{_s2}", lambda m, a, e: m.ldexp(a, e), rand(_s1, "lds"),
         ints(_s2, -6, 7, "lde", _s1, dtype=np.int32))
case("ldexp-overflow", lambda m, a, e: m.ldexp(a, e), np.array(0.5), np.array(1 << 10),
     fd=False, np_ref=True)
case("ldexp-extremes", lambda m, a, e: m.ldexp(a, e),
     np.array([np.finfo(np.float64).tiny, np.finfo(np.float64).max]), np.array([2044, -2044]),
     fd=False)
case("ldexp-int-mantissa", lambda m, a, e: m.ldexp(a, e), rand((5,), "ldi", dtype=np.int32),
     ints((5,), -3, 4, "ldie", dtype=np.int32))
for _n in range(-4, 5):
    case(f"ldexp-grad-{_n}", lambda m, x, n=_n: m.ldexp(x, n), rand((10,), "ldg", _n), jax=True)
    case(f"frexp-grad-{_n}", lambda m, x: m.frexp(x)[0], rand((10,), "frg", _n) * 2.0 ** _n,
         jax=True)
for _k, _x in enumerate([_INF_NAN, rand((3, 4), "fr1"), 1e8 + rand((5,), "fr2"),
                         np.array([5e-324, -1e-310, 2.0 ** 1023])]):
    # subnormals: NumPy's exact mantissas and exponents (JAX flushes them: -0.5 * 2**-1074)
    case(f"frexp-{_k}", lambda m, x: m.frexp(x), _x, fd=False, jax=_k in (1, 2),
         np_ref=_k in (0, 3))
case("frexp-int", lambda m, x: m.frexp(x), rand((6,), "fri", dtype=np.int64))
case("modf", lambda m, x: m.modf(x), np.concatenate([_INF_NAN, rand((4,), "mdf")]), fd=False)

for _shape in [(), (4,), (3, 4), (0,)]:
    case(f"nan_to_num-{_shape}", lambda m, x: m.nan_to_num(x),
         np.resize(_INF_NAN, _shape) if math.prod(_shape) else np.zeros(_shape), fd=False,
         jax=True)
case("nan_to_num-kw", lambda m, x: m.nan_to_num(x, nan=-1.5, posinf=9.0, neginf=-8.0),
     _INF_NAN, fd=False, jax=True)
case("nan_to_num-complex", lambda m, x: m.nan_to_num(x),
     _INF_NAN[:6] + 1j * _INF_NAN[4:], fd=False, jax=True)
case("nan_to_num-int", lambda m, x: m.nan_to_num(x), rand((4,), "nti", dtype=np.int64))

for _shape in [(4,), (3, 4), (2, 3, 4)]:
    for _axis in range(-len(_shape), len(_shape)):
        for _disc in [None, "pi", 2]:
            for _per in ["2pi", "pi", 2, 4]:
                _d = {"pi": np.pi}.get(_disc, _disc)
                _p = {"pi": np.pi, "2pi": 2 * np.pi}.get(_per, _per)
                case(f"unwrap-{_shape}-{_axis}-{_disc}-{_per}",
                     lambda m, x, a=_axis, d=_d, p=_p: m.unwrap(x, discont=d, axis=a, period=p),
                     rand(_shape, "uw"))
case("unwrap-int", lambda m, x: m.unwrap(x, period=4), rand((7,), "uwi", dtype=np.int64) * 3)

for _shape in [(10,), (10, 15), (4, 5, 6)]:
    for _na in range(len(_shape)):
        for _var in itertools.combinations(range(1, len(_shape) + 1), _na):
            for _axis in itertools.combinations(range(len(_shape)), _na):
                case(f"gradient-{_shape}-{_var}-{_axis}",
                     lambda m, y, v=_var, a=_axis: m.gradient(y, *v, axis=a if a else None),
                     rand(_shape, "gr"))
for _shape in [(5,), (5, 7), (5, 10, 3)]:  # testGradientNonConstant: coordinates as arrays
    _co = [np.cumsum(1 + np.abs(rand((s,), "grc", k))) for k, s in enumerate(_shape)]
    case(f"gradient-coords-{_shape}", lambda m, y, *c: m.gradient(y, *c), rand(_shape, "grn"),
         *_co, jax=True)
    case(f"gradient-edge2-{_shape}", lambda m, y, *c: m.gradient(y, *c, edge_order=2),
         rand(_shape, "gre"), *_co, np_ref=True)  # JAX has no edge_order
case("gradient-mixed-spacing", lambda m, y, h, c: m.gradient(y, h, c),
     rand((4, 6), "grm"), np.array(0.5), np.cumsum(1 + np.abs(rand((6,), "grmc"))), jax=True)
case("gradient-scalar-spacing-edge2", lambda m, y, h: m.gradient(y, h, edge_order=2),
     rand((7,), "grs"), np.array(0.3), np_ref=True)

_ED = [(), (4,), (3, 4)]
for _shape in _ED:
    for _end in [None, *_ED]:
        for _begin in [None, *_ED]:
            case(f"ediff1d-{_shape}-{_end}-{_begin}",
                 lambda m, x, e, b: m.ediff1d(x, e, b), rand(_shape, "ed"),
                 None if _end is None else rand(_end, "ede"),
                 None if _begin is None else rand(_begin, "edb"))
case("ediff1d-cast", lambda m, x, e, b: m.ediff1d(x, e, b), np.float32(1.5),
     np.int32(3), np.float32(-2.0), np_dtype=True)

for _shape in [(4,), (3, 4), (2, 1, 4)]:
    for _axis in range(-len(_shape), len(_shape)):
        for _n in [0, 1, 2]:
            for _pre, _app in [(None, None), (1, None), (None, 0), (0, 1)]:
                _p = np.zeros(_shape) + 0.5 if _pre == 0 else _pre
                _a = np.zeros(_shape) - 0.25 if _app == 0 else _app
                case(f"diff-{_shape}-{_axis}-{_n}-{_pre}-{_app}",
                     lambda m, x, n=_n, a=_axis, p=_p, ap=_a: m.diff(
                         x, n=n, axis=a, **({} if p is None else {"prepend": p}),
                         **({} if ap is None else {"append": ap})), rand(_shape, "df"))
case("diff-bool", lambda m, x: m.diff(x), rand((10,), "dfb", dtype=bool))
case("diff-prepend-arrays", lambda m, x, p, a: m.diff(x, prepend=p, append=a, axis=0),
     rand((3, 4), "dpa"), rand((2, 4), "dpp"), rand((1, 4), "dpap"))

for _shape in [(), (4,), (3, 2)]:
    for _period in [None, 0.59]:
        for _left in [None, 0]:
            for _right in [None, 1]:
                _xp = np.sort(np.unique(np.round(rand((20,), "ixp"), 3)))[:12]
                case(f"interp-{_shape}-{_period}-{_left}-{_right}",
                     lambda m, x, xp, fp, p=_period, lf=_left, r=_right:
                     m.interp(x, xp, fp, left=lf, right=r, period=p),
                     3 * rand(_shape, "ix"), _xp, rand((12,), "ifp"))
_tiny = np.exp(np.linspace(-90, -20, 200))
for _period in [None, 0.59]:
    case(f"interp-grad-near-zero-{_period}",  # testInterpGradNan
         lambda m, z, p=_period: m.interp(z, z, m.ones_like(z), period=p), _tiny, fd=False,
         jax=True, tol=1e-8)
case("interp-complex-fp", lambda m, x, fp: m.interp(x, np.arange(4.0), fp),
     rand((5,), "icx"), rand((4,), "icf", dtype=np.complex128))

for _ys, _xs, _dx, _axis in [((10,), None, 1.0, -1), ((3, 10), None, 2.0, -1),
                             ((3, 10), None, 3.0, 0), ((10, 3), (10,), 1.0, -2),
                             ((3, 10), (10,), 1.0, -1), ((3, 10), (3, 10), 1.0, -1),
                             ((2, 3, 10), (3, 10), 1.0, -2)]:
    if _xs is None:
        case(f"trapezoid-{_ys}-{_dx}-{_axis}", lambda m, y, d=_dx, a=_axis:
             m.trapezoid(y, dx=d, axis=a), rand(_ys, "tz"))
    else:
        case(f"trapezoid-{_ys}-{_xs}-{_axis}", lambda m, y, x, a=_axis:
             m.trapezoid(y, x, axis=a), rand(_ys, "tz"), rand(_xs, "tzx"))
for _ys, _ds, _axis in [((3, 10), (3, 1), -1), ((10,), (1,), -1), ((2, 3), (3,), 0),
                        ((3, 4, 5), (4, 5), 0), ((3, 4, 5), (5,), 1), ((3, 4, 5), (2, 4, 5), 0),
                        ((3, 4, 5), (3, 3, 5), 1)]:
    case(f"trapezoid-array-dx-{_ys}-{_ds}-{_axis}",
         lambda m, y, d, a=_axis: m.trapezoid(y, dx=d, axis=a), rand(_ys, "tzd"),
         rand(_ds, "tzdd"))
case("trapezoid-int", lambda m, y: m.trapezoid(y), rand((7,), "tzi", dtype=np.int64))

for _shape in [(5,), (10, 5), (4, 10)]:
    for _rowvar in (True, False):
        case(f"corrcoef-{_shape}-{_rowvar}", lambda m, x, r=_rowvar: m.corrcoef(x, rowvar=r),
             rand(_shape, "cc"), tol=1e-9)
case("corrcoef-xy", lambda m, x, y: m.corrcoef(x, y), rand((2, 6), "ccx"), rand((6,), "ccy"),
     tol=1e-9)
case("corrcoef-complex", lambda m, x: m.corrcoef(x), rand((3, 5), "ccc", dtype=np.complex128),
     tol=1e-9)
case("cov-weights", lambda m, x, a: m.cov(x, fweights=np.array([1, 3, 2, 1, 4]), aweights=a),
     rand((3, 5), "cvw"), 0.5 + np.abs(rand((5,), "cva")), tol=1e-9)
case("cov-ddof-y", lambda m, x, y: m.cov(x, y, ddof=2, rowvar=False), rand((6, 2), "cvd"),
     rand((6,), "cvy"), tol=1e-9, np_ref=True)  # JAX fails to broadcast a 1-D y here

_VALS = np.array([-np.nan, -np.inf, -1.00001, -1.0, -0.00001, -0.0, 0.0, 0.00001, 1.0, 1.00001,
                  np.inf, np.nan])
_MX, _MY = np.meshgrid(_VALS, _VALS)
for _atol in [0.0, 1e-4]:
    for _rtol in [0.0, 1e-4]:
        for _en in [True, False]:
            case(f"isclose-corners-{_atol}-{_rtol}-{_en}",
                 lambda m, x, y, a=_atol, r=_rtol, e=_en: m.isclose(x, y, rtol=r, atol=a,
                                                                   equal_nan=e), _MX, _MY)
case("isclose-ints", lambda m: m.isclose(6, 10, rtol=0.5))
for _x in [1, [1], [1, 1 + 1e-4], [1, np.nan]]:
    for _y in [1, [1], [1, 1 + 1e-4], [1, np.nan]]:
        for _en in [True, False]:
            case(f"allclose-{_x}-{_y}-{_en}", lambda m, x, y, e=_en:
                 m.asarray(m.allclose(x, y, rtol=1e-3, equal_nan=e)), np.array(_x), np.array(_y))

case("i0", lambda m, x: m.i0(x), rand((3, 4), "i0"), jax=True)
case("i0-large", lambda m, x: m.i0(x), np.array([0.0, -30.5, 50.0, 700.0]), jax=True,
     tol=1e-9, fd=False)
case("sinc", lambda m, x: m.sinc(x), np.array([0.0, 1e-9, -0.5, 1.0, 2.5]), jax=True, fd=False,
     tol=1e-8)  # sinc'(1e-9) = -3.3e-9 (JAX's series gives 0)


# ----------------------------------------------------------------------------- grids, ranges,
# stacking and sorting (testLinspace, testLogspace, testGeomspace, testMeshGrid, testIx_,
# testIndices, testBlock, testApplyAlongAxis, testApplyOverAxes, testSearchsorted, testDigitize,
# testBincount*, testHistogram*, testLexsort, testPartition, testArgpartition, testSortComplex,
# testRavelMultiIndex, testUnravelIndex, testTri*, testMaskIndices, testDiagIndices*,
# testFillDiagonal, testPut, testPutAlongAxis, testPlace, testWindowFunction, testTrimZeros)

for _ss in [(), (2,), (2, 2)]:
    for _ts in [(), (2,), (2, 2)]:
        _nd = max(len(_ss), len(_ts))
        for _num in [0, 1, 2, 5]:
            for _ep in [True, False]:
                for _axis in sorted({0, -1, _nd - 1, -_nd} if _nd else {0}):
                    case(f"linspace-{_ss}-{_ts}-{_num}-{_ep}-{_axis}",
                         lambda m, a, b, n=_num, e=_ep, ax=_axis: m.linspace(
                             a, b, n, endpoint=e, retstep=True, axis=ax),
                         rand(_ss, "lsa"), rand(_ts, "lsb"), tol=1e-9)
                    case(f"logspace-{_ss}-{_ts}-{_num}-{_ep}-{_axis}",
                         lambda m, a, b, n=_num, e=_ep, ax=_axis: m.logspace(
                             a, b, n, endpoint=e, base=2.0, axis=ax),
                         rand(_ss, "lga") / 3, rand(_ts, "lgb") / 3, tol=1e-9)
                    _a, _b = np.broadcast_arrays(np.abs(rand(_ss, "gma")) + 0.1,
                                                 np.abs(rand(_ts, "gmb")) + 0.1)
                    case(f"geomspace-{_ss}-{_ts}-{_num}-{_ep}-{_axis}",
                         lambda m, a, b, n=_num, e=_ep, ax=_axis: m.geomspace(
                             a, b, n, endpoint=e, axis=ax), -np.array(_a), -np.array(_b),
                         tol=1e-9)
case("linspace-int-dtype", lambda m, a, b: m.linspace(a, b, 7, dtype=np.int64),
     np.array(-3.5), np.array(9.25), np_ref=True)  # NumPy's floor of 4.99.. (JAX's gives 4)
case("geomspace-complex", lambda m, a, b: m.geomspace(a, b, 5),
     np.array(1 + 1j), np.array(-4 + 2j), tol=1e-9, diff=())  # REFUSED: its derivative

for _shapes in [(), (5,), (5, 3)]:
    for _ix in ["xy", "ij"]:
        for _sp in [True, False]:
            case(f"meshgrid-{_shapes}-{_ix}-{_sp}",
                 lambda m, *xs, i=_ix, s=_sp: m.meshgrid(*xs, indexing=i, sparse=s),
                 *[rand((n,), "mg", k) for k, n in enumerate(_shapes)])
for _shapes in [(), ((7,),), ((3,), (4,)), ((3,), (1,), (4,))]:
    case(f"ix_-{_shapes}", lambda m, *a: m.ix_(*a),
         *[ints(s, 0, 5, "ix", k) for k, s in enumerate(_shapes)])
for _dims in [(), (2,), (3, 0), (4, 5, 6)]:
    for _sp in [True, False]:
        for _dt in [np.int32, np.float64]:
            case(f"indices-{_dims}-{_sp}-{np.dtype(_dt).name}",
                 lambda m, d=_dims, s=_sp, t=_dt: m.indices(d, dtype=t, sparse=s))
for _k, _inp in enumerate([
        [np.array(3.0)], [np.array([3.0])], [[np.array([3.0])]],
        [np.array([1.0, 2, 3]), np.array([2.0, 3, 4])],
        [[np.eye(2) * 2, np.zeros((2, 3)) + 0.5], [np.ones((3, 2)), np.eye(3) * 3]],
        [[np.array([1.0, 2, 3])], [np.array([2.0, 3, 4])]]]):
    _flat = [a for a in _leaves(_inp)]

    def _rebuild(m, *arrs, tmpl=_inp):
        it = iter(arrs)

        def go(t):
            return [go(u) for u in t] if isinstance(t, list) else next(it)
        return m.block(go(tmpl))
    case(f"block-{_k}", _rebuild, *[a + rand(a.shape, "blk", j) for j, a in enumerate(_flat)])
case("block-scalar-mix", lambda m, a: m.block([a, a * 2, 10.0]), rand((3,), "bsm"))

for _shape in [(4,), (3, 4), (2, 3, 4)]:
    for _axis in range(-len(_shape), len(_shape)):
        for _od in (0, 1, 2):
            def _f1(x, od=_od):
                if od == 0:
                    return x.sum()
                if od == 1:
                    return x * x[0]
                return x[:, None] + x[None, :]
            case(f"apply_along_axis-{_shape}-{_axis}-{_od}",
                 lambda m, x, a=_axis, f=_f1: m.apply_along_axis(f, a, x), rand(_shape, "aaa"))
for _shape in [(4,), (3, 4), (2, 3, 4)]:
    for _axes in itertools.combinations(range(len(_shape)), 2) if len(_shape) > 1 else [(0,)]:
        for _kd in (True, False):
            case(f"apply_over_axes-{_shape}-{_axes}-{_kd}",
                 lambda m, x, a=_axes, kd=_kd: m.apply_over_axes(
                     lambda v, axis: v.sum(axis=axis, keepdims=True) if kd else
                     v.sum(axis=axis), x, a), rand(_shape, "aoa"))

for _an in (15, 16):
    for _vs in [(), (5,), (5, 5)]:
        for _side in ("left", "right"):
            for _sorter in (True, False):
                _a = np.round(rand((_an,), "ssa"))
                _v = np.round(rand(_vs, "ssv"))
                if _sorter:
                    case(f"searchsorted-{_an}-{_vs}-{_side}-sorter",
                         lambda m, a, v, s=_side: m.searchsorted(
                             a, v, side=s, sorter=np.argsort(a, kind="stable")), _a, _v,
                         np_dtype=True, diff=())
                else:
                    case(f"searchsorted-{_an}-{_vs}-{_side}",
                         lambda m, a, v, s=_side: m.searchsorted(a, v, side=s), np.sort(_a), _v,
                         np_dtype=True, diff=())
_NANS = np.array([-np.inf, -1.0, 0.0, -0.0, 1.0, np.inf, np.nan, -np.nan])
for _side in ("left", "right"):
    case(f"searchsorted-nans-{_side}", lambda m, a, s=_side: m.searchsorted(a, a, side=s),
         _NANS, np_dtype=True, diff=())
for _xs in [(20,), (5, 4)]:
    for _bs in [(0,), (1,), (5,)]:
        for _right in (True, False):
            for _rev in (True, False):
                _bins = np.sort(np.round(rand(_bs, "dgb")))
                case(f"digitize-{_xs}-{_bs}-{_right}-{_rev}",
                     lambda m, x, b, r=_right: m.digitize(x, b, right=r),
                     np.round(rand(_xs, "dgx")), _bins[::-1] if _rev else _bins, np_dtype=True,
                     diff=())
for _shape in [(0,), (5,), (10,)]:
    for _w in (True, False):
        for _ml in (0, 20):
            _x = ints(_shape, 0, 6, "bc")
            _len = max(_ml, int(np.max(_x, initial=-1)) + 1)
            # JAX's length= (its size) makes it compile the call whole; an empty weighted count
            # is float64 as in JAX (NumPy's is int64)
            case(f"bincount-{_shape}-{_w}-{_ml}",
                 lambda m, x, *w, ml=_ml, n=_len: m.bincount(x, *w, minlength=ml)
                 if m is not jnp else jnp.bincount(x, *w, minlength=ml, length=n),
                 _x, *([rand(_shape, "bcw")] if _w else []), jax=True if _shape == (0,) else None)
for _shape in [(5,), (4, 5)]:
    for _bins in [np.arange(-5, 6), np.array([-5, 0, 3])]:
        for _den in (True, False):
            case(f"histogram-{_shape}-{len(_bins)}-{_den}",
                 lambda m, a, w, b=_bins, d=_den: m.histogram(a, bins=b, density=d, weights=w),
                 np.round(rand(_shape, "hg")) + 0.5, np.abs(rand(_shape, "hgw")), diff=(1,),
                 np_dtype=True)
case("histogram_bin_edges", lambda m, a: m.histogram_bin_edges(a, bins=10, range=(0, 10)),
     rand((5, 5), "hbe"))
for _bins in [2, [2, 3], [np.array([0, 1, 3, 5]), np.array([0, 2, 3, 4, 6])]]:
    for _den in (False, True):
        case(f"histogram2d-{_bins if isinstance(_bins, int) else len(np.ravel(_bins[0]))}-{_den}",
             lambda m, a, b, w, bn=_bins, d=_den: m.histogram2d(a, b, bins=bn, weights=w,
                                                              density=d),
             np.round(rand((12,), "h2a")), np.round(rand((12,), "h2b")),
             np.abs(rand((12,), "h2w")), diff=(2,), np_dtype=True, fd=False)
for _bins in [(2, 2, 2), [np.array([-5, 0, 4]), np.array([-4, -1, 2]), np.array([-6, -1, 4])]]:
    for _den in (False, True):
        case(f"histogramdd-{'n' if isinstance(_bins, tuple) else 'edges'}-{_den}",
             lambda m, a, w, bn=_bins, d=_den: m.histogramdd(a, bins=bn, weights=w, density=d),
             np.round(rand((10, 3), "hda")), np.abs(rand((10,), "hdw")), diff=(1,),
             np_dtype=True, fd=False)

for _shape in [(4,), (3, 4), (2, 1, 4), (2, 3, 4)]:
    for _axis in (-1, *range(len(_shape) - 1)):
        case(f"lexsort-{_shape}-{_axis}", lambda m, x, a=_axis: m.lexsort(x, axis=a),
             np.round(rand(_shape, "lx")),
             cupy_refuses="lexsort" if len(_shape) > 2 or _axis != -1 else None)
for _shape in [(4,), (3, 4), (2, 3, 4)]:
    for _axis in range(-len(_shape), len(_shape)):
        for _kth in sorted({-_shape[_axis], -1, 0, _shape[_axis] - 1}):
            # distinct values, and sorted slices on either side of kth: partitions are not unique
            case(f"partition-{_shape}-{_axis}-{_kth}",
                 lambda m, x, k=_kth, a=_axis: m.sort(m.partition(x, k, axis=a), axis=a),
                 rand(_shape, "pt"))
            case(f"argpartition-{_shape}-{_axis}-{_kth}",
                 lambda m, x, k=_kth, a=_axis: m.take(m.take_along_axis(
                     x, m.argpartition(x, k, axis=a), axis=a), np.array([k]), axis=a),
                 rand(_shape, "apt"))
case("sort_complex", lambda m, x: m.sort_complex(x), np.round(rand((6,), "sc")), fd=False)
case("sort_complex-distinct", lambda m, x: m.sort_complex(x), rand((6,), "scd"))

for _shape in [(4,), (3, 4), (3, 1), (2, 1, 4)]:
    for _order in ("C", "F"):
        for _mode in ("wrap", "clip"):
            _mi = tuple(ints(nd * (3,), -1, d + 1, _shape, nd) for nd, d in enumerate(_shape))
            case(f"ravel_multi_index-{_shape}-{_order}-{_mode}",
                 lambda m, *mi, s=_shape, o=_order, md=_mode: m.ravel_multi_index(
                     mi, s, mode=md, order=o), *_mi)
        _mi = tuple(ints((3,), 0, d, _shape, "r", k) for k, d in enumerate(_shape))
        case(f"ravel_multi_index-{_shape}-{_order}-raise",
             lambda m, *mi, s=_shape, o=_order: m.ravel_multi_index(mi, s, order=o), *_mi,
             jax=_shape == (3, 4) and _order == "C")  # JAX: op by op, slow
        case(f"unravel_index-{_shape}-{_order}",  # (JAX has no order=: C's)
             lambda m, i, s=_shape, o=_order: m.unravel_index(
                 i, s, **({} if m is jnp else {"order": o})),
             ints((2, 3), 0, math.prod(_shape), _shape, "u"), np_ref=_order == "F")

for _n in range(5):
    for _k in (-3, 0, 2):
        for _m in (None, 0, 3):
            case(f"tri-{_n}-{_k}-{_m}", lambda m, n=_n, k=_k, M=_m: m.tri(n, M=M, k=k),
                 np_dtype=True)  # NumPy's float64 (jax.numpy's tri defaults to float32)
            case(f"tril_indices-{_n}-{_k}-{_m}",
                 lambda m, n=_n, k=_k, M=_m: m.tril_indices(n, k=k, m=M))
            case(f"triu_indices-{_n}-{_k}-{_m}",
                 lambda m, n=_n, k=_k, M=_m: m.triu_indices(n, k=k, m=M))
for _shape in [(1, 1), (2, 3), (3, 2), (4, 4)]:
    for _k in (-1, 0, 1):
        case(f"triu_indices_from-{_shape}-{_k}", lambda m, a, k=_k: m.triu_indices_from(a, k=k),
             rand(_shape, "tif"))
        case(f"tril_indices_from-{_shape}-{_k}", lambda m, a, k=_k: m.tril_indices_from(a, k=k),
             rand(_shape, "tilf"))
for _n in (2, 3, 4):
    for _k in (None, -1, 0, 1):
        for _fn in ("triu", "tril"):
            case(f"mask_indices-{_n}-{_k}-{_fn}",
                 lambda m, n=_n, k=_k, f=_fn: m.mask_indices(n, getattr(m, f),
                                                            **({} if k is None else {"k": k})),
                 jax=_n == 3 and _k is None and _fn == "triu")  # JAX: op by op, slow
for _nd in (0, 1, 4):
    for _n in (0, 1, 7):
        case(f"diag_indices-{_n}-{_nd}", lambda m, n=_n, d=_nd: m.diag_indices(n, d))
for _shape in [(1, 1), (3, 3), (2, 2, 2)]:
    case(f"diag_indices_from-{_shape}", lambda m, a: m.diag_indices_from(a), rand(_shape, "dif"))


def _fill_diagonal(m, a, v, wrap=False):
    if m is jnp:
        return jnp.fill_diagonal(a, v, wrap=wrap, inplace=False)
    a = a * 1.0
    m.fill_diagonal(a, v, wrap=wrap)
    return a


for _as in [(0, 0), (1, 1), (2, 2), (1, 2), (2, 3), (3, 2), (2, 2, 2), (2, 2, 2, 2), (7, 3)]:
    for _vs in [(), (1,), (2,), (3, 2)]:
        case(f"fill_diagonal-{_as}-{_vs}", _fill_diagonal, rand(_as, "fda"), rand(_vs, "fdv"))
case("fill_diagonal-wrap", lambda m, a, v: _fill_diagonal(m, a, v, wrap=True),
     rand((7, 3), "fdw"), rand((2,), "fdwv"))


def _put(m, a, i, v, mode=None):
    if m is jnp:
        return jnp.put(a, i, v, mode=mode, inplace=False)
    a = a * 1.0
    m.put(a, i, v, **({} if mode is None else {"mode": mode}))
    return a


def _put_along_axis(m, a, i, v, axis):
    if m is jnp:
        return jnp.put_along_axis(a, i, v, axis=axis, inplace=False)
    a = a * 1.0
    m.put_along_axis(a, i, v, axis)
    return a


def _place(m, a, k, v):
    if m is jnp:
        return jnp.place(a, k, v, inplace=False)
    a = a * 1.0
    m.place(a, k, v)
    return a


for _as in [(4,), (3, 4), (2, 1, 4)]:
    _size = math.prod(_as)
    for _is in [(), (3,), (2, 2)]:
        for _vs in dict.fromkeys([(), (1,), (3,), _is]):
            for _mode in [None, "wrap", "clip"]:
                _i = _rng(_as, _is, "put").permutation(_size)[:math.prod(_is)].reshape(_is)
                if _mode == "clip" and _i.size > 1:
                    _i = _i.copy()
                    _i.flat[np.argmax(_i)] = _size + 2
                    _i.flat[np.argmin(_i)] = -2
                if _mode == "wrap" and _i.size:
                    _i = _i + np.where(np.arange(_i.size).reshape(_is) == 0, _size, 0)
                case(f"put-{_as}-{_is}-{_vs}-{_mode}",
                     lambda m, a, v, i=_i, md=_mode: _put(m, a, i, v, md),
                     rand(_as, "pa"), rand(_vs, "pv"), jax=_mode is None)
    _mask = ints(_as, 0, 2, "plm").astype(bool)
    for _vs in [(1,), (3,), (_size,)]:
        case(f"place-{_as}-{_vs}", lambda m, a, v, k=_mask: _place(m, a, k, v),
             rand(_as, "pla"), rand(_vs, "plv"), jax=_as == (3, 4))
for _as in [(4,), (3, 4), (2, 3, 4)]:
    for _axis in [*range(-len(_as), len(_as)), None]:
        _n = math.prod(_as) if _axis is None else _as[_axis]
        _ishape = (2,) if _axis is None else tuple(2 if d == _axis % len(_as) else s
                                                   for d, s in enumerate(_as))
        _perm = np.argsort(_rng(_as, _axis, "paa").random(_ishape if _axis is not None else (_n,)),
                           axis=0 if _axis is None else _axis)
        _i = np.take(_perm, np.arange(2), axis=0 if _axis is None else _axis)
        for _vs in [(), (1,), _ishape]:
            case(f"put_along_axis-{_as}-{_axis}-{_vs}",
                 lambda m, a, v, i=_i, ax=_axis: _put_along_axis(m, a, i, v, ax),
                 rand(_as, "paa"), rand(_vs, "pav"))

for _name in ["blackman", "bartlett", "hamming", "hanning", "kaiser"]:
    for _size in [0, 1, 5, 10]:
        for _kw in ([{"beta": 1.0}, {"beta": 0.5}] if _name == "kaiser" else [{}]):
            case(f"{_name}-{_size}-{_kw}", lambda m, n=_size, f=_name, kw=_kw: getattr(m, f)(
                n, **kw), tol=1e-9)
for _shape in [(5,), (0,), (2, 3)]:
    for _trim in ("f", "b", "fb"):
        case(f"trim_zeros-{_shape}-{_trim}", lambda m, x, t=_trim: m.trim_zeros(x, t),
             rand_some_zero(_shape, "tz", _trim), fd=False,  # the kept length moves with x
             jax=_shape == (5,) and _trim == "fb")


# ----------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("c", [c for c in CASES if _selected(c)], ids=lambda c: c.id)
def test_matches_jax(backend, c):
    if backend == "cupy" and c.cupy_refuses:
        with pytest.raises(NotImplementedError, match=c.cupy_refuses):
            c.fn(gnp, *_to_backend(c.args))
        return
    check(c)


# ----------------------------------------------------------------------------- refusals and
# errors: where JAX computes a value and gpuad does not follow, gpuad raises (never a silent
# value); where both refuse (JAX's error tests), gpuad raises too.

_X = np.arange(10.0)

# (call, the error gpuad raises, a pattern of its message, why gpuad does not follow JAX)
REFUSED = {
    "take-out-of-range": (lambda m: m.take(_X, np.array([12])), IndexError, "out of bounds",
                          "NumPy's IndexError; JAX fills NaN (mode='fill' by default)"),
    "take_along_axis-out-of-range": (
        lambda m: m.take_along_axis(_X, np.array([-11, 10]), axis=0), IndexError,
        "out of bounds", "NumPy's IndexError; JAX fills NaN"),
    "take-fill_value": (lambda m: m.take(_X, np.array([12]), mode="fill", fill_value=-1.0),
                        TypeError, "fill_value", "NumPy's signature: x.at[i].get(mode='fill', "
                        "fill_value=...) is the way to JAX's fill"),
    "take_along_axis-mode": (
        lambda m: m.take_along_axis(_X, np.array([-11, 10]), axis=0, mode="clip"), TypeError,
        "mode", "NumPy's signature (clip the indices first)"),
    "compress-size": (lambda m: m.compress(_X > 3, _X, size=3), TypeError, "size",
                      "sizes fixed for jit: gpuad.jit traces value-dependent shapes eagerly"),
    "nonzero-size": (lambda m: m.nonzero(_X, size=3), TypeError, "size", "as compress"),
    "argwhere-size": (lambda m: m.argwhere(_X, size=3), TypeError, "size", "as compress"),
    "flatnonzero-size": (lambda m: m.flatnonzero(_X, size=3), TypeError, "size", "as compress"),
    "extract-size": (lambda m: m.extract(_X > 2, _X, size=3), TypeError, "size", "as compress"),
    "where-size": (lambda m: m.where(_X, size=3), TypeError, "size", "as compress"),
    "delete-assume_unique_indices": (
        lambda m: m.delete(_X, np.array([1, 2]), assume_unique_indices=True), TypeError,
        "assume_unique_indices", "a jit hint; NumPy's signature"),
    "repeat-total_repeat_length": (lambda m: m.repeat(_X, 2, total_repeat_length=20),
                                   TypeError, "total_repeat_length", "a jit hint"),
    "bincount-length": (lambda m: m.bincount(np.array([1, 2]), length=4), TypeError, "length",
                        "NumPy's signature: minlength, then slice"),
    "searchsorted-method": (lambda m: m.searchsorted(_X, 3.0, method="scan"), TypeError,
                            "method", "an XLA lowering choice"),
    "digitize-method": (lambda m: m.digitize(_X, np.array([2.0, 5.0]), method="scan"),
                        TypeError, "method", "an XLA lowering choice"),
    "put-inplace": (lambda m: m.put(_X.copy(), np.array([1]), 5.0, inplace=False), TypeError,
                    "inplace", "gpuad writes in place as NumPy (recorded on Tensors)"),
    "fill_diagonal-inplace": (lambda m: m.fill_diagonal(np.zeros((3, 3)), 5.0, inplace=False),
                              TypeError, "inplace", "as put"),
    "unravel_index-out-of-range": (lambda m: m.unravel_index(np.array([7, -9]), (2, 3)),
                                   ValueError, "out of bounds", "NumPy's error; JAX clips"),
    "bincount-negative": (lambda m: m.bincount(np.array([-1, 2])), ValueError, "negative",
                          "NumPy's error; JAX counts negative values as 0"),
    "histogram-reversed-range": (lambda m: m.histogram(_X, range=(5, 1)), ValueError,
                                 "larger than min", "NumPy's error; JAX bins on the reversed "
                                 "edges"),
    "geomspace-zero": (lambda m: m.geomspace(0.0, 1.0, 3), ValueError, "zero",
                       "NumPy's error; JAX returns NaN"),
    "geomspace-complex-derivative": (
        lambda m: (jax.grad if m is jnp else ad.grad)(lambda a: m.sum(m.real(m.geomspace(
            a, 2.0 + 1j, 4))))(np.array(1.0 + 1j)), TypeError, "complex endpoints",
        "the derivative of complex endpoints is not implemented (real ones are)"),
    "ediff1d-unsafe-cast": (lambda m: m.ediff1d(np.arange(3), to_end=np.array([1.5])),
                            TypeError, "to_end", "NumPy's error; JAX casts 1.5 to 1"),
}

# errors of JAX's tests that gpuad shares (the class, and a pattern of gpuad's message)
BOTH_RAISE = {
    "take-from-empty-axis": (lambda m: m.take(np.ones((2, 0, 4)), np.array([0]), axis=1),
                             IndexError, "out of bounds"),
    "take_along_axis-float-indices": (
        lambda m: m.take_along_axis(_X, np.array([3.0]), axis=0), (IndexError, TypeError),
        "integer"),
    "ravel_multi_index-raise": (
        lambda m: m.ravel_multi_index((np.array([3]), np.array([0])), (2, 3)), ValueError,
        "invalid entry"),
    "choose-raise": (lambda m: m.choose(np.array([0, 3]), [np.arange(2.0), np.ones(2)]),
                     ValueError, "invalid entry"),
    "rot90-1d": (lambda m: m.rot90(np.ones(2)), ValueError, "rot90"),
    "trace-same-axes": (lambda m: m.trace(np.ones((2, 3, 2)), axis1=1, axis2=-2), ValueError,
                        "axis"),
    "unwrap-0d": (lambda m: m.unwrap(np.float64(1.0)), ValueError, "one dimensional"),
    "unstack-0d": (lambda m: m.unstack(np.float64(3.0)), ValueError, "unstack"),
    "pad-unsupported-keyword": (lambda m: m.pad(np.array([1, 2, 3]), 1, "edge",
                                                constant_values=0), ValueError,
                                "unsupported keyword arguments for mode 'edge'"),
    "pad-stat-on-constant": (lambda m: m.pad(np.array([1, 2, 3]), 1, "constant",
                                             stat_length=2), ValueError,
                             "unsupported keyword arguments for mode 'constant'"),
    "size-repeated-axis": (lambda m: m.size(np.zeros((2, 3, 4)), (0, -3)), ValueError,
                           "axis"),
    "expand_dims-repeated-axis": (lambda m: m.expand_dims(np.ones((2, 3)), [3, -1]),
                                  ValueError, "repeated axis"),
    "broadcast_to-fewer-dims": (lambda m: m.broadcast_to(np.zeros((3, 4, 5)), (4, 5)),
                                ValueError, "broadcast_to"),
    "split-unequal": (lambda m: m.split(np.zeros(10), 3), ValueError, "split"),
    "take_along_axis-ndim": (lambda m: m.take_along_axis(np.zeros((3, 4)),
                                                         np.zeros((3,), np.int64), axis=0),
                             ValueError, "dimensions"),
    "interp-lengths": (lambda m: m.interp(0.0, np.arange(2.0), np.arange(3.0)), ValueError,
                       "length"),
    "interp-complex-x": (lambda m: m.interp(1j, 1j * np.arange(3.0), np.arange(3.0)),
                         (TypeError, ValueError), "complex"),
    "interp-bad-string": (lambda m: m.interp(0.0, np.arange(3.0), np.arange(3.0),
                                             left="interpolate"), ValueError, "extrapolate"),
    "corrcoef-int-dtype": (lambda m: m.corrcoef(np.arange(5.0), np.arange(5.0), dtype=int),
                           (TypeError, ValueError), "dtype"),
    "cov-int-dtype": (lambda m: m.cov(np.arange(5.0), dtype=int), (TypeError, ValueError),
                      "dtype"),
    "insert-float-index": (lambda m: m.insert(_X, 1.5, 3.0), (TypeError, ValueError),
                           "integer"),
    "delete-float-index": (lambda m: m.delete(_X, np.array([1.5])), (IndexError, ValueError),
                           "integer"),
    "diag-3d": (lambda m: m.diag(np.zeros((2, 2, 2))), ValueError, "diag"),
    "vander-2d": (lambda m: m.vander(np.zeros((2, 2))), ValueError, "one-dimensional"),
    "cross-dimension-4": (lambda m: m.cross(np.ones(4), np.ones(4)), ValueError, "2 or 3"),
    "gradient-too-short": (lambda m: m.gradient(np.ones(1)), ValueError, "too small"),
    "resize-negative": (lambda m: m.resize(_X, (-1,)), ValueError, "non-negative"),
    "partition-kth-out-of-range": (lambda m: m.partition(_X, 10), ValueError, "out of bounds"),
    "piecewise-too-many-functions": (lambda m: m.piecewise(_X, [_X > 1], [1, 2, 3]),
                                     ValueError, "piecewise"),
    "select-lengths": (lambda m: m.select([_X > 1], [_X, _X]), ValueError, "same length"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refusals_are_errors(backend, name):
    call, exc, pattern, _why = REFUSED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        call(jnp)  # JAX computes a value here
    with pytest.raises(exc, match=pattern):
        call(gnp)


@pytest.mark.parametrize("name", sorted(BOTH_RAISE))
def test_errors_as_jax(backend, name):
    call, exc, pattern = BOTH_RAISE[name]
    with pytest.raises(Exception):  # noqa: B017 (JAX's class varies: the message is gpuad's)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(jnp)
    with pytest.raises(exc, match=pattern):
        call(gnp)


def test_inputs_are_left_intact(backend):
    """The calls that write (put, place, fill_diagonal, put_along_axis through a copy) and the
    ones that read many indices leave their arguments as they were."""
    xp = get_backend()
    a, v = rand((3, 4), "keep"), rand((3,), "keepv")
    ga, gv = xp.asarray(a), xp.asarray(v)
    for f in (lambda: _put(gnp, ga, np.array([0, 5, 7]), gv),
              lambda: _place(gnp, ga, a > 0, gv),
              lambda: _fill_diagonal(gnp, ga, gv),
              lambda: gnp.take(ga, np.array([-1, 2]), axis=1, mode="wrap"),
              lambda: gnp.insert(ga, np.array([1, 1]), gv[:2], axis=1),
              lambda: gnp.delete(ga, np.array([0, -1, 0]), axis=1),
              lambda: gnp.interp(gv, xp.asarray(np.sort(v)), gv, left="extrapolate")):
        f()
        np.testing.assert_array_equal(to_numpy(ga), a)
        np.testing.assert_array_equal(to_numpy(gv), v)
