"""Random-program oracle: seeded straight-line programs over ``gpuad.numpy``.

A small generator (a seeded NumPy Generator) builds each program step by step, evaluating it
as it goes so that every op stays on its domain and away from kinks and ties: elementwise
unary ops, broadcasting binary ops, reductions with axes and keepdims, reshapes, transposes,
basic, advanced and mask indexing, matmul/einsum/numpy.dot, concatenate/stack, where, sort,
median, cumsum, tril/triu, logsumexp, in-place updates (``y += b`` on copies and on unread
intermediates, ``y[idx] = v``, writes through views, element writes into a Tensor made from
``gnp.zeros``), lists of Tensors (``gnp.array([...])``, ``gnp.sum([a, b])``), NumPy's own
functions on Tensors, checkpointed sub-blocks, custom_jvp/custom_vjp (fixed rules, and random
sub-blocks whose rule is gpuad's own jvp/vjp of the block) and complex intermediates (real in,
complex inside, real out). Every program takes a dict of two arrays and returns a scalar loss,
or a tuple or dict of arrays. For each one:

- float64: check_grads (first and second order, both modes) of the loss and of the outputs;
  Hessian-vector products in four mode orders plus the eager ``backward(create_graph=True)``
  path agree with each other, with ``hessian`` and with second differences of the loss;
  ``<u, J v>`` (jvp) equals ``<J^T u, v>`` (vjp); jacrev equals jacfwd;
- PyTorch (where installed; the program is translated op by op): grad, Hessian-vector product
  and vjp; a version error from gpuad passes only when PyTorch refuses the program too;
- float32: the loss stays float32, and its grad and jvp match float64 within float32 tolerance.

``GPUAD_ORACLE_PROGRAMS=2000`` runs more programs than the default 200 (seeds 0, 1, ...).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import gpuad as ad
import gpuad.numpy as gnp
from gpuad.scipy.special import expit, logsumexp
from gpuad.testing import check_grads

N_PROGRAMS = int(os.environ.get("GPUAD_ORACLE_PROGRAMS", "200"))
MAX_SIZE = 48  # elements per intermediate


def host(a):
    if isinstance(a, ad.Tensor):
        return a.numpy()
    if hasattr(a, "detach"):  # torch
        return a.detach().numpy(force=True)
    if hasattr(a, "get"):
        return a.get()
    return np.asarray(a)


# --------------------------------------------------------------------------- the two libraries
class G:
    """gpuad's side of every op (also runs the generator on plain arrays)."""

    torch = False

    def __init__(self, dtype):
        self.dtype = dtype

    def const(self, c):
        c = np.asarray(c)
        if c.dtype.kind == "f":
            c = c.astype(self.dtype)
        return ad.get_backend().xp.asarray(c)

    def unary(self, name, x):
        if name == "np_sin":
            return np.sin(x)
        if name == "np_exp":
            return np.exp(x)
        if name == "expit":
            return expit(x)
        return getattr(gnp, name)(x)

    def binary(self, name, x, y):
        if name == "pow":
            return x ** y
        if name == "np_mul_const":  # a NumPy array on the left of a Tensor
            return host(y) * x if not ad.get_backend().name == "cupy" else y * x
        return getattr(gnp, name)(x, y)

    def reduce(self, name, x, axis, keepdims):
        if name == "np_sum":
            return np.sum(x, axis=axis, keepdims=keepdims)
        return getattr(gnp, name)(x, axis=axis, keepdims=keepdims)

    def reshape(self, x, shape):
        return gnp.reshape(x, shape)

    def transpose(self, x, perm):
        return gnp.transpose(x, perm)

    def getitem(self, x, idx):
        return x[idx]

    def flip0(self, x):
        return x[::-1]

    def matmul(self, x, y):
        return x @ y

    def swap_last(self, x):
        return gnp.swapaxes(x, -1, -2)

    def einsum(self, spec, *xs):
        return gnp.einsum(spec, *xs)

    def concatenate(self, xs, axis):
        return gnp.concatenate(xs, axis=axis)

    def stack(self, xs, axis):
        return gnp.stack(xs, axis=axis)

    def np_stack(self, xs, axis):
        return np.stack(xs, axis=axis)

    def where(self, mask, x, y):
        return gnp.where(self.const(mask), x, y)

    def copy(self, x):
        return gnp.copy(x)

    def array_list(self, xs):
        return gnp.array(xs)

    def sum_list(self, xs):
        return gnp.sum(xs)

    def checkpoint(self, fn, x):
        return ad.checkpoint(fn)(x)

    def softplus_cjvp(self, x):
        return _softplus(x)

    def xsin_cvjp(self, x):
        return _xsin(x)

    def extra(self, name, x, arg):
        if name == "cumsum":
            return gnp.cumsum(x, axis=arg)
        if name in ("tril", "triu"):
            return getattr(gnp, name)(x, k=arg)
        if name == "logsumexp":
            return logsumexp(x, axis=arg[0], keepdims=arg[1])
        if name == "sort":
            return gnp.sort(x, axis=arg)
        if name == "median":
            return gnp.median(x, axis=arg)
        if name == "clip":
            return gnp.clip(x, -arg, arg)
        if name in ("arctan2", "hypot"):
            return getattr(gnp, name)(x, self.const(arg))
        if name == "std":
            return gnp.std(x, axis=arg, ddof=1)
        raise AssertionError(name)

    def mixed_list(self, x):
        flat = gnp.ravel(x)
        # a Python float in the list would make it float64, as in NumPy
        return gnp.array([flat[0], flat[-1] * 2.0, self.const(3.0)])

    def mean_list(self, xs):
        return gnp.mean(xs)

    def zeros_fill(self, shape, idx, x):
        out = ad.tensor(gnp.zeros(shape, dtype=self.dtype))  # a plain array's write raises
        out[idx] = x[idx] ** 2
        return out

    def ndarray_dot(self, c, x):
        c = self.const(c)
        # NumPy's function on a Tensor (ndarray.dot(t) raises by design: docs/semantics.md)
        return np.dot(c, x) if ad.get_backend().name == "numpy" else gnp.dot(c, x)

    def to_complex(self, x, y, c):
        return x * c + 1j * y

    def cabs(self, z):
        return gnp.abs(z)

    def creal(self, z):
        return gnp.real(z)

    def cimag(self, z):
        return gnp.imag(z)

    def cexp(self, z):
        return gnp.exp(z)


