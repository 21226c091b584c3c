"""Programs written for JAX run in gpuad and in JAX (float64) from the same parameters and
data, comparing values, losses, gradients and parameters:

- MilesCranmer/lagrangian_nns (``lnn.py`` at commit 4f8b6116, ``models.py`` 0744dd6c,
  ``utils.py``, ``experiment_dblpend/physics.py``, ``data.py`` and ``train.py`` ace6012e):
  the double pendulum's ``kinetic_energy``/``potential_energy``/``lagrangian_fn`` under
  ``@jit`` (tuple unpacking of the coordinates), ``analytical_fn``, ``get_dataset``
  (``odeint`` of the analytic dynamics under ``jit(backend='cpu')``, ``jit(vmap)``,
  ``vmap(wrap_coords)`` of ``(x + pi) % (2 pi) - pi``), ``lagrangian_eom`` (``jnp.split``,
  ``q % (2 pi)``, ``jnp.linalg.pinv`` of ``jax.hessian(lagrangian, 1)``, ``jax.grad(.., 0)``,
  ``jax.jacobian(jax.jacobian(lagrangian, 1), 0) @ q_t``) checked against ``analytical_fn``,
  ``raw_lagrangian_eom``, ``unconstrained_eom``, ``lagrangian_eom_rk4`` (``jit`` closures,
  the update started at the Python number 0), ``solve_dynamics`` (``odeint`` of
  ``partial(eom, dynamics_fn)`` under ``jit(backend='cpu')``), ``custom_init`` (key
  arithmetic ``rng += 1``), ``models.mlp`` (``stax.serial`` of ``Dense``/``Softplus``) and
  ``train`` for both models: ``learned_dynamics`` (``jnp.squeeze(.., axis=-1)``),
  ``gln_loss``/``baseline_loss`` (``jit`` of ``vmap(partial(lagrangian_eom, ..))``),
  ``update_derivative`` (``jit`` of ``optimizers.adam``'s update of ``grad(loss)``) with the
  ``jnp.select`` learning-rate schedule, and the train/test losses;
- srush/annotated-s4 ``s4/s4.py`` (commit c45e3a95), the core kernels of Parts 1 and 2:
  ``discretize`` (``inv``), ``scan_SSM`` (``jax.lax.scan``), ``run_SSM``, ``example_mass``
  and ``example_force`` (``np.vectorize`` with ``signature="()->()"``), ``K_conv``
  (``matrix_power`` in a list, ``.reshape()`` to a scalar), ``non_circular_convolution``
  (``rfft``/``irfft`` of ``np.pad``, and ``jax.scipy.signal.convolve``), ``test_cnn_is_rnn``,
  ``make_HiPPO``, ``K_gen_simple``, ``conv_from_gen`` (``vmap`` over the complex roots of
  unity, ``ifft``, the reordering gather), ``K_gen_inverse``, ``test_gen_inverse``,
  ``cauchy_dot`` (``np.vectorize`` with ``signature="(c),(),(c)->()"``), ``K_gen_DPLR``,
  ``discrete_DPLR``, ``make_NPLR_HiPPO`` (``jit(eig, backend="cpu")``), ``test_nplr``,
  ``test_conversion`` (the CNN and RNN forms of the DPLR kernel) and the ``S4Layer``'s CNN
  mode differentiated in its parameters (complex ``Ct``, ``B``, ``D``, ``log_step``) and the
  random SSM's ``A``, ``B``, ``C`` through ``K_conv``. Flax's modules are not ported (the
  layer is written as a function of its parameters); the ``jax.random`` draws of
  ``random_SSM``, ``lecun_normal`` and the tests come from NumPy, shared; ``eig``'s
  eigenvectors are defined up to phase, so each library's ``make_NPLR_HiPPO`` is checked by
  ``test_nplr``'s identities and JAX's is used by both after; ``test_conversion`` runs in
  complex128 (the notebook's ``complex64``); gpuad's complex gradient is the conjugate of
  JAX's (docs/porting.md). gpuad's side gets Tensors (a raw backend array is a NumPy array,
  whose ``reshape()`` needs a shape).

Each program is written once against a namespace ``J`` of JAX's names or gpuad's
(docs/porting.md). Differences: sizes are small (a 10-frame trajectory, 16 hidden units, 7
iterations); gpuad's ``odeint`` integrates with LSODA, JAX's with Dormand-Prince, so the
trajectories agree to the tolerance asked (1e-10) amplified by the chaotic pendulum, and
``data.py``'s float32 ``y0`` is integrated in float32 by JAX and in float64 by gpuad (both
return float32): training runs on JAX's data, in float64, in both. The baseline model of
``train.py`` (``output_dim`` 4) raises in ``learned_dynamics``'s ``squeeze(.., axis=-1)`` in
both libraries, which the port checks;
``custom_init`` and ``stax``'s initialisation draw from each library's own keys (gpuad's
numbers differ from JAX's for the same key): the port checks gpuad's ``custom_init`` against
its own draws and trains both from JAX's parameters.
"""

