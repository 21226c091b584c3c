"""``scipy.special``, differentiable, with SciPy's names and signatures.

- Gamma family: gamma, gammaln, rgamma, digamma (psi), polygamma, multigammaln, gammasgn,
  gammainc, gammaincc.
- Beta family: beta, betaln, betainc, betaincc.
- Error function and distributions: erf, erfc, erfcx, erfinv, erfcinv, ndtr, log_ndtr, ndtri,
  stdtr (Student's t CDF).
- Bessel functions: j0, j1, jn, jv, y0, y1, yn, yv, i0, i1, iv, i0e, i1e, ive, k0, k1, kv,
  k0e, k1e, kve.
- Exponential integrals and more: exp1, expi, expn, zeta (in q), poch, spence, hyp1f1 (in x),
  hyp2f1 (in x), dawsn, sici, fresnel, owens_t, loggamma, factorial, comb, boxcox, boxcox1p,
  inv_boxcox, inv_boxcox1p, exprel, bernoulli (numbers), bessel_jn (as JAX's).
- Complex-valued (as JAX's): wofz (the Faddeeva function, holomorphic), sph_harm_y (spherical
  harmonics, differentiable in the angles).
- Logistic and log-sum-exp: expit, logit, log_expit, softplus, logsumexp, softmax,
  log_softmax.
- Logarithms and entropies: xlogy, xlog1py, entr, rel_entr, kl_div.
- torch.special's names: the orthogonal polynomials chebyshev_polynomial_t/u/v/w,
  shifted_chebyshev_polynomial_t/u/v/w, hermite_polynomial_h/he, laguerre_polynomial_l,
  legendre_polynomial_p (``f(x, n)``, torch's values, differentiable in x), and airy_ai.

Forwards run ``scipy.special`` (NumPy backend) or ``cupyx.scipy.special`` (CuPy backend). A
function the installed CuPy lacks raises ``NotImplementedError`` naming it: CuPy 14 has no jn,
jv, yv, iv, ive, kv, kve, hyp1f1, betaincc or spence. Without CuPy's stdtr, stdtr is computed
from its betainc, to round-off for ``df <= 1000`` (a larger finite df raises).
Derivatives of every order exist in both modes, except in integer orders (``polygamma``'s n,
the Bessel orders, ``expn``'s n), in ``zeta``'s x and ``hyp1f1``'s a and b, in the shape
parameters of ``betainc``/``betaincc`` and in ``stdtr``'s ``df``, which have no closed form:
asking for them raises ``gpuad.MissingRuleError``. ``gammainc``/``gammaincc`` are
differentiable once in their shape ``a`` (as ``jax.lax.igamma_grad_a``; computed on the host).

Example::

    import gpuad as ad
    import gpuad.scipy.special as sps
    ad.grad(lambda x: sps.gammaln(x).sum())(np.array([0.5, 3.0]))   # digamma(x)
    p = sps.softmax(logits, axis=-1)                                # rows sum to one
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from .. import _value_checks as _vc
from .. import numpy as gnp
from .. import rules as _r
from ..rules import erf as _erf
from ..rules import sigmoid
from ..tensor import Tensor
from ._special_complex import sph_harm_y, wofz  # noqa: E402
from ._special_more import (  # noqa: E402
    bernoulli,
    bessel_jn,
    boxcox,
    boxcox1p,
    comb,
    dawsn,
    exprel,
    factorial,
    fresnel,
    hyp2f1,
    inv_boxcox,
    inv_boxcox1p,
    loggamma,
    owens_t,
    sici,
)
from ._special_rules import (
    beta,
    betainc,
    betaincc,
    betaln,
    digamma,
    entr,
    erfc,
    erfcinv,
    erfcx,
    erfinv,
    exp1,
    expi,
    expn,
    gamma,
    gammainc,
    gammaincc,
    gammaln,
    gammasgn,
    hyp1f1,
    i0,
    i0e,
    i1,
    i1e,
    iv,
    ive,
    j0,
    j1,
    jn,
    jv,
    k0,
    k0e,
    k1,
    k1e,
    kl_div,
    kv,
    kve,
    log_ndtr,
    ndtr,
    ndtri,
    poch,
    polygamma,
    rel_entr,
    rgamma,
    spence,
    stdtr,
    xlog1py,
    xlogy,
    y0,
    y1,
    yn,
    yv,
    zeta_,
)
from ._special_torch import (  # torch.special's names
    airy_ai,
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)

psi = digamma


def zeta(x: Any, q: Any = None) -> Any:
    """``scipy.special.zeta(x, q=None)``: the Riemann (q None) or Hurwitz zeta function.
    Differentiable in ``q``; the derivative in ``x`` has no closed form and raises.

    Example: ``sps.zeta(2.0, q)``
    """
    if q is None:  # Riemann's: for x < 1 not Hurwitz's zeta(x, 1) (nan there in SciPy)
        return zeta_(x, 1.0, riemann=True)
    return zeta_(x, q)

_DOCS = {
    erfc: ("erfc(x)", "``1 - erf(x)``, accurate for large x.", "erfc(3.0)"),
    erfcx: ("erfcx(x)", "The scaled complementary error function ``exp(x^2) erfc(x)``.",
            "erfcx(10.0)"),
    erfinv: ("erfinv(y)", "The inverse of erf on (-1, 1).", "erfinv(0.5)"),
    erfcinv: ("erfcinv(y)", "The inverse of erfc on (0, 2).", "erfcinv(0.5)"),
    ndtr: ("ndtr(x)", "The standard normal CDF.", "ndtr(1.0)"),
    log_ndtr: ("log_ndtr(x)", "``log(ndtr(x))``, accurate far in the lower tail.",
               "log_ndtr(-30.0)"),
    ndtri: ("ndtri(y)", "The inverse of ndtr (the standard normal quantile).", "ndtri(0.975)"),
    stdtr: ("stdtr(df, t)", "The CDF of Student's t with df degrees of freedom; differentiable "
            "in t (the derivative in df has no closed form and raises).", "stdtr(3.0, t)"),
    gamma: ("gamma(z)", "The gamma function; d/dz = gamma(z) digamma(z).", "gamma(4.5)"),
    gammaln: ("gammaln(x)", "``log|gamma(x)|``; d/dx = digamma(x).", "gammaln(100.0)"),
    rgamma: ("rgamma(z)", "``1 / gamma(z)`` (zero at the poles of gamma).", "rgamma(-2.0)"),
    digamma: ("digamma(z)", "The logarithmic derivative of gamma (also named psi).",
              "digamma(1.0)"),
    polygamma: ("polygamma(n, x)", "The n-th derivative of digamma; differentiable in x "
                "(n is an integer order).", "polygamma(1, x)"),
    gammasgn: ("gammasgn(x)", "The sign of gamma(x): piecewise constant, not differentiated.",
               "gammasgn(-0.5)"),
    gammainc: ("gammainc(a, x)", "The regularised lower incomplete gamma function; "
               "differentiable in x, and once in a (as jax.lax.igamma_grad_a).",
               "gammainc(2.0, x)"),
    gammaincc: ("gammaincc(a, x)", "``1 - gammainc(a, x)``; differentiable in x, once in a.",
                "gammaincc(2.0, x)"),
    beta: ("beta(a, b)", "The beta function ``gamma(a) gamma(b) / gamma(a + b)``.",
           "beta(2.0, 3.0)"),
    betaln: ("betaln(a, b)", "``log|beta(a, b)|``.", "betaln(20.0, 30.0)"),
    betainc: ("betainc(a, b, x)", "The regularised incomplete beta function; differentiable in "
              "x (derivatives in a and b have no closed form and raise).",
              "betainc(2.0, 3.0, x)"),
    betaincc: ("betaincc(a, b, x)", "``1 - betainc(a, b, x)``; differentiable in x.",
               "betaincc(2.0, 3.0, x)"),
    xlogy: ("xlogy(x, y)", "``x * log(y)``, and 0 where x == 0.", "xlogy(p, q)"),
    xlog1py: ("xlog1py(x, y)", "``x * log1p(y)``, and 0 where x == 0.", "xlog1py(p, q)"),
    entr: ("entr(x)", "``-x log(x)`` for x > 0, 0 at 0, -inf below.", "entr(p).sum()"),
    j0: ("j0(x)", "Bessel function of the first kind, order 0.", "j0(x)"),
    j1: ("j1(x)", "Bessel function of the first kind, order 1.", "j1(x)"),
    jv: ("jv(v, z)", "Bessel function of the first kind, real order v; differentiable in z.",
         "jv(2.5, x)"),
    jn: ("jn(n, x)", "Bessel function of the first kind, integer order n; differentiable in x.",
         "jn(3, x)"),
    y0: ("y0(x)", "Bessel function of the second kind, order 0.", "y0(x)"),
    y1: ("y1(x)", "Bessel function of the second kind, order 1.", "y1(x)"),
    yv: ("yv(v, z)", "Bessel function of the second kind, real order v; differentiable in z.",
         "yv(2.5, x)"),
    yn: ("yn(n, x)", "Bessel function of the second kind, integer order n; differentiable in x.",
         "yn(3, x)"),
    i0: ("i0(x)", "Modified Bessel function of the first kind, order 0.", "i0(x)"),
    i1: ("i1(x)", "Modified Bessel function of the first kind, order 1.", "i1(x)"),
    iv: ("iv(v, z)", "Modified Bessel function of the first kind, real order v; "
         "differentiable in z.", "iv(0.5, x)"),
    i0e: ("i0e(x)", "``i0(x) exp(-|x|)``.", "i0e(x)"),
    i1e: ("i1e(x)", "``i1(x) exp(-|x|)``.", "i1e(x)"),
    ive: ("ive(v, z)", "``iv(v, z) exp(-|z|)``; differentiable in z.", "ive(0.5, x)"),
    k0: ("k0(x)", "Modified Bessel function of the second kind, order 0.", "k0(x)"),
    k1: ("k1(x)", "Modified Bessel function of the second kind, order 1.", "k1(x)"),
    kv: ("kv(v, z)", "Modified Bessel function of the second kind, real order v; "
         "differentiable in z.", "kv(1.5, x)"),
    k0e: ("k0e(x)", "``k0(x) exp(x)``.", "k0e(x)"),
    k1e: ("k1e(x)", "``k1(x) exp(x)``.", "k1e(x)"),
    kve: ("kve(v, z)", "``kv(v, z) exp(z)``; differentiable in z.", "kve(1.5, x)"),
    exp1: ("exp1(x)", "The exponential integral E1.", "exp1(x)"),
    expi: ("expi(x)", "The exponential integral Ei.", "expi(x)"),
    expn: ("expn(n, x)", "The generalised exponential integral E_n; differentiable in x "
           "(n is an integer order).", "expn(2, x)"),
    poch: ("poch(z, m)", "The Pochhammer symbol ``gamma(z + m) / gamma(z)``.", "poch(z, 2.5)"),
    spence: ("spence(z)", "The dilogarithm as SciPy defines it, ``int_1^z log(t)/(1-t) dt``.",
             "spence(x)"),
    hyp1f1: ("hyp1f1(a, b, x)", "The confluent hypergeometric function 1F1; differentiable in "
             "x (derivatives in a and b have no closed form and raise).", "hyp1f1(1.5, 2.0, x)"),
    rel_entr: ("rel_entr(x, y)", "``x log(x / y)`` for x, y > 0; 0 at x = 0; inf elsewhere.",
               "rel_entr(p, q).sum()"),
    kl_div: ("kl_div(x, y)", "``x log(x / y) - x + y`` for x, y > 0.", "kl_div(p, q).sum()"),
}

for _op, (_sig, _text, _ex) in _DOCS.items():
    _op.__doc__ = (f"``scipy.special.{_sig}``. {_text} Differentiable to any order in both "
                   f"modes. Example: ``sps.{_ex}``")
del _op, _sig, _text, _ex


def erf(x: Any) -> Any:
    """The error function; d/dx = 2/sqrt(pi) exp(-x^2). Example: ``sps.erf(0.5)``"""
    return _erf(x)


def expit(x: Any) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.

    Example: ``expit(gpuad.tensor([0.0]))`` is ``[0.5]``.
    """
    return sigmoid(x)