class T:
    """PyTorch's side of every op."""

    torch = True

    def __init__(self, dtype):
        import torch

        self.t = torch
        self.dtype = dtype

    def const(self, c):
        c = np.asarray(c)
        if c.dtype.kind == "f":
            c = c.astype(self.dtype)
        return self.t.as_tensor(c)

    def unary(self, name, x):
        t = self.t
        name = {"np_sin": "sin", "np_exp": "exp", "expit": "sigmoid", "negative": "neg"}.get(
            name, name)
        return getattr(t, name)(x)

    def binary(self, name, x, y):
        t = self.t
        if name == "pow":
            return x ** y
        if name == "np_mul_const":
            return y * x
        name = {"add": "add", "subtract": "sub", "multiply": "mul", "divide": "div"}.get(
            name, name)
        return getattr(t, name)(x, y)

    def reduce(self, name, x, axis, keepdims):
        t = self.t
        dim = tuple(range(x.ndim)) if axis is None else axis
        if name in ("sum", "np_sum"):
            return t.sum(x, dim=dim, keepdim=keepdims) if x.ndim else x
        if name == "mean":
            return t.mean(x, dim=dim, keepdim=keepdims) if x.ndim else x
        if name == "max":
            return t.amax(x, dim=dim, keepdim=keepdims) if x.ndim else x
        if name == "var":
            return t.var(x, dim=dim, keepdim=keepdims, correction=0)
        if name == "prod":
            return t.prod(x, dim=axis, keepdim=keepdims)
        raise AssertionError(name)

    def reshape(self, x, shape):
        return x.reshape(shape)

    def transpose(self, x, perm):
        return x.permute(perm)

    def getitem(self, x, idx):
        def conv(i):
            return self.t.as_tensor(i) if isinstance(i, np.ndarray) else i

        return x[tuple(conv(i) for i in idx)] if isinstance(idx, tuple) else x[conv(idx)]

    def flip0(self, x):
        return self.t.flip(x, [0])

    def matmul(self, x, y):
        return x @ y

    def swap_last(self, x):
        return x.transpose(-1, -2)

    def einsum(self, spec, *xs):
        return self.t.einsum(spec, *xs)

    def concatenate(self, xs, axis):
        return self.t.cat(xs, dim=axis)

    def stack(self, xs, axis):
        return self.t.stack(xs, dim=axis)

    np_stack = stack

    def where(self, mask, x, y):
        return self.t.where(self.t.as_tensor(mask), x, y)

    def copy(self, x):
        return x.clone()

    def array_list(self, xs):
        return self.t.stack(xs)

    def sum_list(self, xs):
        return self.t.stack(xs).sum()

    def checkpoint(self, fn, x):
        return fn(x)

    def softplus_cjvp(self, x):
        return self.t.logaddexp(x, self.t.zeros_like(x))

    def xsin_cvjp(self, x):
        return x * self.t.sin(x)

    def extra(self, name, x, arg):
        t = self.t
        if name == "cumsum":
            return t.cumsum(x, dim=arg)
        if name in ("tril", "triu"):
            return getattr(t, name)(x, diagonal=arg)
        if name == "logsumexp":
            dim = tuple(range(x.ndim)) if arg[0] is None else arg[0]
            return t.logsumexp(x, dim=dim, keepdim=arg[1])
        if name == "sort":
            return t.sort(x, dim=arg).values
        if name == "median":  # odd counts only: the middle value
            return t.sort(x, dim=arg).values.select(arg, x.shape[arg] // 2)
        if name == "clip":
            return t.clamp(x, -arg, arg)
        if name in ("arctan2", "hypot"):
            return getattr(t, {"arctan2": "atan2"}.get(name, name))(x, self.const(arg))
        if name == "std":
            return t.std(x, dim=arg, correction=1)
        raise AssertionError(name)

    def mixed_list(self, x):
        flat = x.flatten()
        return self.t.stack([flat[0], flat[-1] * 2.0, self.t.tensor(3.0, dtype=x.dtype)])

    def mean_list(self, xs):
        return self.t.stack(xs).mean()

    def zeros_fill(self, shape, idx, x):
        out = self.t.zeros(shape, dtype=x.dtype)
        out[_tidx(self, idx)] = x[_tidx(self, idx)] ** 2
        return out

    def ndarray_dot(self, c, x):
        return self.const(c) @ x

    def to_complex(self, x, y, c):
        return x * c + 1j * y

    def cabs(self, z):
        return z.abs()

    def creal(self, z):
        return z.real

    def cimag(self, z):
        return z.imag

    def cexp(self, z):
        return z.exp()


@ad.custom_jvp
def _softplus(x):
    return gnp.logaddexp(x, 0.0)


@_softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return _softplus(x), t * expit(x)


@ad.custom_vjp
def _xsin(x):
    return x * gnp.sin(x)


def _xsin_fwd(x):
    return _xsin(x), (x,)


def _xsin_bwd(res, g):
    (x,) = res
    return (g * (gnp.sin(x) + x * gnp.cos(x)),)


_xsin.defvjp(_xsin_fwd, _xsin_bwd)


# --------------------------------------------------------------------------- the generator
class Program:
    """Steps ``(fn, arg_indices)``; ``fn(L, *values)`` gives the next value."""

    def __init__(self, seed, shapes, steps, outputs, weights, fwd_ok, text):
        self.seed, self.shapes, self.steps = seed, shapes, steps
        self.outputs, self.weights, self.fwd_ok, self.text = outputs, weights, fwd_ok, text

    def values(self, L, params):
        env = [params["x"], params["w"]]
        for fn, idx in self.steps:
            env.append(fn(L, *[env[i] for i in idx]))
        return env

    def vector(self, L, params):
        env = self.values(L, params)
        return tuple(env[i] for i in self.outputs)

    def loss(self, L, params):
        outs = self.vector(L, params)
        total = 0.0
        for o, wt in zip(outs, self.weights, strict=True):
            s = (o * L.const(wt)).sum() if L.torch else gnp.sum(o * L.const(wt))
            total = total + s
        return total


UNARY = ["sin", "cos", "tanh", "exp", "log", "sqrt", "square", "abs", "expit", "np_sin",
         "np_exp", "negative", "reciprocal"]
BINARY = ["add", "subtract", "multiply", "divide", "logaddexp", "maximum", "pow",
          "np_mul_const"]
KINDS = ["unary"] * 6 + ["binary"] * 5 + ["reduce"] * 3 + ["reshape", "transpose", "basic_index",
         "adv_index", "mask_index", "flip", "matmul", "einsum", "concat", "stack", "where",
         "iadd", "setitem", "view_write", "list", "checkpoint", "custom_jvp", "custom_vjp",
         "complex", "np_stack", "block_jvp", "block_vjp", "fresh_inplace",
         "raw_inplace", "raw_inplace", "ndarray_dot",
         "mixed_list", "mean_list", "zeros_fill"] + ["extra"] * 3


class Gen:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.L = G(np.float64)
        self.text = []
        self.fwd_ok = True
        self.no_vjp = False
        self.used: set = set()
        self.base = None

    def shape(self):
        nd = int(self.rng.integers(1, 4))
        return tuple(int(d) for d in self.rng.integers(2, 5, size=nd))

    def unary_ok(self, name, v):
        a = np.abs(v)
        if name in ("exp", "np_exp"):
            return v.max() < 2.5
        if name in ("log", "sqrt"):
            return v.min() > 0.2
        if name == "abs":
            return a.min() > 0.05
        if name == "reciprocal":
            return a.min() > 0.3
        if name == "square":
            return a.max() < 4
        return True

    def binary_ok(self, name, a, b):
        if name == "divide":
            return np.abs(b).min() > 0.3
        if name == "maximum":
            return np.abs(a - b).min() > 0.05
        if name == "pow":
            return a.min() > 0.2 and np.abs(b).max() < 2 and a.max() < 4
        return True

    def bshape(self, shape):
        """A shape broadcastable against ``shape``."""
        shape = list(shape)
        for i in range(len(shape)):
            if self.rng.random() < 0.3:
                shape[i] = 1
        drop = int(self.rng.integers(0, len(shape) + 1))
        return tuple(shape[drop:])

    def const(self, shape):
        return self.rng.uniform(-1.5, 1.5, size=shape)

    def other(self, env, shape, name):
        """Index of a value broadcastable with ``shape`` or a new constant."""
        cand = [i for i, v in enumerate(env)
                if _bcast(v.shape, shape) == tuple(shape) and v.size > 1]
        if cand and self.rng.random() < 0.7:
            return int(self.rng.choice(cand)), None
        return None, self.const(self.bshape(shape))

    def step(self, env, allow_nested=True):
        """One random op on values ``env``: (fn, idx, description) or None."""
        rng = self.rng
        kind = str(rng.choice(KINDS))
        i = int(rng.integers(len(env)))
        v = env[i]
        if kind == "unary":
            name = str(rng.choice(UNARY))
            if not self.unary_ok(name, v):
                return None
            return (lambda L, x: L.unary(name, x)), [i], f"{name}(v{i})"
        if kind == "binary":
            name = str(rng.choice(BINARY))
            j, c = self.other(env, v.shape, name)
            b = env[j] if j is not None else c
            if name == "np_mul_const":
                if j is not None:
                    return None
                return (lambda L, x: L.binary(name, x, L.const(c))), [i], \
                    f"ndarray{c.shape} * v{i}"
            swap = bool(rng.random() < 0.5)
            if not (self.binary_ok(name, b, v) if swap else self.binary_ok(name, v, b)):
                return None
            if j is not None:
                if swap:
                    return (lambda L, x, y: L.binary(name, y, x)), [i, j], f"{name}(v{j}, v{i})"
                return (lambda L, x, y: L.binary(name, x, y)), [i, j], f"{name}(v{i}, v{j})"
            if swap and name != "pow":
                return (lambda L, x: L.binary(name, L.const(c), x)), [i], \
                    f"{name}(c{c.shape}, v{i})"
            return (lambda L, x: L.binary(name, x, L.const(c))), [i], f"{name}(v{i}, c{c.shape})"
        if kind == "reduce":
            if v.ndim == 0:
                return None
            name = str(rng.choice(["sum", "mean", "max", "var", "prod", "np_sum"]))
            keep = bool(rng.random() < 0.5)
            r = rng.random()
            if name == "prod" or r < 0.5:
                axis = int(rng.integers(-v.ndim, v.ndim))
            elif r < 0.75 or v.ndim == 1:
                axis = None
            else:
                axis = tuple(int(a) for a in sorted(rng.choice(v.ndim, 2, replace=False)))
            if name == "prod" and np.abs(v).max() > 2:
                return None
            if name == "max":
                s = np.sort(np.moveaxis(v, _axes(axis, v.ndim), range(-len(_axes(axis, v.ndim)),
                                                                          0)).reshape(
                    v.shape[:v.ndim - len(_axes(axis, v.ndim))] + (-1,))
                    if axis is not None else v.reshape(1, -1), axis=-1)
                if s.shape[-1] > 1 and (s[..., -1] - s[..., -2]).min() < 0.05:
                    return None
            if axis is None and keep and name in ("var", "prod"):
                keep = False
            return (lambda L, x: L.reduce(name, x, axis, keep)), [i], \
                f"{name}(v{i}, axis={axis}, keepdims={keep})"
        if kind == "reshape":
            if v.size < 2:
                return None
            if rng.random() < 0.4:
                shape = (v.size,)
            else:
                f = [d for d in range(2, v.size) if v.size % d == 0]
                if not f:
                    return None
                d = int(rng.choice(f))
                shape = (d, v.size // d) if rng.random() < 0.5 else (v.size // d, 1, d)
            return (lambda L, x: L.reshape(x, shape)), [i], f"reshape(v{i}, {shape})"
        if kind == "transpose":
            if v.ndim < 2:
                return None
            perm = tuple(int(p) for p in rng.permutation(v.ndim))
            return (lambda L, x: L.transpose(x, perm)), [i], f"transpose(v{i}, {perm})"
        if kind == "basic_index":
            if v.ndim == 0:
                return None
            idx = []
            for d in v.shape:
                r = rng.random()
                if r < 0.2 and d > 1:
                    idx.append(int(rng.integers(-d, d)))
                elif r < 0.7:
                    a = int(rng.integers(0, d - 1)) if d > 1 else 0
                    idx.append(slice(a, d, int(rng.integers(1, 3))))
                else:
                    idx.append(slice(None))
            if rng.random() < 0.3:
                idx.insert(int(rng.integers(len(idx) + 1)), None)
            idx = tuple(idx)
            if v[idx].size == 0:
                return None
            return (lambda L, x: L.getitem(x, idx)), [i], f"v{i}[{idx}]"
        if kind == "adv_index":
            if v.ndim == 0:
                return None
            ax = int(rng.integers(v.ndim))
            ind = rng.integers(-v.shape[ax], v.shape[ax], size=int(rng.integers(1, 5)))
            idx = (slice(None),) * ax + (ind,)
            return (lambda L, x: L.getitem(x, idx)), [i], f"v{i}[{idx}] (advanced)"
        if kind == "mask_index":
            if v.ndim == 0:
                return None
            mask = rng.random(v.shape) < 0.6
            if not mask.any():
                return None
            return (lambda L, x: L.getitem(x, mask)), [i], f"v{i}[mask]"
        if kind == "flip":
            if v.ndim == 0:
                return None
            return (lambda L, x: L.flip0(x)), [i], f"v{i}[::-1]"
        if kind == "matmul":
            if v.ndim == 0:
                return None
            same = [j for j, u in enumerate(env) if u.shape == v.shape]
            j = int(rng.choice(same))
            if v.ndim == 1:
                return (lambda L, x, y: L.matmul(x, y)), [i, j], f"v{i} @ v{j}"
            if rng.random() < 0.5:
                return (lambda L, x, y: L.matmul(x, L.swap_last(y))), [i, j], \
                    f"v{i} @ swapaxes(v{j})"
            c = self.const((v.shape[-1], int(rng.integers(1, 4))))
            return (lambda L, x: L.matmul(x, L.const(c))), [i], f"v{i} @ c{c.shape}"
        if kind == "einsum":
            if v.ndim == 0:
                return None
            same = [j for j, u in enumerate(env) if u.shape == v.shape]
            j = int(rng.choice(same))
            letters = "abcdef"[:v.ndim]
            keep = "".join(ch for ch in letters if rng.random() < 0.5)
            spec = f"{letters},{letters}->{keep}"
            return (lambda L, x, y: L.einsum(spec, x, y)), [i, j], f"einsum({spec}, v{i}, v{j})"
        if kind in ("concat", "stack", "np_stack", "list"):
            if v.ndim == 0 and kind == "concat":
                return None
            same = [j for j, u in enumerate(env) if u.shape == v.shape]
            j = int(rng.choice(same))
            if kind == "list":
                if rng.random() < 0.5:
                    return (lambda L, x, y: L.array_list([x, y])), [i, j], \
                        f"gnp.array([v{i}, v{j}])"
                return (lambda L, x, y: L.sum_list([x, y])), [i, j], f"gnp.sum([v{i}, v{j}])"
            ax = int(rng.integers(-v.ndim - (kind != "concat"), v.ndim + (kind != "concat")))
            meth = {"concat": "concatenate", "stack": "stack", "np_stack": "np_stack"}[kind]
            return (lambda L, x, y: getattr(L, meth)([x, y], ax)), [i, j], \
                f"{meth}([v{i}, v{j}], {ax})"
        if kind == "where":
            j, c = self.other(env, v.shape, "where")
            mask = rng.random(v.shape) < 0.5
            if j is None:
                return (lambda L, x: L.where(mask, x, L.const(c))), [i], f"where(m, v{i}, c)"
            shape = _bcast(v.shape, env[j].shape)
            mask = rng.random(shape) < 0.5
            return (lambda L, x, y: L.where(mask, x, y)), [i, j], f"where(m, v{i}, v{j})"
        if kind == "iadd":
            if v.ndim == 0:
                return None
            j, c = self.other(env, v.shape, "iadd")
            op = str(rng.choice(["+=", "*=", "-="]))

            def fn(L, x, y=None):
                out = L.copy(x)
                b = y if y is not None else L.const(c)
                if op == "+=":
                    out += b
                elif op == "*=":
                    out *= b
                else:
                    out -= b
                return out

            if j is None:
                return fn, [i], f"y = copy(v{i}); y {op} c"
            return fn, [i, j], f"y = copy(v{i}); y {op} v{j}"
        if kind in ("setitem", "view_write"):
            if v.ndim == 0 or v.shape[0] < 2:
                return None
            same = [j for j, u in enumerate(env) if u.shape == v.shape]
            j = int(rng.choice(same))
            a = int(rng.integers(0, v.shape[0] - 1))
            if kind == "setitem":
                if rng.random() < 0.5:
                    idx = slice(a, v.shape[0])
                else:
                    idx = np.unique(rng.integers(0, v.shape[0], size=2))

                def fn(L, x, y):
                    out = L.copy(x)
                    sub = L.getitem(y, idx)
                    out[_tidx(L, idx)] = L.unary("sin", sub)
                    return out

                return fn, [i, j], f"y = copy(v{i}); y[{idx}] = sin(v{j}[{idx}])"

            def fn(L, x, y):
                out = L.copy(x)
                view = out[a:]
                view *= 2.0
                view += y[a:]
                return out

            return fn, [i, j], f"y = copy(v{i}); view = y[{a}:]; view *= 2; view += v{j}[{a}:]"
        if kind in ("checkpoint", "block_jvp", "block_vjp"):
            if not allow_nested:
                return None
            self.no_vjp = kind == "block_jvp"  # its rule runs the block in forward mode
            self.sub_text = []
            sub = self.subblock(v)
            self.no_vjp = False
            if not sub:
                return None

            def run_block(L, x):
                e = [x]
                for f, idx in sub:
                    e.append(f(L, *[e[k] for k in idx]))
                return e[-1]

            if kind == "block_vjp":
                self.fwd_ok = False
            wrap = {"checkpoint": _checkpointed, "block_jvp": _block_custom_jvp,
                    "block_vjp": _block_custom_vjp}[kind]

            def fn(L, x):
                if L.torch:
                    return run_block(L, x)
                return wrap(lambda y: run_block(self_L(y), y))(x)

            return fn, [i], f"{kind}(u0 -> {'; '.join(self.sub_text)})(v{i})"
        if kind == "raw_inplace":
            # write into an intermediate nothing has read yet and that is no view of an input
            if (not allow_nested or i < 2 or i in self.used or v.ndim == 0 or self.base is None
                    or any(np.shares_memory(v, b) for b in self.base)):
                return None
            j, c = self.other(env, v.shape, "raw_inplace")
            if j is None or j == i:
                return None
            op = str(rng.choice(["+=", "*=", "[1:] +=", "[0] ="]))

            def fn(L, x, y):
                if op == "+=":
                    x += y
                elif op == "*=":
                    x *= y
                elif op == "[1:] +=":
                    view = x[1:]
                    view += y[1:] if y.ndim == x.ndim and y.shape[0] == x.shape[0] else y
                else:
                    x[0] = L.unary("tanh", y[0] if y.ndim == x.ndim and y.shape[0] == x.shape[0]
                                   else y)
                return x

            if op in ("[1:] +=", "[0] =") and (env[j].ndim == v.ndim and env[j].shape[0]
                                                  != v.shape[0]):
                return None
            return fn, [i, j], f"v{i} {op} v{j} (in place, no copy)"
        if kind == "mixed_list":
            return (lambda L, x: L.mixed_list(x)), [i], f"gnp.array([v{i}.flat[0], " \
                f"2 * v{i}.flat[-1], 3.0])"
        if kind == "mean_list":
            same = [j for j, u in enumerate(env) if u.shape == v.shape]
            j = int(rng.choice(same))
            return (lambda L, x, y: L.mean_list([x, y])), [i, j], f"gnp.mean([v{i}, v{j}])"
        if kind == "zeros_fill":
            if v.ndim == 0:
                return None
            idx = np.unique(rng.integers(0, v.shape[0], size=2))
            shape = v.shape
            return (lambda L, x: L.zeros_fill(shape, idx, x)), [i], \
                f"out = zeros{shape}; out[{idx}] = v{i}[{idx}] ** 2"
        if kind == "ndarray_dot":
            if v.ndim not in (1, 2):
                return None
            c = self.const((int(rng.integers(1, 4)), v.shape[0]))
            return (lambda L, x: L.ndarray_dot(c, x)), [i], f"numpy.dot(ndarray{c.shape}, v{i})"
        if kind == "extra":
            if v.ndim == 0:
                return None
            name = str(rng.choice(["cumsum", "tril", "triu", "logsumexp", "sort", "median",
                                   "clip", "arctan2", "hypot", "std"]))
            ax = int(rng.integers(-v.ndim, v.ndim))
            if name == "cumsum":
                arg = ax
            elif name in ("tril", "triu"):
                if v.ndim < 2:
                    return None
                arg = int(rng.integers(-1, 2))
            elif name == "logsumexp":
                arg = (None if rng.random() < 0.3 else ax, bool(rng.random() < 0.5))
            elif name in ("sort", "median"):
                srt = np.sort(v, axis=ax)
                if v.shape[ax] > 1 and np.diff(srt, axis=ax).min() < 0.05:
                    return None  # ties: the derivative is not defined
                if name == "median" and v.shape[ax] % 2 == 0:
                    return None
                arg = ax
            elif name == "clip":
                arg = float(rng.uniform(0.5, 1.5))
                if np.abs(np.abs(v) - arg).min() < 0.05:
                    return None
            elif name in ("arctan2", "hypot"):
                arg = self.const(self.bshape(v.shape))
                full = np.broadcast_to(arg, np.broadcast_shapes(arg.shape, v.shape))
                if (np.hypot(v, full).min() < 0.2
                        or (name == "arctan2" and (np.abs(v) + (full > 0)).min() < 0.05)):
                    return None
            else:
                if v.shape[ax] < 2:
                    return None
                arg = ax
            return (lambda L, x: L.extra(name, x, arg)), [i], f"{name}(v{i}, {arg!r})"
        if kind == "fresh_inplace":
            j, c = self.other(env, v.shape, "fresh_inplace")
            if j is None:
                return None
            c = self.const(v.shape)

            def fn(L, x, y):
                out = x + L.const(c)  # add saves no values: writing into its output is fine
                out += y
                return out

            return fn, [i, j], f"y = v{i} + c; y += v{j}"
        if kind == "custom_jvp":
            return (lambda L, x: L.softplus_cjvp(x)), [i], f"softplus_custom_jvp(v{i})"
        if kind == "custom_vjp":
            if self.no_vjp:
                return None
            self.fwd_ok = False
            return (lambda L, x: L.xsin_cvjp(x)), [i], f"xsin_custom_vjp(v{i})"
        if kind == "complex":
            j, c = self.other(env, v.shape, "complex")
            if j is None or env[j].shape != v.shape:
                j = i
            cz = complex(rng.uniform(-1, 1), rng.uniform(-1, 1))
            back = str(rng.choice(["abs", "real", "imag", "abs2"]))
            mid = str(rng.choice(["exp", "square", "none"]))
            z = v * cz + 1j * env[j]
            z = {"exp": lambda q: np.exp(0.5 * q), "square": lambda q: q * q,
                 "none": lambda q: q}[mid](z)
            if back == "abs" and np.abs(z).min() < 0.05:
                return None

            def fn(L, x, y):
                z = L.to_complex(x, y, cz)
                if mid == "exp":
                    z = L.cexp(z * 0.5)
                elif mid == "square":
                    z = z * z
                if back == "abs":
                    return L.cabs(z)
                if back == "real":
                    return L.creal(z)
                if back == "imag":
                    return L.cimag(z)
                return L.creal(z * L.cimag(z) * 1j) * -1.0 + L.creal(z) * L.creal(z)

            return fn, [i, j], f"{back}({mid}(v{i} * {cz} + 1j * v{j}))"
        raise AssertionError(kind)

    def subblock(self, v):
        """Up to three random steps on one value, for checkpoint and custom rules."""
        sub, senv = [], [v]
        for _ in range(20):
            if len(sub) == 3:
                break
            got = self.step(senv, allow_nested=False)
            if got is None:
                continue
            fn, idx, desc = got
            try:
                with np.errstate(all="ignore"):  # a step off its domain is dropped below
                    val = host(fn(self.L, *[senv[k] for k in idx]))
            except Exception:
                continue
            if not _fine(val):
                continue
            sub.append((fn, idx))
            self.sub_text.append(f"u{len(senv)} = {desc.replace('v', 'u')}")
            senv.append(val)
        return sub

    def build(self):
        shapes = {"x": self.shape(), "w": self.shape()}
        params = {k: self.rng.uniform(-1.5, 1.5, size=s) for k, s in shapes.items()}
        env = [params["x"], params["w"]]
        self.base = list(env)
        steps, text = [], []
        n = int(self.rng.integers(3, 9))
        tries = 0
        while len(steps) < n and tries < 200:
            tries += 1
            got = self.step(env)
            if got is None:
                continue
            fn, idx, desc = got
            saved = [env[k].copy() for k in idx]  # a rejected in-place step is undone
            try:
                with np.errstate(all="ignore"):  # a step off its domain is dropped below
                    val = host(fn(self.L, *[env[k] for k in idx]))
            except Exception as e:  # a generator mistake, not a gradient bug
                raise AssertionError(f"seed {self.seed}: {desc} failed forward: {e}") from e
            if not _fine(val):
                for k, old in zip(idx, saved, strict=True):
                    env[k][...] = old
                continue
            steps.append((fn, idx))
            self.used.update(idx)
            text.append(f"v{len(env)} = {desc}    # shape {val.shape}")
            env.append(val)
        outs = [len(env) - 1] + [int(k) for k in self.rng.choice(len(env) - 1, 1)]
        weights = [self.rng.uniform(-1, 1, size=env[k].shape) for k in outs]
        prog = Program(self.seed, shapes, steps, outs, weights, self.fwd_ok, "\n".join(text))
        return prog, params


def self_L(x):
    """The gpuad library in the dtype of ``x`` (checkpointed blocks run on gpuad only)."""
    dt = host(x).dtype if not isinstance(x, ad.Tensor) else np.dtype(str(x.dtype))
    return G(np.float32 if dt in (np.float32, np.complex64) else np.float64)


def _checkpointed(block):
    return ad.checkpoint(block)


def _block_custom_jvp(block):
    """``block`` with a custom_jvp rule: gpuad's own jvp of the block."""
    f = ad.custom_jvp(block)

    @f.defjvp
    def rule(primals, tangents):
        return ad.jvp(block, primals, tangents)

    return f


def _block_custom_vjp(block):
    """``block`` with a custom_vjp rule: gpuad's own vjp of the block."""
    f = ad.custom_vjp(block)

    def fwd(x):
        return block(x), (x,)

    def bwd(res, g):
        return ad.vjp(block, res[0])[1](g)

    f.defvjp(fwd, bwd)
    return f


def _tidx(L, idx):
    if L.torch and isinstance(idx, np.ndarray):
        return L.t.as_tensor(idx)
    return idx


def _axes(axis, nd):
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, int):
        return (axis % nd,)
    return tuple(a % nd for a in axis)


def _bcast(a, b):
    try:
        return tuple(np.broadcast_shapes(tuple(a), tuple(b)))
    except ValueError:
        return None


def _fine(val):
    return (val.dtype.kind == "f" and np.isfinite(val).all() and np.abs(val).max() < 30
            and val.size <= MAX_SIZE and val.size > 0)


# --------------------------------------------------------------------------- the checks
def _to_backend(params, dtype):
    xp = ad.get_backend().xp
    return {k: xp.asarray(np.asarray(v, dtype=dtype)) for k, v in params.items()}


def _close(a, b, what, prog, rtol=1e-7, atol=1e-9):
    a, b = host(a), host(b)
    assert a.shape == b.shape, f"{what}: shapes {a.shape} vs {b.shape}\n{prog.text}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol,
                               err_msg=f"{what} (seed {prog.seed})\n{prog.text}")


