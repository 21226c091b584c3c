"""The tape and the reverse sweep: accumulation, retention, versions, no_grad, checkpoint."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def t(a, rg=True):
    return ad.tensor(np.asarray(a, dtype=float), requires_grad=rg)


def test_fan_out_accumulates(backend):
    x = t([1.0, 2.0, 3.0])
    h = gnp.sin(x)
    y = gnp.sum(h * h + h * x + x)
    y.backward()
    xv = np.array([1.0, 2.0, 3.0])
    want = 2 * np.sin(xv) * np.cos(xv) + np.cos(xv) * xv + np.sin(xv) + 1
    np.testing.assert_allclose(to_numpy(x.grad), want, rtol=1e-12)


def test_grad_accumulates_across_backward_calls(backend):
    x = t([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), [5.0, 7.0])


def test_unused_inputs(backend):
    x, z = t([1.0]), t([2.0])
    (x * 2).sum().backward()
    assert z.grad is None
    gx, gz = ad.grad(lambda a, b: gnp.sum(a * 2), argnums=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_allclose(to_numpy(gz), np.zeros(3))
    np.testing.assert_allclose(to_numpy(gx), [2.0, 2.0])


def test_backward_twice_needs_retain_graph(backend):
    x = t([1.0, 2.0])
    y = gnp.sum(gnp.exp(x))
    y.backward()
    with pytest.raises(ad.GradError, match="second time"):
        y.backward()
    x2 = t([1.0, 2.0])
    y2 = gnp.sum(gnp.exp(x2))
    y2.backward(retain_graph=True)
    y2.backward()
    np.testing.assert_allclose(to_numpy(x2.grad), 2 * np.exp([1.0, 2.0]))


def test_saved_values_are_freed_after_backward(backend):
    x = t(np.ones(4))
    y = gnp.exp(x)
    node = y._node
    assert node.saved is not None and node.saved_bytes() == 32
    gnp.sum(y).backward()
    assert node.saved is None and node.saved_bytes() == 0


def test_saves_only_what_the_rule_needs(backend):
    x = t(np.ones(8))
    assert gnp.exp(x)._node.saved_bytes() == 64  # the output
    assert (x + x)._node.saved_bytes() == 0
    # multiply by a constant: only the constant factor is kept for x's adjoint
    assert (x * 2.0)._node.saved_bytes() == 0
    y = t(np.ones(8))
    assert (x * y)._node.saved_bytes() == 128


def test_no_grad_records_nothing(backend):
    x = t([1.0, 2.0])
    with ad.no_grad():
        y = gnp.sin(x) * x
    assert not y.requires_grad and y._node is None
    with pytest.raises(ad.GradError, match="does not require grad"):
        y.sum().backward()


def test_plain_arrays_in_plain_arrays_out(backend):
    xp = ad.get_backend().xp
    a = xp.asarray([0.1, 0.2])
    r = gnp.sin(a) * a
    assert type(r) is type(a)


def test_python_control_flow_traces_executed_branch(backend):
    def f(x):
        y = x
        while float(gnp.sum(y)) < 10:
            y = y * 2
        return gnp.sum(y if float(gnp.sum(x)) > 0 else -y)

    g = ad.grad(f)(np.array([1.0, 0.5]))  # doubled 3 times: 1.5 * 8 = 12 >= 10
    np.testing.assert_allclose(to_numpy(g), [8.0, 8.0])


def test_integer_inputs_are_not_differentiable(backend):
    with pytest.raises(TypeError, match="floating"):
        ad.tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="integer"):
        ad.grad(lambda x: gnp.sum(x * 1.0))(np.arange(3))
    x = t([1.0, 2.0])
    i = ad.tensor(np.array([1, 0]))
    y = gnp.sum(x * i)
    y.backward()
    assert i.grad is None
    np.testing.assert_allclose(to_numpy(x.grad), [1.0, 0.0])


# ---- versions and in-place writes -------------------------------------------------------------

def test_inplace_write_to_saved_value_raises(backend):
    x = t([0.5, 1.0])
    y = gnp.exp(x * 1.0)
    with ad.no_grad():
        y += 1.0
    with pytest.raises(ad.GradError, match=r"exp.*version 0.*version 1"):
        gnp.sum(y).backward()
    assert x.grad is None


def test_inplace_on_intermediate_is_correct(backend):
    x = t([1.0, 2.0])
    y = x * 1.0
    y *= x  # y = x^2, recorded
    y += 3.0
    gnp.sum(y).backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 4.0])


def test_setitem_on_intermediate(backend):
    x = t([1.0, 2.0, 3.0])
    z = t([10.0])
    y = x * 2.0
    y[0] = z[0] * z[0]
    y[np.array([2])] = 0.0
    gnp.sum(y * x).backward()
    np.testing.assert_allclose(to_numpy(y), [100.0, 4.0, 0.0])
    # d/dx sum(y * x) = y + x * dy/dx, with y[0] and y[2] no longer depending on x
    np.testing.assert_allclose(to_numpy(x.grad), [100.0, 4.0 + 2.0 * 2.0, 0.0])
    np.testing.assert_allclose(to_numpy(z.grad), [2 * 10.0 * 1.0])


def test_inplace_on_leaf_requiring_grad_raises(backend):
    x = t([1.0, 2.0])
    before = to_numpy(x).copy()
    with pytest.raises(ad.GradError, match="leaf"):
        x += 1.0
    np.testing.assert_array_equal(to_numpy(x), before)
    with ad.no_grad():
        x -= 1.0
    np.testing.assert_array_equal(to_numpy(x), before - 1.0)


def test_write_through_view_invalidates_dependent_history(backend):
    x = t([1.0, 2.0, 3.0])
    y = x * 1.0
    v = y[0:2]
    with ad.no_grad():
        y[1] = 5.0
    with pytest.raises(ad.GradError, match="modified in place"):
        gnp.sum(v * 2.0)


def test_out_argument(backend):
    x = t([1.0, 2.0])
    buf = x * 0.0
    gnp.multiply(x, x, out=buf)
    gnp.sum(buf).backward()
    np.testing.assert_allclose(to_numpy(x.grad), [2.0, 4.0])


# ---- create_graph, checkpoint ------------------------------------------------------------------

def test_backward_create_graph(backend):
    x = t([1.0, 2.0])
    gnp.sum(x ** 3).backward(create_graph=True)
    gx = x.grad
    assert gx.requires_grad
    x.grad = None
    gnp.sum(gx).backward()
    np.testing.assert_allclose(to_numpy(x.grad), [6.0, 12.0])


def _mlp_loss(w, x, blocks, use_ckpt):
    def block(h):  # several intermediates per block, one input
        a = gnp.tanh(h @ w)
        b = gnp.sin(a @ w)
        return a * b + gnp.exp(-b)

    f = ad.checkpoint(block) if use_ckpt else block
    h = x
    for _ in range(blocks):
        h = f(h)
    return gnp.sum(h * h)


def test_checkpoint_matches_and_saves_less(backend):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((4, 4)) * 0.5
    x = gnp.asarray(rng.standard_normal((3, 4)))
    g_plain = ad.grad(lambda w: _mlp_loss(w, x, 6, False))(w0)
    g_ckpt = ad.grad(lambda w: _mlp_loss(w, x, 6, True))(w0)
    np.testing.assert_allclose(to_numpy(g_ckpt), to_numpy(g_plain), rtol=1e-12)
    plain = ad.make_tape(lambda w: _mlp_loss(w, x, 6, False), w0).saved_bytes()
    ckpt = ad.make_tape(lambda w: _mlp_loss(w, x, 6, True), w0).saved_bytes()
    assert ckpt < plain / 2, (ckpt, plain)


def test_checkpoint_recomputes_and_replays_randomness(backend):
    calls = []

    def block(h):
        calls.append(1)
        noise = gnp.random.rand(*h.shape)
        return h * (noise > 0.5)

    x = t(np.ones(50))
    y = ad.checkpoint(block)(x)
    mask = to_numpy(y) != 0
    assert len(calls) == 1
    gnp.sum(y * 3.0).backward()
    assert len(calls) == 2
    np.testing.assert_array_equal(to_numpy(x.grad), np.where(mask, 3.0, 0.0))


def test_checkpoint_block_inputs_export_no_memory(backend):
    """Inside a checkpointed block's forward (run without recording) an input that requires
    grad counts as recorded: it exports no memory through __cuda_array_interface__, so a CuPy
    call on it defers to the Tensor's operators (CuPy's matmul took the memory instead and
    failed, or a kernel would compute with it and the gradient would be lost)."""
    xp = ad.get_backend().xp
    c = xp.asarray(np.array([[2.0, -1.0], [0.5, 3.0]]))
    exports = []

    def block(a, y):
        exports.append(hasattr(y, "__cuda_array_interface__"))
        return gnp.sin(a) * y + a @ y

    y = xp.asarray(np.array([[3.0, 0.5], [1.0, -2.0]]))
    g = ad.grad(lambda y: gnp.sum(ad.checkpoint(block)(c, y)))(y)
    assert exports and not any(exports)
    want = np.sin(to_numpy(c)) + to_numpy(c).sum(axis=0)[:, None]
    np.testing.assert_allclose(to_numpy(g), want, rtol=1e-15)


def test_checkpoint_closure_parameters_get_gradients(backend):
    w = t([[0.5, -0.2], [0.1, 0.3]])
    x = gnp.asarray(np.array([[1.0, 2.0]]))
    y = ad.checkpoint(lambda h: gnp.sin(h @ w))(x)
    gnp.sum(y).backward()
    want = np.array([[1.0], [2.0]]) * np.cos(np.array([[1.0, 2.0]]) @ to_numpy(w))
    np.testing.assert_allclose(to_numpy(w.grad), want, rtol=1e-12)


def test_checkpoint_second_order(backend):
    f = ad.checkpoint(lambda x: gnp.sin(x) * x)
    h = ad.grad(ad.grad(lambda x: gnp.sum(f(x))))(np.array(0.7))
    np.testing.assert_allclose(float(to_numpy(h)), 2 * np.cos(0.7) - 0.7 * np.sin(0.7))


def test_checkpoint_multiple_outputs(backend):
    def block(a):
        return gnp.sin(a), a * a

    x = t([0.3, 0.4])
    s, q = ad.checkpoint(block)(x)
    gnp.sum(s + 2 * q).backward()
    np.testing.assert_allclose(to_numpy(x.grad), np.cos([0.3, 0.4]) + 4 * np.array([0.3, 0.4]))


def test_discarded_results_free_their_steps(backend):
    import weakref

    x = t(np.ones(3))
    y = gnp.exp(x)
    ref = weakref.ref(y._node)
    del y
    assert ref() is None


def test_make_tape_lists_steps(backend):
    tape = ad.make_tape(lambda a, b: a * b + gnp.sin(a), 2.0, 3.0)
    text = str(tape)
    assert [n.rule.name for n in tape.steps] == ["multiply", "sin", "add"]
    assert "multiply" in text and "x1, x2" in text
    assert "16 B saved" in text  # x1 (saved by two steps) counted once, and x2
    adjoints = dict(tape.backward())
    assert float(to_numpy(adjoints["x1"])) == pytest.approx(3.0 + np.cos(2.0))
    assert float(to_numpy(adjoints["x2"])) == pytest.approx(2.0)


def test_setitem_with_repeated_indices_routes_the_adjoint_to_the_kept_write(backend):
    idx = gnp.asarray(np.array([0, 0, 2]))
    w = gnp.asarray(np.array([1.0, 2.0, 3.0, 4.0]))
    y = ad.tensor(np.array([1.0, 2.0, 3.0, 4.0])) * 1.0
    v = t([10.0, 20.0, 30.0])
    y[idx] = v
    np.testing.assert_allclose(to_numpy(y), [20.0, 2.0, 30.0, 4.0])  # the last write wins
    gnp.sum(y * w).backward()
    np.testing.assert_allclose(to_numpy(v.grad), [0.0, 1.0, 3.0])
    check = ad.jvp(lambda a: gnp.index_update(gnp.zeros(4), (idx,), a), (np.ones(3),),
                   (np.array([1.0, 2.0, 3.0]),))[1]
    np.testing.assert_allclose(to_numpy(check), [2.0, 0.0, 3.0, 0.0])
