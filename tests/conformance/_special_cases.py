"""The functions the special-point sweep evaluates: gpuad's, PyTorch's and JAX's spelling of
each (None where a peer lacks it)."""

from __future__ import annotations

import gpuad.jax_nn as jnn
import gpuad.nn.functional as F
import gpuad.numpy as gnp
import gpuad.scipy.special as gs


def _peers():
    import jax
    import jax.numpy as jnp
    import jax.scipy.special as jss
    import torch
    import torch.nn.functional as tF

    return jax, jnp, jss, torch, tF


def unary_cases():
    """name -> (gpuad, torch, jax, extra points)."""
    jax, jnp, jss, torch, tF = _peers()
    ts = torch.special
    c = {
        "abs": (gnp.abs, torch.abs, jnp.abs, ()),
        "fabs": (gnp.fabs, torch.abs, jnp.fabs, ()),
        "sqrt": (gnp.sqrt, torch.sqrt, jnp.sqrt, ()),
        "cbrt": (gnp.cbrt, None, jnp.cbrt, ()),
        "log": (gnp.log, torch.log, jnp.log, ()),
        "log1p": (gnp.log1p, torch.log1p, jnp.log1p, ()),
        "log2": (gnp.log2, torch.log2, jnp.log2, ()),
        "log10": (gnp.log10, torch.log10, jnp.log10, ()),
        "exp": (gnp.exp, torch.exp, jnp.exp, ()),
        "exp2": (gnp.exp2, torch.exp2, jnp.exp2, ()),
        "expm1": (gnp.expm1, torch.expm1, jnp.expm1, ()),
        "sin": (gnp.sin, torch.sin, jnp.sin, ()),
        "cos": (gnp.cos, torch.cos, jnp.cos, ()),
        "tan": (gnp.tan, torch.tan, jnp.tan, ()),
        "arcsin": (gnp.arcsin, torch.asin, jnp.arcsin, ()),
        "arccos": (gnp.arccos, torch.acos, jnp.arccos, ()),
        "arctan": (gnp.arctan, torch.atan, jnp.arctan, ()),
        "sinh": (gnp.sinh, torch.sinh, jnp.sinh, ()),
        "cosh": (gnp.cosh, torch.cosh, jnp.cosh, ()),
        "tanh": (gnp.tanh, torch.tanh, jnp.tanh, ()),
        "arcsinh": (gnp.arcsinh, torch.asinh, jnp.arcsinh, ()),
        "arccosh": (gnp.arccosh, torch.acosh, jnp.arccosh, ()),
        "arctanh": (gnp.arctanh, torch.atanh, jnp.arctanh, ()),
        "square": (gnp.square, torch.square, jnp.square, ()),
        "reciprocal": (gnp.reciprocal, torch.reciprocal, jnp.reciprocal, ()),
        "negative": (gnp.negative, torch.neg, jnp.negative, ()),
        "sign": (gnp.sign, torch.sign, jnp.sign, ()),
        "sinc": (gnp.sinc, torch.sinc, jnp.sinc, ()),
        "deg2rad": (gnp.deg2rad, torch.deg2rad, jnp.deg2rad, ()),
        "floor": (gnp.floor, torch.floor, jnp.floor, ()),
        "ceil": (gnp.ceil, torch.ceil, jnp.ceil, ()),
        "trunc": (gnp.trunc, torch.trunc, jnp.trunc, ()),
        "rint": (gnp.rint, torch.round, jnp.rint, ()),
        "i0": (gnp.i0, torch.i0, jnp.i0, ()),
        "nan_to_num": (gnp.nan_to_num, torch.nan_to_num, jnp.nan_to_num, ()),
        "rsqrt": (lambda x: 1 / gnp.sqrt(x), torch.rsqrt, lambda x: 1 / jnp.sqrt(x), ()),
        "pow_x_0": (lambda x: x ** 0.0, lambda x: x ** 0.0, lambda x: x ** 0.0, ()),
        "pow_x_2": (lambda x: x ** 2.0, lambda x: x ** 2.0, lambda x: x ** 2.0, ()),
        "pow_x_half": (lambda x: x ** 0.5, lambda x: x ** 0.5, lambda x: x ** 0.5, ()),
        "pow_x_m1": (lambda x: x ** -1.0, lambda x: x ** -1.0, lambda x: x ** -1.0, ()),
        "pow_x_3": (lambda x: x ** 3.0, lambda x: x ** 3.0, lambda x: x ** 3.0, ()),
        "pow_x_1": (lambda x: x ** 1.0, lambda x: x ** 1.0, lambda x: x ** 1.0, ()),
        "pow_x_1p5": (lambda x: x ** 1.5, lambda x: x ** 1.5, lambda x: x ** 1.5, ()),
        "pow_x_int2": (lambda x: x ** 2, lambda x: x ** 2, lambda x: x ** 2, ()),
        "pow_0_y": (lambda y: 0.0 ** y, lambda y: torch.pow(0.0, y), lambda y: 0.0 ** y, ()),
        "pow_m0_y": (lambda y: gnp.power(-0.0, y), lambda y: torch.pow(-0.0, y),
                     lambda y: jnp.power(-0.0, y), ()),
        "pow_1_y": (lambda y: 1.0 ** y, lambda y: torch.pow(1.0, y), lambda y: 1.0 ** y, ()),
        "pow_2_y": (lambda y: 2.0 ** y, lambda y: torch.pow(2.0, y), lambda y: 2.0 ** y, ()),
        "pow_m2_y": (lambda y: gnp.power(-2.0, y), lambda y: torch.pow(-2.0, y),
                     lambda y: jnp.power(-2.0, y), ()),
        # special
        "erf": (gs.erf, ts.erf, jss.erf, ()),
        "erfc": (gs.erfc, ts.erfc, jss.erfc, ()),
        "erfinv": (gs.erfinv, ts.erfinv, jss.erfinv, (0.999, -0.999)),
        "erfcx": (gs.erfcx, ts.erfcx, None, ()),
        "expit": (gs.expit, ts.expit, jss.expit, ()),
        "logit": (gs.logit, ts.logit, jss.logit, (0.999,)),
        "log_expit": (gs.log_expit, tF.logsigmoid, jax.nn.log_sigmoid, ()),
        "gammaln": (gs.gammaln, ts.gammaln, jss.gammaln, ()),
        "digamma": (gs.digamma, ts.digamma, jss.digamma, ()),
        "ndtr": (gs.ndtr, ts.ndtr, jss.ndtr, ()),
        "log_ndtr": (gs.log_ndtr, ts.log_ndtr, jss.log_ndtr, ()),
        "ndtri": (gs.ndtri, ts.ndtri, jss.ndtri, (0.999,)),
        "entr": (gs.entr, ts.entr, jss.entr, ()),
        "i0e": (gs.i0e, ts.i0e, jss.i0e, ()),
        "i1": (gs.i1, ts.i1, jss.i1, ()),
        "i1e": (gs.i1e, ts.i1e, jss.i1e, ()),
        "xlogy_0_y": (lambda y: gs.xlogy(0.0, y), lambda y: ts.xlogy(0.0, y),
                      lambda y: jss.xlogy(0.0, y), ()),
        "spence": (gs.spence, None, jss.spence, ()),
        # activations
        "relu": (F.relu, tF.relu, jax.nn.relu, ()),
        "relu6": (F.relu6, tF.relu6, jax.nn.relu6, (6.0,)),
        "leaky_relu": (F.leaky_relu, tF.leaky_relu, lambda x: jax.nn.leaky_relu(x, 0.01), ()),
        "elu": (F.elu, tF.elu, jax.nn.elu, ()),
        "selu": (F.selu, tF.selu, jax.nn.selu, ()),
        "celu": (F.celu, tF.celu, jax.nn.celu, ()),
        "gelu": (F.gelu, tF.gelu, lambda x: jax.nn.gelu(x, approximate=False), ()),
        "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                      lambda x: tF.gelu(x, approximate="tanh"),
                      lambda x: jax.nn.gelu(x, approximate=True), ()),
        "silu": (F.silu, tF.silu, jax.nn.silu, ()),
        "mish": (F.mish, tF.mish, jax.nn.mish, ()),
        "hardtanh": (F.hardtanh, tF.hardtanh, jax.nn.hard_tanh, ()),
        "hardswish": (F.hardswish, tF.hardswish, jax.nn.hard_swish, (3.0, -3.0)),
        "hardsigmoid": (F.hardsigmoid, tF.hardsigmoid, jax.nn.hard_sigmoid, (3.0, -3.0)),
        "softplus": (F.softplus, tF.softplus, jax.nn.softplus, (20.0, 40.0, -40.0)),
        "softsign": (F.softsign, tF.softsign, jax.nn.soft_sign, ()),
        "logsigmoid": (F.logsigmoid, tF.logsigmoid, jax.nn.log_sigmoid, ()),
        "sigmoid": (F.sigmoid, torch.sigmoid, jax.nn.sigmoid, (40.0, -40.0, 800.0, -800.0)),
        "tanhshrink": (F.tanhshrink, tF.tanhshrink, None, ()),
        "softshrink": (F.softshrink, tF.softshrink, None, ()),
        "hardshrink": (F.hardshrink, tF.hardshrink, None, ()),
        "threshold": (lambda x: F.threshold(x, 0.5, -1.0), lambda x: tF.threshold(x, 0.5, -1.0),
                      None, ()),
        # JAX-convention activations
        "jnn.relu": (jnn.relu, None, jax.nn.relu, ()),
        "jnn.relu6": (jnn.relu6, None, jax.nn.relu6, (6.0,)),
        "jnn.leaky_relu": (jnn.leaky_relu, None, jax.nn.leaky_relu, ()),
        "jnn.hard_tanh": (jnn.hard_tanh, None, jax.nn.hard_tanh, ()),
        "jnn.elu": (jnn.elu, None, jax.nn.elu, ()),
        "jnn.celu": (jnn.celu, None, jax.nn.celu, ()),
        "jnn.selu": (jnn.selu, None, jax.nn.selu, ()),
        "jnn.gelu": (jnn.gelu, None, jax.nn.gelu, ()),
        "jnn.silu": (jnn.silu, None, jax.nn.silu, ()),
        "jnn.hard_sigmoid": (jnn.hard_sigmoid, None, jax.nn.hard_sigmoid, (3.0, -3.0)),
        "jnn.hard_swish": (jnn.hard_swish, None, jax.nn.hard_swish, (3.0, -3.0)),
        "jnn.softplus": (jnn.softplus, None, jax.nn.softplus, ()),
        "jnn.soft_sign": (jnn.soft_sign, None, jax.nn.soft_sign, ()),
        "jnn.sparse_plus": (jnn.sparse_plus, None, jax.nn.sparse_plus, ()),
        "jnn.squareplus": (jnn.squareplus, None, jax.nn.squareplus, ()),
        "jnn.log_sigmoid": (jnn.log_sigmoid, None, jax.nn.log_sigmoid, ()),
        "jnn.mish": (jnn.mish, None, jax.nn.mish, ()),
        "jnn.log1mexp": (jnn.log1mexp, None, getattr(jax.nn, "log1mexp", None), ()),
        # Tensor methods
        "T.abs": (lambda t: t.abs(), torch.abs, jnp.abs, ()),
        "T.rsqrt": (lambda t: t.rsqrt(), torch.rsqrt, lambda x: 1 / jnp.sqrt(x), ()),
        "T.sigmoid": (lambda t: t.sigmoid(), torch.sigmoid, jax.nn.sigmoid, ()),
        "T.relu": (lambda t: t.relu(), torch.relu, jax.nn.relu, ()),
        "T.sign": (lambda t: t.sign(), torch.sign, jnp.sign, ()),
        "T.sgn": (lambda t: t.sgn(), torch.sgn, None, ()),
        "T.sinc": (lambda t: t.sinc(), torch.sinc, jnp.sinc, ()),
        "T.erfinv": (lambda t: t.erfinv(), torch.erfinv, jss.erfinv, ()),
        "T.lgamma": (lambda t: t.lgamma(), torch.lgamma, jss.gammaln, ()),
        "T.digamma": (lambda t: t.digamma(), torch.digamma, jss.digamma, ()),
        "T.frac": (lambda t: t.frac(), torch.frac, None, ()),
        "T.logit": (lambda t: t.logit(), torch.logit, jss.logit, ()),
        "T.clamp01": (lambda t: t.clamp(0.0, 1.0), lambda t: t.clamp(0.0, 1.0),
                      lambda x: jnp.clip(x, 0.0, 1.0), ()),
        "T.clamp_min": (lambda t: t.clamp_min(0.0), lambda t: t.clamp_min(0.0),
                        lambda x: jnp.clip(x, 0.0), ()),
        "T.pow2": (lambda t: t.pow(2.0), lambda t: t.pow(2.0), lambda x: x ** 2.0, ()),
        "T.pow0": (lambda t: t.pow(0.0), lambda t: t.pow(0.0), lambda x: x ** 0.0, ()),
        "T.pow_half": (lambda t: t.pow(0.5), lambda t: t.pow(0.5), lambda x: x ** 0.5, ()),
        "T.exp2": (lambda t: t.exp2(), torch.exp2, jnp.exp2, ()),
        "T.nan_to_num": (lambda t: t.nan_to_num(), torch.nan_to_num, jnp.nan_to_num, ()),
        "T.i0": (lambda t: t.i0(), torch.i0, jnp.i0, ()),
        "clip01": (lambda x: gnp.clip(x, 0.0, 1.0), lambda x: torch.clamp(x, 0.0, 1.0),
                   lambda x: jnp.clip(x, 0.0, 1.0), ()),
        "clip_lo": (lambda x: gnp.clip(x, 0.0, None), lambda x: torch.clamp(x, min=0.0),
                    lambda x: jnp.clip(x, 0.0, None), ()),
    }
    return c


