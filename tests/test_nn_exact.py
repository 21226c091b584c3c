"""gpuad.nn: exact or an error. Losses refuse shapes that would broadcast and labels outside
[0, C); cross-entropy and logaddexp keep float32 precision where the answer is near zero or the
inputs are large (against float64 references); modules register parameters by type."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn
from gpuad import rules as R
from gpuad.nn import functional as F


def xp_(a):
    return ad.get_backend().xp.asarray(a)


# ---- losses: shapes and labels ----------------------------------------------------------------

@pytest.mark.parametrize("loss", [F.mse_loss, F.binary_cross_entropy_with_logits,
                                  nn.MSELoss(), nn.BCEWithLogitsLoss()])
def test_losses_refuse_mismatched_shapes(backend, loss):
    pred = ad.tensor(np.full((4, 1), 0.5), requires_grad=True)
    target = xp_(np.array([0.0, 1.0, 1.0, 0.0]))
    with pytest.raises(ValueError, match=r"input has shape \(4, 1\) but target has shape "
                                         r"\(4,\)"):
        loss(pred, target)
    with pytest.raises(ValueError, match=r"\(3,\).*\(\)"):
        loss(ad.tensor(np.ones(3)), 1.0)
    assert pred.grad is None
    # equal shapes still work, and the value is the elementwise one
    out = loss(pred, gnp.reshape(target, (4, 1)))
    assert out.shape == ()


def test_mse_loss_value_with_equal_shapes(backend):
    p, t = np.array([[1.0], [2.0]]), np.array([[0.5], [4.0]])
    np.testing.assert_allclose(to_numpy(F.mse_loss(xp_(p), xp_(t))), np.mean((p - t) ** 2))


@pytest.mark.parametrize("bad", [[-1, 0], [0, 3], [2, -4], [7, 1]])
def test_cross_entropy_rejects_labels_outside_range(backend, bad):
    z = ad.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    with pytest.raises(IndexError, match=r"labels must lie in \[0, 3\)"):
        F.cross_entropy(z, np.array(bad))
    with pytest.raises(IndexError, match=r"softmax_cross_entropy.*\[0, 3\)"):
        R.softmax_cross_entropy(z, xp_(np.array(bad)))  # the fused primitive itself
    with pytest.raises(IndexError):
        nn.CrossEntropyLoss()(z, xp_(np.array(bad, dtype=np.int32)))
    assert z.grad is None


def test_cross_entropy_label_checks_accept_edges_and_refuse_non_integers(backend):
    z = np.random.default_rng(1).standard_normal((3, 4))
    lab = np.array([0, 3, 2], dtype=np.uint8)  # unsigned labels and both ends of the range
    got = F.cross_entropy(xp_(z), xp_(lab), reduction="none")
    m = z.max(1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(1, keepdims=True)))[:, 0]
    np.testing.assert_allclose(to_numpy(got), lse - z[np.arange(3), lab], rtol=1e-13)
    for bad in (lab.astype(float), lab.astype(bool)):
        with pytest.raises(TypeError, match="integers"):
            F.cross_entropy(xp_(z), xp_(bad))
        with pytest.raises(TypeError, match="integers"):
            R.softmax_cross_entropy(xp_(z), xp_(bad))
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(2,\)"):
        R.softmax_cross_entropy(xp_(z), xp_(np.array([0, 1])))
    assert F.cross_entropy(xp_(np.zeros((0, 4))), xp_(np.zeros(0, np.int64)),
                           reduction="none").shape == (0,)


# ---- numerics: float32 against float64 references ---------------------------------------------

def _xent64(z, lab):
    """Loss and d loss / d z in float64 (the max subtracted; exact enough for float32)."""
    z = np.asarray(z, np.float64)
    rows = np.arange(z.shape[0])
    m = z.max(1, keepdims=True)
    logp = z - m - np.log(np.exp(z - m).sum(1, keepdims=True))
    grad = np.exp(logp)
    grad[rows, lab] = np.expm1(logp[rows, lab])
    return -logp[rows, lab], grad


CASES32 = [
    (np.array([[0.0, 188.0, 176.6]]), np.array([1])),        # the issue: loss 1.1195e-5
    (np.array([[5.0, 40.0, 40.0, -3.0]]), np.array([1])),    # tie at the max
    (np.array([[1000.0, 1000.0 - 1e-3, 990.0]]), np.array([0])),
    (np.array([[30.0, 10.0, -40.0], [0.1, 0.2, 0.3]]), np.array([0, 2])),
    (np.array([[-200.0, 100.0, 80.0]]), np.array([0])),      # loss 300
]


@pytest.mark.parametrize("z,lab", CASES32)
def test_cross_entropy_float32_matches_float64(backend, z, lab):
    z32 = z.astype(np.float32)
    want, want_g = _xent64(z32, lab)  # the float32 inputs, exactly, in float64
    t = ad.tensor(xp_(z32), requires_grad=True)
    loss = F.cross_entropy(t, xp_(lab), reduction="none")
    assert loss.dtype == np.float32
    np.testing.assert_allclose(to_numpy(loss), want, rtol=4e-6)
    gnp.sum(loss).backward()
    # a component's error is a few float32 ulps of the logits' differences, relative to it
    np.testing.assert_allclose(to_numpy(t.grad), want_g, rtol=3e-5, atol=1e-30)


def test_cross_entropy_near_zero_loss_issue_numbers(backend):
    z = xp_(np.array([[0.0, 188.0, 176.6]], np.float32))
    t = ad.tensor(z, requires_grad=True)
    loss = F.cross_entropy(t, xp_(np.array([1])))
    loss.backward()
    assert abs(float(loss) / 1.1195e-5 - 1) < 1e-4  # was 1.526e-5: 36 % off
    g = to_numpy(t.grad)[0]
    assert abs(g[1] / -1.1195e-5 - 1) < 1e-4 and abs(g[2] / 1.1195e-5 - 1) < 1e-4


def test_cross_entropy_second_order_float32_is_finite_and_close(backend):
    z32 = np.array([[0.0, 12.0, 11.5], [1.0, -1.0, 0.5]], np.float32)
    lab = np.array([1, 2])
    h = ad.hessian(lambda v: F.cross_entropy(v, xp_(lab), reduction="sum"))(xp_(z32))
    h64 = ad.hessian(lambda v: F.cross_entropy(v, xp_(lab), reduction="sum"))(
        xp_(z32.astype(np.float64)))
    np.testing.assert_allclose(to_numpy(h), to_numpy(h64), rtol=1e-4, atol=1e-7)


def test_logaddexp_gradient_float32_at_large_equal_inputs(backend):
    x = xp_(np.array([1000.0, -1000.0, 3.0e4], np.float32))
    gx, gy = ad.grad(lambda a, b: gnp.sum(gnp.logaddexp(a, b)), argnums=(0, 1))(x, x)
    np.testing.assert_array_equal(to_numpy(gx), np.full(3, 0.5, np.float32))
    np.testing.assert_array_equal(to_numpy(gy), np.full(3, 0.5, np.float32))
    # the same variable in both slots: 1 exactly (it was 0.99997)
    g = ad.grad(lambda a: gnp.sum(gnp.logaddexp(a, a)))(x)
    np.testing.assert_array_equal(to_numpy(g), np.ones(3, np.float32))


def test_logaddexp_gradient_float32_matches_float64(backend):
    rng = np.random.default_rng(3)
    a = (rng.standard_normal(64) * 20 + 500).astype(np.float32)
    b = (a + rng.standard_normal(64) * 8).astype(np.float32)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    want_a = 1 / (1 + np.exp(b64 - a64))
    gx, gy = ad.grad(lambda u, v: gnp.sum(gnp.logaddexp(u, v)), argnums=(0, 1))(xp_(a), xp_(b))
    np.testing.assert_allclose(to_numpy(gx), want_a, rtol=2e-6)
    np.testing.assert_allclose(to_numpy(gy), 1 - want_a, rtol=2e-6, atol=1e-30)
    # infinities: the finite side gets 0, the infinite side 1 (no inf - inf)
    g = ad.grad(lambda u: gnp.sum(gnp.logaddexp(u, xp_(np.float32(1.0)))))(
        xp_(np.array([np.inf, -np.inf], np.float32)))
    np.testing.assert_array_equal(to_numpy(g), [1.0, 0.0])
