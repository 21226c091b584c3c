"""Random small programs under random stacks of transformations, gpuad against JAX (float64).

A seed draws a program over functions that gpuad.numpy and jax.numpy share (elementwise,
reductions, indexing, ``.at`` updates, custom_jvp/custom_vjp, checkpoint, lax control flow)
and a stack of one to three transformations (jit, vmap with random in_axes/out_axes,
grad, value_and_grad, jacfwd, jacrev, hessian, jvp, vjp, linearize, checkpoint, remat). The
same program is built once with each library, called on two sets of arguments (and a compiled
one on the first set again, so a value baked in at trace time shows) and every output leaf is
compared. A combination JAX itself refuses is skipped; gpuad must then give the same numbers
or raise.
"""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import lax as glax  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402

A3 = np.random.default_rng(123).standard_normal((3, 3))


class _Lib:
    def __init__(self, name):
        self.name = name
        self.T = ad if name == "g" else jax
        self.np = gnp if name == "g" else jnp
        self.lax = glax if name == "g" else jax.lax
        self.sg = ad.stop_gradient if name == "g" else jax.lax.stop_gradient

    def at(self, x):
        return ad.at(x) if self.name == "g" else x.at

    def tree_map(self, f, t):
        return ad.tree_map(f, t) if self.name == "g" else jax.tree_util.tree_map(f, t)

    def leaves(self, t):
        return ad.tree_leaves(t) if self.name == "g" else jax.tree_util.tree_leaves(t)


G, J = _Lib("g"), _Lib("j")


def _custom_jvp(M):
    @M.T.custom_jvp
    def f(x):
        return M.np.sin(x) * x

    @f.defjvp
    def f_jvp(p, t):
        return f(p[0]), (M.np.cos(p[0]) * p[0] + M.np.sin(p[0])) * t[0] * 1.5

    return f


def _custom_vjp(M):
    @M.T.custom_vjp
    def f(x, y):
        return M.np.tanh(x) * y

    f.defvjp(lambda x, y: (f(x, y), (x, y)),
             lambda r, g: (g * r[1] * (1 - M.np.tanh(r[0]) ** 2) * 2.0, g * M.np.tanh(r[0])))
    return f


UNARY = {
    "sin": lambda M, x: M.np.sin(x),
    "tanh": lambda M, x: M.np.tanh(x),
    "exptanh": lambda M, x: M.np.exp(M.np.tanh(x)),
    "log1psq": lambda M, x: M.np.log1p(x * x),
    "cube": lambda M, x: x ** 3,
    "cumsum": lambda M, x: M.np.cumsum(x),
    "cumprod": lambda M, x: M.np.cumprod(M.np.tanh(x)),
    "rev": lambda M, x: x[::-1],
    "roll": lambda M, x: M.np.roll(x, 1),
    "sort": lambda M, x: M.np.sort(x),
    "matvec": lambda M, x: A3 @ x,
    "stopgrad": lambda M, x: M.sg(x) * x,
    "relu": lambda M, x: M.np.maximum(x, 0.0),
    "leaky": lambda M, x: M.np.where(x > 0, x, 0.1 * x),
    "custom_jvp": lambda M, x: _custom_jvp(M)(x),
    "checkpoint": lambda M, x: M.T.checkpoint(lambda z: (M.np.sin(z) * z, z))(x)[0],
    "at_set": lambda M, x: M.at(x)[1].set(x[0] * 2.0),
    "at_add": lambda M, x: M.at(x)[::2].add(M.np.sin(x[1])),
    "softmax": lambda M, x: M.np.exp(x - M.np.max(x)) / M.np.sum(M.np.exp(x - M.np.max(x))),
    "interp": lambda M, x: M.np.interp(x, np.array([-1.0, 0.0, 1.0]), np.array([0.0, 2.0, -1.0])),
    "take": lambda M, x: M.np.take(x, np.array([2, 0, 0])),
}
BINARY = {
    "mul": lambda M, x, y: x * y,
    "div": lambda M, x, y: x / (1.0 + y * y),
    "max": lambda M, x, y: M.np.maximum(x, y),
    "atan2": lambda M, x, y: M.np.arctan2(x, y + 3.0),
    "where": lambda M, x, y: M.np.where(x > y, x * y, y - x),
    "dot": lambda M, x, y: M.np.dot(x, y) * x,
    "custom_vjp": lambda M, x, y: _custom_vjp(M)(x, y),
}
REDUCE = {
    "sum": lambda M, x: M.np.sum(x),
    "max": lambda M, x: M.np.max(x),
    "l2": lambda M, x: M.np.sqrt(M.np.sum(x * x) + 0.5),
    "var": lambda M, x: M.np.var(x),
}


def _scan(M, x, y, u, rev):
    def body(c, xi):
        c2 = UNARY[u](M, c) * xi * 0.5 + c * 0.7
        return c2, M.np.sum(c2 * xi)
    c, ys = M.lax.scan(body, y, x, reverse=rev)
    return c + M.np.sum(ys) * 0.1


