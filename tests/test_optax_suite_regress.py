"""``gpuad.optax``'s losses, wrappers, schedules and tree helpers added after porting
optax's tests: hand-derived values, finite differences, and a jitted step traced once."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optax
from gpuad.backends import get_backend
from gpuad.optax import contrib
from gpuad.optax import tree_utils as otu
from tests.conftest import to_numpy

pytestmark = pytest.mark.usefixtures("backend")


def _np(x):
    return np.asarray(to_numpy(x))


def test_integer_label_cross_entropy_checks_and_where():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    with pytest.raises(TypeError, match="labels must be integers"):
        optax.softmax_cross_entropy_with_integer_labels(logits, np.array([0.0, 1.0]))
    where = np.array([[True, False, True], [False, False, False]])
    got = _np(
        optax.softmax_cross_entropy_with_integer_labels(logits, np.array([0, 1]), where=where)
    )
    # row 0 over classes {0, 2}: log(e + e^3) - 1; row 1 keeps no class: 0
    assert got[0] == pytest.approx(math.log(math.e + math.e**3) - 1.0, rel=1e-12)
    assert got[1] == 0.0
    got = _np(optax.softmax_cross_entropy_with_integer_labels(logits, np.array(4), axis=(0, 1)))
    # six logits as one class axis: logsumexp of [1, 2, 3, 0, 0, 0] - logits.flat[4]
    assert got[()] == pytest.approx(math.log(math.e + math.e**2 + math.e**3 + 3), rel=1e-12)


def test_safe_softmax_cross_entropy_gradient_finite_at_minus_inf():
    logits = np.array([0.0, -np.inf, 0.0])
    labels = np.array([0.5, 0.0, 0.5])
    assert float(_np(optax.safe_softmax_cross_entropy(logits, labels))) == pytest.approx(
        math.log(2)
    )
    g = _np(ad.grad(lambda x: optax.safe_softmax_cross_entropy(x, labels))(logits))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])  # softmax [.5, 0, .5] - labels


def test_ctc_loss_two_frames_by_hand():
    """T = 2, labels [1]: the alignments (1, 1), (0, 1), (1, 0) collapse to [1]."""
    logits = np.log(np.array([[[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]]))
    got = float(_np(optax.ctc_loss(logits, np.zeros((1, 2)), np.array([[1]]), np.zeros((1, 1))))[0])
    p = 0.5 * 0.1 + 0.2 * 0.1 + 0.5 * 0.6
    assert got == pytest.approx(-math.log(p), rel=1e-9)

    def f(x):
        return optax.ctc_loss(x, np.zeros((1, 2)), np.array([[1]]), np.zeros((1, 1)))[0]

    g = _np(ad.grad(f)(logits))
    h = 1e-6
    for i in itertools.product(range(1), range(2), range(3)):
        e = np.zeros_like(logits)
        e[i] = h
        fd = (float(_np(f(logits + e))) - float(_np(f(logits - e)))) / (2 * h)
        assert g[i] == pytest.approx(fd, abs=1e-7)


def test_focal_loss_gamma_zero_is_bce_and_formula():
    x, y = np.array([-2.0, 0.5, 3.0]), np.array([1.0, 0.0, 1.0])
    p = 1 / (1 + np.exp(-x))
    bce = -y * np.log(p) - (1 - y) * np.log(1 - p)
    np.testing.assert_allclose(_np(optax.sigmoid_focal_loss(x, y, gamma=0.0)), bce, rtol=1e-12)
    pt = np.where(y == 1, p, 1 - p)
    want = 0.25 * np.where(y == 1, 1, 3) * bce * (1 - pt) ** 2  # alpha_t: 0.25 / 0.75
    got = _np(optax.sigmoid_focal_loss(x, y, alpha=0.25, gamma=2.0))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_apply_if_finite_traces_once_and_rejects_nan():
    params = np.ones(2)
    opt = optax.apply_if_finite(optax.sgd(1.0), max_consecutive_errors=1)

    def step(p, s, g):
        u, s = opt.update(g, s, p)
        return optax.apply_updates(p, u), s

    jitted = ad.jit(step)
    p, s = params, opt.init(params)
    for g in (np.ones(2), np.array([np.nan, 0.0]), np.ones(2)):
        p, s = jitted(p, s, g)
    np.testing.assert_allclose(_np(p), [-1.0, -1.0])  # the NaN step gave zero updates
    assert int(_np(s.total_notfinite)) == 1 and int(_np(s.notfinite_count)) == 0
    assert jitted.cache_info()["misses"] == 1
    assert isinstance(s.last_finite, get_backend().array_type)


def test_multisteps_averages_k_gradients():
    opt = optax.MultiSteps(optax.sgd(1.0), every_k_schedule=2)
    s = opt.init(np.zeros(2))
    u, s = opt.update(np.array([1.0, 2.0]), s)
    np.testing.assert_array_equal(_np(u), [0.0, 0.0])
    u, s = opt.update(np.array([3.0, 6.0]), s)
    np.testing.assert_allclose(_np(u), [-2.0, -4.0])
    assert bool(_np(opt.has_updated(s)))


def test_schedules_one_cycle_and_piecewise():
    fn = optax.linear_onecycle_schedule(10, 1000, 0.3, 0.7, 10.0, 100.0)
    # 100 -> 1000 over 3 steps, -> 100 over 4, -> 1 over 3
    np.testing.assert_allclose(
        [float(_np(fn(s))) for s in (0, 2, 5, 9, 11)], [100, 700, 550, 34, 1]
    )
    fn = optax.piecewise_interpolate_schedule("cosine", 4.0, {2: 0.5})
    np.testing.assert_allclose([float(_np(fn(s))) for s in (0, 1, 2, 5)], [4.0, 3.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="interpolate_type"):
        optax.piecewise_interpolate_schedule("linar", 1.0)


def test_reduce_on_plateau_halves_after_patience():
    opt = contrib.reduce_on_plateau(factor=0.5, patience=2)
    s = opt.init(np.zeros(1))
    scales = []
    for v in (1.0, 1.0, 1.0, 1.0, 1.0):
        u, s = opt.update(np.ones(1), s, value=v)
        scales.append(float(_np(u)[0]))
    assert scales == [1.0, 1.0, 0.5, 0.5, 0.25]


def test_tree_utils_and_safe_norm():
    x = {"a": np.array([3.0]), "b": np.array([4.0])}
    assert float(_np(otu.tree_l2_norm(x))) == 5.0
    assert float(_np(otu.tree_vdot(x, otu.tree_scalar_mul(2.0, x)))) == 50.0
    s = optax.adam(0.1).init(x)
    assert int(_np(otu.tree_get(s, "count"))) == 0
    s = otu.tree_set(s, count=gnp.asarray(np.int32(3)))
    assert int(_np(otu.tree_get(s, "count"))) == 3
    g = _np(ad.grad(lambda v: optax.safe_norm(v, 0.0))(np.zeros(2)))
    np.testing.assert_array_equal(g, [0.0, 0.0])


def test_adaptive_grad_clip_by_hand():
    """A 2-D weight's units are its columns: column norms 5 and 1 against parameter
    column norms sqrt(2) and sqrt(2), clip 1: the first scaled by sqrt(2) / 5."""
    g = np.array([[3.0, 0.0], [4.0, 1.0]])
    p = np.ones((2, 2))
    (u,), _ = optax.adaptive_grad_clip(1.0).update([g], None, [p])
    np.testing.assert_allclose(_np(u), [[3 * 2**0.5 / 5, 0.0], [4 * 2**0.5 / 5, 1.0]], rtol=1e-12)


def test_multisteps_updates_in_inner_dtype():
    """float16 gradients, float32 params: the inner chain's updates are float32 (the decayed
    weights promote them), and so are MultiSteps' at every mini-step."""
    base = optax.chain(optax.add_decayed_weights(0.5), optax.scale(-1.0))
    ms = optax.MultiSteps(base, 2)
    p = np.ones(2, np.float32)
    s = ms.init(p)
    for _k in range(2):
        u, s = ms.update(np.full(2, 2.0, np.float16), s, p)
        assert u.dtype == np.float32
    np.testing.assert_allclose(_np(u), [-2.5, -2.5])


