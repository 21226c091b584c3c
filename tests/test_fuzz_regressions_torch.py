"""Regressions found by differential fuzzing of gpuad's torch-style API against PyTorch.

Each test is a program that once ran without error in gpuad and gave another value or
gradient than PyTorch (float64) or than the mathematics; the expected numbers are written out
from the program itself (no torch needed), and gradients are also checked against central
differences of the same program.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _fd(f, x, eps=1e-6):
    """Central differences of the scalar ``f`` (a function of a NumPy array)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        p, m = x.copy(), x.copy()
        p[i] += eps
        m[i] -= eps
        g[i] = (f(p) - f(m)) / (2 * eps)
    return g


def _grad(prog, x):
    """``prog``'s value and the gradient of it at the host array ``x`` (through ``backward``),
    and the same gradient by central differences of ``prog`` run without recording."""
    t = ad.tensor(x, requires_grad=True)
    loss = prog(t)
    loss.backward()

    def f(a):
        with ad.no_grad():
            return float(prog(ad.tensor(a)))

    return float(loss), to_numpy(t.grad), _fd(f, x)


def test_flip_method_is_a_copy_as_torch(backend):
    # was: Tensor.flip returned NumPy's view, so y.flip(0).mul_(-1) also negated y, and the
    # gradient of sum(y * w) + sum(f * f) at x was w * -1 + 2x instead of w + 2x
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))

    def prog(t):
        y = t * 1.0
        f = y.flip(0)
        f.mul_(-1.0)
        return (y * ad.tensor(w)).sum() + (f * f).sum()

    val, g, fd = _grad(prog, x)
    np.testing.assert_allclose(val, (x * w).sum() + (x * x).sum(), rtol=1e-12)
    np.testing.assert_allclose(g, w + 2 * x, rtol=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    y = ad.tensor(x.copy())
    y.flip((0, 1))[0, 0] = 5.0
    np.testing.assert_array_equal(to_numpy(y), x)  # and without gradients too


@pytest.mark.parametrize("how", ["method", "gnp"])
def test_diagonal_is_a_view_as_torch(backend, how):
    # was: the diagonal was a copy: x.diagonal().add_(1) (torch: a write into x) silently
    # changed nothing, and a diagonal taken before a write into x kept the old values (and
    # their gradient)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 3))

    def diag(t, *a):
        return t.diagonal(*a) if how == "method" else gnp.diagonal(t, *a)

    def prog(t):
        y = t * 1.0
        d = diag(y, 1, 1, 2)  # the first upper diagonal of each matrix, shape (2, 2)
        e = diag(y, 0, 0, 2)  # y[i, :, i] (shape (3, 2)), taken before the writes below
        d.mul_(-2.0)
        y[:, 0].add_(1.0)
        return (e * e).sum() + (d * gnp.arange(1.0, 5.0).reshape(2, 2)).sum() + y.sum()

    y = x.copy()
    y[:, [0, 1], [1, 2]] *= -2.0
    y[:, 0] += 1.0
    e = np.stack([y[0, :, 0], y[1, :, 1]], axis=1)
    d = y[:, [0, 1], [1, 2]]
    val, g, fd = _grad(prog, x)
    np.testing.assert_allclose(val, (e * e).sum() + (d * np.arange(1.0, 5.0).reshape(2, 2)).sum()
                               + y.sum(), rtol=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    with ad.no_grad():
        z = ad.tensor(x.copy())
        dz = diag(z)
        dz.zero_()
        z[0, 0, 0] = 7.0
    want = x.copy()
    want[[0, 1], [0, 1]] = 0.0
    want[0, 0, 0] = 7.0
    np.testing.assert_array_equal(to_numpy(z), want)
    np.testing.assert_array_equal(to_numpy(dz), [[7.0, 0.0], [0.0, 0.0], [0.0, 0.0]])


def test_diagonal_views_under_jit_and_vmap(backend):
    # the compiled function replays the view (reads after a write see it, a write through it
    # reaches the tensor), on every call, as eagerly
    def f(t):
        y = t * 1.0
        d = y.diagonal()
        y.mul_(2.0)
        y.diagonal(1).add_(1.0)
        return (d * d).sum() + (y * y).sum()

    g = ad.value_and_grad(f)
    jg = ad.jit(g)
    rng = np.random.default_rng(4)
    for _ in range(3):
        x = rng.standard_normal((3, 3))
        y = 2 * x
        y[[0, 1], [1, 2]] += 1.0
        scale = np.full((3, 3), 2.0)
        want = (np.diag(y) ** 2).sum() + (y * y).sum()
        grad = 2 * y * scale + np.diag(2 * np.diag(y) * 2)
        for val, gr in (g(ad.tensor(x)), jg(ad.tensor(x))):
            np.testing.assert_allclose(float(val), want, rtol=1e-12)
            np.testing.assert_allclose(to_numpy(gr), grad, rtol=1e-12)
    batch = rng.standard_normal((2, 3, 3))
    got = ad.vmap(ad.grad(lambda t: (gnp.diagonal(t * 1.0, -1) ** 3).sum()))(batch)
    want = np.zeros_like(batch)
    for b in range(2):
        want[b, [1, 2], [0, 1]] = 3 * batch[b, [1, 2], [0, 1]] ** 2
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12)


def test_select_is_a_view_also_when_0d(backend):
    # was: no Tensor.select; x[..., i] with one element left is NumPy's scalar, a copy
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3))

    def prog(t):
        y = t * 1.0
        y.select(1, -1).mul_(10.0)  # a column
        y[0].select(0, 1).mul_(-3.0)  # one element: torch's 0-d view
        return (y * y).sum()

    want = x.copy()
    want[:, -1] *= 10.0
    want[0, 1] *= -3.0
    scale = np.ones_like(x)
    scale[:, -1] = 10.0
    scale[0, 1] = -3.0
    val, g, fd = _grad(prog, x)
    np.testing.assert_allclose(val, (want * want).sum(), rtol=1e-12)
    np.testing.assert_allclose(g, 2 * want * scale, rtol=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    with pytest.raises(IndexError, match="select"):
        ad.tensor(x).select(0, 2)


def test_unbind_pieces_are_views_also_when_0d(backend):
    # was: the 0-d pieces of a 1-D tensor were copies: after y.mul_(2), p[1] still held the
    # old value, and the gradient of 3 * p[1] at x was [0, 3, 0] instead of [0, 6, 0]
    x = np.array([0.5, -1.5, 2.0])

    def prog(t):
        y = t * 1.0
        p = y.unbind(0)
        y.mul_(2.0)
        return p[1] * 3.0 + (p[2] * p[0])

    val, g, fd = _grad(prog, x)
    np.testing.assert_allclose(val, 6 * x[1] + 4 * x[2] * x[0], rtol=1e-12)
    np.testing.assert_allclose(g, [4 * x[2], 6.0, 4 * x[0]], rtol=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    rows = (ad.tensor(np.ones((2, 3))) * 1.0).unbind(1)
    assert [r.shape for r in rows] == [(2,)] * 3


def test_shapes_of_empty_tensors(backend):
    # was: chunk of an empty dim gave one piece (torch: `chunks` pieces), flatten(1) of a
    # (0, 2, 3) tensor gave (0, 0) (torch: (0, 6)), unflatten(1, (2, -1)) of (0, 2) gave
    # (0, 2, 0) (torch: (0, 2, 1))
    x = ad.tensor(np.zeros((0, 2, 3)), requires_grad=True)
    assert [c.shape for c in x.chunk(3, 0)] == [(0, 2, 3)] * 3
    assert [c.shape for c in x.chunk(2, 1)] == [(0, 1, 3)] * 2
    assert x.flatten(1).shape == (0, 6)
    assert x.flatten(0, 1).shape == (0, 3)
    assert ad.tensor(np.zeros((2, 3, 0))).flatten(0, 1).shape == (6, 0)
    assert ad.tensor(np.zeros((0, 2))).unflatten(1, (2, -1)).shape == (0, 2, 1)
    assert ad.tensor(np.zeros((3, 4))).unflatten(1, (-1, 2)).shape == (3, 2, 2)
    with pytest.raises(ValueError, match="unflatten"):
        ad.tensor(np.zeros((3, 4))).unflatten(1, (3, 2))
    loss = sum(c.sum() for c in x.chunk(2, 0)) + x.flatten(1).sum()
    loss.backward()
    assert to_numpy(x.grad).shape == (0, 2, 3)


def test_reshape_of_an_advanced_index_result_is_a_view(backend):
    # was: NumPy laid out y = x[:, [1, 1, 2]] in column order, so y.reshape(3, 2) copied and
    # a write into it did not reach y (torch: a view); the gradient then missed the write
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])

    def prog(t):
        y = t[:, [1, 1, 2]]
        z = y.reshape(3, 2)
        z[0] = 0.0
        return (y * y * gnp.arange(1.0, 7.0).reshape(2, 3)).sum()

    y = x[:, [1, 1, 2]].copy()
    y.reshape(3, 2)[0] = 0.0
    c = np.arange(1.0, 7.0).reshape(2, 3)
    val, g, fd = _grad(prog, x)
    np.testing.assert_allclose(val, (y * y * c).sum(), rtol=1e-12)
    want = np.zeros_like(x)
    for r, col, k in [(0, 2, 2), (1, 1, 0), (1, 1, 1), (1, 2, 2)]:  # entries not overwritten
        want[r, col] += 2 * y[r, k] * c[r, k]
    np.testing.assert_allclose(g, want, rtol=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    assert ad.tensor(np.zeros((2, 3, 4)))[:, :, [3, 0]].is_contiguous()


@pytest.mark.parametrize("pads, mode", [((0, 0), "constant"), ((-1, 0), "constant"),
                                        ((0, 0, -1, 0), "constant"), ((0, 0), "reflect")])
def test_pad_returns_a_new_tensor(backend, pads, mode):
    # was: F.pad with no widths returned its input (and with only negative ones a view of it),
    # so a later write into the input also changed the padded result (torch: a new tensor),
    # and the gradient went to the overwritten values
    import gpuad.nn.functional as F

    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])

    def prog(t):
        y = t * 1.0
        p = F.pad(y[None] if mode == "reflect" else y, pads, mode=mode)
        y.mul_(3.0)
        return (p * p).sum() + y.sum()

    cut = x[:, 1:] if pads[0] < 0 else x[1:] if pads[2:] == (-1, 0) else x
    val, g, fd = _grad(prog, x)
    np.testing.assert_allclose(val, (cut * cut).sum() + 3 * x.sum(), rtol=1e-12)
    want = np.full_like(x, 3.0)
    if pads[0] < 0:
        want[:, 1:] += 2 * x[:, 1:]
    elif pads[2:] == (-1, 0):
        want[1:] += 2 * x[1:]
    else:
        want += 2 * x
    np.testing.assert_allclose(g, want, rtol=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("spec", ["ii->i", "ij->ji", "...ii->...i"])
def test_einsum_that_sums_nothing_is_a_view(backend, spec):
    # was: a copy, so a write into gnp.einsum("ii->i", y) (NumPy and torch: a view of y) was
    # silently dropped, and the gradient missed it
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 3) if "..." in spec else (3, 3))

    def prog(t):
        y = t * 1.0
        gnp.einsum(spec, y).mul_(-2.0)
        return (y * y * y).sum()

    y = x.copy()
    np.einsum(spec, y)[...] *= -2.0  # NumPy's einsum is a view too
    scale = np.where(y == x, 1.0, -2.0)
    val, g, fd = _grad(prog, x)
    np.testing.assert_allclose(val, (y**3).sum(), rtol=1e-12)
    np.testing.assert_allclose(g, 3 * y * y * scale, rtol=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)


