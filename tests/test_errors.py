"""Clear errors: each names what went wrong, and none leaves the tape or the user's arrays
corrupted (after the error, the same computation done correctly gives the right gradient and
the inputs are unchanged)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CUDA_USABLE, to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import rules


def _x(shape=(2, 3), seed=0):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape)


def _check_recovers(x_host, x_tensor=None):
    """The correct computation still gives the right gradient afterwards."""
    if x_tensor is not None:
        np.testing.assert_array_equal(to_numpy(x_tensor), x_host)
    g = ad.grad(lambda a: gnp.sum(gnp.sin(a) * a))(ad.tensor(x_host.copy()))
    np.testing.assert_allclose(to_numpy(g), np.cos(x_host) * x_host + np.sin(x_host))
    t = ad.tensor(x_host.copy(), requires_grad=True)
    gnp.sum(gnp.exp(t * 1)).backward()
    np.testing.assert_allclose(to_numpy(t.grad), np.exp(x_host))


def test_shape_mismatch_names_op_and_shapes(backend):
    xh = _x()
    x = ad.tensor(xh.copy(), requires_grad=True)
    other = ad.tensor(np.ones(4))
    with pytest.raises(ValueError) as ei:
        gnp.add(x, other)
    msg = str(ei.value)
    assert "add" in msg and "(2, 3)" in msg and "(4,)" in msg
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4,\)"):
        gnp.matmul(x, other)
    _check_recovers(xh, x)


def test_vjp_cotangent_wrong_shape_and_dtype(backend):
    xh = _x()
    x = ad.tensor(xh.copy())
    y, back = ad.vjp(gnp.sin, x)
    xp = ad.get_backend().xp
    with pytest.raises(ValueError, match=r"vjp: cotangent has shape \(3,\).*\(2, 3\)"):
        back(xp.ones(3))
    with pytest.raises(TypeError, match="vjp: cotangent has dtype int64"):
        back(xp.ones((2, 3), dtype=np.int64))
    # the same vjp_fn still works with a correct cotangent
    (gx,) = back(xp.ones((2, 3)))
    np.testing.assert_allclose(to_numpy(gx), np.cos(xh))
    _check_recovers(xh, x)


def test_backward_gradient_wrong_shape_and_dtype(backend):
    xh = _x()
    x = ad.tensor(xh.copy(), requires_grad=True)
    y = gnp.sin(x)
    xp = ad.get_backend().xp
    with pytest.raises(ValueError, match=r"backward: cotangent has shape \(3,\).*\(2, 3\)"):
        y.backward(gradient=xp.ones(3))
    with pytest.raises(TypeError, match="backward: cotangent has dtype bool"):
        y.backward(gradient=xp.ones((2, 3), dtype=bool))
    assert x.grad is None
    # the graph was not consumed by the failed calls
    y.backward(gradient=xp.full((2, 3), 2.0))
    np.testing.assert_allclose(to_numpy(x.grad), 2 * np.cos(xh))
    _check_recovers(xh, x)


def test_grad_of_non_scalar_output(backend):
    xh = _x()
    with pytest.raises(TypeError, match=r"grad: f must return a scalar.*\(2, 3\)"):
        ad.grad(gnp.sin)(ad.tensor(xh.copy()))
    x = ad.tensor(xh.copy(), requires_grad=True)
    y = gnp.sin(x)
    with pytest.raises(ad.GradError, match=r"backward: the output has shape \(2, 3\)"):
        y.backward()
    gnp.sum(y).backward()
    np.testing.assert_allclose(to_numpy(x.grad), np.cos(xh))
    _check_recovers(xh, x)


def test_integer_inputs_are_not_differentiable(backend):
    xp = ad.get_backend().xp
    with pytest.raises(TypeError, match="grad: argument 0 has dtype int64.*floating-point"):
        ad.grad(lambda a: gnp.sum(a * 1.0))(xp.arange(3))
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        ad.tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="bool"):
        ad.tensor(np.array([True, False]), requires_grad=True)
    with pytest.raises(TypeError, match="jvp: argument 0 has dtype int64"):
        ad.jvp(gnp.sin, (xp.arange(3),), (xp.ones(3),))
    # integer arguments that are not differentiated are fine
    g = ad.grad(lambda a, k: gnp.sum(a * k), argnums=0)(xp.ones(3), xp.arange(3))
    np.testing.assert_array_equal(to_numpy(g), [0.0, 1.0, 2.0])
    _check_recovers(_x())


def test_integer_results_carry_no_gradient(backend):
    x = ad.tensor(np.array([0.5, 2.5, -1.5]), requires_grad=True)
    i = gnp.argmax(x)
    assert not i.requires_grad
    r = gnp.floor(x)
    assert not r.requires_grad
    with pytest.raises(ad.GradError, match="does not require grad"):
        gnp.sum(r).backward()


def test_backward_twice_without_retain_graph(backend):
    xh = _x()
    x = ad.tensor(xh.copy(), requires_grad=True)
    loss = gnp.sum(gnp.exp(x) * x)
    loss.backward()
    g1 = to_numpy(x.grad).copy()
    with pytest.raises(ad.GradError, match="second time.*retain_graph=True"):
        loss.backward()
    # the failed second call added nothing
    np.testing.assert_array_equal(to_numpy(x.grad), g1)
    # with retain_graph the second pass accumulates
    x.grad = None
    loss = gnp.sum(gnp.exp(x) * x)
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(to_numpy(x.grad), 2 * g1)
    _check_recovers(xh, x)


def test_inplace_write_to_saved_value(backend):
    xh = _x((3,))
    x = ad.tensor(xh.copy(), requires_grad=True)
    y = gnp.exp(x * 1)
    with ad.no_grad():
        y += 1
    with pytest.raises(ad.GradError) as ei:
        y.sum().backward()
    msg = str(ei.value)
    assert "exp" in msg and "version 0" in msg and "version 1" in msg and "output" in msg
    assert x.grad is None
    _check_recovers(xh, x)


def test_inplace_write_to_saved_input(backend):
    xh = _x((3,))
    x = ad.tensor(xh.copy(), requires_grad=True)
    h = x * 1
    y = gnp.sin(h)  # sin saves its input h
    with ad.no_grad():
        h[0] = 5.0
    with pytest.raises(ad.GradError, match=r"sin: input 0 .*version 0.*now version 1"):
        gnp.sum(y).backward()
    _check_recovers(xh, x)


def test_failed_backward_leaves_no_partial_grads(backend):
    """An error in the middle of backward writes no .grad at all (not half of them)."""
    x1 = ad.tensor(np.ones(3), requires_grad=True)
    x2 = ad.tensor(np.ones(3), requires_grad=True)
    y = gnp.exp(x1 * 1)
    z = y + x2  # x2's adjoint is ready before the stale exp step is reached
    with ad.no_grad():
        y += 1
    with pytest.raises(ad.GradError, match="exp"):
        gnp.sum(z).backward()
    assert x1.grad is None and x2.grad is None
    gnp.sum(gnp.exp(x1 * 1) + x2).backward()
    np.testing.assert_allclose(to_numpy(x1.grad), np.e * np.ones(3))
    np.testing.assert_allclose(to_numpy(x2.grad), np.ones(3))


def test_inplace_on_leaf_and_view_while_recording(backend):
    x = ad.tensor(np.arange(4.0), requires_grad=True)
    with pytest.raises(ad.GradError, match="leaf tensor of shape \\(4,\\) that requires grad"):
        x[0] = 5.0
    with pytest.raises(ad.GradError, match="leaf"):
        x += 1
    np.testing.assert_array_equal(to_numpy(x), np.arange(4.0))
    with pytest.raises(ad.GradError, match="view \\(shape \\(2,\\)\\) of a leaf tensor"):
        x[1:3][0] = 7.0
    np.testing.assert_array_equal(to_numpy(x), np.arange(4.0))
    y = x * 1
    v = y[1:3]
    v[0] = 7.0  # a write through a view of a non-leaf rebases the base's history
    np.testing.assert_array_equal(to_numpy(y), [0.0, 7.0, 2.0, 3.0])
    gnp.sum(y * y).backward()
    np.testing.assert_allclose(to_numpy(x.grad), [0.0, 0.0, 4.0, 6.0])


def test_einsum_repeated_index_is_differentiable(backend):
    # (it used to be a missing rule; the adjoint now embeds the diagonal)
    a = np.random.default_rng(1).standard_normal((3, 3))
    g = ad.grad(lambda m: gnp.einsum("ii->", m))(ad.tensor(a.copy()))
    np.testing.assert_allclose(to_numpy(g), np.eye(3))
    g = ad.grad(lambda v: gnp.einsum("ii,i->", ad.tensor(a), v))(ad.tensor(np.ones(3)))
    np.testing.assert_allclose(to_numpy(g), np.diag(a))


def test_missing_rule_names_op_and_argument(backend):
    op = rules.prim("test_errors_half", lambda xp, x, y: x * y,
                    vjp=[lambda g, ans, x, y: g * y, None])
    try:
        x = ad.tensor(np.ones(3), requires_grad=True)
        y = ad.tensor(np.full(3, 2.0), requires_grad=True)
        with pytest.raises(ad.MissingRuleError, match=r"test_errors_half.*argument 1 \(y\)"):
            gnp.sum(op(x, y)).backward()
        assert x.grad is None and y.grad is None
        gnp.sum(op(x, 2.0)).backward()  # the differentiable argument alone is fine
        np.testing.assert_array_equal(to_numpy(x.grad), [2.0, 2.0, 2.0])
    finally:
        rules.RULES.pop("test_errors_half", None)


def test_missing_rule_custom_prim_without_vjp(backend):
    op = rules.prim("test_errors_novjp", lambda xp, x, y: xp.sin(x) * y)
    try:
        x = ad.tensor(np.ones(3), requires_grad=True)
        out = op(x, 2.0)  # recording works; only backward needs the missing rule
        with pytest.raises(ad.MissingRuleError, match="test_errors_novjp.*argument 0"):
            gnp.sum(out).backward()
        assert x.grad is None
    finally:
        rules.RULES.pop("test_errors_novjp", None)
    _check_recovers(_x())


def test_custom_vjp_without_defvjp():
    @ad.custom_vjp
    def f(x):
        return gnp.sin(x)

    with pytest.raises(ad.GradError, match="custom_vjp f: call defvjp"):
        ad.grad(lambda x: gnp.sum(f(x)))(np.ones(3))


def test_out_of_memory_suggests_checkpoint():
    """Translation of an allocation failure (NumPy's MemoryError here, CuPy's on the GPU)."""
    x = ad.tensor(np.ones(2_000_000), requires_grad=True)
    with pytest.raises(MemoryError) as ei:
        gnp.multiply(x[:, None], x[None, :])  # 29 TiB
    msg = str(ei.value)
    assert "multiply" in msg and "(2000000, 1)" in msg and "gpuad.checkpoint" in msg
    # the process continues: the same reduction done in a size that fits
    gnp.sum(x * x).backward()
    assert float(x.grad.numpy()[0]) == 2.0


@pytest.mark.gpu
@pytest.mark.device_memory
def test_device_out_of_memory_suggests_checkpoint():
    cupy = pytest.importorskip("cupy")
    with ad.use_backend("cupy"):
        free, _ = cupy.cuda.runtime.memGetInfo()
        n = int(free // 8 // 2) + 1  # two of these cannot both fit
        x = ad.tensor(cupy.ones(n), requires_grad=True)
        hold = []
        with pytest.raises(MemoryError) as ei:
            for _ in range(4):
                hold.append(gnp.exp(x))
        assert "gpuad.checkpoint" in str(ei.value) and "exp" in str(ei.value)
        del hold, x
        cupy.get_default_memory_pool().free_all_blocks()
        _check_recovers(_x())


@pytest.mark.gpu
@pytest.mark.standin
@pytest.mark.skipif(not CUDA_USABLE, reason="needs cupy and a CUDA device")
def test_mixing_backends_is_an_error():
    cupy = pytest.importorskip("cupy")
    xh = _x()
    with ad.use_backend("numpy"):
        a = ad.tensor(xh.copy(), requires_grad=True)
    with ad.use_backend("cupy"):
        b = ad.tensor(cupy.asarray(xh), requires_grad=True)
    with pytest.raises(TypeError, match="cannot mix tensors of the 'numpy' and 'cupy'"):
        gnp.add(a, b)
    with ad.use_backend("numpy"):
        y = gnp.sin(a)
        with pytest.raises(TypeError, match="cupy array but the output lives on the numpy"):
            y.backward(gradient=cupy.ones((2, 3)))
        gnp.sum(y).backward()
    np.testing.assert_allclose(a.grad.numpy(), np.cos(xh))


def test_failure_message_names_a_dtype_class_argument():
    # a class among the arguments (np.float32 as a dtype) has a `shape` attribute of its own
    from gpuad import engine

    class Rule:
        name = "astype"

    msg = engine._describe_failure(Rule, (np.ones(3), np.float32), ValueError("bad"))
    assert msg == "astype: invalid inputs with shapes (3,), float32: bad"
