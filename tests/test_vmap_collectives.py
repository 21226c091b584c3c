"""Collectives over named vmap axes (``gpuad.vmap(f, axis_name=...)`` with ``gpuad.lax.psum``,
``all_gather``, ...): values against NumPy, JAX's derivative rules inside the vmap against the
gradient of the examples' summed losses, the batched program's derivatives against central
differences, and the errors."""

import numpy as np
import pytest
from conftest import to_numpy

import gpuad as ad
import gpuad.numpy as gnp
from gpuad import lax
from gpuad.testing import check_grads

RNG = np.random.default_rng(11)
X = RNG.normal(size=(3, 3, 2))
W = RNG.normal(size=(3, 18))


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=tol, atol=tol)


OPS = {
    "psum": lambda v: lax.psum(v, "i"),
    "pmean": lambda v: lax.pmean(v, "i"),
    "all_gather": lambda v: lax.all_gather(v, "i", axis=1),
    "psum_scatter": lambda v: lax.psum_scatter(v, "i"),
    "all_to_all": lambda v: lax.all_to_all(v, "i", 0, 1),
    "ppermute": lambda v: lax.ppermute(v, "i", [(0, 2), (2, 1), (1, 0)]),
    "pbroadcast": lambda v: lax.pbroadcast(v, "i", 1),
    "pmax": lambda v: lax.pmax(v, "i"),
}


def test_values(backend):
    x = np.arange(12.0).reshape(3, 4)
    f = ad.vmap(lambda v: (lax.psum(v, "i"), lax.pmean(v, "i"), lax.pmax(v, "i"),
                           lax.all_gather(v, "i"), lax.axis_index("i"), lax.psum(1, "i")),
                axis_name="i", out_axes=(None, None, None, None, 0, None))
    s, m, mx, g, idx, n = f(x)
    close(s, x.sum(0))
    close(m, x.mean(0))
    close(mx, x.max(0))
    close(g, x)
    assert to_numpy(idx).tolist() == [0, 1, 2] and to_numpy(idx).dtype == np.int32
    assert n == 3 and isinstance(n, int)
    y = ad.vmap(lambda v: lax.psum_scatter(v, "i", scatter_dimension=1, tiled=True),
                axis_name="i")(np.arange(36.0).reshape(3, 2, 6))
    close(y, np.arange(36.0).reshape(3, 2, 6).sum(0).reshape(2, 3, 2).transpose(1, 0, 2))
    z = ad.vmap(lambda v: lax.all_to_all(v, "i", 0, 1), axis_name="i")(X)
    close(z, np.moveaxis(X, (0, 1), (2, 0)))
    p = ad.vmap(lambda v: lax.ppermute(v, "i", [(0, 1), (1, 2)]), axis_name="i")(X)
    close(p, np.stack([np.zeros((3, 2)), X[0], X[1]]))
    b = ad.vmap(lambda v: lax.psum(v > 0, "i"), axis_name="i", out_axes=None)(X)
    assert to_numpy(b).dtype == np.int32
    close(b, (X > 0).sum(0))


def test_nested_and_tuple_names(backend):
    x = RNG.normal(size=(2, 3, 4))
    f = ad.vmap(ad.vmap(lambda v: (v - lax.psum(v, ("j", "i")), lax.axis_index(("i", "j")),
                                   lax.axis_size(("i", "j")), v - lax.pmax(v, "i")),
                        axis_name="j"), axis_name="i")
    a, idx, n, c = f(x)
    close(a, x - x.sum((0, 1)))
    close(idx, np.arange(6).reshape(2, 3))
    close(n, np.full((2, 3), 6))
    close(c, x - x.max(0))
    check_grads(lambda t: f(t)[0] * f(t)[3], (x,), 1)


