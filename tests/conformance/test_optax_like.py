"""``gpuad.optax`` against optax's formulas: every transformation and optimizer over a few
steps against float64 NumPy loops written from optax's documentation and the papers (and
against ``torch.optim`` where the conventions coincide), the schedules and losses against
their formulas and torch, the semantics of ``chain``, ``masked``, ``multi_transform`` and
``inject_hyperparams``, a jitted training step against the eager one, and a small JAX-style
training program (an MLP regression with ``adamw`` and a warm-up cosine schedule) against a
hand-written loop.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import optax
from tests.conftest import to_numpy

pytestmark = pytest.mark.usefixtures("backend")
STEPS = 3


def _problem():
    rng = np.random.default_rng(7)
    params = [rng.standard_normal(3), rng.standard_normal((2, 2))]
    grads = [[rng.standard_normal(p.shape) for p in params] for _ in range(STEPS)]
    return params, grads


def _run(opt):
    """The parameters after each step of ``opt`` with the fixed gradients."""
    params, grads = _problem()
    state = opt.init(params)
    out = []
    for g in grads:
        updates, state = opt.update(g, state, params)
        params = optax.apply_updates(params, updates)
        out.append([to_numpy(p) for p in params])
    return out


def _reference(step, n_state: int):
    """The same run with ``step(t, g, p, *state) -> (update, *state)`` per leaf, ``t``
    counting from 1."""
    params, grads = _problem()
    params = [p.copy() for p in params]
    states = [[np.zeros_like(p) for _ in range(n_state)] for p in params]
    out = []
    for t, g in enumerate(grads, start=1):
        for k in range(len(params)):
            u, *states[k] = step(t, g[k], params[k], *states[k])
            params[k] = params[k] + u
        out.append([p.copy() for p in params])
    return out


def _adam_step(lr, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, wd=0.0, nesterov=False):
    def step(t, g, p, m, v):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_hat = v / (1 - b2**t)
        if nesterov:
            m_hat = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
        else:
            m_hat = m / (1 - b1**t)
        return -lr * (m_hat / (np.sqrt(v_hat + eps_root) + eps) + wd * p), m, v

    return step


def _trace_step(lr, mu, nesterov):
    def step(t, g, p, tr):
        tr = g + mu * tr
        return -lr * (g + mu * tr if nesterov else tr), tr

    return step


def _rms_step(lr, decay, eps, eps_in_sqrt, centered, momentum):
    def step(t, g, p, mean, sq, mom):
        sq = decay * sq + (1 - decay) * g * g
        mean = decay * mean + (1 - decay) * g
        var = sq - mean * mean if centered else sq
        d = g / np.sqrt(var + eps) if eps_in_sqrt else g / (np.sqrt(var) + eps)
        mom = momentum * mom - lr * d
        return mom, mean, sq, mom

    return step


def _adagrad_step(lr, init, eps):
    def step(t, g, p, s):
        s = (s if t > 1 else s + init) + g * g
        return -lr * g / np.sqrt(s + eps), s

    return step


def _adamax_step(lr, b1=0.9, b2=0.999, eps=1e-8):
    def step(t, g, p, m, u):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        return -lr * m / (1 - b1**t) / u, m, u

    return step


def _lamb_step(lr, wd, b1=0.9, b2=0.999, eps=1e-6):
    adam = _adam_step(1.0, b1, b2, eps)

    def step(t, g, p, m, v):
        r, m, v = adam(t, g, p, m, v)
        r = -r + wd * p
        ratio = np.linalg.norm(p) / np.linalg.norm(r)
        return -lr * ratio * r, m, v

    return step


def _lion_step(lr, wd, b1=0.9, b2=0.99):
    def step(t, g, p, m):
        u = np.sign(b1 * m + (1 - b1) * g) + wd * p
        return -lr * u, b2 * m + (1 - b2) * g

    return step


CASES = [
    ("sgd", lambda: optax.sgd(0.1), _trace_step(0.1, 0.0, False), 1),
    ("sgd momentum", lambda: optax.sgd(0.1, 0.9), _trace_step(0.1, 0.9, False), 1),
    ("sgd nesterov", lambda: optax.sgd(0.1, 0.9, nesterov=True), _trace_step(0.1, 0.9, True), 1),
    (
        "adam",
        lambda: optax.adam(0.1, eps=1e-3, eps_root=1e-2),
        _adam_step(0.1, eps=1e-3, eps_root=1e-2),
        2,
    ),
    ("nadam", lambda: optax.nadam(0.1, eps=1e-3), _adam_step(0.1, eps=1e-3, nesterov=True), 2),
    ("adamw", lambda: optax.adamw(0.1, weight_decay=0.3), _adam_step(0.1, wd=0.3), 2),
    ("adamax", lambda: optax.adamax(0.1), _adamax_step(0.1), 2),
    ("adagrad", lambda: optax.adagrad(0.1), _adagrad_step(0.1, 0.1, 1e-7), 1),
    (
        "rmsprop",
        lambda: optax.rmsprop(0.1, eps=1e-2),
        _rms_step(0.1, 0.9, 1e-2, True, False, 0.0),
        3,
    ),
    (
        "rmsprop centred momentum",
        lambda: optax.rmsprop(0.1, 0.8, 1e-2, eps_in_sqrt=False, centered=True, momentum=0.5),
        _rms_step(0.1, 0.8, 1e-2, False, True, 0.5),
        3,
    ),
    ("lamb", lambda: optax.lamb(0.1, weight_decay=0.2), _lamb_step(0.1, 0.2), 2),
    ("lion", lambda: optax.lion(0.1, weight_decay=0.2), _lion_step(0.1, 0.2), 1),
]


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_optimizers_match_formulas(name):
    _, make, step, n_state = next(c for c in CASES if c[0] == name)
    for got, want in zip(_run(make()), _reference(step, n_state), strict=True):
        for a, b in zip(got, want, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15, err_msg=name)


def test_transformations_match_formulas():
    """scale, clip, clip_by_global_norm, trace, ema, add_decayed_weights, scale_by_schedule
    and scale_by_rms(bias_correction=True) applied directly as updates."""
    lr = optax.linear_schedule(0.3, 0.1, 2)

    def ema_step(t, g, p, e):
        e = 0.8 * e + 0.2 * g
        return e / (1 - 0.8**t), e

    cases = [
        (optax.scale(-0.5), lambda t, g, p, s: (-0.5 * g, s)),
        (optax.clip(0.4), lambda t, g, p, s: (np.clip(g, -0.4, 0.4), s)),
        (
            optax.trace(0.5, nesterov=True),
            lambda t, g, p, s: (g + 0.5 * (g + 0.5 * s), g + 0.5 * s),
        ),
        (optax.ema(0.8), ema_step),
        (optax.add_decayed_weights(0.1), lambda t, g, p, s: (g + 0.1 * p, s)),
        (optax.scale_by_schedule(lr), lambda t, g, p, s: (float(lr(t - 1)) * g, s)),
        (
            optax.scale_by_rms(0.8, 1e-2, bias_correction=True),
            lambda t, g, p, s: (
                g / np.sqrt((0.8 * s + 0.2 * g * g) / (1 - 0.8**t) + 1e-2),
                0.8 * s + 0.2 * g * g,
            ),
        ),
    ]
    for tx, step in cases:
        for got, want in zip(_run(tx), _reference(step, 1), strict=True):
            for a, b in zip(got, want, strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    assert [float(lr(i)) for i in range(4)] == pytest.approx([0.3, 0.2, 0.1, 0.1], abs=1e-15)
    tree = {"a": np.array([3.0, 0.0]), "b": np.array([4.0])}
    clipped, _ = optax.clip_by_global_norm(1.0).update(tree, optax.EmptyState())
    np.testing.assert_allclose(to_numpy(clipped["a"]), [0.6, 0.0], rtol=1e-15)
    kept, _ = optax.clip_by_global_norm(10.0).update(tree, optax.EmptyState())
    np.testing.assert_array_equal(to_numpy(kept["b"]), [4.0])
    assert float(optax.global_norm(tree)) == pytest.approx(5.0, abs=1e-15)


def _torch_run(make_opt):
    torch = pytest.importorskip("torch")
    params, grads = _problem()
    ps = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    opt = make_opt(ps)
    out = []
    for g in grads:
        for p, gk in zip(ps, g, strict=True):
            p.grad = torch.tensor(gk)
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    return out


def test_optimizers_match_torch_optim():
    """Where optax's and torch's conventions coincide (torch's eps outside the root, AdamW's
    decay times lr, Adagrad without eps, SGD without dampening)."""
    torch = pytest.importorskip("torch")
    o = torch.optim
    pairs = [
        (optax.adam(0.1, eps=1e-3), lambda ps: o.Adam(ps, lr=0.1, eps=1e-3)),
        (optax.adamw(0.1, weight_decay=0.3), lambda ps: o.AdamW(ps, lr=0.1, weight_decay=0.3)),
        (optax.sgd(0.1, 0.9, nesterov=True), lambda ps: o.SGD(ps, 0.1, 0.9, nesterov=True)),
        (
            optax.rmsprop(0.1, 0.8, 1e-2, eps_in_sqrt=False, centered=True, momentum=0.5),
            lambda ps: o.RMSprop(ps, 0.1, alpha=0.8, eps=1e-2, centered=True, momentum=0.5),
        ),
        (
            optax.adagrad(0.1, initial_accumulator_value=0.1, eps=0.0),
            lambda ps: o.Adagrad(ps, 0.1, initial_accumulator_value=0.1, eps=0.0),
        ),
        (optax.adamax(0.1), lambda ps: o.Adamax(ps, lr=0.1)),
    ]
    for opt, make in pairs:
        for got, want in zip(_run(opt), _torch_run(make), strict=True):
            for a, b in zip(got, want, strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_schedules_match_formulas():
    counts = range(12)
    check = [
        (optax.constant_schedule(0.3), lambda n: 0.3),
        (
            optax.linear_schedule(1.0, 0.2, 4, transition_begin=2),
            lambda n: 1.0 - 0.2 * min(max(n - 2, 0), 4),
        ),
        (optax.polynomial_schedule(1.0, 0.0, 2, 5), lambda n: (1 - min(n, 5) / 5) ** 2),
        (
            optax.cosine_decay_schedule(2.0, 8, alpha=0.1, exponent=2),
            lambda n: 2.0 * (0.9 * (0.5 * (1 + math.cos(math.pi * min(n, 8) / 8))) ** 2 + 0.1),
        ),
        (optax.exponential_decay(1.0, 3, 0.5), lambda n: 0.5 ** (n / 3)),
        (
            optax.exponential_decay(1.0, 3, 0.5, transition_begin=2, staircase=True, end_value=0.3),
            lambda n: max(1.0 if n <= 2 else 0.5 ** ((n - 2) // 3), 0.3),
        ),
        (
            optax.warmup_cosine_decay_schedule(0.1, 1.0, 3, 10, end_value=0.2),
            lambda n: (
                0.1 + 0.3 * n
                if n < 3
                else 0.2 + 0.8 * 0.5 * (1 + math.cos(math.pi * min(n - 3, 7) / 7))
            ),
        ),
        (
            optax.piecewise_constant_schedule(1.0, {3: 0.5, 6: 0.1}),
            lambda n: 1.0 if n < 3 else (0.5 if n < 6 else 0.05),
        ),
        (
            optax.join_schedules(
                [optax.constant_schedule(1.0), optax.linear_schedule(0.0, 1.0, 4)], [5]
            ),
            lambda n: 1.0 if n < 5 else min(n - 5, 4) / 4,
        ),
    ]
    for sched, formula in check:
        for n in counts:
            want = formula(n)
            assert float(sched(n)) == pytest.approx(want, rel=1e-14, abs=1e-15)
            assert float(sched(np.asarray(n, np.int32))) == pytest.approx(
                want, rel=1e-14, abs=1e-15
            )
    with pytest.raises(ValueError, match="non-negative"):
        optax.piecewise_constant_schedule(1.0, {3: -1.0})
    with pytest.raises(ValueError, match="decay_steps"):
        optax.cosine_decay_schedule(1.0, 0)


def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    logits, target = rng.standard_normal((4, 5)) * 3, rng.standard_normal((4, 5))
    probs = np.exp(target) / np.exp(target).sum(-1, keepdims=True)
    ints = rng.integers(0, 5, 4)
    binary = rng.uniform(size=(4, 5))
    tl = torch.tensor(logits, requires_grad=True)
    T = torch.tensor
    cases = [
        (
            optax.softmax_cross_entropy,
            (probs,),
            lambda: F.cross_entropy(tl, T(probs), reduction="none"),
        ),
        (
            optax.softmax_cross_entropy_with_integer_labels,
            (ints,),
            lambda: F.cross_entropy(tl, T(ints), reduction="none"),
        ),
        (
            optax.sigmoid_binary_cross_entropy,
            (binary,),
            lambda: F.binary_cross_entropy_with_logits(tl, T(binary), reduction="none"),
        ),
        (optax.squared_error, (target,), lambda: F.mse_loss(tl, T(target), reduction="none")),
        (optax.l2_loss, (target,), lambda: 0.5 * F.mse_loss(tl, T(target), reduction="none")),
        (
            lambda x, y: optax.huber_loss(x, y, delta=1.5),
            (target,),
            lambda: F.huber_loss(tl, T(target), reduction="none", delta=1.5),
        ),
    ]
    for fn, args, ref in cases:
        want = ref()
        (want_grad,) = torch.autograd.grad(want.sum(), tl)
        value, grad = ad.value_and_grad(lambda x: gnp.sum(fn(x, *args)))(logits)
        np.testing.assert_allclose(to_numpy(fn(logits, *args)), want.detach().numpy(), rtol=1e-13)
        np.testing.assert_allclose(float(value), want.sum().item(), rtol=1e-13)
        np.testing.assert_allclose(to_numpy(grad), want_grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(to_numpy(optax.squared_error(target)), target**2, rtol=1e-15)
    with pytest.raises(ValueError, match="labels must have shape"):
        optax.softmax_cross_entropy_with_integer_labels(logits, ints[:, None])


def test_chain_masked_and_multi_transform():
    """chain composes in order; masked leaves the other leaves' updates and state alone;
    multi_transform equals each optimizer run on its own leaves; the errors name the fix."""
    params = {"w": np.ones((2, 2)), "b": np.full(2, 2.0), "n": {"x": np.ones(3)}}
    grads = {"w": np.full((2, 2), 0.5), "b": np.ones(2), "n": {"x": np.full(3, -1.0)}}
    u, _ = optax.chain(optax.scale(2.0), optax.clip(0.75)).update(grads, (optax.EmptyState(),) * 2)
    np.testing.assert_array_equal(to_numpy(u["b"]), [0.75, 0.75])
    mask = {"w": True, "b": False, "n": True}
    tx = optax.masked(optax.adam(0.1), mask)
    state = tx.init(params)
    assert isinstance(state.inner_state[0].mu["b"], optax.MaskedNode)
    u, state = tx.update(grads, state, params)
    np.testing.assert_array_equal(to_numpy(u["b"]), grads["b"])
    alone, _ = optax.adam(0.1).update(grads["n"], optax.adam(0.1).init(params["n"]))
    np.testing.assert_allclose(to_numpy(u["n"]["x"]), to_numpy(alone["x"]), rtol=1e-15)
    decay = optax.adamw(0.1, weight_decay=0.5, mask=lambda p: {k: k != "b" for k in p})
    u, _ = decay.update(grads, decay.init(params), params)
    plain, _ = optax.adam(0.1).update(grads, optax.adam(0.1).init(params))
    np.testing.assert_allclose(to_numpy(u["b"]), to_numpy(plain["b"]), rtol=1e-15)
    np.testing.assert_allclose(to_numpy(u["w"]), to_numpy(plain["w"]) - 0.05, rtol=1e-14)

    labels = {"w": "adam", "b": "sgd", "n": "adam"}
    multi = optax.multi_transform({"adam": optax.adam(0.1), "sgd": optax.sgd(0.2, 0.9)}, labels)
    sgd, adam = optax.sgd(0.2, 0.9), optax.adam(0.1)
    s, s_sgd, s_adam = multi.init(params), sgd.init(params["b"]), adam.init(params)
    for _ in range(2):
        u, s = multi.update(grads, s, params)
        ub, s_sgd = sgd.update(grads["b"], s_sgd)
        ua, s_adam = adam.update(grads, s_adam)
        np.testing.assert_allclose(to_numpy(u["b"]), to_numpy(ub), rtol=1e-15)
        np.testing.assert_allclose(to_numpy(u["w"]), to_numpy(ua["w"]), rtol=1e-15)
    with pytest.raises(ValueError, match="labels"):
        optax.multi_transform({"adam": optax.adam(0.1)}, labels).init(params)
    with pytest.raises(ValueError, match="params"):
        optax.add_decayed_weights(0.1).update(grads, optax.EmptyState())
    before = {k: to_numpy(v).copy() for k, v in grads.items() if k != "n"}
    optax.adamw(0.1).update(grads, optax.adamw(0.1).init(params), params)
    for k, v in before.items():
        np.testing.assert_array_equal(to_numpy(grads[k]), v)


def test_inject_hyperparams():
    """The injected optimizer equals the plain one, its learning rate can be changed in the
    state between steps, and a schedule is evaluated at the step count."""
    params, grads = _problem()
    opt = optax.inject_hyperparams(optax.adam)(learning_rate=0.1, b1=0.8)
    s = opt.init(params)
    plain = optax.adam(0.1, b1=0.8)
    ps = plain.init(params)
    u, s = opt.update(grads[0], s, params)
    v, ps = plain.update(grads[0], ps, params)
    np.testing.assert_allclose(to_numpy(u[1]), to_numpy(v[1]), rtol=1e-15)
    s.hyperparams["learning_rate"] = np.asarray(0.05)
    u, s = opt.update(grads[1], s, params)
    v, ps = plain.update(grads[1], ps, params)
    np.testing.assert_allclose(to_numpy(u[1]), 0.5 * to_numpy(v[1]), rtol=1e-14)
    sched = optax.inject_hyperparams(optax.sgd)(learning_rate=optax.linear_schedule(1.0, 0.0, 4))
    s = sched.init(params)
    for k in range(3):
        u, s = sched.update(grads[k], s, params)
        np.testing.assert_allclose(to_numpy(u[0]), -(1 - k / 4) * grads[k][0], rtol=1e-15)
    assert float(s.hyperparams["learning_rate"]) == pytest.approx(0.5)


def _mlp(params, x):
    h = gnp.tanh(x @ params["w1"] + params["b1"])
    return h @ params["w2"] + params["b2"]


def test_jitted_training_step_equals_eager():
    """``step(params, state, batch)`` with value_and_grad, update and apply_updates: the
    jitted step equals the eager one at every step and is traced once."""
    rng = np.random.default_rng(0)
    params = {
        "w1": rng.standard_normal((2, 8)) * 0.5,
        "b1": np.zeros(8),
        "w2": rng.standard_normal((8, 1)) * 0.5,
        "b2": np.zeros(1),
    }
    x = rng.uniform(-1, 1, (16, 2))
    y = np.sin(3 * x[:, :1]) * x[:, 1:]
    opt = optax.chain(
        optax.clip_by_global_norm(1.0),
        optax.adamw(optax.warmup_cosine_decay_schedule(0.0, 0.05, 2, 6), weight_decay=0.01),
    )

    def step(params, state, batch):
        xb, yb = batch
        loss, grads = ad.value_and_grad(lambda p: gnp.mean(optax.l2_loss(_mlp(p, xb), yb)))(params)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    jitted = ad.jit(step)
    pe = pj = params
    se = sj = opt.init(params)
    for _ in range(6):
        pe, se, le = step(pe, se, (x, y))
        pj, sj, lj = jitted(pj, sj, (x, y))
        assert float(lj) == pytest.approx(float(le), rel=1e-12)
        for k in pe:
            np.testing.assert_allclose(to_numpy(pj[k]), to_numpy(pe[k]), rtol=1e-12, atol=1e-14)
    assert int(to_numpy(se[1][0].count)) == 6 and int(to_numpy(sj[1][0].count)) == 6
    assert jitted.cache_info()["misses"] == 1


def _example(name: str):
    """A module of examples/ (which import their ``_common`` helper from there)."""
    import importlib.util
    import sys
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "examples"
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


def test_mlp_regression_matches_hand_written_loop():
    """examples/train_regression_optax.py, a JAX program ported (MLP regression, optax.adamw
    with a warm-up cosine schedule, a jitted step), and the same training written by hand in
    NumPy (backpropagation, AdamW and the schedule from their formulas): the same loss
    curve."""
    example = _example("train_regression_optax")
    rng = np.random.default_rng(1)
    x, y = example.make_data(32, rng)
    init = example.init_params(rng, 16)
    steps, peak, warm, wd = 40, 0.05, 5, 1e-3
    _, curve = example.train(init, x, y, steps, peak, warm, wd, jit=True)

    # -- the reference: everything by hand
    p = {k: v.copy() for k, v in init.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    ref = []
    for t in range(1, steps + 1):
        n = t - 1
        if n < warm:
            lr = peak * n / warm
        else:
            lr = peak * 0.5 * (1 + math.cos(math.pi * min(n - warm, steps - warm) / (steps - warm)))
        h = np.tanh(x @ p["w1"] + p["b1"])
        err = h @ p["w2"] + p["b2"] - y
        ref.append(float(np.mean(err**2)))
        d_out = 2 * err / err.size
        d_h = (d_out @ p["w2"].T) * (1 - h**2)
        g = {"w2": h.T @ d_out, "b2": d_out.sum(0), "w1": x.T @ d_h, "b1": d_h.sum(0)}
        for k in p:
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
            adam = (m[k] / (1 - 0.9**t)) / (np.sqrt(v[k] / (1 - 0.999**t)) + 1e-8)
            p[k] = p[k] - lr * (adam + wd * p[k])
    np.testing.assert_allclose(curve, ref, rtol=1e-10)
    assert curve[-1] < 0.5 * curve[0]


def test_float32_parameters_stay_float32():
    """Schedules, bias corrections and injected hyperparameters (float64 on the host) are
    cast to the leaves' dtype: float32 parameters give float32 updates and states, close to
    the float64 run."""
    params, grads = _problem()
    p32 = [p.astype(np.float32) for p in params]
    sched = optax.warmup_cosine_decay_schedule(0.0, 0.1, 1, 4)
    makers = [make for _, make, _, _ in CASES] + [
        lambda: optax.adamw(sched),
        lambda: optax.chain(optax.ema(0.9), optax.clip_by_global_norm(0.5), optax.scale(-0.1)),
        lambda: optax.inject_hyperparams(optax.rmsprop)(0.1, 0.8, 1e-3, momentum=0.5),
        lambda: optax.inject_hyperparams(optax.adamw)(learning_rate=sched, b1=0.8),
    ]
    for make in makers:
        opt = make()
        s32, s64 = opt.init(p32), opt.init(params)
        for g in grads:
            u32, s32 = opt.update([x.astype(np.float32) for x in g], s32, p32)
            u64, s64 = opt.update(g, s64, params)
        floats = [x for x in ad.tree_leaves((u32, s32)) if np.dtype(x.dtype).kind == "f"]
        assert all(x.dtype == np.float32 for x in floats), [x.dtype for x in floats]
        for a, b in zip(u32, u64, strict=True):
            np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=2e-4, atol=1e-6)


def test_gradient_through_optimizer_steps():
    """The loss after three steps, differentiated in the learning rate (through the inner
    gradients, the moments and the clipping) equals central differences; a learning rate that
    is neither a number nor a schedule is refused."""
    rng = np.random.default_rng(0)
    w0, x, y = rng.standard_normal(3), rng.standard_normal((5, 3)), rng.standard_normal(5)

    def loss(w):
        return gnp.mean((x @ w - y) ** 2)

    def after(lr, make):
        opt = make(lr)
        w, s = w0, opt.init(w0)
        for _ in range(3):
            u, s = opt.update(ad.grad(loss)(w), s, w)
            w = optax.apply_updates(w, u)
        return loss(w)

    makers = [
        lambda lr: optax.sgd(lr, 0.9),
        lambda lr: optax.chain(optax.clip_by_global_norm(0.5), optax.adamw(lr, weight_decay=0.1)),
    ]
    for make in makers:
        got = float(ad.grad(lambda lr, make=make: after(lr, make))(0.05))
        h = 1e-6
        fd = (float(after(0.05 + h, make)) - float(after(0.05 - h, make))) / (2 * h)
        assert got == pytest.approx(fd, rel=1e-7)
    for bad in ("0.1", None, [0.1]):
        with pytest.raises(TypeError, match="learning_rate must be"):
            optax.adam(bad)
