"""Composite functions at degenerate and extreme inputs: the values gpuad keeps where torch or
JAX give NaN, a huge rounded number or no derivative (the DIFFERS table of
tests/conformance/test_degenerate_vs_peers.py). Each expected number is worked out by hand."""

from __future__ import annotations

import warnings

import numpy as np
from conftest import to_numpy

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp


def _q(f, x, order=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = ad.grad(f) if order == 1 else ad.hessian(f)
        return to_numpy(d(ad.tensor(np.asarray(x, dtype=np.float64))))


def test_cdist_hessian_at_duplicate_points(backend):
    # points 0 and 1 coincide; u = x0 - x2 = [-2, 1]. Each distinct pair (counted twice by
    # cdist) has the Hessian (I - u u^T / |u|^2) / |u| in its own point; the duplicate pair's
    # distance contributes 0 (norm'(0) = 0) to first and second order.
    x = np.array([[0.0, 1.0], [0.0, 1.0], [2.0, 0.0]])
    h = _q(lambda a: gnp.sum(F.cdist(a[None], a[None], p=2.0)), x, 2).reshape(6, 6)
    u = np.array([-2.0, 1.0])
    b = (np.eye(2) - np.outer(u, u) / 5) / np.sqrt(5) * 2
    want = np.zeros((6, 6))
    for i in (0, 1):
        want[2 * i:2 * i + 2, 2 * i:2 * i + 2] += b
        want[4:, 4:] += b
        want[2 * i:2 * i + 2, 4:] -= b
        want[4:, 2 * i:2 * i + 2] -= b
    np.testing.assert_allclose(h, want, atol=1e-12)
    g = _q(lambda a: gnp.sum(F.cdist(a[None], a[None], p=2.0)), x)
    np.testing.assert_allclose(g[0], 2 * u / np.sqrt(5), atol=1e-12)


def test_binary_cross_entropy_at_p_0_and_1(backend):
    # mean of -(t log p + (1 - t) log(1 - p)), log clamped at -100: where p = t the terms are
    # -log(1 - p) (slope 1/(1 - p) = 1) and -log(p) (slope -1/p = -1); where p != t the log
    # is clamped and the loss is constant (slope 0). Divided by n = 4.
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = ad.tensor(np.array([0.0, 1.0, 1.0, 0.0]))
    f = lambda a: F.binary_cross_entropy(a, t)  # noqa: E731
    np.testing.assert_allclose(to_numpy(f(ad.tensor(p))), 50.0)
    np.testing.assert_allclose(_q(f, p), [0.25, -0.25, 0.0, 0.0], atol=0)
    np.testing.assert_allclose(np.diag(_q(f, p, 2)), [0.25, 0.25, 0.0, 0.0], atol=0)


def test_soft_margin_loss_saturated(backend):
    # log(1 + exp(-y x)) at y x = -1000 is 1000 (exp overflows in the plain formula); slope
    # -y sigmoid(-y x) = -y, divided by n = 2; second derivative sigmoid' = 0 to rounding.
    x = np.array([1e3, -1e3])
    y = ad.tensor(np.array([-1.0, 1.0]))
    f = lambda a: F.soft_margin_loss(a, y)  # noqa: E731
    np.testing.assert_allclose(to_numpy(f(ad.tensor(x))), 1000.0)
    np.testing.assert_allclose(_q(f, x), [0.5, -0.5])
    np.testing.assert_allclose(_q(f, x, 2), np.zeros((2, 2)), atol=1e-300)


def test_softplus_second_derivative_at_threshold(backend):
    # beta x = threshold is not above it: the value is log1p(exp(beta x)) / beta, so the
    # second derivative is beta s (1 - s), s = sigmoid(beta x) = sigmoid(20)
    f = lambda a: gnp.sum(F.softplus(a, beta=2.0, threshold=20.0))  # noqa: E731
    e = np.exp(-20.0)  # s (1 - s) = e / (1 + e)^2, without the cancellation in 1 - s
    np.testing.assert_allclose(_q(f, [10.0], 2), [[2 * e / (1 + e) ** 2]], rtol=1e-6)


def test_kl_div_slope_in_a_zero_target(backend):
    # sum t (log t - x): d/dt = log t + 1 - x, -inf at t = 0; d2/dt2 = 1/t = +inf
    x = ad.tensor(np.array([-1.0, -2.0]))
    f = lambda t: F.kl_div(x, t, reduction="sum")  # noqa: E731
    g = _q(f, [0.0, 0.5])
    assert g[0] == -np.inf
    np.testing.assert_allclose(g[1], np.log(0.5) + 1 + 2)
    assert _q(f, [0.0, 0.5], 2)[0, 0] == np.inf


def test_cross_entropy_ignored_row_of_minus_inf_gets_no_gradient(backend):
    # row 1 is masked (all -inf) and ignored: its logits get exactly 0, to second order (the
    # old code put 0 * NaN = NaN there). Row 0, label 1: softmax([0, 1]) - onehot(1), the mean
    # over the one kept row; with weight (1, 2) the weighted mean of one row is the same; with
    # smoothing 0.1 the target is (0.05, 0.95).
    x = np.array([[0.0, 1.0], [-np.inf, -np.inf]])
    s = 1 / (1 + np.e)
    for kw, t in (({}, (0.0, 1.0)), ({"weight": np.array([1.0, 2.0])}, (0.0, 1.0)),
                  ({"label_smoothing": 0.1}, (0.05, 0.95))):
        lab = np.array([1, -100])
        f = lambda a, kw=kw, lab=lab: F.cross_entropy(a, lab, **kw)  # noqa: E731
        g = _q(f, x)
        np.testing.assert_allclose(g[0], [s - t[0], 1 - s - t[1]], rtol=1e-12, err_msg=kw)
        assert np.array_equal(g[1], [0.0, 0.0]), kw
        h = _q(f, x, 2)
        assert np.array_equal(h[1], np.zeros((2, 2, 2))), kw
        assert np.array_equal(h[:, :, 1], np.zeros((2, 2, 2))), kw


def test_logsumexp_of_ties_does_not_warn(backend):
    # every entry is the maximum: log1p(0 + 2) + 0 = log 3, and no log(0) evaluated on the way
    import gpuad.scipy.special as gs

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = to_numpy(gs.logsumexp(ad.tensor(np.zeros(3))))
    np.testing.assert_allclose(v, np.log(3.0), rtol=1e-15)