def test_psum_rule_inside_the_vmap(backend):
    """JAX's rule: psum's cotangent is psum of the cotangent, so a loss shared by every
    example counts once per example, and a shared (in_axes=None) argument's gradient is each
    example's copy's."""
    x = np.arange(4.0)
    close(ad.vmap(ad.grad(lambda v: lax.psum(v, "i")), axis_name="i")(x), np.full(4, 4.0))
    g = ad.vmap(ad.grad(lambda v: -lax.psum(v, "i")), axis_name="i", out_axes=None)(x)
    close(g, -4.0)
    close(ad.vmap(ad.grad(lambda v, w: lax.psum(v * w, "i"), argnums=1), in_axes=(0, None),
                  axis_name="i")(x, 2.0), 4 * x)
    close(ad.vmap(ad.grad(lambda v, w: lax.psum(w, "i") * v, argnums=1), in_axes=(0, None),
                  axis_name="i")(x, 2.0), np.full(4, 6.0))
    # outside: the batched program's derivative
    close(ad.grad(lambda a: gnp.sum(ad.vmap(lambda v: lax.psum(v, "i"),
                                            axis_name="i")(a)))(x), np.full(4, 4.0))
    close(ad.grad(lambda w: gnp.sum(ad.vmap(lambda v, u: lax.psum(u, "i") * v,
                                            in_axes=(0, None), axis_name="i")(x, w)))(2.0),
          4 * x.sum())


@pytest.mark.parametrize("op", list(OPS))
def test_inside_equals_summed_loss(backend, op):
    """vmap(grad(loss)) with collectives is the gradient of the examples' summed losses, a
    shared argument taken as one copy per example; grad of the vmapped loss matches central
    differences."""
    def loss(v, w):
        y = OPS[op](gnp.sin(v))
        return gnp.sum(gnp.cos(y) * w[: y.size].reshape(y.shape)) + gnp.sum(v * v)

    for shared in (False, True):
        v = X[0] if shared else X
        xa = None if shared else 0
        inside = ad.vmap(ad.grad(loss), in_axes=(xa, 0), axis_name="i")(v, W)
        rep = np.broadcast_to(v, (3,) + v.shape) if shared else v
        total = ad.grad(lambda a: gnp.sum(ad.vmap(loss, axis_name="i")(a, W)))(rep)
        close(inside, total)
        f = ad.vmap(loss, in_axes=(xa, 0), axis_name="i")
        check_grads(lambda a: f(a, W), (v,), 1)


def test_second_order_and_jit(backend):
    f = ad.vmap(lambda v: gnp.tanh(v) * lax.psum(v * v, "i") + lax.all_gather(v, "i").sum(0),
                axis_name="i")
    check_grads(f, (X,), 2)
    g = ad.vmap(ad.grad(lambda v: gnp.sum(gnp.sin(lax.psum(v, "i")) * v)), axis_name="i")
    check_grads(g, (X,), 1)
    close(ad.jit(f)(X), f(X))
    close(ad.jit(f)(2 * X), f(2 * X))
    h = ad.vmap(ad.jit(lambda v: gnp.tanh(v) * lax.psum(v * v, "i")), axis_name="i")
    close(h(X), ad.vmap(lambda v: gnp.tanh(v) * lax.psum(v * v, "i"), axis_name="i")(X))


