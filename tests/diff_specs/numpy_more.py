"""Specs for NumPy's functions beyond the core set (gpuad/numpy/_more*.py) and the random
samplers (gpuad/numpy/random.py)."""

from __future__ import annotations

import numpy as np

import gpuad.numpy as gnp

from . import Spec

P = "gpuad.numpy."


def _m(rng, *s):
    return rng.standard_normal(s)


def _pos(rng, *s):
    return rng.uniform(0.5, 2.0, s)


def _one(rng):
    return (_m(rng, 3, 4),)


def _two(rng):
    return (_m(rng, 3, 4), _m(rng, 3, 4))


def _vec(rng):
    return (_m(rng, 6),)


def _away_from_integers(rng, *s):
    """Values whose multiples of 3 stay away from integers (kinks of mod and friends)."""
    return rng.integers(-4, 4, s) / 3.0 + rng.uniform(0.1, 0.23, s)


_TRIM_MASK = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 0.0])


def _put_along(v):
    t = gnp.asarray(np.arange(12.0).reshape(3, 4)) * v[0, 0]
    gnp.put_along_axis(t, gnp.asarray(np.array([[1], [3], [0]])), v[:, :1] ** 2, axis=1)
    return t


def _written(write, a, v, args, **kwargs):
    """``a`` (as a Tensor that is not a leaf, batched inside vmap when ``a`` or ``v`` is) after
    the in-place ``write(a, *args(v))``."""
    t = a + 0.0 * v
    write(t, *args(v), **kwargs)
    return t


def _with_nan(fn):
    """``fn`` of the argument with two entries replaced by NaN (constants)."""
    mask = np.zeros((3, 4), dtype=bool)
    mask[0, 1] = mask[2, 3] = True

    def f(a):
        return fn(gnp.where(gnp.asarray(mask), np.nan, a))

    return f


def _rs(name, *params):
    def f(*ps):
        return getattr(gnp.random.RandomState(3), name)(*ps, size=(2, 3))

    def args(rng):
        return tuple(np.full(3, p) for p in params)

    return Spec(f"gpuad.numpy.random.{name}", f, args)


XS = np.array([0.3, 1.1, 1.7, 2.9, 4.2, 5.0])

