"""JAX's control-flow test programs (scan, while_loop, fori_loop, cond, switch, map,
associative_scan) run by gpuad.lax and jax.lax (float64), compared on values, dtypes and every
derivative: grad, jvp, vjp, jacfwd, jacrev, hessian, vmap (batched carries, predicates,
indices and loop bounds), jit, checkpoint and custom rules inside loop bodies.

Each case is written once against a namespace ``M`` (gpuad or jax). Where JAX refuses a
transformation (reverse mode through ``while_loop``), the JAX side runs the same program with
the loop written as a Python loop, so gpuad's derivative still has a reference. Error cases
check that gpuad raises where JAX raises.
"""

from __future__ import annotations

import collections
import functools
import operator
import types

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
jax.config.update("jax_enable_x64", True)

import gpuad as ad  # noqa: E402
import gpuad.numpy as gnp  # noqa: E402
from gpuad import lax as glax  # noqa: E402
from tests.conftest import to_numpy  # noqa: E402


def _py_while(cond_fun, body_fun, init):
    val = init
    while cond_fun(val):
        val = body_fun(val)
    return val


def _py_fori(lo, hi, body, init):
    val = init
    for i in range(int(lo), int(hi)):
        val = body(i, val)
    return val


def _ns(name, ref=False):
    T = ad if name == "g" else jax
    lax = glax if name == "g" else jax.lax
    if ref:
        lax = types.SimpleNamespace(**{k: getattr(jax.lax, k) for k in dir(jax.lax)
                                       if not k.startswith("__")})
        lax.while_loop, lax.fori_loop = _py_while, _py_fori
    tu = types.SimpleNamespace(
        map=ad.tree_map if name == "g" else jax.tree_util.tree_map,
        leaves=ad.tree_leaves if name == "g" else jax.tree_util.tree_leaves)
    return types.SimpleNamespace(name=name, T=T, np=gnp if name == "g" else jnp, lax=lax,
                                 tu=tu)


G, J, JREF = _ns("g"), _ns("j"), _ns("j", ref=True)
R = np.random.default_rng(7)


def _rn(*s):
    return R.standard_normal(s)


# ---- cases ---------------------------------------------------------------------------------

Case = collections.namedtuple("Case", "name build args modes diff in_axes rev_ref")
CASES: list[Case] = []
ALL = ("val", "grad", "jvp", "vjp", "jacfwd", "jacrev")


def case(name, args, modes=ALL, diff=None, in_axes=None, rev_ref=False):
    def deco(build):
        CASES.append(Case(name, build, args, modes, diff, in_axes, rev_ref))
        return build
    return deco


D2 = _rn(2)


def _scan_body(M, d):
    def f(c, a):
        b = M.np.cos(M.np.sum(M.np.sin(a)) + M.np.sum(M.np.cos(c)) + M.np.sum(M.np.tan(d)))
        return M.np.sin(c * b), b
    return f


def _scan_impls(M, name):
    if name == "unroll1":
        return M.lax.scan
    if name == "unroll2":
        return functools.partial(M.lax.scan, unroll=2)
    if name == "reverse":
        return functools.partial(M.lax.scan, reverse=True)
    pol = {"ckpt_nothing": "nothing_saveable", "ckpt_everything": "everything_saveable"}[name]

    def sc(f, *a, **k):
        return M.T.remat(functools.partial(M.lax.scan, f, **k),
                         policy=getattr(M.T.checkpoint_policies, pol))(*a)
    return sc


for _impl in ("unroll1", "unroll2", "reverse", "ckpt_nothing", "ckpt_everything"):
    for _jit_f in (False, True):
        @case(f"scan_impl_{_impl}_jitf{_jit_f}", (_rn(4), _rn(5, 3)),
              modes=ALL + ("hessian", "jit", "jit_grad") if _impl == "unroll1" and not _jit_f
              else ("val", "grad", "jvp"))
        def _(M, impl=_impl, jit_f=_jit_f):
            f = _scan_body(M, D2)
            if jit_f:
                f = M.T.jit(f)
            return lambda c, xs: _scan_impls(M, impl)(f, c, xs)

for _cb in (None, 0, 1):
    for _ab in (None, 0, 1, 2):
        if (_cb, _ab) == (None, None):
            continue
        _cs, _as = [4], [5, 3]
        if _cb is not None:
            _cs.insert(_cb, 3)
        if _ab is not None:
            _as.insert(_ab, 3)

        @case(f"scan_vmap_{_cb}_{_ab}", (_rn(*_cs), _rn(*_as)),
              modes=("vmap", "vmap_grad") if _cb == 1 or _ab == 2 else ("vmap",),
              in_axes=(_cb, _ab))
        def _(M):
            return lambda c, xs: M.lax.scan(_scan_body(M, D2), c, xs)


@case("scan_vmap_tuples", ((_rn(7, 2), _rn(7)), (_rn(3, 7), _rn(3, 4, 7))),
      modes=("vmap", "vmap_grad"), in_axes=(0, (1, 2)))
def _(M):
    def f(c, a):
        a1, a2 = a
        c1, c2 = c
        b = M.np.sum(M.np.cos(a1)) * M.np.sum(M.np.tan(c2 * a2))
        return (c1 * M.np.sin(M.np.sum(a1 * a2)), c2 * M.np.cos(M.np.sum(a1))), b
    return lambda c, xs: M.lax.scan(f, c, xs)


@case("scan_vmap_fixpoint", (np.array([3., 4., 5.]),), modes=("vmap", "vmap_grad"),
      in_axes=(0,))
def _(M):
    def f(ci):
        body = lambda c, x: ((c[1], c[2], c[3] * 1.5, 0.), None)  # noqa: E731
        return M.lax.scan(body, (0., 1., 2., ci), M.np.zeros(2))[0]
    return f


N_IN, N_HID = 4, 2


@case("scan_rnn", ((_rn(N_HID, N_HID + N_IN), _rn(1, N_HID + N_IN)), _rn(3, N_IN), _rn(3, 1)),
      modes=ALL + ("jit", "jit_grad"), diff=(0, 1))
