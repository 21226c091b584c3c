"""optax's own tests (google-deepmind/optax: losses/_classification_test.py,
_regression_test.py, _smoothing_test.py, schedules/_schedule_test.py, _src/wrappers_test.py,
transforms/_conditionality_test.py, _accumulation_test.py, contrib/_reduce_on_plateau_test.py,
tree_utils/_tree_math_test.py, _state_utils_test.py) ported to ``gpuad.optax``: the values
optax's tests state (derived again here from the formulas), hand formulas in NumPy, loss
gradients against float64 central differences, and every update run under ``gpuad.jit``
against the eager one. The parts that compare with JAX skip without it; the rest is NumPy
only and runs in CI.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optax
from gpuad.optax import contrib, losses
from gpuad.optax import tree_utils as otu
from tests.conftest import to_numpy

pytestmark = pytest.mark.usefixtures("backend")


def _np(x):
    return np.asarray(to_numpy(x))


def _fd(f, x, h=1e-6):
    """The gradient of the scalar ``f`` at ``x`` by float64 central differences."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (float(_np(f(x + e))) - float(_np(f(x - e)))) / (2 * h)
    return g


def _check_grad(f, x, rtol=1e-6, atol=1e-8):
    g = _np(ad.grad(lambda a: gnp.sum(f(a)))(x))
    np.testing.assert_allclose(g, _fd(lambda a: gnp.sum(f(a)), x), rtol=rtol, atol=atol)


def _log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((3, 4))
PROBS = np.exp(_log_softmax(RNG.standard_normal((3, 4))))
INT_LABELS = np.array([0, 3, 1])


# ---------------------------------------------------------------- losses: values


def test_softmax_cross_entropy_doc_example():
    """optax's docstring: logits [[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]], labels rows 0 and
    1: ``logsumexp(row) - row[label]`` = 0.2761, 2.9518."""
    logits = np.array([[1.2, -0.8, -0.5], [0.9, -1.2, 1.1]])
    want = [
        np.log(np.exp(logits[0]).sum()) - 1.2,
        np.log(np.exp(logits[1]).sum()) + 1.2,
    ]
    np.testing.assert_allclose(want, [0.2761, 2.9518], atol=1e-4)
    one_hot = np.eye(3)[[0, 1]]
    np.testing.assert_allclose(_np(optax.softmax_cross_entropy(logits, one_hot)), want, 1e-12)
    got = optax.softmax_cross_entropy_with_integer_labels(logits, np.array([0, 1]))
    np.testing.assert_allclose(_np(got), want, rtol=1e-12)


def test_integer_labels_axis_tuple_doc_example():
    """optax's docstring: logits arange(24).reshape(1, 2, 3, 4), axis=(2, 3), flat labels
    [[5, 11]]: 12 consecutive logits, ``logsumexp - logit`` = 6.4587, 0.4587."""
    logits = np.arange(24.0).reshape(1, 2, 3, 4)
    labels = np.ravel_multi_index((np.array([[1, 2]]), np.array([[1, 3]])), (3, 4))
    got = _np(optax.softmax_cross_entropy_with_integer_labels(logits, labels, axis=(2, 3)))
    flat = logits.reshape(1, 2, 12)
    want = np.log(np.exp(flat).sum(-1)) - np.take_along_axis(flat, labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got, [[6.4587, 0.4587]], atol=1e-4)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_integer_labels_match_one_hot(axis):
    logits = RNG.standard_normal((3, 4, 5))
    n = logits.shape[axis]
    shape = tuple(s for k, s in enumerate(logits.shape) if k != axis % 3)
    labels = RNG.integers(0, n, shape)
    one_hot = np.moveaxis(np.eye(n)[labels], -1, axis)
    a = optax.softmax_cross_entropy_with_integer_labels(logits, labels, axis=axis)
    b = optax.softmax_cross_entropy(logits, one_hot, axis=axis)
    want = -(one_hot * _log_softmax(logits, axis)).sum(axis)
    np.testing.assert_allclose(_np(a), want, rtol=1e-12)
    np.testing.assert_allclose(_np(b), want, rtol=1e-12)


def test_cross_entropy_where():
    """``where`` drops classes from the normaliser and the sum; a row with none kept gives
    0 with integer labels; a per-example ``where`` is expanded on ``axis``."""
    where = np.array([[1, 1, 0, 1], [1, 0, 0, 0], [0, 0, 0, 0]], bool)
    labels = np.array([1, 0, 2])
    got = _np(optax.softmax_cross_entropy_with_integer_labels(LOGITS, labels, where=where))
    for r in range(2):
        kept = LOGITS[r][where[r]]
        assert got[r] == pytest.approx(np.log(np.exp(kept).sum()) - LOGITS[r, labels[r]], 1e-12)
    assert got[2] == 0.0
    one_hot = np.eye(4)[[1, 0, 0]]
    got = _np(optax.softmax_cross_entropy(LOGITS, one_hot, where=where[:2].repeat(2, 0)[:3]))
    assert np.isfinite(got).all()
    row = _np(optax.softmax_cross_entropy(LOGITS, PROBS, where=np.array([True, False, True])))
    full = -(PROBS * _log_softmax(LOGITS)).sum(-1)
    np.testing.assert_allclose(row, [full[0], 0.0, full[2]], rtol=1e-12)


def test_safe_softmax_cross_entropy_minus_inf():
    """optax's test: a -inf logit with label 0 gives the finite loss of the other classes
    (and a gradient without NaN) where the plain one is NaN."""
    logits = np.array([[0.0, 1.0, -np.inf], [1.0, -np.inf, 2.0]])
    labels = np.array([[0.3, 0.7, 0.0], [0.5, 0.0, 0.5]])
    got = _np(optax.safe_softmax_cross_entropy(logits, labels))
    want = [
        -(np.array([0.3, 0.7]) * _log_softmax(np.array([0.0, 1.0]))).sum(),
        -(0.5 * _log_softmax(np.array([1.0, 2.0]))).sum(),
    ]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    with np.errstate(invalid="ignore"):
        assert np.isnan(_np(optax.softmax_cross_entropy(logits, labels))).all()
    g = _np(ad.grad(lambda x: gnp.sum(optax.safe_softmax_cross_entropy(x, labels)))(logits))
    assert np.isfinite(g).all()
    # d/dx_j = softmax_j * sum(labels) - labels_j over the finite classes
    sm = np.exp(_log_softmax(np.array([0.0, 1.0])))
    np.testing.assert_allclose(g[0, :2], sm - [0.3, 0.7], rtol=1e-12)
    assert g[0, 2] == 0.0


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_sigmoid_binary_cross_entropy_and_focal():
    x = RNG.standard_normal((3, 4)) * 3
    y = (RNG.random((3, 4)) > 0.5).astype(float)
    p = _sigmoid(x)
    bce = -y * np.log(p) - (1 - y) * np.log(1 - p)
    np.testing.assert_allclose(_np(optax.sigmoid_binary_cross_entropy(x, y)), bce, rtol=1e-12)
    p_t = p * y + (1 - p) * (1 - y)
    for gamma, alpha in [(2.0, None), (0.5, 0.25), (0.0, None), (1.0, 0.75)]:
        want = bce * (1 - p_t) ** gamma
        if alpha is not None:
            want = (alpha * y + (1 - alpha) * (1 - y)) * want
        got = optax.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma)
        np.testing.assert_allclose(_np(got), want, rtol=1e-10, atol=1e-15)
    # gamma = 0 without alpha is the binary cross entropy (optax's test_ce_equivalence)
    np.testing.assert_allclose(_np(optax.sigmoid_focal_loss(x, y, gamma=0.0)), bce, rtol=1e-12)
    # large logits stay finite: the focal factor is computed in log space
    big = np.array([100.0, -100.0])
    assert np.isfinite(
        _np(
            ad.grad(
                lambda z: gnp.sum(optax.sigmoid_focal_loss(z, np.array([0.0, 1.0]), gamma=0.5))
            )(big)
        )
    ).all()


def test_hinge_perceptron_losses():
    """optax's tests: hinge [max(0, 1 - s t)], perceptron [max(0, -s t)], multiclass hinge
    ``max_k(s_k + 1 - [k = y]) - s_y``, multiclass perceptron ``max_k s_k - s_y``."""
    s = np.array([0.9, -0.3, 2.0, -1.5])
    t = np.array([1.0, 1.0, -1.0, -1.0])
    np.testing.assert_allclose(_np(losses.hinge_loss(s, t)), [0.1, 1.3, 3.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(_np(losses.perceptron_loss(s, t)), [0, 0.3, 2.0, 0], rtol=1e-12)
    with pytest.raises(ValueError, match="perceptron_loss"):
        losses.perceptron_loss(s, t[:3])
    scores = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    labels = np.array([1, 0])
    np.testing.assert_allclose(_np(losses.multiclass_hinge_loss(scores, labels)), [0.0, 4.0])
    np.testing.assert_allclose(_np(losses.multiclass_perceptron_loss(scores, labels)), [0.0, 3.0])


def test_regression_losses():
    """optax's _regression_test: squared error, l2 (half), huber (delta), log_cosh
    ``log(cosh(e))`` (stable at |e| = 1000), cosine similarity/distance."""
    pred = np.array([0.5, 2.0, -3.0, 1000.0])
    tgt = np.array([0.0, 0.5, 1.0, 0.0])
    e = pred - tgt
    np.testing.assert_allclose(_np(optax.squared_error(pred, tgt)), e**2)
    np.testing.assert_allclose(_np(optax.l2_loss(pred, tgt)), 0.5 * e**2)
    for delta in (1.0, 2.5):
        ae = np.abs(e)
        want = np.where(ae <= delta, 0.5 * e**2, delta * (ae - 0.5 * delta))
        np.testing.assert_allclose(_np(optax.huber_loss(pred, tgt, delta)), want, rtol=1e-12)
    want = np.log(np.cosh(e[:3]))
    got = _np(optax.log_cosh(pred, tgt))
    np.testing.assert_allclose(got[:3], want, rtol=1e-12)
    assert got[3] == pytest.approx(1000.0 - math.log(2.0), rel=1e-15)
    a, b = RNG.standard_normal((2, 5)), RNG.standard_normal((2, 5))
    cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    np.testing.assert_allclose(_np(optax.cosine_similarity(a, b)), cos, rtol=1e-12)
    np.testing.assert_allclose(_np(optax.cosine_distance(a, b)), 1 - cos, rtol=1e-12)
    # epsilon bounds the norms from below: a zero vector gives 0, not NaN
    z = np.zeros(3)
    assert float(_np(optax.cosine_similarity(z, np.ones(3), epsilon=1e-6))) == 0.0
    np.testing.assert_allclose(
        _np(optax.cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0]))), 2**-0.5
    )


