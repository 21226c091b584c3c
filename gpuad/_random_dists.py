"""More of ``jax.random``'s samplers: gamma and the distributions built on it, Poisson and the
other discrete ones, and the location-scale families (see :mod:`gpuad.random`).

Gamma samples are differentiable in their shape parameter by implicit reparameterisation, as
in JAX: a sample is differentiated as the quantile of its uniform draw,
``dx/da = -(dP/da)(a, x) / p(a, x)`` (:mod:`gpuad._gamma_grad`), and ``beta``, ``dirichlet``,
``chisquare``, ``t``, ``f``, ``loggamma`` and ``generalized_normal`` inherit it. Second
derivatives in a shape parameter raise. The discrete samplers' results (``poisson``, ``binomial``,
``geometric``) are constants, piecewise constant in their parameters, as in JAX.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from . import _gamma_grad
from ._numpy_protocol import stop_gradient
from .batching import register
from .prims.core import MissingRuleError, prim
from .random import (
    _check_key,
    _constant,
    _float,
    _gnp,
    _key_rule,
    _open_uniform,
    _shape,
    exponential,
    normal,
    rademacher,
    split,
    uniform,
)
from .tensor import Tensor

__all__ = [
    "gamma",
    "loggamma",
    "beta",
    "dirichlet",
    "chisquare",
    "t",
    "f",
    "poisson",
    "binomial",
    "multinomial",
    "geometric",
    "cauchy",
    "lognormal",
    "pareto",
    "weibull_min",
    "rayleigh",
    "maxwell",
    "double_sided_maxwell",
    "triangular",
    "generalized_normal",
    "ball",
    "orthogonal",
    "wald",
    "wrap_key_data",
    "clone",
]


def _host(a) -> _np.ndarray:
    return _np.asarray(a.get() if hasattr(a, "get") else a)


def _keyed(draw):
    """A forward ``(xp, key, *params, shape, ...)`` that calls ``draw(generator, *params)``
    with the parameters broadcast to ``shape``, once per key for keys with leading axes (as
    vmap passes them, the parameters then carrying the same leading axes)."""

    def fwd(xp, k, *params, shape=(), **kw):
        keys = _host(k).astype(_np.uint64)
        lead = keys.shape[:-1]
        full = lead + tuple(shape)
        ps = []
        for p in params:
            p = _host(p)
            if lead:  # (lead, *own): own broadcasts against shape from the right
                own = p.shape[len(lead) :]
                p = p.reshape(lead + (1,) * (len(shape) - len(own)) + own)
            ps.append(_np.broadcast_to(p, full).reshape((-1, *shape)))
        rows = keys.reshape(-1, 2)
        outs = [
            _np.asarray(
                draw(_np.random.Generator(_np.random.Philox(key=row)), *[p[i] for p in ps], **kw)
            )
            for i, row in enumerate(rows)
        ]
        if not outs:
            return xp.asarray(_np.zeros(full, draw(None, *[_np.ones(shape)] * len(ps), **kw).dtype))
        return xp.asarray(_np.stack(outs).reshape(full))

    return fwd


# ---- gamma ----------------------------------------------------------------------------------


def _draw_gamma(gen, a, dtype="float64", log=False):
    a = a.astype(_np.float64)
    zero, bad = a == 0, ~(a >= 0)  # a = 0: the point mass at 0; a < 0 or nan: nan (as JAX)
    a = _np.where(zero | bad, 1.0, a)
    small = a < 1
    if gen is None:
        return _np.zeros(a.shape, dtype)
    # for a < 1, Gamma(a) = Gamma(a + 1) * U**(1/a): drawn in logarithms, as it underflows
    g = _np.asarray(gen.standard_gamma(_np.where(small, a + 1.0, a)))
    u = 1.0 - gen.random(a.shape)  # in (0, 1]
    with _np.errstate(divide="ignore"):
        logx = _np.log(g) + _np.where(small, _np.log(u) / a, 0.0)
    out = logx if log else _np.where(small, _np.exp(logx), g)
    out = _np.where(zero, -_np.inf if log else 0.0, out)
    return _np.where(bad, _np.nan, out).astype(dtype)


def _gamma_grad_fwd(xp, a, ans, log=False):
    a, ans = _host(a).astype(_np.float64), _host(ans)
    with _np.errstate(divide="ignore", invalid="ignore"):
        x = ans.astype(_np.float64)
        d = _gamma_grad.dlogx_da(a, x if log else _np.log(x))
        if not log:
            d = _np.where(x == 0, 0.0, x * d)
    return xp.asarray(d.astype(ans.dtype))


def _second(arg):
    def formula(g, ans, a, x, log):
        raise MissingRuleError(
            f"gpuad.random.gamma: the second derivative of gamma samples in their shape "
            f"parameter is not implemented ({arg}); differentiate once, or pass the shape as a "
            f"constant (gpuad.stop_gradient(a))"
        )

    return formula


_gamma_grad_p = prim(
    "random_gamma_grad",
    _gamma_grad_fwd,
    vjp=[_second("through a"), _second("through the sample")],
    jvp=[_second("through a"), _second("through the sample")],
    guard=True,
)


def _gamma_vjp(g, ans, k, a, shape, dtype, log):
    return g * _gamma_grad_p(a, ans, log=log)


def _gamma_jvp(t, ans, k, a, shape, dtype, log):
    return t * _gamma_grad_p(a, ans, log=log)


_gamma_p = prim("random_gamma", _keyed(_draw_gamma), vjp=[None, _gamma_vjp], jvp=[None, _gamma_jvp])
register(_gamma_p.rule.name, _key_rule(_gamma_p.rule))


def _param(v, dt: str):
    return v if isinstance(v, Tensor) else _gnp().asarray(v, dtype=dt)


def _out_shape(where: str, shape, *params) -> tuple[int, ...]:
    pshape = _np.broadcast_shapes(*(tuple(_np.shape(p)) for p in params))
    if shape is None:
        return pshape
    shape = _shape(shape)
    try:
        fits = _np.broadcast_shapes(shape, pshape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"gpuad.random.{where}: shape {shape} does not fit the parameters' broadcast "
            f"shape {pshape} (they must broadcast to shape)"
        )
    return shape


def _gamma(where, k, a, shape, dtype, log):
    _check_key(k, where)
    dt = _float(dtype)
    a = _param(a, dt)
    return _gamma_p(k, a, shape=_out_shape(where, shape, a), dtype=dt, log=log)


def gamma(k, a, shape=None, dtype=None) -> Any:
    """Gamma(a, 1) samples; differentiable in ``a`` (implicit reparameterisation, as JAX).
    Example: ``gpuad.random.gamma(key, 2.5, (3,))``"""
    return _gamma("gamma", k, a, shape, dtype, False)


def loggamma(k, a, shape=None, dtype=None) -> Any:
    """Logarithms of Gamma(a, 1) samples, accurate where the samples underflow (small ``a``);
    differentiable in ``a``. Example: ``gpuad.random.loggamma(key, 0.01, (3,))``"""
    return _gamma("loggamma", k, a, shape, dtype, True)


def _normalise_logs(logs, axis):
    gnp = _gnp()
    m = stop_gradient(gnp.max(logs, axis=axis, keepdims=True))
    e = gnp.exp(logs - m)
    return e / gnp.sum(e, axis=axis, keepdims=True)


def beta(k, a, b, shape=None, dtype=None) -> Any:
    """Beta(a, b) samples, ``Ga / (Ga + Gb)`` of two gamma draws (in logarithms);
    differentiable in ``a`` and ``b``. Example: ``gpuad.random.beta(key, 2.0, 3.0, (4,))``"""
    _check_key(k, "beta")
    dt = _float(dtype)
    a, b = _param(a, dt), _param(b, dt)
    shape = _out_shape("beta", shape, a, b)
    ka, kb = split(k)
    logs = _gnp().stack([loggamma(ka, a, shape, dt), loggamma(kb, b, shape, dt)])
    return _normalise_logs(logs, 0)[0]


def dirichlet(k, alpha, shape=None, dtype=None) -> Any:
    """Dirichlet(alpha) samples of shape ``shape + alpha.shape[-1:]`` (normalised gamma
    draws); differentiable in ``alpha``.
    Example: ``gpuad.random.dirichlet(key, gnp.asarray([1.0, 2.0, 3.0]), (5,))``"""
    _check_key(k, "dirichlet")
    dt = _float(dtype)
    alpha = _param(alpha, dt)
    if alpha.ndim < 1:
        raise ValueError("gpuad.random.dirichlet: alpha must have at least one axis")
    shape = _out_shape("dirichlet", shape, _np.empty(tuple(alpha.shape[:-1]), bool))
    return _normalise_logs(loggamma(k, alpha, (*shape, alpha.shape[-1]), dt), -1)


def chisquare(k, df, shape=None, dtype=None) -> Any:
    """Chi-square samples with ``df`` degrees of freedom (``2 * gamma(df / 2)``);
    differentiable in ``df``. Example: ``gpuad.random.chisquare(key, 3.0, (4,))``"""
    _check_key(k, "chisquare")
    dt = _float(dtype)
    df = _param(df, dt)
    return 2.0 * gamma(k, df / 2.0, _out_shape("chisquare", shape, df), dt)


def t(k, df, shape=None, dtype=None) -> Any:
    """Student's t samples with ``df`` degrees of freedom (``z * sqrt((df/2) / gamma(df/2))``);
    differentiable in ``df``. Example: ``gpuad.random.t(key, 5.0, (4,))``"""
    _check_key(k, "t")
    dt = _float(dtype)
    df = _param(df, dt)
    shape = _out_shape("t", shape, df)
    kn, kg = split(k)
    half = df / 2.0
    return normal(kn, shape, dt) * _gnp().sqrt(half / gamma(kg, half, shape, dt))


def f(k, dfnum, dfden, shape=None, dtype=None) -> Any:
    """F samples, ``(chi2(dfnum) / dfnum) / (chi2(dfden) / dfden)``; differentiable in both.
    Example: ``gpuad.random.f(key, 3.0, 7.0, (4,))``"""
    _check_key(k, "f")
    dt = _float(dtype)
    dfnum, dfden = _param(dfnum, dt), _param(dfden, dt)
    shape = _out_shape("f", shape, dfnum, dfden)
    k1, k2 = split(k)
    return (chisquare(k1, dfnum, shape, dt) / dfnum) / (chisquare(k2, dfden, shape, dt) / dfden)


def generalized_normal(k, p, shape=(), dtype=None) -> Any:
    """Samples with density proportional to ``exp(-|x|**p)`` (a signed ``gamma(1/p)**(1/p)``);
    differentiable in ``p``. Example: ``gpuad.random.generalized_normal(key, 1.5, (4,))``"""
    _check_key(k, "generalized_normal")
    dt = _float(dtype)
    p = _param(p, dt)
    shape = _np.broadcast_shapes(_shape(shape), tuple(p.shape))
    kg, ks = split(k)
    # exp(log g / p) rather than g**(1/p): g underflows to 0 for large p, log g does not
    return rademacher(ks, shape, dt) * _gnp().exp(loggamma(kg, 1.0 / p, shape, dt) / p)


def ball(k, d: int, p: float = 2, shape=(), dtype=None) -> Any:
    """Points uniform in the unit ``p``-norm ball of dimension ``d``, of shape
    ``shape + (d,)``. Example: ``gpuad.random.ball(key, 3, shape=(10,))``"""
    _check_key(k, "ball")
    dt = _float(dtype)
    gnp = _gnp()
    shape = _shape(shape)
    kg, ke = split(k)
    g = generalized_normal(kg, float(p), (*shape, int(d)), dt)
    e = exponential(ke, shape, dt)
    norm = (gnp.sum(gnp.abs(g) ** p, axis=-1) + e) ** (1.0 / p)
    return g / norm[..., None]


# ---- discrete distributions -----------------------------------------------------------------


def _int(dtype, where: str) -> _np.dtype:
    dt = _np.dtype(int if dtype is None else dtype)
    if dt.kind not in "iu":
        raise TypeError(f"gpuad.random.{where}: dtype must be an integer type, got {dt}")
    return dt


def _draw_poisson(gen, lam):
    if gen is None:
        return _np.zeros(lam.shape, _np.int64)
    bad = ~(lam >= 0)
    return _np.where(bad, -1, gen.poisson(_np.where(bad, 0.0, lam))).astype(_np.int64)


def _draw_binomial(gen, n, p):
    if gen is None:
        return _np.zeros(n.shape, _np.float64)
    bad = ~((n >= 0) & (p >= 0) & (p <= 1))
    endless = ~bad & _np.isinf(n)  # n = inf: inf successes (none when p = 0), as JAX
    skip = bad | endless
    n_int = _np.where(skip, 0, _np.floor(_np.where(skip, 0.0, n))).astype(_np.int64)
    # (a 0-d draw comes back as a Python int)
    draws = _np.asarray(gen.binomial(n_int, _np.where(skip, 0.0, p)), dtype=_np.float64)
    draws = _np.where(endless, _np.where(p > 0, _np.inf, 0.0), draws)
    return _np.where(bad, _np.nan, draws)


_poisson_p = prim("random_poisson", _keyed(_draw_poisson), nondiff=True)
_binomial_p = prim("random_binomial", _keyed(_draw_binomial), nondiff=True)
for _p in (_poisson_p, _binomial_p):
    register(_p.rule.name, _key_rule(_p.rule))


def poisson(k, lam, shape=None, dtype=None) -> Any:
    """Poisson(lam) counts (-1 where ``lam`` is negative or nan), constant in ``lam``.
    Example: ``gpuad.random.poisson(key, 3.5, (4,))``"""
    _check_key(k, "poisson")
    lam = _param(stop_gradient(lam), "float64")
    out = _poisson_p(k, lam, shape=_out_shape("poisson", shape, lam))
    return out.astype(_int(dtype, "poisson"))


def binomial(k, n, p, shape=None, dtype=None) -> Any:
    """Binomial(n, p) counts, as floats (nan for invalid parameters); no derivative in ``n`` or
    ``p``. Example: ``gpuad.random.binomial(key, 10, 0.3, (4,))``"""
    _check_key(k, "binomial")
    dt = _float(dtype)
    n, p = _param(stop_gradient(n), "float64"), _param(stop_gradient(p), "float64")
    out = _binomial_p(k, n, p, shape=_out_shape("binomial", shape, n, p))
    return out.astype(dt)


def multinomial(k, n, p, *, shape=None, dtype=None, unroll=1) -> Any:
    """Multinomial counts of ``n`` trials over the outcomes along ``p``'s last axis, as
    floats of shape ``shape`` (default ``p.shape``; ``n`` broadcasts to ``shape[:-1]``): one
    binomial draw per outcome from the trials left (JAX's construction, with ``split(key)``
    per outcome); constant in ``n`` and ``p``. ``unroll`` (JAX's scan) changes nothing.
    Example: ``gpuad.random.multinomial(key, 10, gnp.array([0.2, 0.3, 0.5]))``"""
    _check_key(k, "multinomial")
    gnp = _gnp()
    dt = _float(dtype)
    n, p = _param(stop_gradient(n), "float64"), _param(stop_gradient(p), "float64")
    shape = tuple(p.shape) if shape is None else _shape(shape)
    if not shape:
        raise ValueError("gpuad.random.multinomial: p needs an axis of outcomes (its last)")
    n = gnp.broadcast_to(n, shape[:-1])
    p = gnp.moveaxis(gnp.broadcast_to(p, shape), -1, 0)
    left = gnp.flip(gnp.cumsum(gnp.flip(p, 0), axis=0), 0)  # the probability still to share
    ratios = gnp.clip(p / gnp.where(left == 0, 1.0, left), 0.0, 1.0)
    keys = split(k, shape[-1])
    counts, rest = [], n
    for i in range(shape[-1]):
        c = binomial(keys[i], rest, ratios[i])
        counts.append(c)
        rest = rest - c
    return gnp.stack(counts, axis=-1).astype(dt)


def geometric(k, p, shape=None, dtype=None) -> Any:
    """The number of Bernoulli(p) trials up to the first success (1, 2, ...); no derivative in
    ``p``. Example: ``gpuad.random.geometric(key, 0.3, (4,))``"""
    _check_key(k, "geometric")
    gnp = _gnp()
    p = _param(stop_gradient(p), "float64")
    u = _open_uniform(k, _out_shape("geometric", shape, p), "float64")
    return (gnp.floor(gnp.log(u) / gnp.log1p(-p)) + 1).astype(_int(dtype, "geometric"))


def wald(k, mean, shape=None, dtype=None) -> Any:
    """Wald (inverse Gaussian) samples with scale 1 (Michael, Schucany and Haas); no
    derivative in ``mean``. Example: ``gpuad.random.wald(key, 2.0, (4,))``"""
    _check_key(k, "wald")
    _constant("wald", _WALD, mean=mean)
    gnp = _gnp()
    dt = _float(dtype)
    mean = _param(stop_gradient(mean), dt)
    shape = _out_shape("wald", shape, mean)
    kv, kz = split(k)
    y = normal(kv, shape, dt) ** 2
    x = mean + mean * mean * y / 2 - mean / 2 * gnp.sqrt(4 * mean * y + (mean * y) ** 2)
    z = uniform(kz, shape, dt)
    return gnp.where(z <= mean / (mean + x), x, mean * mean / x)


# the sample jumps between the two roots as mean moves: its derivative at fixed draws has the
# wrong expectation
_WALD = "the sampler picks one of two roots, which jumps as mean moves"


# ---- continuous transformations of uniform and normal draws ---------------------------------


def cauchy(k, shape=(), dtype=None) -> Any:
    """Standard Cauchy samples, ``tan(pi (u - 1/2))``.
    Example: ``gpuad.random.cauchy(key, (3,))``"""
    u = _open_uniform(k, shape, dtype)
    return _gnp().tan(math.pi * (u - 0.5))


def lognormal(k, sigma=1.0, shape=None, dtype=None) -> Any:
    """Log-normal samples ``exp(sigma * z)``; differentiable in ``sigma``.
    Example: ``gpuad.random.lognormal(key, 0.5, (3,))``"""
    dt = _float(dtype)
    sigma = _param(sigma, dt)
    return _gnp().exp(sigma * normal(k, _out_shape("lognormal", shape, sigma), dt))


def pareto(k, b, shape=None, dtype=None) -> Any:
    """Pareto samples with shape ``b`` and scale 1, ``exp(e / b)`` for an exponential ``e``;
    differentiable in ``b``. Example: ``gpuad.random.pareto(key, 3.0, (3,))``"""
    dt = _float(dtype)
    b = _param(b, dt)
    return _gnp().exp(exponential(k, _out_shape("pareto", shape, b), dt) / b)


def weibull_min(k, scale, concentration, shape=(), dtype=None) -> Any:
    """Weibull samples, ``scale * e**(1/concentration)`` for an exponential ``e``;
    differentiable in both parameters. Example: ``gpuad.random.weibull_min(key, 1.0, 2.0, (3,))``"""
    dt = _float(dtype)
    scale, concentration = _param(scale, dt), _param(concentration, dt)
    shape = _np.broadcast_shapes(_shape(shape), tuple(scale.shape), tuple(concentration.shape))
    return scale * exponential(k, shape, dt) ** (1.0 / concentration)


def rayleigh(k, scale, shape=None, dtype=None) -> Any:
    """Rayleigh samples, ``scale * sqrt(2 e)`` for an exponential ``e``; differentiable in
    ``scale``. Example: ``gpuad.random.rayleigh(key, 2.0, (3,))``"""
    dt = _float(dtype)
    scale = _param(scale, dt)
    return scale * _gnp().sqrt(2.0 * exponential(k, _out_shape("rayleigh", shape, scale), dt))


def maxwell(k, shape=(), dtype=None) -> Any:
    """Maxwell samples, the length of a 3-d standard normal vector.
    Example: ``gpuad.random.maxwell(key, (3,))``"""
    gnp = _gnp()
    z = normal(k, (*_shape(shape), 3), dtype)
    return gnp.sqrt(gnp.sum(z * z, axis=-1))


def double_sided_maxwell(k, loc, scale, shape=(), dtype=None) -> Any:
    """``loc + scale * s * m`` for a Maxwell sample ``m`` and a random sign ``s``;
    differentiable in ``loc`` and ``scale``.
    Example: ``gpuad.random.double_sided_maxwell(key, 0.0, 1.0, (3,))``"""
    _check_key(k, "double_sided_maxwell")
    dt = _float(dtype)
    loc, scale = _param(loc, dt), _param(scale, dt)
    shape = _np.broadcast_shapes(_shape(shape), tuple(loc.shape), tuple(scale.shape))
    km, ks = split(k)
    return loc + scale * rademacher(ks, shape, dt) * maxwell(km, shape, dt)


def triangular(k, left, mode, right, shape=None, dtype=None) -> Any:
    """Triangular samples on ``[left, right]`` peaking at ``mode`` (inverse CDF);
    differentiable in the three parameters.
    Example: ``gpuad.random.triangular(key, 0.0, 0.3, 1.0, (3,))``"""
    gnp = _gnp()
    dt = _float(dtype)
    left, mode, right = _param(left, dt), _param(mode, dt), _param(right, dt)
    u = uniform(k, _out_shape("triangular", shape, left, mode, right), dt)
    width = right - left
    cut = (mode - left) / width
    low = left + gnp.sqrt(gnp.maximum(u * width * (mode - left), 0.0))
    high = right - gnp.sqrt(gnp.maximum((1.0 - u) * width * (right - mode), 0.0))
    return gnp.where(u < cut, low, high)


def orthogonal(k, n: int, shape=(), dtype=None, m: int | None = None) -> Any:
    """Random ``(n, m)`` matrices with orthonormal columns or rows (Haar-distributed for
    ``m = n``), of shape ``shape + (n, m)``: the Q of a QR decomposition of a normal draw,
    its columns' signs fixed by R's diagonal. Example: ``gpuad.random.orthogonal(key, 3)``"""
    gnp = _gnp()
    n = int(n)
    m = n if m is None else int(m)
    dt = _np.dtype(float if dtype is None else dtype)
    work = dt if dt.itemsize >= 4 else _np.dtype(_np.float32)  # (no float16 QR in LAPACK)
    z = normal(k, (*_shape(shape), max(n, m), min(n, m)), work)
    q, r = gnp.linalg.qr(z)
    d = gnp.diagonal(r, axis1=-2, axis2=-1)
    q = (q * gnp.sign(d)[..., None, :]).astype(dt)
    return q if n >= m else gnp.swapaxes(q, -1, -2)


# ---- keys -----------------------------------------------------------------------------------


def wrap_key_data(key_bits, *, impl=None) -> Any:
    """A key from its raw words (the inverse of :func:`gpuad.random.key_data`).
    Example: ``k = gpuad.random.wrap_key_data(gpuad.random.key_data(key))``"""
    if impl is not None:
        raise NotImplementedError(
            f"gpuad.random.wrap_key_data: impl={impl!r}; gpuad has one key kind (Philox, "
            f"two uint64 words): leave impl unset"
        )
    shape = tuple(getattr(key_bits, "shape", _np.shape(key_bits)))
    if not shape or shape[-1] != 2:
        raise TypeError(
            f"gpuad.random.wrap_key_data: key data of shape {shape}; gpuad's keys are "
            f"arrays of two uint64 words (shape (..., 2))"
        )
    if isinstance(key_bits, Tensor):
        return key_bits.astype(_np.uint64)
    from .backends import get_backend

    return get_backend().xp.asarray(key_bits).astype(_np.uint64)


def clone(k) -> Any:
    """The key itself (keys are immutable values; JAX's ``clone`` marks a reuse).
    Example: ``k2 = gpuad.random.clone(key)``"""
    return k