def _(M):
    def loss(params, inputs, targets):
        W_t, W_o = params

        def step(state, x):
            st = M.np.concatenate([state, x])
            return M.np.tanh(W_t @ st), M.np.tanh(W_o @ st)
        _, out = M.lax.scan(step, M.np.zeros(N_HID), inputs)
        return M.np.sum((out - targets) ** 2)
    return loss


@case("scan_rnn_vmap", ((_rn(N_HID, N_HID + N_IN), _rn(1, N_HID + N_IN)), _rn(5, 3, N_IN)),
      modes=("vmap", "vmap_grad"), in_axes=(None, 0))
def _(M):
    def rnn(params, inputs):
        W_t, W_o = params

        def step(state, x):
            st = M.np.concatenate([state, x])
            return M.np.tanh(W_t @ st), M.np.tanh(W_o @ st)
        return M.lax.scan(step, M.np.zeros(N_HID), inputs)[1]
    return rnn


@case("scan_higher_order", (1., np.arange(6.).reshape(3, 2)), modes=ALL + ("hessian",))
def _(M):
    def f(c, a):
        b = M.np.sin(c * M.np.sum(M.np.cos(0.75 * a)))
        return 0.9 * M.np.cos(0.75 * M.np.sum(M.np.sin(c * a))), b
    return lambda c, xs: M.lax.scan(f, c, xs)


@case("scan_issue711_grad_in_body", (0.25,), modes=ALL + ("hessian",))
def _(M):
    def loss(p):
        energy = lambda conf: M.np.sum(conf * p * conf)  # noqa: E731

        def step(carry, _):
            i, x = carry
            return (i + 1, x - 0.1 * M.T.grad(energy)(x)), None
        (_, xf), _ = M.lax.scan(step, (0, M.np.array([1., 2., 3.])), M.np.zeros((7, 0)))
        return M.np.sum(M.np.sin(1.0 - xf))
    return loss


@case("scan_issue757_jacfwd_of_grad_body", (0.5,), modes=ALL + ("hessian", "jit"))
def _(M):
    def loop(v):
        step = lambda x, i: (M.T.grad(M.np.cos)(x), i)  # noqa: E731
        return M.lax.scan(step, v, M.np.arange(5))[0]
    return loop


@case("scan_length_arg_float", (_rn(3),), modes=ALL + ("hessian",))
def _(M):
    return lambda x: M.lax.scan(lambda c, _: (c * x, c), M.np.ones(3), None, length=4)


@case("scan_cumsum_reverse", (np.array([3., 1, 4, 1, 5, 9]),), modes=ALL)
def _(M):
    return lambda x: (M.lax.scan(lambda c, v: (c + v, c + v), 0., x)[1],
                      M.lax.scan(lambda c, v: (c + v, c * v), 0., x, reverse=True)[1])


@case("scan_hoisting_consts", (1.,), modes=ALL + ("hessian",))
def _(M):
    A = np.arange(4.).reshape(2, 2) / 4
    B = A + 0.25

    def f(x):
        def body(c, _):
            c1, c2, c3 = c
            return (M.np.dot(A, c1), M.np.dot(B, c2 * c1), M.np.dot(M.np.sin(B), c3)), None
        init = (x * M.np.ones(2), x * M.np.ones(2), x * M.np.ones(2))
        (c1, c2, c3), _ = M.lax.scan(body, init, None, length=3)
        return M.np.sum(c1) + M.np.sum(c2) + M.np.sum(c3)
    return f


@case("scan_cumprod_extensive", (_rn(6, 2, 5),), modes=ALL)
def _(M):
    return lambda x: M.lax.scan(lambda s, v: (v * s, s), M.np.ones((2, 5)), x)


@case("scan_cond_inside_loop_bug5900", (3.0,), modes=ALL + ("hessian",))
def _(M):
    def my_pow(x):
        def it(val):
            return val * x, True

        def fun(tup, _):
            val, c = tup
            return M.lax.cond(c, it, lambda v: (v, False), val), None
        return M.lax.scan(fun, (1.0, True), None, length=3)[0][0]
    return my_pow


@case("scan_jit_issue1361", (0.7,), modes=ALL)
def _(M):
    @M.T.jit
    def run(x):
        def fun(carry, _):
            x, _ = carry
            return (2 * x * M.np.sin(x), 0.), None
        (x, _), _ = M.lax.scan(fun, (x, 0.), M.np.arange(3))
        return x
    return run


@case("scan_dict_namedtuple_carry", (_rn(3), _rn(4, 3)), modes=ALL + ("vmap",),
      in_axes=(None, 1))
def _(M):
    P = collections.namedtuple("P", "a b")

    def f(c, x):
        n = c["p"].a * M.np.cos(x) + c["p"].b
        return {"p": P(n, c["p"].b * 0.5), "s": c["s"] + M.np.sum(n)}, (n, {"k": x * c["s"]})
    return lambda h, xs: M.lax.scan(f, {"p": P(h, h * 2), "s": 0.}, xs)


@case("scan_checkpoint_in_body", (_rn(3), _rn(4, 3)), modes=ALL + ("hessian",))
def _(M):
    blk = M.T.checkpoint(lambda c, x: M.np.sin(c * x) + M.np.cos(c))
    return lambda h, xs: M.lax.scan(lambda c, x: (blk(c, x), M.np.sum(c)), h, xs)


@case("scan_remat_policy_in_body", (_rn(3), _rn(4, 3)), modes=ALL)
def _(M):
    blk = M.T.remat(lambda c, x: M.np.tanh(c * x) * c,
                    policy=M.T.checkpoint_policies.dots_with_no_batch_dims_saveable)
    return lambda h, xs: M.lax.scan(lambda c, x: (blk(c, x), c), h, xs)


def _custom_jvp_fn(M):
    @M.T.custom_jvp
    def f(x):
        return M.np.sin(x) * x

    @f.defjvp
    def f_jvp(p, t):
        (x,), (dx,) = p, t
        return f(x), (M.np.cos(x) * x + M.np.sin(x)) * dx
    return f


def _custom_vjp_fn(M):
    @M.T.custom_vjp
    def f(x, y):
        return x * M.np.exp(y)

    f.defvjp(lambda x, y: (f(x, y), (x, y)),
             lambda r, g: (g * M.np.exp(r[1]), g * r[0] * M.np.exp(r[1])))
    return f


