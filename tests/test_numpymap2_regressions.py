"""Regressions found mapping NumPy's einsum, fft and reshape/flat/resize tests
(tests/conformance/test_numpy_gaps2.py): sizes NumPy refuses (floats, booleans) were read with
``int()`` by reshape, np.resize and the transforms' ``n``/``s``; irfftn inverted a repeated
axis in the wrong order; rfftn/irfftn with ``axes=()`` returned the input; the transforms had
no ``out=`` and no deprecation warnings for ``s`` without ``axes``; einsum took the diagonal of
a non-square operand ('ii->i') and ignored invalid ``order=``, ``casting=`` and paths, named
sublist labels unlike NumPy, and read ``optimize=`` as an array; a Tensor had no ``.flat`` and
no ``resize``."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _xp():
    return ad.get_backend().xp


def _t(a, grad=True):
    a = np.asarray(a)
    return ad.tensor(_xp().asarray(a), requires_grad=grad and a.dtype.kind in "fc")


@pytest.mark.parametrize("shape", [(2.0, 6), (True, -1), (np.True_, -1), (np.float64(2), 6),
                                   (2, 6.0)])
def test_reshape_refuses_float_and_bool_sizes(backend, shape):
    """reshape read each size with int(): (2.0, 6) reshaped, and (True, -1) read True as 1;
    NumPy raises TypeError for both."""
    a = _xp().asarray(np.arange(12.0).reshape(4, 3))
    t = _t(np.arange(12.0).reshape(4, 3))
    assert t.reshape(2, 6).shape == (2, 6)  # (an integer reshape first: a cached entry)
    for call in (lambda: gnp.reshape(a, shape), lambda: gnp.reshape(t, shape),
                 lambda: t.reshape(shape), lambda: t.reshape(*shape)):
        with pytest.raises(TypeError, match="integer"):
            call()
    with pytest.raises(TypeError):
        gnp.reshape(a, True)


def test_reshape_integer_like_sizes(backend):
    t = _t(np.arange(12.0))
    r = t.reshape(np.int64(3), _t(np.array(4), grad=False))
    assert r.shape == (3, 4)
    np.testing.assert_array_equal(to_numpy(r), np.arange(12.0).reshape(3, 4))


def test_reshape_copy_false_refuses_a_copy(backend):
    if backend != "numpy":
        pytest.skip("copy=False is checked on NumPy's memory layout")
    a = np.arange(12.0).reshape(4, 3)
    with pytest.raises(ValueError):
        gnp.reshape(a.T, (12,), copy=False)
    assert gnp.reshape(a, (12,), copy=False).shape == (12,)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
def test_fft_refuses_a_float_or_boolean_length(backend, name):
    """fft read n with int(): n=7.0 transformed 7 points; NumPy raises TypeError (also for
    True) and for a float entry of s."""
    x = _xp().asarray(np.arange(8.0))
    f = getattr(gnp.fft, name)
    for n in (7.0, np.float64(7), True):
        with pytest.raises(TypeError):
            f(x, n=n)
    assert f(x, n=np.int64(7)).shape == getattr(np.fft, name)(np.arange(8.0), n=7).shape
    with pytest.raises(TypeError):
        f(x, axis=0.0)


def test_fftfreq_refuses_a_boolean_count(backend):
    """fftfreq(True) gave one frequency; NumPy raises TypeError (ValueError for np.True_, and
    its rfftfreq reads True as 1)."""
    with pytest.raises(TypeError):
        gnp.fft.fftfreq(True)
    for f in (gnp.fft.fftfreq, gnp.fft.rfftfreq):
        with pytest.raises(ValueError):
            f(np.True_)
    np.testing.assert_array_equal(to_numpy(gnp.fft.rfftfreq(True)), np.fft.rfftfreq(True))


@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "rfft2"])
def test_fftn_refuses_float_sizes(backend, name):
    x = _xp().asarray(np.ones((4, 6)))
    with pytest.raises(TypeError):
        getattr(gnp.fft, name)(x, s=(4.0, 3), axes=(0, 1))


def test_irfftn_repeated_axis_order(backend):
    """irfftn ran the inverse transforms of a repeated axis last one first (as fftn does);
    NumPy's irfftn runs them in the order given: s=(10, 20) on axis 0 ends at 20 points, where
    gpuad gave 10 (a wrong shape and wrong values)."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((6, 5, 4)) + 1j * rng.standard_normal((6, 5, 4))
    want = np.fft.irfftn(z, s=(10, 20, 40), axes=(0, 0, 1))
    got = gnp.fft.irfftn(_xp().asarray(z), s=(10, 20, 40), axes=(0, 0, 1))
    assert got.shape == want.shape == (20, 40, 4)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-14)
    want = np.fft.rfftn(z.real, s=(10, 20, 8), axes=(0, 0, 1))  # rfftn: the last one first
    got = gnp.fft.rfftn(_xp().asarray(z.real), s=(10, 20, 8), axes=(0, 0, 1))
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-13)

    def f(zr, zi):
        return gnp.fft.irfftn(zr + 1j * zi, s=(3, 4, 6), axes=(0, 0, 1))

    check_grads(f, (_xp().asarray(z.real), _xp().asarray(z.imag)), order=1,
                modes=("rev", "fwd"))


