"""Programs written for JAX, not ported elsewhere, run in JAX (x64) and in gpuad from the same
data:

- "JAX - The Sharp Bits" (``Common_Gotchas_in_JAX``): pure functions with internal state under
  ``jit``, ``fori_loop``/``scan``/``cond`` and their gradients, functional index updates
  (``.at[...].set``/``add``/``get(mode=...)``), Python control flow under ``grad`` and under
  ``jit`` with ``static_argnums``, statically unrolled loops, ``while_loop`` forward-mode;
- the JAX FAQ: ``jit`` and float64 numerics, NaN gradients through ``where`` and the safe
  double ``where``, gradients of functions of the sort order, conversions of tracers to NumPy,
  ``jit`` of a function reading a changing global;
- "External callbacks" (``external_callbacks``): ``pure_callback`` of a NumPy function under
  ``jit``, ``vmap`` and ``scan``; ``io_callback`` drawing from a host generator, under ``jit``
  and ``vmap``, refusing ``ordered=True`` under ``vmap``; ``debug.callback``; SciPy's Bessel
  function ``jv`` behind ``pure_callback(vmap_method="broadcast_all")`` with a ``custom_jvp``,
  differentiated twice (``hessian``).

Each program is written once against a namespace of JAX's names or of the gpuad names
docs/porting.md gives; values and derivatives must agree to about 1e-12 relative, and the
derivatives are also checked against central differences. Differences kept, documented
behaviour: an out-of-range index into an array or ``.at[i].set`` without ``mode=`` raises
``IndexError`` in gpuad (JAX clamps reads and drops writes), so the program passes ``mode``;
``jnp.sum([1, 2, 3])`` is NumPy's sum of a list in gpuad (JAX refuses lists);
``while_loop`` is also reverse-differentiable in gpuad (JAX: forward mode only); Python
numbers passed to ``gpuad.jit`` are static (JAX traces them, and its ``if x < 3`` on one
raises), so the programs pass arrays there; the unsafe ``where(x > 0, log(x), 0)`` has the
gradient 0 at 0 in gpuad (its zero guard, docs/semantics.md), NaN in JAX; a ``gpuad.jit``
function reading a global that changes traces again (JAX keeps the value it traced).
"""

from __future__ import annotations

import functools
import types

import numpy as onp
import pytest
import scipy.special
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

R = onp.random.default_rng(6006)


@pytest.fixture(autouse=True)
def _fresh_draws():
    global R
    R = onp.random.default_rng(6006)


def gpuad_J():
    from gpuad import lax
    from gpuad.experimental import io_callback
    from gpuad.jit.trace import TracerError

    return types.SimpleNamespace(
        lib="gpuad", np=gnp, lax=lax, jit=ad.jit, grad=ad.grad, jvp=ad.jvp, vmap=ad.vmap,
        hessian=ad.hessian, custom_jvp=ad.custom_jvp, at=ad.at,
        pure_callback=ad.pure_callback, io_callback=io_callback,
        debug_callback=ad.debug.callback, ShapeDtypeStruct=ad.ShapeDtypeStruct,
        asarray=lambda a: ad.get_backend().xp.asarray(a), TracerError=TracerError)


def jax_J():
    from jax.experimental import io_callback

    return types.SimpleNamespace(
        lib="jax", np=jnp, lax=jax.lax, jit=jax.jit, grad=jax.grad, jvp=jax.jvp,
        vmap=jax.vmap, hessian=jax.hessian, custom_jvp=jax.custom_jvp, at=lambda x: x.at,
        pure_callback=jax.pure_callback, io_callback=io_callback,
        debug_callback=jax.debug.callback, ShapeDtypeStruct=jax.ShapeDtypeStruct,
        asarray=jnp.asarray, TracerError=jax.errors.TracerBoolConversionError)


def _leaves(t):
    return jax.tree_util.tree_leaves(t, is_leaf=lambda x: isinstance(x, ad.Tensor))


def _same(a, b, rtol=1e-12, atol=1e-14, msg=""):
    la, lb = _leaves(a), _leaves(b)
    assert len(la) == len(lb), msg
    for i, (x, y) in enumerate(zip(la, lb, strict=True)):
        np_x = to_numpy(x) if isinstance(x, ad.Tensor) or hasattr(x, "shape") else onp.asarray(x)
        onp.testing.assert_allclose(np_x, onp.asarray(y), rtol=rtol, atol=atol,
                                    err_msg=f"{msg} leaf {i}")


def _fd(f, x, h=1e-6):
    x = onp.asarray(x, dtype=float)
    g = onp.zeros_like(x)
    for i in onp.ndindex(x.shape):
        e = onp.zeros_like(x)
        e[i] = h
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * h)
    return g


