"""engine.apply's one-pass path (NumPy-backed Tensors and Python numbers) and value_and_grad's
shortcuts: what they hand to the general path still behaves as before."""

from __future__ import annotations

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import engine
from gpuad.engine import GradError
from gpuad.nn import Parameter
from gpuad.testing import check_grads


def _host(x):
    return np.asarray(x.numpy() if isinstance(x, ad.Tensor) else ad.get_backend().to_host(x))


def test_mixed_arguments_record_exact_gradients(backend):
    a = np.array([0.3, -1.2, 2.0])
    m = ad.get_backend().xp.asarray(np.array([2.0, 0.5, -1.0]))  # a raw backend array
    check_grads(lambda x: gnp.sum(gnp.sin(x) * m + 0.5 * x - x / 3.0 + 2 ** x), (a,), order=2)
    x = ad.tensor(a, requires_grad=True)
    gnp.sum(x * m * 2.0).backward()
    np.testing.assert_allclose(_host(x.grad), 2.0 * _host(m))


def test_a_fresh_leaf_gets_its_node_before_the_step_that_uses_it(backend):
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert x._node is None
    y = 3.0 * x  # the leaf is the second argument
    assert y._node.edges[1] is x._node and x._node.seq < y._node.seq
    gnp.sum(y * x).backward()
    np.testing.assert_allclose(_host(x.grad), [6.0, 12.0])


def test_a_parameter_is_recorded_like_a_tensor(backend):
    p = Parameter(np.array([0.5, -0.25]))
    gnp.sum(p * p + gnp.tanh(p)).backward()
    v = np.array([0.5, -0.25])
    np.testing.assert_allclose(_host(p.grad), 2 * v + 1 - np.tanh(v) ** 2)


def test_a_write_after_the_step_still_stops_backward(backend):
    x = ad.tensor(np.array([0.5, 1.5]), requires_grad=True)
    h = x * 2.0
    y = gnp.sin(h)  # saves h
    with ad.no_grad():
        h[0] = 9.0
    with pytest.raises(GradError, match="modified in place"):
        gnp.sum(y).backward()


def test_a_view_written_through_its_base_is_rebased(backend):
    x = ad.tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
    h = x * 1.0
    v = h[1:3]  # a view, recorded on the fast path
    r = h.reshape(2, 2)  # a view too
    assert v._base is h and r._base is h and v._ver is h._ver
    h[1] = h[1] * 10.0  # a recorded write to the base
    loss = gnp.sum(v * v) + gnp.sum(r)
    loss.backward()
    # v = (10 x1, x2): d/dx1 = 2 * (10 x1) * 10 + 10 (from r), d/dx2 = 2 x2 + 1
    np.testing.assert_allclose(_host(x.grad), [1.0, 400.0 + 10.0, 7.0, 1.0])


def test_one_element_index_is_a_copy_not_a_view(backend):
    x = ad.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    e = x[1]
    assert e._base is None and e.shape == ()
    (e * e).backward()
    np.testing.assert_allclose(_host(x.grad), [0.0, 4.0, 0.0])


def test_untracked_results_no_grad_and_integer_outputs(backend):
    x = ad.tensor(np.array([0.5, 2.0]), requires_grad=True)
    with ad.no_grad():
        y = gnp.sin(x)
    assert not y.requires_grad and y._node is None
    z = gnp.floor(x)  # piecewise constant: never recorded
    assert not z.requires_grad
    c = x > 1.0
    assert c.dtype == bool and not c.requires_grad


def test_forward_mode_and_complex_take_the_general_path(backend):
    a = np.array([0.3, 0.7])
    y, t = ad.jvp(lambda v: gnp.sin(v) * v, (a,), (np.ones(2),))
    np.testing.assert_allclose(_host(t), np.cos(a) * a + np.sin(a))
    z = ad.tensor(np.array([1.0 + 2.0j]), requires_grad=True)
    gnp.sum(gnp.abs(z * z)).backward()
    np.testing.assert_allclose(_host(z.grad), [2 * abs(1 + 2j) * (1 + 2j) / abs(1 + 2j)])


