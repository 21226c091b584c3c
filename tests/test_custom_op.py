"""custom_op: user kernels as primitives (tape entry, versions, first order, composites)."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.testing import check_grads


def _cube_op(composite=True, jvp=True):
    calls = {"fwd": 0, "vjp": 0}

    def fwd(x):
        calls["fwd"] += 1
        return x * x * x

    def vjp(saved, g):
        calls["vjp"] += 1
        (x,) = saved["inputs"]
        return (3 * x * x * g,)

    op = ad.custom_op(fwd, vjp, save=("inputs",), name="cube",
                      jvp=(lambda saved, t: 3 * saved["inputs"][0] ** 2 * t[0]) if jvp else None,
                      composite=(lambda x: x * x * x) if composite else None)
    return op, calls


def test_first_order_uses_the_kernels(backend):
    cube, calls = _cube_op()
    x = np.array([1.0, -2.0, 0.5])
    g = ad.grad(lambda v: gnp.sum(cube(v) * 2.0))(x)
    np.testing.assert_allclose(to_numpy(g), 6 * x * x)
    assert calls == {"fwd": 1, "vjp": 1}
    _, t = ad.jvp(cube, (x,), (np.ones(3),))
    np.testing.assert_allclose(to_numpy(t), 3 * x * x)


def test_higher_order_through_composite(backend):
    cube, _ = _cube_op()
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(to_numpy(ad.hessian(lambda v: gnp.sum(cube(v)))(x)),
                               np.diag(6 * x))
    check_grads(lambda v: cube(v) * v, (x,), order=2)


def test_higher_order_without_composite_is_an_error(backend):
    cube, _ = _cube_op(composite=False, jvp=False)
    x = np.array([1.0, 2.0])
    with pytest.raises(ad.GradError, match="cube.*composite"):
        ad.grad(ad.grad(lambda v: gnp.sum(cube(v))))(1.0)
    with pytest.raises(ad.GradError, match="cube.*forward mode"):
        ad.jvp(cube, (x,), (x,))
    g = ad.grad(lambda v: gnp.sum(cube(v)))(x)  # first order still works
    np.testing.assert_allclose(to_numpy(g), 3 * x * x)


def test_tape_entry_and_versions(backend):
    cube, _ = _cube_op()
    tape = ad.make_tape(lambda v: gnp.sum(cube(v)), np.ones(4))
    assert [n.rule.name for n in tape.steps] == ["cube", "sum"]
    assert tape.saved_bytes() == 32
    x = ad.tensor(np.ones(3), requires_grad=True)
    h = x * 1.0
    y = cube(h)
    with ad.no_grad():
        h += 1.0
    with pytest.raises(ad.GradError, match="cube.*version"):
        gnp.sum(y).backward()


def test_numba_kernel_example_runs():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ)  # the checkout first, installed or not
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    r = subprocess.run([sys.executable, str(root / "examples" / "custom_kernel.py"), "--quick",
                        "--backend", "numpy"], capture_output=True, text=True, timeout=120,
                       env=env)
    assert r.returncode == 0, r.stderr
    import re

    err = float(re.search(r"max error ([0-9.e+-]+)", r.stdout).group(1))
    assert err < 1e-12
    assert "squareplus" in r.stdout


def test_per_example_gradient_through_a_custom_jvp_keeps_no_graph(backend):
    # the transposed jvp rule built a graph in vmap's first-order backward (Tensors there),
    # and vmap(grad(f)) returned a Tensor still tied to the tape
    import gpuad.scipy.special as sps

    @ad.custom_jvp
    def softplus(x):
        return gnp.logaddexp(x, 0.0)

    @softplus.defjvp
    def _(primals, tangents):
        return softplus(primals[0]), tangents[0] * sps.expit(primals[0])

    xp = ad.get_backend().xp
    x = xp.asarray(np.random.default_rng(1).standard_normal((3, 4)))
    got = ad.vmap(ad.grad(lambda v: gnp.sum(softplus(v))))(x)
    assert not isinstance(got, ad.Tensor)
    np.testing.assert_allclose(to_numpy(got), 1 / (1 + np.exp(-to_numpy(x))), rtol=1e-13)
    hess = ad.vmap(ad.hessian(lambda v: gnp.sum(softplus(v))))(x)  # a graph where asked
    s = 1 / (1 + np.exp(-to_numpy(x)))
    np.testing.assert_allclose(np.diagonal(to_numpy(hess), axis1=1, axis2=2), s * (1 - s),
                               rtol=1e-12)


def test_jit_of_grad_replays_the_kernels_adjoint(backend):
    # the user's vjp ran on raw arrays while tracing, so jit(grad(f)) took its result for a
    # constant and refused ("output of the compiled program differs"); it is a step now
    op, calls = _cube_op(composite=False, jvp=False)
    w = np.array([2.0, -1.0, 0.5])

    def f(x, y):
        return gnp.sum(op(x * y) * w)

    g = ad.jit(ad.grad(f, argnums=(0, 1)))
    for x, y in ((np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.5, -1.0])),
                 (np.array([-2.0, 0.25, 4.0]), np.array([1.0, -3.0, 2.0]))):
        gx, gy = g(ad.tensor(x), ad.tensor(y))
        ct = 3 * (x * y) ** 2 * w
        np.testing.assert_allclose(to_numpy(gx), ct * y, rtol=1e-12)
        np.testing.assert_allclose(to_numpy(gy), ct * x, rtol=1e-12)
    assert calls["vjp"] >= 2
