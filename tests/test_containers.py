"""Lists and tuples of Tensors are arrays: gnp.array/asarray and every gpuad.numpy function
record their stack. Creation functions give constants; a recorded write into one raises, a
write into a Tensor is recorded. stop_gradient gives a constant."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads

X = np.array([1.0, 2.0, 3.0])


def _x():
    return gnp.asarray(X)


def _s(v=1.5):
    return gnp.asarray(np.array(v))


# ---- the examples of the issue ------------------------------------------------------------------

def test_array_of_a_list_holding_tensors(backend):
    g = ad.grad(lambda s: gnp.sum(gnp.array([s, s * 2.0, 3.0])))(_s())
    assert float(to_numpy(g)) == 3.0
    check_grads(lambda s: gnp.array([s, s * s, 3.0]) * s, [_s()])


def test_lists_mixing_backend_arrays_and_numbers(backend):
    # CuPy itself stacks only lists of CuPy arrays alone; these are stacked on the device,
    # with NumPy's dtype, never converted through the host
    a, b = _s(1.5), gnp.asarray(np.array(2.0, dtype=np.float32))
    for make in (gnp.array, gnp.asarray, ad.tensor):
        r = make([a, 3.0, [b, 1][0]])
        got = to_numpy(r.data if isinstance(r, ad.Tensor) else r)
        np.testing.assert_array_equal(got, np.array([1.5, 3.0, 2.0]))
        assert got.dtype == np.float64
    r = gnp.array([[b, 1.0], [2, b]], dtype=np.float32)
    assert to_numpy(r).dtype == np.float32
    np.testing.assert_array_equal(to_numpy(r), [[2.0, 1.0], [2.0, 2.0]])
    with pytest.raises(ValueError, match="inhomogeneous"):
        gnp.array([a, [a, 1.0]])
    assert float(to_numpy(gnp.sum(gnp.broadcast_to(2.5, (2, 3))))) == 15.0


def test_asarray_keeps_the_tensor_on_the_tape(backend):
    g = ad.grad(lambda v: gnp.sum(gnp.asarray(v) * v))(_x())
    np.testing.assert_allclose(to_numpy(g), 2 * X)
    t = ad.tensor(_x(), requires_grad=True)
    assert gnp.asarray(t) is t
    assert gnp.asarray(t, dtype=np.float32).dtype == np.float32


def test_array_of_a_tensor_is_a_recorded_copy(backend):
    def f(v):
        c = gnp.array(v)
        assert c is not v and c.data is not v.data
        return c * v

    check_grads(f, [_x()])
    np.testing.assert_allclose(to_numpy(ad.grad(lambda v: gnp.sum(f(v)))(_x())), 2 * X)
    t = ad.tensor(_x())
    assert gnp.array(t, copy=False) is t
    with pytest.raises(ValueError, match="copy=False"):
        gnp.array(t, dtype=np.float32, copy=False)


def test_reductions_of_lists(backend):
    np.testing.assert_allclose(to_numpy(ad.grad(lambda v: gnp.sum([v[0], v[1]]))(_x())),
                               [1.0, 1.0, 0.0])
    assert float(to_numpy(ad.grad(lambda s: gnp.mean([s, s]))(_s(1.0)))) == 1.0
    check_grads(lambda v: gnp.mean([v[0] * v[1], v[2], 4.0]), [_x()])
    check_grads(lambda v: gnp.prod((v[0], v[1] * v[2])), [_x()])


def test_linspace_with_tensor_endpoints(backend):
    g = ad.grad(lambda s: gnp.sum(gnp.linspace(s, 2 * s, 5)))(_s(1.0))
    assert float(to_numpy(g)) == pytest.approx(7.5, rel=1e-14)


# ---- every function takes lists ------------------------------------------------------------------

LISTS = [
    ("dot", lambda v: gnp.dot([v[0], v[1], 1.0], v)),
    ("dot nested", lambda v: gnp.dot([[v[0], 1.0, 0.5], [v[1], v[2], 2.0]], v)),
    ("matmul", lambda v: gnp.matmul([[v[0], v[1]], [v[2], 1.0]], [v[1], v[2]])),
    ("add (primitive)", lambda v: gnp.add([v[0], v[1], v[2]], v)),
    ("multiply scalar list", lambda v: gnp.multiply((v[0], 2.0), 3.0)),
    ("maximum", lambda v: gnp.maximum([v[0], 2.5], v[1:])),
    ("sin", lambda v: gnp.sin([v[0], v[2]])),
    ("where", lambda v: gnp.where([True, False, True], [v[2], v[1], v[0]], v)),
    ("stack of lists", lambda v: gnp.stack([[v[0], v[1]], v[1:]])),
    ("concatenate list", lambda v: gnp.concatenate([[v[0], 7.0], v])),
    ("einsum", lambda v: gnp.einsum("i,i->", [v[0], v[1]], [v[2], v[2]])),
    ("outer", lambda v: gnp.outer([v[0], v[1]], v)),
    ("cross", lambda v: gnp.cross([v[2], v[1], v[0]], v)),
    ("var", lambda v: gnp.var([v[0], v[1] * v[2], 1.0])),
    ("average weights", lambda v: gnp.average(v, weights=[v[0], 1.0, 2.0])),
    ("clip bounds", lambda v: gnp.clip(v, [v[0] * 0.5, 0.0, 0.0], 2.5)),
    ("reshape", lambda v: gnp.reshape([v[0], v[1], v[2], 1.0], (2, 2))),
    ("transpose nested", lambda v: gnp.transpose([[v[0], v[1]], [v[2], 1.0]])),
    ("linalg.norm", lambda v: gnp.linalg.norm([v[0], 2 * v[1]])),
    ("linalg.det", lambda v: gnp.linalg.det([[v[0], v[1]], [0.5, v[2]]])),
    ("tuple of tuples", lambda v: gnp.sum(((v[0], v[1]), (v[2], v[0])), axis=0)),
    ("0-d and 1-element", lambda v: gnp.array([v[0:1], [2.0]])),
    ("method on a stack", lambda v: gnp.asarray([v[0], v[1]]).sum() * v),
    ("Tensor.dot of a list", lambda v: _tensor(v).dot([v[2], v[0], 1.0])),
    ("Tensor.clip to lists", lambda v: _tensor(v).clip([v[0] * 0.5, 0.0, 0.0], 2.5)),
]


def _tensor(v):
    """``v`` as a Tensor: check_grads also calls the function on raw arrays, whose own methods
    (CuPy's ndarray.dot, ndarray.clip) take no lists."""
    return v if isinstance(v, ad.Tensor) else ad.tensor(v)


@pytest.mark.parametrize("case", LISTS, ids=lambda c: c[0])
def test_functions_take_lists_of_tensors(backend, case):
    _, f = case
    check_grads(f, [_x()])
    # the same lists holding plain numbers give the same values
    np.testing.assert_allclose(to_numpy(f(ad.tensor(_x()))), to_numpy(f(_x())), rtol=1e-13)


def test_lists_of_constants_are_arrays(backend):
    assert float(to_numpy(gnp.mean([1.0, 2.0]))) == 1.5
    assert float(to_numpy(gnp.var([1.0, 3.0]))) == 1.0
    np.testing.assert_array_equal(to_numpy(gnp.take(_x(), [2, 0])), [3.0, 1.0])
    np.testing.assert_array_equal(to_numpy(gnp.array([[1, 2], [3, 4]])), [[1, 2], [3, 4]])


def test_ragged_lists_raise(backend):
    with pytest.raises(ValueError, match="different shapes"):
        ad.grad(lambda v: gnp.sum(gnp.array([v, v[0:2]])))(_x())
    with pytest.raises(ValueError, match="different shapes"):
        ad.grad(lambda v: gnp.sum([v, 1.0]))(_x())


def test_dtype_follows_numpy(backend):
    s32 = ad.tensor(np.float32(1.5))
    a = gnp.array([s32, s32])
    assert a.dtype == np.float32
    assert gnp.array([s32, 2.0]).dtype == np.array([np.float32(1.5), 2.0]).dtype
    assert gnp.array([s32, s32], dtype=np.float64).dtype == np.float64


def test_index_tuples_are_not_stacked(backend):
    i, j = ad.tensor(gnp.asarray(np.array(0))), ad.tensor(gnp.asarray(np.array(1)))
    m = gnp.asarray(np.arange(6.0).reshape(2, 3))
    assert float(to_numpy(ad.tensor(m)[(i, j)])) == 1.0
    assert float(to_numpy(gnp.getitem(m, (i, j)))) == 1.0


# ---- linspace, logspace, geomspace -------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"endpoint": False}, {"num": 1}, {"num": 2}],
                         ids=["default", "no-endpoint", "one", "two"])
