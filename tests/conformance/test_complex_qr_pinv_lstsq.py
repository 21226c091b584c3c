"""Complex qr, pinv and lstsq: gpuad's gradient of a real loss = torch's ``.grad`` =
``conj(jax.grad)`` (docs/semantics.md, "Complex numbers"), and gpuad's jvp = ``jax.jvp``
(float64)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402


@pytest.fixture(autouse=True)
def x64():
    old = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", old)


def _c(r, shape):
    return r.standard_normal(shape) + 1j * r.standard_normal(shape)


class _Torch:
    conj, real, abs, sum = staticmethod(torch.conj), staticmethod(torch.real), \
        staticmethod(torch.abs), staticmethod(torch.sum)

    @staticmethod
    def qr(a, mode):
        return torch.linalg.qr(a, mode=mode)

    @staticmethod
    def pinv(a):
        return torch.linalg.pinv(a)

    @staticmethod
    def lstsq(a, b):
        return torch.linalg.lstsq(a, b, driver="gelsd").solution

    @staticmethod
    def mT(x):
        return x.transpose(-1, -2)


class _Jax:
    conj, real, abs, sum = jnp.conj, jnp.real, jnp.abs, jnp.sum

    @staticmethod
    def qr(a, mode):
        return jnp.linalg.qr(a, mode=mode)

    @staticmethod
    def pinv(a):
        return jnp.linalg.pinv(a)

    @staticmethod
    def lstsq(a, b):
        return jnp.linalg.lstsq(a, b)[0]

    @staticmethod
    def mT(x):
        return jnp.swapaxes(x, -1, -2)


class _Gpuad:
    conj, real, abs, sum = gnp.conj, gnp.real, gnp.abs, gnp.sum

    @staticmethod
    def qr(a, mode):
        return gnp.linalg.qr(a, mode=mode)

    @staticmethod
    def pinv(a):
        return gnp.linalg.pinv(a)

    @staticmethod
    def lstsq(a, b):
        return gnp.linalg.lstsq(a, b)[0]

    @staticmethod
    def mT(x):
        return gnp.swapaxes(x, -1, -2)


def _parts(L, name, a, b):
    """The results of the op; complete tall QR's extra columns enter as their projector (their
    basis is arbitrary)."""
    if name.startswith("qr"):
        mode = name.split("_")[1]
        q, r = L.qr(a, mode)
        m, n = a.shape[-2:]
        if mode == "complete" and m > n:
            q2 = q[..., n:]
            return [q[..., :n], r, q2 @ L.conj(L.mT(q2))]
        return [q, r]
    if name == "pinv":
        return [L.pinv(a)]
    return [L.lstsq(a, b)]


def _loss(L, name, a, b, ws):
    return sum(L.sum(L.real(p * w)) + 0.3 * L.sum(L.abs(p) ** 2)
               for p, w in zip(_parts(L, name, a, b), ws, strict=True))


CASES = [("qr_reduced", (4, 3)), ("qr_reduced", (3, 3)), ("qr_reduced", (3, 5)),
         ("qr_complete", (5, 3)), ("qr_reduced", (2, 3, 2)), ("pinv", (4, 3)), ("pinv", (3, 4)),
         ("pinv", (2, 3, 3)), ("lstsq", (5, 3)), ("lstsq", (3, 4))]


@pytest.mark.parametrize("name,shape", CASES)
def test_grad_and_jvp_match_torch_and_jax(backend, name, shape):
    r = np.random.default_rng(7)
    a = _c(r, shape)
    b = _c(r, (shape[-2], 2))
    xp = ad.get_backend().xp
    ref = _parts(_Gpuad, name, xp.asarray(a), xp.asarray(b))
    ws = [_c(r, np.shape(to_numpy(p))) for p in ref]
    # the peers decompose as gpuad does (LAPACK's conventions): the same results
    for lib, conv in ((_Torch, lambda x: torch.from_numpy(x)), (_Jax, jnp.asarray)):
        for p, q in zip(ref, _parts(lib, name, conv(a), conv(b)), strict=True):
            np.testing.assert_allclose(np.asarray(q), to_numpy(p), rtol=1e-9, atol=1e-11)
    wsx = [xp.asarray(w) for w in ws]
    ga, gb = ad.grad(lambda u, v: _loss(_Gpuad, name, u, v, wsx), argnums=(0, 1))(
        xp.asarray(a), xp.asarray(b))
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    if name == "qr_complete":  # torch refuses to differentiate complete tall QR (JAX does)
        with pytest.raises(RuntimeError, match="not differentiable"):
            _loss(_Torch, name, ta, tb, [torch.from_numpy(w) for w in ws]).backward()
    else:
        _loss(_Torch, name, ta, tb, [torch.from_numpy(w) for w in ws]).backward()
    ja, jb = jax.grad(lambda u, v: _loss(_Jax, name, u, v, [jnp.asarray(w) for w in ws]),
                      argnums=(0, 1))(jnp.asarray(a), jnp.asarray(b))
    got = [to_numpy(ga), to_numpy(gb)]
    tgrads = [ta.grad.numpy() if ta.grad is not None else np.zeros_like(a),
              tb.grad.numpy() if tb.grad is not None else np.zeros_like(b)]
    for g, t, j in zip(got, tgrads, (ja, jb), strict=True):
        if name != "qr_complete":
            np.testing.assert_allclose(g, t, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(g, np.conj(np.asarray(j)), rtol=1e-8, atol=1e-10)
    da, db = _c(r, a.shape), _c(r, b.shape)
    _, jt = ad.jvp(lambda u, v: _parts(_Gpuad, name, u, v), (xp.asarray(a), xp.asarray(b)),
                   (xp.asarray(da), xp.asarray(db)))
    _, jt_jax = jax.jvp(lambda u, v: _parts(_Jax, name, u, v), (jnp.asarray(a), jnp.asarray(b)),
                        (jnp.asarray(da), jnp.asarray(db)))
    for g, j in zip(jt, jt_jax, strict=True):
        np.testing.assert_allclose(to_numpy(g), np.asarray(j), rtol=1e-8, atol=1e-10)
