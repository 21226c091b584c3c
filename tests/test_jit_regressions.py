"""Bugs the op suite found when run under ``gpuad.jit`` (``pytest --jit``), each pinned by a
test that runs without the option."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp


def _same(a, b):
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_slice_bounds_held_in_arrays_are_read_by_the_program(backend, rng):
    # a slice whose bound is an array (a closed-over 0-d index array) is recorded with the
    # bound as a variable of the program; the replay must define it before the slice uses it
    xp = ad.get_backend().xp
    stop = xp.asarray(3)

    def f(x):
        return x[1:stop] * 2.0

    j = ad.jit(f)
    for _ in range(3):
        x = xp.asarray(rng.standard_normal(5))
        _same(j(x), f(ad.tensor(x)).data)


def test_array_split_bounds_are_python_ints(backend, rng):
    # the section bounds are host integers: no device value (gnp.divmod's) as a slice bound,
    # which would synchronise eagerly and become a step of a compiled program
    xp = ad.get_backend().xp
    x = xp.asarray(rng.standard_normal((3, 7)))
    parts = gnp.array_split(x, 3, axis=1)
    assert [p.shape for p in parts] == [(3, 3), (3, 2), (3, 2)]
    j = ad.jit(lambda x: gnp.array_split(x, 3, axis=1))
    prog = j.lower(x)
    assert {s.op for _, s in prog.live_steps()} == {"getitem"}, str(prog)
    for _ in range(2):
        x = xp.asarray(rng.standard_normal((3, 7)))
        for got, want in zip(j(x), np.array_split(to_numpy(x), 3, axis=1), strict=True):
            _same(got, want)


def test_gradient_that_is_a_broadcast_view_replays(backend, rng):
    # the gradient of a sum over an axis is a broadcast of the cotangent: a view no eager
    # array library would let one write into, replayed as a program output (on the cupy
    # backend through a CUDA graph, which rewrites the memory it views)
    xp = ad.get_backend().xp
    w = gnp.asarray(rng.standard_normal(3))
    vg = ad.value_and_grad(lambda x: gnp.sum(gnp.sum(x, 0) * w))
    j = ad.jit(vg)
    for _ in range(3):
        x = xp.asarray(rng.standard_normal((2, 3)))
        for got, want in zip(j(x), vg(x), strict=True):
            _same(got, want)


@pytest.mark.gpu
@pytest.mark.standin
def test_standin_writes_through_broadcast_views():
    # CuPy arrays carry no read-only flag: a broadcast view can be written, and the write
    # lands in the memory it shares (the stand-in must not refuse what CuPy allows)
    import cupy

    a = cupy.zeros(3)
    b = cupy.broadcast_to(a, (2, 3))
    b[...] = cupy.broadcast_to(cupy.arange(3.0), (2, 3))
    np.testing.assert_array_equal(a.get(), [0.0, 1.0, 2.0])


def _replays_match(f, draws):
    """jit(value_and_grad(f)) equals eager on each argument tuple in ``draws`` (the first
    traces); the later draws lie on other sides of f's kinks than the first."""
    xp = ad.get_backend().xp
    vg = ad.value_and_grad(f, argnums=tuple(range(len(draws[0]))))
    j = ad.jit(vg)
    for args in draws:
        args = [xp.asarray(np.asarray(a, dtype=np.float64)) for a in args]
        got, want = ad.tree_flatten(j(*args))[0], ad.tree_flatten(vg(*args))[0]
        for g, w in zip(got, want, strict=True):
            _same(g, w)
    assert j.cache_info()["misses"] == 1


def test_leaky_relu_mask_is_recorded(backend):
    # the mask was built from the raw array behind x with a Python operator, out of the
    # tracer's sight: replays used the traced call's mask, values and gradients alike
    import gpuad.nn.functional as F

    _replays_match(lambda x: gnp.sum(F.leaky_relu(x, 0.2) * gnp.arange(1.0, 4.0)),
                   [([1.0, -2.0, 3.0],), ([-1.0, 2.0, -3.0],)])


_EXTRAS = {
    "fmax": lambda a, b: gnp.sum(gnp.fmax(a, b) * gnp.arange(1.0, 4.0)),
    "fmin": lambda a, b: gnp.sum(gnp.fmin(a, b) * gnp.arange(1.0, 4.0)),
    "copysign": lambda a, b: gnp.sum(gnp.copysign(a, b) * gnp.arange(1.0, 4.0)),
    "fmod": lambda a, b: gnp.sum(gnp.fmod(a, b) * gnp.arange(1.0, 4.0)),
    "frexp": lambda a, b: gnp.sum(gnp.frexp(a * b)[0]),
    "heaviside": lambda a, b: gnp.sum(gnp.heaviside(a, b) * gnp.arange(1.0, 4.0)),
}