def binary_cases():
    """name -> (gpuad, torch, jax)."""
    jax, jnp, jss, torch, tF = _peers()
    ts = torch.special
    return {
        "power": (gnp.power, torch.pow, jnp.power),
        "float_power": (gnp.float_power, torch.float_power, jnp.float_power),
        "arctan2": (gnp.arctan2, torch.atan2, jnp.arctan2),
        "hypot": (gnp.hypot, torch.hypot, jnp.hypot),
        "maximum": (gnp.maximum, torch.maximum, jnp.maximum),
        "minimum": (gnp.minimum, torch.minimum, jnp.minimum),
        "fmax": (gnp.fmax, torch.fmax, jnp.fmax),
        "fmin": (gnp.fmin, torch.fmin, jnp.fmin),
        "copysign": (gnp.copysign, torch.copysign, jnp.copysign),
        "heaviside": (gnp.heaviside, torch.heaviside, jnp.heaviside),
        "fmod": (gnp.fmod, torch.fmod, jnp.fmod),
        "remainder": (gnp.remainder, torch.remainder, jnp.remainder),
        "floor_divide": (gnp.floor_divide, torch.floor_divide, jnp.floor_divide),
        "divide": (gnp.divide, torch.div, jnp.divide),
        "multiply": (gnp.multiply, torch.mul, jnp.multiply),
        "add": (gnp.add, torch.add, jnp.add),
        "subtract": (gnp.subtract, torch.sub, jnp.subtract),
        "xlogy": (gs.xlogy, ts.xlogy, jss.xlogy),
        "xlog1py": (gs.xlog1py, ts.xlog1py, jss.xlog1py),
        "logaddexp": (gnp.logaddexp, torch.logaddexp, jnp.logaddexp),
        "logaddexp2": (gnp.logaddexp2, torch.logaddexp2, jnp.logaddexp2),
        "ldexp_like": (lambda x, y: x * gnp.exp2(y), lambda x, y: x * torch.exp2(y),
                       lambda x, y: x * jnp.exp2(y)),
        "rel_entr": (gs.rel_entr, None, jss.rel_entr),
        "kl_div": (gs.kl_div, None, jss.kl_div),
        "T.pow": (lambda a, b: a.pow(b), torch.pow, jnp.power),
        "T.atan2": (lambda a, b: a.atan2(b), torch.atan2, jnp.arctan2),
        "T.fmod": (lambda a, b: a.fmod(b), torch.fmod, jnp.fmod),
        "T.remainder": (lambda a, b: a.remainder(b), torch.remainder, jnp.remainder),
        "T.copysign": (lambda a, b: a.copysign(b), torch.copysign, jnp.copysign),
        "T.hypot": (lambda a, b: a.hypot(b), torch.hypot, jnp.hypot),
        "T.fmax": (lambda a, b: a.fmax(b), torch.fmax, jnp.fmax),
        "T.fmin": (lambda a, b: a.fmin(b), torch.fmin, jnp.fmin),
        "T.maximum": (lambda a, b: a.maximum(b), torch.maximum, jnp.maximum),
        "T.xlogy": (lambda a, b: a.xlogy(b) if hasattr(a, "xlogy") else gs.xlogy(a, b),
                    torch.xlogy, jss.xlogy),
        "T.logaddexp": (lambda a, b: a.logaddexp(b), torch.logaddexp, jnp.logaddexp),
        "T.float_power": (lambda a, b: a.float_power(b), torch.float_power, jnp.float_power),
        "T.floor_divide": (lambda a, b: a.floor_divide(b), torch.floor_divide, jnp.floor_divide),
    }