def test_linspace_values_and_gradients(backend, kw):
    num = kw.get("num", 6)
    kw = {k: v for k, v in kw.items() if k != "num"}
    a, b = 0.3, 2.2
    got = gnp.linspace(ad.tensor(_s(a)), ad.tensor(_s(b)), num, **kw)
    np.testing.assert_array_equal(to_numpy(got), np.linspace(a, b, num, **kw))
    check_grads(lambda s, t: gnp.linspace(s, t, num, **kw), [_s(a), _s(b)])


def test_linspace_array_endpoints_axis_retstep(backend):
    lo, hi = np.array([0.0, 1.0]), np.array([2.0, -1.0])
    got, step = gnp.linspace(ad.tensor(gnp.asarray(lo)), ad.tensor(gnp.asarray(hi)), 4,
                             retstep=True, axis=1)
    want, wstep = np.linspace(lo, hi, 4, retstep=True, axis=1)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-15)
    np.testing.assert_allclose(to_numpy(step), wstep, rtol=1e-15)
    check_grads(lambda a, b: gnp.linspace(a, b, 4, axis=1), [gnp.asarray(lo), gnp.asarray(hi)])
    check_grads(lambda a, b: gnp.linspace(a, b, 4, retstep=True)[1], [gnp.asarray(lo),
                                                                        gnp.asarray(hi)])
    check_grads(lambda s: gnp.linspace(0.0, s, 3), [_s()])  # one Tensor endpoint