# ============================ "JAX - The Sharp Bits" (Common Gotchas) ============================


def sharp_bits(J, x3, x10):
    np, lax, jit, grad = J.np, J.lax, J.jit, J.grad
    out = {}

    def pure_uses_internal_state(x):
        state = dict(even=0, odd=0)
        for i in range(10):
            state['even' if i % 2 == 0 else 'odd'] += x
        return state['even'] + state['odd']

    out["internal state"] = jit(pure_uses_internal_state)(J.asarray(5.))
    out["internal state grad"] = grad(pure_uses_internal_state)(5.)

    # lax.fori_loop over an array read by index, and its gradient (a static trip count)
    array = np.arange(10.)
    out["fori"] = lax.fori_loop(0, 10, lambda i, x: x + array[i], 0.)
    out["fori grad"] = grad(lambda a: lax.fori_loop(0, 10, lambda i, x: x * 0.5 + a[i] ** 2,
                                                    0.))(x10)

    def func11(arr, extra):
        ones = np.ones(arr.shape)

        def body(carry, aelems):
            ae1, ae2 = aelems
            return (carry + ae1 * ae2 + extra, carry)
        return lax.scan(body, 0., (arr, ones))

    out["scan"] = func11(np.arange(16.), 5.)
    out["scan grad"] = grad(lambda arr, extra: func11(arr, extra)[0] + func11(
        arr, extra)[1].sum() ** 2 / 100, argnums=(0, 1))(np.arange(16.), 5.)

    array_operand = J.asarray(onp.array([0.]))
    out["cond"] = [lax.cond(True, lambda x: x + 1, lambda x: x - 1, array_operand),
                   lax.cond(False, lambda x: x + 1, lambda x: x - 1, array_operand)]
    out["cond grad"] = grad(lambda x: lax.cond(x[0] > 0, lambda x: (x ** 3).sum(),
                                               lambda x: np.sin(x).sum(), x))(x3)

    # in-place updates, functionally
    jax_array = np.zeros((3, 3))
    new_jax_array = J.at(jax_array)[1, :].set(1.)
    out["at set"] = [jax_array, new_jax_array]
    out["at add"] = J.at(np.ones((5, 6)))[::2, 3:].add(7.)
    out["at grad"] = grad(lambda x: (J.at(x)[1:].multiply(x[:2]) ** 2).sum()
                          + J.at(x)[0].get() * 3.)(x3)

    # out-of-bounds indexing: clamped reads and dropped writes, asked for explicitly
    a = np.arange(10.)
    out["oob get clip"] = J.at(a)[11].get(mode="clip")
    out["oob get fill"] = J.at(a)[11].get(mode="fill", fill_value=-1.)
    out["oob set drop"] = J.at(a)[11].set(5., mode="drop")
    out["oob grad"] = grad(lambda x: J.at(x)[np.array([0, 7, 2])].get(mode="clip").sum()
                           + J.at(x)[np.array([1, 9])].get(mode="fill", fill_value=0.).sum())(x3)

    # Python control flow under grad; under jit with static_argnums
    def f(x):
        if x < 3:
            return 3. * x ** 2
        else:
            return -4 * x

    out["python if grad"] = [grad(f)(2.), grad(f)(4.)]
    out["static if"] = jit(f, static_argnums=(0,))(2.)

    @jit
    def g(x):
        y = 0.
        for i in range(x.shape[0]):
            y = y + x[i]
        return y

    out["unrolled"] = [g(x3), grad(g)(x3)]

    def h(x, n):
        y = 0.
        for i in range(n):
            y = y + x[i]
        return y

    hs = jit(h, static_argnums=(1,))
    out["static n"] = [hs(x3, 2), hs(x3, 3), grad(hs)(x3, 2)]

    def example_fun(length, val):
        return np.ones((length,)) * val

    good_example_jit = jit(example_fun, static_argnums=(0,))
    out["static length"] = [good_example_jit(10, 4.), good_example_jit(5, 4.)]

    # while_loop: forward mode
    def cube(x):
        return lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * x), (0, 1.))[1]

    out["while"] = lax.while_loop(lambda x: x < 10, lambda x: x + 1, 0)
    out["while jvp"] = J.jvp(cube, (2.,), (1.,))
    out["fori ints"] = lax.fori_loop(0, 10, lambda i, x: x + i, 0)
    return out


