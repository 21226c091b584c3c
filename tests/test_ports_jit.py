"""The ported HIPS autograd programs of test_ports.py, compiled: ``gpuad.jit(value_and_grad(...))``
traced on one set of parameters and replayed on others must give HIPS autograd's values and
gradients for each (a value frozen at the traced call, or an index computed from the values and
baked in, shows up as a mismatch on the replays)."""

from __future__ import annotations

import numpy as onp
import pytest
from conftest import to_numpy
from test_ports import (
    _same,
    _sp_pair,
    bbvi_elbo,
    fluid_objective,
    gmm_nll,
    gp_nll,
    ica_nll,
    logistic_loss,
    lstm_loss,
    mlp_objective,
    negbin_nll,
    rnn_loss,
)

import gpuad as ad
import gpuad.numpy as gnp

ag = pytest.importorskip("autograd")
agnp = pytest.importorskip("autograd.numpy")


def _check(program, draws, *data, sp=False, rtol=1e-9, atol=1e-11):
    """Compile ``program``'s value_and_grad; compare each draw of parameters with autograd."""
    G, A = _sp_pair() if sp else (None, None)
    extra_g, extra_a = ((G,), (A,)) if sp else ((), ())
    on_backend = [gnp.asarray(d) if isinstance(d, onp.ndarray) else d for d in data]
    step = ad.jit(ad.value_and_grad(lambda p, *a: program(gnp, p, *a, *extra_g)))
    for params in draws:
        val, g = step(params, *on_backend)
        want_val, want_g = ag.value_and_grad(
            lambda p, *a: program(agnp, p, *a, *extra_a))(params, *data)
        onp.testing.assert_allclose(float(to_numpy(val)), float(want_val), rtol=rtol, atol=atol)
        _same(g, want_g, rtol, atol)
    info = step.cache_info()
    assert info["misses"] == 1 and info["hits"] == len(draws) - 1


def test_logistic_regression(backend):
    r = onp.random.default_rng(0)
    x, y = r.standard_normal((20, 3)), (r.random(20) > 0.5).astype(float)
    _check(logistic_loss, [r.standard_normal(3) for _ in range(3)], x, y)


def test_mlp_list_of_tuples(backend):
    r = onp.random.default_rng(1)
    sizes = [4, 6, 5, 3]

    def draw():
        return [(r.standard_normal((m, n)) * 0.5, r.standard_normal(n) * 0.1)
                for m, n in zip(sizes[:-1], sizes[1:], strict=True)]

    x, t = r.standard_normal((8, 4)), onp.eye(3)[r.integers(0, 3, 8)]
    _check(mlp_objective, [draw() for _ in range(3)], x, t)


def test_gaussian_process(backend):
    r = onp.random.default_rng(2)
    x = onp.linspace(-2, 2, 9)[:, None]
    y = onp.sin(2 * x[:, 0]) + 0.1 * r.standard_normal(9)
    draws = [onp.array([0.1, -2.0, 0.2, -0.3]) + 0.2 * r.standard_normal(4) for _ in range(3)]
    _check(gp_nll, draws, x, y, sp=True, rtol=1e-8, atol=1e-10)


def test_black_box_svi(backend):
    r = onp.random.default_rng(3)
    eps = r.standard_normal((50, 2))
    _check(bbvi_elbo, [r.standard_normal(4) * 0.3 for _ in range(3)], eps, sp=True)


def test_rnn_dict_params(backend):
    r = onp.random.default_rng(4)

    def draw():
        return {"w_in": r.standard_normal((2, 5)) * 0.5, "w_h": r.standard_normal((5, 5)) * 0.3,
                "b": r.standard_normal(5) * 0.1, "w_out": r.standard_normal(5)}

    _check(rnn_loss, [draw() for _ in range(3)], r.standard_normal((7, 2)))


def test_lstm(backend):
    r = onp.random.default_rng(5)

    def draw():
        return {k: r.standard_normal((6, 4)) * 0.4 for k in ("wf", "wi", "wo", "wc")}

    _check(lstm_loss, [draw() for _ in range(3)], r.standard_normal((5, 2)), sp=True)


def test_fluid_simulation_indices_follow_the_values(backend):
    # the advection's integer indices come from floor() of the velocities: recorded steps
    r = onp.random.default_rng(6)
    n = 6
    smoke, target = r.random((n, n)), r.random((n, n))
    _check(fluid_objective, [r.standard_normal(2 * n * n) * 0.3 for _ in range(3)], smoke,
           target, rtol=1e-8, atol=1e-12)


def test_negative_binomial(backend):
    r = onp.random.default_rng(7)
    data = onp.array([0.0, 3, 1, 7, 2, 4, 4, 9, 0, 1])
    _check(negbin_nll, [r.standard_normal(2) * 0.3 for _ in range(3)], data, sp=True)


def test_gaussian_mixture(backend):
    r = onp.random.default_rng(8)

    def draw():
        return {"log_w": r.standard_normal(3) * 0.1, "means": r.standard_normal((3, 2)),
                "chol": r.standard_normal((3, 2, 2)) * 0.5}

    _check(gmm_nll, [draw() for _ in range(3)], r.standard_normal((15, 2)), sp=True, rtol=1e-8)


def test_ica_student_t_and_slogdet(backend):
    r = onp.random.default_rng(9)
    x = r.standard_normal((30, 2))
    draws = [onp.eye(2) + 0.3 * r.standard_normal((2, 2)) for _ in range(3)]
    _check(ica_nll, draws, x, sp=True)