def test_linspace_without_tensors_is_a_backend_array(backend):
    r = gnp.linspace(0.0, 1.0, 5)
    assert type(r) is ad.get_backend().array_type
    np.testing.assert_array_equal(to_numpy(r), np.linspace(0.0, 1.0, 5))


def test_logspace_and_geomspace(backend):
    got = gnp.logspace(ad.tensor(_s(0.5)), ad.tensor(_s(1.5)), 4, base=3.0)
    np.testing.assert_allclose(to_numpy(got), np.logspace(0.5, 1.5, 4, base=3.0), rtol=1e-14)
    check_grads(lambda s, t: gnp.logspace(s, t, 4, base=3.0), [_s(0.5), _s(1.5)])
    check_grads(lambda s, b: gnp.logspace(0.2, s, 3, base=b), [_s(0.5), _s(2.5)])
    for a, b in ((0.5, 4.0), (-2.0, -0.25)):
        got = gnp.geomspace(ad.tensor(_s(a)), ad.tensor(_s(b)), 5)
        np.testing.assert_allclose(to_numpy(got), np.geomspace(a, b, 5), rtol=1e-14)
        check_grads(lambda s, t: gnp.geomspace(s, t, 5), [_s(a), _s(b)])
    with pytest.raises(ValueError, match="same sign"):
        gnp.geomspace(ad.tensor(_s(-1.0)), ad.tensor(_s(2.0)), 3)


# ---- creation functions and writes --------------------------------------------------------------

