"""Derivative specs for the core ``gpuad.numpy`` namespace (with today's ``linalg`` and
``random``) and ``gpuad.scipy.special``."""

from __future__ import annotations

import importlib

import numpy as np

import gpuad.numpy as gnp

from . import Spec

N = "gpuad.numpy."
S = "gpuad.scipy.special."


def _u(lo=-1.0, hi=1.0, shape=(3, 4)):
    return lambda rng: (rng.uniform(lo, hi, shape),)


def _away(rng, shape=(3, 4), lo=0.3, hi=2.0):
    """Magnitudes in [lo, hi] with random signs: away from the kink or pole at 0."""
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def _apart(rng, shape=(3, 4)):
    """Two arrays whose elements differ by at least 0.2 everywhere (no ties)."""
    x = rng.uniform(-1, 1, shape)
    return x, x + _away(rng, shape, 0.2, 1.0)


def _distinct(rng, shape=(3, 4)):
    """Values at least 0.1 apart (no ties in max, sort, median)."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.1 + rng.uniform(-0.02, 0.02, shape),)


def _spd(rng, n=3):
    a = rng.standard_normal((n, n))
    return (a @ a.T + n * np.eye(n),)


def _const(a):
    """A constant on the active backend (specs run on every backend)."""
    return gnp.asarray(np.asarray(a))


def _sym(a):
    return (a + gnp.swapaxes(a, -1, -2)) * 0.5


def _late(qualname):
    """The function ``qualname`` looked up when called, so one that is renamed shows up as a
    stale spec (named by the walk) instead of breaking the import of every spec."""
    def call(*args, **kwargs):
        module, _, name = qualname.rpartition(".")
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


def _la(name):
    return _late(N + "linalg." + name)


def _unary(name, lo=-1.0, hi=1.0, fn=None):
    return Spec(N + name, fn or getattr(gnp, name), _u(lo, hi))


SPECS: list[Spec] = [
    # ---- elementwise, one argument --------------------------------------------------------
    *[_unary(n, -2.0, 2.0) for n in ("sin", "cos", "sinh", "cosh", "tanh", "arctan", "arcsinh",
                                     "exp", "expm1", "exp2", "negative", "square", "erf",
                                     "deg2rad", "rad2deg", "copy")],
    *[_unary(n, -0.9, 0.9) for n in ("arcsin", "arccos", "arctanh", "tan")],
    *[_unary(n, 0.4, 3.0) for n in ("sqrt", "log", "log2", "log10")],
    _unary("log1p", -0.5, 2.0),
    _unary("arccosh", 1.2, 3.0),
    Spec(N + "abs", gnp.abs, lambda r: (_away(r),)),
    Spec(N + "absolute", gnp.absolute, lambda r: (_away(r),)),
    Spec(N + "reciprocal", gnp.reciprocal, lambda r: (_away(r),)),
    Spec(N + "cbrt", gnp.cbrt, lambda r: (_away(r),)),
    Spec(N + "sinc", gnp.sinc, lambda r: (_away(r, lo=0.1, hi=1.7),)),
    Spec(N + "astype", lambda x: gnp.astype(x, np.float64), _u()),
    # ---- elementwise, two arguments (broadcast (3, 4) with (4,)) ------------------------------
    *[Spec(N + n, getattr(gnp, n), lambda r: (r.uniform(-2, 2, (3, 4)), r.uniform(-2, 2, 4)))
      for n in ("add", "subtract", "multiply", "logaddexp", "arctan2")],
    Spec(N + "divide", gnp.divide, lambda r: (r.uniform(-2, 2, (3, 4)), _away(r, (4,)))),
    Spec(N + "true_divide", gnp.true_divide, lambda r: (_away(r, (4,)), _away(r, (4,)))),
    Spec(N + "power", gnp.power, lambda r: (r.uniform(0.5, 2, (3, 4)), r.uniform(-2, 2, 4))),
    Spec(N + "hypot", gnp.hypot, lambda r: (_away(r), _away(r, (4,)))),
    Spec(N + "maximum", gnp.maximum, _apart),
    Spec(N + "minimum", gnp.minimum, _apart),
    Spec(N + "clip", lambda x, lo, hi: gnp.clip(x, lo, hi),
         lambda r: (np.array([[-1.0, -0.2, 0.3, 0.9], [0.0, -0.9, 0.8, 0.1]])
                    + r.uniform(-0.05, 0.05, (2, 4)),
                    -0.5 + r.uniform(-0.05, 0.05, 4), 0.5 + r.uniform(-0.05, 0.05, 4))),
    Spec(N + "where", lambda x, y: gnp.where(_const([[True, False, True, False]] * 3), x, y),
         lambda r: (r.uniform(-1, 1, (3, 4)), r.uniform(-1, 1, (3, 4)))),
    Spec(N + "mod", lambda x, y: gnp.mod(x, y),
         lambda r: (r.uniform(0.1, 0.5, 4) + np.array([0.0, 1.3, 2.6, 5.2]),
                    np.full(4, 1.3) + r.uniform(-0.01, 0.01, 4))),
    # ---- reductions ------------------------------------------------------------------------
    Spec(N + "sum", lambda x: gnp.sum(x, axis=1), _u()),
    Spec(N + "sum", lambda x: gnp.sum(x, axis=(0, 2), keepdims=True), _u(shape=(2, 3, 2))),
    Spec(N + "prod", lambda x: gnp.prod(x, axis=0), _u(0.5, 1.5)),
    Spec(N + "max", lambda x: gnp.max(x, axis=1), _distinct),
    Spec(N + "amax", lambda x: gnp.amax(x), _distinct),
    Spec(N + "amin", lambda x: gnp.amin(x, axis=1), _distinct),
    Spec(N + "min", lambda x: gnp.min(x, axis=0, keepdims=True), _distinct),
    Spec(N + "mean", lambda x: gnp.mean(x, axis=0), _u()),
    Spec(N + "var", lambda x: gnp.var(x, axis=1, ddof=1), _u()),
    Spec(N + "std", lambda x: gnp.std(x, axis=0), _u()),
    Spec(N + "average", lambda x, w: gnp.average(x, axis=1, weights=w),
         lambda r: (r.uniform(-1, 1, (3, 4)), r.uniform(0.5, 1.5, (3, 4)))),
    Spec(N + "median", lambda x: gnp.median(x, axis=1), _distinct),
    Spec(N + "median", gnp.median, lambda r: _distinct(r, (2, 3))),
    Spec(N + "cumsum", lambda x: gnp.cumsum(x, axis=1), _u()),
    Spec(N + "cumprod", lambda x: gnp.cumprod(x, axis=0), _u(0.5, 1.5)),
    Spec(N + "logsumexp", lambda x: gnp.logsumexp(x, axis=1), _u(-3, 3)),
    Spec(N + "trace", gnp.trace, _u(shape=(3, 3))),
    Spec(N + "diff", lambda x: gnp.diff(x, n=2, axis=1), _u()),
    Spec(N + "sort", lambda x: gnp.sort(x, axis=0), _distinct),
    # ---- edge cases: zeros in products, 0-d arrays, masks, constant exponents --------------------
    Spec(N + "prod", gnp.prod, lambda r: (np.array([[0.7, 0.0], [1.3, -0.4]])
                                          + np.array([[0.1, 0.0], [0.0, 0.1]]) * r.uniform(),)),
    Spec(N + "cumprod", gnp.cumprod,
         lambda r: (np.array([0.9, -1.1, 0.0, 1.2, 0.5]) + np.array([1, 1, 0, 1, 1]) * r.uniform(
             -0.1, 0.1, 5),)),
    Spec(N + "sin", gnp.sin, _u(shape=())),
    Spec(N + "power", lambda x: gnp.power(x, 3), _u(-2, -0.5)),
    Spec(N + "getitem", lambda x: gnp.getitem(x, _const([[True, False, True, True]] * 3)), _u()),
    Spec(N + "where", lambda x: gnp.where(_const([True, False, True]), x, 2.0), _u(shape=(2, 3))),
    Spec(N + "clip", lambda x: gnp.clip(x, None, 0.5), lambda r: (_away(r, (5,), 0.1, 0.3)
                                                                  + np.array([0, 0, 1, 1, 0.]),)),
    Spec(N + "mean", gnp.mean, _u()),
    Spec(N + "matmul", gnp.matmul, lambda r: (r.uniform(-1, 1, 3), r.uniform(-1, 1, (2, 3, 4)))),
    # ---- shapes -----------------------------------------------------------------------------
    Spec(N + "reshape", lambda x: gnp.reshape(x, (2, -1)), _u()),
    Spec(N + "ravel", gnp.ravel, _u()),
    Spec(N + "transpose", gnp.transpose, _u(shape=(2, 3, 4))),
    Spec(N + "swapaxes", lambda x: gnp.swapaxes(x, 0, 2), _u(shape=(2, 3, 4))),
    Spec(N + "moveaxis", lambda x: gnp.moveaxis(x, 0, -1), _u(shape=(2, 3, 4))),
    Spec(N + "expand_dims", lambda x: gnp.expand_dims(x, 1), _u()),
    Spec(N + "squeeze", gnp.squeeze, _u(shape=(3, 1, 4))),
    Spec(N + "broadcast_to", lambda x: gnp.broadcast_to(x, (2, 3, 4)), _u(shape=(3, 1))),
    Spec(N + "atleast_1d", gnp.atleast_1d, _u(shape=())),
    Spec(N + "atleast_2d", gnp.atleast_2d, _u(shape=(4,))),
    Spec(N + "concatenate", lambda a, b: gnp.concatenate([a, b], 1),
         lambda r: (r.uniform(-1, 1, (3, 2)), r.uniform(-1, 1, (3, 4)))),
    Spec(N + "stack", lambda a, b: gnp.stack([a, b], axis=1),
         lambda r: (r.uniform(-1, 1, (3, 4)), r.uniform(-1, 1, (3, 4)))),
    Spec(N + "vstack", lambda a, b: gnp.vstack([a, b]),
         lambda r: (r.uniform(-1, 1, 4), r.uniform(-1, 1, (2, 4)))),
    Spec(N + "hstack", lambda a, b: gnp.hstack([a, b]),
         lambda r: (r.uniform(-1, 1, 3), r.uniform(-1, 1, 2))),
    Spec(N + "split", lambda x: gnp.split(x, 2, axis=1), _u()),
    Spec(N + "array_split", lambda x: gnp.array_split(x, [1, 3], axis=1), _u()),
    Spec(N + "take", lambda x: gnp.take(x, _const([2, 0, 2]), axis=1), _u()),
    Spec(N + "take_along_axis",
         lambda x: gnp.take_along_axis(x, _const([[0, 1], [3, 3], [2, 0]]), 1), _u()),
    Spec(N + "getitem", lambda x: gnp.getitem(x, (slice(1, None), _const([0, 3, 3]))), _u()),
    Spec(N + "getitem", lambda x: gnp.getitem(x, (Ellipsis, slice(None, None, 2))), _u()),
    Spec(N + "index_update", lambda x, v: gnp.index_update(x, (slice(None), 1), v),
         lambda r: (r.uniform(-1, 1, (3, 4)), r.uniform(-1, 1, 3))),
    Spec(N + "flip", lambda x: gnp.flip(x, 1), _u()),
    Spec(N + "fliplr", gnp.fliplr, _u()),
    Spec(N + "flipud", gnp.flipud, _u()),
    Spec(N + "roll", lambda x: gnp.roll(x, 1, axis=1), _u()),
    Spec(N + "roll", lambda x: gnp.roll(x, -2), _u()),
    Spec(N + "tile", lambda x: gnp.tile(x, (2, 1)), _u()),
    Spec(N + "repeat", lambda x: gnp.repeat(x, 2, axis=0), _u()),
    Spec(N + "pad", lambda x: gnp.pad(x, ((1, 0), (0, 2))), _u()),
    Spec(N + "pad", lambda x: gnp.pad(x, 2, mode="reflect"), _u()),
    Spec(N + "pad", lambda x: gnp.pad(x, (1, 2), mode="median", stat_length=(2, 3)), _u()),
    Spec(N + "pad", lambda x: gnp.pad(x, ((2, 0), (1, 1)), mode="maximum", stat_length=2),
         _u()),
    Spec(N + "pad", lambda x, c: gnp.pad(x, 1, constant_values=c),
         lambda r: (r.uniform(-1, 1, (2, 3)), r.uniform(-1, 1, ()))),
    Spec(N + "triu", lambda x: gnp.triu(x, 1), _u()),
    Spec(N + "tril", gnp.tril, _u()),
    Spec(N + "diagonal", lambda x: gnp.diagonal(x, 1), _u()),
    Spec(N + "diag", gnp.diag, _u(shape=(3,))),
    Spec(N + "diag", lambda x: gnp.diag(x, -1), _u(shape=(3, 3))),
    Spec(N + "full", lambda v: gnp.full((2, 3), v), _u(shape=(3,))),
    Spec(N + "full_like", lambda v: gnp.full_like(_const(np.zeros((2, 2))), v), _u(shape=())),
    Spec(N + "meshgrid", lambda a, b: gnp.meshgrid(a, b),
         lambda r: (r.uniform(-1, 1, 3), r.uniform(-1, 1, 2))),
    # ---- products ---------------------------------------------------------------------------
    Spec(N + "matmul", gnp.matmul, lambda r: (r.uniform(-1, 1, (2, 3, 4)),
                                              r.uniform(-1, 1, (4, 2)))),
    Spec(N + "dot", gnp.dot, lambda r: (r.uniform(-1, 1, (3, 4)), r.uniform(-1, 1, 4))),
    Spec(N + "tensordot", lambda a, b: gnp.tensordot(a, b, ([0, 2], [1, 0])),
         lambda r: (r.uniform(-1, 1, (2, 3, 4)), r.uniform(-1, 1, (4, 2, 5)))),
    Spec(N + "outer", gnp.outer, lambda r: (r.uniform(-1, 1, 3), r.uniform(-1, 1, (2, 2)))),
    Spec(N + "inner", gnp.inner, lambda r: (r.uniform(-1, 1, (2, 3)), r.uniform(-1, 1, (4, 3)))),
    Spec(N + "vdot", gnp.vdot, lambda r: (r.uniform(-1, 1, (2, 3)), r.uniform(-1, 1, (3, 2)))),
    Spec(N + "cross", gnp.cross, lambda r: (r.uniform(-1, 1, (2, 3)), r.uniform(-1, 1, 3))),
    Spec(N + "einsum", lambda a, b: gnp.einsum("ij,jk->ik", a, b),
         lambda r: (r.uniform(-1, 1, (2, 3)), r.uniform(-1, 1, (3, 4)))),
    Spec(N + "einsum", lambda a: gnp.einsum("ii->i", a), _u(shape=(3, 3))),
    Spec(N + "einsum", lambda a, b: gnp.einsum("...i,i", a, b),
         lambda r: (r.uniform(-1, 1, (2, 3)), r.uniform(-1, 1, 3))),
    # ---- values that issue 11 says must be recorded ----------------------------------------
    Spec(N + "array", lambda s: gnp.array([s, s * 2.0, 3.0]), _u(shape=())),
    Spec(N + "asarray", lambda v: gnp.asarray(v) * v, _u(shape=(3,))),
    Spec(N + "linspace", lambda s: gnp.linspace(s, 2 * s, 5), _u(0.5, 1.5, ())),
    # ---- linalg as it stands (more in linalg.py) ---------------------------------------------
    Spec(N + "linalg.inv", _la("inv"), _spd),
    Spec(N + "linalg.det", _la("det"), lambda r: (r.uniform(-1, 1, (2, 3, 3)),)),
    Spec(N + "linalg.slogdet", lambda a: _la("slogdet")(a)[1],
         lambda r: (r.uniform(-1, 1, (3, 3)),)),
    Spec(N + "linalg.solve", _la("solve"), lambda r: (*_spd(r), r.uniform(-1, 1, 3))),
    Spec(N + "linalg.solve", _la("solve"), lambda r: (*_spd(r), r.uniform(-1, 1, (3, 2)))),
    Spec(N + "linalg.cholesky", lambda a: _la("cholesky")(_sym(a)), _spd),
    Spec(N + "linalg.norm", _la("norm"), _u()),
    *[Spec(N + "linalg.norm", lambda x, o=o: _la("norm")(x, o, axis=1), lambda r: (_away(r),))
      for o in (1, 3, np.inf)],
    *[Spec(N + "linalg.norm", lambda x, o=o: _la("norm")(x, o), lambda r: (_away(r),))
      for o in ("fro", 1, -np.inf)],
    # ---- random: reparameterised draws ----------------------------------------------------
    Spec(N + "random.normal", lambda m, s: _seeded("normal", m, s),
         lambda r: (r.uniform(-1, 1, 4), r.uniform(0.5, 2, 4))),
    Spec(N + "random.uniform", lambda lo, hi: _seeded("uniform", lo, hi),
         lambda r: (r.uniform(-1, 0, 4), r.uniform(0.5, 2, 4))),
    Spec(N + "random.permutation", lambda x: _seeded("permutation", x), _u(shape=5)),
    Spec(N + "random.choice", lambda x: _seeded("choice", x, 3), _u(shape=5)),
    # ---- scipy.special as it stands (more in scipy.py) -------------------------------------
    Spec(S + "erfc", _late(S + "erfc"), _u(-2, 2)),
    Spec(S + "expit", _late(S + "expit"), _u(-4, 4)),
    Spec(S + "logit", _late(S + "logit"), _u(0.1, 0.9)),
    Spec(S + "softplus", _late(S + "softplus"), _u(-4, 4)),
    Spec(S + "softmax", lambda x: _late(S + "softmax")(x, axis=0), _u(-2, 2)),
    Spec(S + "log_softmax", _late(S + "log_softmax"), _u(-2, 2)),
]


def _seeded(sampler, *args):
    with gnp.random.seeded(1234):
        return _late(N + "random." + sampler)(*args)


_BOOL = "boolean valued"
_INT = "integer valued (indices)"
_STEP = "piecewise constant: zero derivative almost everywhere"
_CONST = "creates constants: its values do not depend on any input's values"
_LIKE = "constant shaped like its input: depends on the input's shape and dtype only"

EXEMPT: dict[str, str] = {
    **{N + n: _BOOL for n in ("all", "any", "equal", "not_equal", "greater", "greater_equal",
                              "less", "less_equal", "logical_and", "logical_or", "logical_xor",
                              "logical_not", "isfinite", "isinf", "isnan", "isclose")},
    N + "allclose": "boolean valued (a Python bool)",
    **{N + n: _INT for n in ("argmax", "argmin", "argsort", "nonzero")},
    **{N + n: _STEP for n in ("ceil", "floor", "rint", "round", "trunc", "sign",
                              "floor_divide")},
    **{N + n: _CONST for n in ("zeros", "ones", "empty", "eye", "identity")},
    N + "arange": "creates constants (a Tensor being differentiated as start, stop or step "
                  "raises)",
    **{N + n: _LIKE for n in ("zeros_like", "ones_like", "empty_like")},
    **{N + n: "shape query: integer valued" for n in ("shape", "ndim", "size")},
    N + "get_backend": "not an array function: returns the active backend",
    N + "assign_inplace": "not an array function: the engine's recorded in-place write "
                          "(differentiated through the writes it records)",
    N + "normalize_index": "not an array function: converts an index to backend arrays",
    N + "random.rand": "draws from a fixed distribution: no array input",
    N + "random.randn": "draws from a fixed distribution: no array input",
    N + "random.random": "draws from a fixed distribution: no array input",
    N + "random.random_sample": "draws from a fixed distribution: no array input",
    N + "random.randint": "integer valued",
    N + "random.seed": "sets the generator's state: no array result",
    N + "random.seeded": "context manager for the generator's state: no array result",
    N + "random.draw_seed": "integer valued (a seed)",
}
