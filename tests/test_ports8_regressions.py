"""What the eighth round of ported programs (tests/conformance/test_ports_programs_round8*.py)
found: HIPS autograd programs hand ``gpuad.scipy.stats`` their host NumPy data and draws
(``norm.logpdf(Y, mu, np.exp(log_sigma))`` with ``Y`` from ``npr.RandomState``); on the CuPy
backend the distributions computed ``x - loc`` between a NumPy and a CuPy array, which CuPy
refuses (``TypeError: Unsupported type <class 'numpy.ndarray'>``), where ``gpuad.numpy``'s
own functions take such mixtures. And ``ode_net``'s training step under ``gpuad.jit``: a
derivative through ``odeint`` raised a generic "conversion to a NumPy array" error at the
caller's line; it now names odeint's host-solved adjoint and says to differentiate outside.
The port of "How JAX primitives work" (a primitive as ``gpuad.custom_op``) found that
``jit(jvp)`` through the op's own jvp, and ``jit(vmap)`` of an op without a batching rule,
froze values of the traced call into the program (the jit check raised)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as sps
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.scipy import stats


@pytest.mark.parametrize(
    "dist, fn, params",
    [
        ("norm", "logpdf", (0.3, 1.7)),
        ("t", "logpdf", (4.0, 0.3, 1.7)),
        ("expon", "logpdf", (0.1, 1.7)),
        ("pareto", "cdf", (2.5, 0.0, 0.5)),
        ("poisson", "logpmf", (2.5,)),
        ("laplace", "cdf", (0.3, 1.7)),
    ],
)
def test_host_data_beside_backend_parameters(backend, dist, fn, params):
    x = np.array([0.5, 1.5, 3.0])
    want = getattr(getattr(sps, dist), fn)(x, *params)
    loc = [gnp.asarray(np.full(3, p)) for p in params]
    # host x with backend parameters, and backend x with host parameters
    got1 = getattr(getattr(stats, dist), fn)(x, *loc)
    got2 = getattr(getattr(stats, dist), fn)(gnp.asarray(x), *[np.full(3, p) for p in params])
    np.testing.assert_allclose(to_numpy(got1), want, rtol=1e-12)
    np.testing.assert_allclose(to_numpy(got2), want, rtol=1e-12)


def test_host_data_with_a_differentiated_parameter(backend):
    # the autograd program's shape: data drawn on the host, the parameter differentiated
    y = np.random.RandomState(0).randn(4)

    def f(mu):
        return gnp.sum(stats.norm.logpdf(y, mu, gnp.exp(0.2 * mu)))

    mu = gnp.asarray(np.array([0.1, -0.2, 0.3, 0.4]))
    s = np.exp(0.2 * to_numpy(mu))
    z = (y - to_numpy(mu)) / s
    # d/dmu [-z^2/2 - log s] with dz/dmu = -1/s - 0.2 z: z/s + 0.2 z^2 - 0.2
    want = z / s + 0.2 * z**2 - 0.2
    np.testing.assert_allclose(to_numpy(ad.grad(f)(mu)), want, rtol=1e-12)
    assert stats.norm(y.mean(), 2.0).logpdf(gnp.asarray(y)).shape == (4,)


def _decay(k):
    from gpuad.scipy.integrate import odeint

    y0 = gnp.asarray(np.array([2.0, 1.0]))
    t = gnp.asarray(np.linspace(0.0, 1.0, 4))
    return gnp.sum(odeint(lambda y, t, k: -k * y, y0, t, (k,)) ** 2)


def test_jit_of_an_odeint_derivative_names_odeint():
    # ode_net's training step compiled: the derivative through odeint failed with a generic
    # "conversion to a NumPy array" error at the caller's line; it names odeint and what to do
    k = gnp.asarray(np.array([0.5, 0.3]))
    with pytest.raises(ad.jit.TracerError, match=r"reverse derivative of odeint.*outside"):
        ad.jit(ad.value_and_grad(_decay))(k)
    with pytest.raises(ad.jit.TracerError, match=r"forward derivative of odeint"):
        ad.jit(lambda k: ad.jvp(_decay, (k,), (gnp.ones(2),))[1])(k)
    # odeint itself compiles, and the derivative outside the compiled function is exact
    np.testing.assert_allclose(to_numpy(ad.jit(_decay)(k)), to_numpy(_decay(k)), rtol=1e-12)
    kh = to_numpy(k)
    tt = np.linspace(0.0, 1.0, 4)
    # sum_t sum_i (y0_i exp(-k_i t))^2: d/dk_i = sum_t -2 t y0_i^2 exp(-2 k_i t)
    want = np.array(
        [
            np.sum(-2 * tt * y0**2 * np.exp(-2 * ki * tt))
            for ki, y0 in zip(kh, [2.0, 1.0], strict=True)
        ]
    )
    np.testing.assert_allclose(to_numpy(ad.grad(_decay)(k)), want, rtol=1e-6)


def _multiply_add():
    # How_JAX_primitives_work's multiply_add: a NumPy kernel with its own derivative rules
    def jvp(saved, tangents):
        x, y, _ = saved["inputs"]
        xt, yt, zt = (np.zeros_like(x) if t is None else t for t in tangents)
        return xt * y + x * yt + zt

    return ad.custom_op(
        lambda x, y, z: np.add(np.multiply(x, y), z),
        lambda saved, g: (g * saved["inputs"][1], g * saved["inputs"][0], g),
        jvp=jvp,
        name="multiply_add",
    )


def test_jit_of_a_custom_op_jvp_records_its_tangent():
    # the user's jvp ran on the trace's raw arrays and its tangent became a constant of the
    # program: jit(jvp) raised at its check (with check=False it would replay the first point)
    ma = _multiply_add()

    def f(vals, tans):
        return ad.jvp(lambda a, b: ma(a, a, b), vals, tans)

    jf = ad.jit(f, check=False)
    for a, b, ta, tb in [(2.0, 10.0, 1.0, 1.0), (3.0, -1.0, 0.5, 2.0)]:
        vals = (gnp.asarray(a), gnp.asarray(b))
        tans = (gnp.asarray(ta), gnp.asarray(tb))
        out, tan = jf(vals, tans)
        np.testing.assert_allclose(to_numpy(out), a * a + b)
        np.testing.assert_allclose(to_numpy(tan), 2 * a * ta + tb)
    ad.jit(f)((gnp.asarray(2.0), gnp.asarray(1.0)), (gnp.asarray(1.0), gnp.asarray(0.0)))


@pytest.mark.filterwarnings("ignore:vmap. primitive")
def test_jit_of_vmap_over_a_rule_without_batching_records_each_example():
    # the per-example loop sliced the traced arrays with Python indexing, which the trace does
    # not see: every replay returned the traced call's values
    ma = _multiply_add()
    f = ad.jit(ad.vmap(lambda x, y: ma(x, x, y)), check=False)
    rng = np.random.default_rng(0)
    for shape in [(2,), (3, 2)]:
        for _ in range(2):
            x, y = rng.normal(size=shape), rng.normal(size=shape)
            got = f(gnp.asarray(x), gnp.asarray(y))
            np.testing.assert_allclose(to_numpy(got), x * x + y, rtol=1e-15)


def test_nn_data_parallel_on_one_device():
    # the saved-tensors-hooks tutorial wraps its model in nn.DataParallel (single process),
    # which gpuad lacked (AttributeError); on one device torch's wrapper calls the module
    from gpuad import nn

    inner = nn.Linear(3, 2)
    net = nn.DataParallel(inner)
    x = gnp.asarray(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(to_numpy(net(x)), to_numpy(inner(x)))
    assert net.module is inner
    assert sorted(net.state_dict()) == ["module.bias", "module.weight"]
    net(x).sum().backward()
    np.testing.assert_array_equal(to_numpy(inner.bias.grad), [2.0, 2.0])
    with pytest.raises(NotImplementedError, match="gpuad.distributed.DataParallel"):
        nn.DataParallel(inner, device_ids=[0, 1])
