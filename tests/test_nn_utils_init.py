"""gpuad.nn.utils (gradient clipping, parameter vectors, the hook-based weight_norm and
spectral_norm, BatchNorm fusion, parametrize's dtype checks) and gpuad.nn.init (dirac_,
sparse_, fans, refusals) on every backend, against hand-derived values and central
differences. Comparisons with torch are in tests/conformance/test_torch_nn_utils.py."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn as nn
import gpuad.numpy as gnp
from gpuad.nn import init
from gpuad.nn.utils import parametrize


def xp_(a):
    return ad.get_backend().xp.asarray(a)


def _params(*grads):
    ps = []
    for g in grads:
        p = ad.tensor(xp_(np.ones(np.shape(g))), requires_grad=True)
        p.grad = ad.tensor(xp_(np.array(g, dtype=float)))
        ps.append(p)
    return ps


# ---- clip_grad_norm_ over every norm order ------------------------------------------------


@pytest.mark.parametrize("norm_type,total", [
    (0, 2.0),  # nonzero entries per tensor: 2 and 2; nonzero norms: 2
    (-1, 0.0),  # a zero entry makes its tensor's norm 0, and so the total
    (-math.inf, 0.0),
    (0.5, (math.sqrt(3) + 2 + 1 + math.sqrt(2)) ** 2),
    (math.inf, 4.0),
])
def test_clip_grad_norm_orders(backend, norm_type, total):
    ps = _params([3.0, 4.0, 0.0], [1.0, -2.0])
    got = nn.utils.clip_grad_norm_(ps, 1.0, norm_type=norm_type, foreach=True)
    assert isinstance(got, ad.Tensor)
    np.testing.assert_allclose(to_numpy(got), total, rtol=1e-12)
    coef = min(1.0, 1.0 / (total + 1e-6))
    np.testing.assert_allclose(to_numpy(ps[0].grad), np.array([3.0, 4.0, 0.0]) * coef, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(ps[1].grad), np.array([1.0, -2.0]) * coef, rtol=1e-12)


def test_clip_grad_norm_negative_order_without_zeros(backend):
    # per tensor (1 + 1/2)^-1 = 2/3 and 4; total (3/2 + 1/4)^-1 = 4/7
    ps = _params([1.0, 2.0], [4.0])
    got = nn.utils.get_total_norm([p.grad for p in ps], -1)
    np.testing.assert_allclose(to_numpy(got), 4 / 7, rtol=1e-12)
    nn.utils.clip_grads_with_norm_(ps, 0.1, got)
    np.testing.assert_allclose(to_numpy(ps[1].grad), 4.0 * 0.1 / (4 / 7 + 1e-6), rtol=1e-12)


def test_clip_grad_norm_empty_is_a_zero_tensor():
    got = nn.utils.clip_grad_norm_([], 1.0)
    assert isinstance(got, ad.Tensor) and float(got) == 0.0


def test_clip_grad_value_refuses_complex(backend):
    p = ad.tensor(xp_(np.ones(2, complex)), requires_grad=True)
    p.grad = ad.tensor(xp_(np.array([3 + 4j, 0.5 - 2j])))
    with pytest.raises(TypeError, match="complex gradient"):
        nn.utils.clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(to_numpy(p.grad), [3 + 4j, 0.5 - 2j])


def test_vector_to_parameters_refuses_a_lossy_cast(backend):
    w = ad.tensor(xp_(np.ones(3)), requires_grad=True)
    with pytest.raises(TypeError, match="complex128"):
        nn.utils.vector_to_parameters(ad.tensor(xp_(np.array([1 + 1j, 2, 3]))), [w])
    np.testing.assert_array_equal(to_numpy(w), 1.0)
    nn.utils.vector_to_parameters(ad.tensor(xp_(np.arange(3))), [w])  # int into float: exact
    np.testing.assert_array_equal(to_numpy(w), [0.0, 1.0, 2.0])


# ---- init --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["uniform_", "normal_", "trunc_normal_", "xavier_normal_",
                                  "kaiming_uniform_", "orthogonal_"])
def test_random_fill_refuses_integer_tensors(backend, name):
    w = ad.tensor(xp_(np.zeros((3, 4), np.int64)))
    with pytest.raises(TypeError, match="int64"):
        getattr(init, name)(w)
    assert not to_numpy(w).any()


def test_complex_normal_has_both_parts(backend):
    gnp.random.seed(3)
    w = ad.tensor(xp_(np.zeros(20000, complex)))
    v = to_numpy(init.normal_(w, 5.0, 1.0))
    for part in (v.real, v.imag):  # each N(5, 1/2)
        assert abs(part.mean() - 5) < 0.03 and abs(part.std() - math.sqrt(0.5)) < 0.02


def test_dirac_and_fans(backend):
    w = ad.tensor(xp_(np.full((4, 2, 3), 7.0)))
    init.dirac_(w, groups=2)
    expect = np.zeros((4, 2, 3))
    for out_c, in_c in ((0, 0), (1, 1), (2, 0), (3, 1)):
        expect[out_c, in_c, 1] = 1
    np.testing.assert_array_equal(to_numpy(w), expect)
    with pytest.raises(ValueError, match="divisible"):
        init.dirac_(w, groups=3)
    assert init._calculate_fan_in_and_fan_out(ad.tensor(xp_(np.zeros((16, 3, 3, 3))))) == (27, 144)
    assert init._calculate_correct_fan(ad.tensor(xp_(np.zeros((5, 2)))), "FAN_OUT") == 5
    with pytest.raises(ValueError, match="fewer|at least 2"):
        init._calculate_fan_in_and_fan_out(ad.tensor(xp_(np.zeros(3))))


def test_sparse_zeros_per_column(backend):
    gnp.random.seed(0)
    w = ad.tensor(xp_(np.zeros((10, 6))))
    v = to_numpy(init.sparse_(w, 0.25, std=0.5))
    assert ((v == 0).sum(axis=0) >= 3).all() and (v != 0).sum() >= 6 * 7 - 6


def test_kaiming_zero_element_warns():
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(ad.tensor(np.zeros((0, 3))))


# ---- hook-based weight_norm and spectral_norm ----------------------------------------------


def test_old_weight_norm_value_and_gradient(backend):
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": xp_(np.array([[3.0, 4.0], [0.0, 5.0]])),
                         "bias": xp_(np.zeros(2))})
    with pytest.warns(FutureWarning):
        nn.utils.weight_norm(lin)
    np.testing.assert_allclose(to_numpy(lin.weight_g), [[5.0], [5.0]])
    x = xp_(np.array([[1.0, 2.0]]))
    lin.weight_g.data[...] = xp_(np.array([[10.0], [1.0]]))
    y = lin(ad.tensor(x))  # w = g v / ||v||: rows [6, 8] and [0, 1]
    np.testing.assert_allclose(to_numpy(y), [[22.0, 2.0]], rtol=1e-12)
    y.sum().backward()
    # d sum / d g_i = (v_i . x) / ||v_i||: 11/5 and 10/5
    np.testing.assert_allclose(to_numpy(lin.weight_g.grad), [[11 / 5], [2.0]], rtol=1e-12)
    # d / d v_i = g_i (x - (v_i . x) v_i / ||v_i||^2) / ||v_i||
    v = np.array([[3.0, 4.0], [0.0, 5.0]])
    g = np.array([10.0, 1.0])
    expect = [g[i] * (np.array([1.0, 2.0]) - (v[i] @ [1, 2]) * v[i] / 25) / 5 for i in range(2)]
    np.testing.assert_allclose(to_numpy(lin.weight_v.grad), expect, rtol=1e-12, atol=1e-15)
    nn.utils.remove_weight_norm(lin)
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight"]
    np.testing.assert_allclose(to_numpy(lin.weight), [[6.0, 8.0], [0.0, 1.0]], rtol=1e-12)


def test_old_spectral_norm_power_steps_in_training_only(backend):
    gnp.random.seed(1)
    lin = nn.Linear(3, 2)
    lin.load_state_dict({"weight": xp_(np.diag([4.0, 1.0]) @ np.eye(2, 3)),
                         "bias": xp_(np.zeros(2))})
    nn.utils.spectral_norm(lin)
    np.testing.assert_allclose(to_numpy(lin.weight)[0, 0], 4.0)  # unscaled until a call
    x = ad.tensor(xp_(np.zeros((1, 3))))
    for _ in range(30):
        lin(x)
    np.testing.assert_allclose(to_numpy(lin.weight), np.diag([1.0, 0.25]) @ np.eye(2, 3),
                               rtol=1e-10, atol=1e-12)
    lin.eval()
    u = to_numpy(lin.weight_u).copy()
    lin(x)
    np.testing.assert_array_equal(to_numpy(lin.weight_u), u)
    nn.utils.remove_spectral_norm(lin)
    assert sorted(lin.state_dict()) == ["bias", "weight"]


def test_fuse_conv_bn_eval_matches_the_pair(backend):
    conv, bn = nn.Conv1d(2, 3, 2), nn.BatchNorm1d(3)
    bn.running_mean[...] = xp_(np.array([0.5, -1.0, 2.0]))
    bn.running_var[...] = xp_(np.array([4.0, 0.25, 1.0]))
    conv.eval(), bn.eval()
    fused = nn.utils.fuse_conv_bn_eval(conv, bn)
    x = ad.tensor(xp_(np.random.default_rng(0).normal(size=(2, 2, 5))))
    np.testing.assert_allclose(to_numpy(fused(x)), to_numpy(bn(conv(x))), rtol=1e-12,
                               atol=1e-12)
    bn.train()
    with pytest.raises(ValueError, match="evaluation"):
        nn.utils.fuse_conv_bn_eval(conv, bn)


# ---- parametrize: torch's dtype checks ----------------------------------------------------


class _To32(nn.Module):
    def forward(self, x):
        return x

    def right_inverse(self, x):
        return x.astype(np.float32)


class _Identity(nn.Module):
    def forward(self, x):
        return x

    def right_inverse(self, x):
        return x


class _Cast32(nn.Module):
    def forward(self, x):
        return x.astype(np.float32)


def test_parametrize_refuses_silent_dtype_casts(backend):
    with pytest.raises(ValueError, match="may not change the dtype"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", _To32(), unsafe=True)
    lin = parametrize.register_parametrization(nn.Linear(2, 2), "weight", _Identity())
    before = to_numpy(lin.weight).copy()
    with pytest.raises(ValueError, match="complex128"):
        lin.weight = xp_(np.ones((2, 2)) * (1 + 2j))  # the imaginary part was dropped
    np.testing.assert_array_equal(to_numpy(lin.weight), before)
    lin = parametrize.register_parametrization(nn.Linear(2, 2), "weight", _Cast32(),
                                               unsafe=True)
    with pytest.raises(RuntimeError, match="float32"):
        parametrize.remove_parametrizations(lin, "weight", leave_parametrized=True)
    parametrize.remove_parametrizations(lin, "weight", leave_parametrized=False)
    assert lin.weight.dtype == np.float64


def test_type_before_and_transfer(backend):
    lin = parametrize.register_parametrization(nn.Linear(2, 2), "weight", _Identity())
    assert parametrize.type_before_parametrizations(lin) is nn.Linear
    other = parametrize.transfer_parametrizations_and_params(lin, nn.Linear(2, 2))
    assert other.parametrizations.weight.original is lin.parametrizations.weight.original


def test_stateless_functional_call_warns():
    lin = nn.Linear(1, 1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = nn.utils.stateless.functional_call(
            lin, {"weight": ad.tensor(np.full((1, 1), 2.0)), "bias": ad.tensor(np.zeros(1))},
            (ad.tensor(np.ones((1, 1))),))
    assert float(out.sum()) == 2.0
    assert any(issubclass(x.category, FutureWarning) for x in w)


def test_orthogonal_parametrization_of_a_complex_weight(backend):
    """Its base came from a real-only QR that raised NotImplementedError inside right_inverse,
    which registration takes for 'no right_inverse': the base stayed None and the first
    read failed in matmul."""
    from gpuad.nn.utils.parametrizations import orthogonal

    r = np.random.default_rng(2)
    w = r.normal(size=(3, 3)) + 1j * r.normal(size=(3, 3))
    lin = nn.Linear(3, 3, dtype=np.complex128)
    lin.load_state_dict({"weight": xp_(w), "bias": xp_(np.zeros(3, complex))})
    orthogonal(lin)
    q = to_numpy(lin.weight)
    np.testing.assert_allclose(q.conj().T @ q, np.eye(3), atol=1e-12)
    # the base is the Q of w = QR with R's diagonal real and positive, as torch's
    base = to_numpy(lin.parametrizations.weight[0].base)
    rr = base.conj().T @ w
    np.testing.assert_allclose(np.tril(rr, -1), 0, atol=1e-12)
    np.testing.assert_allclose(np.diag(rr).imag, 0, atol=1e-12)
    assert (np.diag(rr).real > 0).all()


def test_removing_a_hook_of_a_deepcopy_leaves_the_original(backend):
    """A deepcopied RemovableHandle kept a weak reference to the original module, so
    remove_weight_norm (or prune.remove) on the copy unhooked the original, whose weight then
    silently stopped following weight_g / weight_orig."""
    import copy

    from gpuad.nn.utils import prune

    x = ad.tensor(xp_(np.ones((1, 2))))
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": xp_(np.array([[3.0, 4.0], [0.0, 5.0]])),
                         "bias": xp_(np.zeros(2))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nn.utils.weight_norm(lin)
    nn.utils.remove_weight_norm(copy.deepcopy(lin))
    lin.weight_g.data[...] = xp_(np.array([[10.0], [1.0]]))
    np.testing.assert_allclose(to_numpy(lin(x)), [[14.0, 1.0]], rtol=1e-12)  # 10*7/5, 5/5
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": xp_(np.array([[3.0, 4.0], [0.0, 5.0]])),
                         "bias": xp_(np.zeros(2))})
    prune.l1_unstructured(lin, "weight", amount=1)  # prunes the 0
    prune.remove(copy.deepcopy(lin), "weight")
    lin.weight_orig.data[...] = xp_(np.full((2, 2), 2.0))
    np.testing.assert_allclose(to_numpy(lin(x)), [[4.0, 2.0]], rtol=1e-12)


def test_parametrization_registered_in_eval_stays_in_eval(backend):
    """Registered on a model in evaluation mode, spectral_norm was left in training mode and
    moved its u, v at every call (torch's loaded buffers gave another output)."""
    from gpuad.nn.utils.parametrizations import spectral_norm

    lin = nn.Linear(3, 2)
    lin.eval()
    spectral_norm(lin)
    sn = lin.parametrizations.weight[0]
    assert not sn.training
    u = xp_(np.array([1.0, 0.0]))
    v = xp_(np.array([0.0, 1.0, 0.0]))
    sn._u[...], sn._v[...] = u, v
    w = to_numpy(lin.parametrizations.weight.original)
    np.testing.assert_allclose(to_numpy(lin.weight), w / w[0, 1], rtol=1e-12)  # sigma = u'Wv
    np.testing.assert_array_equal(to_numpy(sn._u), [1.0, 0.0])


def test_weight_norm_loads_the_hook_based_state(backend):
    from gpuad.nn.utils.parametrizations import weight_norm

    lin = weight_norm(nn.Linear(2, 2))
    state = {"bias": xp_(np.zeros(2)), "weight_g": xp_(np.array([[10.0], [1.0]])),
             "weight_v": xp_(np.array([[3.0, 4.0], [0.0, 5.0]]))}
    lin.load_state_dict(state)
    np.testing.assert_allclose(to_numpy(lin.weight), [[6.0, 8.0], [0.0, 1.0]], rtol=1e-12)


def test_functional_call_writes_a_replaced_tensor_back(backend):
    """torch.func.functional_call writes a tensor the forward replaced (``self.foo =
    self.foo + 1``) back into the caller's dict; gpuad dropped it."""
    from gpuad.func import functional_call

    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("count", xp_(np.array([0.0])))

        def forward(self, x):
            self.count = self.count + 1
            return x * self.count

    m = Counter()
    state = {"count": ad.tensor(xp_(np.array([2.0])))}
    out = functional_call(m, state, (ad.tensor(xp_(np.array([5.0]))),))
    np.testing.assert_array_equal(to_numpy(out), [15.0])
    np.testing.assert_array_equal(to_numpy(state["count"]), [3.0])
    np.testing.assert_array_equal(to_numpy(m.count), [0.0])


def test_packed_sequence_casts_keep_gradients(backend):
    from gpuad.nn.utils import rnn

    xs = [ad.tensor(xp_(np.arange(3.0)), requires_grad=True),
          ad.tensor(xp_(np.arange(2.0)), requires_grad=True)]
    p = rnn.pack_sequence(xs).float()
    assert isinstance(p, rnn.PackedSequence) and p.data.dtype == np.float32
    assert p.long().data.dtype == np.int64 and p.to(np.float64).data.dtype == np.float64
    pad, _ = rnn.pad_packed_sequence(p.double())
    (pad * pad).sum().backward()  # d/dx x^2 = 2x
    np.testing.assert_array_equal(to_numpy(xs[0].grad), [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(to_numpy(xs[1].grad), [0.0, 2.0])


def test_recurrent_layer_reads_a_parametrized_weight(backend):
    """RNN/LSTM/GRU read their weights from the instance dict, where a parametrized weight
    is not (it is a property of the class): the layer called matmul on None."""
    from gpuad.nn.utils.parametrizations import weight_norm

    for cls in (nn.LSTM, nn.GRU, nn.RNN):
        gnp.random.seed(0)
        plain = cls(2, 3)
        normed = cls(2, 3)
        normed.load_state_dict(plain.state_dict())
        weight_norm(normed, "weight_hh_l0", dim=None)  # g = ||w||: the same weight
        x = ad.tensor(xp_(np.random.default_rng(1).normal(size=(4, 1, 2))))
        np.testing.assert_allclose(to_numpy(normed(x)[0]), to_numpy(plain(x)[0]), rtol=1e-12,
                                   atol=1e-14)
        g = normed.parametrizations.weight_hh_l0.original0
        g.data[...] = 2 * g.data  # doubles the recurrent weight
        plain.weight_hh_l0.data[...] = 2 * plain.weight_hh_l0.data
        np.testing.assert_allclose(to_numpy(normed(x)[0]), to_numpy(plain(x)[0]), rtol=1e-12,
                                   atol=1e-14)


@pytest.mark.parametrize("val,dtype", [(1 + 1j, np.float64), (math.nan, np.int64),
                                       (300, np.uint8)])
def test_constant_refuses_a_lossy_fill(backend, val, dtype):
    """constant_ cast with NumPy: 1+1j into a real tensor wrote 1, nan into int64 wrote
    -2**63, 300 into uint8 wrote 44."""
    w = ad.tensor(xp_(np.zeros(2, dtype)))
    with pytest.raises((TypeError, ValueError), match="constant_"):
        init.constant_(w, val)
    assert not to_numpy(w).any()
    np.testing.assert_array_equal(to_numpy(init.constant_(w, 2.9)),
                                  np.full(2, 2.9).astype(dtype))  # an int truncated


def test_uniform_and_normal_refuse_bad_ranges(backend):
    """uniform_(w, 2, -2) drew from (-2, 2] silently (NumPy takes low > high)."""
    w = ad.tensor(xp_(np.zeros(3)))
    with pytest.raises(ValueError, match="a <= b"):
        init.uniform_(w, 2.0, -2.0)
    with pytest.raises(ValueError, match="std >= 0"):
        init.normal_(w, 0.0, -1.0)
    np.testing.assert_array_equal(to_numpy(init.uniform_(w, 1.5, 1.5)), 1.5)


def test_parametrized_buffer_stays_in_the_state(backend):
    """A parametrized buffer's original was a plain attribute of the ParametrizationList:
    missing from state_dict (lost on save) and no buffer after remove_parametrizations."""

    class Double(nn.Module):
        def forward(self, x):
            return 2 * x

    class WithBuffer(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("buf", xp_(np.arange(3.0)))

    m = parametrize.register_parametrization(WithBuffer(), "buf", Double())
    assert list(m.state_dict()) == ["parametrizations.buf.original"]
    np.testing.assert_array_equal(to_numpy(m.buf), [0.0, 2.0, 4.0])
    parametrize.remove_parametrizations(m, "buf")
    assert [n for n, _ in m.named_buffers()] == ["buf"] and list(m.state_dict()) == ["buf"]
    np.testing.assert_array_equal(to_numpy(m.buf), [0.0, 2.0, 4.0])


def test_weight_norm_refuses_a_dim_out_of_range():
    """parametrizations.weight_norm(lin, dim=5) normalised over every axis (as dim=None)
    without a word; torch raises IndexError."""
    from gpuad.nn.utils.parametrizations import weight_norm

    for dim in (5, 2, -3):
        with pytest.raises(IndexError, match="out of range"):
            weight_norm(nn.Linear(3, 3), dim=dim)
    assert weight_norm(nn.Linear(3, 4), dim=-2).parametrizations.weight.original0.shape == (4, 1)


def test_functional_call_strict_counts_tied_names():
    """With tie_weights (the default) a value given for l1.bias also serves the tied
    tied_bias; strict=True still reported tied_bias missing (torch accepts it)."""
    from gpuad.func import functional_call

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.Linear(1, 1)
            self.tied_bias = self.l1.bias

        def forward(self, x):
            return self.l1(x) + self.tied_bias

    m = Tied()
    out = functional_call(m, {"l1.weight": ad.tensor(np.array([[3.0]])),
                              "l1.bias": ad.tensor(np.array([5.0]))},
                          (ad.tensor(np.array([[2.0]])),), strict=True)
    assert float(out.sum()) == 16.0  # 3*2 + 5 + 5
    with pytest.raises(RuntimeError, match="tied_bias"):
        functional_call(m, {"l1.weight": ad.tensor(np.array([[3.0]])),
                            "l1.bias": ad.tensor(np.array([5.0]))},
                        (ad.tensor(np.array([[2.0]])),), strict=True, tie_weights=False)


def test_clip_grad_norm_of_half_gradients_does_not_overflow(backend):
    """float16 gradients [300, 400]: the sum of squares overflowed float16 (inf), so the
    coefficient was 0 and every gradient was wiped; torch accumulates in float32."""
    p = ad.tensor(xp_(np.ones(2, np.float16)), requires_grad=True)
    p.grad = ad.tensor(xp_(np.array([300, 400], np.float16)))
    total = nn.utils.clip_grad_norm_(p, 1.0)
    assert total.dtype == np.float16 and float(total) == 500.0
    np.testing.assert_allclose(to_numpy(p.grad).astype(float), [0.6, 0.8], rtol=1e-3)


def test_weight_norm_of_a_half_weight_does_not_overflow(backend):
    """g = ||[300, 400]|| summed the squares in float16 (inf): g was inf and the weight nan."""
    from gpuad.nn.utils.parametrizations import weight_norm

    lin = nn.Linear(2, 1, dtype=np.float16)
    lin.load_state_dict({"weight": xp_(np.array([[300.0, 400.0]], np.float16)),
                         "bias": xp_(np.zeros(1, np.float16))})
    weight_norm(lin)
    assert float(lin.parametrizations.weight.original0.sum()) == 500.0
    np.testing.assert_array_equal(to_numpy(lin.weight).astype(float), [[300.0, 400.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = nn.utils.weight_norm(nn.Linear(2, 1, dtype=np.float16))
    old.weight_v.data[...] = xp_(np.array([[300.0, 400.0]], np.float16))
    old.weight_g.data[...] = xp_(np.array([[5.0]], np.float16))
    out = old(ad.tensor(xp_(np.ones((1, 2), np.float16))))
    np.testing.assert_allclose(to_numpy(out - old.bias).astype(float), [[7.0]], rtol=1e-3)


def test_spectral_norm_of_a_half_weight_does_not_overflow(backend):
    """The power step normalised W v (norm 300) with float16 squares: inf, so u was 0, sigma
    0 and the weight inf/nan."""
    from gpuad.nn.utils.parametrizations import spectral_norm

    for apply in (spectral_norm, nn.utils.spectral_norm):
        lin = nn.Linear(2, 2, dtype=np.float16)
        lin.load_state_dict({"weight": xp_(np.array([[300.0, 0.0], [0.0, 100.0]], np.float16)),
                             "bias": xp_(np.zeros(2, np.float16))})
        apply(lin)
        for _ in range(5):
            lin(ad.tensor(xp_(np.ones((1, 2), np.float16))))
        np.testing.assert_allclose(to_numpy(lin.weight).astype(float),
                                   [[1.0, 0.0], [0.0, 1 / 3]], rtol=1e-3)