def test_anomaly_mode_still_checks_forward_values(backend):
    x = ad.tensor(np.array([0.0, 1.0]), requires_grad=True)
    with ad.detect_anomaly(), pytest.raises(ad.AnomalyError, match="log"), \
            np.errstate(invalid="ignore"):
        gnp.log(x * 0.0 - 1.0)


def test_a_numpy_fused_forward_is_used(backend, monkeypatch):
    be = ad.get_backend()
    if be.name != "numpy":
        pytest.skip("the numpy backend's table")
    calls = []

    def fwd(x):
        calls.append(x)
        return np.sin(x)

    monkeypatch.setitem(be.fused_fwd, "sin", fwd)
    x = ad.tensor(np.array([0.25]), requires_grad=True)
    y = gnp.sin(x)
    assert len(calls) == 1 and y.requires_grad


def test_a_list_beside_a_tensor_is_converted(backend):
    x = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * [3.0, 4.0]
    gnp.sum(y).backward()
    np.testing.assert_allclose(_host(x.grad), [3.0, 4.0])


def test_raw_inputs_follow_the_active_backend(backend):
    out = gnp.sin(np.array([0.5, 1.0]))
    assert type(out) is ad.get_backend().array_type
    np.testing.assert_allclose(_host(out), np.sin([0.5, 1.0]))


def test_sum_keeps_numpy_result_dtypes(backend):
    for a in (np.array([True, False, True]), np.arange(5, dtype=np.int8),
              np.ones((2, 3), np.float32)):
        for axis in (None, 0, (0,)):
            r = gnp.sum(ad.get_backend().xp.asarray(a), axis=axis)
            assert r.dtype == np.sum(a, axis=axis).dtype
            np.testing.assert_array_equal(_host(r), np.sum(a, axis=axis))


def test_value_and_grad_shortcuts_keep_their_errors(backend):
    with pytest.raises(TypeError, match="dtype int"):
        ad.value_and_grad(lambda v: gnp.sum(v * 1.0))(np.arange(3))
    with pytest.raises(TypeError, match="shape"):
        ad.value_and_grad(lambda v: v * 2.0)(np.ones(3))
    with pytest.raises(TypeError, match="complex"):
        ad.value_and_grad(lambda v: gnp.sum(v * 1j))(np.ones(3))
    with pytest.raises(TypeError, match="argnums"):
        ad.value_and_grad(lambda v: gnp.sum(v), argnums=3)(np.ones(3))
    val, g = ad.value_and_grad(lambda v: gnp.sum(v * v))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(_host(g), [2.0, 4.0])
    assert float(_host(val)) == 5.0


def test_value_and_grad_under_an_outer_transform(backend):
    # the inner call's output depends on the outer variable: its gradient is recorded
    def inner(y):
        return ad.grad(lambda v: gnp.sum(gnp.sin(v) * y))(y)

    a = np.array([0.4, 0.9])
    check_grads(lambda y: gnp.sum(inner(y)), (a,), order=1, modes=("rev",))
    # d/dy sum(cos(y) * y) = cos(y) - y sin(y)
    np.testing.assert_allclose(_host(ad.grad(lambda y: gnp.sum(inner(y)))(a)),
                               np.cos(a) - a * np.sin(a), rtol=1e-12)


def test_engine_apply_is_reached_by_operators(backend):
    x = ad.tensor(np.array([2.0]), requires_grad=True)
    for y in (x + 1.0, 1.0 + x, x - 1.0, 1.0 - x, x * 2.0, 2.0 * x, x / 2.0, 2.0 / x,
              x ** 2.0, 2.0 ** x):
        assert isinstance(y._node, engine.Node)


def test_forwards_with_parameters_on_numbers_and_arrays(backend):
    # sum, reshape and getitem call their parameters' NumPy form on a NumPy array only
    from gpuad.prims.indexing import getitem_
    from gpuad.prims.reductions import _sum
    from gpuad.prims.shapes import reshape_

    assert float(engine.apply(_sum.rule, (2.5,), {"axis": None, "keepdims": False,
                                                  "shape": ()})) == 2.5
    raw = np.arange(6.0)
    np.testing.assert_array_equal(
        _host(engine.apply(reshape_.rule, (raw,), {"newshape": (2, 3), "oldshape": (6,)})),
        raw.reshape(2, 3))
    x = ad.tensor(np.array([1.0, -2.0, 4.0]), requires_grad=True)
    y = x[1]
    assert y.shape == () and not np.shares_memory(_host(y), _host(x))
    gnp.sum(gnp.sum(x) * y + x.reshape(3, 1)[2, 0]).backward()
    np.testing.assert_allclose(_host(x.grad), [-2.0, 3.0 - 2.0 + 0.0, -2.0 + 1.0])
    assert getitem_.rule.np_params_fn is not None


