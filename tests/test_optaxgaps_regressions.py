"""Regressions found while mapping optax's own test suite onto ``gpuad.optax``."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
from gpuad import optax
from tests.conftest import to_numpy

pytestmark = pytest.mark.usefixtures("backend")

P = np.array([1 + 2j, -1 + 0.5j])
G = np.array([0.3 - 1j, 2 + 1j])


def _np(x):
    return np.asarray(to_numpy(x))


def test_complex_second_moments_use_the_squared_modulus():
    """optax's second moments of a complex gradient are ``|g|**2`` (real); ``g * g`` made
    Adam's first step ``-lr`` along the real axis and sent complex training astray."""
    sq = np.abs(G) ** 2
    u, _ = optax.adam(0.1).update(G, optax.adam(0.1).init(P), P)
    np.testing.assert_allclose(_np(u), -0.1 * G / (np.sqrt(sq) + 1e-8), rtol=1e-12)
    u, _ = optax.adagrad(0.1).update(G, optax.adagrad(0.1).init(P), P)
    np.testing.assert_allclose(_np(u), -0.1 * G / np.sqrt(sq + 0.1 + 1e-7), rtol=1e-12)
    u, _ = optax.rmsprop(0.1).update(G, optax.rmsprop(0.1).init(P), P)
    np.testing.assert_allclose(_np(u), -0.1 * G / np.sqrt(0.1 * sq + 1e-8), rtol=1e-12)
    tx = optax.scale_by_stddev()
    u, _ = tx.update(G, tx.init(P))
    want = G / np.sqrt(0.1 * sq - np.abs(0.1 * G) ** 2 + 1e-8)
    np.testing.assert_allclose(_np(u), want, rtol=1e-10)
    tx = optax.scale_by_yogi(initial_accumulator_value=0.0, eps=0.0)
    u, s = tx.update(G, tx.init(P))
    np.testing.assert_allclose(_np(s.nu), 0.001 * sq, rtol=1e-12)


def test_complex_norms_in_trust_ratio_polyak_and_skip():
    tx = optax.scale_by_trust_ratio()
    u, _ = tx.update(G, tx.init(P), P)
    ratio = np.linalg.norm(P) / np.linalg.norm(G)
    np.testing.assert_allclose(_np(u), G * ratio, rtol=1e-12)
    tx = optax.scale_by_polyak(max_learning_rate=100.0, eps=0.0)
    u, _ = tx.update(G, tx.init(P), value=2.0)
    np.testing.assert_allclose(_np(u), G * 2.0 / np.sum(np.abs(G) ** 2), rtol=1e-12)
    skip, info = optax.skip_large_updates(G, 0, None, 6.0)
    assert float(_np(info["norm_squared"])) == pytest.approx(np.sum(np.abs(G) ** 2))
    assert bool(_np(skip))


def test_inject_hyperparams_keeps_defaults_and_checks_static_args():
    """As optax: the factory's defaults are hyperparameters too (``eps`` of Adam was left
    out of ``state.hyperparams``), and a ``static_args`` name the factory lacks raises."""
    opt = optax.inject_hyperparams(optax.scale_by_adam)(b1=0.0, b2=0.0)
    state = opt.init([np.zeros((2, 3))])
    assert set(state.hyperparams) == {"b1", "b2", "eps", "eps_root"}
    assert float(_np(state.hyperparams["eps"])) == 1e-8
    with pytest.raises(ValueError, match="static_args"):
        optax.inject_hyperparams(optax.scale, static_args="lr")


def test_squared_error_refuses_unequal_shapes():
    """optax asserts equal shapes; broadcasting (4,) against (4, 1) gave a (4, 4) loss."""
    with pytest.raises(ValueError, match=r"\(4,\).*\(4, 1\)"):
        optax.l2_loss(np.ones(4), np.ones((4, 1)))
    np.testing.assert_allclose(_np(optax.squared_error(np.ones(4), np.zeros(4))), np.ones(4))


def test_new_helpers_match_their_formulas():
    new, old = {"w": np.array([2.0, 4.0])}, {"w": np.array([1.0, 1.0])}
    got = optax.incremental_update(new, old, 0.25)["w"]
    np.testing.assert_allclose(_np(got), 0.25 * new["w"] + 0.75 * old["w"])
    assert optax.periodic_update(new, old, 10, 5) is new
    assert optax.periodic_update(new, old, 11, 5) is old
    u, _ = optax.set_to_zero().update(new, optax.set_to_zero().init(new))
    np.testing.assert_array_equal(_np(u["w"]), np.zeros(2))


@pytest.mark.parametrize("name", ["fromage", "novograd", "lamb", "adafactor"])
def test_inject_hyperparams_jits(name):
    """Hyperparameters injected as arrays ran into Python arithmetic (fromage's math.sqrt,
    novograd's weight_decay test, the trust ratio's min_norm test, adafactor's decay
    exponent) and a dtype default (adafactor's dtype_momentum) was taken for a schedule:
    under gpuad.jit these raised; optax jits them."""
    factory = getattr(optax, name)
    static = ("min_dim_size_to_factor",) if name == "adafactor" else ()
    opt = factory(0.1)
    inj = optax.inject_hyperparams(factory, static_args=static)(0.1)
    params, grads = [np.ones((2, 3))], [np.full((2, 3), 0.5)]
    u, _ = opt.update(grads, opt.init(params), params)
    ui, _ = ad.jit(inj.update)(grads, inj.init(params), params)
    np.testing.assert_allclose(_np(ui[0]), _np(u[0]), rtol=1e-12)


def test_noise_in_float16():
    """noisy_sgd and add_noise on float16 parameters drew noise of an unsupported dtype."""
    opt = optax.noisy_sgd(0.1)
    p = np.ones(3, np.float16)
    u, _ = opt.update(p, opt.init(p), p)
    assert _np(u).dtype == np.float16 and np.all(np.isfinite(_np(u)))