@pytest.mark.parametrize("name", list(_EXTRAS))
def test_masks_of_the_numpy_extras_are_recorded(backend, name):
    # the adjoints of these gpuad.numpy functions build masks (which argument wins, signs,
    # quotients, exponents) from the values: replays must rebuild them, not reuse the traced
    _replays_match(_EXTRAS[name], [([1.0, 0.0, 3.5], [2.0, 1.0, 1.0]),
                       ([3.0, 0.0, -1.5], [-2.0, 3.0, 3.0])])


def test_dirichlet_compiles(backend):
    # its argument checks read the values: under jit they run when tracing (data() hands
    # them a traced Tensor, which is not a batch of vmap)
    from gpuad.scipy.stats import dirichlet

    _replays_match(lambda x: dirichlet.logpdf(x, gnp.asarray([1.5, 2.0, 3.0])),
                   [([0.2, 0.3, 0.5],), ([0.6, 0.1, 0.3],)])


@pytest.mark.parametrize("how", ["mask", "nonzero"])
def test_value_dependent_shapes_are_refused(backend, how):
    # traced with three positive entries, a replay with one broadcast the single selected
    # value into the traced shape's buffer: 12.0 instead of 4.0. Refused when tracing instead
    from gpuad.jit import TracerError

    xp = ad.get_backend().xp
    if how == "mask":
        def f(x):
            return gnp.sum(x[x > 0] * 2)
    else:
        def f(x):
            return gnp.sum(gnp.take(x, gnp.nonzero(x > 0)[0]) * 2)
    with pytest.raises(TracerError, match="shape depends on the values"):
        ad.jit(f)(xp.asarray([1.0, 3.0, 2.0]))
    # a mask that is a constant of the program is fine
    keep = xp.asarray([True, False, True])
    j = ad.jit(lambda x: gnp.sum(x[keep] * 2))
    for x in ([1.0, 3.0, 2.0], [-1.0, -1.0, 2.0]):
        _same(j(xp.asarray(x)), 2 * (x[0] + x[2]))


@pytest.mark.gpu
@pytest.mark.standin
def test_write_with_repeated_positions_keeps_the_last_on_replay():
    # eagerly a GPU write t[i] = v with repeated positions keeps NumPy's choice (the last);
    # the replay wrote with a plain scatter, which on a GPU (and the stand-in) keeps any one
    with ad.use_backend("cupy"):
        xp = ad.get_backend().xp
        idx = xp.asarray(np.array([1, 1, 2]))

        def f(x):
            t = ad.tensor(xp.zeros(4))
            t[idx] = x
            return t

        j = ad.jit(f)
        for scale in (1.0, 3.0):
            x = xp.asarray(np.array([1.0, 2.0, 3.0]) * scale)
            _same(j(x), f(x).data)
            _same(j(x), np.array([0.0, 2.0, 3.0, 0.0]) * scale)


def test_writes_into_a_tensor_on_the_backend_trace_one_step(backend):
    # the eager write's own work (on CuPy: a copy, then a scatter into it) was recorded as
    # steps, and the scatter into that copy, unseen, failed the trace's checksums
    xp = ad.get_backend().xp
    idx = xp.asarray(np.array([[1], [3], [0]]))

    def f(v):
        t = gnp.asarray(np.arange(12.0).reshape(3, 4)) * v[0, 0]
        gnp.put_along_axis(t, idx, v[:, :1] ** 2, axis=1)
        return t

    j = ad.jit(f)
    for seed in (0, 1):
        v = xp.asarray(np.random.default_rng(seed).standard_normal((3, 4)))
        _same(j(v), f(v))
    assert sum(1 for _, s in j.lower(v).live_steps() if s.kind == "write") == 1


def test_max_with_initial_follows_the_values(backend):
    # which entries lose to initial= was decided by an operator on the raw result: frozen
    _replays_match(lambda a: gnp.sum(gnp.max(a, axis=1, initial=0.3) * gnp.asarray([1.0, 2.0])),
                   [([[0.1, 0.9], [0.2, 0.25]],), ([[0.1, 0.2], [0.8, 0.25]],)])


@pytest.mark.parametrize("period", [None, 5.0])
def test_interp_follows_the_points(backend, period):
    # the interval of each point, the end masks and the knots' spacing (from a constant xp)
    # were computed with operators on raw arrays: frozen at the traced points
    xs = np.array([0.3, 1.1, 1.7, 2.9, 4.2])
    _replays_match(lambda x, fp: gnp.sum(gnp.interp(x, xs, fp, period=period)
                                         * gnp.arange(1.0, 5.0)),
                   [([0.1, 1.3, 2.2, 5.0], [1.0, -1.0, 0.5, 2.0, 0.3]),
                    ([5.0, 2.2, 0.1, 1.3], [0.2, 1.0, -0.5, 2.0, 0.7])])