def _rows(*rows):
    import numpy as np

    return np.array(rows, dtype=np.float64)


def array_cases():
    """name -> (gpuad, torch, jax, input with special rows). Each function maps the 2-d input
    to one result per row (or keeps its shape)."""
    import numpy as np

    jax, jnp, jss, torch, tF = _peers()
    inf, nan = np.inf, np.nan
    lse_rows = _rows([-inf, -inf, -inf], [0.0, -inf, 1.0], [inf, 1.0, 2.0], [inf, inf, 0.0],
                     [nan, 0.0, 1.0], [-inf, -inf, 0.0], [1e308, 1e308, 0.0], [0.0, 0.0, 0.0])
    zero_rows = _rows([1.0, 2.0, 3.0], [0.0, 2.0, 3.0], [0.0, 0.0, 3.0], [2.0, 0.0, 0.0],
                      [-0.0, 2.0, -3.0], [0.0, 0.0, 0.0], [inf, 0.0, 2.0], [nan, 1.0, 2.0])
    tie_rows = _rows([1.0, 3.0, 3.0], [3.0, 3.0, 3.0], [2.0, 1.0, 2.0], [nan, 1.0, 2.0],
                     [inf, inf, 1.0], [-inf, -inf, -inf], [0.0, -0.0, -1.0], [1.0, nan, nan])
    norm_rows = _rows([0.0, 0.0, 0.0], [-0.0, 0.0, 0.0], [0.0, 1e-200, 0.0], [3.0, 4.0, 0.0],
                      [1e300, 1e300, 0.0], [inf, 1.0, 0.0], [nan, 0.0, 0.0], [2.0, -2.0, 1.0])
    odd_rows = _rows([1.0, 2.0, 2.0], [2.0, 2.0, 2.0], [3.0, 1.0, 3.0], [0.0, -0.0, 1.0],
                     [inf, inf, 1.0], [-inf, 0.0, inf])
    cum_rows = _rows([2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 2.0, 3.0], [1.0, 2.0, 0.0, 0.0],
                     [3.0, 3.0, 1.0, 3.0], [1.0, 1.0, 1.0, 1.0], [-0.0, 2.0, inf, 1.0])
    soft_rows = _rows([-inf, 0.0, 1.0], [-inf, -inf, 0.0], [1000.0, 0.0, -1000.0],
                      [0.0, 0.0, 0.0], [inf, 0.0, 1.0], [-1e9, -1e9, -1e9], [1e8, 1e8, 0.0],
                      [1e300, 1e300, 0.0], [nan, 0.0, 1.0])
    return {
        "logsumexp": (lambda x: gs.logsumexp(x, axis=1), lambda x: torch.logsumexp(x, 1),
                      lambda x: jss.logsumexp(x, axis=1), lse_rows),
        "T.logsumexp": (lambda x: x.logsumexp(1), lambda x: torch.logsumexp(x, 1),
                        lambda x: jss.logsumexp(x, axis=1), lse_rows),
        "F.logsumexp": (lambda x: F.logsumexp(x, 1), lambda x: torch.logsumexp(x, 1),
                        lambda x: jss.logsumexp(x, axis=1), lse_rows),
        "softmax": (lambda x: gs.softmax(x, axis=1), lambda x: torch.softmax(x, 1),
                    lambda x: jax.nn.softmax(x, axis=1), soft_rows),
        "log_softmax": (lambda x: gs.log_softmax(x, axis=1), lambda x: torch.log_softmax(x, 1),
                        lambda x: jax.nn.log_softmax(x, axis=1), soft_rows),
        "F.softmax": (lambda x: F.softmax(x, dim=1), lambda x: torch.softmax(x, 1),
                      lambda x: jax.nn.softmax(x, axis=1), soft_rows),
        "F.log_softmax": (lambda x: F.log_softmax(x, dim=1), lambda x: torch.log_softmax(x, 1),
                          lambda x: jax.nn.log_softmax(x, axis=1), soft_rows),
        "T.softmax": (lambda x: x.softmax(1), lambda x: torch.softmax(x, 1),
                      lambda x: jax.nn.softmax(x, axis=1), soft_rows),
        "jnn.log_softmax": (lambda x: jnn.log_softmax(x, axis=1), None,
                            lambda x: jax.nn.log_softmax(x, axis=1), soft_rows),
        "logsumexp_big": (lambda x: gs.logsumexp(x, axis=1), lambda x: torch.logsumexp(x, 1),
                          lambda x: jss.logsumexp(x, axis=1), soft_rows),
        "prod": (lambda x: gnp.prod(x, axis=1), lambda x: torch.prod(x, 1),
                 lambda x: jnp.prod(x, axis=1), zero_rows),
        "T.prod": (lambda x: x.prod(1), lambda x: torch.prod(x, 1),
                   lambda x: jnp.prod(x, axis=1), zero_rows),
        "cumprod": (lambda x: gnp.cumprod(x, axis=1), lambda x: torch.cumprod(x, 1),
                    lambda x: jnp.cumprod(x, axis=1), cum_rows),
        "T.cumprod": (lambda x: x.cumprod(1), lambda x: torch.cumprod(x, 1),
                      lambda x: jnp.cumprod(x, axis=1), cum_rows),
        "max": (lambda x: gnp.max(x, axis=1), lambda x: torch.amax(x, 1),
                lambda x: jnp.max(x, axis=1), tie_rows),
        "min": (lambda x: gnp.min(x, axis=1), lambda x: torch.amin(x, 1),
                lambda x: jnp.min(x, axis=1), tie_rows),
        "T.amax": (lambda x: x.amax(1), lambda x: torch.amax(x, 1),
                   lambda x: jnp.max(x, axis=1), tie_rows),
        "T.max_all": (lambda x: x.max(), lambda x: x.max(), lambda x: jnp.max(x), tie_rows),
        "T.max_dim": (lambda x: x.max(dim=1)[0], lambda x: x.max(dim=1).values, None, tie_rows),
        "T.min_dim": (lambda x: x.min(dim=1)[0], lambda x: x.min(dim=1).values, None, tie_rows),
        "nanmax": (lambda x: gnp.nanmax(x, axis=1), None, lambda x: jnp.nanmax(x, axis=1),
                   tie_rows),
        "sort": (lambda x: gnp.sort(x, axis=1), lambda x: torch.sort(x, dim=1, stable=True).values,
                 lambda x: jnp.sort(x, axis=1), tie_rows),
        "T.sort": (lambda x: x.sort(dim=1)[0], lambda x: torch.sort(x, dim=1, stable=True).values,
                   lambda x: jnp.sort(x, axis=1), tie_rows),
        "median_odd": (lambda x: gnp.median(x, axis=1), lambda x: torch.median(x, 1).values,
                       lambda x: jnp.median(x, axis=1), odd_rows),
        "T.median": (lambda x: x.median(1)[0], lambda x: torch.median(x, 1).values, None,
                     cum_rows),
        "T.cummax": (lambda x: x.cummax(1)[0], lambda x: torch.cummax(x, 1).values,
                     lambda x: jax.lax.cummax(x, axis=1), cum_rows),
        "T.cummin": (lambda x: x.cummin(1)[0], lambda x: torch.cummin(x, 1).values,
                     lambda x: jax.lax.cummin(x, axis=1), cum_rows),
        "norm": (lambda x: gnp.linalg.norm(x, axis=1), lambda x: torch.linalg.norm(x, dim=1),
                 lambda x: jnp.linalg.norm(x, axis=1), norm_rows),
        "norm_1": (lambda x: gnp.linalg.norm(x, 1, axis=1),
                   lambda x: torch.linalg.norm(x, 1, dim=1),
                   lambda x: jnp.linalg.norm(x, 1, axis=1), norm_rows),
        "norm_inf": (lambda x: gnp.linalg.norm(x, np.inf, axis=1),
                     lambda x: torch.linalg.norm(x, np.inf, dim=1),
                     lambda x: jnp.linalg.norm(x, np.inf, axis=1), norm_rows),
        "T.norm": (lambda x: x.norm(dim=1), lambda x: x.norm(dim=1),
                   lambda x: jnp.linalg.norm(x, axis=1), norm_rows),
        "F.normalize": (lambda x: F.normalize(x, dim=1), lambda x: tF.normalize(x, dim=1),
                        None, norm_rows),
        "where_sqrt": (lambda x: gnp.where(x > 0, gnp.sqrt(x), 0.0),
                       lambda x: torch.where(x > 0, torch.sqrt(x), 0.0),
                       lambda x: jnp.where(x > 0, jnp.sqrt(x), 0.0), zero_rows),
        "where_log": (lambda x: gnp.where(x > 0, gnp.log(x), 0.0),
                      lambda x: torch.where(x > 0, torch.log(x), 0.0),
                      lambda x: jnp.where(x > 0, jnp.log(x), 0.0), zero_rows),
        "std": (lambda x: gnp.std(x, axis=1), lambda x: torch.std(x, 1, correction=0),
                lambda x: jnp.std(x, axis=1), odd_rows),
    }