def test_kl_divergences():
    """``sum p (log p - log q)``, ``0 log 0`` = 0; the log-target form; the generalized
    (convex) one adds ``sum(q - p)``."""
    p = np.array([[0.2, 0.3, 0.5], [0.0, 0.4, 0.6]])
    q = np.array([[0.1, 0.6, 0.3], [0.3, 0.3, 0.4]])
    terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1) / q), 0.0)
    np.testing.assert_allclose(_np(optax.kl_divergence(np.log(q), p)), terms.sum(-1), 1e-12)
    with np.errstate(divide="ignore"):
        lp = np.log(p)
    np.testing.assert_allclose(
        _np(losses.kl_divergence_with_log_targets(np.log(q), np.log(p[:1])))[0],
        terms[0].sum(),
        1e-12,
    )
    assert np.isnan(_np(losses.kl_divergence_with_log_targets(np.log(q), lp))[1])  # optax too
    np.testing.assert_allclose(
        _np(optax.convex_kl_divergence(np.log(q), p)), terms.sum(-1) + (q - p).sum(-1), 1e-12
    )
    g = _np(ad.grad(lambda lq: gnp.sum(optax.kl_divergence(lq, p)))(np.log(q)))
    np.testing.assert_allclose(g, -p)


def test_smooth_labels():
    """optax's _smoothing_test: ``(1 - a) y + a / K``."""
    y = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    np.testing.assert_allclose(_np(optax.smooth_labels(y, 0.1)), 0.9 * y + 0.025)


def test_poly_loss():
    """PolyLoss-1: cross entropy + epsilon * sum(y (1 - softmax))."""
    for eps in (2.0, -1.0, 0.0):
        got = _np(losses.poly_loss_cross_entropy(LOGITS, PROBS, epsilon=eps))
        sm = np.exp(_log_softmax(LOGITS))
        want = -(PROBS * np.log(sm)).sum(-1) + eps * (PROBS * (1 - sm)).sum(-1)
        np.testing.assert_allclose(got, want, rtol=1e-12)


# ---------------------------------------------------------------- losses: gradients

_WHERE = np.array([[1, 0, 1, 1], [1, 1, 1, 1], [0, 1, 1, 0]], bool)

_GRAD_CASES = {
    "softmax_ce": lambda x: optax.softmax_cross_entropy(x, PROBS),
    "softmax_ce_axis0": lambda x: optax.softmax_cross_entropy(x, PROBS, axis=0),
    "int_labels": lambda x: optax.softmax_cross_entropy_with_integer_labels(x, INT_LABELS),
    "int_labels_where": lambda x: optax.softmax_cross_entropy_with_integer_labels(
        x, INT_LABELS, where=np.array([[1, 0, 1, 1], [1, 1, 1, 1], [0, 1, 0, 0]], bool)
    ),
    "softmax_ce_where": lambda x: optax.softmax_cross_entropy(x, PROBS * _WHERE, where=_WHERE),
    "poly_where": lambda x: losses.poly_loss_cross_entropy(x, PROBS * _WHERE, where=_WHERE),
    "cosine_where": lambda x: optax.cosine_similarity(x, PROBS, where=_WHERE),
    "kl_where": lambda x: optax.kl_divergence(x, PROBS, where=_WHERE),
    "safe_ce": lambda x: optax.safe_softmax_cross_entropy(x, PROBS),
    "poly": lambda x: losses.poly_loss_cross_entropy(x, PROBS),
    "sigmoid_bce": lambda x: optax.sigmoid_binary_cross_entropy(x, PROBS),
    "focal": lambda x: optax.sigmoid_focal_loss(x, (PROBS > 0.25) * 1.0, alpha=0.3, gamma=1.5),
    "hinge": lambda x: optax.hinge_loss(x, np.sign(PROBS - 0.25)),
    "multiclass_hinge": lambda x: losses.multiclass_hinge_loss(x, INT_LABELS),
    "multiclass_perceptron": lambda x: losses.multiclass_perceptron_loss(x, INT_LABELS),
    "huber": lambda x: optax.huber_loss(x, PROBS, delta=0.5),
    "l2": lambda x: optax.l2_loss(x, PROBS),
    "log_cosh": lambda x: optax.log_cosh(x, PROBS),
    "cosine_similarity": lambda x: optax.cosine_similarity(x, PROBS),
    "cosine_distance_eps": lambda x: optax.cosine_distance(x, PROBS, epsilon=0.1),
    "kl": lambda x: optax.kl_divergence(_log_softmax_g(x), PROBS),
    "kl_log_targets": lambda x: losses.kl_divergence_with_log_targets(x, np.log(PROBS)),
    "kl_log_targets_wrt_targets": lambda x: losses.kl_divergence_with_log_targets(np.log(PROBS), x),
    "convex_kl": lambda x: optax.convex_kl_divergence(x, PROBS),
}


def _log_softmax_g(x):
    return x - gnp.logsumexp(x, axis=-1, keepdims=True)


@pytest.mark.parametrize("name", sorted(_GRAD_CASES))
def test_loss_gradient_vs_central_differences(name):
    _check_grad(_GRAD_CASES[name], LOGITS)


@pytest.mark.parametrize("name", ["softmax_ce", "int_labels", "focal", "cosine_similarity"])
def test_loss_under_jit(name):
    f = _GRAD_CASES[name]
    np.testing.assert_allclose(_np(ad.jit(f)(LOGITS)), _np(f(LOGITS)), rtol=1e-14)
    g = ad.jit(ad.grad(lambda x: gnp.sum(f(x))))
    np.testing.assert_allclose(
        _np(g(LOGITS)), _np(ad.grad(lambda x: gnp.sum(f(x)))(LOGITS)), rtol=1e-14
    )


def test_loss_argument_checks():
    with pytest.raises(TypeError, match="integers"):
        optax.softmax_cross_entropy_with_integer_labels(LOGITS, INT_LABELS.astype(float))
    with pytest.raises(ValueError, match="labels must have shape"):
        optax.softmax_cross_entropy_with_integer_labels(LOGITS, INT_LABELS[:2])
    with pytest.raises(ValueError, match="out of bounds"):
        optax.softmax_cross_entropy_with_integer_labels(LOGITS, INT_LABELS, axis=2)
    with pytest.raises(TypeError, match="floating point"):
        optax.softmax_cross_entropy(np.ones((2, 3), int), np.ones((2, 3)))


# ---------------------------------------------------------------- CTC


def _ctc_brute(logits, labels, blank=0):
    """``-log sum_paths prod_t p[t, path_t]`` over every path collapsing to ``labels``."""
    t_max, k = logits.shape
    p = np.exp(_log_softmax(logits))
    total = 0.0
    for path in itertools.product(range(k), repeat=t_max):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total += np.prod([p[t, c] for t, c in enumerate(path)])
    return -np.log(total)


def test_ctc_loss_vs_enumeration_and_gradient():
    """CTC against the sum over all alignments (T = 4, K = 3), with label padding, logit
    padding and a repeated label; the gradient against central differences."""
    logits = RNG.standard_normal((3, 4, 3))
    labels = np.array([[1, 2], [2, 2], [1, 0]])
    label_pad = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    logit_pad = np.array([[0.0] * 4, [0.0] * 4, [0.0, 0.0, 0.0, 1.0]])
    got = _np(optax.ctc_loss(logits, logit_pad, labels, label_pad))
    want = [
        _ctc_brute(logits[0], [1, 2]),
        _ctc_brute(logits[1], [2, 2]),
        _ctc_brute(logits[2, :3], [1]),
    ]
    np.testing.assert_allclose(got, want, rtol=1e-9)

    def f(x):
        return optax.ctc_loss(x, logit_pad, labels, label_pad)

    _check_grad(f, logits, rtol=1e-5)
    np.testing.assert_allclose(_np(ad.jit(f)(logits)), got, rtol=1e-14)
    loss, phi, emit = optax.ctc_loss_with_forward_probs(logits, logit_pad, labels, label_pad)
    assert phi.shape == (4, 3, 3) and emit.shape == (4, 3, 2)
    with pytest.raises(ValueError, match="ctc_loss"):
        optax.ctc_loss(logits[0], logit_pad, labels, label_pad)


# ---------------------------------------------------------------- schedules


def _sched(fn, steps):
    eager = [float(_np(fn(s))) for s in steps]
    jitted = ad.jit(fn)
    traced = [float(_np(jitted(np.asarray(s, np.int32)))) for s in steps]
    np.testing.assert_allclose(traced, eager, rtol=1e-12)
    return np.array(eager)


def test_piecewise_interpolate_linear():
    """optax: 'linear', 200, {5: 1.5, 10: 0.25}: 200 -> 300 over 0..5, 300 -> 75 over
    5..10, then 75."""
    fn = optax.piecewise_interpolate_schedule("linear", 200.0, {5: 1.5, 10: 0.25})
    want = [200 + 20 * s for s in range(6)] + [300 - 45 * s for s in range(1, 6)] + [75, 75]
    np.testing.assert_allclose(_sched(fn, range(13)), want, atol=1e-9)


def test_piecewise_interpolate_cosine():
    """optax: 'cosine', 400, {5: 1.2, 3: 0.6, 7: 1.0}: values 400, 240, 288, 288 at 0, 3, 5,
    7; in between ``b + (a - b)(1 + cos(pi pct)) / 2``."""
    fn = optax.piecewise_interpolate_schedule("cosine", 400.0, {5: 1.2, 3: 0.6, 7: 1.0})

    def cos(a, b, pct):
        return b + (a - b) * (1 + np.cos(np.pi * pct)) / 2

    want = [cos(400, 240, s / 3) for s in range(3)] + [cos(240, 288, (s - 3) / 2) for s in (3, 4)]
    want += [288.0] * 4
    np.testing.assert_allclose(want, [400, 360, 280, 240, 264, 288, 288, 288, 288], atol=1e-9)
    np.testing.assert_allclose(_sched(fn, range(9)), want, atol=1e-9)