SPECS = [
    Spec(P + "remainder", lambda a, b: gnp.remainder(a, b),
         lambda r: (_away_from_integers(r, 3, 4) * 3, _pos(r, 3, 4) * 0 + 1.0)),
    Spec(P + "fmod", lambda a, b: gnp.fmod(a, b),
         lambda r: (_away_from_integers(r, 3, 4) * 3, np.ones((3, 4)))),
    Spec(P + "divmod", lambda a, b: gnp.divmod(a, b)[1],
         lambda r: (_away_from_integers(r, 3, 4) * 3, np.ones((3, 4)))),
    Spec(P + "modf", lambda a: gnp.modf(a)[0], lambda r: (_away_from_integers(r, 3, 4) * 3,)),
    Spec(P + "frexp", lambda a: gnp.frexp(a)[0], lambda r: (_pos(r, 3, 4) * 1.3,)),
    Spec(P + "ldexp", lambda a: gnp.ldexp(a, np.array([1, -2, 3, 0])), _one),
    Spec(P + "copysign", lambda a, b: gnp.copysign(a, b), _two),
    Spec(P + "fabs", gnp.fabs, _one),
    Spec(P + "float_power", gnp.float_power, lambda r: (_pos(r, 3, 4), _m(r, 3, 4))),
    Spec(P + "fmax", gnp.fmax, _two),
    Spec(P + "fmin", gnp.fmin, _two),
    Spec(P + "logaddexp2", gnp.logaddexp2, _two),
    Spec(P + "nan_to_num", gnp.nan_to_num, _one),
    Spec(P + "degrees", gnp.degrees, _one),
    Spec(P + "radians", gnp.radians, _one),
    Spec(P + "meshgrid", lambda a, b: gnp.meshgrid(a, b), lambda r: (_m(r, 3), _m(r, 4))),
    Spec(P + "r_", lambda a, b: gnp.r_[a, 0.5, b], lambda r: (_m(r, 3), _m(r, 4))),
    Spec(P + "c_", lambda a, b: gnp.c_[a, b], lambda r: (_m(r, 3), _m(r, 3))),
    Spec(P + "append", lambda a, b: gnp.append(a, b), _two),
    Spec(P + "hsplit", lambda a: gnp.hsplit(a, 2), _one),
    Spec(P + "vsplit", lambda a: gnp.vsplit(a, [1]), _one),
    Spec(P + "dsplit", lambda a: gnp.dsplit(a, 2), lambda r: (_m(r, 2, 3, 4),)),
    Spec(P + "column_stack", lambda a, b: gnp.column_stack([a, b]),
         lambda r: (_m(r, 3), _m(r, 3, 2))),
    Spec(P + "row_stack", lambda a, b: gnp.row_stack([a, b]), lambda r: (_m(r, 4), _m(r, 2, 4))),
    Spec(P + "atleast_3d", lambda a, b: gnp.atleast_3d(a, b), lambda r: (_m(r, 3), _m(r, 2, 3))),
    Spec(P + "dstack", lambda a, b: gnp.dstack([a, b]), _two),
    Spec(P + "block", lambda a, b: gnp.block([[a, b], [b, a]]), _two),
    Spec(P + "rollaxis", lambda a: gnp.rollaxis(a, 2), lambda r: (_m(r, 2, 3, 4),)),
    Spec(P + "rot90", lambda a: gnp.rot90(a, 3), _one),
    Spec(P + "kron", gnp.kron, lambda r: (_m(r, 2, 3), _m(r, 3, 2))),
    Spec(P + "select", lambda a, b: gnp.select([a < 0, b > 0.5], [a * b, gnp.sin(b)], a), _two),
    Spec(P + "partition", lambda a: gnp.partition(a, 2, axis=1)[:, 2], _one),
    Spec(P + "put_along_axis", _put_along, _one),
    Spec(P + "piecewise", lambda a: gnp.piecewise(a, [a < 0, a >= 0],
                                                  [lambda v: -v * v, lambda v: gnp.sqrt(v + 1)]),
         _one),
    Spec(P + "diagflat", lambda a: gnp.diagflat(a, -1), lambda r: (_m(r, 2, 2),)),
    Spec(P + "sum", lambda a: gnp.sum(a, 1, initial=1.0, where=np.arange(4) != 2), _one),
    Spec(P + "prod", lambda a: gnp.prod(a, 1, np.float64), _one),
    Spec(P + "max", lambda a: gnp.max(a, 0, initial=-0.5), _one),
    Spec(P + "min", lambda a: gnp.min(a, 1, where=np.arange(4) > 0, initial=2.0), _one),
    Spec(P + "amax", lambda a: gnp.amax(a, 1), _one),
    Spec(P + "amin", lambda a: gnp.amin(a, 0), _one),
    Spec(P + "mean", lambda a: gnp.mean(a, 1, where=np.arange(4) != 1), _one),
    Spec(P + "var", lambda a: gnp.var(a, 0, ddof=1), _one),
    Spec(P + "std", lambda a: gnp.std(a, 1, correction=1), _one),
    Spec(P + "cumsum", lambda a: gnp.cumsum(a, 1, np.float64), _one),
    Spec(P + "cumprod", lambda a: gnp.cumprod(a, 0), _one),
    Spec(P + "swapaxes", lambda a: gnp.swapaxes(a, axis1=0, axis2=2),
         lambda r: (_m(r, 2, 3, 4),)),
    Spec(P + "sort", lambda a: gnp.sort(a, axis=0, kind="stable"), _one),
    Spec(P + "einsum", lambda a, b: gnp.einsum(a, [0, 1], b, [2, 1], [0, 2]), _two),
    Spec(P + "cross", lambda a, b: gnp.cross(a, b, axisa=0, axisb=0), _two),
    Spec(P + "full", lambda s: gnp.full((2, 3), s), lambda r: (np.array(r.standard_normal()),)),
    Spec(P + "full_like", lambda s: gnp.full_like(np.ones((2, 3)), s),
         lambda r: (np.array(r.standard_normal()),)),
    Spec(P + "trace", lambda a: gnp.trace(a, 1), _one),
    Spec(P + "linspace", lambda a, b: gnp.linspace(a, b, 5), lambda r: (_m(r, 2), _m(r, 2))),
    Spec(P + "nansum", _with_nan(lambda a: gnp.nansum(a, 1)), _one),
    Spec(P + "nanprod", _with_nan(lambda a: gnp.nanprod(a, 0)), _one),
    Spec(P + "nancumsum", _with_nan(lambda a: gnp.nancumsum(a, 1)), _one),
    Spec(P + "nancumprod", _with_nan(lambda a: gnp.nancumprod(a, 1)), _one),
    Spec(P + "nanmean", _with_nan(lambda a: gnp.nanmean(a, 1)), _one),
    Spec(P + "nanvar", _with_nan(lambda a: gnp.nanvar(a, 1, ddof=1)), _one),
    Spec(P + "nanstd", _with_nan(lambda a: gnp.nanstd(a, 0)), _one),
    Spec(P + "nanmax", _with_nan(lambda a: gnp.nanmax(a, 1)), _one),
    Spec(P + "nanmin", _with_nan(lambda a: gnp.nanmin(a, 1)), _one),
    Spec(P + "nanmedian", _with_nan(lambda a: gnp.nanmedian(a, 1)), _one),
    Spec(P + "nanquantile", _with_nan(lambda a: gnp.nanquantile(a, [0.3, 0.8], 1)), _one),
    Spec(P + "nanpercentile", _with_nan(lambda a: gnp.nanpercentile(a, 35, 0)), _one),
    Spec(P + "ptp", lambda a: gnp.ptp(a, 1), _one),
    Spec(P + "quantile", lambda a: gnp.quantile(a, [0.3, 0.8], axis=1), _one),
    Spec(P + "percentile", lambda a: gnp.percentile(a, 40), _one),
    Spec(P + "median", lambda a: gnp.median(a, axis=0, keepdims=True), _one),
    Spec(P + "cov", lambda a: gnp.cov(a), _one),
    Spec(P + "corrcoef", lambda a, b: gnp.corrcoef(a, b), _two),
    Spec(P + "interp", lambda x, xp, fp: gnp.interp(x, xp, fp),
         lambda r: (np.array([0.5, 1.3, 2.2, 4.0, 4.6]), XS, _m(r, 6))),
    Spec(P + "trapezoid", lambda y, x: gnp.trapezoid(y, x),
         lambda r: (_m(r, 6), np.cumsum(_pos(r, 6)))),
    Spec(P + "convolve", lambda a, v: gnp.convolve(a, v, "same"), lambda r: (_m(r, 6), _m(r, 3))),
    Spec(P + "correlate", lambda a, v: gnp.correlate(a, v, "full"),
         lambda r: (_m(r, 4), _m(r, 6))),
    Spec(P + "gradient", lambda a: gnp.gradient(a, XS[:4], axis=1, edge_order=2), _one),
    Spec(P + "positive", lambda a: gnp.positive(a), _one),
    Spec(P + "matrix_transpose", lambda a: gnp.matrix_transpose(a), _one),
    Spec(P + "unstack", lambda a: gnp.unstack(a, axis=1), _one),
    Spec(P + "broadcast_arrays", lambda a, b: gnp.broadcast_arrays(a, b),
         lambda r: (_m(r, 3, 1), _m(r, 4))),
    Spec(P + "ediff1d", lambda a, b: gnp.ediff1d(a, to_begin=b, to_end=[1.0, 2.0]),
         lambda r: (_m(r, 3, 4), _m(r, 2))),
    Spec(P + "trim_zeros", lambda a: gnp.trim_zeros(a * gnp.asarray(_TRIM_MASK)), _vec),
    Spec(P + "unwrap", lambda a: gnp.unwrap(a * 3.0, axis=1), _one),
    Spec(P + "sort_complex", lambda a: gnp.sort_complex(a), _one),
    Spec(P + "histogram_bin_edges", lambda a: gnp.histogram_bin_edges(a, bins=4), _one),
    Spec(P + "i0", lambda a: gnp.i0(a), _one),
    Spec(P + "unique", lambda a: gnp.unique(a, return_counts=True)[0], _one),
    Spec(P + "unique_values", lambda a: gnp.unique_values(a), _one),
    Spec(P + "unique_counts", lambda a: gnp.unique_counts(a).values, _one),
    Spec(P + "unique_inverse", lambda a: gnp.unique_inverse(a).values, _one),
    Spec(P + "unique_all", lambda a: gnp.unique_all(a).values, _one),
    Spec(P + "concat", lambda a, b: gnp.concat([a, b], axis=1), _two),
    Spec(P + "permute_dims", lambda a: gnp.permute_dims(a, (1, 0)), _one),
    Spec(P + "cumulative_sum", lambda a: gnp.cumulative_sum(a, axis=1, include_initial=True),
         _one),
    Spec(P + "cumulative_prod", lambda a: gnp.cumulative_prod(a, axis=0), _one),
    Spec(P + "vecdot", lambda a, b: gnp.vecdot(a, b), _two),
    Spec(P + "matvec", lambda a, b: gnp.matvec(a, b[0]), _two),
    Spec(P + "vecmat", lambda a, b: gnp.vecmat(a[:, 0], b), _two),
    Spec(P + "nextafter", lambda a, b: gnp.nextafter(a, b), _two),
    Spec(P + "polyval", lambda p, x: gnp.polyval(p, x), lambda r: (_m(r, 4), _m(r, 3))),
    Spec(P + "polyadd", lambda a, b: gnp.polyadd(a, b), lambda r: (_m(r, 4), _m(r, 2))),
    Spec(P + "polysub", lambda a, b: gnp.polysub(a, b), lambda r: (_m(r, 2), _m(r, 4))),
    Spec(P + "polymul", lambda a, b: gnp.polymul(a, b), lambda r: (_m(r, 4), _m(r, 2))),
    Spec(P + "polyder", lambda a: gnp.polyder(a, 2), _vec),
    Spec(P + "polyint", lambda a, k: gnp.polyint(a, 2, k=k), lambda r: (_m(r, 4), _m(r, 2))),
    Spec(P + "polydiv", lambda a, b: gnp.polydiv(a, b), lambda r: (_m(r, 5), _pos(r, 2))),
    Spec(P + "poly", lambda a: gnp.poly(a), _vec),
    Spec(P + "roots", lambda a: gnp.roots(a),  # (distinct real roots: 1, 2, 3 moved a little)
         lambda r: (np.poly([1.0, 2.0, 3.0]) + r.uniform(-0.05, 0.05, 4),)),
    Spec(P + "vander", lambda a: gnp.vander(a, 4), _vec),
    Spec(P + "polyfit", lambda x, y, w: gnp.polyfit(x, y, 2, w=w),
         lambda r: (np.linspace(-1, 1, 6) + r.uniform(-0.1, 0.1, 6), _m(r, 6), _pos(r, 6))),
    Spec(P + "delete", lambda a: gnp.delete(a, [0, 2], axis=1), _one),
    Spec(P + "insert", lambda a, v: gnp.insert(a, [1, 1, 3], v, axis=1),
         lambda r: (_m(r, 3, 4), _m(r, 3, 3))),
    Spec(P + "compress", lambda a: gnp.compress([True, False, True], a, axis=0), _one),
    Spec(P + "extract", lambda a: gnp.extract(np.arange(12).reshape(3, 4) % 3 == 0, a), _one),
    Spec(P + "choose", lambda a, b: gnp.choose(np.array([[0, 1, 1, 0]]), [a, b]), _two),
    Spec(P + "resize", lambda a: gnp.resize(a, (5, 3)), _one),
    Spec(P + "apply_along_axis", lambda a: gnp.apply_along_axis(lambda v: v * v[0], 1, a),
         _one),
    Spec(P + "apply_over_axes", lambda a: gnp.apply_over_axes(gnp.sum, a, [0, 1]), _one),
    Spec(P + "intersect1d", lambda a: gnp.intersect1d(a, a[::2]), _vec),
    Spec(P + "union1d", lambda a, b: gnp.union1d(a, b), _two),
    Spec(P + "setdiff1d", lambda a: gnp.setdiff1d(a, a[::2]), _vec),
    Spec(P + "setxor1d", lambda a, b: gnp.setxor1d(a, gnp.concatenate([a[:2], b])),
         lambda r: (_m(r, 4), _m(r, 3))),
    Spec(P + "bincount", lambda w: gnp.bincount(np.array([0, 2, 2, 5, 0, 1]), weights=w), _vec),
    Spec(P + "histogram", lambda a, w: gnp.histogram(a, bins=3, weights=w, density=True),
         lambda r: (_m(r, 8), _pos(r, 8))),
    Spec(P + "histogram2d", lambda a, w: gnp.histogram2d(a, a[::-1], bins=2, weights=w,
                                                         density=True),
         lambda r: (_m(r, 8), _pos(r, 8))),
    Spec(P + "histogramdd", lambda a, w: gnp.histogramdd(a, bins=(2, 3), weights=w,
                                                         density=True),
         lambda r: (_m(r, 8, 2), _pos(r, 8))),
    Spec(P + "combinations", lambda a: gnp.combinations(a, 3, with_replacement=True), _vec),
    Spec(P + "fill_diagonal", lambda a, v: _written(gnp.fill_diagonal, a, v,
                                                    lambda v: (v[0, :2],)), _two),
    Spec(P + "put", lambda a, v: _written(gnp.put, a, v, lambda v: ([1, 6, 1], v[0])), _two),
    Spec(P + "place", lambda a, v: _written(gnp.place, a, v, lambda v: (
        np.arange(12).reshape(3, 4) % 5 == 1, v[1])), _two),
    Spec(P + "putmask", lambda a, v: _written(gnp.putmask, a, v, lambda v: (
        np.arange(12).reshape(3, 4) % 3 == 0, v[2])), _two),
    Spec(P + "copyto", lambda a, v: _written(gnp.copyto, a, v, lambda v: (v[0],),
                                             where=np.arange(4) % 2 == 0), _two),
    _rs("normal", 0.3, 1.7),
    _rs("uniform", -0.5, 2.0),
    _rs("laplace", 0.3, 1.7),
    _rs("logistic", 0.3, 1.7),
    _rs("gumbel", 0.3, 1.7),
    _rs("lognormal", 0.3, 0.6),
    _rs("exponential", 1.7),
    _rs("rayleigh", 1.7),
    Spec("gpuad.numpy.random.gamma",
         lambda s: gnp.random.RandomState(3).gamma(2.0, s, size=(2, 3)),
         lambda r: (np.full(3, 1.5),)),
]

