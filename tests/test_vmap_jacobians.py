"""jacrev, jacfwd and hessian (one vmapped sweep each) against float64 central differences and
against the looped Jacobian written here: one vjp per output element.

Covered: array and pytree inputs and outputs, ``argnums`` as an int and as a tuple,
``has_aux``, and ``chunk_size`` (None, 1, uneven, larger than the output).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp

CHUNKS = [None, 1, 2, 100]


def host(a):
    if isinstance(a, ad.Tensor):
        return a.numpy()
    if hasattr(a, "get"):
        return a.get()
    return np.asarray(a)


def dev(a):
    return ad.get_backend().xp.asarray(a)


def _pick(args, argnums):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    return single, nums


def _replace(args, nums, new):
    a = list(args)
    for k, v in zip(nums, new, strict=True):
        a[k] = v
    return a


def _layout(out, single, nums, per):
    """A Jacobian pytree in jax's layout from ``per[oi][j][li]`` (output leaf ``oi``, argnum
    position ``j``, input leaf ``li``) and the input trees."""
    o_leaves, o_def = ad.tree_flatten(out)
    leaves = []
    for oi in range(len(o_leaves)):
        trees = [ad.tree_unflatten(tdef, blocks) for tdef, blocks in per[oi]]
        leaves.append(trees[0] if single else tuple(trees))
    return ad.tree_unflatten(o_def, leaves)


def looped_jacobian(f, args, argnums=0):
    """One vjp per output element (the rows), assembled as jacrev lays them out."""
    single, nums = _pick(args, argnums)
    y, back = ad.vjp(lambda *xs: f(*_replace(args, nums, xs)), *[args[k] for k in nums])
    o_leaves, o_def = ad.tree_flatten(y)
    in_trees = [ad.tree_flatten(args[k]) for k in nums]
    per = []
    for oi, o in enumerate(o_leaves):
        oshape = np.shape(host(o))
        rows = []  # per output element: the flat cotangent leaves
        for idx in itertools.product(*map(range, oshape)):
            cot = [np.zeros(np.shape(host(v))) for v in o_leaves]
            cot[oi][idx] = 1.0
            g = back(ad.tree_unflatten(o_def, [dev(c) for c in cot]))
            rows.append([[host(leaf) for leaf in ad.tree_flatten(gk)[0]] for gk in g])
        blocks = []
        for j, (leaves, tdef) in enumerate(in_trees):
            bl = []
            for li, x in enumerate(leaves):
                xs = np.shape(host(x))
                r = np.stack([row[j][li] for row in rows]) if rows else np.zeros((0,) + xs)
                bl.append(r.reshape(oshape + xs))
            blocks.append((tdef, bl))
        per.append(blocks)
    return _layout(y, single, nums, per)


def fd_jacobian(f, args, argnums=0, h=1e-6):
    """Central differences, one input element at a time."""
    single, nums = _pick(args, argnums)
    y = f(*args)
    o_leaves = [host(o) for o in ad.tree_flatten(y)[0]]
    per = [[] for _ in o_leaves]
    for k in nums:
        leaves, tdef = ad.tree_flatten(args[k])
        blocks = [[] for _ in o_leaves]
        for li, x in enumerate(leaves):
            x = host(x)
            cols = [[] for _ in o_leaves]
            for idx in itertools.product(*map(range, x.shape)):
                outs = []
                for s in (1, -1):
                    xp = x.copy()
                    xp[idx] += s * h
                    new = list(leaves)
                    new[li] = dev(xp)
                    a = list(args)
                    a[k] = ad.tree_unflatten(tdef, new)
                    outs.append([host(o) for o in ad.tree_flatten(f(*a))[0]])
                for oi in range(len(o_leaves)):
                    cols[oi].append((outs[0][oi] - outs[1][oi]) / (2 * h))
            for oi, o in enumerate(o_leaves):
                c = np.stack(cols[oi], -1) if cols[oi] else np.zeros(o.shape + (0,))
                blocks[oi].append(c.reshape(o.shape + x.shape))
        for oi in range(len(o_leaves)):
            per[oi].append((tdef, blocks[oi]))
    return _layout(y, single, nums, per)


def assert_tree_close(got, want, rtol, atol, what):
    g_leaves, g_def = ad.tree_flatten(got)
    w_leaves, w_def = ad.tree_flatten(want)
    assert g_def == w_def, f"{what}: structure {g_def}, expected {w_def}"
    for g, w in zip(g_leaves, w_leaves, strict=True):
        g, w = host(g), host(w)
        assert g.shape == w.shape, f"{what}: shape {g.shape}, expected {w.shape}"
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=what)


# ---- functions ---------------------------------------------------------------------------------

RNG = np.random.default_rng(5)
A = RNG.standard_normal((3, 4))


def f_vec(x):
    return gnp.sin(dev(A) @ gnp.tanh(x)) * x[0]


def f_tree(p, x):
    h = gnp.tanh(x @ p["w"] + p["b"])
    return {"h": h, "s": gnp.sum(h ** 2) * gnp.exp(-x[0, 1])}


def f_aux(x):
    y = gnp.cos(x) * gnp.sum(x ** 2)
    return y, {"norm": gnp.sqrt(gnp.sum(x ** 2))}


def _tree_args():
    rng = np.random.default_rng(6)
    return ({"w": dev(rng.standard_normal((3, 2))), "b": dev(rng.standard_normal(2))},
            dev(rng.standard_normal((2, 3))))


JACS = {"jacrev": ad.jacrev, "jacfwd": ad.jacfwd}


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("how", sorted(JACS))
def test_jacobian_of_a_vector_function(backend, how, chunk):
    x = dev(np.random.default_rng(7).standard_normal(4))
    jac = JACS[how](f_vec, chunk_size=chunk)(x)
    assert np.shape(host(jac)) == (3, 4)
    assert_tree_close(jac, looped_jacobian(f_vec, (x,)), 1e-10, 1e-12, f"{how} vs loop")
    assert_tree_close(jac, fd_jacobian(f_vec, (x,)), 1e-6, 1e-8, f"{how} vs differences")


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0)])
@pytest.mark.parametrize("chunk", [None, 3])
@pytest.mark.parametrize("how", sorted(JACS))
def test_jacobian_of_pytrees_and_argnums(backend, how, chunk, argnums):
    args = _tree_args()
    jac = JACS[how](f_tree, argnums=argnums, chunk_size=chunk)(*args)
    assert_tree_close(jac, looped_jacobian(f_tree, args, argnums), 1e-10, 1e-12,
                      f"{how} argnums={argnums} vs loop")
    assert_tree_close(jac, fd_jacobian(f_tree, args, argnums), 1e-6, 1e-8,
                      f"{how} argnums={argnums} vs differences")


@pytest.mark.parametrize("chunk", [None, 2])
@pytest.mark.parametrize("how", sorted(JACS))
def test_jacobian_with_aux(backend, how, chunk):
    x = dev(np.random.default_rng(8).standard_normal(5))
    jac, aux = JACS[how](f_aux, has_aux=True, chunk_size=chunk)(x)
    main = lambda v: f_aux(v)[0]  # noqa: E731
    assert_tree_close(jac, looped_jacobian(main, (x,)), 1e-10, 1e-12, f"{how} vs loop")
    assert_tree_close(jac, fd_jacobian(main, (x,)), 1e-6, 1e-8, f"{how} vs differences")
    np.testing.assert_allclose(host(aux["norm"]), np.linalg.norm(host(x)), rtol=1e-12)


def g_scalar(x):
    return gnp.sum(gnp.sin(x) * x[::-1]) + gnp.prod(gnp.tanh(x[:3])) + gnp.sum(x ** 2) ** 1.5


def g_tree(p, x):
    return gnp.sum(gnp.tanh(x @ p["w"] + p["b"]) ** 2) * gnp.exp(0.1 * gnp.sum(x))


@pytest.mark.parametrize("chunk", CHUNKS)
def test_hessian_of_a_scalar_function(backend, chunk):
    x = dev(np.random.default_rng(9).standard_normal(5))
    H = ad.hessian(g_scalar, chunk_size=chunk)(x)
    g = ad.grad(g_scalar)
    assert np.shape(host(H)) == (5, 5)
    # reverse over reverse, one vjp of the gradient per row
    assert_tree_close(H, looped_jacobian(g, (x,)), 1e-9, 1e-11, "hessian vs loop")
    assert_tree_close(H, fd_jacobian(g, (x,)), 1e-6, 1e-7, "hessian vs differences")
    np.testing.assert_allclose(host(H), host(H).T, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("argnums", [0, (0, 1)])
@pytest.mark.parametrize("chunk", [None, 4])
def test_hessian_of_pytrees_and_argnums(backend, argnums, chunk):
    args = _tree_args()
    H = ad.hessian(g_tree, argnums=argnums, chunk_size=chunk)(*args)
    g = ad.grad(g_tree, argnums=argnums)
    assert_tree_close(H, looped_jacobian(g, args, argnums), 1e-9, 1e-11,
                      f"hessian argnums={argnums} vs loop")
    assert_tree_close(H, fd_jacobian(g, args, argnums), 1e-6, 1e-7,
                      f"hessian argnums={argnums} vs differences")


def test_hessian_with_aux(backend):
    x = dev(np.random.default_rng(10).standard_normal(4))

    def g(v):
        return g_scalar(v), gnp.max(v)

    H, aux = ad.hessian(g, has_aux=True, chunk_size=3)(x)
    assert_tree_close(H, fd_jacobian(ad.grad(g_scalar), (x,)), 1e-6, 1e-7, "hessian(has_aux)")
    np.testing.assert_allclose(host(aux), host(x).max())


def test_bad_chunk_size_is_a_clear_error():
    with pytest.raises(ValueError, match="chunk_size"):
        ad.jacrev(f_vec, chunk_size=0)(np.ones(4))
