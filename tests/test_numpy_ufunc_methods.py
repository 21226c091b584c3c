"""gpuad.numpy's ufunc objects: ``gnp.add.reduce``, ``gnp.maximum.accumulate``,
``gnp.multiply.outer``, ``gnp.add.at`` (out of place), ``gnp.add.reduceat`` and
``gnp.frompyfunc``, against NumPy and float64 central differences (the peers' comparisons are
in tests/conformance/test_jax_ufuncs_suite.py)."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.backends import get_backend
from gpuad.testing import check_grads
from tests.conftest import to_numpy


def _dev(a):
    return get_backend().asarray(a) if get_backend().name != "numpy" else a


X = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0], [2.5, 1.0, 0.25], [-3.0, 2.0, 1.75]])


def test_ufunc_objects_keep_the_functions():
    """The ufunc-named functions are unchanged objects (their identity in the op tables) and
    carry NumPy's attributes; frompyfunc gives a read-only gnp.ufunc."""
    from gpuad import rules

    assert gnp.add.__class__.__name__ == "function" and isinstance(gnp.add, gnp.ufunc)
    assert gnp.exp is rules.exp and isinstance(gnp.exp, gnp.ufunc)
    assert not isinstance(gnp.sum, gnp.ufunc) and not isinstance(gnp.matmul, gnp.ufunc)
    for name in ("add", "maximum", "bitwise_and", "logaddexp", "divmod", "exp"):
        g, n = getattr(gnp, name), getattr(np, name)
        assert (g.nin, g.nout, g.nargs, g.identity) == (n.nin, n.nout, n.nargs, n.identity)
    f = gnp.frompyfunc(lambda a, b: a - b, 2, 1)
    assert isinstance(f, gnp.ufunc) and f.nargs == 3 and f.identity is None
    with pytest.raises(AttributeError):
        f.nin = 3


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "logaddexp", "subtract",
                                  "hypot", "arctan2", "fmin", "bitwise_xor", "logical_or"])
def test_methods_match_numpy(backend, name):
    g, n = getattr(gnp, name), getattr(np, name)
    x = (X * 2).astype(np.int64) if name == "bitwise_xor" else X > 0.6 \
        if name == "logical_or" else X
    xd, idx = _dev(x), np.array([0, 2, 1, 3])
    # reduce as the left fold NumPy documents, from its accumulate: NumPy 2.4's float
    # arctan2.reduce is not one on some machines (arctan2.reduce([1.5, .7, 2, 1.3]) = 0.857,
    # accumulate's last 0.378)
    ends = [idx[i + 1] if i + 1 < len(idx) and idx[i + 1] > idx[i] else idx[i] + 1
            for i in range(len(idx))]
    for got, want in [
        (g.reduce(xd), n.accumulate(x)[-1]),
        (g.reduce(xd, axis=1, keepdims=True), n.accumulate(x, axis=1)[:, -1:]),
        (g.accumulate(xd, axis=1), n.accumulate(x, axis=1)),
        (g.outer(xd[0], xd[:, 1]), n.outer(x[0], x[:, 1])),
        (g.reduceat(xd, _dev(idx)),
         np.stack([n.accumulate(x[a:b])[-1] for a, b in zip(idx, ends, strict=True)])),
    ]:
        got = to_numpy(got)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_reduce_where_initial_and_errors(backend):
    xd, w = _dev(X), np.array([[True, False, False]] * 4)
    w[:, 1] = [False, True, False, True]
    for name in ("add", "maximum", "logaddexp", "hypot", "subtract"):
        g, n = getattr(gnp, name), getattr(np, name)
        got = g.reduce(xd, axis=0, where=_dev(w), initial=0.5)
        np.testing.assert_allclose(to_numpy(got), n.reduce(X, axis=0, where=w, initial=0.5))
    # gcd's identity 0 is no identity for a negative initial: NumPy keeps the initial
    a = np.array([[4, 6], [8, 3]])
    np.testing.assert_array_equal(
        to_numpy(gnp.gcd.reduce(_dev(a), axis=0, where=_dev(np.array([True, False])),
                                initial=-1)),
        np.gcd.reduce(a, axis=0, where=np.array([True, False]), initial=-1))
    # bitwise_and's identity -1 over nothing is all ones in an unsigned type
    e = np.zeros((0, 2), np.uint8)
    assert to_numpy(gnp.bitwise_and.reduce(_dev(e))).tolist() == [255, 255]
    with pytest.raises(ValueError, match="not reorderable"):
        gnp.subtract.reduce(xd, axis=None)
    with pytest.raises(ValueError, match="no identity"):
        gnp.maximum.reduce(_dev(np.zeros((0, 3))))
    with pytest.raises(ValueError, match="initial"):
        gnp.minimum.reduce(xd, where=_dev(w))
    with pytest.raises(TypeError):
        gnp.bitwise_and.reduce(xd)
    with pytest.raises(NotImplementedError, match="inplace=False"):
        gnp.add.at(xd, 0, 1.0, inplace=True)