EXEMPT = {
    P + "around": "piecewise constant: zero derivative almost everywhere",
    P + "spacing": "piecewise constant: zero derivative almost everywhere",
    P + "tril_indices_from": "integer valued (indices)",
    P + "triu_indices_from": "integer valued (indices)",
    P + "fix": "piecewise constant: zero derivative almost everywhere",
    P + "argwhere": "integer valued (indices)",
    P + "frombuffer": "reads bytes: no Tensor input",
    P + "fromstring": "reads text: no Tensor input",
    P + "load": "reads a file: no Tensor input",
    P + "save": "writes a file: returns None",
    P + "flatnonzero": "integer valued (indices)",
    P + "count_nonzero": "integer valued (a count)",
    P + "searchsorted": "integer valued (indices)",
    P + "bucketize": "integer valued (indices)",
    P + "isneginf": "boolean valued",
    P + "isposinf": "boolean valued",
    P + "signbit": "boolean valued",
    P + "array_equal": "boolean valued",
    P + "array_equiv": "boolean valued",
    P + "einsum_path": "a contraction order and its report from the operands' shapes: no values",
    P + "iscomplexobj": "boolean valued",
    P + "iscomplex": "boolean valued",
    P + "isreal": "boolean valued",
    P + "isrealobj": "boolean valued",
    P + "isscalar": "boolean valued",
    P + "result_type": "returns a dtype",
    P + "argpartition": "integer valued (indices)",
    P + "argsort": "integer valued (indices)",
    P + "nanargmax": "integer valued (an index)",
    P + "nanargmin": "integer valued (an index)",
    **{P + k: "integer or boolean valued" for k in (
        "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift", "gcd",
        "lcm", "bitwise_count")},
    **{P + k: "integer valued (indices)" for k in (
        "tril_indices", "triu_indices", "diag_indices", "diag_indices_from", "indices", "ix_")},
    P + "tri": "a constant: no array input",
}

