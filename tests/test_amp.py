"""gpuad.amp (torch.autocast, torch.amp.GradScaler) against hand-derived values."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad.numpy import matmul as early_matmul  # taken before any autocast block
from tests.conftest import to_numpy

E = 1.0 + 2.0**-12  # float32 holds it; float16 rounds it to 1 (10 fraction bits)


def _t(a, grad=False):
    return ad.tensor(np.array(a), requires_grad=grad)


# ---- autocast --------------------------------------------------------------------------------
def test_lists_dtypes(backend):
    x = _t(np.full((2, 3), E, np.float32), grad=True)
    w = _t(np.ones((4, 3), np.float32), grad=True)
    x16 = _t(np.ones((2, 3), np.float16))
    with ad.autocast("cuda"):
        y = F.linear(x, w)
        assert y.dtype == np.float16
        # E rounds to 1 in float16: each entry is 3 (float32 would give 3 * E)
        np.testing.assert_array_equal(to_numpy(y), np.full((2, 4), 3.0, np.float16))
        assert (x @ w.T).dtype == gnp.matmul(x, w.T).dtype == early_matmul(x, w.T).dtype \
            == gnp.einsum("ij,kj->ik", x, w).dtype == x.mm(w.T).dtype == np.float16
        for r in (gnp.exp(x16), gnp.sum(x16), x16 ** 2, 2.0 ** x16, 1.0 / x16,
                  F.softmax(x16, dim=1), F.log_softmax(x16, dim=1), x16.sum(), x16.exp(),
                  F.mse_loss(x16, x16), F.layer_norm(x16, (3,)), gnp.cumsum(x16, axis=1)):
            assert r.dtype == np.float32
        assert gnp.sum(x16, dtype=np.float16).dtype == np.float16  # an explicit dtype is kept
        assert gnp.dot(x16[0], x[0]).dtype == np.float32  # promote: the widest
        assert gnp.dot(x16[0], x16[0]).dtype == np.float16
        assert F.relu(x16).dtype == gnp.tanh(x16).dtype == np.float16  # unlisted: as given
        x64 = _t(np.ones((2, 2)))
        assert (x64 @ x64).dtype == gnp.exp(x64).dtype == np.float64  # float64: never cast
        with ad.autocast("cuda", enabled=False):
            assert F.linear(x, w).dtype == np.float32
            assert not ad.is_autocast_enabled()
        assert ad.is_autocast_enabled() and not ad.is_autocast_enabled("cpu")
    assert F.linear(x, w).dtype == np.float32 and not ad.is_autocast_enabled()


def test_float32_leaf_gets_float32_grad(backend):
    x = _t(np.full((2, 3), E, np.float32), grad=True)
    w = _t(np.array([[1.0, 2.0, 3.0]], np.float32), grad=True)
    with ad.autocast("cuda"):
        y = F.linear(x, w)  # (2, 1) float16: 6 each
        loss = F.mse_loss(y, gnp.zeros((2, 1), dtype=np.float32))  # float32: mean(y^2) = 36
    assert loss.dtype == np.float32 and float(loss) == 36.0
    loss.backward()
    # d/dy mean(y^2) = y = 6 (float16); d/dx = 6 * w, d/dw = 6 * sum over rows of x16 = 12
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    np.testing.assert_array_equal(to_numpy(x.grad), [[6.0, 12.0, 18.0]] * 2)
    np.testing.assert_array_equal(to_numpy(w.grad), [[12.0, 12.0, 12.0]])


def test_decorator_and_cpu_dtype(backend):
    @ad.autocast("cpu", dtype=np.float16)
    def f(a):
        return a @ a

    a = _t(np.eye(2, dtype=np.float32))
    assert f(a).dtype == np.float16 and (a @ a).dtype == np.float32


def test_errors():
    with pytest.raises(TypeError, match="bfloat16"):
        ad.autocast("cpu")  # torch's CPU default dtype
    with pytest.raises(TypeError, match="bfloat16"):
        ad.get_autocast_dtype("cpu")
    with pytest.raises(TypeError, match="bfloat16"):
        ad.autocast("cuda", dtype="bfloat16")
    with ad.autocast("cpu", enabled=False):
        pass
    with pytest.raises(RuntimeError, match="device_type"):
        ad.autocast("xla")
    with pytest.raises(ValueError, match="device_type"):
        ad.autocast(None)
    assert ad.get_autocast_dtype("cuda") == np.float16
    with pytest.warns(UserWarning, match="Disabling autocast"):
        blk = ad.autocast("cuda", dtype=np.float64)
    with blk:
        assert not ad.is_autocast_enabled()
    p = _t(np.full(2, 0.5, np.float32))
    with ad.autocast("cuda"), pytest.raises(RuntimeError, match="unsafe to autocast"):
        F.binary_cross_entropy(p, p)


def test_gelu_float16_stays_float16(backend):
    """F.gelu of float16 gave float64 (SciPy's erf widens float16): torch keeps float16,
    computing in float32 and rounding once."""
    v = np.array([-1.5, -0.25, 0.5, 2.0], np.float16)
    y = F.gelu(_t(v))
    assert y.dtype == np.float16
    want = [np.float16(np.float32(0.5 * float(a) * (1 + math.erf(float(a) / math.sqrt(2)))))
            for a in v]
    np.testing.assert_allclose(to_numpy(y).astype(np.float64), np.array(want, np.float64),
                               rtol=1e-3)


def test_checkpoint_recomputes_under_forward_state(backend):
    """A checkpointed block recomputed in backward ran without the forward's autocast: its
    float32 recomputation gave the gradient of a different function."""
    import gpuad.utils.checkpoint as C

    def run(ck):
        x = _t(np.full((1, 2), E, np.float32), grad=True)
        with ad.autocast("cuda"):
            f = lambda a: (a @ a.T) * a  # noqa: E731  (float16: a @ a.T = 2, not 2 E^2)
            y = C.checkpoint(f, x, use_reentrant=False) if ck else f(x)
        y.astype(np.float32).sum().backward()
        return to_numpy(x.grad)

    # by hand: L = s * (x_0 + x_1) with s = x16 . x16 = 2 (E rounds to 1 in float16), so
    # dL/dx_k = s + 2 x16_k * float16(x_0 + x_1) = 2 + 2 * 1 * 2 = 6 (float32 would give
    # 2 E^2 + 4 E^2 = 6.0029...)
    np.testing.assert_array_equal(run(False), [[6.0, 6.0]])
    np.testing.assert_array_equal(run(True), [[6.0, 6.0]])


def test_jit_retraces_on_autocast_state(backend):
    f = ad.jit(lambda a: a @ a)
    a = _t(np.eye(2, dtype=np.float32))
    assert f(a).dtype == np.float32
    with ad.autocast("cuda"):
        assert f(a).dtype == np.float16
    assert f(a).dtype == np.float32


# ---- GradScaler ------------------------------------------------------------------------------
def _param(v, grad):
    p = _t(np.asarray(v, np.float32), grad=True)
    p.grad = _t(np.asarray(grad, np.float32))
    return p


def test_scaler_unscale_step_update(backend):
    s = ad.amp.GradScaler(init_scale=4.0, growth_interval=2)
    p = _param([1.0, 2.0], [8.0, -4.0])
    opt = ad.optim.SGD([p], lr=0.5)
    loss = s.scale(_t(np.float32(3.0)))
    assert float(loss) == 12.0 and loss.dtype == np.float32
    s.unscale_(opt)
    np.testing.assert_array_equal(to_numpy(p.grad), [2.0, -1.0])
    assert s.step(opt) is None  # SGD.step returns the closure's None
    np.testing.assert_array_equal(to_numpy(p), [0.0, 2.5])
    s.update()
    assert s.get_scale() == 4.0 and s._get_growth_tracker() == 1
    p.grad = _t(np.array([np.nan, 1.0], np.float32))
    s.step(opt)  # skipped: p unchanged
    np.testing.assert_array_equal(to_numpy(p), [0.0, 2.5])
    s.update()
    assert s.get_scale() == 2.0 and s._get_growth_tracker() == 0
    for _ in range(2):
        p.grad = _t(np.array([2.0, 2.0], np.float32))
        s.step(opt)
        s.update()
    assert s.get_scale() == 4.0 and s._get_growth_tracker() == 0  # grown after 2 good steps
    # 2 steps of p -= 0.5 * (2 / 2)
    np.testing.assert_array_equal(to_numpy(p), [-1.0, 1.5])
    s.update(new_scale=1.5)
    assert s.get_scale() == 1.5


def test_scaler_float32_scale_and_growth_overflow():
    s = ad.amp.GradScaler(init_scale=0.1, backoff_factor=0.3, growth_factor=3.0e38,
                          growth_interval=1)
    s.scale(_t(np.float32(1.0)))
    assert s.get_scale() == float(np.float32(0.1))
    p = _param([0.0], [1.0])
    o = ad.optim.SGD([p], lr=1.0)
    s.step(o)
    s.update()
    assert s.get_scale() == float(np.float32(float(np.float32(0.1)) * 3.0e38))
    s.step(o)
    s.update()  # the grown scale would be inf in float32: kept, tracker reset
    assert s.get_scale() == float(np.float32(float(np.float32(0.1)) * 3.0e38))
    assert s._get_growth_tracker() == 0


def test_scaler_scale_structures_and_dtypes(backend):
    s = ad.amp.GradScaler(init_scale=2.0)
    h = _t(np.ones(2, np.float16))
    out = s.scale([h, (_t(np.float16(1.5)), [_t(np.ones(1, np.float32))])])
    assert isinstance(out, list) and isinstance(out[1], tuple) and isinstance(out[1][1], list)
    assert out[0].dtype == np.float16  # a float32 0-d scale keeps float16 arrays float16
    assert out[1][0].dtype == np.float32 and float(out[1][0]) == 3.0  # 0-d with 0-d: float32
    assert out[1][1][0].dtype == np.float32
    with pytest.raises(ValueError, match="outputs must be a Tensor"):
        s.scale("loss")


def test_scaler_errors(backend):
    s = ad.amp.GradScaler()
    p = _param([1.0], [1.0])
    o = ad.optim.SGD([p], lr=1.0)
    for m in (lambda: s.unscale_(o), lambda: s.step(o), lambda: s.update()):
        with pytest.raises(AssertionError, match="_scale is None"):
            m()
    s.scale(_t(np.float32(1.0)))
    with pytest.raises(AssertionError, match="No inf checks"):
        s.update()
    s.unscale_(o)
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        s.unscale_(o)
    with pytest.raises(RuntimeError, match="Closure use"):
        s.step(o, closure=lambda: 0.0)
    s.step(o)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(o)
    with pytest.raises(RuntimeError, match="after step"):
        s.unscale_(o)
    with pytest.raises(AssertionError, match="new_scale"):
        s.update(_t(np.ones(2, np.float32)))
    s.update()
    with pytest.raises(AssertionError, match="growth factor"):
        ad.amp.GradScaler(growth_factor=0.5)
    with pytest.raises(AssertionError, match="backoff factor"):
        ad.amp.GradScaler(backoff_factor=2.0)
    q = _t(np.ones(1, np.float16), grad=True)
    q.grad = _t(np.ones(1, np.float16))
    with pytest.raises(ValueError, match="FP16 gradients"):
        s.unscale_(ad.optim.SGD([q], lr=1.0))


def test_scaler_state_dict_pickle_disabled(backend):
    s = ad.amp.GradScaler(init_scale=8.0, growth_interval=7)
    s.scale(_t(np.float32(1.0)))
    sd = s.state_dict()
    assert sd == {"scale": 8.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                  "growth_interval": 7, "_growth_tracker": 0}
    t = ad.amp.GradScaler()
    t.load_state_dict(sd)
    assert t.state_dict() == sd
    assert pickle.loads(pickle.dumps(s)).state_dict() == sd
    with pytest.raises(RuntimeError, match="state dict is empty"):
        t.load_state_dict({})
    d = ad.amp.GradScaler(enabled=False)
    assert d.state_dict() == {} and d.get_scale() == 1.0 and not d.is_enabled()
    x = _t(np.ones(2, np.float32))
    assert d.scale(x) is x
    p = _param([1.0], [np.inf])
    o = ad.optim.SGD([p], lr=1.0)
    d.unscale_(o)
    d.step(o)  # disabled: not skipped
    d.update()
    assert np.isinf(to_numpy(p)[0])


def test_scaler_shared_by_two_optimizers(backend):
    s = ad.amp.GradScaler(init_scale=2.0)
    a, b = _param([1.0], [2.0]), _param([1.0], [np.inf])
    oa, ob = ad.optim.SGD([a], lr=1.0), ad.optim.SGD([b], lr=1.0)
    s.scale(_t(np.float32(1.0)))
    s.step(oa)
    s.step(ob)
    s.update()
    # oa's step ran (its gradients are finite), ob's was skipped; the scale backs off once
    np.testing.assert_array_equal(to_numpy(a), [0.0])
    np.testing.assert_array_equal(to_numpy(b), [1.0])
    assert s.get_scale() == 1.0


def test_half_input_float_params_normalisations(backend):
    """A float16 input normalised with float32 weights or statistics gave float32 (NumPy's
    promotion); torch returns float16, computed in float32 and rounded once."""
    x = _t(np.array([[0.0], [2.0]], np.float16))  # (N=2, C=1)
    one, zero = _t(np.ones(1, np.float32)), _t(np.zeros(1, np.float32))
    rm, rv = _t(np.zeros(1, np.float32)), _t(np.ones(1, np.float32))
    y = F.batch_norm(x, rm, rv, one, zero, training=True, momentum=1.0)
    # batch mean 1, biased variance 1: (x - 1) / sqrt(1 + 1e-5) rounds to -1, 1 in float16
    assert y.dtype == np.float16
    np.testing.assert_array_equal(to_numpy(y), [[-1.0], [1.0]])
    # the running statistics stay float32: mean 1, unbiased variance 2 (momentum 1)
    assert rm.dtype == np.float32
    np.testing.assert_array_equal(to_numpy(rm), [1.0])
    np.testing.assert_array_equal(to_numpy(rv), [2.0])
    z = _t(np.array([[[0.0, 2.0]]], np.float16))  # (1, 1, 2)
    for r in (F.layer_norm(z, (2,), _t(np.ones(2, np.float32))),
              F.group_norm(z, 1, one, zero), F.instance_norm(z, weight=one, bias=zero)):
        assert r.dtype == np.float16
        np.testing.assert_array_equal(to_numpy(r), [[[-1.0, 1.0]]])


def test_custom_fwd_bwd(backend):
    seen = []

    class Mul(ad.autograd.Function):
        @staticmethod
        @ad.amp.custom_fwd(device_type="cuda", cast_inputs=np.float32)
        def forward(ctx, a, b):
            seen.append(("fwd", ad.is_autocast_enabled(), a.dtype))
            ctx.save_for_backward(a, b)
            return a @ b

        @staticmethod
        @ad.amp.custom_bwd(device_type="cuda")
        def backward(ctx, g):
            seen.append(("bwd", ad.is_autocast_enabled(), g.dtype))
            a, b = ctx.saved_tensors
            return g @ b.T, a.T @ g

    a = _t(np.full((1, 2), E, np.float16), grad=True)  # (E rounds to 1)
    b = _t(np.full((2, 1), E, np.float32), grad=True)
    with ad.autocast("cuda"):
        y = Mul.apply(a, b)
        # cast to float32 and run with autocast off: 1 * E + 1 * E, not float16's 2
        assert y.dtype == np.float32 and float(y[0, 0]) == float(np.float32(2 * E))
    y.sum().backward()
    assert seen == [("fwd", False, np.float32), ("bwd", False, np.float32)]
    assert a.grad.dtype == np.float16 and b.grad.dtype == np.float32
    np.testing.assert_array_equal(to_numpy(b.grad), [[1.0], [1.0]])


def test_scaler_optimizer_without_gradients():
    """torch records no inf check for an optimizer whose parameters have no gradient: its
    step and the update raise (gpuad stepped it as if its gradients were finite)."""
    s = ad.amp.GradScaler()
    p = _t(np.zeros(2, np.float32), grad=True)
    o = ad.optim.SGD([p], lr=1.0)
    s.scale(_t(np.float32(1.0)))
    s.unscale_(o)
    with pytest.raises(AssertionError, match="No inf checks were recorded for this optimizer"):
        s.step(o)
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
        s.update()


def test_scaler_positional_init_scale_refused():
    """GradScaler(1024.0), written for torch.cuda.amp's (init_scale first), would take 1024.0
    as the device and start from 2**16."""
    with pytest.raises(TypeError, match="init_scale=1024.0"):
        ad.amp.GradScaler(1024.0)
    assert ad.amp.GradScaler("cpu", 1024.0).get_scale() == 1024.0


def test_user_functions_called_by_gpuad_are_cast(backend):
    x = _t(np.eye(2, dtype=np.float32))
    with ad.autocast("cuda"):
        r = gnp.apply_along_axis(lambda v: gnp.matmul(v, v), 1, x)
    assert r.dtype == np.float16


def test_first_autocast_block_before_gpuad_nn_is_imported_does_not_hang():
    # the first block imports gpuad.nn while holding the install lock, and gpuad.nn's import
    # installs its own lists under the same lock: a plain Lock deadlocked forever
    import subprocess
    import sys

    code = ("import gpuad\nwith gpuad.autocast('cuda'):\n    pass\n"
            "import gpuad.nn.functional as F\nprint(hasattr(F.linear, '__gpuad_autocast__'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_identity_checks_of_gpuad_functions_survive_an_autocast_block():
    # an autocast block wraps gnp.mean after optax's reduce_fn=gnp.mean default was bound:
    # the "mean over no valid list is 0" branch compared by identity and gave NaN
    from gpuad.optax import losses

    with ad.autocast("cuda"):
        pass
    s = np.array([[2.0, 1.0, 0.0], [1.0, 0.5, 1.5]])
    with np.errstate(invalid="ignore", divide="ignore"):
        got = losses.ranking_softmax_loss(s, np.eye(2, 3), where=np.zeros((2, 3), bool))
    assert float(np.asarray(got)) == 0.0