def _tree_close(a, b, what, prog, **kw):
    la, ta = ad.tree_flatten(a)
    lb, tb = ad.tree_flatten(b)
    assert len(la) == len(lb), f"{what}: structures differ\n{prog.text}"
    for x, y in zip(la, lb, strict=True):
        _close(x, y, what, prog, **kw)


def _vdot(a, b):
    return sum(float(np.sum(host(a[k]) * host(b[k]))) for k in a)


def check_program(seed: int, use_torch: bool = True) -> Program:
    with ad.use_backend("numpy"):  # the generator evaluates its steps on host arrays
        prog, params = Gen(seed).build()
    try:
        return _check_program(prog, params, use_torch)
    except ad.GradError as e:
        # a write into a value some step saved for its gradient: an error is right when
        # PyTorch refuses the same program too
        if "modified in place" not in str(e) or not _torch_refuses(prog, params):
            raise AssertionError(f"seed {seed}: {type(e).__name__}: {e}\n{prog.text}") from e
        return prog


def _torch_refuses(prog, params) -> bool:
    try:
        import torch
    except ImportError:
        return True  # no peer to ask: the error names the write, which is allowed
    tp = {k: torch.tensor(a, dtype=torch.float64, requires_grad=True) for k, a in params.items()}
    try:
        torch.autograd.grad(prog.loss(T(np.float64), tp), list(tp.values()), allow_unused=True)
    except RuntimeError as e:
        return "inplace" in str(e)
    return False


