"""Regressions found by the sweep of NumPy's callables on Tensors
(tests/test_numpy_callable_sweep.py): a silent constant, a stale value under jit, wrong or
misleading errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

W = np.array([1.0, 2.0, 3.0])


def _xp():
    return ad.get_backend().xp


def _t(a, grad=True):
    return ad.tensor(_xp().asarray(np.asarray(a, dtype=float)), requires_grad=grad)


def test_copyto_from_a_leaf_is_recorded(backend):
    """numpy.copyto(dst, leaf) gave dst the leaf's (empty) history: dst became a constant and
    the gradient of the leaf was silently 0 (grad of sum(w * dst) w.r.t. src is w)."""
    def f(a, b):
        a = a * 1.0
        np.copyto(a, b)
        return gnp.sum(a * _xp().asarray(W))

    ga, gb = ad.grad(f, argnums=(0, 1))(_xp().ones(3), _xp().ones(3))
    np.testing.assert_allclose(to_numpy(ga), 0.0)
    np.testing.assert_allclose(to_numpy(gb), W)
    # forward mode: the tangent of dst is the tangent of src
    _, tan = ad.jvp(lambda a, b: (lambda c: (np.copyto(c, b), c)[1])(a * 1.0),
                    (_xp().ones(3), _xp().ones(3)), (_xp().zeros(3), _xp().asarray(W)))
    np.testing.assert_allclose(to_numpy(tan), W)


def test_copyto_of_a_leaf_keeps_requires_grad(backend):
    a0, b = _t([1.0, 1.0, 1.0]), _t([2.0, 3.0, 4.0])
    a = a0 * 1.0
    np.copyto(a, b)
    assert a.requires_grad
    gnp.sum(a * _xp().asarray(W)).backward()
    np.testing.assert_allclose(to_numpy(b.grad), W)
    assert a0.grad is None or not np.any(to_numpy(a0.grad))  # overwritten: no contribution


def test_array2string_under_jit_is_refused_not_stale(backend):
    """numpy.array2string on a traced Tensor returned the traced call's string on every later
    call (jit(f)(zeros) gave '[1. 1.]')."""
    f = ad.jit(lambda v: np.array2string(v))
    with pytest.raises(Exception, match="array2string"):
        f(_xp().ones(2))
    assert np.array2string(_t([1.0, 2.0])) == "[1. 2.]"  # eagerly: the values


def test_transpose_none_reverses_the_axes(backend):
    """Tensor.transpose(None) (NumPy's a.transpose(None), which numpy.ma.transpose calls)
    raised 'axes must be integers, got None'."""
    t = _t(np.arange(6.0).reshape(2, 3))
    assert t.transpose(None).shape == (3, 2)
    r = np.ma.transpose(t)
    assert isinstance(r, ad.Tensor) and r.shape == (3, 2)
    g = ad.grad(lambda v: gnp.sum(v.transpose(None) * _xp().asarray(np.arange(6.0).reshape(3, 2))))(
        _xp().zeros((2, 3)))
    np.testing.assert_allclose(to_numpy(g), np.arange(6.0).reshape(3, 2).T)


def test_convolve_takes_numpys_integer_modes(backend):
    """numpy.convolve(a, v, 0) (NumPy's integer modes 0, 1, 2) raised naming correlate."""
    a, v = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0])
    for mode in (0, 1, 2):
        r = np.convolve(_t(a), _xp().asarray(v), mode)
        np.testing.assert_allclose(to_numpy(r), np.convolve(a, v, mode))
        r = np.correlate(_t(a), _xp().asarray(v), mode)
        np.testing.assert_allclose(to_numpy(r), np.correlate(a, v, mode))
    with pytest.raises(ValueError, match="^convolve: mode"):
        gnp.convolve(_t(a), _xp().asarray(v), 3)


def test_trim_zeros_of_a_0d_tensor(backend):
    """numpy.trim_zeros of a 0-d array returns it (NumPy); gpuad raised 'Calling nonzero on
    0d arrays' without naming trim_zeros."""
    t = _t(2.0)
    r = np.trim_zeros(t)
    assert r.shape == () and float(r) == 2.0
    assert float(ad.grad(lambda v: gnp.trim_zeros(v) * 3.0)(_xp().asarray(2.0))) == 3.0


# ---- errors that named another function, or advised one of other semantics ----------------


def test_numpy_tri_names_tri_not_arange(backend):
    if backend != "numpy":
        pytest.skip("NumPy's own functions on NumPy-backed Tensors")
    n = _t(3.0)
    for f, name in ((np.tri, "numpy.tri "), (np.tril_indices, "numpy.tril_indices ")):
        with pytest.raises(TypeError) as e:
            f(n)
        assert str(e.value).startswith(name), str(e.value)[:120]
        assert "arange" not in str(e.value)


def test_numpy_c_conversions_name_the_function(backend):
    """numpy.ascontiguousarray(t) and friends gave the message of numpy.asarray."""
    if backend != "numpy":
        pytest.skip("NumPy's own functions on NumPy-backed Tensors")
    t = _t([1.0, 2.0])
    for f in (np.ascontiguousarray, np.asanyarray, np.asfortranarray):
        with pytest.raises(TypeError, match=rf"^numpy\.{f.__name__} .*gpuad\.numpy\."
                                            rf"{f.__name__}"):
            f(t)
    with pytest.raises(TypeError, match=r"^numpy\.maximum\.reduce .*gnp\.stack"):
        np.maximum.reduce([t, t])
    with pytest.raises(TypeError, match="^a Tensor .*numpy.asarray"):
        np.asarray(t)  # (numpy.asarray itself keeps the general message)


