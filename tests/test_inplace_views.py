"""In-place writes while recording: through views (the base's history is rebased), inside
reverse-over-forward and forward-over-reverse derivatives, and what still raises.

Each program is written once against a namespace ``m`` (``gpuad.numpy`` or ``torch``) and
checked against PyTorch's autograd (first and second order) and against finite differences
in both modes (``check_grads``, order 2)."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")

X12 = np.linspace(-1.3, 1.7, 12) + 0.05 * np.arange(12) ** 1.5
U12 = np.cos(np.arange(12.0) * 1.7)


def _copy(m, v):
    return v * 1.0


# ---- the battery: writes through views of non-leaf tensors -------------------------------------

def slice_add(m, v):
    y = v * 2.0
    y[1:3] += v[0:2] * v[3]
    return (y * y).sum()


def slice_write_value(m, v):
    y = m.sin(v)
    y[4:7] = v[0:3] * v[8]
    return (y * y * v).sum()


def element_write_in_base(m, v):
    y = m.sin(v)
    y[0] = v[1] * v[2]
    return (y * y).sum()


def view_of_view(m, v):
    y = _copy(m, v)
    y[1:][2:5] *= v[0:3]
    return m.exp(y).sum()


def transpose_view(m, v):
    y = v.reshape(3, 4) * 1.0
    y.T[0] *= 2.0
    y.T[1:3, 0] = v[0:2] ** 2
    return (y * y).sum() + m.sin(y).sum()


def reshape_view(m, v):
    y = _copy(m, v)
    w = y.reshape(3, 4)
    w[1] *= v[4:8]
    return (y * y).sum() + (w * w).sum()


def reshape_then_index_write(m, v):
    y = v * 3.0
    y.reshape(2, 6)[1, 2:4] = m.exp(v[0:2])
    return (y * m.sin(y)).sum()


def column_view(m, v):
    y = v.reshape(3, 4) * 1.0
    col = y[:, 1]
    col *= 2.0
    col += m.sin(v[0:3])
    return (y * y).sum()


def sibling_view_after_write(m, v):
    y = _copy(m, v)
    a = y[0:6]
    b = y[3:9]
    b *= 3.0  # a overlaps b: its next use sees the new values and their history
    return (a * a).sum() + (y * v).sum()


def base_write_then_old_view(m, v):
    y = v * 2.0
    a = y[2:8]
    y[4] = v[0] ** 3  # a write to the base; the older view a follows it
    y *= v
    return (a * a).sum() + y.sum()


def write_into_constant_buffer(m, v):
    out = m.zeros(12, dtype=m.float64) if m is torch else ad.tensor(np.zeros(12))
    o = out[2:5]
    o[...] = v[0:3] * 2.0
    o += v[5]
    return (out * out).sum() + o.sum()


def strided_view(m, v):
    y = _copy(m, v)
    y[::3] *= v[1:5]
    y[1::2] += 1.0
    return (y * y * y).sum()


def newaxis_view(m, v):
    y = v.reshape(3, 4) * 1.0
    y[None, 1, :][0, 2] = v[5] * v[6]
    return (m.sin(y) * y).sum()


PROGRAMS = [slice_add, slice_write_value, element_write_in_base, view_of_view, transpose_view,
            reshape_view, reshape_then_index_write, column_view, sibling_view_after_write,
            base_write_then_old_view, write_into_constant_buffer, strided_view, newaxis_view]


def _torch_grad_hvp(prog, x, u):
    v = torch.tensor(x, requires_grad=True)
    out = prog(torch, v)
    (g,) = torch.autograd.grad(out, v, create_graph=True)
    (h,) = torch.autograd.grad(g @ torch.tensor(u), v)
    return out.item(), g.detach().numpy(), h.numpy()


def _on_backend(a):
    return ad.get_backend().asarray(a)


@pytest.mark.parametrize("prog", PROGRAMS, ids=lambda p: p.__name__)
def test_view_writes_match_torch(backend, prog):
    x, u = _on_backend(X12), _on_backend(U12)
    val, g, hu = _torch_grad_hvp(prog, X12, U12)

    def f(v):
        return prog(gnp, v)

    value, grad = ad.value_and_grad(f)(x)
    np.testing.assert_allclose(float(to_numpy(value)), val, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(grad), g, rtol=1e-10, atol=1e-12)
    # forward mode: for a scalar output the tangent is <grad, u>
    _, t = ad.jvp(f, (x,), (u,))
    np.testing.assert_allclose(float(to_numpy(t)), g @ U12, rtol=1e-10, atol=1e-12)
    # the Hessian-vector product in three compositions
    rev_rev = ad.grad(lambda v: gnp.sum(ad.grad(f)(v) * u))(x)
    fwd_rev = ad.jvp(ad.grad(f), (x,), (u,))[1]
    rev_fwd = ad.grad(lambda v: ad.jvp(f, (v,), (u,))[1])(x)
    for h in (rev_rev, fwd_rev, rev_fwd):
        np.testing.assert_allclose(to_numpy(h), hu, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("prog", PROGRAMS, ids=lambda p: p.__name__)
def test_view_writes_match_finite_differences(backend, prog):
    check_grads(lambda v: prog(gnp, v), (X12,), order=2, modes=("fwd", "rev"))


def test_view_write_changes_the_base_values(backend):
    x = ad.tensor(X12.copy(), requires_grad=True)
    y = x * 1.0
    y.reshape(3, 4).T[1, 2] = 100.0  # element (2, 1) of the 3x4 matrix: flat index 9
    v = y[8:10]
    v *= 2.0
    expected = X12.copy()
    expected[9] = 100.0
    expected[8:10] *= 2.0
    np.testing.assert_array_equal(to_numpy(y), expected)
    gnp.sum(y * y).backward()
    dx = 2 * expected * np.where(np.isin(np.arange(12), [8]), 2.0, 1.0)
    dx[9] = 0.0
    np.testing.assert_allclose(to_numpy(x.grad), dx)


def test_writes_through_a_view_of_a_leaf_raise(backend):
    x = ad.tensor(X12.copy(), requires_grad=True)
    for write in (lambda: x[1:3].__setitem__(0, 7.0), lambda: x.reshape(3, 4)[0].__imul__(2.0),
                  lambda: x.reshape(3, 4).T.__iadd__(1.0)):
        with pytest.raises(ad.GradError, match="of a leaf tensor of shape \\(12,\\) that "
                                               "requires grad"):
            write()
    np.testing.assert_array_equal(to_numpy(x), X12)
    with ad.no_grad():  # an optimiser-style update through a view is fine
        x[1:3] -= 1.0
    assert float(to_numpy(x)[1]) == X12[1] - 1.0


def test_earlier_use_of_an_overwritten_view_raises_like_torch(backend):
    x = ad.tensor(X12.copy(), requires_grad=True)
    y = x * 1.0
    z = y[0:4] * y[0:4]  # multiply saves the view's values
    y[1:3] *= 2.0
    loss = gnp.sum(z) + gnp.sum(y)
    with pytest.raises(ad.GradError, match="multiply: input 0 was saved .* version 0 .*now "
                                           "version"):
        loss.backward()
    assert x.grad is None
    tx = torch.tensor(X12, requires_grad=True)
    ty = tx * 1.0
    tz = ty[0:4] * ty[0:4]
    ty[1:3] *= 2.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        (tz.sum() + ty.sum()).backward()


def test_an_unrecorded_write_through_a_view_still_makes_the_base_stale(backend):
    x = ad.tensor(X12.copy(), requires_grad=True)
    y = x * 1.0
    a = y[0:3]
    with ad.no_grad():
        y[5:7][0] = 3.0  # not recorded: y's history no longer describes y
    with pytest.raises(ad.GradError, match="modified in place through another view"):
        gnp.sum(y)
    with pytest.raises(ad.GradError, match="modified in place through another view"):
        gnp.sum(a)  # a cannot take its history from y either
    with pytest.raises(ad.GradError, match="without being recorded"):
        a[0] = x[1] * 2.0


def test_broadcast_view_write_raises(backend):
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = gnp.broadcast_to(x * 1.0, (3, 2))
    with pytest.raises((ad.GradError, ValueError), match="broadcast_to view|read-only"):
        b[0] = x * 3.0


def test_reshape_that_copies_is_not_a_view(backend):
    # as in NumPy (and PyTorch): a non-contiguous array's reshape is a copy; writing to it
    # leaves the base alone
    x = ad.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x * 1.0
    r = y.T.reshape(6)
    r[0] = 50.0
    np.testing.assert_array_equal(to_numpy(y), np.arange(6.0).reshape(2, 3))
    gnp.sum(y.T.reshape(6) * r).backward()
    flat = np.arange(6.0).reshape(2, 3).T.reshape(6)
    r_val = flat.copy()
    r_val[0] = 50.0
    # the first factor gets r, the second (r, except at the overwritten element) gets flat
    d_flat = r_val + np.where(np.arange(6) == 0, 0.0, flat)
    np.testing.assert_allclose(to_numpy(x.grad), d_flat.reshape(3, 2).T)


def test_a_single_element_is_a_copy_as_in_numpy(backend):
    x = ad.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * 2.0
    s = y[1]
    s += 10.0  # NumPy: y[1] is a scalar; y is unchanged
    np.testing.assert_array_equal(to_numpy(y), [2.0, 4.0, 6.0])
    assert float(to_numpy(s)) == 14.0
    e = y[1, ...]  # NumPy: a 0-d view
    e *= 3.0
    np.testing.assert_array_equal(to_numpy(y), [2.0, 12.0, 6.0])
    g = ad.grad(lambda v: gnp.sum((lambda y: (y[1, ...].__imul__(3.0), y)[1])(v * 2.0) ** 2))(
        np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(to_numpy(g), [8.0, 144.0, 24.0])


# ---- in-place ops inside reverse-over-forward and forward-over-reverse -------------------------

def mul_sin(m, v):
    y = v * 2.0
    y *= m.sin(v)
    return (y * y).sum()


def div_exp(m, v):
    y = v * 2.0
    y /= m.exp(v) + 1.0
    return (y * v).sum()


def setitem_product(m, v):
    y = m.sin(v) * 1.0
    y[1] = v[0] * v[2]
    return (y * y).sum()


def slice_iadd_power(m, v):
    y = v * 1.0
    y[2:] += v[:-2] ** 2
    return (y * y * y).sum()


def chained_inplace(m, v):
    y = v * 2.0
    y *= m.sin(v)
    y /= m.exp(v) + 1.0
    y[1] = v[0] * v[2]
    y[2:] += v[:-2] ** 2
    y *= y  # PyTorch refuses this one (mul_ of a tensor by itself saves the overwritten input)
    return (y * y).sum()


TORCH_FUNC_PROGRAMS = [mul_sin, div_exp, setitem_product, slice_iadd_power]


@pytest.mark.parametrize("prog", TORCH_FUNC_PROGRAMS, ids=lambda p: p.__name__)
def test_inplace_reverse_over_forward_matches_torch_func(backend, prog):
    from torch.func import grad as tgrad
    from torch.func import jvp as tjvp

    x, u = _on_backend(X12), _on_backend(U12)
    tu = torch.tensor(U12)
    rof = tgrad(lambda v: tjvp(lambda w: prog(torch, w), (v,), (tu,))[1])(torch.tensor(X12))
    for_ = tjvp(tgrad(lambda w: prog(torch, w)), (torch.tensor(X12),), (tu,))[1]
    np.testing.assert_allclose(rof.numpy(), for_.numpy(), rtol=1e-12)
    ours_rof = ad.grad(lambda v: ad.jvp(lambda w: prog(gnp, w), (v,), (u,))[1])(x)
    ours_for = ad.jvp(ad.grad(lambda w: prog(gnp, w)), (x,), (u,))[1]
    np.testing.assert_allclose(to_numpy(ours_rof), rof.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_numpy(ours_for), rof.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("prog", TORCH_FUNC_PROGRAMS + [chained_inplace],
                         ids=lambda p: p.__name__)
def test_inplace_second_order_matches_finite_differences(backend, prog):
    check_grads(lambda v: prog(gnp, v), (X12,), order=2, modes=("fwd", "rev"))
    h = ad.hessian(lambda v: prog(gnp, v))(_on_backend(X12))
    hu = ad.grad(lambda v: ad.jvp(lambda w: prog(gnp, w), (v,), (_on_backend(U12),))[1])(
        _on_backend(X12))
    np.testing.assert_allclose(to_numpy(h) @ U12, to_numpy(hu), rtol=1e-10, atol=1e-12)


def test_saved_output_overwritten_in_place_still_raises(backend):
    # exp saves its output; writing to that output loses what the gradient needs (PyTorch
    # raises the same way), in every order of differentiation
    def f(v):
        y = gnp.exp(v)
        y /= gnp.exp(v) + 1.0
        return gnp.sum(y * v)

    x = _on_backend(X12)
    for run in (lambda: ad.grad(f)(x),
                lambda: ad.grad(lambda v: ad.jvp(f, (v,), (x,))[1])(x),
                lambda: ad.jvp(ad.grad(f), (x,), (x,))):
        with pytest.raises(ad.GradError, match="exp: its output was saved"):
            run()


def test_writes_into_a_differentiated_argument_raise(backend):
    def f(v):
        v[0:2][0] = 5.0
        return gnp.sum(v * v)

    x = _on_backend(X12)
    for run in (lambda: ad.grad(f)(x),
                lambda: ad.grad(lambda v: gnp.sum(ad.grad(f)(v)))(x),
                lambda: ad.grad(f)(ad.tensor(X12, requires_grad=True) * 2.0)):
        with pytest.raises(ad.GradError, match="leaf tensor|argument of a function being "
                                               "differentiated"):
            run()
    np.testing.assert_array_equal(to_numpy(x), X12)

    def g(v):  # writing to a copy is the way
        w = v.copy()
        w[0:2][0] = 5.0
        return gnp.sum(w * v)

    check_grads(g, (X12,), order=2, modes=("fwd", "rev"))


# ---- random programs of writes through views, against PyTorch ---------------------------------

_RANDOM_VIEWS = [
    lambda y: y[1:3], lambda y: y[:, 1], lambda y: y.T, lambda y: y.T[2],
    lambda y: y.reshape(12)[3:9], lambda y: y[::2, 1:], lambda y: y.reshape(2, 6)[1],
    lambda y: y[0], lambda y: y.T[1:3, ::2], lambda y: y[None, 1][0, 1:3],
]


def _random_program(seed):
    rnd = np.random.default_rng(seed)
    steps = [(int(rnd.integers(len(_RANDOM_VIEWS))), int(rnd.integers(5)),
              float(rnd.uniform(-2, 2)), int(rnd.integers(12)), bool(rnd.random() < 0.4))
             for _ in range(int(rnd.integers(1, 6)))]

    def prog(m, v):
        y = m.sin(v).reshape(3, 4) * 1.0
        kept = []
        for vi, op, c, k, keep in steps:
            w = _RANDOM_VIEWS[vi](y)
            if op == 0:
                w += c * v[k]
            elif op == 1:
                w *= v[k] * c
            elif op == 2:
                w -= m.sin(v[k])
            elif op == 3:
                w[...] = v[k] ** 2 * c
            else:
                w /= 2.0 + m.cos(v[k])
            if keep:  # a view used after later writes to its base
                kept.append(_RANDOM_VIEWS[(vi + 3) % len(_RANDOM_VIEWS)](y))
        total = (y * y * y).sum()
        for o in kept:
            total = total + (o * 1.5).sum()
        return total

    return prog


@pytest.mark.parametrize("seeds", [range(0, 12), range(12, 24)], ids=["0-11", "12-23"])
def test_random_view_write_programs_match_torch(backend, seeds):
    x, u = _on_backend(X12), _on_backend(U12)
    for seed in seeds:
        prog = _random_program(seed)
        val, g, hu = _torch_grad_hvp(prog, X12, U12)
        value, grad = ad.value_and_grad(lambda v: prog(gnp, v))(x)
        rev_fwd = ad.grad(lambda v: ad.jvp(lambda w: prog(gnp, w), (v,), (u,))[1])(x)
        fwd_rev = ad.jvp(ad.grad(lambda w: prog(gnp, w)), (x,), (u,))[1]
        np.testing.assert_allclose(float(to_numpy(value)), val, rtol=1e-11, err_msg=seed)
        np.testing.assert_allclose(to_numpy(grad), g, rtol=1e-9, atol=1e-10, err_msg=seed)
        for h in (rev_fwd, fwd_rev):
            np.testing.assert_allclose(to_numpy(h), hu, rtol=1e-8, atol=1e-9, err_msg=seed)


def test_out_argument_inside_higher_order_derivatives(backend):
    def f(v):
        buf = v * 1.0
        gnp.multiply(buf, buf, out=buf)  # multiply saved buf; out= then overwrites it
        gnp.multiply(buf, gnp.sin(v), out=buf)
        return gnp.sum(buf * v)

    check_grads(f, (X12,), order=2, modes=("fwd", "rev"))


def test_flatten_is_a_copy_as_in_numpy(backend):
    # ravel is a view (writes reach the base); flatten copies, so writing into it leaves y alone
    def f(v):
        y = v * 1.0
        z = y.flatten()
        z[0] = 100.0
        return gnp.sum(y * y) + gnp.sum(z)

    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert float(f(ad.tensor(x))) == float(np.sum(x * x) + 100.0 + 9.0)
    np.testing.assert_allclose(to_numpy(ad.grad(f)(x)), 2 * x + np.array([[0.0, 1], [1, 1]]))