def test_piecewise_interpolate_edge_cases():
    np.testing.assert_allclose(
        _sched(optax.piecewise_interpolate_schedule("linear", 13.0, {}), range(5)), 13.0
    )
    np.testing.assert_allclose(
        _sched(optax.piecewise_interpolate_schedule("cosine", 17.0), range(3)), 17.0
    )
    fn = optax.piecewise_interpolate_schedule("linear", 13.0, {0: 2.0, 5: 3.0})
    got = _sched(fn, range(6))
    assert np.isfinite(got).all() and got[0] == 26.0 and got[5] == 78.0
    for bad in ("linar", "", None):
        with pytest.raises(ValueError, match="interpolate_type"):
            optax.piecewise_interpolate_schedule(bad, 13.0, {5: 3.0})
    with pytest.raises(ValueError, match="non-negative"):
        optax.piecewise_interpolate_schedule("linear", 13.0, {5: -3})


def test_onecycle_schedules():
    """optax's OneCycleTest: linear (10 steps, peak 1000, 0.3/0.7, div 10, final 100):
    100 -> 1000 at 3 -> 100 at 7 -> 1 at 10; cosine (5 steps, 0.4): 100 -> 1000 at 2 -> 1
    at 5, ``1 + 999 (1 + cos(pi/3)) / 2`` = 750.25 at 3."""
    fn = optax.linear_onecycle_schedule(10, 1000, 0.3, 0.7, 10.0, 100.0)
    want = [100, 400, 700, 1000, 775, 550, 325, 100, 67, 34, 1, 1]
    np.testing.assert_allclose(_sched(fn, range(12)), want, atol=1e-9)
    fn = optax.cosine_onecycle_schedule(5, 1000.0, 0.4, 10.0, 100.0)
    c = [1 + 999 * (1 + np.cos(np.pi * k / 3)) / 2 for k in (1, 2)]
    want = [100, 550, 1000, *c, 1, 1]
    np.testing.assert_allclose(c, [750.25, 250.75])
    np.testing.assert_allclose(_sched(fn, range(7)), want, atol=1e-9)
    for f in (optax.cosine_onecycle_schedule, optax.linear_onecycle_schedule):
        with pytest.raises(ValueError, match="transition_steps"):
            f(transition_steps=0, peak_value=5.0)


@pytest.mark.parametrize("lrs", [(1.6, 0.8, 0.4), (1.6, 1.6, 1.6)])
def test_sgdr_limits(lrs):
    """optax's SGDRTest: three warm-up cosine cycles of 2000, 3000, 5000 steps (warm-up
    500): each peak 500 steps after its cycle starts."""
    kwargs = [
        dict(decay_steps=d, peak_value=lr, init_value=0, end_value=0.0, warmup_steps=500)
        for d, lr in zip((2000, 3000, 5000), lrs, strict=True)
    ]
    got = _sched(optax.sgdr_schedule(kwargs), [500, 2500, 5500, 0, 2000])
    np.testing.assert_allclose(got[:3], lrs, rtol=1e-12)
    assert got[3] == 0.0 and got[4] == 0.0


def test_exponential_decay_options():
    """staircase floors the exponent; transition_begin holds init_value before it;
    end_value bounds the decay (from below for rate < 1, from above for rate > 1)."""
    fn = optax.exponential_decay(2.0, transition_steps=4, decay_rate=0.5, staircase=True)
    np.testing.assert_allclose(_sched(fn, [0, 3, 4, 7, 8]), [2, 2, 1, 1, 0.5])
    fn = optax.exponential_decay(2.0, 4, 0.5, transition_begin=6)
    np.testing.assert_allclose(_sched(fn, [0, 6, 10, 14]), [2, 2, 1, 0.5])
    fn = optax.exponential_decay(2.0, 4, 0.5, end_value=0.7)
    np.testing.assert_allclose(_sched(fn, [0, 4, 8, 100]), [2, 1, 0.7, 0.7])
    fn = optax.exponential_decay(1.0, 1, 2.0, end_value=3.0)
    np.testing.assert_allclose(_sched(fn, [0, 1, 2, 5]), [1, 2, 3, 3])
    fn = optax.warmup_exponential_decay_schedule(0.0, 1.0, 4, 2, 0.5)
    np.testing.assert_allclose(_sched(fn, [0, 2, 4, 6, 8]), [0, 0.5, 1, 0.5, 0.25])


# ---------------------------------------------------------------- wrappers


def _run_jit_and_eager(opt, grads, params, **extra):
    """Updates and states of ``opt`` over ``grads``, eagerly and through one jitted step;
    asserts they agree and the step traced once."""

    def step(p, s, g):
        u, s = opt.update(g, s, p, **extra)
        return optax.apply_updates(p, u), u, s

    jitted = ad.jit(step)
    pe = pj = params
    se = sj = opt.init(params)
    outs = []
    for g in grads:
        pe, ue, se = step(pe, se, g)
        pj, uj, sj = jitted(pj, sj, g)
        for a, b in zip(ad.tree_leaves((ue, se)), ad.tree_leaves((uj, sj)), strict=True):
            np.testing.assert_allclose(_np(b), _np(a), rtol=1e-13, atol=1e-15)
        outs.append((ue, se))
    assert jitted.cache_info()["misses"] == 1
    return outs


def test_apply_if_finite():
    """optax's test_apply_if_finite: NaN or inf steps give zero updates and keep the inner
    state; counts of consecutive and total non-finite steps; after more than
    ``max_consecutive_errors`` in a row the step goes through."""
    params = {"w": np.array([1.0, 2.0])}
    one, nan, inf = np.ones(2), np.array([np.nan, 1.0]), np.array([1.0, np.inf])
    grads = [{"w": g} for g in (one, nan, inf, one, nan, nan, nan)]
    opt = optax.apply_if_finite(optax.sgd(0.5, momentum=0.5), max_consecutive_errors=2)
    outs = _run_jit_and_eager(opt, grads, params)
    finite = [True, False, False, True, False, False, False]
    consecutive = [0, 1, 2, 0, 1, 2, 3]
    total = [0, 1, 2, 2, 3, 4, 5]
    trace = [1.0, 1.0, 1.0, 1.5, 1.5, 1.5]
    for k, (u, s) in enumerate(outs):
        assert bool(_np(s.last_finite)) == finite[k]
        assert int(_np(s.notfinite_count)) == consecutive[k]
        assert int(_np(s.total_notfinite)) == total[k]
        if k < 6:
            want_u = -0.5 * trace[k] * one if finite[k] else 0 * one
            np.testing.assert_allclose(_np(u["w"]), want_u)
            np.testing.assert_allclose(_np(s.inner_state[0].trace["w"]), trace[k] * one)
    assert np.isnan(_np(outs[6][0]["w"])[0])  # the 3rd NaN in a row is applied


def test_multisteps_mean_and_sum():
    """optax's test_multi_steps: every k-th call applies the inner optimizer to the mean
    (or sum) of the last k gradients; zero updates in between; has_updated."""
    params = np.array([1.0, -2.0, 0.5])
    grads = [RNG.standard_normal(3) for _ in range(7)]
    for mean in (True, False):
        opt = optax.MultiSteps(optax.adam(0.1), every_k_schedule=3, use_grad_mean=mean)
        outs = _run_jit_and_eager(opt, grads, params)
        ref = optax.adam(0.1)
        rs = ref.init(params)
        for k, (u, s) in enumerate(outs):
            if k % 3 == 2:
                acc = sum(grads[k - 2 : k + 1])
                want, rs = ref.update(acc / 3 if mean else acc, rs, params)
                np.testing.assert_allclose(_np(u), _np(want), rtol=1e-12)
            else:
                np.testing.assert_allclose(_np(u), 0.0)
            assert bool(_np(opt.has_updated(s))) == (k % 3 == 2)
            assert int(_np(s.mini_step)) == (k + 1) % 3
            assert int(_np(s.gradient_step)) == (k + 1) // 3
    tx = optax.MultiSteps(optax.sgd(1.0), 2).gradient_transformation()
    assert isinstance(tx, optax.GradientTransformationExtraArgs)
    with pytest.raises(ValueError, match="every_k_schedule"):
        optax.MultiSteps(optax.sgd(1.0), 0)


def test_multisteps_schedule_and_skip():
    """every_k_schedule as a function of the gradient step (1 then 2); skip_not_finite drops
    a NaN mini-step entirely; skip_large_updates drops one whose squared norm is over the
    bound."""
    params = np.zeros(2)
    grads = [
        np.array([1.0, 2.0]),
        np.array([np.nan, 0.0]),
        np.array([3.0, 4.0]),
        np.array([5.0, 6.0]),
    ]
    opt = optax.MultiSteps(
        optax.sgd(1.0),
        lambda step: gnp.where(step < 1, 1, 2),
        should_skip_update_fn=optax.skip_not_finite,
    )
    outs = _run_jit_and_eager(opt, grads, params)
    us = [_np(u) for u, _ in outs]
    np.testing.assert_allclose(us[0], [-1.0, -2.0])
    np.testing.assert_allclose(us[1], 0.0)  # skipped
    np.testing.assert_allclose(us[2], 0.0)  # first of two
    np.testing.assert_allclose(us[3], [-4.0, -5.0])
    assert int(_np(outs[1][1].skip_state["num_not_finite"])) == 1
    skip, info = optax.skip_large_updates({"a": np.array([3.0, 4.0])}, 0, None, 24.0)
    assert bool(_np(skip)) and float(_np(info["norm_squared"])) == 25.0
    skip, _ = optax.skip_large_updates({"a": np.array([3.0, 4.0])}, 0, None, 25.0)
    assert not bool(_np(skip))
    skip, _ = optax.skip_large_updates({"a": np.array([np.nan])}, 0, None, 25.0)
    assert bool(_np(skip))


def test_conditionally_transform_and_mask():
    """optax's _conditionality_test: the inner transformation at the steps the condition
    holds; otherwise the updates pass (transform) or are zeroed (mask), the inner state
    kept."""
    params = np.ones(2)
    grads = [np.full(2, k + 1.0) for k in range(4)]
    even = lambda step: step % 2 == 0  # noqa: E731
    outs = _run_jit_and_eager(
        optax.conditionally_transform(optax.sgd(0.1, 0.9), even), grads, params
    )
    tr = 0.0
    for k, (u, s) in enumerate(outs):
        if k % 2 == 0:
            tr = (k + 1.0) + 0.9 * tr
            np.testing.assert_allclose(_np(u), -0.1 * tr)
        else:
            np.testing.assert_allclose(_np(u), k + 1.0)
        assert int(_np(s.step)) == k + 1
    outs = _run_jit_and_eager(
        optax.conditionally_mask(optax.sgd(0.1), lambda s: s >= 2), grads, params
    )
    np.testing.assert_allclose([float(_np(u)[0]) for u, _ in outs], [0, 0, -0.3, -0.4])
    fwd = optax.conditionally_transform(optax.scale(2.0), lambda step, value: value > 1, True)
    u, _ = fwd.update(np.ones(2), fwd.init(params), value=gnp.asarray(2.0))
    np.testing.assert_allclose(_np(u), 2.0)


