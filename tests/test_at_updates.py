"""JAX's functional index updates ``x.at[i].set(v)`` / ``.add`` / ... (gpuad/_at.py): values
against NumPy's ``ufunc.at`` and fancy assignment on copies, gradients against float64 central
differences and against JAX, under vmap and jit, and ports of JAX programs that use ``.at``."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.jit import TracerError
from gpuad.testing import check_grads

# repeated (2 twice, 0 and -4 name the same row), negative, unsorted
IDX = np.array([2, 0, 2, -1, -4])
VALS = np.array([1.5, -2.0, 0.7, 3.0, 0.25])
X0 = np.array([0.5, 1.25, -0.75, 2.0])

_UFUNC = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
          "divide": np.divide, "power": np.power, "min": np.minimum, "max": np.maximum}


def _xp():
    return ad.get_backend().xp


def _order(backend, n=2):
    return n if backend == "numpy" else 1


def _numpy_at(op, x, idx, v):
    """What x.at[idx].op(v) computes, by NumPy's unbuffered ufunc.at on a copy."""
    out = np.array(x, copy=True)
    if op == "set":
        out[idx] = v  # NumPy assigns in order: of repeated indices the last is kept
    else:
        _UFUNC[op].at(out, idx, v)
    return out


@pytest.mark.parametrize("op", ["set", "add", "subtract", "multiply", "divide", "power", "min",
                                "max"])
def test_values_match_numpy_and_leave_x_alone(backend, op):
    xp = _xp()
    x0 = np.abs(X0) + 0.5 if op == "power" else X0
    x = ad.tensor(xp.asarray(x0))
    before = to_numpy(x).copy()
    y = getattr(x.at[IDX], op)(xp.asarray(VALS))
    np.testing.assert_allclose(to_numpy(y), _numpy_at(op, x0, IDX, VALS), rtol=1e-13)
    np.testing.assert_array_equal(to_numpy(x), before)
    # a scalar value, 2-d with a tuple of arrays and a slice, a boolean mask
    A0 = np.arange(12.0).reshape(3, 4) - 5.0
    A = ad.tensor(xp.asarray(A0))
    rows, cols = np.array([0, 2, 0]), np.array([1, 3, 1])
    np.testing.assert_allclose(to_numpy(getattr(A.at[rows, cols], op)(2.0)),
                               _numpy_at(op, A0, (rows, cols), 2.0), rtol=1e-13)
    np.testing.assert_allclose(to_numpy(getattr(A.at[1:, ::-2], op)(xp.asarray([3.0, 0.5]))),
                               _numpy_at(op, A0, (slice(1, None), slice(None, None, -2)),
                                         np.array([3.0, 0.5])), rtol=1e-13)
    mask = A0 > 0
    np.testing.assert_allclose(to_numpy(getattr(A.at[xp.asarray(mask)], op)(1.5)),
                               _numpy_at(op, A0, mask, 1.5), rtol=1e-13)


def test_get_and_apply(backend):
    xp = _xp()
    x = ad.tensor(xp.asarray(X0))
    np.testing.assert_array_equal(to_numpy(x.at[IDX].get()), X0[IDX])
    want = X0.copy()
    np.sin.at(want, IDX, )  # applied once per occurrence
    np.testing.assert_allclose(to_numpy(x.at[IDX].apply(gnp.sin)), want, rtol=1e-14)
    check_grads(lambda x: ad.at(x)[IDX].apply(gnp.sin) ** 2, (X0,), order=_order(backend))
    check_grads(lambda x: ad.at(x)[IDX].get() ** 3, (X0,), order=_order(backend))


@pytest.mark.parametrize("op", ["set", "add", "subtract", "multiply", "divide", "power", "min",
                                "max"])
def test_gradients_with_repeated_indices(backend, op):
    x0 = np.abs(X0) + 0.5 if op == "power" else X0
    v0 = VALS * 0.5 if op == "power" else VALS

    def f(x, v):
        return getattr(ad.at(x)[IDX], op)(v) ** 2

    check_grads(f, (x0, v0), order=_order(backend), modes=("fwd", "rev"))