@pytest.mark.parametrize("name", ["rfftn", "irfftn", "rfft2"])
def test_real_nd_transforms_refuse_empty_axes(backend, name):
    """rfftn/irfftn with axes=() returned the input unchanged (real, untransformed); NumPy
    raises IndexError (there is no last axis for the real transform)."""
    with pytest.raises(IndexError):
        getattr(gnp.fft, name)(_xp().asarray(np.ones((3, 4))), axes=())


def test_fft_out_argument(backend):
    """NumPy 2's out= of the transforms was missing (a TypeError for the keyword)."""
    xp = _xp()
    rng = np.random.default_rng(1)
    y = rng.standard_normal((4, 6)) + 1j * rng.standard_normal((4, 6))
    for name, arg in (("fft", y), ("ifft", y), ("rfft", y.real), ("irfft", y), ("hfft", y),
                      ("ihfft", y.real)):
        want = getattr(np.fft, name)(arg, axis=0)
        out = xp.zeros(want.shape, want.dtype)
        got = getattr(gnp.fft, name)(xp.asarray(arg), axis=0, out=out)
        assert got is out
        np.testing.assert_allclose(to_numpy(out), want, rtol=1e-12, atol=1e-13)
    for name, arg in (("fftn", y), ("ifft2", y), ("rfftn", y.real), ("irfft2", y)):
        want = getattr(np.fft, name)(arg)
        out = xp.zeros(want.shape, want.dtype)
        assert getattr(gnp.fft, name)(xp.asarray(arg), out=out) is out
        np.testing.assert_allclose(to_numpy(out), want, rtol=1e-12, atol=1e-13)
    x = xp.asarray(np.arange(30.0))
    with pytest.raises(TypeError):
        gnp.fft.fft(x, out="")
    with pytest.raises(ValueError):
        gnp.fft.fft(x, out=xp.zeros((5, 6), complex))
    with pytest.raises(TypeError):
        gnp.fft.fft(x, out=xp.zeros(30))  # a complex result into float64


def test_fft_out_tensor_is_differentiable(backend):
    x = _xp().asarray(np.random.default_rng(2).standard_normal(8))

    def f(v):
        out = ad.tensor(_xp().zeros(5, complex))
        r = gnp.fft.rfft(v, out=out)
        assert r is out
        return gnp.abs(r) ** 2

    check_grads(f, (x,), order=1, modes=("rev", "fwd"))


@pytest.mark.parametrize("spec, shp", [("ii->i", (2, 3)), ("ii", (2, 3)), ("iij->ji", (2, 3, 4)),
                                       ("jii->ij", (4, 2, 3)), ("...ii->...i", (5, 2, 3)),
                                       ("ii->i", (1, 3))])
def test_einsum_repeated_index_of_unequal_sizes_raises(backend, spec, shp):
    """einsum('ii->i', t) of a non-square Tensor took the diagonal of its leading square (the
    view path that sums nothing never compared the sizes); NumPy raises ValueError."""
    a = np.arange(float(np.prod(shp))).reshape(shp)
    with pytest.raises(ValueError):
        np.einsum(spec, a)
    for x in (_t(a), _t(a, grad=False), _xp().asarray(a)):
        with pytest.raises(ValueError, match="collapsing index"):
            gnp.einsum(spec, x)
    sub = [0 if c == "i" else 1 for c in spec.split("->")[0].replace("...", "")]
    with pytest.raises(ValueError):  # the sublist form
        gnp.einsum(_t(a), ([Ellipsis] if "..." in spec else []) + sub)


