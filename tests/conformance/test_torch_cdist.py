"""``gpuad.nn.functional.cdist`` against ``torch.cdist`` in float64, on both backends.

Values (1e-10) and the gradients of ``sum(out * c)`` for a random cotangent (1e-8) for every
``p`` (0, 0.5, 1, 1.5, 2, 3, inf) and compute mode, batched and broadcast inputs, empty ones,
zero distances and zero differences (torch's subgradient: nothing passes there) and ties of
``p=inf`` (each tied difference passes the whole gradient, as torch). torch has second
derivatives only on its matrix-product path (``p=2``): they are compared there; forward mode
(which torch lacks for cdist) is compared with gpuad's own reverse mode.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import gpuad as ad
import gpuad.nn.functional as F
from gpuad.backends import get_backend
from tests.conftest import to_numpy

torch = pytest.importorskip("torch")

PS = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, math.inf]
MODES = ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
         "donot_use_mm_for_euclid_dist"]
SHAPES = [((4, 3), (5, 3)), ((2, 1, 4, 3), (3, 5, 3)), ((1, 4, 2), (2, 1, 3, 2)),
          ((30, 2), (3, 2)), ((0, 3), (2, 3)), ((2, 0, 3), (4, 3)), ((3, 0), (2, 0))]


def _mm(p, mode, s1, s2):
    big = s1[-2] > 25 or s2[-2] > 25
    return p == 2 and (mode == MODES[1] or (mode == MODES[0] and big))


def _points(rng, s1, s2, p, mode):
    """Inputs with a zero distance, a zero difference and (p=inf) ties. On torch's matrix-
    product path the squared distances are rounded (about eps |x|^2): there the points are
    small integers, whose arithmetic is exact, so that zero distances stay exactly zero."""
    if _mm(p, mode, s1, s2):
        a, b = rng.integers(-3, 4, s1).astype(float), rng.integers(-3, 4, s2).astype(float)
    else:
        a, b = rng.standard_normal(s1), rng.standard_normal(s2)
    if a.ndim == 2 and b.ndim == 2 and min(a.shape[0], b.shape[0]) >= 3 and a.shape[1] >= 2:
        b[0] = a[0]                                  # a zero distance
        b[1, 0] = a[1, 0]                            # a zero difference
        b[2] = a[2] + np.where(np.arange(a.shape[1]) % 2, -1.5, 1.5)  # all tied (p=inf)
    return a, b


def _backend_tensor(a):
    return ad.tensor(get_backend().asarray(a), requires_grad=True)


@pytest.mark.parametrize("shapes", SHAPES, ids=[f"{a}-{b}" for a, b in SHAPES])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("p", PS)
def test_values_and_gradients_match_torch(backend, p, mode, shapes):
    s1, s2 = shapes
    rng = np.random.default_rng(zlib.crc32(repr((p, mode, s1, s2)).encode()))
    a, b = _points(rng, s1, s2, p, mode)
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    want = torch.cdist(ta, tb, p=p, compute_mode=mode)
    c = rng.standard_normal(tuple(want.shape))
    ga, gb = _backend_tensor(a), _backend_tensor(b)
    got = F.cdist(ga, gb, p, mode)
    np.testing.assert_allclose(to_numpy(got), want.detach().numpy(), rtol=1e-10, atol=1e-12)
    tg = torch.autograd.grad((want * torch.tensor(c)).sum(), [ta, tb], allow_unused=True)
    gg = ad.autograd.grad((got * get_backend().asarray(c)).sum(), [ga, gb], allow_unused=True)
    for g, t, x in zip(gg, tg, (a, b), strict=True):
        t = np.zeros(x.shape) if t is None else t.numpy()
        g = np.zeros(x.shape) if g is None else to_numpy(g)
        np.testing.assert_allclose(g, t, rtol=1e-8, atol=1e-10)


def test_random_points_on_the_matrix_product_path(backend):
    """Non-integer points, where torch's and gpuad's roundings of the squared distances differ
    (by about eps |x|^2): values and gradients agree to that."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 40, 3)), rng.standard_normal((7, 3))
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    want = torch.cdist(ta, tb)
    ga, gb = _backend_tensor(a), _backend_tensor(b)
    got = F.cdist(ga, gb)
    np.testing.assert_allclose(to_numpy(got), want.detach().numpy(), rtol=1e-12, atol=1e-12)
    c = rng.standard_normal(tuple(want.shape))
    tg = torch.autograd.grad((want * torch.tensor(c)).sum(), [ta, tb])
    gg = ad.autograd.grad((got * get_backend().asarray(c)).sum(), [ga, gb])
    for g, t in zip(gg, tg, strict=True):
        np.testing.assert_allclose(to_numpy(g), t.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("zero", [False, True])
def test_second_derivatives_match_torch_matrix_product_path(backend, zero):
    """torch differentiates its matrix-product path twice (its difference path raises): the
    Hessian-vector products of ``sum(cdist * c)`` agree, with and without a zero distance."""
    rng = np.random.default_rng(11)
    a, b = rng.integers(-3, 4, (3, 2)).astype(float), rng.integers(-3, 4, (4, 2)).astype(float)
    if zero:
        b[1] = a[0]
    else:
        a, b = a + rng.uniform(0.1, 0.4, a.shape), b
    c, va, vb = rng.standard_normal((3, 4)), rng.standard_normal(a.shape), rng.standard_normal(
        b.shape)
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    loss = (torch.cdist(ta, tb, compute_mode=MODES[1]) * torch.tensor(c)).sum()
    g1 = torch.autograd.grad(loss, [ta, tb], create_graph=True)
    inner = (g1[0] * torch.tensor(va)).sum() + (g1[1] * torch.tensor(vb)).sum()
    want = torch.autograd.grad(inner, [ta, tb])
    xp = get_backend()
    cc, vva, vvb = xp.asarray(c), xp.asarray(va), xp.asarray(vb)

    def first(x, y):
        return ad.grad(lambda u, w: (F.cdist(u, w, compute_mode=MODES[1]) * cc).sum(),
                       argnums=(0, 1))(x, y)

    got = ad.grad(lambda x, y: sum((g * v).sum() for g, v in zip(first(x, y), (vva, vvb),
                                                                  strict=True)),
                  argnums=(0, 1))(xp.asarray(a), xp.asarray(b))
    for g, t in zip(got, want, strict=True):
        np.testing.assert_allclose(to_numpy(g), t.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 3.0, math.inf])