def test_flatten_equals_unflattened():
    params = {"a": np.array([1.0, 2.0]), "b": np.ones((2, 2))}
    grads = [ad.tree_map(lambda p, k=k: p * (k + 1) - 0.3, params) for k in range(3)]
    flat = _run_jit_and_eager(optax.flatten(optax.adam(0.1)), grads, params)
    plain = _run_jit_and_eager(optax.adam(0.1), grads, params)
    for (uf, _), (up, _) in zip(flat, plain, strict=True):
        for k in params:
            np.testing.assert_allclose(_np(uf[k]), _np(up[k]), rtol=1e-13)


# ---------------------------------------------------------------- transforms


def test_zero_nans_centralize_nonnegative():
    g = {"a": np.array([np.nan, 1.0]), "b": np.array([[1.0, 2.0, 6.0], [0.0, 0.0, 3.0]])}
    ((u, s),) = _run_jit_and_eager(optax.zero_nans(), [g], ad.tree_map(np.zeros_like, g))
    np.testing.assert_allclose(_np(u["a"]), [0.0, 1.0])
    assert bool(_np(s.found_nan["a"])) and not bool(_np(s.found_nan["b"]))
    ((u, _),) = _run_jit_and_eager(optax.centralize(), [g], g)
    np.testing.assert_allclose(_np(u["b"]), [[-2.0, -1.0, 3.0], [-1.0, -1.0, 2.0]])
    assert np.isnan(_np(u["a"])[0])  # vectors pass unchanged
    p = np.array([1.0, 0.5, 2.0])
    ((u, _),) = _run_jit_and_eager(
        optax.keep_params_nonnegative(), [np.array([-2.0, 0.1, -1.0])], p
    )
    np.testing.assert_allclose(_np(u), [-1.0, 0.1, -1.0])
    with pytest.raises(ValueError, match="keep_params_nonnegative"):
        optax.keep_params_nonnegative().update(p, optax.EmptyState())


def test_scale_by_polyak():
    """The Polyak step ``min((f - f*) / |g|^2, max_lr)``; 0 for a zero gradient."""
    opt = optax.scale_by_polyak(f_min=1.0, max_learning_rate=10.0)
    g = np.array([3.0, 4.0])
    u, _ = opt.update(g, opt.init(g), value=6.0)
    np.testing.assert_allclose(_np(u), g * 5.0 / 25.0)
    u, _ = opt.update(g, opt.init(g), value=1e6)
    np.testing.assert_allclose(_np(u), g * 10.0)
    u, _ = opt.update(np.zeros(2), opt.init(g), value=6.0)
    np.testing.assert_allclose(_np(u), 0.0)
    u, _ = optax.scale_by_polyak(variant="sps+").update(g, (), value=-1.0)
    np.testing.assert_allclose(_np(u), 0.0)
    _run_jit_and_eager(optax.chain(opt, optax.scale(-1.0)), [g, g / 2], g.copy(), value=7.0)
    with pytest.raises(TypeError, match="value=loss"):
        opt.update(g, opt.init(g))


def test_safe_norm():
    """optax's numerics test: the norm above ``min_norm``, ``min_norm`` below, and a zero
    gradient (not NaN) at the zero vector."""
    x = np.array([3.0, 4.0])
    assert float(_np(optax.safe_norm(x, 0.0))) == 5.0
    assert float(_np(optax.safe_norm(x, 6.0))) == 6.0
    g = _np(ad.grad(lambda v: optax.safe_norm(v, 0.0))(np.zeros(3)))
    np.testing.assert_array_equal(g, 0.0)
    np.testing.assert_allclose(_np(ad.grad(lambda v: optax.safe_norm(v, 1.0))(x)), x / 5)
    m = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(_np(optax.safe_norm(m, 1e-3, axis=1)), [5.0, 1e-3])
    assert optax.safe_norm(m, 1e-3, axis=1, keepdims=True).shape == (2, 1)


# ---------------------------------------------------------------- contrib.reduce_on_plateau


def test_reduce_on_plateau_reduces_after_patience_then_cools_down():
    """optax's test: patience 5, cooldown 5, the same loss 1.0 every step: after 6 steps
    the scale is 0.1 (the first sets best = 1), the cooldown 5; the next step counts it
    down."""
    opt = contrib.reduce_on_plateau(factor=0.1, patience=5, rtol=1e-4, atol=0.0, cooldown=5)
    upd = {"params": np.array(1.0)}
    s = opt.init(upd["params"])
    for _ in range(6):
        u, s = opt.update(upd, s, value=1.0)
    assert float(_np(s.scale)) == pytest.approx(0.1)
    assert float(_np(s.best_value)) == 1.0
    assert int(_np(s.plateau_count)) == 0 and int(_np(s.cooldown_count)) == 5
    assert float(_np(u["params"])) == pytest.approx(0.1)
    _, s = opt.update(upd, s, value=1.0)
    assert int(_np(s.cooldown_count)) == 4 and float(_np(s.scale)) == pytest.approx(0.1)


def test_reduce_on_plateau_reset_and_cooldown():
    opt = contrib.reduce_on_plateau(factor=0.1, patience=5, cooldown=5)
    base = opt.init(np.array(1.0))
    s = base._replace(
        best_value=gnp.asarray(1.0), plateau_count=gnp.asarray(3, np.int32), scale=gnp.asarray(0.1)
    )
    _, s = opt.update({"p": np.array(1.0)}, s, value=0.1)
    assert int(_np(s.plateau_count)) == 0 and float(_np(s.best_value)) == pytest.approx(0.1)
    s = base._replace(
        best_value=gnp.asarray(1.0), cooldown_count=gnp.asarray(3, np.int32), scale=gnp.asarray(0.1)
    )
    _, s = opt.update({"p": np.array(1.0)}, s, value=2.0)
    assert float(_np(s.scale)) == pytest.approx(0.1) and int(_np(s.plateau_count)) == 0
    assert int(_np(s.cooldown_count)) == 2


def test_reduce_on_plateau_accumulation_and_jit():
    """accumulation_size 2: the mean of two losses is what counts; jitted equals eager."""
    opt = optax.chain(
        optax.sgd(1.0),
        contrib.reduce_on_plateau(patience=1, accumulation_size=2, min_scale=0.05, factor=0.5),
    )
    p = np.ones(2)
    vals = [3.0, 1.0, 2.0, 2.0, 5.0, 1.0, 4.0, 4.0, 4.0, 4.0]

    def step(p, s, v):
        u, s = opt.update(np.ones(2), s, p, value=v)
        return u, s

    se = sj = opt.init(p)
    jitted = ad.jit(step)
    scales = []
    for v in vals:
        ue, se = step(p, se, gnp.asarray(v))
        uj, sj = jitted(p, sj, gnp.asarray(v))
        np.testing.assert_allclose(_np(uj), _np(ue))
        scales.append(float(_np(se[1].scale)))
    # means 2, 2 (no gain: plateau 1 = patience -> 0.5), 3 (-> 0.25), 4 (-> 0.125), 4 (0.0625)
    assert scales == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625]
    with pytest.raises(ValueError, match="factor"):
        contrib.reduce_on_plateau(factor=1.5)
    with pytest.raises(ValueError, match="both be 0"):
        contrib.reduce_on_plateau(rtol=0.0, atol=0.0)


# ---------------------------------------------------------------- tree_utils


def test_tree_math():
    """optax's _tree_math_test: add, sub, scalar_mul, add_scale, vdot, l2 norm (and
    squared), zeros_like against NumPy over every leaf."""
    x = {"a": np.array([1.0, 2.0]), "b": (np.ones((2, 2)), np.array(3.0))}
    y = ad.tree_map(lambda v: v * 2 - 1, x)
    lx, ly = ad.tree_leaves(x), ad.tree_leaves(y)

    def leaves(t):
        return [_np(v) for v in ad.tree_leaves(t)]

    for got, want in [
        (otu.tree_add(x, y, x), [a + b + a for a, b in zip(lx, ly, strict=True)]),
        (otu.tree_sub(x, y), [a - b for a, b in zip(lx, ly, strict=True)]),
        (otu.tree_scalar_mul(0.5, x), [0.5 * a for a in lx]),
        (otu.tree_add_scale(x, 3.0, y), [a + 3 * b for a, b in zip(lx, ly, strict=True)]),
        (otu.tree_zeros_like(x), [np.zeros_like(a) for a in lx]),
    ]:
        for g, w in zip(leaves(got), want, strict=True):
            np.testing.assert_allclose(g, w)
    vdot = sum(float(np.vdot(a, b)) for a, b in zip(lx, ly, strict=True))
    assert float(_np(otu.tree_vdot(x, y))) == pytest.approx(vdot)
    sq = sum(float((a * a).sum()) for a in lx)
    assert float(_np(otu.tree_l2_norm(x, squared=True))) == pytest.approx(sq)
    assert float(_np(otu.tree_l2_norm(x))) == pytest.approx(math.sqrt(sq))
    assert float(_np(optax.global_norm(x))) == pytest.approx(math.sqrt(sq))
    assert float(_np(otu.tree_l1_norm(y))) == pytest.approx(sum(np.abs(b).sum() for b in ly))
    assert float(_np(otu.tree_linf_norm(y))) == 5.0
    assert otu.tree_zeros_like(x, dtype=np.float32)["a"].dtype == np.float32
    g = ad.grad(lambda t: otu.tree_vdot(t, y))(x)
    for a, b in zip(leaves(g), ly, strict=True):
        np.testing.assert_allclose(a, b)


def test_tree_get_set_on_optimizer_state():
    """optax's _state_utils_test: tree_get finds a named field anywhere in a state;
    tree_set replaces it; two fields of the same name need ``filtering``."""
    params = {"w": np.ones(2)}
    opt = optax.inject_hyperparams(optax.adam)(learning_rate=0.1)
    state = opt.init(params)
    assert float(_np(otu.tree_get(state, "learning_rate"))) == pytest.approx(0.1)
    assert otu.tree_get(state, "missing", default=7) == 7
    new = otu.tree_set(state, learning_rate=gnp.asarray(0.5))
    assert float(_np(otu.tree_get(new, "learning_rate"))) == 0.5
    assert float(_np(otu.tree_get(state, "learning_rate"))) == pytest.approx(0.1)
    with pytest.raises(KeyError, match="count"):
        otu.tree_get(state, "count")  # InjectHyperparamsState's and adam's
    assert len(otu.tree_get_all_with_path(state, "count")) == 2
    with pytest.raises(KeyError, match="nothing_here"):
        otu.tree_set(state, nothing_here=1)