def test_einsum_repeated_index_square_still_a_view(backend):
    a = np.arange(27.0).reshape(3, 3, 3)
    t = _t(a)
    np.testing.assert_array_equal(to_numpy(gnp.einsum("jii->ij", t)),
                                  np.einsum("jii->ij", a))
    check_grads(lambda x: gnp.einsum("i...i->...i", x), (_xp().asarray(a),), order=1,
                modes=("rev", "fwd"))


def test_einsum_checks_order_casting_and_a_given_path(backend):
    """order= and casting= were not checked (order='W', casting='blah' ran), and an invalid
    contraction path given as optimize= was ignored; NumPy raises ValueError, ValueError and
    RuntimeError."""
    a = _xp().asarray(np.ones(3))
    with pytest.raises(ValueError):
        gnp.einsum("i", a, order="W")
    with pytest.raises(ValueError):
        gnp.einsum("i", a, casting="blah")
    rng = np.random.default_rng(3)
    ops = [_xp().asarray(rng.random(s)) for s in ((2, 3), (3, 4), (4, 5), (5, 2))]
    with pytest.raises(RuntimeError):
        gnp.einsum("ab,bc,cd,de->ae", *ops, optimize=["einsum_path", (2, 3), (0, 1)])
    good = ["einsum_path", (0, 1), (0, 1), (0, 1)]
    want = np.einsum("ab,bc,cd,de->ae", *[to_numpy(o) for o in ops])
    np.testing.assert_allclose(to_numpy(gnp.einsum("ab,bc,cd,de->ae", *ops, optimize=good)),
                               want, rtol=1e-12)
    v = [_xp().asarray(rng.random(2)) for _ in range(3)]
    with pytest.raises(RuntimeError):
        gnp.einsum("a,a,a->a", *v, optimize=["einsum_path", (1,), (0, 1)])


def test_resize_refuses_float_sizes(backend):
    """np.resize read the new shape with int(): (2.0, 3) gave a (2, 3) result; NumPy raises
    TypeError."""
    a = _xp().asarray(np.eye(3))
    for s in ((2.0, 3), 2.5, True, (True, 2)):  # ((True, 2) was made an array: (1, 2))
        with pytest.raises(TypeError):
            gnp.resize(a, s)
    np.testing.assert_array_equal(to_numpy(gnp.resize(a, (2, 5))), np.resize(np.eye(3), (2, 5)))


A20 = np.arange(20.0).reshape(4, 5)


@pytest.mark.parametrize("idx", [12, -1, slice(None), slice(2, 9, 3), [0, 5, 19],
                                 np.array([[1, 2], [3, 4]]), np.array([True, False] * 10),
                                 np.int64(7), Ellipsis])
def test_tensor_flat_reads(backend, idx):
    """Tensor had no .flat (NumPy code reading t.flat[i] raised AttributeError)."""
    t = _t(A20)
    want = A20.flat[idx]
    got = t.flat[idx]
    assert isinstance(got, ad.Tensor) and got.shape == np.shape(want)
    np.testing.assert_array_equal(to_numpy(got), want)
    check_grads(lambda x: x.flat[idx] * 1.0, (_xp().asarray(A20),), order=1,
                modes=("rev", "fwd"))
    s = t[::2, ::2]  # not contiguous: flat positions are C order of the view
    np.testing.assert_array_equal(to_numpy(s.flat[np.array([0, 5])]), A20[::2, ::2].flat[[0, 5]])


@pytest.mark.parametrize("idx", [20, -21, None, (0, 1)])
def test_tensor_flat_refuses_as_numpy(backend, idx):
    with pytest.raises(IndexError):
        A20.flat[idx]
    with pytest.raises(IndexError):
        _t(A20).flat[idx]


@pytest.mark.parametrize("idx, v", [(12, 100.0), ([0, 5], [1.0, 2.0]), (slice(None, None, 3), -1.0),
                                    (np.array([True, False] * 10), [7.0, 8.0, 9.0]),
                                    (slice(None), np.arange(3.0)), ([1, 1, 2], [4.0, 5.0, 6.0])])