def _fori(M, x, y, u, rev):
    return M.lax.fori_loop(0, 3, lambda i, c: UNARY[u](M, c) * 0.5 + c * y * 0.3, x)


def _while(M, x, y, u, rev):
    return M.lax.while_loop(lambda c: c[0] < 3,
                            lambda c: (c[0] + 1, UNARY[u](M, c[1]) * 0.6 + y * 0.2), (0, x))[1]


def _cond(M, x, y, u, rev):
    return M.lax.cond(M.np.sum(x) > M.np.sum(y), lambda a, b: UNARY[u](M, a) * b,
                      lambda a, b: a - M.np.sin(b), x, y)


def _switch(M, x, y, u, rev):
    i = (M.np.sum(x) > 0).astype(int) + (M.np.sum(y) > 0).astype(int)
    return M.lax.switch(i, [lambda a, b: a * b, lambda a, b: UNARY[u](M, a) + b,
                            lambda a, b: M.np.cos(a) * 2 - b], x, y)


def _map(M, x, y, u, rev):
    return M.lax.map(lambda r: M.np.sum(UNARY[u](M, r[0] * r[1]) * r), M.np.stack([x, y], 1))


def _assoc(M, x, y, u, rev):
    return M.lax.associative_scan(lambda a, b: a * 0.5 + b, x * y, reverse=rev)


CONTROL = {"scan": _scan, "fori": _fori, "while": _while, "cond": _cond, "switch": _switch,
           "map": _map, "assoc": _assoc}
TRANSFORMS = ["jit", "jit", "vmap", "vmap", "vmap", "grad", "vag", "jacfwd", "jacrev", "jvp",
              "vjp", "linearize", "checkpoint", "hessian", "remat"]


def _draw_program(r, nin):
    ops, nv = [], nin
    for _ in range(r.randint(1, 5)):
        k = r.random()
        if k < 0.35:
            ops.append(("un", r.choice(sorted(UNARY)), r.randrange(nv)))
        elif k < 0.6:
            ops.append(("bin", r.choice(sorted(BINARY)), r.randrange(nv), r.randrange(nv)))
        elif k < 0.7:
            ops.append(("red", r.choice(sorted(REDUCE)), r.randrange(nv), r.randrange(nv)))
        else:
            ops.append(("cf", r.choice(sorted(CONTROL)), r.randrange(nv), r.randrange(nv),
                        r.choice(sorted(UNARY)), r.random() < 0.4))
        nv += 1
    outs = sorted({nv - 1, r.randrange(nv)}) if r.random() < 0.4 else [nv - 1]
    return ops, outs


def _run(M, prog, args):
    ops, outs = prog
    vals = list(args)
    for op in ops:
        if op[0] == "un":
            vals.append(UNARY[op[1]](M, vals[op[2]]))
        elif op[0] == "bin":
            vals.append(BINARY[op[1]](M, vals[op[2]], vals[op[3]]))
        elif op[0] == "red":
            vals.append(REDUCE[op[1]](M, vals[op[2]]) * vals[op[3]])
        else:
            vals.append(CONTROL[op[1]](M, vals[op[2]], vals[op[3]], op[4], op[5]))
    return vals[outs[0]] if len(outs) == 1 else tuple(vals[o] for o in outs)


def _scalar(M, out):
    return sum(M.np.sum(M.np.sin(leaf * (1.0 + 0.3 * i))) for i, leaf in enumerate(M.leaves(out)))


def _wrap(M, t, p, f):
    if t == "jit":
        return M.T.jit(f)
    if t == "checkpoint":
        return M.T.checkpoint(f)
    if t == "remat":
        return M.T.remat(f, policy=M.T.checkpoint_policies.nothing_saveable)
    if t in ("grad", "vag", "hessian"):
        fn = {"grad": M.T.grad, "vag": M.T.value_and_grad, "hessian": M.T.hessian}[t]
        return fn(lambda *a: _scalar(M, f(*a)), argnums=p["argnums"])
    if t in ("jacfwd", "jacrev"):
        return getattr(M.T, t)(f, argnums=p["argnums"])
    if t == "jvp":
        return lambda *a: M.T.jvp(f, a, tuple(M.np.cos(x) * 0.7 + 0.1 for x in a))
    if t == "vjp":
        def vjp(*a):
            y, back = M.T.vjp(f, *a)
            return y, back(M.tree_map(lambda o: M.np.sin(o) + 0.5, y))
        return vjp
    if t == "linearize":
        def lin(*a):
            y, f_jvp = M.T.linearize(f, *a)
            return y, f_jvp(*[M.np.cos(x) * 0.5 for x in a])
        return lin
    return M.T.vmap(f, in_axes=tuple(p["in_axes"]), out_axes=p["out_axes"])