def _check_program(prog, params, use_torch):
    seed = prog.seed
    L = G(np.float64)
    p = _to_backend(params, np.float64)
    rng = np.random.default_rng(seed + 10**6)
    v = _to_backend({k: rng.standard_normal(s) for k, s in prog.shapes.items()}, np.float64)
    w = _to_backend({k: rng.standard_normal(s) for k, s in prog.shapes.items()}, np.float64)

    def f(q):
        return prog.loss(L, q)

    as_dict = seed % 2 == 1  # a dict of outputs, or a tuple

    def g(q):
        outs = prog.vector(L, q)
        return {"first": outs[0], "second": outs[1]} if as_dict else outs

    def as_tuple(tree):
        return (tree["first"], tree["second"]) if as_dict else tuple(tree)

    modes = ("fwd", "rev") if prog.fwd_ok else ("rev",)
    try:
        check_grads(f, (p,), order=2, modes=modes, seed=seed)
        check_grads(g, (p,), order=1, modes=modes, seed=seed)
    except AssertionError as e:
        raise AssertionError(f"seed {seed}: {e}\n{prog.text}") from None

    gr = ad.grad(f)(p)
    _, vjp_fn = ad.vjp(g, p)
    outs = as_tuple(g(p))
    u = tuple(host(o) * 0 + np.random.default_rng(seed).standard_normal(host(o).shape)
              for o in outs)
    u = tuple(ad.get_backend().xp.asarray(x) for x in u)
    (vj,) = vjp_fn({"first": u[0], "second": u[1]} if as_dict else u)

    # Hessian-vector products in the four mode orders
    hvp_rr = ad.grad(lambda q: sum(gnp.sum(gk * v[k]) for k, gk in ad.grad(f)(q).items()))(p)
    hvps = {"rev-over-rev": hvp_rr}
    if prog.fwd_ok:
        hvps["fwd-over-rev"] = ad.jvp(ad.grad(f), (p,), (v,))[1]
        hvps["rev-over-fwd"] = ad.grad(lambda q: ad.jvp(f, (q,), (v,))[1])(p)
        wHv = ad.jvp(lambda q: ad.jvp(f, (q,), (v,))[1], (p,), (w,))[1]
        assert np.isclose(float(host(wHv)), _vdot(w, hvp_rr), rtol=1e-7, atol=1e-9), \
            f"fwd-over-fwd {float(host(wHv))} vs {_vdot(w, hvp_rr)} (seed {seed})\n{prog.text}"
        # jvp of the vector output against the vjp: <u, J v> == <J^T u, v>
        _, jv = ad.jvp(g, (p,), (v,))
        lhs = sum(float(np.sum(host(a) * host(b))) for a, b in zip(u, as_tuple(jv), strict=True))
        assert np.isclose(lhs, _vdot(vj, v), rtol=1e-7, atol=1e-9), \
            f"<u, Jv> {lhs} vs <J^T u, v> {_vdot(vj, v)} (seed {seed})\n{prog.text}"
        _tree_close(ad.jacrev(g)(p), ad.jacfwd(g)(p), "jacrev vs jacfwd", prog)
        H = ad.hessian(f)(p)
        Hv = {a: sum(np.tensordot(host(H[a][b]), host(v[b]), axes=host(v[b]).ndim)
                     for b in p) for a in p}
        _tree_close(Hv, hvp_rr, "hessian @ v vs rev-over-rev", prog)
    # the eager (PyTorch-style) path: backward(create_graph=True), then a second backward
    leaves = {k: ad.tensor(host(p[k]), requires_grad=True) for k in p}
    loss = f(leaves)
    if isinstance(loss, ad.Tensor) and loss.requires_grad:
        loss.backward(create_graph=True)
        firsts = {k: t.grad for k, t in leaves.items()}
        for k in p:
            _close(firsts[k] if firsts[k] is not None else 0 * p[k], gr[k],
                   f"backward() vs grad [{k}]", prog)
        for t in leaves.values():
            t.grad = None
        dot = sum(gnp.sum(firsts[k] * v[k]) for k in p if isinstance(firsts[k], ad.Tensor))
        if isinstance(dot, ad.Tensor) and dot.requires_grad:
            dot.backward()
            hvps["backward(create_graph=True) twice"] = {
                k: t.grad if t.grad is not None else 0 * p[k] for k, t in leaves.items()}
    for name, h in hvps.items():
        _tree_close(h, hvp_rr, f"{name} vs rev-over-rev", prog)
    # the Hessian against second-order central differences of the loss: w^T H v
    eps = 1e-4

    def fv(a, b):
        return float(host(f({k: p[k] + a * v[k] + b * w[k] for k in p})))

    fd = (fv(eps, eps) - fv(eps, -eps) - fv(-eps, eps) + fv(-eps, -eps)) / (4 * eps * eps)
    assert np.isclose(fd, _vdot(w, hvp_rr), rtol=1e-4, atol=1e-5), \
        f"w^T H v: finite differences {fd} vs {_vdot(w, hvp_rr)} (seed {seed})\n{prog.text}"

    # float32 against float64
    L32 = G(np.float32)
    p32 = _to_backend(params, np.float32)
    loss32 = prog.loss(L32, p32)
    assert host(loss32).dtype == np.float32, f"float32 loss is {host(loss32).dtype}\n{prog.text}"
    gr32 = ad.grad(lambda q: prog.loss(L32, q))(p32)
    for k in p:
        a, b = host(gr32[k]), host(gr[k])
        assert a.dtype == np.float32, f"float32 gradient is {a.dtype}\n{prog.text}"
        scale = 1.0 + np.abs(b).max()
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-3 * scale,
                                   err_msg=f"float32 grad (seed {seed})\n{prog.text}")

    if prog.fwd_ok:
        v32 = {k: ad.get_backend().xp.asarray(host(v[k]).astype(np.float32)) for k in v}
        t32 = host(ad.jvp(lambda q: prog.loss(L32, q), (p32,), (v32,))[1])
        t64 = _vdot(gr, v)
        assert t32.dtype == np.float32, f"float32 jvp is {t32.dtype}\n{prog.text}"
        assert abs(float(t32) - t64) <= 2e-3 * (1 + abs(t64)) * max(1, len(prog.steps) / 4), \
            f"float32 jvp {float(t32)} vs float64 {t64} (seed {seed})\n{prog.text}"

    if use_torch:
        _against_torch(prog, params, gr, hvp_rr, vj, host(v["x"]), host(v["w"]), u)
    return prog


