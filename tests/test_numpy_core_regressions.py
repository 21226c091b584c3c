"""Regressions found by porting NumPy's core tests (numpy/_core/tests) to gpuad.numpy
(tests/conformance/test_numpy_core_suite.py): each checked against NumPy's own answer."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _xp():
    return ad.get_backend().xp


def _t(a, grad=True):
    return ad.tensor(_xp().asarray(a), requires_grad=grad)


def test_isclose_tolerances_as_tensors(backend):
    """``isclose(t, b, rtol=<Tensor>)`` recursed until RecursionError: the Tensor tolerance
    went to the backend's isclose, which dispatched back to gnp.isclose."""
    a, b, rtol = np.array([1.0, 2.0]), np.array([1.1, 2.5]), np.array([0.2, 0.1])
    got = gnp.isclose(_t(a), _t(b), rtol=_t(rtol), atol=_t(np.array(0.0)))
    np.testing.assert_array_equal(to_numpy(got), np.isclose(a, b, rtol=rtol, atol=0.0))
    assert gnp.allclose(_t(a), _t(b), rtol=_t(np.array(0.3))) is True


@pytest.mark.parametrize("spec, shape", [("ij", (4,)), ("i", (2, 2)), ("ijk->kji", (2, 3)),
                                         ("i->ii", (3,)), ("i->j", (3,)), ("i.->i", (3,))])
def test_einsum_subscripts_checked_against_ranks(backend, spec, shape):
    """A single Tensor operand whose subscripts only permute or take diagonals is a view, and
    that path made none of NumPy's checks: ``einsum('ij', <1-d Tensor>)`` returned the
    vector, ``einsum('i', <2-d Tensor>)`` the matrix. Every form raises NumPy's ValueError."""
    x = np.arange(float(np.prod(shape))).reshape(shape)
    with pytest.raises(ValueError):
        np.einsum(spec, x)
    for v in (_xp().asarray(x), _t(x), _t(x, grad=False)):
        with pytest.raises(ValueError, match="einsum"):
            gnp.einsum(spec, v)


@pytest.mark.parametrize("fn", ["stack", "hstack"])
def test_stacking_nothing(backend, fn):
    """``stack([])`` and ``hstack([])`` raised IndexError (list index out of range); NumPy:
    ValueError, need at least one array."""
    with pytest.raises(ValueError, match="at least one array"):
        getattr(gnp, fn)([])


def test_positive_of_complex_infinities_and_signed_zeros(backend):
    """``positive`` was ``x * 1``: for complex values a complex product, so inf+0j gave
    inf+nanj and -0-0j gave 0-0j. NumPy's positive returns the value itself."""
    z = np.array([complex(np.inf, 0), complex(0, -np.inf), complex(-0.0, -0.0), 1 + 2j])
    for v in (_xp().asarray(z), _t(z)):
        got = to_numpy(gnp.positive(v))
        assert got.dtype == z.dtype
        np.testing.assert_array_equal(got, z)
        np.testing.assert_array_equal(np.signbit(got.real), np.signbit(z.real))


_OUT_CALLS = {
    "clip": lambda m, a, o: m.clip(a, 0, 3, out=o),
    "around": lambda m, a, o: m.around(a, 1, out=o),
    "fix": lambda m, a, o: m.fix(a, out=o),
    "std": lambda m, a, o: m.std(a, axis=0, out=o),
    "ptp": lambda m, a, o: m.ptp(a, axis=0, out=o),
    "outer": lambda m, a, o: m.outer(a[0], a[1], out=o),
    "dot": lambda m, a, o: m.dot(a, a, out=o),
    "einsum": lambda m, a, o: m.einsum("ij,jk", a, a, out=o),
    "concatenate": lambda m, a, o: m.concatenate([a[:1], a[1:]], out=o),
    "stack": lambda m, a, o: m.stack([a[0], a[1]], out=o),
    "vecdot": lambda m, a, o: m.vecdot(a, a, out=o),
    "matvec": lambda m, a, o: m.matvec(a, a[0], out=o),
}


@pytest.mark.parametrize("name", sorted(_OUT_CALLS))
def test_float_results_not_truncated_into_integer_out(backend, name):
    """A float result written with out= into an integer array was truncated silently
    (``clip([[1.5, 2.25], ...], 0, 3, out=<int>)`` gave [[1, 2], ...]); NumPy refuses by its
    casting rule (same_kind for ufuncs and concatenate, safe for einsum, the exact dtype for
    dot). An out= the rule allows still receives the values."""
    f = _OUT_CALLS[name]
    a = np.array([[1.5, 2.25], [3.5, -4.75]])
    want = f(np, a, None)
    err = ValueError if name == "dot" else TypeError
    with pytest.raises(err):
        f(np, a, np.zeros(want.shape, np.int64))
    for out in (_xp().zeros(want.shape, np.int64), ad.tensor(_xp().zeros(want.shape, np.int64))):
        with pytest.raises(err, match=name):
            f(gnp, _xp().asarray(a), out)
        np.testing.assert_array_equal(to_numpy(out), 0)
    out = _xp().zeros(want.shape)
    assert f(gnp, _xp().asarray(a), out) is out
    np.testing.assert_allclose(to_numpy(out), want)


@pytest.mark.parametrize("index", [([0, 0, 0], [False, True]), ([0, 0, 0], [True, False]),
                                   (np.array([[0, 0, -1]]), np.array([False, True]))])
