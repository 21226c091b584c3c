"""gpuad.nn: exact or an error. Losses refuse shapes that would broadcast and labels outside
[0, C); cross-entropy and logaddexp keep float32 precision where the answer is near zero or the
inputs are large (against float64 references); modules register parameters by type."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn, optim
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
    # (the fused path's message says which labels are skipped instead)
    with pytest.raises(IndexError, match=r"labels must lie in \[0, 3\).*ignore_index, -100"):
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


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.uint8, np.int32, np.int64])
def test_cross_entropy_label_range_for_every_integer_width(backend, dtype):
    z = xp_(np.zeros((2, 200)))  # more classes than int8 can count
    info = np.iinfo(dtype)
    ok = np.array([0, min(199, info.max)], dtype)
    assert F.cross_entropy(z, xp_(ok)).shape == ()
    bad = [v for v in (-1, -99, info.min, 200, info.max) if info.min <= v <= info.max
           and not 0 <= v < 200 and v != -100]  # -100: torch's default ignore_index
    for v in bad:
        with pytest.raises(IndexError, match=rf"first being {v}\b"):
            F.cross_entropy(z, xp_(np.array([0, v], dtype)))


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


# ---- modules register parameters by type -------------------------------------------------------

class _Scaled(nn.Module):
    def __init__(self):
        self.lin = nn.Linear(3, 2)
        self._scale = nn.Parameter(gnp.ones((2,)))          # leading underscore
        self._offset = ad.tensor(np.zeros(2), requires_grad=True)  # a plain leaf tensor
        self.blocks = [nn.Linear(2, 2), (nn.Linear(2, 2), nn.Parameter(gnp.zeros((1,))))]
        self.heads = {"a": nn.Linear(2, 1), "b": {"w": nn.Parameter(gnp.ones((1,)))}}
        self.buffer = ad.tensor(np.ones(2))                 # no grad: not a parameter
        self.frozen = nn.Parameter(gnp.ones((2,)), requires_grad=False)
        self.act = nn.ReLU()

    def forward(self, x):
        h = self.lin(x) * self._scale + self._offset
        self._last = h                                      # a recorded result: not a parameter
        for b in (self.blocks[0], self.blocks[1][0]):
            h = self.act(b(h)) + self.blocks[1][1]
        return self.heads["a"](h) * self.heads["b"]["w"] + gnp.sum(self.frozen)


def test_parameters_found_by_type_under_any_name(backend):
    gnp.random.seed(0)
    m = _Scaled()
    m(xp_(np.ones((4, 3))))  # sets m._last, a non-leaf Tensor that requires grad
    names = [n for n, _ in m.named_parameters()]
    # torch's order: the module's own parameters, then its submodules' (as state_dict)
    assert names == ["_scale", "_offset", "blocks.1.1", "heads.b.w", "frozen", "lin.weight",
                     "lin.bias", "blocks.0.weight", "blocks.0.bias", "blocks.1.0.weight",
                     "blocks.1.0.bias", "heads.a.weight", "heads.a.bias"]
    assert names == list(m.state_dict())
    ps = m.parameters()
    assert any(p is m._scale for p in ps) and any(p is m._offset for p in ps)
    assert not any(p is m.buffer or p is m._last for p in ps)
    assert set(m.state_dict()) == set(names)
    assert isinstance(m._scale, ad.Tensor) and m._scale.is_leaf


def test_underscore_parameter_is_trained(backend):
    m = _Scaled()
    # weights drawn on the host (each backend's generator draws its own numbers), positive so
    # that every ReLU passes a gradient and each parameter has one to be trained with
    rng = np.random.default_rng(1)
    m.load_state_dict({n: xp_(rng.uniform(0.5, 1.5, p.shape)) for n, p in m.named_parameters()})
    opt = optim.SGD(m.parameters(), lr=0.1)
    before = {n: to_numpy(p).copy() for n, p in m.named_parameters()}
    x = xp_(np.random.default_rng(0).standard_normal((4, 3)))
    gnp.sum(m(x) ** 2).backward()
    opt.step()
    after = dict(m.named_parameters())
    for n in ("_scale", "_offset", "blocks.1.1", "heads.b.w"):
        assert not np.allclose(to_numpy(after[n]), before[n]), n
    np.testing.assert_array_equal(to_numpy(after["frozen"]), before["frozen"])  # no grad


def test_shared_and_cyclic_modules_are_listed_once(backend):
    shared = nn.Linear(2, 2)
    outer = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(outer.parameters()) == 2
    outer._parent = outer  # a cycle through an attribute
    shared._owner = outer
    assert len(outer.parameters()) == 2
    assert len(list(outer.modules())) == 3  # Sequential, Linear, ReLU


def test_set_of_parameters_is_an_error(backend):
    m = nn.Module()
    m.group = {nn.Parameter(gnp.ones((2,)))}
    with pytest.raises(TypeError, match="'group' is a set.*list, tuple or dict"):
        m.parameters()


def test_optimizer_refuses_non_leaf_and_accepts_frozen_parameters(backend):
    w = ad.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="not a leaf"):
        optim.SGD([w * 2.0], lr=0.1)
    frozen = nn.Parameter(gnp.ones((3,)), requires_grad=False)
    opt = optim.Adam([w, frozen], lr=0.1)
    gnp.sum(w * w).backward()
    opt.step()
    np.testing.assert_array_equal(to_numpy(frozen), np.ones(3))
    assert not np.allclose(to_numpy(w), np.ones(3))