def test_isfortran_names_itself_not_cupy(backend):
    """numpy.isfortran(t) reads t.flags: the AttributeError advised CuPy's copyto."""
    if backend != "numpy":
        pytest.skip("NumPy's own functions on NumPy-backed Tensors")
    with pytest.raises(AttributeError, match="numpy.isfortran") as e:
        np.isfortran(_t([1.0, 2.0]))
    assert "copyto" not in str(e.value)


def test_numpy_ma_through_view_names_the_function(backend):
    """numpy.ma.clip(t, ...) (t.view(MaskedArray)) advised .astype(dtype)."""
    if backend != "numpy":
        pytest.skip("NumPy's own functions on NumPy-backed Tensors")
    t = _t([0.2, 0.5, 0.9])
    for f, args in ((np.ma.clip, (0.3, 0.8)), (np.ma.squeeze, ()), (np.ma.resize, (2,))):
        with pytest.raises(TypeError, match=rf"^numpy\.ma\.{f.__name__} .*no masked arrays") \
                as e:
            f(t, *args)
        assert "astype" not in str(e.value)
    with pytest.raises(TypeError, match="cannot become a NumPy array"):
        t.view(np.ma.MaskedArray)


def test_numpy_ma_names_the_function_called(backend):
    """numpy.ma.sometrue named numpy.ma.alltrue (another bound reduce of the same code), and
    numpy.ma.median([a, b]) named numpy.ma.getdata (gpuad's guard in between)."""
    if backend != "numpy":
        pytest.skip("NumPy's own functions on NumPy-backed Tensors")
    t = _t([0.2, 0.5, 0.9])
    with pytest.raises(TypeError, match=r"^numpy\.ma\.sometrue "):
        np.ma.sometrue(t)
    with pytest.raises(TypeError, match=r"^numpy\.ma\.alltrue "):
        np.ma.alltrue(t)
    with pytest.raises(TypeError, match=r"^numpy\.ma\.median "):
        np.ma.median([t, t])


def test_emath_of_a_list_of_tensors_names_emath(backend):
    if backend != "numpy":
        pytest.skip("NumPy's own functions on NumPy-backed Tensors")
    t = _t([0.2, 0.5, 0.9])
    with pytest.raises(TypeError, match=r"^numpy\.lib\.scimath\.sqrt .*no numpy\.emath"):
        np.emath.sqrt([t, t])


def test_elementwise_op_with_a_list_argument_differentiates(backend):
    """numpy.arctan2([0, 1, 1], t) kept the list in the derivative formula (TypeError: can't
    multiply sequence by non-int); numpy.power([0, 1, 1], t) gave a NaN gradient at the base 0
    (d/de 0**e = 0 for e > 0), numpy.matmul([0, 1, 1], t) an IndexError in backward."""
    e = _xp().asarray(np.array([0.3, 0.5, 0.7]))
    y = np.array([0.0, 1.0, 2.0])
    g = ad.grad(lambda v: gnp.sum(np.arctan2([0.0, 1.0, 2.0], v)))(e)
    np.testing.assert_allclose(to_numpy(g), -y / (to_numpy(e) ** 2 + y ** 2))
    g = ad.grad(lambda v: gnp.sum(gnp.power([0.0, 1.0, 2.0], v)))(e)
    np.testing.assert_allclose(to_numpy(g), [0.0, 0.0, 2.0 ** 0.7 * np.log(2.0)])
    g = ad.grad(lambda v: np.matmul([0.0, 1.0, 2.0], v))(e)
    np.testing.assert_allclose(to_numpy(g), y)
    _, tan = ad.jvp(lambda v: gnp.arctan2([0.0, 1.0, 2.0], v), (e,), (_xp().ones(3),))
    np.testing.assert_allclose(to_numpy(tan), -y / (to_numpy(e) ** 2 + y ** 2))


def test_geomspace_under_vmap_with_start_and_stop_of_different_ranks(backend):
    """vmap of geomspace(start (3, 3), stop (3,)) raised 'operands could not be broadcast
    together with shapes (2,3,3) (2,3)' from its zero check, which saw both batches at once."""
    s = np.array([[[0.5, 1.0, 2.0]] * 3, [[1.5, 2.0, 3.0]] * 3])
    e = np.array([[2.0, 3.0, 4.0], [4.0, 5.0, 6.0]])
    r = ad.vmap(lambda a, b: gnp.geomspace(a, b, 4))(_xp().asarray(s), _xp().asarray(e))
    want = np.stack([np.geomspace(s[k], e[k], 4) for k in range(2)])
    np.testing.assert_allclose(to_numpy(r), want, rtol=1e-12)
    s[1, 0, 0] = 0.0
    with pytest.raises(ValueError, match="geomspace: .*zero"):
        ad.vmap(lambda a, b: gnp.geomspace(a, b, 4))(_xp().asarray(s), _xp().asarray(e))