def _against_torch(prog, params, gr, hvp, vj, vx, vw, u):
    torch = pytest.importorskip("torch")
    Lt = T(np.float64)
    tp = {k: torch.tensor(a, dtype=torch.float64, requires_grad=True) for k, a in params.items()}
    loss = prog.loss(Lt, tp)
    keys = list(tp)
    try:
        gs = torch.autograd.grad(loss, [tp[k] for k in keys], create_graph=True,
                                 allow_unused=True)
    except RuntimeError as e:
        if "inplace" in str(e):
            return  # PyTorch refuses a write gpuad differentiates (checked above against FD)
        raise
    gs = [torch.zeros_like(tp[k]) if gk is None else gk for k, gk in zip(keys, gs, strict=True)]
    for k, gk in zip(keys, gs, strict=True):
        _close(gr[k], gk, f"grad vs torch [{k}]", prog)
    vt = {"x": torch.tensor(vx), "w": torch.tensor(vw)}
    dot = sum((gk * vt[k]).sum() for k, gk in zip(keys, gs, strict=True))
    if dot.requires_grad:
        hs = torch.autograd.grad(dot, [tp[k] for k in keys], allow_unused=True)
    else:
        hs = [None, None]
    for k, hk in zip(keys, hs, strict=True):
        _close(hvp[k], torch.zeros_like(tp[k]) if hk is None else hk, f"hvp vs torch [{k}]",
               prog)
    outs = prog.vector(Lt, tp)
    dot = sum((o * torch.as_tensor(host(uu))).sum() for o, uu in zip(outs, u, strict=True))
    if dot.requires_grad:
        js = torch.autograd.grad(dot, [tp[k] for k in keys], allow_unused=True)
        for k, jk in zip(keys, js, strict=True):
            _close(vj[k], torch.zeros_like(tp[k]) if jk is None else jk, f"vjp vs torch [{k}]",
                   prog)