def test_set_keeps_the_last_write_and_only_it_gets_a_gradient(backend):
    xp = _xp()
    g = ad.grad(lambda v: (ad.at(gnp.zeros(3))[xp.asarray([1, 1, 1])].set(v) * 2.0).sum())(
        xp.asarray([5.0, 6.0, 7.0]))
    np.testing.assert_array_equal(to_numpy(g), [0.0, 0.0, 2.0])
    # min with a repeat: the smallest of x and all values; the gradient goes to the one chosen
    gx, gv = ad.grad(lambda x, v: ad.at(x)[xp.asarray([0, 0])].min(v).sum(), argnums=(0, 1))(
        xp.asarray([4.0, 1.0]), xp.asarray([3.0, 2.0]))
    np.testing.assert_array_equal(to_numpy(gx), [0.0, 1.0])
    np.testing.assert_array_equal(to_numpy(gv), [0.0, 1.0])


def test_out_of_range_raises_unless_a_mode_says_otherwise(backend):
    xp = _xp()
    x = ad.tensor(xp.asarray(X0))
    bad = xp.asarray([1, 4])
    for op in ("set", "add", "multiply", "get"):
        args = () if op == "get" else (1.0,)
        with pytest.raises(IndexError, match=rf"x\.at\[\.\.\.\]\.{op} on an array of shape "
                                             r"\(4,\): index 4 is out of bounds for axis 0"):
            getattr(x.at[bad], op)(*args)
    with pytest.raises(IndexError, match="index -5 is out of bounds"):
        x.at[-5].set(1.0)
    with pytest.raises(IndexError, match=r"pass mode='fill' to read fill_value"):
        x.at[bad].get()
    with pytest.raises(IndexError, match="indices must be integers"):
        x.at[1.0].set(1.0)
    with pytest.raises(ValueError, match=r"values of shape \(3,\) do not broadcast to the "
                                         r"selection's shape \(2,\)"):
        x.at[xp.asarray([0, 1])].set(xp.ones(3))
    with pytest.raises(ValueError, match="mode must be one of"):
        x.at[0].set(1.0, mode="wrap")
    np.testing.assert_array_equal(to_numpy(x), X0)
    idx = xp.asarray([1, 4, -7, -1])
    v = xp.asarray([10.0, 20.0, 30.0, 40.0])
    # drop (and its alias fill): out-of-range updates are left out
    for mode in ("drop", "fill"):
        np.testing.assert_array_equal(to_numpy(x.at[idx].add(v, mode=mode)),
                                      X0 + [0, 10, 0, 40])
    np.testing.assert_array_equal(to_numpy(x.at[idx].set(v, mode="drop")), [X0[0], 10, X0[2],
                                                                            40])
    # clip: into range (the last index 3, and the first 0)
    np.testing.assert_array_equal(to_numpy(x.at[idx].add(v, mode="clip")),
                                  X0 + [30, 10, 0, 60])
    np.testing.assert_array_equal(to_numpy(x.at[idx].get(mode="clip")), X0[[1, 3, 0, 3]])
    got = to_numpy(x.at[idx].get(mode="fill"))
    np.testing.assert_array_equal(got[[0, 3]], X0[[1, 3]])
    assert np.isnan(got[[1, 2]]).all()
    np.testing.assert_array_equal(to_numpy(x.at[idx].get(mode="fill", fill_value=-1.0)),
                                  [X0[1], -1, -1, X0[3]])
    ints = ad.tensor(xp.asarray([1, 2, 3]))
    assert to_numpy(ints.at[5].get(mode="fill"))[()] == np.iinfo(ints.dtype).min
    with pytest.raises(ValueError, match="unique_indices=True was passed but 1 updates"):
        x.at[xp.asarray([0, 0])].multiply(2.0, unique_indices=True)
    # gradients: a dropped update gets none, a clipped one its own position's
    check_grads(lambda x, v: ad.at(x)[idx].multiply(v, mode="drop"), (X0, to_numpy(v) / 10),
                order=_order(backend))
    check_grads(lambda x, v: ad.at(x)[idx].divide(v, mode="clip"), (X0, to_numpy(v) / 10),
                order=_order(backend))
    check_grads(lambda x: ad.at(x)[idx].get(mode="fill", fill_value=0.0) ** 2, (X0,),
                order=_order(backend))


