"""Views as torch has them: results that are views in torch but copies in gpuad refuse
writes instead of silently missing the tensor they came from (``z.H``/``z.mH`` of a complex
``z``, an index by a NumPy integer or a 0-d integer array or Tensor), ``x.diag()`` of a
matrix is torch's copy, and a view of a leaf made under ``no_grad`` refuses a write with grad
enabled."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _t(a, rg=False):
    return ad.tensor(ad.get_backend().asarray(np.asarray(a)), requires_grad=rg)


Z = np.arange(9.0).reshape(3, 3) + 1j * np.cos(np.arange(9.0)).reshape(3, 3)


@pytest.mark.parametrize("name", ["H", "mH"])
def test_conjugate_transpose_of_complex_refuses_writes(backend, name):
    z = _t(Z)
    v = getattr(z, name)
    np.testing.assert_array_equal(to_numpy(v), Z.conj().T)
    with pytest.raises(ValueError, match=f"Tensor.{name}"):
        v[0, 1] = 9.0
    with pytest.raises(ValueError, match=f"Tensor.{name}"):
        v.add_(1.0)
    np.testing.assert_array_equal(to_numpy(z), Z)  # untouched
    w = getattr(z, name).clone()
    w[0, 1] = 9.0  # a copy is writable
    assert complex(to_numpy(w)[0, 1]) == 9.0


def test_conjugate_transpose_still_differentiates(backend):
    x = _t(np.arange(4.0).reshape(2, 2) + 0.5, True)
    w = np.array([[1.0, 2.0], [3.0, 5.0]])
    z = x * (1 + 2j)
    (z.mH * _t(w)).real.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), w.T, rtol=1e-12)  # Re(conj(1+2j) x^T w)


@pytest.mark.parametrize("kind", ["numpy_int", "array0d", "tensor0d"])
def test_integer_scalar_index_copies_refuse_torch_writes(backend, kind):
    i = {"numpy_int": np.int64(1), "array0d": np.array(1),
         "tensor0d": ad.tensor(np.array(1))}[kind]
    t = _t(np.arange(6.0).reshape(2, 3))
    with pytest.raises(RuntimeError, match="x\\[i, \\.\\.\\.\\]"):
        t[i, 2].fill_(-1.0)
    if kind != "numpy_int":  # a row by a 0-d array: NumPy's advanced indexing copies
        with pytest.raises(RuntimeError, match="0-d integer"):
            t[i].mul_(2.0)
        with pytest.raises(RuntimeError, match="0-d integer"):
            t[i][0] = 5.0
    np.testing.assert_array_equal(to_numpy(t), np.arange(6.0).reshape(2, 3))
    s = t[i, 2]
    s += 1.0  # NumPy's meaning: the copy alone changes
    assert float(to_numpy(s)) == 6.0 and float(to_numpy(t)[1, 2]) == 5.0
    t[int(i), ...].mul_(2.0)  # the view torch's t[i] is
    np.testing.assert_array_equal(to_numpy(t)[1], [6.0, 8.0, 10.0])


def test_numpy_integer_row_index_stays_a_view(backend):
    t = _t(np.arange(6.0).reshape(2, 3))
    t[np.int64(1)].fill_(-1.0)
    np.testing.assert_array_equal(to_numpy(t), [[0.0, 1.0, 2.0], [-1.0, -1.0, -1.0]])


def test_diag_of_a_matrix_is_a_copy(backend):
    a = np.arange(9.0).reshape(3, 3) + 1
    t = _t(a, True)
    d = t.diag(1)
    d[0] = -1.0  # torch's diag is a copy: t keeps its values
    gnp.diag(t)[1] = -2.0  # (NumPy's is a read-only view)
    np.testing.assert_array_equal(to_numpy(t), a)
    (t.diag() * _t(np.array([1.0, 2.0, 3.0]))).sum().backward()
    np.testing.assert_array_equal(to_numpy(t.grad), np.diag([1.0, 2.0, 3.0]))


def test_view_of_a_leaf_made_under_no_grad_refuses_a_write_with_grad_on(backend):
    x = _t(np.arange(6.0), True)
    with ad.no_grad():
        v = x[1:4]
    with pytest.raises(ad.GradError, match="made under no_grad"):
        v.mul_(2.0)
    np.testing.assert_array_equal(to_numpy(x), np.arange(6.0))  # untouched
    with ad.no_grad():
        v.mul_(2.0)  # an optimiser-style write stays allowed
    (x * x).sum().backward()
    np.testing.assert_array_equal(to_numpy(x.grad), 2 * np.array([0, 2, 4, 6, 4, 5.0]))
    d = x.detach()[0:2]  # a detached alias is not a view of the leaf
    d.add_(1.0)
    np.testing.assert_array_equal(to_numpy(x)[:2], [1.0, 3.0])


@pytest.mark.parametrize("dtype", [np.complex128, np.float64])
def test_torch_inplace_methods_on_conj_raise(backend, dtype):
    a = np.array([1 + 2j, 3 - 1j]).astype(dtype) if dtype is np.complex128 else np.array([1.0, 3.0])
    z = _t(a)
    with pytest.raises(RuntimeError, match="z.conj\\(\\)"):
        z.conj().add_(1.0)  # torch's conj is a view: z would change
    with pytest.raises(RuntimeError, match="z.conj\\(\\)"):
        z.conj()[1:].fill_(0.0)
    np.testing.assert_array_equal(to_numpy(z), a)
    c = z.conj()
    c[0] = 5.0  # NumPy's meaning stays: the copy alone changes
    c += 1.0
    np.testing.assert_array_equal(to_numpy(c), [6.0, np.conj(a[1]) + 1.0])
    np.testing.assert_array_equal(to_numpy(z), a)
    w = z.conj().clone()
    w.zero_()
    assert not np.any(to_numpy(w))


@pytest.mark.parametrize("call", [
    lambda x: x.unsqueeze(3),                       # torch's range for 2-d is [-3, 2]
    lambda x: x.unsqueeze(-4),
    lambda x: gnp.expand_dims(x, (0, 0)),
    lambda x: x[None].movedim((0, 1), (2, 2)),      # a repeated destination
    lambda x: x.movedim(0, 2),
    lambda x: gnp.moveaxis(x, (0, 1), (1,)),
], ids=["unsqueeze_3", "unsqueeze_-4", "expand_dims_repeat", "movedim_repeat", "movedim_oob",
        "moveaxis_lengths"])
def test_out_of_range_or_repeated_axes_raise(backend, call):
    x = _t(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match="out of bounds|repeated|same number"):
        call(x)


def test_in_range_axes_still_work(backend):
    x = _t(np.arange(6.0).reshape(2, 3))
    assert x.unsqueeze(2).shape == (2, 3, 1) and x.unsqueeze(-3).shape == (1, 2, 3)
    assert gnp.expand_dims(x, (0, 3)).shape == (1, 2, 3, 1)
    y = x[None].movedim((0, -1), (-1, 0))
    np.testing.assert_array_equal(to_numpy(y), np.moveaxis(np.arange(6.0).reshape(1, 2, 3),
                                                           (0, -1), (-1, 0)))


@pytest.mark.parametrize("name,call,reaches", [
    ("positive", lambda t: t.positive(), True),          # torch's alias
    ("sum_to_size", lambda t: t.sum_to_size(2, 3), True),  # its own size: self
    ("fliplr", lambda t: t.fliplr(), False),             # torch's copies (NumPy's views)
    ("flipud", lambda t: t.flipud(), False),
    ("rot90", lambda t: t.rot90(), False),
])
def test_alias_or_copy_as_torch(backend, name, call, reaches):
    a = np.arange(6.0).reshape(2, 3)
    t = _t(a.copy())
    call(t).add_(100.0)
    np.testing.assert_array_equal(to_numpy(t), a + 100.0 if reaches else a)
    x = _t(a, True)
    w = np.arange(1.0, 7.0).reshape(2, 3)
    y = call(x * 1.0)
    (y * _t(w if y.shape == (2, 3) else w.T)).sum().backward()
    want = {"positive": w, "sum_to_size": w, "fliplr": w[:, ::-1], "flipud": w[::-1],
            "rot90": np.rot90(w.T, -1)}[name]
    np.testing.assert_array_equal(to_numpy(x.grad), want)