def test_tensor_made_and_written_inside_is_fresh_on_every_call(backend):
    # the program's version bump on a Tensor made inside the function kept that Tensor alive,
    # so its array passed for one the caller holds: every call wrote into it and returned it,
    # and the results of earlier calls changed
    xp = ad.get_backend().xp
    idx = xp.asarray(np.array([0, 2]))

    def f(x):
        t = ad.tensor(xp.zeros(4))
        t[idx] = x
        t[1] = x[0] * 2.0
        return t

    j = ad.jit(f)
    outs = [j(xp.asarray(np.array([1.0, 2.0]) * s)) for s in (1.0, 3.0, 5.0)]
    for s, o in zip((1.0, 3.0, 5.0), outs, strict=True):
        _same(o, np.array([1.0, 2.0, 2.0, 0.0]) * s)


def test_views_of_a_fused_in_place_result_keep_its_buffer_alive(backend):
    # an LSTM's backward: the zero guard of a product is an in-place step whose result a fused
    # kernel stores, and views of that result are read by a later kernel; the memory plan freed
    # the result's buffer at its own kernel (the views named the guarded array's storage), and
    # a later group wrote over it before the reader ran (a wrong gradient, cupy backend)
    import gpuad.scipy.special as sps

    def loss(params, seq):
        h = gnp.zeros(4)
        c = gnp.zeros(4)
        total = 0.0
        for x in seq:
            xh = gnp.concatenate([x, h])
            f = sps.expit(gnp.dot(xh, params["wf"]))
            i = sps.expit(gnp.dot(xh, params["wi"]))
            o = sps.expit(gnp.dot(xh, params["wo"]))
            c = f * c + i * gnp.tanh(gnp.dot(xh, params["wc"]))
            h = o * gnp.tanh(c)
            total = total + gnp.sum(h)
        return total

    xp = ad.get_backend().xp
    rng = np.random.default_rng(5)
    seq = xp.asarray(rng.standard_normal((3, 2)))
    step = ad.jit(ad.value_and_grad(loss), check=False)
    for _ in range(3):
        params = {n: xp.asarray(rng.standard_normal((6, 4)) * 0.4)
                  for n in ("wf", "wi", "wo", "wc")}
        (v, g), (ve, ge) = step(params, seq), ad.value_and_grad(loss)(params, seq)
        np.testing.assert_allclose(to_numpy(v), to_numpy(ve), rtol=1e-12)
        for n in g:
            np.testing.assert_allclose(to_numpy(g[n]), to_numpy(ge[n]), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("count", [
    lambda a: gnp.count_nonzero(a > 1.0),
    lambda a: np.count_nonzero(a > 1.0),
    lambda a: gnp.nanargmax(a),
    lambda a: np.nanargmin(a),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_scalar_from_traced_values_follows_them(backend, count, dtype):
    # count_nonzero gives a NumPy scalar on the numpy backend: it was kept at the traced
    # call's count (a replay on [1.5, 2.5] gave [1.5, 2.5], not [3, 5])
    xp = ad.get_backend().xp

    def f(a):
        return a * count(a)

    jf = ad.jit(f)
    for vals in ([0.5, 2.5], [1.5, 2.5], [0.1, 0.2], [3.0, 4.0]):
        a = xp.asarray(np.array(vals, dtype=dtype))
        got, want = jf(a), f(a)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(to_numpy(got), to_numpy(want))
    loss = ad.grad(lambda a: gnp.sum(f(a) ** 2))
    g = ad.jit(loss)
    g(xp.asarray(np.array([0.5, 2.5, 1.5])))
    b = xp.asarray(np.array([1.5, 0.5, 2.5]))
    np.testing.assert_allclose(to_numpy(g(b)), to_numpy(loss(b)))
    assert np.any(to_numpy(g(b)) != 0)


@pytest.mark.parametrize("donate", [(), 0])
def test_custom_jvp_primal_with_operators_is_recorded(backend, donate):
    # the function of a custom_jvp ran on raw arrays when differentiated, so `u * 2.0` was
    # NumPy's own operator, unseen by the tracer: value_and_grad's value was a constant of
    # the program (refused by the check, or wrong once the check was skipped for donation)
    @ad.custom_jvp
    def scaled_exp(u):
        return gnp.exp(u) * 2.0 + 1.0

    @scaled_exp.defjvp
    def _(primals, tangents):
        return scaled_exp(primals[0]), tangents[0] * gnp.exp(primals[0]) * 2.0

    xp = ad.get_backend().xp

    def f(q):
        return gnp.sum(scaled_exp(q["x"]) ** 2)

    step = ad.jit(ad.value_and_grad(f), donate_argnums=donate)
    for k in range(3):
        p = {"x": xp.asarray(np.linspace(-1.0, 1.0, 5) * (k + 1))}
        v, g = ad.value_and_grad(f)(p)
        got_v, got_g = step(p)
        np.testing.assert_allclose(to_numpy(got_v), to_numpy(v), rtol=1e-13)
        np.testing.assert_allclose(to_numpy(got_g["x"]), to_numpy(g["x"]), rtol=1e-13)


def test_donated_program_is_checked_after_tracing(backend, monkeypatch):
    # the check that a compiled program reproduces the function on other values was skipped
    # for donated arguments, so a value frozen in the program went unnoticed (as the
    # custom_jvp primal above did)
    from gpuad.jit import api

    calls = []
    real = api._verify
    monkeypatch.setattr(api, "_verify", lambda *a: calls.append(1) or real(*a))
    xp = ad.get_backend().xp
    f = ad.jit(lambda x: gnp.sin(x) * 2.0, donate_argnums=0)
    x = xp.asarray(np.arange(1.0, 4.0))
    want = to_numpy(gnp.sin(x) * 2.0)
    np.testing.assert_allclose(to_numpy(f(x)), want)
    assert calls == [1]


def test_tensor_made_inside_and_written_with_a_history_compiles(backend):
    # out = gpuad.tensor(gnp.zeros(n)); out[i] = v: the write gives out a history; jit refused
    # it as a tensor "it did not receive" though nothing outside could reach it
    xp = ad.get_backend().xp
    idx = xp.asarray(np.array([0, 2]))

    def f(x):
        out = ad.tensor(xp.zeros(4))
        out[idx] = x[idx] ** 2
        return gnp.sum(out * x)

    vg = ad.jit(ad.value_and_grad(f))
    for k in range(3):
        x = xp.asarray(np.arange(4.0) + k)
        (v, g), (ve, ge) = vg(x), ad.value_and_grad(f)(x)
        np.testing.assert_allclose(to_numpy(v), to_numpy(ve))
        np.testing.assert_allclose(to_numpy(g), to_numpy(ge))
    assert vg.cache_info()["misses"] == 1
    kept = []  # one the caller can reach still raises: the program cannot give it a history

    def g(x):
        out = ad.tensor(xp.zeros(4))
        kept.append(out)
        out[idx] = x[idx] ** 2
        return gnp.sum(out * x)

    from gpuad.jit import TracerError

    with pytest.raises(TracerError, match="did not receive"):
        ad.jit(ad.value_and_grad(g))(xp.asarray(np.arange(4.0)))


def test_reverse_over_forward_with_an_in_place_write_under_jit(backend):
    # while jit traces, forward-mode rules see Tensors made over the raw arrays, with version
    # counters of their own: an in-place write did not give the steps of its tangent private
    # copies of the old values (eager does), so the traced gradient read the written ones
    xp = ad.get_backend().xp
    x0 = xp.asarray(np.array([1.0, 2.0, 3.0]))
    w = xp.asarray(np.array([1.0, 10.0, 100.0]))

    def block(u):
        y = gnp.copy(u)
        y *= u
        return y

    def h(t):
        return gnp.sum(ad.jvp(block, (x0,), (t,))[1] * w)

    want = 2 * to_numpy(x0) * to_numpy(w)
    np.testing.assert_allclose(to_numpy(ad.grad(h)(xp.ones(3))), want)
    np.testing.assert_allclose(to_numpy(ad.jit(ad.grad(h), check=False)(xp.ones(3))), want)
    sq = ad.custom_jvp(block)  # a custom rule that is gpuad's own jvp of such a block
    sq.defjvp(lambda p, t: ad.jvp(block, p, t))
    vg = ad.jit(ad.value_and_grad(lambda x: gnp.sum(sq(x))), check=False)
    for k in range(3):
        x = xp.asarray(np.array([1.0, 2.0, 3.0]) + k)
        v, g = vg(x)
        np.testing.assert_allclose(to_numpy(g), 2 * to_numpy(x))
        np.testing.assert_allclose(to_numpy(v), np.sum(to_numpy(x) ** 2))


@pytest.mark.parametrize("then", ["astype", "add", "mul_arg"])
def test_lookup_of_a_constant_at_a_traced_index_stays_recorded(backend, then):
    # gnp.take of a constant table at a traced argmax has no Tensor argument (the index is a
    # parameter); its result must stay a Tensor while tracing, or a NumPy operator on it
    # (.astype, + 0) is computed once and replayed frozen on every later call
    xp = ad.get_backend().xp
    table = xp.arange(10) * 1.5

    def f(x):
        t = gnp.take(table, gnp.argmax(x, -1))
        if then == "astype":
            return t.astype(np.int32)
        if then == "add":
            return t + 0.0
        return (x * t).sum()

    j = ad.jit(f)
    for seed in range(4):
        x = xp.asarray(np.random.default_rng(seed).standard_normal(10))
        _same(j(x), f(x))
