"""Compiled programs hold no choice the engine made from the traced call's values.

The zero guard of entrywise adjoints and tangents (docs/semantics.md: a contribution is exactly
zero where every incoming adjoint is zero, so ``0 * inf`` gives 0, not NaN) skips its work
eagerly when the contribution is finite. A compiled program must apply it on every replay,
whatever the values it was traced on: each function below is traced on values where no guard
changes anything (no zero input), then replayed on values where one does (sqrt's derivative is
inf at 0, log(x + 1)'s adjoint there is 0), and compared with the eager result; and the other
way round. With fusion on and off.

Also here: an optimizer's host half (step count, Adam's t) runs where ``opt.step()`` was called,
so a replay that raises before that point (a label out of range) has not counted a step.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.nn.functional as F
import gpuad.numpy as gnp
from gpuad import optim

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")


def _f(x):  # f'(0) = 0 (the limit); the guard gives it: log(1)'s adjoint times sqrt's inf
    return gnp.sum(gnp.sqrt(x) * gnp.log(x + 1.0))


def _g(x):  # a function of an already differentiated one (second order inside)
    return gnp.sum(ad.grad(_f)(x) ** 2)


_ROWS = [[1.0, 2.0, 3.0], [0.5, 1.5, 2.5]]
_ROWS0 = [[0.0, 2.0, 3.0], [0.5, 1.5, 2.5]]

CASES = {  # name: (transformed function, values no guard changes, values a guard changes)
    "vmap_grad": (lambda: ad.vmap(ad.grad(_f)), _ROWS, _ROWS0),
    "grad_grad": (lambda: ad.grad(ad.grad(_f)), 1.5, 0.0),
    "hessian": (lambda: ad.hessian(_f), _ROWS[0], _ROWS0[0]),
    "jacfwd_jacrev": (lambda: ad.jacfwd(ad.jacrev(_f)), _ROWS[0], _ROWS0[0]),
    "vmap_value_and_grad": (lambda: ad.vmap(ad.value_and_grad(_f)), _ROWS, _ROWS0),
    "value_and_grad_second_order": (lambda: ad.value_and_grad(_g), _ROWS[0], _ROWS0[0]),
    # cumprod's adjoint divides by x unless x holds a zero (a kept branch under jit)
    "grad_cumprod": (lambda: ad.grad(lambda x: gnp.sum(gnp.cumprod(x))), _ROWS[0], _ROWS0[0]),
}


def _a(v):
    return ad.get_backend().xp.asarray(np.asarray(v, np.float64))


def _host(out):
    if isinstance(out, tuple | list):
        return [_host(o) for o in out]
    return to_numpy(out)


def _same(got, want):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _same(g, w)
        return
    assert got.shape == want.shape
    # NaN and inf where eager has them, else equal up to a fused kernel's rounding
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_guard_applies_on_every_replay(backend, name, fuse):
    make, benign, guarded = CASES[name]
    eager = make()
    for first, then in ((benign, guarded), (guarded, benign)):
        j = ad.jit(make(), fuse=fuse)
        with np.errstate(all="ignore"):
            _same(_host(j(_a(first))), _host(eager(_a(first))))
            got = _host(j(_a(then)))  # replayed, on values that take the other path
            want = _host(eager(_a(then)))
            assert j.cache_info()["hits"] >= 1
            _same(got, want)
            for v in (first, then):  # and back again
                _same(_host(j(_a(v))), _host(eager(_a(v))))


def test_guarded_values_are_the_limits(backend):
    """The eager values the compiled ones are compared with are the derivative's limits
    (f'(x) = log(1 + x) / (2 sqrt(x)) + sqrt(x) / (1 + x) -> 0 at 0), not NaN."""
    x = np.asarray(_ROWS0)
    with np.errstate(all="ignore"):
        want = np.log1p(x) / (2 * np.sqrt(x)) + np.sqrt(x) / (1 + x)
    want[0, 0] = 0.0
    j = ad.jit(ad.vmap(ad.grad(_f)))
    j(_a(_ROWS))
    np.testing.assert_allclose(to_numpy(j(_a(_ROWS0))), want, rtol=1e-13, atol=0)


# ---- the optimizer's counters and a replay that raises -----------------------------------------

_X = np.random.default_rng(1).standard_normal((5, 4))
_Y = np.array([0, 1, 2, 1, 0])
_BAD = np.array([0, 1, 7, 1, 0])  # a label outside [0, 3)


def _model(seed=0):
    rng = np.random.default_rng(seed)
    w = ad.tensor(_a(rng.standard_normal((4, 3))), requires_grad=True)
    b = ad.tensor(_a(np.zeros(3)), requires_grad=True)
    opt = optim.Adam([w, b], lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(x @ w + b, y)
        loss.backward()
        opt.step()
        return loss
    return (w, b), opt, step


def _state(params, opt):
    return (opt.step_count, [opt.state[i]["t"] for i in range(len(params))],
            [to_numpy(p) for p in params])


@pytest.mark.parametrize("fuse", [True, False], ids=["fused", "unfused"])
def test_failed_replay_counts_no_step(backend, fuse):
    ps, opt, step = _model()
    ps_e, opt_e, step_e = _model()
    js = ad.jit(step, fuse=fuse, graph=False)
    xp = ad.get_backend().xp
    x = xp.asarray(_X)
    for y in (_Y, _Y, _BAD, _Y, _BAD, _Y):
        y = xp.asarray(y)
        outcome = []
        for fn in (js, step_e):
            try:
                fn(x, y)
                outcome.append(None)
            except IndexError as e:
                outcome.append(str(e).split(": ")[-1])  # (eager names the op first)
        assert outcome[0] == outcome[1]
        got, want = _state(ps, opt), _state(ps_e, opt_e)
        assert got[:2] == want[:2]
        for g, w in zip(got[2], want[2], strict=True):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)
    assert js.cache_info()["hits"] >= 4
    assert opt.step_count == 4


# ---- a transform's result made inside a backward step while tracing -----------------------------

_INNER = {  # the derivative of t ** 3 by a transform, called inside a custom backward
    "vmap": lambda x: ad.vmap(lambda t: 3.0 * t * t)(x),
    "jvp": lambda x: ad.jvp(lambda t: t ** 3, (x,), (gnp.ones_like(x),))[1],
}


@pytest.mark.parametrize("how", sorted(_INNER))
def test_transform_result_inside_a_backward_step(backend, how):
    """A custom vjp whose backward calls a transform: its array result is made while a
    first-order backward step runs (the tracer's flag for such steps and its record of
    transform results are two attributes: one attribute for both raised TypeError)."""
    @ad.custom_vjp
    def cube(x):
        return x ** 3

    def fwd(x):
        return x ** 3, x

    def bwd(x, g):
        return (g * _INNER[how](x),)

    cube.defvjp(fwd, bwd)
    f = ad.grad(lambda x: gnp.sum(cube(x)))
    j = ad.jit(f)
    for v in ([1.0, -2.0, 0.5], [2.0, 1.0, -1.0]):
        want = 3 * np.asarray(v) ** 2
        np.testing.assert_allclose(to_numpy(f(_a(v))), want, rtol=1e-14)
        np.testing.assert_allclose(to_numpy(j(_a(v))), want, rtol=1e-14)
    assert j.cache_info()["hits"] == 1


def test_nanmax_initial_compares_on_every_replay(backend):
    # the comparison with initial= ran on the raw result, outside the program: a replay kept
    # the traced call's choice (nanmax([-1, 0.2], initial=0.5) gave 0.2)
    for red, want in ((gnp.nanmax, [2.0, 0.5]), (gnp.nanmin, [0.5, -1.0])):
        f = ad.jit(lambda x, red=red: red(x, initial=0.5))
        got = [float(to_numpy(f(gnp.asarray(np.array(v))))) for v in ([1.0, 2.0], [-1.0, 0.2])]
        assert got == want, (red.__name__, got)