def second_cases():
    """name -> (gpuad, torch, jax, points): second derivatives at kinks."""
    jax, jnp, jss, torch, tF = _peers()
    k = (0.0, -0.0, 1.0, -1.0, 6.0, 3.0, -3.0, 0.5, -0.5, 2.0)
    return {
        "abs": (gnp.abs, torch.abs, jnp.abs, k),
        "relu": (F.relu, tF.relu, jax.nn.relu, k),
        "relu6": (F.relu6, tF.relu6, jax.nn.relu6, k),
        "leaky_relu": (F.leaky_relu, tF.leaky_relu, lambda x: jax.nn.leaky_relu(x, 0.01), k),
        "elu": (F.elu, tF.elu, jax.nn.elu, k),
        "celu": (F.celu, tF.celu, jax.nn.celu, k),
        "selu": (F.selu, tF.selu, jax.nn.selu, k),
        "hardtanh": (F.hardtanh, tF.hardtanh, jax.nn.hard_tanh, k),
        "hardswish": (F.hardswish, tF.hardswish, jax.nn.hard_swish, k),
        "hardsigmoid": (F.hardsigmoid, tF.hardsigmoid, jax.nn.hard_sigmoid, k),
        "gelu": (F.gelu, tF.gelu, lambda x: jax.nn.gelu(x, approximate=False), k),
        "silu": (F.silu, tF.silu, jax.nn.silu, k),
        "softplus": (F.softplus, tF.softplus, jax.nn.softplus, k),
        "mish": (F.mish, tF.mish, jax.nn.mish, k),
        "sqrt": (gnp.sqrt, torch.sqrt, jnp.sqrt, k),
        "cbrt": (gnp.cbrt, None, jnp.cbrt, k),
        "pow_1p5": (lambda x: x ** 1.5, lambda x: x ** 1.5, lambda x: x ** 1.5, k),
        "pow_2": (lambda x: x ** 2.0, lambda x: x ** 2.0, lambda x: x ** 2.0, k),
        "pow_0": (lambda x: x ** 0.0, lambda x: x ** 0.0, lambda x: x ** 0.0, k),
        "clip": (lambda x: gnp.clip(x, -1.0, 1.0), lambda x: torch.clamp(x, -1.0, 1.0),
                 lambda x: jnp.clip(x, -1.0, 1.0), k),
        "maximum0": (lambda x: gnp.maximum(x, 0.0), lambda x: torch.clamp_min(x, 0.0),
                     lambda x: jnp.maximum(x, 0.0), k),
        "maximum_sq": (lambda x: gnp.maximum(x * x, x), lambda x: torch.maximum(x * x, x),
                       lambda x: jnp.maximum(x * x, x), k),
        "sinc": (gnp.sinc, torch.sinc, jnp.sinc, k),
        "xlogy_xx": (lambda x: gs.xlogy(x, x), lambda x: torch.special.xlogy(x, x),
                     lambda x: jss.xlogy(x, x), k),
        "entr": (gs.entr, torch.special.entr, jss.entr, k),
        "erf": (gs.erf, torch.special.erf, jss.erf, k),
        "tanh": (gnp.tanh, torch.tanh, jnp.tanh, k),
        "softsign": (F.softsign, tF.softsign, jax.nn.soft_sign, k),
        "logsigmoid": (F.logsigmoid, tF.logsigmoid, jax.nn.log_sigmoid, k),
        "hypot_x1": (lambda x: gnp.hypot(x, 1.0), lambda x: torch.hypot(x, torch.ones_like(x)),
                     lambda x: jnp.hypot(x, 1.0), k),
    }