def test_a_replaced_forward_drops_the_parameter_form():
    from gpuad.prims.core import Primitive

    p = Primitive("probe", impl=lambda xp, x, k: x * k)
    p.np_params_fn = lambda x, q: x * q["k"]
    p.impl = lambda xp, x, k: x + k
    assert p.np_params_fn is None


def _ops(x):
    """One-, two- and three-argument ops (apply1, apply2 and apply's loop)."""
    return [gnp.sin(x), x * x, x + 1.0, x[0], x.reshape(2, 1), gnp.where(x > 0.0, x, 2.0 * x)]


def test_no_grad_in_another_thread_leaves_this_one_recording(backend):
    import threading

    from gpuad import _state

    x = ad.tensor(np.array([0.5, -1.5]), requires_grad=True)
    entered, release = threading.Event(), threading.Event()
    seen = []

    def other():
        with ad.no_grad():
            entered.set()
            release.wait(10)
            seen.extend(y.requires_grad for y in _ops(x))

    th = threading.Thread(target=other)
    th.start()
    try:
        assert entered.wait(10) and _state.nograd[0] >= 1
        assert all(y.requires_grad for y in _ops(x))  # grad mode is per thread
    finally:
        release.set()
        th.join(10)
    assert seen and not any(seen)
    assert _state.nograd[0] == 0


def test_no_grad_blocks_are_counted_out_again(backend):
    from gpuad import _state

    x = ad.tensor(np.array([0.5, -1.5]), requires_grad=True)

    @ad.no_grad
    def untracked():
        return _ops(x)

    with pytest.raises(RuntimeError, match="inside"), ad.no_grad():
        with ad.enable_grad():
            assert all(y.requires_grad for y in _ops(x))
        assert not any(y.requires_grad for y in _ops(x))
        raise RuntimeError("inside")
    assert not any(y.requires_grad for y in untracked())
    assert _state.nograd[0] == 0 and all(y.requires_grad for y in _ops(x))


def test_views_are_told_as_numpy_makes_them(backend):
    """A reshape or index result is a view of its input (shares its version counter, has a
    base) exactly when NumPy's result shares the input's memory, on contiguous inputs,
    views of views and non-contiguous inputs whose reshape copies."""
    cases = [
        (lambda r: r, lambda t: t.reshape(3, 8), True),
        (lambda r: r[1:3], lambda t: t.reshape(12), True),  # a view of a view: the same root
        (lambda r: r.T, lambda t: t.reshape(24), False),  # non-contiguous: NumPy copies
        (lambda r: r.T, lambda t: t.reshape(4, 6), False),
        (lambda r: r.T, lambda t: t.reshape(6, 2, 2), True),  # splits an axis: a view
        (lambda r: r[:, :3], lambda t: t.reshape(12), False),
        (lambda r: r[::2], lambda t: t.reshape(2, 3, 2), True),  # strided rows: still a view
        (lambda r: r[1], lambda t: t[1:4], True),
        (lambda r: r.T[2], lambda t: t[::2], True),
    ]
    for view_of, f, is_view in cases:
        root = ad.tensor(np.arange(24.0).reshape(4, 6), requires_grad=True) * 1.0
        x = view_of(root)
        y = f(x)
        assert (y._base is not None) == is_view
        assert (y._ver is x._ver) == is_view
        if ad.get_backend().name == "numpy":
            assert np.shares_memory(y._data, root._data) == is_view
        before = _host(y).copy()
        with ad.no_grad():
            root[...] = root * 1.0 + 1.0  # a write through the root
        np.testing.assert_allclose(_host(y), before + 1.0 if is_view else before)