def test_forward_mode_equals_reverse_mode(backend, p):
    """torch has no forward mode for cdist: gpuad's jvp is checked against its own vjp,
    ``<u, J v> = <J^T u, v>``, at a point with a zero distance and a zero difference."""
    rng = np.random.default_rng(5)
    a, b = _points(rng, (4, 3), (5, 3), p, MODES[2])
    xp = get_backend()
    u, va, vb = (xp.asarray(rng.standard_normal(s)) for s in ((4, 5), (4, 3), (5, 3)))

    def f(x, y):
        return F.cdist(x, y, p)

    _, jv = ad.jvp(f, (xp.asarray(a), xp.asarray(b)), (va, vb))
    _, vjp = ad.vjp(f, xp.asarray(a), xp.asarray(b))
    ja, jb = vjp(u)
    lhs = float((u * jv).sum())
    rhs = float((ja * va).sum() + (jb * vb).sum())
    assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs))


@pytest.mark.parametrize("bad", [
    dict(x1=(3,), x2=(2, 3)), dict(x1=(2, 3), x2=(2, 4)), dict(p=-1.0),
    dict(mode="use_mm"), dict(x1=(2, 2, 3), x2=(3, 2, 3)), dict(ints=True)])
def test_bad_arguments_raise_as_torch_does(backend, bad):
    s1, s2 = bad.get("x1", (2, 3)), bad.get("x2", (2, 3))
    a, b = np.ones(s1), np.ones(s2)
    if bad.get("ints"):
        a, b = a.astype(np.int64), b.astype(np.int64)
    p, mode = bad.get("p", 2.0), bad.get("mode", MODES[0])
    with pytest.raises((RuntimeError, ValueError)):
        torch.cdist(torch.tensor(a), torch.tensor(b), p, mode)
    xp = get_backend()
    with pytest.raises((ValueError, TypeError), match="cdist"):
        F.cdist(ad.tensor(xp.asarray(a)), ad.tensor(xp.asarray(b)), p, mode)