# ---------------------------------------------------------------- against JAX


def test_losses_and_gradients_vs_jax():
    """The losses JAX has the pieces of (jax.nn.log_softmax, log_sigmoid, logsumexp with
    where, jnp.logaddexp), values and gradients in float64."""
    jax = _jax()
    jnp = jax.numpy
    jlog = jax.nn.log_softmax
    where = np.array([[1, 0, 1, 1], [1, 1, 1, 1], [0, 1, 1, 0]], bool)
    cases = {
        "ce": (
            lambda x: optax.softmax_cross_entropy(x, PROBS),
            lambda x: -(PROBS * jlog(x)).sum(-1),
        ),
        "int": (
            lambda x: optax.softmax_cross_entropy_with_integer_labels(x, INT_LABELS),
            lambda x: -jnp.take_along_axis(jlog(x), INT_LABELS[:, None], -1)[:, 0],
        ),
        "int_where": (
            lambda x: optax.softmax_cross_entropy_with_integer_labels(x, INT_LABELS, where=where),
            lambda x: (
                jax.nn.logsumexp(x, -1, where=where)
                - jnp.take_along_axis(x, INT_LABELS[:, None], -1)[:, 0]
            ),
        ),
        "bce": (
            lambda x: optax.sigmoid_binary_cross_entropy(x, PROBS),
            lambda x: -PROBS * jax.nn.log_sigmoid(x) - (1 - PROBS) * jax.nn.log_sigmoid(-x),
        ),
        "log_cosh": (
            lambda x: optax.log_cosh(x, PROBS),
            lambda x: jnp.logaddexp(x - PROBS, PROBS - x) - jnp.log(2.0),
        ),
        "cos": (
            lambda x: optax.cosine_similarity(x, PROBS),
            lambda x: (
                (x * PROBS).sum(-1) / jnp.linalg.norm(x, axis=-1) / jnp.linalg.norm(PROBS, axis=-1)
            ),
        ),
        "kl_log": (
            lambda x: losses.kl_divergence_with_log_targets(jlog_np(x), np.log(PROBS)),
            lambda x: (PROBS * (jnp.log(PROBS) - jlog(x))).sum(-1),
        ),
    }
    for name, (g, j) in cases.items():
        np.testing.assert_allclose(_np(g(LOGITS)), np.asarray(j(LOGITS)), rtol=1e-12, err_msg=name)
        gg = _np(ad.grad(lambda x, g=g: gnp.sum(g(x)))(LOGITS))
        jg = np.asarray(jax.grad(lambda x, j=j: j(x).sum())(LOGITS))
        np.testing.assert_allclose(gg, jg, rtol=1e-10, atol=1e-14, err_msg=name)


def jlog_np(x):
    return x - gnp.logsumexp(x, axis=-1, keepdims=True)


def test_schedules_vs_jax_formulas():
    """The one-cycle and SGDR schedules against the same piecewise formulas in jnp."""
    jax = _jax()
    jnp = jax.numpy
    steps = np.arange(0, 120, 7)
    fn = optax.cosine_onecycle_schedule(100, 2.0, 0.25, 25.0, 1e4)
    lo, hi, end = 2.0 / 25, 2.0, 2.0 / 25 / 1e4

    def ref(s):
        up = hi + (lo - hi) * (1 + jnp.cos(jnp.pi * s / 25)) / 2
        down = end + (hi - end) * (1 + jnp.cos(jnp.pi * (s - 25) / 75)) / 2
        return jnp.where(s < 25, up, jnp.where(s < 100, down, end))

    np.testing.assert_allclose(_sched(fn, steps), np.asarray(ref(steps)), rtol=1e-12)


# ---------------------------------------------------------------- clipping (_clipping_test)

_CLIP_PARAMS = (np.array([1.0, 2.0]), np.array([3.0, 4.0]))
_CLIP_UPDATES = (np.array([500.0, 5.0]), np.array([300.0, 3.0]))


def test_clip_elementwise():
    u, _ = optax.clip(1e6).update(_CLIP_UPDATES, None)
    for a, b in zip(u, _CLIP_UPDATES, strict=True):
        np.testing.assert_array_equal(_np(a), b)
    u, _ = optax.clip(1.0).update(_CLIP_UPDATES, None)
    for a in u:
        np.testing.assert_array_equal(_np(a), 1.0)


@pytest.mark.parametrize("which", ["block_rms", "global_norm"])
def test_repeated_clipping_is_stable(which):
    """optax: clipping to 1/i for i = 1..50 gives a block RMS (global norm) of 1/i, and
    clipping the clipped updates again changes nothing."""
    updates = _CLIP_UPDATES
    for i in range(1, 51):
        if which == "block_rms":
            clipper = optax.clip_by_block_rms(1.0 / i)
        else:
            clipper = optax.clip_by_global_norm(1.0 / i)
        updates, _ = clipper.update(updates, None)
        if which == "block_rms":
            for a in updates:
                assert float(np.sqrt(np.mean(_np(a) ** 2))) == pytest.approx(1.0 / i, rel=1e-12)
        else:
            assert float(_np(optax.global_norm(updates))) == pytest.approx(1.0 / i, rel=1e-12)
        again, _ = clipper.update(_CLIP_UPDATES, None)
        for a, b in zip(updates, again, strict=True):
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12)


def test_adaptive_grad_clip_and_unitwise_norm():
    """optax: every unit of the clipped gradient has norm <= clip * unit norm of the
    parameter; a 5-D kernel with axis=(0, 1, 2); unitwise_norm broadcasts back and refuses
    a 6-D array without ``axis``."""
    updates = _CLIP_UPDATES
    for i in range(1, 21):
        c = 1.0 / i
        clipper = optax.adaptive_grad_clip(c)
        updates, _ = clipper.update(updates, None, _CLIP_PARAMS)
        for u, p in zip(updates, _CLIP_PARAMS, strict=True):
            un, pn = _np(optax.unitwise_norm(u)), _np(optax.unitwise_norm(p))
            assert (un - c * pn < 1e-9).all()
            np.testing.assert_allclose(un, c * np.linalg.norm(p), rtol=1e-12)
        again, _ = clipper.update(_CLIP_UPDATES, None, _CLIP_PARAMS)
        for a, b in zip(updates, again, strict=True):
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12)
    g, p = np.full((2, 2, 2, 3, 4), 2.0), np.ones((2, 2, 2, 3, 4))
    (out,), _ = optax.adaptive_grad_clip(0.5, axis=(0, 1, 2)).update([g], None, [p])
    # each (3, 4) unit: 8 entries, |g| = 2 sqrt(8), |p| = sqrt(8): scaled to 0.5 sqrt(8)
    np.testing.assert_allclose(_np(out), 0.5, rtol=1e-12)
    (out,), _ = optax.adaptive_grad_clip(2.0, axis=(0, 1, 2)).update([g / 20], None, [p])
    np.testing.assert_allclose(_np(out), 0.1, rtol=1e-12)
    x = np.arange(48.0).reshape(2, 2, 2, 3, 2)
    for axis in ((0, 1, 2), (3, 4), -1):
        n = _np(optax.unitwise_norm(x, axis=axis))
        assert n.shape == x.shape
        np.testing.assert_allclose(
            n, np.broadcast_to(np.sqrt((x * x).sum(axis, keepdims=True)), x.shape)
        )
    m = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(_np(optax.unitwise_norm(m)), [[np.sqrt(10), np.sqrt(20)]] * 2)
    with pytest.raises(ValueError, match="unitwise_norm"):
        optax.unitwise_norm(np.ones((2,) * 6))
    assert optax.unitwise_norm(np.ones((2,) * 6), axis=(0, 1, 2)).shape == (2,) * 6
    with pytest.raises(ValueError, match="adaptive_grad_clip"):
        optax.adaptive_grad_clip(1.0).update(_CLIP_UPDATES, None)


def test_per_example_global_norm_clip():
    """optax: four examples with global norms 0.5, sqrt(50), sqrt(70), 0; clip 1: the
    middle two scaled by 1/sqrt(50), 1/sqrt(70); two clipped."""
    grads = [
        np.array([[0, -0.5], [3, 4], [5, 6], [0, 0]]),
        np.array([[0.0], [5.0], [-3.0], [0.0]]),
    ]
    want = [
        np.array([0, -0.5]) + np.array([3, 4]) / np.sqrt(50) + np.array([5, 6]) / np.sqrt(70),
        np.array([5.0]) / np.sqrt(50) - np.array([3.0]) / np.sqrt(70),
    ]
    got, n = optax.per_example_global_norm_clip(grads, l2_norm_clip=1.0)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(_np(a), b, rtol=1e-12)
    assert int(_np(n)) == 2


# ---------------------------------------------------------------- masked (_masking_test)

_MASK = {"a": True, "b": [False, True], "c": {"d": True, "e": (False, True)}}


def _mask_params():
    return {"a": 1.0, "b": [2.0, 3.0], "c": {"d": 4.0, "e": (5.0, 6.0)}}


def _close_trees(a, b):
    la, lb = ad.tree_leaves(a), ad.tree_leaves(b)
    assert ad.tree_structure(a) == ad.tree_structure(b) or len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        np.testing.assert_allclose(_np(x), _np(y), rtol=1e-12)


@pytest.mark.parametrize("momentum", [None, 0.0])
@pytest.mark.parametrize("use_fn", [False, True])
def test_masked_negates_where_selected(momentum, use_fn):
    """optax's test_masked: sgd(1) under the mask negates the selected updates, jitted,
    and again without params."""
    params = ad.tree_map(lambda v: gnp.asarray(np.float64(v)), _mask_params())
    updates = ad.tree_map(lambda v: v / 10.0, params)
    flip = lambda u: ad.tree_map(lambda x, m: -x if m else x, u, _MASK)  # noqa: E731
    opt = optax.masked(optax.sgd(1.0, momentum=momentum), (lambda p: _MASK) if use_fn else _MASK)
    state = ad.jit(opt.init)(params)
    out, state = ad.jit(opt.update)(updates, state, params)
    _close_trees(out, flip(updates))
    out2, _ = ad.jit(opt.update)(out, state)
    _close_trees(out2, updates)