def test_write_with_repeated_integers_beside_a_mask(backend, index):
    """``y[[0, 0, 0], mask] = v`` names one position three times; NumPy keeps the last write,
    so v's gradient there is the cotangent once. An index holding a mask was taken to never
    repeat, and v's gradient counted every write (3 instead of 1)."""
    index = tuple(np.asarray(i) for i in index)
    shp = (1, 2, 3)
    u = np.arange(1.0, 7.0).reshape(shp)
    x = ad.tensor(_xp().asarray(np.zeros(shp)), requires_grad=True)
    v = ad.tensor(_xp().asarray(np.array(2.0)), requires_grad=True)
    y = x * 1
    y[tuple(_xp().asarray(i) for i in index)] = v
    gnp.sum(y * _xp().asarray(u)).backward()
    hit = np.zeros(shp, bool)
    hit[index] = True
    np.testing.assert_array_equal(to_numpy(v.grad), u[hit].sum())
    np.testing.assert_array_equal(to_numpy(x.grad), np.where(hit, 0.0, u))


def test_shape_ndim_size_of_nested_lists(backend):
    """``gnp.shape([[1, 2, 3], [4, 5, 6]])`` was () (size 1, ndim 0): a list has no .shape,
    and its shape was taken to be a scalar's. NumPy's is (2, 3); ragged lists raise."""
    rows = [[1.0, 5, 3], [2, 4, 0.5]]
    assert gnp.shape(rows) == np.shape(rows) == (2, 3)
    assert gnp.ndim(rows) == 2 and gnp.size(rows) == 6 and gnp.size(rows, 1) == 3
    assert gnp.shape([]) == (0,) and gnp.shape(((1, 2),)) == (1, 2)
    assert gnp.shape([_t(np.ones(3)), _t(np.zeros(3))]) == (2, 3)
    with pytest.raises(ValueError, match="inhomogeneous"):
        gnp.shape([[1, 2], [3]])


def test_tensordot_with_more_axes_than_the_inputs(backend):
    """``tensordot(a, b, axes=3)`` of 2-d inputs failed inside transpose ("axes don't match
    array"); it names tensordot and the shapes now."""
    with pytest.raises(ValueError, match="tensordot: axes=3"):
        gnp.tensordot(_xp().ones((2, 3)), _xp().ones((3, 2)), axes=3)


@pytest.mark.parametrize("spec, shapes", [("cd...d,...", [(3, 1, 1, 1), (3,)]),
                                          ("ij,j->", [(2, 1), (3,)]),
                                          ("ii,i->i", [(1, 1), (3,)]),
                                          ("ca,cba,d->c", [(1, 1), (1, 2, 3), (2,)])])
def test_einsum_gradient_through_a_broadcast_axis(backend, spec, shapes):
    """NumPy's einsum broadcasts an axis of size 1 against the other operands'; the vjp of
    an operand with such an axis and a subscript summed away ('ij,j->' with a (2, 1) first
    operand) reshaped the (3,)-long adjoint into (1, 1) and raised; the other way round
    ('ca,cba,d->c': the adjoint of the second operand has a = 1 from the first) too."""
    from gpuad.testing import check_grads

    ops = [np.random.RandomState(0).standard_normal(s) for s in shapes]
    np.testing.assert_allclose(to_numpy(gnp.einsum(spec, *[_t(o) for o in ops])),
                               np.einsum(spec, *ops), rtol=1e-12)
    check_grads(lambda *a: gnp.einsum(spec, *a), tuple(_xp().asarray(o) for o in ops),
                order=2, modes=("rev", "fwd"))


def test_array_split_into_no_sections(backend):
    """``array_split(x, 0)`` raised ZeroDivisionError; NumPy: ValueError."""
    with pytest.raises(ValueError, match="array_split"):
        gnp.array_split(_xp().arange(7.0), 0)


def test_sign_of_complex_keeps_signed_zero_parts(backend):
    """``sign(-0+1j)`` was 0+1j and ``sign(-1-0j)`` -1+0j: z / |z| divided by |z| + 0j, a
    complex quotient that turns -0.0 parts into +0.0. NumPy keeps them."""
    z = np.array([complex(-0.0, 1), complex(-1, -0.0), complex(3, -4), complex(-np.inf, -0.0),
                  complex(-0.0, -0.0)])
    want = np.sign(z)
    for v in (_xp().asarray(z), _t(z)):
        got = to_numpy(gnp.sign(v))
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got.real), np.signbit(want.real))
        np.testing.assert_array_equal(np.signbit(got.imag), np.signbit(want.imag))


def test_exp2_of_complex_infinities(backend):
    """``exp2`` of complex values was ``power(2, z)``, a complex product z * (ln 2 + 0j) where
    an infinite part makes the other NaN: exp2(inf+0j) gave inf+nanj (NumPy: inf+0j), and
    exp2(-0-0j) 1+0j (NumPy: 1-0j). Its derivative is 2**z ln 2."""
    z = np.array([complex(np.inf, 0), complex(-np.inf, 1), complex(-0.0, -0.0), 1 + 2j],
                 np.complex128)
    with np.errstate(all="ignore"):
        want = np.exp2(z)
    for v in (_xp().asarray(z), _t(z)):
        got = to_numpy(gnp.exp2(v))
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got.imag), np.signbit(want.imag))
    from gpuad.testing import check_grads

    check_grads(gnp.exp2, (_xp().asarray(np.array([0.3 + 1j, -1.2 - 0.5j])),), order=2)