def test_at_is_out_of_place(backend):
    xd, idx = _dev(X.copy()), np.array([0, 0, 3, -1])
    for name, b in (("add", 1.5), ("subtract", _dev(np.arange(3.0))), ("multiply", 2.0),
                    ("maximum", 2.2), ("hypot", 1.0), ("negative", None), ("exp", None)):
        g, n = getattr(gnp, name), getattr(np, name)
        want = X.copy()
        n.at(want, idx, *(() if b is None else (to_numpy(b),)))
        got = g.at(xd, _dev(idx)) if b is None else g.at(xd, _dev(idx), b)
        np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12)
    np.testing.assert_array_equal(to_numpy(xd), X)
    assert type(gnp.add.at(xd, _dev(idx), 1.0)) is type(xd)  # an array in, an array out


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "logaddexp", "hypot",
                                  "subtract"])
def test_method_gradients(backend, name):
    g = getattr(gnp, name)
    w = _dev(np.array([[True, False, True]] * 4))
    idx = _dev(np.array([0, 2, 0]))
    for f in (lambda a: g.reduce(a, axis=0), lambda a: g.accumulate(a, axis=0),
              lambda a: g.reduce(a, axis=1, where=w, initial=0.5),
              lambda a: g.outer(a[0], a[:, 1]), lambda a: g.at(a, idx, a[1, 1]),
              lambda a: g.reduceat(a, _dev(np.array([0, 3, 1])), axis=0)):
        check_grads(f, (_dev(X),), order=1, modes=("rev", "fwd"))


def test_ties_share_the_gradient(backend):
    """maximum's reduce/accumulate use max/cummax's rules: a tied maximum shares its
    gradient equally."""
    x = _dev(np.array([1.0, 3.0, 2.0, 3.0]))
    g = ad.grad(lambda a: gnp.maximum.reduce(a))(x)
    np.testing.assert_allclose(to_numpy(g), [0, 0.5, 0, 0.5])
    g = ad.grad(lambda a: gnp.sum(gnp.maximum.accumulate(a) * _dev(np.arange(4.0))))(x)
    np.testing.assert_allclose(to_numpy(g), [0, 4.5, 0, 1.5])


def test_frompyfunc_methods(backend):
    f = gnp.frompyfunc(lambda a, b: a * b - a, 2, 1)
    n = np.frompyfunc(lambda a, b: a * b - a, 2, 1)
    xd = _dev(X)
    for got, want in [(f.reduce(xd[:, 0]), n.reduce(X[:, 0])),
                      (f.accumulate(xd, axis=1), n.accumulate(X, axis=1)),
                      (f.reduceat(xd, _dev(np.array([0, 2]))), n.reduceat(X, [0, 2])),
                      (f.outer(xd[0], xd[1]), n.outer(X[0], X[1]))]:
        np.testing.assert_allclose(to_numpy(got), np.asarray(want, float), rtol=1e-12)
    check_grads(lambda a: f.accumulate(a, axis=0), (xd,), order=1, modes=("rev",))


def test_numpy_methods_on_tensors(backend):
    """NumPy's ufunc methods called on a Tensor go through gpuad.numpy's ufunc objects."""
    if get_backend().name != "numpy":
        pytest.skip("NumPy's ufunc methods take NumPy arrays")
    t = ad.tensor(np.array([1.0, 3.0, 2.0, 5.0]))
    r = np.maximum.accumulate(t)
    assert isinstance(r, ad.Tensor) and to_numpy(r).tolist() == [1, 3, 3, 5]
    np.testing.assert_allclose(to_numpy(np.add.reduceat(t, [0, 2])), [4.0, 7.0])
    g = ad.grad(lambda a: np.hypot.reduce(a))(np.array([3.0, 4.0]))
    np.testing.assert_allclose(to_numpy(g), [0.6, 0.8])


def test_complex_at_with_a_scalar_index(backend):
    """A complex scatter-add at a 0-d index array (the CuPy backend scatters the real and
    imaginary parts apart: the 0-d value became 1-d there and the add raised)."""
    a = np.array([1, 2, 3, 4], np.complex64)
    i, b = np.array(2, np.int32), np.array(1 + 1j, np.complex64)
    want = a.copy()
    np.add.at(want, i, b)
    got = gnp.add.at(_dev(a), _dev(i), _dev(b))
    np.testing.assert_allclose(to_numpy(got), want)
    got = ad.at(_dev(a))[_dev(i)].add(_dev(b))
    np.testing.assert_allclose(to_numpy(got), want)