def test_sharp_bits():
    x3, x10 = R.normal(size=3), R.normal(size=10)
    x3[0] = abs(x3[0]) + 0.1
    want = sharp_bits(jax_J(), x3, x10)
    G = gpuad_J()
    got = sharp_bits(G, G.asarray(x3), G.asarray(x10))
    assert sorted(got) == sorted(want)
    for k in want:
        _same(got[k], want[k], msg=k)
    # the derivatives against central differences
    gnp_ = G.np

    def fori_loss(a):
        return G.lax.fori_loop(0, 10, lambda i, x: x * 0.5 + a[i] ** 2, 0.)

    onp.testing.assert_allclose(to_numpy(got["fori grad"]),
                                _fd(lambda a: fori_loss(G.asarray(a)), x10), rtol=1e-7)
    onp.testing.assert_allclose(
        to_numpy(got["at grad"]),
        _fd(lambda x: (G.at(gnp_.asarray(x))[1:].multiply(x[:2]) ** 2).sum() + 3 * x[0], x3),
        rtol=1e-7)
    # what the sharp bits say fails, fails in gpuad too, with errors that say what to do
    with pytest.raises(IndexError, match="out of bounds"):
        G.np.arange(10.)[11]
    with pytest.raises(IndexError, match="mode='drop'"):
        G.at(G.np.arange(10.))[11].set(5.)

    def f(x):
        if x < 3:
            return 3. * x ** 2
        return -4 * x

    with pytest.raises(G.TracerError, match="static"):
        G.jit(f)(G.asarray(2.))
    with pytest.raises(jax.errors.TracerBoolConversionError):
        jax.jit(f)(2.)


# ================================ External callbacks ================================


def external_callbacks(J, x, z, seed):
    np, jit, vmap = J.np, J.jit, J.vmap
    out = {}

    def f_host(x):
        return onp.sin(x).astype(x.dtype)

    def f(x):
        result_shape = J.ShapeDtypeStruct(x.shape, x.dtype)
        return J.pure_callback(f_host, result_shape, x, vmap_method="sequential")

    out["pure"] = [f(x), jit(f)(x), vmap(f)(x)]

    def body_fun(_, x):
        return _, f(x)

    out["pure in scan"] = J.lax.scan(body_fun, None, x)[1]
    with pytest.raises(Exception, match="(?i)differentiat|jvp|derivative"):
        J.grad(lambda x: f(x).sum())(x)

    global_rng = onp.random.default_rng(seed)
    calls = []

    def host_side_random_like(x):
        calls.append((str(x.dtype), x.shape))
        return global_rng.uniform(size=x.shape).astype(x.dtype)

    @jit
    def numpy_random_like(x):
        return J.io_callback(host_side_random_like, x, x)

    x0 = np.zeros(5)
    out["io"] = [numpy_random_like(x0), numpy_random_like(x0), vmap(numpy_random_like)(x0)]
    out["io calls"] = onp.array([len(calls)], float)

    @jit
    def numpy_random_like_ordered(x):
        return J.io_callback(host_side_random_like, x, x, ordered=True)

    with pytest.raises(Exception, match="ordered"):
        vmap(numpy_random_like_ordered)(x0)
    with pytest.raises(Exception):  # noqa: B017 (JAX and gpuad word it differently)
        J.grad(lambda x: numpy_random_like(x).sum())(x)

    logged = []

    def log_value(x):
        logged.append(onp.asarray(x).copy())

    def g(x):
        J.debug_callback(log_value, x)
        return x * x

    out["debug grad"] = J.grad(g)(2.0)
    out["debug logged"] = onp.array(logged[-1:])

    # Bessel functions by scipy through a callback, given a custom JVP
    def jv(v, z):
        v, z = np.asarray(v), np.asarray(z)
        assert np.issubdtype(v.dtype, np.integer)
        z = z.astype(np.result_type(float, z.dtype))
        _scipy_jv = lambda v, z: scipy.special.jv(v, z).astype(z.dtype)  # noqa: E731
        result_shape_dtype = J.ShapeDtypeStruct(
            shape=np.broadcast_shapes(v.shape, z.shape), dtype=z.dtype)
        return J.pure_callback(_scipy_jv, result_shape_dtype, v, z, vmap_method="broadcast_all")

    j1 = functools.partial(jv, 1)
    out["jv"] = [j1(z), jit(j1)(z), vmap(j1)(z)]
    with pytest.raises(Exception, match="(?i)differentiat|jvp|derivative"):
        J.grad(j1)(2.0)

    jv = J.custom_jvp(jv)

    @jv.defjvp
    def _jv_jvp(primals, tangents):
        v, z = primals
        _, z_dot = tangents
        jv_minus_1, jv_plus_1 = jv(v - 1, z), jv(v + 1, z)
        djv_dz = np.where(v == 0, -jv_plus_1, 0.5 * (jv_minus_1 - jv_plus_1))
        return jv(v, z), z_dot * djv_dz

    j1 = functools.partial(jv, 1)
    j0 = functools.partial(jv, 0)
    out["jv grad"] = [J.grad(j1)(2.0), J.grad(j0)(2.0), vmap(J.grad(j1))(z)]
    out["jv hessian"] = J.hessian(j1)(2.0)
    out["jv grad jit"] = jit(J.grad(lambda z: (j1(z) * j0(z)).sum()))(z)
    return out


