"""``imag`` and ``real`` as NumPy has them, and complex values written into real Tensors.

- ``t.imag`` of a complex Tensor is a view: writes through it change the Tensor and are
  recorded; of a real Tensor it is NumPy's new read-only array of zeros, so a write into it
  raises (NumPy raises ``ValueError`` too) instead of changing nothing.
- ``r[i] = c`` (complex into real) keeps the real part with NumPy's ``ComplexWarning``, and its
  derivative is that of the real part; ``r += c`` raises ``TypeError`` as NumPy's "same_kind"
  rule does.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

X = np.array([0.3, -1.2, 0.7])
ZR = np.array([0.5, -0.4, 1.1])
ZI = np.array([0.9, 0.2, -0.6])
Y = np.array([0.8, -0.3])


def _xp(a):
    return ad.get_backend().xp.asarray(a)


# ---- imag of a real Tensor: new zeros, read-only as in NumPy ---------------------------------

def test_imag_of_real_is_a_new_read_only_array(backend):
    ref = np.imag(X.copy())
    with pytest.raises(ValueError, match="read-only"):  # what NumPy does
        ref[0] = 1.0
    x = ad.tensor(_xp(X), requires_grad=True)
    t = x * 2.0
    for i in (t.imag, gnp.imag(t), np.imag(t)):
        np.testing.assert_array_equal(to_numpy(i), ref)
        assert i.dtype == t.dtype and i._ver is not t._ver
        for write in (lambda: i.__setitem__(0, 1.0), lambda: i.__iadd__(1.0),
                      lambda: i[1:].__setitem__(0, x[0]),   # a view of it is read-only too
                      lambda: np.add(i, 1.0, out=i)):
            with pytest.raises(ValueError, match="read-only"):
                write()
        np.testing.assert_array_equal(to_numpy(i), ref)
    assert t._version == 0 and t.grad_fn.rule.name == "multiply"
    c = t.imag.copy()
    c[0] = 1.0                                              # a copy is writable
    assert to_numpy(c)[0] == 1.0
    with pytest.raises(TypeError, match="imaginary part"):  # NumPy: TypeError as well
        t.imag = 1.0
    with pytest.raises(TypeError):
        X.copy().imag = 1.0


def test_imag_of_real_differentiates_to_zero(backend):
    check_grads(lambda v: gnp.sum(gnp.imag(v) * v + v * v), (X,), order=2, modes=("fwd", "rev"))
    g = ad.grad(lambda v: gnp.sum(v.imag + 3.0 * v))(_xp(X))
    np.testing.assert_allclose(to_numpy(g), np.full(3, 3.0))
    out = ad.vmap(lambda v: gnp.imag(v) + v)(_xp(np.stack([X, 2 * X])))
    np.testing.assert_allclose(to_numpy(out), np.stack([X, 2 * X]))


def test_imag_write_of_real_raises_under_jit_too(backend):
    def f(v):
        v.imag[0] = 1.0
        return v

    for run in (f, ad.jit(f)):
        v = ad.tensor(_xp(X))
        with pytest.raises(ValueError, match="read-only"):
            run(v)
        np.testing.assert_array_equal(to_numpy(v), X)
        assert v._version == 0


# ---- writes through real and imag views of complex Tensors ------------------------------------

def _program(zr, zi, y, lib):
    """Writes through ``.imag`` and ``.real`` views of a complex array; NumPy runs it too."""
    z = zr + 1j * zi
    w = z * (1.0 + 0.5j)
    w.imag[1:] = y * y
    w.real = w.real * 2.0 - zi
    return lib.sum(lib.abs(w) ** 2 + w.imag * zr)


def test_writes_through_imag_of_complex_value_and_gradient(backend):
    want = _program(ZR, ZI, Y, np)
    got = _program(*(ad.tensor(_xp(a)) for a in (ZR, ZI, Y)), gnp)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12)
    check_grads(lambda a, b, c: _program(a, b, c, gnp), (ZR, ZI, Y), order=2,
                modes=("fwd", "rev"))


def test_writes_through_imag_of_complex_match_torch(backend):
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(a, requires_grad=True) for a in (ZR, ZI, Y)]

    def torch_program(zr, zi, y):
        z = zr + 1j * zi
        w = z * (1.0 + 0.5j)
        w.imag[1:] = y * y
        w.real[...] = w.real * 2.0 - zi
        return (w.abs() ** 2 + w.imag * zr).sum()

    torch_program(*ts).backward()
    g = ad.grad(lambda a, b, c: _program(a, b, c, gnp), argnums=(0, 1, 2))(
        *(_xp(a) for a in (ZR, ZI, Y)))
    for mine, theirs in zip(g, ts, strict=True):
        np.testing.assert_allclose(to_numpy(mine), theirs.grad.numpy(), rtol=1e-12)


def test_imag_write_versions_and_jit(backend):
    z = ad.tensor(_xp(ZR + 1j * ZI))
    i = z.imag
    assert i._ver is z._ver and z.real._ver is z._ver   # views share the version counter
    i[0] = 5.0
    assert z._version == 1 and to_numpy(z)[0] == ZR[0] + 5.0j
    z.imag = _xp(Y[:1])                                  # the setter writes through the view
    assert z._version == 2 and np.allclose(to_numpy(z).imag, Y[0])

    def loss(a, b, c):
        return _program(a, b, c, gnp)

    g = ad.grad(loss, argnums=(0, 1, 2))
    jg = ad.jit(g)
    for scale in (1.0, -0.5):  # the traced arguments, then new ones
        args = [_xp(a * scale) for a in (ZR, ZI, Y)]
        for e, j in zip(g(*args), jg(*args), strict=True):
            np.testing.assert_allclose(to_numpy(j), to_numpy(e), rtol=1e-12)


def test_write_through_real_of_real_tensor(backend):
    def f(v, y):
        t = v * 1.0
        t.real[0] = y[0] * 3.0      # the real part of a real array is the array itself
        return gnp.sum(t * t)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no complex detour (ComplexWarning) on the way
        check_grads(f, (X, Y), order=2, modes=("fwd", "rev"))
        t = ad.tensor(_xp(X))
        r = t.real
        r[1] = 9.0
    assert to_numpy(t)[1] == 9.0 and t._version == 1


# ---- complex values written into real Tensors --------------------------------------------------

def _into_real(zr, zi):
    c = zr + 1j * zi
    r = gnp.zeros(3) * zr[0]          # a real Tensor that is recorded
    r[0] = c[1]                       # NumPy: the real part, and a ComplexWarning
    r[1:] = c[1:] * c[:2]
    return gnp.sum(r * r * gnp.arange(1.0, 4.0))


def test_complex_into_real_setitem_keeps_the_real_part(backend):
    ref = np.zeros(3)
    c = ZR + 1j * ZI
    with pytest.warns(np.exceptions.ComplexWarning):
        ref[0] = c[1]
    r = ad.tensor(_xp(np.zeros(3)))
    with pytest.warns(np.exceptions.ComplexWarning):
        r[0] = ad.tensor(_xp(c))[1]
    np.testing.assert_array_equal(to_numpy(r), ref)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        check_grads(_into_real, (ZR, ZI), order=2, modes=("fwd", "rev"))


def test_complex_into_real_gradient_matches_torch_real(backend):
    torch = pytest.importorskip("torch")
    zr, zi = (torch.tensor(a, requires_grad=True) for a in (ZR, ZI))
    c = zr + 1j * zi  # torch refuses r[0] = c[1]; what NumPy computes is the real part
    r = torch.cat([torch.real(c[1:2]), torch.real(c[1:] * c[:2])])
    (r * r * torch.arange(1.0, 4.0, dtype=torch.float64)).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        g = ad.grad(_into_real, argnums=(0, 1))(_xp(ZR), _xp(ZI))
    np.testing.assert_allclose(to_numpy(g[0]), zr.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(g[1]), zi.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("op", ["__iadd__", "__isub__", "__imul__", "__itruediv__"])
def test_complex_into_real_in_place_operator_raises_as_numpy(backend, op):
    c = ZR + 1j * ZI
    with pytest.raises(TypeError, match="same_kind"):  # NumPy's UFuncTypeError
        getattr(X.copy(), op)(c)
    for cc in (ad.tensor(_xp(c)), ad.tensor(_xp(c), requires_grad=True) * 1.0):
        r = ad.tensor(_xp(X)) * 1.0
        with pytest.raises(TypeError, match="same_kind"):
            getattr(r, op)(cc)
        np.testing.assert_array_equal(to_numpy(r), X)
        assert r._version == 0
    ints = ad.tensor(_xp(np.arange(3)))
    with pytest.raises(TypeError, match="same_kind"):
        ints += 1.5
    r = ad.tensor(_xp(X))
    with pytest.raises(TypeError, match="same_kind"):   # out= follows the same rule
        np.add(r, _xp(c), out=r)
    np.testing.assert_array_equal(to_numpy(r), X)


def test_writes_through_imag_under_vmap(backend):
    rng = np.random.default_rng(1)
    batch = [rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=(3, 2))]

    def loss(a, b, c):
        return _program(a, b, c, gnp)

    g = ad.vmap(ad.grad(loss, argnums=(0, 1, 2)))(*(_xp(a) for a in batch))
    for i in range(3):
        one = ad.grad(loss, argnums=(0, 1, 2))(*(_xp(a[i]) for a in batch))
        for k in range(3):
            np.testing.assert_allclose(to_numpy(g[k])[i], to_numpy(one[k]), rtol=1e-12)
    with pytest.raises(ValueError, match="read-only"):
        ad.vmap(lambda v: v.imag.__setitem__(0, 1.0))(_xp(np.ones((2, 3))))
