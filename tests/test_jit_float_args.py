"""Python float (and complex) arguments of a jitted function are traced values (gpuad.jit.weak):
one trace serves every value, the result follows eager's promotion of a Python number bit for
bit, derivatives with respect to them are exact, and a function that needs the value (Python
control flow, a conversion) falls back to the value in the signature, silently correct."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
import gpuad.optim
from gpuad.jit import TracerError

VALUES = [0.3, -1.7, 0.0, -0.0, 1e-30, 2.0, 3.5e4, 0.1]


def _same(got, want):
    g, w = to_numpy(got), to_numpy(want)
    assert g.dtype == w.dtype and g.shape == w.shape
    assert g.tobytes() == w.tobytes()  # bit for bit: zeros' signs, NaNs


def _eager(f, *args):
    """``f`` run eagerly on Tensors of the array arguments, numbers as they are."""
    return f(*[ad.tensor(a) if hasattr(a, "shape") else a for a in args])


def _mix(x, lr):
    return x * lr - (1 - lr) * gnp.sin(x) / 3 + lr**2 - gnp.exp(lr * -0.5) * x


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_one_trace_for_every_value_and_eager_bits(backend, dtype):
    xp = ad.get_backend().xp
    x = xp.asarray(np.array([0.5, -2.0, 3.0, 0.0], dtype))
    f = ad.jit(_mix)
    for v in VALUES:
        _same(f(x, v), _eager(_mix, x, v))
    info = f.cache_info()
    assert info["misses"] == 1 and info["hits"] == len(VALUES) - 1
    assert "float" in info["entries"][0]["signature"]


LIBRARY = {
    "full": lambda x, t: gnp.full((4,), t) * x,
    "where": lambda x, t: gnp.where(x > 0, x, t),
    "clip": lambda x, t: gnp.clip(x, -t, t),
    "at": lambda x, t: x.at[0].set(t),
    "linspace": lambda x, t: gnp.linspace(0, t, 4) * x,
    "stack": lambda x, t: gnp.stack([x[0], t]),
    "np.exp": lambda x, t: x * np.exp(-t / 2),  # a float64 array, as np.exp(float)
    "float16": lambda x, t: x.astype(np.float16) * t,
    "2 ** t": lambda x, t: x * 2.0**t,
}


def test_library_functions_take_traced_floats(backend):
    xp = ad.get_backend().xp
    x = xp.asarray(np.array([0.5, -2.0, 3.0, 0.0], np.float32))
    for name, f in LIBRARY.items():
        j = ad.jit(f)
        for t in (0.5, -0.25, 1.75):
            _same(j(x, t), _eager(f, x, t))
        assert j.cache_info()["misses"] == 1 and not j._weak_off, name


def test_numbers_alone_stay_python_numbers(backend):
    def f(x, t, c):
        return x * t + c * x, t * 2 - 1, -t, c * t, abs(c)

    xp = ad.get_backend().xp
    x = xp.asarray(np.array([1.0, -2.0], np.float32))
    j = ad.jit(f)
    for t, c in [(0.5, 1j), (-3.25, 2 - 0.5j), (7.0, -1.5 + 0j)]:
        got, want = j(x, t, c), _eager(f, x, t, c)
        _same(got[0], want[0])  # complex64: x is float32
        assert [type(g) for g in got[1:]] == [type(w) for w in want[1:]]
        assert list(got[1:]) == list(want[1:])
    assert j.cache_info()["misses"] == 1


def _loss(x, lr):
    return gnp.sum(gnp.sin(x * lr) * lr + gnp.cos(x) / lr)


def _dloss(x, lr):
    """d _loss / d lr, by hand."""
    return np.sum(np.cos(x * lr) * x * lr + np.sin(x * lr) - np.cos(x) / lr**2)


def test_derivative_in_the_float_is_exact(backend):
    xp = ad.get_backend().xp
    xh = np.array([0.3, -1.1, 2.0])
    x = xp.asarray(xh)
    of_jit = ad.grad(ad.jit(_loss), argnums=1)
    jit_of = ad.jit(ad.grad(_loss, argnums=(0, 1)))
    for lr in (0.7, -1.3):
        want = _dloss(xh, lr)
        h = 1e-6
        fd = (float(_loss(ad.tensor(x), lr + h)) - float(_loss(ad.tensor(x), lr - h))) / (2 * h)
        assert abs(want - fd) < 1e-7 * max(1.0, abs(want))
        assert float(ad.grad(_loss, argnums=1)(ad.tensor(x), lr)) == pytest.approx(want, 1e-12)
        assert float(of_jit(x, lr)) == pytest.approx(want, rel=1e-12)
        gx, glr = jit_of(x, lr)
        assert float(glr) == pytest.approx(want, rel=1e-12)
        np.testing.assert_allclose(
            to_numpy(gx), to_numpy(ad.grad(_loss)(ad.tensor(x), lr)), rtol=1e-12
        )
    assert jit_of.cache_info()["misses"] == 1


def test_training_step_with_a_float_learning_rate(backend):
    """A functional SGD step, the learning rate a Python float: one trace, and every
    compiled step equals the eager one bit for bit (on the cupy backend: the CUDA-graph
    replay, whose input buffer takes each call's value)."""
    xp = ad.get_backend().xp
    rng = np.random.default_rng(0)
    a = xp.asarray(rng.standard_normal((6, 3)).astype(np.float32))
    b = xp.asarray(rng.standard_normal(6).astype(np.float32))

    def step(w, lr):
        loss, g = ad.value_and_grad(lambda w: gnp.mean((a @ w - b) ** 2))(w)
        return w - lr * g, loss

    j = ad.jit(step)
    w = we = xp.asarray(np.zeros(3, np.float32))
    for k in range(6):
        lr = 0.1 / (1 + k)
        w, loss = j(w, lr)
        we, loss_e = step(ad.tensor(we), lr)
        we = we.data if isinstance(we, ad.Tensor) else we
        _same(w, we)
        _same(loss, loss_e)
    assert j.cache_info()["misses"] == 1


def _branchy(x, t):
    if t > 0:  # Python control flow on the value
        return x * t
    return x - t


@pytest.mark.parametrize(
    "f",
    [
        _branchy,
        lambda x, t: x * math.exp(t),  # a conversion to a Python float
        lambda x, t: gnp.ones(int(abs(t) * 2) + 1) * x[0],  # a shape from the value
        lambda x, t: x**t,  # eager squares for t == 2
        lambda x, t: x * (t if isinstance(t, float) else 2.0),  # caught by check=True
    ],
    ids=["branch", "math", "shape", "power", "isinstance"],
)
def test_fallback_to_the_value_in_the_signature(backend, f):
    xp = ad.get_backend().xp
    x = xp.asarray(np.array([0.5, 1.5, 2.0]))
    j = ad.jit(f)
    values = [2.0, -0.5, 2.0, 1.25]
    for t in values:
        _same(j(x, t), _eager(f, x, t))
    assert j._weak_off and j.cache_info()["misses"] == len(set(values))


def test_division_by_a_traced_zero_raises_as_eagerly(backend):
    f = ad.jit(lambda x, t: x * (1 / t))
    x = ad.get_backend().xp.asarray(np.ones(2))
    np.testing.assert_allclose(to_numpy(f(x, 4.0)), 0.25)
    with pytest.raises(ZeroDivisionError), np.errstate(all="ignore"):
        f(x, 0.0)  # (on a CUDA graph the check is read after the launch)
    np.testing.assert_allclose(to_numpy(f(x, 2.0)), 0.5)


def test_no_second_run_after_state_changed(backend):
    """A function that updates parameters before it needs the float's value cannot be run a
    second time to fall back: it raises, naming the remedy, and static_argnums compiles it."""
    xp = ad.get_backend().xp
    p = ad.tensor(xp.asarray(np.ones(3)), requires_grad=True)
    opt = ad.optim.SGD([p], lr=0.1)

    def step(x, clip):
        opt.zero_grad()
        loss = gnp.sum(p * x)
        loss.backward()
        opt.step()
        return loss if clip > 0 else -loss

    x = xp.asarray(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(TracerError, match="static_argnums"):
        ad.jit(step)(x, 1.0)
    before = to_numpy(p).copy()
    j = ad.jit(step, static_argnums=1)
    j(x, 1.0)
    j(x, 1.0)
    np.testing.assert_allclose(to_numpy(p), before - 0.2 * to_numpy(x), rtol=1e-12)