def test_masked_prefix_mask_and_params():
    mask = {"a": True, "b": False, "c": {"d": False, "e": True}}
    params = {"a": 1.0, "b": {"f": 2.0}, "c": {"d": 3.0, "e": ([4.0, 5.0], 6.0)}}
    params = ad.tree_map(lambda v: gnp.asarray(np.float64(v)), params)
    updates = ad.tree_map(lambda v: v / 10.0, params)
    opt = optax.masked(optax.sgd(1.0, momentum=0.0), mask)
    out, state = ad.jit(opt.update)(updates, opt.init(params), params)
    want = ad.tree_map(lambda m, u: ad.tree_map(lambda x: -x, u) if m else u, mask, updates)
    _close_trees(out, want)
    # add_decayed_weights only where the mask says
    p = ad.tree_map(lambda v: gnp.asarray(np.float64(v)), _mask_params())
    u = ad.tree_map(lambda v: v / 10.0, p)
    opt = optax.masked(optax.add_decayed_weights(0.1), _MASK)
    out, _ = ad.jit(opt.update)(u, opt.init(p), p)
    _close_trees(out, ad.tree_map(lambda m, x, q: x + 0.1 * q if m else x, _MASK, u, p))


@pytest.mark.parametrize("container", [list, tuple, dict])
def test_masked_empty(container):
    opt = optax.masked(optax.sgd(1.0), container())
    opt.update(container(), opt.init(container()))


@pytest.mark.parametrize("extra_in_mask", [False, True])
def test_masked_tree_mismatch_fails(extra_in_mask):
    mask = {"a": True, "b": [False, True], "c": {"d": True, "e": (False, True)}}
    params = ad.tree_map(lambda v: np.float64(v), _mask_params())
    if extra_in_mask:
        mask["c"]["extra"] = True
    else:
        params["c"]["extra"] = np.float64(7)
    with pytest.raises(ValueError):
        optax.masked(optax.sgd(1.0), mask).init(params)


def test_masked_mask_fn_nested_and_state_structure():
    params = {"a": np.ones((1, 2)), "b": (np.ones((1,)), np.ones((1, 2, 3)))}
    opt = optax.masked(
        optax.add_decayed_weights(0.1), lambda p: ad.tree_map(lambda x: x.ndim > 1, p)
    )
    grads = ad.tree_map(lambda x: x * 2, params)
    out, _ = ad.jit(opt.update)(grads, opt.init(params), params)
    np.testing.assert_allclose(_np(out["a"]), 2.1)
    np.testing.assert_allclose(_np(out["b"][0]), 2.0)
    np.testing.assert_allclose(_np(out["b"][1]), 2.1)
    # nested masks (optax issue 271): only the 2-D weights outside linear_2 move
    params = {
        "l1": {"w": np.zeros((1, 1)), "b": np.zeros(1)},
        "l2": {"w": np.zeros((1, 2)), "b": np.zeros(2)},
        "l3": {"w": np.zeros((2, 3)), "b": np.zeros(3)},
    }
    inner_mask = ad.tree_map(lambda _: True, params)
    inner_mask["l2"] = False
    for momentum in (None, 0.0):
        inner = optax.masked(optax.sgd(1.0, momentum=momentum), inner_mask)
        opt = optax.masked(inner, lambda p: ad.tree_map(lambda x: x.ndim > 1, p))
        ones = ad.tree_map(np.ones_like, params)
        out, _ = ad.jit(opt.update)(ones, opt.init(params), params)
        for k in params:
            np.testing.assert_allclose(_np(out[k]["w"]), 1.0 if k == "l2" else -1.0)
            np.testing.assert_allclose(_np(out[k]["b"]), 1.0)
    params = {"a": [np.ones(1), (np.ones(2), np.ones(3))], "b": {"c": np.ones(4), "d": np.ones(5)}}
    tx = optax.masked(optax.sgd(1.0, momentum=0.0), {"a": [True, (True, False)], "b": False})
    tr = tx.init(params).inner_state[0].trace
    assert isinstance(tr["b"], optax.MaskedNode) and isinstance(tr["a"][1][1], optax.MaskedNode)
    assert _np(tr["a"][1][0]).shape == (2,)


# ---------------------------------------------------------------- _accumulation_test


def test_ema_with_and_without_debias():
    d = 0.9
    ema = optax.ema(d, debias=False)
    m, s = ad.jit(ema.update)(np.array(5.0), ema.init(np.array(5.0)))
    assert float(_np(m)) == pytest.approx((1 - d) * 5)
    m, _ = ad.jit(ema.update)(np.array(7.0), s)
    assert float(_np(m)) == pytest.approx((1 - d) * (7 + d * 5))
    ema = optax.ema(d)
    m, s = ad.jit(ema.update)(np.array(5.0), ema.init(np.array(5.0)))
    assert float(_np(m)) == pytest.approx(5.0)
    m, s = ad.jit(ema.update)(np.array(7.0), s)
    raw = (1 - d) * 7 + d * (1 - d) * 5
    assert float(_np(m)) == pytest.approx(raw / (1 - d**2))
    assert float(_np(s.ema)) == pytest.approx(raw)  # the state is not debiased


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan, 11.0])
def test_skip_functions(bad):
    step = gnp.zeros((), dtype=np.int32)
    skip, st = optax.skip_not_finite([np.array(bad), np.zeros(())], step, None)
    finite = np.isfinite(bad)
    assert bool(_np(skip)) == (not finite) and bool(_np(st["should_skip"])) == (not finite)
    assert int(_np(st["num_not_finite"])) == (0 if finite else 1)
    skip, st = optax.skip_large_updates([np.array(bad), np.zeros(())], step, None, 100.0)
    assert bool(_np(skip)) and bool(_np(st["should_skip"]))
    sq = float(_np(st["norm_squared"]))
    assert sq == 121.0 if finite else (np.isnan(sq) if np.isnan(bad) else sq == np.inf)
    skip, st = optax.skip_large_updates([np.zeros(()), np.zeros(())], step, None, 100.0)
    assert not bool(_np(skip)) and float(_np(st["norm_squared"])) == 0.0


def test_multisteps_training_every_k():
    """optax's test_multi_steps: a chain of adam, decayed weights and scale, inside a jitted
    train step; the parameters move (and the loss drops) only every 4th step."""
    rng = np.random.default_rng(0)
    data = np.ones((8, 7))
    params = {"w": rng.standard_normal((7, 10)) * 0.3, "b": np.zeros(10)}

    def loss(p, x):
        return gnp.sum((x @ p["w"] + p["b"]) ** 2)

    ms = optax.MultiSteps(
        optax.chain(optax.scale_by_adam(), optax.add_decayed_weights(1e-2), optax.scale(-1e-2)), 4
    )
    init, update = ms.gradient_transformation()

    @ad.jit
    def train_step(x, state, p):
        return update(ad.grad(loss)(p, x), state, p)

    state = init(params)
    prev = float(_np(loss(params, data)))
    for k in range(12):
        updates, state = train_step(data, state, params)
        new = optax.apply_updates(params, updates)
        now = float(_np(loss(new, data)))
        if k % 4 < 3:
            assert now == prev and not bool(_np(ms.has_updated(state)))
        else:
            assert now < prev and bool(_np(ms.has_updated(state)))
            prev = now
        params = new


def test_multisteps_optax_cases():
    """optax: a schedule of 1 mini-step for the first two updates, 3 after; zero_nans
    inside; the mean of 1, 2, 3, 4 is 2.5; skip_not_finite keeps mini_step on inf/NaN."""
    ms = optax.MultiSteps(optax.sgd(1e-4), lambda g: gnp.where(g < 2, 1, 3))
    init, update = ms.gradient_transformation()
    p = {"a": np.zeros(())}
    s = init(p)
    assert not bool(_np(ms.has_updated(s)))
    pattern = [True, True] + [False, False, True] * 5
    for want in pattern:
        _, s = update({"a": np.zeros(())}, s, p)
        assert bool(_np(ms.has_updated(s))) == want
    ms = optax.MultiSteps(optax.chain(optax.zero_nans(), optax.sgd(1e-4)), every_k_schedule=2)
    ms.update({"a": np.zeros(())}, ms.init(p), p)
    ms = optax.MultiSteps(optax.scale(1.0), 4, use_grad_mean=True)
    s = ms.init(p)
    for i in (1, 2, 3):
        _, s = ms.update({"a": np.array(float(i))}, s, p)
        assert not bool(_np(ms.has_updated(s)))
    u, s = ms.update({"a": np.array(4.0)}, s, p)
    assert float(_np(u["a"])) == 2.5 and bool(_np(ms.has_updated(s)))
    ms = optax.MultiSteps(optax.sgd(1.0), 2, should_skip_update_fn=optax.skip_not_finite)
    init, update = ad.jit(ms.init), ad.jit(ms.update)
    s = init(p)
    q = p
    for g, mini, want in [
        (1.0, 1, 0.0),
        (1.0, 0, -1.0),
        (np.inf, 0, -1.0),
        (np.nan, 0, -1.0),
        (1.0, 1, -1.0),
        (1.0, 0, -2.0),
    ]:
        u, s = update({"a": np.array(g)}, s, q)
        q = optax.apply_updates(q, u)
        assert int(_np(s.mini_step)) == mini and float(_np(q["a"])) == want


@pytest.mark.parametrize("upd_dtype", [np.float32, np.float16])
@pytest.mark.parametrize("param_dtype", [np.float32, np.float16])
def test_multisteps_mixed_precision_dtypes(upd_dtype, param_dtype):
    """optax's test_multi_steps_mixed_precision: MultiSteps' updates have the dtypes of the
    inner optimizer's at every mini-step, and applying them keeps the params' dtypes."""
    base = optax.chain(optax.scale_by_adam(), optax.add_decayed_weights(1e-2), optax.scale(-1e-4))
    ms = optax.MultiSteps(base, 2)
    params = {"w": np.ones((3, 2), param_dtype), "b": np.zeros(2, param_dtype)}
    s, ms_s = base.init(params), ms.init(params)
    for k in range(3):
        g = ad.tree_map(lambda p, k=k: (p * 0.5 + k).astype(upd_dtype), params)
        u, s = base.update(g, s, params)
        mu, ms_s = ms.update(g, ms_s, params)
        for a, b in zip(ad.tree_leaves(u), ad.tree_leaves(mu), strict=True):
            assert a.dtype == b.dtype
        new = optax.apply_updates(params, mu)
        assert all(x.dtype == param_dtype for x in ad.tree_leaves(new))
        params = new


# ---------------------------------------------------------------- _combining_test