def test_vmap_over_array_values_and_indices(backend):
    xp = _xp()
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(3, 4))
    Vs = rng.normal(size=(3, 2))
    Is = np.array([[0, 0], [3, 1], [2, -2]])  # example 0 repeats an index

    def f(x, i, v):
        return ad.at(x)[i].add(v) * ad.at(x)[i].multiply(v) + ad.at(x)[i].set(v)

    def loop(axes):
        outs = []
        for b in range(3):
            a = [Xs[b] if axes[0] == 0 else Xs[0], Is[b] if axes[1] == 0 else Is[0],
                 Vs[b] if axes[2] == 0 else Vs[0]]
            outs.append(to_numpy(f(*(xp.asarray(u) for u in a))))
        return np.stack(outs)

    for axes in [(0, None, None), (None, None, 0), (None, 0, None), (0, 0, 0)]:
        got = ad.vmap(f, in_axes=axes)(*(xp.asarray(a if ax == 0 else a[0])
                                         for a, ax in zip((Xs, Is, Vs), axes, strict=True)))
        np.testing.assert_allclose(to_numpy(got), loop(axes), rtol=1e-13)
    # batched indices with mode="drop": each example drops its own
    Id = xp.asarray([[0, 5], [2, 2]])
    np.testing.assert_array_equal(
        to_numpy(ad.vmap(lambda x, i: ad.at(x)[i].multiply(2.0, mode="drop"))(xp.ones((2, 3)),
                                                                             Id)),
        [[2, 1, 1], [1, 1, 4]])
    # per-example gradients through batched indices
    g = ad.vmap(ad.grad(lambda x, i, v: (ad.at(x)[i].multiply(v) ** 2).sum(), argnums=(0, 2)))(
        xp.asarray(Xs), xp.asarray(Is), xp.asarray(Vs))
    for b in range(3):
        gb = ad.grad(lambda x, v: (ad.at(x)[Is[b]].multiply(v) ** 2).sum(), argnums=(0, 1))(
            xp.asarray(Xs[b]), xp.asarray(Vs[b]))
        for k in range(2):
            np.testing.assert_allclose(to_numpy(g[k])[b], to_numpy(gb[k]), rtol=1e-13)