@pytest.mark.parametrize("chunk", range(max(1, (N_PROGRAMS + 19) // 20)))
def test_random_programs(backend, chunk):
    for seed in range(chunk * 20, min(N_PROGRAMS, chunk * 20 + 20)):
        check_program(seed)


# --------------------------------------------------------------------------- regressions
def test_custom_jvp_of_a_0d_matmul_has_a_backend_array(backend):
    """``custom_jvp`` of ``x @ x`` (a NumPy scalar from matmul) gave a Tensor holding a NumPy
    scalar; ``vjp`` of a function returning it in a tuple then failed on the cotangent."""
    def block(x):
        return x @ x

    f = ad.custom_jvp(block)

    @f.defjvp
    def rule(primals, tangents):
        return ad.jvp(block, primals, tangents)

    x = ad.get_backend().xp.asarray([1.0, 2.0])
    out, back = ad.vjp(lambda v: (f(v), v * 3.0), x)
    (g,) = back((1.0, ad.get_backend().xp.asarray([0.0, 1.0])))
    np.testing.assert_allclose(host(g), [2.0, 7.0])
    check_grads(lambda v: (f(v), v * 3.0), (x,), order=2)


def _square_inplace(u):
    y = gnp.copy(u)
    y *= u
    return y


def _square_view_inplace(u):
    y = gnp.copy(u)
    view = y[1:]
    view *= u[1:]
    return y


@pytest.mark.parametrize("fn", [_square_inplace, _square_view_inplace])
def test_reverse_over_the_tangent_of_an_inplace_write(backend, fn):
    """Reverse mode over a jvp's tangent (how custom_jvp transposes its rule): the primal that
    ``y *= u``'s tangent rule saved from ``y`` was overwritten by the write, so d/dt <w, J t>
    used the squared values (2x + x**2 where 2x is right), silently."""
    xp = ad.get_backend().xp
    x = xp.asarray([1.0, 2.0, 0.5, -1.0])
    w = xp.asarray([0.3, -1.0, 2.0, 0.7])
    by_tangent = ad.grad(lambda t: gnp.sum(w * ad.jvp(fn, (x,), (t,))[1]))(xp.ones(4))
    (by_vjp,) = ad.vjp(fn, x)[1](w)
    scale = np.array([1.0 if fn is _square_view_inplace else 2.0, 2.0, 2.0, 2.0])
    expected = host(w) * host(x) * scale
    np.testing.assert_allclose(host(by_tangent), expected, rtol=1e-12)
    np.testing.assert_allclose(host(by_vjp), expected, rtol=1e-12)

    f = ad.custom_jvp(fn)

    @f.defjvp
    def rule(primals, tangents):
        return ad.jvp(fn, primals, tangents)

    np.testing.assert_allclose(host(ad.grad(lambda v: gnp.sum(w * f(v)))(x)), expected,
                               rtol=1e-12)
    check_grads(f, (x,), order=2)


def test_inplace_write_through_real_and_imag_views(backend):
    """``gnp.real(z)`` and ``gnp.imag(z)`` are views of a complex ``z`` (as in NumPy and
    PyTorch); ``r += ...`` through them raised "cannot be mapped back to the base array", where
    PyTorch differentiates it. The write replaces one half of ``z``."""
    def f(x):
        z = gnp.exp(x * (0.3 - 0.2j)) + 1j * x
        r = gnp.real(z)
        r += x * x
        i = gnp.imag(z)
        i *= x
        return gnp.sum(gnp.abs(z) ** 2 + r * 0.5 + i)

    x = ad.get_backend().xp.asarray([0.3, -1.2, 0.7])
    check_grads(f, (x,), order=2)
    torch = pytest.importorskip("torch")
    tx = torch.tensor(host(x), requires_grad=True)
    z = torch.exp(tx * (0.3 - 0.2j)) + 1j * tx
    r = z.real
    r += tx * tx
    i = z.imag
    i *= tx
    (expected,) = torch.autograd.grad((z.abs() ** 2 + r * 0.5 + i).sum(), tx)
    np.testing.assert_allclose(host(ad.grad(f)(x)), expected.numpy(), rtol=1e-12)


def test_write_into_an_einsum_output(backend):
    """einsum's vjp never reads its output, but the rule passed it on and so saved it: a later
    ``y += b`` raised "its output was saved ... modified in place" (PyTorch computes it)."""
    xp = ad.get_backend().xp
    rng = np.random.default_rng(0)
    a, b = xp.asarray(rng.standard_normal((4, 4))), xp.asarray(rng.standard_normal(4))

    def f(a, b):
        y = gnp.einsum("ab,ab->b", a, gnp.sin(a))
        y += b
        return gnp.sum(y * y)

    check_grads(f, (a, b), order=2)