from __future__ import annotations

import types
from functools import partial

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

R = np.random.default_rng(919)


@pytest.fixture(autouse=True)
def _fresh_draws():
    global R
    R = np.random.default_rng(919)


@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax")
    old = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", old)


def _jax_J(jax):
    import jax.numpy as jnp
    from jax.example_libraries import optimizers, stax
    from jax.experimental.ode import odeint

    return types.SimpleNamespace(
        lib="jax",
        jax=jax,
        np=jnp,
        jit=jax.jit,
        grad=jax.grad,
        vmap=jax.vmap,
        hessian=jax.hessian,
        jacobian=jax.jacobian,
        random=jax.random,
        odeint=odeint,
        stax=stax,
        optimizers=optimizers,
        device_put=jax.device_put,
    )


def _gpuad_J():
    import gpuad.random as random
    from gpuad.example_libraries import optimizers, stax
    from gpuad.experimental.ode import odeint

    return types.SimpleNamespace(
        lib="gpuad",
        jax=ad,
        np=gnp,
        jit=ad.jit,
        grad=ad.grad,
        vmap=ad.vmap,
        hessian=ad.hessian,
        jacobian=ad.jacobian,
        random=random,
        odeint=odeint,
        stax=stax,
        optimizers=optimizers,
        device_put=ad.device_put,
    )


def _arr(x):
    if isinstance(x, ad.Tensor):
        x = x.detach().numpy()
    if hasattr(x, "get") and not isinstance(x, np.ndarray | dict):
        x = x.get()
    return np.asarray(x)


def _close(a, b, rtol=1e-10, atol=1e-12, msg=""):
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), msg
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, rtol, atol, f"{msg}[{i}]")
        return
    np.testing.assert_allclose(_arr(a), _arr(b), rtol=rtol, atol=atol, err_msg=msg)


def _to(J, tree):
    if isinstance(tree, list | tuple):
        return type(tree)(_to(J, t) for t in tree)
    return J.np.asarray(np.asarray(tree))


# ---- MilesCranmer/lagrangian_nns ---------------------------------------------------------------