@case("scan_custom_jvp_in_body", (_rn(3), _rn(4, 3)), modes=ALL + ("hessian", "vmap"),
      in_axes=(0, 1))
def _(M):
    f = _custom_jvp_fn(M)
    return lambda h, xs: M.lax.scan(lambda c, x: (f(c) + x, f(x) * c), h, xs)


@case("scan_custom_vjp_in_body", (_rn(3), _rn(4, 3)),
      modes=("val", "grad", "vjp", "jacrev", "vmap", "vmap_grad"), in_axes=(0, 1))
def _(M):
    f = _custom_vjp_fn(M)
    return lambda h, xs: M.lax.scan(lambda c, x: (f(c, x * 0.3), M.np.sum(c)), h, xs)


@case("scan_nested", (_rn(2), _rn(3, 4, 2)), modes=ALL + ("hessian", "jit"))
def _(M):
    def inner(c, x):
        return M.np.sin(c) * x + c, M.np.sum(c * x)

    def outer(c, xs):
        c2, ys = M.lax.scan(inner, c, xs, reverse=True)
        return c2 * 0.5, ys
    return lambda h, xss: M.lax.scan(outer, h, xss)


@case("scan_closure_outer_array", (_rn(3, 3), _rn(3), _rn(5, 3)), modes=ALL + ("jit_grad",))
def _(M):
    def f(W, h, xs):
        return M.lax.scan(lambda c, x: (M.np.tanh(W @ c + x), W[0] @ c), h, xs)
    return f


@case("scan_empty", (1.5, np.zeros((0, 2))), modes=("val", "grad", "jvp"), diff=(0,))
def _(M):
    return lambda c, xs: M.lax.scan(lambda c, x: (c * 2 + M.np.sum(x), x * c), c, xs)


# ---- while_loop / fori_loop ------------------------------------------------------------------

@case("while_jvp_xx", (np.arange(9.).reshape(3, 3) / 4 + 1.1,),
      modes=ALL + ("hessian", "jit"), rev_ref=True)
def _(M):
    return lambda x: M.lax.while_loop(lambda x: x[0, 2] <= 8, lambda x: x * x, x)


@case("while_growing_nonzero_tangents", (_rn(2), _rn(2), _rn(2)), modes=ALL, rev_ref=True)
def _(M):
    def body(s):
        i, x, y, z = s
        y = x * x
        return i + 1, x, y, y * y + z
    return lambda x, y, z: M.lax.while_loop(lambda s: s[0] < 2, body, (0, x, y, z))[1:]


@case("while_grad_error_cases", (1.,), modes=ALL + ("hessian",), rev_ref=True)
def _(M):
    def f(x):
        a = M.lax.while_loop(lambda i: i < 5., lambda i: i * 1.5 + 1., x)
        b = M.lax.scan(lambda c, v: (M.lax.fori_loop(0, 2, lambda i, c1: c1 * c, c * v), None),
                       x, M.np.ones(2) * 0.7)[0]
        return a + b
    return f


@case("fori_jvp", (2.,), modes=ALL + ("hessian", "jit", "jit_grad"))
def _(M):
    return lambda x: (M.lax.fori_loop(0, 3, lambda i, x: x * 2, x),
                      M.lax.fori_loop(0, 3, lambda i, x: x * (i + 1), x),
                      M.lax.fori_loop(1, 4, lambda i, x: M.np.sin(x) * i, x))


for _num in (0, 5, 10, 15):
    @case(f"fori_tuple_dict_state_{_num}", (_rn(10),), modes=ALL + ("jit",))
    def _(M, num=_num):
        def f(arr):
            def b1(i, s):
                a, t = s
                return a, t + M.lax.dynamic_index_in_dim(a, i, 0, False) ** 2
            t1 = M.lax.fori_loop(0, min(arr.shape[0], num), b1, (arr, 0.))[1]

            def b2(i, s):
                return {"arr": s["arr"], "t": s["t"] * 0.9 + s["arr"][i], "e": ()}
            t2 = M.lax.fori_loop(0, min(arr.shape[0], num), b2,
                                 {"arr": arr, "t": 0., "e": ()})["t"]
            return t1, t2
        return f


@case("while_conjunction_sum_first_n", (_rn(10), 7), modes=ALL + ("jit",), diff=(0,),
      rev_ref=True)
def _(M):
    def f(arr, num):
        def cond(s):
            _, n, i, _ = s
            return M.lax.bitwise_and(M.lax.lt(i, n), M.lax.lt(i, arr.shape[0]))

        def body(s):
            a, n, i, t = s
            return a, n, i + 1, t + M.lax.dynamic_index_in_dim(a, i, 0, False) * a[0]
        return M.lax.while_loop(cond, body, (arr, num, 0, 0.))[3]
    return f


@case("while_nested_dynamic_update_slice", (_rn(5, 5),), modes=ALL, rev_ref=True)
def _(M):
    def inner(i, arr, out):
        def body(s):
            i, j, arr, out = s
            v = M.lax.reshape(arr[i, j] * arr[j, i], (1, 1))
            return i, j + 1, arr, M.lax.dynamic_update_slice(out, v, (i, j))
        return M.lax.while_loop(lambda s: s[1] <= s[0], body, (i, 0, arr, out))[3]

    def outer(arr):
        def body(s):
            i, n, arr, out = s
            return i + 1, n, arr, inner(i, arr, out)
        return M.lax.while_loop(lambda s: s[0] < s[1], body,
                                (0, 5, arr, M.np.zeros(arr.shape)))[3]
    return outer


@case("while_nested_counts", (3,), modes=("val",))
def _(M):
    def inner(i, count):
        return M.lax.while_loop(lambda s: s[1] <= s[0], lambda s: (s[0], s[1] + 1, s[2] + 1),
                                (i, 0, count))[2]

    def outer(n):
        _, i, c = M.lax.while_loop(lambda s: s[1] < s[0],
                                   lambda s: (s[0], s[1] + 1, inner(s[1], s[2])), (n, 0, 0))
        return i, c
    return outer


@case("while_issue649_and_many_args", (), modes=("val",))
def _(M):
    return lambda: (M.lax.while_loop(lambda x: x[1] < 10, lambda x: (7, x[1] + 1), (33, 4)),
                    M.lax.while_loop(lambda s: s[0] < 2, lambda s: tuple(v + 1 for v in s),
                                     (0,) * 64),
                    M.lax.while_loop(lambda _: False, lambda _: (), ()))