CREATORS = [
    ("zeros", lambda v: gnp.zeros(3)),
    ("empty", lambda v: gnp.empty(3)),
    ("ones", lambda v: gnp.ones(3)),
    ("full", lambda v: gnp.full(3, 2.0)),
    ("zeros_like", lambda v: gnp.zeros_like(v)),
    ("empty_like", lambda v: gnp.empty_like(v)),
    ("full_like", lambda v: gnp.full_like(v, 0.5)),
    ("array", lambda v: gnp.array([0.0, 0.0, 0.0])),
]


@pytest.mark.parametrize("case", CREATORS, ids=lambda c: c[0])
def test_recorded_writes_into_creation_results_raise(backend, case):
    _, make = case

    def f(v):
        out = make(v)
        for i in range(3):
            out[i] = v[i] ** 2
        return gnp.sum(gnp.asarray(out))

    with pytest.raises((TypeError, ValueError)) as e:
        ad.grad(f)(_x())
    msg = []
    err = e.value
    while err is not None:
        msg.append(str(err))
        err = err.__cause__ or err.__context__
    text = " | ".join(msg)
    assert "gradient" in text and ("gpuad.tensor" in text or "numpy()" in text), text


@pytest.mark.parametrize("case", CREATORS, ids=lambda c: c[0])
def test_writes_into_a_tensor_buffer_are_recorded(backend, case):
    _, make = case

    def f(v):
        out = ad.tensor(make(v))
        for i in range(3):
            out[i] = v[i] ** 2
        out[1:] = out[1:] + v[0]
        return out * v

    check_grads(f, [_x()])
    g = ad.grad(lambda v: gnp.sum(f(v)))(_x())
    want = 3 * X ** 2
    want[0] += X[1] + X[2]
    want[1:] += X[0]
    np.testing.assert_allclose(to_numpy(g), want)


def test_constant_writes_into_creation_results_still_work(backend):
    out = gnp.zeros(3)
    t = ad.tensor(_x())
    out[0] = t[0]  # not recorded: nothing to lose
    out[1:] = t[1:]
    np.testing.assert_array_equal(to_numpy(out), X)


# ---- stop_gradient ----------------------------------------------------------------------------

def test_stop_gradient(backend):
    assert gnp.stop_gradient is ad.stop_gradient
    g = ad.grad(lambda v: gnp.sum(v * ad.stop_gradient(v)))(_x())
    np.testing.assert_allclose(to_numpy(g), X)
    _, t = ad.jvp(lambda v: v * ad.stop_gradient(v * v), (_x(),), (gnp.ones_like(_x()),))
    np.testing.assert_allclose(to_numpy(t), X * X)
    h = ad.grad(lambda s: ad.grad(lambda u: u * ad.stop_gradient(u) * u)(s))(_s(2.0))
    assert float(to_numpy(h)) == pytest.approx(2 * 2.0)
    tree = ad.stop_gradient({"a": ad.tensor(_x(), requires_grad=True), "b": [1.0, _x()]})
    assert not tree["a"].requires_grad and tree["b"][0] == 1.0
    np.testing.assert_array_equal(to_numpy(tree["a"]), X)


def test_spaces_match_jax(backend):
    jax = pytest.importorskip("jax")
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        _compare_spaces_with_jax(jax)
    finally:
        jax.config.update("jax_enable_x64", before)


def _compare_spaces_with_jax(jax):
    jnp = jax.numpy
    w = np.array([0.3, -1.2, 0.8, 2.0, 0.1])
    for name, a, b in (("linspace", 0.4, 2.5), ("logspace", 0.4, 1.5), ("geomspace", 0.4, 2.5)):
        def ours(s, t, name=name):
            return gnp.sum(getattr(gnp, name)(s, t, 5) * gnp.asarray(w))

        def theirs(s, t, name=name):
            return jnp.sum(getattr(jnp, name)(s, t, 5) * w)

        got = ad.grad(ours, argnums=(0, 1))(_s(a), _s(b))
        want = jax.grad(theirs, argnums=(0, 1))(a, b)
        np.testing.assert_allclose([float(to_numpy(g)) for g in got],
                                   [float(v) for v in want], rtol=1e-12)