def _lnn(J):
    jax, jnp, jit = J.jax, J.np, J.jit
    odeint = J.odeint

    # experiment_dblpend/physics.py
    @jit
    def kinetic_energy(q, q_dot, m1=1, m2=1, l1=1, l2=1, g=9.8):
        (t1, t2), (w1, w2) = q, q_dot
        T1 = 0.5 * m1 * (l1 * w1) ** 2
        T2 = 0.5 * m2 * ((l1 * w1) ** 2 + (l2 * w2) ** 2 + 2 * l1 * l2 * w1 * w2 * jnp.cos(t1 - t2))
        T = T1 + T2
        return T

    @jit
    def potential_energy(q, q_dot, m1=1, m2=1, l1=1, l2=1, g=9.8):
        (t1, t2), (w1, w2) = q, q_dot  # noqa: F841
        y1 = -l1 * jnp.cos(t1)
        y2 = y1 - l2 * jnp.cos(t2)
        V = m1 * g * y1 + m2 * g * y2
        return V

    @jit
    def lagrangian_fn(q, q_dot, m1=1, m2=1, l1=1, l2=1, g=9.8):
        T = kinetic_energy(q, q_dot, m1=1, m2=1, l1=1, l2=1, g=9.8)
        V = potential_energy(q, q_dot, m1=1, m2=1, l1=1, l2=1, g=9.8)
        return T - V

    @jit
    def hamiltonian_fn(q, q_dot, m1=1, m2=1, l1=1, l2=1, g=9.8):
        T = kinetic_energy(q, q_dot, m1=1, m2=1, l1=1, l2=1, g=9.8)
        V = potential_energy(q, q_dot, m1=1, m2=1, l1=1, l2=1, g=9.8)
        return T + V

    @jit
    def analytical_fn(state, t=0, m1=1, m2=1, l1=1, l2=1, g=9.8):
        t1, t2, w1, w2 = state
        a1 = (l2 / l1) * (m2 / (m1 + m2)) * jnp.cos(t1 - t2)
        a2 = (l1 / l2) * jnp.cos(t1 - t2)
        f1 = -(l2 / l1) * (m2 / (m1 + m2)) * (w2**2) * jnp.sin(t1 - t2) - (g / l1) * jnp.sin(t1)
        f2 = (l1 / l2) * (w1**2) * jnp.sin(t1 - t2) - (g / l2) * jnp.sin(t2)
        g1 = (f1 - a1 * f2) / (1 - a1 * a2)
        g2 = (f2 - a2 * f1) / (1 - a1 * a2)
        return jnp.stack([w1, w2, g1, g2])

    # utils.py
    def wrap_coords(state):
        return jnp.concatenate([(state[:2] + jnp.pi) % (2 * jnp.pi) - jnp.pi, state[2:]])

    # lnn.py
    def unconstrained_eom(model, state, t=None):
        q, q_t = jnp.split(state, 2)
        return model(q, q_t)

    def lagrangian_eom(lagrangian, state, t=None):
        q, q_t = jnp.split(state, 2)
        q = q % (2 * jnp.pi)
        q_tt = jnp.linalg.pinv(J.hessian(lagrangian, 1)(q, q_t)) @ (
            J.grad(lagrangian, 0)(q, q_t) - J.jacobian(J.jacobian(lagrangian, 1), 0)(q, q_t) @ q_t
        )
        dt = 1e-1
        return dt * jnp.concatenate([q_t, q_tt])

    def raw_lagrangian_eom(lagrangian, state, t=None):
        q, q_t = jnp.split(state, 2)
        q = q % (2 * jnp.pi)
        q_tt = jnp.linalg.pinv(J.hessian(lagrangian, 1)(q, q_t)) @ (
            J.grad(lagrangian, 0)(q, q_t) - J.jacobian(J.jacobian(lagrangian, 1), 0)(q, q_t) @ q_t
        )
        return jnp.concatenate([q_t, q_tt])

    def lagrangian_eom_rk4(lagrangian, state, n_updates, Dt=1e-1, t=None):
        @jit
        def cur_fnc(state):
            q, q_t = jnp.split(state, 2)
            q = q % (2 * jnp.pi)
            q_tt = jnp.linalg.pinv(J.hessian(lagrangian, 1)(q, q_t)) @ (
                J.grad(lagrangian, 0)(q, q_t)
                - J.jacobian(J.jacobian(lagrangian, 1), 0)(q, q_t) @ q_t
            )
            return jnp.concatenate([q_t, q_tt])

        @jit
        def get_update(update):
            dt = Dt / n_updates
            cstate = state + update
            k1 = dt * cur_fnc(cstate)
            k2 = dt * cur_fnc(cstate + k1 / 2)
            k3 = dt * cur_fnc(cstate + k2 / 2)
            k4 = dt * cur_fnc(cstate + k3)
            return update + 1.0 / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)

        update = 0
        for _ in range(n_updates):
            update = get_update(update)
        return update

    def solve_dynamics(dynamics_fn, initial_state, is_lagrangian=True, **kwargs):
        eom = lagrangian_eom if is_lagrangian else unconstrained_eom

        @partial(jit, backend="cpu")
        def f(initial_state):
            return odeint(partial(eom, dynamics_fn), initial_state, **kwargs)

        return f(initial_state)

    def custom_init(init_params, seed=0):
        new_params = []
        rng = J.random.PRNGKey(seed)
        i = 0
        number_layers = len([0 for l1 in init_params if len(l1) != 0])
        for l1 in init_params:
            if (len(l1)) == 0:
                new_params.append(())
                continue
            new_l1 = []
            for l2 in l1:
                if len(l2.shape) == 1:
                    new_l1.append(jnp.zeros_like(l2))
                else:
                    n = max(l2.shape)
                    first = int(i == 0)
                    last = int(i == number_layers - 1)
                    mid = int((i != 0) * (i != number_layers - 1))
                    mid *= i
                    std = 1.0 / np.sqrt(n)
                    std *= 2.2 * first + 0.58 * mid + n * last
                    if std == 0:
                        raise NotImplementedError("Wrong dimensions for MLP")
                    new_l1.append(J.random.normal(rng, l2.shape) * std)
                    rng += 1
                    i += 1
            new_params.append(new_l1)
        return new_params

    # experiment_dblpend/data.py
    @partial(jit, backend="cpu")
    def get_trajectory(y0, times, use_lagrangian=False, **kwargs):
        if use_lagrangian:
            y = solve_dynamics(
                lagrangian_fn, y0, t=times, is_lagrangian=True, rtol=1e-10, atol=1e-10, **kwargs
            )
        else:
            y = odeint(analytical_fn, y0, t=times, rtol=1e-10, atol=1e-10, **kwargs)
        return y

    def get_dataset(seed=0, samples=1, t_span=(0, 2000), fps=1, test_split=0.5, **kwargs):
        np.random.seed(seed)
        frames = int(fps * (t_span[1] - t_span[0]))
        times = np.linspace(t_span[0], t_span[1], frames)
        y0 = np.array([3 * np.pi / 7, 3 * np.pi / 4, 0, 0], dtype=np.float32)
        xs, dxs = [], []
        vfnc = jit(J.vmap(analytical_fn))
        for _ in range(samples):
            x = get_trajectory(y0, times, **kwargs)
            dx = vfnc(x)
            xs.append(x)
            dxs.append(dx)
        data = {}
        data["x"] = J.vmap(wrap_coords)(jnp.concatenate(xs))
        data["dx"] = jnp.concatenate(dxs)
        data["t"] = times
        split_ix = int(len(data["x"]) * test_split)
        split_data = {}
        for k in ["x", "dx", "t"]:
            split_data[k], split_data["test_" + k] = data[k][:split_ix], data[k][split_ix:]
        return split_data

    # models.py
    def mlp(args):
        stax = J.stax
        return stax.serial(
            stax.Dense(args.hidden_dim),
            stax.Softplus,
            stax.Dense(args.hidden_dim),
            stax.Softplus,
            stax.Dense(args.output_dim),
        )

    return types.SimpleNamespace(**{k: v for k, v in locals().items() if callable(v)})