def test_errors(backend):
    x = np.arange(4.0)
    with pytest.raises(NameError, match="psum: unbound axis name 'j'"):
        ad.vmap(lambda v: lax.psum(v, "j"), axis_name="i")(x)
    with pytest.raises(NameError, match="axis_index"):
        lax.axis_index("i")
    with pytest.raises(NotImplementedError, match="axis_index_groups"):
        ad.vmap(lambda v: lax.psum(v, "i", axis_index_groups=[[0, 1], [2, 3]]),
                axis_name="i")(x)
    with pytest.raises(NotImplementedError, match="spmd_axis_name"):
        ad.vmap(lambda v: v, spmd_axis_name="d")
    with pytest.raises(ValueError, match="chunk_size"):
        ad.vmap(lambda v: v, axis_name="i", chunk_size=2)
    with pytest.raises(ValueError, match="must equal"):
        ad.vmap(lambda v: lax.all_to_all(gnp.ones(3), "i", 0, 0), axis_name="i")(x)
    with pytest.raises(ValueError, match="unique"):
        ad.vmap(lambda v: lax.ppermute(v, "i", [(0, 1), (0, 2)]), axis_name="i")(x)
    with pytest.raises(NotImplementedError, match="tuple"):
        ad.vmap(ad.vmap(lambda v: lax.ppermute(v, ("i", "j"), [(0, 1), (1, 0)]),
                        axis_name="j"), axis_name="i")(np.ones((2, 2)))
    # the name is unbound again once its vmap has returned
    ad.vmap(lambda v: lax.psum(v, "i"), axis_name="i")(x)
    with pytest.raises(NameError):
        lax.psum(gnp.asarray(x), "i")


def test_blocks_run_again_in_backward_see_their_names(backend):
    """A checkpointed block and a custom_vjp's bwd run again in backward, after the vmap has
    returned: the axis names they saw still resolve (they raised NameError)."""
    x = X[:, 0]
    f = lambda v: gnp.sin(v) * lax.psum(v, "i")  # noqa: E731
    plain = ad.vmap(f, axis_name="i")
    ck = ad.vmap(ad.checkpoint(f), axis_name="i")
    loss = lambda g: lambda a: gnp.sum(g(a) * gnp.arange(1.0, 4.0)[:, None])  # noqa: E731
    close(ad.grad(loss(ck))(x), ad.grad(loss(plain))(x))
    close(ad.vmap(ad.grad(lambda v: gnp.sum(ad.checkpoint(f)(v))), axis_name="i")(x),
          ad.vmap(ad.grad(lambda v: gnp.sum(f(v))), axis_name="i")(x))

    @ad.custom_vjp
    def s(v):
        return gnp.sin(v)

    s.defvjp(lambda v: (gnp.sin(v), gnp.cos(v)), lambda c, g: (lax.psum(g * c, "i"),))
    w = np.arange(1.0, 4.0)[:, None]
    got = ad.grad(lambda a: gnp.sum(ad.vmap(s, axis_name="i")(a) * w))(x)
    close(got, np.broadcast_to((w * np.cos(x)).sum(0), x.shape))


def test_positional_axes(backend):
    """Ints among the names are array axes (JAX's positional axes); they raised NameError."""
    x = np.arange(24.0).reshape(2, 3, 4)
    close(ad.vmap(lambda v: lax.psum(v, ("i", 0)), axis_name="i", out_axes=None)(x),
          x.sum((0, 1)))
    close(ad.vmap(lambda v: lax.pmax(v, ("i", -1)), axis_name="i", out_axes=None)(x),
          x.max((0, 2)))
    close(ad.vmap(lambda v: lax.pmean(v, 1), axis_name="i")(x), x.mean(2))
    check_grads(ad.vmap(lambda v: gnp.sin(lax.psum(v * v, (0, "i"))), axis_name="i"),
                (RNG.normal(size=(2, 3)),), 2)


def test_jit_cache_keys_on_the_bound_names(backend):
    """A jitted function traced under vmaps named (i, j) and called again under (j, i) with the
    same shapes psums over the axis now named i (the cached program summed over the old one,
    silently), and one called where its name is unbound raises."""
    x = RNG.normal(size=(3, 3))
    f = ad.jit(lambda v: lax.psum(v, "i"))
    ad.vmap(ad.vmap(f, axis_name="j"), axis_name="i")(x)
    got = ad.vmap(ad.vmap(f, axis_name="i"), axis_name="j")(x)
    close(got, np.broadcast_to(x.sum(1, keepdims=True), (3, 3)))
    with pytest.raises(NameError):
        ad.vmap(ad.vmap(f, axis_name="k"), axis_name="j")(x)