def test_jit_compiled_equals_eager(backend):
    xp = _xp()

    def f(x, i, v):
        y = ad.at(x)[i].add(v)
        y = ad.at(y)[1:].multiply(2.0)
        return (ad.at(y)[i].set(v * v) ** 2).sum()

    cf = ad.jit(f)
    args = [(xp.asarray(X0), xp.asarray([0, 2, 0]), xp.asarray([1.0, 2.0, 3.0])),
            (xp.asarray(X0 * 2), xp.asarray([3, 1, 3]), xp.asarray([-1.0, 0.5, 4.0]))]
    for a in args:
        np.testing.assert_allclose(to_numpy(cf(*a)), to_numpy(f(*a)), rtol=1e-13)
    gf = ad.jit(ad.grad(f, argnums=(0, 2)))
    for a in args:
        for got, want in zip(gf(*a), ad.grad(f, argnums=(0, 2))(*a), strict=True):
            np.testing.assert_allclose(to_numpy(got), to_numpy(want), rtol=1e-13)
    with pytest.raises(IndexError, match=r"x\.at\[\.\.\.\]\.add .* index 9 is out of bounds"):
        cf(xp.asarray(X0), xp.asarray([0, 9, 0]), xp.asarray([1.0, 2.0, 3.0]))
        ad._value_checks.poll()  # (on a CUDA graph the check is read after the launch)
    # the ops applied once per occurrence read how often an index repeats: a constant index
    # is kept by the program (traced again when it changes), one from the arguments raises
    # unless unique_indices=True, which is checked on every call
    I = xp.asarray([0, 2, 0])

    def m(x, v):
        return (ad.at(x)[I].multiply(v) ** 2).sum()

    cm, v = ad.jit(m), xp.asarray([1.0, 2.0, 3.0])
    np.testing.assert_allclose(to_numpy(cm(xp.asarray(X0), v)), to_numpy(m(xp.asarray(X0), v)))
    I[...] = xp.asarray([1, 1, 3])
    np.testing.assert_allclose(to_numpy(cm(xp.asarray(X0), v)), to_numpy(m(xp.asarray(X0), v)))
    with pytest.raises(TracerError, match="pass unique_indices=True"):
        ad.jit(lambda x, i, v: ad.at(x)[i].multiply(v))(xp.asarray(X0), I, v)
    cu = ad.jit(lambda x, i, v: ad.at(x)[i].multiply(v, unique_indices=True))
    np.testing.assert_allclose(to_numpy(cu(xp.asarray(X0), xp.asarray([3, 0, 1]), v)),
                               X0 * [2.0, 3.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="unique_indices=True was passed"):
        cu(xp.asarray(X0), xp.asarray([3, 0, 3]), v)
        ad._value_checks.poll()


def test_matches_jax(backend):
    jax = pytest.importorskip("jax")
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        _compare_with_jax(jax)
    finally:
        jax.config.update("jax_enable_x64", before)


def _compare_with_jax(jax):
    jnp = jax.numpy
    xp = _xp()
    x0 = np.abs(X0) + 0.5
    v0 = VALS * 0.5
    idx = np.array([2, 0, 2, -1, 7])
    for op in ("set", "add", "subtract", "multiply", "divide", "power", "min", "max"):
        for mode in ("drop", "clip"):
            if op == "set" and mode == "clip":
                continue  # which repeated write JAX keeps is unspecified
            def jf(x, v, i=idx, u=False, op=op, mode=mode):
                y = getattr(jnp.asarray(x).at[i], op)(v, mode=mode, unique_indices=u)
                return jnp.sum(jnp.sin(y))

            def gf(x, v, i=idx, u=False, op=op, mode=mode):
                return gnp.sum(gnp.sin(getattr(ad.at(x)[i], op)(v, mode=mode, unique_indices=u)))

            a = (xp.asarray(x0), xp.asarray(v0))
            np.testing.assert_allclose(to_numpy(gf(*a)), float(jf(x0, v0)), rtol=1e-12)
            if op in ("min", "max") and mode == "clip":
                continue  # JAX's gradient of a scatter-min over a clipped repeat is inf there
            i, v, u = idx, v0, False
            if op in ("multiply", "divide", "power"):
                # JAX differentiates a scatter-multiply only with unique_indices=True
                i, v, u = np.array([2, 0, 7]), v0[:3], True
            for got, want in zip(ad.grad(gf, argnums=(0, 1))(xp.asarray(x0), xp.asarray(v), i, u),
                                 jax.grad(jf, argnums=(0, 1))(x0, v, i, u), strict=True):
                np.testing.assert_allclose(to_numpy(got), np.asarray(want), rtol=1e-10,
                                           atol=1e-14)
    got = to_numpy(ad.at(xp.asarray(x0))[idx].get(mode="fill", fill_value=-3.0))
    np.testing.assert_array_equal(got, np.asarray(jnp.asarray(x0).at[idx].get(
        mode="fill", fill_value=-3.0)))


# ---- ports of JAX programs that use .at ------------------------------------------------------

def _pendulum(t, x, u):
    theta, omega = x[0], x[1]
    dt = 0.1
    return gnp.stack([theta + dt * omega, omega + dt * (-gnp.sin(theta) + u[0] - 0.1 * omega)])


def _trajectory(dynamics, U, x0):
    """JAX's examples/control.py ``trajectory``: X[t+1] = dynamics(t, X[t], U[t]), X[0] = x0,
    filled with ``X.at[t + 1].set(x)`` (its fori_loop as a Python loop)."""
    T = U.shape[0]
    (d,) = x0.shape
    X = ad.at(gnp.zeros((T + 1, d)))[0].set(x0)
    for t in range(T):
        X = X.at[t + 1].set(dynamics(t, X[t], U[t]))
    return X


def _trajectory_cost(U, x0):
    X = _trajectory(_pendulum, U, x0)
    return gnp.sum(X[:, 0] ** 2) + 0.1 * gnp.sum(U ** 2)


def test_port_control_trajectory(backend):
    xp = _xp()
    U = np.linspace(-0.5, 0.5, 6).reshape(6, 1)
    x0 = np.array([0.3, -0.2])
    X = to_numpy(_trajectory(_pendulum, xp.asarray(U), xp.asarray(x0)))
    assert X.shape == (7, 2)
    np.testing.assert_allclose(X[0], x0)
    np.testing.assert_allclose(X[3], to_numpy(_pendulum(2, xp.asarray(X[2]), xp.asarray(U[2]))),
                               rtol=1e-14)
    check_grads(_trajectory_cost, (U, x0), order=_order(backend), modes=("fwd", "rev"))


def test_port_control_trajectory_matches_jax(backend):
    jax = pytest.importorskip("jax")
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        jnp = jax.numpy

        def jdyn(t, x, u):
            return jnp.stack([x[0] + 0.1 * x[1],
                              x[1] + 0.1 * (-jnp.sin(x[0]) + u[0] - 0.1 * x[1])])

        def jcost(U, x0):
            T = U.shape[0]
            X = jnp.zeros((T + 1, 2)).at[0].set(x0)
            X = jax.lax.fori_loop(0, T, lambda t, X: X.at[t + 1].set(jdyn(t, X[t], U[t])), X)
            return jnp.sum(X[:, 0] ** 2) + 0.1 * jnp.sum(U ** 2)

        U = np.linspace(-0.5, 0.5, 6).reshape(6, 1)
        x0 = np.array([0.3, -0.2])
        xp = _xp()
        got = ad.grad(_trajectory_cost, argnums=(0, 1))(xp.asarray(U), xp.asarray(x0))
        want = jax.grad(jcost, argnums=(0, 1))(U, x0)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_allclose(to_numpy(g), np.asarray(w), rtol=1e-12)
    finally:
        jax.config.update("jax_enable_x64", before)


def _laplacian(u, h):
    """A finite-difference stencil written JAX's way: interior points updated functionally,
    the boundary kept (Dirichlet)."""
    interior = (u[:-2] - 2.0 * u[1:-1] + u[2:]) / h ** 2
    return ad.at(gnp.zeros_like(u))[1:-1].set(interior)


def test_port_stencil_and_one_hot(backend):
    xp = _xp()
    u0 = np.sin(np.linspace(0, 3, 7))
    h = 0.5
    lap = to_numpy(_laplacian(xp.asarray(u0), h))
    want = np.zeros(7)
    want[1:-1] = np.diff(u0, 2) / h ** 2
    np.testing.assert_allclose(lap, want, rtol=1e-13)
    check_grads(lambda u: _laplacian(u, h) * u, (u0,), order=_order(backend))
    # one-hot and a histogram (labels repeat): the .at[...].set(1) / .add(w) idioms
    labels = np.array([2, 0, 2, 1])
    onehot = ad.at(gnp.zeros((4, 3)))[np.arange(4), labels].set(1.0)
    np.testing.assert_array_equal(to_numpy(onehot), np.eye(3)[labels])
    w = np.array([0.5, 1.0, 2.0, 4.0])
    hist = ad.at(gnp.zeros(3))[labels].add(xp.asarray(w))
    np.testing.assert_array_equal(to_numpy(hist), np.bincount(labels, w, 3))
    check_grads(lambda w: ad.at(gnp.zeros(3))[labels].add(w) ** 2, (w,), order=_order(backend))