@case("while_batched", (np.array([0, 1, 2, 3]),), modes=("vmap",), in_axes=(0,))
def _(M):
    return lambda x: M.lax.while_loop(lambda x: x < 3, lambda x: x + 2, x)


@case("while_batched_float_grad", (np.array([0.5, 1.2, 2.9, 3.5]),),
      modes=("vmap", "vmap_grad", "vmap_jvp"), in_axes=(0,), rev_ref=True)
def _(M):
    return lambda x: M.lax.while_loop(lambda x: x < 3, lambda x: x * 1.3 + 0.2, x)


@case("while_batched_const_body", (np.arange(5.),), modes=("vmap", "vmap_grad"), in_axes=(0,),
      rev_ref=True)
def _(M):
    return lambda x: M.lax.while_loop(lambda _: M.np.logical_not(False) == False,  # noqa: E712
                                      lambda _: M.np.asarray(0.), x)


@case("while_cond_consts_batched", (0., np.array([2., 3.])),
      modes=("vmap", "vmap_grad"), in_axes=(None, 0), rev_ref=True)
def _(M):
    return lambda x, y: M.lax.while_loop(lambda x: x < y, lambda x: x + 2 + y * 0.1, x)


@case("while_body_consts_batched", (0., np.array([2., 3.])),
      modes=("vmap", "vmap_grad"), in_axes=(None, 0), rev_ref=True)
def _(M):
    return lambda x, y: M.lax.while_loop(lambda x: x < 3, lambda x: x + y, x)


@case("while_tuple_batched", (np.array([0., 0.]), np.array([1., 2.])),
      modes=("vmap", "vmap_grad"), in_axes=(0, 0), rev_ref=True)
def _(M):
    return lambda x, y: M.lax.while_loop(lambda c: c[0] + c[1] < 5,
                                         lambda c: (c[0] + 1 + c[1] * 0.1, c[1]), (x, y))


@case("while_issue3204_nested_vmap", (np.arange(5), np.arange(5)), modes=("vmap",),
      in_axes=(0, 0))
def _(M):
    def test(a, b):
        def body1(inp):
            val, i, j = inp
            j = 0

            def body2(inp):
                val, i, j = inp
                return val + i + j, i, j + 1
            val = M.lax.while_loop(lambda s: s[2] < b + 1, body2, (val, i, j))[0]
            return val, i + 1, j
        return M.lax.while_loop(lambda s: s[1] < a + 1, body1, (0, 0, 0))[0]
    return test


@case("fori_batched_carry", (np.array([0., 1.]),), modes=("vmap", "vmap_grad"), in_axes=(0,))
def _(M):
    return lambda x: M.lax.fori_loop(0, 10, lambda i, c: (c[0] * 1.1 + 1, c[1] + 2), (x, 0.))


@case("fori_batched_bounds", (np.array([0.5, 1.5, -1.0]), np.array([0, 2, 4, 3])),
      modes=("vmap2",), in_axes=((None, 0), (0, None)), rev_ref=True)
def _(M):
    return lambda x, n: M.lax.fori_loop(0, n, lambda i, x: x * 1.2 + M.np.sin(x) * i, x)


@case("fori_batched_bound_grad", (np.array([0.5, 1.5, -1.0]), np.array([0, 2, 4])),
      modes=("vmap", "vmap_grad", "vmap_jvp"), in_axes=(0, 0), rev_ref=True)
def _(M):
    return lambda x, n: M.lax.fori_loop(0, n, lambda i, x: x * 1.2 + M.np.sin(x) * i, x)


@case("while_batched_pred_consts_axis1", (np.arange(4), np.ones((3, 4)) * 0.5),
      modes=("vmap", "vmap_grad"), in_axes=(0, 1), rev_ref=True)
def _(M):
    def f(i, x):
        body = lambda c: (c[0] + 1, c[1] * x + x)  # noqa: E731
        return M.lax.while_loop(lambda c: c[0] < 5, body, (i, M.np.ones(3)))[1]
    return f


@case("while_fori_in_vmap_of_vmap", (np.arange(3.), np.arange(4)), modes=("vmap2",),
      in_axes=((None, 0), (0, None)), rev_ref=True)
def _(M):
    return lambda x, n: M.lax.fori_loop(0, n, lambda _, x: x + 1, x)


@case("fori_closure_weak_init", (), modes=("val",))
def _(M):
    return lambda: (M.lax.fori_loop(0, 4, lambda i, t: 4 + t + i, 0),
                    M.lax.fori_loop(0, 0, lambda i, x: x + i, 1.),
                    M.lax.fori_loop(2, 1, lambda i, x: x + i, 1.))


# ---- cond / switch ---------------------------------------------------------------------------

for _x in (0., 2., 3., 4.):
    @case(f"cond_tuple_branches_{_x}", (_x,), modes=ALL + ("jit",))
    def _(M):
        def ff(x):
            y = 2 * x
            return y, 2 * y
        return lambda x: M.lax.cond(x < 3, lambda x: (x, x), ff, x)


for _x in (0., 1.):
    @case(f"cond_two_three_operands_{_x}", (_x + 0.5,), modes=ALL + ("jit",))
    def _(M, x0=_x):
        return lambda x: (M.lax.cond(x0 == 0, M.lax.add, M.lax.mul, x, x),
                          M.lax.cond(x0 == 0, lambda a, b, c: a + b + c,
                                     lambda a, b, c: a * b * c, x, x, x))