def _draw_params(r, t, shapes):
    n = len(shapes)
    if t in ("grad", "vag", "jacfwd", "jacrev", "hessian"):
        if n > 1 and r.random() < 0.5:
            return {"argnums": tuple(sorted(r.sample(range(n), r.randint(1, n))))}
        return {"argnums": r.randrange(n)}
    if t != "vmap":
        return {}
    axes = [None if r.random() < 0.3 else r.randrange(-len(s) - 1, len(s) + 1) for s in shapes]
    if all(a is None for a in axes):
        axes[0] = 0
    return {"in_axes": axes, "out_axes": r.choice([0, 0, -1]), "B": r.choice([2, 3])}


def _outer_shapes(t, p, shapes):
    if t != "vmap":
        return shapes
    out = []
    for s, ax in zip(shapes, p["in_axes"], strict=True):
        if ax is None:
            out.append(s)
        else:
            k = ax % (len(s) + 1)
            out.append(s[:k] + (p["B"],) + s[k:])
    return out


def _case(seed):
    r = random.Random(seed)
    nin = r.randint(1, 3)
    shapes = [() if r.random() < 0.15 else (3,) for _ in range(nin)]
    prog = _draw_program(r, nin)
    stack = [r.choice(TRANSFORMS) for _ in range(r.randint(1, 3))]
    params, outer = [], list(shapes)
    for t in stack:
        params.append(_draw_params(r, t, outer))
        outer = _outer_shapes(t, params[-1], outer)
    rng = np.random.default_rng(seed)
    argsets = [[rng.standard_normal(s) for s in outer] for _ in range(2)]
    if "jit" in stack:
        argsets.append(argsets[0])

    def build(M):
        f = lambda *a: _run(M, prog, a)  # noqa: E731
        for t, p in zip(stack, params, strict=True):
            f = _wrap(M, t, p, f)
        return f

    return f"prog={prog} stack={list(zip(stack, params, strict=True))}", build, argsets


@pytest.mark.parametrize("seed", range(24))
def test_random_program_under_transforms(seed):
    what, build, argsets = _case(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = [build(J)(*a) for a in argsets]
        except Exception as e:  # a combination JAX refuses: nothing to compare
            pytest.skip(f"JAX refuses it: {type(e).__name__}")
        try:
            got = [build(G)(*a) for a in argsets]
        except (TypeError, ValueError, IndexError, ad.GradError, NotImplementedError) as e:
            pytest.skip(f"gpuad raises {type(e).__name__}: {str(e)[:120]}")
    for k, (g, j) in enumerate(zip(got, want, strict=True)):
        gl, jl = ad.tree_leaves(g), jax.tree_util.tree_leaves(j)
        assert len(gl) == len(jl), f"{what}: call {k}: {len(gl)} leaves, JAX {len(jl)}"
        for a, b in zip(gl, jl, strict=True):
            b = np.asarray(b)
            if b.dtype == jax.dtypes.float0:
                continue
            a = to_numpy(a)
            assert a.shape == b.shape, f"{what}: call {k}: shape {a.shape}, JAX {b.shape}"
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, err_msg=f"{what}: call {k}")


# ---- the compositions that once went wrong, against JAX ----------------------------------------

def _compare(fg, fj, *args, tol=1e-10):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g, j = fg(*args), fj(*args)
    gl, jl = ad.tree_leaves(g), jax.tree_util.tree_leaves(j)
    assert len(gl) == len(jl)
    for a, b in zip(gl, jl, strict=True):
        np.testing.assert_allclose(to_numpy(a), np.asarray(b), rtol=tol, atol=tol)


X = np.random.default_rng(0).standard_normal((4, 3))
Y = np.random.default_rng(1).standard_normal((4, 3))


@pytest.mark.parametrize("M_", ["interp", "checkpoint_multi", "checkpoint_identity",
                                "unused_input", "nanargmax"])
def test_known_compositions(M_):
    def build(M):
        if M_ == "interp":
            f = lambda x: M.np.interp(x, np.array([-1.0, 0.0, 1.0]), np.array([0.0, 2.0, -1.0]))  # noqa: E731,E501
            return M.T.jit(M.T.vmap(M.T.grad(lambda x: M.np.sum(f(x) ** 2))))
        if M_ == "checkpoint_multi":
            blk = M.T.checkpoint(lambda x: (M.np.sin(x), M.np.sum(x * x)))
            return M.T.jit(M.T.vmap(M.T.jacrev(blk)))
        if M_ == "checkpoint_identity":
            blk = M.T.checkpoint(lambda x, y: (x, y ** 3))
            return lambda x: M.T.vmap(M.T.grad(
                lambda a, b: M.np.sum(M.np.sin(blk(a, b)[0]) * M.np.cos(blk(a, b)[1])),
                argnums=(0, 1)))(x, x[::-1] * 0.5)
        if M_ == "unused_input":
            return M.T.vmap(M.T.jit(M.T.jacrev(lambda a, b: M.np.sin(b), argnums=0)),
                            in_axes=(1, None))
        return M.T.jit(M.T.vmap(M.np.nanargmax))

    fg, fj = build(G), build(J)
    extra = (0.5,) if M_ == "unused_input" else ()
    for a in (X, Y):
        _compare(fg, fj, a, *extra)