def test_a_write_through_an_expand_that_adds_unit_dims(backend):
    # was: refused ("cannot be mapped back one to one") where torch writes through, since
    # x.expand(1, *x.shape) copies no element twice; a real broadcast still refuses
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])

    def prog(t):
        y = t * 1.0
        e = y.T.unsqueeze(1).expand(3, 1, 2).unsqueeze(0)
        e.mul_(3.0)
        e[0, 0, 0, 0] = 0.0  # y[0, 0]
        return (y * y).sum()

    want = 3 * x
    want[0, 0] = 0.0
    val, g, fd = _grad(prog, x)
    np.testing.assert_allclose(val, (want * want).sum(), rtol=1e-12)
    np.testing.assert_allclose(g, 6 * want, rtol=1e-12)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    with ad.no_grad():
        z = ad.tensor(x.copy())
        z.expand(1, 2, 3).mul_(2.0)
    np.testing.assert_array_equal(to_numpy(z), 2 * x)
    with pytest.raises(ad.GradError, match="broadcast_to"):
        (ad.tensor(x, requires_grad=True) * 1.0)[:1].expand(2, 3).mul_(2.0)


@pytest.mark.parametrize("write", [
    lambda y: y.add_(1.0), lambda y: y.mul_(2.0), lambda y: y.fill_(3.0), lambda y: y.zero_(),
    lambda y: y.copy_(ad.tensor(5.0)), lambda y: y.clamp_(0.0, 0.5),
    lambda y: y.__setitem__(Ellipsis, 4.0), lambda y: y.__setitem__((), 4.0)])
