"""Former limits, against the peers that have no such limit (float64 unless said):

- ``jit`` inside ``vmap`` reading a batched value through a closure (JAX computes it; gpuad
  raised TracerError, now runs that call eagerly): values and derivatives in every order of
  grad/jacfwd/jacrev/vmap/jit around it; asking for that call's program (``lower()``,
  ``make_jaxpr``) raises TracerError, where JAX lowers it (gpuad cannot follow there);
- named remat (``jax.checkpoint`` with ``checkpoint_name`` and ``checkpoint_policies``):
  values, gradients and second derivatives under each policy (inside ``gpuad.jit`` the policy
  is not used, where JAX's compiled program follows it: the same values either way);
- float16 gradients through gathers, pooling and cross-entropy (torch, float16 on the CPU):
  gpuad raised on the CuPy backend.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

jax = pytest.importorskip("jax")
torch = pytest.importorskip("torch")
jcp = pytest.importorskip("jax.ad_checkpoint")
jnp = pytest.importorskip("jax.numpy")

jax.config.update("jax_enable_x64", True)

import gpuad as ad  # noqa: E402
import gpuad.nn.functional as F  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402

J = SimpleNamespace(T=jax, np=jnp, name=jcp.checkpoint_name,
                    ckpt=jax.checkpoint, P=jax.checkpoint_policies)
G = SimpleNamespace(T=ad, np=gnp, name=ad.checkpoint_name, ckpt=ad.checkpoint,
                    P=ad.checkpoint_policies)
XS = np.array([0.5, 1.0, 2.0, -0.3])


def _host(x):
    return np.asarray(to_numpy(x) if isinstance(x, ad.Tensor) or hasattr(x, "get") else x)


# ---- jit inside vmap with a batched closure ------------------------------------------------

INNER = {
    "number_arg": lambda M: lambda x: M.T.jit(lambda y: y * x + M.np.sin(x))(2.0),
    "closure_is_arg": lambda M: lambda x: M.T.jit(lambda y: y * (x * x) + M.np.cos(y))(x),
    "arg_from_x": lambda M: lambda x: M.T.jit(lambda y: M.np.sin(x) * y)(2.0 * x),
}
OUTER = {
    "vmap": lambda M, f: M.T.vmap(f),
    "vmap_grad": lambda M, f: M.T.vmap(M.T.grad(f)),
    "grad_vmap": lambda M, f: M.T.grad(lambda v: M.T.vmap(f)(v).sum()),
    "jacfwd_vmap": lambda M, f: M.T.jacfwd(M.T.vmap(f)),
    "jacrev_vmap": lambda M, f: M.T.jacrev(M.T.vmap(f)),
    "vmap_jacfwd": lambda M, f: M.T.vmap(M.T.jacfwd(f)),
    "vmap_grad_grad": lambda M, f: M.T.vmap(M.T.grad(M.T.grad(f))),
    "jit_vmap": lambda M, f: M.T.jit(M.T.vmap(f)),
    "vmap_vmap": lambda M, f: (lambda v: M.T.vmap(M.T.vmap(f))(M.np.stack([v, 2 * v]))),
    "vmap_jit_grad": lambda M, f: M.T.vmap(M.T.jit(M.T.grad(f))),
}


@pytest.mark.parametrize("outer", list(OUTER))
@pytest.mark.parametrize("inner", list(INNER))
def test_jit_in_vmap_with_a_batched_closure(backend, inner, outer):
    want = np.asarray(OUTER[outer](J, INNER[inner](J))(XS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # JitFallbackWarning: that call ran eagerly
        got = _host(OUTER[outer](G, INNER[inner](G))(gnp.asarray(XS)))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_lowering_a_jit_with_a_batched_closure_is_refused(backend):
    # where gpuad cannot follow: JAX lowers (and prints a jaxpr of) a jitted function closing
    # over a vmapped value, the closure an implicit argument; gpuad's call runs eagerly, and
    # asking for its program (lower(), make_jaxpr) raises TracerError naming the closure
    from gpuad.jit import TracerError

    jax.vmap(lambda x: (jax.jit(lambda y: y * x).lower(2.0), x)[1])(XS)
    jax.vmap(lambda x: (jax.make_jaxpr(lambda y: y * x)(2.0), x)[1])(XS)
    for ask in (lambda x: ad.jit(lambda y: y * x).lower(2.0),
                lambda x: ad.make_jaxpr(lambda y: y * x)(2.0)):
        with pytest.raises(TracerError, match="batched by an enclosing vmap"):
            ad.vmap(lambda x, ask=ask: (ask(x), x)[1])(gnp.asarray(XS))


# ---- named remat ------------------------------------------------------------------------------

W = np.random.default_rng(1).standard_normal((4, 4)) / 2
X = np.random.default_rng(2).standard_normal((3, 4))


def _block(M):
    w = M.np.asarray(W)

    def f(h):
        a = M.name(M.np.tanh(h @ w), "a")
        b = M.name(M.np.sin(a) @ w, "b")
        c = M.name(M.np.exp(-b * b) * a, "c")
        return M.np.sum(M.np.cos(c) * h)

    return f


POLICIES = {
    "none": lambda P: None,
    "nothing": lambda P: P.nothing_saveable,
    "everything": lambda P: P.everything_saveable,
    "dots": lambda P: P.dots_saveable,
    "dots_no_batch": lambda P: P.dots_with_no_batch_dims_saveable,
    "only_a": lambda P: P.save_only_these_names("a"),
    "only_b_c": lambda P: P.save_only_these_names("b", "c"),
    "names_but_a": lambda P: P.save_any_names_but_these("a"),
    "anything_but_b": lambda P: P.save_anything_except_these_names("b"),
    "both": lambda P: P.save_from_both_policies(P.dots_saveable, P.save_only_these_names("c")),
}


@pytest.mark.parametrize("policy", list(POLICIES))
def test_named_remat_matches_jax(backend, policy):
    def run(M, x):
        f = M.ckpt(_block(M), policy=POLICIES[policy](M.P))
        return (f(x), M.T.grad(f)(x), M.T.hessian(f)(x[0]),
                M.T.grad(lambda v: M.np.sum(M.T.grad(f)(v) ** 2))(x))

    want = run(J, X)
    got = run(G, ad.get_backend().xp.asarray(X))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(_host(g), np.asarray(w), rtol=1e-11, atol=1e-13)


# ---- float16 gradients through gathers, pooling, cross-entropy (torch) ----------------------

R = np.random.default_rng(3)
X16 = R.standard_normal((6, 5)).astype(np.float16)
IDX = np.array([0, 2, 0, 5, 2, 2])
GATHERS = {
    "take": (lambda x, xp: gnp.take(x, xp.asarray(IDX), axis=0),
             lambda t: t[torch.from_numpy(IDX)]),
    "embedding": (lambda x, xp: F.embedding(xp.asarray(IDX.reshape(2, 3)), x),
                  lambda t: torch.nn.functional.embedding(torch.from_numpy(IDX.reshape(2, 3)), t)),
    "max_pool2d": (lambda x, xp: F.max_pool2d(x.reshape(1, 1, 6, 5), 3, stride=1),
                   lambda t: torch.nn.functional.max_pool2d(t.reshape(1, 1, 6, 5), 3, stride=1)),
    "avg_pool2d": (lambda x, xp: F.avg_pool2d(x.reshape(1, 1, 6, 5), 2),
                   lambda t: torch.nn.functional.avg_pool2d(t.reshape(1, 1, 6, 5), 2)),
    "cross_entropy": (lambda x, xp: F.cross_entropy(x, xp.asarray(IDX % 5)),
                      lambda t: torch.nn.functional.cross_entropy(t, torch.from_numpy(IDX % 5))),
}


@pytest.mark.parametrize("case", list(GATHERS))
def test_float16_gradients_match_torch(backend, case):
    mine, theirs = GATHERS[case]
    xp = ad.get_backend().xp
    g = to_numpy(ad.grad(lambda x: gnp.sum(mine(x, xp) * 1.5))(xp.asarray(X16)))
    t = torch.from_numpy(X16.copy()).requires_grad_(True)
    (theirs(t) * 1.5).sum().backward()
    want = t.grad.numpy()
    assert g.dtype == want.dtype == np.float16
    np.testing.assert_allclose(g.astype(np.float64), want.astype(np.float64),
                               atol=4e-3 * max(1.0, np.abs(want).max()))