def _lnn_train(J, L, args, init_params, data):
    """experiment_dblpend/train.py's ``train`` (its globals passed in)."""
    jnp = J.np
    nn_forward_fn = L.mlp(args)[1]
    log = {"train": [], "test": [], "grads": []}

    def learned_dynamics(params):
        def dynamics(q, q_t):
            assert q.shape == (2,)
            state = L.wrap_coords(jnp.concatenate([q, q_t]))
            return jnp.squeeze(nn_forward_fn(params, state), axis=-1)

        return dynamics

    @J.jit
    def gln_loss(params, batch, time_step=None):
        state, targets = batch
        preds = J.vmap(partial(L.lagrangian_eom, learned_dynamics(params)))(state)
        return jnp.mean((preds - targets) ** 2)

    @J.jit
    def baseline_loss(params, batch, time_step=None):
        state, targets = batch
        preds = J.vmap(partial(L.unconstrained_eom, learned_dynamics(params)))(state)
        return jnp.mean((preds - targets) ** 2)

    data = {k: J.device_put(v) if type(v) is np.ndarray else v for k, v in data.items()}
    if args.model == "gln":
        loss = gln_loss
    elif args.model == "baseline_nn":
        loss = baseline_loss
    else:
        raise (ValueError)

    @J.jit
    def update_derivative(i, opt_state, batch):
        params = get_params(opt_state)
        return opt_update(i, J.grad(loss)(params, batch, None), opt_state)

    opt_init, opt_update, get_params = J.optimizers.adam(
        lambda t: jnp.select(
            [
                t < args.batch_size * (args.num_batches // 3),
                t < args.batch_size * (2 * args.num_batches // 3),
                t > args.batch_size * (2 * args.num_batches // 3),
            ],
            [args.learn_rate, args.learn_rate / 10, args.learn_rate / 100],
        )
    )
    opt_state = opt_init(init_params)
    for iteration in range(args.batch_size * args.num_batches + 1):
        if iteration % args.batch_size == 0:
            params = get_params(opt_state)
            log["train"].append(loss(params, (data["x"], data["dx"])))
            log["test"].append(loss(params, (data["test_x"], data["test_dx"])))
        log["grads"].append(J.grad(loss)(get_params(opt_state), (data["x"], data["dx"]), None))
        opt_state = update_derivative(iteration, opt_state, (data["x"], data["dx"]))
    params = get_params(opt_state)
    return params, log


def test_lagrangian_nns_physics(jax):
    Lj, Lg = _lnn(_jax_J(jax)), _lnn(_gpuad_J())
    states = R.uniform(-2, 2, size=(5, 4))
    for s in states:
        q, qd = s[:2], s[2:]
        for name in ("kinetic_energy", "potential_energy", "lagrangian_fn", "hamiltonian_fn"):
            _close(getattr(Lg, name)(gnp.asarray(q), gnp.asarray(qd)),
                   getattr(Lj, name)(q, qd), msg=name)
        _close(Lg.analytical_fn(gnp.asarray(s)), Lj.analytical_fn(s))
        # the Euler-Lagrange accelerations of the true Lagrangian are the analytic ones
        for L, xp in ((Lj, np), (Lg, gnp)):
            raw = L.raw_lagrangian_eom(L.lagrangian_fn, xp.asarray(s))
            _close(raw, Lj.analytical_fn(s), rtol=1e-9, atol=1e-9)
        _close(Lg.lagrangian_eom(Lg.lagrangian_fn, gnp.asarray(s)),
               Lj.lagrangian_eom(Lj.lagrangian_fn, s))
        _close(Lg.lagrangian_eom_rk4(Lg.lagrangian_fn, gnp.asarray(s), 3),
               Lj.lagrangian_eom_rk4(Lj.lagrangian_fn, s, 3))
        _close(Lg.wrap_coords(gnp.asarray(5 * s)), Lj.wrap_coords(5 * s))


def test_lagrangian_nns_dataset(jax):
    Lj, Lg = _lnn(_jax_J(jax)), _lnn(_gpuad_J())
    dj = Lj.get_dataset(t_span=(0, 10), fps=1, samples=1)
    dg = Lg.get_dataset(t_span=(0, 10), fps=1, samples=1)
    assert sorted(dj) == sorted(dg)
    for k in dj:
        # y0 is float32 in data.py: JAX integrates in float32, gpuad in float64 with the
        # result in float32; the double pendulum is chaotic and JAX's float32 rounding grows
        # to some 1e-2 by t = 10, so the first frames are compared here and the float64
        # trajectories below
        assert dg[k].dtype == dj[k].dtype, k
        if not k.startswith("test_"):  # (the later half of the trajectory)
            _close(dg[k][:3], dj[k][:3], rtol=1e-3, atol=1e-3, msg=k)
    y0 = np.array([3 * np.pi / 7, 3 * np.pi / 4, 0, 0])
    times = np.linspace(0, 3, 7)  # (chaos amplifies the solvers' 1e-10 to 1e-4 by t = 10)
    _close(Lg.get_trajectory(gnp.asarray(y0), gnp.asarray(times)),
           Lj.get_trajectory(y0, times), rtol=1e-7, atol=1e-7)
    # solve_dynamics through the Lagrangian's equations of motion (times 0.1: lagrangian_eom's
    # dt) against the analytic ones
    y0 = np.array([3 * np.pi / 7, 3 * np.pi / 4, 0, 0])
    t = np.linspace(0, 2, 3)
    yj = Lj.solve_dynamics(Lj.lagrangian_fn, y0, t=t * 10, rtol=1e-10, atol=1e-10)
    yg = Lg.solve_dynamics(Lg.lagrangian_fn, gnp.asarray(y0), t=gnp.asarray(t * 10), rtol=1e-10,
                           atol=1e-10)
    _close(yg, yj, rtol=1e-6, atol=1e-6)


def test_lagrangian_nns_custom_init(jax):
    J = _gpuad_J()
    Lg = _lnn(J)
    args = types.SimpleNamespace(hidden_dim=6, output_dim=1)
    init_random_params, _ = Lg.mlp(args)
    _, params = init_random_params(J.random.PRNGKey(1), (-1, 4))
    new = Lg.custom_init(params, seed=3)
    assert [len(p) for p in new] == [len(p) for p in params]
    rng = J.random.PRNGKey(3)
    stds = [2.2 / np.sqrt(6), 0.58 * 1 / np.sqrt(6), 6 / np.sqrt(6)]
    dense = [p for p in new if len(p)]
    for i, (w, b) in enumerate(dense):
        assert np.all(_arr(b) == 0)
        _close(w, _arr(J.random.normal(rng, w.shape)) * stds[i])
        rng += 1
    # JAX's: the same structure from its own draws
    Jj = _jax_J(jax)
    Lj = _lnn(Jj)
    _, pj = Lj.mlp(args)[0](Jj.random.PRNGKey(1), (-1, 4))
    newj = Lj.custom_init(pj, seed=3)
    assert [[np.shape(a) for a in p] for p in newj] == [[np.shape(a) for a in p] for p in new]


@pytest.mark.parametrize("model", ["gln", "baseline_nn"])
def test_lagrangian_nns_train(jax, model):
    Jj, Jg = _jax_J(jax), _gpuad_J()
    Lj, Lg = _lnn(Jj), _lnn(Jg)
    # JAX's trajectory (float32, from data.py's float32 y0), trained on in float64
    data = {k: np.asarray(v, dtype=np.float64)
            for k, v in Lj.get_dataset(t_span=(0, 8), fps=1).items()}
    args = types.SimpleNamespace(
        input_dim=4, hidden_dim=16, output_dim=1 if model == "gln" else 4, learn_rate=1e-2,
        batch_size=2, num_batches=3, model=model,
    )
    _, init = Lj.mlp(args)[0](Jj.random.PRNGKey(1), (-1, 4))
    init = [tuple(np.asarray(a) for a in p) for p in init]
    if model == "baseline_nn":
        # train.py's baseline (output_dim 4) goes through learned_dynamics too, whose
        # jnp.squeeze(.., axis=-1) of 4 values raises: in JAX and in gpuad alike
        for J, L in ((Jj, Lj), (Jg, Lg)):
            with pytest.raises(ValueError, match="squeeze|size"):
                _lnn_train(J, L, args, _to(J, init), dict(data))
        return
    pj, lj = _lnn_train(Jj, Lj, args, _to(Jj, init), dict(data))
    pg, lg = _lnn_train(Jg, Lg, args, _to(Jg, init), dict(data))
    for key in ("train", "test"):
        _close(lg[key], lj[key], rtol=1e-9, atol=1e-12, msg=key)
    for i, (a, b) in enumerate(zip(lg["grads"], lj["grads"], strict=True)):
        _close([list(p) for p in a], [list(p) for p in b], rtol=1e-8, atol=1e-11, msg=f"g{i}")
    _close([list(p) for p in pg], [list(p) for p in pj], rtol=1e-9, atol=1e-12)
    assert float(lg["train"][-1]) < float(lg["train"][0])


# ---- srush/annotated-s4 s4/s4.py: the core kernels ---------------------------------------------


def _s4_names(J):
    if J.lib == "jax":
        import jax.numpy as jnp
        from jax.numpy.linalg import eig, inv, matrix_power
        from jax.scipy.signal import convolve

        return types.SimpleNamespace(
            lib="jax", np=jnp, vmap=J.jax.vmap, scan=J.jax.lax.scan, jit=J.jax.jit,
            grad=J.jax.grad, eig=eig, inv=inv, matrix_power=matrix_power, convolve=convolve,
        )
    from gpuad import lax
    from gpuad.scipy.signal import convolve

    return types.SimpleNamespace(
        lib="gpuad", np=gnp, vmap=ad.vmap, scan=lax.scan, jit=ad.jit, grad=ad.grad,
        eig=gnp.linalg.eig, inv=gnp.linalg.inv, matrix_power=gnp.linalg.matrix_power,
        convolve=convolve,
    )


def _s4(S):
    np_, jit = S.np, S.jit
    inv, matrix_power, convolve = S.inv, S.matrix_power, S.convolve

    def discretize(A, B, C, step):
        I = np_.eye(A.shape[0])  # noqa: E741
        BL = inv(I - (step / 2.0) * A)
        Ab = BL @ (I + (step / 2.0) * A)
        Bb = (BL * step) @ B
        return Ab, Bb, C

    def scan_SSM(Ab, Bb, Cb, u, x0):
        def step(x_k_1, u_k):
            x_k = Ab @ x_k_1 + Bb @ u_k
            y_k = Cb @ x_k
            return x_k, y_k

        return S.scan(step, x0, u)

    def run_SSM(A, B, C, u):
        L = u.shape[0]
        N = A.shape[0]
        Ab, Bb, Cb = discretize(A, B, C, step=1.0 / L)
        return scan_SSM(Ab, Bb, Cb, u[:, np_.newaxis], np_.zeros((N,)))[1]

    def example_mass(k, b, m):
        A = np_.array([[0, 1], [-k / m, -b / m]])
        B = np_.array([[0], [1.0 / m]])
        C = np_.array([[1.0, 0]])
        return A, B, C

    @partial(np_.vectorize, signature="()->()")
    def example_force(t):
        x = np_.sin(10 * t)
        return x * (x > 0.5)

    def K_conv(Ab, Bb, Cb, L):
        return np_.array([(Cb @ matrix_power(Ab, l) @ Bb).reshape() for l in range(L)])

    def non_circular_convolution(u, K, nofft=False):
        if nofft:
            return convolve(u, K, mode="full")[: u.shape[0]]
        else:
            assert K.shape[0] == u.shape[0]
            ud = np_.fft.rfft(np_.pad(u, (0, K.shape[0])))
            Kd = np_.fft.rfft(np_.pad(K, (0, u.shape[0])))
            out = ud * Kd
            return np_.fft.irfft(out)[: u.shape[0]]

    def make_HiPPO(N):
        def v(n, k):
            if n > k:
                return np_.sqrt(2 * n + 1) * np_.sqrt(2 * k + 1)
            elif n == k:
                return n + 1
            else:
                return 0

        mat = [[v(n, k) for k in range(1, N + 1)] for n in range(1, N + 1)]
        return np_.array(mat)

    def K_gen_simple(Ab, Bb, Cb, L):
        K = K_conv(Ab, Bb, Cb, L)

        def gen(z):
            return np_.sum(K * (z ** np_.arange(L)))

        return gen

    def conv_from_gen(gen, L):
        Omega_L = np_.exp((2j * np_.pi) * (np_.arange(L) / L))
        atRoots = S.vmap(gen)(Omega_L)
        out = np_.fft.ifft(atRoots, L).reshape(L)
        order = np_.array([i if i == 0 else L - i for i in range(L)])
        return out[order].real

    def K_gen_inverse(Ab, Bb, Cb, L):
        I = np_.eye(Ab.shape[0])  # noqa: E741
        Ab_L = matrix_power(Ab, L)
        Ct = Cb @ (I - Ab_L)
        return lambda z: (Ct.conj() @ inv(I - Ab * z) @ Bb).reshape()

    @partial(np_.vectorize, signature="(c),(),(c)->()")
    def cauchy_dot(v, omega, lambd):
        return (v / (omega - lambd)).sum()

    def K_gen_DPLR(Lambda, p, q, B, Ct, step):
        aterm = (Ct.conj().ravel(), q.conj().ravel())
        bterm = (B.ravel(), p.ravel())

        def gen(o):
            g = (2.0 / step) * ((1.0 - o) / (1.0 + o))
            c = 2.0 / (1.0 + o)

            def k(a):
                return cauchy_dot(a, g, Lambda)

            k00 = k(aterm[0] * bterm[0])
            k01 = k(aterm[0] * bterm[1])
            k10 = k(aterm[1] * bterm[0])
            k11 = k(aterm[1] * bterm[1])
            return c * (k00 - k01 * (1.0 / (1.0 + k11)) * k10)

        return gen

    def discrete_DPLR(Lambda, p, q, B, Ct, step, L):
        N = Lambda.shape[0]
        A = np_.diag(Lambda) - p[:, np_.newaxis] @ q[:, np_.newaxis].conj().T
        I = np_.eye(N)  # noqa: E741
        A0 = (2.0 / step) * I + A
        D = np_.diag(1.0 / ((2.0 / step) - Lambda))
        qc = q.conj().T.reshape(1, -1)
        p2 = p.reshape(-1, 1)
        A1 = D - (D @ p2 * (1.0 / (1 + (qc @ D @ p2))) * qc @ D)
        Ab = A1 @ A0
        Bb = 2 * A1 @ B
        Cb = Ct @ inv(I - matrix_power(Ab, L)).conj()
        return Ab, Bb, Cb.conj()

    def make_NPLR_HiPPO(N):
        nhippo = -make_HiPPO(N)
        p = 0.5 * np_.sqrt(2 * np_.arange(1, N + 1) + 1.0)
        q = 2 * p
        S_ = nhippo + p[:, np_.newaxis] * q[np_.newaxis, :]
        Lambda, V = jit(S.eig, backend="cpu")(S_)
        return nhippo, Lambda, p, q, V

    fns = {k: v for k, v in locals().items() if callable(v) and k not in ("S", "np_")}
    return types.SimpleNamespace(np=S.np, lib=S.lib, **fns)


def _s4_draws(N, L):
    return {
        "A": R.uniform(size=(N, N)), "B": R.uniform(size=(N, 1)), "C": R.uniform(size=(1, N)),
        "u": R.uniform(size=(L,)), "Bc": R.normal(size=(N, 1)) / np.sqrt(N),
        "Ct": (R.normal(size=(1, N)) + 1j * R.normal(size=(1, N))) / np.sqrt(2 * N),
    }


# gpuad's arrays as Tensors: a raw backend array is a NumPy (CuPy) array whose methods are
# NumPy's (``x.reshape()`` without a shape raises there; a Tensor's is JAX's and torch's)
_GT = types.SimpleNamespace(
    asarray=lambda a: ad.tensor(gnp.asarray(a)),
    arange=lambda n: ad.tensor(gnp.arange(n)),
    zeros=lambda s: ad.tensor(gnp.zeros(s)),
    newaxis=None,
    complex128=np.complex128,
)


def test_annotated_s4_part1(jax):
    Sj, Sg = _s4(_s4_names(_jax_J(jax))), _s4(_s4_names(_gpuad_J()))
    N, L = 4, 16
    d = _s4_draws(N, L)
    ssm = (d["A"], d["B"], d["C"])
    # run_SSM (lax.scan) against the convolution with K_conv's filter (test_cnn_is_rnn)
    for S, xp in ((Sj, Sj.np), (Sg, _GT)):
        rec = S.run_SSM(*[xp.asarray(a) for a in ssm], xp.asarray(d["u"]))
        ssmb = S.discretize(*[xp.asarray(a) for a in ssm], step=1.0 / L)
        K = S.K_conv(*ssmb, L)
        conv = S.non_circular_convolution(xp.asarray(d["u"]), K)
        conv2 = S.non_circular_convolution(xp.asarray(d["u"]), K, nofft=True)
        _close(rec.ravel(), conv.ravel(), rtol=1e-9, atol=1e-12)
        _close(conv2, conv, rtol=1e-9, atol=1e-12)
    rj = Sj.run_SSM(*[Sj.np.asarray(a) for a in ssm], Sj.np.asarray(d["u"]))
    rg = Sg.run_SSM(*[_GT.asarray(a) for a in ssm], _GT.asarray(d["u"]))
    _close(rg, rj)
    # the mechanics example: example_mass and the vectorized example_force
    ks = np.arange(100)
    uj = Sj.example_force(Sj.np.asarray(ks * 0.01))
    ug = Sg.example_force(_GT.asarray(ks * 0.01))
    _close(ug, uj)
    _close(Sg.run_SSM(*Sg.example_mass(k=40, b=5, m=1), ug),
           Sj.run_SSM(*Sj.example_mass(k=40, b=5, m=1), uj))
    # test_gen_inverse: the generating function at the roots of unity, by vmap and ifft
    ssmb = [np.asarray(a) for a in Sj.discretize(*ssm, 1.0 / L)]
    for S, xp in ((Sj, Sj.np), (Sg, _GT)):
        b = S.K_conv(*[xp.asarray(a) for a in ssmb], L=L)
        a = S.conv_from_gen(S.K_gen_inverse(*[xp.asarray(a) for a in ssmb], L=L), L)
        s = S.conv_from_gen(S.K_gen_simple(*[xp.asarray(a) for a in ssmb], L=L), L)
        _close(a, b, rtol=1e-8, atol=1e-10)
        _close(s, b, rtol=1e-8, atol=1e-10)
    _close(Sg.make_HiPPO(6), Sj.make_HiPPO(6))

    # the gradient of a loss of the filter through K_conv's matrix powers, in A, B, C
    def loss(S, A, B, C):
        Ab, Bb, Cb = S.discretize(A, B, C, step=1.0 / L)
        y = S.non_circular_convolution(S.np.asarray(d["u"]), S.K_conv(Ab, Bb, Cb, L))
        return S.np.sum(S.np.sin(y))

    gj = jax.grad(lambda *a: loss(Sj, *a), argnums=(0, 1, 2))(*[Sj.np.asarray(a) for a in ssm])
    gg = ad.grad(lambda *a: loss(Sg, *a), argnums=(0, 1, 2))(*[_GT.asarray(a) for a in ssm])
    _close(list(gg), list(gj), rtol=1e-9, atol=1e-12)


def test_annotated_s4_part2(jax):
    Sj, Sg = _s4(_s4_names(_jax_J(jax))), _s4(_s4_names(_gpuad_J()))
    N, L = 8, 16
    d = _s4_draws(N, L)
    step = 1.0 / L
    # make_NPLR_HiPPO: eig's eigenvectors are unique up to phase, so each library's are checked
    # by test_nplr's identities, and JAX's are used by both below
    for S in (Sj, Sg):
        A2, Lambda, p, q, V = S.make_NPLR_HiPPO(N)
        Lambda, V, p, q, A2 = (np.asarray(_arr(a)) for a in (Lambda, V, p, q, A2))
        Vc = V.conj().T
        A3 = V @ (np.diag(Lambda) - (Vc @ p[:, None]) @ (Vc @ q[:, None].conj()).conj().T) @ Vc
        A4 = V @ np.diag(Lambda) @ Vc - np.outer(p, q)
        np.testing.assert_allclose(A3, A2, atol=1e-9)
        np.testing.assert_allclose(A4, A2, atol=1e-9)
    _, Lambda_j, _, _, _ = Sj.make_NPLR_HiPPO(N)
    _, Lambda_g, _, _, _ = Sg.make_NPLR_HiPPO(N)
    np.testing.assert_allclose(np.sort_complex(_arr(Lambda_g)), np.sort_complex(_arr(Lambda_j)),
                               atol=1e-10)
    _, Lambda, p, q, V = (np.asarray(a) for a in Sj.make_NPLR_HiPPO(N))
    Vc = V.conj().T
    p, q = Vc @ p, Vc @ q.conj()
    B = Vc @ d["Bc"]
    Ct = d["Ct"]
    # test_conversion: the DPLR generating function (CNN) against discrete_DPLR's RNN
    out = {}
    for S, xp in ((Sj, Sj.np), (Sg, _GT)):
        a = [xp.asarray(v) for v in (Lambda, p, q, B, Ct)]
        K = S.conv_from_gen(S.K_gen_DPLR(*a, step), L)
        Ab, Bb, Cb = S.discrete_DPLR(*a, step, L)
        K2 = S.K_conv(Ab, Bb, Cb, L=L)
        _close(K.real, K2.real, rtol=1e-8, atol=1e-9)
        u = xp.arange(L) * 1.0
        y1 = S.non_circular_convolution(u, K.real)
        _, y2 = S.scan_SSM(Ab, Bb, Cb, u[:, xp.newaxis], xp.zeros((N,)).astype(xp.complex128))
        _close(y1, y2.reshape(-1).real, rtol=1e-8, atol=1e-8)
        out[S.lib] = (K, Ab, Bb, Cb, y1)
    _close(list(out["gpuad"]), list(out["jax"]), rtol=1e-9, atol=1e-11)

    # S4Layer's CNN mode as a function of its learned parameters (Ct complex, B, D,
    # log_step), differentiated: gpuad's complex gradient is the conjugate of JAX's
    def layer(S, Ct, Bp, Dp, log_step, u):
        xp = S.np
        step = xp.exp(log_step)
        K = S.conv_from_gen(
            S.K_gen_DPLR(xp.asarray(Lambda), xp.asarray(p), xp.asarray(q),
                         xp.asarray(Vc) @ Bp, Ct, step[0]), L)
        return S.non_circular_convolution(u, K) + Dp * u

    def loss(S, *params):
        y = layer(S, *params, S.np.asarray(d["u"]))
        return S.np.sum(y**2) / L

    params = (Ct, d["Bc"], np.array([0.7]), np.array([np.log(0.05)]))
    lj, gj = jax.value_and_grad(lambda *a: loss(Sj, *a), argnums=(0, 1, 2, 3))(
        *[Sj.np.asarray(a) for a in params])
    lg, gg = ad.value_and_grad(lambda *a: loss(Sg, *a), argnums=(0, 1, 2, 3))(
        *[_GT.asarray(a) for a in params])
    _close(lg, lj)
    _close([np.conj(_arr(gg[0])), *gg[1:]], list(gj), rtol=1e-8, atol=1e-11)