def log_expit(x: Any) -> Any:
    """``log(expit(x)) = -log(1 + exp(-x))``, accurate for large ``|x|``.

    Example: ``log_expit(-800.0)`` is ``-800.0``.
    """
    return -gnp.logaddexp(0.0, -x)


def logit(x: Any) -> Any:
    """The inverse of :func:`expit`: ``log(x / (1 - x))``. Example: ``logit(0.5)`` is 0."""
    # near 1/2 the two logs nearly cancel: there log1p((2x - 1) / (1 - x)), whose parts are
    # exact (as SciPy's, on 0.3 < x < 0.65)
    x = gnp.asarray(x)
    xd = _r.data(x)
    mid = (xd > 0.3) & (xd < 0.65)
    xm, xo = gnp.where(mid, x, 0.5), gnp.where(mid, 0.5, x)
    return gnp.where(mid, gnp.log1p((2 * xm - 1) / (1 - xm)), gnp.log(xo) - gnp.log1p(-xo))


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))`` as ``logaddexp(x, 0)`` (no overflow). Example: ``softplus(0.0)``"""
    return gnp.logaddexp(x, 0.0)


def multigammaln(a: Any, d: int) -> Any:
    """The log of the multivariate gamma function of dimension ``d``:
    ``d (d-1)/4 log(pi) + sum_j gammaln(a - j/2)``; differentiable in ``a``.

    Example: ``multigammaln(3.5, 3)``
    """
    if int(d) != d or d < 1:
        raise ValueError(f"multigammaln: d must be a positive integer, got {d!r}")
    d = int(d)
    ad = _r.data(a)
    xp = _r._xp(ad)
    whole = ad._data if isinstance(ad, Tensor) else ad  # inside vmap: every example at once
    if hasattr(whole, "shape"):
        _vc.fail_if("multigammaln_domain", lambda xp, w: w <= 0.5 * (d - 1), lambda: ValueError(
            f"multigammaln: a must be larger than (d - 1) / 2 = {0.5 * (d - 1)}"), whole)
    elif whole <= 0.5 * (d - 1):
        raise ValueError(f"multigammaln: a must be larger than (d - 1) / 2 = {0.5 * (d - 1)}")
    dt = getattr(ad, "dtype", None)
    offsets = xp.arange(d, dtype=dt if dt is not None and dt.kind == "f" else xp.float64) * 0.5
    terms = gammaln(gnp.expand_dims(a, -1) - offsets)
    return gnp.sum(terms, axis=-1) + d * (d - 1) / 4.0 * math.log(math.pi)


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False, where: Any = None) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably, as ``scipy.special.logsumexp``.

    With ``b`` the weights (may be negative; then the result is nan unless ``return_sign``);
    with ``return_sign=True`` returns ``(log|sum|, sign)``, the sign not differentiated.
    ``where`` (a boolean mask, as ``jax.scipy.special.logsumexp``) leaves out the elements
    where it is False; a slice with nothing left (or weights all 0) gives ``-inf`` and
    derivative 0. Differentiable in ``a`` and ``b``.

    Example: ``logsumexp(x, axis=1, b=w)``
    """
    # lists and host arrays too: the current backend's arrays (Tensors stay as they are)
    a = gnp.asarray(a)
    adt = _np.dtype(getattr(_r.data(a), "dtype", _np.float64))
    fdt = adt if adt.kind in "fc" else _np.dtype(_np.float64)
    if b is None and (return_sign or where is not None):
        b = 1.0
    if type(b) in (int, float):  # a Python weight keeps a float32 a float32 (as JAX)
        b = _r._xp(_r.data(a)).asarray(b, dtype=fdt)
    if b is not None:
        b = gnp.asarray(b)
    if where is not None:
        mask = gnp.asarray(where)
        mdt = _np.dtype(getattr(_r.data(mask), "dtype", bool))
        if mdt != _np.bool_:
            raise TypeError(f"logsumexp: where must be a boolean array, got dtype {mdt}")
        a = gnp.where(mask, a, 0.0)  # the elements left out get weight 0 (and a finite a)
        b = gnp.where(mask, b, gnp.zeros((), fdt))
    from ..batching.composites import batched, over_levels, shift_axes

    if batched(a, b) and (b is not None or return_sign):  # vmap: levels as leading axes
        nd = len(_np.broadcast_shapes(_r.shape(a), _r.shape(1.0 if b is None else b)))
        if _r.ndim(a) != nd:
            a = _r.broadcast_to(a, _np.broadcast_shapes(_r.shape(a), _r.shape(b)))
        return over_levels(lambda u, v, k: logsumexp(u, shift_axes(axis, nd, k), v, keepdims,
                                                     return_sign), [a, b], "logsumexp")
    if _r.ndim(a) == 0 and (b is None or _r.ndim(b) == 0):
        a = gnp.reshape(a, (1,))  # SciPy reads 0-d input as 1-d: axis 0 exists, keepdims -> (1,)
    if b is None and not return_sign:
        return _r.logsumexp(a, axis=axis, keepdims=keepdims)
    shp = tuple(_np.broadcast_shapes(_r.shape(a), _r.shape(b)))
    a = _r.broadcast_to(a, shp) if _r.shape(a) != shp else a
    b = _r.broadcast_to(b, shp) if _r.shape(b) != shp else b
    ax = _r.norm_axis(axis, len(shp))
    ad, bd = _r.data(a), _r.data(b)
    xp = _r._xp(ad)
    ad = xp.asarray(ad)
    if ad.dtype.kind == "c" or xp.asarray(bd).dtype.kind == "c":
        return _complex_logsumexp(a, b, ax, shp, keepdims, return_sign)
    # the shift m is a constant: the result does not depend on it
    masked = xp.where(xp.asarray(bd) != 0, ad, -xp.inf)
    m = xp.max(masked, axis=ax, keepdims=True) if masked.size else xp.zeros(
        _r._kept_shape(shp, ax), masked.dtype)
    m = xp.where(xp.isfinite(m), m, 0)
    # an element of weight 0 is left out even where its a is nan or +inf, as SciPy and JAX
    # (there the derivative in its b is taken as 0; elsewhere it is exp(a - out))
    # (and where b * exp(a - m) would be 0 * inf: SciPy's logsumexp([1, 1e4], b=[1, 0]) is 1)
    with _np.errstate(over="ignore"):
        dropped = (xp.asarray(bd) == 0) & (xp.isnan(ad) | xp.isposinf(ad)
                                           | xp.isposinf(xp.exp(ad - m)))
    a = gnp.where(dropped, -xp.inf, a)
    s = gnp.sum(b * gnp.exp(a - m), axis=ax, keepdims=True)
    sd = xp.asarray(_r.data(s))
    # an empty sum (weights all 0) is -inf whatever a is: derivative 0, not 0/0; a negative
    # one is nan without return_sign, with derivative 0 as JAX's
    empty, negative = sd == 0, sd < 0
    log_abs = gnp.log(gnp.abs(gnp.where(empty, 1.0, s))) + m
    out = gnp.where(empty, -xp.inf, log_abs)
    if not return_sign:
        out = gnp.where(negative, xp.nan, out)
    if not keepdims:
        out = gnp.reshape(out, tuple(n for i, n in enumerate(shp) if ax is not None
                                     and i not in ax))
    if not return_sign:
        return out
    sgn = xp.sign(sd)
    if not keepdims:
        sgn = sgn.reshape(_r.shape(out))
    return out, (Tensor(sgn) if isinstance(out, Tensor) else sgn)