def test_lbfgs_second_step_is_the_secant_step():
    """On f = x**2 / 2 * 4 (1-D), step 0 moves by min(1, 1/|g|) g; step 1 has s, y with
    y = 4 s, so gamma = 1/4 and the one-pair recursion gives g / 4: the exact minimiser."""
    opt = optax.lbfgs(learning_rate=1.0, memory_size=2, linesearch=None)
    x = np.array([1.0])
    s = opt.init(x)
    u, s = opt.update(4 * x, s, x)
    x1 = optax.apply_updates(x, u)
    np.testing.assert_allclose(_np(x1), [1.0 - 1.0])  # g = 4: min(1, 1/4) * 4 = 1
    x = np.array([2.0])
    s = opt.init(x)
    u, s = opt.update(4 * x, s, x)  # moves by 1: x = 1
    x = optax.apply_updates(x, u)
    u, s = opt.update(4 * _np(x), s, x)
    np.testing.assert_allclose(_np(optax.apply_updates(x, u)), [0.0], atol=1e-15)


def test_backtracking_linesearch_by_hand():
    """f = p^2 at p = 1, SGD(1) update -2: eta = 1 lands on f(-1) = 1, no decrease; eta =
    0.8 lands on -0.6, f = 0.36, accepted after 2 evaluations."""

    def f(p):
        return gnp.sum(p * p)

    opt = optax.chain(optax.sgd(1.0), optax.scale_by_backtracking_linesearch(5))
    p = np.array([1.0])
    u, s = opt.update(2 * p, opt.init(p), p, value=f(p), grad=2 * p, value_fn=f)
    np.testing.assert_allclose(_np(optax.apply_updates(p, u)), [-0.6])
    assert float(_np(s[1].learning_rate)) == pytest.approx(0.8)
    assert int(_np(s[1].info.num_linesearch_steps)) == 2


def test_ranking_softmax_loss_by_hand():
    """Two items, label on the first: log(1 + e^(s1 - s0)); a masked-out third item with
    a large score changes nothing."""
    s = np.array([0.0, 1.0, 50.0])
    y = np.array([1.0, 0.0, 0.0])
    got = optax.losses.ranking_softmax_loss(s, y, where=np.array([True, True, False]))
    assert float(_np(got)) == pytest.approx(math.log(1 + math.e), rel=1e-14)