def test_tensor_flat_writes(backend, idx, v):
    """t.flat[idx] = v: NumPy's positions, the values repeated in C order to fill them (a
    repeated position keeps the last), recorded: the gradient reaches both t and v."""
    want = A20.copy()
    want.flat[idx] = v

    def f(x, w):
        y = x * 1.0
        y.flat[idx] = w
        return y

    t = _t(A20)
    got = f(t, _t(v))
    np.testing.assert_array_equal(to_numpy(got), want)
    np.testing.assert_array_equal(to_numpy(t), A20)
    check_grads(f, (_xp().asarray(A20), _xp().asarray(np.asarray(v, float))), order=1,
                modes=("rev", "fwd"))


def test_tensor_flat_iteration_and_attributes(backend):
    t = _t(A20)
    it = t.flat
    assert len(it) == 20 and it.base is t and it.index == 0 and it.coords == (0, 0)
    vals = [float(to_numpy(v)) for v in it]
    assert vals == list(A20.flat)
    assert it.index == 20
    with pytest.raises(AttributeError):
        it.index = 3
    c = t.flat.copy()
    assert c.shape == (20,)
    np.testing.assert_array_equal(to_numpy(c), A20.ravel())
    r = t.flat[3]
    t2 = t * 1.0
    r2 = t2.flat[3]
    t2[0, 3] = -1.0  # a read of t.flat is a copy, as NumPy's: it keeps the old value
    assert float(to_numpy(r2)) == float(to_numpy(r)) == 3.0
    z = _t(np.array(2.0)) * 1.0
    z.flat[0] = 5.0
    assert float(to_numpy(z)) == 5.0


@pytest.mark.parametrize("name", ["fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2"])
def test_fftn_warns_as_numpy_on_s_without_axes(backend, name):
    """s without axes, and a None in s, are deprecated in NumPy 2.0 (a DeprecationWarning:
    their meaning will change); gpuad read them silently."""
    x = _xp().asarray(np.arange(100.0).reshape(10, 10))
    f = getattr(gnp.fft, name)
    with pytest.warns(DeprecationWarning, match="should not be `None` if `s`"):
        r = f(x, s=(-1, 5), axes=None)
    with pytest.warns(DeprecationWarning, match="containing `None` values to `s`"):
        f(x, s=(10, None), axes=(0, 1))
    with pytest.warns(DeprecationWarning):
        want = getattr(np.fft, name)(np.arange(100.0).reshape(10, 10), s=(-1, 5), axes=None)
    np.testing.assert_allclose(to_numpy(r), want, rtol=1e-12, atol=1e-12)