for _x in (-0.7, 0.7, 1.7, 2.7, 3.7):
    @case(f"switch_grad_{_x}", (_x,), modes=ALL + ("hessian", "jit", "jit_grad"))
    def _(M):
        branches = [lambda x: 3. * x, lambda x: M.np.sin(x), lambda x: (x, -x)[1]]
        return lambda x: M.lax.switch(M.lax.convert_element_type(x // 1, np.int32),
                                      branches, x)

    @case(f"switch_tuple_jvp_{_x}", (_x,), modes=ALL)
    def _(M):
        def br(x):
            y = 2 * x
            return y, 2 * y
        return lambda x: M.lax.switch(M.lax.convert_element_type(x // 1, np.int32),
                                      [lambda x: (x, x), br, lambda x: (x, -x)], x)


for _i in (-1, 0, 1, 2, 3):
    @case(f"switch_multi_operands_{_i}", (1.3, 0.4), modes=ALL + ("jit",))
    def _(M, i=_i):
        return lambda x, y: (M.lax.switch(i, [M.lax.add, M.lax.mul], x, y),
                             M.lax.switch(i, [lambda x: -x], x))


for _x in (1., 3., 6.):
    @case(f"cond_nested_{_x}", (_x,), modes=ALL + ("jit", "hessian"))
    def _(M):
        def f(x):
            return M.lax.cond(
                x < 2, lambda x: 2 * x,
                lambda x: M.lax.cond(x < 5, lambda y: 3 * y * x, lambda y: 4 * y * x, x), x)
        return f

    @case(f"cond_nested_via_switch_ckpt_{_x}", (_x,), modes=ALL + ("hessian",))
    def _(M):
        def sw(pred, t, f, op):
            idx = M.lax.convert_element_type(pred, np.int32)
            return M.T.checkpoint(lambda i, o: M.lax.switch(i, [f, t], o))(idx, op)

        def f(x):
            return sw(x < 2, lambda x: 2 * x,
                      lambda x: sw(x < 5, lambda y: 3 * y * x, lambda y: 4 * M.np.sin(y), x), x)
        return f


for _x in (0., 4.):
    @case(f"cond_one_branch_constant_{_x}", (_x,), modes=ALL + ("jit",))
    def _(M):
        return lambda x: (M.lax.cond(x < 3, lambda x: 5., lambda x: x, x),
                          M.lax.cond(x < 3, lambda x: (1., 2., 3.), lambda x: (x, 2., 4.), x))


@case("cond_issue1379_bool_output", (), modes=("val",))
def _(M):
    f = lambda p: M.lax.cond(p, lambda x: (True, x), lambda x: (False, x), p)  # noqa: E731
    return lambda: (f(0), f(1.), f(1), f(0.))


for _x in (2.14, 1.72):
    @case(f"cond_grad_consts_closure_{_x}", (_x * np.ones(2), 5.8),
          modes=ALL + ("hessian", "jit", "jit_grad"))
    def _(M):
        def f(x, y):
            a = M.lax.cond(x[0] < 2, lambda x: np.array([1., 2.]) * x,
                           lambda x: np.array([3., 4.]) * M.np.sin(x), x)
            b = M.lax.cond(x[1] < 2, lambda _: 2. * M.np.sin(y), lambda x: 2. * x[0], x)
            return M.np.cos(a) * b
        return f


@case("cond_vmap_grad_issue2264", (np.linspace(-1, 1, 8),), modes=("vmap_of_grad", "vmap"),
      in_axes=(0,))
def _(M):
    return lambda x: M.lax.cond(x > 0, lambda x: x ** 2, lambda x: x ** 3, x)


@case("switch_vmap_grad", (np.linspace(-1, 3.5, 8),), modes=("vmap_of_grad", "vmap", "vmap_jvp"),
      in_axes=(0,))
def _(M):
    return lambda x: M.lax.switch(M.lax.convert_element_type(x // 1, np.int32),
                                  [lambda x: 3. * x, M.np.sin, lambda x: -x * x], x)


@case("cond_grad_vmap_nan_safe_sqrt", (np.concatenate([np.zeros(3), np.ones(3)]),),
      modes=("grad_of_vmap",), in_axes=(0,))
def _(M):
    eps = 1e-3
    return lambda x: M.lax.cond(x < eps, lambda _: eps, lambda _: M.np.sqrt(x), ())


@case("cond_batched_pred_and_operands",
      (np.array([2., 4.]), np.array([1., 2.]), 5.),
      modes=("vmap", "vmap_grad"), in_axes=(0, 0, None))
def _(M):
    return lambda x, y, z: M.lax.cond(x < 3, lambda a: a[0] * x, lambda a: -a[1], (y, z))


@case("cond_unbatched_pred", (2., np.array([1., 2.]), np.array([3., 4.])),
      modes=("vmap", "vmap_grad"), in_axes=(None, 0, 0))
def _(M):
    return lambda x, y, z: M.lax.cond(x < 3, lambda a: a[0] * x, lambda a: -a[1], (y, z))


@case("switch_batched_index", (np.array([0, 1, 2, 5]), np.array([1., 2., 3., 4.]),
                               np.array([3., 4., -1., 2.]), 9.),
      modes=("vmap", "vmap_grad"), in_axes=(0, 0, 0, None), diff=(1, 2, 3))
def _(M):
    def f(i, x, y, z):
        br = [lambda a: a[0], lambda a: -a[1] * a[2], lambda a: M.np.sign(a[2]) * a[0] ** 2]
        return M.lax.switch(i, br, (x, y, z))
    return f


@case("switch_unbatched_index", (1, np.array([1., 2.]), 5., 9.),
      modes=("vmap", "vmap_grad"), in_axes=(None, 0, None, None), diff=(1, 2, 3))
def _(M):
    def f(i, x, y, z):
        br = [lambda a: a[0], lambda a: -a[1] * a[0], lambda a: M.np.sign(a[2]) * a[0]]
        return M.lax.switch(i, br, (x, y, z))
    return f


@case("cond_ad_batched_unit", (np.array([1., -0.5]),), modes=("vmap_jacrev",), in_axes=(0,))
def _(M):
    cid = lambda x: M.lax.cond(x < 0., lambda x: x, lambda x: x * 2, x)  # noqa: E731
    return lambda x: cid(cid(x))


@case("cond_custom_jvp_with_consts", (np.arange(3.) + 0.5,), modes=ALL + ("hessian",))
def _(M):
    @M.T.custom_jvp
    def f(x):
        return x * np.arange(3.)

    @f.defjvp
    def f_jvp(p, t):
        c = np.arange(3.)
        return f(p[0]), t[0] * c
    return lambda x: M.np.sum(M.lax.cond(True, f, lambda x: x, x) * M.np.sin(x))


@case("cond_inside_while_and_scan_jit", (_rn(3),), modes=ALL + ("jit", "jit_grad"))
def _(M):
    def f(x):
        def body(c, xi):
            return M.lax.cond(xi > 0, lambda a: M.np.sin(a) * xi, lambda a: a * a, c), c[0]
        return M.lax.scan(body, x, M.np.array([0.3, -0.2, 0.5]))
    return f


@case("while_custom_vjp_in_body", (0.3, 0.8), modes=("val", "grad", "vjp", "jacrev"),
      rev_ref=True)
def _(M):
    f = _custom_vjp_fn(M)
    return lambda x, y: M.lax.while_loop(lambda c: c[0] < 3,
                                         lambda c: (c[0] + 1, f(c[1], y) * 0.5), (0, x))[1]


@case("fori_custom_jvp_checkpoint_body", (_rn(3),), modes=ALL + ("hessian", "jit_grad"))
def _(M):
    f = _custom_jvp_fn(M)
    blk = M.T.checkpoint(lambda c: M.np.cos(f(c)) + c * 0.5)
    return lambda x: M.lax.fori_loop(0, 3, lambda i, c: blk(c) * (i + 1.0), x)


for _p in (0., 0.5, -2., 3):
    @case(f"cond_numeric_pred_{_p}", (1.3,), modes=("val", "grad", "jvp", "jit"))
    def _(M, p=_p):
        return lambda x: M.lax.cond(p, lambda a: M.np.sin(a), lambda a: a * a, x)


@case("cond_int_pred_batched", (np.array([0, 2, -1, 0]), np.array([0.5, 1., 1.5, 2.])),
      modes=("vmap", "vmap_grad"), in_axes=(0, 0))
def _(M):
    return lambda k, x: M.lax.cond(k, lambda a: M.np.sin(a), lambda a: a * a, x)


@case("switch_batched_negative_index", (np.array([-3, 0, 1, 7]), np.array([0.5, 1., 1.5, 2.])),
      modes=("vmap", "vmap_grad", "vmap_jvp"), in_axes=(0, 0))
def _(M):
    return lambda k, x: M.lax.switch(k, [M.np.sin, M.np.cos, lambda a: a ** 3], x)


@case("scan_vmap_reverse_out_axes", (_rn(3, 4), _rn(5, 3, 4)), modes=("vmap_out1",),
      in_axes=(1, 2))
def _(M):
    def f(c, x):
        return c * M.np.cos(M.np.sum(x)) + 0.1, M.np.sum(c) * x
    return lambda c, xs: M.lax.scan(f, c, xs, reverse=True, unroll=3)


@case("scan_pytree_xs_length_and_none_ys", (_rn(2), {"a": _rn(4, 2), "b": _rn(4)}),
      modes=ALL + ("hessian",))
def _(M):
    def f(c, x):
        return c * x["b"] + M.np.sin(x["a"]) * c[::-1], None
    return lambda c, xs: M.lax.scan(f, c, xs, length=4)[0]


@case("linearize_scan_while_cond", (_rn(3),), modes=("linearize", "value_and_grad"),
      rev_ref=True)
def _(M):
    def f(x):
        y = M.lax.scan(lambda c, v: (M.np.sin(c) * v, c), x, M.np.array([1., 2.]))[0]
        y = M.lax.while_loop(lambda c: c[0] < 2, lambda c: (c[0] + 1, c[1] * c[1]), (0, y))[1]
        return M.lax.cond(M.np.sum(y) > 0, lambda a: a * 2, lambda a: -a, y)
    return f


# ---- map / associative_scan ------------------------------------------------------------------

@case("map_square_and_batch_size", (_rn(7, 2),), modes=ALL)
def _(M):
    return lambda x: (M.lax.map(lambda r: r ** 2 * M.np.sum(r), x),
                      M.lax.map(lambda r: M.np.sin(r) * r[0], x, batch_size=3))


@case("map_vmap", (_rn(7, 2, 3),), modes=("vmap", "vmap_grad"), in_axes=(2,))
def _(M):
    return lambda x: (M.lax.map(lambda r: r ** 2 * M.np.sum(r), x),
                      M.lax.map(lambda r: M.np.sin(r) * r[0], x, batch_size=3))


@case("map_empty", (np.zeros((0,)),), modes=("val",))
def _(M):
    return lambda x: M.lax.map(lambda v: v * v, x)


for _shape in ([1], [2], [5], [10], [2, 3], [7, 5], [3, 4, 2]):
    for _axis in range(-len(_shape), len(_shape) - 1):
        @case(f"assoc_scan_{'x'.join(map(str, _shape))}_axis{_axis}",
              (np.arange(np.prod(_shape), dtype=float).reshape(_shape) / 7 + 0.3,),
              modes=("val", "grad", "jvp") if len(_shape) > 1 else ("val",))
        def _(M, axis=_axis):
            return lambda d: (M.lax.associative_scan(operator.add, d, axis=axis),
                              M.lax.associative_scan(operator.mul, d, axis=axis % d.ndim,
                                                     reverse=True))


@case("assoc_scan_structured_pair", (np.array([0., 1., 2.]), np.array([0., 10., 20.])),
      modes=ALL)
def _(M):
    pair = collections.namedtuple("pair", ("first", "second"))
    fn = lambda a, b: pair(a.first + b.first, a.second * b.first + b.second)  # noqa: E731
    return lambda a, b: tuple(M.lax.associative_scan(fn, pair(a, b)))


@case("assoc_scan_bools_int", (), modes=("val",))
def _(M):
    x = np.array([False, True, True, True, False, True])
    return lambda: (M.lax.associative_scan(M.lax.bitwise_xor, x),
                    M.lax.associative_scan(operator.add, np.arange(13) + 32, reverse=True))


@case("scan_init_weak_type_ints", (), modes=("val",))
def _(M):
    outs = []
    for dt in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32):
        x = M.np.ones(5, dtype=dt)
        outs.append(M.lax.scan(lambda c, v: (c + v, v), 0, x))
        outs.append(M.lax.while_loop(lambda v: v < 2, lambda v: v + M.np.asarray(1, dt), 0))
    return lambda: tuple(outs)


@case("scan_weak_init_per_step_outputs", (), modes=("val", "jit"))
def _(M):
    x32 = np.array([1., 2., 3.], np.float32)
    x16 = np.arange(1, 4, dtype=np.int16)
    return lambda: (M.lax.scan(lambda c, x: (c * x, c), 1.0, x32),
                    M.lax.scan(lambda c, x: (c + x, (c, c * 2)), 0, x16, reverse=True),
                    M.lax.scan(lambda c, x: (c + x, c), 0, x16[:0]))


# ---- harness -----------------------------------------------------------------------------------

def _is_float(a):
    return isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f") or (
        isinstance(a, tuple) and all(_is_float(v) for v in a))


def _scal(M, out):
    leaves = [v for v in M.tu.leaves(out) if np.dtype(getattr(v, "dtype", float)).kind == "f"
              or isinstance(v, float)]
    return sum(M.np.sum(M.np.sin(v * (1.0 + 0.3 * i))) for i, v in enumerate(leaves))


def _tan(M, d):
    return M.tu.map(lambda v: M.np.cos(M.np.asarray(v)) * 0.7 + 0.1, d)


def _call(M, c: Case, mode: str, args=None):
    f = c.build(M)
    args = list(c.args if args is None else args)
    di = c.diff if c.diff is not None else tuple(k for k, a in enumerate(c.args)
                                                 if _is_float(a))

    nd = [k for k in range(len(args)) if k not in di]

    def g(*d):  # the differentiated arguments first, then (under vmap) the others
        a = list(args)
        for k, v in zip(di, d, strict=False):
            a[k] = v
        for k, v in zip(nd, d[len(di):], strict=False):
            a[k] = v
        return f(*a)

    d = tuple(args[k] for k in di)
    rest = tuple(args[k] for k in nd)
    ia = c.in_axes and tuple(c.in_axes[k] for k in list(di) + nd)
    T = M.T
    if mode == "val":
        return f(*args)
    if mode == "jit":
        return T.jit(f)(*args)
    if mode == "grad":
        return T.grad(lambda *d: _scal(M, g(*d)), argnums=tuple(range(len(d))))(*d)
    if mode == "jit_grad":
        return T.jit(T.grad(lambda *d: _scal(M, g(*d)), argnums=tuple(range(len(d)))))(*d)
    if mode == "hessian":
        return T.hessian(lambda x: _scal(M, g(x, *d[1:])))(d[0])
    if mode == "jvp":
        return T.jvp(g, d, tuple(_tan(M, v) for v in d))
    if mode == "vjp":
        y, back = T.vjp(g, *d)
        return y, back(M.tu.map(lambda o: M.np.sin(o) + 0.5, y))
    if mode in ("jacfwd", "jacrev"):
        return getattr(T, mode)(g, argnums=tuple(range(len(d))))(*d)
    if mode == "vmap":
        return T.vmap(f, in_axes=c.in_axes)(*args)
    if mode == "vmap_out1":
        return T.vmap(f, in_axes=c.in_axes, out_axes=1)(*args)
    if mode == "linearize":
        y, lin = T.linearize(g, *d)
        return y, lin(*[_tan(M, v) for v in d])
    if mode == "value_and_grad":
        return T.value_and_grad(lambda *d: _scal(M, g(*d)), argnums=tuple(range(len(d))))(*d)
    if mode == "vmap2":
        ia, ib = c.in_axes
        return T.vmap(T.vmap(f, in_axes=ia), in_axes=ib)(*args)
    if mode == "vmap_grad":
        return T.grad(lambda *d: _scal(M, T.vmap(g, in_axes=ia)(*d, *rest)),
                      argnums=tuple(range(len(d))))(*d)
    if mode == "grad_of_vmap":
        return T.grad(lambda x: M.np.sum(T.vmap(f, in_axes=c.in_axes)(x)))(*args)
    if mode == "vmap_jvp":
        return T.vmap(lambda *a: T.jvp(lambda *d: g(*d, *a[len(d):]), a[:len(d)],
                                       tuple(M.np.cos(v) * 0.7 for v in a[:len(d)])),
                      in_axes=ia)(*d, *rest)
    if mode == "vmap_of_grad":
        return T.vmap(T.grad(lambda x: _scal(M, f(x))), in_axes=c.in_axes)(*args)
    if mode == "vmap_jacrev":
        return T.vmap(T.jacrev(f), in_axes=c.in_axes)(*args)
    raise AssertionError(mode)


def _slice(x, ax, b):
    if ax is None:
        return x
    if isinstance(ax, tuple):
        return tuple(_slice(v, a, b) for v, a in zip(x, ax, strict=False))
    return jnp.take(jnp.asarray(x), b, axis=ax)


def _per_example_grad(c: Case):
    """JAX reference for ``grad(sum(vmap(f)))`` when JAX cannot reverse the loop: the sum of
    per-example gradients of the program with its loops written in Python."""
    f = c.build(JREF)
    args = list(c.args)
    di = c.diff if c.diff is not None else tuple(k for k, a in enumerate(args) if _is_float(a))
    n = next(np.shape(a)[ax] for a, ax in zip(args, c.in_axes, strict=False) if isinstance(ax, int))

    def tot(*d):
        a = list(args)
        for k, v in zip(di, d, strict=False):
            a[k] = v
        return sum(_scal(JREF, f(*[_slice(x, ax, b) for x, ax in zip(a, c.in_axes, strict=False)]))
                   for b in range(n))
    return jax.grad(tot, argnums=tuple(range(len(di))))(*[args[k] for k in di])


def _jax_reference(c: Case, mode: str):
    """JAX's result, compiled as a whole where JAX can (eager JAX runs a scan's body through
    its compiler at every call, which would cost minutes over the suite)."""
    if c.rev_ref and mode in REVERSE:
        return _call(JREF, c, mode)
    try:
        return jax.jit(lambda *a: _call(J, c, mode, a))(*c.args)
    except Exception:  # a program that needs concrete values: run it eagerly
        return _call(J, c, mode)


REVERSE = ("value_and_grad", "grad", "vjp", "jacrev", "hessian", "jit_grad", "vmap_grad",
           "grad_of_vmap",
           "vmap_of_grad", "vmap_jacrev")


def _flat(t):
    return jax.tree_util.tree_flatten(t, is_leaf=lambda v: isinstance(v, ad.Tensor))


PARAMS = [pytest.param(c, m, id=f"{c.name}-{m}") for c in CASES for m in c.modes]


@pytest.mark.parametrize("c,mode", PARAMS)
def test_control_flow_case(c, mode):
    if c.rev_ref and mode == "vmap_grad":
        want = _per_example_grad(c)
    else:
        want = _jax_reference(c, mode)
    try:
        got = _call(G, c, mode)
    except Exception as e:  # a clear refusal is allowed only under jit of a dynamic loop
        from gpuad.jit.trace import TracerError

        if isinstance(e, TracerError) and mode in ("jit", "jit_grad"):
            pytest.skip(f"gpuad refuses: {str(e)[:80]}")
        raise
    wl, wd = _flat(want)
    gl, gd = _flat(got)
    assert len(wl) == len(gl), (wd, gd)
    for k, (w, v) in enumerate(zip(wl, gl, strict=False)):
        wv, gv = np.asarray(w), to_numpy(v) if isinstance(v, ad.Tensor) else np.asarray(v)
        assert wv.shape == gv.shape, (k, wv.shape, gv.shape)
        if mode in ("val", "jit", "vmap", "vmap2", "vmap_out1"):
            assert wv.dtype == gv.dtype, (k, wv.dtype, gv.dtype)
        np.testing.assert_allclose(gv.astype(np.float64) if gv.dtype.kind != "c" else gv,
                                   wv.astype(gv.dtype) if wv.dtype.kind == "b" else wv,
                                   rtol=1e-9, atol=1e-11, err_msg=f"leaf {k}")


# ---- error cases ---------------------------------------------------------------------------------

def _errs(M):
    f32 = np.float32
    a = np.arange(5)
    return {
        "fori_not_callable": lambda: M.lax.fori_loop(0, 1, 42, 0),
        "while_not_callable": lambda: M.lax.while_loop(42, 42, 0),
        "switch_not_callable": lambda: M.lax.switch(0, [42]),
        "cond_not_callable": lambda: M.lax.cond(0, 42, 42),
        "scan_not_callable": lambda: M.lax.scan(42, 0, a),
        "assoc_scan_not_callable": lambda: M.lax.associative_scan(42, a),
        "while_pred_tuple": lambda: M.lax.while_loop(lambda c: (1., 1.), lambda c: c, 0.),
        "while_pred_vector": lambda: M.lax.while_loop(lambda c: M.np.ones(2) > 0,
                                                      lambda c: c, 0.),
        "while_body_structure": lambda: M.lax.while_loop(lambda c: True, lambda c: (1., 1.), 0.),
        "while_body_dtype": lambda: M.lax.while_loop(
            lambda c: True, lambda c: (True, True), (np.bool_(True), f32(0.))),
        "cond_pred_none": lambda: M.lax.cond(None, lambda x: x + 1, lambda x: x + 2, 1.),
        "cond_pred_function": lambda: M.lax.cond(lambda x: True, lambda t: 2., lambda f: 3., 1.),
        "cond_pred_str": lambda: M.lax.cond("foo", lambda t: 2., lambda f: 3., 1.),
        "cond_pred_tuple": lambda: M.lax.cond((1., 1.), lambda t: 2., lambda f: 3., 1.),
        "cond_pred_vector": lambda: M.lax.cond(np.ones(2) > 0, lambda t: 2., lambda f: 3., 1.),
        "cond_pred_list": lambda: M.lax.cond([1, 2], lambda t: 2., lambda f: 3., 1.),
        "switch_index_function": lambda: M.lax.switch(lambda x: True,
                                                      [lambda _: 2., lambda _: 3.], 1.),
        "switch_index_str": lambda: M.lax.switch("foo", [lambda _: 2., lambda _: 3.], 1.),
        "switch_index_tuple": lambda: M.lax.switch((1., 1.), [lambda _: 2., lambda _: 3.], 1.),
        "switch_index_float": lambda: M.lax.switch(1.0, [lambda _: 2., lambda _: 3.], 1.),
        "switch_empty": lambda: M.lax.switch(0, [], 1.),
        "scan_body_not_pair": lambda: M.lax.scan(lambda c, x: f32(0.), 0, a),
        "scan_carry_structure": lambda: M.lax.scan(lambda c, x: ((0, 0, 0), x), (1, (2, 3)), a),
        "scan_carry_none": lambda: M.lax.scan(lambda c, x: (0, x), None, a),
        "scan_carry_dtype": lambda: M.lax.scan(lambda c, x: (np.int32(0), x), f32(1.0), a),
        "scan_carry_shape": lambda: M.lax.scan(lambda c, x: (M.np.ones(3), x), M.np.ones(2), a),
        "scan_no_leading_axis": lambda: M.lax.scan(lambda c, x: (c, x), 0, list(range(5))),
        "scan_length_mismatch": lambda: M.lax.scan(lambda c, x: (c, x), 0, a, length=3),
        "fori_python_float_for_f32": lambda: M.lax.fori_loop(0, 2, lambda i, c: 1.5, f32(0)),
        "scan_python_float_for_f32": lambda: M.lax.scan(lambda c, x: (2.5, c), f32(1), a),
        "while_python_int_for_int8": lambda: M.lax.while_loop(
            lambda c: c[0] < 2, lambda c: (c[0] + 1, 7), (0, np.int8(1))),
        "while_python_bool_for_f32": lambda: M.lax.while_loop(
            lambda c: c[1] < 3, lambda c: (True, c[1] + 1), (f32(0), f32(0))),
        "fori_carry_shape": lambda: M.lax.fori_loop(0, 2, lambda i, c: M.np.ones(3), M.np.ones(2)),
    }


# Error cases JAX raises where gpuad returns the chosen branch's (correct) value: eagerly gpuad
# runs only the branch taken, so it does not see the other branch's output type.
LENIENT = {"cond_branch_structure", "cond_branch_shape", "switch_branch_structure",
           "switch_branch_shape"}


@pytest.mark.parametrize("name", sorted(_errs(J)))
def test_control_flow_error(name):
    with pytest.raises(Exception) as je:
        _errs(J)[name]()
    with pytest.raises((TypeError, ValueError)) as ge:
        _errs(G)[name]()
    assert issubclass(je.type, (TypeError, ValueError)) or je.type.__name__.endswith("Error")
    assert ge.type is je.type or issubclass(ge.type, (TypeError, ValueError))


def test_case_count():
    assert len(PARAMS) > 250
