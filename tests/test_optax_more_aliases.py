"""``gpuad.optax``'s AdaBelief, Adafactor, AMSGrad, RAdam, Yogi, AdamaxW, NovoGrad, noisy SGD,
optimistic gradient descent, signSGD, Fromage, LARS and SM3 on every backend, over several steps
against float64 NumPy loops written from the papers' (and optax's documented) formulas, a
jitted step against the eager one, and ``GradientTransformationExtraArgs`` through
``chain``."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
from gpuad import optax

STEPS = 8  # RAdam rectifies from step 6 on with b2 = 0.999
RNG = np.random.default_rng(17)
PARAMS = [RNG.standard_normal(5), RNG.standard_normal((4, 6))]
GRADS = [[RNG.standard_normal(p.shape) for p in PARAMS] for _ in range(STEPS)]


def _run(opt, params=PARAMS, grads=GRADS):
    xp = ad.get_backend().xp
    params = [xp.asarray(p) for p in params]
    state = opt.init(params)
    out = []
    for g in grads:
        updates, state = opt.update([xp.asarray(x) for x in g], state, params)
        params = optax.apply_updates(params, updates)
        out.append([to_numpy(p) for p in params])
    return out


def _loop(step, init):
    """NumPy reference: ``step(t, g, p, s) -> (update, s)`` per leaf, ``t`` from 1."""
    params = [p.copy() for p in PARAMS]
    states = [init(p) for p in params]
    out = []
    for t, grads in enumerate(GRADS, start=1):
        for i, g in enumerate(grads):
            u, states[i] = step(t, g, params[i], states[i])
            params[i] = params[i] + u
        out.append([p.copy() for p in params])
    return out


def _zeros3(p):
    return (np.zeros_like(p), np.zeros_like(p), np.zeros_like(p))


def _amsgrad(lr, b1=0.9, b2=0.999, eps=1e-8):
    def step(t, g, p, s):
        m, v, vmax = s
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v / (1 - b2**t))
        return -lr * (m / (1 - b1**t)) / (np.sqrt(vmax) + eps), (m, v, vmax)

    return step, _zeros3


def _adabelief(lr, b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16):
    def step(t, g, p, s):
        m, v, _ = s
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * (g - m) ** 2 + eps_root
        return -lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), (m, v, 0)

    return step, _zeros3


def _yogi(lr, b1=0.9, b2=0.999, eps=1e-3, v0=1e-6):
    def step(t, g, p, s):
        m, v = s
        m = b1 * m + (1 - b1) * g
        v = v - (1 - b2) * np.sign(v - g * g) * g * g
        return -lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), (m, v)

    return step, lambda p: (np.full_like(p, v0), np.full_like(p, v0))


def _radam(lr, b1=0.9, b2=0.999, eps=1e-8, threshold=5.0):
    rho_inf = 2 / (1 - b2) - 1

    def step(t, g, p, s):
        m, v, _ = s
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = m / (1 - b1**t), v / (1 - b2**t)
        rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho < threshold:
            return -lr * mh, (m, v, 0)
        r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
        return -lr * r * mh / (np.sqrt(vh) + eps), (m, v, 0)

    return step, _zeros3


def _adamaxw(lr, b1=0.9, b2=0.999, eps=1e-8, wd=1e-4):
    def step(t, g, p, s):
        m, u, _ = s
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        return -lr * (m / (1 - b1**t) / u + wd * p), (m, u, 0)

    return step, _zeros3


def _novograd(lr, b1=0.9, b2=0.25, eps=1e-6, wd=0.0):
    def step(t, g, p, s):
        m, nu = s
        sq = np.sum(g * g)
        nu = sq if t == 1 else b2 * nu + (1 - b2) * sq
        d = g / (np.sqrt(nu) + eps) + wd * p
        m = d if t == 1 else b1 * m + d
        return -lr * m, (m, nu)

    return step, lambda p: (np.zeros_like(p), 0.0)


def _adafactor(lr, min_dim=128, clip=1.0, eps=1e-30):
    def step(t, g, p, s):
        vr, vc, v = s
        decay = np.float32(1) - np.power(np.float32(t), np.float32(-0.8))  # optax: float32
        sq = g * g + eps
        if p.ndim == 2 and min(p.shape) >= min_dim:  # (4, 6): rows axis 0, columns axis 1
            vr = decay * vr + (1 - decay) * sq.mean(1)
            vc = decay * vc + (1 - decay) * sq.mean(0)
            u = g * ((vr / vr.mean()) ** -0.5)[:, None] * (vc**-0.5)[None, :]
        else:
            v = decay * v + (1 - decay) * sq
            u = g / np.sqrt(v)
        u = u / max(1.0, np.sqrt(np.mean(u * u)) / clip)
        u = u * lr * max(np.sqrt(np.mean(p * p)), 1e-3)
        return -u, (vr, vc, v)

    return step, lambda p: (0.0, 0.0, np.zeros_like(p))


def _optimistic(lr, a=1.0, b=1.0):
    def step(t, g, p, prev):
        prev = g if t == 1 else prev
        return -lr * ((a + b) * g - b * prev), g

    return step, lambda p: None


def _sign_sgd(lr):
    return (lambda t, g, p, s: (-lr * np.sign(g), s)), lambda p: None


def _fromage(lr, min_norm=1e-6):
    mult = 1 / np.sqrt(1 + lr * lr)

    def step(t, g, p, s):
        ratio = max(np.linalg.norm(p), min_norm) / max(np.linalg.norm(g), min_norm)
        return -lr * mult * ratio * g + (mult - 1) * p, s

    return step, lambda p: None


def _lars(lr, wd=0.0, tc=0.001, momentum=0.9):
    def step(t, g, p, trace):
        u = g + wd * p
        u = -lr * u * tc * np.linalg.norm(p) / np.linalg.norm(u)
        trace = u + momentum * trace
        return trace, trace

    return step, np.zeros_like


def _sm3(lr, momentum=0.9, eps=1e-8):
    def step(t, g, p, s):
        vs, nu = s
        if g.ndim == 1:
            prior = vs[0]
        else:  # (4, 6): the row and the column accumulators
            prior = np.minimum(vs[0][:, None], vs[1][None, :])
        acc = g * g + prior
        nu = (1 - momentum) * g / np.sqrt(acc + eps) + momentum * nu
        vs = [acc] if g.ndim == 1 else [acc.max(1), acc.max(0)]
        return -lr * nu, (vs, nu)

    return step, lambda p: ([np.zeros(n) for n in p.shape], np.zeros_like(p))


CASES = {
    "sm3": (lambda: optax.sm3(0.1), _sm3(0.1)),
    "optimistic": (
        lambda: optax.optimistic_gradient_descent(0.1, 0.7, 0.4),
        _optimistic(0.1, 0.7, 0.4),
    ),
    "sign_sgd": (lambda: optax.sign_sgd(0.1), _sign_sgd(0.1)),
    "fromage": (lambda: optax.fromage(0.1), _fromage(0.1)),
    "lars": (lambda: optax.lars(0.1, weight_decay=0.2), _lars(0.1, wd=0.2)),
    "amsgrad": (lambda: optax.amsgrad(0.1), _amsgrad(0.1)),
    "adabelief": (lambda: optax.adabelief(0.1), _adabelief(0.1)),
    "yogi": (lambda: optax.yogi(0.1), _yogi(0.1)),
    "radam": (lambda: optax.radam(0.1), _radam(0.1)),
    "adamaxw": (lambda: optax.adamaxw(0.1, weight_decay=0.3), _adamaxw(0.1, wd=0.3)),
    "novograd": (lambda: optax.novograd(0.1, weight_decay=0.2), _novograd(0.1, wd=0.2)),
    "adafactor_full": (lambda: optax.adafactor(0.1), _adafactor(0.1)),
    "adafactor_factored": (
        lambda: optax.adafactor(0.1, min_dim_size_to_factor=2),
        _adafactor(0.1, min_dim=2),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_several_steps_match_the_numpy_formulas(backend, name):
    make, (step, init) = CASES[name]
    got, want = _run(make()), _loop(step, init)
    for g_step, w_step in zip(got, want, strict=True):
        for g, w in zip(g_step, w_step, strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def test_factored_state_shapes_and_float32(backend):
    opt = optax.adafactor(1e-2, min_dim_size_to_factor=4)
    params = [ad.get_backend().xp.asarray(p.astype(np.float32)) for p in PARAMS]
    state = opt.init(params)
    fs = state[0]
    assert [to_numpy(x).shape for x in fs.v_row] == [(1,), (4,)]
    assert [to_numpy(x).shape for x in fs.v_col] == [(1,), (6,)]
    assert [to_numpy(x).shape for x in fs.v] == [(5,), (1,)]
    updates, _ = opt.update(params, state, params)
    assert all(to_numpy(u).dtype == np.float32 for u in updates)


def test_noisy_sgd_noise_is_keyed_and_anneals(backend):
    xp = ad.get_backend().xp
    params = [xp.zeros(20000), xp.zeros(3)]
    grads = [xp.ones(20000), xp.ones(3)]
    lr, eta, gamma = 0.5, 0.04, 0.55
    opt = optax.noisy_sgd(lr, eta, gamma, key=3)
    state = opt.init(params)
    for t in (1, 2, 3):
        u, state = opt.update(grads, state, params)
        z = (to_numpy(u[0]) / -lr - 1.0) / np.sqrt(eta / t**gamma)
        assert abs(z.mean()) < 0.03 and abs(z.std() - 1.0) < 0.03
    again = optax.noisy_sgd(lr, eta, gamma, key=3)
    u1, _ = again.update(grads, again.init(params), params)
    other = optax.noisy_sgd(lr, eta, gamma, key=ad.random.PRNGKey(4))
    u2, _ = other.update(grads, other.init(params), params)
    first = optax.noisy_sgd(lr, eta, gamma, key=3)
    u0, _ = first.update(grads, first.init(params), params)
    np.testing.assert_array_equal(to_numpy(u1[0]), to_numpy(u0[0]))
    assert not np.array_equal(to_numpy(u1[0]), to_numpy(u2[0]))
    quiet = optax.noisy_sgd(lr, 0.0, gamma)
    u, _ = quiet.update(grads, quiet.init(params), params)
    np.testing.assert_array_equal(to_numpy(u[1]), np.full(3, -lr))


# a key is read on the host, so a program that draws replays without a CUDA graph (documented)
@pytest.mark.filterwarnings("ignore:gpuad.jit. the program could not be captured")
def test_jitted_steps_match_eager(backend):
    xp = ad.get_backend().xp
    for opt in (optax.radam(0.1), optax.adafactor(0.1, min_dim_size_to_factor=2),
                optax.novograd(0.1, weight_decay=0.1), optax.noisy_sgd(0.1, key=1)):  # fmt: skip

        def step(p, s, g, opt=opt):
            u, s = opt.update(g, s, p)
            return optax.apply_updates(p, u), s

        jitted = ad.jit(step)
        pe = pj = [xp.asarray(p) for p in PARAMS]
        se = sj = opt.init(pe)
        for g in GRADS[:7]:
            g = [xp.asarray(x) for x in g]
            pe, se = step(pe, se, g)
            pj, sj = jitted(pj, sj, g)
        for a, b in zip(pj, pe, strict=True):
            np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-12)


def test_extra_args_pass_through_chain(backend):
    seen = []

    def update(updates, state, params=None, *, value, **extra):
        seen.append(value)
        return ad.tree_map(lambda g: g * value, updates), state

    scaler = optax.GradientTransformationExtraArgs(lambda p: optax.EmptyState(), update)
    opt = optax.chain(optax.scale(2.0), scaler, optax.scale(-1.0))
    assert isinstance(opt, optax.GradientTransformationExtraArgs)
    xp = ad.get_backend().xp
    g = [xp.ones(2)]
    u, _ = opt.update(g, opt.init(g), g, value=3.0, other="ignored")
    np.testing.assert_array_equal(to_numpy(u[0]), [-6.0, -6.0])
    assert seen == [3.0]
    plain = optax.with_extra_args_support(optax.scale(0.5))
    assert plain.update(g, plain.init(g), value=1.0)[0][0] is not None
    # as optax's, every chain takes extra arguments; members that do not take them ignore them
    sgd = optax.sgd(0.1)
    assert isinstance(sgd, optax.GradientTransformationExtraArgs)
    u, _ = sgd.update(g, sgd.init(g), g, value=1.0)
    np.testing.assert_array_equal(to_numpy(u[0]), [-0.1, -0.1])
    with pytest.raises(TypeError, match="value"):
        scaler.update(g, optax.EmptyState(), g)  # a member that needs one still says so


def test_sm3_keeps_one_vector_per_axis(backend):
    xp = ad.get_backend().xp
    params = {"w": xp.asarray(RNG.standard_normal((2, 3, 4))), "b": xp.asarray(np.ones(3))}
    opt = optax.sm3(0.1)
    state = opt.init(params)
    assert [to_numpy(v).shape for v in state[0].mu["w"]] == [(2,), (3,), (4,)]
    g = {"w": xp.asarray(RNG.standard_normal((2, 3, 4))), "b": xp.asarray(np.full(3, 2.0))}
    step = ad.jit(lambda p, s, g: opt.update(g, s, p))
    u, state = step(params, state, g)
    acc = to_numpy(g["w"]) ** 2  # the first step's accumulator: the accumulators start at 0
    want = -0.1 * 0.1 * to_numpy(g["w"]) / np.sqrt(acc + 1e-8)
    np.testing.assert_allclose(to_numpy(u["w"]), want, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(state[0].mu["w"][1]), acc.max((0, 2)), rtol=1e-15)
    with pytest.raises(ValueError, match="scale_by_sm3"):
        opt.init({"s": xp.asarray(1.0)})


def test_extra_args_pass_through_the_wrappers(backend):
    def scale_by_value(updates, state, params=None, *, value, **extra):
        return ad.tree_map(lambda g: g * value, updates), state

    def by_value():
        return optax.GradientTransformationExtraArgs(lambda p: optax.EmptyState(), scale_by_value)

    def factory(learning_rate):
        return optax.chain(by_value(), optax.scale(-learning_rate))

    xp = ad.get_backend().xp
    g = {"a": xp.ones(2), "b": xp.ones(3)}
    for opt in (
        optax.masked(by_value(), {"a": True, "b": False}),
        optax.multi_transform({"v": by_value(), "s": optax.sgd(1.0)}, {"a": "v", "b": "s"}),
        optax.inject_hyperparams(factory)(learning_rate=-1.0),
    ):
        assert isinstance(opt, optax.GradientTransformationExtraArgs)
        u, _ = opt.update(g, opt.init(g), g, value=4.0)
        np.testing.assert_array_equal(to_numpy(u["a"]), [4.0, 4.0])