def test_hfftn_s_alone_does_not_warn(backend):
    import warnings

    x = _xp().asarray(np.arange(12.0).reshape(3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gnp.fft.hfftn(x, s=(3, 6)).shape == (3, 6)
        assert gnp.fft.ihfftn(x, s=(3, 4)).shape == (3, 3)


@pytest.mark.parametrize("args", [((5, 5),), (3,), (None,), (), ((),), (3, 2, 1), (2, 3, 3)])
def test_tensor_resize_in_place(backend, args):
    """Tensor had no ndarray.resize (NumPy code calling t.resize(...) raised AttributeError):
    the new shape in place, the first elements kept in C order, new ones zeros."""
    want = np.eye(3)
    want.resize(*args, refcheck=False)
    t = ad.tensor(_xp().asarray(np.eye(3)))
    assert t.resize(*args) is None
    assert t.shape == want.shape
    np.testing.assert_array_equal(to_numpy(t), want)


def test_tensor_resize_refusals(backend):
    t = ad.tensor(_xp().asarray(np.eye(3)))
    for args, kw, exc in [(("hi",), {}, TypeError), ((-1,), {}, ValueError),
                          ((), {"order": 1}, TypeError), ((), {"refcheck": "hi"}, TypeError),
                          ((2.0, 3), {}, TypeError)]:
        with pytest.raises(exc):
            t.resize(*args, **kw)
    with pytest.raises(RuntimeError, match="requires grad"):
        _t(np.eye(3)).resize(2, 2)


def test_tensor_flat_item_deletion_raises(backend):
    with pytest.raises(TypeError):
        del _t(A20).flat[1]


def test_einsum_path_sublist_labels_are_numpys(backend):
    """The sublist form named labels 0..25 'a'..'z' (NumPy: 'A'..'Z', then 'a'..'z'), so
    einsum_path's report of a sublist call differed from NumPy's."""
    x = _xp().asarray(np.ones((1,) * 27))
    report = gnp.einsum_path(x, list(range(27)))[1]
    want = np.einsum_path(np.ones((1,) * 27), list(range(27)))[1]
    assert report.split("->")[-1].strip() == want.split("->")[-1].strip()
    assert report.split("->")[-1].strip().startswith("ABC")


def test_einsum_optimize_path_is_not_made_an_array(backend):
    """optimize= was read as an array argument: ('greedy', 0) and a path list became arrays
    (NumPy: "Did not understand the path")."""
    rng = np.random.default_rng(4)
    ops = [_xp().asarray(rng.random(s)) for s in ((2, 3), (3, 4), (4, 5))]
    hops = [to_numpy(o) for o in ops]
    for opt in (("greedy", 0), ("optimal", 0), ["einsum_path", (0, 1), (0, 1)]):
        path = gnp.einsum_path("ab,bc,cd->ad", *ops, optimize=opt)[0]
        assert path == np.einsum_path("ab,bc,cd->ad", *hops, optimize=opt)[0]
        np.testing.assert_allclose(to_numpy(gnp.einsum("ab,bc,cd->ad", *ops, optimize=opt)),
                                   np.einsum("ab,bc,cd->ad", *hops), rtol=1e-12)


def test_out_that_is_no_array_raises_type_error(backend):
    """einsum(..., out='test') raised AttributeError ('str' object has no attribute 'dtype');
    NumPy raises TypeError."""
    with pytest.raises(TypeError):
        gnp.einsum("i->", _xp().asarray(np.ones(3)), out="test")
    with pytest.raises(TypeError):
        gnp.fft.fft(_xp().asarray(np.ones(3)), out=[0, 0, 0])
    a = _xp().asarray(np.arange(4.0))
    for f in (lambda: gnp.einsum("i->", a, out=(None,)), lambda: gnp.cumsum(a, out=(None,))):
        with pytest.raises(TypeError):  # (was AttributeError: None has no dtype)
            f()
    np.testing.assert_array_equal(to_numpy(gnp.clip(a, 1, 2, out=(None,))),
                                  np.clip(np.arange(4.0), 1, 2))  # a ufunc: a new array


@pytest.mark.parametrize("shape", [(3, 4), (0, 3), (), (2, 3, 4)])
def test_tensor_flat_coords_follow_numpy(backend, shape):
    """flat.coords of an empty Tensor gave its shape (NumPy: zeros), and past the end it must
    be NumPy's one-past-the-last row."""
    for k in range(int(np.prod(shape)) + 1):
        it, it2 = np.zeros(shape).flat, ad.tensor(_xp().zeros(shape)).flat
        for _ in range(k):
            next(it)
            next(it2)
        assert it2.coords == it.coords and it2.index == it.index


def test_reshape_order_of_the_wrong_type_raises_type_error(backend):
    """order=1 raised ValueError; NumPy raises TypeError (a non-string order), and
    ValueError for a string it does not know."""
    t = _t(np.arange(12.0))
    with pytest.raises(TypeError):
        t.reshape(3, 4, order=1)
    with pytest.raises(TypeError):
        gnp.reshape(_xp().asarray(np.arange(12.0)), (3, 4), order=1)
    for o in ("K", "W"):
        with pytest.raises(ValueError):
            t.reshape(3, 4, order=o)


def test_tensor_flat_assignment_with_an_empty_tuple_raises(backend):
    """t.flat[()] = v wrote every element (the read flat[()] is the whole array); NumPy
    refuses the assignment (IndexError: a 0-D index)."""
    a = np.arange(9.0).reshape(3, 3)
    with pytest.raises(IndexError):
        a.flat[()] = 70.0
    y = _t(a) * 1.0
    with pytest.raises(IndexError):
        y.flat[()] = 70.0
    np.testing.assert_array_equal(to_numpy(y), a)
    np.testing.assert_array_equal(to_numpy(y.flat[()]), a.ravel())