_NO_REPARAM = ("raises NotImplementedError when a parameter is differentiated: the sampler has "
               "no reparameterised form")
_FIXED = "draws from a fixed distribution: no array input to differentiate"
EXEMPT.update({
    **{"gpuad.numpy.random." + k: _NO_REPARAM for k in (
        "beta", "binomial", "chisquare", "dirichlet", "f", "geometric", "hypergeometric",
        "logseries", "multinomial", "multivariate_normal", "negative_binomial",
        "noncentral_chisquare", "noncentral_f", "pareto", "poisson", "power", "standard_gamma",
        "standard_t", "triangular", "vonmises", "wald", "weibull", "zipf")},
    **{"gpuad.numpy.random." + k: _FIXED for k in (
        "ranf", "sample", "standard_cauchy", "standard_exponential", "standard_normal")},
    "gpuad.numpy.random.random_integers": "integer valued",
    "gpuad.numpy.random.default_rng": "constructs a generator object: no array result",
    "gpuad.numpy.random.shuffle": "permutes its argument in place and returns None; "
                                  "permutation is the differentiable form",
})

# piecewise constant in x1 (a jump at 0), so only x2 is varied: it is the value where x1 == 0
SPECS.append(Spec("gpuad.numpy.heaviside",
                  lambda b: gnp.heaviside(np.array([-1.0, 0.0, 2.0, 0.0]), b),
                  lambda r: (r.uniform(0.2, 0.8, 4),)))

