"""torch-style losses keep the float dtype of their input when the target (or a weight) is an
integer array, as torch's type promotion does: float32 scores with int64 labels give a
float32 loss and a float32 gradient (NumPy's promotion would give float64). Weights and
targets of losses whose torch kernels compute in the input's dtype take that dtype too.
tests/conformance/test_torch_result_dtypes.py compares every combination with torch."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn as nn
import gpuad.nn.functional as F


def _cases(xp, xdt, tdt):
    rng = np.random.default_rng(0)

    def a(v):
        return xp.asarray(v)

    x43 = a(rng.standard_normal((4, 3)).astype(xdt))
    x4 = a(rng.standard_normal(4).astype(xdt))
    p4 = a(rng.uniform(0.1, 0.9, 4).astype(xdt))
    cls = a(np.array([0, 2, 1, 1], tdt))
    t01 = a(np.array([0, 1, 1, 0], tdt))
    pm1 = a(np.array([1, -1, 1, -1], tdt))
    lp = a(np.log(rng.dirichlet(np.ones(4), (6, 2))).astype(xdt))
    return {
        "nll_loss": (F.nll_loss, x43, cls),
        "cross_entropy": (F.cross_entropy, x43, cls),
        "cross_entropy smoothing": (lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
                                    x43, cls),
        "multi_margin_loss": (F.multi_margin_loss, x43, cls),
        "multilabel_margin_loss": (F.multilabel_margin_loss, x43,
                                   a(np.array([[0, 2, -1]] * 4, tdt))),
        "ctc_loss": (lambda x, t: F.ctc_loss(x, t, a(np.full(2, 6, tdt)),
                                             a(np.full(2, 3, tdt))), lp,
                     a(np.array([[1, 2, 3], [3, 3, 1]], tdt))),
        "mse_loss": (F.mse_loss, x4, t01),
        "l1_loss": (F.l1_loss, x4, t01),
        "smooth_l1_loss": (F.smooth_l1_loss, x4, t01),
        "huber_loss": (F.huber_loss, x4, t01),
        "poisson_nll_loss": (F.poisson_nll_loss, x4, t01),
        "kl_div": (F.kl_div, x4, t01),
        "binary_cross_entropy": (F.binary_cross_entropy, p4, t01),
        "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits, x4, t01),
        "soft_margin_loss": (F.soft_margin_loss, x4, pm1),
        "hinge_embedding_loss": (F.hinge_embedding_loss, x4, pm1),
        "margin_ranking_loss": (lambda x, t: F.margin_ranking_loss(x, x * 0.5, t), x4, pm1),
        "cosine_embedding_loss": (lambda x, t: F.cosine_embedding_loss(x, x * 0.5, t), x43,
                                  pm1),
        "multilabel_soft_margin_loss": (F.multilabel_soft_margin_loss, x43,
                                        a(np.array([[0, 1, 1]] * 4, tdt))),
        "gaussian_nll_loss": (lambda x, t: F.gaussian_nll_loss(x, t, p4), x4, t01),
        "triplet_margin_loss": (lambda x, t: F.triplet_margin_loss(x, x * 0.5, t), x43,
                                a(np.ones((4, 3), tdt))),
        "MSELoss": (nn.MSELoss(), x4, t01),
        "CTCLoss": (lambda x, t: nn.CTCLoss()(x, t, (6, 6), (3, 3)), lp,
                    a(np.array([[1, 2, 3], [3, 3, 1]], tdt))),
    }


@pytest.mark.parametrize("xdt", [np.float32, np.float16], ids=["float32", "float16"])
def test_integer_targets_keep_the_input_dtype(backend, xdt):
    xp = ad.get_backend().xp
    bad = []
    for tdt in (np.int64, np.int32):
        for name, (fn, x, t) in _cases(xp, xdt, tdt).items():
            out = fn(ad.tensor(x), t)
            if out.dtype != xdt:
                bad.append(f"{name} with {np.dtype(tdt).name} targets: {out.dtype}")
    assert not bad, "\n".join(bad)


def test_gradient_of_a_float32_loss_with_int64_targets_is_float32(backend):
    xp = ad.get_backend().xp
    host = np.random.default_rng(1).standard_normal(4).astype(np.float32)
    x, t = xp.asarray(host), xp.asarray(np.array([0, 1, 2, 1]))
    value, g = ad.value_and_grad(lambda v: F.mse_loss(v, t))(x)
    assert value.dtype == np.float32 and g.dtype == np.float32
    want = 2 * (host.astype(np.float64) - np.array([0, 1, 2, 1])) / 4  # float64 reference
    got = g.get() if hasattr(g, "get") else g
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_float_weights_that_torch_computes_in_the_input_dtype(backend):
    xp = ad.get_backend().xp
    x = ad.tensor(xp.asarray(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)))
    lab = xp.asarray(np.array([0, 2, 1, 1]))
    w64 = xp.asarray(np.array([1.0, 2.0, 0.5]))
    assert F.cross_entropy(x, lab, weight=w64).dtype == np.float32
    assert F.nll_loss(x, lab, weight=w64).dtype == np.float32
    assert F.multi_margin_loss(x, lab, weight=w64).dtype == np.float32
    assert nn.CrossEntropyLoss(weight=w64)(x, lab).dtype == np.float32
    y = xp.asarray(np.array([1.0, 0.0, 1.0], np.float32))
    ones = xp.ones(3)  # float64
    assert F.binary_cross_entropy_with_logits(x[0], y, pos_weight=ones).dtype == np.float32
    assert F.binary_cross_entropy_with_logits(x[0], y, weight=ones).dtype == np.float32
    assert F.soft_margin_loss(x[0], xp.asarray(np.array([1.0, -1.0, 1.0]))).dtype == np.float32
    # the weighted mean is still the float64 one, to float32 rounding
    ref = F.cross_entropy(x.astype(np.float64), lab, weight=w64)
    np.testing.assert_allclose(float(F.cross_entropy(x, lab, weight=w64)), float(ref),
                               rtol=1e-6)


def test_bincount_of_float32_weights_is_float32(backend):
    xp = ad.get_backend().xp
    lab = ad.tensor(xp.asarray(np.array([1, 3, 1])))
    w = ad.tensor(xp.asarray(np.array([0.5, 1.0, 2.0], np.float32)))
    out = lab.bincount(w)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [0.0, 2.5, 0.0, 1.0])
    assert lab.bincount(w.astype(np.float16)).dtype == np.float64  # torch's double
    g = ad.grad(lambda v: (lab.bincount(v) * xp.arange(4.0)).sum())(w)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.get() if hasattr(g, "get") else g, [1.0, 3.0, 1.0])


def test_distributions_with_float32_parameters_stay_float32(backend):
    import gpuad.distributions as D

    xp = ad.get_backend().xp
    s = ad.tensor(xp.asarray(np.array([1.0, 2.0], np.float32)))
    p = ad.tensor(xp.asarray(np.array([0.3, 0.6], np.float32)))
    counts = xp.asarray(np.array([3, 4]))
    cases = {
        "Normal(0.0, s) at int64 values": D.Normal(0.0, s).log_prob(counts),
        "Poisson at int64 counts": D.Poisson(s).log_prob(counts),
        "Binomial(10, p)": D.Binomial(10, probs=p).log_prob(counts),
        "Bernoulli at int64 labels": D.Bernoulli(probs=p).log_prob(xp.asarray(np.array([0, 1]))),
        "Uniform(0, s).sample()": D.Uniform(0, s).sample(),
        "Categorical.mean": D.Categorical(probs=p).mean,
    }
    bad = [f"{k}: {v.dtype}" for k, v in cases.items() if v.dtype != np.float32]
    assert not bad, "\n".join(bad)
    # the values are the float64 ones, rounded
    ref = D.Poisson(s.astype(np.float64)).log_prob(counts)
    np.testing.assert_allclose(D.Poisson(s).log_prob(counts).numpy(), ref.numpy(), rtol=1e-6)
    assert D.Categorical(probs=p).log_prob(xp.asarray(np.array(1))).dtype == np.float32


def test_optax_losses_with_integer_labels_stay_float32(backend):
    from gpuad import optax

    xp = ad.get_backend().xp
    x = ad.tensor(xp.asarray(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)))
    t = xp.asarray(np.array([[0, 1, 0]] * 4))  # int64, as JAX's lattice promotes to float32
    for name, out in {
        "softmax_cross_entropy": optax.softmax_cross_entropy(x, t),
        "sigmoid_binary_cross_entropy": optax.sigmoid_binary_cross_entropy(x, t),
        "l2_loss": optax.l2_loss(x, t), "squared_error": optax.squared_error(x, t),
        "huber_loss": optax.huber_loss(x, t),
    }.items():
        assert out.dtype == np.float32, f"{name}: {out.dtype}"
