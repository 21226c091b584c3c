"""PyTorch's autograd tests, ported to gpuad's PyTorch-style Tensor API.

Follows pytorch/pytorch test/test_autograd.py (TestAutograd: gradient accumulation, backward
twice, retain_graph, create_graph and double backward, ``inputs=``, in-place ops and version
counters, views and in-place writes through them, detach, requires_grad propagation, no_grad,
non-differentiable outputs, integer inputs, complex gradients) and
test/autograd/test_functional.py (vjp, jvp, jacobian, hessian, hvp, vhp). Checks compare with
float64 finite differences and gpuad's documented behaviour (docs/semantics.md); where torch is
installed they also compare the numbers with torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _np(a):
    if isinstance(a, ad.Tensor):
        return a.numpy()
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _leaf(a, requires_grad=True):
    return ad.tensor(np.array(a, dtype=np.asarray(a).dtype if np.iscomplexobj(a) else float),
                     requires_grad=requires_grad)


def _torch():
    return pytest.importorskip("torch")


def _fd_grad(f, x, eps=1e-6):
    """Central differences of a real scalar f at a real or complex array x; for complex x the
    PyTorch convention dL/dRe + i dL/dIm."""
    x = np.array(x)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        for unit in ((1.0, 1j) if np.iscomplexobj(x) else (1.0,)):
            e = np.zeros_like(x)
            e[idx] = eps * unit
            d = (f(x + e) - f(x - e)) / (2 * eps)
            g[idx] += d * unit
    return g


X0 = np.array([0.3, -1.2, 2.0])


# ---- accumulation, backward twice, retain_graph ---------------------------------------------

def test_accumulate_grad(backend):
    # test_accumulate_grad: a second backward adds into .grad; the Tensor is kept
    x = _leaf(X0)
    y = gnp.sum(x * x)
    y.backward(retain_graph=True)
    g1 = x.grad
    np.testing.assert_allclose(_np(g1), 2 * X0)
    y.backward()
    np.testing.assert_allclose(_np(x.grad), 4 * X0)
    assert x.grad is g1  # accumulated in place
    # with create_graph the accumulation is out of place and stays differentiable
    x2 = _leaf(X0)
    gnp.sum(x2 ** 3).backward(create_graph=True)
    first = x2.grad
    gnp.sum(x2 ** 3).backward(create_graph=True)
    assert x2.grad is not first and x2.grad.requires_grad
    np.testing.assert_allclose(_np(first), 3 * X0 ** 2)
    np.testing.assert_allclose(_np(x2.grad), 6 * X0 ** 2)


def test_accumulate_into_grad_set_by_hand(backend):
    x = _leaf(X0)
    x.grad = ad.tensor(np.full(3, 10.0))
    gnp.sum(x * 2.0).backward()
    np.testing.assert_allclose(_np(x.grad), 12.0)


def test_backward_twice_with_saved_values_raises(backend):
    x = _leaf(X0)
    c = gnp.sum(x * x)  # multiply saves x
    c.backward()
    with pytest.raises(ad.GradError, match="second time.*retain_graph=True"):
        c.backward()


def test_backward_twice_without_saved_values(backend):
    # test_backward_twice_without_saved_values: nothing was freed, so it works again
    x = _leaf(X0)
    c = x + 1.0
    gnp.sum(c).backward()
    gnp.sum(c).backward()
    np.testing.assert_allclose(_np(x.grad), 2.0)


def test_backward_twice_retained_graph(backend):
    # test_backward_twice_retained_graph_with_saved_values
    x = _leaf(X0)
    c = gnp.sum(gnp.exp(x) * x)
    c.backward(retain_graph=True)
    c.backward()
    np.testing.assert_allclose(_np(x.grad), 2 * np.exp(X0) * (1 + X0), rtol=1e-12)


def test_backward_on_leaf_and_with_gradient(backend):
    x = _leaf(2.0)
    x.backward()
    np.testing.assert_allclose(_np(x.grad), 1.0)
    v = _leaf(X0)
    y = v * v
    y.backward(gradient=np.array([1.0, 0.5, -2.0]))
    np.testing.assert_allclose(_np(v.grad), 2 * X0 * [1.0, 0.5, -2.0])


def test_backward_argument_errors(backend):
    x = _leaf(X0)
    with pytest.raises(ad.GradError, match=r"shape \(3,\); pass gradient="):
        (x * 2.0).backward()
    with pytest.raises(ValueError, match=r"cotangent has shape \(4,\).*\(3,\)"):
        (x * 2.0).backward(gradient=np.ones(4))
    with pytest.raises(TypeError, match="cotangent has dtype int64"):
        (x * 2.0).backward(gradient=np.ones(3, dtype=np.int64))
    with pytest.raises(ad.GradError, match="does not require grad"):
        gnp.sum(ad.tensor(X0) * 2.0).backward()


# ---- create_graph: double backward -------------------------------------------------------------

def _f_scalar(a):
    return gnp.sum(gnp.exp(a) * a[::-1] ** 2 + gnp.sin(a * a[0]))


def _hess_fd(x, v, eps=1e-5):
    g = ad.grad(_f_scalar)
    return (_np(g(x + eps * v)) - _np(g(x - eps * v))) / (2 * eps)


def test_double_backward_is_hessian_vector_product(backend):
    # test_hessian_vector / test_grad_nonleaf_register_hook's double backward part
    v = np.array([0.5, -1.0, 0.25])
    x = _leaf(X0)
    _f_scalar(x).backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    gnp.sum(g * ad.tensor(v)).backward()
    np.testing.assert_allclose(_np(x.grad), _hess_fd(X0, v), rtol=1e-7, atol=1e-8)


def test_double_backward_with_inputs(backend):
    v = np.array([0.5, -1.0, 0.25])
    x, w = _leaf(X0), _leaf([1.0, 2.0, 3.0])
    loss = _f_scalar(x) + gnp.sum(w * x)
    loss.backward(create_graph=True, inputs=[x])
    assert w.grad is None
    g = x.grad
    x.grad = None
    gnp.sum(g * ad.tensor(v)).backward(inputs=[x, w])
    np.testing.assert_allclose(_np(x.grad), _hess_fd(X0, v), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(_np(w.grad), v)  # d/dw <v, f'(x) + w> = v


def test_double_backward_against_torch(backend):
    torch = _torch()
    x = _leaf(X0)
    y = gnp.sum(gnp.tanh(x) ** 3 * x[::-1])
    y.backward(create_graph=True)
    gx = x.grad
    x.grad = None
    gnp.sum(gx * gx).backward()
    tx = torch.tensor(X0, requires_grad=True)
    ty = (torch.tanh(tx) ** 3 * tx.flip(0)).sum()
    (tg,) = torch.autograd.grad(ty, tx, create_graph=True)
    (tg * tg).sum().backward()
    np.testing.assert_allclose(_np(gx), tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-12)


def test_grad_without_create_graph_is_constant(backend):
    x = _leaf(X0)
    gnp.sum(x ** 3).backward()
    assert not x.grad.requires_grad and x.grad.is_leaf


# ---- inputs= ---------------------------------------------------------------------------------

def test_backward_inputs_only_accumulates_there(backend):
    x, w = _leaf(X0), _leaf([2.0, 3.0, 4.0])
    gnp.sum(x * w).backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(_np(w.grad), X0)
    gnp.sum(x * w).backward(inputs=x)  # a single Tensor is accepted
    np.testing.assert_allclose(_np(x.grad), [2.0, 3.0, 4.0])


def test_backward_inputs_non_leaf_and_views(backend):
    # test_backward_with_nonleaf_inputs
    # (one input lies on the other's path: v is a view of h)
    x = _leaf(X0)
    h = gnp.sin(x)
    v = h[1:]
    gnp.sum(v * v).backward(inputs=[h, v])
    assert x.grad is None
    s = np.sin(X0)
    np.testing.assert_allclose(_np(h.grad), [0.0, 2 * s[1], 2 * s[2]])
    np.testing.assert_allclose(_np(v.grad), 2 * s[1:])
    gnp.sum(h).backward()  # the steps behind h were not consumed
    np.testing.assert_allclose(_np(x.grad), np.cos(X0))


def test_backward_inputs_errors(backend):
    x, c = _leaf(X0), ad.tensor(X0)
    with pytest.raises(ValueError, match="inputs= is empty"):
        gnp.sum(x * 2.0).backward(inputs=[])
    with pytest.raises(ad.GradError, match=r"inputs\[0\].*does not require grad"):
        gnp.sum(x * c).backward(inputs=[c])
    with pytest.raises(TypeError, match=r"inputs\[0\] is a ndarray"):
        gnp.sum(x * c).backward(inputs=[X0])


def test_backward_inputs_unreached_leaf_keeps_none(backend):
    x, w = _leaf(X0), _leaf(X0)
    gnp.sum(x * 2.0).backward(inputs=[w])
    assert w.grad is None and x.grad is None


# ---- version counters and in-place ops -----------------------------------------------------------

def test_version_counter(backend):
    # test_version_counter: in-place ops bump the version, shared with views and detach()
    x = _leaf(X0)
    y = x * 1.0
    v, d = y[1:], y.detach()
    assert y._version == 0
    y += 1.0
    assert y._version == v._version == d._version == 1
    y[0] = 2.0
    assert y._version == 2
    with ad.no_grad():
        d *= 2.0  # a write while not recording bumps it too
    assert y._version == 3
    assert x._version == 0
    with ad.no_grad():
        x += 1.0
    assert x._version == 1


def test_saved_variable_version_counter(backend):
    # test_saved_variable_version_counter: a saved input modified in place is an error
    x = _leaf(X0)
    y = x * 1.0
    z = gnp.sin(y)  # sin saves y at version 0
    with ad.no_grad():
        y *= 2.0
    with pytest.raises(ad.GradError, match=r"sin: input 0 was saved .* version 0 .*now version 1"):
        gnp.sum(z).backward()
    assert x.grad is None  # a failed backward writes nothing


def test_modified_output_raises(backend):
    # "one of the variables needed for gradient computation has been modified by an inplace
    # operation": exp saves its own output
    x = _leaf(X0)
    y = gnp.exp(x * 1.0)
    y *= 2.0
    with pytest.raises(ad.GradError, match="exp: its output was saved"):
        gnp.sum(y).backward()


def test_detach_shares_version(backend):
    x = _leaf(X0)
    y = x * 1.0
    z = y * y
    d = y.detach()
    with ad.no_grad():
        d += 1.0
    with pytest.raises(ad.GradError, match="modified in place"):
        gnp.sum(z).backward()


def test_inplace_ops_are_differentiated(backend):
    # test_inplace: y = x * 2; y += 3; y *= y (out of the values' own history)
    x = _leaf(X0)
    y = x * 2.0
    y += 3.0
    y *= y
    y[0] = y[0] * x[1]
    gnp.sum(y).backward()
    a, b, c = X0
    expect = np.array([4 * (2 * a + 3) * b, 4 * (2 * b + 3) + (2 * a + 3) ** 2,
                       4 * (2 * c + 3)])
    np.testing.assert_allclose(_np(x.grad), expect, rtol=1e-12)


def test_inplace_on_leaf_raises(backend):
    # test_leaf_inplace errors: "a leaf Variable that requires grad is being used in an
    # in-place operation"
    x = _leaf(X0)
    with pytest.raises(ad.GradError, match="in-place write to a leaf"):
        x += 1.0
    with pytest.raises(ad.GradError, match="view .* of a leaf"):
        x[1:][0] = 7.0
    with pytest.raises(ad.GradError, match="leaf"):
        gnp.multiply(x, 2.0, out=x)
    np.testing.assert_array_equal(_np(x), X0)
    with ad.no_grad():
        x *= 2.0  # an optimiser-style update is allowed
    np.testing.assert_array_equal(_np(x), 2 * X0)
    assert x.is_leaf and x.requires_grad


def test_untracked_tensor_written_with_tracked_value(backend):
    # test_requires_grad_inplace: a += b with b requiring grad makes a require grad
    a = ad.tensor(np.ones(3))
    b = _leaf(X0)
    a += b
    assert a.requires_grad
    gnp.sum(a * a).backward()
    np.testing.assert_allclose(_np(b.grad), 2 * (1 + X0))
    c = ad.tensor(np.zeros(3))
    c[1] = b[2] * 2.0
    gnp.sum(c * c).backward()
    np.testing.assert_allclose(_np(b.grad), 2 * (1 + X0) + [0, 0, 8 * X0[2]])


def test_setitem_mask_and_index(backend):
    # test_setitem / test_setitem_mask
    x = _leaf(X0)
    y = x * 1.0
    y[_np(y) > 0] = 0.0
    gnp.sum(y * x).backward()
    np.testing.assert_allclose(_np(x.grad), np.where(X0 > 0, 0.0, 2 * X0))
    x2 = _leaf(X0)
    z = x2 * 1.0
    z[np.array([0, 2])] = x2[1:] * x2[:2]
    gnp.sum(z * z).backward()
    a, b, c = X0
    np.testing.assert_allclose(_np(x2.grad), [2 * (b * a) * b, 2 * b + 2 * (b * a) * a
                                               + 2 * (c * b) * c, 2 * (c * b) * b], rtol=1e-12)


# ---- views ------------------------------------------------------------------------------------

def _torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


# test_inplace_on_view_backward / _of_view / _of_multiple_output_view / _then_no_grad: programs
# on a (3, 4) leaf written so that they run on gpuad and torch tensors alike


def _view_slice_mul(a):
    b = a * 1.0
    v = b[1:3]
    v *= 2.0
    return (b * b).sum()


def _view_of_view(a):
    b = a * 1.0
    v = b[1:]
    vv = v[:, 1:3]
    vv += a[0:2, 0:2] * 3.0
    return (b * b).sum()


def _view_transpose_write(a):
    b = a * 1.0
    col = b.T[0]
    col *= 3.0
    return (b * b).sum()


def _view_times_other(a):
    b = a * 1.0
    row = b[0]
    row *= a[1]
    return (b ** 2).sum()


def _write_base_use_view(a):
    b = a * 1.0
    v = b[1]  # a row: a view
    b[1, 2] = 10.0
    return (v * v).sum()


def _reshape_write(a):
    b = a * 1.0
    r = b.reshape(4, 3)[1]
    r += a[2, 1:] * a[0, :3]
    return (b * b * b).sum()


VIEW_CASES = {f.__name__.lstrip("_"): f for f in (
    _view_slice_mul, _view_of_view, _view_transpose_write, _view_times_other,
    _write_base_use_view, _reshape_write)}


@pytest.mark.parametrize("case", sorted(VIEW_CASES))
def test_inplace_on_view(backend, case):
    f = VIEW_CASES[case]
    a0 = np.random.default_rng(3).normal(size=(3, 4))

    a = _leaf(a0)
    f(a).backward()
    g = _np(a.grad)

    def value(arr):
        with ad.no_grad():
            return float(_np(f(ad.tensor(arr))))

    np.testing.assert_allclose(g, _fd_grad(value, a0), rtol=1e-6, atol=1e-6)
    torch = _torch_or_none()
    if torch is not None:
        ta = torch.tensor(a0, requires_grad=True)
        f(ta).backward()
        np.testing.assert_allclose(g, ta.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_inplace_on_view_second_order(backend):
    # test_inplace_on_view_gradgradcheck: a write through a view, differentiated twice
    def f(v):
        y = v * 2.0
        y[1:] *= gnp.sin(v[:-1])
        y.T[0] = v[0] * v[2]
        return gnp.sum(y * y * v)

    check_grads(f, (X0,), order=2, modes=("rev",))


def test_write_through_view_of_leaf_raises(backend):
    # test_inplace_on_view_leaf_errors
    x = _leaf(np.arange(6.0).reshape(2, 3))
    v = x[0]
    with pytest.raises(ad.GradError, match="view .* of a leaf"):
        v *= 2.0


def test_view_of_leaf_gradient(backend):
    x = _leaf(np.arange(6.0).reshape(2, 3))
    b = x[0]
    gnp.sum(b * b).backward()
    np.testing.assert_allclose(_np(x.grad), [[0, 2, 4], [0, 0, 0]])


def test_split_piece_written_in_place(backend):
    # torch raises for in-place writes to outputs of multi-output views (split, unbind);
    # gpuad records them (docs/semantics.md, views): check the value against finite differences
    def f(v):
        a = v * 1.0
        _, q = gnp.split(a, [1])
        q *= 2.0
        return gnp.sum(a * a * v)

    check_grads(f, (X0,), order=2, modes=("rev",))


def test_write_through_real_view(backend):
    # writes through .real / .imag replace that half of the complex values, as in PyTorch
    z = ad.tensor(np.array([1 + 2j, 3 - 1j]), requires_grad=True)
    y = z * 1.0
    y.real[0] = 5.0
    y.imag[1] *= 3.0
    gnp.sum(gnp.abs(y) ** 2).backward()
    np.testing.assert_allclose(_np(y), [5 + 2j, 3 - 3j])
    # |y|^2 = 25 + Im(z0)^2 + Re(z1)^2 + 9 Im(z1)^2; gradient dL/dx + i dL/dy
    np.testing.assert_allclose(_np(z.grad), [4j, 6 - 18j])


# ---- detach, requires_grad, no_grad -------------------------------------------------------------

def test_detach(backend):
    # test_detach
    x = _leaf(X0)
    y = (x * 2.0).detach()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    z = x + y
    gnp.sum(z).backward()
    np.testing.assert_allclose(_np(x.grad), 1.0)
    assert not (y * 4.0 + 2.0).requires_grad


def test_requires_grad_propagation(backend):
    # test_requires_grad
    a, b = ad.tensor(X0), _leaf(X0)
    assert not (a * 2.0).requires_grad
    c = a * b
    assert c.requires_grad and not c.is_leaf and c.grad_fn is not None
    assert b.is_leaf and b.grad_fn is None
    b2 = ad.tensor(X0)
    b2.requires_grad_()
    assert (a * b2).requires_grad
    b2.requires_grad_(False)
    assert not (a * b2).requires_grad


def test_requires_grad_false_on_non_leaf_raises(backend):
    x = _leaf(X0)
    y = x * 2.0
    with pytest.raises(ad.GradError, match="detach"):
        y.requires_grad_(False)
    assert y.requires_grad


def test_no_grad_and_enable_grad(backend):
    # test_no_grad, test_set_grad_enabled, test_no_grad_python_function
    x = _leaf(X0)
    with ad.no_grad():
        y = x * 2.0
        assert not ad.is_grad_enabled()
        with ad.enable_grad():
            z = x * 2.0
            assert ad.is_grad_enabled()
        w = x * 2.0
    assert ad.is_grad_enabled()
    assert not y.requires_grad and z.requires_grad and not w.requires_grad

    @ad.no_grad()
    def doubled(a):
        return a * 2.0

    assert not doubled(x).requires_grad

    @ad.no_grad  # without parentheses, as torch allows
    def tripled(a):
        return a * 3.0

    assert not tripled(x).requires_grad and ad.is_grad_enabled()
    with ad.no_grad():
        assert ad.enable_grad(lambda a: a * 2.0)(x).requires_grad
    with pytest.raises(ValueError):
        with ad.no_grad():
            raise ValueError("the flag is restored on errors")
    assert ad.is_grad_enabled()


def test_backward_inside_no_grad(backend):
    x = _leaf(2.0)
    y = x * x * x
    with ad.no_grad():
        y.backward()
    np.testing.assert_allclose(_np(x.grad), 12.0)


# ---- non-differentiable outputs, integer inputs -----------------------------------------------

def test_non_differentiable_outputs(backend):
    # test_mark_non_differentiable / integer outputs: argmax, comparisons, floor
    x = _leaf(X0)
    for out in (gnp.argmax(x), x > 0.0, gnp.floor(x), gnp.sign(x)):
        assert not out.requires_grad
    with pytest.raises(ad.GradError, match="does not require grad"):
        gnp.sum(gnp.floor(x)).backward()
    # a non-differentiable branch next to a differentiable one
    y = gnp.sum(x * gnp.floor(x))
    y.backward()
    np.testing.assert_allclose(_np(x.grad), np.floor(X0))


def test_integer_inputs_error(backend):
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        ad.tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="dtype int64"):
        ad.grad(lambda v: gnp.sum(v * 2.0))(np.arange(3))
    a = ad.tensor(np.arange(3))
    a.requires_grad = True  # the attribute cannot check; backward does
    with pytest.raises(ad.GradError, match="leaf of dtype int64"):
        gnp.sum(a * 2.0).backward()


# ---- gradients at special points ---------------------------------------------------------------

def test_pow_zero_tensor_gradient(backend):
    # test_pow_zero_tensor_gradient, test_pow_scalar_base
    x = _leaf([0.0, 1.0, 2.0])
    gnp.sum(x ** 0.0).backward()
    np.testing.assert_array_equal(_np(x.grad), 0.0)
    y = _leaf([0.0, 1.0, 2.0])
    gnp.sum(0.0 ** y).backward()
    np.testing.assert_array_equal(_np(y.grad), 0.0)
    z = _leaf([0.0, 1.0])
    gnp.sum(z ** 2.0).backward()
    np.testing.assert_array_equal(_np(z.grad), [0.0, 2.0])


def test_norm_and_abs_at_zero(backend):
    x = _leaf(np.zeros(3))
    gnp.linalg.norm(x).backward()
    np.testing.assert_array_equal(_np(x.grad), 0.0)
    y = _leaf(np.zeros(2))
    gnp.sum(gnp.abs(y)).backward()
    np.testing.assert_array_equal(_np(y.grad), 0.0)


def test_amax_ties_share_gradient(backend):
    x = _leaf([1.0, 3.0, 3.0])
    gnp.max(x).backward()
    np.testing.assert_allclose(_np(x.grad), [0.0, 0.5, 0.5])


# ---- complex gradients -----------------------------------------------------------------------

Z0 = np.array([0.7 + 0.4j, -1.1 + 0.9j, 0.2 - 1.3j])

COMPLEX_LOSSES = {
    # test_complex_* and the complex entries of gradcheck: real losses of a complex input
    "abs_sq": (lambda w: gnp.sum(gnp.abs(w) ** 2), lambda w: (w.abs() ** 2).sum()),
    "abs_of_square": (lambda w: gnp.sum(gnp.abs(w * w)), lambda w: (w * w).abs().sum()),
    "real_exp": (lambda w: gnp.sum(gnp.real(gnp.exp(w))), lambda w: w.exp().real.sum()),
    "imag_square": (lambda w: gnp.sum(gnp.imag(w * w)), lambda w: (w * w).imag.sum()),
    "angle": (lambda w: gnp.sum(gnp.angle(w)), lambda w: w.angle().sum()),
    "abs_log": (lambda w: gnp.sum(gnp.abs(gnp.log(w))), lambda w: w.log().abs().sum()),
    "conj_product": (lambda w: gnp.sum(gnp.abs(gnp.conj(w) * w * w)),
                     lambda w: (w.conj() * w * w).abs().sum()),
    "outer_matmul": (lambda w: gnp.abs(gnp.sum(gnp.matmul(gnp.outer(w, w), w))),
                     lambda w: (w.outer(w) @ w).sum().abs()),
    "re_times_im": (lambda w: gnp.sum(w.real * w.imag), lambda w: (w.real * w.imag).sum()),
    "sin_over": (lambda w: gnp.sum(gnp.abs(gnp.sin(w) / (w + 2.0))),
                 lambda w: (w.sin() / (w + 2.0)).abs().sum()),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_LOSSES))
def test_complex_gradient(backend, name):
    fg, ft = COMPLEX_LOSSES[name]
    z = ad.tensor(Z0.copy(), requires_grad=True)
    fg(z).backward()
    g = _np(z.grad)
    assert g.dtype == np.complex128

    def value(arr):
        return float(_np(fg(ad.tensor(arr))))

    np.testing.assert_allclose(g, _fd_grad(value, Z0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(ad.grad(fg)(Z0)), g, rtol=1e-13, atol=1e-14)
    torch = _torch_or_none()
    if torch is not None:
        tz = torch.tensor(Z0, requires_grad=True)
        ft(tz).backward()
        np.testing.assert_allclose(g, tz.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_complex_output_needs_gradient(backend):
    z = ad.tensor(Z0, requires_grad=True)
    with pytest.raises(ad.GradError, match="complex"):
        gnp.sum(z * z).backward()
    gout = np.array([1.0 - 0.5j, 0.3j, 2.0])
    (z * z).backward(gradient=gout)
    np.testing.assert_allclose(_np(z.grad), gout * np.conj(2 * Z0), rtol=1e-13)  # g conj(f')


def test_real_input_through_complex_gets_real_gradient(backend):
    r = np.array([0.5, -1.5, 2.0])
    x = _leaf(r)
    gnp.sum(gnp.abs(x * (1 + 2j) + 1j) ** 2).backward()
    g = _np(x.grad)
    assert g.dtype == np.float64
    # |x (1+2i) + i|^2 = x^2 + (2x + 1)^2, derivative 2x + 4(2x + 1)
    np.testing.assert_allclose(g, 2 * r + 4 * (2 * r + 1), rtol=1e-13)


def test_complex_double_backward(backend):
    z = ad.tensor(Z0.copy(), requires_grad=True)
    gnp.sum(gnp.abs(z * z * z) ** 2).backward(create_graph=True)
    g = z.grad
    z.grad = None
    gnp.sum(gnp.real(g * gnp.conj(g))).backward()

    def first(arr):
        return _np(ad.grad(lambda w: gnp.sum(gnp.abs(w * w * w) ** 2))(arr))

    np.testing.assert_allclose(_np(z.grad),
                               _fd_grad(lambda a: float(np.sum(np.abs(first(a)) ** 2)), Z0),
                               rtol=1e-6)
    torch = _torch_or_none()
    if torch is not None:
        tz = torch.tensor(Z0, requires_grad=True)
        (tg,) = torch.autograd.grad(((tz * tz * tz).abs() ** 2).sum(), tz, create_graph=True)
        (tg * tg.conj()).real.sum().backward()
        np.testing.assert_allclose(_np(z.grad), tz.grad.numpy(), rtol=1e-12)


def test_complex_through_real_only_op_raises(backend):
    z = ad.tensor(Z0, requires_grad=True)
    with pytest.raises(ad.MissingRuleError, match="maximum"):
        gnp.sum(gnp.abs(gnp.maximum(z * 1.0, 0.0))).backward()


# ---- functional API (test/autograd/test_functional.py) -------------------------------------------

def _fv(a):
    return gnp.stack([a[0] * a[1], gnp.sin(a[2]), a[0] ** 3])


def _jac_fd(f, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        cols.append((_np(f(x + e)) - _np(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


def test_functional_jacobian_vjp_jvp(backend):
    v3 = np.array([0.5, -1.0, 0.25])
    J = _jac_fd(lambda a: _fv(ad.tensor(a)), X0)
    np.testing.assert_allclose(_np(ad.jacrev(_fv)(X0)), J, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(_np(ad.jacfwd(_fv)(X0)), J, rtol=1e-7, atol=1e-8)
    out, vjp_fn = ad.vjp(_fv, X0)
    np.testing.assert_allclose(_np(vjp_fn(v3)[0]), v3 @ J, rtol=1e-7, atol=1e-8)
    _, tangent = ad.jvp(_fv, (X0,), (v3,))
    np.testing.assert_allclose(_np(tangent), J @ v3, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(_np(out), _np(_fv(ad.tensor(X0))))


def test_functional_hessian_hvp_vhp(backend):
    v = np.array([0.5, -1.0, 0.25])
    H = _jac_fd(lambda a: ad.grad(_f_scalar)(a), X0, eps=1e-5)
    np.testing.assert_allclose(_np(ad.hessian(_f_scalar)(X0)), H, rtol=1e-6, atol=1e-7)
    hvp = ad.jvp(ad.grad(_f_scalar), (X0,), (v,))[1]  # forward over reverse
    vhp = ad.vjp(ad.grad(_f_scalar), X0)[1](v)[0]  # reverse over reverse
    np.testing.assert_allclose(_np(hvp), H @ v, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(vhp), v @ H, rtol=1e-6, atol=1e-7)
    check_grads(_f_scalar, (X0,), order=2, modes=("fwd", "rev"))


def test_functional_against_torch(backend):
    torch = _torch()
    from torch.autograd import functional as AF

    v = np.array([0.5, -1.0, 0.25])
    tx, tv = torch.tensor(X0), torch.tensor(v)

    def ft(a):
        return (torch.exp(a) * a.flip(0) ** 2 + torch.sin(a * a[0])).sum()

    def ftv(a):
        return torch.stack([a[0] * a[1], torch.sin(a[2]), a[0] ** 3])

    np.testing.assert_allclose(_np(ad.hessian(_f_scalar)(X0)), AF.hessian(ft, tx).numpy(),
                               rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(_np(ad.jacrev(_fv)(X0)), AF.jacobian(ftv, tx).numpy(),
                               rtol=1e-13)
    np.testing.assert_allclose(_np(ad.vjp(ad.grad(_f_scalar), X0)[1](v)[0]),
                               AF.vhp(ft, tx, tv)[1].numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(_np(ad.jvp(ad.grad(_f_scalar), (X0,), (v,))[1]),
                               AF.hvp(ft, tx, tv)[1].numpy(), rtol=1e-12, atol=1e-13)


def test_functional_multiple_inputs_hessian_blocks(backend):
    y0 = np.array([0.4, -0.8])

    def f2(a, b):
        return gnp.sum(a[:, None] ** 2 * gnp.sin(b)[None, :])

    H = ad.hessian(f2, argnums=(0, 1))(X0, y0)
    s, c = np.sin(y0), np.cos(y0)
    np.testing.assert_allclose(_np(H[0][0]), np.diag(2 * np.full(3, s.sum())), atol=1e-14)
    np.testing.assert_allclose(_np(H[0][1]), 2 * X0[:, None] * c[None, :], rtol=1e-13)
    np.testing.assert_allclose(_np(H[1][0]), _np(H[0][1]).T, rtol=1e-13)
    np.testing.assert_allclose(_np(H[1][1]), np.diag(-(X0 ** 2).sum() * s), rtol=1e-13)
