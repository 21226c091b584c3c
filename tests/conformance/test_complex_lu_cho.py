"""Complex LU and Cholesky solves against jax.scipy.linalg and torch, in complex128 on both
backends: ``gpuad.scipy.linalg.lu``, ``lu_factor``, ``lu_solve`` (trans 0, 1, 2),
``cho_factor``/``cho_solve`` (lower and upper), ``gpuad.linalg.lu_factor``, ``lu``,
``lu_solve`` (left, adjoint) and ``Tensor.cholesky_solve``.

Compared: values and pivots (LAPACK chooses complex pivots on ``|re| + |im|``); the gradient
of a real loss ``sum(real(out * c))`` (gpuad's and torch's are the conjugate of JAX's); the
holomorphic gradient of ``sum(out * c)`` (``holomorphic=True``, equal to JAX's); forward-mode
tangents; and a second derivative (the forward-mode derivative of the real loss's gradient).
A Cholesky factorisation reads one triangle of its Hermitian input: it is compared along
Hermitian directions, where every convention agrees.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import gpuad as ad
import gpuad.linalg as LA
import gpuad.numpy as gnp
import gpuad.scipy.linalg as gsl
from gpuad.backends import get_backend
from tests.conftest import to_numpy

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jsl = pytest.importorskip("jax.scipy.linalg")
torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-10, atol=1e-12)


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _c(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _matrix(rng, *shape):
    """A complex matrix whose first column makes |z| and |re| + |im| pick
    different pivots (row 1: |1+1j| < 1.45 < |re| + |im|)."""
    shape = shape or (4, 4)
    a = _c(rng, *shape)
    a[..., :, 0] = np.array([0.1, 1 + 1j, 1.45] + [0.2] * (shape[-1] - 3))
    return a


def _hermitian(rng, *shape):
    a = _c(rng, *shape)
    return a @ np.conj(np.swapaxes(a, -1, -2)) + shape[-1] * np.eye(shape[-1])


def _on(x):
    return get_backend().asarray(x)


# each: (name, gpuad function, JAX function, argument makers); the functions take arrays
def _lu_parts(m, mod):
    _, lo, up = mod.lu(m)
    return lo, up


JAX_CASES = {
    "lu": (lambda a: _lu_parts(a, gsl), lambda a: _lu_parts(a, jsl), [_matrix]),
    "lu_batched": (lambda a: _lu_parts(a, gsl), jax.vmap(lambda a: _lu_parts(a, jsl)),
                   [lambda r: _matrix(r, 2, 4, 4)]),
    "lu_factor": (lambda a: gsl.lu_factor(a)[0], lambda a: jsl.lu_factor(a)[0], [_matrix]),
    "lu_permute_l": (lambda a: gsl.lu(a, permute_l=True)[0],
                     lambda a: jsl.lu(a, permute_l=True)[0], [_matrix]),
}
for _trans in (0, 1, 2):
    JAX_CASES[f"lu_solve_trans{_trans}"] = (
        lambda a, b, t=_trans: gsl.lu_solve(gsl.lu_factor(a), b, trans=t),
        lambda a, b, t=_trans: jsl.lu_solve(jsl.lu_factor(a), b, trans=t),
        [_matrix, lambda r: _c(r, 4, 2)])
for _lower in (True, False):
    # cho_solve on a fixed (triangular) factor: differentiable in the factor and b
    JAX_CASES[f"cho_solve_lower{_lower}"] = (
        lambda c, b, lo=_lower: gsl.cho_solve((c, lo), b),
        lambda c, b, lo=_lower: jsl.cho_solve((c, lo), b),
        [lambda r, lo=_lower: (np.linalg.cholesky(_hermitian(r, 4, 4)) if lo else
                               np.conj(np.linalg.cholesky(_hermitian(r, 4, 4)).T)),
         lambda r: _c(r, 4, 3)])


def _flat(out):
    return list(out) if isinstance(out, tuple | list) else [out]


def _real_loss(fn, cs, m):
    def loss(*xs):
        return sum(m.sum(m.real(o * c)) for o, c in zip(_flat(fn(*xs)), cs, strict=True))
    return loss


def _holo_loss(fn, cs, m):
    def loss(*xs):
        return sum(m.sum(o * c) for o, c in zip(_flat(fn(*xs)), cs, strict=True))
    return loss


@pytest.mark.parametrize("name", sorted(JAX_CASES))
def test_matches_jax(backend, name):
    gf, jf, makers = JAX_CASES[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    args = [mk(rng) for mk in makers]
    want = _flat(jf(*args))
    got = _flat(gf(*[_on(a) for a in args]))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(to_numpy(g), np.asarray(w), **TOL)
    cs = [_c(rng, *np.shape(w)) for w in want]
    argnums = tuple(range(len(args)))
    gcs = [_on(c) for c in cs]
    # gradient of a real loss: gpuad's is the conjugate of JAX's
    jg = jax.grad(_real_loss(jf, cs, jnp), argnums)(*args)
    gg = ad.grad(_real_loss(gf, gcs, gnp), argnums)(*[_on(a) for a in args])
    for g, w in zip(gg, jg, strict=True):
        np.testing.assert_allclose(to_numpy(g), np.conj(np.asarray(w)), **TOL)
    # holomorphic gradient: the same in both conventions
    jh = jax.grad(_holo_loss(jf, cs, jnp), argnums, holomorphic=True)(*args)
    gh = ad.grad(_holo_loss(gf, gcs, gnp), argnums, holomorphic=True)(*[_on(a) for a in args])
    for g, w in zip(gh, jh, strict=True):
        np.testing.assert_allclose(to_numpy(g), np.asarray(w), **TOL)
    # forward mode, complex tangents
    ts = [_c(rng, *np.shape(a)) for a in args]
    _, jt = jax.jvp(jf, tuple(args), tuple(ts))
    _, gt = ad.jvp(gf, tuple(_on(a) for a in args), tuple(_on(t) for t in ts))
    for g, w in zip(_flat(gt), _flat(jt), strict=True):
        np.testing.assert_allclose(to_numpy(g), np.asarray(w), **TOL)
    # second order: the forward-mode derivative of the real loss's gradient
    jhv = jax.jvp(jax.grad(_real_loss(jf, cs, jnp), argnums), tuple(args), tuple(ts))[1]
    ghv = ad.jvp(ad.grad(_real_loss(gf, gcs, gnp), argnums), tuple(_on(a) for a in args),
                 tuple(_on(t) for t in ts))[1]
    for g, w in zip(_flat(ghv), _flat(jhv), strict=True):
        np.testing.assert_allclose(to_numpy(g), np.conj(np.asarray(w)), rtol=1e-9, atol=1e-11)


def test_pivots_and_permutation_match_jax_and_scipy(backend):
    import scipy.linalg as sl

    a = _matrix(np.random.default_rng(0), 5, 5)
    lu_, piv = gsl.lu_factor(_on(a))
    jlu, jpiv = jsl.lu_factor(a)
    slu, spiv = sl.lu_factor(a)
    np.testing.assert_array_equal(to_numpy(piv), np.asarray(jpiv))
    np.testing.assert_array_equal(to_numpy(piv), spiv)
    p = gsl.lu(_on(a))[0]
    assert to_numpy(p).dtype == np.asarray(jsl.lu(a)[0]).dtype == sl.lu(a)[0].dtype


@pytest.mark.parametrize("lower", [True, False])
def test_cho_factor_then_solve_along_hermitian_directions(backend, lower):
    rng = np.random.default_rng(4)
    a, b = _hermitian(rng, 4, 4), _c(rng, 4, 2)
    t = _c(rng, 4, 4)
    t = t + np.conj(t.T)

    def gf(m, y):
        return gsl.cho_solve(gsl.cho_factor(m, lower=lower), y)

    def jf(m, y):
        return jsl.cho_solve(jsl.cho_factor(m, lower=lower), y)

    np.testing.assert_allclose(to_numpy(gf(_on(a), _on(b))), np.asarray(jf(a, b)), **TOL)
    tb = _c(rng, 4, 2)
    _, jt = jax.jvp(jf, (a, b), (t, tb))
    _, gt = ad.jvp(gf, (_on(a), _on(b)), (_on(t), _on(tb)))
    np.testing.assert_allclose(to_numpy(gt), np.asarray(jt), **TOL)
    # reverse mode along the same direction: Re<grad, t> is the derivative of the real loss
    c = _c(rng, 4, 2)
    ga, gb = ad.grad(lambda m, y: gnp.sum(gnp.real(gf(m, y) * _on(c))), (0, 1))(_on(a), _on(b))
    lhs = float(np.real(np.sum(np.conj(to_numpy(ga)) * t) + np.sum(np.conj(to_numpy(gb)) * tb)))
    assert abs(lhs - float(np.sum(np.real(np.asarray(jt) * c)))) <= 1e-10 * (1 + abs(lhs))


# ---- torch ------------------------------------------------------------------------------------

def _torch_cmp(gf, tf, arrays, rng):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    gs = [ad.tensor(_on(a), requires_grad=True) for a in arrays]
    want, got = _flat(tf(*ts)), _flat(gf(*gs))
    loss_t, loss_g = 0, 0
    for w, g in zip(want, got, strict=True):
        np.testing.assert_allclose(to_numpy(g), w.detach().resolve_conj().numpy(), **TOL)
        if w.dtype.is_complex:
            c = _c(rng, *w.shape)
            loss_t = loss_t + (w * torch.tensor(c)).real.sum()
            loss_g = loss_g + gnp.sum(gnp.real(g * _on(c)))
    tg = torch.autograd.grad(loss_t, ts)
    gg = ad.autograd.grad(loss_g, gs)
    for g, t in zip(gg, tg, strict=True):  # torch's convention is gpuad's
        np.testing.assert_allclose(to_numpy(g), t.resolve_conj().numpy(), **TOL)


def test_torch_lu_factor_and_lu(backend):
    rng = np.random.default_rng(1)
    a = _matrix(rng, 2, 4, 4)
    _torch_cmp(lambda x: LA.lu_factor(x)[0], lambda x: torch.linalg.lu_factor(x)[0], [a], rng)
    _torch_cmp(lambda x: tuple(LA.lu(x)), lambda x: tuple(torch.linalg.lu(x)), [a], rng)
    np.testing.assert_array_equal(to_numpy(LA.lu_factor(_on(a))[1]),
                                  torch.linalg.lu_factor(torch.tensor(a))[1].numpy())


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_torch_lu_solve(backend, left, adjoint):
    rng = np.random.default_rng(2)
    a, b = _matrix(rng, 4, 4), _c(rng, 4, 3) if left else _c(rng, 3, 4)
    _torch_cmp(
        lambda x, y: LA.lu_solve(*LA.lu_factor(x), y, left=left, adjoint=adjoint),
        lambda x, y: torch.linalg.lu_solve(*torch.linalg.lu_factor(x), y, left=left,
                                           adjoint=adjoint),
        [a, b], rng)


@pytest.mark.parametrize("upper", [False, True])
def test_torch_cholesky_solve(backend, upper):
    rng = np.random.default_rng(3)
    low = np.linalg.cholesky(_hermitian(rng, 2, 4, 4))
    f = np.conj(np.swapaxes(low, -1, -2)) if upper else low
    b = _c(rng, 2, 4, 3)
    tri = np.triu if upper else np.tril
    # torch's gradient in the factor is that of the whole matrix; gpuad's lives on the
    # triangle read; compare on that triangle (as tests/conformance/test_torch_opinfo.py)
    ts = [torch.tensor(b, requires_grad=True), torch.tensor(f, requires_grad=True)]
    gs = [ad.tensor(_on(b), requires_grad=True), ad.tensor(_on(f), requires_grad=True)]
    want = torch.cholesky_solve(ts[0], ts[1], upper=upper)
    got = gs[0].cholesky_solve(gs[1], upper=upper)
    np.testing.assert_allclose(to_numpy(got), want.detach().numpy(), **TOL)
    c = _c(rng, 2, 4, 3)
    tg = torch.autograd.grad((want * torch.tensor(c)).real.sum(), ts)
    gg = ad.autograd.grad(gnp.sum(gnp.real(got * _on(c))), gs)
    np.testing.assert_allclose(to_numpy(gg[0]), tg[0].numpy(), **TOL)
    np.testing.assert_allclose(tri(to_numpy(gg[1])), tri(tg[1].numpy()), **TOL)
