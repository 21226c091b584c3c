"""What the ninth round of ported programs (tests/conformance/test_ports_programs_round9*.py)
found: llama2.c's ``Transformer`` registers its rotary tables with
``register_buffer(name, t, persistent=False)``, which gpuad's ``Module`` did not take (a
``TypeError``); such buffers are now listed by ``named_buffers`` but left out of
``state_dict`` and of what ``load_state_dict`` expects, as torch's. karpathy's
ng-video-lecture ``gpt.py`` creates its arrays with ``device=``; NumPy 2's creation
functions take ``device=`` (``"cpu"``), but gpuad's ``zeros``, ``ones``, ``empty``, their
``_like`` forms, ``eye``, ``linspace`` and ``asarray`` raised ``TypeError`` and
``full``/``full_like`` swallowed any device silently (``arange`` passed it to the backend).
Each now takes ``device=None``, ``"cpu"`` or the backend's own device and raises
``ValueError`` naming any other.

lagrangian_nns builds its data set with ``odeint`` of a jitted right-hand side inside
``jit``: gpuad's ``jit`` of ``gpuad.experimental.ode.odeint`` raised a misleading TracerError
("an array it read was modified in place": LSODA reuses its state buffer, which the trace
saw every evaluation of ``func`` read), recorded each of LSODA's thousands of evaluations of
``func`` in the program, and a jitted ``func`` then tried to start a second trace. The solve
is now one opaque step (the tracer paused while it runs; a jitted function called there runs
eagerly) on a copy of LSODA's state. And a float32 ``y0`` was integrated by LSODA in float64
with ``func`` evaluated on the state rounded to float32 (tens of thousands of steps at
``rtol=1e-10``) and returned float64 where JAX returns ``y0``'s dtype: ``func`` now sees
float64 and the result is cast to each leaf's dtype.

Its learning-rate schedule ``jnp.select([t < a, t < b, t > b], [...])`` gets Python bools
when the step count is a Python int: NumPy's ``select`` takes them (``asarray`` of each
condition), gpuad's raised ``TypeError``."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import nn


class _Rope(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2, bias=False)
        self.register_buffer("table", gnp.arange(4.0), persistent=False)
        self.register_buffer("count", gnp.zeros((1,)))

    def forward(self, x):
        return self.lin(x) * self.table[:2]


def test_non_persistent_buffer(backend):
    m = _Rope()
    assert sorted(dict(m.named_buffers())) == ["count", "table"]
    sd = m.state_dict()
    assert sorted(sd) == ["count", "lin.weight"]
    # loading a state without the table is complete (strict) and leaves the table alone
    other = _Rope()
    other.table = ad.tensor(gnp.full((4,), 7.0))
    res = other.load_state_dict(sd)
    assert list(res.missing_keys) == [] and list(res.unexpected_keys) == []
    np.testing.assert_array_equal(to_numpy(other.table), np.full(4, 7.0))
    np.testing.assert_array_equal(to_numpy(other.lin.weight), to_numpy(m.lin.weight))
    # giving the table is an unexpected key (gpuad's KeyError for torch's RuntimeError)
    with pytest.raises(KeyError, match="unexpected keys \\['table'\\]"):
        other.load_state_dict({**sd, "table": gnp.zeros((4,))})
    # registering the name again as persistent puts it back into the state
    m.register_buffer("table", gnp.ones((4,)))
    assert sorted(m.state_dict()) == ["count", "lin.weight", "table"]
    # the module still runs and differentiates with the buffer
    m.register_buffer("table", gnp.arange(4.0), persistent=False)
    x = ad.tensor(gnp.asarray(np.array([[1.0, 2.0]])))
    m(x).sum().backward()
    w = to_numpy(m.lin.weight)
    np.testing.assert_allclose(to_numpy(m.lin.weight.grad), np.array([[0.0, 0.0], [1.0, 2.0]]))
    assert w.shape == (2, 2)


_CREATORS = [
    ("zeros", lambda d: gnp.zeros((2, 3), device=d), np.zeros((2, 3))),
    ("ones", lambda d: gnp.ones((2,), dtype=np.int64, device=d), np.ones(2, dtype=np.int64)),
    ("empty", lambda d: gnp.empty((0, 2), device=d), np.empty((0, 2))),
    ("zeros_like", lambda d: gnp.zeros_like(gnp.ones((2,)), device=d), np.zeros(2)),
    ("ones_like", lambda d: gnp.ones_like(gnp.zeros((3,)), device=d), np.ones(3)),
    ("empty_like", lambda d: gnp.empty_like(gnp.zeros((0,)), device=d), np.empty(0)),
    ("eye", lambda d: gnp.eye(2, 3, 1, device=d), np.eye(2, 3, 1)),
    ("full", lambda d: gnp.full((2,), 1.5, device=d), np.full(2, 1.5)),
    ("full_like", lambda d: gnp.full_like(gnp.zeros((2,)), 2.0, device=d), np.full(2, 2.0)),
    ("linspace", lambda d: gnp.linspace(0.0, 1.0, 5, device=d), np.linspace(0, 1, 5)),
    ("arange", lambda d: gnp.arange(1, 7, 2, device=d), np.arange(1, 7, 2)),
    ("asarray", lambda d: gnp.asarray([1.0, 2.0], device=d), np.array([1.0, 2.0])),
]


@pytest.mark.parametrize("name, make, want", _CREATORS, ids=[c[0] for c in _CREATORS])
def test_creation_device_keyword(backend, name, make, want):
    here = gnp.zeros((0,))
    own = getattr(here, "device", "cpu")  # the backend's device (NumPy 2: "cpu")
    for device in (None, "cpu", own):
        got = make(device)
        assert got.shape == want.shape and got.dtype == want.dtype
        if name not in ("empty", "empty_like"):
            np.testing.assert_array_equal(to_numpy(got), want)
    with pytest.raises(ValueError, match=f"{name}: device='cuda:7' is not supported"):
        make("cuda:7")


def test_creation_device_keyword_program(backend):
    # gpt.py's shape: positions made with device=, used as an index and in a Tensor sum
    w = ad.tensor(gnp.asarray(np.arange(12.0).reshape(4, 3)), requires_grad=True)
    pos = gnp.arange(3, device="cpu")
    out = (w[pos] * gnp.ones((3, 3), device="cpu")).sum()
    out.backward()
    want = np.zeros((4, 3))
    want[:3] = 1.0
    np.testing.assert_array_equal(to_numpy(w.grad), want)


def _rotation(y, t):
    return gnp.stack([y[1], -y[0]])


def test_odeint_under_jit(backend):
    from gpuad.experimental.ode import odeint

    t = gnp.asarray(np.linspace(0.0, 1.0, 3))
    rhs = ad.jit(_rotation)  # a jitted func, called by LSODA inside the traced solve
    step = ad.jit(lambda y0: odeint(rhs, y0, t, rtol=1e-10, atol=1e-10))
    tt = np.linspace(0.0, 1.0, 3)
    for y0 in ([1.0, 0.0], [0.0, 2.0], [0.5, -1.0]):  # a trace, then replays
        got = to_numpy(step(gnp.asarray(np.array(y0))))
        want = np.stack([y0[0] * np.cos(tt) + y0[1] * np.sin(tt),
                         -y0[0] * np.sin(tt) + y0[1] * np.cos(tt)], axis=1)
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9)
    # and with the parameter passed through args
    decay = ad.jit(lambda y0, k: odeint(lambda y, tt_, kk: -kk * y, y0, t, k, rtol=1e-10,
                                        atol=1e-10))
    for k in (1.0, 2.5):
        got = to_numpy(decay(gnp.asarray(np.array([1.0])), gnp.asarray(np.array(k))))
        np.testing.assert_allclose(got[:, 0], np.exp(-k * tt), rtol=1e-8)


def test_odeint_float32_state(backend):
    from gpuad.experimental.ode import odeint

    calls = [0]

    def rhs(y, t):
        calls[0] += 1
        return gnp.stack([y[1], -gnp.sin(y[0])])

    y0 = gnp.asarray(np.array([1.0, 0.0], dtype=np.float32))
    t = gnp.asarray(np.linspace(0.0, 3.0, 4))
    ys = odeint(rhs, y0, t, rtol=1e-10, atol=1e-10)
    assert ys.dtype == np.float32 and ys.shape == (4, 2)
    n32 = calls[0]
    calls[0] = 0
    y64 = odeint(rhs, gnp.asarray(np.array([1.0, 0.0])), t, rtol=1e-10, atol=1e-10)
    assert y64.dtype == np.float64
    # the same solve as from the float64 state (float32 1.0 and 0.0 are exact), rounded
    assert calls[0] == n32
    np.testing.assert_array_equal(to_numpy(ys), to_numpy(y64).astype(np.float32))
    # a pytree with a float32 and a float64 leaf keeps both dtypes, and the float32 leaf is
    # differentiable through the cast
    out = odeint(lambda s, tt: {"a": -s["a"], "b": -2.0 * s["b"]},
                 {"a": gnp.asarray(np.ones(2, np.float32)), "b": gnp.asarray(np.ones(1))}, t)
    assert out["a"].dtype == np.float32 and out["b"].dtype == np.float64
    g = ad.grad(lambda a: odeint(lambda s, tt: -s, a, t)[-1].sum())(
        gnp.asarray(np.ones(2, np.float32)))
    np.testing.assert_allclose(to_numpy(g), np.full(2, np.exp(-3.0)), rtol=1e-5)


def test_select_python_bool_conditions(backend):
    # NumPy converts each condition with asarray: Python bools and lists of them are taken
    assert float(gnp.select([True, False, False], [1.0, 2.0, 3.0])) == 1.0
    assert float(gnp.select([False, False], [1.0, 2.0], default=7.0)) == 7.0
    x = gnp.asarray(np.array([1.0, 2.0, 3.0]))
    got = gnp.select([[True, False, False], x > 2.5], [x, -x], default=0.0)
    np.testing.assert_array_equal(to_numpy(got), np.array([1.0, 0.0, -3.0]))
    # the schedule's use, differentiated in the chosen value
    lr = ad.tensor(gnp.asarray(np.array(0.5)), requires_grad=True)
    t = 3
    out = gnp.select([t < 2, t < 5, t > 5], [lr, lr / 10, lr / 100])
    out.backward()
    assert abs(float(lr.grad) - 0.1) < 1e-15
    # non-boolean conditions still raise, as NumPy's
    for bad in ([1, 0], [0.0, 1.0]):
        with pytest.raises(TypeError, match="boolean"):
            gnp.select(bad, [1.0, 2.0])