def test_chain_equals_manual_sequence():
    ts = [optax.scale_by_adam(), optax.trace(decay=0, nesterov=False), optax.scale(-1e-2)]
    chained = optax.chain(*ts)
    state = chained.init(_CLIP_PARAMS)
    assert isinstance(state, tuple)
    step = ad.jit(lambda u, s: chained.update(u, s))
    p1 = _CLIP_PARAMS
    for _ in range(20):
        u, state = step(_CLIP_UPDATES, state)
        p1 = optax.apply_updates(p1, u)
    p2, states = _CLIP_PARAMS, [t.init(_CLIP_PARAMS) for t in ts]
    for _ in range(20):
        u = _CLIP_UPDATES
        for k, t in enumerate(ts):
            u, states[k] = t.update(u, states[k])
        p2 = optax.apply_updates(p2, u)
    _close_trees(p1, p2)


def test_chain_extra_args():
    def update(updates, state, params=None, *, loss, **extra):
        assert loss == 1
        return updates, state

    t = optax.GradientTransformationExtraArgs(lambda p: (), update)
    opt = optax.chain(optax.adam(1e-3), t)
    assert isinstance(opt, optax.GradientTransformationExtraArgs)
    params = {"a": np.array(1.0), "b": np.array(2.0)}
    opt.update(params, opt.init(params), loss=1, ignored_kwarg="hi")
    plain = optax.GradientTransformation(lambda p: {}, lambda u, s, p=None: (u, s))
    assert isinstance(optax.chain(plain, plain), optax.GradientTransformationExtraArgs)

    def needs_params(u, s, p=None, **extra):
        assert p is not None
        return u, s

    opt = optax.chain(
        optax.GradientTransformation(lambda p: (), lambda u, s, p=None: needs_params(u, s, p)),
        optax.GradientTransformationExtraArgs(lambda p: (), needs_params),
    )
    opt.update(params, opt.init(params), params, ignored_kwarg="hi")
    opt.update(params, opt.init(params), params=params, ignored_kwarg="hi")


@pytest.mark.parametrize("use_fn", [True, False])
def test_partition(use_fn):
    """optax's PartitionTest: labels by the first letter of each key; scale(-1), ema(0)
    (stateful) and scale(2), jitted, then again without params."""

    def by_key(fn):
        def walk(d):
            return {k: walk(v) if isinstance(v, dict) else fn(k, v) for k, v in d.items()}

        return walk

    params = {"a1": 1.0, "b1": 2.0, "z1": {"a2": 3.0, "z2": {"c1": 4.0}}}
    params = ad.tree_map(lambda v: gnp.asarray(np.float64(v)), params)
    updates = ad.tree_map(lambda x: x / 10.0, params)
    txs = {"a": optax.scale(-1.0), "b": optax.ema(0.0), "c": optax.scale(2.0)}
    labels = by_key(lambda k, _: k[0])
    tx = optax.partition(txs, labels if use_fn else labels(params))
    update = ad.jit(tx.update)
    state = ad.jit(tx.init)(params)
    correct = by_key(lambda k, v: {"a": -v, "b": v, "c": 2.0 * v}[k[0]])
    out, state = update(updates, state, params)
    _close_trees(out, correct(updates))
    out2, _ = update(out, state)
    _close_trees(out2, correct(correct(updates)))


def test_partition_extra_args_empty_and_label_mismatch():
    class ArgError(ValueError):
        pass

    def with_arg(u, s, p=None, *, arg, **extra):
        if arg != 1:
            raise ArgError()
        return u, s

    opt = optax.partition(
        {
            "a": optax.GradientTransformation(lambda p: {"mu": p}, lambda u, s, p=None: (u, s)),
            "b": optax.GradientTransformationExtraArgs(lambda p: {"mu": p}, with_arg),
        },
        ("a", "b"),
    )
    fake = ({"u": np.array([1.0])}, {"v": np.array([1.0])})
    state = opt.init(fake)
    with pytest.raises(TypeError):
        opt.update(fake, state)
    with pytest.raises(ArgError):
        opt.update(fake, state, arg=2, ignored_kwarg="hi")
    opt.update(fake, state, arg=1, ignored_kwarg="hi")
    for container in (list, tuple, dict):
        init, update = optax.partition({0: optax.sgd(1.0)}, lambda _: 0)
        out, _ = update(container(), init(container()))
        assert out == container()
    params = ad.tree_map(lambda v: np.float64(v), _mask_params())
    label_tree = {"a": 0, "b": [1, 0], "c": 1}
    txs = {0: optax.sgd(1.0), 1: optax.adam(1.0, b1=0.0, b2=0.0), 2: optax.trace(1.0)}
    init, update = optax.partition(txs, label_tree)
    state = ad.jit(init)(params)
    ad.jit(update)(ad.tree_map(lambda x: x / 10.0, params), state)
    label_tree["a"] = 3
    with pytest.raises(ValueError, match="labels"):
        optax.partition(txs, label_tree).init(params)


def test_named_chain():
    def scale_by_loss():
        def update(u, s, p, *, loss, **extra):
            return ad.tree_map(lambda x: x / loss, u), s

        return optax.GradientTransformationExtraArgs(optax.init_empty_state, update)

    tx = optax.named_chain(("scale", optax.scale(0.1)), ("scale_loss", scale_by_loss()))
    params = {"a": np.ones(4)}
    state = tx.init(params)
    assert set(state) == {"scale", "scale_loss"}
    u, _ = tx.update(params, state, params, loss=0.1)
    np.testing.assert_allclose(_np(u["a"]), 1.0)


# ---------------------------------------------------------------- L-BFGS


def _lbfgs_reference(x0, grad, steps, lr, memory):
    """L-BFGS with a fixed step from Nocedal and Wright's Algorithm 7.4, in NumPy."""
    x, pairs, out = x0.copy(), [], []
    prev = None
    for k in range(steps):
        g = grad(x)
        if k == 0:
            gamma = min(1.0, 1.0 / np.linalg.norm(g))
        else:
            s, y = x - prev[0], g - prev[1]
            pairs = (pairs + [(s, y)])[-memory:]
            gamma = (s @ y) / (y @ y)
        q, alphas = g.copy(), []
        for s, y in reversed(pairs):
            a = (s @ q) / (y @ s)
            alphas.append(a)
            q = q - a * y
        r = gamma * q
        for (s, y), a in zip(pairs, reversed(alphas), strict=True):
            r = r + s * (a - (y @ r) / (y @ s))
        prev = (x.copy(), g)
        x = x - lr * r
        out.append(x.copy())
    return out


@pytest.mark.parametrize("memory", [1, 3, 10])
def test_lbfgs_matches_two_loop_reference(memory):
    """On a convex quadratic (and with memory shorter than the run), the fixed-step L-BFGS
    iterates equal the textbook two-loop recursion's; jitted equals eager."""
    rng = np.random.default_rng(3)
    m = rng.standard_normal((5, 5))
    a, b = m @ m.T + np.eye(5), rng.standard_normal(5)

    def grad(x):
        return a @ x - b

    x0 = rng.standard_normal(5)
    want = _lbfgs_reference(x0, grad, 8, 0.7, memory)
    opt = optax.lbfgs(0.7, memory_size=memory, linesearch=None)

    def step(x, s):
        u, s = opt.update(a @ x - b, s, x)
        return optax.apply_updates(x, u), s

    jitted = ad.jit(step)
    xe, se = x0, opt.init(x0)
    xj, sj = x0, opt.init(x0)
    for k in range(8):
        xe, se = step(xe, se)
        xj, sj = jitted(xj, sj)
        np.testing.assert_allclose(_np(xe), want[k], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(_np(xj), _np(xe), rtol=1e-13, atol=1e-15)
    assert jitted.cache_info()["misses"] == 1


def test_lbfgs_converges_and_refuses_zoom():
    """With full memory and unit step, L-BFGS minimises a 2-D quadratic; the default zoom
    line search is refused with a message naming the way out."""
    a, b = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0])
    opt = optax.lbfgs(linesearch=None)
    x, s = np.zeros(2), opt.init(np.zeros(2))
    for _ in range(30):
        u, s = opt.update(a @ _np(x) - b, s, x)
        x = optax.apply_updates(x, u)
    np.testing.assert_allclose(_np(x), np.linalg.solve(a, b), rtol=1e-8)
    with pytest.raises(NotImplementedError, match="linesearch=None"):
        optax.lbfgs()
    with pytest.raises(ValueError, match="memory_size"):
        optax.scale_by_lbfgs(memory_size=0)
    tree = {"w": np.ones((2, 2)), "b": np.zeros(2)}
    tx = optax.scale_by_lbfgs(3)
    u, s = tx.update(tree, tx.init(tree), tree)
    assert s.diff_params_memory["w"].shape == (3, 2, 2)
    np.testing.assert_allclose(_np(u["w"]), 0.5)  # min(1, 1/|g|) g with |g| = 2


def _armijo_reference(f, grad, p, steps, max_k, dec=0.8, inc=1.5, max_lr=1.0, c=1e-4):
    """SGD(1) with optax's backtracking rule, in NumPy: the first of
    ``min(inc * last, max_lr) * dec**k`` with ``f(p - eta g) <= f(p) - eta c |g|^2``."""
    lr, out = 1.0, []
    for _ in range(steps):
        g = grad(p)
        start = min(inc * lr, max_lr)
        for k in range(max_k + 1):
            lr = start * dec**k
            if f(p - lr * g) - f(p) + lr * c * (g @ g) <= 0:
                break
        p = p - lr * g
        out.append(f(p))
    return out