def test_external_callbacks():
    x, z = R.normal(size=4), onp.linspace(0.5, 4.0, 5)
    want = external_callbacks(jax_J(), x, z, 7)
    G = gpuad_J()
    got = external_callbacks(G, G.asarray(x), G.asarray(z), 7)
    assert sorted(got) == sorted(want)
    for k in want:
        _same(got[k], want[k], msg=k)
    # the derivatives are those of the Bessel functions: J1' = (J0 - J2) / 2, J0' = -J1
    onp.testing.assert_allclose(to_numpy(got["jv grad"][2]),
                                (scipy.special.jv(0, z) - scipy.special.jv(2, z)) / 2,
                                rtol=1e-12)
    onp.testing.assert_allclose(float(got["jv hessian"]), scipy.special.jvp(1, 2.0, n=2),
                                rtol=1e-12)


# ======================================== JAX FAQ ========================================


def faq(J, x3):
    np, grad, jit = J.np, J.grad, J.jit
    out = {}

    # "jit changes the exact numerics of outputs": the same value in float64 up to rounding
    def f(x, y):
        return x + y - x

    out["numerics"] = [f(J.asarray(1.0), J.asarray(0.001)),
                       jit(f)(J.asarray(1.0), J.asarray(0.001))]

    # "Gradients contain NaN where using where": the safe form with a second where
    def my_log(x):
        return np.where(x > 0., np.log(x), 0.)

    def my_log_safe(x):
        safe_x = np.where(x > 0., x, 1.)
        return np.where(x > 0., np.log(safe_x), 0.)

    with onp.errstate(divide="ignore"):  # log(0) of the unselected branch: NumPy warns
        out["my_log"] = [my_log(0.), my_log(3.), grad(my_log)(3.)]
    out["my_log_safe"] = [grad(my_log_safe)(0.), grad(my_log_safe)(2.),
                          J.vmap(grad(my_log_safe))(np.abs(x3))]

    # "Why are gradients zero for functions based on sort order?"
    def my_func(x):
        mask = x > 0
        return (np.where(mask, x, 0.) * mask).sum()

    out["sort order"] = [grad(lambda x: (x > 0).astype(x.dtype).sum())(x3),
                         grad(lambda x: np.argsort(x).astype(x.dtype).sum())(x3),
                         grad(my_func)(x3),
                         grad(lambda x: np.sort(x)[-1] * 2. + np.max(x))(x3)]

    # "How can I convert a JAX Tracer to NumPy?": outside jit, np.asarray of an array works
    def sum_of_squares(x):
        return np.sum(x ** 2)

    out["sum_of_squares"] = [jit(sum_of_squares)(x3), grad(sum_of_squares)(x3)]
    return out


def test_faq():
    x3 = R.normal(size=3)
    want = faq(jax_J(), x3)
    G = gpuad_J()
    got = faq(G, G.asarray(x3))
    assert sorted(got) == sorted(want)
    for k in want:
        _same(got[k], want[k], msg=k)
    # the unsafe my_log at 0: JAX's chain rule gives 0 * inf = NaN; gpuad's zero guard gives 0
    # (docs/semantics.md, "where and NaN in the unselected branch"): the left derivative
    assert onp.isnan(float(jax.grad(lambda x: jnp.where(x > 0., jnp.log(x), 0.))(0.)))
    with onp.errstate(divide="ignore"):
        assert float(ad.grad(lambda x: gnp.where(x > 0., gnp.log(x), 0.))(0.)) == 0.0
    # "jit changes the behavior of my function": JAX keeps the global read at trace time;
    # gpuad.jit sees the global change and traces again, as the eager function computes
    results = {}
    for lib, jit, asarray in (("jax", jax.jit, jnp.asarray), ("gpuad", ad.jit, G.asarray)):
        y = 0

        def impure_func(x):
            return x + y

        jf = jit(impure_func)
        results[lib] = []
        for y in range(3):  # noqa: B007 (read by impure_func)
            results[lib].append(float(jf(asarray(float(y)))))
    assert results["jax"] == [0.0, 1.0, 2.0]
    assert results["gpuad"] == [0.0, 2.0, 4.0]
    # a NumPy conversion of a traced value raises, naming it, in both
    with pytest.raises(jax.errors.TracerArrayConversionError):
        jax.jit(lambda x: onp.sum(onp.asarray(x) ** 2))(jnp.arange(3.))
    with pytest.raises(G.TracerError, match="NumPy array"):
        ad.jit(lambda x: onp.sum(onp.asarray(x) ** 2))(gnp.arange(3.))