@pytest.mark.parametrize("index", [1, (0, 1)])
def test_torch_writes_into_a_copied_element_raise(write, index):
    """``x[i]`` with integer indices is a 0-d copy (NumPy's scalar); PyTorch's is a view, so
    ``x[0].add_(1)`` changes ``x`` there. It used to change the copy alone, silently."""
    x = ad.tensor(np.arange(6.0).reshape(2, 3) if isinstance(index, tuple)
                  else np.arange(3.0), requires_grad=True)
    before = to_numpy(x.data).copy()
    with ad.no_grad():
        y = x[index]
        with pytest.raises(RuntimeError, match="copy of one element.*x\\[i, \\.\\.\\.\\]"):
            write(y)
    np.testing.assert_array_equal(to_numpy(x.data), before)


@pytest.mark.parametrize("view", [lambda y: y.detach(), lambda y: y[...], lambda y: y[None],
                                  lambda y: y.reshape(1), lambda y: y.view(1)])
def test_torch_writes_into_a_view_of_a_copied_element_raise(view):
    """The same through a view or detach of the copy: torch's ``x[0].detach().add_(1)``
    changes ``x``; here it used to change the copy alone."""
    x = ad.tensor(np.arange(3.0))
    with pytest.raises(RuntimeError, match="copy of one element"):
        view(x[1]).add_(1.0)
    np.testing.assert_array_equal(to_numpy(x.data), [0.0, 1.0, 2.0])


def test_element_views_write_through_and_numpy_augmented_assignment_stays():
    """``x[i, ...]`` is a 0-d view that torch-style writes reach ``x`` through, with the
    gradient of the written program; ``y = x[i]; y += v`` keeps NumPy's meaning."""
    def prog(t):
        u = t * 1.0
        u[1, ...].mul_(u[0])  # u[1] <- u[1] * u[0]
        return gnp.sum(u * u)

    a = np.array([0.7, -1.3, 2.0])
    val, g, fd = _grad(prog, a)
    assert val == pytest.approx(0.7 ** 2 + (0.7 * 1.3) ** 2 + 4.0)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    x = ad.tensor(np.arange(3.0))
    y = x[2]
    y += 1.0
    assert float(y) == 3.0
    np.testing.assert_array_equal(to_numpy(x.data), [0.0, 1.0, 2.0])
    x[2] += 1.0
    np.testing.assert_array_equal(to_numpy(x.data), [0.0, 1.0, 3.0])