def _complex_logsumexp(a: Any, b: Any, ax: Any, shp: tuple, keepdims: bool,
                       return_sign: bool) -> Any:
    """SciPy's (1.13) and JAX's complex logsumexp: ``log(s)`` of ``s = sum(b * exp(a))``, or
    with ``return_sign`` the real ``log|s|`` and the complex sign ``s / |s|`` (a constant)."""
    xp = _r._xp(_r.data(a))
    re = xp.real(xp.asarray(_r.data(a)))
    re = xp.where(xp.asarray(_r.data(b)) != 0, re, -xp.inf)
    m = xp.max(re, axis=ax, keepdims=True) if re.size else xp.zeros(_r._kept_shape(shp, ax))
    m = xp.where(xp.isfinite(m), m, 0)  # the shift is a constant: the result does not depend on it
    s = gnp.sum(b * gnp.exp(a - m), axis=ax, keepdims=True)
    kept = tuple(n for i, n in enumerate(shp) if ax is not None and i not in ax)
    if not return_sign:
        out = gnp.log(s) + m
        return out if keepdims else gnp.reshape(out, kept)
    mag = gnp.abs(s)
    out = gnp.log(mag) + m
    sd = xp.asarray(_r.data(s))
    sgn = xp.where(sd == 0, 0, sd / xp.where(sd == 0, 1, xp.abs(sd)))
    if not keepdims:
        out, sgn = gnp.reshape(out, kept), sgn.reshape(kept)
    return out, (Tensor(sgn) if isinstance(out, Tensor) else sgn)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """``x - logsumexp(x, axis)``, as ``scipy.special.log_softmax`` (axis None: all elements).

    Example: ``gnp.exp(log_softmax(z, axis=-1)).sum(-1)`` is all ones.
    """
    from .._softmax import shifted

    z = shifted(gnp.asarray(x), axis)
    return z - _r.logsumexp(z, axis=axis, keepdims=True)