def test_backtracking_linesearch_optax_docstring_runs():
    """optax's two docstring examples: sum(p^2) from [1, 2, 3] (each accepted step is 0.8,
    multiplying f by 0.36: 5.04, 1.81, 0.653, 0.235, 0.0847) and a least-squares term with
    data passed as keywords (38.6, 25.0, 13.4, 5.87, 5.81); jitted equals eager."""
    solver = optax.chain(
        optax.sgd(1.0),
        optax.scale_by_backtracking_linesearch(max_backtracking_steps=15, store_grad=True),
    )

    def fn(p):
        return gnp.sum(p**2)

    def step(p, s):
        v, g = ad.value_and_grad(fn)(p)
        u, s = solver.update(g, s, p, value=v, grad=g, value_fn=fn)
        return optax.apply_updates(p, u), s

    vg = optax.value_and_grad_from_state(fn)

    def step_reusing(p, s):
        v, g = vg(p, state=s)
        u, s = solver.update(g, s, p, value=v, grad=g, value_fn=fn)
        return optax.apply_updates(p, u), s

    p = pj = pr = np.array([1.0, 2.0, 3.0])
    s = sj = sr = solver.init(p)
    jitted = ad.jit(step)
    got = []
    for _ in range(5):
        pr, sr = step_reusing(pr, sr)
        p, s = step(p, s)
        np.testing.assert_allclose(_np(pr), _np(p), rtol=1e-14)
        pj, sj = jitted(pj, sj)
        np.testing.assert_allclose(_np(pj), _np(p), rtol=1e-13)
        got.append(float(_np(fn(p))))
    np.testing.assert_allclose(got, 14 * 0.36 ** np.arange(1, 6), rtol=1e-12)
    np.testing.assert_allclose(got, [5.04, 1.81, 0.653, 0.235, 0.0847], rtol=3e-3)
    np.testing.assert_allclose(_np(s[1].grad), 2 * _np(p))  # store_grad: f' at the new params
    assert int(_np(s[1].info.num_linesearch_steps)) == 2
    assert jitted.cache_info()["misses"] == 1

    def fn2(params, x, y):
        return optax.l2_loss(gnp.dot(x, params), y)

    solver = optax.chain(optax.sgd(1.0), optax.scale_by_backtracking_linesearch(15))
    x, y = np.array([3.0, 2.0, 1.0]), np.array(0.0)
    p, s, got = np.array([1.0, 2.0, 3.0]), solver.init(np.zeros(3)), []
    for _ in range(5):
        v, g = ad.value_and_grad(fn2)(p, x, y)
        u, s = solver.update(g, s, p, value=v, grad=g, value_fn=fn2, x=x, y=y)
        p = optax.apply_updates(p, u)
        got.append(float(_np(fn2(p, x, y))))
    want = _armijo_reference(
        lambda q: 0.5 * (x @ q) ** 2, lambda q: (x @ q) * x, np.array([1.0, 2.0, 3.0]), 5, 15
    )
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(got, [38.6, 25.0, 13.4, 5.87, 5.81], rtol=3e-3)
    with pytest.raises(TypeError, match="value_fn"):
        solver.update(g, s, p, value=v)


def test_lbfgs_with_backtracking_minimises_convex_function():
    """A strictly convex quartic (so every pair has positive curvature): L-BFGS with the
    backtracking line search, jitted, reaches the point where the gradient vanishes."""
    a = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    b = np.array([1.0, -2.0, 0.5])

    def f(p):
        r = gnp.dot(a, p) - b
        return gnp.sum(r * r) + 0.1 * gnp.sum(p**4)

    opt = optax.lbfgs(linesearch=optax.scale_by_backtracking_linesearch(30))

    def step(p, s):
        v, g = ad.value_and_grad(f)(p)
        u, s = opt.update(g, s, p, value=v, grad=g, value_fn=f)
        return optax.apply_updates(p, u), s

    step = ad.jit(step)
    p = np.zeros(3)
    s = opt.init(p)
    for _ in range(40):
        p, s = step(p, s)
    assert np.abs(_np(ad.grad(f)(_np(p)))).max() < 1e-8


def test_ctc_loss_vs_torch():
    """The CTC loss and its gradient against torch.nn.functional.ctc_loss (reduction
    'none'), variable input and label lengths, blank 0."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    b, t, k, n = 3, 6, 5, 3
    logits = rng.standard_normal((b, t, k))
    labels = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]])
    label_lens = np.array([3, 2, 1])
    input_lens = np.array([6, 5, 4])
    lpad = (np.arange(t)[None] >= input_lens[:, None]).astype(float)
    ypad = (np.arange(n)[None] >= label_lens[:, None]).astype(float)

    def f(x):
        return optax.ctc_loss(x, lpad, labels, ypad)

    x = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.ctc_loss(
        torch.log_softmax(x, -1).transpose(0, 1),
        torch.tensor(labels),
        torch.tensor(input_lens),
        torch.tensor(label_lens),
        reduction="none",
    )
    np.testing.assert_allclose(_np(f(logits)), ref.detach().numpy(), rtol=1e-9)
    (gt,) = torch.autograd.grad(ref.sum(), x)
    g = _np(ad.grad(lambda z: gnp.sum(f(z)))(logits))
    np.testing.assert_allclose(g, gt.numpy(), rtol=1e-7, atol=1e-10)


def test_polyak_sgd_docstring_run():
    """optax's docstring: f = sum(p^2) from [1, 2, 3]: the step (f - 0) / |2p|^2 = 1/4
    halves p, so f goes 3.5, 0.875, 0.21875, ... (14 / 4^k); jitted equals eager."""
    solver = optax.polyak_sgd()

    def f(p):
        return gnp.sum(p**2)

    def step(p, s):
        v, g = ad.value_and_grad(f)(p)
        u, s = solver.update(g, s, p, value=v)
        return optax.apply_updates(p, u), s

    p = pj = np.array([1.0, 2.0, 3.0])
    s = sj = solver.init(p)
    jitted = ad.jit(step)
    for k in range(1, 6):
        p, s = step(p, s)
        pj, sj = jitted(pj, sj)
        assert float(_np(f(p))) == pytest.approx(14 / 4**k, rel=1e-14)
        np.testing.assert_allclose(_np(pj), _np(p), rtol=1e-14)
    np.testing.assert_allclose(
        14 / 4 ** np.arange(1, 6), [3.5, 0.875, 0.21875, 0.0546875, 0.013671875]
    )


def test_optax_tree_short_names():
    """``optax.tree`` (optax >= 0.2.5): norm (ord 1, 2, inf, squared), add, sub, scale,
    vdot, zeros_like, get/set, as the long tree_utils names."""
    t = {"a": np.array([3.0]), "b": np.array([-4.0, 0.0])}
    assert float(_np(optax.tree.norm(t))) == 5.0
    assert float(_np(optax.tree.norm(t, squared=True))) == 25.0
    assert float(_np(optax.tree.norm(t, 1))) == 7.0
    assert float(_np(optax.tree.norm(t, np.inf))) == 4.0
    with pytest.raises(ValueError, match="ord"):
        optax.tree.norm(t, 3)
    np.testing.assert_allclose(_np(optax.tree.add(t, t)["b"]), [-8.0, 0.0])
    np.testing.assert_allclose(_np(optax.tree.sub(t, t)["a"]), [0.0])
    np.testing.assert_allclose(_np(optax.tree.scale(0.5, t)["a"]), [1.5])
    assert float(_np(optax.tree.vdot(t, t))) == 25.0
    assert _np(optax.tree.zeros_like(t)["b"]).tolist() == [0.0, 0.0]
    s = optax.adam(0.1).init(t)
    assert int(_np(optax.tree.get(optax.tree.set(s, count=gnp.asarray(np.int32(4))), "count"))) == 4


@pytest.mark.parametrize(
    "name",
    ["adaptive_grad_clip", "named_chain", "centralize_adam", "clip_by_block_rms", "polyak_sgd"],
)
def test_new_transformations_jitted_equal_eager(name):
    params = {"w": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.1, -0.2])}
    grads = [ad.tree_map(lambda p, k=k: np.sin(p * (k + 1)) * 3, params) for k in range(3)]
    opt = {
        "adaptive_grad_clip": optax.chain(optax.adaptive_grad_clip(0.1), optax.sgd(0.1)),
        "named_chain": optax.named_chain(("clip", optax.clip(1.0)), ("adam", optax.adam(0.1))),
        "centralize_adam": optax.chain(optax.centralize(), optax.adam(0.1)),
        "clip_by_block_rms": optax.chain(optax.clip_by_block_rms(0.5), optax.sgd(0.1)),
        "polyak_sgd": optax.polyak_sgd(max_learning_rate=0.5),
    }[name]
    extra = {"value": 2.0} if name == "polyak_sgd" else {}
    _run_jit_and_eager(opt, grads, params, **extra)


def test_optax_namespaces():
    """optax's submodule names reach the same objects as the top level."""
    assert optax.transforms.MultiSteps is optax.MultiSteps
    assert optax.transforms.partition is optax.multi_transform
    assert optax.schedules.sgdr_schedule is optax.sgdr_schedule
    assert optax.losses.ctc_loss is optax.ctc_loss
    for mod in (optax.transforms, optax.schedules, optax.losses, optax.tree, optax.tree_utils):
        assert all(hasattr(mod, n) for n in mod.__all__)


def test_ranking_softmax_loss():
    """optax's _ranking docstring: [2, 1, 3] with label on item 0: logsumexp - 2 = 1.408,
    gradient softmax - y = [-0.755, 0.09, 0.665]; a masked batch 0.497 (the mean of the
    two lists' losses over their valid items); sum and no reduction; FD gradient with
    where and weights; a batch with no valid list gives 0."""
    s, y = np.array([2.0, 1.0, 3.0]), np.array([1.0, 0.0, 0.0])
    want = np.log(np.exp(s).sum()) - 2.0
    assert float(_np(losses.ranking_softmax_loss(s, y))) == pytest.approx(want, rel=1e-14)
    assert want == pytest.approx(1.408, abs=5e-4)
    g = _np(ad.grad(losses.ranking_softmax_loss)(s, y))
    np.testing.assert_allclose(g, np.exp(s) / np.exp(s).sum() - y, rtol=1e-12)
    np.testing.assert_allclose(g, [-0.755, 0.09, 0.665], atol=5e-4)
    s = np.array([[2.0, 1.0, 0.0], [1.0, 0.5, 1.5]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    w = np.array([[True, True, False], [True, True, True]])
    per = [np.log(np.exp(s[0, :2]).sum()) - 2.0, np.log(np.exp(s[1]).sum()) - 1.5]
    got = losses.ranking_softmax_loss(s, y, where=w)
    assert float(_np(got)) == pytest.approx(np.mean(per), rel=1e-14)
    assert np.mean(per) == pytest.approx(0.497, abs=5e-4)
    np.testing.assert_allclose(
        _np(losses.ranking_softmax_loss(s, y, where=w, reduce_fn=None)), per, rtol=1e-14
    )
    assert float(_np(losses.ranking_softmax_loss(s, y, where=w, reduce_fn=gnp.sum))) == (
        pytest.approx(sum(per), rel=1e-14)
    )
    weights = np.array([[2.0, 1.0, 1.0], [1.0, 1.0, 0.5]])
    _check_grad(lambda x: losses.ranking_softmax_loss(x, y + 0.2, where=w, weights=weights), s)
    with np.errstate(invalid="ignore", divide="ignore"):
        none = np.zeros((2, 3), bool)
        assert float(_np(losses.ranking_softmax_loss(s, y, where=none))) == 0.0