# NumPy's array conversions on Tensors, kaiser in beta, and functions of index grids
SPECS += [
    Spec(P + "asanyarray", lambda a: gnp.asanyarray(a) * a, _one),
    Spec(P + "asarray_chkfinite", lambda a: gnp.asarray_chkfinite(a) ** 2, _one),
    Spec(P + "ascontiguousarray", lambda a: gnp.ascontiguousarray(a[0, 0] * a[1, 1]), _one),
    Spec(P + "asfortranarray", lambda a: gnp.asfortranarray(a) * a, _one),
    Spec(P + "require", lambda a: gnp.require(a, np.float64, ["C", "O"]) * a, _one),
    Spec(P + "kaiser", lambda b: gnp.kaiser(7, b), lambda r: (r.uniform(1.0, 6.0, ()),)),
    Spec(P + "fromfunction", lambda w: gnp.fromfunction(
        lambda i, j: gnp.sin(w[0] * i + w[1] * j), (3, 4)), lambda r: (_m(r, 2),)),
    Spec(P + "frompyfunc", lambda a, b: gnp.frompyfunc(lambda u, v: u * gnp.sin(v), 2, 1)(
        a, b[0]), lambda r: (_m(r, 3, 4), _m(r, 1, 4))),
]
EXEMPT.update({
    **{P + k: "a constant: no array input" for k in (
        "hamming", "hanning", "bartlett", "blackman", "mgrid", "ogrid")},
    **{P + k: "integer valued (indices)" for k in (
        "digitize", "lexsort", "unravel_index", "ravel_multi_index")},
    P + "isin": "boolean valued",
    P + "packbits": "integer valued (bits)",
    P + "unpackbits": "integer valued (bits)",
    P + "iterable": "boolean valued",
    **{P + k: "a dtype query: no array result" for k in (
        "finfo", "iinfo", "issubdtype", "isdtype", "can_cast", "promote_types", "common_type",
        "mintypecode")},
    P + "ndindex": "an iterator of Python index tuples: no array result",
    P + "mask_indices": "integer valued (indices)",
    P + "broadcast_shapes": "returns a shape",
    **{P + k: "printing: a string or print settings, no array result" for k in (
        "array_repr", "array_str", "get_printoptions", "set_printoptions", "printoptions")},
    **{P + k: "a string of an integer: no array result" for k in ("binary_repr", "base_repr")},
    P + "fromiter": "a constant: values read from a Python iterator",
})