def softmax(x: Any, axis: Any = None) -> Any:
    """``exp(x) / sum(exp(x))`` over ``axis``, as ``scipy.special.softmax`` (axis None: all).

    Example: ``softmax(gpuad.tensor([0.0, 0.0]))`` is ``[0.5, 0.5]``.
    """
    # shifted by the (constant) maximum as SciPy and JAX: a slice holding +inf or nan is nan
    # throughout (exp(log_softmax) would give 0 beside the nan)
    x = gnp.asarray(x)
    if 0 in _r.shape(x):
        return gnp.exp(log_softmax(x, axis))
    from .._numpy_protocol import stop_gradient

    e = gnp.exp(x - stop_gradient(gnp.max(x, axis=axis, keepdims=True)))
    return e / gnp.sum(e, axis=axis, keepdims=True)


__all__ = [
    "bernoulli", "bessel_jn", "boxcox", "boxcox1p", "inv_boxcox", "inv_boxcox1p", "exprel",
    "comb", "dawsn", "factorial", "fresnel",
    "hyp2f1", "loggamma", "owens_t", "sici", "sph_harm_y", "wofz",
    "beta", "betainc", "betaincc", "betaln", "digamma", "entr", "erf", "erfc", "erfcinv",
    "erfcx", "erfinv", "exp1", "expi", "expit", "expn", "gamma", "gammainc", "gammaincc",
    "gammaln", "gammasgn", "hyp1f1", "i0", "i0e", "i1", "i1e", "iv", "ive", "j0", "j1", "jn",
    "jv", "k0", "k0e", "k1", "k1e", "kl_div", "kv", "kve", "log_expit", "log_ndtr",
    "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "poch", "polygamma",
    "psi", "rel_entr", "rgamma", "softmax", "softplus", "spence", "stdtr", "xlog1py", "xlogy",
    "y0", "y1", "yn", "yv", "zeta",
    # torch.special's names
    "airy_ai", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
    "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p",
]
