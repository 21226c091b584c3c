"""An error raised by a step of a compiled program (an index out of range, a label outside the
classes, a singular matrix) is the eager error: the same class and the same
``<op>: invalid inputs with shapes ...`` message, and the call leaves the caller's arrays,
parameters, gradients and optimizer state as they were before it."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad import optim


def _index(x, i):
    return gnp.sum(x[i] * 2.0)


def _take(x, i):
    return gnp.sum(gnp.take(x, i) * 2.0)


def _take_axis(x, i):
    return gnp.take(x, i, axis=1) * 3.0


def _xent(z, y):
    return F.cross_entropy(z * 2.0, y)


def _solve(a, b):
    return gnp.linalg.solve(a * 1.0, b)


R = np.random.default_rng(3)
CASES = {
    # name: (function, good arguments, bad arguments)
    "getitem": (_index, (R.normal(size=5), np.array([0, 4])), (R.normal(size=5),
                                                                  np.array([1, 7]))),
    "take": (_take, (R.normal(size=5), np.array([0, 4])), (R.normal(size=5), np.array([-9, 1]))),
    "take_axis": (_take_axis, (R.normal(size=(2, 3)), np.array([2, 0])),
                  (R.normal(size=(2, 3)), np.array([0, 3]))),
    "cross_entropy": (_xent, (R.normal(size=(3, 4)), np.array([0, 3, 1])),
                      (R.normal(size=(3, 4)), np.array([0, 4, 1]))),
    "solve": (_solve, (np.eye(3) + 1.0, np.ones(3)), (np.ones((3, 3)), np.ones(3))),
}


def _on(args):
    xp = ad.get_backend().xp
    return [xp.asarray(a) for a in args]


def _eager_error(f, args):
    try:
        f(*[ad.tensor(a) if a.dtype.kind == "f" else a for a in _on(args)])
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return e
    pytest.skip("no error eagerly on this backend (CuPy wraps indices around)")


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("wrap", ["jit", "jit_grad"])
def test_replay_error_is_the_eager_error(backend, name, wrap):
    # (on the cupy backend without a CUDA graph: test_jit_value_checks reads the checks a
    # graph defers)
    f, good, bad = CASES[name]
    if wrap == "jit_grad":
        if name in ("take_axis", "solve"):
            pytest.skip("not a scalar function")
        g = ad.grad(f)
    else:
        g = f
    good, bad = _on(good), _on(bad)
    j = ad.jit(g, graph=False)
    j(*good)
    j(*good)  # replayed
    want = _eager_error(g if wrap == "jit_grad" else f, bad)
    with pytest.raises(type(want)) as got:
        j(*bad)
    assert type(got.value) is type(want)
    w = str(want)
    if w.startswith("take: getitem: "):
        # eagerly gnp.take names itself in front of its indexing step's error
        # (gpuad/numpy/_op_errors.py); a replay raises the failing step's error
        w = w[len("take: "):]
    if wrap == "jit":
        assert str(got.value) == w
    elif str(got.value) != w:
        # the step that fails may be the adjoint of the eager one (its forward is dead)
        msg = str(got.value)
        assert ": invalid inputs with shapes " in msg, msg
        assert w.split(": ", 2)[-1] in msg
    j(*good)  # the program still replays


@pytest.mark.parametrize("tracked", [False, True])
def test_write_out_of_range_is_the_eager_error(tracked):
    # eager: setitem's own message, or index_update's where the write is recorded for grad
    def f(x, i):
        y = x * 2.0
        y[i] = 1.0
        return gnp.sum(y * y)

    g = ad.grad(f) if tracked else f
    j = ad.jit(g)
    j(np.ones(4), np.array([1]))
    j(np.ones(4), np.array([2]))
    with pytest.raises(IndexError) as want:
        g(ad.tensor(np.ones(4)), np.array([9]))
    with pytest.raises(IndexError) as got:
        j(np.ones(4), np.array([9]))
    assert str(got.value) == str(want.value)
    assert str(got.value).startswith("index_update: " if tracked else "setitem: ")


def _model_step(opt_name, graph):
    rng = np.random.default_rng(0)
    w = ad.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    b = ad.tensor(rng.normal(size=3), requires_grad=True)
    opt = {"sgd": lambda: optim.SGD([w, b], lr=0.1, momentum=0.9),
           "adam": lambda: optim.Adam([w, b], lr=0.1, amsgrad=True)}[opt_name]()

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(x @ w + b, y)
        loss.backward()
        opt.step()
        return loss

    return w, b, opt, step


def _state(w, b, opt):
    st = [to_numpy(w), to_numpy(b),
          None if w.grad is None else to_numpy(w.grad).copy(), opt.step_count]
    for s in opt.state:
        st += [to_numpy(v).copy() if hasattr(v, "shape") else v for _, v in sorted(s.items())]
    return st


def _same_state(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_failed_training_step_leaves_parameters_and_optimizer_state(opt_name):
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(5, 4)) for _ in range(4)]
    ys = [rng.integers(0, 3, size=5) for _ in range(4)]
    w, b, opt, step = _model_step(opt_name, None)
    ew, eb, eopt, estep = _model_step(opt_name, None)
    j = ad.jit(step)
    for x, y in zip(xs[:2], ys[:2], strict=True):
        j(x, y)
        estep(x, y)
    before = _state(w, b, opt)
    bad = ys[2].copy()
    bad[3] = 3
    with pytest.raises(IndexError) as want:
        estep(xs[2], bad)
    with pytest.raises(IndexError) as got:
        j(xs[2], bad)
    assert str(got.value) == str(want.value)
    _same_state(_state(w, b, opt), before)
    for x, y in zip(xs[2:], ys[2:], strict=True):  # training goes on as eagerly
        np.testing.assert_allclose(to_numpy(j(x, y)), to_numpy(estep(x, y)), rtol=1e-12)
    _same_state(_state(w, b, opt), _state(ew, eb, eopt))


def test_message_of_a_step_with_a_type_argument():
    # a primitive called with a NumPy scalar type (einsum's dtype=), whose class attribute
    # `shape` is no shape: the program keeps its type's name, as eager's message names it
    from gpuad.jit import failures

    class Rule:
        name = "op"

    ctx = failures.primitive(Rule, (np.ones((2, 3)), np.float32, 2.0, None))
    e = ctx.error(ValueError("bad"), "numpy")
    assert type(e) is ValueError
    assert str(e) == "op: invalid inputs with shapes (2, 3), type, float, NoneType: bad"
